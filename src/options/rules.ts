/** The hospital's own rules among the scheduler's options: closing a day, duplicates, retention, notices, booking windows, numbering. */
import type { DuplicateScope, NoticeRules } from '../core/config.js';
import { invalid } from '../errors.js';
import { describe, MINUTE } from '../time.js';
import { expectObject, isPlainObject } from '../validate.js';
import { positive } from './resolve.js';

/** The `closeOut` option: what closing a day does with the patients it never saw. */
export interface CloseOut {
  /**
   * Carry every token the closing ends onto the doctor's next day with a usable slot (open and
   * not ended), emergencies first, as a `WAITLISTED` token that keeps its category, rank, request
   * time and due time; a token expires instead when there is no such day, or when its patient
   * already holds a live token that day (and duplicates are not allowed).
   * @defaultValue false
   */
  readonly carryForward?: boolean | undefined;
  /**
   * Let `sweep` close each day once its last open slot has ended and the grace period
   * (`noShowGraceMinutes`) passed; `false` closes days only with `closeDay`.
   * @defaultValue true
   */
  readonly sweep?: boolean | undefined;
}

/**
 * The duplicate rules (the constructor option `duplicates`). A request that would give a patient
 * (`patient.id`; a patient without an id is never counted) a live token — `book`, `hold`, a
 * department booking, `move` to another day or doctor, `reinstate` — is refused with
 * `DUPLICATE_BOOKING` (its `details.tokenId` names the live token that counts against it, with
 * `details.doctorId`, `details.day`, `details.scope` and `details.reason`: `'same-day'` or
 * `'max-active'`) when:
 *
 * - **same day**: the patient already holds a live token (`HELD`, `WAITLISTED`, `BOOKED`,
 *   `CHECKED_IN`, `IN_CONSULTATION`; a hold that has ended does not count) that day within the
 *   `scope`, unless one of the `exceptions` applies;
 * - **cap**: the patient already holds `maxActivePerPatient` live tokens of today and later with
 *   the doctors the scope reaches — the same doctor (`'doctor-day'`), the doctors of its
 *   department (`'department-day'`), every doctor of the store (`'facility-day'`). Exceptions do
 *   not lift the cap.
 *
 * A scope wider than a doctor-day, or a cap, needs a storage adapter that reads a patient's
 * tokens (`StorageAdapter.patientTokens`: `MemoryStorage` and `PostgresStorage` do): such a unit
 * takes the patient's lock before any doctor's, so that two processes booking one patient never
 * both succeed beyond the rules.
 *
 * @example
 * ```ts
 * import { OpdScheduler } from 'opd-scheduler';
 *
 * // One live token per patient per department and day, at most three live tokens ahead; a
 * // follow-up after a visit completed the same day, and a lab review, are allowed beside them.
 * const opd = new OpdScheduler({
 *   duplicates: {
 *     scope: 'department-day',
 *     maxActivePerPatient: 3,
 *     exceptions: [{ category: 'FOLLOW_UP', afterCompletedSameDay: true }, { department: 'Laboratory' }],
 *   },
 * });
 * ```
 */
export interface DuplicateRulesOptions {
  /**
   * Where a patient's other live tokens of the same day count: with the same doctor
   * (`'doctor-day'`), with any doctor of the same department (`'department-day'`; a doctor without
   * a department is a department of its own), or with any doctor (`'facility-day'`).
   */
  readonly scope: DuplicateScope;
  /**
   * The most live tokens of today and later a patient may hold with the doctors the scope reaches
   * (a whole number from 1 to 1000); a request beyond it is refused, whatever the exceptions.
   * @defaultValue no cap
   */
  readonly maxActivePerPatient?: number | undefined;
  /**
   * Requests the same-day rule lets through (see {@link DuplicateException}): a request matching
   * any of them may be given a token beside the patient's other live tokens of the day.
   * @defaultValue none
   */
  readonly exceptions?: readonly DuplicateException[] | undefined;
  /**
   * What a `book` refused by the same-day rule does: `'refuse'` (`DUPLICATE_BOOKING`), or
   * `'move'`: the patient's live token found (`details.tokenId`) is moved, in one atomic unit, to
   * the place the request asks for, under the rules of `move` (a free place only; the patient
   * holds one place at every instant). The result is the moved token (`movedFromTokenId` names
   * the token it was moved from). A token that cannot move (checked in, in consultation) leaves
   * the `DUPLICATE_BOOKING`; a hold, a department booking and the cap always refuse.
   * @defaultValue `'refuse'`
   */
  readonly onDuplicate?: 'refuse' | 'move' | undefined;
}

/**
 * A request the same-day duplicate rule lets through. Every condition given must hold; an
 * exception with none applies to every request.
 *
 * @example
 * ```ts
 * import type { DuplicateException } from 'opd-scheduler';
 *
 * const followUp: DuplicateException = { category: 'FOLLOW_UP', afterCompletedSameDay: true };
 * const labReview: DuplicateException = { department: 'Laboratory' };
 * ```
 */
export interface DuplicateException {
  /** The request's category is this one (or one of these); a category the priority policy accepts. */
  readonly category?: string | readonly string[] | undefined;
  /** The requested doctor's department is this one (or one of these). */
  readonly department?: string | readonly string[] | undefined;
  /**
   * The patient has a `COMPLETED` token that day within the scope: a follow-up after a visit.
   * @defaultValue false
   */
  readonly afterCompletedSameDay?: boolean | undefined;
}

/** The `followUps` option of {@link OpdSchedulerOptions}: free revisits after a charged visit. */
export interface FollowUpsOptions {
  /** Days after the charged visit's day within which a revisit is free (1 to 366). */
  readonly freeWithinDays: number;
  /** How many revisits are free (1 to 100). */
  readonly freeVisits: number;
  /** With the same doctor (`'doctor'`), or any doctor of its department (`'department'`). */
  readonly scope: 'doctor' | 'department';
  /**
   * Whether every completed consultation is charged (opens an entitlement), not only those
   * completed with `{ charged: true }`.
   * @defaultValue false
   */
  readonly everyCompletion?: boolean | undefined;
}

/** The `retention` option of {@link OpdSchedulerOptions}. */
export interface RetentionOptions {
  /**
   * Days after a token's day ends (local midnight in the scheduler's `timeZone`) until `purge`
   * erases its patient data: an integer from 0 (every day already over) to 36,500.
   */
  readonly patientDataDays: number;
}

/**
 * The `notify` option: which notices the calls that change a doctor-day of today send to its
 * waiting patients (`BOOKED` or `CHECKED_IN` places). Notices are worked out by the call that
 * causes them — a booking, a check-in, a call, a completion, a cancellation, a sweep — and are
 * stored and emitted as its other events are, after it; they are not listed in the call's
 * `effects` (they concern other patients). They carry no patient data.
 */
export interface NotifyOptions {
  /**
   * `token:turn-near`, once per token, when the patient is at most `positions` calls away
   * (1: next) in the order patients will be called, or the estimated start is at most `minutes`
   * away. At least one of the two.
   * @defaultValue no turn-near notice
   */
  readonly turnNear?:
    | {
        /** A turn at most this many calls away (1 to 1000). */
        readonly positions?: number | undefined;
        /** An estimated start at most this many minutes away (0 to 1440). */
        readonly minutes?: number | undefined;
      }
    | undefined;
  /**
   * `token:eta-changed` when the estimated start moved at least this many minutes (earlier or
   * later) since the patient was last told: the estimate when the token got its place today or
   * was first looked at today, then the one each notice gave. Smaller changes are never sent
   * (1 to 1440).
   * @defaultValue no eta-changed notice
   */
  readonly etaChangedMinutes?: number | undefined;
}

const NOTIFY_KEYS: ReadonlySet<string> = new Set(['turnNear', 'etaChangedMinutes']);
const TURN_NEAR_KEYS: ReadonlySet<string> = new Set(['positions', 'minutes']);

/** The `notify` option, checked and resolved. */
export function resolveNotify(value: unknown): NoticeRules | undefined {
  if (value === undefined) return undefined;
  const o = expectObject('notify', value, NOTIFY_KEYS, 'notify.');
  let turnNearPositions: number | null = null;
  let turnNearMs: number | null = null;
  if (o['turnNear'] !== undefined) {
    const t = expectObject('notify.turnNear', o['turnNear'], TURN_NEAR_KEYS, 'notify.turnNear.');
    const positions = t['positions'];
    if (positions !== undefined) {
      if (typeof positions !== 'number' || !Number.isInteger(positions) || positions < 1 || positions > 1000) {
        throw invalid('notify.turnNear.positions', `Expected \`notify.turnNear.positions\` to be an integer from 1 to 1000, got ${describe(positions)}`);
      }
      turnNearPositions = positions;
    }
    if (t['minutes'] !== undefined) turnNearMs = Math.round(positive('notify.turnNear.minutes', t['minutes'], 0, 24 * 60) * MINUTE);
    if (turnNearPositions === null && turnNearMs === null) throw invalid('notify.turnNear', 'Expected `notify.turnNear` to set `positions`, `minutes` or both');
  }
  let etaChangedMs: number | null = null;
  const eta = o['etaChangedMinutes'];
  if (eta !== undefined) {
    if (typeof eta !== 'number' || !(eta >= 1 && eta <= 24 * 60)) {
      throw invalid('notify.etaChangedMinutes', `Expected \`notify.etaChangedMinutes\` to be a number of minutes from 1 to 1440, got ${describe(eta)}`);
    }
    etaChangedMs = Math.round(eta * MINUTE);
  }
  if (turnNearPositions === null && turnNearMs === null && etaChangedMs === null) return undefined;
  return Object.freeze({ turnNearPositions, turnNearMs, etaChangedMs });
}

/**
 * One category's booking window. Times are local to the scheduler's `timeZone`, daylight saving
 * included; every field is optional and the window is where all the given ones agree. A request
 * is within it from the latest opening to the closing, both included.
 */
export interface BookingWindow {
  /**
   * A request must come at least this many minutes before its slot starts (cal.com's "minimum
   * notice"): the window closes then.
   * @defaultValue no minimum
   */
  readonly minNoticeMinutes?: number | undefined;
  /**
   * A request may be for a slot at most this many local days after today (0: today only): the
   * window of a day opens at the start of the local day that many days before it.
   * @defaultValue no limit
   */
  readonly maxDaysAhead?: number | undefined;
  /**
   * The window of a day opens at local time `at` (`'HH:MM'`), `daysBefore` local days before it
   * (`{ daysBefore: 7, at: '08:00' }`: 08:00 a week before). A local time the clocks skip opens
   * as far past the jump as it was before it.
   * @defaultValue no opening time
   */
  readonly opensAt?:
    | {
        /** Local days before the slot's local day (0: the same day). */
        readonly daysBefore: number;
        /** Local time of day, `'HH:MM'` (00:00 to 23:59). */
        readonly at: string;
      }
    | undefined;
  /**
   * A request may be made only on the slot's own local day (a walk-in counter).
   * @defaultValue false
   */
  readonly sameDayOnly?: boolean | undefined;
  /**
   * A token with a place may be cancelled until this many minutes before its slot starts; later,
   * `cancel` is refused with `CANCEL_CUTOFF`.
   * @defaultValue no cut-off
   */
  readonly cancelCutoffMinutes?: number | undefined;
}

/**
 * The hospital's booking windows (constructor option `bookingWindows`): a {@link BookingWindow}
 * per category, by the category's name (as a channel quota names them), and the actors (the
 * `actor` of a call) no window applies to. A request outside its window is refused with
 * `OUTSIDE_BOOKING_WINDOW`, whose `details.opensAt` and `details.closesAt` tell when it could be
 * made; a booking naming no slot takes the first slot within its window. Emergencies are never
 * refused by a window. A category not named has no window; every category named must be one the
 * priority policy accepts.
 *
 * @example
 * ```ts
 * import type { BookingWindows } from 'opd-scheduler';
 *
 * const bookingWindows: BookingWindows = {
 *   ONLINE: { maxDaysAhead: 7, opensAt: { daysBefore: 7, at: '08:00' }, cancelCutoffMinutes: 120 },
 *   WALK_IN: { sameDayOnly: true },
 *   exemptActors: ['front-desk'],
 * };
 * ```
 */
export interface BookingWindows {
  /**
   * Actors no window or cancel cut-off applies to (staff, a front desk), matched against the
   * `actor` of the call.
   * @defaultValue none
   */
  readonly exemptActors?: readonly string[] | undefined;
  /** The window of emergencies: it never refuses one (an emergency is never refused by a window). */
  readonly EMERGENCY?: BookingWindow | undefined;
  /** The window of paid priority bookings. */
  readonly PAID?: BookingWindow | undefined;
  /** The window of follow-up visits. */
  readonly FOLLOW_UP?: BookingWindow | undefined;
  /** The window of online bookings. */
  readonly ONLINE?: BookingWindow | undefined;
  /** The window of walk-ins. */
  readonly WALK_IN?: BookingWindow | undefined;
  /** The window of a category of the hospital's own, by its name. */
  readonly [category: string]: BookingWindow | readonly string[] | undefined;
}

/** How token labels are numbered: see {@link OpdSchedulerOptions.numbering}. */
export type Numbering =
  | 'day'
  | 'category'
  | {
      /** One series per category. */
      readonly series: 'category';
      /**
       * The prefix of each category's labels (1–8 letters or digits), over the defaults of
       * {@link DEFAULT_LABEL_PREFIXES}.
       */
      readonly prefixes?: Readonly<Record<string, string>> | undefined;
    };

/** The prefixes of the built-in channels under `numbering: 'category'`. */
export const DEFAULT_LABEL_PREFIXES: Readonly<Record<string, string>> = Object.freeze({ EMERGENCY: 'E', PAID: 'P', FOLLOW_UP: 'F', ONLINE: 'O', WALK_IN: 'W' });

const PREFIX = /^[A-Za-z0-9]{1,8}$/;

/** The label prefix of each category, or `null` for one series per doctor-day. */
export function resolveNumbering(value: unknown): ((category: string) => string) | null {
  if (value === undefined || value === 'day') return null;
  let given: Readonly<Record<string, unknown>> = {};
  if (value !== 'category') {
    const o = expectObject('numbering', value, NUMBERING_KEYS, 'numbering.');
    if (o['series'] !== 'category') throw invalid('numbering.series', "Expected `numbering.series` to be 'category'");
    if (o['prefixes'] !== undefined) {
      if (!isPlainObject(o['prefixes'])) throw invalid('numbering.prefixes', `Expected \`numbering.prefixes\` to be an object, got ${describe(o['prefixes'])}`);
      given = o['prefixes'];
    }
  }
  const prefixes = new Map(Object.entries(DEFAULT_LABEL_PREFIXES));
  for (const [category, prefix] of Object.entries(given)) {
    if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
      throw invalid(`numbering.prefixes.${category}`, `Expected \`numbering.prefixes.${category}\` to be 1 to 8 letters or digits, got ${describe(prefix)}`);
    }
    prefixes.set(category, prefix);
  }
  return (category) => prefixes.get(category) ?? category;
}

const NUMBERING_KEYS: ReadonlySet<string> = new Set(['series', 'prefixes']);
