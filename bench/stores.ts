/**
 * The stores a benchmark compares: memory, PGlite, and a PostgreSQL server when `DATABASE_URL` is
 * set. Each run opens a fresh, empty store (on PostgreSQL, a schema of its own) and drops it after.
 */
import { PGlite } from '@electric-sql/pglite';
import { MemoryStorage, type StorageAdapter } from 'opd-scheduler';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import pg from 'pg';

/** A store a benchmark runs on. */
export interface BenchStore {
  readonly name: string;
  /** A fresh, empty store, and what drops it. */
  open(): Promise<{ storage: StorageAdapter; drop: () => Promise<void> }>;
}

/**
 * The stores, their PostgreSQL schemas named `${prefix}_…`; `close()` ends PGlite and the pool.
 * @param poolMax - connections of the server's pool
 */
export function benchStores(prefix: string, poolMax = 2): { stores: BenchStore[]; close: () => Promise<void> } {
  let schemas = 0;
  const url = process.env['DATABASE_URL'];
  const pool = url === undefined || url === '' ? undefined : new pg.Pool({ connectionString: url, max: poolMax });
  const lite = new PGlite();
  const stores: BenchStore[] = [
    { name: 'memory', open: async () => ({ storage: new MemoryStorage(), drop: async () => undefined }) },
    {
      name: 'PGlite',
      open: async () => {
        const schema = `${prefix}_${++schemas}`;
        await migrate(lite, { schema });
        return { storage: new PostgresStorage({ db: lite, schema }), drop: async () => void (await lite.exec(`DROP SCHEMA ${schema} CASCADE`)) };
      },
    },
  ];
  if (pool !== undefined) {
    stores.push({
      name: 'PostgreSQL server',
      open: async () => {
        const schema = `${prefix}_${process.pid}_${++schemas}`;
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await migrate(pool, { schema });
        return { storage: new PostgresStorage({ db: pool, schema }), drop: async () => void (await pool.query(`DROP SCHEMA ${schema} CASCADE`)) };
      },
    });
  }
  return {
    stores,
    close: async () => {
      await lite.close();
      await pool?.end();
    },
  };
}
