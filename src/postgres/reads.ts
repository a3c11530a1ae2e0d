/**
 * The reads of the adapter outside of any unit of work: a doctor's snapshot, the doctors, the
 * doctor-days due for a sweep and the scan of stored days, each one statement (one consistent
 * snapshot).
 */
import { invalid } from '../errors.js';
import type { DoctorSnapshot, LoadRequest } from '../model/snapshot.js';
import type { DoctorRecord } from '../model/records.js';
import { byDoctorDayNumber, type DayDump, type DayFilter, type DoctorDay, type PatientTokenQuery } from '../storage/adapter.js';
import type { TokenRecord } from '../model/records.js';
import { ERASED_PATIENT } from '../model/patient.js';
import { decodeLoad, decodePatientTokens, loadRequestJson } from './codec.js';
import { DAY, DOCTOR, SLOT, TOKEN } from './columns.js';
import { lastDayBefore } from './sql.js';
import type { Wing } from './wing.js';

/** A doctor's snapshot for a request of one doctor, as one read-only transaction. */
export async function readSnapshot(wing: Wing, request: LoadRequest): Promise<DoctorSnapshot> {
  try {
    const out = await wing.driver.snapshot([{ statement: wing.sql.load, values: [loadRequestJson(request, undefined), false, null, null] }]);
    return decodeLoad(out[0], request.idempotencyKey, undefined)!.snapshot;
  } catch (error) {
    throw wing.failure(error);
  }
}

export async function listDoctors(wing: Wing): Promise<DoctorRecord[]> {
  const rows = (await wing.run(wing.sql.listDoctors, [])) as unknown[][];
  return rows.map((a) => DOCTOR.fromArray(a, undefined));
}

export async function allocateId(wing: Wing): Promise<number> {
  return Number(await wing.run(wing.sql.nextDoctorId, []));
}

export async function findDueDays(wing: Wing, cutoff: number, claimsDueBy?: number, openAt?: number, closeBy?: number): Promise<DoctorDay[]> {
  if (!Number.isFinite(cutoff)) throw invalid('cutoff', 'Expected a finite instant');
  if (claimsDueBy !== undefined && !Number.isFinite(claimsDueBy)) throw invalid('claimsDueBy', 'Expected a finite instant');
  if (openAt !== undefined && !Number.isFinite(openAt)) throw invalid('openAt', 'Expected a finite instant');
  if (closeBy !== undefined && !Number.isFinite(closeBy)) throw invalid('closeBy', 'Expected a finite instant');
  const ended = claimsDueBy === undefined ? null : String(Math.floor(claimsDueBy));
  const open = openAt === undefined ? null : String(Math.floor(openAt));
  const close = closeBy === undefined ? null : String(Math.floor(closeBy));
  const closeDay = closeBy === undefined ? null : lastDayBefore(closeBy);
  const rows = (await wing.run(wing.sql.dueDays, [String(Math.floor(cutoff)), ended, open, lastDayBefore(cutoff), close, closeDay])) as [string, string][];
  return rows.map(([doctorId, day]) => ({ doctorId, day }));
}

export async function* scanDays(wing: Wing, filter: DayFilter): AsyncIterable<DayDump> {
  // One statement: one consistent snapshot, whatever runs meanwhile.
  const rows = (await wing.run(wing.sql.scanDays, [filter.doctorId ?? null, filter.day ?? null])) as [
    string,
    string,
    unknown[],
    unknown[][] | null,
    unknown[][] | null,
  ][];
  for (const [doctorId, day, record, slots, tokens] of rows) {
    yield {
      record: DAY.fromArray(record, { doctorId, day }),
      slots: (slots ?? []).map((a) => SLOT.fromArray(a, undefined)),
      tokens: (tokens ?? []).map((a) => TOKEN.fromArray(a, { doctorId, day })),
    };
  }
}

/**
 * The stored tokens of a patient (the statement the duplicate rules read them with, by the index
 * of patient ids), or of days before a date whose patient data is not erased (one statement each).
 */
export async function findPatientTokens(wing: Wing, query: PatientTokenQuery): Promise<TokenRecord[]> {
  if ('patientId' in query)
    return decodePatientTokens(await wing.run(wing.sql.patientTokens, [query.patientId, '']))
      .map((p) => p.token)
      .sort(byDoctorDayNumber);
  const rows = (await wing.run(wing.sql.tokensToPurge, [query.dayBefore, query.limit, JSON.stringify(ERASED_PATIENT)])) as [string, string, unknown[]][];
  return rows.map(([doctorId, day, a]) => TOKEN.fromArray(a, { doctorId, day }));
}
