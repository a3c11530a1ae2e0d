/**
 * A script ends when its work does: with the pool's client-side `query_timeout` (docs/storage.md
 * recommends 35 s; 20 s here), a child process that migrates, books and ends its pool exits at
 * once, not when the read timeouts of its round trips would have fired. Every round trip the
 * adapter sends completes node-postgres's query protocol, which clears the client's timer for it.
 * Needs DATABASE_URL.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const url = process.env['DATABASE_URL'];
if (url === undefined) console.warn('PostgreSQL exit test skipped: DATABASE_URL is not set (it runs a script against a server)');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the script; when it printed `started` and `done`, and when it exited (ms since the epoch), and its exit code. */
async function runScript(schema: string): Promise<{ started: number; done: number; exited: number; code: number | string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/postgres/exit-script.ts', url!, schema], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let started = Number.NaN;
  let done = Number.NaN;
  let stderr = '';
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    if (Number.isNaN(started) && out.includes('started\n')) started = Date.now();
    if (Number.isNaN(done) && out.includes('done\n')) done = Date.now();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
  // Past the timer's 20 s: the process is ended here rather than left behind.
  const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const code = await new Promise<number | string>((resolve) => child.once('exit', (c, signal) => resolve(c ?? signal ?? -1)));
  clearTimeout(guard);
  return { started, done, exited: Date.now(), code, stderr };
}

describe.skipIf(url === undefined)('a script with a query_timeout on its pool', () => {
  const admin = url === undefined ? undefined : new pg.Pool({ connectionString: url, max: 1 });
  afterAll(async () => admin?.end());

  it('exits once it migrated, booked and ended its pool, long before its query_timeout (20 s) could fire', async () => {
    const schema = `opd_exit_${process.pid}`;
    await admin!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    try {
      const run = await runScript(schema);
      expect(run.code, run.stderr).toBe(0);
      expect(Number.isNaN(run.done), 'the script finished its work').toBe(false);
      // Once its pool has ended, nothing is left to wait for: a timer left armed would hold the
      // process the whole 20 s after its last round trip. The bounds are half of that, so that a
      // busy machine's slow start measures nothing.
      expect(run.exited - run.done).toBeLessThan(10_000);
      expect(run.exited - run.started).toBeLessThan(10_000);
    } finally {
      await admin!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  });
});
