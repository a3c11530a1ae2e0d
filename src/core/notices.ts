/**
 * Queue notices: `token:turn-near` and `token:eta-changed`, worked out at the end of every unit
 * from the live estimates of the doctor-days it worked on.
 */
import { MINUTE } from '../time.js';
import type { TokenRecord } from '../model/records.js';
import { estimatesOf } from './call-order.js';
import * as ev from './events.js';
import type { DayWork, Workspace } from './workspace.js';

/** With the `notify` option, works out the queue notices a unit causes, after its own events: once per unit. */
export function unitNotices(ws: Workspace): void {
  if (ws.noticed || ws.config.notify === undefined) return;
  ws.noticed = true;
  sendNotices(ws);
}

/**
 * The rule "who is told what": for every waiting place (`BOOKED`, `CHECKED_IN`) of the unit's
 * doctor-days of today (and of the day before, whose session may run past midnight), under the
 * `notify` option:
 * - `token:turn-near` once per token (`turnNearSent`), when its turn among the day's waiting
 *   places is at most `positions` (once the day's first slot has started), or its estimated start
 *   at most `minutes` away;
 * - `token:eta-changed` when its estimated start is at least `etaChangedMinutes` from the one its
 *   patient was last told (`toldEta`), which becomes the new one. A token with no estimate told
 *   yet (placed in this unit, or first looked at today) is told it silently: the booking result
 *   (or the day's first look) gave it.
 * The notices follow the unit's other events; the tokens' records note what was told.
 */
export function sendNotices(ws: Workspace): void {
  const rules = ws.config.notify;
  if (rules === undefined) return;
  // A fresh list of the unit's events: a result already built on the old one (a sweep's effects)
  // keeps its own, which the notices are not part of.
  ws.events = [...ws.events];
  const today = ws.config.dayOf(ws.now);
  const yesterday = ws.config.dayOf(ws.config.dayStart(today) - 12 * 60 * MINUTE);
  for (const work of [...ws.workedDays()]) {
    if (work.day !== today && work.day !== yesterday) continue;
    const turns = estimatesOf(ws, work, ws.now, ws.consultMinutes).turns();
    // A turn counted in calls is near only once the doctor's session has begun (its first slot
    // started): at dawn the first patient of the day is one call away, and hours from it.
    const begun = work.slotCount > 0 && work.slot(0).start <= ws.now;
    const notes: { token: TokenRecord; turnNearSent?: boolean; toldEta?: number }[] = [];
    for (let i = 0; i < work.slotCount; i++) {
      const slotId = work.slot(i).id;
      for (const token of work.places(i)) {
        const turn = turns.get(token.id);
        if (turn === undefined) continue;
        const note: { token: TokenRecord; turnNearSent?: boolean; toldEta?: number } = { token };
        if (
          token.turnNearSent !== true &&
          ((begun && rules.turnNearPositions !== null && turn.turn <= rules.turnNearPositions) ||
            (rules.turnNearMs !== null && turn.start - ws.now <= rules.turnNearMs))
        ) {
          ev.turnNear(ws, token, slotId, turn.turn, turn.start);
          note.turnNearSent = true;
        }
        if (rules.etaChangedMs !== null) {
          const told = token.toldEta ?? null;
          if (told === null) note.toldEta = turn.start;
          else if (Math.abs(turn.start - told) >= rules.etaChangedMs) {
            ev.etaChanged(ws, token, slotId, turn.start, told);
            note.toldEta = turn.start;
          }
        }
        if (note.turnNearSent !== undefined || note.toldEta !== undefined) notes.push(note);
      }
    }
    record(ws, work, notes);
  }
}

function record(ws: Workspace, work: DayWork, notes: readonly { token: TokenRecord; turnNearSent?: boolean; toldEta?: number }[]): void {
  for (const { token, turnNearSent, toldEta } of notes) {
    ws.note(work, token, { ...(turnNearSent === undefined ? {} : { turnNearSent }), ...(toldEta === undefined ? {} : { toldEta }) });
  }
}
