/**
 * Two pauses of one doctor at once, through two schedulers over one store (memory, PGlite, and the
 * server with DATABASE_URL): a pause and the slots it outlasts (closed, their patients moved on as
 * by a leave) are one unit, so exactly one pause wins and the refused one changes nothing — no slot
 * closed for it, no patient moved for it, no event of it in the history. Random days of slots and
 * patients, random pause lengths.
 */
import fc from 'fast-check';
import { isOpdError, OpdScheduler, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { at, DAY } from '../helpers.js';
import { fcOptions, timeoutFor } from '../property/support.js';

const stores = conformanceStores('pause_race');

const world = fc.record({
  /** Slot lengths in minutes, from 09:00 on, back to back. */
  slots: fc.array(fc.constantFrom(15, 20, 30), { minLength: 2, maxLength: 6 }),
  capacity: fc.integer({ min: 1, max: 3 }),
  patients: fc.integer({ min: 0, max: 8 }),
  /** The two pauses' minutes. */
  first: fc.integer({ min: 10, max: 90 }),
  second: fc.integer({ min: 10, max: 90 }),
});

describe.each(Object.entries(stores).filter(([, open]) => open !== undefined))('two pauses of a doctor at once (%s)', (_name, open) => {
  it('exactly one wins; the refused one closed no slot and moved nobody', { timeout: timeoutFor(20, 4_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(world, async ({ slots, capacity, patients, first, second }) => {
        const store = await open!();
        const clock = () => at('09:00');
        const make = () => new OpdScheduler({ ...presets.standard(), storage: store.storage(), clock });
        const a = make();
        const b = make();
        try {
          await a.addDoctor({ id: 'd1', name: 'Dr One' });
          let start = at('09:00').getTime();
          await a.addSlots(
            'd1',
            slots.map((minutes, i) => {
              const slot = { id: `s${i}`, start: new Date(start), end: new Date(start + minutes * 60_000), capacity, overflowCapacity: 0 };
              start += minutes * 60_000;
              return slot;
            }),
          );
          for (let p = 0; p < patients; p++)
            await a.book({ doctorId: 'd1', category: 'WALK_IN', patient: { id: `p${p}`, name: `P${p}` } }).catch(() => undefined);
          const before = (await a.history()).length;
          const answers = await Promise.allSettled([a.pauseDoctor('d1', { minutes: first }), b.pauseDoctor('d1', { minutes: second })]);
          const won = answers.flatMap((r, i) => (r.status === 'fulfilled' ? [{ effects: r.value, minutes: i === 0 ? first : second }] : []));
          const lost = answers.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
          expect(won, 'one pause wins').toHaveLength(1);
          expect(lost).toHaveLength(1);
          expect(isOpdError(lost[0]!.reason, 'VALIDATION_FAILED') && lost[0]!.reason.details['field'] === 'pause').toBe(true);
          // The history holds the winner's effects and nothing else: the refused pause closed nothing, moved nobody.
          const written = (await a.history({ after: before > 0 ? (await a.history())[before - 1]!.seq : 0 })).map((e) => e.seq);
          expect(written).toEqual(won[0]!.effects.map((e) => e.seq));
          expect(won[0]!.effects.at(-1)?.type).toBe('doctor:paused');
          // The slots closed are exactly those the winning pause outlasts.
          const until = at('09:00').getTime() + won[0]!.minutes * 60_000;
          const day = await b.getSchedule('d1', DAY);
          const closed = day.slots.filter((v) => v.slot.status === 'CLOSED').map((v) => v.slot.id);
          expect(closed).toEqual(day.slots.filter((v) => v.slot.end.getTime() <= until).map((v) => v.slot.id));
          for (const v of day.slots) if (v.slot.status === 'CLOSED') expect(v.places.filter((t) => t.status === 'BOOKED')).toEqual([]);
        } finally {
          await a.close();
          await b.close();
          await store.cleanup();
        }
      }),
      fcOptions(20),
    );
  });
});
