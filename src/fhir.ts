import { invalid, type OpdError } from './errors.js';
import { arrayItems, expectKey, isPlainObject, readFields, readObject } from './validate.js';
import { describe, parseDay, timeOf } from './time.js';
import { TOKEN_STATUSES, type Doctor, type Slot, type SlotView, type Token, type TokenStatus } from './types.js';

/**
 * Every FHIR R4 `AppointmentStatus` code (value set `http://hl7.org/fhir/appointmentstatus`).
 * Token statuses map onto some of them; see {@link FHIR_APPOINTMENT_STATUS}.
 */
export type FhirAppointmentStatus =
  | 'proposed'
  | 'pending'
  | 'booked'
  | 'arrived'
  | 'fulfilled'
  | 'cancelled'
  | 'noshow'
  | 'entered-in-error'
  | 'checked-in'
  | 'waitlist';

/**
 * Token status → FHIR `AppointmentStatus`. A patient in consultation is `checked-in`: FHIR's
 * `arrived` means still waiting, and the consultation itself is an `Encounter`. A hold awaiting
 * confirmation is `pending`.
 */
export const FHIR_APPOINTMENT_STATUS: Readonly<Record<TokenStatus, FhirAppointmentStatus>> = Object.freeze({
  BOOKED: 'booked',
  WAITLISTED: 'waitlist',
  CHECKED_IN: 'checked-in',
  IN_CONSULTATION: 'checked-in',
  COMPLETED: 'fulfilled',
  CANCELLED: 'cancelled',
  DROPPED: 'cancelled',
  NO_SHOW: 'noshow',
  HELD: 'pending',
});

/**
 * The FHIR `Appointment.status` of a token status, for exchanging appointments with other
 * systems (ABDM, HL7 FHIR servers).
 *
 * @throws OpdError `VALIDATION_FAILED` for a value that is not a token status
 *
 * @example
 * ```ts
 * toFhirAppointmentStatus('IN_CONSULTATION'); // 'checked-in'
 * ```
 */
export function toFhirAppointmentStatus(status: TokenStatus): FhirAppointmentStatus {
  if (typeof status !== 'string') throw invalid('status', `Unknown token status: expected a string, got ${describe(status)}`);
  const code = Object.hasOwn(FHIR_APPOINTMENT_STATUS, status) ? FHIR_APPOINTMENT_STATUS[status] : undefined;
  if (code === undefined) throw invalid('status', 'Unknown token status', { status: status.slice(0, 40) });
  return code;
}

// ---------------------------------------------------------------------------------------------
// Resource types (the subset of FHIR R4 these functions write)

/** A FHIR `Coding`: a code from a code system. */
export interface FhirCoding {
  /** The code system, such as `http://terminology.hl7.org/CodeSystem/v2-0276`. */
  readonly system?: string;
  /** The code. */
  readonly code?: string;
  /** A human-readable label for the code. */
  readonly display?: string;
}

/** A FHIR `CodeableConcept`: codings and/or plain text. */
export interface FhirCodeableConcept {
  /** Codes for the concept. */
  readonly coding?: readonly FhirCoding[];
  /** Plain text for the concept. */
  readonly text?: string;
}

/** A FHIR `Identifier`: a business identifier within a namespace (`system`). */
export interface FhirIdentifier {
  /** What the identifier is, in words or codes. */
  readonly type?: FhirCodeableConcept;
  /** The namespace of the value (a URI). */
  readonly system?: string;
  /** The value, unique within `system`. */
  readonly value?: string;
}

/**
 * A FHIR `Reference` to another resource: a literal `reference` (`Patient/123`, or an absolute
 * URL), a logical `identifier`, or both, with an optional `display` text.
 */
export interface FhirReference {
  /** A literal reference, such as `Patient/123`. */
  readonly reference?: string;
  /** The type of the target, such as `Patient`. */
  readonly type?: string;
  /** A logical reference by business identifier. */
  readonly identifier?: FhirIdentifier;
  /** Text shown for the reference. */
  readonly display?: string;
}

/** A FHIR `Period` with a start only: from then on. */
export interface FhirPeriod {
  /** The start of the period. */
  readonly start: string;
}

/** A participant of a FHIR `Appointment`. */
export interface FhirAppointmentParticipant {
  /** Who takes part (a `Patient` or a `Practitioner`). */
  readonly actor: FhirReference;
  /** Whether the participant must attend. */
  readonly required: 'required';
  /** The participant's own status: always `accepted` here. */
  readonly status: 'accepted';
}

/** A FHIR R4 `Appointment` resource, as {@link toFhirAppointment} writes it. */
export interface FhirAppointment {
  /** Always `Appointment`. */
  readonly resourceType: 'Appointment';
  /** The token id when it is a valid FHIR id (after escaping; see {@link toFhirId}); else omitted. */
  readonly id?: string;
  /** The token id (system `<identifierSystem>token`) and the token number shown to the patient. */
  readonly identifier: readonly FhirIdentifier[];
  /** The token's status, mapped by {@link FHIR_APPOINTMENT_STATUS}. */
  readonly status: FhirAppointmentStatus;
  /** Why the token was cancelled or dropped. */
  readonly cancelationReason?: FhirCodeableConcept;
  /** The request channel (HL7 v2 table 0276 where one fits, and the category as text). */
  readonly appointmentType: FhirCodeableConcept;
  /** The token's rank: lower is more urgent (FHIR: 0 is undefined, 1 the highest priority). */
  readonly priority?: number;
  /** When the patient is expected: the estimated start of the consultation, else the slot's start. */
  readonly start?: string;
  /** The end of the slot. */
  readonly end?: string;
  /** The slot holding the token's place (or the one it waits for). */
  readonly slot?: readonly FhirReference[];
  /** When the token was requested. */
  readonly created: string;
  /** The earliest time the patient may be given a place, for waitlisted tokens. */
  readonly requestedPeriod?: readonly FhirPeriod[];
  /** The doctor and, when the caller gives one, the patient (as a reference only). */
  readonly participant: readonly FhirAppointmentParticipant[];
}

/** A FHIR R4 `Slot` resource, as {@link toFhirSlot} writes it. */
export interface FhirSlot {
  /** Always `Slot`. */
  readonly resourceType: 'Slot';
  /** The slot id when it is a valid FHIR id (after escaping); else omitted. */
  readonly id?: string;
  /** The slot id (system `<identifierSystem>slot`). */
  readonly identifier: readonly FhirIdentifier[];
  /** The doctor's schedule. */
  readonly schedule: FhirReference;
  /** `free` with a free place, `busy` when full, `busy-unavailable` when closed. */
  readonly status: 'free' | 'busy' | 'busy-unavailable';
  /** Start of the window. */
  readonly start: string;
  /** End of the window. */
  readonly end: string;
  /** Whether elastic places beyond the capacity are in use. */
  readonly overbooked: boolean;
  /** Places, capacity, elastic places and waitlist in words; the reason for a closure. */
  readonly comment: string;
}

/** A FHIR R4 `Schedule` resource, as {@link toFhirSchedule} writes it. */
export interface FhirSchedule {
  /** Always `Schedule`. */
  readonly resourceType: 'Schedule';
  /** The doctor id when it is a valid FHIR id (after escaping); else omitted. */
  readonly id?: string;
  /** The doctor id (system `<identifierSystem>doctor`). */
  readonly identifier: readonly FhirIdentifier[];
  /** Always `true`: a doctor's schedule is in use. */
  readonly active: true;
  /** The doctor's department, as text (the service the schedule offers); omitted without one. */
  readonly serviceType?: readonly FhirCodeableConcept[];
  /** The doctor's specialization, as text. */
  readonly specialty?: readonly FhirCodeableConcept[];
  /** The doctor, as a `Practitioner` reference. */
  readonly actor: readonly FhirReference[];
  /** The doctor's name and specialization. */
  readonly comment: string;
}

/** Options of every FHIR conversion. */
export interface FhirOptions {
  /**
   * The namespace of the identifiers written (token, slot and doctor ids): `token`, `slot` or
   * `doctor` is appended (after a `/` unless it ends with `:` or `/`).
   * @defaultValue `'urn:opd-scheduler:'`
   */
  readonly identifierSystem?: string | undefined;
  /**
   * The doctor as a reference. By default `Practitioner/<doctor id>` (a logical reference by
   * identifier when the id is not a valid FHIR id).
   */
  readonly practitioner?: FhirReference | undefined;
}

/** Options of {@link toFhirSlot}. */
export interface FhirSlotOptions extends FhirOptions {
  /**
   * The instant the resource describes the slot at (usually the time now, or the scheduler's
   * `clock` when it has one): a slot that has ended by then is `busy-unavailable`, since nobody can take a
   * place in it any more. Without it the slot's status reads its places alone (a view does not
   * know the time), so a past slot with a free place is `free`.
   */
  readonly now?: Date | undefined;
}

/** Context of {@link toFhirAppointment}: what the token alone does not say. */
export interface FhirAppointmentContext extends FhirOptions {
  /**
   * The patient, as a reference into the caller's system (such as `{ reference: 'Patient/123' }`).
   * The token's own patient data is never written; without this the appointment names no patient.
   */
  readonly patient?: FhirReference | undefined;
  /**
   * The token's slot (a `Slot` or a `SlotView`, as `getSlot` returns), for the appointment's
   * start and end. FHIR requires them for every status but `proposed`, `cancelled` and
   * `waitlist` (invariant app-3), so pass it for tokens holding a place, and for a `NO_SHOW`
   * token (a `noshow` appointment) the slot it was marked a no-show in: the `slotId` of its
   * `token:no-show` event (the token itself no longer names a slot). Without it such a token is
   * refused, naming this field.
   */
  readonly slot?: Slot | SlotView | undefined;
}

// ---------------------------------------------------------------------------------------------
// Ids and references

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** The largest FHIR `unsignedInt`. */
const MAX_UNSIGNED_INT = 2_147_483_647;
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
 * toFhirId('sharma~2026-01-30~7'); // 'sharma.7e2026-01-30.7e7'
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

function systemOf(options: ReadOptions, kind: 'token' | 'slot' | 'doctor' | 'token-number'): string {
  const base = options.identifierSystem ?? DEFAULT_SYSTEM;
  return /[:/]$/.test(base) ? `${base}${kind}` : `${base}/${kind}`;
}

/**
 * The doctor's part of the token-number system: the doctor's FHIR id, else (an id whose FHIR id
 * would pass 64 characters) `~` and the id percent-encoded. `~` never starts a FHIR id, so no two
 * doctors share a system, and so no two tokens a token-number identifier.
 */
function doctorSegment(doctorId: string): string {
  return toFhirId(doctorId) ?? `~${encodeURIComponent(doctorId)}`;
}

function referenceTo(type: 'Slot' | 'Schedule' | 'Practitioner', id: string, system: string, display?: string): FhirReference {
  const fhirId = toFhirId(id);
  return {
    ...(fhirId === undefined ? {} : { reference: `${type}/${fhirId}` }),
    type,
    identifier: { system, value: id },
    ...(display === undefined ? {} : { display }),
  };
}

// ---------------------------------------------------------------------------------------------
// Input checks: plain data from the scheduler, or a clear error. Every input is read once, field
// by field, into a copy (a throwing getter or a proxy is refused naming the field), and messages
// name fields only: a reference to a patient is patient data.

/** The fields read of a token, a slot, a slot view, a doctor, a reference and an identifier. */
const TOKEN_FIELDS = ['id', 'doctorId', 'day', 'status', 'tokenNumber', 'category', 'rank', 'requestedAt', 'estimatedStart', 'notBefore', 'slotId', 'waitingForSlotId', 'cancelReason'];
const SLOT_FIELDS = ['id', 'doctorId', 'day', 'start', 'end', 'capacity', 'status', 'closedReason'];
const VIEW_FIELDS = ['slot', 'places', 'waitlist', 'free', 'overflowUsed'];
const DOCTOR_FIELDS = ['id', 'name', 'specialization', 'department'];
const REFERENCE_FIELDS = ['reference', 'type', 'identifier', 'display'];
const IDENTIFIER_FIELDS = ['type', 'system', 'value'];
const CONCEPT_FIELDS = ['coding', 'text'];
const CODING_FIELDS = ['system', 'code', 'display'];

/** At most this many places, or waiting tokens, in a slot view; at most this many codings in a concept. */
const MAX_PLACES = 1_000_000;
const MAX_CODINGS = 100;

function expectText(field: string, value: unknown): string {
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
function fhirText(text: string): string {
  return NOT_FHIR_TEXT.test(text) ? text.replace(EVERY_NOT_FHIR_TEXT, ' ') : text;
}

/** A caller's FHIR `string` (a reference, a display, an identifier's value), refused when FHIR would refuse it. */
function expectFhirText(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = expectText(field, value);
  if (NOT_FHIR_TEXT.test(text)) throw invalid(field, `Expected \`${field}\` to be FHIR text: no control characters, and no whitespace but spaces, tabs and line breaks`);
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

function expectInstant(field: string, value: unknown): string {
  const ms = timeOf(value);
  if (ms === undefined || Number.isNaN(ms)) throw invalid(field, `Expected \`${field}\` to be a valid Date`);
  return new Date(ms).toISOString();
}

function expectOptionalInstant(field: string, value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : expectInstant(field, value);
}

/** A slot id, when the token names one: `null` for none. */
function expectOptionalId(field: string, value: unknown): string | null {
  return value === null || value === undefined ? null : expectKey(field, value);
}

/** The fields of {@link FhirOptions}, and of {@link FhirAppointmentContext}. */
const OPTION_KEYS: ReadonlySet<string> = new Set(['identifierSystem', 'practitioner']);
const CONTEXT_KEYS: ReadonlySet<string> = new Set([...OPTION_KEYS, 'patient', 'slot']);
const SLOT_OPTION_KEYS: ReadonlySet<string> = new Set([...OPTION_KEYS, 'now']);

/** Options and context, checked and copied (references copied field by field). */
interface ReadOptions {
  readonly identifierSystem?: string | undefined;
  readonly practitioner?: FhirReference | undefined;
  readonly patient?: FhirReference | undefined;
  /** Read by {@link toFhirAppointment}, which knows the token it must belong to. */
  readonly slot?: unknown;
  /** Of {@link toFhirSlot}: the instant, in ms. */
  readonly now?: number | undefined;
}

function expectOptions(field: string, value: unknown, keys: ReadonlySet<string> = OPTION_KEYS): ReadOptions {
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
  if (type === undefined && system === undefined && identifierValue === undefined) throw invalid(field, `Expected \`${field}\` to have \`system\`, \`value\` or \`type\``);
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
  if (system === undefined && code === undefined && display === undefined) throw invalid(field, `Expected \`${field}\` to have \`system\`, \`code\` or \`display\``);
  return { ...(system === undefined ? {} : { system }), ...(code === undefined ? {} : { code }), ...(display === undefined ? {} : { display }) };
}

function practitionerOf(doctorId: string, options: ReadOptions, display?: string): FhirReference {
  return options.practitioner ?? referenceTo('Practitioner', doctorId, systemOf(options, 'doctor'), display);
}

// ---------------------------------------------------------------------------------------------
// Conversions

/** The Appointment statuses FHIR R4 allows without `start` and `end` (invariant app-3). */
const UNTIMED_STATUSES: ReadonlySet<FhirAppointmentStatus> = new Set<FhirAppointmentStatus>(['proposed', 'cancelled', 'waitlist']);

/** HL7 v2 table 0276 (appointment reason codes) for the built-in channels that have one. */
const V2_0276 = 'http://terminology.hl7.org/CodeSystem/v2-0276';
const APPOINTMENT_TYPES: Readonly<Record<string, FhirCoding>> = {
  EMERGENCY: { system: V2_0276, code: 'EMERGENCY', display: 'Emergency appointment' },
  WALK_IN: { system: V2_0276, code: 'WALKIN', display: 'A previously unscheduled walk-in visit' },
  FOLLOW_UP: { system: V2_0276, code: 'FOLLOWUP', display: 'A follow up visit from a previous appointment' },
  ONLINE: { system: V2_0276, code: 'ROUTINE', display: 'Routine appointment - default if not valued' },
  PAID: { system: V2_0276, code: 'ROUTINE', display: 'Routine appointment - default if not valued' },
};

/**
 * A token as a FHIR R4 `Appointment` resource (JSON), for HL7 FHIR servers and ABDM
 * integrations. The token's patient data is never written: the patient appears only as the
 * reference the caller passes in `context.patient`.
 *
 * - `status` by {@link FHIR_APPOINTMENT_STATUS}; `cancelationReason` from the cancel reason;
 * - `identifier`: the token id and the token number shown to the patient;
 * - `appointmentType`: the channel (HL7 v2 table 0276 where one fits), `priority`: the rank;
 * - `start` / `end`: the estimated start (else the slot's start) and the slot's end, when the
 *   token holds a place and `context.slot` is its slot (for a no-show, the slot's window, when
 *   `context.slot` is the slot it missed); `slot`: a reference to that slot;
 * - `participant`: the doctor (`Practitioner/<doctor id>` unless `context.practitioner` says
 *   otherwise) and the patient reference.
 *
 * @param token - a token, as the scheduler returns it
 * @param context - the patient reference, the token's slot, the identifier namespace
 * @returns a new `Appointment` resource, valid against the FHIR R4 JSON schema
 * @throws OpdError `VALIDATION_FAILED` naming the field when `token` is not a token (its `day`
 *   not a date `YYYY-MM-DD`, an id not a non-empty string of at most 200 characters), `context`
 *   has a malformed or unknown field, a field of either cannot be read (a throwing getter, a
 *   proxy), or `context.slot` is not the token's slot (for a no-show, not a slot of its doctor
 *   and day), or is missing for a token FHIR wants a time for (every status but `WAITLISTED`,
 *   `CANCELLED` and `DROPPED`: FHIR R4's invariant app-3); the message never quotes the values given
 *
 * @example
 * ```ts
 * const { token } = await opd.book({ doctorId: 'sharma', category: 'ONLINE', patient: { id: 'ABHA-1', name: 'Asha' } });
 * const appointment = toFhirAppointment(token, {
 *   patient: { reference: 'Patient/abha-1' },
 *   slot: token.slotId === null ? undefined : await opd.getSlot(token.slotId),
 * });
 * // { resourceType: 'Appointment', status: 'booked', start: '…', end: '…', participant: [ … ], … }
 * ```
 */
export function toFhirAppointment(token: Token, context?: FhirAppointmentContext): FhirAppointment {
  const t = readFields('token', token, TOKEN_FIELDS);
  const ctx = expectOptions('context', context, CONTEXT_KEYS);
  const id = expectKey('token.id', t['id']);
  const doctorId = expectKey('token.doctorId', t['doctorId']);
  const day = parseDay('token.day', t['day']);
  const status = t['status'];
  if (typeof status !== 'string' || !(TOKEN_STATUSES as readonly string[]).includes(status)) throw invalid('token.status', 'Unknown token status');
  const tokenNumber = t['tokenNumber'];
  if (!Number.isSafeInteger(tokenNumber) || (tokenNumber as number) < 1) throw invalid('token.tokenNumber', 'Expected `token.tokenNumber` to be a positive integer');
  const category = expectText('token.category', t['category']);
  const rank = t['rank'];
  const created = expectInstant('token.requestedAt', t['requestedAt']);
  const estimated = expectOptionalInstant('token.estimatedStart', t['estimatedStart']);
  const notBefore = expectOptionalInstant('token.notBefore', t['notBefore']);
  const holding = expectOptionalId('token.slotId', t['slotId']);
  let slotId = holding ?? expectOptionalId('token.waitingForSlotId', t['waitingForSlotId']);
  const cancelReason = t['cancelReason'];

  let window: { start: string; end: string } | undefined;
  if (ctx.slot !== undefined) {
    const given = readFields('context.slot', ctx.slot, [...SLOT_FIELDS, 'slot']);
    const inner = given['slot'];
    const slot = typeof inner === 'object' && inner !== null ? readFields('context.slot.slot', inner, SLOT_FIELDS) : given;
    const givenId = expectKey('context.slot.id', slot['id']);
    // A no-show gave its place up, so the token names no slot: the one it was marked in (the
    // `token:no-show` event's `slotId`) is its slot, and must be of its doctor and day.
    const missed = status === 'NO_SHOW' && slotId === null;
    if (missed ? slot['doctorId'] !== doctorId || slot['day'] !== day : givenId !== slotId) {
      throw invalid('context.slot', missed ? "Expected `context.slot` to be a slot of the token's doctor and day" : "Expected `context.slot` to be the token's slot", { slotId: givenId, tokenId: id });
    }
    const start = expectInstant('context.slot.start', slot['start']);
    const end = expectInstant('context.slot.end', slot['end']);
    // Only a token holding (or, a no-show, having held) a place has a time; a waitlisted one only a wish.
    if (missed) {
      slotId = givenId;
      window = { start, end };
    } else if (t['slotId'] !== null) window = { start: estimated !== undefined && estimated >= start && estimated < end ? estimated : start, end };
  }

  const fhirId = toFhirId(id);
  const fhirStatus = toFhirAppointmentStatus(status as TokenStatus);
  // FHIR R4's invariant app-3: only a proposed, cancelled or waitlisted appointment may lack its
  // time, and the time is the slot's: without it the resource would not be a valid Appointment.
  if (window === undefined && !UNTIMED_STATUSES.has(fhirStatus)) {
    throw invalid(
      'context.slot',
      status === 'NO_SHOW'
        ? "Expected `context.slot` for a no-show: a noshow Appointment needs the start and end of the slot it missed (its `token:no-show` event's `slotId`)"
        : `Expected \`context.slot\` to be the token's slot: a ${fhirStatus} Appointment needs a start and an end`,
      { tokenId: id },
    );
  }
  const typeCoding = APPOINTMENT_TYPES[category];
  const participant: FhirAppointmentParticipant[] = [{ actor: practitionerOf(doctorId, ctx), required: 'required', status: 'accepted' }];
  if (ctx.patient !== undefined) participant.unshift({ actor: ctx.patient, required: 'required', status: 'accepted' });
  const reason =
    fhirStatus !== 'cancelled' ? undefined : status === 'DROPPED' ? 'Displaced with no place left that day' : typeof cancelReason === 'string' && cancelReason !== '' ? cancelReason : undefined;

  return {
    resourceType: 'Appointment',
    ...(fhirId === undefined ? {} : { id: fhirId }),
    identifier: [
      { system: systemOf(ctx, 'token'), value: id },
      { type: { text: 'Token number' }, system: `${systemOf(ctx, 'token-number')}/${doctorSegment(doctorId)}/${day}`, value: String(tokenNumber) },
    ],
    status: fhirStatus,
    ...(reason === undefined ? {} : { cancelationReason: { text: fhirText(reason) } }),
    appointmentType: { ...(typeCoding === undefined ? {} : { coding: [typeCoding] }), text: fhirText(category) },
    // FHIR's `unsignedInt`: 0 to 2,147,483,647; a rank outside it is left out.
    ...(Number.isSafeInteger(rank) && (rank as number) >= 0 && (rank as number) <= MAX_UNSIGNED_INT ? { priority: rank as number } : {}),
    ...(window === undefined ? {} : window),
    ...(slotId === null ? {} : { slot: [referenceTo('Slot', slotId, systemOf(ctx, 'slot'))] }),
    created,
    ...(fhirStatus === 'waitlist' && notBefore !== undefined ? { requestedPeriod: [{ start: notBefore }] } : {}),
    participant,
  };
}

/**
 * A slot as a FHIR R4 `Slot` resource (JSON): its window, `free` while it has a free place,
 * `busy` when full, `busy-unavailable` when closed (or, given `options.now`, ended),
 * `overbooked` while elastic places are in use, and a reference to the doctor's `Schedule` (see
 * {@link toFhirSchedule}).
 *
 * @param slotView - a slot view, as `getSlot` returns it (or a `SlotView` of `getSchedule`)
 * @param options - the identifier namespace, and the instant the slot is described at
 * @returns a new `Slot` resource, valid against the FHIR R4 JSON schema
 * @throws OpdError `VALIDATION_FAILED` naming the field when `slotView` is not a slot view,
 *   `options` has a malformed or unknown field, or a field of either cannot be read
 *
 * @example
 * ```ts
 * const day = await opd.getSchedule('sharma', '2026-01-30');
 * // One Slot resource per slot; those that have ended by now are busy-unavailable.
 * const bundle = day.slots.map((view) => toFhirSlot(view, { now: new Date() }));
 * ```
 */
export function toFhirSlot(slotView: SlotView, options?: FhirSlotOptions): FhirSlot {
  const view = readFields('slotView', slotView, VIEW_FIELDS);
  const ctx = expectOptions('options', options, SLOT_OPTION_KEYS);
  const slot = readFields('slotView.slot', view['slot'], SLOT_FIELDS);
  const id = expectKey('slotView.slot.id', slot['id']);
  const doctorId = expectKey('slotView.slot.doctorId', slot['doctorId']);
  const start = expectInstant('slotView.slot.start', slot['start']);
  const end = expectInstant('slotView.slot.end', slot['end']);
  const tooMany = (): string => `Expected at most ${MAX_PLACES} places and waiting tokens in \`slotView\``;
  const places = arrayItems('slotView.places', view['places'], MAX_PLACES, tooMany);
  const waitlist = arrayItems('slotView.waitlist', view['waitlist'], MAX_PLACES, tooMany);
  if (places === undefined || waitlist === undefined) throw invalid('slotView.places', 'Expected `slotView.places` and `slotView.waitlist` to be arrays');
  const free = view['free'];
  const overflowUsed = view['overflowUsed'];
  const capacity = slot['capacity'];
  if (![free, overflowUsed, capacity].every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) {
    throw invalid('slotView.free', 'Expected `free`, `overflowUsed` and `slot.capacity` to be non-negative integers');
  }
  const closed = slot['status'] === 'CLOSED';
  const ended = ctx.now !== undefined && Date.parse(end) <= ctx.now;
  const fhirId = toFhirId(id);
  const reason = slot['closedReason'];
  const comment = [
    `${places.length} of ${String(capacity)} places taken`,
    (overflowUsed as number) > 0 ? `${String(overflowUsed)} elastic` : undefined,
    waitlist.length > 0 ? `${waitlist.length} waiting` : undefined,
    closed ? `closed${typeof reason === 'string' && reason !== '' ? `: ${fhirText(reason)}` : ''}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join('; ');
  return {
    resourceType: 'Slot',
    ...(fhirId === undefined ? {} : { id: fhirId }),
    identifier: [{ system: systemOf(ctx, 'slot'), value: id }],
    schedule: referenceTo('Schedule', doctorId, systemOf(ctx, 'doctor')),
    status: closed || ended ? 'busy-unavailable' : (free as number) > 0 ? 'free' : 'busy',
    start,
    end,
    overbooked: (overflowUsed as number) > 0,
    comment,
  };
}

/**
 * A doctor as a FHIR R4 `Schedule` resource (JSON): the container of the doctor's slots, with
 * the doctor as its actor, the department as its service type and the specialization as its
 * specialty. Its id is the doctor's (see
 * {@link toFhirId}), the one {@link toFhirSlot} refers to.
 *
 * @param doctor - a doctor, as `addDoctor` or `listDoctors` returns it
 * @param options - the identifier namespace, the practitioner reference
 * @returns a new `Schedule` resource, valid against the FHIR R4 JSON schema
 * @throws OpdError `VALIDATION_FAILED` naming the field when `doctor` is not a doctor,
 *   `options` has a malformed or unknown field, or a field of either cannot be read
 *
 * @example
 * ```ts
 * const doctor = await opd.addDoctor({ id: 'sharma', name: 'Dr. Sharma', specialization: 'Cardiology' });
 * toFhirSchedule(doctor); // { resourceType: 'Schedule', id: 'sharma', active: true, actor: [{ reference: 'Practitioner/sharma', … }], … }
 * ```
 */
export function toFhirSchedule(doctor: Doctor, options?: FhirOptions): FhirSchedule {
  const d = readFields('doctor', doctor, DOCTOR_FIELDS);
  const ctx = expectOptions('options', options);
  const id = expectKey('doctor.id', d['id']);
  const name = fhirText(expectText('doctor.name', d['name']));
  const specialization = d['specialization'];
  if (specialization !== null && specialization !== undefined && typeof specialization !== 'string') {
    throw invalid('doctor.specialization', 'Expected `doctor.specialization` to be a string or null');
  }
  const department = d['department'];
  if (department !== null && department !== undefined && typeof department !== 'string') {
    throw invalid('doctor.department', 'Expected `doctor.department` to be a string or null');
  }
  const fhirId = toFhirId(id);
  const specialty = typeof specialization === 'string' && specialization !== '' ? fhirText(specialization) : undefined;
  return {
    resourceType: 'Schedule',
    ...(fhirId === undefined ? {} : { id: fhirId }),
    identifier: [{ system: systemOf(ctx, 'doctor'), value: id }],
    active: true,
    ...(typeof department === 'string' && department !== '' ? { serviceType: [{ text: fhirText(department) }] } : {}),
    ...(specialty === undefined ? {} : { specialty: [{ text: specialty }] }),
    actor: [practitionerOf(id, ctx, name)],
    comment: specialty === undefined ? `OPD schedule of ${name}` : `OPD schedule of ${name} (${specialty})`,
  };
}
