/**
 * `npm run bench:sweep`: what the sweep's search for due doctor-days (`findDueDays`) costs on a
 * PostgreSQL server against the days of history the tables hold. A sweep asks it on every call
 * (a hospital may sweep every minute); it should cost what today's bookings cost, whatever the
 * history behind them.
 *
 * Workload per history length (10 days, then `--history` days): `--doctors` doctors, each with
 * eight hourly slots of 5 places a day over the history and 30 days ahead; every place of the
 * history taken by a completed token, two places of each slot from today on booked. The clock is
 * 10:30 UTC today: the 09:00 and 10:00 slots have started, so every doctor's day is due. The rows
 * are written in bulk by SQL in the shape the adapter writes them (a million bookings through the
 * scheduler would take the better part of an hour), on a schema made by `migrate`, then analysed.
 * Timed: `findDueDays(now, now, now)` (booked tokens due, holds ended, days where a waiting
 * patient may be promoted), `--runs` times each, after one untimed call; the median.
 *
 * Needs DATABASE_URL (a server on this machine) for that part; without it, only the next runs.
 *
 * And on `MemoryStorage`, which keeps what it holds by doctor and day: `--doctors` doctors with 30
 * days of eight hourly slots of 5 places, every place booked through the scheduler, the clock at
 * 10:30 on the first day; the same call timed the same way (it runs on the event loop, so this is
 * how long a sweep holds it).
 */
import { MemoryStorage, OpdScheduler, presets } from 'opd-scheduler';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import pg from 'pg';
import { benchOptions, median } from './args.js';

const options = benchOptions('bench:sweep', {
  doctors: { env: 'BENCH_DOCTORS', default: 1000, description: 'doctors' },
  history: { env: 'BENCH_HISTORY', default: 100, description: 'days of history of the longer run' },
  runs: { env: 'BENCH_RUNS', default: 7, description: 'timed calls per history length' },
});
const url = process.env['DATABASE_URL'];

const DAY_MS = 86_400_000;
const TODAY = Date.UTC(2026, 10, 26);
const NOW = TODAY + 10.5 * 3_600_000;
const AHEAD = 30;
const pool = new pg.Pool({ connectionString: url, max: 2 });
const schema = `sweep_bench_${process.pid}`;

/** Milliseconds of `findDueDays(now, now, now)`, the median of `--runs` calls after one untimed; and how many days were due. */
async function timeSearch(
  storage: { findDueDays(cutoff: number, holdsEndedBy?: number, openAt?: number): Promise<unknown[]> },
  now: number,
): Promise<{ due: number; ms: number }> {
  const due = (await storage.findDueDays(now, now, now)).length;
  const times: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    const started = process.hrtime.bigint();
    await storage.findDueDays(now, now, now);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { due, ms: Number(median(times).toFixed(1)) };
}

/** A schema with `history` days behind today and {@link AHEAD} days from today; its token count. */
async function setup(history: number): Promise<number> {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await migrate(pool, { schema });
  const first = TODAY - history * DAY_MS;
  const s = schema;
  await pool.query(`INSERT INTO ${s}.opd_doctors (doctor_id, name, created_at, rev) SELECT 'd' || d, 'Doctor', 0, 1 FROM generate_series(1, $1::integer) d`, [
    options.doctors,
  ]);
  await pool.query(
    `INSERT INTO ${s}.opd_slots (doctor_id, slot_id, day, start_at, end_at, capacity, overflow_capacity, status, rev)
     SELECT 'd' || d, 'd' || d || '-' || k || '-' || h, to_char(to_timestamp(($1::bigint + k * 86400000::bigint) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
       $1::bigint + k * 86400000::bigint + (9 + h) * 3600000::bigint, $1::bigint + k * 86400000::bigint + (10 + h) * 3600000::bigint, 5, 0, 'OPEN', 1
     FROM generate_series(1, $2::integer) d, generate_series(0, $3::integer - 1) k, generate_series(0, 7) h`,
    [first, options.doctors, history + AHEAD],
  );
  await pool.query(`INSERT INTO ${s}.opd_slot_index SELECT slot_id, doctor_id FROM ${s}.opd_slots`);
  await pool.query(`INSERT INTO ${s}.opd_days (doctor_id, day, last_token_number) SELECT doctor_id, day, 40 FROM ${s}.opd_slots GROUP BY doctor_id, day`);
  // Token n of slot h of a day is number h * 5 + n; the history's all completed, two per slot booked from today.
  await pool.query(
    `INSERT INTO ${s}.opd_tokens (doctor_id, day, token_number, token_id, slot_id, category, rank, status, patient, patient_id, requested_at, bump_count, placed_at, updated_at, rev, label)
     SELECT sl.doctor_id, sl.day, h * 5 + n, sl.doctor_id || '~' || sl.day || '~' || (h * 5 + n), sl.slot_id, 'ONLINE', 3,
       CASE WHEN sl.start_at < $1::bigint THEN 'COMPLETED' ELSE 'BOOKED' END, '{"name":"P"}', 'p' || n, 0, 0, 0, 0, 1, (h * 5 + n)::text
     FROM ${s}.opd_slots sl, generate_series(1, 5) n,
       LATERAL (SELECT ((sl.start_at - $2::bigint) % 86400000) / 3600000 - 9 AS h) hour
     WHERE sl.start_at < $1::bigint OR n <= 2`,
    [TODAY, first],
  );
  await pool.query(`ANALYZE ${s}.opd_tokens`);
  await pool.query(`ANALYZE ${s}.opd_slots`);
  return Number((await pool.query(`SELECT count(*) AS n FROM ${s}.opd_tokens`)).rows[0].n);
}

/** The memory store's search: 30 days of slots ahead, every place booked; its token count and timing. */
async function memory(): Promise<Record<string, string | number>> {
  const storage = new MemoryStorage();
  const first = Date.UTC(2026, 0, 5);
  const opd = new OpdScheduler({ ...presets.standard(), storage, clock: () => new Date(first) });
  const days = 30;
  for (let i = 0; i < options.doctors; i++) {
    await opd.addDoctor({ id: `d${i}`, name: 'Doctor' });
    const slots = [];
    for (let d = 0; d < days; d++) {
      for (let h = 0; h < 8; h++) {
        const start = first + d * DAY_MS + (9 + h) * 3_600_000;
        slots.push({ start: new Date(start), end: new Date(start + 3_600_000), capacity: 5 });
      }
    }
    await opd.addSlots(`d${i}`, slots);
  }
  for (let d = 0; d < days; d++) {
    const date = new Date(first + d * DAY_MS).toISOString().slice(0, 10);
    for (let i = 0; i < options.doctors; i++) {
      for (let j = 0; j < 40; j++) await opd.book({ doctorId: `d${i}`, category: 'ONLINE', patient: { id: `p${d}-${i}-${j}`, name: 'Patient' }, date });
    }
  }
  const { due, ms } = await timeSearch(storage, first + 10.5 * 3_600_000);
  await opd.close();
  return { store: 'memory', daysAhead: days, tokens: options.doctors * days * 40, dueDays: due, msFindDueDays: ms };
}

const rows: Record<string, string | number>[] = [await memory()];
if (url !== undefined && url !== '') {
  for (const history of [10, options.history]) {
    const tokens = await setup(history);
    const storage = new PostgresStorage({ db: pool, schema });
    const { due, ms } = await timeSearch(storage, NOW);
    await storage.close();
    rows.push({ store: 'PostgreSQL server', historyDays: history, daysAhead: AHEAD, tokens, dueDays: due, msFindDueDays: ms });
  }
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
} else {
  console.log('DATABASE_URL is not set: the PostgreSQL server part is skipped');
}
await pool.end();
console.log(`opd-scheduler sweep benchmark — Node ${process.version}, ${options.doctors} doctors, ${options.runs} calls each, medians`);
console.table(rows);
console.log('target: about flat in the history (the due days are found from the tokens that can be due)');
