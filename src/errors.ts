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

const BRAND = Symbol.for('opd-scheduler.OpdError');

/** Options of the {@link OpdError} constructor. */
export interface OpdErrorOptions {
  /** Facts about the failure; see {@link OpdErrorDetails}. */
  readonly details?: OpdErrorDetails | undefined;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * The one error type of opd-scheduler. Every failed call rejects with an `OpdError` and changes
 * nothing.
 *
 * @example
 * ```ts
 * try {
 *   await scheduler.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 's1' });
 * } catch (error) {
 *   if (isOpdError(error, 'SLOT_FULL')) console.log(error.details.slotId);
 * }
 * ```
 */
export class OpdError extends Error {
  /** Always `'OpdError'`. */
  override readonly name = 'OpdError' as const;
  /** The stable code; see {@link OPD_ERROR_CODES}. */
  readonly code: OpdErrorCode;
  /** Facts about the failure: the offending field, ids, limits. */
  readonly details: OpdErrorDetails;

  /**
   * @param code - the stable code
   * @param message - a human-readable message without patient data
   * @param options - details and cause
   */
  constructor(code: OpdErrorCode, message: string, options: OpdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...options.details });
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Whether `value` is an {@link OpdError} (optionally with the given code). Works across two
 * loaded copies of the library, where `instanceof` would not.
 *
 * @param value - anything caught
 * @param code - when given, also require this code
 * @returns `true` when `value` is an `OpdError` (with `code`, if given)
 */
export function isOpdError(value: unknown, code?: OpdErrorCode): value is OpdError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as OpdError).code === code;
}

/** @internal Shorthand for a `VALIDATION_FAILED` error about one field. */
export function invalid(field: string, message: string, extra?: OpdErrorDetails): OpdError {
  return new OpdError('VALIDATION_FAILED', message, { details: { field, ...extra } });
}
