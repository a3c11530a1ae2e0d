/** The events of leases of places to desks (`OpdScheduler.leaseCapacity`). */
import type { OpdEventBase } from './base.js';

/** Fields of every lease event. */
export interface LeaseEventBase<T extends string> extends OpdEventBase<T> {
  /** The lease. */
  readonly leaseId: string;
  /** The desk it was granted to. */
  readonly deskId: string;
  /** The doctor-day's local date. */
  readonly day: string;
}

/** A desk was leased places of a doctor-day; they count as taken until the lease ends. */
export interface LeaseGrantedEvent extends LeaseEventBase<'lease:granted'> {
  /** The places leased, per slot. */
  readonly slots: readonly {
    /** The slot. */
    readonly slotId: string;
    /** The places leased there. */
    readonly places: number;
  }[];
  /** When it ends by itself. */
  readonly endsAt: Date;
}

/** A lease was given back by its desk (`returnLease`): its unused places returned to the day. */
export interface LeaseReturnedEvent extends LeaseEventBase<'lease:returned'> {
  /** The places it still held, now free. */
  readonly freed: number;
}

/** A lease's time ended: its unused places returned to the day by themselves. */
export interface LeaseExpiredEvent extends LeaseEventBase<'lease:expired'> {
  /** The places it still held, now free: the places stranded in it until it ended. */
  readonly freed: number;
}
