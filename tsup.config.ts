import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    events: 'src/events/index.ts',
    'adapter-kit': 'src/adapter-kit/index.ts',
    postgres: 'src/postgres/index.ts',
    testing: 'src/testing/index.ts',
    lab: 'src/lab/index.ts',
    fhir: 'src/fhir/index.ts',
    abdm: 'src/abdm/index.ts',
    desk: 'src/desk/index.ts',
    notices: 'src/notices/index.ts',
    print: 'src/print/index.ts',
    reports: 'src/reports/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  // No source maps: the output is not minified (names and structure as written), so stack traces
  // and a debugger already read as the source does; the maps were 64% of the unpacked package and
  // pointed at src/ files the package does not ship.
  sourcemap: false,
  clean: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
});
