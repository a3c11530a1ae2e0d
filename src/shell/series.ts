/**
 * The series calls of a scheduler: the request read (its occurrences' dates, their preferred
 * times in the scheduler's zone, the series' id made from its key), then its one unit run.
 */
import { cancelSeries, bookSeries as bookSeriesCommand, type SeriesCommand } from '../core/commands/series.js';
import { OpdError, invalid } from '../errors.js';
import { parseActor, requireCategory } from '../inputs.js';
import { addDays } from '../core/followups.js';
import { parseDay, wallTimeResolver } from '../time.js';
import type { CancelSeriesOptions, SeriesCancellation, SeriesRequest, SeriesResult } from '../types.js';
import { copyPatient, expectId, expectInteger, expectKey, expectObject, readInput } from '../validate.js';
import { patientLoad } from '../core/command.js';
import { requireMultiDoctor } from './locks.js';
import type { Runner } from './run.js';

const REQUEST_KEYS: ReadonlySet<string> = new Set([
  'patient',
  'doctorId',
  'department',
  'category',
  'start',
  'every',
  'count',
  'preferredTime',
  'mode',
  'dryRun',
  'holdMinutes',
  'idempotencyKey',
  'actor',
]);
const EVERY_KEYS: ReadonlySet<string> = new Set(['days', 'weeks']);
const CANCEL_KEYS: ReadonlySet<string> = new Set(['from', 'actor', 'reason']);

/** The most occurrences of a series. */
export const MAX_SERIES_OCCURRENCES = 52;
/** How long a preview holds its places when the request does not say. */
export const DEFAULT_SERIES_HOLD_MINUTES = 15;

/** A short, stable digest of a key (two 32-bit FNV-1a hashes): the series' id names it without repeating it. */
function digest(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (i & 0xff), 0x811c9dc5) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** What a series' id says: whom it is with (a doctor, or `@` and a department), its first date, its step in days and its count. */
interface SeriesShape {
  readonly doctorId: string | null;
  readonly department: string | null;
  readonly start: string;
  readonly stepDays: number;
  readonly count: number;
}

/** The id of a series: `${doctorId | '@' + department}~${start}~${stepDays}x${count}~${digest of the key}`. */
function seriesIdOf(shape: SeriesShape, key: string): string {
  const target = shape.doctorId ?? `@${shape.department ?? ''}`;
  return [target, shape.start, `${shape.stepDays}x${shape.count}`, digest(key)].join('~');
}

/** The shape a series' id names, or `undefined` for a string that is not one. */
export function parseSeriesId(id: string): SeriesShape | undefined {
  const parts = id.split('~');
  if (parts.length < 4) return undefined;
  const [start, step, hash] = parts.slice(-3) as [string, string, string];
  const target = parts.slice(0, -3).join('~');
  const m = /^([1-9]\d*)x([1-9]\d*)$/.exec(step);
  if (m === null || !/^[0-9a-f]{16}$/.test(hash) || !/^\d{4}-\d{2}-\d{2}$/.test(start) || target === '' || target === '@') return undefined;
  const department = target.startsWith('@') ? target.slice(1) : null;
  return { doctorId: department === null ? target : null, department, start, stepDays: Number(m[1]), count: Number(m[2]) };
}

/** The local dates of a series' occurrences. */
function datesOf(shape: SeriesShape): string[] {
  return Array.from({ length: shape.count }, (_, k) => addDays(shape.start, k * shape.stepDays));
}

/** The series of one scheduler. */
export class Series {
  readonly #wallTime: (day: string, minute: number) => number[];

  constructor(
    readonly runner: Runner,
    timeZone: string,
  ) {
    this.#wallTime = wallTimeResolver(timeZone);
  }

  /** Reads a series request into its command. */
  read(request: unknown, now: number): SeriesCommand {
    const config = this.runner.config;
    const r = expectObject('request', request, REQUEST_KEYS);
    const patient = copyPatient(r['patient']);
    if ((r['doctorId'] === undefined) === (r['department'] === undefined)) throw invalid('doctorId', 'Expected exactly one of `doctorId` and `department`');
    const doctorId = r['doctorId'] === undefined ? null : expectId('doctorId', r['doctorId']);
    const department = r['department'] === undefined ? null : expectId('department', r['department']);
    const category = r['category'] === undefined ? 'FOLLOW_UP' : expectKey('category', r['category'], 64);
    requireCategory(config, category);
    const start = parseDay('start', r['start']);
    const every = expectObject('every', r['every'], EVERY_KEYS, 'every.');
    if ((every['days'] === undefined) === (every['weeks'] === undefined)) throw invalid('every', 'Expected exactly one of `every.days` and `every.weeks`');
    const stepDays = every['days'] !== undefined ? expectInteger('every.days', every['days'], 1, 366) : 7 * expectInteger('every.weeks', every['weeks'], 1, 52);
    const count = expectInteger('count', r['count'], 1, MAX_SERIES_OCCURRENCES);
    const shape = { doctorId, department, start, stepDays, count };
    const dates = datesOf(shape);
    const [y, mmdd] = [Number(start.slice(0, 4)), start.slice(4)];
    const yearOn = `${String(y + 1).padStart(4, '0')}${mmdd}`;
    if (dates.at(-1)! > yearOn)
      throw invalid('count', `Expected the series to end within 12 months of ${start}, its last occurrence is on ${dates.at(-1)!}`, { last: dates.at(-1) });
    if (start < config.dayOf(now)) throw invalid('start', `The start ${start} is in the past`);
    const preferred = r['preferredTime'] === undefined ? null : parseTime(r['preferredTime']);
    const afters = dates.map((d) => (preferred === null ? null : (this.#wallTime(d, preferred)[0] ?? null)));
    const mode = r['mode'];
    if (mode !== 'all-or-nothing' && mode !== 'best-effort') throw invalid('mode', "Expected `mode` to be 'all-or-nothing' or 'best-effort'");
    if (r['dryRun'] !== undefined && typeof r['dryRun'] !== 'boolean') throw invalid('dryRun', 'Expected `dryRun` to be a boolean');
    const dryRun = r['dryRun'] === true;
    const holdMinutes = r['holdMinutes'] === undefined ? DEFAULT_SERIES_HOLD_MINUTES : expectInteger('holdMinutes', r['holdMinutes'], 0, 1440);
    const key = expectKey('idempotencyKey', r['idempotencyKey'], 200);
    const actor = parseActor('actor', r['actor']);
    const fingerprint = JSON.stringify({ patient: patient.id ?? null, doctorId, department, category, dates, afters, mode });
    return {
      seriesId: seriesIdOf(shape, key),
      patient,
      doctorId,
      department,
      category,
      dates,
      afters,
      mode,
      dryRun,
      holdMinutes,
      fingerprint,
      actor,
      patientLoad: patientLoad(config, patient.id, now),
    };
  }

  /** Books (or previews) a series; see `OpdScheduler.bookSeries`. */
  async book(request: SeriesRequest, now: number): Promise<SeriesResult> {
    const command = readInput('request', () => this.read(request, now));
    if (command.department !== null) requireMultiDoctor(this.runner.adapter.storage);
    return this.runner.run('bookSeries', bookSeriesCommand, command, now, false, command.actor);
  }

  /** Cancels a series from a date on; see `OpdScheduler.cancelSeries`. */
  async cancel(seriesId: string, opts: CancelSeriesOptions | undefined, now: number): Promise<SeriesCancellation> {
    const id = readInput('seriesId', () => expectKey('seriesId', seriesId, 300));
    const { from, actor, reason } = readInput('opts', () => {
      const o = opts === undefined ? {} : expectObject('opts', opts, CANCEL_KEYS);
      return {
        from: o['from'] === undefined ? null : parseDay('opts.from', o['from']),
        actor: parseActor('opts.actor', o['actor']),
        reason: o['reason'] === undefined ? null : expectKey('opts.reason', o['reason'], 200),
      };
    });
    const shape = parseSeriesId(id);
    if (shape === undefined) throw new OpdError('VALIDATION_FAILED', `\`${id}\` is not a series id`, { details: { field: 'seriesId', seriesId: id } });
    if (shape.department !== null) requireMultiDoctor(this.runner.adapter.storage);
    const dates = datesOf(shape).filter((d) => from === null || d >= from);
    return this.runner.run(
      'cancelSeries',
      cancelSeries,
      { seriesId: id, doctorId: shape.doctorId, department: shape.department, dates, from, reason, actor },
      now,
      false,
      actor,
    );
  }
}

/** `HH:MM` as minutes after midnight. */
function parseTime(value: unknown): number {
  if (typeof value !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(value))
    throw invalid('preferredTime', 'Expected `preferredTime` to be a local time `HH:MM`');
  return Number(value.slice(0, 2)) * 60 + Number(value.slice(3));
}
