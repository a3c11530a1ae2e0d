import { ChannelQuota, OpdScheduler, presets, toFhirAppointmentStatus, type OpdEvent, type OpdSchedulerOptions } from 'opd-scheduler';
import { migrate, PostgresStorage } from 'opd-scheduler/postgres';
import { describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { at, DAY, doctorWithSlots, observe, rejectsWith, request, scheduler, TestClock } from '../helpers.js';
import { pgliteOfFile } from '../pglite.js';

/** The file's PGlite database: a schema of its own for each test. */
const pglite = pgliteOfFile();

/** The token an event is about, or `null`. */
const idOf = (e: OpdEvent): string | null => ('tokenId' in e ? e.tokenId : null);

const standard: OpdSchedulerOptions = { ...presets.standard() };

const stores = conformanceStores('slot_holds');

describe('holds', () => {
  it('hold a place until a deadline: HELD, counted against capacity, then confirmed as BOOKED', async () => {
    const { opd } = scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 10 });
    expect(held.token).toMatchObject({ status: 'HELD', slotId: 'd1-09', position: 1 });
    expect(held.token.holdExpiresAt).toEqual(at('07:10'));
    expect(held.effects).toEqual([]);
    expect(toFhirAppointmentStatus('HELD')).toBe('pending');
    // The held place is taken: the next booking goes to the next slot with room.
    const next = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect(next.token.slotId).toBe('d1-10');
    const slot = await opd.getSlot('d1-09');
    expect(slot.free).toBe(0);
    expect(slot.places.map((t) => t.status)).toEqual(['HELD']);
    expect((await opd.stats()).byStatus.HELD).toBe(1);
    expect((await opd.stats()).places).toBe(2);
    const confirmed = await opd.confirm(held.token.id, { actor: 'payments' });
    expect(confirmed.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09', holdExpiresAt: null });
    const history = await opd.history();
    expect(history.map((e) => [e.type, e.actor])).toEqual([
      ['token:held', null],
      ['token:booked', null],
      ['token:confirmed', 'payments'],
    ]);
    expect(history[0]).toMatchObject({ type: 'token:held', slotId: 'd1-09', holdExpiresAt: at('07:10') });
  });

  it('release frees the place and promotes into it; confirm and release refuse tokens that are not HELD', async () => {
    const { opd } = scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 30 });
    const waiting = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    expect(waiting.outcome).toBe('WAITLISTED');
    const released = await opd.release(held.token.id, { actor: 'desk-1' });
    expect(released.token).toMatchObject({ status: 'CANCELLED', slotId: null, cancelReason: 'hold-released', holdExpiresAt: null });
    expect(released.effects.map((e) => [e.type, idOf(e), e.actor])).toEqual([['token:promoted', waiting.token.id, 'desk-1']]);
    expect((await opd.history()).at(-2)).toMatchObject({ type: 'token:released', slotId: 'd1-09', reason: 'released' });
    expect((await rejectsWith(opd.confirm(held.token.id), 'INVALID_TRANSITION')).details).toMatchObject({ status: 'CANCELLED', action: 'confirm' });
    await rejectsWith(opd.release(held.token.id), 'INVALID_TRANSITION');
    await rejectsWith(opd.confirm(waiting.token.id), 'INVALID_TRANSITION');
    await rejectsWith(opd.release(waiting.token.id), 'INVALID_TRANSITION');
    await rejectsWith(opd.confirm('d1~2026-01-30~99'), 'TOKEN_NOT_FOUND');
  });

  it('a hold past its end cannot be confirmed; the sweep at the clock releases it and promotes, even on a day with nothing else due', async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler(standard, clock);
    await doctorWithSlots(opd, 'd1', [15], 1, { overflowCapacity: 0 });
    const held = await opd.hold({ ...request('d1', 'ONLINE'), holdMinutes: 15 });
    const waiting = await opd.book(request('d1', 'ONLINE'));
    expect(waiting.outcome).toBe('WAITLISTED');
    clock.set(at('07:14'));
    expect(await opd.sweep()).toEqual([]);
    clock.set(at('07:15'));
    const before = await observe(opd, 'd1');
    const late = await rejectsWith(opd.confirm(held.token.id), 'INVALID_TRANSITION');
    expect(late.details).toMatchObject({ expired: true, status: 'HELD', holdExpiresAt: at('07:15').toISOString() });
    expect(await observe(opd, 'd1')).toEqual(before);
    const swept = await opd.sweep(undefined, { actor: 'cron' });
    expect(swept.map((e) => [e.type, idOf(e), e.actor])).toEqual([
      ['token:expired', held.token.id, 'cron'],
      ['token:promoted', waiting.token.id, 'cron'],
    ]);
    expect(swept[0]).toMatchObject({ slotId: 'd1-15', holdExpiresAt: at('07:15') });
    expect(await opd.getToken(held.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'hold-expired' });
    expect(await opd.sweep()).toEqual([]);
  });

  for (const store of ['memory', 'PostgreSQL'] as const) {
    it(`a hold that has ended keeps no place once a call books on its day, before any sweep (${store})`, async () => {
      const clock = new TestClock(at('07:00'));
      const db = store === 'PostgreSQL' ? await pglite() : undefined;
      if (db !== undefined) await migrate(db, { schema: 'ended_holds' });
      const opd =
        db === undefined
          ? scheduler(standard, clock).opd
          : new OpdScheduler({ ...standard, storage: new PostgresStorage({ db, schema: 'ended_holds' }), clock: clock.now });
      await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
      const held = await opd.hold({ ...request('d1', 'ONLINE', { patientId: 'p-held' }), holdMinutes: 10 });
      clock.set(at('07:20'));
      // The emergency gets the place the ended hold kept: not waitlisted until the next sweep.
      const emergency = await opd.book(request('d1', 'EMERGENCY'));
      expect(emergency).toMatchObject({ outcome: 'BOOKED', overflow: false, token: { slotId: 'd1-09' } });
      expect(emergency.effects.map((e) => [e.type, idOf(e)])).toEqual([['token:expired', held.token.id]]);
      expect(emergency.effects[0]).toMatchObject({ slotId: 'd1-09', holdExpiresAt: at('07:10') });
      expect(await opd.getToken(held.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'hold-expired', slotId: null });
      expect((await opd.history()).map((e) => e.type)).toEqual(['token:held', 'token:expired', 'token:booked']);
      expect(await opd.sweep()).toEqual([]);
      await opd.close();
    });
  }

  for (const store of ['memory', 'PostgreSQL'] as const) {
    it(`a booking without a date takes a place a lapsed hold keeps on an earlier day, after the waitlist there (${store})`, async () => {
      const clock = new TestClock(at('07:00'));
      const db = store === 'PostgreSQL' ? await pglite() : undefined;
      if (db !== undefined) await migrate(db, { schema: 'freed_days' });
      const opd =
        db === undefined
          ? scheduler(standard, clock).opd
          : new OpdScheduler({ ...standard, storage: new PostgresStorage({ db, schema: 'freed_days' }), clock: clock.now });
      const NEXT = '2026-01-31';
      const slot = (id: string, day: string, capacity: number) => ({ id, start: at('09:00', day), end: at('10:00', day), capacity, overflowCapacity: 0 });
      // d1: two places today, both held; d2: one place today, held, and a patient waiting for it.
      for (const [doctorId, capacity] of [
        ['d1', 2],
        ['d2', 1],
      ] as const) {
        await opd.addDoctor({ id: doctorId, name: `Dr ${doctorId}` });
        await opd.addSlots(doctorId, [slot(`${doctorId}-today`, DAY, capacity), slot(`${doctorId}-next`, NEXT, 3)]);
      }
      const holds = [];
      for (const doctorId of ['d1', 'd1', 'd2']) holds.push(await opd.hold({ ...request(doctorId, 'ONLINE', { date: DAY }), holdMinutes: 10 }));
      const waiting = [await opd.book(request('d1', 'WALK_IN', { date: DAY })), await opd.book(request('d2', 'WALK_IN', { date: DAY }))];
      expect(waiting.map((r) => r.outcome)).toEqual(['WAITLISTED', 'WAITLISTED']);
      clock.set(at('07:20'));

      // d1: the waiting patient takes one freed place, the booking the other — today, not tomorrow.
      const first = await opd.book(request('d1', 'ONLINE'));
      expect(first).toMatchObject({ outcome: 'BOOKED', token: { day: DAY, slotId: 'd1-today' } });
      expect(first.effects.map((e) => [e.type, idOf(e)])).toEqual([
        ['token:expired', holds[0]!.token.id],
        ['token:expired', holds[1]!.token.id],
        ['token:promoted', waiting[0]!.token.id],
      ]);
      // d2: the waiting patient takes the one freed place; the booking goes on to tomorrow, and
      // today stays settled (as after a sweep).
      const second = await opd.book(request('d2', 'ONLINE'));
      expect(second).toMatchObject({ outcome: 'BOOKED', token: { day: NEXT, slotId: 'd2-next' } });
      expect(second.effects.map((e) => [e.type, idOf(e)])).toEqual([
        ['token:expired', holds[2]!.token.id],
        ['token:promoted', waiting[1]!.token.id],
      ]);
      expect(await opd.getToken(waiting[1]!.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd2-today' });
      expect(await opd.sweep()).toEqual([]);
      await opd.close();
    });
  }

  for (const store of ['memory', 'PostgreSQL'] as const) {
    it(`a patient whose hold has ended may hold, book or be reinstated again before any sweep (${store})`, async () => {
      const clock = new TestClock(at('07:00'));
      const db = store === 'PostgreSQL' ? await pglite() : undefined;
      if (db !== undefined) await migrate(db, { schema: 'lapsed' });
      const opd =
        db === undefined
          ? scheduler(standard, clock).opd
          : new OpdScheduler({ ...standard, storage: new PostgresStorage({ db, schema: 'lapsed' }), clock: clock.now });
      await doctorWithSlots(opd, 'd1', [9, 10], 3, { overflowCapacity: 0 });
      const patient = { patientId: 'p1' };
      const first = await opd.hold({ ...request('d1', 'ONLINE', patient), holdMinutes: 5 });
      clock.set(at('07:10'));
      const second = await opd.hold({ ...request('d1', 'ONLINE', patient), holdMinutes: 5 });
      expect(second.effects.map((e) => [e.type, idOf(e)])).toEqual([['token:expired', first.token.id]]);
      clock.set(at('07:20'));
      const booked = await opd.book(request('d1', 'ONLINE', patient));
      expect(booked).toMatchObject({ outcome: 'BOOKED', effects: [{ type: 'token:expired', tokenId: second.token.id }] });
      await opd.cancel(booked.token.id);
      const third = await opd.hold({ ...request('d1', 'ONLINE', patient), holdMinutes: 5 });
      clock.set(at('07:30'));
      const back = await opd.reinstate(booked.token.id);
      expect(back.token).toMatchObject({ id: booked.token.id, status: 'BOOKED' });
      expect(back.effects.map((e) => [e.type, idOf(e)])).toContainEqual(['token:expired', third.token.id]);
      // One live token for the patient, as before.
      const live = (await opd.getSchedule('d1', DAY)).slots.flatMap((v) => v.places).filter((t) => t.patient.id === 'p1');
      expect(live.map((t) => [t.id, t.status])).toEqual([[booked.token.id, 'BOOKED']]);
      await opd.close();
    });
  }

  it('a patient whose hold has ended may book again before any sweep; a waiting patient is promoted into the place first', async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler(standard, clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09', patientId: 'p1' }), holdMinutes: 10 });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const waiting = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect(waiting.outcome).toBe('WAITLISTED');
    // Before its end the hold is the patient's live token.
    await rejectsWith(opd.book(request('d1', 'ONLINE', { patientId: 'p1' })), 'DUPLICATE_BOOKING');
    clock.set(at('07:10'));
    const again = await opd.book(request('d1', 'ONLINE', { patientId: 'p1' }));
    expect(again.outcome).toBe('WAITLISTED');
    expect(again.effects.map((e) => [e.type, idOf(e)])).toEqual([
      ['token:expired', held.token.id],
      ['token:promoted', waiting.token.id],
    ]);
  });

  for (const store of ['memory', 'PostgreSQL'] as const) {
    it(`a leave moves its patients to places lapsed holds keep on the next day or with a colleague, before any sweep (${store})`, async () => {
      const clock = new TestClock(at('07:00'));
      const db = store === 'PostgreSQL' ? await pglite() : undefined;
      if (db !== undefined) await migrate(db, { schema: 'leave_lapsed' });
      const noElastic = presets.standard({ emergencyOverflow: 0 });
      const opd =
        db === undefined
          ? scheduler(noElastic, clock).opd
          : new OpdScheduler({ ...noElastic, storage: new PostgresStorage({ db, schema: 'leave_lapsed' }), clock: clock.now });
      const NEXT = '2026-01-31';
      const slot = (id: string, day: string, hour: string) => ({
        id,
        start: at(hour, day),
        end: at(`${String(Number(hour.slice(0, 2)) + 1).padStart(2, '0')}:00`, day),
        capacity: 1,
        overflowCapacity: 0,
      });
      await opd.addDoctor({ id: 'd1', name: 'Dr One', department: 'gen' });
      await opd.addDoctor({ id: 'd2', name: 'Dr Two', department: 'gen' });
      await opd.addSlots('d1', [slot('d1-today', DAY, '09:00'), slot('d1-next', NEXT, '09:00')]);
      await opd.addSlots('d2', [slot('d2-today', DAY, '10:00')]);
      // Every place but d1's today is held, and those holds end unswept.
      const nextHold = await opd.hold({ ...request('d1', 'ONLINE', { date: NEXT }), holdMinutes: 10 });
      const colleagueHold = await opd.hold({ ...request('d2', 'ONLINE', { date: DAY }), holdMinutes: 10 });
      const emergency = await opd.book(request('d1', 'EMERGENCY', { date: DAY }));
      clock.set(at('07:20'));

      // Without a colleague: the emergency goes to tomorrow's place, the ended hold released first.
      const moved = await opd.closeSlots('d1', { from: at('09:00'), to: at('10:00'), horizonDays: 1, dryRun: true });
      expect(moved.map((e) => [e.type, idOf(e)])).toEqual([
        ['slot:closed', null],
        ['token:expired', nextHold.token.id],
        ['token:moved', expect.stringContaining(NEXT)],
      ]);
      expect(moved[2]).toMatchObject({ fromTokenId: emergency.token.id, toSlotId: 'd1-next' });
      // With the colleague: its place today is sooner than d1's tomorrow, once its ended hold is
      // released. Both days the search looked at stay settled, as after a sweep (the colleague's
      // events come after the doctor's).
      const reassigned = await opd.closeSlots('d1', { from: at('09:00'), to: at('10:00'), horizonDays: 1, reassign: 'department' });
      expect(reassigned.map((e) => [e.type, idOf(e)])).toEqual([
        ['slot:closed', null],
        ['token:expired', nextHold.token.id],
        ['token:moved', expect.stringContaining('d2~')],
        ['token:expired', colleagueHold.token.id],
      ]);
      expect(reassigned[2]).toMatchObject({ fromTokenId: emergency.token.id, toDoctorId: 'd2', toSlotId: 'd2-today' });
      expect(await opd.getToken(nextHold.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'hold-expired' });
      expect(await opd.sweep()).toEqual([]);
      await opd.close();
    });
  }

  for (const store of ['memory', 'PostgreSQL'] as const) {
    it(`a move within a day settles it first, and a department booking counts a doctor's places as settled, before any sweep (${store})`, async () => {
      const clock = new TestClock(at('07:00'));
      const db = store === 'PostgreSQL' ? await pglite() : undefined;
      if (db !== undefined) await migrate(db, { schema: 'move_lapsed' });
      const noElastic = presets.standard({ emergencyOverflow: 0 });
      const opd =
        db === undefined
          ? scheduler(noElastic, clock).opd
          : new OpdScheduler({ ...noElastic, storage: new PostgresStorage({ db, schema: 'move_lapsed' }), clock: clock.now });
      const slot = (id: string, hour: string) => ({
        id,
        start: at(hour),
        end: at(`${String(Number(hour.slice(0, 2)) + 1).padStart(2, '0')}:00`),
        capacity: 1,
        overflowCapacity: 0,
      });
      await opd.addDoctor({ id: 'd1', name: 'Dr One', department: 'gen' });
      await opd.addDoctor({ id: 'd2', name: 'Dr Two', department: 'gen' });
      await opd.addSlots('d1', [slot('d1-09', '09:00'), slot('d1-10', '10:00')]);
      await opd.addSlots('d2', [slot('d2-09', '09:00')]);
      // d1 today: 09:00 booked, 10:00 held; d2's only place held. Both holds end unswept.
      const first = await opd.book(request('d1', 'ONLINE', { date: DAY }));
      const held = await opd.hold({ ...request('d1', 'ONLINE', { date: DAY }), holdMinutes: 10 });
      const colleagueHold = await opd.hold({ ...request('d2', 'ONLINE', { date: DAY }), holdMinutes: 10 });
      clock.set(at('07:20'));

      // The 09:00 patient moves to 10:00, whose place the ended hold no longer keeps.
      const moved = await opd.move(first.token.id, { slotId: 'd1-10' });
      expect(moved.token).toMatchObject({ id: first.token.id, status: 'BOOKED', slotId: 'd1-10' });
      expect(moved.effects.map((e) => [e.type, idOf(e)])).toEqual([['token:expired', held.token.id]]);

      // By department: both doctors' 09:00 places are free once settled; d2 has taken none that
      // day (its lapsed hold keeps no place), d1 one: d2 gets the patient.
      const booked = await opd.book({ department: 'gen', category: 'ONLINE', patient: { id: 'p-dept', name: 'Dept' } });
      expect(booked.token).toMatchObject({ doctorId: 'd2', slotId: 'd2-09' });
      expect(booked.effects.map((e) => [e.type, idOf(e)])).toEqual([['token:expired', colleagueHold.token.id]]);
      expect(await opd.sweep()).toEqual([]);
      await opd.close();
    });
  }

  it('a leave moves a patient who is no emergency to a later day whose only place a lapsed hold keeps', async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler(presets.standard({ emergencyOverflow: 0 }), clock);
    const NEXT = '2026-01-31';
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    await opd.addSlots('d1', [
      { id: 'd1-09', start: at('09:00'), end: at('10:00'), capacity: 1, overflowCapacity: 0 },
      { id: 'd1-next', start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 1, overflowCapacity: 0 },
    ]);
    const booked = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const nextHold = await opd.hold({ ...request('d1', 'ONLINE', { date: NEXT }), holdMinutes: 10 });
    clock.set(at('07:20'));
    // The next day is full only by the lapsed hold: a day the leave looks at, settled when reached.
    const closed = await opd.closeSlots('d1', { from: at('09:00'), to: at('09:30'), horizonDays: 1 });
    expect(closed.map((e) => [e.type, idOf(e)])).toEqual([
      ['slot:closed', null],
      ['token:expired', nextHold.token.id],
      ['token:moved', expect.stringContaining(NEXT)],
    ]);
    expect(closed[2]).toMatchObject({ fromTokenId: booked.token.id, toSlotId: 'd1-next' });
  });

  it("lowering a capacity or closing a slot expires the day's ended holds first: no patient moves on for a place a lapsed hold kept", async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler(presets.cascade(), clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 2, { overflowCapacity: 0 });
    const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 10 });
    const booked = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const later = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-10' }), holdMinutes: 10 });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    clock.set(at('07:30'));
    // Below the one hold, a refusal while it was live; now only the booked patient stays, in place.
    const lowered = await opd.setCapacity('d1-09', 1);
    expect(lowered.map((e) => [e.type, idOf(e)])).toEqual([
      ['token:expired', held.token.id],
      ['token:expired', later.token.id],
      ['slot:capacity-changed', null],
    ]);
    expect(await opd.getToken(booked.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
    // Closing 09:00 moves its patient to the place a new lapsed hold of 10:00 kept.
    const again = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-10' }), holdMinutes: 5 });
    clock.set(at('07:40'));
    const closed = await opd.closeSlot('d1-09');
    expect(closed.map((e) => [e.type, idOf(e)])).toEqual([
      ['token:expired', again.token.id],
      ['slot:closed', null],
      ['token:cascaded', booked.token.id],
    ]);
  });

  it.each(['closeSlot', 'closeSlots'] as const)(
    '%s settles the day first, as after a sweep: a patient waiting for the slot takes the place a lapsed hold left, then moves on with the others',
    async (call) => {
      const { opd, clock } = scheduler({ ...presets.waitlist() });
      await doctorWithSlots(opd, 'd1', [9, 10, 11], 1, { overflowCapacity: 0 });
      const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 10 });
      const waiting = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
      expect(waiting.token.waitingForSlotId).toBe('d1-09');
      await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
      clock.set(at('07:20'));
      const effects = call === 'closeSlot' ? await opd.closeSlot('d1-09') : await opd.closeSlots('d1', { from: at('09:00'), to: at('10:00') });
      expect(effects.map((e) => [e.type, idOf(e)])).toEqual([
        ['token:expired', held.token.id],
        ['token:promoted', waiting.token.id],
        ['slot:closed', null],
        ['token:cascaded', waiting.token.id],
      ]);
      // Not left waiting for the full 10:00 while 11:00 has a place.
      expect(await opd.getToken(waiting.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-11' });
    },
  );

  it('setCapacity settles the day first, as after a sweep: the waiting patient takes the place a lapsed hold left before the capacity changes', async () => {
    const { opd, clock } = scheduler({ ...presets.standard() });
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-10' }), holdMinutes: 10 });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const waiting = await opd.book(request('d1', 'WALK_IN', { date: DAY }));
    expect(waiting.outcome).toBe('WAITLISTED');
    clock.set(at('07:20'));
    // Raising 09:00: the patient waiting takes the 10:00 place the hold left (as after a sweep),
    // and the new 09:00 place stays free for the next booking.
    const raised = await opd.setCapacity('d1-09', 2);
    expect(raised.map((e) => [e.type, idOf(e)])).toEqual([
      ['token:expired', held.token.id],
      ['token:promoted', waiting.token.id],
      ['slot:capacity-changed', null],
    ]);
    expect(await opd.getToken(waiting.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-10' });
  });

  it.each(['standard', 'cascade', 'waitlist'] as const)(
    'confirming a hold while another has lapsed unswept: the waiting emergency takes the lapsed place, nobody is bumped (%s)',
    async (preset) => {
      const { opd, clock } = scheduler({ ...presets[preset]() });
      await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
      // Emergencies' holds: of the emergency's own rank, so no bump may fall on them.
      const a = await opd.hold({ ...request('d1', 'EMERGENCY', { slotId: 'd1-09' }), holdMinutes: 5 });
      const b = await opd.hold({ ...request('d1', 'EMERGENCY', { slotId: 'd1-10' }), holdMinutes: 30 });
      const e = await opd.book(request('d1', 'EMERGENCY'));
      expect(e.outcome).toBe('WAITLISTED'); // both places held by holds of its own rank
      clock.set(at('07:10')); // a's hold ended at 07:05; no sweep since
      const confirmed = await opd.confirm(b.token.id);
      expect(confirmed.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-10' });
      expect(confirmed.effects.map((x) => [x.type, idOf(x)])).toEqual([
        ['token:expired', a.token.id],
        ['token:promoted', e.token.id],
      ]);
      expect((await opd.getToken(e.token.id)).slotId).toBe('d1-09');
    },
  );

  it('a call that only settles the day (a check-in, slots added) releases a lapsed hold to the waiting emergency first', async () => {
    const setup = async () => {
      const { opd, clock } = scheduler(standard);
      await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 0 });
      const a = await opd.hold({ ...request('d1', 'EMERGENCY', { slotId: 'd1-09' }), holdMinutes: 5 });
      const b = await opd.book(request('d1', 'EMERGENCY'));
      const e = await opd.book(request('d1', 'EMERGENCY'));
      expect(e.outcome).toBe('WAITLISTED');
      clock.set(at('07:10'));
      return { opd, a, b, e };
    };
    const first = await setup();
    const checkedIn = await first.opd.checkIn(first.b.token.id);
    expect(checkedIn.effects.map((x) => [x.type, idOf(x)])).toEqual([
      ['token:expired', first.a.token.id],
      ['token:promoted', first.e.token.id],
    ]);
    const second = await setup();
    await second.opd.addSlots('d1', [{ id: 'd1-11', start: at('11:00'), end: at('12:00'), capacity: 1 }]);
    // The earliest room is the lapsed hold's place at 09:00, not the new slot.
    expect((await second.opd.getToken(second.e.token.id)).slotId).toBe('d1-09');
  });

  it('a hold released or closed after its end is recorded as the expiry it is', async () => {
    const clock = new TestClock(at('07:00'));
    const { opd } = scheduler(standard, clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 2, { overflowCapacity: 0 });
    const first = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 10 });
    const second = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-10' }), holdMinutes: 10 });
    const third = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-10' }), holdMinutes: 60 });
    clock.set(at('07:30'));
    const released = await opd.release(first.token.id, { actor: 'desk' });
    expect(released.token).toMatchObject({ status: 'CANCELLED', cancelReason: 'hold-expired' });
    expect((await opd.history()).at(-1)).toMatchObject({
      type: 'token:expired',
      tokenId: first.token.id,
      slotId: 'd1-09',
      holdExpiresAt: at('07:10'),
      actor: 'desk',
    });
    const closed = await opd.closeSlot('d1-10');
    // The day first as after a sweep (the hold that has ended expires), then the slot closes.
    expect(closed.map((e) => [e.type, idOf(e), 'reason' in e ? e.reason : null])).toEqual([
      ['token:expired', second.token.id, 'hold-expired'],
      ['slot:closed', null, null],
      ['token:released', third.token.id, 'slot-closed'],
    ]);
    expect(await opd.getToken(second.token.id)).toMatchObject({ cancelReason: 'hold-expired' });
    expect(await opd.getToken(third.token.id)).toMatchObject({ cancelReason: 'hold-released' });
  });

  it('a hold confirmed after its slot started gets its no-show grace from the confirmation', async () => {
    const clock = new TestClock(at('09:05'));
    const { opd } = scheduler(standard, clock);
    await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 0 });
    const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 30 });
    clock.set(at('09:30'));
    await opd.confirm(held.token.id);
    // The patient could not check in while held: 09:31 is within the grace from 09:30.
    clock.set(at('09:31'));
    expect(await opd.sweep()).toEqual([]);
    clock.set(at('09:45'));
    expect(await opd.sweep()).toEqual([]);
    clock.set(at('09:46'));
    expect((await opd.sweep()).map((e) => [e.type, idOf(e)])).toEqual([['token:no-show', held.token.id]]);
  });

  for (const [name, open] of Object.entries(stores)) {
    if (open === undefined) continue;
    it(`a hold never outlives its slot: confirmed after the slot ended it is refused as a booking there is, and the sweep expires it (${name})`, async () => {
      const store = await open();
      const clock = new TestClock(at('09:50'));
      const opd = new OpdScheduler({ ...standard, storage: store.storage(), clock: clock.now });
      await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 0 });
      // A 09:50 hold of 120 minutes in the 09:00–10:00 slot ends with the slot, not at 11:50.
      const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 120 });
      expect(held.token.holdExpiresAt).toEqual(at('10:00'));
      expect(await opd.getToken(held.token.id)).toMatchObject({ status: 'HELD', holdExpiresAt: at('10:00') });
      expect((await opd.history()).map((e) => [e.type, e.type === 'token:held' ? e.holdExpiresAt : null])).toEqual([['token:held', at('10:00')]]);
      for (const now of ['10:00', '10:30']) {
        clock.set(at(now));
        const before = await observe(opd, 'd1');
        const booking = await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'SLOT_ENDED');
        const late = await rejectsWith(opd.confirm(held.token.id, { actor: 'payments' }), 'SLOT_ENDED');
        expect(late.details).toMatchObject({ slotId: 'd1-09' });
        expect(late.message).toBe(booking.message);
        expect(await observe(opd, 'd1'), `nothing changed at ${now}`).toEqual(before);
      }
      // The patient who paid is not booked into the ended slot, so no sweep marks them a no-show:
      // the sweep expires the hold as any other.
      const swept = await opd.sweep();
      expect(swept.map((e) => [e.type, idOf(e)])).toEqual([['token:expired', held.token.id]]);
      expect(swept[0]).toMatchObject({ slotId: 'd1-09', holdExpiresAt: at('10:00') });
      expect(await opd.getToken(held.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'hold-expired', slotId: null });
      clock.set(at('11:00'));
      expect(await opd.sweep()).toEqual([]);
      expect((await opd.history()).map((e) => e.type)).toEqual(['token:held', 'token:expired']);
      await opd.close();
      await store.cleanup();
    });
  }

  it("a hold stored with an end after its slot's (by an earlier version) is refused at confirmation once the slot has ended", async () => {
    const db = await pglite();
    await migrate(db, { schema: 'long_holds' });
    const clock = new TestClock(at('09:50'));
    const first = new OpdScheduler({ ...standard, storage: new PostgresStorage({ db, schema: 'long_holds' }), clock: clock.now });
    await doctorWithSlots(first, 'd1', [9], 1, { overflowCapacity: 0 });
    const held = await first.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 120 });
    await first.close();
    await db.query('UPDATE long_holds.opd_tokens SET hold_expires_at = $1', [at('11:50').getTime()]);
    const opd = new OpdScheduler({ ...standard, storage: new PostgresStorage({ db, schema: 'long_holds' }), clock: clock.now });
    expect(await opd.getToken(held.token.id)).toMatchObject({ status: 'HELD', holdExpiresAt: at('11:50') });
    clock.set(at('10:30'));
    const before = await observe(opd, 'd1');
    expect((await rejectsWith(opd.confirm(held.token.id), 'SLOT_ENDED')).details).toMatchObject({ slotId: 'd1-09' });
    expect(await observe(opd, 'd1')).toEqual(before);
    await opd.close();
  });

  it('a hold only takes a free place: never an elastic one, never a bump, never the waitlist', async () => {
    const { opd } = scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 2 });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const before = await observe(opd, 'd1');
    for (const category of ['EMERGENCY', 'PAID', 'WALK_IN']) {
      const full = await rejectsWith(opd.hold({ ...request('d1', category, { slotId: 'd1-09' }), holdMinutes: 5 }), 'SLOT_FULL');
      expect(full.details).toMatchObject({ slotId: 'd1-09' });
      await rejectsWith(opd.hold({ ...request('d1', category), holdMinutes: 5 }), 'SLOT_FULL');
    }
    expect(await observe(opd, 'd1')).toEqual(before);
  });

  it.each(['standard', 'cascade', 'waitlist'] as const)(
    "a hold is a bumpable place of its category's rank: an emergency's bump releases it instead of moving it, and takes its place (%s)",
    async (preset) => {
      for (const held of ['HELD', 'BOOKED'] as const) {
        const { opd } = scheduler({ ...presets[preset]() });
        await doctorWithSlots(opd, 'd1', [9, 10], 2, { overflowCapacity: 0 });
        const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
        const online =
          held === 'HELD'
            ? await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 30 })
            : await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
        const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
        // The same place: a booked patient would be bumped, so the hold is.
        expect(emergency.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
        if (held === 'HELD') {
          expect(emergency.effects.map((e) => [e.type, idOf(e)])).toEqual([['token:released', online.token.id]]);
          expect(emergency.effects[0]).toMatchObject({ reason: 'emergency', slotId: 'd1-09', byTokenId: emergency.token.id });
          expect(await opd.getToken(online.token.id)).toMatchObject({ status: 'CANCELLED', slotId: null, cancelReason: 'hold-released' });
        } else {
          expect(emergency.effects[0]).toMatchObject({ type: 'token:bumped', tokenId: online.token.id, byTokenId: emergency.token.id });
        }
        expect((await opd.getToken(paid.token.id)).slotId).toBe('d1-09');
      }
    },
  );

  it("a hold of the emergency's own rank is no victim: the emergency takes an elastic place, bumps a booked patient, or waits and is promoted first", async () => {
    const { opd } = scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 0 });
    const a = await opd.hold({ ...request('d1', 'EMERGENCY', { slotId: 'd1-09' }), holdMinutes: 30 });
    const b = await opd.hold({ ...request('d1', 'EMERGENCY', { slotId: 'd1-09' }), holdMinutes: 30 });
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.outcome).toBe('WAITLISTED');
    expect(emergency.effects.map((e) => e.type)).toEqual(['emergency:unplaced']);
    expect((await opd.getToken(a.token.id)).status).toBe('HELD');
    expect((await opd.getToken(b.token.id)).status).toBe('HELD');
    // Once a hold is released, the emergency is promoted into its place first.
    const released = await opd.release(a.token.id);
    expect(released.effects.map((e) => [e.type, idOf(e)])).toEqual([['token:promoted', emergency.token.id]]);
  });

  it('closing a slot releases its holds; lowering a capacity below its holds is refused', async () => {
    const { opd } = scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9, 10], 2, { overflowCapacity: 0 });
    const held = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 30 });
    const booked = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-10' }), holdMinutes: 30 });
    await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-10' }), holdMinutes: 30 });
    const before = await observe(opd, 'd1');
    await rejectsWith(opd.setCapacity('d1-10', 1), 'VALIDATION_FAILED');
    expect(await observe(opd, 'd1')).toEqual(before);
    const effects = await opd.closeSlot('d1-09', { reason: 'leave' });
    expect(effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([
      ['slot:closed', null],
      ['token:released', held.token.id],
      ['token:waitlisted', booked.token.id],
    ]);
    expect(effects[1]).toMatchObject({ reason: 'slot-closed', slotId: 'd1-09' });
    expect(await opd.getToken(held.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'hold-released' });
  });

  it('a held patient holds their one live token: booking again is a duplicate', async () => {
    const { opd } = scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 3);
    await opd.hold({ ...request('d1', 'ONLINE', { patientId: 'same' }), holdMinutes: 5 });
    await rejectsWith(opd.book(request('d1', 'ONLINE', { patientId: 'same' })), 'DUPLICATE_BOOKING');
    await rejectsWith(opd.hold({ ...request('d1', 'ONLINE', { patientId: 'same' }), holdMinutes: 5 }), 'DUPLICATE_BOOKING');
  });

  it('replays a hold by its idempotency key; the same key for a booking is a conflict', async () => {
    const { opd } = scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 3);
    const req = { ...request('d1', 'ONLINE', { idempotencyKey: 'pay-1' }), holdMinutes: 5 };
    const first = await opd.hold(req);
    const again = await opd.hold(req);
    expect(again).toEqual({ ...first, replayed: true });
    await rejectsWith(opd.hold({ ...req, holdMinutes: 6 }), 'IDEMPOTENCY_CONFLICT');
    const { holdMinutes: _, ...asBooking } = req;
    await rejectsWith(opd.book(asBooking), 'IDEMPOTENCY_CONFLICT');
  });

  it('refuses bad input with VALIDATION_FAILED naming the field, changing nothing', async () => {
    const { opd } = scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 3);
    const before = await observe(opd, 'd1');
    for (const holdMinutes of [0, -5, 1.5, 1441, Number.NaN, '10', null, undefined]) {
      const error = await rejectsWith(opd.hold({ ...request('d1', 'ONLINE'), holdMinutes: holdMinutes as never }), 'VALIDATION_FAILED');
      expect(error.details.field).toBe('holdMinutes');
    }
    await rejectsWith(opd.book({ ...request('d1', 'ONLINE'), holdMinutes: 5 } as never), 'VALIDATION_FAILED');
    await rejectsWith(opd.hold(null as never), 'VALIDATION_FAILED');
    await rejectsWith(opd.confirm(7 as never), 'VALIDATION_FAILED');
    await rejectsWith(opd.release('t', { actor: '' }), 'VALIDATION_FAILED');
    expect(await observe(opd, 'd1')).toEqual(before);
    // The longest hold accepted: a day, in a slot that lasts that long (a hold never outlives its slot).
    await opd.addDoctor({ id: 'd2', name: 'Dr d2' });
    await opd.addSlots('d2', [{ id: 'd2-day', start: at('08:00'), end: at('08:00', '2026-01-31'), capacity: 1 }]);
    expect((await opd.hold({ ...request('d2', 'ONLINE'), holdMinutes: 1440 })).token.holdExpiresAt).toEqual(at('07:00', '2026-01-31'));
    expect((await opd.hold({ ...request('d1', 'ONLINE'), holdMinutes: 1440 })).token.holdExpiresAt).toEqual(at('10:00'));
  });

  it('works the same on PostgreSQL: the hold stored, swept at its end by the clock, and promoted into', async () => {
    const db = await pglite();
    await migrate(db, { schema: 'desk_holds' });
    const clock = new TestClock(at('07:00'));
    const opd = new OpdScheduler({ ...standard, storage: new PostgresStorage({ db, schema: 'desk_holds' }), clock: clock.now });
    await doctorWithSlots(opd, 'd1', [15], 1, { overflowCapacity: 0 });
    const held = await opd.hold({ ...request('d1', 'ONLINE'), holdMinutes: 15 });
    expect(await opd.getToken(held.token.id)).toMatchObject({ status: 'HELD', holdExpiresAt: at('07:15') });
    const waiting = await opd.book(request('d1', 'ONLINE'));
    expect(waiting.outcome).toBe('WAITLISTED');
    const other = await opd.hold({ ...request('d1', 'ONLINE', { date: DAY }), holdMinutes: 5 }).catch((e: unknown) => e);
    expect(other).toMatchObject({ code: 'SLOT_FULL' });
    clock.set(at('07:20'));
    const swept = await opd.sweep();
    expect(swept.map((e) => [e.type, idOf(e)])).toEqual([
      ['token:expired', held.token.id],
      ['token:promoted', waiting.token.id],
    ]);
    expect((await opd.history()).find((e) => e.type === 'token:expired')).toMatchObject({ holdExpiresAt: at('07:15') });
    const second = await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-15' }), holdMinutes: 5 }).catch((e: unknown) => e);
    expect(second).toMatchObject({ code: 'SLOT_FULL' });
    await opd.close();
  });
  it("an emergency's hold never asks the quota, as no emergency placement does", async () => {
    const clock = new TestClock(at('08:30'));
    const { opd } = scheduler({ ...presets.standard(), quota: new ChannelQuota({ WALK_IN: { reserve: 1 } }) }, clock);
    await doctorWithSlots(opd, 'd1', [9], 1);
    // The only place is reserved for walk-ins: an online hold is refused, an emergency's is not.
    await rejectsWith(opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-09' }), holdMinutes: 5 }), 'SLOT_FULL');
    const held = await opd.hold({ ...request('d1', 'EMERGENCY', { date: DAY }), holdMinutes: 5 });
    expect(held.token).toMatchObject({ status: 'HELD', slotId: 'd1-09' });
  });

  it('a hold without a slot takes the first free place the quota admits it to, and an emergency passes a quota that admits nobody', async () => {
    const clock = new TestClock(at('07:00'));
    // A quota of the host's own: the 09:00 slot is kept for walk-ins.
    const { opd } = scheduler(
      { ...presets.standard(), quota: { name: 'walk-ins-at-nine', admits: ({ slot, category }) => category === 'WALK_IN' || slot.id !== 'd1-09' } },
      clock,
    );
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
    const online = await opd.hold({ ...request('d1', 'ONLINE', { date: DAY }), holdMinutes: 5 });
    expect(online.token).toMatchObject({ status: 'HELD', slotId: 'd1-10' });
    const { opd: other } = scheduler({ ...presets.standard(), quota: { name: 'nobody', admits: () => false } }, clock);
    await doctorWithSlots(other, 'd1', [9, 10], 1);
    await other.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    const emergency = await other.hold({ ...request('d1', 'EMERGENCY', { date: DAY }), holdMinutes: 5 });
    expect(emergency.token).toMatchObject({ status: 'HELD', slotId: 'd1-10' });
  });

  it("an emergency's hold without a date goes to the first day with a free place, not to an earlier one where it could only take an elastic place", async () => {
    const { opd } = scheduler(standard, new TestClock(at('07:00')));
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 1 });
    await opd.addSlots('d1', [{ id: 'd1-next-09', start: at('09:00', '2026-01-31'), end: at('10:00', '2026-01-31'), capacity: 1 }]);
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const held = await opd.hold({ ...request('d1', 'EMERGENCY'), holdMinutes: 30 });
    expect(held.token).toMatchObject({ status: 'HELD', slotId: 'd1-next-09', day: '2026-01-31' });
  });
});
