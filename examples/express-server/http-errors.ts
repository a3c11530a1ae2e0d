/**
 * How failures become HTTP answers: every `OpdError` code has one status, HTTP-layer failures
 * (authentication, an actor a key may not sign as, rate limits, unknown routes, oversized or non-JSON bodies, ids already taken) have their
 * own codes, and every answer is an RFC 9457 problem (`application/problem+json`:
 * `{ type, title, status, detail, instance, code, details, requestId }`). Messages never contain
 * patient data and no answer ever contains a stack trace.
 */
import { isOpdError, type OpdErrorCode } from 'opd-scheduler';

/**
 * The status of each engine error code. Typed as a complete record, so that a new engine code
 * cannot be added without choosing its status here.
 *
 * - 400: the request itself is wrong;
 * - 404: an id that does not exist;
 * - 409: the request collides with other data (a full slot, an overlapping slot, a duplicate,
 *   a reused idempotency key, a concurrent writer, an offer another patient accepted first): retrying the same request will not help
 *   unless that data changes;
 * - 422: the request is well-formed but the current state of the token or slot refuses it
 *   (a transition its status does not allow, a no-show before the slot started, a slot that is
 *   closed or over, a day not over yet to close, a doctor retired, a booking outside its window, a cancel past
 *   the cut-off or an offer answered after its window:
 *   the same request may succeed at another time, and the problem's `details.opensAt` and
 *   `details.closesAt` say when);
 * - 410: events a reader needed are no longer kept (a `tail()` that fell behind a history limit);
 * - 503: the store failed or the server is closing: the request may succeed later.
 */
export const STATUS_BY_CODE: Readonly<Record<OpdErrorCode, number>> = Object.freeze({
  VALIDATION_FAILED: 400,
  DOCTOR_NOT_FOUND: 404,
  DEPARTMENT_NOT_FOUND: 404,
  SLOT_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  OFFER_NOT_FOUND: 404,
  SLOT_OVERLAP: 409,
  SLOT_FULL: 409,
  DUPLICATE_BOOKING: 409,
  IDEMPOTENCY_CONFLICT: 409,
  CONFLICT: 409,
  OFFER_TAKEN: 409,
  INVALID_TRANSITION: 422,
  NOT_YET_DUE: 422,
  SLOT_CLOSED: 422,
  SLOT_ENDED: 422,
  DOCTOR_RETIRED: 422,
  OUTSIDE_BOOKING_WINDOW: 422,
  CANCEL_CUTOFF: 422,
  OFFER_EXPIRED: 422,
  PATIENT_HAS_LIVE_TOKENS: 409,
  STORAGE_FAILURE: 503,
  HISTORY_TRUNCATED: 410,
  DAY_NOT_OVER: 422,
  TEMPLATE_MISMATCH: 422,
  DEPENDENCY_MISSING: 501,
});

/** Codes of failures that happen before the engine is asked. */
export const HTTP_ERROR_CODES = [
  'ALREADY_EXISTS',
  'UNAUTHORIZED',
  'ACTOR_NOT_ALLOWED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_REQUESTS',
  'TOO_MANY_STREAMS',
  'SHUTTING_DOWN',
  'INTERNAL_ERROR',
] as const;

/** An HTTP-layer error code. */
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/** Any code an error answer may carry. */
export type ErrorCode = OpdErrorCode | HttpErrorCode;

/** The status of each HTTP-layer code. */
export const STATUS_BY_HTTP_CODE: Readonly<Record<HttpErrorCode, number>> = Object.freeze({
  // The engine refuses a taken doctor or slot id with `VALIDATION_FAILED` (its pinned contract);
  // over HTTP it is a conflict with existing data, so the routes that create answer this code.
  ALREADY_EXISTS: 409,
  UNAUTHORIZED: 401,
  ACTOR_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  TOO_MANY_STREAMS: 503,
  SHUTTING_DOWN: 503,
  INTERNAL_ERROR: 500,
});

/** An HTTP-layer failure with its answer. */
export class HttpError extends Error {
  override readonly name = 'HttpError' as const;
  /** The status of {@link HttpError.code}. */
  readonly status: number;
  /** The code answered. */
  readonly code: HttpErrorCode;
  /** Facts about the failure (never patient data). */
  readonly details: Readonly<Record<string, unknown>>;
  /** Headers to answer with, such as `Allow` or `WWW-Authenticate`. */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param code - the code, which decides the status
   * @param message - a message without patient data
   * @param details - facts about the failure
   * @param headers - headers to answer with
   */
  constructor(code: HttpErrorCode, message: string, details: Readonly<Record<string, unknown>> = {}, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.code = code;
    this.details = details;
    this.headers = headers;
    this.status = STATUS_BY_HTTP_CODE[code];
  }
}

/** Short titles of the problem types, one per code. */
export const TITLE_BY_CODE: Readonly<Record<ErrorCode, string>> = Object.freeze({
  VALIDATION_FAILED: 'Invalid request',
  DOCTOR_NOT_FOUND: 'Unknown doctor',
  DEPARTMENT_NOT_FOUND: 'Unknown department',
  SLOT_NOT_FOUND: 'Unknown slot',
  TOKEN_NOT_FOUND: 'Unknown token',
  OFFER_NOT_FOUND: 'Unknown offer',
  OFFER_TAKEN: 'Offer taken by another patient',
  OFFER_EXPIRED: 'Offer expired',
  SLOT_OVERLAP: 'Overlapping slot',
  SLOT_FULL: 'Slot full',
  DUPLICATE_BOOKING: 'Duplicate booking',
  DOCTOR_RETIRED: 'Doctor retired',
  OUTSIDE_BOOKING_WINDOW: 'Outside the booking window',
  CANCEL_CUTOFF: 'Past the cancel cut-off',
  IDEMPOTENCY_CONFLICT: 'Idempotency key reused',
  CONFLICT: 'Concurrent change',
  INVALID_TRANSITION: 'Transition not allowed',
  NOT_YET_DUE: 'Not yet due',
  SLOT_CLOSED: 'Slot closed',
  SLOT_ENDED: 'Slot ended',
  STORAGE_FAILURE: 'Storage unavailable',
  HISTORY_TRUNCATED: 'History truncated',
  DAY_NOT_OVER: 'Day not over',
  PATIENT_HAS_LIVE_TOKENS: 'Patient has live tokens',
  TEMPLATE_MISMATCH: 'Notice breaks its template',
  DEPENDENCY_MISSING: 'Optional package missing',
  ALREADY_EXISTS: 'Already exists',
  UNAUTHORIZED: 'Unauthorized',
  ACTOR_NOT_ALLOWED: 'Actor not allowed',
  NOT_FOUND: 'No such route',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  TOO_MANY_REQUESTS: 'Too many requests',
  TOO_MANY_STREAMS: 'Too many streams',
  SHUTTING_DOWN: 'Shutting down',
  INTERNAL_ERROR: 'Internal server error',
});

/** The media type of every error answer. */
export const PROBLEM_TYPE = 'application/problem+json';

/** The `type` URI of a code's problem: its row in the error table of `/docs`. */
export function problemType(code: ErrorCode): string {
  return `/docs#error-${code}`;
}

/** An RFC 9457 problem: the body of every error answer. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly requestId: string;
}

/** The answer to send for a failure. */
export interface ErrorAnswer {
  /** HTTP status. */
  readonly status: number;
  readonly code: ErrorCode;
  /** The message (RFC 9457 `detail`). */
  readonly detail: string;
  readonly details: Readonly<Record<string, unknown>>;
  /** Extra headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether this is a server fault worth logging in full. */
  readonly fault: boolean;
}

/** The problem document of an answer, for the request at `path` (without its query string). */
export function problemOf(answer: ErrorAnswer, path: string, requestId: string): Problem {
  return {
    type: problemType(answer.code),
    title: TITLE_BY_CODE[answer.code],
    status: answer.status,
    detail: answer.detail,
    instance: path.slice(0, 600),
    code: answer.code,
    details: answer.details,
    requestId,
  };
}

interface ParserError {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly statusCode?: unknown;
}

function answer(status: number, code: ErrorCode, detail: string, details: Readonly<Record<string, unknown>> = {}, fault = false): ErrorAnswer {
  return { status, code, detail, details, headers: {}, fault };
}

/**
 * Turns anything thrown while handling a request into an answer. Errors from the JSON body
 * parser are answered with fixed messages: the parser's own messages quote the body, which may
 * contain patient data.
 */
export function toErrorAnswer(error: unknown): ErrorAnswer {
  if (isOpdError(error)) {
    const status = STATUS_BY_CODE[error.code];
    return answer(status, error.code, error.message, error.details, status >= 500);
  }
  if (error instanceof HttpError) {
    return { ...answer(error.status, error.code, error.message, error.details, error.code === 'INTERNAL_ERROR'), headers: error.headers };
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as ParserError;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
  switch (e.type) {
    case 'entity.parse.failed':
      return answer(400, 'VALIDATION_FAILED', 'The request body is not valid JSON', { field: 'body', in: 'body' });
    case 'entity.too.large':
      return answer(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large', { in: 'body' });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return answer(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be UTF-8 JSON', { in: 'body' });
    default:
      break;
  }
  if (error instanceof URIError || (status === 400 && error instanceof Error && /decode/i.test(error.message))) {
    return answer(400, 'VALIDATION_FAILED', 'The request path is not correctly URL-encoded', { field: 'path', in: 'path' });
  }
  if (status >= 400 && status < 500) {
    return answer(status === 413 ? 413 : 400, status === 413 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED', 'The request could not be read', { in: 'body' });
  }
  return answer(500, 'INTERNAL_ERROR', 'Internal server error', {}, true);
}
