/**
 * The day of a booking without a date, on records built by hand and read as an adapter would
 * (`decideOver`): which days it reads, and which it takes, when holds that have ended (not yet
 * swept) keep places on earlier days.
 */
import { describe, expect, it } from 'vitest';
import { book, FIRST_SCHEDULE_SLOTS } from '../../src/core/commands/book.js';
import type { SlotRecord, TokenRecord } from '../../src/model/records.js';
import { at, bookRequest, config, DAY, decideOver, doctor, fates, type Records, rota, slotOf, tokenIn } from './builders.js';

const standard = config();
const NEXT = '2026-01-31';
const THIRD = '2026-02-01';
const NOW = at(7, 30);
/** Without a date, for a walk-in. */
const request = bookRequest('WALK_IN', { date: undefined });

/** A hold of slot `s`, token number `n`, that ends at `end`. */
const hold = (s: SlotRecord, n: number, end: number): TokenRecord => tokenIn(s, n, 'ONLINE', { status: 'HELD', holdExpiresAt: end });

describe('book without a date: the days it reads', () => {
  it('the day of the first free place, and the earlier days where a hold that has ended keeps a place, each once', () => {
    const full = slotOf('d1', DAY, 9, 1);
    const lapsed = [slotOf('d1', NEXT, 9, 1), slotOf('d1', NEXT, 10, 1)];
    const free = slotOf('d1', THIRD, 9, 1);
    const records: Records = {
      doctors: [doctor()],
      slots: [full, ...lapsed, free],
      tokens: [tokenIn(full, 1, 'ONLINE'), hold(lapsed[0]!, 1, at(7, 10)), hold(lapsed[1]!, 2, NOW)],
    };
    const { requests, decision } = decideOver(book, standard, records, request, NOW);
    expect(requests.map((r) => r.days)).toEqual([undefined, [NEXT, THIRD]]);
    // A hold ends at its `holdExpiresAt`: both have ended, and the first place freed is taken.
    expect(decision.result.token).toMatchObject({ day: NEXT, slotId: lapsed[0]!.id, status: 'BOOKED' });
    expect(fates(decision.changes)).toEqual(['token:expired#1', 'token:expired#2', 'token:booked#3']);
  });

  it('not a day whose hold has not ended yet; a day whose hold ends at this instant', () => {
    const held = slotOf('d1', DAY, 9, 1);
    const free = slotOf('d1', NEXT, 9, 1);
    const records = (end: number): Records => ({ doctors: [doctor()], slots: [held, free], tokens: [hold(held, 1, end)] });
    const later = decideOver(book, standard, records(NOW + 1), request, NOW);
    expect(later.requests.map((r) => r.days)).toEqual([undefined, [NEXT]]);
    expect(later.decision.result.token).toMatchObject({ day: NEXT, slotId: free.id });
    const now = decideOver(book, standard, records(NOW), request, NOW);
    expect(now.requests.map((r) => r.days)).toEqual([undefined, [DAY, NEXT]]);
    expect(now.decision.result.token).toMatchObject({ day: DAY, slotId: held.id });
  });
});

describe('book without a date: the day it takes', () => {
  /**
   * Today: an hour from 09:00 with a free place (`first`: its other fields), one at 10:00 kept by
   * a lapsed hold and, when `waiting`, a patient waiting for a place from 10:00; a free place
   * tomorrow.
   */
  function day(first: Partial<SlotRecord>, waiting: boolean): { records: Records; ten: SlotRecord; tomorrow: SlotRecord } {
    const nine = slotOf('d1', DAY, 9, 1, first);
    const ten = slotOf('d1', DAY, 10, 1);
    const tomorrow = slotOf('d1', NEXT, 9, 1);
    const tokens = [
      hold(ten, 1, at(7)),
      ...(waiting ? [tokenIn(ten, 2, 'FOLLOW_UP', { slotId: null, status: 'WAITLISTED', placedAt: null, notBefore: ten.start })] : []),
    ];
    return { records: { doctors: [doctor()], slots: [nine, ten, tomorrow], tokens }, ten, tomorrow };
  }

  it('not a day settled whose only free place is in a closed slot: the waitlist took the one freed', () => {
    const { records, ten, tomorrow } = day({ status: 'CLOSED', closedReason: 'leave' }, true);
    const { decision } = decideOver(book, standard, records, request, NOW);
    expect(decision.result.token).toMatchObject({ day: NEXT, slotId: tomorrow.id });
    // Today stays settled: the hold released, the patient waiting promoted into its place.
    expect(fates(decision.changes)).toEqual(['token:expired#1', 'token:promoted#2', 'token:booked#1']);
    expect(decision.changes.updatedTokens.find((t) => t.tokenNumber === 2 && t.day === DAY)).toMatchObject({ status: 'BOOKED', slotId: ten.id });
  });

  it('not a day settled whose only free place is in a slot that has ended', () => {
    const { records, tomorrow } = day({ start: at(6), end: at(7) }, true);
    expect(decideOver(book, standard, records, request, NOW).decision.result.token).toMatchObject({ day: NEXT, slotId: tomorrow.id });
  });

  it('not a day settled whose only free place starts before `after`', () => {
    const { records, tomorrow } = day({}, true);
    const after = { ...request, after: at(9, 30) };
    expect(decideOver(book, standard, records, after, NOW).decision.result.token).toMatchObject({ day: NEXT, slotId: tomorrow.id });
  });

  it('a place freed in a slot starting exactly at `after`', () => {
    const { records, ten } = day({}, false);
    const after = { ...request, after: at(10) };
    expect(decideOver(book, standard, records, after, NOW).decision.result.token).toMatchObject({ day: DAY, slotId: ten.id, status: 'BOOKED' });
  });
});

describe('book without a date: how much of the schedule it reads', () => {
  const S = FIRST_SCHEDULE_SLOTS;

  it('the first slots only, when the first free place is among them', () => {
    const { records, slots } = rota('d1', 90, 20);
    const { requests, decision } = decideOver(book, standard, records, request, NOW);
    expect(requests.map((r) => r.schedule?.limit)).toEqual([S, S]);
    expect(decision.result.token).toMatchObject({ slotId: slots[20]!.id, status: 'BOOKED' });
  });

  it('eight times as many, then all, while the slots read hold no free place; the place taken is the first free one', () => {
    const cases: [number, (number | undefined)[]][] = [
      [S, [S, 8 * S, 8 * S]],
      [S + 1, [S, 8 * S, 8 * S]],
      // 720 slots in all: the third read lists every one of them.
      [8 * S + 3, [S, 8 * S, 64 * S, 720]],
    ];
    for (const [full, limits] of cases) {
      const { records, slots } = rota('d1', 90, full);
      const { requests, decision } = decideOver(book, standard, records, request, NOW);
      expect(requests.map((r) => r.schedule?.limit)).toEqual(limits);
      expect(decision.result.token).toMatchObject({ slotId: slots[full]!.id, status: 'BOOKED' });
    }
  });

  it('the whole schedule when no slot has a free place: the request is placed on the day of the earliest usable slot', () => {
    const { records } = rota('d1', 10, 80);
    const { requests, decision } = decideOver(book, standard, records, request, NOW);
    expect(requests.map((r) => r.schedule?.limit)).toEqual([S, 8 * S, 80]);
    expect(decision.result.token.day).toBe(DAY);
  });

  it('an emergency: as far as the first free place, then the first day where the emergency rule places it', () => {
    // 30 days of 240 slots without elastic places, the first 200 taken.
    const { records, slots } = rota('d1', 30, 200);
    const emergency = bookRequest('EMERGENCY', { date: undefined });
    const { requests, decision } = decideOver(book, standard, records, emergency, NOW);
    expect(requests.map((r) => r.schedule?.limit)).toEqual([S, 8 * S, 240]);
    // Every day up to the free place's (the 26th) is loaded; on the first, the emergency bumps.
    expect(requests[2]!.days).toHaveLength(26);
    expect(decision.result.token).toMatchObject({ slotId: slots[0]!.id, status: 'BOOKED' });
    expect(decision.result.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:waitlisted']);
  });
});
