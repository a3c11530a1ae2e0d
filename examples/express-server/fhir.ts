/**
 * FHIR R4 under `/fhir`: the server's `CapabilityStatement` and the IHE ITI Scheduling operations
 * of `opd-scheduler/fhir` — `Appointment/$find` (GET, or POST with a `Parameters` resource),
 * `$hold`, `$book`, and a cancel (`Appointment/:id/$cancel`, or a JSON Patch of `status` to
 * `cancelled`). Every answer on these paths is FHIR JSON (`application/fhir+json`): the resource,
 * or an `OperationOutcome` with the status `fhirOutcomeStatus` gives it — the server's own
 * failures too (a body that is not JSON, a missing key, an unknown route, the rate limit).
 *
 * The channel a search or a booking is made for is a category, read as bookings read categories
 * (`walk-in` is `WALK_IN`): `appointment-type` of `$find` (default `ONLINE`, the channel of
 * patients booking for themselves), then the channel coding of the Appointment the proposal
 * carries into `$hold` and `$book` — read by the operations themselves, wherever the Appointment
 * sits in the body, which ask this server's reading of it (`readChannel`). Every key may book
 * every category on `POST /api/tokens`, so every key may use every channel here but `EMERGENCY`:
 * an emergency is booked by `POST /api/tokens/emergency`, never searched for, held or booked here.
 */
import type { Request, Response } from 'express';
import { isOpdError, OpdError, type FhirAppointment } from 'opd-scheduler';
import {
  bookAppointment,
  bulkPublish,
  type BulkPublication,
  cancelAppointment,
  DEFAULT_HOLD_MINUTES,
  capabilityStatement,
  fhirOutcomeStatus,
  findAppointments,
  holdAppointment,
  toOperationOutcome,
  type FhirOperationOutcome,
  type FhirOperationOutcomeIssue,
} from 'opd-scheduler/fhir';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { actorOf, isAuthenticated } from './auth.js';
import type { ErrorAnswer, HttpErrorCode } from './http-errors.js';
import { parse, rawRoute, rejectProtoKeys, type RequestBodyDoc, type ResponseDoc, type Route } from './route.js';
import type { ApiContext } from './routes.js';
import { normalizeCategory } from './schemas.js';

/** Where the FHIR routes are mounted. */
export const FHIR_BASE = '/fhir';

/** The media type of every answer under {@link FHIR_BASE}. */
export const FHIR_JSON = 'application/fhir+json';

/** The channel of `$find`, `$hold` and `$book` when the request names none: patients booking for themselves. */
export const DEFAULT_FHIR_CHANNEL = 'ONLINE';

/** The coding system of the server's error codes in an `OperationOutcome`, as `opd-scheduler/fhir` writes the engine's. */
const ERROR_SYSTEM = 'urn:opd-scheduler:error';

/** The FHIR issue type of each failure of the server itself (the engine's have theirs in `toOperationOutcome`). */
const ISSUE_OF_HTTP_CODE: Readonly<Record<HttpErrorCode, string>> = Object.freeze({
  ALREADY_EXISTS: 'duplicate',
  UNAUTHORIZED: 'login',
  ACTOR_NOT_ALLOWED: 'forbidden',
  NOT_FOUND: 'not-found',
  METHOD_NOT_ALLOWED: 'not-supported',
  PAYLOAD_TOO_LARGE: 'too-costly',
  UNSUPPORTED_MEDIA_TYPE: 'not-supported',
  TOO_MANY_REQUESTS: 'throttled',
  TOO_MANY_STREAMS: 'throttled',
  SHUTTING_DOWN: 'transient',
  INTERNAL_ERROR: 'exception',
});

/** Whether a request path is one of the FHIR routes' (whose failures answer an `OperationOutcome`). */
export function isFhirPath(path: string): boolean {
  return path === FHIR_BASE || path.startsWith(`${FHIR_BASE}/`);
}

/**
 * The `OperationOutcome` and status answering a failure on a FHIR path: an engine error as
 * `toOperationOutcome` writes it, with the status `fhirOutcomeStatus` gives it; any other (the
 * server's own, as `toErrorAnswer` reads it) with its code, message and status. Never patient data.
 */
export function fhirFailure(error: unknown, answer: ErrorAnswer): { readonly status: number; readonly outcome: FhirOperationOutcome } {
  if (isOpdError(error)) {
    const outcome = toOperationOutcome(error);
    return { status: fhirOutcomeStatus(outcome), outcome };
  }
  const http = (ISSUE_OF_HTTP_CODE as Readonly<Record<string, string>>)[answer.code];
  const issue: FhirOperationOutcomeIssue = {
    severity: answer.status >= 500 ? 'fatal' : 'error',
    // Not an engine error yet an engine code: the body parser's `VALIDATION_FAILED` (a body that cannot be read).
    code: http ?? 'structure',
    details: { coding: [{ system: ERROR_SYSTEM, code: answer.code }], text: answer.detail },
    diagnostics: answer.detail,
  };
  return { status: answer.status, outcome: { resourceType: 'OperationOutcome', issue: [issue] } };
}

/** Options of {@link fhirRoutes}. */
export interface FhirRouteOptions {
  /** The FHIR base URL the `CapabilityStatement` and the feed name. @defaultValue `<protocol>://<Host>/fhir` of each request */
  readonly baseUrl?: string | undefined;
  /** The channel the SMART Scheduling Links feed publishes for. @defaultValue {@link DEFAULT_FHIR_CHANNEL} */
  readonly feedChannel?: string | undefined;
  /** How long a publication is served again, and a client may keep it (`Cache-Control: max-age`), in seconds. @defaultValue 60 */
  readonly feedMaxAgeSeconds?: number | undefined;
}

// ---------------------------------------------------------------------------------------------
// Input

const described = <T extends z.ZodType>(schema: T, description: string): T => schema.meta({ description });
const tokenList = (description: string) =>
  described(z.union([z.string(), z.array(z.string())]), `${description}; repeat it, or separate values with \`,\`, for any of several`);
/** `start` or `end`: once for one search, repeated (as often as the other) for the dates of a series. */
const windowBound = (description: string) => described(z.union([z.string(), z.array(z.string())]), description);

/** The NDJSON files of a publication, by file name (`bulkPublish` names them). */
const FEED_FILES = ['locations.ndjson', 'healthcare-services.ndjson', 'practitioner-roles.ndjson', 'schedules.ndjson', 'slots.ndjson'] as const;

/** The query of the feed: `_since`, an instant. */
const FeedQuery = z.strictObject({
  _since: described(
    z.string(),
    'Only what may have changed since this instant (an ISO 8601 instant): the manifest of a previous poll names it as its `transactionTime`',
  ).optional(),
});

/** The parameters of `$find`, in a query string or (as text) in a `Parameters` resource. */
const FindQuery = z.strictObject({
  start: windowBound(
    'The earliest start of a proposed appointment: an instant with an offset, or a date (`YYYY-MM-DD`, from midnight UTC). For the dates of a series, ' +
      'repeat `start` and `end` as many times each (at most 52): the n-th `start` opens the window the n-th `end` closes, the windows in time order and ' +
      'not overlapping, each answered as a search of its own (`_count` proposals at most), one after the other in the Bundle; the windows without a place ' +
      'are told in one `OperationOutcome`, an issue per window',
  ),
  end: windowBound('The latest start, excluded: an instant or a date, at most 62 days after its `start`; repeated with `start` for the dates of a series'),
  specialty: tokenList('Doctors of this specialization (`code` or `system|code`, matched without case)').optional(),
  practitioner: tokenList('These doctors: `Practitioner/<id>`, or the id').optional(),
  'service-type': tokenList('Doctors of this department (`code` or `system|code`, matched without case)').optional(),
  organization: tokenList('Doctors of this facility: `Organization/<facility id>`, or the id').optional(),
  patient: described(z.string(), 'The patient (`Patient/<id>`): the duplicate rules then apply to them').optional(),
  'appointment-type': described(
    z.string(),
    `The channel searching: a category, read as bookings read them (\`code\` or \`system|code\`; \`walk-in\` is \`WALK_IN\`); \`EMERGENCY\` is refused. Default \`${DEFAULT_FHIR_CHANNEL}\``,
  ).optional(),
  _count: described(
    z
      .string()
      .regex(/^\d{1,9}$/, 'Expected a positive integer')
      .transform(Number),
    'At most this many proposals (1 to 1000; default 100)',
  ).optional(),
});

/** The parameters of `$find` that may be given several times. */
const LIST_PARAMETERS = new Set(['specialty', 'practitioner', 'service-type', 'organization']);

/** The parameters of `$find` repeated for the dates of a series: given once, a value (a search exactly as before); repeated, a list. */
const SERIES_PARAMETERS = new Set(['start', 'end']);

const AppointmentId = z.strictObject({ id: described(z.string(), 'The Appointment id (the token’s FHIR id, or the token id URL-encoded)') });

/** A value of `Parameters.parameter[i]` as text: the value types `$find` and `$cancel` take. */
const VALUE_KEYS = [
  'valueString',
  'valueDateTime',
  'valueDate',
  'valueInstant',
  'valueCode',
  'valueUri',
  'valueId',
  'valueInteger',
  'valuePositiveInt',
] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuse(message: string, field: string, where: 'body' | 'query' | 'header' = 'body'): never {
  throw new OpdError('VALIDATION_FAILED', message, { details: { field, in: where } });
}

/**
 * The parameters of a `Parameters` resource whose names are in `names`, as text: lists for
 * {@link LIST_PARAMETERS}, and for {@link SERIES_PARAMETERS} given more than once, in their order.
 */
function parametersOf(body: unknown, names: ReadonlySet<string>, operation: string): Record<string, string | string[]> {
  if (!isObject(body) || body['resourceType'] !== 'Parameters')
    refuse(`Expected a \`Parameters\` resource with the parameters of ${operation}`, 'resourceType');
  const given = body['parameter'] ?? [];
  if (!Array.isArray(given)) refuse('Expected `parameter` to be a list', 'parameter');
  const out: Record<string, string | string[]> = {};
  for (const [i, p] of (given as unknown[]).entries()) {
    const name = isObject(p) ? p['name'] : undefined;
    if (typeof name !== 'string' || !names.has(name)) {
      refuse(`Expected \`parameter[${i}].name\` to be a parameter of ${operation}: ${[...names].map((n) => `\`${n}\``).join(', ')}`, `parameter[${i}].name`);
    }
    const parameter = p as Record<string, unknown>;
    const keys = VALUE_KEYS.filter((key) => parameter[key] !== undefined);
    const reference = isObject(parameter['valueReference']) ? parameter['valueReference']['reference'] : undefined;
    const value = keys.length === 1 ? parameter[keys[0]!] : keys.length === 0 ? reference : undefined;
    if ((typeof value !== 'string' && typeof value !== 'number') || keys.length + (reference === undefined ? 0 : 1) !== 1) {
      refuse(`Expected \`parameter[${i}]\` to have one value: ${VALUE_KEYS.map((k) => `\`${k}\``).join(', ')} or \`valueReference\``, `parameter[${i}]`);
    }
    const text = String(value);
    const earlier = out[name];
    if (LIST_PARAMETERS.has(name)) out[name] = earlier === undefined ? [text] : [...(earlier as string[]), text];
    else if (SERIES_PARAMETERS.has(name)) out[name] = earlier === undefined ? text : [...(Array.isArray(earlier) ? earlier : [earlier]), text];
    else if (earlier !== undefined) refuse(`Expected \`${name}\` at most once`, `parameter[${i}].name`);
    else out[name] = text;
  }
  return out;
}

/**
 * Says where `$find`'s refusal of a parameter came from (`details.in`): the engine names the
 * parameter (`end`, `start[1]`, the n-th value of a repeated one) but not the part of the request
 * it came in; `_count` is the engine's `options.count`.
 */
function locateFindError(error: unknown, where: 'body' | 'query'): unknown {
  if (!isOpdError(error, 'VALIDATION_FAILED') || error.details['in'] !== undefined) return error;
  const field = error.details.field === 'options.count' ? '_count' : error.details.field;
  if (!Object.hasOwn(FindQuery.shape, /^[^.[]*/.exec(field)![0])) return error;
  const message = error.message.replaceAll('`options.count`', '`_count`');
  return new OpdError('VALIDATION_FAILED', message, { details: { ...error.details, field, in: where }, cause: error.cause });
}

/** A channel as the request names it (`code` or `system|code`), as the category bookings read; never `EMERGENCY`. */
function channelOf(raw: string, field: string, where: 'body' | 'query'): string {
  const channel = normalizeCategory(raw.slice(raw.lastIndexOf('|') + 1));
  if (channel === '') refuse(`Expected \`${field}\` to name a channel (a category such as \`${DEFAULT_FHIR_CHANNEL}\`)`, field, where);
  if (channel === 'EMERGENCY')
    refuse('An emergency is booked with `POST /api/tokens/emergency`: it is never searched for, held or booked over FHIR', field, where);
  return channel;
}

/**
 * The channel of a `$hold` or `$book` as the category it books, given to the operation as its
 * `readChannel`: the operation asks it where it reads the channel itself (the Appointment's
 * coding inside `Parameters` at any depth, else the default channel; a held Appointment's
 * category), so the request is read once, and never as an emergency.
 */
const readChannel = (channel: string): string => channelOf(channel, 'appointmentType', 'body');

/** The request's id for an idempotent operation: `Idempotency-Key`, else the `X-Request-Id` the client sent. */
function requestIdOf(req: Request): { requestId?: string } {
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  const key = header('idempotency-key');
  if (key !== undefined) {
    if (key === '' || key.length > 200) refuse('Expected `Idempotency-Key` to be 1 to 200 characters', 'Idempotency-Key', 'header');
    return { requestId: key };
  }
  const id = header('x-request-id');
  if (id === undefined) return {};
  if (!/^[\w.-]{1,64}$/.test(id)) refuse('Expected `X-Request-Id` to be 1 to 64 letters, digits, `_`, `.` or `-`', 'X-Request-Id', 'header');
  return { requestId: id };
}

/** The body a route needs, refused when missing or when it holds a `__proto__` key. */
function bodyOf(req: Request, required: boolean): unknown {
  const body: unknown = req.body;
  if (body === undefined && required) refuse('A JSON request body is required', 'body');
  if (body !== undefined) rejectProtoKeys(body);
  return body;
}

/** The reason of a `$cancel` body: `Parameters` with an optional `reason`, or no body (which the JSON parser reads as `{}`). */
function cancelReasonOf(body: unknown): string | undefined {
  if (body === undefined || (isObject(body) && Object.keys(body).length === 0)) return undefined;
  const reason = parametersOf(body, new Set(['reason']), '$cancel')['reason'];
  return typeof reason === 'string' ? reason : undefined;
}

/**
 * The reason of a JSON Patch (RFC 6902) that cancels: one operation setting `/status` to
 * `cancelled` (`replace` or `add`), and at most one setting `/cancelationReason` (a
 * CodeableConcept; its `text` is the reason). Any other change is refused: a cancel is the one
 * change of an Appointment the scheduler takes.
 */
function patchReasonOf(body: unknown): string | undefined {
  if (!Array.isArray(body) || body.length === 0 || body.length > 2) refuse('Expected a JSON Patch: a list of one or two operations', 'body');
  let cancelled = false;
  let reason: string | undefined;
  for (const [i, op] of (body as unknown[]).entries()) {
    const kind = isObject(op) ? op['op'] : undefined;
    const path = isObject(op) ? op['path'] : undefined;
    const value = isObject(op) ? op['value'] : undefined;
    if (kind !== 'replace' && kind !== 'add') refuse('Expected each operation to be `replace` or `add`: an Appointment is only ever cancelled', `[${i}].op`);
    if (path === '/status' && value === 'cancelled' && !cancelled) cancelled = true;
    else if (path === '/cancelationReason' && reason === undefined && isObject(value) && typeof value['text'] === 'string' && value['text'] !== '')
      reason = value['text'];
    else refuse('Expected the patch to set `/status` to `cancelled`, and at most `/cancelationReason` (`{ "text": … }`) besides', `[${i}].path`);
  }
  if (!cancelled) refuse('Expected the patch to set `/status` to `cancelled`', 'body');
  return reason;
}

// ---------------------------------------------------------------------------------------------
// Answers

/** The resource without the patient: what an answer to a request without a key shows (the server's rule for patient data). */
function withoutPatient(resource: unknown): unknown {
  if (!isObject(resource)) return resource;
  if (resource['resourceType'] === 'Appointment' && Array.isArray(resource['participant'])) {
    const participant = (resource['participant'] as unknown[]).filter((p) => {
      const actor = isObject(p) ? p['actor'] : undefined;
      return !(isObject(actor) && (actor['type'] === 'Patient' || (typeof actor['reference'] === 'string' && actor['reference'].startsWith('Patient/'))));
    });
    return { ...resource, participant };
  }
  if (resource['resourceType'] === 'Bundle' && Array.isArray(resource['entry'])) {
    return { ...resource, entry: (resource['entry'] as unknown[]).map((e) => (isObject(e) ? { ...e, resource: withoutPatient(e['resource']) } : e)) };
  }
  return resource;
}

/** A strong ETag of a document. */
function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** Sends a FHIR resource: patient references only to a request that carried a key. */
function send(res: Response, status: number, resource: object): void {
  const body = isAuthenticated(res) ? resource : withoutPatient(resource);
  res.status(status).type(FHIR_JSON).send(JSON.stringify(body));
}

/** Sends what an operation answered: the Appointment (200), or its `OperationOutcome` with its status. */
function sendResult(res: Response, result: FhirAppointment | FhirOperationOutcome): void {
  send(res, result.resourceType === 'OperationOutcome' ? fhirOutcomeStatus(result) : 200, result);
}

// ---------------------------------------------------------------------------------------------
// Documentation

const resource = (type: string, description: string): ResponseDoc => ({ description, content: FHIR_JSON, resource: type });
const outcome = (description: string): ResponseDoc => resource('OperationOutcome', description);
const invalid = outcome('Invalid input: a parameter, the body or a header (`VALIDATION_FAILED`, issue `invalid`; a body that is not JSON: `structure`)');
const unauthorized = outcome('Missing or wrong API key (`UNAUTHORIZED`, issue `login`), when the server has keys; `WWW-Authenticate` says so');
const forbidden = outcome('`X-Actor` names an actor this key may not sign as (`ACTOR_NOT_ALLOWED`, issue `forbidden`)');
const tooLarge = outcome('The body is larger than the server takes (`PAYLOAD_TOO_LARGE`)');
const notJson = outcome('The body is not UTF-8 JSON (`UNSUPPORTED_MEDIA_TYPE`)');
const tooMany = outcome('Over the booking rate limit of the key (`TOO_MANY_REQUESTS`, issue `throttled`); `Retry-After` says when to retry');
const unavailable = outcome('The store failed or the server is shutting down (`STORAGE_FAILURE`, `SHUTTING_DOWN`)');
const keyed = { 400: invalid, 401: unauthorized, 403: forbidden, 503: unavailable };
const withBody = { ...keyed, 413: tooLarge, 415: notJson };

const FHIR_OBJECT = { type: 'object', description: 'A FHIR R4 resource (JSON)' };
const fhirBody = (description: string, required: boolean): RequestBodyDoc => ({
  description,
  required,
  content: { [FHIR_JSON]: FHIR_OBJECT, 'application/json': FHIR_OBJECT },
});
const APPOINTMENT_BODY = fhirBody('An Appointment, or a `Parameters` resource whose `appt-resource` is one', true);
const JSON_PATCH = {
  type: 'array',
  description:
    'JSON Patch (RFC 6902): `[{ "op": "replace", "path": "/status", "value": "cancelled" }]`, and optionally `{ "op": "add", "path": "/cancelationReason", "value": { "text": "…" } }`',
  items: { type: 'object' },
};
const IDEMPOTENT_HEADERS = [
  { name: 'Idempotency-Key', description: 'The request’s id (1 to 200 characters): the same id answers the same operation, once' },
  { name: 'X-Request-Id', description: 'The request’s id when `Idempotency-Key` is not given (1 to 64 letters, digits, `_`, `.`, `-`)' },
];
const ACTOR_HEADER = { name: 'X-Actor', description: 'Narrows the actor of the call (the API key’s name) to `<name>/<staff>`, for a key marked `narrow`' };

// ---------------------------------------------------------------------------------------------
// Routes

/** The FHIR routes, documented in the OpenAPI document like every other route. */
export function fhirRoutes(ctx: ApiContext, options: FhirRouteOptions = {}): Route[] {
  const { scheduler } = ctx;
  const written = new Date(ctx.startedAt);
  const feedChannel = options.feedChannel ?? DEFAULT_FHIR_CHANNEL;
  const maxAge = options.feedMaxAgeSeconds ?? 60;
  /**
   * The publications served, by `_since`: each is served again (manifest and files alike) for
   * `maxAge` seconds, so that the files a client fetches are those of the manifest it read.
   */
  const publications = new Map<string, { readonly at: number; readonly publication: BulkPublication; readonly etags: ReadonlyMap<string, string> }>();
  const publication = async (req: Request, since: string | undefined) => {
    const key = since ?? '';
    const now = Date.now();
    const kept = publications.get(key);
    if (kept !== undefined && now - kept.at < maxAge * 1000) return kept;
    const baseUrl = options.baseUrl ?? `${req.protocol}://${req.host}${FHIR_BASE}`;
    const made = await bulkPublish(scheduler, { baseUrl, channel: feedChannel, ...(since === undefined ? {} : { since }) });
    const etags = new Map<string, string>([
      ['$bulk-publish', etagOf(JSON.stringify(made.manifest))],
      ...made.files.map((f) => [f.name, etagOf(f.ndjson)] as [string, string]),
    ]);
    // Old publications of other polls are dropped as new ones are made: at most a few are kept.
    for (const [k, p] of publications) if (now - p.at >= maxAge * 1000) publications.delete(k);
    if (publications.size >= 64) publications.clear();
    const fresh = { at: now, publication: made, etags };
    publications.set(key, fresh);
    return fresh;
  };
  /** Answers a feed document: 304 when the client has it (`If-None-Match`), else the body, with its `ETag` and `Cache-Control`. */
  const serveFeed = (req: Request, res: Response, etag: string, type: string, body: string): void => {
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', `public, max-age=${String(maxAge)}`);
    const asked = req.get('If-None-Match');
    if (asked !== undefined && asked.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
      res.status(304).end();
      return;
    }
    res.status(200).type(type).send(body);
  };
  const find = async (res: Response, req: Request, query: z.output<typeof FindQuery>, where: 'body' | 'query'): Promise<void> => {
    const { 'appointment-type': type, _count: count, ...params } = query;
    const channel = type === undefined ? DEFAULT_FHIR_CHANNEL : channelOf(type, 'appointment-type', where);
    const actor = actorOf(req);
    const bundle = await findAppointments(scheduler, params, {
      channel,
      ...(actor === undefined ? {} : { actor }),
      ...(count === undefined ? {} : { count }),
    }).catch((error: unknown) => {
      throw locateFindError(error, where);
    });
    send(res, 200, bundle);
  };
  const findDescription =
    'IHE ITI-115: the places a booking by the channel would get now (quotas, reserves, booking windows, duplicate rules for `patient`, ' +
    'holds), one proposed Appointment per slot, earliest first; none: an empty Bundle whose `OperationOutcome` says why. `start` and `end` ' +
    'repeated ask the dates of a series: each window answered in turn, the windows without a place told in one `OperationOutcome`.';

  return [
    rawRoute({
      method: 'get',
      path: `${FHIR_BASE}/metadata`,
      auth: 'public',
      operationId: 'fhirMetadata',
      tag: 'FHIR',
      summary: 'The CapabilityStatement',
      description: 'What the FHIR routes serve (FHIR R4, `application/fhir+json`). Public.',
      responses: { 200: resource('CapabilityStatement', 'The statement'), 400: outcome('A query string was given (`VALIDATION_FAILED`)') },
      handle: async (_input, req, res) => {
        const baseUrl = options.baseUrl ?? `${req.protocol}://${req.host}${FHIR_BASE}`;
        send(res, 200, capabilityStatement({ baseUrl, date: written, bulkPublish: true, patch: true }));
      },
    }),
    rawRoute({
      method: 'get',
      path: `${FHIR_BASE}/Appointment/$find`,
      auth: 'key',
      operationId: 'fhirFind',
      tag: 'FHIR',
      summary: 'Appointment/$find: the places a booking would get',
      description: findDescription,
      query: FindQuery,
      headers: [ACTOR_HEADER],
      responses: { 200: resource('Bundle', 'A searchset Bundle of proposed Appointments'), ...keyed },
      handle: async ({ query }, req, res) => find(res, req, query, 'query'),
    }),
    rawRoute({
      method: 'post',
      path: `${FHIR_BASE}/Appointment/$find`,
      auth: 'key',
      operationId: 'fhirFindPost',
      tag: 'FHIR',
      summary: 'Appointment/$find with a Parameters resource',
      description:
        `${findDescription} The parameters are those of the GET, as \`valueString\`, \`valueDateTime\`, \`valueDate\`, \`valueInteger\` or \`valueReference\`; ` +
        'a repeated `start` and `end` are the dates of a series, paired in their order.',
      requestBody: fhirBody('A `Parameters` resource: `start`, `end` (repeated for the dates of a series), and the optional parameters of the GET', true),
      headers: [ACTOR_HEADER],
      responses: { 200: resource('Bundle', 'A searchset Bundle of proposed Appointments'), ...withBody },
      handle: async (_input, req, res) => {
        const params = parametersOf(bodyOf(req, true), new Set(Object.keys(FindQuery.shape)), '$find');
        await find(res, req, parse(FindQuery, params, 'body'), 'body');
      },
    }),
    rawRoute({
      method: 'post',
      path: `${FHIR_BASE}/Appointment/$hold`,
      auth: 'key',
      operationId: 'fhirHold',
      tag: 'FHIR',
      summary: 'Appointment/$hold: hold a proposed place',
      description:
        `IHE ITI-116: holds the place of the Appointment’s slot for its patient (a participant \`Patient/<id>\`) for ${DEFAULT_HOLD_MINUTES} minutes, ` +
        'unless booked: the Appointment `pending`, its slot `busy-tentative` when no place is left. The last place held twice at once has one ' +
        'winner; the other gets 409 and an `OperationOutcome` (`SLOT_FULL`). The channel is the Appointment’s (its `appointmentType`), ' +
        `else \`${DEFAULT_FHIR_CHANNEL}\`. Idempotent by the request’s id.`,
      requestBody: APPOINTMENT_BODY,
      headers: [...IDEMPOTENT_HEADERS, ACTOR_HEADER],
      responses: {
        200: resource('Appointment', 'The Appointment, `pending`'),
        ...withBody,
        404: outcome('Unknown slot (`SLOT_NOT_FOUND`)'),
        409: outcome(
          'No place left (`SLOT_FULL`), a duplicate (`DUPLICATE_BOOKING`), the request’s id reused for another request (`IDEMPOTENCY_CONFLICT`), a busy store (`CONFLICT`)',
        ),
        422: outcome('The state refuses it now (`SLOT_CLOSED`, `SLOT_ENDED`, `OUTSIDE_BOOKING_WINDOW`, `DOCTOR_RETIRED`)'),
        429: tooMany,
      },
      handle: async (_input, req, res) => {
        const actor = actorOf(req);
        sendResult(
          res,
          await holdAppointment(scheduler, bodyOf(req, true), {
            channel: DEFAULT_FHIR_CHANNEL,
            readChannel,
            ...requestIdOf(req),
            ...(actor === undefined ? {} : { actor }),
          }),
        );
      },
    }),
    rawRoute({
      method: 'post',
      path: `${FHIR_BASE}/Appointment/$book`,
      auth: 'key',
      operationId: 'fhirBook',
      tag: 'FHIR',
      summary: 'Appointment/$book: book a held or proposed place',
      description:
        'IHE ITI-117: a held Appointment (the `pending` answer of `$hold`) is confirmed; a proposed one takes a free place of its slot, or gets ' +
        '409 and an `OperationOutcome` — never the waitlist. Idempotent by the request’s id; a held Appointment booked again answers the booking. ' +
        'A held Appointment is booked only for its own patient: one naming another `Patient/<id>` gets 404 (`TOKEN_NOT_FOUND`), as an unknown one does.',
      requestBody: APPOINTMENT_BODY,
      headers: [...IDEMPOTENT_HEADERS, ACTOR_HEADER],
      responses: {
        200: resource('Appointment', 'The Appointment, `booked`'),
        ...withBody,
        404: outcome('Unknown slot, or no held token of the patient named (`SLOT_NOT_FOUND`, `TOKEN_NOT_FOUND`)'),
        409: outcome(
          'No place left (`SLOT_FULL`), a duplicate (`DUPLICATE_BOOKING`), the request’s id reused (`IDEMPOTENCY_CONFLICT`), a busy store (`CONFLICT`)',
        ),
        422: outcome(
          'The state refuses it now: a hold that expired or was released (`INVALID_TRANSITION`), `SLOT_CLOSED`, `SLOT_ENDED`, `OUTSIDE_BOOKING_WINDOW`',
        ),
        429: tooMany,
      },
      handle: async (_input, req, res) => {
        const actor = actorOf(req);
        sendResult(
          res,
          await bookAppointment(scheduler, bodyOf(req, true), {
            channel: DEFAULT_FHIR_CHANNEL,
            readChannel,
            ...requestIdOf(req),
            ...(actor === undefined ? {} : { actor }),
          }),
        );
      },
    }),
    rawRoute({
      method: 'post',
      path: `${FHIR_BASE}/Appointment/:id/$cancel`,
      auth: 'key',
      operationId: 'fhirCancel',
      tag: 'FHIR',
      summary: 'Appointment/:id/$cancel: cancel a booked or held appointment',
      description:
        'A booked Appointment is cancelled, a held one released: the place is free again at once (for the waitlist or an offer). Cancelling ' +
        'again answers the cancelled Appointment. The body, optional, is a `Parameters` resource with a `reason` (`valueString`, no patient data).',
      params: AppointmentId,
      requestBody: fhirBody('A `Parameters` resource with an optional `reason`', false),
      headers: [ACTOR_HEADER],
      responses: {
        200: resource('Appointment', 'The Appointment, `cancelled`'),
        ...withBody,
        404: outcome('Unknown Appointment (`TOKEN_NOT_FOUND`)'),
        409: outcome('A busy store (`CONFLICT`)'),
        422: outcome('The state refuses it (`INVALID_TRANSITION`, `CANCEL_CUTOFF`)'),
      },
      handle: async ({ params }, req, res) => {
        const actor = actorOf(req);
        const reason = cancelReasonOf(bodyOf(req, false));
        sendResult(
          res,
          await cancelAppointment(scheduler, params.id, { ...(reason === undefined ? {} : { reason }), ...(actor === undefined ? {} : { actor }) }),
        );
      },
    }),
    rawRoute({
      method: 'patch',
      path: `${FHIR_BASE}/Appointment/:id`,
      auth: 'key',
      operationId: 'fhirPatchAppointment',
      tag: 'FHIR',
      summary: 'Cancel an Appointment by a JSON Patch of its status',
      description:
        'The FHIR `patch` interaction with a JSON Patch (RFC 6902, `Content-Type: application/json-patch+json`) setting `/status` to ' +
        '`cancelled`, and optionally `/cancelationReason` (its `text` is the reason): the same as `$cancel`. Any other change is refused (400).',
      params: AppointmentId,
      requestBody: { description: 'The JSON Patch', required: true, content: { 'application/json-patch+json': JSON_PATCH, 'application/json': JSON_PATCH } },
      headers: [ACTOR_HEADER],
      responses: {
        200: resource('Appointment', 'The Appointment, `cancelled`'),
        ...withBody,
        404: outcome('Unknown Appointment (`TOKEN_NOT_FOUND`)'),
        409: outcome('A busy store (`CONFLICT`)'),
        422: outcome('The state refuses it (`INVALID_TRANSITION`, `CANCEL_CUTOFF`)'),
      },
      handle: async ({ params }, req, res) => {
        const actor = actorOf(req);
        const reason = patchReasonOf(bodyOf(req, true));
        sendResult(
          res,
          await cancelAppointment(scheduler, params.id, { ...(reason === undefined ? {} : { reason }), ...(actor === undefined ? {} : { actor }) }),
        );
      },
    }),

    // --- SMART Scheduling Links: `$bulk-publish` -----------------------------------------------
    rawRoute({
      method: 'get',
      path: `${FHIR_BASE}/$bulk-publish`,
      auth: 'public',
      operationId: 'fhirBulkPublish',
      tag: 'FHIR',
      summary: 'SMART Scheduling Links: the manifest',
      description:
        `The \`$bulk-publish\` manifest of the slots for the channel \`${feedChannel}\` (HL7 SMART Scheduling Links STU 1): a Slot is \`free\` exactly when that ` +
        'channel’s booking gets a place in it at `transactionTime`, with `slot-capacity` the places left to it. Public; `ETag`, `Cache-Control: max-age`, `If-None-Match` (304).',
      query: FeedQuery,
      responses: { 200: { description: 'The manifest (JSON)' }, 304: { description: 'Not modified (`If-None-Match`)' }, 400: invalid, 503: unavailable },
      handle: async ({ query }, req, res) => {
        const { publication: made, etags } = await publication(req, query._since);
        serveFeed(req, res, etags.get('$bulk-publish')!, 'application/json', JSON.stringify(made.manifest));
      },
    }),
    ...FEED_FILES.map((name) =>
      rawRoute({
        method: 'get',
        path: `${FHIR_BASE}/${name}`,
        auth: 'public',
        operationId: `fhirFeed${name.replace(/(^|-)([a-z])/g, (_, _dash: string, c: string) => c.toUpperCase()).replace('.ndjson', '')}`,
        tag: 'FHIR',
        summary: `SMART Scheduling Links: ${name}`,
        description: 'One NDJSON file the manifest lists (one FHIR resource a line). Public; `ETag`, `Cache-Control: max-age`, `If-None-Match` (304).',
        query: FeedQuery,
        responses: {
          200: { description: 'The resources', content: 'application/fhir+ndjson' },
          304: { description: 'Not modified (`If-None-Match`)' },
          400: invalid,
          503: unavailable,
        },
        handle: async ({ query }, req, res) => {
          const { publication: made, etags } = await publication(req, query._since);
          const file = made.files.find((f) => f.name === name);
          serveFeed(req, res, etags.get(name) ?? etagOf(''), 'application/fhir+ndjson', file?.ndjson ?? '');
        },
      }),
    ),
  ];
}
