import { invalid } from '../errors.js';
import { shown } from '../time.js';
import { type CapacityStrategy, ElasticCapacity, NoElasticCapacity } from './capacity.js';
import { type OverflowStrategy, RuleOverflow } from './overflow.js';
import { CategoryPriority, nameCategories, policyOptions, type PriorityPolicy, STANDARD_RANKS } from './priority.js';

/** The plug-ins a preset provides; spread it into the scheduler's options. */
export interface Preset {
  /** The priority policy. */
  readonly priority: PriorityPolicy;
  /** The capacity strategy. */
  readonly capacity: CapacityStrategy;
  /** The overflow strategy. */
  readonly overflow: OverflowStrategy;
}

/** Options of {@link presets}`.standard`. */
export interface StandardPresetOptions {
  /**
   * Times a token may be bumped.
   * @defaultValue 1
   */
  readonly bumpLimit?: number | undefined;
  /**
   * Elastic places for emergencies: each slot's `overflowCapacity`, a number, or `'unlimited'`.
   * @defaultValue `'slot'`
   */
  readonly emergencyOverflow?: number | 'slot' | 'unlimited' | undefined;
  /**
   * Among equally ranked victims, bump the one requested `'latest'` or `'earliest'`.
   * @defaultValue `'latest'`
   */
  readonly victimOrder?: 'latest' | 'earliest' | undefined;
  /**
   * How many further bumps a cascading token may make when no later slot has room.
   * @defaultValue 0
   */
  readonly chainDepth?: number | undefined;
}

/** Options of {@link presets}`.cascade`. */
export interface CascadePresetOptions {
  /**
   * How many further bumps a cascading token may make when no later slot has room.
   * @defaultValue 0
   */
  readonly chainDepth?: number | undefined;
  /**
   * Times a token may be bumped.
   * @defaultValue Infinity
   */
  readonly bumpLimit?: number | undefined;
  /**
   * Among equally ranked victims, bump the one requested `'latest'` or `'earliest'`.
   * @defaultValue `'latest'`
   */
  readonly victimOrder?: 'latest' | 'earliest' | undefined;
  /**
   * A bumped patient with no later slot to move to: `'drop'` drops them (the seeds' "end of day
   * overflow"); `'keep'` does not make the bump ("double full: the bump fails"), so the request
   * is refused with `SLOT_FULL` (an emergency goes on to a later slot, or waits).
   * @defaultValue `'drop'`
   */
  readonly victimWithoutRoom?: 'drop' | 'keep' | undefined;
}

/** Options of {@link presets}`.waitlist`. */
export interface WaitlistPresetOptions {
  /**
   * Times a token may be bumped.
   * @defaultValue Infinity
   */
  readonly bumpLimit?: number | undefined;
  /**
   * Among equally ranked victims, bump the one requested `'latest'` or `'earliest'`.
   * @defaultValue `'latest'`
   */
  readonly victimOrder?: 'latest' | 'earliest' | undefined;
}

/** Options of {@link presets}`.elastic`. */
export interface ElasticPresetOptions {
  /**
   * Elastic places for emergencies per slot: a number or `'unlimited'`.
   * @defaultValue 2
   */
  readonly emergencyOverflow?: number | 'unlimited' | undefined;
  /**
   * Rank walk-ins (4) before online bookings (5).
   * @defaultValue false
   */
  readonly walkInBeforeOnline?: boolean | undefined;
}

const STANDARD_KEYS: readonly string[] = ['bumpLimit', 'emergencyOverflow', 'victimOrder', 'chainDepth'];
const CASCADE_KEYS: readonly string[] = ['chainDepth', 'bumpLimit', 'victimOrder', 'victimWithoutRoom'];
const WAITLIST_KEYS: readonly string[] = ['bumpLimit', 'victimOrder'];
const ELASTIC_KEYS: readonly string[] = ['emergencyOverflow', 'walkInBeforeOnline'];

// Each option is checked here, under the preset's own name for it, before any plug-in is built
// (a plug-in would name its own field: `limit`, `whenDisplaced.default[0].chainDepth`).

function bumpLimitOf(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY || (typeof value === 'number' && Number.isInteger(value) && value >= 0)) return value;
  throw invalid('bumpLimit', `Expected \`bumpLimit\` to be a non-negative integer or Infinity, got ${shown(value)}`);
}

function chainDepthOf(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw invalid('chainDepth', `Expected \`chainDepth\` to be a non-negative integer, got ${shown(value)}`);
}

function victimOrderOf(value: unknown): 'latest' | 'earliest' {
  if (value === undefined) return 'latest';
  if (value === 'latest' || value === 'earliest') return value;
  throw invalid('victimOrder', `Expected \`victimOrder\` to be 'latest' or 'earliest', got ${shown(value)}`);
}

function emergencyOverflowOf<T extends 'slot' | 'unlimited'>(value: unknown, fallback: number | T, words: readonly T[]): number | T {
  if (value === undefined) return fallback;
  if ((typeof value === 'number' && Number.isInteger(value) && value >= 0) || words.includes(value as T)) return value as number | T;
  const expected = words.map((w) => `'${w}'`).join(' or ');
  throw invalid('emergencyOverflow', `Expected \`emergencyOverflow\` to be a non-negative integer or ${expected}, got ${shown(value)}`);
}

/**
 * A preset's own overflow: the categories it names (`whenFull.EMERGENCY`) are the preset's
 * defaults, not the user's, so it is not refused beside a priority policy that does not accept
 * them (its rules for them simply never apply). Its capacity names none (the default `categories`).
 */
function ours<T extends object>(strategy: T): T {
  nameCategories(strategy, []);
  return strategy;
}

/**
 * Ready policies reproducing the families found in the field. Each returns a plain fragment of
 * options: `new OpdScheduler({ ...presets.cascade(), storage })`.
 *
 * | preset | priority | elastic | when full | displaced | waitlist |
 * |---|---|---|---|---|---|
 * | `standard` (default) | E1 P2 F3 O4 W5 | EMERGENCY up to the slot's `overflowCapacity` | EMERGENCY bumps, else next slot, else waitlist; others next slot, else waitlist | cascade, else waitlist; bumped at most once | doctor-day |
 * | `cascade` | E1 P2 F3 O4 W4 | none | any better rank bumps; else `SLOT_FULL` (`victimWithoutRoom: 'keep'`: no bump whose victim cannot move) | cascade, else `DROPPED` | none |
 * | `waitlist` | E1 P2 F3 O4 W5 | none | EMERGENCY bumps; others waitlisted | bumped: that slot's waitlist; closed/shrunk: cascade, else next slot's waitlist | per slot |
 * | `elastic` | as standard (opt. W4 O5) | EMERGENCY up to `emergencyOverflow` | next slot, else waitlist | cascade, else waitlist | doctor-day |
 *
 * In every preset an `EMERGENCY` is protected: it takes the earliest slot of its day, from the
 * one it asked for, with a free place, else an elastic place, else a bump the preset allows
 * (all but `elastic` bump for emergencies); it is never refused or dropped, and with no room
 * anywhere it waits on the doctor-day waitlist (`emergency:unplaced`).
 *
 * Options are checked before anything is built: omitted (`undefined`) means the defaults;
 * anything but a plain object, an option the preset does not have (a typo such as `bumplimit`,
 * or `chainDepth` for `waitlist`) and a value of the wrong type are refused with
 * `VALIDATION_FAILED` naming the preset's own option (`details.field`: `emergencyOverflow`,
 * `chainDepth`, the unknown key, or `options`).
 */
export const presets = Object.freeze({
  /**
   * The default policy: emergencies take elastic places, then bump, then move on; nothing is
   * ever dropped; an emergency is never refused.
   * @throws OpdError `VALIDATION_FAILED` for an invalid option (`details.field` names it)
   * @param options - see {@link StandardPresetOptions}
   */
  standard(options?: StandardPresetOptions): Preset {
    const o = policyOptions('presets.standard', options, STANDARD_KEYS);
    const bumpLimit = bumpLimitOf(o['bumpLimit'], 1);
    const emergencyOverflow = emergencyOverflowOf(o['emergencyOverflow'], 'slot', ['slot', 'unlimited']);
    const victimOrder = victimOrderOf(o['victimOrder']);
    const chainDepth = chainDepthOf(o['chainDepth']);
    return {
      priority: new CategoryPriority({ name: 'standard' }),
      capacity: new ElasticCapacity({ limit: emergencyOverflow }),
      overflow: ours(
        new RuleOverflow({
          name: 'standard',
          whenFull: { EMERGENCY: ['bump', 'next-slot', 'waitlist'], default: ['next-slot', 'waitlist'] },
          whenDisplaced: { default: [{ kind: 'cascade', chainDepth }, { kind: 'waitlist' }] },
          waitlist: 'day',
          bumpLimit,
          victimOrder,
        }),
      ),
    };
  },

  /**
   * Bump and cascade: any strictly more urgent request bumps the worst place, which moves to the
   * next slot with room or is dropped at the end of the day (with `victimWithoutRoom: 'keep'`,
   * such a bump is not made). No waitlist but for emergencies, which are never refused; no
   * elastic places.
   * @throws OpdError `VALIDATION_FAILED` for an invalid option (`details.field` names it)
   * @param options - see {@link CascadePresetOptions}
   */
  cascade(options?: CascadePresetOptions): Preset {
    const o = policyOptions('presets.cascade', options, CASCADE_KEYS);
    const chainDepth = chainDepthOf(o['chainDepth']);
    const bumpLimit = bumpLimitOf(o['bumpLimit'], Number.POSITIVE_INFINITY);
    const victimOrder = victimOrderOf(o['victimOrder']);
    const victimWithoutRoom = o['victimWithoutRoom'] === undefined ? 'drop' : o['victimWithoutRoom'];
    if (victimWithoutRoom !== 'drop' && victimWithoutRoom !== 'keep') {
      throw invalid('victimWithoutRoom', `Expected \`victimWithoutRoom\` to be 'drop' or 'keep', got ${shown(victimWithoutRoom)}`);
    }
    return {
      priority: new CategoryPriority({ name: 'cascade', ranks: { EMERGENCY: 1, PAID: 2, FOLLOW_UP: 3, ONLINE: 4, WALK_IN: 4 } }),
      capacity: new NoElasticCapacity(),
      overflow: ours(
        new RuleOverflow({
          name: 'cascade',
          whenFull: { default: ['bump', 'reject'] },
          whenDisplaced: { default: [{ kind: 'cascade', chainDepth }, { kind: 'drop' }] },
          waitlist: 'day',
          bumpLimit,
          victimOrder,
          victimWithoutRoom: victimWithoutRoom === 'keep' ? 'keep' : 'displace',
        }),
      ),
    };
  },

  /**
   * Per-slot waitlists: a full slot waitlists the request; an emergency bumps the worst place
   * onto that slot's waitlist; cancellations and no-shows promote the best waiting token.
   * @throws OpdError `VALIDATION_FAILED` for an invalid option (`details.field` names it)
   * @param options - see {@link WaitlistPresetOptions}
   */
  waitlist(options?: WaitlistPresetOptions): Preset {
    const o = policyOptions('presets.waitlist', options, WAITLIST_KEYS);
    const bumpLimit = bumpLimitOf(o['bumpLimit'], Number.POSITIVE_INFINITY);
    const victimOrder = victimOrderOf(o['victimOrder']);
    return {
      priority: new CategoryPriority({ name: 'waitlist' }),
      capacity: new NoElasticCapacity(),
      overflow: ours(
        new RuleOverflow({
          name: 'waitlist',
          whenFull: { EMERGENCY: ['bump', 'waitlist'], default: ['waitlist'] },
          whenDisplaced: {
            bumped: [{ kind: 'waitlist', slot: 'from' }],
            default: [{ kind: 'cascade' }, { kind: 'waitlist', slot: 'next' }],
          },
          waitlist: 'slot',
          bumpLimit,
          victimOrder,
        }),
      ),
    };
  },

  /**
   * Elastic capacity without bumping: emergencies take extra places beyond capacity; everyone
   * else goes to the next slot with room, else the doctor-day waitlist.
   * @throws OpdError `VALIDATION_FAILED` for an invalid option (`details.field` names it)
   * @param options - see {@link ElasticPresetOptions}
   */
  elastic(options?: ElasticPresetOptions): Preset {
    const o = policyOptions('presets.elastic', options, ELASTIC_KEYS);
    const emergencyOverflow = emergencyOverflowOf(o['emergencyOverflow'], 2, ['unlimited']);
    const walkInBeforeOnline = o['walkInBeforeOnline'] === undefined ? false : o['walkInBeforeOnline'];
    if (typeof walkInBeforeOnline !== 'boolean') {
      throw invalid('walkInBeforeOnline', `Expected \`walkInBeforeOnline\` to be a boolean, got ${shown(walkInBeforeOnline)}`);
    }
    const ranks = walkInBeforeOnline ? { ...STANDARD_RANKS, WALK_IN: 4, ONLINE: 5 } : STANDARD_RANKS;
    return {
      priority: new CategoryPriority({ name: 'elastic', ranks }),
      capacity: new ElasticCapacity({ limit: emergencyOverflow }),
      overflow: ours(
        new RuleOverflow({
          name: 'elastic',
          whenFull: { default: ['next-slot', 'waitlist'] },
          whenDisplaced: { default: [{ kind: 'cascade' }, { kind: 'waitlist' }] },
          waitlist: 'day',
          bumpLimit: 0,
        }),
      ),
    };
  },
});
