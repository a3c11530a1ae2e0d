/** The events of a visit's journey (`OpdScheduler.forward`). */
import type { TokenEventBase } from './base.js';

/** One end of a forward: a service point's queue, or the doctor's (`servicePointId` `null`). */
export interface ForwardedEnd {
  /** The service point, or `null` for the token's doctor. */
  readonly servicePointId: string | null;
  /** Its kind (`'lab'`), `'doctor'` for the doctor. */
  readonly kind: string;
}

/**
 * A patient moved to the next queue of the visit (`forward`): the token keeps its place, category
 * and due time. No patient data.
 */
export interface TokenForwardedEvent extends TokenEventBase<'token:forwarded'> {
  /** The slot of the token's place. */
  readonly slotId: string;
  /** The queue the patient left. */
  readonly from: ForwardedEnd;
  /** The queue the patient now waits in. */
  readonly to: ForwardedEnd;
  /** The route the token follows, or `null`. */
  readonly route: string | null;
  /** The index of the stage reached on the route, or `null`. */
  readonly stage: number | null;
  /** Why, as the caller gave it, or `null`. */
  readonly reason: string | null;
  /**
   * For a patient sent back to the doctor: the re-entry policy's name and how many of the
   * patients then waiting it let go first (`passed`); `null` otherwise.
   */
  readonly reentry: {
    /** The re-entry policy's name. */
    readonly policy: string;
    /** How many of the patients then waiting it let go first. */
    readonly passed: number;
  } | null;
}
