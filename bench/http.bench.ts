/**
 * `npm run bench:http`: booking throughput and latency of the example HTTP server, against a bare
 * express handler measured in the same run.
 *
 * Each target runs in its own process (`bench/http-target.ts`), a fresh one per run, while
 * autocannon drives it from this process. The booking target is the whole server: API key
 * check, JSON body, zod validation, the engine's `book` (in memory), the JSON answer and one
 * log line per request (to /dev/null). Bookings are spread over 200 doctors × 8 slots × 60
 * places, each for a new patient, so that every one is BOOKED (checked after each run). The bare
 * target parses the same JSON body and answers 201. Runs alternate between the targets;
 * medians are reported.
 *
 * Environment: BENCH_RUNS (5), BENCH_SECONDS (10), BENCH_CONNECTIONS (32).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { benchOptions } from './args.js';
import { BENCH_KEY, CAPACITY, DOCTORS, SLOTS, benchDay } from './http-target.js';

const {
  runs: RUNS,
  seconds: SECONDS,
  connections: CONNECTIONS,
} = benchOptions('bench:http', {
  runs: { env: 'BENCH_RUNS', default: 5, description: 'runs of each target' },
  seconds: { env: 'BENCH_SECONDS', default: 10, description: 'seconds per run' },
  connections: { env: 'BENCH_CONNECTIONS', default: 32, description: 'concurrent connections' },
});
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CATEGORIES = ['ONLINE', 'walk_in', 'WALK_IN', 'FOLLOW_UP', 'ONLINE_BOOKING', 'PAID_PRIORITY', 'walk-in', 'online', 'Follow-up', 'EMERGENCY'];

interface Target {
  readonly child: ChildProcess;
  readonly url: string;
}

interface Sample {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly ok: number;
}

async function start(kind: 'opd' | 'bare'): Promise<Target> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/http-target.ts', kind], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${kind} target exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function stop(target: Target): Promise<void> {
  const exited = new Promise((resolve) => target.child.once('exit', resolve));
  target.child.kill('SIGTERM');
  await exited;
}

function bookingBody(n: number, day: string): string {
  return JSON.stringify({
    doctorId: `d${n % DOCTORS}`,
    category: CATEGORIES[n % CATEGORIES.length],
    patient: { id: `ABHA-${n}`, name: `Patient ${n}`, age: 20 + (n % 60) },
    date: day,
  });
}

async function measure(kind: 'opd' | 'bare'): Promise<Sample> {
  const target = await start(kind);
  try {
    const day = benchDay();
    let n = 0;
    const result: Result = await autocannon({
      url: target.url,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/api/tokens',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` },
          setupRequest: (request) => ({ ...request, body: bookingBody(n++, day) }),
        },
      ],
    });
    if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
      throw new Error(`${kind}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers`);
    }
    if (kind === 'opd') {
      if (result['2xx'] > DOCTORS * SLOTS * CAPACITY) throw new Error('more bookings than places: raise DOCTORS, SLOTS or CAPACITY');
      const stats = (await (await fetch(`${target.url}/api/stats`, { headers: { authorization: `Bearer ${BENCH_KEY}` } })).json()) as {
        byStatus: Record<string, number>;
      };
      if (stats.byStatus['WAITLISTED'] !== 0 || (stats.byStatus['BOOKED'] ?? 0) < result['2xx']) {
        throw new Error(`opd: expected every booking to get a place, got ${JSON.stringify(stats.byStatus)} for ${result['2xx']} answers`);
      }
    }
    return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, ok: result['2xx'] };
  } finally {
    await stop(target);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const samples: Record<'opd' | 'bare', Sample[]> = { opd: [], bare: [] };
console.log(`bench:http — ${RUNS} runs × ${SECONDS}s per target, ${CONNECTIONS} connections, Node ${process.version}`);
for (let run = 1; run <= RUNS; run++) {
  for (const kind of ['bare', 'opd'] as const) {
    const sample = await measure(kind);
    samples[kind].push(sample);
    console.log(
      `run ${run} ${kind.padEnd(4)}  ${sample.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${sample.p50.toFixed(1)} ms  p99 ${sample.p99.toFixed(1)} ms  (${sample.ok} answers)`,
    );
  }
}

const summary = Object.fromEntries(
  (['bare', 'opd'] as const).map((kind) => [
    kind,
    {
      requestsPerSecond: median(samples[kind].map((s) => s.requestsPerSecond)),
      p50Ms: median(samples[kind].map((s) => s.p50)),
      p99Ms: median(samples[kind].map((s) => s.p99)),
    },
  ]),
) as Record<'opd' | 'bare', { requestsPerSecond: number; p50Ms: number; p99Ms: number }>;
const ratio = summary.opd.requestsPerSecond / summary.bare.requestsPerSecond;

console.log('\nmedians');
console.log('| target | req/s | p50 latency | p99 latency |');
console.log('|---|---|---|---|');
console.log(
  `| bare express handler | ${summary.bare.requestsPerSecond.toFixed(0)} | ${summary.bare.p50Ms.toFixed(1)} ms | ${summary.bare.p99Ms.toFixed(1)} ms |`,
);
console.log(
  `| POST /api/tokens (booking) | ${summary.opd.requestsPerSecond.toFixed(0)} | ${summary.opd.p50Ms.toFixed(1)} ms | ${summary.opd.p99Ms.toFixed(1)} ms |`,
);
console.log(`\nbooking / bare throughput: ${ratio.toFixed(2)}× (target ≥ 0.5×)`);

mkdirSync(`${ROOT}artifacts`, { recursive: true });
writeFileSync(
  `${ROOT}artifacts/bench-http.json`,
  `${JSON.stringify({ runs: RUNS, seconds: SECONDS, connections: CONNECTIONS, node: process.version, samples, summary, ratio }, null, 2)}\n`,
);
if (ratio < 0.5) {
  console.error('booking throughput is below 0.5× the bare handler');
  process.exitCode = 1;
}
