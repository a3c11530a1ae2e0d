/**
 * `npm run bench:pg`: booking throughput, latency and CPU per booking on PostgreSQL, against
 * pgbench's built-in tpcb-like script measured in the same run, on the same server.
 *
 * Each run: pgbench -c 8 -j 2 (scale 1, database `opd_bench`, or `BENCH_DB`), then 8 concurrent
 * clients booking for 50 doctors chosen at random ("spread"), then 8 clients booking for one doctor
 * ("hot"). The clients run in app-instance processes (`bench/pg-client.ts`), 8/n to a process,
 * sharing its scheduler and a pool of 8/n connections, like an instance serving several front desks
 * at once: by default n = 2, the shape of pgbench's own -c 8 -j 2 (eight connections driven by two
 * threads, one per core of a two-core machine); `--processes <n>` (BENCH_PROCESSES: 1, 2, 4 or 8)
 * chooses another, 8 giving each client a process, a scheduler and a connection of its own. Every
 * booking is for a new patient into a named slot (filled in order, 10 places each, 16 slots per
 * day), so units do the real work: lock, read the slot's day, decide, write the token, the day
 * counter and the event. After each phase the database is checked for slots holding more than
 * capacity + overflowCapacity places (overbookings, must be 0) and for every acknowledged booking
 * being stored once.
 *
 * CPU per booking: each client's `process.cpuUsage()` and its backend's `utime + stime`
 * (`/proc/<pid>/stat`; the server must run on this machine) over the measured seconds; for
 * pgbench, its process and its backends sampled the same way. WAL: `pg_stat_wal` and
 * `pg_stat_database` over each phase (server-wide: other databases' work counts too).
 *
 * `--before <dir>`: also measure the adapter of another checkout (with its own `node_modules`),
 * such as a worktree of the main branch, in the same runs, alternating which goes first.
 * `--warmup <n>` (BENCH_WARMUP, default 0): before a phase is measured, each client process books
 * n times, one booking at a time, for as many warm-up doctors as there are processes (not the
 * measured ones), every process booking for each in turn, so that the measured seconds see its
 * JavaScript optimized, as in a process that has been serving for a
 * while, on the path the measured bookings take (doctors other processes also write for); the
 * default measures clients from a cold start, JIT warm-up included.
 * `--profile`: after the runs, one more phase of each kind with `track_functions = 'pl'`,
 * printing the time spent in each SQL function per booking. `--explain`: print the plans,
 * with actual times and buffers, of every statement of one booking (auto_explain, nested).
 *
 * `BENCH_JSON_FILE=<file>` writes each run's spread ratio to pgbench, CPU per booking and p99 there
 * as JSON (`npm run bench:budgets` reads it).
 *
 * Environment: DATABASE_URL (postgres://postgres@127.0.0.1:5432/test; the bench uses the
 * database `opd_bench` on the same server, created for the run and dropped after it; BENCH_DB names
 * another, so that two benches can share a server), BENCH_RUNS
 * (3), BENCH_SECONDS (10), PGBENCH (path).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { benchOptions } from './args.js';
import { processCpuMs } from './cpu.js';
import type { ClientOrders, ClientReport } from './pg-client.js';

/** This bench's own flags; the others go to `benchOptions`. */
const flags: { before?: string | undefined; profile: boolean; explain: boolean; warmup: number } = {
  profile: false,
  explain: false,
  warmup: Number(process.env['BENCH_WARMUP'] ?? 0),
};
const rest: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i]!;
  if (arg === '--profile') flags.profile = true;
  else if (arg === '--explain') flags.explain = true;
  else if (arg === '--before') flags.before = argv[++i];
  else if (arg.startsWith('--before=')) flags.before = arg.slice('--before='.length);
  else if (arg === '--warmup') flags.warmup = Number(argv[++i]);
  else if (arg.startsWith('--warmup=')) flags.warmup = Number(arg.slice('--warmup='.length));
  else rest.push(arg);
}
if (!Number.isSafeInteger(flags.warmup) || flags.warmup < 0) throw new Error('--warmup (BENCH_WARMUP) must be a whole number of bookings');
const {
  runs: RUNS,
  seconds: SECONDS,
  processes: PROCESSES,
} = benchOptions(
  'bench:pg',
  {
    runs: { env: 'BENCH_RUNS', default: 3, description: 'runs' },
    seconds: { env: 'BENCH_SECONDS', default: 10, description: 'seconds per run' },
    processes: { env: 'BENCH_PROCESSES', default: 2, description: 'client processes the 8 clients are spread over (1, 2, 4 or 8)' },
  },
  rest,
);
if (![1, 2, 4, 8].includes(PROCESSES)) throw new Error('--processes (BENCH_PROCESSES) must be 1, 2, 4 or 8');
/** Clients booking at once, as pgbench's `-c 8`. */
const CLIENTS = 8;
const DOCTORS = 50;
const SLOTS_PER_DAY = 16;
const CAPACITY = 10;
/** The bench's database (and schema): `BENCH_DB`, so that two benches on one server do not collide. */
const BENCH_DB = process.env['BENCH_DB'] ?? 'opd_bench';
if (!/^[a-z_][a-z0-9_]*$/.test(BENCH_DB)) throw new Error(`BENCH_DB must be a lower-case SQL identifier, not ${JSON.stringify(BENCH_DB)}`);
const SCHEMA = BENCH_DB;
const BASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const BENCH_URL = withDatabase(BASE_URL, BENCH_DB);
const ROOT = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** A version of the library to measure: its checkout. */
interface Variant {
  readonly name: string;
  readonly root: string;
}
const variants: Variant[] = [{ name: 'this', root: ROOT }];
if (flags.before !== undefined) {
  const root = resolve(flags.before);
  if (!existsSync(join(root, 'src/postgres/index.ts')) || !existsSync(join(root, 'node_modules')))
    throw new Error(`--before ${root}: expected a checkout with src/ and node_modules/`);
  variants.push({ name: 'before', root });
}

/** The library of a checkout. */
async function library(root: string): Promise<{ core: typeof import('../src/index.js'); wing: typeof import('../src/postgres/index.js') }> {
  return {
    core: (await import(pathToFileURL(`${root}/src/index.ts`).href)) as typeof import('../src/index.js'),
    wing: (await import(pathToFileURL(`${root}/src/postgres/index.ts`).href)) as typeof import('../src/postgres/index.js'),
  };
}

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
  child.stdin!.write(`${JSON.stringify({ ...orders, ticksPerSecond: TICKS })}\n`);
  await isReady;
  return { child, report };
}

/** What the server did while a phase ran (pg_stat_wal is server-wide). */
interface ServerCounters {
  readonly commits: number;
  readonly allCommits: number;
  readonly walRecords: number;
  readonly walBytes: number;
  readonly walSyncs: number;
}

async function serverCounters(pool: pg.Pool): Promise<ServerCounters> {
  const { rows } = await pool.query<Record<string, string>>(
    `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = $1) AS commits,
            (SELECT sum(xact_commit) FROM pg_stat_database) AS all_commits,
            w.wal_records, w.wal_bytes, w.wal_sync FROM pg_stat_wal w`,
    [BENCH_DB],
  );
  const r = rows[0]!;
  return {
    commits: Number(r['commits']),
    allCommits: Number(r['all_commits']),
    walRecords: Number(r['wal_records']),
    walBytes: Number(r['wal_bytes']),
    walSyncs: Number(r['wal_sync']),
  };
}

interface Measured {
  readonly tps: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU per transaction or booking, ms. */
  readonly clientCpu: number;
  readonly serverCpu: number;
  /** Per transaction or booking, from the server's counters over the phase. */
  readonly commits: number;
  readonly walBytes: number;
  /** WAL flushes per commit, server-wide. */
  readonly syncsPerCommit: number;
}

interface Phase extends Measured {
  readonly bookings: number;
  readonly overbooked: number;
  readonly missing: number;
  /** How the measured units ran, summed over the clients (checkouts that count it). */
  readonly paths: Record<string, number> | undefined;
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

/** Creates the bench's database (`create`), or drops it once the bench is done. */
async function benchDatabase(create: boolean): Promise<void> {
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  try {
    if (!create) await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB}`);
    else if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [BENCH_DB])).rowCount === 0) await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  } finally {
    await admin.end();
  }
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function perUnit(before: ServerCounters, after: ServerCounters, units: number): Pick<Measured, 'commits' | 'walBytes' | 'syncsPerCommit'> {
  const all = after.allCommits - before.allCommits;
  return {
    commits: (after.commits - before.commits) / units,
    walBytes: (after.walBytes - before.walBytes) / units,
    syncsPerCommit: all > 0 ? (after.walSyncs - before.walSyncs) / all : Number.NaN,
  };
}

/** pgbench's tps, its own latency percentiles (from its per-transaction log), and CPU per transaction. */
async function pgbench(monitor: pg.Pool): Promise<Measured> {
  const u = new URL(BENCH_URL);
  const args = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
  const bin = pgbenchPath();
  execFileSync(bin, [...args, '-i', '-q', BENCH_DB], { stdio: 'ignore' });
  await monitor.query('VACUUM ANALYZE pgbench_accounts, pgbench_branches, pgbench_tellers, pgbench_history');
  const logs = mkdtempSync(join(tmpdir(), 'opd-pgbench-'));
  try {
    const before = await serverCounters(monitor);
    const child = spawn(bin, [...args, '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-n', '-l', `--log-prefix=${join(logs, 'log')}`, BENCH_DB], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Sample the CPU time of pgbench and of its backends until it ends: the last sample of each is
    // at most 100 ms old.
    const first = new Map<number, number>();
    const last = new Map<number, number>();
    let clientCpu = 0;
    let running = true;
    void exited.then(() => (running = false));
    while (running) {
      const own = processCpuMs(child.pid!, TICKS);
      if (own !== null) clientCpu = own;
      const { rows } = await monitor.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'pgbench'`, [BENCH_DB]);
      for (const { pid } of rows) {
        const cpu = processCpuMs(pid, TICKS);
        if (cpu === null) continue;
        if (!first.has(pid)) first.set(pid, cpu);
        last.set(pid, cpu);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if ((await exited) !== 0) throw new Error(`pgbench failed:\n${out}`);
    const after = await serverCounters(monitor);
    const tps = /tps = ([\d.]+)/.exec(out);
    const transactions = /number of transactions actually processed: (\d+)/.exec(out);
    if (tps === null || transactions === null) throw new Error(`could not read pgbench's results from:\n${out}`);
    const count = Number(transactions[1]);
    // Each log line: client, transaction, latency (µs), ...
    const latencies = readdirSync(logs)
      .flatMap((f) => readFileSync(join(logs, f), 'utf8').split('\n'))
      .filter(Boolean)
      .map((line) => Number(line.split(' ')[2]) / 1000)
      .sort((a, b) => a - b);
    let serverCpu = 0;
    for (const [pid, cpu] of last) serverCpu += cpu - first.get(pid)!;
    return {
      tps: Number(tps[1]),
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      clientCpu: clientCpu / count,
      serverCpu: serverCpu / count,
      ...perUnit(before, after, count),
    };
  } finally {
    rmSync(logs, { recursive: true, force: true });
  }
}

function dayAfter(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Drops and migrates the bench schema with a variant's library, and adds the doctors and their days of slots: their slot ids in booking order. */
async function prepare(variant: Variant, pool: pg.Pool, doctors: readonly { readonly id: string; readonly days: number }[]): Promise<Map<string, string[]>> {
  const { core, wing } = await library(variant.root);
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await wing.migrate(pool, { schema: SCHEMA });
  const setup = new core.OpdScheduler({ ...core.presets.standard(), storage: new wing.PostgresStorage({ db: pool, schema: SCHEMA }) });
  const slotsOf = new Map<string, string[]>();
  for (const { id: doctorId, days } of doctors) {
    await setup.addDoctor({ id: doctorId, name: `Dr ${doctorId}` });
    const ids: string[] = [];
    for (let d = 1; d <= days; d++) {
      const day = dayAfter(d);
      const slots = Array.from({ length: SLOTS_PER_DAY }, (_, i) => {
        const start = new Date(`${day}T08:00:00Z`).getTime() + i * 30 * 60_000;
        return { id: `${doctorId}-${day}-${i}`, start: new Date(start), end: new Date(start + 30 * 60_000), capacity: CAPACITY, overflowCapacity: 2 };
      });
      ids.push(...(await setup.addSlots(doctorId, slots)).map((s) => s.id));
    }
    slotsOf.set(doctorId, ids);
  }
  await setup.close();
  await pool.query(`VACUUM ANALYZE`);
  return slotsOf;
}

/** Time spent in each SQL function of the bench schema, per call (needs `track_functions`). */
async function functionTimes(pool: pg.Pool): Promise<{ name: string; calls: number; totalMs: number; selfMs: number }[]> {
  // Statistics of the clients' backends reach the view once they have ended.
  await new Promise((r) => setTimeout(r, 1500));
  const { rows } = await pool.query<{ funcname: string; calls: string; total_time: number; self_time: number }>(
    `SELECT funcname, calls, total_time, self_time FROM pg_stat_user_functions WHERE schemaname = $1 ORDER BY total_time DESC`,
    [SCHEMA],
  );
  return rows.map((r) => ({ name: r.funcname, calls: Number(r.calls), totalMs: r.total_time / Number(r.calls), selfMs: r.self_time / Number(r.calls) }));
}

async function phase(name: 'spread' | 'hot', variant: Variant, runId: number, expectedTps: number, profile = false): Promise<Phase> {
  const setupPool = new pg.Pool({ connectionString: BENCH_URL, max: 2 });
  const doctorIds = name === 'hot' ? ['hot'] : Array.from({ length: DOCTORS }, (_, i) => `d${i}`);
  // Enough places for twice the expected bookings, so that every booking finds one.
  const perDoctor = (expectedTps * SECONDS * 2) / doctorIds.length;
  const days = Math.max(1, Math.ceil(perDoctor / (SLOTS_PER_DAY * CAPACITY)));
  const warmupIds = flags.warmup > 0 ? Array.from({ length: PROCESSES }, (_, client) => `warmup${client}`) : [];
  const slotsOf = await prepare(variant, setupPool, [
    ...doctorIds.map((id) => ({ id, days })),
    ...warmupIds.map((id) => ({ id, days: Math.ceil(flags.warmup / (SLOTS_PER_DAY * CAPACITY)) + 1 })),
  ]);

  const workers = await Promise.all(
    Array.from({ length: PROCESSES }, (_, client) =>
      startClient({
        url: BENCH_URL,
        schema: SCHEMA,
        root: variant.root,
        doctors: doctorIds.map((id) => ({ id, slots: slotsOf.get(id)! })),
        warmup: flags.warmup > 0 ? { doctors: warmupIds.map((id) => ({ id, slots: slotsOf.get(id)! })), bookings: flags.warmup } : undefined,
        capacity: CAPACITY,
        seconds: SECONDS,
        client,
        clients: PROCESSES,
        callers: CLIENTS / PROCESSES,
        run: runId,
        profile,
      }),
    ),
  );
  // Backends report their statistics up to a second late: let the warm-up's commits and WAL land
  // before the phase's counters are read.
  if (flags.warmup > 0) await new Promise((r) => setTimeout(r, 1500));
  const before = await serverCounters(setupPool);
  const started = performance.now();
  for (const w of workers) w.child.stdin!.write('GO\n');
  const reports = await Promise.all(workers.map((w) => w.report));
  const elapsed = (performance.now() - started) / 1000;
  const after = await serverCounters(setupPool);
  const latencies = reports.flatMap((r) => r.latencies);
  const acknowledged = reports.flatMap((r) => r.tokenIds);
  const failures = reports.reduce((sum, r) => sum + r.failures, 0);
  const measured = reports.filter((r) => r.serverCpuMs !== null);

  const { rows } = await setupPool.query<{ overbooked: string; stored: string }>(
    `SELECT (SELECT count(*) FROM (SELECT sl.slot_id FROM ${SCHEMA}.opd_slots sl JOIN ${SCHEMA}.opd_tokens t
               ON t.doctor_id = sl.doctor_id AND t.slot_id = sl.slot_id AND t.status IN ('BOOKED','CHECKED_IN','IN_CONSULTATION','COMPLETED')
             GROUP BY sl.slot_id, sl.capacity, sl.overflow_capacity HAVING count(*) > sl.capacity + sl.overflow_capacity) x) AS overbooked,
            (SELECT count(*) FROM ${SCHEMA}.opd_tokens WHERE token_id = ANY($1)) AS stored`,
    [acknowledged],
  );
  if (profile) {
    for (const f of await functionTimes(setupPool)) {
      console.log(
        `  ${variant.name} ${name}: ${f.name.padEnd(14)} ${fmt(f.calls / acknowledged.length, 2)} calls/booking  ${fmt(f.totalMs, 3)} ms total  ${fmt(f.selfMs, 3)} ms self per call`,
      );
    }
  }
  await setupPool.end();
  latencies.sort((a, b) => a - b);
  return {
    tps: acknowledged.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    clientCpu: reports.reduce((sum, r) => sum + r.clientCpuMs, 0) / acknowledged.length,
    serverCpu: measured.reduce((sum, r) => sum + r.serverCpuMs!, 0) / measured.reduce((sum, r) => sum + r.tokenIds.length, 0),
    ...perUnit(before, after, acknowledged.length),
    bookings: acknowledged.length,
    overbooked: Number(rows[0]!.overbooked),
    missing: acknowledged.length - Number(rows[0]!.stored) + failures,
    paths: sumPaths(reports.map((r) => r.paths)),
  };
}

/** The clients' counts of how units ran, added up; `undefined` when a client did not count. */
function sumPaths(all: readonly (Record<string, number> | undefined)[]): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const counts of all) {
    if (counts === undefined) return undefined;
    for (const [k, v] of Object.entries(counts)) out[k] = (out[k] ?? 0) + v;
  }
  return out;
}

/** Counts of how units ran, per booking: `oneTrip 0.12 retried 0.80 …`. */
const describePaths = (p: Phase): string =>
  p.paths === undefined
    ? 'not counted'
    : Object.entries(p.paths)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${fmt(v / p.bookings, 2)}`)
        .join(' ');

/** The plans, with actual times and buffers, of every statement one booking runs (auto_explain). */
async function explain(variant: Variant): Promise<void> {
  const { core, wing } = await library(variant.root);
  const pool = new pg.Pool({ connectionString: BENCH_URL, max: 1 });
  const slotsOf = await prepare(variant, pool, [
    { id: 'd0', days: 1 },
    { id: 'd1', days: 1 },
  ]);
  const opd = new core.OpdScheduler({ ...core.presets.standard(), storage: new wing.PostgresStorage({ db: pool, schema: SCHEMA }) });
  const slots = slotsOf.get('d0')!;
  const book = (n: number) =>
    opd.book({ doctorId: 'd0', category: 'ONLINE', patient: { id: `x${n}`, name: 'Patient' }, slotId: slots[Math.floor(n / CAPACITY)]! });
  // Warm up: a day with 40 tokens, cached by the adapter.
  for (let n = 0; n < 40; n++) await book(n);
  const client = await pool.connect();
  const plans: string[] = [];
  client.on('notice', (notice) => void plans.push(notice.message ?? ''));
  await client.query(
    `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on;
     SET auto_explain.log_timing = on; SET auto_explain.log_nested_statements = on; SET auto_explain.log_level = notice`,
  );
  client.release();
  await book(40);
  console.log(`\nplans of one booking (${variant.name}), every statement, nested ones included:\n`);
  for (const plan of plans) console.log(`${plan}\n`);
  await opd.close();
  await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await pool.end();
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

await benchDatabase(true);
if (flags.explain) {
  for (const variant of variants) await explain(variant);
  await benchDatabase(false);
  process.exit(0);
}
const monitor = new pg.Pool({ connectionString: BENCH_URL, max: 1 });
console.log(
  `bench:pg — ${RUNS} runs × (pgbench tpcb-like, then ${variants.map((v) => v.name).join(' and ')}: spread over ${DOCTORS} doctors, one hot doctor), ${CLIENTS} clients in ${PROCESSES} process${PROCESSES === 1 ? '' : 'es'}, ${SECONDS} s each` +
    `${flags.warmup > 0 ? `, clients warmed up with ${flags.warmup} bookings each` : ', clients from a cold start'}; load average ${load()}\n`,
);
type Row = { pgbench: Measured; spread: Map<string, Phase>; hot: Map<string, Phase> };
const rows: Row[] = [];
const describe = (p: Measured, base: number): string =>
  `${fmt(p.tps)}/s (${fmt(p.tps / base, 2)}×) p50 ${fmt(p.p50, 1)} p99 ${fmt(p.p99, 1)} ms, cpu ${fmt(p.clientCpu, 2)}+${fmt(p.serverCpu, 2)} ms`;
for (let run = 1; run <= RUNS; run++) {
  const reference = await pgbench(monitor);
  const base = reference.tps;
  // Alternate which version goes first.
  const order = run % 2 === 1 ? variants : [...variants].reverse();
  const row: Row = { pgbench: reference, spread: new Map(), hot: new Map() };
  for (const v of order) row.spread.set(v.name, await phase('spread', v, run, base * 1.5));
  for (const v of order) row.hot.set(v.name, await phase('hot', v, run, base * 1.5));
  rows.push(row);
  console.log(`run ${run} (load ${load()}): pgbench ${describe(reference, base)}`);
  for (const v of variants) {
    const s = row.spread.get(v.name)!;
    const h = row.hot.get(v.name)!;
    console.log(
      `  ${v.name.padEnd(6)} spread ${describe(s, base)} | hot ${describe(h, base)} | overbooked ${s.overbooked + h.overbooked}, missing ${s.missing + h.missing}`,
    );
    console.log(`         units per booking: spread ${describePaths(s)} | hot ${describePaths(h)}`);
  }
}
const m = (f: (r: Row) => number): number => median(rows.map(f));
const line = (label: string, get: (r: Row) => Measured): void => {
  const ratio =
    get(rows[0]!) === rows[0]!.pgbench
      ? '1'
      : `${fmt(
          m((r) => get(r).tps / r.pgbench.tps),
          2,
        )}×`;
  console.log(
    `  ${label.padEnd(30)} ${fmt(m((r) => get(r).tps)).padStart(6)}/s  ratio ${ratio.padStart(5)}  p50 ${fmt(
      m((r) => get(r).p50),
      1,
    ).padStart(5)} ms  p99 ${fmt(
      m((r) => get(r).p99),
      1,
    ).padStart(5)} ms` +
      `  cpu client ${fmt(
        m((r) => get(r).clientCpu),
        2,
      )} server ${fmt(
        m((r) => get(r).serverCpu),
        2,
      )} ms` +
      `  commits ${fmt(
        m((r) => get(r).commits),
        2,
      )}  WAL ${fmt(m((r) => get(r).walBytes))} B  flushes/commit ${fmt(
        m((r) => get(r).syncsPerCommit),
        2,
      )}`,
  );
};
console.log(`\nmedian of ${RUNS} runs (per transaction or booking; load average now ${load()})`);
line('pgbench tpcb-like, 8 clients', (r) => r.pgbench);
for (const v of variants) {
  line(`${v.name}: bookings, 50 doctors`, (r) => r.spread.get(v.name)!);
  line(`${v.name}: bookings, one doctor`, (r) => r.hot.get(v.name)!);
}
const overbooked = rows.reduce((sum, r) => sum + [...r.spread.values(), ...r.hot.values()].reduce((s, p) => s + p.overbooked, 0), 0);
const missing = rows.reduce((sum, r) => sum + [...r.spread.values(), ...r.hot.values()].reduce((s, p) => s + p.missing, 0), 0);
console.log(`  overbooked slots ${overbooked}, acknowledged bookings missing or failed ${missing}`);
if (flags.profile) {
  console.log('\ntime in the SQL functions (track_functions = pl), one more phase each:');
  for (const v of variants) {
    await phase('spread', v, RUNS + 1, rows[0]!.pgbench.tps * 1.5, true);
    await phase('hot', v, RUNS + 2, rows[0]!.pgbench.tps * 1.5, true);
  }
}
// BENCH_JSON_FILE: every run's figures of this tree's spread phase, for `npm run bench:budgets`.
const jsonFile = process.env['BENCH_JSON_FILE'];
if (jsonFile !== undefined && jsonFile !== '') {
  const spread = rows.map((r) => r.spread.get('this')!);
  writeFileSync(
    jsonFile,
    JSON.stringify({
      spreadRatio: rows.map((r) => r.spread.get('this')!.tps / r.pgbench.tps),
      clientCpu: spread.map((p) => p.clientCpu),
      serverCpu: spread.map((p) => p.serverCpu),
      p99: spread.map((p) => p.p99),
    }),
  );
}
await monitor.end();
await benchDatabase(false);
if (overbooked > 0 || missing > 0) process.exitCode = 1;
