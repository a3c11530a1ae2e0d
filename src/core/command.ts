/**
 * The shape of every command: what it reads (`load`) and what it decides on what it read
 * (`decide`). The scheduler runs any command with one method; adding a command is one file
 * under `commands/` and one line of wiring in the scheduler.
 */
import { invalid, OpdError } from '../errors.js';
import { type DoctorRecord, isRetiredAt, type SlotRecord, type TokenRecord } from '../model/records.js';
import type { ChangeSet, Decision, DoctorSnapshot, LoadRequest } from '../model/snapshot.js';
import type { CoreConfig } from './config.js';
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
  ws.notices();
  return { kind: 'commit', changes: ws.changed ? ws.changes() : NO_CHANGES, result };
}

/** Nothing to change; only a result. */
export function unchanged<R>(result: R): Decision<R> {
  return { kind: 'commit', changes: NO_CHANGES, result };
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
export function refuseRetiredRequest(config: CoreConfig, snapshot: DoctorSnapshot, doctor: DoctorRecord, request: SlotRequest, now: number, prefix: '' | 'to.' = ''): void {
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
 * `DUPLICATE_BOOKING`: the patient already holds live token `held` (named by its id, doctor and
 * day, never by the patient). `field` is what the request named the patient by.
 */
export function duplicateBooking(held: TokenRecord, field: 'patient.id' | 'tokenId', ofDepartment = false): OpdError {
  const doctor = ofDepartment ? `doctor \`${held.doctorId}\` of the department` : 'this doctor';
  return new OpdError('DUPLICATE_BOOKING', `The patient already holds live token \`${held.id}\` with ${doctor} on ${held.day}`, {
    details: { field, tokenId: held.id, doctorId: held.doctorId, day: held.day },
  });
}

/**
 * The rule "does the patient already hold a token here": the live token of the given doctor-days
 * (one doctor's, or each doctor's of a department) that the duplicate-booking rule counts against
 * patient `patientId`, as the unit sees them — a hold that has ended at `now` is none, nor is the
 * token `except` (a token being moved) — the first with the lowest number; none when duplicates
 * are allowed or the patient has no id.
 */
export function heldToken(config: CoreConfig, now: number, days: readonly DayWork[], patientId: string | undefined, except?: string): TokenRecord | undefined {
  if (config.allowDuplicateBookings || patientId === undefined) return undefined;
  for (const work of days) {
    const held = work.liveTokenOf(patientId, now, except);
    if (held !== undefined) return held;
  }
  return undefined;
}

/**
 * The duplicate-booking rule: refuses (`DUPLICATE_BOOKING`) a patient who already holds a token in
 * `days` ({@link heldToken}). `field` is what the request named the patient by.
 */
export function guardDuplicate(config: CoreConfig, now: number, days: readonly DayWork[], patientId: string | undefined, field: 'patient.id' | 'tokenId', except?: string): void {
  const held = heldToken(config, now, days, patientId, except);
  if (held !== undefined) throw duplicateBooking(held, field, days.length > 1);
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
