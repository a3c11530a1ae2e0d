import type { OpdEvent } from '../events.js';
import { type DayRecord, type DoctorRecord, type IdempotencyRecord, type SlotRecord, type TokenRecord, tokenIdOf } from '../storage/records.js';
import type { BookingResult, Patient, SlotStatus, TokenStatus } from '../types.js';

/** A row of `opd_doctors` as JSON. */
export interface DoctorRow {
  doctor_id: string;
  name: string;
  specialization: string | null;
  consult_minutes: number | null;
  created_at: number;
}

/** A row of `opd_slots` as JSON. */
export interface SlotRow {
  doctor_id: string;
  slot_id: string;
  day: string;
  start_at: number;
  end_at: number;
  capacity: number;
  overflow_capacity: number;
  status: SlotStatus;
  closed_reason: string | null;
}

/** A row of `opd_days` as JSON. */
export interface DayRow {
  doctor_id: string;
  day: string;
  last_token_number: number;
  bumps: number;
  cascades: number;
  promotions: number;
  drops: number;
}

/** A row of `opd_tokens` as JSON. */
export interface TokenRow {
  doctor_id: string;
  day: string;
  token_number: number;
  token_id: string;
  slot_id: string | null;
  waiting_for_slot_id: string | null;
  category: string;
  rank: number;
  status: TokenStatus;
  patient: Patient;
  patient_id: string | null;
  patient_guard: string | null;
  requested_at: number;
  bump_count: number;
  placed_at: number | null;
  not_before: number | null;
  idempotency_key: string | null;
  cancel_reason: string | null;
  updated_at: number;
}

/** A row of `opd_idempotency` as JSON. */
export interface IdempotencyRow {
  doctor_id: string;
  key: string;
  fingerprint: string;
  token_id: string;
  seq_base: number;
  result: StoredResult;
}

/** A booking result as stored: dates as ISO strings, effect `seq` relative to `seq_base`. */
type StoredResult = Record<string, unknown> & { token: Record<string, unknown>; effects: readonly Record<string, unknown>[] };

export function toDoctorRecord(r: DoctorRow): DoctorRecord {
  return { id: r.doctor_id, name: r.name, specialization: r.specialization, consultMinutes: r.consult_minutes, createdAt: r.created_at };
}

export function doctorRow(d: DoctorRecord): DoctorRow {
  return { doctor_id: d.id, name: d.name, specialization: d.specialization, consult_minutes: d.consultMinutes, created_at: d.createdAt };
}

export function toSlotRecord(r: SlotRow): SlotRecord {
  return {
    id: r.slot_id,
    doctorId: r.doctor_id,
    day: r.day,
    start: r.start_at,
    end: r.end_at,
    capacity: r.capacity,
    overflowCapacity: r.overflow_capacity,
    status: r.status,
    closedReason: r.closed_reason,
  };
}

export function slotRow(s: SlotRecord): SlotRow {
  return {
    doctor_id: s.doctorId,
    slot_id: s.id,
    day: s.day,
    start_at: s.start,
    end_at: s.end,
    capacity: s.capacity,
    overflow_capacity: s.overflowCapacity,
    status: s.status,
    closed_reason: s.closedReason,
  };
}

export function toDayRecord(r: DayRow): DayRecord {
  return {
    doctorId: r.doctor_id,
    day: r.day,
    lastTokenNumber: r.last_token_number,
    bumps: r.bumps,
    cascades: r.cascades,
    promotions: r.promotions,
    drops: r.drops,
  };
}

export function dayRow(d: DayRecord): DayRow {
  return {
    doctor_id: d.doctorId,
    day: d.day,
    last_token_number: d.lastTokenNumber,
    bumps: d.bumps,
    cascades: d.cascades,
    promotions: d.promotions,
    drops: d.drops,
  };
}

export function toTokenRecord(r: TokenRow): TokenRecord {
  return {
    id: r.token_id,
    doctorId: r.doctor_id,
    day: r.day,
    slotId: r.slot_id,
    waitingForSlotId: r.waiting_for_slot_id,
    category: r.category,
    rank: r.rank,
    status: r.status,
    tokenNumber: r.token_number,
    patient: deepFreeze(r.patient),
    requestedAt: r.requested_at,
    bumpCount: r.bump_count,
    placedAt: r.placed_at,
    notBefore: r.not_before,
    idempotencyKey: r.idempotency_key,
    cancelReason: r.cancel_reason,
    updatedAt: r.updated_at,
  };
}

/**
 * The row of a token. `guard` marks a new token created under the duplicate-booking guard: the
 * unique index on live tokens per patient and doctor-day then applies to it.
 */
export function tokenRow(t: TokenRecord, guard: boolean): TokenRow {
  const patientId = typeof t.patient.id === 'string' ? t.patient.id : null;
  return {
    doctor_id: t.doctorId,
    day: t.day,
    token_number: t.tokenNumber,
    token_id: t.id,
    slot_id: t.slotId,
    waiting_for_slot_id: t.waitingForSlotId,
    category: t.category,
    rank: t.rank,
    status: t.status,
    patient: t.patient,
    patient_id: patientId,
    patient_guard: guard ? patientId : null,
    requested_at: t.requestedAt,
    bump_count: t.bumpCount,
    placed_at: t.placedAt,
    not_before: t.notBefore,
    idempotency_key: t.idempotencyKey,
    cancel_reason: t.cancelReason,
    updated_at: t.updatedAt,
  };
}

/** An event as stored (its `seq` in the column, `at` an ISO string) back as the event emitted. */
export function toEvent(seq: number, stored: Record<string, unknown>): OpdEvent {
  stored['seq'] = seq;
  stored['at'] = new Date(stored['at'] as string);
  return Object.freeze(stored) as unknown as OpdEvent;
}

const TOKEN_DATES = ['requestedAt', 'notBefore', 'estimatedStart', 'updatedAt'] as const;

/** A stored idempotency row back as the record the core compares and replays. */
export function toIdempotencyRecord(r: IdempotencyRow): IdempotencyRecord {
  const stored = r.result;
  const token = stored.token;
  for (const key of TOKEN_DATES) {
    const value = token[key];
    if (typeof value === 'string') token[key] = new Date(value);
  }
  token['patient'] = deepFreeze(token['patient']);
  (stored as Record<string, unknown>)['effects'] = stored.effects.map((e): OpdEvent => toEvent(r.seq_base + (e['seq'] as number), { ...e }));
  return { doctorId: r.doctor_id, key: r.key, fingerprint: r.fingerprint, result: stored as unknown as BookingResult };
}

/** Freezes a parsed JSON value and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A slot as `opd_load` encodes it (see `SLOT_JSON`). */
export type SlotArray = [string, string, string, number, number, number, number, SlotStatus, string | null, number];

/** A token without its doctor and day, as `opd_load` encodes it (see `TOKEN_JSON`). */
export type TokenArray = [
  number,
  string | null,
  string | null,
  string,
  number,
  TokenStatus,
  Patient,
  number,
  number,
  number | null,
  number | null,
  string | null,
  string | null,
  number,
  number,
];

/** A day's counters as `opd_load` encodes them. */
export type DayArray = [number, number, number, number, number];

export function slotFromArray(a: SlotArray): SlotRecord {
  return { id: a[1], doctorId: a[0], day: a[2], start: a[3], end: a[4], capacity: a[5], overflowCapacity: a[6], status: a[7], closedReason: a[8] };
}

export function tokenFromArray(doctorId: string, day: string, a: TokenArray): TokenRecord {
  return {
    id: tokenIdOf(doctorId, day, a[0]),
    doctorId,
    day,
    slotId: a[1],
    waitingForSlotId: a[2],
    category: a[3],
    rank: a[4],
    status: a[5],
    tokenNumber: a[0],
    patient: deepFreeze(a[6]),
    requestedAt: a[7],
    bumpCount: a[8],
    placedAt: a[9],
    notBefore: a[10],
    idempotencyKey: a[11],
    cancelReason: a[12],
    updatedAt: a[13],
  };
}

export function dayFromArray(doctorId: string, day: string, a: DayArray | null): DayRecord {
  if (a === null) return { doctorId, day, lastTokenNumber: 0, bumps: 0, cascades: 0, promotions: 0, drops: 0 };
  return { doctorId, day, lastTokenNumber: a[0], bumps: a[1], cascades: a[2], promotions: a[3], drops: a[4] };
}
