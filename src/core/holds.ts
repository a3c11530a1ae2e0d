/**
 * How long a hold lasts, and how it ends: confirmed (transitions), released, or expired. A hold
 * never outlives its slot: it ends after its minutes or at its slot's end, whichever comes first.
 * A hold whose `holdExpiresAt` has passed can no longer be confirmed; the sweep releases it, and
 * so does any call that places a request on its day, or settles its day while somebody waits,
 * before the next sweep: a place nobody can take up again never keeps a patient (an emergency
 * above all) out of it.
 */
import type { OpdEvent, TokenReleasedEvent } from '../events.js';
import { compareQueueOrder } from '../model/queue.js';
import type { SlotRecord, TokenRecord } from '../model/records.js';
import { holdEnded } from '../model/claims.js';
import { MINUTE } from '../time.js';
import * as ev from './events.js';
import type { DayWork, Workspace } from './workspace.js';

/** The `cancelReason` of a released hold. */
export const HOLD_RELEASED = 'hold-released';
/** The `cancelReason` of a hold that ended unconfirmed. */
export const HOLD_EXPIRED = 'hold-expired';

/**
 * When a hold placed at `now` for `minutes` in `slot` ends: after its minutes, and never after the
 * slot's end. Past that end nobody can take the place up (`book` answers `SLOT_ENDED`), and a
 * patient confirmed into it would only be a no-show at the next sweep.
 */
export function holdExpiry(slot: SlotRecord, now: number, minutes: number): number {
  return Math.min(now + minutes * MINUTE, slot.end);
}

/**
 * Ends a `HELD` token of slot `slotId` (`CANCELLED`): as the expiry it is when its end has passed
 * (`token:expired`, `hold-expired`), else as released for `reason` (`token:released`,
 * `hold-released`; `by`, the token whose bump released it). Returns its event.
 */
export function endHold(ws: Workspace, work: DayWork, token: TokenRecord, slotId: string, reason: TokenReleasedEvent['reason'], by?: string): OpdEvent {
  if (holdEnded(token, ws.now)) return expire(ws, work, token, slotId);
  const next = ws.update(work, token, { status: 'CANCELLED', slotId: null, cancelReason: HOLD_RELEASED });
  return ev.released(ws, next, slotId, reason, by);
}

/** Ends a hold whose end has passed: `CANCELLED` (`hold-expired`), `token:expired`. */
function expire(ws: Workspace, work: DayWork, token: TokenRecord, slotId: string): OpdEvent {
  const next = ws.update(work, token, { status: 'CANCELLED', slotId: null, cancelReason: HOLD_EXPIRED });
  return ev.expired(ws, next, slotId, token.holdExpiresAt!);
}

/**
 * Expires the holds of slot `i` that have ended by the clock (`token:expired`, in queue order).
 * The places they leave are not promoted into here: the caller's promotions do that. Returns
 * whether it expired any.
 */
export function expireEndedHolds(ws: Workspace, work: DayWork, i: number): boolean {
  const places = work.places(i);
  let ended: TokenRecord[] | undefined;
  for (let k = 0; k < places.length; k++) if (holdEnded(places[k]!, ws.now)) (ended ??= []).push(places[k]!);
  if (ended === undefined) return false;
  const slotId = work.slot(i).id;
  for (const token of ended.sort(compareQueueOrder)) expire(ws, work, token, slotId);
  return true;
}

/**
 * Expires every hold of the day that has ended by the clock and that no sweep has released yet,
 * slot by slot in time order. Reads nothing on a day the snapshot says holds none. Returns
 * whether it expired any.
 */
export function expireEndedHoldsOfDay(ws: Workspace, work: DayWork): boolean {
  if (!work.mayHold) return false;
  let expired = false;
  for (let i = 0, n = work.slotCount; i < n; i++) if (expireEndedHolds(ws, work, i)) expired = true;
  return expired;
}
