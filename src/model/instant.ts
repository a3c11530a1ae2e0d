/**
 * Instants handed out by the scheduler. One `Date` may be shared by a result, its events and
 * every listener (the time of a call), so none of them may be able to change it for the others.
 */

const SETTERS = [
  'setDate',
  'setFullYear',
  'setHours',
  'setMilliseconds',
  'setMinutes',
  'setMonth',
  'setSeconds',
  'setTime',
  'setUTCDate',
  'setUTCFullYear',
  'setUTCHours',
  'setUTCMilliseconds',
  'setUTCMinutes',
  'setUTCMonth',
  'setUTCSeconds',
  'setYear',
] as const;

/**
 * A `Date` whose setters throw a `TypeError`: it reads, compares, prints and serializes as any
 * `Date` (`instanceof Date` holds), but cannot be changed in place. Copy it
 * (`new Date(fixed)`) to get a date to change.
 */
export class FixedDate extends Date {}

for (const name of SETTERS) {
  Object.defineProperty(FixedDate.prototype, name, {
    value: function refuse(): never {
      throw new TypeError(`Dates returned by opd-scheduler cannot be changed (${name}); copy one with new Date(date)`);
    },
    writable: false,
    enumerable: false,
    configurable: false,
  });
}
Object.freeze(FixedDate.prototype);

/** A {@link FixedDate} at epoch milliseconds `ms`. */
export function fixedDate(ms: number): Date {
  return new FixedDate(ms);
}
