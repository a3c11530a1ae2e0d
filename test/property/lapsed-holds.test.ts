/**
 * A hold that has ended keeps no place, swept or not (docs/rules.md, Holds): a call that books
 * on a day, or moves patients on within it, behaves as it would have after a sweep run just
 * before it. Random bookings, holds and clock moves over two days of one doctor, under every
 * preset; then the same last call twice — once as it comes, once after a `sweep()` — must get the
 * same answer, and leave the same days once both are swept. The last call is a booking or a hold
 * of any category, without a date (an emergency's day is the first where it gets in, DESIGN §9;
 * anyone else's the first with a free place) or naming its date, with or without an `after`; or a
 * `closeSlot`, a `closeSlots` within its days, or a `setCapacity`. The clock stays before the
 * first slot, so a sweep releases holds and marks nobody a no-show.
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
/** The call compared: any booking or hold (without a date or for a named day), or one that moves patients on within a day. */
type Last =
  | { readonly kind: 'request'; readonly hold: boolean; readonly category: string; readonly date: string | null; readonly after: string | null }
  | { readonly kind: 'closeSlot'; readonly slotId: string }
  | { readonly kind: 'closeSlots'; readonly from: string; readonly to: string }
  | { readonly kind: 'setCapacity'; readonly slotId: string; readonly capacity: number };
const SLOT_IDS = ['a-10', 'a-11', 'b-10'] as const;
const lastArb: fc.Arbitrary<Last> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      hold: fc.boolean(),
      category: categoryArb,
      date: fc.option(dayArb, { nil: null }),
      // Not before the first slot, the second, or the next day's.
      after: fc.constantFrom(null, `${D1}T10:30:00Z`, `${D2}T09:00:00Z`),
    }),
  },
  fc.record({ kind: fc.constant('closeSlot' as const), slotId: fc.constantFrom(...SLOT_IDS) }),
  // The first slot, the first day, or both days.
  fc.record({ kind: fc.constant('closeSlots' as const), from: fc.constant(`${D1}T10:00:00Z`), to: fc.constantFrom(`${D1}T11:00:00Z`, `${D1}T12:00:00Z`, `${D2}T12:00:00Z`) }),
  fc.record({ kind: fc.constant('setCapacity' as const), slotId: fc.constantFrom(...SLOT_IDS), capacity: fc.integer({ min: 0, max: 3 }) }),
);
/** Places of the three slots (D1 10:00 and 11:00, D2 10:00), and the elastic places of each. */
interface Slots {
  readonly early: number;
  readonly late: number;
  readonly next: number;
  readonly overflow: number;
}
const slotsArb: fc.Arbitrary<Slots> = fc.record({ early: fc.integer({ min: 1, max: 2 }), late: fc.integer({ min: 1, max: 2 }), next: fc.integer({ min: 1, max: 2 }), overflow: fc.integer({ min: 0, max: 1 }) });

/** What a call answered, in terms both runs can compare (for a call that moves patients on, that it succeeded: its effects include what the sweep did in the other run). */
type Answer =
  | { readonly ok: true; readonly outcome: string; readonly day: string; readonly slotId: string | null; readonly status: string }
  | { readonly ok: true; readonly kind: string }
  | { readonly ok: false; readonly code: string };

async function replay(preset: () => Preset, slots: Slots, ops: readonly Op[], last: Last, sweepFirst: boolean) {
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
    if (last.kind === 'request') {
      const request = { doctorId: 'd1', category: last.category, patient: patient(), ...(last.date === null ? {} : { date: last.date }), ...(last.after === null ? {} : { after: last.after }) };
      const r = last.hold ? { ...(await opd.hold({ ...request, holdMinutes: 30 })), outcome: 'HELD' } : await opd.book(request);
      answer = { ok: true, outcome: r.outcome, day: r.token.day, slotId: r.token.slotId, status: r.token.status };
    } else {
      if (last.kind === 'closeSlot') await opd.closeSlot(last.slotId);
      // Within its days only: a leave's moves to a later day still count an unswept ended hold
      // there as holding its place (docs/rules.md, Holds).
      else if (last.kind === 'closeSlots') await opd.closeSlots('d1', { from: last.from, to: last.to, horizonDays: 0 });
      else await opd.setCapacity(last.slotId, last.capacity);
      answer = { ok: true, kind: last.kind };
    }
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
    'the last call gets the same answer, and leaves the same days, with or without a sweep just before it',
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
