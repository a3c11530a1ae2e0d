/**
 * A doctor's leave (`closeSlots`) on records built by hand, read as an adapter would
 * (`decideOver`): what each round reads, which slots close, who moves where and in what order.
 */
import { CategoryPriority, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { closeSlots, type CloseSlotsInput } from '../../src/core/commands/close-slots.js';
import type { DoctorRecord, TokenRecord } from '../../src/model/records.js';
import type { ChangeSet } from '../../src/model/snapshot.js';
import { at, config, DAY, decideOver, doctor, fates, type Records, refusal, read, slotOf, token, tokenIn, written } from './builders.js';

const standard = config();
const NEXT = '2026-01-31';
const THIRD = '2026-02-01';
const FOURTH = '2026-02-02';
const DAY_MS = 24 * 3_600_000;

const cardio = (id: string): DoctorRecord => ({ ...doctor(id), department: 'cardio' });

/** A leave of 08:00–10:00 on the first day; its horizon `horizonDays` (UTC) days past its end. */
function leave({ horizonDays = 7, ...extra }: Partial<CloseSlotsInput> & { horizonDays?: number } = {}): CloseSlotsInput {
  const to = extra.to ?? at(10);
  return { doctorId: 'd1', from: at(8), to, reason: 'sick', department: null, horizonEnd: to + horizonDays * DAY_MS, ...extra };
}

/** Each token a change set writes into a place, as `number@slot`, sorted. */
function places(changes: ChangeSet): string[] {
  return [...written(changes).values()]
    .filter((t) => t.slotId !== null)
    .map((t) => `${t.tokenNumber}@${t.slotId}`)
    .sort();
}

describe('closeSlots: what it reads', () => {
  it('first the leave’s window of the doctor’s schedule, with the department when patients may go to colleagues', () => {
    expect(closeSlots.load(leave(), at(7))).toStrictEqual({ doctorId: 'd1', schedule: { from: at(8), to: at(10) } });
    expect(closeSlots.load(leave({ department: 'cardio' }), at(7))).toStrictEqual({
      doctorId: 'd1',
      schedule: { from: at(8), to: at(10) },
      department: { name: 'cardio', each: {} },
    });
  });

  it('then the days of the closing slots, in date order, with the schedule up to the horizon only when someone holds a place there', () => {
    const late = slotOf('d1', NEXT, 9, 1);
    const early = slotOf('d1', DAY, 9, 1);
    const empty: Records = { doctors: [doctor()], slots: [late, early], tokens: [] };
    const input = leave({ to: Date.UTC(2026, 0, 31, 10) });
    expect(decideOver(closeSlots, standard, empty, input, at(7)).requests[1]).toStrictEqual({
      doctorId: 'd1',
      schedule: { from: at(8), to: input.to },
      days: [DAY, NEXT],
    });
    const taken: Records = { ...empty, tokens: [tokenIn(late, 1, 'ONLINE')] };
    expect(decideOver(closeSlots, standard, taken, input, at(7)).requests[1]).toStrictEqual({
      doctorId: 'd1',
      schedule: { from: at(8), to: input.to + 7 * DAY_MS },
      days: [DAY, NEXT],
    });
    expect(decideOver(closeSlots, standard, taken, { ...input, horizonEnd: input.to }, at(7)).requests[1]).toStrictEqual({
      doctorId: 'd1',
      schedule: { from: at(8), to: input.to },
      days: [DAY, NEXT],
    });
  });

  it('with a quota, up to the horizon even when nobody holds a place: settling the day may promote a waiting patient into a closing slot', () => {
    // A reservation of the first day's slot that ends as it starts: the waiting patient takes the place then.
    const reserved = config({ ...presets.waitlist(), quota: { name: 'from-start', admits: (c) => c.slot.start.getTime() !== at(9) || c.now >= c.slot.start } });
    const own = slotOf('d1', DAY, 9, 1);
    const records: Records = { doctors: [doctor()], slots: [own, slotOf('d1', NEXT, 9, 1)], tokens: [token(1, 'ONLINE', null)] };
    const { requests, decision } = decideOver(closeSlots, reserved, records, leave(), at(9));
    expect(requests[1]).toStrictEqual({ doctorId: 'd1', schedule: { from: at(8), to: at(10) + 7 * DAY_MS }, days: [DAY] });
    expect(places(decision.changes)).toEqual([`1@d1-${NEXT}-09`]);
  });

  it('with a department, the same days of every colleague, never of the doctor twice', () => {
    const own = slotOf('d1', DAY, 9, 1);
    const records: Records = {
      doctors: [cardio('d1'), cardio('d2'), cardio('d3')],
      slots: [own, slotOf('d2', DAY, 9, 1)],
      tokens: [tokenIn(own, 1, 'ONLINE')],
    };
    const { requests } = decideOver(closeSlots, standard, records, leave({ department: 'cardio', horizonDays: 1 }), at(7));
    const schedule = { from: at(8), to: at(10) + DAY_MS };
    expect(requests[1]).toStrictEqual({
      doctorId: 'd1',
      schedule,
      department: { name: 'cardio', each: {} },
      days: [DAY],
      others: [
        { doctorId: 'd2', days: [DAY], schedule },
        { doctorId: 'd3', days: [DAY], schedule },
      ],
    });
  });

  it('reads no more once a colleague’s days are read too, and asks again while they are not', () => {
    const own = slotOf('d1', DAY, 9, 1);
    const records: Records = { doctors: [cardio('d1'), cardio('d2')], slots: [own, slotOf('d2', DAY, 11, 1)], tokens: [tokenIn(own, 1, 'ONLINE')] };
    const input = leave({ department: 'cardio', horizonDays: 0 });
    const { requests } = decideOver(closeSlots, standard, records, input, at(7));
    expect(requests).toHaveLength(2);
    // The doctor's day read, the colleague (a member of the department) read without it.
    const partial = read(records, { ...requests[1]!, others: undefined });
    expect(partial.others?.get('d2')?.days.size).toBe(0);
    expect(closeSlots.decide(standard, partial, input, at(7))).toStrictEqual({ kind: 'load', request: requests[1] });
  });

  it('asks again for the leave’s days while any one of them is unread, even with the others read', () => {
    const nine = slotOf('d1', DAY, 9, 1);
    const next = slotOf('d1', NEXT, 9, 1);
    const records: Records = { doctors: [doctor()], slots: [nine, next], tokens: [tokenIn(nine, 1, 'ONLINE'), tokenIn(next, 1, 'ONLINE')] };
    const input = leave({ to: Date.UTC(2026, 0, 31, 10) });
    const { requests } = decideOver(closeSlots, standard, records, input, at(7));
    expect(requests[1]!.days).toEqual([DAY, NEXT]);
    for (const day of [DAY, NEXT]) {
      const partial = read(records, { ...requests[1]!, days: [day] });
      expect(closeSlots.decide(standard, partial, input, at(7))).toStrictEqual({ kind: 'load', request: requests[1] });
    }
  });

  it('asks for a later day the search reached unread as a load of it, not a commit', () => {
    const nine = slotOf('d1', DAY, 9, 1);
    const records: Records = { doctors: [doctor()], slots: [nine, slotOf('d1', NEXT, 9, 1)], tokens: [tokenIn(nine, 1, 'ONLINE')] };
    const { requests } = decideOver(closeSlots, standard, records, leave(), at(7));
    expect(requests.map((r) => r.days)).toEqual([undefined, [DAY], [DAY, NEXT]]);
    expect(closeSlots.decide(standard, read(records, requests[1]!), leave(), at(7))).toStrictEqual({ kind: 'load', request: requests[2] });
  });

  it('with a department but nobody to move, reads the colleagues’ days of the leave and no schedule of theirs', () => {
    const records: Records = { doctors: [cardio('d1'), cardio('d2')], slots: [slotOf('d1', DAY, 9, 1), slotOf('d2', DAY, 9, 1)], tokens: [] };
    const { decision, requests } = decideOver(closeSlots, standard, records, leave({ department: 'cardio' }), at(7));
    expect(requests[1]).toStrictEqual({
      doctorId: 'd1',
      schedule: { from: at(8), to: at(10) },
      department: { name: 'cardio', each: {} },
      days: [DAY],
      others: [{ doctorId: 'd2', days: [DAY] }],
    });
    expect(fates(decision.changes)).toEqual(['slot:closed']);
  });

  it('with a department, asks only for the days each doctor’s search reached, and then every usable day of every doctor’s schedule', () => {
    const nine = slotOf('d1', DAY, 9, 1);
    const next = slotOf('d1', NEXT, 9, 2);
    const patient = tokenIn(nine, 1, 'ONLINE');
    const records: Records = {
      doctors: [cardio('d1'), cardio('d2')],
      slots: [nine, next, slotOf('d1', THIRD, 9, 1), slotOf('d1', FOURTH, 9, 1)],
      tokens: [patient, tokenIn(next, 1, 'WALK_IN', { patient: patient.patient })],
    };
    // d2 has no later day: its search reaches none. The patient already holds a token on NEXT, so THIRD is wanted next.
    const { decision, requests } = decideOver(closeSlots, standard, records, leave({ department: 'cardio' }), at(7));
    expect(requests.map((r) => r.days)).toEqual([undefined, [DAY], [DAY, NEXT], [DAY, NEXT, THIRD, FOURTH]]);
    // Each day the doctor's search reaches is read of d2 too (the duplicate rule looks at the department's day), and then every doctor's usable days.
    expect(requests.map((r) => r.others?.map((o) => o.days))).toEqual([undefined, [[DAY]], [[DAY, NEXT]], [[DAY, NEXT, THIRD, FOURTH]]]);
    expect(places(decision.changes)).toEqual([`1@d1-${THIRD}-09`]);
  });

  it('asks for the later days in date order, even when an emergency wants a day a booking passed over as full', () => {
    const nine = slotOf('d1', DAY, 9, 1);
    const next = slotOf('d1', NEXT, 9, 1);
    const third = slotOf('d1', THIRD, 9, 1);
    const records: Records = {
      doctors: [doctor()],
      slots: [nine, next, third, slotOf('d1', FOURTH, 9, 2)],
      tokens: [tokenIn(nine, 1, 'ONLINE'), tokenIn(next, 1, 'EMERGENCY'), tokenIn(third, 1, 'ONLINE')],
    };
    // The leave covers DAY and NEXT: the booking from DAY skips the full THIRD and wants FOURTH; the emergency from NEXT wants THIRD.
    const { decision, requests } = decideOver(closeSlots, standard, records, leave({ to: Date.UTC(2026, 0, 31, 10) }), at(7));
    expect(requests.map((r) => r.days)).toEqual([undefined, [DAY, NEXT], [DAY, NEXT, THIRD, FOURTH]]);
    expect(places(decision.changes)).toEqual([`1@d1-${FOURTH}-09`, `2@d1-${FOURTH}-09`]);
  });

  it('takes as usable days only those with a slot that has not ended: not a day whose slot ends at the clock', () => {
    const next = slotOf('d1', NEXT, 9, 1);
    const third = slotOf('d1', THIRD, 9, 2);
    const patient = tokenIn(next, 1, 'ONLINE');
    const records: Records = {
      doctors: [doctor()],
      slots: [slotOf('d1', DAY, 8, 1), next, third, slotOf('d1', FOURTH, 9, 1)],
      tokens: [patient, tokenIn(third, 1, 'WALK_IN', { patient: patient.patient })],
    };
    // The clock is DAY 09:00: the leave's window holds DAY's 08:00 slot, which ends then, so only NEXT closes.
    const { decision, requests } = decideOver(closeSlots, standard, records, leave({ to: Date.UTC(2026, 0, 31, 10) }), at(9));
    expect(requests.map((r) => r.days)).toEqual([undefined, [NEXT], [NEXT, THIRD], [NEXT, THIRD, FOURTH]]);
    expect(places(decision.changes)).toEqual([`1@d1-${FOURTH}-09`]);
  });
});

describe('closeSlots: what it closes', () => {
  it('every open slot overlapping the leave that has not ended: not one ending at the clock, starting at its end, or closed already', () => {
    const slots = [
      slotOf('d1', DAY, 7, 1),
      slotOf('d1', DAY, 8, 1),
      slotOf('d1', DAY, 9, 1, { status: 'CLOSED', closedReason: 'before' }),
      slotOf('d1', DAY, 10, 1),
    ];
    const records: Records = { doctors: [doctor()], slots, tokens: [] };
    const { decision } = decideOver(closeSlots, standard, records, leave({ from: at(7), to: at(10) }), at(8));
    expect(decision.changes.updatedSlots).toStrictEqual([{ ...slots[1]!, status: 'CLOSED', closedReason: 'sick' }]);
    expect(decision.result).toStrictEqual([expect.objectContaining({ type: 'slot:closed', slotId: slots[1]!.id, day: DAY, reason: 'sick' })]);
    expect(decision.result).toBe(decision.changes.events);
  });

  it('with nothing to close, changes nothing and reads nothing more', () => {
    const records: Records = { doctors: [doctor()], slots: [slotOf('d1', DAY, 10, 1)], tokens: [] };
    const { decision, requests } = decideOver(closeSlots, standard, records, leave(), at(7));
    expect(requests).toHaveLength(1);
    expect(decision.result).toEqual([]);
    expect(decision.changes.events).toEqual([]);
    expect(decision.changes.updatedSlots).toEqual([]);
  });

  it('refuses a doctor that does not exist, and a department the doctor is not in (or with none), naming the doctor', () => {
    const records: Records = { doctors: [doctor(), cardio('d2')], slots: [slotOf('d1', DAY, 9, 1)], tokens: [] };
    expect(refusal(() => decideOver(closeSlots, standard, records, leave({ doctorId: 'd9' }), at(7))).code).toBe('DOCTOR_NOT_FOUND');
    const error = refusal(() => decideOver(closeSlots, standard, records, leave({ department: 'cardio' }), at(7)));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'leave.reassign', doctorId: 'd1' } });
    expect((error as unknown as Error).message).toBe('Doctor `d1` has no department to reassign patients within');
    const other: Records = { ...records, doctors: [{ ...doctor(), department: 'neuro' }, cardio('d2')] };
    expect(refusal(() => decideOver(closeSlots, standard, other, leave({ department: 'cardio' }), at(7))).code).toBe('VALIDATION_FAILED');
    // Without reassignment, a doctor in no department, or in one, takes leave as any other.
    const none: Records = { ...records, doctors: [{ ...doctor(), department: null }] };
    expect(decideOver(closeSlots, standard, none, leave(), at(7)).decision.changes.updatedSlots).toHaveLength(1);
    const member: Records = { ...records, doctors: [cardio('d1'), cardio('d2')] };
    expect(decideOver(closeSlots, standard, member, leave(), at(7)).decision.changes.updatedSlots).toHaveLength(1);
  });

  it('refuses, closing nothing, while a patient of a closing slot is checked in or in consultation, naming the slot and the tokens', () => {
    const nine = slotOf('d1', DAY, 9, 3);
    const tokens = [
      tokenIn(nine, 1, 'ONLINE', { status: 'CHECKED_IN' }),
      tokenIn(nine, 2, 'ONLINE'),
      tokenIn(nine, 3, 'ONLINE', { status: 'IN_CONSULTATION' }),
    ];
    const records: Records = { doctors: [doctor()], slots: [slotOf('d1', DAY, 8, 1), nine], tokens };
    const error = refusal(() => decideOver(closeSlots, standard, records, leave(), at(7)));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'leave', slotId: nine.id, tokenIds: [tokens[0]!.id, tokens[2]!.id] } });
    expect((error as unknown as Error).message).toBe(
      `Slot \`${nine.id}\` of the leave holds patients who are checked in or in consultation; cancel or complete them first`,
    );
    const done: Records = { ...records, tokens: [tokenIn(nine, 1, 'ONLINE', { status: 'COMPLETED' })] };
    expect(decideOver(closeSlots, standard, done, leave(), at(7)).decision.changes.updatedSlots).toHaveLength(2);
  });
});

describe('closeSlots: who moves, in what order', () => {
  it('releases holds in queue order, then moves emergencies first and the rest in queue order to the places after the leave', () => {
    const nine = slotOf('d1', DAY, 9, 5);
    const ten = slotOf('d1', DAY, 10, 2);
    const tokens = [
      tokenIn(nine, 1, 'WALK_IN'),
      tokenIn(nine, 2, 'ONLINE', { status: 'HELD', holdExpiresAt: at(8) }),
      tokenIn(nine, 3, 'PAID'),
      tokenIn(nine, 4, 'EMERGENCY'),
      tokenIn(nine, 5, 'PAID', { status: 'HELD', holdExpiresAt: at(8) }),
    ];
    const records: Records = { doctors: [doctor()], slots: [nine, ten], tokens };
    // The schedule read up to the horizon holds the 10:00 slot: it starts as the leave ends, and stays open.
    const { decision } = decideOver(closeSlots, standard, records, leave(), at(7));
    expect(fates(decision.changes)).toEqual([
      'slot:closed',
      'token:released#5',
      'token:released#2',
      'token:cascaded#4',
      'token:cascaded#3',
      'token:waitlisted#1',
    ]);
    expect(decision.changes.events[1]).toMatchObject({ slotId: nine.id, reason: 'slot-closed' });
    expect(written(decision.changes).get(tokens[1]!.id)).toMatchObject({ status: 'CANCELLED', slotId: null, cancelReason: 'hold-released' });
    expect(places(decision.changes)).toEqual([`3@${ten.id}`, `4@${ten.id}`]);
  });

  it('leaves a completed place where it is, sends per-slot waiters to the next open slot, and then promotes into any room', () => {
    // 09:00 full (the patient who waits for it is at rest there), 11:00 with room.
    const nine = slotOf('d1', DAY, 9, 1);
    const eleven = slotOf('d1', DAY, 11, 2);
    const done = tokenIn(nine, 1, 'ONLINE', { status: 'COMPLETED' });
    const waiter = token(2, 'ONLINE', null, { waitingForSlotId: nine.id });
    const records: Records = { doctors: [doctor()], slots: [nine, eleven], tokens: [done, waiter, tokenIn(eleven, 3, 'ONLINE')] };
    const { decision } = decideOver(closeSlots, standard, records, leave({ horizonDays: 0 }), at(7));
    expect(fates(decision.changes)).toEqual(['slot:closed', 'token:waitlisted#2', 'token:promoted#2']);
    expect(decision.changes.events[1]).toMatchObject({ waitingForSlotId: eleven.id, fromSlotId: nine.id, reason: 'slot-closed' });
    expect(written(decision.changes).get(done.id)).toBeUndefined();
    expect(written(decision.changes).get(waiter.id)).toMatchObject({ status: 'BOOKED', slotId: eleven.id, waitingForSlotId: null, notBefore: at(9) });
  });

  it('an emergency that bumps its way into its own day after the leave reads no later day', () => {
    const nine = slotOf('d1', DAY, 9, 1);
    const eleven = slotOf('d1', DAY, 11, 1);
    const next = slotOf('d1', NEXT, 9, 1);
    const records: Records = { doctors: [doctor()], slots: [nine, eleven, next], tokens: [tokenIn(nine, 1, 'EMERGENCY'), tokenIn(eleven, 2, 'WALK_IN')] };
    const { decision, requests } = decideOver(closeSlots, standard, records, leave(), at(7));
    expect(fates(decision.changes)).toEqual(['slot:closed', 'token:cascaded#1', 'token:bumped#2', 'token:waitlisted#2']);
    expect(requests).toHaveLength(2);
  });

  it('moves an emergency first even when its rank puts it behind others (a priority policy ranking it lower)', () => {
    const nine = slotOf('d1', DAY, 9, 2);
    const ten = slotOf('d1', DAY, 10, 1);
    const tokens = [tokenIn(nine, 1, 'PAID'), tokenIn(nine, 2, 'EMERGENCY', { rank: 50 })];
    const { decision } = decideOver(closeSlots, standard, { doctors: [doctor()], slots: [nine, ten], tokens }, leave({ horizonDays: 0 }), at(7));
    expect(fates(decision.changes)).toEqual(['slot:closed', 'token:cascaded#2', 'token:waitlisted#1']);
  });

  it('keeps an emergency it moved first in its place: the chain of a better-ranked patient displaced after it goes around it', () => {
    // The priority policy ranks emergencies below the rest, and a cascade may bump one step deep.
    const lowEmergency = config({
      ...presets.standard({ chainDepth: 1 }),
      priority: new CategoryPriority({ name: 'emergency-last', ranks: { EMERGENCY: 2, PAID: 1, FOLLOW_UP: 1, ONLINE: 1, WALK_IN: 1 } }),
    });
    const nine = slotOf('d1', DAY, 9, 1);
    const ten = slotOf('d1', DAY, 10, 1);
    // The emergency holds 09:00's elastic place.
    const tokens = [tokenIn(nine, 1, 'FOLLOW_UP', { rank: 1 }), tokenIn(nine, 2, 'EMERGENCY', { rank: 2 })];
    const { decision } = decideOver(closeSlots, lowEmergency, { doctors: [doctor()], slots: [nine, ten], tokens }, leave({ horizonDays: 0 }), at(7));
    // Moved once each: the emergency to 10:00, the follow-up, finding no place it may take, waits.
    expect(fates(decision.changes)).toEqual(['slot:closed', 'token:cascaded#2', 'token:waitlisted#1']);
    expect(places(decision.changes)).toEqual([`2@${ten.id}`]);
  });

  it('a patient whose day has no place left goes to the doctor’s first free place on a later day, as a new token there', () => {
    const nine = slotOf('d1', DAY, 9, 1);
    const records: Records = {
      doctors: [doctor()],
      slots: [nine, slotOf('d1', NEXT, 8, 1), slotOf('d1', NEXT, 11, 1), slotOf('d1', THIRD, 9, 1)],
      tokens: [tokenIn(nine, 1, 'ONLINE'), tokenIn(slotOf('d1', NEXT, 8, 1), 1, 'ONLINE')],
    };
    const { decision, requests } = decideOver(closeSlots, standard, records, leave(), at(7));
    expect(fates(decision.changes)).toEqual(['slot:closed', 'token:moved#2']);
    expect(places(decision.changes)).toEqual([`2@d1-${NEXT}-11`]);
    // The later day is read once the search reaches it: only as many days as the displaced patients need.
    expect(requests.map((r) => r.days)).toEqual([undefined, [DAY], [DAY, NEXT]]);
  });
});

describe('closeSlots: the later days it reads', () => {
  /** Doctor d1 with a 09:00 slot of `taken` places on DAY (all booked online) and one 09:00 slot on each later day of the given capacity and places taken. */
  function ahead(taken: number, later: readonly (readonly [day: string, capacity: number, occupied: number])[], category = 'ONLINE'): Records {
    const nine = slotOf('d1', DAY, 9, taken);
    const slots = [nine, ...later.map(([day, capacity]) => slotOf('d1', day, 9, capacity))];
    const tokens = [
      ...Array.from({ length: taken }, (_, k) => tokenIn(nine, k + 1, category)),
      ...later.flatMap(([day, capacity, occupied]) => Array.from({ length: occupied }, (_, k) => tokenIn(slotOf('d1', day, 9, capacity), k + 1, 'ONLINE'))),
    ];
    return { doctors: [doctor()], slots, tokens };
  }

  it('reads later days until their free places would hold every displaced patient, and no further', () => {
    const records = ahead(3, [
      [NEXT, 1, 0],
      [THIRD, 2, 0],
      [FOURTH, 1, 0],
    ]);
    const { decision, requests } = decideOver(closeSlots, standard, records, leave(), at(7));
    expect(requests.map((r) => r.days)).toEqual([undefined, [DAY], [DAY, NEXT, THIRD]]);
    expect(places(decision.changes)).toEqual([`1@d1-${NEXT}-09`, `1@d1-${THIRD}-09`, `2@d1-${THIRD}-09`]);
  });

  it('counts a day without a free place as room for one when an emergency may take an elastic place there', () => {
    const records = ahead(
      1,
      [
        [NEXT, 1, 1],
        [THIRD, 1, 0],
      ],
      'EMERGENCY',
    );
    const { decision, requests } = decideOver(closeSlots, standard, records, leave(), at(7));
    expect(requests[2]!.days).toEqual([DAY, NEXT]);
    // No elastic place on NEXT: the emergency goes on to THIRD; with one, it stays on NEXT, bumping nobody.
    expect(places(decision.changes)).toEqual([`1@d1-${THIRD}-09`]);
    const elastic: Records = { ...records, slots: records.slots.map((s) => (s.day === NEXT ? { ...s, overflowCapacity: 1 } : s)) };
    const there = decideOver(closeSlots, standard, elastic, leave(), at(7)).decision.changes;
    expect(places(there)).toEqual([`2@d1-${NEXT}-09`]);
    expect(fates(there)).toEqual(['slot:closed', 'token:moved#2']);
  });

  it('skips a later day where the patient already holds a token, and then reads every usable day of the schedule at once', () => {
    const records = ahead(1, [
      [NEXT, 2, 0],
      [THIRD, 1, 0],
      [FOURTH, 1, 0],
    ]);
    const patient = records.tokens[0]!.patient;
    const twin = tokenIn(slotOf('d1', NEXT, 9, 2), 1, 'WALK_IN', { patient });
    const ended = slotOf('d1', DAY, 6, 1);
    const closed = slotOf('d1', '2026-02-03', 9, 1, { status: 'CLOSED' });
    const withTwin: Records = { ...records, slots: [ended, ...records.slots, closed], tokens: [...records.tokens, twin] };
    const { decision, requests } = decideOver(closeSlots, standard, withTwin, leave(), at(7));
    expect(requests.map((r) => r.days)).toEqual([undefined, [DAY], [DAY, NEXT], [DAY, FOURTH, NEXT, THIRD].sort()]);
    expect(places(decision.changes)).toEqual([`1@d1-${THIRD}-09`]);
  });

  it('counts only open slots of a later day as room, and each day once however many slots it has', () => {
    // NEXT has only a closed slot: no room there, so THIRD is read at once.
    const closedNext = ahead(1, [[THIRD, 1, 0]]);
    const withClosed: Records = { ...closedNext, slots: [...closedNext.slots, slotOf('d1', NEXT, 9, 1, { status: 'CLOSED' })] };
    expect(decideOver(closeSlots, standard, withClosed, leave(), at(7)).requests.map((r) => r.days)).toEqual([undefined, [DAY], [DAY, THIRD]]);
    // Two emergencies, NEXT full in two slots: one day counts as room for one, so THIRD is read with it.
    const full = ahead(
      2,
      [
        [NEXT, 1, 1],
        [THIRD, 1, 0],
      ],
      'EMERGENCY',
    );
    const twoSlots: Records = {
      ...full,
      slots: [...full.slots, slotOf('d1', NEXT, 11, 1)],
      tokens: [...full.tokens, tokenIn(slotOf('d1', NEXT, 11, 1), 2, 'ONLINE')],
    };
    expect(decideOver(closeSlots, standard, twoSlots, leave(), at(7)).requests[2]!.days).toEqual([DAY, NEXT, THIRD]);
  });

  it('takes a later place only where the quota admits the patient', () => {
    const records = ahead(1, [
      [NEXT, 1, 0],
      [THIRD, 1, 0],
    ]);
    const notNext = config({ ...presets.standard(), quota: { name: 'not-next', admits: (c) => c.slot.start.getTime() !== Date.UTC(2026, 0, 31, 9) } });
    expect(places(decideOver(closeSlots, notNext, records, leave(), at(7)).decision.changes)).toEqual([`1@d1-${THIRD}-09`]);
  });

  it('asks the quota with the rank the patient would have on the later day', () => {
    // A policy ranking a request due from NEXT on as urgent, and a quota admitting only urgent ranks.
    const dueNext = Date.UTC(2026, 0, 31);
    const options = config({
      ...presets.standard(),
      priority: {
        name: 'due-date',
        categories: ['ONLINE'],
        accepts: (category) => category === 'ONLINE',
        rank: ({ dueAt }) => (dueAt.getTime() >= dueNext ? 1 : 9),
      },
      quota: { name: 'urgent-only', admits: (c) => c.rank < 5 },
    });
    const records = ahead(1, [[NEXT, 1, 0]]);
    const ranked: Records = { ...records, tokens: records.tokens.map((t) => ({ ...t, rank: 9 })) };
    expect(places(decideOver(closeSlots, options, ranked, leave(), at(7)).decision.changes)).toEqual([`1@d1-${NEXT}-09`]);
  });

  it('reads no later day when the leave’s own day has room after it, and none beyond the horizon', () => {
    const records = ahead(1, [
      [NEXT, 1, 1],
      [THIRD, 1, 0],
    ]);
    const own = slotOf('d1', DAY, 11, 1);
    const { decision, requests } = decideOver(closeSlots, standard, { ...records, slots: [...records.slots, own] }, leave(), at(7));
    expect(requests).toHaveLength(2);
    expect(places(decision.changes)).toEqual([`1@${own.id}`]);
    const near = decideOver(closeSlots, standard, records, leave({ horizonDays: 1 }), at(7));
    expect(near.requests).toHaveLength(2);
    expect(fates(near.decision.changes)).toEqual(['slot:closed', 'token:waitlisted#1']);
  });
  it('counts a later day’s free places over all its slots', () => {
    const next11 = slotOf('d1', NEXT, 11, 1);
    const records = ahead(2, [
      [NEXT, 1, 0],
      [THIRD, 1, 0],
    ]);
    const { decision, requests } = decideOver(closeSlots, standard, { ...records, slots: [...records.slots, next11] }, leave(), at(7));
    expect(requests.map((r) => r.days)).toEqual([undefined, [DAY], [DAY, NEXT]]);
    expect(places(decision.changes)).toEqual([`1@d1-${NEXT}-09`, `2@${next11.id}`]);
  });

  it('a later day one patient passed over still takes the next patient while it has room', () => {
    // Patients 1 and 2 already hold tokens on NEXT, which has one free place; THIRD has one, FOURTH two.
    const records = ahead(3, [
      [NEXT, 3, 0],
      [THIRD, 1, 0],
      [FOURTH, 2, 0],
    ]);
    const next = slotOf('d1', NEXT, 9, 3);
    const twins = [0, 1].map((k) => tokenIn(next, k + 1, 'WALK_IN', { patient: records.tokens[k]!.patient }));
    const { decision } = decideOver(closeSlots, standard, { ...records, tokens: [...records.tokens, ...twins] }, leave(), at(7));
    const moved = [...written(decision.changes).values()].filter((t) => t.status === 'BOOKED').map((t) => [t.patient, t.slotId]);
    expect(moved).toEqual(
      expect.arrayContaining([
        [records.tokens[0]!.patient, `d1-${THIRD}-09`],
        [records.tokens[1]!.patient, `d1-${FOURTH}-09`],
        [records.tokens[2]!.patient, `d1-${NEXT}-09`],
      ]),
    );
    expect(moved).toHaveLength(3);
  });

  it('a later slot starting as the horizon ends takes nobody, even on a day whose earlier slot is within it', () => {
    const records = ahead(2, [[NEXT, 1, 0]]);
    const atHorizon = slotOf('d1', NEXT, 10, 1);
    const { decision } = decideOver(closeSlots, standard, { ...records, slots: [...records.slots, atHorizon] }, leave({ horizonDays: 1 }), at(7));
    expect(fates(decision.changes)).toEqual(['slot:closed', 'token:moved#1', 'token:waitlisted#2']);
    expect(places(decision.changes)).toEqual([`1@d1-${NEXT}-09`]);
    // A day longer, the same slot is within the horizon.
    const further = decideOver(closeSlots, standard, { ...records, slots: [...records.slots, atHorizon] }, leave({ horizonDays: 2 }), at(7));
    expect(places(further.decision.changes)).toEqual([`1@d1-${NEXT}-09`, `2@${atHorizon.id}`]);
  });
});

describe('closeSlots: reassignment within the department', () => {
  /** d1 on leave 08:00–10:00 with one online patient at 09:00, its own free place at `ownHour` (if any); colleagues' slots `[doctor, day, hour, capacity, taken]`. */
  function team(
    ownHour: number | null,
    theirs: readonly (readonly [id: string, day: string, hour: number, capacity: number, taken: number])[],
    category = 'ONLINE',
  ): Records {
    const nine = slotOf('d1', DAY, 9, 1);
    const slots = [
      nine,
      ...(ownHour === null ? [] : [slotOf('d1', DAY, ownHour, 1)]),
      ...theirs.map(([id, day, hour, capacity]) => slotOf(id, day, hour, capacity)),
    ];
    const numbers = new Map<string, number>();
    const tokens = [
      tokenIn(nine, 1, category),
      ...theirs.flatMap(([id, day, hour, capacity, taken]) =>
        Array.from({ length: taken }, () => {
          const n = (numbers.get(`${id} ${day}`) ?? 0) + 1;
          numbers.set(`${id} ${day}`, n);
          return tokenIn(slotOf(id, day, hour, capacity), n, 'ONLINE');
        }),
      ),
    ];
    const ids = [...new Set(['d1', ...theirs.map(([id]) => id)])];
    return { doctors: ids.map(cardio), slots, tokens };
  }
  const reassign = leave({ department: 'cardio', horizonDays: 2 });
  /** Where the displaced patient ends: the slot of the token holding its place, or its status. */
  function fate(records: Records, input = reassign, options = standard): string {
    const { decision } = decideOver(closeSlots, options, records, input, at(7));
    const patient = records.tokens[0]!.patient;
    const mine = [...written(decision.changes).values()].find((t) => t.patient === patient && t.status !== 'CANCELLED');
    return mine?.slotId ?? mine?.status ?? 'none';
  }

  it('goes to a colleague only when strictly sooner than the doctor’s own place after the leave', () => {
    expect(fate(team(11, [['d2', DAY, 10, 1, 0]]))).toBe(`d2-${DAY}-10`);
    // The result lists the call's events, the move included; the colleague's new token is written with the rest.
    const { decision } = decideOver(closeSlots, standard, team(11, [['d2', DAY, 10, 1, 0]]), reassign, at(7));
    expect(fates(decision.changes)).toEqual(['slot:closed', 'token:moved#1']);
    expect(decision.result).toEqual(decision.changes.events);
    expect(decision.changes.newTokens).toMatchObject([{ doctorId: 'd2', slotId: `d2-${DAY}-10` }]);
    expect(fate(team(11, [['d2', DAY, 11, 1, 0]]))).toBe(`d1-${DAY}-11`);
    expect(fate(team(null, [['d2', DAY, 11, 1, 0]]))).toBe(`d2-${DAY}-11`);
  });

  it('at a colleague’s, never earlier than the slot it leaves, and at its start at the earliest', () => {
    expect(fate(team(11, [['d2', DAY, 8, 1, 0]]))).toBe(`d1-${DAY}-11`);
    expect(
      fate(
        team(11, [
          ['d2', DAY, 9, 1, 0],
          ['d2', DAY, 10, 1, 0],
        ]),
      ),
    ).toBe(`d2-${DAY}-09`);
  });

  it('between colleagues: the soonest place, then the fewest places taken that day, then the lower id', () => {
    expect(
      fate(
        team(null, [
          ['d2', DAY, 11, 1, 0],
          ['d3', DAY, 10, 1, 0],
        ]),
      ),
    ).toBe(`d3-${DAY}-10`);
    expect(
      fate(
        team(null, [
          ['d2', DAY, 10, 3, 2],
          ['d3', DAY, 10, 3, 1],
        ]),
      ),
    ).toBe(`d3-${DAY}-10`);
    expect(
      fate(
        team(null, [
          ['d2', DAY, 10, 3, 1],
          ['d3', DAY, 10, 3, 2],
        ]),
      ),
    ).toBe(`d2-${DAY}-10`);
    expect(
      fate(
        team(null, [
          ['d2', DAY, 10, 3, 1],
          ['d3', DAY, 10, 3, 1],
        ]),
      ),
    ).toBe(`d2-${DAY}-10`);
    // Places taken count over the whole day, not only the slot.
    expect(
      fate(
        team(null, [
          ['d2', DAY, 10, 3, 0],
          ['d2', DAY, 12, 3, 2],
          ['d3', DAY, 10, 3, 1],
        ]),
      ),
    ).toBe(`d3-${DAY}-10`);
  });

  it('a place time opened at a colleague’s, or on a later day, goes to who waits there first', () => {
    // The colleague's 10:00 place (and the doctor's own on the next day) was reserved until 09:30;
    // at 09:40 a patient waiting there is promoted into it before the leave places anyone.
    const opened = new Set([Date.UTC(2026, 0, 30, 10), Date.UTC(2026, 0, 31, 10)]);
    const reserved = config({
      ...presets.waitlist(),
      quota: { name: 'until-0930', admits: (c) => !opened.has(c.slot.start.getTime()) || c.now.getTime() >= at(9, 30) },
    });
    const waiting = (doctorId: string, day: string): TokenRecord =>
      token(1, 'FOLLOW_UP', null, { id: `${doctorId}~${day}~1`, doctorId, day, requestedAt: at(7) });
    // The events of the doctor's own days in the order they happen; a colleague's after them.
    for (const [doctorId, day, input, order] of [
      ['d2', DAY, reassign, ['slot:closed', 'token:waitlisted#1', 'token:promoted#1']],
      ['d1', NEXT, leave({ horizonDays: 2 }), ['slot:closed', 'token:promoted#1', 'token:waitlisted#1']],
    ] as const) {
      const place = slotOf(doctorId, day, 10, 1);
      const records = team(null, []);
      const theirs: Records = { doctors: [cardio('d1'), cardio('d2')], slots: [...records.slots, place], tokens: [...records.tokens, waiting(doctorId, day)] };
      const { decision } = decideOver(closeSlots, reserved, theirs, input, at(9, 40));
      expect(places(decision.changes), `${doctorId} ${day}`).toEqual([`1@${place.id}`]);
      expect(fates(decision.changes)).toEqual(order);
      expect(decision.changes.newTokens).toEqual([]);
      // Without anyone waiting there, the displaced patient takes it.
      const alone = decideOver(closeSlots, reserved, { ...theirs, tokens: records.tokens }, input, at(9, 40)).decision;
      expect(places(alone.changes), `${doctorId} ${day}, nobody waiting`).toEqual([`1@${place.id}`]);
    }
  });

  it('on a colleague’s later day only when sooner than the doctor’s own later place', () => {
    const own = slotOf('d1', THIRD, 9, 1);
    const records = team(null, [['d2', NEXT, 9, 1, 0]]);
    expect(fate({ ...records, slots: [...records.slots, own] })).toBe(`d2-${NEXT}-09`);
    const ownNext = slotOf('d1', NEXT, 9, 1);
    expect(fate({ ...records, slots: [...records.slots, ownNext] })).toBe(ownNext.id);
  });

  it('with horizonDays 0, on a colleague’s later day the leave still covers, but not past the leave', () => {
    // The leave runs into the next day: a colleague's slot starting before it ends is within the days it looks at.
    const input = leave({ department: 'cardio', horizonDays: 0, to: Date.UTC(2026, 0, 31, 8, 30) });
    for (const category of ['EMERGENCY', 'ONLINE']) {
      expect(fate(team(null, [['d2', NEXT, 8, 1, 0]], category), input)).toBe(`d2-${NEXT}-08`);
      expect(fate(team(null, [['d2', NEXT, 9, 1, 0]], category), input)).toBe('WAITLISTED');
    }
  });

  it('reads no later day of a colleague once the doctor’s own place is sooner', () => {
    const records = team(11, [['d2', NEXT, 9, 1, 0]]);
    const { decision, requests } = decideOver(closeSlots, standard, records, reassign, at(7));
    expect(places(decision.changes)).toEqual([`1@d1-${DAY}-11`]);
    expect(requests).toHaveLength(2);
  });

  it('skips every colleague that day when the patient already holds a live token with one of them (the department’s duplicate rule), unless duplicates are allowed', () => {
    const records = team(null, [
      ['d2', DAY, 10, 2, 0],
      ['d3', DAY, 11, 1, 0],
    ]);
    const patient = records.tokens[0]!.patient;
    const twin = tokenIn(slotOf('d2', DAY, 10, 2), 1, 'WALK_IN', { patient });
    const withTwin = { ...records, tokens: [...records.tokens, twin] };
    // A place with d3 would give the patient a second live token in the department that day.
    expect(fate(withTwin)).toBe('WAITLISTED');
    expect(fate(records)).toBe(`d2-${DAY}-10`);
    expect(fate(withTwin, reassign, config({ ...presets.standard(), allowDuplicateBookings: true }))).toBe(`d2-${DAY}-10`);
  });

  it('an emergency takes a colleague’s elastic place when sooner, but bumps nobody there', () => {
    const records = team(11, [['d2', DAY, 10, 1, 1]], 'EMERGENCY');
    const elastic = { ...records, slots: records.slots.map((s) => (s.doctorId === 'd2' ? { ...s, overflowCapacity: 1 } : s)) };
    expect(fate(elastic)).toBe(`d2-${DAY}-10`);
    expect(fate(records)).toBe(`d1-${DAY}-11`);
  });

  it('an emergency’s own elastic place after the leave counts as its place: a colleague at the same hour is not sooner', () => {
    const records = team(11, [['d2', DAY, 11, 1, 0]], 'EMERGENCY');
    const eleven = slotOf('d1', DAY, 11, 1);
    const full: Records = { ...records, tokens: [...records.tokens, tokenIn(eleven, 2, 'ONLINE')] };
    const elastic: Records = { ...full, slots: full.slots.map((s) => (s.id === eleven.id ? { ...s, overflowCapacity: 1 } : s)) };
    expect(fate(elastic)).toBe(eleven.id);
    // Without the elastic place, the doctor's own slot is full: the colleague's place is the soonest.
    expect(fate(full)).toBe(`d2-${DAY}-11`);
  });

  it('at the doctor’s and at a colleague’s, only places the quota admits the patient to, by its category', () => {
    // A quota refusing online bookings at 10:00 and every booking at the doctor's own 11:00.
    const quota = config({
      ...presets.standard(),
      quota: { name: 'some', admits: (c) => c.slot.id !== `d1-${DAY}-11` && (c.category !== 'ONLINE' || c.slot.start.getTime() !== at(10)) },
    });
    expect(fate(team(11, [['d2', DAY, 12, 1, 0]]), reassign, quota)).toBe(`d2-${DAY}-12`);
    expect(fate(team(11, [['d2', DAY, 12, 1, 0]]))).toBe(`d1-${DAY}-11`);
    expect(
      fate(
        team(null, [
          ['d2', DAY, 10, 1, 0],
          ['d3', DAY, 11, 1, 0],
        ]),
        reassign,
        quota,
      ),
    ).toBe(`d3-${DAY}-11`);
    expect(
      fate(
        team(
          null,
          [
            ['d2', DAY, 10, 1, 0],
            ['d3', DAY, 11, 1, 0],
          ],
          'WALK_IN',
        ),
        reassign,
        quota,
      ),
    ).toBe(`d2-${DAY}-10`);
  });

  it('reads no later day of the doctor’s own once the patient has a place on its day after the leave', () => {
    const records = team(11, [['d2', DAY, 8, 1, 0]]);
    const { decision, requests } = decideOver(closeSlots, standard, { ...records, slots: [...records.slots, slotOf('d1', NEXT, 9, 1)] }, reassign, at(7));
    expect(requests).toHaveLength(2);
    expect(places(decision.changes)).toEqual([`1@d1-${DAY}-11`]);
  });

  it('between colleagues’ later days too: the soonest place, then the fewest places taken that day', () => {
    expect(
      fate(
        team(null, [
          ['d2', NEXT, 9, 3, 2],
          ['d3', NEXT, 9, 3, 1],
        ]),
      ),
    ).toBe(`d3-${NEXT}-09`);
    expect(
      fate(
        team(null, [
          ['d2', NEXT, 9, 3, 1],
          ['d3', NEXT, 9, 3, 2],
        ]),
      ),
    ).toBe(`d2-${NEXT}-09`);
    expect(
      fate(
        team(null, [
          ['d2', NEXT, 11, 3, 0],
          ['d3', NEXT, 9, 3, 2],
        ]),
      ),
    ).toBe(`d3-${NEXT}-09`);
  });

  it('reads no later day of a colleague whose only room is in a slot that has ended by the clock', () => {
    // At NEXT 01:00 the doctor's 22:00 slot of DAY still runs (to 02:00); the colleague's slot of NEXT 00:00 ends at the clock.
    const night = slotOf('d1', DAY, 22, 1, { end: Date.UTC(2026, 0, 31, 2) });
    const records: Records = {
      doctors: [cardio('d1'), cardio('d2')],
      slots: [night, slotOf('d2', NEXT, 0, 1), slotOf('d2', THIRD, 9, 1)],
      tokens: [tokenIn(night, 1, 'ONLINE')],
    };
    const input = leave({ department: 'cardio', horizonDays: 2, from: at(22), to: Date.UTC(2026, 0, 31, 2) });
    const { decision, requests } = decideOver(closeSlots, standard, records, input, Date.UTC(2026, 0, 31, 1));
    expect(requests.map((r) => r.others?.map((o) => o.days))).toEqual([undefined, [[DAY]], [[DAY, THIRD]]]);
    expect(decision.changes.newTokens).toMatchObject([{ doctorId: 'd2', slotId: `d2-${THIRD}-09` }]);
  });

  it('reads no later day of a colleague whose first place starts even a moment after the doctor’s own later place', () => {
    const nine = slotOf('d1', DAY, 9, 1);
    const patient = tokenIn(nine, 1, 'ONLINE');
    const theirNext = slotOf('d2', NEXT, 9, 2);
    const theirThird = slotOf('d2', THIRD, 9, 1, { start: Date.UTC(2026, 1, 1, 9) + 1 });
    const records: Records = {
      doctors: [cardio('d1'), cardio('d2')],
      slots: [nine, slotOf('d1', THIRD, 9, 1), theirNext, theirThird],
      tokens: [patient, tokenIn(theirNext, 1, 'WALK_IN', { patient: patient.patient })],
    };
    // The patient already holds a token with d2 on NEXT; the doctor's own place is THIRD 09:00, d2's a millisecond later.
    const { decision, requests } = decideOver(closeSlots, standard, records, leave({ department: 'cardio', horizonDays: 3 }), at(7));
    // d2's NEXT is read of the doctor too, THIRD of d2 too: the duplicate rule looks at every doctor's day.
    expect(requests.map((r) => r.days)).toEqual([undefined, [DAY], [DAY, NEXT, THIRD]]);
    expect(requests.map((r) => r.others?.map((o) => o.days))).toEqual([undefined, [[DAY]], [[DAY, NEXT, THIRD]]]);
    expect(places(decision.changes)).toEqual([`1@d1-${THIRD}-09`]);
  });
});

describe('closeSlots: one place per patient in the department on a later day', () => {
  /**
   * d1 on leave 08:00–10:00 with one online patient at 09:00 and no place left that day; the
   * patient already holds a live token with d2 at NEXT 10:00. d1 has a free place at NEXT 09:00
   * and at THIRD 09:00, d3 one at NEXT 11:00 (when `withD3`).
   */
  function twinNext(withD3: boolean): Records {
    const nine = slotOf('d1', DAY, 9, 1);
    const patient = tokenIn(nine, 1, 'ONLINE');
    const theirs = slotOf('d2', NEXT, 10, 2);
    return {
      doctors: [cardio('d1'), cardio('d2'), ...(withD3 ? [cardio('d3')] : [])],
      slots: [nine, slotOf('d1', NEXT, 9, 1), slotOf('d1', THIRD, 9, 1), theirs, ...(withD3 ? [slotOf('d3', NEXT, 11, 1)] : [])],
      tokens: [patient, tokenIn(theirs, 1, 'WALK_IN', { patient: patient.patient })],
    };
  }
  /** Where the displaced patient ends: the slot of its new place, or its status. */
  function fate(records: Records, input: CloseSlotsInput, options = standard): string {
    const { decision } = decideOver(closeSlots, options, records, input, at(7));
    const mine = [...written(decision.changes).values()].find((t) => t.patient === records.tokens[0]!.patient && t.status !== 'CANCELLED');
    return mine?.slotId ?? mine?.status ?? 'none';
  }
  const reassign = leave({ department: 'cardio', horizonDays: 2 });

  it('with reassign, skips the doctor’s own later day where the patient holds a token with a colleague (as a department booking refuses it)', () => {
    expect(fate(twinNext(false), reassign)).toBe(`d1-${THIRD}-09`);
    // Every doctor's NEXT is read: the duplicate rule looks at each of them.
    const { requests } = decideOver(closeSlots, standard, twinNext(false), reassign, at(7));
    expect(requests.at(-1)!.others?.map((o) => [o.doctorId, o.days])).toEqual([['d2', [DAY, NEXT, THIRD]]]);
  });

  it('with reassign, skips another colleague’s later day where the patient holds a token with a colleague', () => {
    const records = twinNext(true);
    const noOwnNext: Records = { ...records, slots: records.slots.filter((s) => s.id !== `d1-${NEXT}-09`) };
    expect(fate(noOwnNext, reassign)).toBe(`d1-${THIRD}-09`);
  });

  it('under department-day, the same; under allowDuplicateBookings, the place is taken', () => {
    const departmentDay = config({ ...presets.standard(), duplicates: { scope: 'department-day' } });
    expect(fate(twinNext(false), reassign, departmentDay)).toBe(`d1-${THIRD}-09`);
    expect(fate(twinNext(false), reassign, config({ ...presets.standard(), allowDuplicateBookings: true }))).toBe(`d1-${NEXT}-09`);
  });

  it('an exception of a wider scope lets the place through, as it lets a booking through', () => {
    const excepted = config({ ...presets.standard(), duplicates: { scope: 'department-day', exceptions: [{ category: 'ONLINE' }] } });
    expect(fate(twinNext(false), reassign, excepted)).toBe(`d1-${NEXT}-09`);
  });

  it('without reassign, the doctor-day rule: a token with a colleague does not count against a place with the doctor', () => {
    expect(fate(twinNext(false), leave({ horizonDays: 2 }))).toBe(`d1-${NEXT}-09`);
  });

  it('without reassign, under department-day, reads the department’s days and skips the day (nobody moves to a colleague)', () => {
    const departmentDay = config({ ...presets.standard(), duplicates: { scope: 'department-day' } });
    const input = leave({ horizonDays: 2, within: 'cardio' });
    expect(fate(twinNext(true), input, departmentDay)).toBe(`d1-${THIRD}-09`);
    const { decision, requests } = decideOver(closeSlots, departmentDay, twinNext(true), input, at(7));
    expect(requests[0]!.department).toEqual({ name: 'cardio', each: {} });
    expect(decision.changes.newTokens.map((t) => t.doctorId)).toEqual(['d1']);
    // A department the doctor is no longer in: tried again.
    const moved: Records = { ...twinNext(true), doctors: [doctor(), cardio('d2'), cardio('d3')] };
    expect(refusal(() => decideOver(closeSlots, departmentDay, moved, input, at(7)))).toMatchObject({ code: 'CONFLICT' });
  });
});

describe('closeSlots: emergencies left waiting', () => {
  it('a leave over two days reports each emergency it leaves waiting once, on its own day', () => {
    const first = slotOf('d1', DAY, 9, 1);
    const second = slotOf('d1', NEXT, 9, 1);
    const records: Records = { doctors: [doctor()], slots: [first, second], tokens: [tokenIn(first, 1, 'EMERGENCY'), tokenIn(second, 1, 'EMERGENCY')] };
    const { decision } = decideOver(closeSlots, standard, records, leave({ to: Date.UTC(2026, 0, 31, 10) }), at(7));
    const unplaced = decision.changes.events.filter((e) => e.type === 'emergency:unplaced').map((e) => [e.tokenId, e.day]);
    expect(unplaced).toEqual([
      [tokenIn(first, 1, 'EMERGENCY').id, DAY],
      [tokenIn(second, 1, 'EMERGENCY').id, NEXT],
    ]);
  });
});
