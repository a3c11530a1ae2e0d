import { invalid, type OpdError } from './errors.js';

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Milliseconds per minute. */
export const MINUTE = 60_000;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function validCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/**
 * Parses a `Date` or an ISO-8601 string with an offset into epoch milliseconds.
 * @throws OpdError `VALIDATION_FAILED` naming `field`
 */
export function parseInstant(field: string, value: unknown): number {
  const time = timeOf(value);
  if (time !== undefined) {
    if (Number.isNaN(time)) throw invalid(field, `Expected \`${field}\` to be a valid date, got an invalid Date`);
    return time;
  }
  if (typeof value !== 'string') {
    throw invalid(field, `Expected \`${field}\` to be a Date or an ISO-8601 string with an offset, got ${describe(value)}`);
  }
  const match = value.length <= 40 ? ISO_WITH_OFFSET.exec(value) : null;
  if (match === null) {
    throw invalid(field, `Expected \`${field}\` to be an ISO-8601 date-time with an offset (such as \`2026-01-30T09:00:00+05:30\`)`);
  }
  const [, y, mo, d, h, mi, s, oh, om] = match;
  if (
    !validCalendarDate(Number(y), Number(mo), Number(d)) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s ?? 0) > 59 ||
    Number(oh ?? 0) > 23 ||
    Number(om ?? 0) > 59
  ) {
    throw invalid(field, `Expected \`${field}\` to be a real date and time`);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(field, `Expected \`${field}\` to be a real date and time`);
  return ms;
}

/**
 * Checks a local date `YYYY-MM-DD`.
 * @throws OpdError `VALIDATION_FAILED` naming `field`
 */
export function parseDay(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(field, `Expected \`${field}\` to be a date \`YYYY-MM-DD\`, got ${describe(value)}`);
  // By character codes: a regular expression's match array is garbage on every booking.
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) throw notADay(field);
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  if (year < 0 || month < 0 || day < 0 || !validCalendarDate(year, month, day)) throw notADay(field);
  return value;
}

/** The number written by the `n` ASCII digits of `s` at `from`, or -1 when one is not a digit. */
function digitsAt(s: string, from: number, n: number): number {
  let value = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

function notADay(field: string): OpdError {
  return invalid(field, `Expected \`${field}\` to be a date \`YYYY-MM-DD\``);
}

const dateTime = Date.prototype.getTime;

/**
 * The time value of a `Date` (epoch milliseconds, `NaN` for an invalid one), read by
 * `Date.prototype.getTime` itself — never by the value's own `getTime`, which an object may
 * replace to answer a string, a bigint or anything else — or `undefined` for a value that is not
 * a `Date` (an object that only inherits from `Date.prototype`, a proxy of a `Date`, a revoked
 * proxy). Read every `Date` given as input with this.
 */
export function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return dateTime.call(value);
  } catch {
    return undefined;
  }
}

/**
 * Whether a value is a real `Date` (see {@link timeOf}); `false` for an object that only
 * inherits from `Date.prototype`, and for a proxy. Read its time with {@link timeOf}, not its
 * own `getTime`.
 */
export function isDate(value: unknown): value is Date {
  return timeOf(value) !== undefined;
}

/** A short description of a value's type for messages (never the value itself). */
export function describe(value: unknown): string {
  if (value === null) return '`null`';
  if (value === undefined) return '`undefined`';
  try {
    if (Array.isArray(value)) return 'an array';
  } catch {
    return 'an unreadable object'; // a revoked proxy
  }
  if (isDate(value)) return 'a Date';
  if (typeof value === 'number' && Number.isNaN(value)) return '`NaN`';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/**
 * A short rendering of a value for messages about options (never patient data): numbers,
 * booleans and short strings as they are, anything else by its type. Never throws, even for an
 * object without a prototype or a symbol.
 */
export function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || (typeof value === 'string' && value.length <= 40)) return `\`${String(value)}\``;
  return describe(value);
}

/** `YYYY-MM-DD` of an instant in UTC, by arithmetic (no runtime date formatting). */
export function utcDay(ms: number): string {
  // Howard Hinnant's civil_from_days.
  const z = Math.floor(ms / 86_400_000) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  // join makes a flat string (a template literal makes a rope, flattened on every comparison).
  return [y, m < 10 ? `0${m}` : m, d < 10 ? `0${d}` : d].join('-');
}

/**
 * {@link utcDay} for one scheduler, remembering its last answer: a scheduler asks for the day of
 * "now" on every call, and mostly gets the same day.
 */
function utcDayFormatter(): (ms: number) => string {
  let lastDayNumber = Number.NaN;
  let lastDay = '';
  return (ms) => {
    const days = Math.floor(ms / 86_400_000);
    if (days !== lastDayNumber) {
      lastDay = utcDay(ms);
      lastDayNumber = days;
    }
    return lastDay;
  };
}

const QUARTER_HOUR = 15 * MINUTE;

/**
 * Returns a function giving the local date (`YYYY-MM-DD`) of an instant in an IANA time zone.
 * @throws OpdError `VALIDATION_FAILED` for an unknown zone
 */
export function dayFormatter(timeZone: string): (ms: number) => string {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return utcDayFormatter();
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch (cause) {
    throw invalid('timeZone', `Expected \`timeZone\` to be an IANA time zone name, got \`${timeZone}\``, { cause: String(cause) });
  }
  const formatDay = (ms: number): string => {
    let y = '';
    let m = '';
    let d = '';
    for (const part of format.formatToParts(ms)) {
      if (part.type === 'year') y = part.value;
      else if (part.type === 'month') m = part.value;
      else if (part.type === 'day') d = part.value;
    }
    return `${y.padStart(4, '0')}-${m}-${d}`;
  };
  return byQuarterHour(formatDay);
}

/** A quarter hour within which the value changes: computed for each instant, never cached. */
const MIXED: unique symbol = Symbol('mixed');

/**
 * A function of an instant, cached by quarter hour: formatting calls into the runtime and is
 * slow. Most zones change their offset (and so their date) only on a quarter hour, but not all,
 * and not always: Newfoundland changed clocks at 00:01 until 2011, Gaza in 2010–2011, Casey
 * station in 2020–2022, and an offset such as Kiritimati's −10:40 before 1979 puts midnight
 * inside one. So a quarter hour is cached only when its first and last milliseconds agree;
 * otherwise each instant in it is computed.
 */
function byQuarterHour<T extends string | number>(compute: (ms: number) => T): (ms: number) => T {
  const cache = new Map<number, T | typeof MIXED>();
  return (ms) => {
    const bucket = Math.floor(ms / QUARTER_HOUR);
    let value = cache.get(bucket);
    if (value === undefined) {
      const first = compute(bucket * QUARTER_HOUR);
      value = first === compute(bucket * QUARTER_HOUR + QUARTER_HOUR - 1) ? first : MIXED;
      if (cache.size >= 4096) cache.clear();
      cache.set(bucket, value);
    }
    return value === MIXED ? compute(ms) : value;
  };
}

const HOUR = 60 * MINUTE;

/**
 * Returns a function giving the first instant (epoch ms, to the minute) of a local date
 * `YYYY-MM-DD` in the zone whose local dates `dayOf` gives: its local midnight, or the first
 * minute of the date where the zone skips midnight.
 */
export function dayStartFinder(dayOf: (ms: number) => string): (day: string) => number {
  const cache = new Map<string, number>();
  // The day asked last, asked again by nearly every booking of a day: no lookup.
  let lastDay = '';
  let lastStart = 0;
  return (day) => {
    if (day === lastDay) return lastStart;
    let start = cache.get(day);
    if (start === undefined) {
      const utcMidnight = Date.parse(`${day}T00:00:00Z`);
      start = dayOf === utcDay ? utcMidnight : firstMinuteOf(day, utcMidnight, dayOf);
      if (cache.size >= 4096) cache.clear();
      cache.set(day, start);
    }
    lastDay = day;
    lastStart = start;
    return start;
  };
}

function firstMinuteOf(day: string, utcMidnight: number, dayOf: (ms: number) => string): number {
  // Every zone's offset is within ±14 hours: search the minute where the date begins.
  let lo = (utcMidnight - 15 * HOUR) / MINUTE;
  let hi = (utcMidnight + 15 * HOUR) / MINUTE;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (dayOf(mid * MINUTE) < day) lo = mid + 1;
    else hi = mid;
  }
  return lo * MINUTE;
}

/**
 * Returns a function giving the instants at which a local wall time (a date `YYYY-MM-DD` and a
 * minute of that day) occurs in an IANA time zone: one instant normally, none when the zone
 * skips the time (clocks go forward), two when the time occurs twice (clocks go back).
 * Assumes at most one offset change within 14 hours either side of the time.
 * @throws OpdError `VALIDATION_FAILED` for an unknown zone
 */
export function wallTimeResolver(timeZone: string): (day: string, minute: number) => number[] {
  const offsetAt = offsetFinder(timeZone);
  return (day, minute) => instantsShowing(offsetAt, Date.parse(`${day}T00:00:00Z`) + minute * MINUTE);
}

/**
 * The instants at which a local wall time (epoch ms of it read as UTC) occurs, in order, by the
 * offsets in force 14 hours either side of it: one normally, none where the zone skips it, two
 * where it occurs twice. Assumes at most one offset change within those 28 hours.
 */
function instantsShowing(offsetAt: (ms: number) => number, wall: number): number[] {
  const found: number[] = [];
  for (const offset of new Set([offsetAt(wall - 14 * HOUR), offsetAt(wall + 14 * HOUR)])) {
    const at = wall - offset;
    if (offsetAt(at) === offset && !found.includes(at)) found.push(at);
  }
  return found.sort((a, b) => a - b);
}

/**
 * Returns a function giving the instant `days` local days after an instant in an IANA time
 * zone: the same local time of day on the date `days` later, whatever clock changes fall
 * between (a 24-hour multiple would drift by the change). Where that local time is skipped on
 * the later date (clocks go forward), the instant as if it were not; where it occurs twice, the
 * first. Zero days is the instant itself (the second of a repeated local time stays the second).
 * @throws OpdError `VALIDATION_FAILED` for an unknown zone
 */
export function localDaysAdder(timeZone: string): (ms: number, days: number) => number {
  const offsetAt = offsetFinder(timeZone);
  return (ms, days) => {
    if (days === 0) return ms;
    // The local wall time `days` dates later, as if it were UTC: the first instant showing it,
    // else (skipped) the instant it would be at the offset in force before the change.
    const wall = ms + offsetAt(ms) + days * 24 * HOUR;
    return instantsShowing(offsetAt, wall)[0] ?? wall - offsetAt(wall - 14 * HOUR);
  };
}

/**
 * Returns a function giving the instant a local wall time (a date `YYYY-MM-DD` and a minute of
 * that day) occurs in an IANA time zone, as {@link localDaysAdder} places one: where it occurs
 * twice (clocks go back), the first; where it is skipped (clocks go forward), the instant it
 * would be at the offset in force before the change, which the clocks show as that much past
 * the jump.
 * @throws OpdError `VALIDATION_FAILED` for an unknown zone
 */
export function wallClockFinder(timeZone: string): (day: string, minute: number) => number {
  const offsetAt = offsetFinder(timeZone);
  return (day, minute) => {
    const wall = Date.parse(`${day}T00:00:00Z`) + minute * MINUTE;
    return instantsShowing(offsetAt, wall)[0] ?? wall - offsetAt(wall - 14 * HOUR);
  };
}

/** The local date `days` calendar days after (before, when negative) the date `day` (`YYYY-MM-DD`). */
export function addDays(day: string, days: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * 24 * HOUR);
}

/** The zone's offset from UTC (ms, local minus UTC) at an instant. */
function offsetFinder(timeZone: string): (ms: number) => number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return () => 0;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch (cause) {
    throw invalid('timeZone', `Expected \`timeZone\` to be an IANA time zone name, got \`${timeZone}\``, { cause: String(cause) });
  }
  const offsetOf = (ms: number): number => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!, p['second']!);
    return wall - Math.floor(ms / 1000) * 1000;
  };
  return byQuarterHour(offsetOf);
}
