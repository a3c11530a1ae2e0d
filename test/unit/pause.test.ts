import { OpdScheduler, presets, type OpdSchedulerOptions, type Token } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { at, doctorWithSlots, rejectsWith, request, TestClock } from '../helpers.js';

const standard: OpdSchedulerOptions = { ...presets.standard(), consultMinutes: 10 };

const stores = conformanceStores('doctor_pause');

describe.each(Object.entries(stores).filter(([, open]) => open !== undefined))("a doctor's pause (%s)", (_name, open) => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
    cleanups = [];
  });
  /** A scheduler on a fresh store of this kind, with a test clock at `start`. */
  const scheduler = async (options: OpdSchedulerOptions, start = '09:00'): Promise<{ opd: OpdScheduler; clock: TestClock }> => {
    const store = await open!();
    const clock = new TestClock(at(start));
    const opd = new OpdScheduler({ ...options, storage: store.storage(), clock: clock.now });
    cleanups.push(async () => {
      await opd.close();
      await store.cleanup();
    });
    return { opd, clock };
  };
  /** Each token as it stands now: slot, status, position and estimated start. */
  const states = async (opd: OpdScheduler, tokens: readonly Token[]) =>
    Promise.all(tokens.map(async (t) => opd.getToken(t.id))).then((all) =>
      all.map((t) => ({ id: t.id, slotId: t.slotId, status: t.status, position: t.position, start: t.estimatedStart?.getTime() ?? null })),
    );

  it('moves every estimate of the queue by the pause, bumps nobody, and a resume moves them back', async () => {
    const { opd, clock } = await scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9, 10], 3);
    const tokens: Token[] = [];
    for (let i = 0; i < 5; i++) tokens.push((await opd.book(request('d1', 'ONLINE'))).token);
    const before = await states(opd, tokens);
    expect(before[0]!.start).toBe(at('09:00').getTime());
    const effects = await opd.pauseDoctor('d1', { minutes: 25, reason: 'ward round', actor: 'desk-1' });
    expect(effects.map((e) => e.type)).toEqual(['doctor:paused']);
    expect(effects[0]).toMatchObject({ doctorId: 'd1', until: at('09:25'), minutes: 25, reason: 'ward round', actor: 'desk-1' });
    const paused = await states(opd, tokens);
    // Nobody lost or changed a place; the first turn starts at the pause's end, and no estimate moved earlier.
    expect(paused.map(({ id, slotId, status, position }) => ({ id, slotId, status, position }))).toEqual(
      before.map(({ id, slotId, status, position }) => ({ id, slotId, status, position })),
    );
    expect(paused[0]!.start).toBe(at('09:25').getTime());
    paused.forEach((p, i) => expect(p.start!).toBeGreaterThanOrEqual(before[i]!.start!));
    expect(paused.slice(0, 3).map((p) => p.start)).toEqual(['09:25', '09:35', '09:45'].map((t) => at(t).getTime()));
    // The day's later units keep the pause: a booking (a new token number) does not end it.
    tokens.push((await opd.book(request('d1', 'ONLINE'))).token);
    expect((await opd.getToken(tokens[0]!.id)).estimatedStart).toEqual(at('09:25'));
    before.push({ ...(await states(opd, tokens.slice(-1)))[0]!, start: at('09:00').getTime() });
    clock.advance(5);
    const resumed = await opd.resumeDoctor('d1', { actor: 'desk-1' });
    expect(resumed.map((e) => e.type)).toEqual(['doctor:resumed']);
    expect(resumed[0]).toMatchObject({ pausedAt: at('09:00'), until: at('09:25'), actor: 'desk-1' });
    const back = await states(opd, tokens);
    expect(back[0]!.start).toBe(at('09:05').getTime());
    const stats = await opd.stats();
    expect(stats.bumps).toBe(0);
  });

  it('tells waiting patients their new estimate under notify, as the settings say', async () => {
    const { opd, clock } = await scheduler({ ...standard, notify: { etaChangedMinutes: 10 } });
    await doctorWithSlots(opd, 'd1', [9], 3);
    const tokens: Token[] = [];
    for (let i = 0; i < 3; i++) tokens.push((await opd.book(request('d1', 'ONLINE'))).token);
    /** The `token:eta-changed` notices stored after `seq`, as [token, previous, new estimate]. */
    const toldAfter = async (seq: number) =>
      (await opd.history({ after: seq })).flatMap((e) =>
        e.type === 'token:eta-changed' ? [[e.tokenId, e.previousEstimate.getTime(), e.estimatedStart.getTime()] as const] : [],
      );
    // A pause shorter than the threshold tells nobody.
    const short = await opd.pauseDoctor('d1', { minutes: 5 });
    expect(short.map((e) => e.type)).toEqual(['doctor:paused']);
    expect(await toldAfter(short[0]!.seq)).toEqual([]);
    clock.advance(5);
    const long = await opd.pauseDoctor('d1', { minutes: 20 });
    // Each waiting patient is told once, after the pause's event, the estimate moved by the pause.
    const told = await toldAfter(long[0]!.seq);
    expect(told.map(([id]) => id)).toEqual(tokens.map((t) => t.id));
    expect(told.map(([, was, now]) => [was, now])).toEqual(
      [
        ['09:00', '09:25'],
        ['09:10', '09:35'],
        ['09:20', '09:45'],
      ].map(([a, b]) => [at(a!).getTime(), at(b!).getTime()]),
    );
    clock.advance(2);
    const resumed = await opd.resumeDoctor('d1');
    expect((await toldAfter(resumed[0]!.seq)).map(([, , now]) => now)).toEqual(['09:07', '09:17', '09:27'].map((t) => at(t).getTime()));
  });

  it('refuses a bad pause, a second pause and a resume without a pause, changing nothing', async () => {
    const { opd, clock } = await scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 3);
    await opd.book(request('d1', 'ONLINE'));
    for (const minutes of [0, -5, 1.5, 721, Number.NaN])
      expect((await rejectsWith(opd.pauseDoctor('d1', { minutes }), 'VALIDATION_FAILED')).details['field']).toBe('pause.minutes');
    await rejectsWith(opd.pauseDoctor('d1', { minutes: 10, patient: 'x' } as never), 'VALIDATION_FAILED');
    await rejectsWith(opd.pauseDoctor('nobody', { minutes: 10 }), 'DOCTOR_NOT_FOUND');
    await rejectsWith(opd.resumeDoctor('nobody'), 'DOCTOR_NOT_FOUND');
    expect((await rejectsWith(opd.resumeDoctor('d1'), 'VALIDATION_FAILED')).details['field']).toBe('pause');
    const count = (await opd.history()).length;
    await opd.pauseDoctor('d1', { minutes: 10 });
    const seen = (await opd.history()).length;
    expect(seen).toBe(count + 1);
    expect((await rejectsWith(opd.pauseDoctor('d1', { minutes: 30 }), 'VALIDATION_FAILED')).details['field']).toBe('pause');
    expect((await opd.history()).length).toBe(seen);
    // Once it has ended, the doctor may pause again, and a resume has nothing to end.
    clock.advance(10);
    expect((await rejectsWith(opd.resumeDoctor('d1'), 'VALIDATION_FAILED')).details['field']).toBe('pause');
    expect((await opd.pauseDoctor('d1', { minutes: 15 })).map((e) => e.type)).toEqual(['doctor:paused']);
  });

  it('a pause past the end of the slot closes that slot as a leave does; refused, as a leave is, while a patient there is checked in', async () => {
    const { opd } = await scheduler(standard, '09:40');
    await doctorWithSlots(opd, 'd1', [9, 10], 3);
    const a = (await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }))).token;
    const b = (await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }))).token;
    await opd.checkIn(a.id);
    const count = (await opd.history()).length;
    const refused = await rejectsWith(opd.pauseDoctor('d1', { minutes: 30 }), 'VALIDATION_FAILED');
    expect(refused.details['slotId']).toBe('d1-09');
    expect((await opd.history()).length).toBe(count);
    expect((await opd.getSlot('d1-09')).slot.status).toBe('OPEN');
    // Within the slot's rest, the pause only moves estimates.
    const inside = await opd.pauseDoctor('d1', { minutes: 15, reason: 'call' });
    expect(inside.map((e) => e.type)).toEqual(['doctor:paused']);
    expect((await opd.getToken(a.id)).estimatedStart).toEqual(at('09:55'));
    await opd.resumeDoctor('d1');
    await opd.cancel(a.id);
    const effects = await opd.pauseDoctor('d1', { minutes: 30, reason: 'theatre' });
    expect(effects.map((e) => e.type)).toEqual(['slot:closed', 'token:cascaded', 'doctor:paused']);
    expect(effects[0]).toMatchObject({ slotId: 'd1-09', reason: 'theatre' });
    expect(await opd.getToken(b.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-10' });
    expect((await opd.getSlot('d1-10')).slot.status).toBe('OPEN');
    // The moved patient's estimate starts no earlier than the pause's end.
    expect((await opd.getToken(b.id)).estimatedStart!.getTime()).toBeGreaterThanOrEqual(at('10:10').getTime());
  });

  it('a pause that covers a whole slot ahead closes it too, and one that only runs into a slot closes nothing', async () => {
    const { opd, clock } = await scheduler(standard, '08:50');
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 3);
    const a = (await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }))).token;
    const into = await opd.pauseDoctor('d1', { minutes: 60 });
    expect(into.map((e) => e.type)).toEqual(['doctor:paused']);
    expect((await opd.getToken(a.id)).estimatedStart).toEqual(at('09:50'));
    await opd.resumeDoctor('d1');
    clock.advance(1);
    const over = await opd.pauseDoctor('d1', { minutes: 79 });
    expect(over.map((e) => e.type)).toEqual(['slot:closed', 'token:cascaded', 'doctor:paused']);
    expect(over[0]).toMatchObject({ slotId: 'd1-09' });
    expect(await opd.getToken(a.id)).toMatchObject({ slotId: 'd1-10', estimatedStart: at('10:10') });
    expect((await opd.getSlot('d1-10')).slot.status).toBe('OPEN');
  });
});
