/** The events of follow-ups: a visit's next visit booked, due, or cancelled (`OpdScheduler.bookFollowUp`). */
import type { OpdEventBase } from './base.js';

/** Fields of every follow-up event. */
export interface FollowUpEventBase<T extends string> extends OpdEventBase<T> {
  /** The follow-up (one per visit). */
  readonly followUpId: string;
  /** The visit it follows (the token it was asked from). */
  readonly fromTokenId: string;
  /** The local date it is due on, `YYYY-MM-DD`. */
  readonly dueDate: string;
}

/**
 * A follow-up got its token: a `FOLLOW_UP` token in the earliest usable place of its window
 * (`token:booked` of that token came just before). `doctorId` is the visit's doctor; the token's
 * doctor is `toDoctorId`.
 */
export interface FollowUpBookedEvent extends FollowUpEventBase<'followup:booked'> {
  /** The follow-up's token. */
  readonly toTokenId: string;
  /** The doctor it is booked with. */
  readonly toDoctorId: string;
  /** The local date of its token. */
  readonly toDay: string;
}

/**
 * A follow-up found no place in its window: it is due, not lost. It is listed by `dueFollowUps`
 * and tried again by every `sweep` until it is booked or cancelled (`cancelFollowUp`).
 */
export interface FollowUpDueEvent extends FollowUpEventBase<'followup:due'> {
  /** The first local date of its window. */
  readonly from: string;
  /** The last local date of its window. */
  readonly to: string;
}

/** A due follow-up was cancelled by the caller (`cancelFollowUp`): it is no longer tried. */
export interface FollowUpCancelledEvent extends FollowUpEventBase<'followup:cancelled'> {
  /** Why, as the caller gave it, or `null`. */
  readonly reason: string | null;
}
