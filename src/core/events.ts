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
  TokenCalledEvent,
  TokenReinstatedEvent,
} from '../events.js';
import type { LateArrival } from '../types.js';
import { fixedDate } from '../model/instant.js';
import type { SlotRecord, TokenRecord } from '../model/records.js';

/** Where events go and when they happen. */
export interface EventSink {
  /** The unit's events so far; may be a shared empty list until the first one is kept. */
  events: unknown[];
  readonly nowDate: Date;
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

export function booked(w: EventSink, t: TokenRecord, slotId: string, overflow: boolean): OpdEvent {
  const e: TokenBookedEvent = {
    type: 'token:booked',
    seq: 0,
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
    request: null,
  };
  keep(w, e);
  return e;
}

export function moved(w: EventSink, from: TokenRecord, to: TokenRecord, toSlotId: string, reason: string | null): OpdEvent {
  const e: TokenMovedEvent = {
    type: 'token:moved',
    seq: 0,
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
): OpdEvent {
  const e: TokenWaitlistedEvent = {
    type: 'token:waitlisted',
    seq: 0,
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
    request: null,
  };
  keep(w, e);
  return e;
}

export function bumped(w: EventSink, t: TokenRecord, fromSlotId: string, byTokenId: string): OpdEvent {
  const e: TokenBumpedEvent = {
    type: 'token:bumped',
    seq: 0,
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
  };
  keep(w, e);
  return e;
}

export function cascaded(w: EventSink, t: TokenRecord, fromSlotId: string, toSlotId: string, reason: DisplacementReason): OpdEvent {
  const e: TokenCascadedEvent = {
    type: 'token:cascaded',
    seq: 0,
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
    at: w.nowDate,
    doctorId: t.doctorId,
    actor: null,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    label: t.label,
    day: t.day,
    slotId,
    holdExpiresAt: fixedDate(holdExpiresAt),
  };
  keep(w, e);
  return e;
}

export function called(w: EventSink, t: TokenRecord, slotId: string, room: string | null, recall: boolean): OpdEvent {
  const e: TokenCalledEvent = {
    type: 'token:called',
    seq: 0,
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
  const e: SlotClosedEvent = { type: 'slot:closed', seq: 0, at: w.nowDate, doctorId: s.doctorId, actor: null, slotId: s.id, day: s.day, reason, leave };
  keep(w, e);
  return e;
}

export function slotReopened(w: EventSink, s: SlotRecord): OpdEvent {
  const e: SlotReopenedEvent = { type: 'slot:reopened', seq: 0, at: w.nowDate, doctorId: s.doctorId, actor: null, slotId: s.id, day: s.day };
  keep(w, e);
  return e;
}

export function capacityChanged(w: EventSink, s: SlotRecord, previousCapacity: number): OpdEvent {
  const e: SlotCapacityChangedEvent = {
    type: 'slot:capacity-changed',
    seq: 0,
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
  const e: DoctorUpdatedEvent = { type: 'doctor:updated', seq: 0, at: w.nowDate, doctorId, actor: null, changes };
  keep(w, e);
  return e;
}

export function doctorRetired(w: EventSink, doctorId: string, retiredFrom: number, reason: string | null, reassign: 'department' | null): OpdEvent {
  const e: DoctorRetiredEvent = { type: 'doctor:retired', seq: 0, at: w.nowDate, doctorId, actor: null, retiredFrom: fixedDate(retiredFrom), reason, reassign };
  keep(w, e);
  return e;
}
