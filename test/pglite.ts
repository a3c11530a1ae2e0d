/**
 * A fresh, empty PGlite database for a test, made from a data directory initialised once per
 * machine (kept in the temporary folder, one per PGlite version) instead of running `initdb`
 * again: a new instance then starts in a fraction of the time. What it holds is exactly what
 * `new PGlite()` holds.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll } from 'vitest';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The version of the installed PGlite: a data directory is only reused by the version that made it. */
function pgliteVersion(): string {
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version !== undefined) return pkg.version;
    } catch {
      // not the package's folder yet
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

/** The empty data directory as a tarball, read from the cache or made (and cached) now. */
export async function emptyDataDir(): Promise<Blob> {
  const file = join(tmpdir(), `opd-scheduler-test-pglite-${pgliteVersion()}.tar`);
  try {
    return new Blob([readFileSync(file)]);
  } catch {
    const db = new PGlite();
    await db.waitReady;
    const dump = await db.dumpDataDir('none');
    await db.close();
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    // Atomic: another test process making it at the same time writes the same bytes.
    renameSync(partial, file);
    return dump;
  }
}

/** A new, empty PGlite database. */
export async function freshPglite(): Promise<PGlite> {
  const db = new PGlite({ loadDataDir: await emptyDataDir() });
  await db.waitReady;
  return db;
}

/**
 * Whether the test files of a worker pass their PGlite databases on to the worker's next file:
 * `npm test` says so (vitest.config.ts), where the files of a worker share their modules, and so
 * this one. A database a file gave back is emptied (every schema dropped, the session reset) and
 * waits here for the next file that asks for one, which finds it as a fresh one is: starting an
 * instance costs a second of CPU, emptying one a few milliseconds.
 */
const passedOn = process.env['OPD_TEST_SHARED_PGLITE'] === '1';
/** The worker's emptied databases, waiting for a file. */
const idle: PGlite[] = [];

/** Empties a database a file is done with; false when it cannot be (a transaction left open, say). */
async function emptied(db: PGlite): Promise<boolean> {
  try {
    if (db.closed) return false;
    // DISCARD ALL refuses to run inside a transaction block: a file that left one open gives back a database nobody else gets.
    await db.exec('DISCARD ALL');
    const { rows } = await db.query<{ name: string }>(
      "SELECT nspname AS name FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
    );
    for (const { name } of rows) await db.exec(`DROP SCHEMA "${name.replaceAll('"', '""')}" CASCADE`);
    // The public schema as initdb makes it (PostgreSQL 15).
    await db.exec(
      "CREATE SCHEMA public AUTHORIZATION pg_database_owner; GRANT USAGE ON SCHEMA public TO PUBLIC; COMMENT ON SCHEMA public IS 'standard public schema'",
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * An empty PGlite database for a test that needs one to itself (its session settings, its public
 * schema): one the worker's earlier tests gave back, or a new one. Give it back with
 * {@link giveBackPglite} when done, instead of closing it.
 */
export async function borrowPglite(): Promise<PGlite> {
  return idle.pop() ?? freshPglite();
}

/** Gives a database back: emptied and kept for the worker's next test in `npm test`, else closed (a closed one stays closed). */
export async function giveBackPglite(db: PGlite): Promise<void> {
  if (passedOn && (await emptied(db))) idle.push(db);
  else if (!db.closed) await db.close();
}

/**
 * One PGlite database for the tests of a file, taken on first use and given back after them: call
 * it at the top of the file (once for each database the file needs at once), and give each test a
 * schema of its own on the database it returns (a new instance takes a second or more to start; a
 * schema, a few milliseconds). The database is empty when the file gets it, as a new one is; in
 * `npm test` it may be one an earlier file of the same worker used and gave back.
 */
export function pgliteOfFile(): () => Promise<PGlite> {
  let db: Promise<PGlite> | undefined;
  afterAll(async () => {
    if (db !== undefined) await giveBackPglite(await db);
  });
  return () => (db ??= borrowPglite());
}
