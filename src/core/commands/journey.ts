/**
 * A visit's journey: forwarding a patient to the next queue, and calling the next patient of a
 * service point's queue or of a pooled department's queue.
 */
import { changeToken } from '../claims.js';
import { OpdError } from '../../errors.js';
import { MINUTE } from '../../time.js';
import { type CallOrderAt, callSequence, estimatesOf, nextCallIndex, tokenView } from '../call-order.js';
import { fixedDate } from '../../model/instant.js';
import type { DayQueue } from '../../model/queue.js';
import type { Decision, DoctorSnapshot, LoadRequest, SlotState } from '../../model/snapshot.js';
import type { JourneyRecord, SlotRecord, TokenRecord } from '../../model/records.js';
import { makeJourney, NO_JOURNEY } from '../../model/make.js';
import type { CallResult, TransitionResult } from '../../types.js';
import type { ServicePoint } from '../../types/journeys.js';
import { type Command, commit, doctorNotFound, mergeChanges, tokenNotFound, unchanged, unitChanges } from '../command.js';
import type { CoreConfig } from '../config.js';
import * as ev from '../events.js';
import { atPoint, inDoctorQueue, journeysOf, MergedQueue, nextStage, pooledPoint, reentryOf, resolveTarget } from '../journeys.js';
import { DOCTOR_KIND } from '../journey-config.js';
import { DayWork, NO_CHANGES, Workspace } from '../workspace.js';
import type { ForwardedEnd } from '../../events/journeys.js';

/** A forward: the token, where to, why. */
export interface ForwardInput {
  readonly tokenId: string;
  readonly to: string;
  readonly reason: string | null;
}

/**
 * Moves a checked-in patient (or one in consultation: the doctor sends them on) to the queue of
 * another service point, or back to the doctor: the token keeps its id, place, category and due
 * time, and waits in exactly one queue. On a route, the stage moves to the first later stage of
 * the target's kind. A patient who saw the doctor and comes back re-enters the doctor's queue by
 * the `reentry` policy. One `token:forwarded`.
 */
export const forward: Command<ForwardInput, TransitionResult> = {
  load: ({ tokenId }) => ({ tokenId }),
  decide(config, snapshot, { tokenId, to, reason }, now) {
    const journeys = journeysOf(config, 'to');
    const stored = snapshot.tokens.get(tokenId);
    if (stored === undefined || snapshot.doctor === undefined) throw tokenNotFound(tokenId);
    const ws = new Workspace(config, snapshot, now);
    const work = ws.day(stored.day);
    const token = work.find(tokenId, stored.slotId) ?? stored;
    if (token.status !== 'CHECKED_IN' && token.status !== 'IN_CONSULTATION') throw cannotForward(token, `it is ${token.status}`);
    const target = resolveTarget(journeys, snapshot.doctor, to);
    const journey: JourneyRecord = token.journey ?? {};
    const fromEnd = endOf(journeys.points.get(journey.point ?? ''));
    const toPoint = target.point?.id;
    // Already in that queue (a patient in consultation is with the doctor, but no longer waiting for them).
    if (toPoint === journey.point && token.status === 'CHECKED_IN')
      throw cannotForward(token, `it already waits at ${toPoint ?? 'the doctor'}`, { servicePoint: toPoint ?? null });
    const stage = nextStage(journeys, token, target.kind);
    // Leaving the doctor's room: the patient has seen the doctor once this visit.
    const seen = journey.seen === true || token.status === 'IN_CONSULTATION';
    let reentry: JourneyRecord['reentry'];
    if (toPoint === undefined && seen) {
      const queue = (t: TokenRecord): boolean => t.id !== token.id && inDoctorQueue(t, token.doctorId);
      const pace = estimatesOf(ws, work, now, ws.consultMinutes).paceMinutes * MINUTE;
      reentry = reentryOf(ws, journeys, token, fromEnd.kind, callSequence(ws, work, now, pace, Number.NEGATIVE_INFINITY, queue));
    }
    const next = changeToken(ws, work, token, {
      status: 'CHECKED_IN',
      journey: makeJourney(NO_JOURNEY, {
        route: journey.route,
        stage: journey.route === undefined ? undefined : (stage ?? journey.stage),
        point: toPoint,
        pooled: journey.pooled === true ? true : undefined,
        seen: seen ? true : undefined,
        reentry,
      }),
    });
    const passed = reentry === undefined ? null : { policy: journeys.reentry.name, passed: reentry.passedBy.length };
    ws.own(ev.forwarded(ws, next, token.status === 'IN_CONSULTATION' ? DOCTOR_END : fromEnd, endOf(target.point), reason, passed));
    return commit(ws, Object.freeze({ token: tokenView(ws, work, next), effects: ws.effects() }));
  },
};

function cannotForward(token: TokenRecord, why: string, extra: Record<string, unknown> = {}): OpdError {
  return new OpdError('INVALID_TRANSITION', `Cannot forward token \`${token.id}\`: ${why}`, {
    details: { field: 'tokenId', tokenId: token.id, status: token.status, action: 'forward', ...extra },
  });
}

const DOCTOR_END: ForwardedEnd = Object.freeze({ servicePointId: null, kind: DOCTOR_KIND });

function endOf(point: ServicePoint | undefined): ForwardedEnd {
  return point === undefined ? DOCTOR_END : Object.freeze({ servicePointId: point.id, kind: point.kind });
}

/** Whom to call at a service point: its id, the doctors whose patients it serves, today, and where. */
export interface CallPointInput {
  readonly point: ServicePoint;
  /**
   * The doctors of the facility, for a point without a department, as listed for a store that
   * does not resolve them itself; `undefined` for a store with `StorageAdapter.everyDoctor` (and
   * for a department's point, which serves its members).
   */
  readonly doctorIds: readonly string[] | undefined;
  readonly day: string;
  readonly room: string | null;
  /**
   * Whether to read the day of every doctor the point serves with its queue, and call in one
   * round: for a store whose reads of a unit's further doctors cost nothing until looked at
   * (`StorageAdapter.lazyReads`); otherwise the unit reads the queue, then the day of the doctor
   * whose patient it calls.
   */
  readonly days: boolean;
}

/**
 * What a call at (or a read of) a service point reads: the lock of every doctor the point serves
 * (its department's, else the facility's: every doctor, or `doctorIds` where the scheduler listed
 * them) and the point's queue on `day` from the store's index of the tokens at each point
 * (`LoadRequest.servicePoint`); with `days`, the day of each of those doctors too (for a store
 * without that index, or one whose reads cost nothing until looked at), and the days of `owners`
 * (the doctors whose tokens the unit calls or shows).
 */
export function pointLoad(
  point: ServicePoint,
  doctorIds: readonly string[] | undefined,
  day: string,
  days: boolean,
  owners: Iterable<string> = [],
): LoadRequest {
  const each: LoadRequest = days ? { days: [day] } : {};
  const servicePoint = { id: point.id, day };
  const own = [...owners].map((doctorId): LoadRequest => ({ doctorId, days: [day] }));
  const others = own.length === 0 ? {} : { others: own };
  if (point.department !== undefined) return { department: { name: point.department, each }, servicePoint, ...others };
  if (doctorIds === undefined) return { everyDoctor: { each }, servicePoint, ...others };
  return { others: [...doctorIds.map((doctorId): LoadRequest => ({ doctorId, ...each })), ...own], servicePoint };
}

/**
 * The queue of `point` on `day` in the unit's snapshot, in the order it calls (the rule
 * {@link pointQueue}): from the store's index (`DoctorSnapshot.servicePoint`), else from the days
 * of the doctors the unit read; `undefined` when the store keeps no index and the days were not
 * read (ask again with `days`).
 */
export function pointQueueIn(at: CallOrderAt, snapshot: DoctorSnapshot, point: ServicePoint, day: string, now: number): readonly TokenRecord[] | undefined {
  if (snapshot.servicePoint !== undefined) return pointQueue(at, [new SlotsQueue(snapshot.servicePoint)], point, now);
  const members = doctorsOf(snapshot);
  const days: DayQueue[] = [];
  for (const m of members) {
    const state = m.days.get(day);
    if (state === undefined) return undefined;
    days.push(new DayWork(state));
  }
  return pointQueue(at, days, point, now);
}

/** The snapshot of doctor `doctorId` in a unit over several doctors (the locked doctor's or one of `others`). */
export function doctorSnapshotOf(snapshot: DoctorSnapshot, doctorId: string): DoctorSnapshot | undefined {
  return snapshot.doctor?.id === doctorId ? snapshot : snapshot.others?.get(doctorId);
}

/** Every doctor a unit read (the locked one and `others`), those that exist. */
function doctorsOf(snapshot: DoctorSnapshot): DoctorSnapshot[] {
  const all: DoctorSnapshot[] = [];
  if (snapshot.doctor !== undefined) all.push(snapshot);
  for (const other of snapshot.others?.values() ?? []) if (other.doctor !== undefined) all.push(other);
  return all;
}

/** The slots of a service point's queue (`DoctorSnapshot.servicePoint`) as a day's queue. */
class SlotsQueue implements DayQueue {
  readonly #slots: readonly SlotState[];
  constructor(slots: readonly SlotState[]) {
    this.#slots = slots;
  }
  get slotCount(): number {
    return this.#slots.length;
  }
  slot(i: number): SlotRecord {
    return this.#slots[i]!.slot;
  }
  places(i: number): readonly TokenRecord[] {
    return this.#slots[i]!.places;
  }
}

/**
 * Calls the next patient waiting at a service point to one of its rooms, among the tokens of the
 * day of every doctor it serves: the patient this room called and who is still here (called
 * again), else the first in the call order (emergencies first) whom no other room called. The
 * call is recorded on the token (`journey.room`): each room of the point serves its own patient
 * until they are forwarded on. Nobody waiting: `{ token: null }`, no event. The unit locks every
 * doctor the point serves and reads the point's queue; then, still holding those locks, the
 * token it chose with its doctor's day (`tokenId`), which it calls. With `days` (a store whose
 * reads cost nothing until looked at) it reads each doctor's day with the queue and calls in
 * the first round.
 */
export const callPoint: Command<CallPointInput, CallResult> = {
  load: ({ point, doctorIds, day, days }) => pointLoad(point, doctorIds, day, days),
  decide(config, snapshot, { point, doctorIds, day, room }, now) {
    const to = room ?? point.rooms?.[0] ?? null;
    const key = to ?? point.id;
    // The second round: the token the first chose (the only one a round of this unit names).
    const chosen = snapshot.tokens.size === 1 ? snapshot.tokens.values().next().value : undefined;
    if (chosen !== undefined) return call(config, snapshot, chosen, point, day, to, key, now);
    const queue = pointQueueIn({ config, nowDate: fixedDate(now) }, snapshot, point, day, now);
    // A store without an index of the tokens at each point: read the day of every doctor the point serves.
    if (queue === undefined) return { kind: 'load', request: pointLoad(point, doctorIds, day, true) };
    const first = nextAt(queue, key);
    if (first === undefined) return unchanged(NOBODY);
    const owner = doctorSnapshotOf(snapshot, first.doctorId);
    // Read with the days of every doctor (a store without the index): called in this round.
    if (owner?.days.get(day) !== undefined) return call(config, owner, first, point, day, to, key, now);
    return { kind: 'load', request: { doctorId: first.doctorId, days: [day], tokenId: first.id } };
  },
};

/** Whom room `key` calls of a point's queue in call order: the patient it called who is still there, else the first no room called. */
function nextAt(queue: readonly TokenRecord[], key: string): TokenRecord | undefined {
  let free: TokenRecord | undefined;
  for (let i = 0; i < queue.length; i++) {
    const room = queue[i]!.journey?.room;
    if (room === key) return queue[i];
    if (room === undefined) free ??= queue[i];
  }
  return free;
}

/** The call of `first`, a token waiting at `point`, in the unit's snapshot `owner` of its doctor (with its day). */
function call(
  config: CoreConfig,
  owner: DoctorSnapshot,
  first: TokenRecord,
  point: ServicePoint,
  day: string,
  to: string | null,
  key: string,
  now: number,
): Decision<CallResult> {
  const ws = new Workspace(config, owner, now);
  const work = ws.day(day);
  const stored = work.find(first.id, first.slotId);
  // The unit holds the lock of every doctor the point serves since it read the queue: the token is still there.
  if (stored === undefined || stored.status !== 'CHECKED_IN' || !atPoint(stored, point.id))
    throw new OpdError(
      'STORAGE_FAILURE',
      `The store's queue of service point \`${point.id}\` holds token \`${first.id}\`, which its day does not hold waiting there`,
      {
        details: { tokenId: first.id },
      },
    );
  const token = stored.journey?.room === key ? stored : ws.note(work, stored, { journey: makeJourney(stored.journey ?? NO_JOURNEY, { room: key }) });
  ws.own(ev.called(ws, token, token.slotId ?? '', to, false, { servicePointId: point.id }));
  return commit(ws, Object.freeze({ token: tokenView(ws, work, token), effects: ws.effects() }));
}

/**
 * The rule "in which order a service point calls": the checked-in patients waiting at the point
 * among `days` (the doctor-days it serves, or the slots of its queue), in the call order
 * (emergencies first, whatever their slots: see `callSequence`).
 */
export function pointQueue(at: CallOrderAt, days: readonly DayQueue[], point: ServicePoint, now: number): readonly TokenRecord[] {
  // Calls at a point are not the doctor's calls: the doctor's call record is left out of the order.
  return callSequence(at, new MergedQueue(days, (t) => atPoint(t, point.id), true), now, 0);
}

/** A doctor of a unit over several doctors, with the unit's working copy of their days. */
interface Member {
  readonly ws: Workspace;
}

function membersOf(config: CoreConfig, snapshot: DoctorSnapshot, now: number): Member[] {
  const all: DoctorSnapshot[] = [];
  if (snapshot.doctor !== undefined) all.push(snapshot);
  for (const other of snapshot.others?.values() ?? []) if (other.doctor !== undefined) all.push(other);
  all.sort((a, b) => (a.doctor!.id < b.doctor!.id ? -1 : a.doctor!.id > b.doctor!.id ? 1 : 0));
  return all.map((s) => ({ ws: new Workspace(config, s, now) }));
}

const NOBODY: CallResult = Object.freeze({ token: null, effects: Object.freeze([]) });

/** Whom to call from a pooled department's queue: the doctor who is free, today, and where. */
export interface CallPooledInput {
  readonly department: string;
  readonly doctorId: string;
  readonly day: string;
  readonly room: string | null;
}

/**
 * Calls, for a doctor of a pooled department, the next patient of the department's queue: the
 * doctor's own checked-in patients and the department's pooled patients of every colleague,
 * emergencies first, then in the call order (a patient a doctor called keeps that doctor). The patient
 * keeps the place on the day they were booked to, so each doctor's capacity holds. The call is
 * recorded on the token (`journey.calledBy`): no colleague calls the same patient.
 */
export const callPooled: Command<CallPooledInput, CallResult> = {
  load: ({ department, doctorId, day }) => ({ doctorId, days: [day], department: { name: department, each: { days: [day] } } }),
  decide(config, snapshot, { department, doctorId, day, room }, now) {
    if (snapshot.doctor === undefined) throw doctorNotFound(doctorId);
    if (pooledPoint(config, department) === undefined) throw invalidPool(department);
    if ((snapshot.doctor.department ?? null) !== department) {
      throw new OpdError('VALIDATION_FAILED', `Doctor \`${doctorId}\` is not of department \`${department}\``, {
        details: { field: 'doctorId', doctorId, department },
      });
    }
    const members = membersOf(config, snapshot, now);
    const days = members.map((m) => m.ws.day(day));
    const own = members.find((m) => m.ws.snapshot.doctor?.id === doctorId)!;
    const pace = estimatesOf(own.ws, own.ws.day(day), now, own.ws.consultMinutes).paceMinutes * MINUTE;
    const view = new MergedQueue(days, (t) => inDoctorQueue(t, doctorId));
    const first = callSequence(own.ws, view, now, pace)[0];
    if (first === undefined) return unchanged(NOBODY);
    const owner = members.find((m) => m.ws.snapshot.doctor?.id === first.doctorId)!;
    const work = owner.ws.day(day);
    const token = work.find(first.id)!;
    const next = noteCall(owner.ws, work, token, doctorId);
    owner.ws.own(
      ev.called(
        owner.ws,
        next,
        next.slotId ?? '',
        room ?? snapshot.doctor.room ?? null,
        false,
        next.doctorId === doctorId ? undefined : { calledBy: doctorId },
      ),
    );
    const result = Object.freeze({ token: tokenView(owner.ws, work, next), effects: owner.ws.effects() });
    if (owner === own) return commit(own.ws, result);
    let changes = NO_CHANGES;
    for (const m of [own, owner]) if (m.ws.changed) changes = mergeChanges(changes, unitChanges(m.ws));
    return { kind: 'commit', changes, result };
  },
};

function invalidPool(department: string): OpdError {
  return new OpdError('VALIDATION_FAILED', `Department \`${department}\` has no pooled queue: give it a service point of kind '${DOCTOR_KIND}'`, {
    details: { field: 'department', department },
  });
}

/**
 * What a doctor's call records on the token it calls: its first call's order under a call order;
 * for a pooled patient, the doctor who called (no colleague calls them too); and the end of a
 * re-entry (the patient sent back is called: they keep this turn as any patient called does).
 */
export function noteCall(ws: Workspace, work: DayWork, token: TokenRecord, doctorId: string): TokenRecord {
  const j = token.journey;
  const journey =
    j === undefined || (j.reentry === undefined && (j.pooled !== true || j.calledBy === doctorId))
      ? undefined
      : makeJourney(j, { reentry: undefined, calledBy: j.pooled === true ? doctorId : j.calledBy });
  const callIndex =
    ws.config.callOrder !== undefined && (token.callIndex === undefined || token.callIndex === null || j?.reentry !== undefined)
      ? nextCallIndex(work)
      : undefined;
  if (journey === undefined && callIndex === undefined) return token;
  return ws.note(work, token, { ...(callIndex === undefined ? {} : { callIndex }), ...(journey === undefined ? {} : { journey }) });
}
