/**
 * The `tail` capability: the adapter's own `tail()` hands out stored events after a `seq`, then
 * live ones, each once and in order, across pages and while the reader books, and ends when its
 * signal aborts or the adapter closes.
 */
import { expect, it } from 'vitest';
import { type Suite, waitUntil, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function tailTests(suite: Suite): void {
  const { timeout, scheduler } = suite;
  it('tails stored events after a seq, then live ones, from the adapter itself', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    expect(typeof storage.tail, 'an adapter declaring `tail` implements it').toBe('function');
    await withSlots(opd, 'a', [9], 5);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'first' }, slotId: 'a-09' });
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'second' }, slotId: 'a-09' });
    const stored = await opd.history();
    const controller = new AbortController();
    const seen: number[] = [];
    const reader = (async () => {
      for await (const event of storage.tail!(stored[0]!.seq, controller.signal)) {
        seen.push(event.seq);
        if (event.type === 'token:cancelled') break;
      }
    })();
    const third = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'third' }, slotId: 'a-09' });
    await opd.cancel(third.token.id);
    await reader;
    controller.abort();
    expect(seen).toEqual((await opd.history()).map((e) => e.seq).filter((seq) => seq > stored[0]!.seq));
  });

  it(
    'tails a backlog of many pages, and what is committed between two reads, each event once and in order',
    { timeout: Math.max(timeout, 120_000) },
    async () => {
      const { opd, storage } = await scheduler();
      await withSlots(opd, 'a', [9, 10, 11, 12, 13, 14, 15, 16], 150);
      // More stored events than an adapter reads in one page (MemoryStorage and PostgresStorage read 500).
      for (let i = 0; i < 1_100; i++) await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: `P${i}` } });
      // Every stored event (`history()` answers a page of 1,000 unless asked for more).
      const backlog = (await opd.history({ limit: Number.MAX_SAFE_INTEGER })).length;
      const controller = new AbortController();
      const seen: number[] = [];
      let booked = 0;
      for await (const event of storage.tail!(0, controller.signal)) {
        seen.push(event.seq);
        // A reader that books as it reads the last stored event and each live one: every
        // event it causes is committed while the adapter hands out the one before it.
        if (seen.length >= backlog && booked < 10) {
          booked++;
          await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: `Q${booked}` } });
        }
        if (seen.length === backlog + 10) break;
      }
      controller.abort();
      expect(seen).toEqual((await opd.history({ limit: Number.MAX_SAFE_INTEGER })).map((e) => e.seq));
    },
  );

  it('ends a tail waiting for events when its signal aborts, and when the adapter closes', { timeout }, async () => {
    for (const end of ['abort', 'close'] as const) {
      const { opd, storage } = await scheduler();
      await withSlots(opd, 'a', [9], 5);
      await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A' }, slotId: 'a-09' });
      const controller = new AbortController();
      const seen: string[] = [];
      const reader = (async () => {
        for await (const event of storage.tail!(0, controller.signal)) seen.push(event.type);
        return 'ended';
      })();
      await waitUntil(() => seen.length > 0, 5_000);
      if (end === 'abort') controller.abort();
      else await storage.close();
      const outcome = await Promise.race([reader.catch(() => 'ended'), new Promise((r) => setTimeout(() => r('still waiting'), 5_000))]);
      expect(outcome, end).toBe('ended');
      expect(seen, end).toEqual(['token:booked']);
      controller.abort();
    }
  });
}
