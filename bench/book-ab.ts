/**
 * `npm run bench:ab -- --before <checkout>`: the rows of `npm run bench` (the mixed day, the bare
 * awaited booking, the one-category network) for this tree and another checkout, such as a
 * worktree of the main branch, in separate processes taking turns: before, this tree, this tree,
 * before, … (`--pairs` of each, default 5). Reported: each tree's medians, and the median over
 * pairs of the ratio this tree / before, so that drift in the machine's load falls on both alike.
 *
 * Both trees run this tree's benchmark (`bench/book.bench.ts` and the mixed day it drives), so a
 * checkout whose `bench/` predates the mixed day is measured on the same work, and both without
 * the replay row (`BENCH_REPLAY=0`), which only a tree with `opd-scheduler/lab` can run: a
 * process that replays has more code compiled and the recorded history alive while it runs the
 * other rows (the bare floor, the same code in both processes, ran 1.24–1.33× slower in the one
 * that replayed). Only the library
 * differs: each process starts in its tree with `TSX_TSCONFIG_PATH=<tree>/tsconfig.json`, whose
 * `paths` map `opd-scheduler` to that tree's `src/index.ts` (each process prints which file it
 * loaded). The other checkout needs `src/`, that `tsconfig.json` and its packages
 * (`npm ci`, or a link to this tree's `node_modules`). The mixed day's counts must agree between
 * the trees: when they differ, the trees' rules differ and the two days are not the same work.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { median } from './args.js';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    pairs: { type: 'string', default: '5' },
    doctors: { type: 'string', default: '100' },
    days: { type: 'string', default: '10' },
  },
});
const usage = 'usage: npm run bench:ab -- --before <checkout> [--pairs 5] [--doctors 100 (the mixed day)] [--days 10 (the one-category network)]';
if (values.before === undefined) {
  console.error(usage);
  process.exit(2);
}
const [pairs, doctors, days] = [values.pairs, values.doctors, values.days].map(Number) as [number, number, number];
if (![pairs, doctors, days].every((n) => Number.isSafeInteger(n) && n > 0)) {
  console.error(`--pairs, --doctors and --days must be whole numbers above 0\n${usage}`);
  process.exit(2);
}

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const trees = [
  { label: 'before', root: resolve(values.before) },
  { label: 'this tree', root: here },
];
for (const { root } of trees) {
  for (const needed of ['src/index.ts', 'tsconfig.json', 'node_modules']) {
    if (!existsSync(join(root, needed))) throw new Error(`${root}: expected ${needed} (a checkout with its packages installed)`);
  }
}

/** The last line of `npm run bench` with BENCH_JSON=1. */
interface BenchReport {
  readonly counts: Record<string, number>;
  readonly summary: {
    readonly mixedNsPerCall: number;
    readonly mixedCpuNsPerCall: number;
    readonly mixedOverBare: number;
    readonly mixedCpuOverBare: number;
    readonly bareNs: number;
    readonly bareCpuNs: number;
    readonly oneCategoryNs: number;
    readonly oneCategoryCpuNs: number;
    readonly heapBytesPerToken: number;
  };
}

const run = promisify(execFile);

/** One process of `bench/book.bench.ts` (this tree's) against the library of `root`. */
async function measure(root: string): Promise<BenchReport> {
  const script = join(here, 'bench/book.bench.ts');
  const args = ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', script, '--runs', '1', '--doctors', String(doctors), '--days', String(days)];
  const { stdout } = await run(process.execPath, args, {
    cwd: root,
    env: { ...process.env, BENCH_JSON: '1', BENCH_REPLAY: '0', TSX_TSCONFIG_PATH: join(root, 'tsconfig.json') },
    maxBuffer: 16 * 1024 * 1024,
  });
  const lines = stdout.trim().split('\n');
  const loaded = lines.find((l) => l.startsWith('library: '));
  const expected = join(root, 'src/index.ts');
  if (loaded !== `library: ${expected}`) throw new Error(`expected the library of ${expected}, the benchmark says ${loaded ?? 'nothing'}`);
  return JSON.parse(lines.at(-1)!) as BenchReport;
}

const results: BenchReport[][] = [[], []];
console.log(
  `opd-scheduler book A/B — Node ${process.version}, ${pairs} pairs of processes, mixed day of ${doctors} doctors, one category on 1,000 doctors × ${days} days`,
);
for (let p = 0; p < pairs; p++) {
  for (const k of p % 2 === 0 ? [0, 1] : [1, 0]) {
    const report = await measure(trees[k]!.root);
    results[k]!.push(report);
    const s = report.summary;
    console.log(
      `  pair ${p + 1} ${trees[k]!.label.padEnd(9)}: mixed day ${Math.round(s.mixedNsPerCall)} ns/call (CPU ${Math.round(s.mixedCpuNsPerCall)}), ` +
        `${s.mixedOverBare.toFixed(1)}× bare; one category ${Math.round(s.oneCategoryNs)} ns/booking (CPU ${Math.round(s.oneCategoryCpuNs)})`,
    );
  }
}

const [before, after] = results as [BenchReport[], BenchReport[]];
const sameDay = JSON.stringify(before[0]!.counts) === JSON.stringify(after[0]!.counts);
if (!sameDay) {
  console.log(`  the mixed days differ (the trees' rules differ): before ${JSON.stringify(before[0]!.counts)}, this tree ${JSON.stringify(after[0]!.counts)}`);
}
type Key = keyof BenchReport['summary'];
const rows: ReadonlyArray<readonly [string, Key]> = [
  ['mixed day, ns per call', 'mixedNsPerCall'],
  ['mixed day, CPU ns per call', 'mixedCpuNsPerCall'],
  ['mixed day, × bare (wall)', 'mixedOverBare'],
  ['mixed day, × bare (CPU)', 'mixedCpuOverBare'],
  ['bare awaited booking, ns', 'bareNs'],
  ['one category, ns per booking', 'oneCategoryNs'],
  ['one category, CPU ns per booking', 'oneCategoryCpuNs'],
  ['one category, heap B per token', 'heapBytesPerToken'],
];
const fixed = (x: number): string => (x < 100 ? x.toFixed(2) : Math.round(x).toLocaleString('en-US'));
console.table(
  rows.map(([row, key]) => {
    const ratios = after.map((r, i) => r.summary[key] / before[i]!.summary[key]);
    const sorted = [...ratios].sort((a, b) => a - b);
    return {
      row,
      before: fixed(median(before.map((r) => r.summary[key]))),
      'this tree': fixed(median(after.map((r) => r.summary[key]))),
      'this / before': median(ratios).toFixed(3),
      range: `${sorted[0]!.toFixed(3)}–${sorted.at(-1)!.toFixed(3)}`,
    };
  }),
);
console.log('medians over processes; this / before: median of the ratios within each pair, with their range.');
