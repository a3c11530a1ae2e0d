import { MemoryStorage, type StorageAdapter } from 'opd-scheduler';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';

/** The stores `--storage` accepts. */
export const STORAGE_KINDS = ['memory', 'pglite', 'postgres'] as const;

/** A store name. */
export type StorageKind = (typeof STORAGE_KINDS)[number];

/**
 * Prefix of the schema the simulation uses on a PostgreSQL server: each process gets its own
 * (`opd_simulation_<pid>`), so that two simulations against one server never share rows.
 */
export const POSTGRES_SCHEMA_PREFIX = 'opd_simulation';

/** A store that could not be opened: the message says why and what to do instead. */
export class StorageUnavailable extends Error {
  override readonly name = 'StorageUnavailable';
}

/** Opens fresh, empty stores for the runs of one simulation; `close()` releases what it opened. */
export interface StorageFactory {
  /** A fresh, empty store for one run (the scheduler closes the adapter when the run ends). */
  open(): Promise<StorageAdapter>;
  /** Releases database connections the factory opened. */
  close(): Promise<void>;
}

/**
 * The one place where the simulation chooses its store. `memory` is the library's default
 * in-memory store. `pglite` (an in-process PostgreSQL) and `postgres` (the server at
 * `DATABASE_URL`) go through the PostgreSQL adapter, `opd-scheduler/postgres`.
 *
 * @throws StorageUnavailable when `DATABASE_URL` is missing for `postgres`
 */
export async function storageFactory(kind: StorageKind, env: NodeJS.ProcessEnv = process.env): Promise<StorageFactory> {
  switch (kind) {
    case 'memory':
      // The store keeps the day's events: the scheduler's fairness ledger (`fairness()`) reads them.
      return { open: async () => new MemoryStorage(), close: async () => {} };
    case 'pglite': {
      const { PGlite } = await import('@electric-sql/pglite');
      const opened: Array<{ close(): Promise<void> }> = [];
      return {
        open: async () => {
          const db = new PGlite();
          opened.push(db);
          await migrate(db);
          return new PostgresStorage({ db });
        },
        close: async () => {
          for (const db of opened) await db.close();
        },
      };
    }
    case 'postgres': {
      const url = env['DATABASE_URL'];
      if (url === undefined || url === '') {
        throw new StorageUnavailable('--storage postgres needs DATABASE_URL, for example DATABASE_URL=postgres://postgres@127.0.0.1:5432/test');
      }
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: url, max: 4 });
      const schema = `${POSTGRES_SCHEMA_PREFIX}_${process.pid}`;
      return {
        open: async () => {
          // Each run starts from an empty schema of this process's own, so that runs never mix.
          await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await migrate(pool, { schema });
          return new PostgresStorage({ db: pool, schema });
        },
        close: async () => {
          try {
            await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          } finally {
            await pool.end();
          }
        },
      };
    }
  }
}
