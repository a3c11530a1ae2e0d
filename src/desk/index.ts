/**
 * `opd-scheduler/desk`: leases of places to a registration desk that keeps issuing tokens without
 * the network (`OpdScheduler.leaseCapacity`, `OpdScheduler.returnLease`).
 * @packageDocumentation
 */
export type { Lease, LeasedSlot, LeaseRequest, LeaseStatus } from './types.js';
