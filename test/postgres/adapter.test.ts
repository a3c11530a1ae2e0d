/**
 * What the conformance suite does not cover: migrations run concurrently, options, errors and
 * retries, and `listen` on PGlite. The server tests need DATABASE_URL.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isOpdError, OpdScheduler, presets, type OpdEvent } from '../../src/index.js';
import { migrate, migrationSql, PostgresErrorSummary, PostgresStorage, type PGliteLike } from '../../src/postgres/index.js';
import { duplicateOfFirstPlace } from './shared.js';
import { MIGRATIONS } from '../../src/postgres/migrations.js';
import { lastDayBefore } from '../../src/postgres/sql.js';
import { unitPaths } from '../../src/postgres/storage.js';
import { borrowPglite, giveBackPglite, pgliteOfFile } from '../pglite.js';

/** The file's PGlite database, for the tests that need no database of their own (each in a schema of its own). */
const pglite = pgliteOfFile();

/** Every migration version, and the latest. */
const VERSIONS = MIGRATIONS.map((m) => m.version);
const LATEST = VERSIONS.at(-1)!;

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const clock = () => new Date('2026-01-30T07:00:00Z');
if (!hasServer) console.warn('PostgreSQL server tests of the adapter skipped: DATABASE_URL is not set');

async function doctorWithSlot(opd: OpdScheduler, id: string): Promise<void> {
  await opd.addDoctor({ id, name: `Dr ${id}` });
  await opd.addSlots(id, [{ id: `${id}-09`, start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 5 }]);
}

describe('PostgresStorage options and migrate (PGlite)', () => {
  it('validates options and names the field', async () => {
    const db = await pglite();
    const code = (make: () => unknown): unknown => {
      try {
        make();
        return 'accepted';
      } catch (error) {
        return isOpdError(error) ? [error.code, error.details.field] : error;
      }
    };
    expect(code(() => new PostgresStorage({ db: {} as never }))).toEqual(['VALIDATION_FAILED', 'db']);
    expect(code(() => new PostgresStorage({ db, schema: 'bad-name; DROP' }))).toEqual(['VALIDATION_FAILED', 'schema']);
    expect(code(() => new PostgresStorage({ db, schema: '1abc' }))).toEqual(['VALIDATION_FAILED', 'schema']);
    expect(code(() => new PostgresStorage({ db, lockTimeout: -1 }))).toEqual(['VALIDATION_FAILED', 'lockTimeout']);
    expect(code(() => new PostgresStorage({ db, retries: 1.5 }))).toEqual(['VALIDATION_FAILED', 'retries']);
    expect(code(() => new PostgresStorage({ db, listen: 'yes' as never }))).toEqual(['VALIDATION_FAILED', 'listen']);
    expect(code(() => new PostgresStorage({ db, nope: 1 } as never))).toEqual(['VALIDATION_FAILED', 'nope']);
    expect(code(() => new PostgresStorage({ db, schema: 'Mixed_Case_1' }))).toBe('accepted');
  });

  it('refuses options it cannot read, or of the wrong type, with VALIDATION_FAILED naming the option, never a raw error', async () => {
    const db = await pglite();
    const field = (make: () => unknown): unknown => {
      try {
        make();
        return 'accepted';
      } catch (error) {
        return isOpdError(error, 'VALIDATION_FAILED') ? error.details.field : error;
      }
    };
    const bare = (): unknown => Object.create(null);
    const boom = (): never => {
      throw new Error('boom');
    };
    // Objects without a prototype cannot be made a string: their message must not try.
    for (const key of ['retries', 'lockTimeout', 'statementTimeout', 'schema', 'listen', 'enforceSlotLimit', 'groupCommit', 'readFrom', 'failoverTimeout']) {
      expect(field(() => new PostgresStorage({ db, [key]: bare() }))).toBe(key);
      expect(field(() => new PostgresStorage(Object.defineProperty({ db }, key, { get: boom, enumerable: true })))).toBe(key);
    }
    expect(field(() => new PostgresStorage({ db: bare() as never }))).toBe('db');
    expect(
      field(
        () =>
          new PostgresStorage({
            get db(): never {
              return boom();
            },
          }),
      ),
    ).toBe('db');
    // A db whose fields cannot be read (a proxy whose traps throw).
    expect(field(() => new PostgresStorage({ db: new Proxy({}, { get: boom }) as never }))).toBe('db');
    expect(field(() => new PostgresStorage(null as never))).toBe('options');
    expect(field(() => new PostgresStorage(undefined as never))).toBe('options');
    expect(field(() => new PostgresStorage([db] as never))).toBe('options');
    expect(field(() => new PostgresStorage(new Proxy({ db }, { ownKeys: boom }) as never))).toBe('options');
    const revoked = Proxy.revocable({ db }, {});
    revoked.revoke();
    expect(field(() => new PostgresStorage(revoked.proxy as never))).toBe('options');
    // A pool is left alone when another option is refused.
    const on = vi.fn();
    expect(field(() => new PostgresStorage({ db: { connect: () => Promise.resolve({}), on } as never, retries: -1 }))).toBe('retries');
    expect(on).not.toHaveBeenCalled();
    // Each option is read once: what was checked is what is used.
    let reads = 0;
    expect(
      field(
        () =>
          new PostgresStorage({
            db,
            get retries(): number {
              return reads++ === 0 ? 3 : Number.NaN;
            },
          }),
      ),
    ).toBe('accepted');
    expect(reads).toBe(1);
  });

  it('refuses migrate options it cannot read, and an unknown option, before it creates anything', async () => {
    const db = await borrowPglite();
    const field = async (run: () => Promise<unknown>): Promise<unknown> => {
      try {
        await run();
        return 'accepted';
      } catch (error) {
        return isOpdError(error, 'VALIDATION_FAILED') ? error.details.field : error;
      }
    };
    const boom = (): never => {
      throw new Error('boom');
    };
    expect(await field(() => migrate(db, null as never))).toBe('options');
    expect(await field(() => migrate(db, 'opd' as never))).toBe('options');
    expect(
      await field(() =>
        migrate(db, {
          get schema(): string {
            return boom();
          },
        }),
      ),
    ).toBe('schema');
    expect(await field(() => migrate(db, { schema: Object.create(null) as never }))).toBe('schema');
    // A typo of `schema` would migrate `public` instead of the schema meant.
    expect(await field(() => migrate(db, { schemas: 'opd' } as never))).toBe('schemas');
    expect(await field(() => migrate(new Proxy({}, { get: boom }) as never))).toBe('db');
    expect(
      await field(() =>
        migrate({
          get query(): never {
            return boom();
          },
        } as never),
      ),
    ).toBe('db');
    // Nothing was created, in `public` or in `opd`.
    const tables = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name LIKE 'opd_%'");
    expect(tables.rows[0]?.n).toBe(0);
    await giveBackPglite(db);
  });

  it('summarizes a driver error whose fields cannot be read without throwing', () => {
    const boom = (): never => {
      throw new Error('boom');
    };
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const thrown = [
      new Proxy({}, { get: boom }),
      {
        get code(): never {
          return boom();
        },
      },
      Object.create(null),
      revoked.proxy,
    ];
    for (const error of thrown) expect(new PostgresErrorSummary(error).message).toMatch(/^connection or driver failure \((error|Object)\)$/);
    const refused = new PostgresErrorSummary(
      Object.defineProperty(Object.assign(new Error('the row (p1, Asha)'), { code: '23505', constraint: 'opd_tokens_pkey' }), 'table', { get: boom }),
    );
    expect([refused.message, refused.code, refused.table]).toEqual(['PostgreSQL error (SQLSTATE 23505, constraint opd_tokens_pkey)', '23505', undefined]);
  });

  it('refuses a node-postgres Client as db, and says it could not connect rather than that a connection was lost', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: 1, user: 'postgres' });
    const refused = (() => {
      try {
        new PostgresStorage({ db: client as never });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toSatisfy((e: unknown) => isOpdError(e, 'VALIDATION_FAILED') && e.details.field === 'db' && e.message.includes('pass a pg.Pool'));
    await expect(migrate(client as never)).rejects.toSatisfy((e: unknown) => isOpdError(e, 'VALIDATION_FAILED') && e.details.field === 'db');
    // Nothing listens on port 1: the pool never connects (refused at once; the timeout only bounds a
    // machine so loaded that the refusal comes late, which would otherwise read as a timeout).
    const pool = new pg.Pool({ host: '127.0.0.1', port: 1, user: 'postgres', connectionTimeoutMillis: 30_000 });
    await expect(migrate(pool)).rejects.toSatisfy(
      (e: unknown) =>
        isOpdError(e, 'STORAGE_FAILURE') &&
        e.message.includes('could not connect to PostgreSQL (ECONNREFUSED)') &&
        e.details.code === 'ECONNREFUSED' &&
        e.details.outcome === 'not-committed',
    );
    const opd = new OpdScheduler({ storage: new PostgresStorage({ db: pool }) });
    await expect(opd.listDoctors()).rejects.toSatisfy(
      (e: unknown) => isOpdError(e, 'STORAGE_FAILURE') && e.message.includes('could not connect to PostgreSQL'),
    );
    await opd.close();
    await pool.end();
  });

  it('migrates idempotently, and says to migrate when the schema is missing', async () => {
    const db = await pglite();
    const storage = new PostgresStorage({ db, schema: 'opd_t_missing' });
    await expect(storage.listDoctors()).rejects.toSatisfy(
      (e: unknown) => isOpdError(e, 'STORAGE_FAILURE') && e.message.includes('run migrate()') && e.cause !== undefined,
    );
    expect(await migrate(db, { schema: 'opd_t_missing' })).toEqual({ schema: 'opd_t_missing', version: LATEST, applied: VERSIONS });
    expect(await migrate(db, { schema: 'opd_t_missing' })).toEqual({ schema: 'opd_t_missing', version: LATEST, applied: [] });
    expect(await storage.listDoctors()).toEqual([]);
  });

  it('prints as a script exactly the SQL migrate runs, and what migrate would run on a schema that has some of it', async () => {
    const executed: string[] = [];
    const db = await pglite();
    const recording: PGliteLike = {
      query: (text, params) => db.query(text, params),
      exec: async (text) => (executed.push(text), db.exec(text)),
      transaction: (work) =>
        db.transaction((tx) => work({ query: (text, params) => tx.query(text, params), exec: async (text) => (executed.push(text), tx.exec(text)) })),
    };
    const fresh = await migrationSql(null, { schema: 'opd_t_script' });
    expect(await migrationSql(db, { schema: 'opd_t_script' })).toBe(fresh);
    await migrate(recording, { schema: 'opd_t_script' });
    expect(fresh.split('\n').slice(1).join('\n')).toBe([`${executed[0]};`, 'BEGIN;', ...executed.slice(1), 'COMMIT;', ''].join('\n'));

    // Run by a DBA instead of migrate: migrate then finds nothing to do, and the store works.
    const other = await borrowPglite();
    await other.exec(fresh);
    expect(await migrate(other, { schema: 'opd_t_script' })).toEqual({ schema: 'opd_t_script', version: LATEST, applied: [] });
    const opd = new OpdScheduler({ ...presets.standard(), clock, storage: new PostgresStorage({ db: other, schema: 'opd_t_script' }) });
    await doctorWithSlot(opd, 'd1');
    expect((await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' } })).outcome).toBe('BOOKED');
    await opd.close();

    // Up to date: the prelude only. Older functions: the functions only, no table.
    const upToDate = await migrationSql(other, { schema: 'opd_t_script' });
    expect(upToDate).toContain('up to date');
    expect(upToDate).not.toContain('CREATE FUNCTION');
    expect(upToDate).not.toContain('INSERT INTO');
    await other.query('UPDATE "opd_t_script".opd_functions SET version = 1');
    const functionsOnly = await migrationSql(other, { schema: 'opd_t_script' });
    expect(functionsOnly).toContain('applies the functions only');
    expect(functionsOnly).toMatch(/CREATE (OR REPLACE )?FUNCTION/);
    expect(functionsOnly).not.toContain('opd_migrations (version, name) VALUES');
    await other.exec(functionsOnly);
    expect(await migrationSql(other, { schema: 'opd_t_script' })).toBe(upToDate);

    await expect(migrationSql(null, { schema: '1bad' })).rejects.toSatisfy(
      (e: unknown) => isOpdError(e, 'VALIDATION_FAILED') && e.details['field'] === 'schema',
    );
    await expect(migrationSql(null, { schemas: 'x' } as never)).rejects.toSatisfy((e: unknown) => isOpdError(e, 'VALIDATION_FAILED'));
    await giveBackPglite(other);
  });

  it('delivers events committed through another adapter instance with listen: true, once each, in order', async () => {
    const db = await borrowPglite();
    await migrate(db);
    const writer = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db }), clock });
    const board = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db, listen: true }), clock });
    const own: OpdEvent[] = [];
    const foreign: OpdEvent[] = [];
    writer.on('event', (e) => own.push(e));
    board.on('event', (e) => foreign.push(e));
    await new Promise((r) => setTimeout(r, 100)); // the board subscribes
    await doctorWithSlot(writer, 'd1');
    for (let i = 0; i < 5; i++) await writer.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: `P${i}` }, slotId: 'd1-09' });
    await board.book({ doctorId: 'd1', category: 'WALK_IN', patient: { name: 'Board' }, slotId: 'd1-09' });
    for (let waited = 0; foreign.length < own.length + 1 && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    // The board emits the writer's events (foreign) and its own booking, each once.
    expect(foreign.map((e) => e.seq).sort((a, b) => a - b)).toEqual([...own.map((e) => e.seq), own.length + 1]);
    await writer.close();
    await board.close();
    await giveBackPglite(db);
  });

  it('keeps the feed running when a listener throws and the warning sink throws as well', async () => {
    const db = await borrowPglite();
    await migrate(db);
    const writer = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db }), clock });
    const board = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db, listen: true }), clock });
    const seen: number[] = [];
    board.on('token:booked', (e) => {
      seen.push(e.seq);
      throw new Error('board bug');
    });
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {
      throw new Error('log sink down');
    });
    const console_ = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      await new Promise((r) => setTimeout(r, 100)); // the board subscribes
      await doctorWithSlot(writer, 'd1');
      for (let i = 0; i < 3; i++) {
        await writer.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: `P${i}` }, slotId: 'd1-09' });
        for (let waited = 0; seen.length < i + 1 && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toHaveLength(3);
      expect(rejections).toEqual([]);
      expect(console_).toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', onRejection);
      warnings.mockRestore();
      console_.mockRestore();
      await writer.close();
      await board.close();
      await giveBackPglite(db);
    }
  });
});

describe('PostgreSQL functions check every token row they write (PGlite)', () => {
  it('refuses a token row that breaks a rule of the table, writes nothing, and never shows the patient', async () => {
    const db = await pglite();
    await migrate(db, { schema: 'opd_t_rows' });
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db, schema: 'opd_t_rows' }), clock });
    await doctorWithSlot(opd, 'd1');
    const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'ABHA-SECRET', name: 'Secret Name' }, slotId: 'd1-09' });
    const row = (changes: Record<string, unknown>): Record<string, unknown> => ({
      doctor_id: 'd1',
      day: '2026-01-30',
      token_number: 2,
      token_id: 'd1~2026-01-30~2',
      slot_id: 'd1-09',
      waiting_for_slot_id: null,
      category: 'ONLINE',
      rank: 1,
      status: 'BOOKED',
      patient: { id: 'ABHA-SECRET', name: 'Secret Name' },
      patient_id: 'ABHA-SECRET',
      patient_guard: null,
      requested_at: 1,
      bump_count: 0,
      placed_at: 1,
      not_before: null,
      idempotency_key: null,
      cancel_reason: null,
      updated_at: 1,
      hold_expires_at: null,
      label: '2',
      ...changes,
    });
    const day = JSON.stringify([
      { doctor_id: 'd1', day: '2026-01-30', last_token_number: 2, bumps: 0, cascades: 0, promotions: 0, drops: 0, label_counters: {} },
    ]);
    const write = (token: Record<string, unknown>, update: boolean) =>
      db.query(`SELECT opd_t_rows.opd_write('d1', NULL, NULL, NULL, $1::json, $2::json, $3::json, NULL, NULL, 'test', false)`, [
        update ? null : day,
        update ? null : JSON.stringify([token]),
        update ? JSON.stringify([token]) : null,
      ]);
    const bad = [
      { token_number: 0 },
      { bump_count: -1 },
      { status: 'LOST' },
      { slot_id: null },
      { status: 'WAITLISTED' },
      { status: 'BOOKED', waiting_for_slot_id: 'd1-09' },
      { status: 'HELD' },
      { hold_expires_at: 5 },
    ];
    const refusals: unknown[] = [];
    for (const change of bad) {
      for (const update of [false, true]) {
        // An update names the stored token; a new row the next number.
        const token = update ? row({ token_number: 1, token_id: booked.token.id, label: booked.token.label, ...change }) : row(change);
        const error = await write(token, update).then(
          () => undefined,
          (e: unknown) => e,
        );
        refusals.push(error === undefined ? `accepted ${JSON.stringify(change)}${update ? ' (update)' : ''}` : (error as { code?: string }).code);
        expect(String((error as Error | undefined)?.message)).not.toMatch(/SECRET|Secret/);
      }
    }
    expect(refusals).toEqual(Array(bad.length * 2).fill('OPD01'));
    const stored = await db.query(`SELECT token_number, status, slot_id FROM opd_t_rows.opd_tokens`);
    expect(stored.rows).toEqual([{ token_number: 1, status: 'BOOKED', slot_id: 'd1-09' }]);
    // A token number ahead of the day's counter, and a token of a day without a counter.
    const ahead = await write(row({ token_number: 3, label: '3' }), false).catch((e: unknown) => e as Error);
    const dayless = await write(row({ day: '2026-01-31' }), false).catch((e: unknown) => e as Error);
    expect([ahead, dayless].map((e) => [(e as { code?: string }).code, /\(token number\)/.test(String((e as Error).message))])).toEqual([
      ['OPD01', true],
      ['OPD01', true],
    ]);
    // The same call with a good row writes it: the refusals above came from the checks.
    await write(row({ status: 'WAITLISTED', slot_id: null, waiting_for_slot_id: 'd1-09' }), false);
    expect((await db.query(`SELECT count(*)::int AS n FROM opd_t_rows.opd_tokens`)).rows).toEqual([{ n: 2 }]);
    await opd.close();
  });

  it('refuses a second live token of one patient in a doctor-day by name, before the unique index would print its key', async () => {
    const db = await pglite();
    await migrate(db, { schema: 'opd_t_guard' });
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db, schema: 'opd_t_guard' }), clock });
    await doctorWithSlot(opd, 'd1');
    const secret = 'ABHA-SECRET-77';
    const digest = createHash('md5').update(secret).digest('hex');
    // Token 1 cancelled, token 2 live: both of the patient, both written under the guard.
    const first = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: secret, name: 'Secret Name' }, slotId: 'd1-09' });
    await opd.cancel(first.token.id);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: secret, name: 'Secret Name' }, slotId: 'd1-09' });
    const row = (n: number, changes: Record<string, unknown> = {}): Record<string, unknown> => ({
      doctor_id: 'd1',
      day: '2026-01-30',
      token_number: n,
      token_id: `d1~2026-01-30~${n}`,
      slot_id: 'd1-09',
      waiting_for_slot_id: null,
      category: 'ONLINE',
      rank: 1,
      status: 'BOOKED',
      patient: { id: secret, name: 'Secret Name' },
      patient_id: secret,
      patient_guard: secret,
      requested_at: 1,
      bump_count: 0,
      placed_at: 1,
      not_before: null,
      idempotency_key: null,
      cancel_reason: null,
      updated_at: 1,
      hold_expires_at: null,
      label: String(n),
      ...changes,
    });
    const day = (last: number) =>
      JSON.stringify([{ doctor_id: 'd1', day: '2026-01-30', last_token_number: last, bumps: 0, cascades: 0, promotions: 0, drops: 0, label_counters: {} }]);
    const write = (fresh: Record<string, unknown>[], updated: Record<string, unknown>[], last?: number) =>
      db
        .query(`SELECT opd_t_guard.opd_write('d1', NULL, NULL, NULL, $1::json, $2::json, $3::json, NULL, NULL, 'test', false)`, [
          last === undefined ? null : day(last),
          fresh.length === 0 ? null : JSON.stringify(fresh),
          updated.length === 0 ? null : JSON.stringify(updated),
        ])
        .then(
          () => 'written',
          (e: unknown) => {
            // What the server reports, and logs: the message, its detail and where it was raised
            // (the driver's error also holds the call's parameters, which never reach the log).
            const { message, detail, where } = e as { message?: string; detail?: string; where?: string };
            const text = `${message} ${detail} ${where}`;
            expect(text).not.toContain('SECRET');
            expect(text).not.toContain(digest);
            return [
              (e as { code?: string }).code,
              (e as { constraint?: string }).constraint ?? null,
              /\(a second live token of one patient in a doctor-day\)$/.test(String(message)),
            ];
          },
        );
    // Named as the index's violation was, by its constraint (a driver error's only name kept).
    const refused = ['OPD01', 'opd_tokens_live_patient', true];
    const stored = async () => (await db.query(`SELECT token_number, status FROM opd_t_guard.opd_tokens ORDER BY token_number`)).rows;
    const before = await stored();
    expect(before).toEqual([
      { token_number: 1, status: 'CANCELLED' },
      { token_number: 2, status: 'BOOKED' },
    ]);
    // A new token beside the live one; the cancelled one brought back beside the live one.
    expect(await write([row(3)], [], 3)).toEqual(refused);
    expect(await write([], [row(1)])).toEqual(refused);
    expect(await stored()).toEqual(before);
    // The changes that end a token are written first: one unit may end the patient's live token
    // (a hold that lapsed) and bring back another, in either order in its list.
    expect(await write([], [row(1), row(2, { status: 'CANCELLED', slot_id: null, cancel_reason: 'x' })])).toBe('written');
    expect(await stored()).toEqual([
      { token_number: 1, status: 'BOOKED' },
      { token_number: 2, status: 'CANCELLED' },
    ]);
    // What the guard allows: a token of the patient written without it, and a token brought back
    // once the patient holds no other live one.
    expect(await write([row(3, { patient_guard: null })], [], 3)).toBe('written');
    expect(
      await write(
        [],
        [
          row(3, { patient_guard: null, status: 'CANCELLED', slot_id: null, cancel_reason: 'x' }),
          row(2, { status: 'CANCELLED', slot_id: null, cancel_reason: 'x' }),
        ],
      ),
    ).toBe('written');
    expect(await write([], [row(1)])).toBe('written');
    expect(await stored()).toEqual([
      { token_number: 1, status: 'BOOKED' },
      { token_number: 2, status: 'CANCELLED' },
      { token_number: 3, status: 'CANCELLED' },
    ]);
    // With no live token left: two new ones together are refused, one is written.
    expect(await write([], [row(1, { status: 'CANCELLED', slot_id: null, cancel_reason: 'x' })])).toBe('written');
    expect(await write([row(4), row(5)], [], 5)).toEqual(refused);
    expect(await write([row(4)], [], 4)).toBe('written');
    expect((await stored()).map((r) => (r as { status: string }).status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED', 'BOOKED']);
    await opd.close();
  });

  it('moves a day’s token counter forward only, adds a day not stored yet, and refuses the whole change set otherwise', async () => {
    const db = await pglite();
    await migrate(db, { schema: 'opd_t_days' });
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db, schema: 'opd_t_days' }), clock });
    await doctorWithSlot(opd, 'd1');
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09' });
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd1-09' });
    const day = (date: string, last: number) => ({
      doctor_id: 'd1',
      day: date,
      last_token_number: last,
      bumps: 0,
      cascades: 0,
      promotions: 0,
      drops: 0,
      label_counters: {},
    });
    const write = (days: unknown[]) =>
      db.query(`SELECT opd_t_days.opd_write('d1', NULL, NULL, NULL, $1::json, NULL, NULL, NULL, NULL, 'test', false)`, [JSON.stringify(days)]).then(
        () => 'written',
        (e: unknown) => [(e as { code?: string }).code, /\(token counter\)/.test(String((e as Error).message))],
      );
    const stored = async () =>
      (await db.query<{ day: string; last: number }>(`SELECT day, last_token_number AS last FROM opd_t_days.opd_days ORDER BY day`)).rows;
    const rev = async () => (await db.query<{ rev: number }>(`SELECT rev::int AS rev FROM opd_t_days.opd_doctors`)).rows[0]!.rev;
    const rev0 = await rev();
    // Behind the stored counter, alone or with a day that could be added: refused, nothing written.
    expect(await write([day('2026-01-30', 1)])).toEqual(['OPD01', true]);
    expect(await write([day('2026-01-31', 4), day('2026-01-30', 1)])).toEqual(['OPD01', true]);
    expect(await write([day('2026-01-30', 3), day('2026-01-30', 3)])).toEqual(['OPD01', true]);
    expect(await stored()).toEqual([{ day: '2026-01-30', last: 2 }]);
    expect(await rev()).toBe(rev0);
    // Forward (or unchanged), with a day not stored yet: both written.
    expect(await write([day('2026-01-30', 2), day('2026-01-31', 4)])).toBe('written');
    expect(await write([day('2026-01-30', 3)])).toBe('written');
    expect(await stored()).toEqual([
      { day: '2026-01-30', last: 3 },
      { day: '2026-01-31', last: 4 },
    ]);
    expect(await rev()).toBe(rev0 + 2);
    await opd.close();
  });
});

describe('the sweep finds due days by index (PGlite)', () => {
  it('the last day a slot started before a cutoff can be on: the UTC day after, within the years slots may have', () => {
    expect(lastDayBefore(Date.UTC(2026, 0, 30, 18, 30))).toBe('2026-01-31');
    expect(lastDayBefore(Date.UTC(2026, 0, 30, 0, 0))).toBe('2026-01-31');
    expect(lastDayBefore(Number.MAX_VALUE)).toBe('9999-12-31');
    expect(lastDayBefore(-Number.MAX_VALUE)).toBe('1970-01-01');
  });

  it('a booked token of a day ahead of UTC (a zone 14 hours ahead) and one of a day never swept, but not one whose slot has not started', async () => {
    const db = await pglite();
    await migrate(db, { schema: 'due' });
    let now = Date.parse('2026-01-30T07:00:00Z');
    const opd = new OpdScheduler({
      ...presets.standard(),
      storage: new PostgresStorage({ db, schema: 'due' }),
      clock: () => new Date(now),
      timeZone: 'Pacific/Kiritimati',
    });
    await opd.addDoctor({ id: 'k', name: 'Dr K' });
    // 08:00 and 10:00 on 31 January in Kiritimati: 18:00 and 20:00 on the 30th in UTC.
    await opd.addSlots('k', [
      { id: 'k-08', start: '2026-01-31T08:00:00+14:00', end: '2026-01-31T09:00:00+14:00', capacity: 2 },
      { id: 'k-10', start: '2026-01-31T10:00:00+14:00', end: '2026-01-31T11:00:00+14:00', capacity: 2 },
      { id: 'k-feb', start: '2026-02-07T08:00:00+14:00', end: '2026-02-07T09:00:00+14:00', capacity: 2 },
    ]);
    for (const slotId of ['k-08', 'k-10', 'k-feb']) await opd.book({ doctorId: 'k', category: 'ONLINE', patient: { name: slotId }, slotId });
    const storage = new PostgresStorage({ db, schema: 'due' });
    expect(await storage.findDueDays(Date.parse('2026-01-30T17:59:59Z'))).toEqual([]);
    expect(await storage.findDueDays(Date.parse('2026-01-30T18:30:00Z'))).toEqual([{ doctorId: 'k', day: '2026-01-31' }]);
    // Two months on, nothing swept: both days are due, the one of 31 January still.
    now = Date.parse('2026-03-30T07:00:00Z');
    expect(await storage.findDueDays(now)).toEqual([
      { doctorId: 'k', day: '2026-01-31' },
      { doctorId: 'k', day: '2026-02-07' },
    ]);
    await opd.sweep();
    expect(await storage.findDueDays(now)).toEqual([]);
    await storage.close();
    await opd.close();
  });
});

describe.skipIf(!hasServer)('PostgresStorage on a server: migrations, retries, errors', () => {
  const pool = hasServer ? new pg.Pool({ connectionString: url, max: 10 }) : undefined;
  afterAll(() => pool?.end());

  it('migrates a fresh schema once when several processes race to do it', async () => {
    const schema = `opd_t_migrate_${process.pid}`;
    await pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const results = await Promise.all(Array.from({ length: 6 }, () => migrate(pool!, { schema })));
    expect(results.filter((r) => r.applied.length === VERSIONS.length)).toHaveLength(1);
    expect(results.every((r) => r.version === LATEST)).toBe(true);
    const { rows } = await pool!.query(`SELECT version FROM ${schema}.opd_migrations ORDER BY version`);
    expect(rows).toEqual(VERSIONS.map((version) => ({ version })));
    await pool!.query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('replaces older SQL functions on migrate, and none of them can be JIT-compiled', async () => {
    const schema = `opd_t_functions_${process.pid}`;
    await pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool!, { schema });
    const settings = async () =>
      (
        await pool!.query<{ name: string; config: string[] | null }>(
          `SELECT p.proname AS name, p.proconfig AS config FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = $1 AND p.proname IN ('opd_load', 'opd_write', 'opd_write_if', 'opd_write_or_load', 'opd_write_next', 'opd_history', 'opd_horizon') ORDER BY 1`,
          [schema],
        )
      ).rows;
    // With sequential scans off, a plan's estimated cost can pass jit_above_cost: compiling costs
    // milliseconds of CPU per call for microseconds of work.
    expect((await settings()).map((f) => [f.name, f.config?.includes('jit=off')])).toEqual([
      ['opd_history', true],
      ['opd_horizon', true],
      ['opd_load', true],
      ['opd_write', true],
      ['opd_write_if', true],
      ['opd_write_next', true],
      ['opd_write_or_load', true],
    ]);
    // A schema whose functions are older (a previous release) gets the new ones; its tables stay.
    await pool!.query(`ALTER FUNCTION ${schema}.opd_load(json, boolean, text, text) RESET jit`);
    await pool!.query(`UPDATE ${schema}.opd_functions SET version = 1`);
    expect(await migrate(pool!, { schema })).toEqual({ schema, version: LATEST, applied: [] });
    expect((await settings()).every((f) => f.config?.includes('jit=off'))).toBe(true);
    await pool!.query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('retries a unit whose doctor stays locked, then fails with CONFLICT; succeeds once the lock is free', async () => {
    const schema = `opd_t_retry_${process.pid}`;
    await pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool!, { schema });
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool!, schema, lockTimeout: 50, retries: 2 }), clock });
    await doctorWithSlot(opd, 'd1');
    // Another session holds the doctor's lock (the same key the adapter takes).
    const holder = await pool!.connect();
    await holder.query(`BEGIN; SELECT pg_advisory_xact_lock(hashtext('opd-scheduler:doctor:${schema}'), hashtext('d1'))`);
    const refused = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09' }).catch((e: unknown) => e);
    expect(isOpdError(refused, 'CONFLICT') ? 'CONFLICT' : refused).toBe('CONFLICT');
    expect((refused as { details: Record<string, unknown> }).details).toMatchObject({ code: '55P03', attempts: 3 });
    // Released while the unit waits between retries: it goes through.
    const opdPatient = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool!, schema, lockTimeout: 50, retries: 20 }), clock });
    const pending = opdPatient.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd1-09' });
    await new Promise((r) => setTimeout(r, 150));
    await holder.query('COMMIT');
    holder.release();
    expect((await pending).token.tokenNumber).toBe(1);
    await opd.close();
    await opdPatient.close();
    await pool!.query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('refuses a change that breaks a constraint, writes nothing, and keeps patient data out of the message', async () => {
    const schema = `opd_t_constraint_${process.pid}`;
    await pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool!, { schema });
    const storage = new PostgresStorage({ db: pool!, schema });
    const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
    await doctorWithSlot(opd, 'd1');
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'ABHA-SECRET', name: 'Secret Name' }, slotId: 'd1-09' });
    // A second live token for the same patient, as a faulty rule would write it.
    const error = await storage
      .transact({ doctorId: 'd1', days: ['2026-01-30'] }, (snapshot) => duplicateOfFirstPlace(snapshot, '2026-01-30'))
      .catch((e: unknown) => e);
    expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
    expect((error as Error).message).toContain('opd_tokens_live_patient');
    expect((error as Error).message).not.toContain('SECRET');
    expect((await opd.stats()).tokens).toBe(1);
    await opd.close();
    await pool!.query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('books in one round trip on its copy, decides again on what changed when another writer moved on, and runs under the lock while others keep the doctor moving', async () => {
    const schema = `pgspeed_t_fast_${process.pid}`;
    await pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool!, { schema });
    // Adapter A counts its round trips (one query per round trip: the adapter batches each), and
    // lets B book before a round trip when asked to.
    let trips = 0;
    let rivalBefore = 0;
    let rival = 100;
    const counting = {
      connect: async () => {
        const client = await pool!.connect();
        return new Proxy(client, {
          get(target, key) {
            if (key === 'query') {
              return async (...args: unknown[]) => {
                trips++;
                if (rivalBefore > 0) {
                  rivalBefore--;
                  await book(b, `p${++rival}`, undefined, 'd1-11');
                }
                return (target.query as (...a: unknown[]) => unknown)(...args);
              };
            }
            const value = Reflect.get(target, key) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
      },
    };
    const storage = new PostgresStorage({ db: counting as unknown as pg.Pool, schema });
    const a = new OpdScheduler({ ...presets.standard(), storage, clock });
    const b = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool!, schema }), clock });
    // A's first unit (what a connection does once behind it); B adds the doctor and the day, so
    // A's adapter holds no copy of them.
    await a.addDoctor({ id: 'd0', name: 'Dr d0' });
    await b.addDoctor({ id: 'd1', name: 'Dr d1' });
    await b.addSlots('d1', [
      { id: 'd1-09', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 4 },
      { id: 'd1-10', start: '2026-01-30T10:00:00Z', end: '2026-01-30T11:00:00Z', capacity: 4 },
      { id: 'd1-11', start: '2026-01-30T11:00:00Z', end: '2026-01-30T12:00:00Z', capacity: 20 },
    ]);
    const book = (opd: OpdScheduler, patient: string, idempotencyKey?: string, slotId = 'd1-09') =>
      opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: patient, name: 'P' }, slotId, idempotencyKey });
    // The first booking reads the day first (the lock held for the read alone), then writes.
    trips = 0;
    await book(a, 'p1');
    expect(trips).toBe(2);
    // That read found nobody else had written: the next ones are decided on the copy.
    await book(a, 'p2');
    trips = 0;
    expect((await book(a, 'p3')).token.slotId).toBe('d1-09');
    expect(trips).toBe(1);
    // B takes the last place; A's copy of the day still shows one free: its write must not go
    // through, and what changed comes back in the same round trip, for A to decide again.
    expect((await book(b, 'p4')).token.slotId).toBe('d1-09');
    trips = 0;
    const moved = await book(a, 'p5');
    expect(moved.token.slotId).toBe('d1-10');
    expect(trips).toBe(2);
    const places = await pool!.query(`SELECT count(*)::int AS n FROM ${schema}.opd_tokens WHERE slot_id = 'd1-09' AND status = 'BOOKED'`);
    expect(places.rows[0].n).toBe(4);
    expect(unitPaths(storage)).toMatchObject({ oneTrip: 2, twoTrips: 1, retried: 1, moved: 1, gaveUp: 0 });
    // A key stored for a token A's copy no longer holds (cancelled since) is still found: A's try
    // finds the doctor moved, and the retry replays the first booking instead of making a second.
    const first = await b.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p8', name: 'P' }, slotId: 'd1-10', idempotencyKey: 'k1' });
    await b.cancel(first.token.id);
    const again = await a.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p8', name: 'P' }, slotId: 'd1-10', idempotencyKey: 'k1' });
    expect(again.replayed).toBe(true);
    expect(again.token.id).toBe(first.token.id);
    // B booked and cancelled while A ran one unit (its read found both): others write for the
    // doctor faster than A runs units, so A's next unit runs under the lock (two round trips)…
    const path = async (patient: string, rivals: number): Promise<number> => {
      trips = 0;
      rivalBefore = rivals;
      expect((await book(a, patient, undefined, 'd1-11')).token.slotId).toBe('d1-11');
      return trips;
    };
    expect(await path('p11', 0)).toBe(2);
    expect(unitPaths(storage)).toMatchObject({ contended: 1, gaveUp: 0 });
    // … whose read under the lock found nobody else had written: back to the copy, one round trip.
    expect(await path('p12', 0)).toBe(1);
    // One write of B before A's try: decided again on what came back, and written.
    expect(await path('p13', 1)).toBe(2);
    expect(unitPaths(storage)).toMatchObject({ oneTrip: 3, retried: 2, moved: 3, gaveUp: 0 });
    // B writes before A's try and again before its second: that one found the doctor moved by
    // others faster than A runs units, so A gives up at once and runs the unit under the lock
    // (four round trips, not three tries and the lock)…
    expect(await path('p14', 2)).toBe(4);
    expect(unitPaths(storage)).toMatchObject({ moved: 5, gaveUp: 1, contended: 1 });
    // … and the next one too; its read under the lock found nobody else had written, so the one
    // after decides on the copy again, without a try spent to find out.
    expect(await path('p15', 0)).toBe(2);
    expect(unitPaths(storage)).toMatchObject({ contended: 2 });
    expect(await path('p16', 0)).toBe(1);
    expect(unitPaths(storage)).toMatchObject({ oneTrip: 4, moved: 5, gaveUp: 1, contended: 2 });
    const tokens = await pool!.query(`SELECT count(*)::int AS n FROM ${schema}.opd_tokens`);
    expect(tokens.rows[0].n).toBe(15);
    await a.close();
    await b.close();
    await pool!.query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('wakes a feed that starts after units found none listening, and sends no notification while none listens', async () => {
    const schema = `pgspeed_t_notify_${process.pid}`;
    await pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool!, { schema });
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool!, schema }), clock });
    await doctorWithSlot(opd, 'd1');
    const channel = `opd_events_${schema}`;
    const listenKey = `hashtext('opd-scheduler:listen:${schema}'), 0`;
    // A raw LISTEN without the listen key: it hears only what units notify while no feed listens.
    const eavesdropper = await pool!.connect();
    const heard: string[] = [];
    eavesdropper.on('notification', (n) => heard.push(n.channel));
    await eavesdropper.query(`LISTEN "${channel}"`);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' } });
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: 'B' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toEqual([]);
    // A feed starts as the notify feeds do (the shared listen key, then LISTEN): the next unit
    // learns it while taking its event numbers and notifies, though it sent no check of its own.
    await eavesdropper.query(`SELECT pg_advisory_lock_shared(${listenKey})`);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p3', name: 'C' } });
    for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).toEqual([channel]);
    // While it listens, every unit notifies after its commit.
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p4', name: 'D' } });
    for (let i = 0; i < 50 && heard.length === 1; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heard).toEqual([channel, channel]);
    await eavesdropper.query(`UNLISTEN "${channel}"; SELECT pg_advisory_unlock_shared(${listenKey})`);
    eavesdropper.release();
    await opd.close();
    await pool!.query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('reads what changed in a day since a rev through opd_tokens_by_rev, never by filtering the whole day', async () => {
    const schema = `opd_t_changed_${process.pid}`;
    await pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool!, { schema });
    const opd = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool!, schema }), clock });
    await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    await opd.addSlots('d1', [{ id: 'd1-09', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 100 }]);
    for (let i = 0; i < 60; i++) await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `p${i}`, name: 'P' }, slotId: 'd1-09' });
    const rev = Number((await pool!.query<{ rev: string }>(`SELECT rev FROM ${schema}.opd_doctors`)).rows[0]!.rev);
    // A new session plans opd_load's statements on this table; auto_explain shows every plan it runs.
    const session = new pg.Client({ connectionString: url });
    await session.connect();
    const plans: string[] = [];
    session.on('notice', (notice) => void plans.push(notice.message ?? ''));
    await session.query(
      `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
       SET auto_explain.log_nested_statements = on; SET auto_explain.log_level = notice`,
    );
    const { rows } = await session.query<{ out: unknown[] }>(`SELECT ${schema}.opd_load($1::json, true, NULL, NULL) AS out`, [
      JSON.stringify({ doctorId: 'd1', days: ['2026-01-30'], known: { '2026-01-30': rev - 5 } }),
    ]);
    await session.end();
    // The five tokens written after that rev, read from the index range of revs, no other row read.
    const day = (rows[0]!.out[1] as unknown[][])[0]!;
    expect((day[4] as unknown[]).length).toBe(5);
    const all = plans.join('\n');
    expect(all).toMatch(/Index Scan using opd_tokens_by_rev on opd_tokens \w+ {2}\(cost=[^)]*\) \(actual/);
    expect(all).not.toMatch(/Rows Removed by Filter: [1-9]/);
    await opd.close();
    await pool!.query(`DROP SCHEMA ${schema} CASCADE`);
  });
});
