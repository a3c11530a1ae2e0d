import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/** The package's entry points, read from the sources: every test imports the package by its own name. */
export const entries = [
  { find: /^opd-scheduler\/adapter-kit$/, replacement: src('adapter-kit/index.ts') },
  { find: /^opd-scheduler\/events$/, replacement: src('events/index.ts') },
  { find: /^opd-scheduler\/postgres$/, replacement: src('postgres/index.ts') },
  { find: /^opd-scheduler\/testing$/, replacement: src('testing/index.ts') },
  { find: /^opd-scheduler\/lab$/, replacement: src('lab/index.ts') },
  { find: /^opd-scheduler\/fhir$/, replacement: src('fhir/index.ts') },
  { find: /^opd-scheduler\/abdm$/, replacement: src('abdm/index.ts') },
  { find: /^opd-scheduler\/desk$/, replacement: src('desk/index.ts') },
  { find: /^opd-scheduler\/notices$/, replacement: src('notices/index.ts') },
  { find: /^opd-scheduler\/print$/, replacement: src('print/index.ts') },
  { find: /^opd-scheduler\/reports$/, replacement: src('reports/index.ts') },
  { find: /^opd-scheduler$/, replacement: src('index.ts') },
];

const root = fileURLToPath(new URL('.', import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? testFiles(join(dir, entry.name)) : entry.name.endsWith('.test.ts') ? [join(dir, entry.name)] : [],
  );
}

/**
 * The suites `npm run test:long` runs, at full intensity (`test/intensity.ts`): the long tests of
 * `test/long`, and every suite that scales with the intensity — each one that imports
 * `test/intensity.ts` (storms and kill rounds of several processes, the full docs-site build, the
 * hospital-scale simulation checks), `fcOptions` (a property's runs) or `browserTestsRun` (the
 * screens and reports in Chromium). `npm test` runs every suite but
 * `test/long`, at a contributor's intensity.
 */
export const LONG_SUITES = [
  'test/long/**/*.test.ts',
  ...testFiles(join(root, 'test'))
    .filter((file) => !file.includes('/test/long/') && /\bfcOptions\b|\bbrowserTestsRun\b|\/intensity\.js'/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(root, file)),
];

/**
 * A test or hook without a limit of its own: five minutes rather than vitest's 5 s (10 s for
 * hooks), in `npm test` and `test:long` alike. On two cores the suite runs three files at once
 * beside PostgreSQL, worker processes and Chromium, often beside other work: a pure test has taken
 * 30 s on a busy machine (load average 40), one of a few dozen calls over HTTP more than 20 s, and a
 * beforeAll starts a server, a PGlite or Chromium. A limit guards against a hang, it measures
 * nothing (the benchmarks do), so it must not fail a test on a busy machine.
 */
const LIMITS = { testTimeout: 300_000, hookTimeout: 300_000 };

/**
 * Files whose work is not in their size: each runs a suite written elsewhere or drives processes
 * and databases. vitest starts the files it has no timings of (a fresh clone) largest first, so
 * these would start last and one of them, still running, would keep the others' cores idle: the
 * storage conformance suite on PGlite (a kilobyte, 72 tests, 40 s of CPU alone) finished
 * alone a minute after every other file. They start first, the heaviest first.
 */
const HEAVY_FIRST = [
  'test/conformance/pglite.test.ts',
  'test/postgres/desk-log.test.ts',
  'test/cli/process.test.ts',
  'test/reports/report.test.ts',
  'test/unit/leases.test.ts',
  'test/property/composition.test.ts',
];

for (const file of HEAVY_FIRST) if (!existsSync(join(root, file))) throw new Error(`vitest.config.ts: HEAVY_FIRST names ${file}, which is not there`);

/** vitest's order (the slowest of the last run first, else the largest), with {@link HEAVY_FIRST} before it. */
class HeavyFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification): number => {
      const at = HEAVY_FIRST.indexOf(relative(root, spec.moduleId).split('\\').join('/'));
      return at === -1 ? HEAVY_FIRST.length : at;
    };
    const sorted = await super.sort(files);
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}

export default defineConfig(({ mode }) => {
  const long = mode === 'long';
  return {
    resolve: { alias: entries },
    test: long
      ? { include: LONG_SUITES, env: { OPD_TEST_LONG: '1' }, ...LIMITS }
      : {
          include: ['test/**/*.test.ts'],
          exclude: ['test/long/**', '**/node_modules/**'],
          // One test file more than there are cores (vitest's default leaves one core idle): much of
          // the suite waits on PostgreSQL, PGlite, child processes and quiet periods rather than
          // computing (on two cores: 2 min 41 s against 3 min 4 s with one file per core).
          maxWorkers: availableParallelism() + 1,
          // The files of a worker share its modules rather than importing the package again for
          // each file (import was a third of the suite's time: 205 s of 571 s summed over workers
          // on two cores, 124 s without): the code holds no module-level mutable state, and each
          // test makes its own schedulers, stores and clocks.
          isolate: false,
          // ...and so their PGlite databases (test/pglite.ts): a file's database, emptied, goes to
          // the worker's next file instead of a new instance starting (a second of CPU each).
          env: { OPD_TEST_SHARED_PGLITE: '1' },
          sequence: { sequencer: HeavyFirst },
          ...LIMITS,
          // The type tests, with the sources they check (tsconfig.types.json: src and the type
          // tests). vitest runs tsc after every other file, alone: over the whole project that
          // was 26 s at the end of each run; this is 9 s. `npm run typecheck` checks the whole
          // project (tests, benchmarks, examples), CI's first step.
          typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.types.json' },
        },
  };
});
