/**
 * The pieces of the composition property and model suite (`composition.test.ts`,
 * `test/model/composition.test.ts`). Every option at once (DESIGN §11, "features compose"): random days of two facilities over one
 * store, each scheduler with offers (every `StagedOffers` setting drawn), a channel quota with a
 * reserve, booking windows, the duplicate rule at department-day, `closeOut.carryForward`, a
 * `FairCallOrder`, `notify`, retention, under a random preset — and calls of every kind: bookings
 * by doctor and by department, holds, confirmations and releases, moves, leaves (with and without
 * reassignment to the department), slots closed, reopened and resized, cancellations, no-shows,
 * check-ins, calls, answers to offers, days closed, erasures, purges, sweeps as the clock moves,
 * UHI orders (`opd-scheduler/abdm`: search, init, confirm, cancel, pushes), Scan & Share tokens,
 * leases of places to desks granted, returned and run out, doctors' pauses and resumes, visits as
 * journeys (check-ins on a route, forwards, calls at service points and of a pooled department),
 * follow-ups asked at the end of visits (the visit's doctor or the department) and cancelled,
 * series previewed (their places held), committed (all-or-nothing or best-effort) and cancelled,
 * consultations completed as charged under free revisits (`followUps`).
 * On memory, PGlite and (with DATABASE_URL) a PostgreSQL server. After every call:
 * - a slot's taken places (its tokens' places and its claims without a token) never pass its
 *   capacity plus the elastic places its capacity strategy grants, and the view counts each claim
 *   once (`free`, `overflowUsed` and `claimed` agree with the places and the claims listed);
 * - one place per patient: no patient holds two live tokens in the department on one day;
 * - no emergency waits while a usable slot it could take holds a place for an offer (a place
 *   leased to a desk is not one: the desk may have issued it);
 * - every offer ends at most once, and exactly once when its day is over and swept;
 * - facilities apart: every record and event a facility reads is its own;
 * - a pause never bumps: one that covers no slot's whole rest moves no token (every schedule and
 *   waitlist holds the same tokens in the same places) and every waiting place of the doctor's day
 *   is estimated no earlier than its end; one past a slot's end closes that slot first, by the
 *   leave's rule, whose invariants are those above;
 * - one queue at a time: a service point's queue holds only its own checked-in tokens, each in no
 *   other, and a point calls from its queue;
 * - a refused call changes nothing (its facility's schedules, waitlists and history);
 * - no follow-up is lost: each one asked is booked (one token), due, or cancelled by an actor;
 * - a free revisit is never used twice: the live tokens using one entitlement are at most its visits;
 * - what availability publishes is what a booking gets: a slot published available to a channel
 *   is booked by that channel's `book` at the same instant, any other slot is not (0 false-free,
 *   0 false-busy), and `$find` (`opd-scheduler/fhir`) proposes, and the SMART Scheduling Links
 *   feed (`bulkPublish`) publishes `free`, exactly the slots published available.
 */
import fc from 'fast-check';
import {
  ChannelQuota,
  FairCallOrder,
  isOpdError,
  OpdScheduler,
  ReturnAhead,
  type OpdEvent,
  StagedOffers,
  type StagedOffersOptions,
  type StorageAdapter,
  type Token,
} from 'opd-scheduler';
import { onProfileShare, UhiProvider } from 'opd-scheduler/abdm';
import { bulkPublish, findAppointments, type FhirProposedAppointment, type FhirPublishedSlot } from 'opd-scheduler/fhir';
import { OfflineDesk, type Lease } from 'opd-scheduler/desk';
import { expect } from 'vitest';
import { CATEGORIES, elasticGranted, PRESETS } from './support.js';

const DAYS = ['2026-01-30', '2026-01-31'] as const;
const HOURS = [9, 10] as const;
const DOCTORS = ['d1', 'd2'] as const;
export const FACILITIES = ['A', 'B'] as const;
export type Facility = (typeof FACILITIES)[number];
const LIVE = new Set(['BOOKED', 'HELD', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION']);
const OFFER_ENDS = new Set(['token:offer-accepted', 'token:offer-declined', 'token:offer-lapsed', 'token:offer-withdrawn']);

export type Op =
  | {
      readonly f: Facility;
      readonly op: 'book' | 'hold';
      readonly category: (typeof CATEGORIES)[number];
      readonly doctor: number;
      readonly day: number;
      readonly hour: number | null;
      readonly patient: number;
    }
  | { readonly f: Facility; readonly op: 'department'; readonly category: (typeof CATEGORIES)[number]; readonly day: number; readonly patient: number }
  | { readonly f: Facility; readonly op: 'cancel' | 'confirm' | 'release' | 'checkIn' | 'noShow' | 'start' | 'complete'; readonly pick: number }
  | { readonly f: Facility; readonly op: 'move'; readonly pick: number; readonly doctor: number; readonly day: number; readonly hour: number }
  | { readonly f: Facility; readonly op: 'leave'; readonly doctor: number; readonly day: number; readonly hour: number; readonly reassign: boolean }
  | { readonly f: Facility; readonly op: 'close' | 'reopen'; readonly doctor: number; readonly day: number; readonly hour: number }
  | { readonly f: Facility; readonly op: 'capacity'; readonly doctor: number; readonly day: number; readonly hour: number; readonly capacity: number }
  | { readonly f: Facility; readonly op: 'accept' | 'decline'; readonly pick: number }
  | { readonly f: Facility; readonly op: 'callNext'; readonly doctor: number }
  | { readonly f: Facility; readonly op: 'closeDay'; readonly doctor: number }
  | { readonly f: Facility; readonly op: 'erase'; readonly patient: number }
  | {
      readonly f: Facility;
      readonly op: 'probe';
      readonly category: (typeof CATEGORIES)[number];
      readonly doctor: number;
      readonly patient: number;
      readonly pick: number;
    }
  | { readonly f: Facility; readonly op: 'advance'; readonly minutes: number }
  | {
      readonly f: Facility;
      readonly op: 'uhi';
      readonly doctor: number;
      readonly patient: number;
      readonly pick: number;
      readonly confirm: boolean;
      readonly code: 'P1' | 'D2' | null;
    }
  | { readonly f: Facility; readonly op: 'share'; readonly counter: 'OPD' | 'DR'; readonly patient: number }
  | {
      readonly f: Facility;
      readonly op: 'lease';
      readonly desk: number;
      readonly doctor: number;
      readonly day: number;
      readonly places: number;
      readonly ttlMinutes: number;
    }
  | { readonly f: Facility; readonly op: 'returnLease'; readonly pick: number }
  | { readonly f: Facility; readonly op: 'pause'; readonly doctor: number; readonly minutes: number }
  | { readonly f: Facility; readonly op: 'resume'; readonly doctor: number }
  | { readonly f: Facility; readonly op: 'deskReconcile'; readonly pick: number; readonly patients: readonly number[] }
  | { readonly f: Facility; readonly op: 'manualRegister'; readonly rows: readonly ManualRow[] }
  | { readonly f: Facility; readonly op: 'routeIn'; readonly pick: number }
  | { readonly f: Facility; readonly op: 'forward'; readonly pick: number; readonly to: 'registration' | 'vitals' | 'lab' | 'doctor' }
  | { readonly f: Facility; readonly op: 'callPoint'; readonly point: 'reg' | 'vitals' | 'lab' }
  | { readonly f: Facility; readonly op: 'callPooled'; readonly doctor: number }
  | { readonly f: Facility; readonly op: 'followUp'; readonly pick: number; readonly windowDays: number; readonly department: boolean }
  | { readonly f: Facility; readonly op: 'cancelFollowUp'; readonly pick: number }
  | {
      readonly f: Facility;
      readonly op: 'series';
      readonly patient: number;
      readonly doctor: number | null;
      readonly count: number;
      readonly preview: boolean;
      readonly allOrNothing: boolean;
    }
  | { readonly f: Facility; readonly op: 'cancelSeries'; readonly pick: number; readonly fromSecond: boolean }
  | { readonly f: Facility; readonly op: 'chargedVisit'; readonly pick: number };

/** A line of a register written by hand: its number, the doctor, a slot or the day, the patient when named. */
interface ManualRow {
  readonly label: number;
  readonly doctor: number;
  readonly day: number;
  readonly hour: number | null;
  readonly category: (typeof CATEGORIES)[number];
  readonly patient: number | null;
}

const fArb = fc.constantFrom<Facility>('A', 'A', 'A', 'B');
const catArb = fc.constantFrom(...CATEGORIES);
const doctorArb = fc.nat(DOCTORS.length - 1);
const dayArb = fc.constantFrom(0, 0, 0, 1);
const hourArb = fc.nat(HOURS.length - 1);
const patientArb = fc.nat(11);
const pickArb = fc.nat(1000);
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 16,
    arbitrary: fc.record({
      f: fArb,
      op: fc.constantFrom('book' as const, 'book' as const, 'hold' as const),
      category: catArb,
      doctor: doctorArb,
      day: dayArb,
      hour: fc.option(hourArb, { nil: null }),
      patient: patientArb,
    }),
  },
  { weight: 3, arbitrary: fc.record({ f: fArb, op: fc.constant('department' as const), category: catArb, day: dayArb, patient: patientArb }) },
  { weight: 5, arbitrary: fc.record({ f: fArb, op: fc.constant('cancel' as const), pick: pickArb }) },
  {
    weight: 5,
    arbitrary: fc.record({
      f: fArb,
      op: fc.constantFrom('confirm' as const, 'release' as const, 'checkIn' as const, 'noShow' as const, 'start' as const, 'complete' as const),
      pick: pickArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ f: fArb, op: fc.constant('move' as const), pick: pickArb, doctor: doctorArb, day: dayArb, hour: hourArb }) },
  { weight: 1, arbitrary: fc.record({ f: fArb, op: fc.constant('leave' as const), doctor: doctorArb, day: dayArb, hour: hourArb, reassign: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ f: fArb, op: fc.constantFrom('close' as const, 'reopen' as const), doctor: doctorArb, day: dayArb, hour: hourArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      f: fArb,
      op: fc.constant('capacity' as const),
      doctor: doctorArb,
      day: dayArb,
      hour: hourArb,
      capacity: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ f: fArb, op: fc.constantFrom('accept' as const, 'decline' as const), pick: pickArb }) },
  { weight: 1, arbitrary: fc.record({ f: fArb, op: fc.constant('callNext' as const), doctor: doctorArb }) },
  { weight: 1, arbitrary: fc.record({ f: fArb, op: fc.constant('closeDay' as const), doctor: doctorArb }) },
  { weight: 1, arbitrary: fc.record({ f: fArb, op: fc.constant('erase' as const), patient: patientArb }) },
  { weight: 3, arbitrary: fc.record({ f: fArb, op: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 90 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      f: fArb,
      op: fc.constant('lease' as const),
      desk: fc.nat(2),
      doctor: doctorArb,
      day: dayArb,
      places: fc.integer({ min: 1, max: 3 }),
      ttlMinutes: fc.integer({ min: 10, max: 120 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ f: fArb, op: fc.constant('returnLease' as const), pick: pickArb }) },
  { weight: 2, arbitrary: fc.record({ f: fArb, op: fc.constant('pause' as const), doctor: doctorArb, minutes: fc.integer({ min: 1, max: 150 }) }) },
  { weight: 1, arbitrary: fc.record({ f: fArb, op: fc.constant('resume' as const), doctor: doctorArb }) },
  { weight: 2, arbitrary: fc.record({ f: fArb, op: fc.constant('deskReconcile' as const), pick: pickArb, patients: fc.array(fc.nat(7), { maxLength: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      f: fArb,
      op: fc.constant('manualRegister' as const),
      // A register's labels are unique per doctor (`ManualRegisterRow.label`).
      rows: fc.uniqueArray(
        fc.record({
          label: fc.nat(30),
          doctor: doctorArb,
          day: dayArb,
          hour: fc.option(hourArb, { nil: null }),
          category: catArb,
          patient: fc.option(patientArb, { nil: null }),
        }),
        {
          minLength: 1,
          maxLength: 4,
          selector: (r) => `${r.doctor}:${r.label}`,
        },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ f: fArb, op: fc.constant('routeIn' as const), pick: pickArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      f: fArb,
      op: fc.constant('forward' as const),
      pick: pickArb,
      to: fc.constantFrom('registration' as const, 'vitals' as const, 'lab' as const, 'doctor' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ f: fArb, op: fc.constant('callPoint' as const), point: fc.constantFrom('reg' as const, 'vitals' as const, 'lab' as const) }),
  },
  { weight: 1, arbitrary: fc.record({ f: fArb, op: fc.constant('callPooled' as const), doctor: doctorArb }) },
  { weight: 3, arbitrary: fc.record({ f: fArb, op: fc.constant('probe' as const), category: catArb, doctor: doctorArb, patient: patientArb, pick: pickArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      f: fArb,
      op: fc.constant('uhi' as const),
      doctor: doctorArb,
      patient: patientArb,
      pick: pickArb,
      confirm: fc.boolean(),
      code: fc.constantFrom(null, null, 'P1' as const, 'D2' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ f: fArb, op: fc.constant('share' as const), counter: fc.constantFrom('OPD' as const, 'DR' as const), patient: patientArb }),
  },
  { weight: 3, arbitrary: fc.record({ f: fArb, op: fc.constant('followUp' as const), pick: pickArb, windowDays: fc.nat(1), department: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ f: fArb, op: fc.constant('cancelFollowUp' as const), pick: pickArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      f: fArb,
      op: fc.constant('series' as const),
      patient: patientArb,
      doctor: fc.option(doctorArb, { nil: null }),
      count: fc.integer({ min: 1, max: 2 }),
      preview: fc.boolean(),
      allOrNothing: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ f: fArb, op: fc.constant('cancelSeries' as const), pick: pickArb, fromSecond: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ f: fArb, op: fc.constant('chargedVisit' as const), pick: pickArb }) },
);
export const offersArb: fc.Arbitrary<StagedOffersOptions> = fc
  .record({
    windowMinutes: fc.integer({ min: 1, max: 30 }),
    groupSize: fc.integer({ min: 1, max: 3 }),
    stopMinutesBeforeStart: fc.constantFrom(0, 10, 60),
    earlierSlots: fc.boolean(),
    quietHours: fc.constantFrom(undefined, { from: '07:30', to: '08:15' }, { from: '22:00', to: '07:20' }),
  })
  .map((o) => (o.quietHours === undefined ? { ...o, quietHours: undefined } : o));

const hh = (hour: number): string => String(hour).padStart(2, '0');
const slotIdOf = (doctor: number, day: number, hour: number): string => `${DOCTORS[doctor]}-${DAYS[day]}-${hh(HOURS[hour]!)}`;

/** One facility's scheduler, what it saw, and the tokens and offers it may name. */
export interface Side {
  readonly f: Facility;
  readonly opd: OpdScheduler;
  /** The facility's UHI provider (the ONLINE channel, under the facility's quota and windows). */
  readonly uhi: UhiProvider;
  readonly tokens: string[];
  readonly offers: string[];
  /** The leases it granted. */
  readonly leases: Lease[];
  readonly ends: Map<string, number>;
  /** Every token its own events named (`tokenId`, `toTokenId`). */
  readonly known: Set<string>;
  /** The follow-ups it asked for. */
  readonly followUps: string[];
  /** The series it booked or previewed. */
  readonly series: string[];
  seq: number;
}

/** What a facility's reads show: every slot view of both days, the waitlists, the history's length. */
export async function observe(side: Side): Promise<string> {
  const views = [];
  for (const doctor of DOCTORS) for (const day of DAYS) views.push(await side.opd.getSchedule(doctor, day));
  const history = await side.opd.history({ limit: 100_000 });
  return JSON.stringify({ views, events: history.length });
}

export async function run(side: Side, op: Op): Promise<void> {
  const { opd } = side;
  const pick = (list: readonly string[], n: number): string => (list.length === 0 ? 'none' : list[n % list.length]!);
  const patient = (n: number) => ({ id: `${side.f}-p${n}`, name: `${side.f}-name-${n}` });
  const keep = (token: Token): void => void side.tokens.push(token.id);
  switch (op.op) {
    case 'book':
    case 'hold': {
      const where = op.hour === null ? { date: DAYS[op.day] } : { slotId: slotIdOf(op.doctor, op.day, op.hour) };
      const request = { doctorId: DOCTORS[op.doctor]!, category: op.category, patient: patient(op.patient), ...where };
      keep((op.op === 'book' ? await opd.book(request) : await opd.hold({ ...request, holdMinutes: 20 })).token);
      return;
    }
    case 'department':
      keep((await opd.book({ department: 'opd', date: DAYS[op.day], category: op.category, patient: patient(op.patient) })).token);
      return;
    case 'cancel':
      await opd.cancel(pick(side.tokens, op.pick));
      return;
    case 'confirm':
      await opd.confirm(pick(side.tokens, op.pick));
      return;
    case 'release':
      await opd.release(pick(side.tokens, op.pick));
      return;
    case 'checkIn':
      await opd.checkIn(pick(side.tokens, op.pick));
      return;
    case 'noShow':
      await opd.markNoShow(pick(side.tokens, op.pick));
      return;
    case 'start':
      await opd.startConsultation(pick(side.tokens, op.pick));
      return;
    case 'complete':
      await opd.complete(pick(side.tokens, op.pick));
      return;
    case 'move':
      keep((await opd.move(pick(side.tokens, op.pick), { doctorId: DOCTORS[op.doctor], slotId: slotIdOf(op.doctor, op.day, op.hour) })).token);
      return;
    case 'leave': {
      const day = DAYS[op.day]!;
      const from = `${day}T${hh(HOURS[op.hour]!)}:00:00Z`;
      await opd.closeSlots(DOCTORS[op.doctor]!, { from, to: `${day}T11:00:00Z`, ...(op.reassign ? { reassign: 'department' as const } : {}) });
      return;
    }
    case 'close':
      await opd.closeSlot(slotIdOf(op.doctor, op.day, op.hour));
      return;
    case 'reopen':
      await opd.reopenSlot(slotIdOf(op.doctor, op.day, op.hour));
      return;
    case 'capacity':
      await opd.setCapacity(slotIdOf(op.doctor, op.day, op.hour), op.capacity);
      return;
    case 'accept':
      await opd.acceptOffer(pick(side.offers, op.pick));
      return;
    case 'decline':
      await opd.declineOffer(pick(side.offers, op.pick));
      return;
    case 'callNext':
      await opd.callNext(DOCTORS[op.doctor]!);
      return;
    case 'routeIn':
      await opd.checkIn(pick(side.tokens, op.pick), { route: 'visit' });
      return;
    case 'forward':
      await opd.forward(pick(side.tokens, op.pick), { to: op.to });
      return;
    case 'callPoint': {
      // A service point calls from its queue (the patient its room serves, else the first: the
      // journeys property checks the order), and nobody when it is empty.
      const queue = await opd.getServicePointQueue(op.point);
      const called = (await opd.callNext({ servicePoint: op.point })).token;
      if (queue.length === 0) expect(called, `${op.point} calls nobody from an empty queue`).toBeNull();
      else
        expect(
          queue.map((t) => t.id),
          `${op.point} calls from its queue`,
        ).toContain(called?.id);
      return;
    }
    case 'callPooled':
      await opd.callNext({ department: 'opd', doctorId: DOCTORS[op.doctor]! });
      return;
    case 'closeDay':
      await opd.closeDay(DOCTORS[op.doctor]!, DAYS[0]);
      return;
    case 'erase':
      await opd.erasePatient(`${side.f}-p${op.patient}`);
      return;
    case 'probe':
      await probe(side, op, patient(op.patient), keep);
      return;
    case 'lease':
      side.leases.push(
        await opd.leaseCapacity({ deskId: `D${op.desk}`, doctorId: DOCTORS[op.doctor]!, date: DAYS[op.day]!, places: op.places, ttlMinutes: op.ttlMinutes }),
      );
      return;
    case 'returnLease': {
      const lease = side.leases[op.pick % Math.max(1, side.leases.length)];
      await opd.returnLease(lease ?? { id: 'none', doctorId: DOCTORS[0]!, date: DAYS[0]! });
      return;
    }
    case 'pause':
      await pause(side, DOCTORS[op.doctor]!, op.minutes);
      return;
    case 'resume':
      await opd.resumeDoctor(DOCTORS[op.doctor]!);
      return;
    case 'deskReconcile': {
      // A desk works offline inside one of the leases (a lease that has ended is refused there),
      // then reconciles, and again as after a cut connection: the second enters nothing.
      const lease = side.leases[op.pick % Math.max(1, side.leases.length)];
      if (lease === undefined) return;
      const desk = await OfflineDesk.open(lease, { clock: () => opd.now() });
      try {
        for (const [k, n] of op.patients.entries()) {
          await desk.book({ category: 'WALK_IN', patient: patient(n), idempotencyKey: `${lease.id}-${k}` }).catch((error: unknown) => {
            if (!isOpdError(error)) throw error;
          });
        }
        const first = await opd.reconcile(desk);
        for (const c of first.applied) if (c.tokenId !== null) side.tokens.push(c.tokenId);
        const again = await opd.reconcile(desk);
        if (again.applied.length > 0) throw new Error(`a repeated reconcile of ${lease.id} entered ${again.applied.length} commands again`);
      } finally {
        await desk.close();
      }
      return;
    }
    case 'manualRegister': {
      // A register written by hand during an outage, imported, then imported again as after a
      // lost answer: the second enters nothing new and refuses the same rows.
      const rows = op.rows.map((r) => ({
        doctorId: DOCTORS[r.doctor]!,
        label: `R${r.label}`,
        category: r.category,
        ...(r.hour === null ? { date: DAYS[r.day]! } : { slotId: slotIdOf(r.doctor, r.day, r.hour) }),
        ...(r.patient === null ? {} : { patient: patient(r.patient) }),
      }));
      const first = await opd.importManualRegister(rows);
      for (const e of first.entered) if (!e.replayed) side.tokens.push(e.tokenId);
      const again = await opd.importManualRegister(rows);
      const entered = (report: typeof first) => report.entered.map((e) => `${e.label}:${e.tokenId}`);
      if (!again.entered.every((e) => e.replayed) || entered(again).join() !== entered(first).join())
        throw new Error('a repeated import of a manual register entered a row again');
      // The same rows are refused again. The reason may be another one only when a row entered
      // by the first import now holds the same patient's place: the second import sees it, and
      // refuses the row as a duplicate where the first found its slot full.
      // (Labels are unique per doctor: a refusal names a label, so every row of that label is read.)
      const patientsOf = (label: string): number[] => op.rows.filter((r) => `R${r.label}` === label && r.patient !== null).map((r) => r.patient!);
      const enteredPatients = new Set(first.entered.flatMap((e) => patientsOf(e.label)));
      const sameRefusal = (a: { label: string; code: string }, b: { label: string; code: string } | undefined): boolean =>
        b !== undefined &&
        a.label === b.label &&
        (a.code === b.code || (b.code === 'DUPLICATE_BOOKING' && patientsOf(a.label).some((p) => enteredPatients.has(p))));
      if (again.didNotFit.length !== first.didNotFit.length || !first.didNotFit.every((f, i) => sameRefusal(f, again.didNotFit[i]))) {
        throw new Error(
          `a repeated import of a manual register refused other rows: ${JSON.stringify(first.didNotFit)} then ${JSON.stringify(again.didNotFit)}`,
        );
      }
      return;
    }
    case 'advance':
      return;
    case 'uhi':
      await uhiOrder(side, op, keep);
      return;
    case 'followUp': {
      // The next visit, the next day (the second day of the scenario), asked at the end of a visit:
      // a booked patient checks in first (a call of its own), then the follow-up is asked.
      const visit = pick(side.tokens, op.pick);
      if (visit !== 'none' && (await opd.getToken(visit)).status === 'BOOKED') await opd.checkIn(visit);
      const before = await observe(side);
      try {
        const { followUp, token } = await opd.bookFollowUp(visit, {
          afterDays: 1,
          windowDays: op.windowDays,
          ...(op.department ? { department: 'opd' } : {}),
          actor: 'desk',
        });
        if (!side.followUps.includes(followUp.id)) side.followUps.push(followUp.id);
        if (token !== null) keep(token);
      } catch (error) {
        if (!isOpdError(error) || error.code === 'STORAGE_FAILURE' || error.code === 'CONFLICT') throw error;
        expect(await observe(side), `bookFollowUp refused with ${error.code} changed something`).toBe(before);
      }
      return;
    }
    case 'cancelFollowUp':
      await opd.cancelFollowUp(pick(side.followUps, op.pick), { actor: 'desk' });
      return;
    case 'series': {
      // A daily series over both days: previewed (its places held) or committed; the same key again replays it.
      const whom = op.doctor === null ? { department: 'opd' } : { doctorId: DOCTORS[op.doctor]! };
      const mode = op.allOrNothing ? ('all-or-nothing' as const) : ('best-effort' as const);
      const key = `${side.f}-${op.patient}-${op.doctor ?? 'opd'}-${op.count}-${mode}`;
      const result = await opd.bookSeries({
        patient: patient(op.patient),
        ...whom,
        start: DAYS[0],
        every: { days: 1 },
        count: op.count,
        mode,
        dryRun: op.preview,
        holdMinutes: 10,
        idempotencyKey: key,
        actor: 'desk',
      });
      if (!side.series.includes(result.seriesId)) side.series.push(result.seriesId);
      for (const token of result.tokens) keep(token);
      return;
    }
    case 'chargedVisit': {
      // A consultation seen through to its charged completion (each step a call of its own): an entitlement opens.
      const visit = pick(side.tokens, op.pick);
      if (visit === 'none') return;
      // The steps before are calls of their own: each refused one changes nothing by itself (the step checks the last).
      const status = (await opd.getToken(visit)).status;
      const steps: (() => Promise<unknown>)[] = [];
      if (status === 'BOOKED') steps.push(() => opd.checkIn(visit));
      if (status === 'BOOKED' || status === 'CHECKED_IN') steps.push(() => opd.startConsultation(visit));
      steps.push(() => opd.complete(visit, { charged: true, actor: 'billing' }));
      for (const step of steps) {
        const before = await observe(side);
        try {
          await step();
        } catch (error) {
          if (!isOpdError(error) || error.code === 'STORAGE_FAILURE' || error.code === 'CONFLICT') throw error;
          expect(await observe(side), `a step of a charged visit refused with ${error.code} changed something`).toBe(before);
          return;
        }
      }
      return;
    }
    case 'cancelSeries':
      await opd.cancelSeries(pick(side.series, op.pick), op.fromSecond ? { from: DAYS[1], actor: 'desk' } : { actor: 'desk' });
      return;
    case 'share': {
      const counters = { OPD: { department: 'opd' }, DR: { doctorId: DOCTORS[0] } };
      const body = {
        requestId: `r-${side.tokens.length}`,
        intent: 'PROFILE_SHARE',
        metaData: { hipId: `HIP-${side.f}`, context: op.counter, hprId: 'hpr-1' },
        profile: { patient: { abhaAddress: `${side.f}-p${op.patient}`, name: `${side.f}-name-${op.patient}`, gender: 'F' } },
      };
      keep((await onProfileShare(opd, body, { counters, validityMinutes: 30 })).token);
      return;
    }
  }
}

/** Every token of the facility's schedules and waitlists, where it stands: slot and status, or waitlisted. */
async function placesOf(opd: OpdScheduler): Promise<string> {
  const out: string[] = [];
  for (const doctor of DOCTORS) {
    for (const day of DAYS) {
      const schedule = await opd.getSchedule(doctor, day);
      for (const view of schedule.slots) for (const t of view.places) out.push(`${t.id}@${view.slot.id}:${t.status}`);
      for (const t of schedule.waitlist) out.push(`${t.id}@waitlist`);
    }
  }
  return out.sort().join('\n');
}

/**
 * A doctor's pause, and the rule "a pause never bumps": a pause that covers no slot's whole rest
 * moves no token and delays every waiting place of the day to its end at least; one past a
 * slot's end closes that slot first, as a leave.
 */
async function pause(side: Side, doctorId: string, minutes: number): Promise<void> {
  const before = await placesOf(side.opd);
  const effects = await side.opd.pauseDoctor(doctorId, { minutes, reason: 'pause' });
  const paused = effects.at(-1)!;
  expect(paused.type).toBe('doctor:paused');
  if (paused.type !== 'doctor:paused') return;
  if (effects.length > 1) {
    expect(effects[0]!.type, 'a pause past the slot closes it first').toBe('slot:closed');
    return;
  }
  expect(await placesOf(side.opd), `a pause of ${doctorId} moved a token`).toBe(before);
  const schedule = await side.opd.getSchedule(doctorId, paused.day);
  for (const view of schedule.slots) {
    for (const t of view.places) {
      if ((t.status === 'BOOKED' || t.status === 'CHECKED_IN') && t.estimatedStart !== null) {
        expect(t.estimatedStart.getTime(), `${t.id} estimated before the pause of ${doctorId} ends`).toBeGreaterThanOrEqual(paused.until.getTime());
      }
    }
  }
}

const beckn = (action: string, transaction: string) => ({
  domain: 'nic2004:85111',
  country: 'IND',
  city: 'std:080',
  action,
  core_version: '0.7.1',
  consumer_id: 'eua',
  consumer_uri: 'https://eua.example',
  transaction_id: transaction,
  message_id: `m-${action}`,
  timestamp: `${DAYS[0]}T07:00:00Z`,
});

/**
 * A UHI order: the catalogue of `search` is exactly what availability publishes to the UHI channel
 * (`ONLINE`), then `init` of one of its slots (a hold), `confirm`, a cancel by a P- or D-code, and
 * the push of each event of the order.
 */
async function uhiOrder(side: Side, op: Extract<Op, { op: 'uhi' }>, keep: (token: Token) => void): Promise<void> {
  const { opd, uhi } = side;
  const doctorId = DOCTORS[op.doctor]!;
  const window = { start: { time: { timestamp: `${DAYS[0]}T00:00:00Z` } }, end: { time: { timestamp: `${DAYS[1]}T23:59:59Z` } } };
  const search = await uhi.search({ context: beckn('search', 's'), message: { intent: { fulfillment: { agent: { id: doctorId }, ...window } } } });
  const published = (
    await opd.availability({ doctorId, category: uhi.category, from: window.start.time.timestamp, to: window.end.time.timestamp, actor: 'uhi' })
  ).filter((s) => s.available);
  const fulfillments = search.message.catalog.providers.flatMap((p) => p.fulfillments);
  expect(
    fulfillments.map((f) => f.id),
    `UHI search at ${doctorId}`,
  ).toEqual(published.map((s) => s.slot.id));
  const slot = fulfillments[op.pick % Math.max(1, fulfillments.length)];
  if (slot === undefined) return;
  const transaction = `${side.f}-${side.tokens.length}`;
  const init = await uhi.init({
    context: beckn('init', transaction),
    message: { order: { fulfillment: { id: slot.id }, customer: { id: `${side.f}-p${op.patient}`, person: { name: `${side.f}-name-${op.patient}` } } } },
  });
  const tokenId = init.message.order.id!;
  keep(await opd.getToken(tokenId));
  if (op.confirm) await uhi.confirm({ context: beckn('confirm', transaction), message: { order: { id: tokenId } } });
  // The order is its transaction's: another transaction reads nothing of it.
  const stranger = await uhi.status({ context: beckn('status', `${transaction}-other`), message: { order: { id: tokenId } } }).then(
    () => 'answered',
    (error: unknown) => (isOpdError(error) ? error.code : String(error)),
  );
  expect(stranger, `UHI order ${tokenId} answered another transaction`).toBe('TOKEN_NOT_FOUND');
  if (op.code !== null) {
    // The order is held or booked by now: a cancel the cut-off refuses is a refusal of its own, which changes nothing.
    const before = await observe(side);
    try {
      const by = op.code.startsWith('P') ? 'patient' : 'doctor';
      await uhi.cancel({
        context: beckn('cancel', transaction),
        message: {
          order: { id: tokenId, state: 'CANCELLED', fulfillment: { tags: { '@abdm/gov.in/cancelledby': by, '@abdm/gov.in/cancel_reason': op.code } } },
        },
      });
    } catch (error) {
      if (!isOpdError(error, 'CANCEL_CUTOFF')) throw error;
      expect(await observe(side), `UHI cancel refused with ${error.code} changed something`).toBe(before);
    }
  }
  for (const event of await opd.history({ limit: 100_000 })) if ('tokenId' in event && event.tokenId === tokenId) await uhi.pushOf(event);
}

/**
 * What availability and `$find` publish, tried: the doctor's slots for a channel and patient, then
 * a booking of one of them (`pick`) at the same instant — `BOOKED` in it exactly when it was
 * published available (0 false-free, 0 false-busy) — and `$find`'s proposals exactly the slots
 * published available.
 */
/** A read of the probe: it answers every query it is asked (a full slot is an answer, `'full'`), so any error of it fails the property rather than counting as a refused call. */
async function answered<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new Error(`${what} failed instead of answering: ${String(error)}`);
  }
}

async function probe(side: Side, op: Extract<Op, { op: 'probe' }>, patient: { id: string; name: string }, keep: (token: Token) => void): Promise<void> {
  const { opd } = side;
  const doctorId = DOCTORS[op.doctor]!;
  const window = { from: `${DAYS[0]}T00:00:00Z`, to: `${DAYS[1]}T23:59:59Z` };
  const slots = await answered('availability', () => opd.availability({ doctorId, category: op.category, patient, ...window }));
  const bundle = await answered('$find', () =>
    findAppointments(
      opd,
      { start: window.from, end: window.to, practitioner: doctorId, patient: `Patient/${patient.id}` },
      { channel: op.category, count: 1000 },
    ),
  );
  const proposed = (bundle.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => (e.resource as FhirProposedAppointment).slot[0]!.identifier!.value);
  expect(proposed, `$find for ${op.category} at ${doctorId}`).toEqual(slots.filter((s) => s.available).map((s) => s.slot.id));
  // The SMART Scheduling Links feed of the channel (public: no patient): its free Slots of the doctor are those available to anyone.
  const anyone = (await answered('availability', () => opd.availability({ doctorId, category: op.category, ...window })))
    .filter((s) => s.available)
    .map((s) => s.slot.id);
  const feed = await answered('$bulk-publish', () =>
    bulkPublish(opd, { baseUrl: 'https://h.example/fhir', channel: op.category, from: window.from, to: window.to }),
  );
  const slotFile = feed.files.find((f) => f.type === 'Slot')!;
  const published = slotFile.ndjson
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as FhirPublishedSlot)
    .filter((slot) => slot.status === 'free' && (slot.identifier?.[0]?.value ?? '').startsWith(`${doctorId}-`))
    .map((slot) => slot.identifier?.[0]?.value);
  expect(published, `the feed for ${op.category} at ${doctorId}`).toEqual(anyone);
  if (slots.length === 0) return;
  const asked = slots[op.pick % slots.length]!;
  let booked: boolean;
  try {
    const result = await opd.book({ doctorId, category: op.category, patient, slotId: asked.slot.id });
    keep(result.token);
    booked = result.outcome === 'BOOKED' && result.token.slotId === asked.slot.id;
  } catch (error) {
    if (!isOpdError(error) || asked.available)
      throw new Error(`${asked.slot.id} published available to ${op.category}, and its booking failed: ${String(error)}`);
    throw error;
  }
  expect(booked, `${asked.slot.id} published ${asked.available ? 'available' : `unavailable (${asked.reason ?? ''})`} to ${op.category}`).toBe(asked.available);
}

/** Reads the facility's new events: offers made and ended, and each event its own facility's. */
export async function record(side: Side): Promise<void> {
  const events: OpdEvent[] = await side.opd.history({ after: side.seq, limit: 100_000 });
  for (const e of events) {
    side.seq = e.seq;
    if ('tokenId' in e && typeof e.tokenId === 'string') side.known.add(e.tokenId);
    if ('toTokenId' in e && typeof e.toTokenId === 'string') side.known.add(e.toTokenId);
    expect(e.facilityId ?? 'default', `event ${e.seq} read by facility ${side.f}`).toBe(side.f);
    if (e.type === 'token:offered') {
      expect(side.ends.has(e.offerId), `${e.offerId} offered twice`).toBe(false);
      side.ends.set(e.offerId, 0);
      side.offers.push(e.offerId);
    } else if (OFFER_ENDS.has(e.type) && 'offerId' in e) {
      side.ends.set(e.offerId, (side.ends.get(e.offerId) ?? 0) + 1);
    }
  }
  for (const [offerId, n] of side.ends) expect(n, `${offerId} ended more than once`).toBeLessThanOrEqual(1);
}

export async function check(side: Side, preset: ReturnType<(typeof PRESETS)[string]>, now: number): Promise<void> {
  const live = new Map<string, string[]>();
  for (const doctor of DOCTORS) {
    for (const date of DAYS) {
      const day = await side.opd.getSchedule(doctor, date);
      const tokens = [...day.waitlist, ...day.slots.flatMap((s) => s.places)];
      for (const t of tokens) {
        expect(t.facilityId ?? 'default', `token ${t.id} read by facility ${side.f}`).toBe(side.f);
        // A register line that names no patient stands for itself (`manual-<doctor>-<label>`, the same in both facilities); the token's facility is checked above.
        if (t.patient.id !== undefined && !t.patient.id.startsWith(`${side.f}-`) && !t.patient.id.startsWith('manual-') && t.patient.id !== '')
          expect.fail(`facility ${side.f} reads another facility's patient on ${t.id}`);
        const ended = t.status === 'HELD' && t.holdExpiresAt !== null && t.holdExpiresAt.getTime() <= now;
        if (LIVE.has(t.status) && !ended && t.patient.id !== undefined) {
          const key = `${date} ${t.patient.id}`;
          live.set(key, [...(live.get(key) ?? []), t.id]);
        }
      }
      for (const view of day.slots) {
        // A hold whose end has passed holds no place in the views, swept or not (nor does a lease whose end has passed: not listed in `leased`).
        const endedHold = (t: Token): boolean => t.status === 'HELD' && t.holdExpiresAt !== null && t.holdExpiresAt.getTime() <= now;
        const held = view.places.filter((t) => t.status === 'HELD' && !endedHold(t)).length;
        const tokenless = view.claimed - held;
        expect(tokenless, `${view.slot.id}: claims without a token`).toBeGreaterThanOrEqual(0);
        expect(view.leased, `${view.slot.id}: leased places are claims without a token`).toBeLessThanOrEqual(tokenless);
        // Places held for an offer: the claims without a token that are not leased to a desk.
        const offered = tokenless - view.leased;
        const taken = view.places.filter((t) => !endedHold(t)).length + tokenless;
        // Each claim counted once: the view's free and elastic places are those of the places and claims listed.
        expect([view.free, view.overflowUsed], `${view.slot.id}: free and overflowUsed`).toEqual([
          Math.max(0, view.slot.capacity - taken),
          Math.max(0, taken - view.slot.capacity),
        ]);
        const stored = view.places.length + tokenless;
        expect(stored, `${view.slot.id}: within capacity and the elastic places granted`).toBeLessThanOrEqual(
          view.slot.capacity + elasticGranted(preset, view.slot, stored, now),
        );
        if (offered > 0)
          expect(stored, `${view.slot.id}: a place held for an offer never takes the slot above its capacity`).toBeLessThanOrEqual(view.slot.capacity);
        if (view.slot.status === 'CLOSED') expect(offered, `${view.slot.id}: a closed slot holds no claim but a desk's lease`).toBe(0);
      }
      // No emergency waits while a usable slot it could take holds a place for an offer.
      for (const t of day.waitlist) {
        if (t.category !== 'EMERGENCY') continue;
        for (const view of day.slots) {
          const usable =
            view.slot.status === 'OPEN' && view.slot.end.getTime() > now && (t.notBefore === null || view.slot.start.getTime() >= t.notBefore.getTime());
          if (!usable) continue;
          const held = view.places.filter((p) => p.status === 'HELD' && !(p.holdExpiresAt !== null && p.holdExpiresAt.getTime() <= now)).length;
          expect(view.claimed - held - view.leased, `emergency ${t.id} waits while ${view.slot.id} holds a place for an offer`).toBe(0);
        }
      }
    }
  }
  // One queue at a time: a service point's queue holds its own checked-in tokens of today, each in no other.
  const inQueue = new Map<string, string>();
  for (const point of ['reg', 'vitals', 'lab']) {
    for (const t of await side.opd.getServicePointQueue(point)) {
      expect(inQueue.get(t.id), `${t.id} waits at ${point} and ${inQueue.get(t.id)}`).toBeUndefined();
      inQueue.set(t.id, point);
      expect([t.status, t.journey?.servicePointId], `${t.id} in the queue of ${point}`).toEqual(['CHECKED_IN', point]);
    }
  }
  // No follow-up is lost: each is booked (one token), due (listed), or cancelled by an actor.
  if (side.followUps.length > 0) {
    const due = new Set((await side.opd.dueFollowUps()).map((f) => f.id));
    const history = await side.opd.history({ limit: 100_000 });
    for (const id of side.followUps) {
      const events = history.filter(
        (e) => (e.type === 'followup:booked' || e.type === 'followup:due' || e.type === 'followup:cancelled') && e.followUpId === id,
      );
      expect(events.filter((e) => e.type === 'followup:booked').length, `${id} booked once at most`).toBeLessThanOrEqual(1);
      const last = events.at(-1);
      expect(
        [due.has(id), last?.type === 'followup:booked', last?.type === 'followup:cancelled' && last.actor !== null].filter(Boolean),
        `${id}: booked, due or cancelled by an actor`,
      ).toEqual([true]);
    }
  }
  // A free revisit is never used twice: the live tokens using one entitlement are at most its one free visit.
  const uses = new Map<string, string[]>();
  for (const doctor of DOCTORS) {
    for (const date of DAYS) {
      const day = await side.opd.getSchedule(doctor, date);
      for (const t of [...day.waitlist, ...day.slots.flatMap((v) => v.places)]) {
        if (t.entitlement !== undefined) uses.set(t.entitlement.fromTokenId, [...(uses.get(t.entitlement.fromTokenId) ?? []), t.id]);
      }
    }
  }
  for (const [from, ids] of uses) expect(ids, `entitlement of ${from} used more than once`).toHaveLength(1);
  // One place per patient: the duplicate rule's scope is the department's day.
  for (const [key, ids] of live) expect(ids, `patient ${key} holds two live tokens in the department`).toHaveLength(1);
}

/** Two facilities' schedulers over one store, every option on, and the clock they share. */
export interface Composed {
  readonly sides: readonly Side[];
  readonly preset: ReturnType<(typeof PRESETS)[string]>;
  /** Runs one call (or moves the clock and sweeps both), checking a refusal changed nothing, then every invariant. */
  step(op: Op): Promise<'done' | 'refused'>;
  /** Every day over and swept (a purge too): every offer ended exactly once. Then closes both. */
  finish(): Promise<void>;
  close(): Promise<void>;
}

/** Opens two facilities (`A`, `B`) over `storage()` with every option on, under a preset and offer settings. */
export async function compose(storage: () => StorageAdapter, presetName: string, offers: StagedOffersOptions): Promise<Composed> {
  const clock = { now: Date.parse(`${DAYS[0]}T07:00:00Z`) };
  const preset = PRESETS[presetName]!();
  const sides: Side[] = [];
  for (const f of FACILITIES) {
    const opd = new OpdScheduler({
      ...preset,
      storage: storage(),
      facilityId: f,
      clock: () => new Date(clock.now),
      offers: new StagedOffers(offers),
      quota: new ChannelQuota({ ONLINE: { share: 0.5 }, FOLLOW_UP: { perDay: 2 }, WALK_IN: { reserve: 1, releaseMinutesBefore: 60 } }),
      bookingWindows: { ONLINE: { maxDaysAhead: 3, cancelCutoffMinutes: 30 }, exemptActors: ['desk'] },
      duplicates: { scope: 'department-day' },
      closeOut: { carryForward: true },
      callOrder: new FairCallOrder({ interleaveEvery: 2, maxWaitMinutes: 60 }),
      notify: { turnNear: { positions: 2 }, etaChangedMinutes: 10 },
      retention: { patientDataDays: 30 },
      followUps: { freeWithinDays: 2, freeVisits: 1, scope: 'department' },
      servicePoints: [
        { id: 'reg', kind: 'registration' },
        { id: 'vitals', kind: 'vitals', department: 'opd' },
        { id: 'lab', kind: 'lab' },
        { id: 'opd-pool', kind: 'doctor', department: 'opd' },
      ],
      routes: { visit: ['registration', 'vitals', 'doctor', 'lab', 'doctor'] },
      reentry: new ReturnAhead({ maxPassed: 1 }),
    });
    for (const doctor of DOCTORS) {
      await opd.addDoctor({ id: doctor, name: `Dr ${doctor}`, department: 'opd' });
      await opd.addSlots(
        doctor,
        DAYS.flatMap((day) =>
          HOURS.map((h) => ({
            id: `${doctor}-${day}-${hh(h)}`,
            start: `${day}T${hh(h)}:00:00Z`,
            end: `${day}T${hh(h + 1)}:00:00Z`,
            capacity: 2,
            overflowCapacity: 1,
          })),
        ),
      );
    }
    const uhi = new UhiProvider(opd, { providerId: `hspa-${f}`, providerUri: `https://${f}.example/uhi`, pinSecret: 'a-secret-of-the-hospital' });
    sides.push({ f, opd, uhi, tokens: [], offers: [], leases: [], ends: new Map(), known: new Set(), followUps: [], series: [], seq: 0 });
  }
  const closeAll = async (): Promise<void> => {
    for (const s of sides) await s.opd.close();
  };
  return {
    sides,
    preset,
    async step(op) {
      const side = sides[FACILITIES.indexOf(op.f)]!;
      let outcome: 'done' | 'refused' = 'done';
      if (op.op === 'advance') {
        clock.now += op.minutes * 60_000;
        for (const s of sides) await s.opd.sweep();
      } else {
        const before = await observe(side);
        try {
          await run(side, op);
        } catch (error) {
          if (!isOpdError(error) || error.code === 'STORAGE_FAILURE' || error.code === 'CONFLICT') throw error;
          // A refused call changes nothing.
          expect(await observe(side), `${JSON.stringify(op)} refused with ${error.code} changed something`).toBe(before);
          outcome = 'refused';
        }
      }
      for (const s of sides) {
        await record(s);
        await check(s, preset, clock.now);
      }
      return outcome;
    },
    async finish() {
      clock.now = Date.parse(`${DAYS[1]}T23:59:00Z`);
      for (const s of sides) {
        await s.opd.sweep();
        await s.opd.purge();
        await record(s);
        for (const [offerId, n] of s.ends) expect(n, `${offerId} ends once`).toBe(1);
      }
    },
    close: closeAll,
  };
}

/** One random day of both facilities: every call stepped and checked, then the days finished. */
export async function scenario(storage: () => StorageAdapter, presetName: string, offers: StagedOffersOptions, ops: readonly Op[]): Promise<void> {
  const world = await compose(storage, presetName, offers);
  try {
    for (const op of ops) await world.step(op);
    await world.finish();
  } finally {
    await world.close();
  }
}
