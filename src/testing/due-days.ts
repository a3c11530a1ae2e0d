/**
 * Due days: `findDueDays` for sweeps, lapsed holds and waitlists that time may serve, and
 * `scanDays` by filter.
 */
import { expect, it } from 'vitest';
import { DAY, type Suite, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function dueDaysTests(suite: Suite): void {
  const { timeout, scheduler } = suite;
  it('finds the doctor-days where time may open a place to the waitlist, when asked', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    await withSlots(opd, 'c', [9, 11], 1);
    await withSlots(opd, 'd', [9], 1);
    await opd.book({ doctorId: 'c', category: 'ONLINE', patient: { name: 'A' }, slotId: 'c-11' });
    await opd.book({ doctorId: 'd', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd-09' });
    // Waiting with a place free at 09:00 that it may not take (it asked for after 10:00); and
    // waiting on a day with no room at all.
    const after = await opd.book({ doctorId: 'c', category: 'ONLINE', patient: { name: 'C' }, after: '2026-01-30T10:00:00+05:30' });
    expect(after.outcome).toBe('WAITLISTED');
    expect((await opd.book({ doctorId: 'd', category: 'ONLINE', patient: { name: 'D' }, slotId: 'd-09' })).outcome).toBe('WAITLISTED');
    const seven = Date.parse('2026-01-30T07:00:00+05:30');
    const ten = Date.parse('2026-01-30T10:00:00+05:30');
    expect(await storage.findDueDays(seven)).toEqual([]);
    expect(await storage.findDueDays(seven, seven)).toEqual([]);
    expect(await storage.findDueDays(seven, seven, seven)).toEqual([{ doctorId: 'c', day: DAY }]);
    expect(await storage.findDueDays(seven, seven, ten - 1)).toEqual([{ doctorId: 'c', day: DAY }]);
    // The slot with room has ended by ten; a closed slot has no room to give either.
    expect(await storage.findDueDays(seven, seven, ten)).toEqual([]);
    await opd.closeSlot('c-09');
    expect(await storage.findDueDays(seven, seven, seven)).toEqual([]);
  });

  it('finds the doctor-days due for a sweep, and scans days by filter', { timeout }, async () => {
    const { opd, clock, storage } = await scheduler();
    await withSlots(opd, 'b', [9, 11], 3);
    await withSlots(opd, 'a', [9], 3);
    await withSlots(opd, 'a', [9], 3, '2026-01-31');
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A' }, slotId: 'a-09' });
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A2' }, slotId: 'a-09-2026-01-31' });
    await opd.book({ doctorId: 'b', category: 'ONLINE', patient: { name: 'B' }, slotId: 'b-11' });
    const nine = Date.parse('2026-01-30T09:00:00+05:30');
    expect(await storage.findDueDays(nine)).toEqual([]);
    expect(await storage.findDueDays(nine + 1)).toEqual([{ doctorId: 'a', day: DAY }]);
    expect(await storage.findDueDays(Date.parse('2026-02-01T00:00:00Z'))).toEqual([
      { doctorId: 'a', day: DAY },
      { doctorId: 'a', day: '2026-01-31' },
      { doctorId: 'b', day: DAY },
    ]);
    // Holds: a day is due once a hold in it has ended, whenever its slots start; each day once.
    const held = await opd.hold({ doctorId: 'b', category: 'ONLINE', patient: { name: 'H' }, slotId: 'b-09', holdMinutes: 10 });
    const ends = held.token.holdExpiresAt!.getTime();
    expect(await storage.findDueDays(nine, ends - 1)).toEqual([]);
    expect(await storage.findDueDays(nine, ends)).toEqual([{ doctorId: 'b', day: DAY }]);
    expect(await storage.findDueDays(nine + 1, ends)).toEqual([
      { doctorId: 'a', day: DAY },
      { doctorId: 'b', day: DAY },
    ]);
    await opd.release(held.token.id);
    expect(await storage.findDueDays(nine, ends)).toEqual([]);
    const days = async (filter: { doctorId?: string; day?: string }): Promise<string[]> => {
      const out: string[] = [];
      for await (const d of storage.scanDays(filter)) out.push(`${d.record.doctorId}/${d.record.day}/${d.slots.length}/${d.tokens.length}`);
      return out.sort();
    };
    expect(await days({})).toEqual(['a/2026-01-30/1/1', 'a/2026-01-31/1/1', 'b/2026-01-30/2/2']);
    expect(await days({ doctorId: 'a' })).toEqual(['a/2026-01-30/1/1', 'a/2026-01-31/1/1']);
    expect(await days({ day: DAY })).toEqual(['a/2026-01-30/1/1', 'b/2026-01-30/2/2']);
    expect(await days({ doctorId: 'nobody' })).toEqual([]);
    clock.set('2026-01-30T09:20:00+05:30');
    const swept = await opd.sweep();
    expect(swept.map((e) => e.type)).toEqual(['token:no-show']);
  });
}
