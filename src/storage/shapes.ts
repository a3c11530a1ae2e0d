/**
 * Shape checks of what a storage adapter hands back, made before it reaches a caller: a record
 * with a field missing or of the wrong kind would come out as a `Doctor`, `Slot`, `Token` or
 * `Stats` holding `undefined`, `null` or a string where a number belongs. Each check reads a
 * field once, never looks into a patient beyond its being an object, and answers `false` (never
 * throws) for a proxy or a getter that throws.
 */
import { OPD_EVENT_TYPES, type OpdEvent } from '../events.js';
import type { ClaimRecord, DayRecord, DoctorRecord, SlotRecord, TokenRecord } from '../model/records.js';
import type { DaySnapshot } from '../model/snapshot.js';
import { TOKEN_STATUSES } from '../types.js';
import { MAX_INSTANT, MIN_INSTANT } from '../validate.js';
import type { DayDump } from './adapter.js';

const TOKEN_STATUS_SET: ReadonlySet<unknown> = new Set(TOKEN_STATUSES);
const EVENT_TYPE_SET: ReadonlySet<unknown> = new Set(OPD_EVENT_TYPES);

type Fields = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null;
}

function isStringOrNull(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

/** A non-negative safe integer. */
function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Epoch milliseconds in the years the scheduler accepts (1970 to 9999). */
function isInstant(value: unknown): boolean {
  return typeof value === 'number' && value >= MIN_INSTANT && value <= MAX_INSTANT;
}

function isInstantOrNull(value: unknown): boolean {
  return value === null || isInstant(value);
}

/** Whether `check` accepts `value`; `false` when reading it throws. */
function holds(check: (value: Fields) => boolean, value: unknown): boolean {
  if (!isObject(value)) return false;
  try {
    return check(value);
  } catch {
    return false; // a proxy or a getter that throws
  }
}

function doctorFields(d: Fields): boolean {
  const consultMinutes = d['consultMinutes'];
  const department = d['department'];
  return (
    typeof d['id'] === 'string' &&
    typeof d['name'] === 'string' &&
    isStringOrNull(d['specialization']) &&
    (consultMinutes === null || (typeof consultMinutes === 'number' && Number.isFinite(consultMinutes) && consultMinutes > 0)) &&
    isInstant(d['createdAt']) &&
    (department === undefined || isStringOrNull(department)) &&
    (d['room'] === undefined || isStringOrNull(d['room'])) &&
    (d['retiredFrom'] === undefined || d['retiredFrom'] === null || isInstant(d['retiredFrom'])) &&
    (d['retiredReason'] === undefined || isStringOrNull(d['retiredReason'])) &&
    (d['system'] === undefined || d['system'] === 'allopathic' || d['system'] === 'ayush') &&
    (d['specialist'] === undefined || typeof d['specialist'] === 'boolean')
  );
}

function slotFields(s: Fields): boolean {
  const status = s['status'];
  return (
    typeof s['id'] === 'string' &&
    typeof s['doctorId'] === 'string' &&
    typeof s['day'] === 'string' &&
    isInstant(s['start']) &&
    isInstant(s['end']) &&
    isCount(s['capacity']) &&
    isCount(s['overflowCapacity']) &&
    (status === 'OPEN' || status === 'CLOSED') &&
    isStringOrNull(s['closedReason'])
  );
}

function tokenFields(t: Fields): boolean {
  const rank = t['rank'];
  const tokenNumber = t['tokenNumber'];
  return (
    typeof t['id'] === 'string' &&
    typeof t['doctorId'] === 'string' &&
    typeof t['day'] === 'string' &&
    isStringOrNull(t['slotId']) &&
    isStringOrNull(t['waitingForSlotId']) &&
    typeof t['category'] === 'string' &&
    typeof rank === 'number' &&
    Number.isFinite(rank) &&
    TOKEN_STATUS_SET.has(t['status']) &&
    isCount(tokenNumber) &&
    (tokenNumber as number) > 0 &&
    isObject(t['patient']) &&
    isInstant(t['requestedAt']) &&
    isCount(t['bumpCount']) &&
    isInstantOrNull(t['placedAt']) &&
    isInstantOrNull(t['notBefore']) &&
    isStringOrNull(t['idempotencyKey']) &&
    isStringOrNull(t['cancelReason']) &&
    isInstant(t['updatedAt']) &&
    isInstantOrNull(t['holdExpiresAt']) &&
    typeof t['label'] === 'string' &&
    (t['callIndex'] === undefined || t['callIndex'] === null || (isCount(t['callIndex']) && (t['callIndex'] as number) > 0)) &&
    (t['toldEta'] === undefined || isInstantOrNull(t['toldEta'])) &&
    (t['turnNearSent'] === undefined || typeof t['turnNearSent'] === 'boolean') &&
    (t['journey'] === undefined || isObject(t['journey']))
  );
}

function dayFields(r: Fields, checked?: WeakSet<object>): boolean {
  return (
    typeof r['doctorId'] === 'string' &&
    typeof r['day'] === 'string' &&
    isCount(r['lastTokenNumber']) &&
    isCount(r['bumps']) &&
    isCount(r['cascades']) &&
    isCount(r['promotions']) &&
    isCount(r['drops']) &&
    isObject(r['labels']) &&
    (r['claims'] === undefined || claimListChecked(r['claims'], checked)) &&
    (r['displaced'] === undefined || isObject(r['displaced']))
  );
}

/**
 * Whether `claims` is a list of claim records. A day's claim list is replaced whole when it
 * changes, never changed in place, and a day can hold many claims (an entitlement's end for each
 * visit charged): a list found good is added to `checked` (the caller's, weakly held: it goes
 * with the days that hold it), and not walked again.
 */
function claimListChecked(claims: unknown, checked: WeakSet<object> | undefined): boolean {
  if (checked !== undefined && typeof claims === 'object' && claims !== null && checked.has(claims)) return true;
  if (!allOf(claims, isClaimRecord)) return false;
  checked?.add(claims as object);
  return true;
}

/** Whether `value` has the fields of a {@link ClaimRecord}, each of its kind (its `detail` only as an object). */
export function isClaimRecord(value: unknown): value is ClaimRecord {
  return holds(
    (c) =>
      typeof c['id'] === 'string' &&
      typeof c['kind'] === 'string' &&
      typeof c['slotId'] === 'string' &&
      isCount(c['places']) &&
      isCount(c['used']) &&
      typeof c['state'] === 'string' &&
      isInstantOrNull(c['endsAt']) &&
      isInstantOrNull(c['dueAt']) &&
      isStringOrNull(c['actor']) &&
      (c['tokenId'] === undefined || typeof c['tokenId'] === 'string') &&
      (c['group'] === undefined || typeof c['group'] === 'string') &&
      (c['detail'] === undefined || isObject(c['detail'])),
    value,
  );
}

/** Whether every item of `value`, an array, is a record `check` accepts. */
function allOf(value: unknown, check: (value: unknown) => boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (!check(value[i])) return false;
  return true;
}

/** Whether `value` has the fields of a {@link DoctorRecord}, each of its kind. */
export function isDoctorRecord(value: unknown): value is DoctorRecord {
  return holds(doctorFields, value);
}

/** Whether `value` has the fields of a {@link SlotRecord}, each of its kind. */
export function isSlotRecord(value: unknown): value is SlotRecord {
  return holds(slotFields, value);
}

/** Whether `value` has the fields of a {@link TokenRecord}, each of its kind (the patient only as an object). */
export function isTokenRecord(value: unknown): value is TokenRecord {
  return holds(tokenFields, value);
}

/** Whether `value` has the fields of a {@link DayRecord}, each of its kind. */
export function isDayRecord(value: unknown): value is DayRecord {
  return holds(dayFields, value);
}

/**
 * Whether `value` is a {@link DaySnapshot}: a day record, slots with their places, and a waitlist,
 * all records. `checked`: the claim lists already found good (see {@link claimListChecked}).
 */
export function isDaySnapshot(value: unknown, checked?: WeakSet<object>): value is DaySnapshot {
  return holds(
    (d) =>
      holds((r) => dayFields(r, checked), d['record']) &&
      allOf(d['slots'], (state) => holds((s) => isSlotRecord(s['slot']) && allOf(s['places'], isTokenRecord), state)) &&
      allOf(d['waitlist'], isTokenRecord),
    value,
  );
}

/** Whether `value` is a {@link DayDump}: a day record, and arrays of slot and token records. */
export function isDayDump(value: unknown): value is DayDump {
  return holds((d) => isDayRecord(d['record']) && allOf(d['slots'], isSlotRecord) && allOf(d['tokens'], isTokenRecord), value);
}

function eventFields(e: Fields): boolean {
  const seq = e['seq'];
  const at = e['at'];
  return (
    typeof e['type'] === 'string' &&
    typeof seq === 'number' &&
    Number.isSafeInteger(seq) &&
    seq > 0 &&
    typeof e['doctorId'] === 'string' &&
    at instanceof Date &&
    !Number.isNaN(at.getTime())
  );
}

/**
 * Whether `value` is a stored event: a string `type`, a positive integer `seq`, a string
 * `doctorId` and a valid `Date` `at`. Its type may be one this version does not know (written by
 * a later one).
 */
export function isEvent(value: unknown): value is OpdEvent {
  return holds(eventFields, value);
}

/** Whether `value` is a stored event ({@link isEvent}) of a type of `OPD_EVENT_TYPES`. */
export function isKnownEvent(value: unknown): value is OpdEvent {
  return holds((e) => eventFields(e) && EVENT_TYPE_SET.has(e['type']), value);
}
