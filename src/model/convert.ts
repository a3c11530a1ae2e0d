/**
 * Public views of records: the one place a record's fields become a `Doctor`, `Slot` or
 * `Token` (with its queue position and estimated start).
 */
import type { DoctorRecord, JourneyRecord, SlotRecord, TokenRecord } from './records.js';
import { addFields } from './records.js';
import type { Doctor, EstimateStatus, Slot, Token, TokenJourney } from '../types.js';
import type { DayEstimates, Estimate } from './queue.js';
import { fixedDate } from './instant.js';
import { DEFAULT_FACILITY_ID } from '../facility.js';

/** Public view of a doctor record. */
export function toDoctor(record: DoctorRecord): Doctor {
  return Object.freeze({
    id: record.id,
    facilityId: record.facilityId ?? DEFAULT_FACILITY_ID,
    name: record.name,
    specialization: record.specialization,
    consultMinutes: record.consultMinutes,
    department: record.department ?? null,
    createdAt: fixedDate(record.createdAt),
    room: record.room ?? null,
    retiredFrom: record.retiredFrom === undefined || record.retiredFrom === null ? null : fixedDate(record.retiredFrom),
    retiredReason: record.retiredReason ?? null,
    system: record.system ?? 'allopathic',
    specialist: record.specialist ?? false,
  });
}

/** Public view of a slot record. */
export function toSlot(record: SlotRecord): Slot {
  return Object.freeze({
    id: record.id,
    facilityId: record.facilityId ?? DEFAULT_FACILITY_ID,
    doctorId: record.doctorId,
    day: record.day,
    start: fixedDate(record.start),
    end: fixedDate(record.end),
    capacity: record.capacity,
    overflowCapacity: record.overflowCapacity,
    status: record.status,
    closedReason: record.closedReason,
  });
}

/** Public view of a token record with its queue position and estimate (`null` when it holds no place). */
export function toToken(record: TokenRecord, position: number | null, estimate: Estimate | null): Token {
  return estimate === null ? tokenOf(record, position, 0, null, undefined) : tokenOf(record, position, estimate.start, estimate.status, undefined);
}

/**
 * {@link toToken}, the estimate given as its start and status (`null` status: no place, the start
 * is not read). `now` is a date already made for the call's clock: a token changed by the call
 * shares it (dates handed out cannot change), as a new token shares its requested and updated date.
 */
function tokenOf(record: TokenRecord, position: number | null, start: number, status: EstimateStatus | null, now: Date | undefined): Token {
  const updatedAt = now !== undefined && now.getTime() === record.updatedAt ? now : fixedDate(record.updatedAt);
  const view: Token = {
    id: record.id,
    facilityId: record.facilityId ?? DEFAULT_FACILITY_ID,
    doctorId: record.doctorId,
    day: record.day,
    slotId: record.slotId,
    waitingForSlotId: record.waitingForSlotId,
    category: record.category,
    rank: record.rank,
    status: record.status,
    tokenNumber: record.tokenNumber,
    patient: record.patient,
    requestedAt: record.requestedAt === record.updatedAt ? updatedAt : fixedDate(record.requestedAt),
    bumpCount: record.bumpCount,
    notBefore: record.notBefore === null ? null : fixedDate(record.notBefore),
    position,
    estimatedStart: status === null ? null : fixedDate(start),
    estimateStatus: status,
    idempotencyKey: record.idempotencyKey,
    cancelReason: record.cancelReason,
    updatedAt,
    holdExpiresAt: record.holdExpiresAt === null ? null : fixedDate(record.holdExpiresAt),
    label: record.label,
  };
  // Only a carried token has the field, and only a token on a journey its own (every other token keeps the one shape).
  const carried = record.carriedFrom === undefined || record.carriedFrom === null ? view : addFields(view, { carriedFrom: record.carriedFrom });
  const journeyed = record.journey === undefined ? carried : addFields(carried, { journey: toJourney(record.journey) });
  // Only an occurrence of a series has its series and occurrence, only a follow-up's token its follow-up.
  const revisit = record.revisit;
  const series = revisit?.seriesId === undefined ? journeyed : addFields(journeyed, { seriesId: revisit.seriesId, occurrence: revisit.occurrence ?? 0 });
  // Only a free revisit has its entitlement, only a charged visit its mark.
  const followed = revisit?.followUp === undefined ? series : addFields(series, { followUpId: revisit.followUp });
  const entitled =
    revisit?.entitlement === undefined
      ? followed
      : addFields(followed, { entitlement: Object.freeze({ fromTokenId: revisit.entitlement.from, visit: revisit.entitlement.visit }) });
  return Object.freeze(revisit?.charged === true ? addFields(entitled, { charged: true as const }) : entitled);
}

/** Public view of a token's journey. */
function toJourney(j: JourneyRecord): TokenJourney {
  return Object.freeze({
    route: j.route ?? null,
    stage: j.stage ?? null,
    servicePointId: j.point ?? null,
    pooled: j.pooled === true,
    seen: j.seen === true,
    calledBy: j.calledBy ?? null,
  });
}

/**
 * Public view of a place of slot `i` of a day: position and live estimate (a plain view when it is
 * not one). `now`, when given, is the date of the call's clock, shared by a token the call changed.
 */
export function toPlaceToken(record: TokenRecord, estimates: DayEstimates, i: number, now?: Date): Token {
  const place = estimates.of(i, record);
  return place !== undefined ? tokenOf(record, place.position, place.estimate.start, place.estimate.status, now) : tokenOf(record, null, 0, null, now);
}

/** Public views of the places of slot `i` of a day, in queue order, with positions and estimates. */
export function toQueue(estimates: DayEstimates, i: number): Token[] {
  return estimates.queue(i).map((q) => toToken(q.token, q.position, q.estimate));
}
