/**
 * A unit acknowledged and then lost by the server (a crash with `synchronous_commit = off`, a
 * failover, a restore) takes the doctor's `rev` back, and another writer reaches that rev again:
 * the adapter's copy, checked by rev alone, would pass and overbook. The adapter drops its whole
 * copy when a new connection reaches another server (`pg_postmaster_start_time()`). Simulated here
 * without touching the server: the lost unit is undone by restoring the schema's rows, this
 * adapter's connections are ended, and its pool reports another start time. Server only.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage, type PostgresDb } from '../../src/postgres/index.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const clock = () => new Date('2026-01-30T07:00:00Z');
const run = `${process.pid}`;
const TABLES = ['opd_doctors', 'opd_days', 'opd_slots', 'opd_slot_index', 'opd_tokens', 'opd_events', 'opd_idempotency'];

/** A pool whose connections report `start()` as their server's start time. */
function reporting(pool: pg.Pool, start: () => string): PostgresDb {
  const wrapped = new WeakMap<object, object>();
  return {
    connect: async () => {
      const client = await pool.connect();
      let proxy = wrapped.get(client);
      if (proxy === undefined) {
        proxy = new Proxy(client, {
          get(target, prop) {
            if (prop === 'query') {
              return (query: unknown, ...rest: unknown[]) =>
                typeof query === 'string' && query.includes('pg_postmaster_start_time()')
                  ? Promise.resolve({ rows: [{ server: start() }] })
                  : (target.query as (...args: unknown[]) => unknown)(query, ...rest);
            }
            const value = Reflect.get(target, prop, target) as unknown;
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
          },
        });
        wrapped.set(client, proxy);
      }
      return proxy as unknown as pg.PoolClient;
    },
    on: (event: string, listener: (...args: never[]) => void) => pool.on(event as 'connect', listener as () => void),
    options: pool.options,
  } as unknown as PostgresDb;
}

describe.skipIf(!hasServer)('PostgresStorage after the server changed (a lost commit)', () => {
  const admin = hasServer ? new pg.Pool({ connectionString: url, max: 2 }) : undefined;
  admin?.on('error', () => undefined);
  afterAll(() => admin?.end());

  it('drops its copy and does not overbook when another writer reaches the rev of a lost unit again', async () => {
    const schema = `opd_t_srvchg_${run}`;
    const backup = `${schema}_bk`;
    const appA = `opd-srvchg-a-${run}`;
    await admin!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin!.query(`DROP SCHEMA IF EXISTS ${backup} CASCADE`);
    await migrate(admin!, { schema });
    const poolA = new pg.Pool({ connectionString: url, max: 3, application_name: appA });
    const poolB = new pg.Pool({ connectionString: url, max: 3 });
    poolA.on('error', () => undefined);
    poolB.on('error', () => undefined);
    let start = 'server-1';
    const A = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: reporting(poolA, () => start), schema }), clock });
    const B = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: poolB, schema }), clock });
    try {
      await B.addDoctor({ id: 'X', name: 'Dr X' });
      await B.addSlots('X', [
        { id: 'X-9', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 2 },
        { id: 'X-10', start: '2026-01-30T10:00:00Z', end: '2026-01-30T11:00:00Z', capacity: 2 },
      ]);
      const t1 = (await B.book({ doctorId: 'X', slotId: 'X-9', category: 'ONLINE', patient: { id: 'p1', name: 'n' } })).token;
      const t2 = (await B.book({ doctorId: 'X', slotId: 'X-9', category: 'ONLINE', patient: { id: 'p2', name: 'n' } })).token;
      await A.book({ doctorId: 'X', slotId: 'X-10', category: 'ONLINE', patient: { id: 'p3', name: 'n' } }); // A holds the day
      // What the server will come back with.
      await admin!.query(`CREATE SCHEMA ${backup}`);
      for (const table of TABLES) await admin!.query(`CREATE TABLE ${backup}.${table} AS SELECT * FROM ${schema}.${table}`);
      await A.cancel(t1.id); // acknowledged, held in A's copy ...
      // ... and lost: the rows come back as they were, and A's connections end, as in a restart.
      const client = await admin!.connect();
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL session_replication_role = replica`);
        await client.query(`TRUNCATE ${TABLES.map((t) => `${schema}.${t}`).join(', ')}`);
        for (const table of TABLES) await client.query(`INSERT INTO ${schema}.${table} SELECT * FROM ${backup}.${table}`);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      await admin!.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appA]);
      await new Promise((r) => setTimeout(r, 300));
      start = 'server-2';
      expect((await B.getToken(t1.id)).status).toBe('BOOKED');
      await B.checkIn(t2.id); // another writer: the doctor's rev reaches the one A's copy holds
      await A.book({ doctorId: 'X', slotId: 'X-9', category: 'ONLINE', patient: { id: 'p4', name: 'n' } }).catch(() => undefined);
      const view = await B.getSlot('X-9');
      const live = view.places.filter((t) => t.status !== 'CANCELLED' && t.status !== 'NO_SHOW');
      expect(live.length).toBeLessThanOrEqual(view.slot.capacity);
      expect(live.map((t) => t.id).sort()).toEqual([t1.id, t2.id].sort());
    } finally {
      await A.close();
      await B.close();
      await poolA.end();
      await poolB.end();
      await admin!.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin!.query(`DROP SCHEMA IF EXISTS ${backup} CASCADE`);
    }
  });
});
