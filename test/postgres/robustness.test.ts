/**
 * What comes from outside the library never crashes the host nor carries a patient out: a stored
 * event that is not one (history, tail and the `listen: true` feed), a statement of the
 * integrator's work that the server refuses, the server's report of a failing statement's bind
 * parameters (`log_parameter_max_length_on_error` set by a DBA), and `statementTimeout` bounding
 * a wait for a doctor's lock. PGlite always; the server with DATABASE_URL.
 */
import { readFileSync, statSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isOpdError, OpdScheduler, presets, type BookingResult, type OpdEvent } from '../../src/index.js';
import { migrate, PostgresErrorSummary, PostgresStorage, type PostgresDb } from '../../src/postgres/index.js';
import type { ChangeSet } from '../../src/model/snapshot.js';
import { serverLog } from './shared.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const clock = () => new Date('2026-01-30T07:00:00Z');
const APP = `opd-robust-${process.pid}`;
if (!hasServer) console.warn('PostgreSQL server tests of robustness skipped: DATABASE_URL is not set');

async function doctorWithSlot(opd: OpdScheduler, id: string): Promise<void> {
  await opd.addDoctor({ id, name: `Dr ${id}` });
  await opd.addSlots(id, [{ id: `${id}-09`, start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 50 }]);
}

/** Books a place through `opd`; the seq of its `token:booked` event. */
async function bookedSeq(opd: OpdScheduler, patientId: string): Promise<number> {
  const booked: number[] = [];
  const hear = (event: OpdEvent): void => void booked.push(event.seq);
  opd.on('token:booked', hear);
  try {
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: patientId, name: 'P' }, slotId: 'd1-09' });
  } finally {
    opd.off('token:booked', hear);
  }
  expect(booked).toHaveLength(1);
  return booked[0]!;
}

async function until(done: () => boolean, ms = 30_000): Promise<void> {
  for (let waited = 0; !done() && waited < ms; waited += 20) await new Promise((r) => setTimeout(r, 20));
}

/** Everything an error shows: each error of its cause chain as text, as JSON, and its own properties. */
function everything(error: unknown): string {
  const out: string[] = [];
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    out.push(String(e), JSON.stringify(e) ?? '');
    if (typeof e === 'object') out.push(JSON.stringify(Object.getOwnPropertyNames(e).map((k) => String((e as Record<string, unknown>)[k]))));
  }
  return out.join('\n');
}

/** A change set that writes nothing. */
const NO_CHANGES: ChangeSet = { newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] };

type Run = (sql: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

const stores: { name: string; skip: boolean; open: () => { db: PostgresDb; run: Run; end: () => Promise<void> } }[] = [
  {
    name: 'PGlite',
    skip: false,
    open: () => {
      const db = new PGlite();
      return { db, run: async (sql, values) => ({ rows: (await db.query(sql, values)).rows as Record<string, unknown>[] }), end: () => db.close() };
    },
  },
  {
    name: 'server',
    skip: !hasServer,
    open: () => {
      const pool = new pg.Pool({ connectionString: url, max: 6, application_name: APP });
      pool.on('error', () => undefined);
      return { db: pool, run: async (sql, values) => pool.query(sql, values), end: () => pool.end() };
    },
  },
];

for (const store of stores) {
  describe.skipIf(store.skip)(`PostgresStorage and what comes from outside (${store.name})`, () => {
    const { db, run, end } = store.skip ? ({} as never) : store.open();
    afterAll(() => end?.());

    async function freshSchema(name: string): Promise<{ schema: string; drop: () => Promise<void> }> {
      const schema = `opd_t_robust_${name}_${process.pid}`;
      await run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await migrate(db, { schema });
      return { schema, drop: async () => void (await run(`DROP SCHEMA ${schema} CASCADE`)) };
    }

    it('fails history() and tail() with STORAGE_FAILURE naming the seq of a stored event that is not one, and the listen feed neither crashes nor skips it', async () => {
      const { schema, drop } = await freshSchema('event');
      const { rejections, warnings, stop } = watchProcess();
      try {
        const writer = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db, schema }), clock });
        const storage = new PostgresStorage({ db, schema, listen: true });
        const board = new OpdScheduler({ ...presets.standard(), storage, clock });
        const foreign: OpdEvent[] = [];
        board.on('event', (e) => foreign.push(e));
        await doctorWithSlot(writer, 'd1');
        // The feed is up once it delivers a booking of the writer.
        const first = await bookedSeq(writer, 'p1');
        await until(() => foreign.some((e) => e.seq === first));
        expect(foreign.map((e) => e.seq)).toContain(first);

        // A row written outside the adapter whose event is JSON null (the report), then a notification.
        const inserted = await run(
          `INSERT INTO ${schema}.opd_events (seq, doctor_id, origin, type, event) VALUES (nextval('${schema}.opd_event_seq'), 'd1', 'other:1', 'token:booked', 'null') RETURNING seq`,
        );
        const bad = Number(inserted.rows[0]!['seq']);
        await run(`SELECT pg_notify('opd_events_${schema}', '')`);
        const later = await bookedSeq(writer, 'p2');
        expect(later).toBeGreaterThan(bad);

        // history(): a typed failure naming the seq, for as long as the row is there.
        const failure = await board.history({ after: first }).catch((e: unknown) => e);
        expect(isOpdError(failure, 'STORAGE_FAILURE')).toBe(true);
        expect((failure as { details: Record<string, unknown> }).details['seq']).toBe(bad);
        expect((failure as Error).message).toContain(String(bad));

        // tail(): the events before it, then the same typed failure (not a TypeError).
        const tailed: number[] = [];
        const ended = await (async () => {
          for await (const event of board.tail({ after: first - 1 })) tailed.push(event.seq);
        })().catch((e: unknown) => e);
        expect(tailed).toEqual([first]);
        expect(isOpdError(ended, 'STORAGE_FAILURE')).toBe(true);
        expect((ended as { details: Record<string, unknown> }).details['seq']).toBe(bad);

        // The feed reported it once, as a warning naming the seq, and delivered nothing past it.
        await until(() => warnings.some((w) => (w as { code?: string }).code === 'OPD_EVENT_UNREADABLE'));
        await new Promise((r) => setTimeout(r, 700)); // a few more reads of the feed
        const reported = warnings.filter((w) => (w as { code?: string }).code === 'OPD_EVENT_UNREADABLE');
        expect(reported).toHaveLength(1);
        expect(reported[0]!.name).toBe('OpdSchedulerWarning');
        expect(reported[0]!.message).toContain(`seq ${bad}`);
        expect(foreign.map((e) => e.seq)).not.toContain(later);

        // A stored value that quotes a patient is never shown.
        const marker = `Z${process.pid}Q${Date.now()}`;
        for (const value of [{ type: 'token:booked', patient: { id: `ABHA-${marker}`, name: marker } }, [marker], marker, 7]) {
          await run(`UPDATE ${schema}.opd_events SET event = $1::json WHERE seq = $2`, [JSON.stringify(value), bad]);
          const again = await storage.history(first, 10).catch((e: unknown) => e);
          expect(isOpdError(again, 'STORAGE_FAILURE')).toBe(true);
          expect((again as { details: Record<string, unknown> }).details['seq']).toBe(bad);
          expect(everything(again)).not.toContain(marker);
        }
        expect(everything(warnings)).not.toContain(marker);

        // Repaired: the feed goes on from where it stopped, and delivers the later booking once.
        await run(`DELETE FROM ${schema}.opd_events WHERE seq = $1`, [bad]);
        await until(() => foreign.some((e) => e.seq === later));
        expect(foreign.filter((e) => e.seq === later)).toHaveLength(1);
        expect((await board.history({ after: first })).map((e) => e.seq)).toEqual([later]);
        expect(rejections).toEqual([]);
        await writer.close();
        await board.close();
      } finally {
        stop();
      }
      await drop();
    });

    it('keeps a subscriber that throws from ending the feed, failing a call or rejecting unhandled', async () => {
      const { schema, drop } = await freshSchema('subscriber');
      const { rejections, warnings, stop } = watchProcess();
      try {
        const writer = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db, schema }), clock });
        const storage = new PostgresStorage({ db, schema, listen: true });
        const heard: number[] = [];
        const stopThrowing = storage.subscribe(() => {
          throw new Error('a subscriber of Secret Patient');
        });
        const stopHearing = storage.subscribe((e) => heard.push(e.seq));
        await new Promise((r) => setTimeout(r, 200)); // the feed starts at the horizon
        await doctorWithSlot(writer, 'd1');
        const a = await bookedSeq(writer, 'p1');
        const b = await bookedSeq(writer, 'p2');
        await until(() => heard.includes(b));
        expect(heard).toEqual(expect.arrayContaining([a, b]));
        await until(() => warnings.some((w) => (w as { code?: string }).code === 'OPD_LISTENER_FAILED'));
        const reported = warnings.filter((w) => (w as { code?: string }).code === 'OPD_LISTENER_FAILED');
        expect(reported).toHaveLength(1);
        expect(reported[0]!.message).not.toContain('Secret');
        expect(rejections).toEqual([]);
        stopThrowing();
        stopHearing();
        await storage.close();
        await writer.close();
      } finally {
        stop();
      }
      await drop();
    });

    it('reduces the error of a statement of the integrator’s work to a PostgresErrorSummary, without the row it quotes', async () => {
      const { schema, drop } = await freshSchema('work');
      await run(
        `CREATE TABLE ${schema}.visits (token_id text PRIMARY KEY, patient_name text NOT NULL, fee integer NOT NULL CONSTRAINT visits_fee_positive CHECK (fee > 0))`,
      );
      const storage = new PostgresStorage({ db, schema });
      const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
      await doctorWithSlot(opd, 'd1');
      const marker = `Z${process.pid}Q${Date.now()}`;
      const error = await storage
        .withTransaction(
          () => opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: `ABHA-${marker}`, name: `Name ${marker}` }, slotId: 'd1-09' }),
          async (tx, result) => {
            const { token } = result as BookingResult;
            // The server's `detail` would say: Failing row contains (d1~…, Name <marker>, 0).
            await tx.query(`INSERT INTO ${schema}.visits (token_id, patient_name, fee) VALUES ($1, $2, $3)`, [token.id, token.patient.name, 0]);
          },
        )
        .catch((e: unknown) => e);
      expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
      const cause = (error as Error).cause;
      expect(cause).toBeInstanceOf(PostgresErrorSummary);
      expect(cause).toMatchObject({ code: '23514', constraint: 'visits_fee_positive' });
      expect((error as { details: Record<string, unknown> }).details).toMatchObject({
        adapter: 'postgres',
        code: '23514',
        constraint: 'visits_fee_positive',
        outcome: 'not-committed',
      });
      expect(everything(error)).not.toContain(marker);
      // Nothing of the unit was written.
      expect((await opd.stats()).tokens).toBe(0);
      // The same through the adapter alone (no scheduler between it and the caller).
      const direct = await storage
        .withTransaction(
          () => storage.transact({ doctorId: 'd1' }, () => ({ kind: 'commit', changes: NO_CHANGES, result: null })),
          async (tx) => {
            await tx.query(`INSERT INTO ${schema}.visits (token_id, patient_name, fee) VALUES ($1, $2, $3)`, ['t1', `Name ${marker}`, 0]);
          },
        )
        .catch((e: unknown) => e);
      expect(isOpdError(direct, 'STORAGE_FAILURE')).toBe(true);
      expect((direct as Error).cause).toMatchObject({ code: '23514', constraint: 'visits_fee_positive' });
      expect(everything(direct)).not.toContain(marker);
      // An error of the integrator's own (no SQLSTATE) is still the cause as it was thrown.
      const own = new Error('billing is down');
      const failed = await storage
        .withTransaction(
          () => opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: 'p2', name: 'B' }, slotId: 'd1-09' }),
          async () => {
            throw own;
          },
        )
        .catch((e: unknown) => e);
      expect(isOpdError(failed, 'STORAGE_FAILURE')).toBe(true);
      expect((failed as Error).cause).not.toBeInstanceOf(PostgresErrorSummary);
      await opd.close();
      await drop();
    });
  });
}

/** A fresh, migrated schema on the server, and what drops it. */
async function freshSchemaOn(admin: pg.Pool, name: string): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `opd_t_robust_${name}_${process.pid}`;
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await migrate(admin, { schema });
  return { schema, drop: async () => void (await admin.query(`DROP SCHEMA ${schema} CASCADE`)) };
}

describe.skipIf(!hasServer)('PostgresStorage leaves nothing behind on a server: listening connections and listeners', () => {
  const app = `${APP}-listen`;
  const admin = hasServer ? new pg.Pool({ connectionString: url, max: 2, application_name: `${APP}-admin` }) : undefined;
  admin?.on('error', () => undefined);
  afterAll(() => admin?.end());

  /** The pooled backends of the tests below still holding an advisory lock, or whose last statement was a LISTEN. */
  async function leftOver(): Promise<unknown[]> {
    const { rows } = await admin!.query(
      `SELECT a.pid, left(a.query, 60) AS query, (SELECT count(*)::int FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory') AS locks
         FROM pg_stat_activity a WHERE a.application_name = $1`,
      [app],
    );
    return rows.filter((r) => r['locks'] !== 0 || (/LISTEN/.test(String(r['query'])) && !/UNLISTEN/.test(String(r['query']))));
  }

  it('ends the LISTEN and the listen key of a scheduler closed while its listening connection was still being made', async () => {
    const { schema, drop } = await freshSchemaOn(admin!, 'listen');
    const pool = new pg.Pool({ connectionString: url, max: 3, application_name: app });
    pool.on('error', () => undefined);
    for (let i = 0; i < 5; i++) {
      const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool, schema, listen: true }), clock });
      if (i % 2 === 1) await new Promise((r) => setTimeout(r, i));
      await opd.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await leftOver()).toEqual([]);
    await pool.end();
    await drop();
  });

  it('delivers to a listen feed whose first reads met dead connections, once it is live, every event committed after', async () => {
    const { schema, drop } = await freshSchemaOn(admin!, 'feedstart');
    const writerPool = new pg.Pool({ connectionString: url, max: 2, application_name: app });
    const boardPool = new pg.Pool({ connectionString: url, max: 3, application_name: app });
    boardPool.on('error', () => undefined);
    // The first two clients the board's pool hands out (its LISTEN connection and its first read
    // of the horizon) have lost their backend.
    let dead = 2;
    const db = {
      async connect() {
        const client = await boardPool.connect();
        if (dead-- > 0) {
          client.on('error', () => undefined);
          await admin!.query('SELECT pg_terminate_backend($1)', [(client as unknown as { processID: number }).processID]);
          await new Promise((r) => setTimeout(r, 50));
        }
        return client;
      },
    };
    const writer = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: writerPool, schema }), clock });
    let board: OpdScheduler | undefined;
    try {
      await writer.addDoctor({ id: 'd1', name: 'Dr d1' });
      await writer.addSlots('d1', [{ id: 'd1-09', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 10 }]);
      board = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: db as unknown as pg.Pool, schema, listen: true }), clock });
      const seen: number[] = [];
      board.on('event', (event) => seen.push(event.seq));
      // The feed starts from the horizon it reads once a connection answers: events committed
      // before that read are not its to deliver. Commit one event after another until the feed,
      // past its dead connections, delivers one; from then on it must deliver every event.
      let live: number | undefined;
      for (let probe = 1; live === undefined && probe <= 40; probe++) {
        const start = Date.UTC(2026, 1, 1, probe);
        await writer.addSlots('d1', [
          { id: `d1-probe-${probe}`, start: new Date(start).toISOString(), end: new Date(start + 1_800_000).toISOString(), capacity: 1 },
        ]);
        await writer.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `probe-${probe}`, name: 'P' }, slotId: `d1-probe-${probe}` });
        for (let waited = 0; seen.length === 0 && waited < 250; waited += 25) await new Promise((r) => setTimeout(r, 25));
        live = seen.at(-1);
      }
      expect(live).toBeDefined();
      for (let i = 1; i <= 3; i++) await writer.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `p${i}`, name: 'P' }, slotId: 'd1-09' });
      const committed = (await writer.history({ after: live! })).map((e) => e.seq);
      for (let waited = 0; seen.filter((seq) => seq > live!).length < committed.length && waited < 30_000; waited += 50)
        await new Promise((r) => setTimeout(r, 50));
      expect(seen.filter((seq) => seq > live!)).toEqual(committed);
      expect(committed.length).toBeGreaterThanOrEqual(3);
    } finally {
      await board?.close();
      await writer.close();
      await writerPool.end();
      await boardPool.end();
      await drop();
    }
  });

  it('takes its listeners off the pooled clients and the adapter when a tail() ends', async () => {
    const { schema, drop } = await freshSchemaOn(admin!, 'tails');
    const pool = new pg.Pool({ connectionString: url, max: 2, application_name: app });
    pool.on('error', () => undefined);
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool, schema }), clock });
      await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
      await opd.addSlots('d1', [{ id: 'd1-09', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 5 }]);
      await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 'd1-09' });
      for (let i = 0; i < 30; i++) {
        for await (const event of opd.tail({ after: 0 })) {
          expect(event.seq).toBeGreaterThan(0);
          break;
        }
      }
      // Both clients of the pool, as the next users get them: no listener of an ended tail on either.
      const clients = [await pool.connect(), await pool.connect()];
      const counts = clients.map((c) => [c.listenerCount('notification'), c.listenerCount('end')]);
      for (const client of clients) client.release();
      expect(counts).toEqual([
        [0, 0],
        [0, 0],
      ]);
      await new Promise((r) => setTimeout(r, 50));
      expect(warnings.filter((w) => /MaxListenersExceeded/.test(w))).toEqual([]);
      await opd.close();
      expect(await leftOver()).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await pool.end();
      await drop();
    }
  });
});

describe.skipIf(!hasServer)('PostgresStorage session settings on a server', () => {
  const admin = hasServer ? new pg.Pool({ connectionString: url, max: 2, application_name: APP }) : undefined;
  admin?.on('error', () => undefined);
  afterAll(() => admin?.end());

  const freshSchema = (name: string) => freshSchemaOn(admin!, name);

  /** Another session holding a doctor's lock (the key the adapter takes) until `release()`. */
  async function holdDoctor(schema: string, doctorId: string): Promise<{ release: () => Promise<void> }> {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query(`BEGIN; SELECT pg_advisory_xact_lock(hashtext('opd-scheduler:doctor:${schema}'), hashtext($$${doctorId}$$))`);
    return {
      release: async () => {
        await holder.query('COMMIT');
        await holder.end();
      },
    };
  }

  it('bounds a wait for the doctor’s lock by statementTimeout on every path, and leaves the pooled connection’s settings as they were', async () => {
    const { schema, drop } = await freshSchema('timeout');
    // One connection: what the adapter sets must not outlive its transactions on it.
    const pool = new pg.Pool({ connectionString: url, max: 1, application_name: APP });
    pool.on('error', () => undefined);
    try {
      const before = (await pool.query('SHOW statement_timeout')).rows[0].statement_timeout as string;
      const storage = new PostgresStorage({ db: pool, schema, statementTimeout: 400, lockTimeout: 20_000, retries: 0 });
      const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
      const setup = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: admin!, schema }), clock });
      await doctorWithSlot(setup, 'd1');
      const timed = async (call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> => {
        const started = Date.now();
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        return { error, ms: Date.now() - started };
      };
      const book = (name: string) => opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: name, name }, slotId: 'd1-09' });
      const expectCancelled = ({ error, ms }: { error: unknown; ms: number }): void => {
        expect(isOpdError(error, 'STORAGE_FAILURE') ? error.details : error).toMatchObject({ code: '57014', outcome: 'not-committed' });
        expect(ms).toBeGreaterThanOrEqual(350);
        expect(ms).toBeLessThan(5000);
      };

      // The adapter's first unit for the doctor reads first (opd_load, a statement of its own).
      let held = await holdDoctor(schema, 'd1');
      expectCancelled(await timed(() => book('p1')));
      await held.release();
      // Its copy warm, a unit goes as one statement that writes (opd_write_or_load).
      await book('p2');
      await book('p3');
      held = await holdDoctor(schema, 'd1');
      expectCancelled(await timed(() => book('p4')));
      // Under the lock, in a transaction of its own (BEGIN, then opd_load).
      expectCancelled(
        await timed(() =>
          storage.withTransaction(
            () => book('p5'),
            async () => undefined,
          ),
        ),
      );
      await held.release();
      expect((await book('p6')).token.tokenNumber).toBe(3);

      // Only the adapter's transactions had the timeout: the connection went back as it came.
      expect((await pool.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe(before);
      await opd.close();
      await setup.close();
    } finally {
      await pool.end();
    }
    await drop();
  });

  it('keeps bind parameters out of the server’s report of a failing statement, even where a DBA set log_parameter_max_length_on_error', async () => {
    const logFile = await serverLog((sql) => admin!.query(sql));
    if (logFile === undefined) {
      console.warn('server log check skipped: neither pg_current_logfile() nor /var/log/postgresql/*.log is readable here');
      return;
    }
    const { schema, drop } = await freshSchema('params');
    // As a DBA's setting for the role or the database would: every parameter of a failing statement.
    const pool = new pg.Pool({ connectionString: url, max: 1, application_name: APP, options: '-c log_parameter_max_length_on_error=-1' });
    pool.on('error', () => undefined);
    try {
      const storage = new PostgresStorage({ db: pool, schema, lockTimeout: 50, retries: 0 });
      const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
      await doctorWithSlot(opd, 'd1');
      // The copy warm: the next booking goes as one statement carrying its change set.
      await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 'd1-09' });
      await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: 'B' }, slotId: 'd1-09' });
      const marker = `Z${process.pid}Q${Date.now()}`;
      const offset = statSync(logFile).size;
      const held = await holdDoctor(schema, 'd1');
      const error = await opd
        .book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `ABHA-${marker}`, name: `Name ${marker}` }, slotId: 'd1-09' })
        .catch((e: unknown) => e);
      await held.release();
      expect(isOpdError(error, 'CONFLICT') ? error.details : error).toMatchObject({ code: '55P03' });
      expect(everything(error)).not.toContain(marker);
      // The server logged the lock timeout (so the check reads the right lines), without the patient.
      let logged = '';
      for (let waited = 0; !logged.includes('lock timeout') && waited < 30_000; waited += 100) {
        await new Promise((r) => setTimeout(r, 100));
        logged = readFileSync(logFile).subarray(offset).toString('utf8');
      }
      expect(logged).toContain('lock timeout');
      expect(logged).not.toContain(marker);
      expect(logged).not.toMatch(/portal with parameters/);
      // The DBA's setting is the connection's again outside the adapter's transactions.
      expect((await pool.query('SHOW log_parameter_max_length_on_error')).rows[0].log_parameter_max_length_on_error).toBe('-1');
      await opd.close();
    } finally {
      await pool.end();
    }
    await drop();
  });
});

/** The process's unhandled rejections and warnings, collected until `stop()`. */
function watchProcess(): { rejections: unknown[]; warnings: Error[]; stop: () => void } {
  const rejections: unknown[] = [];
  const warnings: Error[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  const onWarning = (warning: Error): void => void warnings.push(warning);
  process.on('unhandledRejection', onRejection);
  process.on('warning', onWarning);
  return {
    rejections,
    warnings,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('warning', onWarning);
    },
  };
}
