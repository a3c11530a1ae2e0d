/** Events of a day's queue: carried tokens, closed days, offers, calls and notices. */
import type { LateArrival } from '../types.js';
import type { OpdEventBase, TokenEventBase } from './base.js';
import type { UnseenStatus } from './tokens.js';

/**
 * A day was closed and the patient, never seen, carried onto the doctor's next day with slots
 * (`closeOut: { carryForward: true }`): this token (the one of the closed day) is `CANCELLED`
 * (`cancelReason: 'carried'`), and a new `WAITLISTED` token of `toDay`, `toTokenId`, keeps its
 * category, rank, request time and due time (so it comes before later requests of its rank, and
 * its aging continues), with `carriedFrom` naming this token. Promotions on `toDay` may follow.
 */
export interface TokenCarriedEvent extends TokenEventBase<'token:carried'> {
  /** The slot of the place it left, or `null` (it was waiting). */
  readonly slotId: string | null;
  /** The status it had on the closed day. */
  readonly fromStatus: UnseenStatus;
  /** The day it was carried to, `YYYY-MM-DD`. */
  readonly toDay: string;
  /** The new token on `toDay`. */
  readonly toTokenId: string;
  /** The new token's number. */
  readonly toTokenNumber: number;
  /** The new token's label. */
  readonly toLabel: string;
}

/**
 * A doctor-day was closed (`closeDay`, or a sweep once its last open slot ended and the grace
 * period passed): every token of it still waiting, held, booked or checked in and never seen
 * ended, each by its own `token:expired` (`reason: 'day-closed'`) or `token:carried`, listed
 * before this summary. A day with nothing left to end is not closed again (no event).
 */
export interface DayClosedEvent extends OpdEventBase<'day:closed'> {
  /** The closed day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Tokens that expired (`token:expired`, `reason: 'day-closed'`). */
  readonly expired: number;
  /** Tokens carried to `toDay` (`token:carried`). */
  readonly carried: number;
  /** The day tokens were carried to, or `null` when none was. */
  readonly toDay: string | null;
}

/**
 * A freed place was offered to the token's patient, who must accept it (`acceptOffer(offerId)`)
 * before `expiresAt`; the first candidate to accept takes it. Send the SMS from this event.
 */
export interface TokenOfferedEvent extends TokenEventBase<'token:offered'> {
  /** The slot of the place offered. */
  readonly slotId: string;
  /** The id the patient answers with. */
  readonly offerId: string;
  /** When the offer lapses unanswered. */
  readonly expiresAt: Date;
  /** The group of candidates it belongs to, from 1. */
  readonly round: number;
}

/**
 * The token's patient accepted an offer and took the place (`token:promoted` for a waitlisted
 * token, `token:moved` for a booked one follows).
 */
export interface TokenOfferAcceptedEvent extends TokenEventBase<'token:offer-accepted'> {
  /** The slot of the place taken. */
  readonly slotId: string;
  /** The offer accepted. */
  readonly offerId: string;
  /** The slot the token leaves (a booked patient pulled forward), or `null` for a waitlisted one. */
  readonly fromSlotId: string | null;
}

/** The token's patient declined an offer; the token keeps what it had. */
export interface TokenOfferDeclinedEvent extends TokenEventBase<'token:offer-declined'> {
  /** The slot of the place offered. */
  readonly slotId: string;
  /** The offer declined. */
  readonly offerId: string;
}

/**
 * An offer ended unanswered: another candidate took the place (`taken`), its window passed
 * (`expired`), or the token moved on so that it can no longer take the place (`moved-on`: it was
 * cancelled, moved, checked in, booked elsewhere, carried or expired). The token keeps what it had.
 */
export interface TokenOfferLapsedEvent extends TokenEventBase<'token:offer-lapsed'> {
  /** The slot of the place offered. */
  readonly slotId: string;
  /** The offer that lapsed. */
  readonly offerId: string;
  /** Why it ended. */
  readonly reason: 'taken' | 'expired' | 'moved-on';
}

/**
 * An offer was withdrawn because the place went elsewhere: an emergency took it, its slot closed,
 * or its capacity was lowered. The token keeps what it had.
 */
export interface TokenOfferWithdrawnEvent extends TokenEventBase<'token:offer-withdrawn'> {
  /** The slot of the place offered. */
  readonly slotId: string;
  /** The offer withdrawn. */
  readonly offerId: string;
  /** Why. */
  readonly reason: 'emergency' | 'slot-closed' | 'capacity-lowered';
  /** The emergency that took the place, or `null`. */
  readonly byTokenId: string | null;
}

/** A checked-in patient was called to see the doctor (by `callNext`, or again by `recall`). */
export interface TokenCalledEvent extends TokenEventBase<'token:called'> {
  /** The slot of the place. */
  readonly slotId: string;
  /** Where to go, as the caller named it, or `null`. */
  readonly room: string | null;
  /** `true` when the patient was called again with `recall`. */
  readonly recall: boolean;
  /** The service point whose queue called the patient (`callNext({ servicePoint })`); absent for a doctor's call. */
  readonly servicePointId?: string | undefined;
  /** The doctor who called the patient from a pooled department's queue, when not the token's own doctor; absent otherwise. */
  readonly calledBy?: string | undefined;
}

/**
 * A waiting patient's turn is near (the `notify.turnNear` option): at most `positions` calls
 * away in the order patients will be called, or the estimated start at most `minutes` away.
 * Sent once per token, by the call that brought the turn near (a check-in, a call, a
 * completion, a cancellation, a sweep). No patient data.
 */
export interface TokenTurnNearEvent extends TokenEventBase<'token:turn-near'> {
  /** The slot of the place. */
  readonly slotId: string;
  /** The token's turn among the doctor-day's waiting places, 1 for the next to be called. */
  readonly position: number;
  /** The estimated start when the notice was sent. */
  readonly estimatedStart: Date;
}

/**
 * A waiting patient's estimated start moved by at least `notify.etaChangedMinutes` since the
 * patient was last told (the estimate given when the token got its place, or by the last
 * `token:eta-changed`): never sent for a smaller change. No patient data.
 */
export interface TokenEtaChangedEvent extends TokenEventBase<'token:eta-changed'> {
  /** The slot of the place. */
  readonly slotId: string;
  /** The estimated start now. */
  readonly estimatedStart: Date;
  /** The estimated start the patient was last told of. */
  readonly previousEstimate: Date;
  /** Minutes from the previous estimate to the new one, rounded (positive: later). */
  readonly changeMinutes: number;
}

/**
 * A `NO_SHOW` or `CANCELLED` token of today was brought back (a late arrival, a mistaken
 * cancellation); where it went follows (`token:booked` or `token:waitlisted`, then any bumps).
 */
export interface TokenReinstatedEvent extends TokenEventBase<'token:reinstated'> {
  /** The status it came back from. */
  readonly fromStatus: 'NO_SHOW' | 'CANCELLED';
  /** The late-arrival rule it was placed under. */
  readonly lateArrival: LateArrival;
}
