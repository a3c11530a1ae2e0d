import { invalid } from '../errors.js';
import { describe } from '../time.js';
import type { TokenStatus } from '../types.js';

/**
 * Every FHIR R4 `AppointmentStatus` code (value set `http://hl7.org/fhir/appointmentstatus`).
 * Token statuses map onto some of them; see {@link FHIR_APPOINTMENT_STATUS}.
 */
export type FhirAppointmentStatus =
  'proposed' | 'pending' | 'booked' | 'arrived' | 'fulfilled' | 'cancelled' | 'noshow' | 'entered-in-error' | 'checked-in' | 'waitlist';

/**
 * Token status → FHIR `AppointmentStatus`. A patient in consultation is `checked-in`: FHIR's
 * `arrived` means still waiting, and the consultation itself is an `Encounter`. A hold awaiting
 * confirmation is `pending`.
 */
export const FHIR_APPOINTMENT_STATUS: Readonly<Record<TokenStatus, FhirAppointmentStatus>> = Object.freeze({
  BOOKED: 'booked',
  WAITLISTED: 'waitlist',
  CHECKED_IN: 'checked-in',
  IN_CONSULTATION: 'checked-in',
  COMPLETED: 'fulfilled',
  CANCELLED: 'cancelled',
  DROPPED: 'cancelled',
  NO_SHOW: 'noshow',
  HELD: 'pending',
});

/**
 * The FHIR `Appointment.status` of a token status, for exchanging appointments with other
 * systems (ABDM, HL7 FHIR servers).
 *
 * @throws OpdError `VALIDATION_FAILED` for a value that is not a token status
 *
 * @example
 * ```ts
 * import { toFhirAppointmentStatus } from 'opd-scheduler';
 *
 * toFhirAppointmentStatus('IN_CONSULTATION'); // 'checked-in'
 * ```
 */
export function toFhirAppointmentStatus(status: TokenStatus): FhirAppointmentStatus {
  if (typeof status !== 'string') throw invalid('status', `Unknown token status: expected a string, got ${describe(status)}`);
  const code = Object.hasOwn(FHIR_APPOINTMENT_STATUS, status) ? FHIR_APPOINTMENT_STATUS[status] : undefined;
  if (code === undefined) throw invalid('status', 'Unknown token status', { status: status.slice(0, 40) });
  return code;
}
