import { invalid, isOpdError } from '../errors.js';
import { type HostSettings, openDatabase } from './hosts.js';
import type { PostgresDb, PostgresTransactionClient } from './db.js';
import { storageFailure } from './errors.js';
import { readInput } from '../validate.js';
import { describe } from '../time.js';
import { readOptions } from './options.js';
import { FUNCTIONS_VERSION, functionsSql } from './functions.js';
import { literal, migrationLockSql, type SchemaName, schemaName } from './schema.js';
import { bootstrapSql, MIGRATIONS, rowLevelSecuritySql } from './migrations.js';
import { statementsFor } from './sql.js';

/** A list of hosts is migrated on the one that accepts writes, waiting up to 30 s for one. */
const HOSTS: HostSettings = { failoverTimeout: 30_000 };

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /**
   * The schema to create or upgrade (created when missing).
   * @defaultValue `'public'`
   */
  readonly schema?: string | undefined;
  /**
   * Row-level security for facilities: enables it on every table of a facility's data, with the
   * policy `opd_facility` (for every command, `USING` and `WITH CHECK`)
   * `facility_id = current_setting('opd.facility_id', true)`. {@link PostgresStorage} sets
   * `opd.facility_id` (a bind parameter of `set_config`, local to the transaction) in every
   * transaction it opens, so that an adapter connected as a role subject to the policies — not a
   * superuser, not the tables' owner, not a role with `BYPASSRLS` — reads and writes the rows of
   * its own facility (`PostgresStorage.forFacility`) only; a session that has not set it sees no
   * row. The role needs `USAGE` on the schema, `SELECT, INSERT, UPDATE, DELETE` on its tables and
   * `USAGE, SELECT, UPDATE` on its sequences. Applied again by every `migrate` with the option
   * (idempotent); `false` or absent leaves whatever policies are there as they are.
   * @defaultValue `false`
   */
  readonly rowLevelSecurity?: boolean | undefined;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['schema', 'rowLevelSecurity']);

/** The `rowLevelSecurity` option, checked. */
function rlsOption(value: unknown): boolean {
  if (value === undefined || typeof value === 'boolean') return value === true;
  throw invalid('rowLevelSecurity', `Expected \`rowLevelSecurity\` to be a boolean, got ${describe(value)}`);
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
 * @param db - a node-postgres `Pool` or a PGlite instance, or a list of them, one per host of a
 *   highly available cluster (the migration runs on the host that accepts writes)
 * @param options - the schema
 * @returns the version reached and the versions applied
 * @throws OpdError `VALIDATION_FAILED` naming the field (`details.field`) for a bad schema name or
 *   db, options that are not an object, an unknown option or one whose getter throws, before
 *   anything runs; `STORAGE_FAILURE` when the database fails
 */
export async function migrate(db: PostgresDb | readonly PostgresDb[], options: MigrateOptions = {}): Promise<MigrateResult> {
  // Checked before anything runs: an unknown option (a typo such as `schemas`) would otherwise
  // migrate `public` instead of the schema meant.
  const o = readOptions('migrate', options, OPTION_KEYS);
  const schema = schemaName('schema', o['schema'] ?? 'public');
  const rls = rlsOption(o['rowLevelSecurity']);
  const { driver } = readInput('db', () => openDatabase('db', db, statementsFor(schema).prefix, undefined, HOSTS));
  try {
    // The schema first, on its own: a backend waiting for the advisory lock below would not see
    // a schema created meanwhile (taking an advisory lock does not refresh its catalog caches).
    for (let attempt = 0; ; attempt++) {
      try {
        await driver.exec(createSchemaSql(schema));
        break;
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (attempt >= 3 || (code !== '23505' && code !== '42P06')) throw error;
      }
    }
    return await driver.unit(async (tx) => {
      await tx.exec(preludeSql(schema));
      const state = await readState(tx.client, schema);
      const plan = planOf(schema, state, rls);
      for (const step of plan.steps) await tx.exec(step);
      const version = Math.max(0, ...state.applied, ...plan.applied);
      return { schema: schema.name, version, applied: plan.applied };
    });
  } catch (error) {
    if (isOpdError(error)) throw error;
    throw storageFailure(error, `Migrating schema \`${schema.name}\` failed`, { schema: schema.name });
  }
}

/**
 * The SQL {@link migrate} would run, as one script, for a DBA who runs an application's DDL by
 * hand (`psql -v ON_ERROR_STOP=1 -f migrate.sql`): the schema, then one transaction that takes
 * `migrate`'s advisory lock, creates the tables of versions, applies the missing migrations,
 * records them, and (re)creates the SQL functions when the schema's are older than the package's.
 * The statements are the ones `migrate` runs, from the same source.
 *
 * With a database, it reads (and changes nothing) which versions the schema has and leaves out
 * what is already applied: what `migrate` would run there now. With `null`, the script for a
 * schema that has none of the tables yet. Once the script has run, `migrate` finds nothing to do.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { migrationSql } from 'opd-scheduler/postgres';
 *
 * writeFileSync('opd-migrate.sql', await migrationSql(null, { schema: 'opd' }));
 * ```
 * @param db - a node-postgres `Pool` or a PGlite instance to read the schema's versions from, or
 *   `null` for a new schema
 * @param options - the schema
 * @returns the script, SQL text ending with a newline
 * @throws OpdError `VALIDATION_FAILED` naming the field (`details.field`) for a bad schema name or
 *   db, options that are not an object, or an unknown option; `STORAGE_FAILURE` when reading the
 *   versions fails
 */
export async function migrationSql(db: PostgresDb | readonly PostgresDb[] | null, options: MigrateOptions = {}): Promise<string> {
  const o = readOptions('migrationSql', options, OPTION_KEYS);
  const schema = schemaName('schema', o['schema'] ?? 'public');
  const rls = rlsOption(o['rowLevelSecurity']);
  let state: SchemaState = { applied: [], functions: 0 };
  if (db !== null) {
    const { driver } = readInput('db', () => openDatabase('db', db, statementsFor(schema).prefix, undefined, HOSTS));
    try {
      state = await driver.unit((tx) => readState(tx.client, schema, true));
    } catch (error) {
      if (isOpdError(error)) throw error;
      throw storageFailure(error, `Reading the versions of schema \`${schema.name}\` failed`, { schema: schema.name });
    }
  }
  const plan = planOf(schema, state, rls);
  const reached = Math.max(0, ...state.applied, ...plan.applied);
  // The policies of row-level security, when asked for, are the plan's last step.
  const versioned = plan.steps.length - (rls ? 1 : 0);
  const summary =
    (versioned === 0
      ? 'up to date: nothing to apply'
      : plan.applied.length === 0
        ? 'applies the functions only'
        : `applies migrations ${plan.applied.join(', ')}`) + (rls ? '; row-level security of facilities' : '');
  return [
    `-- opd-scheduler: schema ${schema.sql}, version ${reached}, functions version ${FUNCTIONS_VERSION} (${summary})`,
    `${createSchemaSql(schema)};`,
    'BEGIN;',
    preludeSql(schema),
    ...plan.steps,
    'COMMIT;',
    '',
  ].join('\n');
}

/** What a schema holds of the package's migrations: the versions applied, the functions' version (0: none). */
interface SchemaState {
  readonly applied: readonly number[];
  readonly functions: number;
}

/** What {@link migrate} runs after its prelude on a schema in a state, and the versions it applies. */
interface MigrationPlan {
  readonly steps: readonly string[];
  readonly applied: readonly number[];
}

function createSchemaSql(schema: SchemaName): string {
  return `CREATE SCHEMA IF NOT EXISTS ${schema.sql}`;
}

/** The lock that serializes `migrate` runs on a schema, and the tables of versions (idempotent). */
function preludeSql(schema: SchemaName): string {
  return [
    `SELECT pg_advisory_xact_lock(${migrationLockSql(schema)});`,
    bootstrapSql(schema),
    `CREATE TABLE IF NOT EXISTS ${schema.sql}.opd_functions (version integer NOT NULL);`,
  ].join('\n');
}

/**
 * The versions applied and the functions' version. With `absentOk`, tables not there yet (a new
 * schema, read without running the prelude) count as none.
 */
async function readState(client: PostgresTransactionClient, schema: SchemaName, absentOk = false): Promise<SchemaState> {
  if (absentOk) {
    const tables = (
      await client.query('SELECT to_regclass($1) IS NOT NULL AS m, to_regclass($2) IS NOT NULL AS f', [
        `${schema.sql}.opd_migrations`,
        `${schema.sql}.opd_functions`,
      ])
    ).rows[0];
    if (tables?.['m'] !== true) return { applied: [], functions: 0 };
    if (tables['f'] !== true) return { applied: await readApplied(client, schema), functions: 0 };
  }
  const functions = Number((await client.query(`SELECT coalesce(max(version), 0) AS v FROM ${schema.sql}.opd_functions`)).rows[0]?.['v'] ?? 0);
  return { applied: await readApplied(client, schema), functions };
}

async function readApplied(client: PostgresTransactionClient, schema: SchemaName): Promise<number[]> {
  return (await client.query(`SELECT version FROM ${schema.sql}.opd_migrations ORDER BY version`)).rows.map((r) => Number(r['version']));
}

/**
 * The missing migrations, each recorded in `opd_migrations`, then the functions when the schema's
 * are older, then (with `rls`) the row-level security of facilities.
 */
function planOf(schema: SchemaName, state: SchemaState, rls: boolean): MigrationPlan {
  const steps: string[] = [];
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (state.applied.includes(migration.version)) continue;
    steps.push(migration.sql(schema), `INSERT INTO ${schema.sql}.opd_migrations (version, name) VALUES (${migration.version}, ${literal(migration.name)});`);
    applied.push(migration.version);
  }
  // The functions hold no data: replaced whenever this package's are newer than the schema's.
  if (state.functions < FUNCTIONS_VERSION) {
    steps.push(
      functionsSql(schema),
      `DELETE FROM ${schema.sql}.opd_functions;\nINSERT INTO ${schema.sql}.opd_functions (version) VALUES (${FUNCTIONS_VERSION});`,
    );
  }
  if (rls) steps.push(rowLevelSecuritySql(schema));
  return { steps, applied };
}
