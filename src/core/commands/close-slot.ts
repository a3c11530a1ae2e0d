import { changeToken, endClaimsOfSlot } from '../claims.js';
import { invalid } from '../../errors.js';
import { compareQueueOrder } from '../../model/queue.js';
import type { SlotRecord } from '../../model/records.js';
import type { Effect } from '../../types.js';
import { type Command, commit, loadedSlot, refuseClosedOrEnded } from '../command.js';
import * as ev from '../events.js';
import { displace, promoteWaiting, settleBeforePlacing } from '../placement.js';
import { type DayWork, Workspace } from '../workspace.js';
import { firstUsableSlot } from '../slot-choice.js';

/** A slot to close, and why. */
export interface CloseSlotInput {
  readonly slotId: string;
  readonly reason: string | null;
}

/**
 * Closes a slot (the doctor leaves): every `BOOKED` place is displaced, best first, under the
 * displacement rule; tokens waiting for the slot on a per-slot waitlist move to the next open
 * slot's waitlist. Refused while patients in it are checked in or in consultation.
 */
export const closeSlot: Command<CloseSlotInput, Effect[]> = {
  load: ({ slotId }) => ({ slotId }),
  decide(config, snapshot, { slotId, reason }, now) {
    const ws = new Workspace(config, snapshot, now);
    const { work, index, slot } = loadedSlot(ws, slotId);
    refuseClosedOrEnded(slot, now);
    const present = work.places(index).filter((t) => t.status === 'CHECKED_IN' || t.status === 'IN_CONSULTATION');
    if (present.length > 0) {
      throw invalid('slotId', `Slot \`${slotId}\` holds patients who are checked in or in consultation; cancel or complete them first`, {
        slotId,
        tokenIds: present.map((t) => t.id),
      });
    }
    // The day first as after a sweep: holds that have ended keep no place (neither in this slot nor
    // in one its patients could move to), and the waitlist takes what they leave — a patient
    // waiting for this slot then moves on with the others, as from a place.
    settleBeforePlacing(ws, work);
    const closed = ws.updateSlot(work, index, { status: 'CLOSED', closedReason: reason });
    ev.slotClosed(ws, closed, reason);
    // Its claims end: places held for an offer withdrawn, holds (not bookings yet) released rather than moved.
    endClaimsOfSlot(ws, work, index);
    const booked = work
      .places(index)
      .filter((t) => t.status === 'BOOKED')
      .sort(compareQueueOrder);
    for (const token of booked) displace(ws, work, { token, from: index, reason: 'slot-closed', by: null, depth: 0 });
    moveWaitingFor(ws, work, index);
    promoteWaiting(ws, work);
    return commit(ws, ws.events);
  },
};

/** Per-slot waitlist entries of a closed slot wait for the next open slot (or any slot). */
export function moveWaitingFor(ws: Workspace, work: DayWork, index: number): void {
  const slot = work.slot(index);
  const waiting = work.waitlist.filter((t) => t.waitingForSlotId === slot.id).sort(compareQueueOrder);
  if (waiting.length === 0) return;
  const next = firstUsableSlot(work, ws.now, { from: index + 1 });
  const nextSlot: SlotRecord | null = next < 0 ? null : work.slot(next);
  for (const token of waiting) {
    const next = changeToken(ws, work, token, {
      waitingForSlotId: nextSlot?.id ?? null,
      notBefore: slot.start,
      rank: ws.rankOf({ ...token, notBefore: slot.start }, token.bumpCount),
    });
    ev.waitlisted(ws, next, next.waitingForSlotId, slot.id, 'slot-closed');
  }
}
