/**
 * Options of presets, built-in policies, the in-memory store and the FHIR helpers: every bad
 * input is refused with `VALIDATION_FAILED` naming the caller's own field (never a raw
 * TypeError), unknown keys are refused as they are for requests, and `undefined` still means the
 * defaults.
 */
import {
  AgingPriority,
  CategoryPriority,
  ElasticCapacity,
  MemoryStorage,
  OpdScheduler,
  type PriorityPolicy,
  presets,
  RuleOverflow,
  SeniorCitizenPriority,
  toFhirAppointment,
  toFhirAppointmentStatus,
  toFhirId,
  toFhirSchedule,
  toFhirSlot,
} from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { doctorWithSlots, request, scheduler } from '../helpers.js';

/** Runs `build` and returns the `details.field` of the `VALIDATION_FAILED` it throws. */
function refused(build: () => unknown): unknown {
  let error: unknown;
  try {
    build();
  } catch (e) {
    error = e;
  }
  expect(error, 'throws').toBeDefined();
  const e = error as { name?: unknown; code?: unknown; message?: unknown; details?: { field?: unknown } };
  expect(e.name, `an OpdError, not ${String(e.name)}: ${String(e.message)}`).toBe('OpdError');
  expect(e.code).toBe('VALIDATION_FAILED');
  expect(typeof e.message === 'string' && e.message.length > 0).toBe(true);
  return e.details?.field;
}

/** Values that are not a plain object of options. */
const NOT_OPTIONS: readonly unknown[] = [null, 0, 5, 'x', '', true, [], [1], new Date(0), new Map(), () => ({}), Symbol('s'), 10n, new (class Options {})()];

/** An options object whose `key` cannot be read. */
function throwingGetter(key: string): Record<string, unknown> {
  return Object.defineProperty({}, key, {
    enumerable: true,
    get() {
      throw new TypeError('boom');
    },
  });
}

const PRESETS = {
  standard: (o: unknown) => presets.standard(o as never),
  cascade: (o: unknown) => presets.cascade(o as never),
  waitlist: (o: unknown) => presets.waitlist(o as never),
  elastic: (o: unknown) => presets.elastic(o as never),
} as const;

/** The facts of a preset, to compare presets built two ways. */
function facts(preset: ReturnType<typeof presets.standard>): unknown {
  const { overflow, capacity, priority } = preset;
  return [
    overflow.name,
    overflow.waitlist,
    overflow.bumpLimit,
    overflow.victimOrder,
    overflow.victimWithoutRoom,
    capacity.name,
    priority.name,
    priority.categories,
  ];
}

describe('preset options', () => {
  it('undefined means the defaults, as does no argument and an empty object', () => {
    for (const build of Object.values(PRESETS)) {
      expect(facts(build(undefined))).toEqual(facts(build({})));
    }
    expect(facts(presets.standard(undefined))).toEqual(facts(presets.standard()));
    expect(presets.standard(undefined).overflow.bumpLimit).toBe(1);
    expect(presets.cascade(undefined).overflow.victimWithoutRoom).toBe('displace');
    // A null-prototype object is a plain object too.
    expect(presets.standard(Object.assign(Object.create(null) as object, { bumpLimit: 2 })).overflow.bumpLimit).toBe(2);
  });

  it('anything but a plain object is refused naming `options`, never a raw TypeError', () => {
    for (const [name, build] of Object.entries(PRESETS)) {
      for (const bad of NOT_OPTIONS)
        expect(
          refused(() => build(bad)),
          `presets.${name}(${String(typeof bad)})`,
        ).toBe('options');
    }
  });

  it('a typo, or an option the preset does not have, is refused naming it', () => {
    expect(refused(() => presets.cascade({ victimWithoutroom: 'keep' } as never))).toBe('victimWithoutroom');
    expect(refused(() => presets.standard({ bumplimit: 3 } as never))).toBe('bumplimit');
    expect(refused(() => presets.waitlist({ chainDepth: 2 } as never))).toBe('chainDepth');
    expect(refused(() => presets.waitlist({ emergencyOverflow: 2 } as never))).toBe('emergencyOverflow');
    expect(refused(() => presets.elastic({ bumpLimit: 2 } as never))).toBe('bumpLimit');
    expect(refused(() => presets.elastic({ chainDepth: 1 } as never))).toBe('chainDepth');
    expect(refused(() => presets.standard({ victimWithoutRoom: 'keep' } as never))).toBe('victimWithoutRoom');
    expect(refused(() => presets.standard({ walkInBeforeOnline: true } as never))).toBe('walkInBeforeOnline');
    expect(refused(() => presets.cascade({ emergencyOverflow: 1 } as never))).toBe('emergencyOverflow');
    // Even when its value is `undefined`: a typo is a typo.
    expect(refused(() => presets.standard({ bumplimit: undefined } as never))).toBe('bumplimit');
    let message = '';
    try {
      presets.standard({ bumplimit: 3 } as never);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('Unknown option `bumplimit` of `presets.standard` (its options: bumpLimit, emergencyOverflow, victimOrder, chainDepth)');
  });

  it('a value of the wrong type is refused naming the preset’s own option', () => {
    expect(refused(() => presets.elastic({ walkInBeforeOnline: 'true' as never }))).toBe('walkInBeforeOnline');
    expect(refused(() => presets.elastic({ walkInBeforeOnline: 1 as never }))).toBe('walkInBeforeOnline');
    expect(refused(() => presets.elastic({ walkInBeforeOnline: null as never }))).toBe('walkInBeforeOnline');
    // Not the plug-ins' fields (`limit`, `whenDisplaced.default[0].chainDepth`).
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2', null, 'all']) {
      expect(
        refused(() => presets.standard({ emergencyOverflow: bad as never })),
        `standard emergencyOverflow ${String(bad)}`,
      ).toBe('emergencyOverflow');
      expect(
        refused(() => presets.elastic({ emergencyOverflow: bad as never })),
        `elastic emergencyOverflow ${String(bad)}`,
      ).toBe('emergencyOverflow');
    }
    // `elastic` has a number or 'unlimited', not each slot's `overflowCapacity`.
    expect(refused(() => presets.elastic({ emergencyOverflow: 'slot' as never }))).toBe('emergencyOverflow');
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, '1', null, true]) {
      expect(
        refused(() => presets.standard({ chainDepth: bad as never })),
        `standard chainDepth ${String(bad)}`,
      ).toBe('chainDepth');
      expect(
        refused(() => presets.cascade({ chainDepth: bad as never })),
        `cascade chainDepth ${String(bad)}`,
      ).toBe('chainDepth');
    }
    for (const bad of [-1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY, '1', null]) {
      for (const name of ['standard', 'cascade', 'waitlist'] as const) {
        expect(
          refused(() => PRESETS[name]({ bumpLimit: bad })),
          `${name} bumpLimit ${String(bad)}`,
        ).toBe('bumpLimit');
      }
    }
    for (const bad of ['random', 'Latest', null, 1]) {
      for (const name of ['standard', 'cascade', 'waitlist'] as const) {
        expect(
          refused(() => PRESETS[name]({ victimOrder: bad })),
          `${name} victimOrder ${String(bad)}`,
        ).toBe('victimOrder');
      }
    }
    expect(refused(() => presets.cascade({ victimWithoutRoom: null as never }))).toBe('victimWithoutRoom');
  });

  it('an option that cannot be read is refused naming it', () => {
    expect(refused(() => presets.standard(throwingGetter('chainDepth')))).toBe('chainDepth');
    expect(refused(() => presets.elastic(throwingGetter('walkInBeforeOnline')))).toBe('walkInBeforeOnline');
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(refused(() => presets.cascade(revoked.proxy))).toBe('options');
  });

  it('good values still build the documented policies', () => {
    expect(
      presets.standard({ bumpLimit: Number.POSITIVE_INFINITY, emergencyOverflow: 'unlimited', victimOrder: 'earliest', chainDepth: 3 }).overflow,
    ).toMatchObject({
      bumpLimit: Number.POSITIVE_INFINITY,
      victimOrder: 'earliest',
    });
    expect(presets.standard({ emergencyOverflow: 0 }).capacity.name).toBe('elastic(0)');
    expect(presets.standard({ emergencyOverflow: 'slot' }).capacity.name).toBe('elastic(slot)');
    expect(presets.elastic({ emergencyOverflow: 'unlimited', walkInBeforeOnline: false }).capacity.name).toBe('elastic(unlimited)');
    expect(presets.elastic({ walkInBeforeOnline: true }).priority.categories.slice(-2)).toEqual(['WALK_IN', 'ONLINE']);
    expect(presets.cascade({ victimWithoutRoom: 'keep', chainDepth: 0, bumpLimit: 0 }).overflow).toMatchObject({ victimWithoutRoom: 'keep', bumpLimit: 0 });
    expect(presets.waitlist({ bumpLimit: 2, victimOrder: 'earliest' }).overflow).toMatchObject({ bumpLimit: 2, victimOrder: 'earliest' });
    // Explicit `undefined` values are the defaults.
    expect(facts(presets.cascade({ chainDepth: undefined, bumpLimit: undefined, victimOrder: undefined, victimWithoutRoom: undefined }))).toEqual(
      facts(presets.cascade()),
    );
  });

  it('a refused preset changes nothing: a scheduler built before works on', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 1);
    const before = await opd.history();
    expect(refused(() => presets.standard({ bumplimit: 3 } as never))).toBe('bumplimit');
    expect(await opd.history()).toEqual(before);
    expect((await opd.book(request('d1', 'ONLINE'))).outcome).toBe('BOOKED');
  });
});

describe('constructors of the built-in plug-ins and the in-memory store', () => {
  const policy: PriorityPolicy = new CategoryPriority();
  const BUILDERS = {
    MemoryStorage: (o: unknown) => new MemoryStorage(o as never),
    CategoryPriority: (o: unknown) => new CategoryPriority(o as never),
    ElasticCapacity: (o: unknown) => new ElasticCapacity(o as never),
    SeniorCitizenPriority: (o: unknown) => new SeniorCitizenPriority(o as never),
  } as const;

  it('undefined keeps meaning the defaults', () => {
    expect(new CategoryPriority(undefined).categories).toEqual(['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN']);
    expect(new ElasticCapacity(undefined).name).toBe('elastic(slot)');
    expect(new SeniorCitizenPriority(undefined).name).toBe('senior-citizen(category)');
    expect(new MemoryStorage(undefined)).toBeInstanceOf(MemoryStorage);
    expect(new MemoryStorage({ historyLimit: undefined })).toBeInstanceOf(MemoryStorage);
    expect(new MemoryStorage({ historyLimit: Number.POSITIVE_INFINITY })).toBeInstanceOf(MemoryStorage);
    // AgingPriority needs options (everyMinutes or perBump), as before.
    expect(refused(() => new AgingPriority(undefined as never))).toBe('options');
  });

  it('null or any other non-object is refused naming `options`, as AgingPriority and ChannelQuota already did', () => {
    for (const [name, build] of Object.entries(BUILDERS)) {
      for (const bad of NOT_OPTIONS)
        expect(
          refused(() => build(bad)),
          `new ${name}(${typeof bad})`,
        ).toBe('options');
    }
    for (const bad of NOT_OPTIONS) expect(refused(() => new AgingPriority(bad as never))).toBe('options');
  });

  it('unknown keys are refused naming them', () => {
    expect(refused(() => new MemoryStorage({ historylimit: 5 } as never))).toBe('historylimit');
    expect(refused(() => new CategoryPriority({ rank: { A: 1 } } as never))).toBe('rank');
    expect(refused(() => new ElasticCapacity({ limits: 1 } as never))).toBe('limits');
    expect(refused(() => new SeniorCitizenPriority({ agee: 65 } as never))).toBe('agee');
    expect(refused(() => new AgingPriority({ everyMinutes: 30, perbump: true } as never))).toBe('perbump');
  });

  it('values of the wrong type are refused naming the option', () => {
    expect(refused(() => new MemoryStorage({ historyLimit: null as never }))).toBe('historyLimit');
    // Once a raw TypeError (`String` of an object without a prototype).
    expect(refused(() => new MemoryStorage({ historyLimit: Object.create(null) as never }))).toBe('historyLimit');
    expect(refused(() => new MemoryStorage({ historyLimit: -1 }))).toBe('historyLimit');
    expect(refused(() => new CategoryPriority({ ranks: null as never }))).toBe('ranks');
    expect(refused(() => new CategoryPriority({ ranks: [1, 2] as never }))).toBe('ranks');
    expect(refused(() => new CategoryPriority({ name: 5 as never }))).toBe('name');
    expect(refused(() => new CategoryPriority({ name: ' ' }))).toBe('name');
    expect(refused(() => new CategoryPriority({ fallbackRank: '3' as never }))).toBe('fallbackRank');
    expect(refused(() => new ElasticCapacity({ limit: null as never }))).toBe('limit');
    expect(refused(() => new ElasticCapacity({ categories: null as never }))).toBe('categories');
    expect(refused(() => new SeniorCitizenPriority({ inner: 5 as never }))).toBe('inner');
    expect(refused(() => new SeniorCitizenPriority({ inner: { name: 'x' } as never }))).toBe('inner');
    expect(refused(() => new SeniorCitizenPriority({ ageOf: 'age' as never }))).toBe('ageOf');
    expect(refused(() => new SeniorCitizenPriority({ age: null as never }))).toBe('age');
    expect(refused(() => new AgingPriority({ perBump: 'true' as never }))).toBe('perBump');
    expect(refused(() => new AgingPriority({ everyMinutes: 30, inner: null as never }))).toBe('inner');
    expect(refused(() => new CategoryPriority(throwingGetter('ranks')))).toBe('ranks');
    expect(refused(() => new MemoryStorage(throwingGetter('historyLimit')))).toBe('historyLimit');
  });

  it('good options still build', () => {
    expect(new SeniorCitizenPriority({ inner: policy, age: 65, levels: 1, minRank: 2, ageOf: () => 70 }).name).toBe('senior-citizen(category)');
    expect(new AgingPriority({ inner: policy, perBump: false, everyMinutes: 30 }).timeDependent).toBe(true);
    expect(new CategoryPriority({ ranks: { A: 1 }, fallbackRank: 2, name: 'mine' }).name).toBe('mine');
    expect(new ElasticCapacity({ categories: [], limit: 0 }).name).toBe('elastic(0)');
  });
});

describe('categories a strategy names, against the priority policy', () => {
  const standard = presets.standard();

  it('an elastic capacity or an overflow naming a category the policy does not accept is refused: its rule could never apply', () => {
    // `Emergency` is not `EMERGENCY`: emergencies would get no elastic place, no protection.
    expect(refused(() => new OpdScheduler({ ...standard, capacity: new ElasticCapacity({ categories: ['Emergency'] }) }))).toBe('capacity.categories[0]');
    expect(refused(() => new OpdScheduler({ ...standard, overflow: new RuleOverflow({ protect: ['EMERGENCY', 'emergency'] }) }))).toBe('overflow.protect[1]');
    expect(refused(() => new OpdScheduler({ ...standard, overflow: new RuleOverflow({ whenFull: { ONLNE: ['waitlist'] } }) }))).toBe('overflow.whenFull.ONLNE');
    const custom = new CategoryPriority({ ranks: { RED: 0, GREEN: 1 } });
    expect(
      refused(
        () =>
          new OpdScheduler({
            priority: custom,
            capacity: new ElasticCapacity(),
            overflow: new RuleOverflow({ protect: ['RED'], whenFull: { EMERGENCY: ['bump'] } }),
          }),
      ),
    ).toBe('overflow.whenFull.EMERGENCY');
  });

  it('defaults and a preset’s own strategies are not checked: their categories simply never apply to a policy without them', () => {
    const custom = new CategoryPriority({ ranks: { RED: 0, GREEN: 1 } });
    // The default scheduler's strategies (standard's, naming EMERGENCY), a preset's spread, and
    // ElasticCapacity / RuleOverflow built with their default `['EMERGENCY']`.
    expect(new OpdScheduler({ priority: custom })).toBeInstanceOf(OpdScheduler);
    expect(new OpdScheduler({ ...presets.waitlist(), priority: custom })).toBeInstanceOf(OpdScheduler);
    expect(
      new OpdScheduler({
        priority: custom,
        capacity: new ElasticCapacity(),
        overflow: new RuleOverflow({ whenFull: { RED: ['bump'], default: ['waitlist'] }, protect: ['RED'] }),
      }),
    ).toBeInstanceOf(OpdScheduler);
    expect(new OpdScheduler({ ...standard, capacity: new ElasticCapacity({ categories: ['EMERGENCY', 'PAID'] }) })).toBeInstanceOf(OpdScheduler);
    // Without `protect`, a RuleOverflow protects its default EMERGENCY, which names no category of its own.
    expect(new OpdScheduler({ priority: custom, overflow: new RuleOverflow({ whenFull: { RED: ['bump'], default: ['waitlist'] } }) })).toBeInstanceOf(
      OpdScheduler,
    );
  });
});

describe('FHIR helpers', () => {
  it('toFhirId refuses a non-string naming `id`', () => {
    for (const bad of [42, undefined, null, {}, ['a'], Symbol('s'), Object.create(null)])
      expect(
        refused(() => toFhirId(bad as never)),
        String(typeof bad),
      ).toBe('id');
    expect(toFhirId('sharma~2026-01-30~7')).toBe('sharma.7e2026-01-30.7e7');
    expect(toFhirId('')).toBeUndefined();
  });

  it('toFhirAppointmentStatus refuses a non-string naming `status`', () => {
    for (const bad of [Object.create(null), 42, undefined, null, {}, Symbol('s')])
      expect(
        refused(() => toFhirAppointmentStatus(bad as never)),
        String(typeof bad),
      ).toBe('status');
    expect(refused(() => toFhirAppointmentStatus('toString' as never))).toBe('status');
    expect(toFhirAppointmentStatus('HELD')).toBe('pending');
  });

  it('unknown option keys are refused naming them', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const { token } = await opd.book(request('d1', 'ONLINE'));
    const view = await opd.getSlot('d1-09');
    const doctor = (await opd.listDoctors())[0]!;
    expect(refused(() => toFhirAppointment(token, { identifiersystem: 'urn:x:' } as never))).toBe('context.identifiersystem');
    expect(refused(() => toFhirAppointment(token, { patients: { reference: 'Patient/1' } } as never))).toBe('context.patients');
    expect(refused(() => toFhirSlot(view, { identifiersystem: 'urn:x:' } as never))).toBe('options.identifiersystem');
    expect(refused(() => toFhirSlot(view, { patient: { reference: 'Patient/1' } } as never))).toBe('options.patient');
    expect(refused(() => toFhirSchedule(doctor, { system: 'urn:x:' } as never))).toBe('options.system');
    // The documented ones are fine.
    expect(
      toFhirAppointment(token, { identifierSystem: 'urn:x:', practitioner: { reference: 'Practitioner/1' }, patient: { reference: 'Patient/1' }, slot: view })
        .status,
    ).toBe('booked');
    expect(toFhirSlot(view, { identifierSystem: 'urn:x:', practitioner: undefined }).resourceType).toBe('Slot');
    expect(toFhirSchedule(doctor, { identifierSystem: 'urn:x:' }).resourceType).toBe('Schedule');
  });
});
