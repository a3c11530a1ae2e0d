/**
 * `npm run bench:ab -- --before <checkout>`: this tree's `book` path against another checkout's,
 * in one process, on the workload of `npm run bench`. For changes worth a few percent, which a
 * shared machine's drift between two runs hides.
 *
 * Each version gets its own network (D doctors × N days, 8 slots of 5 places); the bookings go in
 * blocks of a few rounds (a booking for every doctor per round), the two versions taking turns
 * block by block and going first in every other block, so that what the machine does meanwhile
 * falls on both alike. The first day warms both up and is not counted. Reported: the median over
 * blocks of the ratio of the two versions' CPU time for the same block (this tree / before), with
 * the range of the middle half, and each version's CPU per booking over all blocks.
 *
 * The other checkout needs its sources (`<checkout>/src/index.ts`) and its packages installed
 * (`npm ci`, or a link to this tree's `node_modules`). Two copies of one tree (`git worktree add`)
 * show what the method itself gives: a ratio within a few percent of 1.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as thisTree from 'opd-scheduler';
import { median } from './args.js';
import { bookRounds, dayString, network, PER_DAY, type WorkloadLibrary } from './book-workload.js';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    doctors: { type: 'string', default: '1000' },
    days: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '4' },
  },
});
if (values.before === undefined) {
  console.error('usage: npm run bench:ab -- --before <checkout> [--doctors 1000] [--days 6] [--rounds 4]');
  process.exit(2);
}
const doctors = Number(values.doctors);
const days = Number(values.days);
const rounds = Number(values.rounds);
if (![doctors, days, rounds].every((n) => Number.isSafeInteger(n) && n > 0) || days < 2 || PER_DAY % rounds !== 0) {
  console.error(`--doctors and --days must be whole numbers (days at least 2), --rounds a divisor of ${PER_DAY}`);
  process.exit(2);
}
// The other checkout's classes are other declarations of the same API (its private fields make
// them distinct types to the compiler); the workload uses only the constructor and the preset.
const before = (await import(pathToFileURL(resolve(values.before, 'src/index.ts')).href)) as unknown as WorkloadLibrary;
const versions = [
  { label: 'before', opd: await network(doctors, days, undefined, before), n: 0, cpu: 0, counted: 0 },
  { label: 'this tree', opd: await network(doctors, days, undefined, thisTree), n: 0, cpu: 0, counted: 0 },
];

const ratios: number[] = [];
for (let d = 0; d < days; d++) {
  const date = dayString(d);
  for (let block = 0; block < PER_DAY / rounds; block++) {
    const cpu = [0, 0];
    for (const k of block % 2 === 0 ? [0, 1] : [1, 0]) {
      const v = versions[k]!;
      const started = process.cpuUsage();
      const next = await bookRounds((r) => v.opd.book(r), doctors, date, rounds, v.n);
      const used = process.cpuUsage(started);
      cpu[k] = used.user + used.system;
      if (d > 0) {
        v.cpu += cpu[k]!;
        v.counted += next - v.n;
      }
      v.n = next;
    }
    if (d > 0) ratios.push(cpu[1]! / cpu[0]!);
  }
}
for (const v of versions) {
  const booked = (await v.opd.stats()).byStatus.BOOKED;
  if (booked !== v.n) throw new Error(`${v.label}: expected ${v.n} booked tokens, got ${booked}`);
  await v.opd.close();
}
const sorted = [...ratios].sort((a, b) => a - b);
const quartile = (q: number): string => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(3);
console.log(`opd-scheduler book A/B — Node ${process.version}, ${doctors} doctors × ${days} days (the first not counted), blocks of ${rounds} rounds`);
for (const v of versions) console.log(`  ${v.label.padEnd(9)}: CPU ${Math.round((v.cpu * 1000) / v.counted)} ns per booking over ${v.counted.toLocaleString('en-US')} bookings`);
console.log(`  CPU this tree / before, median of ${ratios.length} blocks: ${median(ratios).toFixed(3)} (middle half ${quartile(0.25)}–${quartile(0.75)})`);
