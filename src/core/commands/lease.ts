import { doctorNotFound, type Command, commit, unchanged } from '../command.js';
import type { Decision } from '../../model/snapshot.js';
import { OpdError } from '../../errors.js';
import type { LeaseRecord } from '../../model/records.js';
import type { Lease } from '../../desk/types.js';
import { endLease, grantLease, leaseOf } from '../leases.js';
import { settleBeforePlacing } from '../placement.js';
import { type DayWork, Workspace } from '../workspace.js';
import { book, type BookCommand, type ClaimedResult, decideBook } from './book.js';

/** A lease to grant on a doctor-day. */
export interface LeaseCapacityInput {
  readonly doctorId: string;
  readonly day: string;
  readonly deskId: string;
  readonly places: number;
  readonly categories: readonly string[] | null;
  readonly ttlMinutes: number;
}

/** The public view of a lease of a loaded day. */
export function toLease(work: DayWork, lease: LeaseRecord): Lease {
  const slots = lease.slots.map((s) => {
    const slot = work.slot(work.indexOf(s.slotId));
    return Object.freeze({ slotId: s.slotId, start: new Date(slot.start), end: new Date(slot.end), places: s.places, used: s.used });
  });
  return Object.freeze({
    id: lease.id,
    deskId: lease.deskId,
    doctorId: work.record.doctorId,
    date: work.day,
    status: lease.status,
    categories: lease.categories,
    slots: Object.freeze(slots),
    prefix: lease.prefix,
    grantedAt: new Date(lease.grantedAt),
    endsAt: new Date(lease.endsAt),
  });
}

/**
 * Grants a desk a lease on free places of a doctor-day ({@link grantLease}): the day's claims are
 * settled first (ended holds and leases give their places back), as before any placement.
 */
export const leaseCapacity: Command<LeaseCapacityInput, Lease> = {
  load: ({ doctorId, day }) => ({ doctorId, days: [day] }),
  decide(config, snapshot, input, now) {
    const ws = new Workspace(config, snapshot, now);
    if (ws.doctor === undefined) throw doctorNotFound(input.doctorId);
    const work = ws.day(input.day);
    settleBeforePlacing(ws, work);
    const lease = grantLease(ws, work, input);
    return commit(ws, toLease(work, lease));
  },
};

/** A lease to give back: its desk's unused places return to the day. */
export interface ReturnLeaseInput {
  readonly doctorId: string;
  readonly day: string;
  readonly leaseId: string;
}

/** Gives a lease back ({@link endLease}); a lease that has already ended is returned as it stands. */
export const returnLease: Command<ReturnLeaseInput, Lease> = {
  load: ({ doctorId, day }) => ({ doctorId, days: [day] }),
  decide(config, snapshot, { doctorId, day, leaseId }, now) {
    const ws = new Workspace(config, snapshot, now);
    if (ws.doctor === undefined) throw doctorNotFound(doctorId);
    const work = ws.day(day);
    const lease = leaseOf(work, leaseId);
    if (lease === undefined) throw new OpdError('VALIDATION_FAILED', `Lease \`${leaseId}\` does not exist`, { details: { field: 'leaseId', leaseId } });
    if (lease.status !== 'ACTIVE') return unchanged(toLease(work, lease));
    settleBeforePlacing(ws, work);
    endLease(ws, work, leaseId, 'RETURNED');
    return commit(ws, toLease(work, leaseOf(work, leaseId)!));
  },
};

/**
 * Enters a token a desk issued inside its lease ({@link ClaimBooking}), under the desk's key: the
 * booking road itself ({@link decideBook}) with the lease as its first source of places — the
 * lease's `used` grows in the desk's slot, so the place passes from the claim to the token and the
 * day's count of taken places does not move. A repeat replays the first result. Beyond its lease
 * the token is placed by the booking rules and never refused (see {@link ClaimBooking}).
 */
export const redeemLeasedPlace: Command<BookCommand, ClaimedResult> = {
  load: (command, now) => book.load(command, now),
  decide: (config, snapshot, command, now) => decideBook(config, snapshot, command, now) as Decision<ClaimedResult>,
};
