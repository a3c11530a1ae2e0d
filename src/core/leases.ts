/**
 * Leases: places of a doctor-day held for a desk that issues tokens without the network. A lease
 * is a group of claims of kind `lease`, one per slot it holds places of ({@link LEASE_KIND}): its
 * unused places are counted taken by the one count of taken places, it ends by the one expiry rule
 * in the one sweep step of claims, and the places it no longer holds are freed as any claim's are.
 * The rules read a lease whole ({@link LeaseRecord}, from its claims).
 */
import { OpdError } from '../errors.js';
import { claimEnded } from '../model/claims.js';
import { type ClaimRecord, isActiveClaim, isActiveLease, isUsableSlot, type LeasedPlaces, type LeaseRecord, leaseIdOf } from '../model/records.js';
import type { LeaseStatus } from '../model/records.js';
import { type ClaimKind, putClaim } from './claim-kinds.js';
import * as ev from './events.js';
import type { DayWork, Workspace } from './workspace.js';

/** The name of the lease kind. */
const LEASE = 'lease';

/** What a lease's claims keep besides the claim's own fields (the same on each of its slots). */
interface LeaseDetail {
  readonly deskId: string;
  readonly categories: readonly string[] | null;
  readonly prefix: string;
  readonly grantedAt: number;
}

/** The claim state of a lease's status. */
const STATE_OF: Record<LeaseStatus, ClaimRecord['state']> = { ACTIVE: 'ACTIVE', RETURNED: 'RELEASED', EXPIRED: 'EXPIRED' };
/** A lease's status from its claims' state. */
function statusOf(claim: ClaimRecord): LeaseStatus {
  return claim.state === 'ACTIVE' ? 'ACTIVE' : claim.state === 'EXPIRED' ? 'EXPIRED' : 'RETURNED';
}

/** The claims of `lease`, one per slot it holds places of. */
function claimsOfLease(lease: LeaseRecord): ClaimRecord[] {
  const detail: LeaseDetail = Object.freeze({ deskId: lease.deskId, categories: lease.categories, prefix: lease.prefix, grantedAt: lease.grantedAt });
  const active = isActiveLease(lease);
  return lease.slots.map((s) =>
    Object.freeze({
      id: lease.id,
      kind: LEASE,
      slotId: s.slotId,
      places: s.places,
      used: s.used,
      state: STATE_OF[lease.status],
      endsAt: lease.endsAt,
      dueAt: active ? lease.endsAt : null,
      actor: lease.deskId,
      group: lease.id,
      detail: detail as unknown as Readonly<Record<string, unknown>>,
    }),
  );
}

/** The day's leases, in the order granted, each read whole from its claims. */
export function leasesOf(work: Pick<DayWork, 'claims'>): LeaseRecord[] {
  const byId = new Map<string, ClaimRecord[]>();
  for (const claim of work.claims) {
    if (claim.kind !== LEASE) continue;
    const list = byId.get(claim.id);
    if (list === undefined) byId.set(claim.id, [claim]);
    else list.push(claim);
  }
  return [...byId.values()].map((claims) => {
    const first = claims[0]!;
    const detail = first.detail as unknown as LeaseDetail;
    const slots: LeasedPlaces[] = claims.map((c) => Object.freeze({ slotId: c.slotId, places: c.places, used: c.used }));
    return Object.freeze({
      id: first.id,
      deskId: detail.deskId,
      status: statusOf(first),
      categories: detail.categories,
      slots: Object.freeze(slots),
      prefix: detail.prefix,
      grantedAt: detail.grantedAt,
      endsAt: first.endsAt ?? detail.grantedAt,
    });
  });
}

/** The lease `leaseId` of the day, or `undefined`. */
export function leaseOf(work: Pick<DayWork, 'claims'>, leaseId: string): LeaseRecord | undefined {
  return leasesOf(work).find((l) => l.id === leaseId);
}

/** Writes a lease's claims into the day's list (each replaced by id and slot, or added). */
function writeLease(work: DayWork, lease: LeaseRecord): void {
  for (const claim of claimsOfLease(lease)) putClaim(work, claim);
}

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
  const leases = leasesOf(work);
  if (leases.some((l) => isActiveLease(l) && l.deskId === grant.deskId && !claimEnded(l.endsAt, ws.now))) {
    throw new OpdError('VALIDATION_FAILED', `Desk \`${grant.deskId}\` already holds a lease on this doctor-day`, {
      details: { field: 'deskId', deskId: grant.deskId },
    });
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
    throw new OpdError(
      'SLOT_FULL',
      `The day of doctor \`${work.record.doctorId}\` has ${grant.places - left} free places; a lease of ${grant.places} does not fit`,
      {
        details: { doctorId: work.record.doctorId, day: work.day, free: grant.places - left },
      },
    );
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
  writeLease(work, lease);
  ev.leaseGranted(ws, work.record.doctorId, lease);
  return lease;
}

/**
 * Ends a lease as `status` (`RETURNED` by its desk, `EXPIRED` by time): its unused places are
 * freed in their slots, for the waitlist and for offers. Returns the places freed.
 */
export function endLease(ws: Workspace, work: DayWork, leaseId: string, status: 'RETURNED' | 'EXPIRED'): number {
  const lease = leaseOf(work, leaseId);
  if (lease === undefined || !isActiveLease(lease)) return 0;
  let freed = 0;
  for (const s of lease.slots) {
    const n = Math.max(0, s.places - s.used);
    if (n > 0) work.noteFreed(s.slotId, n);
    freed += n;
  }
  writeLease(work, Object.freeze({ ...lease, status, endsAt: status === 'EXPIRED' ? lease.endsAt : ws.now }));
  ev.leaseEnded(ws, work.record.doctorId, lease, status, freed);
  return freed;
}

/**
 * Gives a place of slot `slotId` back to lease `leaseId` (its `used` falls by one) while the lease
 * is active: a desk's token cancelled at the desk freed its place for the desk, which may have
 * booked it again, so its cancel entered centrally returns the place to the lease rather than to
 * the day. Returns whether it did (not for a lease that has ended, nor for a slot it used none of).
 */
export function returnLeasedPlace(work: DayWork, leaseId: string, slotId: string): boolean {
  const claim = work.claims.find((c) => c.kind === LEASE && c.id === leaseId && c.slotId === slotId);
  if (claim === undefined || !isActiveClaim(claim) || claim.used <= 0) return false;
  putClaim(work, { ...claim, used: claim.used - 1 });
  return true;
}

/**
 * A desk's lease (kind `lease`, one claim per slot): no token of its own; an emergency, a lowered
 * capacity and a slot's closing take none of its places (the desk may already have given them to
 * patients without the network); its end expires it whole, its unused places freed; a desk's token
 * entered takes one place up (`used` grows, so the day's count of taken places does not move).
 * Kept once it ended: a lease is read by id later.
 */
export const LEASE_KIND: ClaimKind = Object.freeze({
  name: LEASE,
  yields: false,
  endsWithSlot: false,
  shownAs: 'leased',
  due(ws: Workspace, work: DayWork, claim: ClaimRecord): boolean {
    return endLease(ws, work, claim.id, 'EXPIRED') > 0;
  },
  end(ws: Workspace, work: DayWork, claim: ClaimRecord) {
    const expired = claimEnded(claim.endsAt, ws.now);
    endLease(ws, work, claim.id, expired ? 'EXPIRED' : 'RETURNED');
    return expired ? ('expired' as const) : ('released' as const);
  },
  convert(_ws: Workspace, work: DayWork, claim: ClaimRecord): void {
    putClaim(work, { ...claim, used: claim.used + 1 });
  },
});

/** The active claim of lease `leaseId` in `slotId` with an unused place, or `undefined`: what a desk's token of that slot takes up. */
export function leasedPlace(work: DayWork, leaseId: string, slotId: string): ClaimRecord | undefined {
  return work.claims.find((c) => c.kind === LEASE && c.id === leaseId && c.slotId === slotId && isActiveClaim(c) && c.used < c.places);
}
