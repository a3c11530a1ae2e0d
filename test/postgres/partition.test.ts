/**
 * A network cut without a reset (a partition: the connection stays open, nothing comes back) on a
 * PostgreSQL server. `statementTimeout` is the server's and cannot end a wait for an answer that
 * never comes; node-postgres's client-side `query_timeout` on the pool can, as docs/storage.md
 * says and the example server does: the call then fails with `STORAGE_FAILURE`, and the
 * scheduler and the pool still close. Needs DATABASE_URL.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isOpdError, OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';

const url = process.env['DATABASE_URL'];
if (url === undefined) console.warn('PostgreSQL partition test skipped: DATABASE_URL is not set');

/** A proxy to the server that, once frozen, forwards nothing either way and closes nothing. */
async function freezingProxy(target: URL): Promise<{ port: number; freeze: () => void; close: () => Promise<void> }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d: Buffer) => void (frozen || upstream.write(d)));
    upstream.on('data', (d: Buffer) => void (frozen || client.write(d)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    freeze: () => void (frozen = true),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(url === undefined)('a partition between the adapter and the server', () => {
  const admin = url === undefined ? undefined : new pg.Pool({ connectionString: url, max: 2 });
  afterAll(async () => admin?.end());

  it('fails the call with STORAGE_FAILURE once the pool’s query_timeout passes, and everything still closes', async () => {
    const schema = `opd_partition_${process.pid}`;
    await admin!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const proxy = await freezingProxy(new URL(url!));
    const target = new URL(url!);
    target.hostname = '127.0.0.1';
    target.port = String(proxy.port);
    const pool = new pg.Pool({ connectionString: target.toString(), query_timeout: 1_500 });
    pool.on('error', () => undefined);
    try {
      await migrate(pool, { schema });
      const opd = new OpdScheduler({
        ...presets.standard(),
        storage: new PostgresStorage({ db: pool, schema }),
        clock: () => new Date('2026-01-30T07:00:00Z'),
      });
      await opd.addDoctor({ id: 'd1', name: 'D' });
      await opd.addSlots('d1', [{ id: 's9', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 2 }]);
      proxy.freeze();
      const started = Date.now();
      const failure = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-1', name: 'Asha' } }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isOpdError(failure, 'STORAGE_FAILURE'), String(failure)).toBe(true);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(JSON.stringify({ message: (failure as Error).message, details: (failure as { details: unknown }).details })).not.toContain('Asha');
      await opd.close();
      await pool.end();
    } finally {
      await proxy.close();
      await admin!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  });
});
