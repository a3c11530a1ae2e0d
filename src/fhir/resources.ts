// The FHIR R4 resource types these functions write (a subset of R4), and the options of every
// conversion.
import type { Slot, SlotView } from '../types.js';
import type { FHIR_APPOINTMENT_STATUS, FhirAppointmentStatus } from './status.js';
import type { toFhirAppointment } from './appointment.js';
import type { toFhirId } from './references.js';
import type { toFhirSchedule, toFhirSlot } from './slot.js';

/**
 * A FHIR `Coding`: a code from a code system.
 *
 * @inline
 */
export interface FhirCoding {
  /** The code system, such as `http://terminology.hl7.org/CodeSystem/v2-0276`. */
  readonly system?: string | undefined;
  /** The code. */
  readonly code?: string | undefined;
  /** A human-readable label for the code. */
  readonly display?: string | undefined;
}

/**
 * A FHIR R4 `Meta` as the resources of the scheduler carry it: one tag, the facility the record
 * belongs to (system `<identifierSystem>facility`, the facility id as its code).
 *
 * @inline
 */
export interface FhirMeta {
  /** The facility's tag. */
  readonly tag: FhirCoding[];
}

/**
 * A FHIR `CodeableConcept`: codings and/or plain text.
 *
 * @inline
 */
export interface FhirCodeableConcept {
  /** Codes for the concept. */
  readonly coding?: FhirCoding[] | undefined;
  /** Plain text for the concept. */
  readonly text?: string | undefined;
}

/**
 * A FHIR `Identifier`: a business identifier within a namespace (`system`).
 *
 * @inline
 */
export interface FhirIdentifier {
  /** What the identifier is, in words or codes. */
  readonly type?: FhirCodeableConcept | undefined;
  /** The namespace of the value (a URI). */
  readonly system?: string | undefined;
  /** The value, unique within `system`. */
  readonly value?: string | undefined;
}

/**
 * A FHIR `Reference` to another resource: a literal `reference` (`Patient/123`, or an absolute
 * URL), a logical `identifier`, or both, with an optional `display` text.
 *
 * @inline
 */
export interface FhirReference {
  /** A literal reference, such as `Patient/123`. */
  readonly reference?: string | undefined;
  /** The type of the target, such as `Patient`. */
  readonly type?: string | undefined;
  /** A logical reference by business identifier. */
  readonly identifier?: FhirIdentifier | undefined;
  /** Text shown for the reference. */
  readonly display?: string | undefined;
}

/**
 * A FHIR `Period` with a start only: from then on.
 *
 * @inline
 */
export interface FhirPeriod {
  /** The start of the period. */
  readonly start: string;
}

/**
 * A participant of a FHIR `Appointment`.
 *
 * @inline
 */
export interface FhirAppointmentParticipant {
  /** Who takes part (a `Patient` or a `Practitioner`). */
  readonly actor: FhirReference;
  /** Whether the participant must attend. */
  readonly required: 'required';
  /**
   * The participant's own status: `accepted`, except the patient of an offer
   * ({@link toFhirOffer}), who has still to answer: `needs-action`.
   */
  readonly status: 'accepted' | 'needs-action';
}

/** A FHIR R4 `Appointment` resource, as {@link toFhirAppointment} (and {@link toFhirOffer}) writes it. */
export interface FhirAppointment {
  /** Always `Appointment`. */
  readonly resourceType: 'Appointment';
  /** The token id when it is a valid FHIR id (after escaping; see {@link toFhirId}); else omitted. */
  readonly id?: string;
  /** The facility of the record, as a tag (system `<identifierSystem>facility`, the facility id as its code). */
  readonly meta: FhirMeta;
  /** The token id (system `<identifierSystem>token`), the token number shown to the patient and, for an occurrence of a series, its number in it. */
  readonly identifier: FhirIdentifier[];
  /** The token's status, mapped by {@link FHIR_APPOINTMENT_STATUS}. */
  readonly status: FhirAppointmentStatus;
  /** Why the token was cancelled or dropped. */
  readonly cancelationReason?: FhirCodeableConcept;
  /** The request channel (HL7 v2 table 0276 where one fits, and the category as text). */
  readonly appointmentType: FhirCodeableConcept;
  /** The token's rank: lower is more urgent (FHIR: 0 is undefined, 1 the highest priority). */
  readonly priority?: number;
  /**
   * The orders a token that brings its patient back fulfils, each a `ServiceRequest` named by
   * identifier: its follow-up (system `<identifierSystem>follow-up`) and its series (system
   * `<identifierSystem>series`). Omitted for every other token.
   */
  readonly basedOn?: FhirReference[];
  /** When the patient is expected: the estimated start of the consultation, else the slot's start. */
  readonly start?: string;
  /** The end of the slot. */
  readonly end?: string;
  /** The slot holding the token's place (or the one it waits for). */
  readonly slot?: FhirReference[];
  /** When the token was requested. */
  readonly created: string;
  /** For a follow-up's token, the visit it follows: that visit's Appointment (by its token id). */
  readonly supportingInformation?: FhirReference[];
  /** The earliest time the patient may be given a place, for waitlisted tokens. */
  readonly requestedPeriod?: FhirPeriod[];
  /** Of an offer ({@link toFhirOffer}): until when it may be accepted, in words. */
  readonly comment?: string;
  /** The doctor and, when the caller gives one, the patient (as a reference only). */
  readonly participant: FhirAppointmentParticipant[];
}

/** A FHIR R4 `Slot` resource, as {@link toFhirSlot} writes it. */
export interface FhirSlot {
  /** Always `Slot`. */
  readonly resourceType: 'Slot';
  /** The slot id when it is a valid FHIR id (after escaping); else omitted. */
  readonly id?: string;
  /** The facility of the record, as a tag (system `<identifierSystem>facility`, the facility id as its code). */
  readonly meta: FhirMeta;
  /** The slot id (system `<identifierSystem>slot`). */
  readonly identifier: FhirIdentifier[];
  /** The doctor's schedule. */
  readonly schedule: FhirReference;
  /** `free` with a free place, `busy` when full (`busy-tentative` when some places are only claimed), `busy-unavailable` when closed. */
  readonly status: 'free' | 'busy' | 'busy-tentative' | 'busy-unavailable';
  /** Start of the window. */
  readonly start: string;
  /** End of the window. */
  readonly end: string;
  /** Whether elastic places beyond the capacity are in use. */
  readonly overbooked: boolean;
  /** Places, capacity, elastic places and waitlist in words; the reason for a closure. */
  readonly comment: string;
}

/** A FHIR R4 `Schedule` resource, as {@link toFhirSchedule} writes it. */
export interface FhirSchedule {
  /** Always `Schedule`. */
  readonly resourceType: 'Schedule';
  /** The doctor id when it is a valid FHIR id (after escaping); else omitted. */
  readonly id?: string;
  /** The facility of the record, as a tag (system `<identifierSystem>facility`, the facility id as its code). */
  readonly meta: FhirMeta;
  /** The doctor id (system `<identifierSystem>doctor`). */
  readonly identifier: FhirIdentifier[];
  /** Always `true`: a doctor's schedule is in use. */
  readonly active: true;
  /** The doctor's department, as text (the service the schedule offers); omitted without one. */
  readonly serviceType?: FhirCodeableConcept[];
  /** The doctor's specialization, as text. */
  readonly specialty?: FhirCodeableConcept[];
  /** The doctor, as a `Practitioner` reference. */
  readonly actor: FhirReference[];
  /** For a retired doctor, the period the schedule covers: it ends when the doctor retired. Omitted otherwise. */
  readonly planningHorizon?: {
    /** When the schedule stops covering the doctor's time: the retirement (ISO 8601). */
    readonly end: string;
  };
  /** The doctor's name and specialization. */
  readonly comment: string;
}

/** Options of every FHIR conversion. */
export interface FhirOptions {
  /**
   * The namespace of the identifiers written (token, slot and doctor ids): `token`, `slot` or
   * `doctor` is appended (after a `/` unless it ends with `:` or `/`).
   * @defaultValue `'urn:opd-scheduler:'`
   */
  readonly identifierSystem?: string | undefined;
  /**
   * The doctor as a reference. By default `Practitioner/<doctor id>` (a logical reference by
   * identifier when the id is not a valid FHIR id).
   */
  readonly practitioner?: FhirReference | undefined;
}

/** Options of {@link toFhirSlot}. */
export interface FhirSlotOptions extends FhirOptions {
  /**
   * The instant the resource describes the slot at (usually the time now, or the scheduler's
   * `clock` when it has one): a slot that has ended by then is `busy-unavailable`, since nobody can take a
   * place in it any more. Without it the slot's status reads its places alone (a view does not
   * know the time), so a past slot with a free place is `free`.
   */
  readonly now?: Date | undefined;
}

/** Context of {@link toFhirAppointment}: what the token alone does not say. */
export interface FhirAppointmentContext extends FhirOptions {
  /**
   * The patient, as a reference into the caller's system (such as `{ reference: 'Patient/123' }`).
   * The token's own patient data is never written; without this the appointment names no patient.
   */
  readonly patient?: FhirReference | undefined;
  /**
   * The token's slot (a `Slot` or a `SlotView`, as `getSlot` returns), for the appointment's
   * start and end. FHIR requires them for every status but `proposed`, `cancelled` and
   * `waitlist` (invariant app-3), so pass it for tokens holding a place, and for a `NO_SHOW`
   * token (a `noshow` appointment) the slot it was marked a no-show in: the `slotId` of its
   * `token:no-show` event (the token itself no longer names a slot). Without it such a token is
   * refused, naming this field.
   */
  readonly slot?: Slot | SlotView | undefined;
}
