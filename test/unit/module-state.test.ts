/**
 * No module-level mutable state in `src/`: every scheduler, store and strategy keeps what it
 * knows on itself, so that two of them in one process never share a memo, a cache or a backdoor.
 * A top-level `let` or `var`, a top-level `Map`, `Set`, `WeakMap` or `WeakSet` not typed as
 * read-only, and a top-level array typed as mutable are refused.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const RULES: readonly { readonly why: string; readonly pattern: RegExp }[] = [
  { why: 'a top-level let or var', pattern: /^(export )?(let|var) / },
  { why: 'a top-level collection that may change', pattern: /^(export )?const \w+ = new (Map|Set|WeakMap|WeakSet)\b/ },
  { why: 'a top-level collection typed as changing', pattern: /^(export )?const \w+: (Map|Set|WeakMap|WeakSet)</ },
  { why: 'a top-level array typed as changing', pattern: /^(export )?const \w+: (?!readonly )[\w<>, |()]+\[\] = / },
];

/** Every offending line of `text`, as `file:line why`. */
function offences(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => RULES.filter((rule) => rule.pattern.test(line)).map((rule) => `${file}:${i + 1} ${rule.why}`));
}

describe('module-level state', () => {
  it('src/ holds none', () => {
    const found = sources(join(root, 'src')).flatMap((file) => offences(relative(root, file), readFileSync(file, 'utf8')));
    expect(found).toEqual([]);
  });

  it('the check finds each kind', () => {
    const text = [
      'let memo = 0;',
      'const cache = new Map<string, number>();',
      'const seen: WeakSet<object> = new WeakSet();',
      'const recent: number[] = [1];',
      'const KEYS: ReadonlySet<string> = new Set([]);',
      'const LIST: readonly string[] = [];',
    ].join('\n');
    expect(offences('x.ts', text)).toEqual([
      'x.ts:1 a top-level let or var',
      'x.ts:2 a top-level collection that may change',
      'x.ts:3 a top-level collection typed as changing',
      'x.ts:4 a top-level array typed as changing',
    ]);
  });
});
