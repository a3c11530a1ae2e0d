#!/usr/bin/env node
// Runs the mutation test of the core in chunks, one Stryker run per chunk, each with its own JSON
// report under reports/chunks/, so that every finished chunk counts even when a long run is cut.
//
//   node scripts/mutation-chunks.mjs plan [chunks]   print the chunks
//   node scripts/mutation-chunks.mjs run  [chunks] [order]
//                                                    run the chunks whose report is missing; order,
//                                                    e.g. 10,11,3, names the chunks to run and in
//                                                    what order (by default all, as planned)
//
// Files are spread over the chunks largest-first, each to the lightest chunk so far: every chunk
// then mixes large and small files from the three folders, and a run cut after a few chunks still
// covers a spread of the core; the chunks that span more folders run first. The weight of a file is its count of non-blank lines, a stand-in
// for its mutant count (about 0.85 mutants a line over the core). Each chunk runs with
// `--concurrency 1` unless MUTATION_CONCURRENCY says otherwise; run it under `nice`.
// `node scripts/mutation-score.mjs` combines the reports.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FOLDERS = ['src/core', 'src/model', 'src/policies'];
const OUT = 'reports/chunks';

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );

const weight = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '').length;

/** Largest file first, each into the chunk with the least weight so far. */
export const plan = (count) => {
  const files = FOLDERS.flatMap(walk)
    .map((file) => ({ file, weight: weight(file) }))
    .sort((a, b) => b.weight - a.weight || (a.file < b.file ? -1 : 1));
  const chunks = Array.from({ length: count }, () => ({ files: [], weight: 0 }));
  for (const entry of files) {
    const lightest = chunks.reduce((best, chunk) => (chunk.weight < best.weight ? chunk : best));
    lightest.files.push(entry.file);
    lightest.weight += entry.weight;
  }
  // Chunks that span more of the three folders run first.
  const span = (chunk) => new Set(chunk.files.map((file) => FOLDERS.find((folder) => file.startsWith(`${folder}/`)))).size;
  return chunks
    .filter((chunk) => chunk.files.length > 0)
    .map((chunk, i) => ({ ...chunk, span: span(chunk), i }))
    .sort((a, b) => b.span - a.span || a.i - b.i);
};

const [command = 'plan', countArg = '16', orderArg] = process.argv.slice(2);
const chunks = plan(Number(countArg));
const name = (i) => `chunk-${String(i + 1).padStart(2, '0')}`;
const order = orderArg === undefined ? chunks.map((_, i) => i) : orderArg.split(',').map((n) => Number(n) - 1);
if (order.some((i) => !Number.isInteger(i) || i < 0 || i >= chunks.length)) {
  console.error(`order names chunks 1 to ${chunks.length}: ${orderArg}`);
  process.exit(2);
}

if (command === 'plan') {
  chunks.forEach((chunk, i) => console.log(`${name(i)} ${chunk.weight} lines: ${chunk.files.join(' ')}`));
} else if (command === 'run') {
  mkdirSync(OUT, { recursive: true });
  const base = JSON.parse(readFileSync('stryker.config.json', 'utf8'));
  for (const i of order) {
    const chunk = chunks[i];
    const report = `${OUT}/${name(i)}.json`;
    if (existsSync(report)) continue;
    const config = {
      ...base,
      // Every mutant of the chunk is tested again: an incremental file would carry old results in.
      incremental: false,
      mutate: chunk.files,
      concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 1),
      reporters: ['json', 'progress'],
      jsonReporter: { fileName: report },
      tempDirName: `.stryker-tmp-${name(i)}`,
    };
    delete config.htmlReporter;
    delete config.incrementalFile;
    const file = `${OUT}/${name(i)}.config.json`;
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    console.log(`${new Date().toISOString()} ${name(i)}: ${chunk.files.join(' ')}`);
    const run = spawnSync('npx', ['stryker', 'run', file], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (run.status !== 0) {
      console.error(`${name(i)} failed (exit ${run.status})`);
      process.exit(1);
    }
  }
} else {
  console.error('usage: node scripts/mutation-chunks.mjs plan|run [chunks] [order]');
  process.exit(2);
}
