import { OpdScheduler, presets, type OpdSchedulerOptions, type SeriesRequest } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { at, DAY, rejectsWith, TestClock } from '../helpers.js';

const stores = conformanceStores('series');

/** `DAY` plus `n` days. */
function dayAfter(n: number): string {
  return new Date(Date.parse(`${DAY}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

describe.each(Object.entries(stores).filter(([name, open]) => open !== undefined && !name.includes('standby')))('series of visits (%s)', (_name, open) => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
    cleanups = [];
  });
  /** Dr d1 with one slot of `capacity` a week apart, four weeks from DAY. */
  const scheduler = async (capacity = 1, options: OpdSchedulerOptions = presets.standard()): Promise<{ opd: OpdScheduler; clock: TestClock }> => {
    const store = await open!();
    const clock = new TestClock(at('07:00'));
    const opd = new OpdScheduler({ ...options, storage: store.storage(), clock: clock.now });
    cleanups.push(async () => {
      await opd.close();
      await store.cleanup();
    });
    await opd.addDoctor({ id: 'd1', name: 'Dr 1', department: 'obs' });
    await opd.addSlots(
      'd1',
      [0, 7, 14, 21].flatMap((n) =>
        [9, 11].map((h) => ({
          id: `d1-${n}-${h}`,
          start: `${dayAfter(n)}T${String(h).padStart(2, '0')}:00:00Z`,
          end: `${dayAfter(n)}T${String(h + 1).padStart(2, '0')}:00:00Z`,
          capacity,
          overflowCapacity: 1,
        })),
      ),
    );
    return { opd, clock };
  };
  const request = (extra: Partial<SeriesRequest> = {}): SeriesRequest => ({
    patient: { id: 'ANC-1', name: 'Lata' },
    doctorId: 'd1',
    start: DAY,
    every: { weeks: 1 },
    count: 4,
    mode: 'all-or-nothing',
    idempotencyKey: 'anc-1',
    ...extra,
  });

  it('a preview holds each place; the commit books them, one token per occurrence with its series; a retry is answered as it was', async () => {
    const { opd } = await scheduler();
    const preview = await opd.bookSeries({ ...request(), dryRun: true, preferredTime: '11:00' });
    expect(preview.occurrences.map((o) => [o.status, o.slotId])).toEqual([0, 7, 14, 21].map((n) => ['HELD', `d1-${n}-11`]));
    expect(preview.heldUntil?.getTime()).toBe(at('07:15').getTime());
    expect((await opd.getSlot('d1-7-11')).claimed).toBe(1);
    // Another patient cannot take a held place: it gets the 09:00 place, then waits.
    expect(
      (await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'x', name: 'X' }, date: dayAfter(7), after: `${dayAfter(7)}T10:30:00Z` })).outcome,
    ).toBe('WAITLISTED');
    const events: string[] = [];
    opd.on('event', (e) => events.push(e.type));
    const booked = await opd.bookSeries({ ...request(), preferredTime: '11:00' });
    expect(booked.tokens.map((t) => [t.slotId, t.seriesId, t.occurrence, t.category])).toEqual(
      [0, 7, 14, 21].map((n, i) => [`d1-${n}-11`, booked.seriesId, i + 1, 'FOLLOW_UP']),
    );
    expect(events).toEqual(['token:booked', 'token:booked', 'token:booked', 'token:booked', 'series:booked']);
    expect((await opd.getSlot('d1-7-11')).claimed).toBe(0);
    expect((await opd.getToken(booked.tokens[1]!.id)).seriesId).toBe(booked.seriesId);
    const again = await opd.bookSeries({ ...request(), preferredTime: '11:00' });
    expect(again).toMatchObject({ replayed: true, seriesId: booked.seriesId });
    expect(again.tokens.map((t) => t.id)).toEqual(booked.tokens.map((t) => t.id));
    await rejectsWith(opd.bookSeries({ ...request(), preferredTime: '09:00' }), 'IDEMPOTENCY_CONFLICT');
  });

  it('all-or-nothing books none when one occurrence has no place; best-effort books the others and names it', async () => {
    const { opd } = await scheduler();
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'a', name: 'A' }, slotId: 'd1-14-9' });
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'b', name: 'B' }, slotId: 'd1-14-11' });
    const before = await opd.history();
    const refused = await rejectsWith(opd.bookSeries(request()), 'SLOT_FULL');
    expect(refused.details['skipped']).toEqual([{ occurrence: 3, date: dayAfter(14), reason: 'SLOT_FULL' }]);
    expect(await opd.history()).toEqual(before);
    const preview = await opd.bookSeries({ ...request(), dryRun: true });
    expect(preview.occurrences.map((o) => o.status)).toEqual(['PROPOSED', 'PROPOSED', 'NO_PLACE', 'PROPOSED']);
    expect((await opd.getSlot('d1-7-9')).claimed).toBe(0);
    const best = await opd.bookSeries(request({ mode: 'best-effort', idempotencyKey: 'anc-2' }));
    expect(best.occurrences.map((o) => o.status)).toEqual(['BOOKED', 'BOOKED', 'NO_PLACE', 'BOOKED']);
    expect((await opd.history()).at(-1)).toMatchObject({ type: 'series:booked', skipped: [{ occurrence: 3 }], mode: 'best-effort' });
  });

  it('an emergency takes a held place; the commit then finds the occurrence another', async () => {
    const { opd } = await scheduler();
    await opd.bookSeries({ ...request({ count: 2 }), dryRun: true });
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'o', name: 'O' }, slotId: 'd1-7-11' });
    // Day +7: 09:00 held for the series, 11:00 taken; the emergency gets the held place, not an elastic one.
    const e = await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: { id: 'e', name: 'E' }, slotId: 'd1-7-9' });
    expect([e.outcome, e.overflow]).toEqual(['BOOKED', false]);
    expect((await opd.getSlot('d1-7-9')).claimed).toBe(0);
    await rejectsWith(opd.bookSeries(request({ count: 2 })), 'SLOT_FULL');
    expect((await opd.bookSeries(request({ count: 2, mode: 'best-effort', idempotencyKey: 'anc-3' }))).occurrences.map((o) => o.status)).toEqual([
      'BOOKED',
      'NO_PLACE',
    ]);
  });

  it('a preview proposes only free places: never a hold its bump would release, never an elastic place', async () => {
    // Under the cascade preset a FOLLOW_UP outranks a WALK_IN hold: a booking would release it.
    const { opd } = await scheduler(1, presets.cascade());
    const held = await opd.hold({ doctorId: 'd1', category: 'WALK_IN', patient: { id: 'w', name: 'W' }, slotId: 'd1-0-9', holdMinutes: 60 });
    await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { id: 'v', name: 'V' }, slotId: 'd1-0-11' });
    const preview = await opd.bookSeries({ ...request({ count: 2 }), dryRun: true });
    // All-or-nothing with a gap: nothing held.
    expect(preview.occurrences.map((o) => [o.status, o.slotId])).toEqual([
      ['NO_PLACE', null],
      ['PROPOSED', 'd1-7-9'],
    ]);
    expect((await opd.getToken(held.token.id)).status).toBe('HELD');
    expect((await opd.getSlot('d1-0-9')).claimed).toBe(1);
  });

  it('a held place is freed at its end by the sweep', async () => {
    const { opd, clock } = await scheduler();
    await opd.bookSeries({ ...request(), dryRun: true, holdMinutes: 5 });
    expect((await opd.getSlot('d1-14-9')).free).toBe(0);
    clock.advance(6);
    await opd.sweep();
    expect((await opd.getSlot('d1-14-9')).free).toBe(1);
    expect((await opd.getSlot('d1-14-9')).claimed).toBe(0);
  });

  it('cancelSeries cancels the occurrences from a date on, and changes nothing the second time', async () => {
    const { opd } = await scheduler(2);
    const { seriesId, tokens } = await opd.bookSeries(request());
    const out = await opd.cancelSeries(seriesId, { from: dayAfter(10), actor: 'desk', reason: 'delivered' });
    expect(out.cancelled.map((t) => t.id)).toEqual(tokens.slice(2).map((t) => t.id));
    expect(out.cancelled.every((t) => t.status === 'CANCELLED')).toBe(true);
    expect((await opd.history()).at(-1)).toMatchObject({ type: 'series:cancelled', seriesId, from: dayAfter(10), actor: 'desk' });
    expect((await opd.getToken(tokens[0]!.id)).status).toBe('BOOKED');
    const length = (await opd.history()).length;
    expect((await opd.cancelSeries(seriesId)).cancelled.map((t) => t.id)).toEqual(tokens.slice(0, 2).map((t) => t.id));
    expect((await opd.cancelSeries(seriesId)).cancelled).toEqual([]);
    expect((await opd.history()).length).toBe(length + 3);
    await rejectsWith(opd.cancelSeries('nope'), 'VALIDATION_FAILED');
  });

  it('refuses a series past 52 occurrences or 12 months, or starting in the past', async () => {
    const { opd } = await scheduler();
    await rejectsWith(opd.bookSeries(request({ count: 53 })), 'VALIDATION_FAILED');
    await rejectsWith(opd.bookSeries(request({ every: { weeks: 2 }, count: 28 })), 'VALIDATION_FAILED');
    await rejectsWith(opd.bookSeries(request({ start: dayAfter(-1) })), 'VALIDATION_FAILED');
    await rejectsWith(opd.bookSeries(request({ every: { days: 1, weeks: 1 } })), 'VALIDATION_FAILED');
    await rejectsWith(opd.bookSeries({ ...request(), idempotencyKey: undefined } as never), 'VALIDATION_FAILED');
    expect(await opd.history()).toEqual([]);
  });
});
