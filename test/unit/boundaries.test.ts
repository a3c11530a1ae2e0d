/**
 * The exact edges of each rule — instants, counts and ranks that are equal — which random
 * operation sequences reach only by chance.
 */
import { CategoryPriority, ElasticCapacity, NoElasticCapacity, OpdScheduler, presets, RuleOverflow } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, queue, rejectsWith, request, scheduler } from '../helpers.js';

describe('edges of time', () => {
  it('sweep: a slot that started exactly a grace period ago is due; one minute later it is not', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const ten = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    // 09:15 is exactly 15 minutes after 09:00: the cutoff equals the start, nothing is due.
    clock.set(new Date(at('09:15').getTime() + 1));
    expect(await opd.sweep(at('09:15'))).toEqual([]);
    const effects = await opd.sweep(new Date(at('09:15').getTime() + 1));
    expect(effects.map((e) => ['tokenId' in e ? e.tokenId : null, e.type])).toEqual([[nine.token.id, 'token:no-show']]);
    expect((await opd.getToken(ten.token.id)).status).toBe('BOOKED');
    clock.set(at('10:15'));
    expect(await opd.sweep()).toEqual([]);
  });

  it('sweep: a token placed into a running slot gets its grace from then, to the millisecond', async () => {
    const { opd, clock } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9], 1);
    const first = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const second = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect(second.outcome).toBe('WAITLISTED');
    clock.set(at('09:30'));
    await opd.cancel(first.token.id); // second is promoted at 09:30
    clock.set(new Date(at('09:45').getTime() + 1));
    expect(await opd.sweep(at('09:45'))).toEqual([]);
    expect((await opd.sweep(new Date(at('09:45').getTime() + 1))).map((e) => e.type)).toEqual(['token:no-show']);
  });

  it('a slot ending now has ended; a slot starting now has started', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    const token = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    clock.set(at('10:00'));
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'SLOT_ENDED');
    await rejectsWith(opd.closeSlot('d1-09'), 'SLOT_ENDED');
    await rejectsWith(opd.setCapacity('d1-09', 5), 'SLOT_ENDED');
    expect((await opd.markNoShow(token.token.id)).token.status).toBe('NO_SHOW');
    expect((await opd.getSlot('d1-09')).waitlist).toEqual([]);
  });

  it('markNoShow one millisecond before the slot starts is not yet due', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const token = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    clock.set(new Date(at('09:00').getTime() - 1));
    const error = await rejectsWith(opd.markNoShow(token.token.id), 'NOT_YET_DUE');
    expect(error.details).toMatchObject({ field: 'tokenId', tokenId: token.token.id, slotId: 'd1-09', startsAt: at('09:00').toISOString() });
  });

  it('`after` equal to a slot start includes that slot; a request never moves earlier than it asked', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    expect((await opd.book(request('d1', 'ONLINE', { after: at('10:00') }))).token.slotId).toBe('d1-10');
    expect((await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10', after: at('10:00') }))).outcome).toBe('WAITLISTED');
    const error = await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', after: new Date(at('09:00').getTime() + 1) })), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'after', slotId: 'd1-09' });
    // The day's date is not in the past.
    expect((await opd.book(request('d1', 'ONLINE', { date: DAY }))).token.slotId).toBe('d1-09');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { date: '2026-01-29' })), 'VALIDATION_FAILED');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { date: '2026-01-31', slotId: 'd1-09' })), 'VALIDATION_FAILED');
  });

  it('a token waiting since a slot start is eligible for that slot', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const blocker = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const waiting = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    expect(waiting.outcome).toBe('WAITLISTED');
    expect((await opd.getSlot('d1-10')).waitlist.map((t) => t.id)).toEqual([waiting.token.id]);
    expect((await opd.getSlot('d1-09')).waitlist).toEqual([]);
    const { effects } = await opd.cancel(blocker.token.id);
    expect(effects).toMatchObject([{ type: 'token:promoted', tokenId: waiting.token.id, slotId: 'd1-10', fromSlotId: null }]);
  });
});

describe('edges of counts and ranks', () => {
  it('elastic places: exactly capacity + overflowCapacity, then bumping', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 1 });
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const e1 = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect([e1.overflow, e1.effects]).toEqual([true, []]);
    const e2 = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(e2.overflow).toBe(false);
    expect(e2.effects[0]).toMatchObject({ type: 'token:bumped', tokenId: online.token.id, byTokenId: e2.token.id });
    const e3 = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(e3.outcome).toBe('WAITLISTED');
  });

  it('equal ranks never bump; a token bumped exactly bumpLimit times is not bumpable', async () => {
    const { opd } = scheduler(presets.cascade({ bumpLimit: 1 }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await rejectsWith(opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' })), 'SLOT_FULL');
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    expect(paid.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:cascaded']);
    const moved = paid.effects[0]!;
    expect((await opd.getToken('tokenId' in moved ? moved.tokenId : '')).bumpCount).toBe(1);
    // The moved ONLINE token (bumped once) now holds 10:00; a PAID request cannot bump it again.
    const error = await rejectsWith(opd.book(request('d1', 'PAID', { slotId: 'd1-10' })), 'SLOT_FULL');
    expect(error.details).toMatchObject({ field: 'slotId', slotId: 'd1-10', doctorId: 'd1', day: DAY });
  });

  it('chainDepth bounds the chain exactly', async () => {
    for (const chainDepth of [1, 2]) {
      const { opd } = scheduler(presets.cascade({ chainDepth }));
      await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
      await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' }));
      await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
      await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-11' }));
      const e = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
      // Ranks 3 and 4 chain; WALK_IN has ONLINE's rank (4) in the cascade preset, so ONLINE cannot bump it.
      expect(e.effects.map((x) => x.type)).toEqual(['token:bumped', 'token:cascaded', 'token:bumped', 'token:dropped']);
    }
    const { opd } = scheduler(presets.standard({ chainDepth: 2, emergencyOverflow: 0, bumpLimit: 5 }));
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
    await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-10' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-11' }));
    const e = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(e.effects.map((x) => x.type)).toEqual(['token:bumped', 'token:cascaded', 'token:bumped', 'token:cascaded', 'token:bumped', 'token:waitlisted']);
  });

  it('setCapacity: exactly the places that can no longer move is allowed, one fewer is refused', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 3);
    const a = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.checkIn(a.token.id);
    await opd.checkIn(b.token.id);
    await opd.startConsultation(b.token.id);
    await opd.complete(b.token.id);
    const error = await rejectsWith(opd.setCapacity('d1-09', 1), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'capacity', slotId: 'd1-09', minimum: 2 });
    expect((await opd.setCapacity('d1-09', 2)).map((e) => e.type)).toEqual(['slot:capacity-changed']);
    expect(await opd.setCapacity('d1-09', 2)).toEqual([]);
    expect(await queue(opd, 'd1-09')).toHaveLength(2);
  });

  it('closeSlot names the patients who are in the building', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    const a = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.checkIn(a.token.id);
    const error = await rejectsWith(opd.closeSlot('d1-09'), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'slotId', slotId: 'd1-09', tokenIds: [a.token.id] });
    await opd.cancel(a.token.id);
    await opd.closeSlot('d1-09', { reason: 'doctor left' });
    const closed = await rejectsWith(opd.closeSlot('d1-09'), 'SLOT_CLOSED');
    expect(closed.details).toMatchObject({ field: 'slotId', slotId: 'd1-09' });
    expect((await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'SLOT_CLOSED')).details).toMatchObject({
      field: 'slotId',
      slotId: 'd1-09',
    });
  });

  it('errors of transitions and lookups carry their ids', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const t = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect((await rejectsWith(opd.complete(t.token.id), 'INVALID_TRANSITION')).details).toEqual({
      field: 'tokenId',
      tokenId: t.token.id,
      status: 'BOOKED',
      action: 'complete',
    });
    expect((await rejectsWith(opd.cancel('nope'), 'TOKEN_NOT_FOUND')).details).toEqual({ field: 'tokenId', tokenId: 'nope' });
    expect((await rejectsWith(opd.setCapacity('nope', 1), 'SLOT_NOT_FOUND')).details).toEqual({ field: 'slotId', slotId: 'nope' });
    expect((await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'nope' })), 'SLOT_NOT_FOUND')).details).toEqual({
      field: 'slotId',
      slotId: 'nope',
      doctorId: 'd1',
    });
    expect((await rejectsWith(opd.book(request('d9', 'ONLINE')), 'DOCTOR_NOT_FOUND')).details).toEqual({ field: 'doctorId', doctorId: 'd9' });
    expect((await rejectsWith(opd.addSlots('d9', []), 'DOCTOR_NOT_FOUND')).details).toEqual({ field: 'doctorId', doctorId: 'd9' });
    const dup = await rejectsWith(opd.book({ ...request('d1', 'ONLINE'), patient: t.token.patient }), 'DUPLICATE_BOOKING');
    expect(dup.details).toEqual({ field: 'patient.id', tokenId: t.token.id, doctorId: 'd1', day: DAY, scope: 'doctor-day', reason: 'same-day' });
    const custom = new OpdScheduler({
      priority: new CategoryPriority(),
      capacity: new NoElasticCapacity(),
      overflow: new RuleOverflow({ whenFull: { default: ['reject'] } }),
    });
    await custom.addDoctor({ id: 'd1', name: 'Dr One' });
    const none = await rejectsWith(custom.book(request('d1', 'ONLINE', { date: '2099-01-01' })), 'SLOT_FULL');
    expect(none.details).toEqual({ field: 'date', slotId: null, doctorId: 'd1', day: '2099-01-01' });
  });
});

describe('more edges', () => {
  it('sweep skips a slot starting exactly at the cutoff while an earlier slot makes the day due', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [8, 9], 1);
    const eight = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-08' }));
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    clock.set(at('09:15'));
    const effects = await opd.sweep(at('09:15'));
    expect(effects.map((e) => ('tokenId' in e ? e.tokenId : null))).toEqual([eight.token.id]);
    expect((await opd.getToken(nine.token.id)).status).toBe('BOOKED');
  });

  it('at the end of a slot, nothing is promoted into it, booked into it or shown as its waitlist', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const waiting = await opd.book(request('d1', 'ONLINE'));
    expect(waiting.outcome).toBe('WAITLISTED');
    clock.set(at('10:00'));
    await opd.checkIn(nine.token.id);
    await opd.cancel(nine.token.id);
    expect((await opd.getToken(waiting.token.id)).status).toBe('WAITLISTED');
    expect((await opd.getSlot('d1-09')).waitlist).toEqual([]);
    expect((await opd.getSlot('d1-10')).waitlist.map((t) => t.id)).toEqual([waiting.token.id]);
    const late = await opd.book(request('d1', 'ONLINE'));
    expect(late.token.slotId).toBeNull();
  });

  it('without usable slots today, a request without a slot is for the day of `after`, or the first day with a slot', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1, { day: '2026-02-02' });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const full = await opd.book(request('d1', 'ONLINE'));
    expect([full.token.day, full.outcome]).toEqual(['2026-02-02', 'WAITLISTED']);
    const { opd: empty } = scheduler();
    await empty.addDoctor({ id: 'd1', name: 'Dr One' });
    const later = await empty.book(request('d1', 'ONLINE', { after: new Date('2026-02-05T10:00:00Z') }));
    expect(later.token.day).toBe('2026-02-05');
  });

  it('an emergency bumps in the earliest full slot, not a later one', async () => {
    const { opd } = scheduler(presets.standard({ emergencyOverflow: 0 }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const e = await opd.book(request('d1', 'EMERGENCY'));
    expect(e.token.slotId).toBe('d1-09');
    expect(e.effects[0]).toMatchObject({ type: 'token:bumped', tokenId: nine.token.id });
  });

  it('victims among equals: latest or earliest request, then token number, for bumps and lowered capacity', async () => {
    for (const victimOrder of ['latest', 'earliest'] as const) {
      const { opd, clock } = scheduler(presets.cascade({ victimOrder }));
      await doctorWithSlots(opd, 'd1', [9, 10], 3);
      const a = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
      const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
      clock.advance(1);
      const c = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
      const bump = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
      expect(bump.effects[0]).toMatchObject({ type: 'token:bumped', tokenId: victimOrder === 'latest' ? c.token.id : a.token.id });
      const lowered = await opd.setCapacity('d1-09', 2);
      expect(lowered[1]).toMatchObject({ tokenId: b.token.id });
    }
    // Same request time: the token number decides.
    for (const victimOrder of ['latest', 'earliest'] as const) {
      const { opd } = scheduler(presets.cascade({ victimOrder }));
      await doctorWithSlots(opd, 'd1', [9], 2);
      const a = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
      const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
      const lowered = await opd.setCapacity('d1-09', 1);
      expect(lowered[1]).toMatchObject({ type: 'token:dropped', tokenId: victimOrder === 'latest' ? b.token.id : a.token.id });
    }
  });

  it('chainDepth 1 allows exactly one further bump', async () => {
    const { opd } = scheduler(presets.standard({ chainDepth: 1, emergencyOverflow: 0, bumpLimit: 5 }));
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
    await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-10' }));
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-11' }));
    const e = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(e.effects.map((x) => x.type)).toEqual(['token:bumped', 'token:cascaded', 'token:bumped', 'token:waitlisted']);
    expect((await opd.getToken(online.token.id)).slotId).toBe('d1-11');
  });

  it('a closed slot’s tokens chain-bump too (cascade with chainDepth)', async () => {
    const { opd } = scheduler(presets.cascade({ chainDepth: 1 }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const effects = await opd.closeSlot('d1-09');
    expect(effects.map((x) => [x.type, 'tokenId' in x ? x.tokenId : null])).toEqual([
      ['slot:closed', null],
      ['token:cascaded', paid.token.id],
      ['token:bumped', online.token.id],
      ['token:dropped', online.token.id],
    ]);
  });

  it('closeSlot refuses while a patient is in consultation', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const a = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.checkIn(a.token.id);
    await opd.startConsultation(a.token.id);
    expect((await rejectsWith(opd.closeSlot('d1-09'), 'VALIDATION_FAILED')).details).toMatchObject({ tokenIds: [a.token.id] });
  });

  it('per-slot waitlists: `none` waits for any slot, `next` for the next usable one (or none left), `from` falls back to next', async () => {
    const overflow = (slot: 'from' | 'next' | 'none') =>
      new RuleOverflow({
        waitlist: 'slot',
        whenFull: { EMERGENCY: ['bump'], default: ['waitlist'] },
        whenDisplaced: { default: [{ kind: 'waitlist', slot }] },
      });
    const waitingFor = async (slot: 'from' | 'next' | 'none', close: boolean): Promise<string | null> => {
      const { opd } = scheduler({ priority: new CategoryPriority(), capacity: new NoElasticCapacity(), overflow: overflow(slot) });
      await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
      const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
      await opd.book(request('d1', 'PAID', { slotId: 'd1-11' }));
      if (close) await opd.closeSlot('d1-10');
      else await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }));
      return (await opd.getToken(online.token.id)).waitingForSlotId;
    };
    expect(await waitingFor('none', false)).toBeNull();
    expect(await waitingFor('next', false)).toBe('d1-11');
    expect(await waitingFor('from', false)).toBe('d1-10');
    expect(await waitingFor('from', true)).toBe('d1-11');
    const { opd } = scheduler({ priority: new CategoryPriority(), capacity: new NoElasticCapacity(), overflow: overflow('next') });
    await doctorWithSlots(opd, 'd1', [9], 1);
    const last = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.closeSlot('d1-09');
    expect((await opd.getToken(last.token.id)).waitingForSlotId).toBeNull();
  });

  it('a token with elastic rights may be bumped from a slot at capacity', async () => {
    const { opd } = scheduler({
      priority: new CategoryPriority(),
      capacity: new ElasticCapacity({ categories: ['WALK_IN'], limit: 1 }),
      overflow: new RuleOverflow({ whenFull: { PAID: ['bump'], default: ['waitlist'] } }),
    });
    await doctorWithSlots(opd, 'd1', [9], 1);
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    expect(paid.effects[0]).toMatchObject({ type: 'token:bumped', tokenId: walkIn.token.id });
  });

  it('stats: categories sorted, elastic places counted', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 1 });
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    const stats = await opd.stats();
    expect(Object.keys(stats.byCategory)).toEqual(['EMERGENCY', 'PAID', 'WALK_IN']);
    expect([stats.places, stats.overflowUsed, stats.capacity]).toEqual([2, 1, 1]);
  });

  it('SLOT_FULL says which slot is full, or that no open slot is left', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    expect((await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'SLOT_FULL')).message).toMatch(/d1-09.*full/);
    expect((await rejectsWith(opd.book(request('d1', 'ONLINE', { date: '2026-02-01' })), 'SLOT_FULL')).message).toMatch(/no open slot/);
    expect((await rejectsWith(opd.book(request('d1', 'ONLINE', { date: '2026-01-01' })), 'VALIDATION_FAILED')).message).toMatch(/past/);
    expect((await rejectsWith(opd.addDoctor({ id: 'd1', name: 'Again' }), 'VALIDATION_FAILED')).details).toEqual({ field: 'id', doctorId: 'd1' });
    const again = await rejectsWith(opd.addSlots('d1', [{ id: 'd1-09', start: at('12:00'), end: at('13:00'), capacity: 1 }]), 'VALIDATION_FAILED');
    expect(again.details).toEqual({ field: 'slots[0].id', slotId: 'd1-09' });
    expect(again.message).toMatch(/already exists/);
    expect((await rejectsWith(opd.addSlots('d9', []), 'DOCTOR_NOT_FOUND')).message).toMatch(/d9/);
  });
});
