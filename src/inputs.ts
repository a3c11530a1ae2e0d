/**
 * The requests of booking calls — a booking or hold by doctor or by department, an availability
 * query, a desk's lease — and the category check they share. The single fields every input
 * shares are read in `src/input-fields.ts`, a doctor's schedule inputs in
 * `src/schedule-inputs.ts`; both are re-exported here.
 */
import type { AvailabilityCommand } from './core/commands/availability.js';
import type { BookCommand } from './core/commands/book.js';
import type { DepartmentBookCommand } from './core/commands/book-department.js';
import { patientLoad } from './core/command.js';
import { badAnswer, type CoreConfig, pluginAnswer, pluginFailure } from './core/config.js';
import { invalid } from './errors.js';
import { checkAfter, MAX_KEY, parseActor, parseBoundedInstant } from './input-fields.js';
import { describe, MINUTE, parseDay } from './time.js';
import { parseOfferId } from './model/records.js';
import type { LeaseCapacityInput } from './core/commands/lease.js';
import type { Patient } from './types.js';
import { canonicalJson, copyPatient, expectId, expectInteger, expectKey, expectObject, expectObjectOf, isPlainObject } from './validate.js';

/** The fields of a booking request (every booking reads its request's keys: a `switch`, not a set). */
function isBookKey(key: string): boolean {
  switch (key) {
    case 'doctorId':
    case 'category':
    case 'patient':
    case 'date':
    case 'slotId':
    case 'after':
    case 'idempotencyKey':
    case 'actor':
      return true;
    default:
      return false;
  }
}

/** The fields of a hold request: a booking's and `holdMinutes`. */
function isHoldKey(key: string): boolean {
  return key === 'holdMinutes' || isBookKey(key);
}
/** The longest hold, in minutes (a day). */
export const MAX_HOLD_MINUTES = 24 * 60;
/** Parses the `after` of a request with its `date` (see {@link checkAfter}). */
function parseAfter(value: unknown, date: string | undefined, dayOf: (ms: number) => string): number | undefined {
  if (value === undefined) return undefined;
  const after = parseBoundedInstant('after', value);
  checkAfter('after', after, 'date', date, dayOf);
  return after;
}

const DEPARTMENT_BOOK_KEYS: ReadonlySet<string> = new Set([
  'department',
  'doctorId',
  'slotId',
  'category',
  'patient',
  'date',
  'after',
  'idempotencyKey',
  'actor',
]);
const DEPARTMENT_HOLD_KEYS: ReadonlySet<string> = new Set([...DEPARTMENT_BOOK_KEYS, 'holdMinutes']);

/**
 * The canonical request an idempotency key's replays are compared on (made only with a key): a
 * hold's minutes are part of it, so that a hold and a booking with one key are different requests.
 */
function fingerprintOf(request: Readonly<Record<string, unknown>>, holdMinutes: number | null): string {
  return canonicalJson(holdMinutes === null ? request : { ...request, holdMinutes });
}

/** Whether a booking request names a department (and is parsed by {@link parseDepartmentBookRequest}). */
export function isDepartmentRequest(request: unknown): boolean {
  if (!isPlainObject(request)) return false; // refused as a request by the doctor parser
  try {
    return request['department'] !== undefined;
  } catch {
    return false; // a throwing getter: the doctor parser refuses it by its field
  }
}

/**
 * Validates a booking request for a department, or with `hold` a hold request for one
 * (`holdMinutes` too), made at `now` (which day the duplicate rules read the patient's tokens from).
 */
export function parseDepartmentBookRequest(request: unknown, config: CoreConfig, now: number, hold = false): DepartmentBookCommand {
  const r = expectObject('request', request, hold ? DEPARTMENT_HOLD_KEYS : DEPARTMENT_BOOK_KEYS);
  const department = expectId('department', r['department']);
  if (r['doctorId'] !== undefined) throw invalid('department', 'Expected either `doctorId` or `department`, not both');
  if (r['slotId'] !== undefined) throw invalid('slotId', 'A booking by department chooses the slot: give `date` or `after` instead of `slotId`');
  const category = expectKey('category', r['category'], 64);
  if (!accepts(config, category)) {
    throw invalid('category', `Unknown category \`${category}\` for priority policy \`${config.priority.name}\``, {
      category,
      known: config.priority.categories,
    });
  }
  const patient = copyPatient(r['patient']);
  const date = r['date'] === undefined ? undefined : parseDay('date', r['date']);
  const after = parseAfter(r['after'], date, config.dayOf);
  const idempotencyKey = r['idempotencyKey'] === undefined ? undefined : parseIdempotencyKey(r['idempotencyKey']);
  const holdMinutes = hold ? expectInteger('holdMinutes', r['holdMinutes'], 1, MAX_HOLD_MINUTES) : null;
  const fingerprint = idempotencyKey === undefined ? undefined : fingerprintOf({ department, category, patient, date, after }, holdMinutes);
  const actor = parseActor('actor', r['actor']);
  return { department, category, patient, date, after, idempotencyKey, fingerprint, actor, holdMinutes, patientLoad: patientLoad(config, patient.id, now) };
}

/**
 * Validates an idempotency key: a storable string of at most 200 characters, not of the form of
 * an offer id (`<doctorId>~<date>~o<n>.<k>`), which the scheduler keeps for accepted offers.
 */
function parseIdempotencyKey(value: unknown): string {
  const key = expectKey('idempotencyKey', value, 200);
  if (parseOfferId(key) !== undefined) {
    throw invalid(
      'idempotencyKey',
      'Expected `idempotencyKey` not to have the form of an offer id (`<doctorId>~<date>~o<n>.<k>`): those keys store accepted offers',
    );
  }
  return key;
}

/**
 * Validates a booking request, or with `hold` a hold request (the same fields and
 * `holdMinutes`, an integer from 1 to {@link MAX_HOLD_MINUTES}), made at `now` (which day the
 * duplicate rules read the patient's tokens from). The command is built whole, in one shape.
 */
export function parseBookRequest(request: unknown, config: CoreConfig, now: number, hold = false): BookCommand {
  const r = expectObjectOf('request', request, hold ? isHoldKey : isBookKey);
  const doctorId = expectId('doctorId', r['doctorId']);
  const category = expectKey('category', r['category'], 64);
  requireCategory(config, category);
  const patient = copyPatient(r['patient']);
  const slotId = r['slotId'] === undefined ? undefined : expectKey('slotId', r['slotId'], MAX_KEY);
  const date = r['date'] === undefined ? undefined : parseDay('date', r['date']);
  const after = parseAfter(r['after'], date, config.dayOf);
  const idempotencyKey = r['idempotencyKey'] === undefined ? undefined : parseIdempotencyKey(r['idempotencyKey']);
  const holdMinutes = hold ? expectInteger('holdMinutes', r['holdMinutes'], 1, MAX_HOLD_MINUTES) : null;
  const fingerprint = idempotencyKey === undefined ? undefined : fingerprintOf({ doctorId, category, patient, slotId, date, after }, holdMinutes);
  const actor = parseActor('actor', r['actor']);
  return {
    doctorId,
    category,
    patient,
    slotId,
    date,
    after,
    idempotencyKey,
    fingerprint,
    actor,
    holdMinutes,
    patientLoad: patientLoad(config, patient.id, now),
  };
}

const AVAILABILITY_KEYS: ReadonlySet<string> = new Set(['doctorId', 'category', 'from', 'to', 'patient', 'actor']);

/** The longest window an availability query may ask about: 62 days. */
export const MAX_AVAILABILITY_DAYS = 62;

/** The patient an availability query without one asks for: no id, so no duplicate rule applies. */
const ANYONE: Readonly<Patient> = Object.freeze({ name: '' });

/**
 * Validates an availability query: a doctor, a category the priority policy knows, a window
 * `[from, to)` of at most {@link MAX_AVAILABILITY_DAYS} days, an optional patient (the duplicate
 * rules then read their tokens) and actor.
 */
export function parseAvailabilityQuery(query: unknown, config: CoreConfig, now: number): AvailabilityCommand {
  const q = expectObject('query', query, AVAILABILITY_KEYS);
  const doctorId = expectId('doctorId', q['doctorId']);
  const category = expectKey('category', q['category'], 64);
  if (!accepts(config, category))
    throw invalid('category', `Unknown category \`${category}\` for priority policy \`${config.priority.name}\``, {
      category,
      known: config.priority.categories,
    });
  const from = parseBoundedInstant('from', q['from']);
  const to = parseBoundedInstant('to', q['to']);
  if (to <= from) throw invalid('to', 'Expected `to` to be later than `from`');
  if (to - from > MAX_AVAILABILITY_DAYS * 24 * 60 * MINUTE) throw invalid('to', `Expected a window of at most ${MAX_AVAILABILITY_DAYS} days`);
  const patient = q['patient'] === undefined ? ANYONE : copyPatient(q['patient']);
  const actor = parseActor('actor', q['actor']);
  return { doctorId, category, patient, from, to, actor, patientLoad: patient === ANYONE ? undefined : patientLoad(config, patient.id, now) };
}

export { expectId, expectInteger, expectKey, parseDay };
// The shell and the scheduler read every input through this module.
export { MAX_CAPACITY, MAX_KEY, checkAfter, localDayOf, parseActor, parseBoundedInstant, parseDryRun, parseOptions, parseReason } from './input-fields.js';
export {
  DEFAULT_LEAVE_HORIZON_DAYS,
  type ParsedLeave,
  parseDoctorInput,
  parseDoctorPatch,
  parseLeave,
  parsePause,
  parseRetirement,
  parseRoom,
  parseRota,
  parseSlotInputs,
} from './schedule-inputs.js';

const LEASE_KEYS: ReadonlySet<string> = new Set(['deskId', 'doctorId', 'date', 'places', 'categories', 'ttlMinutes']);
const DESK_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Validates `leaseCapacity`'s request: a desk id (letters, digits, `_`, `-`; it prefixes labels), known categories, 1 to 10 000 places, 1 to 1440 minutes. */
export function parseLeaseRequest(request: unknown, config: CoreConfig): LeaseCapacityInput {
  const r = expectObject('request', request, LEASE_KEYS, '');
  const deskId = r['deskId'];
  if (typeof deskId !== 'string' || !DESK_ID.test(deskId))
    throw invalid('deskId', `Expected \`deskId\` to be 1 to 32 letters, digits, \`_\` or \`-\`, got ${describe(deskId)}`);
  const doctorId = expectId('doctorId', r['doctorId']);
  const day = parseDay('date', r['date']);
  const places = expectInteger('places', r['places'], 1, 10_000);
  const ttlMinutes = expectInteger('ttlMinutes', r['ttlMinutes'], 1, 1440);
  let categories: string[] | null = null;
  if (r['categories'] !== undefined) {
    const list = r['categories'];
    if (!Array.isArray(list) || list.length === 0 || list.length > 64)
      throw invalid('categories', `Expected \`categories\` to be a list of 1 to 64 categories, got ${describe(list)}`);
    categories = [];
    for (const item of list as unknown[]) {
      const category = expectKey('categories', item, 64);
      if (!accepts(config, category))
        throw invalid('categories', `Unknown category \`${category}\` for priority policy \`${config.priority.name}\``, {
          category,
          known: config.priority.categories,
        });
      if (!categories.includes(category)) categories.push(category);
    }
  }
  return { deskId, doctorId, day, places, categories, ttlMinutes };
}

const LEASE_REF_KEYS: ReadonlySet<string> = new Set(['id', 'deskId', 'doctorId', 'date', 'status', 'categories', 'slots', 'prefix', 'grantedAt', 'endsAt']);

/** Validates the lease `returnLease` names: its `id`, `doctorId` and `date` (a whole `Lease` is accepted). */
export function parseLeaseRef(lease: unknown): { readonly doctorId: string; readonly day: string; readonly leaseId: string } {
  const r = expectObject('lease', lease, LEASE_REF_KEYS, '');
  return { doctorId: expectId('doctorId', r['doctorId']), day: parseDay('date', r['date']), leaseId: expectKey('id', r['id'], 200) };
}

/** Refuses (`VALIDATION_FAILED` naming `field`) a category the priority policy does not accept. */
export function requireCategory(config: CoreConfig, category: string, field = 'category'): void {
  if (!accepts(config, category)) {
    throw invalid(field, `Unknown category \`${category}\` for priority policy \`${config.priority.name}\``, { category, known: config.priority.categories });
  }
}

/** Whether the priority policy accepts `category`: a throwing policy, or one that does not answer `true` or `false`, is named. */
function accepts(config: CoreConfig, category: string): boolean {
  const policy = config.priority;
  // Asked for every booking: called directly rather than through a closure for `callPlugin`.
  let answer: unknown;
  try {
    answer = policy.accepts(category);
  } catch (error) {
    throw pluginFailure('priority policy', policy.name, error);
  }
  if (typeof answer === 'boolean') return answer;
  pluginAnswer('priority policy', policy.name, answer);
  throw badAnswer('priority policy', policy.name, '`true` or `false` from `accepts`');
}
