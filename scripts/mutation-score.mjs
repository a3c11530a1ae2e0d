#!/usr/bin/env node
// Combines Stryker JSON reports (by default every reports/chunks/chunk-*.json) into one mutation
// score per file, per chunk and in total:
// (killed + timeout) / (killed + timeout + survived + no coverage).
// Compile and runtime errors and ignored mutants are counted apart and left out of the score.
// A file found in more than one report is taken from the last one given.
//
//   node scripts/mutation-score.mjs [report.json ...] [--survivors]
import { readFileSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';

const args = process.argv.slice(2);
const listSurvivors = args.includes('--survivors');
const given = args.filter((arg) => !arg.startsWith('--'));
const dir = 'reports/chunks';
const reports =
  given.length > 0
    ? given
    : readdirSync(dir)
        .filter((name) => /^chunk-\d+\.json$/.test(name))
        .sort()
        .map((name) => join(dir, name));

const empty = () => ({ Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, other: 0 });
const add = (into, from) => {
  for (const key of Object.keys(into)) into[key] += from[key];
};
const score = (c) => {
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  return valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(2)} %`;
};
const row = (label, c) =>
  `| ${label} | ${c.Killed + c.Timeout + c.Survived + c.NoCoverage} | ${score(c)} | ${c.Killed} | ${c.Timeout} | ${c.Survived} | ${c.NoCoverage} |`;

const files = new Map();
const chunks = [];
for (const report of reports) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  const counts = empty();
  for (const [path, file] of Object.entries(json.files)) {
    const name = isAbsolute(path) && json.projectRoot ? relative(json.projectRoot, path) : path;
    const c = empty();
    const survivors = [];
    for (const mutant of file.mutants) {
      if (mutant.status in c) c[mutant.status] += 1;
      else c.other += 1;
      if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
        const at = mutant.location.start;
        survivors.push(`${name}:${at.line}:${at.column} ${mutant.status} ${mutant.mutatorName} -> ${JSON.stringify(mutant.replacement)}`);
      }
    }
    files.set(name, { counts: c, survivors });
    add(counts, c);
  }
  chunks.push({ report, counts });
}

const header = ['| | mutants | score | killed | timeout | survived | no coverage |', '|---|---|---|---|---|---|---|'];
console.log([...header, ...chunks.map((chunk) => row(chunk.report, chunk.counts))].join('\n'));
console.log();
const total = empty();
const lines = [...files.entries()]
  .sort(([a], [b]) => (a < b ? -1 : 1))
  .map(([name, file]) => {
    add(total, file.counts);
    return row(`\`${name}\``, file.counts);
  });
console.log([...header, ...lines, row('**total**', total)].join('\n'));
if (total.other > 0) console.log(`\n${total.other} mutants with another status (errors, ignored) left out of the score`);
if (listSurvivors) {
  console.log();
  for (const file of files.values()) for (const line of file.survivors) console.log(line);
}
