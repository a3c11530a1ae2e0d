import { describe, expect, it } from 'vitest';
import { type Effect, type OpdSchedulerOptions, presets, type PriorityPolicy } from 'opd-scheduler';
import { at, DAY, doctorWithSlots, observe, rejectsWith, request, scheduler } from '../helpers.js';

const NEXT = '2026-01-31';

/** Each event as `type #number` (and where it went), for compact expectations. */
function brief(effects: readonly Effect[]): string[] {
  return effects.map((e) => {
    if (e.type === 'token:expired') return `${e.type} #${e.tokenNumber} ${e.reason} ${e.fromStatus}`;
    if (e.type === 'token:carried') return `${e.type} #${e.tokenNumber} ${e.fromStatus} → ${e.toDay} #${e.toTokenNumber}`;
    if (e.type === 'day:closed') return `${e.type} ${e.day} expired ${e.expired} carried ${e.carried} to ${String(e.toDay)}`;
    if (e.type === 'token:promoted') return `${e.type} ${e.day} #${e.tokenNumber} ${e.slotId}`;
    return 'tokenNumber' in e ? `${e.type} #${e.tokenNumber}` : e.type;
  });
}

/**
 * Doctor d1 with 09:00 and 10:00 on DAY and on NEXT (one place each, no elastic place), and on
 * DAY: #1 ONLINE booked at 09:00 and checked in, #2 ONLINE booked at 10:00, #3 WALK_IN and #4
 * FOLLOW_UP waitlisted.
 */
async function day(options: OpdSchedulerOptions = {}) {
  const { opd, clock } = scheduler({ ...presets.standard(), ...options });
  await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
  await opd.addSlots(
    'd1',
    [9, 10].map((h) => ({
      id: `d1-n${h}`,
      start: `${NEXT}T${String(h).padStart(2, '0')}:00:00Z`,
      end: `${NEXT}T${String(h + 1).padStart(2, '0')}:00:00Z`,
      capacity: 1,
      overflowCapacity: 0,
    })),
  );
  const a = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', patientId: 'pa' }));
  const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10', patientId: 'pb' }));
  const c = await opd.book(request('d1', 'WALK_IN', { date: DAY, patientId: 'pc' }));
  clock.set(at('07:30'));
  const d = await opd.book(request('d1', 'FOLLOW_UP', { date: DAY, patientId: 'pd' }));
  expect([a.outcome, b.outcome, c.outcome, d.outcome]).toEqual(['BOOKED', 'BOOKED', 'WAITLISTED', 'WAITLISTED']);
  clock.set(at('09:05'));
  await opd.checkIn(a.token.id);
  return { opd, clock, a, b, c, d };
}

describe('closeDay', () => {
  it('expires every token never seen, best first, and sums up; closing again changes nothing', async () => {
    const { opd, clock, a, b, c, d } = await day();
    clock.set(at('11:00'));
    const effects = await opd.closeDay('d1', DAY);
    expect(brief(effects)).toEqual([
      'token:expired #4 day-closed WAITLISTED',
      'token:expired #1 day-closed CHECKED_IN',
      'token:expired #2 day-closed BOOKED',
      'token:expired #3 day-closed WAITLISTED',
      `day:closed ${DAY} expired 4 carried 0 to null`,
    ]);
    expect(effects[1]).toMatchObject({ slotId: 'd1-09', holdExpiresAt: null, tokenId: a.token.id });
    expect(effects[0]).toMatchObject({ slotId: null });
    for (const t of [a, b, c, d]) expect(await opd.getToken(t.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'day-closed', slotId: null });
    const before = await observe(opd, 'd1');
    expect(await opd.closeDay('d1', DAY)).toEqual([]);
    expect(await observe(opd, 'd1')).toEqual(before);
    // The scheduler's own marker: nobody may give it, and a closed day's token is not brought back.
    await rejectsWith(opd.reinstate(b.token.id), 'INVALID_TRANSITION');
  });

  it('leaves a patient in consultation and the patients seen alone', async () => {
    const { opd, clock, a, b } = await day();
    await opd.startConsultation(a.token.id);
    clock.set(at('10:05'));
    await opd.checkIn(b.token.id);
    await opd.startConsultation(b.token.id);
    await opd.complete(b.token.id);
    clock.set(at('11:00'));
    expect(brief(await opd.closeDay('d1', DAY))).toEqual([
      'token:expired #4 day-closed WAITLISTED',
      'token:expired #3 day-closed WAITLISTED',
      `day:closed ${DAY} expired 2 carried 0 to null`,
    ]);
    expect((await opd.getToken(a.token.id)).status).toBe('IN_CONSULTATION');
    expect((await opd.getToken(b.token.id)).status).toBe('COMPLETED');
  });

  it('is refused before the day is over, and for an unknown doctor or a bad date', async () => {
    const { opd, clock } = await day();
    clock.set(at('10:59'));
    const error = await rejectsWith(opd.closeDay('d1', DAY), 'DAY_NOT_OVER');
    expect(error.details).toMatchObject({ field: 'date', doctorId: 'd1', day: DAY, overAt: at('11:00').toISOString() });
    await rejectsWith(opd.closeDay('d1', NEXT), 'DAY_NOT_OVER');
    await rejectsWith(opd.closeDay('nobody', DAY), 'DOCTOR_NOT_FOUND');
    await rejectsWith(opd.closeDay('d1', '2026-13-01'), 'VALIDATION_FAILED');
    await rejectsWith(opd.closeDay('d1', DAY, { dryRun: 'yes' as unknown as boolean }), 'VALIDATION_FAILED');
    // A leave closed the last slot: the day is over once its last open slot ended (the leave moved #2 to the next day).
    await opd.closeSlots('d1', { from: at('10:00'), to: at('11:00') });
    clock.set(at('10:30'));
    expect(brief(await opd.closeDay('d1', DAY)).at(-1)).toBe(`day:closed ${DAY} expired 3 carried 0 to null`);
  });

  it('previews with dryRun and changes nothing', async () => {
    const { opd, clock } = await day({ closeOut: { carryForward: true } });
    clock.set(at('11:00'));
    const before = await observe(opd, 'd1');
    const preview = await opd.closeDay('d1', DAY, { dryRun: true });
    expect(await observe(opd, 'd1')).toEqual(before);
    expect(await observe(opd, 'd1', NEXT)).toMatchObject({ schedule: { waitlist: [] } });
    const effects = await opd.closeDay('d1', DAY);
    expect(brief(preview)).toEqual(brief(effects));
    expect(preview.every((e) => e.seq === 0)).toBe(true);
  });

  it('with carryForward, carries every token onto the next day with slots, keeping rank, request time and due time', async () => {
    const { opd, clock, a, b, c, d } = await day({ closeOut: { carryForward: true } });
    clock.set(at('11:00'));
    const effects = await opd.closeDay('d1', DAY, { actor: 'night-desk' });
    expect(brief(effects)).toEqual([
      `token:carried #4 WAITLISTED → ${NEXT} #1`,
      `token:carried #1 CHECKED_IN → ${NEXT} #2`,
      `token:carried #2 BOOKED → ${NEXT} #3`,
      `token:carried #3 WAITLISTED → ${NEXT} #4`,
      `token:promoted ${NEXT} #1 d1-n9`,
      `token:promoted ${NEXT} #2 d1-n10`,
      `day:closed ${DAY} expired 0 carried 4 to ${NEXT}`,
    ]);
    expect(effects.every((e) => e.actor === 'night-desk')).toBe(true);
    for (const [old, number] of [
      [d, 1],
      [a, 2],
      [b, 3],
      [c, 4],
    ] as const) {
      const gone = await opd.getToken(old.token.id);
      expect(gone).toMatchObject({ status: 'CANCELLED', cancelReason: 'carried' });
      const carried = effects.find((e) => e.type === 'token:carried' && e.tokenId === old.token.id);
      const now = await opd.getToken(carried !== undefined && carried.type === 'token:carried' ? carried.toTokenId : '');
      expect(now).toMatchObject({
        day: NEXT,
        tokenNumber: number,
        carriedFrom: old.token.id,
        category: old.token.category,
        rank: old.token.rank,
        patient: old.token.patient,
      });
      expect(now.requestedAt.getTime()).toBe(old.token.requestedAt.getTime());
    }
    const waitlist = await opd.getWaitlist('d1', NEXT);
    expect(waitlist.map((t) => t.carriedFrom)).toEqual([b.token.id, c.token.id]);
    // A later request of the same rank comes after the carried one.
    clock.set(at('12:00'));
    const later = await opd.book(request('d1', 'ONLINE', { date: NEXT }));
    expect(later.outcome).toBe('WAITLISTED');
    expect((await opd.getWaitlist('d1', NEXT)).map((t) => t.id)).toEqual([waitlist[0]!.id, later.token.id, waitlist[1]!.id]);
    expect(await opd.closeDay('d1', DAY)).toEqual([]);
  });

  it('a carried patient stays due from its first day: a policy ranking by due time ranks it so on the next day too', async () => {
    // Overdue patients (due before NEXT began) first, on any day; ranked again as time passes.
    const base = presets.standard().priority;
    const nextStart = Date.parse(`${NEXT}T00:00:00Z`);
    const overdueFirst: PriorityPolicy = {
      name: 'overdue-first',
      categories: base.categories,
      accepts: (category) => base.accepts(category),
      timeDependent: true,
      rank: (context) => (context.dueAt.getTime() < nextStart ? 0.5 : base.rank(context)),
    };
    const { opd, clock, b } = await day({ priority: overdueFirst, closeOut: { carryForward: true } });
    clock.set(at('23:30'));
    const effects = await opd.closeDay('d1', DAY);
    const carried = effects.find((e) => e.type === 'token:carried' && e.tokenId === b.token.id);
    const carriedId = carried !== undefined && carried.type === 'token:carried' ? carried.toTokenId : '';
    expect((await opd.getToken(carriedId)).rank).toBe(0.5);
    // A call on NEXT ranks its tokens again: the carried one is still overdue, the new one is not.
    clock.set(`${NEXT}T07:00:00Z`);
    const fresh = await opd.book(request('d1', 'ONLINE', { date: NEXT }));
    expect(fresh.token.rank).toBe(
      base.rank({
        category: 'ONLINE',
        patient: fresh.token.patient,
        requestedAt: new Date(Date.parse(`${NEXT}T07:00:00Z`)),
        dueAt: new Date(Date.parse(`${NEXT}T07:00:00Z`)),
        now: new Date(Date.parse(`${NEXT}T07:00:00Z`)),
        bumpCount: 0,
      }),
    );
    expect((await opd.getToken(carriedId)).rank).toBe(0.5);
  });

  it('expires rather than carries a patient who already holds a token on the next day, or when there is no later day', async () => {
    const { opd, clock, c } = await day({ closeOut: { carryForward: true } });
    await opd.book(request('d1', 'WALK_IN', { date: NEXT, patientId: 'pc' }));
    clock.set(at('11:00'));
    const effects = brief(await opd.closeDay('d1', DAY));
    expect(effects).toContain('token:expired #3 day-closed WAITLISTED');
    expect(effects.at(-1)).toBe(`day:closed ${DAY} expired 1 carried 3 to ${NEXT}`);
    expect((await opd.getToken(c.token.id)).cancelReason).toBe('day-closed');
    // The next day has nothing after it.
    clock.set(at('12:00', NEXT));
    const last = brief(await opd.closeDay('d1', NEXT));
    expect(last.at(-1)).toMatch(new RegExp(`^day:closed ${NEXT} expired \\d+ carried 0 to null$`));
  });

  it("under the department's duplicate rule, expires rather than carries a patient who holds a token with a colleague on the next day — by closeDay and by the sweep", async () => {
    for (const by of ['closeDay', 'sweep'] as const) {
      const { opd, clock } = scheduler({ ...presets.standard(), closeOut: { carryForward: true }, duplicates: { scope: 'department-day' } });
      clock.set(at('07:00'));
      for (const id of ['d1', 'd2']) {
        await doctorWithSlots(opd, id, [9], 1);
        await opd.updateDoctor(id, { department: 'opd' });
        await opd.addSlots(id, [{ start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 1 }]);
      }
      const first = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'pa', name: 'A' }, slotId: 'd1-09' });
      const waiting = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'pb', name: 'B' }, date: DAY });
      expect(waiting.outcome).toBe('WAITLISTED');
      await opd.book({ doctorId: 'd2', category: 'ONLINE', patient: { id: 'pb', name: 'B' }, date: NEXT });
      clock.set(at('11:00'));
      const effects = brief(by === 'closeDay' ? await opd.closeDay('d1', DAY) : await opd.sweep());
      // pb, who holds a place with d2 that day, expires; pa (booked, never seen) is carried to d1's
      // next day by closeDay, and is a no-show to the sweep, which marks no-shows first.
      expect(effects.filter((e) => e.startsWith('token:expired') || e.startsWith('day:closed'))).toEqual([
        'token:expired #2 day-closed WAITLISTED',
        by === 'closeDay' ? `day:closed ${DAY} expired 1 carried 1 to ${NEXT}` : `day:closed ${DAY} expired 1 carried 0 to null`,
      ]);
      expect((await opd.getToken(waiting.token.id)).cancelReason).toBe('day-closed');
      expect((await opd.getToken(first.token.id)).status).toBe(by === 'closeDay' ? 'CANCELLED' : 'NO_SHOW');
    }
  });

  it('a sweep closes a day once its last open slot has ended and the grace period passed', async () => {
    const { opd, clock, a, b } = await day();
    clock.set(at('11:10'));
    // Within the grace period: only the no-show.
    expect(brief(await opd.sweep())).toEqual(['token:no-show #2']);
    clock.set(at('11:15'));
    expect(brief(await opd.sweep())).toEqual([
      'token:expired #4 day-closed WAITLISTED',
      'token:expired #1 day-closed CHECKED_IN',
      'token:expired #3 day-closed WAITLISTED',
      `day:closed ${DAY} expired 3 carried 0 to null`,
    ]);
    expect((await opd.getToken(a.token.id)).status).toBe('CANCELLED');
    expect((await opd.getToken(b.token.id)).status).toBe('NO_SHOW');
    expect(await opd.sweep()).toEqual([]);
  });

  it('a sweep carries too, and closes nothing with closeOut.sweep false', async () => {
    const off = await day({ closeOut: { sweep: false } });
    off.clock.set(at('12:00'));
    expect(brief(await off.opd.sweep())).toEqual(['token:no-show #2']);
    const { opd, clock } = await day({ closeOut: { carryForward: true } });
    clock.set(at('12:00'));
    expect(brief(await opd.sweep()).at(-1)).toBe(`day:closed ${DAY} expired 0 carried 3 to ${NEXT}`);
  });

  it('refuses a bad closeOut option', () => {
    expect(() => scheduler({ closeOut: { carryForward: 'yes' as unknown as boolean } })).toThrow(/closeOut.carryForward/);
    expect(() => scheduler({ closeOut: { carry: true } as never })).toThrow(/closeOut.carry/);
    expect(() => scheduler({ closeOut: 1 as never })).toThrow(/closeOut/);
  });
});
