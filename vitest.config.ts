import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

/** The package's entry points, read from the sources: every test imports the package by its own name. */
export const entries = [
  { find: /^opd-scheduler\/adapter-kit$/, replacement: src('adapter-kit/index.ts') },
  { find: /^opd-scheduler\/postgres$/, replacement: src('postgres/index.ts') },
  { find: /^opd-scheduler\/testing$/, replacement: src('testing/index.ts') },
  { find: /^opd-scheduler$/, replacement: src('index.ts') },
];

export default defineConfig({
  resolve: { alias: entries },
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
