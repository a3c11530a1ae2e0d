/**
 * `node --expose-gc --import tsx bench/book-profile.ts`: what the booking loop of `npm run bench`
 * costs, the setup left out. The same workload (D doctors × N days, 8 slots of 5 places, 40
 * bookings per doctor-day, interleaved across doctors), then one of:
 *
 * - `--mode cpu` (default): a CPU profile of the loop alone (the profiler starts after the
 *   setup), summed by function (self time), written to `--out` as a `.cpuprofile` too;
 * - `--mode heap`: V8's sampling heap profiler over the loop, counting objects collected since
 *   (young and old generation), summed by allocating function, in bytes per booking;
 * - `--mode time`: CPU per booking and the collector's work (scavenges and their pause per
 *   booking), from `PerformanceObserver`.
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { bookAll, network, workloadQuota } from './book-workload.js';

const { values } = parseArgs({
  options: {
    doctors: { type: 'string', default: '1000' },
    days: { type: 'string', default: '5' },
    mode: { type: 'string', default: 'cpu' },
    quota: { type: 'boolean', default: false },
    out: { type: 'string', default: '' },
    top: { type: 'string', default: '40' },
    interval: { type: 'string', default: '100' },
  },
});
const DOCTORS = Number(values.doctors);
const DAYS = Number(values.days);
// The quota of `npm run bench`'s quota row: consulted on every booking, reached by none.
const quota = values.quota ? workloadQuota() : undefined;
const opd = await network(DOCTORS, DAYS, quota);
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;

const session = new Session();
session.connect();
let scavenges = 0;
let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as { detail?: { kind?: number } }).detail?.kind;
    if (kind === 1) scavenges++;
    gcMs += e.duration;
  }
});
if (values.mode === 'cpu') {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: Number(values.interval) });
  await session.post('Profiler.start');
} else if (values.mode === 'heap') {
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
} else {
  observer.observe({ entryTypes: ['gc'] });
}
const cpuBefore = process.cpuUsage();
const n = await bookAll((r) => opd.book(r), DOCTORS, DAYS);
const cpu = process.cpuUsage(cpuBefore);
const top = Number(values.top);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  selfSize?: number;
  children?: (number | Node)[];
}
const where = (f: Node['callFrame']): string => `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;

if (values.mode === 'cpu') {
  const { profile } = await session.post('Profiler.stop');
  if (values.out) writeFileSync(values.out, JSON.stringify(profile));
  const self = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes as Node[]) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const key = where(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + hits);
  }
  console.log(`CPU profile of ${n} bookings, ${total} samples, CPU ${((cpu.user + cpu.system) / n).toFixed(2)} µs per booking`);
  for (const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
} else if (values.mode === 'heap') {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  if (values.out) writeFileSync(values.out, JSON.stringify(profile));
  const self = new Map<string, number>();
  let total = 0;
  const walk = (node: Node & { selfSize: number; children: Node[] }): void => {
    total += node.selfSize;
    const key = where(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child as Node & { selfSize: number; children: Node[] });
  };
  walk(profile.head as unknown as Node & { selfSize: number; children: Node[] });
  console.log(`sampled allocation of ${n} bookings: ${(total / n).toFixed(0)} B per booking`);
  for (const [key, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(bytes / n).toFixed(0).padStart(6)} B  ${key}`);
} else {
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer.disconnect();
  gc?.();
  const kept = (process.memoryUsage().heapUsed - heapBefore) / n;
  console.log(
    `${n} bookings: CPU ${((cpu.user + cpu.system) / n).toFixed(2)} µs per booking, ${((scavenges * 100_000) / n).toFixed(1)} scavenges per 100k bookings, ` +
      `GC ${((gcMs * 1000) / n).toFixed(2)} µs per booking, heap ${kept.toFixed(0)} B per token`,
  );
}
session.disconnect();
await opd.close();
