import { invalid, OpdError } from '../../errors.js';
import type { Effect } from '../../types.js';
import { type Command, commit, loadedSlot, refuseRetiredSlot } from '../command.js';
import * as ev from '../events.js';
import { promoteWaiting } from '../placement.js';
import { Workspace } from '../workspace.js';

/** A closed slot to reopen. */
export interface ReopenSlotInput {
  readonly slotId: string;
}

/**
 * Reopens a slot closed by mistake that has not ended, and promotes waitlisted tokens into it
 * under the promotion rules (waiting emergencies first). Patients displaced when it closed are
 * not brought back: they hold their new place or waitlist entry, and may have moved since.
 */
export const reopenSlot: Command<ReopenSlotInput, Effect[]> = {
  load: ({ slotId }) => ({ slotId }),
  decide(config, snapshot, { slotId }, now) {
    const ws = new Workspace(config, snapshot, now);
    const { work, index, slot } = loadedSlot(ws, slotId);
    if (slot.end <= now) {
      throw new OpdError('SLOT_ENDED', `Slot \`${slotId}\` has ended`, { details: { field: 'slotId', slotId } });
    }
    if (slot.status !== 'CLOSED') throw invalid('slotId', `Slot \`${slotId}\` is not closed`, { slotId, status: slot.status });
    // A retirement closed it: reopening it would give the doctor a place past the retirement.
    refuseRetiredSlot(ws.doctor!, slot, 'slotId');
    const reopened = ws.updateSlot(work, index, { status: 'OPEN', closedReason: null });
    ev.slotReopened(ws, reopened);
    work.noteFreed(reopened.id, Math.max(0, reopened.capacity - work.occupancy(index)));
    promoteWaiting(ws, work);
    return commit(ws, ws.events);
  },
};
