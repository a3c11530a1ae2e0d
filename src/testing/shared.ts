/**
 * The `shared` capability: units through several handles on one store are serialized per doctor,
 * and each decides on what the others committed.
 */
import { expect, it } from 'vitest';
import { isOpdError, presets } from '../index.js';
import { type Suite, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function sharedTests(suite: Suite): void {
  const { timeout, sharedSchedulers } = suite;
  it('serializes units of one doctor across handles and shows each what the others committed', { timeout }, async () => {
    const [a, b] = await sharedSchedulers(presets.waitlist());
    await withSlots(a, 'a', [9], 10);
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        (i % 2 === 0 ? a : b).book({ doctorId: 'a', category: 'ONLINE', patient: { id: `p${i}`, name: `P${i}` }, slotId: 'a-09' }),
      ),
    );
    expect(results.filter((r) => r.outcome === 'BOOKED')).toHaveLength(10);
    expect(new Set(results.map((r) => r.token.tokenNumber)).size).toBe(24);
    expect((await b.getSlot('a-09')).places).toHaveLength(10);
    expect((await a.history()).map((e) => e.seq)).toEqual((await b.history()).map((e) => e.seq));
  });

  it('decides each unit on what every handle committed, whatever the handle read before', { timeout }, async () => {
    const [a, b] = await sharedSchedulers(presets.standard());
    await withSlots(a, 'a', [9], 10);
    const first = await a.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p1', name: 'P1' }, slotId: 'a-09' });
    // Handle a reads the doctor (a refusal writes nothing), then b writes.
    await expect(a.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p1', name: 'P1' }, slotId: 'a-09' })).rejects.toSatisfy((e: unknown) =>
      isOpdError(e, 'DUPLICATE_BOOKING'),
    );
    expect((await a.getSlot('a-09')).places).toHaveLength(1);
    const second = await b.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p2', name: 'P2' }, slotId: 'a-09' });
    const third = await a.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p3', name: 'P3' }, slotId: 'a-09' });
    expect([first, second, third].map((r) => r.token.tokenNumber)).toEqual([1, 2, 3]);
    await expect(a.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p2', name: 'P2' }, slotId: 'a-09' })).rejects.toSatisfy((e: unknown) =>
      isOpdError(e, 'DUPLICATE_BOOKING'),
    );
    for (const opd of [a, b]) {
      expect((await opd.getSlot('a-09')).places.map((t) => t.id)).toEqual([first.token.id, second.token.id, third.token.id]);
      expect((await opd.getToken(second.token.id)).status).toBe('BOOKED');
    }
  });
}
