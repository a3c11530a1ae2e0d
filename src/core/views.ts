import type { DaySnapshot, SlotState } from '../model/snapshot.js';
import type { DayRecord, SlotRecord, TokenRecord } from '../model/records.js';
import { compareQueueOrder, estimatedStart } from '../model/queue.js';
import { MINUTE } from '../time.js';
import { isPlaceStatus } from '../model/status.js';
import { TOKEN_STATUSES, type SlotView, type Stats, type Token, type TokenStatus } from '../types.js';
import { toQueue, toSlot, toToken } from '../model/convert.js';
import { isEligible } from './placement.js';

/** A slot with its queue and the waitlist that could be promoted into it. */
export function slotView(state: SlotState, waitlist: readonly TokenRecord[], consultMinutes: number, now: number): SlotView {
  const { slot, places } = state;
  const usable = slot.status === 'OPEN' && slot.end > now;
  const eligible = usable ? waitlist.filter((t) => isEligible(t, slot)).sort(compareQueueOrder) : [];
  return {
    slot: toSlot(slot),
    places: toQueue(slot, places, consultMinutes),
    waitlist: eligible.map((t) => toToken(t, null, null)),
    free: Math.max(0, slot.capacity - places.length),
    overflowUsed: Math.max(0, places.length - slot.capacity),
  };
}

/** A day's waitlist in promotion order. */
export function waitlistView(day: DaySnapshot): Token[] {
  return [...day.waitlist].sort(compareQueueOrder).map((t) => toToken(t, null, null));
}

/** A token with its position, read from its day. */
export function tokenView(token: TokenRecord, day: DaySnapshot | undefined, consultMinutes: number): Token {
  if (day !== undefined && isPlaceStatus(token.status) && token.slotId !== null) {
    const state = day.slots.find((s) => s.slot.id === token.slotId);
    const current = state?.places.find((t) => t.id === token.id);
    if (state !== undefined && current !== undefined) {
      const queue = [...state.places].sort(compareQueueOrder);
      const position = queue.indexOf(current) + 1;
      return toToken(current, position, estimatedStart(state.slot.start, position, consultMinutes));
    }
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
  #waitSum = 0;
  #waitCount = 0;

  /**
   * Adds one doctor-day.
   * @param consultMinutes - the doctor's minutes per consultation
   */
  add(record: DayRecord, slots: readonly SlotRecord[], tokens: readonly TokenRecord[], consultMinutes: number): void {
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
    for (const slot of slots) {
      const places = (bySlot.get(slot.id) ?? []).sort(compareQueueOrder);
      places.forEach((token, i) => {
        const estimated = estimatedStart(slot.start, i + 1, consultMinutes);
        this.#waitSum += Math.max(0, estimated - token.requestedAt) / MINUTE;
        this.#waitCount++;
      });
      if (slot.status === 'OPEN') {
        this.#openSlots++;
        this.#capacity += slot.capacity;
        this.#places += places.length;
        this.#overflowUsed += Math.max(0, places.length - slot.capacity);
      } else {
        this.#closedSlots++;
      }
    }
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
      averageWaitMinutes: this.#waitCount === 0 ? 0 : this.#waitSum / this.#waitCount,
    };
  }
}
