/**
 * The readers of single fields that every call's input shares: bounded instants and the local
 * days they fall on, an `after` against its `date`, keys, reasons, actors, `dryRun` and omitted
 * options objects. The requests built from them are read in `src/inputs.ts` and
 * `src/schedule-inputs.ts`.
 */
import { invalid } from './errors.js';
import { parseInstant } from './time.js';
import { MAX_INSTANT, MIN_INSTANT, expectObject, expectOptionalBoolean, expectText } from './validate.js';

/** The largest capacity (or elastic capacity) a slot may be given. */
export const MAX_CAPACITY = 100_000;

/** Upper bound of lookup keys (token ids are `${doctorId}~${day}~${n}`). */
export const MAX_KEY = 300;

/** An instant within the supported range. */
export function parseBoundedInstant(field: string, value: unknown): number {
  const ms = parseInstant(field, value);
  if (ms < MIN_INSTANT || ms > MAX_INSTANT) throw invalid(field, `Expected \`${field}\` to be between the years 1970 and 9999`);
  return ms;
}

/** The first and last local days a slot or a token may have. */
export const FIRST_DAY = '1970-01-01';
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
