import { invalid } from '../errors.js';
import { describe, shown } from '../time.js';
import { arrayItems, readFields, readObject } from '../validate.js';
import { nameCategories, optionalName, policyOptions } from './priority.js';
import type { DisplacementReason } from '../events.js';
import type { Patient, Slot, Token } from '../types.js';

/**
 * What may happen to a request whose target slot is full (and got no elastic place), tried in
 * the order given:
 *
 * - `bump` — take the place of the worst-ranked bumpable place (status `BOOKED`, under the bump
 *   limit) with a strictly worse rank; that token is displaced;
 * - `next-slot` — book the earliest later open slot of the same day with a free place;
 * - `waitlist` — wait (per slot or per doctor-day, see {@link OverflowStrategy.waitlist});
 * - `reject` — fail with `SLOT_FULL`.
 */
export type FullOption = 'bump' | 'next-slot' | 'waitlist' | 'reject';

/**
 * What may happen to a displaced token (bumped, or its slot closed or shrunk), tried in order:
 *
 * - `cascade` — the earliest later open, not-ended slot of the same day with a free place;
 *   with `chainDepth > 0`, when none has one, the earliest later slot holding a strictly worse
 *   bumpable place, whose token is displaced in turn (at most `chainDepth` deep);
 * - `waitlist` — wait; on a per-slot waitlist `slot` says for which slot: `'from'` the slot it
 *   was displaced from (when still open), `'next'` the next open slot, `'none'` any slot of the day;
 * - `drop` — the token ends `DROPPED`.
 *
 * When no option applies, the token is waitlisted.
 */
export type DisplacedOption = CascadeOption | WaitlistOption | DropOption;

/**
 * Move the displaced token forward; see {@link DisplacedOption}.
 *
 * @inline
 */
export interface CascadeOption {
  /** Always `'cascade'`. */
  readonly kind: 'cascade';
  /**
   * How many further bumps the move may cause when no later slot has a free place. A chain stops
   * at 256 bumps whatever this says (each step is a nested call); the token displaced last then
   * takes the next option.
   * @defaultValue 0
   */
  readonly chainDepth?: number | undefined;
}

/**
 * Waitlist the displaced token; see {@link DisplacedOption}.
 *
 * @inline
 */
export interface WaitlistOption {
  /** Always `'waitlist'`. */
  readonly kind: 'waitlist';
  /**
   * On a per-slot waitlist, which slot it waits for.
   * @defaultValue `'next'`
   */
  readonly slot?: 'from' | 'next' | 'none' | undefined;
}

/**
 * Drop the displaced token; see {@link DisplacedOption}.
 *
 * @inline
 */
export interface DropOption {
  /** Always `'drop'`. */
  readonly kind: 'drop';
}

/** What an overflow strategy sees when a request meets a full slot. */
export interface FullContext {
  /** The request channel. */
  readonly category: string;
  /** The request's rank. */
  readonly rank: number;
  /** The patient. */
  readonly patient: Readonly<Patient>;
  /** The full target slot, or `null` when the day has no open slot left to try. */
  readonly slot: Slot | null;
  /** Places in the target (0 without one). */
  readonly occupancy: number;
  /** Whether the request named the slot. */
  readonly requestedSlot: boolean;
  /** The scheduler's current time. */
  readonly now: Date;
}

/** What an overflow strategy sees when a token is displaced. */
export interface DisplacedContext {
  /** The token, as it was in the slot it leaves. */
  readonly token: Token;
  /** The slot it leaves. */
  readonly fromSlot: Slot;
  /** Why it leaves. */
  readonly reason: DisplacementReason;
  /** 0 for a token displaced by the call itself, n for one displaced by a cascade n steps deep. */
  readonly depth: number;
  /** The scheduler's current time. */
  readonly now: Date;
}

/** What an overflow strategy sees when the core asks whether a request gets emergency protection. */
export interface ProtectionContext {
  /** The request channel. */
  readonly category: string;
  /** The patient. */
  readonly patient: Readonly<Patient>;
  /** The scheduler's current time. */
  readonly now: Date;
}

/**
 * Emergency protection granted to a request by {@link OverflowStrategy.protection}. A protected
 * request is never refused, and never left waiting while a usable slot of its doctor's day, from
 * the one it asked for (or from now), has a free place, an elastic place its capacity strategy
 * grants it, or a place it may bump.
 */
export interface Protection {
  /**
   * Whether the core may bump for it: take the place of the worst `BOOKED` token with a strictly
   * worse rank under the bump limit (the usual victim rules), when no free or elastic place is
   * left in a slot.
   */
  readonly bump: boolean;
}

/**
 * What happens to the victim of a bump who has no room to move to:
 *
 * - `'displace'` — the bump is made; the victim meets the `whenDisplaced` options (waitlisted,
 *   dropped, …);
 * - `'keep'` — the bump is made only if the victim can move (cascade to a later slot with a free
 *   place, or a chain within `chainDepth`); otherwise the victim keeps its place and the request
 *   goes on to its next option.
 */
export type VictimWithoutRoom = 'displace' | 'keep';

/**
 * Decides what happens when a slot is full, and where displaced tokens go.
 */
export interface OverflowStrategy {
  /** Short name, shown in errors. */
  readonly name: string;
  /**
   * `'day'`: one waitlist per doctor-day; a token is promoted into any slot starting no earlier
   * than it asked for. `'slot'`: each waitlisted token waits for one slot (or, with no slot, for
   * any slot of the day it may use).
   */
  readonly waitlist: 'day' | 'slot';
  /** A token that has been bumped this many times is no longer bumpable. `Infinity` for no limit. */
  readonly bumpLimit: number;
  /**
   * Among equally ranked bump victims, take the one requested `'latest'` or `'earliest'`.
   */
  readonly victimOrder: 'latest' | 'earliest';
  /**
   * Options for a request meeting a full slot, tried in order.
   * @param context - the request and the full slot
   */
  whenFull(context: FullContext): readonly FullOption[];
  /**
   * Options for a displaced token, tried in order.
   * @param context - the token and why it moves
   */
  whenDisplaced(context: DisplacedContext): readonly DisplacedOption[];
  /**
   * What happens to the victim of a bump who has no room to move to; see {@link VictimWithoutRoom}.
   * @defaultValue `'displace'`
   */
  readonly victimWithoutRoom?: VictimWithoutRoom | undefined;
  /**
   * Emergency safety: which requests are protected, and whether the core may bump for them.
   * A protected request does not follow {@link OverflowStrategy.whenFull}: the core takes the
   * earliest usable slot of the day, from the slot asked for (or from `after`, or now), with a
   * free place, else an elastic place, else (when `bump` is allowed) a place it may bump — in
   * that order within a slot, earliest slot first. With no room anywhere it waits on the
   * doctor-day waitlist (never refused) and `emergency:unplaced` is emitted; the promotions at
   * the end of every call place it by the same rule as soon as room appears. A displaced
   * protected token goes forward by the same rule and is never dropped.
   *
   * Return `null` for requests without protection. The core asks at every decision (for new
   * requests, displaced and waiting tokens alike), so the answer should not change with time.
   *
   * When a strategy leaves this out, `EMERGENCY` requests are protected, and may bump in a slot
   * where `whenFull` would offer `'bump'` for them.
   *
   * @example
   * ```ts
   * import type { OverflowStrategy } from 'opd-scheduler';
   *
   * // Emergencies may bump; trauma cases get free and elastic places only; nobody else is protected.
   * const protection: OverflowStrategy['protection'] = ({ category }) =>
   *   category === 'EMERGENCY' ? { bump: true } : category === 'TRAUMA' ? { bump: false } : null;
   * ```
   *
   * @param context - the request or waiting token
   * @returns the protection, or `null` for none
   */
  protection?(context: ProtectionContext): Protection | null;
}

/** Options of {@link RuleOverflow}. */
export interface RuleOverflowOptions {
  /**
   * Name shown in errors.
   * @defaultValue `'rules'`
   */
  readonly name?: string | undefined;
  /**
   * Options per category when the slot is full, with `default` for every other category. A
   * scheduler refuses a key (but `default`) its priority policy does not accept
   * (`overflow.whenFull.ONLNE`): categories are case-sensitive, and it could never apply.
   * @defaultValue `{ default: ['next-slot', 'waitlist'] }`
   */
  readonly whenFull?: Readonly<Record<string, readonly FullOption[]>> | undefined;
  /**
   * Options for displaced tokens, per reason, with `default` for reasons not listed.
   * @defaultValue `{ default: [{ kind: 'cascade' }, { kind: 'waitlist' }] }`
   */
  readonly whenDisplaced?: Readonly<Partial<Record<DisplacementReason | 'default', readonly DisplacedOption[]>>> | undefined;
  /**
   * Waitlist scope; see {@link OverflowStrategy.waitlist}.
   * @defaultValue `'day'`
   */
  readonly waitlist?: 'day' | 'slot' | undefined;
  /**
   * Bump limit per token; see {@link OverflowStrategy.bumpLimit}.
   * @defaultValue `Infinity`
   */
  readonly bumpLimit?: number | undefined;
  /**
   * Tie-break among equally ranked victims.
   * @defaultValue `'latest'`
   */
  readonly victimOrder?: 'latest' | 'earliest' | undefined;
  /**
   * Categories with emergency protection (see {@link OverflowStrategy.protection}); each may bump
   * when its `whenFull` options (or `default`) include `'bump'`. `[]` protects nobody. A
   * scheduler refuses a category its priority policy does not accept (`overflow.protect[0]`).
   * @defaultValue `['EMERGENCY']`
   */
  readonly protect?: readonly string[] | undefined;
  /**
   * What happens to the victim of a bump who has no room to move to; see {@link VictimWithoutRoom}.
   * @defaultValue `'displace'`
   */
  readonly victimWithoutRoom?: VictimWithoutRoom | undefined;
}

const RULE_KEYS: readonly string[] = ['name', 'whenFull', 'whenDisplaced', 'waitlist', 'bumpLimit', 'victimOrder', 'protect', 'victimWithoutRoom'];

const FULL_OPTIONS: ReadonlySet<unknown> = new Set(['bump', 'next-slot', 'waitlist', 'reject']);
const REASONS: readonly DisplacementReason[] = ['bumped', 'slot-closed', 'capacity-lowered'];
const DISPLACED_KEYS: ReadonlySet<string> = new Set([...REASONS, 'default']);
/** At most this many options in a list of `whenFull` or `whenDisplaced`, and categories in `protect`. */
const MAX_LIST = 100;

const DEFAULT_FULL: Readonly<Record<string, unknown>> = Object.freeze({ default: ['next-slot', 'waitlist'] });
const DEFAULT_DISPLACED: readonly DisplacedOption[] = Object.freeze([Object.freeze({ kind: 'cascade' }), Object.freeze({ kind: 'waitlist' })]);

/**
 * A frozen copy of a list of `whenFull` options, each read once: what is checked is what is
 * tried, whatever the list answers later.
 * @throws OpdError `VALIDATION_FAILED` naming `field`
 */
export function copyFullOptions(field: string, value: unknown): readonly FullOption[] {
  const items = arrayItems(field, value, MAX_LIST, () => `Expected \`${field}\` to have at most ${MAX_LIST} options`);
  if (items === undefined || !items.every((option) => FULL_OPTIONS.has(option))) {
    throw invalid(field, `Expected \`${field}\` to be an array of 'bump', 'next-slot', 'waitlist' or 'reject'`);
  }
  return Object.freeze(items as FullOption[]);
}

/**
 * A frozen copy of a list of displaced options, each field read once (a hole is refused as an
 * option of no kind): what is checked is what is used, whatever the list answers later.
 * @throws OpdError `VALIDATION_FAILED` naming `field`, `field[i]` or the option's field
 */
export function copyDisplaced(field: string, value: unknown): readonly DisplacedOption[] {
  const items = arrayItems(field, value, MAX_LIST, () => `Expected \`${field}\` to have at most ${MAX_LIST} options`);
  if (items === undefined) throw invalid(field, `Expected \`${field}\` to be an array of options`);
  return Object.freeze(items.map((item, i) => displacedOption(`${field}[${i}]`, item)));
}

function displacedOption(field: string, value: unknown): DisplacedOption {
  if (typeof value !== 'object' || value === null) {
    throw invalid(field, `Expected a displaced option of kind 'cascade', 'waitlist' or 'drop', got ${describe(value)}`);
  }
  const option = readFields(field, value, ['kind', 'chainDepth', 'slot']);
  const kind = option['kind'];
  if (kind === 'cascade') {
    const depth = option['chainDepth'];
    if (depth === undefined) return Object.freeze({ kind });
    if (!Number.isInteger(depth) || (depth as number) < 0) {
      throw invalid(`${field}.chainDepth`, `Expected \`chainDepth\` to be a non-negative integer, got ${shown(depth)}`);
    }
    return Object.freeze({ kind, chainDepth: depth as number });
  }
  if (kind === 'waitlist') {
    const slot = option['slot'];
    if (slot === undefined) return Object.freeze({ kind });
    if (slot !== 'from' && slot !== 'next' && slot !== 'none') {
      throw invalid(`${field}.slot`, `Expected \`slot\` to be 'from', 'next' or 'none', got ${shown(slot)}`);
    }
    return Object.freeze({ kind, slot });
  }
  if (kind !== 'drop') throw invalid(field, `Expected a displaced option of kind 'cascade', 'waitlist' or 'drop', got ${shown(kind)}`);
  return Object.freeze({ kind });
}

/**
 * A table-driven overflow strategy: options per category when full, per reason when displaced.
 * Every preset is one of these; compose your own the same way.
 *
 * @example
 * ```ts
 * import { RuleOverflow } from 'opd-scheduler';
 *
 * new RuleOverflow({
 *   whenFull: { EMERGENCY: ['bump', 'waitlist'], PAID: ['next-slot', 'waitlist'], default: ['reject'] },
 *   whenDisplaced: { default: [{ kind: 'cascade', chainDepth: 1 }, { kind: 'drop' }] },
 *   bumpLimit: 2,
 *   victimWithoutRoom: 'keep', // a bump whose victim cannot move is not made
 * });
 * ```
 */
export class RuleOverflow implements OverflowStrategy {
  /** @inheritDoc */
  readonly name: string;
  /** @inheritDoc */
  readonly waitlist: 'day' | 'slot';
  /** @inheritDoc */
  readonly bumpLimit: number;
  /** @inheritDoc */
  readonly victimOrder: 'latest' | 'earliest';
  /** @inheritDoc */
  readonly victimWithoutRoom: VictimWithoutRoom;
  readonly #protect: ReadonlySet<string>;
  readonly #whenFull: ReadonlyMap<string, readonly FullOption[]>;
  readonly #fullDefault: readonly FullOption[];
  readonly #displaced: Readonly<Record<DisplacementReason, readonly DisplacedOption[]>>;

  /**
   * Every option is read once, checked, and copied: later changes to `options` (or a proxy's
   * later answers) change nothing.
   * @param options - see {@link RuleOverflowOptions}
   * @throws OpdError `VALIDATION_FAILED` naming the offending option (`whenFull.EMERGENCY`,
   *   `whenDisplaced.bumped[1].chainDepth`, `protect[0]`) for a bad or unreadable option
   */
  constructor(options?: RuleOverflowOptions) {
    const o = policyOptions('RuleOverflow', options, RULE_KEYS);
    const name = optionalName('name', o['name']);
    const fullTable = o['whenFull'] === undefined ? DEFAULT_FULL : readObject('whenFull', o['whenFull']);
    const whenFull = new Map<string, readonly FullOption[]>();
    for (const category of Object.keys(fullTable)) whenFull.set(category, copyFullOptions(`whenFull.${category}`, fullTable[category]));
    const displaced = o['whenDisplaced'] === undefined ? {} : readObject('whenDisplaced', o['whenDisplaced'], DISPLACED_KEYS);
    const lists = new Map<string, readonly DisplacedOption[]>();
    for (const reason of Object.keys(displaced)) {
      const list = displaced[reason];
      if (list !== undefined) lists.set(reason, copyDisplaced(`whenDisplaced.${reason}`, list));
    }
    const waitlist = o['waitlist'] === undefined ? 'day' : o['waitlist'];
    if (waitlist !== 'day' && waitlist !== 'slot') {
      throw invalid('waitlist', `Expected \`waitlist\` to be 'day' or 'slot', got ${shown(waitlist)}`);
    }
    const bumpLimit = o['bumpLimit'] === undefined ? Number.POSITIVE_INFINITY : o['bumpLimit'];
    if (!(bumpLimit === Number.POSITIVE_INFINITY || (Number.isInteger(bumpLimit) && (bumpLimit as number) >= 0))) {
      throw invalid('bumpLimit', `Expected \`bumpLimit\` to be a non-negative integer or Infinity, got ${shown(bumpLimit)}`);
    }
    const victimOrder = o['victimOrder'] === undefined ? 'latest' : o['victimOrder'];
    if (victimOrder !== 'latest' && victimOrder !== 'earliest') {
      throw invalid('victimOrder', `Expected \`victimOrder\` to be 'latest' or 'earliest', got ${shown(victimOrder)}`);
    }
    const protect =
      o['protect'] === undefined
        ? ['EMERGENCY']
        : arrayItems('protect', o['protect'], MAX_LIST, () => `Expected \`protect\` to name at most ${MAX_LIST} categories`);
    if (protect === undefined || protect.some((c) => typeof c !== 'string')) {
      throw invalid('protect', 'Expected `protect` to be an array of category names');
    }
    const victimWithoutRoom = o['victimWithoutRoom'] === undefined ? 'displace' : o['victimWithoutRoom'];
    if (victimWithoutRoom !== 'displace' && victimWithoutRoom !== 'keep') {
      throw invalid('victimWithoutRoom', `Expected \`victimWithoutRoom\` to be 'displace' or 'keep', got ${shown(victimWithoutRoom)}`);
    }
    nameCategories(this, [
      ...(o['protect'] === undefined ? [] : (protect as string[]).map((category, i) => ({ field: `protect[${i}]`, category }))),
      ...[...whenFull.keys()].filter((category) => category !== 'default').map((category) => ({ field: `whenFull.${category}`, category })),
    ]);
    this.name = name ?? 'rules';
    this.victimWithoutRoom = victimWithoutRoom;
    this.#protect = new Set(protect as string[]);
    this.waitlist = waitlist;
    this.bumpLimit = bumpLimit as number;
    this.victimOrder = victimOrder;
    this.#whenFull = whenFull;
    this.#fullDefault = whenFull.get('default') ?? Object.freeze(['reject']);
    const fallback = lists.get('default') ?? DEFAULT_DISPLACED;
    this.#displaced = Object.freeze({
      bumped: lists.get('bumped') ?? fallback,
      'slot-closed': lists.get('slot-closed') ?? fallback,
      'capacity-lowered': lists.get('capacity-lowered') ?? fallback,
    });
  }

  /** @inheritDoc */
  whenFull(context: FullContext): readonly FullOption[] {
    return this.#whenFull.get(context.category) ?? this.#fullDefault;
  }

  /** @inheritDoc */
  whenDisplaced(context: DisplacedContext): readonly DisplacedOption[] {
    return this.#displaced[context.reason];
  }

  /** @inheritDoc */
  protection(context: ProtectionContext): Protection | null {
    if (!this.#protect.has(context.category)) return null;
    return (this.#whenFull.get(context.category) ?? this.#fullDefault).includes('bump') ? BUMPING : NOT_BUMPING;
  }
}

const BUMPING: Protection = Object.freeze({ bump: true });
const NOT_BUMPING: Protection = Object.freeze({ bump: false });
