/**
 * Offers with a response window: a new outcome of the promotion rule. With the constructor option
 * `offers`, a place freed in a usable slot is held for an offer ({@link offerPlace}) rather than
 * promoted into at once: it counts as taken ({@link DayWork.occupancy}) while candidates answer,
 * and only an emergency may take it ({@link emergencyTakesOffered}). Groups whose window passes
 * are settled by the one sweep step of claims ({@link OFFER_KIND}); a place without candidates left, or too near its slot's
 * start, returns to the promotion rule.
 */
import type { OfferDecision } from '../policies/offers.js';
import {
  type ClaimRecord,
  isActiveClaim,
  isHeldOffer,
  offerPlaceIdOf,
  type OfferCandidateRecord,
  type OfferRecord,
  type OfferState,
  type TokenRecord,
} from '../model/records.js';
import { type ClaimKind, putClaim } from './claim-kinds.js';
import { compareQueueOrder } from '../model/queue.js';
import { isPlaceStatus } from '../model/status.js';
import { toSlot } from '../model/convert.js';
import { fixedDate } from '../model/instant.js';
import { badAnswer, callPlugin } from './config.js';
import * as ev from './events.js';
import { protectionOf } from './protection.js';
import { quotaAdmits } from './quota.js';
import { keepsNotice, mayPromote } from './windows.js';
import type { DayWork, Workspace } from './workspace.js';

const NO_DISPLACED: Readonly<Record<string, string>> = Object.freeze({});

/** The day's offers, as their rules read them: the places held for an offer (the day's `offer` claims), displaced patients, the earliest due time. */
interface OfferBook {
  readonly places: readonly OfferRecord[];
  readonly displaced: Readonly<Record<string, string>>;
  readonly dueAt: number | null;
}

/** What an offer claim keeps besides the claim's own fields. */
interface OfferDetail {
  readonly status: OfferRecord['status'];
  readonly round: number;
  readonly candidates: readonly OfferCandidateRecord[];
}

/** The claim state of an offered place's status. */
const STATE_OF: Record<OfferRecord['status'], ClaimRecord['state']> = {
  OPEN: 'ACTIVE',
  WAITING: 'ACTIVE',
  ACCEPTED: 'CONVERTED',
  RETURNED: 'RELEASED',
  WITHDRAWN: 'WITHDRAWN',
};

/** A place held for an offer, read from its claim. */
export function offerOf(claim: ClaimRecord): OfferRecord {
  const detail = claim.detail as unknown as OfferDetail;
  return {
    id: claim.id,
    slotId: claim.slotId,
    status: detail.status,
    round: detail.round,
    dueAt: (isHeldOffer(detail) ? claim.dueAt : claim.endsAt) ?? 0,
    candidates: detail.candidates,
  };
}

/** The claim of a place held for an offer (one place, no token): due at its group's window or the end of its quiet hours while held. */
function claimOfOffer(place: OfferRecord): ClaimRecord {
  const held = isHeldOffer(place);
  const detail: OfferDetail = { status: place.status, round: place.round, candidates: place.candidates };
  return Object.freeze({
    id: place.id,
    kind: OFFER_KIND_NAME,
    slotId: place.slotId,
    places: 1,
    used: place.status === 'ACCEPTED' ? 1 : 0,
    state: STATE_OF[place.status],
    endsAt: held ? null : place.dueAt,
    dueAt: held ? place.dueAt : null,
    actor: null,
    detail: Object.freeze(detail) as unknown as Readonly<Record<string, unknown>>,
  });
}

/** The name of the offer kind. */
const OFFER_KIND_NAME = 'offer';

/** The day's offers, read from its claims. */
function bookOf(work: DayWork): OfferBook {
  const places: OfferRecord[] = [];
  let dueAt: number | null = null;
  for (const claim of work.claims) {
    if (claim.kind !== OFFER_KIND_NAME) continue;
    const place = offerOf(claim);
    places.push(place);
    if (isHeldOffer(place) && (dueAt === null || place.dueAt < dueAt)) dueAt = place.dueAt;
  }
  return { places, displaced: work.record.displaced ?? NO_DISPLACED, dueAt };
}

/** Replaces one place held for an offer (by id) in the day's claims, or adds a new one. */
function putPlace(work: DayWork, place: OfferRecord): void {
  putClaim(work, claimOfOffer(place));
}

/**
 * Notes that `tokenId` was displaced from `slotId` (bumped, or its slot shrunk): that patient is
 * the first candidate when a place of that slot is offered the same day.
 */
export function noteDisplaced(ws: Workspace, work: DayWork, tokenId: string, slotId: string): void {
  if (ws.config.offers === undefined) return;
  work.setDisplaced(Object.freeze({ ...(work.record.displaced ?? NO_DISPLACED), [tokenId]: slotId }));
}

/** What the offer policy decides for slot `i` and group `round`, checked. The one place the core asks it. */
function askPolicy(ws: Workspace, work: DayWork, i: number, round: number): OfferDecision {
  const policy = ws.config.offers!;
  const localDate = ws.config.dayOf(ws.now);
  const localMinute = Math.max(0, Math.min(1439, Math.floor((ws.now - ws.config.dayStart(localDate)) / 60_000)));
  const wallClock = ws.config.wallClock;
  const answer: unknown = callPlugin('offer policy', policy.name, () =>
    policy.offer({
      slot: toSlot(work.slot(i)),
      round,
      now: ws.nowDate,
      localDate,
      localMinute,
      atLocal: (date, minute) => fixedDate(wallClock === undefined ? ws.config.dayStart(date) + minute * 60_000 : wallClock(date, minute)),
    }),
  );
  const expected = "`{ kind: 'offer', groupSize, expiresAt, earlierSlots }`, `{ kind: 'wait', until }` or `{ kind: 'promote' }`";
  if (typeof answer !== 'object' || answer === null) throw badAnswer('offer policy', policy.name, expected);
  const a = answer as Record<string, unknown>;
  if (a['kind'] === 'promote') return { kind: 'promote' };
  if (a['kind'] === 'wait' && a['until'] instanceof Date && Number.isFinite(a['until'].getTime()) && a['until'].getTime() > ws.now) {
    return { kind: 'wait', until: a['until'] };
  }
  const size = a['groupSize'];
  const expiresAt = a['expiresAt'];
  if (
    a['kind'] === 'offer' &&
    typeof size === 'number' &&
    Number.isInteger(size) &&
    size >= 1 &&
    expiresAt instanceof Date &&
    Number.isFinite(expiresAt.getTime()) &&
    expiresAt.getTime() > ws.now &&
    typeof a['earlierSlots'] === 'boolean'
  ) {
    return { kind: 'offer', groupSize: size, expiresAt, earlierSlots: a['earlierSlots'] };
  }
  throw badAnswer('offer policy', policy.name, expected);
}

/**
 * Whether `token` could take a place in slot `i` by an offer: waiting and promotable into it
 * ({@link mayPromote}), or booked in a later slot of the day and keeping its request's notice
 * there ({@link keepsNotice}).
 */
export function canTakeOffered(ws: Workspace, work: DayWork, i: number, token: TokenRecord): boolean {
  const slot = work.slot(i);
  const isProtected = (t: TokenRecord): boolean => protectionOf(ws, t) !== null;
  if (token.status === 'WAITLISTED') return mayPromote(ws.config, token, slot, isProtected);
  if (token.status !== 'BOOKED' || token.slotId === null || token.slotId === slot.id) return false;
  const j = work.indexOf(token.slotId);
  return j >= 0 && work.slot(j).start > slot.start && keepsNotice(ws.config, token, slot, isProtected);
}

/** Tokens of the day with an open offer. */
function openCandidates(work: DayWork): Set<string> {
  const open = new Set<string>();
  for (const place of bookOf(work).places) for (const c of place.candidates) if (c.state === 'OPEN') open.add(c.tokenId);
  return open;
}

/**
 * The next group of candidates for a place of slot `i`, at most `size`: the patients displaced from
 * that slot the same day first (in queue order, {@link displacedFrom}), then the waitlist in promotion order (never earlier than asked,
 * within the quota), then, with `earlierSlots`, `BOOKED` tokens of later slots (slot by slot, in
 * queue order). Never a token already offered this place, nor one holding another open offer.
 */
function candidatesFor(ws: Workspace, work: DayWork, i: number, offered: ReadonlySet<string>, size: number, earlierSlots: boolean): TokenRecord[] {
  const busy = openCandidates(work);
  const chosen: TokenRecord[] = [];
  const taken = new Set<string>();
  const take = (t: TokenRecord): boolean => {
    if (taken.has(t.id) || offered.has(t.id) || busy.has(t.id) || !canTakeOffered(ws, work, i, t)) return false;
    if (protectionOf(ws, t) === null && !quotaAdmits(ws, work, i, t)) return false;
    taken.add(t.id);
    chosen.push(t);
    return chosen.length >= size;
  };
  for (const t of displacedFrom(work, work.slot(i).id)) if (take(t)) return chosen;
  for (const t of [...work.waitlist].sort(compareQueueOrder)) if (take(t)) return chosen;
  if (!earlierSlots) return chosen;
  for (let j = i + 1; j < work.slotCount; j++) {
    for (const t of [...work.places(j)].sort(compareQueueOrder)) if (t.status === 'BOOKED' && take(t)) return chosen;
  }
  return chosen;
}

/**
 * The patients displaced from slot `slotId` the same day, in queue order (rank, request time,
 * number): the order every store gives them, whatever order its record of them keeps.
 */
function displacedFrom(work: DayWork, slotId: string): TokenRecord[] {
  const tokens: TokenRecord[] = [];
  for (const [tokenId, from] of Object.entries(bookOf(work).displaced)) {
    if (from !== slotId) continue;
    const t = work.find(tokenId);
    if (t !== undefined) tokens.push(t);
  }
  return tokens.sort(compareQueueOrder);
}

/**
 * Opens group `round` of `place` in slot `i` as the policy decides: the offers to the next
 * candidates (`token:offered`), a wait for the morning, or the place returned to the promotion
 * rule (`RETURNED`) when the policy promotes, the slot is no longer usable, or no candidate is
 * left. Returns the place as it now stands.
 */
function openRound(ws: Workspace, work: DayWork, place: OfferRecord, round: number): OfferRecord {
  const i = work.indexOf(place.slotId);
  const returned: OfferRecord = { ...place, status: 'RETURNED', dueAt: ws.now };
  if (i < 0 || !work.isUsable(i, ws.now)) return returned;
  const decision = askPolicy(ws, work, i, round);
  if (decision.kind === 'promote') return returned;
  if (decision.kind === 'wait') return { ...place, status: 'WAITING', dueAt: decision.until.getTime() };
  const offered = new Set(place.candidates.map((c) => c.tokenId));
  const group = candidatesFor(ws, work, i, offered, decision.groupSize, decision.earlierSlots);
  if (group.length === 0) return returned;
  const expiresAt = decision.expiresAt.getTime();
  const candidates = [...place.candidates];
  for (const t of group) {
    const offerId = `${place.id}.${candidates.length + 1}`;
    candidates.push(Object.freeze({ offerId, tokenId: t.id, tokenNumber: t.tokenNumber, label: t.label, round, expiresAt, state: 'OPEN' }));
    ev.offered(ws, t, place.slotId, offerId, expiresAt, round);
  }
  return { ...place, status: 'OPEN', round, dueAt: expiresAt, candidates: Object.freeze(candidates) };
}

/**
 * The offer outcome of the promotion rule for a place freed in usable slot `i`: the policy is
 * asked, and the place is held for an offer to the first group of candidates (or held until the
 * quiet hours end). Returns `false`, holding nothing, when the place is to be promoted into as
 * without offers (the policy says so, or nobody could be offered it).
 */
export function offerPlace(ws: Workspace, work: DayWork, i: number): boolean {
  const made = work.claims.filter((c) => c.kind === OFFER_KIND_NAME).length;
  const fresh: OfferRecord = {
    id: offerPlaceIdOf(work.record.doctorId, work.day, made + 1),
    slotId: work.slot(i).id,
    status: 'WAITING',
    round: 0,
    dueAt: ws.now,
    candidates: [],
  };
  const place = openRound(ws, work, fresh, 1);
  if (place.status === 'RETURNED') return false;
  putPlace(work, Object.freeze(place));
  return true;
}

/**
 * Ends the `OPEN` offers of `place` as `state` (emitting each one's event), those `which`
 * selects (every open one by default); returns the place.
 */
function endOpen(
  place: OfferRecord,
  state: Exclude<OfferState, 'OPEN' | 'ACCEPTED'>,
  emit: (c: OfferCandidateRecord) => void,
  which: (c: OfferCandidateRecord) => boolean = () => true,
  movedOn = false,
): OfferRecord {
  let changed = false;
  const candidates = place.candidates.map((c) => {
    if (c.state !== 'OPEN' || !which(c)) return c;
    changed = true;
    emit(c);
    return Object.freeze(movedOn ? { ...c, state, movedOn: true as const } : { ...c, state });
  });
  return changed ? { ...place, candidates: Object.freeze(candidates) } : place;
}

/** The fields of a token event, from a candidate (whose token may no longer be in the day's lists). */
function tokenOf(work: DayWork, c: OfferCandidateRecord): TokenRecord {
  return work.find(c.tokenId) ?? ({ id: c.tokenId, doctorId: work.record.doctorId, day: work.day, tokenNumber: c.tokenNumber, label: c.label } as TokenRecord);
}

/**
 * A place held for an offer whose time has come (`place.dueAt` passed): its group's window has
 * passed — the open offers lapse (`token:offer-lapsed`, `expired`) and the next group is offered —
 * or its quiet hours have ended and it is offered; a place whose candidates ran out, or whose slot
 * is near or no longer usable, returns to the promotion rule. The offer kind's step of the one
 * sweep step of claims.
 */
function settleOffer(ws: Workspace, work: DayWork, place: OfferRecord): void {
  const lapsed = endOpen(place, 'EXPIRED', (c) => ev.offerLapsed(ws, tokenOf(work, c), place.slotId, c.offerId, 'expired'));
  // The place stays held while the next group is chosen, so the count of places is the same.
  putPlace(work, Object.freeze(openRound(ws, work, lapsed, place.round + 1)));
}

/**
 * The rule "an offer lapses when its candidate's token moves on": when a token with an open offer
 * changes so that it can no longer take the place offered ({@link canTakeOffered}: cancelled,
 * moved, checked in, booked elsewhere, carried, expired), its offer lapses in the same unit
 * (`token:offer-lapsed`, `moved-on`); a place left without an open offer then goes to the next
 * group, or back to the promotion rule, as when a window passes. Called, through the claim rules
 * (`claims.ts`), by every rule that changes a token.
 */
function lapseMovedOn(ws: Workspace, work: DayWork, next: TokenRecord): void {
  for (const place of bookOf(work).places) {
    if (place.status !== 'OPEN') continue;
    const mine = place.candidates.find((c) => c.state === 'OPEN' && c.tokenId === next.id);
    if (mine === undefined) continue;
    const i = work.indexOf(place.slotId);
    if (i >= 0 && canTakeOffered(ws, work, i, next)) return;
    const lapsed = endOpen(
      place,
      'LAPSED',
      (c) => ev.offerLapsed(ws, next, place.slotId, c.offerId, 'moved-on'),
      (c) => c === mine,
      true,
    );
    const open = lapsed.candidates.some((c) => c.state === 'OPEN');
    putPlace(work, Object.freeze(open ? lapsed : openRound(ws, work, lapsed, place.round + 1)));
    // A token holds at most one open offer (candidatesFor).
    return;
  }
}

/**
 * Withdraws the place `placeId` of slot `i` held for an offer (`token:offer-withdrawn` to each
 * open candidate): an emergency took the place, the slot closed, or its capacity was lowered.
 * A place no longer held is left as it is.
 */
export function withdrawOffer(
  ws: Workspace,
  work: DayWork,
  i: number,
  placeId: string,
  reason: 'emergency' | 'slot-closed' | 'capacity-lowered',
  by: string | null,
): void {
  const place = bookOf(work).places.find((p) => p.id === placeId);
  if (place === undefined || !isHeldOffer(place)) return;
  const slotId = work.slot(i).id;
  const ended = endOpen(place, 'WITHDRAWN', (c) => ev.offerWithdrawn(ws, tokenOf(work, c), slotId, c.offerId, reason, by));
  putPlace(work, Object.freeze({ ...ended, status: 'WITHDRAWN', dueAt: ws.now }));
}

/**
 * The rule "only an emergency may take an offered place": when a token the overflow strategy
 * protects lands in slot `next.slotId` (the emergency rule counts offered places as free for it)
 * and the slot's places and offered places then exceed its capacity, one offer there is withdrawn
 * (`emergency`). Called, through the claim rules (`claims.ts`), by every rule that places a
 * token.
 */
function emergencyTakesOffered(ws: Workspace, work: DayWork, previous: TokenRecord | undefined, next: TokenRecord): void {
  if (!isPlaceStatus(next.status) || next.slotId === null) return;
  if (previous !== undefined && isPlaceStatus(previous.status) && previous.slotId === next.slotId) return;
  const i = work.indexOf(next.slotId);
  if (i < 0 || work.withdrawableClaims(i) === 0 || work.occupancy(i) <= work.slot(i).capacity) return;
  if (protectionOf(ws, next) === null) return;
  // The latest place held gives way: the place offered longest keeps its candidates.
  const slotId = next.slotId;
  const latest = bookOf(work).places.findLast((p) => p.slotId === slotId && isHeldOffer(p));
  if (latest !== undefined) withdrawOffer(ws, work, i, latest.id, 'emergency', next.id);
}

/** An offer found by id: its place, the candidate, and their indexes. */
export interface FoundOffer {
  readonly place: OfferRecord;
  readonly candidate: OfferCandidateRecord;
}

/** The offer `offerId` of the day, or `undefined`. */
export function findOffer(work: DayWork, offerId: string): FoundOffer | undefined {
  for (const place of bookOf(work).places) {
    if (!offerId.startsWith(place.id)) continue;
    const candidate = place.candidates.find((c) => c.offerId === offerId);
    if (candidate !== undefined) return { place, candidate };
  }
  return undefined;
}

/**
 * Ends candidate `offerId` of `place` as `state` and the place's other open offers as lapsed
 * (`taken`) when it is accepted; the place is then `ACCEPTED` (no longer held). A decline that
 * leaves the group without an open offer opens the next group at once. Returns the place as it
 * now stands.
 */
export function answerOffer(ws: Workspace, work: DayWork, place: OfferRecord, offerId: string, state: 'ACCEPTED' | 'DECLINED'): OfferRecord {
  const candidates = place.candidates.map((c) => (c.offerId === offerId ? Object.freeze({ ...c, state }) : c));
  let next: OfferRecord = { ...place, candidates: Object.freeze(candidates) };
  if (state === 'ACCEPTED') {
    next = endOpen(
      next,
      'LAPSED',
      (c) => ev.offerLapsed(ws, tokenOf(work, c), place.slotId, c.offerId, 'taken'),
      (c) => c.offerId !== offerId,
    );
    next = { ...next, status: 'ACCEPTED', dueAt: ws.now };
  } else if (!candidates.some((c) => c.state === 'OPEN')) {
    next = openRound(ws, work, next, place.round + 1);
  }
  const frozen = Object.freeze(next);
  putPlace(work, frozen);
  return frozen;
}

/**
 * The open offer of a token on its day, for `getToken`: its id, slot and end; `null` when none;
 * `undefined` on a day that has had no offer (its tokens show no `offer` field).
 */
export function openOfferOf(
  claims: readonly ClaimRecord[] | undefined,
  tokenId: string,
): { readonly offerId: string; readonly slotId: string; readonly expiresAt: number } | null | undefined {
  if (claims === undefined || !claims.some((c) => c.kind === OFFER_KIND_NAME)) return undefined;
  for (const claim of claims) {
    if (claim.kind !== OFFER_KIND_NAME || !isActiveClaim(claim)) continue;
    const place = offerOf(claim);
    if (place.status !== 'OPEN') continue;
    for (const c of place.candidates)
      if (c.tokenId === tokenId && c.state === 'OPEN') return { offerId: c.offerId, slotId: place.slotId, expiresAt: c.expiresAt };
  }
  return null;
}

/**
 * A place held for an offer (kind `offer`): no token of its own; an emergency or a lowered
 * capacity takes it back (withdrawn), and so does its slot's closing; its due time is its group's
 * window (or the end of its quiet hours), after which it goes to the next group or back to the
 * promotion rule; an accept converts it. Kept once it ended: offers are answered by id later.
 */
export const OFFER_KIND: ClaimKind = Object.freeze({
  name: OFFER_KIND_NAME,
  yields: true,
  endsWithSlot: true,
  shownAs: 'claimed',
  due(ws: Workspace, work: DayWork, claim: ClaimRecord): boolean {
    // Without the option (a scheduler reconfigured since), the place goes back to the promotion rule.
    if (ws.config.offers === undefined) {
      putPlace(work, Object.freeze({ ...offerOf(claim), status: 'RETURNED', dueAt: ws.now }));
      work.noteFreed(claim.slotId);
      return true;
    }
    settleOffer(ws, work, offerOf(claim));
    return false;
  },
  end(ws: Workspace, work: DayWork, claim: ClaimRecord, why: 'released' | 'slot-closed' | 'capacity-lowered' | 'emergency', by: string | null) {
    const i = work.indexOf(claim.slotId);
    if (i >= 0) withdrawOffer(ws, work, i, claim.id, why === 'released' ? 'slot-closed' : why, by);
    return 'withdrawn' as const;
  },
  convert(): void {
    // An accept answers the offer itself (answerOffer): the place is then `ACCEPTED`.
  },
  follow(ws: Workspace, work: DayWork, previous: TokenRecord | undefined, next: TokenRecord): void {
    if (previous !== undefined) lapseMovedOn(ws, work, next);
    emergencyTakesOffered(ws, work, previous, next);
  },
});
