/**
 * Times of the simulated day. India has one time zone and no daylight saving, so local times
 * are a fixed offset from UTC; formatting never depends on the machine's locale or zone.
 */

/** The scheduler's time zone. */
export const TIME_ZONE = 'Asia/Kolkata';

/** Milliseconds per minute. */
export const MINUTE = 60_000;

const OFFSET = 330 * MINUTE;

/** The instant of a local time (`HH:MM`) on a local date (`YYYY-MM-DD`) in India. */
export function istInstant(day: string, hhmm: string): number {
  const ms = Date.parse(`${day}T${hhmm}:00+05:30`);
  if (Number.isNaN(ms)) throw new RangeError(`Not a local time: ${day} ${hhmm}`);
  return ms;
}

/** `HH:MM`, local time in India. */
export function clock(ms: number): string {
  const local = new Date(ms + OFFSET);
  return `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
}

/** Minutes since local midnight. */
export function minuteOfDay(ms: number): number {
  const local = new Date(ms + OFFSET);
  return local.getUTCHours() * 60 + local.getUTCMinutes() + local.getUTCSeconds() / 60;
}

/** ISO-8601 with the Indian offset, as the scheduler accepts it. */
export function isoIst(ms: number): string {
  const local = new Date(ms + OFFSET);
  return `${local.toISOString().slice(0, 19)}+05:30`;
}

/** A long English date, such as `Monday 2 February 2026` (no locale data involved). */
export function longDate(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const weekday = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][date.getUTCDay()];
  const month = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][date.getUTCMonth()];
  return `${weekday ?? ''} ${date.getUTCDate()} ${month ?? ''} ${date.getUTCFullYear()}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Milliseconds in a day of the calendar (the simulated hospital's zone keeps no daylight saving). */
export const DAY_MS = 86_400_000;

/** The local date `n` days after `day` (`YYYY-MM-DD`). */
export function dayAfter(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}
