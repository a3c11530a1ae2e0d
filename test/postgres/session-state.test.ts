/**
 * What a failed statement may leave in a pooled connection's session never reaches the next
 * caller, and the pool's own errors never end the host process:
 *
 * - the functions release the schema's session-level "alloc" lock on every path, a cancel
 *   landing right after it was granted included (a lock left held by an idle pooled connection
 *   stopped every unit that writes events, and every history read, for every doctor);
 * - a client whose statement was cancelled, or whose unit's work ran `DEALLOCATE ALL`, is
 *   destroyed rather than returned to the pool;
 * - a pool without an `error` listener of the host gets one that reports (`OPD_POOL_ERROR`).
 *
 * Server tests with DATABASE_URL; the pool's listener without a server too.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isOpdError, OpdScheduler, presets } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const clock = () => new Date('2026-01-30T07:00:00Z');
const APP = `opd-session-${process.pid}`;
if (!hasServer) console.warn('PostgreSQL server tests of session state skipped: DATABASE_URL is not set');

async function until(done: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  for (let waited = 0; !(await done()) && waited < ms; waited += 10) await new Promise((r) => setTimeout(r, 10));
}

/** Collects the process warnings of opd-scheduler with a code while `run` runs (and a moment after). */
async function warningsDuring(code: string, run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const hear = (warning: Error & { code?: string }): void => {
    if (warning.name === 'OpdSchedulerWarning' && warning.code === code) seen.push(warning.message);
  };
  process.on('warning', hear);
  try {
    await run();
    await until(() => seen.length > 0, 1000);
  } finally {
    process.off('warning', hear);
  }
  return seen;
}

describe.skipIf(!hasServer)('PostgreSQL: a failed statement leaves nothing in a pooled session', () => {
  const admin = hasServer ? new pg.Pool({ connectionString: url, max: 3, application_name: `${APP}-admin` }) : undefined;
  admin?.on('error', () => undefined);
  afterAll(() => admin?.end());

  async function freshSchema(name: string): Promise<{ schema: string; drop: () => Promise<void> }> {
    const schema = `opd_t_session_${name}_${process.pid}`;
    await admin!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(admin!, { schema });
    return { schema, drop: async () => void (await admin!.query(`DROP SCHEMA ${schema} CASCADE`)) };
  }

  const allocKey = (schema: string): string => `opd-scheduler:alloc:${schema}`;

  /** The advisory locks granted to the backends of an application. */
  async function advisoryHeld(app: string): Promise<unknown[]> {
    return (
      await admin!.query(
        `SELECT a.pid, a.state, l.classid, l.objid FROM pg_locks l JOIN pg_stat_activity a USING (pid)
         WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1`,
        [app],
      )
    ).rows;
  }

  /** Whether a backend of the application waits for a lock. */
  async function waitingForLock(app: string): Promise<number | undefined> {
    const rows = (await admin!.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [app])).rows;
    return rows[0]?.pid as number | undefined;
  }

  /**
   * Another session holds the schema's alloc lock while `start` sends a statement that waits for
   * it; then, in one statement, the lock is released and the waiting backend cancelled, so that
   * the cancel lands the moment the lock is granted. Resolves with what the statement did.
   */
  async function cancelledOnGrant(schema: string, app: string, start: () => Promise<unknown>, release = true): Promise<unknown> {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1), 0)', [allocKey(schema)]);
      const outcome = start().then(
        () => 'done',
        (error: unknown) => error,
      );
      let pid: number | undefined;
      await until(async () => (pid = await waitingForLock(app)) !== undefined);
      expect(pid).toBeDefined();
      await holder.query(`SELECT ${release ? 'pg_advisory_unlock(hashtext($1), 0)' : '$1::text'}, pg_cancel_backend($2)`, [allocKey(schema), pid]);
      return await outcome;
    } finally {
      await holder.end();
    }
  }

  const codeOf = (outcome: unknown): unknown => (isOpdError(outcome) ? outcome.details['code'] : ((outcome as { code?: unknown } | null)?.code ?? outcome));

  it('opd_horizon and opd_write release the alloc lock when a cancel lands right after it was granted', async () => {
    const { schema, drop } = await freshSchema('grant');
    const app = `${APP}-grant`;
    const events = JSON.stringify([{ doctorId: 'd', type: 'test', actor: 'test' }]);
    const statements = [
      { text: `SELECT "${schema}".opd_history(0, 10)`, values: [] as unknown[] },
      { text: `SELECT "${schema}".opd_write(NULL, NULL, NULL, NULL, NULL, NULL, NULL, $1::json, NULL, 'test', false)`, values: [events] },
    ];
    try {
      for (const { text, values } of statements) {
        const codes: unknown[] = [];
        for (let attempt = 0; attempt < 3; attempt++) {
          const victim = new pg.Client({ connectionString: url, application_name: app });
          victim.on('error', () => undefined);
          await victim.connect();
          try {
            codes.push(codeOf(await cancelledOnGrant(schema, app, () => victim.query(text, values))));
            // The session, idle again, holds no lock: the next caller of the connection would inherit it.
            expect(await advisoryHeld(app)).toEqual([]);
          } finally {
            await victim.end();
          }
        }
        // The cancel did land (in the function, after the lock was granted) at least once.
        expect(codes).toContain('57014');
      }
    } finally {
      await drop();
    }
  });

  it('a history read cancelled as it gets the alloc lock leaves no pooled connection holding it: other doctors book', async () => {
    const { schema, drop } = await freshSchema('history');
    const app = `${APP}-history`;
    const pool = new pg.Pool({ connectionString: url, max: 4, application_name: app });
    pool.on('error', () => undefined);
    const opd = new OpdScheduler({
      ...presets.standard(),
      storage: new PostgresStorage({ db: pool, schema, lockTimeout: 1000, statementTimeout: 5000 }),
      clock,
    });
    try {
      for (const d of ['A', 'B']) {
        await opd.addDoctor({ id: d, name: `Dr ${d}` });
        await opd.addSlots(d, [{ id: `${d}-9`, start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 50 }]);
      }
      for (let attempt = 0; attempt < 3; attempt++) {
        await cancelledOnGrant(schema, app, () => opd.history({ after: 0 }));
        expect(await advisoryHeld(app)).toEqual([]);
      }
      // A leaked lock, held by an idle pooled connection, would fail these with CONFLICT once
      // `lockTimeout` passed; none is held once they are done.
      const booked = await Promise.all(['A', 'B', 'A', 'B'].map((d, i) => opd.book({ doctorId: d, category: 'ONLINE', patient: { id: `p${i}`, name: 'P' } })));
      expect(booked.map((b) => b.outcome)).toEqual(['BOOKED', 'BOOKED', 'BOOKED', 'BOOKED']);
      expect(await advisoryHeld(app)).toEqual([]);
      expect((await opd.history({ after: 0 })).length).toBeGreaterThan(0);
    } finally {
      await opd.close();
      await pool.end();
      await drop();
    }
  });

  it('does not lend again a connection whose statement was cancelled', async () => {
    const { schema, drop } = await freshSchema('cancel');
    const app = `${APP}-cancel`;
    // One connection: the one cancelled, or a new one.
    const pool = new pg.Pool({ connectionString: url, max: 1, application_name: app });
    pool.on('error', () => undefined);
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool, schema }), clock });
    try {
      const before = (await pool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      // Cancelled while it waits (the lock never granted): whatever it left, the session is not used again.
      const outcome = await cancelledOnGrant(schema, app, () => opd.history({ after: 0 }), false);
      expect(isOpdError(outcome, 'STORAGE_FAILURE') && outcome.details['code']).toBe('57014');
      const after = (await pool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      expect(after).not.toBe(before);
      expect(await opd.history({ after: 0 })).toEqual([]);
    } finally {
      await opd.close();
      await pool.end();
      await drop();
    }
  });

  it('after a unit whose work ran DEALLOCATE ALL, the next calls on the pool succeed', async () => {
    const { schema, drop } = await freshSchema('dealloc');
    const pool = new pg.Pool({ connectionString: url, max: 1, application_name: `${APP}-dealloc` });
    pool.on('error', () => undefined);
    const storage = new PostgresStorage({ db: pool, schema });
    const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
    try {
      await opd.addDoctor({ id: 'X', name: 'Dr X' });
      await opd.addSlots('X', [{ id: 'X-9', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 50 }]);
      await storage
        .withTransaction(
          () => opd.book({ doctorId: 'X', category: 'ONLINE', patient: { id: 'p0', name: 'P' } }),
          async (tx) => {
            await tx.query('DEALLOCATE ALL');
          },
        )
        .catch(() => undefined);
      for (let i = 1; i <= 3; i++) {
        const booked = await opd.book({ doctorId: 'X', category: 'ONLINE', patient: { id: `p${i}`, name: 'P' } });
        expect(booked.outcome).toBe('BOOKED');
      }
      expect((await opd.history({ after: 0 })).length).toBeGreaterThan(0);
    } finally {
      await opd.close();
      await pool.end();
      await drop();
    }
  });

  it('reports, rather than crashing on, the error of an idle pooled client whose backend ends when the host set no pool error listener', async () => {
    const { schema, drop } = await freshSchema('idle');
    const app = `${APP}-idle`;
    // As the README's snippet built it before: no pool.on('error', …).
    const pool = new pg.Pool({ connectionString: url, max: 2, application_name: app });
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool, schema }), clock });
    try {
      await opd.addDoctor({ id: 'X', name: 'Dr X' });
      expect(pool.idleCount).toBeGreaterThan(0);
      const warnings = await warningsDuring('OPD_POOL_ERROR', async () => {
        await admin!.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
        await until(() => pool.idleCount === 0 && pool.totalCount === 0);
      });
      expect(warnings.length).toBeGreaterThan(0);
      expect(warnings[0]).toContain('57P01');
      await opd.addDoctor({ id: 'Y', name: 'Dr Y' });
    } finally {
      await opd.close();
      await pool.end();
      await drop();
    }
  });
});

describe('PostgresStorage over a pool with no error listener of the host', () => {
  /** A pool that never connects (nothing here sends a query). */
  const unconnected = (): pg.Pool => new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', max: 1 });
  const idleError = (): Error => Object.assign(new Error('terminating connection due to administrator command: patient Jane Roe'), { code: '57P01' });

  it('reports the error a pool emits, as OPD_POOL_ERROR without its message, instead of letting it end the process', async () => {
    const pool = unconnected();
    new PostgresStorage({ db: pool, schema: 'opd_unused' });
    new PostgresStorage({ db: pool, schema: 'opd_unused_too' });
    // One listener for the pool, however many adapters use it.
    expect(pool.listenerCount('error')).toBe(1);
    const warnings = await warningsDuring('OPD_POOL_ERROR', async () => {
      expect(pool.emit('error', idleError())).toBe(true);
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('57P01');
    expect(warnings[0]).not.toContain('Jane');
    await pool.end();
  });

  it('adds no listener to a pool whose host listens, and falls silent once the host adds one later', async () => {
    const pool = unconnected();
    const mine: unknown[] = [];
    pool.on('error', (error) => void mine.push(error));
    new PostgresStorage({ db: pool });
    expect(pool.listenerCount('error')).toBe(1);
    await pool.end();

    const later = unconnected();
    new PostgresStorage({ db: later });
    later.on('error', (error) => void mine.push(error));
    const warnings = await warningsDuring('OPD_POOL_ERROR', async () => {
      later.emit('error', idleError());
    });
    expect(warnings).toEqual([]);
    expect(mine).toHaveLength(1);
    await later.end();
  });
});
