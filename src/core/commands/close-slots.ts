import { invalid } from '../../errors.js';
import { makeToken } from '../../model/make.js';
import { compareQueueOrder } from '../../model/queue.js';
import { type TokenRecord, tokenIdOf } from '../../model/records.js';
import type { ChangeSet, LoadRequest } from '../../model/snapshot.js';
import type { Effect } from '../../types.js';
import { type Command, commit, doctorNotFound, mergeChanges, unchanged } from '../command.js';
import { emergencyPlace, type Guard, protectionOf } from '../emergency.js';
import * as ev from '../events.js';
import { displace, laterFreeSlot, promoteWaiting } from '../placement.js';
import { hasFreePlaceFor, type QuotaRequest } from '../quota.js';
import { type DayWork, NO_CHANGES, Workspace } from '../workspace.js';
import { moveWaitingFor } from './close-slot.js';
import { HOLD_RELEASED } from './transitions.js';

/** A doctor's leave: the doctor, the instants `[from, to)`, and why. */
export interface CloseSlotsInput {
  readonly doctorId: string;
  /** Epoch milliseconds, inclusive. */
  readonly from: number;
  /** Epoch milliseconds, exclusive; after `from`. */
  readonly to: number;
  readonly reason: string | null;
  /**
   * The doctor's department, whose doctors are locked with it, when displaced patients are
   * reassigned to colleagues (`reassign: 'department'`); else `null`.
   */
  readonly department: string | null;
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
    const { doctorId, reason, department } = input;
    if (snapshot.doctor === undefined) throw doctorNotFound(doctorId);
    if (department !== null && (snapshot.doctor.department ?? null) !== department) {
      throw invalid('leave.reassign', `Doctor \`${doctorId}\` has no department to reassign patients within`, { doctorId });
    }
    const closing = (snapshot.schedule ?? []).filter((e) => e.slot.status === 'OPEN' && e.slot.end > now);
    if (closing.length === 0) return unchanged([]);
    // The schedule names the days; their places are read in a second round, under the same lock.
    const days = [...new Set(closing.map((e) => e.slot.day))].sort();
    const colleagues = (snapshot.department ?? []).filter((id) => id !== doctorId);
    const unread = (days_: ReadonlyMap<string, unknown> | undefined): boolean => days.some((day) => days_?.has(day) !== true);
    if (unread(snapshot.days) || colleagues.some((id) => unread(snapshot.others?.get(id)?.days))) {
      return { kind: 'load', request: { ...leaveWindow(input), days, others: colleagues.map((id) => ({ doctorId: id, days })) } };
    }

    const ws = new Workspace(config, snapshot, now);
    const team = colleagues.map((id) => new Workspace(config, snapshot.others!.get(id)!, now));
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
      // A hold is not a booking yet: it is released rather than moved, as closeSlot does.
      for (const i of indexes) {
        for (const token of work.places(i).filter((t) => t.status === 'HELD').sort(compareQueueOrder)) {
          ev.released(ws, ws.update(work, token, { status: 'CANCELLED', slotId: null, cancelReason: HOLD_RELEASED }), work.slot(i).id, 'slot-closed');
        }
      }
      const displaced: { readonly token: TokenRecord; readonly from: number; readonly urgent: boolean }[] = [];
      for (const i of indexes) {
        for (const token of work.places(i)) if (token.status === 'BOOKED') displaced.push({ token, from: i, urgent: protectionOf(ws, token) !== null });
      }
      displaced.sort((a, b) => Number(b.urgent) - Number(a.urgent) || compareQueueOrder(a.token, b.token));
      for (const { token, from } of displaced) {
        if (team.length > 0 && reassign(ws, work, team, token, from, reason)) continue;
        displace(ws, work, { token, from, reason: 'slot-closed', by: null, depth: 0 });
      }
      for (const i of indexes) moveWaitingFor(ws, work, i);
      promoteWaiting(ws, work);
    }
    if (team.length === 0) return commit(ws, ws.events);
    let changes: ChangeSet = ws.changed ? ws.changes() : NO_CHANGES;
    for (const other of team) if (other.changed) changes = mergeChanges(changes, other.changes());
    return { kind: 'commit', changes, result: ws.events };
  },
};

/** Only free and elastic places: nobody is bumped at a colleague's for a reassigned patient. */
const NO_BUMP: Guard = { bump: false };

/**
 * Moves a displaced token to the soonest place with a colleague when it is strictly sooner than
 * the doctor's own first place after the leave: a free place (for an emergency, also an elastic
 * place) starting no earlier than the slot it leaves, on its day; ties between colleagues go to
 * the one with fewest places taken that day, then to the lower doctor id. The old token ends
 * `CANCELLED` (`cancelReason: 'moved'`) and a new token of the colleague's day holds the place
 * (`token:moved`). Returns `false` (nothing changed) when no colleague is sooner.
 */
function reassign(ws: Workspace, work: DayWork, team: readonly Workspace[], token: TokenRecord, from: number, reason: string | null): boolean {
  const notBefore = work.slot(from).start;
  const guard = protectionOf(ws, token);
  const own = guard === null ? laterFreeSlot(ws, work, from, token) : (emergencyPlace(ws, work, { ...token, notBefore }, from + 1, NO_BUMP, -1, 1)?.index ?? -1);
  let best: { readonly ws: Workspace; readonly work: DayWork; readonly index: number; readonly start: number; readonly taken: number } | undefined;
  for (const other of team) {
    const theirs = other.day(token.day);
    if (token.patient.id !== undefined && !other.config.allowDuplicateBookings && theirs.liveTokenOf(token.patient.id) !== undefined) continue;
    const rank = other.rankOf({ ...token, notBefore }, 0);
    const index =
      guard === null ? firstFreeFrom(other, theirs, { category: token.category, rank }, notBefore) : (emergencyPlace(other, theirs, { ...token, rank, notBefore }, 0, NO_BUMP, -1, 1)?.index ?? -1);
    if (index < 0) continue;
    const start = theirs.slot(index).start;
    let taken = 0;
    for (let i = 0; i < theirs.slotCount; i++) taken += theirs.occupancy(i);
    if (best === undefined || start < best.start || (start === best.start && taken < best.taken)) best = { ws: other, work: theirs, index, start, taken };
  }
  if (best === undefined || (own >= 0 && work.slot(own).start <= best.start)) return false;
  const place = best.work.slot(best.index);
  const cancelled = ws.update(work, token, { status: 'CANCELLED', slotId: null, waitingForSlotId: null, cancelReason: 'moved' });
  const tokenNumber = best.work.nextTokenNumber();
  const doctorId = place.doctorId;
  const moved = makeToken({
    ...cancelled,
    id: tokenIdOf(doctorId, token.day, tokenNumber),
    doctorId,
    slotId: place.id,
    waitingForSlotId: null,
    status: 'BOOKED',
    tokenNumber,
    // A new token of the colleague's day: the next label of its series there.
    label: best.ws.config.labelPrefix === null ? String(tokenNumber) : best.work.nextLabel(best.ws.config.labelPrefix(token.category)),
    rank: best.ws.rankOf({ ...token, notBefore: place.start }, 0),
    bumpCount: 0,
    placedAt: ws.now,
    notBefore: place.start,
    idempotencyKey: null,
    cancelReason: null,
    updatedAt: ws.now,
    holdExpiresAt: null,
  });
  best.ws.create(best.work, moved);
  ev.moved(ws, token, moved, place.id, reason);
  return true;
}

/** The first usable slot starting at or after `notBefore` with a free place the quota admits `token` to, or -1. */
function firstFreeFrom(ws: Workspace, work: DayWork, token: QuotaRequest, notBefore: number): number {
  for (let i = 0; i < work.slotCount; i++) {
    if (work.isUsable(i, ws.now) && work.slot(i).start >= notBefore && hasFreePlaceFor(ws, work, i, token)) return i;
  }
  return -1;
}

/** The doctor and the slots of the leave's window, with their occupancy. */
function leaveWindow({ doctorId, from, to, department }: CloseSlotsInput): LoadRequest {
  return { doctorId, schedule: { from, to }, ...(department === null ? {} : { department: { name: department, each: {} } }) };
}
