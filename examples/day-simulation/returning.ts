/**
 * Patients who come back, over the days of a `--days` run: a share of the patients seen are told
 * to come back in a week or two (`bookFollowUp` at the end of their consultation), dialysis
 * patients keep their chair three times a week (`bookSeries`), and a charged consultation gives
 * free revisits (the `followUps` option, `complete(tokenId, { charged: true })`).
 *
 * The days of such a run share one scheduler and one store (a follow-up books a later day's
 * place), the slots published ahead as a hospital publishes its rota. Everything random here is
 * drawn from streams of its own, forked by token id, so the patients of each day are what they
 * are without coming back.
 */
import { type OpdEvent, OpdScheduler, type OpdSchedulerOptions, type StorageAdapter } from 'opd-scheduler';
import type { PatientPlan } from './arrivals.js';
import { Random } from './random.js';
import { departmentId, type Scenario } from './scenarios.js';
import { addDoctor, addSlots, type Returning, type SharedScheduler } from './simulate.js';
import { DAY_MS, MINUTE } from './time.js';

/** How patients come back (`--follow-up-days`, the free revisits, the dialysis chairs). */
export interface ComeBackPlan {
  /** The share of the patients seen (first visits) told to come back. */
  readonly share: number;
  /** Told to come back this many days later, drawn evenly from `[min, max]`. */
  readonly afterDays: readonly [number, number];
  /** Any day of `[due − windowDays, due + windowDays]` will do. */
  readonly windowDays: number;
}

/** The plan unless the flags say otherwise: 15% come back in 7 to 14 days, a day either side. */
export const COME_BACK: ComeBackPlan = { share: 0.15, afterDays: [7, 14], windowDays: 1 };

/** The hospital's free revisits (the `followUps` option): one free visit within 14 days, in the department. */
export const FREE_REVISITS = { freeWithinDays: 14, freeVisits: 1, scope: 'department' } as const;

/** Dialysis: the department that runs the chairs, patients per doctor of it, and the days of the week (from the run's first day). */
export const DIALYSIS = { department: 'Nephrology', patientsPerDoctor: 2, weekdays: [0, 2, 4], weeksPerCourse: 2 } as const;

/** Days of the rota published ahead of the day running: as far as a follow-up may reach, and a dialysis course. */
export function publishedAhead(afterDays: readonly [number, number], windowDays: number): number {
  return Math.max(afterDays[1] + windowDays, 7 * DIALYSIS.weeksPerCourse);
}

/** "come back in 7–14 days", "in 1 day": the days a patient is told to come back after. */
export function comeBackIn(afterDays: readonly [number, number]): string {
  const [min, max] = afterDays;
  return `${min === max ? min : `${min}–${max}`} day${max === 1 ? '' : 's'}`;
}

/** Share of returning patients who never come (their token is swept as a no-show). */
const NEVER_COME = 0.06;

/** What coming back did over the run, counted from the scheduler's events. */
export interface ReturnFigures {
  /** Patients told to come back (`bookFollowUp` called). */
  readonly followUpsAsked: number;
  /** Follow-ups booked (`followup:booked`), at once or by a later sweep. */
  readonly followUpsBooked: number;
  /** Follow-ups with no place in their window when asked (`followup:due`). */
  readonly followUpsDue: number;
  /** Follow-ups still due (no place yet) at the end (`dueFollowUps()`). */
  readonly followUpsStillDue: number;
  /** Follow-up tokens seen on a later day of the run (`token:completed`). */
  readonly followUpsSeen: number;
  /** Follow-up tokens whose patient never came (`token:no-show`). */
  readonly followUpsMissed: number;
  /** Follow-ups booked for a day after the run's last. */
  readonly followUpsAfterRun: number;
  /** Series occurrences booked for a day after the run's last (a course runs on). */
  readonly seriesAfterRun: number;
  /** Series booked (`series:booked`): one per dialysis patient, weekday and course. */
  readonly series: number;
  /** Occurrences booked by those series. */
  readonly seriesOccurrences: number;
  /** Occurrences without a place (`best-effort` names them). */
  readonly seriesSkipped: number;
  /** Occurrences kept: the patient was seen (`token:completed`). */
  readonly seriesKept: number;
  /** Occurrences missed (`token:no-show`). */
  readonly seriesMissed: number;
  /** Consultations completed as charged (`complete(tokenId, { charged: true })`). */
  readonly charged: number;
  /** Free revisits: entitlements opened, visits used, given back and entitlements expired. */
  readonly entitlementsOpened: number;
  readonly entitlementsUsed: number;
  readonly entitlementsReturned: number;
  readonly entitlementsExpired: number;
}

interface Visit {
  readonly kind: 'follow-up' | 'series';
  readonly patientId: string;
  readonly age: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * One scheduler for every day of a run, with the returning patients it books: publishes the
 * rota ahead, books the dialysis courses, and gives each day its returning patients.
 */
export class ReturningPatients {
  readonly #opd: OpdScheduler;
  readonly #time = { now: 0 };
  readonly #seed: number;
  readonly #plan: ComeBackPlan;
  readonly #scenarioOf: (n: number) => Scenario;
  readonly #first: Scenario;
  /** Days whose slots are published. */
  #publishedTo = -1;
  /** Patients told to come back, by the token of their visit. */
  readonly #asked = new Map<string, Visit>();
  /** Tokens booked for returning patients, by token id; and their ids by day. */
  readonly #visits = new Map<string, Visit>();
  readonly #byDay = new Map<string, string[]>();
  readonly #counts: Mutable<Omit<ReturnFigures, 'followUpsStillDue' | 'followUpsAfterRun' | 'seriesAfterRun'>> = {
    followUpsAsked: 0,
    followUpsBooked: 0,
    followUpsDue: 0,
    followUpsSeen: 0,
    followUpsMissed: 0,
    series: 0,
    seriesOccurrences: 0,
    seriesSkipped: 0,
    seriesKept: 0,
    seriesMissed: 0,
    charged: 0,
    entitlementsOpened: 0,
    entitlementsUsed: 0,
    entitlementsReturned: 0,
    entitlementsExpired: 0,
  };
  #lastDay = '';
  #events = 0;

  /**
   * @param options the scheduler's options for the run (the day's options, without store and clock)
   * @param first the scenario's first day, every doctor of it (their days off included)
   * @param scenarioOf day `n` of the run (as `scenarioOfDay` draws it)
   */
  constructor(
    options: Omit<OpdSchedulerOptions, 'storage' | 'clock' | 'followUps'>,
    storage: StorageAdapter,
    seed: number,
    plan: ComeBackPlan,
    first: Scenario,
    scenarioOf: (n: number) => Scenario,
  ) {
    this.#opd = new OpdScheduler({ ...options, followUps: FREE_REVISITS, storage, clock: () => new Date(this.#time.now) });
    this.#opd.on('event', (event) => this.#count(event));
    this.#seed = seed;
    this.#plan = plan;
    this.#scenarioOf = scenarioOf;
    this.#first = first;
  }

  /** The scheduler the days share, and its clock. */
  get shared(): SharedScheduler {
    return { opd: this.#opd, time: this.#time };
  }

  /**
   * Gets day `n` ready: its rota (and that of the days a follow-up may reach) published, the
   * dialysis courses of its fortnight booked, and its patients' ids made unique in the run
   * (a patient id stays one patient's over the days: the free revisits read it).
   */
  async dayBefore(n: number, scenario: Scenario, patients: readonly PatientPlan[]): Promise<{ patients: PatientPlan[]; returning: Returning }> {
    this.#time.now = scenario.startsAt;
    this.#lastDay = scenario.day;
    await this.#publish(n + publishedAhead(this.#plan.afterDays, this.#plan.windowDays));
    if (n % (7 * DIALYSIS.weeksPerCourse) === 0) await this.#bookDialysis(n);
    const tag = scenario.day.replaceAll('-', '');
    const plans = patients.map((p) => ({ ...p, id: `${p.id}-${tag}` }));
    const visits = new Map<number, string>();
    const returning: Returning = {
      booked: [...(this.#byDay.get(scenario.day) ?? [])],
      adopt: (tokenId, doctorId, slotStart) => {
        const visit = this.#visits.get(tokenId);
        if (visit === undefined) return null;
        plans.push(this.#returningPlan(tokenId, visit, doctorId, slotStart, scenario));
        visits.set(plans.length - 1, tokenId);
        return plans.length - 1;
      },
      seen: (tokenId, patient) => {
        const charged = !visits.has(patient);
        if (charged) this.#counts.charged++;
        if (!charged || !new Random(this.#seed).fork(`come-back/${tokenId}`).chance(this.#plan.share)) return { charged, comeBackAfterDays: null };
        const plan = plans[patient]!;
        this.#asked.set(tokenId, { kind: 'follow-up', patientId: plan.id, age: plan.age });
        this.#counts.followUpsAsked++;
        const [min, max] = this.#plan.afterDays;
        return { charged, comeBackAfterDays: new Random(this.#seed).fork(`come-back-days/${tokenId}`).int(min, max) };
      },
      windowDays: this.#plan.windowDays,
    };
    return { patients: plans, returning };
  }

  /** Events the scheduler has emitted so far, over the run. */
  get events(): number {
    return this.#events;
  }

  /** What coming back has done so far (without what is still due). */
  counts(): Readonly<Omit<ReturnFigures, 'followUpsStillDue' | 'followUpsAfterRun' | 'seriesAfterRun'>> {
    return { ...this.#counts };
  }

  /** What coming back did over the run, with what is still due at the end. */
  async figures(): Promise<ReturnFigures> {
    const afterRun = { 'follow-up': 0, series: 0 };
    for (const [day, ids] of this.#byDay) if (day > this.#lastDay) for (const id of ids) afterRun[this.#visits.get(id)!.kind]++;
    return {
      ...this.#counts,
      followUpsStillDue: (await this.#opd.dueFollowUps()).length,
      followUpsAfterRun: afterRun['follow-up'],
      seriesAfterRun: afterRun.series,
    };
  }

  async close(): Promise<void> {
    await this.#opd.close();
  }

  /** Publishes the doctors (once) and the slots of every day up to `to`. */
  async #publish(to: number): Promise<void> {
    if (this.#publishedTo < 0) for (const doctor of this.#first.doctors) await addDoctor(this.#opd, doctor);
    for (let m = this.#publishedTo + 1; m <= to; m++) for (const doctor of this.#scenarioOf(m).doctors) await addSlots(this.#opd, doctor);
    this.#publishedTo = Math.max(this.#publishedTo, to);
  }

  /**
   * The dialysis chairs: each patient has a course of `weeksPerCourse` weeks, one weekly series
   * per weekday of theirs, in the department (any of its doctors), booked at the course's start.
   */
  async #bookDialysis(n: number): Promise<void> {
    const doctors = this.#first.doctors.filter((d) => d.department === DIALYSIS.department).length;
    const department = departmentId(DIALYSIS.department);
    for (let p = 0; p < doctors * DIALYSIS.patientsPerDoctor; p++) {
      const patient = { id: `DIAL-${String(p + 1).padStart(3, '0')}`, name: `Dialysis patient ${p + 1}`, age: 40 + ((p * 7) % 35) };
      for (const weekday of DIALYSIS.weekdays) {
        const start = n + weekday;
        const result = await this.#opd.bookSeries({
          patient,
          department,
          category: 'FOLLOW_UP',
          start: this.#dayOf(start),
          every: { weeks: 1 },
          count: DIALYSIS.weeksPerCourse,
          mode: 'best-effort',
          idempotencyKey: `dialysis-${patient.id}-${start}`,
          actor: 'dialysis-desk',
        });
        this.#counts.seriesOccurrences += result.tokens.length;
        this.#counts.seriesSkipped += result.occurrences.length - result.tokens.length;
        for (const token of result.tokens) this.#remember(token.id, token.day, { kind: 'series', patientId: patient.id, age: patient.age });
      }
    }
  }

  /** The local date of day `n` of the run. */
  #dayOf(n: number): string {
    return this.#opd.dayOf(new Date(this.#first.startsAt + n * DAY_MS));
  }

  #remember(tokenId: string, day: string, visit: Visit): void {
    this.#visits.set(tokenId, visit);
    const ids = this.#byDay.get(day);
    if (ids === undefined) this.#byDay.set(day, [tokenId]);
    else ids.push(tokenId);
  }

  /** A returning patient's day, drawn from a stream of the token's own: when they come, how long they are seen. */
  #returningPlan(tokenId: string, visit: Visit, doctorId: string, slotStart: number, scenario: Scenario): PatientPlan {
    const rng = new Random(this.#seed).fork(`returning/${tokenId}`);
    const comes = !rng.chance(NEVER_COME);
    const arrivesAt = Math.round(slotStart - rng.uniform(5, 40) * MINUTE);
    return {
      id: visit.patientId,
      doctorId,
      category: 'FOLLOW_UP',
      age: visit.age,
      requestAt: scenario.startsAt,
      preferredSlot: null,
      arrivesAt: comes ? Math.floor(arrivesAt / 1000) * 1000 : null,
      checkInMinutes: rng.uniform(-10, 10),
      cancelAt: null,
      patienceMinutes: 150,
      consultFactor: rng.lognormal(1, 0.35),
      payMinutes: null,
      wayIn: 'portal',
      wayInMinutes: null,
    };
  }

  /** Counts what the scheduler reports, and remembers the follow-ups booked. */
  #count(e: OpdEvent): void {
    this.#events++;
    switch (e.type) {
      case 'followup:booked': {
        this.#counts.followUpsBooked++;
        const visit = this.#asked.get(e.fromTokenId);
        if (visit !== undefined) this.#remember(e.toTokenId, e.toDay, visit);
        return;
      }
      case 'followup:due':
        this.#counts.followUpsDue++;
        return;
      case 'series:booked':
        this.#counts.series++;
        return;
      case 'entitlement:opened':
        this.#counts.entitlementsOpened++;
        return;
      case 'entitlement:used':
        this.#counts.entitlementsUsed++;
        return;
      case 'entitlement:returned':
        this.#counts.entitlementsReturned++;
        return;
      case 'entitlement:expired':
        this.#counts.entitlementsExpired++;
        return;
      case 'token:completed':
      case 'token:no-show': {
        const visit = this.#visits.get(e.tokenId);
        if (visit === undefined) return;
        if (visit.kind === 'follow-up') this.#counts[e.type === 'token:completed' ? 'followUpsSeen' : 'followUpsMissed']++;
        else this.#counts[e.type === 'token:completed' ? 'seriesKept' : 'seriesMissed']++;
        return;
      }
      default:
        return;
    }
  }
}
