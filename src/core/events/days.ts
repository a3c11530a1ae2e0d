/** Event constructors of holds, a day's closing and carrying, calls and reinstatements. */
import type {
  OpdEvent,
  TokenCheckedInEvent,
  TokenCompletedEvent,
  TokenConsultationStartedEvent,
  TokenHeldEvent,
  TokenConfirmedEvent,
  TokenReleasedEvent,
  TokenExpiredEvent,
  TokenCarriedEvent,
  UnseenStatus,
} from '../../events.js';
import { fixedDate } from '../../model/instant.js';
import type { TokenRecord } from '../../model/records.js';
import { keep, type EventSink } from './sink.js';

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

export function released(w: EventSink, t: TokenRecord, slotId: string, reason: TokenReleasedEvent['reason'], byTokenId?: string): OpdEvent {
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
    ...(byTokenId === undefined ? {} : { byTokenId }),
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
