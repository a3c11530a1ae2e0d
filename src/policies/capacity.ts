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

/** What a capacity strategy sees when it describes a slot ({@link CapacityStrategy.describeSlot}). */
export interface SlotCapacityContext {
  /** The slot. */
  readonly slot: Slot;
  /** Places in the slot now. */
  readonly occupancy: number;
  /** The scheduler's current time. */
  readonly now: Date;
}

/** A value a strategy gives as the basis of its elastic places: a number, a name, a yes/no, or none. */
export type ElasticBasisValue = string | number | boolean | null;

/**
 * A capacity strategy's account of one slot for one category: the elastic places it allows and
 * why. Shown on the slot's view (`getSlot(id).elastic`).
 */
export interface ElasticNote {
  /** The request channel it is about. */
  readonly category: string;
  /** The places beyond the slot's capacity a request of the category may fill up to now (what `elasticPlaces` answers for it; `Infinity` for no limit). */
  readonly extras: number;
  /**
   * What the number rests on, in the strategy's own terms (for `CalibratedElastic`: `showRate`,
   * `sample`, `group`, `fallback`, `risk`, `lead`). Never patient data.
   */
  readonly basis: Readonly<Record<string, ElasticBasisValue>>;
}

/** The capacity strategy's account of a slot, on its view ({@link SlotView.elastic}). */
export interface SlotElastic {
  /** The strategy's name. */
  readonly strategy: string;
  /** One note per category the strategy describes, in its order. */
  readonly notes: readonly ElasticNote[];
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
  /**
   * Optional: describes the strategy's decision for a slot, per category — the elastic places it
   * allows now and what they rest on — for the slot's view (`getSlot(id).elastic`). A strategy
   * without it shows nothing there. It must answer synchronously and agree with
   * {@link CapacityStrategy.elasticPlaces} (give each note's `extras` from the same function).
   * @param context - the slot, its places now, and the time
   * @returns one note per category worth showing
   */
  describeSlot?(context: SlotCapacityContext): readonly ElasticNote[];
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
    if (o['categories'] !== undefined)
      nameCategories(
        this,
        categories.map((category, i) => ({ field: `categories[${i}]`, category })),
      );
    this.#limit = limit === 'unlimited' ? Number.POSITIVE_INFINITY : limit;
    this.name = `elastic(${limit})`;
  }

  /** @inheritDoc */
  elasticPlaces(context: ElasticContext): number {
    if (!this.#categories.has(context.category)) return 0;
    return this.#limit === 'slot' ? context.slot.overflowCapacity : this.#limit;
  }
}
