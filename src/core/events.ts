/**
 * Event constructors: one per event type, each a literal with the common fields first, so that
 * the allocation rules never build events by spreading.
 */
import type {
  DoctorChanges,
  DoctorRetiredEvent,
  DoctorUpdatedEvent,
  DisplacementReason,
  OpdEvent,
  EmergencyUnplacedEvent,
  PlacementRule,
  SlotCapacityChangedEvent,
  SlotClosedEvent,
  SlotLeave,
  SlotReopenedEvent,
  TokenBookedEvent,
  TokenBumpedEvent,
  TokenCancelledEvent,
  TokenCascadedEvent,
  TokenCheckedInEvent,
  TokenCompletedEvent,
  TokenConsultationStartedEvent,
  TokenDroppedEvent,
  TokenMovedEvent,
  TokenNoShowEvent,
  TokenPromotedEvent,
  TokenWaitlistedEvent,
  TokenHeldEvent,
  TokenConfirmedEvent,
  TokenReleasedEvent,
  TokenExpiredEvent,
  TokenCarriedEvent,
  DayClosedEvent,
  UnseenStatus,
  TokenCalledEvent,
  TokenReinstatedEvent,
  TokenOfferedEvent,
  TokenOfferAcceptedEvent,
  TokenOfferDeclinedEvent,
  TokenOfferLapsedEvent,
  TokenOfferWithdrawnEvent,
  PatientErasedEvent,
  TokenTurnNearEvent,
  TokenEtaChangedEvent,
} from '../events.js';
import type { LateArrival } from '../types.js';
import { fixedDate } from '../model/instant.js';
import type { SlotRecord, TokenRecord } from '../model/records.js';

/** Where events go and when they happen. */
export interface EventSink {
  /** The unit's events so far; may be a shared empty list until the first one is kept. */
  events: unknown[];
  readonly nowDate: Date;
  /** The facility the events carry. */
  readonly facilityId: string;
}

/**
 * Appends `e` to the unit's events. The first event gets a list of exactly one (an empty list
 * that is pushed onto reserves room for 17, and most units emit one event).
 */
function keep(w: EventSink, e: OpdEvent): void {
  if (w.events.length === 0) w.events = [e];
  else w.events.push(e);
}

/**
 * Stamps the call's actor on every event of a unit, before the unit is stored. Each event was
 * built with `actor: null`, so the field keeps its place in the object's shape.
 */
export function stampActor(events: readonly OpdEvent[], actor: string | null): void {
  if (actor === null) return;
  for (const e of events) (e as { actor: string | null }).actor = actor;
}

/**
 * Why a token took its place, as `token:booked` records it: the rule, the slot that was full
 * (next slot), the quota that counted a slot as full, the token it bumped.
 */
export interface PlacedBy {
  readonly rule: PlacementRule;
  readonly fullSlotId: string | null;
  readonly quota: string | null;
  readonly bumped: TokenRecord | null;
}

/** A free place, or an elastic one (`overflow`), of the slot the token asked for or was given. */
export function placedIn(overflow: boolean): PlacedBy {
  return { rule: overflow ? 'elastic-place' : 'free-place', fullSlotId: null, quota: null, bumped: null };
}

/** Why a new request was waitlisted: the slot that had no place for it, the quota that closed it. */
export interface WaitedFor {
  readonly fullSlotId: string | null;
  readonly quota: string | null;
}

const NOT_ASKED: WaitedFor = { fullSlotId: null, quota: null };

export function booked(w: EventSink, t: TokenRecord, slotId: string, overflow: boolean, by: PlacedBy = placedIn(overflow)): OpdEvent {
  const e: TokenBookedEvent = {
    type: 'token:booked',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    category: t.category,
    rank: t.rank,
    overflow,
    rule: by.rule,
    fullSlotId: by.fullSlotId,
    quota: by.quota,
    bumpedTokenId: by.bumped?.id ?? null,
    bumpedRank: by.bumped?.rank ?? null,
    request: null,
  };
  keep(w, e);
  return e;
}

export function moved(w: EventSink, from: TokenRecord, to: TokenRecord, toSlotId: string, reason: string | null): OpdEvent {
  const e: TokenMovedEvent = {
    type: 'token:moved',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: to.doctorId,
    actor: null,
    tokenId: to.id,
    tokenNumber: to.tokenNumber,
    label: to.label,
    day: to.day,
    slotId: toSlotId,
    fromSlotId: from.slotId,
    toSlotId,
    fromDoctorId: from.doctorId,
    toDoctorId: to.doctorId,
    fromTokenId: from.id,
    fromDay: from.day,
    reason,
  };
  keep(w, e);
  return e;
}

export function waitlisted(
  w: EventSink,
  t: TokenRecord,
  waitingForSlotId: string | null,
  fromSlotId: string | null,
  reason: 'full' | DisplacementReason,
  full: WaitedFor = NOT_ASKED,
): OpdEvent {
  const e: TokenWaitlistedEvent = {
    type: 'token:waitlisted',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId: null,
    waitingForSlotId,
    fromSlotId,
    reason,
    rank: t.rank,
    fullSlotId: full.fullSlotId,
    quota: full.quota,
    request: null,
  };
  keep(w, e);
  return e;
}

/** `t` as it was before the bump; `by` the token that took its place, as this unit left it. */
export function bumped(w: EventSink, t: TokenRecord, fromSlotId: string, byTokenId: string, by: TokenRecord | undefined): OpdEvent {
  const e: TokenBumpedEvent = {
    type: 'token:bumped',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId: fromSlotId,
    fromSlotId,
    byTokenId,
    rank: t.rank,
    byRank: by?.rank ?? t.rank,
    byCategory: by?.category ?? t.category,
  };
  keep(w, e);
  return e;
}

export function cascaded(w: EventSink, t: TokenRecord, fromSlotId: string, toSlotId: string, reason: DisplacementReason): OpdEvent {
  const e: TokenCascadedEvent = {
    type: 'token:cascaded',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId: toSlotId,
    fromSlotId,
    toSlotId,
    reason,
  };
  keep(w, e);
  return e;
}

export function promoted(w: EventSink, t: TokenRecord, slotId: string, fromSlotId: string | null): OpdEvent {
  const e: TokenPromotedEvent = {
    type: 'token:promoted',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    fromSlotId,
  };
  keep(w, e);
  return e;
}

export function dropped(w: EventSink, t: TokenRecord, fromSlotId: string, reason: DisplacementReason): OpdEvent {
  const e: TokenDroppedEvent = {
    type: 'token:dropped',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId: null,
    fromSlotId,
    reason,
  };
  keep(w, e);
  return e;
}

export function unplaced(w: EventSink, t: TokenRecord): OpdEvent {
  const e: EmergencyUnplacedEvent = {
    type: 'emergency:unplaced',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
  };
  keep(w, e);
  return e;
}

export function cancelled(w: EventSink, t: TokenRecord, slotId: string | null, reason: string | null): OpdEvent {
  const e: TokenCancelledEvent = {
    type: 'token:cancelled',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    reason,
  };
  keep(w, e);
  return e;
}

export function noShow(w: EventSink, t: TokenRecord, slotId: string, reason: 'manual' | 'sweep'): OpdEvent {
  const e: TokenNoShowEvent = {
    type: 'token:no-show',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    reason,
  };
  keep(w, e);
  return e;
}

/** `token:checked-in`, `token:consultation-started` or `token:completed`. */
export function progressed(
  w: EventSink,
  t: TokenRecord,
  slotId: string,
  type: 'token:checked-in' | 'token:consultation-started' | 'token:completed',
): OpdEvent {
  const e: TokenCheckedInEvent | TokenConsultationStartedEvent | TokenCompletedEvent = {
    type,
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
  };
  keep(w, e);
  return e;
}

export function held(w: EventSink, t: TokenRecord, slotId: string, holdExpiresAt: number): OpdEvent {
  const e: TokenHeldEvent = {
    type: 'token:held',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    category: t.category,
    rank: t.rank,
    holdExpiresAt: fixedDate(holdExpiresAt),
    request: null,
  };
  keep(w, e);
  return e;
}

export function confirmed(w: EventSink, t: TokenRecord, slotId: string): OpdEvent {
  const e: TokenConfirmedEvent = {
    type: 'token:confirmed',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
  };
  keep(w, e);
  return e;
}

export function released(w: EventSink, t: TokenRecord, slotId: string, reason: 'released' | 'slot-closed'): OpdEvent {
  const e: TokenReleasedEvent = {
    type: 'token:released',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    reason,
  };
  keep(w, e);
  return e;
}

export function expired(w: EventSink, t: TokenRecord, slotId: string, holdExpiresAt: number): OpdEvent {
  const e: TokenExpiredEvent = {
    type: 'token:expired',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    holdExpiresAt: fixedDate(holdExpiresAt),
    reason: 'hold-expired',
    fromStatus: 'HELD',
  };
  keep(w, e);
  return e;
}

/** A token its day's closing ended: `t` as it was on the closed day. */
export function expiredAtClose(w: EventSink, t: TokenRecord, fromStatus: UnseenStatus): OpdEvent {
  const e: TokenExpiredEvent = {
    type: 'token:expired',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId: t.slotId,
    holdExpiresAt: t.holdExpiresAt === null ? null : fixedDate(t.holdExpiresAt),
    reason: 'day-closed',
    fromStatus,
  };
  keep(w, e);
  return e;
}

/** A token of a closed day (`from`, as it was) carried to a new token (`to`) of a later day. */
export function carried(w: EventSink, from: TokenRecord, fromStatus: UnseenStatus, to: TokenRecord): OpdEvent {
  const e: TokenCarriedEvent = {
    type: 'token:carried',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: from.doctorId,
    actor: null,
    tokenId: from.id,
    tokenNumber: from.tokenNumber,
    label: from.label,
    day: from.day,
    slotId: from.slotId,
    fromStatus,
    toDay: to.day,
    toTokenId: to.id,
    toTokenNumber: to.tokenNumber,
    toLabel: to.label,
  };
  keep(w, e);
  return e;
}

/** A doctor-day closed: what its closing ended. */
export function dayClosed(w: EventSink, doctorId: string, day: string, expiredCount: number, carriedCount: number, toDay: string | null): OpdEvent {
  const e: DayClosedEvent = {
    type: 'day:closed',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId,
    actor: null,
    day,
    expired: expiredCount,
    carried: carriedCount,
    toDay,
  };
  keep(w, e);
  return e;
}

export function called(w: EventSink, t: TokenRecord, slotId: string, room: string | null, recall: boolean): OpdEvent {
  const e: TokenCalledEvent = {
    type: 'token:called',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    room,
    recall,
  };
  keep(w, e);
  return e;
}

export function reinstated(w: EventSink, t: TokenRecord, fromStatus: 'NO_SHOW' | 'CANCELLED', lateArrival: LateArrival): OpdEvent {
  const e: TokenReinstatedEvent = {
    type: 'token:reinstated',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    fromStatus,
    lateArrival,
  };
  keep(w, e);
  return e;
}

export function slotClosed(w: EventSink, s: SlotRecord, reason: string | null, leave: SlotLeave | null = null): OpdEvent {
  const e: SlotClosedEvent = { type: 'slot:closed', seq: 0, facilityId: w.facilityId, at: w.nowDate, doctorId: s.doctorId, actor: null, slotId: s.id, day: s.day, reason, leave };
  keep(w, e);
  return e;
}

export function slotReopened(w: EventSink, s: SlotRecord): OpdEvent {
  const e: SlotReopenedEvent = { type: 'slot:reopened', seq: 0, facilityId: w.facilityId, at: w.nowDate, doctorId: s.doctorId, actor: null, slotId: s.id, day: s.day };
  keep(w, e);
  return e;
}

export function capacityChanged(w: EventSink, s: SlotRecord, previousCapacity: number): OpdEvent {
  const e: SlotCapacityChangedEvent = {
    type: 'slot:capacity-changed',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: s.doctorId,
    actor: null,
    slotId: s.id,
    day: s.day,
    previousCapacity,
    capacity: s.capacity,
  };
  keep(w, e);
  return e;
}

export function doctorUpdated(w: EventSink, doctorId: string, changes: DoctorChanges): OpdEvent {
  const e: DoctorUpdatedEvent = { type: 'doctor:updated', seq: 0, facilityId: w.facilityId, at: w.nowDate, doctorId, actor: null, changes };
  keep(w, e);
  return e;
}

export function doctorRetired(w: EventSink, doctorId: string, retiredFrom: number, reason: string | null, reassign: 'department' | null): OpdEvent {
  const e: DoctorRetiredEvent = { type: 'doctor:retired', seq: 0, facilityId: w.facilityId, at: w.nowDate, doctorId, actor: null, retiredFrom: fixedDate(retiredFrom), reason, reassign };
  keep(w, e);
  return e;
}

export function offered(w: EventSink, t: TokenRecord, slotId: string, offerId: string, expiresAt: number, round: number): OpdEvent {
  const e: TokenOfferedEvent = {
    type: 'token:offered',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    offerId,
    expiresAt: fixedDate(expiresAt),
    round,
  };
  keep(w, e);
  return e;
}

export function offerAccepted(w: EventSink, t: TokenRecord, slotId: string, offerId: string, fromSlotId: string | null): OpdEvent {
  const e: TokenOfferAcceptedEvent = {
    type: 'token:offer-accepted',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    offerId,
    fromSlotId,
  };
  keep(w, e);
  return e;
}

export function offerDeclined(w: EventSink, t: TokenRecord, slotId: string, offerId: string): OpdEvent {
  const e: TokenOfferDeclinedEvent = {
    type: 'token:offer-declined',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    offerId,
  };
  keep(w, e);
  return e;
}

export function offerLapsed(w: EventSink, t: TokenRecord, slotId: string, offerId: string, reason: 'taken' | 'expired'): OpdEvent {
  const e: TokenOfferLapsedEvent = {
    type: 'token:offer-lapsed',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    offerId,
    reason,
  };
  keep(w, e);
  return e;
}

export function offerWithdrawn(
  w: EventSink,
  t: TokenRecord,
  slotId: string,
  offerId: string,
  reason: 'emergency' | 'slot-closed' | 'capacity-lowered',
  byTokenId: string | null,
): OpdEvent {
  const e: TokenOfferWithdrawnEvent = {
    type: 'token:offer-withdrawn',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    offerId,
    reason,
    byTokenId,
  };
  keep(w, e);
  return e;
}

export function patientErased(w: EventSink, t: TokenRecord, reason: string | null, by: 'request' | 'retention'): OpdEvent {
  const e: PatientErasedEvent = {
    type: 'patient:erased',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    reason,
    by,
  };
  keep(w, e);
  return e;
}

export function turnNear(w: EventSink, t: TokenRecord, slotId: string, position: number, estimatedStart: number): OpdEvent {
  const e: TokenTurnNearEvent = {
    type: 'token:turn-near',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    position,
    estimatedStart: fixedDate(estimatedStart),
  };
  keep(w, e);
  return e;
}

export function etaChanged(w: EventSink, t: TokenRecord, slotId: string, estimatedStart: number, previousEstimate: number): OpdEvent {
  const e: TokenEtaChangedEvent = {
    type: 'token:eta-changed',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    estimatedStart: fixedDate(estimatedStart),
    previousEstimate: fixedDate(previousEstimate),
    changeMinutes: Math.round((estimatedStart - previousEstimate) / 60_000),
  };
  keep(w, e);
  return e;
}
