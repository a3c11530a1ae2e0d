/**
 * Lost acknowledgements, made exact by a proxy between the pool and the server: the connection
 * goes right after the client's COMMIT was forwarded (the unit commits, the caller sees only the
 * loss), or right after COMMIT's answer (the rest of the round trip is lost). Needs DATABASE_URL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOpdError, OpdScheduler, presets, type BookingRequest, type OpdEvent } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { CutProxy } from './cut-proxy.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const clock = () => new Date('2026-01-30T07:00:00Z');
const REQUEST: BookingRequest = { doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 'd1-09' };

if (!hasServer) console.warn('PostgreSQL acknowledgement tests skipped: DATABASE_URL is not set');

describe.skipIf(!hasServer)('PostgresStorage: a lost acknowledgement', () => {
  const run = `${process.pid}_${Date.now().toString(36)}`;
  const admin = hasServer ? new pg.Pool({ connectionString: url, max: 2, application_name: `opd-ack-admin-${run}` }) : undefined;
  let proxy: CutProxy;
  let pool: pg.Pool;
  let n = 0;
  /** Schemas and schedulers of tests that ended early. */
  const open = new Set<() => Promise<void>>();

  beforeAll(async () => {
    const target = new URL(url!);
    const started = await CutProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    proxy = started.proxy;
    target.hostname = '127.0.0.1';
    target.port = String(started.port);
    pool = new pg.Pool({ connectionString: target.toString(), max: 4, application_name: `opd-ack-${run}` });
    pool.on('error', () => undefined);
  });
  afterAll(async () => {
    for (const done of open) await done();
    await pool?.end();
    await proxy?.close();
    await admin?.end();
  });

  /** A fresh schema with doctor d1 and a slot; a scheduler on the proxied pool that records what it emits. */
  async function setUp(listen: boolean) {
    const schema = `opd_t_ack_${run}_${++n}`;
    await migrate(admin!, { schema });
    const storage = new PostgresStorage({ db: pool, schema, listen });
    const opd = new OpdScheduler({ ...presets.standard(), storage, clock });
    await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    await opd.addSlots('d1', [{ id: 'd1-09', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 5 }]);
    const emitted: OpdEvent[] = [];
    opd.on('event', (event) => emitted.push(event));
    const stored = async (): Promise<number> => Number((await admin!.query(`SELECT count(*) AS n FROM ${schema}.opd_tokens`)).rows[0].n);
    const done = async (): Promise<void> => {
      open.delete(done);
      await opd.close();
      await admin!.query(`DROP SCHEMA ${schema} CASCADE`);
    };
    open.add(done);
    return { opd, emitted, stored, done };
  }

  const booked = (events: readonly OpdEvent[]) => events.filter((e) => e.type === 'token:booked');

  for (const listen of [false, true]) {
    it(`rejects with an unknown outcome when COMMIT goes unanswered; the retry with the key replays it and the events arrive once (listen: ${listen})`, async () => {
      const { opd, emitted, stored, done } = await setUp(listen);
      proxy.arm('before-answer');
      const cuts = proxy.cuts;
      const error = await opd.book({ ...REQUEST, idempotencyKey: 'k1' }).catch((e: unknown) => e);
      expect(proxy.cuts).toBe(cuts + 1);
      expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
      if (!isOpdError(error, 'STORAGE_FAILURE')) return;
      expect(error.details.outcome).toBe('unknown');
      // It did commit.
      for (let waited = 0; (await stored()) === 0 && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(await stored()).toBe(1);

      const retry = await opd.book({ ...REQUEST, idempotencyKey: 'k1' });
      expect(retry.replayed).toBe(true);
      expect(retry.outcome).toBe('BOOKED');
      expect(await stored()).toBe(1);
      // Give a feed or a background check every chance to deliver a second copy.
      await new Promise((r) => setTimeout(r, 1500));
      expect(booked(emitted).map((e) => (e as { tokenId: string }).tokenId)).toEqual([retry.token.id]);
      expect(emitted.map((e) => e.seq)).toEqual((await opd.history()).map((e) => e.seq));
      await done();
    });
  }

  it('delivers the events of a committed call without a key once, though its caller saw the connection go', async () => {
    const { opd, emitted, stored, done } = await setUp(false);
    proxy.arm('before-answer');
    const error = await opd.book(REQUEST).catch((e: unknown) => e);
    expect(isOpdError(error, 'STORAGE_FAILURE') && error.details.outcome).toBe('unknown');
    for (let waited = 0; booked(emitted).length === 0 && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(booked(emitted)).toHaveLength(1);
    expect(emitted).toEqual(await opd.history());
    await done();
  });

  it('fails every unit of a chain whose COMMIT goes unanswered with the outcome unknown; each committed, its retry replays it, its events arrive once', async () => {
    const { opd, emitted, stored, done } = await setUp(false);
    // A first booking tells the adapter that no feed listens (it then sends no notification
    // after a unit of one statement). Then the first call runs alone and is answered (one
    // statement, no COMMIT to cut); the three queued behind it go as one chain, whose round trip
    // binds COMMIT.
    const warm = await opd.book({ ...REQUEST, patient: { id: 'w', name: 'W' } });
    proxy.arm('before-answer');
    const cuts = proxy.cuts;
    const calls = [0, 1, 2, 3].map((i) => ({ ...REQUEST, patient: { id: `p${i}`, name: 'A' }, idempotencyKey: `c${i}` }));
    const settled = await Promise.allSettled(calls.map((call) => opd.book(call)));
    expect(proxy.cuts).toBe(cuts + 1);
    expect(settled[0]!.status).toBe('fulfilled');
    for (const s of settled.slice(1)) expect(s.status === 'rejected' && isOpdError(s.reason, 'STORAGE_FAILURE') && s.reason.details.outcome).toBe('unknown');
    for (let waited = 0; (await stored()) < 5 && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(await stored()).toBe(5);
    const retries = [];
    for (const call of calls.slice(1)) retries.push(await opd.book(call));
    expect(retries.map((r) => r.replayed)).toEqual([true, true, true]);
    const ids = [warm.token.id, (settled[0] as PromiseFulfilledResult<{ token: { id: string } }>).value.token.id, ...retries.map((r) => r.token.id)];
    for (let waited = 0; booked(emitted).length < 5 && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      booked(emitted)
        .map((e) => (e as { tokenId: string }).tokenId)
        .sort(),
    ).toEqual(ids.sort());
    expect(emitted.map((e) => e.seq).sort((a, b) => a - b)).toEqual((await opd.history()).map((e) => e.seq));
    await done();
  });

  it('emits every event of a unit of several events whose COMMIT went unanswered, once, with a listen feed', async () => {
    const { opd, emitted, done } = await setUp(true);
    await opd.addSlots('d1', [{ id: 'd1-10', start: '2026-01-30T10:00:00Z', end: '2026-01-30T11:00:00Z', capacity: 5 }]);
    for (let i = 0; i < 3; i++) await opd.book({ ...REQUEST, patient: { id: `p${i}`, name: 'A' } });
    // Closing the slot moves its three patients: one unit, four events.
    proxy.arm('before-answer');
    const error = await opd.closeSlot('d1-09', { reason: 'leave' }).catch((e: unknown) => e);
    expect(isOpdError(error, 'STORAGE_FAILURE') && error.details.outcome).toBe('unknown');
    const stored = async () => (await opd.history()).map((e) => e.seq);
    for (let waited = 0; emitted.length < (await stored()).length && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    expect(emitted.filter((e) => e.type === 'token:cascaded' || e.type === 'token:moved').length).toBeGreaterThan(0);
    expect(emitted.map((e) => e.seq)).toEqual(await stored());
    await done();
  });

  it('emits the events of a call once when a replay of it also lost its connection and a later replay answers', async () => {
    const { opd, emitted, done } = await setUp(false);
    // An emergency that bumps a walk-in, who cascades: a call with effects besides its own event.
    await opd.addSlots('d1', [
      { id: 'd1-11', start: '2026-01-30T11:00:00Z', end: '2026-01-30T12:00:00Z', capacity: 1, overflowCapacity: 0 },
      { id: 'd1-12', start: '2026-01-30T12:00:00Z', end: '2026-01-30T13:00:00Z', capacity: 1, overflowCapacity: 0 },
    ]);
    await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { id: 'w', name: 'W' }, slotId: 'd1-11' });
    const emergency = { doctorId: 'd1', category: 'EMERGENCY', patient: { id: 'e', name: 'E' }, slotId: 'd1-11', idempotencyKey: 'k3' };
    const first = await opd.book(emergency);
    expect(first.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:cascaded']);
    proxy.arm('before-answer');
    const lost = await opd.book(emergency).catch((e: unknown) => e);
    const again = await opd.book(emergency);
    expect(again.replayed).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(emitted.map((e) => e.seq)).toEqual((await opd.history()).map((e) => e.seq));
    // The second call either replayed or lost its answer: it emitted nothing either way.
    expect(lost === undefined || isOpdError(lost) || (lost as { replayed?: boolean }).replayed === true).toBe(true);
    await done();
  });

  it('answers a call whose connection went after COMMIT was answered, with its result, and emits its events once', async () => {
    const { opd, emitted, stored, done } = await setUp(false);
    proxy.arm('after-commit');
    const cuts = proxy.cuts;
    const result = await opd.book({ ...REQUEST, idempotencyKey: 'k2' });
    expect(proxy.cuts).toBe(cuts + 1);
    expect(result.outcome).toBe('BOOKED');
    expect(result.replayed).toBeUndefined();
    expect(await stored()).toBe(1);
    expect(booked(emitted).map((e) => (e as { tokenId: string }).tokenId)).toEqual([result.token.id]);
    expect(emitted).toEqual(await opd.history());
    // The pool dropped the cut connection; the next call works.
    const next = await opd.book({ ...REQUEST, patient: { id: 'p2', name: 'B' } });
    expect(next.outcome).toBe('BOOKED');
    await done();
  });
});
