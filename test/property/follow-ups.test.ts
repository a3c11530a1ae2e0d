/**
 * No follow-up is lost (DESIGN §12, issue 85), under random days: visits seen and follow-ups asked
 * of them (the visit's doctor, a colleague, the department; windows of 0 to 2 days), other
 * patients booking and cancelling, follow-ups asked twice, cancelled by an actor, the clock moving
 * and the sweep running. After every call, for every follow-up ever asked:
 * - it is booked (one `followup:booked`, naming a live or ended `FOLLOW_UP` token of the visit's
 *   patient — never a second token), due (listed by `dueFollowUps`), or cancelled by an actor
 *   (`followup:cancelled` with its actor), exactly one of them;
 * - after a sweep, a due follow-up whose window is still open has no free place on any day of it
 *   with any of its doctors (the sweep tried it as places opened);
 * - a refused call changes nothing.
 * On memory and PGlite (and, with DATABASE_URL, a PostgreSQL server).
 */
import fc from 'fast-check';
import { isOpdError, OpdScheduler, presets, type FollowUp, type OpdEvent, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { TestClock } from '../helpers.js';
import { fcOptions, timeoutFor } from './support.js';

const DAY0 = '2026-01-30';
const DOCTORS = ['a', 'b', 'c'] as const;
const STORES = conformanceStores('opd_t_followups');

/** `DAY0` plus `n` days. */
function day(n: number): string {
  return new Date(Date.parse(`${DAY0}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The day after `d`. */
function nextDay(d: string): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

type Op =
  | { readonly kind: 'visit'; readonly doctor: number }
  | {
      readonly kind: 'followUp';
      readonly pick: number;
      readonly afterDays: number;
      readonly windowDays: number;
      readonly target: 'own' | 'other' | 'department';
    }
  | { readonly kind: 'fill'; readonly doctor: number; readonly day: number; readonly holdMinutes: number | null }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'cancelFollowUp'; readonly pick: number }
  | { readonly kind: 'sweep'; readonly hours: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('visit' as const), doctor: fc.nat(2) }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('followUp' as const),
      pick: fc.nat(50),
      afterDays: fc.integer({ min: 1, max: 3 }),
      windowDays: fc.nat(1),
      target: fc.constantFrom('own' as const, 'own' as const, 'other' as const, 'department' as const),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('fill' as const),
      doctor: fc.nat(2),
      day: fc.integer({ min: 1, max: 4 }),
      holdMinutes: fc.constantFrom(null, 60, 600, 1440),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(100) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelFollowUp' as const), pick: fc.nat(50) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sweep' as const), hours: fc.integer({ min: 0, max: 12 }) }) },
);

async function scenario(
  open: () => Promise<{ storage: () => import('opd-scheduler').StorageAdapter; cleanup: () => Promise<void> }>,
  ops: readonly Op[],
): Promise<void> {
  const store = await open();
  const clock = new TestClock(`${DAY0}T06:00:00Z`);
  const opd = new OpdScheduler({ ...presets.standard(), storage: store.storage(), clock: clock.now });
  try {
    // Doctors a and b in one department, c in another; a morning slot each day, today roomy.
    for (const id of DOCTORS) {
      await opd.addDoctor({ id, name: `Dr ${id}`, department: id === 'c' ? 'ent' : 'cardio' });
      const slots = [];
      for (let n = 0; n <= 5; n++)
        slots.push({ id: `${id}-${n}`, start: `${day(n)}T09:00:00Z`, end: `${day(n)}T10:00:00Z`, capacity: n === 0 ? 40 : 1, overflowCapacity: 0 });
      await opd.addSlots(id, slots);
    }
    const visits: Token[] = [];
    const others: string[] = [];
    const asked = new Map<string, { visit: Token; doctors: readonly string[] }>();
    let n = 0;
    const observe = async (): Promise<string> => JSON.stringify([(await opd.history()).length, await opd.dueFollowUps()]);
    for (const op of ops) {
      const before = await observe();
      try {
        switch (op.kind) {
          case 'visit': {
            if (clock.now().getTime() >= Date.parse(`${DAY0}T10:00:00Z`)) break;
            const doctorId = DOCTORS[op.doctor]!;
            const { token } = await opd.book({ doctorId, category: 'ONLINE', slotId: `${doctorId}-0`, patient: { id: `v${++n}`, name: 'Visit' } });
            await opd.checkIn(token.id);
            if (n % 2 === 0) await opd.startConsultation(token.id);
            visits.push(token);
            break;
          }
          case 'followUp': {
            const visit = visits[op.pick % Math.max(1, visits.length)];
            if (visit === undefined) break;
            const other = visit.doctorId === 'a' ? 'b' : 'a';
            const target = op.target === 'own' ? {} : op.target === 'other' ? { doctorId: other } : { department: 'cardio' };
            const doctors = op.target === 'own' ? [visit.doctorId] : op.target === 'other' ? [other] : ['a', 'b'];
            const result = await opd.bookFollowUp(visit.id, { afterDays: op.afterDays, windowDays: op.windowDays, actor: 'dr', ...target });
            // A request answered as it stood keeps the doctors it was booked (or cancelled) under; any other is the follow-up's request now.
            if (result.replayed !== true) asked.set(result.followUp.id, { visit, doctors });
            break;
          }
          case 'fill': {
            const doctorId = DOCTORS[op.doctor]!;
            // A hold takes a free place or none (it never waits): its end, or its release, opens the place again.
            const request = { doctorId, category: 'ONLINE', date: day(op.day), patient: { id: `o${++n}`, name: 'Other' } };
            const { token } = op.holdMinutes === null ? await opd.book(request) : await opd.hold({ ...request, holdMinutes: op.holdMinutes });
            others.push(token.id);
            break;
          }
          case 'cancel': {
            const id = others[op.pick % Math.max(1, others.length)];
            if (id === undefined) break;
            if ((await opd.getToken(id)).status === 'HELD') await opd.release(id);
            else await opd.cancel(id);
            break;
          }
          case 'cancelFollowUp': {
            const ids = [...asked.keys()];
            const id = ids[op.pick % Math.max(1, ids.length)];
            if (id !== undefined) await opd.cancelFollowUp(id, { actor: 'desk' });
            break;
          }
          case 'sweep':
            clock.advance(op.hours * 60);
            await opd.sweep();
            break;
        }
      } catch (error) {
        if (!isOpdError(error)) throw error;
        expect(await observe(), `refused ${op.kind} (${error.code}) changed nothing`).toBe(before);
      }
      await check(opd, asked, op.kind === 'sweep', clock.now().getTime());
    }
  } finally {
    await opd.close();
    await store.cleanup();
  }
}

async function check(opd: OpdScheduler, asked: ReadonlyMap<string, { visit: Token; doctors: readonly string[] }>, swept: boolean, now: number): Promise<void> {
  const history = await opd.history();
  const due = new Map<string, FollowUp>((await opd.dueFollowUps()).map((f) => [f.id, f]));
  const booked = new Map<string, OpdEvent[]>();
  for (const e of history) {
    if (e.type === 'followup:booked') booked.set(e.followUpId, [...(booked.get(e.followUpId) ?? []), e]);
  }
  for (const [id, { visit, doctors }] of asked) {
    const b = booked.get(id) ?? [];
    expect(b.length, `${id}: at most one token`).toBeLessThanOrEqual(1);
    // Cancelled and asked again reopens it: the latest of its events tells where it stands.
    const last = [...history]
      .reverse()
      .find((e) => (e.type === 'followup:booked' || e.type === 'followup:cancelled' || e.type === 'followup:due') && e.followUpId === id);
    const states = [due.has(id), last?.type === 'followup:booked', last?.type === 'followup:cancelled'];
    expect(states.filter(Boolean).length, `${id}: booked, due or cancelled, exactly one (${JSON.stringify(states)})`).toBe(1);
    if (last?.type === 'followup:cancelled') expect(last.actor, `${id}: cancelled by an actor`).not.toBeNull();
    if (last?.type === 'followup:booked') {
      const token = await opd.getToken(last.toTokenId);
      expect(token).toMatchObject({ category: 'FOLLOW_UP', patient: { id: visit.patient.id } });
      expect(doctors).toContain(token.doctorId);
      expect(token.day > visit.day).toBe(true);
    }
    const open = due.get(id);
    if (swept && open !== undefined) {
      const today = opd.dayOf(new Date(now));
      for (let d = open.from; d <= open.to; d = nextDay(d)) {
        if (d <= visit.day || d < today) continue;
        for (const doctorId of doctors) {
          for (const view of (await opd.getSchedule(doctorId, d)).slots) {
            if (view.slot.status !== 'OPEN' || view.slot.end.getTime() <= now) continue;
            expect(view.free, `${id}: due after a sweep, yet ${view.slot.id} has a free place`).toBe(0);
          }
        }
      }
    }
  }
}

describe('no follow-up is lost (property)', () => {
  for (const [name, open] of Object.entries(STORES)) {
    if (name.includes('standby')) continue;
    const runs = name === 'memory' ? 100 : 20;
    it.skipIf(open === undefined)(
      `on ${name}: every follow-up booked once, due, or cancelled by an actor; a sweep books a due one into a place that opened`,
      { timeout: timeoutFor(runs, 4000) },
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 40 }), async (ops) => scenario(open!, ops)),
          fcOptions(runs),
        );
      },
    );
  }
});
