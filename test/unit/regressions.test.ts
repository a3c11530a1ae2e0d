/**
 * Counterexamples found by the property, model and fuzz suites (test/property, test/model),
 * kept as plain unit tests once fixed.
 */
import { CategoryPriority, ElasticCapacity, MemoryStorage, NoElasticCapacity, OpdScheduler, RuleOverflow, presets, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, observe, rejectsWith, request, scheduler, TestClock } from '../helpers.js';

const EQUAL_RANKS = { EMERGENCY: 1, PAID: 1, FOLLOW_UP: 1, ONLINE: 1, WALK_IN: 1 };

describe('regressions', () => {
  it('a priority policy whose ranks keep moving cannot make emergencies bump each other for ever', async () => {
    // Each ranking more urgent than the last: with no bump limit, the emergency displaced onto
    // the waitlist outranked the one that took its place, bumped it back, and so on, without end
    // (the call never returned and blocked the event loop).
    for (const preset of [presets.cascade(), presets.waitlist()]) {
      let asked = 0;
      const drifting = { name: 'drifting', categories: ['EMERGENCY'], accepts: () => true, rank: () => -asked++ };
      const opd = new OpdScheduler({ ...preset, priority: drifting, clock: new TestClock().now });
      await opd.addDoctor({ id: 'd1', name: 'Dr One' });
      await opd.addSlots('d1', [{ id: 's09', start: at('09:00'), end: at('10:00'), capacity: 1, overflowCapacity: 0 }]);
      const first = await opd.book(request('d1', 'EMERGENCY'));
      const before = await opd.history();
      const error = await rejectsWith(opd.book(request('d1', 'EMERGENCY')), 'VALIDATION_FAILED');
      expect(error.details).toMatchObject({ field: 'priority policy', strategy: 'drifting', doctorId: 'd1', day: DAY });
      expect(await opd.history()).toEqual(before);
      expect(await opd.getToken(first.token.id)).toMatchObject({ status: 'BOOKED', slotId: 's09' });
    }
  });

  it('emergencies that keep bumping each other are refused after a number of rounds set by the emergencies, not by the whole day', async () => {
    // Two emergencies and 300 walk-ins waiting: the bound on the rounds grew with the square of
    // every token of the day (some 360,000 placements, seconds of a blocked event loop) where two
    // emergencies can settle in three.
    let asked = 0;
    const drifting = {
      name: 'drifting',
      categories: ['EMERGENCY', 'WALK_IN'],
      accepts: () => true,
      rank: (r: { category: string }) => (r.category === 'EMERGENCY' ? -asked++ : 1_000),
    };
    const opd = new OpdScheduler({ ...presets.waitlist(), priority: drifting, clock: new TestClock().now });
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    await opd.addSlots('d1', [{ id: 's09', start: at('09:00'), end: at('10:00'), capacity: 1, overflowCapacity: 0 }]);
    await opd.book(request('d1', 'EMERGENCY'));
    for (let i = 0; i < 300; i++) await opd.book(request('d1', 'WALK_IN'));
    const before = await opd.history();
    asked = 0;
    await rejectsWith(opd.book(request('d1', 'EMERGENCY')), 'VALIDATION_FAILED');
    // Ranks asked for: a few per placement, for (2 + 1)² × 2 + 64 rounds at most.
    expect(asked).toBeLessThan(1_000);
    expect(await opd.history()).toEqual(before);
  });

  it('a request waitlisted and promoted by the same call reports outcome BOOKED', async () => {
    // The requested slot is full and the strategy only waitlists; a later slot of the day has
    // room, so the promotion at the end of the call places the new token at once.
    const opd = new OpdScheduler({
      priority: new CategoryPriority({ ranks: EQUAL_RANKS }),
      capacity: new NoElasticCapacity(),
      overflow: new RuleOverflow({ whenFull: { default: ['waitlist'] }, bumpLimit: 0 }),
      clock: new TestClock().now,
    });
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    await opd.addSlots('d1', [
      { id: 's08', start: at('08:00'), end: at('08:30'), capacity: 0 },
      { id: 's09', start: at('09:00'), end: at('09:30'), capacity: 1 },
    ]);
    const result = await opd.book(request('d1', 'ONLINE', { slotId: 's08' }));
    expect(result.token).toMatchObject({ status: 'BOOKED', slotId: 's09' });
    expect(result.outcome).toBe('BOOKED');
    expect(result.effects.map((e) => e.type)).toEqual(['token:promoted']);
    expect(await opd.getToken(result.token.id)).toEqual(result.token);
  });

  it('lowering capacity keeps only tokens with elastic rights above it', async () => {
    // FOLLOW_UP may take elastic places, EMERGENCY may not; ranks are equal, so the latest
    // request (the elastic FOLLOW_UP) used to be displaced, leaving the EMERGENCY above capacity 0.
    const opd = new OpdScheduler({
      priority: new CategoryPriority({ ranks: EQUAL_RANKS }),
      capacity: new ElasticCapacity({ categories: ['FOLLOW_UP'], limit: 'unlimited' }),
      overflow: new RuleOverflow({ whenFull: { default: [] } }),
      clock: new TestClock().now,
    });
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    await opd.addSlots('d1', [
      { id: 's09', start: at('09:00'), end: at('09:30'), capacity: 1 },
      { id: 's10', start: at('10:00'), end: at('10:30'), capacity: 1 },
    ]);
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 's09' }));
    const followUp = await opd.book(request('d1', 'FOLLOW_UP', { slotId: 's09' }));
    expect(followUp.overflow).toBe(true);

    const effects = await opd.setCapacity('s09', 0);
    expect(effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([
      ['slot:capacity-changed', null],
      ['token:cascaded', emergency.token.id],
    ]);
    const view = await opd.getSlot('s09');
    expect(view.places.map((t: Token) => t.id)).toEqual([followUp.token.id]);
    expect(view.overflowUsed).toBe(1);
  });

  it('a bump never leaves a token without elastic rights above capacity', async () => {
    // s09 (capacity 1) holds an ONLINE place and an elastic WALK_IN place. A PAID request may
    // bump but has no elastic rights: taking the WALK_IN's place would leave two places without
    // elastic rights in a slot of capacity 1, so it must bump the ONLINE place instead.
    const opd = new OpdScheduler({
      priority: new CategoryPriority(),
      capacity: new ElasticCapacity({ categories: ['WALK_IN'], limit: 1 }),
      overflow: new RuleOverflow({ whenFull: { PAID: ['bump', 'waitlist'], default: ['waitlist'] } }),
      clock: new TestClock().now,
    });
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    await opd.addSlots('d1', [{ id: 's09', start: at('09:00'), end: at('09:30'), capacity: 1 }]);
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 's09' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 's09' }));
    expect(walkIn.overflow).toBe(true);
    const paid = await opd.book(request('d1', 'PAID', { slotId: 's09' }));
    expect(paid.effects[0]).toMatchObject({ type: 'token:bumped', tokenId: online.token.id });
    expect((await opd.getSlot('s09')).places.map((t) => t.category)).toEqual(['PAID', 'WALK_IN']);
    expect(DAY).toBe('2026-01-30');
  });

  describe('malformed input is VALIDATION_FAILED naming the field, never a TypeError', () => {
    const throwingGetter = (): Record<string, unknown> =>
      Object.defineProperty({}, 'name', {
        get(): never {
          throw new TypeError('getter');
        },
        enumerable: true,
      });
    const revokedProxy = (): object => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    };

    it('a storage whose subscribe is not a function', () => {
      const storage = Object.assign(Object.create(MemoryStorage.prototype) as object, { name: 'memory', subscribe: 5 });
      let caught: unknown;
      try {
        new OpdScheduler({ storage: storage as unknown as MemoryStorage });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({
        name: 'OpdError',
        code: 'VALIDATION_FAILED',
        details: { field: 'storage' },
        message: expect.stringContaining('subscribe'),
      });
    });

    it('a plug-in whose name getter throws', () => {
      expect(() => new OpdScheduler({ priority: throwingGetter() as never })).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'priority' } }),
      );
    });

    it('a sparse array of slots', async () => {
      const { opd } = scheduler();
      await opd.addDoctor({ id: 'd1', name: 'Dr One' });
      // eslint-disable-next-line no-sparse-arrays
      const error = await rejectsWith(opd.addSlots('d1', [, ,] as never), 'VALIDATION_FAILED');
      expect(error.details.field).toBe('slots[0]');
    });

    it('a patient with a throwing getter, a revoked proxy or a proxy request', async () => {
      const { opd } = scheduler();
      await doctorWithSlots(opd, 'd1', [9], 1);
      const before = await observe(opd, 'd1');
      const getter = await rejectsWith(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A', extra: throwingGetter() } }), 'VALIDATION_FAILED');
      expect(getter.details.field).toBe('patient.extra.*');
      const revoked = await rejectsWith(
        opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A', id: revokedProxy() as never } }),
        'VALIDATION_FAILED',
      );
      expect(revoked.details.field).toBe('patient.id');
      const proxy = new Proxy(
        {},
        {
          ownKeys: () => {
            throw new TypeError('proxy');
          },
        },
      );
      const whole = await rejectsWith(opd.book(proxy as never), 'VALIDATION_FAILED');
      expect(whole.details.field).toBe('request');
      // A revoked proxy as the whole request: reading whether it names a department throws.
      const unreadable = await rejectsWith(opd.book(revokedProxy() as never), 'VALIDATION_FAILED');
      expect(unreadable.details.field).toBe('request');
      const token = await rejectsWith(opd.getToken(revokedProxy() as never), 'VALIDATION_FAILED');
      expect(token.details.field).toBe('tokenId');
      const now = await rejectsWith(opd.sweep(revokedProxy() as never), 'VALIDATION_FAILED');
      expect(now.details.field).toBe('now');
      expect(await observe(opd, 'd1')).toEqual(before);
    });

    it('a clock that throws or leaves the supported years', async () => {
      const throwing = new OpdScheduler({
        clock: () => {
          throw new Error('clock');
        },
      });
      expect((await rejectsWith(throwing.addDoctor({ name: 'A' }), 'VALIDATION_FAILED')).details.field).toBe('clock');
      const ancient = new OpdScheduler({ clock: () => new Date(-1e15) });
      expect((await rejectsWith(ancient.addDoctor({ name: 'A' }), 'VALIDATION_FAILED')).details.field).toBe('clock');
      expect(await ancient.listDoctors()).toEqual([]);
    });
  });

  it('strategy options without a prototype or of odd types are refused with VALIDATION_FAILED, not a TypeError', () => {
    const bare = Object.create(null) as never;
    const cases: [() => unknown, string][] = [
      [() => new CategoryPriority({ fallbackRank: bare }), 'fallbackRank'],
      [() => new CategoryPriority({ ranks: { A: bare } }), 'ranks.A'],
      [() => new ElasticCapacity({ limit: bare }), 'limit'],
      [() => new RuleOverflow({ waitlist: bare }), 'waitlist'],
      [() => new RuleOverflow({ bumpLimit: Symbol('x') as never }), 'bumpLimit'],
      [() => new RuleOverflow({ victimOrder: bare }), 'victimOrder'],
      [() => new RuleOverflow({ whenDisplaced: { default: [{ kind: bare }] } }), 'whenDisplaced.default[0]'],
      [() => new RuleOverflow({ whenDisplaced: { default: [{ kind: 'cascade', chainDepth: bare }] } }), 'whenDisplaced.default[0].chainDepth'],
      [() => new RuleOverflow({ whenDisplaced: { default: [{ kind: 'waitlist', slot: bare }] } }), 'whenDisplaced.default[0].slot'],
    ];
    for (const [build, field] of cases) {
      expect(build, field).toThrow(expect.objectContaining({ name: 'OpdError', code: 'VALIDATION_FAILED', details: { field } }));
    }
  });
  it('a revoked proxy where a date is expected names that field, not the whole request', async () => {
    // `instanceof Date` reads the prototype, which throws on a revoked proxy.
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const error = await rejectsWith(opd.book({ ...request('d1', 'ONLINE'), after: proxy as never }), 'VALIDATION_FAILED');
    expect(error.details['field']).toBe('after');
  });

  it('a revoked proxy as the whole booking request is refused as the request', async () => {
    // Telling a booking by department from one by doctor must not read a field of it first.
    const { opd } = scheduler();
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const error = await rejectsWith(opd.book(proxy as never), 'VALIDATION_FAILED');
    expect(error.details['field']).toBe('request');
  });

  it('a null plug-in beside the other two is refused by its own name', () => {
    const { priority, capacity, overflow } = presets.standard();
    for (const [field, options] of [
      ['overflow', { priority, capacity, overflow: null }],
      ['capacity', { priority, capacity: null, overflow }],
      ['priority', { priority: null, capacity, overflow }],
    ] as const) {
      expect(() => new OpdScheduler(options as never), field).toThrow(
        expect.objectContaining({ name: 'OpdError', code: 'VALIDATION_FAILED', details: expect.objectContaining({ field }) }),
      );
    }
  });
});
