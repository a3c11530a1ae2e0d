/**
 * Schedule windows: the first slots of a window with a limit (and whether some were left out), the
 * earliest end of each slot's holds, and a booking without a date past many full slots.
 */
import { expect, it } from 'vitest';
import { DAY, START, type Suite, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function scheduleWindowTests(suite: Suite): void {
  const { timeout, scheduler } = suite;
  it("reports, when it reports it, the earliest end among each slot's holds in a schedule window", { timeout }, async () => {
    const { opd, clock, storage } = await scheduler();
    await withSlots(opd, 'h', [9, 10, 11], 3);
    const hold = async (slotId: string, holdMinutes: number): Promise<{ id: string; end: number }> => {
      const { token } = await opd.hold({ doctorId: 'h', category: 'ONLINE', patient: { name: 'H' }, slotId, holdMinutes });
      return { id: token.id, end: token.holdExpiresAt!.getTime() };
    };
    const late = (await hold('h-09', 30)).end;
    clock.advance(60_000);
    const early = (await hold('h-09', 10)).end;
    const ten = (await hold('h-10', 5)).end;
    await hold('h-10', 15);
    // A hold confirmed is a booking: it ends no more.
    await opd.confirm((await hold('h-11', 5)).id);
    await opd.book({ doctorId: 'h', category: 'ONLINE', patient: { name: 'B' }, slotId: 'h-11' });
    expect(early).toBeLessThan(late);
    const { schedule } = await storage.read({ doctorId: 'h', schedule: { from: clock.now().getTime() } });
    const reported = (schedule ?? []).map((e) => [e.slot.id, e.occupancy, e.earliestClaimEnd]);
    // Optional: an adapter that leaves it out reports it for no slot.
    if (reported.every(([, , end]) => end === undefined)) return;
    expect(reported).toEqual([
      ['h-09', 2, early],
      ['h-10', 2, ten],
      ['h-11', 2, undefined],
    ]);
  });

  it('lists the first slots of a schedule window with a limit and says it left some out, or lists the whole window', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    await withSlots(opd, 'w', [9, 10, 11, 12], 1);
    await opd.book({ doctorId: 'w', category: 'ONLINE', patient: { name: 'A' }, slotId: 'w-10' });
    const from = START;
    const whole = await storage.read({ doctorId: 'w', schedule: { from } });
    expect(whole.schedule?.map((e) => [e.slot.id, e.occupancy])).toEqual([
      ['w-09', 0],
      ['w-10', 1],
      ['w-11', 0],
      ['w-12', 0],
    ]);
    expect(whole.scheduleCut ?? false).toBe(false);
    const first = await storage.read({ doctorId: 'w', schedule: { from, limit: 2 } });
    // Optional: an adapter that ignores `limit` lists the whole window, and says nothing was left out.
    if (first.schedule?.length === 4) expect(first.scheduleCut ?? false).toBe(false);
    else {
      expect(first.schedule?.map((e) => [e.slot.id, e.occupancy])).toEqual([
        ['w-09', 0],
        ['w-10', 1],
      ]);
      expect(first.scheduleCut).toBe(true);
    }
    const all = await storage.read({ doctorId: 'w', schedule: { from, limit: 4 } });
    expect(all.schedule).toHaveLength(4);
    expect(all.scheduleCut ?? false).toBe(false);
  });

  it('books without a date into the first free place, however many full slots come before it', { timeout }, async () => {
    const { opd } = await scheduler();
    // Ten days of eight slots of one place; the first 70 taken, past the slots a booking reads first.
    const ids: string[] = [];
    for (let d = 0; d < 10; d++) {
      const day = new Date(Date.parse(`${DAY}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
      ids.push(...(await withSlots(opd, 'r', [9, 10, 11, 12, 13, 14, 15, 16], 1, day)));
    }
    for (let i = 0; i < 70; i++) await opd.book({ doctorId: 'r', category: 'ONLINE', patient: { id: `p${i}`, name: `P${i}` }, slotId: ids[i]! });
    const { token } = await opd.book({ doctorId: 'r', category: 'ONLINE', patient: { id: 'late', name: 'Late' } });
    expect(token).toMatchObject({ slotId: ids[70], status: 'BOOKED' });
  });
}
