// Input checks: plain data from the scheduler, or a clear error. Every input is read once, field
// by field, into a copy (a throwing getter or a proxy is refused naming the field), and messages
// name fields only: a reference to a patient is patient data.
import { invalid, type OpdError } from '../errors.js';
import { timeOf } from '../time.js';
import { arrayItems, isPlainObject, expectKey, readFields, readObject } from '../validate.js';
import type { FhirAppointmentContext, FhirCodeableConcept, FhirCoding, FhirIdentifier, FhirOptions, FhirReference } from './resources.js';
import type { toFhirAppointment } from './appointment.js';
import type { toFhirSlot } from './slot.js';

/** The fields read of a token, a slot, a slot view, a doctor, a reference and an identifier. */
export const TOKEN_FIELDS = [
  'id',
  'facilityId',
  'doctorId',
  'day',
  'status',
  'tokenNumber',
  'category',
  'rank',
  'requestedAt',
  'estimatedStart',
  'notBefore',
  'slotId',
  'waitingForSlotId',
  'cancelReason',
  'followUpId',
  'seriesId',
  'occurrence',
];
export const SLOT_FIELDS = ['id', 'facilityId', 'doctorId', 'day', 'start', 'end', 'capacity', 'status', 'closedReason'];
export const VIEW_FIELDS = ['slot', 'places', 'waitlist', 'free', 'overflowUsed', 'claimed'];
export const DOCTOR_FIELDS = ['id', 'facilityId', 'name', 'specialization', 'department', 'retiredFrom'];
const REFERENCE_FIELDS = ['reference', 'type', 'identifier', 'display'];
const IDENTIFIER_FIELDS = ['type', 'system', 'value'];
const CONCEPT_FIELDS = ['coding', 'text'];
const CODING_FIELDS = ['system', 'code', 'display'];

/** At most this many places, or waiting tokens, in a slot view; at most this many codings in a concept. */
export const MAX_PLACES = 1_000_000;
const MAX_CODINGS = 100;

export function expectText(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalid(field, `Expected \`${field}\` to be a non-empty string`);
  return value;
}

/**
 * What a FHIR `string` may hold, as the R4 JSON schema writes it (`^[ \r\n\t\S]+$`): no
 * whitespace but spaces, tabs and line breaks — not a no-break space, a line separator, a vertical
 * tab. Nor, as FHIR asks, other control characters.
 */
const NOT_FHIR_TEXT = /[^ \r\n\t\S]|[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/;
/** {@link NOT_FHIR_TEXT}, every one (for `replace`). */
const EVERY_NOT_FHIR_TEXT = new RegExp(NOT_FHIR_TEXT.source, 'g');

/**
 * The scheduler's text (a name, a reason, a category) as a FHIR `string`: each character it may
 * not hold (see {@link NOT_FHIR_TEXT}) becomes a space. Text the scheduler keeps is written, not
 * refused.
 */
export function fhirText(text: string): string {
  return NOT_FHIR_TEXT.test(text) ? text.replace(EVERY_NOT_FHIR_TEXT, ' ') : text;
}

/** A caller's FHIR `string` (a reference, a display, an identifier's value), refused when FHIR would refuse it. */
function expectFhirText(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = expectText(field, value);
  if (NOT_FHIR_TEXT.test(text))
    throw invalid(field, `Expected \`${field}\` to be FHIR text: no control characters, and no whitespace but spaces, tabs and line breaks`);
  return text;
}

/** A caller's FHIR `code`: words of non-whitespace, one space between two. */
function expectCode(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[^\s]+( [^\s]+)*$/.test(value) || NOT_FHIR_TEXT.test(value)) {
    throw invalid(field, `Expected \`${field}\` to be a FHIR code: words without whitespace, one space between two`);
  }
  return value;
}

/** A URI (an identifier's namespace): a string without spaces. */
function expectUri(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^\S+$/.test(value)) throw invalid(field, `Expected \`${field}\` to be a URI without spaces`);
  return value;
}

export function expectInstant(field: string, value: unknown): string {
  const ms = timeOf(value);
  if (ms === undefined || Number.isNaN(ms)) throw invalid(field, `Expected \`${field}\` to be a valid Date`);
  return new Date(ms).toISOString();
}

export function expectOptionalInstant(field: string, value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : expectInstant(field, value);
}

/** A slot id, when the token names one: `null` for none. */
export function expectOptionalId(field: string, value: unknown): string | null {
  return value === null || value === undefined ? null : expectKey(field, value);
}

/** The fields of {@link FhirOptions}, and of {@link FhirAppointmentContext}. */
const OPTION_KEYS: ReadonlySet<string> = new Set(['identifierSystem', 'practitioner']);
export const CONTEXT_KEYS: ReadonlySet<string> = new Set([...OPTION_KEYS, 'patient', 'slot']);
export const SLOT_OPTION_KEYS: ReadonlySet<string> = new Set([...OPTION_KEYS, 'now']);

/** Options and context, checked and copied (references copied field by field). */
export interface ReadOptions {
  readonly identifierSystem?: string | undefined;
  readonly practitioner?: FhirReference | undefined;
  readonly patient?: FhirReference | undefined;
  /** Read by {@link toFhirAppointment}, which knows the token it must belong to. */
  readonly slot?: unknown;
  /** Of {@link toFhirSlot}: the instant, in ms. */
  readonly now?: number | undefined;
}

export function expectOptions(field: string, value: unknown, keys: ReadonlySet<string> = OPTION_KEYS): ReadOptions {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw invalid(field, `Expected \`${field}\` to be an object`);
  // A typo (`identifiersystem`) must not be silently ignored.
  const o = readObject(field, value, keys);
  const system = o['identifierSystem'];
  return {
    identifierSystem: system === undefined ? undefined : expectUri(`${field}.identifierSystem`, system),
    practitioner: o['practitioner'] === undefined ? undefined : readReference(`${field}.practitioner`, o['practitioner']),
    patient: o['patient'] === undefined ? undefined : readReference(`${field}.patient`, o['patient']),
    slot: o['slot'],
    now: o['now'] === undefined ? undefined : Date.parse(expectInstant(`${field}.now`, o['now'])),
  };
}

/** A copy of a caller's FHIR Reference: its public fields only (never other fields), each checked. */
function readReference(field: string, value: unknown): FhirReference {
  if (!isPlainObject(value)) throw notAReference(field);
  const r = readFields(field, value, REFERENCE_FIELDS);
  if (r['reference'] === undefined && r['identifier'] === undefined) throw notAReference(field);
  const reference = expectFhirText(`${field}.reference`, r['reference']);
  const type = r['type'] === undefined ? undefined : expectUri(`${field}.type`, r['type']);
  const display = expectFhirText(`${field}.display`, r['display']);
  const identifier = r['identifier'] === undefined ? undefined : readIdentifier(`${field}.identifier`, r['identifier']);
  return {
    ...(reference === undefined ? {} : { reference }),
    ...(type === undefined ? {} : { type }),
    ...(identifier === undefined ? {} : { identifier }),
    ...(display === undefined ? {} : { display }),
  };
}

function notAReference(field: string): OpdError {
  return invalid(field, `Expected \`${field}\` to be a FHIR Reference with \`reference\` or \`identifier\``);
}

function readIdentifier(field: string, value: unknown): FhirIdentifier {
  if (!isPlainObject(value)) throw invalid(field, `Expected \`${field}\` to be a FHIR Identifier`);
  const r = readFields(field, value, IDENTIFIER_FIELDS);
  const type = r['type'] === undefined ? undefined : readConcept(`${field}.type`, r['type']);
  const system = r['system'] === undefined ? undefined : expectUri(`${field}.system`, r['system']);
  const identifierValue = expectFhirText(`${field}.value`, r['value']);
  if (type === undefined && system === undefined && identifierValue === undefined)
    throw invalid(field, `Expected \`${field}\` to have \`system\`, \`value\` or \`type\``);
  return {
    ...(type === undefined ? {} : { type }),
    ...(system === undefined ? {} : { system }),
    ...(identifierValue === undefined ? {} : { value: identifierValue }),
  };
}

function readConcept(field: string, value: unknown): FhirCodeableConcept {
  if (!isPlainObject(value)) throw invalid(field, `Expected \`${field}\` to be a FHIR CodeableConcept`);
  const r = readFields(field, value, CONCEPT_FIELDS);
  const text = expectFhirText(`${field}.text`, r['text']);
  let coding: FhirCoding[] | undefined;
  if (r['coding'] !== undefined) {
    const items = arrayItems(`${field}.coding`, r['coding'], MAX_CODINGS, () => `Expected \`${field}.coding\` to have at most ${MAX_CODINGS} codings`);
    if (items === undefined || items.length === 0) throw invalid(`${field}.coding`, `Expected \`${field}.coding\` to be a non-empty array of codings`);
    coding = items.map((item, i) => readCoding(`${field}.coding[${i}]`, item));
  }
  if (coding === undefined && text === undefined) throw invalid(field, `Expected \`${field}\` to have \`coding\` or \`text\``);
  return { ...(coding === undefined ? {} : { coding }), ...(text === undefined ? {} : { text }) };
}

function readCoding(field: string, value: unknown): FhirCoding {
  if (!isPlainObject(value)) throw invalid(field, `Expected \`${field}\` to be a FHIR Coding`);
  const r = readFields(field, value, CODING_FIELDS);
  const system = r['system'] === undefined ? undefined : expectUri(`${field}.system`, r['system']);
  const code = expectCode(`${field}.code`, r['code']);
  const display = expectFhirText(`${field}.display`, r['display']);
  if (system === undefined && code === undefined && display === undefined)
    throw invalid(field, `Expected \`${field}\` to have \`system\`, \`code\` or \`display\``);
  return { ...(system === undefined ? {} : { system }), ...(code === undefined ? {} : { code }), ...(display === undefined ? {} : { display }) };
}
