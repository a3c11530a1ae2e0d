/** Follow-ups: the next visit, asked for at the end of a visit (`OpdScheduler.bookFollowUp`). */
import type { Token } from '../types.js';
import type { Effect } from './views.js';

/**
 * A follow-up to book from a visit: when it is due (`afterDays` after the visit's day, or `on` a
 * date), how many days either side of that date will do (`windowDays`), and with whom (the visit's
 * doctor by default, another `doctorId`, or any doctor of a `department`).
 *
 * `OpdScheduler.bookFollowUp` books a `FOLLOW_UP` token in the earliest usable place of
 * `[due − windowDays, due + windowDays]` (never on or before the visit's day, never in the past),
 * with the visit's doctor by default, `doctorId`, or any doctor of `department` — by the booking
 * rules (the `FOLLOW_UP` quota, booking windows, duplicate rules, the overflow strategy; a day
 * where the booking would wait is passed over). `followup:booked` follows the token's
 * `token:booked`.
 *
 * No place in the window: the follow-up is **due, not lost** (`followup:due`): listed by
 * `OpdScheduler.dueFollowUps` and tried again by every `OpdScheduler.sweep` as places open, until
 * it is booked or cancelled by an actor (`OpdScheduler.cancelFollowUp`).
 *
 * A visit has one follow-up: asked again, one already booked is answered as it stands
 * (`replayed: true`, never a second token); one still due is tried again with the new request.
 */
export interface FollowUpRequest {
  /** Days after the visit's day the follow-up is due (1 to 366). Give this or `on`. */
  readonly afterDays?: number | undefined;
  /** The local date (`YYYY-MM-DD`) the follow-up is due on, after the visit's day. Give this or `afterDays`. */
  readonly on?: string | undefined;
  /**
   * Days either side of the due date that will do (0 to 30): the follow-up takes the earliest
   * usable place in `[due − windowDays, due + windowDays]` (never on or before the visit's day,
   * never in the past).
   * @default 0
   */
  readonly windowDays?: number | undefined;
  /** The doctor to see (the visit's doctor when neither this nor `department` is given). */
  readonly doctorId?: string | undefined;
  /** Any doctor of this department (the visit's doctor first when one of them). Needs a store that locks several doctors. */
  readonly department?: string | undefined;
  /** Who asks (a desk, a doctor's system); stamped on the events. */
  readonly actor?: string | undefined;
  /**
   * The caller's key for this request. A visit has one follow-up whatever the key; the key only
   * tells a retried request from a new one once the follow-up was cancelled: the same key answers
   * the cancelled follow-up as it stands, another key (or none) opens it again.
   */
  readonly idempotencyKey?: string | undefined;
}

/** Where a follow-up stands: booked (it has its token), due (no place in its window yet), or cancelled by an actor. */
export type FollowUpStatus = 'BOOKED' | 'DUE' | 'CANCELLED';

/** A follow-up: one per visit, never lost — booked, due, or cancelled by an actor. */
export interface FollowUp {
  /** Its id: the visit's token id and `~f`. */
  readonly id: string;
  /** The visit it follows (the token it was asked from). */
  readonly fromTokenId: string;
  /** The visit's doctor. */
  readonly doctorId: string;
  /** The doctor asked for, or `null` when a department was asked for. */
  readonly toDoctorId: string | null;
  /** The department asked for, or `null`. */
  readonly department: string | null;
  /** The local date it is due on. */
  readonly dueDate: string;
  /** The first local date of its window. */
  readonly from: string;
  /** The last local date of its window. */
  readonly to: string;
  /** Where it stands. */
  readonly status: FollowUpStatus;
  /** Its token once booked, else `null`. */
  readonly tokenId: string | null;
  /** When it was asked for. */
  readonly requestedAt: Date;
  /** Who asked for it (or, once cancelled, who cancelled it), or `null`. */
  readonly actor: string | null;
}

/** What `bookFollowUp` did. */
export interface FollowUpResult {
  /** The follow-up. */
  readonly followUp: FollowUp;
  /** Its token when booked (as booked by this call, or, for a follow-up booked before, as it is now), else `null`. */
  readonly token: Token | null;
  /** Everything else the call caused (the token's booking and its consequences), in order. */
  readonly effects: readonly Effect[];
  /** `true` when the visit's follow-up was already booked or cancelled: it is answered as it stands, and nothing changed. */
  readonly replayed?: true | undefined;
}

/** Which due follow-ups `dueFollowUps` lists. */
export interface DueFollowUpsFilter {
  /** Only those due on this local date (`YYYY-MM-DD`). */
  readonly date?: string | undefined;
  /** Only those asked of this department. */
  readonly department?: string | undefined;
  /** Only those asked of this doctor (the visit's doctor, when none was named). */
  readonly doctorId?: string | undefined;
}

/** How to cancel a due follow-up. */
export interface CancelFollowUpOptions {
  /** Who cancels it (required: a follow-up ends only by an actor). */
  readonly actor: string;
  /** Why (no patient data). */
  readonly reason?: string | undefined;
}

/** One entitlement to free revisits, as `entitlementOf` reads it. */
export interface EntitlementView {
  /** The charged visit that opened it. */
  readonly fromTokenId: string;
  /** Its doctor. */
  readonly doctorId: string;
  /** Its doctor's department, or `null`. */
  readonly department: string | null;
  /** The local date of the charged visit. */
  readonly openedOn: string;
  /** Its last local date. */
  readonly until: string;
  /** How many revisits it makes free. */
  readonly visits: number;
  /** How many of them are used now (tokens cancelled, no-shows or dropped give theirs back). */
  readonly used: number;
  /** How many are left. */
  readonly left: number;
}

/**
 * What `entitlementOf` answers: the free revisits a patient has left with a doctor or department
 * on a day — every entitlement that covers it, oldest first (the one a booking uses first), with
 * its visits used and left. The library reports; billing stays the application's.
 */
export interface EntitlementSummary {
  /** The free revisits left, over every entitlement that covers the day. */
  readonly left: number;
  /** Each entitlement that covers the day, oldest first (the one a booking uses first). */
  readonly entitlements: readonly EntitlementView[];
}

/** Whom and when `entitlementOf` asks about. */
export interface EntitlementQuery {
  /** A revisit with this doctor; give this or `department`. */
  readonly doctorId?: string | undefined;
  /** A revisit with any doctor of this department; give this or `doctorId`. */
  readonly department?: string | undefined;
  /**
   * The local date (`YYYY-MM-DD`) of the revisit.
   * @default today, in the scheduler's time zone
   */
  readonly at?: string | undefined;
}
