/**
 * Where the server keeps its state: the one place that turns the storage settings into a
 * `StorageAdapter` and knows how to release what it opened.
 *
 * - memory (default): `MemoryStorage`, state lives as long as the process;
 * - `OPD_DATA_DIR`: PGlite (embedded PostgreSQL in a directory), through the PostgreSQL adapter;
 * - `DATABASE_URL`: a PostgreSQL server through a `pg` pool, through the PostgreSQL adapter, so
 *   that several server processes can share one database.
 *
 * The PostgreSQL adapter is the `opd-scheduler/postgres` entry point (`PostgresStorage`,
 * `migrate`). Builds without it refuse the PostgreSQL settings at startup with a message naming
 * it, rather than silently falling back to memory and losing every booking at the next restart.
 */
import { MemoryStorage, type StorageAdapter } from 'opd-scheduler';
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

const POSTGRES_ADAPTER = 'opd-scheduler/postgres (PostgresStorage and migrate)';

/**
 * Opens the configured store.
 * @throws StartupError when the store cannot be opened with this build
 */
export async function openStorage(config: StorageConfig): Promise<StorageHandle> {
  switch (config.kind) {
    case 'memory':
      return { kind: 'memory', storage: new MemoryStorage(), close: async () => undefined };
    case 'pglite':
      throw new StartupError(
        `OPD_DATA_DIR is set, but PGlite storage needs the PostgreSQL storage adapter ${POSTGRES_ADAPTER}, which this build does not include. ` +
          'Unset OPD_DATA_DIR to keep state in memory.',
      );
    case 'postgres':
      throw new StartupError(
        `DATABASE_URL is set, but PostgreSQL storage needs the PostgreSQL storage adapter ${POSTGRES_ADAPTER}, which this build does not include. ` +
          'Unset DATABASE_URL to keep state in memory.',
      );
  }
}
