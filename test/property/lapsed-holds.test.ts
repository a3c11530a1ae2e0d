/**
 * A hold that has ended keeps no place, swept or not (docs/rules.md, Holds): a call that books
 * on a day behaves as it would have after a sweep run just before it. Random bookings, holds and
 * clock moves over two days of one doctor, under every preset; then the same last request twice —
 * once as it comes, once after a `sweep()` — must get the same answer, and leave the same days
 * once both are swept. The last request is a booking or a hold of any category, without a date
 * (an emergency's day is the first where it gets in, DESIGN §9; anyone else's the first with a
 * free place) or naming its date, with or without an `after`. The clock stays before the first
 * slot, so a sweep releases holds and marks nobody a no-show.
 */
import fc from 'fast-check';
import { OpdError, OpdScheduler, presets, type Preset } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { fcOptions, timeoutFor } from './support.js';

const D1 = '2026-01-30';
const D2 = '2026-01-31';
const START = Date.parse(`${D1}T05:00:00Z`);
const CATEGORIES = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'] as const;

const PRESETS: Record<string, () => Preset> = {
  'standard, no elastic place': () => presets.standard({ emergencyOverflow: 0 }),
  standard: () => presets.standard(),
  cascade: () => presets.cascade(),
  waitlist: () => presets.waitlist(),
  elastic: () => presets.elastic(),
};

type Op =
  | { readonly op: 'book'; readonly category: (typeof CATEGORIES)[number]; readonly date: string | null }
  | { readonly op: 'hold'; readonly category: (typeof CATEGORIES)[number]; readonly date: string; readonly minutes: number }
  | { readonly op: 'advance'; readonly minutes: number };

const categoryArb = fc.constantFrom(...CATEGORIES);
const dayArb = fc.constantFrom(D1, D2);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('book' as const), category: categoryArb, date: fc.option(dayArb, { nil: null }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('hold' as const), category: categoryArb, date: dayArb, minutes: fc.constantFrom(5, 10, 30) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 10 }) }) },
);
/** The request compared: any booking or hold, without a date or for a named day. */
const lastArb = fc.record({
  hold: fc.boolean(),
  category: categoryArb,
  date: fc.option(dayArb, { nil: null }),
  // Not before the first slot, the second, or the next day's.
  after: fc.constantFrom(null, `${D1}T10:30:00Z`, `${D2}T09:00:00Z`),
});
/** Places of the three slots (D1 10:00 and 11:00, D2 10:00), and the elastic places of each. */
interface Slots {
  readonly early: number;
  readonly late: number;
  readonly next: number;
  readonly overflow: number;
}
const slotsArb: fc.Arbitrary<Slots> = fc.record({ early: fc.integer({ min: 1, max: 2 }), late: fc.integer({ min: 1, max: 2 }), next: fc.integer({ min: 1, max: 2 }), overflow: fc.integer({ min: 0, max: 1 }) });

/** What a call answered, in terms both runs can compare. */
type Answer = { readonly ok: true; readonly outcome: string; readonly day: string; readonly slotId: string | null; readonly status: string } | { readonly ok: false; readonly code: string };

async function replay(preset: () => Preset, slots: Slots, ops: readonly Op[], last: { hold: boolean; category: string; date: string | null; after: string | null }, sweepFirst: boolean) {
  let now = START;
  const opd = new OpdScheduler({ ...preset(), clock: () => new Date(now) });
  await opd.addDoctor({ id: 'd1', name: 'Dr One' });
  const slot = (id: string, day: string, hour: number, capacity: number) => ({ id, start: `${day}T${hour}:00:00Z`, end: `${day}T${hour + 1}:00:00Z`, capacity, overflowCapacity: slots.overflow });
  await opd.addSlots('d1', [slot('a-10', D1, 10, slots.early), slot('a-11', D1, 11, slots.late), slot('b-10', D2, 10, slots.next)]);
  let n = 0;
  const patient = () => ({ id: `p${++n}`, name: `Patient ${n}` });
  for (const op of ops) {
    try {
      if (op.op === 'advance') now += op.minutes * 60_000;
      else if (op.op === 'book') await opd.book({ doctorId: 'd1', category: op.category, patient: patient(), ...(op.date === null ? {} : { date: op.date }) });
      else await opd.hold({ doctorId: 'd1', category: op.category, patient: patient(), date: op.date, holdMinutes: op.minutes });
    } catch (error) {
      if (!(error instanceof OpdError)) throw error;
    }
  }
  if (sweepFirst) await opd.sweep();
  let answer: Answer;
  try {
    const request = { doctorId: 'd1', category: last.category, patient: patient(), ...(last.date === null ? {} : { date: last.date }), ...(last.after === null ? {} : { after: last.after }) };
    const r = last.hold ? { ...(await opd.hold({ ...request, holdMinutes: 30 })), outcome: 'HELD' } : await opd.book(request);
    answer = { ok: true, outcome: r.outcome, day: r.token.day, slotId: r.token.slotId, status: r.token.status };
  } catch (error) {
    if (!(error instanceof OpdError)) throw error;
    answer = { ok: false, code: error.code };
  }
  await opd.sweep();
  const days = [];
  for (const day of [D1, D2]) {
    const s = await opd.getSchedule('d1', day);
    days.push({ day, slots: s.slots.map((v) => ({ id: v.slot.id, places: v.places.map((t) => `${t.id} ${t.status}`).sort() })), waitlist: s.waitlist.map((t) => t.id) });
  }
  await opd.close();
  return { answer, days };
}

describe('a lapsed hold keeps no place, swept or not', () => {
  const runs = 3_000;
  it(
    'the last request gets the same answer, and leaves the same days, with or without a sweep just before it',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...Object.keys(PRESETS)), slotsArb, fc.array(opArb, { minLength: 2, maxLength: 14 }), lastArb, async (name, slots, ops, last) => {
          const preset = PRESETS[name]!;
          const unswept = await replay(preset, slots, ops, last, false);
          const swept = await replay(preset, slots, ops, last, true);
          expect(unswept.answer, `${name}: the last request's answer`).toEqual(swept.answer);
          expect(unswept.days, `${name}: the days once swept`).toEqual(swept.days);
        }),
        fcOptions(runs),
      );
    },
    timeoutFor(runs, 50),
  );
});
