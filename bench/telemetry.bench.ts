/**
 * `npm run bench:telemetry`: what telemetry costs on the in-memory `book` path, the
 * configurations alternating in one process so that machine load hits them alike.
 *
 * - `off`: `telemetry: false` (what a scheduler does without `@opentelemetry/api` installed);
 * - `api, no SDK`: the default, `@opentelemetry/api` installed and no SDK registered (its no-op
 *   tracer and meter);
 * - `SDK`: a `BasicTracerProvider` whose spans are ended and dropped, and a `MeterProvider`
 *   aggregating into a reader that is never collected.
 *
 * Workload: 25 doctors × 4 days of 8 slots of 5 places, 40 bookings per doctor-day (4,000
 * bookings), interleaved across doctors. Reported: CPU time and wall time per booking, medians,
 * and the ratio to `off` of each run, median.
 */
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpdScheduler, type OpdSchedulerOptions, presets } from 'opd-scheduler';
import { benchOptions } from './args.js';

const DOCTORS = 25;
const DAYS = 4;
const SLOTS = 8;
const PER_DAY = SLOTS * 5;
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2026, 0, 5);
const CATEGORIES = ['ONLINE', 'WALK_IN', 'WALK_IN', 'FOLLOW_UP', 'ONLINE', 'PAID', 'WALK_IN', 'ONLINE', 'FOLLOW_UP', 'EMERGENCY'] as const;

function sdk(): NonNullable<OpdSchedulerOptions['telemetry']> {
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} })],
  });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  return { tracerProvider, meterProvider: new MeterProvider({ readers: [reader] }) };
}

const CONFIGS: Record<string, () => OpdSchedulerOptions['telemetry']> = { off: () => false, 'api, no SDK': () => undefined, SDK: sdk };

async function run(telemetry: OpdSchedulerOptions['telemetry']): Promise<{ cpuNs: number; wallNs: number }> {
  const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(FIRST_DAY), ...(telemetry === undefined ? {} : { telemetry }) });
  for (let i = 0; i < DOCTORS; i++) {
    await opd.addDoctor({ id: `d${i}`, name: `Doctor ${i}` });
    const slots = [];
    for (let d = 0; d < DAYS; d++) {
      for (let s = 0; s < SLOTS; s++) {
        const start = FIRST_DAY + d * DAY_MS + (9 + s) * 3_600_000;
        slots.push({ start: new Date(start), end: new Date(start + 3_600_000), capacity: 5 });
      }
    }
    await opd.addSlots(`d${i}`, slots);
  }
  let n = 0;
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  for (let d = 0; d < DAYS; d++) {
    const date = new Date(FIRST_DAY + d * DAY_MS).toISOString().slice(0, 10);
    for (let round = 0; round < PER_DAY; round++) {
      for (let i = 0; i < DOCTORS; i++) {
        await opd.book({ doctorId: `d${i}`, category: CATEGORIES[n % CATEGORIES.length]!, patient: { id: `p${n}`, name: `Patient ${n}` }, date });
        n++;
      }
    }
  }
  const wallNs = Number(process.hrtime.bigint() - wall) / n;
  const used = process.cpuUsage(cpu);
  await opd.close();
  return { cpuNs: ((used.user + used.system) * 1000) / n, wallNs };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const { runs } = benchOptions('bench:telemetry', { runs: { env: 'BENCH_RUNS', default: 15, description: 'runs of each configuration' } });
console.log(`opd-scheduler telemetry overhead — Node ${process.version}, ${runs} runs each (the first of each discarded as warm-up), medians`);
const names = Object.keys(CONFIGS);
const results = new Map(names.map((name) => [name, [] as { cpuNs: number; wallNs: number }[]]));
for (let r = 0; r <= runs; r++) {
  for (const name of r % 2 === 0 ? names : [...names].reverse()) {
    const result = await run(CONFIGS[name]!());
    if (r > 0) results.get(name)!.push(result);
  }
}
const off = results.get('off')!;
console.table(
  names.map((name) => {
    const rs = results.get(name)!;
    return {
      configuration: name,
      'CPU µs/booking': (median(rs.map((x) => x.cpuNs)) / 1000).toFixed(2),
      'wall µs/booking': (median(rs.map((x) => x.wallNs)) / 1000).toFixed(2),
      'CPU ratio to off': `${median(rs.map((x, i) => x.cpuNs / off[i]!.cpuNs)).toFixed(3)}×`,
      'wall ratio to off': `${median(rs.map((x, i) => x.wallNs / off[i]!.wallNs)).toFixed(3)}×`,
    };
  }),
);
