/**
 * opd-scheduler: out-patient (OPD) token allocation for hospital information systems.
 *
 * @packageDocumentation
 */
export { OpdScheduler } from './scheduler.js';
export type { BookingWindow, BookingWindows, CloseOut, Numbering, OpdSchedulerOptions } from './options.js';
export type { DuplicateException, DuplicateRulesOptions, DuplicateScope } from './options.js';
export type { NotifyOptions } from './options.js';
export { DEFAULT_LABEL_PREFIXES } from './options.js';
export { DEFAULT_FACILITY_ID } from './facility.js';

export { OPD_ATTRIBUTES, OPD_INSTRUMENTATION_SCOPE, OPD_METRICS } from './telemetry/names.js';
export type { OpdTelemetryOptions, TelemetryMeterProvider, TelemetryTracerProvider } from './telemetry/types.js';

export { ErrorSummary, OpdError, isOpdError, OPD_ERROR_CODES } from './errors.js';
export type { OpdErrorCode, OpdErrorDetails, OpdErrorDetailsByCode, OpdErrorDetailsOf, OpdErrorOptions } from './errors.js';

export { OPD_EVENT_TYPES } from './events.js';
// The payload of each event by name is in `opd-scheduler/events`.
export type { DisplacementReason, OpdEvent, OpdEventMap, OpdEventType, OpdEvents } from './events.js';

export { CATEGORIES, TERMINAL_STATUSES, TOKEN_STATUSES } from './types.js';
export type {
  BookingRequest,
  DepartmentBookingRequest,
  BookingResult,
  BuiltInCategory,
  ActorOptions,
  CompleteOptions,
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
  PauseOptions,
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
  CloseDayOptions,
  Slot,
  SlotInput,
  SlotStatus,
  SlotView,
  SlotAvailability,
  AvailabilityQuery,
  Stats,
  StatsFilter,
  Token,
  EstimateStatus,
  TokenStatus,
  TransitionResult,
  WeeklyRotaEntry,
  TokenOffer,
  OfferAnswerResult,
  FollowUp,
  FollowUpRequest,
  FollowUpResult,
  FollowUpStatus,
  DueFollowUpsFilter,
  CancelFollowUpOptions,
  SeriesRequest,
  SeriesMode,
  SeriesOccurrence,
  SeriesOccurrenceStatus,
  SeriesResult,
  CancelSeriesOptions,
  SeriesCancellation,
  EntitlementQuery,
  EntitlementSummary,
  EntitlementView,
} from './types.js';

export { AgingPriority, CategoryPriority, SeniorCitizenPriority, STANDARD_RANKS } from './policies/priority.js';
export type { AgingPriorityOptions, CategoryPriorityOptions, PriorityPolicy, RankContext, SeniorCitizenPriorityOptions } from './policies/priority.js';
export { ElasticCapacity, NoElasticCapacity } from './policies/capacity.js';
export type {
  CapacityStrategy,
  ElasticBasisValue,
  ElasticCapacityOptions,
  ElasticContext,
  ElasticNote,
  SlotCapacityContext,
  SlotElastic,
} from './policies/capacity.js';
export { ChannelQuota } from './policies/quota.js';
export { StagedOffers } from './policies/offers.js';
export type { OfferContext, OfferDecision, OfferPolicy, QuietHours, StagedOffersOptions } from './policies/offers.js';
export type { ChannelQuotaOptions, ChannelRule, QuotaContext, QuotaStrategy } from './policies/quota.js';
export { RuleOverflow } from './policies/overflow.js';
export type {
  DisplacedContext,
  DisplacedOption,
  FullContext,
  FullOption,
  OverflowStrategy,
  Protection,
  ProtectionContext,
  RuleOverflowOptions,
  VictimWithoutRoom,
} from './policies/overflow.js';
export { DEFAULT_CALL_RATES, FairCallOrder } from './policies/call-order.js';
export type { CallCandidate, CalledPatient, CallOrderContext, CallOrderPolicy, FairCallOrderOptions } from './policies/call-order.js';
export { ReturnAhead } from './policies/reentry.js';
export type { ReentryContext, ReentryPolicy, ReturnAheadOptions, WaitingPatient } from './policies/reentry.js';
export type { CallTarget, CheckInOptions, ForwardOptions, Routes, ServicePoint, TokenJourney } from './types/journeys.js';
export { presets } from './policies/presets.js';
export type { CascadePresetOptions, ElasticPresetOptions, Preset, StandardPresetOptions, WaitlistPresetOptions } from './policies/presets.js';

export { MemoryStorage } from './storage/memory.js';
export type { MemoryStorageOptions } from './storage/memory.js';
// The contract a storage adapter fulfils: an integrator passes one, an adapter author writes one.
// The records, snapshots and change sets it speaks in are the adapter kit's (`opd-scheduler/adapter-kit`).
export type { StorageAdapter } from './storage/adapter.js';

export { FHIR_APPOINTMENT_STATUS, toFhirAppointment, toFhirAppointmentStatus, toFhirId, toFhirOffer, toFhirSchedule, toFhirSlot } from './fhir/mapping.js';
export type { FhirAppointment, FhirAppointmentContext, FhirAppointmentStatus, FhirOptions, FhirSlotOptions, FhirSchedule, FhirSlot } from './fhir/mapping.js';

// Why a token is where it is, and how fair a day's calls were (`explain`, `explainText`, `fairness`).
export type {
  CategoryFairness,
  ExplainLang,
  ExplainRule,
  ExplainStep,
  ExplainTextOptions,
  Explanation,
  FairnessFilter,
  FairnessReport,
  StageWaits,
  WaitSummary,
} from './explain/types.js';
// Patient data: access, erasure, retention.
export { ERASED_PATIENT, isErasedPatient } from './model/patient.js';
export type { ErasePatientOptions, PatientErasure, PatientExport } from './types.js';
export type { FollowUpsOptions, RetentionOptions } from './options.js';
