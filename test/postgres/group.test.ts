/**
 * Group commit on a server: the steps of several doctors' units given in the same turn go in one
 * transaction and one round trip, in doctor order; a step the server refuses (or one that gives up
 * on a lock) sends each step of its group again on its own; a doctor held elsewhere holds up no
 * other doctor's booking for longer than a group's lock wait. Needs DATABASE_URL (PGlite has one
 * connection and never groups).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets, type BookingResult } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { driverFor, type Statement, type Step } from '../../src/postgres/db.js';
import { GROUP_LOCK_TIMEOUT } from '../../src/postgres/speed/group.js';
import { heldOpen } from './shared.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const SCHEMA = `opd_t_group_${process.pid}`;
const clock = () => new Date('2026-01-30T07:00:00Z');

describe.skipIf(!hasServer)('PostgreSQL group commit', () => {
  const pool = hasServer ? new pg.Pool({ connectionString: url, max: 6 }) : undefined;
  pool?.on('error', () => undefined);
  const run = (sql: string) => pool!.query(sql);
  const driver = hasServer ? driverFor('db', pool, 'opd_tg') : undefined;
  const json = (name: string, text: string): Statement => ({ name: `opd_tg_${name}`, text, json: true });
  const step = (statement: Statement, ...values: Step['values']): Step => ({ statement, values });
  const txid = step(json('txid', 'SELECT to_json(txid_current()::text) AS opd_out'));

  beforeAll(async () => {
    await run(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await migrate(pool!, { schema: SCHEMA });
    await run(`CREATE TABLE ${SCHEMA}.marks (mark text NOT NULL)`);
    await run(`CREATE SEQUENCE ${SCHEMA}.turns`);
  });
  afterAll(async () => {
    await run(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await pool?.end();
  });

  it('sends the steps of one turn in one transaction, in the order of their keys, and a lone step on its own', async () => {
    const together = await Promise.all([driver!.together(txid, 'b', -1), driver!.together(txid, 'a', -1), driver!.together(txid, 'c', -1)]);
    expect(new Set(together).size).toBe(1);
    const apart = [await driver!.together(txid, 'a', -1), await driver!.together(txid, 'b', -1)];
    expect(apart[0]).not.toBe(apart[1]);
    expect(apart).not.toContain(together[0]);

    const turn = step(json('turn', `SELECT to_json(nextval('${SCHEMA}.turns')) AS opd_out`));
    const [c, a, b] = await Promise.all([driver!.together(turn, 'c', -1), driver!.together(turn, 'a', -1), driver!.together(turn, 'b', -1)]);
    expect([a, b, c]).toEqual([1, 2, 3]);

    // In a group, a step waits for a lock at most GROUP_LOCK_TIMEOUT ms; alone, as long as it says.
    const timeout = json('timeout', 'SELECT to_json($1::text) AS opd_out');
    const waits = (ms: number | null, order: string) => driver!.together(step(timeout, ms === null ? null : String(ms)), order, 0);
    expect(await Promise.all([waits(5000, 'a'), waits(50, 'b'), waits(0, 'c')])).toEqual([String(GROUP_LOCK_TIMEOUT), '50', String(GROUP_LOCK_TIMEOUT)]);
    expect(await waits(5000, 'a')).toBe('5000');
  });

  it('runs each step of a group again on its own when the server refuses one of them', async () => {
    const mark = step(json('mark', `WITH m AS (INSERT INTO ${SCHEMA}.marks VALUES ($1) RETURNING mark) SELECT to_json(mark) AS opd_out FROM m`), 'kept');
    const refused = step(json('refused', 'SELECT to_json(1 / 0) AS opd_out'));
    const [kept, failed] = await Promise.allSettled([driver!.together(mark, 'a', -1), driver!.together(refused, 'b', -1)]);
    expect(kept).toEqual({ status: 'fulfilled', value: 'kept' });
    expect(failed.status).toBe('rejected');
    expect((failed as PromiseRejectedResult).reason).toMatchObject({ code: '22012' });
    // The group's insert was rolled back with the refused step; the one run alone stayed.
    expect((await run(`SELECT mark FROM ${SCHEMA}.marks`)).rows).toEqual([{ mark: 'kept' }]);
  });

  /** A scheduler on the test schema with doctors `ids`, each with a slot of 9 places, and a round of bookings: one for each doctor, all in one turn, answering the transactions their tokens were written in. */
  async function doctors(
    ids: readonly string[],
    options: { groupCommit?: boolean; lockTimeout?: number } = {},
  ): Promise<{ opd: OpdScheduler; storage: PostgresStorage; round: () => Promise<string[]> }> {
    const storage = new PostgresStorage({ db: pool!, schema: SCHEMA, ...options });
    const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
    for (const id of ids) {
      await opd.addDoctor({ id, name: `Dr ${id}` });
      await opd.addSlots(id, [{ id: `${id}-09`, start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 9 }]);
    }
    let n = 0;
    const round = async (): Promise<string[]> => {
      const booked = await Promise.all(
        ids.map((id) => opd.book({ doctorId: id, category: 'ONLINE', patient: { id: `${id}-p${++n}`, name: `P ${n}` }, slotId: `${id}-09` })),
      );
      expect(booked.map((r) => r.outcome)).toEqual(ids.map(() => 'BOOKED'));
      const tokens = booked.map((r) => r.token.id);
      return (await run(`SELECT DISTINCT xmin::text AS tx FROM ${SCHEMA}.opd_tokens WHERE token_id IN ('${tokens.join("','")}')`)).rows.map((r) =>
        String(r['tx']),
      );
    };
    return { opd, storage, round };
  }

  it('books several doctors of one turn in one transaction, with a feed listening or without', async () => {
    const ids = ['g1', 'g2', 'g3', 'g4'];
    const { opd, round } = await doctors(ids);
    await round(); // the adapter learns its doctors' days, and that no feed listens
    expect(await round()).toHaveLength(1);
    // A feed listening: the group is one transaction still, and its notification wakes the feed.
    const from = (await opd.history()).at(-1)!.seq;
    const seen: string[] = [];
    const tail = (async () => {
      for await (const event of opd.tail({ after: from })) {
        if (event.type === 'token:booked') seen.push(event.doctorId);
        if (seen.length === ids.length) break;
      }
    })();
    await round(); // the adapter learns that a feed listens
    seen.length = 0;
    const before = (await opd.history()).at(-1)!.seq;
    expect(await round()).toHaveLength(1);
    await tail;
    expect((await opd.history({ after: before })).filter((e) => e.type === 'token:booked')).toHaveLength(ids.length);
    await opd.close();
  });

  it('keeps each unit a transaction of its own with groupCommit: false', async () => {
    const ids = ['n1', 'n2', 'n3'];
    const { opd, round } = await doctors(ids, { groupCommit: false });
    await round();
    expect(await round()).toHaveLength(ids.length);
    await opd.close();
    expect(() => new PostgresStorage({ db: pool!, schema: SCHEMA, groupCommit: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  // The held unit is released only once the other doctor's booking is back: were that booking
  // held up by the lock for as long as a unit alone waits for one (a minute here), the test would
  // time out.
  it('lets a booking for one doctor commit while another doctor of its group is held by an open unit', async () => {
    const { opd, storage, round } = await doctors(['h1', 'h2'], { lockTimeout: 60_000 });
    // Both copies warm: the next bookings go in one trip each, as one group.
    await round();
    const open = heldOpen(storage, () => opd.book({ doctorId: 'h1', category: 'ONLINE', patient: { name: 'Held' }, slotId: 'h1-09' }));
    await open.entered;
    let waitingDone = false;
    const waiting = opd.book({ doctorId: 'h1', category: 'ONLINE', patient: { name: 'Waits' }, slotId: 'h1-09' }).then((r: BookingResult) => {
      waitingDone = true;
      return r;
    });
    const other = await opd.book({ doctorId: 'h2', category: 'ONLINE', patient: { name: 'Other' }, slotId: 'h2-09' });
    expect(other.outcome).toBe('BOOKED');
    expect(waitingDone).toBe(false);
    open.release();
    expect((await open.result).outcome).toBe('BOOKED');
    expect((await waiting).outcome).toBe('BOOKED');
    const h1 = (await run(`SELECT count(*)::int AS n FROM ${SCHEMA}.opd_tokens WHERE doctor_id = 'h1'`)).rows[0];
    expect(h1).toEqual({ n: 3 });
    await opd.close();
  });
});
