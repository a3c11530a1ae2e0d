import { changeToken, settleClaims, tokenClaimEnded } from './claims.js';
import type { DisplacementReason } from '../events.js';
import type { DisplacedOption } from '../policies/overflow.js';
import { isUsableSlot, type SlotRecord, type TokenRecord } from '../model/records.js';
import type { DoctorSnapshot } from '../model/snapshot.js';
import { compareQueueOrder } from '../model/queue.js';
import { badAnswer, callPlugin, type CoreConfig, displacedOptions, elasticAnswer } from './config.js';
import type { ElasticBasisValue, ElasticNote, SlotElastic } from '../policies/capacity.js';
import * as ev from './events.js';
import type { TokenPatch } from '../model/make.js';
import { toSlot, toToken } from '../model/convert.js';
import { emergencyPlace, placeWaitingEmergencies, reportUnplaced } from './emergency.js';
import { protectionOf } from './protection.js';
import { endHold } from './holds.js';
import { isBumpableStatus } from '../model/status.js';
import { claimDueAt, claimEnded, holdEnded } from '../model/claims.js';
import type { DayWork, Workspace } from './workspace.js';
import { firstUsableSlot, hasFreePlace } from './slot-choice.js';
import { noteDisplaced, offerPlace } from './offers.js';
import { hasFreePlaceFor, quotaAdmits, type QuotaRequest } from './quota.js';
import { mayPromote } from './windows.js';

/**
 * How many places beyond `slot`'s capacity the capacity strategy lets `token` fill up to, the
 * slot holding `occupancy` places. The one place the core asks it.
 */
export function elasticPlaces(
  ws: Pick<Workspace, 'config' | 'nowDate'>,
  slot: SlotRecord,
  token: Pick<TokenRecord, 'category' | 'rank'>,
  occupancy: number,
): number {
  const capacity = ws.config.capacity;
  const places = callPlugin('capacity strategy', capacity.name, () =>
    capacity.elasticPlaces({ slot: toSlot(slot), category: token.category, rank: token.rank, occupancy, now: ws.nowDate }),
  );
  return elasticAnswer(capacity.name, places);
}

/**
 * The capacity strategy's account of `slot` (holding `occupancy` places) for the slot's view:
 * its `describeSlot` answer, checked and copied, or `undefined` for a strategy without one.
 * @throws OpdError `VALIDATION_FAILED` for an answer that is not a list of notes (the strategy named)
 */
export function describeElastic(config: Pick<CoreConfig, 'capacity'>, slot: SlotRecord, occupancy: number, now: Date): SlotElastic | undefined {
  const capacity = config.capacity;
  if (typeof capacity.describeSlot !== 'function') return undefined;
  const answer: unknown = callPlugin('capacity strategy', capacity.name, () => capacity.describeSlot!({ slot: toSlot(slot), occupancy, now }));
  const expected = 'a list of notes `{ category, extras, basis }`';
  if (!Array.isArray(answer)) throw badAnswer('capacity strategy', capacity.name, expected);
  const notes = answer.map((note: unknown): ElasticNote => {
    if (typeof note !== 'object' || note === null) throw badAnswer('capacity strategy', capacity.name, expected);
    const { category, extras, basis } = note as Record<string, unknown>;
    if (typeof category !== 'string' || typeof extras !== 'number' || !(extras >= 0) || typeof basis !== 'object' || basis === null)
      throw badAnswer('capacity strategy', capacity.name, expected);
    const copy: Record<string, ElasticBasisValue> = {};
    for (const [key, value] of Object.entries(basis)) {
      if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        throw badAnswer('capacity strategy', capacity.name, expected);
      copy[key] = value;
    }
    return Object.freeze({ category, extras, basis: Object.freeze(copy) });
  });
  return Object.freeze({ strategy: capacity.name, notes: Object.freeze(notes) });
}

/**
 * Whether the capacity strategy lets `token` hold a place above the capacity of slot `i` (an
 * elastic place). Only such tokens may ever make a slot's occupancy exceed its capacity.
 * `occupancy` is the slot's as the strategy is told it (by default, the places it holds now).
 */
export function mayHoldElastic(
  ws: Pick<Workspace, 'config' | 'nowDate'>,
  work: DayWork,
  i: number,
  token: Pick<TokenRecord, 'category' | 'rank'>,
  occupancy = work.occupancy(i),
): boolean {
  return elasticPlaces(ws, work.slot(i), token, occupancy) > 0;
}

/** Places in slot `i` held by tokens that may not hold an elastic place. */
export function inelasticPlaces(ws: Pick<Workspace, 'config' | 'nowDate'>, work: DayWork, i: number): number {
  let n = 0;
  for (const t of work.places(i)) if (!mayHoldElastic(ws, work, i, t)) n++;
  return n;
}

/**
 * The place `newcomer` may bump in slot `i`: booked or held ({@link isBumpableStatus}: a hold is
 * a bumpable place of its category's rank, released rather than moved; never one whose end has
 * passed, which holds no place), under the bump limit,
 * strictly worse rank, not one of `spared`; the worst such, ties broken by request time as configured. In
 * a slot above its capacity, a newcomer without elastic rights may not take an elastic holder's
 * place when that would leave more non-elastic places than the capacity.
 */
export function findVictim(
  ws: Pick<Workspace, 'config' | 'nowDate'>,
  work: DayWork,
  i: number,
  newcomer: Pick<TokenRecord, 'category' | 'rank'>,
  spared?: ReadonlySet<string>,
): TokenRecord | undefined {
  const { bumpLimit, victimOrder } = ws.config.overflow;
  const rank = newcomer.rank;
  let victim: TokenRecord | undefined;
  let onlyInelastic: boolean | undefined;
  for (const t of work.places(i)) {
    if (!isBumpableStatus(t.status) || t.bumpCount >= bumpLimit || !(t.rank > rank) || spared?.has(t.id) === true || holdEnded(t, ws.nowDate.getTime()))
      continue;
    if (victim !== undefined && !worseVictim(t, victim, victimOrder)) continue;
    onlyInelastic ??=
      work.occupancy(i) > work.slot(i).capacity && !mayHoldElastic(ws, work, i, newcomer) && inelasticPlaces(ws, work, i) >= work.slot(i).capacity;
    if (onlyInelastic && mayHoldElastic(ws, work, i, t)) continue;
    victim = t;
  }
  return victim;
}

/** Whether `a` should be displaced before `b` (worse rank; among equals by request order). */
export function worseVictim(a: TokenRecord, b: TokenRecord, order: 'latest' | 'earliest'): boolean {
  if (a.rank !== b.rank) return a.rank > b.rank;
  const byTime = order === 'latest' ? a.requestedAt - b.requestedAt : b.requestedAt - a.requestedAt;
  if (byTime !== 0) return byTime > 0;
  return order === 'latest' ? a.tokenNumber > b.tokenNumber : a.tokenNumber < b.tokenNumber;
}

/**
 * Earliest usable slot after slot `i` (by index, i.e. later in time) with a free place the quota
 * admits `token` to, or -1.
 */
export function laterFreeSlot(ws: Workspace, work: DayWork, i: number, token: QuotaRequest): number {
  return firstUsableSlot(work, ws.now, { from: i + 1, takes: (j) => hasFreePlaceFor(ws, work, j, token) });
}

/** A token losing its place in slot `from`, why, by whom (a bump), and how deep in a chain. */
export interface Displacement {
  /** The token (still listed in slot `from`). */
  readonly token: TokenRecord;
  /** Index of the slot it leaves. */
  readonly from: number;
  readonly reason: DisplacementReason;
  /** The token that bumped it, or `null`. */
  readonly by: string | null;
  /** 0 for a token the call displaced directly, one more for each link of a chain. */
  readonly depth: number;
  /**
   * A place beyond its day to try before the token is waitlisted or dropped (a doctor's leave
   * moves a patient to a later day): moves the token and returns `true`, or changes nothing and
   * returns `false`. Never passed on to the tokens a chain displaces.
   */
  readonly elsewhere?: (() => boolean) | undefined;
}

/**
 * Places a token that lost its place (it is still listed in the slot it leaves). Emits
 * `token:bumped` first for a bump, then exactly one of `token:cascaded`, `token:waitlisted` or
 * `token:dropped` for it, with any chain it causes in between. A hold a bump fell on is released
 * instead (`token:released`, reason `emergency` for an emergency's bump, else `bumped`).
 */
export function displace(ws: Workspace, work: DayWork, displacement: Displacement): void {
  const { token, from, reason, by, depth } = displacement;
  const fromSlot = work.slot(from);
  if (token.status === 'HELD') {
    // A hold a bump fell on is not a booking to move: it is released, its place the bumper's.
    const bumper = by === null ? undefined : ws.latest(by);
    endHold(ws, work, token, fromSlot.id, bumper !== undefined && protectionOf(ws, bumper) !== null ? 'emergency' : 'bumped', by ?? undefined);
    return;
  }
  const moved = displacedRecord(ws, work, token, from, reason);
  const patch: DisplacedPatch = { notBefore: moved.notBefore, waitingForSlotId: null, bumpCount: moved.bumpCount, rank: moved.rank };
  if (reason === 'bumped') {
    work.count('bumps');
    ev.bumped(ws, token, fromSlot.id, by ?? '', by === null ? undefined : ws.latest(by));
  }
  if (reason !== 'slot-closed') noteDisplaced(ws, work, token.id, fromSlot.id);
  const guard = protectionOf(ws, moved);
  if (guard !== null) {
    // A protected token goes forward by the emergency rule, and is never dropped.
    const spot = emergencyPlace(ws, work, moved, from + 1, guard, -1, depth + 1);
    if (spot !== undefined) {
      cascadeInto(ws, work, { displacement, patch, to: spot.index });
      if (spot.victim !== undefined) displace(ws, work, { token: spot.victim, from: spot.index, reason: 'bumped', by: token.id, depth: depth + 1 });
    } else if (displacement.elsewhere?.() !== true) {
      const next = changeToken(ws, work, token, { ...patch, status: 'WAITLISTED', slotId: null });
      ev.waitlisted(ws, next, null, fromSlot.id, reason);
    }
    return;
  }
  const overflow = ws.config.overflow;
  const options = callPlugin('overflow strategy', overflow.name, () =>
    overflow.whenDisplaced({ token: toToken(token, null, null), fromSlot: toSlot(fromSlot), reason, depth, now: ws.nowDate }),
  );
  for (const option of displacedOptions(overflow.name, options)) {
    if (applyDisplaced(ws, work, { displacement, patch, option })) return;
  }
  applyDisplaced(ws, work, { displacement, patch, option: { kind: 'waitlist' } });
}

/** What every placing of a displaced token changes: its `notBefore`, bump count and rank, as `displacedRecord` has them. */
type DisplacedPatch = TokenPatch & { readonly rank: number };

/** One option of the overflow strategy, tried for a displacement (with the patch it gets). */
interface DisplacedTry {
  readonly displacement: Displacement;
  readonly patch: DisplacedPatch;
  readonly option: DisplacedOption;
}

/** Applies an option if it can be; `false` when it cannot (a cascade with nowhere to go). */
function applyDisplaced(ws: Workspace, work: DayWork, { displacement, patch, option }: DisplacedTry): boolean {
  const { token, from, reason, depth } = displacement;
  const fromSlot = work.slot(from);
  switch (option.kind) {
    case 'cascade': {
      const to = laterFreeSlot(ws, work, from, { category: token.category, rank: patch.rank, id: token.id });
      if (to >= 0) {
        cascadeInto(ws, work, { displacement, patch, to });
        return true;
      }
      const chain = chainPlace(ws, work, { category: token.category, rank: patch.rank, id: token.id }, from, depth, option.chainDepth ?? 0);
      if (chain === undefined) return false;
      cascadeInto(ws, work, { displacement, patch, to: chain.index });
      displace(ws, work, { token: chain.victim, from: chain.index, reason: 'bumped', by: token.id, depth: depth + 1 });
      return true;
    }
    case 'waitlist': {
      if (displacement.elsewhere?.() === true) return true;
      let waitingFor: string | null = null;
      if (ws.config.overflow.waitlist === 'slot') {
        const which = option.slot ?? 'next';
        if (which === 'from' && work.isUsable(from, ws.now)) waitingFor = fromSlot.id;
        else if (which !== 'none') {
          const next = firstUsableSlot(work, ws.now, { from: from + 1 });
          waitingFor = next >= 0 ? work.slot(next).id : null;
        }
      }
      const next = changeToken(ws, work, token, { ...patch, status: 'WAITLISTED', slotId: null, waitingForSlotId: waitingFor });
      ev.waitlisted(ws, next, waitingFor, fromSlot.id, reason);
      return true;
    }
    case 'drop': {
      if (displacement.elsewhere?.() === true) return true;
      const next = changeToken(ws, work, token, { ...patch, status: 'DROPPED', slotId: null });
      work.count('drops');
      ev.dropped(ws, next, fromSlot.id, reason);
      return true;
    }
    default:
      return false;
  }
}

/** A token as a displacement from slot `from` leaves it: `notBefore` that slot's start, a bump counted, re-ranked. */
interface Displaced {
  readonly category: string;
  readonly patient: TokenRecord['patient'];
  readonly notBefore: number;
  readonly bumpCount: number;
  readonly rank: number;
}

function displacedRecord(ws: Workspace, work: DayWork, token: TokenRecord, from: number, reason: DisplacementReason): Displaced {
  const notBefore = work.slot(from).start;
  const bumpCount = reason === 'bumped' ? token.bumpCount + 1 : token.bumpCount;
  const rank = ws.rankOf(
    { category: token.category, patient: token.patient, requestedAt: token.requestedAt, day: token.day, notBefore, dueAt: token.dueAt },
    bumpCount,
  );
  return { category: token.category, patient: token.patient, notBefore, bumpCount, rank };
}

/** The longest chain of bumps a cascade makes, whatever `chainDepth` says (see `CascadeOption`). */
export const MAX_CHAIN_DEPTH = 256;

/**
 * A chained cascade of a token displaced from slot `from` at `depth` (when `chainDepth` allows
 * one more step): the earliest later usable slot holding a place it may bump — never a patient
 * the unit's leave has already moved ({@link Workspace.settled}); with
 * `victimWithoutRoom: 'keep'`, only a victim who can move in turn.
 */
function chainPlace(
  ws: Workspace,
  work: DayWork,
  token: QuotaRequest,
  from: number,
  depth: number,
  chainDepth: number,
): { index: number; victim: TokenRecord } | undefined {
  // Each step of a chain is a nested call: past MAX_CHAIN_DEPTH the stack could run out.
  if (depth >= chainDepth || depth >= MAX_CHAIN_DEPTH) return undefined;
  const keep = ws.config.overflow.victimWithoutRoom === 'keep';
  let victim: TokenRecord | undefined;
  const index = firstUsableSlot(work, ws.now, {
    from: from + 1,
    takes: (j) => {
      victim = findVictim(ws, work, j, token, ws.settled);
      return victim !== undefined && quotaAdmits(ws, work, j, token, victim) && (!keep || victimCanMove(ws, work, victim, j, depth + 1));
    },
  });
  return index < 0 ? undefined : { index, victim: victim! };
}

/**
 * Whether bumping `victim` out of slot `from` would leave it with a place: its displacement
 * (at `depth`) would cascade it — into a later free place, or by a chain — rather than waitlist or
 * drop it; for a protected victim, whether the emergency rule finds it a later place; a hold is
 * released, never moved, and may always be bumped. Decides nothing: `victimWithoutRoom: 'keep'`
 * asks it before a bump.
 */
export function victimCanMove(ws: Workspace, work: DayWork, victim: TokenRecord, from: number, depth: number): boolean {
  // A hold is released, not moved: it never keeps a patient who has booked from a place.
  if (victim.status === 'HELD') return true;
  const moved = displacedRecord(ws, work, victim, from, 'bumped');
  const guard = protectionOf(ws, moved);
  if (guard !== null) return emergencyPlace(ws, work, moved, from + 1, guard, -1, depth + 1) !== undefined;
  const overflow = ws.config.overflow;
  const options = callPlugin('overflow strategy', overflow.name, () =>
    overflow.whenDisplaced({ token: toToken(victim, null, null), fromSlot: toSlot(work.slot(from)), reason: 'bumped', depth, now: ws.nowDate }),
  );
  for (const option of displacedOptions(overflow.name, options)) {
    if (option.kind === 'cascade') {
      if (
        laterFreeSlot(ws, work, from, { ...moved, id: victim.id }) >= 0 ||
        chainPlace(ws, work, { ...moved, id: victim.id }, from, depth, option.chainDepth ?? 0) !== undefined
      )
        return true;
    } else if (option.kind === 'waitlist' || option.kind === 'drop') {
      return false;
    }
  }
  return false;
}

/** A displaced token moving forward into slot `to`. */
interface Cascade {
  readonly displacement: Displacement;
  readonly patch: TokenPatch;
  readonly to: number;
}

function cascadeInto(ws: Workspace, work: DayWork, { displacement, patch, to }: Cascade): void {
  const { token, from, reason } = displacement;
  const toSlot = work.slot(to);
  const next = changeToken(ws, work, token, { ...patch, slotId: toSlot.id });
  work.count('cascades');
  ev.cascaded(ws, next, work.slot(from).id, toSlot.id, reason);
}

/**
 * Whether the doctor's loaded `day` has a usable slot (open, not ended by `now`) starting at or
 * after `after`: one a token waiting there could be promoted to, or a patient moved to. A day not
 * loaded has none.
 */
export function hasUsableSlot(snapshot: DoctorSnapshot, day: string, now: number, after?: number): boolean {
  return snapshot.days.get(day)?.slots.some(({ slot }) => isUsableSlot(slot, now, after ?? null)) === true;
}

/**
 * The promotions that end every call that changed a doctor-day: while anyone waits, the day's
 * holds that have ended are expired first (`token:expired`); waiting emergencies are placed
 * by the emergency rule; then waitlisted tokens are promoted into free places of usable slots,
 * earliest slot first, best token first, until no usable slot has a free place while an
 * eligible token waits; then `emergency:unplaced` reports each emergency this call left waiting.
 */
export function promoteWaiting(ws: Workspace, work: DayWork): void {
  if (work.waitlist.length === 0 && !offering(ws, work)) return;
  // A claim that has ended keeps no place from a patient waiting, whatever call settles the day
  // (a confirmation, a cancellation, a check-in, slots added): nobody waits for the sweep.
  promoteFirst(ws, work);
  reportUnplaced(ws, work);
}

/**
 * Readies a day for a patient a call places there from elsewhere (a move, a leave): the day's
 * holds that have ended are released (`token:expired`) and the waitlist takes the places they
 * leave ({@link promoteFirst}), as a booking does before its request. A patient's own lapsed hold
 * is then no live token of theirs there.
 */
export function settleBeforePlacing(ws: Workspace, work: DayWork): void {
  settleClaims(ws, work);
  promoteFirst(ws, work);
}

/**
 * Settles a day a move or a leave may place a patient on ({@link settleBeforePlacing}) when a
 * claim held for a token there has ended unreleased (a hold), so that its place counts as free —
 * as a booking without a date settles the days such a claim keeps full. A day with no such claim
 * is left as it is: its other due claims (an offer's window) are settled by the promotions that
 * end the call, after the patient's own move.
 */
export function settleEndedClaims(ws: Workspace, work: DayWork): void {
  if (tokenClaimEnded(work, ws.now)) settleBeforePlacing(ws, work);
}

/**
 * The promotions a call makes on a day before its own request takes a place there. At rest no
 * usable slot has a free place while an eligible token waits, but time can open one between
 * calls (a quota's reservation that ends, a hold that lapses): it goes to the waitlist, as the
 * call that opened it would have given it, not to the request that happens to come next — which
 * may then bump a token promoted here, by its rank, as it would have after a sweep between the
 * calls. At rest this reads only the waitlist's length; `emergency:unplaced` is left to the
 * {@link promoteWaiting} that ends the call.
 */
export function promoteFirst(ws: Workspace, work: DayWork): void {
  if (work.waitlist.length === 0 && !offering(ws, work)) return;
  // Claims whose end has come are settled first: ended holds expire, and offered places whose
  // window has passed go to the next group, or back.
  settleClaims(ws, work);
  placeWaitingEmergencies(ws, work);
  promote(ws, work);
}

/**
 * Whether the day has offers to settle or places to offer: with the option `offers`, a place this
 * unit freed, or a claim without a token whose due time has come (an offered place's window).
 */
function offering(ws: Workspace, work: DayWork): boolean {
  if (ws.config.offers === undefined) return false;
  return work.hasFreed || claimEnded(claimDueAt(work.record.claims?.filter((c) => c.tokenId === undefined)), ws.now);
}

/**
 * Fills free places of usable slots, earliest slot first, each with the best eligible waiting
 * token. The waitlist is sorted once (promotions only take tokens out of it): O(w log w + s·w)
 * for w waiting tokens and s slots. With offers and a quota, a promotion may end an offer (its
 * candidate, promoted, moved on: lapseMovedOn) whose held place the quota counted as taken, and so
 * admit a better token the quota refused before it: the scan then starts again from the best,
 * O(p·w) for p promotions.
 */
function promote(ws: Workspace, work: DayWork): void {
  let waiting: (TokenRecord | undefined)[] | undefined;
  let left = work.waitlist.length;
  // With offers, a place this unit freed is first offered (offerPlace): held for the candidates' answer.
  const offers = ws.config.offers !== undefined;
  const rescan = offers && ws.config.quota !== undefined;
  const isProtected = (t: TokenRecord): boolean => protectionOf(ws, t) !== null;
  for (let i = 0; i < work.slotCount && (left > 0 || (offers && work.hasFreed)); i++) {
    if (!work.isUsable(i, ws.now) || !hasFreePlace(work, i)) continue;
    const slot = work.slot(i);
    let k = 0;
    while (work.occupancy(i) < slot.capacity) {
      if (offers && work.takeFreed(slot.id) && offerPlace(ws, work, i)) continue;
      if (left === 0) break;
      waiting ??= [...work.waitlist].sort(compareQueueOrder);
      while (k < waiting.length) {
        const best = waiting[k];
        if (best !== undefined && mayPromote(ws.config, best, slot, isProtected) && quotaAdmits(ws, work, i, best)) break;
        k++;
      }
      if (k >= waiting.length) break;
      const best = waiting[k]!;
      waiting[k] = undefined;
      left--;
      const next = changeToken(ws, work, best, { status: 'BOOKED', slotId: slot.id, waitingForSlotId: null });
      work.count('promotions');
      ev.promoted(ws, next, slot.id, best.waitingForSlotId);
      if (rescan) k = 0;
    }
  }
}
