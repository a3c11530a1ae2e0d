/**
 * Idempotency and the duplicate guard: a concurrent idempotent booking replayed once, a failed
 * call leaving no key, one live token per patient per doctor-day under concurrency.
 */
import { expect, it } from 'vitest';
import { isOpdError, presets } from '../index.js';
import { plain, type Suite, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function idempotencyTests(suite: Suite): void {
  const { timeout, scheduler } = suite;
  it('replays a concurrent idempotent booking once', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'd1', [9], 10);
    const request = { doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 'd1-09', idempotencyKey: 'key-1' } as const;
    const results = await Promise.all(Array.from({ length: 10 }, () => opd.book(request)));
    expect(new Set(results.map((r) => r.token.id)).size).toBe(1);
    expect(results.filter((r) => r.replayed === true)).toHaveLength(9);
    const original = results.find((r) => r.replayed !== true)!;
    for (const r of results) expect(plain({ ...r, replayed: undefined })).toEqual(plain({ ...original, replayed: undefined }));
    expect((await opd.stats()).tokens).toBe(1);
    await expect(opd.book({ ...request, category: 'WALK_IN' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('lets a failed call leave no idempotency key behind', { timeout }, async () => {
    const { opd } = await scheduler(presets.cascade());
    await withSlots(opd, 'd1', [9, 10], 1);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09' });
    await expect(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd1-09', idempotencyKey: 'k' })).rejects.toMatchObject({
      code: 'SLOT_FULL',
    });
    const retry = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd1-10', idempotencyKey: 'k' });
    expect(retry.replayed).toBeUndefined();
    expect(retry.token.tokenNumber).toBe(2);
  });

  it('holds one live token per patient per doctor-day, even under concurrency', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'd1', [9, 10, 11], 5);
    const calls = await Promise.allSettled(
      ['d1-09', 'd1-10', 'd1-11', 'd1-09', 'd1-10'].map((slotId) =>
        opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'same', name: 'S' }, slotId }),
      ),
    );
    expect(calls.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    for (const c of calls) if (c.status === 'rejected') expect(isOpdError(c.reason, 'DUPLICATE_BOOKING')).toBe(true);
    // With the guard off, the same patient may hold several.
    const { opd: open2 } = await scheduler({ allowDuplicateBookings: true });
    await withSlots(open2, 'd1', [9, 10], 5);
    await open2.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'same', name: 'S' }, slotId: 'd1-09' });
    await open2.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'same', name: 'S' }, slotId: 'd1-10' });
    expect((await open2.stats()).tokens).toBe(2);
  });
}
