/**
 * opd-scheduler: out-patient (OPD) token allocation for hospital information systems.
 *
 * @packageDocumentation
 */
export { OpdScheduler } from './scheduler.js';
export type { BookingWindow, BookingWindows, Numbering, OpdSchedulerOptions } from './options.js';
export { DEFAULT_LABEL_PREFIXES } from './options.js';

export { OPD_ATTRIBUTES, OPD_INSTRUMENTATION_SCOPE, OPD_METRICS } from './telemetry/names.js';
export type {
  OpdTelemetryOptions,
  TelemetryAttributes,
  TelemetryAttributeValue,
  TelemetryCounter,
  TelemetryHistogram,
  TelemetryInstrumentOptions,
  TelemetryMeter,
  TelemetryMeterProvider,
  TelemetrySpan,
  TelemetrySpanOptions,
  TelemetryTracer,
  TelemetryTracerProvider,
} from './telemetry/types.js';

export { ErrorSummary, OpdError, isOpdError, OPD_ERROR_CODES } from './errors.js';
export type {
  AdapterDetails,
  CancelCutoffDetails,
  DoctorDetails,
  DoctorRetiredDetails,
  DepartmentDetails,
  DuplicateBookingDetails,
  FieldDetails,
  HistoryTruncatedDetails,
  IdempotencyConflictDetails,
  InvalidTransitionDetails,
  NotYetDueDetails,
  OpdErrorCode,
  OpdErrorDetails,
  OpdErrorDetailsByCode,
  OpdErrorDetailsOf,
  OpdErrorOptions,
  OutsideBookingWindowDetails,
  SlotDetails,
  SlotFullDetails,
  SlotOverlapDetails,
  StorageFailureDetails,
  TokenDetails,
} from './errors.js';

export { OPD_EVENT_TYPES } from './events.js';
export type {
  DisplacementReason,
  EmergencyUnplacedEvent,
  OpdEvent,
  OpdEventBase,
  OpdEventMap,
  OpdEventType,
  OpdEvents,
  RecordedRequest,
  SlotCapacityChangedEvent,
  SlotClosedEvent,
  SlotLeave,
  DoctorChanges,
  DoctorField,
  DoctorFieldChange,
  DoctorRetiredEvent,
  DoctorUpdatedEvent,
  SlotReopenedEvent,
  TokenBookedEvent,
  TokenBumpedEvent,
  TokenCancelledEvent,
  TokenCascadedEvent,
  TokenMovedEvent,
  TokenCheckedInEvent,
  TokenCalledEvent,
  TokenCompletedEvent,
  TokenConfirmedEvent,
  TokenConsultationStartedEvent,
  TokenDroppedEvent,
  TokenEventBase,
  TokenExpiredEvent,
  TokenHeldEvent,
  TokenNoShowEvent,
  TokenPromotedEvent,
  TokenReinstatedEvent,
  TokenReleasedEvent,
  TokenWaitlistedEvent,
} from './events.js';

export { CATEGORIES, TERMINAL_STATUSES, TOKEN_STATUSES } from './types.js';
export type {
  BookingRequest,
  DepartmentBookingRequest,
  BookingResult,
  BuiltInCategory,
  ActorOptions,
  CallOptions,
  CallResult,
  LateArrival,
  HoldRequest,
  DepartmentHoldRequest,
  HoldResult,
  CancelOptions,
  MoveOptions,
  MoveResult,
  MoveTarget,
  Category,
  CloseSlotOptions,
  LeaveInput,
  DaySchedule,
  Doctor,
  DoctorInput,
  DoctorPatchInput,
  RetireInput,
  RetireResult,
  Effect,
  HistoryOptions,
  TailOptions,
  Patient,
  RotaInput,
  RotaOptions,
  SetCapacityOptions,
  Slot,
  SlotInput,
  SlotStatus,
  SlotView,
  Stats,
  StatsFilter,
  Token,
  EstimateStatus,
  TokenStatus,
  TransitionResult,
  WeeklyRotaEntry,
} from './types.js';

export { AgingPriority, CategoryPriority, SeniorCitizenPriority, STANDARD_RANKS } from './policies/priority.js';
export type {
  AgingPriorityOptions,
  CategoryPriorityOptions,
  PriorityPolicy,
  RankContext,
  SeniorCitizenPriorityOptions,
} from './policies/priority.js';
export { ElasticCapacity, NoElasticCapacity } from './policies/capacity.js';
export type { CapacityStrategy, ElasticCapacityOptions, ElasticContext } from './policies/capacity.js';
export { ChannelQuota } from './policies/quota.js';
export type { ChannelQuotaOptions, ChannelRule, QuotaContext, QuotaStrategy } from './policies/quota.js';
export { RuleOverflow } from './policies/overflow.js';
export type {
  CascadeOption,
  DisplacedContext,
  DisplacedOption,
  DropOption,
  FullContext,
  FullOption,
  OverflowStrategy,
  Protection,
  ProtectionContext,
  RuleOverflowOptions,
  VictimWithoutRoom,
  WaitlistOption,
} from './policies/overflow.js';
export { presets } from './policies/presets.js';
export type {
  CascadePresetOptions,
  ElasticPresetOptions,
  Preset,
  StandardPresetOptions,
  WaitlistPresetOptions,
} from './policies/presets.js';

export { MemoryStorage } from './storage/memory.js';
export type { MemoryStorageOptions } from './storage/memory.js';
// The contract a storage adapter fulfils: an integrator passes one, an adapter author writes one.
// The records, snapshots and change sets it speaks in are the adapter kit's (`opd-scheduler/adapter-kit`).
export type { StorageAdapter } from './storage/adapter.js';

export { FHIR_APPOINTMENT_STATUS, toFhirAppointment, toFhirAppointmentStatus, toFhirId, toFhirSchedule, toFhirSlot } from './fhir/index.js';
export type {
  FhirAppointment,
  FhirAppointmentContext,
  FhirAppointmentParticipant,
  FhirAppointmentStatus,
  FhirCodeableConcept,
  FhirCoding,
  FhirIdentifier,
  FhirOptions,
  FhirSlotOptions,
  FhirPeriod,
  FhirReference,
  FhirSchedule,
  FhirSlot,
} from './fhir/index.js';
