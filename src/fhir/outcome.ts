/** FHIR `OperationOutcome`s of the scheduling operations: a refusal (an `OpdError`) as FHIR says it, and its HTTP status. */
import { isOpdError, type OpdError } from '../errors.js';
import type { FhirOperationOutcome, FhirOperationOutcomeIssue } from './booking-types.js';
import type { FhirOptions } from './resources.js';
import { isPlainObject } from '../validate.js';
import { expectOptions, fhirText } from './read.js';
import { systemOf } from './references.js';

/**
 * The HTTP status that answers an `OperationOutcome` of these operations: 404 for a resource not
 * found, 400 for invalid input, 409 for no place left or a conflict, 422 for a business rule, 503
 * for a store that failed, 500 otherwise.
 */
export function fhirOutcomeStatus(outcome: FhirOperationOutcome): number {
  const code = outcome.issue[0]?.details?.coding?.[0]?.code;
  switch (code) {
    case 'SLOT_FULL':
    case 'DUPLICATE_BOOKING':
    case 'IDEMPOTENCY_CONFLICT':
    case 'CONFLICT':
      return 409;
    case 'VALIDATION_FAILED':
      return 400;
    case 'SLOT_NOT_FOUND':
    case 'TOKEN_NOT_FOUND':
    case 'DOCTOR_NOT_FOUND':
      return 404;
    case 'STORAGE_FAILURE':
      return 503;
    case undefined:
      return 500;
    default:
      return 422;
  }
}

/** An `OpdError` as an `OperationOutcome`: the issue type FHIR names it by, the scheduler's code, its message. */
export function toOperationOutcome(error: OpdError, options?: FhirOptions): FhirOperationOutcome {
  const fhir = expectOptions('options', options === undefined ? undefined : { identifierSystem: options.identifierSystem });
  const [severity, code] = ISSUE[error.code] ?? ['error', 'processing'];
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity,
        code,
        details: {
          coding: [{ system: systemOf(fhir, 'error'), code: error.code }],
          text: fhirText(error.message),
        },
        diagnostics: fhirText(error.message),
      },
    ],
  };
}

/** The FHIR issue (severity, type) of each scheduler error an operation may answer. */
const ISSUE: Partial<Record<OpdError['code'], readonly [FhirOperationOutcomeIssue['severity'], string]>> = {
  SLOT_FULL: ['fatal', 'not-found'],
  SLOT_CLOSED: ['fatal', 'not-found'],
  SLOT_ENDED: ['fatal', 'not-found'],
  OUTSIDE_BOOKING_WINDOW: ['fatal', 'business-rule'],
  DOCTOR_RETIRED: ['fatal', 'not-found'],
  DUPLICATE_BOOKING: ['error', 'duplicate'],
  VALIDATION_FAILED: ['error', 'invalid'],
  SLOT_NOT_FOUND: ['error', 'not-found'],
  TOKEN_NOT_FOUND: ['error', 'not-found'],
  DOCTOR_NOT_FOUND: ['error', 'not-found'],
  IDEMPOTENCY_CONFLICT: ['error', 'conflict'],
  CONFLICT: ['error', 'conflict'],
  INVALID_TRANSITION: ['error', 'business-rule'],
  CANCEL_CUTOFF: ['error', 'business-rule'],
  STORAGE_FAILURE: ['fatal', 'transient'],
};

/** Runs an operation, answering an `OpdError` as an `OperationOutcome` (anything else is not ours to answer, and is thrown). */
export async function outcomeOf<T>(options: FhirOptions | undefined, work: () => Promise<T>): Promise<T | FhirOperationOutcome> {
  try {
    return await work();
  } catch (error) {
    if (!isOpdError(error)) throw error;
    let system: string | undefined;
    try {
      system = isPlainObject(options) && typeof options.identifierSystem === 'string' ? options.identifierSystem : undefined;
    } catch {
      system = undefined;
    }
    return toOperationOutcome(error, system === undefined ? undefined : { identifierSystem: system });
  }
}
