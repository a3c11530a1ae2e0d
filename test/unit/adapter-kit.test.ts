/**
 * The adapter kit's shared pieces: building a day snapshot from rows, and the checks every
 * adapter makes on a change set before writing it.
 */
import { isOpdError, MemoryStorage } from 'opd-scheduler';
import {
  assembleDay,
  assignEventSeq,
  type ChangeSet,
  checkChangeSet,
  compareIds,
  compareQueueOrder,
  emptyDayRecord,
  mergeLoadRequests,
  slotFacts,
  type TokenRecord,
} from 'opd-scheduler/adapter-kit';
import { describe, expect, it } from 'vitest';
import { slot, token } from '../core/builders.js';

const NONE: ChangeSet = { newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] };

describe('assembleDay', () => {
  it('orders slots by start and puts each token where its status says, in the order given', () => {
    const nine = slot(9, 2);
    const ten = slot(10, 2);
    const tokens = [token(3, 'ONLINE', 'd1-10'), token(1, 'ONLINE', 'd1-09'), token(2, 'WALK_IN', null), token(4, 'ONLINE', null, { status: 'CANCELLED' })];
    const day = assembleDay('test', emptyDayRecord('d1', '2026-01-30'), [ten, nine], tokens);
    expect(day.slots.map((s) => [s.slot.id, s.places.map((t) => t.tokenNumber)])).toEqual([
      ['d1-09', [1]],
      ['d1-10', [3]],
    ]);
    expect(day.waitlist.map((t) => t.tokenNumber)).toEqual([2]);
  });

  it('refuses a token placed in a slot the day does not have', () => {
    expect(() => assembleDay('test', emptyDayRecord('d1', '2026-01-30'), [slot(9, 1)], [token(1, 'ONLINE', 'd1-11')])).toThrow(
      expect.objectContaining({ code: 'STORAGE_FAILURE', details: { adapter: 'test', tokenId: token(1, 'ONLINE', null).id } }) as never,
    );
  });
});

describe('checkChangeSet', () => {
  it('accepts an empty change set and a unit of one doctor', () => {
    expect(checkChangeSet(NONE)).toBeUndefined();
    expect(checkChangeSet({ ...NONE, newTokens: [token(1, 'ONLINE', 'd1-09')], updatedSlots: [slot(9, 2)] })).toBeUndefined();
  });

  it('names what is wrong: several doctors, a record both new and updated, a second live token of a patient', () => {
    const other = { ...slot(9, 1), doctorId: 'd2' };
    expect(checkChangeSet({ ...NONE, newTokens: [token(1, 'ONLINE', 'd1-09')], updatedSlots: [other] })).toEqual({ what: 'unit spanning doctors', id: 'd1' });
    const t = token(1, 'ONLINE', 'd1-09');
    expect(checkChangeSet({ ...NONE, newTokens: [t], updatedTokens: [t] })).toEqual({ what: 'record both new and updated', id: t.id });
    expect(checkChangeSet({ ...NONE, newSlots: [slot(9, 1)], updatedSlots: [slot(10, 1), slot(9, 2)] })).toEqual({
      what: 'record both new and updated',
      id: slot(9, 1).id,
    });
    expect(checkChangeSet({ ...NONE, newSlots: [slot(9, 1)], updatedSlots: [slot(10, 1)] })).toBeUndefined();
    const twice = token(2, 'ONLINE', null, { patient: t.patient });
    expect(checkChangeSet({ ...NONE, newTokens: [t, twice], guardDuplicates: true })).toEqual({ what: 'second live token of a patient', id: twice.id });
    expect(checkChangeSet({ ...NONE, newTokens: [t, twice], guardDuplicates: false })).toBeUndefined();
  });

  it('MemoryStorage refuses what it objects to, writing nothing', async () => {
    const storage = new MemoryStorage();
    const t = token(1, 'ONLINE', null);
    const changes: ChangeSet = { ...NONE, newTokens: [t], updatedTokens: [t] };
    const error = await storage.transact({ doctorId: 'd1' }, () => ({ kind: 'commit', changes, result: 0 })).catch((e: unknown) => e);
    expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
    expect(await storage.history(0, 10)).toEqual([]);
  });
});

describe('the kit refuses bad arguments with VALIDATION_FAILED naming them, changing nothing', () => {
  /** The field of the `VALIDATION_FAILED` that `call` throws, or what it throws or returns otherwise. */
  const field = (call: () => unknown): unknown => {
    try {
      return { returned: call() };
    } catch (error) {
      return isOpdError(error, 'VALIDATION_FAILED') ? error.details.field : error;
    }
  };
  const boom = (): never => {
    throw new Error('boom');
  };
  const revoked = (): object => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };

  it('assignEventSeq: an event and a sequence number of 1 or more', () => {
    const event = { type: 'token:booked', seq: 0 } as never;
    expect(field(() => assignEventSeq(null as never, 1))).toBe('event');
    expect(field(() => assignEventSeq(Object.create(null) as never, 1))).toBe('event');
    expect(field(() => assignEventSeq(revoked() as never, 1))).toBe('event');
    expect(
      field(() =>
        assignEventSeq(
          {
            get type(): never {
              return boom();
            },
          } as never,
          1,
        ),
      ),
    ).toBe('event');
    expect(field(() => assignEventSeq(Object.freeze({ type: 'token:booked', seq: 0 }) as never, 1))).toBe('event');
    for (const seq of [Number.NaN, 0, -1, 1.5, Number.POSITIVE_INFINITY, '3', Object.create(null)])
      expect(field(() => assignEventSeq(event, seq as never))).toBe('seq');
    expect(event).toEqual({ type: 'token:booked', seq: 0 });
    assignEventSeq(event, 7);
    expect(event).toEqual({ type: 'token:booked', seq: 7 });
  });

  it('compareIds: two strings', () => {
    expect(field(() => compareIds(Object.create(null) as never, 'a'))).toBe('a');
    expect(field(() => compareIds('a', null as never))).toBe('b');
    expect(['b', 'B', 'a'].sort(compareIds)).toEqual(['B', 'a', 'b']);
  });

  it('compareQueueOrder: two token records with finite rank, request time and number', () => {
    const t = token(1, 'ONLINE', null);
    expect(field(() => compareQueueOrder(null as never, null as never))).toBe('a');
    expect(field(() => compareQueueOrder(t, Object.create(null) as never))).toBe('b.rank');
    expect(field(() => compareQueueOrder(t, revoked() as never))).toBe('b');
    expect(field(() => compareQueueOrder({ ...t, requestedAt: Number.NaN }, t))).toBe('a.requestedAt');
    expect(
      field(() =>
        compareQueueOrder(t, {
          ...t,
          get tokenNumber(): never {
            return boom();
          },
        } as TokenRecord),
      ),
    ).toBe('b');
    const second = token(2, 'ONLINE', null);
    expect([second, t].sort(compareQueueOrder).map((x) => x.tokenNumber)).toEqual([1, 2]);
  });

  it("slotFacts: a slot's places, counted in one pass: waiting, completion times, the latest start in consultation, the checked-in", () => {
    const at = (n: number): number => Date.UTC(2026, 0, 30, 4) + n * 60_000;
    const places = [
      token(1, 'ONLINE', 'd1-09', { status: 'COMPLETED', updatedAt: at(10) }),
      token(2, 'ONLINE', 'd1-09', { status: 'COMPLETED', updatedAt: at(4) }),
      token(3, 'ONLINE', 'd1-09', { status: 'IN_CONSULTATION', updatedAt: at(12) }),
      token(4, 'ONLINE', 'd1-09', { status: 'CHECKED_IN' }),
      token(5, 'EMERGENCY', 'd1-09', { status: 'CHECKED_IN' }),
      token(6, 'ONLINE', 'd1-09', { status: 'BOOKED' }),
    ];
    const facts = slotFacts(places);
    expect({ ...facts, completions: [...facts.completions].sort(), checkedIn: facts.checkedIn.map((t) => t.tokenNumber).sort() }).toEqual({
      waiting: 3,
      completions: [at(4), at(10)],
      started: at(12),
      checkedIn: [4, 5],
    });
    expect(slotFacts([])).toEqual({ waiting: 0, completions: [], started: undefined, checkedIn: [] });
    expect(field(() => slotFacts(null as never))).toBe('places');
    expect(field(() => slotFacts([places[0]!, 7 as never]))).toBe('places[1]');
    expect(field(() => slotFacts([{ ...places[0]!, updatedAt: Number.NaN }]))).toBe('places[0].updatedAt');
    expect(field(() => slotFacts([{ ...places[0]!, status: null as never }]))).toBe('places[0].status');
    expect(field(() => slotFacts([revoked() as never]))).toBe('places');
  });

  it('mergeLoadRequests: a schedule limit is a positive whole number, kept where both windows count from the same instant', () => {
    for (const limit of [0, -1, 1.5, Number.NaN, '2']) {
      expect(field(() => mergeLoadRequests({ doctorId: 'd1', schedule: { from: 0, limit } as never }, { doctorId: 'd1' }))).toBe('a.schedule');
    }
    const merged = (a: { from: number; limit?: number }, b: { from: number; limit?: number }): unknown =>
      mergeLoadRequests({ doctorId: 'd1', schedule: a }, { doctorId: 'd1', schedule: b }).schedule;
    expect(merged({ from: 5, limit: 64 }, { from: 5, limit: 512 })).toEqual({ from: 5, to: undefined, limit: 512 });
    // Counted from different instants, or one without a limit: the whole window.
    expect(merged({ from: 5, limit: 64 }, { from: 3, limit: 64 })).toEqual({ from: 3, to: undefined });
    expect(merged({ from: 5, limit: 64 }, { from: 5 })).toEqual({ from: 5, to: undefined });
  });

  it('emptyDayRecord: a doctor id and a day', () => {
    expect(field(() => emptyDayRecord(Object.create(null) as never, '2026-01-30'))).toBe('doctorId');
    expect(field(() => emptyDayRecord('', '2026-01-30'))).toBe('doctorId');
    expect(field(() => emptyDayRecord('d1', null as never))).toBe('day');
    expect(field(() => emptyDayRecord('d1', '2026-02-30'))).toBe('day');
    expect(emptyDayRecord('d1', '2026-01-30')).toMatchObject({ doctorId: 'd1', day: '2026-01-30', lastTokenNumber: 0 });
  });
});
