import { FairCallOrder, OpdScheduler, presets, type CallOrderPolicy, type OpdEvent, type OpdSchedulerOptions, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, rejectsWith, request, scheduler, TestClock } from '../helpers.js';

const fair = (options?: ConstructorParameters<typeof FairCallOrder>[0]): OpdSchedulerOptions => ({
  ...presets.standard(),
  callOrder: new FairCallOrder(options),
});

/** Books, in order, one patient per category into the 09:00 slot at the clock's time; returns their token ids. */
async function bookAll(opd: OpdScheduler, categories: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const category of categories) ids.push((await opd.book(request('d1', category, { slotId: 'd1-09' }))).token.id);
  return ids;
}

/** Calls and sees each patient in turn; returns the ids called. */
async function callAll(opd: OpdScheduler, clock: TestClock, n: number): Promise<string[]> {
  const called: string[] = [];
  for (let k = 0; k < n; k++) {
    const next = (await opd.callNext('d1')).token;
    if (next === null) break;
    called.push(next.id);
    await opd.startConsultation(next.id);
    clock.advance(5);
    await opd.complete(next.id);
  }
  return called;
}

describe('call order', () => {
  it('FairCallOrder calls by accumulating priority, one walk-in after every `interleaveEvery` priority calls; positions and estimates follow', async () => {
    const clock = new TestClock(at('08:00'));
    const { opd } = scheduler(fair({ interleaveEvery: 2 }), clock);
    await doctorWithSlots(opd, 'd1', [9], 10);
    const [w1, p1, p2, p3, w2] = await bookAll(opd, ['WALK_IN', 'PAID', 'PAID', 'PAID', 'WALK_IN']);
    for (const id of [w1, p1, p2, p3, w2]) await opd.checkIn(id!);
    clock.set(at('09:30'));
    // Everyone was due at 09:00: PAID grows at 4 a minute, WALK_IN at 1. After two PAID calls, a walk-in.
    const expected = [p1, p2, w1, p3, w2];
    const slot = await opd.getSlot('d1-09');
    expect(slot.places.map((t) => t.id)).toEqual(expected);
    expect(slot.places.map((t) => t.position)).toEqual([1, 2, 3, 4, 5]);
    expect((await opd.getToken(w1!)).estimatedStart).toEqual(at('09:40'));
    expect(await callAll(opd, clock, 5)).toEqual(expected);
  });

  it('without a call order, callNext calls by queue order as before', async () => {
    const clock = new TestClock(at('08:00'));
    const { opd } = scheduler({ ...presets.standard() }, clock);
    await doctorWithSlots(opd, 'd1', [9], 10);
    const [w1, p1, p2, p3, w2] = await bookAll(opd, ['WALK_IN', 'PAID', 'PAID', 'PAID', 'WALK_IN']);
    for (const id of [w1, p1, p2, p3, w2]) await opd.checkIn(id!);
    clock.set(at('09:30'));
    expect(await callAll(opd, clock, 5)).toEqual([p1, p2, p3, w1, w2]);
  });

  it('without a call order, an answer gives the place the schedule shows, with a checked-in emergency of a later slot called ahead', async () => {
    const clock = new TestClock(at('08:30'));
    const { opd } = scheduler({ ...presets.standard() }, clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    const [w1, p1, p2] = await bookAll(opd, ['WALK_IN', 'PAID', 'PAID']);
    const emergency = (await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }))).token.id;
    for (const id of [w1, p1, p2, emergency]) await opd.checkIn(id!);
    clock.set(at('09:10'));
    // Each answer is the token as the day's schedule right after shows it: in consultation, completed, waiting.
    const seen = async (answer: Promise<{ token: Token | null }>): Promise<void> => {
      const token = (await answer).token!;
      const read = (await opd.getSchedule('d1', DAY)).slots.flatMap((s) => s.places).find((t) => t.id === token.id)!;
      expect([token.position, token.estimatedStart, token.estimateStatus]).toEqual([read.position, read.estimatedStart, read.estimateStatus]);
    };
    expect((await opd.callNext('d1')).token?.id).toBe(emergency);
    await seen(opd.startConsultation(p2!));
    await seen(opd.checkIn((await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }))).token.id));
    clock.advance(7);
    await seen(opd.complete(p2!));
    await seen(opd.startConsultation(emergency));
    await seen(opd.startConsultation(p1!));
  });

  it('with maxWaitMinutes, a patient waiting past it is called before a higher rate', async () => {
    const clock = new TestClock(at('08:00'));
    const { opd } = scheduler(fair({ maxWaitMinutes: 30 }), clock);
    await doctorWithSlots(opd, 'd1', [9], 10);
    const [walkIn] = await bookAll(opd, ['WALK_IN']);
    await opd.checkIn(walkIn!);
    clock.set(at('09:20'));
    const [paid] = await bookAll(opd, ['PAID']);
    await opd.checkIn(paid!);
    clock.set(at('09:25'));
    // 25 minutes × 1 against 5 × 4: the walk-in by priority already.
    expect((await opd.getSlot('d1-09')).places.map((t) => t.id)).toEqual([walkIn, paid]);
    clock.set(at('09:40'));
    // 40 × 1 against 20 × 4: the paid patient by priority, but the walk-in waited past 30 minutes.
    expect((await opd.callNext('d1')).token?.id).toBe(walkIn);
    const other = scheduler(fair(), new TestClock(at('08:00')));
    await doctorWithSlots(other.opd, 'd1', [9], 10);
    const [w] = await bookAll(other.opd, ['WALK_IN']);
    await other.opd.checkIn(w!);
    other.clock.set(at('09:20'));
    const [p] = await bookAll(other.opd, ['PAID']);
    await other.opd.checkIn(p!);
    other.clock.set(at('09:40'));
    expect((await other.opd.callNext('d1')).token?.id).toBe(p);
  });

  it('an emergency checked in is called first, from any slot; a patient called keeps the turn until seen', async () => {
    const clock = new TestClock(at('08:30'));
    const { opd } = scheduler(fair({ maxWaitMinutes: 5 }), clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    const walkIn = (await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }))).token.id;
    const emergency = (await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }))).token.id;
    await opd.checkIn(walkIn);
    clock.set(at('09:30'));
    expect((await opd.callNext('d1')).token?.id).toBe(walkIn);
    await opd.checkIn(emergency);
    // The emergency passes the walk-in who was called but not seen yet…
    expect((await opd.callNext('d1')).token?.id).toBe(emergency);
    await opd.startConsultation(emergency);
    // …who keeps the turn after it.
    const late = (await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }))).token.id;
    await opd.checkIn(late);
    expect((await opd.callNext('d1')).token?.id).toBe(walkIn);
  });

  it('refuses bad options with VALIDATION_FAILED, and a call order that answers badly', async () => {
    expect(() => new FairCallOrder({ interleaveEvery: 0 })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'interleaveEvery' }) }),
    );
    expect(() => new FairCallOrder({ maxWaitMinutes: -1 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => new FairCallOrder({ rates: { PAID: 0 } })).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'rates.PAID' }) }));
    expect(() => new FairCallOrder({ rate: 1 } as never)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => new OpdScheduler({ callOrder: new FairCallOrder({ rates: { Paid: 2 } }) })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'callOrder.rates.Paid' }) }),
    );
    expect(() => new OpdScheduler({ callOrder: { name: 'x' } as never })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: 'callOrder' }) }),
    );
    const broken: CallOrderPolicy = { name: 'broken', order: (c) => c.candidates.slice(1).map((x) => x.tokenId) };
    const clock = new TestClock(at('09:00'));
    const { opd } = scheduler({ callOrder: broken }, clock);
    await doctorWithSlots(opd, 'd1', [9], 5);
    const [first, second] = await bookAll(opd, ['WALK_IN', 'ONLINE']);
    await opd.checkIn(first!);
    const before = await opd.history();
    // The order is asked wherever it counts: the check-in's answer (its position) already needs it.
    const error = await rejectsWith(opd.checkIn(second!), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'call order', strategy: 'broken' });
    expect(await opd.history()).toEqual(before);
    expect((await opd.getToken(second!)).status).toBe('BOOKED');
  });
});

describe('queue notices', () => {
  const notices = (events: readonly OpdEvent[]): [string, string][] =>
    events.filter((e) => e.type === 'token:turn-near' || e.type === 'token:eta-changed').map((e) => [e.type, 'tokenId' in e ? e.tokenId : '']);

  it('token:turn-near once per token, when the turn is the given number of calls away once the session began', async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler({ notify: { turnNear: { positions: 1 } } }, clock);
    await doctorWithSlots(opd, 'd1', [9], 5);
    const [a, b] = await bookAll(opd, ['ONLINE', 'ONLINE']);
    expect(notices(await opd.history())).toEqual([]);
    clock.set(at('09:00'));
    const seen: OpdEvent[] = [];
    opd.on('token:turn-near', (e) => seen.push(e));
    await opd.checkIn(a!);
    await opd.checkIn(b!);
    expect(seen).toEqual([expect.objectContaining({ type: 'token:turn-near', tokenId: a, slotId: 'd1-09', position: 1, estimatedStart: at('09:00') })]);
    await opd.startConsultation(a!);
    clock.advance(5);
    await opd.complete(a!);
    expect(notices(await opd.history())).toEqual([
      ['token:turn-near', a],
      ['token:turn-near', b],
    ]);
    // Stored as every event, with no patient data.
    const stored = (await opd.history()).filter((e) => e.type === 'token:turn-near');
    expect(JSON.stringify(stored)).not.toContain('Patient');
  });

  it('token:turn-near by minutes, from the estimate', async () => {
    const clock = new TestClock(at('08:30'));
    const { opd } = scheduler({ notify: { turnNear: { minutes: 10 } } }, clock);
    await doctorWithSlots(opd, 'd1', [9], 5);
    const [a, b] = await bookAll(opd, ['ONLINE', 'ONLINE']);
    expect(notices(await opd.history())).toEqual([]);
    clock.set(at('08:52'));
    await opd.checkIn(a!);
    // a at 09:00 (8 minutes away), b at 09:05 (13).
    expect(notices(await opd.history())).toEqual([['token:turn-near', a]]);
    clock.set(at('08:56'));
    await opd.checkIn(b!);
    expect(notices(await opd.history())).toEqual([
      ['token:turn-near', a],
      ['token:turn-near', b],
    ]);
  });

  it('token:eta-changed when the estimate moved by at least the threshold since last told, never for less', async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler({ ...presets.standard(), notify: { etaChangedMinutes: 10 } }, clock);
    await doctorWithSlots(opd, 'd1', [9], 4, { overflowCapacity: 4 });
    const [a, b] = await bookAll(opd, ['ONLINE', 'ONLINE']);
    // Each emergency ahead moves them 5 minutes: the first one is not told, the second is.
    const e1 = (await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }))).token.id;
    expect(notices(await opd.history())).toEqual([]);
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    const changed = (await opd.history()).filter((e) => e.type === 'token:eta-changed');
    expect(changed).toEqual([
      expect.objectContaining({ tokenId: a, estimatedStart: at('09:10'), previousEstimate: at('09:00'), changeMinutes: 10 }),
      expect.objectContaining({ tokenId: b, estimatedStart: at('09:15'), previousEstimate: at('09:05'), changeMinutes: 10 }),
    ]);
    // Back by 5 minutes from what they were told last: not enough.
    await opd.cancel(e1);
    expect((await opd.history()).filter((e) => e.type === 'token:eta-changed')).toHaveLength(2);
  });

  it('a sweep finds an estimate moved by time alone (a consultation running long), on every doctor of today', async () => {
    const clock = new TestClock(at('08:00'));
    const { opd } = scheduler({ notify: { etaChangedMinutes: 10 } }, clock);
    await doctorWithSlots(opd, 'd1', [9], 5);
    await opd.addDoctor({ id: 'd2', name: 'Dr Two' }); // no slot today: swept, nothing happens
    const [a, b] = await bookAll(opd, ['ONLINE', 'ONLINE']);
    clock.set(at('09:00'));
    await opd.checkIn(a!);
    await opd.checkIn(b!);
    await opd.startConsultation(a!);
    clock.set(at('09:12'));
    expect(await opd.sweep()).toEqual([]);
    expect(notices(await opd.history())).toEqual([]);
    clock.set(at('09:20'));
    await opd.sweep();
    expect((await opd.history()).filter((e) => e.type === 'token:eta-changed')).toEqual([
      expect.objectContaining({ tokenId: b, previousEstimate: at('09:05'), estimatedStart: at('09:20'), changeMinutes: 15 }),
    ]);
  });

  it('refuses bad notify options', () => {
    for (const notify of [{ turnNear: {} }, { turnNear: { positions: 0 } }, { etaChangedMinutes: 0 }, { eta: 5 }, { turnNear: { minutes: -1 } }]) {
      expect(() => new OpdScheduler({ notify } as never)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});
