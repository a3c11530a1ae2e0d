/**
 * Running the command line in-process (`main` with collected streams) against a store: PGlite in
 * a fresh folder always, and the PostgreSQL server of DATABASE_URL in a fresh schema when set.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { OpdScheduler, presets } from 'opd-scheduler';
import { migrate, PostgresStorage, type PostgresDb } from 'opd-scheduler/postgres';
import { main, type CliIo, type CliOutput } from '../../src/cli/main.js';
import { emptyDataDir } from '../pglite.js';

/** What a run of the command line wrote, and its exit code. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A stream that keeps what is written. */
export function collector(): CliOutput & { text: string } {
  const out = { text: '', write: (chunk: string) => ((out.text += chunk), true) };
  return out;
}

/** Runs `opd-scheduler ...argv` in-process, with the clock at `now`. */
export async function cli(
  argv: readonly string[],
  options: {
    now?: string;
    env?: Record<string, string>;
    signal?: AbortSignal;
    stdout?: CliOutput & { text: string };
    readFile?: CliIo['readFile'];
    openDataDir?: CliIo['openDataDir'];
  } = {},
): Promise<RunResult> {
  const stdout = options.stdout ?? collector();
  const stderr = collector();
  const code = await main(argv, {
    stdout,
    stderr,
    env: options.env ?? {},
    signal: options.signal,
    readFile: options.readFile ?? ((path) => createReadStream(path, { highWaterMark: 64 * 1024 })),
    openDataDir: options.openDataDir,
    ...(options.now === undefined ? {} : { now: () => new Date(options.now!) }),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A store the command line is pointed at, and a way for the test to seed it through the library. */
export interface CliStore {
  readonly name: string;
  /** The store options of the command line. */
  readonly args: readonly string[];
  /** How the command line opens the store's folder, when it is PGlite's: the store's own database, kept open across commands. */
  readonly openDataDir?: CliIo['openDataDir'];
  /** Runs `work` with a scheduler over the store (migrated), clock at `now`, of the facility `'default'` unless another is given. */
  withOpd<T>(now: string, work: (opd: OpdScheduler) => Promise<T>, facilityId?: string): Promise<T>;
  /** Removes the store. */
  drop(): Promise<void>;
}

async function seeded<T>(db: PostgresDb, schema: string | undefined, now: string, work: (opd: OpdScheduler) => Promise<T>, facilityId = 'default'): Promise<T> {
  await migrate(db, schema === undefined ? {} : { schema });
  const storage = new PostgresStorage({ db, ...(schema === undefined ? {} : { schema }) });
  const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(now), storage: storage.forFacility(facilityId), facilityId });
  try {
    return await work(opd);
  } finally {
    await opd.close();
    await storage.close();
  }
}

/**
 * A PGlite database in a fresh folder, opened once and kept open until `drop()`: the library
 * seeds it and every command of the test runs against it (`openDataDir`), as the program would
 * after opening the folder (PGlite.create, 0.6 s of CPU a time, which the program pays once per
 * process). Opening the folder itself is proved by the tests that run the program as a process
 * and by those that give a folder without `openDataDir`.
 */
export function pgliteStore(): CliStore {
  const dir = mkdtempSync(join(tmpdir(), 'opd-cli-'));
  const dataDir = join(dir, 'db');
  let opened: Promise<PGlite> | undefined;
  // The folder's database is first made from the empty data directory initialised once per
  // machine (test/pglite.ts): what initdb would write, in half the time.
  const open = (): Promise<PGlite> => (opened ??= (async () => PGlite.create(dataDir, existsSync(dataDir) ? {} : { loadDataDir: await emptyDataDir() }))());
  return {
    name: 'PGlite',
    args: ['--data-dir', dataDir],
    async openDataDir(path) {
      if (path !== dataDir) throw new Error(`This store holds ${dataDir}, not ${path}`);
      return { db: await open(), close: async () => {} };
    },
    async withOpd(now, work, facilityId) {
      return seeded(await open(), undefined, now, work, facilityId);
    },
    async drop() {
      if (opened !== undefined) await (await opened).close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let schemas = 0;

/** A fresh schema on the server of `url`. */
export function serverStore(url: string): CliStore {
  const schema = `opd_cli_${process.pid}_${++schemas}`;
  return {
    name: 'PostgreSQL',
    args: ['--database-url', url, '--schema', schema],
    async withOpd(now, work, facilityId) {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      try {
        return await seeded(pool, schema, now, work, facilityId);
      } finally {
        await pool.end();
      }
    },
    async drop() {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}
