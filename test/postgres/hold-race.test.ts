/**
 * `$hold` across processes, one database: 8 worker processes (each its own pool and scheduler)
 * hold the last place of a slot through `holdAppointment` (`opd-scheduler/fhir`) at the same
 * instant, each for its own patient. Exactly one gets the Appointment `pending`; every other is
 * answered an `OperationOutcome` (`SLOT_FULL`). Unconfirmed, the hold frees its place at its end.
 * Needs DATABASE_URL; skipped without it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets } from '../../src/index.js';
import { findAppointments, type FhirProposedAppointment } from '../../src/fhir/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { DAY, NOW, startAtOnce } from './shared.js';

const url = process.env['DATABASE_URL'];
/** The number of processes. */
const WORKERS = 8;

interface Answer {
  readonly resourceType: string;
  readonly status?: string;
  readonly code?: string;
}

describe.skipIf(url === undefined || url === '')('PostgreSQL: $hold of the last place by many processes at once', () => {
  let pool: pg.Pool;
  const schema = `opd_t_hold_race_${process.pid}`;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool, { schema });
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it(`one of ${WORKERS} processes holds the last place; the hold frees it at its end`, async () => {
    const clock = { now: Date.parse(NOW) };
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool, schema }), clock: () => new Date(clock.now) });
    await opd.addDoctor({ id: 'h1', name: 'Dr H' });
    await opd.addSlots('h1', [{ id: 'h1-11', start: `${DAY}T11:00:00Z`, end: `${DAY}T12:00:00Z`, capacity: 2, overflowCapacity: 0 }]);
    await opd.book({ doctorId: 'h1', category: 'ONLINE', patient: { id: 'p0', name: 'P0' }, slotId: 'h1-11' });
    const find = async (): Promise<FhirProposedAppointment[]> =>
      ((await findAppointments(opd, { start: `${DAY}T00:00:00Z`, end: `${DAY}T23:59:00Z` }, { channel: 'ONLINE' })).entry ?? [])
        .filter((e) => e.search.mode === 'match')
        .map((e) => e.resource as FhirProposedAppointment);
    const [proposal] = await find();
    expect(proposal?.slot[0]?.identifier?.value).toBe('h1-11');
    // Every process connected first, then all told to go at once.
    const workers = Array.from({ length: WORKERS }, (_, w) =>
      startAtOnce<Answer>('test/postgres/hold-worker.ts', [url!, schema, JSON.stringify(proposal), `p${w + 1}`]),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const answers = await Promise.all(workers.map(async (w) => (await w.answers)[0]!));
    expect(answers.filter((a) => a.resourceType === 'Appointment')).toEqual([{ resourceType: 'Appointment', status: 'pending', id: expect.any(String) }]);
    expect(answers.filter((a) => a.resourceType === 'OperationOutcome').map((a) => a.code)).toEqual(Array.from({ length: WORKERS - 1 }, () => 'SLOT_FULL'));
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.opd_tokens WHERE status IN ('BOOKED', 'HELD')`);
    expect(Number(rows[0]!.n)).toBe(2);
    expect(await find()).toEqual([]);
    // Unconfirmed: at its end the place is free again, and proposed.
    clock.now += 10 * 60_000;
    expect((await find()).map((a) => a.slot[0]?.identifier?.value)).toEqual(['h1-11']);
    await opd.close();
  });
});
