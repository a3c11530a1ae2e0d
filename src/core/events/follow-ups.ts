/** Event constructors of follow-ups. */
import type { FollowUpBookedEvent, FollowUpCancelledEvent, FollowUpDueEvent } from '../../events/follow-ups.js';
import type { OpdEvent } from '../../events.js';
import type { FollowUpDetail } from '../followups.js';
import { keep, type EventSink } from './sink.js';

/** A follow-up got its token `tokenId` with `toDoctorId` on `toDay` (`followup:booked`). */
export function followUpBooked(
  w: EventSink,
  doctorId: string,
  id: string,
  detail: FollowUpDetail,
  toTokenId: string,
  toDoctorId: string,
  toDay: string,
): OpdEvent {
  const e: FollowUpBookedEvent = {
    type: 'followup:booked',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId,
    actor: null,
    followUpId: id,
    fromTokenId: detail.from,
    dueDate: detail.due,
    toTokenId,
    toDoctorId,
    toDay,
  };
  keep(w, e);
  return e;
}

/** A follow-up found no place in its window (`followup:due`). */
export function followUpDue(w: EventSink, doctorId: string, id: string, detail: FollowUpDetail): OpdEvent {
  const e: FollowUpDueEvent = {
    type: 'followup:due',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId,
    actor: null,
    followUpId: id,
    fromTokenId: detail.from,
    dueDate: detail.due,
    from: detail.first,
    to: detail.last,
  };
  keep(w, e);
  return e;
}

/** A due follow-up was cancelled (`followup:cancelled`). */
export function followUpCancelled(w: EventSink, doctorId: string, id: string, detail: FollowUpDetail): OpdEvent {
  const e: FollowUpCancelledEvent = {
    type: 'followup:cancelled',
    seq: 0,
    facilityId: w.facilityId,
    at: w.nowDate,
    doctorId,
    actor: null,
    followUpId: id,
    fromTokenId: detail.from,
    dueDate: detail.due,
    reason: detail.reason,
  };
  keep(w, e);
  return e;
}
