/**
 * The UHI channel's quota across processes, one database: 8 worker processes (each its own pool,
 * scheduler and `UhiProvider`) send `init` and `confirm` for one slot at the same instant, under a
 * UHI quota of 3. Exactly 3 are confirmed, every other answered `SLOT_FULL`; the PIN of each is
 * the one any process derives; an emergency at the counter still gets its place in the slot.
 * Needs DATABASE_URL; skipped without it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelQuota, OpdScheduler, presets } from '../../src/index.js';
import { UhiProvider } from '../../src/abdm/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { DAY, NOW, startAtOnce } from './shared.js';

const url = process.env['DATABASE_URL'];
const WORKERS = 8;
const QUOTA = 3;

interface Answer {
  readonly state?: string;
  readonly code?: string;
  readonly id?: string;
  readonly pin?: string;
}

describe.skipIf(url === undefined || url === '')('PostgreSQL: the UHI quota under processes at once', () => {
  let pool: pg.Pool;
  const schema = `opd_t_abdm_uhi_${process.pid}`;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool, { schema });
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it(`${WORKERS} processes under a UHI quota of ${QUOTA}: ${QUOTA} confirmed, and an emergency still gets its place`, async () => {
    const opd = new OpdScheduler({
      ...presets.standard(),
      quota: new ChannelQuota({ ONLINE: { count: QUOTA } }),
      storage: new PostgresStorage({ db: pool, schema }),
      clock: () => new Date(NOW),
    });
    await opd.addDoctor({ id: 'u1', name: 'Dr U' });
    await opd.addSlots('u1', [{ id: 'u1-11', start: `${DAY}T11:00:00Z`, end: `${DAY}T12:00:00Z`, capacity: QUOTA + 1, overflowCapacity: 0 }]);
    const workers = Array.from({ length: WORKERS }, (_, w) =>
      startAtOnce<Answer>('test/postgres/uhi-worker.ts', [url!, schema, 'u1-11', `p${w + 1}@sbx`, String(QUOTA)]),
    );
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const answers = await Promise.all(workers.map(async (w) => (await w.answers)[0]!));
    const confirmed = answers.filter((a) => a.state === 'CONFIRMED');
    expect(confirmed).toHaveLength(QUOTA);
    expect(answers.filter((a) => a.state === undefined).map((a) => a.code)).toEqual(Array.from({ length: WORKERS - QUOTA }, () => 'SLOT_FULL'));
    const uhi = new UhiProvider(opd, {
      providerId: 'hspa.example.org',
      providerUri: 'https://hspa.example.org/uhi',
      pinSecret: 'a-secret-shared-by-every-process',
    });
    for (const a of confirmed) expect(uhi.pinOf(await opd.getToken(a.id!))).toBe(a.pin);
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${schema}.opd_tokens WHERE category = 'ONLINE' AND slot_id = 'u1-11' AND status IN ('BOOKED', 'HELD')`,
    );
    expect(Number(rows[0]!.n)).toBe(QUOTA);
    // The counter fills the last place; an emergency still gets one in the slot.
    await opd.book({ doctorId: 'u1', category: 'WALK_IN', patient: { id: 'w1', name: 'W' }, slotId: 'u1-11' });
    const emergency = await opd.book({ doctorId: 'u1', category: 'EMERGENCY', patient: { id: 'e1', name: 'E' }, slotId: 'u1-11' });
    expect(emergency.token).toMatchObject({ status: 'BOOKED', slotId: 'u1-11' });
    await opd.close();
  });
});
