/**
 * Standard booking over FHIR R4 (`opd-scheduler/fhir`): the IHE ITI Scheduling operations
 * `Appointment/$find`, `$hold` and `$book` with a cancel, and a SMART Scheduling Links
 * `$bulk-publish` feed — each answered by the scheduler's own booking rules.
 *
 * @module
 */
export { bookAppointment, cancelAppointment, findAppointments, holdAppointment } from './booking.js';
export { fromFhirId } from './references.js';
export { fhirOutcomeStatus, toOperationOutcome } from './outcome.js';
export { DEFAULT_HOLD_MINUTES } from './booking-types.js';
export type {
  BookAppointmentOptions,
  CancelAppointmentOptions,
  FhirChannelReader,
  FhirOperationOutcome,
  FhirOperationOutcomeIssue,
  FhirProposedAppointment,
  FhirSearchBundle,
  FindAppointmentsOptions,
  FindAppointmentsParams,
  HoldAppointmentOptions,
} from './booking-types.js';
export { capabilityStatement, type CapabilityStatementOptions, type FhirCapabilityOperation, type FhirCapabilityStatement } from './capability.js';
export { bulkPublish } from './publish.js';
export { SMART_SCHEDULING_EXTENSIONS } from './publish-types.js';
export type {
  BulkPublication,
  BulkPublishFile,
  BulkPublishLocation,
  BulkPublishManifest,
  BulkPublishOptions,
  BulkPublishOutput,
  BulkPublishResourceType,
  FhirAddress,
  FhirContactPoint,
  FhirHealthcareService,
  FhirLocation,
  FhirPosition,
  FhirPractitionerRole,
  FhirPublishedSlot,
  FhirSlotExtension,
} from './publish-types.js';
