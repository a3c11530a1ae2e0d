import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { entries } from './vitest.config.js';

/** Quick, targeted suites first: with bail, most mutants die in a unit test within a second. */
const ORDER = ['/test/core/', '/test/unit/', '/test/property/strategies', '/test/model/', '/test/property/invariants', '/test/race/', '/test/property/'];
const rank = (file: TestSpecification): number => {
  const i = ORDER.findIndex((part) => file.moduleId.includes(part));
  return i < 0 ? ORDER.length : i;
};

class QuickFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a) - rank(b) || (a.moduleId < b.moduleId ? -1 : a.moduleId > b.moduleId ? 1 : 0));
  }
}

/**
 * The suites that judge the allocation core under mutation testing (`npm run mutation`):
 * core, unit, property, model and race tests. Example, browser and type tests are left out: they
 * exercise the HTTP server and reports, not the rules, and would only slow every mutant down.
 */
export default defineConfig({
  // Every entry point: a suite importing one left out would fail to load and judge no mutant.
  resolve: { alias: entries },
  test: {
    include: ['test/core/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/property/**/*.test.ts', 'test/model/**/*.test.ts', 'test/race/**/*.test.ts'],
    typecheck: { enabled: false },
    // Stryker runs the suites once per mutant: reuse loaded modules between files and runs.
    isolate: false,
    sequence: { sequencer: QuickFirst },
    // A fixed seed, and 10 runs per property: every surviving mutant reruns them all.
    env: { CI: 'true', OPD_FC_RUNS: '10' },
  },
});
