/**
 * `opd-scheduler/desk`: leases of places to a registration desk that keeps issuing tokens without
 * the network (`OpdScheduler.leaseCapacity`, `OpdScheduler.returnLease`), and the desk itself
 * ({@link OfflineDesk}).
 * @packageDocumentation
 */
export type {
  DeskBooking,
  DeskCommand,
  DeskTransition,
  Lease,
  LeasedSlot,
  LeaseRequest,
  LeaseStatus,
  ManualRegisterEntry,
  ManualRegisterReport,
  ManualRegisterRow,
  ReconciledCommand,
  ReconcileIssue,
  ReconcileReport,
} from './types.js';
export { OfflineDesk } from './offline-desk.js';
export { MemoryDeskLog, PostgresDeskLog } from './log.js';
export type { DeskLogDb, DeskLogRows, DeskLogStore, PostgresDeskLogOptions } from './log.js';
export type { DeskBookingRequest, DeskCommandOptions, OfflineDeskOptions } from './offline-desk.js';
