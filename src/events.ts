export * from './events/base.js';
export * from './events/days.js';
export * from './events/schedule.js';
export * from './events/tokens.js';
import type {
  EmergencyUnplacedEvent,
  TokenBookedEvent,
  TokenBumpedEvent,
  TokenCancelledEvent,
  TokenCascadedEvent,
  TokenCheckedInEvent,
  TokenCompletedEvent,
  TokenConfirmedEvent,
  TokenConsultationStartedEvent,
  TokenDroppedEvent,
  TokenExpiredEvent,
  TokenHeldEvent,
  TokenMovedEvent,
  TokenNoShowEvent,
  TokenPromotedEvent,
  TokenReleasedEvent,
  TokenWaitlistedEvent,
} from './events/tokens.js';
import type {
  DayClosedEvent,
  TokenCalledEvent,
  TokenCarriedEvent,
  TokenEtaChangedEvent,
  TokenOfferAcceptedEvent,
  TokenOfferDeclinedEvent,
  TokenOfferLapsedEvent,
  TokenOfferWithdrawnEvent,
  TokenOfferedEvent,
  TokenReinstatedEvent,
  TokenTurnNearEvent,
} from './events/days.js';
import type {
  DoctorRetiredEvent,
  DoctorUpdatedEvent,
  PatientErasedEvent,
  SlotCapacityChangedEvent,
  SlotClosedEvent,
  SlotReopenedEvent,
} from './events/schedule.js';
import type { LeaseExpiredEvent, LeaseGrantedEvent, LeaseReturnedEvent } from './events/leases.js';
import type { DoctorPausedEvent, DoctorResumedEvent } from './events/pauses.js';
import type { TokenForwardedEvent } from './events/journeys.js';
import type { FollowUpBookedEvent, FollowUpCancelledEvent, FollowUpDueEvent } from './events/follow-ups.js';
import type { SeriesBookedEvent, SeriesCancelledEvent } from './events/series.js';
import type { EntitlementExpiredEvent, EntitlementOpenedEvent, EntitlementReturnedEvent, EntitlementUsedEvent } from './events/entitlements.js';

/** Every event by name. */
export interface OpdEventMap {
  /** A new token got a place. */
  'token:booked': TokenBookedEvent;
  /** A token joined a waitlist. */
  'token:waitlisted': TokenWaitlistedEvent;
  /** A place was taken by a more urgent token. */
  'token:bumped': TokenBumpedEvent;
  /** A displaced token moved to a later slot. */
  'token:cascaded': TokenCascadedEvent;
  /** A patient was moved to another place. */
  'token:moved': TokenMovedEvent;
  /** A waitlisted token got a place. */
  'token:promoted': TokenPromotedEvent;
  /** A displaced token had nowhere to go. */
  'token:dropped': TokenDroppedEvent;
  /** An emergency ended a call waiting without a place. */
  'emergency:unplaced': EmergencyUnplacedEvent;
  /** A token was cancelled. */
  'token:cancelled': TokenCancelledEvent;
  /** A booked token was marked as a no-show. */
  'token:no-show': TokenNoShowEvent;
  /** A patient checked in. */
  'token:checked-in': TokenCheckedInEvent;
  /** A consultation started. */
  'token:consultation-started': TokenConsultationStartedEvent;
  /** A consultation was completed. */
  'token:completed': TokenCompletedEvent;
  /** A place was held until a deadline. */
  'token:held': TokenHeldEvent;
  /** A hold was confirmed. */
  'token:confirmed': TokenConfirmedEvent;
  /** A hold was released before its end. */
  'token:released': TokenReleasedEvent;
  /** A hold ended unconfirmed. */
  'token:expired': TokenExpiredEvent;
  /** A patient was called. */
  'token:called': TokenCalledEvent;
  /** A token was brought back. */
  'token:reinstated': TokenReinstatedEvent;
  /** A waiting patient's turn is near. */
  'token:turn-near': TokenTurnNearEvent;
  /** A waiting patient's estimated start moved. */
  'token:eta-changed': TokenEtaChangedEvent;
  /** A slot was closed. */
  'slot:closed': SlotClosedEvent;
  /** A closed slot was reopened. */
  'slot:reopened': SlotReopenedEvent;
  /** A slot's capacity changed. */
  'slot:capacity-changed': SlotCapacityChangedEvent;
  /** A doctor's details changed. */
  'doctor:updated': DoctorUpdatedEvent;
  /** A doctor retired. */
  'doctor:retired': DoctorRetiredEvent;
  /** A freed place was offered. */
  'token:offered': TokenOfferedEvent;
  /** An offer was accepted. */
  'token:offer-accepted': TokenOfferAcceptedEvent;
  /** An offer was declined. */
  'token:offer-declined': TokenOfferDeclinedEvent;
  /** An offer lapsed unanswered. */
  'token:offer-lapsed': TokenOfferLapsedEvent;
  /** An offer was withdrawn. */
  'token:offer-withdrawn': TokenOfferWithdrawnEvent;
  /** A token of a closed day was carried to a later day. */
  'token:carried': TokenCarriedEvent;
  /** A doctor-day was closed. */
  'day:closed': DayClosedEvent;
  /** A token's patient data was erased. */
  'patient:erased': PatientErasedEvent;
  /** A desk was leased places. */
  'lease:granted': LeaseGrantedEvent;
  /** A lease was given back. */
  'lease:returned': LeaseReturnedEvent;
  /** A lease's time ended. */
  'lease:expired': LeaseExpiredEvent;
  /** A doctor paused. */
  'doctor:paused': DoctorPausedEvent;
  /** A doctor resumed before the pause's end. */
  'doctor:resumed': DoctorResumedEvent;
  /** A patient moved to the next queue of the visit. */
  'token:forwarded': TokenForwardedEvent;
  /** A follow-up got its token. */
  'followup:booked': FollowUpBookedEvent;
  /** A follow-up found no place in its window and is due. */
  'followup:due': FollowUpDueEvent;
  /** A due follow-up was cancelled. */
  'followup:cancelled': FollowUpCancelledEvent;
  /** A series was booked. */
  'series:booked': SeriesBookedEvent;
  /** A series was cancelled. */
  'series:cancelled': SeriesCancelledEvent;
  /** A charged visit opened an entitlement to free revisits. */
  'entitlement:opened': EntitlementOpenedEvent;
  /** A booking used a free revisit. */
  'entitlement:used': EntitlementUsedEvent;
  /** A free revisit was given back. */
  'entitlement:returned': EntitlementReturnedEvent;
  /** An entitlement's days ran out. */
  'entitlement:expired': EntitlementExpiredEvent;
}

/** The name of an event. */
export type OpdEventType = keyof OpdEventMap;

/** Every event name, in a stable order. */
export const OPD_EVENT_TYPES = [
  'token:booked',
  'token:waitlisted',
  'token:bumped',
  'token:cascaded',
  'token:promoted',
  'token:dropped',
  'emergency:unplaced',
  'token:cancelled',
  'token:no-show',
  'token:checked-in',
  'token:consultation-started',
  'token:completed',
  'slot:closed',
  'slot:capacity-changed',
  'slot:reopened',
  'token:held',
  'token:confirmed',
  'token:released',
  'token:expired',
  'token:called',
  'token:reinstated',
  'token:moved',
  'doctor:updated',
  'doctor:retired',
  'token:offered',
  'token:offer-accepted',
  'token:offer-declined',
  'token:offer-lapsed',
  'token:offer-withdrawn',
  'token:carried',
  'day:closed',
  'patient:erased',
  'token:turn-near',
  'token:eta-changed',
  'lease:granted',
  'lease:returned',
  'lease:expired',
  'doctor:paused',
  'doctor:resumed',
  'token:forwarded',
  'followup:booked',
  'followup:due',
  'followup:cancelled',
  'series:booked',
  'series:cancelled',
  'entitlement:opened',
  'entitlement:used',
  'entitlement:returned',
  'entitlement:expired',
] as const satisfies readonly OpdEventType[];

/** Any event. Narrow on `type`. */
export type OpdEvent = OpdEventMap[OpdEventType];

/**
 * The listeners of {@link OpdScheduler}, one per event name. Events are emitted only after the
 * change is stored, in causal order, with increasing `seq`; the same objects appear in the
 * `effects` of the call that caused them and are kept in `history()`.
 *
 * @example
 * ```ts
 * import { OpdScheduler, type OpdEvent } from 'opd-scheduler';
 *
 * // Your SMS gateway and display board:
 * declare const sms: { send(tokenId: string, text: string): void };
 * declare const board: { update(event: OpdEvent): void };
 * const opd = new OpdScheduler();
 * opd.on('token:bumped', (e) => sms.send(e.tokenId, `moved from ${e.fromSlotId}`));
 * opd.on('event', (e) => board.update(e));
 * ```
 */
export interface OpdEvents {
  /** A new token got a place. */
  'token:booked': (event: TokenBookedEvent) => void;
  /** A token joined a waitlist (a new request without a place, or a displaced token). */
  'token:waitlisted': (event: TokenWaitlistedEvent) => void;
  /** A place was taken by a more urgent token; its fate follows. */
  'token:bumped': (event: TokenBumpedEvent) => void;
  /** A displaced token moved forward to a later slot. */
  'token:cascaded': (event: TokenCascadedEvent) => void;
  /** A patient was moved to another place (another slot, day or doctor); promotions into the place it left follow. */
  'token:moved': (event: TokenMovedEvent) => void;
  /** A waitlisted token got a place. */
  'token:promoted': (event: TokenPromotedEvent) => void;
  /** A displaced token had nowhere to go. */
  'token:dropped': (event: TokenDroppedEvent) => void;
  /**
   * An emergency ended a call waiting without a place (booked onto the waitlist or displaced
   * onto it) because no usable slot of its day had room for it; once per token per call, after
   * the call's other events. Page the duty doctor: the scheduler places it as soon as room appears.
   */
  'emergency:unplaced': (event: EmergencyUnplacedEvent) => void;
  /** A token was cancelled. */
  'token:cancelled': (event: TokenCancelledEvent) => void;
  /** A booked token was marked as a no-show. */
  'token:no-show': (event: TokenNoShowEvent) => void;
  /** A patient checked in. */
  'token:checked-in': (event: TokenCheckedInEvent) => void;
  /** A consultation started. */
  'token:consultation-started': (event: TokenConsultationStartedEvent) => void;
  /** A consultation was completed. */
  'token:completed': (event: TokenCompletedEvent) => void;
  /** A place was held for a patient until `holdExpiresAt`. */
  'token:held': (event: TokenHeldEvent) => void;
  /** A hold was confirmed: the token is `BOOKED`. */
  'token:confirmed': (event: TokenConfirmedEvent) => void;
  /** A hold was released (by the caller, or its slot closed); promotions follow. */
  'token:released': (event: TokenReleasedEvent) => void;
  /**
   * A token ended unserved by time: a hold unconfirmed at its end (`reason: 'hold-expired'`,
   * found by a sweep or a call on its day; promotions follow), or a token its day's closing
   * ended (`reason: 'day-closed'`).
   */
  'token:expired': (event: TokenExpiredEvent) => void;
  /** A checked-in patient was called (`recall: true` when called again), with the room. */
  'token:called': (event: TokenCalledEvent) => void;
  /** A no-show or cancelled token of today was brought back; where it went follows. */
  'token:reinstated': (event: TokenReinstatedEvent) => void;
  /** A waiting patient's turn is near (`notify.turnNear`); once per token. */
  'token:turn-near': (event: TokenTurnNearEvent) => void;
  /** A waiting patient's estimated start moved by at least `notify.etaChangedMinutes` since last told. */
  'token:eta-changed': (event: TokenEtaChangedEvent) => void;
  /** A slot was closed; the fate of each displaced token follows. */
  'slot:closed': (event: SlotClosedEvent) => void;
  /** A closed slot was reopened; promotions into it follow. */
  'slot:reopened': (event: SlotReopenedEvent) => void;
  /** A slot's capacity changed; promotions or displacements follow. */
  'slot:capacity-changed': (event: SlotCapacityChangedEvent) => void;
  /** A doctor's details changed (`changes` names each field, before and after); estimates follow a new `consultMinutes` at once. */
  'doctor:updated': (event: DoctorUpdatedEvent) => void;
  /** A doctor retired; the `slot:closed` of each slot closed and the fate of each displaced token follow. */
  'doctor:retired': (event: DoctorRetiredEvent) => void;
  /** A freed place was offered to the token's patient: answer with `acceptOffer(offerId)` before `expiresAt`. */
  'token:offered': (event: TokenOfferedEvent) => void;
  /** An offer was accepted: the token took the place (`token:promoted` or `token:moved` follows). */
  'token:offer-accepted': (event: TokenOfferAcceptedEvent) => void;
  /** An offer was declined; the token keeps what it had. */
  'token:offer-declined': (event: TokenOfferDeclinedEvent) => void;
  /** An offer lapsed: another candidate took the place, or its window passed. */
  'token:offer-lapsed': (event: TokenOfferLapsedEvent) => void;
  /** An offer was withdrawn: an emergency, a closing or a capacity change took the place. */
  'token:offer-withdrawn': (event: TokenOfferWithdrawnEvent) => void;
  /** A token of a closed day was carried onto the doctor's next day with slots, as a new waitlisted token (`toTokenId`). */
  'token:carried': (event: TokenCarriedEvent) => void;
  /** A doctor-day was closed; its `token:expired` and `token:carried` events came before, this sums them up. */
  'day:closed': (event: DayClosedEvent) => void;
  /** A token's patient data was erased (`erasePatient`, or `purge` under the retention option); one event per token, no patient data. */
  'patient:erased': (event: PatientErasedEvent) => void;
  /** A desk was leased places of a doctor-day (`leaseCapacity`); they count as taken until the lease ends. */
  'lease:granted': (event: LeaseGrantedEvent) => void;
  /** A lease was given back (`returnLease`): its unused places returned to the day. */
  'lease:returned': (event: LeaseReturnedEvent) => void;
  /** A lease's time ended: its unused places returned to the day by themselves. */
  'lease:expired': (event: LeaseExpiredEvent) => void;
  /** A doctor paused (`pauseDoctor`): the estimates of the day's queue moved by the pause; nobody lost a place. */
  'doctor:paused': (event: DoctorPausedEvent) => void;
  /** A doctor resumed before the pause's end (`resumeDoctor`): the estimates moved back. */
  'doctor:resumed': (event: DoctorResumedEvent) => void;
  /** A patient moved to the next queue of the visit (`forward`): same token, same place; a patient sent back to the doctor re-enters by the `reentry` policy. */
  'token:forwarded': (event: TokenForwardedEvent) => void;
  /** A follow-up got its token (`bookFollowUp`, or a sweep that found it a place); its `token:booked` came just before. */
  'followup:booked': (event: FollowUpBookedEvent) => void;
  /** A follow-up found no place in its window: it is due, listed by `dueFollowUps` and tried again by every sweep. */
  'followup:due': (event: FollowUpDueEvent) => void;
  /** A due follow-up was cancelled (`cancelFollowUp`): it is no longer tried. */
  'followup:cancelled': (event: FollowUpCancelledEvent) => void;
  /** A series was committed (`bookSeries`); its occurrences' `token:booked` came before. */
  'series:booked': (event: SeriesBookedEvent) => void;
  /** A series was cancelled (`cancelSeries`); each occurrence's `token:cancelled` came before. */
  'series:cancelled': (event: SeriesCancelledEvent) => void;
  /** A charged visit was completed (`complete(tokenId, { charged: true })`, or every completion): free revisits are open to its patient. */
  'entitlement:opened': (event: EntitlementOpenedEvent) => void;
  /** A booking used a free revisit, in the same unit as the booking. */
  'entitlement:used': (event: EntitlementUsedEvent) => void;
  /** A token that used a free revisit was cancelled, a no-show or dropped: the revisit is free again. */
  'entitlement:returned': (event: EntitlementReturnedEvent) => void;
  /** An entitlement's days ran out (found by the sweep). */
  'entitlement:expired': (event: EntitlementExpiredEvent) => void;
  /** Every event above, after its own listeners (for boards and audit trails). */
  event: (event: OpdEvent) => void;
  /**
   * A listener threw. The call that caused the event has already succeeded and the other
   * listeners still ran. Without an `error` listener (or when one throws in turn), the scheduler
   * emits one process warning (`OpdSchedulerWarning`, code `OPD_LISTENER_FAILED`) naming the
   * event and the error's class, never its message; later errors of that scheduler are not
   * reported. The process is never brought down by a listener's error.
   *
   * Also an `OpdError` `STORAGE_FAILURE` (`details.adapter` names the adapter) when the storage
   * adapter's `subscribe` delivered something other than an event of a known type, which was
   * dropped; without an `error` listener, one process warning, code `OPD_EVENT_DROPPED`.
   */
  error: (error: unknown) => void;
}
