import { invalid } from '../errors.js';
import { describe, shown } from '../time.js';
import type { Patient } from '../types.js';
import { isPlainObject } from '../validate.js';

/** A category a built-in strategy's options name, with the option that names it (`categories[0]`, `whenFull.PAID`). */
export interface NamedCategory {
  readonly field: string;
  readonly category: string;
}

/** Where a built-in strategy keeps the categories its options named (see {@link nameCategories}). */
const NAMED_CATEGORIES: unique symbol = Symbol('opd-scheduler.namedCategories');

/**
 * Records, on the strategy itself, the categories a built-in strategy's options named (not its
 * defaults), for the scheduler to check against its priority policy.
 * @internal
 */
export function nameCategories(owner: object, named: readonly NamedCategory[]): void {
  Object.defineProperty(owner, NAMED_CATEGORIES, { value: Object.freeze(named), configurable: true });
}

/**
 * The categories a built-in strategy's options named ({@link nameCategories}); none for any other.
 * @internal
 */
export function namedCategoriesOf(owner: object): readonly NamedCategory[] {
  return (owner as { readonly [NAMED_CATEGORIES]?: readonly NamedCategory[] })[NAMED_CATEGORIES] ?? [];
}

/**
 * The options of a built-in policy or preset, read once: `{}` when omitted (`undefined`), else a
 * plain object with no key outside `keys`. A typo (`bumplimit`) or an option the owner does not
 * have must not be silently ignored.
 * @param owner - the constructor or preset, for messages (`CategoryPriority`, `presets.cascade`)
 * @throws OpdError `VALIDATION_FAILED` naming `options` for anything but a plain object (or one
 *   whose fields cannot be read), or naming the unknown key
 * @internal
 */
export function policyOptions(owner: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw invalid('options', `Expected the options of \`${owner}\` to be an object, got ${describe(value)}`);
  let names: string[];
  try {
    names = Object.keys(value);
  } catch {
    throw invalid('options', `Could not read the options of \`${owner}\``);
  }
  const out: Record<string, unknown> = {};
  for (const key of names) {
    if (!keys.includes(key)) {
      const shownKey = key.length > 40 ? `${key.slice(0, 40)}…` : key;
      throw invalid(key, `Unknown option \`${shownKey}\` of \`${owner}\` (its options: ${keys.join(', ')})`);
    }
    try {
      out[key] = value[key];
    } catch {
      throw invalid(key, `Could not read option \`${key}\` of \`${owner}\``);
    }
  }
  return out;
}

/** Requires a priority policy: an object with a string `name`, a `categories` array and functions `accepts` and `rank`. */
function expectPolicy(field: string, value: unknown): PriorityPolicy {
  let ok = false;
  try {
    const policy = value as Partial<PriorityPolicy> | null;
    ok =
      (typeof policy === 'object' || typeof policy === 'function') &&
      policy !== null &&
      typeof policy.name === 'string' &&
      Array.isArray(policy.categories) &&
      typeof policy.accepts === 'function' &&
      typeof policy.rank === 'function';
  } catch {
    ok = false; // a proxy whose traps throw
  }
  if (!ok) throw invalid(field, `Expected \`${field}\` to be a priority policy (\`name\`, \`categories\`, \`accepts\` and \`rank\`), got ${describe(value)}`);
  return value as PriorityPolicy;
}

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
 * import type { PriorityPolicy } from 'opd-scheduler';
 *
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
export const STANDARD_RANKS: Readonly<Record<'EMERGENCY' | 'PAID' | 'FOLLOW_UP' | 'ONLINE' | 'WALK_IN', number>> = Object.freeze({
  EMERGENCY: 1,
  PAID: 2,
  FOLLOW_UP: 3,
  ONLINE: 4,
  WALK_IN: 5,
});

const CATEGORY_KEYS: readonly string[] = ['ranks', 'fallbackRank', 'name'];
const SENIOR_KEYS: readonly string[] = ['inner', 'age', 'levels', 'minRank', 'ageOf'];
const AGING_KEYS: readonly string[] = ['inner', 'everyMinutes', 'perBump', 'minRank'];

/** Requires a non-empty name (shown in errors) when given. @internal */
export function optionalName(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim().length === 0) throw invalid(field, `Expected \`${field}\` to be a non-empty string, got ${shown(value)}`);
  return value;
}

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
 * import { CategoryPriority, STANDARD_RANKS } from 'opd-scheduler';
 *
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
    const o = policyOptions('CategoryPriority', options, CATEGORY_KEYS);
    const ranks = o['ranks'] === undefined ? STANDARD_RANKS : o['ranks'];
    if (!isPlainObject(ranks)) throw invalid('ranks', `Expected \`ranks\` to be an object of category → rank, got ${describe(ranks)}`);
    let entries: [string, unknown][];
    try {
      entries = Object.entries(ranks);
    } catch {
      throw invalid('ranks', 'Could not read the fields of `ranks`');
    }
    if (entries.length === 0) throw invalid('ranks', 'Expected `ranks` to name at least one category');
    for (const [category, rank] of entries) {
      if (category.length === 0) throw invalid('ranks', 'Expected category names to be non-empty');
      if (typeof rank !== 'number' || !Number.isFinite(rank)) {
        throw invalid(`ranks.${category}`, `Expected the rank of \`${category}\` to be a finite number, got ${shown(rank)}`);
      }
    }
    const fallbackRank = o['fallbackRank'];
    if (fallbackRank !== undefined && (typeof fallbackRank !== 'number' || !Number.isFinite(fallbackRank))) {
      throw invalid('fallbackRank', `Expected \`fallbackRank\` to be a finite number, got ${shown(fallbackRank)}`);
    }
    this.name = optionalName('name', o['name']) ?? 'category';
    const table = entries as [string, number][];
    this.#ranks = new Map(table);
    this.#fallback = fallbackRank;
    this.categories = Object.freeze(table.sort((a, b) => a[1] - b[1]).map(([category]) => category));
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

function positiveNumber(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(field, `Expected \`${field}\` to be a positive number, got ${shown(value)}`);
  }
  return value;
}

function finiteNumber(field: string, value: unknown, fallback: number): number {
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
 * import { OpdScheduler, presets, SeniorCitizenPriority } from 'opd-scheduler';
 *
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
    const o = policyOptions('SeniorCitizenPriority', options, SENIOR_KEYS);
    this.#inner = o['inner'] === undefined ? new CategoryPriority() : expectPolicy('inner', o['inner']);
    this.#age = positiveNumber('age', o['age'], 60);
    this.#levels = positiveNumber('levels', o['levels'], 1);
    this.#minRank = finiteNumber('minRank', o['minRank'], 2);
    const ageOf = o['ageOf'];
    if (ageOf !== undefined && typeof ageOf !== 'function') throw invalid('ageOf', `Expected \`ageOf\` to be a function, got ${describe(ageOf)}`);
    this.#ageOf = (ageOf as SeniorCitizenPriorityOptions['ageOf']) ?? defaultAgeOf;
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
 * import { AgingPriority } from 'opd-scheduler';
 *
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
    if (options === undefined) throw invalid('options', 'Expected options for `AgingPriority`');
    const o = policyOptions('AgingPriority', options, AGING_KEYS);
    this.#inner = o['inner'] === undefined ? new CategoryPriority() : expectPolicy('inner', o['inner']);
    this.#everyMs = o['everyMinutes'] === undefined ? undefined : positiveNumber('everyMinutes', o['everyMinutes'], 1) * 60_000;
    const perBump = o['perBump'];
    if (perBump !== undefined && typeof perBump !== 'boolean') throw invalid('perBump', `Expected \`perBump\` to be a boolean, got ${shown(perBump)}`);
    this.#perBump = perBump === true;
    if (this.#everyMs === undefined && !this.#perBump) {
      throw invalid('everyMinutes', 'Expected `everyMinutes` or `perBump: true` for `AgingPriority`');
    }
    this.#minRank = finiteNumber('minRank', o['minRank'], 2);
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
