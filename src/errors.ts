import { OPD_ERROR_CODES, type OpdErrorCode, type OpdErrorDetails, type OpdErrorDetailsByCode, type OpdErrorDetailsOf } from './error-codes.js';

export { OPD_ERROR_CODES };
export type { OpdErrorCode, OpdErrorDetails, OpdErrorDetailsByCode, OpdErrorDetailsOf };

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
 * import { isOpdError, OpdScheduler } from 'opd-scheduler';
 *
 * const opd = new OpdScheduler();
 * try {
 *   await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 's1' });
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

  /**
   * `error instanceof OpdError` holds for an `OpdError` of any loaded copy of the library — its
   * ES module and CommonJS builds loaded side by side are two copies — as {@link isOpdError} does.
   * A subclass is checked as usual, by its prototype chain.
   *
   * @param value - the left-hand side of `instanceof`
   * @returns whether `value` is an `OpdError` (of this subclass, for a subclass)
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== OpdError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isOpdError(value);
  }
}

/**
 * Whether `value` is an {@link OpdError}. Works across two loaded copies of the library, where
 * `instanceof` would not.
 *
 * @param value - anything caught
 * @returns `true` when `value` is an `OpdError`
 */
export function isOpdError(value: unknown): value is OpdError;
/**
 * Whether `value` is an {@link OpdError} with the given code. Works across two loaded copies of
 * the library; narrows `code` and `details` to that code's ({@link OpdErrorDetailsByCode}).
 *
 * @param value - anything caught
 * @param code - the code required
 * @returns `true` when `value` is an `OpdError` with `code`
 *
 * @example
 * ```ts
 * import { isOpdError } from 'opd-scheduler';
 *
 * declare const error: unknown; // what a call rejected with
 * if (isOpdError(error, 'DUPLICATE_BOOKING')) console.log(error.details.tokenId); // string
 * ```
 */
export function isOpdError<C extends OpdErrorCode>(value: unknown, code: C): value is OpdError<C>;
export function isOpdError(value: unknown, code?: OpdErrorCode): value is OpdError {
  if (typeof value !== 'object' || value === null) return false;
  try {
    if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
    return code === undefined || (value as OpdError).code === code;
  } catch {
    return false; // a revoked proxy, or a getter that throws: not one of ours
  }
}

/**
 * The `cause` of an {@link OpdError} for an error thrown outside the library (a strategy or
 * policy plug-in, a custom storage adapter, a getter of the caller's input): its class and code,
 * never its message, which may quote the patient the plug-in or adapter was given. Log the
 * original where it is thrown if its message is needed.
 */
export class ErrorSummary extends Error {
  /** Always `'ErrorSummary'`. */
  override readonly name = 'ErrorSummary';
  /** The class of what was thrown (`TypeError`, a custom class's name), or its `typeof` when not an object. */
  readonly kind: string;
  /** Its `code` (`ECONNRESET`, a SQLSTATE, an `OpdError`'s code), when it had one made of capitals, digits and `_`. */
  readonly code: string | undefined;

  /** @param error - anything thrown */
  constructor(error: unknown) {
    const kind = kindOfThrown(error);
    const code = codeOfThrown(error);
    super(`${kind}${code === undefined ? '' : ` (${code})`} thrown outside opd-scheduler; its message is not kept`);
    this.kind = kind;
    this.code = code;
  }
}

function kindOfThrown(error: unknown): string {
  if (typeof error !== 'object' || error === null) return error === null ? 'null' : typeof error;
  try {
    const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && /^[A-Za-z_$][\w$]{0,60}$/.test(name) ? name : 'object';
  } catch {
    return 'object';
  }
}

function codeOfThrown(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  try {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

/** @internal Shorthand for a `VALIDATION_FAILED` error about one field. */
export function invalid(field: string, message: string, extra?: OpdErrorDetails): OpdError<'VALIDATION_FAILED'> {
  return new OpdError('VALIDATION_FAILED', message, { details: { ...extra, field } });
}

/**
 * @internal A process warning of type `OpdSchedulerWarning` (`process.emitWarning`, else
 * `console.warn` where there is no `process` or its `emitWarning` throws). Never throws. Its
 * message must never quote patient data.
 */
export function warn(message: string, code: string): void {
  // Called where something has already failed (a listener, a feed, a clean-up): a warning sink
  // that throws too must not carry its error out of there, so it gets the console instead, and
  // when that throws as well there is nobody left to tell.
  try {
    const host = (globalThis as { process?: { emitWarning?: (message: string, options: { type: string; code: string }) => void } }).process;
    if (typeof host?.emitWarning === 'function') {
      try {
        host.emitWarning(message, { type: 'OpdSchedulerWarning', code });
        return;
      } catch {
        // fall through to the console
      }
    }
    console.warn(`OpdSchedulerWarning [${code}]: ${message}`);
  } catch {
    // nothing left to report to
  }
}

/**
 * When `value` is a promise (any thenable), hands its rejection to `onRejected`, so that it never
 * becomes an unhandled rejection; so too an error thrown by reading or calling its `then`.
 */
export function catchRejection(value: unknown, onRejected: (error: unknown) => void): void {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return;
  try {
    const then = (value as { then?: unknown }).then;
    if (typeof then === 'function') (then as (ok: undefined, no: (error: unknown) => void) => unknown).call(value, undefined, onRejected);
  } catch (error) {
    onRejected(error);
  }
}

/**
 * Whether a failure is the store's (`STORAGE_FAILURE`: a lost connection, its outcome perhaps
 * unknown; `CONFLICT`: a unit never serialized) rather than a rule's verdict: a call that enters
 * many commands (a desk's reconcile, a manual register) fails on it, to be run again, instead of
 * reporting it as a refusal.
 */
export function isStoreFailure(error: OpdError): boolean {
  return error.code === 'STORAGE_FAILURE' || error.code === 'CONFLICT';
}
