/**
 * The inputs that shape a doctor's schedule: the doctor and its changes, slots, a weekly rota
 * expanded to slots, a leave, a pause and a retirement. Booking requests are read in
 * `src/inputs.ts`; the single fields they share in `src/input-fields.ts`.
 */
import type { RotaDraft } from './core/commands/add-recurring-slots.js';
import type { SlotDraft } from './core/commands/add-slots.js';
import type { DoctorFieldsPatch } from './core/commands/doctors.js';
import { OpdError, invalid } from './errors.js';
import { FIRST_DAY, MAX_CAPACITY, localDayOf, parseActor, parseBoundedInstant, parseDryRun, parseReason } from './input-fields.js';
import { describe, MINUTE, parseDay, utcDay } from './time.js';
import type { Doctor, DoctorInput, DoctorPatchInput } from './types.js';
import { MAX_INSTANT, MIN_INSTANT, arrayItems, expectId, expectInteger, expectObject, expectOptionalBoolean, expectText } from './validate.js';

/** The systems of medicine a doctor may practise. */
const DOCTOR_SYSTEMS: readonly Doctor['system'][] = ['allopathic', 'ayush'];
type DoctorSystem = Doctor['system'];
const DOCTOR_KEYS: ReadonlySet<string> = new Set(['id', 'name', 'specialization', 'consultMinutes', 'department', 'room', 'system', 'specialist']);
const SLOT_KEYS: ReadonlySet<string> = new Set(['id', 'start', 'end', 'capacity', 'overflowCapacity']);
const MAX_SLOT_MS = 24 * 60 * MINUTE;
const MAX_SLOTS_PER_CALL = 10_000;

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
