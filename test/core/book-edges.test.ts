/**
 * The booking decision's refusals and records that the commands' tests reach only in passing:
 * the exact messages and details of each refusal, the fields of the token it writes, what it asks
 * an overflow strategy and how it follows the strategy's answer.
 */
import { describe, expect, it } from 'vitest';
import { presets } from 'opd-scheduler';
import { book } from '../../src/core/commands/book.js';
import { slotNotFound } from '../../src/core/command.js';
import type { FullContext, FullOption, OverflowStrategy } from '../../src/policies/overflow.js';
import { at, bookRequest, committed, config, DAY, fates, refusal, snapshot, slot, token } from './builders.js';

const standard = config();
const NOW = at(7);

/** An overflow strategy answering a full slot with `options`, recording what it was asked. */
function strategy(options: readonly FullOption[], asked: FullContext[] = []): OverflowStrategy {
  const base = presets.standard().overflow;
  return {
    name: 'by-hand',
    waitlist: 'day',
    bumpLimit: 1,
    victimOrder: 'latest',
    whenFull: (context) => {
      asked.push(context);
      return options;
    },
    whenDisplaced: (context) => base.whenDisplaced(context),
  };
}

describe('book: refusals, word for word', () => {
  it('names a doctor that does not exist', () => {
    const error = refusal(() => book.decide(standard, { ...snapshot([], []), doctor: undefined }, bookRequest('WALK_IN'), NOW));
    expect(error).toMatchObject({
      code: 'DOCTOR_NOT_FOUND',
      message: 'Doctor `d1` does not exist',
      details: { field: 'doctorId', doctorId: 'd1' },
    });
  });

  it('names a slot that does not exist, one on another date and one that has ended', () => {
    const s = snapshot([slot(9, 2)], [], { slotId: 'd1-09' });
    expect(refusal(() => book.decide(standard, s, bookRequest('WALK_IN', { slotId: 'd1-77', date: undefined }), NOW))).toMatchObject({
      code: 'SLOT_NOT_FOUND',
      message: 'Slot `d1-77` does not exist for doctor `d1`',
      details: { field: 'slotId', slotId: 'd1-77', doctorId: 'd1' },
    });
    expect(refusal(() => book.decide(standard, s, bookRequest('WALK_IN', { slotId: 'd1-09', date: '2026-01-31' }), NOW))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: `Slot \`d1-09\` is on ${DAY}, not on the requested date 2026-01-31`,
      details: { field: 'date', slotId: 'd1-09' },
    });
    expect(refusal(() => book.decide(standard, s, bookRequest('WALK_IN', { slotId: 'd1-09', date: undefined, after: at(9, 30) }), NOW))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'Slot `d1-09` starts before the requested `after`',
      details: { field: 'after', slotId: 'd1-09' },
    });
    expect(slotNotFound('d1-77')).toMatchObject({
      code: 'SLOT_NOT_FOUND',
      message: 'Slot `d1-77` does not exist',
      details: { field: 'slotId', slotId: 'd1-77' },
    });
    const ended = refusal(() => book.decide(standard, s, bookRequest('WALK_IN', { slotId: 'd1-09', date: undefined }), at(10)));
    expect(ended).toEqual(
      expect.objectContaining({
        code: 'SLOT_ENDED',
        message: 'Slot `d1-09` has ended',
      }),
    );
    expect(ended.details).toEqual({ field: 'slotId', slotId: 'd1-09' });
  });

  it('refuses a hold without a free place, naming the slot, or the day when it has no slot', () => {
    const full = snapshot([slot(9, 1)], [token(1, 'WALK_IN', 'd1-09')], {
      slotId: 'd1-09',
    });
    expect(
      refusal(() =>
        book.decide(
          standard,
          full,
          bookRequest('ONLINE', {
            slotId: 'd1-09',
            date: undefined,
            holdMinutes: 10,
          }),
          NOW,
        ),
      ),
    ).toMatchObject({
      code: 'SLOT_FULL',
      message: 'Slot `d1-09` has no free place to hold',
      details: { field: 'slotId', slotId: 'd1-09', doctorId: 'd1', day: DAY },
    });
    const empty = snapshot([], []);
    expect(refusal(() => book.decide(standard, empty, bookRequest('ONLINE', { holdMinutes: 10 }), NOW))).toMatchObject({
      code: 'SLOT_FULL',
      message: `Doctor \`d1\` has no free place to hold on ${DAY}`,
      details: { field: 'date', slotId: null, doctorId: 'd1', day: DAY },
    });
  });

  it('names the overflow strategy that throws', () => {
    const broken: OverflowStrategy = {
      ...strategy([]),
      whenFull: () => {
        throw new Error('broken');
      },
    };
    const s = snapshot([slot(9, 1)], [token(1, 'WALK_IN', 'd1-09')]);
    expect(refusal(() => book.decide(config({ ...presets.standard(), overflow: broken }), s, bookRequest('ONLINE'), NOW))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'The overflow strategy `by-hand` threw',
      details: { field: 'overflow strategy', strategy: 'by-hand' },
    });
  });
});

describe('book: the token it writes', () => {
  it('stamps the place time of a token placed, even in the first slot, and none on a waitlisted one', () => {
    const placed = committed(book.decide(standard, snapshot([slot(9, 1)], []), bookRequest('WALK_IN'), NOW));
    expect(placed.changes.newTokens[0]).toMatchObject({
      status: 'BOOKED',
      slotId: 'd1-09',
      placedAt: NOW,
    });
    const waiting = committed(book.decide(standard, snapshot([slot(9, 1)], [token(1, 'ONLINE', 'd1-09')]), bookRequest('WALK_IN'), NOW));
    expect(waiting.changes.newTokens[0]).toMatchObject({
      status: 'WAITLISTED',
      slotId: null,
      placedAt: null,
    });
  });

  it('keeps the idempotency key on the token and stores the key, and stores no key for a request without one', () => {
    const keyed = committed(book.decide(standard, snapshot([slot(9, 2)], []), bookRequest('WALK_IN', { idempotencyKey: 'desk-1', fingerprint: 'f' }), NOW));
    expect(keyed.changes.newTokens[0]!.idempotencyKey).toBe('desk-1');
    expect(keyed.changes.idempotency).toMatchObject({
      doctorId: 'd1',
      key: 'desk-1',
      fingerprint: 'f',
    });
    const plain = committed(book.decide(standard, snapshot([slot(9, 2)], []), bookRequest('WALK_IN'), NOW));
    expect(plain.changes.newTokens[0]!.idempotencyKey).toBeNull();
    expect(plain.changes.idempotency).toBeUndefined();
  });
});

describe('book: following the overflow strategy', () => {
  const full = (): ReturnType<typeof snapshot> =>
    snapshot([slot(9, 1), slot(10, 1)], [token(1, 'WALK_IN', 'd1-09')], {
      slotId: 'd1-09',
    });

  it('tells the strategy whether the slot was asked for by id', () => {
    const asked: FullContext[] = [];
    const options = config({
      ...presets.standard(),
      overflow: strategy(['waitlist'], asked),
    });
    committed(book.decide(options, full(), bookRequest('ONLINE', { slotId: 'd1-09', date: undefined }), NOW));
    const s = snapshot([slot(9, 1)], [token(1, 'WALK_IN', 'd1-09')]);
    committed(book.decide(options, s, bookRequest('ONLINE'), NOW));
    expect(asked.map((c) => [c.slot?.id, c.requestedSlot])).toEqual([
      ['d1-09', true],
      ['d1-09', false],
    ]);
  });

  it("stops at 'reject', whatever options follow it", () => {
    const options = config({
      ...presets.standard(),
      overflow: strategy(['reject', 'waitlist']),
    });
    expect(refusal(() => book.decide(options, full(), bookRequest('ONLINE', { slotId: 'd1-09', date: undefined }), NOW))).toMatchObject({
      code: 'SLOT_FULL',
      message: 'Slot `d1-09` is full',
      details: { field: 'slotId', slotId: 'd1-09', doctorId: 'd1', day: DAY },
    });
  });

  it("places in the next free slot as an ordinary place, and waitlists as 'full'", () => {
    const next = committed(
      book.decide(
        config({ ...presets.standard(), overflow: strategy(['next-slot']) }),
        full(),
        bookRequest('ONLINE', { slotId: 'd1-09', date: undefined }),
        NOW,
      ),
    );
    expect(next.result).toMatchObject({
      outcome: 'BOOKED',
      overflow: false,
      token: { slotId: 'd1-10' },
    });
    const both = snapshot([slot(9, 1), slot(10, 1)], [token(1, 'WALK_IN', 'd1-09'), token(2, 'WALK_IN', 'd1-10')], { slotId: 'd1-09' });
    const waiting = committed(
      book.decide(config({ ...presets.standard(), overflow: strategy(['waitlist']) }), both, bookRequest('ONLINE', { slotId: 'd1-09', date: undefined }), NOW),
    );
    expect(waiting.result.outcome).toBe('WAITLISTED');
    expect(waiting.changes.events[0]).toMatchObject({
      type: 'token:waitlisted',
      reason: 'full',
    });
  });
});

describe('book: options past the first', () => {
  it("a strategy that answers only 'waitlist' waitlists, though a later slot has a free place; a bump that finds no victim goes on to the next option", () => {
    const s = snapshot([slot(9, 1), slot(10, 1)], [token(1, 'EMERGENCY', 'd1-09')], { slotId: 'd1-09' });
    for (const options of [['waitlist'], ['bump', 'waitlist']] as const) {
      const { changes } = committed(
        book.decide(config({ ...presets.standard(), overflow: strategy(options) }), s, bookRequest('WALK_IN', { slotId: 'd1-09', date: undefined }), NOW),
      );
      // Waitlisted for the day, then promoted into the free place by the same call.
      expect(fates(changes), options.join()).toEqual(['token:waitlisted#2', 'token:promoted#2']);
    }
  });
});
