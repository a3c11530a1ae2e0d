/**
 * Serialization: concurrent bookings never give the last place twice, and units of one doctor run
 * one at a time while doctors stay independent.
 */
import { expect, it } from 'vitest';
import { isOpdError, presets } from '../index.js';
import { DAY, expectIncreasing, type Suite, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function serializationTests(suite: Suite): void {
  const { timeout, concurrency, scheduler } = suite;
  it(`never gives the last place twice: ${concurrency} concurrent bookings for 10 places`, { timeout }, async () => {
    const { opd } = await scheduler(presets.cascade());
    await withSlots(opd, 'd1', [9], 10);
    const calls = await Promise.allSettled(
      Array.from({ length: concurrency }, (_, i) => opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `p${i}`, name: `P${i}` }, slotId: 'd1-09' })),
    );
    const booked = calls.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
    const refused = calls.flatMap((c) => (c.status === 'rejected' ? [c.reason as unknown] : []));
    expect(booked).toHaveLength(Math.min(10, concurrency));
    expect(refused.every((e) => isOpdError(e, 'SLOT_FULL'))).toBe(true);
    expect(new Set(booked.map((b) => b.token.tokenNumber)).size).toBe(booked.length);
    expect(booked.map((b) => b.token.tokenNumber).sort((a, b) => a - b)).toEqual(Array.from({ length: booked.length }, (_, i) => i + 1));
    const view = await opd.getSlot('d1-09');
    expect(view.places).toHaveLength(booked.length);
    const history = await opd.history();
    expect(history.filter((e) => e.type === 'token:booked')).toHaveLength(booked.length);
    expectIncreasing(history.map((e) => e.seq));
  });

  it('keeps doctors independent and every unit of one doctor serialized', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'a', [9, 10], 5);
    await withSlots(opd, 'b', [9, 10], 5);
    const n = Math.min(concurrency, 30);
    const calls = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        opd.book({ doctorId: i % 2 === 0 ? 'a' : 'b', category: i % 7 === 0 ? 'EMERGENCY' : 'WALK_IN', patient: { id: `p${i}`, name: `P${i}` }, date: DAY }),
      ),
    );
    for (const doctor of ['a', 'b']) {
      const mine = calls.filter((c) => c.token.doctorId === doctor);
      expect(new Set(mine.map((c) => c.token.tokenNumber)).size).toBe(mine.length);
      const schedule = await opd.getSchedule(doctor, DAY);
      for (const slot of schedule.slots) expect(slot.places.length).toBeLessThanOrEqual(slot.slot.capacity + slot.slot.overflowCapacity);
      const placed = schedule.slots.reduce((sum, s) => sum + s.places.length, 0);
      expect(placed + schedule.waitlist.length).toBe(mine.length);
    }
  });
}
