import { AgingPriority, CategoryPriority, ElasticCapacity, NoElasticCapacity, presets, RuleOverflow, SeniorCitizenPriority } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { DAY, at, doctorWithSlots, queue, rejectsWith, request, scheduler } from '../helpers.js';

const context = (category: string, extra: { age?: number; waitedMinutes?: number; bumpCount?: number } = {}) => ({
  category,
  patient: { name: 'x', ...(extra.age === undefined ? {} : { age: extra.age }) },
  requestedAt: new Date(0),
  dueAt: new Date(0),
  now: new Date((extra.waitedMinutes ?? 0) * 60_000),
  bumpCount: extra.bumpCount ?? 0,
});

describe('CategoryPriority', () => {
  it('ranks from a table, lists categories most urgent first, refuses unknown ones', () => {
    const policy = new CategoryPriority({ ranks: { WALK_IN: 3, VIP: 1, ONLINE: 2 } });
    expect(policy.categories).toEqual(['VIP', 'ONLINE', 'WALK_IN']);
    expect(policy.rank(context('VIP'))).toBe(1);
    expect(policy.accepts('EMERGENCY')).toBe(false);
    expect(new CategoryPriority({ fallbackRank: 9 }).rank(context('ANY'))).toBe(9);
  });

  it('validates its options', () => {
    expect(() => new CategoryPriority({ ranks: { A: Number.NaN } })).toThrowError(/finite/);
    expect(() => new CategoryPriority({ ranks: {} })).toThrowError(/at least one/);
  });
});

describe('SeniorCitizenPriority', () => {
  it('ranks a patient at or above the age one level better, never as urgent as an emergency', () => {
    const policy = new SeniorCitizenPriority({ age: 60 });
    expect(policy.rank(context('WALK_IN', { age: 60 }))).toBe(4);
    expect(policy.rank(context('WALK_IN', { age: 59 }))).toBe(5);
    expect(policy.rank(context('WALK_IN'))).toBe(5);
    expect(policy.rank(context('FOLLOW_UP', { age: 80 }))).toBe(2);
    expect(policy.rank(context('PAID', { age: 80 }))).toBe(2);
    expect(policy.rank(context('EMERGENCY', { age: 80 }))).toBe(1);
  });

  it('puts a senior walk-in ahead of a younger walk-in in the scheduler', async () => {
    const { opd, clock } = scheduler({ priority: new SeniorCitizenPriority() });
    await doctorWithSlots(opd, 'd1', [9], 5);
    const young = await opd.book(request('d1', 'WALK_IN', { age: 30 }));
    clock.advance(1);
    const senior = await opd.book(request('d1', 'WALK_IN', { age: 72 }));
    expect(await queue(opd, 'd1-09')).toEqual([senior.token.tokenNumber, young.token.tokenNumber]);
  });

  it('wraps any policy and reads the age with a custom function', () => {
    const policy = new SeniorCitizenPriority({
      inner: presets.elastic({ walkInBeforeOnline: true }).priority,
      ageOf: (p) => (typeof p['yearOfBirth'] === 'number' ? 2026 - p['yearOfBirth'] : undefined),
    });
    expect(policy.rank({ ...context('ONLINE'), patient: { name: 'x', yearOfBirth: 1950 } })).toBe(4);
    expect(policy.name).toBe('senior-citizen(elastic)');
  });
});

describe('AgingPriority', () => {
  it('improves one level per N minutes waited, down to minRank', () => {
    const policy = new AgingPriority({ everyMinutes: 30 });
    expect(policy.timeDependent).toBe(true);
    expect(policy.rank(context('WALK_IN', { waitedMinutes: 29 }))).toBe(5);
    expect(policy.rank(context('WALK_IN', { waitedMinutes: 30 }))).toBe(4);
    expect(policy.rank(context('WALK_IN', { waitedMinutes: 500 }))).toBe(2);
    expect(policy.rank(context('EMERGENCY', { waitedMinutes: 500 }))).toBe(1);
  });

  it('improves one level per bump suffered', () => {
    const policy = new AgingPriority({ perBump: true });
    expect(policy.timeDependent).toBe(false);
    expect(policy.rank(context('WALK_IN', { bumpCount: 2 }))).toBe(3);
  });

  it('needs one of its options', () => {
    expect(() => new AgingPriority({})).toThrowError(/everyMinutes/);
  });

  it('composes with the senior-citizen policy', () => {
    const policy = new SeniorCitizenPriority({ inner: new AgingPriority({ everyMinutes: 60 }) });
    expect(policy.timeDependent).toBe(true);
    expect(policy.rank(context('WALK_IN', { age: 70, waitedMinutes: 60 }))).toBe(3);
  });

  it('re-ranks waiting tokens in the scheduler, so that nobody starves', async () => {
    const { opd, clock } = scheduler({ priority: new AgingPriority({ everyMinutes: 30 }) });
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    expect(walkIn.token.slotId).toBe('d1-10');
    // It is due at 09:00, the start of the slot it asked for: 90 minutes later it has aged 3 levels.
    clock.advance(120 + 90);
    const paidLater = await opd.book(request('d1', 'ONLINE', { date: DAY }));
    expect(paidLater.outcome).toBe('WAITLISTED');
    expect((await opd.getToken(walkIn.token.id)).rank).toBe(2);
  });

  it('leaves a patient in consultation as it is: the consultation keeps its start, and the queue behind it its estimates', async () => {
    const { opd, clock } = scheduler({ priority: new AgingPriority({ everyMinutes: 10 }) });
    await doctorWithSlots(opd, 'd1', [9], 5);
    const first = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const second = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    clock.set(at('09:01'));
    await opd.checkIn(first.token.id);
    await opd.startConsultation(first.token.id);
    // 24 minutes on, another booking re-ranks the day's waiting tokens.
    clock.set(at('09:25'));
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const seen = await opd.getToken(first.token.id);
    expect(seen).toMatchObject({ status: 'IN_CONSULTATION', estimatedStart: at('09:01'), updatedAt: at('09:01') });
    // The doctor is free at 09:06 by the pace: the next patient is due now, not a pace after it.
    expect((await opd.getToken(second.token.id)).estimatedStart).toEqual(at('09:25'));
  });

  it('a bumped token ranks better with perBump, so it is not bumped again by equals', async () => {
    const { opd } = scheduler({ ...presets.cascade(), priority: new AgingPriority({ perBump: true }) });
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }).slotId ? request('d1', 'PAID', { slotId: 'd1-09' }) : request('d1', 'PAID'));
    expect(await opd.getToken(walkIn.token.id)).toMatchObject({ slotId: 'd1-10', bumpCount: 1, rank: 4 });
  });
});

describe('capacity strategies', () => {
  it('NoElasticCapacity grants nothing; ElasticCapacity grants by category and limit', () => {
    const slot = {
      id: 's',
      facilityId: 'default',
      doctorId: 'd',
      day: DAY,
      start: at('09:00'),
      end: at('10:00'),
      capacity: 1,
      overflowCapacity: 3,
      status: 'OPEN' as const,
      closedReason: null,
    };
    const ctx = { slot, category: 'EMERGENCY', rank: 1, occupancy: 1, now: at('08:00') };
    expect(new NoElasticCapacity().elasticPlaces()).toBe(0);
    expect(new ElasticCapacity().elasticPlaces(ctx)).toBe(3);
    expect(new ElasticCapacity({ limit: 1 }).elasticPlaces(ctx)).toBe(1);
    expect(new ElasticCapacity({ limit: 'unlimited' }).elasticPlaces(ctx)).toBe(Number.POSITIVE_INFINITY);
    expect(new ElasticCapacity({ categories: ['PAID'] }).elasticPlaces(ctx)).toBe(0);
    expect(() => new ElasticCapacity({ limit: -1 })).toThrowError(/limit/);
  });
});

describe('custom strategies', () => {
  it('a plug-in that throws or ranks NaN surfaces as an OpdError naming it, and changes nothing', async () => {
    const broken = { name: 'broken', categories: ['ONLINE'], accepts: () => true, rank: (): number => Number.NaN };
    const { opd } = scheduler({ priority: broken });
    await doctorWithSlots(opd, 'd1', [9], 1);
    const error = await rejectsWith(opd.book(request('d1', 'ONLINE')), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ strategy: 'broken' });
    const throwing = new RuleOverflow({ name: 'throws' });
    Object.defineProperty(throwing, 'whenFull', {
      value: () => {
        throw new TypeError('boom');
      },
    });
    const second = scheduler({ overflow: throwing });
    await doctorWithSlots(second.opd, 'd1', [9], 0, { overflowCapacity: 0 });
    const e2 = await rejectsWith(second.opd.book(request('d1', 'ONLINE')), 'VALIDATION_FAILED');
    expect(e2.details).toMatchObject({ strategy: 'throws' });
    expect((await second.opd.stats()).tokens).toBe(0);
  });

  it('RuleOverflow validates its table', () => {
    expect(() => new RuleOverflow({ whenFull: { default: ['fly' as never] } })).toThrowError(/whenFull.default/);
    expect(() => new RuleOverflow({ whenDisplaced: { default: [{ kind: 'cascade', chainDepth: -1 }] } })).toThrowError(/chainDepth/);
    expect(() => new RuleOverflow({ bumpLimit: 1.5 })).toThrowError(/bumpLimit/);
  });
});
