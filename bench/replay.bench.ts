/**
 * `npm run bench:replay -- [--days <n>] [--doctors <n>] [--runs <n>] [--history <file.jsonl>]`:
 * the policy lab at the scale of a hospital's year. Generates `--days` consecutive days of the
 * day simulation's hospital (default 365 days of 100 doctors, about 3 million bookings) as a
 * JSON-lines history — or takes `--history` — then replays it under the options it was recorded
 * with, `--runs` times, each in a process of its own, and prints the wall time, the CPU time and
 * the peak resident memory of each replay and their medians.
 *
 * A replay run streams the file into `replay` a line at a time (a year's history is larger than
 * one string may be), which keeps a day's events at a time and forgets the days that are over
 * (`forgetDaysAfter`), so memory stays that of a few days. Read seconds are the time spent
 * waiting for lines; replay seconds the rest of the wall time; CPU seconds cover both.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { replay } from 'opd-scheduler/lab';
import { parseFlags } from '../examples/day-simulation/cli.js';
import { fileSink, simulateDays } from '../examples/day-simulation/days.js';
import { dayOptions } from '../examples/day-simulation/simulate.js';

interface RunFigures {
  readonly events: number;
  readonly tokens: number;
  readonly readSeconds: number;
  readonly replaySeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

/**
 * The lines of a file, read as a stream in chunks of a megabyte and split here (a chunk at a time
 * costs less than readline's promise a line), adding the time spent waiting for each chunk to
 * `clock.seconds`.
 */
async function* timedLines(file: string, clock: { seconds: number }): AsyncGenerator<string> {
  const chunks = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })[Symbol.asyncIterator]() as AsyncIterator<string>;
  let rest = '';
  for (;;) {
    const asked = performance.now();
    const next = await chunks.next();
    clock.seconds += (performance.now() - asked) / 1000;
    if (next.done === true) break;
    const text = rest + next.value;
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield rest;
}

/**
 * One replay, in this process: the file streamed into `replay` a line at a time (the days over
 * forgotten, so memory holds a few days, not the year); prints the figures as one JSON line.
 */
async function runOnce(file: string): Promise<void> {
  const began = performance.now();
  const cpu = process.cpuUsage();
  const reading = { seconds: 0 };
  const result = await replay(timedLines(file, reading), { ...dayOptions('standard', 'standard'), label: 'recorded options', forgetDaysAfter: 1 });
  const spent = process.cpuUsage(cpu);
  const done = performance.now();
  await result.scheduler.close();
  const figures: RunFigures = {
    events: result.events,
    tokens: result.recorded.tokens,
    readSeconds: reading.seconds,
    replaySeconds: (done - began) / 1000 - reading.seconds,
    cpuSeconds: (spent.user + spent.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      days: { type: 'string' },
      doctors: { type: 'string' },
      runs: { type: 'string' },
      history: { type: 'string' },
      run: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  if (values.run !== undefined) return runOnce(values.run);
  const days = Number(values.days ?? 365);
  const doctors = Number(values.doctors ?? 100);
  const runs = Number(values.runs ?? 3);
  let file = values.history;
  let dir: string | null = null;
  if (file === undefined) {
    dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
    file = join(dir, 'history.jsonl');
    const options = parseFlags([
      '--scenario',
      'hospital',
      '--doctors',
      String(doctors),
      '--days',
      String(days),
      '--seed',
      values.seed ?? '22',
      '--history',
      file,
    ]);
    const began = performance.now();
    const outcome = await simulateDays(options, await fileSink(file));
    process.stdout.write(
      `generated ${days} days of ${doctors} doctors: ${outcome.tokens.toLocaleString('en')} tokens, ${outcome.events.toLocaleString('en')} events, ${(statSync(file).size / 1e6).toFixed(0)} MB, in ${((performance.now() - began) / 1000).toFixed(0)} s\n`,
    );
  }
  const all: RunFigures[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const child = spawnSync(process.execPath, ['--max-old-space-size=16384', '--import', 'tsx', import.meta.filename, '--run', file], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (child.status !== 0) throw new Error(`replay run ${i + 1} failed: ${child.stderr}`);
      const figures = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as RunFigures;
      all.push(figures);
      process.stdout.write(
        `run ${i + 1}: ${figures.events.toLocaleString('en')} events, ${figures.tokens.toLocaleString('en')} tokens; read ${figures.readSeconds.toFixed(1)} s, replay ${figures.replaySeconds.toFixed(1)} s wall / ${figures.cpuSeconds.toFixed(1)} s CPU (${((figures.cpuSeconds / figures.events) * 1e6).toFixed(0)} µs CPU per event), peak RSS ${figures.peakRssMb.toFixed(0)} MB\n`,
      );
    }
  } finally {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
  if (all.length > 1) {
    process.stdout.write(
      `median of ${all.length}: replay ${median(all.map((f) => f.replaySeconds)).toFixed(1)} s wall, ${median(all.map((f) => f.cpuSeconds)).toFixed(1)} s CPU, read ${median(all.map((f) => f.readSeconds)).toFixed(1)} s, peak RSS ${median(all.map((f) => f.peakRssMb)).toFixed(0)} MB\n`,
    );
  }
}

await main();
