import { invalid } from '../errors.js';
import { MINUTE } from '../time.js';
import type { Slot } from '../types.js';
import { isPlainObject, readObject } from '../validate.js';

/**
 * What an offer policy sees when a freed place could be offered: the slot, which group would be
 * offered, and the time, also as the scheduler's local wall clock (for quiet hours).
 */
export interface OfferContext {
  /** The slot of the freed place. */
  readonly slot: Slot;
  /** The group that would be offered, from 1 (the first group of candidates). */
  readonly round: number;
  /** The scheduler's current time. */
  readonly now: Date;
  /** The local date of `now` in the scheduler's time zone, `YYYY-MM-DD`. */
  readonly localDate: string;
  /** Minutes since local midnight of `now` in the scheduler's time zone (0 to 1439). */
  readonly localMinute: number;
  /**
   * The instant a local date and wall-clock minute show in the scheduler's time zone.
   * @param date - a local date, `YYYY-MM-DD`
   * @param minute - minutes since local midnight
   */
  readonly atLocal: (date: string, minute: number) => Date;
}

/**
 * What to do with a freed place: offer it to up to `groupSize` candidates who must answer by
 * `expiresAt` (`earlierSlots`: booked patients of later slots of the day may be offered it after
 * the waitlist); hold it and offer it at `until` (quiet hours); or promote into it at once, as
 * without offers.
 */
export type OfferDecision = OfferNow | OfferLater | OfferNot;

/**
 * {@link OfferDecision}: offer the place now.
 *
 * @inline
 */
export interface OfferNow {
  /** Always `'offer'`. */
  readonly kind: 'offer';
  /** How many candidates to offer it to at once (a positive integer). */
  readonly groupSize: number;
  /** When their offers lapse unanswered (after now). */
  readonly expiresAt: Date;
  /** Whether booked patients of later slots may be offered it after the waitlist. */
  readonly earlierSlots: boolean;
}

/**
 * {@link OfferDecision}: hold the place, and offer it at `until` (the end of quiet hours).
 *
 * @inline
 */
export interface OfferLater {
  /** Always `'wait'`. */
  readonly kind: 'wait';
  /** When to offer it (after now). */
  readonly until: Date;
}

/**
 * {@link OfferDecision}: promote into the place at once, as without offers.
 *
 * @inline
 */
export interface OfferNot {
  /** Always `'promote'`. */
  readonly kind: 'promote';
}

/**
 * Decides how a freed place is offered (the constructor option `offers`). Asked when a place
 * frees (a cancellation, a no-show, a hold released or expired, a capacity raised, a patient moved
 * out, a slot reopened) and again each time a group of candidates lets its window pass. While a
 * place is offered (or waiting to be) it counts as taken for capacity and quotas; only an
 * emergency may take it, which withdraws the offer.
 *
 * It must be a pure function of its context: the scheduler may ask it more or fewer times than
 * once per place.
 *
 * @example
 * ```ts
 * import type { OfferPolicy } from 'opd-scheduler';
 *
 * // Offer every freed place to three patients at once, for ten minutes.
 * const threeAtOnce: OfferPolicy = {
 *   name: 'three-at-once',
 *   offer: (c) => ({ kind: 'offer', groupSize: 3, expiresAt: new Date(c.now.getTime() + 10 * 60_000), earlierSlots: false }),
 * };
 * ```
 */
export interface OfferPolicy {
  /** Short name, shown in errors. */
  readonly name: string;
  /**
   * What to do with a freed place now.
   * @param context - the slot, the group and the time
   * @returns an offer, a wait, or a promotion
   */
  offer(context: OfferContext): OfferDecision;
}

/** Local hours in which no offer is sent, `'HH:MM'` from (inclusive) to (exclusive); may span midnight. */
export interface QuietHours {
  /** When the quiet hours begin, local `'HH:MM'`. */
  readonly from: string;
  /** When they end (the morning), local `'HH:MM'`. */
  readonly to: string;
}

/** Options of {@link StagedOffers}. */
export interface StagedOffersOptions {
  /** Minutes each group has to answer. A number from 1 to 1440. */
  readonly windowMinutes: number;
  /**
   * Candidates offered at once; the first to accept wins.
   * @defaultValue 1
   */
  readonly groupSize?: number | undefined;
  /**
   * No offer is made (nor a group's window runs) within this many minutes of the slot's start:
   * the place is promoted into as without offers.
   * @defaultValue 0
   */
  readonly stopMinutesBeforeStart?: number | undefined;
  /**
   * After the waitlist, offer the place to `BOOKED` patients of later slots of the same day
   * (pulling them forward; the place each leaves is offered in turn).
   * @defaultValue false
   */
  readonly earlierSlots?: boolean | undefined;
  /**
   * Local hours without offers: a place freed then waits for the morning (`to`), or is promoted
   * into at once when its slot starts before then.
   * @defaultValue none
   */
  readonly quietHours?: QuietHours | undefined;
}

const OPTION_KEYS: ReadonlySet<string> = new Set(['windowMinutes', 'groupSize', 'stopMinutesBeforeStart', 'earlierSlots', 'quietHours']);
const QUIET_KEYS: ReadonlySet<string> = new Set(['from', 'to']);

/**
 * The built-in offer policy: groups of `groupSize` candidates, each group with `windowMinutes`
 * to answer (never past `stopMinutesBeforeStart` before the slot's start), no offer within
 * `quietHours`, and, with `earlierSlots`, booked patients of later slots after the waitlist.
 *
 * @example
 * ```ts
 * import { OpdScheduler, StagedOffers } from 'opd-scheduler';
 *
 * const opd = new OpdScheduler({
 *   timeZone: 'Asia/Kolkata',
 *   offers: new StagedOffers({ windowMinutes: 15, groupSize: 3, stopMinutesBeforeStart: 30, quietHours: { from: '21:00', to: '07:00' } }),
 * });
 * ```
 */
export class StagedOffers implements OfferPolicy {
  /** @inheritDoc */
  readonly name: string;
  /** Minutes each group has to answer. */
  readonly windowMinutes: number;
  /** Candidates offered at once. */
  readonly groupSize: number;
  /** Minutes before a slot's start from which its places are promoted into rather than offered. */
  readonly stopMinutesBeforeStart: number;
  /** Whether booked patients of later slots are offered a place after the waitlist. */
  readonly earlierSlots: boolean;
  /** Quiet hours as minutes since local midnight, or `null`. */
  readonly #quiet: { readonly from: number; readonly to: number } | null;

  /** @param options - see {@link StagedOffersOptions} */
  constructor(options: StagedOffersOptions) {
    if (!isPlainObject(options)) throw invalid('offers', 'Expected the offer options to be an object with `windowMinutes`');
    const o = readObject('offers', options, OPTION_KEYS);
    this.windowMinutes = minutes('offers.windowMinutes', o['windowMinutes'], 1, 24 * 60);
    this.groupSize = o['groupSize'] === undefined ? 1 : count('offers.groupSize', o['groupSize']);
    this.stopMinutesBeforeStart =
      o['stopMinutesBeforeStart'] === undefined ? 0 : minutes('offers.stopMinutesBeforeStart', o['stopMinutesBeforeStart'], 0, 7 * 24 * 60);
    const earlier = o['earlierSlots'] ?? false;
    if (typeof earlier !== 'boolean') throw invalid('offers.earlierSlots', `Expected \`offers.earlierSlots\` to be a boolean, got \`${String(earlier)}\``);
    this.earlierSlots = earlier;
    if (o['quietHours'] === undefined) this.#quiet = null;
    else {
      const q = readObject('offers.quietHours', o['quietHours'], QUIET_KEYS);
      const from = clockMinute('offers.quietHours.from', q['from']);
      const to = clockMinute('offers.quietHours.to', q['to']);
      if (from === to) throw invalid('offers.quietHours', 'Expected `offers.quietHours.from` and `offers.quietHours.to` to differ');
      this.#quiet = { from, to };
    }
    this.name = `staged(${this.windowMinutes}m×${this.groupSize})`;
  }

  /** @inheritDoc */
  offer(context: OfferContext): OfferDecision {
    const now = context.now.getTime();
    const stopAt = context.slot.start.getTime() - this.stopMinutesBeforeStart * MINUTE;
    if (now >= stopAt) return { kind: 'promote' };
    const quiet = this.#quiet;
    if (quiet !== null && isQuiet(quiet, context.localMinute)) {
      // The morning: today's end of the quiet hours, or tomorrow's when they span midnight and began today.
      const date = quiet.from > quiet.to && context.localMinute >= quiet.from ? nextDate(context.localDate) : context.localDate;
      const morning = context.atLocal(date, quiet.to);
      return morning.getTime() >= stopAt ? { kind: 'promote' } : { kind: 'wait', until: morning };
    }
    return {
      kind: 'offer',
      groupSize: this.groupSize,
      expiresAt: new Date(Math.min(now + this.windowMinutes * MINUTE, stopAt)),
      earlierSlots: this.earlierSlots,
    };
  }
}

function isQuiet(quiet: { readonly from: number; readonly to: number }, minute: number): boolean {
  return quiet.from < quiet.to ? minute >= quiet.from && minute < quiet.to : minute >= quiet.from || minute < quiet.to;
}

function nextDate(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 24 * 60 * MINUTE).toISOString().slice(0, 10);
}

function minutes(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(field, `Expected \`${field}\` to be a number of minutes from ${min} to ${max}, got \`${String(value)}\``);
  }
  return value;
}

function count(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100) {
    throw invalid(field, `Expected \`${field}\` to be an integer from 1 to 100, got \`${String(value)}\``);
  }
  return value;
}

function clockMinute(field: string, value: unknown): number {
  const match = typeof value === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value) : null;
  if (match === null) throw invalid(field, `Expected \`${field}\` to be a local time 'HH:MM', got \`${String(value)}\``);
  return Number(match[1]) * 60 + Number(match[2]);
}
