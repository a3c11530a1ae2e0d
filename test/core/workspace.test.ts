/**
 * The working copy a unit of work decides on (`DayWork`, `Workspace`): the copy-on-write lists of
 * a day, the lookups the duplicate guard and the rules make in them, and the change set a unit
 * turns into. The commands' tests reach these through whole decisions; these pin the parts a
 * decision seldom shows: a slot inserted before others, a place taken before the slots are
 * copied, long lists indexed on removal, tokens added and looked up again in the same unit, and
 * what a unit writes when it writes little or nothing.
 */
import { describe, expect, it } from 'vitest';
import { ErrorSummary, OpdError } from '../../src/errors.js';
import type { OpdEvent } from '../../src/events.js';
import { DayWork, Workspace } from '../../src/core/workspace.js';
import { patchToken } from '../../src/model/make.js';
import { emptyDayRecord, type TokenRecord } from '../../src/model/records.js';
import type { DaySnapshot, DoctorSnapshot } from '../../src/model/snapshot.js';
import type { PriorityPolicy } from '../../src/policies/priority.js';
import { at, config, DAY, doctor, refusal, slot, snapshot, token } from './builders.js';

const NOW = at(8);
const NEXT_DAY = '2026-01-31';
const dayOf = (s: DoctorSnapshot): DaySnapshot => s.days.get(DAY)!;
const ids = (tokens: readonly TokenRecord[]): string[] => tokens.map((t) => t.id).sort();
const event = (type: string): OpdEvent => ({ type }) as unknown as OpdEvent;

/** A snapshot of d1 with a second, empty day after {@link DAY}. */
function twoDays(): DoctorSnapshot {
  const one = snapshot([slot(10, 2)], []);
  const second: DaySnapshot = {
    record: emptyDayRecord('d1', NEXT_DAY),
    slots: [],
    waitlist: [],
  };
  return { ...one, days: new Map([...one.days, [NEXT_DAY, second]]) };
}

describe('DayWork: the slots and places of a day', () => {
  it('puts a slot inserted before others in its place in time order, with no places of its own', () => {
    const booked = token(1, 'WALK_IN', 'd1-10');
    const work = new DayWork(dayOf(snapshot([slot(10, 2), slot(12, 2)], [booked])));
    work.insertSlot(slot(9, 2));
    work.insertSlot(slot(11, 2));
    expect(Array.from({ length: work.slotCount }, (_, i) => work.slot(i).id)).toEqual(['d1-09', 'd1-10', 'd1-11', 'd1-12']);
    expect(work.places(0)).toEqual([]);
    expect(ids(work.places(1))).toEqual([booked.id]);
    expect(work.places(2)).toEqual([]);
    expect(work.indexOf('d1-12')).toBe(3);
  });

  it('keeps a place taken before the slots are copied when a slot then changes', () => {
    const first = token(1, 'WALK_IN', 'd1-10');
    const work = new DayWork(dayOf(snapshot([slot(10, 2), slot(11, 2)], [first])));
    const second = token(2, 'ONLINE', 'd1-10');
    work.add(second);
    work.setSlot(1, slot(11, 3));
    expect(ids(work.places(0))).toEqual(ids([first, second]));
    expect(work.slot(1).capacity).toBe(3);
    expect(work.occupancy(1)).toBe(0);
  });

  it("finds a slot's facts again after the unit writes its places, and takes the store's while it has not", () => {
    const booked = token(1, 'WALK_IN', 'd1-10');
    const other = token(2, 'ONLINE', 'd1-11');
    const day = dayOf(snapshot([slot(10, 3), slot(11, 3)], [booked, other]));
    const kept = { waiting: 7, completions: [], started: undefined, checkedIn: [] };
    // A store's facts are taken as they are given, for a slot this unit has not written.
    const work = new DayWork({ ...day, slots: day.slots.map((s, i) => (i === 1 ? { ...s, facts: kept } : s)) });
    expect(work.facts(1)).toBe(kept);
    expect(work.facts(0)).toMatchObject({ waiting: 1, checkedIn: [] });
    const checkedIn = patchToken(booked, { status: 'CHECKED_IN' }, NOW);
    work.replace(booked, checkedIn);
    expect(work.facts(0)).toMatchObject({ waiting: 1, checkedIn: [checkedIn] });
    const done = patchToken(checkedIn, { status: 'COMPLETED' }, NOW + 60_000);
    work.replace(checkedIn, done);
    work.add(token(3, 'ONLINE', 'd1-10'));
    expect(work.facts(0)).toMatchObject({ waiting: 1, completions: [NOW + 60_000], checkedIn: [] });
    // Written, the slot's facts are the unit's own, not the store's.
    work.add(token(4, 'ONLINE', 'd1-11'));
    expect(work.facts(1)).toMatchObject({ waiting: 2 });
    work.insertSlot(slot(9, 2));
    expect([0, 1, 2].map((i) => work.facts(i).waiting)).toEqual([0, 1, 2]);
  });

  it('makes the public view of a slot from its record as the unit left it', () => {
    const work = new DayWork(dayOf(snapshot([slot(10, 2)], [])));
    expect(work.slotView(0).capacity).toBe(2);
    work.setSlot(0, slot(10, 5));
    expect(work.slotView(0).capacity).toBe(5);
  });

  it('keeps a waitlisted token changed in place once on the waitlist, and moves it out whole', () => {
    const waiting = token(2, 'WALK_IN', null);
    const work = new DayWork(dayOf(snapshot([slot(10, 2)], [token(1, 'WALK_IN', 'd1-10'), waiting])));
    const reranked = patchToken(waiting, { rank: 1 }, NOW);
    work.replace(waiting, reranked);
    expect(work.waitlist).toEqual([reranked]);
    const placed = patchToken(reranked, { status: 'BOOKED', slotId: 'd1-10' }, NOW);
    work.replace(reranked, placed);
    expect(work.waitlist).toEqual([]);
    expect(work.occupancy(0)).toBe(2);
    expect(work.find(placed.id)).toBe(placed);
  });

  it('removes the right tokens from a long waitlist after one pushed onto it since it was indexed', () => {
    const waiting = Array.from({ length: 40 }, (_, i) => token(i + 1, 'WALK_IN', null));
    const work = new DayWork(dayOf(snapshot([slot(10, 50)], waiting)));
    // The first removal indexes the list; the push then records its position there.
    work.replace(waiting[0]!, patchToken(waiting[0]!, { status: 'BOOKED', slotId: 'd1-10' }, NOW));
    const late = token(41, 'WALK_IN', null);
    work.add(late);
    work.replace(late, patchToken(late, { status: 'CANCELLED' }, NOW));
    work.replace(waiting[39]!, patchToken(waiting[39]!, { status: 'CANCELLED' }, NOW));
    expect(ids(work.waitlist)).toEqual(ids(waiting.slice(1, 39)));
  });

  it('puts a token added without its slot index in the slot its record names', () => {
    const work = new DayWork(dayOf(snapshot([slot(10, 2), slot(11, 2)], [])));
    const booked = token(1, 'WALK_IN', 'd1-10');
    work.add(booked);
    expect(work.places(0)).toEqual([booked]);
    expect(work.occupancy(1)).toBe(0);
  });

  it('fails with STORAGE_FAILURE, naming the token, when a token is missing from its list, short or long', () => {
    const stray = token(99, 'WALK_IN', null);
    const short = new DayWork(dayOf(snapshot([slot(10, 2)], [])));
    const error = refusal(() => short.replace(stray, patchToken(stray, { status: 'CANCELLED' }, NOW)));
    expect(error.code).toBe('STORAGE_FAILURE');
    expect(error.message).toBe('A token is missing from its slot or waitlist');
    expect(error.details).toEqual({ tokenId: stray.id });
    const waiting = Array.from({ length: 40 }, (_, i) => token(i + 1, 'WALK_IN', null));
    const long = new DayWork(dayOf(snapshot([slot(10, 50)], waiting)));
    long.replace(waiting[0]!, patchToken(waiting[0]!, { status: 'CANCELLED' }, NOW));
    expect(refusal(() => long.replace(stray, patchToken(stray, { status: 'CANCELLED' }, NOW))).details).toEqual({ tokenId: stray.id });
    expect(long.waitlist).toHaveLength(39);
  });
});

describe('DayWork: finding a token by id, scanned and then indexed', () => {
  it('answers the same before and after its index is made, and keeps the index in step with the unit', () => {
    const placed = Array.from({ length: 4 }, (_, i) => token(i + 1, 'WALK_IN', i < 2 ? 'd1-10' : 'd1-11'));
    const waiting = token(5, 'ONLINE', null);
    const work = new DayWork(dayOf(snapshot([slot(10, 2), slot(11, 2)], [...placed, waiting])));
    // More look-ups than a scan is kept for: the later ones go through the index.
    for (let round = 0; round < 3; round++) {
      for (const t of [...placed, waiting]) expect(work.find(t.id)).toBe(t);
      expect(work.find('d1~2026-01-30~99')).toBeUndefined();
    }
    // Added, a token that takes a place or waits is found; one that does neither is not.
    const added = token(6, 'WALK_IN', 'd1-11');
    work.add(added);
    expect(work.find(added.id)).toBe(added);
    const addedWaiting = token(7, 'ONLINE', null);
    work.add(addedWaiting);
    expect(work.find(addedWaiting.id)).toBe(addedWaiting);
    const held = token(8, 'WALK_IN', 'd1-10', { status: 'HELD' });
    work.add(held);
    expect(work.find(held.id)).toBe(held);
    const unplaced = token(9, 'WALK_IN', null, { status: 'CANCELLED' });
    work.add(unplaced);
    expect(work.find(unplaced.id)).toBeUndefined();
    const noSlot = token(10, 'WALK_IN', null, { status: 'BOOKED' });
    work.add(noSlot);
    expect(work.find(noSlot.id)).toBeUndefined();
    // Replaced: the new record in a list, nothing once it leaves them.
    const promoted = patchToken(waiting, { status: 'BOOKED', slotId: 'd1-11' }, NOW);
    work.replace(waiting, promoted);
    expect(work.find(waiting.id)).toBe(promoted);
    const cancelled = patchToken(placed[0]!, { status: 'CANCELLED' }, NOW);
    work.replace(placed[0]!, cancelled);
    expect(work.find(placed[0]!.id)).toBeUndefined();
    const reranked = patchToken(placed[1]!, { rank: 0 }, NOW);
    work.replace(placed[1]!, reranked);
    expect(work.find(placed[1]!.id)).toBe(reranked);
  });
});

describe('Workspace: a long list of new tokens', () => {
  it('updates the right new token, and lists each once as it finally stands, however many the unit made', () => {
    const day = snapshot([slot(10, 80)], []);
    const ws = new Workspace(config(), day, NOW);
    const work = ws.day(DAY);
    const made = Array.from({ length: 40 }, (_, i) => token(i + 1, 'WALK_IN', 'd1-10'));
    for (const t of made) ws.create(work, t);
    // Past the first look-ups by scan, positions are indexed: the first and a later token.
    const first = ws.update(work, made[0]!, { rank: 1 });
    const later = ws.update(work, made[35]!, { rank: 2 });
    // A token created after the index was made is found at its own position.
    const last = token(41, 'ONLINE', 'd1-10');
    ws.create(work, last);
    const lastChanged = ws.update(work, last, { rank: 3 });
    expect(ws.latest(made[0]!.id)).toBe(first);
    expect(ws.latest(made[35]!.id)).toBe(later);
    expect(ws.latest(last.id)).toBe(lastChanged);
    expect(ws.latest(made[20]!.id)).toBe(made[20]);
    expect(ws.latest('d1~2026-01-30~99')).toBeUndefined();
    const changes = ws.changes();
    expect(changes.updatedTokens).toEqual([]);
    expect(changes.newTokens).toHaveLength(41);
    expect(changes.newTokens.map((t) => t.tokenNumber)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    expect(changes.newTokens[0]).toBe(first);
    expect(changes.newTokens[35]).toBe(later);
    expect(changes.newTokens[40]).toBe(lastChanged);
    expect(work.places(0)).toHaveLength(41);
    expect(work.find(made[35]!.id)).toBe(later);
  });
});

describe("DayWork: a patient's live token, as the unit left it", () => {
  const indexed = (day: DaySnapshot): DaySnapshot => {
    const live = new Map<string, TokenRecord>();
    for (const t of [...day.slots.flatMap((s) => s.places), ...day.waitlist]) if (t.status !== 'COMPLETED') live.set(t.patient.id!, t);
    return { ...day, liveTokenOf: (patientId) => live.get(patientId) };
  };

  it('looks again at a token of the index that this unit completed', () => {
    const booked = token(1, 'WALK_IN', 'd1-10');
    const work = new DayWork(indexed(dayOf(snapshot([slot(10, 2)], [booked]))));
    expect(work.liveTokenOf(booked.patient.id!, NOW)).toBe(booked);
    work.replace(booked, patchToken(booked, { status: 'COMPLETED' }, NOW));
    expect(work.liveTokenOf(booked.patient.id!, NOW)).toBeUndefined();
  });

  it('looks again, and finds nothing, for a token of the index that this unit cancelled', () => {
    const booked = token(1, 'WALK_IN', 'd1-10');
    const work = new DayWork(indexed(dayOf(snapshot([slot(10, 2)], [booked]))));
    work.replace(booked, patchToken(booked, { status: 'CANCELLED' }, NOW));
    expect(work.liveTokenOf(booked.patient.id!, NOW)).toBeUndefined();
  });

  it('skips a token this unit added and then cancelled', () => {
    const work = new DayWork(indexed(dayOf(snapshot([slot(10, 3)], []))));
    const added = token(1, 'WALK_IN', 'd1-10');
    work.add(added);
    work.replace(added, patchToken(added, { status: 'CANCELLED' }, NOW));
    expect(work.liveTokenOf(added.patient.id!, NOW)).toBeUndefined();
  });

  it('finds each token this unit added, by its own patient, when the index does not know them', () => {
    const work = new DayWork(indexed(dayOf(snapshot([slot(10, 3)], []))));
    const first = token(1, 'WALK_IN', 'd1-10');
    const second = token(2, 'ONLINE', null);
    work.add(first);
    work.add(second);
    expect(work.liveTokenOf(first.patient.id!, NOW)).toBe(first);
    expect(work.liveTokenOf(second.patient.id!, NOW)).toBe(second);
    expect(work.liveTokenOf('nobody', NOW)).toBeUndefined();
    // Added after the look-ups above (which sorted the added tokens by patient): found as well.
    const third = token(3, 'FOLLOW_UP', 'd1-10');
    work.add(third);
    expect(work.liveTokenOf(third.patient.id!, NOW)).toBe(third);
  });

  it('scans places and waitlist without an index, and finds a waitlisted token by id', () => {
    const booked = token(1, 'WALK_IN', 'd1-10');
    const waiting = token(2, 'WALK_IN', null);
    const work = new DayWork(dayOf(snapshot([slot(10, 1)], [booked, waiting])));
    expect(work.liveTokenOf(waiting.patient.id!, NOW)).toBe(waiting);
    expect(work.liveTokenOf(booked.patient.id!, NOW)).toBe(booked);
    expect(work.find(waiting.id)).toBe(waiting);
    expect(work.find('d1~2026-01-30~9')).toBeUndefined();
  });
});

describe('Workspace: what a unit writes', () => {
  it('writes nothing for a unit that only read, over one day or two', () => {
    const one = new Workspace(config(), snapshot([slot(10, 2)], []), NOW);
    expect(one.changed).toBe(false);
    one.day(DAY);
    expect(one.changed).toBe(false);
    expect(one.changes().days).toEqual([]);
    const two = new Workspace(config(), twoDays(), NOW);
    two.day(DAY);
    two.day(NEXT_DAY);
    expect(two.changed).toBe(false);
    expect(two.changes().days).toEqual([]);
    const none = new Workspace(config(), snapshot([slot(10, 2)], []), NOW);
    expect(none.changed).toBe(false);
    expect(none.changes().days).toEqual([]);
  });

  it('counts as changed for each kind of write alone', () => {
    const base = snapshot([slot(10, 2)], [token(1, 'WALK_IN', 'd1-10')]);
    const cases: [string, (ws: Workspace) => void][] = [
      ['an event', (ws) => (ws.events = [event('TOKEN_BOOKED')])],
      ['a new doctor', (ws) => (ws.newDoctor = doctor('d9'))],
      [
        'an idempotency record',
        (ws) =>
          (ws.idempotency = {
            doctorId: 'd1',
            key: 'k',
            fingerprint: 'f',
            result: {} as never,
          }),
      ],
      ['a new token', (ws) => ws.create(ws.day(DAY), token(2, 'WALK_IN', null))],
      ['a changed token', (ws) => void ws.update(ws.day(DAY), ws.day(DAY).places(0)[0]!, { rank: 1 })],
      ['a new slot', (ws) => ws.addSlot(ws.day(DAY), slot(12, 1))],
      ['a changed slot', (ws) => void ws.updateSlot(ws.day(DAY), 0, { capacity: 3 })],
      ['a day counter', (ws) => ws.day(DAY).count('bumps')],
    ];
    for (const [what, write] of cases) {
      const ws = new Workspace(config(), base, NOW);
      write(ws);
      expect(ws.changed, what).toBe(true);
    }
  });

  it('writes the record of each day changed, not of a day only read, over two days', () => {
    const ws = new Workspace(config(), twoDays(), NOW);
    ws.day(DAY).count('cascades');
    ws.day(NEXT_DAY);
    expect(ws.changed).toBe(true);
    expect(ws.changes().days).toEqual([{ ...emptyDayRecord('d1', DAY), cascades: 1 }]);
    const later = new Workspace(config(), twoDays(), NOW);
    later.day(DAY);
    later.day(NEXT_DAY).count('drops');
    expect(later.changed).toBe(true);
    expect(later.changes().days).toEqual([{ ...emptyDayRecord('d1', NEXT_DAY), drops: 1 }]);
  });

  it('lists a token or slot the unit created once, as it finally stands, among the new ones', () => {
    const ws = new Workspace(config(), snapshot([slot(10, 2)], []), NOW);
    const work = ws.day(DAY);
    const first = token(1, 'WALK_IN', null);
    const second = token(2, 'WALK_IN', null);
    ws.create(work, first);
    ws.create(work, second);
    const firstAgain = { ...first, rank: 1 };
    const secondAgain = { ...second, rank: 2 };
    ws.put(work, second, secondAgain);
    ws.put(work, first, firstAgain);
    expect(ws.latest(first.id)).toBe(firstAgain);
    expect(ws.latest('d1~2026-01-30~9')).toBeUndefined();
    ws.addSlot(work, slot(12, 1));
    ws.addSlot(work, slot(13, 1));
    ws.updateSlot(work, work.indexOf('d1-13'), { capacity: 4 });
    ws.updateSlot(work, work.indexOf('d1-12'), { capacity: 3 });
    const changes = ws.changes();
    expect(changes.newTokens).toEqual([firstAgain, secondAgain]);
    expect(changes.updatedTokens).toEqual([]);
    expect(changes.newSlots.map((s) => [s.id, s.capacity])).toEqual([
      ['d1-12', 3],
      ['d1-13', 4],
    ]);
    expect(changes.updatedSlots).toEqual([]);
  });

  it('lists new tokens by doctor, then day, then token number, whatever the order they were made in', () => {
    const ws = new Workspace(config(), twoDays(), NOW);
    const later = token(1, 'WALK_IN', null, {
      id: `d1~${NEXT_DAY}~1`,
      day: NEXT_DAY,
    });
    const third = token(3, 'WALK_IN', null);
    const second = token(2, 'WALK_IN', null);
    ws.create(ws.day(NEXT_DAY), later);
    ws.create(ws.day(DAY), third);
    ws.create(ws.day(DAY), second);
    expect(ws.changes().newTokens.map((t) => t.id)).toEqual([second.id, third.id, later.id]);
    const pair = new Workspace(config(), twoDays(), NOW);
    pair.create(pair.day(NEXT_DAY), later);
    pair.create(pair.day(DAY), second);
    expect(pair.changes().newTokens).toEqual([second, later]);
    const doctors = new Workspace(config(), twoDays(), NOW);
    const otherDoctor = token(1, 'WALK_IN', null, {
      id: `d0~${NEXT_DAY}~1`,
      doctorId: 'd0',
      day: NEXT_DAY,
    });
    doctors.create(doctors.day(DAY), second);
    doctors.create(doctors.day(NEXT_DAY), otherDoctor);
    expect(doctors.changes().newTokens).toEqual([otherDoctor, second]);
  });

  it("lists as effects every event but the call's own", () => {
    const ws = new Workspace(config(), snapshot([slot(10, 2)], []), NOW);
    expect(ws.effects()).toEqual([]);
    const own = event('TOKEN_BOOKED');
    const bumped = event('TOKEN_BUMPED');
    ws.events = [own];
    ws.own(own);
    expect(ws.effects()).toEqual([]);
    ws.events = [bumped, own];
    expect(ws.effects()).toEqual([bumped]);
    expect(Object.isFrozen(ws.effects())).toBe(true);
  });

  it("takes the scheduler's minutes per consultation when the doctor is not loaded", () => {
    const options = config();
    const ws = new Workspace(options, { ...snapshot([], []), doctor: undefined }, NOW);
    expect(ws.consultMinutes).toBe(options.consultMinutes);
    expect(new Workspace(options, snapshot([], []), NOW).consultMinutes).toBe(10);
  });

  it('fails with STORAGE_FAILURE, naming the day, for a day the adapter did not load', () => {
    const ws = new Workspace(config(), snapshot([slot(10, 2)], []), NOW);
    const error = refusal(() => ws.day('2026-02-14'));
    expect(error.code).toBe('STORAGE_FAILURE');
    expect(error.message).toBe('The storage adapter did not load a requested day');
    expect(error.details).toEqual({ day: '2026-02-14' });
  });
});

describe('Workspace: ranks from the priority policy', () => {
  const policy = (rank: PriorityPolicy['rank'], timeDependent = false): PriorityPolicy => ({
    name: 'by-hand',
    categories: ['WALK_IN'],
    timeDependent,
    accepts: () => true,
    rank,
  });

  /** A workspace over an empty day whose priority policy ranks with `rank`. */
  const rankingBy = (rank: PriorityPolicy['rank']): Workspace => new Workspace(config({ priority: policy(rank) }), snapshot([], []), NOW);

  it('refuses a rank that is not a finite number, naming the policy and the category', () => {
    const ws = rankingBy(() => Number.NaN);
    const error = refusal(() => ws.rankOf(token(1, 'WALK_IN', null), 0));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('The priority policy `by-hand` gave a rank that is not a finite number');
    expect(error.details).toEqual({
      field: 'category',
      strategy: 'by-hand',
      category: 'WALK_IN',
    });
  });

  it('turns what the policy throws into VALIDATION_FAILED that names it', () => {
    const failure = new Error('broken');
    const ws = rankingBy(() => {
      throw failure;
    });
    const error = refusal(() => ws.rankOf(token(1, 'WALK_IN', null), 0));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('The priority policy `by-hand` threw');
    expect(error.details).toEqual({
      field: 'priority policy',
      strategy: 'by-hand',
    });
    // The policy's own message may quote the patient it was given: only its class is kept.
    expect(error.cause).toBeInstanceOf(ErrorSummary);
    expect(error.cause).toMatchObject({ kind: 'Error', code: undefined });
    expect(String((error.cause as Error).message)).not.toContain('broken');
  });

  it("keeps the code and field of an OpdError the policy throws (the host's own refusal), under a message of ours", () => {
    const own = new OpdError('VALIDATION_FAILED', 'Walk-ins are not ranked on Sundays for Asha Verma', {
      details: { field: 'category', patient: 'Asha Verma' },
    });
    const ws = rankingBy(() => {
      throw own;
    });
    const error = refusal(() => ws.rankOf(token(1, 'WALK_IN', null), 0));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('The priority policy `by-hand` refused the call (VALIDATION_FAILED, field category)');
    expect(error.details).toEqual({ field: 'category', strategy: 'by-hand' });
    expect(JSON.stringify([error.message, error.details, String(error.cause)])).not.toContain('Asha');
  });

  it('re-ranks, on a time-dependent policy, the live tokens whose rank changed, and no other', () => {
    const moved = token(1, 'WALK_IN', 'd1-10', { rank: 5 });
    const same = token(2, 'WALK_IN', 'd1-10', { rank: 3 });
    const waiting = token(3, 'WALK_IN', null, { rank: 5 });
    const done = token(4, 'WALK_IN', 'd1-10', { status: 'COMPLETED', rank: 5 });
    const ws = new Workspace(config({ priority: policy(() => 3, true) }), snapshot([slot(10, 4)], [moved, same, waiting, done]), NOW);
    ws.day(DAY);
    const updated = ws.changes().updatedTokens;
    expect(updated.map((t) => [t.id, t.rank]).sort()).toEqual([
      [moved.id, 3],
      [waiting.id, 3],
    ]);
  });
});
