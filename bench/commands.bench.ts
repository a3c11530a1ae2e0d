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
 */
import { OpdScheduler, presets } from 'opd-scheduler';
import { benchOptions, median } from './args.js';

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
  const row = { places: n, lowerDry: ms((t) => t.lowerDry), lower: ms((t) => t.lower), raise: ms((t) => t.raise), closeDry: ms((t) => t.closeDry), close: ms((t) => t.close) };
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
