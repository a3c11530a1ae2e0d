/**
 * Record constructors. Every record of a kind is built here with the same fields in the same
 * order: objects then share one hidden class, and no hot path pays for a generic object spread
 * (which costs microseconds per call on small machines).
 */
import type { Doctor } from '../types.js';
import {
  type DayRecord,
  type DoctorRecord,
  type JourneyRecord,
  keepFacility,
  type RevisitRecord,
  type SlotRecord,
  type TokenRecord,
  addFields,
} from './records.js';

/**
 * A doctor record with exactly the record's fields, from the parsed input. (A spread of the input
 * with `createdAt` added gave every doctor a hidden class of its own, so that each read of a
 * doctor's field on the booking path was a megamorphic lookup.)
 */
export function makeDoctor(
  fields: Pick<DoctorRecord, 'name' | 'specialization' | 'consultMinutes'> & {
    readonly department: string | null;
    readonly room?: string | null | undefined;
    readonly system?: Doctor['system'] | undefined;
    readonly specialist?: boolean | undefined;
  },
  id: string,
  createdAt: number,
): DoctorRecord {
  return {
    id,
    name: fields.name,
    specialization: fields.specialization,
    consultMinutes: fields.consultMinutes,
    department: fields.department,
    createdAt,
    room: fields.room ?? null,
    retiredFrom: null,
    retiredReason: null,
    system: fields.system ?? 'allopathic',
    specialist: fields.specialist ?? false,
  };
}

/** The fields of a doctor that {@link patchDoctor} may set. */
export interface DoctorPatch {
  readonly name?: string;
  readonly specialization?: string | null;
  readonly department?: string | null;
  readonly room?: string | null;
  readonly consultMinutes?: number | null;
  readonly retiredFrom?: number | null;
  readonly retiredReason?: string | null;
  readonly system?: Doctor['system'];
  readonly specialist?: boolean;
}

/** `d` with the patch applied, every field of the record present (older records get theirs as `null`). */
export function patchDoctor(d: DoctorRecord, p: DoctorPatch): DoctorRecord {
  return keepFacility(d, {
    id: d.id,
    name: p.name === undefined ? d.name : p.name,
    specialization: p.specialization === undefined ? d.specialization : p.specialization,
    consultMinutes: p.consultMinutes === undefined ? d.consultMinutes : p.consultMinutes,
    department: p.department === undefined ? (d.department ?? null) : p.department,
    createdAt: d.createdAt,
    room: p.room === undefined ? (d.room ?? null) : p.room,
    retiredFrom: p.retiredFrom === undefined ? (d.retiredFrom ?? null) : p.retiredFrom,
    retiredReason: p.retiredReason === undefined ? (d.retiredReason ?? null) : p.retiredReason,
    system: p.system ?? d.system ?? 'allopathic',
    specialist: p.specialist ?? d.specialist ?? false,
  });
}

/** The fields of a token that a change may set. */
export interface TokenPatch {
  readonly slotId?: string | null;
  readonly waitingForSlotId?: string | null;
  readonly rank?: number;
  readonly status?: TokenRecord['status'];
  readonly bumpCount?: number;
  readonly notBefore?: number | null;
  readonly cancelReason?: string | null;
  readonly holdExpiresAt?: number | null;
  readonly requestedAt?: number;
  /** When the token got its place, where that is not when its slot changed (a hold confirmed). */
  readonly placedAt?: number;
  /** The order of its first call in its doctor-day. */
  readonly callIndex?: number | null;
  /** The estimated start the patient was last told of. */
  readonly toldEta?: number | null;
  /** Whether `token:turn-near` was sent. */
  readonly turnNearSent?: boolean;
  /** The token's journey (`null`: none). */
  readonly journey?: JourneyRecord | null;
  /** What brings the patient back (a charged visit's mark). */
  readonly revisit?: RevisitRecord;
}

/**
 * A journey record: the fields of `base`, with those `patch` names (as own fields, `undefined`
 * clearing one) in their place, frozen. Every journey it makes has every field, `undefined` where
 * not set, in one order: all of them share one hidden class, so that reading a journey's field is
 * as cheap as reading a token's (journeys with fields of their own, one hidden class per set of
 * fields, made every read of `point` or `room` in a queue a lookup among a dozen classes).
 */
export function makeJourney(base: JourneyRecord, patch: JourneyRecord = NO_JOURNEY): JourneyRecord {
  return Object.freeze({
    route: pick(base, patch, 'route'),
    stage: pick(base, patch, 'stage'),
    point: pick(base, patch, 'point'),
    room: pick(base, patch, 'room'),
    pooled: pick(base, patch, 'pooled'),
    calledBy: pick(base, patch, 'calledBy'),
    seen: pick(base, patch, 'seen'),
    reentry: pick(base, patch, 'reentry'),
  });
}

/** The field `key` of a journey: `patch`'s when it names it (as an own field), else `base`'s. */
function pick<K extends keyof JourneyRecord>(base: JourneyRecord, patch: JourneyRecord, key: K): JourneyRecord[K] {
  return Object.hasOwn(patch, key) ? patch[key] : base[key];
}

/** The journey with no field set. */
export const NO_JOURNEY: JourneyRecord = Object.freeze({});

/** A token record with exactly the record's fields (a carried token's link and due time where it has them). */
export function makeToken(t: TokenRecord): TokenRecord {
  return withRevisit(
    t.revisit,
    withJourney(
      t.journey,
      withCarry(
        t,
        keepFacility(t, {
          id: t.id,
          doctorId: t.doctorId,
          day: t.day,
          slotId: t.slotId,
          waitingForSlotId: t.waitingForSlotId,
          category: t.category,
          rank: t.rank,
          status: t.status,
          tokenNumber: t.tokenNumber,
          patient: t.patient,
          requestedAt: t.requestedAt,
          bumpCount: t.bumpCount,
          placedAt: t.placedAt,
          notBefore: t.notBefore,
          idempotencyKey: t.idempotencyKey,
          cancelReason: t.cancelReason,
          updatedAt: t.updatedAt,
          holdExpiresAt: t.holdExpiresAt,
          label: t.label,
          callIndex: t.callIndex ?? null,
          toldEta: t.toldEta ?? null,
          turnNearSent: t.turnNearSent ?? false,
        }),
      ),
    ),
  );
}

/** `record` with the revisit of `from` when it has one: only tokens that bring a patient back have the field. */
function withRevisit(revisit: RevisitRecord | undefined, record: TokenRecord): TokenRecord {
  return revisit === undefined ? record : addFields(record, { revisit });
}

/** `record` with its journey when it has one: only tokens on a journey have the field, so every other record keeps the one shape. */
function withJourney(journey: JourneyRecord | null | undefined, record: TokenRecord): TokenRecord {
  return journey === undefined || journey === null ? record : addFields(record, { journey });
}

/**
 * `record` with the carried token's fields of `from` (`carriedFrom`, `dueAt`) when it has them.
 * Only carried tokens have them, so every other record keeps the one shape.
 */
function withCarry(from: TokenRecord, record: TokenRecord): TokenRecord {
  if ((from.carriedFrom === undefined || from.carriedFrom === null) && (from.dueAt === undefined || from.dueAt === null)) return record;
  return addFields(record, { carriedFrom: from.carriedFrom ?? null, dueAt: from.dueAt ?? null });
}

/** `t` with the patch applied, `updatedAt` set and `placedAt` following the slot. */
export function patchToken(t: TokenRecord, p: TokenPatch, now: number): TokenRecord {
  return withRevisit(
    p.revisit ?? t.revisit,
    withJourney(
      p.journey !== undefined ? p.journey : t.journey,
      withCarry(
        t,
        keepFacility(t, {
          id: t.id,
          doctorId: t.doctorId,
          day: t.day,
          slotId: p.slotId === undefined ? t.slotId : p.slotId,
          waitingForSlotId: p.waitingForSlotId === undefined ? t.waitingForSlotId : p.waitingForSlotId,
          category: t.category,
          rank: p.rank === undefined ? t.rank : p.rank,
          status: p.status === undefined ? t.status : p.status,
          tokenNumber: t.tokenNumber,
          patient: t.patient,
          requestedAt: p.requestedAt === undefined ? t.requestedAt : p.requestedAt,
          bumpCount: p.bumpCount === undefined ? t.bumpCount : p.bumpCount,
          // A token gets a new place whenever its slot changes.
          placedAt: p.placedAt !== undefined ? p.placedAt : p.slotId === undefined || p.slotId === t.slotId ? t.placedAt : p.slotId === null ? null : now,
          notBefore: p.notBefore === undefined ? t.notBefore : p.notBefore,
          idempotencyKey: t.idempotencyKey,
          cancelReason: p.cancelReason === undefined ? t.cancelReason : p.cancelReason,
          updatedAt: now,
          // A hold's deadline only exists while it is held.
          holdExpiresAt: p.holdExpiresAt !== undefined ? p.holdExpiresAt : (p.status ?? t.status) === 'HELD' ? t.holdExpiresAt : null,
          label: t.label,
          callIndex: p.callIndex !== undefined ? p.callIndex : (t.callIndex ?? null),
          toldEta: p.toldEta !== undefined ? p.toldEta : (t.toldEta ?? null),
          turnNearSent: p.turnNearSent !== undefined ? p.turnNearSent : (t.turnNearSent ?? false),
        }),
      ),
    ),
  );
}

/** Counters of a doctor-day. */
export type DayCounter = 'lastTokenNumber' | 'bumps' | 'cascades' | 'promotions' | 'drops';

/** `r` with one counter increased by one. */
export function incrementDay(r: DayRecord, counter: DayCounter): DayRecord {
  const next: DayRecord = {
    doctorId: r.doctorId,
    day: r.day,
    lastTokenNumber: r.lastTokenNumber + (counter === 'lastTokenNumber' ? 1 : 0),
    bumps: r.bumps + (counter === 'bumps' ? 1 : 0),
    cascades: r.cascades + (counter === 'cascades' ? 1 : 0),
    promotions: r.promotions + (counter === 'promotions' ? 1 : 0),
    drops: r.drops + (counter === 'drops' ? 1 : 0),
    labels: r.labels,
  };
  // A day that has had claims, displaced patients or a pause keeps them (the fields are absent on every other day).
  const withClaims = r.claims === undefined ? next : addFields(next, { claims: r.claims });
  const withDisplaced = r.displaced === undefined ? withClaims : addFields(withClaims, { displaced: r.displaced });
  return r.pause === undefined ? withDisplaced : addFields(withDisplaced, { pause: r.pause });
}

/** `r` with the next number of a label series taken; returns the record and the number. */
export function nextLabelNumber(r: DayRecord, series: string): { readonly record: DayRecord; readonly n: number } {
  const n = (Object.hasOwn(r.labels, series) ? r.labels[series]! : 0) + 1;
  return { record: { ...r, labels: Object.freeze({ ...r.labels, [series]: n }) }, n };
}

/** `s` with a new status, reason or capacity. */
export function patchSlot(
  s: SlotRecord,
  p: { readonly status?: SlotRecord['status']; readonly closedReason?: string | null; readonly capacity?: number },
): SlotRecord {
  return keepFacility(s, {
    id: s.id,
    doctorId: s.doctorId,
    day: s.day,
    start: s.start,
    end: s.end,
    capacity: p.capacity === undefined ? s.capacity : p.capacity,
    overflowCapacity: s.overflowCapacity,
    status: p.status === undefined ? s.status : p.status,
    closedReason: p.closedReason === undefined ? s.closedReason : p.closedReason,
  });
}
