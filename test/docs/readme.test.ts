import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it, vi } from 'vitest';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** The fenced blocks of a language, in order. */
function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

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

  // A whole type-check of the sources: seconds on a busy machine, more than the default 5.
  it('has only TypeScript snippets that compile, each on its own, against the public entry points', { timeout: 60_000 }, () => {
    const snippets = blocks(readme, 'ts');
    expect(snippets.length).toBeGreaterThanOrEqual(4);
    const errors = compileSnippets(snippets);
    expect(errors).toEqual([]);
  });
});

/**
 * Type-checks each snippet as its own module in the repository (so `opd-scheduler` resolves to
 * the sources through tsconfig paths and `pg` to its types), with the project's strict options.
 * Returns the diagnostics, as `snippet N: message`.
 */
function compileSnippets(snippets: readonly string[]): string[] {
  const rootDir = fileURLToPath(root);
  const config = ts.readConfigFile(`${rootDir}tsconfig.json`, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, rootDir);
  const files = new Map(snippets.map((text, i) => [`${rootDir}test/docs/readme-snippet-${i + 1}.ts`, text]));
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    const text = files.get(name);
    return text === undefined ? getSourceFile(name, language, ...rest) : ts.createSourceFile(name, text, language);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  const program = ts.createProgram([...files.keys()], { ...parsed.options, noEmit: true, noUnusedLocals: false }, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || files.has(d.file.fileName))
    .map((d) => {
      const where = d.file === undefined ? '' : `snippet ${[...files.keys()].indexOf(d.file.fileName) + 1} line ${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: `;
      return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}
