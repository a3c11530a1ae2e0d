// FHIR R4 for the scheduler's tokens, slots and doctors, by job: the status mapping, the resource
// types, ids and references, reading inputs, the Appointment, and the Slot and Schedule.
export { FHIR_APPOINTMENT_STATUS, toFhirAppointmentStatus, type FhirAppointmentStatus } from './status.js';
export { toFhirId } from './references.js';
export { toFhirAppointment, toFhirOffer } from './appointment.js';
export { toFhirSchedule, toFhirSlot } from './slot.js';
export type {
  FhirAppointment,
  FhirAppointmentContext,
  FhirAppointmentParticipant,
  FhirCodeableConcept,
  FhirCoding,
  FhirMeta,
  FhirIdentifier,
  FhirOptions,
  FhirPeriod,
  FhirReference,
  FhirSchedule,
  FhirSlot,
  FhirSlotOptions,
} from './resources.js';
