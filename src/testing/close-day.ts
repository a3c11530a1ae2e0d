/**
 * Closing a day: the days a closing may be due on (`findDueDays` with `closeBy`), and a day
 * closed by the scheduler — its tokens expired or carried to the next day with slots, a carried
 * token's link and due time kept by the store — answering as on `MemoryStorage`.
 */
import { expect, it } from 'vitest';
import { AgingPriority, type Effect, MemoryStorage, OpdScheduler, type OpdSchedulerOptions, presets } from '../index.js';
import { Clock, DAY, type Suite, withSlots } from './fixtures.js';

const NEXT = '2026-01-31';

/** Each effect by what a user reads of it, ids and numbers included (no `seq`, no `at`). */
function summary(effects: readonly Effect[]): unknown[] {
  return effects.map((e) => {
    const { seq: _seq, at: _at, ...rest } = e as Effect & Record<string, unknown>;
    return JSON.parse(JSON.stringify(rest)) as unknown;
  });
}

/** Declares the tests of this part of the conformance suite. */
export function closeDayTests(suite: Suite): void {
  const { timeout, scheduler } = suite;
  it('finds the doctor-days a closing may be due on, when asked', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    await withSlots(opd, 'a', [9, 10], 1);
    await withSlots(opd, 'b', [9], 1);
    await withSlots(opd, 'c', [9], 1);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A' }, slotId: 'a-09' });
    // Waiting, on a day whose last slot ends at 11:00 (IST).
    expect((await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A2' }, slotId: 'a-10' })).outcome).toBe('BOOKED');
    expect((await opd.book({ doctorId: 'a', category: 'WALK_IN', patient: { name: 'A3' }, date: DAY })).outcome).toBe('WAITLISTED');
    // Checked in and never seen, on a day whose last slot ends at 10:00.
    const b = await opd.book({ doctorId: 'b', category: 'ONLINE', patient: { name: 'B' }, slotId: 'b-09' });
    const c = await opd.book({ doctorId: 'c', category: 'ONLINE', patient: { name: 'C' }, slotId: 'c-09' });
    await opd.checkIn(b.token.id);
    const early = Date.parse(`${DAY}T07:00:00+05:30`);
    const ten = Date.parse(`${DAY}T10:00:00+05:30`);
    const eleven = Date.parse(`${DAY}T11:00:00+05:30`);
    // Not asked: nothing closes.
    expect(await storage.findDueDays(early)).toEqual([]);
    expect(await storage.findDueDays(early, undefined, undefined, ten - 1)).toEqual([]);
    expect(await storage.findDueDays(early, undefined, undefined, ten)).toEqual([
      { doctorId: 'b', day: DAY },
      { doctorId: 'c', day: DAY },
    ]);
    expect(await storage.findDueDays(early, undefined, undefined, eleven)).toEqual([
      { doctorId: 'a', day: DAY },
      { doctorId: 'b', day: DAY },
      { doctorId: 'c', day: DAY },
    ]);
    // A day with nothing left a closing ends is not due.
    await opd.cancel(c.token.id);
    expect(await storage.findDueDays(early, undefined, undefined, eleven)).toEqual([
      { doctorId: 'a', day: DAY },
      { doctorId: 'b', day: DAY },
    ]);
  });

  it('closes a day as MemoryStorage does: expired and carried tokens, their links and due times kept; again, nothing', { timeout }, async () => {
    const runs: unknown[] = [];
    for (const memory of [false, true]) {
      const options = { ...presets.standard(), priority: new AgingPriority({ everyMinutes: 60 }), closeOut: { carryForward: true } };
      const { opd, clock } = memory ? await memoryScheduler(options) : await scheduler(options);
      await withSlots(opd, 'a', [9, 10], 1);
      await withSlots(opd, 'a', [9], 1, NEXT);
      const booked = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p1', name: 'One' }, slotId: 'a-09' });
      await opd.book({ doctorId: 'a', category: 'PAID', patient: { id: 'p2', name: 'Two' }, slotId: 'a-10' });
      await opd.book({ doctorId: 'a', category: 'WALK_IN', patient: { id: 'p3', name: 'Three' }, date: DAY });
      await opd.book({ doctorId: 'a', category: 'EMERGENCY', patient: { id: 'p4', name: 'Four' }, slotId: 'a-10' });
      // Already holds a token on the next day: expires rather than being carried.
      await opd.book({ doctorId: 'a', category: 'FOLLOW_UP', patient: { id: 'p5', name: 'Five' }, date: DAY });
      await opd.book({ doctorId: 'a', category: 'FOLLOW_UP', patient: { id: 'p5', name: 'Five' }, date: NEXT });
      clock.set(`${DAY}T09:05:00+05:30`);
      await opd.checkIn(booked.token.id);
      clock.set(`${DAY}T11:00:00+05:30`);
      const preview = await opd.closeDay('a', DAY, { dryRun: true });
      const effects = await opd.closeDay('a', DAY);
      expect(summary(preview)).toEqual(summary(effects));
      expect(effects.at(-1)?.type).toBe('day:closed');
      expect(await opd.closeDay('a', DAY)).toEqual([]);
      const carried = effects.flatMap((e) => (e.type === 'token:carried' ? [e.toTokenId] : []));
      const tokens = await Promise.all(carried.map((id) => opd.getToken(id)));
      for (const t of tokens) expect(t.carriedFrom).toMatch(/~2026-01-30~/);
      // A day later, the carried tokens still rank as due from the closed day (aging continues).
      clock.set(`${NEXT}T07:00:00+05:30`);
      const schedule = await opd.getSchedule('a', NEXT);
      runs.push({
        effects: summary(effects),
        tokens: JSON.parse(JSON.stringify(tokens)) as unknown,
        schedule: JSON.parse(JSON.stringify(schedule)) as unknown,
      });
    }
    expect(runs[0]).toEqual(runs[1]);
  });
}

/** A scheduler on a fresh `MemoryStorage`, with the suite's settings: the answers to compare with. */
async function memoryScheduler(options: OpdSchedulerOptions): Promise<{ opd: OpdScheduler; clock: Clock }> {
  const clock = new Clock();
  return { opd: new OpdScheduler({ ...options, clock: clock.now, timeZone: 'Asia/Kolkata', storage: new MemoryStorage() }), clock };
}
