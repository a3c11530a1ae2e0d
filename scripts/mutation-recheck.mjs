#!/usr/bin/env node
// Re-checks the survivors of Stryker JSON reports against the tests as they are now: each
// surviving (or uncovered) mutant is applied to the source file in place, the given test files
// run with the mutation config until the first failure, and the file is restored. Prints one line
// a mutant, KILLED or SURVIVED, and the counts.
//
//   node scripts/mutation-recheck.mjs --report reports/chunks/chunk-01.json [--file src/x.ts] \
//     [--line 10-40] -- test/core/a.test.ts test/unit/b.test.ts
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const options = split < 0 ? args : args.slice(0, split);
const tests = split < 0 ? [] : args.slice(split + 1);
const option = (name) => {
  const i = options.indexOf(name);
  return i < 0 ? undefined : options[i + 1];
};
const reports = options.flatMap((arg, i) => (options[i - 1] === '--report' ? [arg] : []));
const onlyFile = option('--file');
const [from, to] = (option('--line') ?? '1-1000000').split('-').map(Number);
if (reports.length === 0 || tests.length === 0) {
  console.error('usage: node scripts/mutation-recheck.mjs --report <json> [--file <src>] [--line a-b] -- <test files>');
  process.exit(2);
}

/** Offset of a 1-based line and column in `text`. */
const offsetOf = (text, { line, column }) => {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = text.indexOf('\n', offset) + 1;
  return offset + column - 1;
};

const counts = { KILLED: 0, SURVIVED: 0 };
for (const report of reports) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  for (const [file, entry] of Object.entries(json.files)) {
    if (onlyFile !== undefined && file !== onlyFile) continue;
    const original = readFileSync(file, 'utf8');
    if (original !== entry.source) {
      console.error(`${file} differs from the source the report was made on: skipped`);
      continue;
    }
    const restore = () => writeFileSync(file, original);
    process.once('SIGINT', () => {
      restore();
      process.exit(130);
    });
    try {
      for (const mutant of entry.mutants) {
        if (mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') continue;
        const { start, end } = mutant.location;
        if (start.line < from || start.line > to) continue;
        const mutated = original.slice(0, offsetOf(original, start)) + mutant.replacement + original.slice(offsetOf(original, end));
        writeFileSync(file, mutated);
        const run = spawnSync('npx', ['vitest', 'run', '-c', 'vitest.mutation.config.ts', '--bail=1', ...tests], { encoding: 'utf8' });
        const verdict = run.status === 0 ? 'SURVIVED' : 'KILLED';
        counts[verdict]++;
        console.log(`${verdict} ${file}:${start.line}:${start.column} ${mutant.mutatorName} -> ${JSON.stringify(mutant.replacement).slice(0, 80)}`);
      }
    } finally {
      restore();
    }
  }
}
console.log(`killed ${counts.KILLED}, survived ${counts.SURVIVED}`);
