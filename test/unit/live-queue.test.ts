import { OpdScheduler, presets, type OpdEvent, type OpdSchedulerOptions } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, doctorWithSlots, observe, rejectsWith, request, scheduler, TestClock } from '../helpers.js';

const standard: OpdSchedulerOptions = { ...presets.standard() };
const idOf = (e: OpdEvent): string | null => ('tokenId' in e ? e.tokenId : null);

describe('the live queue', () => {
  it('callNext calls an emergency checked in first, from any slot, then the first checked-in place in queue order, slot by slot, with its room; nobody checked in is null', async () => {
    const clock = new TestClock(at('08:30'));
    const { opd } = scheduler(standard, clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    const later = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }));
    expect(await opd.callNext('d1')).toEqual({ token: null, effects: [] });
    expect(await opd.history()).toHaveLength(3);
    await opd.checkIn(online.token.id);
    await opd.checkIn(paid.token.id);
    const seen: OpdEvent[] = [];
    opd.on('token:called', (e) => seen.push(e));
    // PAID ranks before ONLINE in the 09:00 slot.
    const first = await opd.callNext('d1', { room: 'Room 4', actor: 'dr-rao' });
    expect(first.token).toMatchObject({ id: paid.token.id, status: 'CHECKED_IN', label: paid.token.label });
    expect(seen).toEqual([
      expect.objectContaining({ type: 'token:called', tokenId: paid.token.id, slotId: 'd1-09', room: 'Room 4', recall: false, actor: 'dr-rao' }),
    ]);
    // Calling changes nothing: the same patient until the consultation starts.
    expect((await opd.callNext('d1')).token?.id).toBe(paid.token.id);
    expect(seen[1]).toMatchObject({ room: null, recall: false });
    await opd.startConsultation(paid.token.id);
    // The emergency of the 10:00 slot checks in: called before the 09:00 slot's online patient,
    // and its estimate says so; the positions in each slot stay in queue order.
    expect((await opd.getToken(later.token.id)).estimatedStart).toEqual(at('10:00'));
    await opd.checkIn(later.token.id);
    const [emergency, waiting] = [await opd.getToken(later.token.id), await opd.getToken(online.token.id)];
    // Next when the consultation in progress ends (08:30 + 5 minutes), before the online patient.
    expect(emergency.estimatedStart).toEqual(at('08:35'));
    expect(waiting.estimatedStart).toEqual(at('09:00'));
    expect([emergency.position, waiting.position]).toEqual([1, 2]);
    expect((await opd.getSlot('d1-09')).places.map((t) => t.id)).toEqual([paid.token.id, online.token.id]);
    expect((await opd.callNext('d1', { room: 'Room 4' })).token?.id).toBe(later.token.id);
    await opd.startConsultation(later.token.id);
    expect((await opd.callNext('d1')).token?.id).toBe(online.token.id);
    await opd.startConsultation(online.token.id);
    expect((await opd.callNext('d1')).token).toBeNull();
  });

  it("callNext past midnight calls an emergency of the new day before the night session's other patients", async () => {
    let now = new Date('2026-03-10T17:00:00Z'); // 22:30 IST
    const opd = new OpdScheduler({ ...standard, timeZone: 'Asia/Kolkata', clock: () => now });
    await opd.addDoctor({ id: 'n', name: 'Night OPD' });
    await opd.addSlots('n', [
      { id: 'night', start: '2026-03-10T23:00:00+05:30', end: '2026-03-11T01:00:00+05:30', capacity: 5 },
      { id: 'early', start: '2026-03-11T01:00:00+05:30', end: '2026-03-11T02:00:00+05:30', capacity: 5 },
    ]);
    const book = async (id: string, slotId: string, category = 'WALK_IN') =>
      (await opd.book({ doctorId: 'n', category, patient: { id, name: id }, slotId })).token;
    const night = await book('a', 'night');
    await opd.checkIn(night.id);
    now = new Date('2026-03-10T19:05:00Z'); // 00:35 on the 11th: the night session runs until 01:00
    const emergency = await book('e', 'early', 'EMERGENCY');
    await opd.checkIn(emergency.id);
    expect((await opd.callNext('n')).token?.id).toBe(emergency.id);
    await opd.startConsultation(emergency.id);
    expect((await opd.callNext('n')).token?.id).toBe(night.id);
  });

  it('callNext past midnight calls first the checked-in patients of a night session still running from the day before', async () => {
    // Kolkata: a day clinic and a night session, 23:00–01:00, on the 10th; a slot at 01:00 on the 11th.
    let now = new Date('2026-03-10T03:00:00Z'); // 08:30 IST
    const opd = new OpdScheduler({ ...standard, timeZone: 'Asia/Kolkata', clock: () => now });
    await opd.addDoctor({ id: 'n', name: 'Night OPD' });
    await opd.addSlots('n', [
      { id: 'day', start: '2026-03-10T09:00:00+05:30', end: '2026-03-10T10:00:00+05:30', capacity: 5 },
      { id: 'night', start: '2026-03-10T23:00:00+05:30', end: '2026-03-11T01:00:00+05:30', capacity: 5 },
      { id: 'early', start: '2026-03-11T01:00:00+05:30', end: '2026-03-11T02:00:00+05:30', capacity: 5 },
    ]);
    const book = async (id: string, slotId: string) => (await opd.book({ doctorId: 'n', category: 'WALK_IN', patient: { id, name: id }, slotId })).token;
    const forgotten = await book('f', 'day');
    await opd.checkIn(forgotten.id); // never seen, never completed
    const night = await book('a', 'night');
    const early = await book('b', 'early');
    expect([night.day, early.day]).toEqual(['2026-03-10', '2026-03-11']);
    now = new Date('2026-03-10T18:25:00Z'); // 23:55
    await opd.checkIn(night.id);
    now = new Date('2026-03-10T19:05:00Z'); // 00:35 on the 11th: the night session runs until 01:00
    await opd.checkIn(early.id);
    expect((await opd.callNext('n')).token?.id).toBe(night.id);
    await opd.startConsultation(night.id);
    expect((await opd.callNext('n')).token?.id).toBe(early.id);
    await opd.startConsultation(early.id);
    const late = await book('c', 'night');
    await opd.checkIn(late.id);
    expect((await opd.callNext('n')).token?.id).toBe(late.id);
    // Once the night session has ended, its patient left checked in is not called, nor the day
    // clinic's forgotten one: the new day's patients come first.
    now = new Date('2026-03-10T19:40:00Z'); // 01:10
    expect((await opd.callNext('n')).token).toBeNull();
    const next = await book('d', 'early');
    await opd.checkIn(next.id);
    expect((await opd.callNext('n')).token?.id).toBe(next.id);
  });

  it('callNext finds the night session after a day of 23 hours', async () => {
    // New York moved its clocks forward on 2026-03-08: 24 hours before 00:30 on the 9th is the 7th.
    let now = new Date('2026-03-08T22:50:00-04:00');
    const opd = new OpdScheduler({ ...standard, timeZone: 'America/New_York', clock: () => now });
    await opd.addDoctor({ id: 'n', name: 'Night OPD' });
    await opd.addSlots('n', [{ id: 'night', start: '2026-03-08T23:00:00-04:00', end: '2026-03-09T01:00:00-04:00', capacity: 2 }]);
    const { token } = await opd.book({ doctorId: 'n', category: 'WALK_IN', patient: { id: 'a', name: 'A' }, slotId: 'night' });
    now = new Date('2026-03-08T23:10:00-04:00');
    await opd.checkIn(token.id);
    now = new Date('2026-03-09T00:30:00-04:00');
    expect((await opd.callNext('n')).token?.id).toBe(token.id);
  });

  it('reinstate brings back a token of the day before while its night session is still running, and not after', async () => {
    let now = new Date('2026-03-10T17:00:00Z'); // 22:30 IST
    const opd = new OpdScheduler({ ...standard, timeZone: 'Asia/Kolkata', clock: () => now });
    await opd.addDoctor({ id: 'n', name: 'Night OPD' });
    await opd.addSlots('n', [{ id: 'night', start: '2026-03-10T23:00:00+05:30', end: '2026-03-11T01:00:00+05:30', capacity: 5 }]);
    const [a, b] = [
      (await opd.book({ doctorId: 'n', category: 'WALK_IN', patient: { id: 'a', name: 'A' }, slotId: 'night' })).token,
      (await opd.book({ doctorId: 'n', category: 'WALK_IN', patient: { id: 'b', name: 'B' }, slotId: 'night' })).token,
    ];
    await opd.cancel(a.id);
    await opd.cancel(b.id);
    now = new Date('2026-03-10T18:35:00Z'); // 00:05 on the 11th, the session runs until 01:00
    const back = await opd.reinstate(a.id);
    expect(back.token).toMatchObject({ status: 'BOOKED', slotId: 'night', day: '2026-03-10' });
    now = new Date('2026-03-10T19:31:00Z'); // 01:01: the session has ended
    expect((await rejectsWith(opd.reinstate(b.id), 'INVALID_TRANSITION')).details).toMatchObject({ field: 'tokenId', day: '2026-03-10' });
    expect((await opd.getToken(b.id)).status).toBe('CANCELLED');
  });

  it("a booking's estimated start follows the day's pace and the consultation in progress, as getToken gives it", async () => {
    const clock = new TestClock(at('08:30'));
    const { opd } = scheduler(standard, clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    const first = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const second = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    // Before anyone is seen: one consultation time per place ahead, from the slot's start.
    const before = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    expect(before.token).toEqual(await opd.getToken(before.token.id));
    for (const { token } of [first, second]) await opd.checkIn(token.id);
    clock.set(at('09:00'));
    await opd.startConsultation(first.token.id);
    clock.set(at('09:20'));
    await opd.complete(first.token.id);
    await opd.startConsultation(second.token.id);
    clock.set(at('09:22'));
    const after = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect(after.token).toEqual(await opd.getToken(after.token.id));
    // Next after the consultation that started at 09:20 ends, not now.
    expect(after.token).toMatchObject({ position: 3, estimateStatus: 'ON_TIME' });
    expect(after.token.estimatedStart!.getTime()).toBeGreaterThan(at('09:22').getTime());
  });

  it('recall calls a checked-in patient again; anyone else is an invalid transition', async () => {
    const { opd } = scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 5);
    const a = await opd.book(request('d1', 'ONLINE'));
    await rejectsWith(opd.recall(a.token.id), 'INVALID_TRANSITION');
    await opd.checkIn(a.token.id);
    const again = await opd.recall(a.token.id, { room: 'Room 2', actor: 'desk-1' });
    expect(again).toMatchObject({ token: { id: a.token.id, status: 'CHECKED_IN' }, effects: [] });
    expect((await opd.history()).at(-1)).toMatchObject({ type: 'token:called', tokenId: a.token.id, room: 'Room 2', recall: true, actor: 'desk-1' });
    await rejectsWith(opd.recall('d1~2026-01-30~9'), 'TOKEN_NOT_FOUND');
  });

  it("reinstate brings a no-show back at the end of the running slot ('queue-end'), as a request made now", async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler(standard, clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 3, { overflowCapacity: 0 });
    const late = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const other = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    clock.set(at('09:20'));
    await opd.sweep();
    expect((await opd.getToken(late.token.id)).status).toBe('NO_SHOW');
    const walkIn = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.checkIn(walkIn.token.id);
    clock.set(at('09:40'));
    const back = await opd.reinstate(late.token.id, { actor: 'desk-1' });
    expect(back.token).toMatchObject({
      id: late.token.id,
      tokenNumber: late.token.tokenNumber,
      label: late.token.label,
      status: 'BOOKED',
      slotId: 'd1-09',
      cancelReason: null,
    });
    expect(back.token.requestedAt).toEqual(at('09:40'));
    // Behind the walk-in of its rank who asked earlier.
    expect((await opd.getSlot('d1-09')).places.map((t) => t.id)).toEqual([walkIn.token.id, late.token.id]);
    const events = (await opd.history()).slice(-2);
    expect(events.map((e) => [e.type, idOf(e), e.actor])).toEqual([
      ['token:reinstated', late.token.id, 'desk-1'],
      ['token:booked', late.token.id, 'desk-1'],
    ]);
    expect(events[0]).toMatchObject({ fromStatus: 'NO_SHOW', lateArrival: 'queue-end' });
    expect(other.token.status).toBe('BOOKED');
  });

  it("reinstate under 'rebook' books the earliest slot with a free place; a full day waits under the overflow strategy", async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler({ ...standard, lateArrival: 'rebook' }, clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const a = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.cancel(a.token.id, { reason: 'by mistake' });
    const back = await opd.reinstate(a.token.id);
    expect(back.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
    expect((await opd.history()).at(-2)).toMatchObject({ type: 'token:reinstated', fromStatus: 'CANCELLED', lateArrival: 'rebook' });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    await opd.cancel(a.token.id);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const waiting = await opd.reinstate(a.token.id);
    expect(waiting.token).toMatchObject({ status: 'WAITLISTED', slotId: null });
  });

  it('refuses what cannot come back, changing nothing', async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler(standard, clock);
    await doctorWithSlots(opd, 'd1', [9], 3);
    await doctorWithSlots(opd, 'd2', [9], 3, { day: '2026-01-31' });
    const live = await opd.book(request('d1', 'ONLINE'));
    const held = await opd.hold({ ...request('d1', 'ONLINE'), holdMinutes: 5 });
    await opd.release(held.token.id);
    const tomorrow = await opd.book(request('d2', 'ONLINE'));
    await opd.cancel(tomorrow.token.id);
    const twin = await opd.book(request('d1', 'ONLINE', { patientId: 'twin' }));
    await opd.cancel(twin.token.id);
    await opd.book(request('d1', 'WALK_IN', { patientId: 'twin' }));
    const before = await observe(opd, 'd1');
    expect((await rejectsWith(opd.reinstate(live.token.id), 'INVALID_TRANSITION')).details).toMatchObject({ action: 'reinstate', status: 'BOOKED' });
    expect((await rejectsWith(opd.reinstate(held.token.id), 'INVALID_TRANSITION')).details).toMatchObject({ cancelReason: 'hold-released' });
    expect((await rejectsWith(opd.reinstate(tomorrow.token.id), 'INVALID_TRANSITION')).details).toMatchObject({ day: '2026-01-31' });
    await rejectsWith(opd.reinstate(twin.token.id), 'DUPLICATE_BOOKING');
    await rejectsWith(opd.reinstate('d1~2026-01-30~99'), 'TOKEN_NOT_FOUND');
    expect(await observe(opd, 'd1')).toEqual(before);
  });

  it('refuses bad input with VALIDATION_FAILED naming the field', async () => {
    const { opd } = scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 3);
    const a = await opd.book(request('d1', 'ONLINE'));
    await opd.checkIn(a.token.id);
    const before = await observe(opd, 'd1');
    for (const room of ['', 'x'.repeat(51), 'Room\n4', 4]) {
      expect((await rejectsWith(opd.callNext('d1', { room: room as never }), 'VALIDATION_FAILED')).details.field).toBe('opts.room');
      expect((await rejectsWith(opd.recall(a.token.id, { room: room as never }), 'VALIDATION_FAILED')).details.field).toBe('opts.room');
    }
    await rejectsWith(opd.callNext('d1', { floor: 2 } as never), 'VALIDATION_FAILED');
    await rejectsWith(opd.callNext('no such doctor!'), 'VALIDATION_FAILED');
    await rejectsWith(opd.callNext('nobody'), 'DOCTOR_NOT_FOUND');
    await rejectsWith(opd.reinstate(a.token.id, { actor: 5 } as never), 'VALIDATION_FAILED');
    expect(await observe(opd, 'd1')).toEqual(before);
    expect(() => new OpdScheduler({ lateArrival: 'whenever' as never })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'lateArrival' }) }),
    );
  });
  it('an emergency brought back is placed by the emergency rule, never refused', async () => {
    // A cascade day with no room: booked, the emergency waits; cancelled by mistake and brought
    // back, it must wait again rather than be refused as a non-emergency would be.
    const clock = new TestClock(at('07:30'));
    const { opd } = scheduler({ ...presets.cascade() }, clock);
    await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    const booked = await opd.book(request('d1', 'EMERGENCY'));
    expect(booked.token.status).toBe('WAITLISTED');
    await opd.cancel(booked.token.id);
    const back = await opd.reinstate(booked.token.id);
    expect(back.token).toMatchObject({ id: booked.token.id, status: 'WAITLISTED' });
  });
});
