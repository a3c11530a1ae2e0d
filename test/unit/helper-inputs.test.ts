/**
 * Bad input to the exported helpers — built-in strategies, the adapter kit, the conformance
 * suite — is refused with an `OpdError` naming the input, never a raw `TypeError`: proxies,
 * revoked proxies, getters that throw, values of the wrong type, and lists that answer one
 * thing when checked and another when used.
 */
import { ChannelQuota, isOpdError, type OpdErrorCode, RuleOverflow } from 'opd-scheduler';
import {
  assembleDay,
  type ChangeSet,
  changeSetDoctor,
  changeSetParts,
  checkChangeSet,
  emptyDayRecord,
  isMultiDoctor,
  isTokenIdOf,
  mergeLoadRequests,
  namedDoctor,
  parseTokenId,
  planUnit,
  staysWithin,
  tokenIdOf,
} from 'opd-scheduler/adapter-kit';
import { describeStorageConformance } from 'opd-scheduler/testing';
import { describe, expect, it } from 'vitest';
import { slot, token } from '../core/builders.js';

const SECRET = 'thrown-secret-9911';

/** An object whose `key` getter throws. */
function throwing(key: string, rest: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.defineProperty({ ...rest }, key, {
    enumerable: true,
    get() {
      throw new Error(SECRET);
    },
  });
}

/** A proxy every trap of which throws. */
function hostile<T extends object>(target: T): T {
  const fail = (): never => {
    throw new Error(SECRET);
  };
  return new Proxy(target, { get: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, getPrototypeOf: fail });
}

/** A proxy no longer usable. */
function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** Expects `fn` to throw an `OpdError` with `code` naming `field` (or a field within it), without the thrown message. */
function refuses(fn: () => unknown, field: string, code: OpdErrorCode = 'VALIDATION_FAILED'): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isOpdError(caught, code), `an OpdError ${code} for ${field}, got ${String(caught)}`).toBe(true);
  const e = caught as { message: string; details: { field?: string } };
  const f = String(e.details.field);
  if (code === 'VALIDATION_FAILED')
    expect(f === field || f.startsWith(`${field}.`) || f.startsWith(`${field}[`), `details.field \`${f}\` names \`${field}\``).toBe(true);
  expect(e.message).not.toContain(SECRET);
}

describe('RuleOverflow', () => {
  it('refuses unreadable options with VALIDATION_FAILED naming them', () => {
    refuses(() => new RuleOverflow({ whenFull: hostile({ default: ['reject'] }) } as never), 'whenFull');
    refuses(() => new RuleOverflow({ whenFull: throwing('default') } as never), 'whenFull.default');
    refuses(() => new RuleOverflow({ whenFull: revoked() } as never), 'whenFull');
    refuses(() => new RuleOverflow({ whenFull: { default: hostile(['reject']) } } as never), 'whenFull.default');
    refuses(() => new RuleOverflow({ whenDisplaced: hostile({ default: [{ kind: 'drop' }] }) } as never), 'whenDisplaced');
    refuses(() => new RuleOverflow({ whenDisplaced: throwing('bumped') } as never), 'whenDisplaced.bumped');
    refuses(() => new RuleOverflow({ whenDisplaced: { default: [throwing('kind')] } } as never), 'whenDisplaced.default[0]');
    refuses(() => new RuleOverflow({ whenDisplaced: { default: [hostile({ kind: 'drop' })] } } as never), 'whenDisplaced.default[0]');
    refuses(() => new RuleOverflow({ whenDisplaced: { default: [{ kind: 'cascade' }, revoked()] } } as never), 'whenDisplaced.default[1]');
    refuses(() => new RuleOverflow({ protect: hostile(['EMERGENCY']) } as never), 'protect');
    refuses(() => new RuleOverflow({ protect: revoked() } as never), 'protect');
    refuses(() => new RuleOverflow(hostile({}) as never), 'options');
  });

  it('refuses a name, table or list of the wrong type, a hole in a list and an unknown reason', () => {
    refuses(() => new RuleOverflow({ name: 5 } as never), 'name');
    refuses(() => new RuleOverflow({ name: '' }), 'name');
    refuses(() => new RuleOverflow({ whenFull: 5 } as never), 'whenFull');
    refuses(() => new RuleOverflow({ whenFull: null } as never), 'whenFull');
    refuses(() => new RuleOverflow({ whenFull: ['bump'] } as never), 'whenFull');
    refuses(() => new RuleOverflow({ whenDisplaced: null } as never), 'whenDisplaced');
    refuses(() => new RuleOverflow({ whenDisplaced: 'drop' } as never), 'whenDisplaced');
    // eslint-disable-next-line no-sparse-arrays
    refuses(() => new RuleOverflow({ whenDisplaced: { default: [, { kind: 'drop' }] } } as never), 'whenDisplaced.default[0]');
    // eslint-disable-next-line no-sparse-arrays
    refuses(() => new RuleOverflow({ whenFull: { default: [, 'reject'] } } as never), 'whenFull.default');
    refuses(() => new RuleOverflow({ whenDisplaced: { bumpd: [{ kind: 'drop' }] } } as never), 'whenDisplaced.bumpd');
    refuses(() => new RuleOverflow({ protect: 'EMERGENCY' } as never), 'protect');
    refuses(() => new RuleOverflow({ protect: [1] } as never), 'protect');
    for (const key of ['waitlist', 'bumpLimit', 'victimOrder', 'victimWithoutRoom']) refuses(() => new RuleOverflow({ [key]: null } as never), key);
  });

  it('answers what it checked: a list read once, whatever it answers later', () => {
    let reads = 0;
    const full = new Proxy(['bump'], {
      get: (target, key, receiver) => (key === '0' ? (++reads > 1 ? 'explode' : 'bump') : Reflect.get(target, key, receiver)),
    });
    const overflow = new RuleOverflow({ whenFull: { default: full as never } });
    const context = { category: 'ONLINE', rank: 4, patient: { name: 'x' }, slot: null, occupancy: 0, requestedSlot: false, now: new Date(0) };
    expect(overflow.whenFull(context)).toEqual(['bump']);
    expect(overflow.whenFull(context)).toEqual(['bump']);

    let kinds = 0;
    const option = new Proxy(
      { kind: 'drop' },
      { get: (target, key, receiver) => (key === 'kind' ? (++kinds > 1 ? 'explode' : 'drop') : Reflect.get(target, key, receiver)) },
    );
    const table = { bumped: [option] as never[] };
    const displaced = new RuleOverflow({ whenDisplaced: table });
    table.bumped.push({ kind: 'explode' } as never);
    const displacedContext = { token: {} as never, fromSlot: {} as never, reason: 'bumped' as const, depth: 0, now: new Date(0) };
    expect(displaced.whenDisplaced(displacedContext)).toEqual([{ kind: 'drop' }]);
    expect(Object.isFrozen(displaced.whenDisplaced(displacedContext))).toBe(true);
  });

  it('still accepts every option given well', () => {
    const overflow = new RuleOverflow({
      name: 'mine',
      whenFull: { EMERGENCY: ['bump', 'waitlist'], default: ['reject'] },
      whenDisplaced: {
        bumped: [
          { kind: 'cascade', chainDepth: 1 },
          { kind: 'waitlist', slot: 'from' },
        ],
        default: [{ kind: 'drop' }],
        'slot-closed': undefined,
      } as never,
      protect: ['EMERGENCY', 'TRAUMA'],
      victimWithoutRoom: 'keep',
    });
    expect(overflow.name).toBe('mine');
    const now = new Date(0);
    expect(overflow.whenDisplaced({ token: {} as never, fromSlot: {} as never, reason: 'bumped', depth: 0, now })).toEqual([
      { kind: 'cascade', chainDepth: 1 },
      { kind: 'waitlist', slot: 'from' },
    ]);
    expect(overflow.whenDisplaced({ token: {} as never, fromSlot: {} as never, reason: 'slot-closed', depth: 0, now })).toEqual([{ kind: 'drop' }]);
    expect(overflow.protection({ category: 'TRAUMA', patient: { name: 'x' }, now })).toEqual({ bump: false });
    expect(overflow.protection({ category: 'EMERGENCY', patient: { name: 'x' }, now })).toEqual({ bump: true });
  });
});

describe('ChannelQuota', () => {
  it('refuses unreadable options with VALIDATION_FAILED naming them', () => {
    refuses(() => new ChannelQuota(hostile({ ONLINE: { share: 0.5 } })), 'quota');
    refuses(() => new ChannelQuota(throwing('ONLINE') as never), 'quota.ONLINE');
    refuses(() => new ChannelQuota({ ONLINE: hostile({ share: 0.5 }) }), 'quota.ONLINE');
    refuses(() => new ChannelQuota({ ONLINE: revoked() as never }), 'quota.ONLINE');
    for (const key of ['share', 'count', 'perDay', 'reserve', 'releaseMinutesBefore']) {
      refuses(() => new ChannelQuota({ WALK_IN: throwing(key, { reserve: 1 }) as never }), `quota.WALK_IN.${key}`);
    }
  });

  it('reads each rule once', () => {
    let reads = 0;
    const rule = Object.defineProperty({}, 'share', { enumerable: true, get: () => (++reads > 1 ? Number.NaN : 0.5) });
    expect(new ChannelQuota({ ONLINE: rule }).name).toBe('channel-quota(ONLINE: share 0.5)');
    expect(reads).toBe(1);
  });
});

const NONE: ChangeSet = { newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] };

describe('the adapter kit', () => {
  it('checkChangeSet reports anything but a change set as a problem, as it does a bad record', () => {
    const bad = [
      null,
      undefined,
      5,
      'x',
      {},
      [],
      { ...NONE, newTokens: null },
      { ...NONE, newTokens: [null] },
      { ...NONE, events: 5 },
      hostile({ ...NONE }),
      revoked(),
    ];
    for (const [i, changes] of bad.entries()) {
      expect(checkChangeSet(changes as never), `change set ${i}`).toEqual({ what: expect.stringMatching(/^malformed change set/) as never, id: '' });
    }
    expect(checkChangeSet({ ...NONE, newTokens: [null] } as never)?.what).toBe('malformed change set (changes.newTokens[0])');
    const t = token(1, 'ONLINE', null);
    expect(checkChangeSet({ ...NONE, newTokens: [throwing('patient', { ...t }), token(2, 'ONLINE', null)], guardDuplicates: true } as never)?.what).toMatch(
      /^malformed change set/,
    );
    refuses(() => checkChangeSet(NONE, 'd1' as never), 'locked');
    expect(checkChangeSet({ ...NONE, newTokens: [t] }, ['d1'])).toBeUndefined();
  });

  it('changeSetParts and changeSetDoctor refuse anything but a change set', () => {
    refuses(() => changeSetParts({} as never), 'changes.newSlots');
    refuses(() => changeSetParts(null as never), 'changes');
    refuses(() => changeSetParts({ ...NONE, days: [{}] } as never), 'changes.days[0]');
    refuses(() => changeSetParts(hostile({ ...NONE })), 'changes');
    refuses(() => changeSetDoctor(undefined as never), 'changes');
    refuses(() => changeSetDoctor({ ...NONE, doctor: 5 } as never), 'changes.doctor');
    const other = { ...slot(9, 1), doctorId: 'd2' };
    expect(changeSetParts({ ...NONE, newSlots: [slot(9, 1), other] }).map((part) => changeSetDoctor(part))).toEqual(['d1', 'd2']);
  });

  it('assembleDay answers rows it cannot read with STORAGE_FAILURE, as it does a bad record', () => {
    const record = emptyDayRecord('d1', '2026-01-30');
    for (const [rec, slots, tokens] of [
      [{}, null, []],
      [record, [slot(9, 1)], null],
      [null, [], []],
      [record, [null], []],
      [record, [slot(9, 1)], [5]],
      [record, hostile([slot(9, 1)]), []],
    ] as const) {
      refuses(() => assembleDay('x', rec as never, slots as never, tokens as never), 'x', 'STORAGE_FAILURE');
      expect(() => assembleDay('x', rec as never, slots as never, tokens as never)).toThrow(expect.objectContaining({ details: { adapter: 'x' } }) as never);
    }
    refuses(() => assembleDay(5 as never, record, [], []), 'adapter');
    const day = assembleDay(
      'x',
      record,
      new Set([slot(9, 1)]),
      (function* () {
        yield token(1, 'ONLINE', 'd1-09');
      })(),
    );
    expect(day.slots[0]!.places.map((t) => t.tokenNumber)).toEqual([1]);
  });

  it('planUnit, staysWithin, mergeLoadRequests, namedDoctor and isMultiDoctor refuse anything but load requests', () => {
    refuses(() => planUnit(null as never, undefined), 'request');
    refuses(() => planUnit({ tokenId: 5 } as never, undefined), 'request.tokenId');
    refuses(() => planUnit({ doctorId: 'd1', others: [{ doctorId: 7 }] } as never, undefined), 'request.others[0].doctorId');
    refuses(() => planUnit({ doctorId: 'd1', department: { name: 'c', each: null } } as never, ['d2']), 'request.department.each');
    refuses(() => planUnit({ doctorId: 'd1', days: 'x' } as never, undefined), 'request.days');
    refuses(() => planUnit({ doctorId: 'd1' }, 'd2' as never), 'members');
    refuses(() => planUnit(hostile({ doctorId: 'd1' }), undefined), 'request');
    refuses(() => planUnit(revoked() as never, undefined), 'request');
    refuses(() => staysWithin(null as never, ['d1'], undefined), 'request');
    refuses(() => staysWithin({ doctorId: 'd1' }, null as never, undefined), 'locked');
    refuses(() => mergeLoadRequests(null as never, null as never), 'a');
    refuses(() => mergeLoadRequests({}, { slotIds: 5 } as never), 'b.slotIds');
    refuses(() => mergeLoadRequests({ schedule: { from: 'x' } } as never, {}), 'a.schedule');
    refuses(() => namedDoctor(5 as never), 'request');
    refuses(() => isMultiDoctor({ others: 5 } as never), 'request.others');
    // And well-formed requests as before.
    expect(planUnit({ doctorId: 'b', others: [{ doctorId: 'a' }] }, undefined).lockOrder).toEqual(['a', 'b']);
    expect(staysWithin({ doctorId: 'a' }, ['a'], undefined)).toBe(true);
    expect(mergeLoadRequests({ days: ['2026-01-30'] }, { days: ['2026-01-31'] }).days).toEqual(['2026-01-30', '2026-01-31']);
    expect(namedDoctor({ tokenId: 'd1~2026-01-30~3' })).toBe('d1');
  });

  it('token ids: invalid parts are refused, and every id made is one parseTokenId reads back', () => {
    refuses(() => tokenIdOf('a~b', 'xx', -1), 'doctorId');
    refuses(() => tokenIdOf('d1', 'xx', 1), 'day');
    refuses(() => tokenIdOf('d1', '2026-02-30', 1), 'day');
    refuses(() => tokenIdOf('d1', '2026-01-30', -1), 'tokenNumber');
    refuses(() => tokenIdOf('d1', '2026-01-30', 1.5), 'tokenNumber');
    refuses(() => tokenIdOf(null as never, '2026-01-30', 1), 'doctorId');
    expect(parseTokenId(tokenIdOf('dr.sharma', '2026-01-30', 12))).toEqual({ doctorId: 'dr.sharma', day: '2026-01-30', tokenNumber: 12 });
    refuses(() => parseTokenId(5 as never), 'id');
    refuses(() => parseTokenId(null as never), 'id');
    expect(parseTokenId('nope')).toBeUndefined();
    refuses(() => isTokenIdOf(null as never, 'd1', '2026-01-30', 1), 'id');
    refuses(() => isTokenIdOf('d1~2026-01-30~1', null as never, '2026-01-30', 1), 'doctorId');
    refuses(() => isTokenIdOf('d1~2026-01-30~1', 'd1', 5 as never, 1), 'day');
    refuses(() => isTokenIdOf('d1~2026-01-30~1', 'd1', '2026-01-30', '1' as never), 'tokenNumber');
    expect(isTokenIdOf('d1~2026-01-30~1', 'd1', '2026-01-30', 1)).toBe(true);
    expect(isTokenIdOf('d1~2026-01-30~1', 'd1', '2026-01-30', 2)).toBe(false);
  });
});

describe('describeStorageConformance', () => {
  const factory = (): Promise<never> => Promise.reject(new Error('never called'));

  it('refuses bad arguments and options before declaring anything', () => {
    refuses(() => describeStorageConformance('x', factory, null as never), 'options');
    refuses(() => describeStorageConformance('x', factory, 5 as never), 'options');
    refuses(() => describeStorageConformance('x', factory, hostile({})), 'options');
    refuses(() => describeStorageConformance('x', factory, throwing('timeout')), 'timeout');
    refuses(() => describeStorageConformance('x', factory, { concurrency: 0 }), 'concurrency');
    refuses(() => describeStorageConformance('x', factory, { concurrency: 2.5 }), 'concurrency');
    refuses(() => describeStorageConformance('x', factory, { concurrency: '50' as never }), 'concurrency');
    refuses(() => describeStorageConformance('x', factory, { timeout: -1 }), 'timeout');
    refuses(() => describeStorageConformance('x', factory, { timeout: Number.NaN }), 'timeout');
    refuses(() => describeStorageConformance('x', factory, { timeout: Number.POSITIVE_INFINITY }), 'timeout');
    refuses(() => describeStorageConformance('x', factory, { capabilities: 'all' as never }), 'capabilities');
    refuses(() => describeStorageConformance('x', factory, { capabilities: { tail: 'yes' as never } }), 'capabilities.tail');
    refuses(() => describeStorageConformance('x', factory, { capabilities: { tails: true } as never }), 'capabilities.tails');
    refuses(() => describeStorageConformance('x', factory, { skip: 5 as never }), 'skip');
    refuses(() => describeStorageConformance('x', factory, { concurency: 5 } as never), 'concurency');
    refuses(() => describeStorageConformance('x', null as never), 'factory');
    refuses(() => describeStorageConformance(5 as never, factory), 'name');
  });
});
