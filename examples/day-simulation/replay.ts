/**
 * `--replay <history.jsonl>`: a hospital's own history replayed under the presets, through the
 * public subpath `opd-scheduler/lab`, and shown beside the recorded day as text and HTML.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CalibratedElastic, replay, type LabFigures, type ReplayResult } from 'opd-scheduler/lab';
import type { Options } from './cli.js';
import { html, int, minutes, percent, table } from './format.js';
import { type PresetName, PRESET_NAMES, policyFor } from './policies.js';
import type { ReplayJob } from './replay-worker.js';

/** What a replay under one policy reports (its scheduler closed): what the text and the report show. */
type PolicyReplay = Pick<ReplayResult, 'label' | 'events' | 'recorded' | 'replayed' | 'requests' | 'assumptions'>;

/** What a replay prints and draws. */
export interface ReplayOutcome {
  readonly text: string;
  readonly html: string;
}

const CATEGORY_ROWS = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN', 'all patients'];

/** One column per policy: the figures of the recorded day, then each replay's. */
function rows(recorded: LabFigures, results: readonly PolicyReplay[]): string[][] {
  const columns: { label: string; f: LabFigures }[] = [{ label: 'recorded', f: recorded }, ...results.map((r) => ({ label: r.label, f: r.replayed }))];
  const out: string[][] = [['', ...columns.map((c) => c.label)]];
  const wait = (key: string, p: 'p50' | 'p95'): string[] => [`${key} wait ${p} (min)`, ...columns.map((c) => minutes(c.f.waits[key]?.[p] ?? null))];
  for (const key of CATEGORY_ROWS) {
    if (columns.every((c) => c.f.waits[key] === undefined)) continue;
    out.push(wait(key, 'p50'), wait(key, 'p95'));
  }
  out.push(['emergencies to the doctor, longest (min)', ...columns.map((c) => minutes(c.f.emergencies.max))]);
  out.push(['emergencies left without a place', ...columns.map((c) => int(c.f.emergencies.unplaced))]);
  out.push(['emergencies never seen', ...columns.map((c) => int(c.f.emergencies.unseen))]);
  for (const [label, of] of [
    ['bumps', (f: LabFigures) => f.bumps],
    ['cascades', (f: LabFigures) => f.cascades],
    ['promotions', (f: LabFigures) => f.promotions],
    ['drops', (f: LabFigures) => f.drops],
    ['consultations', (f: LabFigures) => f.consultations],
    ['skips', (f: LabFigures) => f.skips],
  ] as const) {
    out.push([label, ...columns.map((c) => int(of(c.f)))]);
  }
  out.push(['utilisation', ...columns.map((c) => percent(c.f.utilisation))]);
  return out;
}

/**
 * Replays a JSON-lines history under the presets the options ask for. `open` gives its lines
 * afresh for each replay (read as a stream: a day at a time, the days over forgotten, so a year
 * is never held); the calibration of `--risk` reads the history whole. With `file` (the history's
 * path) and several presets, each preset replays in a worker thread of its own, as many at once
 * as the machine has cores, each reading the file itself.
 */
export async function replayHistory(open: () => AsyncIterable<string>, options: Options, file?: string): Promise<ReplayOutcome> {
  const names = options.compare ? PRESET_NAMES : [options.preset];
  const lab = { timeZone: 'Asia/Kolkata', forgetDaysAfter: 1 } as const;
  const results: PolicyReplay[] =
    file !== undefined && names.length > 1 ? await inWorkers(names.map((preset): ReplayJob => ({ file, preset, priority: options.priority }))) : [];
  if (results.length === 0) {
    for (const name of names) {
      const r = await replay(open(), { ...policyFor(name, options.priority), ...lab, label: name });
      await r.scheduler.close();
      results.push(r);
    }
  }
  if (options.risk !== null) {
    const lines: string[] = [];
    for await (const line of open()) lines.push(line);
    const capacity = CalibratedElastic.fromHistory(lines.join('\n'), { risk: options.risk });
    lines.length = 0;
    const r = await replay(open(), { ...policyFor(options.preset, options.priority), capacity, ...lab, label: `calibrated ${options.risk}` });
    await r.scheduler.close();
    results.push(r);
  }
  const recorded = results[0]!.recorded;
  const grid = rows(recorded, results);
  const refused = results.map(
    (r) =>
      `  ${r.label}: ${int(r.requests.issued)} requests issued, ${
        Object.entries(r.requests.refused)
          .map(([code, n]) => `${int(n)} ${code}`)
          .join(', ') || 'none refused'
      }, ${int(r.requests.skipped)} about tokens never made`,
  );
  const assumptions = results[0]!.assumptions;
  const textOut = [
    `The recorded history (${int(results[0]!.events)} events, ${int(recorded.tokens)} tokens) replayed under ${results.map((r) => r.label).join(', ')}`,
    '',
    table(grid, ['left', ...grid[0]!.slice(1).map(() => 'right' as const)]),
    '',
    'Requests:',
    ...refused,
    '',
    'Assumptions:',
    ...assumptions.map((a) => `  - ${a}`),
    '',
  ].join('\n');
  const htmlOut = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Policy lab: the recorded day beside ${html(results.map((r) => r.label).join(', '))}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}</style></head>
<body><h1>Policy lab</h1><p>The recorded history (${int(results[0]!.events)} events, ${int(recorded.tokens)} tokens), replayed under each policy.</p>
<table><thead><tr>${grid[0]!.map((c) => `<th>${html(c)}</th>`).join('')}</tr></thead><tbody>
${grid
  .slice(1)
  .map((row) => `<tr>${row.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`)
  .join('\n')}
</tbody></table>
<h2>Requests</h2><ul>${refused.map((r) => `<li>${html(r.trim())}</li>`).join('')}</ul>
<h2>Assumptions</h2><ul>${assumptions.map((a) => `<li>${html(a)}</li>`).join('')}</ul>
</body></html>
`;
  return { text: textOut, html: htmlOut };
}

/** Runs the replays in worker threads, at most one per core at once; their results in the jobs' order. */
async function inWorkers(jobs: readonly ReplayJob[]): Promise<PolicyReplay[]> {
  const results: PolicyReplay[] = new Array<PolicyReplay>(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await inWorker(jobs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs.length, availableParallelism()) }, lane));
  return results;
}

function inWorker(job: ReplayJob): Promise<PolicyReplay> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./replay-worker-entry.mjs', import.meta.url), { workerData: job });
    let answer: PolicyReplay | undefined;
    worker.once('message', (message: PolicyReplay) => (answer = message));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      answer !== undefined ? resolve(answer) : reject(new Error(`the replay under ${job.preset as PresetName} ended (exit code ${code}) without its figures`)),
    );
  });
}
