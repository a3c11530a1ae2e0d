import { parseArgs } from 'node:util';
import { PRESET_NAMES, PRESET_SUMMARIES, PRIORITY_NAMES, PRIORITY_SUMMARIES, type PresetName, type PriorityName } from './policies.js';
import type { FairCallOrderOptions } from 'opd-scheduler';
import { parseCallOrder } from './call-order.js';
import { COME_BACK } from './returning.js';
import { DEFAULT_ACCEPTANCE, parseAcceptance, type SimOffers } from './offers.js';
import { HOSPITAL_DOCTORS, SCENARIO_NAMES, type ScenarioName } from './scenarios.js';
import { POSTGRES_SCHEMA_PREFIX, STORAGE_KINDS, type StorageKind } from './storage.js';

/** What the command line asked for. */
export interface Options {
  readonly seed: number;
  readonly preset: PresetName;
  readonly priority: PriorityName;
  readonly scenario: ScenarioName;
  /** Doctors of the `hospital` scenario. */
  readonly doctors: number;
  /** Where to write the HTML report, or `null` for none. */
  readonly report: string | null;
  /** Where to write the tokens and waits as CSV (beside the report by default), or `null` for none. */
  readonly csv: string | null;
  readonly compare: boolean;
  /** Offers of freed places (`--offers <minutes>`): the window, the group and the acceptance per channel; `null` without. */
  readonly offers: Omit<SimOffers, 'seed'> | null;
  /** The order the doctors call checked-in patients in (`--call-order fair`), or `null` for queue order. */
  readonly callOrder: FairCallOrderOptions | null;
  readonly storage: StorageKind;
  /** A history (JSON lines, as `GET /api/history.jsonl` serves it) to replay instead of simulating a day, or `null`. */
  readonly replay: string | null;
  /** With `--replay`: also replay under elastic places calibrated to the history's no-shows at this risk, or `null`. */
  readonly risk: number | null;
  /** Consecutive days to simulate (`--days`); 1 for the one day. */
  readonly days: number;
  /** Where to write the history the days recorded, as JSON lines (`--history`), or `null`. */
  readonly history: string | null;
  /** Days the patients' data is kept after the day, then purged (`--retention-days`), or `null`. */
  readonly retentionDays: number | null;
  /**
   * Whether the visits run through the service points (registration, vitals, the doctor, the lab
   * and back); `--no-journeys` keeps the patients at the doctors' rooms. A simulated day only: the
   * lab replays no forwards, so `--days`, `--history` and `--replay` run without journeys.
   */
  readonly journeys: boolean;
  /**
   * Patients who come back over the days of a `--days` run (follow-ups, free revisits, dialysis
   * series): the days after which they are told to come back, or `null` for none (`--no-follow-ups`,
   * one day, or `--history`: the lab replays no follow-ups).
   */
  readonly followUps: { readonly afterDays: readonly [number, number] } | null;
  /** With `--days`: where to write the days' figures as JSON (`--json`), or `null`. */
  readonly json: string | null;
  readonly help: boolean;
}

/** A command line that cannot be run; the message says what is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The day shown unless `--seed` says otherwise: a typical Monday (about 1.2 requests per place). */
export const DEFAULT_SEED = 22;

/** The report's path unless `--report` or `--no-report` says otherwise. */
export const DEFAULT_REPORT = 'reports/day-simulation.html';

const MAX_SEED = 0xffff_ffff;

/** One choice of a flag in the help: the name, then its description wrapped under itself. */
function choice(name: string, description: string): string {
  const indent = ' '.repeat(40);
  const lines: string[] = [];
  let line = '';
  for (const word of description.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > 56) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.map((text, i) => (i === 0 ? `                         ${name.padEnd(14)} ${text}` : `${indent}${text}`)).join('\n');
}

/** `npm run simulate -- --help`. */
export const HELP = `One day in an Indian hospital OPD, run through opd-scheduler and shown as a report.

Usage: npm run simulate -- [flags]

  --seed <n>             Which day: the same seed gives the same patients and the same output,
                         byte for byte (a whole number; default ${DEFAULT_SEED}, a typical Monday).
  --scenario <name>      three-doctors  three doctors, four hourly slots each (default)
                         doctor-leave   the same, but Dr. Reddy is called to the operating
                                        theatre at 10:20; the desk closes the 11:00 and
                                        12:00 slots with one closeSlots call
                         department     four doctors of one department, one much in demand:
                                        the same patients booked by doctor, then by
                                        department (book({ department })), side by side
                         hospital       ${HOSPITAL_DOCTORS} doctors in 15 departments, about 20,000 patients
  --doctors <n>          Doctors of the hospital scenario (default ${HOSPITAL_DOCTORS}).
  --preset <name>        The policy (default standard):
${PRESET_NAMES.map((p) => choice(p, PRESET_SUMMARIES[p])).join('\n')}
  --priority <name>      Who goes first (default standard):
${PRIORITY_NAMES.map((p) => choice(p, PRIORITY_SUMMARIES[p])).join('\n')}
  --compare              Run every preset on the same patients and compare them side by side.
  --report <file.html>   Write the HTML report there (default ${DEFAULT_REPORT}).
  --no-report            Write no report (nor its CSV, unless --csv is given).
  --no-journeys          Keep the patients at the doctors' rooms: no registration, vitals or
                         lab stages (the day as it ran before journeys).
  --csv <file.csv>       Write every token and its wait as CSV there (default: beside the
                         report, with the same name and .csv).
  --offers <minutes>     Offer freed places to waiting patients, who answer within that many
                         minutes (the place is held meanwhile); booked patients of later
                         slots may be pulled forward. Without it, freed places are promoted
                         into at once.
  --offer-group <n>      Patients texted at once per offer, the first YES wins (default 3).
  --offer-acceptance <r> The share who answer YES: one share (default ${DEFAULT_ACCEPTANCE}), or
                         CATEGORY=share pairs such as ONLINE=0.12,WALK_IN=0.3.
  --call-order <name>    Who the doctor calls next (callNext) among the patients checked in:
                         queue          slot by slot, in queue order (default)
                         fair           accumulating priority: each category's rate
                                        times the minutes waited since due (PAID 4,
                                        FOLLOW_UP 3, ONLINE 2, WALK_IN 1); emergencies
                                        always first
                         or the FairCallOrder options as JSON, such as
                         '{"interleaveEvery":2,"maxWaitMinutes":90}'.
  --interleave-every <n> With --call-order fair: one of the least urgent patients after every
                         n calls of more urgent ones (2: two priorities, then one walk-in).
  --max-wait <minutes>   With --call-order fair: anyone waiting longer is called first.
  --call-rates <pairs>   With --call-order fair: CATEGORY=rate pairs such as PAID=4,WALK_IN=2.
  --storage <name>       memory         the in-memory store (default)
                         pglite         PostgreSQL in-process (PGlite), through the
                                        PostgreSQL adapter, opd-scheduler/postgres
                         postgres       the server at DATABASE_URL, through the same
                                        adapter (in a schema of its own,
                                        ${POSTGRES_SCHEMA_PREFIX}_<pid>, dropped at the end)
  --replay <file.jsonl>  Replay a hospital's own history (JSON lines, as the example server's
                         GET /api/history.jsonl serves it) instead of simulating a day: the
                         recorded day beside the --preset (with --compare, beside every preset),
                         from opd-scheduler/lab.
  --risk <r>             With --replay: also replay with elastic places calibrated to the
                         history's no-shows, at most this chance of overflow per slot (0 < r < 1).
  --days <n>             Simulate n consecutive days (the same doctors on a weekly rota, each
                         with a day off; each day its own patients, drawn from --seed and the
                         day) and print a line per day (the report, with --report <file.html>,
                         draws the days). With --preset, not --compare; not with --scenario
                         department.
  --history <file.jsonl> Write the history the days recorded as JSON lines (the format of the
                         example server's GET /api/history.jsonl), written as each day ends,
                         for --replay (the days then run without returning patients).
  --follow-up-days <a-b> With --days: patients seen are told to come back a to b days later
                         (bookFollowUp; default 7-14); the days share one store, charged
                         consultations give a free revisit, dialysis runs as series.
  --json <file.json>     With --days: write the days' figures (and the returning patients') as JSON.
  --no-follow-ups        With --days: no returning patients (each day on a store of its own,
                         as before follow-ups).
  --retention-days <n>   Keep the patients' data n days after the day, then erase it
                         (retention: { patientDataDays: n }): after the day, purge() at its
                         end and again once the n days have passed, and check that the second
                         erased every token's patient data and changed none of the figures.
                         Not with --days, --history or --replay.
  --help                 Show this help.

The day: online patients book a slot ahead on the portal (it opens at 06:00) and follow-ups
come with a slot given at their last visit; walk-ins and paid-priority patients register at
the desk (busiest 08:30–10:30); emergencies come all day, and a road accident brings several
at once. Some patients cancel, some never come (the desk sweeps them as no-shows 15 minutes
into their slot), some come late and register again, some give up waiting.
Times are Asia/Kolkata. Nothing depends on the machine's clock, time zone or locale.

Examples:
  npm run simulate
  npm run simulate -- --compare --scenario doctor-leave
  npm run simulate -- --preset cascade --priority senior+aging --seed 7
  npm run simulate -- --offers 15 --offer-acceptance ONLINE=0.12
  npm run simulate -- --call-order fair --interleave-every 2 --max-wait 90
  npm run simulate -- --scenario hospital --report reports/hospital.html
  npm run simulate -- --scenario hospital --doctors 40 --days 30 --history month.jsonl
  npm run simulate -- --replay history.jsonl --compare --risk 0.05`;

const VALUE_FLAGS = [
  'seed',
  'scenario',
  'doctors',
  'preset',
  'priority',
  'report',
  'csv',
  'storage',
  'offers',
  'offer-group',
  'offer-acceptance',
  'call-order',
  'interleave-every',
  'max-wait',
  'call-rates',
  'replay',
  'risk',
  'days',
  'history',
  'retention-days',
  'follow-up-days',
  'json',
] as const;
const SWITCHES = ['compare', 'no-report', 'no-journeys', 'no-follow-ups', 'help'] as const;

/**
 * Parses the flags after `npm run simulate --` with `node:util` `parseArgs` (its tokens, so that
 * every mistake gets a message of its own).
 * @throws UsageError naming the flag at fault
 */
export function parseFlags(argv: readonly string[]): Options {
  const { tokens } = parseArgs({
    args: [...argv],
    options: {
      ...Object.fromEntries(VALUE_FLAGS.map((name) => [name, { type: 'string' as const }])),
      ...Object.fromEntries(SWITCHES.map((name) => [name, { type: 'boolean' as const }])),
      help: { type: 'boolean', short: 'h' },
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (const token of tokens) {
    if (token.kind === 'positional') throw new UsageError(`Unexpected argument \`${token.value}\`: flags start with --. Run with --help to see them.`);
    if (token.kind === 'option-terminator') throw new UsageError('Unexpected argument `--`: flags start with --. Run with --help to see them.');
    const { name } = token;
    if ((SWITCHES as readonly string[]).includes(name)) {
      if (token.value !== undefined) throw new UsageError(`--${name} takes no value`);
      if (switches.has(name)) throw new UsageError(`--${name} is given twice`);
      switches.add(name);
    } else if ((VALUE_FLAGS as readonly string[]).includes(name)) {
      if (values.has(name)) throw new UsageError(`--${name} is given twice`);
      if (token.value === undefined || token.value === '') throw new UsageError(`--${name} needs a value`);
      values.set(name, token.value);
    } else throw new UsageError(`Unknown flag ${token.rawName}. Run with --help to see the flags.`);
  }

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = values.get(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got \`${value}\`)`);
    return value as T;
  };
  const whole = (name: string, min: number, max: number, fallback: number): number => {
    const value = values.get(name);
    if (value === undefined) return fallback;
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got \`${value}\`)`);
    return n;
  };

  const scenario = oneOf('scenario', SCENARIO_NAMES, 'three-doctors');
  if (values.has('doctors') && scenario !== 'hospital') throw new UsageError('--doctors applies to --scenario hospital only');
  const compare = switches.has('compare');
  if (compare && values.has('preset')) throw new UsageError('--compare runs every preset; leave out --preset');
  if (compare && scenario === 'department') throw new UsageError('--scenario department compares booking by doctor and by department; leave out --compare');
  if (switches.has('no-report') && values.has('report')) throw new UsageError('--report and --no-report cannot be given together');
  const report = switches.has('no-report') ? null : (values.get('report') ?? DEFAULT_REPORT);
  if (report !== null && !/\.html?$/i.test(report)) throw new UsageError(`--report must name an .html file (got \`${report}\`)`);
  const csv = values.get('csv') ?? (report === null ? null : report.replace(/\.html?$/i, '.csv'));
  if (csv !== null && !/\.csv$/i.test(csv)) throw new UsageError(`--csv must name a .csv file (got \`${csv}\`)`);
  if (!values.has('offers') && (values.has('offer-group') || values.has('offer-acceptance')))
    throw new UsageError('--offer-group and --offer-acceptance apply with --offers <minutes> only');
  const acceptance = parseAcceptance(values.get('offer-acceptance'));
  if (typeof acceptance === 'string') throw new UsageError(acceptance);
  const offers = values.has('offers') ? { windowMinutes: whole('offers', 1, 240, 15), groupSize: whole('offer-group', 1, 20, 3), acceptance } : null;
  const callOrder = parseCallOrder({
    callOrder: values.get('call-order'),
    interleaveEvery: values.get('interleave-every'),
    maxWait: values.get('max-wait'),
    callRates: values.get('call-rates'),
  });
  if (typeof callOrder === 'string') throw new UsageError(callOrder);
  const replay = values.get('replay') ?? null;
  if (replay !== null) {
    for (const name of ['seed', 'scenario', 'doctors', 'storage', 'csv', 'call-order', 'interleave-every', 'max-wait', 'call-rates'])
      if (values.has(name)) throw new UsageError(`--${name} does not apply to --replay (the history is the day)`);
  }
  const days = whole('days', 1, 3660, 1);
  const history = values.get('history') ?? null;
  if (history !== null && !/\.jsonl$/i.test(history)) throw new UsageError(`--history must name a .jsonl file (got \`${history}\`)`);
  const manyDays = days > 1 || history !== null;
  if (manyDays) {
    if (replay !== null) throw new UsageError('--days and --history do not apply to --replay');
    if (compare) throw new UsageError('--days and --history run one preset; leave out --compare (replay the history with --replay --compare)');
    if (scenario === 'department') throw new UsageError('--days and --history do not apply to --scenario department');
    if (values.has('csv')) throw new UsageError('--csv does not apply to --days or --history (each day prints a line; --report draws the days)');
  }
  const retentionDays = values.has('retention-days') ? whole('retention-days', 0, 36_500, 0) : null;
  if (retentionDays !== null && (manyDays || replay !== null))
    throw new UsageError('--retention-days applies to a simulated day; leave out --days, --history and --replay');
  const followUpDays = values.get('follow-up-days');
  if (followUpDays !== undefined && (days === 1 || history !== null || switches.has('no-follow-ups')))
    throw new UsageError('--follow-up-days applies to --days <n> above 1, without --history or --no-follow-ups');
  const range = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(followUpDays ?? `${COME_BACK.afterDays[0]}-${COME_BACK.afterDays[1]}`);
  const afterDays = range === null ? null : ([Number(range[1]), Number(range[2] ?? range[1])] as const);
  if (afterDays === null || afterDays[0] < 1 || afterDays[1] < afterDays[0] || afterDays[1] > 90)
    throw new UsageError(`--follow-up-days must be days from 1 to 90, as 7-14 or 10 (got \`${followUpDays ?? ''}\`)`);
  const json = values.get('json') ?? null;
  if (json !== null && !manyDays) throw new UsageError("--json applies to --days <n> above 1 (the days' figures)");
  if (json !== null && !/\.json$/i.test(json)) throw new UsageError(`--json must name a .json file (got \`${json}\`)`);
  const riskText = values.get('risk');
  if (riskText !== undefined && replay === null) throw new UsageError('--risk applies to --replay only');
  const risk = riskText === undefined ? null : Number(riskText);
  if (risk !== null && !(risk > 0 && risk < 1)) throw new UsageError(`--risk must be a number between 0 and 1 (got \`${riskText ?? ''}\`)`);
  return {
    seed: whole('seed', 0, MAX_SEED, DEFAULT_SEED),
    preset: oneOf('preset', PRESET_NAMES, 'standard'),
    priority: oneOf('priority', PRIORITY_NAMES, 'standard'),
    scenario,
    doctors: whole('doctors', 1, 2000, HOSPITAL_DOCTORS),
    report: manyDays ? (switches.has('no-report') ? null : (values.get('report') ?? null)) : report,
    csv: manyDays ? null : csv,
    compare,
    offers,
    callOrder,
    storage: oneOf('storage', STORAGE_KINDS, 'memory'),
    replay,
    risk,
    days,
    history,
    retentionDays,
    journeys: !switches.has('no-journeys') && !manyDays && replay === null,
    json,
    followUps: days > 1 && history === null && !switches.has('no-follow-ups') ? { afterDays } : null,
    help: switches.has('help'),
  };
}
