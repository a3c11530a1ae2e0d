/** History: events in `seq` order, as emitted, paged after any `seq`, frozen. */
import { expect, it } from 'vitest';
import { DAY, expectIncreasing, type Suite, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function historyTests(suite: Suite): void {
  const { timeout, scheduler } = suite;
  it('pages history in seq order, after any seq', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'd1', [9, 10], 2);
    const emitted: number[] = [];
    opd.on('event', (e) => emitted.push(e.seq));
    for (let i = 0; i < 7; i++) await opd.book({ doctorId: 'd1', category: i === 5 ? 'EMERGENCY' : 'WALK_IN', patient: { name: `P${i}` }, date: DAY });
    const all = await opd.history();
    expect(all.map((e) => e.seq)).toEqual(emitted);
    expectIncreasing(all.map((e) => e.seq));
    const paged: number[] = [];
    for (let after = 0; ;) {
      const page = await opd.history({ after, limit: 3 });
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(3);
      paged.push(...page.map((e) => e.seq));
      after = page[page.length - 1]!.seq;
    }
    expect(paged).toEqual(emitted);
    const middle = all[3]!.seq;
    expect((await opd.history({ after: middle })).map((e) => e.seq)).toEqual(emitted.filter((s) => s > middle));
    expect(await opd.history({ after: all[all.length - 1]!.seq })).toEqual([]);
    for (const event of all) expect(Object.isFrozen(event)).toBe(true);
  });
}
