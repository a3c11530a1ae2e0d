import { type CoreConfig, type DuplicateExceptionRule, type DuplicateRules, type DuplicateScope, readsPatientTokens } from './core/config.js';

export type { DuplicateScope } from './core/config.js';
import { invalid, isOpdError } from './errors.js';
import type { CapacityStrategy } from './policies/capacity.js';
import type { OverflowStrategy } from './policies/overflow.js';
import { presets } from './policies/presets.js';
import { namedCategoriesOf, type PriorityPolicy } from './policies/priority.js';
import type { QuotaStrategy } from './policies/quota.js';
import type { OfferPolicy } from './policies/offers.js';
import type { CallOrderPolicy } from './policies/call-order.js';
import type { NoticeRules } from './core/config.js';
import type { StorageAdapter } from './storage/adapter.js';
import { MemoryStorage } from './storage/memory.js';
import { resolveTelemetryOptions } from './telemetry/options.js';
import type { OpdTelemetryOptions } from './telemetry/types.js';
import type { LateArrival } from './types.js';
import { dayFormatter, dayStartFinder, describe, MINUTE, wallClockFinder } from './time.js';
import { type CategoryWindow, minutesMs, type WindowRules } from './core/windows.js';
import { expectObject, isPlainObject } from './validate.js';
import { facilityStorage, resolveFacilityId } from './facility.js';

/**
 * Options of {@link OpdScheduler}. Every field is optional; plug-ins usually come from a preset:
 * `new OpdScheduler({ ...presets.waitlist(), timeZone: 'Asia/Kolkata' })`.
 */
export interface OpdSchedulerOptions {
  /**
   * Where state lives.
   * @defaultValue `new MemoryStorage()`
   */
  readonly storage?: StorageAdapter | undefined;
  /**
   * The facility (hospital) this scheduler books for, when one store holds several: 1 to 100
   * letters, digits and `_ . : -`, starting with a letter or digit (a HIP id, a project id).
   * Every doctor, slot, token and event carries it; schedulers of different facilities over one
   * store share nothing (another facility's doctor, slot or token answers `*_NOT_FOUND`, its events
   * never reach `history()` or `tail()`, its calls never wait on this facility's). The store is
   * asked once for its view of the facility (`StorageAdapter.forFacility`); an adapter without
   * it holds the facility `'default'` only.
   * @defaultValue `'default'`
   */
  readonly facilityId?: string | undefined;
  /**
   * Ranks requests.
   * @defaultValue `presets.standard().priority`
   */
  readonly priority?: PriorityPolicy | undefined;
  /**
   * Grants elastic places.
   * @defaultValue `presets.standard().capacity`
   */
  readonly capacity?: CapacityStrategy | undefined;
  /**
   * Decides what happens when a slot is full and where displaced tokens go.
   * @defaultValue `presets.standard().overflow`
   */
  readonly overflow?: OverflowStrategy | undefined;
  /**
   * Per-channel caps and reserved places, consulted whenever a place is given to a request that
   * is not an emergency (see {@link QuotaStrategy}); e.g.
   * `new ChannelQuota({ ONLINE: { share: 0.6 }, WALK_IN: { reserve: 2, releaseMinutesBefore: 30 } })`.
   * @defaultValue no quota
   */
  readonly quota?: QuotaStrategy | undefined;
  /**
   * Offers a freed place to waiting patients who must answer in time, instead of promoting into
   * it at once (see {@link OfferPolicy}); e.g. `new StagedOffers({ windowMinutes: 15, groupSize: 3 })`.
   * The place stays held for the offer (taken for capacity and quotas; only an emergency may take
   * it) until a candidate accepts (`acceptOffer`), the candidates run out, or the slot is near.
   * @defaultValue no offers: freed places are promoted into at once
   */
  readonly offers?: OfferPolicy | undefined;
  /**
   * How far ahead and how late each category may book, and until when its tokens may be
   * cancelled (see {@link BookingWindows}); e.g. online up to 7 days ahead, opening at 08:00 a
   * week before, walk-ins the same day only, cancelling until 2 hours before:
   * `{ ONLINE: { maxDaysAhead: 7, opensAt: { daysBefore: 7, at: '08:00' }, cancelCutoffMinutes: 120 }, WALK_IN: { sameDayOnly: true }, exemptActors: ['front-desk'] }`.
   * Emergencies are never refused by a window. Windows read the scheduler's clock, as quotas and
   * their reserve releases do.
   * @defaultValue no windows
   */
  readonly bookingWindows?: BookingWindows | undefined;
  /**
   * The current time. Inject a fake clock in tests and simulations.
   * @defaultValue `() => new Date()`
   */
  readonly clock?: (() => Date) | undefined;
  /**
   * IANA time zone that defines a slot's day (`Asia/Kolkata` in India).
   * @defaultValue `'UTC'`
   */
  readonly timeZone?: string | undefined;
  /**
   * Minutes per consultation for estimated start times, unless the doctor sets their own.
   * @defaultValue 5
   */
  readonly consultMinutes?: number | undefined;
  /**
   * Minutes after a slot starts before `sweep` marks its `BOOKED` tokens as no-shows (to the
   * nearest millisecond, as every time the scheduler keeps).
   * @defaultValue 15
   */
  readonly noShowGraceMinutes?: number | undefined;
  /**
   * Elastic places of a slot added without `overflowCapacity`.
   * @defaultValue 2
   */
  readonly defaultOverflowCapacity?: number | undefined;
  /**
   * Let a patient (`patient.id`) hold several live tokens with one doctor on one day. The shorthand
   * of {@link OpdSchedulerOptions.duplicates}: `false` (the default) is `duplicates: { scope:
   * 'doctor-day' }`; `true` is no duplicate rule at all, and is refused beside `duplicates`.
   * @defaultValue false
   */
  readonly allowDuplicateBookings?: boolean | undefined;
  /**
   * The hospital's duplicate rules (see {@link DuplicateRulesOptions}): how far a patient's other
   * live tokens of the same day count (a doctor's, a department's or the facility's day), a cap
   * on a patient's live tokens from today on, exceptions, and whether a duplicate request is
   * refused or moves the patient's existing token.
   * @defaultValue `{ scope: 'doctor-day' }` (one live token per patient per doctor-day)
   */
  readonly duplicates?: DuplicateRulesOptions | undefined;
  /**
   * OpenTelemetry: where the span of each call and the metrics go (see {@link OpdTelemetryOptions}),
   * or `false` for none. Nothing is recorded without an SDK, and nothing fails without the
   * optional peer dependency `@opentelemetry/api`.
   * @defaultValue the global providers of `@opentelemetry/api`, when it is installed
   */
  readonly telemetry?: OpdTelemetryOptions | false | undefined;
  /**
   * How token labels (`token.label`, the number shown to patients) are numbered:
   * - `'day'`: one series per doctor-day, the label is the token number (`'7'`);
   * - `'category'`: one series per category, with a prefix (`'E-1'`, `'P-3'`, `'F-2'`, `'O-9'`,
   *   `'W-12'` for the five built-in channels; a custom category's own name otherwise);
   * - `{ series: 'category', prefixes }`: the same with your prefixes (1 to 8 letters or digits)
   *   for the categories you name, e.g. `{ series: 'category', prefixes: { PAID: 'VIP' } }`.
   *   Categories given the same prefix share one series.
   *
   * Labels are unique per doctor-day under any concurrency and never change; `tokenNumber` stays
   * the doctor-day's one sequence either way.
   * @defaultValue `'day'`
   */
  readonly numbering?: Numbering | undefined;
  /**
   * Where `reinstate` puts a no-show who arrives late (or a token cancelled by mistake), under
   * the booking rules: `'queue-end'` into the slot running now, behind every place of its rank
   * there; `'rebook'` as a new booking without a slot (the earliest slot with a free place).
   * @defaultValue `'queue-end'`
   */
  readonly lateArrival?: LateArrival | undefined;
  /**
   * How a day is closed (`closeDay`, and `sweep` once a day's last open slot has ended and the
   * grace period passed): every token of the day still waiting, held, booked or checked in and
   * never seen expires (`token:expired`, `reason: 'day-closed'`), or with `carryForward: true` is
   * carried onto the doctor's next day with slots as a waitlisted token keeping its rank and due
   * time (`token:carried`). See {@link CloseOut}.
   * @defaultValue `{ carryForward: false, sweep: true }`
   */
  readonly closeOut?: CloseOut | undefined;
  /**
   * How long patient data is kept: {@link OpdScheduler.purge} erases the patient data of every
   * token whose day ended more than `patientDataDays` days ago, as `erasePatient` does (see
   * {@link RetentionOptions}). Without it, `purge` is refused and patient data is kept until
   * erased.
   * @defaultValue no retention limit
   */
  readonly retention?: RetentionOptions | undefined;
  /**
   * The order in which `callNext` calls the checked-in patients of a doctor-day (see
   * {@link CallOrderPolicy}); positions and estimated starts follow it. Emergencies are always
   * called first, and a patient called keeps the turn until the consultation starts, whatever
   * the order. E.g. `new FairCallOrder({ interleaveEvery: 2, maxWaitMinutes: 120 })`.
   * @defaultValue queue order, slot by slot (rank, request time, token number within a slot)
   */
  readonly callOrder?: CallOrderPolicy | undefined;
  /**
   * When waiting patients are told their turn is near (`token:turn-near`, once per token) and
   * that their estimated start moved (`token:eta-changed`), for an SMS sender or a board (see
   * {@link NotifyOptions}); e.g. `{ turnNear: { positions: 3, minutes: 15 }, etaChangedMinutes: 10 }`.
   * @defaultValue no notices
   */
  readonly notify?: NotifyOptions | undefined;
}

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
function resolveNotify(value: unknown): NoticeRules | undefined {
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
function resolveNumbering(value: unknown): ((category: string) => string) | null {
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

/** Options after defaults were applied. */
export interface ResolvedOptions {
  /** The storage adapter's view of the facility. */
  readonly storage: StorageAdapter;
  /** The facility (`facilityId`, `'default'` when not given). */
  readonly facilityId: string;
  readonly clock: () => Date;
  readonly timeZone: string;
  readonly defaultOverflowCapacity: number;
  readonly telemetry: OpdTelemetryOptions | false;
  readonly lateArrival: LateArrival;
  readonly core: CoreConfig;
  /** Days patient data is kept after a token's day ends, or `null` without the option. */
  readonly patientDataDays: number | null;
}

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'storage',
  'facilityId',
  'priority',
  'capacity',
  'overflow',
  'quota',
  'bookingWindows',
  'clock',
  'timeZone',
  'consultMinutes',
  'noShowGraceMinutes',
  'defaultOverflowCapacity',
  'allowDuplicateBookings',
  'duplicates',
  'telemetry',
  'numbering',
  'lateArrival',
  'offers',
  'closeOut',
  'retention',
  'callOrder',
  'notify',
]);

const RETENTION_KEYS: ReadonlySet<string> = new Set(['patientDataDays']);

/** The `retention` option, checked: `patientDataDays` an integer from 0 to 36,500 (`null` without the option). */
function resolveRetention(given: RetentionOptions | undefined): number | null {
  if (given === undefined) return null;
  const o = expectObject('retention', given, RETENTION_KEYS, 'retention.') as { patientDataDays?: unknown };
  const days = o.patientDataDays;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > 36_500) {
    throw invalid('retention.patientDataDays', `Expected \`retention.patientDataDays\` to be an integer from 0 to 36500, got ${typeof days === 'number' ? `\`${String(days)}\`` : describe(days)}`);
  }
  return days;
}

/**
 * The categories a built-in strategy's options name — a channel quota's rules, an elastic
 * capacity's `categories`, an overflow's `protect` and `whenFull` — must be ones the priority
 * policy accepts: a misspelt or differently cased category (`ONLNE`, `online`, `Emergency`) would
 * never apply, and the strategy would silently cap, overflow or protect nobody (an emergency
 * left unprotected could be refused). Defaults are not checked (a policy without `EMERGENCY`
 * leaves the default `['EMERGENCY']` unused). A policy whose `accepts` throws is left to fail
 * where it is asked.
 */
function requireKnownCategories(option: 'quota' | 'capacity' | 'overflow' | 'callOrder', strategy: object, priority: PriorityPolicy): void {
  for (const { field, category } of namedCategoriesOf(strategy)) requireKnownCategory(`${option}.${field}`, `The ${option}`, category, 'rule', priority);
}

/**
 * Refuses an option's category the priority policy does not accept (`VALIDATION_FAILED` naming
 * `field`): what it says of that category could never apply. A policy whose `accepts` throws is
 * left to fail where it is asked.
 */
function requireKnownCategory(field: string, option: string, category: string, what: 'rule' | 'window' | 'exception', priority: PriorityPolicy): void {
  let known: boolean;
  try {
    known = priority.accepts(category) === true;
  } catch {
    known = true;
  }
  if (!known) {
    throw invalid(
      field,
      `${option} names the category \`${category}\`, which the priority policy \`${String(priority.name)}\` does not accept (categories are case-sensitive): its ${what} could never apply`,
    );
  }
}

const WINDOW_KEYS: ReadonlySet<string> = new Set(['minNoticeMinutes', 'maxDaysAhead', 'opensAt', 'sameDayOnly', 'cancelCutoffMinutes']);
const OPENS_AT_KEYS: ReadonlySet<string> = new Set(['daysBefore', 'at']);
const WALL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** The longest reach of a window: ten years, in days and in minutes. */
const MOST_DAYS = 3660;

/**
 * The `bookingWindows` option, checked and resolved: every category one the priority policy
 * accepts, every bound a number in range, `opensAt.at` a local time `HH:MM`.
 */
function resolveBookingWindows(given: BookingWindows | undefined, priority: PriorityPolicy, timeZone: string): WindowRules | undefined {
  if (given === undefined) return undefined;
  if (!isPlainObject(given)) throw invalid('bookingWindows', `Expected \`bookingWindows\` to be an object, got ${describe(given)}`);
  const o: Readonly<Record<string, unknown>> = given;
  const categories = new Map<string, CategoryWindow>();
  for (const [category, window] of Object.entries(o)) {
    if (category === 'exemptActors') continue;
    const field = `bookingWindows.${category}`;
    requireKnownCategory(field, 'The bookingWindows option', category, 'window', priority);
    categories.set(category, resolveWindow(field, window));
  }
  const actors = o['exemptActors'] ?? [];
  if (!Array.isArray(actors) || actors.some((a) => typeof a !== 'string' || a.length === 0 || a.length > 200)) {
    throw invalid('bookingWindows.exemptActors', `Expected \`bookingWindows.exemptActors\` to be an array of actor names (1 to 200 characters), got ${describe(actors)}`);
  }
  return Object.freeze({ categories, exemptActors: new Set<string>(actors as readonly string[]), wallClock: wallClockFinder(timeZone) });
}

function resolveWindow(field: string, value: unknown): CategoryWindow {
  const w = expectObject(field, value, WINDOW_KEYS, `${field}.`) as BookingWindow;
  const minutes = (key: 'minNoticeMinutes' | 'cancelCutoffMinutes'): number | null => {
    const v = w[key];
    return v === undefined ? null : minutesMs(positive(`${field}.${key}`, v, 0, MOST_DAYS * 24 * 60));
  };
  const days = (path: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MOST_DAYS) {
      throw invalid(path, `Expected \`${path}\` to be an integer from 0 to ${MOST_DAYS}, got \`${typeof v === 'number' ? String(v) : describe(v)}\``);
    }
    return v;
  };
  let opensAt: CategoryWindow['opensAt'] = null;
  if (w.opensAt !== undefined) {
    const o = expectObject(`${field}.opensAt`, w.opensAt, OPENS_AT_KEYS, `${field}.opensAt.`) as { daysBefore?: unknown; at?: unknown };
    const daysBefore = days(`${field}.opensAt.daysBefore`, o.daysBefore);
    const match = typeof o.at === 'string' ? WALL_TIME.exec(o.at) : null;
    if (match === null) throw invalid(`${field}.opensAt.at`, `Expected \`${field}.opensAt.at\` to be a local time 'HH:MM' (00:00 to 23:59), got ${describe(o.at)}`);
    opensAt = { daysBefore, minute: Number(match[1]) * 60 + Number(match[2]) };
  }
  const sameDayOnly = w.sameDayOnly ?? false;
  if (typeof sameDayOnly !== 'boolean') throw invalid(`${field}.sameDayOnly`, `Expected \`${field}.sameDayOnly\` to be a boolean, got ${describe(sameDayOnly)}`);
  return Object.freeze({
    minNoticeMs: minutes('minNoticeMinutes'),
    maxDaysAhead: w.maxDaysAhead === undefined ? null : days(`${field}.maxDaysAhead`, w.maxDaysAhead),
    opensAt,
    sameDayOnly,
    cancelCutoffMs: minutes('cancelCutoffMinutes'),
  });
}

const DUPLICATE_KEYS: ReadonlySet<string> = new Set(['scope', 'maxActivePerPatient', 'exceptions', 'onDuplicate']);
const EXCEPTION_KEYS: ReadonlySet<string> = new Set(['category', 'department', 'afterCompletedSameDay']);
const SCOPES: readonly DuplicateScope[] = ['doctor-day', 'department-day', 'facility-day'];

/**
 * The duplicate rules: `duplicates` checked and resolved, or the shorthand `allowDuplicateBookings`
 * (`false`: one live token per doctor-day; `true`: none, `null`). Both given, `true` beside
 * `duplicates`, are refused: they contradict each other.
 */
function resolveDuplicates(given: DuplicateRulesOptions | undefined, allow: boolean, priority: PriorityPolicy, storage: StorageAdapter): DuplicateRules | null {
  if (given === undefined) return allow ? null : Object.freeze({ scope: 'doctor-day', maxActivePerPatient: null, exceptions: [], onDuplicate: 'refuse' });
  if (allow) {
    throw invalid('allowDuplicateBookings', '`allowDuplicateBookings: true` allows every duplicate, and `duplicates` sets duplicate rules: give one of them');
  }
  const o = expectObject('duplicates', given, DUPLICATE_KEYS, 'duplicates.');
  const scope = o['scope'];
  if (!SCOPES.includes(scope as DuplicateScope)) {
    throw invalid('duplicates.scope', `Expected \`duplicates.scope\` to be 'doctor-day', 'department-day' or 'facility-day', got ${describe(scope)}`);
  }
  const max = o['maxActivePerPatient'];
  if (max !== undefined && !(typeof max === 'number' && Number.isInteger(max) && max >= 1 && max <= 1000)) {
    throw invalid('duplicates.maxActivePerPatient', `Expected \`duplicates.maxActivePerPatient\` to be an integer from 1 to 1000, got ${typeof max === 'number' ? `\`${String(max)}\`` : describe(max)}`);
  }
  const onDuplicate = o['onDuplicate'] ?? 'refuse';
  if (onDuplicate !== 'refuse' && onDuplicate !== 'move') throw invalid('duplicates.onDuplicate', `Expected \`duplicates.onDuplicate\` to be 'refuse' or 'move', got ${describe(onDuplicate)}`);
  const list = o['exceptions'] ?? [];
  if (!Array.isArray(list) || list.length > 100) throw invalid('duplicates.exceptions', `Expected \`duplicates.exceptions\` to be an array of at most 100 exceptions, got ${describe(list)}`);
  const exceptions = (list as readonly unknown[]).map((value, i) => resolveException(`duplicates.exceptions[${i}]`, value, priority));
  const rules: DuplicateRules = Object.freeze({ scope: scope as DuplicateScope, maxActivePerPatient: (max as number | undefined) ?? null, exceptions: Object.freeze(exceptions), onDuplicate });
  if (readsPatientTokens(rules) && (storage as { readonly patientTokens?: unknown }).patientTokens !== true) {
    const field = rules.scope === 'doctor-day' ? 'duplicates.maxActivePerPatient' : 'duplicates.scope';
    throw invalid(field, `The storage adapter \`${String(storage.name)}\` does not read a patient's tokens across doctors (\`patientTokens\`), which \`${field}\` needs`);
  }
  return rules;
}

function resolveException(field: string, value: unknown, priority: PriorityPolicy): DuplicateExceptionRule {
  const x = expectObject(field, value, EXCEPTION_KEYS, `${field}.`);
  const names = (key: 'category' | 'department'): ReadonlySet<string> | null => {
    const v = x[key];
    if (v === undefined) return null;
    const all = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(all) || all.length === 0 || all.some((n) => typeof n !== 'string' || n.length === 0 || n.length > 200)) {
      throw invalid(`${field}.${key}`, `Expected \`${field}.${key}\` to be a name or a non-empty array of names (1 to 200 characters), got ${describe(v)}`);
    }
    return new Set(all as readonly string[]);
  };
  const categories = names('category');
  for (const category of categories ?? []) requireKnownCategory(`${field}.category`, 'The duplicates option', category, 'exception', priority);
  const after = x['afterCompletedSameDay'] ?? false;
  if (typeof after !== 'boolean') throw invalid(`${field}.afterCompletedSameDay`, `Expected \`${field}.afterCompletedSameDay\` to be a boolean, got ${describe(after)}`);
  return Object.freeze({ categories, departments: names('department'), afterCompletedSameDay: after });
}

function requireMethods(field: string, value: unknown, methods: readonly string[]): void {
  try {
    checkMethods(field, value, methods);
  } catch (error) {
    // A throwing getter or a proxy: the plug-in cannot be used.
    throw isOpdError(error) ? error : invalid(field, `Could not read \`${field}\``);
  }
}

function checkMethods(field: string, value: unknown, methods: readonly string[]): void {
  const plugin = value as Record<string, unknown> | null;
  if (typeof plugin !== 'object' || plugin === null || typeof plugin['name'] !== 'string') {
    throw invalid(field, `Expected \`${field}\` to be an object with a \`name\`, got ${describe(value)}`);
  }
  for (const method of methods) {
    if (typeof plugin[method] !== 'function') throw invalid(field, `Expected \`${field}.${method}\` to be a function`);
  }
}

function positive(field: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    throw invalid(field, `Expected \`${field}\` to be a number from 0 to ${max}, got \`${typeof value === 'number' ? String(value) : describe(value)}\``);
  }
  return value;
}

/** Applies defaults and validates every option once. */
export function resolveOptions(options: OpdSchedulerOptions | undefined): ResolvedOptions {
  const o = expectObject('options', options ?? {}, OPTION_KEYS) as OpdSchedulerOptions;
  const standard = o.priority === undefined || o.capacity === undefined || o.overflow === undefined ? presets.standard() : undefined;
  const priority = o.priority === undefined ? standard!.priority : o.priority;
  const capacity = o.capacity === undefined ? standard!.capacity : o.capacity;
  const overflow = o.overflow === undefined ? standard!.overflow : o.overflow;
  requireMethods('priority', priority, ['rank', 'accepts']);
  requireMethods('capacity', capacity, ['elasticPlaces']);
  requireMethods('overflow', overflow, ['whenFull', 'whenDisplaced']);
  if (overflow.waitlist !== 'day' && overflow.waitlist !== 'slot') throw invalid('overflow.waitlist', "Expected `overflow.waitlist` to be 'day' or 'slot'");
  if (typeof overflow.bumpLimit !== 'number' || Number.isNaN(overflow.bumpLimit) || overflow.bumpLimit < 0) {
    throw invalid('overflow.bumpLimit', 'Expected `overflow.bumpLimit` to be a non-negative number');
  }
  if (overflow.victimOrder !== 'latest' && overflow.victimOrder !== 'earliest') {
    throw invalid('overflow.victimOrder', "Expected `overflow.victimOrder` to be 'latest' or 'earliest'");
  }
  const quota = o.quota;
  if (quota !== undefined) requireMethods('quota', quota, ['admits']);
  if (quota !== undefined) requireKnownCategories('quota', quota, priority);
  requireKnownCategories('capacity', capacity, priority);
  requireKnownCategories('overflow', overflow, priority);
  const offers = o.offers;
  if (offers !== undefined) requireMethods('offers', offers, ['offer']);
  const facilityId = resolveFacilityId(o.facilityId);
  const given = o.storage ?? new MemoryStorage();
  requireMethods('storage', given, ['transact', 'read', 'listDoctors', 'allocateId', 'findDueDays', 'scanDays', 'history', 'close']);
  const storage = facilityStorage(given, facilityId);
  if (storage !== given) requireMethods('storage', storage, ['transact', 'read', 'listDoctors', 'allocateId', 'findDueDays', 'scanDays', 'history', 'close']);
  const subscribe = (storage as StorageAdapter).subscribe;
  if (subscribe !== undefined && typeof subscribe !== 'function') throw invalid('storage', 'Expected `storage.subscribe` to be a function when present');
  const clock = o.clock ?? (() => new Date());
  if (typeof clock !== 'function') throw invalid('clock', `Expected \`clock\` to be a function returning a Date, got ${describe(clock)}`);
  const timeZone = o.timeZone ?? 'UTC';
  if (typeof timeZone !== 'string') throw invalid('timeZone', `Expected \`timeZone\` to be an IANA time zone name, got ${describe(timeZone)}`);
  const dayOf = dayFormatter(timeZone);
  const consultMinutes = positive('consultMinutes', o.consultMinutes, 5, 24 * 60);
  if (consultMinutes === 0) throw invalid('consultMinutes', 'Expected `consultMinutes` to be more than 0');
  const grace = positive('noShowGraceMinutes', o.noShowGraceMinutes, 15, 24 * 60);
  const defaultOverflowCapacity = positive('defaultOverflowCapacity', o.defaultOverflowCapacity, 2, 100_000);
  if (!Number.isInteger(defaultOverflowCapacity)) throw invalid('defaultOverflowCapacity', 'Expected `defaultOverflowCapacity` to be an integer');
  const labelPrefix = resolveNumbering(o.numbering);
  const lateArrival = o.lateArrival ?? 'queue-end';
  if (lateArrival !== 'queue-end' && lateArrival !== 'rebook') throw invalid('lateArrival', `Expected \`lateArrival\` to be 'queue-end' or 'rebook', got ${describe(lateArrival)}`);
  const windows = resolveBookingWindows(o.bookingWindows, priority, timeZone);
  const closeOut = resolveCloseOut(o.closeOut);
  const patientDataDays = resolveRetention(o.retention);
  const callOrder = o.callOrder;
  if (callOrder !== undefined) {
    requireMethods('callOrder', callOrder, ['order']);
    requireKnownCategories('callOrder', callOrder, priority);
  }
  const notify = resolveNotify(o.notify);
  const allow = o.allowDuplicateBookings ?? false;
  if (typeof allow !== 'boolean') throw invalid('allowDuplicateBookings', `Expected \`allowDuplicateBookings\` to be a boolean, got ${describe(allow)}`);
  const duplicates = resolveDuplicates(o.duplicates, allow, priority, storage);
  return Object.freeze({
    storage,
    facilityId,
    clock,
    timeZone,
    defaultOverflowCapacity,
    telemetry: resolveTelemetryOptions(o.telemetry),
    lateArrival,
    patientDataDays,
    core: Object.freeze({ facilityId, priority, capacity, overflow, quota, windows, consultMinutes, graceMs: Math.round(grace * MINUTE), allowDuplicateBookings: duplicates === null || duplicates.exceptions.length > 0, duplicates, dayOf, dayStart: dayStartFinder(dayOf), labelPrefix, closeOut, callOrder, notify, ...(offers === undefined ? {} : { offers, wallClock: wallClockFinder(timeZone) }) }),
  });
}

const CLOSE_OUT_KEYS: ReadonlySet<string> = new Set(['carryForward', 'sweep']);

/** The `closeOut` option, checked and resolved (frozen). */
function resolveCloseOut(given: unknown): CoreConfig['closeOut'] {
  const o = expectObject('closeOut', given ?? {}, CLOSE_OUT_KEYS, 'closeOut.') as CloseOut;
  const flag = (field: 'carryForward' | 'sweep', fallback: boolean): boolean => {
    const value = o[field] ?? fallback;
    if (typeof value !== 'boolean') throw invalid(`closeOut.${field}`, `Expected \`closeOut.${field}\` to be a boolean, got ${describe(value)}`);
    return value;
  };
  return Object.freeze({ carryForward: flag('carryForward', false), sweep: flag('sweep', true) });
}
