import { OpdError, invalid } from '../../errors.js';
import { toSlot } from '../../model/convert.js';
import { firstEndingAfter, inFacility, type SlotRecord } from '../../model/records.js';
import type { Slot } from '../../types.js';
import { type Command, commit, doctorNotFound, refuseRetiredSlot } from '../command.js';
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
  // join builds one flat string: a template literal builds a rope, which every comparison with
  // another slot's id (a booking's store finding its slot) would hand to the runtime.
  return [doctorId, new Date(start).toISOString().replace('.000Z', 'Z')].join('@');
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
    return commit(
      ws,
      insertSlots(ws, doctorId, drafts, (i) => `slots[${i}]`),
    );
  },
};

/**
 * Checks drafts against the doctor's loaded slots (ids free, no overlap with any slot, open or
 * closed), adds them to the workspace and promotes into them. O(n log m) for n drafts over a
 * schedule of m slots (a doctor's slots never overlap, so sorted by start they are sorted by end).
 * @param fieldOf - the input field that names draft `i`, for errors
 */
export function insertSlots(ws: Workspace, doctorId: string, drafts: readonly SlotDraft[], fieldOf: (i: number) => string): Slot[] {
  const { snapshot } = ws;
  const schedule = [...(snapshot.schedule ?? [])].sort((a, b) => a.slot.start - b.slot.start);
  const doctor = snapshot.doctor!;
  const records: SlotRecord[] = drafts.map((draft, i) => {
    refuseRetiredSlot(doctor, draft, fieldOf(i));
    if (draft.id !== undefined && snapshot.slots.has(draft.id)) {
      throw invalid(`${fieldOf(i)}.id`, `Slot id \`${draft.id}\` already exists`, { slotId: draft.id });
    }
    const clash = schedule[firstEndingAfter(schedule, draft.start)];
    if (clash !== undefined && clash.slot.start < draft.end) {
      throw new OpdError('SLOT_OVERLAP', `${fieldOf(i)} overlaps slot \`${clash.slot.id}\` of doctor \`${doctorId}\``, {
        details: { field: fieldOf(i), slotId: clash.slot.id, doctorId },
      });
    }
    return inFacility<SlotRecord>(
      {
        id: draft.id ?? slotIdOf(doctorId, draft.start),
        doctorId,
        day: draft.day,
        start: draft.start,
        end: draft.end,
        capacity: draft.capacity,
        overflowCapacity: draft.overflowCapacity,
        status: 'OPEN',
        closedReason: null,
      },
      ws.facilityId,
    );
  });
  for (const record of records) ws.addSlot(ws.day(record.day), record);
  for (const day of new Set(records.map((r) => r.day))) promoteWaiting(ws, ws.day(day));
  return records.map(toSlot);
}
