/**
 * Request and response schemas (zod 4). The OpenAPI document is generated from them (see
 * `openapi.ts`), so the documentation cannot drift from what the server accepts.
 *
 * Request schemas give the shape (which fields, their JSON types, unknown fields refused) and
 * the HTTP-only conversions (query text to numbers, category aliases); the rules on values
 * (ranges, id formats, instants, lengths) are the engine's own, answered as its
 * `VALIDATION_FAILED` and only described here. Response schemas document what the engine
 * returns (Dates become ISO strings); the HTTP tests parse real responses with them.
 */
import { CATEGORIES, OPD_ERROR_CODES, OPD_EVENT_TYPES, TOKEN_STATUSES } from 'opd-scheduler';
import { z } from 'zod';
import { BOARD_LANGUAGES } from './board-messages.js';
import { HTTP_ERROR_CODES } from './http-errors.js';

/** Component schemas, by name, for `#/components/schemas/<id>`. */
export const components = z.registry<{ id: string; description?: string }>();

function component<T extends z.ZodType>(id: string, description: string, schema: T): T {
  // The description goes into the global registry, where `z.toJSONSchema` reads metadata from.
  const described = schema.meta({ description });
  components.add(described, { id, description });
  return described;
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
  const key = raw
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  return CATEGORY_ALIASES[key] ?? key;
}

const Category = z
  .string()
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
// Scalars. Values are checked by the engine; these say what it accepts.

/** A new id (the engine checks its form). */
const NewId = z.string().meta({ description: 'Id to use; generated when omitted. 1–100 letters, digits, `_ . : -`, starting with a letter or digit' });

/** An id to look up (token and slot ids may contain `~`, `@` and `:`; URL-encode them). */
const LookupId = z.string();

/** A local calendar date. */
export const Day = z.string().meta({ format: 'date', description: 'Local calendar date, `YYYY-MM-DD`', examples: ['2026-01-30'] });

/** An instant with an offset (`Z` or `±hh:mm`). */
const Instant = z
  .string()
  .meta({ format: 'date-time', description: 'ISO-8601 instant with an offset (`Z` or `±hh:mm`)', examples: ['2026-01-30T09:00:00+05:30'] });

/** Instants in responses (always UTC, as `Date.toISOString()` writes them). */
const IsoTime = z.iso.datetime().meta({ description: 'ISO-8601 instant (UTC)' });

const Reason = z.string().meta({ description: 'Free text without patient data (at most 200 characters)' });

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

/** `description` for a field. */
const d = <T extends z.ZodType>(schema: T, description: string): T => schema.meta({ description });

// ---------------------------------------------------------------------------------------------
// Path parameters

/** `:doctorId` */
export const DoctorParams = z.strictObject({ doctorId: LookupId.meta({ description: 'Doctor id' }) });
/** `:slotId` */
export const SlotParams = z.strictObject({ slotId: LookupId.meta({ description: 'Slot id (URL-encoded)' }) });
/** `:servicePointId` */
export const ServicePointParams = z.strictObject({ servicePointId: LookupId.meta({ description: 'Service point id, as configured (`OPD_SERVICE_POINTS`)' }) });
/** `:department` */
export const DepartmentParams = z.strictObject({
  department: LookupId.meta({ description: 'The department of a pooled queue (a service point of kind `doctor`), URL-encoded' }),
});
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
export const DateQuery = z.strictObject({ date: d(Day, 'Local date of the day, `YYYY-MM-DD` (default: today in the scheduler’s time zone)').optional() });
/** Paging of a list: `?limit=&after=`. */
export const PageQuery = z.strictObject({
  limit: IntegerText(1, 1000).optional().meta({ description: 'At most this many items, 1–1000 (default 100)' }),
  after: LookupId.optional().meta({ description: 'The `next` cursor of the previous page' }),
});
/** A doctor-day's waitlist, paged. */
export const WaitlistQuery = z.strictObject({ ...DateQuery.shape, ...PageQuery.shape });
/** Filter of `/api/stats`. */
export const StatsQuery = z.strictObject({ doctorId: d(LookupId, 'Only this doctor').optional(), date: d(Day, 'Only this local date').optional() });
/** Paging of `/api/history`. */
export const HistoryQuery = z.strictObject({
  after: IntegerText(0, Number.MAX_SAFE_INTEGER).optional().meta({ description: 'Only events with a greater `seq` (default 0)' }),
  limit: IntegerText(1, 1000).optional().meta({ description: 'At most this many events, 1–1000 (default 100)' }),
});
/** Options of `/api/history.jsonl`. */
export const HistoryFileQuery = z.strictObject({
  after: IntegerText(0, Number.MAX_SAFE_INTEGER).optional().meta({ description: 'Only events with a greater `seq` (default 0)' }),
});
/** Stream options of `/events`. */
export const EventsQuery = z.strictObject({
  after: IntegerText(0, Number.MAX_SAFE_INTEGER)
    .optional()
    .meta({ description: 'Replay stored events with a greater `seq` first (the `Last-Event-ID` header takes precedence)' }),
  doctorId: LookupId.optional().meta({ description: "Only this doctor's events" }),
});
/** `?date=` of the display board. */
/** The language of a waiting-room screen. */
const Lang = d(z.enum(BOARD_LANGUAGES), `Language of the screen: ${BOARD_LANGUAGES.map((l) => `\`${l}\``).join(', ')} (default: the server's)`);
export const BoardQuery = z.strictObject({
  date: d(Day, 'Pin the board to this local date (default: today, rolling over at midnight)').optional(),
  lang: Lang.optional(),
});
/** Most doctors on one waiting-hall screen. */
export const HALL_MAX_DOCTORS = 24;
/** Query of `GET /hall`: the doctors by id, or a department. */
export const HallQuery = z
  .strictObject({
    doctors: d(
      z
        .string()
        .transform((list) =>
          list
            .split(',')
            .map((id) => id.trim())
            .filter((id) => id !== ''),
        )
        .pipe(z.array(z.string()).min(1, 'must name at least one doctor').max(HALL_MAX_DOCTORS, `must name at most ${HALL_MAX_DOCTORS} doctors`)),
      `Comma-separated doctor ids, in the order shown (at most ${HALL_MAX_DOCTORS})`,
    ).optional(),
    department: d(
      z.string().min(1),
      'Every doctor whose `department` is this one (matched exactly, as bookings by department match it), in the order they were added',
    ).optional(),
    date: d(Day, 'Pin the screen to this local date (default: today)').optional(),
    lang: Lang.optional(),
  })
  .refine((q) => (q.doctors === undefined) !== (q.department === undefined), { message: 'give either doctors or department' });
/** Query of the hall's announcements (`GET /hall/announcements` and its feed): the languages, in the order spoken. */
export const AnnouncementsQuery = z.strictObject({
  lang: d(
    z
      .string()
      .transform((list) => [
        ...new Set(
          list
            .split(',')
            .map((lang) => lang.trim())
            .filter((lang) => lang !== ''),
        ),
      ])
      .pipe(z.array(z.enum(BOARD_LANGUAGES)).min(1, 'must name at least one language')),
    `Comma-separated languages, each announcement said in each in turn: ${BOARD_LANGUAGES.map((l) => `\`${l}\``).join(', ')} (default: the server's, then the others)`,
  ).optional(),
});
/** Query of `GET /tickets/:tokenId.png`. */
export const TicketQuery = z.strictObject({
  lang: Lang.optional(),
  width: d(z.enum(['58', '80']), 'Paper width in millimetres: `58` (384 dots) or `80` (576 dots); default `80`').optional(),
});

// ---------------------------------------------------------------------------------------------
// Request bodies

/** Body of `POST /api/doctors`. */
export const CreateDoctorBody = component(
  'CreateDoctorRequest',
  'A doctor to add.',
  z.strictObject({
    id: NewId.optional(),
    name: d(z.string(), 'Display name, 1–200 characters'),
    specialization: d(z.string(), 'Specialization, such as `Cardiology`').optional(),
    consultMinutes: d(z.number(), 'Minutes per consultation, above 0 and at most 1440, for estimated start times').optional(),
    department: d(LookupId, 'The department the doctor books for, such as `cardiology`').optional(),
    room: d(z.string(), 'The room the doctor sees patients in, at most 50 characters').optional(),
    system: d(z.enum(['allopathic', 'ayush']), 'The system of medicine (HMIS counts attendance by it); `allopathic` when omitted').optional(),
    specialist: d(z.boolean(), 'Whether the doctor runs a specialist OPD; `false` when omitted').optional(),
  }),
);

/** Body of `PATCH /api/doctors/:doctorId`. */
export const UpdateDoctorBody = component(
  'UpdateDoctorRequest',
  'The fields of a doctor to change, at least one; `null` clears an optional field, a field left out keeps its value.',
  z.strictObject({
    name: d(z.string(), 'Display name, 1–200 characters').optional(),
    specialization: d(z.string().nullable(), 'Specialization, or `null` for none').optional(),
    department: d(LookupId.nullable(), 'The department, or `null` for none').optional(),
    room: d(z.string().nullable(), 'The room, at most 50 characters, or `null` for none').optional(),
    consultMinutes: d(z.number().nullable(), 'Minutes per consultation, above 0 and at most 1440, or `null` for the scheduler default').optional(),
    system: d(z.enum(['allopathic', 'ayush']), 'The system of medicine').optional(),
    specialist: d(z.boolean(), 'Whether the doctor runs a specialist OPD').optional(),
  }),
);

/** Body of `POST /api/doctors/:doctorId/retire`. */
export const RetireBody = component(
  'RetireRequest',
  'A doctor’s retirement: every open slot of the doctor from `from` on closes as a leave closes them, and the doctor takes nothing new from then on.',
  z.strictObject({
    from: d(Instant, 'From when the doctor is retired, with an offset'),
    reason: d(Reason, 'Why, such as `retired`').optional(),
    reassign: d(z.enum(['department']), 'Move displaced patients to colleagues of the doctor’s department').optional(),
    dryRun: d(z.boolean(), 'Return what would happen and change nothing (as `?dryRun=true`)').optional(),
  }),
);

const SlotInput = component(
  'SlotInput',
  'A time window of one doctor with a hard capacity.',
  z.strictObject({
    id: NewId.optional(),
    start: d(Instant, 'Start of the window (inclusive), with an offset'),
    end: d(Instant, 'End of the window (exclusive), after `start`, at most 24 hours later'),
    capacity: d(z.number(), 'Hard number of places: an integer from 0 to 100,000'),
    overflowCapacity: d(z.number(), 'Elastic places beyond capacity that the capacity strategy may grant, an integer ≥ 0 (default 2)').optional(),
  }),
);

/** Body of `POST /api/doctors/:doctorId/slots`: an array of slots, or `{ slots: [...] }`. */
export const AddSlotsBody = component(
  'AddSlotsRequest',
  'Slots to add: an array, or an object with a `slots` array.',
  z.union([z.array(SlotInput), z.strictObject({ slots: d(z.array(SlotInput), 'The slots, at most 10,000') })]),
);

const LocalTime = z.string().meta({ description: 'Local time `HH:MM` (24-hour clock, 00:00–23:59) in the scheduler’s time zone', examples: ['09:00'] });

const WeeklyRotaEntryInput = component(
  'WeeklyRotaEntry',
  'One weekly session: on `weekday`, slots of `slotMinutes` from `start` to `end`, local times.',
  z.strictObject({
    weekday: d(z.number(), 'Day of the week, as ISO 8601: 1 = Monday … 7 = Sunday'),
    start: d(LocalTime, 'Local start of the session'),
    end: d(LocalTime, 'Local end of the session, after `start` on the same day'),
    slotMinutes: d(z.number(), 'Minutes per slot: an integer ≥ 1 that divides the session (a partial last slot is refused)'),
    capacity: d(z.number(), 'Hard number of places of each slot: an integer from 0 to 100,000'),
    overflowCapacity: d(z.number(), 'Elastic places of each slot beyond capacity, an integer ≥ 0 (default 2)').optional(),
  }),
);

/** Body of `POST /api/doctors/:doctorId/rota`. */
export const RotaBody = component(
  'RotaRequest',
  'A weekly rota between two local dates (inclusive), at most 366 days and 10,000 slots. Sessions of the same weekday must not overlap.',
  z.strictObject({
    weekly: d(z.array(WeeklyRotaEntryInput), 'The weekly sessions, at most 100'),
    from: d(Day, 'First local date of the rota (inclusive)'),
    to: d(Day, 'Last local date of the rota (inclusive)'),
    except: d(z.array(Day), 'Local dates to skip (holidays)').optional(),
  }),
);

const PatientInput = component(
  'PatientInput',
  'The patient. `id` (for example an ABHA number) enables the duplicate-booking guard; other JSON fields are stored as given.',
  z.looseObject({
    id: d(z.string(), 'Stable patient id, such as an ABHA number; enables the duplicate-booking guard').optional(),
    name: d(z.string(), 'Display name'),
    age: d(z.number(), 'Age in years (the senior-citizen priority uses it)').optional(),
  }),
);

const bookFields = {
  doctorId: LookupId.optional().meta({ description: 'The doctor to book with (or give `department`)' }),
  department: LookupId.optional().meta({
    description: 'Instead of `doctorId`: book with the doctor of this department whose earliest usable place is soonest (ties: fewest places taken that day)',
  }),
  patient: PatientInput,
  slotId: LookupId.optional().meta({ description: 'The slot asked for; when omitted the earliest suitable slot is chosen' }),
  date: Day.optional().meta({ description: 'Only slots on this local date' }),
  after: Instant.optional().meta({ description: 'Only slots starting at or after this instant' }),
  idempotencyKey: z.string().optional().meta({ description: 'Makes retries safe (the `Idempotency-Key` header works too), 1–200 characters' }),
};

/** Body of `POST /api/tokens`. */
export const BookBody = component('BookRequest', 'A request for a token.', z.strictObject({ ...bookFields, category: Category }));

/** Body of `POST /api/tokens/emergency` (the category is `EMERGENCY`). */
export const EmergencyBody = component('EmergencyRequest', 'An emergency request for a token.', z.strictObject(bookFields));

/** Body of `POST /api/tokens/:tokenId/cancel`. */
export const CancelBody = component(
  'CancelRequest',
  'Why the token is cancelled.',
  z.strictObject({ reason: d(Reason, 'Why the token is cancelled (free text without patient data)').optional() }),
);

/** Body of `POST /api/tokens/:tokenId/move`. */
export const MoveBody = component(
  'MoveRequest',
  'Where to move a patient: a slot, or the first free place of a doctor (default: the same) on a date (default: the same day) from an instant. Give at least one field.',
  z.strictObject({
    slotId: LookupId.optional().meta({ description: 'The slot to move to (of any doctor)' }),
    doctorId: LookupId.optional().meta({ description: 'The doctor to move to (default: the token’s doctor)' }),
    date: Day.optional().meta({ description: 'The local date to move to' }),
    after: Instant.optional().meta({ description: 'Only a slot starting at or after this instant' }),
    reason: d(Reason, 'Why the patient moves (free text without patient data)').optional(),
  }),
);

/** An empty body (or none). */
export const EmptyBody = z.strictObject({});

/** Body of `POST /api/tokens/hold`. */
export const HoldBody = component(
  'HoldRequest',
  'A request to hold a free place until a deadline (pay, then confirm).',
  z.strictObject({
    doctorId: LookupId.optional().meta({ description: 'The doctor to hold a place with (or give `department`)' }),
    department: LookupId.optional().meta({
      description: 'Instead of `doctorId`: hold the soonest free place with a doctor of this department (ties: fewest places taken that day)',
    }),
    patient: bookFields.patient,
    slotId: bookFields.slotId,
    date: bookFields.date,
    after: bookFields.after,
    idempotencyKey: bookFields.idempotencyKey,
    category: Category,
    holdMinutes: d(z.number(), 'How long the place is held: whole minutes from 1 to 1440'),
  }),
);

/** Body of `POST /api/doctors/:doctorId/call-next` and `POST /api/tokens/:tokenId/recall`. */
export const CallBody = component(
  'CallRequest',
  'Where the patient should go.',
  z.strictObject({ room: d(z.string(), 'The room, shown on the waiting-room board (at most 50 characters)').optional() }),
);

/** Body of `POST /api/tokens/:tokenId/check-in`. */
export const CheckInBody = component(
  'CheckInRequest',
  'How the patient’s visit goes (or no body: the patient waits for the doctor).',
  z.strictObject({
    route: d(z.string(), 'The visit route (a name of `OPD_ROUTES`): the patient starts in the queue of its first stage').optional(),
  }),
);

/** Body of `POST /api/tokens/:tokenId/forward`. */
export const ForwardBody = component(
  'ForwardRequest',
  'Where the patient goes next on the visit.',
  z.strictObject({
    to: d(
      z.string(),
      'A service point id, or a kind (`lab`, `doctor`): the point of that kind serving the token’s department; `doctor` is the token’s own doctor',
    ),
    reason: d(Reason, 'Why (`CBC ordered`), without patient data').optional(),
  }),
);

/** Body of `POST /api/departments/:department/call`. */
export const PooledCallBody = component(
  'PooledCallRequest',
  'The doctor of the department who is free, and where the patient should go.',
  z.strictObject({
    doctorId: d(LookupId, 'The doctor who calls: one of the department’s'),
    room: d(z.string(), 'The room, shown on the waiting-room board (at most 50 characters; the doctor’s room when omitted)').optional(),
  }),
);

/** Body of `POST /api/sweep`. */
export const SweepBody = component(
  'SweepRequest',
  'When to sweep at.',
  z.strictObject({ now: Instant.optional().meta({ description: 'Sweep as of this instant (default: now)' }) }),
);

/** Body of `POST /api/slots/:slotId/close`. */
export const CloseSlotBody = component(
  'CloseSlotRequest',
  'Why the slot closes.',
  z.strictObject({ reason: d(Reason, 'Why the slot closes, such as `doctor left`').optional() }),
);

/** Body of `POST /api/doctors/:doctorId/leave`. */
export const LeaveBody = component(
  'LeaveRequest',
  'A doctor’s leave: every open slot of the doctor overlapping `[from, to)` closes in one unit, at most 366 days.',
  z.strictObject({
    from: d(Instant, 'Start of the leave (inclusive), with an offset'),
    to: d(Instant, 'End of the leave (exclusive), after `from`'),
    reason: d(Reason, 'Why the slots close, such as `on leave`').optional(),
    dryRun: d(z.boolean(), 'Return what would happen and change nothing (as `?dryRun=true`)').optional(),
    reassign: d(z.enum(['department']), 'Move displaced patients to colleagues of the doctor’s department').optional(),
    horizonDays: d(
      z.number(),
      'How many days past the leave a displaced patient may be moved to a later day: an integer from 0 to 366 (default 28)',
    ).optional(),
  }),
);

/** `:doctorId` and `:date` of a doctor-day. */
export const DoctorDayParams = z.strictObject({ doctorId: LookupId.meta({ description: 'Doctor id' }), date: d(Day, 'The local date, `YYYY-MM-DD`') });

/** Body of `POST /api/doctors/:doctorId/days/:date/leases`. */
export const LeaseBody = component(
  'LeaseRequest',
  'A desk asking for a share of the day to issue tokens from without the network.',
  z.strictObject({
    deskId: d(z.string(), 'The desk: 1 to 32 letters, digits, `_` or `-` (it prefixes the labels of its tokens)'),
    places: d(z.number(), 'How many places of the day, an integer from 1 to 10,000'),
    categories: d(z.array(z.string()), 'The categories the desk may book in them; every category when omitted').optional(),
    ttlMinutes: d(z.number(), 'How long the lease lasts, 1 to 1440 minutes: then its unused places return by themselves'),
  }),
);

/** `:doctorId`, `:date` and `:leaseId` of a lease. */
export const LeaseParams = z.strictObject({
  doctorId: LookupId.meta({ description: 'Doctor id' }),
  date: d(Day, 'The local date, `YYYY-MM-DD`'),
  leaseId: LookupId.meta({ description: 'Lease id, as granted' }),
});

/** A lease. */
export const LeaseOut = component(
  'Lease',
  'Places of a doctor-day held for a desk, counted taken until its desk uses them or the lease ends.',
  z.strictObject({
    id: d(z.string(), 'The lease id, unique per doctor-day'),
    deskId: d(z.string(), 'The desk'),
    doctorId: d(z.string(), 'The doctor'),
    date: d(Day, 'The local date'),
    status: d(z.enum(['ACTIVE', 'RETURNED', 'EXPIRED']), 'Where it stands'),
    categories: d(z.array(z.string()).nullable(), 'The categories the desk may book, or `null` for every category'),
    slots: d(
      z.array(
        z.strictObject({
          slotId: d(z.string(), 'The slot'),
          start: d(IsoTime, 'Its start'),
          end: d(IsoTime, 'Its end'),
          places: d(Count, 'The places leased there'),
          used: d(Count, 'The places the desk has used'),
        }),
      ),
      'The places held, per slot, in slot order',
    ),
    prefix: d(z.string(), 'The label prefix of the desk’s tokens'),
    grantedAt: d(IsoTime, 'When it was granted'),
    endsAt: d(IsoTime, 'While active: when it ends by itself; otherwise when it ended'),
  }),
);

/** One command of a desk's log, as `OfflineDesk.exportLog` writes it. */
const DeskCommandIn = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: d(z.literal('book'), 'A booking'),
    idempotencyKey: d(z.string(), 'The booking’s idempotency key, the central booking’s too'),
    at: d(IsoTime, 'When the desk made it'),
    category: d(z.string(), 'The category'),
    slotId: d(z.string(), 'The leased slot it took'),
    tokenId: d(z.string(), 'The desk’s token id'),
    tokenNumber: d(Count, 'The desk’s token number'),
    label: d(z.string(), 'The label the patient was given (the lease’s prefix and the desk’s number)'),
    patient: PatientInput,
  }),
  z.strictObject({
    kind: d(z.enum(['cancel', 'check-in']), 'A cancel or a check-in of a token the desk issued'),
    idempotencyKey: d(z.string(), 'The command’s idempotency key'),
    at: d(IsoTime, 'When the desk made it'),
    booking: d(z.string(), 'The idempotency key of the booking of the token'),
  }),
]);

/** Body of `POST /api/doctors/:doctorId/days/:date/leases/:leaseId/reconcile`. */
export const DeskLogBody = component(
  'DeskLog',
  'A desk’s log as `OfflineDesk.exportLog()` writes it: its bookings, cancels and check-ins in the order it made them (at most 10,000).',
  z.array(DeskCommandIn).max(10_000),
);

const ReconciledCommandOut = z.strictObject({
  kind: d(z.enum(['book', 'cancel', 'check-in']), 'The command’s kind'),
  idempotencyKey: d(z.string(), 'Its idempotency key'),
  tokenId: d(z.string().nullable(), 'The central token it concerns, or `null` when none was found'),
  label: d(z.string().nullable(), 'The token’s label, the desk’s'),
});

/** What a reconcile did. */
export const ReconcileReportOut = component(
  'ReconcileReport',
  'What the central scheduler entered of a desk’s log: entered now, entered by an earlier reconcile (nothing changed), what staff must resolve, and the lease once its unused places went back.',
  z.strictObject({
    leaseId: d(z.string(), 'The lease'),
    applied: d(z.array(ReconciledCommandOut), 'The commands entered now, in the log’s order'),
    alreadyApplied: d(z.array(ReconciledCommandOut), 'The commands an earlier reconcile had entered'),
    toResolve: d(
      z.array(
        z.strictObject({
          reason: d(z.enum(['same-patient', 'beyond-lease', 'not-applied']), 'Why staff must look'),
          idempotencyKey: d(z.string(), 'The desk command’s idempotency key'),
          tokenId: d(z.string().nullable(), 'The central token concerned'),
          otherTokenId: d(z.string().nullable(), 'For `same-patient`, the patient’s other token'),
          code: d(z.string().nullable(), 'For `not-applied`, the refusal’s error code'),
        }),
      ),
      'What staff must resolve; nothing was revoked for it',
    ),
    lease: LeaseOut,
  }),
);

/** Body of `POST /api/manual-register`. */
export const ManualRegisterBody = component(
  'ManualRegister',
  'Tokens written by hand during an outage, one row each (at most 10,000).',
  z
    .array(
      z.strictObject({
        doctorId: d(z.string(), 'The doctor'),
        label: d(z.string(), 'The number or label written on the register (unique per doctor in the register)'),
        category: Category,
        slotId: d(z.string(), 'The slot written down').optional(),
        time: d(Instant, 'The time written down (the place is sought from it)').optional(),
        date: d(Day, 'The local date, when no slot is written').optional(),
        patient: PatientInput.optional(),
      }),
    )
    .max(10_000),
);

/** What an import of a manual register did. */
export const ManualRegisterReportOut = component(
  'ManualRegisterReport',
  'The rows entered (or entered by an earlier import) and those the booking rules refused, for staff to place by hand.',
  z.strictObject({
    entered: d(
      z.array(
        z.strictObject({
          label: d(z.string(), 'The row’s label on the register'),
          tokenId: d(z.string(), 'The token it became'),
          tokenLabel: d(z.string(), 'The token’s label in the central series (tell the patient if it differs)'),
          outcome: d(z.enum(['BOOKED', 'WAITLISTED']), '`WAITLISTED` when no place was left for it'),
          replayed: d(z.boolean(), 'Whether an earlier import had entered it already'),
        }),
      ),
      'The rows entered, in order',
    ),
    didNotFit: d(
      z.array(z.strictObject({ label: d(z.string(), 'The row’s label'), code: d(z.string(), 'The refusal’s error code') })),
      'The rows the rules refused',
    ),
  }),
);

/** Body of `PUT /api/slots/:slotId/capacity`. */
export const CapacityBody = component(
  'SetCapacityRequest',
  'The new capacity.',
  z.strictObject({ capacity: d(z.number(), 'The new capacity: an integer from 0 to 100,000') }),
);

// ---------------------------------------------------------------------------------------------
// Responses

/** A doctor. */
export const DoctorOut = component(
  'Doctor',
  'A clinician who holds slots.',
  z.strictObject({
    id: d(z.string(), 'Unique id'),
    name: d(z.string(), 'Display name'),
    specialization: d(z.string().nullable(), 'Specialization, such as `Cardiology`, or `null`'),
    consultMinutes: d(z.number().nullable(), 'Minutes per consultation; `null` means the scheduler default'),
    department: d(z.string().nullable(), 'The department, or `null`'),
    createdAt: d(IsoTime, 'When the doctor was added'),
    facilityId: d(z.string(), 'The facility (the server’s `OPD_FACILITY_ID`; `default` without it)'),
    room: d(z.string().nullable(), 'The room the doctor sees patients in, or `null`'),
    retiredFrom: d(IsoTime.nullable(), 'From when the doctor is retired (no booking, hold or slot past it), or `null`'),
    retiredReason: d(z.string().nullable(), 'Why the doctor retired, or `null`'),
    system: d(z.enum(['allopathic', 'ayush']), 'The system of medicine: `allopathic` or `ayush`'),
    specialist: d(z.boolean(), 'Whether the doctor runs a specialist OPD'),
  }),
);

/** A slot. */
export const SlotOut = component(
  'Slot',
  'A fixed time window of one doctor with a hard capacity.',
  z.strictObject({
    id: d(z.string(), 'Unique id'),
    facilityId: d(z.string(), 'The facility (the server’s `OPD_FACILITY_ID`; `default` without it)'),
    doctorId: d(z.string(), 'The doctor who holds the slot'),
    day: d(Day, 'Local date of the start, in the scheduler’s time zone'),
    start: d(IsoTime, 'Start of the window (inclusive)'),
    end: d(IsoTime, 'End of the window (exclusive)'),
    capacity: d(Count, 'Hard number of places'),
    overflowCapacity: d(Count, 'Elastic places a capacity strategy may grant beyond `capacity`'),
    status: d(z.enum(['OPEN', 'CLOSED']), '`OPEN` or `CLOSED`'),
    closedReason: d(z.string().nullable(), 'Why the slot was closed, or `null`'),
  }),
);

/** A token. */
export const TokenOut = component(
  'Token',
  "One patient's request for one doctor on one day, with a stable token number.",
  z.strictObject({
    id: d(z.string(), 'Unique id (URL-encode it in paths)'),
    facilityId: d(z.string(), 'The facility (the server’s `OPD_FACILITY_ID`; `default` without it)'),
    doctorId: d(z.string(), 'The doctor'),
    day: d(Day, 'The local date the token is for'),
    slotId: d(z.string().nullable(), 'The slot holding the place, or `null` without one'),
    waitingForSlotId: d(z.string().nullable(), 'On a per-slot waitlist, the slot waited for; else `null`'),
    category: d(z.string(), 'The request channel'),
    rank: d(z.number(), 'Rank from the priority policy; lower is more urgent'),
    status: d(z.enum(TOKEN_STATUSES), 'Lifecycle status'),
    tokenNumber: d(z.number().int().min(1), 'Sequential per doctor-day; never reused, unchanged by bumps'),
    patient: d(
      z.looseObject({ id: d(z.string(), 'Patient id').optional(), name: d(z.string(), 'Display name') }).nullable(),
      'The patient as booked — only for requests that carry the API key; `null` otherwise (and always on a server without one)',
    ),
    requestedAt: d(IsoTime, 'When the request was made'),
    bumpCount: d(Count, 'How many times a more urgent token took its place'),
    notBefore: d(IsoTime.nullable(), 'Earliest slot start the token may be placed at, or `null`'),
    position: d(z.number().int().min(1).nullable(), '1-based position in the slot’s queue, for places'),
    estimatedStart: d(
      IsoTime.nullable(),
      'Estimated start of the consultation, for places: live (never in the past while waiting, after the consultation in progress, at the day’s pace); `null` otherwise',
    ),
    estimateStatus: d(
      z.enum(['ON_TIME', 'AFTER_SLOT', 'IN_CONSULTATION', 'COMPLETED']).nullable(),
      '`AFTER_SLOT` when the estimate falls at or after the slot’s end (the doctor runs late); `ON_TIME` within the slot; `IN_CONSULTATION` / `COMPLETED` for patients already seen; `null` without a place',
    ),
    idempotencyKey: d(z.string().nullable(), 'The idempotency key it was booked with, or `null`'),
    cancelReason: d(z.string().nullable(), 'Reason given on cancellation, or `null`'),
    updatedAt: d(IsoTime, 'When the token last changed'),
    holdExpiresAt: d(IsoTime.nullable(), 'For a `HELD` token, when its hold ends unless confirmed; else `null`'),
    label: d(z.string(), 'The number shown to the patient, unique per doctor-day (`7`, or `E-1` with labels per category)'),
    offer: d(
      z
        .strictObject({
          offerId: d(z.string(), 'Answer with `POST /api/offers/{offerId}/accept` or `/decline`'),
          slotId: d(z.string(), 'The slot of the place offered'),
          expiresAt: d(IsoTime, 'When the offer lapses unanswered'),
        })
        .nullable(),
      "With offers of freed places: the token's open offer, or `null`; absent on a day that has had none",
    ).optional(),
    carriedFrom: d(z.string(), 'For a token carried from a closed day, the token it replaces (absent otherwise)').optional(),
    journey: d(
      z.strictObject({
        route: d(z.string().nullable(), 'The route it follows, or `null`'),
        stage: d(z.number().int().nonnegative().nullable(), 'Its stage on the route, or `null`'),
        servicePointId: d(z.string().nullable(), 'The service point whose queue it waits in, or `null` with the doctor'),
        pooled: d(z.boolean(), 'Whether any doctor of its pooled department may call it'),
        seen: d(z.boolean(), 'Whether the patient saw the doctor once this visit'),
        calledBy: d(z.string().nullable(), 'The doctor of its pooled department who called it, or `null`'),
      }),
      'Where the token stands on its visit (with service points); absent otherwise',
    ).optional(),
    followUpId: d(
      z.string(),
      'For a token a follow-up booked (`POST /api/tokens/:tokenId/follow-up`, or the sweep later), the follow-up; absent otherwise',
    ).optional(),
    seriesId: d(z.string(), 'For an occurrence of a series (`POST /api/series`), the series; absent otherwise').optional(),
    occurrence: d(z.number().int().min(1), 'For an occurrence of a series, which one, from 1; absent otherwise').optional(),
    entitlement: d(
      z.strictObject({
        fromTokenId: d(z.string(), 'The charged visit that opened the entitlement'),
        visit: d(z.number().int().min(1), 'The token’s visit number in it, from 1'),
      }),
      'For a free revisit (a scheduler with `followUps`), the entitlement it uses: bill it as free; absent otherwise',
    ).optional(),
    charged: d(
      z.literal(true),
      'On a completed visit charged for (`complete` with `charged: true`), which opened an entitlement to free revisits; absent otherwise',
    ).optional(),
  }),
);

/** One end of a forward: a service point's queue, or the doctor's. */
const ForwardedEnd = z.strictObject({
  servicePointId: d(z.string().nullable(), 'The service point, or `null` for the token’s doctor'),
  kind: d(z.string(), 'Its kind (`lab`); `doctor` for the doctor'),
});

const eventBase = {
  seq: d(Count, 'Position in the event history; increases in storage order (0 in a dry run)'),
  at: d(IsoTime, 'When it happened'),
  facilityId: d(z.string(), 'The facility (the server’s `OPD_FACILITY_ID`; `default` without it)'),
  doctorId: d(z.string(), 'The doctor'),
  actor: d(z.string().nullable(), 'Who made the call that caused it (a member of staff or a system), or `null`'),
};
const tokenEventBase = {
  ...eventBase,
  tokenId: d(z.string(), 'The token'),
  tokenNumber: d(z.number().int(), 'The token’s number'),
  label: d(z.string(), 'The token’s label, shown to the patient (`7`, `E-1`)'),
  day: d(Day, 'The token’s local date'),
};
const Displacement = d(z.enum(['bumped', 'slot-closed', 'capacity-lowered']), 'Why the token was displaced');
const type = <T extends string>(value: T) => d(z.literal(value), 'The event type');
const SlotId = d(z.string(), 'The slot');
/** A doctor's field as `doctor:updated` reports it. */
const change = <T extends z.ZodType>(value: T) => z.strictObject({ before: d(value, 'The value before'), after: d(value, 'The value after') });
const FromSlotId = d(z.string(), 'The slot the token left');
/** The request that made a new token (none for a token placed otherwise), as `opd-scheduler/lab` replays it. */
const RequestOut = d(
  z
    .strictObject({
      category: d(z.string(), 'The request channel'),
      slotId: d(z.string().nullable(), 'The slot asked for, or `null`'),
      date: d(Day.nullable(), 'The local date asked for, or `null`'),
      after: d(IsoTime.nullable(), 'The earliest start asked for, or `null`'),
      holdMinutes: d(z.number().nullable(), 'For a hold, its minutes; else `null`'),
      department: d(z.string(), 'For a request to a department, the department (the event names the doctor it got); absent otherwise').optional(),
    })
    .nullable(),
  'The request that made the token, when this is the booking call’s own event; else `null`',
).optional();

/** Any engine event (also what `effects` lists). Never contains patient data. */
export const EventOut = component(
  'Event',
  'An engine event; `seq` increases in storage order. Never contains patient data.',
  z.discriminatedUnion('type', [
    z.strictObject({
      type: type('token:booked'),
      ...tokenEventBase,
      slotId: SlotId,
      category: d(z.string(), 'The request channel'),
      rank: d(z.number(), 'The rank given by the priority policy'),
      overflow: d(z.boolean(), 'Whether the place is an elastic one'),
      rule: d(
        z.enum(['free-place', 'elastic-place', 'bump', 'next-slot']),
        'Which rule gave the place (what `explain` reads); absent on events stored by earlier versions',
      ).optional(),
      fullSlotId: d(z.string().nullable(), 'With `next-slot`: the slot asked for that had no place; else `null`').optional(),
      quota: d(z.string().nullable(), 'The quota strategy that refused the slot asked for, or `null`').optional(),
      bumpedTokenId: d(z.string().nullable(), 'With `bump`: the token whose place it took; else `null`').optional(),
      bumpedRank: d(z.number().nullable(), 'With `bump`: that token’s rank; else `null`').optional(),
      request: RequestOut,
    }),
    z.strictObject({
      type: type('token:waitlisted'),
      ...tokenEventBase,
      slotId: d(z.null(), 'Always `null`: no place'),
      waitingForSlotId: d(z.string().nullable(), 'On a per-slot waitlist, the slot waited for'),
      fromSlotId: d(z.string().nullable(), 'The slot the token was displaced from, if any'),
      reason: d(z.enum(['full', 'bumped', 'slot-closed', 'capacity-lowered']), 'Why it waits'),
      rank: d(z.number(), 'Its rank; absent on events stored by earlier versions').optional(),
      fullSlotId: d(z.string().nullable(), 'For `full`: the slot asked for that had no place for it, or `null`').optional(),
      quota: d(z.string().nullable(), 'For `full`: the quota strategy that counted that slot as full for its category, or `null`').optional(),
      request: RequestOut,
    }),
    z.strictObject({
      type: type('token:bumped'),
      ...tokenEventBase,
      slotId: SlotId,
      fromSlotId: FromSlotId,
      byTokenId: d(z.string(), 'The more urgent token that took the place'),
      rank: d(z.number(), 'The bumped token’s rank; absent on events stored by earlier versions').optional(),
      byRank: d(z.number(), 'The rank of the token that took the place').optional(),
      byCategory: d(z.string(), 'The category of the token that took the place').optional(),
    }),
    z.strictObject({
      type: type('token:cascaded'),
      ...tokenEventBase,
      slotId: d(z.string(), 'The slot the token moved to'),
      fromSlotId: FromSlotId,
      toSlotId: d(z.string(), 'The slot the token moved to'),
      reason: Displacement,
    }),
    z.strictObject({
      type: type('token:moved'),
      ...tokenEventBase,
      slotId: d(z.string(), 'The slot of the new place'),
      fromSlotId: d(z.string().nullable(), 'The slot it left, or `null` when it was waitlisted'),
      toSlotId: d(z.string(), 'The slot of the new place'),
      fromDoctorId: d(z.string(), 'The doctor it left'),
      toDoctorId: d(z.string(), 'The doctor of the new place'),
      fromTokenId: d(z.string(), 'The token it left (the same token within one doctor-day)'),
      fromDay: d(Day, 'The local date it left'),
      reason: d(z.string().nullable(), 'The reason given, or `null`'),
    }),
    z.strictObject({
      type: type('token:promoted'),
      ...tokenEventBase,
      slotId: d(z.string(), 'The slot it got a place in'),
      fromSlotId: d(z.string().nullable(), 'The slot it had been displaced from, if any'),
    }),
    z.strictObject({
      type: type('token:dropped'),
      ...tokenEventBase,
      slotId: d(z.null(), 'Always `null`: no place'),
      fromSlotId: FromSlotId,
      reason: Displacement,
    }),
    z.strictObject({ type: type('emergency:unplaced'), ...tokenEventBase }),
    z.strictObject({
      type: type('token:cancelled'),
      ...tokenEventBase,
      slotId: d(z.string().nullable(), 'The slot whose place was given up, if any'),
      reason: d(z.string().nullable(), 'The reason given, or `null`'),
    }),
    z.strictObject({ type: type('token:no-show'), ...tokenEventBase, slotId: SlotId, reason: d(z.enum(['manual', 'sweep']), 'Marked by hand or by a sweep') }),
    z.strictObject({ type: type('token:checked-in'), ...tokenEventBase, slotId: SlotId }),
    z.strictObject({ type: type('token:consultation-started'), ...tokenEventBase, slotId: SlotId }),
    z.strictObject({ type: type('token:completed'), ...tokenEventBase, slotId: SlotId }),
    z.strictObject({
      type: type('token:held'),
      ...tokenEventBase,
      slotId: d(z.string(), 'The slot of the held place'),
      category: d(z.string(), 'The request channel'),
      rank: d(z.number(), 'The rank given by the priority policy'),
      holdExpiresAt: d(IsoTime, 'When the hold ends unless confirmed'),
      request: RequestOut,
    }),
    z.strictObject({ type: type('token:confirmed'), ...tokenEventBase, slotId: SlotId }),
    z.strictObject({
      type: type('token:offered'),
      ...tokenEventBase,
      slotId: d(z.string(), 'The slot of the place offered'),
      offerId: d(z.string(), 'The id the patient answers with'),
      expiresAt: d(IsoTime, 'When the offer lapses unanswered'),
      round: d(z.number().int().min(1), 'The group of candidates it belongs to, from 1'),
    }),
    z.strictObject({
      type: type('token:offer-accepted'),
      ...tokenEventBase,
      slotId: d(z.string(), 'The slot of the place taken'),
      offerId: d(z.string(), 'The offer accepted'),
      fromSlotId: d(z.string().nullable(), 'The slot left (a booked patient pulled forward), or `null` for a waitlisted one'),
    }),
    z.strictObject({
      type: type('token:offer-declined'),
      ...tokenEventBase,
      slotId: d(z.string(), 'The slot of the place offered'),
      offerId: d(z.string(), 'The offer declined'),
    }),
    z.strictObject({
      type: type('token:offer-lapsed'),
      ...tokenEventBase,
      slotId: d(z.string(), 'The slot of the place offered'),
      offerId: d(z.string(), 'The offer that lapsed'),
      reason: d(
        z.enum(['taken', 'expired', 'moved-on']),
        '`taken`: another candidate accepted first; `expired`: its window passed; `moved-on`: the token can no longer take the place (cancelled, moved, checked in, booked elsewhere, carried, expired)',
      ),
    }),
    z.strictObject({
      type: type('token:offer-withdrawn'),
      ...tokenEventBase,
      slotId: d(z.string(), 'The slot of the place offered'),
      offerId: d(z.string(), 'The offer withdrawn'),
      reason: d(z.enum(['emergency', 'slot-closed', 'capacity-lowered']), 'What took the place'),
      byTokenId: d(z.string().nullable(), 'The emergency that took the place, or `null`'),
    }),
    z.strictObject({
      type: type('token:released'),
      ...tokenEventBase,
      slotId: d(z.string(), 'The slot whose place was freed'),
      reason: d(z.enum(['released', 'slot-closed']), 'Released by a call, or its slot closed'),
    }),
    z.strictObject({
      type: type('token:called'),
      ...tokenEventBase,
      slotId: SlotId,
      room: d(z.string().nullable(), 'Where the patient should go, or `null`'),
      recall: d(z.boolean(), 'Whether the patient was called again'),
      servicePointId: d(z.string(), 'The service point whose queue called the patient (absent for a doctor)').optional(),
      calledBy: d(z.string(), 'The doctor of a pooled department who called, when not the token’s own (absent otherwise)').optional(),
    }),
    z.strictObject({
      type: type('token:forwarded'),
      ...tokenEventBase,
      slotId: SlotId,
      from: d(ForwardedEnd, 'The queue the patient left (`servicePointId` `null`: the doctor)'),
      to: d(ForwardedEnd, 'The queue the patient now waits in'),
      route: d(z.string().nullable(), 'The route it follows, or `null`'),
      stage: d(z.number().int().nonnegative().nullable(), 'The stage reached, or `null`'),
      reason: d(z.string().nullable(), 'Why, or `null`'),
      reentry: d(
        z
          .strictObject({
            policy: d(z.string(), 'The re-entry policy’s name (`return-ahead`)'),
            passed: d(Count, 'How many of the patients then waiting it let go first'),
          })
          .nullable(),
        'Back to the doctor: the re-entry policy and how many waiting patients it let go first; else `null`',
      ),
    }),
    z.strictObject({
      type: type('token:reinstated'),
      ...tokenEventBase,
      fromStatus: d(z.enum(['NO_SHOW', 'CANCELLED']), 'The status the token came back from'),
      lateArrival: d(z.enum(['queue-end', 'rebook']), 'The late-arrival rule it was placed under'),
    }),
    z.strictObject({
      type: type('token:expired'),
      ...tokenEventBase,
      slotId: d(z.string().nullable(), 'The slot whose place was freed; `null` for a waitlisted token its day’s closing ended'),
      holdExpiresAt: d(IsoTime.nullable(), 'When the hold ended; `null` for a token that was not a hold'),
      reason: d(z.enum(['hold-expired', 'day-closed']), 'A hold that ended unconfirmed, or a token its day’s closing ended').optional(),
      fromStatus: d(z.enum(['WAITLISTED', 'HELD', 'BOOKED', 'CHECKED_IN']), 'The status it had').optional(),
    }),
    z.strictObject({
      type: type('token:carried'),
      ...tokenEventBase,
      slotId: d(z.string().nullable(), 'The slot of the place it left, or `null` (it was waiting)'),
      fromStatus: d(z.enum(['WAITLISTED', 'HELD', 'BOOKED', 'CHECKED_IN']), 'The status it had on the closed day'),
      toDay: d(Day, 'The day it was carried to'),
      toTokenId: d(z.string(), 'The new waitlisted token on `toDay`'),
      toTokenNumber: d(z.number().int(), 'The new token’s number'),
      toLabel: d(z.string(), 'The new token’s label'),
    }),
    z.strictObject({
      type: type('day:closed'),
      ...eventBase,
      day: d(Day, 'The closed day'),
      expired: d(Count, 'Tokens that expired (`token:expired`, `day-closed`)'),
      carried: d(Count, 'Tokens carried to `toDay` (`token:carried`)'),
      toDay: d(Day.nullable(), 'The day tokens were carried to, or `null`'),
    }),
    z.strictObject({
      type: type('token:turn-near'),
      ...tokenEventBase,
      slotId: SlotId,
      position: d(z.number().int().min(1), 'The turn among the doctor-day’s waiting places, 1 for the next to be called'),
      estimatedStart: d(IsoTime, 'The estimated start when the notice was sent'),
    }),
    z.strictObject({
      type: type('token:eta-changed'),
      ...tokenEventBase,
      slotId: SlotId,
      estimatedStart: d(IsoTime, 'The estimated start now'),
      previousEstimate: d(IsoTime, 'The estimated start the patient was last told of'),
      changeMinutes: d(z.number().int(), 'Minutes from the previous estimate to the new one (positive: later)'),
    }),
    z.strictObject({
      type: type('slot:closed'),
      ...eventBase,
      slotId: SlotId,
      day: d(Day, 'The slot’s local date'),
      reason: d(z.string().nullable(), 'Why it closed, or `null`'),
      leave: d(
        z
          .strictObject({
            from: d(IsoTime, 'The start of the leave'),
            to: d(IsoTime, 'Its end'),
            reassign: d(z.literal('department').nullable(), '`department` when patients went to colleagues'),
          })
          .nullable(),
        'The leave (`closeSlots`) that closed it, or `null` for a single closing',
      ).optional(),
    }),
    z.strictObject({ type: type('slot:reopened'), ...eventBase, slotId: SlotId, day: d(Day, 'The slot’s local date') }),
    z.strictObject({
      type: type('slot:capacity-changed'),
      ...eventBase,
      slotId: SlotId,
      day: d(Day, 'The slot’s local date'),
      previousCapacity: d(Count, 'The capacity before'),
      capacity: d(Count, 'The new capacity'),
    }),
    z.strictObject({
      type: type('doctor:updated'),
      ...eventBase,
      changes: d(
        z.strictObject({
          name: d(change(z.string()), 'The name before and after').optional(),
          specialization: d(change(z.string().nullable()), 'The specialization before and after').optional(),
          department: d(change(z.string().nullable()), 'The department before and after').optional(),
          room: d(change(z.string().nullable()), 'The room before and after').optional(),
          consultMinutes: d(change(z.number().nullable()), 'The minutes per consultation before and after').optional(),
          system: d(change(z.enum(['allopathic', 'ayush'])), 'The system of medicine before and after').optional(),
          specialist: d(change(z.boolean()), 'Whether a specialist OPD, before and after').optional(),
        }),
        'Each field that changed, with its value before and after',
      ),
    }),
    z.strictObject({
      type: type('doctor:retired'),
      ...eventBase,
      retiredFrom: d(IsoTime, 'From when the doctor is retired'),
      reason: d(z.string().nullable(), 'The reason given, or `null`'),
      reassign: d(z.enum(['department']).nullable(), '`department` when displaced patients went to colleagues, else `null`'),
    }),
    z.strictObject({
      type: type('patient:erased'),
      ...tokenEventBase,
      reason: d(z.string().nullable(), 'The reason given to the erasure, or `null` (always for a purge)'),
      by: d(z.enum(['request', 'retention']), '`request` for an erasure, `retention` for a purge'),
    }),
    z.strictObject({
      type: type('lease:granted'),
      ...eventBase,
      leaseId: d(z.string(), 'The lease'),
      deskId: d(z.string(), 'The desk it was granted to'),
      day: d(Day, 'The doctor-day’s local date'),
      slots: d(z.array(z.strictObject({ slotId: SlotId, places: d(Count, 'The places leased there') })), 'The places leased, per slot'),
      endsAt: d(IsoTime, 'When it ends by itself'),
    }),
    ...(['lease:returned', 'lease:expired'] as const).map((name) =>
      z.strictObject({
        type: type(name),
        ...eventBase,
        leaseId: d(z.string(), 'The lease'),
        deskId: d(z.string(), 'The desk it was granted to'),
        day: d(Day, 'The doctor-day’s local date'),
        freed: d(Count, 'The places it still held, now free'),
      }),
    ),
    z.strictObject({
      type: type('doctor:paused'),
      ...eventBase,
      day: d(Day, 'The doctor-day’s local date'),
      until: d(IsoTime, 'When the pause ends by itself'),
      minutes: d(z.number().int().positive(), 'Its length in minutes'),
      reason: d(z.string().nullable(), 'The reason given, or `null`'),
    }),
    z.strictObject({
      type: type('doctor:resumed'),
      ...eventBase,
      day: d(Day, 'The doctor-day’s local date'),
      pausedAt: d(IsoTime, 'When the pause began'),
      until: d(IsoTime, 'When it would have ended without the resume'),
    }),
    ...(['followup:booked', 'followup:due', 'followup:cancelled'] as const).map((name) =>
      z.strictObject({
        type: type(name),
        ...eventBase,
        followUpId: d(z.string(), 'The follow-up (one per visit)'),
        fromTokenId: d(z.string(), 'The visit it follows'),
        dueDate: d(Day, 'The local date it is due on'),
        ...(name === 'followup:booked'
          ? { toTokenId: d(z.string(), 'Its token'), toDoctorId: d(z.string(), 'The doctor it is booked with'), toDay: d(Day, 'The local date of its token') }
          : name === 'followup:due'
            ? { from: d(Day, 'The first date of its window'), to: d(Day, 'The last date of its window') }
            : { reason: d(z.string().nullable(), 'The reason given, or `null`') }),
      }),
    ),
    z.strictObject({
      type: type('series:booked'),
      ...eventBase,
      seriesId: d(z.string(), 'The series'),
      mode: d(z.enum(['all-or-nothing', 'best-effort']), 'How it was booked'),
      tokenIds: d(z.array(z.string()), 'The occurrences’ tokens, in order'),
      skipped: d(
        z.array(
          z.strictObject({
            occurrence: d(z.number().int().positive(), 'Which occurrence'),
            date: d(Day, 'Its date'),
            reason: d(z.string(), 'Why it has no place'),
          }),
        ),
        'The occurrences without a place (best-effort)',
      ),
    }),
    z.strictObject({
      type: type('series:cancelled'),
      ...eventBase,
      seriesId: d(z.string(), 'The series'),
      from: d(Day.nullable(), 'The first date cancelled, or `null` for the whole series'),
      tokenIds: d(z.array(z.string()), 'The tokens cancelled'),
    }),
    z.strictObject({
      type: type('entitlement:opened'),
      ...eventBase,
      fromTokenId: d(z.string(), 'The charged visit'),
      until: d(Day, 'The entitlement’s last date'),
      visits: d(Count, 'How many revisits are free'),
      scope: d(z.enum(['doctor', 'department']), 'With the same doctor, or any doctor of its department'),
    }),
    z.strictObject({
      type: type('entitlement:used'),
      ...eventBase,
      fromTokenId: d(z.string(), 'The charged visit'),
      revisitTokenId: d(z.string(), 'The token that uses it'),
      visit: d(z.number().int().positive(), 'Its visit number'),
      left: d(Count, 'The free revisits left'),
    }),
    z.strictObject({
      type: type('entitlement:returned'),
      ...eventBase,
      fromTokenId: d(z.string(), 'The charged visit'),
      revisitTokenId: d(z.string(), 'The token that gave it back'),
      visit: d(z.number().int().positive(), 'Its visit number'),
    }),
    z.strictObject({
      type: type('entitlement:expired'),
      ...eventBase,
      fromTokenId: d(z.string(), 'The charged visit'),
      until: d(Day, 'The entitlement’s last date'),
    }),
  ]),
);

// Keep the event schema honest: one branch per engine event type.
const documentedEvents: ReadonlySet<string> = new Set(EventOut.options.map((o) => o.shape.type.value));
for (const eventType of OPD_EVENT_TYPES) {
  if (!documentedEvents.has(eventType)) throw new Error(`Event type ${eventType} has no schema`);
}

const Places = d(z.array(TokenOut), 'Tokens holding places, in queue order');
const Waitlisted = (what: string) => d(z.array(TokenOut), what);
const Effects = d(z.array(EventOut), 'Everything else the call caused, in order, as emitted');

/** A slot with its queue and waitlist. */
export const SlotViewOut = component(
  'SlotView',
  'A slot with its places in queue order and the waitlist that could be promoted into it.',
  z.strictObject({
    slot: SlotOut,
    places: Places,
    waitlist: Waitlisted('Tokens that could be promoted into this slot, in promotion order'),
    free: d(Count, 'Free places: `max(0, capacity − taken)`, where the places taken are booked places and claims (holds, places held for an offer)'),
    overflowUsed: d(Count, 'Elastic places in use: `max(0, taken − capacity)`'),
    claimed: d(Count, 'Places claimed and not booked: held by a hold, held for an offer while its candidates answer, or leased to a desk and not yet used'),
    leased: d(Count, 'Of the places claimed, those leased to desks and not yet used'),
    elastic: d(
      z.strictObject({
        strategy: d(z.string(), 'The capacity strategy'),
        notes: d(
          z.array(
            z.strictObject({
              category: d(z.string(), 'The request channel'),
              extras: d(z.number().min(0).nullable(), 'Places beyond the capacity the category may fill up to now (`null`: no limit)'),
              basis: d(
                z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
                'What the number rests on, in the strategy’s terms (a calibrated strategy: showRate, sample, group, fallback, risk, lead)',
              ),
            }),
          ),
          'One note per category the strategy describes',
        ),
      }),
      'When the capacity strategy describes its slots: the elastic places it allows per category and why',
    ).optional(),
  }),
);

/** A doctor's day. */
export const DayScheduleOut = component(
  'DaySchedule',
  "One doctor's day: every slot in time order with its queue, and the day's waitlist.",
  z.strictObject({
    doctor: DoctorOut,
    date: d(Day, 'The local date'),
    slots: d(z.array(SlotViewOut), 'The day’s slots in time order'),
    waitlist: Waitlisted('The day’s waitlisted tokens in promotion order'),
  }),
);

/** What a booking returns. */
export const BookingResultOut = component(
  'BookingResult',
  'The token as booked or waitlisted, and everything else the call caused.',
  z.strictObject({
    token: TokenOut,
    outcome: d(z.enum(['BOOKED', 'WAITLISTED']), 'Whether the token got a place or waits'),
    overflow: d(z.boolean(), 'Whether the place is an elastic one beyond the capacity'),
    effects: Effects,
    replayed: d(z.literal(true), 'Present when this repeats an earlier call with the same idempotency key').optional(),
    movedFromTokenId: d(
      z.string(),
      "Under the duplicate rule `onDuplicate: 'move'`: the patient's token this booking moved (the token returned is where it is now)",
    ).optional(),
  }),
);

/** What a token transition returns. */
export const TransitionResultOut = component(
  'TransitionResult',
  'The token after the transition, and everything else the call caused (promotions, …).',
  z.strictObject({ token: TokenOut, effects: Effects }),
);

/** What `POST /api/offers/:offerId/accept` and `/decline` return. */
export const OfferAnswerOut = component(
  'OfferAnswer',
  "The candidate's token after the answer (`BOOKED` in the place offered, once accepted), and everything else it caused.",
  z.strictObject({
    token: TokenOut,
    effects: Effects,
    replayed: d(z.literal(true), 'Present when the offer had already been answered so: nothing changed').optional(),
  }),
);

/** Path parameters naming an offer. */
export const OfferParams = z.strictObject({ offerId: LookupId.meta({ description: 'Offer id, from `token:offered` (URL-encoded)' }) });

/** What `POST /api/tokens/hold` returns. */
export const HoldResultOut = component(
  'HoldResult',
  'The `HELD` token with its `holdExpiresAt`, and everything else the call caused.',
  z.strictObject({
    token: TokenOut,
    effects: Effects,
    replayed: d(z.literal(true), 'A replay of an earlier request with the same idempotency key').optional(),
  }),
);

/** What `POST /api/doctors/:doctorId/call-next` returns. */
export const CallResultOut = component(
  'CallResult',
  'The patient called, or `null` when nobody is checked in.',
  z.strictObject({ token: d(TokenOut.nullable(), 'The patient called, or `null` when nobody is checked in'), effects: Effects }),
);

/** What a move returns. */
export const MoveResultOut = component(
  'MoveResult',
  'The patient’s token now (a new token when the doctor or day changed), the token moved from, and the promotions it caused; with `dryRun: true`, what would happen (nothing was changed, `seq` is 0).',
  z.strictObject({
    dryRun: d(z.boolean(), 'Whether this was a preview'),
    token: TokenOut,
    fromTokenId: d(z.string(), 'The token moved from: the same id within one doctor-day, else the old token, now `CANCELLED`'),
    effects: Effects,
  }),
);

/** Answer of `POST /api/doctors/:doctorId/retire`. */
export const RetireResultOut = component(
  'RetireResult',
  'The doctor as retired, and what the retirement caused.',
  z.strictObject({
    dryRun: d(z.boolean(), 'Whether this was a preview'),
    doctor: DoctorOut,
    effects: d(z.array(EventOut), '`doctor:retired`, then `slot:closed` for each slot in time order, then the fate of each displaced token'),
  }),
);

/** What sweep, close and capacity changes return. */
export const EffectsOut = component(
  'Effects',
  'Everything the call caused, in order; with `dryRun: true`, what it would cause (nothing was changed, `seq` is 0).',
  z.strictObject({ dryRun: d(z.boolean(), 'Whether this was a preview'), effects: d(z.array(EventOut), 'The effects, in order') }),
);

const Next = d(z.string().nullable(), 'Cursor of the next page (pass it as `after`), or `null` on the last page');

/** A page of doctors. */
export const DoctorListOut = component(
  'DoctorList',
  'A page of doctors, in order of creation.',
  z.strictObject({ doctors: d(z.array(DoctorOut), 'The doctors of this page'), next: Next }),
);

/** The slots just added. */
export const SlotListOut = component('SlotList', 'The slots added, in the order given.', z.strictObject({ slots: d(z.array(SlotOut), 'The slots added') }));

/** A page of a doctor-day's waitlist. */
export const WaitlistOut = component(
  'Waitlist',
  "A page of a doctor-day's waitlisted tokens, in promotion order.",
  z.strictObject({
    doctorId: d(z.string(), 'The doctor'),
    date: d(Day, 'The local date'),
    waitlist: Waitlisted('The waitlisted tokens of this page, in promotion order'),
    next: Next,
  }),
);

/** Figures. */
export const StatsOut = component(
  'Stats',
  'Counts per status and category, slot utilisation, bumps, cascades, promotions, drops and average wait.',
  z.strictObject({
    tokens: d(Count, 'Number of tokens'),
    byStatus: d(
      z.strictObject(Object.fromEntries(TOKEN_STATUSES.map((status) => [status, d(Count, `Tokens with status \`${status}\``)]))),
      'Tokens per status (every status present)',
    ),
    byCategory: d(z.record(z.string(), Count), 'Tokens per category (only categories that occur)'),
    openSlots: d(Count, 'Number of open slots'),
    closedSlots: d(Count, 'Number of closed slots'),
    capacity: d(Count, 'Sum of the capacities of open slots'),
    places: d(Count, 'Places held in open slots'),
    overflowUsed: d(Count, 'Elastic places in use in open slots'),
    utilisation: d(z.number().min(0), '`places / capacity` over open slots'),
    bumps: d(Count, 'Tokens bumped by a more urgent one'),
    cascades: d(Count, 'Displaced tokens moved to a later slot'),
    promotions: d(Count, 'Waitlisted tokens promoted into a place'),
    drops: d(Count, 'Displaced tokens dropped with nowhere to go'),
    averageWaitMinutes: d(z.number().min(0), 'Mean minutes from request to estimated start, over places'),
  }),
);

/** A page of stored events. */
export const HistoryOut = component(
  'History',
  'Stored events in `seq` order. Ask again with `after=nextAfter` for the next page.',
  z.strictObject({ events: d(z.array(EventOut), 'The events of this page'), nextAfter: d(Count, 'The `seq` to pass as `after` for the next page') }),
);

/** Liveness and readiness. */
export const HealthOut = component(
  'Health',
  'Whether the server accepts requests.',
  z.strictObject({
    status: d(z.enum(['ok', 'shutting-down']), '`ok` while serving'),
    storage: d(z.string(), 'The store: `memory`, `pglite` or `postgres`'),
    timeZone: d(z.string(), 'The scheduler’s IANA time zone'),
    authRequired: d(z.boolean(), 'Whether the server has an API key'),
    uptimeSeconds: d(z.number().min(0), 'Seconds since the server started'),
    eventStreams: d(Count, 'Open `/events` streams'),
    boardStreams: d(Count, 'Open display-board streams (a pool of their own)'),
  }),
);

/** The display board's data: token numbers only. */
export const BoardOut = component(
  'Board',
  'What a waiting-room screen shows for one doctor-day: token labels and numbers only, never patient data. Today’s board (no `date`) also shows the previous date’s slots still running (a night session past midnight), first.',
  z.strictObject({
    doctor: d(
      z.strictObject({
        id: d(z.string(), 'Doctor id'),
        name: d(z.string(), 'Display name'),
        specialization: d(z.string().nullable(), 'Specialization, or `null`'),
      }),
      'The doctor',
    ),
    room: d(z.string().nullable(), 'The doctor’s room, from the server’s configuration, or `null`'),
    date: d(Day, 'The local date shown'),
    timeZone: d(z.string(), 'The scheduler’s IANA time zone'),
    seq: d(Count, '`seq` of the last event the board reflects'),
    nowServing: d(z.array(z.string()), 'Labels of the tokens in consultation (`token.label`)'),
    next: d(
      z.array(
        z.strictObject({
          tokenNumber: d(z.number().int(), 'The token number'),
          label: d(z.string(), 'What the patient holds and the screen shows (`token.label`)'),
          checkedIn: d(z.boolean(), 'Whether the patient has checked in'),
          estimatedStart: d(IsoTime.nullable(), 'Estimated start of the consultation'),
          estimateAfterSlot: d(z.boolean(), 'Whether the estimate falls after the slot’s end (the doctor runs late)'),
        }),
      ),
      'The next tokens, in queue order',
    ),
    waiting: d(Count, 'Tokens still waiting for a consultation in the day’s slots'),
    waitlisted: d(Count, 'Tokens on the waitlist'),
    updatedAt: d(IsoTime, 'When the board was computed'),
  }),
);

/** What `GET /api/service-points/:servicePointId/queue` returns. */
export const ServicePointQueueOut = component(
  'ServicePointQueue',
  'The patients waiting at a service point on a day, in the order it calls them: emergencies first, then the call order.',
  z.strictObject({
    servicePointId: d(z.string(), 'The service point'),
    date: d(Day, 'The local date'),
    tokens: d(z.array(TokenOut), 'The tokens waiting there, first called first (the one called stays first until sent on)'),
  }),
);

const PointTokenFields = {
  tokenNumber: d(z.number().int(), 'The token number'),
  label: d(z.string(), 'What the patient holds and the screen shows (`token.label`)'),
  doctorId: d(z.string(), 'The doctor the token is with (labels are unique per doctor-day)'),
};

/** A service point's board: token labels only. */
export const PointBoardOut = component(
  'ServicePointBoard',
  'What a service point’s screen shows (vitals, lab, …): the patients called there and not sent on since, and the next in its queue. Token labels only, never patient data.',
  z.strictObject({
    servicePoint: d(
      z.strictObject({
        id: d(z.string(), 'Service point id'),
        kind: d(z.string(), 'Its kind (`vitals`, `lab`)'),
        department: d(z.string().nullable(), 'The department it serves, or `null` for the whole facility'),
        rooms: d(z.array(z.string()), 'Its rooms or counters, as configured'),
      }),
      'The service point',
    ),
    date: d(Day, 'The local date shown'),
    timeZone: d(z.string(), 'The scheduler’s IANA time zone'),
    seq: d(Count, '`seq` of the last event the board reflects'),
    nowServing: d(
      z.array(z.strictObject({ ...PointTokenFields, room: d(z.string().nullable(), 'The room or counter the patient was called to, or `null`') })),
      'The patients called there and still there (the last one called to each room), latest first',
    ),
    next: d(z.array(z.strictObject(PointTokenFields)), 'The next patients, in the order the point calls them'),
    waiting: d(Count, 'Patients waiting there, without those being served'),
    updatedAt: d(IsoTime, 'When the board was computed'),
  }),
);

/** Every error response: RFC 9457 problem details. */
export const ProblemOut = component(
  'Problem',
  'Every failure, as RFC 9457 problem details (`application/problem+json`). `code` is one of the engine codes (OpdError) or an HTTP-layer code; `details` names the field or ids at fault.',
  z.strictObject({
    type: d(z.string(), 'URI of the problem type: `/docs#error-<code>` on this server, which explains it'),
    title: d(z.string(), 'Short summary of the problem type'),
    status: d(z.number().int(), 'The HTTP status'),
    detail: d(z.string(), 'What went wrong this time (never patient data)'),
    instance: d(z.string(), 'The request path (without the query string)'),
    code: d(z.enum([...OPD_ERROR_CODES, ...HTTP_ERROR_CODES]), 'Stable error code to match on'),
    details: d(z.record(z.string(), z.unknown()), 'Machine-readable facts: `field` at fault, `in` (body, query, path, header), ids'),
    requestId: d(z.string(), 'The `X-Request-Id` of the request, for the logs'),
  }),
);

// ---------------------------------------------------------------------------------------------
// Why a patient is where they are; how fair a day's calls were.

/** `?lang=` of an explanation. */
export const ExplainQuery = z.strictObject({
  lang: d(z.enum(['en', 'hi']), 'Language of the sentence: `en` (default) or `hi`').optional(),
});

const ExplainStepOut = z.strictObject({
  at: d(IsoTime, 'When it happened'),
  rule: d(
    z.string(),
    'The rule: `free-place`, `elastic-place`, `bump`, `next-slot`, `quota-refused`, `bumped-by`, `cascaded`, `waitlisted`, `promoted`, `moved`, `called`, …',
  ),
  seq: d(z.number().int().min(0), 'The `seq` of the stored event it was read from'),
  event: d(z.string(), 'The type of that event'),
  slotId: d(z.string().nullable(), 'The slot of the place after the step, or null'),
  fromSlotId: d(z.string().nullable(), 'The slot left, or null'),
  fullSlotId: d(z.string().nullable(), 'The slot that was full for it, or null'),
  quota: d(z.string().nullable(), 'The quota strategy that counted that slot as full, or null'),
  rank: d(z.number().nullable(), 'Its rank when a rank was compared (a bump), or null'),
  otherTokenId: d(z.string().nullable(), 'The other token of the step (the one that bumped it, that it bumped, the other side of a move), or null'),
  otherLabel: d(z.string().nullable(), 'That token’s label, or null'),
  otherRank: d(z.number().nullable(), 'That token’s rank (a bump), or null'),
  otherCategory: d(z.string().nullable(), 'That token’s category (a bump), or null'),
  reason: d(z.string().nullable(), 'Why (a displacement, `full`, a cancellation reason), or null'),
  room: d(z.string().nullable(), 'The room it was called to, or null'),
  actor: d(z.string().nullable(), 'Who made the call that caused it, or null'),
});

export const ExplanationOut = component(
  'Explanation',
  'Why a token is where it is: its steps, each read from a stored event, and one sentence for the desk or an SMS. No patient data beyond the label.',
  z.strictObject({
    tokenId: d(z.string(), 'The token'),
    label: d(z.string(), 'Its label'),
    doctorId: d(z.string(), 'Its doctor'),
    day: d(Day, 'Its local date'),
    category: d(z.string(), 'Its category'),
    status: d(z.enum(TOKEN_STATUSES), 'Its status now'),
    slotId: d(z.string().nullable(), 'The slot of its place now, or null'),
    slotStart: d(IsoTime.nullable(), 'The start of that slot, or null'),
    steps: d(z.array(ExplainStepOut), 'The steps, oldest first'),
    text: d(z.string(), 'The sentence, in the language asked for'),
    lang: d(z.enum(['en', 'hi']), 'Its language'),
  }),
);

/** Filter of `/api/fairness`. */
export const FairnessQuery = z.strictObject({
  doctorId: d(LookupId, 'Only this doctor').optional(),
  date: d(Day, 'The local date (default: today)').optional(),
});

/** Waits summarised, minutes; every figure null when count is 0. */
const WaitSummaryOut = z.strictObject({
  count: d(Count, 'How many waits'),
  mean: d(z.number().min(0).nullable(), 'Mean wait, minutes'),
  p50: d(z.number().min(0).nullable(), 'Median wait, minutes'),
  p90: d(z.number().min(0).nullable(), '90th percentile wait, minutes'),
  p95: d(z.number().min(0).nullable(), '95th percentile wait, minutes'),
  max: d(z.number().min(0).nullable(), 'Longest wait, minutes'),
});

export const FairnessOut = component(
  'Fairness',
  'Per category: waits from due to called (minutes), skips (a patient of the same or a better rank, due earlier, called later) and the longest run of better-ranked patients called while one waited; per stage of the visits, waits from entering the queue to the call there; and the whole visits, from check-in to completion.',
  z.strictObject({
    doctorId: d(z.string().nullable(), 'The doctor, or null for every doctor'),
    date: d(Day, 'The local date'),
    categories: d(
      z.array(
        z.strictObject({
          category: d(z.string(), 'The category'),
          called: d(Count, 'Patients called'),
          waitP50: d(z.number().min(0).nullable(), 'Median wait, minutes'),
          waitP95: d(z.number().min(0).nullable(), '95th percentile wait, minutes'),
          waitMax: d(z.number().min(0).nullable(), 'Longest wait, minutes'),
          skips: d(Count, 'Patients of the same or a worse rank, due later, called before one of this category'),
          longestPassRun: d(Count, 'Longest run of better-ranked calls passing one patient of this category'),
        }),
      ),
      'Per category, by best rank',
    ),
    stages: d(
      z.array(
        z.strictObject({
          kind: d(z.string(), "The kind of service point, or 'doctor'"),
          round: d(z.number().int().min(1), '1 for the first wait in a queue of this kind in a visit, 2 for the return, and so on'),
          waits: d(WaitSummaryOut, 'Minutes from entering the queue to the first call there'),
        }),
      ),
      'Per stage of the visits, in the order visits reach them',
    ),
    visits: d(WaitSummaryOut, 'Minutes from check-in to the completed consultation'),
  }),
);

/** Body of `POST /api/patients/export`: the patient id travels in the body, never in a URL (which logs and proxies keep). */
export const PatientBody = component(
  'PatientRequest',
  'The patient whose data to export.',
  z.strictObject({ patientId: d(LookupId, 'The patient id (`patient.id` of the bookings)') }),
);

/** Body of `POST /api/patients/erase`. */
export const ErasePatientBody = component(
  'ErasePatientRequest',
  'The patient whose data to erase, and why.',
  z.strictObject({
    patientId: d(LookupId, 'The patient id (`patient.id` of the bookings)'),
    reason: d(Reason, 'Why the data is erased (free text without patient data), stored on each `patient:erased` event').optional(),
  }),
);

/** What the store holds about one patient. */
export const PatientExportOut = component(
  'PatientExport',
  'Every token of the patient (any status, any doctor, any day) with its patient data, and the stored events about them in `seq` order.',
  z.strictObject({ tokens: d(z.array(TokenOut), 'The patient’s tokens'), events: d(z.array(EventOut), 'The events about them') }),
);

/** What an erasure or a purge erased. */
export const PatientErasureOut = component(
  'PatientErasure',
  'The tokens whose patient data was erased, and their `patient:erased` events.',
  z.strictObject({
    tokenIds: d(z.array(z.string()), 'The tokens erased (none when nothing was left to erase)'),
    effects: d(z.array(EventOut), 'One `patient:erased` per token'),
  }),
);

// ---------------------------------------------------------------------------------------------
// Coming back: follow-ups, series of visits, free revisits (docs/follow-ups.md). No patient data
// in follow-ups, series answers (beyond their tokens) or entitlements; a patient id only in a body.

/** `:followUpId` */
export const FollowUpParams = z.strictObject({ followUpId: LookupId.meta({ description: 'Follow-up id: the visit’s token id and `~f` (URL-encoded)' }) });
/** `:seriesId` */
export const SeriesParams = z.strictObject({ seriesId: LookupId.meta({ description: 'Series id, from `POST /api/series` (URL-encoded)' }) });

/** Body of `POST /api/tokens/:tokenId/follow-up`. */
export const FollowUpBody = component(
  'FollowUpRequest',
  'When the next visit is due (`afterDays` or `on`), how many days either side will do, and with whom (the visit’s doctor by default).',
  z.strictObject({
    afterDays: d(z.number(), 'Days after the visit’s day it is due: an integer from 1 to 366 (give this or `on`)').optional(),
    on: d(Day, 'The local date it is due on, after the visit’s day (give this or `afterDays`)').optional(),
    windowDays: d(z.number(), 'Days either side of the due date that will do: an integer from 0 to 30 (default 0)').optional(),
    doctorId: LookupId.optional().meta({ description: 'Another doctor to see (default: the visit’s doctor); or give `department`' }),
    department: LookupId.optional().meta({ description: 'Instead of `doctorId`: any doctor of this department (the visit’s doctor first when one of them)' }),
    idempotencyKey: z.string().optional().meta({
      description: 'Tells a retried request from a new one once the follow-up was cancelled (the `Idempotency-Key` header works too), 1–200 characters',
    }),
  }),
);

/** A follow-up. */
export const FollowUpOut = component(
  'FollowUp',
  'A follow-up: one per visit, never lost — booked (with its token), due (no place in its window yet: listed and tried again by every sweep), or cancelled by an actor. No patient data.',
  z.strictObject({
    id: d(z.string(), 'Its id: the visit’s token id and `~f` (URL-encode it in paths)'),
    fromTokenId: d(z.string(), 'The visit it follows'),
    doctorId: d(z.string(), 'The visit’s doctor'),
    toDoctorId: d(z.string().nullable(), 'The doctor asked for, or `null` when a department was asked for'),
    department: d(z.string().nullable(), 'The department asked for, or `null`'),
    dueDate: d(Day, 'The local date it is due on'),
    from: d(Day, 'The first local date of its window'),
    to: d(Day, 'The last local date of its window'),
    status: d(z.enum(['BOOKED', 'DUE', 'CANCELLED']), '`BOOKED` (it has its token), `DUE` (no place in its window yet) or `CANCELLED`'),
    tokenId: d(z.string().nullable(), 'Its token once booked, else `null`'),
    requestedAt: d(IsoTime, 'When it was asked for'),
    actor: d(z.string().nullable(), 'Who asked for it (once cancelled, who cancelled it), or `null`'),
  }),
);

/** What `POST /api/tokens/:tokenId/follow-up` returns. */
export const FollowUpResultOut = component(
  'FollowUpResult',
  'The follow-up, its token when booked, and everything else the call caused.',
  z.strictObject({
    followUp: FollowUpOut,
    token: d(TokenOut.nullable(), 'Its token when booked (as booked by this call, or as it is now for a follow-up booked before), else `null`'),
    effects: Effects,
    replayed: d(z.literal(true), 'Present when the visit’s follow-up was already booked or cancelled: answered as it stands, nothing changed').optional(),
  }),
);

/** `?date=&department=&doctorId=&limit=&after=` of `GET /api/follow-ups/due`. */
export const DueFollowUpsQuery = z.strictObject({
  date: d(Day, 'Only those due on this local date').optional(),
  department: d(LookupId, 'Only those asked of this department').optional(),
  doctorId: d(LookupId, 'Only those asked of this doctor (the visit’s doctor, when none was named)').optional(),
  ...PageQuery.shape,
});

/** A page of due follow-ups. */
export const DueFollowUpsOut = component(
  'DueFollowUps',
  'A page of the follow-ups that have no place yet, by due date: for the desk to call the patient.',
  z.strictObject({ followUps: d(z.array(FollowUpOut), 'The due follow-ups of this page'), next: Next }),
);

/** Body of `POST /api/follow-ups/:followUpId/cancel`. */
export const CancelFollowUpBody = component(
  'CancelFollowUpRequest',
  'Why the due follow-up is cancelled.',
  z.strictObject({ reason: d(Reason, 'Why the follow-up is cancelled (free text without patient data)').optional() }),
);

/** Body of `POST /api/series`. */
export const SeriesBody = component(
  'SeriesRequest',
  'A series of visits for one patient: one occurrence every few days or weeks from `start`, each the earliest place of its day from `preferredTime`, in the category `category` (default `FOLLOW_UP`).',
  z.strictObject({
    patient: PatientInput,
    doctorId: LookupId.optional().meta({ description: 'The doctor (or give `department`)' }),
    department: LookupId.optional().meta({ description: 'Instead of `doctorId`: any doctor of this department, occurrence by occurrence' }),
    category: Category.optional(),
    start: d(Day, 'The local date of the first occurrence (today or later)'),
    every: d(
      z.strictObject({
        days: d(z.number(), 'Days between two occurrences: an integer from 1 to 366').optional(),
        weeks: d(z.number(), 'Weeks between two occurrences: an integer from 1 to 52').optional(),
      }),
      'How far apart the occurrences are: `days` or `weeks` (exactly one)',
    ),
    count: d(z.number(), 'How many occurrences: an integer from 1 to 52, the last within 12 months of the first'),
    preferredTime: d(LocalTime, 'The local time the patient prefers: each occurrence takes the earliest place of its day from then on').optional(),
    mode: d(
      z.enum(['all-or-nothing', 'best-effort']),
      '`all-or-nothing`: every occurrence gets a place or none is booked (`SLOT_FULL`, `details.skipped`); `best-effort`: each that has one is booked, the others are named',
    ),
    dryRun: d(
      z.boolean(),
      'A preview: every occurrence with its place or its reason, the places held for `holdMinutes` until the commit (the same request without `dryRun`); `?dryRun=true` works too',
    ).optional(),
    holdMinutes: d(z.number(), 'How long a preview holds the places it proposes: an integer from 0 to 1440 minutes (default 15; 0 holds nothing)').optional(),
    idempotencyKey: z.string().optional().meta({
      description: 'The series’ key, required (here or as the `Idempotency-Key` header), 1–200 characters: a retried commit is answered as the first',
    }),
  }),
);

/** One occurrence of a series. */
const SeriesOccurrenceOut = component(
  'SeriesOccurrence',
  'One occurrence of a series: its place, or why it has none.',
  z.strictObject({
    occurrence: d(z.number().int().min(1), 'Which occurrence, from 1'),
    date: d(Day, 'Its local date'),
    status: d(
      z.enum(['BOOKED', 'HELD', 'PROPOSED', 'NO_PLACE']),
      '`BOOKED` (a commit gave it a token), `HELD` (a preview holds its place), `PROPOSED` (a preview found a place, not held), `NO_PLACE`',
    ),
    doctorId: d(z.string().nullable(), 'The doctor of its place, or `null`'),
    slotId: d(z.string().nullable(), 'The slot of its place, or `null`'),
    start: d(IsoTime.nullable(), 'When that slot starts, or `null`'),
    tokenId: d(z.string().nullable(), 'Its token once booked, else `null`'),
    reason: d(z.string().nullable(), 'Why it has no place (the code a booking would be refused with), else `null`'),
  }),
);

/** What `POST /api/series` returns. */
export const SeriesResultOut = component(
  'SeriesResult',
  'What the series booked, or, with `dryRun: true`, would book: every occurrence with its place or reason, and the tokens booked.',
  z.strictObject({
    seriesId: d(z.string(), 'The series’ id (every occurrence’s token carries it as `seriesId`)'),
    mode: d(z.enum(['all-or-nothing', 'best-effort']), 'The mode it was booked in'),
    dryRun: d(z.boolean(), 'Whether this was a preview'),
    heldUntil: d(IsoTime.nullable(), 'Until when a preview holds its places, or `null` (a commit, or nothing held)'),
    occurrences: d(z.array(SeriesOccurrenceOut), 'Every occurrence, in order'),
    tokens: d(z.array(TokenOut), 'The tokens of the occurrences booked (none for a preview)'),
    effects: d(z.array(EventOut), 'Everything the call caused besides `series:booked`, in order'),
    replayed: d(z.literal(true), 'Present when the series was committed before with this key: answered as it was, nothing changed').optional(),
  }),
);

/** Body of `POST /api/series/:seriesId/cancel`. */
export const CancelSeriesBody = component(
  'CancelSeriesRequest',
  'Which occurrences to cancel, and why.',
  z.strictObject({
    from: d(Day, 'Only the occurrences on or after this local date (default: every one)').optional(),
    reason: d(Reason, 'Why (stored as each token’s cancel reason; free text without patient data)').optional(),
  }),
);

/** What `POST /api/series/:seriesId/cancel` returns. */
export const SeriesCancellationOut = component(
  'SeriesCancellation',
  'The occurrences cancelled, and everything else it caused.',
  z.strictObject({
    seriesId: d(z.string(), 'The series'),
    cancelled: d(z.array(TokenOut), 'The occurrences’ tokens cancelled, as they are now'),
    effects: d(z.array(EventOut), 'Everything the call caused besides `series:cancelled` (each `token:cancelled`, promotions), in order'),
  }),
);

/** Body of `POST /api/patients/entitlement`: the patient id travels in the body, never in a URL. */
export const EntitlementBody = component(
  'EntitlementRequest',
  'Whose free revisits, with whom (`doctorId` or `department`), on which day.',
  z.strictObject({
    patientId: d(LookupId, 'The patient id (`patient.id` of the bookings)'),
    doctorId: d(LookupId, 'A revisit with this doctor (or give `department`)').optional(),
    department: d(LookupId, 'A revisit with any doctor of this department (or give `doctorId`)').optional(),
    at: d(Day, 'The local date of the revisit (default: today)').optional(),
  }),
);

/** What `POST /api/patients/entitlement` returns. */
export const EntitlementOut = component(
  'EntitlementSummary',
  'The free revisits a patient has left with a doctor or department on a day, and each entitlement covering it. Billing stays the application’s.',
  z.strictObject({
    left: d(Count, 'The free revisits left, over every entitlement that covers the day'),
    entitlements: d(
      z.array(
        z.strictObject({
          fromTokenId: d(z.string(), 'The charged visit that opened it'),
          doctorId: d(z.string(), 'Its doctor'),
          department: d(z.string().nullable(), 'Its doctor’s department, or `null`'),
          openedOn: d(Day, 'The local date of the charged visit'),
          until: d(Day, 'Its last local date'),
          visits: d(Count, 'How many revisits it makes free'),
          used: d(Count, 'How many are used now (tokens cancelled, no-shows or dropped give theirs back)'),
          left: d(Count, 'How many are left'),
        }),
      ),
      'Each entitlement covering the day, oldest first (the one a booking uses first)',
    ),
  }),
);

/** Body of `POST /api/tokens/:tokenId/complete`. */
export const CompleteBody = component(
  'CompleteRequest',
  'How the consultation ends (or no body: not charged).',
  z.strictObject({
    charged: d(
      z.boolean(),
      'Whether the consultation is charged for: on a server whose scheduler has `followUps`, it opens an entitlement to free revisits (`entitlement:opened`). Default `false`',
    ).optional(),
  }),
);

/** The dimensions of the OPD report. */
const ReportDimensions = ['department', 'doctor', 'category', 'channel', 'hour', 'day'] as const;

/** Query of `GET /api/report` and `GET /api/report.html`. */
export const ReportQuery = z.strictObject({
  from: d(Day, 'The first local day'),
  to: d(Day, 'The last local day (at most ten years after `from`)'),
  by: d(z.string().regex(/^[a-z]+(,[a-z]+)*$/), `Comma-separated dimensions, of ${ReportDimensions.join(', ')} (default: all)`).optional(),
  lookbackDays: d(z.coerce.number().int().min(1).max(3660), 'Count new and repeat patients over this look-back, in days').optional(),
});

/** Minutes summarised: nearest-rank percentiles. */
const MinutesOut = z.strictObject({
  count: d(Count, 'How many values'),
  p50: d(z.number().min(0).nullable(), 'Median, minutes'),
  p95: d(z.number().min(0).nullable(), '95th percentile, minutes'),
  max: d(z.number().min(0).nullable(), 'Largest, minutes'),
});

const ReportRowOut = component(
  'ReportRow',
  "The OPD's figures of one group (or of the whole report, key `all`).",
  z.strictObject({
    key: d(z.string(), 'The group’s value in its dimension'),
    requested: d(Count, 'Tokens made by a request'),
    booked: d(Count, 'Requests given a place'),
    attended: d(Count, 'Consultations completed'),
    noShow: d(Count, 'No-shows'),
    cancelledByPatient: d(Count, 'Ended by the patient’s side'),
    cancelledByHospital: d(Count, 'Ended by the hospital’s side'),
    dropped: d(Count, 'Dropped'),
    walkIns: d(Count, 'Walk-in requests'),
    walkInShare: d(z.number().min(0).max(1), 'Walk-ins ÷ requests'),
    emergencies: d(Count, 'Emergency requests'),
    elasticBookings: d(Count, 'Tokens given an elastic place'),
    newPatients: d(Count.nullable(), 'Requests of patients new within the look-back, or null'),
    repeatPatients: d(Count.nullable(), 'Requests of returning patients, or null'),
    capacity: d(Count.nullable(), 'Capacity of the open slots, or null for a group of patients'),
    places: d(Count.nullable(), 'Places held or used in them'),
    overflowUsed: d(Count.nullable(), 'Elastic places in use in them'),
    utilisation: d(z.number().min(0).nullable(), 'places ÷ capacity'),
    waits: d(
      z.strictObject({
        dueToCall: d(MinutesOut, 'From due to the doctor’s first call: `fairness()`’s wait'),
        checkInToCall: d(MinutesOut, 'From check-in to the doctor’s first call'),
        checkInToConsultation: d(MinutesOut, 'From check-in to the start of the consultation'),
      }),
      'Waits of the patients seen',
    ),
    leadTime: d(MinutesOut, 'From request to the start of the slot'),
    emergencyToDoctor: d(MinutesOut, 'Emergencies: from request to consultation'),
  }),
);

/** The OPD report. */
export const ReportOut = component(
  'OpdReport',
  "The OPD's numbers over a range of days, from the stored events: in total and one table per dimension. No patient data.",
  z.strictObject({
    from: d(Day, 'The first local day'),
    to: d(Day, 'The last local day'),
    timeZone: d(z.string(), 'The zone days and hours are local to'),
    by: d(z.array(z.enum(ReportDimensions)), 'The dimensions of the tables'),
    lookbackDays: d(z.number().int().nullable(), 'The look-back of new and repeat patients, or null'),
    total: ReportRowOut,
    tables: d(
      z.strictObject(
        Object.fromEntries(ReportDimensions.map((dim) => [dim, d(z.array(ReportRowOut), `The table by ${dim}, its rows sorted by key`).optional()])),
      ),
      'One table per dimension asked',
    ),
    hmis: d(
      z.strictObject({
        cells: d(
          z.array(
            z.strictObject({
              department: d(z.string(), 'The doctor’s department'),
              category: d(z.string(), 'The request’s category'),
              system: d(z.enum(['allopathic', 'ayush']), 'The doctor’s system of medicine'),
              specialist: d(z.boolean(), 'Whether a specialist OPD'),
              requested: d(Count, 'Requests'),
              attended: d(Count, 'Consultations completed'),
            }),
          ),
          'Requests and attendance by department, category and kind of doctor',
        ),
        exits: d(
          z.array(
            z.strictObject({
              how: d(z.enum(['forwarded', 'cancelled']), 'Forwarded to a service point, or cancelled with a reason'),
              to: d(z.string(), 'The service point’s kind, or the reason'),
              hour: d(z.number().int().min(0).max(23), 'The local hour'),
              count: d(Count, 'How many'),
            }),
          ),
          'Tokens that left, by local hour',
        ),
      }),
      'What the HMIS return is computed from',
    ),
  }),
);
