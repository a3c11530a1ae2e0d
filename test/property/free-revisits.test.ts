/**
 * An entitlement to free revisits is never used twice (DESIGN §12, issue 85), under random days:
 * charged and uncharged visits completed, bookings of their patients with the visit's doctor, a
 * colleague of the department or another department — several at the same moment — cancelled,
 * no-shows swept, the clock moving. After every step, for every entitlement: the tokens that use it
 * now (marked with it, not cancelled, a no-show or dropped) are at most its free visits, each with
 * its own visit number, each of its patient, within its days and scope; `entitlementOf` answers
 * what is left by the same count, and the events (used less returned) too. Tokens the hospital
 * moves (`move`, to any doctor or day) keep their free visit. On memory, PGlite and (with DATABASE_URL) a PostgreSQL server.
 */
import fc from 'fast-check';
import { isOpdError, OpdScheduler, presets, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { conformanceStores, type Store } from '../conformance/stores.js';
import { TestClock } from '../helpers.js';
import { fcOptions, timeoutFor } from './support.js';

const DAY0 = '2026-01-30';
const STORES = conformanceStores('opd_t_free');
const DOCTORS = ['a', 'b', 'c'] as const;
const DEPARTMENT: Record<string, string> = { a: 'gen', b: 'gen', c: 'ent' };
const FREE_DAYS = 4;
const FREE_VISITS = 2;

function day(n: number): string {
  return new Date(Date.parse(`${DAY0}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

type Op =
  | { readonly kind: 'visit'; readonly patient: number; readonly doctor: number; readonly charged: boolean }
  | {
      readonly kind: 'burst';
      readonly patient: number;
      readonly bookings: readonly { readonly doctor: number; readonly day: number; readonly hold: boolean }[];
    }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'move'; readonly pick: number; readonly doctor: number; readonly day: number }
  | { readonly kind: 'sweep'; readonly hours: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('visit' as const), patient: fc.nat(2), doctor: fc.nat(2), charged: fc.boolean() }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('burst' as const),
      patient: fc.nat(2),
      bookings: fc.array(fc.record({ doctor: fc.nat(2), day: fc.integer({ min: 1, max: FREE_DAYS + 2 }), hold: fc.boolean() }), { minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(100) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('move' as const), pick: fc.nat(100), doctor: fc.nat(2), day: fc.integer({ min: 1, max: FREE_DAYS + 2 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), hours: fc.integer({ min: 1, max: 30 }) }) },
);

async function scenario(open: () => Promise<Store>, scope: 'doctor' | 'department', ops: readonly Op[]): Promise<void> {
  const store = await open();
  const clock = new TestClock(`${DAY0}T06:00:00Z`);
  // Two schedulers over one store, as two app instances: a burst's bookings go to both.
  const opds = [0, 1].map(
    () =>
      new OpdScheduler({
        ...presets.standard(),
        followUps: { freeWithinDays: FREE_DAYS, freeVisits: FREE_VISITS, scope },
        allowDuplicateBookings: true,
        storage: store.storage(),
        clock: clock.now,
      }),
  );
  const opd = opds[0]!;
  try {
    for (const id of DOCTORS) {
      await opd.addDoctor({ id, name: `Dr ${id}`, department: DEPARTMENT[id]! });
      const slots = [];
      for (let n = 0; n <= FREE_DAYS + 2; n++)
        slots.push({ id: `${id}-${n}`, start: `${day(n)}T09:00:00Z`, end: `${day(n)}T10:00:00Z`, capacity: n === 0 ? 40 : 3 });
      await opd.addSlots(id, slots);
    }
    const tokens: string[] = [];
    const charged: Token[] = [];
    // Tokens the hospital moved: a free visit moves with its patient, to any doctor or day.
    const moved = new Set<string>();
    for (const op of ops) {
      try {
        if (op.kind === 'visit') {
          if (clock.now().getTime() >= Date.parse(`${DAY0}T10:00:00Z`)) continue;
          const doctorId = DOCTORS[op.doctor]!;
          const { token } = await opd.book({ doctorId, category: 'ONLINE', slotId: `${doctorId}-0`, patient: { id: `P${op.patient}`, name: 'P' } });
          await opd.checkIn(token.id);
          await opd.startConsultation(token.id);
          const done = await opd.complete(token.id, { charged: op.charged });
          if (op.charged) charged.push(done.token);
        } else if (op.kind === 'burst') {
          // The patient's bookings at the same moment, from both app instances.
          const settled = await Promise.allSettled(
            op.bookings.map((b, k) => {
              const request = { doctorId: DOCTORS[b.doctor]!, category: 'FOLLOW_UP', date: day(b.day), patient: { id: `P${op.patient}`, name: 'P' } };
              const on = opds[k % 2]!;
              return b.hold ? on.hold({ ...request, holdMinutes: 30 }) : on.book(request);
            }),
          );
          for (const s of settled) {
            if (s.status === 'fulfilled') tokens.push(s.value.token.id);
            else if (!isOpdError(s.reason) || s.reason.code === 'STORAGE_FAILURE') throw s.reason;
          }
        } else if (op.kind === 'cancel') {
          const id = tokens[op.pick % Math.max(1, tokens.length)];
          if (id !== undefined) {
            const token = await opd.getToken(id);
            if (token.status === 'HELD') await opd.release(id);
            else await opd.cancel(id);
          }
        } else if (op.kind === 'move') {
          const id = tokens[op.pick % Math.max(1, tokens.length)];
          if (id !== undefined) {
            const { token } = await opds[op.pick % 2]!.move(id, { doctorId: DOCTORS[op.doctor]!, date: day(op.day) });
            tokens.push(token.id);
            moved.add(token.id);
          }
        } else {
          clock.advance(op.hours * 60);
          await opd.sweep();
        }
      } catch (error) {
        if (!isOpdError(error) || error.code === 'STORAGE_FAILURE') throw error;
      }
      await check(opd, scope, charged, tokens, moved);
    }
  } finally {
    for (const o of opds) await o.close();
    await store.cleanup();
  }
}

const GIVEN_BACK = new Set(['CANCELLED', 'NO_SHOW', 'DROPPED']);

async function check(
  opd: OpdScheduler,
  scope: 'doctor' | 'department',
  charged: readonly Token[],
  ids: readonly string[],
  moved: ReadonlySet<string>,
): Promise<void> {
  const tokens = await Promise.all(ids.map((id) => opd.getToken(id)));
  const history = await opd.history();
  for (const visit of charged) {
    const using = tokens.filter((t) => t.entitlement?.fromTokenId === visit.id && !GIVEN_BACK.has(t.status));
    expect(using.length, `${visit.id}: used at most ${FREE_VISITS} times at once`).toBeLessThanOrEqual(FREE_VISITS);
    expect(new Set(using.map((t) => t.entitlement!.visit)).size, `${visit.id}: each use its own visit number`).toBe(using.length);
    for (const t of using) {
      expect(t.entitlement!.visit).toBeGreaterThanOrEqual(1);
      expect(t.entitlement!.visit).toBeLessThanOrEqual(FREE_VISITS);
      expect(t.patient.id).toBe(visit.patient.id);
      if (moved.has(t.id)) continue;
      expect(t.day > visit.day && t.day <= day(FREE_DAYS)).toBe(true);
      if (scope === 'doctor') expect(t.doctorId).toBe(visit.doctorId);
      else expect(DEPARTMENT[t.doctorId]).toBe(DEPARTMENT[visit.doctorId]);
    }
    // What entitlementOf answers on a day the entitlement covers is the same count.
    const summary = await opd.entitlementOf(visit.patient.id!, { doctorId: visit.doctorId, at: day(1) });
    const mine = summary.entitlements.find((e) => e.fromTokenId === visit.id);
    expect(mine?.used, `${visit.id}: entitlementOf counts the uses`).toBe(using.length);
    // And the events tell the same story: uses less the visits given back.
    const told = history.filter((e) => (e.type === 'entitlement:used' || e.type === 'entitlement:returned') && e.fromTokenId === visit.id);
    expect(
      told.filter((e) => e.type === 'entitlement:used').length - told.filter((e) => e.type === 'entitlement:returned').length,
      `${visit.id}: used less returned`,
    ).toBe(using.length);
  }
  // No token uses an entitlement that was never opened.
  for (const t of tokens) if (t.entitlement !== undefined) expect(charged.map((c) => c.id)).toContain(t.entitlement.fromTokenId);
}

describe('an entitlement to free revisits is never used twice (property)', () => {
  for (const [name, open] of Object.entries(STORES)) {
    if (name.includes('standby')) continue;
    const runs = name === 'memory' ? 120 : 20;
    it.skipIf(open === undefined)(
      `on ${name}: bursts of bookings by one patient from two app instances never use one free visit twice`,
      { timeout: timeoutFor(runs, 4000) },
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom<'doctor' | 'department'>('doctor', 'department'),
            fc.array(opArb, { minLength: 5, maxLength: 25 }),
            async (scope, ops) => scenario(open!, scope, ops),
          ),
          fcOptions(runs),
        );
      },
    );
  }
});
