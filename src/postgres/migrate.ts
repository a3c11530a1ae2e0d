import { OpdError, isOpdError } from '../errors.js';
import { driverFor, output, type PostgresDb } from './db.js';
import { bootstrapSql, migrationLockSql, MIGRATIONS, schemaName } from './schema.js';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /**
   * The schema to create or upgrade (created when missing).
   * @defaultValue `'public'`
   */
  readonly schema?: string | undefined;
}

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
 * Creates or upgrades the tables of {@link PostgresStorage} in a schema. Idempotent, and safe to
 * run from several processes at once: one transaction holds an advisory lock for the schema,
 * reads the versions applied (table `opd_migrations`) and applies the missing ones in order.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool, { schema: 'opd' });
 * const storage = new PostgresStorage({ db: pool, schema: 'opd' });
 * ```
 * @param db - a node-postgres `Pool` or a PGlite instance
 * @param options - the schema
 * @returns the version reached and the versions applied
 * @throws OpdError `VALIDATION_FAILED` for a bad schema name or db; `STORAGE_FAILURE` when the database fails
 */
export async function migrate(db: PostgresDb, options: MigrateOptions = {}): Promise<MigrateResult> {
  const driver = driverFor('db', db);
  const schema = schemaName('schema', options.schema ?? 'public');
  try {
    // The schema first, on its own: a backend waiting for the advisory lock below would not see
    // a schema created meanwhile (taking an advisory lock does not refresh its catalog caches).
    for (let attempt = 0; ; attempt++) {
      try {
        await driver.run(`CREATE SCHEMA IF NOT EXISTS ${schema.sql}`);
        break;
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (attempt >= 3 || (code !== '23505' && code !== '42P06')) throw error;
      }
    }
    return await driver.transaction('BEGIN', async (run) => {
      await run(`SELECT pg_advisory_xact_lock(${migrationLockSql(schema)})`);
      await run(bootstrapSql(schema));
      const done = (output(await run(`SELECT coalesce(json_agg(version ORDER BY version), '[]') AS opd_out FROM ${schema.sql}.opd_migrations`)) ?? []) as number[];
      const applied: number[] = [];
      for (const migration of MIGRATIONS) {
        if (done.includes(migration.version)) continue;
        await run(`${migration.sql(schema)};INSERT INTO ${schema.sql}.opd_migrations (version, name) VALUES (${migration.version}, $m$${migration.name}$m$)`);
        applied.push(migration.version);
      }
      const version = Math.max(0, ...done, ...applied);
      return { schema: schema.name, version, applied };
    });
  } catch (error) {
    if (isOpdError(error)) throw error;
    const code = (error as { code?: unknown } | null)?.code;
    throw new OpdError('STORAGE_FAILURE', `Migrating schema \`${schema.name}\` failed${typeof code === 'string' ? ` (SQLSTATE ${code})` : ''}`, {
      details: { adapter: 'postgres', schema: schema.name, code },
      cause: error,
    });
  }
}
