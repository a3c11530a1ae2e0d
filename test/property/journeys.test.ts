/**
 * A visit as a journey, under random days (DESIGN §11): patients checked in on routes or not,
 * called at service points, seen by their doctor or a colleague of a pooled department, sent to
 * the lab and back, emergencies arriving, the clock moving. After every call:
 * - no token waits in two queues at once: each checked-in token is in the queue of its service
 *   point and in no other, and a service point's queue holds only its own checked-in tokens;
 * - each forward is one event (`token:forwarded`, for that token);
 * - a patient sent back to the doctor is called after at most `maxPassed` of the patients who
 *   were waiting for the first time (later arrivals never pass; emergencies, and patients waiting
 *   past `maxWaitMinutes`, may);
 * - every emergency goes first at every service point, in a pooled department's queue, and at
 *   its doctor under a call order;
 * - with a `FairCallOrder`'s `maxWaitMinutes`, nobody waits past it while the doctor calls
 *   someone who waited less;
 * - a refused call changes nothing.
 * On memory, PGlite and (with DATABASE_URL) a PostgreSQL server.
 */
import fc from 'fast-check';
import { FairCallOrder, isOpdError, OpdScheduler, presets, ReturnAhead, type OpdEvent, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { conformanceStores, type Store } from '../conformance/stores.js';
import { at, TestClock } from '../helpers.js';
import { fcOptions, timeoutFor } from './support.js';

const MINUTE = 60_000;
const DOCTORS = ['a', 'b'] as const;
const POINTS = ['reg', 'vitals', 'lab'] as const;
const CATEGORIES = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'] as const;
const ROUTES = { visit: ['registration', 'vitals', 'doctor', 'lab', 'doctor'], quick: ['vitals', 'doctor'] };
const DAY = '2026-01-30';

type Op =
  | { readonly kind: 'book'; readonly category: (typeof CATEGORIES)[number]; readonly doctor: number | null }
  | { readonly kind: 'checkIn'; readonly pick: number; readonly route: 'visit' | 'quick' | null }
  | { readonly kind: 'point'; readonly point: (typeof POINTS)[number] }
  | { readonly kind: 'see'; readonly doctor: number; readonly pooled: boolean; readonly lab: boolean }
  | { readonly kind: 'forward'; readonly pick: number; readonly to: string }
  | { readonly kind: 'wait'; readonly minutes: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('book' as const), category: fc.constantFrom(...CATEGORIES), doctor: fc.constantFrom(null, 0, 1) }) },
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('checkIn' as const), pick: fc.nat(60), route: fc.constantFrom(null, null, 'visit' as const, 'quick' as const) }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('point' as const), point: fc.constantFrom('reg' as const, 'vitals' as const, 'lab' as const, 'lab' as const) }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('see' as const), doctor: fc.nat(1), pooled: fc.boolean(), lab: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('forward' as const),
      pick: fc.nat(60),
      to: fc.constantFrom('lab', 'doctor', 'vitals', 'registration', 'x-ray', 'reg'),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 20 }) }) },
);

interface Spec {
  readonly maxPassed: number;
  readonly maxWaitMinutes: number | null;
}
const specArb: fc.Arbitrary<Spec> = fc.record({ maxPassed: fc.nat(2), maxWaitMinutes: fc.constantFrom(null, 20, 45) });

/** A patient sent back to the doctor and not yet called: how many first calls passed them since. */
interface Returning {
  readonly doctorId: string;
  readonly passed: number;
  firstCalls: number;
}

async function tokensOf(opd: OpdScheduler): Promise<Map<string, Token & { slotStart: number }>> {
  const all = new Map<string, Token & { slotStart: number }>();
  for (const d of DOCTORS) {
    const day = await opd.getSchedule(d, DAY);
    for (const v of day.slots) for (const t of v.places) all.set(t.id, { ...t, slotStart: v.slot.start.getTime() });
  }
  return all;
}

async function observe(opd: OpdScheduler): Promise<string> {
  return JSON.stringify({ tokens: [...(await tokensOf(opd)).values()], events: (await opd.history({ limit: 100_000 })).length });
}

async function run(store: Store, spec: Spec, ops: readonly Op[]): Promise<void> {
  const clock = new TestClock(at('09:00'));
  const opd = new OpdScheduler({
    ...presets.standard(),
    storage: store.storage(),
    clock: clock.now,
    consultMinutes: 10,
    servicePoints: [
      { id: 'reg', kind: 'registration' },
      { id: 'vitals', kind: 'vitals', department: 'medicine' },
      { id: 'lab', kind: 'lab' },
      { id: 'pool', kind: 'doctor', department: 'medicine' },
    ],
    routes: ROUTES,
    reentry: new ReturnAhead({ maxPassed: spec.maxPassed }),
    ...(spec.maxWaitMinutes === null ? {} : { callOrder: new FairCallOrder({ interleaveEvery: 2, maxWaitMinutes: spec.maxWaitMinutes }) }),
  });
  try {
    for (const d of DOCTORS) {
      await opd.addDoctor({ id: d, name: `Dr ${d}`, department: 'medicine' });
      await opd.addSlots(
        d,
        [9, 10, 11].map((h) => ({
          id: `${d}-${h}`,
          start: `${DAY}T${String(h).padStart(2, '0')}:00:00Z`,
          end: `${DAY}T${String(h + 1).padStart(2, '0')}:00:00Z`,
          capacity: 4,
        })),
      );
    }
    const booked: string[] = [];
    const returning = new Map<string, Returning>();
    const returnedAt = new Map<string, number>();
    let seq = 0;
    let patients = 0;
    // Every event read, kept until the re-entries of the call are recorded (after it).
    let unrecorded: OpdEvent[] = [];
    const newEvents = async (): Promise<OpdEvent[]> => {
      const events = await opd.history({ after: seq, limit: 100_000 });
      if (events.length > 0) seq = events.at(-1)!.seq;
      unrecorded.push(...events);
      return events;
    };
    const emergency = (t: Token): boolean => t.category === 'EMERGENCY';
    const waited = (t: Token & { slotStart: number }, now: number): number => now - (returnedAt.get(t.id) ?? Math.max(t.requestedAt.getTime(), t.slotStart));

    /** A doctor's call, checked against the rules: emergencies first, maxWaitMinutes, re-entries. */
    const checkDoctorCall = (called: Token, caller: string, before: Map<string, Token & { slotStart: number }>): void => {
      const now = clock.now().getTime();
      const own = [...before.values()].filter(
        (t) => t.status === 'CHECKED_IN' && t.doctorId === caller && t.journey?.servicePointId == null && (t.journey?.calledBy ?? caller) === caller,
      );
      // Every queue calls emergencies first, in every call order.
      if (own.some(emergency)) expect(emergency(called), `an emergency of ${caller} waits while ${called.id} is called`).toBe(true);
      const chosen = before.get(called.id)!;
      if (spec.maxWaitMinutes !== null && !emergency(called) && chosen.doctorId === caller) {
        for (const p of own.filter((t) => waited(t, now) > spec.maxWaitMinutes! * MINUTE)) {
          expect(waited(chosen, now), `${p.id} waited past the limit while ${called.id} was called`).toBeGreaterThanOrEqual(waited(p, now));
        }
      }
      // Re-entries: a first call of someone else who was not overdue passes each waiting returnee once.
      const back = returning.get(called.id);
      if (back !== undefined) {
        expect(back.firstCalls, `${called.id} came back and was passed by more than the policy allows`).toBeLessThanOrEqual(
          Math.min(back.passed, spec.maxPassed),
        );
        returning.delete(called.id);
        returnedAt.delete(called.id);
        return;
      }
      const overdue = spec.maxWaitMinutes !== null && waited(chosen, now) > spec.maxWaitMinutes * MINUTE;
      if (!emergency(called) && !overdue) for (const r of returning.values()) if (r.doctorId === caller) r.firstCalls++;
    };

    for (const op of ops) {
      const before = await observe(opd);
      const tokens = await tokensOf(opd);
      const list = [...tokens.values()];
      const pick = (n: number, keep: (t: Token) => boolean): Token | undefined => {
        const some = list.filter(keep);
        return some.length === 0 ? undefined : some[n % some.length];
      };
      try {
        switch (op.kind) {
          case 'book': {
            patients++;
            const patient = { id: `p${patients}`, name: `Patient ${patients}` };
            const r =
              op.doctor === null
                ? await opd.book({ department: 'medicine', category: op.category, date: DAY, patient })
                : await opd.book({ doctorId: DOCTORS[op.doctor]!, category: op.category, date: DAY, patient });
            booked.push(r.token.id);
            break;
          }
          case 'checkIn': {
            const t = pick(op.pick, (x) => x.status === 'BOOKED');
            if (t !== undefined) await opd.checkIn(t.id, op.route === null ? {} : { route: op.route });
            break;
          }
          case 'point': {
            const queue = await opd.getServicePointQueue(op.point);
            const called = (await opd.callNext({ servicePoint: op.point })).token;
            if (queue.length === 0) {
              expect(called).toBeNull();
              break;
            }
            expect(called?.id, `${op.point} calls the first of its queue`).toBe(queue[0]!.id);
            if (queue.some(emergency)) expect(emergency(called!), `an emergency waits at ${op.point}`).toBe(true);
            // Served: on to the route's next stage (or to the doctor without one).
            const stages =
              called!.journey?.route === null || called!.journey?.route === undefined ? null : ROUTES[called!.journey.route as keyof typeof ROUTES];
            const next = stages === null ? 'doctor' : (stages[(called!.journey!.stage ?? 0) + 1] ?? 'doctor');
            await newEvents();
            await opd.forward(called!.id, { to: next });
            const events = await newEvents();
            expect(
              events.filter((e) => e.type === 'token:forwarded').map((e) => ('tokenId' in e ? e.tokenId : '')),
              'one forward, one event',
            ).toEqual([called!.id]);
            break;
          }
          case 'see': {
            const doctorId = DOCTORS[op.doctor]!;
            const result = op.pooled ? await opd.callNext({ department: 'medicine', doctorId }) : await opd.callNext(doctorId);
            const called = result.token;
            if (called === null) {
              const waiting = list.filter((t) => t.status === 'CHECKED_IN' && t.doctorId === doctorId && t.journey?.servicePointId == null);
              expect(waiting, `${doctorId} found nobody while its own patients wait`).toEqual([]);
              break;
            }
            checkDoctorCall(called, doctorId, tokens);
            await opd.startConsultation(called.id);
            clock.advance(5);
            // To the lab when the route has a lab stage ahead (or the visit has no route).
            const route = called.journey?.route ?? null;
            const labAhead = route === null || ROUTES[route as keyof typeof ROUTES].slice((called.journey?.stage ?? 0) + 1).includes('lab');
            if (op.lab && labAhead) {
              await opd.forward(called.id, { to: 'lab' });
            } else {
              await opd.complete(called.id);
            }
            break;
          }
          case 'forward': {
            const t = pick(op.pick, (x) => x.status === 'CHECKED_IN' || x.status === 'IN_CONSULTATION');
            if (t === undefined) break;
            await newEvents();
            await opd.forward(t.id, { to: op.to });
            const events = await newEvents();
            expect(
              events.filter((e) => e.type === 'token:forwarded').map((e) => ('tokenId' in e ? e.tokenId : '')),
              'one forward, one event',
            ).toEqual([t.id]);
            break;
          }
          case 'wait':
            clock.advance(op.minutes);
            await opd.sweep();
            break;
        }
      } catch (error) {
        if (!isOpdError(error) || error.code === 'STORAGE_FAILURE' || error.code === 'CONFLICT') throw error;
        expect(await observe(opd), `${JSON.stringify(op)} refused with ${error.code} changed something`).toBe(before);
      }
      // Re-entries made by this call: each a patient back with the doctor, passed by none so far.
      await newEvents();
      const events = unrecorded;
      unrecorded = [];
      for (const e of events) {
        if (e.type !== 'token:forwarded') continue;
        returning.delete(e.tokenId);
        returnedAt.delete(e.tokenId);
        if (e.reentry !== null) {
          expect(e.reentry.passed, 'the policy lets at most maxPassed go first').toBeLessThanOrEqual(spec.maxPassed);
          returning.set(e.tokenId, { doctorId: e.doctorId, passed: e.reentry.passed, firstCalls: 0 });
          returnedAt.set(e.tokenId, e.at.getTime());
        }
      }
      // One queue at a time.
      const now = await tokensOf(opd);
      const seen = new Map<string, string>();
      for (const point of POINTS) {
        for (const t of await opd.getServicePointQueue(point)) {
          expect(seen.get(t.id), `${t.id} in two queues`).toBeUndefined();
          seen.set(t.id, point);
          expect(t.status).toBe('CHECKED_IN');
          expect(t.journey?.servicePointId).toBe(point);
        }
      }
      for (const t of now.values()) {
        if (t.journey?.servicePointId != null && t.status === 'CHECKED_IN')
          expect(seen.get(t.id), `${t.id} at ${t.journey.servicePointId} but not in its queue`).toBe(t.journey.servicePointId);
        if (t.status !== 'CHECKED_IN') expect(t.journey?.servicePointId ?? null, `${t.id} is ${t.status} but waits at a point`).toBeNull();
      }
    }
    expect(booked.length).toBeLessThanOrEqual(patients);
  } finally {
    await opd.close();
  }
}

const STORES = conformanceStores('opd_t_journeys');

describe('a visit as a journey (property)', () => {
  for (const [name, open] of Object.entries(STORES)) {
    const runs = name === 'memory' ? 60 : 8;
    it.skipIf(open === undefined)(
      `on ${name}: one queue at a time, one event per forward, re-entry by the policy, emergencies first everywhere, maxWaitMinutes kept, refusals change nothing`,
      { timeout: timeoutFor(runs, name === 'memory' ? 1500 : 10_000) },
      async () => {
        await fc.assert(
          fc.asyncProperty(specArb, fc.array(opArb, { minLength: 30, maxLength: 90 }), async (spec, ops) => {
            const store = await open!();
            try {
              await run(store, spec, ops);
            } finally {
              await store.cleanup();
            }
          }),
          fcOptions(runs),
        );
      },
    );
  }
});
