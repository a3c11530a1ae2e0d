/**
 * Weekly rotas in zones with daylight saving time: every slot is exactly its local window on a
 * rota date, slots never overlap, every session is complete on a day without a clock change,
 * and running the rota again creates nothing and changes nothing.
 */
import fc from 'fast-check';
import { OpdScheduler, type RotaInput, type Slot } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { fcOptions, timeoutFor } from './support.js';
import { allHistory } from '../helpers.js';

const ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago'] as const;
const DAY_MS = 86_400_000;
/** Dates around the changes of 2026 in those zones. */
const FIRSTS = ['2026-03-01', '2026-03-25', '2026-04-01', '2026-09-30', '2026-10-20', '2026-10-30'] as const;

const hhmm = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const dayAfter = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const weekdayOf = (day: string): number => ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;

/** The local date and minute of the day of an instant, by the runtime's own time zone data. */
function wall(timeZone: string): (ms: number) => { day: string; minute: number } {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  return (ms) => {
    const p = Object.fromEntries(format.formatToParts(ms).map((x) => [x.type, x.value]));
    return { day: `${p['year']}-${p['month']}-${p['day']}`, minute: Number(p['hour']) * 60 + Number(p['minute']) };
  };
}

const entry = fc
  .record({
    weekday: fc.integer({ min: 1, max: 7 }),
    start: fc.integer({ min: 0, max: 23 * 4 }),
    quarters: fc.integer({ min: 1, max: 16 }),
    split: fc.constantFrom(1, 2, 3, 4),
  })
  .map(({ weekday, start, quarters, split }) => {
    const from = start * 15;
    const to = Math.min(from + quarters * 15 * split, 23 * 60 + 45);
    const slotMinutes = ((to - from) / split) % 1 === 0 ? (to - from) / split : to - from;
    return { weekday, start: hhmm(from), end: hhmm(to), slotMinutes, capacity: 2 };
  })
  .filter((e) => e.end > e.start);

const rotaArb = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    first: fc.constantFrom(...FIRSTS),
    length: fc.integer({ min: 0, max: 20 }),
    entries: fc.array(entry, { minLength: 1, maxLength: 6 }),
    except: fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 3 }),
  })
  .map(({ zone, first, length, entries, except }) => {
    // Sessions of one weekday must not overlap: keep the first of any overlapping pair.
    const weekly = entries.filter((e, i) => !entries.some((o, j) => j < i && o.weekday === e.weekday && o.start < e.end && e.start < o.end));
    const rota: RotaInput = { weekly, from: first, to: dayAfter(first, length), except: except.map((n) => dayAfter(first, n)) };
    return { zone, rota };
  });

const minuteOf = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));

describe('weekly rotas', () => {
  it(
    'slots are their local windows, never overlap, sessions are complete away from clock changes, and a re-run changes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(rotaArb, async ({ zone, rota }) => {
          const opd = new OpdScheduler({ timeZone: zone, clock: () => new Date('2026-01-01T00:00:00Z') });
          await opd.addDoctor({ id: 'd1', name: 'Dr One' });
          const slots = await opd.addRecurringSlots('d1', rota);
          const local = wall(zone);
          const except = new Set(rota.except);
          const seen = new Set<string>();
          let previous: Slot | undefined;
          for (const slot of slots) {
            // In time order, never overlapping.
            if (previous !== undefined) expect(slot.start.getTime()).toBeGreaterThanOrEqual(previous.end.getTime());
            previous = slot;
            const start = local(slot.start.getTime());
            const end = local(slot.end.getTime());
            expect(start.day >= rota.from && start.day <= rota.to && !except.has(start.day)).toBe(true);
            expect(end.day).toBe(start.day);
            expect(opd.dayOf(slot.start)).toBe(start.day);
            // Inside a session of its weekday, on the session's grid, one slot long in local time.
            const session = rota.weekly.find(
              (e) =>
                e.weekday === weekdayOf(start.day) &&
                start.minute >= minuteOf(e.start) &&
                start.minute < minuteOf(e.end) &&
                (start.minute - minuteOf(e.start)) % e.slotMinutes === 0,
            );
            expect(session).toBeDefined();
            expect(end.minute - start.minute).toBe(session!.slotMinutes);
            seen.add(`${start.day} ${start.minute}`);
          }
          // On a day without a clock change every slot of every session exists.
          for (let n = 0; dayAfter(rota.from, n) <= rota.to; n++) {
            const day = dayAfter(rota.from, n);
            if (except.has(day)) continue;
            const midnight = Date.parse(`${day}T00:00:00Z`);
            const offsets = new Set(
              Array.from({ length: 53 }, (_, h) => midnight + (h - 14) * 3_600_000).map((ms) => {
                const l = local(ms);
                return Date.parse(`${l.day}T00:00:00Z`) + l.minute * 60_000 - Math.floor(ms / 60_000) * 60_000;
              }),
            );
            if (offsets.size > 1) continue; // the clocks change within a day of it
            for (const e of rota.weekly.filter((w) => w.weekday === weekdayOf(day))) {
              for (let m = minuteOf(e.start); m < minuteOf(e.end); m += e.slotMinutes) expect(seen.has(`${day} ${m}`), `${zone} ${day} ${hhmm(m)}`).toBe(true);
            }
          }
          const history = await allHistory(opd);
          const schedules = async (): Promise<unknown> =>
            Promise.all([...new Set(slots.map((s) => opd.dayOf(s.start)))].map((day) => opd.getSchedule('d1', day)));
          const before = await schedules();
          expect(await opd.addRecurringSlots('d1', rota)).toEqual([]);
          expect(await schedules()).toEqual(before);
          expect(await allHistory(opd)).toEqual(history);
        }),
        fcOptions(60),
      );
    },
    timeoutFor(60, 100),
  );
});
