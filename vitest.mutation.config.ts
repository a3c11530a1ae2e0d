import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/**
 * The suites that judge the allocation core under mutation testing (`npm run mutation`):
 * unit, property, model and race tests. Example, browser and type tests are left out: they
 * exercise the HTTP server and reports, not the rules, and would only slow every mutant down.
 */
export default defineConfig({
  resolve: {
    alias: [{ find: /^opd-scheduler$/, replacement: src('index.ts') }],
  },
  test: {
    include: ['test/unit/**/*.test.ts', 'test/property/**/*.test.ts', 'test/model/**/*.test.ts', 'test/race/**/*.test.ts'],
    typecheck: { enabled: false },
    // A fixed seed, and 10 runs per property: every surviving mutant reruns them all.
    env: { CI: 'true', OPD_FC_RUNS: '10' },
  },
});
