import { invalid } from '../errors.js';
import { readObject } from '../validate.js';

const ALLOWED: ReadonlySet<string> = new Set(['maxPassed']);

/** A patient waiting in the doctor's queue when another comes back: what a re-entry policy may weigh, never patient data. */
export interface WaitingPatient {
  /** The token. */
  readonly tokenId: string;
  /** The request channel. */
  readonly category: string;
  /** Its rank (lower is more urgent). */
  readonly rank: number;
}

/**
 * What a re-entry policy sees when a patient who has seen the doctor is sent back to the doctor
 * (from the lab with the report, say).
 */
export interface ReentryContext {
  /** When the patient comes back. */
  readonly at: Date;
  /** The patient coming back. */
  readonly returning: WaitingPatient & {
    /** The kind of the service point the patient comes back from (`'lab'`). */
    readonly from: string;
  };
  /**
   * The patients waiting to be called by the doctor now, in the order they would be called,
   * emergencies left out (they go first whatever the policy says).
   */
  readonly waiting: readonly WaitingPatient[];
}

/**
 * Decides where a patient sent back to the doctor re-enters the doctor's queue (the constructor
 * option `reentry`): how many of the patients waiting now may still be called before them.
 * Patients who arrive later never pass them, and emergencies always go first. The patient keeps
 * the token and its place: a re-entry is never a new booking, and never a duplicate.
 *
 * @example
 * ```ts
 * import type { ReentryPolicy } from 'opd-scheduler';
 *
 * // Behind the patients of the emergency and paid channels who are waiting now, ahead of the rest.
 * const afterPriority: ReentryPolicy = {
 *   name: 'after-priority',
 *   passed: (c) => c.waiting.filter((w) => w.category === 'PAID_PRIORITY').length,
 * };
 * ```
 */
export interface ReentryPolicy {
  /** Short name, shown in errors and in `explain`. */
  readonly name: string;
  /**
   * How many of `context.waiting`, taken from the front, are called before the returning patient.
   * @returns an integer from 0 to `context.waiting.length`
   */
  passed(context: ReentryContext): number;
}

/** Options of {@link ReturnAhead}. */
export interface ReturnAheadOptions {
  /**
   * How many of the patients waiting when the patient comes back may still be called before them
   * (an integer from 0 to 100; 0 by default: the patient back from the lab is called next, after
   * emergencies and anyone already called).
   */
  readonly maxPassed?: number | undefined;
}

/**
 * The built-in re-entry policy: a patient sent back to the doctor goes ahead of the patients not
 * yet seen, after at most `maxPassed` of those waiting when they came back (0 by default).
 */
export class ReturnAhead implements ReentryPolicy {
  readonly name = 'return-ahead';
  /** How many waiting patients may still go first. */
  readonly maxPassed: number;

  /**
   * @param options - `maxPassed` (0 by default)
   * @throws OpdError `VALIDATION_FAILED` when `maxPassed` is not an integer from 0 to 100
   */
  constructor(options: ReturnAheadOptions = {}) {
    const o = readObject('reentry', options, ALLOWED);
    const max = o['maxPassed'] ?? 0;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 100)
      throw invalid('reentry.maxPassed', '`maxPassed` must be an integer from 0 to 100');
    this.maxPassed = max;
  }

  /** At most `maxPassed` of the patients waiting now. */
  passed(context: ReentryContext): number {
    return Math.min(this.maxPassed, context.waiting.length);
  }
}
