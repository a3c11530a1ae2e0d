/**
 * IHE ITI Scheduling over the scheduler: `Appointment/$find` (ITI-115), `$hold` (ITI-116),
 * `$book` (ITI-117) and a cancel. Each answers from the scheduler's own rules: `$find` proposes
 * exactly the slots `OpdScheduler.availability` says a booking by the channel would get now,
 * `$hold` is a hold (a claim on a place that ends by itself), `$book` confirms a hold or takes a
 * free place, and a cancel releases the place in the same unit.
 */
import { isOpdError, OpdError, invalid } from '../errors.js';
import type { OpdScheduler } from '../scheduler.js';
import type { Doctor, Patient, SlotAvailability, Token } from '../types.js';
import { isPlainObject } from '../validate.js';
import { toFhirAppointment } from './appointment.js';
import { expectOptions, fhirText, type ReadOptions } from './read.js';
import { facilityMeta, fromFhirId, referenceTo, systemOf } from './references.js';
import type { FhirAppointment, FhirOptions, FhirReference } from './resources.js';
import { outcomeOf } from './outcome.js';
import {
  DEFAULT_HOLD_MINUTES,
  type FhirOperationOutcome,
  type FhirProposedAppointment,
  type FhirSearchBundle,
  type FindAppointmentsParams,
  type FindAppointmentsOptions,
  type FhirChannelReader,
  type HoldAppointmentOptions,
  type BookAppointmentOptions,
  type CancelAppointmentOptions,
} from './booking-types.js';
import { FIND_KEYS, type FindWindow, matches, readFindOptions, readPatientParam, readWindows, references, tokens } from './find-params.js';

/**
 * `Appointment/$find` (IHE ITI-115): the places a booking by `options.channel` would get now, in
 * the window `[start, end)`, with the doctors the parameters name — each a proposed Appointment
 * of one slot, found by {@link OpdScheduler.availability} (quotas and reserves, booking windows,
 * duplicate rules for `patient`, holds and places held for offers, elastic places only for a
 * channel the overflow strategy grants them to). A search with no proposal answers an empty
 * Bundle with an `OperationOutcome` saying why (no place, outside the booking window, the
 * quota, a duplicate). The dates of a series are asked by repeating `start` and `end` (lists of
 * equal length, the windows in time order): each window is answered as a search of its own, one
 * after the other, and the windows without a place are told in one `OperationOutcome`, an issue
 * per window.
 *
 * @param opd - the scheduler
 * @param params - ITI-115's parameters (`start` and `end` required; repeated for a series' dates)
 * @param options - the channel, the actor, the identifier namespace, `count`
 * @returns a searchset Bundle of proposed Appointments, earliest first
 * @throws OpdError `VALIDATION_FAILED` naming the parameter; `STORAGE_FAILURE`
 *
 * @example
 * ```ts
 * import type { OpdScheduler } from 'opd-scheduler';
 * import { findAppointments } from 'opd-scheduler/fhir';
 *
 * declare const opd: OpdScheduler; // with a cardiologist's slots this week
 * const start = new Date();
 * const end = new Date(start.getTime() + 7 * 24 * 60 * 60 * 1000);
 * const bundle = await findAppointments(opd, { start, end, specialty: 'cardiology', patient: 'Patient/abha-1' }, { channel: 'ONLINE' });
 * const first = bundle.entry?.find((e) => e.search.mode === 'match')?.resource; // a proposed Appointment
 * ```
 */
export async function findAppointments(opd: OpdScheduler, params: FindAppointmentsParams, options: FindAppointmentsOptions): Promise<FhirSearchBundle> {
  if (!isPlainObject(params)) throw invalid('params', 'Expected the parameters of $find as an object');
  for (const key of Object.keys(params)) if (!FIND_KEYS.has(key)) throw invalid(key, `Unknown parameter \`${key}\` of $find`);
  const { channel, actor, count, fhir } = readFindOptions(options);
  const windows = readWindows(params.start, params.end);
  const specialties = tokens('specialty', params.specialty);
  const practitioners = references('practitioner', 'Practitioner', params.practitioner);
  const departments = tokens('service-type', params['service-type']);
  const organizations = references('organization', 'Organization', params.organization);
  const patientRef = params.patient === undefined ? undefined : readPatientParam(params.patient);
  const patient = patientRef === undefined ? undefined : patientOf(patientRef);
  const doctors = (await opd.listDoctors()).filter((d) =>
    matches(d, {
      specialties,
      practitioners,
      departments,
      organizations,
      start: windows[0]!.start,
    }),
  );
  const now = opd.now().toISOString();
  const answers: { window: FindWindow; proposals: FhirProposedAppointment[]; refused: Map<string, number> }[] = [];
  for (const window of windows) {
    const found: { doctor: Doctor; slot: SlotAvailability }[] = [];
    const refused = new Map<string, number>();
    for (const doctor of doctors) {
      // A series' later date: a doctor retired by then has no place that day (availability says `retired`).
      const slots = await opd.availability({
        doctorId: doctor.id,
        category: channel,
        from: new Date(window.start),
        to: new Date(window.end),
        ...(patient === undefined ? {} : { patient }),
        ...(actor === undefined ? {} : { actor }),
      });
      for (const slot of slots) {
        if (slot.available) found.push({ doctor, slot });
        else refused.set(slot.reason ?? 'full', (refused.get(slot.reason ?? 'full') ?? 0) + 1);
      }
    }
    found.sort((a, b) => a.slot.slot.start.getTime() - b.slot.slot.start.getTime() || (a.doctor.id < b.doctor.id ? -1 : a.doctor.id > b.doctor.id ? 1 : 0));
    answers.push({ window, proposals: found.slice(0, count).map(({ slot }) => proposal(slot, channel, patientRef, fhir, now)), refused });
  }
  const proposals = answers.flatMap((a) => a.proposals);
  const matched = proposals.map((resource) => ({ resource, search: { mode: 'match' as const } }));
  // A series' dates without a place are told in one OperationOutcome, an issue per date, after the proposals.
  const empty = answers.filter((a) => a.proposals.length === 0);
  if (proposals.length > 0 && (windows.length === 1 || empty.length === 0))
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      timestamp: now,
      total: proposals.length,
      entry: matched,
    };
  const outcome = windows.length === 1 ? nothingFound(doctors.length, answers[0]!.refused) : datesWithoutPlace(doctors.length, empty);
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: now,
    total: proposals.length,
    entry: [...matched, { resource: outcome, search: { mode: 'outcome' } }],
  };
}

/** The dates of a series without a place, as an `OperationOutcome` (`information`, `not-found`): an issue per date, saying why. */
function datesWithoutPlace(doctors: number, empty: readonly { window: FindWindow; refused: ReadonlyMap<string, number> }[]): FhirOperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: empty.map(({ window, refused }) => {
      const why = nothingFound(doctors, refused).issue[0]!;
      const text = `${new Date(window.start).toISOString()} to ${new Date(window.end).toISOString()}: ${why.diagnostics ?? ''}`;
      return { ...why, details: { ...why.details, text }, diagnostics: text };
    }),
  };
}

/**
 * `Appointment/$hold` (IHE ITI-116): holds the place of the Appointment's slot for its patient —
 * a hold (`OpdScheduler.hold`), a claim that counts as taken and ends by itself after
 * `holdMinutes` unless booked. The last place held twice at once has one winner: the other is
 * answered an `OperationOutcome` (`fatal`, `not-found`, the scheduler's `SLOT_FULL`).
 *
 * @param opd - the scheduler
 * @param appointment - a proposed Appointment (as `$find` answers), or a `Parameters` resource whose `appt-resource` is one
 * @param options - `holdMinutes`, `channel`, `requestId` (the same id answers the same hold), `actor`
 * @returns the Appointment `pending` (its token `HELD`), or an `OperationOutcome`
 *
 * @example
 * ```ts
 * import type { OpdScheduler } from 'opd-scheduler';
 * import { holdAppointment, type FhirProposedAppointment } from 'opd-scheduler/fhir';
 *
 * declare const opd: OpdScheduler;
 * declare const proposal: FhirProposedAppointment; // from findAppointments, naming the patient
 * const held = await holdAppointment(opd, proposal, { holdMinutes: 10, requestId: 'req-1' });
 * if (held.resourceType === 'Appointment') console.log(held.status); // 'pending'
 * ```
 */
export async function holdAppointment(
  opd: OpdScheduler,
  appointment: unknown,
  options?: HoldAppointmentOptions,
): Promise<FhirAppointment | FhirOperationOutcome> {
  return outcomeOf(options, async () => {
    const o = readOperationOptions(options, ['holdMinutes', 'channel', 'readChannel', 'requestId', 'actor']);
    const request = readAppointment(appointment, o);
    const slot = await opd.getSlot(request.slotId);
    const { token } = await opd.hold({
      doctorId: slot.slot.doctorId,
      slotId: request.slotId,
      category: request.channel,
      patient: request.patient,
      holdMinutes: o.holdMinutes ?? DEFAULT_HOLD_MINUTES,
      ...(o.requestId === undefined ? {} : { idempotencyKey: `fhir-hold:${o.requestId}` }),
      ...(o.actor === undefined ? {} : { actor: o.actor }),
    });
    return appointmentOf(opd, token, request.patientRef, o.fhir);
  });
}

/**
 * `Appointment/$book` (IHE ITI-117): books the Appointment. A held one (the `pending` answer of
 * {@link holdAppointment}, naming its token) is confirmed; a proposed one takes a free place of
 * its slot, as a hold of the place confirmed at once — never the waitlist, never a bump, so a
 * slot with no place left answers an `OperationOutcome`.
 *
 * A held Appointment is booked, and a booked one answered again, only for its own patient: when
 * the request names a patient (`Patient/<id>`) who is not the token's, it is answered as a token
 * that does not exist — an `OperationOutcome` `TOKEN_NOT_FOUND` (404) the same as for an unknown
 * id, so it tells nothing of whose the token is — and nothing changes. A request naming no patient
 * (a client shown no patient data) is answered without one.
 *
 * @param opd - the scheduler
 * @param appointmentOrHold - the held Appointment, a proposed one, or `Parameters` with `appt-resource`
 * @param options - `channel`, `readChannel`, `requestId` (the same id answers the same booking), `actor`
 * @returns the Appointment `booked`, or an `OperationOutcome`
 */
export async function bookAppointment(
  opd: OpdScheduler,
  appointmentOrHold: unknown,
  options?: BookAppointmentOptions,
): Promise<FhirAppointment | FhirOperationOutcome> {
  return outcomeOf(options, async () => {
    const o = readOperationOptions(options, ['channel', 'readChannel', 'requestId', 'actor']);
    const resource = unwrapParameters(appointmentOrHold);
    const actor = o.actor === undefined ? undefined : { actor: o.actor };
    const tokenId = tokenIdOf(resource, o.fhir);
    if (tokenId !== undefined) {
      const patientRef = patientReferenceOf(resource);
      const held = await tokenOfPatient(opd, tokenId, patientRef);
      categoryOf(o, held.category);
      // A retry of a booking that went through answers the booking.
      if (held.status !== 'HELD') return appointmentOf(opd, held.status === 'BOOKED' ? held : (await opd.confirm(tokenId, actor)).token, patientRef, o.fhir);
      return appointmentOf(opd, (await opd.confirm(tokenId, actor)).token, patientRef, o.fhir);
    }
    const request = readAppointment(resource, o);
    const slot = await opd.getSlot(request.slotId);
    const { token } = await opd.hold({
      doctorId: slot.slot.doctorId,
      slotId: request.slotId,
      category: request.channel,
      patient: request.patient,
      holdMinutes: 1,
      ...(o.requestId === undefined ? {} : { idempotencyKey: `fhir-book:${o.requestId}` }),
      ...actor,
    });
    const current = await opd.getToken(token.id);
    const booked = current.status === 'HELD' ? (await opd.confirm(token.id, actor)).token : current;
    return appointmentOf(opd, booked, request.patientRef, o.fhir);
  });
}

/**
 * Cancels an Appointment by its id (the token's FHIR id, or the token id): a booked one is
 * cancelled (`OpdScheduler.cancel`), a held one released — the place freed in the same unit, for
 * the waitlist or an offer. Cancelling again answers the cancelled Appointment.
 *
 * @param opd - the scheduler
 * @param id - the Appointment's id
 * @param options - `reason`, `actor`, the patient reference to write
 * @returns the Appointment `cancelled`, or an `OperationOutcome`
 */
export async function cancelAppointment(opd: OpdScheduler, id: string, options?: CancelAppointmentOptions): Promise<FhirAppointment | FhirOperationOutcome> {
  return outcomeOf(options, async () => {
    if (typeof id !== 'string' || id === '') throw invalid('id', 'Expected the Appointment id');
    const o = readOperationOptions(options, ['reason', 'actor', 'patient']);
    const tokenId = fromFhirId(id) ?? id;
    const token = await opd.getToken(tokenId);
    const actor = o.actor === undefined ? {} : { actor: o.actor };
    let ended: Token = token;
    if (token.status === 'HELD') ended = (await opd.release(tokenId, actor)).token;
    else if (token.status !== 'CANCELLED')
      ended = (
        await opd.cancel(tokenId, {
          ...actor,
          ...(o.reason === undefined ? {} : { reason: o.reason }),
        })
      ).token;
    return appointmentOf(opd, ended, o.patient, o.fhir);
  });
}

/** The Appointment of a token, with its slot's window and the patient reference given. */
async function appointmentOf(opd: OpdScheduler, token: Token, patient: FhirReference | undefined, fhir: ReadOptions): Promise<FhirAppointment> {
  const slotId = token.slotId ?? token.waitingForSlotId;
  const slot = slotId === null || token.slotId === null ? undefined : await opd.getSlot(slotId);
  return toFhirAppointment(token, {
    ...fhirOptions(fhir),
    ...(patient === undefined ? {} : { patient }),
    ...(slot === undefined ? {} : { slot }),
  });
}

function fhirOptions(fhir: ReadOptions): FhirOptions {
  return {
    ...(fhir.identifierSystem === undefined ? {} : { identifierSystem: fhir.identifierSystem }),
    ...(fhir.practitioner === undefined ? {} : { practitioner: fhir.practitioner }),
  };
}

/** A proposal of one slot. */
function proposal(available: SlotAvailability, channel: string, patient: FhirReference | undefined, fhir: ReadOptions, now: string): FhirProposedAppointment {
  const { slot, places } = available;
  const doctor = referenceTo('Practitioner', slot.doctorId, systemOf(fhir, 'doctor'));
  return {
    resourceType: 'Appointment',
    ...facilityMeta(fhir, 'slot.facilityId', slot.facilityId),
    status: 'proposed',
    appointmentType: {
      coding: [{ system: systemOf(fhir, 'channel'), code: channel }],
      text: fhirText(channel),
    },
    start: slot.start.toISOString(),
    end: slot.end.toISOString(),
    slot: [referenceTo('Slot', slot.id, systemOf(fhir, 'slot'))],
    created: now,
    comment: `${String(places)} ${places === 1 ? 'place' : 'places'} left to ${fhirText(channel)}${available.elastic ? ' (an elastic place)' : ''}`,
    participant: [
      ...(patient === undefined
        ? []
        : [
            {
              actor: patient,
              required: 'required' as const,
              status: 'needs-action' as const,
            },
          ]),
      {
        actor: fhir.practitioner ?? doctor,
        required: 'required',
        status: 'accepted',
      },
    ],
  };
}

/** Why a search found nothing, as an `OperationOutcome` (`information`, `not-found`). */
function nothingFound(doctors: number, refused: ReadonlyMap<string, number>): FhirOperationOutcome {
  const words: Record<string, string> = {
    full: 'no place left',
    quota: "the channel's quota is used up",
    'outside-window': "outside the channel's booking window",
    duplicate: 'the patient already holds an appointment the duplicate rules count',
    retired: 'the doctor has retired',
    closed: 'closed',
  };
  const why = [...refused].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${String(n)} ${n === 1 ? 'slot' : 'slots'}: ${words[reason] ?? reason}`);
  const text = doctors === 0 ? 'No doctor matches the search' : why.length === 0 ? 'No open slot in the window' : `No place: ${why.join('; ')}`;
  const first = [...refused].sort((a, b) => b[1] - a[1])[0]?.[0];
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'information',
        code: 'not-found',
        details: {
          ...(first === undefined
            ? {}
            : {
                coding: [{ system: 'urn:opd-scheduler:availability', code: first }],
              }),
          text,
        },
        diagnostics: text,
      },
    ],
  };
}

interface OperationOptions {
  readonly holdMinutes?: number | undefined;
  readonly channel?: string | undefined;
  readonly readChannel?: FhirChannelReader | undefined;
  readonly requestId?: string | undefined;
  readonly actor?: string | undefined;
  readonly reason?: string | undefined;
  readonly patient?: FhirReference | undefined;
  readonly fhir: ReadOptions;
}

function readOperationOptions(options: unknown, keys: readonly string[]): OperationOptions {
  if (options === undefined) return { fhir: {} };
  if (!isPlainObject(options)) throw invalid('options', 'Expected `options` to be an object');
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) (keys.includes(key) ? own : rest)[key] = value;
  for (const key of ['channel', 'requestId', 'actor', 'reason']) {
    const value = own[key];
    if (value !== undefined && (typeof value !== 'string' || value === '' || value.length > 200))
      throw invalid(`options.${key}`, `Expected \`options.${key}\` to be a non-empty string of at most 200 characters`);
  }
  const readChannel = own['readChannel'];
  if (readChannel !== undefined && typeof readChannel !== 'function')
    throw invalid('options.readChannel', 'Expected `options.readChannel` to be a function of the channel');
  const holdMinutes = own['holdMinutes'];
  if (holdMinutes !== undefined && (!Number.isSafeInteger(holdMinutes) || (holdMinutes as number) < 1 || (holdMinutes as number) > 1440))
    throw invalid('options.holdMinutes', 'Expected `options.holdMinutes` to be an integer from 1 to 1440');
  const fhir = expectOptions(
    'options',
    {
      ...rest,
      ...(own['patient'] === undefined ? {} : { patient: own['patient'] }),
    },
    new Set(['identifierSystem', 'practitioner', 'patient']),
  );
  return {
    holdMinutes: holdMinutes as number | undefined,
    channel: own['channel'] as string | undefined,
    readChannel: readChannel as FhirChannelReader | undefined,
    requestId: own['requestId'] as string | undefined,
    actor: own['actor'] as string | undefined,
    reason: own['reason'] as string | undefined,
    patient: fhir.patient,
    fhir,
  };
}

/** What `$hold` and `$book` read of an Appointment: its slot, channel and patient. */
interface AppointmentRequest {
  readonly slotId: string;
  readonly channel: string;
  readonly patient: Patient;
  readonly patientRef: FhirReference | undefined;
}

/**
 * The category an operation books for a channel: the host's `readChannel` asked (its refusal
 * answered as it is), else the channel as named.
 */
function categoryOf(o: OperationOptions, channel: string): string {
  if (o.readChannel === undefined) return channel;
  const category: unknown = o.readChannel(channel);
  if (typeof category !== 'string' || category === '')
    throw invalid('options.readChannel', 'Expected `options.readChannel` to answer a category: a non-empty string');
  return category;
}

/**
 * The token a `$book` of a held Appointment names, when it is the patient's the request names (if
 * it names one). Another patient's is answered as a token that does not exist, and so is an
 * unknown one: the same `TOKEN_NOT_FOUND`, which tells nothing of whose a token is.
 */
async function tokenOfPatient(opd: OpdScheduler, tokenId: string, patientRef: FhirReference | undefined): Promise<Token> {
  if (patientRef === undefined) return opd.getToken(tokenId);
  const notFound = (): OpdError =>
    new OpdError('TOKEN_NOT_FOUND', `No appointment \`${tokenId}\` of the patient the request names`, { details: { field: 'appointment', tokenId } });
  let token: Token;
  try {
    token = await opd.getToken(tokenId);
  } catch (error) {
    if (isOpdError(error, 'TOKEN_NOT_FOUND')) throw notFound();
    throw error;
  }
  if (token.patient.id !== patientOf(patientRef).id) throw notFound();
  return token;
}

/** The Appointment of a `Parameters` resource (`appt-resource`), or the resource itself. */
function unwrapParameters(resource: unknown): Record<string, unknown> {
  if (!isPlainObject(resource)) throw invalid('appointment', 'Expected an Appointment, or Parameters with `appt-resource`');
  if (resource['resourceType'] === 'Parameters') {
    const parameter = Array.isArray(resource['parameter'])
      ? (resource['parameter'] as unknown[]).find((p) => isPlainObject(p) && p['name'] === 'appt-resource')
      : undefined;
    const inner = isPlainObject(parameter) ? parameter['resource'] : undefined;
    if (!isPlainObject(inner)) throw invalid('appointment.parameter', 'Expected a parameter `appt-resource` holding the Appointment');
    return unwrapParameters(inner);
  }
  if (resource['resourceType'] !== 'Appointment') throw invalid('appointment.resourceType', 'Expected an Appointment');
  return resource;
}

/** What `$hold` and `$book` of a new place ask for: the one reading of the request, the host's reading of its channel included. */
function readAppointment(resource: unknown, o: OperationOptions): AppointmentRequest {
  const appointment = unwrapParameters(resource);
  const slotId = slotIdOf(appointment, o.fhir);
  const channel = channelOf(appointment, o.fhir) ?? o.channel;
  if (channel === undefined)
    throw invalid('appointment.appointmentType', 'Expected the channel: an `appointmentType` coding of the channel system, or `options.channel`');
  const patientRef = patientReferenceOf(appointment);
  if (patientRef === undefined) throw invalid('appointment.participant', 'Expected a participant whose actor is a Patient reference');
  return { slotId, channel: categoryOf(o, channel), patient: patientOf(patientRef), patientRef };
}

/** The slot an Appointment names: by identifier of the slot system, else by a literal `Slot/<id>`. */
function slotIdOf(appointment: Record<string, unknown>, fhir: ReadOptions): string {
  const slots = appointment['slot'];
  const first = Array.isArray(slots) ? (slots as unknown[])[0] : undefined;
  if (!isPlainObject(first)) throw invalid('appointment.slot', 'Expected the Appointment to name its slot');
  const identifier = first['identifier'];
  if (isPlainObject(identifier) && identifier['system'] === systemOf(fhir, 'slot') && typeof identifier['value'] === 'string' && identifier['value'] !== '')
    return identifier['value'];
  const reference = first['reference'];
  const id = typeof reference === 'string' && reference.startsWith('Slot/') ? fromFhirId(reference.slice(5)) : undefined;
  if (id === undefined) throw invalid('appointment.slot', 'Expected `slot[0]` to be a reference to a slot (`Slot/<id>` or its identifier)');
  return id;
}

function channelOf(appointment: Record<string, unknown>, fhir: ReadOptions): string | undefined {
  const type = appointment['appointmentType'];
  const codings = isPlainObject(type) && Array.isArray(type['coding']) ? (type['coding'] as unknown[]) : [];
  for (const coding of codings)
    if (isPlainObject(coding) && coding['system'] === systemOf(fhir, 'channel') && typeof coding['code'] === 'string') return coding['code'];
  return undefined;
}

/** The token an Appointment answered by `$hold` names (its identifier of the token system, or its id). */
function tokenIdOf(appointment: Record<string, unknown>, fhir: ReadOptions): string | undefined {
  const identifiers = Array.isArray(appointment['identifier']) ? (appointment['identifier'] as unknown[]) : [];
  for (const identifier of identifiers) {
    if (isPlainObject(identifier) && identifier['system'] === systemOf(fhir, 'token') && typeof identifier['value'] === 'string' && identifier['value'] !== '')
      return identifier['value'];
  }
  return typeof appointment['id'] === 'string' && appointment['status'] === 'pending' ? fromFhirId(appointment['id']) : undefined;
}

function patientReferenceOf(appointment: Record<string, unknown>): FhirReference | undefined {
  const participants = Array.isArray(appointment['participant']) ? (appointment['participant'] as unknown[]) : [];
  for (const participant of participants) {
    const actor = isPlainObject(participant) ? participant['actor'] : undefined;
    if (!isPlainObject(actor)) continue;
    const reference = actor['reference'];
    if (typeof reference === 'string' && /^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(reference)) {
      return {
        reference,
        ...(typeof actor['display'] === 'string' && actor['display'] !== '' ? { display: actor['display'] } : {}),
      };
    }
  }
  return undefined;
}

/** The scheduler's patient of a FHIR Patient reference: the reference's id, and its display (else the reference) as the name. */
function patientOf(reference: FhirReference): Patient {
  const id = (reference.reference ?? '').slice('Patient/'.length);
  return { id, name: reference.display ?? reference.reference ?? id };
}
