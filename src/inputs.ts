import type { AvailabilityCommand } from './core/commands/availability.js';
import type { BookCommand } from './core/commands/book.js';
import type { DepartmentBookCommand } from './core/commands/book-department.js';
import type { SlotDraft } from './core/commands/add-slots.js';
import type { RotaDraft } from './core/commands/add-recurring-slots.js';
import { patientLoad } from './core/command.js';
import { badAnswer, type CoreConfig, pluginAnswer, pluginFailure } from './core/config.js';
import { OpdError, invalid } from './errors.js';
import { describe, MINUTE, parseDay, parseInstant, utcDay } from './time.js';
import { parseOfferId } from './model/records.js';
import type { DoctorFieldsPatch } from './core/commands/doctors.js';
import type { LeaseCapacityInput } from './core/commands/lease.js';
import type { Doctor, DoctorInput, DoctorPatchInput, Patient } from './types.js';
import {
  MAX_INSTANT,
  MIN_INSTANT,
  arrayItems,
  canonicalJson,
  copyPatient,
  expectId,
  expectInteger,
  expectKey,
  expectObject,
  expectObjectOf,
  expectOptionalBoolean,
  expectText,
  isPlainObject,
} from './validate.js';

/** The systems of medicine a doctor may practise. */
const DOCTOR_SYSTEMS: readonly Doctor['system'][] = ['allopathic', 'ayush'];
type DoctorSystem = Doctor['system'];

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
const DOCTOR_KEYS: ReadonlySet<string> = new Set(['id', 'name', 'specialization', 'consultMinutes', 'department', 'room', 'system', 'specialist']);
const SLOT_KEYS: ReadonlySet<string> = new Set(['id', 'start', 'end', 'capacity', 'overflowCapacity']);
const MAX_SLOT_MS = 24 * 60 * MINUTE;
const MAX_CAPACITY = 100_000;
const MAX_SLOTS_PER_CALL = 10_000;

/** Upper bound of lookup keys (token ids are `${doctorId}~${day}~${n}`). */
export const MAX_KEY = 300;

/** An instant within the supported range. */
export function parseBoundedInstant(field: string, value: unknown): number {
  const ms = parseInstant(field, value);
  if (ms < MIN_INSTANT || ms > MAX_INSTANT) throw invalid(field, `Expected \`${field}\` to be between the years 1970 and 9999`);
  return ms;
}

/** The first and last local days a slot or a token may have. */
const FIRST_DAY = '1970-01-01';
const LAST_DAY = '9999-12-31';

/**
 * The local day of an instant given as `field`, which must be one of {@link FIRST_DAY} to
 * {@link LAST_DAY}: an instant within the years 1970 to 9999 may fall on the local day
 * `10000-01-01` east of Greenwich, or `1969-12-31` west of it, which no `YYYY-MM-DD` date names —
 * a slot or token there could never be read or cancelled.
 * @throws OpdError `VALIDATION_FAILED` naming `field`
 */
export function localDayOf(field: string, ms: number, dayOf: (ms: number) => string): string {
  const day = dayOf(ms);
  // A day of year 10000 has 11 characters (and sorts before `9999` as text).
  if (day.length !== 10 || day < FIRST_DAY || day > LAST_DAY) {
    throw invalid(field, `Expected \`${field}\` to fall on a local day from ${FIRST_DAY} to ${LAST_DAY} in the scheduler's time zone`);
  }
  return day;
}

/**
 * Checks a parsed `after` (given as `field`) against the `date` of the same request (given as
 * `dateField`): `after` must fall on a local day the scheduler can name ({@link localDayOf}), and
 * not on a day later than `date` — every slot of `date` would start before it, so the request
 * could never be placed (a token would wait on `date` for ever).
 * @throws OpdError `VALIDATION_FAILED` naming `field`
 */
export function checkAfter(field: string, after: number, dateField: string, date: string | undefined, dayOf: (ms: number) => string): void {
  const day = localDayOf(field, after, dayOf);
  if (date !== undefined && day > date) {
    throw invalid(
      field,
      `Expected \`${field}\` to be before the end of \`${dateField}\`: it falls on a later day, so no slot of \`${dateField}\` could take the request`,
    );
  }
}

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

/** Validates a doctor. */
export function parseDoctorInput(input: unknown): {
  id: string | undefined;
  name: string;
  specialization: string | null;
  consultMinutes: number | null;
  department: string | null;
  room: string | null;
  system: DoctorSystem;
  specialist: boolean;
} {
  const r = expectObject('doctor', input, DOCTOR_KEYS) as Partial<Record<keyof DoctorInput, unknown>>;
  const id = r.id === undefined ? undefined : expectId('id', r.id);
  const name = expectText('name', r.name);
  const specialization = r.specialization === undefined ? null : expectText('specialization', r.specialization);
  const consultMinutes = r.consultMinutes === undefined ? null : parseConsultMinutes('consultMinutes', r.consultMinutes);
  const department = r.department === undefined ? null : expectId('department', r.department);
  const room = r.room === undefined ? null : parseRoom('room', r.room);
  const system = r.system === undefined ? 'allopathic' : parseSystem('system', r.system);
  const specialist = expectOptionalBoolean('specialist', r.specialist) ?? false;
  return { id, name, specialization, consultMinutes, department, room, system, specialist };
}

/** Validates a doctor's system of medicine (one of {@link DOCTOR_SYSTEMS}). */
function parseSystem(field: string, value: unknown): DoctorSystem {
  if (typeof value === 'string' && (DOCTOR_SYSTEMS as readonly string[]).includes(value)) return value as DoctorSystem;
  throw invalid(field, `Expected \`${field}\` to be one of ${DOCTOR_SYSTEMS.map((s) => `\`${s}\``).join(', ')}, got ${describe(value)}`);
}

/** Validates minutes per consultation: above 0, at most a day. */
function parseConsultMinutes(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 24 * 60) {
    throw invalid(
      field,
      `Expected \`${field}\` to be a number of minutes above 0 and at most 1440, got \`${typeof value === 'number' ? String(value) : describe(value)}\``,
    );
  }
  return value;
}

/** The longest room name accepted (a doctor's, or a call's). */
export const MAX_ROOM = 50;

/** Validates a room name. */
export function parseRoom(field: string, value: unknown): string {
  return expectText(field, value, MAX_ROOM);
}

const DOCTOR_PATCH_KEYS: ReadonlySet<string> = new Set(['name', 'specialization', 'department', 'room', 'consultMinutes', 'system', 'specialist']);

/**
 * Validates the changes of `updateDoctor` as `addDoctor` validates a doctor, each field given; `null`
 * clears an optional one (never the name). An empty patch is refused: it would change nothing.
 */
export function parseDoctorPatch(patch: unknown): DoctorFieldsPatch {
  const r = expectObject('patch', patch, DOCTOR_PATCH_KEYS, 'patch.') as Partial<Record<keyof DoctorPatchInput, unknown>>;
  const out: { -readonly [K in keyof DoctorFieldsPatch]: DoctorFieldsPatch[K] } = {};
  // Only own fields, each read once (a getter is not asked twice).
  const given = (key: keyof DoctorPatchInput): unknown => (Object.hasOwn(r, key) ? r[key] : undefined);
  const name = given('name');
  if (name !== undefined) out.name = expectText('patch.name', name);
  const specialization = given('specialization');
  if (specialization !== undefined) out.specialization = specialization === null ? null : expectText('patch.specialization', specialization);
  const department = given('department');
  if (department !== undefined) out.department = department === null ? null : expectId('patch.department', department);
  const room = given('room');
  if (room !== undefined) out.room = room === null ? null : parseRoom('patch.room', room);
  const consultMinutes = given('consultMinutes');
  if (consultMinutes !== undefined) out.consultMinutes = consultMinutes === null ? null : parseConsultMinutes('patch.consultMinutes', consultMinutes);
  const system = given('system');
  if (system !== undefined) out.system = parseSystem('patch.system', system);
  const specialist = expectOptionalBoolean('patch.specialist', given('specialist'));
  if (specialist !== undefined) out.specialist = specialist;
  if (Object.keys(out).length === 0) {
    throw invalid(
      'patch',
      'Expected `patch` to change at least one of `name`, `specialization`, `department`, `room`, `consultMinutes`, `system`, `specialist`',
    );
  }
  return out;
}

/** Validates slots to add: formats, ranges, ids and overlaps within the call. */
export function parseSlotInputs(slots: unknown, defaultOverflowCapacity: number, dayOf: (ms: number) => string): SlotDraft[] {
  // Read by index up to the checked length (holes as `undefined`), never by the array's iterator.
  const items = arrayItems('slots', slots, MAX_SLOTS_PER_CALL, (length) => `Expected at most ${MAX_SLOTS_PER_CALL} slots per call, got ${length}`);
  if (items === undefined) throw invalid('slots', `Expected \`slots\` to be an array, got ${describe(slots)}`);
  const drafts = items.map((value: unknown, i): SlotDraft => {
    const field = `slots[${i}]`;
    const r = expectObject(field, value, SLOT_KEYS, `${field}.`);
    const id = r['id'] === undefined ? undefined : expectId(`${field}.id`, r['id']);
    const start = parseBoundedInstant(`${field}.start`, r['start']);
    const end = parseBoundedInstant(`${field}.end`, r['end']);
    if (end <= start) throw invalid(`${field}.end`, `Expected \`${field}.end\` to be after \`${field}.start\``);
    if (end - start > MAX_SLOT_MS) throw invalid(`${field}.end`, `Expected \`${field}\` to last at most 24 hours`);
    const capacity = expectInteger(`${field}.capacity`, r['capacity'], 0, MAX_CAPACITY);
    const overflowCapacity =
      r['overflowCapacity'] === undefined ? defaultOverflowCapacity : expectInteger(`${field}.overflowCapacity`, r['overflowCapacity'], 0, MAX_CAPACITY);
    return { id, start, end, capacity, overflowCapacity, day: localDayOf(`${field}.start`, start, dayOf) };
  });
  const ids = new Set<string>();
  drafts.forEach((d, i) => {
    if (d.id === undefined) return;
    if (ids.has(d.id)) throw invalid(`slots[${i}].id`, `Slot id \`${d.id}\` appears twice in the call`, { slotId: d.id });
    ids.add(d.id);
  });
  const order = drafts.map((_, i) => i).sort((a, b) => drafts[a]!.start - drafts[b]!.start);
  for (let k = 1; k < order.length; k++) {
    const prev = drafts[order[k - 1]!]!;
    const cur = drafts[order[k]!]!;
    if (cur.start < prev.end) {
      throw new OpdError('SLOT_OVERLAP', `Slots ${order[k - 1]} and ${order[k]} of the call overlap`, {
        details: { field: `slots[${order[k]}]`, otherIndex: order[k - 1] },
      });
    }
  }
  return drafts;
}

const ROTA_KEYS: ReadonlySet<string> = new Set(['weekly', 'from', 'to', 'except']);
const ROTA_ENTRY_KEYS: ReadonlySet<string> = new Set(['weekday', 'start', 'end', 'slotMinutes', 'capacity', 'overflowCapacity']);
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_MS = 24 * 60 * MINUTE;
/** A rota covers at most this many days (a leap year). */
export const MAX_ROTA_DAYS = 366;
const MAX_ROTA_ENTRIES = 100;

/** A weekly entry of a rota, validated; times as minutes of the local day. */
interface RotaEntry {
  readonly weekday: number;
  readonly start: number;
  readonly end: number;
  readonly slotMinutes: number;
  readonly capacity: number;
  readonly overflowCapacity: number;
}

/** How the shell resolves local time for a rota: the zone's wall times and local dates. */
export interface RotaClock {
  /** The instants of a local wall time (none in a gap, two in a repeated hour). */
  readonly wallTime: (day: string, minute: number) => readonly number[];
  /** The local date of an instant. */
  readonly dayOf: (ms: number) => string;
}

/**
 * Validates a weekly rota and expands it to its slots, in time order. A slot whose start or end
 * local time does not exist on its date or occurs twice there (the clock change of a zone with
 * daylight saving time) is left out, so that every slot is exactly its local window and no two
 * slots overlap.
 */
export function parseRota(rota: unknown, defaultOverflowCapacity: number, clock: RotaClock): RotaDraft[] {
  const r = expectObject('rota', rota, ROTA_KEYS, 'rota.');
  const from = parseDay('rota.from', r['from']);
  const to = parseDay('rota.to', r['to']);
  if (from < FIRST_DAY) throw invalid('rota.from', `Expected \`rota.from\` to be a date from ${FIRST_DAY} on`);
  const first = Date.parse(`${from}T00:00:00Z`);
  const last = Date.parse(`${to}T00:00:00Z`);
  if (last < first) throw invalid('rota.to', 'Expected `rota.to` not to be before `rota.from`');
  if ((last - first) / DAY_MS >= MAX_ROTA_DAYS) throw invalid('rota.to', `Expected a rota of at most ${MAX_ROTA_DAYS} days`);
  const except = new Set<string>();
  if (r['except'] !== undefined) {
    const list = r['except'];
    const days = arrayItems('rota.except', list, MAX_ROTA_DAYS, () => `Expected at most ${MAX_ROTA_DAYS} dates in \`rota.except\``);
    if (days === undefined) throw invalid('rota.except', `Expected \`rota.except\` to be an array of dates, got ${describe(list)}`);
    days.forEach((day, i) => except.add(parseDay(`rota.except[${i}]`, day)));
  }
  const weekly = r['weekly'];
  const items = arrayItems('rota.weekly', weekly, MAX_ROTA_ENTRIES, () => `Expected at most ${MAX_ROTA_ENTRIES} weekly entries`);
  if (items === undefined || items.length === 0) throw invalid('rota.weekly', `Expected \`rota.weekly\` to be a non-empty array, got ${describe(weekly)}`);
  const entries = items.map((value, i) => parseRotaEntry(value, `rota.weekly[${i}]`, defaultOverflowCapacity));
  entries.forEach((a, i) => {
    const j = entries.findIndex((b, k) => k < i && b.weekday === a.weekday && b.start < a.end && a.start < b.end);
    if (j >= 0) {
      throw new OpdError('SLOT_OVERLAP', `Entries ${j} and ${i} of the weekly rota overlap`, { details: { field: `rota.weekly[${i}]`, otherIndex: j } });
    }
  });
  const drafts: RotaDraft[] = [];
  for (let at = first; at <= last; at += DAY_MS) {
    const day = utcDay(at);
    if (except.has(day)) continue;
    const weekday = ((new Date(at).getUTCDay() + 6) % 7) + 1;
    const sessions = entries
      .map((e, entry) => ({ e, entry }))
      .filter(({ e }) => e.weekday === weekday)
      .sort((a, b) => a.e.start - b.e.start);
    for (const { e, entry } of sessions) {
      for (let m = e.start; m < e.end; m += e.slotMinutes) {
        const starts = clock.wallTime(day, m);
        const ends = clock.wallTime(day, m + e.slotMinutes);
        if (starts.length !== 1 || ends.length !== 1) continue;
        const start = starts[0]!;
        const end = ends[0]!;
        // A local time early on 1970-01-01 east of Greenwich, or late on 9999-12-31 west of it,
        // is an instant outside the years 1970 to 9999.
        if (start < MIN_INSTANT)
          throw invalid('rota.from', `Expected every slot of the rota to start in the year 1970 or later: the one at ${localTime(m)} on ${day} starts before`);
        if (end > MAX_INSTANT)
          throw invalid('rota.to', `Expected every slot of the rota to end in the year 9999 or earlier: the one at ${localTime(m)} on ${day} ends after`);
        drafts.push({
          id: undefined,
          entry,
          start,
          end,
          capacity: e.capacity,
          overflowCapacity: e.overflowCapacity,
          day: localDayOf('rota', start, clock.dayOf),
        });
        if (drafts.length > MAX_SLOTS_PER_CALL) {
          throw invalid('rota', `Expected a rota of at most ${MAX_SLOTS_PER_CALL} slots; split the range`);
        }
      }
    }
  }
  return drafts;
}

function parseRotaEntry(value: unknown, field: string, defaultOverflowCapacity: number): RotaEntry {
  const r = expectObject(field, value, ROTA_ENTRY_KEYS, `${field}.`);
  const weekday = expectInteger(`${field}.weekday`, r['weekday'], 1, 7);
  const start = parseLocalTime(`${field}.start`, r['start']);
  const end = parseLocalTime(`${field}.end`, r['end']);
  if (end <= start) throw invalid(`${field}.end`, `Expected \`${field}.end\` to be after \`${field}.start\``);
  const slotMinutes = expectInteger(`${field}.slotMinutes`, r['slotMinutes'], 1, 24 * 60);
  if ((end - start) % slotMinutes !== 0) {
    throw invalid(`${field}.slotMinutes`, `Expected \`${field}.slotMinutes\` to divide the session of ${end - start} minutes`);
  }
  const capacity = expectInteger(`${field}.capacity`, r['capacity'], 0, MAX_CAPACITY);
  const overflowCapacity =
    r['overflowCapacity'] === undefined ? defaultOverflowCapacity : expectInteger(`${field}.overflowCapacity`, r['overflowCapacity'], 0, MAX_CAPACITY);
  return { weekday, start, end, slotMinutes, capacity, overflowCapacity };
}

/** Minutes of a local day (up to 1440) as `HH:MM`. */
function localTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A local time `HH:MM` as minutes of the day. */
function parseLocalTime(field: string, value: unknown): number {
  const match = typeof value === 'string' ? HH_MM.exec(value) : null;
  if (match === null)
    throw invalid(
      field,
      `Expected \`${field}\` to be a local time \`HH:MM\` (00:00 to 23:59), got ${typeof value === 'string' ? 'another text' : describe(value)}`,
    );
  return Number(match[1]) * 60 + Number(match[2]);
}

const LEAVE_KEYS: ReadonlySet<string> = new Set(['from', 'to', 'reason', 'dryRun', 'reassign', 'horizonDays', 'actor']);
/** A leave spans at most this many days. */
export const MAX_LEAVE_DAYS = 366;
/** How many days after a leave displaced patients may be moved to, unless the leave says. */
export const DEFAULT_LEAVE_HORIZON_DAYS = 28;

/** A validated leave: the instants `[from, to)`, why, whether to only preview, where to reassign. */
export interface ParsedLeave {
  readonly from: number;
  readonly to: number;
  readonly reason: string | null;
  readonly dryRun: boolean;
  readonly reassign: 'department' | null;
  /** Days after the leave's end in which a displaced patient may be moved to a later day (0: none). */
  readonly horizonDays: number;
  /** Who makes the call, or `null`. */
  readonly actor: string | null;
}

/** Validates a doctor's leave for `closeSlots`. */
export function parseLeave(leave: unknown): ParsedLeave {
  const r = expectObject('leave', leave, LEAVE_KEYS, 'leave.');
  const from = parseBoundedInstant('leave.from', r['from']);
  const to = parseBoundedInstant('leave.to', r['to']);
  if (to <= from) throw invalid('leave.to', 'Expected `leave.to` to be after `leave.from`');
  if (to - from > MAX_LEAVE_DAYS * DAY_MS) throw invalid('leave.to', `Expected a leave of at most ${MAX_LEAVE_DAYS} days; split a longer one`);
  const reason = parseReason('leave.reason', r['reason']);
  const dryRun = parseDryRun('leave.dryRun', r['dryRun']);
  const reassign = parseReassign('leave.reassign', r['reassign']);
  const horizonDays = r['horizonDays'] === undefined ? DEFAULT_LEAVE_HORIZON_DAYS : expectInteger('leave.horizonDays', r['horizonDays'], 0, MAX_LEAVE_DAYS);
  return { from, to, reason, dryRun, reassign, horizonDays, actor: parseActor('leave.actor', r['actor']) };
}

const PAUSE_KEYS: ReadonlySet<string> = new Set(['minutes', 'reason', 'actor']);

/** The longest pause accepted, in minutes: half a day. */
export const MAX_PAUSE_MINUTES = 720;

/** A validated pause for `pauseDoctor`. */
export interface ParsedPause {
  readonly minutes: number;
  readonly reason: string | null;
  readonly actor: string | null;
}

/** Validates a doctor's pause for `pauseDoctor`. */
export function parsePause(pause: unknown): ParsedPause {
  const r = expectObject('pause', pause, PAUSE_KEYS, 'pause.');
  const minutes = expectInteger('pause.minutes', r['minutes'], 1, MAX_PAUSE_MINUTES);
  return { minutes, reason: parseReason('pause.reason', r['reason']), actor: parseActor('pause.actor', r['actor']) };
}

/** Validates where displaced patients go: `'department'`, or `null` when omitted. */
function parseReassign(field: string, value: unknown): 'department' | null {
  if (value !== undefined && value !== 'department') {
    throw invalid(field, `Expected \`${field}\` to be \`department\` or omitted, got ${typeof value === 'string' ? 'another text' : describe(value)}`);
  }
  return value ?? null;
}

const RETIRE_KEYS: ReadonlySet<string> = new Set(['from', 'reason', 'reassign', 'dryRun', 'actor']);

/** A validated retirement for `retireDoctor`. */
export interface ParsedRetirement {
  /** Epoch milliseconds. */
  readonly from: number;
  readonly reason: string | null;
  readonly reassign: 'department' | null;
  readonly dryRun: boolean;
  readonly actor: string | null;
}

/** Validates a doctor's retirement for `retireDoctor`, as a leave's fields are validated. */
export function parseRetirement(retirement: unknown): ParsedRetirement {
  const r = expectObject('retirement', retirement, RETIRE_KEYS, 'retirement.');
  return {
    from: parseBoundedInstant('retirement.from', r['from']),
    reason: parseReason('retirement.reason', r['reason']),
    reassign: parseReassign('retirement.reassign', r['reassign']),
    dryRun: parseDryRun('retirement.dryRun', r['dryRun']),
    actor: parseActor('retirement.actor', r['actor']),
  };
}

/** Validates an options object that may be omitted. */
export function parseOptions(field: string, value: unknown, keys: ReadonlySet<string>): Record<string, unknown> {
  return value === undefined ? {} : expectObject(field, value, keys, `${field}.`);
}

/** Validates an optional reason text. */
export function parseReason(field: string, value: unknown): string | null {
  return value === undefined ? null : expectText(field, value, 500);
}

/** The longest `actor` accepted. */
export const MAX_ACTOR = 100;

/** Validates an optional `actor`: who makes the call (staff or a system), or `null`. */
export function parseActor(field: string, value: unknown): string | null {
  return value === undefined ? null : expectText(field, value, MAX_ACTOR);
}

/** Validates an optional `dryRun` flag. */
export function parseDryRun(field: string, value: unknown): boolean {
  return expectOptionalBoolean(field, value) ?? false;
}

export { expectId, expectInteger, expectKey, parseDay, MAX_CAPACITY };

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
