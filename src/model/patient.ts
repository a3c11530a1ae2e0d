/**
 * Erased patient data: the tombstone that replaces a token's `patient`, and the erased forms of a
 * token and of a stored idempotency record. Every store writes what these return; nothing else
 * about a token changes when its patient is erased.
 */
import type { Patient } from '../types.js';
import { canonicalJson } from '../validate.js';
import type { IdempotencyRecord, TokenRecord } from './records.js';

/**
 * The `patient` of a token whose patient data was erased (`erasePatient`, `purge`): no id, a
 * placeholder name, and `erased: true`.
 */
export const ERASED_PATIENT: Readonly<Patient> = Object.freeze({ name: '(erased)', erased: true });

/** Whether `patient` is the tombstone {@link ERASED_PATIENT} (compared by content, as stores return copies). */
export function isErasedPatient(patient: Readonly<Patient>): boolean {
  if (patient === ERASED_PATIENT) return true;
  const keys = Object.keys(patient);
  return keys.length === 2 && patient['erased'] === true && patient.name === ERASED_PATIENT.name;
}

/** The token with its patient data erased: the same record but for `patient`. */
export function erasedToken(token: TokenRecord): TokenRecord {
  return { ...token, patient: ERASED_PATIENT };
}

/**
 * The fingerprint of a keyed request with its patient erased: the canonical request with
 * `patient` replaced by the tombstone. A stored key whose result was erased keeps only this form,
 * and a replay of the key is compared on it (on everything but the patient).
 */
export function erasedFingerprint(fingerprint: string): string {
  let request: unknown;
  try {
    request = JSON.parse(fingerprint);
  } catch {
    return fingerprint;
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request) || !('patient' in request)) return fingerprint;
  return canonicalJson({ ...request, patient: ERASED_PATIENT });
}

/** A stored idempotency record with its patient data erased: its result's token and its fingerprint. */
export function erasedIdempotency(record: IdempotencyRecord): IdempotencyRecord {
  const result: IdempotencyRecord['result'] = Object.freeze({ ...record.result, token: Object.freeze({ ...record.result.token, patient: ERASED_PATIENT }) });
  return { doctorId: record.doctorId, key: record.key, fingerprint: erasedFingerprint(record.fingerprint), result };
}
