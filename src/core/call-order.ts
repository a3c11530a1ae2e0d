/**
 * The call order: in which order a doctor-day's checked-in patients will be called. `callNext`
 * calls the first of it; positions and estimated starts follow it (see `DayEstimates`).
 */
import { compareQueueOrder, DayEstimates, type DayQueue, factsOf, isWaiting } from '../model/queue.js';
import type { TokenRecord } from '../model/records.js';
import { fixedDate } from '../model/instant.js';
import type { CallCandidate, CalledPatient } from '../policies/call-order.js';
import { MINUTE } from '../time.js';
import { badAnswer, callPlugin, type CoreConfig } from './config.js';
import { protectionOf } from './protection.js';
import type { DayWork, Workspace } from './workspace.js';
import { toPlaceToken, toToken } from '../model/convert.js';
import { withReentries } from './journeys.js';
import { isPlaceStatus } from '../model/status.js';
import type { Token } from '../types.js';

/** What the rule reads of a unit (or of a read): the configuration and the clock strategies are given. */
export interface CallOrderAt {
  readonly config: CoreConfig;
  readonly nowDate: Date;
}

/**
 * The rule "who is called next, and after them whom": the `CHECKED_IN` places of the day's slots
 * ending after `endsAfter`, in the order they will be called from `from` at `pace` (ms per call):
 * - emergencies (the tokens the overflow strategy protects) first, in every call order, from any
 *   slot of the day, slot by slot in queue order;
 * - then, under a call order, patients already called whose consultation has not started (they
 *   keep their turn), in the order they were first called;
 * - then the others, in the order the scheduler's call order gives; without a call order, slot by
 *   slot in time order, and by queue order within a slot.
 *
 * Then the patients sent back to the doctor are placed by their re-entry (see `withReentries`).
 * `queue`, when given, keeps only the tokens of one queue (a doctor's, a service point's).
 *
 * @throws OpdError `VALIDATION_FAILED` naming the call order when it throws or answers anything
 *   but every candidate's id once
 */
export function callSequence(
  at: CallOrderAt,
  day: DayQueue,
  from: number,
  pace: number,
  endsAfter = Number.NEGATIVE_INFINITY,
  queue?: (token: TokenRecord) => boolean,
): readonly TokenRecord[] {
  const overdue = overdueAt(at, day, from);
  return withReentries(at, ordered(at, day, from, pace, endsAfter, queue, overdue), overdue);
}

/**
 * When a checked-in patient became due in the doctor's queue: a patient sent back to the doctor
 * when they came back; any other, the later of the request and the slot's start.
 */
function dueIn(t: TokenRecord, slotStart: number): number {
  return t.journey?.reentry?.at ?? Math.max(t.requestedAt, slotStart);
}

/**
 * The rule "who has waited past the call order's limit" (`CallOrderPolicy.maxWaitMinutes`): the
 * checked-in patients due (the later of their request and their slot's start) longer than the
 * limit before `from`. A patient sent back to the doctor never goes before them.
 */
function overdueAt(at: CallOrderAt, day: DayQueue, from: number): ReadonlySet<string> {
  const limit = at.config.callOrder?.maxWaitMinutes;
  if (limit === undefined || limit === null) return EMPTY;
  const over = new Set<string>();
  for (let i = 0; i < day.slotCount; i++) {
    const start = day.slot(i).start;
    for (const t of day.places(i)) if (t.status === 'CHECKED_IN' && from - dueIn(t, start) > limit * MINUTE) over.add(t.id);
  }
  return over;
}

const EMPTY: ReadonlySet<string> = new Set();

/** {@link callSequence} before the patients sent back to the doctor are placed by their re-entry. */
function ordered(
  at: CallOrderAt,
  day: DayQueue,
  from: number,
  pace: number,
  endsAfter: number,
  queue: ((token: TokenRecord) => boolean) | undefined,
  overdue: ReadonlySet<string>,
): readonly TokenRecord[] {
  // The checked-in places slot by slot, in queue order within each slot, and (for a call order) the slot of each.
  const checkedIn: TokenRecord[] = [];
  const policy = at.config.callOrder;
  const slotOf: number[] | undefined = policy === undefined ? undefined : [];
  const called: TokenRecord[] = [];
  for (let i = 0; i < day.slotCount; i++) {
    const ends = day.slot(i).end > endsAfter;
    // Without a call order only the checked-in places count (not who was called): a day that
    // keeps its slots' facts lists them.
    const places = policy === undefined && day.facts !== undefined ? day.facts(i).checkedIn : day.places(i);
    const first = checkedIn.length;
    for (let k = 0; k < places.length; k++) {
      const token = places[k]!;
      if (ends && token.status === 'CHECKED_IN' && (queue === undefined || queue(token))) checkedIn.push(token);
      // The day's calls so far: what a call order is told (without one, nobody asks).
      if (policy !== undefined && token.callIndex !== undefined && token.callIndex !== null) called.push(token);
    }
    inQueueOrder(checkedIn, first);
    if (slotOf !== undefined) while (slotOf.length < checkedIn.length) slotOf.push(i);
  }
  if (checkedIn.length === 0) return [];
  if (policy === undefined) {
    // Queue order, slot by slot, behind the emergencies of any slot.
    let first: TokenRecord[] | undefined;
    for (const t of checkedIn) if (protectionOf(at, t) !== null) (first ??= []).push(t);
    return first === undefined ? checkedIn : [...first, ...checkedIn.filter((t) => !first.includes(t))];
  }
  const first: TokenRecord[] = [];
  const again: TokenRecord[] = [];
  const rest: TokenRecord[] = [];
  const restSlots: number[] = [];
  const returning: TokenRecord[] = [];
  for (let k = 0; k < checkedIn.length; k++) {
    const token = checkedIn[k]!;
    if (protectionOf(at, token) !== null) first.push(token);
    // Sent back to the doctor: placed by the re-entry (after the order), not by the order — unless
    // waiting past the order's limit since coming back, when the order places them as it does anyone.
    else if (token.journey?.reentry !== undefined && !overdue.has(token.id)) returning.push(token);
    // A patient sent back to the doctor was called before the return: placed by the re-entry, not here.
    else if (token.callIndex !== undefined && token.callIndex !== null && token.journey?.reentry === undefined) again.push(token);
    else {
      rest.push(token);
      restSlots.push(slotOf![k]!);
    }
  }
  again.sort((a, b) => a.callIndex! - b.callIndex!);
  if (rest.length < 2) return [...first, ...again, ...rest, ...returning];
  const candidates = rest.map((token, k): CallCandidate =>
    Object.freeze({
      tokenId: token.id,
      slotId: token.slotId ?? '',
      category: token.category,
      rank: token.rank,
      dueAt: fixedDate(dueIn(token, day.slot(restSlots[k]!).start)),
    }),
  );
  const calls = called
    .sort((a, b) => a.callIndex! - b.callIndex!)
    .map((t): CalledPatient => Object.freeze({ tokenId: t.id, category: t.category, rank: t.rank, emergency: protectionOf(at, t) !== null }));
  const context = Object.freeze({ at: fixedDate(from), minutesPerCall: pace / MINUTE, candidates: Object.freeze(candidates), calls: Object.freeze(calls) });
  const answer: unknown = callPlugin('call order', policy.name, () => policy.order(context));
  const byId = new Map(rest.map((token) => [token.id, token]));
  const ordered: TokenRecord[] = [];
  if (Array.isArray(answer) && answer.length === rest.length) {
    for (const id of answer as unknown[]) {
      const token = typeof id === 'string' ? byId.get(id) : undefined;
      if (token === undefined) break;
      byId.delete(id as string);
      ordered.push(token);
    }
  }
  if (ordered.length !== rest.length) throw badAnswer('call order', policy.name, "every candidate's `tokenId` once, from `order`");
  return [...first, ...again, ...ordered, ...returning];
}

/**
 * Puts `tokens` from index `from` on (one slot's places) in queue order, in place and stably: an
 * insertion sort, as a slot holds a few places and most come nearly in that order already (a
 * crowded slot is sorted).
 */
function inQueueOrder(tokens: TokenRecord[], from: number): void {
  if (tokens.length - from > 32) {
    // A crowded slot: a sort in n log n rather than n² steps.
    const part = tokens.splice(from).sort(compareQueueOrder);
    for (let k = 0; k < part.length; k++) tokens.push(part[k]!);
    return;
  }
  for (let k = from + 1; k < tokens.length; k++) {
    const t = tokens[k]!;
    let at = k;
    while (at > from && compareQueueOrder(tokens[at - 1]!, t) > 0) {
      tokens[at] = tokens[at - 1]!;
      at--;
    }
    tokens[at] = t;
  }
}

/**
 * The live estimates of a doctor-day under the scheduler's call order: the one way the core and
 * the reads build them, so that positions and estimated starts follow the order patients will
 * really be called in.
 *
 * `only`, when given, is the one place the estimates will be asked of (a token's view). Without a
 * call order, a place no longer waiting (in consultation, completed) keeps its position in queue
 * order and the estimate of its own times whoever is called first, so the day is not searched for
 * the emergencies called ahead of it.
 */
export function estimatesOf(at: CallOrderAt, day: DayQueue, now: number, consultMinutes: number, only?: TokenRecord): DayEstimates {
  if (at.config.callOrder === undefined) {
    if (only !== undefined && !isWaiting(only)) return new DayEstimates(day, now, consultMinutes);
    // Queue order: slot by slot, unless an emergency checked in will be called before the
    // patients of an earlier slot; then the emergencies take the first turns (positions stay).
    const ahead = emergenciesAhead(at, day);
    return ahead === undefined ? new DayEstimates(day, now, consultMinutes) : new DayEstimates(day, now, consultMinutes, () => ahead, 'queue');
  }
  return new DayEstimates(day, now, consultMinutes, (freeAt, pace) => callSequence(at, day, freeAt, pace));
}

/**
 * Without a call order, the checked-in emergencies in the order {@link callSequence} calls them,
 * when one of them is called before a checked-in patient who comes ahead of it slot by slot in
 * queue order; else `undefined` (queue order is the order of the calls).
 */
function emergenciesAhead(at: CallOrderAt, day: DayQueue): readonly TokenRecord[] | undefined {
  // Whether an earlier slot has a checked-in patient who is not an emergency.
  let earlier = false;
  for (let i = 0; i < day.slotCount; i++) {
    // The slot's checked-in emergencies, and whether it has such a patient.
    let urgent: TokenRecord[] | undefined;
    let others = false;
    const checkedIn = factsOf(day, i).checkedIn;
    for (let k = 0; k < checkedIn.length; k++) {
      const t = checkedIn[k]!;
      if (protectionOf(at, t) !== null) (urgent ??= []).push(t);
      else others = true;
    }
    if (urgent !== undefined && (earlier || (others && emergencyBehind(checkedIn, urgent)))) {
      return callSequence(at, day, Number.NEGATIVE_INFINITY, 0).filter((t) => protectionOf(at, t) !== null);
    }
    earlier ||= others;
  }
  return undefined;
}

/**
 * Whether queue order puts one of a slot's checked-in emergencies (`urgent`) after one of its
 * checked-in patients who is not one: within a slot, only by rank. The emergencies are those
 * already asked of the overflow strategy, so it is not asked again.
 */
function emergencyBehind(checkedIn: readonly TokenRecord[], urgent: readonly TokenRecord[]): boolean {
  let last = urgent[0]!;
  for (let k = 1; k < urgent.length; k++) if (compareQueueOrder(urgent[k]!, last) > 0) last = urgent[k]!;
  for (let k = 0; k < checkedIn.length; k++) {
    const t = checkedIn[k]!;
    if (compareQueueOrder(t, last) < 0 && !urgent.includes(t)) return true;
  }
  return false;
}

/** The public view of a token as it stands in a unit: a place with its position and live estimated start, else the token alone. */
export function tokenView(ws: Workspace, work: DayWork, token: TokenRecord): Token {
  if (isPlaceStatus(token.status) && token.slotId !== null) {
    const i = work.indexOf(token.slotId);
    if (i >= 0) return toPlaceToken(token, estimatesOf(ws, work, ws.now, ws.consultMinutes, token), i, ws.nowDate);
  }
  return toToken(token, null, null);
}

/** The order of the next first call of a doctor-day: one more than the day's calls so far. */
export function nextCallIndex(day: DayQueue): number {
  let last = 0;
  for (let i = 0; i < day.slotCount; i++)
    for (const t of day.places(i)) if (t.callIndex !== undefined && t.callIndex !== null && t.callIndex > last) last = t.callIndex;
  return last + 1;
}
