/**
 * Offers across processes, one database: a freed place is offered to a group, and worker
 * processes (each its own pool and scheduler) accept at the same instant — every one the same
 * offer, and each its own. Exactly one accept takes the place; every other answer is
 * `OFFER_TAKEN` or, for the offer that won, a replay of it. Needs DATABASE_URL; skipped without it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets, StagedOffers } from '../../src/index.js';
import type { TokenOfferedEvent } from '../../src/events/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { intensity } from '../intensity.js';
import { DAY, NOW, startAtOnce } from './shared.js';

const url = process.env['DATABASE_URL'];
/** Worker processes: 4 in `npm test`, 8 in `npm run test:long`. */
const WORKERS = intensity(4, 8);

interface Answer {
  readonly offerId: string;
  readonly ok: boolean;
  readonly replayed?: boolean;
  readonly code?: string;
  readonly tokenId?: string;
}

describe.skipIf(url === undefined || url === '')('PostgreSQL: offers accepted by many processes at once', () => {
  let pool: pg.Pool;
  const schema = `opd_t_offer_race_${process.pid}`;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool, { schema });
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it(`exactly one of ${WORKERS} processes takes an offered place`, async () => {
    const opd = new OpdScheduler({
      ...presets.standard(),
      storage: new PostgresStorage({ db: pool, schema }),
      clock: () => new Date(NOW),
      offers: new StagedOffers({ windowMinutes: 30, groupSize: 20 }),
    });
    await opd.addDoctor({ id: 'o1', name: 'Dr O' });
    await opd.addSlots('o1', [{ id: 'o1-11', start: `${DAY}T11:00:00Z`, end: `${DAY}T12:00:00Z`, capacity: 1, overflowCapacity: 0 }]);
    const first = await opd.book({ doctorId: 'o1', category: 'ONLINE', patient: { id: 'p0', name: 'P0' } });
    for (let w = 0; w < WORKERS; w++) await opd.book({ doctorId: 'o1', category: 'ONLINE', patient: { id: `p${w + 1}`, name: `P${w + 1}` } });
    const group = (await opd.cancel(first.token.id)).effects.filter((e): e is TokenOfferedEvent => e.type === 'token:offered');
    expect(group).toHaveLength(WORKERS);
    // Every process connected first, then all told to go at once.
    const workers = group.map((own) => startAtOnce<Answer>('test/postgres/offer-worker.ts', [url!, schema, group[0]!.offerId, own.offerId]));
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const answers = (await Promise.all(workers.map((w) => w.answers))).flat();
    const applied = answers.filter((a) => a.ok && a.replayed !== true);
    expect(applied).toHaveLength(1);
    const winner = applied[0]!;
    for (const a of answers) {
      if (a.ok) expect(a.offerId === winner.offerId && a.tokenId === winner.tokenId).toBe(true);
      else expect(a.code).toBe('OFFER_TAKEN');
    }
    const slot = await opd.getSlot('o1-11');
    expect(slot.places.map((t) => t.id)).toEqual([winner.tokenId]);
    expect(slot.waitlist).toHaveLength(WORKERS - 1);
    const history = await opd.history({ limit: 10_000 });
    expect(history.filter((e) => e.type === 'token:offer-accepted')).toHaveLength(1);
    expect(history.filter((e) => e.type === 'token:offer-lapsed')).toHaveLength(WORKERS - 1);
    await opd.close();
  });
});
