/**
 * ABDM Scan & Share: the profile an ABHA app shares when a patient scans the facility's QR
 * (`POST /api/v3/hip/patient/share`) becomes a token for the counter's department or doctor,
 * answered by the `on-share` acknowledgement with its token number.
 */
import { createHash } from 'node:crypto';
import { invalid } from '../errors.js';
import type { OpdScheduler } from '../scheduler.js';
import type { Category, Patient, Token } from '../types.js';
import { isPlainObject } from '../validate.js';
import { objectAt, text } from './beckn.js';

/** How long a Scan & Share token is valid unless the patient checks in, in minutes. */
export const SHARE_VALIDITY_MINUTES = 30;

/** Where the QR of one counter sends its patients: a department or a doctor, by a channel. */
export type ShareCounter = (
  | {
      /** The department: the doctor whose earliest place is soonest gets the token. */
      readonly department: string;
      /** Never with `department`. */
      readonly doctorId?: undefined;
    }
  | {
      /** The doctor. */
      readonly doctorId: string;
      /** Never with `doctorId`. */
      readonly department?: undefined;
    }
) & {
  /** The channel of the token (a category the priority policy knows). @defaultValue `'WALK_IN'` */
  readonly category?: Category | undefined;
};

/** Options of {@link onProfileShare}. */
export interface ProfileShareOptions {
  /** The counters by the QR's code (`metaData.context`). */
  readonly counters: Readonly<Record<string, ShareCounter>>;
  /** Minutes the token is valid unless the patient checks in (1 to 1,440). @defaultValue {@link SHARE_VALIDITY_MINUTES} */
  readonly validityMinutes?: number | undefined;
  /** The facility's HIP id: a share for another is refused. */
  readonly hipId?: string | undefined;
  /** Who the events name as their actor. @defaultValue `'abdm-share'` */
  readonly actor?: string | undefined;
  /** The share's `REQUEST-ID` header, when the body carries no `requestId`. */
  readonly requestId?: string | undefined;
}

/** The `on-share` acknowledgement the hospital sends back to the gateway. */
export interface ShareAcknowledgement {
  /** The acknowledgement. */
  readonly acknowledgement: {
    /** Always `SUCCESS` (a refused share throws). */
    readonly status: 'SUCCESS';
    /** The patient's ABHA address, as shared. */
    readonly abhaAddress: string;
    /** The token. */
    readonly profile: {
      /** The QR's code, as shared. */
      readonly context: string;
      /** The token number the patient's app shows. */
      readonly tokenNumber: string;
      /** Seconds the token stays valid unless the patient checks in, as text. */
      readonly expiry: string;
    };
  };
  /** The request answered. */
  readonly response: {
    /** The share's request id (its `REQUEST-ID` header or `requestId`). */
    readonly requestId: string;
  };
  /** The token booked (held until the patient checks in), for the application. Not sent to the gateway. */
  readonly token: Token;
}

const GENDERS: ReadonlySet<string> = new Set(['M', 'F', 'O', 'U', 'T']);

/** The most tokens one patient's scans take at one facility in a day. */
const MAX_SCANS_A_DAY = 20;

/** Whether a share's token still stands: held and not lapsed, booked, waiting, or in the queue. */
function stands(token: Token, now: Date): boolean {
  if (token.status === 'HELD') return token.holdExpiresAt === null || token.holdExpiresAt.getTime() > now.getTime();
  return token.status === 'BOOKED' || token.status === 'WAITLISTED' || token.status === 'CHECKED_IN' || token.status === 'IN_CONSULTATION';
}

/**
 * Books the token of a Scan & Share profile and answers its `on-share` acknowledgement.
 *
 * The payload is checked field by field (a bad one is a `VALIDATION_FAILED` naming the field,
 * never its value). The token is a hold ({@link OpdScheduler.hold}) of the counter's department
 * or doctor, by the counter's channel (the walk-in channel by default), for `validityMinutes`:
 * a claim on a place, counted taken by every rule, that ends by itself unless the patient
 * arrives — the counter then confirms it (`opd.confirm`) and checks them in. The patient's id is
 * their ABHA address. A re-scan the same day (same HIP, ABHA address and day) answers the same
 * token: its idempotency key is a hash of the three, so no patient value is stored in it.
 *
 * @param opd - the scheduler
 * @param payload - the parsed body of `POST /api/v3/hip/patient/share`, with its `requestId`
 * @param options - the counters by code, the validity, the facility's HIP id
 * @returns the acknowledgement to send to `on-share`, and the token
 * @throws OpdError `VALIDATION_FAILED` naming the field; `DEPARTMENT_NOT_FOUND`; `DOCTOR_NOT_FOUND`; `SLOT_FULL`
 *
 * @example
 * ```ts
 * import { OpdScheduler } from 'opd-scheduler';
 * import { onProfileShare } from 'opd-scheduler/abdm';
 *
 * const opd = new OpdScheduler();
 * const counters = { 'OPD-1': { department: 'general' } };
 * const share = (body: unknown) => onProfileShare(opd, body, { counters, validityMinutes: 30 });
 * console.log(typeof share); // 'function'
 * ```
 */
export async function onProfileShare(opd: OpdScheduler, payload: unknown, options: ProfileShareOptions): Promise<ShareAcknowledgement> {
  if (typeof options !== 'object' || options === null || !isPlainObject(options.counters))
    throw invalid('counters', 'Expected `counters` as an object of counters by code');
  const validity = options.validityMinutes ?? SHARE_VALIDITY_MINUTES;
  if (!Number.isInteger(validity) || validity < 1 || validity > 1440)
    throw invalid('validityMinutes', 'Expected `validityMinutes` as a whole number from 1 to 1440');
  if (!isPlainObject(payload)) throw invalid('payload', 'Expected the share as a JSON object');
  const requestId =
    payload['requestId'] === undefined && typeof options.requestId === 'string' && options.requestId !== ''
      ? options.requestId
      : text(payload, 'requestId', 'requestId');
  if (payload['intent'] !== 'PROFILE_SHARE') throw invalid('intent', 'Expected `intent` "PROFILE_SHARE"');
  const meta = objectAt(payload, 'metaData', 'metaData');
  const hipId = text(meta, 'hipId', 'metaData.hipId');
  if (options.hipId !== undefined && hipId !== options.hipId) throw invalid('metaData.hipId', 'The share is for another facility');
  const context = text(meta, 'context', 'metaData.context');
  if (meta['hprId'] !== undefined && meta['hprId'] !== null && typeof meta['hprId'] !== 'string')
    throw invalid('metaData.hprId', 'Expected `metaData.hprId` as a string');
  const counter = Object.prototype.hasOwnProperty.call(options.counters, context) ? options.counters[context] : undefined;
  if (counter === undefined) throw invalid('metaData.context', `No counter has the code ${JSON.stringify(context.slice(0, 40))}`);
  const patient = readPatient(objectAt(objectAt(payload, 'profile', 'profile'), 'patient', 'profile.patient'));
  const day = opd.dayOf(opd.now());
  const key = `abdm-share:${createHash('sha256')
    .update(`${hipId}|${String(patient.id)}|${day}`)
    .digest('hex')
    .slice(0, 32)}`;
  const common = { category: counter.category ?? 'WALK_IN', patient, date: day, holdMinutes: validity, actor: options.actor ?? 'abdm-share' };
  // A re-scan answers the token of the day's scan while it stands; once it ended (its hold
  // lapsed, it was cancelled or seen) the next key of the day books a new one: a dead token is
  // never answered as a live one.
  let token: Token | undefined;
  for (let scan = 0; token === undefined; scan++) {
    if (scan >= MAX_SCANS_A_DAY)
      throw invalid(
        'profile.patient.abhaAddress',
        `The patient's tokens of the day at this facility ended ${MAX_SCANS_A_DAY} times: the counter books the next one`,
      );
    const idempotencyKey = scan === 0 ? key : `${key}:${scan}`;
    const held =
      counter.department !== undefined
        ? await opd.hold({ ...common, idempotencyKey, department: counter.department })
        : await opd.hold({ ...common, idempotencyKey, doctorId: counter.doctorId });
    // A replayed key answers the token as it was booked: its status now is the store's.
    const now = held.replayed === true ? await opd.getToken(held.token.id) : held.token;
    if (stands(now, opd.now())) token = now;
  }
  return {
    acknowledgement: { status: 'SUCCESS', abhaAddress: String(patient.id), profile: { context, tokenNumber: token.label, expiry: String(validity * 60) } },
    response: { requestId },
    token,
  };
}

function readPatient(p: Record<string, unknown>): Patient {
  const abhaAddress = text(p, 'abhaAddress', 'profile.patient.abhaAddress');
  const name = text(p, 'name', 'profile.patient.name');
  const out: Record<string, unknown> = { id: abhaAddress, name };
  for (const key of ['abhaNumber', 'mobile', 'phoneNumber', 'dob'] as const) {
    const value = p[key];
    if (value === undefined || value === null) continue;
    // NHA's PHR v3 document (§5.3.2) sends the ABHA number as a bare JSON number.
    if (key === 'abhaNumber' && typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      out[key] = String(value);
      continue;
    }
    if (typeof value !== 'string')
      throw invalid(`profile.patient.${key}`, `Expected \`profile.patient.${key}\` as a string${key === 'abhaNumber' ? ' or a whole number' : ''}`);
    out[key] = value;
  }
  for (const key of ['yearOfBirth', 'monthOfBirth', 'dayOfBirth'] as const) {
    const value = p[key];
    if (value === undefined || value === null) continue;
    const n = typeof value === 'string' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      throw invalid(`profile.patient.${key}`, `Expected \`profile.patient.${key}\` as a whole number`);
    out[key] = n;
  }
  if (p['gender'] !== undefined) {
    if (typeof p['gender'] !== 'string' || !GENDERS.has(p['gender']))
      throw invalid('profile.patient.gender', 'Expected `profile.patient.gender` as M, F, O, T or U');
    out['gender'] = p['gender'];
  }
  if (p['address'] !== undefined && p['address'] !== null) {
    const address = objectAt(p, 'address', 'profile.patient.address');
    for (const [key, value] of Object.entries(address))
      if (value !== null && typeof value !== 'string')
        throw invalid(`profile.patient.address.${key}`, `Expected \`profile.patient.address.${key}\` as a string`);
    out['address'] = { ...address };
  }
  return out as Patient;
}
