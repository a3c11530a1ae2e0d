/**
 * What a caller or a listener must not be able to do to patients or to each other: sweep a slot
 * that has not started, promote into a slot that has ended, change a result or an event that
 * others share.
 */
import { OpdScheduler, presets, type OpdEvent, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

describe('sweep trusts the clock', () => {
  it('refuses a `now` later than the clock and marks nobody', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    await doctorWithSlots(opd, 'd2', [9], 2, { day: '2026-01-31' });
    const today = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const tomorrow = await opd.book(request('d2', 'ONLINE'));
    clock.set(at('09:30'));
    const before = await opd.history();
    const error = await rejectsWith(opd.sweep(new Date('2099-01-01T00:00:00Z')), 'VALIDATION_FAILED');
    expect(error.details).toEqual({ field: 'now' });
    await rejectsWith(opd.sweep(new Date(at('09:30').getTime() + 1)), 'VALIDATION_FAILED');
    expect(await opd.history()).toEqual(before);
    expect((await opd.getToken(tomorrow.token.id)).status).toBe('BOOKED');
    // At the clock itself, only what is due is swept.
    const effects = await opd.sweep(at('09:30'));
    expect(effects.map((e) => ('tokenId' in e ? e.tokenId : null))).toEqual([today.token.id]);
    expect((await opd.getToken(tomorrow.token.id)).status).toBe('BOOKED');
  });

  it('a past `now` never promotes into a slot that has ended by the clock; changes happen at the clock', async () => {
    const { opd, clock } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const ten = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const waiting = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect(waiting.outcome).toBe('WAITLISTED');
    // At 10:30 the 09:00 slot has ended: sweeping as of 09:20 marks its no-show but must not
    // promote anyone into it (nor into 10:00, still held).
    clock.set(at('10:30'));
    const effects = await opd.sweep(at('09:20'));
    expect(effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([['token:no-show', nine.token.id]]);
    expect(effects[0]!.at.getTime()).toBe(at('10:30').getTime());
    expect((await opd.getToken(waiting.token.id)).status).toBe('WAITLISTED');
    expect((await opd.getToken(ten.token.id)).status).toBe('BOOKED');
  });
});

describe('results and events are immutable', () => {
  it('editing a returned booking result cannot change what later replays return', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const req = request('d1', 'ONLINE', { idempotencyKey: 'k1' });
    const first = await opd.book(req);
    const copy = structuredClone(first);
    expect(() => {
      (first as { outcome: string }).outcome = 'WAITLISTED';
    }).toThrow(TypeError);
    expect(() => {
      (first.token as { status: string }).status = 'CANCELLED';
    }).toThrow(TypeError);
    expect(() => (first.effects as unknown[]).push(null)).toThrow(TypeError);
    expect(() => first.token.requestedAt.setTime(0)).toThrow(TypeError);
    expect(() => first.token.updatedAt.setFullYear(2000)).toThrow(TypeError);
    const replay = await opd.book(req);
    expect(replay.replayed).toBe(true);
    expect(structuredClone({ ...replay, replayed: undefined })).toEqual({ ...copy, replayed: undefined });
    expect(() => {
      (replay as { overflow: boolean }).overflow = true;
    }).toThrow(TypeError);
  });

  it('a listener cannot change an event for the other listeners or for the caller', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.book(request('d1', 'WALK_IN'));
    const seen: number[] = [];
    const failures: unknown[] = [];
    opd.on('event', (e: OpdEvent) => {
      try {
        e.at.setTime(0);
      } catch (error) {
        failures.push(error);
      }
      seen.push(e.at.getTime());
    });
    opd.on('token:bumped', (e) => seen.push(e.at.getTime()));
    const result = await opd.book(request('d1', 'PAID'));
    const now = at('07:00').getTime();
    expect(result.effects.map((e) => e.at.getTime())).toEqual(result.effects.map(() => now));
    expect(seen.every((t) => t === now)).toBe(true);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((f) => f instanceof TypeError)).toBe(true);
    // Stored events read back are immutable too.
    const [stored] = await opd.history({ limit: 1 });
    expect(() => stored!.at.setUTCHours(0)).toThrow(TypeError);
    expect(stored!.at).toBeInstanceOf(Date);
  });

  it('a date changed through Date.prototype itself reaches no later call nor any read', async () => {
    // FixedDate's setters throw, but `Date.prototype.setTime.call(date, …)` changes any Date: the
    // dates the scheduler reuses for an instant must not carry such a change to others.
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    const changeAt = (e: OpdEvent): void => void Date.prototype.setTime.call(e.at, 0);
    opd.once('event', changeAt);
    const first = await opd.book(request('d1', 'ONLINE'));
    const changedSlot = (await opd.getSlot('d1-09')).slot.start;
    Date.prototype.setTime.call(changedSlot, 0);
    const second = await opd.book(request('d1', 'ONLINE'));
    const when = first.token.updatedAt.getTime() === 0 ? second.token.requestedAt : first.token.requestedAt;
    expect(when.getTime()).not.toBe(0);
    expect(second.token.requestedAt.getTime()).not.toBe(0);
    expect((await opd.getToken(first.token.id)).requestedAt.getTime()).not.toBe(0);
    expect((await opd.history()).every((e) => e.at.getTime() !== 0)).toBe(true);
    expect((await opd.getSlot('d1-09')).slot.start.getTime()).toBe(at('09:00').getTime());
  });

  it('dates handed out still behave as dates: compare, print, serialize, copy', async () => {
    const opd = new OpdScheduler({ clock: () => at('07:00') });
    await doctorWithSlots(opd, 'd1', [9], 1);
    const { token } = await opd.book(request('d1', 'ONLINE'));
    expect(token.requestedAt.toISOString()).toBe('2026-01-30T07:00:00.000Z');
    expect(JSON.parse(JSON.stringify(token)).requestedAt).toBe('2026-01-30T07:00:00.000Z');
    const copy = new Date(token.requestedAt);
    copy.setUTCHours(8);
    expect(copy.getTime()).toBe(at('08:00').getTime());
    expect(token.requestedAt.getTime()).toBe(at('07:00').getTime());
  });

  it('a replay promises the original outcome, not the token as it is now', async () => {
    const { opd } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9], 1);
    const holder = await opd.book(request('d1', 'ONLINE'));
    const req = request('d1', 'ONLINE', { idempotencyKey: 'late' });
    const first = await opd.book(req);
    expect(first.outcome).toBe('WAITLISTED');
    await opd.cancel(holder.token.id); // promotes the waiting token
    const replay = await opd.book(req);
    expect(replay).toMatchObject({ replayed: true, outcome: 'WAITLISTED', token: { status: 'WAITLISTED', slotId: null } });
    expect((await opd.getToken(first.token.id)).status).toBe('BOOKED');
  });
});

describe('commands on large slots', () => {
  it('lowering and raising the capacity of a 120-place slot moves exactly the worst places, then brings them back', async () => {
    const { opd } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9], 120);
    const categories = ['ONLINE', 'WALK_IN', 'FOLLOW_UP', 'PAID'] as const;
    const tokens: Token[] = [];
    for (let i = 0; i < 120; i++) tokens.push((await opd.book(request('d1', categories[i % 4]!))).token);
    await opd.checkIn(tokens[7]!.id);
    const effects = await opd.setCapacity('d1-09', 50);
    const moved = effects.filter((e) => e.type === 'token:waitlisted').map((e) => ('tokenId' in e ? e.tokenId : ''));
    expect(moved).toHaveLength(70);
    // The 70 worst leave, by rank (WALK_IN 5, ONLINE 4, FOLLOW_UP 3, PAID 2), latest request
    // first; they move on (here: to the waitlist) best first.
    const rankOf: Record<string, number> = { PAID: 2, FOLLOW_UP: 3, ONLINE: 4, WALK_IN: 5 };
    const expected = tokens
      .filter((t) => t.id !== tokens[7]!.id)
      .sort((a, b) => rankOf[b.category]! - rankOf[a.category]! || b.tokenNumber - a.tokenNumber)
      .slice(0, 70)
      .map((t) => t.id);
    expect(moved).toEqual([...expected].reverse());
    const slot = await opd.getSlot('d1-09');
    expect(slot.places).toHaveLength(50);
    expect(new Set(slot.places.map((t) => t.id))).toEqual(new Set(tokens.map((t) => t.id).filter((id) => !moved.includes(id))));
    expect((await opd.getWaitlist('d1', slot.slot.day)).map((t) => t.id).sort()).toEqual([...moved].sort());
    // Raising it again promotes them back, best first.
    const back = await opd.setCapacity('d1-09', 120);
    const promoted = back.filter((e) => e.type === 'token:promoted').map((e) => ('tokenId' in e ? e.tokenId : ''));
    expect(promoted).toEqual([...expected].reverse());
    expect((await opd.getSlot('d1-09')).places).toHaveLength(120);
    const stats = await opd.stats();
    expect(stats.byStatus).toMatchObject({ BOOKED: 119, CHECKED_IN: 1, WAITLISTED: 0 });
  });
});
