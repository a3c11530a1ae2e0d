/**
 * Instants handed out by the scheduler. One `Date` may be shared by a result, its events and
 * every listener (the time of a call), so none of them may be able to change it for the others.
 */

/**
 * A `Date` whose setters throw a `TypeError`: it reads, compares, prints and serializes as any
 * `Date` (`instanceof Date` holds), but cannot be changed in place. Copy it
 * (`new Date(fixed)`) to get a date to change.
 */
export class FixedDate extends Date {
  // Plain methods, not properties defined in a loop: the prototype keeps a fast shape, and
  // reading a FixedDate costs what reading a Date costs.
  override setDate(): number {
    return refuse('setDate');
  }
  override setFullYear(): number {
    return refuse('setFullYear');
  }
  override setHours(): number {
    return refuse('setHours');
  }
  override setMilliseconds(): number {
    return refuse('setMilliseconds');
  }
  override setMinutes(): number {
    return refuse('setMinutes');
  }
  override setMonth(): number {
    return refuse('setMonth');
  }
  override setSeconds(): number {
    return refuse('setSeconds');
  }
  override setTime(): number {
    return refuse('setTime');
  }
  override setUTCDate(): number {
    return refuse('setUTCDate');
  }
  override setUTCFullYear(): number {
    return refuse('setUTCFullYear');
  }
  override setUTCHours(): number {
    return refuse('setUTCHours');
  }
  override setUTCMilliseconds(): number {
    return refuse('setUTCMilliseconds');
  }
  override setUTCMinutes(): number {
    return refuse('setUTCMinutes');
  }
  override setUTCMonth(): number {
    return refuse('setUTCMonth');
  }
  override setUTCSeconds(): number {
    return refuse('setUTCSeconds');
  }
  /** The legacy two-digit-year setter, refused like the others. */
  setYear(): number {
    return refuse('setYear');
  }
}

function refuse(name: string): never {
  throw new TypeError(`Dates returned by opd-scheduler cannot be changed (${name}); copy one with new Date(date)`);
}

/** A {@link FixedDate} at epoch milliseconds `ms`. */
export function fixedDate(ms: number): Date {
  // A plain Date given FixedDate's prototype: the same object as `new FixedDate(ms)`, but V8
  // builds it on its fast Date path (constructing the subclass doubled the cost of a booking in
  // `npm run bench`).
  return Object.setPrototypeOf(new Date(ms), FixedDate.prototype) as Date;
}
