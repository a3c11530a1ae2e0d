import { OpdError } from '../../errors.js';
import type { Decision, DoctorSnapshot, LoadRequest, PatientLoad } from '../../model/snapshot.js';
import { isPlaceStatus } from '../../model/status.js';
import type { BookingResult, Patient } from '../../types.js';
import { type Command, departmentNotFound, guardDuplicate, patientPart } from '../command.js';
import type { CoreConfig } from '../config.js';
import { hasUsableSlot } from '../placement.js';
import { DayWork } from '../workspace.js';
import { type BookCommand, type BookedDay, bookWindow, decideBook, nextScheduleLimit } from './book.js';

/** A validated booking request for a department rather than a doctor. */
export interface DepartmentBookCommand {
  readonly department: string;
  readonly category: string;
  readonly patient: Readonly<Patient>;
  readonly date: string | undefined;
  readonly after: number | undefined;
  readonly idempotencyKey: string | undefined;
  /** Canonical request, compared on replays (only with a key). */
  readonly fingerprint: string | undefined;
  /** Who makes the call, stamped on its events by the shell; not part of the fingerprint. */
  readonly actor: string | null;
  /** For a hold (`hold()`), the minutes it lasts; `null` for a booking. */
  readonly holdMinutes: number | null;
  /** The patient's tokens to read under the patient's lock, when the duplicate rules reach beyond one doctor-day. */
  readonly patientLoad?: PatientLoad | undefined;
}

/**
 * What to read of each doctor of the department (as a booking with that doctor would, at first):
 * the day asked for, else the first slots of the schedule.
 */
function eachRequest(command: DepartmentBookCommand, now: number): LoadRequest {
  const { idempotencyKey } = command;
  if (command.date !== undefined) return { idempotencyKey, days: [command.date] };
  return { idempotencyKey, schedule: bookWindow(command.after, now) };
}

/**
 * What a doctor's snapshot read, to read again with what the unit asks for next: a new load
 * replaces the unit's snapshot, and a doctor read as far as it needed must not go back to its
 * first slots (it would ask for more again, while another doctor went back in turn). The adapter
 * merges the parts naming the same doctor.
 */
function readAgain(command: DepartmentBookCommand, doctorId: string, snapshot: DoctorSnapshot, now: number, days: readonly string[] = []): LoadRequest {
  const read = [...new Set([...snapshot.days.keys(), ...days])];
  if (snapshot.schedule === undefined) return { doctorId, days: read };
  return { doctorId, days: read, schedule: bookWindow(command.after, now, nextScheduleLimit(snapshot, true)) };
}

/** The unit's next load: each doctor as far as it has read, with `more` (parts naming doctors) on top. */
function loadAgain(
  command: DepartmentBookCommand,
  members: readonly string[],
  snapshotOf: (doctorId: string) => DoctorSnapshot | undefined,
  now: number,
  more: readonly LoadRequest[],
  days?: readonly string[],
): Decision<BookingResult> {
  const others: LoadRequest[] = [];
  for (const doctorId of members) {
    const snapshot = snapshotOf(doctorId);
    if (snapshot !== undefined) others.push(readAgain(command, doctorId, snapshot, now, days));
  }
  return {
    kind: 'load',
    request: { department: { name: command.department, each: eachRequest(command, now) }, others: [...others, ...more], ...patientPart(command.patientLoad) },
  };
}

/**
 * Books with the doctor of a department whose earliest usable place is soonest. The unit locks
 * every doctor of the department; the booking rules run for each of them exactly as a booking
 * with that doctor would, and the one whose token gets a place starting soonest is kept (ties:
 * a free place before an elastic one before a bump, then fewest places taken that day, then the
 * doctor id). A request no doctor can give a place is waitlisted with a doctor who has a usable
 * slot that day (not before `after`), if any, with fewest places taken that day (then the doctor
 * id), or refused as that booking would be. An emergency therefore gets a place whenever any
 * doctor of the department has a free place, an elastic place or a bump the policy allows. A
 * hold (`holdMinutes`) goes the same way, with a hold's rules at each doctor: the soonest free
 * place of the department, else the first doctor's `SLOT_FULL`.
 */
export const bookDepartment: Command<DepartmentBookCommand, BookingResult> = {
  load: (command, now) => ({ department: { name: command.department, each: eachRequest(command, now) }, ...patientPart(command.patientLoad) }),
  decide: decideDepartment,
};

/** One doctor's answer: its decision (commit), or the error a booking with it would throw. */
interface Candidate {
  readonly doctorId: string;
  readonly decision?: Decision<BookingResult> & { kind: 'commit' };
  readonly error?: unknown;
  /** Start of the place the token gets (Infinity when it waits). */
  readonly start: number;
  /** What the place costs others: 0 a free place, 1 an elastic place, 2 a patient bumped from it. */
  readonly cost: number;
  /** Places taken that day before the booking, the day settled (a hold that has ended keeps none). */
  readonly taken: number;
  /** Whether the doctor has a usable slot (open, not ended, not before `after`) that day: a token waiting there can be promoted. */
  readonly usable: boolean;
}

function decideDepartment(config: CoreConfig, snapshot: DoctorSnapshot, command: DepartmentBookCommand, now: number): Decision<BookingResult> {
  const members = snapshot.department ?? [];
  const perDoctor = (doctorId: string): BookCommand => ({ ...command, doctorId, slotId: undefined, department: command.department });
  // The patient's tokens (read once, under the patient's lock) go with each doctor's snapshot.
  const patientTokens = snapshot.patientTokens;
  const snapshotOf = (doctorId: string): DoctorSnapshot | undefined => {
    const mine = snapshot.doctor?.id === doctorId ? snapshot : snapshot.others?.get(doctorId);
    return mine === undefined || patientTokens === undefined ? mine : { ...mine, patientTokens };
  };

  // An idempotency key already used with one of the doctors: that booking's replay (or conflict).
  if (command.idempotencyKey !== undefined) {
    for (const doctorId of members) {
      const mine = snapshotOf(doctorId);
      if (mine?.idempotency !== undefined) return decideBook(config, mine, perDoctor(doctorId), now);
    }
  }

  const candidates: Candidate[] = [];
  const more: LoadRequest[] = [];
  for (const doctorId of members) {
    const mine = snapshotOf(doctorId);
    if (mine === undefined) continue;
    let decision: Decision<BookingResult>;
    const booked: BookedDay = { taken: 0 };
    try {
      decision = decideBook(config, mine, perDoctor(doctorId), now, booked);
    } catch (error) {
      // A patient who already holds a live token with a doctor of the department that day is refused.
      if (error instanceof OpdError && error.code === 'DUPLICATE_BOOKING') throw error;
      candidates.push({ doctorId, error, start: Number.POSITIVE_INFINITY, cost: 0, taken: Number.POSITIVE_INFINITY, usable: false });
      continue;
    }
    if (decision.kind === 'load') {
      more.push({ ...decision.request, doctorId });
      continue;
    }
    const day = decision.result.token.day;
    candidates.push({
      doctorId,
      decision,
      start: placeStart(mine, decision.result),
      cost: placeCost(decision.result),
      taken: booked.taken,
      usable: hasUsableSlot(mine, day, now, command.after),
    });
  }
  if (more.length > 0) {
    // The days some doctor asks for are the days the duplicate rule will look at with every
    // doctor: read them of each now, rather than in one more read once each has decided.
    const days = guardsDuplicates(config, command) ? [...new Set(more.flatMap((r) => r.days ?? []))] : [];
    return loadAgain(command, members, snapshotOf, now, more, days);
  }
  const missing = guardDepartmentDuplicate(config, members, snapshotOf, command, candidates, now);
  if (missing !== undefined) return loadAgain(command, members, snapshotOf, now, [], missing);

  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (candidate.decision === undefined) continue;
    if (best === undefined || better(candidate, best)) best = candidate;
  }
  // No doctor could take it: the first doctor's refusal, or, for a department without doctors, that.
  if (best?.decision === undefined) throw candidates[0]?.error ?? departmentNotFound(command.department);
  return best.decision;
}

/**
 * The duplicate-booking rule across the department: a patient who holds a live token with any of
 * its doctors on a day some doctor's booking would be for is refused, whichever doctor would be
 * chosen (each doctor's own rules look only at their own tokens). Returns the days to read of
 * every doctor first when a doctor's snapshot lacks one of them.
 */
function guardDepartmentDuplicate(
  config: CoreConfig,
  members: readonly string[],
  snapshotOf: (doctorId: string) => DoctorSnapshot | undefined,
  command: DepartmentBookCommand,
  candidates: readonly Candidate[],
  now: number,
): string[] | undefined {
  const patientId = command.patient.id;
  if (!guardsDuplicates(config, command) || patientId === undefined) return undefined;
  const days = [...new Set(candidates.flatMap((c) => (c.decision === undefined ? [] : [c.decision.result.token.day])))].sort();
  const read = members.flatMap((doctorId) => {
    const snapshot = snapshotOf(doctorId);
    return snapshot === undefined ? [] : [snapshot];
  });
  if (read.some((snapshot) => days.some((day) => !snapshot.days.has(day)))) return days;
  for (const day of days)
    guardDuplicate(
      config,
      now,
      read.map((snapshot) => new DayWork(snapshot.days.get(day)!)),
      patientId,
      'patient.id',
    );
  return undefined;
}

/**
 * Whether the department's own duplicate-booking rule applies to the request: a patient with an
 * id under the doctor-day rule without exceptions (a wider scope, or exceptions, are each doctor's
 * booking's own rule, which reads the patient's tokens across the department).
 */
function guardsDuplicates(config: CoreConfig, command: DepartmentBookCommand): boolean {
  return !config.allowDuplicateBookings && config.duplicates?.scope === 'doctor-day' && command.patient.id !== undefined;
}

/**
 * The soonest place; at the same start, a free place before an elastic one before a bump; among
 * requests no doctor can place, a doctor whose day has a usable slot (a waitlist nobody can ever
 * be promoted from helps nobody, an emergency least of all); then the fewest places taken that
 * day. Candidates come in doctor-id order, so the lower id wins the rest.
 */
function better(a: Candidate, b: Candidate): boolean {
  if (a.start !== b.start) return a.start < b.start;
  // At the same hour, a free place before an elastic one before a bump: nobody is bumped, nor a
  // slot stretched, for a place a colleague has free.
  if (a.cost !== b.cost) return a.cost < b.cost;
  if (a.usable !== b.usable) return a.usable;
  return a.taken < b.taken;
}

function placeStart(snapshot: DoctorSnapshot, result: BookingResult): number {
  const token = result.token;
  if (!isPlaceStatus(token.status) || token.slotId === null) return Number.POSITIVE_INFINITY;
  const day = snapshot.days.get(token.day);
  for (const state of day?.slots ?? []) if (state.slot.id === token.slotId) return state.slot.start;
  return Number.POSITIVE_INFINITY;
}

/** 2 when the booking bumped a patient to take its place, 1 for an elastic place, else 0. */
function placeCost(result: BookingResult): number {
  const id = result.token.id;
  for (const effect of result.effects) if (effect.type === 'token:bumped' && effect.byTokenId === id) return 2;
  return result.overflow ? 1 : 0;
}
