/**
 * The docs run as written: every TypeScript snippet of the README and the guides, and every TSDoc
 * example of the sources, type-checks against the package's sources (one program for all);
 * those marked `run` run and exit by themselves (those marked `postgres` against a database of
 * their own on DATABASE_URL); no snippet holds a date that will pass; the pools they open, they
 * end; and getting-started names every package its snippets import. The runs belong to
 * `npm run test:long` (`test/intensity.ts`).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { LONG } from '../intensity.js';
import { blocks, compilePrograms, documents, documentSnippets, programsOf, runProgram, snippetsOf, sourceExamples, type Program } from './snippets.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const url = process.env['DATABASE_URL'];
const hasServer = url !== undefined && url !== '';
if (!hasServer) console.warn('The docs snippets that need PostgreSQL are type-checked but not run: DATABASE_URL is not set');

const docs = programsOf(documentSnippets());
const examples = programsOf(sourceExamples());
const programs = [...docs, ...examples];

/** A program's code without its comments (a call in a comment is not a call). */
function code(program: Program): string {
  return program.text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('the snippets of the docs', () => {
  it('are found in the README, every guide and the TSDoc, the OpdScheduler class example among them', () => {
    expect(documents()).toEqual(expect.arrayContaining(['README.md', 'docs/getting-started.md', 'docs/storage.md', 'docs/policies.md']));
    expect(docs.length).toBeGreaterThanOrEqual(20);
    // The class example of OpdScheduler, which books for tomorrow and runs.
    const classExample = examples.find(
      (program) => program.name.startsWith('src/scheduler.ts:') && program.text.includes('new OpdScheduler({ ...presets.standard()'),
    );
    expect(classExample?.run).toBe(true);
    expect(classExample?.text).toContain('const tomorrow = opd.dayOf(');
    expect(examples.length).toBeGreaterThanOrEqual(30);
    // Each a module of its own, importing what it uses, as a reader pastes it.
    for (const program of programs) expect(program.text, program.name).toMatch(/^import /m);
    expect(programs.filter((program) => program.run).length).toBeGreaterThanOrEqual(20);
  });

  // Ten minutes: a guard against a hang, not a measure of speed (one TypeScript program of every
  // snippet took 164 s on a busy two-core machine, under a minute on an idle one).
  it('type-check against the package, every one, in one program', { timeout: 600_000 }, () => {
    expect(compilePrograms(programs)).toEqual([]);
  });

  it('leave untyped only the packages they say to install that this repository does not have', () => {
    const required = programs.flatMap((program) => program.requires);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect(existsSync(join(root, 'node_modules', name)), `${name} is installed: check it`).toBe(false);
  });

  it('hold no date: they compute the days they book from today', () => {
    const fences = [...documents().flatMap((source) => blocks(readFileSync(join(root, source), 'utf8'), '\\w*')), ...sourceExamples().map((s) => s.text)];
    expect(fences.length).toBeGreaterThan(40);
    const dated = fences.filter((text) => /\b20\d\d-[01]\d-[0-3]\d/.test(text));
    expect(dated).toEqual([]);
  });

  it('and the curl quick starts of the example server (its README and its /docs page) book for a day computed when they run', () => {
    const readme = blocks(readFileSync(join(root, 'examples/express-server/README.md'), 'utf8'), 'sh').filter((text) => text.includes('curl'));
    const page = [...readFileSync(join(root, 'examples/express-server/openapi.ts'), 'utf8').matchAll(/<pre>(curl[\s\S]*?)<\/pre>/g)].map((m) => m[1]!);
    expect(readme.length).toBeGreaterThan(0);
    expect(page).toHaveLength(1);
    for (const text of [...readme, ...page]) {
      expect(text).not.toMatch(/\b20\d\d-[01]\d-[0-3]\d/);
      expect(text).toMatch(/^D=\$\(date -u -d tomorrow \+%F\)/m);
      expect(text).toContain(`"start":"'$D'T09:00:00+05:30"`);
    }
  });

  it('end every pool they open, in code rather than in a comment', () => {
    const opening = programs.filter((program) => /new pg\.Pool\(/.test(program.text));
    expect(opening.length).toBeGreaterThanOrEqual(6);
    for (const program of opening) expect(code(program), program.name).toMatch(/await pool\.end\(\);/);
    for (const program of programs.filter((p) => /new PGlite\(/.test(code(p)) && p.run)) expect(code(program), program.name).toMatch(/await db\.close\(\);/);
  });

  it('name in getting-started every package its snippets import, and the types of pg', () => {
    const page = readFileSync(join(root, 'docs/getting-started.md'), 'utf8');
    const installed = blocks(page, 'sh')
      .join('\n')
      .split('\n')
      .filter((line) => line.startsWith('npm install '))
      .flatMap((line) => line.replace(/#.*$/, '').trim().split(/\s+/).slice(2))
      .filter((word) => !word.startsWith('-'));
    const imported = new Set(
      snippetsOf(page, 'docs/getting-started.md').flatMap((snippet) => [...snippet.text.matchAll(/from '((?:@[^/']+\/)?[^/'.][^/']*)/g)].map((m) => m[1]!)),
    );
    expect([...imported]).toEqual(expect.arrayContaining(['opd-scheduler', 'pg', '@electric-sql/pglite']));
    for (const name of [...imported, '@types/pg']) expect(installed, name).toContain(name);
  });

  it('mark a snippet continuing the one before it, and refuse one that continues nothing or a word they do not know', () => {
    const page = '```ts\nconst a = 1;\n```\n\n```ts continues run\nconsole.log(a);\n```\n';
    const [chain] = programsOf(snippetsOf(page, 'x.md'));
    expect(chain!.text).toBe('const a = 1;\nconsole.log(a);\n');
    expect(chain!.run).toBe(true);
    expect(compilePrograms([chain!])).toEqual([]);
    expect(compilePrograms(programsOf(snippetsOf('```ts\nconsole.log(a);\n```\n', 'x.md')))).toEqual(["x.md:2: TS2304 Cannot find name 'a'."]);
    expect(() => programsOf(snippetsOf('```ts continues\nconst a = 1;\n```\n', 'x.md'))).toThrow(/continues no snippet/);
    expect(() => snippetsOf('```ts runs\nconst a = 1;\n```\n', 'x.md')).toThrow(/unknown info string word/);
  });
});

// Each run starts a process of its own (about two seconds): `npm run test:long` runs them, `npm test`
// type-checks them only.
describe.runIf(LONG)('the runnable snippets of the docs', () => {
  for (const program of programs.filter((p) => p.run && !p.postgres)) {
    it(`${program.name} runs and exits by itself`, async () => {
      const ran = await runProgram(program);
      expect(ran.timedOut, `${program.name} did not exit`).toBe(false);
      expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: '' });
    });
  }

  for (const program of programs.filter((p) => p.run && p.postgres)) {
    it.skipIf(!hasServer)(`${program.name} runs against PostgreSQL and exits by itself`, async () => {
      // A database of its own, dropped after: the snippet migrates and books as a new user would.
      const database = `opd_docs_${randomUUID().replaceAll('-', '')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${database}`);
        const target = new URL(url!);
        target.pathname = `/${database}`;
        const ran = await runProgram(program, { DATABASE_URL: target.href });
        expect(ran.timedOut, `${program.name} did not exit`).toBe(false);
        expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: '' });
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await admin.end();
      }
    });
  }

  it('fails a snippet that throws, and one that does not exit', async () => {
    const [throwing, hanging] = programsOf(snippetsOf("```ts run\nthrow new Error('no');\n```\n\n```ts run\nsetInterval(() => {}, 1000);\n```\n", 'x.md'));
    const threw = await runProgram(throwing!);
    expect(threw.code).not.toBe(0);
    expect(threw.stderr).toContain('no');
    expect((await runProgram(hanging!, {}, 3_000)).timedOut).toBe(true);
  });
});
