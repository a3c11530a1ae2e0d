/**
 * Following the primary of a list of hosts (`new PostgresStorage({ db: [a, b] })`, src/postgres/hosts.ts)
 * without a cluster: two PGlite instances, one refusing writes (`default_transaction_read_only`), and
 * then the other; and, with the local server, two pools on one database, one of whose sessions are
 * read-only. The real failover (a killed primary, a promoted standby) is test/long/failover.test.ts.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isOpdError, OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';

const clock = () => new Date('2026-01-30T07:00:00Z');
const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';

const SLOTS = [{ id: 'X-9', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 10 }];

async function tokens(db: PGlite): Promise<number> {
  return Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM opd_tokens')).rows[0]!.n);
}

/** A fresh PGlite with the tables and doctor X with one slot. */
async function seeded(): Promise<PGlite> {
  const db = new PGlite();
  await migrate(db);
  const opd = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db }), clock });
  await opd.addDoctor({ id: 'X', name: 'Dr X' });
  await opd.addSlots('X', SLOTS);
  await opd.close();
  return db;
}

const book = (opd: OpdScheduler, patient: string) => opd.book({ doctorId: 'X', slotId: 'X-9', category: 'ONLINE', patient: { id: patient, name: 'n' } });

describe('PostgresStorage on a list of hosts', { timeout: 120_000 }, () => {
  it('runs every unit on the host that accepts writes, and follows it when it moves', async () => {
    const a = await seeded();
    const b = await seeded();
    await a.exec('SET default_transaction_read_only = on'); // a: a standby
    const opd = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: [a, b], failoverTimeout: 2000 }), clock });
    try {
      await book(opd, 'p1');
      await book(opd, 'p2');
      expect(await tokens(a)).toBe(0);
      expect(await tokens(b)).toBe(2);
      // The roles change (b demoted, a promoted): the next write refused on b is sent to a.
      await b.exec('SET default_transaction_read_only = on');
      await a.exec('SET default_transaction_read_only = off');
      const third = await book(opd, 'p3');
      expect(third.token.tokenNumber).toBe(1); // a holds no booking of b's: a fresh day
      expect(await tokens(a)).toBe(1);
      expect(await tokens(b)).toBe(2);
    } finally {
      await opd.close();
      await a.close();
      await b.close();
    }
  });

  it('fails with a typed STORAGE_FAILURE, writing nothing, when no host accepts writes within failoverTimeout', async () => {
    const a = await seeded();
    const b = await seeded();
    await a.exec('SET default_transaction_read_only = on');
    await b.exec('SET default_transaction_read_only = on');
    const opd = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: [a, b], failoverTimeout: 300 }), clock });
    try {
      const started = Date.now();
      const error = await book(opd, 'p1').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
      expect((error as { details: { outcome?: string } }).details.outcome).toBe('not-committed');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await tokens(a)).toBe(0);
      expect(await tokens(b)).toBe(0);
      // A primary again: the next call goes through.
      await b.exec('SET default_transaction_read_only = off');
      await book(opd, 'p1');
      expect(await tokens(b)).toBe(1);
    } finally {
      await opd.close();
      await a.close();
      await b.close();
    }
  });

  it('refuses an empty list, a list mixing kinds, and a readFrom or failoverTimeout that is not one', async () => {
    const a = new PGlite();
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    try {
      for (const [options, field] of [
        [{ db: [] }, 'db'],
        [{ db: [a, pool] }, 'db'],
        [{ db: [a], readFrom: 'replica' }, 'readFrom'],
        [{ db: [a], failoverTimeout: -1 }, 'failoverTimeout'],
      ] as const) {
        let error: unknown;
        try {
          new PostgresStorage(options as never);
        } catch (e) {
          error = e;
        }
        expect(isOpdError(error, 'VALIDATION_FAILED')).toBe(true);
        expect((error as { details: { field: string } }).details.field).toBe(field);
      }
    } finally {
      await pool.end();
      await a.close();
    }
  });

  it('migrates the host that accepts writes', async () => {
    const a = new PGlite();
    const b = new PGlite();
    await a.exec('SET default_transaction_read_only = on');
    try {
      await migrate([a, b]);
      const has = async (db: PGlite) => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'opd_tokens'")).rows[0]!.n;
      expect(await has(a)).toBe(0);
      expect(await has(b)).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe.skipIf(!hasServer)('PostgresStorage on a list of pools (server)', { timeout: 30_000 }, () => {
  it('sends units, reads and the feed to the pool whose sessions accept writes; display reads to the other with readFrom: standby', async () => {
    const schema = `opd_t_hosts_${process.pid}`;
    const admin = new pg.Pool({ connectionString: url, max: 2 });
    admin.on('error', () => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const standby = new pg.Pool({ connectionString: url, max: 3, options: '-c default_transaction_read_only=on', application_name: `opd-hosts-ro-${process.pid}` });
    const primary = new pg.Pool({ connectionString: url, max: 3, application_name: `opd-hosts-rw-${process.pid}` });
    standby.on('error', () => undefined);
    primary.on('error', () => undefined);
    await migrate([standby, primary], { schema });
    const storage = new PostgresStorage({ db: [standby, primary], schema, listen: true, readFrom: 'standby' });
    const opd = new OpdScheduler({ ...presets.cascade(), storage, clock });
    const other = new PostgresStorage({ db: [standby, primary], schema });
    const seen: string[] = [];
    opd.on('token:booked', (e) => seen.push(e.tokenId));
    try {
      await opd.addDoctor({ id: 'X', name: 'Dr X' });
      await opd.addSlots('X', SLOTS);
      const booked = await book(opd, 'p1');
      // Booked by another adapter instance: reaches this one's subscribers through the LISTEN feed.
      const opd2 = new OpdScheduler({ ...presets.cascade(), storage: other, clock });
      const second = await book(opd2, 'p2');
      await expect.poll(() => seen.length, { timeout: 5000 }).toBe(2);
      expect(seen.sort()).toEqual([booked.token.id, second.token.id].sort());
      const view = await opd.getSlot('X-9'); // a display read, on the read-only pool
      expect(view.places).toHaveLength(2);
      const activity = await admin.query<{ app: string; n: number }>(
        `SELECT application_name AS app, count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE $1 GROUP BY 1`,
        [`opd-hosts-%-${process.pid}`],
      );
      expect(activity.rows.map((r) => r.app).sort()).toEqual([`opd-hosts-ro-${process.pid}`, `opd-hosts-rw-${process.pid}`]);
      await opd2.close();
    } finally {
      await opd.close();
      await other.close();
      await standby.end();
      await primary.end();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
