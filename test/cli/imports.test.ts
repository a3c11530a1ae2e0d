/** The program is built on the public API: it imports the package's entry points by name, nothing of src/ beside its own folder. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../src/cli', import.meta.url));

describe('src/cli', () => {
  it('imports only node:, the package by name, its optional drivers, and its own files', () => {
    const files = readdirSync(cli, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const outside: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(cli, file), 'utf8');
      for (const [, from] of text.matchAll(/(?:from |import\()'([^']+)'/g)) {
        const allowed =
          from!.startsWith('node:') || /^opd-scheduler(\/postgres|\/lab|\/reports)?$/.test(from!) || from === 'pg' || from === '@electric-sql/pglite';
        const own = from!.startsWith('.') && !relative(cli, join(cli, file, '..', from!)).startsWith('..');
        if (!allowed && !own) outside.push(`${file}: ${from}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
