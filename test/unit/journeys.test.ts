import { FairCallOrder, OpdScheduler, presets, ReturnAhead, type OpdSchedulerOptions, type ReentryPolicy, type ServicePoint, type Token } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { at, DAY, rejectsWith, request, TestClock } from '../helpers.js';

const POINTS: ServicePoint[] = [
  { id: 'reg', kind: 'registration', rooms: ['Counter 1'] },
  { id: 'vitals-med', kind: 'vitals', department: 'medicine', rooms: ['Vitals 1'] },
  { id: 'lab', kind: 'lab', rooms: ['Lab window'] },
  { id: 'med-pool', kind: 'doctor', department: 'medicine' },
];
const ROUTES = { visit: ['registration', 'vitals', 'doctor', 'lab', 'doctor'] };
const base: OpdSchedulerOptions = { ...presets.standard(), consultMinutes: 10, servicePoints: POINTS, routes: ROUTES };

const stores = conformanceStores('journeys');

describe.each(Object.entries(stores).filter(([, open]) => open !== undefined))('a visit as a journey (%s)', (_name, open) => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
    cleanups = [];
  });
  const scheduler = async (options: OpdSchedulerOptions = base): Promise<{ opd: OpdScheduler; clock: TestClock }> => {
    const store = await open!();
    const clock = new TestClock(at('09:00'));
    const opd = new OpdScheduler({ ...options, storage: store.storage(), clock: clock.now });
    cleanups.push(async () => {
      await opd.close();
      await store.cleanup();
    });
    for (const id of ['a', 'b']) {
      await opd.addDoctor({ id, name: `Dr ${id}`, department: 'medicine' });
      await opd.addSlots(
        id,
        [9, 10].map((h) => ({ id: `${id}-${h}`, start: at(`${h}:00`.padStart(5, '0')), end: at(`${h + 1}:00`.padStart(5, '0')), capacity: 4 })),
      );
    }
    return { opd, clock };
  };
  const arrived = async (opd: OpdScheduler, doctorId: string, category = 'WALK_IN', route?: string): Promise<Token> => {
    const { token } = await opd.book(request(doctorId, category));
    return (await opd.checkIn(token.id, route === undefined ? {} : { route })).token;
  };

  it('walks a route: each queue in turn, one token:forwarded per step, the place kept the whole visit', async () => {
    const { opd } = await scheduler();
    const t = await arrived(opd, 'a', 'WALK_IN', 'visit');
    expect(t.journey).toEqual({ route: 'visit', stage: 0, servicePointId: 'reg', pooled: false, seen: false, calledBy: null });
    expect((await opd.getServicePointQueue('reg')).map((x) => x.id)).toEqual([t.id]);
    // Not the doctor's to call while at registration.
    expect((await opd.callNext('a')).token).toBeNull();
    const called = await opd.callNext({ servicePoint: 'reg' });
    expect(called.token?.id).toBe(t.id);
    const calledEvent = (await opd.history()).at(-1)!;
    expect(calledEvent).toMatchObject({ type: 'token:called', servicePointId: 'reg', room: 'Counter 1' });
    const toVitals = await opd.forward(t.id, { to: 'vitals', reason: 'registered', actor: 'desk-1' });
    expect(toVitals.token.journey).toMatchObject({ stage: 1, servicePointId: 'vitals-med' });
    const forwarded = (await opd.history()).filter((e) => e.type === 'token:forwarded');
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]).toMatchObject({
      from: { servicePointId: 'reg', kind: 'registration' },
      to: { servicePointId: 'vitals-med', kind: 'vitals' },
      route: 'visit',
      stage: 1,
      reason: 'registered',
      actor: 'desk-1',
      reentry: null,
    });
    expect(await opd.getServicePointQueue('reg')).toEqual([]);
    await opd.forward(t.id, { to: 'doctor' });
    expect((await opd.callNext('a')).token?.id).toBe(t.id);
    await opd.startConsultation(t.id);
    const toLab = await opd.forward(t.id, { to: 'lab', reason: 'CBC' });
    expect(toLab.token).toMatchObject({ status: 'CHECKED_IN', slotId: 'a-9', journey: { stage: 3, servicePointId: 'lab', seen: true } });
    // Off the route: no later stage is registration.
    await rejectsWith(opd.forward(t.id, { to: 'registration' }), 'INVALID_TRANSITION');
    const back = await opd.forward(t.id, { to: 'doctor' });
    expect(back.token.journey).toMatchObject({ stage: 4, servicePointId: null, seen: true });
    expect((await opd.callNext('a')).token?.id).toBe(t.id);
    await opd.startConsultation(t.id);
    await opd.complete(t.id);
    // The route ends with the doctor: nowhere further to go on it.
    await rejectsWith(opd.forward(t.id, { to: 'lab' }), 'INVALID_TRANSITION');
    const explained = await opd.explain(t.id);
    expect(explained.steps.map((s) => s.rule)).toEqual([
      'free-place',
      'checked-in',
      'called',
      'forwarded',
      'forwarded',
      'called',
      'consultation-started',
      'forwarded',
      'reentered',
      'called',
      'consultation-started',
      'completed',
    ]);
    expect(explained.steps.find((s) => s.rule === 'reentered')?.reentry).toEqual({ policy: 'return-ahead', passed: 0 });
  });

  it('re-enters the doctor after at most maxPassed of those waiting; later arrivals never pass; emergencies still go first', async () => {
    const { opd } = await scheduler({ ...base, reentry: new ReturnAhead({ maxPassed: 1 }) });
    const seen = await arrived(opd, 'a');
    const w1 = await arrived(opd, 'a');
    const w2 = await arrived(opd, 'a');
    expect((await opd.callNext('a')).token?.id).toBe(seen.id);
    await opd.startConsultation(seen.id);
    await opd.forward(seen.id, { to: 'lab' });
    const back = await opd.forward(seen.id, { to: 'doctor' });
    expect((await opd.history()).at(-1)).toMatchObject({ type: 'token:forwarded', reentry: { policy: 'return-ahead', passed: 1 } });
    expect(back.token.status).toBe('CHECKED_IN');
    const later = await arrived(opd, 'a');
    const emergency = await arrived(opd, 'a', 'EMERGENCY');
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const next = (await opd.callNext('a')).token!;
      order.push(next.id);
      await opd.startConsultation(next.id);
      await opd.complete(next.id);
    }
    expect(order).toEqual([emergency.id, w1.id, seen.id, w2.id, later.id]);
  });

  it('a re-entry never passes a patient waiting past the call order’s maxWaitMinutes', async () => {
    const { opd, clock } = await scheduler({ ...base, callOrder: new FairCallOrder({ maxWaitMinutes: 30 }) });
    const seen = await arrived(opd, 'a');
    const waiting = await arrived(opd, 'a');
    expect((await opd.callNext('a')).token?.id).toBe(seen.id);
    await opd.startConsultation(seen.id);
    await opd.forward(seen.id, { to: 'lab' });
    clock.advance(45);
    await opd.forward(seen.id, { to: 'doctor' });
    expect((await opd.callNext('a')).token?.id).toBe(waiting.id);
  });

  it('a service point calls emergencies first, among every doctor it serves, and a failed call changes nothing', async () => {
    const { opd } = await scheduler();
    const walk = await arrived(opd, 'a', 'WALK_IN', 'visit');
    const other = await arrived(opd, 'b', 'WALK_IN', 'visit');
    const emergency = await arrived(opd, 'b', 'EMERGENCY', 'visit');
    expect((await opd.getServicePointQueue('reg')).map((t) => t.id)).toEqual([emergency.id, walk.id, other.id]);
    expect((await opd.callNext({ servicePoint: 'reg' })).token?.id).toBe(emergency.id);
    // Calling again from the same counter calls the same patient until they are sent on; another
    // counter of the point calls the next.
    expect((await opd.callNext({ servicePoint: 'reg' })).token?.id).toBe(emergency.id);
    expect((await opd.callNext({ servicePoint: 'reg' }, { room: 'Counter 2' })).token?.id).toBe(walk.id);
    expect((await opd.callNext({ servicePoint: 'reg' }, { room: 'Counter 1' })).token?.id).toBe(emergency.id);
    expect((await opd.callNext({ servicePoint: 'reg' }, { room: 'Counter 2' })).token?.id).toBe(walk.id);
    await opd.forward(emergency.id, { to: 'vitals' });
    expect((await opd.callNext({ servicePoint: 'reg' }, { room: 'Counter 1' })).token?.id).toBe(other.id);
    await opd.forward(other.id, { to: 'vitals' });
    expect((await opd.callNext({ servicePoint: 'reg' }, { room: 'Counter 1' })).token).toBeNull();
    const before = await opd.history();
    await rejectsWith(opd.callNext({ servicePoint: 'pharmacy' }), 'VALIDATION_FAILED');
    await rejectsWith(opd.callNext({ servicePoint: 'med-pool' }), 'VALIDATION_FAILED');
    await rejectsWith(opd.forward(walk.id, { to: 'registration' }), 'INVALID_TRANSITION');
    const booked = await opd.book(request('a', 'ONLINE'));
    const afterBooking = await opd.history();
    await rejectsWith(opd.forward(booked.token.id, { to: 'lab' }), 'INVALID_TRANSITION');
    await rejectsWith(opd.forward(walk.id, { to: 'x-ray' }), 'VALIDATION_FAILED');
    expect(await opd.history()).toEqual(afterBooking);
    expect(afterBooking.length).toBe(before.length + 1);
    expect((await opd.callNext({ servicePoint: 'lab' })).token).toBeNull();
  });

  it('a pooled department is called by whichever of its doctors is free; each patient keeps the place booked, and no colleague calls them twice', async () => {
    const { opd } = await scheduler();
    const booked: Token[] = [];
    for (let i = 0; i < 4; i++) booked.push((await opd.book({ department: 'medicine', category: 'WALK_IN', patient: { id: `dp${i}`, name: 'x' } })).token);
    expect(booked.every((t) => t.journey?.pooled === true)).toBe(true);
    const named = await arrived(opd, 'a');
    for (const t of booked) await opd.checkIn(t.id);
    const first = (await opd.callNext({ department: 'medicine', doctorId: 'b' })).token!;
    const second = (await opd.callNext({ department: 'medicine', doctorId: 'a' })).token!;
    expect(second.id).not.toBe(first.id);
    // Called by b, first stays b's: a's own queue skips it even if it is a's token.
    const again = (await opd.callNext({ department: 'medicine', doctorId: 'b' })).token!;
    expect(again.id).toBe(first.id);
    await opd.startConsultation(first.id);
    // A patient booked to doctor a by name is never called by b.
    const calledByB: string[] = [first.id];
    for (let i = 0; i < 6; i++) {
      const next = (await opd.callNext({ department: 'medicine', doctorId: 'b' })).token;
      if (next === null) break;
      calledByB.push(next.id);
      await opd.startConsultation(next.id);
    }
    expect(calledByB).not.toContain(named.id);
    expect(calledByB).not.toContain(second.id);
    for (const t of booked) expect((await opd.getToken(t.id)).slotId).toBe(t.slotId);
    expect(
      (await opd.history())
        .filter((e) => e.type === 'token:called' && e.calledBy !== undefined)
        .every((e) => (e.type === 'token:called' && e.calledBy === 'b') || (e.type === 'token:called' && e.calledBy === 'a')),
    ).toBe(true);
    await rejectsWith(opd.callNext({ department: 'surgery', doctorId: 'a' }), 'VALIDATION_FAILED');
  });
});

describe('journey options', () => {
  it('are checked once, each bad one a VALIDATION_FAILED naming it', () => {
    const bad: [OpdSchedulerOptions, string][] = [
      [
        {
          servicePoints: [
            { id: 'x', kind: 'lab' },
            { id: 'x', kind: 'lab' },
          ],
        },
        'servicePoints[1].id',
      ],
      [{ servicePoints: [{ id: 'p', kind: 'doctor' }] }, 'servicePoints[0].department'],
      [{ servicePoints: [{ id: 'lab', kind: 'lab' }], routes: { r: ['lab', 'x-ray'] } }, 'routes.r[1]'],
      [{ routes: { r: [] } }, 'routes.r'],
      [{ servicePoints: [{ id: 'lab', kind: 'lab', rooms: [] }] }, 'servicePoints[0].rooms'],
      [{ reentry: { name: 'x' } as unknown as ReentryPolicy }, 'reentry'],
    ];
    for (const [options, field] of bad) {
      let caught: unknown;
      try {
        new OpdScheduler(options);
      } catch (error) {
        caught = error;
      }
      expect(caught, field).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    }
    expect(() => new ReturnAhead({ maxPassed: -1 })).toThrow(/maxPassed/);
  });

  it('without service points, forward and a service point’s call are refused', async () => {
    const clock = new TestClock(at('09:00'));
    const opd = new OpdScheduler({ clock: clock.now });
    await opd.addDoctor({ id: 'a', name: 'A' });
    await opd.addSlots('a', [{ id: 'a-9', start: at('09:00'), end: at('10:00'), capacity: 2 }]);
    const { token } = await opd.book(request('a', 'WALK_IN'));
    await opd.checkIn(token.id);
    await rejectsWith(opd.forward(token.id, { to: 'lab' }), 'VALIDATION_FAILED');
    await rejectsWith(opd.callNext({ servicePoint: 'lab' }), 'VALIDATION_FAILED');
    await rejectsWith(opd.checkIn(token.id, { route: 'visit' }), 'VALIDATION_FAILED');
    expect((await opd.getToken(token.id)).journey).toBeUndefined();
  });

  it('a re-entry policy that answers out of range is refused, changing nothing', async () => {
    const clock = new TestClock(at('09:00'));
    const wild: ReentryPolicy = { name: 'wild', passed: () => 99 };
    const opd = new OpdScheduler({ clock: clock.now, servicePoints: [{ id: 'lab', kind: 'lab' }], reentry: wild });
    await opd.addDoctor({ id: 'a', name: 'A' });
    await opd.addSlots('a', [{ id: 'a-9', start: at('09:00'), end: at('10:00'), capacity: 4 }]);
    const { token } = await opd.book(request('a', 'WALK_IN'));
    await opd.checkIn(token.id);
    await opd.callNext('a');
    await opd.startConsultation(token.id);
    await opd.forward(token.id, { to: 'lab' });
    const before = await opd.history();
    const error = await rejectsWith(opd.forward(token.id, { to: 'doctor' }), 'VALIDATION_FAILED');
    expect(error.message).toMatch(/wild/);
    expect(await opd.history()).toEqual(before);
    expect(DAY).toBe('2026-01-30');
  });
});
