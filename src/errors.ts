/**
 * Every stable error code an {@link OpdError} can carry.
 *
 * Codes never change meaning between versions; match on them, not on messages.
 */
export const OPD_ERROR_CODES = [
  'VALIDATION_FAILED',
  'DOCTOR_NOT_FOUND',
  'SLOT_NOT_FOUND',
  'TOKEN_NOT_FOUND',
  'SLOT_CLOSED',
  'SLOT_ENDED',
  'SLOT_OVERLAP',
  'SLOT_FULL',
  'INVALID_TRANSITION',
  'NOT_YET_DUE',
  'DUPLICATE_BOOKING',
  'IDEMPOTENCY_CONFLICT',
  'CONFLICT',
  'STORAGE_FAILURE',
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

/** The `details` every failure about one input field carries. */
export interface FieldDetails extends OpdErrorDetails {
  /** The input field at fault, as a path such as `patient.name` or `slots[2].capacity`. */
  readonly field: string;
}

/**
 * The `details` of each error code, as the scheduler and the built-in adapters fill them.
 * {@link isOpdError} with a code narrows `details` to its entry: after
 * `isOpdError(error, 'SLOT_NOT_FOUND')`, `error.details.slotId` is a `string`.
 */
export interface OpdErrorDetailsByCode {
  /** `field` names the input at fault (a `strategy` names a plug-in that failed). */
  readonly VALIDATION_FAILED: FieldDetails;
  /** The unknown doctor. */
  readonly DOCTOR_NOT_FOUND: FieldDetails & { readonly doctorId: string };
  /** The unknown slot. */
  readonly SLOT_NOT_FOUND: FieldDetails & { readonly slotId: string };
  /** The unknown token. */
  readonly TOKEN_NOT_FOUND: FieldDetails & { readonly tokenId: string };
  /** The closed slot. */
  readonly SLOT_CLOSED: FieldDetails & { readonly slotId: string };
  /** The slot that has ended. */
  readonly SLOT_ENDED: FieldDetails & { readonly slotId: string };
  /** The slot the new one overlaps, and its doctor. */
  readonly SLOT_OVERLAP: FieldDetails & { readonly slotId: string; readonly doctorId: string };
  /** The full slot (`null` when no open slot of the day was left), its doctor and day. */
  readonly SLOT_FULL: FieldDetails & { readonly slotId: string | null; readonly doctorId: string; readonly day: string };
  /** The token, its status and the refused action. */
  readonly INVALID_TRANSITION: FieldDetails & { readonly tokenId: string; readonly status: string; readonly action: string };
  /** The token, its slot and when the slot starts (ISO 8601). */
  readonly NOT_YET_DUE: FieldDetails & { readonly tokenId: string; readonly slotId: string; readonly startsAt: string };
  /** The patient's live token with the doctor that day. */
  readonly DUPLICATE_BOOKING: FieldDetails & { readonly tokenId: string; readonly doctorId: string; readonly day: string };
  /** The token first booked with the key, and its doctor. */
  readonly IDEMPOTENCY_CONFLICT: FieldDetails & { readonly tokenId: string; readonly doctorId: string };
  /** The adapter that could not serialize the call, when it says. */
  readonly CONFLICT: OpdErrorDetails & { readonly adapter?: string | undefined };
  /** The adapter that failed, when it says. */
  readonly STORAGE_FAILURE: OpdErrorDetails & { readonly adapter?: string | undefined };
}

/** The `details` type of one error code. */
export type OpdErrorDetailsOf<C extends OpdErrorCode> = OpdErrorDetailsByCode[C];

const BRAND = Symbol.for('opd-scheduler.OpdError');

/** Options of the {@link OpdError} constructor. */
export interface OpdErrorOptions {
  /**
   * Facts about the failure. The scheduler and the built-in adapters fill them as
   * {@link OpdErrorDetailsByCode} says for each code; custom strategies and adapters should too.
   */
  readonly details?: OpdErrorDetails | undefined;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * The one error type of opd-scheduler. Every failed call rejects with an `OpdError` and changes
 * nothing. The type parameter is its code; {@link isOpdError} with a code narrows to it, and
 * with it `details` (see {@link OpdErrorDetailsByCode}).
 *
 * @typeParam C - the error code
 *
 * @example
 * ```ts
 * try {
 *   await scheduler.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 's1' });
 * } catch (error) {
 *   if (isOpdError(error, 'SLOT_FULL')) console.log(error.details.slotId); // string | null
 * }
 * ```
 */
export class OpdError<C extends OpdErrorCode = OpdErrorCode> extends Error {
  /** Always `'OpdError'`. */
  override readonly name = 'OpdError' as const;
  /** The stable code; see {@link OPD_ERROR_CODES}. */
  readonly code: C;
  /** Facts about the failure: the offending field, ids, limits. */
  readonly details: OpdErrorDetailsOf<C>;

  /**
   * @param code - the stable code
   * @param message - a human-readable message without patient data
   * @param options - details and cause
   */
  constructor(code: C, message: string, options: OpdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...options.details }) as OpdErrorDetailsOf<C>;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Whether `value` is an {@link OpdError} (optionally with the given code). Works across two
 * loaded copies of the library, where `instanceof` would not. With a code, `details` narrows to
 * that code's details ({@link OpdErrorDetailsByCode}).
 *
 * @param value - anything caught
 * @param code - when given, also require this code
 * @returns `true` when `value` is an `OpdError` (with `code`, if given)
 *
 * @example
 * ```ts
 * if (isOpdError(error, 'DUPLICATE_BOOKING')) console.log(error.details.tokenId); // string
 * ```
 */
export function isOpdError(value: unknown): value is OpdError;
export function isOpdError<C extends OpdErrorCode>(value: unknown, code: C): value is OpdError<C>;
export function isOpdError(value: unknown, code?: OpdErrorCode): value is OpdError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as OpdError).code === code;
}

/** @internal Shorthand for a `VALIDATION_FAILED` error about one field. */
export function invalid(field: string, message: string, extra?: OpdErrorDetails): OpdError<'VALIDATION_FAILED'> {
  return new OpdError('VALIDATION_FAILED', message, { details: { ...extra, field } });
}
