import { isOpdError } from '../errors.js';
import { driverFor } from './db.js';
import type { PostgresDb } from './db.js';
import { storageFailure } from './errors.js';
import { readInput } from '../validate.js';
import { readOptions } from './options.js';
import { FUNCTIONS_VERSION, functionsSql } from './functions.js';
import { bootstrapSql, MIGRATIONS, schemaName } from './schema.js';
import { statementsFor } from './sql.js';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /**
   * The schema to create or upgrade (created when missing).
   * @defaultValue `'public'`
   */
  readonly schema?: string | undefined;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['schema']);

/** What {@link migrate} did. */
export interface MigrateResult {
  /** The schema. */
  readonly schema: string;
  /** The schema version now. */
  readonly version: number;
  /** The versions this call applied (empty when the schema was up to date). */
  readonly applied: readonly number[];
}

/**
 * Creates or upgrades the tables and functions of {@link PostgresStorage} in a schema. Idempotent,
 * and safe to run from several processes at once: one transaction holds an advisory lock for the
 * schema, reads the versions applied (table `opd_migrations`), applies the missing ones in order,
 * then (re)creates the SQL functions when the package's version of them is newer than the
 * schema's. A connection lost meanwhile rolls everything back (`STORAGE_FAILURE`); run it again.
 *
 * @example
 * ```ts run postgres
 * import pg from 'pg';
 * import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * pool.on('error', (error) => console.error('PostgreSQL pool:', error.message)); // an idle client failed
 * const { version, applied } = await migrate(pool, { schema: 'opd' });
 * console.log(`schema opd at version ${version}; applied now: ${applied.join(', ') || 'none'}`);
 * const storage = new PostgresStorage({ db: pool, schema: 'opd' });
 * await storage.close(); // at shutdown: the adapter, then the pool
 * await pool.end();
 * ```
 * @param db - a node-postgres `Pool` or a PGlite instance
 * @param options - the schema
 * @returns the version reached and the versions applied
 * @throws OpdError `VALIDATION_FAILED` naming the field (`details.field`) for a bad schema name or
 *   db, options that are not an object, an unknown option or one whose getter throws, before
 *   anything runs; `STORAGE_FAILURE` when the database fails
 */
export async function migrate(db: PostgresDb, options: MigrateOptions = {}): Promise<MigrateResult> {
  // Checked before anything runs: an unknown option (a typo such as `schemas`) would otherwise
  // migrate `public` instead of the schema meant.
  const o = readOptions('migrate', options, OPTION_KEYS);
  const schema = schemaName('schema', o['schema'] ?? 'public');
  const statements = statementsFor(schema);
  const driver = readInput('db', () => driverFor('db', db, statements.prefix));
  try {
    // The schema first, on its own: a backend waiting for the advisory lock below would not see
    // a schema created meanwhile (taking an advisory lock does not refresh its catalog caches).
    for (let attempt = 0; ; attempt++) {
      try {
        await driver.exec(`CREATE SCHEMA IF NOT EXISTS ${schema.sql}`);
        break;
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (attempt >= 3 || (code !== '23505' && code !== '42P06')) throw error;
      }
    }
    return await driver.unit(async (tx) => {
      await tx.run([{ statement: statements.migrationLock, values: [] }]);
      await tx.exec(bootstrapSql(schema));
      const done = ((await tx.client.query(`SELECT version FROM ${schema.sql}.opd_migrations ORDER BY version`)).rows.map((r) => Number(r['version'])));
      const applied: number[] = [];
      for (const migration of MIGRATIONS) {
        if (done.includes(migration.version)) continue;
        await tx.exec(migration.sql(schema));
        await tx.client.query(`INSERT INTO ${schema.sql}.opd_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
        applied.push(migration.version);
      }
      // The functions hold no data: replaced whenever this package's are newer than the schema's.
      await tx.exec(`CREATE TABLE IF NOT EXISTS ${schema.sql}.opd_functions (version integer NOT NULL)`);
      const current = Number((await tx.client.query(`SELECT coalesce(max(version), 0) AS v FROM ${schema.sql}.opd_functions`)).rows[0]?.['v'] ?? 0);
      if (current < FUNCTIONS_VERSION) {
        await tx.exec(functionsSql(schema));
        await tx.client.query(`DELETE FROM ${schema.sql}.opd_functions`);
        await tx.client.query(`INSERT INTO ${schema.sql}.opd_functions (version) VALUES ($1)`, [FUNCTIONS_VERSION]);
      }
      const version = Math.max(0, ...done, ...applied);
      return { schema: schema.name, version, applied };
    });
  } catch (error) {
    if (isOpdError(error)) throw error;
    throw storageFailure(error, `Migrating schema \`${schema.name}\` failed`, { schema: schema.name });
  }
}
