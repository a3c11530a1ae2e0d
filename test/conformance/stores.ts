/**
 * The stores a cross-store test runs on: memory, PostgreSQL on PGlite and, with DATABASE_URL, a
 * PostgreSQL server. Each store call gives a fresh, migrated schema; the connections close after
 * the file's tests.
 */
import type { PGlite } from '@electric-sql/pglite';
import { MemoryStorage, type StorageAdapter } from 'opd-scheduler';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import pg from 'pg';
import { afterAll } from 'vitest';
import { pgliteOfFile } from '../pglite.js';

/** A fresh store: adapters over it (several may share it), and how to drop it. */
export interface Store {
  readonly storage: () => StorageAdapter;
  readonly cleanup: () => Promise<void>;
}

/**
 * `db` seen as a hot standby that has replayed everything (in recovery, at the last WAL position
 * there is): the same data, so that a scheduler whose display reads it serves (`read: [standby]`)
 * must answer exactly as on the primary.
 */
export function caughtUpStandby(db: PGlite): PGlite {
  const rewrite = (text: string): string =>
    text.replaceAll('pg_catalog.pg_is_in_recovery()', 'true').replaceAll('pg_catalog.pg_last_wal_replay_lsn()', "'FFFFFFFF/FFFFFFFF'::pg_lsn");
  type Tx = { query: (text: string, params?: unknown[]) => Promise<unknown> };
  const passOn = <T extends object>(target: T, own: Record<string, unknown>): T =>
    new Proxy(target, {
      get(t, key) {
        if (typeof key === 'string' && key in own) return own[key];
        const value: unknown = Reflect.get(t, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
      },
    });
  return passOn(db, {
    query: (text: string, params?: unknown[]) => db.query(rewrite(text), params),
    transaction: <T>(work: (tx: Tx) => Promise<T>) =>
      db.transaction((tx) => work(passOn(tx, { query: (text: string, params?: unknown[]) => tx.query(rewrite(text), params) }))),
  });
}

/**
 * The stores by name; the server's entry is `undefined` without DATABASE_URL. Call once, at the
 * top of a test file: schemas are named `${prefix}_…`.
 */
export function conformanceStores(prefix: string): Record<string, (() => Promise<Store>) | undefined> {
  const url = process.env['DATABASE_URL'];
  const pool = url === undefined || url === '' ? undefined : new pg.Pool({ connectionString: url, max: 4 });
  // Taken when a test first asks for it: a file that runs no PGlite test takes none.
  const liteDb = pgliteOfFile();
  afterAll(async () => {
    await pool?.end();
  });
  let n = 0;
  return {
    memory: async () => {
      const storage = new MemoryStorage();
      return { storage: () => storage, cleanup: async () => undefined };
    },
    PGlite: async () => {
      const schema = `${prefix}_${++n}`;
      const db = await liteDb();
      await migrate(db, { schema });
      return { storage: () => new PostgresStorage({ db, schema }), cleanup: async () => void (await db.exec(`DROP SCHEMA ${schema} CASCADE`)) };
    },
    // The display reads on a standby (`read`), with read-your-writes: the standby is the same
    // instance, seen as one that has replayed everything.
    'PGlite with reads on a standby': async () => {
      const schema = `${prefix}_${++n}`;
      const db = await liteDb();
      await migrate(db, { schema });
      return {
        storage: () => new PostgresStorage({ db, schema, read: [caughtUpStandby(db)] }),
        cleanup: async () => void (await db.exec(`DROP SCHEMA ${schema} CASCADE`)),
      };
    },
    'a PostgreSQL server':
      pool === undefined
        ? undefined
        : async () => {
            const schema = `${prefix}_${process.pid}_${++n}`;
            await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
            await migrate(pool, { schema });
            return { storage: () => new PostgresStorage({ db: pool, schema }), cleanup: async () => void (await pool.query(`DROP SCHEMA ${schema} CASCADE`)) };
          },
  };
}
