import { invalid } from '../errors.js';
import { MINUTE, shown } from '../time.js';
import { isPlainObject, readObject } from '../validate.js';
import { nameCategories, policyOptions } from './priority.js';

/** A checked-in patient the call order places: what it may weigh, never patient data. */
export interface CallCandidate {
  /** The token. */
  readonly tokenId: string;
  /** The slot of its place. */
  readonly slotId: string;
  /** The request channel. */
  readonly category: string;
  /** Its rank (lower is more urgent). */
  readonly rank: number;
  /** When the patient became due: the later of the request and the start of the place's slot. */
  readonly dueAt: Date;
}

/** A patient of the doctor-day already called, as the call order reads the day's calls. */
export interface CalledPatient {
  /** The token. */
  readonly tokenId: string;
  /** The request channel. */
  readonly category: string;
  /** Its rank. */
  readonly rank: number;
  /** Whether it was an emergency (called first, whatever the order). */
  readonly emergency: boolean;
}

/**
 * What a call order sees: the checked-in patients still to call, and the doctor-day's calls so
 * far. Emergencies and patients already called (who keep their turn until their consultation
 * starts) are not among the candidates: the scheduler calls them first.
 */
export interface CallOrderContext {
  /** When the first of the candidates is called (now, or when the doctor is next free). */
  readonly at: Date;
  /** Minutes between one call and the next, at the day's pace: how far to look ahead. */
  readonly minutesPerCall: number;
  /**
   * The candidates in queue order (slot by slot in time order; within a slot by rank, request
   * time, token number): ties of any order go the way of this list.
   */
  readonly candidates: readonly CallCandidate[];
  /** The doctor-day's calls so far (first calls only, not recalls), oldest first. */
  readonly calls: readonly CalledPatient[];
}

/**
 * Decides in which order the checked-in patients of a doctor-day are called (the constructor
 * option `callOrder`). `callNext` calls the first of the order, and positions and estimated
 * starts follow the whole order, so it must be a pure function of its context: the scheduler
 * asks it whenever it needs the order, as many times as it needs.
 *
 * Whatever the order says, emergencies are called first, and a patient already called keeps the
 * turn until the consultation starts.
 *
 * @example
 * ```ts
 * import type { CallOrderPolicy } from 'opd-scheduler';
 *
 * // Longest wait first, whatever the category (what Qmatic calls "maximum waiting time").
 * const longestWait: CallOrderPolicy = {
 *   name: 'longest-wait',
 *   order: (c) => [...c.candidates].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime()).map((x) => x.tokenId),
 * };
 * ```
 */
export interface CallOrderPolicy {
  /** Short name, shown in errors. */
  readonly name: string;
  /**
   * The order in which the candidates will be called.
   * @param context - the candidates in queue order and the day's calls so far
   * @returns every candidate's `tokenId`, once each, first to be called first
   */
  order(context: CallOrderContext): readonly string[];
  /**
   * The longest, in minutes, the order lets a patient wait before calling them first, if it has
   * such a limit (`FairCallOrder`'s `maxWaitMinutes`): a patient sent back to the doctor
   * (`forward`, `ReentryPolicy`) never goes before a patient waiting longer than this.
   * `null` or absent: no limit.
   */
  readonly maxWaitMinutes?: number | null | undefined;
}

/** Options of {@link FairCallOrder}. Every field is optional. */
export interface FairCallOrderOptions {
  /**
   * How fast each category's priority grows, per minute waited since the patient was due
   * (accumulating priority): the patient whose rate × minutes waited is highest is called next.
   * Categories not named grow at 1. Numbers from 0.001 to 1000.
   * @defaultValue `{ PAID: 4, FOLLOW_UP: 3, ONLINE: 2, WALK_IN: 1 }`
   */
  readonly rates?: Readonly<Record<string, number>> | undefined;
  /**
   * After this many calls in a row of patients more urgent (by rank) than the least urgent one
   * waiting, the next call is one of the least urgent (Brazil's two priorities, then one regular:
   * `interleaveEvery: 2`). An integer from 1 to 1000.
   * @defaultValue no interleaving
   */
  readonly interleaveEvery?: number | undefined;
  /**
   * A patient who has waited longer than this many minutes since due is called before anyone
   * who has not (emergencies aside); among them, the one who has waited longest. A number of
   * minutes from 1 to 1440.
   * @defaultValue no limit
   */
  readonly maxWaitMinutes?: number | undefined;
}

/** The rates {@link FairCallOrder} uses when none are given. */
export const DEFAULT_CALL_RATES: Readonly<Record<string, number>> = Object.freeze({ PAID: 4, FOLLOW_UP: 3, ONLINE: 2, WALK_IN: 1 });

const KEYS = ['rates', 'interleaveEvery', 'maxWaitMinutes'] as const;

/**
 * The built-in call order: accumulating priority (a rate per category × minutes waited since
 * due), one of the least urgent patients after every `interleaveEvery` calls of more urgent
 * ones, and anyone waiting longer than `maxWaitMinutes` first. Ties go by queue order. The
 * order is projected forward: each call is decided at the time it will be made (`at`, then one
 * `minutesPerCall` later for each call before it), counting the calls before it.
 *
 * @example
 * ```ts
 * import { FairCallOrder, OpdScheduler } from 'opd-scheduler';
 *
 * // Priorities go first, but two of them at most before a walk-in, and nobody waits past 2 hours.
 * const opd = new OpdScheduler({ callOrder: new FairCallOrder({ interleaveEvery: 2, maxWaitMinutes: 120 }) });
 * ```
 */
export class FairCallOrder implements CallOrderPolicy {
  /** @inheritDoc */
  readonly name: string;
  /** The rate of each category named (others grow at 1). */
  readonly rates: Readonly<Record<string, number>>;
  /** Calls of more urgent patients in a row before one of the least urgent, or `null`. */
  readonly interleaveEvery: number | null;
  /** The longest wait before a patient is called first, in minutes, or `null`. */
  readonly maxWaitMinutes: number | null;

  /** @param options - see {@link FairCallOrderOptions} */
  constructor(options?: FairCallOrderOptions) {
    const o = policyOptions('FairCallOrder', options, KEYS);
    let rates: Record<string, number> = { ...DEFAULT_CALL_RATES };
    if (o['rates'] !== undefined) {
      if (!isPlainObject(o['rates'])) throw invalid('rates', `Expected \`rates\` to be an object of rates by category, got ${shown(o['rates'])}`);
      const given = readObject('rates', o['rates']);
      rates = {};
      for (const [category, rate] of Object.entries(given)) {
        if (category.length === 0 || category.length > 40) throw invalid('rates', 'Expected category names of 1 to 40 characters');
        if (typeof rate !== 'number' || !(rate >= 0.001 && rate <= 1000)) {
          throw invalid(`rates.${category}`, `Expected \`rates.${category}\` to be a number from 0.001 to 1000, got ${shown(rate)}`);
        }
        rates[category] = rate;
      }
      nameCategories(
        this,
        Object.keys(rates).map((category) => ({ field: `rates.${category}`, category })),
      );
    }
    const every = o['interleaveEvery'];
    if (every !== undefined && (typeof every !== 'number' || !Number.isInteger(every) || every < 1 || every > 1000)) {
      throw invalid('interleaveEvery', `Expected \`interleaveEvery\` to be an integer from 1 to 1000, got ${shown(every)}`);
    }
    const most = o['maxWaitMinutes'];
    if (most !== undefined && (typeof most !== 'number' || !(most >= 1 && most <= 1440))) {
      throw invalid('maxWaitMinutes', `Expected \`maxWaitMinutes\` to be a number of minutes from 1 to 1440, got ${shown(most)}`);
    }
    this.rates = Object.freeze(rates);
    this.interleaveEvery = every ?? null;
    this.maxWaitMinutes = most ?? null;
    const parts = [
      Object.entries(rates)
        .map(([c, r]) => `${c} ${r}`)
        .join(', '),
      this.interleaveEvery === null ? '' : `interleave ${this.interleaveEvery}`,
      this.maxWaitMinutes === null ? '' : `max wait ${this.maxWaitMinutes} min`,
    ].filter((p) => p !== '');
    this.name = `fair-call-order(${parts.join('; ')})`;
  }

  /** @inheritDoc */
  order(context: CallOrderContext): readonly string[] {
    const remaining = context.candidates.map((c, index) => ({ c, index, due: c.dueAt.getTime(), rate: this.rates[c.category] ?? 1 }));
    // The ranks of the calls made (and projected), emergencies left out: they pass everyone.
    const calls = context.calls.filter((c) => !c.emergency).map((c) => c.rank);
    const step = context.minutesPerCall * MINUTE;
    const out: string[] = [];
    let at = context.at.getTime();
    while (remaining.length > 0) {
      const k = this.#next(remaining, calls, at);
      const [chosen] = remaining.splice(k, 1);
      out.push(chosen!.c.tokenId);
      calls.push(chosen!.c.rank);
      at += step;
    }
    return out;
  }

  /** The index in `remaining` of the patient called at `at`, after the calls of ranks `calls`. */
  #next(
    remaining: readonly { readonly c: CallCandidate; readonly index: number; readonly due: number; readonly rate: number }[],
    calls: readonly number[],
    at: number,
  ): number {
    const waited = (k: number): number => Math.max(0, at - remaining[k]!.due);
    // Ties keep the queue order: the candidates came in it, and `remaining` keeps it.
    if (this.maxWaitMinutes !== null) {
      const limit = this.maxWaitMinutes * MINUTE;
      let longest = -1;
      for (let k = 0; k < remaining.length; k++) if (waited(k) > limit && (longest < 0 || waited(k) > waited(longest))) longest = k;
      if (longest >= 0) return longest;
    }
    const best = (allowed: (k: number) => boolean): number => {
      let top = -1;
      for (let k = 0; k < remaining.length; k++) {
        if (!allowed(k)) continue;
        if (top < 0 || remaining[k]!.rate * waited(k) > remaining[top]!.rate * waited(top)) top = k;
      }
      return top;
    };
    const top = best(() => true);
    if (this.interleaveEvery !== null) {
      let worst = remaining[0]!.c.rank;
      for (const r of remaining) worst = Math.max(worst, r.c.rank);
      if (remaining[top]!.c.rank < worst) {
        let run = 0;
        for (let k = calls.length - 1; k >= 0 && calls[k]! < worst; k--) run++;
        if (run >= this.interleaveEvery) return best((k) => remaining[k]!.c.rank === worst);
      }
    }
    return top;
  }
}
