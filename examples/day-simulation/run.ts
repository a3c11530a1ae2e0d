import { drawPatients } from './arrivals.js';
import type { Options } from './cli.js';
import { PRESET_NAMES } from './policies.js';
import type { Progress } from './progress.js';
import { tokensCsv } from './report/csv.js';
import { renderReport } from './report/report.js';
import { buildScenario } from './scenarios.js';
import { drawJourneys } from './journeys.js';
import { runDay } from './simulate.js';
import { storageFactory } from './storage.js';
import { summarize, type Summary } from './summary.js';
import { bookingText, compareText, dayText, type RunHeader } from './text.js';

/** What a simulation produced: the console text, the report, and the figures behind them. */
export interface Outcome {
  readonly text: string;
  /** The HTML report, or `null` without `--report`. */
  readonly html: string | null;
  /** Every token and its wait as CSV, or `null` without a CSV file to write. */
  readonly csv: string | null;
  readonly summaries: readonly Summary[];
  /** Whether every consistency check passed. */
  readonly ok: boolean;
}

/**
 * Simulates the day the options describe: once, or once per preset with `--compare`, always on
 * the same patients.
 */
export async function simulate(options: Options, progress: Progress | null = null): Promise<Outcome> {
  const scenario = buildScenario(options.scenario, options.seed, options.doctors);
  const patients = drawPatients(scenario, options.seed);
  const presets = options.compare ? PRESET_NAMES : [options.preset];
  // The journeys come from a stream of their own: every preset sees the same ones.
  const journeys = options.journeys ? drawJourneys(scenario, patients, options.seed) : undefined;
  // The department scenario runs the same patients twice: booking by doctor, then by department.
  const bookings = scenario.name === 'department' ? (['doctor', 'department'] as const) : (['doctor'] as const);
  const factory = await storageFactory(options.storage);
  const summaries: Summary[] = [];
  try {
    for (const preset of presets) {
      for (const booking of bookings) {
        const result = await runDay({
          scenario,
          patients,
          preset,
          priority: options.priority,
          storage: await factory.open(),
          booking,
          offers: options.offers === null ? undefined : { ...options.offers, seed: options.seed },
          callOrder: options.callOrder ?? undefined,
          retentionDays: options.retentionDays ?? undefined,
          journeys,
          onProgress: progress === null ? undefined : (done, total) => progress.update(preset.padEnd(8), done, total),
        });
        summaries.push(summarize(result));
      }
    }
  } finally {
    progress?.done();
    await factory.close();
  }
  const header: RunHeader = { scenario, seed: options.seed, storage: options.storage, report: options.report };
  const byDepartment = bookings.length > 1;
  const text = byDepartment ? bookingText(header, summaries) : options.compare ? compareText(header, summaries) : dayText(header, summaries[0]!);
  // The report draws the day booked by department (the text sets it beside booking by doctor).
  const drawn = byDepartment ? summaries.filter((s) => s.result.booking === 'department') : summaries;
  const html = options.report === null ? null : renderReport(header, drawn, options.compare);
  const csv = options.csv === null ? null : tokensCsv(drawn);
  return { text, html, csv, summaries, ok: summaries.every((s) => s.checks.every((c) => c.ok)) };
}
