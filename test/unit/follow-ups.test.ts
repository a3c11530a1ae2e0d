import { OpdScheduler, presets, type OpdSchedulerOptions, type Token } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { at, DAY, doctorWithSlots, rejectsWith, request, TestClock } from '../helpers.js';

const standard: OpdSchedulerOptions = { ...presets.standard() };
const stores = conformanceStores('follow_ups');

/** `DAY` plus `n` days. */
function dayAfter(n: number): string {
  return new Date(Date.parse(`${DAY}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

describe.each(Object.entries(stores).filter(([name, open]) => open !== undefined && !name.includes('standby')))('follow-ups (%s)', (_name, open) => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
    cleanups = [];
  });
  const scheduler = async (options: OpdSchedulerOptions = standard): Promise<{ opd: OpdScheduler; clock: TestClock }> => {
    const store = await open!();
    const clock = new TestClock(at('07:00'));
    const opd = new OpdScheduler({ ...options, storage: store.storage(), clock: clock.now });
    cleanups.push(async () => {
      await opd.close();
      await store.cleanup();
    });
    return { opd, clock };
  };
  /** A visit of today, checked in and completed. */
  const visit = async (opd: OpdScheduler, doctorId = 'd1', patientId = 'p-visit'): Promise<Token> => {
    const { token } = await opd.book(request(doctorId, 'ONLINE', { slotId: `${doctorId}-09`, patientId }));
    await opd.checkIn(token.id);
    await opd.startConsultation(token.id);
    return (await opd.complete(token.id)).token;
  };

  it('books a FOLLOW_UP token in the earliest usable place of its window; asked again, it is the same follow-up', async () => {
    const { opd } = await scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    // Day +6 is full, day +7 has room: window 7 ± 1 takes day +6 first, so fill it.
    await opd.addSlots(
      'd1',
      [6, 7, 8].map((n) => ({ id: `d1-${n}`, start: `${dayAfter(n)}T10:00:00Z`, end: `${dayAfter(n)}T11:00:00Z`, capacity: 1, overflowCapacity: 0 })),
    );
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-6' }));
    const seen = await visit(opd);
    const events: string[] = [];
    opd.on('event', (e) => events.push(e.type));
    const first = await opd.bookFollowUp(seen.id, { afterDays: 7, windowDays: 1, actor: 'dr-1' });
    expect(first.followUp).toMatchObject({
      id: `${seen.id}~f`,
      fromTokenId: seen.id,
      status: 'BOOKED',
      dueDate: dayAfter(7),
      from: dayAfter(6),
      to: dayAfter(8),
      toDoctorId: 'd1',
    });
    expect(first.token).toMatchObject({ category: 'FOLLOW_UP', status: 'BOOKED', day: dayAfter(7), slotId: 'd1-7', patient: { id: 'p-visit' } });
    expect(events).toEqual(['token:booked', 'followup:booked']);
    const again = await opd.bookFollowUp(seen.id, { afterDays: 3 });
    expect(again).toMatchObject({ replayed: true, followUp: { status: 'BOOKED', tokenId: first.token!.id }, token: { id: first.token!.id } });
    expect(events).toEqual(['token:booked', 'followup:booked']);
    const history = await opd.history();
    const booked = history.find((e) => e.type === 'followup:booked');
    expect(booked).toMatchObject({ actor: 'dr-1', followUpId: `${seen.id}~f`, toTokenId: first.token!.id, toDay: dayAfter(7) });
    expect(JSON.stringify(booked)).not.toContain('p-visit');
  });

  it('no place in the window: due, listed, tried again by the sweep once a place opens; cancelled only by an actor', async () => {
    const { opd, clock } = await scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    await opd.addSlots('d1', [{ id: 'd1-7', start: `${dayAfter(7)}T10:00:00Z`, end: `${dayAfter(7)}T11:00:00Z`, capacity: 1, overflowCapacity: 0 }]);
    const blocker = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-7' }));
    const seen = await visit(opd);
    const due = await opd.bookFollowUp(seen.id, { afterDays: 7 });
    expect(due).toMatchObject({ followUp: { status: 'DUE', tokenId: null }, token: null });
    expect((await opd.history()).at(-1)).toMatchObject({ type: 'followup:due', from: dayAfter(7), to: dayAfter(7) });
    expect((await opd.dueFollowUps()).map((f) => f.id)).toEqual([due.followUp.id]);
    expect(await opd.dueFollowUps({ date: dayAfter(8) })).toEqual([]);
    // A sweep with no place changes nothing for it.
    clock.set(at('12:00'));
    expect((await opd.sweep()).filter((e) => e.type.startsWith('followup:'))).toEqual([]);
    // A place opens: the next sweep books it.
    await opd.cancel(blocker.token.id);
    const swept = await opd.sweep();
    expect(swept.map((e) => e.type).filter((t) => t === 'token:booked' || t === 'followup:booked')).toEqual(['token:booked', 'followup:booked']);
    expect(await opd.dueFollowUps()).toEqual([]);
    const again = await opd.bookFollowUp(seen.id, { afterDays: 7 });
    expect(again.followUp.status).toBe('BOOKED');
    expect(again.token).toMatchObject({ slotId: 'd1-7', category: 'FOLLOW_UP' });
    await rejectsWith(opd.cancelFollowUp(again.followUp.id, { actor: 'desk' }), 'INVALID_TRANSITION');
  });

  it('a due follow-up is cancelled by an actor; a retried request with its key answers it, another opens it again', async () => {
    const { opd } = await scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const seen = await visit(opd);
    const due = await opd.bookFollowUp(seen.id, { afterDays: 14, idempotencyKey: 'k1' });
    expect(due.followUp.status).toBe('DUE');
    await rejectsWith(opd.cancelFollowUp(due.followUp.id, {} as never), 'VALIDATION_FAILED');
    const cancelled = await opd.cancelFollowUp(due.followUp.id, { actor: 'desk-2', reason: 'moved away' });
    expect(cancelled).toMatchObject({ status: 'CANCELLED', actor: 'desk-2' });
    expect((await opd.history()).at(-1)).toMatchObject({ type: 'followup:cancelled', actor: 'desk-2', reason: 'moved away' });
    expect(await opd.dueFollowUps()).toEqual([]);
    expect(await opd.cancelFollowUp(due.followUp.id, { actor: 'desk-2' })).toMatchObject({ status: 'CANCELLED' });
    expect(await opd.bookFollowUp(seen.id, { afterDays: 14, idempotencyKey: 'k1' })).toMatchObject({ replayed: true, followUp: { status: 'CANCELLED' } });
    expect((await opd.bookFollowUp(seen.id, { afterDays: 14, idempotencyKey: 'k2' })).followUp.status).toBe('DUE');
    expect((await opd.dueFollowUps()).length).toBe(1);
  });

  it('refuses bad requests and visits not seen, changing nothing', async () => {
    const { opd } = await scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const { token } = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await rejectsWith(opd.bookFollowUp(token.id, { afterDays: 7 }), 'INVALID_TRANSITION');
    await rejectsWith(opd.bookFollowUp('d1~2026-01-30~99', { afterDays: 7 }), 'TOKEN_NOT_FOUND');
    await opd.checkIn(token.id);
    await rejectsWith(opd.bookFollowUp(token.id, {} as never), 'VALIDATION_FAILED');
    await rejectsWith(opd.bookFollowUp(token.id, { afterDays: 7, on: dayAfter(7) }), 'VALIDATION_FAILED');
    await rejectsWith(opd.bookFollowUp(token.id, { afterDays: 0 }), 'VALIDATION_FAILED');
    await rejectsWith(opd.bookFollowUp(token.id, { on: DAY }), 'VALIDATION_FAILED');
    await rejectsWith(opd.bookFollowUp(token.id, { afterDays: 7, windowDays: 31 }), 'VALIDATION_FAILED');
    await rejectsWith(opd.bookFollowUp(token.id, { afterDays: 7, doctorId: 'd1', department: 'x' }), 'VALIDATION_FAILED');
    // Nobody to come back to: refused, never left due for ever.
    await rejectsWith(opd.bookFollowUp(token.id, { afterDays: 7, doctorId: 'nobody' }), 'DOCTOR_NOT_FOUND');
    await rejectsWith(opd.bookFollowUp(token.id, { afterDays: 7, department: 'nowhere' }), 'DEPARTMENT_NOT_FOUND');
    expect((await opd.history()).filter((e) => e.type.startsWith('followup:'))).toEqual([]);
    expect(await opd.dueFollowUps()).toEqual([]);
  });

  it('with another doctor or a department: the earliest place with any of them', async () => {
    const { opd } = await scheduler();
    await opd.addDoctor({ id: 'a', name: 'Dr A', department: 'cardio' });
    await opd.addDoctor({ id: 'b', name: 'Dr B', department: 'cardio' });
    await opd.addSlots('a', [
      { id: 'a-09', start: at('09:00'), end: at('10:00'), capacity: 2 },
      { id: 'a-7', start: `${dayAfter(7)}T09:00:00Z`, end: `${dayAfter(7)}T10:00:00Z`, capacity: 1, overflowCapacity: 0 },
    ]);
    await opd.addSlots('b', [{ id: 'b-7', start: `${dayAfter(7)}T11:00:00Z`, end: `${dayAfter(7)}T12:00:00Z`, capacity: 1, overflowCapacity: 0 }]);
    await opd.book(request('a', 'ONLINE', { slotId: 'a-7' }));
    const seen = await visit(opd, 'a');
    const toB = await opd.bookFollowUp(seen.id, { afterDays: 7, department: 'cardio' });
    expect(toB.token).toMatchObject({ doctorId: 'b', slotId: 'b-7' });
    expect(toB.followUp).toMatchObject({ doctorId: 'a', toDoctorId: null, department: 'cardio', status: 'BOOKED' });
    const other = await visit(opd, 'a', 'p-other');
    expect((await opd.bookFollowUp(other.id, { afterDays: 7, doctorId: 'b' })).followUp.status).toBe('DUE');
    expect((await opd.dueFollowUps({ doctorId: 'b' })).map((f) => f.fromTokenId)).toEqual([other.id]);
    expect(await opd.dueFollowUps({ department: 'cardio' })).toEqual([]);
  });
});
