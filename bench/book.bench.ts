/**
 * `npm run bench`: the in-memory `book` path on a hospital network.
 *
 * Workload: D doctors × N days, each day 8 slots of 5 places, 40 bookings per doctor-day
 * (mixed categories, by date), interleaved across doctors. The large network is 1,000 doctors ×
 * 30 days (1.2M live tokens in one scheduler); the small one the same shape at 10k tokens.
 * Reported: bookings/s, ns per booking (wall and CPU), the large/small cost ratio measured in
 * the same run, heap bytes per live token. Medians of several runs.
 *
 * The floor: a bare awaited booking on the large workload, in the same run — validate the
 * request, find the doctor-day, take the first slot with room, keep a token record and an event
 * record — and the engine's cost as a multiple of it. Beside it, what this machine charges for
 * memory alone: an awaited call that keeps as many heap bytes as the engine kept per token in the
 * same round, and does nothing else. And the ceiling of what restructuring could gain: the work
 * a booking must do — this library's own parts for it, the same records kept — in one function
 * (`bench/book-lean.ts`), without the engine's unit of work, snapshot and change set. Each row
 * also counts the minor page faults of its loop (a heap that grows touches fresh pages, whose
 * first touch some virtual machines make costly).
 */
import type { OpdSchedulerOptions } from 'opd-scheduler';
import { benchOptions, median } from './args.js';
import { bookAll, CAPACITY, dayString, network, SLOTS_PER_DAY, workloadQuota } from './book-workload.js';
import { leanBooker } from './book-lean.js';

interface Workload {
  readonly label: string;
  readonly doctors: number;
  readonly days: number;
  /** A quota, for the variant that measures what consulting one costs. */
  readonly quota?: OpdSchedulerOptions['quota'];
}

interface Run {
  readonly bookingsPerSecond: number;
  readonly nsPerBooking: number;
  /** CPU time (user + system) per booking: steadier than wall time on a busy machine. */
  readonly cpuNsPerBooking: number;
  readonly heapBytesPerToken: number;
  readonly tokens: number;
  /** Minor page faults of the whole process during the loop, per booking. */
  readonly faultsPerBooking: number;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('Run with node --expose-gc (npm run bench does)');
  collect();
  collect();
}

/** What the timed loop books with. */
interface Booker {
  book(request: { doctorId: string; category: string; patient: { id: string; name: string }; date: string }): Promise<unknown>;
  /** Tokens booked, checked after the loop. */
  booked(): Promise<number>;
  close(): Promise<void>;
}

async function engine(w: Workload): Promise<Booker> {
  const opd = await network(w.doctors, w.days, w.quota);
  return { book: (r) => opd.book(r), booked: async () => (await opd.stats()).byStatus.BOOKED, close: () => opd.close() };
}

interface BareDay {
  readonly slots: { readonly id: string; readonly capacity: number; used: number }[];
  readonly tokens: object[];
}

/** The floor: the least an awaited booking can do (no policies, no snapshot, no views). */
async function bare(w: Workload): Promise<Booker> {
  const days = new Map<string, Map<string, BareDay>>();
  for (let i = 0; i < w.doctors; i++) {
    const byDay = new Map<string, BareDay>();
    for (let d = 0; d < w.days; d++) {
      byDay.set(dayString(d), { slots: Array.from({ length: SLOTS_PER_DAY }, (_, s) => ({ id: `d${i}-${d}-${s}`, capacity: CAPACITY, used: 0 })), tokens: [] });
    }
    days.set(`d${i}`, byDay);
  }
  const events: object[] = [];
  let count = 0;
  return {
    async book(r) {
      if (typeof r.doctorId !== 'string' || typeof r.category !== 'string' || typeof r.patient?.id !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(r.date)) {
        throw new Error('invalid request');
      }
      const day = days.get(r.doctorId)?.get(r.date);
      if (day === undefined) throw new Error('no such doctor-day');
      const slot = day.slots.find((s) => s.used < s.capacity);
      if (slot === undefined) throw new Error('full');
      slot.used++;
      const token = { id: `${r.doctorId}~${r.date}~${day.tokens.length + 1}`, slotId: slot.id, category: r.category, patient: r.patient, status: 'BOOKED', at: Date.now() };
      day.tokens.push(token);
      events.push({ type: 'token:booked', tokenId: token.id, slotId: slot.id, at: token.at });
      count++;
      return { token };
    },
    booked: async () => count,
    close: async () => undefined,
  };
}

/** The work a booking must do, in one function (see `bench/book-lean.ts`). */
async function lean(w: Workload): Promise<Booker> {
  const booker = leanBooker(w.doctors, w.days);
  return { book: (r) => booker.book(r), booked: async () => booker.booked(), close: async () => undefined };
}

/**
 * Keeping memory, and nothing else: each awaited call keeps one object holding an array of
 * small integers, sized so that a call keeps about `bytes` of heap (an object of 3 fields, an
 * array of `k` elements and the list's slot: some 104 + 8k bytes). No lookups, no checks, no
 * strings.
 */
async function keeper(bytes: number): Promise<Booker> {
  const k = Math.max(0, Math.round((bytes - 104) / 8));
  const kept: object[] = [];
  return {
    async book() {
      const value = { n: kept.length, values: new Array<number>(k).fill(0), next: null };
      kept.push(value);
      return value;
    },
    booked: async () => kept.length,
    close: async () => undefined,
  };
}

async function run(w: Workload, make: (w: Workload) => Promise<Booker> = engine): Promise<Run> {
  const opd = await make(w);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const faultsBefore = process.resourceUsage().minorPageFault;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const n = await bookAll((r) => opd.book(r), w.doctors, w.days);
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpuBefore);
  const faults = process.resourceUsage().minorPageFault - faultsBefore;
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const booked = await opd.booked();
  if (booked !== n) throw new Error(`expected ${n} booked tokens, got ${booked}`);
  await opd.close();
  return {
    bookingsPerSecond: (n / elapsedNs) * 1e9,
    nsPerBooking: elapsedNs / n,
    cpuNsPerBooking: ((cpu.user + cpu.system) * 1000) / n,
    heapBytesPerToken: (heapAfter - heapBefore) / n,
    tokens: n,
    faultsPerBooking: faults / n,
  };
}

const { runs, days } = benchOptions('bench', {
  runs: { env: 'BENCH_RUNS', default: 5, description: 'runs of each workload' },
  days: { env: 'BENCH_DAYS', default: 30, description: 'days of the large workload' },
});
const small: Workload = { label: 'small (25 doctors × 10 days)', doctors: 25, days: 10 };
const large: Workload = { label: `large (1,000 doctors × ${days} days)`, doctors: 1000, days };
// A quota every booking consults (the slot's and the day's counts are taken) but none reaches, so
// that both variants place the same tokens: the difference is the cost of asking. (Each doctor
// gets one category all day in this workload, so a tighter cap would waitlist patients instead.)
const quota = workloadQuota();
const largeQuota: Workload = { label: 'large, with a quota consulted on every booking', doctors: 1000, days, quota };

/**
 * What the first write to a fresh 4 KiB page of memory costs on this machine, in ns: a 256 MiB
 * buffer written once per page, then once more (the second pass is the cost of the write itself).
 */
function firstTouchNs(): { first: number; again: number } {
  const size = 256 * 1024 * 1024;
  const pages = size / 4096;
  const memory = new Uint8Array(size);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < size; i += 4096) memory[i] = 1;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < size; i += 4096) memory[i] = 2;
  const t2 = process.hrtime.bigint();
  return { first: Number(t1 - t0) / pages, again: Number(t2 - t1) / pages };
}

console.log(`opd-scheduler book benchmark — Node ${process.version}, ${runs} runs each, medians`);
const touch = firstTouchNs();
console.log(`  first write to a fresh 4 KiB page: ${Math.round(touch.first).toLocaleString('en-US')} ns (a second write: ${Math.round(touch.again)} ns)`);
const results = new Map<Workload, Run[]>([
  [small, []],
  [large, []],
  [largeQuota, []],
]);
const floor: Run[] = [];
const keeping: Run[] = [];
const oneFunction: Run[] = [];
const faults = (r: Run): string => `${r.faultsPerBooking.toFixed(3)} page faults/booking`;
for (let r = 0; r < runs; r++) {
  const base = await run(large, bare);
  floor.push(base);
  console.log(`  run ${r + 1} bare awaited booking, large: ${Math.round(base.nsPerBooking)} ns/booking (CPU ${Math.round(base.cpuNsPerBooking)} ns), ${faults(base)}`);
  // Alternate the workloads so drift in machine load hits both alike.
  for (const w of [small, large, largeQuota]) {
    const result = await run(w);
    results.get(w)!.push(result);
    console.log(
      `  run ${r + 1} ${w.label}: ${Math.round(result.bookingsPerSecond).toLocaleString('en-US')} bookings/s, ` +
        `${Math.round(result.nsPerBooking)} ns/booking (CPU ${Math.round(result.cpuNsPerBooking)} ns), ${Math.round(result.heapBytesPerToken)} B/token, ${faults(result)}`,
    );
  }
  const leanRun = await run(large, lean);
  oneFunction.push(leanRun);
  console.log(
    `  run ${r + 1} the work of a booking in one function, large: ${Math.round(leanRun.nsPerBooking)} ns/booking (CPU ${Math.round(leanRun.cpuNsPerBooking)} ns), ` +
      `${Math.round(leanRun.heapBytesPerToken)} B/token, ${faults(leanRun)}`,
  );
  const kept = results.get(large)!.at(-1)!.heapBytesPerToken;
  const memory = await run(large, () => keeper(kept));
  keeping.push(memory);
  console.log(
    `  run ${r + 1} an awaited call keeping ${Math.round(memory.heapBytesPerToken)} B and nothing else, large: ${Math.round(memory.nsPerBooking)} ns/call ` +
      `(CPU ${Math.round(memory.cpuNsPerBooking)} ns), ${faults(memory)}`,
  );
}
const summary = [small, large, largeQuota].map((w) => {
  const rs = results.get(w)!;
  return {
    workload: w.label,
    tokens: rs[0]!.tokens,
    bookingsPerSecond: Math.round(median(rs.map((r) => r.bookingsPerSecond))),
    nsPerBooking: Math.round(median(rs.map((r) => r.nsPerBooking))),
    cpuNsPerBooking: Math.round(median(rs.map((r) => r.cpuNsPerBooking))),
    heapBytesPerToken: Math.round(median(rs.map((r) => r.heapBytesPerToken))),
  };
});
console.table(summary);
const ratios = results.get(large)!.map((r, i) => r.nsPerBooking / results.get(small)![i]!.nsPerBooking);
console.log(`cost per booking, large / small (median of per-run ratios): ${median(ratios).toFixed(2)}×`);
const overFloor = results.get(large)!.map((r, i) => r.nsPerBooking / floor[i]!.nsPerBooking);
const cpuOverFloor = results.get(large)!.map((r, i) => r.cpuNsPerBooking / floor[i]!.cpuNsPerBooking);
console.log(
  `bare awaited booking (large): ${Math.round(median(floor.map((r) => r.nsPerBooking)))} ns; engine / bare (median of per-run ratios): ` +
    `${median(overFloor).toFixed(1)}× wall, ${median(cpuOverFloor).toFixed(1)}× CPU`,
);
const overKeeping = results.get(large)!.map((r, i) => r.nsPerBooking / keeping[i]!.nsPerBooking);
console.log(
  `an awaited call keeping what the engine keeps per token (large): ${Math.round(median(keeping.map((r) => r.nsPerBooking)))} ns; ` +
    `engine / that (median of per-run ratios): ${median(overKeeping).toFixed(1)}× wall`,
);
const overLean = results.get(large)!.map((r, i) => r.nsPerBooking / oneFunction[i]!.nsPerBooking);
const leanOverFloor = oneFunction.map((r, i) => r.nsPerBooking / floor[i]!.nsPerBooking);
console.log(
  `the work of a booking in one function (large): ${Math.round(median(oneFunction.map((r) => r.nsPerBooking)))} ns, ${median(leanOverFloor).toFixed(1)}× bare; ` +
    `engine / that (median of per-run ratios): ${median(overLean).toFixed(2)}× wall`,
);
const quotaRatios = results.get(largeQuota)!.map((r, i) => r.cpuNsPerBooking / results.get(large)![i]!.cpuNsPerBooking);
console.log(`CPU per booking with a quota / without (large, median of per-run ratios): ${median(quotaRatios).toFixed(2)}×`);
console.log('targets: ≥ 250,000 bookings/s (aim 500,000); large/small ≤ 1.30×; ≤ 500 B heap per token');
