/**
 * The mixed day of `npm run bench` and `npm run bench:ab`: one OPD day of the day simulation's
 * hospital (`examples/day-simulation`, scenario `hospital`, standard preset with its channel
 * quota), its patients drawn from a seed, driven through the public API of `opd-scheduler` on the
 * in-memory store as a hospital's desks would drive it: portal bookings of a chosen slot (else
 * the next with room), desk registrations, paid patients' holds and their confirmations (or the
 * hold left to expire), emergencies into the slot in progress (elastic places, bumps and their
 * cascades), waitlists and promotions, cancellations, patients giving up, check-ins,
 * consultations, a sweep every five minutes (no-shows, expired holds) and the early leave of a
 * few doctors (`closeSlots` with a dry run first). Late patients marked no-show register again
 * at the desk.
 *
 * Only the calls are timed: the scenario, the patients, the scheduler with its doctors and slots
 * and the agenda are made first. A listener follows the events (as a display board or an SMS
 * sender would), which also tells the driver what became of each token. Everything is
 * deterministic: the same seed and size give the same calls and the same counts, in any tree
 * whose rules are the same (`npm run bench:ab` checks that both trees' counts agree).
 */
import { isOpdError, OpdScheduler, type BookingRequest, type BuiltInCategory, type OpdEvent, type OpdSchedulerOptions } from 'opd-scheduler';
import { Agenda } from '../examples/day-simulation/agenda.js';
import { drawPatients, type PatientPlan } from '../examples/day-simulation/arrivals.js';
import { GRACE_MINUTES, HOLD_MINUTES, policyFor, simulationQuota } from '../examples/day-simulation/policies.js';
import { buildScenario, departmentId, type DoctorPlan } from '../examples/day-simulation/scenarios.js';
import { MINUTE, TIME_ZONE } from '../examples/day-simulation/time.js';

/** What the mix produced, counted from the events and the calls. */
export interface MixCounts {
  /** Public calls made (each counted once, refused or not). */
  readonly operations: number;
  /** Requests for a token: first requests and registrations again at the desk. */
  readonly requests: number;
  readonly booked: number;
  readonly elastic: number;
  readonly bumps: number;
  readonly cascades: number;
  readonly waitlisted: number;
  readonly promotions: number;
  readonly holds: number;
  readonly confirmed: number;
  readonly expired: number;
  readonly cancels: number;
  readonly noShows: number;
  readonly completed: number;
  readonly closedSlots: number;
  readonly moved: number;
  readonly dropped: number;
  /** Requests refused (`SLOT_FULL`, `SLOT_CLOSED`, `SLOT_ENDED` on every attempt). */
  readonly refused: number;
}

/** One timed day. */
export interface MixedDayRun {
  readonly counts: MixCounts;
  /** Wall time of the calls, ns. */
  readonly elapsedNs: number;
  /** CPU time (user + system) of the process over the calls, ns. */
  readonly cpuNs: number;
}

type Action =
  | { readonly kind: 'request'; readonly patient: number; readonly category: BuiltInCategory; readonly desk: boolean }
  | { readonly kind: 'arrive' | 'cancel'; readonly patient: number }
  | { readonly kind: 'give-up'; readonly patient: number; readonly tokenId: string; readonly since: number }
  | { readonly kind: 'check-in'; readonly tokenId: string; readonly slotId: string }
  | { readonly kind: 'doctor'; readonly doctorId: string }
  | { readonly kind: 'complete'; readonly doctorId: string; readonly tokenId: string }
  | { readonly kind: 'pay'; readonly tokenId: string }
  | { readonly kind: 'leave'; readonly doctorId: string }
  | { readonly kind: 'sweep' };

interface TokenState {
  readonly patient: number;
  readonly doctorId: string;
  status: string;
  slotId: string | null;
}

interface DoctorState {
  readonly plan: DoctorPlan;
  readonly startsAt: number;
  busy: boolean;
  /** Checked-in tokens, in the order they checked in. */
  readonly checkedIn: Set<string>;
}

interface PatientState {
  present: boolean;
  tokenId: string | null;
  /** Since when the patient has waited without a place, or `null`. */
  waitingSince: number | null;
  reRegistered: boolean;
}

const SWEEP_EVERY_MINUTES = 5;
const REFUSALS = new Set(['SLOT_FULL', 'SLOT_CLOSED', 'SLOT_ENDED']);

/**
 * Runs one mixed day of a hospital of `doctors` doctors (the simulation's 200-doctor hospital
 * scaled, keeping its department mix), patients drawn from `seed`.
 */
export async function mixedDay(doctors: number, seed: number, atEnd?: (opd: OpdScheduler) => Promise<void>): Promise<MixedDayRun> {
  return new Day(doctors, seed).run(atEnd);
}

/** The options the mixed day's scheduler runs with (a replay of its history runs with them too). */
export function mixedDayOptions(): Omit<OpdSchedulerOptions, 'clock'> {
  return { ...policyFor('standard', 'standard'), quota: simulationQuota(), timeZone: TIME_ZONE, noShowGraceMinutes: GRACE_MINUTES };
}

class Day {
  readonly #opd: OpdScheduler;
  readonly #agenda = new Agenda<Action>();
  readonly #plans: readonly PatientPlan[];
  readonly #doctorPlans: readonly DoctorPlan[];
  readonly #day: string;
  readonly #slotStart = new Map<string, number>();
  readonly #closed = new Set<string>();
  readonly #doctors = new Map<string, DoctorState>();
  readonly #tokens = new Map<string, TokenState>();
  readonly #patients: PatientState[];
  /** Tokens some event of the last call concerned. */
  readonly #touched = new Set<TokenState>();
  /** The patient whose request is being made: a token first seen in its events is theirs. */
  #asking = -1;
  #now: number;
  readonly #counts = {
    operations: 0,
    requests: 0,
    booked: 0,
    elastic: 0,
    bumps: 0,
    cascades: 0,
    waitlisted: 0,
    promotions: 0,
    holds: 0,
    confirmed: 0,
    expired: 0,
    cancels: 0,
    noShows: 0,
    completed: 0,
    closedSlots: 0,
    moved: 0,
    dropped: 0,
    refused: 0,
  };

  constructor(doctors: number, seed: number) {
    const scenario = buildScenario('hospital', seed, doctors);
    this.#plans = drawPatients(scenario, seed);
    this.#doctorPlans = scenario.doctors;
    this.#day = scenario.day;
    this.#now = scenario.startsAt;
    this.#patients = this.#plans.map(() => ({ present: false, tokenId: null, waitingSince: null, reRegistered: false }));
    this.#opd = new OpdScheduler({ ...mixedDayOptions(), clock: () => new Date(this.#now) });
  }

  async run(atEnd?: (opd: OpdScheduler) => Promise<void>): Promise<MixedDayRun> {
    try {
      await this.#prepare();
      this.#opd.on('event', (event) => this.#follow(event));
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      for (let next = this.#agenda.take(); next !== undefined; next = this.#agenda.take()) {
        this.#now = next.at;
        await this.#handle(next.item);
      }
      const elapsedNs = Number(process.hrtime.bigint() - started);
      const cpu = process.cpuUsage(cpuBefore);
      await atEnd?.(this.#opd);
      return { counts: { ...this.#counts }, elapsedNs, cpuNs: (cpu.user + cpu.system) * 1000 };
    } finally {
      await this.#opd.close();
    }
  }

  async #prepare(): Promise<void> {
    for (const doctor of this.#doctorPlans) {
      await this.#opd.addDoctor({ id: doctor.id, name: doctor.name, department: departmentId(doctor.department), consultMinutes: doctor.consultMinutes });
      await this.#opd.addSlots(
        doctor.id,
        doctor.slots.map((s) => ({ id: s.id, start: new Date(s.start), end: new Date(s.end), capacity: s.capacity, overflowCapacity: s.overflowCapacity })),
      );
      for (const slot of doctor.slots) {
        this.#slotStart.set(slot.id, slot.start);
        this.#agenda.add(slot.start, { kind: 'doctor', doctorId: doctor.id });
      }
      const startsAt = doctor.slots[0]!.start + doctor.lateMinutes * MINUTE;
      this.#doctors.set(doctor.id, { plan: doctor, startsAt, busy: false, checkedIn: new Set() });
      this.#agenda.add(startsAt, { kind: 'doctor', doctorId: doctor.id });
      if (doctor.leave !== null) this.#agenda.add(doctor.leave.announceAt, { kind: 'leave', doctorId: doctor.id });
    }
    this.#plans.forEach((p, i) => {
      this.#agenda.add(p.requestAt, { kind: 'request', patient: i, category: p.category, desk: false });
      if (p.arrivesAt !== null && p.arrivesAt > p.requestAt) this.#agenda.add(p.arrivesAt, { kind: 'arrive', patient: i });
      if (p.cancelAt !== null) this.#agenda.add(p.cancelAt, { kind: 'cancel', patient: i });
    });
    const starts = this.#doctorPlans.map((d) => d.slots[0]!.start);
    const ends = this.#doctorPlans.flatMap((d) => d.slots.map((s) => s.end));
    const last = Math.max(...ends) + (GRACE_MINUTES + SWEEP_EVERY_MINUTES) * MINUTE;
    for (let t = Math.min(...starts) + SWEEP_EVERY_MINUTES * MINUTE; t <= last; t += SWEEP_EVERY_MINUTES * MINUTE) this.#agenda.add(t, { kind: 'sweep' });
  }

  async #handle(action: Action): Promise<void> {
    switch (action.kind) {
      case 'request':
        return this.#request(action.patient, action.category, action.desk);
      case 'arrive':
        return this.#arrive(action.patient);
      case 'cancel': {
        const token = this.#tokenOf(action.patient);
        if (token === undefined || !(token.status === 'WAITLISTED' || token.status === 'BOOKED' || token.status === 'CHECKED_IN')) return;
        return this.#call(() => this.#opd.cancel(this.#patients[action.patient]!.tokenId!, { reason: 'cancelled' }));
      }
      case 'give-up': {
        const token = this.#tokens.get(action.tokenId);
        const patient = this.#patients[action.patient]!;
        if (token?.status !== 'WAITLISTED' || patient.tokenId !== action.tokenId || patient.waitingSince !== action.since) return;
        return this.#call(() => this.#opd.cancel(action.tokenId, { reason: 'left after waiting without a place' }));
      }
      case 'check-in': {
        const token = this.#tokens.get(action.tokenId);
        if (token?.status !== 'BOOKED' || token.slotId !== action.slotId || !this.#patients[token.patient]!.present) return;
        await this.#call(() => this.#opd.checkIn(action.tokenId));
        return this.#nextPatient(token.doctorId);
      }
      case 'doctor':
        return this.#nextPatient(action.doctorId);
      case 'complete':
        await this.#call(() => this.#opd.complete(action.tokenId));
        this.#doctors.get(action.doctorId)!.busy = false;
        return this.#nextPatient(action.doctorId);
      case 'pay':
        if (this.#tokens.get(action.tokenId)?.status !== 'HELD') return;
        return this.#call(() => this.#opd.confirm(action.tokenId));
      case 'leave':
        return this.#leave(action.doctorId);
      case 'sweep':
        return this.#call(() => this.#opd.sweep());
    }
  }

  /** Makes one public call, then lets the patients its events concern react. */
  async #call(call: () => Promise<unknown>): Promise<void> {
    this.#counts.operations++;
    await call();
    this.#settle();
  }

  /** As the simulation asks: a held place for a paid patient, a chosen slot (else the next with room), the slot in progress for an emergency. */
  async #request(index: number, category: BuiltInCategory, desk: boolean): Promise<void> {
    const plan = this.#plans[index]!;
    const patient = this.#patients[index]!;
    this.#counts.requests++;
    if (!desk && plan.arrivesAt !== null && plan.arrivesAt <= plan.requestAt) patient.present = true;
    const doctor = this.#doctors.get(plan.doctorId)!.plan;
    const base: BookingRequest = { doctorId: plan.doctorId, category, patient: { id: plan.id, name: `Patient ${plan.id}`, age: plan.age }, date: this.#day };
    const attempts: BookingRequest[] = [];
    if (!desk && plan.preferredSlot !== null) {
      const slot = doctor.slots[plan.preferredSlot]!;
      const key = `${plan.id}-${category.toLowerCase()}`;
      attempts.push({ ...base, slotId: slot.id, idempotencyKey: key }, { ...base, after: new Date(slot.start), idempotencyKey: `${key}-later` });
    } else if (category === 'EMERGENCY') {
      const target = doctor.slots.find((s) => this.#now < s.end && !this.#closed.has(s.id));
      if (target !== undefined) attempts.push({ ...base, slotId: target.id });
      attempts.push(base);
    } else {
      attempts.push(base);
    }
    this.#asking = index;
    try {
      if (category === 'PAID' && !desk) {
        for (const { idempotencyKey, ...request } of attempts) {
          const held = await this.#refusable(() =>
            this.#opd.hold({ ...request, holdMinutes: HOLD_MINUTES, ...(idempotencyKey === undefined ? {} : { idempotencyKey: `${idempotencyKey}-hold` }) }),
          );
          if (held === undefined) continue;
          patient.tokenId = held.token.id;
          this.#settle();
          if (plan.payMinutes !== null) this.#agenda.add(this.#now + plan.payMinutes * MINUTE, { kind: 'pay', tokenId: held.token.id });
          return;
        }
      }
      for (const request of attempts) {
        const result = await this.#refusable(() => this.#opd.book(request));
        if (result === undefined) continue;
        patient.tokenId = result.token.id;
        this.#settle();
        return;
      }
      this.#counts.refused++;
    } finally {
      this.#asking = -1;
    }
  }

  /** One call that may be refused for want of room: `undefined` then. */
  async #refusable<T>(call: () => Promise<T>): Promise<T | undefined> {
    this.#counts.operations++;
    try {
      return await call();
    } catch (error) {
      if (isOpdError(error) && REFUSALS.has(error.code)) return undefined;
      throw error;
    }
  }

  /** An online patient reaches the hospital; refused on the portal, or already a no-show, they register at the desk. */
  async #arrive(index: number): Promise<void> {
    const patient = this.#patients[index]!;
    patient.present = true;
    const token = this.#tokenOf(index);
    if (token === undefined || token.status === 'NO_SHOW') {
      if (!patient.reRegistered) {
        patient.reRegistered = true;
        await this.#request(index, 'WALK_IN', true);
      }
      return;
    }
    this.#react(token, this.#patients[index]!.tokenId!);
  }

  /** The doctor, if free, calls the next checked-in patient whose slot has started: emergencies first, then in the order they checked in. */
  async #nextPatient(doctorId: string): Promise<void> {
    const doctor = this.#doctors.get(doctorId)!;
    if (doctor.busy || this.#now < doctor.startsAt) return;
    let next: string | undefined;
    for (const id of doctor.checkedIn) {
      const token = this.#tokens.get(id)!;
      if (token.slotId === null || this.#slotStart.get(token.slotId)! > this.#now) continue;
      if (next === undefined || this.#plans[token.patient]!.category === 'EMERGENCY') next = id;
      if (this.#plans[token.patient]!.category === 'EMERGENCY') break;
    }
    if (next === undefined) return;
    const tokenId = next;
    await this.#call(() => this.#opd.startConsultation(tokenId));
    doctor.busy = true;
    const plan = this.#plans[this.#tokens.get(tokenId)!.patient]!;
    const ms = Math.max(1, Math.round(doctor.plan.consultMinutes * plan.consultFactor * 60)) * 1000;
    this.#agenda.add(this.#now + ms, { kind: 'complete', doctorId, tokenId });
  }

  /** The doctor leaves early: a dry run of the leave, then the leave, patients offered to colleagues of the department first. */
  async #leave(doctorId: string): Promise<void> {
    const plan = this.#doctors.get(doctorId)!.plan;
    const leave = plan.leave!;
    const first = plan.slots[leave.fromSlot];
    const last = plan.slots.at(-1);
    if (first === undefined || last === undefined || last.end <= this.#now) return;
    const window = { from: new Date(Math.max(first.start, this.#now)), to: new Date(last.end), reason: leave.reason, reassign: 'department' as const };
    await this.#call(() => this.#opd.closeSlots(doctorId, { ...window, dryRun: true }));
    await this.#call(() => this.#opd.closeSlots(doctorId, window));
  }

  #tokenOf(index: number): TokenState | undefined {
    const id = this.#patients[index]!.tokenId;
    return id === null ? undefined : this.#tokens.get(id);
  }

  /** Follows one event: a token's status and place, the doctors' rooms, the counts. */
  #follow(e: OpdEvent): void {
    if (e.type === 'slot:closed') {
      this.#counts.closedSlots++;
      this.#closed.add(e.slotId);
      return;
    }
    if (!('tokenId' in e)) return;
    if (e.type === 'token:moved' && e.fromTokenId !== e.tokenId) {
      // Reassigned to a colleague: a new token there, the old one cancelled.
      this.#counts.moved++;
      const old = this.#tokens.get(e.fromTokenId)!;
      old.status = 'CANCELLED';
      old.slotId = null;
      const moved: TokenState = { patient: old.patient, doctorId: e.doctorId, status: 'BOOKED', slotId: e.toSlotId };
      this.#tokens.set(e.tokenId, moved);
      const patient = this.#patients[old.patient]!;
      if (patient.tokenId === e.fromTokenId) patient.tokenId = e.tokenId;
      this.#touched.add(moved);
      return;
    }
    let token = this.#tokens.get(e.tokenId);
    if (token === undefined) {
      if (this.#asking < 0) throw new Error(`an event about an unknown token outside a request: ${e.type}`);
      token = { patient: this.#asking, doctorId: e.doctorId, status: 'WAITLISTED', slotId: null };
      this.#tokens.set(e.tokenId, token);
    }
    this.#touched.add(token);
    const c = this.#counts;
    switch (e.type) {
      case 'token:booked':
        c.booked++;
        if (e.overflow) c.elastic++;
        token.status = 'BOOKED';
        token.slotId = e.slotId;
        return;
      case 'token:waitlisted':
        c.waitlisted++;
        token.status = 'WAITLISTED';
        token.slotId = null;
        return;
      case 'token:bumped':
        c.bumps++;
        token.slotId = null;
        return;
      case 'token:moved':
        token.status = 'BOOKED';
        token.slotId = e.toSlotId;
        return;
      case 'token:cascaded':
        c.cascades++;
        token.status = 'BOOKED';
        token.slotId = e.toSlotId;
        return;
      case 'token:promoted':
        c.promotions++;
        token.status = 'BOOKED';
        token.slotId = e.slotId;
        return;
      case 'token:dropped':
        c.dropped++;
        token.status = 'DROPPED';
        token.slotId = null;
        return;
      case 'token:cancelled':
        c.cancels++;
        this.#doctors.get(e.doctorId)!.checkedIn.delete(e.tokenId);
        token.status = 'CANCELLED';
        token.slotId = null;
        return;
      case 'token:no-show':
        c.noShows++;
        token.status = 'NO_SHOW';
        token.slotId = null;
        return;
      case 'token:checked-in':
        token.status = 'CHECKED_IN';
        this.#doctors.get(e.doctorId)!.checkedIn.add(e.tokenId);
        return;
      case 'token:consultation-started':
        token.status = 'IN_CONSULTATION';
        this.#doctors.get(e.doctorId)!.checkedIn.delete(e.tokenId);
        return;
      case 'token:completed':
        c.completed++;
        token.status = 'COMPLETED';
        return;
      case 'token:held':
        c.holds++;
        token.status = 'HELD';
        token.slotId = e.slotId;
        return;
      case 'token:confirmed':
        c.confirmed++;
        token.status = 'BOOKED';
        return;
      case 'token:expired':
      case 'token:released':
        if (e.type === 'token:expired') c.expired++;
        token.status = 'CANCELLED';
        token.slotId = null;
        return;
      default:
        return;
    }
  }

  /** Lets the present patients whose tokens the last call changed react to them. */
  #settle(): void {
    for (const token of this.#touched) {
      const id = this.#patients[token.patient]!.tokenId;
      if (id !== null && this.#tokens.get(id) === token) this.#react(token, id);
    }
    this.#touched.clear();
  }

  /** A present patient with a place reports at the doctor's room around the slot's start; one without waits, with limited patience. */
  #react(token: TokenState, tokenId: string): void {
    const patient = this.#patients[token.patient]!;
    if (!patient.present) return;
    const plan = this.#plans[token.patient]!;
    if (token.status === 'BOOKED' && token.slotId !== null) {
      patient.waitingSince = null;
      const reportAt = this.#slotStart.get(token.slotId)! + plan.checkInMinutes * MINUTE;
      this.#agenda.add(Math.max(this.#now, reportAt), { kind: 'check-in', tokenId, slotId: token.slotId });
    } else if (token.status === 'WAITLISTED' && patient.waitingSince === null) {
      patient.waitingSince = this.#now;
      if (Number.isFinite(plan.patienceMinutes)) {
        this.#agenda.add(this.#now + plan.patienceMinutes * MINUTE, { kind: 'give-up', patient: token.patient, tokenId, since: this.#now });
      }
    } else if (token.status === 'DROPPED' || token.status === 'CANCELLED' || token.status === 'NO_SHOW') {
      patient.present = false;
    }
  }
}
