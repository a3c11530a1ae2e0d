/** The events of free revisits (the option `followUps`): an entitlement opened, used, given back, run out of time. */
import type { OpdEventBase } from './base.js';

/** Fields of every entitlement event. */
export interface EntitlementEventBase<T extends string> extends OpdEventBase<T> {
  /** The charged visit that opened the entitlement (its token). */
  readonly fromTokenId: string;
}

/** A charged visit was completed: its patient may come back free. `doctorId` is the visit's doctor. */
export interface EntitlementOpenedEvent extends EntitlementEventBase<'entitlement:opened'> {
  /** The last local date of the entitlement (`YYYY-MM-DD`). */
  readonly until: string;
  /** How many revisits are free. */
  readonly visits: number;
  /** With the same doctor, or any doctor of its department. */
  readonly scope: 'doctor' | 'department';
}

/** A booking used a free revisit (in the same unit as the booking; `token:booked` or `token:waitlisted` came before). */
export interface EntitlementUsedEvent extends EntitlementEventBase<'entitlement:used'> {
  /** The token that uses it (the revisit). */
  readonly revisitTokenId: string;
  /** Its visit number in the entitlement, from 1. */
  readonly visit: number;
  /** The free revisits left after it. */
  readonly left: number;
}

/** A token that used a free revisit was cancelled, a no-show or dropped: the revisit is free again. */
export interface EntitlementReturnedEvent extends EntitlementEventBase<'entitlement:returned'> {
  /** The token that gave it back (the revisit). */
  readonly revisitTokenId: string;
  /** Its visit number in the entitlement. */
  readonly visit: number;
}

/** An entitlement's days ran out (found by the sweep): no revisit is free under it any more. */
export interface EntitlementExpiredEvent extends EntitlementEventBase<'entitlement:expired'> {
  /** Its last local date. */
  readonly until: string;
}
