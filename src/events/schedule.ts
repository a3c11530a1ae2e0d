/** Events of the schedule itself (slots, doctors) and of patient data. */
import type { Doctor } from '../types.js';
import type { OpdEventBase, TokenEventBase } from './base.js';

/** The leave (`closeSlots`) a slot was closed by, as `slot:closed` records it. */
export interface SlotLeave {
  /** The start of the leave, as an ISO 8601 instant. */
  readonly from: string;
  /** Its end, as an ISO 8601 instant. */
  readonly to: string;
  /** `'department'` when displaced patients were reassigned to colleagues, else `null`. */
  readonly reassign: 'department' | null;
}

/** A slot was closed; the fate of each displaced token follows. */
export interface SlotClosedEvent extends OpdEventBase<'slot:closed'> {
  /** The slot. */
  readonly slotId: string;
  /** Its local date. */
  readonly day: string;
  /** The reason given, or `null`. */
  readonly reason: string | null;
  /**
   * The leave that closed it (a doctor's `closeSlots`, or a retirement), or `null` for
   * `closeSlot`. Absent in events stored before leaves were recorded.
   */
  readonly leave?: SlotLeave | null | undefined;
}

/**
 * A closed slot was reopened (it had been closed by mistake); promotions into it follow.
 * Patients displaced when it closed are not brought back.
 */
export interface SlotReopenedEvent extends OpdEventBase<'slot:reopened'> {
  /** The slot. */
  readonly slotId: string;
  /** Its local date. */
  readonly day: string;
}

/** A slot's capacity changed; promotions or the fate of each displaced token follow. */
export interface SlotCapacityChangedEvent extends OpdEventBase<'slot:capacity-changed'> {
  /** The slot. */
  readonly slotId: string;
  /** Its local date. */
  readonly day: string;
  /** The capacity before. */
  readonly previousCapacity: number;
  /** The capacity now. */
  readonly capacity: number;
}

/** The fields of a doctor that {@link opd-scheduler!OpdScheduler.updateDoctor} changes. */
export type DoctorField = 'name' | 'specialization' | 'department' | 'room' | 'consultMinutes' | 'system' | 'specialist';

/** One changed field of a doctor: its value before and after. */
export interface DoctorFieldChange<T> {
  /** The value before the change. */
  readonly before: T;
  /** The value after the change. */
  readonly after: T;
}

/** The fields a `doctor:updated` changed, each with its value before and after; the others are absent. */
export type DoctorChanges = { readonly [K in DoctorField]?: DoctorFieldChange<Doctor[K]> };

/** A doctor's name, specialization, department, room or minutes per consultation changed. */
export interface DoctorUpdatedEvent extends OpdEventBase<'doctor:updated'> {
  /** The fields that changed (at least one), each with its value before and after. */
  readonly changes: DoctorChanges;
}

/**
 * A doctor retired: from `retiredFrom` on, the doctor takes no booking, hold or new slot. The
 * `slot:closed` of each slot it closed, and the fate of each displaced token, follow.
 */
export interface DoctorRetiredEvent extends OpdEventBase<'doctor:retired'> {
  /** From when the doctor is retired. */
  readonly retiredFrom: Date;
  /** The reason given, or `null`. */
  readonly reason: string | null;
  /** Where displaced patients were sent: `'department'` to colleagues, or `null` (the doctor's own rules). */
  readonly reassign: 'department' | null;
}

/**
 * The patient data of a token was erased: its `patient` (and that of the stored result of its
 * idempotency key) was replaced by the tombstone, by `erasePatient` or by `purge` under the
 * retention option. Carries no patient data; the token's id, number, day, status and times stay.
 */
export interface PatientErasedEvent extends TokenEventBase<'patient:erased'> {
  /** The reason given to `erasePatient`, or `null` (always `null` for a purge). */
  readonly reason: string | null;
  /** `'request'` for `erasePatient`, `'retention'` for `purge`. */
  readonly by: 'request' | 'retention';
}
