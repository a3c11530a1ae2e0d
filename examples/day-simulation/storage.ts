import { MemoryStorage, type StorageAdapter } from 'opd-scheduler';

/** The stores `--storage` accepts. */
export const STORAGE_KINDS = ['memory', 'pglite', 'postgres'] as const;

/** A store name. */
export type StorageKind = (typeof STORAGE_KINDS)[number];

/** Schema the simulation uses (and empties) on a PostgreSQL server. */
export const POSTGRES_SCHEMA = 'opd_simulation';

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

/** What the PostgreSQL entry point `opd-scheduler/postgres` provides (DESIGN §6). */
interface PostgresModule {
  readonly PostgresStorage: new (options: { db: unknown; schema?: string }) => StorageAdapter;
  readonly migrate: (db: unknown, options?: { schema?: string }) => Promise<unknown>;
}

/**
 * The one place where the simulation chooses its store. `memory` is the library's default
 * in-memory store. `pglite` (an in-process PostgreSQL) and `postgres` (the server at
 * `DATABASE_URL`) go through the PostgreSQL adapter, `opd-scheduler/postgres`.
 *
 * @throws StorageUnavailable when the adapter is not part of this build, or `DATABASE_URL` is missing
 */
export async function storageFactory(kind: StorageKind, env: NodeJS.ProcessEnv = process.env): Promise<StorageFactory> {
  switch (kind) {
    case 'memory':
      // The simulation follows the events itself, so the store need not keep a history of them.
      return { open: async () => new MemoryStorage({ historyLimit: 0 }), close: async () => {} };
    case 'pglite': {
      const adapter = await loadPostgresAdapter(kind);
      const { PGlite } = await import('@electric-sql/pglite');
      const opened: Array<{ close(): Promise<void> }> = [];
      return {
        open: async () => {
          const db = new PGlite();
          opened.push(db);
          await adapter.migrate(db);
          return new adapter.PostgresStorage({ db });
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
      const adapter = await loadPostgresAdapter(kind);
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: url, max: 4 });
      return {
        open: async () => {
          // Each run starts from an empty schema of its own name, so that runs never mix.
          await pool.query(`DROP SCHEMA IF EXISTS ${POSTGRES_SCHEMA} CASCADE`);
          await adapter.migrate(pool, { schema: POSTGRES_SCHEMA });
          return new adapter.PostgresStorage({ db: pool, schema: POSTGRES_SCHEMA });
        },
        close: () => pool.end(),
      };
    }
  }
}

async function loadPostgresAdapter(kind: StorageKind): Promise<PostgresModule> {
  // A computed specifier: this build may not contain the PostgreSQL entry point.
  const specifier = ['opd-scheduler', 'postgres'].join('/');
  let loaded: unknown;
  try {
    loaded = await import(specifier);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      throw new StorageUnavailable(
        `--storage ${kind} needs the PostgreSQL adapter \`opd-scheduler/postgres\` (PostgresStorage and migrate), which this build does not include. Use --storage memory.`,
      );
    }
    throw error;
  }
  const mod = loaded as Partial<PostgresModule> | null;
  if (typeof mod?.PostgresStorage !== 'function' || typeof mod.migrate !== 'function') {
    throw new StorageUnavailable(`--storage ${kind}: \`opd-scheduler/postgres\` does not export PostgresStorage and migrate`);
  }
  return mod as PostgresModule;
}
