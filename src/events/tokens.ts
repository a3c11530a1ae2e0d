/** Events of a token's life: placed, displaced, held, checked in, seen, ended. */
import type { Category } from '../types.js';
import type { DisplacementReason, PlacementRule, RecordedRequest, TokenEventBase } from './base.js';

/** A new token got a place. */
export interface TokenBookedEvent extends TokenEventBase<'token:booked'> {
  /** The slot of the place. */
  readonly slotId: string;
  /** The request channel. */
  readonly category: Category;
  /** Its rank. */
  readonly rank: number;
  /** Whether the place is an elastic one beyond capacity. */
  readonly overflow: boolean;
  /** Which rule gave the place (what {@link opd-scheduler!OpdScheduler.explain} reads). */
  readonly rule: PlacementRule;
  /** With `next-slot`: the slot asked for (or chosen first) that had no place for it; else `null`. */
  readonly fullSlotId: string | null;
  /**
   * The name of the quota strategy that counted that slot as full for the token's category
   * (`fullSlotId`, or the slot of a bump), or `null` when no quota refused it.
   */
  readonly quota: string | null;
  /** With `bump`: the token whose place it took; else `null`. */
  readonly bumpedTokenId: string | null;
  /** With `bump`: that token's rank, strictly worse than `rank`; else `null`. */
  readonly bumpedRank: number | null;
  /**
   * The request, when this event is the booking call's own (a new token); `null` when the token
   * got the place otherwise (brought back). Absent in events stored before requests were recorded.
   */
  readonly request?: RecordedRequest | null | undefined;
}

/** A token joined a waitlist: a new request that found no place, or a displaced token. */
export interface TokenWaitlistedEvent extends TokenEventBase<'token:waitlisted'> {
  /** Always `null`: a waitlisted token holds no place. */
  readonly slotId: null;
  /** On a per-slot waitlist, the slot it waits for; otherwise `null`. */
  readonly waitingForSlotId: string | null;
  /** The slot it was displaced from (or was waiting for, when that slot closed), or `null`. */
  readonly fromSlotId: string | null;
  /** `full` for a new request; otherwise why it was displaced. */
  readonly reason: 'full' | DisplacementReason;
  /** Its rank. */
  readonly rank: number;
  /** For `full`: the slot asked for (or chosen) that had no place for it, or `null` when none was usable. */
  readonly fullSlotId: string | null;
  /** For `full`: the name of the quota strategy that counted that slot as full for the token's category, or `null`. */
  readonly quota: string | null;
  /**
   * The request, when this event is the booking call's own (a new token); otherwise `null`.
   * Absent in events stored before requests were recorded.
   */
  readonly request?: RecordedRequest | null | undefined;
}

/** A place was taken by a more urgent token; the token's fate follows in the next event for it. */
export interface TokenBumpedEvent extends TokenEventBase<'token:bumped'> {
  /** The slot it was bumped from. */
  readonly slotId: string;
  /** Same as `slotId`. */
  readonly fromSlotId: string;
  /** The token that took the place. */
  readonly byTokenId: string;
  /** The bumped token's rank (compared with `byRank`: strictly worse). */
  readonly rank: number;
  /** The rank of the token that took the place. */
  readonly byRank: number;
  /** The category of the token that took the place (for example `EMERGENCY`). */
  readonly byCategory: Category;
}

/** A displaced token moved to a later slot of the same day. */
export interface TokenCascadedEvent extends TokenEventBase<'token:cascaded'> {
  /** The slot it now holds a place in (same as `toSlotId`). */
  readonly slotId: string;
  /** The slot it left. */
  readonly fromSlotId: string;
  /** The slot it moved to. */
  readonly toSlotId: string;
  /** Why it was displaced. */
  readonly reason: DisplacementReason;
}

/**
 * A patient was moved to another place (`move`). Within one doctor-day the token keeps its id and
 * number; otherwise the patient got a new token in the new doctor-day (`tokenId`, `tokenNumber`,
 * `day`, `doctorId` are the new token's) and the old one (`fromTokenId`) ended `CANCELLED` with
 * `cancelReason: 'moved'`. Promotions into the place it left follow.
 */
export interface TokenMovedEvent extends TokenEventBase<'token:moved'> {
  /** The slot of the new place (same as `toSlotId`). */
  readonly slotId: string;
  /** The slot it left, or `null` when it was waitlisted. */
  readonly fromSlotId: string | null;
  /** The slot of the new place. */
  readonly toSlotId: string;
  /** The doctor it left. */
  readonly fromDoctorId: string;
  /** The doctor of the new place (same as `doctorId`). */
  readonly toDoctorId: string;
  /** The token it left: the same as `tokenId` within one doctor-day. */
  readonly fromTokenId: string;
  /** The local date it left. */
  readonly fromDay: string;
  /** Why, as given to `move`, or `null`. */
  readonly reason: string | null;
}

/** A waitlisted token got a place that became free. */
export interface TokenPromotedEvent extends TokenEventBase<'token:promoted'> {
  /** The slot of the new place. */
  readonly slotId: string;
  /** The slot it waited for on a per-slot waitlist, or `null`. */
  readonly fromSlotId: string | null;
}

/** A displaced token had nowhere to go and was dropped (the policy drops). */
export interface TokenDroppedEvent extends TokenEventBase<'token:dropped'> {
  /** Always `null`. */
  readonly slotId: null;
  /** The slot it was displaced from. */
  readonly fromSlotId: string;
  /** Why it was displaced. */
  readonly reason: DisplacementReason;
}

/**
 * An emergency (a token its overflow strategy protects) ended a call waiting without a place:
 * booked onto the waitlist, or displaced onto it, while no usable slot of its doctor's day had a
 * free place, an elastic place or a place it could bump. It is placed as soon as room appears.
 */
export interface EmergencyUnplacedEvent extends TokenEventBase<'emergency:unplaced'> {}

/** A token was cancelled. */
export interface TokenCancelledEvent extends TokenEventBase<'token:cancelled'> {
  /** The slot whose place it freed, or `null` if it was waitlisted. */
  readonly slotId: string | null;
  /** The reason given, or `null`. */
  readonly reason: string | null;
}

/** A booked token was marked as a no-show. */
export interface TokenNoShowEvent extends TokenEventBase<'token:no-show'> {
  /** The slot whose place it freed. */
  readonly slotId: string;
  /** `manual` for {@link opd-scheduler!OpdScheduler.markNoShow}, `sweep` for {@link opd-scheduler!OpdScheduler.sweep}. */
  readonly reason: 'manual' | 'sweep';
}

/** A patient checked in. */
export interface TokenCheckedInEvent extends TokenEventBase<'token:checked-in'> {
  /** The slot of the place. */
  readonly slotId: string;
}

/** A consultation started. */
export interface TokenConsultationStartedEvent extends TokenEventBase<'token:consultation-started'> {
  /** The slot of the place. */
  readonly slotId: string;
}

/** A consultation was completed. */
export interface TokenCompletedEvent extends TokenEventBase<'token:completed'> {
  /** The slot of the place. */
  readonly slotId: string;
}

/** A place was held for a patient until `holdExpiresAt` (pay, then confirm). */
export interface TokenHeldEvent extends TokenEventBase<'token:held'> {
  /** The slot of the held place. */
  readonly slotId: string;
  /** The request channel. */
  readonly category: Category;
  /** Its rank. */
  readonly rank: number;
  /** When the hold ends unless confirmed. */
  readonly holdExpiresAt: Date;
  /** The request that made the hold; absent in events stored before requests were recorded. */
  readonly request?: RecordedRequest | null | undefined;
}

/** A hold was confirmed: the token is `BOOKED` in the same place. */
export interface TokenConfirmedEvent extends TokenEventBase<'token:confirmed'> {
  /** The slot of the place. */
  readonly slotId: string;
}

/**
 * A hold was given up before it ended: released by the caller (`released`), because its slot
 * closed (`slot-closed`), or because a bump fell on it — a hold is a bumpable place of its
 * category's rank, like a booked one, and is released instead of moved: by an emergency's bump
 * (`emergency`), or by another bump the overflow strategy allows (`bumped`). The token is
 * `CANCELLED`; promotions into the freed place follow (for a bump, the bumping token takes it).
 */
export interface TokenReleasedEvent extends TokenEventBase<'token:released'> {
  /** The slot whose place it freed. */
  readonly slotId: string;
  /** Why the hold ended. */
  readonly reason: 'released' | 'slot-closed' | 'emergency' | 'bumped';
  /** For a hold a bump released (`emergency`, `bumped`): the token that took its place; absent otherwise. */
  readonly byTokenId?: string | undefined;
}

/**
 * A token ended unserved by time, `CANCELLED` with the `reason` as its `cancelReason`:
 * `'hold-expired'`, a hold that reached `holdExpiresAt` unconfirmed (promotions into the freed
 * place follow); `'day-closed'`, a token its day's closing ended (`closeDay`, or a sweep once the
 * day is over): waiting, booked or checked in and never seen.
 */
export interface TokenExpiredEvent extends TokenEventBase<'token:expired'> {
  /**
   * The slot whose place it freed; `null` for a waitlisted token a day's closing ended. (Always
   * a slot id in events stored before days could be closed.)
   */
  readonly slotId: string | null;
  /** When the hold ended; `null` for a token that was not a hold. */
  readonly holdExpiresAt: Date | null;
  /**
   * Why it expired: `'hold-expired'` or `'day-closed'`. Events stored before days could be
   * closed have none (they are all holds).
   */
  readonly reason: ExpiryReason;
  /** For `'day-closed'`, the status the token had when its day closed; `'HELD'` for a hold. */
  readonly fromStatus: UnseenStatus;
}

/** Why a token expired: see {@link TokenExpiredEvent}. */
export type ExpiryReason = 'hold-expired' | 'day-closed';

/**
 * The statuses of a token that a day's closing ends, "never seen": waiting (`WAITLISTED`), held
 * (`HELD`), booked (`BOOKED`) or checked in and never called into consultation (`CHECKED_IN`). A
 * token `IN_CONSULTATION` is being seen and is left to its doctor.
 */
export type UnseenStatus = 'WAITLISTED' | 'HELD' | 'BOOKED' | 'CHECKED_IN';
