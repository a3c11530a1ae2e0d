/**
 * One policy's replay of a history file, in a worker thread of its own (`--replay --compare`
 * runs the presets side by side, one worker each): reads the file a line at a time, replays it
 * under the preset it is given, and posts back the figures (the scheduler stays in the worker).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parentPort, workerData } from 'node:worker_threads';
import { replay } from 'opd-scheduler/lab';
import { type PresetName, policyFor, type PriorityName } from './policies.js';

/** What the worker is given. */
export interface ReplayJob {
  readonly file: string;
  readonly preset: PresetName;
  readonly priority: PriorityName;
}

const job = workerData as ReplayJob;
const lines = createInterface({ input: createReadStream(job.file), crlfDelay: Infinity });
const result = await replay(lines, { ...policyFor(job.preset, job.priority), timeZone: 'Asia/Kolkata', forgetDaysAfter: 1, label: job.preset });
await result.scheduler.close();
const { label, events, recorded, replayed, delta, requests, assumptions } = result;
parentPort!.postMessage({ label, events, recorded, replayed, delta, requests, assumptions });
