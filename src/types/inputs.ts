/** What the scheduler's calls take and answer: inputs, requests, options and results. */
import type { Category, Patient, Token } from '../types.js';
import type { Effect } from './views.js';

/** Input of {@link OpdScheduler.book}. */
export interface BookingRequest {
  /** The doctor to book with. */
  readonly doctorId: string;
  /** The request channel; must be known to the priority policy. */
  readonly category: Category;
  /** The patient. */
  readonly patient: Patient;
  /** The slot asked for; when omitted the earliest suitable slot is chosen. */
  readonly slotId?: string | undefined;
  /** Restrict the choice of slot to this local date (`YYYY-MM-DD`). */
  readonly date?: string | undefined;
  /** Only slots starting at or after this instant. */
  readonly after?: Date | string | undefined;
  /**
   * A key (unique per doctor) that makes retries safe: a repeated call returns the original
   * result again, as it was then, with `replayed: true`, and changes nothing.
   */
  readonly idempotencyKey?: string | undefined;
  /**
   * Who makes the call (see {@link ActorOptions.actor}). Not part of the idempotency key's
   * request: a retry from another desk replays the original result.
   */
  readonly actor?: string | undefined;
}

/**
 * Input of `OpdScheduler.availability`: which slots of a doctor starting in `[from, to)` a
 * booking by `category` would get a place in now.
 *
 * The booking rule itself is asked for each usable slot as a booking naming it, on one
 * consistent read, writing nothing — quotas and their reserves, booking windows (and their
 * `exemptActors`), the duplicate rules (for `patient`), holds and places held for offers, and
 * elastic places apply as they would to `book`. What a FHIR `$find`, a SMART Scheduling Links
 * feed and a UHI `search` publish (`opd-scheduler/fhir`).
 */
export interface AvailabilityQuery {
  /** The doctor. */
  readonly doctorId: string;
  /** The channel asking; must be known to the priority policy. */
  readonly category: Category;
  /** Slots starting at or after this instant… */
  readonly from: Date | string;
  /** …and before this one; at most 62 days after `from`. */
  readonly to: Date | string;
  /**
   * The patient the booking would be for: the duplicate rules then apply to them, and the
   * priority policy ranks them. Without it, nobody's duplicate applies.
   */
  readonly patient?: Patient | undefined;
  /** Who asks (an exempt actor of the booking windows is exempt here too). */
  readonly actor?: string | undefined;
}

/**
 * Input of {@link OpdScheduler.book} for a department: the scheduler chooses the doctor of the
 * department whose earliest usable place (on `date`, from `after`) is soonest; ties go to the one
 * with fewest places taken that day, then to the lower doctor id. The slot is chosen as for a
 * booking without `slotId`. A patient who already holds a live token with any doctor of the
 * department, on the day a booking with that doctor would be for, is refused with
 * `DUPLICATE_BOOKING`. It is one unit over every doctor of the department; the token names the
 * chosen doctor. An emergency gets a place whenever any of them can give it one.
 */
export interface DepartmentBookingRequest {
  /** The department (see `DoctorInput.department`); `DEPARTMENT_NOT_FOUND` when no doctor has it. */
  readonly department: string;
  /** Never given with `department`. */
  readonly doctorId?: undefined;
  /** The request channel; must be known to the priority policy. */
  readonly category: Category;
  /** The patient. */
  readonly patient: Patient;
  /** Restrict the choice of slot to this local date (`YYYY-MM-DD`). */
  readonly date?: string | undefined;
  /** Only slots starting at or after this instant. */
  readonly after?: Date | string | undefined;
  /**
   * A key that makes retries safe: a repeated call returns the original result (with the doctor
   * chosen then) with `replayed: true`.
   */
  readonly idempotencyKey?: string | undefined;
  /** Who makes the call (see {@link ActorOptions.actor}); not part of the idempotency key's request. */
  readonly actor?: string | undefined;
}

/** What {@link OpdScheduler.book} returns. */
export interface BookingResult {
  /** The token as booked or waitlisted. */
  readonly token: Token;
  /** Whether the token got a place or waits. */
  readonly outcome: 'BOOKED' | 'WAITLISTED';
  /** Whether the place is an elastic one beyond the slot's capacity. */
  readonly overflow: boolean;
  /** Everything else the call caused (bumps, cascades, …), in order, as emitted. */
  readonly effects: readonly Effect[];
  /**
   * `true` when this is the stored result of an earlier call with the same idempotency key.
   * A replay promises the original outcome, exactly as the first call returned it (its token,
   * outcome and effects then), not the token as it is now: a token waitlisted then and promoted
   * since still replays as `WAITLISTED`. {@link OpdScheduler.getToken} gives the token now.
   */
  readonly replayed?: true;
  /**
   * Under `duplicates: { onDuplicate: 'move' }`, when the booking moved the patient's existing
   * live token instead of making a second one: the id of the token moved from (the same id as
   * `token.id` for a move within one doctor-day). `token` is the patient's token after the move
   * (its `token:moved` is emitted as the call's own event), `effects` what the move caused.
   */
  readonly movedFromTokenId?: string | undefined;
}

/**
 * Input of {@link OpdScheduler.hold}: a booking request and how long to hold the place.
 *
 * A hold keeps a place while the patient pays, then confirms (or for a token from a national
 * health portal that expires). The token is `HELD` until `holdMinutes` from now, or the end of its
 * slot when that is sooner: a hold never outlives its slot; `token.holdExpiresAt` says when. Its
 * place counts against the slot's capacity like a booking. A hold still unconfirmed at its end is
 * released by the next `sweep`, and its place is promoted into.
 *
 * `confirm` before the end makes the token `BOOKED` in the same place; a hold whose slot has
 * ended is refused as a booking there is (`SLOT_ENDED`) and changes nothing, and the next sweep
 * expires it. `release` ends it `CANCELLED` (`cancelReason: 'hold-released'`); a hold whose end
 * has passed (no sweep released it yet) is recorded as the expiry it is: `token:expired`,
 * `cancelReason: 'hold-expired'`. The place is chosen as for {@link OpdScheduler.book} (the
 * requested slot, or the earliest usable slot with a free place), but a hold only ever takes a
 * free place: never an elastic one, never a bumped patient's, never the waitlist — without a free
 * place it is refused with `SLOT_FULL` and nothing changes. A hold is a bumpable place of its
 * category's rank, like a booked one: a bump the rules allow (an emergency's above all) releases
 * it (`token:released`, reason `emergency` or `bumped`) instead of moving it. The duplicate-booking
 * rule counts it as the patient's live token. An `idempotencyKey` works as for `book`.
 *
 * @example
 * ```ts
 * import { OpdScheduler, type Patient } from 'opd-scheduler';
 *
 * declare const opd: OpdScheduler, patient: Patient, slotId: string;
 * const { token } = await opd.hold({ doctorId: 'd1', category: 'ONLINE', patient, slotId, holdMinutes: 10 });
 * // … the patient pays …
 * await opd.confirm(token.id);
 * ```
 */
export interface HoldRequest extends BookingRequest {
  /** How long the place is held, in whole minutes, from 1 to 1440 (a day). */
  readonly holdMinutes: number;
}

/**
 * Input of {@link OpdScheduler.hold} for a department: a department booking request and how
 * long to hold the place, with the doctor of the department whose earliest free place is soonest,
 * as `book({ department })` chooses (ties: fewest places taken that day, then the lower doctor
 * id); without a free place with any of them, the first doctor's `SLOT_FULL`. Otherwise as
 * {@link HoldRequest}.
 */
export interface DepartmentHoldRequest extends DepartmentBookingRequest {
  /** How long the place is held, in whole minutes, from 1 to 1440 (a day). */
  readonly holdMinutes: number;
}

/** What {@link OpdScheduler.hold} returns. */
export interface HoldResult {
  /** The token, `HELD` in its place, with `holdExpiresAt`. */
  readonly token: Token;
  /** Everything else the call caused, in order, as emitted (usually nothing). */
  readonly effects: readonly Effect[];
  /** `true` when this is the stored result of an earlier call with the same idempotency key. */
  readonly replayed?: true;
}

/** What {@link OpdScheduler.callNext} returns. */
export interface CallResult {
  /** The patient called (`CHECKED_IN`, first in line), or `null` when nobody is checked in. */
  readonly token: Token | null;
  /** Everything else the call caused (nothing: calling changes no place). */
  readonly effects: readonly Effect[];
}

/** Options of {@link OpdScheduler.callNext} and {@link OpdScheduler.recall}. */
export interface CallOptions extends ActorOptions {
  /**
   * Where the patient should go (`'Room 4'`), shown on boards; at most 50 characters.
   * @defaultValue the doctor's `room` (`null` when the doctor has none)
   */
  readonly room?: string | undefined;
}

/**
 * Where {@link OpdScheduler.reinstate} puts a late arrival back: `'queue-end'` at the end of the
 * slot running now (behind every place of its rank there), `'rebook'` as a new booking from now.
 */
export type LateArrival = 'queue-end' | 'rebook';

/** An open offer of a place to a token, as {@link OpdScheduler.getToken} shows it. */
export interface TokenOffer {
  /** The id to answer with (`acceptOffer`, `declineOffer`). */
  readonly offerId: string;
  /** The slot of the place offered. */
  readonly slotId: string;
  /** When the offer lapses unanswered. */
  readonly expiresAt: Date;
}

/**
 * The result of {@link OpdScheduler.acceptOffer} and {@link OpdScheduler.declineOffer}.
 *
 * The first candidate to accept before the offer's `expiresAt` takes the place: a waitlisted
 * token becomes `BOOKED` there (`token:promoted`), a booked one moves there keeping its number
 * (`token:moved`), and the place it leaves is offered in turn; the other candidates' offers lapse
 * (`token:offer-lapsed`, `taken`). Accepting an offer already accepted answers exactly as the
 * first accept did (the token then, the same effects), `replayed: true`, and changes nothing.
 * A decline leaves the token as it was; when nobody of its group can still answer, the next group
 * is offered at once. Declining again answers `replayed: true` and changes nothing.
 */
export interface OfferAnswerResult {
  /** The candidate's token after the answer (`BOOKED` in the place offered, once accepted). */
  readonly token: Token;
  /** Everything else the call caused (lapsed offers, the place left offered in turn, …), in order. */
  readonly effects: readonly Effect[];
  /**
   * `true` when the offer had already been answered so: nothing changed. A retried accept is the
   * first accept's result as it was (its token then, its effects), as a keyed booking's replay is;
   * {@link OpdScheduler.getToken} gives the token now.
   */
  readonly replayed?: true | undefined;
}

/** What a token transition ({@link OpdScheduler.cancel} and the like) returns. */
export interface TransitionResult {
  /** The token after the transition. */
  readonly token: Token;
  /** Everything else the call caused (promotions, …), in order, as emitted. */
  readonly effects: readonly Effect[];
}

/**
 * Where {@link OpdScheduler.move} takes a patient. Give at least one field:
 *
 * - `slotId`: that slot (of any doctor); `doctorId`, `date` and `after`, when also given, must
 *   agree with it;
 * - otherwise the first usable slot (open, not ended, with a free place) of `doctorId` (default:
 *   the token's doctor) on `date` (default: the day of `after`, else the token's day), starting
 *   at or after `after` when given, other than the one the token holds.
 *
 * A move takes only a free place the quota admits the patient to (never an elastic place nor a
 * bump): when the target has none,
 * the call fails with `SLOT_FULL` and the patient keeps the place (or waitlist entry) they had.
 */
export interface MoveTarget {
  /** The slot to move to. */
  readonly slotId?: string | undefined;
  /** The doctor to move to (default: the token's doctor). */
  readonly doctorId?: string | undefined;
  /** The local date (`YYYY-MM-DD`) to move to. */
  readonly date?: string | undefined;
  /** Only a slot starting at or after this instant. */
  readonly after?: Date | string | undefined;
}

/** Options of {@link OpdScheduler.move}. */
export interface MoveOptions extends ActorOptions {
  /** Why the patient moves (stored in the event; no patient data). */
  readonly reason?: string | undefined;
  /**
   * Compute and return the result without changing anything.
   * @defaultValue false
   */
  readonly dryRun?: boolean | undefined;
}

/**
 * What {@link OpdScheduler.move} returns. A move is atomic: at no moment can a reader see the
 * patient with two places or none. Within one doctor-day the token keeps its id and
 * number; otherwise the patient gets a token in the new doctor-day and the old one ends
 * `CANCELLED` with `cancelReason: 'moved'`. The place left is promoted into under the rules. A
 * move takes only a free place, and fails with `SLOT_FULL` (changing nothing) when there is none.
 */
export interface MoveResult {
  /**
   * The patient's token now, holding the new place: the same token (same id and number) within
   * one doctor-day, else the new token of the new doctor-day.
   */
  readonly token: Token;
  /** The token moved from: `token.id` within one doctor-day, else the old token, now `CANCELLED`. */
  readonly fromTokenId: string;
  /** Everything else the call caused (promotions into the place left), in order, as emitted. */
  readonly effects: readonly Effect[];
}

/**
 * Who makes a call, for the audit trail. Every mutation accepts it.
 *
 * @example
 * ```ts
 * import { OpdScheduler } from 'opd-scheduler';
 *
 * declare const opd: OpdScheduler, tokenId: string;
 * await opd.checkIn(tokenId, { actor: 'desk-1' });
 * ```
 */
export interface ActorOptions {
  /**
   * The member of staff or the system making the call (`'desk-1'`, `'nurse:meena'`,
   * `'abdm-gateway'`): a non-empty text of at most 100 characters without control characters.
   * It is stored as `actor` on every event the call causes, and returned by `history()` and
   * `tail()`; events of a call without one carry `null`. It names staff, never a patient: do
   * not put patient names or ids in it.
   */
  readonly actor?: string | undefined;
}

/** Options of {@link OpdScheduler.cancel}. */
export interface CancelOptions extends ActorOptions {
  /** Why the token was cancelled (stored and reported in the event; no patient data). */
  readonly reason?: string | undefined;
}

/** Options of {@link OpdScheduler.erasePatient}. */
export interface ErasePatientOptions extends ActorOptions {
  /**
   * Why the data is erased (e.g. `'patient request'`), stored on each `patient:erased` event: at
   * most 500 characters, never patient data.
   */
  readonly reason?: string | undefined;
}

/** How a consultation is completed (`complete`). */
export interface CompleteOptions extends ActorOptions {
  /**
   * Whether the consultation is charged for: with the option `followUps`, it opens an entitlement
   * to free revisits (`entitlement:opened`). Every completion is, with `followUps.everyCompletion`.
   * @defaultValue false
   */
  readonly charged?: boolean | undefined;
}
