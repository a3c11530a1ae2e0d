/**
 * The TypeScript snippets of the README, the guides and the TSDoc examples: read, type-checked
 * in one program against the package's sources, and run.
 *
 * A snippet's info string says what it is, after its language (`ts` or `typescript`):
 * - nothing: a complete module, checked on its own;
 * - `continues`: the next lines of the snippet before it on the same page (a guide written as one
 *   program built up step by step): checked, and run, as everything from the start of that chain;
 * - `run`: also run (in memory or PGlite), and it must exit by itself;
 * - `postgres`: run only against a PostgreSQL server (`DATABASE_URL`, a database of its own);
 * - `requires=a,b`: imports packages the reader installs (the page says so) that this repository
 *   does not: their imports are left untyped, everything else is checked.
 * A snippet whose first line is a comment naming a file under `src/` (`// src/core/commands/x.ts`)
 * is checked as that file, so that its relative imports resolve as they would there.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const rootDir = fileURLToPath(new URL('../../', import.meta.url));

/** The fenced blocks of a language (whatever follows it in the info string), in order. */
export function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + lang + '(?:[ \\t][^\\n]*)?\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** A fenced TypeScript block of a document. */
export interface Snippet {
  /** The document, relative to the repository (`docs/storage.md`, `src/scheduler.ts`). */
  readonly source: string;
  /** The line of the document where the code starts (1-based). */
  readonly line: number;
  /** The words of the info string after the language. */
  readonly flags: ReadonlySet<string>;
  /** Packages it imports that the repository does not install (`requires=`). */
  readonly requires: readonly string[];
  /** The code. */
  readonly text: string;
}

/** The words of an info string that mean something here. */
const FLAGS = new Set(['continues', 'run', 'postgres']);

/** The TypeScript blocks of a Markdown document (or of the TSDoc of a source file, its `* ` stripped). */
export function snippetsOf(markdown: string, source: string): Snippet[] {
  const found: Snippet[] = [];
  for (const match of markdown.matchAll(/^```(?:ts|typescript)([ \t][^\n]*)?\n([\s\S]*?)^```/gm)) {
    const words = (match[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((word) => word !== '');
    const requires = words.filter((word) => word.startsWith('requires=')).flatMap((word) => word.slice('requires='.length).split(','));
    const unknown = words.filter((word) => !FLAGS.has(word) && !word.startsWith('requires='));
    if (unknown.length > 0) throw new Error(`${source}: unknown info string word(s) ${unknown.join(', ')}`);
    const line = markdown.slice(0, match.index).split('\n').length + 1;
    found.push({ source, line, flags: new Set(words.filter((word) => FLAGS.has(word))), requires, text: match[2]! });
  }
  return found;
}

/** The `@example` blocks of the TSDoc comments of a source file. */
export function examplesOf(code: string, source: string): Snippet[] {
  const found: Snippet[] = [];
  for (const comment of code.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    if (!comment[0].includes('@example')) continue;
    const lines = comment[0].split('\n').map((text) => text.replace(/^\s*\*( |$)/, ''));
    const startLine = code.slice(0, comment.index).split('\n').length;
    for (const snippet of snippetsOf(lines.join('\n'), source)) found.push({ ...snippet, line: startLine + snippet.line - 1 });
  }
  return found;
}

/** The README and the guides (docs/*.md). */
export function documents(): string[] {
  const guides = readdirSync(join(rootDir, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', ...guides.sort()];
}

/** Every snippet of the documents, in order. */
export function documentSnippets(): Snippet[] {
  return documents().flatMap((source) => snippetsOf(readFileSync(join(rootDir, source), 'utf8'), source));
}

/** Every `@example` snippet of the sources under `src/`. */
export function sourceExamples(): Snippet[] {
  const files = (readdirSync(join(rootDir, 'src'), { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).sort();
  return files.flatMap((file) => examplesOf(readFileSync(join(rootDir, 'src', file), 'utf8'), `src/${file.replaceAll('\\', '/')}`));
}

/** A module made of one snippet, or of a chain of snippets (`continues`), checked and run as one file. */
export interface Program {
  /** Where it starts: `docs/storage.md:131`. */
  readonly name: string;
  readonly snippets: readonly Snippet[];
  /** The code, the snippets joined. */
  readonly text: string;
  /** The file it is checked as, when its first line names one under `src/`. */
  readonly at: string | undefined;
  /** Whether it is run, and whether only against PostgreSQL. */
  readonly run: boolean;
  readonly postgres: boolean;
  readonly requires: readonly string[];
}

/** The programs of a list of snippets: each snippet, or a chain of them. */
export function programsOf(snippets: readonly Snippet[]): Program[] {
  const chains: Snippet[][] = [];
  for (const snippet of snippets) {
    const last = chains.at(-1);
    if (snippet.flags.has('continues')) {
      if (last === undefined || last[0]!.source !== snippet.source) throw new Error(`${snippet.source}:${snippet.line} continues no snippet of its page`);
      last.push(snippet);
    } else {
      chains.push([snippet]);
    }
  }
  return chains.map((chain) => {
    const first = chain[0]!;
    const at = /^\/\/ (src\/[\w./-]+\.ts)\n/.exec(first.text)?.[1];
    return {
      name: `${first.source}:${first.line}`,
      snippets: chain,
      text: chain.map((snippet) => snippet.text).join(''),
      at,
      run: chain.some((snippet) => snippet.flags.has('run')),
      postgres: chain.some((snippet) => snippet.flags.has('postgres')),
      requires: chain.flatMap((snippet) => snippet.requires),
    };
  });
}

/** Where line `line` (1-based) of a program's text comes from. */
function origin(program: Program, line: number): string {
  let left = line;
  for (const snippet of program.snippets) {
    const lines = snippet.text.split('\n').length - 1;
    if (left <= lines) return `${snippet.source}:${snippet.line + left - 1}`;
    left -= lines;
  }
  return program.name;
}

/**
 * Type-checks the programs in one TypeScript program, each as its own module in the repository
 * (so `opd-scheduler` resolves to the sources through tsconfig paths, and `pg` to its types), with
 * the project's strict options. Returns the diagnostics, as `docs/x.md:12: TS2304 message`.
 */
export function compilePrograms(programs: readonly Program[]): string[] {
  const config = ts.readConfigFile(join(rootDir, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, rootDir);
  const files = new Map<string, Program>();
  programs.forEach((program, i) => {
    const file = join(rootDir, program.at ?? `test/docs/snippet-${i + 1}.ts`);
    if (program.at !== undefined && existsSync(file)) throw new Error(`${program.name}: ${program.at} exists; a snippet names a file of its own`);
    files.set(file, program);
  });
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) => {
    const program = files.get(file);
    return program === undefined ? getSourceFile(file, language, ...rest) : ts.createSourceFile(file, program.text, language);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => files.has(file) || fileExists(file);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => files.get(file)?.text ?? readFile(file);
  const program = ts.createProgram([...files.keys()], { ...parsed.options, noEmit: true, noUnusedLocals: false }, host);
  // The snippets' own diagnostics (the sources they import are checked as far as the snippets use
  // them; the sources themselves are type-checked by tsc): a third of the time of the whole program's.
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...[...files.keys()].flatMap((file) => {
      const source = program.getSourceFile(file)!; // a root file of the program
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    }),
  ];
  return diagnostics
    .filter((d) => d.file === undefined || files.has(d.file.fileName))
    .filter((d) => {
      // A package the reader installs and this repository does not: its import alone is left unresolved.
      if (d.code !== 2307 || d.file === undefined) return true;
      const requires = files.get(d.file.fileName)!.requires;
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      return !requires.some((name) => text.startsWith(`Cannot find module '${name}'`));
    })
    .map((d) => {
      const where = d.file === undefined ? '' : `${origin(files.get(d.file.fileName)!, d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1)}: `;
      return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
}

/** What a program printed, and how it ended. */
export interface Ran {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Whether it was killed for not exiting within the time allowed. */
  readonly timedOut: boolean;
}

/**
 * Runs a program as a reader would (`node --import tsx file.mts`, from a file in the repository so
 * that `opd-scheduler` resolves to the sources), with `env` added; it must exit by itself within
 * `timeoutMs` (a pool left open keeps Node.js running).
 */
export async function runProgram(program: Program, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Ran> {
  const folder = mkdtempSync(join(rootDir, 'test/docs/.run-'));
  // .mts, as the guides tell readers to name the file: an ES module whatever their package.json says.
  const file = join(folder, 'snippet.mts');
  writeFileSync(file, program.text);
  try {
    return await new Promise<Ran>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', relative(rootDir, file)],
        { cwd: rootDir, env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL' },
        (error, stdout, stderr) => {
          const failure = error as (Error & { code?: number | string; signal?: string | null; killed?: boolean }) | null;
          resolve({
            code: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
            signal: failure?.signal ?? null,
            stdout,
            stderr,
            timedOut: failure?.killed === true,
          });
        },
      );
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
