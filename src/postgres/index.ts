/**
 * The PostgreSQL storage adapter: several processes sharing one database, with no overbooking.
 *
 * @example
 * ```ts run postgres
 * import pg from 'pg';
 * import { OpdScheduler, presets } from 'opd-scheduler';
 * import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 8 });
 * pool.on('error', (error) => console.error('PostgreSQL pool:', error.message)); // an idle client failed
 * await migrate(pool);
 * const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool }) });
 * console.log('doctors:', (await opd.listDoctors()).length);
 * await opd.close(); // at shutdown: the scheduler, then the pool
 * await pool.end();
 * ```
 * @packageDocumentation
 */
export { PostgresStorage, type PostgresStorageOptions, type UnitWork } from './storage.js';
export { migrate, migrationSql, type MigrateOptions, type MigrateResult } from './migrate.js';
export type {
  PostgresDb,
  PgPoolLike,
  PgClientLike,
  PgQueryConfigLike,
  PGliteLike,
  PGliteTransactionLike,
  PgResultLike,
  PgNotificationLike,
  PostgresTransactionClient,
  PostgresRows,
} from './db.js';
export { PostgresErrorSummary } from './errors.js';
