/**
 * The listening connection never starves the adapter's calls: a pool too small for a feed is
 * refused early, and `close()` settles even when the listening connection never answers.
 * Without a server, except the last case (DATABASE_URL).
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isOpdError, OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const clock = () => new Date('2026-01-30T07:00:00Z');

/** Settles within `ms`, or says it did not. */
function within<T>(promise: Promise<T>, ms: number): Promise<'settled' | 'rejected' | 'pending'> {
  return Promise.race([
    promise.then(
      () => 'settled' as const,
      () => 'rejected' as const,
    ),
    new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms)),
  ]);
}

describe('PostgresStorage: room for the listening connection', () => {
  it('refuses listen: true on a pool of one connection, naming the option', async () => {
    // A pool connects lazily: nothing here reaches a server.
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', max: 1 });
    try {
      const error = (() => {
        try {
          new PostgresStorage({ db: pool, listen: true });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isOpdError(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as { details: Record<string, unknown> }).details['field']).toBe('listen');
      expect((error as Error).message).toMatch(/one extra connection per feed/);
      // Two connections are enough for one feed.
      expect(() => new PostgresStorage({ db: new pg.Pool({ max: 2 }), listen: true })).not.toThrow();
      expect(() => new PostgresStorage({ db: new pg.Pool(), listen: true })).not.toThrow();
    } finally {
      await pool.end();
    }
  });

  it('fails a tail() on a pool of one connection at its first next(), and close() settles', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', max: 1 });
    pool.on('error', () => undefined);
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool }), clock });
    const error = await (async () => {
      for await (const event of opd.tail()) return event;
      return undefined;
    })().catch((e: unknown) => e);
    expect(isOpdError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details['field']).toBe('db');
    expect(await within(opd.close(), 5000)).toBe('settled');
    await pool.end();
  });

  it('settles close() when the listening connection never answers its UNLISTEN', async () => {
    let released: unknown = 'not released';
    const client = {
      // The LISTEN is answered; nothing after it ever is (a connection gone silent).
      query: (text: unknown) =>
        typeof text === 'string' && text.includes('LISTEN') && !text.includes('UNLISTEN') ? Promise.resolve({ rows: [] }) : new Promise(() => undefined),
      release: (error?: unknown) => void (released = error),
      on: () => undefined,
      removeListener: () => undefined,
    };
    const db = { connect: async () => client, on: () => undefined, options: { max: 4 } };
    const storage = new PostgresStorage({ db, listen: true });
    storage.subscribe(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    expect(await within(storage.close(), 10_000)).toBe('settled');
    expect(Date.now() - started).toBeLessThan(5000);
    // Destroyed, not returned to the pool in doubt.
    expect(released).toBeInstanceOf(Error);
  });
});

describe.skipIf(!hasServer)('PostgresStorage: listen: true on a pool of two connections (server)', () => {
  const pool = hasServer ? new pg.Pool({ connectionString: url, max: 2 }) : undefined;
  pool?.on('error', () => undefined);
  afterAll(() => pool?.end());

  it('serves calls while the feed holds one connection, and closes', async () => {
    const schema = `opd_t_feedroom_${process.pid}`;
    await pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool!, { schema });
    try {
      const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool!, schema, listen: true }), clock });
      expect(await within(opd.addDoctor({ id: 'd1', name: 'Dr d1' }), 10_000)).toBe('settled');
      expect(await within(opd.close(), 10_000)).toBe('settled');
    } finally {
      await pool!.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });

  it('settles close() only once the read the feed has in flight is answered: none of its statements runs on after', async () => {
    const schema = `opd_t_feedread_${process.pid}`;
    const feedPool = new pg.Pool({ connectionString: url, max: 3 });
    feedPool.on('error', () => undefined);
    const holder = await pool!.connect();
    try {
      await holder.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await migrate(feedPool, { schema });
      // The horizon the feed reads first waits for this session's allocation lock.
      await holder.query(`SELECT pg_advisory_lock(hashtext('opd-scheduler:alloc:${schema}'), 0)`);
      const storage = new PostgresStorage({ db: feedPool, schema, listen: true });
      storage.subscribe(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      const closing = storage.close();
      expect(await within(closing, 300)).toBe('pending');
      await holder.query(`SELECT pg_advisory_unlock(hashtext('opd-scheduler:alloc:${schema}'), 0)`);
      expect(await within(closing, 1500)).toBe('settled');
      // Nothing of the adapter's is left running: the schema drops at once.
      await holder.query(`DROP SCHEMA ${schema} CASCADE`);
    } finally {
      await holder.query(`SELECT pg_advisory_unlock_all()`);
      await holder.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      holder.release();
      await feedPool.end();
    }
  });
});
