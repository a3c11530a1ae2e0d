/**
 * The PostgreSQL adapter's own promises beyond the conformance suite: no store-wide row (one
 * doctor's open unit never holds up another doctor, and readers never pass its events), the
 * integrator's own transaction, lost connections as errors, and no patient data in the server
 * log or in errors. PGlite always; the server with DATABASE_URL.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isOpdError, OpdScheduler, presets, type BookingResult, type OpdEvent } from '../../src/index.js';
import { migrate, PostgresStorage, type PostgresDb } from '../../src/postgres/index.js';
import { duplicateOfFirstPlace, heldOpen, serverLog } from './shared.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const clock = () => new Date('2026-01-30T07:00:00Z');
const APP = `opd-wing-${process.pid}`;

async function doctorWithSlot(opd: OpdScheduler, id: string): Promise<void> {
  await opd.addDoctor({ id, name: `Dr ${id}` });
  await opd.addSlots(id, [{ id: `${id}-09`, start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 5 }]);
}

/** A fresh schema on a database, with an integrator's table of bills beside the opd tables. */
async function freshStore(db: PostgresDb, run: (sql: string) => Promise<unknown>, name: string): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `opd_t_wing_${name}_${process.pid}`;
  await run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await migrate(db, { schema });
  await run(`CREATE TABLE ${schema}.bills (token_id text PRIMARY KEY, amount integer NOT NULL CHECK (amount > 0))`);
  return { schema, drop: async () => void (await run(`DROP SCHEMA ${schema} CASCADE`)) };
}

const stores: {
  name: string;
  skip: boolean;
  open: () => { db: PostgresDb; run: (sql: string) => Promise<{ rows: Record<string, unknown>[] }>; end: () => Promise<void> };
}[] = [
  {
    name: 'PGlite',
    skip: false,
    open: () => {
      const db = new PGlite();
      return { db, run: async (sql) => ({ rows: (await db.query(sql)).rows as Record<string, unknown>[] }), end: () => db.close() };
    },
  },
  {
    name: 'server',
    skip: !hasServer,
    open: () => {
      const pool = new pg.Pool({ connectionString: url, max: 6, application_name: APP });
      pool.on('error', () => undefined);
      return { db: pool, run: async (sql) => pool.query(sql), end: () => pool.end() };
    },
  },
];

for (const store of stores) {
  describe.skipIf(store.skip)(`PostgresStorage.withTransaction (${store.name})`, () => {
    const { db, run, end } = store.skip ? ({} as never) : store.open();
    afterAll(() => end?.());

    it('commits a booking and the integrator’s row together, and emits the events only after the commit', async () => {
      const { schema, drop } = await freshStore(db, run, 'tx');
      // The example of docs/storage.md.
      const storage = new PostgresStorage({ db, schema });
      const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
      await doctorWithSlot(opd, 'd1');
      const emitted: OpdEvent[] = [];
      let billsWhenEmitted = -1;
      opd.on('token:booked', (event) => {
        emitted.push(event);
        void run(`SELECT count(*)::int AS n FROM ${schema}.bills`).then((r) => (billsWhenEmitted = Number(r.rows[0]!['n'])));
      });
      const booking = await storage.withTransaction(
        () => opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: 'p1', name: 'Asha' }, slotId: 'd1-09' }),
        async (tx, result) => {
          const { token } = result as BookingResult;
          await tx.query(`INSERT INTO ${schema}.bills (token_id, amount) VALUES ($1, $2)`, [token.id, 500]);
          expect(emitted).toEqual([]); // not yet committed: not yet emitted
        },
      );
      expect(booking.outcome).toBe('BOOKED');
      expect(emitted.map((e) => (e as { tokenId?: string }).tokenId)).toEqual([booking.token.id]);
      expect((await run(`SELECT token_id, amount FROM ${schema}.bills`)).rows).toEqual([{ token_id: booking.token.id, amount: 500 }]);
      for (let waited = 0; billsWhenEmitted < 0 && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      expect(billsWhenEmitted).toBe(1);

      // The integrator's statement fails: the booking is rolled back with it, nothing is emitted.
      const before = await opd.history();
      const failed = await storage
        .withTransaction(
          () => opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: 'p2', name: 'Ravi' }, slotId: 'd1-09' }),
          async (tx, result) => {
            await tx.query(`INSERT INTO ${schema}.bills (token_id, amount) VALUES ($1, $2)`, [(result as BookingResult).token.id, 0]);
          },
        )
        .catch((error: unknown) => error);
      expect(isOpdError(failed, 'STORAGE_FAILURE')).toBe(true);
      expect(await opd.history()).toEqual(before);
      expect(emitted).toHaveLength(1);
      expect((await opd.stats()).tokens).toBe(1);
      expect((await run(`SELECT count(*)::int AS n FROM ${schema}.bills`)).rows[0]!['n']).toBe(1);
      // An OpdError thrown by the integrator's code comes back as is.
      const refused = await storage
        .withTransaction(
          () => opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: 'p3', name: 'Mina' }, slotId: 'd1-09' }),
          async () => {
            throw new (await import('../../src/index.js')).OpdError('VALIDATION_FAILED', 'No payment', { details: { field: 'payment' } });
          },
        )
        .catch((error: unknown) => error);
      expect(isOpdError(refused, 'VALIDATION_FAILED')).toBe(true);
      expect((await opd.stats()).tokens).toBe(1);
      await opd.close();
      await drop();
    });

    it('rolls the call back when the work catches a failed statement and goes on, and carries on past a savepoint rolled back to', async () => {
      const { schema, drop } = await freshStore(db, run, 'caught');
      const storage = new PostgresStorage({ db, schema });
      const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
      await doctorWithSlot(opd, 'd1');
      const emitted: OpdEvent[] = [];
      opd.on('event', (event) => emitted.push(event));
      const bill = (tx: { query: (text: string, values?: unknown[]) => Promise<unknown> }, tokenId: string, amount: number) =>
        tx.query(`INSERT INTO ${schema}.bills (token_id, amount) VALUES ($1, $2)`, [tokenId, amount]);
      // "The bill may already exist": the error is caught, the work goes on, the transaction is aborted.
      const caught = await storage
        .withTransaction(
          () => opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: 'p1', name: 'Asha' }, slotId: 'd1-09' }),
          async (tx, result) => {
            await bill(tx, (result as BookingResult).token.id, 0).catch(() => undefined);
          },
        )
        .catch((error: unknown) => error);
      expect(isOpdError(caught, 'STORAGE_FAILURE')).toBe(true);
      expect((caught as { details: Record<string, unknown> }).details).toMatchObject({ code: '25P02', outcome: 'not-committed' });
      expect(emitted).toEqual([]);
      expect((await opd.stats()).tokens).toBe(0);
      // The same, past a savepoint the work rolls back to: the booking commits, the bill does not.
      const saved = await storage.withTransaction(
        () => opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: 'p1', name: 'Asha' }, slotId: 'd1-09' }),
        async (tx, result) => {
          await tx.query('SAVEPOINT bill');
          await bill(tx, (result as BookingResult).token.id, 0).catch(() => tx.query('ROLLBACK TO SAVEPOINT bill'));
        },
      );
      expect(saved.token.tokenNumber).toBe(1);
      expect((await opd.getToken(saved.token.id)).status).toBe('BOOKED');
      expect(emitted.map((e) => e.type)).toEqual(['token:booked']);
      expect((await run(`SELECT count(*)::int AS n FROM ${schema}.bills`)).rows[0]!['n']).toBe(0);
      // A `tx` kept past its work is refused, and the call running meanwhile is not touched.
      let kept: { query: (text: string) => Promise<unknown> } | undefined;
      await storage.withTransaction(
        () => opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: 'Ravi' }, slotId: 'd1-09' }),
        async (tx) => {
          kept = tx;
        },
      );
      const stale = await kept!.query('SELECT 1/0').catch((error: unknown) => error);
      expect(isOpdError(stale, 'STORAGE_FAILURE')).toBe(true);
      const other = storage.withTransaction(
        () => opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p3', name: 'Mina' }, slotId: 'd1-09' }),
        async () => {
          expect(isOpdError(await kept!.query('SELECT 1/0').catch((error: unknown) => error), 'STORAGE_FAILURE')).toBe(true);
        },
      );
      expect((await other).token.tokenNumber).toBe(3);
      expect((await opd.stats()).tokens).toBe(3);
      await opd.close();
      await drop();
    });

    it('fails the call, stores and emits nothing, when the work ends the unit’s transaction itself', async () => {
      const { schema, drop } = await freshStore(db, run, 'ended');
      const storage = new PostgresStorage({ db, schema });
      const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
      await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
      await opd.addSlots('d1', [{ id: 'd1-09', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 1 }]);
      const first = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'Asha' }, slotId: 'd1-09' });
      const emitted: OpdEvent[] = [];
      opd.on('event', (event) => emitted.push(event));
      const statusOf = async (id: string) =>
        (await run(`SELECT status FROM ${schema}.opd_tokens WHERE token_number = ${Number(id.split('~')[2])}`)).rows[0]?.['status'];
      // The node-postgres idiom: the work rolls back on its own failure. The ROLLBACK is refused before it is sent.
      const idiom = await storage
        .withTransaction(
          () => opd.cancel(first.token.id),
          async (tx) => {
            try {
              await tx.query(`INSERT INTO ${schema}.no_such_table VALUES (1)`);
            } catch {
              await tx.query('ROLLBACK');
            }
          },
        )
        .catch((error: unknown) => error);
      expect(isOpdError(idiom, 'STORAGE_FAILURE')).toBe(true);
      expect((idiom as Error).message).toMatch(/may not end or open a transaction/);
      for (const text of ['commit', '  /* c */ END', 'rollback and chain', 'BEGIN', 'START TRANSACTION', 'abort']) {
        const refused = await storage
          .withTransaction(
            () => opd.cancel(first.token.id),
            (tx) => tx.query(text).then(() => undefined),
          )
          .catch((error: unknown) => error);
        expect(isOpdError(refused, 'STORAGE_FAILURE'), text).toBe(true);
        expect((refused as Error).message).toMatch(/may not end or open a transaction/);
      }
      if (store.name === 'server') {
        // Past the refusal (a second statement of the same text): the check after the work finds the unit's transaction gone.
        for (const text of ['SELECT 1; ROLLBACK', 'SELECT 1; ROLLBACK; BEGIN', 'SELECT 1; COMMIT']) {
          const ended = await storage
            .withTransaction(
              () => opd.cancel(first.token.id),
              (tx) => tx.query(text).then(() => undefined),
            )
            .catch((error: unknown) => error);
          expect(isOpdError(ended, 'STORAGE_FAILURE'), text).toBe(true);
          expect((ended as Error).message).toMatch(/ended the unit’s transaction itself/);
          expect((ended as { details: Record<string, unknown> }).details['outcome']).toBe('unknown');
          if (text !== 'SELECT 1; COMMIT') expect(await statusOf(first.token.id)).toBe('BOOKED');
        }
        // The COMMIT stored the cancellation; the adapter forgot the doctor and reads it afresh.
        expect(await statusOf(first.token.id)).toBe('CANCELLED');
        expect((await opd.getToken(first.token.id)).status).toBe('CANCELLED');
        await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: 'Ravi' }, slotId: 'd1-09' });
      } else {
        expect(await statusOf(first.token.id)).toBe('BOOKED');
        expect((await opd.getToken(first.token.id)).status).toBe('BOOKED');
        // The slot stays full: the adapter's copy never took the cancellation that was not stored.
        await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: 'Ravi' }, slotId: 'd1-09' }).catch(() => undefined);
        expect((await opd.getSlot('d1-09')).places.filter((t) => t.status === 'BOOKED').map((t) => t.id)).toEqual([first.token.id]);
      }
      expect(emitted.filter((e) => e.type === 'token:cancelled')).toEqual([]);
      // A savepoint rolled back to is still the work's to use.
      await storage.withTransaction(
        () => opd.addSlots('d1', [{ id: 'd1-10', start: '2026-01-30T10:00:00Z', end: '2026-01-30T11:00:00Z', capacity: 1 }]),
        async (tx) => {
          await tx.query('SAVEPOINT s');
          await tx.query('ROLLBACK TO SAVEPOINT s');
          await tx.query('rollback work to s');
        },
      );
      expect((await opd.getSlot('d1-10')).slot.capacity).toBe(1);
      await opd.close();
      await drop();
    });
  });
}

describe.skipIf(!hasServer)('PostgresStorage on a server: no shared row, lost connections, the server log', () => {
  const pool = hasServer ? new pg.Pool({ connectionString: url, max: 8, application_name: APP }) : undefined;
  pool?.on('error', () => undefined);
  afterAll(() => pool?.end());
  const run = (sql: string) => pool!.query(sql);

  it('lets another doctor commit while one doctor’s unit is held open, and readers never pass the held unit’s events', async () => {
    const { schema, drop } = await freshStore(pool!, run, 'hot');
    const storage = new PostgresStorage({ db: pool!, schema });
    const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
    await doctorWithSlot(opd, 'a');
    await doctorWithSlot(opd, 'b');
    const start = (await opd.history()).at(-1)?.seq ?? 0;
    const tailed: number[] = [];
    const tail = (async () => {
      for await (const event of opd.tail({ after: start })) {
        tailed.push(event.seq);
        if (tailed.length === 2) break;
      }
    })();
    // Doctor a's unit has written its booking and its event numbers, and waits before COMMIT.
    const slow = heldOpen(storage, () => opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A' }, slotId: 'a-09' }));
    await slow.entered;
    const fast = await opd.book({ doctorId: 'b', category: 'ONLINE', patient: { name: 'B' }, slotId: 'b-09' });
    const bSeq = fast.token && (await run(`SELECT seq FROM ${schema}.opd_events WHERE doctor_id = 'b' ORDER BY seq DESC LIMIT 1`)).rows[0]!['seq'];
    // b committed with a larger number than a's, which may still commit: readers stop before a's.
    expect((await opd.history({ after: start })).map((e) => e.doctorId)).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(tailed).toEqual([]);
    slow.release();
    const slowResult = await slow.result;
    await tail;
    const history = await opd.history({ after: start });
    expect(history.map((e) => e.doctorId)).toEqual(['a', 'b']);
    expect(history.map((e) => (e as { tokenId?: string }).tokenId)).toEqual([slowResult.token.id, fast.token.id]);
    expect(tailed).toEqual(history.map((e) => e.seq));
    expect(Number(bSeq)).toBe(history[1]!.seq);
    await opd.close();
    await drop();
  });

  it('rejects a call whose connection is lost with STORAGE_FAILURE and its outcome, and keeps working', async () => {
    const { schema, drop } = await freshStore(pool!, run, 'lost');
    const storage = new PostgresStorage({ db: pool!, schema });
    const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
    await doctorWithSlot(opd, 'd1');
    const error = await storage
      .withTransaction(
        () => opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09', idempotencyKey: 'k1' }),
        async (tx) => {
          await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
        },
      )
      .catch((e: unknown) => e);
    expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
    expect((error as { details: Record<string, unknown> }).details['outcome']).toBe('not-committed');
    // The pool replaced the connection; the retry with the same key books once.
    const retry = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09', idempotencyKey: 'k1' });
    expect(retry.replayed).toBeUndefined();
    expect((await opd.stats()).tokens).toBe(1);
    await opd.close();
    await drop();
  });

  it('keeps patient data out of the server log and out of the error, its cause and its JSON when a write fails', async () => {
    const logFile = await serverLog(run);
    if (logFile === undefined) {
      console.warn('server log check skipped: neither pg_current_logfile() nor /var/log/postgresql/*.log is readable here');
      return;
    }
    const { schema, drop } = await freshStore(pool!, run, 'log');
    const storage = new PostgresStorage({ db: pool!, schema });
    const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
    await doctorWithSlot(opd, 'd1');
    const marker = `Z${process.pid}Q${Date.now()}`;
    const patient = { id: `ABHA-${marker}`, name: `Name ${marker}`, diagnosis: `Diagnosis ${marker}` };
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient, slotId: 'd1-09', idempotencyKey: `key-${marker}` });
    const offset = statSync(logFile).size;
    // A second live token for the same patient, as a faulty rule would write it: refused by name
    // before the unique index, whose violation would print a digest of the patient id.
    const error = await storage
      .transact({ doctorId: 'd1', days: ['2026-01-30'] }, (snapshot) => duplicateOfFirstPlace(snapshot, '2026-01-30'))
      .catch((e: unknown) => e);
    expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
    const chain: unknown[] = [];
    for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) chain.push(e);
    expect(chain.length).toBeGreaterThan(1);
    for (const e of chain) {
      const text = `${String(e)} ${JSON.stringify(e)} ${JSON.stringify(Object.getOwnPropertyNames(e).map((k) => (e as Record<string, unknown>)[k]))}`;
      expect(text).not.toContain(marker);
    }
    expect(JSON.stringify((chain[1] as { toJSON(): unknown }).toJSON())).toContain('opd_tokens_live_patient');
    // The server logged the failure (so the check below reads the right lines), without the patient.
    let logged = '';
    const refusal = 'refused an inconsistent change (a second live token of one patient in a doctor-day)';
    for (let waited = 0; !logged.includes(refusal) && waited < 30_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      logged = readFileSync(logFile).subarray(offset).toString('utf8');
    }
    expect(logged).toContain(refusal);
    expect(logged).not.toContain(marker);
    // Nor a digest of the patient's id, which a short id would give back to whoever reads the log.
    expect(logged).not.toContain(createHash('md5').update(patient.id).digest('hex'));
    await opd.close();
    await drop();
  });
});
