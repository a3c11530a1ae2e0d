import { defineConfig } from 'tsup';

// The program `opd-scheduler` (package.json `bin`), built after the library (`npm run build`), into
// the same dist/ (so without cleaning it). It imports the library by the package's own name, as
// any user does: the package resolves to itself through its `exports`, so the program is a small
// file over the public API rather than a second copy of the library. ESM only: a program needs
// no `require` build, and no types.
export default defineConfig({
  entry: { cli: 'src/cli/bin.ts' },
  format: ['esm'],
  dts: false,
  sourcemap: false,
  clean: false,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  external: ['opd-scheduler', 'opd-scheduler/lab', 'opd-scheduler/postgres', 'opd-scheduler/reports', 'pg', '@electric-sql/pglite'],
});
