/**
 * `npm run simulate -- [flags]`: one OPD day through opd-scheduler, printed and drawn.
 * Standard output and the report depend only on the flags; timing goes to standard error.
 */
import { constants, createReadStream } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HELP, parseFlags, UsageError, type Options } from './cli.js';
import { drawPatients } from './arrivals.js';
import { terminalProgress } from './progress.js';
import { simulate } from './run.js';
import { buildScenario } from './scenarios.js';
import { StorageUnavailable } from './storage.js';
import { replayHistory } from './replay.js';
import { daysFlags, daysJson, fileSink, simulateDays } from './days.js';
import { renderDaysReport } from './report/days.js';

const UNAVAILABLE = Symbol('unavailable');

/** Runs `run`; a store that cannot be reached is said on stderr and answered `UNAVAILABLE` (exit code 2). */
async function orUnavailable<T>(run: () => Promise<T>): Promise<T | typeof UNAVAILABLE> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof StorageUnavailable)) throw error;
    process.stderr.write(`simulate: ${error.message}\n`);
    return UNAVAILABLE;
  }
}

/** `--days <n>` / `--history <file>`: consecutive days, a line each, their history written as JSON lines. */
async function daysMain(options: Options): Promise<number> {
  const began = performance.now();
  const outcome = await orUnavailable(async () => simulateDays(options, options.history === null ? null : await fileSink(options.history)));
  if (outcome === UNAVAILABLE) return 2;
  process.stdout.write(outcome.text);
  if (options.report !== null) {
    await mkdir(dirname(options.report), { recursive: true });
    await writeFile(options.report, renderDaysReport(outcome, `npm run simulate -- ${daysFlags(options)}`, options.followUps?.afterDays ?? null));
    process.stdout.write(`\nReport written to ${options.report}: open it in a browser.\n`);
  }
  if (options.json !== null) {
    await mkdir(dirname(options.json), { recursive: true });
    await writeFile(options.json, `${daysJson(outcome)}\n`);
    process.stdout.write(`${options.report === null ? '\n' : ''}Figures written to ${options.json}.\n`);
  }
  process.stderr.write(`(simulated in ${((performance.now() - began) / 1000).toFixed(2)} s)\n`);
  if (!outcome.ok) {
    process.stderr.write('simulate: an emergency waited while its day had room (run the day alone to see it)\n');
    return 1;
  }
  return 0;
}

/** `--replay <file>`: the recorded day beside the policies asked for, printed and drawn. */
async function replayMain(options: Options, file: string): Promise<number> {
  try {
    await access(file, constants.R_OK);
  } catch {
    process.stderr.write(`simulate: cannot read the history ${file}\n`);
    return 2;
  }
  const began = performance.now();
  // The file is read a line at a time, once per policy (with --compare, the policies side by side
  // in worker threads): a year's history is never held.
  const outcome = await replayHistory(() => createInterface({ input: createReadStream(file), crlfDelay: Infinity }), options, file);
  process.stdout.write(outcome.text);
  if (options.report !== null) {
    await mkdir(dirname(options.report), { recursive: true });
    await writeFile(options.report, outcome.html);
    process.stdout.write(`\nReport written to ${options.report}: open it in a browser.\n`);
  }
  process.stderr.write(`(replayed in ${((performance.now() - began) / 1000).toFixed(2)} s)\n`);
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  let options: Options;
  try {
    options = parseFlags(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`simulate: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }

  if (options.replay !== null) return replayMain(options, options.replay);
  if (options.days > 1 || options.history !== null) return daysMain(options);

  const began = performance.now();
  const patients = drawPatients(buildScenario(options.scenario, options.seed, options.doctors), options.seed).length;
  const progress = terminalProgress(process.stderr, process.env, patients * (options.compare ? 4 : 1));
  const outcome = await orUnavailable(() => simulate(options, progress));
  if (outcome === UNAVAILABLE) return 2;
  process.stdout.write(outcome.text);
  if (options.report !== null && outcome.html !== null) {
    await mkdir(dirname(options.report), { recursive: true });
    await writeFile(options.report, outcome.html);
    process.stdout.write(`\nReport written to ${options.report}: open it in a browser.\n`);
  }
  if (options.csv !== null && outcome.csv !== null) {
    await mkdir(dirname(options.csv), { recursive: true });
    await writeFile(options.csv, outcome.csv);
    process.stdout.write(`${options.report === null ? '\n' : ''}Tokens and waits written to ${options.csv}.\n`);
  }
  process.stderr.write(`(simulated in ${((performance.now() - began) / 1000).toFixed(2)} s)\n`);
  if (!outcome.ok) {
    process.stderr.write('simulate: a consistency check failed (see Checks above)\n');
    return 1;
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
