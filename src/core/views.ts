import type { DaySnapshot } from '../model/snapshot.js';
import { type DayRecord, isUsableSlot, type SlotRecord, type TokenRecord } from '../model/records.js';
import { compareQueueOrder, DayEstimates, dayQueueOf } from '../model/queue.js';
import { MINUTE } from '../time.js';
import { isPlaceStatus } from '../model/status.js';
import { TOKEN_STATUSES, type SlotView, type Stats, type Token, type TokenStatus } from '../types.js';
import { toPlaceToken, toQueue, toSlot, toToken } from '../model/convert.js';
import type { CoreConfig } from './config.js';
import { protectionOf } from './protection.js';
import { mayPromote } from './windows.js';
import { estimatesOf } from './call-order.js';
import { fixedDate } from '../model/instant.js';
import { openOfferOf } from './offers.js';
import { claimedPlaces, takenPlacesAt, tokenlessClaims } from '../model/claims.js';
import { claimKind } from './claim-kinds.js';

/** Whether the overflow strategy protects a waiting token: such tokens (emergencies) are promoted first. */
export type IsProtected = (token: TokenRecord) => boolean;

/** How a read orders and places waiting tokens: who is protected, and who may be promoted into a slot ({@link mayPromote}). */
export interface Promotion {
  readonly isProtected: IsProtected;
  readonly mayPromote: (token: TokenRecord, slot: SlotRecord) => boolean;
}

/** {@link Promotion} under a scheduler's overflow strategy and booking windows, asked as of `now`. */
export function promotionUnder(config: CoreConfig, now: number): Promotion {
  const at = { config, nowDate: fixedDate(now) };
  const isProtected: IsProtected = (token) => protectionOf(at, token) !== null;
  return { isProtected, mayPromote: (token, slot) => mayPromote(config, token, slot, isProtected) };
}

/**
 * Waiting tokens in promotion order: the protected ones (placed first by the emergency rule),
 * then the others, each in queue order (rank, request time, token number).
 */
function inPromotionOrder(tokens: readonly TokenRecord[], isProtected: IsProtected): TokenRecord[] {
  const sorted = [...tokens].sort(compareQueueOrder);
  const first = sorted.filter(isProtected);
  if (first.length === 0 || first.length === sorted.length) return sorted;
  const chosen = new Set(first);
  return [...first, ...sorted.filter((t) => !chosen.has(t))];
}

/**
 * Live estimates of a doctor-day as read from storage (under the scheduler's call order, when
 * `config` has one); `only`, the one place they will be asked of (see `estimatesOf`).
 */
export function dayEstimates(day: DaySnapshot, consultMinutes: number, now: number, config?: CoreConfig, only?: TokenRecord): DayEstimates {
  const queue = dayQueueOf(day.slots, day.record.pause?.until);
  return config === undefined
    ? new DayEstimates(queue, now, consultMinutes)
    : estimatesOf({ config, nowDate: fixedDate(now) }, queue, now, consultMinutes, only);
}

/**
 * Slot `i` of a day with its queue (live estimates) and the waitlist that could be promoted into
 * it, in promotion order. The quota, if any, is asked only when a place is given.
 */
export function slotView(
  day: DaySnapshot,
  i: number,
  estimates: DayEstimates,
  now: number,
  promotion: Promotion,
  config: Pick<CoreConfig, 'claimKinds'>,
): SlotView {
  const { slot, places } = day.slots[i]!;
  const waitlist = day.waitlist;
  const usable = isUsableSlot(slot, now);
  // As of now: a claim whose end has passed holds nothing, swept or not (as every search for room finds).
  const taken = takenPlacesAt(places, day.record.claims, slot.id, now);
  const eligible = usable
    ? inPromotionOrder(
        waitlist.filter((t) => promotion.mayPromote(t, slot)),
        promotion.isProtected,
      )
    : [];
  return {
    slot: toSlot(slot),
    places: toQueue(estimates, i),
    waitlist: eligible.map((t) => toToken(t, null, null)),
    free: Math.max(0, slot.capacity - taken),
    overflowUsed: Math.max(0, taken - slot.capacity),
    claimed: claimedPlaces(places, day.record.claims, slot.id, now),
    leased: tokenlessClaims(
      day.record.claims?.filter((c) => claimKind(config, c).shownAs === 'leased'),
      slot.id,
      now,
    ),
  };
}

/** A day's waitlist in promotion order. */
export function waitlistView(day: DaySnapshot, isProtected: IsProtected): Token[] {
  return inPromotionOrder(day.waitlist, isProtected).map((t) => toToken(t, null, null));
}

/** A token with its position and live estimate, read from its day. */
export function tokenView(token: TokenRecord, day: DaySnapshot | undefined, consultMinutes: number, now: number, config?: CoreConfig): Token {
  const view = placeView(token, day, consultMinutes, now, config);
  // A day that has had claims: the token's open offer, if any.
  const claims = day?.record.claims;
  if (claims === undefined) return view;
  const offer = openOfferOf(claims, token.id);
  if (offer === undefined) return view;
  return Object.freeze({
    ...view,
    offer: offer === null ? null : Object.freeze({ offerId: offer.offerId, slotId: offer.slotId, expiresAt: fixedDate(offer.expiresAt) }),
  });
}

function placeView(token: TokenRecord, day: DaySnapshot | undefined, consultMinutes: number, now: number, config: CoreConfig | undefined): Token {
  if (day !== undefined && isPlaceStatus(token.status) && token.slotId !== null) {
    const i = day.slots.findIndex((s) => s.slot.id === token.slotId);
    const current = i < 0 ? undefined : day.slots[i]!.places.find((t) => t.id === token.id);
    if (current !== undefined) return toPlaceToken(current, dayEstimates(day, consultMinutes, now, config, current), i);
  }
  return toToken(token, null, null);
}

/** Accumulates {@link Stats} over doctor-days. */
export class StatsAccumulator {
  #tokens = 0;
  readonly #byStatus = Object.fromEntries(TOKEN_STATUSES.map((s) => [s, 0])) as Record<TokenStatus, number>;
  readonly #byCategory = new Map<string, number>();
  #openSlots = 0;
  #closedSlots = 0;
  #capacity = 0;
  #places = 0;
  #overflowUsed = 0;
  #bumps = 0;
  #cascades = 0;
  #promotions = 0;
  #drops = 0;
  /** Whole milliseconds waited (exact, so the figure does not depend on the order of days). */
  #waitMs = 0;
  #waitCount = 0;

  /**
   * Adds one doctor-day.
   * @param consultMinutes - the doctor's minutes per consultation
   */
  add(record: DayRecord, slots: readonly SlotRecord[], tokens: readonly TokenRecord[], consultMinutes: number, now: number, config?: CoreConfig): void {
    this.#bumps += record.bumps;
    this.#cascades += record.cascades;
    this.#promotions += record.promotions;
    this.#drops += record.drops;
    const bySlot = new Map<string, TokenRecord[]>();
    for (const token of tokens) {
      this.#tokens++;
      this.#byStatus[token.status]++;
      this.#byCategory.set(token.category, (this.#byCategory.get(token.category) ?? 0) + 1);
      if (isPlaceStatus(token.status) && token.slotId !== null) {
        const list = bySlot.get(token.slotId);
        if (list === undefined) bySlot.set(token.slotId, [token]);
        else list.push(token);
      }
    }
    const day = slots.map((slot) => ({ slot, places: bySlot.get(slot.id) ?? [] }));
    const queue = dayQueueOf(day, record.pause?.until);
    const estimates =
      config === undefined ? new DayEstimates(queue, now, consultMinutes) : estimatesOf({ config, nowDate: fixedDate(now) }, queue, now, consultMinutes);
    day.forEach(({ slot, places }, i) => {
      for (const { token, estimate } of estimates.queue(i)) {
        // The estimate as the token shows it (a Date keeps whole milliseconds).
        this.#waitMs += Math.max(0, Math.trunc(estimate.start) - token.requestedAt);
        this.#waitCount++;
      }
      if (slot.status === 'OPEN') {
        this.#openSlots++;
        this.#capacity += slot.capacity;
        this.#places += places.length;
        // As a slot's view counts it: as of now, a claim whose end has passed holds nothing, swept or not.
        this.#overflowUsed += Math.max(0, takenPlacesAt(places, record.claims, slot.id, now) - slot.capacity);
      } else {
        this.#closedSlots++;
      }
    });
  }

  /** The figures so far. */
  result(): Stats {
    return {
      tokens: this.#tokens,
      byStatus: { ...this.#byStatus },
      byCategory: Object.fromEntries([...this.#byCategory].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      openSlots: this.#openSlots,
      closedSlots: this.#closedSlots,
      capacity: this.#capacity,
      places: this.#places,
      overflowUsed: this.#overflowUsed,
      utilisation: this.#capacity === 0 ? 0 : this.#places / this.#capacity,
      bumps: this.#bumps,
      cascades: this.#cascades,
      promotions: this.#promotions,
      drops: this.#drops,
      averageWaitMinutes: this.#waitCount === 0 ? 0 : this.#waitMs / this.#waitCount / MINUTE,
    };
  }
}
