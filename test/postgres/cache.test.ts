/**
 * The adapter's day cache, without a database: what changed since a rev merges into the day it
 * holds (in place), a committed change set moves it on, and a snapshot handed out never changes
 * afterwards, whatever the cache merges later.
 */
import { describe, expect, it } from 'vitest';
import type { ChangeSet, DaySnapshot } from '../../src/model/snapshot.js';
import { DayCache, type DayPart } from '../../src/postgres/cache.js';

const DAY = '2026-01-30';
const slot = (id: string, start: number): unknown[] => ['d1', id, DAY, start, start + 1800_000, 2, 0, 'OPEN', null];
const token = (n: number, slotId: string, status = 'BOOKED'): unknown[] => [n, slotId, null, 'ONLINE', n, status, { name: 'P' }, 1, 0, 1, null, null, null, 1];
const part = (base: number, last: number, slots: unknown[][] | null, tokens: unknown[][] | null): DayPart => [DAY, base, [last, 0, 0, 0, 0], slots, tokens];

/** Slot ids and token numbers of a snapshot, in its order. */
const shape = (day: DaySnapshot): [string, number[]][] => day.slots.map((s) => [s.slot.id, s.places.map((t) => t.tokenNumber)]);

describe('DayCache', () => {
  it('orders a day read out of order, merges what changed since its rev, and leaves snapshots handed out as they were', () => {
    const cache = new DayCache(16);
    const first = cache.merge('d1', 5, part(-1, 3, [slot('s2', 2000), slot('s1', 1000)], [token(3, 's2'), token(1, 's1'), token(2, 's1')]))!;
    expect(shape(first)).toEqual([['s1', [1, 2]], ['s2', [3]]]);
    expect(cache.known('d1', [DAY], 4)).toEqual({ [DAY]: 5 });

    // Rev 7: token 2 cancelled, token 4 booked into s1.
    const second = cache.merge('d1', 7, part(5, 4, null, [token(2, 's1', 'CANCELLED'), token(4, 's1')]))!;
    expect(shape(second)).toEqual([['s1', [1, 4]], ['s2', [3]]]);
    expect(second.record.lastTokenNumber).toBe(4);
    expect(shape(first)).toEqual([['s1', [1, 2]], ['s2', [3]]]);
    expect(first.record.lastTokenNumber).toBe(3);

    // A unit that read rev 7 commits as rev 8: the day moves on without another read.
    const booked = { ...second.slots[1]!.places[0]!, tokenNumber: 5, id: 'd1~2026-01-30~5' };
    const changes = { days: [{ ...second.record, lastTokenNumber: 5 }], newSlots: [], updatedSlots: [], newTokens: [booked], updatedTokens: [], events: [] };
    cache.commit('d1', 7, 8, changes as unknown as ChangeSet);
    expect(cache.known('d1', [DAY], 4)).toEqual({ [DAY]: 8 });
    const third = cache.merge('d1', 8, part(8, 5, null, null))!;
    expect(shape(third)).toEqual([['s1', [1, 4]], ['s2', [3, 5]]]);
    expect(shape(second)).toEqual([['s1', [1, 4]], ['s2', [3]]]);
  });

  it('drops a day whose answer is relative to a rev it does not hold, and one a later unit moved past', () => {
    const cache = new DayCache(16);
    cache.merge('d1', 5, part(-1, 1, [slot('s1', 1000)], [token(1, 's1')]));
    expect(cache.merge('d1', 9, part(7, 2, null, [token(2, 's1')]))).toBeUndefined();
    expect(cache.known('d1', [DAY], 4)).toBeUndefined();

    cache.merge('d1', 5, part(-1, 1, [slot('s1', 1000)], [token(1, 's1')]));
    // A commit for rev 4 (read before another unit wrote rev 5): the day is no longer known.
    cache.commit('d1', 4, 5, { days: [], newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], events: [] } as unknown as ChangeSet);
    expect(cache.known('d1', [DAY], 4)).toEqual({ [DAY]: 5 });
    cache.commit('d1', 4, 5, { days: [{ doctorId: 'd1', day: DAY, lastTokenNumber: 2, bumps: 0, cascades: 0, promotions: 0, drops: 0 }], newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], events: [] } as unknown as ChangeSet);
    expect(cache.known('d1', [DAY], 4)).toBeUndefined();
  });

  it('forgets a day whose merge fails', () => {
    const cache = new DayCache(16);
    cache.merge('d1', 5, part(-1, 1, [slot('s1', 1000)], [token(1, 's1')]));
    // A token of a slot the day does not have: the snapshot cannot be built.
    expect(() => cache.merge('d1', 6, part(5, 2, null, [token(2, 'nowhere')]))).toThrow();
    expect(cache.known('d1', [DAY], 4)).toBeUndefined();
  });
});
