import { invalid } from '../errors.js';
import { MINUTE } from '../time.js';
import type { Slot } from '../types.js';
import { expectInteger, isPlainObject, readObject } from '../validate.js';
import { nameCategories } from './priority.js';

/**
 * What a quota strategy sees when a request could take a place in a slot. Counts are of places
 * (`BOOKED`, `CHECKED_IN`, `IN_CONSULTATION`, `COMPLETED`); when the request would take a bumped
 * token's place, that token is already left out of every count.
 */
export interface QuotaContext {
  /** The slot the request could take a place in. */
  readonly slot: Slot;
  /** The request channel. */
  readonly category: string;
  /** The request's rank. */
  readonly rank: number;
  /** Places in the slot, of every category. */
  readonly occupancy: number;
  /**
   * Places of `category` in the slot.
   * @param category - a category name
   */
  readonly placesOf: (category: string) => number;
  /**
   * Places of `category` in every slot of the slot's doctor-day (this slot included).
   * @param category - a category name
   */
  readonly dayPlacesOf: (category: string) => number;
  /** The scheduler's current time. */
  readonly now: Date;
}

/**
 * Caps what each channel may take of a slot or a day, and keeps places for a channel. Consulted
 * whenever a place is given to a request that is not an emergency: a booking, a move to the
 * next slot, a bump, a cascade, a promotion from the waitlist. When it refuses, the slot counts
 * as full for that request and the overflow strategy decides what happens (bump, next slot,
 * waitlist or `SLOT_FULL`); a bump is made only if the quota admits the request in its victim's
 * place. A quota never takes a place away from anyone, and requests the overflow strategy
 * protects (emergencies) are never subject to it.
 *
 * It must be a pure function of its context: the scheduler may ask it more or fewer times than
 * once per place.
 *
 * @example
 * ```ts
 * import type { QuotaStrategy } from 'opd-scheduler';
 *
 * // At most 2 follow-ups per slot, whatever the capacity.
 * const followUps: QuotaStrategy = {
 *   name: 'follow-ups(2)',
 *   admits: (c) => c.category !== 'FOLLOW_UP' || c.placesOf('FOLLOW_UP') < 2,
 * };
 * ```
 */
export interface QuotaStrategy {
  /** Short name, shown in errors. */
  readonly name: string;
  /**
   * Whether the request may take one more place in the slot.
   * @param context - the slot, its places by category, and the request
   * @returns `true` to admit it, `false` when the slot counts as full for it
   */
  admits(context: QuotaContext): boolean;
}

/**
 * The quota of one channel in {@link ChannelQuota}. Every field is optional; limits combine (the
 * request must be under each of them).
 */
export interface ChannelRule {
  /**
   * At most this share of each slot's `capacity` (rounded down): `0.6` lets 6 of 10 places go
   * to the channel. A number from 0 to 1.
   */
  readonly share?: number | undefined;
  /** At most this many places of each slot. A non-negative integer. */
  readonly count?: number | undefined;
  /** At most this many places per doctor-day, across its slots. A non-negative integer. */
  readonly perDay?: number | undefined;
  /**
   * Places of each slot kept for this channel: other channels may not take them until
   * `releaseMinutesBefore` minutes before the slot starts. Places the channel already holds
   * count towards it. A non-negative integer.
   */
  readonly reserve?: number | undefined;
  /**
   * When reserved places open to everyone: this many minutes before the slot's start. Only
   * with `reserve`.
   * @defaultValue 0 (at the slot's start)
   */
  readonly releaseMinutesBefore?: number | undefined;
}

/**
 * Options of {@link ChannelQuota}: a {@link ChannelRule} per category name. Emergencies are never
 * subject to a quota, so `EMERGENCY` may reserve places but takes no cap.
 */
export type ChannelQuotaOptions = Readonly<Record<string, ChannelRule>>;

const RULE_KEYS: ReadonlySet<string> = new Set(['share', 'count', 'perDay', 'reserve', 'releaseMinutesBefore']);

interface Rule {
  readonly category: string;
  readonly cap: ((slotCapacity: number) => number) | undefined;
  readonly perDay: number | undefined;
}

interface Reservation {
  readonly category: string;
  readonly places: number;
  readonly releaseMs: number;
}

/**
 * The built-in quota: per-channel caps per slot (`share` of its capacity, `count`) or per day
 * (`perDay`), and places reserved for a channel (`reserve`) until some minutes before the slot's
 * start (`releaseMinutesBefore`).
 *
 * A request of a capped channel is admitted while the channel holds fewer places than its caps.
 * While a reservation holds, a request of another channel is admitted only if the places left
 * after the unfilled reserved places (`reserve` minus what the reserving channel already holds)
 * are not all taken.
 *
 * @example
 * ```ts
 * import { ChannelQuota, OpdScheduler } from 'opd-scheduler';
 *
 * new OpdScheduler({
 *   quota: new ChannelQuota({
 *     ONLINE: { share: 0.6 },                               // online at most 60 % of a slot
 *     FOLLOW_UP: { perDay: 10 },                            // 10 follow-ups a day
 *     WALK_IN: { reserve: 2, releaseMinutesBefore: 30 },    // 2 walk-in places until 30 min before
 *   }),
 * });
 * ```
 * @throws `OpdError` `VALIDATION_FAILED` naming the offending field (`quota.ONLINE.share`) for a
 *   bad or unreadable option (every option is read once, and copied)
 */
export class ChannelQuota implements QuotaStrategy {
  /** @inheritDoc */
  readonly name: string;
  /**
   * The categories its rules name, as given. A scheduler refuses a quota naming a category its
   * priority policy does not accept: such a rule could never apply.
   */
  readonly categories: readonly string[];
  readonly #rules: ReadonlyMap<string, Rule>;
  readonly #reservations: readonly Reservation[];

  /** @param options - see {@link ChannelQuotaOptions} */
  constructor(options: ChannelQuotaOptions) {
    if (!isPlainObject(options)) throw invalid('quota', 'Expected the quota options to be an object of rules by category');
    // Every field read once, into copies: what is checked is what is used.
    const table = readObject('quota', options);
    const rules = new Map<string, Rule>();
    const reservations: Reservation[] = [];
    const names: string[] = [];
    for (const category of Object.keys(table)) {
      const field = `quota.${category}`;
      if (category.length === 0 || category.length > 40) throw invalid('quota', 'Expected category names of 1 to 40 characters');
      const rule = readObject(field, table[category], RULE_KEYS) as ChannelRule;
      const share = rule.share;
      if (share !== undefined && (typeof share !== 'number' || !(share >= 0 && share <= 1))) {
        throw invalid(`${field}.share`, `Expected \`${field}.share\` to be a number from 0 to 1, got ${shownNumber(share)}`);
      }
      const count = rule.count === undefined ? undefined : expectInteger(`${field}.count`, rule.count, 0);
      const perDay = rule.perDay === undefined ? undefined : expectInteger(`${field}.perDay`, rule.perDay, 0);
      const reserve = rule.reserve === undefined ? undefined : expectInteger(`${field}.reserve`, rule.reserve, 0);
      const release = rule.releaseMinutesBefore;
      if (release !== undefined) {
        if (reserve === undefined) throw invalid(`${field}.releaseMinutesBefore`, `\`${field}.releaseMinutesBefore\` needs \`${field}.reserve\``);
        if (typeof release !== 'number' || !Number.isFinite(release) || release < 0 || release > 7 * 24 * 60) {
          throw invalid(
            `${field}.releaseMinutesBefore`,
            `Expected \`${field}.releaseMinutesBefore\` to be a number of minutes from 0 to 10080, got ${shownNumber(release)}`,
          );
        }
      }
      const capped = share !== undefined || count !== undefined || perDay !== undefined;
      if (capped && category === 'EMERGENCY') {
        throw invalid(field, 'An emergency is never capped by a quota: `quota.EMERGENCY` may only reserve places');
      }
      if (!capped && reserve === undefined) throw invalid(field, `Expected \`${field}\` to set at least one of share, count, perDay or reserve`);
      if (capped) {
        const cap =
          share === undefined && count === undefined
            ? undefined
            : (capacity: number): number => Math.min(share === undefined ? Infinity : Math.floor(share * capacity + 1e-9), count ?? Infinity);
        rules.set(category, { category, cap, perDay });
      }
      if (reserve !== undefined && reserve > 0) reservations.push({ category, places: reserve, releaseMs: (release ?? 0) * MINUTE });
      const parts = [
        share === undefined ? '' : `share ${share}`,
        count === undefined ? '' : `count ${count}`,
        perDay === undefined ? '' : `perDay ${perDay}`,
        reserve === undefined ? '' : `reserve ${reserve}${release === undefined ? '' : ` until -${release}min`}`,
      ].filter((p) => p !== '');
      names.push(`${category}: ${parts.join(', ')}`);
    }
    this.#rules = rules;
    this.#reservations = reservations;
    this.categories = Object.freeze(Object.keys(table));
    nameCategories(
      this,
      this.categories.map((category) => ({ field: category, category })),
    );
    this.name = `channel-quota(${names.join('; ')})`;
  }

  /** @inheritDoc */
  admits(context: QuotaContext): boolean {
    const { category } = context;
    const capacity = context.slot.capacity;
    const counts = context;
    const rule = this.#rules.get(category);
    if (rule !== undefined) {
      if (rule.cap !== undefined && counts.placesOf(category) >= rule.cap(capacity)) return false;
      if (rule.perDay !== undefined && counts.dayPlacesOf(category) >= rule.perDay) return false;
    }
    if (this.#reservations.length === 0) return true;
    const start = context.slot.start.getTime();
    const now = context.now.getTime();
    let held = 0;
    for (const r of this.#reservations) {
      if (r.category === category || now >= start - r.releaseMs) continue;
      held += Math.max(0, r.places - counts.placesOf(r.category));
    }
    return held === 0 || counts.occupancy + held < capacity;
  }
}

function shownNumber(value: unknown): string {
  return typeof value === 'number' ? `\`${String(value)}\`` : typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}
