/**
 * The visit as a journey through the hospital's service points: a registration counter and a
 * vitals station per department, one lab for the hospital. Most patients register, have their
 * vitals taken and see the doctor; a share are sent to the lab by the doctor for a point-of-care
 * test and come back with the result (re-entering the doctor's queue by the scheduler's default `ReturnAhead`).
 * Emergencies go straight to the doctor, and so do UHI patients, who check in with their PIN
 * (their app registered them). Every draw comes from a stream of its own.
 */
import type { ServicePoint } from 'opd-scheduler';
import type { PatientPlan } from './arrivals.js';
import { Random } from './random.js';
import { departmentId, type Scenario } from './scenarios.js';

/** The route of most patients: registration, vitals, the doctor, and the lab and back if sent. */
export const WITH_VITALS = 'with-vitals';
/** The route of the others: registration, the doctor, and the lab and back if sent. */
export const DIRECT = 'direct';

/** The visit routes (stages a patient does not need are skipped by forwarding past them). */
export const ROUTES = {
  [WITH_VITALS]: ['registration', 'vitals', 'doctor', 'lab', 'doctor'],
  [DIRECT]: ['registration', 'doctor', 'lab', 'doctor'],
} as const;

/** The shares and service times of the journeys (minutes). */
export const JOURNEY = {
  /** Patients whose vitals are taken before the doctor. */
  vitalsShare: 0.85,
  /** Patients the doctor sends to the lab, who come back with the report. */
  labShare: 0.25,
  /** Minutes a clerk takes to register a patient. */
  registration: [1, 3],
  /** Minutes a nurse takes for the vitals. */
  vitals: [2, 5],
  /** Minutes of a point-of-care test (blood sugar, haemoglobin, urine): the sample taken and the result read while the patient waits at the lab. */
  test: [5, 12],
  /** The second consultation, reading the report, as a share of the first. */
  returnFactor: 0.5,
  /**
   * Registration and vitals are staffed for their arrivals: counters enough that, at the day's
   * mean rate of requests (the doctors' expected requests over their hours; at vitals, the share
   * on that route), the clerks and nurses are busy at most this share of the time, leaving room
   * for the morning's bunching.
   */
  staffLoad: 0.7,
  /** Doctors one technician tests for. */
  doctorsPerTechnician: 2,
} as const;

/** One patient's journey, drawn before the day (whether they need it or not). */
export interface JourneyPlan {
  readonly route: typeof WITH_VITALS | typeof DIRECT;
  /** Whether the doctor sends them to the lab. */
  readonly lab: boolean;
  /** Minutes of one member of staff's work at each point. */
  readonly registrationMinutes: number;
  readonly vitalsMinutes: number;
  readonly testMinutes: number;
}

/** A service point with its staff: the scheduler calls one patient at a time at a point, so its staff work as one counter, that many times as fast. */
export interface StaffedPoint {
  readonly point: ServicePoint;
  readonly staff: number;
}

/**
 * The service points of the scenario's hospital: registration and vitals per department, one lab.
 * A department's registration and vitals have counters for their arrivals (see `JOURNEY.staffLoad`):
 * its doctors' expected requests an hour (at vitals, the share on that route), times the point's
 * mean minutes, over the staff's load.
 */
export function servicePoints(scenario: Scenario): StaffedPoint[] {
  const departments = new Map<string, { perHour: number }>();
  for (const d of scenario.doctors) {
    const hours = d.slots.length === 0 ? 1 : (Math.max(...d.slots.map((s) => s.end)) - Math.min(...d.slots.map((s) => s.start))) / 3_600_000;
    departments.set(departmentId(d.department), { perHour: (departments.get(departmentId(d.department))?.perHour ?? 0) + d.expectedRequests / hours });
  }
  const mean = ([min, max]: readonly [number, number]): number => (min + max) / 2;
  const staffFor = (perHour: number, minutes: number): number => Math.max(1, Math.ceil((perHour * minutes) / 60 / JOURNEY.staffLoad));
  const points: StaffedPoint[] = [];
  for (const [department, { perHour }] of [...departments].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    points.push({ point: { id: `registration-${department}`, kind: 'registration', department }, staff: staffFor(perHour, mean(JOURNEY.registration)) });
    points.push({ point: { id: `vitals-${department}`, kind: 'vitals', department }, staff: staffFor(perHour * JOURNEY.vitalsShare, mean(JOURNEY.vitals)) });
  }
  points.push({ point: { id: 'lab', kind: 'lab' }, staff: Math.ceil(scenario.doctors.length / JOURNEY.doctorsPerTechnician) });
  return points;
}

/** Draws every patient's journey from a stream of its own: five draws per patient, so every other draw of the seed is what it was. */
export function drawJourneys(scenario: Scenario, patients: readonly PatientPlan[], seed: number): JourneyPlan[] {
  const rng = new Random(seed).fork(`journeys/${scenario.patientsKey}`);
  const within = ([min, max]: readonly [number, number], u: number): number => min + u * (max - min);
  return patients.map(() => {
    const [route, lab, registration, vitals, test] = [rng.next(), rng.next(), rng.next(), rng.next(), rng.next()];
    return {
      route: route < JOURNEY.vitalsShare ? WITH_VITALS : DIRECT,
      lab: lab < JOURNEY.labShare,
      registrationMinutes: within(JOURNEY.registration, registration),
      vitalsMinutes: within(JOURNEY.vitals, vitals),
      testMinutes: within(JOURNEY.test, test),
    };
  });
}

/** What the journeys did in a day, counted by the simulation from the events. */
export interface JourneyFigures {
  /** Patients checked in on a route (at registration). */
  readonly routed: number;
  /** Patients sent to the lab by the doctor. */
  readonly toLab: number;
  /** Patients back from the lab in the doctor's queue. */
  readonly back: number;
  /** Forwards (`token:forwarded`). */
  readonly forwards: number;
  /** Calls at service points (`callNext({ servicePoint })`). */
  readonly pointCalls: number;
  /** Times an event put a patient in a queue while the simulation saw them in another (or a forward left a queue they were not in): must be 0. */
  readonly twoQueues: number;
}
