import { invalid } from '../errors.js';
import { shown } from '../time.js';
import { nameCategories, policyOptions } from './priority.js';
import { isStringArray } from '../validate.js';
import type { Slot } from '../types.js';

/** What a capacity strategy sees when a request meets a full slot. */
export interface ElasticContext {
  /** The full slot. */
  readonly slot: Slot;
  /** The request channel. */
  readonly category: string;
  /** The request's rank. */
  readonly rank: number;
  /** Places in the slot now (≥ `slot.capacity`). */
  readonly occupancy: number;
  /** The scheduler's current time. */
  readonly now: Date;
}

/**
 * Decides whether a request may take an *elastic* place beyond a full slot's capacity. Overflow
 * is derived, never stored: `overflowUsed = max(0, occupancy − capacity)`.
 */
export interface CapacityStrategy {
  /** Short name, shown in errors. */
  readonly name: string;
  /**
   * How many places beyond `slot.capacity` this request may fill up to: the request gets an
   * elastic place when `occupancy < capacity + elasticPlaces(context)`. Return `0` for none and
   * `Infinity` for no limit.
   * @param context - the full slot and the request
   */
  elasticPlaces(context: ElasticContext): number;
}

/** No elastic places: capacity is a hard limit for everyone. */
export class NoElasticCapacity implements CapacityStrategy {
  /** Always `'none'`. */
  readonly name = 'none';

  /** @inheritDoc */
  elasticPlaces(): number {
    return 0;
  }
}

const ELASTIC_KEYS: readonly string[] = ['categories', 'limit'];

/** Options of {@link ElasticCapacity}. */
export interface ElasticCapacityOptions {
  /**
   * Categories allowed elastic places. A scheduler refuses one its priority policy does not
   * accept (`capacity.categories[0]`): categories are case-sensitive, and it could never apply.
   * @defaultValue `['EMERGENCY']`
   */
  readonly categories?: readonly string[] | undefined;
  /**
   * How many elastic places per slot: `'slot'` uses each slot's `overflowCapacity`, a number
   * applies to every slot, `'unlimited'` never refuses.
   * @defaultValue `'slot'`
   */
  readonly limit?: number | 'slot' | 'unlimited' | undefined;
}

/**
 * Elastic places for some categories (emergencies, by default) up to a per-slot limit.
 *
 * @example
 * ```ts
 * import { ElasticCapacity } from 'opd-scheduler';
 *
 * new ElasticCapacity({ limit: 'unlimited' }); // an emergency always gets in
 * ```
 */
export class ElasticCapacity implements CapacityStrategy {
  /** @inheritDoc */
  readonly name: string;
  readonly #categories: ReadonlySet<string>;
  readonly #limit: number | 'slot';

  /** @param options - see {@link ElasticCapacityOptions} */
  constructor(options: ElasticCapacityOptions = {}) {
    const o = policyOptions('ElasticCapacity', options, ELASTIC_KEYS);
    const categories = o['categories'] === undefined ? ['EMERGENCY'] : o['categories'];
    if (!isStringArray(categories)) throw invalid('categories', 'Expected `categories` to be an array of category names');
    const limit = o['limit'] === undefined ? 'slot' : o['limit'];
    if (limit !== 'slot' && limit !== 'unlimited' && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0)) {
      throw invalid('limit', `Expected \`limit\` to be a non-negative integer, 'slot' or 'unlimited', got ${shown(limit)}`);
    }
    this.#categories = new Set(categories);
    if (o['categories'] !== undefined) nameCategories(this, categories.map((category, i) => ({ field: `categories[${i}]`, category })));
    this.#limit = limit === 'unlimited' ? Number.POSITIVE_INFINITY : limit;
    this.name = `elastic(${limit})`;
  }

  /** @inheritDoc */
  elasticPlaces(context: ElasticContext): number {
    if (!this.#categories.has(context.category)) return 0;
    return this.#limit === 'slot' ? context.slot.overflowCapacity : this.#limit;
  }
}

