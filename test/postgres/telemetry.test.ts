/**
 * Telemetry on PostgreSQL: every unit of work is timed, the wait for the doctor's lock included,
 * and a unit the database or the rules fail is a failed unit. Needs DATABASE_URL.
 */
import { OPD_ATTRIBUTES as A, OPD_METRICS as M, OpdScheduler, presets } from 'opd-scheduler';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { Observed } from '../telemetry/support.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const clock = () => new Date('2026-01-30T07:00:00Z');

if (!hasServer) console.warn('PostgreSQL telemetry tests skipped: DATABASE_URL is not set');

describe.skipIf(!hasServer)('PostgresStorage: units of work timed', () => {
  const run = `${process.pid}_${Date.now().toString(36)}`;
  const pool = hasServer ? new pg.Pool({ connectionString: url, max: 6, application_name: `opd-telemetry-${run}` }) : undefined;
  const schema = `opd_t_tel_${run}`;
  afterAll(async () => {
    if (pool === undefined) return;
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('times each unit, those that waited for the lock too, and records a refusal inside its unit as a failed one', async () => {
    await migrate(pool!, { schema });
    const otel = new Observed();
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool!, schema }), clock, telemetry: otel.telemetry });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
      await opd.addSlots('d1', [{ id: 'd1-09', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 12 }]);
      // Twelve bookings of one doctor at once: their units take the doctor's lock in turn.
      const booked = await Promise.all(
        Array.from({ length: 12 }, (_, i) => opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `p${i}`, name: 'A' }, slotId: 'd1-09' })),
      );
      expect(booked.every((b) => b.outcome === 'BOOKED')).toBe(true);
      // The same patient again: refused by the rules, inside its unit.
      await expect(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p0', name: 'A' }, slotId: 'd1-09' })).rejects.toMatchObject({
        code: 'DUPLICATE_BOOKING',
      });
      // Refused before any unit: nothing timed for it.
      await expect(opd.book({ doctorId: 'd1', category: 'NOPE', patient: { id: 'p99', name: 'A' } })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await opd.close();
    }
    expect(unhandled).toEqual([]);
    const points = await otel.points();
    const units = points.filter((p) => p.metric === M.unitDuration && p.attributes[A.method] === 'book');
    const calls = points.filter((p) => p.metric === M.duration && p.attributes[A.method] === 'book');
    const of = (list: typeof points, errorType?: string) => list.find((p) => p.attributes[A.errorType] === errorType);
    expect(of(units)?.value).toBe(12);
    expect(of(units, 'DUPLICATE_BOOKING')?.value).toBe(1);
    expect(of(units, 'VALIDATION_FAILED')).toBeUndefined();
    expect(of(calls, 'VALIDATION_FAILED')?.value).toBe(1);
    // Each unit is part of its call; on a server a unit takes some time.
    expect(of(units)!.sum).toBeGreaterThan(0);
    expect(of(units)!.sum).toBeLessThanOrEqual(of(calls)!.sum!);
    expect(points.filter((p) => p.metric === M.unitDuration && p.attributes[A.method] === 'addSlots')[0]?.value).toBe(1);
    await otel.shutdown();
  });
});
