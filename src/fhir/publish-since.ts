// What may have changed since an instant, as the stored history tells it: the doctor-days an
// event of the skew window or after it touched, and the doctors an event about the doctor
// touched. Read for a `_since` publication.
import { isOpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { OpdScheduler } from '../scheduler.js';

/** The doctors and doctor-days events after an instant touched. */
export interface Changes {
  /** Doctors an event about the doctor itself touched (an update, a retirement): every day of theirs. */
  readonly doctors: Set<string>;
  /** Doctor id → the local days an event touched. */
  readonly days: Map<string, Set<string>>;
}

/**
 * How far before `since` the events read count: events are stored in `seq` order but stamped
 * with the clock of the process that made them, so an event stored after a publication may be
 * stamped before its `transactionTime` by a process whose clock is behind. Every event stamped
 * in this window before `since` (and every later one) counts as a change: a feed asked since an
 * instant errs on the side of republishing. Clocks further apart than this may miss an event.
 */
const CLOCK_SKEW_MS = 5 * 60_000;
const PAGE = 1000;

/**
 * The doctor-days and doctors touched by the events stamped at or after `since` less
 * {@link CLOCK_SKEW_MS}, or `undefined` when the history cannot tell: it no longer holds every
 * event since then (a store that forgets its oldest events), or refuses with `HISTORY_TRUNCATED`.
 *
 * The first event to read is found by a search over `seq` (a few one-event pages), then every
 * event from there is read page by page and counts, however it is stamped.
 * @throws OpdError `STORAGE_FAILURE` and whatever else `history` throws
 */
export async function changesSince(opd: OpdScheduler, since: number): Promise<Changes | undefined> {
  try {
    return await readChanges(opd, since);
  } catch (error) {
    if (isOpdError(error, 'HISTORY_TRUNCATED')) return undefined;
    throw error;
  }
}

async function readChanges(opd: OpdScheduler, since: number): Promise<Changes | undefined> {
  const changes: Changes = { doctors: new Set(), days: new Map() };
  const first = await firstAfter(opd, 0);
  if (first === undefined) return changes;
  const bound = since - CLOCK_SKEW_MS;
  // Events before the oldest one kept were forgotten: unless it is the first ever stored, they
  // may be later than `since`.
  if (first.seq > 1 && first.at.getTime() >= bound) return undefined;
  const start = first.at.getTime() < bound ? await lastBefore(opd, first.seq, bound) : 0;
  for (let page = await opd.history({ after: start, limit: PAGE }); page.length > 0; page = await opd.history({ after: page.at(-1)!.seq, limit: PAGE })) {
    // Every event from the window on counts, even one stamped before `since` (a clock behind)
    // or before the window (stored after the search's start, by a clock further behind).
    for (const event of page) touch(changes, event);
    if (page.length < PAGE) break;
  }
  return changes;
}

/** The first stored event whose `seq` is greater than `after`. */
async function firstAfter(opd: OpdScheduler, after: number): Promise<OpdEvent | undefined> {
  return (await opd.history({ after, limit: 1 }))[0];
}

/**
 * The `seq` of a stored event stamped before `bound` after which every event is stamped at or
 * after it (taking the events' times to grow with `seq`), given `lo`, the `seq` of one stamped
 * before it: a doubling search for an upper end, then a halving one.
 */
async function lastBefore(opd: OpdScheduler, lo: number, bound: number): Promise<number> {
  let hi: number | undefined;
  for (let step = 1; hi === undefined; step *= 2) {
    const probe = await firstAfter(opd, lo + step - 1);
    if (probe === undefined) hi = lo + step;
    else if (probe.at.getTime() >= bound) hi = probe.seq;
    else lo = probe.seq;
  }
  // Invariant: the event `lo` is stamped before `bound`; none from `hi` on is an event to skip.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const probe = await firstAfter(opd, mid - 1);
    if (probe === undefined || probe.seq >= hi) hi = mid;
    else if (probe.at.getTime() < bound) lo = probe.seq;
    else hi = probe.seq;
  }
  return lo;
}

/** Records what one event touched: its doctor-day (and the day a token came from or went to), else its doctor. */
function touch(changes: Changes, event: OpdEvent): void {
  const fields = event as { readonly day?: unknown; readonly toDay?: unknown; readonly fromDay?: unknown; readonly fromDoctorId?: unknown };
  if (typeof fields.day !== 'string') {
    changes.doctors.add(event.doctorId);
    return;
  }
  const add = (doctorId: string, day: string): void => {
    const days = changes.days.get(doctorId);
    if (days === undefined) changes.days.set(doctorId, new Set([day]));
    else days.add(day);
  };
  add(event.doctorId, fields.day);
  if (typeof fields.toDay === 'string') add(event.doctorId, fields.toDay);
  if (typeof fields.fromDay === 'string') add(typeof fields.fromDoctorId === 'string' ? fields.fromDoctorId : event.doctorId, fields.fromDay);
}
