/** Event constructors of the schedule (slots, doctors), offers, patient data and notices. */
import type {
  DoctorChanges,
  DoctorRetiredEvent,
  DoctorUpdatedEvent,
  OpdEvent,
  SlotCapacityChangedEvent,
  SlotClosedEvent,
  SlotLeave,
  SlotReopenedEvent,
  DayClosedEvent,
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
} from '../../events.js';
import type { LateArrival } from '../../types.js';
import { fixedDate } from '../../model/instant.js';
import type { SlotRecord, TokenRecord } from '../../model/records.js';
import { addFields } from '../../model/records.js';
import { keep, type EventSink } from './sink.js';
import type { LeaseExpiredEvent, LeaseGrantedEvent, LeaseReturnedEvent } from '../../events/leases.js';
import type { LeaseRecord, PauseRecord } from '../../model/records.js';
import type { DoctorPausedEvent, DoctorResumedEvent } from '../../events/pauses.js';
import type { ForwardedEnd, TokenForwardedEvent } from '../../events/journeys.js';

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

export function called(
  w: EventSink,
  t: TokenRecord,
  slotId: string,
  room: string | null,
  recall: boolean,
  by?: { readonly servicePointId?: string; readonly calledBy?: string },
): OpdEvent {
  const plain: TokenCalledEvent = {
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
  // Only a service point's call and a colleague's pooled call have their fields (every other call keeps the one shape).
  const e: TokenCalledEvent = by === undefined ? plain : addFields(plain, by);
  keep(w, e);
  return e;
}

/** A token moved to another queue of its visit (`token:forwarded`). */
export function forwarded(
  w: EventSink,
  t: TokenRecord,
  from: ForwardedEnd,
  to: ForwardedEnd,
  reason: string | null,
  reentry: TokenForwardedEvent['reentry'],
): OpdEvent {
  const e: TokenForwardedEvent = {
    type: 'token:forwarded',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId: t.slotId ?? '',
    from,
    to,
    route: t.journey?.route ?? null,
    stage: t.journey?.stage ?? null,
    reason,
    reentry,
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
  const e: SlotClosedEvent = {
    type: 'slot:closed',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: s.doctorId,
    actor: null,
    slotId: s.id,
    day: s.day,
    reason,
    leave,
  };
  keep(w, e);
  return e;
}

export function slotReopened(w: EventSink, s: SlotRecord): OpdEvent {
  const e: SlotReopenedEvent = {
    type: 'slot:reopened',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId: s.doctorId,
    actor: null,
    slotId: s.id,
    day: s.day,
  };
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
  const e: DoctorRetiredEvent = {
    type: 'doctor:retired',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId,
    actor: null,
    retiredFrom: fixedDate(retiredFrom),
    reason,
    reassign,
  };
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

export function offerLapsed(w: EventSink, t: TokenRecord, slotId: string, offerId: string, reason: TokenOfferLapsedEvent['reason']): OpdEvent {
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

/** A desk was leased places (`lease:granted`). */
export function leaseGranted(w: EventSink, doctorId: string, lease: LeaseRecord): OpdEvent {
  const slots = lease.slots.map((s) => Object.freeze({ slotId: s.slotId, places: s.places }));
  const e: LeaseGrantedEvent = {
    type: 'lease:granted',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId,
    actor: null,
    leaseId: lease.id,
    deskId: lease.deskId,
    day: dayOfLease(lease.id),
    slots,
    endsAt: new Date(lease.endsAt),
  };
  keep(w, e);
  return e;
}

/** A lease ended (`lease:returned` by its desk, `lease:expired` by time), freeing `freed` places. */
export function leaseEnded(w: EventSink, doctorId: string, lease: LeaseRecord, how: 'RETURNED' | 'EXPIRED', freed: number): OpdEvent {
  const base = {
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId,
    actor: null,
    leaseId: lease.id,
    deskId: lease.deskId,
    day: dayOfLease(lease.id),
    freed,
  };
  const e: LeaseReturnedEvent | LeaseExpiredEvent = how === 'RETURNED' ? { type: 'lease:returned', ...base } : { type: 'lease:expired', ...base };
  keep(w, e);
  return e;
}

/** The local date of a lease, from its id (`${doctorId}~${day}~l${n}`). */
function dayOfLease(id: string): string {
  const parts = id.split('~');
  return parts[parts.length - 2] ?? '';
}

/** A doctor paused on `day` (`doctor:paused`) from now until `pause.until`. */
export function doctorPaused(w: EventSink, doctorId: string, day: string, pause: PauseRecord): OpdEvent {
  const e: DoctorPausedEvent = {
    type: 'doctor:paused',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId,
    actor: null,
    day,
    until: new Date(pause.until),
    minutes: (pause.until - pause.from) / 60_000,
    reason: pause.reason,
  };
  keep(w, e);
  return e;
}

/** A doctor resumed on `day` before the end of `pause`, as it stood before the resume (`doctor:resumed`). */
export function doctorResumed(w: EventSink, doctorId: string, day: string, pause: PauseRecord): OpdEvent {
  const e: DoctorResumedEvent = {
    type: 'doctor:resumed',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId,
    actor: null,
    day,
    pausedAt: new Date(pause.from),
    until: new Date(pause.until),
  };
  keep(w, e);
  return e;
}
