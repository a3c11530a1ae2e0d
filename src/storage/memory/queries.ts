/** The memory store's read-only scans of its doctors: the days due for a sweep, copies of days by filter, the check of a change set against what is stored, and the doctors as a dump shows them. */
import type { DayDump, DayFilter, DoctorDay, PatientTokenQuery } from '../adapter.js';
import { isErasedPatient } from '../../model/patient.js';
import type { TokenRecord } from '../../model/records.js';
import { claimEnded } from '../../model/claims.js';
import type { ChangeSet } from '../../model/snapshot.js';
import { isLiveStatus } from '../../model/status.js';
import { copyDayRecord, endsIn, type MemDay, type MemDoctor, type MemSlot, storedDay } from './structures.js';

/**
 * The doctor-days of `doctors` due for a sweep (`StorageAdapter.findDueDays`): booked places whose
 * slot started before `cutoff`, claims due by `claimsDueBy`, a waitlist beside room at `openAt`,
 * a day a closing may be due on by `closeBy`; by doctor id, then day.
 */
export function dueDays(doctors: ReadonlyMap<string, MemDoctor>, cutoff: number, claimsDueBy?: number, openAt?: number, closeBy?: number): DoctorDay[] {
  // A day a closing may be due on: none of its open slots ends after closeBy, it is no later
  // than the UTC day after closeBy's (zones are at most 14 hours ahead), and it still holds a
  // token a closing ends.
  const lastDay = closeBy === undefined ? '' : new Date(Math.min(8.64e15, Math.max(-8.64e15, closeBy + 86_400_000))).toISOString().slice(0, 10);
  const closable = (day: string, entry: MemDay): boolean =>
    closeBy !== undefined &&
    day <= lastDay &&
    entry.slots.every((s) => s.slot.status !== 'OPEN' || s.slot.end <= closeBy) &&
    (entry.waitlist.length > 0 || entry.booked > 0 || entry.holds > 0 || entry.slots.some((s) => s.places.some((t) => t.status === 'CHECKED_IN')));
  const due: DoctorDay[] = [];
  const hasRoom = (s: MemSlot): boolean => openAt !== undefined && s.slot.status === 'OPEN' && s.slot.end > openAt && s.occupancy < s.slot.capacity;
  // A slot's places are read only where one can be due: a booked place once its slot has
  // started, on a day that has one. A day ahead costs a look at the start of each of its slots,
  // and a day swept none at all.
  const slotDue = (s: MemSlot): boolean => s.slot.start < cutoff && s.places.some((t) => t.status === 'BOOKED');
  for (const [doctorId, doctor] of doctors) {
    for (const [day, entry] of doctor.days) {
      // Claims whose due time has come by the clock (a hold or a lease ended, an offer's window passed): the day's one due time.
      const claimsDue = claimsDueBy !== undefined && claimEnded(entry.claimsDueAt, claimsDueBy);
      if (claimsDue || (entry.booked > 0 && entry.slots.some(slotDue)) || (entry.waitlist.length > 0 && entry.slots.some(hasRoom)) || closable(day, entry)) {
        due.push({ doctorId, day });
      }
    }
  }
  return due.sort((a, b) => (a.doctorId < b.doctorId ? -1 : a.doctorId > b.doctorId ? 1 : a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** Copies of the days of `doctors` a scan's `filter` names (`StorageAdapter.scanDays`). */
export function dayCopies(doctors: ReadonlyMap<string, MemDoctor>, filter: DayFilter): DayDump[] {
  const out: DayDump[] = [];
  const named = filter.doctorId === undefined ? doctors.values() : [doctors.get(filter.doctorId)];
  for (const doctor of named) {
    if (doctor === undefined) continue;
    const days = filter.day === undefined ? doctor.days.values() : [doctor.days.get(filter.day)];
    for (const day of days) {
      if (day !== undefined) out.push({ record: copyDayRecord(day.record), slots: day.slots.map((s) => s.slot), tokens: day.tokens.slice() });
    }
  }
  return out;
}

/**
 * What a change set of doctor `doctorId` (stored as `existing`) would make inconsistent in the
 * memory store, or `undefined` when it fits: a doctor made twice or updated unmade, a slot made
 * twice or updated unmade, a new token that skips or reuses a number, an update of a token not
 * stored, an idempotency key erased that is not stored, a second live token of a patient.
 */
export function changeProblem(
  changes: ChangeSet,
  doctorId: string,
  existing: MemDoctor | undefined,
  slots: ReadonlyMap<string, unknown>,
): { readonly what: string; readonly id: string } | undefined {
  if (changes.doctor !== undefined ? existing !== undefined : existing === undefined) return { what: 'doctor', id: doctorId };
  if (changes.updatedDoctor !== undefined && changes.updatedDoctor.createdAt !== existing!.record.createdAt) return { what: 'doctor', id: doctorId };
  const { newSlots, updatedSlots, newTokens, updatedTokens } = changes;
  for (let i = 0; i < newSlots.length; i++) if (slots.has(newSlots[i]!.id)) return { what: 'new slot', id: newSlots[i]!.id };
  for (let i = 0; i < updatedSlots.length; i++) if (!slots.has(updatedSlots[i]!.id)) return { what: 'slot', id: updatedSlots[i]!.id };
  let lastDay = '';
  let issued = 0;
  for (let i = 0; i < newTokens.length; i++) {
    const token = newTokens[i]!;
    if (token.day !== lastDay) {
      lastDay = token.day;
      issued = existing === undefined ? 0 : (storedDay(existing, token.day)?.tokens.length ?? 0);
    }
    if (token.tokenNumber !== ++issued) return { what: 'token number', id: token.id };
  }
  for (let i = 0; i < updatedTokens.length; i++) {
    const token = updatedTokens[i]!;
    const day = existing === undefined ? undefined : storedDay(existing, token.day);
    if (day?.tokens[token.tokenNumber - 1]?.id !== token.id) return { what: 'token', id: token.id };
  }
  const erased = changes.erasedIdempotency;
  if (erased !== undefined && existing?.idempotency.has(erased.key) !== true) return { what: 'idempotency key', id: erased.key };
  if (changes.guardDuplicates === true && existing !== undefined) {
    for (let i = 0; i < newTokens.length; i++) {
      const token = newTokens[i]!;
      const patientId = token.patient.id;
      if (patientId === undefined || !isLiveStatus(token.status)) continue;
      const held = storedDay(existing, token.day)?.liveTokenOf(patientId);
      // A token this unit ends (updated to a terminal status) no longer counts.
      if (held !== undefined && !endsIn(updatedTokens, held.id)) return { what: 'second live token of a patient', id: token.id };
    }
  }
  return undefined;
}

/**
 * The tokens of patients not erased, by doctor id, day and number (`StorageAdapter.findPatientTokens`
 * without a patient): of the days before `dayBefore`, or the first `limit`.
 */
export function tokensNotErased(doctors: ReadonlyMap<string, MemDoctor>, query: Exclude<PatientTokenQuery, { readonly patientId: string }>): TokenRecord[] {
  const out: TokenRecord[] = [];
  for (const id of [...doctors.keys()].sort()) {
    const doctor = doctors.get(id)!;
    for (const day of [...doctor.days.keys()].sort()) {
      if ('dayBefore' in query && day >= query.dayBefore) continue;
      for (const token of doctor.days.get(day)!.tokens) {
        if (!isErasedPatient(token.patient)) out.push(token);
        if ('limit' in query && out.length >= query.limit) return out;
      }
    }
  }
  return out;
}

/** The doctors of the store as `MemoryStorage.dump` shows them: records, slots with their places, days with their lists, patient index and counts, idempotency records. */
export function doctorDumps(doctors: ReadonlyMap<string, MemDoctor>): unknown[] {
  return [...doctors.values()].map((d) => ({
    record: d.record,
    slots: d.slots.map((s) => ({ slot: s.slot, places: s.places })),
    days: [...d.days.values()].map((day) => ({
      record: day.record,
      tokens: day.tokens,
      waitlist: day.waitlist,
      slots: day.slots.map((s) => ({ slot: s.slot, places: s.places })),
      patientIndex: day.indexDump(),
      counts: { holds: day.holds, consultations: day.consultations, booked: day.booked },
    })),
    idempotency: [...d.idempotency.values()],
  }));
}
