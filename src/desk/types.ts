/**
 * The types of leases: places of a doctor-day held for a desk that issues tokens without the
 * network (`OpdScheduler.leaseCapacity`).
 */
import type { LeaseStatus } from '../model/records.js';
import type { Patient } from '../types.js';

/**
 * A desk's request for a lease (`OpdScheduler.leaseCapacity`): `places` free places of a doctor's
 * day, so that the desk can go on issuing tokens without the network. The lease is a claim on the
 * earliest open slots' free places (never elastic ones), counted taken by every schedule,
 * availability, quota and search until the desk's tokens take them up or the lease ends. It names
 * the desk's label prefix (`${deskId}-`), so its tokens' labels are its own. When `ttlMinutes` have
 * passed, its unused places return by themselves (the sweep, or the next call on the day);
 * `returnLease` gives them back sooner. An emergency at the central desk never takes a leased
 * place.
 */
export interface LeaseRequest {
  /** The desk: letters, digits, `_`, `-` (it prefixes the labels of the tokens it issues). */
  readonly deskId: string;
  /** The doctor. */
  readonly doctorId: string;
  /** The local date, `YYYY-MM-DD`. */
  readonly date: string;
  /** How many places of the day the desk may issue, from 1. */
  readonly places: number;
  /** The categories the desk may book in them; every category when omitted. */
  readonly categories?: readonly string[] | undefined;
  /** How long the lease lasts, in minutes (1 to 1440): then its unused places return by themselves. */
  readonly ttlMinutes: number;
}

/** The places of one slot a lease holds. */
export interface LeasedSlot {
  /** The slot. */
  readonly slotId: string;
  /** Its start. */
  readonly start: Date;
  /** Its end. */
  readonly end: Date;
  /** The places leased there. */
  readonly places: number;
  /** The places the desk's tokens have taken up (reconciled). */
  readonly used: number;
}

export type { LeaseStatus };

/**
 * A lease: what a desk needs to check its own bookings without the network — its places per slot,
 * its categories, its label prefix and its end.
 */
export interface Lease {
  /** The lease's id, unique per doctor-day. */
  readonly id: string;
  /** The desk it is granted to. */
  readonly deskId: string;
  /** The doctor. */
  readonly doctorId: string;
  /** The local date. */
  readonly date: string;
  /** Where it stands. */
  readonly status: LeaseStatus;
  /** The categories the desk may book, or `null` for every category. */
  readonly categories: readonly string[] | null;
  /** The places held, per slot, in slot order. */
  readonly slots: readonly LeasedSlot[];
  /** The label prefix of the desk's tokens (`D1-`): no other desk and no central booking gives it. */
  readonly prefix: string;
  /** When it was granted. */
  readonly grantedAt: Date;
  /** `ACTIVE`: when it ends by itself; otherwise when it ended. */
  readonly endsAt: Date;
}

/** A command of a desk's log as `OpdScheduler.reconcile` entered it. */
export interface ReconciledCommand {
  /** The command's kind. */
  readonly kind: 'book' | 'cancel' | 'check-in';
  /** Its idempotency key. */
  readonly idempotencyKey: string;
  /** The central token it concerns (`null` when none was found). */
  readonly tokenId: string | null;
  /** The token's label, the desk's. */
  readonly label: string | null;
}

/**
 * Something staff must look at after a reconcile; nothing was revoked for it:
 * - `same-patient`: the patient holds another live token of the day (at another desk, or
 *   centrally) — the duplicate rule the desk could not see; `otherTokenId` names it, and where the
 *   rules allow one live token only, the desk's token was not entered (`tokenId: null`);
 * - `beyond-lease`: the desk's token was honoured though its lease had ended (or was spent in that
 *   slot) before it was entered: placed by the booking rules from its slot on (an emergency by the
 *   emergency rule), else on the waitlist — never refused; the token's slot tells staff which;
 * - `slot-closed`: the desk's slot was closed centrally (a leave, a retirement) before the token
 *   was entered: it was displaced like the slot's other patients (moved on, or waiting);
 * - `day-closed`: the day was over when the token was entered: the day's closing ended it at once
 *   (expired, or carried to the next day with `closeOut.carryForward`), as it ended the day's others;
 * - `label-taken`: another live token of the day already held the desk's label (the lease opened on
 *   two devices): the token was entered under a label of its own, `${label}-2` or the next free —
 *   tell the patient;
 * - `key-reused`: the desk's key was already used for another booking (`otherTokenId`), such as the
 *   same lease's other device: the token was entered all the same, under `${key}#2` or the next free;
 * - `not-applied`: a cancel or check-in the central store refused (`code`), such as a check-in of a
 *   token cancelled centrally meanwhile.
 */
export interface ReconcileIssue {
  /** Why staff must look. */
  readonly reason: 'same-patient' | 'beyond-lease' | 'slot-closed' | 'day-closed' | 'label-taken' | 'key-reused' | 'not-applied';
  /** The desk command's idempotency key. */
  readonly idempotencyKey: string;
  /** The central token concerned, when there is one. */
  readonly tokenId: string | null;
  /** For `same-patient` and `key-reused`, the other token. */
  readonly otherTokenId: string | null;
  /** For `not-applied`, the refusal's error code. */
  readonly code: string | null;
}

/**
 * What `OpdScheduler.reconcile` did with a desk's log.
 *
 * The log is entered in order, each command once. It is first checked whole against its lease: a
 * log a desk could not have written (a command of no known kind, a time that is not a date, a
 * category or slot outside the lease, a label outside the desk's series, an empty or repeated key)
 * is refused and nothing is entered. A booking goes through the booking road with the lease as its
 * claim: it takes its place from the lease (the lease's `used` grows; never a free place of the
 * day) under the desk's label and idempotency key — bound to its patient, category, slot and label
 * — so a repeat of the whole reconcile changes nothing; cancels and check-ins follow, in the order
 * of the log — a desk token cancelled at the desk gives its place back to the lease, as it did at
 * the desk. A token the desk issued is never refused nor revoked: one whose lease had ended before
 * it was entered is placed by the booking rules from its slot on, an emergency by the emergency
 * rule, else it waits (`beyond-lease`); one in a slot closed since is displaced like the slot's
 * other patients (`slot-closed`); one entered once its day is over is ended by the day's closing
 * (`day-closed`); a label another live token holds (a lease opened on two devices) gets one of its
 * own (`label-taken`), a key another booking holds is entered under `key#2` (`key-reused`). A
 * patient found with another live token of the day (at another desk, or centrally) is reported
 * (`same-patient`) for staff to resolve and nothing is revoked: where the duplicate rules allow
 * one live token only, the patient keeps the one they hold and the desk's is not entered
 * (`tokenId: null`; its cancels and check-ins are reported `not-applied`). Then the lease's unused
 * places are given back.
 */
export interface ReconcileReport {
  /** The lease. */
  readonly leaseId: string;
  /** The commands entered now, in the log's order. */
  readonly applied: readonly ReconciledCommand[];
  /** The commands an earlier reconcile had entered already (nothing changed for them). */
  readonly alreadyApplied: readonly ReconciledCommand[];
  /** What staff must resolve. */
  readonly toResolve: readonly ReconcileIssue[];
  /** The lease as it stands after its unused places were given back. */
  readonly lease: Lease;
}

/**
 * A token written by hand during an outage, to enter with `OpdScheduler.importManualRegister`:
 * row by row, by the booking rules (capacity, quotas, windows, duplicates, claims), each row a
 * booking with the idempotency key `manual:<doctorId>:<label>`, so a second import of the same
 * register changes nothing. A row the rules refuse is reported in `didNotFit` with the code, and
 * nothing else stops: staff place those patients by hand.
 */
export interface ManualRegisterRow {
  /** The doctor. */
  readonly doctorId: string;
  /** The number or label written on the register (unique per doctor in the register). */
  readonly label: string;
  /** The channel. */
  readonly category: string;
  /** The slot written down, if any. */
  readonly slotId?: string | undefined;
  /** The time written down (the place is sought from it), if any. */
  readonly time?: Date | string | undefined;
  /** The local date, `YYYY-MM-DD`, when no slot is written. */
  readonly date?: string | undefined;
  /** The patient, when the register names one; otherwise the token stands for the register's line. */
  readonly patient?: Patient | undefined;
}

/** One row of a manual register as entered. */
export interface ManualRegisterEntry {
  /** The row's label on the register. */
  readonly label: string;
  /** The token it became. */
  readonly tokenId: string;
  /** The token's label in the central series (tell the patient if it differs). */
  readonly tokenLabel: string;
  /** `BOOKED`, or `WAITLISTED` when no place was left for it. */
  readonly outcome: 'BOOKED' | 'WAITLISTED';
  /** Whether an earlier import had entered it already (nothing changed). */
  readonly replayed: boolean;
}

/** What `OpdScheduler.importManualRegister` did with a register. */
export interface ManualRegisterReport {
  /** The rows entered (or entered before), in order. */
  readonly entered: readonly ManualRegisterEntry[];
  /** The rows the booking rules refused, with the refusal's code: for staff to place by hand. */
  readonly didNotFit: readonly {
    /** The row's label on the register. */
    readonly label: string;
    /** The refusal's error code (`SLOT_FULL`, `DUPLICATE_BOOKING`, `VALIDATION_FAILED`, …). */
    readonly code: string;
  }[];
}

/** A booking the desk made: what reconcile books centrally, on the lease's places. */
export interface DeskBooking {
  /** The kind of command. */
  readonly kind: 'book';
  /** Its idempotency key, the central booking's too. */
  readonly idempotencyKey: string;
  /** When the desk made it (ISO 8601). */
  readonly at: string;
  /** The category. */
  readonly category: string;
  /** The leased slot it took. */
  readonly slotId: string;
  /** The desk's token (its id in the desk's store). */
  readonly tokenId: string;
  /** The desk's token number. */
  readonly tokenNumber: number;
  /** The label given to the patient (the lease's prefix and the desk's number). */
  readonly label: string;
  /** The patient. */
  readonly patient: Patient;
}

/** A cancel or a check-in the desk made, of a token it issued (named by its booking's key). */
export interface DeskTransition {
  /** The kind of command. */
  readonly kind: 'cancel' | 'check-in';
  /** Its idempotency key. */
  readonly idempotencyKey: string;
  /** When the desk made it (ISO 8601). */
  readonly at: string;
  /** The idempotency key of the booking of the token. */
  readonly booking: string;
}

/** One command of a desk's log, in the order the desk made them. */
export type DeskCommand = DeskBooking | DeskTransition;
