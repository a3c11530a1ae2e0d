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

/** What `migrate` left in a schema: each table's rows, each sequence's position. */
export async function schemaState(db: PGlite, schema: string): Promise<{ rows: Record<string, unknown>; sequences: Record<string, unknown> }> {
  const tables = (await db.query<{ t: string }>("SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1", [schema]))
    .rows;
  const rows: Record<string, unknown> = {};
  for (const { t } of tables)
    rows[t] = (await db.query<{ rows: unknown }>(`SELECT coalesce(json_agg(x ORDER BY x::text), '[]') AS rows FROM ${t} x`)).rows[0]!.rows;
  const sequences: Record<string, unknown> = {};
  const named = (
    await db.query<{ s: string }>("SELECT format('%I.%I', schemaname, sequencename) AS s FROM pg_sequences WHERE schemaname = $1 ORDER BY 1", [schema])
  ).rows;
  for (const { s } of named) sequences[s] = (await db.query(`SELECT last_value, is_called FROM ${s}`)).rows[0];
  return { rows, sequences };
}

/**
 * Migrated schemas on one PGlite database, handed to test after test: a schema a test is done
 * with is brought back to what `migrate` left in it (every table truncated and the rows migrate
 * wrote put back, every sequence restarted) and given to the next test, instead of dropped and
 * migrated anew (a migration costs a few hundred milliseconds of CPU on PGlite; this, a few).
 * test/conformance/schemas.test.ts proves a schema so emptied the same as one just migrated.
 */
export function migratedSchemas(
  database: () => Promise<PGlite>,
  prefix: string,
): { take(): Promise<{ db: PGlite; schema: string }>; giveBack(schema: string): void } {
  const idle: string[] = [];
  /** Per schema: its tables, the rows migrate wrote, its sequences. */
  const made = new Map<string, { tables: string[]; seeded: { table: string; rows: unknown }[]; sequences: string[] }>();
  let n = 0;
  return {
    async take() {
      const db = await database();
      const reused = idle.pop();
      if (reused !== undefined) {
        const { tables, seeded, sequences } = made.get(reused)!;
        await db.transaction(async (tx) => {
          await tx.exec(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY`);
          for (const { table, rows } of seeded)
            await tx.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1)`, [JSON.stringify(rows)]);
          for (const sequence of sequences) await tx.exec(`ALTER SEQUENCE ${sequence} RESTART`);
        });
        return { db, schema: reused };
      }
      const schema = `${prefix}_${++n}`;
      await migrate(db, { schema });
      const state = await schemaState(db, schema);
      made.set(schema, {
        tables: Object.keys(state.rows),
        seeded: Object.entries(state.rows)
          .filter(([, rows]) => (rows as unknown[]).length > 0)
          .map(([table, rows]) => ({ table, rows })),
        sequences: Object.keys(state.sequences),
      });
      return { db, schema };
    },
    giveBack(schema) {
      idle.push(schema);
    },
  };
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
  const schemas = migratedSchemas(liteDb, prefix);
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
      const { db, schema } = await schemas.take();
      return { storage: () => new PostgresStorage({ db, schema }), cleanup: async () => schemas.giveBack(schema) };
    },
    // The display reads on a standby (`read`), with read-your-writes: the standby is the same
    // instance, seen as one that has replayed everything.
    'PGlite with reads on a standby': async () => {
      const { db, schema } = await schemas.take();
      return { storage: () => new PostgresStorage({ db, schema, read: [caughtUpStandby(db)] }), cleanup: async () => schemas.giveBack(schema) };
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
