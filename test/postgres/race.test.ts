/**
 * Many processes, one database: worker processes (each its own pool and scheduler) hammer the
 * same doctors and slots, then the store is checked in SQL and through the API. A second test
 * kills workers with SIGKILL at random moments, repeatedly, and restarts them. Needs
 * DATABASE_URL; skipped without it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpdScheduler, presets, type OpdEvent } from '../../src/index.js';
import { migrate, PostgresStorage } from '../../src/postgres/index.js';
import { intensity } from '../intensity.js';
import { ACKS_AT_LEAST, acknowledged, checkStore, exited, killWorkers, NOW, seed, startWorker } from './shared.js';

const url = process.env['DATABASE_URL'];
/** Worker processes: 4 in `npm test`, 8 in `npm run test:long`. */
const WORKERS = intensity(4, 8);
/** Lives of each worker ended by SIGKILL: one in `npm test`, three in `npm run test:long`. */
const KILL_ROUNDS = intensity(1, 3);

if (url === undefined || url === '') {
  console.warn('PostgreSQL race and crash tests skipped: DATABASE_URL is not set');
}

describe.skipIf(url === undefined || url === '')('PostgreSQL: many processes, one database', () => {
  let pool: pg.Pool;
  let dir: string;
  let n = 0;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url, max: 4 });
    dir = mkdtempSync(join(tmpdir(), 'opd-race-'));
  });
  const schemas: string[] = [];
  afterAll(async () => {
    killWorkers();
    for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  async function freshSchema(): Promise<string> {
    const schema = `opd_t_race_${process.pid}_${++n}`;
    schemas.push(schema);
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool, { schema });
    await seed(pool, schema);
    return schema;
  }

  it(`keeps every limit with ${WORKERS} processes booking, cancelling, closing at once`, async () => {
    const schema = await freshSchema();
    // A display board on another instance: with listen, it sees every event the workers commit.
    const board = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: pool, schema, listen: true }), clock: () => new Date(NOW) });
    const seen: OpdEvent[] = [];
    board.on('event', (e) => seen.push(e));
    const journals = Array.from({ length: WORKERS }, (_, w) => join(dir, `${schema}-w${w}.jsonl`));
    const codes = await Promise.all(journals.map((journal, w) => exited(startWorker(url!, schema, w, 3, journal, 1000 + w))));
    expect(codes).toEqual(journals.map(() => 0));

    const acks = new Map<string, string>();
    for (const journal of journals) for (const [key, tokenId] of acknowledged(journal)) acks.set(key, tokenId);
    expect(acks.size).toBeGreaterThanOrEqual(WORKERS * ACKS_AT_LEAST);
    // Units raced through every path: decided on a copy and written at once, decided again on
    // what another process changed meanwhile, run under the lock, and written in chains of one
    // doctor's units queued in a process.
    const paths = { oneTrip: 0, retried: 0, locked: 0, chained: 0 };
    for (const journal of journals) {
      for (const line of readFileSync(journal, 'utf8').split('\n')) {
        if (!line.startsWith('{"t":"paths"')) continue;
        const counts = JSON.parse(line) as typeof paths;
        for (const key of Object.keys(paths) as (keyof typeof paths)[]) paths[key] += counts[key];
      }
    }
    expect(paths.oneTrip).toBeGreaterThan(0);
    expect(paths.retried).toBeGreaterThan(0);
    expect(paths.locked).toBeGreaterThan(0);
    expect(paths.chained).toBeGreaterThan(0);
    const { tokens, events, seqs } = await checkStore(pool, schema, acks);
    expect(tokens).toBeGreaterThanOrEqual(acks.size);

    // The board saw every stored event, once each, in order.
    for (let waited = 0; seen.length < events && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(seen.map((e) => e.seq)).toEqual(seqs);
    await board.close();
  });

  it(`moves patients between doctors in both directions and books by department with ${WORKERS} processes: no deadlock, no overbooking, one place per patient`, async () => {
    const schema = await freshSchema();
    const journals = Array.from({ length: WORKERS }, (_, w) => join(dir, `${schema}-w${w}.jsonl`));
    const codes = await Promise.all(journals.map((journal, w) => exited(startWorker(url!, schema, w, 3, journal, 2000 + w, 'moves'))));
    // A deadlock or a lock wait that never ends would fail a worker (CONFLICT after its retries) or time out.
    expect(codes).toEqual(journals.map(() => 0));
    const acks = new Map<string, string>();
    for (const journal of journals) for (const [key, tokenId] of acknowledged(journal)) acks.set(key, tokenId);
    // Under load the workers get through less in their seconds, and book on until they have ACKS_AT_LEAST each.
    expect(acks.size).toBeGreaterThanOrEqual(WORKERS * ACKS_AT_LEAST);
    await checkStore(pool, schema, acks);
    // Each patient: every token but one ended as moved; that one is where the patient is now.
    const rows = (
      await pool.query(`SELECT patient_id, count(*) FILTER (WHERE cancel_reason IS DISTINCT FROM 'moved') AS current, count(*) FILTER (WHERE cancel_reason = 'moved') AS moved
        FROM ${schema}.opd_tokens GROUP BY patient_id`)
    ).rows as { patient_id: string; current: string; moved: string }[];
    expect(rows.filter((r) => Number(r.current) !== 1)).toEqual([]);
    expect(
      rows.reduce((n, r) => n + Number(r.moved), 0),
      'moves between doctors happened',
    ).toBeGreaterThan(0);
    const live = (
      await pool.query(
        `SELECT patient_id FROM ${schema}.opd_tokens WHERE status IN ('BOOKED','WAITLISTED','CHECKED_IN','IN_CONSULTATION') GROUP BY patient_id HAVING count(*) > 1`,
      )
    ).rows;
    expect(live).toEqual([]);
  });

  it('books with 8 processes in two facilities with the same doctor and slot ids: no slot overfilled, numbers dense per facility-doctor-day, each facility its own history', async () => {
    const schema = `opd_t_race_${process.pid}_${++n}`;
    schemas.push(schema);
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await migrate(pool, { schema });
    const facilities = ['north', 'south'] as const;
    for (const f of facilities) await seed(pool, schema, f);
    // Eight processes, four a facility, on the same doctors, slots and patient-id pattern.
    const facilityOf = (w: number): (typeof facilities)[number] => facilities[w % 2]!;
    const journals = Array.from({ length: 8 }, (_, w) => join(dir, `${schema}-w${w}.jsonl`));
    const codes = await Promise.all(journals.map((journal, w) => exited(startWorker(url!, schema, w, 3, journal, 7000 + w, 'mixed', facilityOf(w)))));
    expect(codes).toEqual(journals.map(() => 0));
    const q = async <T>(sql: string, values: unknown[] = []): Promise<T[]> => (await pool.query(sql, values)).rows as T[];

    // No slot of either facility holds more places than its capacity and overflow.
    const over = await q(`SELECT sl.facility_id, sl.slot_id, count(*) AS n FROM ${schema}.opd_slots sl
        JOIN ${schema}.opd_tokens t ON t.facility_id = sl.facility_id AND t.doctor_id = sl.doctor_id AND t.slot_id = sl.slot_id
        WHERE t.status IN ('BOOKED','CHECKED_IN','IN_CONSULTATION','COMPLETED','HELD')
        GROUP BY sl.facility_id, sl.slot_id, sl.capacity, sl.overflow_capacity HAVING count(*) > sl.capacity + sl.overflow_capacity`);
    expect(over).toEqual([]);
    // Token numbers 1..n per facility-doctor-day, equal to that day's counter.
    const numbering = await q<{ facility_id: string; n: string; max: number; distinct: string; last: number }>(`
        SELECT t.facility_id, count(*) AS n, max(t.token_number) AS max, count(DISTINCT t.token_number) AS distinct, d.last_token_number AS last
        FROM ${schema}.opd_tokens t JOIN ${schema}.opd_days d ON d.facility_id = t.facility_id AND d.doctor_id = t.doctor_id AND d.day = t.day
        GROUP BY t.facility_id, t.doctor_id, t.day, d.last_token_number`);
    expect(new Set(numbering.map((r) => r.facility_id))).toEqual(new Set(facilities));
    for (const row of numbering) {
      expect(Number(row.n)).toBe(row.max);
      expect(Number(row.distinct)).toBe(row.max);
      expect(row.last).toBe(row.max);
    }
    // The facilities' events share the schema's numbers, never one number.
    const shared = await q(`SELECT seq FROM ${schema}.opd_events GROUP BY seq HAVING count(DISTINCT facility_id) > 1`);
    expect(shared).toEqual([]);
    for (const f of facilities) {
      // Every booking a worker of the facility acknowledged is stored once, in that facility, as acknowledged.
      const acks = new Map<string, string>();
      journals.forEach((journal, w) => {
        if (facilityOf(w) === f) for (const [key, tokenId] of acknowledged(journal)) acks.set(key, tokenId);
      });
      expect(acks.size).toBeGreaterThanOrEqual(4 * ACKS_AT_LEAST);
      const stored = await q<{ idempotency_key: string; token_id: string; facility_id: string }>(
        `SELECT idempotency_key, token_id, facility_id FROM ${schema}.opd_tokens WHERE idempotency_key = ANY ($1::text[])`,
        [[...acks.keys()]],
      );
      expect(stored.filter((t) => t.facility_id !== f)).toEqual([]);
      expect(new Map(stored.map((t) => [t.idempotency_key, t.token_id]))).toEqual(acks);
      expect(stored).toHaveLength(acks.size);
      // Its history: every event stored for the facility, in order, and no other.
      const storage = new PostgresStorage({ db: pool, schema });
      const opd = new OpdScheduler({ ...presets.standard(), storage: storage.forFacility(f), facilityId: f, clock: () => new Date(NOW) });
      const history: OpdEvent[] = [];
      for (let page = await opd.history(); page.length > 0; page = await opd.history({ after: page.at(-1)!.seq })) history.push(...page);
      const own = await q<{ seq: string }>(`SELECT seq FROM ${schema}.opd_events WHERE facility_id = $1 ORDER BY seq`, [f]);
      expect(history.map((e) => e.seq)).toEqual(own.map((r) => Number(r.seq)));
      expect(history.filter((e) => e.type === 'token:booked').length).toBeGreaterThan(10);
      expect(new Set(history.map((e) => e.facilityId))).toEqual(new Set([f]));
      await opd.close();
      await storage.close();
    }
  });

  it('loses nothing and half-applies nothing when workers are killed with SIGKILL, again and again', async () => {
    const schema = await freshSchema();
    const journals = Array.from({ length: WORKERS }, (_, w) => join(dir, `${schema}-w${w}.jsonl`));
    let kills = 0;
    let life = 0;
    const rng = mulberry(42);
    // Each worker slot: start, let it run a random while, SIGKILL it, restart it; the last life runs to its end.
    await Promise.all(
      journals.map(async (journal, w) => {
        for (let round = 0; round < KILL_ROUNDS; round++) {
          const child = startWorker(url!, schema, w, 30, journal, 5000 + w * 10 + round + ++life);
          // Kill it at a random moment once it works (after its startup).
          while (readyLines(journal) <= round) {
            // A life that dies before it is ready fails the test instead of hanging it.
            if (child.exitCode !== null || child.signalCode !== null)
              throw new Error(`worker ${w} exited before it was ready: ${child.exitCode ?? child.signalCode}`);
            await new Promise((r) => setTimeout(r, 25));
          }
          await new Promise((r) => setTimeout(r, rng() * 1500));
          child.kill('SIGKILL');
          expect(await exited(child)).toBe('SIGKILL');
          kills++;
        }
        // The last life retries any booking whose outcome was lost, then works briefly.
        expect(await exited(startWorker(url!, schema, w, 1, journal, 9000 + w))).toBe(0);
      }),
    );
    expect(kills).toBe(KILL_ROUNDS * WORKERS);
    const acks = new Map<string, string>();
    for (const journal of journals) for (const [key, tokenId] of acknowledged(journal)) acks.set(key, tokenId);
    expect(acks.size).toBeGreaterThanOrEqual(WORKERS * ACKS_AT_LEAST);
    await checkStore(pool, schema, acks);
  });
});

function readyLines(journal: string): number {
  return existsSync(journal)
    ? readFileSync(journal, 'utf8')
        .split('\n')
        .filter((l) => l === '{"t":"ready"}').length
    : 0;
}

function mulberry(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
