import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^opd-scheduler\/adapter-kit$/, replacement: src('adapter-kit/index.ts') },
      { find: /^opd-scheduler\/postgres$/, replacement: src('postgres/index.ts') },
      { find: /^opd-scheduler\/testing$/, replacement: src('testing/index.ts') },
      { find: /^opd-scheduler$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
