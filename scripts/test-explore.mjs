#!/usr/bin/env node
/**
 * `npm run test:explore`: the property, model and race suites (test/property, test/model,
 * test/race) again and again, each round under a fresh random seed, with more runs than `npm
 * test` — the way to find the case a fixed seed never reaches. Every round passes its seed to
 * every file (FC_SEED), so a failure is reproduced with the seed and path it prints.
 *
 *   npm run test:explore                     20 rounds, each property at twice its `npm test` runs
 *   npm run test:explore -- --seeds 50       50 rounds
 *   npm run test:explore -- --minutes 30     rounds until 30 minutes have passed
 *   npm run test:explore -- --scale 5        five times the runs (`--scale 5` is `npm run test:long`'s)
 *   npm run test:explore -- --runs 500       every property at exactly 500 runs (FC_RUNS)
 *   npm run test:explore -- --keep-going     go on after a failing round; exit 1 at the end
 *   npm run test:explore -- test/model       only these files or folders
 *
 * It stops at the first failing round (unless --keep-going), printing the seed, every failing
 * test, fast-check's seed and path and the shrunk counterexample, and where the whole output was
 * written; it exits 1 if any round failed.
 */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seeds: { type: 'string' },
    minutes: { type: 'string' },
    scale: { type: 'string', default: '2' },
    runs: { type: 'string' },
    'keep-going': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run test:explore -- [--seeds N | --minutes M] [--scale K | --runs N] [--keep-going] [files…]');
  process.exit(0);
}
const positive = (name, raw) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`test:explore: expected --${name} to be a positive number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
};
const seeds = values.seeds === undefined ? (values.minutes === undefined ? 20 : Number.POSITIVE_INFINITY) : Math.floor(positive('seeds', values.seeds));
const deadline = values.minutes === undefined ? Number.POSITIVE_INFINITY : Date.now() + positive('minutes', values.minutes) * 60_000;
const files = positionals.length > 0 ? positionals : ['test/property', 'test/model', 'test/race'];
const logs = mkdtempSync(join(tmpdir(), 'opd-explore-'));

// A fresh seed per round, and never CI's fixed one.
const env = { ...process.env, FC_SCALE: String(positive('scale', values.scale)) };
delete env.CI;
delete env.FC_PATH;
if (values.runs !== undefined) env.FC_RUNS = String(Math.floor(positive('runs', values.runs)));

const stripColour = (text) => text.replace(/\u001b\[[0-9;]*m/g, '');
let failed = 0;
let round = 0;
const started = Date.now();
while (round < seeds && Date.now() < deadline) {
  round++;
  const seed = randomInt(1, 2 ** 31 - 1);
  const t0 = Date.now();
  const run = spawnSync('npx', ['vitest', 'run', ...files], { env: { ...env, FC_SEED: String(seed) }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const out = stripColour(`${run.stdout ?? ''}${run.stderr ?? ''}`);
  const seconds = ((Date.now() - t0) / 1000).toFixed(0);
  const tests = /Tests\s+([^\n]+)/.exec(out)?.[1]?.trim() ?? 'no summary';
  if (run.status === 0) {
    console.log(`round ${round}: seed ${seed} passed (${tests}, ${seconds} s)`);
    continue;
  }
  failed++;
  const log = join(logs, `seed-${seed}.log`);
  writeFileSync(log, out);
  console.log(`round ${round}: seed ${seed} FAILED (${tests}, ${seconds} s)`);
  for (const line of out.split('\n')) {
    if (/^\s*(FAIL|×)\s/.test(line) || /\{ seed: -?\d+, path: "/.test(line) || /^Counterexample:/.test(line) || /^Caused by:/.test(line))
      console.log(`  ${line.trim().slice(0, 2000)}`);
  }
  console.log(`  reproduce: FC_SEED=${seed} npx vitest run ${files.join(' ')}   (one property: add its FC_PATH and -t "<its name>")`);
  console.log(`  whole output: ${log}`);
  if (!values['keep-going']) break;
}
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
console.log(
  failed === 0 ? `test:explore: ${round} round(s), every seed passed (${minutes} min)` : `test:explore: ${failed} of ${round} round(s) failed (${minutes} min)`,
);
process.exit(failed === 0 ? 0 : 1);
