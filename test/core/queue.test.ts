/**
 * The live queue on snapshots built by hand: calling the next patient, and bringing a token back
 * under the late-arrival rule, with no storage.
 */
import { type OverflowStrategy, presets, RuleOverflow } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { callNext, recall, reinstate } from '../../src/core/commands/queue.js';
import { at, committed, config, DAY, fates, refusal, slot, snapshot, token, written } from './builders.js';

const standard = config();

describe('callNext', () => {
  it('reads the doctor-day asked for, and calls an emergency checked in first, from any slot; else the best checked-in place of the earliest slot that has one', () => {
    expect(callNext.load({ doctorId: 'd1', day: DAY, dayBefore: null, room: null }, at(8))).toStrictEqual({ doctorId: 'd1', days: [DAY] });
    expect(callNext.load({ doctorId: 'd1', day: DAY, dayBefore: '2026-01-29', room: null }, at(8))).toStrictEqual({
      doctorId: 'd1',
      days: ['2026-01-29', DAY],
    });
    const s = snapshot(
      [slot(9, 3), slot(10, 3)],
      [
        token(1, 'ONLINE', 'd1-09'),
        token(2, 'WALK_IN', 'd1-09', { status: 'CHECKED_IN' }),
        token(3, 'ONLINE', 'd1-09', { status: 'CHECKED_IN' }),
        token(4, 'EMERGENCY', 'd1-10', { status: 'CHECKED_IN' }),
      ],
    );
    const { changes, result } = committed(callNext.decide(standard, s, { doctorId: 'd1', day: DAY, dayBefore: null, room: 'R1' }, at(9)));
    expect(result.token?.tokenNumber).toBe(4);
    expect(fates(changes)).toEqual(['token:called#4']);
    expect(changes.events[0]).toMatchObject({ slotId: 'd1-10', room: 'R1', recall: false });
    expect(changes.updatedTokens).toEqual([]);
    const withoutEmergency = snapshot(
      [slot(9, 3), slot(10, 3)],
      [
        token(1, 'ONLINE', 'd1-09'),
        token(2, 'WALK_IN', 'd1-09', { status: 'CHECKED_IN' }),
        token(3, 'ONLINE', 'd1-09', { status: 'CHECKED_IN' }),
        token(4, 'PAID', 'd1-10', { status: 'CHECKED_IN' }),
      ],
    );
    const next = committed(callNext.decide(standard, withoutEmergency, { doctorId: 'd1', day: DAY, dayBefore: null, room: 'R1' }, at(9)));
    expect(next.result.token?.tokenNumber).toBe(3);
    expect(next.changes.events[0]).toMatchObject({ slotId: 'd1-09' });
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
    const gone = token(1, 'ONLINE', null, {
      status: 'CANCELLED',
      cancelReason: 'by mistake',
      notBefore: at(9),
      placedAt: at(7),
      holdExpiresAt: at(7, 10),
      waitingForSlotId: 'd1-09',
    });
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
    const { changes, result } = committed(reinstate.decide(standard, s, { tokenId: noShow.id, lateArrival: 'queue-end' }, today));
    expect(result.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
    // A free place, not an elastic one.
    expect(changes.events.filter((e) => e.type === 'token:booked')).toEqual([
      expect.objectContaining({ tokenId: noShow.id, slotId: 'd1-09', overflow: false }),
    ]);
  });

  it('an emergency brought back into a full day gets a place by the emergency rule, bumping the worst place there', () => {
    const noShow = token(1, 'EMERGENCY', 'd1-09', { status: 'NO_SHOW' });
    const online = token(2, 'ONLINE', 'd1-09');
    const walkIn = token(3, 'WALK_IN', 'd1-09');
    const later = token(4, 'ONLINE', 'd1-10');
    const s = snapshot([slot(9, 2), slot(10, 1)], [noShow, online, walkIn, later], { tokenId: noShow.id });
    const { changes, result } = committed(reinstate.decide(standard, s, { tokenId: noShow.id, lateArrival: 'rebook' }, today));
    expect(result.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
    const after = written(changes);
    expect(after.get(walkIn.id)).toMatchObject({ status: 'WAITLISTED', slotId: null, bumpCount: 1 });
    expect(after.has(online.id)).toBe(false);
    expect(fates(changes)).toEqual(['token:reinstated#1', 'token:booked#1', 'token:bumped#3', 'token:waitlisted#3']);
    expect(result.effects.map((e) => e.type)).toEqual(expect.arrayContaining(['token:bumped', 'token:waitlisted']));
    expect(changes.events[2]).toMatchObject({ fromSlotId: 'd1-09', byTokenId: noShow.id });
    expect(changes.events[3]).toMatchObject({ fromSlotId: 'd1-09', reason: 'bumped' });
    expect(changes.days).toMatchObject([{ bumps: 1 }]);
  });

  it('an emergency brought back takes a free place without bumping, and waits when every place is an emergency’s', () => {
    const noShow = token(1, 'EMERGENCY', 'd1-09', { status: 'NO_SHOW' });
    const free = snapshot([slot(9, 2)], [noShow, token(2, 'ONLINE', 'd1-09')], { tokenId: noShow.id });
    const placed = committed(reinstate.decide(standard, free, { tokenId: noShow.id, lateArrival: 'rebook' }, today));
    expect(fates(placed.changes)).toEqual(['token:reinstated#1', 'token:booked#1']);
    const full = snapshot([slot(9, 1)], [noShow, token(2, 'EMERGENCY', 'd1-09')], { tokenId: noShow.id });
    const waiting = committed(reinstate.decide(standard, full, { tokenId: noShow.id, lateArrival: 'rebook' }, today));
    expect(waiting.result.token.status).toBe('WAITLISTED');
    expect(fates(waiting.changes)).toEqual(['token:reinstated#1', 'token:waitlisted#1', 'emergency:unplaced#1']);
    expect(waiting.changes.events[1]).toMatchObject({ reason: 'full', fromSlotId: null });
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

describe('the live queue: what the mutation run of queue.ts left unchecked', () => {
  const today = at(9, 30);

  it('callNext calls the best checked-in place even when a worse one is listed after it', () => {
    const s = snapshot([slot(9, 3)], [token(1, 'ONLINE', 'd1-09', { status: 'CHECKED_IN' }), token(2, 'WALK_IN', 'd1-09', { status: 'CHECKED_IN' })]);
    expect(committed(callNext.decide(standard, s, { doctorId: 'd1', day: DAY, dayBefore: null, room: null }, at(9))).result.token?.tokenNumber).toBe(1);
  });

  it('recall calls the patient again to the room, from the slot the place is in, changing no status', () => {
    const checkedIn = token(1, 'ONLINE', 'd1-09', { status: 'CHECKED_IN' });
    const s = snapshot([slot(9, 3)], [checkedIn], { tokenId: checkedIn.id });
    const { changes, result } = committed(recall.decide(standard, s, { tokenId: checkedIn.id, room: 'R2' }, at(9, 5)));
    expect(fates(changes)).toEqual(['token:called#1']);
    expect(changes.events[0]).toMatchObject({ slotId: 'd1-09', room: 'R2', recall: true });
    expect(changes.updatedTokens).toEqual([]);
    expect(result.token.status).toBe('CHECKED_IN');
  });

  it('recall and reinstate refuse a token the snapshot does not hold, and one whose doctor it does not hold', () => {
    const checkedIn = token(1, 'ONLINE', 'd1-09', { status: 'CHECKED_IN' });
    const noShow = token(2, 'ONLINE', 'd1-09', { status: 'NO_SHOW' });
    const missing = snapshot([slot(9, 3)], [checkedIn, noShow]);
    const noDoctor = (id: string): ReturnType<typeof snapshot> => ({ ...snapshot([slot(9, 3)], [checkedIn, noShow], { tokenId: id }), doctor: undefined });
    for (const s of [missing, noDoctor(checkedIn.id)]) {
      expect(refusal(() => recall.decide(standard, s, { tokenId: checkedIn.id, room: null }, at(9)))).toMatchObject({
        code: 'TOKEN_NOT_FOUND',
        details: { tokenId: checkedIn.id },
      });
    }
    for (const s of [missing, noDoctor(noShow.id)]) {
      expect(refusal(() => reinstate.decide(standard, s, { tokenId: noShow.id, lateArrival: 'rebook' }, today))).toMatchObject({
        code: 'TOKEN_NOT_FOUND',
        details: { tokenId: noShow.id },
      });
    }
  });

  it('reinstate says why it refuses: a live status, a hold that ended, another day', () => {
    const message = (t: ReturnType<typeof token>): string => {
      const s = snapshot([slot(9, 3)], [t], { tokenId: t.id });
      return (refusal(() => reinstate.decide(standard, s, { tokenId: t.id, lateArrival: 'rebook' }, today)) as unknown as Error).message;
    };
    const id = token(1, 'ONLINE', null).id;
    expect(message(token(1, 'ONLINE', 'd1-09'))).toBe(`Cannot reinstate token \`${id}\`: it is BOOKED`);
    expect(message(token(1, 'ONLINE', null, { status: 'CANCELLED', cancelReason: 'hold-released' }))).toBe(
      `Cannot reinstate token \`${id}\`: it was a hold that ended`,
    );
    expect(message(token(1, 'ONLINE', 'd1-09', { status: 'NO_SHOW', day: '2026-01-29' }))).toBe(
      `Cannot reinstate token \`${id}\`: it is for 2026-01-29, not today (${DAY})`,
    );
  });

  it('a patient without an id is never taken for another patient without one', () => {
    const noShow = token(1, 'ONLINE', 'd1-09', { status: 'NO_SHOW', patient: Object.freeze({ name: 'Anonymous' }) });
    const other = token(2, 'WALK_IN', 'd1-09', { patient: Object.freeze({ name: 'Anonymous' }) });
    const s = snapshot([slot(9, 3)], [noShow, other], { tokenId: noShow.id });
    expect(committed(reinstate.decide(standard, s, { tokenId: noShow.id, lateArrival: 'rebook' }, today)).result.token.status).toBe('BOOKED');
  });

  it("'queue-end' after every slot of the day has ended waits: it never takes a place in an ended slot", () => {
    const noShow = token(1, 'ONLINE', 'd1-08', { status: 'NO_SHOW' });
    const s = snapshot([slot(8, 3), slot(9, 3)], [noShow], { tokenId: noShow.id });
    expect(committed(reinstate.decide(standard, s, { tokenId: noShow.id, lateArrival: 'queue-end' }, at(10, 30))).result.token).toMatchObject({
      status: 'WAITLISTED',
      slotId: null,
    });
  });

  /**
   * A strategy that waitlists whatever meets a full slot and notes each full slot it hears of,
   * with whether it was asked for; without `protection`, emergencies are protected and bump only
   * where `whenFull` says so.
   */
  function listening(): { told: ReturnType<typeof config>; seen: string[] } {
    const seen: string[] = [];
    const base = new RuleOverflow();
    const spy: OverflowStrategy = {
      name: 'spy',
      waitlist: base.waitlist,
      bumpLimit: base.bumpLimit,
      victimOrder: base.victimOrder,
      whenFull: ({ slot: full, requestedSlot }) => {
        seen.push(`${full?.id ?? 'none'}:${requestedSlot}`);
        return ['waitlist'];
      },
      whenDisplaced: (context) => base.whenDisplaced(context),
    };
    return { told: config({ ...presets.standard(), overflow: spy }), seen };
  }

  it("'queue-end' meets the running slot when it is full (here it waits, then is promoted); 'rebook' takes the later free place", () => {
    const { told, seen } = listening();
    const back = token(1, 'ONLINE', 'd1-08', { status: 'NO_SHOW' });
    const s = snapshot([slot(8, 1), slot(9, 1), slot(10, 1)], [back, token(2, 'ONLINE', 'd1-09')], { tokenId: back.id });
    const queueEnd = committed(reinstate.decide(told, s, { tokenId: back.id, lateArrival: 'queue-end' }, today));
    expect(seen).toEqual(['d1-09:true']);
    expect(fates(queueEnd.changes)).toEqual(['token:reinstated#1', 'token:waitlisted#1', 'token:promoted#1']);
    seen.length = 0;
    const rebook = committed(reinstate.decide(told, s, { tokenId: back.id, lateArrival: 'rebook' }, today));
    expect(seen).toEqual([]);
    expect(fates(rebook.changes)).toEqual(['token:reinstated#1', 'token:booked#1']);
    expect([queueEnd.result.token.slotId, rebook.result.token.slotId]).toEqual(['d1-10', 'd1-10']);
  });

  it("the overflow strategy hears 'queue-end' as the running slot asked for and 'rebook' as no slot asked for, emergencies included", () => {
    const { told, seen } = listening();
    const heard = (category: string, lateArrival: 'queue-end' | 'rebook'): string[] => {
      const back = token(1, category, 'd1-08', { status: 'NO_SHOW' });
      const full = [8, 9, 10].map((h) => slot(h, 1));
      const s = snapshot(full, [back, token(2, 'ONLINE', 'd1-09'), token(3, 'ONLINE', 'd1-10')], { tokenId: back.id });
      seen.length = 0;
      expect(committed(reinstate.decide(told, s, { tokenId: back.id, lateArrival }, today)).result.token.status).toBe('WAITLISTED');
      return [...seen];
    };
    expect(heard('ONLINE', 'queue-end')).toEqual(['d1-09:true']);
    expect(heard('ONLINE', 'rebook')).toEqual(['d1-09:false']);
    expect(heard('EMERGENCY', 'queue-end').slice(0, 2)).toEqual(['d1-09:true', 'd1-10:false']);
    expect(heard('EMERGENCY', 'rebook').slice(0, 2)).toEqual(['d1-09:false', 'd1-10:false']);
  });
});
