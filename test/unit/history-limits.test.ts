/**
 * A store's kept history has limits a reader can rely on: `tail()` never skips an event silently
 * (a `MemoryStorage` with a `historyLimit` that forgot what a reader needed says so with
 * `HISTORY_TRUNCATED`), and `history()` answers a page at a time (1,000 events unless a `limit`
 * says otherwise), so that a long log is never built whole.
 */
import { MemoryStorage, type OpdEvent, type OpdScheduler } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { allHistory, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

async function bookMany(opd: OpdScheduler, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
}

async function lastSeq(opd: OpdScheduler): Promise<number> {
  const page = await opd.history({ after: 0, limit: 1_000_000 });
  return page.at(-1)?.seq ?? 0;
}

describe('tail() on a store that forgets its oldest events', () => {
  it('fails with HISTORY_TRUNCATED when a slow consumer falls behind the kept history, never skipping', async () => {
    const { opd } = scheduler({ storage: new MemoryStorage({ historyLimit: 1000 }) });
    await doctorWithSlots(opd, 'd1', [9], 5000);
    await bookMany(opd, 1);
    const first = await lastSeq(opd);
    const events = opd.tail({ after: first - 1 })[Symbol.asyncIterator]();
    expect((await events.next()).value).toMatchObject({ seq: first });
    // The consumer is busy while 3,000 bookings are stored.
    await bookMany(opd, 3000);
    const last = await lastSeq(opd);
    const error = await rejectsWith(events.next(), 'HISTORY_TRUNCATED');
    expect(error.details).toMatchObject({ adapter: 'memory', needed: first + 1, oldestKept: last - 999 });
    // The iteration has ended; nothing more is handed out.
    expect(await events.next()).toEqual({ done: true, value: undefined });
    await opd.close();
  });

  it('fails with HISTORY_TRUNCATED when asked to start below the oldest event kept', async () => {
    const { opd } = scheduler({ storage: new MemoryStorage({ historyLimit: 100 }) });
    await doctorWithSlots(opd, 'd1', [9], 5000);
    await bookMany(opd, 300);
    const last = await lastSeq(opd);
    const error = await rejectsWith(opd.tail({ after: 0 })[Symbol.asyncIterator]().next(), 'HISTORY_TRUNCATED');
    expect(error.details).toMatchObject({ needed: 1, oldestKept: last - 99 });
    // From the oldest kept event on, every event is delivered in order.
    const seen: number[] = [];
    for await (const event of opd.tail({ after: last - 100 })) {
      seen.push(event.seq);
      if (event.seq === last) break;
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => last - 99 + i));
    await opd.close();
  });

  it('follows as before when nothing it needs was forgotten', async () => {
    const { opd } = scheduler({ storage: new MemoryStorage({ historyLimit: 10 }) });
    await doctorWithSlots(opd, 'd1', [9], 50);
    const start = await lastSeq(opd);
    const seen: OpdEvent[] = [];
    const reading = (async () => {
      for await (const event of opd.tail({ after: start })) {
        seen.push(event);
        if (seen.length === 20) break;
      }
    })();
    // Each booking is read before the next one: the consumer keeps up.
    for (let i = 0; i < 20; i++) {
      await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await reading;
    expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => start + 1 + i));
    await opd.close();
  });
});

describe('history() pages', () => {
  it('answers 1,000 events without a limit; the caller pages on with after', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2000);
    await bookMany(opd, 1500);
    const first = await opd.history();
    expect(first).toHaveLength(1000);
    const rest = await opd.history({ after: first.at(-1)!.seq });
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.length).toBeLessThan(1000);
    const all = await allHistory(opd);
    expect(all.map((e) => e.seq)).toEqual([...first, ...rest].map((e) => e.seq));
    expect(all.filter((e) => e.type === 'token:booked')).toHaveLength(1500);
    // A limit still asks for more, or fewer.
    expect(await opd.history({ limit: 1200 })).toHaveLength(1200);
    expect(await opd.history({ limit: 3 })).toHaveLength(3);
    await opd.close();
  });
});
