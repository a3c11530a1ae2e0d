import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { blocks } from './snippets.js';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

describe('README', () => {
  afterEach(() => vi.restoreAllMocks());

  it('starts with the two commands a new user runs', () => {
    const first = blocks(readme, 'sh')[0]!.trim().split('\n');
    expect(first).toEqual(['npm install && npm run simulate', 'npm test']);
    expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('\n## '));
  });

  it('shows the quick start exactly as examples/quick-start.ts, which runs', async () => {
    const example = readFileSync(new URL('examples/quick-start.ts', root), 'utf8');
    expect(blocks(readme, 'ts')[0]).toBe(example);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import('../../examples/quick-start.js');
    const lines = log.mock.calls.map((args) => args.join(' '));
    expect(lines[0]).toMatch(/^BOOKED 1 1 /);
    expect(lines).toContain('SLOT_NOT_FOUND no-such-slot');
    expect(lines.at(-1)).toBe('COMPLETED');
  });

  it('links only to docs that exist', () => {
    const targets = [...readme.matchAll(/\]\(((?:docs|examples)\/[^)#]+|[A-Z]+\.md)\)/g)].map((m) => m[1]!);
    expect(targets).toContain('RELEASING.md');
    for (const target of targets) {
      expect(() => readFileSync(new URL(target!, root)), target).not.toThrow();
    }
  });
});
