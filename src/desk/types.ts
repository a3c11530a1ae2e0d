/**
 * The types of leases: places of a doctor-day held for a desk that issues tokens without the
 * network (`OpdScheduler.leaseCapacity`).
 */

/** A desk's request for a lease (`OpdScheduler.leaseCapacity`). */
export interface LeaseRequest {
  /** The desk: letters, digits, `_`, `-` (it prefixes the labels of the tokens it issues). */
  readonly deskId: string;
  /** The doctor. */
  readonly doctorId: string;
  /** The local date, `YYYY-MM-DD`. */
  readonly date: string;
  /** How many places of the day the desk may issue, from 1. */
  readonly places: number;
  /** The categories the desk may book in them; every category when omitted. */
  readonly categories?: readonly string[] | undefined;
  /** How long the lease lasts, in minutes (1 to 1440): then its unused places return by themselves. */
  readonly ttlMinutes: number;
}

/** The places of one slot a lease holds. */
export interface LeasedSlot {
  /** The slot. */
  readonly slotId: string;
  /** Its start. */
  readonly start: Date;
  /** Its end. */
  readonly end: Date;
  /** The places leased there. */
  readonly places: number;
  /** The places the desk's tokens have taken up (reconciled). */
  readonly used: number;
}

/** Where a lease stands: `ACTIVE` while it holds its unused places; `RETURNED` or `EXPIRED` once it has ended. */
export type LeaseStatus = 'ACTIVE' | 'RETURNED' | 'EXPIRED';

/**
 * A lease: what a desk needs to check its own bookings without the network — its places per slot,
 * its categories, its label prefix and its end.
 */
export interface Lease {
  /** The lease's id, unique per doctor-day. */
  readonly id: string;
  /** The desk it is granted to. */
  readonly deskId: string;
  /** The doctor. */
  readonly doctorId: string;
  /** The local date. */
  readonly date: string;
  /** Where it stands. */
  readonly status: LeaseStatus;
  /** The categories the desk may book, or `null` for every category. */
  readonly categories: readonly string[] | null;
  /** The places held, per slot, in slot order. */
  readonly slots: readonly LeasedSlot[];
  /** The label prefix of the desk's tokens (`D1-`): no other desk and no central booking gives it. */
  readonly prefix: string;
  /** When it was granted. */
  readonly grantedAt: Date;
  /** `ACTIVE`: when it ends by itself; otherwise when it ended. */
  readonly endsAt: Date;
}
