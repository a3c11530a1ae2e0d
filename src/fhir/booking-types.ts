/** The types of IHE ITI Scheduling over the scheduler (`$find`, `$hold`, `$book`, cancel): their parameters, options and answers. */
import type { FhirCodeableConcept, FhirMeta, FhirOptions, FhirReference } from './resources.js';

/** The longest hold a `$hold` asks for, in minutes, unless told otherwise. */
export const DEFAULT_HOLD_MINUTES = 15;

/** An issue of a FHIR `OperationOutcome`. */
export interface FhirOperationOutcomeIssue {
  /** `fatal` when the operation could not be done at all (no place), else `error`. */
  readonly severity: 'fatal' | 'error' | 'warning' | 'information';
  /** The FHIR issue type (`not-found`, `invalid`, `conflict`, `duplicate`, `business-rule`, `transient`, `processing`, `informational`). */
  readonly code: string;
  /** The scheduler's error code (system `<identifierSystem>error`), and the reason in words. */
  readonly details?: FhirCodeableConcept;
  /** The error's message (never patient data). */
  readonly diagnostics?: string;
}

/** A FHIR R4 `OperationOutcome`: why an operation gave no resource, or why a search found nothing. */
export interface FhirOperationOutcome {
  /** Always `OperationOutcome`. */
  readonly resourceType: 'OperationOutcome';
  /** What went wrong, or why nothing was found. */
  readonly issue: readonly FhirOperationOutcomeIssue[];
}

/** A proposed Appointment of `$find`: a place a booking by the channel would get now. */
export interface FhirProposedAppointment {
  /** Always `Appointment`. */
  readonly resourceType: 'Appointment';
  /** The facility of the slot, as a tag. */
  readonly meta: FhirMeta;
  /** Always `proposed`. */
  readonly status: 'proposed';
  /** The channel (system `<identifierSystem>channel`), read back by `$hold` and `$book`. */
  readonly appointmentType: FhirCodeableConcept;
  /** The slot's start. */
  readonly start: string;
  /** The slot's end. */
  readonly end: string;
  /** The slot proposed. */
  readonly slot: readonly FhirReference[];
  /** When it was proposed. */
  readonly created: string;
  /** Places a booking by the channel would still get in the slot (`slot-capacity`), in words. */
  readonly comment: string;
  /** The patient asked for (`needs-action`), when given, and the doctor (`accepted`). */
  readonly participant: readonly {
    /** The patient or the doctor, as a reference. */
    readonly actor: FhirReference;
    /** Always `required`. */
    readonly required: 'required';
    /** The doctor's `accepted`; the patient's `needs-action` (the proposal awaits the booking). */
    readonly status: 'accepted' | 'needs-action';
  }[];
}

/** A FHIR R4 searchset `Bundle`: the proposals of `$find`, and an `OperationOutcome` when there are none. */
export interface FhirSearchBundle {
  /** Always `Bundle`. */
  readonly resourceType: 'Bundle';
  /** Always `searchset`. */
  readonly type: 'searchset';
  /** When the search was answered. */
  readonly timestamp: string;
  /** The number of proposals (over every date, for a series). */
  readonly total: number;
  /**
   * The proposals (`search.mode` `match`) and, when there are none, why (`outcome`); for the
   * dates of a series, the proposals of each date in turn, then why the dates without one have none.
   */
  readonly entry?: readonly {
    /** A proposed Appointment, or the `OperationOutcome` saying why there is none. */
    readonly resource: FhirProposedAppointment | FhirOperationOutcome;
    /** How the entry is in the result. */
    readonly search: {
      /** `match` for a proposal, `outcome` for the `OperationOutcome`. */
      readonly mode: 'match' | 'outcome';
    };
  }[];
}

/**
 * The parameters of `Appointment/$find` (IHE ITI-115), as strings (or lists of strings) of a
 * query, or as values. `start` and `end` are required.
 *
 * The dates of a series (an antenatal course, a dialysis chair three times a week) are asked in
 * one search by repeating `start` and `end` (`?start=…&end=…&start=…&end=…`, given here as lists
 * of equal length): the n-th `start` opens a window the n-th `end` closes, the windows in time
 * order, not overlapping, at most 52. Each window is answered as a search of its own would be
 * (`count` proposals at most, earliest first), one after the other in the Bundle; the windows
 * without a place are told in one `OperationOutcome` entry, an issue per window.
 */
export interface FindAppointmentsParams {
  /** The earliest start of a proposed appointment (an instant or a date); for a series, one per date. */
  readonly start: string | Date | readonly (string | Date)[];
  /** The latest start (exclusive); at most 62 days after `start`; for a series, one per date. */
  readonly end: string | Date | readonly (string | Date)[];
  /** Doctors of this specialization (a token: `code` or `system|code`, matched without case). */
  readonly specialty?: string | readonly string[] | undefined;
  /** These doctors: `Practitioner/<id>`, or the id (the FHIR id of the doctor, or the doctor id). */
  readonly practitioner?: string | readonly string[] | undefined;
  /** Doctors of this department (`service-type` of ITI-115; a token, matched without case). */
  readonly 'service-type'?: string | readonly string[] | undefined;
  /** Doctors of this facility: `Organization/<facility id>` or the facility id. */
  readonly organization?: string | readonly string[] | undefined;
  /** The patient (`Patient/<id>`): the duplicate rules then apply to them. */
  readonly patient?: string | undefined;
}

/** Options of {@link findAppointments}. */
export interface FindAppointmentsOptions extends FhirOptions {
  /** The channel asking (a category the priority policy knows, such as `'ONLINE'`). */
  readonly channel: string;
  /** Who asks (stamped nowhere: a search writes nothing; an exempt actor's window applies). */
  readonly actor?: string | undefined;
  /** At most this many proposals (ITI-115's `_count`), per date for a series. @defaultValue 100 */
  readonly count?: number | undefined;
}

/**
 * How the host reads a channel as the category to book (`HoldAppointmentOptions.readChannel`,
 * `BookAppointmentOptions.readChannel`): its spelling of categories (`walk-in` as `WALK_IN`), and
 * the channels it does not take over FHIR.
 *
 * @param channel - the channel the operation books for, as the request names it: the channel
 *   coding of the Appointment (inside `Parameters` at any depth), else `options.channel`; for a
 *   held Appointment booked, the category it was held for
 * @returns the category to book (for a held Appointment only a refusal counts: a hold keeps its category)
 * @throws OpdError to refuse the channel: the operation answers it as an `OperationOutcome` and
 *   changes nothing (anything else thrown is the host's failure, and is thrown)
 */
export type FhirChannelReader = (channel: string) => string;

/** Options of {@link holdAppointment}. */
export interface HoldAppointmentOptions extends FhirOptions {
  /** How long the place is held, in minutes (1 to 1,440). @defaultValue {@link DEFAULT_HOLD_MINUTES} */
  readonly holdMinutes?: number | undefined;
  /** The channel, when the Appointment does not name one (a proposal of `$find` does). */
  readonly channel?: string | undefined;
  /**
   * The host's reading of the channel, asked once with the channel the hold is for, where the
   * operation itself reads it (so a server's rule such as "no `EMERGENCY` over FHIR" holds for an
   * Appointment at any depth of `Parameters`). @defaultValue the channel as named
   */
  readonly readChannel?: FhirChannelReader | undefined;
  /** The request's id (such as an HTTP `X-Request-Id`): the same id answers the same hold. */
  readonly requestId?: string | undefined;
  /** Who asks (stamped on the events). */
  readonly actor?: string | undefined;
}

/** Options of {@link bookAppointment}. */
export interface BookAppointmentOptions extends FhirOptions {
  /** The channel, when the Appointment does not name one. */
  readonly channel?: string | undefined;
  /**
   * The host's reading of the channel, asked once with the channel the booking is for (for a
   * held Appointment, the category it was held for), where the operation itself reads it.
   * @defaultValue the channel as named
   */
  readonly readChannel?: FhirChannelReader | undefined;
  /** The request's id: the same id answers the same booking. */
  readonly requestId?: string | undefined;
  /** Who asks (stamped on the events). */
  readonly actor?: string | undefined;
}

/** Options of {@link cancelAppointment}. */
export interface CancelAppointmentOptions extends FhirOptions {
  /** Why (stored as the cancel reason; no patient data). */
  readonly reason?: string | undefined;
  /** Who asks (stamped on the events). */
  readonly actor?: string | undefined;
  /** The patient reference written in the Appointment answered. */
  readonly patient?: FhirReference | undefined;
}
