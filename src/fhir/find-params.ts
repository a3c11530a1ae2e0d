/**
 * The reading of `Appointment/$find`'s parameters and options (ITI-115): the windows, the
 * doctors the search names, the patient, the channel asking and `count`. The search itself, and
 * the operations that hold and book what it proposes, are in `src/fhir/booking.ts`.
 */
import { invalid } from '../errors.js';
import type { Doctor } from '../types.js';
import { isPlainObject } from '../validate.js';
import { expectOptions, type ReadOptions } from './read.js';
import { fromFhirId, toFhirId } from './references.js';
import type { FhirReference } from './resources.js';

/** The parameters `$find` reads; any other is refused by name. */
export const FIND_KEYS: ReadonlySet<string> = new Set(['start', 'end', 'specialty', 'practitioner', 'service-type', 'organization', 'patient']);
/** The most proposals one `$find` answers (`options.count`). */
const MAX_PROPOSALS = 1000;

/** One window of `$find`: the whole search, or one date of a series. */
export interface FindWindow {
  readonly start: number;
  readonly end: number;
}

/** At most this many windows in one `$find`: a series has at most 52 occurrences. */
const MAX_WINDOWS = 52;

/**
 * The windows of `$find`: `start` and `end` once, or — the dates of a series — as lists of equal
 * length, the n-th `start` with the n-th `end`, in time order and not overlapping.
 */
export function readWindows(start: unknown, end: unknown): FindWindow[] {
  if (!Array.isArray(start) && !Array.isArray(end)) return [{ start: readInstant('start', start), end: readInstant('end', end) }];
  const starts: unknown[] = Array.isArray(start) ? start : [start];
  const ends: unknown[] = Array.isArray(end) ? end : [end];
  if (starts.length === 0 || starts.length > MAX_WINDOWS) throw invalid('start', `Expected 1 to ${String(MAX_WINDOWS)} values of \`start\` (a series' dates)`);
  if (ends.length !== starts.length)
    throw invalid('end', 'Expected as many values of `end` as of `start`: the n-th `end` closes the window the n-th `start` opens');
  const windows = starts.map((s, i) => ({ start: readInstant(`start[${String(i)}]`, s), end: readInstant(`end[${String(i)}]`, ends[i]) }));
  windows.forEach((w, i) => {
    if (w.end <= w.start) throw invalid(`end[${String(i)}]`, `Expected \`end[${String(i)}]\` after \`start[${String(i)}]\``);
    const before = windows[i - 1];
    if (before !== undefined && w.start < before.end)
      throw invalid(`start[${String(i)}]`, `Expected the windows in time order, each starting at or after the end of the one before (\`start[${String(i)}]\`)`);
  });
  return windows;
}

/** The doctors a `$find` names: by speciality, practitioner, department (`service-type`) and organization, each `undefined` when not asked; and the window's start. */
export interface DoctorFilter {
  readonly specialties: readonly string[] | undefined;
  readonly practitioners: readonly string[] | undefined;
  readonly departments: readonly string[] | undefined;
  readonly organizations: readonly string[] | undefined;
  readonly start: number;
}

/** Whether a doctor is one the search names, and not retired before the window. */
export function matches(doctor: Doctor, filter: DoctorFilter): boolean {
  if (doctor.retiredFrom !== null && doctor.retiredFrom !== undefined && doctor.retiredFrom.getTime() <= filter.start) return false;
  const lower = (text: string | null | undefined): string => (text ?? '').toLowerCase();
  if (filter.specialties !== undefined && !filter.specialties.includes(lower(doctor.specialization))) return false;
  if (filter.departments !== undefined && !filter.departments.includes(lower(doctor.department))) return false;
  if (filter.practitioners !== undefined && !filter.practitioners.some((id) => id === doctor.id || id === toFhirId(doctor.id))) return false;
  if (filter.organizations !== undefined && !filter.organizations.some((id) => id === doctor.facilityId || id === toFhirId(doctor.facilityId))) return false;
  return true;
}

/** The options of `$find`: the channel asking (required), the actor, `count` (1 to 1000, 100 by default) and the FHIR reading options. */
export function readFindOptions(options: unknown): {
  channel: string;
  actor: string | undefined;
  count: number;
  fhir: ReadOptions;
} {
  if (!isPlainObject(options)) throw invalid('options', 'Expected `options` with the `channel` asking');
  const { channel, actor, count, ...rest } = options as Record<string, unknown>;
  if (typeof channel !== 'string' || channel === '') throw invalid('options.channel', 'Expected `options.channel`, the channel asking');
  if (actor !== undefined && (typeof actor !== 'string' || actor === '')) throw invalid('options.actor', 'Expected `options.actor` to be a non-empty string');
  if (count !== undefined && (!Number.isSafeInteger(count) || (count as number) < 1 || (count as number) > MAX_PROPOSALS))
    throw invalid('options.count', `Expected \`options.count\` to be an integer from 1 to ${String(MAX_PROPOSALS)}`);
  return {
    channel,
    actor: actor as string | undefined,
    count: (count as number | undefined) ?? 100,
    fhir: expectOptions('options', rest),
  };
}

/** The `patient` parameter of `$find` (`Patient/<id>` or the bare id) as a Patient reference. */
export function readPatientParam(value: unknown): FhirReference {
  if (typeof value !== 'string' || !/^(Patient\/)?[A-Za-z0-9\-.]{1,64}$/.test(value)) throw invalid('patient', 'Expected `patient` to be `Patient/<id>`');
  return {
    reference: value.startsWith('Patient/') ? value : `Patient/${value}`,
  };
}

/** An instant parameter: a `Date`, an ISO instant, or a date (its midnight UTC). */
function readInstant(field: string, value: unknown): number {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'string'
        ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value)
        : Number.NaN;
  if (!Number.isFinite(ms)) throw invalid(field, `Expected \`${field}\`, an instant or a date`);
  return ms;
}

/** A string parameter's values: one, repeated, or comma-separated. */
function list(field: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const given: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : [value];
  const values: string[] = [];
  for (const v of given) {
    if (typeof v !== 'string') throw invalid(field, `Expected \`${field}\` to be a string, or a list of strings`);
    values.push(...v.split(','));
  }
  if (values.some((v) => v === '')) throw invalid(field, `Expected \`${field}\` to name no empty value`);
  return values;
}

/** A token parameter's codes (`system|code` → `code`), lower-cased. */
export function tokens(field: string, value: unknown): string[] | undefined {
  return list(field, value)?.map((v) => v.slice(v.lastIndexOf('|') + 1).toLowerCase());
}

/** A reference parameter's ids (`Type/<id>` → `<id>`, decoded from a FHIR id where it is one). */
export function references(field: string, type: string, value: unknown): string[] | undefined {
  return list(field, value)?.flatMap((v) => {
    const id = v.startsWith(`${type}/`) ? v.slice(type.length + 1) : v;
    const decoded = fromFhirId(id);
    return decoded === undefined || decoded === id ? [id] : [id, decoded];
  });
}
