/**
 * `npm run bench:boards`: booking latency of the example HTTP server with no display board open
 * and with many boards (800 by default) open on the doctor being booked, each board following
 * `/display/:doctorId/events`.
 *
 * The server runs in its own process (`bench/http-target.ts opd`: in memory, an API key, request
 * logs to /dev/null), a fresh one per measurement. The boards connect from this process and each
 * must receive its first board before the bookings start. Bookings are then made one after the
 * other for that doctor's day, so every one changes what the boards show; each booking's latency
 * is measured, and the server's CPU time per booking (from /proc). `--before <dir>` measures
 * another checkout of the repository in the same runs, alternating with this one.
 *
 * Flags (or environment): --boards (BENCH_BOARDS, 800), --bookings (BENCH_BOOKINGS, 200),
 * --runs (BENCH_RUNS, 3), --before <dir>.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { request, type ClientRequest } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchOptions } from './args.js';
import { processCpuMs } from './cpu.js';
import { BENCH_KEY, benchDay } from './http-target.js';

const { values } = parseArgs({ options: { before: { type: 'string' } }, strict: false, allowPositionals: true });
const before = typeof values['before'] === 'string' ? resolve(values['before']) : undefined;
const numeric = process.argv.slice(2).filter((arg, i, all) => arg !== '--before' && all[i - 1] !== '--before' && !arg.startsWith('--before='));
const {
  boards: BOARDS,
  bookings: BOOKINGS,
  runs: RUNS,
} = benchOptions(
  'bench:boards',
  {
    boards: { env: 'BENCH_BOARDS', default: 800, description: 'display boards open on the booked doctor' },
    bookings: { env: 'BENCH_BOOKINGS', default: 200, description: 'bookings measured per measurement' },
    runs: { env: 'BENCH_RUNS', default: 3, description: 'runs (each measures every target with 0 and with N boards)' },
  },
  numeric,
);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const DOCTOR = 'd0';

interface Target {
  readonly child: ChildProcess;
  readonly port: number;
}

interface Sample {
  readonly p50: number;
  readonly p90: number;
  readonly cpuMsPerBooking: number;
  /** Board frames received per board during the bookings. */
  readonly framesPerBoard: number;
}

async function start(root: string): Promise<Target> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/http-target.ts', 'opd'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((done, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match !== null) done(Number(match[1]));
    });
    child.once('exit', (code) => fail(new Error(`target in ${root} exited with ${code}`)));
  });
  return { child, port };
}

async function stop(target: Target): Promise<void> {
  const exited = new Promise((done) => target.child.once('exit', done));
  target.child.kill('SIGTERM');
  await exited;
}

/** A board's stream: counts the `board` frames it receives. */
interface BoardStream {
  frames: number;
  readonly request: ClientRequest;
}

async function openBoard(port: number, day: string): Promise<BoardStream> {
  return new Promise((done, fail) => {
    const board: { frames: number; request?: ClientRequest } = { frames: 0 };
    const req = request(
      { host: '127.0.0.1', port, path: `/display/${DOCTOR}/events?date=${day}`, agent: false, headers: { accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) return fail(new Error(`board refused: ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const before = board.frames;
          board.frames += chunk.split('event: board\n').length - 1;
          if (before === 0 && board.frames > 0) done(board as BoardStream);
        });
      },
    );
    board.request = req;
    req.on('error', (error) => (board.frames === 0 ? fail(error) : undefined));
    req.end();
  });
}

async function book(port: number, n: number, day: string): Promise<void> {
  const answer = await fetch(`http://127.0.0.1:${port}/api/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` },
    body: JSON.stringify({ doctorId: DOCTOR, category: 'WALK_IN', patient: { id: `B-${n}`, name: `Patient ${n}` }, date: day }),
  });
  if (answer.status !== 201) throw new Error(`booking answered ${answer.status}: ${await answer.text()}`);
  await answer.arrayBuffer();
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const median = (values: readonly number[]): number =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

async function measure(root: string, boards: number): Promise<Sample> {
  const target = await start(root);
  const streams: BoardStream[] = [];
  try {
    const day = benchDay();
    for (let i = 0; i < boards; i += 50) {
      streams.push(...(await Promise.all(Array.from({ length: Math.min(50, boards - i) }, () => openBoard(target.port, day)))));
    }
    for (let n = 0; n < 10; n++) await book(target.port, -1 - n, day); // warm-up
    await new Promise((done) => setTimeout(done, 200));
    const framesBefore = streams.reduce((sum, s) => sum + s.frames, 0);
    const cpuBefore = processCpuMs(target.child.pid!, TICKS) ?? 0;
    const latencies: number[] = [];
    for (let n = 0; n < BOOKINGS; n++) {
      const t0 = performance.now();
      await book(target.port, n, day);
      latencies.push(performance.now() - t0);
    }
    await new Promise((done) => setTimeout(done, 200)); // the last refresh
    const cpu = (processCpuMs(target.child.pid!, TICKS) ?? 0) - cpuBefore;
    const frames = streams.reduce((sum, s) => sum + s.frames, 0) - framesBefore;
    latencies.sort((a, b) => a - b);
    return {
      p50: quantile(latencies, 0.5),
      p90: quantile(latencies, 0.9),
      cpuMsPerBooking: cpu / BOOKINGS,
      framesPerBoard: boards === 0 ? 0 : frames / boards,
    };
  } finally {
    for (const stream of streams) stream.request.destroy();
    await stop(target);
  }
}

const targets: [string, string][] = [['this checkout', ROOT], ...(before === undefined ? [] : [['before', before] as [string, string]])];
const samples = new Map<string, Sample[]>();
console.log(`bench:boards: ${BOOKINGS} sequential bookings for one doctor-day, with 0 and ${BOARDS} boards open on it; ${RUNS} runs`);
for (let run = 1; run <= RUNS; run++) {
  for (const [name, root] of run % 2 === 1 ? targets : [...targets].reverse()) {
    for (const boards of [0, BOARDS]) {
      const sample = await measure(root, boards);
      const key = `${name}|${boards}`;
      samples.set(key, [...(samples.get(key) ?? []), sample]);
      console.log(
        `run ${run} ${name.padEnd(13)} ${String(boards).padStart(4)} boards: p50 ${sample.p50.toFixed(2)} ms, p90 ${sample.p90.toFixed(2)} ms, ` +
          `server CPU ${sample.cpuMsPerBooking.toFixed(2)} ms/booking, ${sample.framesPerBoard.toFixed(1)} board frames per board`,
      );
    }
  }
}
console.log('\nmedians of the runs:');
console.log('| checkout | boards | booking p50 (ms) | booking p90 (ms) | server CPU per booking (ms) |');
console.log('|---|---:|---:|---:|---:|');
for (const [name] of targets) {
  for (const boards of [0, BOARDS]) {
    const runs = samples.get(`${name}|${boards}`)!;
    const m = (pick: (s: Sample) => number): string => median(runs.map(pick)).toFixed(2);
    console.log(`| ${name} | ${boards} | ${m((s) => s.p50)} | ${m((s) => s.p90)} | ${m((s) => s.cpuMsPerBooking)} |`);
  }
}
