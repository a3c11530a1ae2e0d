/**
 * The records the stores keep and the core decides on: doctors, slots, tokens, day counters,
 * idempotency keys. Times are epoch milliseconds.
 */
import type { BookingResult, Doctor, OfferAnswerResult, Patient, SlotStatus, TokenStatus } from '../types.js';

/**
 * A doctor as stored. Times are epoch milliseconds.
 */
export interface DoctorRecord {
  /** Unique id. */
  readonly id: string;
  /** The facility (the scheduler's `facilityId`); absent in records stored before facilities existed, read as `'default'`. */
  readonly facilityId?: string | undefined;
  /** Display name. */
  readonly name: string;
  /** Specialization or `null`. */
  readonly specialization: string | null;
  /** Minutes per consultation or `null` for the scheduler's default. */
  readonly consultMinutes: number | null;
  /** When the doctor was added (epoch ms). */
  readonly createdAt: number;
  /** The department the doctor books for, or `null`; absent in records stored before departments existed. */
  readonly department?: string | null | undefined;
  /** The room the doctor sees patients in, or `null`; absent in records stored before rooms existed. */
  readonly room?: string | null | undefined;
  /**
   * From when the doctor is retired (epoch ms), or `null`; absent in records stored before
   * retirement existed. From then on the doctor takes no booking, hold or slot.
   */
  readonly retiredFrom?: number | null | undefined;
  /** Why the doctor retired, or `null`. */
  readonly retiredReason?: string | null | undefined;
  /** The system of medicine; absent in records stored before it existed, read as `'allopathic'`. */
  readonly system?: Doctor['system'] | undefined;
  /** Whether the doctor runs a specialist OPD; absent in records stored before it existed, read as `false`. */
  readonly specialist?: boolean | undefined;
}

/**
 * The rule "is the doctor retired at this instant": a doctor retired from `retiredFrom` takes no
 * booking, hold, slot or reopened slot that starts (or, for a slot, ends) after that instant.
 */
export function isRetiredAt(doctor: DoctorRecord, at: number): boolean {
  const from = doctor.retiredFrom;
  return from !== undefined && from !== null && at >= from;
}

/** A slot as stored. Times are epoch milliseconds. */
export interface SlotRecord {
  /** Unique id (across all doctors). */
  readonly id: string;
  /** The facility (the scheduler's `facilityId`); absent in records stored before facilities existed, read as `'default'`. */
  readonly facilityId?: string | undefined;
  /** The doctor holding the slot. */
  readonly doctorId: string;
  /** Local date of `start` in the scheduler's time zone, `YYYY-MM-DD`. */
  readonly day: string;
  /** Start (epoch ms, inclusive). */
  readonly start: number;
  /** End (epoch ms, exclusive). */
  readonly end: number;
  /** Hard number of places. */
  readonly capacity: number;
  /** Elastic places beyond capacity a capacity strategy may grant. */
  readonly overflowCapacity: number;
  /** `OPEN` or `CLOSED`. */
  readonly status: SlotStatus;
  /** Why it was closed, or `null`. */
  readonly closedReason: string | null;
}

/**
 * The index of the first of a doctor's slots (in start order, hence in end order: they never
 * overlap) that ends after `at`; `slots.length` when none does.
 */
export function firstEndingAfter(slots: readonly { readonly slot: SlotRecord }[], at: number): number {
  let lo = 0;
  let hi = slots.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (slots[mid]!.slot.end > at) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The rule "is this slot usable": open, not ended at `now`, and (for a request that may not be
 * placed earlier than `notBefore`) starting no earlier than `notBefore`.
 */
export function isUsableSlot(slot: SlotRecord, now: number, notBefore: number | null = null): boolean {
  return slot.status === 'OPEN' && slot.end > now && (notBefore === null || slot.start >= notBefore);
}

/**
 * Whether a waitlisted token may be promoted into a slot (DESIGN §4): on a per-slot waitlist,
 * only into the slot it waits for; on a doctor-day waitlist, into a slot starting no earlier
 * than it asked for (its `notBefore`) — a patient is never moved earlier than they asked.
 */
export function isEligible(token: TokenRecord, slot: SlotRecord): boolean {
  if (token.waitingForSlotId !== null) return token.waitingForSlotId === slot.id;
  return token.notBefore === null || token.notBefore <= slot.start;
}

/** A token as stored. Times are epoch milliseconds; `patient` is a frozen copy. */
export interface TokenRecord {
  /** Unique id, `${doctorId}~${day}~${tokenNumber}`. */
  readonly id: string;
  /** The facility (the scheduler's `facilityId`); absent in records stored before facilities existed, read as `'default'`. */
  readonly facilityId?: string | undefined;
  /** The doctor. */
  readonly doctorId: string;
  /** Local date, `YYYY-MM-DD`. */
  readonly day: string;
  /** Slot of the place, or `null`. */
  readonly slotId: string | null;
  /** Slot waited for on a per-slot waitlist, or `null`. */
  readonly waitingForSlotId: string | null;
  /** Request channel. */
  readonly category: string;
  /** Current rank. */
  readonly rank: number;
  /** Current status. */
  readonly status: TokenStatus;
  /** Sequential per doctor-day, from 1. */
  readonly tokenNumber: number;
  /** Frozen copy of the patient. */
  readonly patient: Readonly<Patient>;
  /** Request time (epoch ms). */
  readonly requestedAt: number;
  /** Times bumped. */
  readonly bumpCount: number;
  /**
   * When the token got its current place (epoch ms), or `null` when it holds none. A token
   * promoted or cascaded into a slot that already started gets its no-show grace from here.
   */
  readonly placedAt: number | null;
  /** Earliest slot start allowed (epoch ms) or `null`. */
  readonly notBefore: number | null;
  /** Idempotency key or `null`. */
  readonly idempotencyKey: string | null;
  /** Cancellation reason or `null`. */
  readonly cancelReason: string | null;
  /** Last change (epoch ms). */
  readonly updatedAt: number;
  /**
   * When a `HELD` token's hold ends (epoch ms): its hold claim's end (the claim of the day's list
   * with this token's id, which keeps who made it), shown with the token; `null` for every other status.
   */
  readonly holdExpiresAt: number | null;
  /** The number shown to the patient (`'7'`, `'E-1'`), unique per doctor-day, never changed. */
  readonly label: string;
  /**
   * For a token carried onto this day when its earlier day was closed (`closeOut: { carryForward:
   * true }`), the id of the token it replaces; absent (or `null`) for every other token.
   */
  readonly carriedFrom?: string | null | undefined;
  /**
   * When the patient became due (epoch ms), kept by a carried token from the day it came from, so
   * that its aging continues; absent (or `null`) for every other token, whose due time is derived
   * (the rule `dueAt`, `src/model/queue.ts`).
   */
  readonly dueAt?: number | null | undefined;
  /**
   * The order of the token's first call among its doctor-day's calls (1 for the first patient
   * called), or `null` (absent in records written before) while it was never called: the call
   * order reads the day's calls from it.
   */
  readonly callIndex?: number | null | undefined;
  /**
   * The estimated start the patient was last told of (epoch ms): when the token got its place,
   * or by the last `token:eta-changed`; `null` (or absent) when none was recorded.
   */
  readonly toldEta?: number | null | undefined;
  /** Whether `token:turn-near` was sent for the token (it is sent once); absent means `false`. */
  readonly turnNearSent?: boolean | undefined;
  /**
   * Where the token stands on the visit's journey (the constructor options `servicePoints` and
   * `routes`), or absent on a token that never had one; see {@link JourneyRecord}.
   */
  readonly journey?: JourneyRecord | undefined;
  /**
   * What brings the patient back, when something does (an occurrence of a series, a free revisit),
   * or absent on every other token; see {@link RevisitRecord}.
   */
  readonly revisit?: RevisitRecord | undefined;
}

/**
 * What brings a token's patient back: the series it is an occurrence of (`bookSeries`), the
 * follow-up that booked it (`bookFollowUp`), the free revisit it uses. Every
 * field is optional, and absent when it does not apply.
 */
export interface RevisitRecord {
  /** The series (`bookSeries`) the token is an occurrence of. */
  readonly seriesId?: string | undefined;
  /** Its occurrence in the series, from 1. */
  readonly occurrence?: number | undefined;
  /** The follow-up (`bookFollowUp`) that booked the token: its id, the visit's token id and `~f`. */
  readonly followUp?: string | undefined;
  /**
   * `true` on a completed visit charged for (`complete(tokenId, { charged: true })`, or every
   * completion by the option `followUps`): it opened an entitlement to free revisits.
   */
  readonly charged?: true | undefined;
  /** The entitlement the token uses (a free revisit): the charged visit that opened it, and the token's visit number in it. */
  readonly entitlement?:
    | {
        /** The charged visit (its token id). */
        readonly from: string;
        /** The token's visit number in it, from 1. */
        readonly visit: number;
      }
    | undefined;
}

/**
 * A token's journey through the facility's service points. The token keeps its one place in its
 * doctor's slot the whole visit (the place counts taken until the day ends); the journey says in
 * which queue the patient waits now. Every field is optional, and absent when it does not apply.
 */
export interface JourneyRecord {
  /** The route the token follows (a name of the option `routes`), or absent for a free journey. */
  readonly route?: string | undefined;
  /** The index, in its route, of the stage it is at (0 for the first), when it has a route. */
  readonly stage?: number | undefined;
  /**
   * The service point whose queue the patient waits in now, or absent while the patient is with
   * the doctor's queue (waiting for, or in, the consultation).
   */
  readonly point?: string | undefined;
  /**
   * The room (or counter) of the service point that called the patient there, the point's id
   * for a call without one: no other room of the point calls them until they are forwarded on.
   */
  readonly room?: string | undefined;
  /** Whether the patient was booked to a pooled department: any of its doctors may call them. */
  readonly pooled?: boolean | undefined;
  /** The doctor of the department who called the patient, when not the token's own doctor (a pooled call). */
  readonly calledBy?: string | undefined;
  /** Whether the patient has seen the doctor once this visit: going back to the doctor is then a re-entry. */
  readonly seen?: boolean | undefined;
  /**
   * How a patient sent back re-entered the doctor's queue (the `ReentryPolicy`): the ids of the
   * patients waiting when they came back whom the policy let go first. Every other patient not
   * yet called, and every later arrival, is called after them; emergencies still go first.
   */
  readonly reentry?:
    | {
        /** When the patient came back (epoch ms). */
        readonly at: number;
        /** The ids of the patients the policy let go first. */
        readonly passedBy: readonly string[];
      }
    | undefined;
}

/** Per doctor-day counters. */
export interface DayRecord {
  /** The doctor. */
  readonly doctorId: string;
  /** Local date, `YYYY-MM-DD`. */
  readonly day: string;
  /** Highest token number issued (0 before the first token). Never decreases. */
  readonly lastTokenNumber: number;
  /** Tokens bumped. */
  readonly bumps: number;
  /** Displaced tokens moved forward. */
  readonly cascades: number;
  /** Waitlisted tokens promoted. */
  readonly promotions: number;
  /** Displaced tokens dropped. */
  readonly drops: number;
  /**
   * The last number given in each label series of the day (`{ E: 2, W: 12 }`), when labels are
   * numbered per category; empty otherwise. Never decreases.
   */
  readonly labels: Readonly<Record<string, number>>;
  /**
   * The day's claims on places, every kind in one list in the order made (a hold, a place held
   * for an offer, a lease's places in a slot, …; see {@link ClaimRecord}), or absent on a day that
   * has had none. A claim that has ended is kept where its kind answers for it later (an offer's
   * answer, a lease returned); a hold's is removed with its end, its token telling the rest.
   */
  readonly claims?: readonly ClaimRecord[] | undefined;
  /**
   * The patients displaced that day (bumped, or their slot shrunk), by token id: the slot they
   * left — the first candidates when a place of it is offered (the constructor option `offers`).
   * Absent on a day that has had none.
   */
  readonly displaced?: Readonly<Record<string, string>> | undefined;
  /**
   * The doctor's latest pause on the day (`pauseDoctor`), or absent on a day that has had none;
   * see {@link PauseRecord}.
   */
  readonly pause?: PauseRecord | undefined;
}

/**
 * A doctor's pause: nobody is called, and no estimate starts, before `until`. A resume ends it
 * early (`until` becomes the resume's time); a pause that has ended is kept until the next one.
 */
export interface PauseRecord {
  /** When it began (epoch ms). */
  readonly from: number;
  /** When it ends (epoch ms): `from` plus its minutes, or the time of an early resume. */
  readonly until: number;
  /** Why, as the caller gave it, or `null`. */
  readonly reason: string | null;
}

/** Where a claim stands: `ACTIVE` while it holds its places; otherwise how it ended. */
export type ClaimState = 'ACTIVE' | 'CONVERTED' | 'RELEASED' | 'EXPIRED' | 'WITHDRAWN';

/**
 * A claim on places of one slot, as stored in its doctor-day's list ({@link DayRecord.claims}):
 * places held for somebody who has not taken them up yet. Every kind of claim is this one record;
 * what is particular to a kind (an offer's candidates, a lease's desk) is its `detail`, read only
 * by that kind's rules. Stores read no kind: they count a claim's unused places as taken while it
 * is `ACTIVE` and it has no token of its own (`places - used`), and find its day due at `endsAt`.
 */
export interface ClaimRecord {
  /**
   * Its id, unique in its day's list with `slotId`: a hold's is its token's id; a place held for an
   * offer's `${doctorId}~${day}~o${n}`; a lease's, the same for each of its slots, `${doctorId}~${day}~l${n}`.
   */
  readonly id: string;
  /** Its kind, a name of the kind table (`hold`, `offer`, `lease`, …). */
  readonly kind: string;
  /** The slot whose places it holds. */
  readonly slotId: string;
  /** The places it holds there. */
  readonly places: number;
  /** The places of them taken up (a lease's places its desk's tokens took), at most `places`. */
  readonly used: number;
  /** Whether it holds its places (`ACTIVE`), or how it ended. */
  readonly state: ClaimState;
  /** `ACTIVE`: when it ends by itself (epoch ms), or `null` for one that never does; otherwise when it ended. */
  readonly endsAt: number | null;
  /**
   * `ACTIVE`: when its next step is due (epoch ms) — its end, or a step before it (an offer's
   * window, after which its place goes to the next group) — or `null` for none; `null` once it
   * has ended. The day's due time is the earliest of its claims'.
   */
  readonly dueAt: number | null;
  /** Who made it (a hold's actor, a lease's desk), or `null` (made by the rules, or by nobody named). */
  readonly actor: string | null;
  /** The token holding its place, for a claim with one (a hold): its place is then counted as the token's. */
  readonly tokenId?: string | undefined;
  /** The claims made together and ended together (a lease's slots), by a common name. */
  readonly group?: string | undefined;
  /** What its kind keeps of it besides (JSON data); absent when nothing. */
  readonly detail?: Readonly<Record<string, unknown>> | undefined;
}

/** Whether a claim holds its places ({@link ClaimRecord.state} `ACTIVE`). */
export function isActiveClaim(claim: Pick<ClaimRecord, 'state'>): boolean {
  return claim.state === 'ACTIVE';
}

/** The places of one slot a lease holds for its desk. */
export interface LeasedPlaces {
  /** The slot. */
  readonly slotId: string;
  /** The places leased there. */
  readonly places: number;
  /** The places the desk has turned into tokens (reconciled), at most `places`. */
  readonly used: number;
}

/** Where a lease stands: `ACTIVE` while it holds its unused places; `RETURNED` or `EXPIRED` once it has ended. */
export type LeaseStatus = 'ACTIVE' | 'RETURNED' | 'EXPIRED';

/**
 * A lease as its rules read it (the `lease` claims of one group, one per slot): places of a
 * doctor-day held for a desk that may issue tokens without the network, and a label prefix no one
 * else gives. While `ACTIVE`, its unused places (`places - used` of each slot) are counted taken.
 */
export interface LeaseRecord {
  /** `${doctorId}~${day}~l${n}`: unique per doctor-day, never reused. */
  readonly id: string;
  /** The desk it is granted to. */
  readonly deskId: string;
  /** Where it stands. */
  readonly status: LeaseStatus;
  /** The categories the desk may book in it, or `null` for every category. */
  readonly categories: readonly string[] | null;
  /** The places held, per slot, in slot order. */
  readonly slots: readonly LeasedPlaces[];
  /**
   * The desk's label prefix (`${deskId}-`): a token the desk issues is labelled with it and its
   * own count (`D1-3`), a label no other desk and no central booking gives; its token number is
   * given by the central store when it is reconciled, so numbers stay unique per doctor-day.
   */
  readonly prefix: string;
  /** When it was granted (epoch ms). */
  readonly grantedAt: number;
  /** `ACTIVE`: when it ends by itself; otherwise when it ended (epoch ms). */
  readonly endsAt: number;
}

/** Whether a lease holds places ({@link LeaseRecord.status} `ACTIVE`). */
export function isActiveLease(lease: Pick<LeaseRecord, 'status'>): boolean {
  return lease.status === 'ACTIVE';
}

/** The id of the `n`-th lease of a doctor-day. */
export function leaseIdOf(doctorId: string, day: string, n: number): string {
  return [doctorId, day, `l${n}`].join('~');
}

/** Where the offer of one freed place stands. */
export type OfferPlaceStatus = 'OPEN' | 'WAITING' | 'ACCEPTED' | 'RETURNED' | 'WITHDRAWN';

/** How one candidate's offer ended, or `OPEN` while it can still be answered. */
export type OfferState = 'OPEN' | 'ACCEPTED' | 'DECLINED' | 'LAPSED' | 'EXPIRED' | 'WITHDRAWN';

/** One candidate's offer of a place: answered with its own `offerId`. */
export interface OfferCandidateRecord {
  /** The offer id the candidate answers with (`acceptOffer(offerId)`). */
  readonly offerId: string;
  /** The candidate's token. */
  readonly tokenId: string;
  /** Its token number. */
  readonly tokenNumber: number;
  /** Its label. */
  readonly label: string;
  /** The group it was offered in, from 1. */
  readonly round: number;
  /** When the offer lapses unanswered (epoch ms). */
  readonly expiresAt: number;
  /** How it ended, or `OPEN`. */
  readonly state: OfferState;
  /**
   * `true` on a `LAPSED` offer that ended because its token moved on (cancelled, moved, checked
   * in, booked elsewhere, carried, expired) rather than because another candidate took the place.
   */
  readonly movedOn?: true | undefined;
}

/**
 * A place freed in a slot and held for an offer, as its rules read it (an `offer` claim): while
 * `OPEN` (candidates may answer) or `WAITING` (quiet hours: offered at `dueAt`) it counts as taken
 * for capacity and quotas.
 */
export interface OfferRecord {
  /** `${doctorId}~${day}~o${n}`: unique per doctor-day, never reused. */
  readonly id: string;
  /** The slot of the place. */
  readonly slotId: string;
  /** Where it stands. */
  readonly status: OfferPlaceStatus;
  /** The current group, from 1; 0 while waiting for the first. */
  readonly round: number;
  /** `OPEN`: when the current group's offers lapse; `WAITING`: when to offer; otherwise when it ended (epoch ms). */
  readonly dueAt: number;
  /** Every candidate of every group, in the order offered. */
  readonly candidates: readonly OfferCandidateRecord[];
}

/** The statuses of an offered place that is held: a claim without a token, counted as taken in its slot. */
export const HELD_OFFER_STATUSES: readonly OfferPlaceStatus[] = Object.freeze(['OPEN', 'WAITING']);

/** Whether an offered place is held ({@link HELD_OFFER_STATUSES}): it counts as taken in its slot. */
export function isHeldOffer(place: Pick<OfferRecord, 'status'>): boolean {
  return HELD_OFFER_STATUSES.includes(place.status);
}

/** The id of the `n`-th place offered on a doctor-day. */
export function offerPlaceIdOf(doctorId: string, day: string, n: number): string {
  return [doctorId, day, `o${n}`].join('~');
}

/** The parts of an offer id: its doctor and day (offer ids are `${placeId}.${k}`). */
export function parseOfferId(id: string): { readonly doctorId: string; readonly day: string } | undefined {
  const first = id.indexOf('~');
  if (first <= 0 || id.charCodeAt(first + 11) !== 126 || id.charCodeAt(first + 12) !== 111) return undefined;
  const day = id.slice(first + 1, first + 11);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !/^o[1-9]\d*\.[1-9]\d*$/.test(id.slice(first + 12))) return undefined;
  return { doctorId: id.slice(0, first), day };
}

/**
 * A stored idempotency key and the result it produced: a keyed booking or hold, or an accepted
 * offer (its key the offer id, its fingerprint `offerAnswerFingerprint`), whose retry
 * answers as the first accept did.
 */
export interface IdempotencyRecord {
  /** The doctor (keys are unique per doctor). */
  readonly doctorId: string;
  /** The key. */
  readonly key: string;
  /** Canonical form of the request; a replay must match it. */
  readonly fingerprint: string;
  /**
   * The original result (its event objects carry the `seq` the adapter assigned). An accepted
   * offer's result keeps no patient data: its token's `patient` is the tombstone, and a retry
   * shows the token's patient as stored now.
   */
  readonly result: BookingResult | OfferAnswerResult;
}

/** The fingerprint an accepted offer's result is stored under (its key is the offer id). */
export function offerAnswerFingerprint(offerId: string): string {
  return JSON.stringify({ acceptOffer: offerId });
}

/** The id of a token, derived from its doctor, day and number. */
export function tokenIdOf(doctorId: string, day: string, tokenNumber: number): string {
  // join builds one flat string; a template literal builds a rope that costs twice the memory.
  return [doctorId, day, tokenNumber].join('~');
}

/** The parts of a token id. */
export interface TokenIdParts {
  /** The doctor. */
  readonly doctorId: string;
  /** The local date. */
  readonly day: string;
  /** The token number. */
  readonly tokenNumber: number;
}

/**
 * The parts of a token id made by {@link tokenIdOf}, or `undefined` for any other string.
 * Adapters may use it to find a token's doctor and day without a lookup.
 */
export function parseTokenId(id: string): TokenIdParts | undefined {
  const last = id.lastIndexOf('~');
  const first = id.indexOf('~');
  if (first <= 0 || last - first !== 11) return undefined;
  const tokenNumber = Number(id.slice(last + 1));
  if (!Number.isSafeInteger(tokenNumber) || tokenNumber < 1 || String(tokenNumber) !== id.slice(last + 1)) return undefined;
  return { doctorId: id.slice(0, first), day: id.slice(first + 1, last), tokenNumber };
}

/**
 * The parts of a token id already known to be one ({@link isTokenIdOf} accepted it): cut out at
 * the last separator, not checked again (as {@link parseTokenId} does for any string).
 */
export function partsOfTokenId(id: string): TokenIdParts {
  const last = id.lastIndexOf('~');
  let tokenNumber = 0;
  for (let i = last + 1; i < id.length; i++) tokenNumber = tokenNumber * 10 + id.charCodeAt(i) - 48;
  return { doctorId: id.slice(0, last - 11), day: id.slice(last - 10, last), tokenNumber };
}

/** Whether `id` is the id {@link tokenIdOf} gives these parts (without building it). */
export function isTokenIdOf(id: string, doctorId: string, day: string, tokenNumber: number): boolean {
  const d = doctorId.length;
  if (!Number.isSafeInteger(tokenNumber) || tokenNumber < 1 || day.length !== 10 || id.charCodeAt(d) !== 126 || id.charCodeAt(d + 11) !== 126) return false;
  // Compared by code units: `startsWith` costs several times as much on ids this short (every
  // stored token event is checked so).
  for (let i = 0; i < d; i++) if (id.charCodeAt(i) !== doctorId.charCodeAt(i)) return false;
  for (let i = 0; i < 10; i++) if (id.charCodeAt(d + 1 + i) !== day.charCodeAt(i)) return false;
  let n = 0;
  for (let i = d + 12; i < id.length; i++) {
    const c = id.charCodeAt(i) - 48;
    if (c < 0 || c > 9 || (n === 0 && c === 0)) return false;
    n = n * 10 + c;
  }
  return n === tokenNumber;
}

const NO_LABELS: Readonly<Record<string, number>> = Object.freeze({});

/** A fresh, empty day record. */
export function emptyDayRecord(doctorId: string, day: string): DayRecord {
  return { doctorId, day, lastTokenNumber: 0, bumps: 0, cascades: 0, promotions: 0, drops: 0, labels: NO_LABELS };
}

/**
 * `record` (one just made, which nobody else holds) of facility `facilityId`: the record itself for the facility `'default'` (whose
 * records carry no `facilityId`, as those stored before facilities existed), else the record with
 * its `facilityId`. Every record a unit makes (a doctor, a slot, a token) is made through it, and
 * every record a unit changes keeps its facility ({@link keepFacility}).
 */
export function inFacility<T extends { readonly facilityId?: string | undefined }>(record: T, facilityId: string | undefined): T {
  return facilityId === undefined || facilityId === 'default' ? record : addFields(record, { facilityId });
}

/**
 * `record` with the fields of `extra` added, in place: how a record or a view just built gets a
 * field that only some of its kind have (a journey, a facility, a carried token's link). `record`
 * must be an object the caller has just made and nobody else holds. A spread adding a field
 * (`{ ...record, journey }`) gives every object it makes a hidden class of its own in V8, so that
 * every later read of any of its fields is a megamorphic lookup (the 14,330 tokens of a hospital
 * day with journeys had 13,440 hidden classes); a copy onto an empty object turns a record of
 * twenty fields into a dictionary. Added in place, in the same order, records with the same
 * fields share one hidden class and keep their fields in the object.
 */
export function addFields<T extends object, E extends object>(record: T, extra: E): T & E {
  return Object.assign(record, extra);
}

/** `next`, made from `previous`, in `previous`'s facility. */
export function keepFacility<T extends { readonly facilityId?: string | undefined }>(previous: T, next: T): T {
  return inFacility(next, previous.facilityId);
}
