/**
 * The adapter kit: what a storage adapter's author needs beyond the `StorageAdapter` contract —
 * the records and snapshot types, token ids, the status sets and queue order, building a day
 * snapshot from stored rows ({@link assembleDay}) and the checks every adapter makes on a change
 * set before writing it ({@link checkChangeSet}). `MemoryStorage` and `PostgresStorage` are
 * built on it; prove a new adapter with the conformance suite of `opd-scheduler/testing`.
 *
 * The contract itself, `StorageAdapter`, is imported from the main entry, `opd-scheduler`, with
 * every type an integrator shares with an adapter (tokens, slots, events, `OpdError`): each name
 * is exported by one entry point only.
 *
 * @example
 * ```ts
 * import type { StorageAdapter } from 'opd-scheduler';
 * import { assembleDay, checkChangeSet, assignEventSeq, type ChangeSet, type DaySnapshot } from 'opd-scheduler/adapter-kit';
 * ```
 * @packageDocumentation
 */
export {
  assembleDay,
  assignEventSeq,
  changeSetDoctor,
  changeSetParts,
  checkChangeSet,
  compareIds,
  compareQueueOrder,
  emptyDayRecord,
  isMultiDoctor,
  isTokenIdOf,
  mergeLoadRequests,
  namedDoctor,
  parseTokenId,
  planUnit,
  slotFacts,
  staysWithin,
  tokenIdOf,
} from './checked.js';
export type { ChangeSetProblem } from './checks.js';
export type { UnitPlan } from './units.js';
export type { DayDump, DayFilter, DoctorDay, PatientTokenQuery, TailSignal } from '../storage/adapter.js';
export { isEventOfDay } from '../storage/adapter.js';
export type {
  ChangeSet,
  CommitDecision,
  DaySnapshot,
  Decision,
  DepartmentLoad,
  EveryDoctorLoad,
  DoctorSnapshot,
  LoadDecision,
  LoadRequest,
  PatientLoad,
  PatientToken,
  ScheduleEntry,
  ScheduleWindow,
  ServicePointLoad,
  SlotState,
} from '../model/snapshot.js';
export type { SlotFacts } from '../model/queue.js';
export type { ClaimRecord, ClaimState, DayRecord, DoctorRecord, IdempotencyRecord, SlotRecord, TokenIdParts, TokenRecord } from '../model/records.js';
export type { OfferCandidateRecord, OfferPlaceStatus, OfferRecord, OfferState } from '../model/records.js';
export { isActiveClaim } from '../model/records.js';
export { claimDueAt, claimEnded, earliestClaimEnd, takenPlaces, tokenlessClaims, unusedPlaces } from '../model/claims.js';
export type { ClaimEnd, ClaimList } from '../model/claims.js';
export { endedClaim, putClaim } from '../core/claim-kinds.js';
export type { ClaimDay, ClaimEndReason, ClaimKind, ClaimUnit } from '../core/claim-kinds.js';
export type { JourneyRecord, LeasedPlaces, LeaseRecord, PauseRecord, RevisitRecord } from '../model/records.js';
export { ACTIVE_STATUSES, isActiveStatus, isLiveStatus, isPlaceStatus, LIVE_STATUSES, PLACE_STATUSES } from '../model/status.js';
export { erasedFingerprint, erasedIdempotency, erasedToken } from '../model/patient.js';
