/** The events of a doctor's pause (`OpdScheduler.pauseDoctor`, `OpdScheduler.resumeDoctor`). */
import type { OpdEventBase } from './base.js';

/** A doctor paused: nobody is called, and no estimated start falls, before `until`; nobody lost a place. */
export interface DoctorPausedEvent extends OpdEventBase<'doctor:paused'> {
  /** The doctor-day's local date. */
  readonly day: string;
  /** When the pause ends by itself. */
  readonly until: Date;
  /** Its length in minutes. */
  readonly minutes: number;
  /** Why, as the caller gave it, or `null`. */
  readonly reason: string | null;
}

/** A doctor resumed before the pause's end: the estimates move back. */
export interface DoctorResumedEvent extends OpdEventBase<'doctor:resumed'> {
  /** The doctor-day's local date. */
  readonly day: string;
  /** When the pause began. */
  readonly pausedAt: Date;
  /** When it would have ended without the resume. */
  readonly until: Date;
}
