import { OpdError } from '../../errors.js';
import type { Slot } from '../../types.js';
import { type Command, commit, doctorNotFound, unchanged } from '../command.js';
import { Workspace } from '../workspace.js';
import { addSlots, insertSlots, type SlotDraft, slotIdOf } from './add-slots.js';

/** A weekly rota, expanded to its slots (in time order) by the shell. */
export interface AddRecurringSlotsInput {
  readonly doctorId: string;
  /** Every slot of the rota, each with the index of the weekly entry it comes from. */
  readonly drafts: readonly RotaDraft[];
}

/** A slot of a rota: a draft, and the weekly entry that made it. */
export interface RotaDraft extends SlotDraft {
  readonly entry: number;
}

/**
 * Adds the slots of a weekly rota. Idempotent: a slot of the rota that the doctor already has
 * (same generated id, same start and end, open or closed) is kept as it is and not created
 * again; the result lists only the slots created by this call. Any other overlap with an
 * existing slot refuses the whole call (`SLOT_OVERLAP`).
 */
export const addRecurringSlots: Command<AddRecurringSlotsInput, Slot[]> = {
  load: ({ doctorId, drafts }, now) => addSlots.load({ doctorId, drafts: withIds(doctorId, drafts) }, now),

  decide(config, snapshot, { doctorId, drafts }, now) {
    if (snapshot.doctor === undefined) throw doctorNotFound(doctorId);
    const fresh = withIds(doctorId, drafts).filter((d) => {
      const existing = snapshot.slots.get(d.id);
      if (existing === undefined || existing.doctorId !== doctorId) return true;
      if (existing.end === d.end) return false; // the rota's own slot, from an earlier run
      throw new OpdError('SLOT_OVERLAP', `rota.weekly[${d.entry}] overlaps slot \`${existing.id}\` of doctor \`${doctorId}\``, {
        details: { field: `rota.weekly[${d.entry}]`, slotId: existing.id, doctorId },
      });
    });
    if (fresh.length === 0) return unchanged([]);
    const ws = new Workspace(config, snapshot, now);
    return commit(
      ws,
      insertSlots(ws, doctorId, fresh, (i) => `rota.weekly[${fresh[i]!.entry}]`),
    );
  },
};

function withIds(doctorId: string, drafts: readonly RotaDraft[]): (RotaDraft & { readonly id: string })[] {
  return drafts.map((d) => ({ ...d, id: slotIdOf(doctorId, d.start) }));
}
