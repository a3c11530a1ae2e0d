import { type BookingWindows, OpdScheduler, presets, type QuotaStrategy } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, expectInvalid, DAY, doctorWithSlots, observe, rejectsWith, request, scheduler, TestClock } from '../helpers.js';

/** The hospital: online up to 7 days ahead, opening 08:00 a week before; walk-ins the same day only; cancel until 2 hours before. */
const HOSPITAL: BookingWindows = {
  ONLINE: { maxDaysAhead: 7, opensAt: { daysBefore: 7, at: '08:00' }, minNoticeMinutes: 60, cancelCutoffMinutes: 120 },
  WALK_IN: { sameDayOnly: true },
  exemptActors: ['front-desk'],
};
/** A week after {@link DAY}. */
const WEEK = '2026-02-06';

describe('bookingWindows options', () => {
  it('refuses bad options with VALIDATION_FAILED naming the field', () => {
    const make = (bookingWindows: unknown) => () => new OpdScheduler({ bookingWindows: bookingWindows as BookingWindows });
    expectInvalid(make(7), 'bookingWindows');
    expectInvalid(make({ ONLINE: 7 }), 'bookingWindows.ONLINE');
    expectInvalid(make([] as never), 'bookingWindows');
    expectInvalid(make({ ONLNE: { maxDaysAhead: 7 } }), 'bookingWindows.ONLNE');
    expectInvalid(make({ ONLINE: { maxDaysAhead: -1 } }), 'bookingWindows.ONLINE.maxDaysAhead');
    expectInvalid(make({ ONLINE: { maxDaysAhead: 1.5 } }), 'bookingWindows.ONLINE.maxDaysAhead');
    expectInvalid(make({ ONLINE: { minNoticeMinutes: Number.NaN } }), 'bookingWindows.ONLINE.minNoticeMinutes');
    expectInvalid(make({ ONLINE: { cancelCutoffMinutes: '2h' } }), 'bookingWindows.ONLINE.cancelCutoffMinutes');
    expectInvalid(make({ ONLINE: { opensAt: { daysBefore: 7, at: '8:00' } } }), 'bookingWindows.ONLINE.opensAt.at');
    expectInvalid(make({ ONLINE: { opensAt: { daysBefore: 7, at: '24:00' } } }), 'bookingWindows.ONLINE.opensAt.at');
    expectInvalid(make({ ONLINE: { opensAt: { at: '08:00' } } }), 'bookingWindows.ONLINE.opensAt.daysBefore');
    expectInvalid(make({ ONLINE: { opensAt: { daysBefore: 1, at: '08:00', tz: 'UTC' } } }), 'bookingWindows.ONLINE.opensAt.tz');
    expectInvalid(make({ WALK_IN: { sameDayOnly: 'yes' } }), 'bookingWindows.WALK_IN.sameDayOnly');
    expectInvalid(make({ WALK_IN: { sameDay: true } }), 'bookingWindows.WALK_IN.sameDay');
    expectInvalid(make({ exemptActors: 'desk' }), 'bookingWindows.exemptActors');
    expectInvalid(make({ exemptActors: [''] }), 'bookingWindows.exemptActors');
    expect(new OpdScheduler({ ...presets.standard(), bookingWindows: HOSPITAL })).toBeInstanceOf(OpdScheduler);
  });
});

describe('booking windows', () => {
  it('online opens at 08:00 a week before the day, and answers when it opens', async () => {
    const { opd, clock } = scheduler({ bookingWindows: HOSPITAL });
    await doctorWithSlots(opd, 'd1', [9], 5, { day: WEEK });
    const before = await observe(opd, 'd1', WEEK);
    const refused = await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'OUTSIDE_BOOKING_WINDOW');
    expect(refused.details).toMatchObject({
      field: 'slotId',
      slotId: 'd1-09',
      doctorId: 'd1',
      day: WEEK,
      category: 'ONLINE',
      opensAt: '2026-01-30T08:00:00.000Z',
      closesAt: '2026-02-06T08:00:00.000Z',
    });
    await rejectsWith(opd.book(request('d1', 'ONLINE', { date: WEEK })), 'OUTSIDE_BOOKING_WINDOW');
    await rejectsWith(opd.hold({ ...request('d1', 'ONLINE', { date: WEEK }), holdMinutes: 10 }), 'OUTSIDE_BOOKING_WINDOW');
    expect(await observe(opd, 'd1', WEEK)).toEqual(before);
    clock.set(at('07:59'));
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'OUTSIDE_BOOKING_WINDOW');
    clock.set(at('08:00'));
    expect((await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }))).outcome).toBe('BOOKED');
  });

  it('a booking naming no slot takes the first slot within its window, and is refused when there is none', async () => {
    const { opd, clock } = scheduler({ bookingWindows: HOSPITAL });
    await doctorWithSlots(opd, 'd1', [8, 9, 10], 5);
    await opd.addSlots('d1', [{ id: 'late', start: `2026-02-07T09:00:00Z`, end: `2026-02-07T10:00:00Z`, capacity: 5 }]);
    clock.set(at('07:30'));
    // 08:00 is within the minimum notice (60 minutes): the 09:00 slot is the first within the window.
    expect((await opd.book(request('d1', 'ONLINE'))).token.slotId).toBe('d1-09');
    expect((await opd.book(request('d1', 'ONLINE', { date: DAY }))).token.slotId).toBe('d1-09');
    // The walk-in counter books today.
    expect((await opd.book(request('d1', 'WALK_IN'))).token.slotId).toBe('d1-08');
    clock.set(at('09:30'));
    // Today's slots are all too close, the slot of 7 February opens on the 31st.
    const refused = await rejectsWith(opd.book(request('d1', 'ONLINE')), 'OUTSIDE_BOOKING_WINDOW');
    expect(refused.details).toMatchObject({ field: 'category', slotId: 'late', opensAt: '2026-01-31T08:00:00.000Z' });
    const day = await rejectsWith(opd.book(request('d1', 'ONLINE', { date: DAY })), 'OUTSIDE_BOOKING_WINDOW');
    expect(day.details).toMatchObject({ field: 'date', slotId: 'd1-10', closesAt: '2026-01-30T09:00:00.000Z' });
    await rejectsWith(opd.book(request('d1', 'WALK_IN', { slotId: 'late' })), 'OUTSIDE_BOOKING_WINDOW');
  });

  it('never refuses an emergency, nor an exempt actor', async () => {
    const { opd } = scheduler({ bookingWindows: { ...HOSPITAL, EMERGENCY: { sameDayOnly: true } } });
    await doctorWithSlots(opd, 'd1', [9], 1, { day: '2026-02-20' });
    expect((await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }))).outcome).toBe('BOOKED');
    expect((await opd.book({ ...request('d1', 'WALK_IN', { date: '2026-02-20' }), actor: 'front-desk' })).token.status).not.toBe('CANCELLED');
    await rejectsWith(opd.book({ ...request('d1', 'WALK_IN', { date: '2026-02-20' }), actor: 'kiosk' }), 'OUTSIDE_BOOKING_WINDOW');
  });

  it("a waiting token is promoted only into a slot that keeps its request's notice, in the call that waitlists it too", async () => {
    // Under the standard preset a full day waits for the doctor's day, not for one slot.
    const { opd, clock } = scheduler({ ...presets.standard(), bookingWindows: HOSPITAL });
    await doctorWithSlots(opd, 'd1', [8, 9, 10], 1);
    clock.set(at('06:00'));
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    clock.set(at('07:30'));
    // 08:00 has room but lies within the hour's notice; 09:00 and 10:00 are full: the request waits.
    const waiting = await opd.book(request('d1', 'ONLINE', { date: DAY }));
    expect(waiting.token).toMatchObject({ status: 'WAITLISTED', slotId: null });
    expect((await opd.getSchedule('d1', DAY)).slots.find((v) => v.slot.id === 'd1-08')!.waitlist).toEqual([]);
    // A place of 09:00 keeps the notice of a request made at 07:30: the token is promoted there.
    clock.set(at('07:40'));
    await opd.cancel(nine.token.id, { actor: 'front-desk' });
    expect(await opd.getToken(waiting.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
  });

  it('a full day within the window still waitlists', async () => {
    const { opd } = scheduler({ ...presets.waitlist(), bookingWindows: HOSPITAL });
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.book(request('d1', 'WALK_IN'));
    expect((await opd.book(request('d1', 'WALK_IN', { date: DAY }))).outcome).toBe('WAITLISTED');
  });

  it('a move takes only a place within the window, unless its actor is exempt', async () => {
    const { opd, clock } = scheduler({ bookingWindows: HOSPITAL });
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    await opd.addSlots('d1', [{ id: 'far', start: `${WEEK}T07:00:00Z`, end: `${WEEK}T08:00:00Z`, capacity: 5 }]);
    clock.set(at('07:30'));
    const { token } = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const refused = await rejectsWith(opd.move(token.id, { slotId: 'far' }), 'OUTSIDE_BOOKING_WINDOW');
    expect(refused.details).toMatchObject({ field: 'to.slotId', slotId: 'far', opensAt: '2026-01-30T08:00:00.000Z' });
    await rejectsWith(opd.move(token.id, { doctorId: 'd1', date: WEEK }), 'OUTSIDE_BOOKING_WINDOW');
    expect((await opd.getToken(token.id)).slotId).toBe('d1-10');
    expect((await opd.move(token.id, { slotId: 'far' }, { actor: 'front-desk' })).token.slotId).toBe('far');
  });

  it('cancelling closes at the cut-off; the waitlisted, the exempt and emergencies may still cancel', async () => {
    const { opd, clock } = scheduler({ ...presets.waitlist(), bookingWindows: HOSPITAL });
    await doctorWithSlots(opd, 'd1', [11], 1);
    clock.set(at('08:00'));
    const booked = await opd.book(request('d1', 'ONLINE'));
    const waiting = await opd.book(request('d1', 'ONLINE'));
    expect(waiting.outcome).toBe('WAITLISTED');
    clock.set(at('09:01'));
    const before = await observe(opd, 'd1');
    const refused = await rejectsWith(opd.cancel(booked.token.id), 'CANCEL_CUTOFF');
    expect(refused.details).toMatchObject({
      field: 'tokenId',
      tokenId: booked.token.id,
      slotId: 'd1-11',
      startsAt: '2026-01-30T11:00:00.000Z',
      cutoffAt: '2026-01-30T09:00:00.000Z',
    });
    expect(await observe(opd, 'd1')).toEqual(before);
    expect((await opd.cancel(waiting.token.id)).token.status).toBe('CANCELLED');
    expect((await opd.cancel(booked.token.id, { actor: 'front-desk' })).token.status).toBe('CANCELLED');
  });

  it('cancelling exactly at the cut-off is accepted', async () => {
    const { opd, clock } = scheduler({ bookingWindows: HOSPITAL });
    await doctorWithSlots(opd, 'd1', [11], 1);
    clock.set(at('08:00'));
    const booked = await opd.book(request('d1', 'ONLINE'));
    clock.set(at('09:00'));
    expect((await opd.cancel(booked.token.id)).token.status).toBe('CANCELLED');
  });

  it('reinstate brings a token back only into a slot within its window', async () => {
    const { opd, clock } = scheduler({ bookingWindows: { ONLINE: { minNoticeMinutes: 60 }, exemptActors: ['desk'] }, lateArrival: 'rebook' });
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    const booked = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.cancel(booked.token.id);
    clock.set(at('08:30'));
    expect((await opd.reinstate(booked.token.id)).token.slotId).toBe('d1-10');
    await opd.cancel(booked.token.id);
    clock.set(at('09:30'));
    await rejectsWith(opd.reinstate(booked.token.id), 'OUTSIDE_BOOKING_WINDOW');
    expect((await opd.reinstate(booked.token.id, { actor: 'desk' })).token.slotId).toBe('d1-09');
  });

  it('a department booking takes the soonest place within the window', async () => {
    const { opd, clock } = scheduler({ bookingWindows: HOSPITAL });
    await opd.addDoctor({ id: 'a', name: 'Dr a', department: 'cardio' });
    await opd.addDoctor({ id: 'b', name: 'Dr b', department: 'cardio' });
    await opd.addSlots('a', [{ id: 'a-08', start: at('08:00').toISOString(), end: at('09:00').toISOString(), capacity: 2 }]);
    await opd.addSlots('b', [{ id: 'b-10', start: at('10:00').toISOString(), end: at('11:00').toISOString(), capacity: 2 }]);
    clock.set(at('07:30'));
    const booked = await opd.book({ department: 'cardio', category: 'ONLINE', patient: { id: 'x', name: 'X' } });
    expect(booked.token.slotId).toBe('b-10');
  });

  it('reads the scheduler time zone, daylight saving included', async () => {
    const clock = new TestClock('2026-03-20T12:00:00Z');
    const { opd } = scheduler({ timeZone: 'Europe/London', bookingWindows: { ONLINE: { opensAt: { daysBefore: 7, at: '08:00' } } } }, clock);
    await opd.addDoctor({ id: 'd1', name: 'Dr' });
    // Clocks go forward on 29 March 2026: 08:00 on the 23rd is GMT, 08:00 on the 30th is BST.
    await opd.addSlots('d1', [
      { id: 'mon', start: '2026-03-30T09:00:00Z', end: '2026-03-30T10:00:00Z', capacity: 1 },
      { id: 'next', start: '2026-04-06T09:00:00Z', end: '2026-04-06T10:00:00Z', capacity: 1 },
    ]);
    expect((await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'mon' })), 'OUTSIDE_BOOKING_WINDOW')).details['opensAt']).toBe(
      '2026-03-23T08:00:00.000Z',
    );
    expect((await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'next' })), 'OUTSIDE_BOOKING_WINDOW')).details['opensAt']).toBe(
      '2026-03-30T07:00:00.000Z',
    );
    clock.set('2026-03-30T07:00:00Z');
    expect((await opd.book(request('d1', 'ONLINE', { slotId: 'next' }))).outcome).toBe('BOOKED');
  });

  it('maxDaysAhead counts local days', async () => {
    // 23:30 UTC on the 30th is already the 31st in Kolkata: the 7th of February is 7 local days ahead.
    const clock = new TestClock('2026-01-30T18:30:00Z');
    const { opd } = scheduler({ timeZone: 'Asia/Kolkata', bookingWindows: { ONLINE: { maxDaysAhead: 7 } } }, clock);
    await opd.addDoctor({ id: 'd1', name: 'Dr' });
    await opd.addSlots('d1', [{ id: 's', start: '2026-02-07T04:00:00Z', end: '2026-02-07T05:00:00Z', capacity: 1 }]);
    expect((await opd.book(request('d1', 'ONLINE', { slotId: 's' }))).outcome).toBe('BOOKED');
    clock.set('2026-01-30T18:29:00Z');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 's' })), 'OUTSIDE_BOOKING_WINDOW');
  });

  it('reads the one clock reading of the call, the one the quota reads', async () => {
    const seen: number[] = [];
    const quota: QuotaStrategy = {
      name: 'spy',
      admits: ({ now }) => {
        seen.push(now.getTime());
        return true;
      },
    };
    // Every read of this clock is a minute later than the one before.
    let next = at('06:00').getTime();
    const clock = (): Date => {
      const now = next;
      next += 60_000;
      return new Date(now);
    };
    const opd = new OpdScheduler({ quota, bookingWindows: { ONLINE: { minNoticeMinutes: 60 } }, clock });
    await doctorWithSlots(opd, 'd1', [9], 2);
    // The call's reading is 08:00, exactly when the window closes: a second reading would be past it.
    next = at('08:00').getTime();
    expect((await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }))).outcome).toBe('BOOKED');
    expect(seen.at(-1)).toBe(at('08:00').getTime());
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'OUTSIDE_BOOKING_WINDOW');
  });
});
