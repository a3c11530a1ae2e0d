import { OpdError, invalid } from '../../errors.js';
import { toSlot } from '../../model/convert.js';
import type { SlotRecord } from '../../model/records.js';
import type { Slot } from '../../types.js';
import { type Command, commit, doctorNotFound } from '../command.js';
import { promoteWaiting } from '../placement.js';
import { Workspace } from '../workspace.js';

/** A validated slot to add. */
export interface SlotDraft {
  readonly id: string | undefined;
  readonly start: number;
  readonly end: number;
  readonly capacity: number;
  readonly overflowCapacity: number;
  readonly day: string;
}

/** Slots to add to a doctor. */
export interface AddSlotsInput {
  readonly doctorId: string;
  readonly drafts: readonly SlotDraft[];
}

/** The id of a generated slot: its doctor and start, unique because a doctor's slots never overlap. */
export function slotIdOf(doctorId: string, start: number): string {
  return `${doctorId}@${new Date(start).toISOString().replace('.000Z', 'Z')}`;
}

/** Adds slots (no overlap with any slot of the doctor, open or closed) and promotes into them. */
export const addSlots: Command<AddSlotsInput, Slot[]> = {
  load({ doctorId, drafts }) {
    if (drafts.length === 0) return { doctorId };
    return {
      doctorId,
      slotIds: drafts.flatMap((d) => (d.id === undefined ? [] : [d.id])),
      days: [...new Set(drafts.map((d) => d.day))],
      schedule: { from: Math.min(...drafts.map((d) => d.start)), to: Math.max(...drafts.map((d) => d.end)) },
    };
  },

  decide(config, snapshot, { doctorId, drafts }, now) {
    if (snapshot.doctor === undefined) throw doctorNotFound(doctorId);
    const ws = new Workspace(config, snapshot, now);
    const records: SlotRecord[] = drafts.map((draft, i) => {
      if (draft.id !== undefined && snapshot.slots.has(draft.id)) {
        throw invalid(`slots[${i}].id`, `Slot id \`${draft.id}\` already exists`, { slotId: draft.id });
      }
      const clash = snapshot.schedule?.find(({ slot }) => slot.start < draft.end && slot.end > draft.start);
      if (clash !== undefined) {
        throw new OpdError('SLOT_OVERLAP', `Slot ${i} overlaps slot \`${clash.slot.id}\` of doctor \`${doctorId}\``, {
          details: { field: `slots[${i}]`, slotId: clash.slot.id, doctorId },
        });
      }
      return {
        id: draft.id ?? slotIdOf(doctorId, draft.start),
        doctorId,
        day: draft.day,
        start: draft.start,
        end: draft.end,
        capacity: draft.capacity,
        overflowCapacity: draft.overflowCapacity,
        status: 'OPEN',
        closedReason: null,
      };
    });
    for (const record of records) ws.addSlot(ws.day(record.day), record);
    for (const day of new Set(records.map((r) => r.day))) promoteWaiting(ws, ws.day(day));
    return commit(ws, records.map(toSlot));
  },
};
