/**
 * A failure to connect says what the server (or the system) said: the database that does not
 * exist, the role refused, the port nobody listens on. A refused statement's message, which may
 * quote a row, is still never kept. The server cases need DATABASE_URL.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isOpdError, OpdScheduler } from '../../src/index.js';
import { migrate, PostgresErrorSummary, PostgresStorage } from '../../src/postgres/index.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
if (!hasServer) console.warn('PostgreSQL connection-failure tests against a server skipped: DATABASE_URL is not set');

/** The `STORAGE_FAILURE` a call rejects with, and its cause. */
async function failure(call: () => Promise<unknown>): Promise<{ message: string; cause: PostgresErrorSummary; code: unknown }> {
  try {
    await call();
  } catch (error) {
    if (!isOpdError(error, 'STORAGE_FAILURE')) throw error;
    expect(error.cause).toBeInstanceOf(PostgresErrorSummary);
    return { message: error.message, cause: error.cause as PostgresErrorSummary, code: error.details.code };
  }
  throw new Error('the call did not fail');
}

describe('a failure to connect carries the server’s message', () => {
  it('names the address nobody listens on', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: 1, user: 'postgres', connectionTimeoutMillis: 30_000 });
    try {
      const migrating = await failure(() => migrate(pool));
      expect(migrating.message).toMatch(/could not connect to PostgreSQL \(ECONNREFUSED\): connect ECONNREFUSED 127\.0\.0\.1:1$/);
      expect(migrating.cause.serverMessage).toBe('connect ECONNREFUSED 127.0.0.1:1');
      const opd = new OpdScheduler({ storage: new PostgresStorage({ db: pool }) });
      const listing = await failure(() => opd.listDoctors());
      expect(listing.message).toContain('could not connect to PostgreSQL (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:1');
      await opd.close();
    } finally {
      await pool.end();
    }
  });

  it.skipIf(!hasServer)('names the database that does not exist, and the role', async () => {
    const database = `opd_absent_${randomUUID().replaceAll('-', '')}`;
    const target = new URL(url!);
    target.pathname = `/${database}`;
    const pool = new pg.Pool({ connectionString: target.href, connectionTimeoutMillis: 30_000 });
    try {
      const found = await failure(() => migrate(pool));
      expect(found.code).toBe('3D000');
      expect(found.message).toContain(`could not connect to PostgreSQL (SQLSTATE 3D000): database "${database}" does not exist`);
      expect(found.cause.serverMessage).toBe(`database "${database}" does not exist`);
      expect(found.cause.message).toBe(`PostgreSQL error (SQLSTATE 3D000): database "${database}" does not exist`);
      const opd = new OpdScheduler({ storage: new PostgresStorage({ db: pool }) });
      expect((await failure(() => opd.listDoctors())).message).toContain(`database "${database}" does not exist`);
      await opd.close();
    } finally {
      await pool.end();
    }
    const role = `opd_nobody_${randomUUID().slice(0, 8)}`;
    const stranger = new URL(url!);
    stranger.username = role;
    const refused = new pg.Pool({ connectionString: stranger.href, connectionTimeoutMillis: 30_000 });
    try {
      const found = await failure(() => migrate(refused));
      expect(found.code).toMatch(/^28/);
      expect(found.message).toContain(`role "${role}" does not exist`);
    } finally {
      await refused.end();
    }
  });
});

describe('which messages a summary keeps', () => {
  const driverError = (message: string, fields: Record<string, unknown>): Error => Object.assign(new Error(message), fields);

  it('keeps the message of connection, authorization and session-ending failures, on one line', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ code: '28P01' }, 'password authentication failed for user "opd"'],
      [{ code: '3D000' }, 'database "opd" does not exist'],
      [{ code: '08006' }, 'connection failure'],
      [{ code: '53300' }, 'sorry, too many clients already'],
      [{ code: '57P01' }, 'terminating connection due to administrator command'],
      [{ code: 'ECONNRESET' }, 'read ECONNRESET'],
    ];
    for (const [fields, message] of cases) {
      const summary = new PostgresErrorSummary(driverError(message, fields));
      expect(summary.serverMessage).toBe(message);
      expect(summary.message.endsWith(`: ${message}`)).toBe(true);
    }
    expect(new PostgresErrorSummary(driverError('line one\nline two\u2028three', { code: '08006' })).serverMessage).toBe('line one line two three');
    expect(new PostgresErrorSummary(driverError('x'.repeat(1000), { code: '08006' })).serverMessage).toHaveLength(300);
    // Node.js's AggregateError (a name with several addresses) has an empty message of its own.
    const aggregate = Object.assign(
      new AggregateError([driverError('connect ECONNREFUSED ::1:5432', {}), driverError('connect ECONNREFUSED 127.0.0.1:5432', {})], ''),
      { code: 'ECONNREFUSED' },
    );
    expect(new PostgresErrorSummary(aggregate).serverMessage).toBe('connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432');
    // Connecting, no statement was sent: the driver's own message is kept whatever it is.
    expect(new PostgresErrorSummary(new Error('timeout exceeded when trying to connect'), true).serverMessage).toBe('timeout exceeded when trying to connect');
  });

  it('never keeps the message or the detail of a refused statement, which may quote a patient', () => {
    const refusals = [
      driverError('duplicate key value violates unique constraint "opd_tokens_patient"', {
        code: '23505',
        detail: 'Key (patient_id)=(ABHA-1) already exists.',
        constraint: 'opd_tokens_patient',
      }),
      driverError('invalid input syntax for type integer: "Asha"', { code: '22P02' }),
      driverError('value "Asha" is refused', { code: 'OPD01' }),
      driverError('Asha', {}),
    ];
    for (const error of refusals) {
      const summary = new PostgresErrorSummary(error);
      expect(summary.serverMessage).toBeUndefined();
      expect(JSON.stringify(summary)).not.toMatch(/Asha|ABHA/);
      expect(summary.message).not.toMatch(/Asha|ABHA|duplicate key/);
    }
  });
});
