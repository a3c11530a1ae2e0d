/**
 * Opening the store a command line names: a PostgreSQL server (`--database-url`, else
 * `$DATABASE_URL`) through a `pg` pool, or a PGlite database in a folder (`--data-dir`). Both
 * drivers are optional peers of the package, loaded only when asked for. `close()` ends the pool or
 * closes PGlite, so that the process exits as soon as the command is done.
 */
import type { OpdSchedulerOptions } from 'opd-scheduler';
import { OpdScheduler, presets } from 'opd-scheduler';
import { PostgresStorage, type PostgresDb } from 'opd-scheduler/postgres';
import { stringOption, type ParsedLine } from './args.js';
import { CliFailure, UsageError } from './errors.js';
import { write, type CliIo, type OpenedDataDir } from './io.js';

/** Where the store is, as the command line says. */
export type StoreLocation =
  | { readonly kind: 'server'; readonly url: string; readonly schema: string | undefined }
  | { readonly kind: 'pglite'; readonly dataDir: string; readonly schema: string | undefined }
  | { readonly kind: 'none'; readonly schema: string | undefined };

/** An open database and how to let it go. */
export interface OpenDb {
  readonly db: PostgresDb;
  readonly schema: string | undefined;
  close(): Promise<void>;
}

/**
 * The store the command line names: `--data-dir`, or `--database-url`, or `$DATABASE_URL`; both
 * options at once is a usage error.
 */
export function storeLocation(line: ParsedLine, io: CliIo): StoreLocation {
  const url = stringOption(line, 'database-url');
  const dataDir = stringOption(line, 'data-dir');
  const schema = stringOption(line, 'schema');
  if (url !== undefined && dataDir !== undefined) throw new UsageError('Give either `--database-url` or `--data-dir`, not both', line.command.name);
  if (dataDir !== undefined) {
    if (dataDir === '') throw new UsageError('Expected `--data-dir` to name a folder', line.command.name);
    return { kind: 'pglite', dataDir, schema };
  }
  const fromEnv = io.env['DATABASE_URL'];
  const server = url ?? (fromEnv === '' ? undefined : fromEnv);
  if (server !== undefined) return { kind: 'server', url: server, schema };
  return { kind: 'none', schema };
}

/** The store's location, required: a usage error when none is given. */
export function requiredStore(line: ParsedLine, io: CliIo): Exclude<StoreLocation, { kind: 'none' }> {
  const location = storeLocation(line, io);
  if (location.kind === 'none') throw new UsageError('Expected a store: `--database-url <url>` (or $DATABASE_URL) or `--data-dir <path>`', line.command.name);
  return location;
}

/** Loads an optional peer dependency, or says which package to install. */
async function loadPeer<T>(load: () => Promise<T>, pkg: string, option: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new CliFailure('MISSING_PACKAGE', `\`${option}\` needs the package ${pkg}, which is not installed: npm install ${pkg}`, { cause: error });
    }
    throw error;
  }
}

/** `PGlite.create(dataDir)`, closed by the command: the program's way of opening `--data-dir`. */
async function pgliteOpener(): Promise<(dataDir: string) => Promise<OpenedDataDir>> {
  const { PGlite } = await loadPeer(() => import('@electric-sql/pglite'), '@electric-sql/pglite', '--data-dir');
  return async (dataDir) => {
    const db = await PGlite.create(dataDir);
    return { db, close: () => db.close() };
  };
}

/** Opens the database of a location. */
export async function openDb(location: Exclude<StoreLocation, { kind: 'none' }>, io: CliIo): Promise<OpenDb> {
  if (location.kind === 'pglite') {
    const open = io.openDataDir ?? (await pgliteOpener());
    let opened;
    try {
      opened = await open(location.dataDir);
    } catch (error) {
      throw new CliFailure(
        'STORE_UNAVAILABLE',
        `Could not open the PGlite database in \`${location.dataDir}\`: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return { db: opened.db, schema: location.schema, close: () => opened.close() };
  }
  const pg = await loadPeer(() => import('pg'), 'pg', '--database-url');
  const Pool = pg.default.Pool;
  let pool;
  try {
    pool = new Pool({ connectionString: location.url, max: 4, application_name: 'opd-scheduler-cli' });
  } catch (error) {
    // The URL itself is not repeated: it may hold a password.
    throw new CliFailure('STORE_UNAVAILABLE', `Could not use the database URL: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  // An idle connection that fails (the server restarts) is reported, never thrown into the process.
  pool.on('error', (error: Error) => void write(io.stderr, `opd-scheduler: PostgreSQL connection failed: ${error.message}\n`));
  return { db: pool, schema: location.schema, close: () => pool.end() };
}

const PRESETS = ['standard', 'cascade', 'waitlist', 'elastic'] as const;

/** The scheduler options of the command line: the preset, the time zone and the facility. */
export function schedulerOptions(line: ParsedLine, io: CliIo): OpdSchedulerOptions {
  const name = stringOption(line, 'preset') ?? 'standard';
  if (!(PRESETS as readonly string[]).includes(name))
    throw new UsageError(`Expected \`--preset\` to be one of ${PRESETS.join(', ')}, got \`${name}\``, line.command.name);
  const preset = presets[name as (typeof PRESETS)[number]]();
  const timeZone = stringOption(line, 'time-zone');
  // Checked by the scheduler (VALIDATION_FAILED naming `facilityId`, exit code 1), as `--schema` is by the adapter.
  const facilityId = stringOption(line, 'facility');
  return {
    ...preset,
    ...(timeZone === undefined ? {} : { timeZone }),
    ...(facilityId === undefined ? {} : { facilityId }),
    ...(io.now === undefined ? {} : { clock: io.now }),
  };
}

/**
 * Runs `work` with a scheduler over the store the command line names, then closes the scheduler
 * and the database, whatever happens. When `work` failed, that failure is the answer, and a
 * failure to close is only reported on stderr; otherwise a failure to close is the answer.
 */
export async function withScheduler<T>(line: ParsedLine, io: CliIo, extra: OpdSchedulerOptions, work: (opd: OpdScheduler) => Promise<T>): Promise<T> {
  const options = schedulerOptions(line, io);
  const open = await openDb(requiredStore(line, io), io);
  const closing: (() => Promise<void>)[] = [() => open.close()];
  let failed = false;
  try {
    const opd = new OpdScheduler({
      ...options,
      ...extra,
      storage: new PostgresStorage({ db: open.db, ...(open.schema === undefined ? {} : { schema: open.schema }) }),
    });
    closing.unshift(() => opd.close());
    return await work(opd);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // Every step of closing runs (a pool left open would keep the process alive).
    let first: { readonly error: unknown } | undefined;
    for (const close of closing) {
      try {
        await close();
      } catch (error) {
        if (failed || first !== undefined)
          await write(io.stderr, `opd-scheduler: closing the store failed as well: ${error instanceof Error ? error.message : String(error)}\n`);
        else first = { error };
      }
    }
    // After a success, a failure to close is the answer.
    if (first !== undefined) throw first.error;
  }
}
