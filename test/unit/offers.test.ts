import { OpdScheduler, presets, StagedOffers, type OpdEvent, type OpdSchedulerOptions } from 'opd-scheduler';
import type { TokenOfferedEvent } from 'opd-scheduler/events';
import { describe, expect, it } from 'vitest';
import { at, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

const offered = (effects: readonly OpdEvent[]): TokenOfferedEvent[] => effects.filter((e): e is TokenOfferedEvent => e.type === 'token:offered');
const types = (effects: readonly OpdEvent[]): string[] => effects.map((e) => `${e.type}${'tokenId' in e ? `#${e.tokenId.split('~')[2]}` : ''}`);

function withOffers(offers: StagedOffers, extra: OpdSchedulerOptions = {}): ReturnType<typeof scheduler> {
  return scheduler({ ...presets.standard(), offers, ...extra });
}

describe('offers with a response window', () => {
  it('a cancelled place is held for the waitlist: the first to accept takes it, the others lapse, a retried accept replays', async () => {
    const { opd } = withOffers(new StagedOffers({ windowMinutes: 15, groupSize: 2 }));
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const booked = await opd.book(request('d1', 'ONLINE'));
    const w1 = await opd.book(request('d1', 'ONLINE'));
    const w2 = await opd.book(request('d1', 'WALK_IN'));
    const w3 = await opd.book(request('d1', 'WALK_IN'));
    expect([w1.outcome, w2.outcome, w3.outcome]).toEqual(['WAITLISTED', 'WAITLISTED', 'WAITLISTED']);
    const cancelled = await opd.cancel(booked.token.id);
    // Nobody is promoted: the two best waiting patients are offered the place for 15 minutes.
    expect(types(cancelled.effects)).toEqual(['token:offered#2', 'token:offered#3']);
    const [o1, o2] = offered(cancelled.effects);
    expect(o1).toMatchObject({ tokenId: w1.token.id, slotId: 'd1-09', expiresAt: at('07:15'), round: 1 });
    // The place counts as taken while the offer is open.
    expect((await opd.getSlot('d1-09')).free).toBe(0);
    const late = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    expect(late.outcome).toBe('WAITLISTED');
    expect((await opd.getToken(w2.token.id)).offer).toEqual({ offerId: o2!.offerId, slotId: 'd1-09', expiresAt: at('07:15') });

    const accepted = await opd.acceptOffer(o2!.offerId, { actor: 'sms' });
    expect(accepted.token).toMatchObject({ id: w2.token.id, status: 'BOOKED', slotId: 'd1-09', tokenNumber: 3 });
    expect(types(accepted.effects)).toEqual(['token:offer-lapsed#2', 'token:promoted#3']);
    expect(accepted.effects[0]).toMatchObject({ reason: 'taken', offerId: o1!.offerId, actor: 'sms' });
    expect(await opd.getToken(w1.token.id)).toMatchObject({ status: 'WAITLISTED', offer: null });

    const taken = await rejectsWith(opd.acceptOffer(o1!.offerId), 'OFFER_TAKEN');
    expect(taken.details).toMatchObject({ offerId: o1!.offerId, tokenId: w1.token.id, slotId: 'd1-09' });
    const again = await opd.acceptOffer(o2!.offerId);
    expect(again).toEqual({ ...accepted, replayed: true });
    await rejectsWith(opd.acceptOffer('d1~2026-01-30~o9.1'), 'OFFER_NOT_FOUND');
    await rejectsWith(opd.acceptOffer('nothing'), 'OFFER_NOT_FOUND');
    const places = (await opd.getSlot('d1-09')).places;
    expect(places.map((t) => t.id)).toEqual([w2.token.id]);
  });

  it('a retried accept answers as the first did, after other changes too: the token as then, the same effects with their seq', async () => {
    const { opd, clock } = withOffers(new StagedOffers({ windowMinutes: 15, groupSize: 2, earlierSlots: true }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const early = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const later = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const waiting = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const [o] = offered((await opd.cancel(early.token.id)).effects);
    const accepted = await opd.acceptOffer(o!.offerId, { actor: 'sms' });
    expect(accepted.token).toMatchObject({ id: later.token.id, status: 'BOOKED', slotId: 'd1-09' });
    expect(accepted.effects.length).toBeGreaterThan(0);
    expect(accepted.effects.every((e) => e.seq > 0)).toBe(true);
    // Other changes: the patient checks in, the offer of the place left is accepted, time passes.
    await opd.checkIn(later.token.id);
    const [left] = offered(accepted.effects);
    expect(left).toMatchObject({ tokenId: waiting.token.id, slotId: 'd1-10' });
    await opd.acceptOffer(left!.offerId);
    clock.advance(30);
    await opd.sweep();
    const again = await opd.acceptOffer(o!.offerId);
    expect(again).toEqual({ ...accepted, replayed: true });
    expect((await opd.getToken(later.token.id)).status).toBe('CHECKED_IN');
    // Keys of the form of an offer id are the scheduler's own.
    await rejectsWith(opd.book(request('d1', 'ONLINE', { idempotencyKey: o!.offerId })), 'VALIDATION_FAILED');
  });

  it('a group that lets its window pass lapses at the sweep and the next group is offered; candidates exhausted, the place is promoted into', async () => {
    const { opd, clock } = withOffers(new StagedOffers({ windowMinutes: 10 }));
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const booked = await opd.book(request('d1', 'ONLINE'));
    const w1 = await opd.book(request('d1', 'ONLINE'));
    const w2 = await opd.book(request('d1', 'ONLINE'));
    const first = offered((await opd.cancel(booked.token.id)).effects);
    expect(first.map((e) => e.tokenId)).toEqual([w1.token.id]);
    clock.advance(10);
    const expired = await rejectsWith(opd.acceptOffer(first[0]!.offerId), 'OFFER_EXPIRED');
    expect(expired.details).toMatchObject({ state: 'EXPIRED', expiresAt: '2026-01-30T07:10:00.000Z' });
    const swept = await opd.sweep();
    expect(types(swept)).toEqual(['token:offer-lapsed#2', 'token:offered#3']);
    expect(swept[0]).toMatchObject({ reason: 'expired' });
    clock.advance(10);
    const second = await opd.sweep();
    // Nobody left to offer: the place is promoted into as without offers (the best waiting first).
    expect(types(second)).toEqual(['token:offer-lapsed#3', 'token:promoted#2']);
    expect((await opd.getToken(w1.token.id)).status).toBe('BOOKED');
    expect((await opd.getToken(w2.token.id)).status).toBe('WAITLISTED');
  });

  it('declining lets the next group be offered at once', async () => {
    const { opd } = withOffers(new StagedOffers({ windowMinutes: 30 }));
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const booked = await opd.book(request('d1', 'ONLINE'));
    const w1 = await opd.book(request('d1', 'ONLINE'));
    const w2 = await opd.book(request('d1', 'ONLINE'));
    const [o1] = offered((await opd.cancel(booked.token.id)).effects);
    const declined = await opd.declineOffer(o1!.offerId);
    expect(declined.token).toMatchObject({ id: w1.token.id, status: 'WAITLISTED' });
    expect(types(declined.effects)).toEqual(['token:offered#3']);
    expect(offered(declined.effects)[0]!.tokenId).toBe(w2.token.id);
    expect(await opd.declineOffer(o1!.offerId)).toMatchObject({ replayed: true, effects: [] });
    await rejectsWith(opd.acceptOffer(o1!.offerId), 'INVALID_TRANSITION');
  });

  it('an emergency takes an offered place at once: the offer is withdrawn, no elastic place used', async () => {
    const { opd } = withOffers(new StagedOffers({ windowMinutes: 15 }));
    await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 2 });
    await opd.book(request('d1', 'ONLINE'));
    const leaving = await opd.book(request('d1', 'ONLINE'));
    const w1 = await opd.book(request('d1', 'ONLINE'));
    const [o1] = offered((await opd.cancel(leaving.token.id)).effects);
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency).toMatchObject({ outcome: 'BOOKED', overflow: false });
    expect(types(emergency.effects)).toEqual(['token:offer-withdrawn#3']);
    expect(emergency.effects[0]).toMatchObject({ reason: 'emergency', byTokenId: emergency.token.id, offerId: o1!.offerId });
    expect(await opd.getSlot('d1-09')).toMatchObject({ free: 0, overflowUsed: 0 });
    await rejectsWith(opd.acceptOffer(o1!.offerId), 'OFFER_TAKEN');
    expect((await opd.getToken(w1.token.id)).status).toBe('WAITLISTED');
  });

  it('with earlierSlots a booked patient of a later slot is pulled forward keeping its number, and the place it leaves is offered in turn', async () => {
    const { opd } = withOffers(new StagedOffers({ windowMinutes: 15, earlierSlots: true }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const early = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const later = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const waiting = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    expect(waiting.outcome).toBe('WAITLISTED');
    // The waiting patient asked for 10:00: never offered 09:00. The 10:00 patient is.
    const [o] = offered((await opd.cancel(early.token.id)).effects);
    expect(o).toMatchObject({ tokenId: later.token.id, slotId: 'd1-09' });
    const accepted = await opd.acceptOffer(o!.offerId);
    expect(accepted.token).toMatchObject({ id: later.token.id, tokenNumber: 2, status: 'BOOKED', slotId: 'd1-09' });
    expect(types(accepted.effects)).toEqual(['token:moved#2', 'token:offered#3']);
    expect(offered(accepted.effects)[0]).toMatchObject({ tokenId: waiting.token.id, slotId: 'd1-10' });
  });

  it('an offer lapses in the call that moves its token on: the next candidate is offered, or the place goes back to promotion; accepting it answers OFFER_EXPIRED', async () => {
    const { opd } = withOffers(new StagedOffers({ windowMinutes: 15, earlierSlots: true }));
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1, { overflowCapacity: 0 });
    const early = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const later = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const last = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-11' }));
    const [o1] = offered((await opd.cancel(early.token.id)).effects);
    expect(o1).toMatchObject({ tokenId: later.token.id, slotId: 'd1-09' });
    // The 10:00 patient checks in: no longer pulled forward, the offer lapses and the 11:00 one is offered.
    const checkedIn = await opd.checkIn(later.token.id);
    expect(types(checkedIn.effects)).toEqual(['token:offer-lapsed#2', 'token:offered#3']);
    expect(checkedIn.effects[0]).toMatchObject({ reason: 'moved-on', offerId: o1!.offerId, slotId: 'd1-09' });
    const o2 = offered(checkedIn.effects)[0]!;
    expect(o2).toMatchObject({ tokenId: last.token.id, round: 2 });
    const refused = await rejectsWith(opd.acceptOffer(o1!.offerId), 'OFFER_EXPIRED');
    expect(refused.details).toMatchObject({ offerId: o1!.offerId, reason: 'moved-on', state: 'LAPSED' });
    await rejectsWith(opd.declineOffer(o1!.offerId), 'OFFER_EXPIRED');
    // The 11:00 patient cancels: nobody is left to offer it to; the place is free again.
    const cancelled = await opd.cancel(last.token.id);
    expect(types(cancelled.effects)).toEqual(['token:offer-lapsed#3']);
    expect((await opd.getToken(last.token.id)).offer).toBeNull();
    expect((await opd.getSlot('d1-09')).free).toBe(1);
    await rejectsWith(opd.acceptOffer(o2.offerId), 'OFFER_EXPIRED');
  });

  it('a waiting candidate who is moved or cancelled lapses its offer; the place goes to the next waiting patient', async () => {
    const { opd } = withOffers(new StagedOffers({ windowMinutes: 15 }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const booked = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const w1 = await opd.book(request('d1', 'ONLINE'));
    const w2 = await opd.book(request('d1', 'ONLINE'));
    const [o1] = offered((await opd.cancel(booked.token.id)).effects);
    expect(o1!.tokenId).toBe(w1.token.id);
    const cancelled = await opd.cancel(w1.token.id);
    expect(types(cancelled.effects)).toEqual(['token:offer-lapsed#3', 'token:offered#4']);
    expect(offered(cancelled.effects)[0]!.tokenId).toBe(w2.token.id);
    await rejectsWith(opd.acceptOffer(o1!.offerId), 'OFFER_EXPIRED');
  });

  it('a patient displaced from the slot is offered its place back first', async () => {
    const { opd } = withOffers(new StagedOffers({ windowMinutes: 15 }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const bumped = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const waiting = await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:waitlisted']);
    expect(waiting.outcome).toBe('BOOKED');
    const cancelled = await opd.cancel(emergency.token.id);
    expect(offered(cancelled.effects).map((e) => e.tokenId)).toEqual([bumped.token.id]);
  });

  it('the displaced patient goes before a better-ranked waiting patient; one displaced by closing the slot does not', async () => {
    const bumpedFirst = withOffers(new StagedOffers({ windowMinutes: 15 })).opd;
    await doctorWithSlots(bumpedFirst, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const walkIn = await bumpedFirst.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await bumpedFirst.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const online = await bumpedFirst.book(request('d1', 'ONLINE'));
    expect(online.outcome).toBe('WAITLISTED');
    const emergency = await bumpedFirst.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:waitlisted']);
    const cancelled = await bumpedFirst.cancel(emergency.token.id);
    expect(offered(cancelled.effects).map((e) => e.tokenId)).toEqual([walkIn.token.id]);

    // The same patients, the slot closed and reopened: the waitlist's order, the online patient first.
    const closedFirst = withOffers(new StagedOffers({ windowMinutes: 15 })).opd;
    await doctorWithSlots(closedFirst, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const walkIn2 = await closedFirst.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await closedFirst.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const online2 = await closedFirst.book(request('d1', 'ONLINE'));
    const closed = await closedFirst.closeSlot('d1-09');
    expect(closed.find((e) => e.type === 'token:waitlisted')).toMatchObject({ tokenId: walkIn2.token.id });
    const reopened = await closedFirst.reopenSlot('d1-09');
    expect(offered(reopened).map((e) => e.tokenId)).toEqual([online2.token.id]);
  });

  it('no offer in quiet hours: the place waits for the morning, or is promoted at once when its slot starts first; none near the start', async () => {
    const quiet = new StagedOffers({ windowMinutes: 15, stopMinutesBeforeStart: 30, quietHours: { from: '21:00', to: '08:00' } });
    const { opd, clock } = withOffers(quiet, { timeZone: 'Asia/Kolkata' });
    // 07:00 UTC is 12:30 in Kolkata; slots at 18:00 and 19:00 UTC are 23:30 and 00:30 local.
    await doctorWithSlots(opd, 'd1', [18, 19], 1, { overflowCapacity: 0 });
    const b1 = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-18' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-18' }));
    clock.set(at('16:00')); // 21:30 local: quiet, and the slot (23:30 local) starts before the morning
    const promoted = await opd.cancel(b1.token.id);
    expect(promoted.effects.map((e) => e.type)).toEqual(['token:promoted']);

    const { opd: day, clock: dayClock } = withOffers(quiet, { timeZone: 'Asia/Kolkata' });
    await doctorWithSlots(day, 'd2', [9, 10], 1, { overflowCapacity: 0 }); // 14:30 and 15:30 local
    const b2 = await day.book(request('d2', 'ONLINE', { slotId: 'd2-10' }));
    await day.book(request('d2', 'ONLINE', { slotId: 'd2-10' }));
    dayClock.set(at('09:10')); // 14:40 local, 50 minutes before 15:30: offered
    expect((await day.cancel(b2.token.id)).effects.map((e) => e.type)).toEqual(['token:offered']);
    dayClock.set(at('09:25')); // the window ends 09:25; the next round would be within 30 minutes of the start
    expect((await day.sweep()).map((e) => e.type)).toEqual(['token:offer-lapsed', 'token:promoted']);
  });

  it('a place freed in quiet hours waits for the morning and is offered by the sweep then', async () => {
    const { opd, clock } = withOffers(new StagedOffers({ windowMinutes: 15, quietHours: { from: '21:00', to: '07:00' } }));
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    clock.set(at('06:00'));
    const b = await opd.book(request('d1', 'ONLINE'));
    const w = await opd.book(request('d1', 'ONLINE'));
    const cancelled = await opd.cancel(b.token.id);
    expect(cancelled.effects).toEqual([]);
    expect((await opd.getSlot('d1-09')).free).toBe(0);
    expect(await opd.sweep()).toEqual([]);
    clock.set(at('07:00'));
    const swept = await opd.sweep();
    expect(swept.map((e) => e.type)).toEqual(['token:offered']);
    expect(swept[0]).toMatchObject({ tokenId: w.token.id, expiresAt: at('07:15') });
  });

  it('closing the slot or lowering its capacity withdraws its offers; raising it offers the new places', async () => {
    const { opd } = withOffers(new StagedOffers({ windowMinutes: 15 }));
    await doctorWithSlots(opd, 'd1', [9, 10], 2, { overflowCapacity: 0 });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const w = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect(w.outcome).toBe('WAITLISTED');
    const [o] = offered((await opd.cancel(b.token.id)).effects);
    const lowered = await opd.setCapacity('d1-09', 1);
    expect(lowered.map((e) => e.type)).toEqual(['slot:capacity-changed', 'token:offer-withdrawn']);
    expect(lowered[1]).toMatchObject({ reason: 'capacity-lowered', offerId: o!.offerId });
    const raised = await opd.setCapacity('d1-09', 2);
    expect(raised.map((e) => e.type)).toEqual(['slot:capacity-changed', 'token:offered']);
    const closed = await opd.closeSlot('d1-09');
    expect(closed.map((e) => e.type).slice(0, 2)).toEqual(['slot:closed', 'token:offer-withdrawn']);
  });

  it('refuses bad options with VALIDATION_FAILED, and without `offers` a freed place is promoted at once', async () => {
    expect(() => new StagedOffers({ windowMinutes: 0 })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'offers.windowMinutes' }) }),
    );
    expect(() => new StagedOffers({ windowMinutes: 5, groupSize: 0 })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'offers.groupSize' }) }),
    );
    expect(() => new StagedOffers({ windowMinutes: 5, quietHours: { from: '25:00', to: '07:00' } })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'offers.quietHours.from' }) }),
    );
    expect(() => new StagedOffers({ windowMinutes: 5, other: 1 } as never)).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'offers.other' }) }),
    );
    expect(() => new OpdScheduler({ offers: { name: 'x' } as never })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'offers' }) }),
    );
    const { opd } = scheduler({ ...presets.standard() });
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const b = await opd.book(request('d1', 'ONLINE'));
    await opd.book(request('d1', 'ONLINE'));
    expect((await opd.cancel(b.token.id)).effects.map((e) => e.type)).toEqual(['token:promoted']);
    await rejectsWith(opd.acceptOffer('d1~2026-01-30~o1.1'), 'OFFER_NOT_FOUND');
  });

  it('a faulty offer policy fails the call with VALIDATION_FAILED naming it, and changes nothing', async () => {
    const { opd } = scheduler({ ...presets.standard(), offers: { name: 'broken', offer: () => ({ kind: 'offer' }) as never } });
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const b = await opd.book(request('d1', 'ONLINE'));
    await opd.book(request('d1', 'ONLINE'));
    const error = await rejectsWith(opd.cancel(b.token.id), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'offer policy', strategy: 'broken' });
    expect((await opd.getToken(b.token.id)).status).toBe('BOOKED');
  });
});
