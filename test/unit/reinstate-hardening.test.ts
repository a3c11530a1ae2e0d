/**
 * `reinstate` and the cancel reasons: the lifecycle never depends on a caller's free text. The
 * scheduler's own markers (`hold-released`, `hold-expired`, `moved`) are refused as a `cancel`
 * reason, and a token a move replaced (`cancelReason: 'moved'`) never comes back — else the
 * patient would hold two places: the one moved to, and the old one.
 */
import fc from 'fast-check';
import { type Effect, type OpdScheduler, type Token, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, observe, rejectsWith, request, scheduler, TestClock } from '../helpers.js';
import { configSpecArb, fcOptions, timeoutFor } from '../property/support.js';
import { DAYS, DOCTORS, opsArb, World } from '../property/world.js';

const NEXT = '2026-01-31';
const RESERVED = ['hold-released', 'hold-expired', 'moved'] as const;

/** Everything observable about both doctors, today and tomorrow. */
async function everything(opd: OpdScheduler): Promise<unknown> {
  return [await observe(opd, 'd1'), await observe(opd, 'd1', NEXT), await observe(opd, 'd2'), await observe(opd, 'd2', NEXT)];
}

/** The live tokens (places and waitlist entries) a patient holds with anyone, on any day. */
async function liveTokensOf(opd: OpdScheduler, patientId: string, doctors: readonly string[], days: readonly string[]): Promise<Token[]> {
  const live: Token[] = [];
  for (const doctorId of doctors) {
    for (const day of days) {
      const schedule = await opd.getSchedule(doctorId, day);
      for (const view of schedule.slots) for (const t of view.places) if (t.patient.id === patientId && t.status !== 'COMPLETED') live.push(t);
      for (const t of schedule.waitlist) if (t.patient.id === patientId) live.push(t);
    }
  }
  return live;
}

describe('cancel refuses the scheduler’s own markers as a reason', () => {
  it('each reserved reason is refused naming `opts.reason`, changing nothing; the token can still be reinstated after a real cancel', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 2);
    const booked = await opd.book(request('d1', 'ONLINE'));
    for (const reason of RESERVED) {
      const before = await observe(opd, 'd1');
      const error = await rejectsWith(opd.cancel(booked.token.id, { reason }), 'VALIDATION_FAILED');
      expect(error.details.field).toBe('opts.reason');
      expect(error.message).toContain(`'${reason}'`);
      expect(await observe(opd, 'd1')).toEqual(before);
      expect((await opd.getToken(booked.token.id)).status).toBe('BOOKED');
    }
    // An input error comes before the lookup.
    expect((await rejectsWith(opd.cancel('d1~2026-01-30~99', { reason: 'moved' }), 'VALIDATION_FAILED')).details.field).toBe('opts.reason');
    await opd.cancel(booked.token.id, { reason: 'patient called' });
    expect((await opd.reinstate(booked.token.id)).token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
  });

  it('reasons that only look like a marker are free text: stored as given, and the token comes back', async () => {
    for (const reason of ['Moved', 'moved to Delhi', ' hold-released', 'hold released', 'HOLD-EXPIRED']) {
      const { opd } = scheduler(presets.standard());
      await doctorWithSlots(opd, 'd1', [9], 2);
      const booked = await opd.book(request('d1', 'ONLINE'));
      const cancelled = await opd.cancel(booked.token.id, { reason });
      expect(cancelled.token).toMatchObject({ status: 'CANCELLED', cancelReason: reason });
      expect((await opd.reinstate(booked.token.id)).token, reason).toMatchObject({ status: 'BOOKED', slotId: 'd1-09', cancelReason: null });
    }
  });

  it('holds that ended are still not brought back', async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler(presets.standard(), clock);
    await doctorWithSlots(opd, 'd1', [9], 3);
    const released = await opd.hold({ ...request('d1', 'ONLINE'), holdMinutes: 5 });
    await opd.release(released.token.id);
    const expired = await opd.hold({ ...request('d1', 'ONLINE'), holdMinutes: 5 });
    clock.advance(6);
    await opd.sweep();
    expect((await rejectsWith(opd.reinstate(released.token.id), 'INVALID_TRANSITION')).details).toMatchObject({ cancelReason: 'hold-released' });
    expect((await rejectsWith(opd.reinstate(expired.token.id), 'INVALID_TRANSITION')).details).toMatchObject({ cancelReason: 'hold-expired' });
  });
});

describe('reinstate refuses a token a move replaced', () => {
  /** Two doctors of one department, with slots today and tomorrow. */
  async function clinic(opd: OpdScheduler): Promise<void> {
    for (const id of ['d1', 'd2']) {
      await opd.addDoctor({ id, name: `Dr ${id}`, department: 'opd' });
      await opd.addSlots(id, [
        { id: `${id}-09`, start: at('09:00'), end: at('10:00'), capacity: 2 },
        { id: `${id}-12`, start: at('12:00'), end: at('13:00'), capacity: 2 },
        { id: `${id}-next-09`, start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 2 },
      ]);
    }
  }

  /** Refuses to bring back `old`, changing nothing; the patient holds exactly the token moved to. */
  async function refusesOld(opd: OpdScheduler, old: string, now: string): Promise<void> {
    const patientId = (await opd.getToken(old)).patient.id!;
    expect(await opd.getToken(old)).toMatchObject({ status: 'CANCELLED', cancelReason: 'moved', slotId: null });
    const before = await everything(opd);
    const error = await rejectsWith(opd.reinstate(old), 'INVALID_TRANSITION');
    expect(error.details).toMatchObject({ field: 'tokenId', tokenId: old, action: 'reinstate', cancelReason: 'moved' });
    expect(error.message).toMatch(/a move replaced it/);
    expect(await everything(opd)).toEqual(before);
    const live = await liveTokensOf(opd, patientId, ['d1', 'd2'], [DAY, NEXT]);
    expect(live.map((t) => t.id)).toEqual([now]);
  }

  it('a move to another day of the same doctor (the reported case)', async () => {
    const { opd } = scheduler(presets.standard());
    await clinic(opd);
    const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const moved = await opd.move(b.token.id, { date: NEXT });
    expect(moved.token).toMatchObject({ doctorId: 'd1', day: NEXT, status: 'BOOKED' });
    await refusesOld(opd, b.token.id, moved.token.id);
  });

  it('a move to another doctor the same day', async () => {
    const { opd } = scheduler(presets.standard());
    await clinic(opd);
    const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const moved = await opd.move(b.token.id, { doctorId: 'd2', slotId: 'd2-12' });
    expect(moved.token).toMatchObject({ doctorId: 'd2', day: DAY, slotId: 'd2-12' });
    await refusesOld(opd, b.token.id, moved.token.id);
  });

  it('a waitlisted token moved to another doctor', async () => {
    const { opd } = scheduler(presets.standard());
    await clinic(opd);
    await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'PAID', { slotId: 'd1-12' }));
    await opd.book(request('d1', 'PAID', { slotId: 'd1-12' }));
    const waiting = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect(waiting.token.status).toBe('WAITLISTED');
    const moved = await opd.move(waiting.token.id, { doctorId: 'd2' });
    await refusesOld(opd, waiting.token.id, moved.token.id);
  });

  it('a leave that reassigns the patient to a colleague (closeSlots, reassign: department)', async () => {
    const { opd } = scheduler(presets.standard());
    await clinic(opd);
    const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const effects = await opd.closeSlots('d1', { from: at('08:00'), to: at('11:00'), reason: 'on leave', reassign: 'department' });
    const move = effects.find((e): e is Extract<Effect, { type: 'token:moved' }> => e.type === 'token:moved');
    expect(move).toMatchObject({ fromTokenId: b.token.id, toDoctorId: 'd2' });
    await refusesOld(opd, b.token.id, move!.tokenId);
    // d1 has an open slot today (12:00): without the rule, the old token would have come back into it.
    expect((await opd.getSlot('d1-12')).slot.status).toBe('OPEN');
  });

  it('a leave that moves the patient to a later day (closeSlots)', async () => {
    const { opd } = scheduler(presets.standard());
    await clinic(opd);
    const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    // Close d1's 09:00 and fill its 12:00, so today has no place left: the patient moves to tomorrow.
    await opd.book(request('d1', 'PAID', { slotId: 'd1-12' }));
    await opd.book(request('d1', 'PAID', { slotId: 'd1-12' }));
    const effects = await opd.closeSlots('d1', { from: at('08:00'), to: at('11:00') });
    const move = effects.find((e): e is Extract<Effect, { type: 'token:moved' }> => e.type === 'token:moved');
    expect(move).toMatchObject({ fromTokenId: b.token.id, toDoctorId: 'd1', day: NEXT });
    // A place frees up today: still, the old token does not come back.
    const paid = (await opd.getSlot('d1-12')).places[0]!;
    await opd.cancel(paid.id);
    await refusesOld(opd, b.token.id, move!.tokenId);
  });

  it('within one doctor-day a move keeps the token: there is no old token to bring back', async () => {
    const { opd } = scheduler(presets.standard());
    await clinic(opd);
    const b = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const moved = await opd.move(b.token.id, { slotId: 'd1-12' });
    expect(moved.token.id).toBe(b.token.id);
    await rejectsWith(opd.reinstate(b.token.id), 'INVALID_TRANSITION');
    // Cancelled afterwards by the desk, it comes back as any cancelled token does.
    await opd.cancel(b.token.id, { reason: 'by mistake' });
    expect((await opd.reinstate(b.token.id)).token.status).toBe('BOOKED');
  });
});

describe('property: a move never leaves the patient two places', () => {
  const RUNS = 100;
  it(
    'after every call, every token a move replaced stays CANCELLED and cannot be reinstated; a patient holds at most one live token per doctor-day',
    async () => {
      await fc.assert(
        fc.asyncProperty(configSpecArb, opsArb(30), async (spec, ops) => {
          const world = await World.create(spec);
          const replaced = new Set<string>();
          let seen = 0;
          for (const op of ops) {
            const step = await world.run(op);
            const history = await world.opd.history();
            for (const e of history.slice(seen)) {
              if (e.type === 'token:moved' && e.fromTokenId !== e.tokenId) replaced.add(e.fromTokenId);
            }
            seen = history.length;
            // Try to bring back every replaced token, as a desk might, right after the move and later.
            for (const old of replaced) {
              const before = (await world.opd.history()).length;
              let outcome: unknown;
              try {
                await world.opd.reinstate(old);
                outcome = 'reinstated';
              } catch (error) {
                outcome = error;
              }
              expect(outcome, `${step.call ?? op.op}: the token ${old} a move replaced was brought back`).toMatchObject({
                code: 'INVALID_TRANSITION',
                details: { cancelReason: 'moved' },
              });
              expect((await world.opd.history()).length, 'a refused reinstate stores nothing').toBe(before);
              expect(await world.opd.getToken(old), `${old} stays as the move left it`).toMatchObject({
                status: 'CANCELLED',
                cancelReason: 'moved',
                slotId: null,
              });
            }
            // One live token per patient per doctor-day.
            const live = new Map<string, string[]>();
            for (const doctorId of DOCTORS) {
              for (const day of DAYS) {
                const schedule = await world.opd.getSchedule(doctorId, day);
                const tokens = [...schedule.slots.flatMap((v) => v.places.filter((t) => t.status !== 'COMPLETED')), ...schedule.waitlist];
                for (const t of tokens) {
                  if (t.patient.id === undefined) continue;
                  const key = `${t.patient.id}@${doctorId}/${day}`;
                  live.set(key, [...(live.get(key) ?? []), t.id]);
                }
              }
            }
            for (const [key, ids] of live) expect(ids, `${step.call ?? op.op}: ${key} holds one live token`).toHaveLength(1);
          }
        }),
        fcOptions(RUNS),
      );
    },
    timeoutFor(RUNS, 400),
  );
});
