import { EventEmitter } from 'eventemitter3';
import { addRecurringSlots } from './core/commands/add-recurring-slots.js';
import { addSlots } from './core/commands/add-slots.js';
import { closeSlot } from './core/commands/close-slot.js';
import { updateDoctor } from './core/commands/doctors.js';
import { forward } from './core/commands/journey.js';
import { leaseCapacity, returnLease } from './core/commands/lease.js';
import { acceptOffer, declineOffer } from './core/commands/offers.js';
import { recall } from './core/commands/queue.js';
import { reopenSlot } from './core/commands/reopen-slot.js';
import { setCapacity } from './core/commands/set-capacity.js';
import { cancel, complete, confirm, markNoShow, release, startConsultation } from './core/commands/transitions.js';
import { importRegister } from './desk/register.js';
import type { DeskCommand, Lease, LeaseRequest, ManualRegisterReport, ManualRegisterRow, ReconcileReport } from './desk/types.js';
import type { OpdEvent, OpdEvents } from './events.js';
import { readFairnessFilter, readTextOptions } from './explain/input.js';
import type { ExplainTextOptions, Explanation, FairnessFilter, FairnessReport } from './explain/types.js';
import { MAX_CAPACITY, MAX_KEY, expectId, expectInteger, expectKey, localDayOf, parseAvailabilityQuery, parseBoundedInstant, parseDay } from './inputs.js';
import { parseDoctorInput, parseDoctorPatch, parseLeaseRef, parseLeaseRequest, parseLeave, parsePause, parseRetirement, parseRota } from './inputs.js';
import { parseSlotInputs } from './inputs.js';
import { toDoctor } from './model/convert.js';
import { type BookingWindows, type OpdSchedulerOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { CheckedAdapter, wrap } from './shell/answers.js';
import { Lifecycle } from './shell/lifecycle.js';
import { bookRequest, holdRequest, moveToken, reinstateToken } from './shell/bookings.js';
import { callNextFor, checkInOnRoute, servicePointQueue } from './shell/calls.js';
import { Closing } from './shell/closing.js';
import { deskLease, reconcile } from './shell/desk.js';
import { addNewDoctor } from './shell/doctors.js';
import { Explainer } from './shell/explain.js';
import { FollowUps } from './shell/follow-ups.js';
import { doctorIdOf, leaseDoctorOf, readActor, readCall, readCallTarget, readCancel, readCapacity, readCheckIn, readClock, readClose } from './shell/input.js';
import { readComplete, readForward, readHistoryOptions, readMoveTarget, readStatsFilter, readSweepNow, readTailAfter } from './shell/input.js';
import { PatientData } from './shell/patient-data.js';
import { type Listeners, Publisher } from './shell/publish.js';
import { Reads } from './shell/reads.js';
import { Runner } from './shell/run.js';
import { Series } from './shell/series.js';
import { sweepDueDays } from './shell/sweep.js';
import { createTelemetry, type Telemetry } from './telemetry/telemetry.js';
import { wallTimeResolver } from './time.js';
import type { ActorOptions, BookingRequest, BookingResult, CallOptions, CallResult, CallTarget, CancelOptions, CheckInOptions } from './types.js';
import type { CloseDayOptions, CloseSlotOptions, DaySchedule, DepartmentBookingRequest, DepartmentHoldRequest, Doctor, DoctorInput } from './types.js';
import type { DoctorPatchInput, Effect, ForwardOptions, HistoryOptions, HoldRequest, HoldResult, LeaveInput, MoveOptions, MoveResult } from './types.js';
import type { MoveTarget, OfferAnswerResult, PauseOptions, RetireInput, RetireResult, RotaInput, RotaOptions, SetCapacityOptions, Slot } from './types.js';
import type { SlotInput, SlotView, Stats, StatsFilter, TailOptions, Token, TransitionResult, CancelFollowUpOptions, DueFollowUpsFilter } from './types.js';
import type { FollowUp, FollowUpRequest, FollowUpResult, EntitlementQuery, EntitlementSummary, CancelSeriesOptions, CompleteOptions } from './types.js';
import type { SeriesCancellation, SeriesRequest, SeriesResult, AvailabilityQuery, ErasePatientOptions, PatientErasure, PatientExport } from './types.js';
import type { SlotAvailability } from './types.js';
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
  readonly #reads: Reads;
  /** Export, erasure and retention of patient data. */
  readonly #patients: PatientData;
  /** The subscription to other processes' events, the open `tail()` iterations, and the closing. */
  readonly #lifecycle: Lifecycle;
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
   * Makes a scheduler, subscribing to the events of other processes sharing the store when the
   * adapter offers them (see {@link OpdSchedulerOptions.storage}).
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
    this.#reads = new Reads(this.#adapter, this.#options.core);
    this.#patients = new PatientData(this.#runner, this.#adapter, this.#reads, this.#options.core);
    this.#followUps = new FollowUps(this.#runner);
    this.#series = new Series(this.#runner, this.#options.timeZone);
    this.#closings = new Closing(this.#runner, this.#reads, this.#options.timeZone);
    this.#lifecycle = new Lifecycle(this.#adapter, this.#publisher, this.#runner);
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
   * Changes a doctor's fields (see {@link DoctorPatchInput}) in one unit of work for the doctor;
   * emits `doctor:updated` with each field that changed (before and after), or nothing when none did.
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
   * Retires a doctor from `from` on: the doctor's slots after `from` close as a leave's do, and the
   * doctor takes nothing new from then on (see {@link RetireInput}), staying listed with
   * `retiredFrom`. With `dryRun: true` it returns what would happen and changes nothing.
   * @param doctorId - the doctor
   * @param retirement - `from`, optional `reason`, `reassign`, `dryRun`, `actor` (see {@link RetireInput})
   * @returns the doctor as retired and the effects: `doctor:retired`, then what closing the slots
   *   caused, as {@link OpdScheduler.closeSlots} reports it
   * @throws OpdError `DOCTOR_NOT_FOUND`, `DOCTOR_RETIRED` (a doctor already retired; nothing
   *   changes); `VALIDATION_FAILED` for a bad input,
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
      return this.#runner.run('addSlots', addSlots, { doctorId: id, drafts }, this.#now(), false, actor);
    });
  }

  /**
   * Adds the slots of a weekly rota between two local dates (inclusive, in the scheduler's time
   * zone) in one unit of work for the doctor; idempotent (see {@link RotaInput}).
   * @param doctorId - the doctor
   * @param rota - `weekly` sessions, `from`, `to` (at most 366 days, at most 10,000 slots), optional `except` (see {@link RotaInput})
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
   * An `idempotencyKey` makes retries safe (see {@link BookingRequest.idempotencyKey}). With
   * `department` instead of `doctorId`, books with the doctor {@link DepartmentBookingRequest} chooses.
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
   * Holds a free place for a patient until `holdMinutes` from now (pay, then confirm): the token is
   * `HELD` until `token.holdExpiresAt`, its place counted taken (the rules: {@link HoldRequest},
   * {@link DepartmentHoldRequest}). Confirm it with {@link OpdScheduler.confirm}, give it up with
   * {@link OpdScheduler.release}; the next {@link OpdScheduler.sweep} releases one that has ended.
   * @param request - a booking request (by doctor or by department) and `holdMinutes` (an integer from 1 to 1440)
   * @returns the `HELD` token and the effects
   * @throws OpdError `VALIDATION_FAILED`, `DOCTOR_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`, `SLOT_NOT_FOUND`, `SLOT_CLOSED`, `SLOT_ENDED`,
   *   `SLOT_FULL`, `DUPLICATE_BOOKING`, `IDEMPOTENCY_CONFLICT`; `OUTSIDE_BOOKING_WINDOW` for a request
   *   outside its booking window (see {@link BookingWindows}); `STORAGE_FAILURE` for a department with
   *   a storage adapter that cannot lock several doctors in one unit
   */
  async hold(request: HoldRequest | DepartmentHoldRequest): Promise<HoldResult> {
    return this.#runner.call('hold', undefined, async () => holdRequest(this.#runner, this.#clock, request));
  }

  /**
   * Confirms a hold before it ends: the token becomes `BOOKED` in the same place (see {@link HoldRequest}).
   * @param opts - `actor`: who confirms it (a payment service, a desk)
   * @throws OpdError `TOKEN_NOT_FOUND`; `SLOT_ENDED` for a hold whose slot has ended
   *   (`details.slotId`); `INVALID_TRANSITION` for a token that is not `HELD`, or whose hold has
   *   ended (`details.expired: true`, even before a sweep released it); `VALIDATION_FAILED`
   */
  async confirm(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#runner.call('confirm', { tokenId }, async () => this.#runner.transition('confirm', confirm, tokenId, null, readActor(opts), this.#clock));
  }

  /**
   * Releases a hold (the patient did not pay, or changed their mind): the token ends `CANCELLED`
   * with `cancelReason: 'hold-released'` (see {@link HoldRequest}), and its place is promoted into.
   * @param opts - `actor`: who releases it
   * @throws OpdError `TOKEN_NOT_FOUND`, `INVALID_TRANSITION` (a token that is not `HELD`), `VALIDATION_FAILED`
   */
  async release(tokenId: string, opts?: ActorOptions): Promise<TransitionResult> {
    return this.#runner.call('release', { tokenId }, async () => this.#runner.transition('release', release, tokenId, null, readActor(opts), this.#clock));
  }

  /**
   * Accepts an offer of a freed place (the `offerId` of a `token:offered` event, with the option
   * `offers`): the first candidate to accept in time takes the place (see {@link OfferAnswerResult}).
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
   * Declines an offer of a freed place: the token keeps what it had (`token:offer-declined`); see
   * {@link OfferAnswerResult} for what follows.
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
   * Calls the next patient of a doctor's day, a service point or a pooled queue (see
   * {@link CallTarget}) and emits `token:called` with the room. Calling changes no status: until
   * {@link OpdScheduler.startConsultation}, calling next again calls the same patient again.
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
   * slots is still running, a night session) back under the booking rules (a late arrival, a
   * mistaken cancellation), keeping its id, number and label, as a request made now, placed by
   * the option `lateArrival` (see {@link OpdSchedulerOptions.lateArrival}). Emits
   * `token:reinstated`, then where it went (`token:booked` or `token:waitlisted`).
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
      return reinstateToken(this.#runner, id, this.#options.lateArrival, actor, this.#now());
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
   * Moves a patient's `BOOKED` or `WAITLISTED` token to a free place of another slot, day or doctor
   * (see {@link MoveTarget}, {@link MoveResult}), atomically: never two places or none. Emits `token:moved`.
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
      return checkInOnRoute(this.#runner, expectKey('tokenId', tokenId, MAX_KEY), route, actor, this.#clock);
    });
  }

  /**
   * Sends a patient on to the next queue of the visit (the options `servicePoints` and `routes`),
   * such as from the doctor to the lab and back, keeping the token (see {@link ForwardOptions}).
   * Emits `token:forwarded`.
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
   * Completes a consultation. The place stays used; one charged for may open free revisits (see
   * {@link CompleteOptions} and {@link OpdScheduler.entitlementOf}).
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
   * of its window; without one the follow-up is **due, not lost**, and every
   * {@link OpdScheduler.sweep} tries it again (see {@link FollowUpRequest}).
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
   * department, on a day (`at`, default today); see {@link EntitlementSummary}.
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
   * Books a series of visits (antenatal care, dialysis, chemotherapy day care) in one unit, or
   * previews it holding its places (`dryRun`), as {@link SeriesRequest} describes. `series:booked`
   * follows the occurrences' `token:booked`.
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
   * Cancels a series in one unit (see {@link CancelSeriesOptions}); `series:cancelled` follows.
   * @param seriesId - the series (`SeriesResult.seriesId`, `Token.seriesId`)
   * @param opts - `from` (a local date), `actor`, `reason`
   * @throws OpdError `VALIDATION_FAILED` (not a series id, bad options); `CANCEL_CUTOFF`
   */
  async cancelSeries(seriesId: string, opts?: CancelSeriesOptions): Promise<SeriesCancellation> {
    return this.#runner.call('cancelSeries', undefined, async () => this.#series.cancel(seriesId, opts, this.#now()));
  }

  /**
   * Releases the holds that have ended (`token:expired`, `cancelReason: 'hold-expired'`), marks
   * `BOOKED` tokens past the grace period as no-shows (see
   * {@link OpdSchedulerOptions.noShowGraceMinutes}) and promotes into the freed places, in one
   * unit of work per doctor-day.
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
      return this.#runner.run('closeSlot', closeSlot, { slotId: id, reason }, this.#now(), dryRun, actor);
    });
  }

  /**
   * A doctor's leave: closes every open slot of the doctor that overlaps `[from, to)` and has not
   * ended, in one unit of work, and moves each displaced patient once, as {@link LeaveInput}
   * describes; a leave that closes nothing returns `[]`. With `dryRun: true` it returns the same
   * effects the real call would (with `seq: 0`) and changes nothing. A slot closed by mistake
   * opens again with {@link OpdScheduler.reopenSlot}.
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
   * A doctor pauses from now for `pause.minutes` (a break, an emergency elsewhere): nobody is called
   * and the estimates of the doctor's queue today move by the pause; nobody loses a place (see
   * {@link PauseOptions}).
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
      return this.#closings.resume(id, readActor(opts), this.#now());
    });
  }

  /**
   * Closes a doctor-day that is over: every token of the day still waiting, held, booked or checked
   * in and never called expires, or is carried onto the doctor's next day under the option
   * `closeOut`, as {@link CloseDayOptions} describes; `day:closed` sums up. Closing a day again
   * changes nothing.
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
   * Reopens a slot closed by mistake that has not ended (by the scheduler's clock), and promotes
   * waitlisted tokens into it, waiting emergencies first; see {@link CloseSlotOptions} for those it displaced.
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
   * a slot's capacity (see {@link SetCapacityOptions}).
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
      return this.#runner.run('setCapacity', setCapacity, { slotId: id, capacity: n }, this.#now(), dryRun, actor);
    });
  }

  /**
   * Leases a desk free places of a doctor's day to issue tokens without the network (see
   * {@link LeaseRequest}); it works with `OfflineDesk` and enters its tokens with {@link OpdScheduler.reconcile}.
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
   * Enters a desk's log on reconnect (`opd-scheduler/desk`'s `OfflineDesk`), each command once,
   * never refusing a token the desk issued (the rules: `ReconcileReport` in `opd-scheduler/desk`).
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
   * ({@link OpdScheduler.book}), each once (see `ManualRegisterRow`); a row the rules refuse is
   * reported in `didNotFit` with the code, and nothing else stops.
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
   * Which slots of a doctor, starting in `[from, to)`, a booking by `category` would get a place in
   * now, and why the others would not, writing nothing (see {@link AvailabilityQuery}): a slot is
   * `available` exactly when `book({ doctorId, category, patient, slotId })` would be `BOOKED` in it.
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
    return this.#runner.call('getServicePointQueue', undefined, async () => servicePointQueue(this.#runner, this.#reads, servicePointId, date, this.#clock));
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
   * doctor-day, never naming patient data (see {@link Explanation}).
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
   * One sentence a desk can read out or text to the patient, telling where the token is and why,
   * in English or Hindi (see {@link ExplainTextOptions}).
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
   * How fair a day's calls were, per category, and where the time goes on a visit, for one doctor's
   * day or every doctor's (see {@link FairnessReport}).
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
   * What the store holds about one patient (the right to access): every token whose `patient.id`
   * is `patientId`, with its patient data, and the stored events about those tokens (see
   * {@link PatientExport}, also for its cost).
   * @param patientId - the patient's id (`patient.id` of their bookings)
   * @throws OpdError `VALIDATION_FAILED` for a bad id; `STORAGE_FAILURE` on an adapter without
   *   `patientErasure`
   */
  async exportPatient(patientId: string): Promise<PatientExport> {
    return this.#runner.call('exportPatient', undefined, async () => this.#patients.export(expectKey('patientId', patientId, 200), this.#clock));
  }

  /**
   * Erases a patient's data (the right to erasure), replacing it by a tombstone on every token of
   * the patient; refused while the patient holds a live token of a day not yet over (see
   * {@link PatientErasure}).
   * @param patientId - the patient's id (`patient.id` of their bookings)
   * @param opts - `reason` (stored on each event) and `actor`
   * @returns the tokens erased and their `patient:erased` events
   * @throws OpdError `PATIENT_HAS_LIVE_TOKENS` (`details.tokenIds`, nothing erased); `VALIDATION_FAILED` for a bad id or option;
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
   * ended more than `retention.patientDataDays` days before `now` (see
   * {@link OpdSchedulerOptions.retention}), each with a `patient:erased` event (`by: 'retention'`).
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
   * Stored events in `seq` order, one page at a time (see {@link HistoryOptions}): everything that
   * happened, for audit trails and to catch up after a disconnect.
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
   * The stored events after `after`, then every event committed later, by any process sharing the
   * store, in `seq` order, never skipping or repeating one (see {@link TailOptions}).
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
      return this.#lifecycle.tail(after);
    });
  }

  /**
   * Stops accepting calls, waits for calls in progress, ends every `tail()`, stops the storage
   * adapter's delivery of events, then closes the storage adapter (which releases what it opened
   * itself). A failure of the adapter never leaves something open, and is reported once (see
   * {@link OpdSchedulerOptions.storage}).
   *
   * Idempotent: a call made while an earlier one is still closing settles only when closing has
   * finished (calls in progress ended, the adapter closed), with the same outcome; a call made
   * after closing has finished resolves at once.
   * @throws OpdError `STORAGE_FAILURE` when stopping the adapter's delivery of events or closing
   *   the adapter failed (everything was closed all the same)
   */
  async close(): Promise<void> {
    // Started at once (calls are refused from this call on), and only once.
    const closing = this.#lifecycle.close();
    return this.#telemetry.call('close', undefined, () => closing);
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
