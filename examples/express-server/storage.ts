/**
 * Where the server keeps its state: the one place that turns the storage settings into a
 * `StorageAdapter` and knows how to release what it opened.
 *
 * - memory (default): `MemoryStorage`, state lives as long as the process;
 * - `OPD_DATA_DIR`: PGlite (embedded PostgreSQL in a directory), through the PostgreSQL adapter;
 * - `DATABASE_URL`: a PostgreSQL server through a `pg` pool, through the PostgreSQL adapter, so
 *   that several server processes can share one database. Each process also listens for the
 *   events the others commit, so a display board attached to any of them sees every change.
 *
 * The database drivers are loaded only when their setting is used.
 */
import { MemoryStorage, type StorageAdapter } from 'opd-scheduler';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import { StartupError, type StorageConfig } from './config.js';

/** An open store. */
export interface StorageHandle {
  /** `memory`, `pglite` or `postgres`. */
  readonly kind: StorageConfig['kind'];
  /** The adapter to give the scheduler (which closes it on `close()`). */
  readonly storage: StorageAdapter;
  /** Releases what was opened for the adapter (a pool, an embedded database), after the scheduler closed. */
  close(): Promise<void>;
}

/**
 * Opens the configured store, creating or upgrading its tables.
 * @throws StartupError when the database cannot be opened or migrated (the message never
 *   repeats the connection string, which may hold a password)
 */
export async function openStorage(config: StorageConfig): Promise<StorageHandle> {
  switch (config.kind) {
    case 'memory':
      return { kind: 'memory', storage: new MemoryStorage(), close: async () => undefined };
    case 'pglite': {
      const { PGlite } = await import('@electric-sql/pglite');
      let db: InstanceType<typeof PGlite> | undefined;
      try {
        db = new PGlite(config.dataDir);
        await migrate(db, schemaOption(config.schema));
      } catch (error) {
        await db?.close().catch(() => undefined);
        throw new StartupError(`cannot open the PGlite database in OPD_DATA_DIR: ${reason(error)}`);
      }
      const opened = db;
      return { kind: 'pglite', storage: new PostgresStorage({ db: opened, ...schemaOption(config.schema) }), close: () => opened.close() };
    }
    case 'postgres': {
      const { default: pg } = await import('pg');
      // `query_timeout`: the client's own bound on an answer, a little above the adapter's
      // `statementTimeout` (30 s, enforced by the server). Without it a network cut that resets
      // nothing leaves a call, and the shutdown after it, waiting for ever.
      const pool = new pg.Pool({ connectionString: config.url, query_timeout: QUERY_TIMEOUT_MS });
      // A pool reports errors of idle connections here; the next query reports them again.
      pool.on('error', () => undefined);
      try {
        await migrate(pool, schemaOption(config.schema));
      } catch (error) {
        await pool.end().catch(() => undefined);
        throw new StartupError(`cannot open the PostgreSQL database at DATABASE_URL: ${reason(error)}`);
      }
      return {
        kind: 'postgres',
        storage: new PostgresStorage({ db: pool, ...schemaOption(config.schema), listen: true }),
        close: () => pool.end(),
      };
    }
  }
}

/** The pool's bound on each answer of the server (`query_timeout`), in milliseconds. */
export const QUERY_TIMEOUT_MS = 35_000;

function schemaOption(schema: string | undefined): { schema?: string } {
  return schema === undefined ? {} : { schema };
}

/** What went wrong, without the connection string: driver messages name hosts, never passwords, but be sure. */
function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/postgres(ql)?:\/\/\S+/g, 'postgres://…');
}
