/**
 * `npm run bench:report -- [--days <n>] [--doctors <n>] [--history <file.jsonl>]`: opdReport over
 * days of the day simulation's hospital (default 30 days of its 200 doctors). Generates the days
 * as the lab's JSON-lines history (as `bench:replay` does), replays them into one in-memory
 * scheduler that keeps every day, then reports its first half and the whole range, and prints
 * for each the wall and CPU time, the CPU per stored event, the reads it made, and (in a second
 * run of the same report) the peak heap it retains above the store's, sampled after a collection
 * every 50 pages of history; the times are the median of three runs. A year is the days' figure
 * scaled by 365 / days: the
 * report reads each event once and each doctor-day's schedule once, so its time grows with the
 * events; its memory holds the doctor-days in play, so it must not grow with the days (the two
 * runs' peaks compare).
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { replay } from 'opd-scheduler/lab';
import { opdReport, type ReportSource } from 'opd-scheduler/reports';
import type { OpdScheduler } from 'opd-scheduler';
import { parseFlags } from '../examples/day-simulation/cli.js';
import { fileSink, simulateDays } from '../examples/day-simulation/days.js';
import { SIM_DAY } from '../examples/day-simulation/scenarios.js';
import { dayOptions } from '../examples/day-simulation/simulate.js';
import { dayAfter } from '../examples/day-simulation/time.js';

async function* lines(file: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield text.slice(start, end);
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield rest;
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

/**
 * One report of `from`–`to`: wall and CPU seconds, and the peak of the heap the report retains
 * above the heap before it (sampled after a collection every 50 pages of history: the report
 * never waits on a timer over the memory store, so the samples are taken as it reads).
 */
async function measure(
  opd: OpdScheduler,
  from: string,
  to: string,
  sampling: boolean,
): Promise<{ seconds: number; cpu: number; peak: number; attended: number }> {
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  const sample = (): void => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - base);
  };
  const cpuBefore = process.cpuUsage();
  // The reads the report makes, counted and timed.
  const reads = { schedules: 0, scheduleMs: 0, tokens: 0, tokenMs: 0, pages: 0, pageMs: 0 };
  const timed = <T>(count: 'schedules' | 'tokens' | 'pages', ms: 'scheduleMs' | 'tokenMs' | 'pageMs', read: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    reads[count]++;
    return read().finally(() => (reads[ms] += performance.now() - t));
  };
  const source: ReportSource = {
    timeZone: opd.timeZone,
    listDoctors: () => opd.listDoctors(),
    history: (o) => {
      if (sampling && reads.pages % 50 === 49) sample();
      return timed('pages', 'pageMs', () => opd.history(o));
    },
    getSchedule: (doctorId, date) => timed('schedules', 'scheduleMs', () => opd.getSchedule(doctorId, date)),
    getToken: (tokenId) => timed('tokens', 'tokenMs', () => opd.getToken(tokenId)),
  };
  const began = performance.now();
  const report = await opdReport(source, { from, to });
  const seconds = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpuBefore);
  if (sampling) sample();
  process.stdout.write(
    `  reads: ${reads.pages} pages of history in ${(reads.pageMs / 1000).toFixed(2)} s, ${reads.schedules} schedules in ${(reads.scheduleMs / 1000).toFixed(2)} s, ${reads.tokens} tokens in ${(reads.tokenMs / 1000).toFixed(2)} s\n`,
  );
  return { seconds, cpu: (used.user + used.system) / 1e6, peak, attended: report.total.attended };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { days: { type: 'string' }, doctors: { type: 'string' }, history: { type: 'string' }, seed: { type: 'string' } } });
  const days = Number(values.days ?? 30);
  const doctors = Number(values.doctors ?? 200);
  let file = values.history;
  let dir: string | null = null;
  try {
    if (file === undefined) {
      dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
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
        `generated ${days} days of ${doctors} doctors: ${outcome.tokens.toLocaleString('en')} tokens, ${outcome.events.toLocaleString('en')} events, ${mb(statSync(file).size)}, in ${((performance.now() - began) / 1000).toFixed(0)} s\n`,
      );
    }
    const began = performance.now();
    const replayed = await replay(lines(file), { ...dayOptions('standard', 'standard'), label: 'recorded options', keepHistory: true });
    const opd = replayed.scheduler;
    const events = replayed.events;
    process.stdout.write(
      `replayed into one store: ${events.toLocaleString('en')} events, ${replayed.recorded.tokens.toLocaleString('en')} tokens, in ${((performance.now() - began) / 1000).toFixed(0)} s; heap ${mb(process.memoryUsage().heapUsed)}\n`,
    );
    const first = SIM_DAY;
    const last = dayAfter(SIM_DAY, days - 1);
    const half = dayAfter(SIM_DAY, Math.max(0, Math.floor(days / 2) - 1));
    for (const [label, to] of [
      ['first half', half],
      ['all days', last],
    ] as const) {
      // Timed without sampling the heap (a collection per sample), three times (the median of
      // each figure), then run again to sample it.
      const runs: Awaited<ReturnType<typeof measure>>[] = [];
      for (let r = 0; r < 3; r++) runs.push(await measure(opd, first, to, false));
      const median = (of: (run: (typeof runs)[number]) => number): number => runs.map(of).sort((a, b) => a - b)[1]!;
      const m = { ...runs[0]!, seconds: median((run) => run.seconds), cpu: median((run) => run.cpu), peak: (await measure(opd, first, to, true)).peak };
      process.stdout.write(
        `report ${label} (${first} to ${to}): ${m.seconds.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s CPU (${((m.cpu / events) * 1e6).toFixed(1)} µs CPU per stored event), ${m.attended.toLocaleString('en')} attended; peak heap the report retains ${mb(m.peak)}\n`,
      );
      if (to === last)
        process.stdout.write(
          `a year at this rate (${doctors} doctors): ${((m.seconds * 365) / days).toFixed(0)} s wall, ${((m.cpu * 365) / days).toFixed(0)} s CPU; load average ${loadavg()[0]!.toFixed(1)}\n`,
        );
    }
    await opd.close();
  } finally {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
