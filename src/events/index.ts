/**
 * The payload of each event by name, for code that handles one kind of event away from the
 * listener that receives it: `function notify(event: TokenBumpedEvent)`. A listener needs none of
 * them — `scheduler.on('token:bumped', (event) => …)` types `event` from the main entry's
 * `OpdEventMap` — and the union `OpdEvent`, the map and the event names are in the main entry.
 *
 * @packageDocumentation
 */
export type { FollowUpBookedEvent, FollowUpCancelledEvent, FollowUpDueEvent, FollowUpEventBase } from './follow-ups.js';
export type { SeriesBookedEvent, SeriesCancelledEvent, SeriesSkipped } from './series.js';
export type { EntitlementEventBase, EntitlementExpiredEvent, EntitlementOpenedEvent, EntitlementReturnedEvent, EntitlementUsedEvent } from './entitlements.js';
export type { LeaseEventBase, LeaseExpiredEvent, LeaseGrantedEvent, LeaseReturnedEvent } from './leases.js';
export type { DoctorPausedEvent, DoctorResumedEvent } from './pauses.js';
export type { ForwardedEnd, TokenForwardedEvent } from './journeys.js';
export type {
  DayClosedEvent,
  DoctorChanges,
  DoctorField,
  DoctorFieldChange,
  DoctorRetiredEvent,
  DoctorUpdatedEvent,
  EmergencyUnplacedEvent,
  ExpiryReason,
  OpdEventBase,
  PatientErasedEvent,
  PlacementRule,
  RecordedRequest,
  SlotCapacityChangedEvent,
  SlotClosedEvent,
  SlotLeave,
  SlotReopenedEvent,
  TokenBookedEvent,
  TokenBumpedEvent,
  TokenCalledEvent,
  TokenCancelledEvent,
  TokenCarriedEvent,
  TokenCascadedEvent,
  TokenCheckedInEvent,
  TokenCompletedEvent,
  TokenConfirmedEvent,
  TokenConsultationStartedEvent,
  TokenDroppedEvent,
  TokenEtaChangedEvent,
  TokenEventBase,
  TokenExpiredEvent,
  TokenHeldEvent,
  TokenMovedEvent,
  TokenNoShowEvent,
  TokenOfferAcceptedEvent,
  TokenOfferDeclinedEvent,
  TokenOfferLapsedEvent,
  TokenOfferWithdrawnEvent,
  TokenOfferedEvent,
  TokenPromotedEvent,
  TokenReinstatedEvent,
  TokenReleasedEvent,
  TokenTurnNearEvent,
  TokenWaitlistedEvent,
  UnseenStatus,
} from '../events.js';
