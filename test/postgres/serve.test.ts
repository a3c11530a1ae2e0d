/**
 * `npm run serve` with DATABASE_URL keeps serving while its server backends are terminated: the
 * process stays up, calls made meanwhile either succeed or fail with a clear 5xx, and once the
 * terminations stop every call succeeds again. Needs DATABASE_URL.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

const url = process.env['DATABASE_URL'];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(url === undefined || url === '')('npm run serve on PostgreSQL, backends terminated', () => {
  const run = `${process.pid}_${Date.now().toString(36)}`;
  const app = `opd-serve-${run}`;
  const schema = `opd_t_serve_${run}`;
  const admin = new pg.Pool({ connectionString: url, max: 1, application_name: `opd-serve-admin-${run}` });
  /** The killer's loop, stopped before the pool it queries ends (also when the test failed or ran out of time). */
  let killing = false;
  let killer: Promise<void> = Promise.resolve();
  afterAll(async () => {
    killing = false;
    await killer;
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  // The limit is for a hang, not for speed: idle, the test takes about 10 s; beside the rest of the
  // suite on a loaded two-core machine it went past 60 s.
  it('stays up and keeps answering', { timeout: 300_000 }, async () => {
    const port = await freePort();
    const database = new URL(url!);
    database.searchParams.set('application_name', app);
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/express-server/main.ts'], {
      cwd: ROOT,
      // Hundreds of bookings in a few seconds from one address: the booking rate limit is off.
      env: { ...process.env, DATABASE_URL: database.toString(), OPD_DB_SCHEMA: schema, PORT: String(port), OPD_LOG: 'off', OPD_RATE_LIMIT: 'off' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let exited: number | string | null = null;
    child.once('exit', (code, signal) => (exited = code ?? signal));
    const base = `http://127.0.0.1:${port}`;
    const call = async (path: string, body?: unknown): Promise<number> => {
      try {
        const response = await fetch(
          `${base}${path}`,
          body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
        );
        await response.text();
        return response.status;
      } catch {
        return 0;
      }
    };
    try {
      for (let waited = 0; (await call('/api/health')) !== 200; waited += 100) {
        if (waited > 30_000 || exited !== null) throw new Error(`the server did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await call('/api/doctors', { id: 'd1', name: 'Dr One' })).toBe(201);
      expect(await call('/api/doctors/d1/slots', { slots: [{ id: 's1', start: '2099-01-30T09:00:00Z', end: '2099-01-30T10:00:00Z', capacity: 500 }] })).toBe(
        201,
      );

      killing = true;
      let kills = 0;
      killer = (async () => {
        while (killing) {
          await new Promise((r) => setTimeout(r, 30 + Math.random() * 150));
          // Stopped while asleep: no last kill just before the calls that check the recovery.
          if (!killing) break;
          const { rows } = await admin.query<{ ok: boolean }>(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1`, [
            app,
          ]);
          kills += rows.filter((r) => r.ok).length;
        }
      })();
      const statuses: number[] = [];
      // At least 60 rounds, and on until the server has lost its connections more than five times
      // (a fast machine answers 60 rounds before the killer has woken that often).
      for (let i = 0; i < 60 || (kills <= 5 && i < 3000); i++) {
        statuses.push(
          await call('/api/tokens', { doctorId: 'd1', category: 'ONLINE', patient: { id: `p${i}`, name: `P${i}` }, slotId: 's1', idempotencyKey: `k${i}` }),
        );
        statuses.push(await call('/api/doctors/d1/schedule?date=2099-01-30'));
      }
      killing = false;
      await killer;
      expect(kills).toBeGreaterThan(5);
      expect(exited).toBeNull();
      // Meanwhile: answers, some 5xx while a connection was lost, never a dropped connection.
      expect(statuses.every((s) => s >= 200 && s !== 0)).toBe(true);
      expect(statuses.filter((s) => s < 300).length).toBeGreaterThan(0);
      // Afterwards: everything works again. A connection terminated while it sat idle in the pool
      // is found by the call that checks it out, which answers 503 (nothing stored); a retry (with
      // the same idempotency key, as docs/storage.md shows) gets a fresh connection.
      const retried = async (path: string, body?: unknown): Promise<number> => {
        let status = await call(path, body);
        for (let retry = 0; status === 503 && retry < 3; retry++) status = await call(path, body);
        return status;
      };
      expect(
        await retried('/api/tokens', { doctorId: 'd1', category: 'ONLINE', patient: { id: 'after', name: 'After' }, slotId: 's1', idempotencyKey: 'k-after' }),
      ).toBe(201);
      expect(await retried('/api/doctors/d1/schedule?date=2099-01-30')).toBe(200);
      expect(exited).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (exited === null ? child.once('exit', r) : r(null)));
    }
  });
});
