/**
 * Public views of records: the one place a record's fields become a `Doctor`, `Slot` or
 * `Token` (with its queue position and estimated start).
 */
import type { DoctorRecord, SlotRecord, TokenRecord } from './records.js';
import type { Doctor, Slot, Token } from '../types.js';
import { compareQueueOrder, estimatedStart, positionIn } from './queue.js';
import { fixedDate } from './instant.js';

/** Public view of a doctor record. */
export function toDoctor(record: DoctorRecord): Doctor {
  return Object.freeze({
    id: record.id,
    name: record.name,
    specialization: record.specialization,
    consultMinutes: record.consultMinutes,
    department: record.department ?? null,
    createdAt: fixedDate(record.createdAt),
  });
}

/** Public view of a slot record. */
export function toSlot(record: SlotRecord): Slot {
  return Object.freeze({
    id: record.id,
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

/** Public view of a token record with its queue position (or `null` when it holds no place). */
export function toToken(record: TokenRecord, position: number | null, estimatedStart: number | null): Token {
  return Object.freeze({
    id: record.id,
    doctorId: record.doctorId,
    day: record.day,
    slotId: record.slotId,
    waitingForSlotId: record.waitingForSlotId,
    category: record.category,
    rank: record.rank,
    status: record.status,
    tokenNumber: record.tokenNumber,
    patient: record.patient,
    requestedAt: fixedDate(record.requestedAt),
    bumpCount: record.bumpCount,
    notBefore: record.notBefore === null ? null : fixedDate(record.notBefore),
    position,
    estimatedStart: estimatedStart === null ? null : fixedDate(estimatedStart),
    idempotencyKey: record.idempotencyKey,
    cancelReason: record.cancelReason,
    updatedAt: fixedDate(record.updatedAt),
    holdExpiresAt: record.holdExpiresAt === null ? null : fixedDate(record.holdExpiresAt),
    label: record.label,
  });
}

/** Public view of a place: position and estimated start from its slot. */
export function toPlaceToken(record: TokenRecord, slot: SlotRecord, places: readonly TokenRecord[], consultMinutes: number): Token {
  const position = positionIn(places, record);
  return toToken(record, position, estimatedStart(slot.start, position, consultMinutes));
}

/** Public views of places in queue order, with positions. */
export function toQueue(slot: SlotRecord, places: readonly TokenRecord[], consultMinutes: number): Token[] {
  const sorted = [...places].sort(compareQueueOrder);
  return sorted.map((record, i) => toToken(record, i + 1, estimatedStart(slot.start, i + 1, consultMinutes)));
}
