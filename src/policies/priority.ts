import { invalid } from '../errors.js';
import { shown } from '../time.js';
import type { Patient } from '../types.js';

/** What a priority policy sees when it ranks a request or a token. */
export interface RankContext {
  /** The request channel. */
  readonly category: string;
  /** The patient (frozen). */
  readonly patient: Readonly<Patient>;
  /** When the request was made. */
  readonly requestedAt: Date;
  /**
   * When the patient is due: the later of `requestedAt` and the start of what the token asks for
   * — the slot it named, its `after`, else its day (local midnight); for a token displaced from a
   * slot, that slot's start. A booking made days ahead is due on its day, not when it was made.
   */
  readonly dueAt: Date;
  /** The scheduler's current time. */
  readonly now: Date;
  /** How many times the token has been bumped (0 for a new request). */
  readonly bumpCount: number;
}

/**
 * Gives each request a rank; lower is more urgent. Places in a slot and waitlists are ordered by
 * rank, bumping needs a strictly better rank, and the overflow strategy may use it.
 *
 * @example
 * ```ts
 * const vipFirst: PriorityPolicy = {
 *   name: 'vip-first',
 *   categories: ['EMERGENCY', 'VIP', 'WALK_IN'],
 *   accepts: (category) => ['EMERGENCY', 'VIP', 'WALK_IN'].includes(category),
 *   rank: ({ category }) => ({ EMERGENCY: 1, VIP: 2, WALK_IN: 3 })[category] ?? 3,
 * };
 * ```
 */
export interface PriorityPolicy {
  /** Short name, shown in errors. */
  readonly name: string;
  /** The categories the policy knows, most urgent first (for documentation and forms). */
  readonly categories: readonly string[];
  /**
   * `true` when a token's rank changes with time (`now`) alone. The scheduler then re-ranks a
   * doctor-day's live tokens at every change of that day. Ranks that depend on `bumpCount` are
   * refreshed whenever it changes, whatever this says.
   * @defaultValue false
   */
  readonly timeDependent?: boolean | undefined;
  /**
   * Whether a category may be booked. Unaccepted categories fail with `VALIDATION_FAILED`.
   * @param category - the requested channel
   */
  accepts(category: string): boolean;
  /**
   * The rank of a request or token: a finite number, lower is more urgent.
   * @param context - the request or token
   */
  rank(context: RankContext): number;
}

/** The ranks of the standard policy: EMERGENCY 1, PAID 2, FOLLOW_UP 3, ONLINE 4, WALK_IN 5. */
export const STANDARD_RANKS: Readonly<Record<'EMERGENCY' | 'PAID' | 'FOLLOW_UP' | 'ONLINE' | 'WALK_IN', number>> =
  Object.freeze({ EMERGENCY: 1, PAID: 2, FOLLOW_UP: 3, ONLINE: 4, WALK_IN: 5 });

/** Options of {@link CategoryPriority}. */
export interface CategoryPriorityOptions {
  /**
   * Rank per category. Custom categories are allowed.
   * @defaultValue {@link STANDARD_RANKS}
   */
  readonly ranks?: Readonly<Record<string, number>> | undefined;
  /**
   * Rank for categories not in `ranks`; when unset such categories are refused. (Some hospitals
   * treat unknown sources as walk-ins.)
   * @defaultValue undefined
   */
  readonly fallbackRank?: number | undefined;
  /**
   * Name shown in errors.
   * @defaultValue `'category'`
   */
  readonly name?: string | undefined;
}

/**
 * Ranks by category alone, from a table.
 *
 * @example
 * ```ts
 * new CategoryPriority({ ranks: { ...STANDARD_RANKS, WALK_IN: 4, ONLINE: 5 } });
 * ```
 */
export class CategoryPriority implements PriorityPolicy {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly categories: readonly string[];
  readonly #ranks: ReadonlyMap<string, number>;
  readonly #fallback: number | undefined;

  /** @param options - see {@link CategoryPriorityOptions} */
  constructor(options: CategoryPriorityOptions = {}) {
    const ranks = options.ranks ?? STANDARD_RANKS;
    if (typeof ranks !== 'object' || ranks === null) throw invalid('ranks', 'Expected `ranks` to be an object of category → rank');
    const entries = Object.entries(ranks);
    if (entries.length === 0) throw invalid('ranks', 'Expected `ranks` to name at least one category');
    for (const [category, rank] of entries) {
      if (category.length === 0) throw invalid('ranks', 'Expected category names to be non-empty');
      if (typeof rank !== 'number' || !Number.isFinite(rank)) {
        throw invalid(`ranks.${category}`, `Expected the rank of \`${category}\` to be a finite number, got ${shown(rank)}`);
      }
    }
    if (options.fallbackRank !== undefined && !Number.isFinite(options.fallbackRank)) {
      throw invalid('fallbackRank', `Expected \`fallbackRank\` to be a finite number, got ${shown(options.fallbackRank)}`);
    }
    this.name = options.name ?? 'category';
    this.#ranks = new Map(entries);
    this.#fallback = options.fallbackRank;
    this.categories = Object.freeze(entries.sort((a, b) => a[1] - b[1]).map(([category]) => category));
  }

  /** @inheritDoc */
  accepts(category: string): boolean {
    return this.#fallback !== undefined || this.#ranks.has(category);
  }

  /** @inheritDoc */
  rank(context: RankContext): number {
    return this.#ranks.get(context.category) ?? this.#fallback ?? Number.POSITIVE_INFINITY;
  }
}

/** Options of {@link SeniorCitizenPriority}. */
export interface SeniorCitizenPriorityOptions {
  /**
   * The policy to adjust.
   * @defaultValue `new CategoryPriority()` (standard ranks)
   */
  readonly inner?: PriorityPolicy | undefined;
  /**
   * Patients at or above this age rank better.
   * @defaultValue 60
   */
  readonly age?: number | undefined;
  /**
   * How many levels better.
   * @defaultValue 1
   */
  readonly levels?: number | undefined;
  /**
   * The adjustment never ranks a token better than this (so a senior never equals an
   * emergency); ranks already at or better than it are left alone.
   * @defaultValue 2
   */
  readonly minRank?: number | undefined;
  /**
   * Reads the age from a patient.
   * @defaultValue the numeric `patient.age`
   */
  readonly ageOf?: ((patient: Readonly<Patient>) => number | undefined) | undefined;
}

function defaultAgeOf(patient: Readonly<Patient>): number | undefined {
  const age = patient['age'];
  return typeof age === 'number' && Number.isFinite(age) ? age : undefined;
}

function improve(rank: number, levels: number, minRank: number): number {
  return rank <= minRank ? rank : Math.max(rank - levels, minRank);
}

function positiveNumber(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(field, `Expected \`${field}\` to be a positive number, got ${shown(value)}`);
  }
  return value;
}

function finiteNumber(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(field, `Expected \`${field}\` to be a finite number, got ${shown(value)}`);
  }
  return value;
}

/**
 * Senior citizens out of turn (AIIMS OPD practice): a patient at or above a configurable age
 * ranks one level better than the wrapped policy says, but never as urgent as an emergency.
 *
 * @example
 * ```ts
 * new OpdScheduler({ ...presets.standard(), priority: new SeniorCitizenPriority({ age: 65 }) });
 * ```
 */
export class SeniorCitizenPriority implements PriorityPolicy {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly categories: readonly string[];
  /** @inheritDoc */
  readonly timeDependent: boolean;
  readonly #inner: PriorityPolicy;
  readonly #age: number;
  readonly #levels: number;
  readonly #minRank: number;
  readonly #ageOf: (patient: Readonly<Patient>) => number | undefined;

  /** @param options - see {@link SeniorCitizenPriorityOptions} */
  constructor(options: SeniorCitizenPriorityOptions = {}) {
    this.#inner = options.inner ?? new CategoryPriority();
    this.#age = positiveNumber('age', options.age, 60);
    this.#levels = positiveNumber('levels', options.levels, 1);
    this.#minRank = finiteNumber('minRank', options.minRank, 2);
    this.#ageOf = options.ageOf ?? defaultAgeOf;
    this.name = `senior-citizen(${this.#inner.name})`;
    this.categories = this.#inner.categories;
    this.timeDependent = this.#inner.timeDependent === true;
  }

  /** @inheritDoc */
  accepts(category: string): boolean {
    return this.#inner.accepts(category);
  }

  /** @inheritDoc */
  rank(context: RankContext): number {
    const rank = this.#inner.rank(context);
    const age = this.#ageOf(context.patient);
    return age !== undefined && age >= this.#age ? improve(rank, this.#levels, this.#minRank) : rank;
  }
}

/** Options of {@link AgingPriority}. At least one of `everyMinutes` and `perBump` is needed. */
export interface AgingPriorityOptions {
  /**
   * The policy to adjust.
   * @defaultValue `new CategoryPriority()` (standard ranks)
   */
  readonly inner?: PriorityPolicy | undefined;
  /**
   * A token ranks one level better for every this many minutes since it is due (the later of
   * its request and the start of the slot or day it asked for; see {@link RankContext.dueAt}),
   * so a booking made ahead never outranks today's patients for having booked early.
   * @defaultValue undefined (no aging by time)
   */
  readonly everyMinutes?: number | undefined;
  /**
   * A token ranks one level better for every bump it suffered.
   * @defaultValue false
   */
  readonly perBump?: boolean | undefined;
  /**
   * Aging never ranks a token better than this; ranks already at or better than it are left alone.
   * @defaultValue 2
   */
  readonly minRank?: number | undefined;
}

/**
 * Aging, so that nobody starves: a token's rank improves one level for every N minutes it has
 * waited since it was due and/or for every bump it suffered, never past `minRank`.
 *
 * @example
 * ```ts
 * new AgingPriority({ everyMinutes: 45, perBump: true });
 * ```
 */
export class AgingPriority implements PriorityPolicy {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly categories: readonly string[];
  /** @inheritDoc */
  readonly timeDependent: boolean;
  readonly #inner: PriorityPolicy;
  readonly #everyMs: number | undefined;
  readonly #perBump: boolean;
  readonly #minRank: number;

  /** @param options - see {@link AgingPriorityOptions} */
  constructor(options: AgingPriorityOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'Expected options for `AgingPriority`');
    this.#inner = options.inner ?? new CategoryPriority();
    this.#everyMs = options.everyMinutes === undefined ? undefined : positiveNumber('everyMinutes', options.everyMinutes, 1) * 60_000;
    this.#perBump = options.perBump === true;
    if (this.#everyMs === undefined && !this.#perBump) {
      throw invalid('everyMinutes', 'Expected `everyMinutes` or `perBump: true` for `AgingPriority`');
    }
    this.#minRank = finiteNumber('minRank', options.minRank, 2);
    this.name = `aging(${this.#inner.name})`;
    this.categories = this.#inner.categories;
    this.timeDependent = this.#everyMs !== undefined || this.#inner.timeDependent === true;
  }

  /** @inheritDoc */
  accepts(category: string): boolean {
    return this.#inner.accepts(category);
  }

  /** @inheritDoc */
  rank(context: RankContext): number {
    const rank = this.#inner.rank(context);
    let levels = this.#perBump ? context.bumpCount : 0;
    if (this.#everyMs !== undefined) {
      const waited = context.now.getTime() - context.dueAt.getTime();
      if (waited > 0) levels += Math.floor(waited / this.#everyMs);
    }
    return levels > 0 ? improve(rank, levels, this.#minRank) : rank;
  }
}
