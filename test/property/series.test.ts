/**
 * Series of visits (DESIGN §12, issue 85), under random days:
 * - an all-or-nothing series books every occurrence or none — also when another booking, made
 *   at the same moment, takes a place mid-series — and no slot ever passes its capacity plus the
 *   elastic places granted;
 * - a series' claim never keeps an emergency from a place: after every call, no emergency waits
 *   while a usable slot of its day holds a place for a series (previews hold places, patients
 *   book, emergencies arrive, the clock moves and the sweep runs).
 * On memory, PGlite and (with DATABASE_URL) a PostgreSQL server.
 */
import fc from 'fast-check';
import { isOpdError, OpdScheduler, presets, type SeriesMode } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { conformanceStores, type Store } from '../conformance/stores.js';
import { TestClock } from '../helpers.js';
import { fcOptions, timeoutFor } from './support.js';

const DAY0 = '2026-01-30';
const STORES = conformanceStores('opd_t_series');
const WEEKS = 5;

function day(n: number): string {
  return new Date(Date.parse(`${DAY0}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** A scheduler over a fresh store: Dr a, one slot of `capacity` (no elastic place) at 09:00 and 10:00 each week for five weeks. */
async function world(open: () => Promise<Store>, capacity: number): Promise<{ opd: OpdScheduler; clock: TestClock; done: () => Promise<void> }> {
  const store = await open();
  const clock = new TestClock(`${DAY0}T07:00:00Z`);
  const opd = new OpdScheduler({ ...presets.standard(), storage: store.storage(), clock: clock.now });
  await opd.addDoctor({ id: 'a', name: 'Dr A' });
  const slots = [];
  for (let w = 0; w < WEEKS; w++)
    for (const h of ['09', '10'])
      slots.push({ id: `a-${w}-${h}`, start: `${day(7 * w)}T${h}:00:00Z`, end: `${day(7 * w)}T${h}:59:00Z`, capacity, overflowCapacity: 0 });
  await opd.addSlots('a', slots);
  return {
    opd,
    clock,
    done: async () => {
      await opd.close();
      await store.cleanup();
    },
  };
}

interface Race {
  readonly capacity: number;
  readonly fills: readonly { readonly week: number; readonly hour: '09' | '10' }[];
  readonly count: number;
  readonly mode: SeriesMode;
  readonly preview: boolean;
  readonly rival: { readonly week: number; readonly emergency: boolean };
}

const raceArb: fc.Arbitrary<Race> = fc.record({
  capacity: fc.integer({ min: 1, max: 2 }),
  fills: fc.array(fc.record({ week: fc.nat(WEEKS - 1), hour: fc.constantFrom('09' as const, '10' as const) }), { maxLength: 8 }),
  count: fc.integer({ min: 1, max: WEEKS }),
  mode: fc.constantFrom<SeriesMode>('all-or-nothing', 'all-or-nothing', 'best-effort'),
  preview: fc.boolean(),
  rival: fc.record({ week: fc.nat(WEEKS - 1), emergency: fc.boolean() }),
});

async function race(open: () => Promise<Store>, r: Race): Promise<void> {
  const { opd, done } = await world(open, r.capacity);
  try {
    let n = 0;
    for (const f of r.fills) {
      // Fills that find the slot full wait or go elsewhere, as the preset says.
      await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { id: `f${++n}`, name: 'F' }, slotId: `a-${f.week}-${f.hour}` }).catch((error: unknown) => {
        if (!isOpdError(error)) throw error;
      });
    }
    const request = {
      patient: { id: 'S', name: 'Series' },
      doctorId: 'a',
      start: DAY0,
      every: { weeks: 1 },
      count: r.count,
      mode: r.mode,
      idempotencyKey: 'k',
    };
    if (r.preview) await opd.bookSeries({ ...request, dryRun: true });
    // The commit and a rival booking at the same moment: one of them is decided first.
    const [series, rival] = await Promise.allSettled([
      opd.bookSeries(request),
      opd.book({ doctorId: 'a', category: r.rival.emergency ? 'EMERGENCY' : 'ONLINE', patient: { id: 'R', name: 'Rival' }, date: day(7 * r.rival.week) }),
    ]);
    if (rival.status === 'rejected' && !isOpdError(rival.reason)) throw rival.reason;
    const history = await opd.history();
    let booked = 0;
    for (let w = 0; w < WEEKS; w++) {
      const schedule = await opd.getSchedule('a', day(7 * w));
      for (const view of schedule.slots) {
        const claims = view.claimed - view.places.filter((t) => t.status === 'HELD').length;
        expect(view.places.length + claims, `${view.slot.id} within its capacity (no elastic place)`).toBeLessThanOrEqual(view.slot.capacity);
        booked += view.places.filter((t) => t.patient.id === 'S').length;
      }
      booked += schedule.waitlist.filter((t) => t.patient.id === 'S').length;
    }
    if (series.status === 'fulfilled') {
      const tokens = series.value.tokens;
      expect(booked, 'the tokens the series answered are the series patient’s tokens').toBe(tokens.length);
      expect(tokens.every((t) => t.status === 'BOOKED' && t.seriesId === series.value.seriesId)).toBe(true);
      if (r.mode === 'all-or-nothing') expect(tokens.length, 'all-or-nothing: every occurrence').toBe(r.count);
      expect(history.filter((e) => e.type === 'series:booked')).toHaveLength(1);
    } else {
      expect(isOpdError(series.reason) && series.reason.code, String(series.reason)).toBe('SLOT_FULL');
      expect(r.mode).toBe('all-or-nothing');
      expect(booked, 'all-or-nothing refused: no occurrence').toBe(0);
      expect(history.filter((e) => e.type === 'series:booked')).toHaveLength(0);
    }
  } finally {
    await done();
  }
}

type Op =
  | { readonly kind: 'preview'; readonly count: number; readonly key: number; readonly week: number }
  | { readonly kind: 'commit'; readonly count: number; readonly key: number; readonly week: number }
  | { readonly kind: 'book'; readonly week: number; readonly emergency: boolean }
  | { readonly kind: 'advance'; readonly minutes: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('preview' as const), count: fc.integer({ min: 1, max: 3 }), key: fc.nat(3), week: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('commit' as const), count: fc.integer({ min: 1, max: 3 }), key: fc.nat(3), week: fc.nat(2) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('book' as const), week: fc.nat(WEEKS - 1), emergency: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 30 }) }) },
);

async function emergencies(open: () => Promise<Store>, ops: readonly Op[]): Promise<void> {
  const { opd, clock, done } = await world(open, 1);
  try {
    let n = 0;
    for (const op of ops) {
      try {
        if (op.kind === 'preview' || op.kind === 'commit') {
          await opd.bookSeries({
            patient: { id: `s${op.key}`, name: 'S' },
            doctorId: 'a',
            start: day(7 * op.week),
            every: { weeks: 1 },
            count: op.count,
            mode: 'best-effort',
            idempotencyKey: `k${op.key}-${op.week}-${op.count}`,
            dryRun: op.kind === 'preview',
            holdMinutes: 20,
          });
        } else if (op.kind === 'book') {
          await opd.book({ doctorId: 'a', category: op.emergency ? 'EMERGENCY' : 'ONLINE', patient: { id: `p${++n}`, name: 'P' }, date: day(7 * op.week) });
        } else {
          clock.advance(op.minutes);
          await opd.sweep();
        }
      } catch (error) {
        if (!isOpdError(error) || error.code === 'STORAGE_FAILURE') throw error;
      }
      const now = clock.now().getTime();
      for (let w = 0; w < WEEKS; w++) {
        const schedule = await opd.getSchedule('a', day(7 * w));
        for (const t of schedule.waitlist) {
          if (t.category !== 'EMERGENCY') continue;
          for (const view of schedule.slots) {
            if (view.slot.status !== 'OPEN' || view.slot.end.getTime() <= now) continue;
            const held = view.places.filter((p) => p.status === 'HELD').length;
            expect(view.claimed - held - view.leased, `emergency ${t.id} waits while ${view.slot.id} holds a place for a series`).toBe(0);
          }
        }
      }
    }
  } finally {
    await done();
  }
}

describe('series of visits (property)', () => {
  for (const [name, open] of Object.entries(STORES)) {
    if (name.includes('standby')) continue;
    const runs = name === 'memory' ? 150 : 25;
    it.skipIf(open === undefined)(
      `on ${name}: all-or-nothing books every occurrence or none, also with a booking at the same moment`,
      { timeout: timeoutFor(runs, 3000) },
      async () => {
        await fc.assert(
          fc.asyncProperty(raceArb, async (r) => race(open!, r)),
          fcOptions(runs),
        );
      },
    );
    it.skipIf(open === undefined)(`on ${name}: a series' claim never keeps an emergency from a place`, { timeout: timeoutFor(runs, 3000) }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 25 }), async (ops) => emergencies(open!, ops)),
        fcOptions(runs),
      );
    });
  }
});
