/**
 * Leases: places of a doctor-day held for a desk that issues tokens without the network. A lease
 * is a claim (kind `lease`, {@link leaseClaims}): its unused places are counted taken by the one
 * count of taken places, it ends by the one expiry rule ({@link claimEnded}) in the one sweep step
 * of claims (`settleClaims`), and the places it no longer holds are freed as any claim's are.
 */
import { OpdError } from '../errors.js';
import { claimEnded } from '../model/claims.js';
import { isActiveLease, isUsableSlot, type LeasedPlaces, type LeaseRecord, leaseIdOf } from '../model/records.js';
import * as ev from './events.js';
import type { DayWork, Workspace } from './workspace.js';

/** What a desk asks for: how many places of the day, in which categories, for how long. */
export interface LeaseGrant {
  readonly deskId: string;
  readonly places: number;
  readonly categories: readonly string[] | null;
  readonly ttlMinutes: number;
}

/**
 * Grants a lease on `places` free places of the day (free by the one count of taken places, never
 * an elastic place): the earliest open slots that have not ended, as many of each as it has free.
 * Refused with `SLOT_FULL` when the day has fewer free places, and with `VALIDATION_FAILED` when
 * the desk already holds an active lease there. Returns the lease.
 */
export function grantLease(ws: Workspace, work: DayWork, grant: LeaseGrant): LeaseRecord {
  const leases = work.record.leases ?? [];
  if (leases.some((l) => isActiveLease(l) && l.deskId === grant.deskId && !claimEnded(l.endsAt, ws.now))) {
    throw new OpdError('VALIDATION_FAILED', `Desk \`${grant.deskId}\` already holds a lease on this doctor-day`, { details: { field: 'deskId', deskId: grant.deskId } });
  }
  const order: number[] = [];
  for (let i = 0, n = work.slotCount; i < n; i++) if (isUsableSlot(work.slot(i), ws.now)) order.push(i);
  order.sort((a, b) => work.slot(a).start - work.slot(b).start);
  const slots: LeasedPlaces[] = [];
  let left = grant.places;
  for (const i of order) {
    if (left === 0) break;
    const free = work.slot(i).capacity - work.occupancy(i);
    if (free <= 0) continue;
    const n = Math.min(free, left);
    slots.push({ slotId: work.slot(i).id, places: n, used: 0 });
    left -= n;
  }
  if (left > 0) {
    throw new OpdError('SLOT_FULL', `The day of doctor \`${work.record.doctorId}\` has ${grant.places - left} free places; a lease of ${grant.places} does not fit`, {
      details: { doctorId: work.record.doctorId, day: work.day, free: grant.places - left },
    });
  }
  const lease: LeaseRecord = Object.freeze({
    id: leaseIdOf(work.record.doctorId, work.day, leases.length + 1),
    deskId: grant.deskId,
    status: 'ACTIVE',
    categories: grant.categories === null ? null : Object.freeze([...grant.categories]),
    slots: Object.freeze(slots.map((s) => Object.freeze(s))),
    prefix: `${grant.deskId}-`,
    grantedAt: ws.now,
    endsAt: ws.now + grant.ttlMinutes * 60_000,
  });
  work.setLeases([...leases, lease]);
  ev.leaseGranted(ws, work.record.doctorId, lease);
  return lease;
}

/**
 * Ends a lease as `status` (`RETURNED` by its desk, `EXPIRED` by time): its unused places are
 * freed in their slots, for the waitlist and for offers. Returns the places freed.
 */
export function endLease(ws: Workspace, work: DayWork, leaseId: string, status: 'RETURNED' | 'EXPIRED'): number {
  const leases = work.record.leases ?? [];
  const k = leases.findIndex((l) => l.id === leaseId);
  if (k < 0 || !isActiveLease(leases[k]!)) return 0;
  const lease = leases[k]!;
  let freed = 0;
  for (const s of lease.slots) {
    const n = Math.max(0, s.places - s.used);
    if (n > 0) work.noteFreed(s.slotId, n);
    freed += n;
  }
  const next = [...leases];
  next[k] = Object.freeze({ ...lease, status, endsAt: status === 'EXPIRED' ? lease.endsAt : ws.now });
  work.setLeases(next);
  ev.leaseEnded(ws, work.record.doctorId, lease, status, freed);
  return freed;
}

/** The claim sweep's step for leases: every active lease whose end has come expires ({@link endLease}). Returns whether one did. */
export function expireEndedLeases(ws: Workspace, work: DayWork): boolean {
  let expired = false;
  for (const lease of work.record.leases ?? []) {
    if (isActiveLease(lease) && claimEnded(lease.endsAt, ws.now)) {
      endLease(ws, work, lease.id, 'EXPIRED');
      expired = true;
    }
  }
  return expired;
}

/**
 * Takes one place of an active lease in `slotId` for a token its desk issued: the lease's `used`
 * there grows by one, so the place passes from the lease's claim to the token and the day's count
 * of taken places does not move. Returns `false` (nothing changed) when the lease has ended or has
 * no unused place left there.
 */
export function spendLeasedPlace(work: DayWork, leaseId: string, slotId: string): boolean {
  return changeUsed(work, leaseId, slotId, 1);
}

/**
 * Gives a place of slot `slotId` back to lease `leaseId` (its `used` falls by one) while the lease
 * is active: a desk's token cancelled at the desk freed its place for the desk, which may have
 * booked it again, so its cancel entered centrally returns the place to the lease rather than to
 * the day. Returns whether it did (not for a lease that has ended, nor for a slot it used none of).
 */
export function returnLeasedPlace(work: DayWork, leaseId: string, slotId: string): boolean {
  return changeUsed(work, leaseId, slotId, -1);
}

/** Moves one place of slot `slotId` between an active lease's unused places and its used ones (`by`: +1 spends, −1 returns); whether it could. */
function changeUsed(work: DayWork, leaseId: string, slotId: string, by: 1 | -1): boolean {
  const leases = work.record.leases ?? [];
  const k = leases.findIndex((l) => l.id === leaseId);
  const lease = leases[k];
  if (lease === undefined || !isActiveLease(lease)) return false;
  const j = lease.slots.findIndex((s) => s.slotId === slotId && (by > 0 ? s.used < s.places : s.used > 0));
  if (j < 0) return false;
  const slots = [...lease.slots];
  slots[j] = Object.freeze({ ...slots[j]!, used: slots[j]!.used + by });
  const next = [...leases];
  next[k] = Object.freeze({ ...lease, slots: Object.freeze(slots) });
  work.setLeases(next);
  return true;
}
