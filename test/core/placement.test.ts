/**
 * The placement rules on hand-built days: which place a newcomer may bump (the worst, ties by
 * request time and number, elastic holders spared only in a slot above its capacity), whether a
 * victim could move on before a `'keep'` strategy lets anyone bump it, and promotion of the
 * waitlist into more than one free slot.
 */
import { AgingPriority, ElasticCapacity, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { displace, findVictim, promoteWaiting, victimCanMove, worseVictim } from '../../src/core/placement.js';
import { Workspace } from '../../src/core/workspace.js';
import type { DisplacedOption, OverflowStrategy } from '../../src/policies/overflow.js';
import type { TokenRecord } from '../../src/model/records.js';
import { at, config, DAY, refusal, slot, snapshot, token } from './builders.js';

const NOW = at(7);

/** A workspace over one hand-built day of d1, and that day's work. */
function day(options: Parameters<typeof config>[0], slots: Parameters<typeof snapshot>[0], tokens: readonly TokenRecord[]) {
  const ws = new Workspace(config(options), snapshot(slots, tokens), NOW);
  return { ws, work: ws.day(DAY) };
}

/** An overflow strategy that bumps, keeps a victim without room (unless told), and answers a displacement with `options`. */
function keeping(options: readonly DisplacedOption[], victimWithoutRoom: 'keep' | 'displace' = 'keep'): OverflowStrategy {
  return {
    name: 'keeping',
    waitlist: 'day',
    bumpLimit: 3,
    victimOrder: 'latest',
    victimWithoutRoom,
    whenFull: () => ['bump', 'waitlist'],
    whenDisplaced: () => options,
  };
}

/**
 * {@link keeping} with `options` for a displacement, recording the depth of every displacement
 * it is asked about and whether each full slot it is asked about was the requested one.
 */
function recording(options: readonly DisplacedOption[]): { strategy: OverflowStrategy; depths: number[]; requested: boolean[] } {
  const depths: number[] = [];
  const requested: boolean[] = [];
  const strategy: OverflowStrategy = {
    ...keeping(options),
    whenFull: (context) => {
      requested.push(context.requestedSlot);
      return ['bump', 'waitlist'];
    },
    whenDisplaced: (context) => {
      depths.push(context.depth);
      return options;
    },
  };
  return { strategy, depths, requested };
}

describe('worseVictim', () => {
  const a = token(1, 'ONLINE', 'd1-09', { requestedAt: at(8) });
  const b = token(2, 'ONLINE', 'd1-09', { requestedAt: at(7, 30) });

  it('goes by rank first, whatever the times', () => {
    const walkIn = token(3, 'WALK_IN', 'd1-09', { requestedAt: at(6) });
    expect(worseVictim(walkIn, a, 'latest')).toBe(true);
    expect(worseVictim(a, walkIn, 'earliest')).toBe(false);
  });

  it('among equal ranks goes by request time, not by token number (a token brought back is requested anew)', () => {
    // Token 1 was requested after token 2.
    expect(worseVictim(a, b, 'latest')).toBe(true);
    expect(worseVictim(b, a, 'latest')).toBe(false);
    expect(worseVictim(a, b, 'earliest')).toBe(false);
    expect(worseVictim(b, a, 'earliest')).toBe(true);
  });

  it('among equal ranks and times goes by token number, as the order says', () => {
    const first = token(4, 'ONLINE', 'd1-09', { requestedAt: at(8) });
    const second = token(5, 'ONLINE', 'd1-09', { requestedAt: at(8) });
    expect(worseVictim(second, first, 'latest')).toBe(true);
    expect(worseVictim(first, second, 'latest')).toBe(false);
    expect(worseVictim(first, second, 'earliest')).toBe(true);
    expect(worseVictim(second, first, 'earliest')).toBe(false);
  });
});

describe('findVictim and elastic places', () => {
  const elastic = { ...presets.standard(), capacity: new ElasticCapacity({ categories: ['EMERGENCY', 'WALK_IN'] }) };

  it('in a slot at its capacity, an elastic holder is bumped like anyone (the worst place)', () => {
    const { ws, work } = day(elastic, [slot(9, 2, { overflowCapacity: 1 })], [token(1, 'ONLINE', 'd1-09'), token(2, 'WALK_IN', 'd1-09')]);
    expect(findVictim(ws, work, 0, { category: 'PAID', rank: 2 })?.tokenNumber).toBe(2);
  });

  it('above its capacity, a newcomer without elastic rights spares elastic holders while the other places fill the capacity', () => {
    const { ws, work } = day(elastic, [slot(9, 1, { overflowCapacity: 1 })], [token(1, 'ONLINE', 'd1-09'), token(2, 'WALK_IN', 'd1-09')]);
    expect(findVictim(ws, work, 0, { category: 'PAID', rank: 2 })?.tokenNumber).toBe(1);
  });

  it('above its capacity, an elastic holder is bumped when the other places do not fill the capacity', () => {
    const tokens = [token(1, 'ONLINE', 'd1-09'), token(2, 'WALK_IN', 'd1-09'), token(3, 'WALK_IN', 'd1-09')];
    const { ws, work } = day(elastic, [slot(9, 2, { overflowCapacity: 1 })], tokens);
    expect(findVictim(ws, work, 0, { category: 'PAID', rank: 2 })?.tokenNumber).toBe(3);
  });

  it('above its capacity, a newcomer with elastic rights may bump an elastic holder', () => {
    const { ws, work } = day(elastic, [slot(9, 1, { overflowCapacity: 1 })], [token(1, 'ONLINE', 'd1-09'), token(2, 'WALK_IN', 'd1-09')]);
    expect(findVictim(ws, work, 0, { category: 'EMERGENCY', rank: 1 })?.tokenNumber).toBe(2);
  });
});

describe('victimCanMove', () => {
  const full = [slot(9, 1), slot(10, 1)];
  const booked = [token(1, 'WALK_IN', 'd1-09'), token(2, 'PAID', 'd1-10')];

  it('a cascade into a later free place moves the victim; none, and it cannot', () => {
    const free = day({ ...presets.standard(), overflow: keeping([{ kind: 'cascade' }]) }, [slot(9, 1), slot(10, 1)], [token(1, 'WALK_IN', 'd1-09')]);
    expect(victimCanMove(free.ws, free.work, free.work.places(0)[0]!, 0, 0)).toBe(true);
    const none = day({ ...presets.standard(), overflow: keeping([{ kind: 'cascade' }]) }, full, booked);
    expect(victimCanMove(none.ws, none.work, none.work.places(0)[0]!, 0, 0)).toBe(false);
  });

  it('a chain within its depth moves the victim when a later place holds someone it may bump', () => {
    const later = [token(1, 'PAID', 'd1-09'), token(2, 'WALK_IN', 'd1-10')];
    // 'displace': the chain's own victim need not have room (it would wait).
    const chained = day({ ...presets.standard(), overflow: keeping([{ kind: 'cascade', chainDepth: 1 }], 'displace') }, full, later);
    expect(victimCanMove(chained.ws, chained.work, chained.work.places(0)[0]!, 0, 0)).toBe(true);
    // At the chain's depth already, or with no chain, it cannot.
    expect(victimCanMove(chained.ws, chained.work, chained.work.places(0)[0]!, 0, 1)).toBe(false);
    const flat = day({ ...presets.standard(), overflow: keeping([{ kind: 'cascade' }], 'displace') }, full, later);
    expect(victimCanMove(flat.ws, flat.work, flat.work.places(0)[0]!, 0, 0)).toBe(false);
    // 'keep': the chain's victim must have room in turn, and at 10:00 it has none.
    const kept = day({ ...presets.standard(), overflow: keeping([{ kind: 'cascade', chainDepth: 1 }]) }, full, later);
    expect(victimCanMove(kept.ws, kept.work, kept.work.places(0)[0]!, 0, 0)).toBe(false);
  });

  it('the first option that waitlists or drops ends the answer, even with a cascade listed after it', () => {
    const tokens = [token(1, 'WALK_IN', 'd1-09')];
    for (const first of [{ kind: 'waitlist' }, { kind: 'drop' }] as const) {
      const { ws, work } = day({ ...presets.standard(), overflow: keeping([first, { kind: 'cascade' }]) }, [slot(9, 1), slot(10, 1)], tokens);
      expect(victimCanMove(ws, work, work.places(0)[0]!, 0, 0)).toBe(false);
    }
  });

  it('an emergency as a victim goes by the emergency rule, whatever the strategy says of displacements', () => {
    // A better-ranked emergency may bump one ranked worse; the victim finds the later free place itself.
    const victim = token(1, 'EMERGENCY', 'd1-09', { rank: 1.5 });
    const { ws, work } = day({ ...presets.standard(), overflow: keeping([{ kind: 'waitlist' }]) }, [slot(9, 1), slot(10, 1)], [victim]);
    expect(victimCanMove(ws, work, work.places(0)[0]!, 0, 0)).toBe(true);
    const full = day({ ...presets.standard(), overflow: keeping([{ kind: 'cascade' }]) }, [slot(9, 1), slot(10, 1)], [victim, token(2, 'EMERGENCY', 'd1-10')]);
    expect(victimCanMove(full.ws, full.work, full.work.places(0)[0]!, 0, 0)).toBe(false);
  });

  it('judges the victim as bumped: a policy that ranks bumped patients better lets it chain past an equal rank', () => {
    // With a rank one better for its bump, the online patient at 09:00 may bump the online one at 10:00.
    const aging = {
      ...presets.standard(),
      priority: new AgingPriority({ perBump: true }),
      overflow: keeping([{ kind: 'cascade', chainDepth: 1 }], 'displace'),
    };
    const { ws, work } = day(aging, [slot(9, 1), slot(10, 1)], [token(1, 'ONLINE', 'd1-09'), token(2, 'ONLINE', 'd1-10')]);
    expect(victimCanMove(ws, work, work.places(0)[0]!, 0, 0)).toBe(true);
  });

  it('asks the strategy about each victim of a chain at its own depth', () => {
    const { strategy, depths } = recording([{ kind: 'cascade', chainDepth: 2 }]);
    const tokens = [token(1, 'FOLLOW_UP', 'd1-09'), token(2, 'ONLINE', 'd1-10'), token(3, 'WALK_IN', 'd1-11')];
    const { ws, work } = day({ ...presets.standard(), overflow: strategy }, [slot(9, 1), slot(10, 1), slot(11, 1)], tokens);
    expect(victimCanMove(ws, work, work.places(0)[0]!, 0, 0)).toBe(false);
    // The follow-up (0) would bump the online patient (1), who would bump the walk-in (2); then the
    // follow-up would bump the walk-in directly (1).
    expect(depths).toEqual([0, 1, 2, 1]);
  });

  it("an emergency victim's own bump is judged one step deeper, in a slot nobody requested", () => {
    const { strategy, depths, requested } = recording([{ kind: 'waitlist' }]);
    const tokens = [token(1, 'EMERGENCY', 'd1-09', { rank: 1.5 }), token(2, 'WALK_IN', 'd1-10')];
    const { ws, work } = day({ ...presets.standard(), overflow: strategy }, [slot(9, 1), slot(10, 1)], tokens);
    expect(victimCanMove(ws, work, work.places(0)[0]!, 0, 0)).toBe(false);
    expect(depths).toEqual([1]);
    expect(requested).toEqual([false]);
  });

  it('names the overflow strategy when it throws', () => {
    const throwing: OverflowStrategy = {
      ...keeping([]),
      name: 'broken-displaced',
      whenDisplaced: () => {
        throw new Error('no answer');
      },
    };
    const { ws, work } = day({ ...presets.standard(), overflow: throwing }, [slot(9, 1), slot(10, 1)], [token(1, 'WALK_IN', 'd1-09')]);
    expect(refusal(() => victimCanMove(ws, work, work.places(0)[0]!, 0, 0)).message).toContain('overflow strategy `broken-displaced`');
    expect(refusal(() => displace(ws, work, { token: work.places(0)[0]!, from: 0, reason: 'bumped', by: 'd1~2026-01-30~9', depth: 0 })).message).toContain(
      'overflow strategy `broken-displaced`',
    );
  });
});

describe('displace', () => {
  it('an emergency displaced goes on by the emergency rule, its own victim judged one step deeper', () => {
    const { strategy, depths } = recording([{ kind: 'waitlist' }]);
    const tokens = [token(1, 'EMERGENCY', 'd1-09', { rank: 1.5 }), token(2, 'WALK_IN', 'd1-10')];
    const { ws, work } = day({ ...presets.standard(), overflow: strategy }, [slot(9, 1), slot(10, 1)], tokens);
    displace(ws, work, { token: work.places(0)[0]!, from: 0, reason: 'bumped', by: 'd1~x~9', depth: 0 });
    // The walk-in could not move on ('keep'): the emergency waits, never dropped.
    expect(depths).toEqual([1]);
    expect(ws.latest(tokens[0]!.id)).toMatchObject({ status: 'WAITLISTED', bumpCount: 1 });
  });
});

describe('promoteWaiting', () => {
  it('fills every free place of the day, slot by slot, with the best token each may take', () => {
    // The best waiting token may take the 09:00 place; the next waits for 10:00 or later.
    const waiting = [token(1, 'PAID', null), token(2, 'ONLINE', null, { notBefore: at(10) }), token(3, 'WALK_IN', null, { notBefore: at(10) })];
    const { ws, work } = day(presets.standard(), [slot(9, 1), slot(10, 1)], waiting);
    promoteWaiting(ws, work);
    expect(work.places(0).map((t) => t.tokenNumber)).toEqual([1]);
    expect(work.places(1).map((t) => t.tokenNumber)).toEqual([2]);
    expect(work.waitlist.map((t) => t.tokenNumber)).toEqual([3]);
  });
});
