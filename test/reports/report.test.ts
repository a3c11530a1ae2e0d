/**
 * The OPD's numbers, replayed over a simulated month on every store: they agree with the
 * scheduler's own `stats()` (attendance, capacity, places, elastic places) and `fairness()` (waits
 * per category, patient by patient), and erasing the patients changes none of them.
 */
import { OpdScheduler, presets, type Stats } from 'opd-scheduler';
import { opdReport, type OpdReport } from 'opd-scheduler/reports';
import { describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { TestClock } from '../helpers.js';
import { intensity } from '../intensity.js';
import { addDoctors, dayPlus, FIRST_DAY, ist, simulateMonth, ZONE } from './month.js';

const stores = conformanceStores('reports');
const DAYS = 28;

async function month(store: NonNullable<(typeof stores)[string]>, days: number): Promise<{ opd: OpdScheduler; patients: string[] }> {
  const { storage } = await store();
  const clock = new TestClock(ist(dayPlus(FIRST_DAY, -1), '09:00'));
  const opd = new OpdScheduler({ ...presets.standard(), storage: storage(), clock: clock.now, timeZone: ZONE });
  await addDoctors(opd);
  const patients = await simulateMonth(opd, clock, days);
  return { opd, patients };
}

/** The sum of `stats()` of each day of the month. */
async function statsByDay(opd: OpdScheduler, days: number): Promise<Stats[]> {
  const out: Stats[] = [];
  for (let n = 0; n < days; n++) out.push(await opd.stats({ date: dayPlus(FIRST_DAY, n) }));
  return out;
}

const sum = (stats: readonly Stats[], f: (s: Stats) => number): number => stats.reduce((a, s) => a + f(s), 0);

for (const [name, store] of Object.entries(stores)) {
  if (store === undefined || name === 'PGlite with reads on a standby') continue;
  // A month in memory; a fortnight on a server, and on PGlite in `npm test` (the same checks, in
  // less time: a month there in `npm run test:long`).
  const days = name === 'memory' ? DAYS : name === 'a PostgreSQL server' ? 14 : intensity(14, DAYS);
  const last = dayPlus(FIRST_DAY, days - 1);
  describe(`opdReport over a simulated month on ${name}`, () => {
    it('agrees with stats() per day and fairness() per category, and erasing every patient changes no figure', async () => {
      const { opd, patients } = await month(store, days);
      const report = await opdReport(opd, { from: FIRST_DAY, to: last, pageSize: 97 });
      const stats = await statsByDay(opd, days);
      // Attendance is the completed tokens, day by day and in all.
      expect(report.total.attended).toBe(sum(stats, (s) => s.byStatus.COMPLETED));
      expect(report.total.attended).toBeGreaterThan(days * 5);
      for (const [n, s] of stats.entries()) expect(report.tables.day!.find((r) => r.key === dayPlus(FIRST_DAY, n))?.attended ?? 0).toBe(s.byStatus.COMPLETED);
      expect(report.total.noShow).toBe(sum(stats, (s) => s.byStatus.NO_SHOW));
      expect(report.total.dropped).toBe(sum(stats, (s) => s.byStatus.DROPPED));
      expect(report.total.cancelledByPatient + report.total.cancelledByHospital).toBe(sum(stats, (s) => s.byStatus.CANCELLED));
      expect(report.total.requested).toBe(sum(stats, (s) => s.tokens));
      // Capacity, places and elastic places as stats() counts them.
      expect(report.total.capacity).toBe(sum(stats, (s) => s.capacity));
      expect(report.total.places).toBe(sum(stats, (s) => s.places));
      expect(report.total.overflowUsed).toBe(sum(stats, (s) => s.overflowUsed));
      expect(report.total.utilisation).toBeCloseTo(sum(stats, (s) => s.places) / sum(stats, (s) => s.capacity), 12);
      // Every table adds up to the total.
      for (const d of ['department', 'doctor', 'category', 'channel', 'hour', 'day'] as const) {
        const rows = report.tables[d]!;
        expect(rows.reduce((a, r) => a + r.attended, 0), d).toBe(report.total.attended);
        expect(rows.reduce((a, r) => a + r.requested, 0), d).toBe(report.total.requested);
        expect(rows.reduce((a, r) => a + r.waits.dueToCall.count, 0), d).toBe(report.total.waits.dueToCall.count);
      }
      expect(report.tables.channel!.map((r) => r.key)).toEqual(['casualty', 'desk-1', 'portal']);
      expect(report.tables.department!.map((r) => r.key)).toEqual(['ayush', 'cardiology', 'general']);
      expect(report.tables.category!.find((r) => r.key === 'WALK_IN')!.walkInShare).toBe(1);
      expect(report.total.walkInShare).toBeCloseTo(report.total.walkIns / report.total.requested, 12);

      // Waits: day by day, the report of the day gives fairness()'s waits per category.
      for (let n = 0; n < days; n += name === 'memory' ? 1 : 2) {
        const date = dayPlus(FIRST_DAY, n);
        const fair = await opd.fairness({ date });
        const daily = await opdReport(opd, { from: date, to: date, by: 'category' });
        const byCategory = Object.fromEntries(daily.tables.category!.filter((r) => r.waits.dueToCall.count > 0).map((r) => [r.key, r.waits.dueToCall]));
        expect(byCategory, date).toEqual(Object.fromEntries(fair.categories.map((c) => [c.category, { count: c.called, p50: c.waitP50, p95: c.waitP95, max: c.waitMax }])));
      }

      // Erasure: every patient's data gone, every figure the same.
      const withPatients = await opdReport(opd, { from: FIRST_DAY, to: last, lookbackDays: 30 });
      expect(withPatients.total.newPatients! + withPatients.total.repeatPatients!).toBe(withPatients.total.requested);
      expect(withPatients.total.repeatPatients).toBeGreaterThan(0);
      for (const id of patients) await opd.erasePatient(id, { actor: 'dpo' });
      const after: OpdReport = await opdReport(opd, { from: FIRST_DAY, to: last, pageSize: 97 });
      expect(after).toEqual(report);
      await opd.close();
    });
  });
}

describe('opdReport options', () => {
  it('refuses bad options with VALIDATION_FAILED naming the option, reading nothing', async () => {
    const opd = new OpdScheduler();
    const fails = async (options: unknown, field: string): Promise<void> => {
      await expect(opdReport(opd, options as never)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    };
    await fails({ from: '2026-03-01' }, 'to');
    await fails({ from: '2026-03-31', to: '2026-03-01' }, 'to');
    await fails({ from: '2026-03-01', to: '2026-03-31', by: 'ward' }, 'by');
    await fails({ from: '2026-03-01', to: '2026-03-31', by: [] }, 'by');
    await fails({ from: '2026-03-01', to: '2026-03-31', lookbackDays: 0 }, 'lookbackDays');
    await fails({ from: '2026-03-01', to: '2036-03-31' }, 'to');
    await fails({ from: '2026-03-01', to: '2026-03-31', colour: 'red' }, 'options.colour');
    await fails(null, 'options');
  });

  it('reports an empty store as zeros and its slots as capacity', async () => {
    const opd = new OpdScheduler({ clock: () => new Date('2026-03-01T06:00:00Z') });
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    await opd.addSlots('d1', [{ start: '2026-03-02T09:00:00Z', end: '2026-03-02T10:00:00Z', capacity: 6 }]);
    const report = await opdReport(opd, { from: '2026-03-02', to: '2026-03-02', by: ['hour', 'category'] });
    expect(report.total).toMatchObject({ requested: 0, attended: 0, capacity: 6, places: 0, utilisation: 0, newPatients: null });
    expect(report.tables.hour).toEqual([expect.objectContaining({ key: '09', capacity: 6 })]);
    expect(report.tables.category).toEqual([]);
    expect(Object.keys(report.tables)).toEqual(['hour', 'category']);
  });
});
