/**
 * Request and response schemas (zod 4). Requests are validated with them; the OpenAPI document
 * is generated from the same objects (see `openapi.ts`), so the documentation cannot drift from
 * what the server accepts. Response schemas document what the engine returns (Dates become ISO
 * strings); the HTTP tests parse real responses with them.
 */
import { CATEGORIES, OPD_ERROR_CODES, OPD_EVENT_TYPES, TOKEN_STATUSES } from 'opd-scheduler';
import { z } from 'zod';
import { HTTP_ERROR_CODES } from './http-errors.js';

/** Component schemas, by name, for `#/components/schemas/<id>`. */
export const components = z.registry<{ id: string; description?: string }>();

function component<T extends z.ZodType>(id: string, description: string, schema: T): T {
  components.add(schema, { id, description });
  return schema;
}

// ---------------------------------------------------------------------------------------------
// Categories: canonical names, case-insensitive, with the aliases hospital systems use.

/**
 * Aliases seen in hospital systems, after upper-casing and turning spaces and hyphens into `_`.
 * Unknown names are passed to the priority policy unchanged (upper-cased), which refuses them
 * with `VALIDATION_FAILED` — an unknown channel is never silently booked as a walk-in.
 */
export const CATEGORY_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  PAID_PRIORITY: 'PAID',
  PRIORITY: 'PAID',
  PREMIUM: 'PAID',
  FOLLOWUP: 'FOLLOW_UP',
  FOLLOW_UP_VISIT: 'FOLLOW_UP',
  ONLINE_BOOKING: 'ONLINE',
  WALKIN: 'WALK_IN',
  WALK_IN_DESK: 'WALK_IN',
  DESK: 'WALK_IN',
});

/** `walk-in`, `Walk In`, `walk_in` → `WALK_IN`; `PAID_PRIORITY` → `PAID`; `vip` → `VIP`. */
export function normalizeCategory(raw: string): string {
  const key = raw.trim().toUpperCase().replace(/[\s-]+/g, '_');
  return CATEGORY_ALIASES[key] ?? key;
}

const Category = z
  .string()
  .min(1)
  .max(64)
  .transform(normalizeCategory)
  .meta({
    description:
      `Request channel, case-insensitive: ${CATEGORIES.join(', ')} (or a custom category of the configured priority policy). ` +
      `Aliases: ${Object.entries(CATEGORY_ALIASES)
        .map(([alias, name]) => `${alias}→${name}`)
        .join(', ')}; spaces and hyphens count as \`_\`.`,
    examples: ['ONLINE', 'walk_in', 'PAID_PRIORITY', 'ONLINE_BOOKING', 'Follow-up'],
  });

// ---------------------------------------------------------------------------------------------
// Scalars

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** A new id: 1–100 letters, digits, `_ . : -`, starting with a letter or digit. */
const NewId = z.string().regex(ID_PATTERN, 'Expected an id of 1–100 letters, digits, `_`, `.`, `:` or `-`');

/** An id to look up (token and slot ids may contain `~`, `@` and `:`; URL-encode them). */
const LookupId = z.string().min(1).max(300);

/** A local calendar date. */
export const Day = z.iso.date().meta({ description: 'Local calendar date, `YYYY-MM-DD`', examples: ['2026-01-30'] });

/** An instant with an offset (`Z` or `±hh:mm`). */
const Instant = z.iso
  .datetime({ offset: true })
  .meta({ description: 'ISO-8601 instant with an offset (`Z` or `±hh:mm`)', examples: ['2026-01-30T09:00:00+05:30'] });

/** Instants in responses (always UTC, as `Date.toISOString()` writes them). */
const IsoTime = z.iso.datetime().meta({ description: 'ISO-8601 instant (UTC)' });

const Reason = z.string().min(1).max(200).meta({ description: 'Free text without patient data' });

const Count = z.number().int().min(0);

const BooleanFlag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .meta({ description: '`true` or `false`' });

const IntegerText = (min: number, max: number): z.ZodType<number, string> =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'Expected a non-negative integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

// ---------------------------------------------------------------------------------------------
// Path parameters

/** `:doctorId` */
export const DoctorParams = z.strictObject({ doctorId: LookupId.meta({ description: 'Doctor id' }) });
/** `:slotId` */
export const SlotParams = z.strictObject({ slotId: LookupId.meta({ description: 'Slot id (URL-encoded)' }) });
/** `:tokenId` */
export const TokenParams = z.strictObject({ tokenId: LookupId.meta({ description: 'Token id (URL-encoded)' }) });

// ---------------------------------------------------------------------------------------------
// Query strings (strict: a typo such as `dryrun=true` must never run the real thing)

/** No query parameters. */
export const NoQuery = z.strictObject({});
/** `?dryRun=true` previews a change. */
export const DryRunQuery = z.strictObject({
  dryRun: BooleanFlag.optional().meta({ description: 'Return what would happen and change nothing' }),
});
/** `?date=` for a doctor's day (default: today in the scheduler's time zone). */
export const DateQuery = z.strictObject({ date: Day.optional() });
/** Filter of `/api/stats`. */
export const StatsQuery = z.strictObject({ doctorId: LookupId.optional(), date: Day.optional() });
/** Paging of `/api/history`. */
export const HistoryQuery = z.strictObject({
  after: IntegerText(0, Number.MAX_SAFE_INTEGER).optional().meta({ description: 'Only events with a greater `seq` (default 0)' }),
  limit: IntegerText(1, 1000).optional().meta({ description: 'At most this many events, 1–1000 (default 100)' }),
});
/** Stream options of `/events`. */
export const EventsQuery = z.strictObject({
  after: IntegerText(0, Number.MAX_SAFE_INTEGER)
    .optional()
    .meta({ description: 'Replay stored events with a greater `seq` first (the `Last-Event-ID` header takes precedence)' }),
  doctorId: LookupId.optional().meta({ description: "Only this doctor's events" }),
});
/** `?date=` of the display board. */
export const BoardQuery = z.strictObject({ date: Day.optional() });

// ---------------------------------------------------------------------------------------------
// Request bodies

/** Body of `POST /api/doctors`. */
export const CreateDoctorBody = component(
  'CreateDoctorRequest',
  'A doctor to add.',
  z.strictObject({
    id: NewId.optional().meta({ description: 'Id to use; generated when omitted' }),
    name: z.string().min(1).max(200),
    specialization: z.string().min(1).max(200).optional(),
    consultMinutes: z.number().gt(0).max(1440).optional().meta({ description: 'Minutes per consultation, for estimated start times' }),
  }),
);

const SlotInput = component(
  'SlotInput',
  'A time window of one doctor with a hard capacity.',
  z.strictObject({
    id: NewId.optional().meta({ description: 'Id to use; generated when omitted' }),
    start: Instant,
    end: Instant,
    capacity: z.number().int().min(0).max(100_000),
    overflowCapacity: z.number().int().min(0).max(100_000).optional().meta({ description: 'Elastic places beyond capacity (default 2)' }),
  }),
);

/** Body of `POST /api/doctors/:doctorId/slots`: an array of slots, or `{ slots: [...] }`. */
export const AddSlotsBody = component(
  'AddSlotsRequest',
  'Slots to add: an array, or an object with a `slots` array.',
  z.union([z.array(SlotInput).max(10_000), z.strictObject({ slots: z.array(SlotInput).max(10_000) })]),
);

const PatientInput = component(
  'PatientInput',
  'The patient. `id` (for example an ABHA number) enables the duplicate-booking guard; other JSON fields are stored as given.',
  z.looseObject({
    id: z.string().min(1).max(200).optional(),
    name: z.string().min(1).max(200),
    age: z.number().int().min(0).max(150).optional(),
  }),
);

const bookFields = {
  doctorId: LookupId,
  patient: PatientInput,
  slotId: LookupId.optional().meta({ description: 'The slot asked for; when omitted the earliest suitable slot is chosen' }),
  date: Day.optional().meta({ description: 'Only slots on this local date' }),
  after: Instant.optional().meta({ description: 'Only slots starting at or after this instant' }),
  idempotencyKey: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Makes retries safe (the `Idempotency-Key` header works too)' }),
};

/** Body of `POST /api/tokens`. */
export const BookBody = component('BookRequest', 'A request for a token.', z.strictObject({ ...bookFields, category: Category }));

/** Body of `POST /api/tokens/emergency` (the category is `EMERGENCY`). */
export const EmergencyBody = component('EmergencyRequest', 'An emergency request for a token.', z.strictObject(bookFields));

/** Body of `POST /api/tokens/:tokenId/cancel`. */
export const CancelBody = component('CancelRequest', 'Why the token is cancelled.', z.strictObject({ reason: Reason.optional() }));

/** An empty body (or none). */
export const EmptyBody = z.strictObject({});

/** Body of `POST /api/sweep`. */
export const SweepBody = component(
  'SweepRequest',
  'When to sweep at.',
  z.strictObject({ now: Instant.optional().meta({ description: 'Sweep as of this instant (default: now)' }) }),
);

/** Body of `POST /api/slots/:slotId/close`. */
export const CloseSlotBody = component('CloseSlotRequest', 'Why the slot closes.', z.strictObject({ reason: Reason.optional() }));

/** Body of `PUT /api/slots/:slotId/capacity`. */
export const CapacityBody = component('SetCapacityRequest', 'The new capacity.', z.strictObject({ capacity: z.number().int().min(0).max(100_000) }));

// ---------------------------------------------------------------------------------------------
// Responses

/** A doctor. */
export const DoctorOut = component(
  'Doctor',
  'A clinician who holds slots.',
  z.strictObject({
    id: z.string(),
    name: z.string(),
    specialization: z.string().nullable(),
    consultMinutes: z.number().nullable(),
    createdAt: IsoTime,
  }),
);

/** A slot. */
export const SlotOut = component(
  'Slot',
  'A fixed time window of one doctor with a hard capacity.',
  z.strictObject({
    id: z.string(),
    doctorId: z.string(),
    day: Day,
    start: IsoTime,
    end: IsoTime,
    capacity: Count,
    overflowCapacity: Count,
    status: z.enum(['OPEN', 'CLOSED']),
    closedReason: z.string().nullable(),
  }),
);

/** A token. */
export const TokenOut = component(
  'Token',
  "One patient's request for one doctor on one day, with a stable token number.",
  z.strictObject({
    id: z.string(),
    doctorId: z.string(),
    day: Day,
    slotId: z.string().nullable(),
    waitingForSlotId: z.string().nullable(),
    category: z.string(),
    rank: z.number(),
    status: z.enum(TOKEN_STATUSES),
    tokenNumber: z.number().int().min(1),
    patient: z.looseObject({ id: z.string().optional(), name: z.string() }),
    requestedAt: IsoTime,
    bumpCount: Count,
    notBefore: IsoTime.nullable(),
    position: z.number().int().min(1).nullable(),
    estimatedStart: IsoTime.nullable(),
    idempotencyKey: z.string().nullable(),
    cancelReason: z.string().nullable(),
    updatedAt: IsoTime,
  }),
);

const eventBase = { seq: Count, at: IsoTime, doctorId: z.string() };
const tokenEventBase = { ...eventBase, tokenId: z.string(), tokenNumber: z.number().int(), day: Day };
const Displacement = z.enum(['bumped', 'slot-closed', 'capacity-lowered']);

/** Any engine event (also what `effects` lists). Never contains patient data. */
export const EventOut = component(
  'Event',
  'An engine event; `seq` increases in storage order. Never contains patient data.',
  z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('token:booked'),
      ...tokenEventBase,
      slotId: z.string(),
      category: z.string(),
      rank: z.number(),
      overflow: z.boolean(),
    }),
    z.strictObject({
      type: z.literal('token:waitlisted'),
      ...tokenEventBase,
      slotId: z.null(),
      waitingForSlotId: z.string().nullable(),
      fromSlotId: z.string().nullable(),
      reason: z.enum(['full', 'bumped', 'slot-closed', 'capacity-lowered']),
    }),
    z.strictObject({ type: z.literal('token:bumped'), ...tokenEventBase, slotId: z.string(), fromSlotId: z.string(), byTokenId: z.string() }),
    z.strictObject({
      type: z.literal('token:cascaded'),
      ...tokenEventBase,
      slotId: z.string(),
      fromSlotId: z.string(),
      toSlotId: z.string(),
      reason: Displacement,
    }),
    z.strictObject({ type: z.literal('token:promoted'), ...tokenEventBase, slotId: z.string(), fromSlotId: z.string().nullable() }),
    z.strictObject({ type: z.literal('token:dropped'), ...tokenEventBase, slotId: z.null(), fromSlotId: z.string(), reason: Displacement }),
    z.strictObject({ type: z.literal('emergency:unplaced'), ...tokenEventBase }),
    z.strictObject({ type: z.literal('token:cancelled'), ...tokenEventBase, slotId: z.string().nullable(), reason: z.string().nullable() }),
    z.strictObject({ type: z.literal('token:no-show'), ...tokenEventBase, slotId: z.string(), reason: z.enum(['manual', 'sweep']) }),
    z.strictObject({ type: z.literal('token:checked-in'), ...tokenEventBase, slotId: z.string() }),
    z.strictObject({ type: z.literal('token:consultation-started'), ...tokenEventBase, slotId: z.string() }),
    z.strictObject({ type: z.literal('token:completed'), ...tokenEventBase, slotId: z.string() }),
    z.strictObject({ type: z.literal('slot:closed'), ...eventBase, slotId: z.string(), day: Day, reason: z.string().nullable() }),
    z.strictObject({
      type: z.literal('slot:capacity-changed'),
      ...eventBase,
      slotId: z.string(),
      day: Day,
      previousCapacity: Count,
      capacity: Count,
    }),
  ]),
);

// Keep the event schema honest: one branch per engine event type.
const documentedEvents: ReadonlySet<string> = new Set(EventOut.options.map((o) => o.shape.type.value));
for (const type of OPD_EVENT_TYPES) {
  if (!documentedEvents.has(type)) throw new Error(`Event type ${type} has no schema`);
}

/** A slot with its queue and waitlist. */
export const SlotViewOut = component(
  'SlotView',
  'A slot with its places in queue order and the waitlist that could be promoted into it.',
  z.strictObject({ slot: SlotOut, places: z.array(TokenOut), waitlist: z.array(TokenOut), free: Count, overflowUsed: Count }),
);

/** A doctor's day. */
export const DayScheduleOut = component(
  'DaySchedule',
  "One doctor's day: every slot in time order with its queue, and the day's waitlist.",
  z.strictObject({ doctor: DoctorOut, date: Day, slots: z.array(SlotViewOut), waitlist: z.array(TokenOut) }),
);

/** What a booking returns. */
export const BookingResultOut = component(
  'BookingResult',
  'The token as booked or waitlisted, and everything else the call caused.',
  z.strictObject({
    token: TokenOut,
    outcome: z.enum(['BOOKED', 'WAITLISTED']),
    overflow: z.boolean(),
    effects: z.array(EventOut),
    replayed: z.literal(true).optional(),
  }),
);

/** What a token transition returns. */
export const TransitionResultOut = component(
  'TransitionResult',
  'The token after the transition, and everything else the call caused (promotions, …).',
  z.strictObject({ token: TokenOut, effects: z.array(EventOut) }),
);

/** What sweep, close and capacity changes return. */
export const EffectsOut = component(
  'Effects',
  'Everything the call caused, in order; with `dryRun: true`, what it would cause (nothing was changed, `seq` is 0).',
  z.strictObject({ dryRun: z.boolean(), effects: z.array(EventOut) }),
);

/** Every doctor. */
export const DoctorListOut = component('DoctorList', 'Every doctor, in order of creation.', z.strictObject({ doctors: z.array(DoctorOut) }));

/** The slots just added. */
export const SlotListOut = component('SlotList', 'The slots added, in the order given.', z.strictObject({ slots: z.array(SlotOut) }));

/** A doctor-day's waitlist. */
export const WaitlistOut = component(
  'Waitlist',
  "A doctor-day's waitlisted tokens in promotion order.",
  z.strictObject({ doctorId: z.string(), date: Day, waitlist: z.array(TokenOut) }),
);

/** Figures. */
export const StatsOut = component(
  'Stats',
  'Counts per status and category, slot utilisation, bumps, cascades, promotions, drops and average wait.',
  z.strictObject({
    tokens: Count,
    byStatus: z.record(z.enum(TOKEN_STATUSES), Count),
    byCategory: z.record(z.string(), Count),
    openSlots: Count,
    closedSlots: Count,
    capacity: Count,
    places: Count,
    overflowUsed: Count,
    utilisation: z.number().min(0),
    bumps: Count,
    cascades: Count,
    promotions: Count,
    drops: Count,
    averageWaitMinutes: z.number().min(0),
  }),
);

/** A page of stored events. */
export const HistoryOut = component(
  'History',
  'Stored events in `seq` order. Ask again with `after=nextAfter` for the next page.',
  z.strictObject({ events: z.array(EventOut), nextAfter: Count }),
);

/** Liveness and readiness. */
export const HealthOut = component(
  'Health',
  'Whether the server accepts requests.',
  z.strictObject({
    status: z.enum(['ok', 'shutting-down']),
    storage: z.string(),
    timeZone: z.string(),
    authRequired: z.boolean(),
    uptimeSeconds: z.number().min(0),
    eventStreams: Count,
  }),
);

/** The display board's data: token numbers only. */
export const BoardOut = component(
  'Board',
  "What a waiting-room screen shows for one doctor-day: token numbers only, never patient data.",
  z.strictObject({
    doctor: z.strictObject({ id: z.string(), name: z.string(), specialization: z.string().nullable() }),
    date: Day,
    timeZone: z.string(),
    seq: Count,
    nowServing: z.array(z.number().int()),
    next: z.array(z.strictObject({ tokenNumber: z.number().int(), checkedIn: z.boolean(), estimatedStart: IsoTime.nullable() })),
    waiting: Count,
    waitlisted: Count,
    updatedAt: IsoTime,
  }),
);

/** Every error response. */
export const ErrorOut = component(
  'Error',
  'Every failure. `code` is one of the engine codes (OpdError) or an HTTP-layer code; `details` names the field or ids at fault.',
  z.strictObject({
    error: z.strictObject({
      code: z.enum([...OPD_ERROR_CODES, ...HTTP_ERROR_CODES]),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  }),
);
