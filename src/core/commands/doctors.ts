/**
 * Managing a doctor: changing the details (name, specialization, department, room, minutes per
 * consultation) and retiring the doctor, which closes the slots from the retirement on as a leave
 * closes them.
 */
import type { DoctorChanges, DoctorField } from '../../events.js';
import { toDoctor } from '../../model/convert.js';
import { fixedDate } from '../../model/instant.js';
import { type DoctorPatch, patchDoctor } from '../../model/make.js';
import type { DoctorRecord } from '../../model/records.js';
import type { LoadRequest } from '../../model/snapshot.js';
import type { Doctor, RetireResult } from '../../types.js';
import { type Command, doctorNotFound, doctorRetired } from '../command.js';
import * as ev from '../events.js';
import { NO_CHANGES } from '../workspace.js';
import { type CloseSlotsInput, closeSlots } from './close-slots.js';

/** The fields of a doctor an update may change, as parsed: only those given. */
export type DoctorFieldsPatch = Pick<DoctorPatch, DoctorField>;

/** A doctor's update: the doctor and the fields given. */
export interface UpdateDoctorInput {
  readonly doctorId: string;
  readonly patch: DoctorFieldsPatch;
}

/** The order fields are compared and reported in. */
const FIELDS: readonly DoctorField[] = ['name', 'specialization', 'department', 'room', 'consultMinutes', 'system', 'specialist'];

/**
 * Changes a doctor's details. Only the fields whose value differs are changed and reported (before
 * and after) in `doctor:updated`; a patch that changes nothing writes and emits nothing. Estimates
 * follow a new `consultMinutes` at once: every view computes them from the doctor as stored. A new
 * department counts for every unit over the department that starts after the change commits (its
 * members are read when such a unit starts, under the locks of every member, this doctor's too).
 */
export const updateDoctor: Command<UpdateDoctorInput, Doctor> = {
  load: ({ doctorId }) => ({ doctorId }),
  decide(config, snapshot, { doctorId, patch }, now) {
    const doctor = snapshot.doctor;
    if (doctor === undefined) throw doctorNotFound(doctorId);
    const before = toDoctor(doctor);
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    const changed: Record<string, unknown> = {};
    for (const field of FIELDS) {
      const after = patch[field];
      if (after === undefined || after === before[field]) continue;
      changes[field] = Object.freeze({ before: before[field], after });
      changed[field] = after;
    }
    if (Object.keys(changed).length === 0) return { kind: 'commit', changes: NO_CHANGES, result: before };
    const updated = patchDoctor(doctor, changed as DoctorPatch);
    const sink = { events: [] as unknown[], nowDate: fixedDate(now), facilityId: config.facilityId };
    const event = ev.doctorUpdated(sink, doctor.id, Object.freeze(changes) as DoctorChanges);
    return { kind: 'commit', changes: { ...NO_CHANGES, updatedDoctor: updated, events: [event] }, result: toDoctor(updated) };
  },
};

/** A doctor's retirement: the doctor, from when, why, and the department to reassign within (or `null`). */
export interface RetireDoctorInput {
  readonly doctorId: string;
  /** Epoch milliseconds. */
  readonly from: number;
  readonly reason: string | null;
  /** The doctor's department when displaced patients go to colleagues (`reassign: 'department'`), else `null`. */
  readonly department: string | null;
}

/**
 * Retires a doctor from `from`: every open slot of the doctor that has not ended and ends after
 * `from` closes as a leave over `[from, the end of the doctor's last slot)` closes it
 * ({@link closeSlots}, its rules called, not restated: each displaced patient moved once, to a
 * colleague with `department`, else the waitlist or a drop on their own day, since the doctor has
 * no place left after `from`), and the doctor record keeps `retiredFrom`, so that no booking, hold
 * or slot reaches past it. Refused with `DOCTOR_RETIRED` for a doctor already retired, changing
 * nothing.
 */
export const retireDoctor: Command<RetireDoctorInput, RetireResult> = {
  load: ({ doctorId, from, department }): LoadRequest => ({
    doctorId,
    schedule: { from },
    ...(department === null ? {} : { department: { name: department, each: {} } }),
  }),
  decide(config, snapshot, input, now) {
    const doctor = snapshot.doctor;
    if (doctor === undefined) throw doctorNotFound(input.doctorId);
    if (doctor.retiredFrom !== undefined && doctor.retiredFrom !== null) throw doctorRetired(doctor, 'doctorId');
    const decision = closeSlots.decide(config, snapshot, leaveOf(input, snapshot.schedule), now);
    if (decision.kind === 'load') return decision;
    const retired: DoctorRecord = patchDoctor(doctor, { retiredFrom: input.from, retiredReason: input.reason });
    const sink = { events: [] as unknown[], nowDate: fixedDate(now), facilityId: config.facilityId };
    const event = ev.doctorRetired(sink, doctor.id, input.from, input.reason, input.department === null ? null : 'department');
    const closed = decision.changes;
    return {
      kind: 'commit',
      changes: { ...closed, updatedDoctor: retired, events: [event, ...closed.events] },
      result: { doctor: toDoctor(retired), effects: [event, ...decision.result] },
    };
  },
};

/**
 * The leave a retirement is: from `from` to the end of the doctor's last slot that ends after it
 * (as the schedule read shows it; the window is the same on every read of the unit), with no
 * horizon past it.
 */
function leaveOf(
  { doctorId, from, reason, department }: RetireDoctorInput,
  schedule: readonly { readonly slot: { readonly end: number } }[] | undefined,
): CloseSlotsInput {
  let to = from + 1;
  for (const { slot } of schedule ?? []) to = Math.max(to, slot.end);
  return { doctorId, from, to, reason, department, horizonEnd: to };
}
