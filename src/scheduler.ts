import { EventEmitter } from 'eventemitter3';
import type { Command } from './core/command.js';
import type { CoreConfig } from './core/config.js';
import { addDoctor } from './core/commands/add-doctor.js';
import { addRecurringSlots } from './core/commands/add-recurring-slots.js';
import { addSlots } from './core/commands/add-slots.js';
import { book, type BookCommand } from './core/commands/book.js';
import { bookDepartment, type DepartmentBookCommand } from './core/commands/book-department.js';
import { moveCommand } from './core/commands/move.js';
import { parseTokenId } from './model/records.js';
import { closeSlot } from './core/commands/close-slot.js';
import { closeSlots } from './core/commands/close-slots.js';
import { reopenSlot } from './core/commands/reopen-slot.js';
import { setCapacity } from './core/commands/set-capacity.js';
import { sweepDay } from './core/commands/sweep-day.js';
import { callNext, recall, reinstate } from './core/commands/queue.js';
import { cancel, checkIn, complete, confirm, markNoShow, release, startConsultation, type TransitionInput } from './core/commands/transitions.js';
import { toDoctor } from './model/convert.js';
import { makeDoctor } from './model/make.js';
import { NO_CHANGES, NO_EVENTS } from './core/workspace.js';
import { stampActor } from './core/events.js';
import { dayEstimates, protectedUnder, slotView, StatsAccumulator, tokenView, waitlistView } from './core/views.js';
import { catchRejection, ErrorSummary, OpdError, type OpdErrorCode, invalid, isOpdError, warn } from './errors.js';
import type { OpdEvent, OpdEvents } from './events.js';
import {
  MAX_CAPACITY,
  MAX_KEY,
  checkAfter,
  expectId,
  expectInteger,
  expectKey,
  isDepartmentRequest,
  localDayOf,
  parseBookRequest,
  parseDepartmentBookRequest,
  parseBoundedInstant,
  parseDay,
  parseDoctorInput,
  parseDryRun,
  parseActor,
  parseLeave,
  parseOptions,
  parseReason,
  parseRota,
  parseSlotInputs,
} from './inputs.js';
import { type OpdSchedulerOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { localDaysAdder, timeOf, wallTimeResolver } from './time.js';
import { expectObject, expectText, inputFailure, MAX_INSTANT, MIN_INSTANT, readInput } from './validate.js';
import type { DaySnapshot, Decision, DoctorSnapshot } from './model/snapshot.js';
import { followHistory, Wakeup } from './storage/tail.js';
import type { DayDump, DayFilter } from './storage/adapter.js';
import { isDayDump, isDaySnapshot, isDoctorRecord, isEvent, isKnownEvent, isSlotRecord, isTokenRecord } from './storage/shapes.js';
import type { DoctorRecord } from './model/records.js';
import { type Call, type CallIds, createTelemetry, type OpdMethod, type Telemetry } from './telemetry/telemetry.js';
import type {
  ActorOptions,
  BookingRequest,
  DepartmentBookingRequest,
  BookingResult,
  CallOptions,
  CallResult,
  CancelOptions,
  CloseSlotOptions,
  DaySchedule,
  Doctor,
  DoctorInput,
  Effect,
  HistoryOptions,
  HoldRequest,
  DepartmentHoldRequest,
  HoldResult,
  LeaveInput,
  MoveOptions,
  MoveResult,
  MoveTarget,
  RotaInput,
  SetCapacityOptions,
  Slot,
  SlotInput,
  SlotView,
  Stats,
  StatsFilter,
  TailOptions,
  Token,
  TransitionResult,
} from './types.js';

const CANCEL_KEYS: ReadonlySet<string> = new Set(['reason', 'actor']);
const CLOSE_KEYS: ReadonlySet<string> = new Set(['reason', 'dryRun', 'actor']);
const MOVE_TARGET_KEYS: ReadonlySet<string> = new Set(['slotId', 'doctorId', 'date', 'after']);
const CAPACITY_KEYS: ReadonlySet<string> = new Set(['dryRun', 'actor']);
const ACTOR_KEYS: ReadonlySet<string> = new Set(['actor']);
const CALL_KEYS: ReadonlySet<string> = new Set(['room', 'actor']);
const STATS_KEYS: ReadonlySet<string> = new Set(['doctorId', 'date']);
const HISTORY_KEYS: ReadonlySet<string> = new Set(['after', 'limit']);
const TAIL_KEYS: ReadonlySet<string> = new Set(['after']);

declare global {
  // The key of `await using`. Declared here as `@types/node` declares it, so that the published
  // types compile without TypeScript's `esnext.disposable` lib (identical to the lib's own
  // declaration, with which it merges).
  interface SymbolConstructor {
    /** The well-known symbol of asynchronous disposal (`await using`). */
    readonly asyncDispose: unique symbol;
  }
}

/**
 * The OPD token engine. Doctors publish slots; patients get numbered tokens from several
 * channels; the configured policies decide who gets which place, keeping every hard limit.
 *
 * Every mutation is one atomic unit of work for one doctor on the storage adapter: it fully
 * happens, with all its consequences, or not at all. Events are emitted after the change is
 * stored, in causal order.
 *
 * Results and events are frozen, and their dates cannot be changed (their setters throw): one
 * event object goes to every listener and into the caller's `effects`, and a stored booking
 * result is what later idempotent replays return.
 *
 * @example
 * ```ts
 * import { OpdScheduler, presets } from 'opd-scheduler';
 *
 * const opd = new OpdScheduler({ ...presets.standard(), timeZone: 'Asia/Kolkata' });
 * const doctor = await opd.addDoctor({ name: 'Dr. Sharma', specialization: 'Cardiology' });
 * const [nine] = await opd.addSlots(doctor.id, [
 *   { start: '2026-01-30T09:00:00+05:30', end: '2026-01-30T10:00:00+05:30', capacity: 10 },
 * ]);
 * opd.on('token:bumped', (e) => console.log(`token ${e.tokenNumber} moved`));
 * const { token, outcome } = await opd.book({
 *   doctorId: doctor.id, category: 'ONLINE', patient: { id: 'ABHA-1', name: 'Asha' }, slotId: nine!.id,
 * });
 * ```
 */
export class OpdScheduler extends EventEmitter<OpdEvents> {
  readonly #options: ResolvedOptions;
  #closed = false;
  #pending = 0;
  /** Whether a listener's error, with no `error` listener to take it, was warned about. */
  #listenerWarned = false;
  /** Whether something the adapter's `subscribe` delivered that is not an event, with no `error` listener to take it, was warned about. */
  #droppedWarned = false;
  #idle: (() => void) | undefined;
  /** The closing, from the first `close()` on: every `close()` made before it finished settles with it. */
  #closing: Promise<void> | undefined;
  /** Whether the closing has finished (later `close()` calls have nothing to wait for). */
  #closeFinished = false;
  /**
   * What the adapter's `subscribe` returned (its function stopping the delivery, or whatever else
   * a broken adapter returned, reported by `close()`); `undefined` without a subscription.
   */
  readonly #subscription: { readonly stop: unknown } | undefined;
  /** Ends every open `tail()` on close. */
  readonly #tails = new Set<AbortController>();
  /** Wakes the polling `tail()` of an adapter without one of its own. */
  readonly #published = new Wakeup();
  /** Spans and metrics (OpenTelemetry). */
  readonly #telemetry: Telemetry;
  /** Whether the storage adapter offers `transactSync` (see `StorageAdapter.transactSync`). */
  readonly #runsAtOnce: boolean;
  /** The instants of a local wall time in the scheduler's zone (made on first use). */
  #wallTime: ((day: string, minute: number) => number[]) | undefined;
  #addLocalDays: ((ms: number, days: number) => number) | undefined;

  /**
   * When the storage adapter offers `subscribe`, the scheduler subscribes here (to emit the events
   * other processes sharing the store commit) and unsubscribes on {@link OpdScheduler.close}.
   * A `subscribe` that throws fails the construction: a scheduler that silently missed other
   * processes' events would show stale queues. The adapter is then left as it was given (close it
   * yourself). A `subscribe` that returns something other than a function is not refused here;
   * `close()` reports it (see there). Whatever the adapter delivers that is not an event of a
   * known type (see `OPD_EVENT_TYPES`) is dropped, never thrown back into the adapter: an
   * `OpdError` `STORAGE_FAILURE` goes to the `error` listeners, else to a process warning
   * (`OPD_EVENT_DROPPED`, once per scheduler).
   *
   * @param options - storage, policies, clock and defaults; see {@link OpdSchedulerOptions}
   * @throws OpdError `VALIDATION_FAILED` for an invalid option; `STORAGE_FAILURE` when the storage
   *   adapter's `subscribe` throws (its error, reduced to its class and code, is the cause)
   */
  constructor(options?: OpdSchedulerOptions) {
    super();
    this.#options = readInput('options', () => resolveOptions(options));
    this.#telemetry = createTelemetry(this.#options.telemetry, wrap);
    this.#runsAtOnce = runsAtOnce(this.#options.storage);
    this.#atOnce = new UnitRun(this.#options.core);
    // Events committed by other processes sharing the store (when the adapter offers them).
    this.#subscription = this.#subscribe((event) => this.#foreign(event));
  }

  /** The IANA time zone that defines days. */
  get timeZone(): string {
    return this.#options.timeZone;
  }

  /**
   * The local date (`YYYY-MM-DD`) of an instant in the scheduler's time zone.
   * @param instant - a `Date` or ISO-8601 string with an offset
   */
  dayOf(instant: Date | string): string {
    return this.#telemetry.sync('dayOf', () => readInput('instant', () => localDayOf('instant', parseBoundedInstant('instant', instant), this.#options.core.dayOf)));
  }

  /**
   * Adds a doctor.
   * @param input - name, optional id (generated when omitted), specialization, consultMinutes
   * @throws OpdError `VALIDATION_FAILED` for bad input or an id already in use
   */
  async addDoctor(input: DoctorInput): Promise<Doctor> {
    return this.#guard('addDoctor', undefined, async () => {
      const parsed = readInput('doctor', () => parseDoctorInput(input));
      const now = this.#now();
      for (let attempt = 0; ; attempt++) {
        const id = parsed.id ?? `doc-${await this.#allocateId()}`;
        const record = makeDoctor(parsed, id, now);
        try {
          return await this.#run('addDoctor', addDoctor, record, now);
        } catch (error) {
          // A generated id may already be taken by a doctor added with an explicit id.
          if (parsed.id !== undefined || attempt >= 100 || !isOpdError(error, 'VALIDATION_FAILED')) throw error;
        }
      }
    });
  }

  /** Every doctor, in order of creation. */
  async listDoctors(): Promise<Doctor[]> {
    return this.#guard('listDoctors', undefined, async () => (await this.#listDoctors()).map(toDoctor));
  }

  /**
   * A number for a generated doctor id, as the contract promises it: a non-negative safe integer
   * (so that `doc-${n}` is an id that `expectId` accepts).
   * @throws OpdError `STORAGE_FAILURE` for anything else, before anything is stored
   */
  async #allocateId(): Promise<number> {
    let n: unknown;
    try {
      n = await this.#options.storage.allocateId('doctor');
    } catch (error) {
      throw this.#adapterFailure('failed to allocate an id', error);
    }
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw this.#malformed('`allocateId` resolved with something other than a non-negative integer');
    return n;
  }

  /**
   * The adapter's doctors, each checked to be a doctor record.
   * @throws OpdError `STORAGE_FAILURE`
   */
  async #listDoctors(): Promise<DoctorRecord[]> {
    const doctors: unknown = await this.#options.storage.listDoctors();
    if (!Array.isArray(doctors) || !doctors.every(isDoctorRecord)) throw this.#malformed('`listDoctors` resolved with something other than an array of doctors');
    return doctors;
  }

  /**
   * Adds slots to a doctor. Slots never overlap another slot of the doctor (open or closed);
   * waitlisted tokens are promoted into the new places.
   * @param doctorId - the doctor
   * @param slots - start and end (`Date` or ISO-8601 with offset, at most 24 hours apart), capacity, optional id and overflowCapacity
   * @param opts - `actor`: who adds them (stamped on the promotions they cause)
   * @returns the new slots, in the order given
   * @throws OpdError `DOCTOR_NOT_FOUND`, `SLOT_OVERLAP`, `VALIDATION_FAILED`
   */
  async addSlots(doctorId: string, slots: readonly SlotInput[], opts?: ActorOptions): Promise<Slot[]> {
    return this.#guard('addSlots', { doctorId }, async () => {
      const id = expectId('doctorId', doctorId);
      const drafts = readInput('slots', () => parseSlotInputs(slots, this.#options.defaultOverflowCapacity, this.#options.core.dayOf));
      const actor = readActor(opts);
      const now = this.#now();
      return this.#run('addSlots', addSlots, { doctorId: id, drafts }, now, false, actor);
    });
  }

  /**
   * Adds the slots of a weekly rota between two local dates (inclusive, in the scheduler's time
   * zone), skipping the dates in `except`, as one unit of work for the doctor. Local times stay
   * local across daylight-saving changes (09:00 is 09:00 in summer and winter); a slot whose
   * start or end does not exist on its date or occurs twice there (the hour the clocks skip or
   * repeat) is not created. Slot ids are derived from the doctor and the start, as `addSlots`
   * does without an id.
   *
   * Idempotent: running it again for the same rota (or one covering it) creates nothing twice —
   * slots the doctor already has with the same start and end are kept as they are (a closed one
   * stays closed, a changed capacity stays changed) and only the missing slots are created.
   * @param doctorId - the doctor
   * @param rota - `weekly` sessions (`weekday` 1 = Monday … 7 = Sunday, `start`/`end` `HH:MM`,
   *   `slotMinutes` dividing the session, `capacity`, optional `overflowCapacity`), `from`, `to`
   *   (at most 366 days, at most 10,000 slots), optional `except`
   * @param opts - `actor`: who adds the rota (stamped on the promotions it causes)
   * @returns the slots created by this call, in time order (empty when the rota already exists)
   * @throws OpdError `DOCTOR_NOT_FOUND`; `SLOT_OVERLAP` for weekly sessions that overlap or a slot
   *   overlapping one of the doctor's other slots (nothing is created); `VALIDATION_FAILED`
   */
  async addRecurringSlots(doctorId: string, rota: RotaInput, opts?: ActorOptions): Promise<Slot[]> {
    return this.#guard('addRecurringSlots', { doctorId }, async () => {
      const id = expectId('doctorId', doctorId);
      this.#wallTime ??= wallTimeResolver(this.#options.timeZone);
      const clock = { wallTime: this.#wallTime, dayOf: this.#options.core.dayOf };
      const drafts = readInput('rota', () => parseRota(rota, this.#options.defaultOverflowCapacity, clock));
      const actor = readActor(opts);
      return this.#run('addRecurringSlots', addRecurringSlots, { doctorId: id, drafts }, this.#now(), false, actor);
    });
  }

  /**
   * Books a token: the requested slot or the earliest suitable one; a free place, else an
   * elastic place, else what the overflow strategy offers (bump, next slot, waitlist, reject).
   * With an `idempotencyKey` already used for the doctor, returns the original result again
   * (`replayed: true`), as it was then, and changes nothing.
   *
   * With `department` instead of `doctorId` (see {@link DepartmentBookingRequest}), books with the
   * doctor of that department whose earliest usable place is soonest (ties: fewest places taken
   * that day, then the doctor id), in one unit over every doctor of the department; the token
   * names the chosen doctor. An emergency gets a place whenever any of them can give it one.
   * @param request - doctor (or department), category, patient, and optionally slotId, date, after, idempotencyKey
   * @returns the token, `BOOKED` or `WAITLISTED`, whether the place is elastic, and the effects (bumps, cascades)
   * @throws OpdError `VALIDATION_FAILED`, `DOCTOR_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`, `SLOT_NOT_FOUND`, `SLOT_CLOSED`, `SLOT_ENDED`,
   *   `SLOT_FULL`, `DUPLICATE_BOOKING`, `IDEMPOTENCY_CONFLICT`; `STORAGE_FAILURE` for a department with
   *   a storage adapter that cannot lock several doctors
   */
  book(request: BookingRequest | DepartmentBookingRequest): Promise<BookingResult> {
    // Neither function is `async`: an async function returning a promise costs two more
    // microtask turns per booking. `#guard` turns anything thrown here into a rejection.
    if (this.#telemetry.passes()) return this.#unrecorded(request);
    return this.#guard('book', undefined, () => this.#book(request, false));
  }

  /**
   * A booking with nothing to record (see `Telemetry.passes`): what `#guard` does, but the unit's
   * own handlers end the call, so that a booking follows one promise of its own, not two.
   */
  #unrecorded(request: unknown): Promise<BookingResult> {
    try {
      this.#enter();
    } catch (error) {
      return Promise.reject(wrap(error));
    }
    try {
      return this.#book(request, false, true);
    } catch (error) {
      this.#leave();
      return Promise.reject(wrap(error));
    }
  }

  /**
   * A booking (`hold` false) or a hold, by doctor or by department: the request read, then its
   * unit run. Not `async`, as {@link OpdScheduler.book} needs. With `ends`, the unit's handlers
   * end the call (see {@link OpdScheduler.#run}).
   */
  #book(request: unknown, hold: boolean, ends = false): Promise<BookingResult> {
    const now = this.#now();
    // As `readInput`, written out: no closure per booking.
    let command: BookCommand | undefined;
    let department: DepartmentBookCommand | undefined;
    try {
      if (isDepartmentRequest(request)) department = parseDepartmentBookRequest(request, this.#options.core, hold);
      else command = parseBookRequest(request, this.#options.core, hold);
    } catch (error) {
      throw inputFailure('request', error);
    }
    if (department !== undefined) {
      this.#requireMultiDoctor();
      return this.#run(hold ? 'hold' : 'book', bookDepartment, department, now, false, department.actor, ends);
    }
    return this.#run(hold ? 'hold' : 'book', book, command!, now, false, command!.actor, ends);
  }

  /**
   * Holds a place for a patient until `holdMinutes` from now (pay, then confirm; a token from a
   * national health portal that expires): the token is `HELD`, its place counts against the
   * slot's capacity like a booking, and `token.holdExpiresAt` says when the hold ends. Confirm it
   * with {@link OpdScheduler.confirm}, give it up with {@link OpdScheduler.release}; a hold still
   * unconfirmed at its end is released by the next {@link OpdScheduler.sweep}, and its place is
   * promoted into.
   *
   * The place is chosen as for {@link OpdScheduler.book} (the requested slot, or the earliest
   * usable slot with a free place), but a hold only ever takes a free place: never an elastic
   * one, never a bumped patient's, never the waitlist — without a free place it is refused with
   * `SLOT_FULL` and nothing changes. A hold is never bumped either (an emergency takes an elastic
   * place or bumps a `BOOKED` patient instead), and the duplicate-booking rule counts it as the
   * patient's live token. An `idempotencyKey` works as for `book`.
   *
   * With `department` instead of `doctorId`, the place is held with the doctor of the department
   * whose earliest free place is soonest, as `book({ department })` chooses (ties: fewest places
   * taken that day, then the lower doctor id); without a free place with any of them, the first
   * doctor's `SLOT_FULL`.
   * @param request - a booking request (by doctor or by department) and `holdMinutes` (an integer from 1 to 1440)
   * @returns the `HELD` token and the effects
   * @throws OpdError `VALIDATION_FAILED`, `DOCTOR_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`, `SLOT_NOT_FOUND`, `SLOT_CLOSED`, `SLOT_ENDED`,
   *   `SLOT_FULL`, `DUPLICATE_BOOKING`, `IDEMPOTENCY_CONFLICT`; `STORAGE_FAILURE` for a department with
   *   a storage adapter that cannot lock several doctors in one unit
   */
  async hold(request: HoldRequest | DepartmentHoldRequest): Promise<HoldResult> {
    return this.#guard('hold', undefined, async () => {
      const { token, effects, replayed } = await this.#book(request, true);
      return Object.freeze(replayed === true ? { token, effects, replayed } : { token, effects });
    });
  }

  /**
   * Confirms a hold before it ends: the token becomes `BOOKED` in the same place.
   * @param opts - `actor`: who confirms it (a payment service, a desk)
   * @throws OpdError `TOKEN_NOT_FOUND`; `INVALID_TRANSITION` for a token that is not `HELD`, or
   *   whose hold has ended (`details.expired: true`, even before a sweep released it); `VALIDATION_FAILED`
   */
  async confirm(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#guard('confirm', { tokenId }, async () => this.#transition('confirm', confirm, tokenId, null, readActor(opts)));
  }

  /**
   * Releases a hold (the patient did not pay, or changed their mind): the token ends
   * `CANCELLED` with `cancelReason: 'hold-released'`, and its place is promoted into. A hold
   * whose end has passed (no sweep released it yet) is recorded as the expiry it is:
   * `token:expired`, `cancelReason: 'hold-expired'`.
   * @param opts - `actor`: who releases it
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION` (a token that is not `HELD`), `VALIDATION_FAILED`
   */
  async release(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#guard('release', { tokenId }, async () => this.#transition('release', release, tokenId, null, readActor(opts)));
  }

  /**
   * Calls the next patient to see on the doctor's day (today, by the clock; first the slots of
   * the day before still running, a night session past midnight): the first
   * `CHECKED_IN` place in queue order, slot by slot in time order, and emits `token:called` with
   * the room, for the waiting-room board. Calling changes no status: the patient stays first in
   * line until {@link OpdScheduler.startConsultation}, so calling next again before then calls
   * the same patient again.
   * @param opts - `room` (at most 50 characters, shown on boards), `actor`
   * @returns the patient called, or `{ token: null }` when nobody is checked in (then nothing is
   *   emitted or stored)
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`
   */
  async callNext(doctorId: string, opts?: CallOptions): Promise<CallResult> {
    return this.#guard('callNext', { doctorId }, async () => {
      const id = expectId('doctorId', doctorId);
      const { room, actor } = readCall(opts);
      const now = this.#now();
      const { dayOf, dayStart } = this.#options.core;
      const day = dayOf(now);
      // The local date before today: that of the instant before today's first (a day may last
      // 23 hours, or begin at 01:00 where a zone skips midnight).
      const start = dayStart(day);
      const dayBefore = start > 0 ? dayOf(start - 1) : null;
      return this.#run('callNext', callNext, { doctorId: id, day, dayBefore, room }, now, false, actor);
    });
  }

  /**
   * Calls a `CHECKED_IN` patient again (they did not come when called): `token:called` with
   * `recall: true`. Changes no status.
   * @param opts - `room`, `actor`
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION` (a token that is not `CHECKED_IN`), `VALIDATION_FAILED`
   */
  async recall(tokenId: string, opts?: CallOptions): Promise<TransitionResult> {
    return this.#guard('recall', { tokenId }, async () => {
      const id = expectKey('tokenId', tokenId, MAX_KEY);
      const { room, actor } = readCall(opts);
      return this.#run('recall', recall, { tokenId: id, room }, this.#now(), false, actor);
    });
  }

  /**
   * Brings a `NO_SHOW` or `CANCELLED` token of today (or of the day before while one of its
   * slots is still running, a night session) back under the booking rules (a late
   * arrival, a mistaken cancellation), keeping its id, number and label, as a request made now,
   * placed by the scheduler's `lateArrival` rule: `'queue-end'` (default) into the slot running
   * now, behind every place of its rank there, or `'rebook'` as a new booking. When the slot is
   * full the overflow strategy decides, as for a booking. Emits `token:reinstated`, then where it
   * went (`token:booked` or `token:waitlisted`).
   * @param opts - `actor`
   * @throws OpdError `TOKEN_NOT_FOUND`; `INVALID_TRANSITION` for a token that is not `NO_SHOW` or
   *   `CANCELLED`, not of today, or a hold that ended; `DUPLICATE_BOOKING` when the patient holds
   *   another live token that day; `SLOT_FULL` when the overflow strategy refuses; `VALIDATION_FAILED`
   */
  async reinstate(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#guard('reinstate', { tokenId }, async () => {
      const id = expectKey('tokenId', tokenId, MAX_KEY);
      const actor = readActor(opts);
      return this.#run('reinstate', reinstate, { tokenId: id, lateArrival: this.#options.lateArrival }, this.#now(), false, actor);
    });
  }

  /**
   * Cancels a token (from `WAITLISTED`, `BOOKED` or `CHECKED_IN`); the freed place is promoted into.
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `VALIDATION_FAILED`
   */
  async cancel(tokenId: string, opts?: CancelOptions): Promise<TransitionResult> {
    return this.#guard('cancel', { tokenId }, async () => {
      const { reason, actor } = readInput('opts', () => {
        const o = parseOptions('opts', opts, CANCEL_KEYS);
        return { reason: parseReason('opts.reason', o['reason']), actor: parseActor('opts.actor', o['actor']) };
      });
      return this.#transition('cancel', cancel, tokenId, reason, actor);
    });
  }

  /**
   * Moves a patient's `BOOKED` or `WAITLISTED` token to a free place of another slot, day or
   * doctor, atomically: at no moment can a reader see the patient with two places or none.
   * Within one doctor-day the token keeps its id and number; otherwise the patient gets a token
   * in the new doctor-day and the old one ends `CANCELLED` with `cancelReason: 'moved'`. The
   * place left is promoted into under the rules. Emits `token:moved`. See {@link MoveTarget} for
   * what `to` means; a move takes only a free place, and fails with `SLOT_FULL` (changing
   * nothing) when there is none.
   *
   * @example
   * ```ts
   * // Dr. Rao is running late: move a patient to Dr. Iyer's 11:00 slot (added as `iyer-1100`).
   * const { token, fromTokenId } = await opd.move(tokenId, { slotId: 'iyer-1100' }, { reason: 'doctor late' });
   * // Or to Dr. Iyer's first free place from 11:00 that day, whatever the slot's id.
   * await opd.move(otherTokenId, { doctorId: 'iyer', after: '2026-01-30T11:00:00+05:30' });
   * ```
   * @param tokenId - the token to move
   * @param to - where to (see {@link MoveTarget})
   * @param opts - `reason` (stored in the event), `dryRun` (return the result, change nothing)
   * @returns the patient's token now, the id of the token moved from, and the effects (promotions)
   * @throws OpdError `TOKEN_NOT_FOUND`; `INVALID_TRANSITION` (not `BOOKED` or `WAITLISTED`);
   *   `SLOT_NOT_FOUND`, `DOCTOR_NOT_FOUND`, `SLOT_CLOSED`, `SLOT_ENDED`; `SLOT_FULL` (no free place);
   *   `VALIDATION_FAILED` (bad input, or the place it already holds); `DUPLICATE_BOOKING` (the
   *   patient already holds a live token in the new doctor-day); `STORAGE_FAILURE` for a move to
   *   another doctor with a storage adapter that cannot lock several doctors
   */
  async move(tokenId: string, to: MoveTarget, opts?: MoveOptions): Promise<MoveResult> {
    return this.#guard('move', { tokenId }, async (call) => {
      const id = expectKey('tokenId', tokenId, MAX_KEY);
      const target = readInput('to', () => {
        const t = expectObject('to', to, MOVE_TARGET_KEYS, 'to.');
        const parsed = {
          slotId: t['slotId'] === undefined ? undefined : expectKey('to.slotId', t['slotId'], MAX_KEY),
          doctorId: t['doctorId'] === undefined ? undefined : expectId('to.doctorId', t['doctorId']),
          date: t['date'] === undefined ? undefined : parseDay('to.date', t['date']),
          after: t['after'] === undefined ? undefined : parseBoundedInstant('to.after', t['after']),
        };
        if (Object.values(parsed).every((v) => v === undefined)) throw invalid('to', 'Expected `to` to name at least one of `slotId`, `doctorId`, `date`, `after`');
        if (parsed.after !== undefined) checkAfter('to.after', parsed.after, 'to.date', parsed.date, this.#options.core.dayOf);
        return parsed;
      });
      const { reason, dryRun, actor } = readInput('opts', () => {
        const o = parseOptions('opts', opts, CLOSE_KEYS);
        return { reason: parseReason('opts.reason', o['reason']), dryRun: parseDryRun('opts.dryRun', o['dryRun']), actor: parseActor('opts.actor', o['actor']) };
      });
      call.dryRun(dryRun);
      const now = this.#now();
      const tokenDoctor = parseTokenId(id)?.doctorId;
      let doctorId = target.doctorId;
      if (doctorId === undefined && target.slotId !== undefined) {
        // The slot's doctor (which never changes) is named before the unit, so that the unit locks both doctors up front.
        doctorId = (await this.#options.storage.read({ slotId: target.slotId })).slots.get(target.slotId)?.doctorId;
        if (doctorId === undefined) throw new OpdError('SLOT_NOT_FOUND', `Slot \`${target.slotId}\` does not exist`, { details: { field: 'to.slotId', slotId: target.slotId } });
      }
      doctorId ??= tokenDoctor;
      if (doctorId === undefined || tokenDoctor === undefined) throw new OpdError('TOKEN_NOT_FOUND', `Token \`${id}\` does not exist`, { details: { field: 'tokenId', tokenId: id } });
      if (doctorId !== tokenDoctor) this.#requireMultiDoctor();
      const command = { tokenId: id, slotId: target.slotId, doctorId, date: target.date, after: target.after, reason };
      return this.#run('move', moveCommand(this.#options.core), command, now, dryRun, actor);
    });
  }

  /**
   * Marks a `BOOKED` token whose slot has started as a no-show; the freed place is promoted into.
   * @param opts - `actor`: who marks it
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `NOT_YET_DUE`, `VALIDATION_FAILED`
   */
  async markNoShow(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#guard('markNoShow', { tokenId }, async () => this.#transition('markNoShow', markNoShow, tokenId, null, readActor(opts)));
  }

  /**
   * Checks a `BOOKED` patient in; a checked-in place is never bumped.
   * @param opts - `actor`: who checks the patient in (`{ actor: 'desk-1' }`)
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `VALIDATION_FAILED`
   */
  async checkIn(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#guard('checkIn', { tokenId }, async () => this.#transition('checkIn', checkIn, tokenId, null, readActor(opts)));
  }

  /**
   * Starts the consultation of a `CHECKED_IN` patient.
   * @param opts - `actor`: who starts it
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `VALIDATION_FAILED`
   */
  async startConsultation(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#guard('startConsultation', { tokenId }, async () => this.#transition('startConsultation', startConsultation, tokenId, null, readActor(opts)));
  }

  /**
   * Completes a consultation. The place stays used.
   * @param opts - `actor`: who completes it
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `VALIDATION_FAILED`
   */
  async complete(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#guard('complete', { tokenId }, async () => this.#transition('complete', complete, tokenId, null, readActor(opts)));
  }

  /**
   * Releases every hold that has ended by the clock (`token:expired`; the token ends `CANCELLED`
   * with `cancelReason: 'hold-expired'`). Marks every `BOOKED` token whose slot started more
   * than the grace period before `now` as a no-show, and promotes into the freed places of slots that have not ended by the clock. A
   * token that got its place after its slot started (promoted or cascaded into it) has its grace
   * period counted from that moment. One unit of work per doctor-day.
   *
   * `now` may only be the clock's time or earlier (to sweep as of a past moment): a no-show
   * cannot be undone, so a `now` later than the clock is refused rather than trusted, and no
   * slot that has not started by the clock is ever swept. Whatever `now` is, the changes happen
   * at the clock's time: their events carry it, and promotions go only into slots that have not
   * ended by it.
   * @param now - the time to sweep as of (defaults to the clock; never later than it)
   * @param opts - `actor`: who (or which job) sweeps
   * @returns every effect, doctor by doctor
   * @throws OpdError `VALIDATION_FAILED` for a bad `now` or one later than the clock. A doctor-day
   *   whose unit fails (a plug-in refusing, a lost connection) changes nothing of its own and does
   *   not stop the others: once every due doctor-day was tried, the sweep rejects with the first
   *   failure's code and its details (`field` for `VALIDATION_FAILED`, `adapter` for
   *   `STORAGE_FAILURE`, …), `details.failed` (each failed doctor-day: `doctorId`, `day`, `code`)
   *   and `details.effects` (the effects of the doctor-days that were swept); the first failure
   *   is the cause. Sweep again to retry the failed days.
   */
  async sweep(now?: Date, opts?: ActorOptions): Promise<Effect[]> {
    return this.#guard('sweep', undefined, async () => {
      const actor = readActor(opts);
      const clock = this.#now();
      const at = now === undefined ? clock : readInput('now', () => parseBoundedInstant('now', now));
      if (at > clock) {
        throw new OpdError('VALIDATION_FAILED', 'Expected `now` not to be later than the scheduler\'s clock: a sweep never marks a slot that has not started', {
          details: { field: 'now' },
        });
      }
      const cutoff = at - this.#options.core.graceMs;
      const effects: Effect[] = [];
      // Each doctor-day is a unit of its own: one that fails (a plug-in refusing, a lost
      // connection) neither undoes nor stops the others; the failure is reported after them all.
      const failed: { doctorId: string; day: string; code: OpdErrorCode }[] = [];
      let first: OpdError | undefined;
      // With a quota, time can open a reserved place to the waitlist: days where it may have are due too.
      const openAt = this.#options.core.quota === undefined ? undefined : clock;
      for (const { doctorId, day } of await this.#options.storage.findDueDays(cutoff, clock, openAt)) {
        try {
          effects.push(...(await this.#run('sweep', sweepDay, { doctorId, day, cutoff }, clock, false, actor)));
        } catch (error) {
          const failure = wrap(error);
          first ??= failure;
          failed.push({ doctorId, day, code: failure.code });
        }
      }
      if (first === undefined) return effects;
      const { doctorId, day } = failed[0]!;
      throw new OpdError(
        first.code,
        `The sweep failed on ${failed.length} doctor-day(s), first ${doctorId} on ${day} (${first.code}); the other doctor-days were swept: their effects are in details.effects`,
        // The first failure's own details first, so that they have the fields its code promises.
        { details: { ...first.details, failed, effects }, cause: first },
      );
    });
  }

  /**
   * Closes a slot (the doctor leaves) and displaces every `BOOKED` place in it under the
   * displacement rule. Refused while patients in it are checked in or in consultation.
   * @param opts - `reason`; `dryRun: true` returns what would happen and changes nothing
   * @returns the effects: `slot:closed`, then the fate of each displaced token
   * @throws OpdError `SLOT_NOT_FOUND`, `SLOT_CLOSED`, `SLOT_ENDED`, `VALIDATION_FAILED`
   */
  async closeSlot(slotId: string, opts?: CloseSlotOptions): Promise<Effect[]> {
    return this.#guard('closeSlot', { slotId }, async (call) => {
      const id = expectKey('slotId', slotId, MAX_KEY);
      const { reason, dryRun, actor } = readInput('opts', () => {
        const o = parseOptions('opts', opts, CLOSE_KEYS);
        return { reason: parseReason('opts.reason', o['reason']), dryRun: parseDryRun('opts.dryRun', o['dryRun']), actor: parseActor('opts.actor', o['actor']) };
      });
      call.dryRun(dryRun);
      const now = this.#now();
      return this.#run('closeSlot', closeSlot, { slotId: id, reason }, now, dryRun, actor);
    });
  }

  /**
   * A doctor's leave: closes every open slot of the doctor that overlaps `[from, to)` and has not
   * ended, in one unit of work, and moves each displaced patient once. All the slots close first,
   * so nobody is moved into a slot that is itself closing; then each `BOOKED` place of a closed
   * slot is displaced under the displacement rule of a closed slot, emergencies first and then in
   * queue order, day by day: to the first usable place after the leave on the patient's day (a
   * cascade, as `closeSlot` does for one slot); when that day has none, to the doctor's first
   * usable slot starting at or after `to` on a later day with a free place (for an emergency, a
   * free or elastic place; nobody is bumped there): a new token of that day (its next number and
   * label), the old one `CANCELLED` with `cancelReason: 'moved'` (`token:moved`, as `move` does
   * across days), where no later displaced patient's cascade bumps them (only an emergency
   * may, by the emergency rule); a later day where the patient already holds a live token with
   * the doctor is skipped. The later places are the doctor's slots starting up to `horizonDays`
   * (default 28) local days after `to`, at its local time of day (a later slot of the same day is past the horizon), read as the
   * search reaches them, in the same unit. Only when no day has a place does the patient go onto
   * the waitlist of their own day or get dropped, as the overflow strategy says.
   * Per-slot waitlist entries of the closed slots wait for the next open slot.
   * Slots already closed or ended are left alone; a leave that closes nothing returns `[]`.
   *
   * With `reassign: 'department'` the doctor's department is locked with the doctor (one unit
   * over its doctors), and each displaced patient goes instead to the soonest place with a
   * colleague — on their day from the slot lost, else on a colleague's later day; a free place,
   * or for an emergency also an elastic place — when it is strictly sooner than the doctor's own
   * first place after the leave (on the patient's day or a later one): a new token with that colleague,
   * the old one `CANCELLED` with `cancelReason: 'moved'` (`token:moved`). A colleague the patient
   * already holds a live token with that day is skipped.
   *
   * With `dryRun: true` it returns the combined preview: the same effects the real call would
   * return (with `seq: 0`), and changes nothing. A slot closed by mistake opens again with
   * {@link OpdScheduler.reopenSlot}.
   * @param doctorId - the doctor on leave
   * @param leave - `from` (inclusive) and `to` (exclusive), at most 366 days apart; `reason`;
   *   `dryRun`; `reassign: 'department'` to move patients to a colleague of the doctor's department;
   *   `horizonDays` (0 to 366, default 28) how many days past the leave patients may be moved
   * @returns the effects: `slot:closed` for each slot in time order, then for each displaced token
   *   its one move (`token:moved` to a later day or a colleague, `token:cascaded`, `token:waitlisted` or
   *   `token:dropped`, with any chain it causes), then promotions and `emergency:unplaced`
   * @throws OpdError `DOCTOR_NOT_FOUND`; `VALIDATION_FAILED` for a bad range, an unknown `reassign`, a bad `horizonDays`,
   *   `reassign: 'department'` for a doctor without a department, or a slot of the leave holding
   *   patients who are checked in or in consultation (`details.slotId`, `details.tokenIds`);
   *   `STORAGE_FAILURE` for `reassign` on a store without units over several doctors
   */
  async closeSlots(doctorId: string, leave: LeaveInput): Promise<Effect[]> {
    return this.#guard('closeSlots', { doctorId }, async (call) => {
      const id = expectId('doctorId', doctorId);
      const { from, to, reason, dryRun, reassign, horizonDays, actor } = readInput('leave', () => parseLeave(leave));
      call.dryRun(dryRun);
      let department: string | null = null;
      if (reassign === 'department') {
        // The department names the colleagues to lock with the doctor, so it is read first.
        const doctor = (await this.#options.storage.read({ doctorId: id })).doctor;
        if (doctor === undefined) throw new OpdError('DOCTOR_NOT_FOUND', `Doctor \`${id}\` does not exist`, { details: { field: 'doctorId', doctorId: id } });
        department = doctor.department ?? null;
        if (department === null) throw invalid('leave.reassign', `Doctor \`${id}\` has no department to reassign patients within`, { doctorId: id });
        this.#requireMultiDoctor();
      }
      // The horizon in local days: the same local time `horizonDays` dates later, so that a
      // clock change within it moves neither end of a day's clinic out of it.
      this.#addLocalDays ??= localDaysAdder(this.#options.timeZone);
      const horizonEnd = this.#addLocalDays(to, horizonDays);
      return this.#run('closeSlots', closeSlots, { doctorId: id, from, to, reason, department, horizonEnd }, this.#now(), dryRun, actor);
    });
  }

  /**
   * Reopens a slot closed by mistake that has not ended (by the scheduler's clock), and
   * promotes waitlisted tokens into it under the promotion rules, waiting emergencies first.
   * Patients displaced when it closed are not brought back: they keep the place or waitlist
   * entry they were given (and may have moved since); move them back by hand if needed.
   * @returns the effects: `slot:reopened`, then the promotions into the day's free places
   * @param opts - `actor`: who reopens it
   * @throws OpdError `SLOT_NOT_FOUND`, `SLOT_ENDED`; `VALIDATION_FAILED` naming `slotId` for a slot that is not closed
   */
  async reopenSlot(slotId: string, opts?: ActorOptions): Promise<Effect[]> {
    return this.#guard('reopenSlot', { slotId }, async () => {
      const id = expectKey('slotId', slotId, MAX_KEY);
      const actor = readActor(opts);
      return this.#run('reopenSlot', reopenSlot, { slotId: id }, this.#now(), false, actor);
    });
  }

  /**
   * Raises (and promotes) or lowers (and displaces the worst-ranked `BOOKED` places beyond it)
   * a slot's capacity. Elastic places in use stay in use, and an emergency the slot still grants
   * an elastic place at the new capacity keeps its place (see docs/rules.md).
   * @param opts - `dryRun: true` returns what would happen and changes nothing
   * @returns the effects: `slot:capacity-changed`, then promotions or displacements (none if unchanged)
   * @throws OpdError `SLOT_NOT_FOUND`, `SLOT_CLOSED`, `SLOT_ENDED`, `VALIDATION_FAILED` (also
   *   for a capacity below the places that can no longer move)
   */
  async setCapacity(slotId: string, capacity: number, opts?: SetCapacityOptions): Promise<Effect[]> {
    return this.#guard('setCapacity', { slotId }, async (call) => {
      const id = expectKey('slotId', slotId, MAX_KEY);
      const n = expectInteger('capacity', capacity, 0, MAX_CAPACITY);
      const { dryRun, actor } = readInput('opts', () => {
        const o = parseOptions('opts', opts, CAPACITY_KEYS);
        return { dryRun: parseDryRun('opts.dryRun', o['dryRun']), actor: parseActor('opts.actor', o['actor']) };
      });
      call.dryRun(dryRun);
      const now = this.#now();
      return this.#run('setCapacity', setCapacity, { slotId: id, capacity: n }, now, dryRun, actor);
    });
  }

  /**
   * A token with its queue position and estimated start (for places).
   * @throws OpdError `TOKEN_NOT_FOUND`
   */
  async getToken(tokenId: string): Promise<Token> {
    return this.#guard('getToken', { tokenId }, async () => {
      const id = expectKey('tokenId', tokenId, MAX_KEY);
      const snapshot = await this.#options.storage.read({ tokenId: id });
      const token = snapshot.tokens.get(id);
      if (token === undefined) throw new OpdError('TOKEN_NOT_FOUND', `Token \`${id}\` does not exist`, { details: { field: 'tokenId', tokenId: id } });
      if (!isTokenRecord(token)) throw this.#unreadable();
      const day = snapshot.days.get(token.day);
      this.#checkRead(snapshot, day);
      return tokenView(token, day, this.#consultMinutes(snapshot), this.#now());
    });
  }

  /**
   * A slot with its places in queue order and the waitlist that could be promoted into it.
   * @throws OpdError `SLOT_NOT_FOUND`
   */
  async getSlot(slotId: string): Promise<SlotView> {
    return this.#guard('getSlot', { slotId }, async () => {
      const id = expectKey('slotId', slotId, MAX_KEY);
      const snapshot = await this.#options.storage.read({ slotId: id });
      const slot = snapshot.slots.get(id);
      if (slot !== undefined && !isSlotRecord(slot)) throw this.#unreadable();
      const day = slot === undefined ? undefined : snapshot.days.get(slot.day);
      this.#checkRead(snapshot, day);
      const i = day === undefined ? -1 : day.slots.findIndex((s) => s.slot.id === id);
      if (day === undefined || i < 0) throw new OpdError('SLOT_NOT_FOUND', `Slot \`${id}\` does not exist`, { details: { field: 'slotId', slotId: id } });
      const now = this.#now();
      return slotView(day, i, dayEstimates(day, this.#consultMinutes(snapshot), now), now, protectedUnder(this.#options.core, now));
    });
  }

  /**
   * One doctor's day: every slot in time order with its queue, and the day's waitlist.
   * @param date - local date `YYYY-MM-DD`
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`
   */
  async getSchedule(doctorId: string, date: string): Promise<DaySchedule> {
    return this.#guard('getSchedule', { doctorId }, async () => {
      const { snapshot, day } = await this.#readDay(doctorId, date);
      const now = this.#now();
      const estimates = dayEstimates(day, this.#consultMinutes(snapshot), now);
      const isProtected = protectedUnder(this.#options.core, now);
      return {
        doctor: toDoctor(snapshot.doctor!),
        date: day.record.day,
        slots: day.slots.map((_, i) => slotView(day, i, estimates, now, isProtected)),
        waitlist: waitlistView(day, isProtected),
      };
    });
  }

  /**
   * A doctor-day's waitlisted tokens in promotion order: the tokens the overflow strategy protects
   * (emergencies) first, then the others, each by rank, request time and token number.
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`
   */
  async getWaitlist(doctorId: string, date: string): Promise<Token[]> {
    return this.#guard('getWaitlist', { doctorId }, async () => waitlistView((await this.#readDay(doctorId, date)).day, protectedUnder(this.#options.core, this.#now())));
  }

  /**
   * Counts per status and category, slot utilisation, bumps, cascades, promotions, drops and
   * average wait, for everything or one doctor and/or date.
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`
   */
  async stats(filter?: StatsFilter): Promise<Stats> {
    return this.#guard('stats', undefined, async () => {
      const { doctorId, date } = readInput('filter', () => {
        const f = parseOptions('filter', filter, STATS_KEYS);
        return {
          doctorId: f['doctorId'] === undefined ? undefined : expectId('filter.doctorId', f['doctorId']),
          date: f['date'] === undefined ? undefined : parseDay('filter.date', f['date']),
        };
      });
      const doctors = new Map((await this.#listDoctors()).map((d) => [d.id, d]));
      if (doctorId !== undefined && !doctors.has(doctorId)) {
        throw new OpdError('DOCTOR_NOT_FOUND', `Doctor \`${doctorId}\` does not exist`, { details: { field: 'filter.doctorId', doctorId } });
      }
      const stats = new StatsAccumulator();
      const now = this.#now();
      const days = this.#scanDays({ doctorId, day: date });
      try {
        for await (const day of days) {
          if (!isDayDump(day)) throw this.#malformed('`scanDays` handed out something other than a stored day (a record, its slots and its tokens)');
          const consult = doctors.get(day.record.doctorId)?.consultMinutes ?? this.#options.core.consultMinutes;
          stats.add(day.record, day.slots, day.tokens, consult, now);
        }
      } catch (error) {
        // The adapter's iteration failed, or handed out something that is not a stored day.
        throw this.#adapterFailure('failed while reading its days', error);
      }
      return stats.result();
    });
  }

  /**
   * Stored events in `seq` order: everything that happened, for audit trails and to catch up
   * after a disconnect.
   * @param opts - `after` (a `seq`, default 0) and `limit` (default: all)
   * @throws OpdError `VALIDATION_FAILED` for bad options; `STORAGE_FAILURE` when the storage
   *   adapter's `history` fails or resolves with something other than an array of events
   */
  async history(opts?: HistoryOptions): Promise<OpdEvent[]> {
    return this.#guard('history', undefined, async () => {
      const { after, limit } = readInput('opts', () => {
        const o = parseOptions('opts', opts, HISTORY_KEYS);
        return {
          after: o['after'] === undefined ? 0 : expectInteger('opts.after', o['after'], 0),
          limit: o['limit'] === undefined ? Number.MAX_SAFE_INTEGER : expectInteger('opts.limit', o['limit'], 1),
        };
      });
      const events: unknown = await this.#options.storage.history(after, limit);
      if (!Array.isArray(events) || !events.every(isEvent)) throw this.#malformed('`history` resolved with something other than an array of events');
      return events;
    });
  }

  /**
   * The stored events after `after`, then every event committed later — by this scheduler and,
   * with a shared store, by other processes — in `seq` order, never skipping or repeating one:
   * the way for an SMS sender or a display board to catch every event across restarts and lost
   * acknowledgements (keep the last `seq` handled and pass it as `after` next time). Transient
   * storage failures (a lost connection) are retried; the iteration ends when the loop breaks
   * (`break`, `return()`) or the scheduler closes.
   *
   * The iterable is one reading, as an async generator is: iterate it once. Two loops over the
   * same `tail()` share its position (each gets the events the other did not); once it ended, it
   * stays ended. Call `tail()` again, with the `after` reached, to read again.
   *
   * While the iteration waits for the next event it keeps the process alive when the events may
   * come from another process: the PostgreSQL adapter's listening connection does, and so does
   * the poll of an adapter without a `tail` of its own (a referenced timer). `MemoryStorage` does
   * not hold the process (only this process writes to it). Once the iteration ends (`break`,
   * `return()`, a failure, `close()`) nothing is left holding the process.
   *
   * A failure that cannot be retried ends the iteration: the storage adapter's `tail` throwing,
   * returning something other than an async iterable, or its iteration throwing or handing out
   * something other than an event (an object with a positive integer `seq`); or, for an adapter
   * without a `tail`, `history` resolving with something other than an array of events. The
   * pending `next()` then rejects with an `OpdError` `STORAGE_FAILURE` (the adapter's error,
   * reduced to its class and code, as the cause; `details.adapter` names the adapter), the events
   * before it having been handed out, and later `next()` calls report the iteration done.
   *
   * @example
   * ```ts
   * for await (const event of opd.tail({ after: lastHandled })) {
   *   await sendSms(event);
   *   lastHandled = event.seq;
   * }
   * ```
   * @param opts - `after`: a `seq` (default 0, everything stored)
   * @throws OpdError `VALIDATION_FAILED` for a bad `after`; `STORAGE_FAILURE` when the scheduler is
   *   closed. The iteration rejects with `STORAGE_FAILURE` for a storage failure (see above).
   */
  tail(opts?: TailOptions): AsyncIterable<OpdEvent> {
    return this.#telemetry.tail(() => this.#tail(opts));
  }

  #tail(opts: TailOptions | undefined): AsyncIterable<OpdEvent> {
    const after = readInput('opts', () => {
      const o = parseOptions('opts', opts, TAIL_KEYS);
      return o['after'] === undefined ? 0 : expectInteger('opts.after', o['after'], 0);
    });
    if (this.#closed) throw new OpdError('STORAGE_FAILURE', 'The scheduler is closed', { details: { closed: true } });
    const controller = new AbortController();
    const tails = this.#tails;
    tails.add(controller);
    // Ends the source (its signal) and forgets the tail: once, when the iteration ends for any reason.
    const end = (): void => {
      controller.abort();
      tails.delete(controller);
    };
    let source: AsyncIterable<OpdEvent> | undefined;
    let failure: OpdError | undefined;
    try {
      source = this.#openTail(after, controller.signal);
    } catch (error) {
      // Reported by the first `next()`, where the consumer's loop handles failures of the iteration.
      end();
      failure = this.#adapterFailure('could not start a tail', error);
    }
    return { [Symbol.asyncIterator]: () => this.#tailIterator(source, failure, end) };
  }

  /**
   * The events of a `tail()`: the adapter's own `tail`, else a poll of `history` that keeps the
   * process alive while it waits (the store may be shared with other processes).
   * @throws for an adapter `tail` that throws or returns something other than an async iterable
   */
  #openTail(after: number, signal: AbortSignal): AsyncIterable<OpdEvent> {
    const storage = this.#options.storage;
    const own: unknown = storage.tail;
    if (own !== undefined && own !== null && typeof own !== 'function') throw this.#malformed('`tail` is not a function');
    const source: unknown = typeof own === 'function' ? (own as NonNullable<typeof storage.tail>).call(storage, after, signal) : undefined;
    // An adapter whose `tail` gives nothing (a wrapper around an adapter without one) is polled too.
    if (source === undefined || source === null) {
      const options = { page: 500, pollMs: 1000, keepAlive: true, adapter: this.#adapterName() };
      return followHistory((from, limit) => storage.history(from, limit), this.#published, after, signal, options);
    }
    if ((typeof source !== 'object' && typeof source !== 'function') || typeof (source as Partial<AsyncIterable<OpdEvent>>)[Symbol.asyncIterator] !== 'function') {
      // An `async tail` returns a promise: refused, and its rejection must not go unhandled.
      catchRejection(source, () => {});
      throw this.#malformed('`tail` did not return an async iterable');
    }
    return source as AsyncIterable<OpdEvent>;
  }

  /**
   * The adapter's `scanDays(filter)`. A promise in place of the iterable (an `async scanDays`
   * rather than an `async *scanDays`) is refused as a broken contract, and its rejection handled:
   * left alone, it would go unhandled and bring the host process down.
   * @throws OpdError `STORAGE_FAILURE`
   */
  #scanDays(filter: DayFilter): AsyncIterable<DayDump> | Iterable<DayDump> {
    const storage = this.#options.storage;
    let days: unknown;
    try {
      days = storage.scanDays(filter);
    } catch (error) {
      throw this.#adapterFailure('failed to read its days', error);
    }
    const iterable = (typeof days === 'object' || typeof days === 'function') && days !== null;
    if (!iterable || (typeof (days as Partial<AsyncIterable<DayDump>>)[Symbol.asyncIterator] !== 'function' && typeof (days as Partial<Iterable<DayDump>>)[Symbol.iterator] !== 'function')) {
      catchRejection(days, () => {});
      throw this.#malformed('`scanDays` did not return an async iterable');
    }
    return days as AsyncIterable<DayDump> | Iterable<DayDump>;
  }

  /**
   * An iterator of a `tail()`: the source's events, each checked to be one, and every failure of
   * the source (or `failure`, when it could not start) as an `OpdError`. When the source ends or
   * fails, or the consumer stops, it calls `end` (once) and reports done from then on.
   */
  #tailIterator(source: AsyncIterable<OpdEvent> | undefined, failure: OpdError | undefined, end: () => void): AsyncIterator<OpdEvent> {
    let iterator: AsyncIterator<OpdEvent> | undefined;
    let pending = failure;
    if (source !== undefined) {
      try {
        const opened: unknown = source[Symbol.asyncIterator]();
        if (typeof opened !== 'object' || opened === null || typeof (opened as Partial<AsyncIterator<OpdEvent>>).next !== 'function') {
          throw this.#malformed('`tail` returned an async iterable without an iterator');
        }
        iterator = opened as AsyncIterator<OpdEvent>;
      } catch (error) {
        pending = this.#adapterFailure('could not start a tail', error);
      }
    }
    let ended = false;
    const stop = (): void => {
      if (ended) return;
      ended = true;
      end();
    };
    const done = (): IteratorResult<OpdEvent> => ({ done: true, value: undefined });
    return {
      next: async () => {
        if (pending !== undefined) {
          const error = pending;
          pending = undefined;
          stop();
          throw error;
        }
        if (ended || iterator === undefined) return done();
        let event: OpdEvent;
        try {
          const step: unknown = await iterator.next();
          if (typeof step !== 'object' || step === null) throw this.#malformed('the iteration of `tail` handed out something other than an iterator result');
          if ((step as IteratorResult<unknown>).done) {
            stop();
            return done();
          }
          const value: unknown = (step as IteratorResult<unknown>).value;
          const seq = typeof value === 'object' && value !== null ? (value as { seq?: unknown }).seq : undefined;
          if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= 0) {
            throw this.#malformed('the iteration of `tail` handed out something other than an event with a positive integer `seq`');
          }
          event = value as OpdEvent;
        } catch (error) {
          stop();
          throw this.#adapterFailure('failed while tailing', error);
        }
        return { done: false, value: event };
      },
      return: async () => {
        pending = undefined;
        if (ended || iterator === undefined) {
          stop();
          return done();
        }
        stop();
        try {
          await iterator.return?.();
        } catch (error) {
          throw this.#adapterFailure('failed to end a tail', error);
        }
        return done();
      },
    };
  }

  /**
   * Stops accepting calls, waits for calls in progress, ends every `tail()`, stops the storage
   * adapter's delivery of events (see the constructor), then closes the storage adapter (which
   * releases what it opened itself).
   *
   * Idempotent: a call made while an earlier one is still closing settles only when closing has
   * finished (calls in progress ended, the adapter closed), with the same outcome; a call made
   * after closing has finished resolves at once.
   *
   * A failure of the storage adapter never leaves something open: when stopping its delivery of
   * events fails (the function its `subscribe` returned throws or rejects, or it returned
   * something other than a function), the adapter is closed all the same. The scheduler is closed
   * whatever happens; then `close()` rejects with the first failure as an `OpdError`
   * `STORAGE_FAILURE` (the adapter's error, reduced to its class and code, as the cause;
   * `details.adapter` names the adapter) — every call waiting for that closing does. Closing is
   * not tried again: a call made after it has finished resolves (the scheduler is closed, and the
   * failure was reported), so that `await using` after a failed `close()` does not throw it twice.
   *
   * @throws OpdError `STORAGE_FAILURE` when stopping the adapter's delivery of events or closing
   *   the adapter failed (everything was closed all the same)
   */
  async close(): Promise<void> {
    // Started at once (calls are refused from this call on), and only once.
    const closing = this.#closeFinished ? Promise.resolve() : (this.#closing ??= this.#close());
    return this.#telemetry.call('close', undefined, () => closing);
  }

  async #close(): Promise<void> {
    this.#closed = true;
    try {
      if (this.#pending > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
      for (const controller of this.#tails) controller.abort();
      this.#tails.clear();
      this.#published.close();
      // Each step runs whatever happened in the one before: a failure never leaves the adapter open.
      let failure: OpdError | undefined;
      try {
        await this.#unsubscribe();
      } catch (error) {
        failure = this.#adapterFailure('failed to stop its delivery of events', error);
      }
      try {
        await this.#options.storage.close();
      } catch (error) {
        failure ??= this.#adapterFailure('failed to close', error);
      }
      if (failure !== undefined) throw failure;
    } finally {
      this.#closeFinished = true;
    }
  }

  /**
   * Subscribes to the events other writers commit, when the adapter offers it (see the
   * constructor): what its `subscribe` returned, unchecked until `close()`.
   * @throws OpdError `STORAGE_FAILURE` when `subscribe` throws
   */
  #subscribe(listener: (event: OpdEvent) => void): { readonly stop: unknown } | undefined {
    const storage = this.#options.storage;
    let stop: unknown;
    try {
      const subscribe = storage.subscribe;
      if (subscribe === undefined) return undefined;
      stop = subscribe.call(storage, listener);
    } catch (error) {
      throw this.#adapterFailure('failed to subscribe to the events of other writers', error);
    }
    // An asynchronous `subscribe` returns a promise, not a function (`close()` reports it): its
    // rejection must not go unhandled and bring the process down.
    catchRejection(stop, () => {});
    return { stop };
  }

  /** Stops the delivery `#subscribe` started, if any. */
  async #unsubscribe(): Promise<void> {
    const subscription = this.#subscription;
    if (subscription === undefined) return;
    const { stop } = subscription;
    if (typeof stop !== 'function') throw this.#malformed('`subscribe` did not return a function, so its delivery of events could not be stopped');
    await (stop as () => unknown)();
  }

  /** A storage adapter that does not keep its contract (`what` it did), as `STORAGE_FAILURE`. */
  #malformed(what: string): OpdError {
    const adapter = this.#adapterName();
    return new OpdError('STORAGE_FAILURE', `The storage adapter \`${adapter}\` broke its contract: ${what}`, { details: { adapter } });
  }

  /**
   * A failure of the storage adapter, as `STORAGE_FAILURE` naming what it was doing: an `OpdError`
   * stays as it is; anything else is kept as the cause, reduced to its class and code (a custom
   * adapter's message may quote the rows it failed on).
   */
  #adapterFailure(doing: string, error: unknown): OpdError {
    if (isOpdError(error)) return error;
    const adapter = this.#adapterName();
    return new OpdError('STORAGE_FAILURE', `The storage adapter \`${adapter}\` ${doing}`, { details: { adapter }, cause: new ErrorSummary(error) });
  }

  /** The storage adapter's name, for messages (`?` when it cannot be read). */
  #adapterName(): string {
    try {
      const name: unknown = this.#options.storage.name;
      return typeof name === 'string' ? name : '?';
    } catch {
      return '?';
    }
  }

  /** Same as {@link OpdScheduler.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #transition(method: OpdMethod, command: Command<TransitionInput, TransitionResult>, tokenId: string, reason: string | null, actor: string | null): Promise<TransitionResult> {
    const id = expectKey('tokenId', tokenId, MAX_KEY);
    return this.#run(method, command, { tokenId: id, reason }, this.#now(), false, actor);
  }

  async #readDay(doctorId: string, date: string): Promise<{ snapshot: DoctorSnapshot; day: NonNullable<ReturnType<DoctorSnapshot['days']['get']>> }> {
    const id = expectId('doctorId', doctorId);
    const day = parseDay('date', date);
    const snapshot = await this.#options.storage.read({ doctorId: id, days: [day] });
    const state = snapshot.days.get(day);
    this.#checkRead(snapshot, state);
    if (snapshot.doctor === undefined || state === undefined) {
      throw new OpdError('DOCTOR_NOT_FOUND', `Doctor \`${id}\` does not exist`, { details: { field: 'doctorId', doctorId: id } });
    }
    return { snapshot, day: state };
  }

  /**
   * Refuses a read whose doctor or `day` (the records a view is made of) is not made of records:
   * a view of one would hold `undefined`, `null` or a string where a number belongs.
   * @throws OpdError `STORAGE_FAILURE`
   */
  #checkRead(snapshot: DoctorSnapshot, day: DaySnapshot | undefined): void {
    if ((snapshot.doctor !== undefined && !isDoctorRecord(snapshot.doctor)) || (day !== undefined && !isDaySnapshot(day))) throw this.#unreadable();
  }

  /** A read holding something that is not a record, as `STORAGE_FAILURE`. */
  #unreadable(): OpdError {
    return this.#malformed('`read` resolved with a doctor, slot, token or day that is not a stored record (a field missing or of the wrong kind)');
  }

  #consultMinutes(snapshot: DoctorSnapshot): number {
    return snapshot.doctor?.consultMinutes ?? this.#options.core.consultMinutes;
  }

  /**
   * Runs a command as one unit of work at `now` for the public call `method`, and publishes its
   * events after the commit. With `dryRun` the decision is computed under the lock but nothing is
   * written or emitted. Every event of the unit carries `actor` (stamped before it is stored). An
   * adapter that resolves with anything but the result of the decision it committed (the last one
   * `decide` returned) fails the call with `STORAGE_FAILURE`, and nothing is emitted. With a meter,
   * the unit's duration (from the adapter's `transact` to its answer) is recorded. With `ends`,
   * the call is not run by `#guard`, which entered it: the unit's handlers end it as `#guard`'s
   * would (`#leave`, failures as `OpdError`), one promise fewer.
   */
  #run<I, R>(method: OpdMethod, command: Command<I, R>, input: I, now: number, dryRun = false, actor: string | null = null, ends = false): Promise<R> {
    if (ends && !dryRun && this.#runsAtOnce && !this.#telemetry.timesUnits) return this.#runAtOnce(command, input, now, actor);
    return this.#runWaiting(method, command, input, now, dryRun, actor, ends);
  }

  /** {@link OpdScheduler.#run} for a unit whose adapter answers with a promise (or that is timed, or a dry run). */
  #runWaiting<I, R>(method: OpdMethod, command: Command<I, R>, input: I, now: number, dryRun: boolean, actor: string | null, ends: boolean): Promise<R> {
    // Not `async`: one promise of the adapter's, followed once, costs less per call than an
    // async function's own frame and promise.
    const telemetry = this.#telemetry;
    const timed = telemetry.timesUnits;
    const start = timed ? performance.now() : 0;
    const unit = new UnitRun(this.#options.core);
    unit.begin(command as Command<unknown, unknown>, input, now, actor, dryRun);
    let pending: Promise<R>;
    try {
      pending = this.#options.storage.transact(command.load(input, now), unit.decide as (snapshot: DoctorSnapshot) => Decision<R>);
    } catch (error) {
      // An adapter that throws rather than rejects: a failed unit all the same.
      if (timed) telemetry.unit(method, start, Promise.reject(error));
      throw error;
    }
    if (timed) telemetry.unit(method, start, pending);
    return pending.then(
      (result) => {
        const decided = unit.decided;
        const events = unit.end();
        try {
          if (result !== decided) throw this.#malformed('`transact` resolved with something other than the result of the decision it committed');
          for (let i = 0; i < events.length; i++) Object.freeze(events[i]);
          if (!dryRun) {
            this.#publish(events);
            this.#telemetry.committed(events);
          }
        } finally {
          if (ends) this.#leave();
        }
        return result;
      },
      ends ? this.#failed : undefined,
    );
  }

  /**
   * {@link OpdScheduler.#run} for a unit the adapter runs at once (`transactSync`), with nothing
   * to record: no promise of the adapter's to wait for, and no function made per call (the
   * scheduler's {@link UnitRun} decides it). Its events are published by the first reaction to
   * the call's own promise, registered before the call returns (so after the call, before its
   * caller resumes, and before a `close()` waiting for it goes on), never while it runs; each
   * reaction publishes the oldest batch not yet published, so batches go out in commit order.
   */
  #runAtOnce<I, R>(command: Command<I, R>, input: I, now: number, actor: string | null): Promise<R> {
    // A plug-in that calls the scheduler from inside a unit gets a unit of its own.
    const unit = this.#atOnce.busy ? new UnitRun(this.#options.core) : this.#atOnce;
    let result: R;
    let events: readonly OpdEvent[];
    try {
      unit.begin(command as Command<unknown, unknown>, input, now, actor);
      try {
        result = this.#options.storage.transactSync!(command.load(input, now), unit.decide) as R;
        if (result !== unit.decided) throw this.#malformed('`transactSync` returned something other than the result of the decision it committed');
      } finally {
        events = unit.end();
      }
    } catch (error) {
      this.#leave();
      return Promise.reject(wrap(error));
    }
    for (let i = 0; i < events.length; i++) Object.freeze(events[i]);
    const done = Promise.resolve(result);
    if (events.length > 0) {
      this.#committed.push(events);
      void done.then(this.#publishCommitted);
    }
    this.#leave();
    return done;
  }

  /** The batches of events of units run at once, committed and not yet published, oldest first. */
  readonly #committed: (readonly OpdEvent[])[] = [];
  /** Publishes the oldest batch of {@link OpdScheduler.#committed} (one reaction per batch). */
  readonly #publishCommitted = (): void => {
    const events = this.#committed.shift();
    if (events === undefined) return;
    this.#publish(events);
    this.#telemetry.committed(events);
  };
  /** Decides the units run at once (see {@link OpdScheduler.#runAtOnce}). */
  readonly #atOnce: UnitRun;

  #publish(events: readonly OpdEvent[]): void {
    if (events.length > 0) this.#published.wake();
    // Nobody listens to anything (eventemitter3 counts its listeners' names): no name is looked up.
    if ((this as unknown as { _eventsCount?: number })._eventsCount === 0) return;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      this.#emitSafely(event.type, event);
      this.#emitSafely('event', event);
    }
  }

  /**
   * A throwing listener must not turn a stored change into a failed call, silence the others, or
   * bring the host process down: its error goes to the `error` listeners, else to a warning.
   */
  #emitSafely(name: OpdEvent['type'] | 'event', event: OpdEvent): void {
    this.#callEach(name, event, this.#listenerFailed);
  }

  /**
   * Calls each listener of `name` with `arg` on its own, as the emitter would (a `once` listener
   * removed first), so that one that throws, or returns a promise that rejects, costs the others
   * nothing: `failed` gets the name and the error (made once, not per event: most events have no listener).
   */
  #callEach(name: string, arg: unknown, failed: (name: string, error: unknown) => void): void {
    const table = (this as unknown as { _events?: Record<string, Registered | Registered[] | undefined> })._events;
    if (table === undefined) {
      // Not the emitter this was written against: its own emit, one failure for all listeners.
      try {
        this.emit(name as 'event', arg as never);
      } catch (error) {
        failed(name, error);
      }
      return;
    }
    const registered = table[EVENT_PREFIX === false ? name : EVENT_PREFIX + name];
    // Most events have no listener: nothing more is made for them (the closure below, a context).
    if (registered !== undefined) this.#callListeners(name, arg, registered, failed);
  }

  /** {@link OpdScheduler.#callEach} for the listeners `registered` under `name`. */
  #callListeners(name: string, arg: unknown, registered: Registered | Registered[], failed: (name: string, error: unknown) => void): void {
    const fail = (error: unknown): void => failed(name, error);
    const listeners = Array.isArray(registered) ? registered.slice() : [registered];
    for (let i = 0; i < listeners.length; i++) {
      const { fn, context, once } = listeners[i]!;
      if (once) this.removeListener(name as 'event', fn as never, undefined, true);
      let returned: unknown;
      try {
        returned = fn.call(context, arg);
      } catch (error) {
        fail(error);
        continue;
      }
      catchRejection(returned, fail);
    }
  }

  readonly #listenerFailed = (name: string, error: unknown): void => {
    this.#report(error, () => this.#warnListener(name, error));
  };

  /** Hands `error` to the `error` listeners; `warnInstead` when there are none, or when one throws (or rejects) in turn. */
  #report(error: unknown, warnInstead: () => void): void {
    if (this.listenerCount('error') > 0) {
      let failed = false;
      // An `error` listener that throws (or rejects) in turn is warned about below, as if there were none.
      this.#callEach('error', error, () => {
        if (!failed) warnInstead();
        failed = true;
      });
      return;
    }
    warnInstead();
  }

  /**
   * Emits an event another writer committed, as the adapter's `subscribe` delivers it. Never throws
   * into the adapter, which may deliver from a timer, where a throw would bring the host process
   * down: anything that is not an event of a known type is dropped and reported (see the constructor).
   */
  #foreign(delivered: unknown): void {
    let event: OpdEvent | undefined;
    try {
      // A copy, read once: a getter cannot answer the check one thing and the listeners another.
      const copy: unknown = typeof delivered === 'object' && delivered !== null ? { ...delivered } : delivered;
      if (isKnownEvent(copy)) event = Object.freeze(copy);
    } catch {
      // A proxy or a getter that throws: dropped below.
    }
    if (event === undefined) {
      this.#report(this.#malformed('`subscribe` delivered something other than an event of a known type, and it was dropped'), () => this.#warnDropped());
      return;
    }
    this.#publish([event]);
  }

  #warnDropped(): void {
    if (this.#droppedWarned) return;
    this.#droppedWarned = true;
    const adapter = this.#adapterName();
    warn(
      `The storage adapter \`${adapter}\` delivered, as the event of another writer, something other than an event of a known type; it was dropped. ` +
        'Listen to `error` to receive such failures; further ones of this scheduler are not reported here.',
      'OPD_EVENT_DROPPED',
    );
  }

  #warnListener(name: string, error: unknown): void {
    if (this.#listenerWarned) return;
    this.#listenerWarned = true;
    // The listener's own message is not repeated: it may quote the patient of the event.
    const kind = new ErrorSummary(error).kind;
    warn(
      `A listener of \`${name}\` threw or rejected (${kind}); the change it was told of is stored and the other listeners ran. ` +
        'Listen to `error` to receive such errors; further ones of this scheduler are not reported here.',
      'OPD_LISTENER_FAILED',
    );
  }

  #now(): number {
    let now: Date;
    try {
      now = this.#options.clock();
    } catch (error) {
      throw inputFailure('clock', error);
    }
    const ms = timeOf(now) ?? Number.NaN;
    if (Number.isNaN(ms)) throw new OpdError('VALIDATION_FAILED', 'The clock did not return a valid Date', { details: { field: 'clock' } });
    if (ms < MIN_INSTANT || ms > MAX_INSTANT) throw new OpdError('VALIDATION_FAILED', 'The clock returned a date outside the years 1970 to 9999', { details: { field: 'clock' } });
    return ms;
  }

  #enter(): void {
    if (this.#closed) throw new OpdError('STORAGE_FAILURE', 'The scheduler is closed', { details: { closed: true } });
    this.#pending++;
  }

  #leave(): void {
    if (--this.#pending === 0 && this.#idle !== undefined) {
      this.#idle();
      this.#idle = undefined;
    }
  }

  #requireMultiDoctor(): void {
    const storage = this.#options.storage;
    if (storage.multiDoctor !== true) {
      throw new OpdError('STORAGE_FAILURE', `The storage adapter \`${storage.name}\` cannot lock several doctors in one unit`, { details: { adapter: storage.name } });
    }
  }

  /** Every public call: refused once closed, counted for `close()`, failures as `OpdError`, in its span. */
  #guard<R>(method: OpdMethod, ids: CallIds | undefined, work: (call: Call) => Promise<R>): Promise<R> {
    try {
      this.#enter();
    } catch (error) {
      // Refused (the scheduler is closed), and recorded as such: one span per public call.
      const refused = wrap(error);
      try {
        return this.#telemetry.call(method, ids, () => Promise.reject(refused));
      } catch {
        return Promise.reject(refused);
      }
    }
    let pending: Promise<R>;
    try {
      pending = this.#telemetry.call(method, ids, work);
    } catch (error) {
      this.#leave();
      return Promise.reject(wrap(error));
    }
    // Not `async`, and its two handlers made once: every public call passes here.
    return pending.then(this.#settled as (value: R) => R, this.#failed);
  }

  /** Ends a call that succeeded (see {@link OpdScheduler.#guard}). */
  readonly #settled = <R>(value: R): R => {
    this.#leave();
    return value;
  };

  /** Ends a call that failed, its failure an `OpdError` (see {@link OpdScheduler.#guard}). */
  readonly #failed = (error: unknown): never => {
    this.#leave();
    throw wrap(error);
  };
}

/** The `actor` of an options object that has no other field. */
function readActor(opts: ActorOptions | undefined): string | null {
  return readInput('opts', () => parseActor('opts.actor', parseOptions('opts', opts, ACTOR_KEYS)['actor']));
}

/** The `room` and `actor` of a call. */
function readCall(opts: CallOptions | undefined): { room: string | null; actor: string | null } {
  return readInput('opts', () => {
    const o = parseOptions('opts', opts, CALL_KEYS);
    return { room: o['room'] === undefined ? null : expectText('opts.room', o['room'], 50), actor: parseActor('opts.actor', o['actor']) };
  });
}

/**
 * Whether the scheduler runs the adapter's units by its `transactSync`: offered, and defined on
 * the same object as its `transact` (one that overrides the `transact` of an adapter offering
 * `transactSync` keeps its own).
 */
function runsAtOnce(storage: object): boolean {
  try {
    if (typeof (storage as { transactSync?: unknown }).transactSync !== 'function') return false;
    const holder = (key: string): object | undefined => {
      for (let o: object | null = storage; o !== null; o = Object.getPrototypeOf(o) as object | null) if (Object.hasOwn(o, key)) return o;
      return undefined;
    };
    return holder('transactSync') === holder('transact');
  } catch {
    return false; // a proxy whose traps throw: its own `transact` it is
  }
}

/** Every failure leaves as an `OpdError`. */
function wrap(error: unknown): OpdError {
  if (isOpdError(error)) return error;
  // A custom adapter's error may quote the rows it failed on: only its class and code are kept.
  return new OpdError('STORAGE_FAILURE', 'The storage adapter failed', { cause: new ErrorSummary(error) });
}

/** What `#run` holds as the result of a unit none of whose decisions committed (never an answer of an adapter). */
const UNDECIDED: unique symbol = Symbol('undecided');

/**
 * What a unit's decision needs (the call's command, input, clock and actor) and what it
 * committed, kept in fields so that its `decide` function is made once. A unit that waits for its
 * adapter gets one of its own; the units run at once (see `StorageAdapter.transactSync`) share the
 * scheduler's, one after another.
 */
class UnitRun {
  /** Whether a unit is running (one begun inside it gets another object). */
  busy = false;
  #command: Command<unknown, unknown> | undefined;
  #input: unknown;
  #now = 0;
  #actor: string | null = null;
  #dryRun = false;
  #events: readonly OpdEvent[] = NO_EVENTS;
  /** The result of the last decision that committed: the only answer the contract allows. */
  decided: unknown = UNDECIDED;

  constructor(readonly config: CoreConfig) {}

  begin(command: Command<unknown, unknown>, input: unknown, now: number, actor: string | null, dryRun = false): void {
    this.busy = true;
    this.#command = command;
    this.#input = input;
    this.#now = now;
    this.#actor = actor;
    this.#dryRun = dryRun;
    this.#events = NO_EVENTS;
    this.decided = UNDECIDED;
  }

  /** Ends the unit, forgetting its input; returns the events it committed. */
  end(): readonly OpdEvent[] {
    const events = this.#events;
    this.busy = false;
    this.#command = undefined;
    this.#input = undefined;
    this.#events = NO_EVENTS;
    this.decided = UNDECIDED;
    return events;
  }

  /** The command's decision on `snapshot`; one that commits is recorded, its events stamped with the actor (a dry run commits no change). */
  readonly decide = (snapshot: DoctorSnapshot): Decision<unknown> => {
    const decision = this.#command!.decide(this.config, snapshot, this.#input, this.#now);
    if (decision.kind !== 'commit') return decision;
    this.#events = decision.changes.events;
    this.decided = decision.result;
    stampActor(this.#events, this.#actor);
    return this.#dryRun ? { kind: 'commit', changes: NO_CHANGES, result: decision.result } : decision;
  };
}

/** A listener as `eventemitter3` keeps it. */
interface Registered {
  readonly fn: (...args: unknown[]) => unknown;
  readonly context: unknown;
  readonly once: boolean;
}

/** The prefix `eventemitter3` gives event names in its table (`false` on every current runtime). */
const EVENT_PREFIX = (EventEmitter as unknown as { prefixed: string | false }).prefixed;
