/**
 * The move command on snapshots built by hand: what it asks the adapter to read, and what it
 * decides, with no storage.
 */
import { presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { moveCommand, type MoveCommand } from '../../src/core/commands/move.js';
import { emptyDayRecord, tokenIdOf } from '../../src/model/records.js';
import type { DoctorSnapshot } from '../../src/model/snapshot.js';
import { at, committed, config, DAY, fates, refusal, slot, snapshot, token, written } from './builders.js';

const standard = config();
const move = moveCommand(standard);
const NEXT = '2026-01-31';

function command(extra: Partial<MoveCommand> = {}): MoveCommand {
  return { tokenId: token(1, 'ONLINE', 'd1-09').id, slotId: undefined, doctorId: 'd1', date: undefined, after: undefined, reason: null, ...extra };
}

describe('move: what it reads', () => {
  it('a slot asked for is read with the token, and no day of its own', () => {
    const request = move.load(command({ slotId: 'd1-10' }), at(7));
    expect(request).toStrictEqual({ tokenId: command().tokenId, slotId: 'd1-10', days: undefined });
  });

  it('without a slot, reads the day asked for, else the day of `after`, else the token’s own day', () => {
    expect(move.load(command({ date: NEXT }), at(7))).toStrictEqual({ tokenId: command().tokenId, slotId: undefined, days: [NEXT] });
    expect(move.load(command({ after: Date.UTC(2026, 0, 31, 9) }), at(7))).toStrictEqual({ tokenId: command().tokenId, slotId: undefined, days: [NEXT] });
    expect(move.load(command({ date: DAY, after: Date.UTC(2026, 0, 31, 9) }), at(7))).toStrictEqual({
      tokenId: command().tokenId,
      slotId: undefined,
      days: [DAY],
    });
    expect(move.load(command(), at(7))).toStrictEqual({ tokenId: command().tokenId, slotId: undefined, days: [DAY] });
  });

  it('another doctor is read as a second doctor of the same unit, with the slot or day asked for', () => {
    expect(move.load(command({ doctorId: 'd2', date: NEXT }), at(7))).toStrictEqual({
      tokenId: command().tokenId,
      others: [{ slotId: undefined, days: [NEXT], doctorId: 'd2' }],
    });
    expect(move.load(command({ doctorId: 'd2', slotId: 'd2-09' }), at(7))).toStrictEqual({
      tokenId: command().tokenId,
      others: [{ slotId: 'd2-09', days: undefined, doctorId: 'd2' }],
    });
  });

  it('a token id that names no doctor-day reads the token alone (it will not be found)', () => {
    expect(move.load(command({ tokenId: 'nonsense', doctorId: 'd2' }), at(7))).toStrictEqual({ tokenId: 'nonsense', slotId: undefined, days: undefined });
  });
});

/** {@link snapshot} with a second day, NEXT, holding one empty slot `d1-09-next` of `capacity`. */
function withNextDay(base: DoctorSnapshot, capacity = 2): DoctorSnapshot {
  const start = Date.UTC(2026, 0, 31, 9);
  const next = slot(9, capacity, { id: 'd1-09-next', day: NEXT, start, end: start + 3_600_000 });
  return { ...base, days: new Map([...base.days, [NEXT, { record: emptyDayRecord('d1', NEXT), slots: [{ slot: next, places: [] }], waitlist: [] }]]) };
}

describe('move: what it writes', () => {
  it('to another day: a new token, booked now in the new place with a fresh start; the old one cancelled as moved', () => {
    const old = token(1, 'WALK_IN', 'd1-09', { bumpCount: 1, idempotencyKey: 'k1', notBefore: at(9) });
    const s = withNextDay(snapshot([slot(9, 2)], [old], { tokenId: old.id }));
    const { changes, result } = committed(move.decide(standard, s, command({ tokenId: old.id, date: NEXT, reason: 'asked' }), at(8)));
    const id = tokenIdOf('d1', NEXT, 1);
    expect(written(changes).get(old.id)).toMatchObject({ status: 'CANCELLED', slotId: null, waitingForSlotId: null, cancelReason: 'moved' });
    expect(written(changes).get(id)).toMatchObject({
      day: NEXT,
      slotId: 'd1-09-next',
      waitingForSlotId: null,
      status: 'BOOKED',
      tokenNumber: 1,
      rank: old.rank,
      bumpCount: 0,
      placedAt: at(8),
      requestedAt: old.requestedAt,
      notBefore: Date.UTC(2026, 0, 31, 9),
      idempotencyKey: null,
      cancelReason: null,
      updatedAt: at(8),
      holdExpiresAt: null,
      label: '1',
      patient: old.patient,
    });
    expect(changes.newTokens.map((t) => t.id)).toEqual([id]);
    expect(changes.days.find((d) => d.day === NEXT)).toMatchObject({ lastTokenNumber: 1 });
    expect(fates(changes)).toEqual(['token:moved#1']);
    expect(changes.events[0]).toMatchObject({ tokenId: id, fromTokenId: old.id, fromDay: DAY, toSlotId: 'd1-09-next', reason: 'asked' });
    expect(result).toMatchObject({ token: { id, slotId: 'd1-09-next' }, fromTokenId: old.id, effects: [] });
  });

  it('to another day, a token numbered by category takes the next label of its series there', () => {
    const byCategory = config({ ...presets.standard(), numbering: 'category' });
    const old = token(1, 'WALK_IN', 'd1-09');
    const s = withNextDay(snapshot([slot(9, 2)], [old], { tokenId: old.id }));
    const { changes } = committed(moveCommand(byCategory).decide(byCategory, s, command({ tokenId: old.id, date: NEXT }), at(8)));
    expect(written(changes).get(tokenIdOf('d1', NEXT, 1))?.label).toBe('W-1');
  });

  it('within the day: the same token, booked in the new place, no longer waiting, starting no earlier than the new slot', () => {
    const waiting = token(2, 'ONLINE', null, { waitingForSlotId: 'd1-09' });
    const s = snapshot([slot(9, 1), slot(10, 1)], [token(1, 'ONLINE', 'd1-09'), waiting], { tokenId: waiting.id, slotId: 'd1-10' });
    const { changes, result } = committed(move.decide(standard, s, command({ tokenId: waiting.id, slotId: 'd1-10' }), at(8)));
    expect(written(changes).get(waiting.id)).toMatchObject({
      status: 'BOOKED',
      slotId: 'd1-10',
      waitingForSlotId: null,
      notBefore: at(10),
      tokenNumber: 2,
      updatedAt: at(8),
    });
    expect(changes.newTokens).toEqual([]);
    expect(fates(changes)).toEqual(['token:moved#2']);
    expect(result.token).toMatchObject({ id: waiting.id, status: 'BOOKED', slotId: 'd1-10' });
  });
});

describe('move: what it refuses', () => {
  const booked = token(1, 'ONLINE', 'd1-09');

  it('a slot of another doctor than the one asked for is not found; one starting before `after` is refused, one starting at it is not', () => {
    const theirs = slot(10, 2, { id: 'd2-10', doctorId: 'd2' });
    const s = snapshot([slot(9, 2), theirs], [booked], { tokenId: booked.id, slotId: 'd2-10' });
    expect(refusal(() => move.decide(standard, s, command({ slotId: 'd2-10' }), at(8)))).toMatchObject({
      code: 'SLOT_NOT_FOUND',
      details: { field: 'to.slotId', doctorId: 'd1' },
    });
    const mine = snapshot([slot(9, 2), slot(10, 2)], [booked], { tokenId: booked.id, slotId: 'd1-10' });
    expect(refusal(() => move.decide(standard, mine, command({ slotId: 'd1-10', after: at(10) + 1 }), at(8)))).toMatchObject({
      details: { field: 'to.after' },
    });
    expect(committed(move.decide(standard, mine, command({ slotId: 'd1-10', after: at(10) }), at(8))).result.token.slotId).toBe('d1-10');
  });

  it('a token read without its doctor is not found', () => {
    const s = snapshot([slot(9, 2), slot(10, 2)], [booked], { tokenId: booked.id });
    expect(refusal(() => move.decide(standard, { ...s, doctor: undefined }, command(), at(8))).code).toBe('TOKEN_NOT_FOUND');
  });

  it('an emergency moves into a place the quota keeps for another channel: it is never subject to a quota', () => {
    const quota = config({ ...presets.standard(), quota: { name: 'nobody', admits: () => false } });
    const emergency = token(1, 'EMERGENCY', 'd1-09');
    const s = snapshot([slot(9, 2), slot(10, 2)], [emergency], { tokenId: emergency.id });
    expect(committed(moveCommand(quota).decide(quota, s, command({ tokenId: emergency.id }), at(8))).result.token.slotId).toBe('d1-10');
    const online = snapshot([slot(9, 2), slot(10, 2)], [booked], { tokenId: booked.id });
    expect(refusal(() => moveCommand(quota).decide(quota, online, command(), at(8))).code).toBe('SLOT_FULL');
  });

  it('to another day, the patient may hold a second live token there only when duplicates are allowed', () => {
    const elsewhere = token(2, 'ONLINE', 'd1-09-next', { day: NEXT, patient: booked.patient, id: tokenIdOf('d1', NEXT, 1), tokenNumber: 1 });
    const base = withNextDay(snapshot([slot(9, 2)], [booked], { tokenId: booked.id }));
    const next = base.days.get(NEXT)!;
    const s: DoctorSnapshot = {
      ...base,
      days: new Map([
        ...base.days,
        [NEXT, { ...next, record: { ...next.record, lastTokenNumber: 1 }, slots: [{ slot: next.slots[0]!.slot, places: [elsewhere] }] }],
      ]),
    };
    const duplicate = refusal(() => move.decide(standard, s, command({ date: NEXT }), at(8)));
    expect(duplicate).toMatchObject({ code: 'DUPLICATE_BOOKING', details: { field: 'patient.id', tokenId: elsewhere.id, doctorId: 'd1', day: NEXT } });
    expect((duplicate as unknown as Error).message).toContain(elsewhere.id);
    const lenient = config({ ...presets.standard(), allowDuplicateBookings: true });
    expect(committed(moveCommand(lenient).decide(lenient, s, command({ date: NEXT }), at(8))).result.token.tokenNumber).toBe(2);
  });
});

describe('move: where it looks and what its refusals say', () => {
  const booked = token(1, 'ONLINE', 'd1-11');

  it('a search from `after` skips earlier slots, even free ones', () => {
    const s = snapshot([slot(9, 2), slot(10, 2), slot(11, 2)], [booked], { tokenId: booked.id });
    expect(committed(move.decide(standard, s, command({ after: at(10) }), at(8))).result.token.slotId).toBe('d1-10');
    expect(committed(move.decide(standard, s, command(), at(8))).result.token.slotId).toBe('d1-09');
  });

  it('another doctor that was not read is not found, naming the field', () => {
    const s = snapshot([slot(9, 2), slot(11, 2)], [booked], { tokenId: booked.id });
    for (const others of [undefined, new Map()]) {
      const error = refusal(() => move.decide(standard, { ...s, others }, command({ doctorId: 'd2' }), at(8)));
      expect(error).toMatchObject({ code: 'DOCTOR_NOT_FOUND', details: { field: 'to.doctorId', doctorId: 'd2' } });
      expect((error as unknown as Error).message).toContain('d2');
    }
  });

  it('refusals name the field and the slot or token concerned', () => {
    const s = snapshot([slot(9, 2), slot(11, 2)], [booked], { tokenId: booked.id, slotId: 'd1-11' });
    const same = refusal(() => move.decide(standard, s, command({ slotId: 'd1-11' }), at(8)));
    expect(same).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'to', tokenId: booked.id, slotId: 'd1-11' } });
    expect((same as unknown as Error).message).toContain('d1-11');
    const missing = refusal(() => move.decide(standard, s, command({ slotId: 'd1-12' }), at(8)));
    expect(missing).toMatchObject({ code: 'SLOT_NOT_FOUND', details: { field: 'to.slotId', slotId: 'd1-12' } });
    expect((missing as unknown as Error).message).toContain('`d1-12`');
    expect(refusal(() => move.decide(standard, s, command({ slotId: 'd1-11', date: NEXT }), at(8))).details).toMatchObject({
      field: 'to.date',
      slotId: 'd1-11',
    });
    expect(refusal(() => move.decide(standard, s, command({ slotId: 'd1-11', after: at(12) }), at(8))).details).toMatchObject({
      field: 'to.after',
      slotId: 'd1-11',
    });
    const past = refusal(() => move.decide(standard, s, command({ date: '2026-01-29' }), at(8)));
    expect((past as unknown as Error).message).toContain('2026-01-29');
  });

  it('a patient without an id is never taken for another patient without one', () => {
    const anonymous = token(1, 'ONLINE', 'd1-09', { patient: Object.freeze({ name: 'Anonymous' }) });
    const other = token(2, 'ONLINE', 'd1-09-next', { day: NEXT, patient: Object.freeze({ name: 'Someone' }), id: tokenIdOf('d1', NEXT, 1), tokenNumber: 1 });
    const base = withNextDay(snapshot([slot(9, 2)], [anonymous], { tokenId: anonymous.id }));
    const next = base.days.get(NEXT)!;
    const s: DoctorSnapshot = {
      ...base,
      days: new Map([
        ...base.days,
        [NEXT, { ...next, record: { ...next.record, lastTokenNumber: 1 }, slots: [{ slot: next.slots[0]!.slot, places: [other] }] }],
      ]),
    };
    expect(committed(move.decide(standard, s, command({ tokenId: anonymous.id, date: NEXT }), at(8))).result.token.tokenNumber).toBe(2);
  });
});
