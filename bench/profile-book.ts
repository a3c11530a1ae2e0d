/**
 * The booking loop of `npm run bench` alone, set up first and then observed: a CPU profile, a
 * sampling heap profile (objects collected since included) or the collector's counts, of the
 * bookings only.
 *
 * Usage: node --expose-gc --import tsx bench/profile-book.ts [flags]
 *   --doctors, --days   the network (PROFILE_DOCTORS, PROFILE_DAYS; default 1,000 × 10)
 *   --mode              1 = CPU profile, 2 = heap sampling, 3 = collector counts only (PROFILE_MODE)
 * With PROFILE_OUT=<file> the profile is written there (`.cpuprofile` / `.heapprofile`).
 * Prints self time (or bytes allocated) per function, and scavenges per 100,000 bookings.
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { OpdScheduler, presets } from '../src/index.js';
import { benchOptions } from './args.js';

const { doctors, days, mode } = benchOptions('profile-book', {
  doctors: { env: 'PROFILE_DOCTORS', default: 1000, description: 'doctors' },
  days: { env: 'PROFILE_DAYS', default: 10, description: 'days per doctor' },
  mode: { env: 'PROFILE_MODE', default: 1, description: '1 CPU profile, 2 heap sampling, 3 collector counts' },
});

const SLOTS_PER_DAY = 8;
const CAPACITY = 5;
const PER_DAY = SLOTS_PER_DAY * CAPACITY;
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2026, 0, 5);
const CATEGORIES = ['ONLINE', 'WALK_IN', 'WALK_IN', 'FOLLOW_UP', 'ONLINE', 'PAID', 'WALK_IN', 'ONLINE', 'FOLLOW_UP', 'EMERGENCY'] as const;

const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(FIRST_DAY) });
for (let i = 0; i < doctors; i++) {
  const doctor = await opd.addDoctor({ id: `d${i}`, name: `Doctor ${i}` });
  const slots = [];
  for (let d = 0; d < days; d++) {
    for (let s = 0; s < SLOTS_PER_DAY; s++) {
      const start = FIRST_DAY + d * DAY_MS + (9 + s) * 3_600_000;
      slots.push({ start: new Date(start), end: new Date(start + 3_600_000), capacity: CAPACITY });
    }
  }
  await opd.addSlots(doctor.id, slots);
}
const dates = Array.from({ length: days }, (_, d) => new Date(FIRST_DAY + d * DAY_MS).toISOString().slice(0, 10));
(globalThis as { gc?: () => void }).gc?.();

let scavenges = 0;
let majors = 0;
let gcMs = 0;
let majorMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    else {
      majors++;
      majorMs += entry.duration;
    }
    gcMs += entry.duration;
  }
});
observer.observe({ entryTypes: ['gc'] });

const session = new Session();
session.connect();
if (mode === 1) {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
} else if (mode === 2) {
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
const cpuBefore = process.cpuUsage();
let n = 0;
for (let d = 0; d < days; d++) {
  const date = dates[d]!;
  for (let round = 0; round < PER_DAY; round++) {
    for (let i = 0; i < doctors; i++) {
      await opd.book({ doctorId: `d${i}`, category: CATEGORIES[n % CATEGORIES.length]!, patient: { id: `p${n}`, name: `Patient ${n}` }, date });
      n++;
    }
  }
}
const cpu = process.cpuUsage(cpuBefore);
await new Promise((resolve) => setTimeout(resolve, 50)); // let the observer report
observer.disconnect();

const per100k = (x: number): string => ((x * 100_000) / n).toFixed(1);
console.log(`${n} bookings, ${doctors} doctors × ${days} days: CPU ${(((cpu.user + cpu.system) * 1000) / n).toFixed(0)} ns/booking`);
console.log(`scavenges ${scavenges} (${per100k(scavenges)} per 100k bookings), major ${majors}, collector pauses ${((gcMs * 1e6) / n).toFixed(0)} ns/booking (major ${((majorMs * 1e6) / n).toFixed(0)})`);

interface Frame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
const where = (f: Frame): string => `${f.functionName || '(anonymous)'} ${f.url.replace(/.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
const top = (totals: Map<string, number>, total: number, unit: (v: number) => string): void => {
  for (const [name, v] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`${((v / total) * 100).toFixed(1).padStart(5)} %  ${unit(v).padStart(10)}  ${name}`);
};

if (mode === 1) {
  const { profile } = (await session.post('Profiler.stop')) as unknown as {
    profile: { nodes: { id: number; callFrame: Frame; positionTicks?: { line: number; ticks: number }[] }[]; samples: number[]; timeDeltas: number[] };
  };
  if (process.env['PROFILE_OUT'] !== undefined) writeFileSync(process.env['PROFILE_OUT'], JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const name = where(byId.get(profile.samples[i]!)!.callFrame);
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  }
  top(self, total, (us) => `${((us * 1000) / n).toFixed(0)} ns`);
  // Lines (where the code was compiled to JavaScript with lines kept): ticks per line.
  const lines = new Map<string, number>();
  let ticks = 0;
  for (const node of profile.nodes) {
    for (const { line, ticks: t } of node.positionTicks ?? []) {
      const name = `${where({ ...node.callFrame, lineNumber: line - 1 })}`;
      lines.set(name, (lines.get(name) ?? 0) + t);
      ticks += t;
    }
  }
  if (ticks > 0) {
    console.log('lines:');
    top(lines, ticks, (t) => String(t));
  }
} else if (mode === 2) {
  interface HeapNode {
    callFrame: Frame;
    selfSize: number;
    children: HeapNode[];
  }
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };
  if (process.env['PROFILE_OUT'] !== undefined) writeFileSync(process.env['PROFILE_OUT'], JSON.stringify(profile));
  const self = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapNode): void => {
    const name = where(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + node.selfSize);
    total += node.selfSize;
    node.children.forEach(visit);
  };
  visit(profile.head);
  console.log(`allocated (sampled): ${(total / n).toFixed(0)} B per booking`);
  top(self, total, (b) => `${(b / n).toFixed(0)} B`);
}
session.disconnect();
await opd.close();
