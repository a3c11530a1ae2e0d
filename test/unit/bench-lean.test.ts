/**
 * The one-function booking of `npm run bench` (`bench/book-lean.ts`) is only a ceiling for the
 * engine if it does the engine's work: on the bench's workload it must give the engine's results,
 * field for field, and keep the same history.
 */
import { describe, expect, it } from 'vitest';
import { leanBooker } from '../../bench/book-lean.js';
import { bookAll, network } from '../../bench/book-workload.js';

describe('the bench’s one-function booking', () => {
  it('gives the engine’s results on the workload (each doctor one category, elastic places taken)', async () => {
    // Ten doctors: as on the large network, each gets one category all day, the emergency
    // doctor's patients filling every slot's elastic places.
    const doctors = 10;
    const days = 2;
    const opd = await network(doctors, days);
    const lean = leanBooker(doctors, days);
    const engine: unknown[] = [];
    const oneFunction: unknown[] = [];
    const n = await bookAll(async (r) => engine.push(await opd.book(r)), doctors, days);
    await bookAll(async (r) => oneFunction.push(await lean.book(r)), doctors, days);
    expect(lean.booked()).toBe(n);
    expect(oneFunction).toEqual(engine);
    expect(engine.some((r) => (r as { overflow: boolean }).overflow)).toBe(true);
    // The same events, numbered from 1 here (the engine's history starts with its doctors and slots).
    const withoutSeq = (events: readonly { type: string; seq: number }[]): unknown[] => events.filter((e) => e.type === 'token:booked').map((e) => ({ ...e, seq: 0 }));
    const kept = lean.history(0, n + 1);
    expect(kept).toHaveLength(n);
    expect(withoutSeq(kept)).toEqual(withoutSeq(await opd.history()));
    await opd.close();
  });

  it('refuses what it does not do, as a rejection', async () => {
    const lean = leanBooker(1, 1);
    await expect(lean.book({ doctorId: 'd0', category: 'NOPE', patient: { id: 'p', name: 'P' }, date: '2026-01-05' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(lean.book({ doctorId: 'd9', category: 'ONLINE', patient: { id: 'p', name: 'P' }, date: '2026-01-05' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
