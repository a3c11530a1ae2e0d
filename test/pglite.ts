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
 * One PGlite database for the tests of a file, started on first use and closed after them: call it
 * at the top of the file, and give each test a schema of its own on the database it returns (a
 * new instance takes a second or more to start; a schema, a few milliseconds).
 */
export function pgliteOfFile(): () => Promise<PGlite> {
  let db: Promise<PGlite> | undefined;
  afterAll(async () => {
    await (await db)?.close();
  });
  return () => (db ??= freshPglite());
}
