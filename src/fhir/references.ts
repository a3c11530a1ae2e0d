// Ids and references: how a scheduler id becomes a FHIR id, an identifier system or a reference.
import { invalid } from '../errors.js';
import { describe } from '../time.js';
import type { ReadOptions } from './read.js';
import type { FhirMeta, FhirReference } from './resources.js';
import { DEFAULT_FACILITY_ID } from '../facility.js';
import { isId } from '../validate.js';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const DEFAULT_SYSTEM = 'urn:opd-scheduler:';

/**
 * The FHIR resource id of a scheduler id: letters, digits and `-` stay, every other character
 * becomes `.` and two hex digits (`~` → `.7e`, `.` → `.2e`), so that different ids never share a
 * FHIR id. `undefined` when the result would be longer than FHIR's 64 characters (or the id has
 * characters beyond Latin-1); resources then carry the id as an identifier only.
 *
 * @param id - a doctor, slot or token id
 * @returns a valid FHIR id, or `undefined`
 * @throws OpdError `VALIDATION_FAILED` (`details.field`: `id`) when `id` is not a string
 *
 * @example
 * ```ts
 * import { toFhirId } from 'opd-scheduler';
 *
 * toFhirId('dr_rao@opd~7'); // 'dr.5frao.40opd.7e7'
 * ```
 */
export function toFhirId(id: string): string | undefined {
  if (typeof id !== 'string') throw invalid('id', `Expected \`id\` to be a string, got ${describe(id)}`);
  let out = '';
  for (const char of id) {
    const code = char.codePointAt(0)!;
    if (/[A-Za-z0-9-]/.test(char)) out += char;
    else if (code < 256) out += `.${code.toString(16).padStart(2, '0')}`;
    else return undefined;
    if (out.length > 64) return undefined;
  }
  return FHIR_ID.test(out) ? out : undefined;
}

/**
 * The `meta` of a resource of a record of facility `facilityId` (the record's `facilityId`;
 * `'default'` for a record made before facilities existed): the facility as a tag (R4 allows
 * `Meta.tag` on every resource, and a tag, unlike an identifier, names no business id).
 *
 * @throws OpdError `VALIDATION_FAILED` naming `field` for a facility id that is not an id
 */
export function facilityMeta(options: ReadOptions, field: string, facilityId: unknown): { readonly meta: FhirMeta } {
  const id = facilityId ?? DEFAULT_FACILITY_ID;
  if (typeof id !== 'string' || !isId(id)) throw invalid(field, `Expected \`${field}\` to be a facility id`);
  return { meta: { tag: [{ system: systemOf(options, 'facility'), code: id }] } };
}

/** The identifier system of a kind of id, under the caller's namespace (`identifierSystem`). */
export function systemOf(
  options: ReadOptions,
  kind:
    | 'token'
    | 'slot'
    | 'doctor'
    | 'token-number'
    | 'offer'
    | 'facility'
    | 'department'
    | 'channel'
    | 'error'
    | 'follow-up'
    | 'series'
    | 'system-of-medicine'
    | 'opd',
): string {
  const base = options.identifierSystem ?? DEFAULT_SYSTEM;
  return /[:/]$/.test(base) ? `${base}${kind}` : `${base}/${kind}`;
}

/**
 * The doctor's part of the token-number system: the doctor's FHIR id, else (an id whose FHIR id
 * would pass 64 characters) `~` and the id percent-encoded. `~` never starts a FHIR id, so no two
 * doctors share a system, and so no two tokens a token-number identifier.
 */
export function doctorSegment(doctorId: string): string {
  return toFhirId(doctorId) ?? `~${encodeURIComponent(doctorId)}`;
}

/** A reference to a resource of the scheduler: literal when the id is a valid FHIR id, always by identifier. */
export function referenceTo(type: 'Slot' | 'Schedule' | 'Practitioner', id: string, system: string, display?: string): FhirReference {
  const fhirId = toFhirId(id);
  return {
    ...(fhirId === undefined ? {} : { reference: `${type}/${fhirId}` }),
    type,
    identifier: { system, value: id },
    ...(display === undefined ? {} : { display }),
  };
}

/** The doctor as a participant or actor: the caller's `practitioner`, else a reference by the doctor's id. */
export function practitionerOf(doctorId: string, options: ReadOptions, display?: string): FhirReference {
  return options.practitioner ?? referenceTo('Practitioner', doctorId, systemOf(options, 'doctor'), display);
}

/**
 * The scheduler id of a FHIR id written by {@link toFhirId} (`.` and two hex digits back to the
 * character); `undefined` when it is not one.
 */
export function fromFhirId(fhirId: string): string | undefined {
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(fhirId)) return undefined;
  let out = '';
  for (let i = 0; i < fhirId.length; i++) {
    const char = fhirId[i]!;
    if (char !== '.') {
      out += char;
      continue;
    }
    const hex = fhirId.slice(i + 1, i + 3);
    if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
    out += String.fromCharCode(Number.parseInt(hex, 16));
    i += 2;
  }
  return toFhirId(out) === fhirId ? out : undefined;
}
