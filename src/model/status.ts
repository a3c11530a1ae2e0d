/**
 * Token statuses and the sets the rules and the stores use. Each set is defined once: the place
 * statuses by the public list `PLACE_STATUSES`, the others here as a predicate; the other lists
 * (and the SQL adapter's `IN (…)` lists) are derived from them.
 */
import { PLACE_STATUSES, TOKEN_STATUSES, type TokenStatus } from '../types.js';
import type { TokenRecord } from './records.js';

export { PLACE_STATUSES };

const PLACES: ReadonlySet<TokenStatus> = new Set(PLACE_STATUSES);

/**
 * The rule "which statuses hold a place": those of {@link PLACE_STATUSES} (`BOOKED`,
 * `CHECKED_IN`, `IN_CONSULTATION`, `COMPLETED`, and `HELD`: a hold counts against capacity
 * exactly like a booking).
 */
export function isPlaceStatus(status: TokenStatus): boolean {
  return PLACES.has(status);
}

/** Token statuses that are not terminal (`BOOKED`, `WAITLISTED`, `CHECKED_IN`, `IN_CONSULTATION`, `HELD`). */
export function isLiveStatus(status: TokenStatus): boolean {
  return status === 'BOOKED' || status === 'WAITLISTED' || status === 'CHECKED_IN' || status === 'IN_CONSULTATION' || status === 'HELD';
}

/**
 * The patient's live token with the lowest number among `lists` (a day's waitlist and places),
 * token number `except` left out (0: none), and any token `skip` says to leave out. A patient
 * holds several only where duplicates were allowed; every store and the core name this one.
 */
export function lowestLiveToken(
  lists: Iterable<readonly TokenRecord[]>,
  patientId: string,
  except = 0,
  skip?: (token: TokenRecord) => boolean,
): TokenRecord | undefined {
  let found: TokenRecord | undefined;
  for (const list of lists) {
    for (const t of list) {
      if (t.patient.id !== patientId || t.tokenNumber === except || !isLiveStatus(t.status) || skip?.(t) === true) continue;
      if (found === undefined || t.tokenNumber < found.tokenNumber) found = t;
    }
  }
  return found;
}

/**
 * The rule "which places a bump may fall on": `BOOKED` and `HELD` (a hold is a bumpable place of
 * its category's rank, like a booked one, and is released rather than moved); never a patient
 * checked in, in consultation or seen.
 */
export function isBumpableStatus(status: TokenStatus): status is 'BOOKED' | 'HELD' {
  return status === 'BOOKED' || status === 'HELD';
}

/** Statuses a day snapshot holds: places and the waitlist. */
export function isActiveStatus(status: TokenStatus): boolean {
  return isPlaceStatus(status) || status === 'WAITLISTED';
}

/** Statuses of a place whose consultation has begun (`IN_CONSULTATION`, `COMPLETED`): a day's estimates read them. */
export function isConsultedStatus(status: TokenStatus): boolean {
  return status === 'IN_CONSULTATION' || status === 'COMPLETED';
}

/** Every status, in the order of {@link TOKEN_STATUSES}. */
export const ALL_STATUSES: readonly TokenStatus[] = TOKEN_STATUSES;
/** The statuses {@link isLiveStatus} accepts. */
export const LIVE_STATUSES: readonly TokenStatus[] = Object.freeze(TOKEN_STATUSES.filter(isLiveStatus));
/** The statuses {@link isActiveStatus} accepts. */
export const ACTIVE_STATUSES: readonly TokenStatus[] = Object.freeze(TOKEN_STATUSES.filter(isActiveStatus));

/**
 * The rule "which tokens a day's closing ends", the statuses of a patient never seen: waiting
 * (`WAITLISTED`), held (`HELD`), booked (`BOOKED`), or checked in and never called into
 * consultation (`CHECKED_IN`). `IN_CONSULTATION` is being seen, and is left to the doctor.
 */
export function isUnseenStatus(status: TokenStatus): status is 'WAITLISTED' | 'HELD' | 'BOOKED' | 'CHECKED_IN' {
  return status === 'WAITLISTED' || status === 'HELD' || status === 'BOOKED' || status === 'CHECKED_IN';
}

/** The statuses {@link isUnseenStatus} accepts. */
export const UNSEEN_STATUSES: readonly TokenStatus[] = Object.freeze(TOKEN_STATUSES.filter(isUnseenStatus));
