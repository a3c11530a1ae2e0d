import { invalid, OpdError } from '../../errors.js';
import { endClaimsOfSlot } from '../claims.js';
import { compareQueueOrder } from '../../model/queue.js';
import { isUsableSlot, type TokenRecord } from '../../model/records.js';
import type { ChangeSet, Decision, DoctorSnapshot, LoadRequest, ScheduleEntry } from '../../model/snapshot.js';
import type { CoreConfig } from '../config.js';
import type { Effect } from '../../types.js';
import { type Command, commit, doctorNotFound, heldToken, mergeChanges, unchanged, unitChanges } from '../command.js';
import { emergencyPlace } from '../emergency.js';
import { type Guard, protectionOf } from '../protection.js';
import * as ev from '../events.js';
import { firstUsableSlot, hasFreePlace } from '../slot-choice.js';
import { displace, laterFreeSlot, promoteFirst, promoteWaiting, settleBeforePlacing, settleEndedClaims } from '../placement.js';
import { hasFreePlaceFor } from '../quota.js';
import { type DayWork, NO_CHANGES, Workspace } from '../workspace.js';
import { moveWaitingFor } from './close-slot.js';
import { transfer } from './move.js';

/** A doctor's leave: the doctor, the instants `[from, to)`, and why. */
export interface CloseSlotsInput {
  readonly doctorId: string;
  /** Epoch milliseconds, inclusive. */
  readonly from: number;
  /** Epoch milliseconds, exclusive; after `from`. */
  readonly to: number;
  readonly reason: string | null;
  /**
   * The doctor's department, whose doctors are locked with it, when displaced patients are
   * reassigned to colleagues (`reassign: 'department'`); else `null`.
   */
  readonly department: string | null;
  /**
   * Without `reassign`, the doctor's department when the duplicate rule's scope reaches it
   * (`'department-day'`, `'facility-day'`): its doctors are locked and their days read with the
   * doctor's, only so that a later day where the patient holds a live token with one of them is
   * skipped; nobody is moved to them. `null` or omitted: none.
   */
  readonly within?: string | null | undefined;
  /**
   * The end of the horizon (epoch ms, at or after `to`): a displaced patient may be moved to a
   * slot starting before it. The shell makes it `to` plus `horizonDays` local days, at the same
   * local time. `to` itself: none past the leave (with colleagues, their later days' slots
   * starting before `to` still count).
   */
  readonly horizonEnd: number;
}

/**
 * Closes every open slot of a doctor that overlaps `[from, to)` and has not ended, as one unit
 * (a doctor's leave). All the slots are closed first, so that nobody is moved into a slot that
 * is itself closing; then, day by day in date order, every `BOOKED` place of the closed slots is
 * displaced once, emergencies first and then in queue order, under the displacement rule of a
 * closed slot: the earliest usable place after the leave on its day; when its day has none, the
 * doctor's first usable slot starting at or after `to` on a later day with a free place the quota
 * admits (for an emergency a free or elastic place; never a bump there), as a new token of that
 * day ({@link transfer}, as `move` does), skipping a day where the patient already holds a live
 * token; only when no day has one, the policy's waitlist or drop on its own day. A patient the
 * leave has moved, on their own day or to a later one, keeps that place for the rest of the leave:
 * no cascade's chain bumps them there ({@link Workspace.settled}), only an emergency by the
 * emergency rule. The later places are the doctor's slots starting before the horizon's end
 * (`horizonEnd`), read as the search reaches their days, in the same unit. Per-slot waitlist
 * entries of the closed slots wait for the next open slot. Refused, closing nothing, while a
 * patient in one of the slots is checked in or in consultation.
 *
 * O(n log n) in the places displaced (one sort per day), plus the usual scans of each day's
 * slots by the displacement rule and, for a patient moved past the leave, of the later days
 * that still have room.
 */
export const closeSlots: Command<CloseSlotsInput, Effect[]> = {
  load: leaveWindow,
  decide: (config, snapshot, input, now) => decideLeave(config, snapshot, input, now),
};

/**
 * The leave's decision ({@link closeSlots}). `finish`, when given, runs on the doctor's working
 * copy once every patient has moved and before the unit commits, so that a command of which the
 * leave is a part (a pause that outlasts slots) commits with it, or not at all.
 */
export function decideLeave(
  config: CoreConfig,
  snapshot: DoctorSnapshot,
  input: CloseSlotsInput,
  now: number,
  finish?: (ws: Workspace) => void,
): Decision<Effect[]> {
  const { doctorId, to, reason, department } = input;
  if (snapshot.doctor === undefined) throw doctorNotFound(doctorId);
  if (department !== null && (snapshot.doctor.department ?? null) !== department) {
    throw invalid('leave.reassign', `Doctor \`${doctorId}\` has no department to reassign patients within`, { doctorId });
  }
  if (department === null && (input.within ?? null) !== null && (snapshot.doctor.department ?? null) !== input.within) {
    throw new OpdError('CONFLICT', `The department of doctor \`${doctorId}\` changed during the call: try again`, { details: { doctorId } });
  }
  // The schedule may reach past the leave (the days looked at for a later place).
  const closing = (snapshot.schedule ?? []).filter((e) => isUsableSlot(e.slot, now) && e.slot.start < to);
  if (closing.length === 0) return unchanged([]);
  // The schedule names the days; their places are read in a second round, under the same lock,
  // with the schedule of the days after the leave when someone may have to move there.
  const days = [...new Set(closing.map((e) => e.slot.day))].sort();
  // The department's other doctors read in the unit: colleagues to reassign to, or (`within`)
  // doctor-days the duplicate rule looks at.
  const colleagues = (snapshot.department ?? []).filter((id) => id !== doctorId);
  // The schedules up to the horizon, read when someone may be displaced and may go to a later
  // day: past the leave (a horizon past `to`), or to a colleague's later day the leave itself
  // covers (which is within the window even without a horizon). Someone may be displaced when a
  // closing slot holds a place, or, with a quota, when settling the day first promotes a waiting
  // patient into one (a reservation that time ended leaves a place the waitlist takes).
  const ahead =
    (input.horizonEnd > to || (department !== null && colleagues.length > 0)) && (config.quota !== undefined || closing.some((e) => e.occupancy > 0));
  const unread = (days_: ReadonlyMap<string, unknown> | undefined): boolean => days.some((day) => days_?.has(day) !== true);
  if (unread(snapshot.days) || colleagues.some((id) => unread(snapshot.others?.get(id)?.days))) {
    return { kind: 'load', request: leaveRequest(input, ahead, [{ doctorId, days }, ...colleagues.map((id) => ({ doctorId: id, days }))]) };
  }

  const ws = new Workspace(config, snapshot, now);
  const others = colleagues.map((id) => new Workspace(config, snapshot.others!.get(id)!, now));
  // Colleagues a displaced patient may go to: with `reassign` only.
  const team = department === null ? [] : others;
  const plan: { readonly work: DayWork; readonly indexes: number[] }[] = [];
  const ids = new Set(closing.map((e) => e.slot.id));
  for (const day of days) {
    const work = ws.day(day);
    const indexes: number[] = [];
    for (let i = 0; i < work.slotCount; i++) if (ids.has(work.slot(i).id)) indexes.push(i);
    plan.push({ work, indexes });
  }
  for (const { work, indexes } of plan) {
    for (const i of indexes) {
      const present = work.places(i).filter((t) => t.status === 'CHECKED_IN' || t.status === 'IN_CONSULTATION');
      if (present.length > 0) {
        const slotId = work.slot(i).id;
        throw invalid('leave', `Slot \`${slotId}\` of the leave holds patients who are checked in or in consultation; cancel or complete them first`, {
          slotId,
          tokenIds: present.map((t) => t.id),
        });
      }
    }
  }
  // Each day first as after a sweep, as closeSlot does: holds that have ended keep no place, and
  // the waitlist takes what they leave.
  for (const { work } of plan) settleBeforePlacing(ws, work);
  // At most this many patients look for a later place: the closing slots' places once settled.
  const need = plan.reduce((n, { work, indexes }) => indexes.reduce((m, i) => m + work.occupancy(i), n), 0);
  const later = new LaterDays(to, input.horizonEnd, now, need, [ws, ...others]);
  // Each closing names its leave, so that a replay of the history closes the same range.
  const leave = { from: new Date(input.from).toISOString(), to: new Date(to).toISOString(), reassign: department === null ? null : ('department' as const) };
  for (const { work, indexes } of plan) {
    for (const i of indexes) {
      ev.slotClosed(ws, ws.updateSlot(work, i, { status: 'CLOSED', closedReason: reason }), reason, leave);
    }
  }
  for (const { work, indexes } of plan) {
    // Their claims end as closeSlot ends them: places held for an offer withdrawn, holds (not
    // bookings yet) released rather than moved.
    for (const i of indexes) endClaimsOfSlot(ws, work, i);
    const displaced: { readonly token: TokenRecord; readonly from: number; readonly urgent: boolean }[] = [];
    for (const i of indexes) {
      for (const token of work.places(i)) if (token.status === 'BOOKED') displaced.push({ token, from: i, urgent: protectionOf(ws, token) !== null });
    }
    displaced.sort((a, b) => Number(b.urgent) - Number(a.urgent) || compareQueueOrder(a.token, b.token));
    for (const { token, from } of displaced) {
      // Moved once, on its own day too: a later patient's chain goes around the place it takes
      // (emergencies move first, so one a policy ranks below others could otherwise be bumped
      // by the chain of a patient displaced after it).
      (ws.settled ??= new Set()).add(token.id);
      if (team.length > 0 && reassign({ ws, work, team, later }, token, from, reason)) continue;
      // No place left on its day: the doctor's first place after the leave on a later day.
      const elsewhere = (): boolean => {
        const spot = later.find(ws, token, to, Number.POSITIVE_INFINITY);
        if (spot === undefined) return false;
        const moved = transfer({ source: ws, from: work, token }, { target: ws, work: spot.work, index: spot.index }, reason).token;
        // Moved once: a later day's cascade goes around the new place rather than bump it.
        (ws.settled ??= new Set()).add(moved.id);
        return true;
      };
      displace(ws, work, { token, from, reason: 'slot-closed', by: null, depth: 0, elsewhere });
    }
    for (const i of indexes) moveWaitingFor(ws, work, i);
    promoteWaiting(ws, work);
  }
  // A later day the search reached but the unit has not read: read it (and the next ones) and
  // decide again. Should that not be enough (a quota refused, a patient already held a token
  // there), the next read takes every day of every doctor's schedule, so that a unit reads at
  // most four times.
  if (later.wanted.size > 0) {
    const leaveDays = new Set(days);
    const members = [ws, ...others];
    const again = members.some((w) => [...w.snapshot.days.keys()].some((day) => !leaveDays.has(day)));
    // Every doctor's usable days, read of every doctor: the duplicate rule looks at a day of
    // the department with each of its doctors, whichever doctor's day has the place.
    const every = again ? [...new Set(members.flatMap((w) => usableDays(w.snapshot.schedule, now)))] : [];
    const read = members.map((w) => {
      const id = w.snapshot.doctor!.id;
      const more = again ? every : (later.wanted.get(id) ?? []);
      return { doctorId: id, days: [...new Set([...days, ...w.snapshot.days.keys(), ...more])].sort() };
    });
    return { kind: 'load', request: leaveRequest(input, ahead, read) };
  }
  finish?.(ws);
  if (others.length === 0) return commit(ws, ws.events);
  let changes: ChangeSet = ws.changed ? unitChanges(ws) : NO_CHANGES;
  for (const other of others) if (other.changed) changes = mergeChanges(changes, unitChanges(other));
  // A colleague's day settled before a patient could be placed there: its events too.
  const theirs = others.flatMap((other) => other.events);
  return { kind: 'commit', changes, result: theirs.length === 0 ? ws.events : [...ws.events, ...theirs] };
}

/** Only free and elastic places: nobody is bumped at a colleague's, nor on a later day. */
const NO_BUMP: Guard = { bump: false };

/** A place found on a later day. */
interface Spot {
  readonly ws: Workspace;
  readonly work: DayWork;
  readonly index: number;
}

/**
 * The days after a patient's own day, read lazily: each doctor's schedule (read up to the
 * horizon) names the days that may have room; a day the search reaches unread is noted in
 * {@link LaterDays.wanted}, with the next ones until their free places would hold every patient
 * the leave displaces, and counts as having no place; the unit is decided again once they are
 * read (usually once).
 */
class LaterDays {
  /** Days to read, by doctor. */
  readonly wanted = new Map<string, Set<string>>();
  /** The days of the unit a place was found on and that were settled then (at most once each). */
  readonly #settled = new Set<DayWork>();
  readonly #candidates = new Map<string, readonly Candidate[]>();
  /** By candidate list: how many of its first days have no free place left (they never regain one in the unit). */
  readonly #full = new Map<readonly Candidate[], number>();

  constructor(
    /** The leave's end: the doctor's own later places start at or after it. */
    readonly to: number,
    /**
     * The leave's end plus its horizon: every later place starts before it (a slot starting
     * after it takes nobody, even on a day whose first slots start before it).
     */
    readonly until: number,
    readonly now: number,
    /** The places in the leave's slots: at most this many patients look for a later place. */
    readonly need: number,
    /**
     * The doctor's unit and, with `reassign`, each colleague's: the doctor-days the duplicate
     * rule looks at on a later day (a place with any of them is a place in the department).
     */
    readonly members: readonly Workspace[],
  ) {}

  /**
   * The first place of `ws`'s doctor on a day after the token's, starting at or after
   * `notBefore` and before both `before` and {@link LaterDays.until}: a free place the quota
   * admits, or for a protected token a free or elastic place (never a bump); a day where the
   * patient already holds another live token the duplicate rule counts against the place is
   * skipped ({@link holdsAnother}: with `reassign`, one with any doctor of the department). A
   * day that the doctor or a colleague has not read yet is wanted (of each of them). A day reached where a hold
   * that has ended keeps a place is settled first, as a booking's day is; a day where a place is
   * found while patients wait is settled before it is taken ({@link LaterDays.settled}).
   */
  find(ws: Workspace, token: TokenRecord, notBefore: number, before: number): Spot | undefined {
    const urgent = protectionOf(ws, token) !== null;
    const candidates = this.#candidatesOf(ws, token.day, notBefore, urgent);
    const full = urgent ? 0 : (this.#full.get(candidates) ?? 0);
    const bound = Math.min(before, this.until);
    for (let k = full; k < candidates.length; k++) {
      const { day, start } = candidates[k]!;
      if (start >= before) return undefined;
      const unread = this.members.filter((m) => !m.snapshot.days.has(day));
      if (unread.length > 0) {
        for (const m of unread) this.#want(m.snapshot.doctor!.id, candidates, k);
        return undefined;
      }
      const work = ws.day(day);
      // A hold there that has ended keeps no place: released first (the day's waitlist taking
      // what it leaves, as after a sweep), so that its place counts below.
      settleEndedClaims(ws, work);
      if (
        holdsAnother(
          ws,
          this.members.map((m) => (m === ws ? work : m.day(day))),
          token,
          day,
        )
      )
        continue;
      if (!urgent && k === this.#full.get(candidates) && firstUsableSlot(work, ws.now, { notBefore, takes: (i) => hasFreePlace(work, i) }) < 0)
        this.#full.set(candidates, k + 1);
      const rank = ws.rankOf({ ...token, day, notBefore: start }, 0);
      const place = (): number => {
        const index = placeWithoutBump(ws, work, token, rank, notBefore, urgent);
        return index >= 0 && work.slot(index).start < bound ? index : -1;
      };
      const index = this.settled(ws, work, place);
      if (index >= 0) return { ws, work, index };
    }
    return undefined;
  }

  /**
   * `place()`'s answer on a day once settled: when it finds a place on a day the unit has not yet
   * settled and where patients wait, the day's waitlist first takes what time opened (a quota's
   * reservation that ended: {@link promoteFirst}, as a booking's or a move's day is settled), and
   * `place()` is asked again. A day nobody is placed on is left as it is.
   */
  settled(ws: Workspace, work: DayWork, place: () => number): number {
    const index = place();
    if (index < 0 || work.waitlist.length === 0 || this.#settled.has(work)) return index;
    this.#settled.add(work);
    promoteFirst(ws, work);
    return place();
  }

  /** Notes the days to read from candidate `k`: enough for every patient who may still look (at least one). */
  #want(doctorId: string, candidates: readonly Candidate[], k: number): void {
    const wanted = this.wanted.get(doctorId) ?? new Set();
    let room = 0;
    for (let j = k; j < candidates.length && (j === k || room < this.need); j++) {
      wanted.add(candidates[j]!.day);
      room += Math.max(1, candidates[j]!.free);
    }
    this.wanted.set(doctorId, wanted);
  }

  /**
   * The days after `day` in the doctor's schedule with a usable slot starting at or after
   * `notBefore` that had room when read (a free place, or one a hold that has ended keeps; for a
   * protected token any usable slot, whose elastic places the day decides), with the start of
   * the first such slot. Places on
   * these days only fill during the unit, so no other day can have room.
   */
  #candidatesOf(ws: Workspace, day: string, notBefore: number, urgent: boolean): readonly Candidate[] {
    const key = `${ws.snapshot.doctor!.id}\n${day}\n${notBefore}\n${urgent}`;
    let list = this.#candidates.get(key);
    if (list === undefined) {
      const found: Candidate[] = [];
      for (const { slot, occupancy, earliestClaimEnd } of ws.snapshot.schedule ?? []) {
        if (slot.day <= day || !isUsableSlot(slot, this.now, notBefore)) continue;
        // A full slot may have room once a hold of it that has ended is released.
        if (!urgent && occupancy >= slot.capacity && !(earliestClaimEnd !== undefined && earliestClaimEnd <= this.now)) continue;
        const free = Math.max(0, slot.capacity - occupancy);
        const last = found.at(-1);
        if (last?.day === slot.day) last.free += free;
        else found.push({ day: slot.day, start: slot.start, free });
      }
      list = found;
      this.#candidates.set(key, list);
      this.#full.set(list, 0);
    }
    return list;
  }
}

/** A day that may have room, the start of its first slot that may, and its free places when read. */
interface Candidate {
  readonly day: string;
  readonly start: number;
  free: number;
}

/** The days of a schedule with a slot that is open and has not ended. */
function usableDays(schedule: readonly ScheduleEntry[] | undefined, now: number): string[] {
  const found = new Set<string>();
  for (const { slot } of schedule ?? []) if (isUsableSlot(slot, now)) found.add(slot.day);
  return [...found];
}

/**
 * The first place of `work` starting at or after `notBefore` that takes `token` (ranked `rank`
 * there) without a bump: a free place the quota admits, or for a protected (`urgent`) token a
 * free or elastic place; -1 when none.
 */
function placeWithoutBump(ws: Workspace, work: DayWork, token: TokenRecord, rank: number, notBefore: number, urgent: boolean): number {
  return urgent
    ? (emergencyPlace(ws, work, { ...token, rank, notBefore }, 0, NO_BUMP, -1, 1)?.index ?? -1)
    : firstUsableSlot(work, ws.now, { notBefore, takes: (i) => hasFreePlaceFor(ws, work, i, { category: token.category, rank }) });
}

/** What a reassignment works with: the doctor's unit, the day, the colleagues and the later days. */
interface Reassignment {
  readonly ws: Workspace;
  readonly work: DayWork;
  readonly team: readonly Workspace[];
  readonly later: LaterDays;
}

/**
 * Moves a displaced token to the soonest place with a colleague when it is strictly sooner than
 * the doctor's own first place after the leave (on its day, else on a later day): on its day a
 * free place (for an emergency, also an elastic place) starting no earlier than the slot it
 * leaves, else the first such place on a colleague's later day; ties between colleagues go to
 * the one with fewest places taken that day, then to the lower doctor id. The old token ends
 * `CANCELLED` (`cancelReason: 'moved'`) and a new token of the colleague's day holds the place
 * (`token:moved`). Returns `false` (nothing changed) when no colleague is sooner.
 */
function reassign({ ws, work, team, later }: Reassignment, token: TokenRecord, from: number, reason: string | null): boolean {
  const notBefore = work.slot(from).start;
  const guard = protectionOf(ws, token);
  const own =
    guard === null ? laterFreeSlot(ws, work, from, token) : (emergencyPlace(ws, work, { ...token, notBefore }, from + 1, NO_BUMP, -1, 1)?.index ?? -1);
  const ownLater = own >= 0 ? undefined : later.find(ws, token, later.to, Number.POSITIVE_INFINITY);
  const ownStart = own >= 0 ? work.slot(own).start : ownLater === undefined ? Number.POSITIVE_INFINITY : ownLater.work.slot(ownLater.index).start;
  let best: { readonly spot: Spot; readonly start: number; readonly taken: number } | undefined;
  // A place with a colleague the same day is a department's place: the duplicate rule of a
  // department booking applies (no other live token with any of its doctors that day).
  const days = team.map((other) => other.day(token.day));
  const held = holdsAnother(ws, [work, ...days], token, token.day);
  for (const [k, other] of team.entries()) {
    const theirs = days[k]!;
    settleEndedClaims(other, theirs);
    let spot: Spot | undefined;
    if (!held) {
      const rank = other.rankOf({ ...token, notBefore }, 0);
      const index = later.settled(other, theirs, () => placeWithoutBump(other, theirs, token, rank, notBefore, guard !== null));
      if (index >= 0) spot = { ws: other, work: theirs, index };
    }
    spot ??= later.find(other, token, Number.NEGATIVE_INFINITY, Math.min(ownStart, best?.start ?? Number.POSITIVE_INFINITY) + 1);
    if (spot === undefined) continue;
    const start = spot.work.slot(spot.index).start;
    const taken = spot.work.placesTaken();
    if (best === undefined || start < best.start || (start === best.start && taken < best.taken)) best = { spot, start, taken };
  }
  if (best === undefined || best.start >= ownStart) return false;
  transfer({ source: ws, from: work, token }, { target: best.spot.ws, work: best.spot.work, index: best.spot.index }, reason);
  return true;
}

/**
 * The duplicate rule for a place the leave would give `token`'s patient on `day`: whether the
 * patient already holds another live token there that {@link heldToken} counts against it, asked
 * of `days`, the doctor-days of that day the unit read — the doctor's, and with `reassign` every
 * colleague's. Asked as the booking that would give the place asks it: under `'doctor-day'` with
 * the department read, as a department booking (a live token with any of its doctors that day);
 * else as a booking with the doctor (a wider scope, its exceptions by the token's category and
 * the department). `allowDuplicateBookings` lets everything through. Only the same-day part
 * counts: a move adds no live token, so the cap holds. The leave reads no patient's tokens beyond
 * these days.
 */
function holdsAnother(ws: Workspace, days: readonly DayWork[], token: TokenRecord, day: string): boolean {
  const rules = ws.config.duplicates;
  const asDoctor = rules !== null && (rules.scope !== 'doctor-day' || days.length === 1);
  const request = asDoctor ? { doctor: ws.doctor!, day, category: token.category, patientTokens: ws.snapshot.patientTokens ?? [] } : undefined;
  return heldToken(ws.config, ws.now, days, token.patient.id, token.id, request)?.reason === 'same-day';
}

/** The doctor and the slots of the leave's window, with their occupancy. */
function leaveWindow({ doctorId, from, to, department, within }: CloseSlotsInput): LoadRequest {
  const read = department ?? within ?? null;
  return { doctorId, schedule: { from, to }, ...(read === null ? {} : { department: { name: read, each: {} } }) };
}

/**
 * The leave's window and the days to read of the doctor (the first entry) and of each colleague;
 * when someone may move past the leave, every one's schedule up to the horizon too.
 */
function leaveRequest(input: CloseSlotsInput, ahead: boolean, read: readonly { readonly doctorId: string; readonly days: readonly string[] }[]): LoadRequest {
  const schedule = ahead ? { from: input.from, to: input.horizonEnd } : undefined;
  const [own, ...others] = read;
  return {
    ...leaveWindow(input),
    ...(schedule === undefined ? {} : { schedule }),
    days: own!.days,
    ...(others.length === 0 ? {} : { others: others.map((o) => ({ ...o, ...(schedule === undefined ? {} : { schedule }) })) }),
  };
}
