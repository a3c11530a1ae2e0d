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
 * The patients poll from the main process, on the scheduler that books, beside the bookers and the
 * boards; with `BENCH_POLLERS=processes` they poll from `--workers` processes of their own
 * (forked, kept for every phase), each with a scheduler and pools of its own, as the app servers
 * that answer the patients' phones would.
 *
 * For each phase: bookings/s, reads/s, the polls' p50/p99 (ms) and, apart, the p99 of the reads of
 * the scheduler that books (each booker's read of its booking, which waits for the primary's WAL
 * position, and the boards); where a poll's time went (its wait for a pool's connection, its time
 * holding one, and the rest: the client's event loop, the position question, the views) and the
 * event loop's delay of each process; read-your-writes violations (a token a booker cannot read
 * right after its booking, or a poller shown another token); where the reads went; and the CPU
 * time of the primary's PostgreSQL processes (from /proc) per read — both raw and with the
 * bookings' share (the `book` phase's CPU per booking) taken out; beside it the standby's CPU per
 * read and this process's (the bookings and boards included, and the polls when they run here).
 * Before a phase's clock starts, every polled token and board is read once (connections open,
 * statements prepared), so that a phase measures a process that has served a while;
 * `BENCH_TAIL=1` prints when the slowest 1 % of the polls began. The machine is shared: the ratio
 * within one run is the figure; `--runs` repeats.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { isOpdError, OpdScheduler, presets } from '../src/index.js';
import { migrate, PostgresStorage } from '../src/postgres/index.js';
import { replicaCounts } from '../src/postgres/storage.js';
import { benchOptions, median } from './args.js';
import { processCpuMs } from './cpu.js';
import { quantile, ReadClock, type ReadSample, summary } from './read-timing.js';
import type { PollerData, PollerPhase } from './reads-worker.js';

const opts = benchOptions('bench:reads', {
  seconds: { env: 'BENCH_SECONDS', default: 8, description: 'seconds per phase' },
  runs: { env: 'BENCH_RUNS', default: 3, description: 'runs of the three phases' },
  patients: {
    env: 'BENCH_PATIENTS',
    default: 100,
    description:
      'patients polling their token (100 every 500 ms: 200 polls a second, as 12,000 phones polling once a minute; 300 saturate this two-core machine, see docs/benchmarks.md)',
  },
  poll: {
    env: 'BENCH_POLL_MS',
    default: 500,
    description: 'ms between two polls of one patient (a phone polls every minute: this packs a minute of a large hall into a second)',
  },
  boards: { env: 'BENCH_BOARDS', default: 16, description: 'boards refreshing their hall' },
  refresh: { env: 'BENCH_REFRESH_MS', default: 1000, description: 'ms between two refreshes of one board' },
  rate: { env: 'BENCH_RATE', default: 20, description: 'bookings offered per second' },
  doctors: { env: 'BENCH_DOCTORS', default: 16, description: 'doctors (halls), new ones for every phase' },
  workers: { env: 'BENCH_WORKERS', default: 2, description: 'processes the patients poll from, with BENCH_POLLERS=processes' },
  pool: { env: 'BENCH_POOL', default: 12, description: 'connections per host in each process' },
});
const inline = process.env['BENCH_POLLERS'] !== 'processes';

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

const clock0 = new ReadClock();
const pools = urls.map((connectionString) => {
  const pool = new pg.Pool({ connectionString, max: opts.pool, connectionTimeoutMillis: 2000 });
  pool.on('error', () => undefined);
  return clock0.timedPool(pool);
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

interface Phase {
  /** Bookings completed per second of the phase (all offered ones complete: the rate offered, unless some failed). */
  bookings: number;
  bookingP99: number;
  reads: number;
  /** The polls: p50, p99 and where their time went (see `summary`). */
  poll: ReturnType<typeof summary>;
  /** The reads of the scheduler that books: each booker's read of its booking, and the boards. */
  own: ReturnType<typeof summary>;
  /** The event loop's delay, p99 (ms): the main process's, and the worst of the poller processes. */
  mainLoopP99: number;
  pollLoopP99: number;
  violations: number;
  /** CPU ms per second of the phase: the primary's PostgreSQL, the standby's, and this process (the bookings, the boards and, inline, the polls). */
  cpuMs: number;
  standbyCpuMs: number;
  clientCpuMs: number;
  onStandby: number;
  onPrimary: number;
  /** Standby reads refused because the standby had not replayed the position asked for. */
  behind: number;
  positions: number;
  failedReads: number;
}

/** The poller processes, started once for every phase and run. */
const workers: ChildProcess[] = [];

function startWorkers(): void {
  for (let w = 0; w < opts.workers; w++) {
    const data: PollerData = { urls, schema, day, pollMs: opts.poll, seconds: opts.seconds, poolMax: opts.pool };
    const worker = fork(fileURLToPath(new URL('./reads-worker.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], serialization: 'advanced' });
    worker.on('exit', (code) => {
      if (code !== 0 && code !== null) {
        console.error(`a poller process exited with ${String(code)}`);
        process.exit(1);
      }
    });
    worker.send(data);
    workers.push(worker);
  }
}

const answer = <T>(worker: ChildProcess): Promise<T> => new Promise<T>((resolve) => worker.once('message', (message) => resolve(message as T)));

/** Gives the workers their tokens for a phase and waits until each has read them once; resolves with a function that lets them poll and collects what they measured. */
async function startPollers(tokens: readonly string[], primary: number, standby: boolean): Promise<() => Promise<ReadSample[]>> {
  const ready = workers.map((worker, w) => {
    const phase: PollerPhase = { primary, standby, tokens: tokens.filter((_, i) => i % workers.length === w) };
    const answered = answer<unknown>(worker);
    worker.send(phase);
    return answered;
  });
  await Promise.all(ready);
  return async () => {
    const samples = workers.map((worker) => answer<ReadSample>(worker));
    for (const worker of workers) worker.send('go');
    return Promise.all(samples);
  };
}

let patientSeq = 0;

async function phase(kind: 'book' | 'primary' | 'standby', primary: number): Promise<Phase> {
  const standby = 1 - primary;
  const storage = new PostgresStorage({ db: pools, schema, ...(kind === 'standby' ? { read: [pools[standby]!] } : {}) });
  const opd = new OpdScheduler({ ...presets.cascade(), storage, clock });
  const doctors = await addDoctors(opd);
  // The tokens each patient polls: booked now, before the phase, by this scheduler.
  const polled: { id: string; doctor: string }[] = [];
  if (kind !== 'book')
    for (let i = 0; i < opts.patients; i++) polled.push({ id: (await book(opd, doctors[i % doctors.length]!)).id, doctor: doctors[i % doctors.length]! });
  let bookings = 0;
  const bookingLatencies: number[] = [];
  let stop = false;
  clock0.primaryPool = pools[primary];
  const pollers =
    kind === 'book' || inline
      ? undefined
      : await startPollers(
          polled.map((t) => t.id),
          primary,
          kind === 'standby',
        );
  if (kind !== 'book' && inline) {
    // Every token and board read once before the clock starts, as by a process that has served a
    // while (its pools' connections open, its statements prepared): the phase measures a process
    // that runs on, not one starting (`BENCH_TAIL` shows when the slowest reads began).
    for (let i = 0; i < polled.length; i += opts.pool) await Promise.all(polled.slice(i, i + opts.pool).map((t) => opd.getToken(t.id)));
    await Promise.all(doctors.map((d) => opd.getSchedule(d, day)));
  }
  clock0.start();
  const polling = pollers?.();
  const cpu0 = hostCpu(primary);
  const cpuStandby0 = hostCpu(standby);
  const client0 = process.cpuUsage();
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
      })(),
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
      const seen = await clock0.time('own', () => opd.getToken(token.id), isOpdError);
      if (seen === undefined || seen.id !== token.id) clock0.violations++;
    }
  });
  if (kind !== 'book') {
    if (inline) {
      for (const t of polled) {
        every(opts.poll, async () => {
          const seen = await clock0.time('poll', () => opd.getToken(t.id), isOpdError);
          if (seen !== undefined && seen.id !== t.id) clock0.violations++;
        });
      }
    }
    for (let m = 0; m < opts.boards; m++) {
      every(opts.refresh, async () => {
        await clock0.time('board', () => opd.getSchedule(doctors[m % doctors.length]!, day), isOpdError);
      });
    }
  }
  await sleep(opts.seconds * 1000);
  stop = true;
  await Promise.all(loops);
  const samples = (await polling) ?? [];
  const elapsed = (performance.now() - started) / 1000;
  const cpuMs = cpuSince(primary, cpu0);
  const standbyCpuMs = cpuSince(standby, cpuStandby0);
  const client = process.cpuUsage(client0);
  const main = clock0.sample();
  const counts = replicaCounts(storage)!;
  await opd.close();
  bookingLatencies.sort((a, b) => a - b);
  const all = [...main.reads, ...samples.flatMap((w) => w.reads)];
  if (process.env['BENCH_TAIL'] !== undefined) {
    const polls = all.filter((r) => r.who === 'poll');
    const p99 = summary(polls).p99;
    const slow = polls.filter((r) => r.total >= p99).map((r) => Math.round(r.at / 100) / 10);
    console.error(`${kind}: the slowest 1 % began at (s): ${slow.sort((a, b) => a - b).join(' ')}`);
  }
  return {
    bookings: bookings / opts.seconds,
    bookingP99: quantile(bookingLatencies, 0.99),
    reads: all.length / elapsed,
    poll: summary(all.filter((r) => r.who === 'poll')),
    own: summary(all.filter((r) => r.who !== 'poll')),
    mainLoopP99: main.loop.p99,
    pollLoopP99: inline ? main.loop.p99 : Math.max(...samples.map((w) => w.loop.p99)),
    violations: main.violations + samples.reduce((n, w) => n + w.violations, 0),
    cpuMs: cpuMs / elapsed,
    standbyCpuMs: standbyCpuMs / elapsed,
    clientCpuMs: (client.user + client.system) / 1000 / elapsed,
    onStandby: counts.standby + samples.reduce((n, w) => n + (w.counts?.standby ?? 0), 0),
    onPrimary: counts.primary + samples.reduce((n, w) => n + (w.counts?.primary ?? 0), 0),
    behind: counts.behind + samples.reduce((n, w) => n + (w.counts?.behind ?? 0), 0),
    positions: counts.positions,
    failedReads: main.failed + samples.reduce((n, w) => n + w.failed, 0),
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
  await pools[primary]!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await migrate(pools, { schema });
  console.log(
    `bench:reads: ${String(opts.patients)} patients polling every ${String(opts.poll)} ms, ${String(opts.boards)} boards every ${String(opts.refresh)} ms, ` +
      `${String(opts.rate)} bookings/s offered, ${String(opts.doctors)} doctors, ${String(opts.seconds)} s per phase, pollers ${inline ? 'in the main process' : `in ${String(opts.workers)} processes of their own`}, ` +
      `${String(opts.pool)} connections per host per process; primary host ${String(primary + 1)}`,
  );
  if (!inline) startWorkers();
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
      p50Primary: onPrimary.poll.p50,
      p99Primary: onPrimary.poll.p99,
      p50Standby: onStandby.poll.p50,
      p99Standby: onStandby.poll.p99,
      ownP99Primary: onPrimary.own.p99,
      ownP99Standby: onStandby.own.p99,
      pollLoopP99Primary: onPrimary.pollLoopP99,
      pollLoopP99Standby: onStandby.pollLoopP99,
      mainLoopP99Primary: onPrimary.mainLoopP99,
      mainLoopP99Standby: onStandby.mainLoopP99,
      poolWaitP99Primary: onPrimary.poll.poolWaitP99,
      poolWaitP99Standby: onStandby.poll.poolWaitP99,
      heldP99Primary: onPrimary.poll.heldP99,
      heldP99Standby: onStandby.poll.heldP99,
      tailPoolWaitStandby: onStandby.poll.tailPoolWait,
      tailHeldStandby: onStandby.poll.tailHeld,
      tailOtherStandby: onStandby.poll.tailOther,
      tailPoolWaitPrimary: onPrimary.poll.tailPoolWait,
      tailHeldPrimary: onPrimary.poll.tailHeld,
      tailOtherPrimary: onPrimary.poll.tailOther,
      violations: onPrimary.violations + onStandby.violations,
      failedReads: onPrimary.failedReads + onStandby.failedReads,
      cpuPerBookingMs: perBooking,
      cpuPerReadPrimaryMs: perRead(onPrimary),
      cpuPerReadStandbyMs: perRead(onStandby),
      netCpuPerReadPrimaryMs: perReadNet(onPrimary),
      netCpuPerReadStandbyMs: perReadNet(onStandby),
      standbyCpuPerReadMs: onStandby.standbyCpuMs / onStandby.reads,
      clientCpuPerReadPrimaryMs: onPrimary.clientCpuMs / onPrimary.reads,
      clientCpuPerReadStandbyMs: onStandby.clientCpuMs / onStandby.reads,
      servedByStandby: onStandby.onStandby / (onStandby.onStandby + onStandby.onPrimary),
      behindStandby: onStandby.behind,
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
      `${(medians['netCpuPerReadStandbyMs']! / medians['netCpuPerReadPrimaryMs']!).toFixed(3)} net of the bookings`,
  );
  for (const worker of workers) worker.send('end');
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
  await pools[primary]!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await Promise.all(pools.map((p) => p.end()));
}

await main();
