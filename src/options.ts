import { builtInClaimKinds } from './core/claims.js';
import type { CoreConfig } from './core/config.js';

export type { DuplicateScope } from './core/config.js';
import { invalid, isOpdError } from './errors.js';
import type { CapacityStrategy } from './policies/capacity.js';
import type { OverflowStrategy } from './policies/overflow.js';
import { presets } from './policies/presets.js';
import { type PriorityPolicy } from './policies/priority.js';
import type { QuotaStrategy } from './policies/quota.js';
import type { OfferPolicy } from './policies/offers.js';
import type { CallOrderPolicy } from './policies/call-order.js';
import type { ReentryPolicy } from './policies/reentry.js';
import { resolveJourneys } from './options/journeys.js';
import type { Routes, ServicePoint } from './types/journeys.js';
import type { StorageAdapter } from './storage/adapter.js';
import { MemoryStorage } from './storage/memory.js';
import { resolveTelemetryOptions } from './telemetry/options.js';
import type { OpdTelemetryOptions } from './telemetry/types.js';
import type { LateArrival } from './types.js';
import { dayFormatter, dayStartFinder, describe, MINUTE, wallClockFinder } from './time.js';
import { expectObject } from './validate.js';
import { facilityStorage, resolveFacilityId } from './facility.js';
import {
  resolveNotify,
  resolveNumbering,
  type BookingWindows,
  type CloseOut,
  type DuplicateRulesOptions,
  type Numbering,
  type NotifyOptions,
  type RetentionOptions,
  type FollowUpsOptions,
} from './options/rules.js';
import {
  positive,
  requireKnownCategories,
  resolveBookingWindows,
  resolveCloseOut,
  resolveDuplicates,
  resolveRetention,
  resolveFollowUps,
} from './options/resolve.js';
export type {
  BookingWindow,
  BookingWindows,
  CloseOut,
  DuplicateException,
  DuplicateRulesOptions,
  Numbering,
  NotifyOptions,
  RetentionOptions,
  FollowUpsOptions,
} from './options/rules.js';
export { DEFAULT_LABEL_PREFIXES } from './options/rules.js';

/**
 * Options of {@link OpdScheduler}. Every field is optional; plug-ins usually come from a preset:
 * `new OpdScheduler({ ...presets.waitlist(), timeZone: 'Asia/Kolkata' })`.
 */
export interface OpdSchedulerOptions {
  /**
   * Where state lives.
   *
   * When the adapter offers `subscribe`, the scheduler subscribes on construction (to emit the
   * events other processes sharing the store commit) and unsubscribes on
   * {@link OpdScheduler.close}. A `subscribe` that throws fails the construction
   * (`STORAGE_FAILURE`): a scheduler that silently missed other processes' events would show
   * stale queues. The adapter is then left as it was given (close it yourself). A `subscribe`
   * that returns something other than a function is not refused then; `close()` reports it.
   * Whatever the adapter delivers that is not an event of a known type (see `OPD_EVENT_TYPES`) is
   * dropped, never thrown back into the adapter: an `OpdError` `STORAGE_FAILURE` goes to the
   * `error` listeners, else to a process warning (`OPD_EVENT_DROPPED`, once per scheduler).
   *
   * A failure of the adapter on {@link OpdScheduler.close} never leaves something open: when
   * stopping its delivery of events fails (the function its `subscribe` returned throws or
   * rejects, or it returned something other than a function), the adapter is closed all the same.
   * The scheduler is closed whatever happens; then `close()` rejects with the first failure as an
   * `OpdError` `STORAGE_FAILURE` (the adapter's error, reduced to its class and code, as the
   * cause; `details.adapter` names the adapter) — every call waiting for that closing does.
   * Closing is not tried again: a call made after it has finished resolves (the scheduler is
   * closed, and the failure was reported), so that `await using` after a failed `close()` does
   * not throw it twice.
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
   * nearest millisecond, as every time the scheduler keeps). A token that got its place after its
   * slot started (promoted or cascaded into it) has its grace period counted from that moment.
   *
   * The `now` given to `sweep` may only be the clock's time or earlier (to sweep as of a past
   * moment): a no-show cannot be undone, so a `now` later than the clock is refused rather than
   * trusted, and no slot that has not started by the clock is ever swept. Whatever `now` is, the
   * changes happen at the clock's time: their events carry it, and promotions go only into slots
   * that have not ended by it.
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
   * there; `'rebook'` as a new booking without a slot (the earliest slot with a free place). When
   * the slot is full the overflow strategy decides, as for a booking.
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
   * {@link RetentionOptions}): the tokens of local dates before the date `patientDataDays` days
   * before `purge`'s `now`, whatever their status. Idempotent: a token erased once is not found
   * again. Run `purge` daily (the example server does, with its sweep). Without
   * it, `purge` is refused and patient data is kept until erased.
   * @defaultValue no retention limit
   */
  readonly retention?: RetentionOptions | undefined;
  /**
   * Free revisits: a completed consultation charged for (`complete(tokenId, { charged: true })`,
   * or every completion with `everyCompletion`) opens an entitlement to `freeVisits` free revisits
   * within `freeWithinDays` days, with the same doctor or (`scope: 'department'`) any doctor of its
   * department. A booking inside it is marked with it (`token.entitlement`) in the same unit, and
   * the entitlement is given back when that token is cancelled, a no-show or dropped;
   * `entitlementOf` answers what is left. The library reports; billing stays the application's.
   * Needs a storage adapter that reads a patient's tokens across doctors (`patientTokens`).
   * @defaultValue no free revisits
   */
  readonly followUps?: FollowUpsOptions | undefined;
  /**
   * The order in which `callNext` calls the checked-in patients of a doctor-day (see
   * {@link CallOrderPolicy}); positions and estimated starts follow it. Emergencies are always
   * called first, and a patient called keeps the turn until the consultation starts, whatever
   * the order. E.g. `new FairCallOrder({ interleaveEvery: 2, maxWaitMinutes: 120 })`.
   * @defaultValue queue order, slot by slot (rank, request time, token number within a slot),
   *   behind the emergencies checked in (from any slot)
   */
  readonly callOrder?: CallOrderPolicy | undefined;
  /**
   * When waiting patients are told their turn is near (`token:turn-near`, once per token) and
   * that their estimated start moved (`token:eta-changed`), for an SMS sender or a board (see
   * {@link NotifyOptions}); e.g. `{ turnNear: { positions: 3, minutes: 15 }, etaChangedMinutes: 10 }`.
   * @defaultValue no notices
   */
  readonly notify?: NotifyOptions | undefined;
  /**
   * The facility's service points (registration, vitals, lab, pharmacy…; see {@link ServicePoint}):
   * each has a queue, called by `callNext({ servicePoint })`, that `forward` sends patients to. A
   * point of kind `'doctor'` with a department pools that department's queue
   * (`callNext({ department, doctorId })`).
   * @defaultValue none: every token waits for its doctor
   */
  readonly servicePoints?: readonly ServicePoint[] | undefined;
  /**
   * Named visit routes, each a sequence of service-point kinds (`'doctor'` for the token's own
   * doctor), e.g. `{ 'with-lab': ['registration', 'vitals', 'doctor', 'lab', 'doctor'] }`; a
   * token checked in with `{ route }` follows it (see {@link Routes}).
   * @defaultValue none
   */
  readonly routes?: Routes | undefined;
  /**
   * Where a patient sent back to the doctor (from the lab, with the report) re-enters the doctor's
   * queue (see {@link ReentryPolicy}).
   * @defaultValue `new ReturnAhead({ maxPassed: 0 })`: next, after emergencies and anyone already called
   */
  readonly reentry?: ReentryPolicy | undefined;
}

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
  'followUps',
  'callOrder',
  'notify',
  'servicePoints',
  'routes',
  'reentry',
]);

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
  if (lateArrival !== 'queue-end' && lateArrival !== 'rebook')
    throw invalid('lateArrival', `Expected \`lateArrival\` to be 'queue-end' or 'rebook', got ${describe(lateArrival)}`);
  const windows = resolveBookingWindows(o.bookingWindows, priority, timeZone);
  const closeOut = resolveCloseOut(o.closeOut);
  const patientDataDays = resolveRetention(o.retention);
  const followUps = resolveFollowUps(o.followUps, storage);
  const callOrder = o.callOrder;
  if (callOrder !== undefined) {
    requireMethods('callOrder', callOrder, ['order']);
    requireKnownCategories('callOrder', callOrder, priority);
  }
  const notify = resolveNotify(o.notify);
  const journeys = resolveJourneys(o.servicePoints, o.routes, o.reentry);
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
    core: Object.freeze({
      facilityId,
      priority,
      capacity,
      overflow,
      quota,
      windows,
      consultMinutes,
      graceMs: Math.round(grace * MINUTE),
      allowDuplicateBookings: duplicates === null || duplicates.exceptions.length > 0,
      duplicates,
      dayOf,
      dayStart: dayStartFinder(dayOf),
      labelPrefix,
      closeOut,
      callOrder,
      notify,
      claimKinds: builtInClaimKinds(),
      ...(followUps === undefined ? {} : { followUps }),
      ...(journeys === undefined ? {} : { journeys }),
      ...(offers === undefined ? {} : { offers, wallClock: wallClockFinder(timeZone) }),
    }),
  });
}
