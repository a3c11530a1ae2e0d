import { ChannelQuota, OpdScheduler, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { DAY, at, rejectsWith, scheduler } from '../helpers.js';

const NEXT = '2026-01-31';

/** Adds doctor `id` with hourly slots (UTC) of `capacity` on `day`; slot ids `${id}-${hh}` (plus `-${day}` off {@link DAY}). */
async function slots(opd: OpdScheduler, id: string, hours: readonly number[], capacity: number, day = DAY): Promise<void> {
  if (!(await opd.listDoctors()).some((d) => d.id === id)) await opd.addDoctor({ id, name: `Dr ${id}`, department: 'opd' });
  await opd.addSlots(
    id,
    hours.map((h) => {
      const hh = String(h).padStart(2, '0');
      return {
        id: day === DAY ? `${id}-${hh}` : `${id}-${hh}-${day}`,
        start: `${day}T${hh}:00:00Z`,
        end: `${day}T${String(h + 1).padStart(2, '0')}:00:00Z`,
        capacity,
      };
    }),
  );
}

const patient = (id: string) => ({ id, name: `Patient ${id}` });

describe('move', () => {
  it('within a doctor-day keeps the token id and number, and promotes into the place left', async () => {
    const { opd } = scheduler(presets.waitlist());
    await slots(opd, 'a', [9, 10], 1);
    const first = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-09' });
    const waiting = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p2'), slotId: 'a-09' });
    expect(waiting.outcome).toBe('WAITLISTED');
    const seen: string[] = [];
    opd.on('event', (e) => seen.push(e.type));
    const moved = await opd.move(first.token.id, { slotId: 'a-10' }, { reason: 'asked' });
    expect(moved.token).toMatchObject({ id: first.token.id, tokenNumber: first.token.tokenNumber, slotId: 'a-10', status: 'BOOKED' });
    expect(moved.fromTokenId).toBe(first.token.id);
    expect(moved.effects.map((e) => e.type)).toEqual(['token:promoted']);
    expect(seen).toEqual(['token:moved', 'token:promoted']);
    const event = (await opd.history()).find((e) => e.type === 'token:moved');
    expect(event).toMatchObject({ fromSlotId: 'a-09', toSlotId: 'a-10', fromDoctorId: 'a', toDoctorId: 'a', fromTokenId: first.token.id, reason: 'asked' });
    expect((await opd.getToken(waiting.token.id)).slotId).toBe('a-09');
  });

  it('gives a waitlisted token a free place, keeping its id', async () => {
    const { opd } = scheduler(presets.waitlist());
    await slots(opd, 'a', [9, 10], 1);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-09' });
    const waiting = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p2'), slotId: 'a-09' });
    const moved = await opd.move(waiting.token.id, { after: at('10:00') });
    expect(moved.token).toMatchObject({ id: waiting.token.id, slotId: 'a-10', status: 'BOOKED' });
    expect((await opd.history()).at(-1)).toMatchObject({ type: 'token:moved', fromSlotId: null, toSlotId: 'a-10' });
  });

  it('gives a place to a token whose per-slot waitlist ended with its slot (it is no longer promoted)', async () => {
    const { opd, clock } = scheduler(presets.waitlist());
    await slots(opd, 'a', [9, 11], 1);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-09' });
    const waiting = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p2'), slotId: 'a-09' });
    clock.set(at('10:30'));
    await opd.sweep();
    // 11:00 has a free place, but the token waited for 09:00 alone.
    expect(await opd.getToken(waiting.token.id)).toMatchObject({ status: 'WAITLISTED', waitingForSlotId: 'a-09' });
    expect((await opd.getSlot('a-11')).free).toBe(1);
    const moved = await opd.move(waiting.token.id, { slotId: 'a-11' });
    expect(moved.token).toMatchObject({ id: waiting.token.id, slotId: 'a-11', status: 'BOOKED', waitingForSlotId: null });
  });

  it('to another day: a hold of the patient that lapsed there unswept is released first, not taken for their live token', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await slots(opd, 'a', [9], 2);
    await slots(opd, 'a', [9], 2, NEXT);
    const hold = await opd.hold({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-09', holdMinutes: 1 });
    const booked = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: `a-09-${NEXT}` });
    clock.advance(5);
    const moved = await opd.move(booked.token.id, { slotId: 'a-09' });
    expect(moved.token).toMatchObject({ slotId: 'a-09', status: 'BOOKED' });
    expect(moved.effects.map((e) => e.type)).toEqual(['token:expired']);
    expect((await opd.getToken(hold.token.id)).status).toBe('CANCELLED');
  });

  it('to another day: the place a lapsed hold leaves there goes to that day’s waitlist first, as a sweep would have given it', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await slots(opd, 'a', [9], 1);
    await slots(opd, 'a', [9], 2, NEXT);
    await opd.hold({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-09', holdMinutes: 1 });
    const waiting = await opd.book({ doctorId: 'a', category: 'WALK_IN', patient: patient('p2'), date: DAY });
    expect(waiting.outcome).toBe('WAITLISTED');
    const booked = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p3'), slotId: `a-09-${NEXT}` });
    clock.advance(5);
    await rejectsWith(opd.move(booked.token.id, { slotId: 'a-09' }), 'SLOT_FULL');
    const effects = await opd.sweep();
    expect(effects.map((e) => e.type)).toEqual(['token:expired', 'token:promoted']);
  });

  it('to another doctor: the lapsed holds of their day are released first, and the result names them', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await slots(opd, 'a', [9], 1);
    await slots(opd, 'b', [9], 1);
    const lapsed = await opd.hold({ doctorId: 'b', category: 'ONLINE', patient: patient('p1'), slotId: 'b-09', holdMinutes: 1 });
    const booked = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p2'), slotId: 'a-09' });
    clock.advance(5);
    const seen: string[] = [];
    opd.on('event', (e) => seen.push(e.type));
    const moved = await opd.move(booked.token.id, { slotId: 'b-09' });
    expect(moved.token).toMatchObject({ doctorId: 'b', slotId: 'b-09', status: 'BOOKED' });
    expect(moved.effects.map((e) => e.type)).toEqual(['token:expired']);
    expect(seen.sort()).toEqual(['token:expired', 'token:moved']);
    expect((await opd.getToken(lapsed.token.id)).status).toBe('CANCELLED');
  });

  it('to another day or doctor gives a new token there and cancels the old one as moved', async () => {
    const { opd } = scheduler();
    await slots(opd, 'a', [9], 2);
    await slots(opd, 'a', [9], 2, NEXT);
    await slots(opd, 'b', [11], 2);
    const booked = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-09' });
    const tomorrow = await opd.move(booked.token.id, { date: NEXT });
    expect(tomorrow.token).toMatchObject({ doctorId: 'a', day: NEXT, slotId: `a-09-${NEXT}`, tokenNumber: 1, status: 'BOOKED' });
    expect(tomorrow.fromTokenId).toBe(booked.token.id);
    expect(await opd.getToken(booked.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'moved', slotId: null });
    const colleague = await opd.move(tomorrow.token.id, { doctorId: 'b', date: DAY });
    expect(colleague.token).toMatchObject({ doctorId: 'b', day: DAY, slotId: 'b-11', status: 'BOOKED' });
    expect(colleague.token.patient).toEqual(patient('p1'));
    expect(await opd.getToken(tomorrow.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'moved' });
    const event = (await opd.history()).at(-1);
    expect(event).toMatchObject({
      type: 'token:moved',
      doctorId: 'b',
      tokenId: colleague.token.id,
      fromTokenId: tomorrow.token.id,
      fromDoctorId: 'a',
      toDoctorId: 'b',
      fromDay: NEXT,
    });
    // By slot id alone, the slot's doctor is found.
    const back = await opd.move(colleague.token.id, { slotId: 'a-09' });
    expect(back.token).toMatchObject({ doctorId: 'a', slotId: 'a-09', tokenNumber: 2 });
    const stats = await opd.stats();
    expect(stats.tokens).toBe(4);
  });

  it('refuses a target without a free place with SLOT_FULL and changes nothing', async () => {
    const { opd } = scheduler();
    await slots(opd, 'a', [9, 10], 1);
    const one = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-09' });
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p2'), slotId: 'a-10' });
    const before = await opd.history();
    await rejectsWith(opd.move(one.token.id, { slotId: 'a-10' }), 'SLOT_FULL');
    await rejectsWith(opd.move(one.token.id, { date: DAY }), 'SLOT_FULL');
    expect(await opd.history()).toEqual(before);
    expect((await opd.getToken(one.token.id)).slotId).toBe('a-09');
  });

  it('takes only a place the quota admits the patient to', async () => {
    const { opd } = scheduler({ ...presets.standard(), quota: new ChannelQuota({ ONLINE: { share: 0.5 } }) });
    await slots(opd, 'a', [9, 10, 11], 2);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-10' });
    const mover = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p2'), slotId: 'a-09' });
    await rejectsWith(opd.move(mover.token.id, { slotId: 'a-10' }), 'SLOT_FULL');
    // A search skips the slot whose online share is used up.
    const moved = await opd.move(mover.token.id, { after: at('10:00') });
    expect(moved.token.slotId).toBe('a-11');
  });

  it('with dryRun returns what the move would return and changes nothing', async () => {
    const make = async () => {
      const { opd } = scheduler(presets.waitlist());
      await slots(opd, 'a', [9], 1);
      await slots(opd, 'b', [10], 1);
      const first = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-09' });
      await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p2'), slotId: 'a-09' });
      return { opd, id: first.token.id };
    };
    const dry = await make();
    const before = await dry.opd.history();
    const preview = await dry.opd.move(dry.id, { slotId: 'b-10' }, { dryRun: true });
    expect(await dry.opd.history()).toEqual(before);
    expect((await dry.opd.getToken(dry.id)).status).toBe('BOOKED');
    const real = await make();
    const done = await real.opd.move(real.id, { slotId: 'b-10' });
    const strip = (r: unknown) => JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === 'seq' ? 0 : v)));
    expect(strip(preview)).toEqual(strip(done));
  });

  it('refuses bad moves with typed errors and changes nothing', async () => {
    const { opd, clock } = scheduler();
    await slots(opd, 'a', [8, 9, 10, 11], 2);
    await slots(opd, 'b', [9], 2);
    const p1 = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-09' });
    const done = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p2'), slotId: 'a-08' });
    await opd.book({ doctorId: 'b', category: 'ONLINE', patient: patient('p1'), slotId: 'b-09' });
    await opd.checkIn(done.token.id);
    await opd.startConsultation(done.token.id);
    await opd.closeSlot('a-11');
    clock.set(at('09:05'));
    const before = await opd.history();
    await rejectsWith(opd.move('a~2026-01-30~99', { slotId: 'a-10' }), 'TOKEN_NOT_FOUND');
    await rejectsWith(opd.move('nonsense', { slotId: 'a-10' }), 'TOKEN_NOT_FOUND');
    const busy = await rejectsWith(opd.move(done.token.id, { slotId: 'a-10' }), 'INVALID_TRANSITION');
    expect(busy.details).toMatchObject({ status: 'IN_CONSULTATION', action: 'move' });
    expect((await rejectsWith(opd.move(p1.token.id, { slotId: 'a-11' }), 'SLOT_CLOSED')).details).toMatchObject({ field: 'to.slotId', slotId: 'a-11' });
    expect((await rejectsWith(opd.move(p1.token.id, { slotId: 'a-08' }), 'SLOT_ENDED')).details).toMatchObject({ field: 'to.slotId', slotId: 'a-08' });
    await rejectsWith(opd.move(p1.token.id, { slotId: 'nope' }), 'SLOT_NOT_FOUND');
    await rejectsWith(opd.move(p1.token.id, { doctorId: 'nobody' }), 'DOCTOR_NOT_FOUND');
    const same = await rejectsWith(opd.move(p1.token.id, { slotId: 'a-09' }), 'VALIDATION_FAILED');
    expect(same.details.field).toBe('to');
    await rejectsWith(opd.move(p1.token.id, { doctorId: 'b' }), 'DUPLICATE_BOOKING');
    expect((await rejectsWith(opd.move(p1.token.id, {}), 'VALIDATION_FAILED')).details.field).toBe('to');
    expect((await rejectsWith(opd.move(p1.token.id, { slot: 'a-10' } as never), 'VALIDATION_FAILED')).details.field).toBe('to.slot');
    expect((await rejectsWith(opd.move(p1.token.id, { date: 'tomorrow' }), 'VALIDATION_FAILED')).details.field).toBe('to.date');
    expect((await rejectsWith(opd.move(p1.token.id, { date: '2026-01-29' }), 'VALIDATION_FAILED')).details.field).toBe('to.date');
    expect((await rejectsWith(opd.move(p1.token.id, { slotId: 'a-10', date: NEXT }), 'VALIDATION_FAILED')).details.field).toBe('to.date');
    expect((await rejectsWith(opd.move(p1.token.id, { slotId: 'a-10' }, { dryRun: 'yes' } as never), 'VALIDATION_FAILED')).details.field).toBe('opts.dryRun');
    await opd.cancel(p1.token.id);
    const after = await opd.history();
    await rejectsWith(opd.move(p1.token.id, { slotId: 'a-10' }), 'INVALID_TRANSITION');
    expect(await opd.history()).toEqual(after);
    expect(after.length).toBe(before.length + 1);
  });

  it('a token of a past day names what made the day: to.date, to.after, or the token itself', async () => {
    const { opd, clock } = scheduler();
    await slots(opd, 'a', [9], 1);
    await slots(opd, 'b', [9], 1);
    const old = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'a-09' });
    clock.set(at('07:00', NEXT));
    const own = await rejectsWith(opd.move(old.token.id, { doctorId: 'b' }), 'VALIDATION_FAILED');
    expect(own.details).toMatchObject({ field: 'to', tokenId: old.token.id });
    expect(own.message).toContain(DAY);
    expect((await rejectsWith(opd.move(old.token.id, { doctorId: 'b', after: at('08:00') }), 'VALIDATION_FAILED')).details.field).toBe('to.after');
    expect((await rejectsWith(opd.move(old.token.id, { doctorId: 'b', date: DAY }), 'VALIDATION_FAILED')).details.field).toBe('to.date');
  });

  it('a day whose night session still runs past midnight is not past: its running slot takes the patient, as the live queue treats it', async () => {
    const { opd, clock } = scheduler();
    await opd.addDoctor({ id: 'a', name: 'Dr a' });
    await opd.addSlots('a', [
      { id: 'eve', start: `${DAY}T22:00:00Z`, end: `${DAY}T23:00:00Z`, capacity: 1 },
      { id: 'night', start: `${DAY}T23:00:00Z`, end: `${NEXT}T02:00:00Z`, capacity: 1 },
    ]);
    const late = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p1'), slotId: 'eve' });
    clock.set(at('00:30', NEXT));
    const moved = await opd.move(late.token.id, { doctorId: 'a' });
    expect(moved.token).toMatchObject({ id: late.token.id, slotId: 'night', status: 'BOOKED', day: DAY });
    // Once the session has ended, the day is past.
    clock.set(at('02:00', NEXT));
    expect((await rejectsWith(opd.move(late.token.id, { doctorId: 'a' }), 'VALIDATION_FAILED')).details.field).toBe('to');
  });
});
