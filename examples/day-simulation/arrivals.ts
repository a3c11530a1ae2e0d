import type { BuiltInCategory } from 'opd-scheduler';
import { Random } from './random.js';
import type { DoctorPlan, Scenario } from './scenarios.js';
import { MINUTE } from './time.js';

/**
 * One patient's day, drawn in advance from the seed. Everything random about a patient is
 * decided here, before any policy runs, so that `--compare` replays exactly the same patients
 * through every preset.
 */
export interface PatientPlan {
  /** Hospital patient id (UHID); the only patient identifier ever printed. */
  readonly id: string;
  readonly doctorId: string;
  readonly category: BuiltInCategory;
  readonly age: number;
  /** When the request reaches the scheduler (portal, registration desk or emergency). */
  readonly requestAt: number;
  /**
   * The slot asked for (index in the doctor's slots): chosen on the portal (online, follow-up) or
   * bought at the desk (paid); `null` for the earliest with room (walk-in) or the slot in progress (emergency).
   */
  readonly preferredSlot: number | null;
  /** When the patient is at the hospital; `null` if they never come. Desk patients are there when they ask. */
  readonly arrivesAt: number | null;
  /** When a patient in the hospital reports at the doctor's room, in minutes from their slot's start. */
  readonly checkInMinutes: number;
  /** When the patient cancels (online) or gives up and leaves (desk), if they do. */
  readonly cancelAt: number | null;
  /** How long the patient waits on the premises without a place before leaving (emergencies: forever). */
  readonly patienceMinutes: number;
  /** Length of the consultation as a multiple of the doctor's minutes per patient. */
  readonly consultFactor: number;
  /**
   * Paid patients: minutes after their place is held until they pay and it is confirmed; `null`
   * for a paid patient who never pays (the hold expires) and for every other category.
   */
  readonly payMinutes: number | null;
  /**
   * How the patient gets their token: at the registration `desk`, by ABDM `scan-share` (a desk
   * walk-in who scans the counter's QR), on the hospital's `portal`, or through a `uhi` app (an
   * online patient). Drawn from a stream of its own, so every other draw stays what it was.
   */
  readonly wayIn: WayIn;
  /**
   * Scan & Share patients: minutes from the scan until they reach the counter, which confirms their
   * token. UHI patients: minutes from `init` until they `confirm`, or `null` for one who never
   * confirms (the init expires). `null` for every other way in.
   */
  readonly wayInMinutes: number | null;
}

/** How a patient gets their token (see {@link PatientPlan.wayIn}). */
export type WayIn = 'desk' | 'scan-share' | 'portal' | 'uhi';

/**
 * The shares of the national rails. ABDM reported 1.3 lakh Scan & Share tokens a day at 5,435
 * facilities in June 2024, about 24 per facility per day; at an OPD registering a few hundred
 * walk-ins a day that is about one walk-in in ten. No per-facility UHI figure is published: one
 * online booking in ten through a UHI app, and one of those in ten never confirms,
 * stand for an early rollout. Scenarios carry their own ({@link Scenario.waysIn}).
 */
export interface WaysIn {
  /** The share of desk walk-ins who scan the counter's QR (ABDM Scan & Share). */
  readonly scanShare: number;
  /** The share of online patients who book through a UHI app. */
  readonly uhi: number;
  /** The share of UHI inits never confirmed: their hold expires after 15 minutes. */
  readonly uhiUnconfirmed: number;
}

/** The shares every scenario uses unless it says otherwise. */
export const WAYS_IN: WaysIn = { scanShare: 0.1, uhi: 0.1, uhiUnconfirmed: 0.1 };

/** Scan & Share patients reach the counter within this many minutes of the scan (less than the token's 30-minute validity). */
export const COUNTER_WITHIN_MINUTES = 20;
/** UHI patients who confirm do so within this many minutes of `init` (less than its 15-minute hold). */
export const UHI_CONFIRM_WITHIN_MINUTES = 10;

/**
 * The category mix at an Indian government hospital OPD with an online registration system,
 * apart from emergencies, whose share depends on the department.
 */
const CATEGORY_MIX: ReadonlyArray<readonly [BuiltInCategory, number]> = [
  ['WALK_IN', 0.48],
  ['ONLINE', 0.32],
  ['FOLLOW_UP', 0.13],
  ['PAID', 0.07],
];

/** The share of paid patients whose place is held but who never pay. */
const NEVER_PAY = 0.1;
/** Paid patients who pay do so within this many minutes of the hold (less than the hold lasts). */
export const PAY_WITHIN_MINUTES = 6;

/** Draws every patient of the scenario, in request order, with ids `P00001`, `P00002`, … */
export function drawPatients(scenario: Scenario, seed: number): PatientPlan[] {
  const root = new Random(seed).fork(`arrivals/${scenario.patientsKey}`);
  const drafts: Array<Omit<PatientPlan, 'id' | 'payMinutes' | 'wayIn' | 'wayInMinutes'> & { order: number }> = [];
  for (const doctor of scenario.doctors) {
    const rng = root.fork(doctor.id);
    const count = rng.poisson(doctor.expectedRequests);
    for (let i = 0; i < count; i++) drafts.push({ ...drawPatient(rng, doctor, scenario.startsAt), order: drafts.length });
    for (const burst of doctor.bursts) {
      for (let i = 0; i < burst.count; i++) {
        const at = wholeSecond(burst.at + rng.uniform(0, 15) * MINUTE);
        drafts.push({ ...drawPatient(rng, doctor, scenario.startsAt, 'EMERGENCY'), requestAt: at, arrivesAt: at, order: drafts.length });
      }
    }
  }
  drafts.sort((a, b) => a.requestAt - b.requestAt || a.order - b.order);
  // Payments come from their own stream, so that the other draws stay what they were.
  const payments = root.fork('payments');
  // So do the ways in: three draws for every patient, whatever the category.
  const ways = root.fork('ways-in');
  const shares = scenario.waysIn;
  return drafts.map(({ order: _order, ...draft }, i) => {
    const [way, late, minutes] = [ways.next(), ways.next(), ways.next()];
    let wayIn: WayIn = draft.category === 'ONLINE' || draft.category === 'FOLLOW_UP' ? 'portal' : 'desk';
    let wayInMinutes: number | null = null;
    if (draft.category === 'WALK_IN' && way < shares.scanShare) {
      wayIn = 'scan-share';
      wayInMinutes = 1 + Math.floor(minutes * COUNTER_WITHIN_MINUTES);
    } else if (draft.category === 'ONLINE' && way < shares.uhi) {
      wayIn = 'uhi';
      wayInMinutes = late < shares.uhiUnconfirmed ? null : 1 + Math.floor(minutes * UHI_CONFIRM_WITHIN_MINUTES);
    }
    return {
      id: `P${String(i + 1).padStart(5, '0')}`,
      ...draft,
      payMinutes: draft.category === 'PAID' && !payments.chance(NEVER_PAY) ? payments.int(1, PAY_WITHIN_MINUTES) : null,
      wayIn,
      wayInMinutes,
    };
  });
}

function drawPatient(
  rng: Random,
  doctor: DoctorPlan,
  startsAt: number,
  only?: BuiltInCategory,
): Omit<PatientPlan, 'id' | 'payMinutes' | 'wayIn' | 'wayInMinutes'> {
  const category =
    only ??
    rng.weighted<BuiltInCategory>([...CATEGORY_MIX.map(([c, w]) => [c, w * (1 - doctor.emergencyShare)] as const), ['EMERGENCY', doctor.emergencyShare]]);
  const slots = doctor.slots;
  const open = slots[0]!.start;
  const close = slots[slots.length - 1]!.end;
  const age = drawAge(rng, doctor);
  const consultFactor = Math.min(4, Math.max(0.3, rng.lognormal(category === 'EMERGENCY' ? 1.6 : category === 'FOLLOW_UP' ? 0.8 : 1, 0.45)));
  // Emergencies never give up: a waiting emergency stays until the policy finds it a place.
  const patienceDraw = Math.round(rng.uniform(45, 150));
  const patienceMinutes = category === 'EMERGENCY' ? Number.POSITIVE_INFINITY : patienceDraw;
  const checkInMinutes = Math.round(rng.uniform(-10, 8));
  const base = { doctorId: doctor.id, category, age, consultFactor, patienceMinutes, checkInMinutes };

  if (category === 'ONLINE' || category === 'FOLLOW_UP') {
    // Booked ahead for a chosen slot (online on the portal, which opens at 06:00, or a follow-up
    // given at the last visit): a rush at opening, mostly for the early slots.
    const preferredSlot = rng.weighted(slots.map((_, i) => [i, 1 / (i + 1.5)] as const));
    const slotStart = slots[preferredSlot]!.start;
    const latest = slotStart - 30 * MINUTE;
    let requestAt = startsAt + rng.exponential(50) * MINUTE;
    if (requestAt > latest) requestAt = rng.uniform(startsAt, latest);
    requestAt = wholeSecond(requestAt);
    if (rng.chance(category === 'ONLINE' ? 0.08 : 0.05)) {
      const cancelAt = wholeSecond(rng.uniform(requestAt + 5 * MINUTE, slotStart - 15 * MINUTE));
      return { ...base, requestAt, preferredSlot, arrivesAt: null, cancelAt };
    }
    const fate = rng.weighted([
      ['on-time', category === 'ONLINE' ? 0.8 : 0.86],
      ['no-show', category === 'ONLINE' ? 0.14 : 0.1],
      ['late', 0.06],
    ] as const);
    // Those who book shortly before their slot still need 20 minutes to get to the hospital.
    const arrivesAt =
      fate === 'no-show'
        ? null
        : wholeSecond(fate === 'late' ? slotStart + rng.uniform(16, 45) * MINUTE : Math.max(requestAt + 20 * MINUTE, slotStart - rng.uniform(10, 45) * MINUTE));
    return { ...base, requestAt, preferredSlot, arrivesAt, cancelAt: null };
  }

  let requestAt: number;
  if (category === 'EMERGENCY') requestAt = rng.uniform(open - 15 * MINUTE, close - 15 * MINUTE);
  else if (category === 'PAID') requestAt = rng.uniform(open - 90 * MINUTE, close - 90 * MINUTE);
  else requestAt = deskArrival(rng, open, close);
  requestAt = wholeSecond(requestAt);
  // Paid priority buys a fixed time: the next slot that starts at least a quarter of an hour later.
  const next = category === 'PAID' ? slots.findIndex((s) => s.start >= requestAt + 15 * MINUTE) : -1;
  const leaves = category !== 'EMERGENCY' && rng.chance(0.04);
  const cancelAt = leaves ? requestAt + Math.round(rng.uniform(30, 150)) * MINUTE : null;
  return { ...base, requestAt, preferredSlot: next === -1 ? null : next, arrivesAt: requestAt, cancelAt };
}

/**
 * Registration-desk arrivals: a trickle from 90 minutes before the OPD opens, the peak in the
 * registration window (30 minutes before opening to 90 minutes after: 08:30–10:30 for a 09:00
 * start), then fewer until registration closes 45 minutes before the last slot ends.
 */
function deskArrival(rng: Random, open: number, close: number): number {
  const pieces: ReadonlyArray<readonly [readonly [number, number], number]> = [
    [[open - 90 * MINUTE, open - 30 * MINUTE], 0.6],
    [[open - 30 * MINUTE, open + 90 * MINUTE], 3],
    [[open + 90 * MINUTE, close - 120 * MINUTE], 1.2],
    [[close - 120 * MINUTE, close - 45 * MINUTE], 0.4],
  ];
  const weighted = pieces.filter(([[a, b]]) => b > a).map(([[a, b], rate]) => [[a, b], rate * (b - a)] as const);
  const [a, b] = rng.weighted(weighted);
  return rng.uniform(a, b);
}

function drawAge(rng: Random, doctor: DoctorPlan): number {
  const { children, childShare, seniorShare } = doctor.ages;
  if (children) return rng.int(0, 14);
  const r = rng.next();
  if (r < childShare) return rng.int(1, 14);
  if (r < childShare + seniorShare) return Math.min(95, 60 + Math.floor(rng.exponential(8)));
  return rng.int(15, 59);
}

function wholeSecond(ms: number): number {
  return Math.round(ms / 1000) * 1000;
}
