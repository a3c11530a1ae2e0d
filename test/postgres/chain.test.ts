/**
 * Units of one doctor queued in one process, run as chains: decided in turn, each on what the
 * units before it leave, and sent together in one transaction. What a chain must keep: every call
 * answered as some serial order of the same calls would answer it, a refused or replayed unit on
 * its own, a failed transaction costing no unit its answer. Needs DATABASE_URL (a pool; PGlite is
 * one connection and never queues).
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ElasticCapacity,
  isOpdError,
  MemoryStorage,
  OpdScheduler,
  presets,
  type BookingRequest,
  type BookingResult,
  type OpdEvent,
  type OpdSchedulerOptions,
} from '../../src/index.js';
import { migrate, PostgresStorage, type PostgresStorageOptions } from '../../src/postgres/index.js';
import { unitPaths } from '../../src/postgres/storage.js';
import { writeParams } from '../../src/postgres/codec.js';
import { schemaName } from '../../src/postgres/schema.js';
import { statementsFor } from '../../src/postgres/sql.js';
import type { ChangeSet } from '../../src/model/snapshot.js';

const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
const clock = () => new Date('2026-01-30T07:00:00Z');
const SLOTS = ['09', '10', '11', '12'].map((h) => ({
  id: `d1-${h}`,
  start: `2026-01-30T${h}:00:00Z`,
  end: `2026-01-30T${h}:30:00Z`,
  capacity: 5,
  overflowCapacity: 0,
}));

if (!hasServer) console.warn('PostgreSQL chain tests skipped: DATABASE_URL is not set');

describe.skipIf(!hasServer)('PostgresStorage: units of one doctor queued in a process run as chains', () => {
  const run = `${process.pid}_${Date.now().toString(36)}`;
  const pool = hasServer ? new pg.Pool({ connectionString: url, max: 4 }) : undefined;
  const schemas: string[] = [];
  let n = 0;
  afterAll(async () => {
    for (const schema of schemas) await pool!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool?.end();
  });

  /** A fresh schema with doctor d1 and four slots of five; the scheduler records what it emits. */
  async function setUp(options: Partial<PostgresStorageOptions> = {}, scheduler: Partial<OpdSchedulerOptions> = {}) {
    const schema = `opd_t_chain_${run}_${++n}`;
    schemas.push(schema);
    await migrate(pool!, { schema });
    const storage = new PostgresStorage({ db: pool!, schema, ...options });
    const opd = new OpdScheduler({ ...presets.standard(), ...scheduler, storage, clock });
    await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    await opd.addSlots('d1', SLOTS);
    const emitted: OpdEvent[] = [];
    opd.on('event', (event) => emitted.push(event));
    return { opd, storage, emitted, schema };
  }

  const request = (i: number, extra: Partial<BookingRequest> = {}): BookingRequest => ({
    doctorId: 'd1',
    category: i % 7 === 3 ? 'EMERGENCY' : i % 3 === 0 ? 'PAID' : 'ONLINE',
    patient: { id: `p${i}`, name: `Patient ${i}` },
    ...(i % 2 === 0 ? { slotId: SLOTS[i % SLOTS.length]!.id } : { date: '2026-01-30' }),
    ...extra,
  });

  /** What a booking result says, for comparing two stores. */
  const outcome = (r: BookingResult) => ({
    number: r.token.tokenNumber,
    status: r.token.status,
    slotId: r.token.slotId,
    outcome: r.outcome,
    overflow: r.overflow,
    effects: r.effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null, 'slotId' in e ? e.slotId : null]),
  });

  it('answers concurrent calls for one doctor as the same calls made one after the other would be answered', async () => {
    const { opd, storage, emitted } = await setUp();
    const calls = Array.from({ length: 40 }, (_, i) => request(i));
    const results = await Promise.all(calls.map((call) => opd.book(call)));
    const paths = unitPaths(storage)!;
    expect(paths.chains).toBeGreaterThan(0);
    expect(paths.chained).toBeGreaterThan(1);
    // Token numbers are issued in the order the units were decided: made one after the other in
    // that order, on the memory store, the same calls get the same answers.
    const order = results.map((r, i) => ({ r, call: calls[i]! })).sort((a, b) => a.r.token.tokenNumber - b.r.token.tokenNumber);
    expect(order.map(({ r }) => r.token.tokenNumber)).toEqual(calls.map((_, i) => i + 1));
    const serial = new OpdScheduler({ ...presets.standard(), storage: new MemoryStorage(), clock });
    await serial.addDoctor({ id: 'd1', name: 'Dr d1' });
    await serial.addSlots('d1', SLOTS);
    for (const { r, call } of order) expect(outcome(await serial.book(call))).toEqual(outcome(r));
    // Stored as answered, and every event emitted once, in order, with no gap.
    for (const slot of SLOTS)
      expect((await opd.getSlot(slot.id)).places.map((t) => t.tokenNumber)).toEqual((await serial.getSlot(slot.id)).places.map((t) => t.tokenNumber));
    const history = await opd.history({ after: 0 });
    expect(emitted.map((e) => e.seq)).toEqual(history.filter((e) => e.seq >= emitted[0]!.seq).map((e) => e.seq));
    const seqs = history.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    await opd.close();
  });

  it('fails a refused unit alone and writes the units after it in the same chain', async () => {
    const { opd, storage } = await setUp();
    const calls = [request(0), request(1), request(2), request(1, { slotId: 'd1-12', date: undefined }), request(4), request(5)];
    const settled = await Promise.allSettled(calls.map((call) => opd.book(call)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? 'booked' : isOpdError(s.reason) ? s.reason.code : s.reason))).toEqual([
      'booked',
      'booked',
      'booked',
      'DUPLICATE_BOOKING',
      'booked',
      'booked',
    ]);
    expect(unitPaths(storage)!.chains).toBeGreaterThan(0);
    const numbers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.token.tokenNumber] : []));
    expect(numbers.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    await opd.close();
  });

  it('books one token for concurrent calls with one idempotency key, and replays it to the others', async () => {
    const { opd, storage, emitted } = await setUp();
    const calls = [request(0), ...Array.from({ length: 5 }, () => request(1, { idempotencyKey: 'k1' })), request(2), request(3, { idempotencyKey: 'k3' })];
    const results = await Promise.all(calls.map((call) => opd.book(call)));
    const keyed = results.slice(1, 6);
    expect(new Set(keyed.map((r) => r.token.id)).size).toBe(1);
    expect(keyed.filter((r) => r.replayed !== true)).toHaveLength(1);
    expect(emitted.filter((e) => e.type === 'token:booked' || e.type === 'token:waitlisted')).toHaveLength(4);
    expect(unitPaths(storage)!.chains).toBeGreaterThan(0);
    await opd.close();
  });

  it('replays a retry whose key was stored before, queued behind other units of the doctor, instead of refusing it', async () => {
    const { opd, storage } = await setUp();
    const retry = request(1, { idempotencyKey: 'portal-7731' });
    const first = await opd.book(retry);
    for (let round = 0; round < 3; round++) {
      // The retry decided on the chain's copy, which holds no stored key, would be refused as a
      // second booking of its patient.
      const others = [0, 1, 2].map((k) => opd.book(request(10 + 3 * round + k)));
      const settled = await Promise.allSettled([...others, opd.book(retry), opd.book(retry)]);
      const answers = settled.map((s) => (s.status === 'fulfilled' ? s.value : isOpdError(s.reason) ? s.reason.code : s.reason));
      expect(answers.slice(0, 3).every((r) => typeof r === 'object' && r !== null && 'token' in r)).toBe(true);
      expect(answers.slice(3).map((r) => (typeof r === 'object' && r !== null && 'token' in r ? [r.token.id, r.replayed] : r))).toEqual([
        [first.token.id, true],
        [first.token.id, true],
      ]);
    }
    expect(unitPaths(storage)!.chains).toBeGreaterThan(0);
    await opd.close();
  });

  it('runs every unit of a chain the database refuses again on its own: only the unit that breaks the limit fails', async () => {
    // Elastic places the slots' overflowCapacity does not allow: the database refuses the unit
    // that gives one (enforceSlotLimit), not the rules.
    const { opd } = await setUp({ enforceSlotLimit: true }, { capacity: new ElasticCapacity({ categories: ['EMERGENCY'], limit: 'unlimited' }) });
    for (let i = 0; i < 5; i++) await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `f${i}`, name: 'F' }, slotId: 'd1-09' });
    const calls = [
      { doctorId: 'd1', category: 'ONLINE', patient: { id: 'a', name: 'A' }, slotId: 'd1-10' },
      { doctorId: 'd1', category: 'ONLINE', patient: { id: 'b', name: 'B' }, slotId: 'd1-10' },
      { doctorId: 'd1', category: 'EMERGENCY', patient: { id: 'e', name: 'E' }, slotId: 'd1-09' },
      { doctorId: 'd1', category: 'ONLINE', patient: { id: 'c', name: 'C' }, slotId: 'd1-11' },
    ];
    const settled = await Promise.allSettled(calls.map((call) => opd.book(call)));
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value.token.slotId : isOpdError(s.reason) ? s.reason.code : s.reason))).toEqual([
      'd1-10',
      'd1-10',
      'STORAGE_FAILURE',
      'd1-11',
    ]);
    expect((await opd.getSlot('d1-09')).places).toHaveLength(5);
    await opd.close();
  });

  it('writes the next unit of a chain only after the statement before it in the transaction wrote the doctor at the rev it names', async () => {
    const { opd, storage, schema } = await setUp();
    const sql = statementsFor(schemaName('schema', schema));
    // A unit that changes nothing but the doctor's rev (its day's counters, as they are).
    const unit = async (): Promise<ChangeSet> => {
      const day = (await storage.read({ doctorId: 'd1', days: ['2026-01-30'] })).days.get('2026-01-30')!.record;
      return { newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [day], events: [] };
    };
    let changes = await unit();
    const params = (tag: string) => writeParams(changes, tag, false)!;
    const rev = async (): Promise<number> => Number((await pool!.query(`SELECT rev FROM ${schema}.opd_doctors WHERE doctor_id = 'd1'`)).rows[0].rev);
    const client = await pool!.connect();
    const step = async (text: string, values: unknown[]): Promise<unknown[]> => (await client.query({ text, values })).rows[0].opd_out as unknown[];
    const next = (expected: number, key: string | null, tag: string) => step(sql.writeNext.text, [String(expected), key, ...params(tag)]);
    const writeOrLoad = (expected: number, tag: string) => step(sql.writeOrLoad.text, [String(expected), null, null, null, null, ...params(tag)]);
    try {
      const r = await rev();
      // Nothing written before it in the transaction: not written, even at the doctor's rev.
      await client.query('BEGIN');
      expect((await next(r, null, 't1'))[0]).toBeNull();
      await client.query('COMMIT');
      expect(await rev()).toBe(r);
      // The first unit found the doctor moved (another writer took the rev it was decided at):
      // the next one is not written, though the rev it names is the doctor's.
      await client.query('BEGIN');
      expect((await writeOrLoad(r - 1, 't2'))[0]).toBeNull();
      expect((await next(r, null, 't3'))[0]).toBeNull();
      await client.query('COMMIT');
      expect(await rev()).toBe(r);
      // Each unit written in turn: the next is written at the rev the one before it left.
      await client.query('BEGIN');
      expect((await writeOrLoad(r, 't4'))[1]).toBe(r + 1);
      expect((await next(r, null, 't5'))[0]).toBeNull();
      expect((await next(r + 1, null, 't6'))[1]).toBe(r + 2);
      expect((await next(r + 2, null, 't7'))[1]).toBe(r + 3);
      await client.query('COMMIT');
      expect(await rev()).toBe(r + 3);
      // A next unit whose idempotency key is stored is not written.
      await opd.book({ ...request(0), idempotencyKey: 'stored' });
      changes = await unit();
      await client.query('BEGIN');
      const now = await rev();
      expect((await writeOrLoad(now, 't8'))[1]).toBe(now + 1);
      expect((await next(now + 1, 'stored', 't9'))[0]).toBeNull();
      await client.query('COMMIT');
      expect(await rev()).toBe(now + 1);
      // The setting does not outlive its transaction.
      await client.query('BEGIN');
      expect((await next(now + 1, null, 't10'))[0]).toBeNull();
      await client.query('COMMIT');
    } catch (error) {
      client.release(true);
      throw error;
    }
    client.release();
    await opd.close();
  });

  it('keeps every place once when two adapters chain units of the same doctor at once', async () => {
    const { opd, storage, schema } = await setUp();
    const otherPool = new pg.Pool({ connectionString: url, max: 4 });
    const other = new PostgresStorage({ db: otherPool, schema });
    const rival = new OpdScheduler({ ...presets.standard(), storage: other, clock });
    const results = await Promise.all(
      Array.from({ length: 48 }, (_, i) =>
        (i % 2 === 0 ? opd : rival).book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `p${i}`, name: 'P' }, slotId: SLOTS[i % SLOTS.length]!.id }),
      ),
    );
    expect(results.map((r) => r.token.tokenNumber).sort((a, b) => a - b)).toEqual(results.map((_, i) => i + 1));
    // Each call went to its slot while it had a place, else to the next one; 20 places in all.
    expect(results.filter((r) => r.outcome === 'BOOKED')).toHaveLength(20);
    for (const slot of SLOTS) {
      expect((await opd.getSlot(slot.id)).places).toHaveLength(5);
      expect(results.filter((r) => r.token.slotId === slot.id && r.token.status === 'BOOKED')).toHaveLength(5);
    }
    const paths = [unitPaths(storage)!, unitPaths(other)!];
    expect(paths[0]!.chained + paths[1]!.chained).toBeGreaterThan(0);
    await rival.close();
    await otherPool.end();
    await opd.close();
  });
});
