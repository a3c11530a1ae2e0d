/**
 * Shared pieces of the property, model and race suites: run settings, policy configurations as
 * plain (printable) data, and readers of the scheduler's full observable state.
 */
import fc from 'fast-check';
import { intensity } from '../intensity.js';
import {
  AgingPriority,
  type BookingWindow,
  type BookingWindows,
  type ChannelRule,
  CategoryPriority,
  type DisplacedOption,
  ElasticCapacity,
  FairCallOrder,
  type FullOption,
  NoElasticCapacity,
  type OpdScheduler,
  type Preset,
  presets,
  RuleOverflow,
  SeniorCitizenPriority,
  type Stats,
  type Token,
  type DaySchedule,
  type SlotView,
  type QuotaStrategy,
  type CapacityStrategy,
  type PriorityPolicy,
  type Slot,
} from 'opd-scheduler';
import { allHistory } from '../helpers.js';

/** The four presets, and the standard one without its elastic place, by name: for a property that runs each in turn. */
export const PRESETS: Readonly<Record<string, () => Preset>> = {
  standard: () => presets.standard(),
  'standard, no elastic place': () => presets.standard({ emergencyOverflow: 0 }),
  cascade: () => presets.cascade(),
  waitlist: () => presets.waitlist(),
  elastic: () => presets.elastic(),
};

/** The seed used in CI (and whenever `FC_SEED` is not set and `CI` is). */
export const CI_SEED = 20_260_130;

function envInt(...names: string[]): number | undefined {
  for (const name of names) {
    const raw = process.env[name];
    if (raw !== undefined && raw !== '') {
      const n = Number(raw);
      if (Number.isSafeInteger(n)) return n;
    }
  }
  return undefined;
}

/**
 * A contributor's `npm test` makes this share of a property's runs (a tenth, at least one: every
 * property still runs, on the same seed in CI); `npm run test:long` all of them.
 */
const QUICK_SHARE = 10;

/**
 * The runs of a property: `FC_RUNS` / `OPD_FC_RUNS` when set, else `runs` in `npm run test:long`
 * and a tenth of them (at least one) in `npm test` (`test/intensity.ts`), times `FC_SCALE` when
 * set (`npm run test:explore` sets it: each property's own share of runs, scaled).
 */
function runsOf(runs: number): number {
  const scale = Number(process.env['FC_SCALE'] ?? '1');
  const base = intensity(Math.max(1, Math.ceil(runs / QUICK_SHARE)), runs);
  return envInt('FC_RUNS', 'OPD_FC_RUNS') ?? Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/**
 * fast-check settings for one property: a fixed seed in CI (or `FC_SEED`), `runs` runs at full
 * intensity (see {@link runsOf}). On failure fast-check reports the seed, the path and the shrunk
 * counterexample; rerun with `FC_SEED=<seed> FC_PATH=<path>` to replay it directly.
 */
export function fcOptions<T>(runs: number): fc.Parameters<T> {
  const seed = envInt('FC_SEED') ?? (process.env['CI'] === 'true' || process.env['CI'] === '1' ? CI_SEED : undefined);
  const numRuns = runsOf(runs);
  const path = process.env['FC_PATH'];
  return {
    numRuns,
    ...(seed === undefined ? {} : { seed }),
    ...(path === undefined || path === '' ? {} : { path }),
  };
}

/**
 * Test timeout (ms) that grows with the requested number of runs: a guard against a hang on a
 * loaded machine, never a speed assertion (speed is measured by benchmarks). Never under ten
 * minutes: a property of a few runs has taken over two on a busy two-core machine.
 */
export function timeoutFor(runs: number, msPerRun: number): number {
  return Math.max(600_000, runsOf(runs) * msPerRun * 10);
}

export const CATEGORIES = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'] as const;
export type Cat = (typeof CATEGORIES)[number];

/**
 * The most elastic places a scheduler's capacity strategy grants any category in `slot` at
 * `occupancy` (at least its capacity), asked through the strategies' public interfaces as the
 * scheduler asks them: the bound an oracle holds a slot to (capacity plus this), whatever the preset.
 */
export function elasticGranted(
  strategies: { readonly capacity: CapacityStrategy; readonly priority: PriorityPolicy },
  slot: Slot,
  occupancy: number,
  now: number,
): number {
  let extras = 0;
  const at = new Date(now);
  for (const category of CATEGORIES) {
    const rank = strategies.priority.rank({ category, patient: { name: 'P' }, requestedAt: at, dueAt: at, now: at, bumpCount: 0 });
    extras = Math.max(extras, strategies.capacity.elasticPlaces({ slot, category, rank, occupancy: Math.max(occupancy, slot.capacity), now: at }));
  }
  return extras;
}

// ---------------------------------------------------------------------------------------------
// Policy configurations as data.

/** The options of a `FairCallOrder` (the order `callNext` calls checked-in patients in), as data. */
export interface CallOrderSpec {
  readonly rates?: Readonly<Partial<Record<Exclude<Cat, 'EMERGENCY'>, number>>> | undefined;
  readonly interleaveEvery?: number | undefined;
  readonly maxWaitMinutes?: number | undefined;
}

/** Every configuration may carry a call order: `undefined` calls in queue order. */
interface WithCallOrder {
  readonly callOrder?: CallOrderSpec | undefined;
}

export type PresetSpec = WithCallOrder &
  (
    | {
        readonly kind: 'standard';
        readonly options: {
          bumpLimit?: number | undefined;
          emergencyOverflow?: number | 'slot' | 'unlimited' | undefined;
          victimOrder?: 'latest' | 'earliest' | undefined;
          chainDepth?: number | undefined;
        };
      }
    | {
        readonly kind: 'cascade';
        readonly options: {
          chainDepth?: number | undefined;
          bumpLimit?: number | undefined;
          victimOrder?: 'latest' | 'earliest' | undefined;
          victimWithoutRoom?: 'drop' | 'keep' | undefined;
        };
      }
    | { readonly kind: 'waitlist'; readonly options: { bumpLimit?: number | undefined; victimOrder?: 'latest' | 'earliest' | undefined } }
    | { readonly kind: 'elastic'; readonly options: { emergencyOverflow?: number | 'unlimited' | undefined; walkInBeforeOnline?: boolean | undefined } }
  );

export interface CustomSpec extends WithCallOrder {
  readonly kind: 'custom';
  readonly ranks: Readonly<Record<Cat, number>>;
  readonly senior: { readonly age: number; readonly levels: number; readonly minRank: number } | null;
  readonly aging: { readonly everyMinutes: number | null; readonly perBump: boolean; readonly minRank: number } | null;
  readonly elastic: { readonly categories: readonly Cat[]; readonly limit: number | 'slot' | 'unlimited' } | null;
  readonly whenFull: Readonly<Partial<Record<Cat | 'default', readonly FullOption[]>>>;
  readonly whenDisplaced: Readonly<Partial<Record<'bumped' | 'slot-closed' | 'capacity-lowered' | 'default', readonly DisplacedOption[]>>>;
  readonly waitlist: 'day' | 'slot';
  readonly bumpLimit: number;
  readonly victimOrder: 'latest' | 'earliest';
  readonly victimWithoutRoom: 'displace' | 'keep';
}

export type ConfigSpec = PresetSpec | CustomSpec;

/** The plug-ins a configuration stands for: its strategies, and its call order when it has one. */
export function buildPolicies(spec: ConfigSpec): Preset & { readonly callOrder?: FairCallOrder } {
  const strategies = buildStrategies(spec);
  return spec.callOrder === undefined ? strategies : { ...strategies, callOrder: new FairCallOrder(spec.callOrder) };
}

function buildStrategies(spec: ConfigSpec): Preset {
  switch (spec.kind) {
    case 'standard':
      return presets.standard(spec.options);
    case 'cascade':
      return presets.cascade(spec.options);
    case 'waitlist':
      return presets.waitlist(spec.options);
    case 'elastic':
      return presets.elastic(spec.options);
    case 'custom': {
      let priority: Preset['priority'] = new CategoryPriority({ ranks: spec.ranks, name: 'custom' });
      if (spec.senior !== null) priority = new SeniorCitizenPriority({ inner: priority, ...spec.senior });
      if (spec.aging !== null) {
        const { everyMinutes, perBump, minRank } = spec.aging;
        priority = new AgingPriority({ inner: priority, perBump, minRank, ...(everyMinutes === null ? {} : { everyMinutes }) });
      }
      const capacity =
        spec.elastic === null ? new NoElasticCapacity() : new ElasticCapacity({ categories: spec.elastic.categories, limit: spec.elastic.limit });
      const overflow = new RuleOverflow({
        name: 'custom',
        whenFull: spec.whenFull as Record<string, readonly FullOption[]>,
        whenDisplaced: spec.whenDisplaced,
        waitlist: spec.waitlist,
        bumpLimit: spec.bumpLimit,
        victimOrder: spec.victimOrder,
        victimWithoutRoom: spec.victimWithoutRoom,
      });
      return { priority, capacity, overflow };
    }
  }
}

/** What the tests need to know about a configuration, derived from the spec (not from src/). */
export interface PolicyFacts {
  /** Categories that may take elastic places. */
  readonly elasticCategories: ReadonlySet<string>;
  /** Elastic allowance of a slot. */
  readonly elasticLimit: (overflowCapacity: number) => number;
  readonly bumpLimit: number;
  /** Whether a displaced token may ever be dropped. */
  readonly mayDrop: boolean;
  /** Categories with emergency protection (every built-in overflow strategy protects EMERGENCY). */
  readonly protectedCategories: ReadonlySet<string>;
  /** Whether a protected request may bump: its `whenFull` options include `bump`. */
  readonly emergencyMayBump: boolean;
  /** `'keep'`: a bump whose victim could not move is not made. */
  readonly victimWithoutRoom: 'displace' | 'keep';
  /** Tie-break among equally ranked victims. */
  readonly victimOrder: 'latest' | 'earliest';
  /** The options for a bumped token, in order. */
  readonly whenBumped: readonly DisplacedOption[];
}

export function factsOf(spec: ConfigSpec): PolicyFacts {
  const emergencyOnly = new Set(['EMERGENCY']);
  const limitOf = (limit: number | 'slot' | 'unlimited'): ((o: number) => number) =>
    limit === 'slot' ? (o) => o : limit === 'unlimited' ? () => Number.POSITIVE_INFINITY : () => limit;
  const protectedCategories = emergencyOnly;
  switch (spec.kind) {
    case 'standard':
      return {
        elasticCategories: emergencyOnly,
        elasticLimit: limitOf(spec.options.emergencyOverflow ?? 'slot'),
        bumpLimit: spec.options.bumpLimit ?? 1,
        mayDrop: false,
        protectedCategories,
        emergencyMayBump: true,
        victimWithoutRoom: 'displace',
        victimOrder: spec.options.victimOrder ?? 'latest',
        whenBumped: [{ kind: 'cascade', chainDepth: spec.options.chainDepth ?? 0 }, { kind: 'waitlist' }],
      };
    case 'cascade':
      return {
        elasticCategories: new Set(),
        elasticLimit: () => 0,
        bumpLimit: spec.options.bumpLimit ?? Number.POSITIVE_INFINITY,
        mayDrop: true,
        protectedCategories,
        emergencyMayBump: true,
        victimWithoutRoom: spec.options.victimWithoutRoom === 'keep' ? 'keep' : 'displace',
        victimOrder: spec.options.victimOrder ?? 'latest',
        whenBumped: [{ kind: 'cascade', chainDepth: spec.options.chainDepth ?? 0 }, { kind: 'drop' }],
      };
    case 'waitlist':
      return {
        elasticCategories: new Set(),
        elasticLimit: () => 0,
        bumpLimit: spec.options.bumpLimit ?? Number.POSITIVE_INFINITY,
        mayDrop: false,
        protectedCategories,
        emergencyMayBump: true,
        victimWithoutRoom: 'displace',
        victimOrder: spec.options.victimOrder ?? 'latest',
        whenBumped: [{ kind: 'waitlist', slot: 'from' }],
      };
    case 'elastic':
      return {
        elasticCategories: emergencyOnly,
        elasticLimit: limitOf(spec.options.emergencyOverflow ?? 2),
        bumpLimit: 0,
        mayDrop: false,
        protectedCategories,
        emergencyMayBump: false,
        victimWithoutRoom: 'displace',
        victimOrder: 'latest',
        whenBumped: [{ kind: 'cascade' }, { kind: 'waitlist' }],
      };
    case 'custom':
      return {
        elasticCategories: new Set(spec.elastic?.categories ?? []),
        elasticLimit: spec.elastic === null ? () => 0 : limitOf(spec.elastic.limit),
        bumpLimit: spec.bumpLimit,
        // A protected token is never dropped.
        mayDrop: Object.values(spec.whenDisplaced).some((list) => list?.some((o) => o.kind === 'drop')),
        protectedCategories,
        emergencyMayBump: (spec.whenFull.EMERGENCY ?? spec.whenFull.default ?? ['reject']).includes('bump'),
        victimWithoutRoom: spec.victimWithoutRoom,
        victimOrder: spec.victimOrder,
        whenBumped: spec.whenDisplaced.bumped ?? spec.whenDisplaced.default ?? [{ kind: 'cascade' }, { kind: 'waitlist' }],
      };
  }
}

const victimOrderArb = fc.constantFrom<'latest' | 'earliest'>('latest', 'earliest');
const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** Random call orders: rates of some categories, interleaving, a longest wait; each part or none. */
export const callOrderSpecArb: fc.Arbitrary<CallOrderSpec> = fc
  .record({
    rates: opt(
      fc.dictionary(fc.constantFrom<Exclude<Cat, 'EMERGENCY'>>('PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'), fc.constantFrom(0.5, 1, 2, 3, 4, 8), { minKeys: 1 }),
    ),
    interleaveEvery: opt(fc.integer({ min: 1, max: 3 })),
    maxWaitMinutes: opt(fc.constantFrom(5, 20, 45, 90)),
  })
  .map(compact);

/** A configuration, with a random call order half of the time. */
const withCallOrder = <T extends WithCallOrder>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.tuple(arb, fc.option(callOrderSpecArb, { nil: undefined, freq: 2 })).map(([spec, callOrder]) => (callOrder === undefined ? spec : { ...spec, callOrder }));

/** Every preset, with and without overrides of its own options (and half of the time a call order). */
export const presetSpecArb: fc.Arbitrary<PresetSpec> = withCallOrder<PresetSpec>(
  fc.oneof(
    fc
      .record({
        bumpLimit: opt(fc.integer({ min: 0, max: 3 })),
        emergencyOverflow: opt(fc.oneof(fc.constant<'slot'>('slot'), fc.constant<'unlimited'>('unlimited'), fc.integer({ min: 0, max: 2 }))),
        victimOrder: opt(victimOrderArb),
        chainDepth: opt(fc.integer({ min: 0, max: 2 })),
      })
      .map((options) => ({ kind: 'standard' as const, options: compact(options) })),
    fc
      .record({
        chainDepth: opt(fc.integer({ min: 0, max: 2 })),
        bumpLimit: opt(fc.integer({ min: 0, max: 3 })),
        victimOrder: opt(victimOrderArb),
        victimWithoutRoom: opt(fc.constantFrom<'drop' | 'keep'>('drop', 'keep')),
      })
      .map((options) => ({ kind: 'cascade' as const, options: compact(options) })),
    fc
      .record({ bumpLimit: opt(fc.integer({ min: 0, max: 3 })), victimOrder: opt(victimOrderArb) })
      .map((options) => ({ kind: 'waitlist' as const, options: compact(options) })),
    fc
      .record({
        emergencyOverflow: opt(fc.oneof(fc.constant<'unlimited'>('unlimited'), fc.integer({ min: 0, max: 2 }))),
        walkInBeforeOnline: opt(fc.boolean()),
      })
      .map((options) => ({ kind: 'elastic' as const, options: compact(options) })),
  ),
);

const fullOptionsArb: fc.Arbitrary<FullOption[]> = fc.uniqueArray(fc.constantFrom<FullOption>('bump', 'next-slot', 'waitlist', 'reject'), {
  minLength: 0,
  maxLength: 4,
});
const displacedOptionArb: fc.Arbitrary<DisplacedOption> = fc.oneof(
  fc.record({ kind: fc.constant<'cascade'>('cascade'), chainDepth: fc.integer({ min: 0, max: 2 }) }),
  fc.constant<DisplacedOption>({ kind: 'cascade' }),
  fc.record({ kind: fc.constant<'waitlist'>('waitlist'), slot: fc.constantFrom<'from' | 'next' | 'none'>('from', 'next', 'none') }),
  fc.constant<DisplacedOption>({ kind: 'waitlist' }),
  fc.constant<DisplacedOption>({ kind: 'drop' }),
);
const displacedListArb = fc.array(displacedOptionArb, { minLength: 0, maxLength: 3 });

/** Random compositions of the built-in strategies (and half of the time a call order). */
export const customSpecArb: fc.Arbitrary<CustomSpec> = withCallOrder<CustomSpec>(
  fc.record<CustomSpec>({
    kind: fc.constant<'custom'>('custom'),
    ranks: fc.record({
      EMERGENCY: fc.integer({ min: 1, max: 5 }),
      PAID: fc.integer({ min: 1, max: 5 }),
      FOLLOW_UP: fc.integer({ min: 1, max: 5 }),
      ONLINE: fc.integer({ min: 1, max: 5 }),
      WALK_IN: fc.integer({ min: 1, max: 5 }),
    }),
    senior: fc.option(fc.record({ age: fc.constantFrom(60, 65), levels: fc.integer({ min: 1, max: 2 }), minRank: fc.integer({ min: 1, max: 3 }) }), {
      nil: null,
    }),
    aging: fc.option(
      fc
        .record({ everyMinutes: fc.option(fc.constantFrom(20, 45, 90), { nil: null }), perBump: fc.boolean(), minRank: fc.integer({ min: 1, max: 3 }) })
        .filter((a) => a.everyMinutes !== null || a.perBump),
      { nil: null },
    ),
    elastic: fc.option(
      fc.record({
        categories: fc.uniqueArray(fc.constantFrom(...CATEGORIES), { minLength: 1, maxLength: 3 }),
        limit: fc.oneof(fc.constant<'slot'>('slot'), fc.constant<'unlimited'>('unlimited'), fc.integer({ min: 0, max: 2 })),
      }),
      { nil: null },
    ),
    whenFull: fc.record({ default: fullOptionsArb, EMERGENCY: fullOptionsArb, PAID: fullOptionsArb, WALK_IN: fullOptionsArb }, { requiredKeys: ['default'] }),
    whenDisplaced: fc.record(
      { default: displacedListArb, bumped: displacedListArb, 'slot-closed': displacedListArb, 'capacity-lowered': displacedListArb },
      { requiredKeys: [] },
    ),
    waitlist: fc.constantFrom<'day' | 'slot'>('day', 'slot'),
    bumpLimit: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constant(Number.POSITIVE_INFINITY)),
    victimOrder: victimOrderArb,
    victimWithoutRoom: fc.constantFrom<'displace' | 'keep'>('displace', 'keep'),
  }),
);

export const configSpecArb: fc.Arbitrary<ConfigSpec> = fc.oneof({ weight: 3, arbitrary: presetSpecArb }, { weight: 2, arbitrary: customSpecArb });

// ---------------------------------------------------------------------------------------------
// Booking windows as data.

/** One category's booking window as printable data: bounds of a day or two, opening times every half hour from 06:00 to 12:00. */
export const windowArb: fc.Arbitrary<BookingWindow> = fc.record(
  {
    minNoticeMinutes: fc.constantFrom(0, 15, 30, 60, 90, 180),
    maxDaysAhead: fc.integer({ min: 0, max: 2 }),
    opensAt: fc.record({
      daysBefore: fc.integer({ min: 0, max: 2 }),
      at: fc.integer({ min: 12, max: 24 }).map((half) => `${String(Math.floor(half / 2)).padStart(2, '0')}:${half % 2 === 0 ? '00' : '30'}`),
    }),
    sameDayOnly: fc.boolean(),
    cancelCutoffMinutes: fc.constantFrom(0, 30, 60, 120),
  },
  { requiredKeys: [] },
);

/** Booking windows for some of the five built-in categories (an `EMERGENCY` window too: it must never refuse one); the actor `desk` is exempt. */
export const windowsSpecArb: fc.Arbitrary<BookingWindows> = fc
  .record({ EMERGENCY: windowArb, PAID: windowArb, FOLLOW_UP: windowArb, ONLINE: windowArb, WALK_IN: windowArb }, { requiredKeys: [] })
  .filter((c) => Object.keys(c).length > 0)
  .map((windows) => ({ ...windows, exemptActors: ['desk'] }));

// ---------------------------------------------------------------------------------------------
// Quotas as data.

/** A ChannelQuota's options as printable data. */
export type QuotaSpec = Readonly<Record<string, ChannelRule>>;

const ruleArb: fc.Arbitrary<ChannelRule> = fc
  .record(
    {
      share: fc.constantFrom(0, 0.25, 0.5, 0.6, 1),
      count: fc.integer({ min: 0, max: 2 }),
      perDay: fc.integer({ min: 0, max: 4 }),
      reserve: fc.integer({ min: 0, max: 2 }),
    },
    { requiredKeys: [] },
  )
  .chain((rule) =>
    rule.reserve === undefined
      ? fc.constant(rule)
      : fc.option(fc.constantFrom(0, 30, 90), { nil: undefined }).map((release) => (release === undefined ? rule : { ...rule, releaseMinutesBefore: release })),
  )
  .filter((rule) => Object.keys(rule).length > 0);

export const quotaSpecArb: fc.Arbitrary<QuotaSpec> = fc
  .record(
    {
      PAID: ruleArb,
      FOLLOW_UP: ruleArb,
      ONLINE: ruleArb,
      WALK_IN: ruleArb,
      EMERGENCY: fc.record({ reserve: fc.integer({ min: 1, max: 2 }) }),
    },
    { requiredKeys: [] },
  )
  .filter((q) => Object.keys(q).length > 0);

// ---------------------------------------------------------------------------------------------
// Observable state.

/** Everything a user can observe of a scheduler, for a known set of doctors, days and tokens. */
export interface Observed {
  readonly schedules: readonly DaySchedule[];
  readonly tokens: readonly Token[];
  readonly historyLength: number;
  readonly stats: Stats;
}

export async function observeAll(opd: OpdScheduler, doctors: readonly string[], days: readonly string[], tokenIds: readonly string[]): Promise<Observed> {
  const schedules: DaySchedule[] = [];
  for (const doctor of doctors) for (const day of days) schedules.push(await opd.getSchedule(doctor, day));
  const tokens: Token[] = [];
  for (const id of tokenIds) tokens.push(await opd.getToken(id));
  return { schedules, tokens, historyLength: (await allHistory(opd)).length, stats: await opd.stats() };
}

/** Whether a waitlisted token may be promoted into a slot (DESIGN §4, "Promotion"). */
export function eligible(token: Token, slot: SlotView['slot']): boolean {
  if (token.doctorId !== slot.doctorId || token.day !== slot.day) return false;
  if (token.waitingForSlotId !== null) return token.waitingForSlotId === slot.id;
  return token.notBefore === null || token.notBefore.getTime() <= slot.start.getTime();
}

/** Whether `quota` admits waiting `token` to one more place of `slot` (holding `places`, its day `dayPlaces`) at `now`. */
export function quotaAdmitsTo(
  quota: QuotaStrategy,
  token: Token,
  slot: SlotView['slot'],
  places: readonly Token[],
  dayPlaces: readonly Token[],
  now: number,
): boolean {
  return quota.admits({
    slot,
    category: token.category,
    rank: token.rank,
    occupancy: places.length,
    placesOf: (c) => places.filter((p) => p.category === c).length,
    dayPlacesOf: (c) => dayPlaces.filter((p) => p.category === c).length,
    now: new Date(now),
  });
}

/** Outcome of a call: its value or its error code, for comparisons across runs. */
export type Outcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly code: string; readonly field: unknown; readonly message: string };

export async function outcomeOf(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    const e = error as { code?: unknown; details?: { field?: unknown }; name?: unknown; message?: unknown };
    if (e?.name !== 'OpdError' || typeof e.code !== 'string') throw error;
    return { ok: false, code: e.code, field: e.details?.field, message: String(e.message) };
  }
}
