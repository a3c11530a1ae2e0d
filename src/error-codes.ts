/**
 * The stable codes of {@link OpdError} and the `details` each code carries: the vocabulary of
 * failures, kept apart from the error class and its helpers in `src/errors.ts`.
 */
// Named in the doc comments' links only.
import type { isOpdError, OpdError } from './errors.js';

/**
 * Every stable error code an {@link OpdError} can carry.
 *
 * Codes never change meaning between versions; match on them, not on messages. `HISTORY_TRUNCATED`:
 * a `tail()` needed events the store no longer keeps (its details: {@link OpdErrorDetailsByCode}).
 */
export const OPD_ERROR_CODES = [
  'VALIDATION_FAILED',
  'DOCTOR_NOT_FOUND',
  'DOCTOR_RETIRED',
  'DEPARTMENT_NOT_FOUND',
  'SLOT_NOT_FOUND',
  'TOKEN_NOT_FOUND',
  'SLOT_CLOSED',
  'SLOT_ENDED',
  'SLOT_OVERLAP',
  'SLOT_FULL',
  'OUTSIDE_BOOKING_WINDOW',
  'CANCEL_CUTOFF',
  'INVALID_TRANSITION',
  'NOT_YET_DUE',
  'DUPLICATE_BOOKING',
  'IDEMPOTENCY_CONFLICT',
  'CONFLICT',
  'STORAGE_FAILURE',
  'HISTORY_TRUNCATED',
  'OFFER_NOT_FOUND',
  'OFFER_EXPIRED',
  'OFFER_TAKEN',
  'DAY_NOT_OVER',
  'PATIENT_HAS_LIVE_TOKENS',
  'TEMPLATE_MISMATCH',
  'DEPENDENCY_MISSING',
] as const;

/** A stable error code; see {@link OPD_ERROR_CODES}. */
export type OpdErrorCode = (typeof OPD_ERROR_CODES)[number];

/**
 * Machine-readable facts about a failure: which field or value was wrong, which ids were
 * involved. Never contains patient data beyond ids.
 */
export interface OpdErrorDetails {
  /** The input field at fault, as a path such as `patient.name` or `slots[2].capacity`. */
  readonly field?: string | undefined;
  /** Further facts (ids, limits, statuses). */
  readonly [key: string]: unknown;
}

/**
 * The `details` every failure about one input field carries.
 *
 * @inline
 */
interface FieldDetails extends OpdErrorDetails {
  /** The input field at fault, as a path such as `patient.name` or `slots[2].capacity`. */
  readonly field: string;
}

/**
 * Details naming a doctor.
 *
 * @inline
 */
interface DoctorDetails extends FieldDetails {
  /** The doctor. */
  readonly doctorId: string;
}

/**
 * Details of `DOCTOR_RETIRED`.
 *
 * @inline
 */
interface DoctorRetiredDetails extends DoctorDetails {
  /** From when the doctor is retired (ISO 8601). */
  readonly retiredFrom: string;
}

/**
 * Details naming a slot.
 *
 * @inline
 */
interface SlotDetails extends FieldDetails {
  /** The slot. */
  readonly slotId: string;
}

/**
 * Details naming a token.
 *
 * @inline
 */
interface TokenDetails extends FieldDetails {
  /** The token. */
  readonly tokenId: string;
}

/**
 * Details of `SLOT_OVERLAP`.
 *
 * @inline
 */
interface SlotOverlapDetails extends SlotDetails {
  /** The doctor whose slot the new one overlaps. */
  readonly doctorId: string;
}

/**
 * Details of `SLOT_FULL`.
 *
 * @inline
 */
interface SlotFullDetails extends FieldDetails {
  /** The full slot, or `null` when no open slot of the day was left. */
  readonly slotId: string | null;
  /** The doctor. */
  readonly doctorId: string;
  /** The local date. */
  readonly day: string;
}

/**
 * Details of `OUTSIDE_BOOKING_WINDOW`: the request's booking window for the slot (or, for a date,
 * the day's last usable slot; for a booking naming neither, the first usable slot of the
 * doctor's schedule), from `opensAt` to `closesAt`, both included.
 *
 * @inline
 */
interface OutsideBookingWindowDetails extends FieldDetails {
  /** The doctor. */
  readonly doctorId: string;
  /** The slot whose window it is. */
  readonly slotId: string;
  /** The slot's local date. */
  readonly day: string;
  /** The request's category. */
  readonly category: string;
  /** The first instant the request may be made (ISO 8601), or `null` when the window has no start. */
  readonly opensAt: string | null;
  /** The last instant the request may be made (ISO 8601), or `null` when the window has no end. */
  readonly closesAt: string | null;
}

/**
 * Details of `CANCEL_CUTOFF`: the token, its slot, and the last instant it could be cancelled.
 *
 * @inline
 */
interface CancelCutoffDetails extends TokenDetails {
  /** The token's slot. */
  readonly slotId: string;
  /** When the slot starts (ISO 8601). */
  readonly startsAt: string;
  /** The last instant a cancellation was accepted (ISO 8601). */
  readonly cutoffAt: string;
}

/**
 * Details naming an offer (`OFFER_NOT_FOUND`).
 *
 * @inline
 */
interface OfferDetails extends FieldDetails {
  /** The offer. */
  readonly offerId: string;
}

/**
 * Details of `OFFER_EXPIRED` and `OFFER_TAKEN`: the offer, its token and slot, and how it ended.
 *
 * @inline
 */
interface OfferEndedDetails extends OfferDetails {
  /** The candidate's token. */
  readonly tokenId: string;
  /** The slot of the place offered. */
  readonly slotId: string;
  /** How the offer ended: `EXPIRED` (its window passed), `LAPSED` (another candidate took the place), `WITHDRAWN`, `DECLINED`. */
  readonly state: string;
  /** When the offer's window ended (ISO 8601). */
  readonly expiresAt: string;
}

/**
 * Details of `INVALID_TRANSITION`.
 *
 * @inline
 */
interface InvalidTransitionDetails extends TokenDetails {
  /** The token's status. */
  readonly status: string;
  /** The refused action, such as `checkIn`. */
  readonly action: string;
}

/**
 * Details of `NOT_YET_DUE`.
 *
 * @inline
 */
interface NotYetDueDetails extends TokenDetails {
  /** The token's slot. */
  readonly slotId: string;
  /** When the slot starts (ISO 8601). */
  readonly startsAt: string;
}

/**
 * Details of `DUPLICATE_BOOKING`.
 *
 * @inline
 */
interface DuplicateBookingDetails extends TokenDetails {
  /** The doctor. */
  readonly doctorId: string;
  /** The local date. */
  readonly day: string;
}

/**
 * Details of `IDEMPOTENCY_CONFLICT`: the token first booked with the key.
 *
 * @inline
 */
interface IdempotencyConflictDetails extends TokenDetails {
  /** The doctor. */
  readonly doctorId: string;
}

/**
 * Details of failures of the store (`CONFLICT`, `STORAGE_FAILURE`).
 *
 * @inline
 */
interface AdapterDetails extends OpdErrorDetails {
  /** The storage adapter, when it says. */
  readonly adapter?: string | undefined;
}

/**
 * Details of `STORAGE_FAILURE`.
 *
 * @inline
 */
interface StorageFailureDetails extends AdapterDetails {
  /**
   * What happened to the call's unit of work, when the adapter knows: `'not-committed'` (it
   * certainly did not commit) or `'unknown'` (the connection was lost after `COMMIT` was sent:
   * it may have committed; retry with the same idempotency key to learn which).
   */
  readonly outcome?: 'unknown' | 'not-committed' | undefined;
  /** The database's error code (a PostgreSQL SQLSTATE), when there is one. */
  readonly code?: string | undefined;
  /** The database constraint the change broke, if any. */
  readonly constraint?: string | undefined;
  /**
   * Why a call to a list of hosts (`new PostgresStorage({ db: [a, b] })`) found none to write to
   * within `failoverTimeout`: `'no-primary'` (no host accepted writes: a failover under way, or
   * every host down) or `'several-primaries'` (more than one host accepted writes on one
   * timeline: the list names independent servers, not one cluster; see `hosts`).
   */
  readonly reason?: 'no-primary' | 'several-primaries' | undefined;
  /** With `reason` `'several-primaries'`: the indexes, in the list given, of the hosts that accepted writes. */
  readonly hosts?: readonly number[] | undefined;
}

/**
 * The `details` of each error code, as the scheduler and the built-in adapters fill them.
 * {@link isOpdError} with a code narrows `details` to its entry: after
 * `isOpdError(error, 'SLOT_NOT_FOUND')`, `error.details.slotId` is a `string`. A code's details
 * have no name of their own; write {@link OpdErrorDetailsOf}, such as `OpdErrorDetailsOf<'SLOT_FULL'>`.
 */
export interface OpdErrorDetailsByCode {
  /** `field` names the input at fault (a `strategy` names a plug-in that failed). */
  readonly VALIDATION_FAILED: FieldDetails;
  /** The unknown doctor. */
  readonly DOCTOR_NOT_FOUND: DoctorDetails;
  /** The retired doctor and since when; `field` names what reached past the retirement. */
  readonly DOCTOR_RETIRED: DoctorRetiredDetails;
  /** The department no doctor belongs to. */
  readonly DEPARTMENT_NOT_FOUND: DepartmentDetails;
  /** The unknown slot. */
  readonly SLOT_NOT_FOUND: SlotDetails;
  /** The unknown token. */
  readonly TOKEN_NOT_FOUND: TokenDetails;
  /** The closed slot. */
  readonly SLOT_CLOSED: SlotDetails;
  /** The slot that has ended. */
  readonly SLOT_ENDED: SlotDetails;
  /** The slot the new one overlaps, and its doctor. */
  readonly SLOT_OVERLAP: SlotOverlapDetails;
  /** The full slot, its doctor and day. */
  readonly SLOT_FULL: SlotFullDetails;
  /** The slot, the request's category and its booking window. */
  readonly OUTSIDE_BOOKING_WINDOW: OutsideBookingWindowDetails;
  /** The token, its slot and when cancelling closed. */
  readonly CANCEL_CUTOFF: CancelCutoffDetails;
  /** The token, its status and the refused action. */
  readonly INVALID_TRANSITION: InvalidTransitionDetails;
  /** The token, its slot and when the slot starts. */
  readonly NOT_YET_DUE: NotYetDueDetails;
  /** The patient's live token with the doctor that day. */
  readonly DUPLICATE_BOOKING: DuplicateBookingDetails;
  /** The token first booked with the key, and its doctor. */
  readonly IDEMPOTENCY_CONFLICT: IdempotencyConflictDetails;
  /** The adapter that could not serialize the call, when it says. */
  readonly CONFLICT: AdapterDetails;
  /** The adapter that failed, when it says. */
  readonly STORAGE_FAILURE: StorageFailureDetails;
  /** The event a `tail()` needed next and the oldest event the store still keeps. */
  readonly HISTORY_TRUNCATED: HistoryTruncatedDetails;
  /** The unknown offer. */
  readonly OFFER_NOT_FOUND: OfferDetails;
  /** The offer answered after its window. */
  readonly OFFER_EXPIRED: OfferEndedDetails;
  /** The offer whose place another candidate (or an emergency) took. */
  readonly OFFER_TAKEN: OfferEndedDetails;
  /** The doctor-day that is not over yet, and when it will be. */
  readonly DAY_NOT_OVER: DayNotOverDetails;
  /** The patient's live tokens of days not yet over, which an erasure waits for. */
  readonly PATIENT_HAS_LIVE_TOKENS: PatientHasLiveTokensDetails;
  /** The template a notice's value would break, the variable and why (`opd-scheduler/notices`). */
  readonly TEMPLATE_MISMATCH: TemplateMismatchDetails;
  /** The optional package a feature needs and that is not installed (`opd-scheduler/print`). */
  readonly DEPENDENCY_MISSING: DependencyMissingDetails;
}

/**
 * Details of `TEMPLATE_MISMATCH`: a notice was refused because a value would break its
 * registered template (`notice` in `opd-scheduler/notices`). Never the value itself.
 *
 * @inline
 */
interface TemplateMismatchDetails extends FieldDetails {
  /** The registered template. */
  readonly templateKey: string;
  /** The variable at fault (absent when the whole message is over its segments). */
  readonly variable?: string | undefined;
  /** Why: `too-long`, `empty`, `characters` (a line break, a brace, a `#`), `encoding` (a character a GSM-7 template cannot carry) or `segments`. */
  readonly reason: 'too-long' | 'empty' | 'characters' | 'encoding' | 'segments';
  /** The value's length (or the message's segments), when the reason is a length. */
  readonly length?: number | undefined;
  /** The limit it passed, when the reason is a length. */
  readonly limit?: number | undefined;
}

/**
 * Details of `DEPENDENCY_MISSING`: a feature needs an optional package (or a font) that could not
 * be loaded (`renderEscPos` in `opd-scheduler/print` needs `@point-of-sale/receipt-printer-encoder`,
 * `@napi-rs/canvas` and Debian's `fonts-noto-core`). Install it.
 *
 * @inline
 */
interface DependencyMissingDetails extends OpdErrorDetails {
  /** The package to install. */
  readonly package: string;
}

/**
 * Details of `DAY_NOT_OVER`: `closeDay` was asked to close a doctor-day one of whose open slots
 * has not ended, or, with no open slot, before the end of the local day.
 *
 * @inline
 */
interface DayNotOverDetails extends DoctorDetails {
  /** The local date asked for, `YYYY-MM-DD`. */
  readonly day: string;
  /** When the day is over (ISO 8601): the end of its last open slot, or the end of the local day when none is open. */
  readonly overAt: string;
}

/**
 * Details of `HISTORY_TRUNCATED`: a `tail()` needed events the store no longer keeps (a
 * `MemoryStorage` with a `historyLimit`, read by a consumer that fell behind, or asked to start
 * before its oldest kept event). Events `needed` to `oldestKept − 1` are gone; to go on knowingly
 * without them, tail again with `after: oldestKept − 1`.
 *
 * @inline
 */
interface HistoryTruncatedDetails extends AdapterDetails {
  /** The `seq` the tail needed next (the one after the last it delivered, or after `after`). */
  readonly needed: number;
  /** The `seq` of the oldest event still kept (or of the next event to be stored, when none is kept). */
  readonly oldestKept: number;
}

/**
 * Details of `PATIENT_HAS_LIVE_TOKENS`: `erasePatient` was refused while the patient holds live
 * tokens of days not yet over. Only token ids, never the patient's id or data.
 *
 * @inline
 */
interface PatientHasLiveTokensDetails extends OpdErrorDetails {
  /** The live tokens (ids) of days not yet over, in id order. */
  readonly tokenIds: readonly string[];
}

/**
 * Details of `DEPARTMENT_NOT_FOUND`.
 *
 * @inline
 */
interface DepartmentDetails extends FieldDetails {
  /** The department asked for. */
  readonly department: string;
}

/** The `details` type of one error code. */
export type OpdErrorDetailsOf<C extends OpdErrorCode> = OpdErrorDetailsByCode[C];
