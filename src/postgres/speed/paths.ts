/**
 * Counters of how an adapter instance's units of work ran, for the benchmarks (`npm run bench:pg`)
 * and the tests of the speed machinery: not part of the package's API.
 */

/**
 * How an adapter instance's units of work ran, for the benchmarks (`npm run bench:pg`): not part of
 * the package's API (the package entry does not export it).
 */
export interface UnitPaths {
  /** Decided on the adapter's copy of the doctor's days and written at the first try: one round trip. */
  oneTrip: number;
  /** Read first (without holding the lock across the round trip), then written at the first try. */
  twoTrips: number;
  /** Written after a try that found the doctor moved brought back what changed. */
  retried: number;
  /** Tries (each one round trip) that found the doctor moved on. */
  moved: number;
  /**
   * Units whose try found the doctor moved and others writing for it about as often as this
   * adapter runs a unit (or whose tries all found it moved): run under the lock.
   */
  gaveUp: number;
  /** Read first: the copy did not hold the doctor or the days the request needs. */
  cold: number;
  /** Others write for the doctor about as often as this adapter runs a unit: run under the lock. */
  contended: number;
  /** A request the copy never answers (a token, other slots, a schedule, the doctor alone): run under the lock. */
  unserved: number;
  /** A decision refused, asked for more data, wrote no event, or the key was stored: run under the lock. */
  undecided: number;
  /** Units that ran with the lock held across a round trip (first read, decision, write). */
  locked: number;
  /** Units never tried without the lock (several doctors, the integrator's work, PGlite, a retry). */
  other: number;
  /** Chains sent: two or more units of one doctor, queued in this process, decided in turn and sent together. */
  chains: number;
  /** Units written as part of a chain. */
  chained: number;
}

/** Every counter at 0. */
export function newUnitPaths(): UnitPaths {
  return {
    oneTrip: 0,
    twoTrips: 0,
    retried: 0,
    moved: 0,
    gaveUp: 0,
    cold: 0,
    contended: 0,
    unserved: 0,
    undecided: 0,
    locked: 0,
    other: 0,
    chains: 0,
    chained: 0,
  };
}
