/**
 * Event constructors: one per event type, each a literal with the common fields first, so that
 * the allocation rules never build events by spreading.
 */
import type {
  DisplacementReason,
  OpdEvent,
  EmergencyUnplacedEvent,
  PlacementRule,
  TokenBookedEvent,
  TokenBumpedEvent,
  TokenCancelledEvent,
  TokenCascadedEvent,
  TokenDroppedEvent,
  TokenMovedEvent,
  TokenNoShowEvent,
  TokenPromotedEvent,
  TokenWaitlistedEvent,
} from '../events.js';
import type { TokenRecord } from '../model/records.js';
import { keep, type EventSink } from './events/sink.js';
export * from './events/days.js';
export * from './events/schedule.js';
export { stampActor, type EventSink } from './events/sink.js';

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
