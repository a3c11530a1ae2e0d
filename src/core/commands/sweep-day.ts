import { changeToken, settleClaims } from '../claims.js';
import { compareQueueOrder } from '../../model/queue.js';
import type { Effect } from '../../types.js';
import { type Command, commit, unchanged } from '../command.js';
import * as ev from '../events.js';
import { promoteWaiting } from '../placement.js';
import { Workspace } from '../workspace.js';
import { retriesOf } from '../followups.js';
import { closeOutDay, closingReads, dayOverAt, hasUnseen, closingLoad } from './close-day.js';

/** What sweeping one doctor-day did, and the due follow-ups on it the sweep tries next, each in a unit of its own. */
export interface SweptDay {
  readonly effects: Effect[];
  /** The ids of the day's follow-ups still due whose window has not passed. */
  readonly followUps: readonly string[];
}

const NOTHING_SWEPT: SweptDay = Object.freeze({ effects: [], followUps: Object.freeze([]) });

/** One doctor-day to sweep, and the cutoff: slots that started before it are due. */
export interface SweepDayInput {
  readonly doctorId: string;
  readonly day: string;
  /** The sweep's `now` less the grace period; never later than the clock less it. */
  readonly cutoff: number;
  /** Whether the sweep closes the day when it is over by `cutoff` (`closeOut.sweep`); not when omitted. */
  readonly close?: boolean | undefined;
  /** The department to lock with the doctor, when the day may close (`closingDepartment`), if any. */
  readonly department?: string | undefined;
}

/**
 * The sweep of one doctor-day. Every `BOOKED` token in a slot that started before `cutoff`
 * becomes `NO_SHOW` — unless it got its place after `cutoff` (promoted or cascaded into a slot
 * already running: its grace runs from then) — and never in a slot that has not started by the
 * clock (`now`). Then the day's claims take their one sweep step ({@link settleClaims}): every
 * hold whose end has passed by the clock is released (`CANCELLED`, `token:expired`), every offer
 * whose window passed goes to its next group. Freed places of slots that have not ended by the
 * clock are promoted into.
 * With `close`, a day over by `cutoff` (its last open slot ended and the grace period passed,
 * {@link dayOverAt}) is then closed ({@link closeOutDay}), its next day with slots read first when
 * tokens are carried.
 */
export const sweepDay: Command<SweepDayInput, SweptDay> = {
  load: closingLoad,
  decide(config, snapshot, { doctorId, day, cutoff, close }, now) {
    if (snapshot.doctor === undefined) return unchanged(NOTHING_SWEPT);
    const slots = (snapshot.days.get(day)?.slots ?? []).map((s) => s.slot);
    const closing = close === true && dayOverAt(config, day, slots) <= cutoff && hasUnseen(snapshot, day);
    let next: string | undefined;
    if (closing) {
      const reads = closingReads(config, snapshot, doctorId, day, now);
      if (reads.load !== undefined) return { kind: 'load', request: reads.load };
      next = reads.next;
    }
    const ws = new Workspace(config, snapshot, now);
    const work = ws.day(day);
    for (let i = 0; i < work.slotCount; i++) {
      const slot = work.slot(i);
      if (slot.start >= cutoff || slot.start > now) continue;
      const due = work
        .places(i)
        .filter((t) => t.status === 'BOOKED' && (t.placedAt === null || t.placedAt < cutoff))
        .sort(compareQueueOrder);
      for (const token of due) {
        const next = changeToken(ws, work, token, { status: 'NO_SHOW', slotId: null });
        ev.noShow(ws, next, slot.id, 'sweep');
      }
    }
    // Then the claims (their one sweep step): ended holds expire, offers whose window passed move
    // on to their next group; then the waitlist takes the places freed.
    settleClaims(ws, work);
    promoteWaiting(ws, work);
    if (closing) closeOutDay(ws, work, next === undefined ? undefined : ws.day(next));
    return commit(ws, { effects: ws.events, followUps: retriesOf(work.claims, config.dayOf(now)) });
  },
};
