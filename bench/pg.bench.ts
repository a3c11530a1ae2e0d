/**
 * `npm run bench:pg`: booking throughput and latency on PostgreSQL, against pgbench's built-in
 * tpcb-like script measured in the same invocation, on the same server.
 *
 * Each run: pgbench -c 8 -j 2 (scale 1, database `opd_bench`), then 8 concurrent clients
 * (each its own process, scheduler, adapter and one-connection pool, like the app instances of
 * a hospital; `bench/pg-client.ts`) booking for 50 doctors chosen at
 * random ("spread"), then 8 clients booking for one doctor ("hot"). Every booking is for a new
 * patient into a named slot (filled in order, 10 places each, 16 slots per day), so units do
 * the real work: lock, read the slot's day, decide, write the token, the day counter and the
 * event. After each phase the database is checked for slots holding more than
 * capacity + overflowCapacity places (overbookings, must be 0) and for every acknowledged
 * booking being stored once. Medians over runs are reported.
 *
 * Environment: DATABASE_URL (postgres://postgres@127.0.0.1:5432/test; the bench uses the
 * database `opd_bench` on the same server), BENCH_RUNS (3), BENCH_SECONDS (10), PGBENCH (path).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { OpdScheduler, presets } from '../src/index.js';
import { migrate, PostgresStorage } from '../src/postgres/index.js';
import { benchOptions } from './args.js';
import type { ClientOrders, ClientReport } from './pg-client.js';

const { runs: RUNS, seconds: SECONDS } = benchOptions('bench:pg', {
  runs: { env: 'BENCH_RUNS', default: 3, description: 'runs' },
  seconds: { env: 'BENCH_SECONDS', default: 10, description: 'seconds per run' },
});
const CLIENTS = 8;
const DOCTORS = 50;
const SLOTS_PER_DAY = 16;
const CAPACITY = 10;
const SCHEMA = 'opd_bench';
const BASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const BENCH_URL = withDatabase(BASE_URL, 'opd_bench');

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Starts a client process (`bench/pg-client.ts`) and waits until it is connected. */
async function startClient(orders: ClientOrders): Promise<{ child: ChildProcess; report: Promise<ClientReport> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/pg-client.ts'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const report = new Promise<ClientReport>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.startsWith('READY\n')) ready();
    });
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as ClientReport);
      else reject(new Error(`client ${orders.client} exited with ${code}`));
    });
  });
  child.stdin!.write(`${JSON.stringify(orders)}\n`);
  await isReady;
  return { child, report };
}

interface Phase {
  readonly tps: number;
  readonly p50: number;
  readonly p99: number;
  readonly bookings: number;
  readonly overbooked: number;
  readonly missing: number;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function pgbenchPath(): string {
  if (process.env['PGBENCH'] !== undefined) return process.env['PGBENCH'];
  for (const candidate of ['/usr/lib/postgresql/15/bin/pgbench', '/usr/bin/pgbench']) if (existsSync(candidate)) return candidate;
  return 'pgbench';
}

async function ensureDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  const { rowCount } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'opd_bench'`);
  if (rowCount === 0) await admin.query('CREATE DATABASE opd_bench');
  await admin.end();
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** pgbench's tps and its own latency percentiles (from its per-transaction log). */
function pgbench(): { tps: number; p50: number; p99: number } {
  const u = new URL(BENCH_URL);
  const args = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
  const bin = pgbenchPath();
  execFileSync(bin, [...args, '-i', '-q', 'opd_bench'], { stdio: 'ignore' });
  const logs = mkdtempSync(join(tmpdir(), 'opd-pgbench-'));
  try {
    const out = execFileSync(bin, [...args, '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-n', '-l', `--log-prefix=${join(logs, 'log')}`, 'opd_bench'], {
      encoding: 'utf8',
    });
    const match = /tps = ([\d.]+)/.exec(out);
    if (match === null) throw new Error(`could not read pgbench's tps from:\n${out}`);
    // Each log line: client, transaction, latency (µs), ...
    const latencies = readdirSync(logs)
      .flatMap((f) => readFileSync(join(logs, f), 'utf8').split('\n'))
      .filter(Boolean)
      .map((line) => Number(line.split(' ')[2]) / 1000)
      .sort((a, b) => a - b);
    return { tps: Number(match[1]), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  } finally {
    rmSync(logs, { recursive: true, force: true });
  }
}

function dayAfter(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Slot ids of a doctor, in booking order: `days` days from tomorrow, 16 slots of 30 minutes a day. */
async function addSchedule(opd: OpdScheduler, doctorId: string, days: number): Promise<string[]> {
  await opd.addDoctor({ id: doctorId, name: `Dr ${doctorId}` });
  const ids: string[] = [];
  for (let d = 1; d <= days; d++) {
    const day = dayAfter(d);
    const slots = Array.from({ length: SLOTS_PER_DAY }, (_, i) => {
      const start = new Date(`${day}T08:00:00Z`).getTime() + i * 30 * 60_000;
      return { id: `${doctorId}-${day}-${i}`, start: new Date(start), end: new Date(start + 30 * 60_000), capacity: CAPACITY, overflowCapacity: 2 };
    });
    ids.push(...(await opd.addSlots(doctorId, slots)).map((s) => s.id));
  }
  return ids;
}

async function phase(name: 'spread' | 'hot', runId: number, expectedTps: number): Promise<Phase> {
  const setupPool = new pg.Pool({ connectionString: BENCH_URL, max: 2 });
  await setupPool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await migrate(setupPool, { schema: SCHEMA });
  const setup = new OpdScheduler({ ...presets.standard(), storage: new PostgresStorage({ db: setupPool, schema: SCHEMA }) });
  const doctorIds = name === 'hot' ? ['hot'] : Array.from({ length: DOCTORS }, (_, i) => `d${i}`);
  // Enough places for twice the expected bookings, so that every booking finds one.
  const perDoctor = (expectedTps * SECONDS * 2) / doctorIds.length;
  const days = Math.max(1, Math.ceil(perDoctor / (SLOTS_PER_DAY * CAPACITY)));
  const slotsOf = new Map<string, string[]>();
  for (const id of doctorIds) slotsOf.set(id, await addSchedule(setup, id, days));
  await setup.close();
  await setupPool.query(`VACUUM ANALYZE`);

  const workers = await Promise.all(
    Array.from({ length: CLIENTS }, (_, client) =>
      startClient({
        url: BENCH_URL,
        schema: SCHEMA,
        doctors: doctorIds.map((id) => ({ id, slots: slotsOf.get(id)! })),
        capacity: CAPACITY,
        seconds: SECONDS,
        client,
        clients: CLIENTS,
        run: runId,
      }),
    ),
  );
  const started = performance.now();
  for (const w of workers) w.child.stdin!.write('GO\n');
  const reports = await Promise.all(workers.map((w) => w.report));
  const elapsed = (performance.now() - started) / 1000;
  const latencies = reports.flatMap((r) => r.latencies);
  const acknowledged = reports.flatMap((r) => r.tokenIds);
  const failures = reports.reduce((sum, r) => sum + r.failures, 0);

  const { rows } = await setupPool.query<{ overbooked: string; stored: string; distinct_ids: string }>(
    `SELECT (SELECT count(*) FROM (SELECT sl.slot_id FROM ${SCHEMA}.opd_slots sl JOIN ${SCHEMA}.opd_tokens t
               ON t.doctor_id = sl.doctor_id AND t.slot_id = sl.slot_id AND t.status IN ('BOOKED','CHECKED_IN','IN_CONSULTATION','COMPLETED')
             GROUP BY sl.slot_id, sl.capacity, sl.overflow_capacity HAVING count(*) > sl.capacity + sl.overflow_capacity) x) AS overbooked,
            (SELECT count(*) FROM ${SCHEMA}.opd_tokens WHERE token_id = ANY($1)) AS stored,
            (SELECT count(DISTINCT token_id) FROM ${SCHEMA}.opd_tokens) AS distinct_ids`,
    [acknowledged],
  );
  await setupPool.end();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => percentile(latencies, q);
  return {
    tps: acknowledged.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    bookings: acknowledged.length,
    overbooked: Number(rows[0]!.overbooked),
    missing: acknowledged.length - Number(rows[0]!.stored) + failures,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

await ensureDatabase();
console.log(`bench:pg — ${RUNS} runs × (pgbench tpcb-like, spread over ${DOCTORS} doctors, one hot doctor), ${CLIENTS} clients, ${SECONDS} s each\n`);
const rows: { pgbench: number; pgbenchP50: number; pgbenchP99: number; spread: Phase; hot: Phase }[] = [];
for (let run = 1; run <= RUNS; run++) {
  const reference = pgbench();
  const base = reference.tps;
  const spread = await phase('spread', run, base * 1.5);
  const hot = await phase('hot', run, base * 1.5);
  rows.push({ pgbench: base, pgbenchP50: reference.p50, pgbenchP99: reference.p99, spread, hot });
  console.log(
    `run ${run}: pgbench ${fmt(base)} tps p50 ${fmt(reference.p50, 1)} ms p99 ${fmt(reference.p99, 1)} ms | spread ${fmt(spread.tps)}/s (${fmt(spread.tps / base, 2)}×) p50 ${fmt(spread.p50, 1)} ms p99 ${fmt(spread.p99, 1)} ms` +
      ` | hot ${fmt(hot.tps)}/s (${fmt(hot.tps / base, 2)}×) p50 ${fmt(hot.p50, 1)} ms p99 ${fmt(hot.p99, 1)} ms` +
      ` | overbooked ${spread.overbooked + hot.overbooked}, missing ${spread.missing + hot.missing}`,
  );
}
const m = (f: (r: (typeof rows)[number]) => number): number => median(rows.map(f));
console.log(`\nmedian of ${RUNS} runs`);
console.log(`  pgbench tpcb-like, 8 clients   ${fmt(m((r) => r.pgbench))} tps  p50 ${fmt(m((r) => r.pgbenchP50), 1)} ms  p99 ${fmt(m((r) => r.pgbenchP99), 1)} ms`);
console.log(
  `  bookings, 50 doctors           ${fmt(m((r) => r.spread.tps))}/s  ratio ${fmt(m((r) => r.spread.tps / r.pgbench), 2)}×  p50 ${fmt(m((r) => r.spread.p50), 1)} ms  p99 ${fmt(m((r) => r.spread.p99), 1)} ms`,
);
console.log(
  `  bookings, one doctor           ${fmt(m((r) => r.hot.tps))}/s  ratio ${fmt(m((r) => r.hot.tps / r.pgbench), 2)}×  p50 ${fmt(m((r) => r.hot.p50), 1)} ms  p99 ${fmt(m((r) => r.hot.p99), 1)} ms`,
);
const overbooked = rows.reduce((sum, r) => sum + r.spread.overbooked + r.hot.overbooked, 0);
const missing = rows.reduce((sum, r) => sum + r.spread.missing + r.hot.missing, 0);
console.log(`  overbooked slots ${overbooked}, acknowledged bookings missing or failed ${missing}`);
if (overbooked > 0 || missing > 0) process.exitCode = 1;
