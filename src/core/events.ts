/**
 * Event constructors: one per event type, each a literal with the common fields first, so that
 * the allocation rules never build events by spreading.
 */
import type {
  DisplacementReason,
  OpdEvent,
  EmergencyUnplacedEvent,
  SlotCapacityChangedEvent,
  SlotClosedEvent,
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
} from '../events.js';
import type { SlotRecord, TokenRecord } from '../model/records.js';

/** Where events go and when they happen. */
export interface EventSink {
  readonly events: unknown[];
  readonly nowDate: Date;
}

export function booked(w: EventSink, t: TokenRecord, slotId: string, overflow: boolean): OpdEvent {
  const e: TokenBookedEvent = {
    type: 'token:booked',
    seq: 0,
    at: w.nowDate,
    doctorId: t.doctorId,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    day: t.day,
    slotId,
    category: t.category,
    rank: t.rank,
    overflow,
  };
  w.events.push(e);
  return e;
}

export function moved(w: EventSink, from: TokenRecord, to: TokenRecord, toSlotId: string, reason: string | null): OpdEvent {
  const e: TokenMovedEvent = {
    type: 'token:moved',
    seq: 0,
    at: w.nowDate,
    doctorId: to.doctorId,
    tokenId: to.id,
    tokenNumber: to.tokenNumber,
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
  w.events.push(e);
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
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    day: t.day,
    slotId: null,
    waitingForSlotId,
    fromSlotId,
    reason,
  };
  w.events.push(e);
  return e;
}

export function bumped(w: EventSink, t: TokenRecord, fromSlotId: string, byTokenId: string): OpdEvent {
  const e: TokenBumpedEvent = {
    type: 'token:bumped',
    seq: 0,
    at: w.nowDate,
    doctorId: t.doctorId,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    day: t.day,
    slotId: fromSlotId,
    fromSlotId,
    byTokenId,
  };
  w.events.push(e);
  return e;
}

export function cascaded(w: EventSink, t: TokenRecord, fromSlotId: string, toSlotId: string, reason: DisplacementReason): OpdEvent {
  const e: TokenCascadedEvent = {
    type: 'token:cascaded',
    seq: 0,
    at: w.nowDate,
    doctorId: t.doctorId,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    day: t.day,
    slotId: toSlotId,
    fromSlotId,
    toSlotId,
    reason,
  };
  w.events.push(e);
  return e;
}

export function promoted(w: EventSink, t: TokenRecord, slotId: string, fromSlotId: string | null): OpdEvent {
  const e: TokenPromotedEvent = {
    type: 'token:promoted',
    seq: 0,
    at: w.nowDate,
    doctorId: t.doctorId,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    day: t.day,
    slotId,
    fromSlotId,
  };
  w.events.push(e);
  return e;
}

export function dropped(w: EventSink, t: TokenRecord, fromSlotId: string, reason: DisplacementReason): OpdEvent {
  const e: TokenDroppedEvent = {
    type: 'token:dropped',
    seq: 0,
    at: w.nowDate,
    doctorId: t.doctorId,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    day: t.day,
    slotId: null,
    fromSlotId,
    reason,
  };
  w.events.push(e);
  return e;
}

export function unplaced(w: EventSink, t: TokenRecord): OpdEvent {
  const e: EmergencyUnplacedEvent = {
    type: 'emergency:unplaced',
    seq: 0,
    at: w.nowDate,
    doctorId: t.doctorId,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    day: t.day,
  };
  w.events.push(e);
  return e;
}

export function cancelled(w: EventSink, t: TokenRecord, slotId: string | null, reason: string | null): OpdEvent {
  const e: TokenCancelledEvent = {
    type: 'token:cancelled',
    seq: 0,
    at: w.nowDate,
    doctorId: t.doctorId,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    day: t.day,
    slotId,
    reason,
  };
  w.events.push(e);
  return e;
}

export function noShow(w: EventSink, t: TokenRecord, slotId: string, reason: 'manual' | 'sweep'): OpdEvent {
  const e: TokenNoShowEvent = {
    type: 'token:no-show',
    seq: 0,
    at: w.nowDate,
    doctorId: t.doctorId,
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    day: t.day,
    slotId,
    reason,
  };
  w.events.push(e);
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
    tokenId: t.id,
    tokenNumber: t.tokenNumber,
    day: t.day,
    slotId,
  };
  w.events.push(e);
  return e;
}

export function slotClosed(w: EventSink, s: SlotRecord, reason: string | null): OpdEvent {
  const e: SlotClosedEvent = { type: 'slot:closed', seq: 0, at: w.nowDate, doctorId: s.doctorId, slotId: s.id, day: s.day, reason };
  w.events.push(e);
  return e;
}

export function slotReopened(w: EventSink, s: SlotRecord): OpdEvent {
  const e: SlotReopenedEvent = { type: 'slot:reopened', seq: 0, at: w.nowDate, doctorId: s.doctorId, slotId: s.id, day: s.day };
  w.events.push(e);
  return e;
}

export function capacityChanged(w: EventSink, s: SlotRecord, previousCapacity: number): OpdEvent {
  const e: SlotCapacityChangedEvent = {
    type: 'slot:capacity-changed',
    seq: 0,
    at: w.nowDate,
    doctorId: s.doctorId,
    slotId: s.id,
    day: s.day,
    previousCapacity,
    capacity: s.capacity,
  };
  w.events.push(e);
  return e;
}
