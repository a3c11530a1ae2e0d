import {
  type FairnessReport,
  type BookingRequest,
  type BookingResult,
  type BuiltInCategory,
  type DaySchedule,
  type DepartmentBookingRequest,
  type Effect,
  FairCallOrder,
  type FairCallOrderOptions,
  isOpdError,
  type OpdEvent,
  OpdScheduler,
  type OpdSchedulerOptions,
  type Stats,
  type StorageAdapter,
  type TokenStatus,
} from 'opd-scheduler';
import { onProfileShare, UhiProvider } from 'opd-scheduler/abdm';
import { hmisReturn, opdReport, type HmisRow } from 'opd-scheduler/reports';
import { Agenda } from './agenda.js';
import type { PatientPlan, WayIn } from './arrivals.js';
import {
  elasticAllowance,
  GRACE_MINUTES,
  HOLD_MINUTES,
  policyFor,
  type PresetName,
  type PriorityName,
  simulationQuota,
  simulationWindows,
} from './policies.js';
import { emergencyRoom } from './safety.js';
import { JOURNEY, ROUTES, servicePoints, WITH_VITALS, type JourneyFigures, type JourneyPlan, type StaffedPoint } from './journeys.js';
import { OfferTally, offerPolicy, type OfferFigures, type SimOffers } from './offers.js';
import { purgeAfterRetention, type RetentionFigures } from './retention.js';
import { departmentId, SIM_DAY, type DoctorPlan, type Scenario, type SlotPlan } from './scenarios.js';
import { clock, MINUTE, TIME_ZONE } from './time.js';

/** The desk runs `sweep` this often. */
const SWEEP_EVERY_MINUTES = 5;
/**
 * Events that move a patient along their visit and change no place of the day nor its capacity:
 * a call after only these cannot have opened room for a waiting emergency.
 */
/** How the markers name a token: its number and category. */
function labelOf(token: TokenTrack): string {
  return `#${token.tokenNumber} (${token.category})`;
}

const KEEPS_ROOM: ReadonlySet<string> = new Set([
  'token:checked-in',
  'token:called',
  'token:forwarded',
  'token:consultation-started',
  'token:completed',
  'token:turn-near',
  'token:eta-changed',
]);
/** The hospital's ABDM facility id (HIP id), as its counters' QR codes carry it. */
const HIP_ID = 'IN0610000001';

/** What `runDay` needs. */
export interface DayInput {
  readonly scenario: Scenario;
  readonly patients: readonly PatientPlan[];
  readonly preset: PresetName;
  readonly priority: PriorityName;
  /** A fresh, empty store; the run closes it. Not with `shared`. */
  readonly storage?: StorageAdapter | undefined;
  /**
   * A scheduler the days of a run share (`--days` with returning patients), its doctors and the
   * day's slots published already; the day neither publishes them nor closes it.
   */
  readonly shared?: SharedScheduler | undefined;
  /** The patients who come back, or `undefined` for a day of first visits only. */
  readonly returning?: Returning | undefined;
  /**
   * How patients ask: `doctor` (the default) books the doctor they chose; `department` books
   * their doctor's department (`book({ department })`), which gives the soonest place with any of
   * its doctors.
   */
  readonly booking?: 'doctor' | 'department' | undefined;
  /** Offers of freed places (`--offers`), or `undefined` to promote into them at once. */
  readonly offers?: SimOffers | undefined;
  /** The order the doctors call checked-in patients in (`--call-order fair`), or `undefined` for queue order. */
  readonly callOrder?: FairCallOrderOptions | undefined;
  /** Called now and then with the number of requests handled so far. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** Called with the scheduler once the day is over, before it is closed (to export its history). */
  readonly beforeClose?: ((opd: OpdScheduler) => Promise<void>) | undefined;
  /** Days the patient data is kept after the day (`--retention-days`), then purged; `undefined` without retention. */
  readonly retentionDays?: number | undefined;
  /**
   * Each patient's journey through the service points (by patient index), or `undefined` for a
   * day at the doctors' rooms only (`--no-journeys`).
   */
  readonly journeys?: readonly JourneyPlan[] | undefined;
}

/** A scheduler that lives across the days of a run, and the simulated clock it reads. */
export interface SharedScheduler {
  readonly opd: OpdScheduler;
  /** The simulated clock: the day running moves it. */
  readonly time: { now: number };
}

/** What a patient seen is told at the end of the consultation. */
export interface SeenOutcome {
  /** Whether the consultation is charged (`complete(tokenId, { charged: true })`): it opens free revisits. */
  readonly charged: boolean;
  /** Told to come back this many days later (`bookFollowUp`), or `null`. */
  readonly comeBackAfterDays: number | null;
}

/** Patients who come back on the day: booked on an earlier day (a follow-up, a series' occurrence), and those told to. */
export interface Returning {
  /** Tokens of the day booked on an earlier day. */
  readonly booked: readonly string[];
  /**
   * Takes in the patient of a token booked earlier for the day (or by a sweep, for a follow-up
   * that was due): adds their plan to the day's patients and answers its index, or `null` for a
   * token not booked for a returning patient.
   */
  adopt(tokenId: string, doctorId: string, slotStart: number): number | null;
  /** The end of a consultation: charged or not, and whether the patient is told to come back. */
  seen(tokenId: string, patient: number): SeenOutcome;
  /** The follow-up's window: any day of `[due − windowDays, due + windowDays]` will do. */
  readonly windowDays: number;
}

/** A moment worth showing on the timeline. */
export interface Marker {
  readonly at: number;
  readonly kind: 'bump' | 'cascade' | 'promotion' | 'drop' | 'elastic' | 'closed';
  readonly doctorId: string;
  /** The slot lane it is drawn on. */
  readonly slotId: string;
  /** What happened, with token numbers and categories only (never patient data). */
  readonly text: string;
}

/** How one slot went through the day. */
export interface SlotTrack {
  readonly plan: SlotPlan;
  readonly doctorId: string;
  /** The places limit the preset allows beyond capacity (elastic places). */
  readonly allowance: number;
  /** Places held, as (time, count) steps. */
  readonly places: Array<readonly [number, number]>;
  /** Tokens on this slot's own waiting list (per-slot waitlists), as steps. */
  readonly waiting: Array<readonly [number, number]>;
  placesNow: number;
  waitingNow: number;
  peakPlaces: number;
  peakWaiting: number;
  /** The most tokens the slot could have taken from a waiting list at once (its `SlotView.waitlist`), while usable. */
  peakEligible: number;
  closedAt: number | null;
  closedReason: string | null;
  seen: number;
  noShows: number;
  bumpedOut: number;
  elasticBookings: number;
}

/** How one doctor went through the day. */
export interface DoctorTrack {
  readonly plan: DoctorPlan;
  /** Tokens waiting (on the doctor-day list or on any of the doctor's slot lists), as steps. */
  readonly waiting: Array<readonly [number, number]>;
  waitingNow: number;
  peakWaiting: number;
  firstConsultAt: number | null;
  lastConsultEnd: number | null;
  busy: boolean;
  readonly checkedIn: Set<string>;
}

/** One token, as the simulation saw it through the events. */
export interface TokenTrack {
  readonly id: string;
  readonly doctorId: string;
  readonly patientIndex: number;
  readonly category: string;
  readonly tokenNumber: number;
  readonly requestedAt: number;
  /**
   * When the patient is at the hospital for this token: on registering at the desk (walk-in,
   * paid, emergency, and anyone registering again), else on arriving (online and follow-up
   * patients arrive near their slot). Waits are measured from here.
   */
  readonly presentAt: number;
  readonly age: number;
  /** How the token was asked for: at the desk, by Scan & Share, on the portal or through UHI. */
  readonly wayIn: WayIn;
  status: TokenStatus;
  place: string | null;
  waitingFor: string | null;
  lastSlot: string | null;
  bumps: number;
  consultStart: number | null;
  /** The `estimatedStart` the booking answered with (a place at booking time), else `null`. */
  estimatedAtBooking: number | null;
}

/** A request the scheduler refused (no token was created). */
export interface Refusal {
  readonly patientId: string;
  readonly doctorId: string;
  readonly category: BuiltInCategory;
  readonly at: number;
  readonly code: string;
}

/** A doctor's leave: the slots one `closeSlots` call closed, with what its dry run predicted. */
export interface Closure {
  readonly doctorId: string;
  /** The slots closed, in time order. */
  readonly slotIds: readonly string[];
  /** The leave asked for: `[from, to)`. */
  readonly from: number;
  readonly to: number;
  readonly at: number;
  readonly reason: string;
  readonly predicted: readonly string[];
  readonly happened: readonly string[];
  readonly moved: number;
  readonly waitlisted: number;
  readonly dropped: number;
}

/**
 * The national rails in the simulated day. A Scan & Share token is a hold (`onProfileShare`) that
 * the counter confirms when the patient reaches it; a UHI `init` is a hold that `confirm` books,
 * and the patient checks in with the order's PIN.
 */
export interface RailFigures {
  /** Scan & Share tokens: profiles shared at the counter's QR that got a token (a hold). */
  readonly shares: number;
  /** Scan & Share tokens confirmed when the patient reached the counter. */
  readonly shareConfirmed: number;
  /** Scan & Share tokens whose hold ended (its validity, or its slot) before the patient reached the counter. */
  readonly shareExpired: number;
  /** Scan & Share tokens released because their slot closed. */
  readonly shareReleased: number;
  /** Scans that found no free place to hold (`SLOT_FULL`): the patient registered at the desk instead. */
  readonly shareAtDesk: number;
  /** UHI `search` calls. */
  readonly uhiSearches: number;
  /** UHI `init`s: places held for a UHI order. */
  readonly uhiInits: number;
  /** UHI orders confirmed (`confirm`), each answered with its check-in PIN. */
  readonly uhiConfirmed: number;
  /** UHI inits never confirmed: their hold expired after 15 minutes. */
  readonly uhiExpired: number;
  /** UHI inits released while held (a closed slot). */
  readonly uhiReleased: number;
  /** Confirmed UHI orders the patient cancelled (`cancel`, a P-code). */
  readonly uhiCancelled: number;
  /** UHI patients for whom the search found no place, or `init` was refused: they booked on the portal instead. */
  readonly uhiAtPortal: number;
  /** UHI patients checked in at the counter with their order's PIN. */
  readonly pinCheckIns: number;
}

/** Everything one simulated day produced. */
export interface DayResult {
  readonly preset: PresetName;
  /** How patients booked: by doctor, or by department. */
  readonly booking: 'doctor' | 'department';
  readonly priority: PriorityName;
  /** The priority policy's name as the scheduler reports it. */
  readonly policyName: string;
  /** The call order's options (`--call-order`), or `null` for queue order. */
  readonly callOrder: FairCallOrderOptions | null;
  readonly scenario: Scenario;
  readonly patients: readonly PatientPlan[];
  readonly slots: ReadonlyMap<string, SlotTrack>;
  readonly doctors: ReadonlyMap<string, DoctorTrack>;
  readonly tokens: ReadonlyMap<string, TokenTrack>;
  readonly markers: readonly Marker[];
  readonly refusals: readonly Refusal[];
  readonly closures: readonly Closure[];
  /**
   * Paid patients' holds: made, confirmed on payment, expired unpaid (released by a sweep), and
   * released because their slot closed.
   */
  readonly holds: { readonly made: number; readonly confirmed: number; readonly expired: number; readonly released: number };
  /** Patients who came by the national rails: ABDM Scan & Share and UHI. */
  readonly rails: RailFigures;
  /**
   * Closing the day (by the last sweep once each doctor's last slot ended and the grace period
   * passed, else by `closeDay` at the end): patients never seen — still waiting, booked or checked
   * in — who expired (`token:expired`, `day-closed`), or were carried to a later day with slots.
   */
  readonly closeOut: { readonly expired: number; readonly carried: number };
  /** Requests made: first requests plus re-registrations at the desk. */
  readonly requests: number;
  readonly reRegistrations: number;
  /** Movements counted from the events; `unplaced`: `emergency:unplaced` events. */
  readonly counted: { readonly bumps: number; readonly cascades: number; readonly promotions: number; readonly drops: number; readonly unplaced: number };
  /** Times the simulation looked at a waiting emergency after a call (see {@link emergencyRoom}). */
  readonly emergencyChecks: number;
  /** Each time an emergency waited while its doctor's day had room for it, described. */
  readonly emergencyViolations: readonly string[];
  /**
   * The doctors' calls made while an emergency of theirs was checked in at their queue (`calls`),
   * and each of them that called someone else, described (`passedOver`): an emergency checked in
   * is the next one called, in every call order.
   */
  readonly emergencyCalls: { readonly calls: number; readonly passedOver: readonly string[] };
  /** Times a slot held more places than its capacity plus the preset's elastic places. */
  readonly overbookings: number;
  /** The day as the scheduler shows it at the end (one schedule per doctor). */
  readonly schedules: readonly DaySchedule[];
  /** The scheduler's own figures for the day. */
  readonly stats: Stats;
  /** The scheduler's fairness ledger of the day: per category, waits from due to the doctor, skips, pass runs. */
  readonly fairness: FairnessReport;
  /** The day's HMIS return (`opd-scheduler/reports`): its OPD items, from the day's events. */
  readonly hmis: readonly HmisRow[];
  /** What the offers of freed places did, or `null` without offers. */
  readonly offers: OfferFigures | null;
  /** What purging the patient data after its retention did (`--retention-days`), or `null` without. */
  readonly retention: RetentionFigures | null;
  /** What the journeys through the service points did, or `null` without them. */
  readonly journeys: JourneyFigures | null;
  readonly endsAt: number;
}

type Action =
  | { readonly kind: 'request'; readonly patient: number; readonly category: BuiltInCategory; readonly desk: boolean }
  | { readonly kind: 'arrive'; readonly patient: number }
  | { readonly kind: 'cancel'; readonly patient: number }
  | { readonly kind: 'give-up'; readonly patient: number; readonly tokenId: string; readonly since: number }
  | { readonly kind: 'check-in'; readonly tokenId: string; readonly slotId: string }
  | { readonly kind: 'doctor'; readonly doctorId: string }
  | { readonly kind: 'complete'; readonly doctorId: string; readonly tokenId: string }
  | { readonly kind: 'sweep' }
  | { readonly kind: 'pay'; readonly tokenId: string }
  | { readonly kind: 'counter'; readonly tokenId: string }
  | { readonly kind: 'uhi-confirm'; readonly tokenId: string }
  | { readonly kind: 'leave'; readonly doctorId: string }
  | { readonly kind: 'answer'; readonly offerId: string }
  | { readonly kind: 'point'; readonly pointId: string }
  | { readonly kind: 'served'; readonly pointId: string; readonly tokenId: string };

/** A service point through the day: whether its staff are busy, and who waits in its queue. */
interface PointTrack {
  readonly staffed: StaffedPoint;
  busy: boolean;
  readonly waiting: Set<string>;
}

/** The doctor's queue in {@link Day}'s map of where each patient waits. */
const DOCTOR_QUEUE = 'doctor';

interface PatientState {
  present: boolean;
  tokenId: string | null;
  waitingSince: number | null;
  reRegistered: boolean;
}

const REFUSALS = new Set(['SLOT_FULL', 'SLOT_CLOSED', 'SLOT_ENDED', 'OUTSIDE_BOOKING_WINDOW']);

/**
 * Runs one OPD day through a scheduler: the patients of the plan ask for tokens, arrive, check
 * in, are seen, cancel, give up or never come; the desk sweeps no-shows and closes the slots of a
 * doctor who leaves. The scheduler's clock is the simulation's clock, never the wall clock.
 */
/**
 * The scheduler options a simulated day runs under (without its store and clock): the preset and
 * priority, the hospital's quota and booking windows, offers if asked for, the time zone and the
 * no-show grace. A replay of the day's history under them gives back the day.
 */
export function dayOptions(preset: PresetName, priority: PriorityName, offers?: SimOffers): Omit<OpdSchedulerOptions, 'storage' | 'clock'> {
  return {
    ...policyFor(preset, priority),
    quota: simulationQuota(),
    bookingWindows: simulationWindows(),
    ...(offers === undefined ? {} : { offers: offerPolicy(offers) }),
    timeZone: TIME_ZONE,
    noShowGraceMinutes: GRACE_MINUTES,
  };
}

/** Adds a doctor of the scenario to the scheduler. */
export async function addDoctor(opd: OpdScheduler, doctor: DoctorPlan): Promise<void> {
  await opd.addDoctor({
    id: doctor.id,
    name: doctor.name,
    specialization: doctor.department,
    department: departmentId(doctor.department),
    consultMinutes: doctor.consultMinutes,
    // Every department but General Medicine runs a specialist OPD (HMIS item 14.2.1.a).
    specialist: doctor.department !== 'General Medicine',
  });
}

/** Publishes a doctor's slots of the day. */
export async function addSlots(opd: OpdScheduler, doctor: DoctorPlan): Promise<void> {
  await opd.addSlots(
    doctor.id,
    doctor.slots.map((s) => ({ id: s.id, start: new Date(s.start), end: new Date(s.end), capacity: s.capacity, overflowCapacity: s.overflowCapacity })),
  );
}

/** The scheduler of a day that runs on its own store. */
function ownScheduler(input: DayInput, now: () => number): OpdScheduler {
  if (input.storage === undefined) throw new Error('A day needs a store or a shared scheduler');
  return new OpdScheduler({
    ...dayOptions(input.preset, input.priority, input.offers),
    ...(input.callOrder === undefined ? {} : { callOrder: new FairCallOrder(input.callOrder) }),
    ...(input.retentionDays === undefined ? {} : { retention: { patientDataDays: input.retentionDays } }),
    ...(input.journeys === undefined ? {} : { servicePoints: servicePoints(input.scenario).map((p) => p.point), routes: ROUTES }),
    storage: input.storage,
    clock: () => new Date(now()),
  });
}

export async function runDay(input: DayInput): Promise<DayResult> {
  return new Day(input).run();
}

class Day {
  readonly #input: DayInput;
  readonly #opd: OpdScheduler;
  readonly #agenda = new Agenda<Action>();
  /** The simulated clock (the shared scheduler's, over days). */
  readonly #time: { now: number };
  readonly #listener = (event: OpdEvent): void => void this.#pending.push(event);
  readonly #slots = new Map<string, SlotTrack>();
  readonly #doctors = new Map<string, DoctorTrack>();
  readonly #tokens = new Map<string, TokenTrack>();
  readonly #patients: PatientState[];
  readonly #markers: Marker[] = [];
  readonly #refusals: Refusal[] = [];
  readonly #closures: Closure[] = [];
  readonly #counted = { bumps: 0, cascades: 0, promotions: 0, drops: 0, unplaced: 0 };
  readonly #holds = { made: 0, confirmed: 0, expired: 0, released: 0 };
  readonly #rails = {
    shares: 0,
    shareConfirmed: 0,
    shareExpired: 0,
    shareReleased: 0,
    shareAtDesk: 0,
    uhiSearches: 0,
    uhiInits: 0,
    uhiConfirmed: 0,
    uhiExpired: 0,
    uhiReleased: 0,
    uhiCancelled: 0,
    uhiAtPortal: 0,
    pinCheckIns: 0,
  };
  /** The hospital's UHI provider (the ONLINE channel, its quota and booking window). */
  readonly #uhi: UhiProvider;
  /** The check-in PIN each confirmed UHI order was answered with, by token id. */
  readonly #pins = new Map<string, string>();
  readonly #closeOut = { expired: 0, carried: 0 };
  /** Emergencies on a waiting list, by id. */
  readonly #waitingEmergencies = new Set<string>();
  /** What the events of one settle touched (see `#settle`): cleared and filled each time. */
  readonly #touchedSlots = new Set<SlotTrack>();
  readonly #touchedDoctors = new Set<DoctorTrack>();
  readonly #touchedTokens = new Set<TokenTrack>();
  #emergencyChecks = 0;
  readonly #emergencyViolations: string[] = [];
  readonly #emergencyCalls = { calls: 0, passedOver: [] as string[] };
  #overbookings = 0;
  #requests = 0;
  #reRegistrations = 0;
  #pending: OpdEvent[] = [];
  /** The offers of freed places and the patients' answers, or `null` without offers. */
  readonly #offers: OfferTally | null;
  /** The service points by id (empty without journeys). */
  readonly #points = new Map<string, PointTrack>();
  /** Where each checked-in patient waits: a service point's id or {@link DOCTOR_QUEUE}; absent when in no queue. */
  readonly #queueOf = new Map<string, string>();
  /** The first point of the route each token is being checked in on. */
  readonly #routing = new Map<string, string>();
  /** Patients the doctor sent to the lab. */
  readonly #sentToLab = new Set<string>();
  readonly #journeyCounts = { routed: 0, toLab: 0, back: 0, forwards: 0, pointCalls: 0, twoQueues: 0 };
  /** The request being booked: the one unknown token in its events is the new one. */
  #booking: { patient: number; category: BuiltInCategory; requestedAt: number; desk: boolean; wayIn: WayIn } | null = null;

  constructor(input: DayInput) {
    this.#input = input;
    this.#time = input.shared?.time ?? { now: 0 };
    this.#now = input.scenario.startsAt;
    this.#opd = input.shared?.opd ?? ownScheduler(input, () => this.#now);
    this.#opd.on('event', this.#listener);
    this.#offers = input.offers === undefined ? null : new OfferTally(input.offers);
    this.#uhi = new UhiProvider(this.#opd, {
      providerId: 'hspa.hospital.example',
      providerUri: 'https://hspa.hospital.example/uhi',
      pinSecret: 'the simulated hospital secret',
    });
    this.#patients = input.patients.map(() => ({ present: false, tokenId: null, waitingSince: null, reRegistered: false }));
    if (input.journeys !== undefined)
      for (const staffed of servicePoints(input.scenario)) this.#points.set(staffed.point.id, { staffed, busy: false, waiting: new Set() });
  }

  get #day(): string {
    return this.#input.scenario.day;
  }

  get #now(): number {
    return this.#time.now;
  }

  set #now(at: number) {
    this.#time.now = at;
  }

  async run(): Promise<DayResult> {
    const { scenario, patients, preset } = this.#input;
    try {
      for (const doctor of scenario.doctors) {
        if (this.#input.shared === undefined) {
          await addDoctor(this.#opd, doctor);
          await addSlots(this.#opd, doctor);
        }
        this.#doctors.set(doctor.id, {
          plan: doctor,
          waiting: [[scenario.startsAt, 0]],
          waitingNow: 0,
          peakWaiting: 0,
          firstConsultAt: null,
          lastConsultEnd: null,
          busy: false,
          checkedIn: new Set(),
        });
        for (const slot of doctor.slots) {
          this.#slots.set(slot.id, {
            plan: slot,
            doctorId: doctor.id,
            allowance: elasticAllowance(preset, slot.overflowCapacity),
            places: [[scenario.startsAt, 0]],
            waiting: [[scenario.startsAt, 0]],
            placesNow: 0,
            waitingNow: 0,
            peakPlaces: 0,
            peakWaiting: 0,
            peakEligible: 0,
            closedAt: null,
            closedReason: null,
            seen: 0,
            noShows: 0,
            bumpedOut: 0,
            elasticBookings: 0,
          });
          this.#agenda.add(slot.start, { kind: 'doctor', doctorId: doctor.id });
        }
        this.#agenda.add(doctor.slots[0]!.start + doctor.lateMinutes * MINUTE, { kind: 'doctor', doctorId: doctor.id });
        if (doctor.leave !== null) this.#agenda.add(doctor.leave.announceAt, { kind: 'leave', doctorId: doctor.id });
      }
      this.#pending = [];

      patients.forEach((p, i) => {
        this.#agenda.add(p.requestAt, { kind: 'request', patient: i, category: p.category, desk: false });
        if (p.arrivesAt !== null && p.arrivesAt > p.requestAt) this.#agenda.add(p.arrivesAt, { kind: 'arrive', patient: i });
        if (p.cancelAt !== null) this.#agenda.add(p.cancelAt, { kind: 'cancel', patient: i });
      });
      // Patients booked on an earlier day come back today (added to the patients, with no request to make).
      for (const tokenId of this.#input.returning?.booked ?? []) await this.#welcomeBack(tokenId);
      const firstStart = Math.min(...scenario.doctors.map((d) => d.slots[0]!.start));
      // Until the grace period of a place taken in the last minute of the last slot has passed.
      const lastEnd = Math.max(...scenario.doctors.flatMap((d) => d.slots.map((s) => s.end)));
      for (
        let t = firstStart + SWEEP_EVERY_MINUTES * MINUTE;
        t <= lastEnd + (GRACE_MINUTES + SWEEP_EVERY_MINUTES) * MINUTE;
        t += SWEEP_EVERY_MINUTES * MINUTE
      ) {
        this.#agenda.add(t, { kind: 'sweep' });
      }

      let handled = 0;
      for (let next = this.#agenda.take(); next !== undefined; next = this.#agenda.take()) {
        this.#now = next.at;
        await this.#handle(next.item);
        if (next.item.kind === 'request' && !next.item.desk && ++handled % 250 === 0) this.#input.onProgress?.(handled, patients.length);
      }
      this.#input.onProgress?.(patients.length, patients.length);
      // Each doctor's day is closed: by the last sweep, else here (a day already closed answers nothing).
      for (const doctor of scenario.doctors) await this.#opd.closeDay(doctor.id, this.#day);
      await this.#settle();

      const schedules: DaySchedule[] = [];
      for (const doctor of scenario.doctors) schedules.push(await this.#opd.getSchedule(doctor.id, this.#day));
      const stats = await this.#opd.stats({ date: this.#day });
      const fairness = await this.#opd.fairness({ date: this.#day });
      const hmis = hmisReturn(await opdReport(this.#opd, { from: this.#day, to: this.#day, by: 'department' }));
      await this.#input.beforeClose?.(this.#opd);
      const endsAt = this.#now;
      const days = this.#input.retentionDays;
      const clockOf = { get: () => this.#now, set: (at: number) => void (this.#now = at) };
      const retention = days === undefined ? null : await purgeAfterRetention(this.#opd, this.#day, this.#tokens.keys(), stats, days, clockOf);
      return {
        preset,
        booking: this.#input.booking ?? 'doctor',
        priority: this.#input.priority,
        policyName: policyFor(preset, this.#input.priority).priority.name,
        callOrder: this.#input.callOrder ?? null,
        scenario,
        patients,
        slots: this.#slots,
        doctors: this.#doctors,
        tokens: this.#tokens,
        markers: this.#markers,
        refusals: this.#refusals,
        closures: this.#closures,
        requests: this.#requests,
        reRegistrations: this.#reRegistrations,
        counted: { ...this.#counted },
        holds: { ...this.#holds },
        rails: { ...this.#rails },
        closeOut: { ...this.#closeOut },
        emergencyChecks: this.#emergencyChecks,
        emergencyViolations: this.#emergencyViolations,
        emergencyCalls: { calls: this.#emergencyCalls.calls, passedOver: [...this.#emergencyCalls.passedOver] },
        overbookings: this.#overbookings,
        schedules,
        stats,
        fairness,
        hmis,
        offers: this.#offers?.figures() ?? null,
        retention,
        journeys: this.#input.journeys === undefined ? null : { ...this.#journeyCounts },
        endsAt,
      };
    } finally {
      if (this.#input.shared === undefined) await this.#opd.close();
      else this.#opd.off('event', this.#listener);
    }
  }

  /** A patient booked on an earlier day for today: followed from the start of the day, and on their way. */
  async #welcomeBack(tokenId: string): Promise<void> {
    const token = await this.#opd.getToken(tokenId);
    if (token.day !== this.#day || token.status !== 'BOOKED' || token.slotId === null) return;
    const slot = this.#slots.get(token.slotId)!;
    const track = this.#adopt(tokenId, token.doctorId, token.tokenNumber, token.slotId);
    if (track === null) return;
    track.status = 'BOOKED';
    track.place = token.slotId;
    track.lastSlot = token.slotId;
    slot.placesNow++;
    step(slot.places, this.#now, slot.placesNow);
    slot.peakPlaces = Math.max(slot.peakPlaces, slot.placesNow);
  }

  /**
   * Follows a returning patient's token (booked before today, or by a sweep for a follow-up that
   * was due) as a new patient of the day, who comes to the hospital before their slot; `null`
   * for a token booked for nobody the run knows.
   */
  #adopt(tokenId: string, doctorId: string, tokenNumber: number, slotId: string): TokenTrack | null {
    const slot = this.#slots.get(slotId)!;
    const index = this.#input.returning?.adopt(tokenId, doctorId, slot.plan.start) ?? null;
    if (index === null) return null;
    const plan = this.#input.patients[index]!;
    const track: TokenTrack = {
      id: tokenId,
      doctorId,
      patientIndex: index,
      category: 'FOLLOW_UP',
      tokenNumber,
      requestedAt: this.#now,
      presentAt: plan.arrivesAt ?? this.#now,
      age: plan.age,
      wayIn: 'portal',
      status: 'WAITLISTED',
      place: null,
      waitingFor: null,
      lastSlot: null,
      bumps: 0,
      consultStart: null,
      estimatedAtBooking: null,
    };
    this.#tokens.set(tokenId, track);
    // Booked for them: they never register again at the desk.
    this.#patients[index] = { present: false, tokenId, waitingSince: null, reRegistered: true };
    if (plan.arrivesAt !== null) this.#agenda.add(Math.max(this.#now, plan.arrivesAt), { kind: 'arrive', patient: index });
    return track;
  }

  async #handle(action: Action): Promise<void> {
    switch (action.kind) {
      case 'request':
        return this.#request(action.patient, action.category, action.desk);
      case 'arrive':
        return this.#arrive(action.patient);
      case 'cancel':
        return this.#plannedCancel(action.patient);
      case 'give-up':
        return this.#giveUp(action.patient, action.tokenId, action.since);
      case 'check-in':
        return this.#checkIn(action.tokenId, action.slotId);
      case 'doctor':
        return this.#nextPatient(action.doctorId);
      case 'complete':
        return this.#complete(action.doctorId, action.tokenId);
      case 'sweep':
        await this.#opd.sweep();
        return this.#settle();
      case 'leave':
        return this.#leave(action.doctorId);
      case 'pay':
        return this.#pay(action.tokenId);
      case 'counter':
        return this.#atCounter(action.tokenId);
      case 'uhi-confirm':
        return this.#uhiConfirm(action.tokenId);
      case 'answer':
        return this.#answer(action.offerId);
      case 'point':
        return this.#callAtPoint(action.pointId);
      case 'served':
        return this.#served(action.pointId, action.tokenId);
    }
  }

  /**
   * A patient texts YES to an offer; a YES after another patient's, after the window, or from a
   * patient whose token has moved on meanwhile (placed elsewhere, cancelled, called: the offer
   * lapsed then, `OFFER_EXPIRED`) comes too late.
   */
  async #answer(offerId: string): Promise<void> {
    try {
      await this.#opd.acceptOffer(offerId, { actor: 'sms' });
    } catch (error) {
      if (!isOpdError(error) || !(error.code === 'OFFER_TAKEN' || error.code === 'OFFER_EXPIRED')) throw error;
      this.#offers!.late();
    }
    await this.#settle();
  }

  /** A patient asks for a token: on the portal (a chosen slot), as an emergency (the slot in progress), or at the desk. */
  async #request(index: number, category: BuiltInCategory, desk: boolean): Promise<void> {
    const plan = this.#input.patients[index]!;
    const patient = this.#patients[index]!;
    this.#requests++;
    if (desk) this.#reRegistrations++;
    if (!desk && plan.arrivesAt !== null && plan.arrivesAt <= plan.requestAt) patient.present = true;
    const doctor = this.#doctors.get(plan.doctorId)!.plan;
    const base: BookingRequest = { doctorId: plan.doctorId, category, patient: { id: plan.id, name: `Patient ${plan.id}`, age: plan.age }, date: this.#day };
    const attempts: (BookingRequest | DepartmentBookingRequest)[] = [];
    if (this.#input.booking === 'department') {
      // The department gives the soonest place with any of its doctors, from the time asked for.
      const { doctorId: _doctor, ...rest } = base;
      const request: DepartmentBookingRequest = { ...rest, department: departmentId(doctor.department) };
      const slot = !desk && plan.preferredSlot !== null ? doctor.slots[plan.preferredSlot]! : undefined;
      attempts.push(slot === undefined ? request : { ...request, after: new Date(slot.start), idempotencyKey: `${plan.id}-${category.toLowerCase()}` });
    } else if (!desk && plan.preferredSlot !== null) {
      const slot = doctor.slots[plan.preferredSlot]!;
      // The chosen slot, else the next one with room from that time on (as a booking screen offers).
      attempts.push({ ...base, slotId: slot.id, idempotencyKey: `${plan.id}-${category.toLowerCase()}` });
      attempts.push({ ...base, after: new Date(slot.start), idempotencyKey: `${plan.id}-${category.toLowerCase()}-later` });
    } else if (category === 'EMERGENCY') {
      // An emergency asks for the slot in progress (or the next one), full or not.
      const target = doctor.slots.find((s) => this.#now < s.end && this.#slots.get(s.id)!.closedAt === null);
      if (target !== undefined) attempts.push({ ...base, slotId: target.id });
      attempts.push(base);
    } else {
      attempts.push(base);
    }

    // A paid patient at the desk first has a place held while they pay. A hold only takes a free
    // place; when none of the attempts finds one (`SLOT_FULL`), the patient books normally instead.
    if (category === 'PAID' && !desk && this.#input.booking !== 'department' && (await this.#hold(index, attempts))) return;
    // A walk-in who scans the counter's QR has a token held until they reach the counter; a scan
    // that finds no free place to hold leaves them to register at the desk.
    if (plan.wayIn === 'scan-share' && category === 'WALK_IN' && !desk && (await this.#scanAndShare(index))) return;
    // A UHI patient books through their app: search, init, and confirm a little later. When the
    // search has no place or init is refused, they book on the hospital's portal instead.
    if (plan.wayIn === 'uhi' && category === 'ONLINE' && !desk && (await this.#uhiBook(index))) return;

    for (const [i, request] of attempts.entries()) {
      let result: BookingResult;
      this.#booking = {
        patient: index,
        category,
        requestedAt: this.#now,
        desk,
        wayIn: desk || plan.wayIn === 'scan-share' ? 'desk' : plan.wayIn === 'uhi' ? 'portal' : plan.wayIn,
      };
      try {
        result = await this.#opd.book(request);
      } catch (error) {
        this.#booking = null;
        if (isOpdError(error) && REFUSALS.has(error.code)) {
          if (i < attempts.length - 1) continue;
          this.#refusals.push({ patientId: plan.id, doctorId: plan.doctorId, category, at: this.#now, code: error.code });
          return;
        }
        throw error;
      }
      patient.tokenId = result.token.id;
      await this.#settle();
      this.#booking = null;
      const track = this.#tokens.get(result.token.id);
      if (track !== undefined && result.replayed !== true && result.token.estimatedStart !== null)
        track.estimatedAtBooking = result.token.estimatedStart.getTime();
      return;
    }
  }

  /**
   * Tries each attempt as a hold; `true` when a place is held (then the payment, or its absence,
   * is on the agenda), `false` when no attempt found a free place.
   */
  async #hold(index: number, attempts: readonly (BookingRequest | DepartmentBookingRequest)[]): Promise<boolean> {
    const plan = this.#input.patients[index]!;
    for (const request of attempts) {
      if (request.doctorId === undefined) continue;
      const key = request.idempotencyKey;
      this.#booking = { patient: index, category: 'PAID', requestedAt: this.#now, desk: false, wayIn: 'desk' };
      try {
        const { idempotencyKey: _key, ...rest } = request;
        const held = await this.#opd.hold({ ...rest, holdMinutes: HOLD_MINUTES, ...(key === undefined ? {} : { idempotencyKey: `${key}-hold` }) });
        this.#patients[index]!.tokenId = held.token.id;
        await this.#settle();
        // Unpaid, the hold simply runs out: a later sweep releases it.
        if (plan.payMinutes !== null) this.#agenda.add(this.#now + plan.payMinutes * MINUTE, { kind: 'pay', tokenId: held.token.id });
        return true;
      } catch (error) {
        if (isOpdError(error) && REFUSALS.has(error.code)) continue;
        throw error;
      } finally {
        this.#booking = null;
      }
    }
    return false;
  }

  /**
   * A walk-in scans the counter's QR: their ABHA app shares the profile, and `onProfileShare` holds
   * a place for the counter's doctor (or department) until they reach the counter. `false` when
   * there was no free place to hold.
   */
  async #scanAndShare(index: number): Promise<boolean> {
    const plan = this.#input.patients[index]!;
    const doctor = this.#doctors.get(plan.doctorId)!.plan;
    const code = `OPD-${this.#input.booking === 'department' ? departmentId(doctor.department) : doctor.id}`;
    const counter = this.#input.booking === 'department' ? { department: departmentId(doctor.department) } : { doctorId: doctor.id };
    const body = {
      requestId: `share-${plan.id}`,
      timestamp: new Date(this.#now).toISOString(),
      intent: 'PROFILE_SHARE',
      metaData: { hipId: HIP_ID, context: code },
      profile: { patient: { abhaAddress: `${plan.id.toLowerCase()}@sbx`, name: `Patient ${plan.id}`, yearOfBirth: Number(SIM_DAY.slice(0, 4)) - plan.age } },
    };
    this.#booking = { patient: index, category: 'WALK_IN', requestedAt: this.#now, desk: false, wayIn: 'scan-share' };
    try {
      const { token } = await onProfileShare(this.#opd, body, { counters: { [code]: counter }, hipId: HIP_ID, actor: 'abdm-share' });
      this.#patients[index]!.tokenId = token.id;
      await this.#settle();
      this.#agenda.add(this.#now + plan.wayInMinutes! * MINUTE, { kind: 'counter', tokenId: token.id });
      return true;
    } catch (error) {
      if (isOpdError(error) && REFUSALS.has(error.code)) {
        this.#rails.shareAtDesk++;
        return false;
      }
      throw error;
    } finally {
      this.#booking = null;
    }
  }

  /** A Scan & Share patient reaches the counter: their token, if still held, is confirmed. */
  async #atCounter(tokenId: string): Promise<void> {
    if (this.#tokens.get(tokenId)?.status !== 'HELD') return;
    await this.#opd.confirm(tokenId, { actor: 'desk' });
    await this.#settle();
  }

  /**
   * An online patient books through a UHI app: `search` for the doctor (or department) from the
   * slot they want, `init` the first place offered (a hold of 15 minutes), and `confirm` it later
   * unless they never do. `false` when the search had no place or `init` was refused.
   */
  async #uhiBook(index: number): Promise<boolean> {
    const plan = this.#input.patients[index]!;
    const doctor = this.#doctors.get(plan.doctorId)!.plan;
    const from = doctor.slots[plan.preferredSlot ?? 0]!.start;
    const context = (action: string): Record<string, string> => this.#uhiContext(plan.id, action);
    const fulfillment = {
      start: { time: { timestamp: new Date(from).toISOString() } },
      end: { time: { timestamp: new Date(this.#scheduleEnd()).toISOString() } },
    };
    const intent =
      this.#input.booking === 'department'
        ? { item: { descriptor: { name: departmentId(doctor.department) } }, fulfillment }
        : { fulfillment: { ...fulfillment, agent: { id: doctor.id } } };
    this.#rails.uhiSearches++;
    const found = await this.#uhi.search({ context: context('search'), message: { intent } });
    const first = found.message.catalog.providers
      .flatMap((p) => p.fulfillments)
      .sort((a, b) => a.start.time.timestamp.localeCompare(b.start.time.timestamp))[0];
    if (first === undefined) {
      this.#rails.uhiAtPortal++;
      return false;
    }
    this.#booking = { patient: index, category: 'ONLINE', requestedAt: this.#now, desk: false, wayIn: 'uhi' };
    try {
      const onInit = await this.#uhi.init({
        context: context('init'),
        message: { order: { fulfillment: { id: first.id }, customer: { id: `${plan.id.toLowerCase()}@sbx`, person: { name: `Patient ${plan.id}` } } } },
      });
      const tokenId = onInit.message.order.id!;
      this.#patients[index]!.tokenId = tokenId;
      await this.#settle();
      // One who never confirms lets the init expire: a later sweep frees the place.
      if (plan.wayInMinutes !== null) this.#agenda.add(this.#now + plan.wayInMinutes * MINUTE, { kind: 'uhi-confirm', tokenId });
      return true;
    } catch (error) {
      if (isOpdError(error) && REFUSALS.has(error.code)) {
        this.#rails.uhiAtPortal++;
        return false;
      }
      throw error;
    } finally {
      this.#booking = null;
    }
  }

  /** A UHI patient confirms their order, if still held (a closed slot releases it), and keeps the PIN it answers. */
  async #uhiConfirm(tokenId: string): Promise<void> {
    const token = this.#tokens.get(tokenId);
    if (token?.status !== 'HELD') return;
    const plan = this.#input.patients[token.patientIndex]!;
    const onConfirm = await this.#uhi.confirm({ context: this.#uhiContext(plan.id, 'confirm'), message: { order: { id: tokenId } } });
    this.#pins.set(tokenId, onConfirm.message.order.authorization!.token);
    await this.#settle();
  }

  /** The Beckn context of a UHI call of the patient's app: one transaction per patient. */
  #uhiContext(patientId: string, action: string): Record<string, string> {
    return {
      domain: 'nic2004:85111',
      country: 'IND',
      city: 'std:080',
      action,
      core_version: '0.7.1',
      consumer_id: 'eua.example',
      consumer_uri: 'https://eua.example/uhi',
      transaction_id: `uhi-${patientId}`,
      message_id: `uhi-${patientId}-${action}`,
      timestamp: new Date(this.#now).toISOString(),
    };
  }

  /** The end of the last slot of the day. */
  #scheduleEnd(): number {
    return Math.max(...this.#input.scenario.doctors.flatMap((d) => d.slots.map((s) => s.end)));
  }

  /** A paid patient has paid: their hold, if still held (a closed slot releases it), is confirmed. */
  async #pay(tokenId: string): Promise<void> {
    if (this.#tokens.get(tokenId)?.status !== 'HELD') return;
    await this.#opd.confirm(tokenId);
    await this.#settle();
  }

  /** An online patient reaches the hospital. */
  async #arrive(index: number): Promise<void> {
    const patient = this.#patients[index]!;
    patient.present = true;
    const token = patient.tokenId === null ? undefined : this.#tokens.get(patient.tokenId);
    if (token === undefined || token.status === 'NO_SHOW') {
      // Refused on the portal, or late and already marked a no-show: they register at the desk.
      if (!patient.reRegistered) {
        patient.reRegistered = true;
        await this.#request(index, 'WALK_IN', true);
      }
      return;
    }
    this.#react(token);
  }

  async #plannedCancel(index: number): Promise<void> {
    const plan = this.#input.patients[index]!;
    const token = this.#currentToken(index);
    if (token === undefined || !(token.status === 'WAITLISTED' || token.status === 'BOOKED' || token.status === 'CHECKED_IN')) return;
    if (this.#pins.has(token.id)) {
      // A UHI patient cancels in their app (P1: the patient can no longer come).
      await this.#uhi.cancel({ context: this.#uhiContext(plan.id, 'cancel'), message: { order_id: token.id, cancellation_reason_id: 'P1' } });
      this.#rails.uhiCancelled++;
    } else await this.#opd.cancel(token.id, { reason: plan.preferredSlot !== null ? 'cancelled on the portal' : 'left without being seen' });
    this.#patients[index]!.present = false;
    await this.#settle();
  }

  /** A patient waiting on the premises without a place leaves when their patience runs out (`since`: when this wait began). */
  async #giveUp(index: number, tokenId: string, since: number): Promise<void> {
    const token = this.#tokens.get(tokenId);
    const patient = this.#patients[index]!;
    if (token === undefined || token.status !== 'WAITLISTED' || patient.tokenId !== tokenId || patient.waitingSince !== since) return;
    await this.#opd.cancel(tokenId, { reason: 'left after waiting without a place' });
    this.#patients[index]!.present = false;
    await this.#settle();
  }

  async #checkIn(tokenId: string, slotId: string): Promise<void> {
    const token = this.#tokens.get(tokenId);
    if (token === undefined || token.status !== 'BOOKED' || token.place !== slotId || !this.#patients[token.patientIndex]!.present) return;
    // A UHI patient gives the PIN of their order at the counter.
    const pin = this.#pins.get(tokenId);
    const journey = this.#input.journeys?.[token.patientIndex];
    if (pin === undefined && journey !== undefined && token.category !== 'EMERGENCY') {
      // Registration first, then (for most) vitals, then the doctor; the route names the stages.
      this.#routing.set(tokenId, `registration-${departmentId(this.#doctors.get(token.doctorId)!.plan.department)}`);
      await this.#opd.checkIn(tokenId, { route: journey.route });
    } else if (pin === undefined) await this.#opd.checkIn(tokenId);
    else {
      await this.#uhi.checkIn(tokenId, { pin });
      this.#rails.pinCheckIns++;
    }
    await this.#settle();
    await this.#nextPatient(token.doctorId);
  }

  /**
   * The doctor, if free and someone checked in is due (an emergency, or a patient whose slot has
   * started), calls the next patient with `callNext`: the scheduler's call order decides who is
   * seen (emergencies first in every order; then, without one, slot by slot in queue order; with
   * `--call-order fair`, by accumulating priority), and the consultation starts at once. A call
   * made while an emergency is checked in is counted, and one that calls anyone else recorded.
   */
  async #nextPatient(doctorId: string): Promise<void> {
    const doctor = this.#doctors.get(doctorId)!;
    const plan = doctor.plan;
    if (doctor.busy || this.#now < plan.slots[0]!.start + plan.lateMinutes * MINUTE || doctor.checkedIn.size === 0) return;
    const waiting = [...doctor.checkedIn].map((id) => this.#tokens.get(id)!);
    const emergencies = waiting.filter((t) => t.category === 'EMERGENCY');
    const due = emergencies.length > 0 || waiting.some((t) => t.place !== null && this.#slots.get(t.place)!.plan.start <= this.#now);
    if (!due) return;
    const called = (await this.#opd.callNext(doctorId)).token;
    if (called === null || !doctor.checkedIn.has(called.id))
      throw new Error(`callNext(${doctorId}) called ${called?.id ?? 'nobody'}, not a patient checked in`);
    if (emergencies.length > 0) {
      this.#emergencyCalls.calls++;
      if (called.category !== 'EMERGENCY') {
        const first = emergencies[0]!;
        this.#emergencyCalls.passedOver.push(
          `${plan.name} called #${called.tokenNumber} (${called.category}) at ${clock(this.#now)} while emergency #${first.tokenNumber} was checked in`,
        );
      }
    }
    const next = this.#tokens.get(called.id)!;
    await this.#opd.startConsultation(next.id);
    doctor.busy = true;
    doctor.firstConsultAt ??= this.#now;
    await this.#settle();
    // Back with the result, the doctor reads it in a shorter second consultation.
    const minutes = plan.consultMinutes * this.#input.patients[next.patientIndex]!.consultFactor * (this.#sentToLab.has(next.id) ? JOURNEY.returnFactor : 1);
    const until = this.#now + Math.max(1, Math.round(minutes * 60)) * 1000;
    this.#agenda.add(until, { kind: 'complete', doctorId, tokenId: next.id });
  }

  async #complete(doctorId: string, tokenId: string): Promise<void> {
    const token = this.#tokens.get(tokenId)!;
    if (this.#input.journeys?.[token.patientIndex]?.lab === true && !this.#sentToLab.has(tokenId)) {
      // Tests ordered: the patient goes to the lab and comes back with the result.
      this.#sentToLab.add(tokenId);
      await this.#opd.forward(tokenId, { to: 'lab', reason: 'tests ordered', actor: doctorId });
    } else if (this.#input.returning === undefined) await this.#opd.complete(tokenId);
    else {
      // A first visit is charged (free revisits follow it); some patients are told to come back.
      const { charged, comeBackAfterDays } = this.#input.returning.seen(tokenId, token.patientIndex);
      await this.#opd.complete(tokenId, { charged });
      if (comeBackAfterDays !== null)
        await this.#opd.bookFollowUp(tokenId, { afterDays: comeBackAfterDays, windowDays: this.#input.returning.windowDays, actor: doctorId });
    }
    const doctor = this.#doctors.get(doctorId)!;
    doctor.busy = false;
    doctor.lastConsultEnd = this.#now;
    await this.#settle();
    await this.#nextPatient(doctorId);
  }

  /**
   * The doctor leaves early: the desk previews the whole leave (one dry run of `closeSlots`),
   * then closes every remaining slot of the day in one unit, each displaced patient moved once.
   */
  async #leave(doctorId: string): Promise<void> {
    const plan = this.#doctors.get(doctorId)!.plan;
    const leave = plan.leave!;
    const first = plan.slots[leave.fromSlot];
    const last = plan.slots.at(-1);
    if (first === undefined || last === undefined || last.end <= this.#now) return;
    // Patients go to a colleague of the department when one has a place sooner than the doctor's own.
    const window = { from: new Date(Math.max(first.start, this.#now)), to: new Date(last.end), reason: leave.reason, reassign: 'department' as const };
    const predicted = await this.#opd.closeSlots(doctorId, { ...window, dryRun: true });
    const happened = await this.#opd.closeSlots(doctorId, window);
    const fates = (type: OpdEvent['type']): number => happened.filter((e) => e.type === type).length;
    this.#closures.push({
      doctorId,
      slotIds: happened.flatMap((e) => (e.type === 'slot:closed' ? [e.slotId] : [])),
      from: window.from.getTime(),
      to: window.to.getTime(),
      at: this.#now,
      reason: leave.reason,
      predicted: predicted.map(describeEffect),
      happened: happened.map(describeEffect),
      moved: fates('token:cascaded') + fates('token:moved'),
      waitlisted: fates('token:waitlisted'),
      dropped: fates('token:dropped'),
    });
    await this.#settle();
  }

  /** A service point's staff, if free, call the next patient of its queue and serve them. */
  async #callAtPoint(pointId: string): Promise<void> {
    const point = this.#points.get(pointId)!;
    if (point.busy || point.waiting.size === 0) return;
    const called = (await this.#opd.callNext({ servicePoint: pointId })).token;
    if (called === null || !point.waiting.has(called.id))
      throw new Error(`callNext({ servicePoint: ${pointId} }) called ${called?.id ?? 'nobody'}, not a patient waiting there`);
    this.#journeyCounts.pointCalls++;
    point.busy = true;
    await this.#settle();
    const plan = this.#input.journeys![this.#tokens.get(called.id)!.patientIndex]!;
    const kind = point.staffed.point.kind;
    const minutes = kind === 'registration' ? plan.registrationMinutes : kind === 'vitals' ? plan.vitalsMinutes : plan.testMinutes;
    // The point's staff work as one counter that many times as fast: the scheduler calls one patient at a time at a point.
    this.#agenda.add(this.#now + Math.max(1, Math.round((minutes / point.staffed.staff) * 60)) * 1000, { kind: 'served', pointId, tokenId: called.id });
  }

  /** A patient served at a point goes on to the next stage: vitals or the doctor after registration, the doctor after vitals and the lab. */
  async #served(pointId: string, tokenId: string): Promise<void> {
    const point = this.#points.get(pointId)!;
    point.busy = false;
    const token = this.#tokens.get(tokenId)!;
    if (token.status === 'CHECKED_IN' && this.#queueOf.get(tokenId) === pointId) {
      const kind = point.staffed.point.kind;
      const to = kind === 'registration' && this.#input.journeys![token.patientIndex]!.route === WITH_VITALS ? 'vitals' : DOCTOR_QUEUE;
      await this.#opd.forward(tokenId, { to, actor: pointId });
      await this.#settle();
      if (to === DOCTOR_QUEUE) await this.#nextPatient(token.doctorId);
    }
    await this.#callAtPoint(pointId);
  }

  /**
   * Follows a patient into a queue (`into`: a point's id or the doctor's), counting it when the
   * simulation saw them in another queue (`from`, the one they should leave, `undefined` for none).
   */
  #enterQueue(token: TokenTrack, from: string | undefined, into: string, at: number): void {
    if (this.#queueOf.get(token.id) !== from) this.#journeyCounts.twoQueues++;
    this.#leaveQueue(token);
    this.#queueOf.set(token.id, into);
    if (into === DOCTOR_QUEUE) this.#doctors.get(token.doctorId)!.checkedIn.add(token.id);
    else {
      const point = this.#points.get(into)!;
      point.waiting.add(token.id);
      // A busy point calls its next patient when it is done with this one (`#served`).
      if (!point.busy) this.#agenda.add(at, { kind: 'point', pointId: into });
    }
  }

  /** The patient leaves the queue they wait in, if any. */
  #leaveQueue(token: TokenTrack): void {
    const queue = this.#queueOf.get(token.id);
    if (queue === undefined) return;
    this.#queueOf.delete(token.id);
    if (queue === DOCTOR_QUEUE) this.#doctors.get(token.doctorId)!.checkedIn.delete(token.id);
    else this.#points.get(queue)!.waiting.delete(token.id);
  }

  #currentToken(index: number): TokenTrack | undefined {
    const id = this.#patients[index]!.tokenId;
    return id === null ? undefined : this.#tokens.get(id);
  }

  /** Applies the events of the last call, records the steps of what changed, and lets patients react. */
  async #settle(): Promise<void> {
    const events = this.#pending;
    if (events.length === 0) return;
    this.#pending = [];
    // Only a token joining a waiting list can raise the number waiting for a slot: then ask the
    // scheduler which tokens each slot could take (its `SlotView.waitlist`). Most calls have
    // neither such a token nor a change of room: their sets are never made.
    let waitlisted: Set<string> | undefined;
    let changed: Set<string> | undefined;
    for (const e of events) {
      if (e.type === 'token:waitlisted') (waitlisted ??= new Set()).add(e.doctorId);
      if (!KEEPS_ROOM.has(e.type)) (changed ??= new Set()).add(e.doctorId);
    }
    for (const doctorId of waitlisted ?? []) {
      for (const view of (await this.#opd.getSchedule(doctorId, this.#day)).slots) {
        const slot = this.#slots.get(view.slot.id)!;
        slot.peakEligible = Math.max(slot.peakEligible, view.waitlist.length);
      }
    }
    // Filled and read without a pause (nothing else runs meanwhile): the same sets each time.
    const touchedSlots = this.#touchedSlots;
    const touchedDoctors = this.#touchedDoctors;
    const touchedTokens = this.#touchedTokens;
    touchedSlots.clear();
    touchedDoctors.clear();
    touchedTokens.clear();
    for (const event of events) this.#apply(event, touchedSlots, touchedDoctors, touchedTokens);
    for (const slot of touchedSlots) {
      step(slot.places, this.#now, slot.placesNow);
      step(slot.waiting, this.#now, slot.waitingNow);
      slot.peakPlaces = Math.max(slot.peakPlaces, slot.placesNow);
      slot.peakWaiting = Math.max(slot.peakWaiting, slot.waitingNow);
      if (slot.placesNow > slot.plan.capacity + slot.allowance) this.#overbookings++;
    }
    for (const doctor of touchedDoctors) {
      step(doctor.waiting, this.#now, doctor.waitingNow);
      doctor.peakWaiting = Math.max(doctor.peakWaiting, doctor.waitingNow);
    }
    for (const token of touchedTokens) this.#react(token);
    if (changed !== undefined) await this.#checkEmergencies(changed);
  }

  /**
   * Emergency safety, checked from outside after every call: no emergency waits while a usable
   * slot of its doctor's day has room for it by the preset's own rules. Checked for the doctors
   * whose day the call changed (`touched`) by anything but moving a patient along their visit
   * ({@link KEEPS_ROOM}): room opens only by a change of the day's places (a place given back, a
   * capacity raised), never by the clock nor by a patient checking in, being called, seen or sent
   * to another queue, so a day the call left alone keeps its verdict.
   */
  async #checkEmergencies(touched: ReadonlySet<string>): Promise<void> {
    if (this.#waitingEmergencies.size === 0) return;
    const doctors = new Set<string>();
    for (const id of this.#waitingEmergencies) {
      const doctorId = this.#tokens.get(id)!.doctorId;
      if (touched.has(doctorId)) doctors.add(doctorId);
    }
    for (const doctorId of doctors) {
      const schedule = await this.#opd.getSchedule(doctorId, this.#day);
      for (const token of schedule.waitlist) {
        if (!this.#waitingEmergencies.has(token.id)) continue;
        this.#emergencyChecks++;
        const room = emergencyRoom(this.#input.preset, schedule, token, this.#now);
        if (room !== null)
          this.#emergencyViolations.push(`#${token.tokenNumber} (${schedule.doctor.name}) waited at ${clock(this.#now)} while the day had ${room}`);
      }
    }
  }

  /** What a present patient does when their token changes: report to the doctor's room, or wait (with limited patience). */
  #react(token: TokenTrack): void {
    const patient = this.#patients[token.patientIndex]!;
    if (!patient.present || patient.tokenId !== token.id) return;
    if (token.status === 'BOOKED' && token.place !== null) {
      patient.waitingSince = null;
      // Patients report at the doctor's room around their slot's start (or at once, if it started);
      // an emergency, at the hospital already, goes to the doctor at once, whatever its slot.
      const start = this.#slots.get(token.place)!.plan.start;
      const reportAt = token.category === 'EMERGENCY' ? this.#now : start + this.#input.patients[token.patientIndex]!.checkInMinutes * MINUTE;
      this.#agenda.add(Math.max(this.#now, reportAt), { kind: 'check-in', tokenId: token.id, slotId: token.place });
    } else if (token.status === 'WAITLISTED' && patient.waitingSince === null) {
      patient.waitingSince = this.#now;
      const patience = this.#input.patients[token.patientIndex]!.patienceMinutes;
      if (Number.isFinite(patience))
        this.#agenda.add(this.#now + patience * MINUTE, { kind: 'give-up', patient: token.patientIndex, tokenId: token.id, since: this.#now });
    } else if (token.status === 'DROPPED' || token.status === 'CANCELLED' || token.status === 'NO_SHOW') {
      patient.present = false;
    }
  }

  #apply(e: OpdEvent, slots: Set<SlotTrack>, doctors: Set<DoctorTrack>, tokens: Set<TokenTrack>): void {
    const at = e.at.getTime();
    if (e.type === 'slot:closed') {
      const slot = this.#slots.get(e.slotId)!;
      slot.closedAt = at;
      slot.closedReason = e.reason;
      this.#markers.push({ at, kind: 'closed', doctorId: e.doctorId, slotId: e.slotId, text: `slot closed: ${e.reason ?? 'no reason given'}` });
      return;
    }
    if (e.type === 'slot:reopened') {
      const slot = this.#slots.get(e.slotId)!;
      slot.closedAt = null;
      slot.closedReason = null;
      return;
    }
    if (e.type === 'slot:capacity-changed') return;
    if (e.type === 'token:moved' && e.fromTokenId !== e.tokenId) {
      // Reassigned to a colleague: the patient's token there replaces the old one, now cancelled.
      const old = this.#tokens.get(e.fromTokenId)!;
      if (old.place !== null) {
        const from = this.#slots.get(old.place)!;
        from.placesNow--;
        slots.add(from);
      }
      old.status = 'CANCELLED';
      old.place = null;
      const moved: TokenTrack = {
        ...old,
        id: e.tokenId,
        doctorId: e.doctorId,
        tokenNumber: e.tokenNumber,
        status: 'BOOKED',
        place: e.toSlotId,
        waitingFor: null,
        lastSlot: e.toSlotId,
        bumps: 0,
      };
      this.#tokens.set(moved.id, moved);
      const to = this.#slots.get(e.toSlotId)!;
      to.placesNow++;
      slots.add(to);
      const patient = this.#patients[old.patientIndex]!;
      if (patient.tokenId === old.id) patient.tokenId = moved.id;
      this.#followEmergency(old, 'token:cancelled');
      tokens.add(old);
      tokens.add(moved);
      this.#markers.push({
        at,
        kind: 'cascade',
        doctorId: e.doctorId,
        slotId: e.toSlotId,
        text: `#${moved.tokenNumber} (${moved.category}) moved here from ${slotLabel(e.fromSlotId ?? '')} of a colleague on leave`,
      });
      return;
    }
    // The simulation manages no doctors: nothing of theirs to follow.
    if (e.type === 'doctor:updated' || e.type === 'doctor:retired' || e.type === 'day:closed') return;
    // Nor leases to desks: they hold places, not tokens.
    if (e.type === 'lease:granted' || e.type === 'lease:returned' || e.type === 'lease:expired') return;
    // Nor a doctor's pause: it moves estimates, not tokens.
    if (e.type === 'doctor:paused' || e.type === 'doctor:resumed') return;
    // A follow-up's or a series' own events: its tokens' events tell their story.
    if (
      e.type === 'followup:booked' ||
      e.type === 'followup:due' ||
      e.type === 'followup:cancelled' ||
      e.type === 'series:booked' ||
      e.type === 'series:cancelled'
    )
      return;
    if (e.type === 'entitlement:opened' || e.type === 'entitlement:used' || e.type === 'entitlement:returned' || e.type === 'entitlement:expired') return;
    // The simulation follows its one day: a patient carried to a later day is followed no further.
    if (e.day !== this.#day) return;
    const token = this.#token(e);
    tokens.add(token);
    if (e.type === 'emergency:unplaced') {
      this.#counted.unplaced++;
      return;
    }
    const answerIn = this.#offers?.observe(e, token.category, (slotId) => this.#slots.get(slotId)!.plan.start) ?? null;
    if (answerIn !== null && e.type === 'token:offered') this.#agenda.add(at + answerIn * MINUTE, { kind: 'answer', offerId: e.offerId });
    this.#followEmergency(token, e.type);
    switch (e.type) {
      case 'token:booked':
        token.status = 'BOOKED';
        this.#place(token, slots, e.slotId);
        if (e.overflow) {
          this.#slots.get(e.slotId)!.elasticBookings++;
          this.#markers.push({ at, kind: 'elastic', doctorId: e.doctorId, slotId: e.slotId, text: `${labelOf(token)} took an elastic place` });
        }
        return;
      case 'token:waitlisted':
        token.status = 'WAITLISTED';
        this.#place(token, slots, null);
        this.#wait(token, slots, doctors, e.waitingForSlotId ?? DAY_WAITLIST);
        return;
      case 'token:bumped': {
        const by = this.#tokens.get(e.byTokenId);
        token.bumps++;
        this.#counted.bumps++;
        this.#slots.get(e.fromSlotId)!.bumpedOut++;
        this.#place(token, slots, null);
        this.#markers.push({
          at,
          kind: 'bump',
          doctorId: e.doctorId,
          slotId: e.fromSlotId,
          text: `${labelOf(token)} bumped by ${by === undefined ? 'a new token' : `#${by.tokenNumber} (${by.category})`}`,
        });
        return;
      }
      case 'token:cascaded':
        this.#counted.cascades++;
        token.status = 'BOOKED';
        this.#place(token, slots, e.toSlotId);
        this.#markers.push({
          at,
          kind: 'cascade',
          doctorId: e.doctorId,
          slotId: e.toSlotId,
          text: `${labelOf(token)} moved here from ${slotLabel(e.fromSlotId)} (${e.reason})`,
        });
        return;
      case 'token:promoted':
        this.#counted.promotions++;
        token.status = 'BOOKED';
        this.#wait(token, slots, doctors, null);
        this.#place(token, slots, e.slotId);
        this.#markers.push({ at, kind: 'promotion', doctorId: e.doctorId, slotId: e.slotId, text: `${labelOf(token)} promoted from the waiting list` });
        return;
      case 'token:dropped':
        this.#counted.drops++;
        token.status = 'DROPPED';
        this.#place(token, slots, null);
        this.#markers.push({ at, kind: 'drop', doctorId: e.doctorId, slotId: e.fromSlotId, text: `${labelOf(token)} dropped: nowhere to go (${e.reason})` });
        return;
      case 'token:cancelled':
        token.status = 'CANCELLED';
        this.#leaveQueue(token);
        this.#wait(token, slots, doctors, null);
        this.#place(token, slots, null);
        return;
      case 'token:no-show':
        token.status = 'NO_SHOW';
        this.#slots.get(e.slotId)!.noShows++;
        this.#place(token, slots, null);
        return;
      case 'token:checked-in': {
        token.status = 'CHECKED_IN';
        const first = this.#routing.get(token.id);
        this.#routing.delete(token.id);
        if (first !== undefined) this.#journeyCounts.routed++;
        this.#enterQueue(token, undefined, first ?? DOCTOR_QUEUE, at);
        return;
      }
      case 'token:forwarded':
        this.#journeyCounts.forwards++;
        if (e.to.kind === 'lab') this.#journeyCounts.toLab++;
        if (e.reentry !== null) this.#journeyCounts.back++;
        // From the doctor's room (in consultation) the patient was in no queue.
        this.#enterQueue(
          token,
          token.status === 'IN_CONSULTATION' ? undefined : (e.from.servicePointId ?? DOCTOR_QUEUE),
          e.to.servicePointId ?? DOCTOR_QUEUE,
          at,
        );
        token.status = 'CHECKED_IN';
        return;
      case 'token:consultation-started':
        token.status = 'IN_CONSULTATION';
        // The first consultation: a patient back from the lab was seen already.
        token.consultStart ??= at;
        this.#leaveQueue(token);
        return;
      case 'token:completed':
        token.status = 'COMPLETED';
        this.#slots.get(e.slotId)!.seen++;
        return;
      case 'token:held':
        if (token.wayIn === 'scan-share') this.#rails.shares++;
        else if (token.wayIn === 'uhi') this.#rails.uhiInits++;
        else this.#holds.made++;
        token.status = 'HELD';
        this.#place(token, slots, e.slotId);
        return;
      case 'token:confirmed':
        if (token.wayIn === 'scan-share') this.#rails.shareConfirmed++;
        else if (token.wayIn === 'uhi') this.#rails.uhiConfirmed++;
        else this.#holds.confirmed++;
        token.status = 'BOOKED';
        return;
      case 'token:expired':
        if (e.reason === 'day-closed') {
          this.#closeOut.expired++;
        } else if (token.wayIn === 'scan-share') this.#rails.shareExpired++;
        else if (token.wayIn === 'uhi') this.#rails.uhiExpired++;
        else this.#holds.expired++;
        token.status = 'CANCELLED';
        this.#leaveQueue(token);
        this.#wait(token, slots, doctors, null);
        this.#place(token, slots, null);
        return;
      case 'token:carried':
        this.#closeOut.carried++;
        token.status = 'CANCELLED';
        this.#leaveQueue(token);
        this.#wait(token, slots, doctors, null);
        this.#place(token, slots, null);
        return;
      case 'token:released':
        if (token.wayIn === 'scan-share') this.#rails.shareReleased++;
        else if (token.wayIn === 'uhi') this.#rails.uhiReleased++;
        else this.#holds.released++;
        token.status = 'CANCELLED';
        this.#place(token, slots, null);
        return;
      case 'token:moved':
        // Pulled forward by an offer it accepted: the same token, an earlier slot of the day.
        token.status = 'BOOKED';
        this.#place(token, slots, e.toSlotId);
        this.#markers.push({
          at,
          kind: 'promotion',
          doctorId: e.doctorId,
          slotId: e.toSlotId,
          text: `${labelOf(token)} took an offered place, from ${slotLabel(e.fromSlotId ?? '')}`,
        });
        return;
      case 'token:offer-accepted':
        if (e.fromSlotId === null)
          this.#markers.push({ at, kind: 'promotion', doctorId: e.doctorId, slotId: e.slotId, text: `${labelOf(token)} accepted an offered place` });
        return;
      case 'token:offered':
      case 'token:offer-declined':
      case 'token:offer-lapsed':
      case 'token:offer-withdrawn':
        return;
    }
  }

  /** The token takes place `slotId` (`null`: none), leaving the one it had. */
  #place(token: TokenTrack, slots: Set<SlotTrack>, slotId: string | null): void {
    if (token.place !== null) {
      const from = this.#slots.get(token.place)!;
      from.placesNow--;
      slots.add(from);
    }
    token.place = slotId;
    if (slotId !== null) {
      const to = this.#slots.get(slotId)!;
      to.placesNow++;
      slots.add(to);
      token.lastSlot = slotId;
    }
  }

  /** The token waits for `waitingFor` (a slot, the day's list; `null`: for nothing), leaving what it waited for. */
  #wait(token: TokenTrack, slots: Set<SlotTrack>, doctors: Set<DoctorTrack>, waitingFor: string | null): void {
    if (token.waitingFor !== null) this.#waitCount(token.waitingFor, token.doctorId, -1, slots, doctors);
    token.waitingFor = waitingFor;
    if (waitingFor !== null) this.#waitCount(waitingFor, token.doctorId, +1, slots, doctors);
  }

  #followEmergency(token: TokenTrack, type: OpdEvent['type']): void {
    if (token.category !== 'EMERGENCY') return;
    if (type === 'token:waitlisted') this.#waitingEmergencies.add(token.id);
    else this.#waitingEmergencies.delete(token.id);
  }

  /** Counts a token joining (+1) or leaving (−1) a waiting list: the doctor's count covers every list of the day. */
  #waitCount(waitingFor: string, doctorId: string, delta: number, slots: Set<SlotTrack>, doctors: Set<DoctorTrack>): void {
    const doctor = this.#doctors.get(doctorId)!;
    doctor.waitingNow += delta;
    doctors.add(doctor);
    if (waitingFor !== DAY_WAITLIST) {
      const slot = this.#slots.get(waitingFor)!;
      slot.waitingNow += delta;
      slots.add(slot);
    }
  }

  /** The token an event is about; a token seen for the first time is the one being booked. */
  #token(e: Extract<OpdEvent, { tokenId: string }>): TokenTrack {
    const known = this.#tokens.get(e.tokenId);
    if (known !== undefined) return known;
    const booking = this.#booking;
    // A sweep books a follow-up that was due into a place of today: its patient comes back today.
    const adopted = booking === null && e.type === 'token:booked' ? this.#adopt(e.tokenId, e.doctorId, e.tokenNumber, e.slotId) : null;
    if (adopted !== null) return adopted;
    if (booking === null) throw new Error(`An event about an unknown token ${e.tokenId} outside a booking`);
    const token: TokenTrack = {
      id: e.tokenId,
      doctorId: e.doctorId,
      patientIndex: booking.patient,
      category: booking.category,
      tokenNumber: e.tokenNumber,
      requestedAt: booking.requestedAt,
      presentAt: booking.desk ? booking.requestedAt : Math.max(booking.requestedAt, this.#input.patients[booking.patient]!.arrivesAt ?? booking.requestedAt),
      age: this.#input.patients[booking.patient]!.age,
      wayIn: booking.wayIn,
      status: 'WAITLISTED',
      place: null,
      waitingFor: null,
      lastSlot: null,
      bumps: 0,
      consultStart: null,
      estimatedAtBooking: null,
    };
    this.#tokens.set(e.tokenId, token);
    return token;
  }
}

/** The key of a doctor-day waiting list in {@link TokenTrack.waitingFor}. */
export const DAY_WAITLIST = '(day)';

/** Appends a step, replacing a step at the same instant. */
function step(series: Array<readonly [number, number]>, at: number, value: number): void {
  const last = series[series.length - 1];
  if (last !== undefined && last[0] === at) series[series.length - 1] = [at, value];
  else if (last === undefined || last[1] !== value) series.push([at, value]);
}

/** `HH:MM` of a slot id such as `sharma-0900`. */
export function slotLabel(slotId: string): string {
  const hhmm = slotId.slice(-4);
  return `${hhmm.slice(0, 2)}:${hhmm.slice(2)}`;
}

/** An effect without its sequence number, to compare a dry run with the real call. */
function describeEffect(e: Effect): string {
  const { seq: _seq, at, ...rest } = e;
  return JSON.stringify({ ...rest, at: at.getTime() });
}
