/**
 * The adapter kit: what a storage adapter's author needs beyond the `StorageAdapter` contract —
 * the records and snapshot types, token ids, the status sets and queue order, building a day
 * snapshot from stored rows ({@link assembleDay}) and the checks every adapter makes on a change
 * set before writing it ({@link checkChangeSet}). `MemoryStorage` and `PostgresStorage` are
 * built on it; prove a new adapter with the conformance suite of `opd-scheduler/testing`.
 *
 * @example
 * ```ts
 * import { assembleDay, checkChangeSet, assignEventSeq, type StorageAdapter } from 'opd-scheduler/adapter-kit';
 * ```
 * @packageDocumentation
 */
export {
  assembleDay,
  changeSetDoctor,
  changeSetParts,
  checkChangeSet,
  isMultiDoctor,
  isTokenIdOf,
  mergeLoadRequests,
  namedDoctor,
  parseTokenId,
  planUnit,
  staysWithin,
  tokenIdOf,
} from './checked.js';
export type { ChangeSetProblem } from './checks.js';
export { compareIds, type UnitPlan } from './units.js';
export { assignEventSeq } from '../storage/adapter.js';
export type { DayDump, DayFilter, DoctorDay, StorageAdapter, TailSignal } from '../storage/adapter.js';
export type {
  ChangeSet,
  CommitDecision,
  DaySnapshot,
  Decision,
  DepartmentLoad,
  DoctorSnapshot,
  LoadDecision,
  LoadRequest,
  ScheduleEntry,
  ScheduleWindow,
  SlotState,
} from '../model/snapshot.js';
export { compareQueueOrder } from '../model/queue.js';
export { emptyDayRecord } from '../model/records.js';
export type { DayRecord, DoctorRecord, IdempotencyRecord, SlotRecord, TokenIdParts, TokenRecord } from '../model/records.js';
export { ACTIVE_STATUSES, isActiveStatus, isLiveStatus, isPlaceStatus, LIVE_STATUSES, PLACE_STATUSES } from '../model/status.js';
