import { invalid } from '../../errors.js';
import { compareQueueOrder } from '../../model/queue.js';
import type { TokenRecord } from '../../model/records.js';
import type { LoadRequest } from '../../model/snapshot.js';
import type { Effect } from '../../types.js';
import { type Command, commit, doctorNotFound, unchanged } from '../command.js';
import { protectionOf } from '../emergency.js';
import * as ev from '../events.js';
import { displace, promoteWaiting } from '../placement.js';
import { type DayWork, Workspace } from '../workspace.js';
import { moveWaitingFor } from './close-slot.js';

/** A doctor's leave: the doctor, the instants `[from, to)`, and why. */
export interface CloseSlotsInput {
  readonly doctorId: string;
  /** Epoch milliseconds, inclusive. */
  readonly from: number;
  /** Epoch milliseconds, exclusive; after `from`. */
  readonly to: number;
  readonly reason: string | null;
  /** `'department'`: move displaced patients to colleagues of the doctor's department. */
  readonly reassign: 'department' | null;
}

/**
 * Closes every open slot of a doctor that overlaps `[from, to)` and has not ended, as one unit
 * (a doctor's leave). All the slots are closed first, so that nobody is moved into a slot that
 * is itself closing; then, day by day, every `BOOKED` place of the closed slots is displaced
 * once, emergencies first and then in queue order, under the displacement rule of a closed slot:
 * the earliest usable place after the leave on its day, else the policy's waitlist or drop.
 * Per-slot waitlist entries of the closed slots wait for the next open slot. Refused, closing
 * nothing, while a patient in one of the slots is checked in or in consultation.
 *
 * O(n log n) in the places displaced (one sort per day), plus the usual scans of each day's
 * slots by the displacement rule.
 */
export const closeSlots: Command<CloseSlotsInput, Effect[]> = {
  load: leaveWindow,
  decide(config, snapshot, input, now) {
    const { doctorId, reason } = input;
    if (snapshot.doctor === undefined) throw doctorNotFound(doctorId);
    if (input.reassign === 'department') {
      // Doctors carry no department yet: nobody can be reassigned within one.
      throw invalid('leave.reassign', `Doctor \`${doctorId}\` has no department to reassign patients within`, { doctorId });
    }
    const closing = (snapshot.schedule ?? []).filter((e) => e.slot.status === 'OPEN' && e.slot.end > now);
    if (closing.length === 0) return unchanged([]);
    // The schedule names the days; their places are read in a second round, under the same lock.
    const days = [...new Set(closing.map((e) => e.slot.day))].sort();
    if (days.some((day) => !snapshot.days.has(day))) return { kind: 'load', request: { ...leaveWindow(input), days } };

    const ws = new Workspace(config, snapshot, now);
    const plan: { readonly work: DayWork; readonly indexes: number[] }[] = [];
    const ids = new Set(closing.map((e) => e.slot.id));
    for (const day of days) {
      const work = ws.day(day);
      const indexes: number[] = [];
      for (let i = 0; i < work.slotCount; i++) if (ids.has(work.slot(i).id)) indexes.push(i);
      plan.push({ work, indexes });
    }
    for (const { work, indexes } of plan) {
      for (const i of indexes) {
        const present = work.places(i).filter((t) => t.status === 'CHECKED_IN' || t.status === 'IN_CONSULTATION');
        if (present.length > 0) {
          const slotId = work.slot(i).id;
          throw invalid('leave', `Slot \`${slotId}\` of the leave holds patients who are checked in or in consultation; cancel or complete them first`, {
            slotId,
            tokenIds: present.map((t) => t.id),
          });
        }
      }
    }
    for (const { work, indexes } of plan) {
      for (const i of indexes) ev.slotClosed(ws, ws.updateSlot(work, i, { status: 'CLOSED', closedReason: reason }), reason);
    }
    for (const { work, indexes } of plan) {
      const displaced: { readonly token: TokenRecord; readonly from: number; readonly urgent: boolean }[] = [];
      for (const i of indexes) {
        for (const token of work.places(i)) if (token.status === 'BOOKED') displaced.push({ token, from: i, urgent: protectionOf(ws, token) !== null });
      }
      displaced.sort((a, b) => Number(b.urgent) - Number(a.urgent) || compareQueueOrder(a.token, b.token));
      for (const { token, from } of displaced) displace(ws, work, { token, from, reason: 'slot-closed', by: null, depth: 0 });
      for (const i of indexes) moveWaitingFor(ws, work, i);
      promoteWaiting(ws, work);
    }
    return commit(ws, ws.events);
  },
};

/** The doctor and the slots of the leave's window, with their occupancy. */
function leaveWindow({ doctorId, from, to }: CloseSlotsInput): LoadRequest {
  return { doctorId, schedule: { from, to } };
}
