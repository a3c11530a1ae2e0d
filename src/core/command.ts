/**
 * The shape of every command: what it reads (`load`) and what it decides on what it read
 * (`decide`). The scheduler runs any command with one method; adding a command is one file
 * under `commands/` and one line of wiring in the scheduler.
 */
import { unitNotices } from './notices.js';
import { invalid, OpdError } from '../errors.js';
import { type DoctorRecord, isRetiredAt, type SlotRecord, type TokenRecord } from '../model/records.js';
import type { ChangeSet, Decision, DoctorSnapshot, LoadRequest, PatientLoad, PatientToken } from '../model/snapshot.js';
import { isLiveStatus } from '../model/status.js';
import { type CoreConfig, type DuplicateExceptionRule, readsPatientTokens } from './config.js';
import { holdEnded } from '../model/claims.js';
import { addDays } from './followups.js';
import { NO_CHANGES, type DayWork, Workspace } from './workspace.js';

/**
 * A command of the scheduler, on validated input `I`, returning `R`. Both functions are pure:
 * `decide` may run again on a fresh snapshot (an adapter retries a unit that lost a race), and
 * may answer with a larger load request when the snapshot is not enough.
 */
export interface Command<I, R> {
  /** What the command must read, all of it for one doctor (locked while it decides). */
  load(input: I, now: number): LoadRequest;
  /** The changes and the result, or a request for more data; throws an `OpdError` to refuse. */
  decide(config: CoreConfig, snapshot: DoctorSnapshot, input: I, now: number): Decision<R>;
}

/** A workspace's changes (none when nothing changed) and the call's result. */
export function commit<R>(ws: Workspace, result: R): Decision<R> {
  // A unit that changed nothing may still find an estimate moved by time (a sweep): its notices.
  unitNotices(ws);
  return { kind: 'commit', changes: ws.changed ? ws.changes() : NO_CHANGES, result };
}

/** Everything a unit writes: first, with the `notify` option, the queue notices it causes (once), then its changes. */
export function unitChanges(ws: Workspace): ChangeSet {
  unitNotices(ws);
  return ws.changes();
}

/** Nothing to change; only a result. */
export function unchanged<R>(result: R): Decision<R> {
  return { kind: 'commit', changes: NO_CHANGES, result };
}

/** `DEPARTMENT_NOT_FOUND` for `department`: no doctor of the facility is in it. */
export function departmentNotFound(department: string | null | undefined): OpdError {
  return new OpdError('DEPARTMENT_NOT_FOUND', `Department \`${department ?? ''}\` has no doctor`, { details: { field: 'department', department } });
}

/** `DOCTOR_NOT_FOUND` for `doctorId`; `field` is what the request named it by. */
export function doctorNotFound(doctorId: string, field = 'doctorId'): OpdError {
  return new OpdError('DOCTOR_NOT_FOUND', `Doctor \`${doctorId}\` does not exist`, { details: { field, doctorId } });
}

/**
 * `DOCTOR_RETIRED` for a doctor retired from `doctor.retiredFrom`; `field` is what the request
 * named the doctor (or the instant) by.
 */
export function doctorRetired(doctor: DoctorRecord, field = 'doctorId'): OpdError {
  const from = new Date(doctor.retiredFrom ?? 0).toISOString();
  return new OpdError('DOCTOR_RETIRED', `Doctor \`${doctor.id}\` is retired from ${from}`, { details: { field, doctorId: doctor.id, retiredFrom: from } });
}

/**
 * The rule "does a retired doctor take this request" for a booking, a hold or a move's target:
 * refused (`DOCTOR_RETIRED`) when the earliest instant the request could be placed at — now, its
 * `after`, the start of its `date`, the start of the slot it names — is at or after the doctor's
 * retirement ({@link isRetiredAt}). A request that may still be placed before it is left to the
 * booking rules (the slots from the retirement on are closed).
 */
export function refuseRetiredRequest(
  config: CoreConfig,
  snapshot: DoctorSnapshot,
  doctor: DoctorRecord,
  request: SlotRequest,
  now: number,
  prefix: '' | 'to.' = '',
): void {
  if (doctor.retiredFrom === undefined || doctor.retiredFrom === null) return;
  let from = Math.max(now, request.after ?? now);
  if (request.date !== undefined) from = Math.max(from, config.dayStart(request.date));
  const slot = request.slotId === undefined ? undefined : snapshot.slots.get(request.slotId);
  if (slot !== undefined && slot.doctorId === doctor.id) from = Math.max(from, slot.start);
  if (isRetiredAt(doctor, from)) throw doctorRetired(doctor, prefix === '' ? 'doctorId' : 'to.doctorId');
}

/**
 * The rule "does a retired doctor take this slot" for a slot added or reopened: refused
 * (`DOCTOR_RETIRED`) when it ends after the doctor's retirement, so that no place of the doctor
 * lies past it.
 */
export function refuseRetiredSlot(doctor: DoctorRecord, slot: { readonly end: number }, field: string): void {
  if (isRetiredAt(doctor, slot.end - 1)) throw doctorRetired(doctor, field);
}

/**
 * `DUPLICATE_BOOKING`: the patient already holds live token `held.token` (named by its id, doctor
 * and day, never by the patient) — the same day within the rule's scope (`reason: 'same-day'`), or
 * as many live tokens as the cap allows (`reason: 'max-active'`). `field` is what the request named
 * the patient by.
 */
export function duplicateBooking(config: CoreConfig, held: HeldToken, field: 'patient.id' | 'tokenId', ofDepartment = false): OpdError {
  const { token, reason } = held;
  const scope = config.duplicates?.scope ?? 'doctor-day';
  const details = { field, tokenId: token.id, doctorId: token.doctorId, day: token.day, scope, reason };
  if (reason === 'max-active') {
    const max = config.duplicates?.maxActivePerPatient ?? 0;
    return new OpdError(
      'DUPLICATE_BOOKING',
      `The patient already holds ${String(max)} live token${max === 1 ? '' : 's'} (the most allowed), the first \`${token.id}\` with doctor \`${token.doctorId}\` on ${token.day}`,
      {
        details: { ...details, maxActivePerPatient: max },
      },
    );
  }
  const doctor =
    ofDepartment || scope !== 'doctor-day' ? `doctor \`${token.doctorId}\` of the ${scope === 'facility-day' ? 'facility' : 'department'}` : 'this doctor';
  return new OpdError('DUPLICATE_BOOKING', `The patient already holds live token \`${token.id}\` with ${doctor} on ${token.day}`, { details });
}

/** What the duplicate rule is asked about: the place a request would give the patient. */
export interface DuplicateRequest {
  /** The doctor the token would be with. */
  readonly doctor: DoctorRecord;
  /** The day of the place. */
  readonly day: string;
  /** The request's category. */
  readonly category: string;
  /** The patient's tokens across doctors and days, when the unit read them (`DoctorSnapshot.patientTokens`). */
  readonly patientTokens: readonly PatientToken[] | undefined;
}

/** A live token the duplicate rule counts against a request, and which part of the rule it breaks. */
export interface HeldToken {
  readonly token: TokenRecord;
  /** `'same-day'`: another live token that day within the scope; `'max-active'`: the cap is reached. */
  readonly reason: 'same-day' | 'max-active';
}

/**
 * The rule "does the patient already hold a token": the live token that the duplicate rules
 * (`CoreConfig.duplicates`) count against patient `patientId` for `request`, as the unit sees
 * it — a hold that has ended at `now` is none, nor is the token `except` (a token being moved) —
 * or `undefined` when the request may go ahead (no rule, no patient id, an exception applies).
 *
 * - **Same day** (`scope`): a live token the same day with the requested doctor (`'doctor-day'`),
 *   with any doctor of its department (`'department-day'`; a doctor without one is a department
 *   of its own), or with any doctor (`'facility-day'`), unless an exception applies.
 * - **Cap** (`maxActivePerPatient`): the patient's live tokens of today and later with the doctors
 *   the scope reaches (the same doctor, its department, the facility) number the cap already.
 *   Exceptions do not lift the cap.
 *
 * `days` are the unit's working copies of doctor-days of the requested doctor or of colleagues of
 * its department (they carry the unit's own changes and take precedence over what was read of the
 * same doctor-days in `request.patientTokens`). Without `request` (a unit that keeps the patient's
 * token, such as a leave), the same-day rule within `days` only. A doctor-day rule without
 * exceptions or cap answers from the days' index ({@link DayWork.liveTokenOf}): the first with the
 * lowest number.
 */
export function heldToken(
  config: CoreConfig,
  now: number,
  days: readonly DayWork[],
  patientId: string | undefined,
  except?: string,
  request?: DuplicateRequest,
): HeldToken | undefined {
  const rules = config.duplicates;
  if (rules === null || patientId === undefined) return undefined;
  const wide = readsPatientTokens(rules);
  if (request === undefined || (!wide && rules.exceptions.length === 0)) {
    for (const work of days) {
      const held = work.liveTokenOf(patientId, now, except);
      if (held !== undefined) return { token: held, reason: 'same-day' };
    }
    return undefined;
  }
  if (wide && request.patientTokens === undefined) {
    throw new OpdError('STORAGE_FAILURE', "A unit under the duplicate rules did not read the patient's tokens (an adapter without `patientTokens`?)", {
      details: { field: 'storage' },
    });
  }
  const { doctor, day } = request;
  const department = doctor.department ?? null;
  // The patient's tokens as the unit sees them: its own doctor-days, then what was read of others.
  const mine: PatientToken[] = [];
  const covered = new Set<string>();
  for (const work of days) {
    covered.add(`${work.record.doctorId}\u0000${work.day}`);
    for (const token of work.tokensOf(patientId)) mine.push({ token, department });
  }
  for (const entry of request.patientTokens ?? []) {
    if (!covered.has(`${entry.token.doctorId}\u0000${entry.token.day}`)) mine.push(entry);
  }
  const inScope = (entry: PatientToken): boolean =>
    rules.scope === 'facility-day' ||
    entry.token.doctorId === doctor.id ||
    (rules.scope === 'department-day' && department !== null && entry.department === department);
  const counts = (entry: PatientToken): boolean =>
    isLiveStatus(entry.token.status) && entry.token.id !== except && !holdEnded(entry.token, now) && inScope(entry);
  const first = (entries: readonly PatientToken[]): TokenRecord =>
    entries
      .map((e) => e.token)
      .sort((a, b) =>
        a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.doctorId !== b.doctorId ? (a.doctorId < b.doctorId ? -1 : 1) : a.tokenNumber - b.tokenNumber,
      )[0]!;
  const sameDay = mine.filter((e) => e.token.day === day && counts(e));
  if (
    sameDay.length > 0 &&
    !excepted(rules.exceptions, request, department, () => mine.some((e) => e.token.day === day && e.token.status === 'COMPLETED' && inScope(e)))
  ) {
    return { token: first(sameDay), reason: 'same-day' };
  }
  const max = rules.maxActivePerPatient;
  if (max !== null) {
    const today = config.dayOf(now);
    const active = mine.filter((e) => e.token.day >= today && counts(e));
    if (active.length >= max) return { token: first(active), reason: 'max-active' };
  }
  return undefined;
}

/** Whether an exception lifts the same-day rule for `request`: one whose every stated condition holds. */
function excepted(
  exceptions: readonly DuplicateExceptionRule[],
  request: DuplicateRequest,
  department: string | null,
  completedSameDay: () => boolean,
): boolean {
  return exceptions.some(
    (x) =>
      (x.categories === null || x.categories.has(request.category)) &&
      (x.departments === null || (department !== null && x.departments.has(department))) &&
      (!x.afterCompletedSameDay || completedSameDay()),
  );
}

/**
 * The duplicate rules: refuses (`DUPLICATE_BOOKING`) a request the patient's tokens rule out
 * ({@link heldToken}). `field` is what the request named the patient by.
 */
export function guardDuplicate(
  config: CoreConfig,
  now: number,
  days: readonly DayWork[],
  patientId: string | undefined,
  field: 'patient.id' | 'tokenId',
  except?: string,
  request?: DuplicateRequest,
): void {
  const held = heldToken(config, now, days, patientId, except, request);
  if (held !== undefined) throw duplicateBooking(config, held, field, days.length > 1);
}

/**
 * The patient part of a unit's load request under the duplicate rules: the patient's tokens from
 * today on, when the rules reach beyond one doctor-day (see `readsPatientTokens`); with free
 * revisits (the option `followUps`), from the first day a charged visit's window may still be open
 * (the patient's lock then also keeps two bookings from using one entitlement twice); else none.
 */
export function patientLoad(config: CoreConfig, patientId: string | undefined, now: number): PatientLoad | undefined {
  const free = config.followUps;
  if (patientId === undefined || (!readsPatientTokens(config.duplicates) && free === undefined)) return undefined;
  const today = config.dayOf(now);
  // Free revisits read the charged visits whose window may still be open.
  return { id: patientId, fromDay: free === undefined ? today : addDays(today, -free.freeWithinDays) };
}

/** The `patient` part of a load request: `{ patient }`, or nothing (no key) without one. */
export function patientPart(patient: PatientLoad | undefined): { readonly patient?: PatientLoad } {
  return patient === undefined ? {} : { patient };
}

/**
 * `CONFLICT` when the patient whose tokens the unit read is not the token's patient any more (its
 * patient data changed between the shell's read and the unit): the call may be tried again.
 */
export function refuseOtherPatient(command: { readonly patientLoad?: PatientLoad | undefined }, token: TokenRecord): void {
  if (command.patientLoad !== undefined && command.patientLoad.id !== token.patient.id) {
    throw new OpdError('CONFLICT', `The patient of token \`${token.id}\` changed during the call: try again`, { details: { tokenId: token.id } });
  }
}

/** `TOKEN_NOT_FOUND` for `tokenId`; `field` is what the request named it by. */
export function tokenNotFound(tokenId: string, field = 'tokenId'): OpdError {
  return new OpdError('TOKEN_NOT_FOUND', `Token \`${tokenId}\` does not exist`, { details: { field, tokenId } });
}

/**
 * `SLOT_NOT_FOUND` for `slotId`; `field` is what the request named it by, `doctorId` the doctor
 * it was asked of, when one was.
 */
export function slotNotFound(slotId: string, field = 'slotId', doctorId?: string): OpdError {
  if (doctorId === undefined) return new OpdError('SLOT_NOT_FOUND', `Slot \`${slotId}\` does not exist`, { details: { field, slotId } });
  return new OpdError('SLOT_NOT_FOUND', `Slot \`${slotId}\` does not exist for doctor \`${doctorId}\``, { details: { field, slotId, doctorId } });
}

/** A request that may name its slot (a booking, a hold, a move's target), in the words of its errors. */
export interface SlotRequest {
  readonly doctorId: string;
  readonly slotId: string | undefined;
  readonly date: string | undefined;
  readonly after: number | undefined;
}

/**
 * The rule "is the requested slot valid": the slot `request.slotId` names is one of its doctor's,
 * on its `date` and not starting before its `after` when they are given, open, and not ended
 * (`SLOT_NOT_FOUND`, `VALIDATION_FAILED`, `SLOT_CLOSED`, `SLOT_ENDED`). `prefix` is how the
 * request's fields are named in errors: `''` for a booking, `'to.'` for a move.
 */
export function requestedSlot(snapshot: DoctorSnapshot, request: SlotRequest, now: number, prefix: '' | 'to.' = ''): SlotRecord {
  const slotId = request.slotId ?? '';
  const slot = snapshot.slots.get(slotId);
  if (slot === undefined || slot.doctorId !== request.doctorId) throw slotNotFound(slotId, `${prefix}slotId`, request.doctorId);
  if (request.date !== undefined && slot.day !== request.date) {
    throw invalid(`${prefix}date`, `Slot \`${slot.id}\` is on ${slot.day}, not on the requested date ${request.date}`, { slotId: slot.id });
  }
  if (request.after !== undefined && slot.start < request.after) {
    throw invalid(`${prefix}after`, `Slot \`${slot.id}\` starts before the requested \`after\``, { slotId: slot.id });
  }
  refuseClosedOrEnded(slot, now, `${prefix}slotId`);
  return slot;
}

/** A slot as loaded by `{ slotId }`: its day's working copy and its index there. */
export interface LoadedSlot {
  readonly work: DayWork;
  readonly index: number;
  readonly slot: SlotRecord;
}

/** The slot a `{ slotId }` load found, in its day's working copy. */
export function loadedSlot(ws: Workspace, slotId: string): LoadedSlot {
  const slot = ws.snapshot.slots.get(slotId);
  if (slot === undefined || ws.doctor === undefined) throw slotNotFound(slotId);
  const work = ws.day(slot.day);
  const index = work.indexOf(slotId);
  if (index < 0) throw slotNotFound(slotId);
  return { work, index, slot: work.slot(index) };
}

/** Refuses a command on a closed slot or one that has ended; `field` names the input that named the slot. */
export function refuseClosedOrEnded(slot: SlotRecord, now: number, field = 'slotId'): void {
  if (slot.status === 'CLOSED') {
    throw new OpdError('SLOT_CLOSED', `Slot \`${slot.id}\` is closed`, { details: { field, slotId: slot.id } });
  }
  if (slot.end <= now) {
    throw new OpdError('SLOT_ENDED', `Slot \`${slot.id}\` has ended`, { details: { field, slotId: slot.id } });
  }
}

/**
 * The changes of a unit over several doctors: the records of both workspaces (each of one
 * doctor), and the events of `first` then of `second`, in that causal order.
 */
export function mergeChanges(first: ChangeSet, second: ChangeSet): ChangeSet {
  return {
    doctor: first.doctor ?? second.doctor,
    updatedDoctor: first.updatedDoctor ?? second.updatedDoctor,
    newSlots: [...first.newSlots, ...second.newSlots],
    updatedSlots: [...first.updatedSlots, ...second.updatedSlots],
    newTokens: [...first.newTokens, ...second.newTokens],
    updatedTokens: [...first.updatedTokens, ...second.updatedTokens],
    days: [...first.days, ...second.days],
    idempotency: first.idempotency ?? second.idempotency,
    guardDuplicates: first.guardDuplicates === true || second.guardDuplicates === true,
    events: [...first.events, ...second.events],
  };
}
