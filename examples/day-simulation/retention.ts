/**
 * `--retention-days <n>`: the patients' data of the day kept for n days after the day ends, then
 * erased by `purge()` (the scheduler's option `retention: { patientDataDays: n }`), as a hospital
 * runs it daily. After the simulated day, a purge at its end erases nothing (the day is within
 * its retention); the clock then moves to the first day past the retention, and a purge erases
 * the patient data of every token of the day, leaving ids, numbers, categories, times, statuses
 * and the day's figures as they were. A token carried to a later day keeps its data.
 */
import { isErasedPatient, type OpdScheduler, type Stats } from 'opd-scheduler';
import { int } from './format.js';
import { DAY_MS, dayAfter } from './time.js';

/** What the purges did to the simulated day. */
export interface RetentionFigures {
  /** Days the patient data is kept after the day ends (`--retention-days`). */
  readonly days: number;
  /** The local date of the first purge that erases the day: the day after the retention ends. */
  readonly erasedOn: string;
  /** Tokens a purge at the end of the day erased (none is right: the day is within its retention). */
  readonly erasedAtDayEnd: number;
  /** Tokens the purge after the retention erased. */
  readonly erased: number;
  /** Tokens of the simulated day, read back after the purge. */
  readonly dayTokens: number;
  /** Tokens of the day that still hold patient data after the purge (none is right). */
  readonly left: number;
  /** Tokens carried to a later day whose data the purge erased (none is right: their day is not over). */
  readonly laterErased: number;
  /** Whether `stats()` of the day reads the same after the purge. */
  readonly statsUnchanged: boolean;
}

/** Whether the purges erased exactly the day's patient data, and changed none of its figures. */
export function retentionHeld(figures: RetentionFigures): boolean {
  return figures.erasedAtDayEnd === 0 && figures.left === 0 && figures.laterErased === 0 && figures.statsUnchanged && figures.erased === figures.dayTokens;
}

/**
 * Purges at the end of the day, then once its retention has passed, and reads every token back.
 * @param opd - the day's scheduler, made with `retention: { patientDataDays: days }`
 * @param day - the simulated local day, `YYYY-MM-DD`
 * @param tokenIds - every token the day made
 * @param stats - `stats({ date: day })` before the purges
 * @param days - the retention in days
 * @param now - the simulation's clock: read and moved
 */
export async function purgeAfterRetention(
  opd: OpdScheduler,
  day: string,
  tokenIds: Iterable<string>,
  stats: Stats,
  days: number,
  now: { get(): number; set(at: number): void },
): Promise<RetentionFigures> {
  const early = await opd.purge();
  // A purge erases the tokens of local dates before the date `days` days before it: a day later
  // than now plus the retention, the simulated day is one of them (the run ends on its day).
  now.set(now.get() + (days + 1) * DAY_MS);
  const late = await opd.purge();
  let dayTokens = 0;
  let left = 0;
  let laterErased = 0;
  for (const id of tokenIds) {
    const token = await opd.getToken(id);
    const erased = isErasedPatient(token.patient);
    if (token.day === day) {
      dayTokens++;
      if (!erased) left++;
    } else if (erased) laterErased++;
  }
  const after = await opd.stats({ date: day });
  return {
    days,
    erasedOn: dayAfter(day, days + 1),
    erasedAtDayEnd: early.tokenIds.length,
    erased: late.tokenIds.length,
    dayTokens,
    left,
    laterErased,
    statsUnchanged: JSON.stringify(after) === JSON.stringify(stats),
  };
}

/** The console line of the purges. */
export function retentionLine(figures: RetentionFigures): string {
  const held = retentionHeld(figures) ? 'ids, numbers, statuses and stats() unchanged' : 'NOT AS EXPECTED (see the checks)';
  return `patient data kept ${int(figures.days)} days after the day: purge() at its end erased ${int(figures.erasedAtDayEnd)}; on ${figures.erasedOn} it erased the patient data of ${int(figures.erased)} of the day's ${int(figures.dayTokens)} tokens (${held})`;
}
