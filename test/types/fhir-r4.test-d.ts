// The resources the FHIR functions return are R4 resources as @types/fhir types them: a host
// that keeps its FHIR data in those types assigns ours without a cast, and passes its own R4
// references in.
import type { Appointment, Identifier, Reference, Schedule, Slot } from 'fhir/r4.js';
import {
  type FhirAppointment,
  type FhirAppointmentContext,
  type FhirOptions,
  type FhirSchedule,
  type FhirSlot,
  type SlotView,
  type Token,
  type Doctor,
  toFhirAppointment,
  toFhirSchedule,
  toFhirSlot,
} from 'opd-scheduler';
import { describe, expectTypeOf, it } from 'vitest';

describe('FHIR resources as @types/fhir R4 types', () => {
  it('every resource kind assigns to its R4 type', () => {
    expectTypeOf<FhirAppointment>().toExtend<Appointment>();
    expectTypeOf<FhirSlot>().toExtend<Slot>();
    expectTypeOf<FhirSchedule>().toExtend<Schedule>();
  });

  it('what the functions return assigns without a cast', () => {
    const token = {} as Token;
    const view = {} as SlotView;
    const doctor = {} as Doctor;
    const appointment: Appointment = toFhirAppointment(token, { slot: view });
    const slot: Slot = toFhirSlot(view, { now: new Date() });
    const schedule: Schedule = toFhirSchedule(doctor);
    // Their arrays are R4's own (mutable) arrays: a host may add to them.
    appointment.participant.push({ actor: { reference: 'Patient/1' }, status: 'accepted' });
    slot.identifier?.push({ system: 'urn:x', value: '1' });
    schedule.actor.push({ reference: 'Location/1' });
  });

  it('takes R4 references for the patient and the practitioner', () => {
    const patient: Reference = { reference: 'Patient/1', type: 'Patient', display: undefined };
    const practitioner: Reference = { identifier: { system: 'urn:x', value: 'd1' } satisfies Identifier };
    expectTypeOf(patient).toExtend<NonNullable<FhirAppointmentContext['patient']>>();
    expectTypeOf(practitioner).toExtend<NonNullable<FhirOptions['practitioner']>>();
  });
});
