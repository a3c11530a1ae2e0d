/**
 * The exact edges of each rule — instants, counts and ranks that are equal — which random
 * operation sequences reach only by chance.
 */
import { OpdScheduler, presets, RuleOverflow, CategoryPriority, NoElasticCapacity } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, queue, rejectsWith, request, scheduler } from '../helpers.js';

describe('edges of time', () => {
  it('sweep: a slot that started exactly a grace period ago is due; one minute later it is not', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const ten = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    // 09:15 is exactly 15 minutes after 09:00: the cutoff equals the start, nothing is due.
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
    expect((await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'SLOT_CLOSED')).details).toMatchObject({ field: 'slotId', slotId: 'd1-09' });
  });

  it('errors of transitions and lookups carry their ids', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const t = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect((await rejectsWith(opd.complete(t.token.id), 'INVALID_TRANSITION')).details).toEqual({ field: 'tokenId', tokenId: t.token.id, status: 'BOOKED', action: 'complete' });
    expect((await rejectsWith(opd.cancel('nope'), 'TOKEN_NOT_FOUND')).details).toEqual({ field: 'tokenId', tokenId: 'nope' });
    expect((await rejectsWith(opd.setCapacity('nope', 1), 'SLOT_NOT_FOUND')).details).toEqual({ field: 'slotId', slotId: 'nope' });
    expect((await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'nope' })), 'SLOT_NOT_FOUND')).details).toEqual({ field: 'slotId', slotId: 'nope', doctorId: 'd1' });
    expect((await rejectsWith(opd.book(request('d9', 'ONLINE')), 'DOCTOR_NOT_FOUND')).details).toEqual({ field: 'doctorId', doctorId: 'd9' });
    expect((await rejectsWith(opd.addSlots('d9', []), 'DOCTOR_NOT_FOUND')).details).toEqual({ field: 'doctorId', doctorId: 'd9' });
    const dup = await rejectsWith(opd.book({ ...request('d1', 'ONLINE'), patient: t.token.patient }), 'DUPLICATE_BOOKING');
    expect(dup.details).toEqual({ field: 'patient.id', tokenId: t.token.id, doctorId: 'd1', day: DAY });
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
