/**
 * `npm run bench:commands`: the cost of the commands that act on a whole slot, by the number of
 * places in it, to show how they grow (every command is meant to stay O(n log n) in the places
 * of a slot or day).
 *
 * Workload per size n: one doctor-day with a 09:00 slot of n places, all booked (mixed
 * categories, a few emergencies) and a 10:00 slot with room for a quarter of them. Timed, in
 * this order, each on the standard preset:
 * - `setCapacity` lowering 09:00 to n/2 (n/4 cascade into 10:00, the rest are waitlisted);
 * - `setCapacity` raising it back to n (the waitlisted are promoted back);
 * - `closeSlot` of 09:00 (every place displaced: into 10:00 while it has room, else waitlisted).
 * Also the same three as dry runs first. Reported: milliseconds per call (median of the runs),
 * and µs per place.
 *
 * Then a doctor's leave: one doctor with 28 days of eight hourly slots (capacity 4), 400 patients
 * booked over the two weeks of the leave and a few on the morning it ends, the days after it
 * empty; the leave runs from the first day 09:00 to the fifteenth 11:00 (114 slots close; 399
 * displaced patients move to the first free place after the leave: the fifteenth's afternoon,
 * then the days after it, day by day; the last morning's emergency keeps its day by bumping). Timed on each store (memory, PGlite, and a PostgreSQL
 * server when DATABASE_URL is set), on fresh copies each run: `closeSlots` as a dry run,
 * `closeSlots` for real, the same leave with `horizonDays: 0` (everyone stays on their own day:
 * the cost of looking past the leave), and the same slots closed one `closeSlot` call at a time,
 * in time order (what a desk did before; nobody leaves their day). Wall and CPU time (user +
 * system of this process; the server's own CPU is not in it), medians of the runs.
 */
import { OpdScheduler, presets, type StorageAdapter } from 'opd-scheduler';
import { benchOptions, median } from './args.js';
import { type BenchStore, benchStores } from './stores.js';

const DAY = '2026-01-30';
const CATEGORIES = ['ONLINE', 'WALK_IN', 'FOLLOW_UP', 'PAID', 'ONLINE', 'WALK_IN', 'ONLINE', 'FOLLOW_UP', 'WALK_IN', 'EMERGENCY'] as const;

interface Timings {
  readonly lowerDry: number;
  readonly lower: number;
  readonly raise: number;
  readonly closeDry: number;
  readonly close: number;
}

async function setup(n: number): Promise<OpdScheduler> {
  const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(`${DAY}T07:00:00Z`) });
  await opd.addDoctor({ id: 'd1', name: 'Doctor' });
  await opd.addSlots('d1', [
    { id: 'nine', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: n, overflowCapacity: 0 },
    { id: 'ten', start: `${DAY}T10:00:00Z`, end: `${DAY}T11:00:00Z`, capacity: Math.floor(n / 4), overflowCapacity: 0 },
  ]);
  for (let i = 0; i < n; i++) {
    await opd.book({ doctorId: 'd1', category: CATEGORIES[i % CATEGORIES.length]!, patient: { id: `p${i}`, name: `Patient ${i}` }, slotId: 'nine' });
  }
  return opd;
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function run(n: number): Promise<Timings> {
  const opd = await setup(n);
  const half = Math.floor(n / 2);
  const lowerDry = await time(() => opd.setCapacity('nine', half, { dryRun: true }));
  const lower = await time(() => opd.setCapacity('nine', half));
  const raise = await time(() => opd.setCapacity('nine', n));
  const closeDry = await time(() => opd.closeSlot('nine', { dryRun: true }));
  const close = await time(() => opd.closeSlot('nine'));
  const slot = await opd.getSlot('nine');
  if (slot.slot.status !== 'CLOSED' || slot.places.length !== 0) throw new Error('closeSlot left places behind');
  await opd.close();
  return { lowerDry, lower, raise, closeDry, close };
}

const { runs, max } = benchOptions('bench:commands', {
  runs: { env: 'BENCH_RUNS', default: 3, description: 'runs of each size' },
  max: { env: 'BENCH_MAX_PLACES', default: 20_000, description: 'largest size to run' },
});
const sizes = [1_000, 8_000, 20_000].filter((n) => n <= max);
console.log(`opd-scheduler slot commands benchmark — Node ${process.version}, ${runs} runs each, medians`);
const rows = [];
for (const n of sizes) {
  const results: Timings[] = [];
  for (let r = 0; r < runs; r++) results.push(await run(n));
  const ms = (pick: (t: Timings) => number): number => median(results.map(pick));
  const row = {
    places: n,
    lowerDry: ms((t) => t.lowerDry),
    lower: ms((t) => t.lower),
    raise: ms((t) => t.raise),
    closeDry: ms((t) => t.closeDry),
    close: ms((t) => t.close),
  };
  console.log(
    `  ${n} places: setCapacity lower ${row.lower.toFixed(1)} ms (dry ${row.lowerDry.toFixed(1)}), raise ${row.raise.toFixed(1)} ms, ` +
      `closeSlot ${row.close.toFixed(1)} ms (dry ${row.closeDry.toFixed(1)})`,
  );
  rows.push({
    places: n,
    'setCapacity lower ms': +row.lower.toFixed(1),
    'setCapacity raise ms': +row.raise.toFixed(1),
    'closeSlot ms': +row.close.toFixed(1),
    'µs/place (lower)': +((row.lower * 1000) / n).toFixed(2),
    'µs/place (close)': +((row.close * 1000) / n).toFixed(2),
  });
}
console.table(rows);
console.log('target: µs per place about flat from 1k to 20k places (O(n log n)), no call blocking the event loop for seconds');

// ---------------------------------------------------------------------------------------------
// A doctor's leave: two weeks, 400 patients displaced.

const LEAVE_DAYS = Array.from({ length: 28 }, (_, i) => new Date(Date.UTC(2026, 1, 2 + i)).toISOString().slice(0, 10));
const LEAVE = { from: `${LEAVE_DAYS[0]}T09:00:00Z`, to: `${LEAVE_DAYS[14]}T11:00:00Z`, reason: 'on leave' };
const pad = (h: number): string => String(h).padStart(2, '0');

const { stores: STORES, close } = benchStores('leave_bench');

/** The doctor, the 28 days of slots and the 400 patients, on a fresh store. */
async function leaveSetup(storage: StorageAdapter): Promise<OpdScheduler> {
  const opd = new OpdScheduler({ ...presets.standard(), storage, clock: () => new Date('2026-02-01T07:00:00Z') });
  await opd.addDoctor({ id: 'd1', name: 'Doctor' });
  await opd.addSlots(
    'd1',
    LEAVE_DAYS.flatMap((day) =>
      [9, 10, 11, 12, 13, 14, 15, 16].map((h) => ({
        id: `${day}-${pad(h)}`,
        start: `${day}T${pad(h)}:00:00Z`,
        end: `${day}T${pad(h + 1)}:00:00Z`,
        capacity: 4,
        overflowCapacity: 1,
      })),
    ),
  );
  const leaveSlots = LEAVE_DAYS.slice(0, 14).flatMap((day) => [9, 10, 11, 12, 13, 14, 15, 16].map((h) => `${day}-${pad(h)}`));
  for (let i = 0; i < 400; i++) {
    // Spread over the leave's 112 slots, at most 4 each; the last eight on the morning it ends.
    const slotId = i < 392 ? leaveSlots[(i * 5) % leaveSlots.length]! : `${LEAVE_DAYS[14]}-${pad(9 + (i % 2))}`;
    await opd.book({ doctorId: 'd1', category: CATEGORIES[i % CATEGORIES.length]!, patient: { id: `p${i}`, name: `Patient ${i}` }, slotId });
  }
  return opd;
}

interface LeaveTimings {
  readonly dryWall: number;
  readonly dryCpu: number;
  readonly wall: number;
  readonly cpu: number;
  readonly bySlotWall: number;
  readonly bySlotCpu: number;
  readonly stayWall: number;
  readonly stayCpu: number;
  readonly displaced: number;
  readonly moved: number;
}

async function measured(work: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await work();
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

async function leaveRun(store: BenchStore): Promise<LeaveTimings> {
  const a = await store.open();
  const b = await store.open();
  const c = await store.open();
  try {
    const one = await leaveSetup(a.storage);
    const other = await leaveSetup(b.storage);
    const third = await leaveSetup(c.storage);
    let effects: readonly { type: string }[] = [];
    const dry = await measured(() => one.closeSlots('d1', { ...LEAVE, dryRun: true }));
    const real = await measured(async () => (effects = await one.closeSlots('d1', LEAVE)));
    const closed = effects.filter((e) => e.type === 'slot:closed').length;
    const displaced = effects.filter((e) => ['token:cascaded', 'token:moved', 'token:waitlisted', 'token:dropped'].includes(e.type)).length;
    const moved = effects.filter((e) => e.type === 'token:moved').length;
    // 399 move past the leave; the last morning's emergency keeps its day by the emergency rule, bumping one patient there.
    if (closed !== 14 * 8 + 2 || displaced !== 401 || moved !== 399)
      throw new Error(`the leave closed ${closed} slots, displaced ${displaced} patients and moved ${moved} to later days`);
    const stay = await measured(() => third.closeSlots('d1', { ...LEAVE, horizonDays: 0 }));
    // The same slots, in time order: every slot of the first 14 days, then 09:00 and 10:00 of the last.
    const slots = LEAVE_DAYS.flatMap((day) => [9, 10, 11, 12, 13, 14, 15, 16].map((h) => `${day}-${pad(h)}`)).slice(0, 14 * 8 + 2);
    const bySlot = await measured(async () => {
      for (const slotId of slots) await other.closeSlot(slotId, { reason: 'on leave' });
    });
    await one.close();
    await other.close();
    await third.close();
    return {
      dryWall: dry.wall,
      dryCpu: dry.cpu,
      wall: real.wall,
      cpu: real.cpu,
      bySlotWall: bySlot.wall,
      bySlotCpu: bySlot.cpu,
      stayWall: stay.wall,
      stayCpu: stay.cpu,
      displaced,
      moved,
    };
  } finally {
    await a.drop();
    await b.drop();
    await c.drop();
  }
}

console.log(`\nA doctor's leave: two weeks, 112 + 2 slots closed, 400 patients displaced and moved past the leave — ${runs} runs each, medians`);
const leaveRows = [];
for (const store of STORES) {
  const results: LeaveTimings[] = [];
  for (let r = 0; r < runs; r++) results.push(await leaveRun(store));
  const ms = (pick: (t: LeaveTimings) => number): number => +median(results.map(pick)).toFixed(1);
  const row = {
    store: store.name,
    'closeSlots dry ms': ms((t) => t.dryWall),
    'closeSlots dry CPU ms': ms((t) => t.dryCpu),
    'closeSlots ms': ms((t) => t.wall),
    'closeSlots CPU ms': ms((t) => t.cpu),
    'horizonDays 0 ms': ms((t) => t.stayWall),
    'horizonDays 0 CPU ms': ms((t) => t.stayCpu),
    'moving / staying (CPU, median of ratios)': +median(results.map((t) => t.cpu / t.stayCpu)).toFixed(2),
    'slot by slot ms': ms((t) => t.bySlotWall),
    'slot by slot CPU ms': ms((t) => t.bySlotCpu),
    'by slot / closeSlots (wall, median of ratios)': +median(results.map((t) => t.bySlotWall / t.wall)).toFixed(2),
  };
  console.log(
    `  ${store.name}: closeSlots ${row['closeSlots ms']} ms (CPU ${row['closeSlots CPU ms']}), dry ${row['closeSlots dry ms']} ms; slot by slot ${row['slot by slot ms']} ms (CPU ${row['slot by slot CPU ms']})`,
  );
  leaveRows.push(row);
}
console.table(leaveRows);
await close();
