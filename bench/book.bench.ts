/**
 * `npm run bench`: the in-memory engine on a realistic day, against the least an awaited booking
 * can cost, measured in the same run. For catching regressions; the figure to compare across
 * days and machines is the multiple of the bare floor, or `npm run bench:ab` against a checkout.
 *
 * Rows, in each run (medians of several runs, each row's ratio to the floor taken per run):
 *
 * - **mixed day** (the headline): one OPD day of the day simulation's hospital
 *   (`bench/mixed-day.ts`: bookings, holds and payments, emergencies with elastic places, bumps
 *   and cascades, waitlists and promotions, cancellations, check-ins, consultations, sweeps with
 *   no-shows and expired holds, doctors leaving early), in ns per public call, after one untimed
 *   day that warms the code up;
 * - **bare awaited booking**: validate the request, find the doctor-day, take the first slot with
 *   room, keep a token record and an event record — the floor;
 * - **one category per doctor, large network**: D doctors × N days, each day 8 slots of 5 places,
 *   40 bookings per doctor-day interleaved across doctors, every call awaited in turn (1,000 × 30:
 *   1.2 million live tokens in one scheduler). Each doctor gets one category all day, so nothing
 *   is ever bumped, cascaded or waitlisted: the easy case, kept for its history and for the heap
 *   kept per token (measured after full collections, before and after the bookings: the token,
 *   its patient, its indexes and its history event).
 *
 * - **replay of the mixed day** (`opd-scheduler/lab`): the mixed day's history, exported once,
 *   replayed under the options it was recorded with, in ns per recorded event (and events a second).
 *
 * `BENCH_JSON=1` adds one last line of JSON with every run's figures (`npm run bench:ab` reads it);
 * `BENCH_REPLAY=0` leaves the replay row out.
 * The library is the one `opd-scheduler` resolves to through the tsconfig's `paths`: this tree's
 * `src/`, or another tree's with `TSX_TSCONFIG_PATH=<tree>/tsconfig.json` (printed first).
 */
import { fileURLToPath } from 'node:url';
import { benchOptions, median } from './args.js';
import { bookAll, CAPACITY, dayString, network, SLOTS_PER_DAY } from './book-workload.js';
import { mixedDay, mixedDayOptions, type MixCounts } from './mixed-day.js';
import type { LabHistory } from 'opd-scheduler/lab';

// `BENCH_REPLAY=0` leaves the replay row out: `npm run bench:ab` does, in both trees' processes,
// so that each runs the same work before the rows it compares (a process that also replays has
// more code compiled and keeps the recorded history alive). A checkout that predates
// `opd-scheduler/lab` runs every row but the replay.
const lab = process.env['BENCH_REPLAY'] === '0' ? undefined : await import('opd-scheduler/lab').catch(() => undefined);

interface Run {
  readonly nsPerBooking: number;
  /** CPU time (user + system) per booking: steadier than wall time on a busy machine. */
  readonly cpuNsPerBooking: number;
  readonly heapBytesPerToken: number;
  readonly tokens: number;
}

/** One run of each row. */
interface Round {
  readonly bare: Run;
  readonly mixed: { readonly nsPerOperation: number; readonly cpuNsPerOperation: number; readonly counts: MixCounts };
  readonly oneCategory: Run;
  /** Absent for a library without `opd-scheduler/lab`. */
  readonly replay: { readonly nsPerEvent: number; readonly cpuNsPerEvent: number } | undefined;
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

async function engine(doctors: number, days: number): Promise<Booker> {
  const opd = await network(doctors, days);
  return { book: (r) => opd.book(r), booked: async () => (await opd.stats()).byStatus.BOOKED, close: () => opd.close() };
}

interface BareDay {
  readonly slots: { readonly id: string; readonly capacity: number; used: number }[];
  readonly tokens: object[];
}

/** The floor: the least an awaited booking can do (no policies, no snapshot, no views). */
async function bare(doctors: number, days: number): Promise<Booker> {
  const byDoctor = new Map<string, Map<string, BareDay>>();
  for (let i = 0; i < doctors; i++) {
    const byDay = new Map<string, BareDay>();
    for (let d = 0; d < days; d++) {
      byDay.set(dayString(d), { slots: Array.from({ length: SLOTS_PER_DAY }, (_, s) => ({ id: `d${i}-${d}-${s}`, capacity: CAPACITY, used: 0 })), tokens: [] });
    }
    byDoctor.set(`d${i}`, byDay);
  }
  const events: object[] = [];
  let count = 0;
  return {
    async book(r) {
      if (typeof r.doctorId !== 'string' || typeof r.category !== 'string' || typeof r.patient?.id !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(r.date)) {
        throw new Error('invalid request');
      }
      const day = byDoctor.get(r.doctorId)?.get(r.date);
      if (day === undefined) throw new Error('no such doctor-day');
      const slot = day.slots.find((s) => s.used < s.capacity);
      if (slot === undefined) throw new Error('full');
      slot.used++;
      const token = {
        id: `${r.doctorId}~${r.date}~${day.tokens.length + 1}`,
        slotId: slot.id,
        category: r.category,
        patient: r.patient,
        status: 'BOOKED',
        at: Date.now(),
      };
      day.tokens.push(token);
      events.push({ type: 'token:booked', tokenId: token.id, slotId: slot.id, at: token.at });
      count++;
      return { token };
    },
    booked: async () => count,
    close: async () => undefined,
  };
}

/** Books every place of the large network with `make`'s booker; the setup is not timed. */
async function run(make: (doctors: number, days: number) => Promise<Booker>, doctors: number, days: number): Promise<Run> {
  const opd = await make(doctors, days);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const n = await bookAll((r) => opd.book(r), doctors, days);
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpuBefore);
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const booked = await opd.booked();
  if (booked !== n) throw new Error(`expected ${n} booked tokens, got ${booked}`);
  await opd.close();
  return { nsPerBooking: elapsedNs / n, cpuNsPerBooking: ((cpu.user + cpu.system) * 1000) / n, heapBytesPerToken: (heapAfter - heapBefore) / n, tokens: n };
}

async function mixed(doctors: number, seed: number): Promise<Round['mixed']> {
  gc();
  const day = await mixedDay(doctors, seed);
  return { nsPerOperation: day.elapsedNs / day.counts.operations, cpuNsPerOperation: day.cpuNs / day.counts.operations, counts: day.counts };
}

/** One replay of a recorded history under the options it was recorded with. */
async function replayRun(history: LabHistory | undefined): Promise<Round['replay']> {
  if (lab === undefined || history === undefined) return undefined;
  gc();
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await lab.replay(history, mixedDayOptions());
  const elapsed = Number(process.hrtime.bigint() - started);
  const cpu = process.cpuUsage(cpuBefore);
  await result.scheduler.close();
  return { nsPerEvent: elapsed / history.events.length, cpuNsPerEvent: ((cpu.user + cpu.system) * 1000) / history.events.length };
}

const { runs, days, doctors, seed } = benchOptions('bench', {
  runs: { env: 'BENCH_RUNS', default: 5, description: 'runs of each row' },
  days: { env: 'BENCH_DAYS', default: 30, description: 'days of the one-category network (1,000 doctors)' },
  doctors: { env: 'BENCH_DOCTORS', default: 100, description: 'doctors of the mixed day' },
  seed: { env: 'BENCH_SEED', default: 22, description: 'seed of the mixed day' },
});
const NETWORK_DOCTORS = 1000;
const json = process.env['BENCH_JSON'] === '1';
const ns = (x: number): string => Math.round(x).toLocaleString('en-US');

console.log(`opd-scheduler book benchmark — Node ${process.version}, ${runs} runs, medians`);
// Which sources `opd-scheduler` resolved to (TSX_TSCONFIG_PATH chooses another tree's: bench/book-ab.ts).
console.log(`library: ${fileURLToPath(import.meta.resolve('opd-scheduler'))}`);
// A day untimed first: the mixed day's many code paths are compiled and optimized during its
// first tens of thousands of calls, which would otherwise weigh on the first run alone.
let recorded: LabHistory | undefined;
await mixedDay(doctors, seed, async (opd) => {
  recorded = await lab?.exportHistory(opd);
});
const history = recorded;
await replayRun(history);
const rounds: Round[] = [];
for (let r = 0; r < runs; r++) {
  // The rows take turns in every run, so that drift in the machine's load falls on each alike.
  const floor = await run(bare, NETWORK_DOCTORS, days);
  const day = await mixed(doctors, seed);
  const oneCategory = await run(engine, NETWORK_DOCTORS, days);
  const replayed = await replayRun(history);
  rounds.push({ bare: floor, mixed: day, oneCategory, replay: replayed });
  console.log(
    `  run ${r + 1}: mixed day ${ns(day.nsPerOperation)} ns/call (CPU ${ns(day.cpuNsPerOperation)}); bare ${ns(floor.nsPerBooking)} ns/booking ` +
      `(CPU ${ns(floor.cpuNsPerBooking)}); one category ${ns(oneCategory.nsPerBooking)} ns/booking (CPU ${ns(oneCategory.cpuNsPerBooking)}), ` +
      `${Math.round(oneCategory.heapBytesPerToken)} B/token; replay ${replayed === undefined ? 'n/a' : `${ns(replayed.nsPerEvent)} ns/event`}`,
  );
}

const counts = rounds[0]!.mixed.counts;
if (rounds.some((r) => JSON.stringify(r.mixed.counts) !== JSON.stringify(counts)))
  throw new Error('the mixed day differed between runs: it must be deterministic');
console.log(
  `mixed day: ${doctors} doctors of the simulation's hospital (seed ${seed}), ${counts.requests.toLocaleString('en-US')} requests, ` +
    `${counts.operations.toLocaleString('en-US')} calls; ${counts.booked.toLocaleString('en-US')} booked (${counts.elastic} in elastic places), ` +
    `${counts.bumps} bumps, ${counts.cascades} cascades, ${counts.waitlisted} waitlisted, ${counts.promotions} promotions, ` +
    `${counts.holds} holds (${counts.confirmed} confirmed, ${counts.expired} expired), ${counts.cancels} cancels, ${counts.noShows} no-shows, ` +
    `${counts.completed} seen, ${counts.closedSlots} slots closed by leaves (${counts.moved} patients moved to colleagues), ` +
    `${counts.dropped} dropped, ${counts.refused} refused`,
);

const med = (of: (r: Round) => number): number => median(rounds.map(of));
const summary = {
  mixedNsPerCall: med((r) => r.mixed.nsPerOperation),
  mixedCpuNsPerCall: med((r) => r.mixed.cpuNsPerOperation),
  mixedOverBare: med((r) => r.mixed.nsPerOperation / r.bare.nsPerBooking),
  mixedCpuOverBare: med((r) => r.mixed.cpuNsPerOperation / r.bare.cpuNsPerBooking),
  bareNs: med((r) => r.bare.nsPerBooking),
  bareCpuNs: med((r) => r.bare.cpuNsPerBooking),
  oneCategoryNs: med((r) => r.oneCategory.nsPerBooking),
  oneCategoryCpuNs: med((r) => r.oneCategory.cpuNsPerBooking),
  oneCategoryOverBare: med((r) => r.oneCategory.nsPerBooking / r.bare.nsPerBooking),
  oneCategoryCpuOverBare: med((r) => r.oneCategory.cpuNsPerBooking / r.bare.cpuNsPerBooking),
  heapBytesPerToken: med((r) => r.oneCategory.heapBytesPerToken),
  replayNsPerEvent: med((r) => r.replay?.nsPerEvent ?? Number.NaN),
  replayCpuNsPerEvent: med((r) => r.replay?.cpuNsPerEvent ?? Number.NaN),
  replayOverBare: med((r) => (r.replay?.nsPerEvent ?? Number.NaN) / r.bare.nsPerBooking),
  replayCpuOverBare: med((r) => (r.replay?.cpuNsPerEvent ?? Number.NaN) / r.bare.cpuNsPerBooking),
};
const times = (x: number): string => `${x.toFixed(1)}×`;
console.table([
  {
    row: 'mixed day (per call)',
    'ns wall': ns(summary.mixedNsPerCall),
    'ns CPU': ns(summary.mixedCpuNsPerCall),
    '× bare wall': times(summary.mixedOverBare),
    '× bare CPU': times(summary.mixedCpuOverBare),
    'B/token': '',
  },
  { row: 'bare awaited booking', 'ns wall': ns(summary.bareNs), 'ns CPU': ns(summary.bareCpuNs), '× bare wall': '1.0×', '× bare CPU': '1.0×', 'B/token': '' },
  {
    row: `one category, ${NETWORK_DOCTORS.toLocaleString('en-US')} doctors × ${days} days`,
    'ns wall': ns(summary.oneCategoryNs),
    'ns CPU': ns(summary.oneCategoryCpuNs),
    '× bare wall': times(summary.oneCategoryOverBare),
    '× bare CPU': times(summary.oneCategoryCpuOverBare),
    'B/token': Math.round(summary.heapBytesPerToken),
  },
  ...(history === undefined
    ? []
    : [
        {
          row: `replay of the mixed day (per recorded event; ${history.events.length.toLocaleString('en-US')} events)`,
          'ns wall': ns(summary.replayNsPerEvent),
          'ns CPU': ns(summary.replayCpuNsPerEvent),
          '× bare wall': times(summary.replayOverBare),
          '× bare CPU': times(summary.replayCpuOverBare),
          'B/token': '',
        },
      ]),
]);
if (history !== undefined) console.log(`replay: ${Math.round(1e9 / summary.replayNsPerEvent).toLocaleString('en-US')} recorded events a second`);
console.log('× bare: median of the per-run ratios. To catch a regression, compare with a checkout of main: npm run bench:ab -- --before <checkout>.');
if (json)
  console.log(
    JSON.stringify({
      doctors,
      seed,
      days,
      counts,
      summary,
      rounds: rounds.map(({ mixed: m, ...rest }) => ({ ...rest, mixed: { nsPerOperation: m.nsPerOperation, cpuNsPerOperation: m.cpuNsPerOperation } })),
    }),
  );
