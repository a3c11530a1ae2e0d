import { EventEmitter } from 'eventemitter3';
import { addRecurringSlots } from './core/commands/add-recurring-slots.js';
import { addSlots } from './core/commands/add-slots.js';
import { closeSlot } from './core/commands/close-slot.js';
import { updateDoctor } from './core/commands/doctors.js';
import { forward } from './core/commands/journey.js';
import { leaseCapacity, returnLease } from './core/commands/lease.js';
import { acceptOffer, declineOffer } from './core/commands/offers.js';
import { resumeDoctor } from './core/commands/pause.js';
import { recall, reinstate } from './core/commands/queue.js';
import { reopenSlot } from './core/commands/reopen-slot.js';
import { setCapacity } from './core/commands/set-capacity.js';
import { cancel, checkIn, complete, confirm, markNoShow, release, startConsultation } from './core/commands/transitions.js';
import { routeStages } from './core/journeys.js';
import { importRegister } from './desk/register.js';
import type { DeskCommand, Lease, LeaseRequest, ManualRegisterReport, ManualRegisterRow, ReconcileReport } from './desk/types.js';
import type { OpdEvent, OpdEvents } from './events.js';
import { readFairnessFilter, readTextOptions } from './explain/input.js';
import type { ExplainTextOptions, Explanation, FairnessFilter, FairnessReport } from './explain/types.js';
import { MAX_CAPACITY, MAX_KEY, expectId, expectInteger, expectKey, localDayOf, parseAvailabilityQuery, parseBoundedInstant } from './inputs.js';
import { parseDay, parseDoctorInput, parseDoctorPatch, parseLeaseRef, parseLeaseRequest, parseLeave, parsePause } from './inputs.js';
import { parseRetirement, parseRota, parseSlotInputs } from './inputs.js';
import { toDoctor } from './model/convert.js';
import { type BookingWindows, type OpdSchedulerOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { CheckedAdapter, closeAdapter, type Subscription, wrap } from './shell/answers.js';
import { bookRequest, moveToken } from './shell/bookings.js';
import { callNextFor, servicePointQueue } from './shell/calls.js';
import { Closing } from './shell/closing.js';
import { deskLease, reconcile } from './shell/desk.js';
import { addNewDoctor } from './shell/doctors.js';
import { Explainer } from './shell/explain.js';
import { FollowUps } from './shell/follow-ups.js';
import { doctorIdOf, leaseDoctorOf, readActor, readCall, readCallTarget, readCancel, readCapacity, readCheckIn } from './shell/input.js';
import { readClock, readClose, readComplete, readForward, readHistoryOptions, readMoveTarget } from './shell/input.js';
import { readStatsFilter, readSweepNow, readTailAfter } from './shell/input.js';
import { patientOfToken } from './shell/locks.js';
import { PatientData } from './shell/patient-data.js';
import { type Listeners, Publisher } from './shell/publish.js';
import { Reads } from './shell/reads.js';
import { Runner } from './shell/run.js';
import { Series } from './shell/series.js';
import { sweepDueDays } from './shell/sweep.js';
import { Tails } from './shell/tails.js';
import { createTelemetry, type Telemetry } from './telemetry/telemetry.js';
import { wallTimeResolver } from './time.js';
import type { ActorOptions, BookingRequest, BookingResult, CallOptions, CallResult, CallTarget, CancelOptions, CheckInOptions } from './types.js';
import type { CloseDayOptions, CloseSlotOptions, DaySchedule, DepartmentBookingRequest, DepartmentHoldRequest, Doctor } from './types.js';
import type { DoctorInput, DoctorPatchInput, Effect, ForwardOptions, HistoryOptions, HoldRequest, HoldResult, LeaveInput } from './types.js';
import type { MoveOptions, MoveResult, MoveTarget, OfferAnswerResult, PauseOptions, RetireInput, RetireResult, RotaInput } from './types.js';
import type { RotaOptions, SetCapacityOptions, Slot, SlotInput, SlotView, Stats, StatsFilter, TailOptions, Token } from './types.js';
import type { TransitionResult } from './types.js';
import type { CancelFollowUpOptions, DueFollowUpsFilter, FollowUp, FollowUpRequest, FollowUpResult } from './types.js';
import type { EntitlementQuery, EntitlementSummary } from './types.js';
import type { CancelSeriesOptions, CompleteOptions, SeriesCancellation, SeriesRequest, SeriesResult } from './types.js';
import type { AvailabilityQuery, ErasePatientOptions, PatientErasure, PatientExport, SlotAvailability } from './types.js';
import { readInput } from './validate.js';

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
 * ```ts run
 * import { OpdScheduler, presets } from 'opd-scheduler';
 *
 * const opd = new OpdScheduler({ ...presets.standard(), timeZone: 'Asia/Kolkata' });
 * const tomorrow = opd.dayOf(new Date(Date.now() + 24 * 60 * 60 * 1000)); // 'YYYY-MM-DD' in Kolkata
 * const doctor = await opd.addDoctor({ name: 'Dr. Sharma', specialization: 'Cardiology' });
 * const [nine] = await opd.addSlots(doctor.id, [
 *   { start: `${tomorrow}T09:00:00+05:30`, end: `${tomorrow}T10:00:00+05:30`, capacity: 10 },
 * ]);
 * opd.on('token:bumped', (e) => console.log(`token ${e.tokenNumber} moved`));
 * const { token, outcome } = await opd.book({
 *   doctorId: doctor.id, category: 'ONLINE', patient: { id: 'ABHA-1', name: 'Asha' }, slotId: nine!.id,
 * });
 * console.log(outcome, token.tokenNumber); // BOOKED 1
 * ```
 */
export class OpdScheduler extends EventEmitter<OpdEvents> {
  readonly #options: ResolvedOptions;
  /** The storage adapter, its answers checked. */
  readonly #adapter: CheckedAdapter;
  /** Spans and metrics (OpenTelemetry). */
  readonly #telemetry: Telemetry;
  /** Hands committed events to the listeners. */
  readonly #publisher: Publisher;
  /** Counts the calls in progress and runs their units of work. */
  readonly #runner: Runner;
  /** The open `tail()` iterations. */
  readonly #tails: Tails;
  readonly #reads: Reads;
  /** Export, erasure and retention of patient data. */
  readonly #patients: PatientData;
  /** What the adapter's `subscribe` returned, to emit events committed by other processes sharing the store; `undefined` without a subscription. */
  readonly #subscription: Subscription | undefined;
  /** The closing, from the first `close()` on: every `close()` made before it finished settles with it. */
  #closing: Promise<void> | undefined;
  /** Whether the closing has finished (later `close()` calls have nothing to wait for). */
  #closeFinished = false;
  /** The instants of a local wall time in the scheduler's zone (made on first use). */
  #wallTime: ((day: string, minute: number) => number[]) | undefined;
  /** The explaining reads (made on first use). */
  #explainer: Explainer | undefined;
  /** Follow-ups: booked, listed while due, tried again by the sweep, cancelled. */
  readonly #followUps: FollowUps;
  /** Series of visits: previewed, held, booked, cancelled. */
  readonly #series: Series;
  /** Leaves, pauses, retirements and day closings. */
  readonly #closings: Closing;

  /**
   * When the storage adapter offers `subscribe`, the scheduler subscribes here (to emit the events
   * other processes sharing the store commit) and unsubscribes on {@link OpdScheduler.close}; see
   * {@link OpdSchedulerOptions.storage} for how a failing subscription and malformed deliveries are
   * handled.
   *
   * @param options - storage, policies, clock and defaults; see {@link OpdSchedulerOptions}
   * @throws OpdError `VALIDATION_FAILED` for an invalid option; `STORAGE_FAILURE` when the storage
   *   adapter's `subscribe` throws (its error, reduced to its class and code, is the cause)
   */
  constructor(options?: OpdSchedulerOptions) {
    super();
    this.#options = readInput('options', () => resolveOptions(options));
    this.#telemetry = createTelemetry(this.#options.telemetry, wrap);
    this.#adapter = new CheckedAdapter(this.#options.storage);
    this.#publisher = new Publisher(this as unknown as Listeners, this.#adapter);
    this.#runner = new Runner(this.#adapter, this.#options.core, this.#telemetry, this.#publisher);
    this.#tails = new Tails(this.#adapter, this.#publisher.published);
    this.#reads = new Reads(this.#adapter, this.#options.core);
    this.#patients = new PatientData(this.#runner, this.#adapter, this.#reads, this.#options.core);
    this.#followUps = new FollowUps(this.#runner, this.#options.storage.multiDoctor === true);
    this.#series = new Series(this.#runner, this.#options.storage.multiDoctor === true, this.#options.timeZone);
    this.#closings = new Closing(this.#runner, this.#reads, this.#options.timeZone);
    this.#subscription = this.#adapter.subscribe((event) => this.#publisher.foreign(event));
  }

  /** The IANA time zone that defines days. */
  get timeZone(): string {
    return this.#options.timeZone;
  }

  /**
   * The scheduler's clock (the option `clock`, else the system's): the instant its calls and
   * reads decide at — what a feed names as its `transactionTime`.
   * @throws OpdError `VALIDATION_FAILED` when the `clock` option answers something that is not a valid Date
   */
  now(): Date {
    return this.#telemetry.sync('now', () => new Date(this.#now()));
  }

  /**
   * The local date (`YYYY-MM-DD`) of an instant in the scheduler's time zone.
   * @param instant - a `Date` or ISO-8601 string with an offset
   */
  dayOf(instant: Date | string): string {
    return this.#telemetry.sync('dayOf', () =>
      readInput('instant', () => localDayOf('instant', parseBoundedInstant('instant', instant), this.#options.core.dayOf)),
    );
  }

  /**
   * Adds a doctor.
   * @param input - name, optional id (generated when omitted), specialization, consultMinutes
   * @throws OpdError `VALIDATION_FAILED` for bad input or an id already in use
   */
  async addDoctor(input: DoctorInput): Promise<Doctor> {
    return this.#runner.call('addDoctor', undefined, async () => {
      const parsed = readInput('doctor', () => parseDoctorInput(input));
      return addNewDoctor(this.#runner, parsed, this.#now(), this.#options.facilityId);
    });
  }

  /** Every doctor, in order of creation, retired doctors too (with `retiredFrom`). */
  async listDoctors(): Promise<Doctor[]> {
    return this.#runner.call('listDoctors', undefined, async () => (await this.#adapter.listDoctors()).map(toDoctor));
  }

  /**
   * A doctor as stored now.
   * @param doctorId - the doctor
   * @throws OpdError `DOCTOR_NOT_FOUND`; `VALIDATION_FAILED` for a malformed id
   */
  async getDoctor(doctorId: string): Promise<Doctor> {
    return this.#runner.call('getDoctor', { doctorId }, async () => this.#reads.doctor(expectId('doctorId', doctorId)));
  }

  /**
   * Changes a doctor's name, specialization, department, room or minutes per consultation, in
   * one unit of work for the doctor; emits `doctor:updated` with each field that changed (before
   * and after). Fields left out keep their value; `null` clears an optional one. A patch whose
   * values are those stored changes nothing and emits nothing.
   *
   * Estimated starts follow a new `consultMinutes` at once. A new department counts for every
   * booking by department, leave with `reassign` and retirement that starts after the change:
   * the patient's tokens with the doctor then count against the department's duplicate-booking
   * rule, and no longer against the old one's.
   * @param doctorId - the doctor
   * @param patch - the fields to change, at least one (see {@link DoctorPatchInput})
   * @param opts - `actor`: who changes them
   * @returns the doctor as changed
   * @throws OpdError `DOCTOR_NOT_FOUND`; `VALIDATION_FAILED` for an empty patch, an unknown field
   *   or a bad value (`details.field`, such as `patch.consultMinutes`), nothing changed
   */
  async updateDoctor(doctorId: string, patch: DoctorPatchInput, opts?: ActorOptions): Promise<Doctor> {
    return this.#runner.call('updateDoctor', { doctorId }, async () => {
      const id = expectId('doctorId', doctorId);
      const parsed = readInput('patch', () => parseDoctorPatch(patch));
      const actor = readActor(opts);
      return this.#runner.run('updateDoctor', updateDoctor, { doctorId: id, patch: parsed }, this.#now(), false, actor);
    });
  }

  /**
   * Retires a doctor from `from` on. Every open slot of the doctor that has not ended and ends
   * after `from` closes exactly as {@link OpdScheduler.closeSlots} closes a leave's slots (a leave
   * from `from` to the end of the doctor's last slot): each displaced patient moves once — with
   * `reassign: 'department'` to the soonest place with a colleague, else, since the doctor has
   * no place left, onto the waitlist of their day or dropped, as the overflow strategy says. In the
   * same unit the doctor is marked retired: from `from` on, bookings, holds and moves to the
   * doctor, new slots and reopened slots reaching past `from` are refused with `DOCTOR_RETIRED`.
   * The doctor stays listed, with `retiredFrom`; tokens before `from` are kept.
   *
   * Retiring a doctor already retired is refused with `DOCTOR_RETIRED` and changes nothing.
   * With `dryRun: true` it returns what would happen and changes nothing.
   * @param doctorId - the doctor
   * @param retirement - `from`, optional `reason`, `reassign`, `dryRun`, `actor` (see {@link RetireInput})
   * @returns the doctor as retired and the effects: `doctor:retired`, then what closing the slots
   *   caused, as {@link OpdScheduler.closeSlots} reports it
   * @throws OpdError `DOCTOR_NOT_FOUND`, `DOCTOR_RETIRED`; `VALIDATION_FAILED` for a bad input,
   *   `reassign: 'department'` for a doctor without a department, or a slot to close holding
   *   patients who are checked in or in consultation (`details.slotId`, `details.tokenIds`);
   *   `STORAGE_FAILURE` for `reassign` on a store without units over several doctors
   */
  async retireDoctor(doctorId: string, retirement: RetireInput): Promise<RetireResult> {
    return this.#runner.call('retireDoctor', { doctorId }, async (call) => {
      const id = expectId('doctorId', doctorId);
      const parsed = readInput('retirement', () => parseRetirement(retirement));
      call.dryRun(parsed.dryRun);
      return this.#closings.retire(id, parsed, this.#clock);
    });
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
    return this.#runner.call('addSlots', { doctorId }, async () => {
      const id = expectId('doctorId', doctorId);
      const drafts = readInput('slots', () => parseSlotInputs(slots, this.#options.defaultOverflowCapacity, this.#options.core.dayOf));
      const actor = readActor(opts);
      const now = this.#now();
      return this.#runner.run('addSlots', addSlots, { doctorId: id, drafts }, now, false, actor);
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
   * @param opts - `actor`: who adds the rota (stamped on the promotions it causes); `dryRun: true`
   *   returns the slots it would create and changes nothing
   * @returns the slots created by this call (with `dryRun`, that it would create), in time order
   *   (empty when the rota already exists)
   * @throws OpdError `DOCTOR_NOT_FOUND`; `SLOT_OVERLAP` for weekly sessions that overlap or a slot
   *   overlapping one of the doctor's other slots (nothing is created); `VALIDATION_FAILED`
   */
  async addRecurringSlots(doctorId: string, rota: RotaInput, opts?: RotaOptions): Promise<Slot[]> {
    return this.#runner.call('addRecurringSlots', { doctorId }, async (call) => {
      const id = expectId('doctorId', doctorId);
      this.#wallTime ??= wallTimeResolver(this.#options.timeZone);
      const clock = { wallTime: this.#wallTime, dayOf: this.#options.core.dayOf };
      const drafts = readInput('rota', () => parseRota(rota, this.#options.defaultOverflowCapacity, clock));
      const { dryRun, actor } = readCapacity(opts);
      call.dryRun(dryRun);
      return this.#runner.run('addRecurringSlots', addRecurringSlots, { doctorId: id, drafts }, this.#now(), dryRun, actor);
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
   *   `SLOT_FULL`, `DUPLICATE_BOOKING`, `IDEMPOTENCY_CONFLICT`; `OUTSIDE_BOOKING_WINDOW` for a request
   *   outside its booking window (see {@link BookingWindows}); `STORAGE_FAILURE` for a department with
   *   a storage adapter that cannot lock several doctors
   */
  book(request: BookingRequest | DepartmentBookingRequest): Promise<BookingResult> {
    return this.#runner.call('book', undefined, () => bookRequest(this.#runner, this.#clock, request, false));
  }

  /**
   * Holds a free place for a patient until `holdMinutes` from now, or the end of its slot when
   * that is sooner (pay, then confirm; a token from a national health portal that expires): the
   * token is `HELD`, its place counts against the slot's capacity like a booking, and
   * `token.holdExpiresAt` says when the hold ends. Confirm it with {@link OpdScheduler.confirm},
   * give it up with {@link OpdScheduler.release}; a hold still unconfirmed at its end is released
   * by the next {@link OpdScheduler.sweep}, and its place is promoted into. How the place is
   * chosen, and how bumps and the duplicate rule treat a hold: see {@link HoldRequest} (by
   * doctor) and {@link DepartmentHoldRequest} (by department).
   * @param request - a booking request (by doctor or by department) and `holdMinutes` (an integer from 1 to 1440)
   * @returns the `HELD` token and the effects
   * @throws OpdError `VALIDATION_FAILED`, `DOCTOR_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`, `SLOT_NOT_FOUND`, `SLOT_CLOSED`, `SLOT_ENDED`,
   *   `SLOT_FULL`, `DUPLICATE_BOOKING`, `IDEMPOTENCY_CONFLICT`; `OUTSIDE_BOOKING_WINDOW` for a request
   *   outside its booking window (see {@link BookingWindows}); `STORAGE_FAILURE` for a department with
   *   a storage adapter that cannot lock several doctors in one unit
   */
  async hold(request: HoldRequest | DepartmentHoldRequest): Promise<HoldResult> {
    return this.#runner.call('hold', undefined, async () => {
      const { token, effects, replayed } = await bookRequest(this.#runner, this.#clock, request, true);
      return Object.freeze(replayed === true ? { token, effects, replayed } : { token, effects });
    });
  }

  /**
   * Confirms a hold before it ends: the token becomes `BOOKED` in the same place. A hold whose
   * slot has ended is refused as a booking there is (`SLOT_ENDED`) and changes nothing; the next
   * sweep expires it.
   * @param opts - `actor`: who confirms it (a payment service, a desk)
   * @throws OpdError `TOKEN_NOT_FOUND`; `SLOT_ENDED` for a hold whose slot has ended
   *   (`details.slotId`); `INVALID_TRANSITION` for a token that is not `HELD`, or whose hold has
   *   ended (`details.expired: true`, even before a sweep released it); `VALIDATION_FAILED`
   */
  async confirm(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#runner.call('confirm', { tokenId }, async () => this.#runner.transition('confirm', confirm, tokenId, null, readActor(opts), this.#clock));
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
    return this.#runner.call('release', { tokenId }, async () => this.#runner.transition('release', release, tokenId, null, readActor(opts), this.#clock));
  }

  /**
   * Accepts an offer of a freed place (with the scheduler's `offers` option; the `offerId` of a
   * `token:offered` event). The first candidate to accept before the offer's `expiresAt` takes the
   * place: a waitlisted token becomes `BOOKED` there (`token:promoted`), a booked one moves there
   * keeping its number (`token:moved`), and the place it leaves is offered in turn; the other
   * candidates' offers lapse (`token:offer-lapsed`, `taken`). Accepting an offer already accepted
   * answers exactly as the first accept did (the token then, the same effects), `replayed: true`,
   * and changes nothing.
   * @param opts - `actor`: who records the answer (an SMS gateway, a desk)
   * @returns the token in its new place and the effects
   * @throws OpdError `OFFER_NOT_FOUND`; `OFFER_EXPIRED` after the offer's window (even before a
   *   sweep lapsed it), or when it lapsed because its token moved on (`details.reason:
   *   'moved-on'`); `OFFER_TAKEN` when another candidate or an emergency took the place;
   *   `INVALID_TRANSITION` for an offer declined; `VALIDATION_FAILED`. Each changes nothing.
   */
  async acceptOffer(offerId: string, opts?: ActorOptions): Promise<OfferAnswerResult> {
    return this.#runner.call('acceptOffer', undefined, async () => {
      const id = expectKey('offerId', offerId, MAX_KEY);
      const actor = readActor(opts);
      return this.#runner.run('acceptOffer', acceptOffer, { offerId: id }, this.#now(), false, actor);
    });
  }

  /**
   * Declines an offer of a freed place: the token keeps what it had (`token:offer-declined`); when
   * nobody of its group can still answer, the next group is offered at once. Declining again
   * answers `replayed: true` and changes nothing.
   * @param opts - `actor`: who records the answer
   * @throws OpdError `OFFER_NOT_FOUND`, `OFFER_EXPIRED`, `OFFER_TAKEN`, `INVALID_TRANSITION` (an
   *   offer accepted), `VALIDATION_FAILED`. Each changes nothing.
   */
  async declineOffer(offerId: string, opts?: ActorOptions): Promise<OfferAnswerResult> {
    return this.#runner.call('declineOffer', undefined, async () => {
      const id = expectKey('offerId', offerId, MAX_KEY);
      const actor = readActor(opts);
      return this.#runner.run('declineOffer', declineOffer, { offerId: id }, this.#now(), false, actor);
    });
  }

  /**
   * Calls the next patient to see on the doctor's day (today, by the clock; first the slots of
   * the day before still running, a night session past midnight, unless today's first is an
   * emergency): an emergency checked in first, from any slot, in every call order; then the first
   * `CHECKED_IN` place in queue order, slot by slot in time order — or, with the `callOrder`
   * option, in that order — and emits `token:called` with the room,
   * for the waiting-room board. Calling changes no status: the patient stays first in
   * line until {@link OpdScheduler.startConsultation}, so calling next again before then calls
   * the same patient again.
   * @param opts - `room` (at most 50 characters, shown on boards; the doctor's room when omitted), `actor`
   * @returns the patient called, or `{ token: null }` when nobody is checked in (then nothing is
   *   emitted or stored)
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`
   */
  async callNext(target: string | CallTarget, opts?: CallOptions): Promise<CallResult> {
    return this.#runner.call('callNext', typeof target === 'string' ? { doctorId: target } : undefined, async () => {
      const parsed = readCallTarget(target);
      const { room, actor } = readCall(opts);
      return callNextFor(this.#runner, parsed, room, actor, this.#now());
    });
  }

  /**
   * Calls a `CHECKED_IN` patient again (they did not come when called): `token:called` with
   * `recall: true`. Changes no status.
   * @param opts - `room`, `actor`
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION` (a token that is not `CHECKED_IN`), `VALIDATION_FAILED`
   */
  async recall(tokenId: string, opts?: CallOptions): Promise<TransitionResult> {
    return this.#runner.call('recall', { tokenId }, async () => {
      const id = expectKey('tokenId', tokenId, MAX_KEY);
      const { room, actor } = readCall(opts);
      return this.#runner.run('recall', recall, { tokenId: id, room }, this.#now(), false, actor);
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
   *   another live token that day; `SLOT_FULL` when the overflow strategy refuses;
   *   `OUTSIDE_BOOKING_WINDOW` when no slot it could go to is within its booking window; `VALIDATION_FAILED`
   */
  async reinstate(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#runner.call('reinstate', { tokenId }, async () => {
      const id = expectKey('tokenId', tokenId, MAX_KEY);
      const actor = readActor(opts);
      const now = this.#now();
      const patient = await patientOfToken(this.#options.storage, this.#options.core, id, now);
      return this.#runner.run('reinstate', reinstate, { tokenId: id, lateArrival: this.#options.lateArrival, actor, patientLoad: patient }, now, false, actor);
    });
  }

  /**
   * Cancels a token (from `WAITLISTED`, `BOOKED` or `CHECKED_IN`); the freed place is promoted into.
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `VALIDATION_FAILED`; `CANCEL_CUTOFF` for a
   *   token whose slot starts within its category's `cancelCutoffMinutes` (see {@link BookingWindows})
   */
  async cancel(tokenId: string, opts?: CancelOptions): Promise<TransitionResult> {
    return this.#runner.call('cancel', { tokenId }, async () => {
      const { reason, actor } = readCancel(opts);
      return this.#runner.transition('cancel', cancel, tokenId, reason, actor, this.#clock);
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
   * import { OpdScheduler } from 'opd-scheduler';
   *
   * declare const opd: OpdScheduler, tokenId: string, otherTokenId: string; // tokens of Dr. Rao's
   * // Dr. Rao is running late: move a patient to Dr. Iyer's 11:00 slot (added as `iyer-1100`).
   * const { token, fromTokenId } = await opd.move(tokenId, { slotId: 'iyer-1100' }, { reason: 'doctor late' });
   * // Or to Dr. Iyer's first free place an hour from now or later, whatever the slot's id.
   * await opd.move(otherTokenId, { doctorId: 'iyer', after: new Date(Date.now() + 60 * 60 * 1000) });
   * ```
   * @param tokenId - the token to move
   * @param to - where to (see {@link MoveTarget})
   * @param opts - `reason` (stored in the event), `dryRun` (return the result, change nothing)
   * @returns the patient's token now, the id of the token moved from, and the effects (promotions)
   * @throws OpdError `TOKEN_NOT_FOUND`; `INVALID_TRANSITION` (not `BOOKED` or `WAITLISTED`);
   *   `SLOT_NOT_FOUND`, `DOCTOR_NOT_FOUND`, `SLOT_CLOSED`, `SLOT_ENDED`; `SLOT_FULL` (no free place);
   *   `OUTSIDE_BOOKING_WINDOW` (a place outside the token's booking window);
   *   `VALIDATION_FAILED` (bad input, or the place it already holds); `DUPLICATE_BOOKING` (the
   *   patient already holds a live token in the new doctor-day); `STORAGE_FAILURE` for a move to
   *   another doctor with a storage adapter that cannot lock several doctors
   */
  async move(tokenId: string, to: MoveTarget, opts?: MoveOptions): Promise<MoveResult> {
    return this.#runner.call('move', { tokenId }, async (call) => {
      const id = expectKey('tokenId', tokenId, MAX_KEY);
      const target = readMoveTarget(to, this.#options.core.dayOf);
      const { reason, dryRun, actor } = readClose(opts);
      call.dryRun(dryRun);
      return moveToken(this.#runner, this.#clock, id, target, reason, actor, dryRun);
    });
  }

  /**
   * Marks a `BOOKED` token whose slot has started as a no-show; the freed place is promoted into.
   * @param opts - `actor`: who marks it
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `NOT_YET_DUE`, `VALIDATION_FAILED`
   */
  async markNoShow(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#runner.call('markNoShow', { tokenId }, async () =>
      this.#runner.transition('markNoShow', markNoShow, tokenId, null, readActor(opts), this.#clock),
    );
  }

  /**
   * Checks a `BOOKED` patient in; a checked-in place is never bumped.
   * @param opts - `actor`: who checks the patient in (`{ actor: 'desk-1' }`)
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `VALIDATION_FAILED`
   */
  async checkIn(tokenId: string, opts?: CheckInOptions): Promise<TransitionResult> {
    return this.#runner.call('checkIn', { tokenId }, async () => {
      const { route, actor } = readCheckIn(opts);
      const id = expectKey('tokenId', tokenId, MAX_KEY);
      // A route this scheduler does not have is a bad input, refused before the token is read.
      if (route !== null) routeStages(this.#options.core, route);
      return this.#runner.run('checkIn', checkIn, { tokenId: id, reason: null, actor, route }, this.#now(), false, actor);
    });
  }

  /**
   * Sends a patient on to the next queue of the visit (the options `servicePoints` and `routes`):
   * from the doctor to the lab, from vitals to the doctor, from the lab back to the doctor. The
   * token keeps its id, number, place, category and due time, and waits in exactly one queue; on a
   * route it reaches the first later stage of the target's kind. A patient who saw the doctor and
   * is sent back re-enters the doctor's queue where the `reentry` policy says
   * (`new ReturnAhead({ maxPassed })` by default: next, after emergencies and anyone already
   * called) — never as a new booking, never as a duplicate. Emits `token:forwarded`.
   * @param opts - `to` (a service point's id or a kind; `'doctor'` for the token's doctor), `reason`, `actor`
   * @throws OpdError `TOKEN_NOT_FOUND`; `INVALID_TRANSITION` (a token neither `CHECKED_IN` nor
   *   `IN_CONSULTATION`, one already waiting there, or a kind no later stage of its route has);
   *   `VALIDATION_FAILED` (no service points, an unknown or ambiguous `to`, a point of another
   *   department, a re-entry policy's bad answer). Each changes nothing.
   */
  async forward(tokenId: string, opts: ForwardOptions): Promise<TransitionResult> {
    return this.#runner.call('forward', { tokenId }, async () => {
      const id = expectKey('tokenId', tokenId, MAX_KEY);
      const { to, reason, actor } = readForward(opts);
      return this.#runner.run('forward', forward, { tokenId: id, to, reason }, this.#now(), false, actor);
    });
  }

  /**
   * Starts the consultation of a `CHECKED_IN` patient.
   * @param opts - `actor`: who starts it
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `VALIDATION_FAILED`
   */
  async startConsultation(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#runner.call('startConsultation', { tokenId }, async () =>
      this.#runner.transition('startConsultation', startConsultation, tokenId, null, readActor(opts), this.#clock),
    );
  }

  /**
   * Completes a consultation. The place stays used. With the option `followUps`, a consultation
   * charged for (`charged: true`, or every one by `followUps.everyCompletion`) opens an
   * entitlement to free revisits (`entitlement:opened`); see {@link OpdScheduler.entitlementOf}.
   * @param opts - `actor`: who completes it; `charged`: whether it is charged for
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION`, `VALIDATION_FAILED`
   */
  async complete(tokenId: string, opts?: CompleteOptions): Promise<TransitionResult> {
    return this.#runner.call('complete', { tokenId }, async () => {
      const { actor, charged } = readComplete(opts);
      const id = expectKey('tokenId', tokenId, MAX_KEY);
      return this.#runner.run('complete', complete, { tokenId: id, reason: null, actor, lease: null, charged }, this.#now(), false, actor);
    });
  }

  /**
   * Books the next visit at the end of this one: a `FOLLOW_UP` token in the earliest usable place
   * of `[due − windowDays, due + windowDays]` (never on or before the visit's day, never in the
   * past), with the visit's doctor by default, `doctorId`, or any doctor of `department` — by the
   * booking rules (the `FOLLOW_UP` quota, booking windows, duplicate rules, the overflow
   * strategy; a day where the booking would wait is passed over). `followup:booked` follows the
   * token's `token:booked`.
   *
   * No place in the window: the follow-up is **due, not lost** (`followup:due`): listed by
   * {@link OpdScheduler.dueFollowUps} and tried again by every {@link OpdScheduler.sweep} as places
   * open, until it is booked or cancelled by an actor ({@link OpdScheduler.cancelFollowUp}).
   *
   * A visit has one follow-up: asked again, one already booked is answered as it stands
   * (`replayed: true`, never a second token); one still due is tried again with the new request.
   *
   * @example
   * ```ts
   * import { OpdScheduler } from 'opd-scheduler';
   *
   * declare const opd: OpdScheduler, visitTokenId: string;
   * const { followUp, token } = await opd.bookFollowUp(visitTokenId, { afterDays: 7, windowDays: 2, actor: 'dr-rao' });
   * console.log(followUp.status, token?.day); // 'BOOKED' and a day 5 to 9 days on, or 'DUE' and null
   * ```
   * @param fromTokenId - the visit (a token checked in, in consultation, or completed)
   * @param request - `afterDays` or `on`; `windowDays` (default 0); `doctorId` or `department`; `actor`; `idempotencyKey`
   * @returns the follow-up, its token when booked, and the booking's effects
   * @throws OpdError `TOKEN_NOT_FOUND`; `DOCTOR_NOT_FOUND` / `DEPARTMENT_NOT_FOUND` for a doctor
   *   that does not exist or a department without a doctor; `INVALID_TRANSITION` for a visit not yet seen (or ended
   *   unseen); `VALIDATION_FAILED` (bad input, a due date not after the visit, a window in the
   *   past, a priority policy without `FOLLOW_UP`); `STORAGE_FAILURE` for another doctor or a
   *   department with a storage adapter that cannot lock several doctors
   */
  async bookFollowUp(fromTokenId: string, request: FollowUpRequest): Promise<FollowUpResult> {
    return this.#runner.call('bookFollowUp', { tokenId: fromTokenId }, async () => this.#followUps.book(fromTokenId, request, this.#now()));
  }

  /**
   * The follow-ups due and not booked — those the sweep still tries, and those whose window passed
   * without a place — by due date.
   * @param filter - `date` (due that day), `department`, `doctorId` (the doctor asked for)
   * @throws OpdError `VALIDATION_FAILED`; `STORAGE_FAILURE`
   */
  async dueFollowUps(filter?: DueFollowUpsFilter): Promise<FollowUp[]> {
    return this.#runner.call('dueFollowUps', undefined, async () => this.#followUps.due(filter, this.#now()));
  }

  /**
   * The free revisits a patient has left (the option `followUps`) with a doctor, or any doctor of a
   * department, on a day (`at`, default today): every entitlement that covers it, oldest first
   * (the one a booking uses first), with its visits used and left. The library reports; billing
   * stays the application's.
   * @param patientId - the patient's id (`patient.id`); never part of an error
   * @param query - `doctorId` or `department`; `at`, a local date
   * @throws OpdError `VALIDATION_FAILED` (bad input, or a scheduler without `followUps`); `DOCTOR_NOT_FOUND`
   */
  async entitlementOf(patientId: string, query: EntitlementQuery): Promise<EntitlementSummary> {
    return this.#runner.call('entitlementOf', undefined, async () => this.#followUps.entitlementOf(patientId, query, this.#now()));
  }

  /**
   * Cancels a due follow-up (`followup:cancelled`): it is no longer tried nor listed. One already
   * cancelled is answered as it stands. A booked follow-up is cancelled by cancelling its token.
   * @param followUpId - the follow-up's id (`FollowUp.id`)
   * @param opts - `actor` (required), `reason`
   * @throws OpdError `TOKEN_NOT_FOUND` (no such follow-up); `INVALID_TRANSITION` (it is booked); `VALIDATION_FAILED`
   */
  async cancelFollowUp(followUpId: string, opts: CancelFollowUpOptions): Promise<FollowUp> {
    return this.#runner.call('cancelFollowUp', undefined, async () => this.#followUps.cancel(followUpId, opts, this.#now()));
  }

  /**
   * Books a series of visits (antenatal care, dialysis, chemotherapy day care) in one unit: one
   * occurrence every `every.days` or `every.weeks` from `start`, `count` of them (at most 52, the
   * last within 12 months), each a token through the booking rules (its category's quota, booking
   * windows, duplicate rules), the earliest place of its day from `preferredTime`, with the doctor
   * or, occurrence by occurrence, the first doctor of the department (by id) that has one. Each
   * token carries `seriesId` and `occurrence`. `all-or-nothing` books every occurrence or none
   * (`SLOT_FULL`, `details.skipped`, nothing changed); `best-effort` books each that has a place
   * and names the others. `series:booked` follows the occurrences' `token:booked`.
   *
   * With `dryRun`, a preview: each occurrence with its place (a free place only) or its reason, and
   * nothing booked; the places found are held for the patient as the series' claim for
   * `holdMinutes` (default 15; all-or-nothing, only when every occurrence has one). A held place
   * counts taken, an emergency takes it back, its end frees it. The commit (the same request
   * without `dryRun`) books each occurrence in the place its claim still holds, else the earliest
   * of its day. A commit retried with its `idempotencyKey` is answered as it was (`replayed`).
   *
   * @example
   * ```ts
   * import { OpdScheduler } from 'opd-scheduler';
   *
   * declare const opd: OpdScheduler, firstVisit: string; // 'YYYY-MM-DD'
   * const request = { patient: { id: 'ABHA-7', name: 'Lata' }, doctorId: 'dr-obs', start: firstVisit, every: { weeks: 4 }, count: 6, mode: 'all-or-nothing' as const, idempotencyKey: 'anc-ABHA-7' };
   * const preview = await opd.bookSeries({ ...request, dryRun: true }); // places held 15 minutes
   * if (preview.occurrences.every((o) => o.status === 'HELD')) await opd.bookSeries(request);
   * ```
   * @param request - see {@link SeriesRequest}
   * @returns the series' id, each occurrence, the tokens booked and the effects
   * @throws OpdError `VALIDATION_FAILED`, `DOCTOR_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`; `SLOT_FULL`
   *   (all-or-nothing, an occurrence without a place); `IDEMPOTENCY_CONFLICT` (the key of another
   *   series); `STORAGE_FAILURE` for a department with a storage adapter that cannot lock several doctors
   */
  async bookSeries(request: SeriesRequest): Promise<SeriesResult> {
    return this.#runner.call('bookSeries', undefined, async () => this.#series.book(request, this.#now()));
  }

  /**
   * Cancels a series in one unit: every occurrence still waiting, booked or checked in (from
   * `from` on, when given) is cancelled as `cancel` would (its cut-off included), and every place
   * a preview still holds is given back; `series:cancelled` follows. A series with nothing left to
   * cancel changes nothing.
   * @param seriesId - the series (`SeriesResult.seriesId`, `Token.seriesId`)
   * @param opts - `from` (a local date), `actor`, `reason`
   * @throws OpdError `VALIDATION_FAILED` (not a series id, bad options); `CANCEL_CUTOFF`
   */
  async cancelSeries(seriesId: string, opts?: CancelSeriesOptions): Promise<SeriesCancellation> {
    return this.#runner.call('cancelSeries', undefined, async () => this.#series.cancel(seriesId, opts, this.#now()));
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
    return this.#runner.call('sweep', undefined, async () => {
      const actor = readActor(opts);
      const clock = this.#now();
      return sweepDueDays(this.#runner, this.#followUps, readSweepNow(now, clock), clock, actor);
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
    return this.#runner.call('closeSlot', { slotId }, async (call) => {
      const id = expectKey('slotId', slotId, MAX_KEY);
      const { reason, dryRun, actor } = readClose(opts);
      call.dryRun(dryRun);
      const now = this.#now();
      return this.#runner.run('closeSlot', closeSlot, { slotId: id, reason }, now, dryRun, actor);
    });
  }

  /**
   * A doctor's leave: closes every open slot of the doctor that overlaps `[from, to)` and has not
   * ended, in one unit of work, and moves each displaced patient once — to the first usable place
   * after the leave on their day, else to the doctor's first usable place on a later day within
   * `horizonDays`, else (or with `reassign: 'department'`, to a colleague's sooner place) onto the
   * waitlist of their day or dropped, as the overflow strategy says; the rules in full are on
   * {@link LeaveInput}. Slots already closed or ended are left alone; a leave that closes nothing
   * returns `[]`. With `dryRun: true` it returns the combined preview: the same effects the real
   * call would return (with `seq: 0`), and changes nothing. A slot closed by mistake opens again
   * with {@link OpdScheduler.reopenSlot}.
   * @param doctorId - the doctor on leave
   * @param leave - `from` (inclusive) and `to` (exclusive), `reason`, `dryRun`, `reassign`, `horizonDays` (see {@link LeaveInput})
   * @returns the effects: `slot:closed` for each slot in time order, then for each displaced token
   *   its one move (`token:moved` to a later day or a colleague, `token:cascaded`, `token:waitlisted` or
   *   `token:dropped`, with any chain it causes), then promotions and `emergency:unplaced`
   * @throws OpdError `DOCTOR_NOT_FOUND`; `VALIDATION_FAILED` for a bad range, an unknown `reassign`, a bad `horizonDays`,
   *   `reassign: 'department'` for a doctor without a department, or a slot of the leave holding
   *   patients who are checked in or in consultation (`details.slotId`, `details.tokenIds`);
   *   `STORAGE_FAILURE` for `reassign` on a store without units over several doctors
   */
  async closeSlots(doctorId: string, leave: LeaveInput): Promise<Effect[]> {
    return this.#runner.call('closeSlots', { doctorId }, async (call) => {
      const id = expectId('doctorId', doctorId);
      const parsed = readInput('leave', () => parseLeave(leave));
      call.dryRun(parsed.dryRun);
      return this.#closings.leave(id, parsed, this.#now());
    });
  }

  /**
   * A doctor pauses from now for `pause.minutes` (a break, an emergency elsewhere): nobody is
   * called and no estimated start falls before the pause's end, so the live estimates of the
   * doctor's queue today move by the pause, and under the `notify` option every waiting patient
   * whose estimate moved far enough is told (`token:eta-changed`). Nobody loses a place: no token
   * is bumped, moved or waitlisted by a pause. A pause that reaches past the end of the slot the
   * doctor is in (or of any open slot whose whole rest it covers) is a leave for that slot: the
   * slot closes, and its booked patients move, exactly as {@link OpdScheduler.closeSlots} closes a
   * leave's slots (from now to the last such slot's end, with the pause's reason); as a leave is,
   * it is refused while a patient of that slot is checked in or in consultation. A second pause while one has not ended is refused: resume first.
   * @param doctorId - the doctor
   * @param pause - `minutes` (an integer from 1 to 720), `reason`, `actor`
   * @returns the effects: the leave's (when the pause closes a slot), then `doctor:paused`; the
   *   queue notices it causes (`token:eta-changed`, `token:turn-near`) follow it in `history()`
   *   and to listeners
   * @throws OpdError `DOCTOR_NOT_FOUND`; `VALIDATION_FAILED` for bad `minutes`, a doctor already
   *   paused (`details.field` `pause`), or a slot the pause closes holding patients who are
   *   checked in or in consultation (as {@link OpdScheduler.closeSlots})
   */
  async pauseDoctor(doctorId: string, pause: PauseOptions): Promise<Effect[]> {
    return this.#runner.call('pauseDoctor', { doctorId }, async () => {
      const id = expectId('doctorId', doctorId);
      const parsed = readInput('pause', () => parsePause(pause));
      return this.#closings.pause(id, parsed, this.#now());
    });
  }

  /**
   * A doctor resumes before the pause's end: the pause ends now, and the estimates of the
   * doctor's queue today move back (told under `notify`, as a pause's are).
   * @param doctorId - the doctor
   * @param opts - `actor`: who resumes
   * @returns the effects: `doctor:resumed` (the queue notices follow it in `history()` and to listeners)
   * @throws OpdError `DOCTOR_NOT_FOUND`; `VALIDATION_FAILED` (`details.field` `pause`) when the doctor is not paused
   */
  async resumeDoctor(doctorId: string, opts?: ActorOptions): Promise<Effect[]> {
    return this.#runner.call('resumeDoctor', { doctorId }, async () => {
      const id = expectId('doctorId', doctorId);
      const actor = readActor(opts);
      const now = this.#now();
      const day = localDayOf('now', now, this.#options.core.dayOf);
      return this.#runner.run('resumeDoctor', resumeDoctor, { doctorId: id, day }, now, false, actor);
    });
  }

  /**
   * Closes a doctor-day that is over: once it has begun and its last open slot has ended (a
   * `sweep` closes it by itself once the grace period has passed too, unless `closeOut.sweep` is
   * `false`). Every token of the day still waiting, held, booked or checked in and never called
   * into consultation ends exactly one way: it expires (`cancelReason: 'day-closed'`), or, with
   * the option `closeOut: { carryForward: true }`, it is carried onto the doctor's next day with a
   * usable slot; the rules in full are on {@link CloseDayOptions}. `day:closed` sums up. Closing a
   * day again changes nothing (no event), and neither does closing a day with nothing left to end.
   * @param doctorId - the doctor
   * @param date - the local date, `YYYY-MM-DD`
   * @param opts - `dryRun: true` returns what would happen and changes nothing; `actor`
   * @returns the effects: any holds that had ended (`token:expired`, `hold-expired`), then one
   *   `token:expired` or `token:carried` per token, promotions on the day carried to, `day:closed`
   * @throws OpdError `DOCTOR_NOT_FOUND`; `DAY_NOT_OVER` (`details.overAt`) before the day is
   *   over; `VALIDATION_FAILED` for a bad date or option
   * @example
   * ```ts
   * import { OpdScheduler } from 'opd-scheduler';
   *
   * const opd = new OpdScheduler({ closeOut: { carryForward: true } });
   * const yesterday = opd.dayOf(new Date(Date.now() - 24 * 60 * 60 * 1000));
   * const effects = await opd.closeDay('dr-rao', yesterday);
   * // [token:carried …, day:closed { expired: 0, carried: 3, toDay: the doctor's next day with slots }]
   * ```
   */
  async closeDay(doctorId: string, date: string, opts?: CloseDayOptions): Promise<Effect[]> {
    return this.#runner.call('closeDay', { doctorId }, async (call) => {
      const id = expectId('doctorId', doctorId);
      const day = parseDay('date', date);
      const { dryRun, actor } = readCapacity(opts);
      call.dryRun(dryRun);
      return this.#closings.closeDay(id, day, dryRun, actor, this.#clock);
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
    return this.#runner.call('reopenSlot', { slotId }, async () => {
      const id = expectKey('slotId', slotId, MAX_KEY);
      const actor = readActor(opts);
      return this.#runner.run('reopenSlot', reopenSlot, { slotId: id }, this.#now(), false, actor);
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
    return this.#runner.call('setCapacity', { slotId }, async (call) => {
      const id = expectKey('slotId', slotId, MAX_KEY);
      const n = expectInteger('capacity', capacity, 0, MAX_CAPACITY);
      const { dryRun, actor } = readCapacity(opts);
      call.dryRun(dryRun);
      const now = this.#now();
      return this.#runner.run('setCapacity', setCapacity, { slotId: id, capacity: n }, now, dryRun, actor);
    });
  }

  /**
   * Leases a desk `places` free places of a doctor's day, so that it can go on issuing tokens
   * without the network: a claim on the earliest open slots' free places (never elastic ones),
   * counted taken by every schedule, availability, quota and search until the desk's tokens take
   * them up or the lease ends. The lease names the desk's label prefix (`${deskId}-`), so its
   * tokens' labels are its own. When `ttlMinutes` have passed, its unused places return by
   * themselves (the sweep, or the next call on the day); `returnLease` gives them back sooner.
   * An emergency at the central desk never takes a leased place.
   * A desk works inside its lease with `OfflineDesk` and enters its tokens with {@link OpdScheduler.reconcile}.
   * @param request - the desk, the doctor-day, the places, the categories (all when omitted) and how long
   * @returns the lease (`opd-scheduler/desk`'s `Lease`)
   * @throws OpdError `VALIDATION_FAILED` (also when the desk already holds a lease on the day),
   *   `DOCTOR_NOT_FOUND`, `SLOT_FULL` when the day has fewer free places
   */
  async leaseCapacity(request: LeaseRequest): Promise<Lease> {
    return this.#runner.call('leaseCapacity', { doctorId: leaseDoctorOf(request) }, async () => {
      const input = readInput('request', () => parseLeaseRequest(request, this.#options.core));
      return this.#runner.run('leaseCapacity', leaseCapacity, input, this.#now());
    });
  }

  /**
   * Gives a lease back: its unused places return to the day (and to its waitlist). A lease that
   * has already ended is returned as it stands.
   * @param lease - the lease, as `leaseCapacity` returned it (its `id`, `doctorId` and `date` are read)
   * @returns the lease as it stands now
   * @throws OpdError `VALIDATION_FAILED` for an unknown lease, `DOCTOR_NOT_FOUND`
   */
  async returnLease(lease: Pick<Lease, 'id' | 'doctorId' | 'date'>): Promise<Lease> {
    return this.#runner.call('returnLease', { doctorId: leaseDoctorOf(lease) }, async () => {
      const { doctorId, day, leaseId } = readInput('lease', () => parseLeaseRef(lease));
      return this.#runner.run('returnLease', returnLease, { doctorId, day, leaseId }, this.#now());
    });
  }

  /**
   * Enters a desk's log on reconnect (`opd-scheduler/desk`'s `OfflineDesk`), in order, each
   * command once. The log is first checked whole against its lease: a log a desk could not have
   * written (a command of no known kind, a time that is not a date, a category or slot outside the
   * lease, a label outside the desk's series, an empty or repeated key) is refused and nothing is
   * entered. A booking goes through the booking road with the lease as its claim: it takes its
   * place from the lease (the lease's `used` grows; never a free place of the day) under the desk's
   * label and idempotency key — bound to its patient, category, slot and label — so a repeat of the
   * whole reconcile changes nothing; cancels and check-ins follow, in the order of the log — a desk
   * token cancelled at the desk gives its place back to the lease, as it did at the desk. A token the
   * desk issued is never refused nor revoked: one whose lease had ended before it was entered is
   * placed by the booking rules from its slot on, an emergency by the emergency rule, else it waits
   * (`beyond-lease`); one in a slot closed since is displaced like the slot's other patients
   * (`slot-closed`); one entered once its day is over is ended by the day's closing
   * (`day-closed`); a label another live token holds (a lease opened on two devices) gets one of
   * its own (`label-taken`), a key another booking holds is entered under `key#2` (`key-reused`).
   * A patient found with another live token of the day (at another desk, or centrally) is reported
   * (`same-patient`) for staff to resolve and nothing is revoked: where the duplicate rules allow one
   * live token only, the patient keeps the one they hold and the desk's is not entered
   * (`tokenId: null`; its cancels and check-ins are reported `not-applied`). Then the lease's unused
   * places are given back.
   * @param desk - the desk (its `lease` and `log()`), or the same read from its exported JSON
   * @returns what was entered, what had been already, and what staff must resolve
   * @throws OpdError `VALIDATION_FAILED` for an unknown lease or a log a desk could not have written
   *   (`details.field` names the command and its field), `DOCTOR_NOT_FOUND`, `IDEMPOTENCY_CONFLICT`
   *   for a key used by another request that is not a desk booking
   */
  async reconcile(desk: { readonly lease: Pick<Lease, 'id' | 'doctorId' | 'date'>; log(): readonly DeskCommand[] }): Promise<ReconcileReport> {
    const lease = deskLease(desk);
    return this.#runner.call('reconcile', { doctorId: leaseDoctorOf(lease) }, async () => reconcile(this.#runner, this.#reads, this.#clock, lease, desk));
  }

  /**
   * Enters the tokens written by hand during an outage, row by row, by the booking rules
   * ({@link OpdScheduler.book}: capacity, quotas, windows, duplicates, claims): each row is a
   * booking with the idempotency key `manual:<doctorId>:<label>`, so a second import of the same
   * register changes nothing. A row the rules refuse is reported in `didNotFit` with the code, and
   * nothing else stops: staff place those patients by hand.
   * @param rows - the register's rows
   * @returns the rows entered and those that did not fit
   * @throws OpdError `VALIDATION_FAILED` when `rows` is not an array
   */
  async importManualRegister(rows: readonly ManualRegisterRow[]): Promise<ManualRegisterReport> {
    return this.#runner.call('importManualRegister', {}, () => importRegister(rows, (request) => bookRequest(this.#runner, this.#clock, request, false)));
  }

  /**
   * A token with its queue position and estimated start (for places).
   * @throws OpdError `TOKEN_NOT_FOUND`
   */
  async getToken(tokenId: string): Promise<Token> {
    return this.#runner.call('getToken', { tokenId }, async () => this.#reads.token(expectKey('tokenId', tokenId, MAX_KEY), this.#clock));
  }

  /**
   * A slot with its places in queue order and the waitlist that could be promoted into it.
   * @throws OpdError `SLOT_NOT_FOUND`
   */
  async getSlot(slotId: string): Promise<SlotView> {
    return this.#runner.call('getSlot', { slotId }, async () => this.#reads.slot(expectKey('slotId', slotId, MAX_KEY), this.#clock));
  }

  /**
   * One doctor's day: every slot in time order with its queue, and the day's waitlist.
   * @param date - local date `YYYY-MM-DD`
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`
   */
  async getSchedule(doctorId: string, date: string): Promise<DaySchedule> {
    return this.#runner.call('getSchedule', { doctorId }, async () =>
      this.#reads.schedule(expectId('doctorId', doctorId), parseDay('date', date), this.#clock),
    );
  }

  /**
   * Which slots of a doctor, starting in `[from, to)`, a booking by `category` would get a place
   * in now, and why the others would not: the booking rule itself asked for each usable slot as a
   * booking naming it, on one consistent read, writing nothing — quotas and their reserves,
   * booking windows (and their `exemptActors`), the duplicate rules (for `patient`), holds and
   * places held for offers, and elastic places apply as they would to `book`. A slot is
   * `available` exactly when `book({ doctorId, category, patient, slotId })` at that instant would
   * be `BOOKED` in it. What a FHIR `$find`, a SMART Scheduling Links feed and a UHI `search`
   * publish (`opd-scheduler/fhir`).
   * @param query - the doctor, the channel, the window (at most 62 days), an optional patient and actor
   * @returns every usable slot of the window, in time order
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`, `STORAGE_FAILURE`
   *
   * @example
   * ```ts
   * import { OpdScheduler } from 'opd-scheduler';
   *
   * declare const opd: OpdScheduler; // with doctor `sharma`
   * const from = new Date();
   * const to = new Date(from.getTime() + 7 * 24 * 60 * 60 * 1000);
   * const slots = await opd.availability({ doctorId: 'sharma', category: 'ONLINE', from, to });
   * const open = slots.filter((s) => s.available); // [{ slot, available: true, places: 3, elastic: false, reason: null }, …]
   * ```
   */
  async availability(query: AvailabilityQuery): Promise<SlotAvailability[]> {
    return this.#runner.call('availability', { doctorId: doctorIdOf(query) }, async () => {
      const now = this.#now();
      const command = readInput('query', () => parseAvailabilityQuery(query, this.#options.core, now));
      return this.#reads.availability(command, now);
    });
  }

  /**
   * The patients waiting at a service point (the option `servicePoints`) on a day, in the order
   * `callNext({ servicePoint })` will call them: emergencies first, then the call order. Each
   * token keeps its place with its doctor; this is where the patient stands now.
   * @param date - `YYYY-MM-DD`; today by the clock when omitted
   * @throws OpdError `VALIDATION_FAILED` (no such service point, a pooled doctor point, a bad date)
   */
  async getServicePointQueue(servicePointId: string, date?: string): Promise<Token[]> {
    return this.#runner.call('getServicePointQueue', undefined, async () => {
      return servicePointQueue(this.#runner, this.#reads, servicePointId, date, this.#clock);
    });
  }

  /**
   * A doctor-day's waitlisted tokens in promotion order: the tokens the overflow strategy protects
   * (emergencies) first, then the others, each by rank, request time and token number.
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`
   */
  async getWaitlist(doctorId: string, date: string): Promise<Token[]> {
    return this.#runner.call('getWaitlist', { doctorId }, async () =>
      this.#reads.waitlist(expectId('doctorId', doctorId), parseDay('date', date), this.#clock),
    );
  }

  /**
   * Counts per status and category, slot utilisation, bumps, cascades, promotions, drops and
   * average wait, for everything or one doctor and/or date.
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`
   */
  async stats(filter?: StatsFilter): Promise<Stats> {
    return this.#runner.call('stats', undefined, async () => {
      const { doctorId, date } = readStatsFilter(filter);
      return this.#reads.stats(doctorId, date, this.#clock);
    });
  }

  /**
   * Why a token is where it is: its reason chain, step by step, read from the stored events of its
   * doctor-day — the rule that placed it (`free-place`, `elastic-place`, `bump`, `next-slot`), a
   * quota that counted a slot as full (`quota-refused`), the token that bumped it (`bumped-by`,
   * with both ranks), where it cascaded, its time on a waitlist, its promotion, moves, calls and
   * the rest of its life (see {@link ExplainRule}). It names tokens, slots, ranks and strategies,
   * never patient data. An adapter that forgets old events (`MemoryStorage`'s `historyLimit`)
   * explains only what it kept.
   *
   * @param tokenId - the token
   * @returns the token as it is now and its steps, oldest first
   * @throws OpdError `TOKEN_NOT_FOUND`, `VALIDATION_FAILED`, `STORAGE_FAILURE`
   * @example
   * ```ts
   * import type { OpdScheduler } from 'opd-scheduler';
   *
   * declare const opd: OpdScheduler;
   * declare const tokenId: string;
   * const { label, steps } = await opd.explain(tokenId);
   * // free-place d1-09, bumped-by (EMERGENCY, rank 1 against 5), cascaded d1-10
   * for (const step of steps) console.log(label, step.rule, step.slotId ?? step.fromSlotId, step.otherCategory ?? '');
   * console.log(await opd.explainText(tokenId, { lang: 'hi' }));
   * ```
   */
  async explain(tokenId: string): Promise<Explanation> {
    return this.#runner.call('explain', { tokenId }, async () => this.#explaining().explain(expectKey('tokenId', tokenId, MAX_KEY)));
  }

  /**
   * One sentence a desk can read out or text to the patient, telling where the token is and why:
   * "You moved to 10:00 because an emergency needed the 09:00 place; you keep token W-12." — in
   * English (`en`) or Hindi (`hi`). Times are local to the scheduler's `timeZone`; the only thing
   * of the patient it names is the token's label.
   *
   * @param tokenId - the token
   * @param opts - `lang`, `'en'` (default) or `'hi'`
   * @throws OpdError `TOKEN_NOT_FOUND`, `VALIDATION_FAILED`, `STORAGE_FAILURE`
   */
  async explainText(tokenId: string, opts?: ExplainTextOptions): Promise<string> {
    return this.#runner.call('explainText', { tokenId }, async () => {
      const lang = readTextOptions(opts);
      return this.#explaining().text(expectKey('tokenId', tokenId, MAX_KEY), lang);
    });
  }

  /**
   * How fair a day's calls were, per category: waits from due (the later of when the patient was
   * due and the start of their place) to their first call, as the median and 95th percentile in
   * minutes; skips (a patient of the same or a better rank, due earlier, called later than
   * another); and the longest run of better-ranked patients called while one patient waited.
   * Computed from the stored calls (`token:called`; for a patient never called, the start of the
   * consultation) of one doctor's day, or every doctor's. A call at a service point is not the
   * doctor's call.
   *
   * Beside them, where the time goes on a visit: per stage (each kind of service point and the
   * doctor, and a return to a queue as its own round), the minutes from entering the queue (the
   * check-in for the first stage of the visit, a `token:forwarded` into it after) to the first call
   * there, and per whole visit the minutes from check-in to the completed consultation — each as
   * count, mean, median, 90th and 95th percentile and longest. A day without journeys has the
   * doctor's stage only.
   *
   * @param filter - `date` (`YYYY-MM-DD`) and optionally `doctorId`
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`, `STORAGE_FAILURE`
   */
  async fairness(filter: FairnessFilter): Promise<FairnessReport> {
    return this.#runner.call('fairness', undefined, async () => {
      const { doctorId, date } = readFairnessFilter(filter);
      return this.#explaining().fairness(doctorId, date);
    });
  }

  /**
   * What the store holds about one patient (the right to access): every token whose
   * `patient.id` is `patientId` (any status, any doctor, any day), with its patient data, as
   * `getToken` shows it, and the stored events about those tokens, in `seq` order. A patient whose
   * data was erased has no token left under that id: the export is empty.
   *
   * Cost: the store is searched for the patient's tokens (a scan where it keeps no index of
   * patients), and the history is read in full for their events.
   * @param patientId - the patient's id (`patient.id` of their bookings)
   * @throws OpdError `VALIDATION_FAILED` for a bad id; `STORAGE_FAILURE` on an adapter without
   *   `patientErasure`
   */
  async exportPatient(patientId: string): Promise<PatientExport> {
    return this.#runner.call('exportPatient', undefined, async () => this.#patients.export(expectKey('patientId', patientId, 200), this.#clock));
  }

  /**
   * Erases a patient's data (the right to erasure): the `patient` of every token of the patient,
   * and of the stored result of each token's idempotency key, is replaced by a tombstone
   * (`{ name: '(erased)', erased: true }`, without the id). Ids, token numbers, labels, categories,
   * ranks, times and statuses stay, so `stats()` and `history()` do not change but for one
   * `patient:erased` event per token (no patient data). A replay of an erased booking's
   * idempotency key answers with the tombstone; it is compared on everything but the patient.
   *
   * Refused with `PATIENT_HAS_LIVE_TOKENS` (`details.tokenIds`), erasing nothing, while the
   * patient holds a live token (`BOOKED`, `WAITLISTED`, `HELD`, `CHECKED_IN`,
   * `IN_CONSULTATION`) of a day not yet over (today or later, in the scheduler's time zone):
   * cancel or complete it first. Each token is erased in a unit of its own: a call that fails
   * part way (a storage failure) leaves some tokens erased; call it again to finish. Idempotent:
   * once erased, the patient's id is gone from the store, and a second call finds nothing and
   * erases nothing (`tokenIds: []`).
   * @param patientId - the patient's id (`patient.id` of their bookings)
   * @param opts - `reason` (stored on each event) and `actor`
   * @returns the tokens erased and their `patient:erased` events
   * @throws OpdError `PATIENT_HAS_LIVE_TOKENS`; `VALIDATION_FAILED` for a bad id or option;
   *   `STORAGE_FAILURE` on an adapter without `patientErasure`
   */
  async erasePatient(patientId: string, opts?: ErasePatientOptions): Promise<PatientErasure> {
    return this.#runner.call('erasePatient', undefined, async () => {
      const id = expectKey('patientId', patientId, 200);
      const { reason, actor } = readCancel(opts);
      return this.#patients.erase(id, reason, actor, this.#now());
    });
  }

  /**
   * Erases, as {@link OpdScheduler.erasePatient} does, the patient data of every token whose day
   * ended more than `retention.patientDataDays` days before `now` (tokens of local dates before
   * the date `patientDataDays` days before `now`), whatever its status; each gets a
   * `patient:erased` event with `by: 'retention'`. Run it daily (the example server does, with
   * its sweep). Idempotent: a token erased once is not found again.
   * @param now - the instant to count from (default: the scheduler's clock; never later than it)
   * @param opts - `actor`
   * @returns the tokens erased and their `patient:erased` events
   * @throws OpdError `VALIDATION_FAILED` without the `retention` option (`field: 'retention'`) or
   *   for a bad `now`; `STORAGE_FAILURE` on an adapter without `patientErasure`
   */
  async purge(now?: Date, opts?: ActorOptions): Promise<PatientErasure> {
    return this.#runner.call('purge', undefined, async () => {
      const actor = readActor(opts);
      const clock = this.#now();
      return this.#patients.purge(readSweepNow(now, clock), this.#options.patientDataDays, actor, clock);
    });
  }

  #explaining(): Explainer {
    return (this.#explainer ??= new Explainer(this.#adapter, this.#options.core, this.#options.timeZone));
  }

  /**
   * Stored events in `seq` order, one page at a time: everything that happened, for audit trails
   * and to catch up after a disconnect. Without a `limit`, a page holds at most 1,000 events; read
   * on with the last `seq` of a page as the next page's `after`.
   * @param opts - `after` (a `seq`, default 0) and `limit` (default 1,000)
   * @throws OpdError `VALIDATION_FAILED` for bad options; `STORAGE_FAILURE` when the storage
   *   adapter's `history` fails or resolves with something other than an array of events
   */
  async history(opts?: HistoryOptions): Promise<OpdEvent[]> {
    return this.#runner.call('history', undefined, async () => {
      const { after, limit } = readHistoryOptions(opts);
      return this.#adapter.history(after, limit);
    });
  }

  /**
   * The stored events after `after`, then every event committed later — by this scheduler and,
   * with a shared store, by other processes — in `seq` order, never skipping or repeating one:
   * the way for an SMS sender or a display board to catch every event across restarts and lost
   * acknowledgements (keep the last `seq` handled and pass it as `after` next time). Transient
   * storage failures (a lost connection) are retried; the iteration ends when the loop breaks
   * (`break`, `return()`) or the scheduler closes. How the iterable is read, what it keeps alive
   * and how it fails: see {@link TailOptions}.
   *
   * @example
   * ```ts
   * import { OpdScheduler, type OpdEvent } from 'opd-scheduler';
   *
   * declare const opd: OpdScheduler;
   * declare function sendSms(event: OpdEvent): Promise<void>; // yours
   * let lastHandled = 0; // kept across restarts, in your own store
   * for await (const event of opd.tail({ after: lastHandled })) {
   *   await sendSms(event);
   *   lastHandled = event.seq;
   * }
   * ```
   * @param opts - `after`: a `seq` (default 0, everything stored)
   * @throws OpdError `VALIDATION_FAILED` for a bad `after`; `STORAGE_FAILURE` when the scheduler is
   *   closed. The iteration rejects with `STORAGE_FAILURE` for a storage failure, and with
   *   `HISTORY_TRUNCATED` for events the store no longer keeps (see {@link TailOptions}).
   */
  tail(opts?: TailOptions): AsyncIterable<OpdEvent> {
    return this.#telemetry.tail(() => {
      const after = readTailAfter(opts);
      if (this.#runner.closed) throw this.#runner.refusal();
      return this.#tails.open(after);
    });
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
    try {
      await this.#runner.drain();
      this.#tails.endAll();
      this.#publisher.published.close();
      await closeAdapter(this.#adapter, this.#subscription);
    } finally {
      this.#closeFinished = true;
    }
  }

  /** Same as {@link OpdScheduler.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #now(): number {
    return readClock(this.#options.clock);
  }

  /** The clock, read when a view needs it. */
  readonly #clock = (): number => this.#now();
}
