/**
 * Each store finds the days whose claims are due exactly as the model says. Random calls that make,
 * convert and end claims of every kind — holds of random lengths (confirmed, released), desks'
 * leases (returned), places held for an offer (accepted, declined) — over two doctors and two days,
 * with the clock moving on and sweeps, on `MemoryStorage` and on the PostgreSQL adapter over PGlite.
 * After every call, for due bounds from now to a day ahead, `findDueDays(0, bound)` (no no-shows
 * due: only claims) names exactly the doctor-days whose stored claims' due time (`claimDueAt`, the
 * model's function) is at or before the bound, and the two stores name the same ones.
 */
import fc from 'fast-check';
import { isOpdError, MemoryStorage, OpdScheduler, presets, StagedOffers, type StorageAdapter } from 'opd-scheduler';
import type { TokenOfferedEvent } from 'opd-scheduler/events';
import { claimDueAt } from 'opd-scheduler/adapter-kit';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import { describe, expect, it } from 'vitest';
import { pgliteOfFile } from '../pglite.js';
import { fcOptions, timeoutFor } from './support.js';

const DAYS = ['2026-01-30', '2026-01-31'] as const;
const DOCTORS = ['a', 'b'] as const;
const START = Date.parse(`${DAYS[0]}T03:00:00Z`);

type Op =
  | { readonly op: 'hold'; readonly doctor: number; readonly day: number; readonly minutes: number }
  | { readonly op: 'book'; readonly doctor: number; readonly day: number }
  | { readonly op: 'lease'; readonly doctor: number; readonly day: number; readonly places: number; readonly minutes: number }
  | { readonly op: 'confirm' | 'release' | 'cancel' | 'accept' | 'decline' | 'return'; readonly pick: number }
  | { readonly op: 'advance'; readonly minutes: number }
  | { readonly op: 'sweep' };

const doctorArb = fc.nat({ max: DOCTORS.length - 1 });
const dayArb = fc.nat({ max: DAYS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('hold' as const), doctor: doctorArb, day: dayArb, minutes: fc.integer({ min: 1, max: 90 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('book' as const), doctor: doctorArb, day: dayArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('lease' as const),
      doctor: doctorArb,
      day: dayArb,
      places: fc.integer({ min: 1, max: 2 }),
      minutes: fc.integer({ min: 5, max: 120 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constantFrom('confirm' as const, 'release' as const, 'cancel' as const, 'accept' as const, 'decline' as const, 'return' as const),
      pick: fc.nat({ max: 1000 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('sweep' as const) }) },
);

interface Subject {
  readonly opd: OpdScheduler;
  readonly storage: StorageAdapter;
  readonly clock: { now: number };
}

async function subject(storage: StorageAdapter): Promise<Subject> {
  const clock = { now: START };
  const opd = new OpdScheduler({
    ...presets.standard(),
    storage,
    offers: new StagedOffers({ windowMinutes: 20, groupSize: 1 }),
    clock: () => new Date(clock.now),
    timeZone: 'Asia/Kolkata',
  });
  for (const id of DOCTORS) {
    await opd.addDoctor({ id, name: `Dr ${id}` });
    for (const day of DAYS) {
      await opd.addSlots(
        id,
        [9, 10].map((h) => ({ id: `${id}-${day}-${h}`, start: `${day}T0${h - 6}:00:00Z`, end: `${day}T0${h - 5}:00:00Z`, capacity: 2 })),
      );
    }
  }
  return { opd, storage, clock };
}

/** What one call left behind, so that later calls can name it; the same on every store. */
interface Made {
  readonly holds: string[];
  readonly booked: string[];
  readonly leases: { id: string; doctorId: string; date: string }[];
  readonly offers: string[];
}

/** Runs `op`; a refusal (an `OpdError`) is an answer like any other. */
async function apply(s: Subject, made: Made, op: Op, n: number): Promise<string> {
  const pick = <T>(list: readonly T[], i: number): T | undefined => (list.length === 0 ? undefined : list[i % list.length]);
  try {
    switch (op.op) {
      case 'hold': {
        const r = await s.opd.hold({
          doctorId: DOCTORS[op.doctor]!,
          date: DAYS[op.day]!,
          category: 'ONLINE',
          patient: { id: `h${n}`, name: 'H' },
          holdMinutes: op.minutes,
        });
        made.holds.push(r.token.id);
        return r.token.status;
      }
      case 'book': {
        const r = await s.opd.book({ doctorId: DOCTORS[op.doctor]!, date: DAYS[op.day]!, category: 'ONLINE', patient: { id: `b${n}`, name: 'B' } });
        made.booked.push(r.token.id);
        return r.token.status;
      }
      case 'lease': {
        const lease = await s.opd.leaseCapacity({
          deskId: `desk-${n}`,
          doctorId: DOCTORS[op.doctor]!,
          date: DAYS[op.day]!,
          places: op.places,
          ttlMinutes: op.minutes,
        });
        made.leases.push({ id: lease.id, doctorId: lease.doctorId, date: lease.date });
        return lease.status;
      }
      case 'confirm':
      case 'release': {
        const id = pick(made.holds, op.pick);
        if (id === undefined) return 'none';
        return (await (op.op === 'confirm' ? s.opd.confirm(id) : s.opd.release(id))).token.status;
      }
      case 'cancel': {
        const id = pick(made.booked, op.pick);
        if (id === undefined) return 'none';
        const r = await s.opd.cancel(id);
        for (const e of r.effects) if (e.type === 'token:offered') made.offers.push((e as TokenOfferedEvent).offerId);
        return r.token.status;
      }
      case 'accept':
      case 'decline': {
        const id = pick(made.offers, op.pick);
        if (id === undefined) return 'none';
        return (await (op.op === 'accept' ? s.opd.acceptOffer(id) : s.opd.declineOffer(id))).token.status;
      }
      case 'return': {
        const lease = pick(made.leases, op.pick);
        if (lease === undefined) return 'none';
        return (await s.opd.returnLease(lease)).status;
      }
      case 'advance':
        s.clock.now += op.minutes * 60_000;
        return 'ok';
      case 'sweep':
        return String((await s.opd.sweep()).length);
    }
  } catch (error) {
    if (isOpdError(error)) return error.code;
    throw error;
  }
}

/** The doctor-days whose stored claims are due by `bound`, by the model's `claimDueAt`. */
async function dueByModel(storage: StorageAdapter, bound: number): Promise<string[]> {
  const due: string[] = [];
  for (const doctorId of DOCTORS) {
    const { days } = await storage.read({ doctorId, days: [...DAYS] });
    for (const day of DAYS) {
      const at = claimDueAt(days.get(day)?.record.claims);
      if (at !== null && at <= bound) due.push(`${doctorId}/${day}`);
    }
  }
  return due;
}

/** Each stored doctor-day's claim due time. */
async function dueTimes(storage: StorageAdapter): Promise<number[]> {
  const times: number[] = [];
  for (const doctorId of DOCTORS) {
    const { days } = await storage.read({ doctorId, days: [...DAYS] });
    for (const day of DAYS) {
      const at = claimDueAt(days.get(day)?.record.claims);
      if (at !== null) times.push(at);
    }
  }
  return times;
}

const names = (days: readonly { doctorId: string; day: string }[]): string[] => days.map((d) => `${d.doctorId}/${d.day}`);

const RUNS = 40;

describe("each store's claim due days agree with the model", () => {
  const db = pgliteOfFile();
  let n = 0;
  it(
    'memory and PGlite name the same due days as claimDueAt over their stored claims, after every call',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 30 }), async (ops) => {
          const schema = `opd_t_claim_due_${++n}`;
          const pglite = await db();
          await migrate(pglite, { schema });
          const stores = [await subject(new MemoryStorage()), await subject(new PostgresStorage({ db: pglite, schema }))];
          const made = stores.map((): Made => ({ holds: [], booked: [], leases: [], offers: [] }));
          try {
            for (const [i, op] of ops.entries()) {
              const answers = [];
              for (const [k, s] of stores.entries()) answers.push(await apply(s, made[k]!, op, i));
              expect(answers[1], `${JSON.stringify(op)}: the same answer`).toBe(answers[0]);
              const now = stores[0]!.clock.now;
              // Around each day's due time exactly (at it, and a millisecond before), and ahead.
              const times = await dueTimes(stores[0]!.storage);
              for (const bound of [now, now + 15 * 60_000, now + 60 * 60_000, now + 86_400_000, ...times, ...times.map((t) => t - 1)]) {
                const found = [];
                for (const s of stores) {
                  const days = names(await s.storage.findDueDays(0, bound));
                  expect(days, `${JSON.stringify(op)}: due by ${bound - now} ms from now`).toEqual(await dueByModel(s.storage, bound));
                  found.push(days);
                }
                expect(found[1]).toEqual(found[0]);
              }
            }
          } finally {
            for (const s of stores) await s.opd.close();
            await pglite.exec(`DROP SCHEMA ${schema} CASCADE`);
          }
        }),
        fcOptions(RUNS),
      );
    },
    timeoutFor(RUNS, 3000),
  );
});
