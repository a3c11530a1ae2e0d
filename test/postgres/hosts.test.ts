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
import { migrate, PostgresStorage, type PostgresDb } from '../../src/postgres/index.js';
import { borrowPglite, giveBackPglite } from '../pglite.js';

const clock = () => new Date('2026-01-30T07:00:00Z');
const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';

const SLOTS = [{ id: 'X-9', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 10 }];

async function tokens(db: PGlite): Promise<number> {
  return Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM opd_tokens')).rows[0]!.n);
}

/** Adds doctor X with one slot to a migrated database of its own. */
async function seedDoctor(db: PGlite): Promise<void> {
  const opd = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db }), clock });
  await opd.addDoctor({ id: 'X', name: 'Dr X' });
  await opd.addSlots('X', SLOTS);
  await opd.close();
}

const book = (opd: OpdScheduler, patient: string) => opd.book({ doctorId: 'X', slotId: 'X-9', category: 'ONLINE', patient: { id: patient, name: 'n' } });
const readOnly = (db: PGlite, on: boolean) => db.exec(`SET default_transaction_read_only = ${on ? 'on' : 'off'}`);
/**
 * `db`, answering the adapter's question of its role as a primary on `timeline` would (a PGlite
 * instance is always on timeline 1; a promotion raises the number on a real server).
 */
function onTimeline(db: PGlite, timeline: number): PGlite {
  const wal = 'pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn())';
  const named = `'${timeline.toString(16).toUpperCase().padStart(8, '0')}0000000000000001'`;
  const rewrite = (text: string) => text.replace(wal, named);
  const passOn = <T extends object>(target: T, own: Record<string, unknown>): T =>
    new Proxy(target, {
      get(t, key) {
        if (typeof key === 'string' && key in own) return own[key];
        const value: unknown = Reflect.get(t, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
      },
    });
  type Tx = { query: (text: string, params?: unknown[]) => Promise<unknown> };
  return passOn(db, {
    query: (text: string, params?: unknown[]) => db.query(rewrite(text), params),
    transaction: <T>(work: (tx: Tx) => Promise<T>) =>
      db.transaction((tx) => work(passOn(tx, { query: (text: string, params?: unknown[]) => tx.query(rewrite(text), params) }))),
  });
}

/** What a {@link host} answers as: in recovery (a standby) or not, and the timeline it writes on out of recovery. */
interface Role {
  recovering: boolean;
  timeline: number;
  /** Statements that called a WAL function while in recovery (PostgreSQL refuses them: SQLSTATE 55000). */
  refused: number;
}

/**
 * `db`, answering as a server of a cluster would in the role `role` says, as it changes: in
 * recovery, `pg_is_in_recovery()` is true and the WAL functions fail with SQLSTATE 55000, as
 * PostgreSQL refuses them there (counted in `role.refused`); out of it, the probe's timeline is
 * `role.timeline`. Writes are refused (a standby's) with `readOnly`.
 */
async function host(db: PGlite, role: Role): Promise<PGlite> {
  await db.exec(`CREATE OR REPLACE FUNCTION public.opd_test_wal_in_recovery() RETURNS pg_lsn LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'recovery is in progress' USING ERRCODE = '55000', HINT = 'WAL control functions cannot be executed during recovery.'; END $$`);
  const wal = 'pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn())';
  const rewrite = (text: string) =>
    role.recovering
      ? text.replaceAll('pg_catalog.pg_is_in_recovery()', 'true').replaceAll('pg_catalog.pg_current_wal_lsn()', 'public.opd_test_wal_in_recovery()')
      : text
          .replaceAll('pg_catalog.pg_is_in_recovery()', 'false')
          .replaceAll(wal, `'${role.timeline.toString(16).toUpperCase().padStart(8, '0')}0000000000000001'`);
  const counted = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: unknown }).code === '55000') role.refused++;
      throw error;
    }
  };
  const passOn = <T extends object>(target: T, own: Record<string, unknown>): T =>
    new Proxy(target, {
      get(t, key) {
        if (typeof key === 'string' && key in own) return own[key];
        const value: unknown = Reflect.get(t, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
      },
    });
  type Tx = { query: (text: string, params?: unknown[]) => Promise<unknown> };
  return passOn(db, {
    query: (text: string, params?: unknown[]) => counted(() => db.query(rewrite(text), params)),
    transaction: <T>(work: (tx: Tx) => Promise<T>) =>
      db.transaction((tx) => work(passOn(tx, { query: (text: string, params?: unknown[]) => counted(() => tx.query(rewrite(text), params)) }))),
  });
}

const hasTables = async (db: PGlite) =>
  (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'opd_tokens'")).rows[0]!.n === 1;

describe('PostgresStorage and migrate on a list of hosts (two PGlite instances)', () => {
  it('migrate, every unit and the reads run on the host that accepts writes, follow it when it moves, and fail typed when none does', async () => {
    const a = await borrowPglite();
    const b = await borrowPglite();
    try {
      // migrate: on the host that accepts writes only.
      await readOnly(a, true);
      await migrate([a, b]);
      expect([await hasTables(a), await hasTables(b)]).toEqual([false, true]);
      await readOnly(a, false);
      await readOnly(b, true);
      await migrate([a, b]);
      expect(await hasTables(a)).toBe(true);
      await readOnly(b, false);
      await seedDoctor(a);
      await seedDoctor(b);

      await readOnly(a, true); // a: a standby
      const opd = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: [a, b], failoverTimeout: 400 }), clock });
      try {
        await book(opd, 'p1');
        await book(opd, 'p2');
        expect([await tokens(a), await tokens(b)]).toEqual([0, 2]);
        expect((await opd.getSlot('X-9')).places).toHaveLength(2);

        // No host accepts writes: a typed failure within failoverTimeout, nothing written.
        await readOnly(b, true);
        const started = Date.now();
        const error = await book(opd, 'p3').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
        expect((error as { details: { outcome?: string } }).details.outcome).toBe('not-committed');
        expect((error as { details: { reason?: string } }).details.reason).toBe('no-primary');
        expect(Date.now() - started).toBeLessThan(5000);
        expect([await tokens(a), await tokens(b)]).toEqual([0, 2]);

        // A call waiting for a primary ends when its adapter closes, not after failoverTimeout.
        const closed = new PostgresStorage({ db: [a, b], failoverTimeout: 60_000 });
        const waiting = new OpdScheduler({ ...presets.cascade(), storage: closed, clock });
        const pending = book(waiting, 'p9').then(
          () => undefined,
          (e: unknown) => e,
        );
        await new Promise((r) => setTimeout(r, 200));
        const closing = Date.now();
        await closed.close();
        expect(isOpdError(await pending, 'STORAGE_FAILURE')).toBe(true);
        expect(Date.now() - closing).toBeLessThan(5000);
        await waiting.close();

        // a promoted: the next write goes there, without a new adapter.
        await readOnly(a, false);
        const third = await book(opd, 'p3');
        expect(third.token.tokenNumber).toBe(1); // a holds none of b's bookings: its own day
        expect([await tokens(a), await tokens(b)]).toEqual([1, 2]);
        expect((await opd.getSlot('X-9')).places).toHaveLength(1); // reads follow too
      } finally {
        await opd.close();
      }
    } finally {
      await giveBackPglite(a);
      await giveBackPglite(b);
    }
  });

  it('never writes to nor reads from a primary on an earlier timeline than one already seen (an old primary back before it was demoted)', async () => {
    const a = await borrowPglite();
    const b = await borrowPglite();
    try {
      await migrate(a);
      await migrate(b);
      await seedDoctor(a);
      await seedDoctor(b);
      // b was the primary on timeline 1 and is gone (here: refusing writes); a was promoted to timeline 2.
      const promoted = onTimeline(a, 2);
      await readOnly(b, true);
      const opd = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: [promoted, b], failoverTimeout: 400 }), clock });
      // A second adapter that first meets the cluster with both hosts accepting writes.
      const late = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: [promoted, b], failoverTimeout: 400 }), clock });
      try {
        await book(opd, 'p1');
        expect([await tokens(a), await tokens(b)]).toEqual([1, 0]);

        // b back, accepting writes on timeline 1, while a cannot be reached for a moment: no call
        // goes to b; the booking fails typed, not committed, and b holds nothing.
        await readOnly(b, false);
        await readOnly(a, true);
        const error = await book(opd, 'p2').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
        expect((error as { details: { outcome?: string } }).details.outcome).toBe('not-committed');
        expect([await tokens(a), await tokens(b)]).toEqual([1, 0]);

        // a answers again: the writes and reads go there.
        await readOnly(a, false);
        expect((await opd.getSlot('X-9')).places).toHaveLength(1);
        await book(opd, 'p2');
        expect([await tokens(a), await tokens(b)]).toEqual([2, 0]);

        // Both accept writes: the later timeline is the primary, at once.
        await book(late, 'p3');
        expect([await tokens(a), await tokens(b)]).toEqual([3, 0]);
        expect((await late.getSlot('X-9')).places).toHaveLength(3);
      } finally {
        await opd.close();
        await late.close();
      }
    } finally {
      await giveBackPglite(a);
      await giveBackPglite(b);
    }
  });

  it('while no host accepts writes, reads run on the one promoted and not yet writable (read-only on the latest timeline), never on an old primary', async () => {
    const a = await borrowPglite();
    const b = await borrowPglite();
    try {
      await migrate(a);
      await migrate(b);
      await seedDoctor(a);
      await seedDoctor(b);
      // a: a standby just promoted to timeline 2, still refusing writes (pg_auto_failover keeps it
      // so until the old primary is surely demoted); b: the old primary on timeline 1, back and
      // accepting writes. Each holds bookings of its own, so that a read says where it ran.
      const direct = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: a }), clock });
      await book(direct, 'a1');
      await direct.close();
      const old = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: b }), clock });
      await book(old, 'b1');
      await book(old, 'b2');
      await old.close();
      const promoted = onTimeline(a, 2);
      await readOnly(a, true);
      const opd = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: [promoted, b], failoverTimeout: 400 }), clock });
      try {
        expect((await opd.getSlot('X-9')).places).toHaveLength(1);
        // No write goes anywhere meanwhile: b is on an earlier timeline, a refuses writes.
        const error = await book(opd, 'p1').then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
        expect((error as { details: { outcome?: string } }).details.outcome).toBe('not-committed');
        expect([await tokens(a), await tokens(b)]).toEqual([1, 2]);
        expect((await opd.getSlot('X-9')).places).toHaveLength(1);
        // a allowed to write: writes and reads go there.
        await readOnly(a, false);
        await book(opd, 'p1');
        expect([await tokens(a), await tokens(b)]).toEqual([2, 2]);
        expect((await opd.getSlot('X-9')).places).toHaveLength(2);
      } finally {
        await opd.close();
      }
    } finally {
      await giveBackPglite(a);
      await giveBackPglite(b);
    }
  });

  it('follows the primary when the one it knew comes back as a standby (in recovery): reads and writes of a scheduler that wrote before, and reads of one that never wrote, with no WAL function sent to the host in recovery', async () => {
    const a = await borrowPglite();
    const b = await borrowPglite();
    try {
      await migrate(a);
      await migrate(b);
      await seedDoctor(a);
      await seedDoctor(b);
      // a: the primary on timeline 1; b: its standby.
      const roleA: Role = { recovering: false, timeline: 1, refused: 0 };
      const roleB: Role = { recovering: true, timeline: 1, refused: 0 };
      const hostA = await host(a, roleA);
      const hostB = await host(b, roleB);
      await readOnly(b, true);
      const lived = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: [hostA, hostB], failoverTimeout: 2000 }), clock });
      const watcher = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: [hostA, hostB], failoverTimeout: 2000 }), clock });
      try {
        const mine = [(await book(lived, 'a1')).token.id, (await book(lived, 'a2')).token.id];
        expect([await tokens(a), await tokens(b)]).toEqual([2, 0]);
        expect((await lived.getSlot('X-9')).places).toHaveLength(2);
        expect((await watcher.getSchedule('X', '2026-01-30')).slots[0]!.places).toHaveLength(2);
        expect((await watcher.getToken(mine[1]!)).status).toBe('BOOKED');

        // The failover, unseen by both schedulers: b promoted (timeline 2) and written to by
        // another process; a back as b's standby, in recovery. Each holds bookings of its own,
        // so that a read says where it ran.
        roleB.recovering = false;
        roleB.timeline = 2;
        await readOnly(b, false);
        const elsewhere = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: b }), clock });
        const theirs: string[] = [];
        for (const p of ['b1', 'b2', 'b3']) theirs.push((await book(elsewhere, p)).token.id);
        await elsewhere.close();
        roleA.recovering = true;
        await readOnly(a, true);

        for (const opd of [lived, watcher]) {
          const schedule = await opd.getSchedule('X', '2026-01-30');
          expect(schedule.slots[0]!.places.map((t) => t.id)).toEqual(theirs);
          expect((await opd.getSlot('X-9')).places).toHaveLength(3);
          expect((await opd.getToken(theirs[2]!)).status).toBe('BOOKED'); // a holds no third token
          expect((await opd.history()).filter((e) => e.type === 'token:booked')).toHaveLength(3);
        }
        // The scheduler that wrote before writes there too, and reads it back.
        const after = await book(lived, 'a3');
        expect(after.token.tokenNumber).toBe(4);
        expect([await tokens(a), await tokens(b)]).toEqual([2, 4]);
        expect((await lived.getSlot('X-9')).places).toHaveLength(4);
        expect((await watcher.getSlot('X-9')).places).toHaveLength(4);
        // Nothing that PostgreSQL refuses during recovery was sent to a.
        expect(roleA.refused).toBe(0);
        expect(roleB.refused).toBe(0);
      } finally {
        await lived.close();
        await watcher.close();
      }
    } finally {
      await giveBackPglite(a);
      await giveBackPglite(b);
    }
  });

  it('fails naming the hosts when more than one accepts writes on one timeline (independent servers, not one cluster), and writes to none', async () => {
    const a = await borrowPglite();
    const b = await borrowPglite();
    const c = await borrowPglite();
    try {
      for (const db of [a, b, c]) {
        await migrate(db);
        await seedDoctor(db);
      }
      await readOnly(b, true); // b: a standby; a and c: two primaries on timeline 1
      const opd = new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: [a, b, c], failoverTimeout: 300 }), clock });
      try {
        const error = await book(opd, 'p1').then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!isOpdError(error, 'STORAGE_FAILURE')) throw new Error(`expected STORAGE_FAILURE, got ${String(error)}`);
        expect(error.details).toMatchObject({ adapter: 'postgres', outcome: 'not-committed', reason: 'several-primaries', hosts: [0, 2] });
        expect(error.message).toContain('More than one host accepts writes: `db[0]` and `db[2]` of the 3 given, on timeline 1');
        expect(error.message).not.toContain('failover still under way');
        expect([await tokens(a), await tokens(b), await tokens(c)]).toEqual([0, 0, 0]);

        // c steps down: a is the one primary, and the next call is written there.
        await readOnly(c, true);
        await book(opd, 'p1');
        expect([await tokens(a), await tokens(b), await tokens(c)]).toEqual([1, 0, 0]);
      } finally {
        await opd.close();
      }
    } finally {
      await giveBackPglite(a);
      await giveBackPglite(b);
      await giveBackPglite(c);
    }
  });

  it('refuses an empty list, a list mixing kinds, and a readFrom or failoverTimeout that is not one', async () => {
    const pglite = { query: async () => ({ rows: [] }), exec: async () => [], transaction: async () => undefined };
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    try {
      for (const [options, field] of [
        [{ db: [] }, 'db'],
        [{ db: [pglite, pool] }, 'db'],
        [{ db: [pglite, 'db2'] }, 'db'],
        [{ db: [pglite], readFrom: 'replica' }, 'readFrom'],
        [{ db: [pglite], failoverTimeout: -1 }, 'failoverTimeout'],
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
    }
  });
});

describe.skipIf(!hasServer)('PostgresStorage on a list of pools (server)', () => {
  it('sends units, reads and the feed to the pool whose sessions accept writes; display reads to the other with readFrom: standby', async () => {
    const schema = `opd_t_hosts_${process.pid}`;
    const admin = new pg.Pool({ connectionString: url, max: 2 });
    admin.on('error', () => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const standby = new pg.Pool({
      connectionString: url,
      max: 3,
      options: '-c default_transaction_read_only=on',
      application_name: `opd-hosts-ro-${process.pid}`,
    });
    const primary = new pg.Pool({ connectionString: url, max: 3, application_name: `opd-hosts-rw-${process.pid}` });
    standby.on('error', () => undefined);
    primary.on('error', () => undefined);
    // The standby's checkouts counted: which calls reach it.
    let onStandby = 0;
    const counted = { connect: () => (onStandby++, standby.connect()) };
    await migrate([standby, primary], { schema });
    const storage = new PostgresStorage({ db: [counted, primary], schema, listen: true, readFrom: 'standby' });
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
      await expect.poll(() => seen.length, { timeout: 30_000 }).toBe(2);
      expect(seen.sort()).toEqual([booked.token.id, second.token.id].sort());
      const before = onStandby;
      await book(opd, 'p3'); // a unit: never on the standby
      expect(onStandby).toBe(before);
      // A display read asks the read-only host first; not in recovery (no standby: a session of the
      // primary's server), it refuses, and the primary serves (see test/postgres/replicas.test.ts).
      const view = await opd.getSlot('X-9');
      expect(view.places).toHaveLength(3);
      expect(onStandby).toBe(before + 1);
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

/** One life of a simulated host between two restarts: whether its sessions accept writes, and its postmaster's start. */
interface Life {
  readonly writable: boolean;
  readonly start: string;
}

/**
 * A host of a simulated cluster on the one local server: each life a pool of its own (its sessions
 * read-only, `default_transaction_read_only`, unless `writable`), whose connections report the
 * life's start time (`pg_postmaster_start_time()`). `live(…)` ends the life's connections and
 * starts the next: a restart when the start time changes, a promotion when it does not. (That a
 * host answers as in recovery is simulated with PGlite above: the statements of a pool go out as
 * one pipeline that a wrapper cannot rewrite.)
 */
class SimulatedHost {
  #life: Life;
  #pool: pg.Pool;
  readonly db: PostgresDb;

  constructor(life: Life) {
    this.#life = life;
    this.#pool = this.#poolOf(life);
    const wrapped = new WeakMap<object, object>();
    this.db = {
      connect: async () => {
        const life = this.#life;
        const client = await this.#pool.connect();
        let proxy = wrapped.get(client);
        if (proxy === undefined) {
          proxy = new Proxy(client, {
            get(target, prop) {
              if (prop === 'query') {
                return (query: unknown, ...rest: unknown[]) =>
                  typeof query === 'string' && query.includes('pg_postmaster_start_time()')
                    ? Promise.resolve({ rows: [{ server: life.start }] })
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
    } as unknown as PostgresDb;
  }

  #poolOf(life: Life): pg.Pool {
    const pool = new pg.Pool({ connectionString: url, max: 3, ...(life.writable ? {} : { options: '-c default_transaction_read_only=on' }) });
    pool.on('error', () => undefined);
    return pool;
  }

  /** The host's next life: its connections ended, new ones made as `life` says. */
  async live(life: Life): Promise<void> {
    const old = this.#pool;
    this.#life = life;
    this.#pool = this.#poolOf(life);
    await old.end();
  }

  async end(): Promise<void> {
    await this.#pool.end();
  }
}

describe.skipIf(!hasServer)('PostgresStorage on a list of pools after a failover it did not see (server, a simulated cluster)', () => {
  it('a scheduler whose first call after it reaches the old primary restarted (history, a read, a booking) gets its answer from the new primary, with readFrom: standby too', async () => {
    const schema = `opd_t_hosts_lived_${process.pid}`;
    const admin = new pg.Pool({ connectionString: url, max: 2 });
    admin.on('error', () => undefined);
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    // a: the primary; b: its standby, here the same database, which it holds all of (synchronous).
    const a = new SimulatedHost({ writable: true, start: 'a-1' });
    const b = new SimulatedHost({ writable: false, start: 'b-1' });
    const hosts = [a.db, b.db];
    await migrate(hosts, { schema });
    const schedulers: OpdScheduler[] = [];
    try {
      const opd = (readFrom: 'primary' | 'standby') =>
        new OpdScheduler({ ...presets.cascade(), storage: new PostgresStorage({ db: hosts, schema, readFrom }), clock });
      const writers = [opd('primary'), opd('standby')];
      const readers = [opd('primary'), opd('primary'), opd('standby')];
      schedulers.push(...writers, ...readers);
      await writers[0]!.addDoctor({ id: 'X', name: 'Dr X' });
      await writers[0]!.addSlots('X', SLOTS);
      const mine = [(await book(writers[0]!, 'p1')).token.id, (await book(writers[1]!, 'p2')).token.id];
      const booked = async (opd: OpdScheduler) => (await opd.history()).filter((e) => e.type === 'token:booked').map((e) => (e as { tokenId: string }).tokenId);
      for (const opd of schedulers) {
        expect(await booked(opd)).toEqual(mine);
        expect((await opd.getSlot('X-9')).places.map((t) => t.id)).toEqual(mine);
      }

      // The failover, unseen by all five: a's machine dies and comes back (another postmaster)
      // refusing writes; b is promoted, without a restart.
      await a.live({ writable: false, start: 'a-2' });
      await b.live({ writable: true, start: 'b-1' });

      // The first call of each after it: the history (one statement), a display read, a booking.
      expect(await booked(writers[0]!)).toEqual(mine);
      expect(await booked(readers[0]!)).toEqual(mine);
      expect(await booked(readers[2]!)).toEqual(mine);
      expect((await readers[1]!.getSchedule('X', '2026-01-30')).slots[0]!.places.map((t) => t.id)).toEqual(mine);
      mine.push((await book(writers[1]!, 'p3')).token.id);
      mine.push((await book(writers[0]!, 'p4')).token.id);
      for (const opd of schedulers) {
        expect(await booked(opd)).toEqual(mine);
        expect((await opd.getSlot('X-9')).places.map((t) => t.id)).toEqual(mine);
        for (const id of mine) expect((await opd.getToken(id)).status).toBe('BOOKED');
      }
    } finally {
      for (const opd of schedulers) await opd.close();
      await a.end();
      await b.end();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
