/**
 * The pure core: each command's `load` and `decide` on snapshots built by hand, with no storage.
 * What a decision writes (the change set) and returns is checked directly.
 */
import { CategoryPriority, ElasticCapacity, presets, RuleOverflow, STANDARD_RANKS } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { addDoctor } from '../../src/core/commands/add-doctor.js';
import { addSlots } from '../../src/core/commands/add-slots.js';
import { book, FIRST_SCHEDULE_SLOTS } from '../../src/core/commands/book.js';
import { addRecurringSlots } from '../../src/core/commands/add-recurring-slots.js';
import { closeSlot } from '../../src/core/commands/close-slot.js';
import { reopenSlot } from '../../src/core/commands/reopen-slot.js';
import { setCapacity } from '../../src/core/commands/set-capacity.js';
import { sweepDay } from '../../src/core/commands/sweep-day.js';
import { cancel, checkIn, confirm, markNoShow, release } from '../../src/core/commands/transitions.js';
import { at, bookRequest, committed, config, DAY, doctor, fates, refusal, slot, snapshot, token, written } from './builders.js';

const standard = config();

describe('book', () => {
  it('loads the doctor-day it asks for, and the schedule when it must choose the day', () => {
    expect(book.load(bookRequest('ONLINE'), at(7))).toEqual({ doctorId: 'd1', idempotencyKey: undefined, days: [DAY] });
    expect(book.load(bookRequest('ONLINE', { date: undefined }), at(7))).toEqual({
      doctorId: 'd1',
      idempotencyKey: undefined,
      schedule: { from: at(7), limit: FIRST_SCHEDULE_SLOTS },
      days: undefined,
    });
  });

  it('takes the first free place of the earliest usable slot, numbering the token after the day’s last', () => {
    const s = snapshot([slot(9, 1), slot(10, 2)], [token(1, 'ONLINE', 'd1-09')]);
    const { changes, result } = committed(book.decide(standard, s, bookRequest('WALK_IN'), at(7)));
    expect(result).toMatchObject({ outcome: 'BOOKED', overflow: false, effects: [], token: { tokenNumber: 2, slotId: 'd1-10', position: 1 } });
    expect(changes.newTokens).toHaveLength(1);
    expect(changes.updatedTokens).toEqual([]);
    expect(changes.days).toMatchObject([{ lastTokenNumber: 2 }]);
    expect(fates(changes)).toEqual(['token:booked#2']);
  });

  it('asks for the day once it has chosen it from the schedule', () => {
    const s = { ...snapshot([slot(9, 1)], []), days: new Map() };
    const decision = book.decide(standard, s, bookRequest('ONLINE', { date: undefined }), at(7));
    expect(decision).toEqual({
      kind: 'load',
      request: { doctorId: 'd1', idempotencyKey: undefined, schedule: { from: at(7), limit: FIRST_SCHEDULE_SLOTS }, days: [DAY] },
    });
  });

  it('an emergency in a full slot bumps the worst place, which cascades to the next free place', () => {
    const s = snapshot([slot(9, 2), slot(10, 1)], [token(1, 'ONLINE', 'd1-09'), token(2, 'WALK_IN', 'd1-09')], { slotId: 'd1-09' });
    const { changes, result } = committed(book.decide(standard, s, bookRequest('EMERGENCY', { slotId: 'd1-09', date: undefined }), at(7)));
    expect(fates(changes)).toEqual(['token:booked#3', 'token:bumped#2', 'token:cascaded#2']);
    expect(result.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:cascaded']);
    expect(written(changes).get(token(2, 'WALK_IN', null).id)).toMatchObject({ slotId: 'd1-10', bumpCount: 1, notBefore: at(9) });
    expect(changes.days).toMatchObject([{ lastTokenNumber: 3, bumps: 1, cascades: 1 }]);
  });

  it('refuses a duplicate live token of the same patient', () => {
    const held = token(1, 'ONLINE', 'd1-09');
    const s = snapshot([slot(9, 3)], [held]);
    const error = refusal(() => book.decide(standard, s, bookRequest('ONLINE', { patient: held.patient }), at(7)));
    expect(error).toMatchObject({ code: 'DUPLICATE_BOOKING', details: { tokenId: held.id } });
  });
});

describe('transitions', () => {
  it('cancel frees the place and promotes the best waiting token into it; the result lists only the promotion', () => {
    const booked = token(1, 'ONLINE', 'd1-09');
    const s = snapshot([slot(9, 1)], [booked, token(2, 'WALK_IN', null), token(3, 'PAID', null)], { tokenId: booked.id });
    const { changes, result } = committed(cancel.decide(standard, s, { tokenId: booked.id, reason: 'moved away' }, at(7)));
    expect(fates(changes)).toEqual(['token:cancelled#1', 'token:promoted#3']);
    expect(result.token).toMatchObject({ status: 'CANCELLED', slotId: null, cancelReason: 'moved away' });
    expect(result.effects.map((e) => e.type)).toEqual(['token:promoted']);
    expect(written(changes).get(token(3, 'PAID', null).id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-09', placedAt: at(7) });
  });

  it('a no-show is refused before the slot starts, and a check-in only from BOOKED', () => {
    const booked = token(1, 'ONLINE', 'd1-09');
    const s = snapshot([slot(9, 1)], [booked], { tokenId: booked.id });
    expect(refusal(() => markNoShow.decide(standard, s, { tokenId: booked.id, reason: null }, at(8, 59))).code).toBe('NOT_YET_DUE');
    expect(committed(markNoShow.decide(standard, s, { tokenId: booked.id, reason: null }, at(9))).result.token.status).toBe('NO_SHOW');
    const waiting = token(2, 'ONLINE', null);
    const w = snapshot([slot(9, 0)], [waiting], { tokenId: waiting.id });
    expect(refusal(() => checkIn.decide(standard, w, { tokenId: waiting.id, reason: null }, at(7)))).toMatchObject({
      code: 'INVALID_TRANSITION',
      details: { status: 'WAITLISTED', action: 'check-in' },
    });
  });

  it('a no-show before the slot starts is refused with the slot and its start', () => {
    const booked = token(1, 'ONLINE', 'd1-09');
    const s = snapshot([slot(9, 1)], [booked], { tokenId: booked.id });
    expect(refusal(() => markNoShow.decide(standard, s, { tokenId: booked.id, reason: null }, at(8, 59)))).toMatchObject({
      code: 'NOT_YET_DUE',
      message: `Token \`${booked.id}\` cannot be a no-show before its slot starts`,
      details: { field: 'tokenId', tokenId: booked.id, slotId: 'd1-09', startsAt: new Date(at(9)).toISOString() },
    });
  });

  it('a hold is confirmed until its end, and refused from its end on, saying it expired', () => {
    const held = token(1, 'ONLINE', 'd1-09', { status: 'HELD', holdExpiresAt: at(7, 15) });
    const s = snapshot([slot(9, 1)], [held], { tokenId: held.id });
    const { changes, result } = committed(confirm.decide(standard, s, { tokenId: held.id, reason: null }, at(7, 14)));
    expect(result.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09', holdExpiresAt: null });
    expect(fates(changes)).toEqual(['token:confirmed#1']);
    const ended = new Date(at(7, 15)).toISOString();
    expect(refusal(() => confirm.decide(standard, s, { tokenId: held.id, reason: null }, at(7, 15)))).toMatchObject({
      code: 'INVALID_TRANSITION',
      message: `Cannot confirm token \`${held.id}\`: its hold ended at ${ended}`,
      details: { field: 'tokenId', tokenId: held.id, status: 'HELD', action: 'confirm', expired: true, holdExpiresAt: ended },
    });
  });

  it('only a hold is confirmed or released; the refusal names the action', () => {
    const booked = token(1, 'ONLINE', 'd1-09');
    const s = snapshot([slot(9, 1)], [booked], { tokenId: booked.id });
    for (const [command, action] of [
      [confirm, 'confirm'],
      [release, 'release'],
    ] as const) {
      expect(refusal(() => command.decide(standard, s, { tokenId: booked.id, reason: null }, at(7)))).toMatchObject({
        code: 'INVALID_TRANSITION',
        message: `Cannot ${action} token \`${booked.id}\`: it is BOOKED`,
        details: { field: 'tokenId', tokenId: booked.id, status: 'BOOKED', action },
      });
    }
  });

  it('a token whose doctor is not in the snapshot is not found', () => {
    const booked = token(1, 'ONLINE', 'd1-09');
    const s = { ...snapshot([slot(9, 1)], [booked], { tokenId: booked.id }), doctor: undefined };
    expect(refusal(() => cancel.decide(standard, s, { tokenId: booked.id, reason: null }, at(7)))).toMatchObject({
      code: 'TOKEN_NOT_FOUND',
      details: { tokenId: booked.id },
    });
  });
});

describe('sweepDay', () => {
  it('releases only the holds that have ended by the clock, in queue order, each with its end', () => {
    // Listed in the slot against queue order: the walk-in first.
    const tokens = [
      token(1, 'WALK_IN', 'd1-09', { status: 'HELD', holdExpiresAt: at(7, 10) }),
      token(2, 'PAID', 'd1-09', { status: 'HELD', holdExpiresAt: at(7, 15) }),
      token(3, 'ONLINE', 'd1-09', { status: 'HELD', holdExpiresAt: at(7, 16) }),
      token(4, 'FOLLOW_UP', 'd1-09'),
    ];
    const s = snapshot([slot(9, 4)], tokens);
    const { changes } = committed(sweepDay.decide(standard, s, { doctorId: 'd1', day: DAY, cutoff: at(6) }, at(7, 15)));
    expect(changes.events.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null, 'holdExpiresAt' in e ? e.holdExpiresAt : null])).toEqual([
      ['token:expired', tokens[1]!.id, new Date(at(7, 15))],
      ['token:expired', tokens[0]!.id, new Date(at(7, 10))],
    ]);
    expect(written(changes).get(tokens[1]!.id)).toMatchObject({ status: 'CANCELLED', slotId: null, cancelReason: 'hold-expired' });
    expect(written(changes).has(tokens[2]!.id)).toBe(false);
  });

  it('marks the no-shows of a started slot in queue order', () => {
    const tokens = [token(1, 'WALK_IN', 'd1-09'), token(2, 'PAID', 'd1-09'), token(3, 'ONLINE', 'd1-09')];
    const s = snapshot([slot(9, 3)], tokens);
    const { changes } = committed(sweepDay.decide(standard, s, { doctorId: 'd1', day: DAY, cutoff: at(9, 15) }, at(9, 30)));
    expect(fates(changes)).toEqual(['token:no-show#2', 'token:no-show#3', 'token:no-show#1']);
  });

  it('never marks a slot that has not started by the clock, whatever the cutoff', () => {
    const s = snapshot([slot(9, 1), slot(10, 1)], [token(1, 'ONLINE', 'd1-09'), token(2, 'ONLINE', 'd1-10')]);
    const { changes } = committed(sweepDay.decide(standard, s, { doctorId: 'd1', day: DAY, cutoff: at(12) }, at(9, 30)));
    expect(fates(changes)).toEqual(['token:no-show#1']);
  });

  it('promotes only into slots that have not ended by the clock', () => {
    const s = snapshot(
      [slot(9, 1), slot(10, 1)],
      [token(1, 'ONLINE', 'd1-09'), token(2, 'ONLINE', 'd1-10', { status: 'CHECKED_IN' }), token(3, 'WALK_IN', null)],
    );
    // At 10:30 the 09:00 slot has ended: its no-show frees a place nobody may be promoted into.
    const { changes } = committed(sweepDay.decide(standard, s, { doctorId: 'd1', day: DAY, cutoff: at(9, 15) }, at(10, 30)));
    expect(fates(changes)).toEqual(['token:no-show#1']);
  });

  it('gives a token placed after the cutoff its grace from then', () => {
    const late = token(1, 'ONLINE', 'd1-09', { placedAt: at(9, 20) });
    const s = snapshot([slot(9, 1)], [late]);
    expect(committed(sweepDay.decide(standard, s, { doctorId: 'd1', day: DAY, cutoff: at(9, 15) }, at(9, 30))).changes.events).toEqual([]);
  });
});

describe('slot commands', () => {
  it('setCapacity lowering displaces the worst places, then moves them on best first; those with nowhere to go wait', () => {
    const s = snapshot([slot(9, 4)], [token(1, 'PAID', 'd1-09'), token(2, 'WALK_IN', 'd1-09'), token(3, 'ONLINE', 'd1-09'), token(4, 'WALK_IN', 'd1-09')], {
      slotId: 'd1-09',
    });
    const { changes, result } = committed(setCapacity.decide(standard, s, { slotId: 'd1-09', capacity: 2 }, at(7)));
    expect(fates(changes)).toEqual(['slot:capacity-changed', 'token:waitlisted#2', 'token:waitlisted#4']);
    expect(result).toBe(changes.events);
    expect(changes.updatedSlots).toMatchObject([{ id: 'd1-09', capacity: 2 }]);
  });

  it('setCapacity to the same capacity changes nothing; below the places that cannot move it refuses', () => {
    const s = snapshot([slot(9, 2)], [token(1, 'ONLINE', 'd1-09', { status: 'CHECKED_IN' }), token(2, 'ONLINE', 'd1-09', { status: 'IN_CONSULTATION' })], {
      slotId: 'd1-09',
    });
    expect(committed(setCapacity.decide(standard, s, { slotId: 'd1-09', capacity: 2 }, at(7))).changes.events).toEqual([]);
    expect(refusal(() => setCapacity.decide(standard, s, { slotId: 'd1-09', capacity: 1 }, at(7)))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { minimum: 2 },
    });
  });

  it('closeSlot refuses while a patient is checked in, and otherwise moves every booked place on', () => {
    const present = snapshot([slot(9, 2), slot(10, 2)], [token(1, 'ONLINE', 'd1-09', { status: 'CHECKED_IN' })], { slotId: 'd1-09' });
    expect(refusal(() => closeSlot.decide(standard, present, { slotId: 'd1-09', reason: null }, at(7))).details).toMatchObject({ slotId: 'd1-09' });
    const s = snapshot([slot(9, 2), slot(10, 1)], [token(1, 'WALK_IN', 'd1-09'), token(2, 'PAID', 'd1-09')], { slotId: 'd1-09' });
    const { changes } = committed(closeSlot.decide(standard, s, { slotId: 'd1-09', reason: 'doctor left' }, at(7)));
    // Best first: PAID takes the one place at 10:00, WALK_IN waits.
    expect(fates(changes)).toEqual(['slot:closed', 'token:cascaded#2', 'token:waitlisted#1']);
    expect(refusal(() => closeSlot.decide(standard, s, { slotId: 'd1-09', reason: null }, at(10))).code).toBe('SLOT_ENDED');
  });
});

describe('reopenSlot', () => {
  it('reopens a closed slot that has not ended and promotes into it, emergencies first', () => {
    const closed = slot(10, 2, { status: 'CLOSED', closedReason: 'mistake' });
    const s = snapshot([slot(9, 0), closed], [token(1, 'WALK_IN', null), token(2, 'EMERGENCY', null), token(3, 'ONLINE', null)], { slotId: 'd1-10' });
    const { changes, result } = committed(reopenSlot.decide(standard, s, { slotId: 'd1-10' }, at(9, 30)));
    expect(fates(changes)).toEqual(['slot:reopened', 'token:promoted#2', 'token:promoted#3']);
    expect(result).toEqual(changes.events);
    expect(changes.updatedSlots).toEqual([expect.objectContaining({ id: 'd1-10', status: 'OPEN', closedReason: null })]);
    expect(written(changes).get(token(1, 'WALK_IN', null).id)).toBeUndefined();
  });

  it('refuses a slot that has ended, and one that is not closed, changing nothing', () => {
    const s = snapshot([slot(9, 1, { status: 'CLOSED' }), slot(10, 1)], [], { slotId: 'd1-09' });
    expect(refusal(() => reopenSlot.decide(standard, s, { slotId: 'd1-09' }, at(10)))).toMatchObject({ code: 'SLOT_ENDED', details: { slotId: 'd1-09' } });
    const open = snapshot([slot(9, 1, { status: 'CLOSED' }), slot(10, 1)], [], { slotId: 'd1-10' });
    expect(refusal(() => reopenSlot.decide(standard, open, { slotId: 'd1-10' }, at(7)))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'slotId', status: 'OPEN' },
    });
    expect(refusal(() => reopenSlot.decide(standard, s, { slotId: 'nope' }, at(7))).code).toBe('SLOT_NOT_FOUND');
  });
});

describe('doctors and slots', () => {
  it('addDoctor refuses an id in use; addSlots refuses an overlap and promotes into new places', () => {
    const s = snapshot([slot(9, 0)], [token(1, 'ONLINE', null)]);
    const taken = refusal(() => addDoctor.decide(standard, s, doctor(), at(7)));
    expect(taken).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'id', doctorId: 'd1' } });
    expect((taken as unknown as Error).message).toBe('Doctor `d1` already exists');
    const overlap = { doctorId: 'd1', drafts: [{ id: 'x', start: at(9, 30), end: at(10, 30), capacity: 1, overflowCapacity: 0, day: DAY }] };
    expect(refusal(() => addSlots.decide(standard, s, overlap, at(7)))).toMatchObject({ code: 'SLOT_OVERLAP', details: { slotId: 'd1-09' } });
    const later = { doctorId: 'd1', drafts: [{ id: 'x', start: at(11), end: at(12), capacity: 1, overflowCapacity: 0, day: DAY }] };
    expect(addSlots.load(later, at(7))).toEqual({ doctorId: 'd1', slotIds: ['x'], days: [DAY], schedule: { from: at(11), to: at(12) } });
    const { changes, result } = committed(addSlots.decide(standard, s, later, at(7)));
    expect(result.map((r) => r.id)).toEqual(['x']);
    expect(fates(changes)).toEqual(['token:promoted#1']);
  });

  it('addRecurringSlots keeps its own slots from an earlier run and refuses any other overlap', () => {
    const draft = (hour: number, end = hour + 1) => ({ id: undefined, entry: 0, start: at(hour), end: at(end), capacity: 1, overflowCapacity: 0, day: DAY });
    const own = slot(9, 3, { id: `d1@${new Date(at(9)).toISOString().replace('.000Z', 'Z')}`, status: 'CLOSED' });
    const s = { ...snapshot([own], []), slots: new Map([[own.id, own]]), schedule: [{ slot: own, occupancy: 0 }] };
    const { changes, result } = committed(addRecurringSlots.decide(standard, s, { doctorId: 'd1', drafts: [draft(9), draft(10)] }, at(7)));
    expect(result.map((r) => r.start.getTime())).toEqual([at(10)]);
    expect(changes.newSlots.map((r) => r.id)).toEqual([result[0]!.id]);
    expect(committed(addRecurringSlots.decide(standard, s, { doctorId: 'd1', drafts: [draft(9)] }, at(7))).result).toEqual([]);
    expect(refusal(() => addRecurringSlots.decide(standard, s, { doctorId: 'd1', drafts: [draft(9, 11)] }, at(7)))).toMatchObject({
      code: 'SLOT_OVERLAP',
      details: { field: 'rota.weekly[0]', slotId: own.id },
    });
  });

  it('the waitlist preset waits in the slot a bumped token came from', () => {
    const waitlist = config(presets.waitlist());
    const s = snapshot([slot(9, 1), slot(10, 1)], [token(1, 'WALK_IN', 'd1-09'), token(2, 'ONLINE', 'd1-10')], { slotId: 'd1-09' });
    const { changes } = committed(book.decide(waitlist, s, bookRequest('EMERGENCY', { slotId: 'd1-09', date: undefined }), at(7)));
    expect(fates(changes)).toEqual(['token:booked#3', 'token:bumped#1', 'token:waitlisted#1']);
    expect(written(changes).get(token(1, 'WALK_IN', null).id)).toMatchObject({ status: 'WAITLISTED', waitingForSlotId: 'd1-09' });
  });
});

describe('what the mutation run asked for', () => {
  it('lowering a capacity never moves a checked-in patient, whoever ranks worst', () => {
    const s = snapshot([slot(9, 3)], [token(1, 'WALK_IN', 'd1-09', { status: 'CHECKED_IN' }), token(2, 'ONLINE', 'd1-09'), token(3, 'PAID', 'd1-09')], {
      slotId: 'd1-09',
    });
    const { changes } = committed(setCapacity.decide(standard, s, { slotId: 'd1-09', capacity: 2 }, at(7)));
    expect(fates(changes)).toEqual(['slot:capacity-changed', 'token:waitlisted#2']);
    expect(changes.events[1]).toMatchObject({ reason: 'capacity-lowered', fromSlotId: 'd1-09' });
    const error = refusal(() => setCapacity.decide(standard, s, { slotId: 'd1-09', capacity: 0 }, at(7)));
    expect((error as unknown as Error).message).toContain('capacity must be at least 1');
  });

  it('lowering takes places without elastic rights first, then the worst of those left, but not an emergency the slot still grants an elastic place; they move on best first', () => {
    // Emergencies may hold the slot's one elastic place; walk-ins may not.
    const nine = slot(9, 4, { overflowCapacity: 1 });
    const s = snapshot([nine], [token(1, 'EMERGENCY', 'd1-09'), token(2, 'WALK_IN', 'd1-09'), token(3, 'EMERGENCY', 'd1-09'), token(4, 'WALK_IN', 'd1-09')], {
      slotId: 'd1-09',
    });
    const moved = (capacity: number): number[] =>
      committed(setCapacity.decide(standard, s, { slotId: 'd1-09', capacity }, at(7)))
        .changes.events.filter((e) => e.type === 'token:waitlisted')
        .map((e) => ('tokenNumber' in e ? e.tokenNumber : 0));
    // To one: the walk-ins leave (#4 first, having no elastic rights beyond it, then #2, the worst
    // left); emergency #3 stays in the elastic place, as it would take it booking now.
    expect(moved(1)).toEqual([2, 4]);
    // To none: one elastic place for two emergencies: the worse, #3, leaves too.
    expect(moved(0)).toEqual([3, 2, 4]);
  });

  it('an emergency kept by its elastic place keeps no one else beyond their rights: the worst of the others still leave', () => {
    // Emergencies may fill 3 places beyond capacity, paid patients 1; the emergency ranks last.
    const perCategory = config({
      ...presets.standard(),
      priority: new CategoryPriority({ ranks: { ...STANDARD_RANKS, EMERGENCY: 5, PAID: 1 } }),
      capacity: { name: 'per-category', elasticPlaces: ({ category }) => (category === 'EMERGENCY' ? 3 : category === 'PAID' ? 1 : 0) },
    });
    const s = snapshot(
      [slot(9, 4, { overflowCapacity: 0 })],
      [
        token(1, 'PAID', 'd1-09', { rank: 1 }),
        token(2, 'PAID', 'd1-09', { rank: 1 }),
        token(3, 'PAID', 'd1-09', { rank: 1 }),
        token(4, 'EMERGENCY', 'd1-09', { rank: 5 }),
      ],
      { slotId: 'd1-09' },
    );
    const { changes } = committed(setCapacity.decide(perCategory, s, { slotId: 'd1-09', capacity: 1 }, at(7)));
    // Capacity 1: one paid patient in it, the emergency in an elastic place; paid #2 and #3 leave.
    expect(fates(changes)).toEqual(['slot:capacity-changed', 'token:waitlisted#2', 'token:waitlisted#3']);
  });

  it('lowering counts an elastic place in use apart: only the places without elastic rights beyond the new capacity move', () => {
    // Three places and the elastic one in use, by an emergency; lowered to two, one walk-in moves.
    const s = snapshot(
      [slot(9, 3, { overflowCapacity: 1 })],
      [token(1, 'EMERGENCY', 'd1-09'), token(2, 'WALK_IN', 'd1-09'), token(3, 'WALK_IN', 'd1-09'), token(4, 'WALK_IN', 'd1-09')],
      { slotId: 'd1-09' },
    );
    const { changes } = committed(setCapacity.decide(standard, s, { slotId: 'd1-09', capacity: 2 }, at(7)));
    expect(fates(changes)).toEqual(['slot:capacity-changed', 'token:waitlisted#4']);
  });

  it('lowering keeps an elastic place in use, even for a patient ranked worse than those who move', () => {
    // Walk-ins (the worst channel here) may hold the slot's elastic place; online patients may not.
    const walkInsElastic = config({ ...presets.standard(), capacity: new ElasticCapacity({ categories: ['WALK_IN'], limit: 'slot' }) });
    const s = snapshot([slot(9, 2, { overflowCapacity: 1 })], [token(1, 'ONLINE', 'd1-09'), token(2, 'ONLINE', 'd1-09'), token(3, 'WALK_IN', 'd1-09')], {
      slotId: 'd1-09',
    });
    const { changes } = committed(setCapacity.decide(walkInsElastic, s, { slotId: 'd1-09', capacity: 1 }, at(7)));
    expect(fates(changes)).toEqual(['slot:capacity-changed', 'token:waitlisted#2']);
  });

  it('closeSlot names who is present, releases holds in queue order, and leaves a finished consultation where it is', () => {
    const present = snapshot([slot(9, 2)], [token(1, 'ONLINE', 'd1-09', { status: 'IN_CONSULTATION' })], { slotId: 'd1-09' });
    const error = refusal(() => closeSlot.decide(standard, present, { slotId: 'd1-09', reason: null }, at(9, 5)));
    expect(error.details).toMatchObject({ slotId: 'd1-09', tokenIds: [token(1, 'ONLINE', null).id] });
    expect((error as unknown as Error).message).toBe('Slot `d1-09` holds patients who are checked in or in consultation; cancel or complete them first');
    // A running slot: one consultation done, two holds (the better listed last), one booked place.
    const s = snapshot(
      [slot(9, 4), slot(10, 2)],
      [
        token(1, 'ONLINE', 'd1-09', { status: 'COMPLETED' }),
        token(2, 'WALK_IN', 'd1-09', { status: 'HELD' }),
        token(3, 'PAID', 'd1-09', { status: 'HELD' }),
        token(4, 'ONLINE', 'd1-09'),
      ],
      { slotId: 'd1-09' },
    );
    const { changes } = committed(closeSlot.decide(standard, s, { slotId: 'd1-09', reason: 'doctor left' }, at(9, 20)));
    expect(fates(changes)).toEqual(['slot:closed', 'token:released#3', 'token:released#2', 'token:cascaded#4']);
    expect(written(changes).has(token(1, 'ONLINE', null).id)).toBe(false);
  });

  it('closeSlot sends a per-slot waitlist to the next usable slot, not a later one', () => {
    const perSlot = config({ ...presets.standard(), overflow: new RuleOverflow({ waitlist: 'slot' }) });
    // Every slot full (the patient waiting for 09:00 is at rest), 09:00 by a patient who has completed.
    const s = snapshot(
      [slot(9, 1), slot(10, 1), slot(11, 1)],
      [
        token(4, 'ONLINE', 'd1-09', { status: 'COMPLETED' }),
        token(1, 'ONLINE', 'd1-10'),
        token(2, 'ONLINE', 'd1-11'),
        token(3, 'WALK_IN', null, { waitingForSlotId: 'd1-09' }),
      ],
      { slotId: 'd1-09' },
    );
    const { changes } = committed(closeSlot.decide(perSlot, s, { slotId: 'd1-09', reason: null }, at(7)));
    expect(fates(changes)).toEqual(['slot:closed', 'token:waitlisted#3']);
    expect(changes.events[1]).toMatchObject({ waitingForSlotId: 'd1-10', fromSlotId: 'd1-09' });
  });

  it('transitions name their action and carry the slot in their events', () => {
    const done = token(1, 'ONLINE', 'd1-09', { status: 'COMPLETED' });
    const s = snapshot([slot(9, 2)], [done, token(2, 'ONLINE', 'd1-09')], { tokenId: done.id });
    expect(refusal(() => cancel.decide(standard, s, { tokenId: done.id, reason: null }, at(7))).details).toMatchObject({
      action: 'cancel',
      status: 'COMPLETED',
    });
    expect(refusal(() => markNoShow.decide(standard, s, { tokenId: done.id, reason: null }, at(9, 30))).details).toMatchObject({ action: 'no-show' });
    const booked = token(2, 'ONLINE', 'd1-09');
    const b = snapshot([slot(9, 2)], [booked], { tokenId: booked.id });
    expect(committed(markNoShow.decide(standard, b, { tokenId: booked.id, reason: null }, at(9, 30))).changes.events[0]).toMatchObject({
      type: 'token:no-show',
      slotId: 'd1-09',
      reason: 'manual',
    });
    expect(committed(checkIn.decide(standard, b, { tokenId: booked.id, reason: null }, at(8))).changes.events[0]).toMatchObject({
      type: 'token:checked-in',
      slotId: 'd1-09',
    });
    // A token found without its doctor (an inconsistent read) is not found.
    expect(refusal(() => cancel.decide(standard, { ...b, doctor: undefined }, { tokenId: booked.id, reason: null }, at(8))).code).toBe('TOKEN_NOT_FOUND');
  });

  it('sweepDay: nothing without the doctor; a slot starting at the clock has started; a place of unknown time is due', () => {
    const s = snapshot([slot(9, 2)], [token(1, 'ONLINE', 'd1-09', { placedAt: null })]);
    expect(committed(sweepDay.decide(standard, { ...s, doctor: undefined }, { doctorId: 'd1', day: DAY, cutoff: at(9, 30) }, at(9, 45)))).toEqual({
      kind: 'commit',
      changes: expect.objectContaining({ events: [] }) as never,
      result: { effects: [], followUps: [] },
    });
    expect(fates(committed(sweepDay.decide(standard, s, { doctorId: 'd1', day: DAY, cutoff: at(9, 30) }, at(9))).changes)).toEqual(['token:no-show#1']);
  });
});
