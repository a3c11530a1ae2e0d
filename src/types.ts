import type { TokenOffer } from './types/inputs.js';
import type { TokenJourney } from './types/journeys.js';
export * from './types/inputs.js';
export * from './types/schedule-inputs.js';
export * from './types/views.js';
export * from './types/journeys.js';
export * from './types/follow-ups.js';
export * from './types/series.js';

/** How a place's estimated start stands; see {@link Token.estimateStatus}. */
export type EstimateStatus = 'ON_TIME' | 'AFTER_SLOT' | 'IN_CONSULTATION' | 'COMPLETED';

/**
 * Every status a token can have. A booking starts `BOOKED` (or `WAITLISTED` when there is no
 * place, until promoted), then `CHECKED_IN`, `IN_CONSULTATION` and `COMPLETED`; it may instead
 * end `CANCELLED`, `NO_SHOW` (a `BOOKED` token once its slot has started) or `DROPPED`
 * (displaced with nowhere to go). A hold starts `HELD` — a place kept until
 * `holdExpiresAt` — and becomes `BOOKED` when confirmed, or `CANCELLED` when released or
 * expired. Any other transition fails with `INVALID_TRANSITION`.
 */
export const TOKEN_STATUSES = ['BOOKED', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED', 'CANCELLED', 'NO_SHOW', 'DROPPED', 'HELD'] as const;

/** A token's status. */
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

/**
 * Statuses that hold (or have used) a place in a slot. A finished consultation still used the
 * doctor's time, so `COMPLETED` never frees a place.
 */
export const PLACE_STATUSES = ['BOOKED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED', 'HELD'] as const;

/** Statuses after which nothing more can happen to a token. */
export const TERMINAL_STATUSES = ['COMPLETED', 'CANCELLED', 'NO_SHOW', 'DROPPED'] as const;

/** The five request channels every built-in priority policy knows, most urgent first. */
export const CATEGORIES = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'] as const;

/** A built-in request channel. */
export type BuiltInCategory = (typeof CATEGORIES)[number];

/**
 * Where a request comes from. The five built-in channels, or any custom name that the
 * configured priority policy accepts.
 */
export type Category = BuiltInCategory | (string & {});

/** Whether a slot accepts bookings. */
export type SlotStatus = 'OPEN' | 'CLOSED';

/** A clinician who holds slots. */
export interface Doctor {
  /** Unique id. */
  readonly id: string;
  /** The facility (the scheduler's option `facilityId`; `'default'` without it). */
  readonly facilityId: string;
  /** Display name. */
  readonly name: string;
  /** Specialization, such as `Cardiology`, or `null`. */
  readonly specialization: string | null;
  /**
   * Minutes per consultation, used for estimated start times; `null` means the scheduler's
   * `consultMinutes`.
   */
  readonly consultMinutes: number | null;
  /**
   * The department, such as `cardiology`, or `null`. `book({ department })` chooses among the
   * doctors of one department.
   */
  readonly department: string | null;
  /** When the doctor was added. */
  readonly createdAt: Date;
  /** The room the doctor sees patients in (where `callNext` sends a patient unless the call names a room), or `null`. */
  readonly room: string | null;
  /**
   * From when the doctor is retired ({@link OpdScheduler.retireDoctor}), or `null`. From then on
   * the doctor takes no booking, hold or new slot; a retired doctor is still listed.
   */
  readonly retiredFrom: Date | null;
  /** Why the doctor retired, or `null`. */
  readonly retiredReason: string | null;
  /**
   * The system of medicine the doctor practises: `'allopathic'` (the default) or `'ayush'`
   * (Ayurveda, Yoga, Unani, Siddha, Homoeopathy). India's HMIS return counts OPD attendance by it.
   */
  readonly system: 'allopathic' | 'ayush';
  /** Whether the doctor runs a specialist OPD (HMIS items 14.2.1.a and 14.2.2.b); `false` by default. */
  readonly specialist: boolean;
}

/** A fixed time window of one doctor with a hard capacity. */
export interface Slot {
  /** Unique id. */
  readonly id: string;
  /** The facility (the scheduler's option `facilityId`; `'default'` without it). */
  readonly facilityId: string;
  /** The doctor who holds the slot. */
  readonly doctorId: string;
  /** Local calendar date (`YYYY-MM-DD`) of `start` in the scheduler's time zone. */
  readonly day: string;
  /** Start of the window (inclusive). */
  readonly start: Date;
  /** End of the window (exclusive). */
  readonly end: Date;
  /** Hard number of places. */
  readonly capacity: number;
  /** Elastic places a capacity strategy may grant beyond `capacity` (typically to emergencies). */
  readonly overflowCapacity: number;
  /** `OPEN` or `CLOSED`. */
  readonly status: SlotStatus;
  /** Why the slot was closed, or `null`. */
  readonly closedReason: string | null;
}

/**
 * A patient as given to {@link OpdScheduler.book}. Only `id` and `name` are interpreted (and
 * `age` by the senior-citizen policy); other fields are stored and returned as given. Values
 * must be JSON data (strings, finite numbers, booleans, `null`, arrays and plain objects).
 */
export interface Patient {
  /** Stable patient id (for example an ABHA number); enables the duplicate-booking guard. */
  readonly id?: string | undefined;
  /** Display name. */
  readonly name: string;
  /** Any further JSON data. */
  readonly [key: string]: unknown;
}

/** One patient's request for one doctor on one day, with a stable token number. */
export interface Token {
  /** Unique, opaque id. */
  readonly id: string;
  /** The facility (the scheduler's option `facilityId`; `'default'` without it). */
  readonly facilityId: string;
  /** The doctor the token is for. */
  readonly doctorId: string;
  /** Local calendar date (`YYYY-MM-DD`) the token is for. */
  readonly day: string;
  /** The slot holding the token's place, or `null` when it holds none. */
  readonly slotId: string | null;
  /** On a per-slot waitlist, the slot the token waits for; otherwise `null`. */
  readonly waitingForSlotId: string | null;
  /** The request channel. */
  readonly category: Category;
  /** Rank given by the priority policy; lower is more urgent. */
  readonly rank: number;
  /** Current status. */
  readonly status: TokenStatus;
  /** Sequential per doctor per day; never reused, unchanged by bumps and cascades. */
  readonly tokenNumber: number;
  /** The patient, as given (frozen). */
  readonly patient: Readonly<Patient>;
  /** When the request was made. */
  readonly requestedAt: Date;
  /** How many times the token was bumped by a more urgent one. */
  readonly bumpCount: number;
  /**
   * The earliest slot start the token may be placed at: the requested slot's start, `after`,
   * or the start of the slot it was displaced from; `null` for any slot of the day.
   */
  readonly notBefore: Date | null;
  /** 1-based position in the slot's queue order, for places; otherwise `null`. */
  readonly position: number | null;
  /**
   * For places, when the consultation is expected to start, following the doctor's day as it
   * happens: never before the scheduler's `now` for a patient still waiting, after the
   * consultation in progress, at the pace of the day's consultations so far (the configured
   * `consultMinutes` until there are some), and never before the slot's start. Before the day
   * starts, and while it keeps to its schedule, `slot.start + (position − 1) × consultMinutes`.
   * For a patient in consultation, when it started. `null` for tokens holding no place.
   */
  readonly estimatedStart: Date | null;
  /**
   * How {@link Token.estimatedStart} stands: `'ON_TIME'` within the slot's window,
   * `'AFTER_SLOT'` at or after the slot's end (the doctor is running late, or the slot holds more
   * patients than its window fits), `'IN_CONSULTATION'` (when it started) or `'COMPLETED'` (when
   * it started, estimated as its completion time minus the day's pace); `null` for tokens holding
   * no place.
   */
  readonly estimateStatus: EstimateStatus | null;
  /** The idempotency key the token was booked with, or `null`. */
  readonly idempotencyKey: string | null;
  /** Reason given on cancellation, or `null`. */
  readonly cancelReason: string | null;
  /** When the token last changed. */
  readonly updatedAt: Date;
  /**
   * For a `HELD` token, when its hold ends: unless confirmed before, the next sweep at or after
   * it releases the place (`token:expired`). `null` for every other status.
   */
  readonly holdExpiresAt: Date | null;
  /**
   * The number shown to the patient and called on the display board, unique per doctor-day:
   * the token number as text (`'7'`) by default, or a series per category with its prefix
   * (`'E-1'`, `'W-12'`) with the scheduler's `numbering: 'category'` option. Never changes.
   */
  readonly label: string;
  /**
   * The token's open offer of a place (with the scheduler's `offers` option), as
   * {@link OpdScheduler.getToken} reads it: `null` when it has none. Absent from tokens in results
   * and events.
   */
  readonly offer?: TokenOffer | null | undefined;
  /**
   * Where the token stands on its visit's journey (the options `servicePoints` and `routes`):
   * absent from a token that never had one.
   */
  readonly journey?: TokenJourney | undefined;
  /**
   * For a token carried onto this day when its earlier day was closed (`closeOut: { carryForward:
   * true }`), the id of the token of the closed day it replaces (`CANCELLED` there with
   * `cancelReason: 'carried'`). Absent on every other token.
   */
  readonly carriedFrom?: string | undefined;
  /** For an occurrence of a series (`bookSeries`), the series; absent on every other token. */
  readonly seriesId?: string | undefined;
  /** For an occurrence of a series, which one, from 1; absent on every other token. */
  readonly occurrence?: number | undefined;
  /**
   * For a token booked by a follow-up (`bookFollowUp`), the follow-up's id (the visit's token id
   * and `~f`); absent on every other token.
   */
  readonly followUpId?: string | undefined;
  /**
   * For a free revisit (the option `followUps`), the entitlement it uses: the charged visit that
   * opened it and its visit number in it; absent on every other token.
   */
  readonly entitlement?:
    | {
        /** The charged visit that opened the entitlement. */
        readonly fromTokenId: string;
        /** The token's visit number in it, from 1. */
        readonly visit: number;
      }
    | undefined;
  /** `true` on a completed visit charged for, which opened an entitlement to free revisits; absent on every other token. */
  readonly charged?: true | undefined;
}
