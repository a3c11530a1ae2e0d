/**
 * `npm run bench:budgets [-- --ci]`: the product's costs as ratios measured in one run, each
 * beside its budget. The machines are shared and noisy, so no row is an absolute time: each is a
 * ratio of two things measured in the same run, by CPU time (user + system) of processes of their
 * own, run alternately, the median of `--runs` (default 3).
 *
 * Rows:
 * - **journeys**: the hospital day (`examples/day-simulation`, scenario `hospital`) with its
 *   journeys (registration, vitals, the lab and back) over the same day with `--no-journeys`.
 *   Budget ≤ 1.5× (`--ci`, on a 30-doctor hospital: a guard at ≤ 2×).
 * - **mixed day**: `npm run bench`'s in-memory mixed day per call over its bare awaited booking
 *   (`bench/book.bench.ts`). Budget ≤ 40× (21–35× in docs/benchmarks.md's history; 35× until the
 *   machine's own drift put the median at 34.5×); `--ci` guards it at ≤ 50× (a loaded CI machine
 *   read 41.8× with no change to the engine, where a settled one reads 28–30×).
 * - **booking on PostgreSQL** (with DATABASE_URL and pgbench; not in `--ci`): `npm run bench:pg`'s
 *   bookings spread over 50 doctors against pgbench's tpcb-like transactions in the same run
 *   (≥ 1.0×), and the CPU per booking in the client (≤ 0.5 ms) and in the server (≤ 0.85 ms).
 * - **a year replayed** (not in `--ci`): `npm run bench:replay`'s replay of a year of the
 *   100-doctor hospital under one policy (its CPU), over the machine's yardstick measured in the
 *   same run (`bench/yardstick.ts`: fixed JavaScript work that uses nothing of the library, so it
 *   moves with the machine and never with the engine). The budget, a year in 5 minutes, is 300 s
 *   over the yardstick's 1.62 s of CPU on a quiet machine (median of seven, docs/benchmarks.md):
 *   ≤ 185×. (Until 2026-11-30 the floor was the in-memory mixed day, which the engine's own
 *   speed-ups made cheaper faster than the replay: its 90× came to stand for less than five minutes.)
 *
 * `--ci`: the cheap subset `.ci/run` runs — the journeys ratio on a 30-doctor hospital and the
 * mixed day over its floor — exiting non-zero when a row is over its budget. The full run prints
 * every row and exits non-zero too when one is over.
 *
 * Flags: `--ci`, `--runs <n>`, `--doctors <n>` (the journeys row's hospital; 200, or 30 with
 * `--ci`), `--year-days <n>` (365), `--year-doctors <n>` (100).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { median } from './args.js';

interface Measure {
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
}

/** A row of the table: its ratio (median of the runs), the budget, and the runs' ratios. */
interface Row {
  readonly name: string;
  readonly ratio: number | null;
  readonly budget: string;
  readonly within: boolean | null;
  readonly detail: string;
}

const HERE = import.meta.filename;
const ROOT = join(import.meta.dirname, '..');

/** Runs this file in a process of its own in `--measure` mode and reads the figures it prints. */
function child(args: readonly string[], env: Record<string, string> = {}): Measure {
  const out = spawnSync(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', HERE, '--measure', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  if (out.status !== 0) throw new Error(`bench:budgets: measuring ${args.join(' ')} failed:\n${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as Measure;
}

/** Runs a script of the repository (`node --import tsx`) and answers its stdout. */
function script(file: string, args: readonly string[], env: Record<string, string>): string {
  const out = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', join(ROOT, file), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  if (out.status !== 0) throw new Error(`bench:budgets: ${file} failed:\n${out.stderr}`);
  return out.stdout;
}

/** What one measuring process does: one day simulated, or one mixed day. Prints `{ cpuSeconds, wallSeconds }`. */
async function measure(what: string, args: readonly string[]): Promise<void> {
  if (what === 'day') {
    const [doctors, journeys] = args;
    const { parseFlags } = await import('../examples/day-simulation/cli.js');
    const { simulate } = await import('../examples/day-simulation/run.js');
    const options = parseFlags(['--scenario', 'hospital', '--doctors', doctors!, '--no-report', ...(journeys === 'off' ? ['--no-journeys'] : [])]);
    const at = process.cpuUsage();
    const start = performance.now();
    const outcome = await simulate(options);
    if (!outcome.ok) throw new Error('the simulated day failed a consistency check');
    const spent = process.cpuUsage(at);
    process.stdout.write(`${JSON.stringify({ cpuSeconds: (spent.user + spent.system) / 1e6, wallSeconds: (performance.now() - start) / 1000 })}\n`);
    return;
  }
  if (what === 'yardstick') {
    const { yardstick } = await import('./yardstick.js');
    const { cpuSeconds, wallSeconds } = yardstick();
    process.stdout.write(`${JSON.stringify({ cpuSeconds, wallSeconds })}\n`);
    return;
  }
  if (what === 'mixed') {
    const { mixedDay } = await import('./mixed-day.js');
    const day = await mixedDay(Number(args[0]), 22);
    process.stdout.write(`${JSON.stringify({ cpuSeconds: day.cpuNs / 1e9, wallSeconds: day.elapsedNs / 1e9 })}\n`);
    return;
  }
  throw new Error(`bench:budgets: unknown measure ${what}`);
}

const fmt = (x: number, digits = 2): string => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The hospital day with and without journeys, alternately, `runs` times each. */
function journeysRow(doctors: number, runs: number, limit: number): Row {
  const ratios: number[] = [];
  const on: Measure[] = [];
  const off: Measure[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first: neither always meets the other's leftovers on the machine.
    const first = i % 2 === 0 ? 'off' : 'on';
    const a = child(['day', String(doctors), first]);
    const b = child(['day', String(doctors), first === 'off' ? 'on' : 'off']);
    const [without, withJourneys] = first === 'off' ? [a, b] : [b, a];
    off.push(without);
    on.push(withJourneys);
    ratios.push(withJourneys.cpuSeconds / without.cpuSeconds);
  }
  const ratio = median(ratios);
  return {
    name: `hospital day (${doctors} doctors), journeys / --no-journeys, CPU`,
    ratio,
    budget: `≤ ${fmt(limit)}×`,
    within: ratio <= limit,
    detail: `runs ${ratios.map((r) => fmt(r)).join(' / ')}; with journeys ${fmt(median(on.map((m) => m.cpuSeconds)), 1)} s CPU (${fmt(median(on.map((m) => m.wallSeconds)), 1)} s wall), without ${fmt(median(off.map((m) => m.cpuSeconds)), 1)} s CPU (${fmt(median(off.map((m) => m.wallSeconds)), 1)} s wall)`,
  };
}

/** `npm run bench`'s mixed day over its bare floor (its own runs, the median of their ratios), against `limit`. */
function mixedRow(runs: number, limit: number): Row {
  const out = script('bench/book.bench.ts', [], { BENCH_JSON: '1', BENCH_REPLAY: '0', BENCH_RUNS: String(runs), BENCH_DAYS: '1', BENCH_DOCTORS: '100' });
  const json = JSON.parse(out.trim().split('\n').at(-1)!) as {
    summary: { mixedCpuOverBare: number; mixedCpuNsPerCall: number; bareCpuNs: number };
    rounds: { mixed: { cpuNsPerOperation: number }; bare: { cpuNsPerBooking: number } }[];
  };
  const ratio = json.summary.mixedCpuOverBare;
  return {
    name: 'in-memory mixed day (100 doctors), per call / bare awaited booking, CPU',
    ratio,
    budget: `≤ ${fmt(limit, 0)}×`,
    within: ratio <= limit,
    detail: `runs ${json.rounds.map((r) => fmt(r.mixed.cpuNsPerOperation / r.bare.cpuNsPerBooking, 1)).join(' / ')}; ${fmt(json.summary.mixedCpuNsPerCall / 1000, 1)} µs CPU per call, bare ${fmt(json.summary.bareCpuNs / 1000, 2)} µs`,
  };
}

/** `npm run bench:pg`'s medians: bookings against pgbench, CPU per booking. */
function bookingRows(runs: number): Row[] {
  const dir = mkdtempSync(join(tmpdir(), 'bench-budgets-'));
  try {
    const file = join(dir, 'pg.json');
    script('bench/pg.bench.ts', [], { BENCH_RUNS: String(runs), BENCH_SECONDS: process.env['BENCH_SECONDS'] ?? '8', BENCH_JSON_FILE: file });
    const m = JSON.parse(readFileSync(file, 'utf8')) as { spreadRatio: number[]; clientCpu: number[]; serverCpu: number[]; p99: number[] };
    const spread = median(m.spreadRatio);
    const client = median(m.clientCpu);
    const server = median(m.serverCpu);
    return [
      {
        name: 'PostgreSQL bookings over 50 doctors / pgbench tpcb-like, per second',
        ratio: spread,
        budget: '≥ 1.00×',
        within: spread >= 1,
        detail: `runs ${m.spreadRatio.map((r) => fmt(r)).join(' / ')}; p99 ${fmt(median(m.p99), 1)} ms`,
      },
      {
        name: 'PostgreSQL booking, client CPU per booking (ms)',
        ratio: client,
        budget: '≤ 0.50 ms',
        within: client <= 0.5,
        detail: `runs ${m.clientCpu.map((r) => fmt(r)).join(' / ')}`,
      },
      {
        name: 'PostgreSQL booking, server CPU per booking (ms)',
        ratio: server,
        budget: '≤ 0.85 ms',
        within: server <= 0.85,
        detail: `runs ${m.serverCpu.map((r) => fmt(r)).join(' / ')}`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The yardstick's CPU seconds on a quiet machine (median of seven runs, 2026-11-30): five minutes is {@link YEAR_BUDGET} of it. */
const YARDSTICK_QUIET = 1.62;
/** A year in five minutes, in yardsticks. */
const YEAR_BUDGET = Math.floor(300 / YARDSTICK_QUIET);

/** A year of the hospital replayed (`bench:replay`), over the machine's yardstick measured in the same run. */
function yearRow(days: number, doctors: number, runs: number): Row {
  const out = script('bench/replay.bench.ts', ['--days', String(days), '--doctors', String(doctors), '--runs', String(runs)], {});
  const replays = [...out.matchAll(/replay ([\d.]+) s wall \/ ([\d.]+) s CPU/g)].map((m) => ({ wall: Number(m[1]), cpu: Number(m[2]) }));
  const rss = [...out.matchAll(/peak RSS (\d+) MB/g)].map((m) => Number(m[1]));
  if (replays.length === 0) throw new Error(`bench:budgets: no replay figures in bench:replay's output:\n${out}`);
  const floors = replays.map(() => child(['yardstick']));
  const ratios = replays.map((r, i) => r.cpu / floors[i]!.cpuSeconds);
  const ratio = median(ratios);
  // Fewer days than a year (`--year-days`) are held to the year's rate.
  const budget = (YEAR_BUDGET * days) / 365;
  return {
    name: `a year replayed (${days} days, ${doctors} doctors, one policy) / the machine's yardstick, CPU`,
    ratio,
    budget: days === 365 ? `≤ ${YEAR_BUDGET}× (5 min)` : `≤ ${fmt(budget, 1)}× (5 min a year)`,
    within: ratio <= budget,
    detail: `runs ${ratios.map((r) => fmt(r, 1)).join(' / ')}; replay ${fmt(median(replays.map((r) => r.cpu)), 0)} s CPU, ${fmt(median(replays.map((r) => r.wall)), 0)} s wall, peak RSS ${fmt(median(rss), 0)} MB; yardstick ${fmt(median(floors.map((f) => f.cpuSeconds)), 2)} s CPU (${fmt(YARDSTICK_QUIET)} s quiet): a year at this rate ${fmt((ratio * YARDSTICK_QUIET * 365) / days / 60, 1)} min on a quiet machine`,
  };
}

/**
 * Waits, up to three minutes, for the machine to settle (the one-minute load average under half
 * a runnable process per core) before measuring: a ratio measured while another job still runs
 * (a test run ending, a database checkpoint) is the ratio of two unequal machines. Measures
 * anyway when the machine stays busy, and says so.
 */
async function settle(load: () => string): Promise<void> {
  const cores = availableParallelism();
  const deadline = performance.now() + 180_000;
  if (loadavg()[0]! < cores * 0.5) return;
  while (loadavg()[0]! >= cores * 0.5 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5_000));
  process.stdout.write(
    loadavg()[0]! < cores * 0.5 ? `settled: load average ${load()}\n` : `still busy after three minutes (load average ${load()}); measuring anyway\n`,
  );
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      ci: { type: 'boolean' },
      measure: { type: 'string' },
      runs: { type: 'string' },
      doctors: { type: 'string' },
      'year-days': { type: 'string' },
      'year-doctors': { type: 'string' },
    },
    allowPositionals: true,
  });
  if (values.measure !== undefined) {
    await measure(values.measure, positionals);
    return 0;
  }
  const ci = values.ci === true;
  // `--ci` measures five times (a ratio of two CPU times is steadier at the median of five on a
  // shared machine); the full run three times, each run a longer one.
  const runs = Number(values.runs ?? (ci ? 5 : 3));
  const doctors = Number(values.doctors ?? (ci ? 30 : 200));
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  process.stdout.write(`bench:budgets${ci ? ' --ci' : ''} — ${runs} runs, medians of the per-run ratios; load average ${load()}\n`);
  await settle(load);
  // The journeys' budget is 1.5× on 200 doctors; `--ci` guards the 30-doctor day at 2× (1.27–1.42×
  // there on 2026-11-30, on a machine 1.75× slower than quiet): room for a loaded machine, none
  // for a regression such as the hidden classes of one token each (2.2× there).
  // The mixed day's ratio rests on a floor of under 2 µs a booking, the noisiest figure here (its
  // per-run ratios of one settled CI run spread from 21× to 41×): `--ci` takes it over seven runs.
  // Its budget is 40× on a quiet machine; `--ci` guards it at 50×: a CI run on 2026-12-01 read
  // 41.8× (runs 22.6 to 56.8, the load average rising to 2.5 while it measured) on a tree that
  // reads 28–30× settled, so 40× there failed on the machine, not the engine. 50× still fails a
  // change that makes a call two-thirds dearer; a smaller one is `npm run bench:ab`'s to find.
  const rows: Row[] = [journeysRow(doctors, runs, ci ? 2 : 1.5), mixedRow(ci ? Math.max(runs, 7) : runs, ci ? 50 : 40)];
  if (!ci) {
    const url = process.env['DATABASE_URL'];
    if (url === undefined || url === '')
      rows.push({
        name: 'PostgreSQL booking against pgbench',
        ratio: null,
        budget: '≥ 1.00×, ≤ 0.50 / 0.85 ms',
        within: null,
        detail: 'not measured: DATABASE_URL is not set',
      });
    else rows.push(...bookingRows(runs));
    rows.push(yearRow(Number(values['year-days'] ?? 365), Number(values['year-doctors'] ?? 100), runs));
  }
  const table = [
    ['row', 'ratio', 'budget', 'within'],
    ...rows.map((r) => [
      r.name,
      r.ratio === null ? '—' : r.budget.includes('ms') && !r.budget.includes('×') ? fmt(r.ratio) : `${fmt(r.ratio)}×`,
      r.budget,
      r.within === null ? 'not measured' : r.within ? 'yes' : 'OVER',
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  process.stdout.write(`\n${table.map((row) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`).join('\n')}\n\n`);
  for (const r of rows) process.stdout.write(`${r.name}: ${r.detail}\n`);
  process.stdout.write(`load average now ${load()}\n`);
  return rows.some((r) => r.within === false) ? 1 : 0;
}

process.exitCode = await main();
