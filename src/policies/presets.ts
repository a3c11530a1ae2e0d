import { invalid } from '../errors.js';
import { shown } from '../time.js';
import { type CapacityStrategy, ElasticCapacity, NoElasticCapacity } from './capacity.js';
import { type OverflowStrategy, RuleOverflow } from './overflow.js';
import { CategoryPriority, type PriorityPolicy, STANDARD_RANKS } from './priority.js';

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
 */
export const presets = Object.freeze({
  /**
   * The default policy: emergencies take elastic places, then bump, then move on; nothing is
   * ever dropped; an emergency is never refused.
   * @param options - see {@link StandardPresetOptions}
   */
  standard(options: StandardPresetOptions = {}): Preset {
    return {
      priority: new CategoryPriority({ name: 'standard' }),
      capacity: new ElasticCapacity({ limit: options.emergencyOverflow ?? 'slot' }),
      overflow: new RuleOverflow({
        name: 'standard',
        whenFull: { EMERGENCY: ['bump', 'next-slot', 'waitlist'], default: ['next-slot', 'waitlist'] },
        whenDisplaced: { default: [{ kind: 'cascade', chainDepth: options.chainDepth ?? 0 }, { kind: 'waitlist' }] },
        waitlist: 'day',
        bumpLimit: options.bumpLimit ?? 1,
        victimOrder: options.victimOrder ?? 'latest',
      }),
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
  cascade(options: CascadePresetOptions = {}): Preset {
    const victimWithoutRoom = options.victimWithoutRoom ?? 'drop';
    if (victimWithoutRoom !== 'drop' && victimWithoutRoom !== 'keep') {
      throw invalid('victimWithoutRoom', `Expected \`victimWithoutRoom\` to be 'drop' or 'keep', got ${shown(victimWithoutRoom)}`);
    }
    return {
      priority: new CategoryPriority({ name: 'cascade', ranks: { EMERGENCY: 1, PAID: 2, FOLLOW_UP: 3, ONLINE: 4, WALK_IN: 4 } }),
      capacity: new NoElasticCapacity(),
      overflow: new RuleOverflow({
        name: 'cascade',
        whenFull: { default: ['bump', 'reject'] },
        whenDisplaced: { default: [{ kind: 'cascade', chainDepth: options.chainDepth ?? 0 }, { kind: 'drop' }] },
        waitlist: 'day',
        bumpLimit: options.bumpLimit ?? Number.POSITIVE_INFINITY,
        victimOrder: options.victimOrder ?? 'latest',
        victimWithoutRoom: victimWithoutRoom === 'keep' ? 'keep' : 'displace',
      }),
    };
  },

  /**
   * Per-slot waitlists: a full slot waitlists the request; an emergency bumps the worst place
   * onto that slot's waitlist; cancellations and no-shows promote the best waiting token.
   * @param options - see {@link WaitlistPresetOptions}
   */
  waitlist(options: WaitlistPresetOptions = {}): Preset {
    return {
      priority: new CategoryPriority({ name: 'waitlist' }),
      capacity: new NoElasticCapacity(),
      overflow: new RuleOverflow({
        name: 'waitlist',
        whenFull: { EMERGENCY: ['bump', 'waitlist'], default: ['waitlist'] },
        whenDisplaced: {
          bumped: [{ kind: 'waitlist', slot: 'from' }],
          default: [{ kind: 'cascade' }, { kind: 'waitlist', slot: 'next' }],
        },
        waitlist: 'slot',
        bumpLimit: options.bumpLimit ?? Number.POSITIVE_INFINITY,
        victimOrder: options.victimOrder ?? 'latest',
      }),
    };
  },

  /**
   * Elastic capacity without bumping: emergencies take extra places beyond capacity; everyone
   * else goes to the next slot with room, else the doctor-day waitlist.
   * @param options - see {@link ElasticPresetOptions}
   */
  elastic(options: ElasticPresetOptions = {}): Preset {
    const ranks = options.walkInBeforeOnline === true ? { ...STANDARD_RANKS, WALK_IN: 4, ONLINE: 5 } : STANDARD_RANKS;
    return {
      priority: new CategoryPriority({ name: 'elastic', ranks }),
      capacity: new ElasticCapacity({ limit: options.emergencyOverflow ?? 2 }),
      overflow: new RuleOverflow({
        name: 'elastic',
        whenFull: { default: ['next-slot', 'waitlist'] },
        whenDisplaced: { default: [{ kind: 'cascade' }, { kind: 'waitlist' }] },
        waitlist: 'day',
        bumpLimit: 0,
      }),
    };
  },
});
