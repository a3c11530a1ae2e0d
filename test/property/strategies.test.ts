/**
 * The built-in strategies on their own: what they answer for any input (docs/policies.md), and
 * that any option value is either accepted or refused with VALIDATION_FAILED naming the option.
 */
import fc from 'fast-check';
import {
  AgingPriority,
  CategoryPriority,
  type DisplacedOption,
  ElasticCapacity,
  type FullOption,
  NoElasticCapacity,
  presets,
  RuleOverflow,
  SeniorCitizenPriority,
  type Slot,
} from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { fcOptions } from './support.js';

const RUNS = 200;
const categoryArb = fc.constantFrom('EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN', 'VIP');
const ranksArb = fc.dictionary(categoryArb, fc.integer({ min: -3, max: 9 }), { minKeys: 1 });
const improve = (rank: number, levels: number, minRank: number): number => (rank <= minRank ? rank : Math.max(rank - levels, minRank));
const context = (category: string, age: number | undefined, waitedMs: number, bumpCount: number) => ({
  category,
  patient: { name: 'x', ...(age === undefined ? {} : { age }) },
  requestedAt: new Date(1_000_000_000),
  dueAt: new Date(1_000_000_000),
  now: new Date(1_000_000_000 + waitedMs),
  bumpCount,
});
const slotOf = (overflowCapacity: number): Slot => ({
  id: 's',
  facilityId: 'default',
  doctorId: 'd',
  day: '2026-01-30',
  start: new Date(0),
  end: new Date(1),
  capacity: 1,
  overflowCapacity,
  status: 'OPEN',
  closedReason: null,
});

/** Runs a constructor: fine, or an OpdError VALIDATION_FAILED with a message, naming `field`. */
function acceptsOrNames(build: () => unknown, field: string): boolean {
  try {
    build();
    return true;
  } catch (error) {
    const e = error as { name?: unknown; code?: unknown; message?: unknown; details?: { field?: unknown } };
    expect(e.name).toBe('OpdError');
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(typeof e.message === 'string' && e.message.length > 0, 'a message').toBe(true);
    const f = String(e.details?.field);
    expect(f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`), `details.field \`${f}\` names \`${field}\``).toBe(true);
    return false;
  }
}

const anyValue = fc.oneof(
  fc.constantFrom<unknown>(null, Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 0.5, 1, 2, '', 'x', 'slot', 'unlimited', [], {}, ['EMERGENCY'], [1], true),
  fc.anything({ maxDepth: 2 }),
);

describe('built-in strategies', () => {
  it('CategoryPriority ranks from its table (or the fallback) and lists categories most urgent first', () => {
    fc.assert(
      fc.property(ranksArb, fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }), categoryArb, (ranks, fallbackRank, category) => {
        const policy = new CategoryPriority({ ranks, ...(fallbackRank === undefined ? {} : { fallbackRank }) });
        const known = Object.hasOwn(ranks, category);
        expect(policy.accepts(category)).toBe(known || fallbackRank !== undefined);
        expect(policy.rank(context(category, undefined, 0, 0))).toBe(known ? ranks[category] : (fallbackRank ?? Number.POSITIVE_INFINITY));
        expect(policy.categories).toEqual(Object.keys(ranks).sort((a, b) => ranks[a]! - ranks[b]!));
        expect(policy.name).toBe('category');
        expect((policy as { timeDependent?: boolean }).timeDependent ?? false).toBe(false);
      }),
      fcOptions(RUNS),
    );
  });

  it('SeniorCitizenPriority improves a senior by `levels`, never past `minRank`', () => {
    fc.assert(
      fc.property(
        fc.record(
          { age: fc.integer({ min: 1, max: 90 }), levels: fc.integer({ min: 1, max: 3 }), minRank: fc.integer({ min: 0, max: 4 }) },
          { requiredKeys: [] },
        ),
        fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        fc.constantFrom('EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'),
        (options, age, category) => {
          const policy = new SeniorCitizenPriority(options);
          const base = presets.standard().priority.rank(context(category, age, 0, 0));
          const senior = age !== undefined && age >= (options.age ?? 60);
          expect(policy.rank(context(category, age, 0, 0))).toBe(senior ? improve(base, options.levels ?? 1, options.minRank ?? 2) : base);
          expect(policy.name).toBe('senior-citizen(category)');
          expect(policy.accepts(category)).toBe(true);
          expect(policy.accepts('VIP')).toBe(false);
          expect(policy.categories).toEqual(['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN']);
          expect(policy.timeDependent).toBe(false);
        },
      ),
      fcOptions(RUNS),
    );
  });

  it('AgingPriority improves one level per `everyMinutes` waited and per bump, never past `minRank`', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }),
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
        fc.integer({ min: -60, max: 300 }),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom('EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'),
        fc.boolean(),
        (everyMinutes, perBump, minRank, waitedMinutes, bumpCount, category, senior) => {
          const inner = senior ? new SeniorCitizenPriority() : undefined;
          const build = () =>
            new AgingPriority({
              perBump,
              ...(everyMinutes === undefined ? {} : { everyMinutes }),
              ...(minRank === undefined ? {} : { minRank }),
              ...(inner === undefined ? {} : { inner }),
            });
          if (everyMinutes === undefined && !perBump) {
            expect(acceptsOrNames(build, 'everyMinutes')).toBe(false);
            return;
          }
          const policy = build();
          const ctx = context(category, 70, waitedMinutes * 60_000, bumpCount);
          const base = (inner ?? new CategoryPriority()).rank(ctx);
          let levels = perBump ? bumpCount : 0;
          if (everyMinutes !== undefined && waitedMinutes > 0) levels += Math.floor(waitedMinutes / everyMinutes);
          expect(policy.rank(ctx)).toBe(levels > 0 ? improve(base, levels, minRank ?? 2) : base);
          expect(policy.timeDependent).toBe(everyMinutes !== undefined);
          expect(policy.name).toBe(senior ? 'aging(senior-citizen(category))' : 'aging(category)');
          expect(policy.accepts(category)).toBe(true);
          expect(policy.accepts('VIP')).toBe(false);
          expect(policy.categories).toEqual(['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN']);
          // Time dependence passes through wrappers.
          expect(new SeniorCitizenPriority({ inner: policy }).timeDependent).toBe(everyMinutes !== undefined);
          expect(new AgingPriority({ inner: policy, perBump: true }).timeDependent).toBe(everyMinutes !== undefined);
        },
      ),
      fcOptions(RUNS),
    );
  });

  it('ElasticCapacity grants its limit to its categories only; NoElasticCapacity grants nothing', () => {
    fc.assert(
      fc.property(
        fc.option(fc.uniqueArray(categoryArb, { maxLength: 3 }), { nil: undefined }),
        fc.option(fc.oneof(fc.constant<'slot'>('slot'), fc.constant<'unlimited'>('unlimited'), fc.integer({ min: 0, max: 5 })), { nil: undefined }),
        categoryArb,
        fc.integer({ min: 0, max: 5 }),
        (categories, limit, category, overflowCapacity) => {
          const strategy = new ElasticCapacity({ ...(categories === undefined ? {} : { categories }), ...(limit === undefined ? {} : { limit }) });
          const ctx = { slot: slotOf(overflowCapacity), category, rank: 1, occupancy: 1, now: new Date(0) };
          const allowed = (categories ?? ['EMERGENCY']).includes(category);
          const l = limit ?? 'slot';
          const expected = !allowed ? 0 : l === 'slot' ? overflowCapacity : l === 'unlimited' ? Number.POSITIVE_INFINITY : l;
          expect(strategy.elasticPlaces(ctx)).toBe(expected);
          expect(strategy.name).toBe(`elastic(${String(l)})`);
          const none = new NoElasticCapacity();
          expect(none.elasticPlaces()).toBe(0);
          expect(none.name).toBe('none');
        },
      ),
      fcOptions(RUNS),
    );
  });

  it('RuleOverflow answers from its tables, with the documented defaults', () => {
    const full = fc.uniqueArray(fc.constantFrom<FullOption>('bump', 'next-slot', 'waitlist', 'reject'), { maxLength: 4 });
    const displaced = fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant<'cascade'>('cascade'), chainDepth: fc.integer({ min: 0, max: 3 }) }),
        fc.record({ kind: fc.constant<'waitlist'>('waitlist'), slot: fc.constantFrom<'from' | 'next' | 'none'>('from', 'next', 'none') }),
        fc.constant<DisplacedOption>({ kind: 'drop' }),
      ),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(
        fc.option(fc.dictionary(fc.constantFrom('default', 'EMERGENCY', 'PAID'), full), { nil: undefined }),
        fc.option(fc.record({ default: displaced, bumped: displaced, 'slot-closed': displaced, 'capacity-lowered': displaced }, { requiredKeys: [] }), {
          nil: undefined,
        }),
        fc.record(
          {
            name: fc.constantFrom('mine', 'other'),
            waitlist: fc.constantFrom<'day' | 'slot'>('day', 'slot'),
            bumpLimit: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(Number.POSITIVE_INFINITY)),
            victimOrder: fc.constantFrom<'latest' | 'earliest'>('latest', 'earliest'),
          },
          { requiredKeys: [] },
        ),
        categoryArb,
        fc.constantFrom<'bumped' | 'slot-closed' | 'capacity-lowered'>('bumped', 'slot-closed', 'capacity-lowered'),
        (whenFull, whenDisplaced, rest, category, reason) => {
          const overflow = new RuleOverflow({
            ...rest,
            ...(whenFull === undefined ? {} : { whenFull }),
            ...(whenDisplaced === undefined ? {} : { whenDisplaced }),
          });
          const table = whenFull ?? { default: ['next-slot', 'waitlist'] };
          const fullContext = { category, rank: 1, patient: { name: 'x' }, slot: null, occupancy: 0, requestedSlot: false, now: new Date(0) };
          expect(overflow.whenFull(fullContext)).toEqual(Object.hasOwn(table, category) ? table[category] : (table['default'] ?? ['reject']));
          const token = { id: 't', doctorId: 'd' } as never;
          const list = whenDisplaced?.[reason] ?? whenDisplaced?.default ?? [{ kind: 'cascade' }, { kind: 'waitlist' }];
          expect(overflow.whenDisplaced({ token, fromSlot: slotOf(0), reason, depth: 0, now: new Date(0) })).toEqual(list);
          expect([overflow.name, overflow.waitlist, overflow.bumpLimit, overflow.victimOrder]).toEqual([
            rest.name ?? 'rules',
            rest.waitlist ?? 'day',
            rest.bumpLimit ?? Number.POSITIVE_INFINITY,
            rest.victimOrder ?? 'latest',
          ]);
        },
      ),
      fcOptions(RUNS),
    );
  });

  it('any option value is accepted or refused with VALIDATION_FAILED naming the option', () => {
    const builders: Record<string, (key: string, value: unknown) => unknown> = {
      CategoryPriority: (key, value) => new CategoryPriority({ [key]: value } as never),
      SeniorCitizenPriority: (key, value) => new SeniorCitizenPriority({ [key]: value } as never),
      AgingPriority: (key, value) => new AgingPriority({ everyMinutes: 30, [key]: value } as never),
      ElasticCapacity: (key, value) => new ElasticCapacity({ [key]: value } as never),
      RuleOverflow: (key, value) => new RuleOverflow({ [key]: value } as never),
    };
    const keys: Record<string, readonly string[]> = {
      CategoryPriority: ['ranks', 'fallbackRank'],
      SeniorCitizenPriority: ['age', 'levels', 'minRank'],
      AgingPriority: ['everyMinutes', 'minRank'],
      ElasticCapacity: ['categories', 'limit'],
      RuleOverflow: ['whenFull', 'whenDisplaced', 'waitlist', 'bumpLimit', 'victimOrder'],
    };
    const nested = fc.oneof(
      anyValue,
      fc.dictionary(
        fc.constantFrom('default', 'EMERGENCY', 'bumped', 'A', ''),
        fc.oneof(
          anyValue,
          fc.array(anyValue, { maxLength: 2 }),
          fc.array(fc.record({ kind: fc.constantFrom('cascade', 'waitlist', 'drop', 'x'), chainDepth: anyValue, slot: anyValue }, { requiredKeys: ['kind'] }), {
            maxLength: 2,
          }),
        ),
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(builders)), fc.nat(), nested, (type, k, value) => {
        const list = keys[type]!;
        const key = list[k % list.length]!;
        acceptsOrNames(() => builders[type]!(key, value), key);
      }),
      fcOptions(RUNS * 3),
    );
    expect(acceptsOrNames(() => new AgingPriority(null as never), 'options')).toBe(false);
    expect(acceptsOrNames(() => new CategoryPriority({ ranks: { '': 1 } }), 'ranks')).toBe(false);
  });

  it('refuses each documented bad option value, naming it', () => {
    const bad: [string, () => unknown][] = [
      ['ranks', () => new CategoryPriority({ ranks: 5 as never })],
      ['ranks', () => new CategoryPriority({ ranks: {} })],
      ['ranks.A', () => new CategoryPriority({ ranks: { A: Number.NaN } })],
      ['ranks.A', () => new CategoryPriority({ ranks: { A: '1' as never } })],
      ['fallbackRank', () => new CategoryPriority({ fallbackRank: Number.POSITIVE_INFINITY })],
      ...(['age', 'levels'] as const).flatMap((key): [string, () => unknown][] =>
        [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '60'].map((v) => [key, () => new SeniorCitizenPriority({ [key]: v } as never)]),
      ),
      ...[Number.NaN, Number.NEGATIVE_INFINITY, '2'].map((v): [string, () => unknown] => ['minRank', () => new SeniorCitizenPriority({ minRank: v as never })]),
      ...[0, -5, Number.NaN, '30'].map((v): [string, () => unknown] => ['everyMinutes', () => new AgingPriority({ everyMinutes: v as never })]),
      ...[Number.NaN, '2'].map((v): [string, () => unknown] => ['minRank', () => new AgingPriority({ perBump: true, minRank: v as never })]),
      ['everyMinutes', () => new AgingPriority({})],
      ['options', () => new AgingPriority(undefined as never)],
      ['categories', () => new ElasticCapacity({ categories: 'EMERGENCY' as never })],
      ['categories', () => new ElasticCapacity({ categories: ['EMERGENCY', 1] as never })],
      ...[-1, 1.5, 'all', Number.NaN].map((v): [string, () => unknown] => ['limit', () => new ElasticCapacity({ limit: v as never })]),
      ['whenFull.default', () => new RuleOverflow({ whenFull: { default: 'bump' as never } })],
      ['whenFull.EMERGENCY', () => new RuleOverflow({ whenFull: { EMERGENCY: ['jump'] as never } })],
      ['whenDisplaced.default', () => new RuleOverflow({ whenDisplaced: { default: 'drop' as never } })],
      ['whenDisplaced.bumped[1]', () => new RuleOverflow({ whenDisplaced: { bumped: [{ kind: 'drop' }, { kind: 'park' } as never] } })],
      ['whenDisplaced.default[0]', () => new RuleOverflow({ whenDisplaced: { default: [null as never] } })],
      ['whenDisplaced.default[0].chainDepth', () => new RuleOverflow({ whenDisplaced: { default: [{ kind: 'cascade', chainDepth: -1 }] } })],
      ['whenDisplaced.default[0].chainDepth', () => new RuleOverflow({ whenDisplaced: { default: [{ kind: 'cascade', chainDepth: 0.5 }] } })],
      ['whenDisplaced.default[0].slot', () => new RuleOverflow({ whenDisplaced: { default: [{ kind: 'waitlist', slot: 'any' as never }] } })],
      ['waitlist', () => new RuleOverflow({ waitlist: 'week' as never })],
      ...[-1, 1.5, Number.NaN, '1'].map((v): [string, () => unknown] => ['bumpLimit', () => new RuleOverflow({ bumpLimit: v as never })]),
      ['victimOrder', () => new RuleOverflow({ victimOrder: 'random' as never })],
    ];
    for (const [field, build] of bad) expect(acceptsOrNames(build, field), `refuses ${field}`).toBe(false);
    // And the edges that are fine.
    for (const build of [
      () => new SeniorCitizenPriority({ age: 0.5, levels: 0.5, minRank: -3 }),
      () => new AgingPriority({ everyMinutes: 0.5, minRank: 0 }),
      () => new ElasticCapacity({ limit: 0, categories: [] }),
      () =>
        new RuleOverflow({
          bumpLimit: 0,
          whenDisplaced: {
            default: [
              { kind: 'cascade', chainDepth: 0 },
              { kind: 'waitlist', slot: 'none' },
            ],
            bumped: undefined,
          } as never,
        }),
    ]) {
      expect(acceptsOrNames(build, ''), 'accepts').toBe(true);
    }
  });

  it('SeniorCitizenPriority and AgingPriority on a grid of edges', () => {
    const ages: unknown[] = [undefined, 59, 60, 61, 80, '70', Number.NaN, Number.POSITIVE_INFINITY, null];
    for (const age of ages) {
      for (const category of ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN']) {
        const ctx = { ...context(category, undefined, 0, 0), patient: { name: 'x', age } };
        const base = new CategoryPriority().rank(ctx);
        const senior = typeof age === 'number' && Number.isFinite(age) && age >= 60;
        expect(new SeniorCitizenPriority().rank(ctx), `age ${String(age)} ${category}`).toBe(senior ? improve(base, 1, 2) : base);
        const strict = new SeniorCitizenPriority({ age: 65, levels: 2, minRank: 1 });
        expect(strict.rank(ctx)).toBe(typeof age === 'number' && Number.isFinite(age) && age >= 65 ? improve(base, 2, 1) : base);
      }
    }
    const custom = new SeniorCitizenPriority({ ageOf: (p) => (typeof p['yob'] === 'number' ? 2026 - p['yob'] : undefined) });
    expect(custom.rank({ ...context('WALK_IN', undefined, 0, 0), patient: { name: 'x', yob: 1950 } })).toBe(4);
    expect(custom.rank({ ...context('WALK_IN', 90, 0, 0) })).toBe(5);
    for (const waited of [-30, -1, 0, 1, 29, 30, 31, 59, 60, 61, 120]) {
      for (const bumps of [0, 1, 2, 3]) {
        for (const perBump of [false, true]) {
          for (const everyMinutes of [undefined, 30]) {
            if (everyMinutes === undefined && !perBump) continue;
            for (const minRank of [undefined, 1, 3]) {
              const policy = new AgingPriority({
                perBump,
                ...(everyMinutes === undefined ? {} : { everyMinutes }),
                ...(minRank === undefined ? {} : { minRank }),
              });
              for (const category of ['PAID', 'ONLINE', 'WALK_IN']) {
                const base = new CategoryPriority().rank(context(category, undefined, 0, 0));
                let levels = perBump ? bumps : 0;
                if (everyMinutes !== undefined && waited > 0) levels += Math.floor(waited / everyMinutes);
                expect(policy.rank(context(category, undefined, waited * 60_000, bumps)), `${waited} ${bumps} ${perBump} ${everyMinutes} ${minRank}`).toBe(
                  levels > 0 ? improve(base, levels, minRank ?? 2) : base,
                );
              }
            }
          }
        }
      }
    }
  });

  it('the presets are the table of DESIGN §5', () => {
    const ranks = (p: ReturnType<typeof presets.standard>) =>
      ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'].map((c) => p.priority.rank(context(c, undefined, 0, 0)));
    const full = (p: ReturnType<typeof presets.standard>) =>
      ['EMERGENCY', 'PAID', 'WALK_IN'].map((category) =>
        p.overflow.whenFull({ category, rank: 1, patient: { name: 'x' }, slot: null, occupancy: 0, requestedSlot: true, now: new Date(0) }),
      );
    const displaced = (p: ReturnType<typeof presets.standard>) =>
      (['bumped', 'slot-closed', 'capacity-lowered'] as const).map((reason) =>
        p.overflow.whenDisplaced({ token: {} as never, fromSlot: slotOf(0), reason, depth: 0, now: new Date(0) }),
      );
    const elastic = (p: ReturnType<typeof presets.standard>, category: string, overflowCapacity: number) =>
      p.capacity.elasticPlaces({ slot: slotOf(overflowCapacity), category, rank: 1, occupancy: 1, now: new Date(0) });
    const facts = (p: ReturnType<typeof presets.standard>) => [
      p.priority.name,
      p.capacity.name,
      p.overflow.name,
      p.overflow.waitlist,
      p.overflow.bumpLimit,
      p.overflow.victimOrder,
    ];

    const standard = presets.standard();
    expect(facts(standard)).toEqual(['standard', 'elastic(slot)', 'standard', 'day', 1, 'latest']);
    expect(ranks(standard)).toEqual([1, 2, 3, 4, 5]);
    expect([elastic(standard, 'EMERGENCY', 3), elastic(standard, 'PAID', 3)]).toEqual([3, 0]);
    expect(full(standard)).toEqual([
      ['bump', 'next-slot', 'waitlist'],
      ['next-slot', 'waitlist'],
      ['next-slot', 'waitlist'],
    ]);
    expect(displaced(standard)).toEqual(Array(3).fill([{ kind: 'cascade', chainDepth: 0 }, { kind: 'waitlist' }]));
    const standard2 = presets.standard({ bumpLimit: 3, emergencyOverflow: 1, victimOrder: 'earliest', chainDepth: 2 });
    expect(facts(standard2)).toEqual(['standard', 'elastic(1)', 'standard', 'day', 3, 'earliest']);
    expect(displaced(standard2)[0]).toEqual([{ kind: 'cascade', chainDepth: 2 }, { kind: 'waitlist' }]);

    const cascade = presets.cascade();
    expect(facts(cascade)).toEqual(['cascade', 'none', 'cascade', 'day', Number.POSITIVE_INFINITY, 'latest']);
    expect(ranks(cascade)).toEqual([1, 2, 3, 4, 4]);
    expect(full(cascade)).toEqual(Array(3).fill(['bump', 'reject']));
    expect(displaced(cascade)).toEqual(Array(3).fill([{ kind: 'cascade', chainDepth: 0 }, { kind: 'drop' }]));
    const cascade2 = presets.cascade({ chainDepth: 1, bumpLimit: 2, victimOrder: 'earliest' });
    expect(facts(cascade2)).toEqual(['cascade', 'none', 'cascade', 'day', 2, 'earliest']);
    expect(displaced(cascade2)[1]).toEqual([{ kind: 'cascade', chainDepth: 1 }, { kind: 'drop' }]);

    const waitlist = presets.waitlist();
    expect(facts(waitlist)).toEqual(['waitlist', 'none', 'waitlist', 'slot', Number.POSITIVE_INFINITY, 'latest']);
    expect(ranks(waitlist)).toEqual([1, 2, 3, 4, 5]);
    expect(full(waitlist)).toEqual([['bump', 'waitlist'], ['waitlist'], ['waitlist']]);
    expect(displaced(waitlist)).toEqual([
      [{ kind: 'waitlist', slot: 'from' }],
      [{ kind: 'cascade' }, { kind: 'waitlist', slot: 'next' }],
      [{ kind: 'cascade' }, { kind: 'waitlist', slot: 'next' }],
    ]);
    expect(facts(presets.waitlist({ bumpLimit: 1, victimOrder: 'earliest' })).slice(4)).toEqual([1, 'earliest']);

    const elasticPreset = presets.elastic();
    expect(facts(elasticPreset)).toEqual(['elastic', 'elastic(2)', 'elastic', 'day', 0, 'latest']);
    expect(ranks(elasticPreset)).toEqual([1, 2, 3, 4, 5]);
    expect([elastic(elasticPreset, 'EMERGENCY', 9), elastic(elasticPreset, 'WALK_IN', 9)]).toEqual([2, 0]);
    expect(full(elasticPreset)).toEqual(Array(3).fill(['next-slot', 'waitlist']));
    expect(displaced(elasticPreset)).toEqual(Array(3).fill([{ kind: 'cascade' }, { kind: 'waitlist' }]));
    const walkIn = presets.elastic({ walkInBeforeOnline: true, emergencyOverflow: 'unlimited' });
    expect(ranks(walkIn)).toEqual([1, 2, 3, 5, 4]);
    expect(elastic(walkIn, 'EMERGENCY', 0)).toBe(Number.POSITIVE_INFINITY);
    expect(ranks(presets.elastic({ walkInBeforeOnline: false }))).toEqual([1, 2, 3, 4, 5]);
  });
});
