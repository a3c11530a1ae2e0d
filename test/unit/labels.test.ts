import { CategoryPriority, DEFAULT_LABEL_PREFIXES, OpdScheduler, presets, type OpdSchedulerOptions } from 'opd-scheduler';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import { describe, expect, it } from 'vitest';
import { DAY, doctorWithSlots, request, scheduler, TestClock } from '../helpers.js';
import { borrowPglite, giveBackPglite } from '../pglite.js';

const byCategory: OpdSchedulerOptions = { ...presets.standard(), numbering: 'category' };

describe('token labels', () => {
  it('by default the label is the token number, one series per doctor-day', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const a = await opd.book(request('d1', 'ONLINE'));
    const b = await opd.book(request('d1', 'EMERGENCY'));
    const c = await opd.book(request('d1', 'WALK_IN'));
    expect([a, b, c].map((r) => [r.token.tokenNumber, r.token.label])).toEqual([
      [1, '1'],
      [2, '2'],
      [3, '3'],
    ]);
    expect((await opd.history()).filter((e) => 'label' in e).map((e) => ('label' in e ? e.label : null))).toEqual(['1', '2', '1', '1', '3']);
  });

  it("numbering: 'category' gives each category its own prefixed series; token numbers stay one sequence", async () => {
    const { opd } = scheduler(byCategory);
    await doctorWithSlots(opd, 'd1', [9, 10], 10);
    const labels: string[] = [];
    for (const category of ['WALK_IN', 'EMERGENCY', 'WALK_IN', 'ONLINE', 'PAID', 'FOLLOW_UP', 'WALK_IN', 'EMERGENCY']) {
      labels.push((await opd.book(request('d1', category))).token.label);
    }
    expect(labels).toEqual(['W-1', 'E-1', 'W-2', 'O-1', 'P-1', 'F-1', 'W-3', 'E-2']);
    const held = await opd.hold({ ...request('d1', 'ONLINE'), holdMinutes: 5 });
    expect(held.token).toMatchObject({ label: 'O-2', tokenNumber: 9 });
    // Another day starts every series again.
    await doctorWithSlots(opd, 'd2', [9], 10, { day: '2026-01-31' });
    expect((await opd.book(request('d2', 'WALK_IN'))).token.label).toBe('W-1');
    expect(DEFAULT_LABEL_PREFIXES).toEqual({ EMERGENCY: 'E', PAID: 'P', FOLLOW_UP: 'F', ONLINE: 'O', WALK_IN: 'W' });
  });

  it('takes your prefixes; categories with one prefix share its series; a custom category is its own prefix', async () => {
    const priority = new CategoryPriority({ ranks: { EMERGENCY: 1, SENIOR: 2, PAID: 3, FOLLOW_UP: 4, ONLINE: 5, WALK_IN: 5 } });
    const { opd } = scheduler({ ...presets.standard(), priority, numbering: { series: 'category', prefixes: { PAID: 'VIP', ONLINE: 'G', WALK_IN: 'G' } } });
    await doctorWithSlots(opd, 'd1', [9], 10);
    const labels: string[] = [];
    for (const category of ['PAID', 'ONLINE', 'WALK_IN', 'SENIOR', 'EMERGENCY', 'ONLINE']) labels.push((await opd.book(request('d1', category))).token.label);
    expect(labels).toEqual(['VIP-1', 'G-1', 'G-2', 'SENIOR-1', 'E-1', 'G-3']);
  });

  it('labels stay unique per doctor-day under concurrent bookings', async () => {
    const { opd } = scheduler(byCategory);
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 10);
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => opd.book(request('d1', ['ONLINE', 'WALK_IN', 'PAID'][i % 3]!))));
    const labels = results.map((r) => r.token.label);
    expect(new Set(labels).size).toBe(24);
    for (const prefix of ['O', 'W', 'P']) {
      expect(labels.filter((l) => l.startsWith(`${prefix}-`)).sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)))).toEqual(
        Array.from({ length: 8 }, (_, i) => `${prefix}-${i + 1}`),
      );
    }
  });

  it('refuses a bad numbering option with VALIDATION_FAILED naming it', () => {
    const bad: [unknown, string][] = [
      ['token', 'numbering'],
      [7, 'numbering'],
      [{ series: 'day' }, 'numbering.series'],
      [{ series: 'category', extra: 1 }, 'numbering.extra'],
      [{ series: 'category', prefixes: 'E' }, 'numbering.prefixes'],
      [{ series: 'category', prefixes: { PAID: '' } }, 'numbering.prefixes.PAID'],
      [{ series: 'category', prefixes: { PAID: 'V-IP' } }, 'numbering.prefixes.PAID'],
      [{ series: 'category', prefixes: { PAID: 'ABCDEFGHI' } }, 'numbering.prefixes.PAID'],
      [{ series: 'category', prefixes: { PAID: 3 } }, 'numbering.prefixes.PAID'],
    ];
    for (const [numbering, field] of bad) {
      let caught: unknown;
      try {
        new OpdScheduler({ numbering: numbering as never });
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(numbering)).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    }
    expect(() => new OpdScheduler({ numbering: 'day' })).not.toThrow();
    expect(() => new OpdScheduler({ numbering: { series: 'category' } })).not.toThrow();
  });

  it('are kept by PostgreSQL, series counters included, across schedulers sharing the store', async () => {
    const db = await borrowPglite();
    await migrate(db, { schema: 'desk_labels' });
    const clock = new TestClock();
    const make = (): OpdScheduler => new OpdScheduler({ ...byCategory, storage: new PostgresStorage({ db, schema: 'desk_labels' }), clock: clock.now });
    const first = make();
    await doctorWithSlots(first, 'd1', [9], 10);
    expect((await first.book(request('d1', 'WALK_IN'))).token.label).toBe('W-1');
    expect((await first.book(request('d1', 'WALK_IN'))).token.label).toBe('W-2');
    const second = make();
    const third = await second.book(request('d1', 'WALK_IN'));
    expect(third.token).toMatchObject({ label: 'W-3', tokenNumber: 3 });
    expect((await second.book(request('d1', 'EMERGENCY'))).token.label).toBe('E-1');
    expect((await first.getSchedule('d1', DAY)).slots[0]!.places.map((t) => t.label)).toEqual(['E-1', 'W-1', 'W-2', 'W-3']);
    await first.close();
    await second.close();
    await giveBackPglite(db);
  });
});
