/**
 * The live queue on snapshots built by hand: calling the next patient, and bringing a token back
 * under the late-arrival rule, with no storage.
 */
import { presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { callNext, recall, reinstate } from '../../src/core/commands/queue.js';
import { at, committed, config, DAY, fates, refusal, slot, snapshot, token, written } from './builders.js';

const standard = config();

describe('callNext', () => {
  it('reads the doctor-day asked for, and calls the best checked-in place of the earliest slot that has one', () => {
    expect(callNext.load({ doctorId: 'd1', day: DAY, room: null }, at(8))).toStrictEqual({ doctorId: 'd1', days: [DAY] });
    const s = snapshot(
      [slot(9, 3), slot(10, 3)],
      [
        token(1, 'ONLINE', 'd1-09'),
        token(2, 'WALK_IN', 'd1-09', { status: 'CHECKED_IN' }),
        token(3, 'ONLINE', 'd1-09', { status: 'CHECKED_IN' }),
        token(4, 'EMERGENCY', 'd1-10', { status: 'CHECKED_IN' }),
      ],
    );
    const { changes, result } = committed(callNext.decide(standard, s, { doctorId: 'd1', day: DAY, room: 'R1' }, at(9)));
    expect(result.token?.tokenNumber).toBe(3);
    expect(fates(changes)).toEqual(['token:called#3']);
    expect(changes.events[0]).toMatchObject({ slotId: 'd1-09', room: 'R1', recall: false });
    expect(changes.updatedTokens).toEqual([]);
  });
});

describe('reinstate', () => {
  const today = at(9, 30);

  it('a hold that expired is not brought back, like one released', () => {
    const expired = token(1, 'ONLINE', null, { status: 'CANCELLED', cancelReason: 'hold-expired' });
    const s = snapshot([slot(9, 3)], [expired], { tokenId: expired.id });
    expect(refusal(() => reinstate.decide(standard, s, { tokenId: expired.id, lateArrival: 'rebook' }, today))).toMatchObject({
      code: 'INVALID_TRANSITION',
      details: { cancelReason: 'hold-expired', action: 'reinstate' },
    });
  });

  it('comes back as a request made now: no start, no place, no hold, no reason left of before', () => {
    // The day is full: the token waits (standard preset), so nothing of its old place is kept.
    const gone = token(1, 'ONLINE', null, { status: 'CANCELLED', cancelReason: 'by mistake', notBefore: at(9), placedAt: at(7), holdExpiresAt: at(7, 10), waitingForSlotId: 'd1-09' });
    const s = snapshot([slot(9, 1)], [gone, token(2, 'ONLINE', 'd1-09')], { tokenId: gone.id });
    const { changes } = committed(reinstate.decide(standard, s, { tokenId: gone.id, lateArrival: 'rebook' }, today));
    expect(written(changes).get(gone.id)).toMatchObject({
      status: 'WAITLISTED',
      slotId: null,
      requestedAt: today,
      notBefore: null,
      placedAt: null,
      holdExpiresAt: null,
      cancelReason: null,
      updatedAt: today,
      tokenNumber: 1,
      label: '1',
    });
    expect(fates(changes)[0]).toBe('token:reinstated#1');
  });

  it("'queue-end' takes the slot running now, not an earlier one that has ended nor a later one", () => {
    const noShow = token(1, 'ONLINE', 'd1-08', { status: 'NO_SHOW' });
    const s = snapshot([slot(8, 3), slot(9, 3), slot(10, 3)], [noShow], { tokenId: noShow.id });
    const { result } = committed(reinstate.decide(standard, s, { tokenId: noShow.id, lateArrival: 'queue-end' }, today));
    expect(result.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
  });

  it('the patient may hold another live token that day only when duplicates are allowed', () => {
    const noShow = token(1, 'ONLINE', 'd1-09', { status: 'NO_SHOW' });
    const twin = token(2, 'WALK_IN', 'd1-10', { patient: noShow.patient });
    const s = snapshot([slot(9, 3), slot(10, 3)], [noShow, twin], { tokenId: noShow.id });
    expect(refusal(() => reinstate.decide(standard, s, { tokenId: noShow.id, lateArrival: 'rebook' }, today)).code).toBe('DUPLICATE_BOOKING');
    const lenient = config({ ...presets.standard(), allowDuplicateBookings: true });
    expect(committed(reinstate.decide(lenient, s, { tokenId: noShow.id, lateArrival: 'rebook' }, today)).result.token.status).toBe('BOOKED');
  });
});

describe('recall', () => {
  it('refuses a token that is not checked in, naming the token, its status and the action', () => {
    const booked = token(1, 'ONLINE', 'd1-09');
    const s = snapshot([slot(9, 3)], [booked], { tokenId: booked.id });
    const error = refusal(() => recall.decide(standard, s, { tokenId: booked.id, room: null }, at(9)));
    expect(error).toMatchObject({ code: 'INVALID_TRANSITION', details: { field: 'tokenId', tokenId: booked.id, status: 'BOOKED', action: 'recall' } });
    expect((error as unknown as Error).message).toBe(`Cannot recall token \`${booked.id}\`: it is BOOKED`);
  });
});

describe('reinstate: what it names and the rank it gives', () => {
  it('a patient holding another live token that day is refused naming that token, its doctor and the day', () => {
    const noShow = token(1, 'ONLINE', 'd1-09', { status: 'NO_SHOW' });
    const twin = token(2, 'WALK_IN', 'd1-10', { patient: noShow.patient });
    const s = snapshot([slot(9, 3), slot(10, 3)], [noShow, twin], { tokenId: noShow.id });
    const error = refusal(() => reinstate.decide(standard, s, { tokenId: noShow.id, lateArrival: 'rebook' }, at(9, 30)));
    expect(error).toMatchObject({ code: 'DUPLICATE_BOOKING', details: { field: 'tokenId', tokenId: twin.id, doctorId: 'd1', day: DAY } });
    expect((error as unknown as Error).message).toBe(`The patient already holds live token \`${twin.id}\` with this doctor on ${DAY}`);
  });

  it('ranks the token again as a request made now, not with the rank it had', () => {
    const noShow = token(1, 'ONLINE', 'd1-09', { status: 'NO_SHOW', rank: 42 });
    const s = snapshot([slot(9, 3)], [noShow], { tokenId: noShow.id });
    const { changes } = committed(reinstate.decide(standard, s, { tokenId: noShow.id, lateArrival: 'rebook' }, at(9, 30)));
    expect(written(changes).get(noShow.id)?.rank).toBe(token(2, 'ONLINE', null).rank);
  });
});
