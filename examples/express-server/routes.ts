/**
 * The API: every route of the engine's public surface, with its schemas and documented answers.
 */
import type { Request, Response } from 'express';
import {
  type BookingRequest,
  type DepartmentBookingRequest,
  type DepartmentHoldRequest,
  type HoldRequest,
  isOpdError,
  OpdError,
  type OpdScheduler,
  type SeriesRequest,
} from 'opd-scheduler';
import { z } from 'zod';
import type { BoardFeed } from './board.js';
import { streamEvents, type EventHub } from './events.js';
import { actorOf, ANONYMOUS_ACTOR } from './auth.js';
import { exportHistory, historyToJsonLines } from 'opd-scheduler/lab';
import { opdReport, reportHtml, type OpdReportOptions, type ReportDimension } from 'opd-scheduler/reports';
import { jsonRoute, parse, rawRoute, type ResponseDoc, type Route } from './route.js';
import {
  OfferAnswerOut,
  OfferParams,
  AddSlotsBody,
  BoardOut,
  BoardQuery,
  BookBody,
  HALL_MAX_DOCTORS,
  HallQuery,
  AnnouncementsQuery,
  TicketQuery,
  BookingResultOut,
  CallBody,
  CallResultOut,
  CheckInBody,
  DepartmentParams,
  ForwardBody,
  PointBoardOut,
  PooledCallBody,
  ServicePointParams,
  ServicePointQueueOut,
  HoldBody,
  HoldResultOut,
  CancelBody,
  CapacityBody,
  LeaseBody,
  LeaseOut,
  DeskLogBody,
  ReconcileReportOut,
  ManualRegisterBody,
  ManualRegisterReportOut,
  LeaseParams,
  CloseSlotBody,
  CreateDoctorBody,
  MoveBody,
  MoveResultOut,
  DateQuery,
  DayScheduleOut,
  DoctorListOut,
  DoctorOut,
  DoctorParams,
  DryRunQuery,
  EffectsOut,
  ReportOut,
  ReportQuery,
  EmergencyBody,
  EmptyBody,
  DoctorDayParams,
  LeaveBody,
  ProblemOut,
  PageQuery,
  RetireBody,
  RetireResultOut,
  UpdateDoctorBody,
  RotaBody,
  WaitlistQuery,
  EventsQuery,
  HealthOut,
  HistoryOut,
  HistoryFileQuery,
  HistoryQuery,
  SlotListOut,
  SlotParams,
  SlotViewOut,
  StatsOut,
  StatsQuery,
  SweepBody,
  TokenOut,
  TokenParams,
  TransitionResultOut,
  WaitlistOut,
  ExplainQuery,
  ExplanationOut,
  FairnessQuery,
  FairnessOut,
  ErasePatientBody,
  PatientErasureOut,
  PatientExportOut,
  PatientBody,
  CancelFollowUpBody,
  CancelSeriesBody,
  CompleteBody,
  DueFollowUpsOut,
  DueFollowUpsQuery,
  EntitlementBody,
  EntitlementOut,
  FollowUpBody,
  FollowUpOut,
  FollowUpParams,
  FollowUpResultOut,
  SeriesBody,
  SeriesCancellationOut,
  SeriesParams,
  SeriesResultOut,
} from './schemas.js';
import type { SseRegistry } from './sse.js';
import { displayPage, errorPage, hallPage, pointPage, pointsPage } from './display-page.js';
import { announcementsPage, type AnnouncementFeed } from './announcements.js';
import { ticketDocument } from 'opd-scheduler/notices';
import { renderSlipImage } from 'opd-scheduler/print';
import { BOARD_LANGUAGES, type BoardLanguage } from './board-messages.js';
import { HttpError, STATUS_BY_CODE } from './http-errors.js';

/** What the routes work with. */
export interface ApiContext {
  readonly scheduler: OpdScheduler;
  readonly clock: () => Date;
  /** Name of the storage in use, for `/api/health`. */
  readonly storage: string;
  readonly authRequired: boolean;
  readonly hub: EventHub;
  readonly boards: BoardFeed;
  /** Streams of `/events`. */
  readonly streams: SseRegistry;
  /** Streams of display boards: a pool of their own, so that public boards never lock `/events` clients out. */
  readonly boardStreams: SseRegistry;
  /** Language of the waiting-room screens without `?lang=`. */
  readonly boardLanguage: BoardLanguage;
  /** The hall's announcements feed. */
  readonly announcements: AnnouncementFeed;
  /** Rooms of the doctors, by id (from the server's configuration). */
  readonly rooms: Readonly<Record<string, string>>;
  /** Whether the server is shutting down. */
  readonly shuttingDown: () => boolean;
  readonly startedAt: number;
}

const err = (description: string): ResponseDoc => ({ description, schema: ProblemOut });
const invalid = err('Invalid input (`VALIDATION_FAILED`)');
const unauthorized = err('Missing or wrong API key (`UNAUTHORIZED`), when the server has one');
const unavailable = err('The store failed or the server is shutting down (`STORAGE_FAILURE`, `SHUTTING_DOWN`)');
const notFound = (what: string): ResponseDoc => err(`Unknown ${what}`);
const conflict = (codes: string): ResponseDoc => err(`The request collides with other data (${codes})`);
const refused = (codes: string): ResponseDoc => err(`The current state refuses it (${codes})`);

/** Keyed by the header's name, so that an error names it (`details.field`), as for `Last-Event-ID`. */
const IDEMPOTENCY_HEADER = z.object({ 'Idempotency-Key': z.string().min(1).max(200) });

/** The encoded path of a token. */
function tokenLocation(tokenId: string): string {
  return `/api/tokens/${encodeURIComponent(tokenId)}`;
}

function idempotencyKeyOf(body: string | undefined, header: string | string[] | undefined): string | undefined {
  if (header === undefined) return body;
  const key = parse(IDEMPOTENCY_HEADER, { 'Idempotency-Key': header }, 'header')['Idempotency-Key'];
  if (body !== undefined && body !== key) {
    throw new OpdError('VALIDATION_FAILED', 'The `Idempotency-Key` header and `idempotencyKey` differ', {
      details: { field: 'idempotencyKey', in: 'header' },
    });
  }
  return key;
}

/**
 * The engine refuses an id that is taken with `VALIDATION_FAILED` naming the `id` field. Over
 * HTTP that is a conflict with existing data (409 `ALREADY_EXISTS`), told apart from a malformed
 * id by looking the id up once the engine has refused it (ids are never removed).
 */
async function alreadyExists<T>(call: () => Promise<T>, taken: (field: string) => Promise<boolean>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isOpdError(error, 'VALIDATION_FAILED') && /^(id|slots\[\d+\]\.id)$/.test(error.details.field) && (await taken(error.details.field))) {
      throw new HttpError('ALREADY_EXISTS', error.message, { ...error.details, in: 'body' });
    }
    throw error;
  }
}

/** A page of `items` after the item whose key is `after` (every item when it is unknown: the list changed). */
function page<T>(items: readonly T[], key: (item: T) => string, limit = 100, after?: string): { items: T[]; next: string | null } {
  const start = after === undefined ? 0 : items.findIndex((item) => key(item) === after) + 1;
  const slice = items.slice(start, start + limit);
  return { items: slice, next: start + limit < items.length && slice.length > 0 ? key(slice.at(-1)!) : null };
}

/**
 * `X-Actor`: narrows the actor of the call (the API key's name, `anonymous` without keys) to a
 * member of staff, where the key allows it (see `auth.ts`). The actor is stored on every event
 * the call causes; never patient data.
 */
const ACTOR_HEADER = {
  name: 'X-Actor',
  description:
    'Narrows the actor of the call, which is the name of the API key (`anonymous` without keys), to a sub-actor `<name>/<staff>` ' +
    '(e.g. `desk-1/reena`) for a key marked `narrow`; any other actor is refused (`ACTOR_NOT_ALLOWED`). Stored as `actor` on its events; never patient data',
};

const LAST_EVENT_ID = z.object({
  'Last-Event-ID': z
    .string()
    .regex(/^\d{1,16}$/, 'Expected the `seq` of an event')
    .transform(Number),
});

/** Every route of the API (without the documentation routes, which describe these). */
export function apiRoutes(ctx: ApiContext): Route[] {
  return ownRoutes(ctx).map(withCommonAnswers);
}

/** The 409 every change may give on a shared store. */
const LOCK_BUSY = '`CONFLICT`: the doctor stayed busy with other calls, on a shared store';

/**
 * A JSON route with what every such route may answer besides its own statuses: 400 (a path that
 * is not URL-encoded, a query string it does not take); for a change, 409 `CONFLICT` (the
 * doctor's lock stayed busy on a shared store), and, for its body, 413 and 415. A route's own
 * description of a status is kept.
 */
function withCommonAnswers(route: Route): Route {
  if (route.kind !== 'json') return route;
  if (route.method === 'get') return { ...route, responses: { 400: invalid, ...route.responses } };
  const own409 = route.responses[409];
  const conflict409 =
    own409 === undefined
      ? conflict(LOCK_BUSY)
      : own409.description.includes('`CONFLICT`')
        ? own409
        : { ...own409, description: `${own409.description}; ${LOCK_BUSY}` };
  return {
    ...route,
    responses: {
      400: invalid,
      413: err('The body is larger than the server takes (`PAYLOAD_TOO_LARGE`)'),
      415: err('The body is not UTF-8 JSON (`UNSUPPORTED_MEDIA_TYPE`)'),
      ...route.responses,
      409: conflict409,
    },
  };
}

function ownRoutes(ctx: ApiContext): Route[] {
  const { scheduler } = ctx;
  const today = (): string => scheduler.dayOf(ctx.clock());

  const transition = (
    path: string,
    operationId: string,
    summary: string,
    description: string,
    refusedCodes: string,
    run: (tokenId: string, actor: string | undefined) => ReturnType<OpdScheduler['checkIn']>,
  ): Route =>
    jsonRoute({
      method: 'post',
      path: `/api/tokens/:tokenId/${path}`,
      auth: 'key',
      operationId,
      tag: 'Tokens',
      summary,
      description,
      params: TokenParams,
      headers: [ACTOR_HEADER],
      body: EmptyBody,
      bodyOptional: true,
      responses: {
        200: { description: 'The token after the transition, with the promotions it caused', schema: TransitionResultOut },
        400: invalid,
        401: unauthorized,
        404: notFound('token (`TOKEN_NOT_FOUND`)'),
        422: refused(refusedCodes),
        503: unavailable,
      },
      handle: async ({ params, req }) => ({ status: 200, body: await run(params.tokenId, actorOf(req)) }),
    });

  return [
    jsonRoute({
      method: 'get',
      path: '/api/health',
      auth: 'public',
      operationId: 'health',
      tag: 'Server',
      summary: 'Health check',
      description: 'Answers 200 while the server accepts requests and 503 while it shuts down. Probes the store.',
      responses: {
        200: { description: 'Accepting requests', schema: HealthOut },
        400: invalid,
        503: { description: 'Shutting down or the store failed', schema: HealthOut },
      },
      handle: async () => {
        let status: 'ok' | 'shutting-down' = ctx.shuttingDown() ? 'shutting-down' : 'ok';
        if (status === 'ok') {
          try {
            await scheduler.history({ after: Number.MAX_SAFE_INTEGER, limit: 1 });
          } catch {
            status = 'shutting-down';
          }
        }
        return {
          status: status === 'ok' ? 200 : 503,
          body: {
            status,
            storage: ctx.storage,
            timeZone: scheduler.timeZone,
            authRequired: ctx.authRequired,
            uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
            eventStreams: ctx.streams.size,
            boardStreams: ctx.boardStreams.size,
          },
        };
      },
    }),

    // --- Doctors and slots -------------------------------------------------------------------
    jsonRoute({
      method: 'post',
      path: '/api/doctors',
      auth: 'key',
      operationId: 'createDoctor',
      tag: 'Doctors',
      summary: 'Add a doctor',
      body: CreateDoctorBody,
      responses: {
        201: { description: 'The doctor', schema: DoctorOut },
        400: invalid,
        401: unauthorized,
        409: conflict('`ALREADY_EXISTS`: the id is taken'),
        503: unavailable,
      },
      handle: async ({ body }) => {
        const doctor = await alreadyExists(
          () => scheduler.addDoctor(body),
          async () => (await scheduler.listDoctors()).some((d) => d.id === body.id),
        );
        return { status: 201, body: doctor, headers: { Location: `/api/doctors/${encodeURIComponent(doctor.id)}` } };
      },
    }),
    jsonRoute({
      method: 'get',
      path: '/api/doctors',
      auth: 'key',
      operationId: 'listDoctors',
      tag: 'Doctors',
      summary: 'List doctors, a page at a time',
      description: 'Doctors in order of creation, `limit` at a time (default 100); pass `next` as `after` for the next page.',
      query: PageQuery,
      responses: { 200: { description: 'A page of doctors', schema: DoctorListOut }, 400: invalid, 401: unauthorized, 503: unavailable },
      handle: async ({ query }) => {
        const { items, next } = page(await scheduler.listDoctors(), (d) => d.id, query.limit, query.after);
        return { status: 200, body: { doctors: items, next } };
      },
    }),
    jsonRoute({
      method: 'get',
      path: '/api/doctors/:doctorId',
      auth: 'key',
      operationId: 'getDoctor',
      tag: 'Doctors',
      summary: 'One doctor',
      params: DoctorParams,
      responses: { 200: { description: 'The doctor', schema: DoctorOut }, 401: unauthorized, 404: notFound('doctor (`DOCTOR_NOT_FOUND`)'), 503: unavailable },
      handle: async ({ params }) => ({ status: 200, body: await scheduler.getDoctor(params.doctorId) }),
    }),
    jsonRoute({
      method: 'patch',
      path: '/api/doctors/:doctorId',
      auth: 'key',
      operationId: 'updateDoctor',
      tag: 'Doctors',
      summary: "Change a doctor's name, specialization, department, room or minutes per consultation",
      description:
        'Changes the fields given (at least one; `null` clears an optional one) and emits `doctor:updated` with each field that ' +
        'changed, before and after. Estimated starts follow a new `consultMinutes` at once; a new department counts for every ' +
        'department booking, leave and retirement that starts after the change. Values already stored change nothing.',
      params: DoctorParams,
      body: UpdateDoctorBody,
      responses: {
        200: { description: 'The doctor as changed', schema: DoctorOut },
        400: err('Invalid input: an empty patch, an unknown field or a bad value (`VALIDATION_FAILED`); nothing changed'),
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, body, req }) => ({ status: 200, body: await scheduler.updateDoctor(params.doctorId, body, { actor: actorOf(req) }) }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/doctors/:doctorId/retire',
      auth: 'key',
      operationId: 'retireDoctor',
      tag: 'Doctors',
      summary: 'Retire a doctor from an instant on',
      description:
        'Closes every open slot of the doctor that ends after `from` exactly as a leave closes them, moving each displaced patient ' +
        'once (with `reassign: "department"` to the soonest place with a colleague, else onto the waitlist or dropped as the policy ' +
        'says), and marks the doctor retired: bookings, holds, moves, new slots and reopened slots reaching past `from` are refused ' +
        'with `DOCTOR_RETIRED`. A doctor already retired is refused with `DOCTOR_RETIRED`. With `dryRun` (in the body or ' +
        '`?dryRun=true`), answers the preview and changes nothing.',
      params: DoctorParams,
      query: DryRunQuery,
      body: RetireBody,
      responses: {
        200: { description: 'The doctor as retired, `doctor:retired`, then what closing the slots caused', schema: RetireResultOut },
        400: err('Invalid input, or a slot to close holds patients who are checked in (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        422: err('The doctor is already retired (`DOCTOR_RETIRED`)'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, query, body, req }) => {
        const dryRun = query.dryRun ?? body.dryRun ?? false;
        const { doctor, effects } = await scheduler.retireDoctor(params.doctorId, {
          from: body.from,
          reason: body.reason,
          reassign: body.reassign,
          dryRun,
          actor: actorOf(req),
        });
        return { status: 200, body: { dryRun, doctor, effects } };
      },
    }),
    jsonRoute({
      method: 'post',
      path: '/api/doctors/:doctorId/slots',
      auth: 'key',
      operationId: 'addSlots',
      tag: 'Doctors',
      summary: "Add slots to a doctor's schedule",
      description: 'Slots never overlap another slot of the doctor. Waitlisted tokens are promoted into the new places.',
      params: DoctorParams,
      body: AddSlotsBody,
      responses: {
        201: { description: 'The slots added, in the order given', schema: SlotListOut },
        400: invalid,
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        409: conflict('`SLOT_OVERLAP`, `ALREADY_EXISTS`: a slot id is taken'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, body, req }) => {
        const slots = Array.isArray(body) ? body : body.slots;
        const added = await alreadyExists(
          () => scheduler.addSlots(params.doctorId, slots, { actor: actorOf(req) }),
          async (field) => {
            const id = slots[Number(/\d+/.exec(field)![0])]?.id;
            return (
              id !== undefined &&
              (await scheduler.getSlot(id).then(
                () => true,
                () => false,
              ))
            );
          },
        );
        return { status: 201, body: { slots: added } };
      },
    }),
    jsonRoute({
      method: 'post',
      path: '/api/doctors/:doctorId/rota',
      auth: 'key',
      operationId: 'addRecurringSlots',
      tag: 'Doctors',
      summary: 'Add the slots of a weekly rota',
      description:
        'Creates the slots of a weekly rota between two local dates in the scheduler’s time zone, skipping `except` dates. ' +
        'Local times stay local across daylight-saving changes; a slot in an hour the clocks skip or repeat is not created. ' +
        'Idempotent: slots the doctor already has from the same rota are kept as they are and only missing slots are created; ' +
        'a repeated request answers an empty list.',
      params: DoctorParams,
      body: RotaBody,
      responses: {
        201: { description: 'The slots created by this request, in time order (empty when the rota already exists)', schema: SlotListOut },
        400: invalid,
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        409: conflict('`SLOT_OVERLAP`: sessions of one weekday overlap, or a slot overlaps another slot of the doctor; nothing is created'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, body, req }) => ({
        status: 201,
        body: { slots: await scheduler.addRecurringSlots(params.doctorId, body, { actor: actorOf(req) }) },
      }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/doctors/:doctorId/leave',
      auth: 'key',
      operationId: 'closeSlots',
      tag: 'Doctors',
      summary: 'A doctor’s leave: close every slot of a range',
      description:
        'Closes every open slot of the doctor overlapping `[from, to)` that has not ended, in one unit, then moves each displaced ' +
        'patient once, emergencies first: to the first usable place after the leave on the patient’s day, else to the doctor’s ' +
        'first free place after the leave on a later day (within `horizonDays`, default 28), else onto the waitlist ' +
        'or dropped as the policy says; with `reassign: "department"`, to the soonest place with a colleague of the department when sooner. ' +
        'With `dryRun` (in the body or `?dryRun=true`), answers the combined preview and changes nothing.',
      params: DoctorParams,
      query: DryRunQuery,
      body: LeaveBody,
      responses: {
        200: { description: '`slot:closed` for each slot in time order, then the fate of each displaced token', schema: EffectsOut },
        400: err('Invalid input, or a slot of the leave holds patients who are checked in (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, query, body, req }) => {
        const dryRun = query.dryRun ?? body.dryRun ?? false;
        const effects = await scheduler.closeSlots(params.doctorId, {
          from: body.from,
          to: body.to,
          reason: body.reason,
          dryRun,
          reassign: body.reassign,
          horizonDays: body.horizonDays,
          actor: actorOf(req),
        });
        return { status: 200, body: { dryRun, effects } };
      },
    }),
    jsonRoute({
      method: 'post',
      path: '/api/doctors/:doctorId/days/:date/close',
      auth: 'key',
      operationId: 'closeDay',
      tag: 'Doctors',
      summary: 'Close a doctor’s day that is over',
      description:
        'Once the day’s last open slot has ended (with no open slot, the local day), ends every token of the day still waiting, ' +
        'held, booked, or checked in and never seen, emergencies first: `token:expired` (`reason: "day-closed"`), or, on a server ' +
        'whose scheduler carries forward, `token:carried` onto the doctor’s next day with slots, as a waitlisted token keeping its rank ' +
        'and due time; then `day:closed`. Closing again changes nothing (an empty list). The sweep closes days by itself. ' +
        'With `?dryRun=true`, answers the preview and changes nothing.',
      params: DoctorDayParams,
      query: DryRunQuery,
      body: EmptyBody,
      bodyOptional: true,
      responses: {
        200: { description: 'One `token:expired` or `token:carried` per token, promotions on the day carried to, then `day:closed`', schema: EffectsOut },
        400: invalid,
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        422: refused('`DAY_NOT_OVER`: the day is not over yet (`details.overAt`)'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, query, req }) => {
        const dryRun = query.dryRun ?? false;
        return { status: 200, body: { dryRun, effects: await scheduler.closeDay(params.doctorId, params.date, { dryRun, actor: actorOf(req) }) } };
      },
    }),
    jsonRoute({
      method: 'post',
      path: '/api/doctors/:doctorId/days/:date/leases',
      auth: 'key',
      operationId: 'leaseCapacity',
      tag: 'Doctors',
      summary: 'Lease a desk places of a doctor’s day',
      description:
        'Holds free places of the day (the earliest open slots, never elastic places) for a desk that will issue tokens without the network, ' +
        'counted taken by every schedule, availability and booking until the lease ends: returned, or by itself after `ttlMinutes`. `lease:granted`.',
      params: DoctorDayParams,
      body: LeaseBody,
      responses: {
        201: { description: 'The lease', schema: LeaseOut },
        400: err('Invalid input, or the desk already holds a lease on the day (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        409: conflict('`SLOT_FULL`: fewer free places than asked (`details.free`)'),
        503: unavailable,
      },
      handle: async ({ params, body }) => ({ status: 201, body: await scheduler.leaseCapacity({ ...body, doctorId: params.doctorId, date: params.date }) }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/doctors/:doctorId/days/:date/leases/:leaseId/return',
      auth: 'key',
      operationId: 'returnLease',
      tag: 'Doctors',
      summary: 'Give a lease back',
      description: 'Its unused places return to the day at once (`lease:returned`); a lease that has already ended is answered as it stands.',
      params: LeaseParams,
      body: EmptyBody,
      bodyOptional: true,
      responses: {
        200: { description: 'The lease as it stands now', schema: LeaseOut },
        400: err('Invalid input, or no such lease (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        503: unavailable,
      },
      handle: async ({ params }) => ({ status: 200, body: await scheduler.returnLease({ id: params.leaseId, doctorId: params.doctorId, date: params.date }) }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/doctors/:doctorId/days/:date/leases/:leaseId/reconcile',
      auth: 'key',
      operationId: 'reconcile',
      tag: 'Doctors',
      summary: 'Enter a desk’s log on reconnect',
      description:
        'The desk’s bookings, cancels and check-ins (`OfflineDesk.exportLog()`), each entered once: a repeat of the same log changes nothing, so a ' +
        'reconcile cut off half way is sent again whole. No token the desk issued is revoked; what staff must resolve is reported. Then the ' +
        'lease’s unused places return to the day (`lease:returned`).',
      params: LeaseParams,
      body: DeskLogBody,
      responses: {
        200: { description: 'What was entered, what had been already, and what staff must resolve', schema: ReconcileReportOut },
        400: err('Invalid input, or no such lease (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`), or a booking’s slot outside the lease’s day (`SLOT_NOT_FOUND`)'),
        409: conflict('`IDEMPOTENCY_CONFLICT`: a key of the log was used by another request'),
        503: unavailable,
      },
      handle: async ({ params, body }) => ({
        status: 200,
        body: await scheduler.reconcile({ lease: { id: params.leaseId, doctorId: params.doctorId, date: params.date }, log: () => body }),
      }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/manual-register',
      auth: 'key',
      operationId: 'importManualRegister',
      tag: 'Tokens',
      summary: 'Enter a register written by hand during an outage',
      description:
        'Each row is booked by the same rules as any booking, under the idempotency key `manual:<doctorId>:<label>`, so that a second import of ' +
        'the same register changes nothing. Rows the rules refuse are reported with their code, for staff to place by hand.',
      body: ManualRegisterBody,
      responses: {
        200: { description: 'The rows entered and those that did not fit', schema: ManualRegisterReportOut },
        400: invalid,
        401: unauthorized,
        503: unavailable,
      },
      handle: async ({ body }) => ({ status: 200, body: await scheduler.importManualRegister(body) }),
    }),
    jsonRoute({
      method: 'get',
      path: '/api/doctors/:doctorId/schedule',
      auth: 'key',
      operationId: 'getSchedule',
      tag: 'Doctors',
      summary: "A doctor's day",
      description: 'Every slot of the day in time order with its queue, and the day’s waitlist. `date` defaults to today in the scheduler’s time zone.',
      params: DoctorParams,
      query: DateQuery,
      responses: {
        200: { description: 'The day', schema: DayScheduleOut },
        400: invalid,
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        503: unavailable,
      },
      handle: async ({ params, query }) => ({ status: 200, body: await scheduler.getSchedule(params.doctorId, query.date ?? today()) }),
    }),
    jsonRoute({
      method: 'get',
      path: '/api/doctors/:doctorId/waitlist',
      auth: 'key',
      operationId: 'getWaitlist',
      tag: 'Doctors',
      summary: "A doctor-day's waitlist, a page at a time",
      description: 'Waitlisted tokens in promotion order (rank, request time, token number), `limit` at a time (default 100). `date` defaults to today.',
      params: DoctorParams,
      query: WaitlistQuery,
      responses: {
        200: { description: 'A page of the waitlist', schema: WaitlistOut },
        400: invalid,
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        503: unavailable,
      },
      handle: async ({ params, query }) => {
        const date = query.date ?? today();
        const { items, next } = page(await scheduler.getWaitlist(params.doctorId, date), (t) => t.id, query.limit, query.after);
        return { status: 200, body: { doctorId: params.doctorId, date, waitlist: items, next } };
      },
    }),
    jsonRoute({
      method: 'get',
      path: '/api/slots/:slotId',
      auth: 'key',
      operationId: 'getSlot',
      tag: 'Slots',
      summary: 'A slot with its queue',
      description: 'The slot, its places in queue order, the waitlist that could be promoted into it, free and elastic places.',
      params: SlotParams,
      responses: { 200: { description: 'The slot view', schema: SlotViewOut }, 401: unauthorized, 404: notFound('slot (`SLOT_NOT_FOUND`)'), 503: unavailable },
      handle: async ({ params }) => ({ status: 200, body: await scheduler.getSlot(params.slotId) }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/slots/:slotId/close',
      auth: 'key',
      operationId: 'closeSlot',
      tag: 'Slots',
      summary: 'Close a slot (the doctor leaves)',
      description:
        'Closes the slot and displaces every booked place in it under the displacement rule (cascade, waitlist or drop). ' +
        'With `?dryRun=true`, answers what would happen and changes nothing.',
      params: SlotParams,
      query: DryRunQuery,
      body: CloseSlotBody,
      bodyOptional: true,
      responses: {
        200: { description: '`slot:closed`, then the fate of each displaced token', schema: EffectsOut },
        400: err('Invalid input, or patients in it are checked in (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('slot (`SLOT_NOT_FOUND`)'),
        422: refused('`SLOT_CLOSED`, `SLOT_ENDED`, `OUTSIDE_BOOKING_WINDOW` (`details.opensAt`, `details.closesAt`)'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, query, body, req }) => {
        const dryRun = query.dryRun ?? false;
        return { status: 200, body: { dryRun, effects: await scheduler.closeSlot(params.slotId, { reason: body.reason, dryRun, actor: actorOf(req) }) } };
      },
    }),
    jsonRoute({
      method: 'post',
      path: '/api/slots/:slotId/reopen',
      auth: 'key',
      operationId: 'reopenSlot',
      tag: 'Slots',
      summary: 'Reopen a slot closed by mistake',
      description:
        'Reopens a closed slot that has not ended and promotes waitlisted tokens into it (waiting emergencies first). ' +
        'Patients displaced when it closed are not brought back.',
      params: SlotParams,
      body: EmptyBody,
      bodyOptional: true,
      responses: {
        200: { description: '`slot:reopened`, then the promotions it caused', schema: EffectsOut },
        400: err('Invalid input, or the slot is not closed (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('slot (`SLOT_NOT_FOUND`)'),
        422: refused('`SLOT_ENDED`'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, req }) => ({
        status: 200,
        body: { dryRun: false, effects: await scheduler.reopenSlot(params.slotId, { actor: actorOf(req) }) },
      }),
    }),
    jsonRoute({
      method: 'put',
      path: '/api/slots/:slotId/capacity',
      auth: 'key',
      operationId: 'setCapacity',
      tag: 'Slots',
      summary: "Set a slot's capacity",
      description:
        'Raising promotes waitlisted tokens; lowering displaces the worst-ranked booked places beyond the new capacity. ' +
        'A capacity below the places that can no longer move is refused. With `?dryRun=true`, answers what would happen and changes nothing.',
      params: SlotParams,
      query: DryRunQuery,
      body: CapacityBody,
      responses: {
        200: { description: '`slot:capacity-changed`, then promotions or displacements', schema: EffectsOut },
        400: err('Invalid input, or below the places that cannot move (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('slot (`SLOT_NOT_FOUND`)'),
        422: refused('`SLOT_CLOSED`, `SLOT_ENDED`, `OUTSIDE_BOOKING_WINDOW` (`details.opensAt`, `details.closesAt`)'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, query, body, req }) => {
        const dryRun = query.dryRun ?? false;
        return { status: 200, body: { dryRun, effects: await scheduler.setCapacity(params.slotId, body.capacity, { dryRun, actor: actorOf(req) }) } };
      },
    }),

    // --- Tokens ------------------------------------------------------------------------------
    jsonRoute({
      method: 'post',
      path: '/api/tokens',
      auth: 'key',
      operationId: 'book',
      tag: 'Tokens',
      summary: 'Book a token (any category)',
      description:
        'The requested slot, or the earliest suitable one (from `after`, on `date`); a free place, else an elastic place, else what the ' +
        'policy offers (bump, next slot, waitlist, reject). Retries with the same idempotency key answer 200 with `replayed: true`. ' +
        'With `department` instead of `doctorId`, the doctor of that department whose earliest usable place is soonest.',
      headers: [{ name: 'Idempotency-Key', description: 'Same as `idempotencyKey` in the body' }, ACTOR_HEADER],
      body: BookBody,
      responses: {
        201: { description: 'The token, booked or waitlisted, and what it caused (bumps, cascades)', schema: BookingResultOut },
        200: { description: 'A replay of an earlier call with the same idempotency key', schema: BookingResultOut },
        400: err('Invalid input, an unknown category, or both or neither of `doctorId` and `department` (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('doctor, department or slot (`DOCTOR_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`, `SLOT_NOT_FOUND`)'),
        409: conflict('`SLOT_FULL`, `DUPLICATE_BOOKING`, `IDEMPOTENCY_CONFLICT`, `CONFLICT`'),
        422: refused('`SLOT_CLOSED`, `SLOT_ENDED`, `OUTSIDE_BOOKING_WINDOW` (`details.opensAt`, `details.closesAt`)'),
        503: unavailable,
      },
      handle: async ({ body, req }) => {
        const result = await scheduler.book(
          bookingRequest({ ...body, idempotencyKey: idempotencyKeyOf(body.idempotencyKey, req.headers['idempotency-key']), actor: actorOf(req) }),
        );
        return { status: result.replayed ? 200 : 201, body: result, headers: { Location: tokenLocation(result.token.id) } };
      },
    }),
    jsonRoute({
      method: 'post',
      path: '/api/tokens/emergency',
      auth: 'key',
      operationId: 'bookEmergency',
      tag: 'Tokens',
      summary: 'Book an emergency token',
      description:
        'Same as booking with `category: EMERGENCY`: the earliest slot of the day from the one asked for (or from now) with a free place, an elastic place or a bump the policy allows; with no room anywhere, the waitlist (never refused), reported by an `emergency:unplaced` event.',
      headers: [{ name: 'Idempotency-Key', description: 'Same as `idempotencyKey` in the body' }, ACTOR_HEADER],
      body: EmergencyBody,
      responses: {
        201: { description: 'The token and what it caused', schema: BookingResultOut },
        200: { description: 'A replay of an earlier call with the same idempotency key', schema: BookingResultOut },
        400: invalid,
        401: unauthorized,
        404: notFound('doctor or slot (`DOCTOR_NOT_FOUND`, `SLOT_NOT_FOUND`)'),
        409: conflict('`SLOT_FULL`, `DUPLICATE_BOOKING`, `IDEMPOTENCY_CONFLICT`, `CONFLICT`'),
        422: refused('`SLOT_CLOSED`, `SLOT_ENDED`, `OUTSIDE_BOOKING_WINDOW` (`details.opensAt`, `details.closesAt`)'),
        503: unavailable,
      },
      handle: async ({ body, req }) => {
        const idempotencyKey = idempotencyKeyOf(body.idempotencyKey, req.headers['idempotency-key']);
        const result = await scheduler.book(bookingRequest({ ...body, category: 'EMERGENCY', idempotencyKey, actor: actorOf(req) }));
        return { status: result.replayed ? 200 : 201, body: result, headers: { Location: tokenLocation(result.token.id) } };
      },
    }),
    jsonRoute({
      method: 'get',
      path: '/api/tokens/:tokenId',
      auth: 'key',
      operationId: 'getToken',
      tag: 'Tokens',
      summary: 'Token details',
      description: 'The token with its queue position and estimated start (for places).',
      params: TokenParams,
      responses: { 200: { description: 'The token', schema: TokenOut }, 401: unauthorized, 404: notFound('token (`TOKEN_NOT_FOUND`)'), 503: unavailable },
      handle: async ({ params }) => ({ status: 200, body: await scheduler.getToken(params.tokenId) }),
    }),
    jsonRoute({
      method: 'get',
      path: '/api/tokens/:tokenId/explain',
      auth: 'key',
      operationId: 'explainToken',
      tag: 'Tokens',
      summary: 'Why the token is where it is',
      description:
        'The token’s reason chain, step by step (the rule that placed it, the token that bumped it with both ranks, the quota that refused, ' +
        'cascades, the waitlist, promotions, moves, calls), and one sentence for the desk or an SMS in English (`lang=en`, default) or Hindi ' +
        '(`lang=hi`). No patient data beyond the label.',
      params: TokenParams,
      query: ExplainQuery,
      responses: {
        200: { description: 'The explanation', schema: ExplanationOut },
        400: invalid,
        401: unauthorized,
        404: notFound('token (`TOKEN_NOT_FOUND`)'),
        503: unavailable,
      },
      handle: async ({ params, query }) => {
        const lang = query.lang ?? 'en';
        const [explanation, text] = await Promise.all([scheduler.explain(params.tokenId), scheduler.explainText(params.tokenId, { lang })]);
        return { status: 200, body: { ...explanation, text, lang } };
      },
    }),
    jsonRoute({
      method: 'post',
      path: '/api/tokens/:tokenId/cancel',
      auth: 'key',
      operationId: 'cancel',
      tag: 'Tokens',
      summary: 'Cancel a token',
      description:
        'From `WAITLISTED`, `BOOKED` or `CHECKED_IN`; the freed place is promoted into. With a cancel cut-off for the category, a token whose slot ' +
        'starts sooner is refused with `CANCEL_CUTOFF` (`details.cutoffAt`) unless the actor is exempt.',
      params: TokenParams,
      body: CancelBody,
      bodyOptional: true,
      responses: {
        200: { description: 'The token after the transition, with the promotions it caused', schema: TransitionResultOut },
        400: invalid,
        401: unauthorized,
        404: notFound('token (`TOKEN_NOT_FOUND`)'),
        422: refused('`INVALID_TRANSITION`, `CANCEL_CUTOFF`'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, body, req }) => ({ status: 200, body: await scheduler.cancel(params.tokenId, { reason: body.reason, actor: actorOf(req) }) }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/tokens/hold',
      auth: 'key',
      operationId: 'hold',
      tag: 'Tokens',
      summary: 'Hold a place until a deadline',
      description:
        'Holds a free place (never an elastic one, never by bumping, never the waitlist) until `holdMinutes` from now: the token is `HELD` ' +
        'and counts against capacity. Confirm it with `POST /api/tokens/{tokenId}/confirm`; release it, or the next sweep after ' +
        '`holdExpiresAt` releases it and promotes into the place. With `department` instead of `doctorId`, the soonest free place with a ' +
        'doctor of that department.',
      headers: [ACTOR_HEADER],
      body: HoldBody,
      responses: {
        200: { description: 'A replay of an earlier request with the same idempotency key', schema: HoldResultOut },
        201: { description: 'The place is held', schema: HoldResultOut },
        400: invalid,
        401: unauthorized,
        404: notFound('doctor, department or slot (`DOCTOR_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`, `SLOT_NOT_FOUND`)'),
        409: conflict('`SLOT_FULL` (no free place to hold), `DUPLICATE_BOOKING`, `IDEMPOTENCY_CONFLICT`'),
        422: refused('`SLOT_CLOSED`, `SLOT_ENDED`, `OUTSIDE_BOOKING_WINDOW` (`details.opensAt`, `details.closesAt`)'),
        503: unavailable,
      },
      handle: async ({ body, req }) => {
        const result = await scheduler.hold(holdRequest({ ...body, actor: actorOf(req) }));
        return { status: result.replayed ? 200 : 201, body: result, headers: { Location: tokenLocation(result.token.id) } };
      },
    }),
    transition(
      'confirm',
      'confirm',
      'Confirm a hold',
      'A `HELD` token before its hold ends becomes `BOOKED` in the same place.',
      '`INVALID_TRANSITION` (also for a hold that has ended, `details.expired`)',
      (id, actor) => scheduler.confirm(id, { actor }),
    ),
    jsonRoute({
      method: 'post',
      path: '/api/tokens/:tokenId/move',
      auth: 'key',
      operationId: 'move',
      tag: 'Tokens',
      summary: 'Move a patient to another slot, day or doctor',
      description:
        'A `BOOKED` or `WAITLISTED` token to a free place, atomically: within one doctor-day the token keeps its id and number; otherwise the ' +
        'patient gets a new token there and the old one ends `CANCELLED` (`cancelReason: moved`). No free place: `SLOT_FULL`, nothing changes. ' +
        'With `?dryRun=true`, answers what would happen and changes nothing.',
      params: TokenParams,
      query: DryRunQuery,
      body: MoveBody,
      responses: {
        200: { description: 'The patient’s token now, and the promotions into the place left', schema: MoveResultOut },
        400: err('Invalid input, or the place the token already holds (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('token, slot or doctor (`TOKEN_NOT_FOUND`, `SLOT_NOT_FOUND`, `DOCTOR_NOT_FOUND`)'),
        409: conflict('`SLOT_FULL`, `DUPLICATE_BOOKING`, `CONFLICT`'),
        422: refused('`INVALID_TRANSITION`, `SLOT_CLOSED`, `SLOT_ENDED`, `OUTSIDE_BOOKING_WINDOW` (`details.opensAt`, `details.closesAt`)'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ params, query, body, req }) => {
        const dryRun = query.dryRun ?? false;
        const { reason, ...to } = body;
        const result = await scheduler.move(params.tokenId, to, { reason, dryRun, actor: actorOf(req) });
        return { status: 200, body: { dryRun, ...result } };
      },
    }),
    transition(
      'release',
      'release',
      'Release a hold',
      'A `HELD` token ends `CANCELLED` (`hold-released`); its place is promoted into.',
      '`INVALID_TRANSITION`',
      (id, actor) => scheduler.release(id, { actor }),
    ),
    ...(['accept', 'decline'] as const).map((answer) =>
      jsonRoute({
        method: 'post',
        path: `/api/offers/:offerId/${answer}`,
        auth: 'key',
        operationId: `${answer}Offer`,
        tag: 'Tokens',
        summary: answer === 'accept' ? 'Accept an offer of a freed place' : 'Decline an offer of a freed place',
        description:
          answer === 'accept'
            ? 'With offers (`OPD_OFFERS`), a freed place is offered to waiting patients (`token:offered` on `/api/events`: send the SMS from it). ' +
              'The first candidate to accept before `expiresAt` takes the place: a waitlisted token becomes `BOOKED`, a booked one moves keeping its ' +
              'number (the place it leaves is offered in turn); the others get `token:offer-lapsed`. Accepting again answers the same, `replayed: true`.'
            : 'The token keeps what it had (`token:offer-declined`); when nobody of its group can still answer, the next group is offered at once.',
        params: OfferParams,
        headers: [ACTOR_HEADER],
        body: EmptyBody,
        bodyOptional: true,
        responses: {
          200: { description: 'The token after the answer, with everything else it caused', schema: OfferAnswerOut },
          400: invalid,
          401: unauthorized,
          404: notFound('offer (`OFFER_NOT_FOUND`)'),
          409: conflict('`OFFER_TAKEN`: another candidate accepted first'),
          422: refused('`OFFER_EXPIRED` (its window passed), `INVALID_TRANSITION` (answered the other way)'),
          503: unavailable,
        },
        handle: async ({ params, req }) => {
          const actor = actorOf(req);
          const result = answer === 'accept' ? await scheduler.acceptOffer(params.offerId, { actor }) : await scheduler.declineOffer(params.offerId, { actor });
          return { status: 200, body: result };
        },
      }),
    ),
    transition(
      'reinstate',
      'reinstate',
      'Bring back a no-show or a cancelled token of today',
      'A late arrival or a mistaken cancellation: back under the booking rules, by the server’s late-arrival rule, keeping its number and label.',
      '`INVALID_TRANSITION`, `DUPLICATE_BOOKING`, `SLOT_FULL`, `OUTSIDE_BOOKING_WINDOW`',
      (id, actor) => scheduler.reinstate(id, { actor }),
    ),
    jsonRoute({
      method: 'post',
      path: '/api/tokens/:tokenId/recall',
      auth: 'key',
      operationId: 'recall',
      tag: 'Tokens',
      summary: 'Call a checked-in patient again',
      description: 'Announces the patient again on the waiting-room board (`token:called` with `recall: true`); changes no status.',
      params: TokenParams,
      headers: [ACTOR_HEADER],
      body: CallBody,
      bodyOptional: true,
      responses: {
        200: { description: 'The token called', schema: TransitionResultOut },
        400: invalid,
        401: unauthorized,
        404: notFound('token (`TOKEN_NOT_FOUND`)'),
        422: refused('`INVALID_TRANSITION`'),
        503: unavailable,
      },
      handle: async ({ params, body, req }) => ({ status: 200, body: await scheduler.recall(params.tokenId, { room: body.room, actor: actorOf(req) }) }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/doctors/:doctorId/call-next',
      auth: 'key',
      operationId: 'callNext',
      tag: 'Doctors',
      summary: 'Call the next patient',
      description:
        'Calls the first checked-in patient of today to the room (`token:called`, announced on the waiting-room board): in queue order, or with a call order (`OPD_CALL_ORDER`) emergencies first, then in that order. ' +
        'Calling changes no status: the same patient is next until the consultation starts. `token` is `null` when nobody is checked in.',
      params: DoctorParams,
      headers: [ACTOR_HEADER],
      body: CallBody,
      bodyOptional: true,
      responses: {
        200: { description: 'The patient called, or `null`', schema: CallResultOut },
        400: invalid,
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        503: unavailable,
      },
      handle: async ({ params, body, req }) => ({ status: 200, body: await scheduler.callNext(params.doctorId, { room: body.room, actor: actorOf(req) }) }),
    }),
    transition(
      'no-show',
      'markNoShow',
      'Mark a no-show',
      'A `BOOKED` token whose slot has started; the freed place is promoted into.',
      '`INVALID_TRANSITION`, `NOT_YET_DUE`',
      (id, actor) => scheduler.markNoShow(id, { actor }),
    ),
    jsonRoute({
      method: 'post',
      path: '/api/tokens/:tokenId/check-in',
      auth: 'key',
      operationId: 'checkIn',
      tag: 'Tokens',
      summary: 'Check a patient in',
      description:
        'A `BOOKED` token; a checked-in place is never bumped. With `route` (a name of `OPD_ROUTES`), the patient starts in the queue ' +
        'of the route’s first service point and is forwarded along it; without, the patient waits for the doctor.',
      params: TokenParams,
      headers: [ACTOR_HEADER],
      body: CheckInBody,
      bodyOptional: true,
      responses: {
        200: { description: 'The token after the transition, with the promotions it caused', schema: TransitionResultOut },
        400: err('Invalid input, or a route the server does not have (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('token (`TOKEN_NOT_FOUND`)'),
        422: refused('`INVALID_TRANSITION`'),
        503: unavailable,
      },
      handle: async ({ params, body, req }) => ({ status: 200, body: await scheduler.checkIn(params.tokenId, { route: body.route, actor: actorOf(req) }) }),
    }),

    // --- A visit's journey: service points and pooled departments ------------------------------
    jsonRoute({
      method: 'post',
      path: '/api/tokens/:tokenId/forward',
      auth: 'key',
      operationId: 'forward',
      tag: 'Journeys',
      summary: 'Send a patient on to the next queue of the visit',
      description:
        'A `CHECKED_IN` patient (or one in consultation: the doctor sends them on) moves to the queue of a service point (`to`: its id, or a kind ' +
        'such as `lab`), or back to the doctor (`to: "doctor"`). The token keeps its id, number, place, category and due time and waits in exactly ' +
        'one queue; on a route it reaches the first later stage of that kind. A patient who saw the doctor and is sent back re-enters the doctor’s ' +
        'queue where the re-entry rule (`OPD_REENTRY`) says, never as a new booking. `token:forwarded`.',
      params: TokenParams,
      headers: [ACTOR_HEADER],
      body: ForwardBody,
      responses: {
        200: { description: 'The token in its new queue (`journey`), and `token:forwarded`', schema: TransitionResultOut },
        400: err('Invalid input: no service points, an unknown or ambiguous `to`, a point of another department (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('token (`TOKEN_NOT_FOUND`)'),
        422: refused(
          '`INVALID_TRANSITION`: a token neither checked in nor in consultation, one already waiting there, or a kind no later stage of its route has',
        ),
        503: unavailable,
      },
      handle: async ({ params, body, req }) => ({
        status: 200,
        body: await scheduler.forward(params.tokenId, { to: body.to, reason: body.reason, actor: actorOf(req) }),
      }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/service-points/:servicePointId/call',
      auth: 'key',
      operationId: 'callServicePoint',
      tag: 'Journeys',
      summary: 'Call the next patient at a service point',
      description:
        'Calls the first patient waiting at the service point today (`token:called` with `servicePointId`, announced on its screen): emergencies ' +
        'first, then the call order. Calling changes nothing stored: the same patient is first until sent on (`forward`). `token` is `null` ' +
        'when nobody waits. The room defaults to the point’s first room.',
      params: ServicePointParams,
      headers: [ACTOR_HEADER],
      body: CallBody,
      bodyOptional: true,
      responses: {
        200: { description: 'The patient called, or `null`', schema: CallResultOut },
        400: err('Invalid input, or no such service point with a queue of its own (`VALIDATION_FAILED`)'),
        401: unauthorized,
        503: unavailable,
      },
      handle: async ({ params, body, req }) => ({
        status: 200,
        body: await scheduler.callNext({ servicePoint: params.servicePointId }, { room: body.room, actor: actorOf(req) }),
      }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/departments/:department/call',
      auth: 'key',
      operationId: 'callPooled',
      tag: 'Journeys',
      summary: 'Call the next patient of a pooled department for a doctor who is free',
      description:
        'For a department with a service point of kind `doctor`: calls, for `doctorId`, the next of the department’s queue — the doctor’s own ' +
        'checked-in patients and the department’s pooled patients of every colleague — in the call order, emergencies first. The patient keeps ' +
        'the place on the day they were booked to, so each doctor’s capacity holds; no colleague calls the same patient. `token:called` with ' +
        '`calledBy` when the patient is a colleague’s, announced on the calling doctor’s screen.',
      params: DepartmentParams,
      headers: [ACTOR_HEADER],
      body: PooledCallBody,
      responses: {
        200: { description: 'The patient called, or `null`', schema: CallResultOut },
        400: err('Invalid input, a department without a pooled queue, or a doctor of another department (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        503: unavailable,
      },
      handle: async ({ params, body, req }) => ({
        status: 200,
        body: await scheduler.callNext({ department: params.department, doctorId: body.doctorId }, { room: body.room, actor: actorOf(req) }),
      }),
    }),
    jsonRoute({
      method: 'get',
      path: '/api/service-points/:servicePointId/queue',
      auth: 'key',
      operationId: 'getServicePointQueue',
      tag: 'Journeys',
      summary: 'The patients waiting at a service point',
      description:
        'In the order `POST /api/service-points/{servicePointId}/call` calls them: emergencies first, then the call order. Each token keeps its ' +
        'place with its doctor; this is where the patient stands now. `date` defaults to today.',
      params: ServicePointParams,
      query: DateQuery,
      responses: {
        200: { description: 'The queue', schema: ServicePointQueueOut },
        400: err('Invalid input, a bad date, or no such service point with a queue of its own (`VALIDATION_FAILED`)'),
        401: unauthorized,
        503: unavailable,
      },
      handle: async ({ params, query }) => {
        const date = query.date ?? today();
        return {
          status: 200,
          body: { servicePointId: params.servicePointId, date, tokens: await scheduler.getServicePointQueue(params.servicePointId, date) },
        };
      },
    }),
    transition('start', 'startConsultation', 'Start the consultation', 'A `CHECKED_IN` token.', '`INVALID_TRANSITION`', (id, actor) =>
      scheduler.startConsultation(id, { actor }),
    ),
    jsonRoute({
      method: 'post',
      path: '/api/tokens/:tokenId/complete',
      auth: 'key',
      operationId: 'complete',
      tag: 'Tokens',
      summary: 'Complete the consultation',
      description:
        'An `IN_CONSULTATION` token. The place stays used. With `charged: true`, on a server whose scheduler has `followUps`, the visit opens an ' +
        'entitlement to free revisits (`entitlement:opened`; see `POST /api/patients/entitlement`).',
      params: TokenParams,
      headers: [ACTOR_HEADER],
      body: CompleteBody,
      bodyOptional: true,
      responses: {
        200: { description: 'The token after the transition, with what it caused', schema: TransitionResultOut },
        400: invalid,
        401: unauthorized,
        404: notFound('token (`TOKEN_NOT_FOUND`)'),
        422: refused('`INVALID_TRANSITION`'),
        503: unavailable,
      },
      handle: async ({ params, body, req }) => ({
        status: 200,
        body: await scheduler.complete(params.tokenId, { charged: body.charged, actor: actorOf(req) }),
      }),
    }),

    // --- Coming back: follow-ups, series of visits, free revisits ------------------------------
    jsonRoute({
      method: 'post',
      path: '/api/tokens/:tokenId/follow-up',
      auth: 'key',
      operationId: 'bookFollowUp',
      tag: 'Follow-ups',
      summary: 'Book the follow-up of a visit',
      description:
        'At the end of a visit (a token checked in, in consultation or completed): the earliest usable place of the window ' +
        '`[due − windowDays, due + windowDays]`, day by day, booked as a `FOLLOW_UP` through the booking rules (quota, booking windows, ' +
        'duplicates), with the visit’s doctor, another `doctorId` or any doctor of a `department`. With no place, the follow-up is `DUE`: ' +
        'listed by `GET /api/follow-ups/due` and tried again by every sweep. One visit has one follow-up: asked again, a booked one is ' +
        'answered as it stands (200, `replayed: true`); a due one is tried again with the new request.',
      params: TokenParams,
      headers: [{ name: 'Idempotency-Key', description: 'Same as `idempotencyKey` in the body' }, ACTOR_HEADER],
      body: FollowUpBody,
      responses: {
        201: { description: 'The follow-up, booked (with its token) or due, and what it caused', schema: FollowUpResultOut },
        200: { description: 'The visit’s follow-up as it stands: booked before, or cancelled under the same key', schema: FollowUpResultOut },
        400: err('Invalid input: neither or both of `afterDays` and `on`, both `doctorId` and `department`, a bad window (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('visit (`TOKEN_NOT_FOUND`)'),
        422: refused('`INVALID_TRANSITION`: the visit was not seen (a token neither checked in, in consultation nor completed)'),
        503: unavailable,
      },
      handle: async ({ params, body, req }) => {
        const idempotencyKey = idempotencyKeyOf(body.idempotencyKey, req.headers['idempotency-key']);
        const result = await scheduler.bookFollowUp(params.tokenId, { ...body, idempotencyKey, actor: actorOf(req) });
        return { status: result.replayed ? 200 : 201, body: result };
      },
    }),
    jsonRoute({
      method: 'get',
      path: '/api/follow-ups/due',
      auth: 'key',
      operationId: 'dueFollowUps',
      tag: 'Follow-ups',
      summary: 'The follow-ups that have no place yet, a page at a time',
      description:
        'Every follow-up still `DUE` (no place in its window when asked, none since), by due date: for the desk to call the patient. ' +
        'Filtered by the date it is due on, the department asked for, or the doctor asked for (the visit’s doctor when none was named); ' +
        '`limit` at a time (default 100). A follow-up whose window has passed stays listed until somebody cancels it. No patient data.',
      query: DueFollowUpsQuery,
      responses: { 200: { description: 'A page of due follow-ups', schema: DueFollowUpsOut }, 400: invalid, 401: unauthorized, 503: unavailable },
      handle: async ({ query }) => {
        const { limit, after, ...filter } = query;
        const { items, next } = page(await fromQuery('filter', () => scheduler.dueFollowUps(filter)), (f) => f.id, limit, after);
        return { status: 200, body: { followUps: items, next } };
      },
    }),
    jsonRoute({
      method: 'post',
      path: '/api/follow-ups/:followUpId/cancel',
      auth: 'key',
      operationId: 'cancelFollowUp',
      tag: 'Follow-ups',
      summary: 'Cancel a due follow-up',
      description:
        'A due follow-up ends only by an actor (the caller): `followup:cancelled`, and the sweep stops trying it. A follow-up already ' +
        'cancelled is answered as it stands; a booked one is refused (cancel its token).',
      params: FollowUpParams,
      headers: [ACTOR_HEADER],
      body: CancelFollowUpBody,
      bodyOptional: true,
      responses: {
        200: { description: 'The follow-up, cancelled', schema: FollowUpOut },
        400: invalid,
        401: unauthorized,
        404: notFound('visit, doctor or department (`TOKEN_NOT_FOUND`, `DOCTOR_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`)'),
        422: refused('`INVALID_TRANSITION`: the follow-up is booked (cancel its token)'),
        503: unavailable,
      },
      handle: async ({ params, body, req }) => ({
        status: 200,
        body: await scheduler.cancelFollowUp(params.followUpId, { actor: actorOf(req) ?? ANONYMOUS_ACTOR, reason: body.reason }),
      }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/series',
      auth: 'key',
      operationId: 'bookSeries',
      tag: 'Follow-ups',
      summary: 'Book a series of visits (antenatal care, dialysis, chemotherapy day care)',
      description:
        'One occurrence every `every.days` or `every.weeks` from `start`, `count` of them, each the earliest place of its day from ' +
        '`preferredTime`, in one unit. With `dryRun` (in the body or `?dryRun=true`), answers 200 with each occurrence’s place or reason ' +
        'and holds the places proposed for `holdMinutes`; the commit (the same request without `dryRun`) answers 201 and books them. ' +
        '`all-or-nothing` refuses the series when an occurrence has no place (409 `SLOT_FULL`, `details.skipped`: nothing booked); ' +
        '`best-effort` books each occurrence that has one and names the others. A commit retried with its key answers 200 with `replayed: true`.',
      query: DryRunQuery,
      headers: [{ name: 'Idempotency-Key', description: 'Same as `idempotencyKey` in the body (one of them is required)' }, ACTOR_HEADER],
      body: SeriesBody,
      responses: {
        201: { description: 'The series booked: every occurrence with its place or reason, and the tokens booked', schema: SeriesResultOut },
        200: {
          description: 'A preview (`dryRun: true`, nothing booked, the places held), or a replay of the commit with the same key',
          schema: SeriesResultOut,
        },
        400: err('Invalid input: neither or both of `doctorId` and `department`, a bad `every` or `count`, a start in the past, no key (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('doctor or department (`DOCTOR_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`)'),
        409: conflict(
          '`SLOT_FULL` (all-or-nothing: an occurrence has no place, `details.skipped`), `IDEMPOTENCY_CONFLICT` (the key was used for another series)',
        ),
        503: unavailable,
      },
      handle: async ({ query, body, req }) => {
        const dryRun = query.dryRun ?? body.dryRun ?? false;
        const idempotencyKey = idempotencyKeyOf(body.idempotencyKey, req.headers['idempotency-key']);
        const result = await scheduler.bookSeries(seriesRequest({ ...body, dryRun, idempotencyKey, actor: actorOf(req) }));
        return { status: result.dryRun || result.replayed === true ? 200 : 201, body: result };
      },
    }),
    jsonRoute({
      method: 'post',
      path: '/api/series/:seriesId/cancel',
      auth: 'key',
      operationId: 'cancelSeries',
      tag: 'Follow-ups',
      summary: 'Cancel a series, or its occurrences from a date on',
      description:
        'Cancels every live occurrence of the series (`from`: only those on or after that local date) in one unit: `token:cancelled` for ' +
        'each, the freed places promoted into, then `series:cancelled`. Occurrences already seen or cancelled are left as they are.',
      params: SeriesParams,
      headers: [ACTOR_HEADER],
      body: CancelSeriesBody,
      bodyOptional: true,
      responses: {
        200: { description: 'The occurrences cancelled, and what it caused', schema: SeriesCancellationOut },
        400: err('Invalid input, or not a series id (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('doctor or department of the series (`DOCTOR_NOT_FOUND`, `DEPARTMENT_NOT_FOUND`)'),
        503: unavailable,
      },
      handle: async ({ params, body, req }) => ({
        status: 200,
        body: await scheduler.cancelSeries(params.seriesId, { from: body.from, reason: body.reason, actor: actorOf(req) }),
      }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/patients/entitlement',
      auth: 'key',
      operationId: 'entitlementOf',
      tag: 'Follow-ups',
      summary: 'The free revisits a patient has left',
      description:
        'On a server whose scheduler has `followUps`, a consultation completed as charged (`POST /api/tokens/{tokenId}/complete` with ' +
        '`charged: true`) opens an entitlement to free revisits with its doctor or department: each entitlement covering the day `at` ' +
        '(default today), oldest first, with its visits used and left. A read: nothing changes. The patient id travels in the body, ' +
        'never in the URL, which access logs and proxies keep.',
      body: EntitlementBody,
      responses: {
        200: { description: 'The free revisits left', schema: EntitlementOut },
        400: err('Invalid input, neither or both of `doctorId` and `department`, or a scheduler without `followUps` (`VALIDATION_FAILED`)'),
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        503: unavailable,
      },
      handle: async ({ body }) => {
        const { patientId, ...query } = body;
        return { status: 200, body: await scheduler.entitlementOf(patientId, query) };
      },
    }),
    jsonRoute({
      method: 'post',
      path: '/api/sweep',
      auth: 'key',
      operationId: 'sweep',
      tag: 'Slots',
      summary: 'Sweep no-shows',
      description:
        'Marks every `BOOKED` token whose slot started more than the grace period ago as a no-show, and promotes into the freed places; ' +
        'tries every due follow-up again (`followup:booked` when a place opened in its window). Call it every few minutes (from cron or a timer).',
      body: SweepBody,
      bodyOptional: true,
      responses: { 200: { description: 'Every effect, doctor by doctor', schema: EffectsOut }, 400: invalid, 401: unauthorized, 503: unavailable },
      headers: [ACTOR_HEADER],
      handle: async ({ body, req }) => ({
        status: 200,
        body: { dryRun: false, effects: await scheduler.sweep(body.now === undefined ? undefined : new Date(body.now), { actor: actorOf(req) }) },
      }),
    }),

    // --- Patient data ------------------------------------------------------------------------
    jsonRoute({
      method: 'post',
      path: '/api/patients/export',
      auth: 'key',
      operationId: 'exportPatient',
      tag: 'Patients',
      summary: 'Export what is held about a patient',
      description:
        'Every token of the patient with its patient data, and the stored events about them (the right to access). The patient id ' +
        'travels in the body, never in the URL, which access logs and proxies keep.',
      body: PatientBody,
      responses: { 200: { description: 'The patient’s tokens and events', schema: PatientExportOut }, 400: invalid, 401: unauthorized, 503: unavailable },
      handle: async ({ body }) => ({ status: 200, body: await scheduler.exportPatient(body.patientId) }),
    }),
    jsonRoute({
      method: 'post',
      path: '/api/patients/erase',
      auth: 'key',
      operationId: 'erasePatient',
      tag: 'Patients',
      summary: 'Erase a patient’s data',
      description:
        'Replaces the patient data of every token of the patient (and of its stored idempotent result) with a tombstone; ids, ' +
        'numbers, categories, times and statuses stay. Refused with `PATIENT_HAS_LIVE_TOKENS` (`details.tokenIds`) while the ' +
        'patient holds a live token of a day not yet over. Idempotent: once erased, the id is gone and nothing is found again.',
      body: ErasePatientBody,
      responses: {
        200: { description: 'The tokens erased and their `patient:erased` events', schema: PatientErasureOut },
        400: invalid,
        401: unauthorized,
        409: err('The patient holds live tokens of days not yet over (`PATIENT_HAS_LIVE_TOKENS`)'),
        503: unavailable,
      },
      headers: [ACTOR_HEADER],
      handle: async ({ body, req }) => ({ status: 200, body: await scheduler.erasePatient(body.patientId, { reason: body.reason, actor: actorOf(req) }) }),
    }),

    // --- Figures and events ------------------------------------------------------------------
    jsonRoute({
      method: 'get',
      path: '/api/stats',
      auth: 'key',
      operationId: 'stats',
      tag: 'Reports',
      summary: 'Statistics',
      description: 'For everything, one doctor and/or one date.',
      query: StatsQuery,
      responses: {
        200: { description: 'The figures', schema: StatsOut },
        400: invalid,
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        503: unavailable,
      },
      handle: async ({ query }) => ({ status: 200, body: await fromQuery('filter', () => scheduler.stats({ doctorId: query.doctorId, date: query.date })) }),
    }),
    jsonRoute({
      method: 'get',
      path: '/api/fairness',
      auth: 'key',
      operationId: 'fairness',
      tag: 'Reports',
      summary: 'Fairness of a day’s calls',
      description:
        'Per category: waits from due to called (p50, p95, max), skips and the longest run of better-ranked patients passing one. `date` defaults to today.',
      query: FairnessQuery,
      responses: {
        200: { description: 'The ledger', schema: FairnessOut },
        400: invalid,
        401: unauthorized,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`)'),
        503: unavailable,
      },
      handle: async ({ query }) => ({ status: 200, body: await scheduler.fairness({ doctorId: query.doctorId, date: query.date ?? today() }) }),
    }),
    jsonRoute({
      method: 'get',
      path: '/api/report',
      auth: 'key',
      operationId: 'opdReport',
      tag: 'Reports',
      summary: "The OPD's numbers",
      description:
        'Requests, bookings, attendance, no-shows, cancellations, drops, walk-in share, waits, lead times, utilisation and ' +
        "emergencies' time to the doctor over local days `from` to `to`, in total and by each dimension of `by` (`opd-scheduler/reports`). No patient data.",
      query: ReportQuery,
      responses: { 200: { description: 'The report', schema: ReportOut }, 400: invalid, 401: unauthorized, 503: unavailable },
      handle: async ({ query }) => ({ status: 200, body: await opdReport(scheduler, reportOptions(query)) }),
    }),
    rawRoute({
      method: 'get',
      path: '/api/report.html',
      auth: 'key',
      operationId: 'opdReportPage',
      tag: 'Reports',
      summary: "The OPD's numbers as a page with charts",
      description: 'The report of `GET /api/report` as one self-contained HTML page (inline SVG charts; nothing fetched).',
      query: ReportQuery,
      responses: { 200: { description: 'The page', content: 'text/html' }, 400: invalid, 401: unauthorized, 503: unavailable },
      handle: async ({ query }, req, res) => {
        const html = reportHtml(await opdReport(scheduler, reportOptions(query)));
        res.status(200).type('text/html');
        if (req.method === 'HEAD') res.end();
        else res.send(html);
      },
    }),
    jsonRoute({
      method: 'get',
      path: '/api/history',
      auth: 'key',
      operationId: 'history',
      tag: 'Reports',
      summary: 'Stored events',
      description: 'Events in `seq` order, for audit trails and to catch up. Page with `after=nextAfter`.',
      query: HistoryQuery,
      responses: { 200: { description: 'A page of events', schema: HistoryOut }, 400: invalid, 401: unauthorized, 503: unavailable },
      handle: async ({ query }) => {
        const after = query.after ?? 0;
        const events = await scheduler.history({ after, limit: query.limit ?? 100 });
        return { status: 200, body: { events, nextAfter: events.at(-1)?.seq ?? after } };
      },
    }),
    rawRoute({
      method: 'get',
      path: '/api/history.jsonl',
      auth: 'key',
      operationId: 'historyJsonLines',
      tag: 'Reports',
      summary: 'The history as JSON lines, for the policy lab',
      description:
        'The doctors, the slots of every day the events name, then every event (after `after`), one JSON object a line: the file ' +
        '`opd-scheduler/lab` replays under other policies (`npm run simulate -- --replay history.jsonl --compare`). No patient data.',
      query: HistoryFileQuery,
      responses: { 200: { description: 'The history', content: 'application/x-ndjson' }, 400: invalid, 401: unauthorized, 503: unavailable },
      handle: async ({ query }, req, res) => {
        const history = await exportHistory(scheduler, { after: query.after ?? 0 });
        res.status(200).type('application/x-ndjson');
        if (req.method === 'HEAD') res.end();
        else res.send(historyToJsonLines(history));
      },
    }),
    rawRoute({
      method: 'get',
      path: '/events',
      auth: 'key',
      operationId: 'events',
      tag: 'Reports',
      summary: 'Live events (Server-Sent Events)',
      description:
        'Every engine event as it is stored: `id` is its `seq`, `event` its type, `data` the event as JSON. Reconnect with ' +
        '`Last-Event-ID` (browsers do it by themselves) to get everything after it, without gaps or duplicates. Without it, only new ' +
        'events are sent (or those after `?after=`). An id unknown to the store (a restarted in-memory server) restarts from the ' +
        'beginning after a `reset` event. Events never contain patient data.',
      query: EventsQuery,
      headers: [{ name: 'Last-Event-ID', description: 'Resume after this `seq`' }],
      responses: {
        200: { description: 'The stream', content: 'text/event-stream' },
        400: invalid,
        401: unauthorized,
        503: err('Too many streams or shutting down'),
      },
      handle: async ({ query }, req, res) => {
        if (headOnly(req, res)) return;
        const header = req.headers['last-event-id'];
        const after = header === undefined || header === '' ? query.after : parse(LAST_EVENT_ID, { 'Last-Event-ID': header }, 'header')['Last-Event-ID'];
        if (query.doctorId !== undefined) await assertDoctor(scheduler, query.doctorId);
        const stream = ctx.streams.open(req, res);
        await streamEvents(ctx.hub, scheduler, stream, { after, doctorId: query.doctorId });
      },
    }),

    // --- Display board -----------------------------------------------------------------------
    rawRoute({
      method: 'get',
      path: '/display/:doctorId',
      auth: 'public',
      operationId: 'displayBoard',
      tag: 'Display board',
      summary: 'Waiting-room token display board',
      description:
        'A self-contained page for a waiting-room screen: the doctor’s room, the token in consultation and the next tokens in queue ' +
        'order, updating live; a called token is announced with a chime and a spoken call in the screen’s language. Token numbers ' +
        'only. `date` defaults to today, `lang` to the server’s language.',
      params: DoctorParams,
      query: BoardQuery,
      responses: {
        200: { description: 'The page', content: 'text/html' },
        400: { description: 'Invalid date', content: 'text/html' },
        404: { description: 'Unknown doctor', content: 'text/html' },
      },
      handle: async ({ params, query }, _req, res) => {
        try {
          const board = await ctx.boards.board(params.doctorId, query.date);
          const feed = `/display/${encodeURIComponent(params.doctorId)}/events${query.date === undefined ? '' : `?date=${query.date}`}`;
          sendPage(res, 200, displayPage(board, query.lang ?? ctx.boardLanguage, feed));
        } catch (error) {
          if (!isOpdError(error)) throw error;
          sendPage(res, STATUS_BY_CODE[error.code], errorPage(error.code === 'DOCTOR_NOT_FOUND' ? 'Unknown doctor' : 'This board cannot be shown'));
        }
      },
    }),
    jsonRoute({
      method: 'get',
      path: '/display/:doctorId/board',
      auth: 'public',
      operationId: 'displayBoardData',
      tag: 'Display board',
      summary: "The display board's data",
      description: 'Token numbers only: in consultation, the next ones in the order they will be called (the call order, else queue order), how many wait.',
      params: DoctorParams,
      query: BoardQuery,
      responses: { 200: { description: 'The board', schema: BoardOut }, 400: invalid, 404: notFound('doctor (`DOCTOR_NOT_FOUND`)') },
      handle: async ({ params, query }) => ({ status: 200, body: await ctx.boards.board(params.doctorId, query.date) }),
    }),
    rawRoute({
      method: 'get',
      path: '/display/:doctorId/events',
      auth: 'public',
      operationId: 'displayBoardEvents',
      tag: 'Display board',
      summary: "The display board's live feed (Server-Sent Events)",
      description:
        'A `board` event with the current board on connect and whenever it changes, and a `call` event (`BoardCall`: doctor, token ' +
        'number, room) when a token is called in. Token numbers only.',
      params: DoctorParams,
      query: BoardQuery,
      responses: {
        200: { description: 'The stream of `Board` objects', content: 'text/event-stream' },
        400: invalid,
        404: notFound('doctor'),
        503: err('Too many display boards or shutting down'),
      },
      handle: async ({ params, query }, req, res) => {
        if (req.method === 'HEAD') {
          await ctx.boards.board(params.doctorId, query.date);
          headOnly(req, res);
          return;
        }
        await ctx.boards.follow([params.doctorId], query.date, () => ctx.boardStreams.open(req, res));
      },
    }),
    rawRoute({
      method: 'get',
      path: '/hall',
      auth: 'public',
      operationId: 'waitingHall',
      tag: 'Display board',
      summary: 'Waiting-hall screen for several doctors',
      description:
        'A self-contained page for the screen of a waiting hall: one row per doctor (`doctors=a,b,c`, or every doctor whose ' +
        '`department` is the one given, as bookings by department choose doctors) with the room, the token in consultation and the next tokens, updating live; a called token is announced ' +
        'with a chime and a spoken call in the screen’s language. Token numbers only.',
      query: HallQuery,
      responses: {
        200: { description: 'The page', content: 'text/html' },
        400: { description: 'Invalid query', content: 'text/html' },
        404: { description: 'Unknown doctor, or no doctor in the department', content: 'text/html' },
      },
      handle: async ({ query }, _req, res) => {
        try {
          const doctorIds = await hallDoctors(scheduler, query);
          const boards = await Promise.all(doctorIds.map((id) => ctx.boards.board(id, query.date)));
          const feed = `/hall/events?${new URLSearchParams({ doctors: doctorIds.join(','), ...(query.date === undefined ? {} : { date: query.date }) }).toString()}`;
          sendPage(res, 200, hallPage(boards, scheduler.timeZone, query.lang ?? ctx.boardLanguage, feed));
        } catch (error) {
          if (error instanceof HttpError) sendPage(res, error.status, errorPage('No doctor in this department'));
          else if (isOpdError(error))
            sendPage(res, STATUS_BY_CODE[error.code], errorPage(error.code === 'DOCTOR_NOT_FOUND' ? 'Unknown doctor' : 'This screen cannot be shown'));
          else throw error;
        }
      },
    }),
    rawRoute({
      method: 'get',
      path: '/hall/events',
      auth: 'public',
      operationId: 'waitingHallEvents',
      tag: 'Display board',
      summary: "The waiting hall's live feed (Server-Sent Events)",
      description: 'For each doctor, a `board` event on connect and whenever it changes, and a `call` event when a token is called in. Token numbers only.',
      query: HallQuery,
      responses: {
        200: { description: 'The stream of `Board` and `BoardCall` objects', content: 'text/event-stream' },
        400: invalid,
        404: notFound('doctor (`DOCTOR_NOT_FOUND`), or no doctor in the department (`NOT_FOUND`)'),
        503: err('Too many display boards or shutting down'),
      },
      handle: async ({ query }, req, res) => {
        const doctorIds = await hallDoctors(scheduler, query);
        if (req.method === 'HEAD') {
          await Promise.all(doctorIds.map((id) => ctx.boards.board(id, query.date)));
          headOnly(req, res);
          return;
        }
        await ctx.boards.follow(doctorIds, query.date, () => ctx.boardStreams.open(req, res));
      },
    }),
    rawRoute({
      method: 'get',
      path: '/hall/announcements',
      auth: 'public',
      operationId: 'hallAnnouncements',
      tag: 'Display board',
      summary: 'Hall board of announcements',
      description:
        'A self-contained page for the hall: each call, recall, forward to a service point and doctor’s pause, in each language of ' +
        '`lang` in turn (default: the server’s, then the others), shown large and spoken with the browser’s speech synthesis where it ' +
        'has a voice for the language — one at a time, the next waiting for the one being spoken; the text is always on screen. ' +
        'Labels are spoken as the language says them (no digits read as zeros). Token labels and rooms only.',
      query: AnnouncementsQuery,
      responses: { 200: { description: 'The page', content: 'text/html' }, 400: { description: 'Invalid query', content: 'text/html' } },
      handle: async ({ query }, _req, res) => {
        const languages = announcementLanguages(query.lang, ctx.boardLanguage);
        sendPage(res, 200, announcementsPage(languages, `/hall/announcements/events?lang=${languages.join(',')}`));
      },
    }),
    rawRoute({
      method: 'get',
      path: '/hall/announcements/events',
      auth: 'public',
      operationId: 'hallAnnouncementsEvents',
      tag: 'Display board',
      summary: "The hall's announcements (Server-Sent Events)",
      description:
        'An `announcement` event for each call, recall, forward to a service point and doctor’s pause stored from now on, made through ' +
        'any route: `id` is the event’s `seq`, `data` a `HallAnnouncement` (`seq`, `type`, `room`, and for each language of `lang` its ' +
        '`text` and `units`, each unit with the `clipId` of a recorded clip). Token labels and rooms only.',
      query: AnnouncementsQuery,
      responses: { 200: { description: 'The stream', content: 'text/event-stream' }, 400: invalid, 503: err('Too many display boards or shutting down') },
      handle: async ({ query }, req, res) => {
        if (headOnly(req, res)) return;
        ctx.announcements.follow(ctx.boardStreams.open(req, res), announcementLanguages(query.lang, ctx.boardLanguage));
      },
    }),
    rawRoute({
      method: 'get',
      path: '/tickets/:tokenId.png',
      auth: 'key',
      operationId: 'ticketImage',
      tag: 'Tokens',
      summary: "A preview of a token's printed slip (PNG)",
      description:
        'The slip as a receipt printer prints it (`opd-scheduler/print`): facility department, doctor, room, label, day and report-by ' +
        'time, in `lang`, black and white at 384 dots (`width=58`) or 576 (`width=80`); Devanagari drawn with the Noto font. No patient ' +
        'data. 501 `DEPENDENCY_MISSING` on a server installed without the optional printing packages.',
      params: TokenParams,
      query: TicketQuery,
      responses: {
        200: { description: 'The slip', content: 'image/png' },
        400: invalid,
        401: unauthorized,
        404: notFound('token (`TOKEN_NOT_FOUND`)'),
        501: err('The printing packages are not installed (`DEPENDENCY_MISSING`)'),
      },
      handle: async ({ params, query }, _req, res) => {
        const token = await scheduler.getToken(params.tokenId);
        const doctor = (await scheduler.listDoctors()).find((d) => d.id === token.doctorId);
        const room = Object.hasOwn(ctx.rooms, token.doctorId) ? ctx.rooms[token.doctorId] : (doctor?.room ?? undefined);
        const slip = ticketDocument(token, {
          language: query.lang ?? ctx.boardLanguage,
          timeZone: scheduler.timeZone,
          ...(doctor === undefined ? {} : { doctorName: doctor.name }),
          ...(doctor?.department === undefined || doctor.department === null ? {} : { department: doctor.department }),
          ...(room === undefined || room === null ? {} : { room }),
        });
        const image = await renderSlipImage(slip, { width: query.width === '58' ? 58 : 80 });
        res.status(200).set({ 'Content-Type': 'image/png', 'Cache-Control': 'no-store' }).send(Buffer.from(image.png));
      },
    }),
    rawRoute({
      method: 'get',
      path: '/service-points',
      auth: 'public',
      operationId: 'servicePointsScreen',
      tag: 'Display board',
      summary: 'Screen of every service point',
      description:
        'A self-contained page for a hall screen: one row per service point with a queue of its own (registration, vitals, lab, …) with its ' +
        'rooms, the patients being served there (with their room) and the next ones, updating live; a call at a point is announced with a chime ' +
        'and a spoken call in the screen’s language. Token labels only.',
      query: BoardQuery,
      responses: { 200: { description: 'The page', content: 'text/html' }, 400: { description: 'Invalid query', content: 'text/html' } },
      handle: async ({ query }, _req, res) => {
        try {
          const boards = await Promise.all(ctx.boards.servicePoints.map((point) => ctx.boards.pointBoard(point.id, query.date)));
          const feed = `/service-points/events${query.date === undefined ? '' : `?date=${query.date}`}`;
          sendPage(res, 200, pointsPage(boards, scheduler.timeZone, query.lang ?? ctx.boardLanguage, feed));
        } catch (error) {
          if (!isOpdError(error)) throw error;
          sendPage(res, STATUS_BY_CODE[error.code], errorPage('This screen cannot be shown'));
        }
      },
    }),
    rawRoute({
      method: 'get',
      path: '/service-points/events',
      auth: 'public',
      operationId: 'servicePointsScreenEvents',
      tag: 'Display board',
      summary: 'The live feed of the screen of every service point (Server-Sent Events)',
      description:
        'For each service point, a `board` event (`ServicePointBoard`) on connect and whenever it changes, and a `call` event when a patient is called there. Token labels only.',
      query: BoardQuery,
      responses: {
        200: { description: 'The stream of `ServicePointBoard` and `BoardCall` objects', content: 'text/event-stream' },
        400: invalid,
        503: err('Too many display boards or shutting down'),
      },
      handle: async ({ query }, req, res) => {
        const ids = ctx.boards.servicePoints.map((point) => point.id);
        if (req.method === 'HEAD') {
          await Promise.all(ids.map((id) => ctx.boards.pointBoard(id, query.date)));
          headOnly(req, res);
          return;
        }
        await ctx.boards.followPoints(ids, query.date, () => ctx.boardStreams.open(req, res));
      },
    }),
    rawRoute({
      method: 'get',
      path: '/service-points/:servicePointId/display',
      auth: 'public',
      operationId: 'servicePointBoard',
      tag: 'Display board',
      summary: 'A service point’s display board',
      description:
        'A self-contained page for the screen of one service point: the patients called there (with the room or counter) and the next in its ' +
        'queue, updating live; a call is announced with a chime and a spoken call in the screen’s language. Token labels only. `date` defaults ' +
        'to today, `lang` to the server’s language.',
      params: ServicePointParams,
      query: BoardQuery,
      responses: {
        200: { description: 'The page', content: 'text/html' },
        400: { description: 'Invalid date, or no such service point', content: 'text/html' },
      },
      handle: async ({ params, query }, _req, res) => {
        try {
          const board = await ctx.boards.pointBoard(params.servicePointId, query.date);
          const feed = `/service-points/${encodeURIComponent(params.servicePointId)}/events${query.date === undefined ? '' : `?date=${query.date}`}`;
          sendPage(res, 200, pointPage(board, query.lang ?? ctx.boardLanguage, feed));
        } catch (error) {
          if (!isOpdError(error)) throw error;
          sendPage(
            res,
            STATUS_BY_CODE[error.code],
            errorPage(error.details.field === 'servicePointId' ? 'Unknown service point' : 'This board cannot be shown'),
          );
        }
      },
    }),
    jsonRoute({
      method: 'get',
      path: '/service-points/:servicePointId/board',
      auth: 'public',
      operationId: 'servicePointBoardData',
      tag: 'Display board',
      summary: "A service point's board data",
      description: 'Token labels only: the patients called there and still there, with their room, and the next ones in the order the point calls them.',
      params: ServicePointParams,
      query: BoardQuery,
      responses: {
        200: { description: 'The board', schema: PointBoardOut },
        400: err('Invalid input, or no such service point with a queue of its own (`VALIDATION_FAILED`)'),
      },
      handle: async ({ params, query }) => ({ status: 200, body: await ctx.boards.pointBoard(params.servicePointId, query.date) }),
    }),
    rawRoute({
      method: 'get',
      path: '/service-points/:servicePointId/events',
      auth: 'public',
      operationId: 'servicePointBoardEvents',
      tag: 'Display board',
      summary: "A service point board's live feed (Server-Sent Events)",
      description:
        'A `board` event (`ServicePointBoard`) on connect and whenever it changes, and a `call` event (`BoardCall` with `servicePointId`) when a patient is called there. Token labels only.',
      params: ServicePointParams,
      query: BoardQuery,
      responses: {
        200: { description: 'The stream of `ServicePointBoard` objects', content: 'text/event-stream' },
        400: err('Invalid input, or no such service point with a queue of its own (`VALIDATION_FAILED`)'),
        503: err('Too many display boards or shutting down'),
      },
      handle: async ({ params, query }, req, res) => {
        if (req.method === 'HEAD') {
          await ctx.boards.pointBoard(params.servicePointId, query.date);
          headOnly(req, res);
          return;
        }
        await ctx.boards.followPoints([params.servicePointId], query.date, () => ctx.boardStreams.open(req, res));
      },
    }),
  ];
}

/**
 * The doctors of a waiting hall: those named (each once), or every doctor whose `department` is
 * the one given — the same field, matched the same way, as a booking by department.
 */
async function hallDoctors(scheduler: OpdScheduler, query: z.output<typeof HallQuery>): Promise<string[]> {
  if (query.doctors !== undefined) return [...new Set(query.doctors)];
  const ids = (await scheduler.listDoctors()).filter((d) => d.department === query.department).map((d) => d.id);
  if (ids.length === 0) {
    throw new HttpError('NOT_FOUND', 'No doctor in this department', { field: 'department' });
  }
  return ids.slice(0, HALL_MAX_DOCTORS);
}

/**
 * Runs a read whose filter is the route's query: the engine names the filter's fields after its
 * argument (`filter.date`), the client knows them as query parameters (`date`), in the error's
 * `details` and its message.
 */
async function fromQuery<T>(argument: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const prefix = `${argument}.`;
    if (!isOpdError(error, 'VALIDATION_FAILED') || !error.details.field.startsWith(prefix)) throw error;
    const message = error.message.replaceAll(`\`${prefix}`, '`');
    throw new OpdError('VALIDATION_FAILED', message, {
      details: { ...error.details, field: error.details.field.slice(prefix.length), in: 'query' },
      cause: error.cause,
    });
  }
}

/** A HEAD request for a stream gets its headers, not an endless body. */
function headOnly(req: Request, res: Response): boolean {
  if (req.method !== 'HEAD') return false;
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' }).end();
  return true;
}

async function assertDoctor(scheduler: OpdScheduler, doctorId: string): Promise<void> {
  if (!(await scheduler.listDoctors()).some((d) => d.id === doctorId)) {
    throw new OpdError('DOCTOR_NOT_FOUND', `Doctor \`${doctorId}\` does not exist`, { details: { field: 'doctorId', doctorId } });
  }
}

/** The languages of the hall's announcements: those asked for, else the server's first, then the others. */
function announcementLanguages(asked: readonly BoardLanguage[] | undefined, first: BoardLanguage): BoardLanguage[] {
  return asked === undefined ? [first, ...BOARD_LANGUAGES.filter((lang) => lang !== first)] : [...asked];
}

function sendPage(res: Response, status: number, page: { html: string; csp: string }): void {
  res.status(status).set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': page.csp, 'Cache-Control': 'no-store' }).send(page.html);
}

/** A hold body as the scheduler's request, by doctor or by department (as {@link bookingRequest}). */
function holdRequest<B extends { readonly doctorId?: string | undefined; readonly department?: string | undefined; readonly holdMinutes: number }>(
  body: B,
): HoldRequest | DepartmentHoldRequest {
  return body as unknown as HoldRequest | DepartmentHoldRequest;
}

/**
 * A booking body as the scheduler's request: by doctor or by department. The scheduler itself
 * refuses a body with both or neither (`VALIDATION_FAILED`), so the body is passed on as it is.
 */
function bookingRequest<B extends { readonly doctorId?: string | undefined; readonly department?: string | undefined }>(
  body: B,
): BookingRequest | DepartmentBookingRequest {
  return body as unknown as BookingRequest | DepartmentBookingRequest;
}

/**
 * A series body as the scheduler's request. The body's schema gives its shape; the rules on
 * values (one of `doctorId` and `department`, the key given) are the scheduler's, so the body is
 * passed on as it is, as {@link bookingRequest} does.
 */
function seriesRequest<B extends { readonly patient: object; readonly mode: SeriesRequest['mode'] }>(body: B): SeriesRequest {
  return body as unknown as SeriesRequest;
}

/** The options of `opdReport` from the query of a report route (`by` comma-separated; the library checks each name). */
function reportOptions(query: z.output<typeof ReportQuery>): OpdReportOptions {
  return {
    from: query.from,
    to: query.to,
    ...(query.by === undefined ? {} : { by: query.by.split(',') as ReportDimension[] }),
    ...(query.lookbackDays === undefined ? {} : { lookbackDays: query.lookbackDays }),
  };
}
