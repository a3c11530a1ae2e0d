import { ChannelQuota, type OpdEvent, OpdScheduler, presets, type QuotaContext, type QuotaStrategy } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, expectInvalid, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

describe('ChannelQuota options', () => {
  it('refuses bad options with typed errors naming the field', () => {
    expectInvalid(() => new ChannelQuota(null as never), 'quota');
    expectInvalid(() => new ChannelQuota({ ONLINE: 0.6 as never }), 'quota.ONLINE');
    expectInvalid(() => new ChannelQuota({ ONLINE: { share: 1.5 } }), 'quota.ONLINE.share');
    expectInvalid(() => new ChannelQuota({ ONLINE: { share: Number.NaN } }), 'quota.ONLINE.share');
    expectInvalid(() => new ChannelQuota({ ONLINE: { share: '60%' as never } }), 'quota.ONLINE.share');
    expectInvalid(() => new ChannelQuota({ ONLINE: { count: -1 } }), 'quota.ONLINE.count');
    expectInvalid(() => new ChannelQuota({ ONLINE: { count: 1.5 } }), 'quota.ONLINE.count');
    expectInvalid(() => new ChannelQuota({ FOLLOW_UP: { perDay: -2 } }), 'quota.FOLLOW_UP.perDay');
    expectInvalid(() => new ChannelQuota({ WALK_IN: { reserve: 2, releaseMinutesBefore: -5 } }), 'quota.WALK_IN.releaseMinutesBefore');
    expectInvalid(() => new ChannelQuota({ WALK_IN: { releaseMinutesBefore: 30 } }), 'quota.WALK_IN.releaseMinutesBefore');
    expectInvalid(() => new ChannelQuota({ WALK_IN: { reserve: 2, releaseMinutes: 30 } as never }), 'quota.WALK_IN.releaseMinutes');
    expectInvalid(() => new ChannelQuota({ WALK_IN: {} }), 'quota.WALK_IN');
    expectInvalid(() => new ChannelQuota({ EMERGENCY: { share: 0.2 } }), 'quota.EMERGENCY');
    expect(new ChannelQuota({ EMERGENCY: { reserve: 1 } }).name).toContain('EMERGENCY');
  });

  it('the scheduler refuses a quota that is not a strategy', () => {
    expectInvalid(() => new OpdScheduler({ quota: {} as never }), 'quota');
    expectInvalid(() => new OpdScheduler({ quota: { name: 'q' } as never }), 'quota');
  });

  it('the scheduler refuses a quota naming a category its priority policy does not accept: the rule could never apply', () => {
    expectInvalid(() => new OpdScheduler({ ...presets.standard(), quota: new ChannelQuota({ ONLNE: { share: 0.5 } }) }), 'quota.ONLNE');
    expectInvalid(() => new OpdScheduler({ ...presets.standard(), quota: new ChannelQuota({ ONLINE: { share: 0.5 }, online: { count: 1 } }) }), 'quota.online');
    const quota = new ChannelQuota({ ONLINE: { share: 0.5 }, WALK_IN: { reserve: 2 } });
    expect(quota.categories).toEqual(['ONLINE', 'WALK_IN']);
    expect(new OpdScheduler({ ...presets.standard(), quota })).toBeInstanceOf(OpdScheduler);
  });

  it('a share is rounded down, a count caps it further', () => {
    const quota = new ChannelQuota({ ONLINE: { share: 0.6, count: 5 } });
    const ctx = (capacity: number, online: number): QuotaContext => ({
      slot: {
        id: 's',
        facilityId: 'default',
        doctorId: 'd',
        day: '2026-01-30',
        start: at('09:00'),
        end: at('10:00'),
        capacity,
        overflowCapacity: 0,
        status: 'OPEN',
        closedReason: null,
      },
      category: 'ONLINE',
      rank: 4,
      occupancy: online,
      placesOf: (c) => (c === 'ONLINE' ? online : 0),
      dayPlacesOf: (c) => (c === 'ONLINE' ? online : 0),
      now: at('07:00'),
    });
    expect(quota.admits(ctx(5, 2))).toBe(true);
    expect(quota.admits(ctx(5, 3))).toBe(false); // 60 % of 5 is 3
    expect(quota.admits(ctx(10, 5))).toBe(false); // 6 by share, 5 by count
    expect(quota.admits(ctx(10, 4))).toBe(true);
  });
});

describe('quotas when booking', () => {
  it('without a quota nothing changes; with one, a capped channel goes to the next slot (standard)', async () => {
    const { opd } = scheduler({ quota: new ChannelQuota({ ONLINE: { share: 0.5 } }) });
    await doctorWithSlots(opd, 'd1', [9, 10], 4);
    const slots = [];
    for (let i = 0; i < 5; i++) slots.push((await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }))).token.slotId);
    expect(slots).toEqual(['d1-09', 'd1-09', 'd1-10', 'd1-10', null]);
    // The places left in 09:00 are still free for other channels.
    expect((await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }))).token.slotId).toBe('d1-09');
    expect((await opd.getSlot('d1-09')).free).toBe(1);
  });

  it('lowering a capacity displaces by rank, not for a reservation: the reserving channel’s own patient may leave', async () => {
    const { opd } = scheduler({ ...presets.standard(), quota: new ChannelQuota({ ONLINE: { reserve: 1 } }) });
    await doctorWithSlots(opd, 'd1', [9], 2);
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    await opd.setCapacity('d1-09', 1);
    // The paid patient ranks better and keeps the place; the quota takes no place away.
    expect((await opd.getToken(paid.token.id)).slotId).toBe('d1-09');
    expect((await opd.getToken(online.token.id)).status).toBe('WAITLISTED');
  });

  it('a search without a slot takes the earliest slot the quota admits to', async () => {
    const { opd } = scheduler({ quota: new ChannelQuota({ ONLINE: { count: 1 } }) });
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 3);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await opd.book(request('d1', 'ONLINE'))).token.slotId);
    expect(got).toEqual(['d1-09', 'd1-10', 'd1-11']);
  });

  it('the cascade preset refuses a capped channel with SLOT_FULL; a slot closed to a channel counts as full', async () => {
    const { opd } = scheduler({ ...presets.cascade(), quota: new ChannelQuota({ ONLINE: { count: 1 } }) });
    await doctorWithSlots(opd, 'd1', [9], 3);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'SLOT_FULL');
    expect((await opd.getSlot('d1-09')).places).toHaveLength(1);
  });

  it('per-day caps count every slot of the doctor-day', async () => {
    const { opd } = scheduler({ ...presets.cascade(), quota: new ChannelQuota({ FOLLOW_UP: { perDay: 2 } }) });
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-10' }));
    await rejectsWith(opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-10' })), 'SLOT_FULL');
    expect((await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }))).outcome).toBe('BOOKED');
  });

  it('reserved places are kept for their channel until the release time, then open to everyone', async () => {
    const { opd, clock } = scheduler({ ...presets.cascade(), quota: new ChannelQuota({ WALK_IN: { reserve: 2, releaseMinutesBefore: 30 } }) });
    await doctorWithSlots(opd, 'd1', [9], 4);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    // Two places left, both reserved for walk-ins; a paid patient may not bump into them either.
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'SLOT_FULL');
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await rejectsWith(opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' })), 'SLOT_FULL');
    clock.set(at('08:30'));
    expect((await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }))).token.slotId).toBe('d1-09');
  });

  it('a bump is made only when the quota admits the newcomer in its victim’s place', async () => {
    const { opd } = scheduler({ ...presets.cascade(), quota: new ChannelQuota({ PAID: { count: 1 } }) });
    await doctorWithSlots(opd, 'd1', [9], 2);
    await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    // Full; a second PAID would bump the walk-in but exceed its cap: refused, nothing changes.
    await rejectsWith(opd.book(request('d1', 'PAID', { slotId: 'd1-09' })), 'SLOT_FULL');
    expect((await opd.getSlot('d1-09')).places.map((t) => t.category)).toEqual(['PAID', 'WALK_IN']);
  });

  it('an emergency is never blocked by a quota, and takes reserved places', async () => {
    const { opd } = scheduler({ quota: new ChannelQuota({ WALK_IN: { reserve: 2 }, ONLINE: { count: 0 } }) });
    await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 1 });
    const first = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    const second = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    const third = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect([first, second, third].map((r) => [r.token.slotId, r.overflow])).toEqual([
      ['d1-09', false],
      ['d1-09', false],
      ['d1-09', true],
    ]);
  });

  it('a custom strategy that throws becomes an OpdError naming it, and changes nothing', async () => {
    const broken: QuotaStrategy = {
      name: 'broken',
      admits: () => {
        throw new Error('boom');
      },
    };
    const { opd } = scheduler({ quota: broken });
    await doctorWithSlots(opd, 'd1', [9], 2);
    const error = await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'quota strategy', strategy: 'broken' });
    expect((await opd.getSlot('d1-09')).places).toEqual([]);
    expect(await opd.history()).toEqual([]);
  });
});

describe('quotas on the other placement paths', () => {
  it('promotion from the waitlist skips a token the quota does not admit and takes the next', async () => {
    const { opd } = scheduler({ quota: new ChannelQuota({ ONLINE: { count: 1 } }) });
    await doctorWithSlots(opd, 'd1', [9], 2);
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const waitingOnline = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const waitingWalkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    expect([waitingOnline.outcome, waitingWalkIn.outcome]).toEqual(['WAITLISTED', 'WAITLISTED']);
    // A walk-in leaves: the online token ranks better but would exceed its cap.
    const freed = await opd.cancel(walkIn.token.id);
    expect(freed.effects.filter((e) => e.type === 'token:promoted').map((e) => e.tokenId)).toEqual([waitingWalkIn.token.id]);
    // The online place frees: now the waiting online token may have it.
    const second = await opd.cancel(online.token.id);
    expect(second.effects.filter((e) => e.type === 'token:promoted').map((e) => e.tokenId)).toEqual([waitingOnline.token.id]);
  });

  it('a cascade skips a slot the quota closes to the displaced token', async () => {
    const { opd } = scheduler({ ...presets.cascade(), quota: new ChannelQuota({ ONLINE: { count: 1 } }) });
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 2);
    const moving = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const effects = await opd.closeSlot('d1-09');
    expect(effects.find((e) => e.type === 'token:cascaded' && e.tokenId === moving.token.id)).toMatchObject({ toSlotId: 'd1-11' });
  });

  it('with victimWithoutRoom: keep, a victim the quota admits to no later slot cannot move, so it is not bumped', async () => {
    // Walk-ins may not take slot 10: the walk-in of slot 9 would have nowhere to cascade to.
    const quota: QuotaStrategy = { name: 'no-walk-ins-at-10', admits: (c: QuotaContext) => c.category !== 'WALK_IN' || c.slot.id !== 'd1-10' };
    const { opd } = scheduler({ ...presets.cascade({ victimWithoutRoom: 'keep' }), quota });
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await rejectsWith(opd.book(request('d1', 'PAID', { slotId: 'd1-09' })), 'SLOT_FULL');
    expect(await opd.getToken(walkIn.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });

    // Without the quota the walk-in can move to slot 10, and is bumped there.
    const free = scheduler({ ...presets.cascade({ victimWithoutRoom: 'keep' }) }).opd;
    await doctorWithSlots(free, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const walkIn2 = await free.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const paid2 = await free.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    expect(paid2.token.slotId).toBe('d1-09');
    expect(await free.getToken(walkIn2.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-10' });
  });

  it('a displaced token is not counted against its own per-day cap when it moves', async () => {
    const { opd } = scheduler({ ...presets.cascade(), quota: new ChannelQuota({ FOLLOW_UP: { perDay: 2 } }) });
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    const moving = await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-10' }));
    const effects = await opd.closeSlot('d1-09');
    expect(effects.find((e) => 'tokenId' in e && e.tokenId === moving.token.id)).toMatchObject({ type: 'token:cascaded', toSlotId: 'd1-10' });
  });

  it('a per-day cap counts only its own channel across the day', async () => {
    const { opd } = scheduler({ ...presets.cascade(), quota: new ChannelQuota({ FOLLOW_UP: { perDay: 1 } }) });
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-10' }));
    expect((await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-10' }))).outcome).toBe('BOOKED');
    await rejectsWith(opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' })), 'SLOT_FULL');
  });

  it('a bump is judged with its victim’s place free: the victim counts neither in the occupancy nor in its channel', async () => {
    // A strategy that reads only the occupancy: the victim's place is the one the newcomer takes.
    const roomLeft: QuotaStrategy = { name: 'room-left', admits: (c: QuotaContext) => c.occupancy < c.slot.capacity };
    const { opd } = scheduler({ ...presets.cascade(), quota: roomLeft });
    await doctorWithSlots(opd, 'd1', [9], 2);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    expect(paid.outcome).toBe('BOOKED');
    expect(paid.effects.map((e) => ('tokenId' in e ? `${e.type} ${e.tokenId}` : e.type))).toContain(`token:bumped ${walkIn.token.id}`);

    // A walk-in holding the one reserved place: bumping it would give that place to another channel.
    const reserved = scheduler({ ...presets.cascade(), quota: new ChannelQuota({ WALK_IN: { reserve: 1 } }) }).opd;
    await doctorWithSlots(reserved, 'd1', [9], 2);
    await reserved.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await reserved.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await rejectsWith(reserved.book(request('d1', 'PAID', { slotId: 'd1-09' })), 'SLOT_FULL');
    expect((await reserved.getSlot('d1-09')).places.map((t) => t.category)).toEqual(['ONLINE', 'WALK_IN']);
  });

  it('a move is a placement like a booking: the quota decides where a capped channel may go', async () => {
    const { opd } = scheduler({ quota: new ChannelQuota({ ONLINE: { count: 1 } }) });
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 3);
    const moving = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    await rejectsWith(opd.move(moving.token.id, { slotId: 'd1-10' }), 'SLOT_FULL');
    expect((await opd.move(moving.token.id, { after: at('10:00') })).token.slotId).toBe('d1-11');
  });
});

describe('a reservation that ends opens its places to the waitlist first', () => {
  const typeAndToken = (e: OpdEvent): [string, string | undefined] => [e.type, 'tokenId' in e ? e.tokenId : undefined];
  /** One slot of two places at 09:00, the last reserved for walk-ins until 08:30; a paid patient waits for it. */
  async function waiting(): Promise<{ opd: OpdScheduler; clock: ReturnType<typeof scheduler>['clock']; waiter: string }> {
    const { opd, clock } = scheduler({ ...presets.standard(), quota: new ChannelQuota({ WALK_IN: { reserve: 1, releaseMinutesBefore: 30 } }) });
    await doctorWithSlots(opd, 'd1', [9], 2);
    await opd.book(request('d1', 'PAID'));
    const second = await opd.book(request('d1', 'PAID'));
    expect(second.outcome).toBe('WAITLISTED');
    clock.set(at('08:35'));
    return { opd, clock, waiter: second.token.id };
  }

  it('a booking after the release time promotes the waiting patient before it takes a place', async () => {
    const { opd, waiter } = await waiting();
    const late = await opd.book(request('d1', 'ONLINE'));
    expect(late.outcome).toBe('WAITLISTED');
    expect(late.effects.map(typeAndToken)).toEqual([['token:promoted', waiter]]);
    expect((await opd.getToken(waiter)).slotId).toBe('d1-09');
  });

  it('a late arrival reinstated after the release time comes after the waiting patient', async () => {
    const { opd, clock } = scheduler({ ...presets.standard(), quota: new ChannelQuota({ WALK_IN: { reserve: 1, releaseMinutesBefore: 30 } }) });
    await doctorWithSlots(opd, 'd1', [9], 2);
    await opd.book(request('d1', 'PAID'));
    const walkIn = (await opd.book(request('d1', 'WALK_IN'))).token.id;
    const waiter = (await opd.book(request('d1', 'PAID'))).token.id;
    await opd.cancel(walkIn);
    // The place the walk-in left is the walk-ins' again until 08:30: the paid patient still waits.
    expect((await opd.getToken(waiter)).status).toBe('WAITLISTED');
    clock.set(at('08:35'));
    const back = await opd.reinstate(walkIn);
    expect(back.effects.map(typeAndToken)).toEqual([
      ['token:promoted', waiter],
      ['token:waitlisted', walkIn],
    ]);
    expect(back.token.status).toBe('WAITLISTED');
  });

  it('a hold after the release time finds the place promoted into', async () => {
    const { opd, waiter } = await waiting();
    await rejectsWith(opd.hold({ ...request('d1', 'ONLINE'), holdMinutes: 10 }), 'SLOT_FULL');
    // The refused hold changed nothing: the next call that touches the day promotes.
    expect((await opd.getToken(waiter)).status).toBe('WAITLISTED');
    expect((await opd.sweep()).map(typeAndToken)).toEqual([['token:promoted', waiter]]);
  });

  it('a sweep after the release time promotes the waiting patient, on a day with nobody due', async () => {
    const { opd, waiter } = await waiting();
    const effects = await opd.sweep();
    expect(effects.map(typeAndToken)).toEqual([['token:promoted', waiter]]);
    expect((await opd.getSlot('d1-09')).free).toBe(0);
    // At rest again: the next sweep finds nothing to do.
    expect(await opd.sweep()).toEqual([]);
  });

  it('a sweep before the release time leaves the reservation alone', async () => {
    const { opd, clock, waiter } = await waiting();
    clock.set(at('08:29'));
    expect(await opd.sweep()).toEqual([]);
    expect((await opd.getToken(waiter)).status).toBe('WAITLISTED');
  });
});
