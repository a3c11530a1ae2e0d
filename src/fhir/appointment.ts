import { visitOfFollowUp } from '../core/followups.js';
import { invalid } from '../errors.js';
import { parseDay } from '../time.js';
import { TOKEN_STATUSES, type Token, type TokenStatus } from '../types.js';
import { expectKey, readFields } from '../validate.js';
import {
  CONTEXT_KEYS,
  type ReadOptions,
  SLOT_FIELDS,
  TOKEN_FIELDS,
  expectInstant,
  expectOptionalId,
  expectOptionalInstant,
  expectOptions,
  expectText,
  fhirText,
} from './read.js';
import { doctorSegment, facilityMeta, practitionerOf, referenceTo, systemOf, toFhirId } from './references.js';
import type { FhirAppointment, FhirAppointmentContext, FhirAppointmentParticipant, FhirCoding, FhirIdentifier, FhirReference } from './resources.js';
import { type FhirAppointmentStatus, type FHIR_APPOINTMENT_STATUS, toFhirAppointmentStatus } from './status.js';

/** The largest FHIR `unsignedInt`. */
const MAX_UNSIGNED_INT = 2_147_483_647;

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
 *   otherwise) and the patient reference;
 * - `basedOn`, for a token booked by a follow-up (`token.followUpId`) or an occurrence of a series
 *   (`token.seriesId`): the order it fulfils, a `ServiceRequest` named by identifier (system
 *   `<identifierSystem>follow-up` with the follow-up id, or `<identifierSystem>series` with the
 *   series id). FHIR R4's `Appointment.basedOn` may only name a CarePlan, DeviceRequest,
 *   MedicationRequest or ServiceRequest, never the earlier Appointment: "come back in a week" is
 *   the doctor's order for a visit, a ServiceRequest; a series, a repeated one. The visit a
 *   follow-up follows is named in `supportingInformation` (a reference to its Appointment, by the
 *   token id); an occurrence also carries its number in the series as an identifier (system
 *   `<identifierSystem>series/<series id>`, the occurrence as its value).
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
 * import { OpdScheduler, toFhirAppointment } from 'opd-scheduler';
 *
 * declare const opd: OpdScheduler; // with doctor `sharma` and a slot
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
  if (!Number.isSafeInteger(tokenNumber) || (tokenNumber as number) < 1)
    throw invalid('token.tokenNumber', 'Expected `token.tokenNumber` to be a positive integer');
  const category = expectText('token.category', t['category']);
  const rank = t['rank'];
  const created = expectInstant('token.requestedAt', t['requestedAt']);
  const estimated = expectOptionalInstant('token.estimatedStart', t['estimatedStart']);
  const notBefore = expectOptionalInstant('token.notBefore', t['notBefore']);
  const holding = expectOptionalId('token.slotId', t['slotId']);
  let slotId = holding ?? expectOptionalId('token.waitingForSlotId', t['waitingForSlotId']);
  const cancelReason = t['cancelReason'];
  const revisit = revisitOf(t, ctx);

  let window: { start: string; end: string } | undefined;
  const slot = contextSlot(ctx);
  if (slot !== undefined) {
    const givenId = expectKey('context.slot.id', slot['id']);
    // A no-show gave its place up, so the token names no slot: the one it was marked in (the
    // `token:no-show` event's `slotId`) is its slot, and must be of its doctor and day.
    const missed = status === 'NO_SHOW' && slotId === null;
    if (missed ? slot['doctorId'] !== doctorId || slot['day'] !== day : givenId !== slotId) {
      throw invalid(
        'context.slot',
        missed ? "Expected `context.slot` to be a slot of the token's doctor and day" : "Expected `context.slot` to be the token's slot",
        { slotId: givenId, tokenId: id },
      );
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
  const reason =
    fhirStatus !== 'cancelled'
      ? undefined
      : status === 'DROPPED'
        ? 'Displaced with no place left that day'
        : typeof cancelReason === 'string' && cancelReason !== ''
          ? cancelReason
          : undefined;

  return {
    resourceType: 'Appointment',
    ...(fhirId === undefined ? {} : { id: fhirId }),
    ...facilityMeta(ctx, 'token.facilityId', t['facilityId']),
    identifier: [
      { system: systemOf(ctx, 'token'), value: id },
      { type: { text: 'Token number' }, system: `${systemOf(ctx, 'token-number')}/${doctorSegment(doctorId)}/${day}`, value: String(tokenNumber) },
      ...revisit.identifier,
    ],
    status: fhirStatus,
    ...(reason === undefined ? {} : { cancelationReason: { text: fhirText(reason) } }),
    ...channelAndRank(category, rank),
    ...(revisit.basedOn.length === 0 ? {} : { basedOn: revisit.basedOn }),
    ...(window === undefined ? {} : window),
    ...(slotId === null ? {} : { slot: [referenceTo('Slot', slotId, systemOf(ctx, 'slot'))] }),
    created,
    ...(revisit.supportingInformation.length === 0 ? {} : { supportingInformation: revisit.supportingInformation }),
    ...(fhirStatus === 'waitlist' && notBefore !== undefined ? { requestedPeriod: [{ start: notBefore }] } : {}),
    participant: participants(doctorId, ctx, 'accepted'),
  };
}

/**
 * A token's open offer of a freed place (see `StagedOffers`) as a FHIR R4 `Appointment` with the
 * status `proposed`: the place offered, which the patient has still to accept. The token's own
 * appointment ({@link toFhirAppointment}) stays as it is until the patient accepts; then the
 * token is `booked` in the offered slot and the proposal is gone (`getToken` shows no offer).
 *
 * - `id` and the first `identifier`: the offer id (system `<identifierSystem>offer`); the second
 *   identifier: the token id it was made to;
 * - `slot`: the slot offered; `start` / `end`: its window, when `context.slot` is that slot;
 * - `comment`: until when it may be accepted;
 * - `participant`: the doctor (`accepted`) and, when the caller gives one, the patient reference
 *   with `needs-action`: the answer awaited;
 * - `appointmentType`, `priority` and `created` as the token's ({@link toFhirAppointment}).
 *
 * @param token - a token with an open offer (`token.offer`), as `getToken` returns it
 * @param context - the patient reference, the offered slot, the identifier namespace
 * @returns a new `Appointment` resource, valid against the FHIR R4 JSON schema
 * @throws OpdError `VALIDATION_FAILED` naming the field when `token` is not a token or has no open
 *   offer (`token.offer`), `context` has a malformed or unknown field, or `context.slot` is not
 *   the slot offered; the message never quotes the values given
 *
 * @example
 * ```ts
 * import { OpdScheduler, toFhirOffer } from 'opd-scheduler';
 *
 * declare const opd: OpdScheduler; // with `offers`
 * opd.on('token:offered', async ({ tokenId, slotId }) => {
 *   const token = await opd.getToken(tokenId);
 *   const proposal = toFhirOffer(token, { patient: { reference: 'Patient/abha-1' }, slot: await opd.getSlot(slotId) });
 *   // { resourceType: 'Appointment', status: 'proposed', slot: [ … ], comment: 'Offered until …', … }
 * });
 * ```
 */
export function toFhirOffer(token: Token, context?: FhirAppointmentContext): FhirAppointment {
  const t = readFields('token', token, [...TOKEN_FIELDS, 'offer']);
  const ctx = expectOptions('context', context, CONTEXT_KEYS);
  const id = expectKey('token.id', t['id']);
  const doctorId = expectKey('token.doctorId', t['doctorId']);
  if (t['offer'] === null || t['offer'] === undefined) throw invalid('token.offer', 'Expected a token with an open offer (`token.offer`)', { tokenId: id });
  const offer = readFields('token.offer', t['offer'], OFFER_FIELDS);
  const offerId = expectKey('token.offer.offerId', offer['offerId']);
  const slotId = expectKey('token.offer.slotId', offer['slotId']);
  const expiresAt = expectInstant('token.offer.expiresAt', offer['expiresAt']);
  const category = expectText('token.category', t['category']);
  const created = expectInstant('token.requestedAt', t['requestedAt']);
  let window: { start: string; end: string } | undefined;
  const slot = contextSlot(ctx);
  if (slot !== undefined) {
    const givenId = expectKey('context.slot.id', slot['id']);
    if (givenId !== slotId) throw invalid('context.slot', 'Expected `context.slot` to be the slot offered', { slotId: givenId, tokenId: id });
    window = { start: expectInstant('context.slot.start', slot['start']), end: expectInstant('context.slot.end', slot['end']) };
  }
  const fhirId = toFhirId(offerId);
  return {
    resourceType: 'Appointment',
    ...(fhirId === undefined ? {} : { id: fhirId }),
    ...facilityMeta(ctx, 'token.facilityId', t['facilityId']),
    identifier: [
      { system: systemOf(ctx, 'offer'), value: offerId },
      { type: { text: 'Token' }, system: systemOf(ctx, 'token'), value: id },
    ],
    status: 'proposed',
    ...channelAndRank(category, t['rank']),
    ...(window === undefined ? {} : window),
    slot: [referenceTo('Slot', slotId, systemOf(ctx, 'slot'))],
    created,
    comment: `Offered until ${expiresAt}: the first patient offered it to accept takes the place`,
    participant: participants(doctorId, ctx, 'needs-action'),
  };
}

/** The fields of `context.slot`: a slot, or a slot view (`getSlot`'s answer) whose `slot` is read. */
function contextSlot(ctx: ReadOptions): Record<string, unknown> | undefined {
  if (ctx.slot === undefined) return undefined;
  const given = readFields('context.slot', ctx.slot, [...SLOT_FIELDS, 'slot']);
  const inner = given['slot'];
  return typeof inner === 'object' && inner !== null ? readFields('context.slot.slot', inner, SLOT_FIELDS) : given;
}

/** What brings a token's patient back, in FHIR: the orders it fulfils, the visit it follows, its occurrence of a series. */
interface RevisitParts {
  readonly basedOn: FhirReference[];
  readonly supportingInformation: FhirReference[];
  readonly identifier: FhirIdentifier[];
}

/**
 * A follow-up's token (`followUpId`) fulfils the follow-up, a ServiceRequest by identifier, and
 * follows the visit whose token id is the follow-up id without its `~f`; an occurrence of a series
 * fulfils the series (a ServiceRequest by identifier) and is its `occurrence`-th visit.
 */
function revisitOf(t: Record<string, unknown>, ctx: ReadOptions): RevisitParts {
  const parts: RevisitParts = { basedOn: [], supportingInformation: [], identifier: [] };
  const followUpId = expectOptionalId('token.followUpId', t['followUpId']);
  if (followUpId !== null) {
    parts.basedOn.push({ type: 'ServiceRequest', identifier: { system: systemOf(ctx, 'follow-up'), value: followUpId }, display: 'Follow-up' });
    const visit = visitOfFollowUp(followUpId);
    if (visit !== undefined) {
      const fhirId = toFhirId(visit);
      parts.supportingInformation.push({
        ...(fhirId === undefined ? {} : { reference: `Appointment/${fhirId}` }),
        type: 'Appointment',
        identifier: { system: systemOf(ctx, 'token'), value: visit },
        display: 'The visit it follows',
      });
    }
  }
  const seriesId = expectOptionalId('token.seriesId', t['seriesId']);
  if (seriesId !== null) {
    parts.basedOn.push({ type: 'ServiceRequest', identifier: { system: systemOf(ctx, 'series'), value: seriesId }, display: 'Series of visits' });
    const occurrence = t['occurrence'];
    if (!Number.isSafeInteger(occurrence) || (occurrence as number) < 1)
      throw invalid('token.occurrence', 'Expected `token.occurrence` to be a positive integer for an occurrence of a series');
    parts.identifier.push({
      type: { text: 'Occurrence in the series' },
      system: `${systemOf(ctx, 'series')}/${encodeURIComponent(seriesId)}`,
      value: String(occurrence),
    });
  }
  return parts;
}

/** The fields of a token's open offer. */
const OFFER_FIELDS = ['offerId', 'slotId', 'expiresAt'];

/** `appointmentType` from the channel (HL7 v2 table 0276 where one fits) and `priority` from the rank. */
function channelAndRank(category: string, rank: unknown): Pick<FhirAppointment, 'appointmentType' | 'priority'> {
  const typeCoding = APPOINTMENT_TYPES[category];
  return {
    appointmentType: { ...(typeCoding === undefined ? {} : { coding: [typeCoding] }), text: fhirText(category) },
    // FHIR's `unsignedInt`: 0 to 2,147,483,647; a rank outside it is left out.
    ...(Number.isSafeInteger(rank) && (rank as number) >= 0 && (rank as number) <= MAX_UNSIGNED_INT ? { priority: rank as number } : {}),
  };
}

/** The doctor (who has accepted) and, when the caller gives a reference, the patient first, with `patient`'s status. */
function participants(doctorId: string, ctx: ReadOptions, patient: FhirAppointmentParticipant['status']): FhirAppointmentParticipant[] {
  const list: FhirAppointmentParticipant[] = [{ actor: practitionerOf(doctorId, ctx), required: 'required', status: 'accepted' }];
  if (ctx.patient !== undefined) list.unshift({ actor: ctx.patient, required: 'required', status: patient });
  return list;
}
