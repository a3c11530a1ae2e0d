import { invalid } from './errors.js';
import type { TokenStatus } from './types.js';

/** The FHIR R4/R5 `Appointment.status` codes a token status maps onto. */
export type FhirAppointmentStatus = 'booked' | 'waitlist' | 'checked-in' | 'arrived' | 'fulfilled' | 'cancelled' | 'noshow';

/** Token status → FHIR `AppointmentStatus`. */
export const FHIR_APPOINTMENT_STATUS: Readonly<Record<TokenStatus, FhirAppointmentStatus>> = Object.freeze({
  BOOKED: 'booked',
  WAITLISTED: 'waitlist',
  CHECKED_IN: 'checked-in',
  IN_CONSULTATION: 'arrived',
  COMPLETED: 'fulfilled',
  CANCELLED: 'cancelled',
  DROPPED: 'cancelled',
  NO_SHOW: 'noshow',
});

/**
 * The FHIR `Appointment.status` of a token status, for exchanging appointments with other
 * systems (ABDM, HL7 FHIR servers).
 *
 * @throws OpdError `VALIDATION_FAILED` for a value that is not a token status
 *
 * @example
 * ```ts
 * toFhirAppointmentStatus('IN_CONSULTATION'); // 'arrived'
 * ```
 */
export function toFhirAppointmentStatus(status: TokenStatus): FhirAppointmentStatus {
  const code = FHIR_APPOINTMENT_STATUS[status];
  if (code === undefined) throw invalid('status', 'Unknown token status', { status: String(status) });
  return code;
}
