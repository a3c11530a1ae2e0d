/**
 * The scheduler's `tail()` over any adapter: stored events after a `seq`, then live ones, in
 * order, once each, until the loop breaks or the scheduler closes.
 */
import { expect, it } from 'vitest';
import { DAY, type Suite, waitUntil, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function schedulerTailTests(suite: Suite): void {
  const { timeout, scheduler } = suite;
  it('tails the stored events after a seq, then live ones, in order, once each, until the loop breaks', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'a', [9, 10], 20);
    await withSlots(opd, 'b', [9, 10], 20);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'first' }, slotId: 'a-09' });
    await opd.book({ doctorId: 'b', category: 'ONLINE', patient: { name: 'second' }, slotId: 'b-09' });
    const stored = await opd.history();
    const after = stored[0]!.seq;
    const seen: number[] = [];
    const reader = (async () => {
      for await (const event of opd.tail({ after })) {
        seen.push(event.seq);
        if (event.type === 'token:cancelled') break;
      }
    })();
    const booked = await Promise.all(
      Array.from({ length: 12 }, (_, i) => opd.book({ doctorId: i % 2 === 0 ? 'a' : 'b', category: 'WALK_IN', patient: { name: `P${i}` }, date: DAY })),
    );
    await opd.cancel(booked[3]!.token.id);
    await reader;
    const all = (await opd.history()).map((e) => e.seq);
    expect(seen).toEqual(all.filter((seq) => seq > after));
    expect(() => opd.tail({ after: -1 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }) as never);
  });

  it('ends every open tail when the scheduler closes', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'a', [9], 5);
    const seen: string[] = [];
    const reader = (async () => {
      for await (const event of opd.tail()) seen.push(event.type);
      return 'ended';
    })();
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A' }, slotId: 'a-09' });
    await waitUntil(() => seen.includes('token:booked'), 5000);
    await opd.close();
    expect(await reader).toBe('ended');
    expect(seen.filter((t) => t === 'token:booked')).toHaveLength(1);
  });
}
