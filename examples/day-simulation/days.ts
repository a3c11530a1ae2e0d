/**
 * `--days <n>`: many consecutive OPD days of a scenario, each day its own patients (drawn from a
 * seed derived from `--seed` and the day), the same doctors working a weekly rota, and the
 * history each day recorded written as JSON lines (`--history <file.jsonl>`), in the format of
 * `exportHistory` and the example server's `GET /api/history.jsonl`, for the policy lab.
 *
 * Each day runs in a store of its own, written out and let go before the next day begins, so a
 * year of a large hospital never sits in memory at once. Event numbers (`seq`) run on across the
 * days, as one store's would.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OpdScheduler } from 'opd-scheduler';
import { exportHistory, type LabHistory } from 'opd-scheduler/lab';
import { drawPatients } from './arrivals.js';
import type { PresetName } from './policies.js';
import type { Options } from './cli.js';
import { Random } from './random.js';
import { buildScenario, type DoctorPlan, type Scenario } from './scenarios.js';
import { dayOptions, runDay } from './simulate.js';
import { COME_BACK, comeBackIn, DIALYSIS, FREE_REVISITS, ReturningPatients, type ReturnFigures } from './returning.js';
import { storageFactory } from './storage.js';
import { int, table } from './format.js';
import { DAY_MS, dayAfter } from './time.js';

/** One day of a `--days` run, as its line prints it. */
export interface DayLine {
  readonly day: string;
  readonly doctors: number;
  readonly patients: number;
  readonly tokens: number;
  readonly seen: number;
  readonly noShows: number;
  readonly bumps: number;
  readonly events: number;
  /**
   * The day's returning patients (`null` without them): follow-ups booked (for later days) and
   * seen (booked on an earlier day), series occurrences kept, free revisits used.
   */
  readonly comingBack: {
    readonly followUpsBooked: number;
    readonly followUpsSeen: number;
    readonly seriesKept: number;
    readonly freeVisitsUsed: number;
  } | null;
}

/** What `--days` produced: the console text and the totals behind it. */
export interface DaysOutcome {
  readonly text: string;
  /** What the run was: the scenario's title, its first day, the preset and the seed. */
  readonly title: string;
  readonly firstDay: string;
  readonly preset: PresetName;
  readonly seed: number;
  /** Every day's figures. */
  readonly lines: readonly DayLine[];
  readonly days: number;
  /** Patients who asked, over all days. */
  readonly requests: number;
  /** Tokens made, over all days (bookings, holds and waitlistings). */
  readonly tokens: number;
  /** Events written to the history. */
  readonly events: number;
  /** Whether every consistency check of every day passed. */
  readonly ok: boolean;
  /** What the returning patients did (follow-ups, series, free revisits), or `null` without them. */
  readonly returning: ReturnFigures | null;
}

/** Where the history goes: a line at a time, waiting when the file is behind. */
export interface LineSink {
  write(line: string): Promise<void>;
  close(): Promise<void>;
}

/** A JSON-lines file written as a stream (the writer waits for `drain`, so memory stays flat). */
export async function fileSink(path: string): Promise<LineSink> {
  await mkdir(dirname(path), { recursive: true });
  const out: WriteStream = createWriteStream(path);
  let failed: Error | null = null;
  out.on('error', (error) => {
    failed = error;
  });
  let buffer: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (buffer.length === 0) return;
    const chunk = buffer.join('');
    buffer = [];
    size = 0;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
    if (failed !== null) throw failed;
  };
  return {
    async write(line) {
      buffer.push(line, '\n');
      size += line.length + 1;
      if (size >= 1 << 20) await flush();
    },
    async close() {
      await flush();
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    },
  };
}

/** The seed of day `n` of a run started from `seed` (day 0 is the seed's own day). */
export function daySeed(seed: number, n: number): number {
  return n === 0 ? seed : Math.floor(new Random(seed).fork(`day/${n}`).next() * 0x1_0000_0000);
}

/**
 * The doctors working on day `n`: every doctor but those whose weekly day off it is. With more
 * than three doctors each has one day off a week, spread over the week; a smaller clinic works
 * every day.
 */
export function onDuty(doctors: readonly DoctorPlan[], n: number): DoctorPlan[] {
  if (doctors.length <= 3) return [...doctors];
  return doctors.filter((_, i) => (i + n) % 7 !== 6);
}

/**
 * Day `n` of a run: the scenario drawn from the day's seed (its doctors' lateness and demand;
 * no leaves), its times moved `n` days on, its slots named with their date (slot ids stay unique in
 * one history), the doctors' names those of the first day, and only the doctors on duty.
 * India keeps no daylight saving, so a day is always 24 hours.
 */
export function scenarioOfDay(options: Pick<Options, 'scenario' | 'seed' | 'doctors'>, n: number, first: Scenario): Scenario {
  const drawn = buildScenario(options.scenario, daySeed(options.seed, n), options.doctors);
  const shift = n * DAY_MS;
  const day = dayAfter(drawn.day, n);
  const tag = day.replaceAll('-', '');
  const names = new Map(first.doctors.map((d) => [d.id, d.name]));
  const doctors = drawn.doctors.map((d): DoctorPlan => ({
    ...d,
    name: names.get(d.id) ?? d.name,
    slots: d.slots.map((s) => ({ ...s, id: `${s.id}-${tag}`, start: s.start + shift, end: s.end + shift })),
    // A leave moves its patients to the doctor's next day with room, which a day's own store
    // does not have: over many days, doctors keep their days (the history stays one store's).
    leave: null,
    bursts: d.bursts.map((b) => ({ ...b, at: b.at + shift })),
  }));
  return { ...drawn, day, startsAt: drawn.startsAt + shift, doctors: onDuty(doctors, n) };
}

/**
 * Runs `options.days` consecutive days of the scenario under the `--preset`, writing each day's
 * history to `sink` as it ends (doctors once, then each day's slots and events).
 */
export async function simulateDays(
  options: Options,
  sink: LineSink | null,
  onDayOver: ((opd: OpdScheduler, history: LabHistory) => Promise<void>) | null = null,
): Promise<DaysOutcome> {
  const first = buildScenario(options.scenario, options.seed, options.doctors);
  const factory = await storageFactory(options.storage);
  let seq = 0;
  let requests = 0;
  let tokens = 0;
  let ok = true;
  const doctorsWritten = new Set<string>();
  const rows: string[][] = [['day', 'doctors', 'patients', 'tokens', 'seen', 'no-shows', 'bumps', 'events']];
  // Patients who come back: the days share one scheduler, the rota published ahead.
  const comeBack =
    options.followUps === null || sink !== null
      ? null
      : new ReturningPatients(
          dayOptions(options.preset, options.priority, options.offers === null ? undefined : { ...options.offers, seed: options.seed }),
          await factory.open(),
          options.seed,
          { ...COME_BACK, afterDays: options.followUps.afterDays },
          first,
          (m) => scenarioOfDay(options, m, first),
        );
  let figures: ReturnFigures | null = null;
  const lines: DayLine[] = [];
  try {
    for (let n = 0; n < options.days; n++) {
      const scenario = scenarioOfDay(options, n, first);
      const drawn = drawPatients(scenario, daySeed(options.seed, n));
      const day = comeBack === null ? null : await comeBack.dayBefore(n, scenario, drawn);
      const patients = day?.patients ?? drawn;
      const before = comeBack?.counts() ?? null;
      let events = 0;
      const keep = async (opd: OpdScheduler): Promise<void> => {
        if (comeBack !== null) {
          // One store for all the days (returning patients, no history file): the day's events are
          // those after the days before, counted as they come; the history is read for a hook only.
          events = comeBack.events - seq;
          if (onDayOver !== null) await onDayOver(opd, await exportHistory(opd, { after: seq }));
          return;
        }
        const history = await exportHistory(opd);
        events = history.events.length;
        await onDayOver?.(opd, history);
        if (sink === null) return;
        for (const doctor of history.doctors) {
          if (doctorsWritten.has(doctor.id)) continue;
          doctorsWritten.add(doctor.id);
          await sink.write(JSON.stringify({ type: 'lab:doctor', doctor }));
        }
        for (const slot of history.slots) await sink.write(JSON.stringify({ type: 'lab:slot', slot }));
        for (const tokenIds of history.patients ?? []) await sink.write(JSON.stringify({ type: 'lab:patient', tokenIds }));
        for (const event of history.events) await sink.write(JSON.stringify({ ...event, seq: event.seq + seq }));
      };
      const result = await runDay({
        scenario,
        patients,
        preset: options.preset,
        priority: options.priority,
        ...(comeBack === null || day === null ? { storage: await factory.open() } : { shared: comeBack.shared, returning: day.returning }),
        offers: options.offers === null ? undefined : { ...options.offers, seed: daySeed(options.seed, n) },
        beforeClose: keep,
      });
      seq += events;
      requests += result.requests;
      tokens += result.stats.tokens;
      ok &&= result.emergencyViolations.length === 0;
      const after = comeBack?.counts() ?? null;
      lines.push({
        day: scenario.day,
        doctors: scenario.doctors.length,
        patients: patients.length,
        tokens: result.stats.tokens,
        seen: result.stats.byStatus.COMPLETED,
        noShows: result.stats.byStatus.NO_SHOW,
        bumps: result.counted.bumps,
        events,
        comingBack:
          before === null || after === null
            ? null
            : {
                followUpsBooked: after.followUpsBooked - before.followUpsBooked,
                followUpsSeen: after.followUpsSeen - before.followUpsSeen,
                seriesKept: after.seriesKept - before.seriesKept,
                freeVisitsUsed: after.entitlementsUsed - before.entitlementsUsed,
              },
      });
      if (n < 7 || n === options.days - 1) {
        rows.push([
          scenario.day,
          int(scenario.doctors.length),
          int(patients.length),
          int(result.stats.tokens),
          int(result.stats.byStatus.COMPLETED),
          int(result.stats.byStatus.NO_SHOW),
          int(result.counted.bumps),
          int(events),
        ]);
      } else if (n === 7) rows.push(['…', '', '', '', '', '', '', '']);
    }
    figures = (await comeBack?.figures()) ?? null;
  } finally {
    await comeBack?.close();
    await factory.close();
    await sink?.close();
  }
  const text = [
    `OPD days simulation — ${options.days} day(s) of ${first.title.toLowerCase()}, from ${first.day}, preset ${options.preset}`,
    '',
    table(rows, ['left', ...rows[0]!.slice(1).map(() => 'right' as const)]),
    '',
    `In all: ${int(requests)} requests, ${int(tokens)} tokens, ${int(seq)} events${options.history === null ? '' : `, written to ${options.history}`}.`,
    '',
    ...(figures === null || options.followUps === null ? [] : returningText(figures, options.followUps.afterDays)),
  ].join('\n');
  return {
    text,
    title: first.title,
    firstDay: first.day,
    preset: options.preset,
    seed: options.seed,
    lines,
    days: options.days,
    requests,
    tokens,
    events: seq,
    ok,
    returning: figures,
  };
}

/** The lines "Coming back": follow-ups, series and free revisits over the run. */
export function returningText(f: ReturnFigures, afterDays: readonly [number, number]): string[] {
  return [
    `Coming back (${Math.round(COME_BACK.share * 100)}% of the patients seen told to come back in ${comeBackIn(afterDays)}, a free revisit within ${FREE_REVISITS.freeWithinDays} days of a charged consultation, dialysis ${DIALYSIS.weekdays.length} times a week):`,
    `  follow-ups     ${int(f.followUpsAsked)} asked, ${int(f.followUpsBooked)} booked, ${int(f.followUpsDue)} due without a place (${int(f.followUpsStillDue)} still due), ${int(f.followUpsSeen)} seen on a later day, ${int(f.followUpsMissed)} missed, ${int(f.followUpsAfterRun)} after the last day`,
    `  series         ${int(f.series)} booked, ${int(f.seriesOccurrences)} occurrences (${int(f.seriesSkipped)} without a place), ${int(f.seriesKept)} kept, ${int(f.seriesMissed)} missed, ${int(f.seriesAfterRun)} after the last day`,
    `  free revisits  ${int(f.charged)} charged consultations, ${int(f.entitlementsOpened)} entitlements opened, ${int(f.entitlementsUsed)} used, ${int(f.entitlementsReturned)} given back, ${int(f.entitlementsExpired)} expired`,
    '',
  ];
}

/** The days' figures as JSON (`--json`): the totals, every day's line and the returning patients'. */
export function daysJson(outcome: DaysOutcome): string {
  const { text: _text, ...figures } = outcome;
  return JSON.stringify(figures, null, 2);
}

/** The flags that run the days again (for the report). */
export function daysFlags(options: Options): string {
  const flags = [`--seed ${options.seed}`, `--scenario ${options.scenario}`];
  if (options.scenario === 'hospital') flags.push(`--doctors ${options.doctors}`);
  flags.push(`--preset ${options.preset}`, `--days ${options.days}`);
  if (options.priority !== 'standard') flags.push(`--priority ${options.priority}`);
  if (options.storage !== 'memory') flags.push(`--storage ${options.storage}`);
  if (options.followUps === null) flags.push('--no-follow-ups');
  else flags.push(`--follow-up-days ${options.followUps.afterDays[0]}-${options.followUps.afterDays[1]}`);
  return flags.join(' ');
}
