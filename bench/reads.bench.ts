/**
 * Reads that scale (`npm run bench:reads`): on the pg_auto_failover cluster of the tests (a primary
 * and a synchronous standby on this machine, `bash scripts/pg-cluster.sh start`, OPD_HA_URLS and
 * OPD_HA_DIR), bookings go on while N simulated patients poll their token (`getToken`: position
 * and estimate) and M boards refresh their hall (`getSchedule`). Three phases per run, each
 * `--seconds` long, on one scheduler process:
 *
 * - `book`: the bookings alone (their throughput, the primary's CPU per booking);
 * - `primary`: bookings and readers, every read on the primary (`db: [hosts]`);
 * - `standby`: the same, display reads routed to the standby (`read: [standby]`).
 *
 * For each phase: bookings/s, reads/s, reads' p50/p99 (ms), read-your-writes violations (a token a
 * booker cannot read right after its booking, or a poller that sees its own token older than it
 * last saw it), where the reads went, and the CPU time of the primary's PostgreSQL processes (from
 * /proc) per read — both raw and with the bookings' share (the `book` phase's CPU per booking)
 * taken out. The machine is shared: the ratio within one run is the figure; `--runs` repeats.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { isOpdError, OpdScheduler, presets } from '../src/index.js';
import { migrate, PostgresStorage } from '../src/postgres/index.js';
import { replicaCounts } from '../src/postgres/storage.js';
import { benchOptions, median } from './args.js';
import { processCpuMs } from './cpu.js';

const opts = benchOptions('bench:reads', {
  seconds: { env: 'BENCH_SECONDS', default: 8, description: 'seconds per phase' },
  runs: { env: 'BENCH_RUNS', default: 3, description: 'runs of the three phases' },
  patients: { env: 'BENCH_PATIENTS', default: 300, description: 'patients polling their token' },
  poll: { env: 'BENCH_POLL_MS', default: 500, description: 'ms between two polls of one patient (a phone polls every minute: this packs a minute of a large hall into a second)' },
  boards: { env: 'BENCH_BOARDS', default: 16, description: 'boards refreshing their hall' },
  refresh: { env: 'BENCH_REFRESH_MS', default: 1000, description: 'ms between two refreshes of one board' },
  rate: { env: 'BENCH_RATE', default: 20, description: 'bookings offered per second' },
  doctors: { env: 'BENCH_DOCTORS', default: 16, description: 'doctors (halls), new ones for every phase' },
});

const urls = (process.env['OPD_HA_URLS'] ?? '').split(',').filter(Boolean);
const dir = process.env['OPD_HA_DIR'] ?? '';
if (urls.length !== 2 || dir === '') {
  console.error('bench:reads needs the cluster: bash scripts/pg-cluster.sh start, then set OPD_HA_URLS and OPD_HA_DIR from its env file');
  process.exit(2);
}
const TICKS = 100;
const schema = 'opd_bench_reads';
const day = new Date().toISOString().slice(0, 10);
const clock = () => new Date(`${day}T03:00:00Z`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one read spent where: waiting for a pool's connection, holding one (its round trip and the answer's decoding), and whether it went to the primary. */
interface ReadTiming {
  poolWait: number;
  held: number;
  primary: boolean;
}
const timing = new AsyncLocalStorage<ReadTiming>();
let primaryPool: pg.Pool | undefined;

/** A pool whose checkouts, made while a read is timed, add their wait and hold to the read's {@link ReadTiming}. */
function timedPool(pool: pg.Pool): pg.Pool {
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | undefined;
  (pool as { connect: unknown }).connect = (callback?: unknown) => {
    const read = timing.getStore();
    if (callback !== undefined || read === undefined) return connect(callback);
    const t0 = performance.now();
    return connect()!.then((client) => {
      const t1 = performance.now();
      read.poolWait += t1 - t0;
      if (pool === primaryPool) read.primary = true;
      const release = client.release;
      client.release = (destroy?: boolean | Error) => {
        client.release = release;
        read.held += performance.now() - t1;
        release.call(client, destroy);
      };
      return client;
    });
  };
  return pool;
}

const pools = urls.map((connectionString) => {
  const pool = new pg.Pool({ connectionString, max: 12, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  return timedPool(pool);
});

async function primaryIndex(): Promise<number> {
  for (;;) {
    const roles = await Promise.all(pools.map(async (p) => (await p.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r));
    const i = roles.indexOf(false);
    if (i >= 0 && roles.filter((r) => !r).length === 1) return i;
    await sleep(200);
  }
}

/** CPU ms of the processes of host `index`'s PostgreSQL (its postmaster and every child), by pid. */
function hostCpu(index: number): Map<number, number> {
  const postmaster = Number(readFileSync(join(dir, `node${String(index + 1)}`, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let parent = -1;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      continue;
    }
    if (pid !== postmaster && parent !== postmaster) continue;
    const ms = processCpuMs(pid, TICKS);
    if (ms !== null) out.set(pid, ms);
  }
  return out;
}

function cpuSince(index: number, before: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of hostCpu(index)) total += ms - (before.get(pid) ?? 0);
  return total;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Phase {
  /** Bookings completed per second of the phase (all offered ones complete: the rate offered, unless some failed). */
  bookings: number;
  bookingP99: number;
  reads: number;
  p50: number;
  p99: number;
  violations: number;
  cpuMs: number;
  onStandby: number;
  onPrimary: number;
  positions: number;
  failedReads: number;
  /** The event loop's delay over the phase (ms): p50, p99, max. */
  loopP50: number;
  loopP99: number;
  loopMax: number;
  /** p99 of a read's wait for a pool's connection, and of its time holding one (ms). */
  poolWaitP99: number;
  heldP99: number;
  /** The reads at or over the p99, on average: waiting for a connection, holding one, and the rest (the event loop, the position question, the views). */
  tailPoolWait: number;
  tailHeld: number;
  tailOther: number;
  /** Share of the reads that took a connection of the primary. */
  touchedPrimary: number;
}

let patientSeq = 0;

async function phase(kind: 'book' | 'primary' | 'standby', primary: number): Promise<Phase> {
  const standby = 1 - primary;
  const storage = new PostgresStorage({ db: pools, schema, ...(kind === 'standby' ? { read: [pools[standby]!] } : {}) });
  const opd = new OpdScheduler({ ...presets.cascade(), storage, clock });
  const doctors = await addDoctors(opd);
  // The tokens each patient polls: booked now, before the phase, by this scheduler.
  const polled: { id: string; doctor: string }[] = [];
  if (kind !== 'book') for (let i = 0; i < opts.patients; i++) polled.push({ id: (await book(opd, doctors[i % doctors.length]!)).id, doctor: doctors[i % doctors.length]! });
  const latencies: number[] = [];
  const timings: { total: number; poolWait: number; held: number; primary: boolean }[] = [];
  let bookings = 0;
  const bookingLatencies: number[] = [];
  let violations = 0;
  let failedReads = 0;
  let stop = false;
  const timed = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    const t: ReadTiming = { poolWait: 0, held: 0, primary: false };
    const t0 = performance.now();
    try {
      const out = await timing.run(t, read);
      const total = performance.now() - t0;
      latencies.push(total);
      timings.push({ total, ...t });
      return out;
    } catch (error) {
      failedReads++;
      if (!isOpdError(error)) throw error;
      return undefined;
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = hostCpu(primary);
  const started = performance.now();
  const loops: Promise<void>[] = [];
  /** Runs `work` every `everyMs` from a random start, without waiting for the last to end (an open loop): a slow answer delays no next one. */
  const every = (everyMs: number, work: () => Promise<void>): void => {
    loops.push(
      (async () => {
        await sleep(Math.random() * everyMs);
        const mine: Promise<void>[] = [];
        for (let next = performance.now(); !stop; next += everyMs) {
          mine.push(work());
          await sleep(Math.max(0, next + everyMs - performance.now()));
        }
        await Promise.all(mine);
      })()
    );
  };
  let n = 0;
  every(1000 / opts.rate, async () => {
    const t0 = performance.now();
    const token = await book(opd, doctors[n++ % doctors.length]!).catch(() => undefined);
    if (token === undefined) return;
    bookingLatencies.push(performance.now() - t0);
    bookings++;
    // Read-your-writes: the booker reads its booking at once, from whichever pool it is routed to.
    if (kind !== 'book') {
      const seen = await timed(() => opd.getToken(token.id));
      if (seen === undefined || seen.id !== token.id) violations++;
    }
  });
  if (kind !== 'book') {
    for (const t of polled) {
      every(opts.poll, async () => {
        const seen = await timed(() => opd.getToken(t.id));
        if (seen !== undefined && seen.id !== t.id) violations++;
      });
    }
    for (let m = 0; m < opts.boards; m++) {
      every(opts.refresh, async () => {
        await timed(() => opd.getSchedule(doctors[m % doctors.length]!, day));
      });
    }
  }
  await sleep(opts.seconds * 1000);
  stop = true;
  await Promise.all(loops);
  const elapsed = (performance.now() - started) / 1000;
  const cpuMs = cpuSince(primary, cpu0);
  loop.disable();
  const counts = replicaCounts(storage)!;
  await opd.close();
  latencies.sort((a, b) => a - b);
  bookingLatencies.sort((a, b) => a - b);
  const p99 = quantile(latencies, 0.99);
  const tail = timings.filter((r) => r.total >= p99);
  const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  return {
    loopP50: loop.percentile(50) / 1e6,
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
    poolWaitP99: quantile(sorted(timings.map((r) => r.poolWait)), 0.99),
    heldP99: quantile(sorted(timings.map((r) => r.held)), 0.99),
    tailPoolWait: mean(tail.map((r) => r.poolWait)),
    tailHeld: mean(tail.map((r) => r.held)),
    tailOther: mean(tail.map((r) => r.total - r.poolWait - r.held)),
    touchedPrimary: timings.filter((r) => r.primary).length / Math.max(1, timings.length),
    bookings: bookings / opts.seconds,
    bookingP99: quantile(bookingLatencies, 0.99),
    reads: latencies.length / elapsed,
    p50: quantile(latencies, 0.5),
    p99,
    violations,
    cpuMs: cpuMs / elapsed,
    onStandby: counts.standby,
    onPrimary: counts.primary,
    positions: counts.positions,
    failedReads,
  };
}

let doctorSeq = 0;

/** New doctors, each with one slot for the day: every phase starts on days of its own. */
async function addDoctors(opd: OpdScheduler): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < opts.doctors; i++) {
    const id = `D${String(++doctorSeq)}`;
    await opd.addDoctor({ id, name: `Dr ${id}` });
    await opd.addSlots(id, [{ id: `${id}-day`, start: `${day}T04:00:00Z`, end: `${day}T12:00:00Z`, capacity: 10_000 }]);
    out.push(id);
  }
  return out;
}

async function book(opd: OpdScheduler, doctorId: string): Promise<{ id: string }> {
  const { token } = await opd.book({ doctorId, slotId: `${doctorId}-day`, category: 'ONLINE', patient: { id: `p${String(++patientSeq)}`, name: 'n' } });
  return token;
}

async function main(): Promise<void> {
  const primary = await primaryIndex();
  primaryPool = pools[primary];
  await pools[primary]!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await migrate(pools, { schema });
  console.log(
    `bench:reads: ${String(opts.patients)} patients polling every ${String(opts.poll)} ms, ${String(opts.boards)} boards every ${String(opts.refresh)} ms, ` +
      `${String(opts.rate)} bookings/s offered, ${String(opts.doctors)} doctors, ${String(opts.seconds)} s per phase; primary host ${String(primary + 1)}`
  );
  const rows: Record<string, number>[] = [];
  for (let run = 0; run < opts.runs; run++) {
    const alone = await phase('book', primary);
    const onPrimary = await phase('primary', primary);
    const onStandby = await phase('standby', primary);
    const perBooking = alone.cpuMs / alone.bookings;
    const perRead = (p: Phase) => p.cpuMs / p.reads;
    const perReadNet = (p: Phase) => (p.cpuMs - p.bookings * perBooking) / p.reads;
    const row = {
      run: run + 1,
      bookingsAlone: alone.bookings,
      bookingsPrimary: onPrimary.bookings,
      bookingsStandby: onStandby.bookings,
      bookingP99Alone: alone.bookingP99,
      bookingP99Primary: onPrimary.bookingP99,
      bookingP99Standby: onStandby.bookingP99,
      readsPrimary: onPrimary.reads,
      readsStandby: onStandby.reads,
      p50Primary: onPrimary.p50,
      p99Primary: onPrimary.p99,
      p50Standby: onStandby.p50,
      p99Standby: onStandby.p99,
      loopP99Primary: onPrimary.loopP99,
      loopP99Standby: onStandby.loopP99,
      loopMaxStandby: onStandby.loopMax,
      poolWaitP99Primary: onPrimary.poolWaitP99,
      poolWaitP99Standby: onStandby.poolWaitP99,
      heldP99Primary: onPrimary.heldP99,
      heldP99Standby: onStandby.heldP99,
      tailPoolWaitStandby: onStandby.tailPoolWait,
      tailHeldStandby: onStandby.tailHeld,
      tailOtherStandby: onStandby.tailOther,
      tailPoolWaitPrimary: onPrimary.tailPoolWait,
      tailHeldPrimary: onPrimary.tailHeld,
      tailOtherPrimary: onPrimary.tailOther,
      touchedPrimaryStandby: onStandby.touchedPrimary,
      violations: onPrimary.violations + onStandby.violations,
      failedReads: onPrimary.failedReads + onStandby.failedReads,
      cpuPerBookingMs: perBooking,
      cpuPerReadPrimaryMs: perRead(onPrimary),
      cpuPerReadStandbyMs: perRead(onStandby),
      netCpuPerReadPrimaryMs: perReadNet(onPrimary),
      netCpuPerReadStandbyMs: perReadNet(onStandby),
      servedByStandby: onStandby.onStandby / (onStandby.onStandby + onStandby.onPrimary),
      positionsPerRead: onStandby.positions / (onStandby.onStandby + onStandby.onPrimary),
    };
    rows.push(row);
    console.log(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(4)) : v)));
  }
  const keys = Object.keys(rows[0]!).filter((k) => k !== 'run');
  const medians = Object.fromEntries(keys.map((k) => [k, Number(median(rows.map((r) => r[k]!)).toFixed(4))]));
  console.log(`medians of ${String(rows.length)} runs: ${JSON.stringify(medians)}`);
  console.log(
    `primary CPU per read, standby/primary-only: ${(medians['cpuPerReadStandbyMs']! / medians['cpuPerReadPrimaryMs']!).toFixed(3)} raw, ` +
      `${(medians['netCpuPerReadStandbyMs']! / medians['netCpuPerReadPrimaryMs']!).toFixed(3)} net of the bookings`
  );
  await pools[primary]!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await Promise.all(pools.map((p) => p.end()));
}

await main();
