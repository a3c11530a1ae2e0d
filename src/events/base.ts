/** The fields every event carries, and the words events share. */

/** Why a token lost its place without asking to. */
export type DisplacementReason = 'bumped' | 'slot-closed' | 'capacity-lowered';

/**
 * Which rule gave a new token its place (`token:booked`): a free place of its slot
 * (`free-place`), an elastic place beyond capacity (`elastic-place`), the place of a worse-ranked
 * token it bumped (`bump`), or a free place of a later slot because its slot was full
 * (`next-slot`).
 */
export type PlacementRule = 'free-place' | 'elastic-place' | 'bump' | 'next-slot';

/** Fields every event carries. */
export interface OpdEventBase<T extends string> {
  /** The event name. */
  readonly type: T;
  /**
   * Increasing number in storage order; `history({ after: seq })` resumes after it.
   * `0` in the effects of a dry run, which stores nothing.
   */
  readonly seq: number;
  /** When it happened (the scheduler's clock). */
  readonly at: Date;
  /** The doctor whose schedule changed. */
  readonly doctorId: string;
  /**
   * Who made the call that caused the event — a member of staff or a system, as the caller
   * named it with the call's `actor` option (for example `'desk-1'` or `'portal'`) — or `null`
   * when the call named nobody. Every event a call causes carries the call's actor, including
   * its consequences (bumps, cascades, promotions). It names staff, never a patient.
   */
  readonly actor: string | null;
}

/** Fields of events about one token. */
export interface TokenEventBase<T extends string> extends OpdEventBase<T> {
  /** The token. */
  readonly tokenId: string;
  /** Its token number. */
  readonly tokenNumber: number;
  /** Its label, the number shown to the patient and on display boards (`'7'`, `'E-1'`). */
  readonly label: string;
  /** Its local date, `YYYY-MM-DD`. */
  readonly day: string;
}

/**
 * The request that made a new token, as the call gave it, so that a replay of the history
 * (`opd-scheduler/lab`) can issue it again. It names no patient: a replay gives each token a
 * pseudonym.
 */
export interface RecordedRequest {
  /** The request channel. */
  readonly category: string;
  /** The slot asked for, or `null`. */
  readonly slotId: string | null;
  /** The local date asked for (`YYYY-MM-DD`), or `null`. */
  readonly date: string | null;
  /** The earliest start asked for, as an ISO 8601 instant, or `null`. */
  readonly after: string | null;
  /** For a hold, the minutes it lasts; `null` for a booking. */
  readonly holdMinutes: number | null;
}
