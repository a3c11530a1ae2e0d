import { MemoryStorage, OpdScheduler, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { DAY, TestClock, rejectsWith, rewritingStorage, scheduler } from '../helpers.js';

/** Adds doctor `id` of `department` with hourly slots (UTC) on {@link DAY}; slot ids `${id}-${hh}`. */
async function staff(opd: OpdScheduler, id: string, department: string, hours: readonly number[], capacity: number, overflowCapacity = 0): Promise<void> {
  await opd.addDoctor({ id, name: `Dr ${id}`, department });
  await opd.addSlots(
    id,
    hours.map((h) => {
      const hh = String(h).padStart(2, '0');
      return { id: `${id}-${hh}`, start: `${DAY}T${hh}:00:00Z`, end: `${DAY}T${String(h + 1).padStart(2, '0')}:00:00Z`, capacity, overflowCapacity };
    }),
  );
}

const patient = (id: string) => ({ id, name: `Patient ${id}` });

describe('book by department', () => {
  it('books the doctor whose earliest usable place is soonest, and the token names that doctor', async () => {
    const { opd } = scheduler();
    await staff(opd, 'a', 'cardio', [9, 10], 1);
    await staff(opd, 'b', 'cardio', [9, 10], 1);
    await staff(opd, 'c', 'ortho', [8], 5);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('x'), slotId: 'a-09' });
    const booked = await opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p1') });
    expect(booked.outcome).toBe('BOOKED');
    expect(booked.token.doctorId).toBe('b');
    expect(booked.token.slotId).toBe('b-09');
    // Both 09:00 slots are now full: the 10:00 places tie on time and on places taken; the lower id wins.
    const next = await opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p2') });
    expect(next.token.slotId).toBe('a-10');
    expect((await opd.getToken(next.token.id)).doctorId).toBe('a');
  });

  it("without a date, counts a place a lapsed hold keeps with one doctor as free: it starts sooner than either's place the next day", async () => {
    const clock = new TestClock(new Date(`${DAY}T07:00:00Z`));
    const { opd } = scheduler(presets.standard(), clock);
    await staff(opd, 'a', 'cardio', [9], 1);
    await opd.addSlots('a', [{ id: 'a-next', start: '2026-01-31T10:00:00Z', end: '2026-01-31T11:00:00Z', capacity: 1 }]);
    await opd.addDoctor({ id: 'b', name: 'Dr b', department: 'cardio' });
    await opd.addSlots('b', [{ id: 'b-next', start: '2026-01-31T08:00:00Z', end: '2026-01-31T09:00:00Z', capacity: 1 }]);
    const held = await opd.hold({ doctorId: 'a', category: 'ONLINE', patient: patient('h'), date: DAY, holdMinutes: 10 });
    clock.set(new Date(`${DAY}T07:30:00Z`));
    const booked = await opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p1') });
    expect(booked.token).toMatchObject({ doctorId: 'a', slotId: 'a-09', status: 'BOOKED' });
    expect(booked.effects.map((e) => e.type)).toEqual(['token:expired']);
    expect(booked.effects[0]).toMatchObject({ tokenId: held.token.id });
  });

  it('breaks a tie on time by the fewest places taken that day', async () => {
    const { opd } = scheduler();
    await staff(opd, 'a', 'cardio', [9, 11], 3);
    await staff(opd, 'b', 'cardio', [9], 3);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('x'), slotId: 'a-11' });
    const booked = await opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p1'), date: DAY });
    expect(booked.token.slotId).toBe('b-09');
  });

  it('gives an emergency the soonest place any doctor of the department can give it, bump included', async () => {
    const { opd } = scheduler(presets.standard());
    await staff(opd, 'a', 'er', [9], 1);
    await staff(opd, 'b', 'er', [10], 1);
    await opd.book({ doctorId: 'a', category: 'WALK_IN', patient: patient('w') });
    // A walk-in goes to the free place at 10:00 …
    const walkIn = await opd.book({ department: 'er', category: 'ONLINE', patient: patient('o') });
    expect(walkIn.token.slotId).toBe('b-10');
    // … an emergency to 09:00, bumping the walk-in there: the soonest place it can get.
    const emergency = await opd.book({ department: 'er', category: 'EMERGENCY', patient: patient('e') });
    expect(emergency.outcome).toBe('BOOKED');
    expect(emergency.token.slotId).toBe('a-09');
    expect(emergency.effects.map((e) => e.type)).toContain('token:bumped');
  });

  it('waitlists with the doctor with fewest places taken when no doctor has room', async () => {
    const { opd } = scheduler(presets.waitlist());
    await staff(opd, 'a', 'cardio', [9], 1);
    await staff(opd, 'b', 'cardio', [9], 2);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('x') });
    await opd.book({ doctorId: 'b', category: 'ONLINE', patient: patient('y') });
    await opd.book({ doctorId: 'b', category: 'ONLINE', patient: patient('z') });
    const waiting = await opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p') });
    expect(waiting.outcome).toBe('WAITLISTED');
    expect(waiting.token.doctorId).toBe('a');
  });

  it('replays an idempotent department booking with the doctor chosen first', async () => {
    const { opd } = scheduler();
    await staff(opd, 'a', 'cardio', [9], 1);
    await staff(opd, 'b', 'cardio', [9], 1);
    const request = { department: 'cardio', category: 'ONLINE', patient: patient('p'), idempotencyKey: 'k1' } as const;
    const first = await opd.book(request);
    const again = await opd.book(request);
    expect(again.replayed).toBe(true);
    expect(again.token.id).toBe(first.token.id);
    await rejectsWith(opd.book({ ...request, category: 'WALK_IN' }), 'IDEMPOTENCY_CONFLICT');
    expect((await opd.stats()).tokens).toBe(1);
  });

  it('replays a department booking cancelled since as first returned, and books nobody again', async () => {
    const { opd } = scheduler();
    await staff(opd, 'a', 'cardio', [9], 1);
    await opd.book({ doctorId: 'a', category: 'PAID', patient: patient('x') });
    const request = { department: 'cardio', category: 'ONLINE', patient: patient('p'), idempotencyKey: 'k1' } as const;
    const first = await opd.book(request);
    expect(first.outcome).toBe('WAITLISTED');
    await opd.cancel(first.token.id);
    const again = await opd.book(request);
    expect(again).toEqual({ ...first, replayed: true });
    expect((await opd.getToken(first.token.id)).status).toBe('CANCELLED');
    expect((await opd.stats()).tokens).toBe(2);
  });

  it('refuses a patient who already holds a live token with the doctor it would go to that day', async () => {
    const { opd } = scheduler();
    await staff(opd, 'a', 'cardio', [9], 3);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p') });
    await rejectsWith(opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p') }), 'DUPLICATE_BOOKING');
    expect((await opd.stats()).tokens).toBe(1);
  });

  it('refuses a patient who holds a live token with one doctor of the department, even when another has room sooner', async () => {
    const { opd } = scheduler();
    await staff(opd, 'a', 'cardio', [10], 2);
    await staff(opd, 'b', 'cardio', [9], 2);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p'), slotId: 'a-10' });
    const error = await rejectsWith(opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p') }), 'DUPLICATE_BOOKING');
    expect(error.details).toMatchObject({ doctorId: 'a' });
    expect((await opd.stats()).tokens).toBe(1);
  });

  it('refuses a patient who holds a live token with one doctor on the day another would book, though the first would book a later day', async () => {
    for (const call of ['book', 'hold'] as const) {
      const { opd } = scheduler();
      await staff(opd, 'a', 'cardio', [9], 1);
      await opd.addSlots('a', [{ id: 'a-next', start: '2026-01-31T09:00:00Z', end: '2026-01-31T10:00:00Z', capacity: 2 }]);
      await staff(opd, 'b', 'cardio', [11], 2);
      // p takes a's last place of the day: booked with a, p would go to the next day, with b to this one.
      const first = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p'), slotId: 'a-09' });
      const request = { department: 'cardio', category: 'ONLINE', patient: patient('p') };
      const error = await rejectsWith(call === 'book' ? opd.book(request) : opd.hold({ ...request, holdMinutes: 10 }), 'DUPLICATE_BOOKING');
      expect(error.details).toEqual({ field: 'patient.id', tokenId: first.token.id, doctorId: 'a', day: DAY, scope: 'doctor-day', reason: 'same-day' });
      expect(error.message).toBe(`The patient already holds live token \`${first.token.id}\` with doctor \`a\` of the department on ${DAY}`);
      expect((await opd.stats()).tokens).toBe(1);
      // Another patient is booked as before, and one without an id is never refused by it.
      expect((await opd.book({ ...request, patient: patient('q') })).token.slotId).toBe('b-11');
      expect((await opd.book({ ...request, patient: { name: 'No id' } })).token.slotId).toBe('b-11');
    }
  });

  it('a hold of the patient that has ended does not count as a place in the department', async () => {
    const { opd, clock } = scheduler();
    await staff(opd, 'a', 'cardio', [9], 2);
    await staff(opd, 'b', 'cardio', [10], 2);
    const held = await opd.hold({ doctorId: 'b', category: 'ONLINE', patient: patient('p'), holdMinutes: 10 });
    await rejectsWith(opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p') }), 'DUPLICATE_BOOKING');
    clock.advance(10);
    const booked = await opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p') });
    expect(booked.token).toMatchObject({ doctorId: 'a', slotId: 'a-09' });
    // With the doctor chosen it would have been expired; with another, the next call on its day or the sweep does.
    expect(await opd.getToken(held.token.id)).toMatchObject({ status: 'HELD' });
    expect((await opd.sweep()).map((e) => e.type)).toEqual(['token:expired']);
  });

  it('waits with a doctor who has a usable slot that day, never with one who cannot promote it', async () => {
    const { opd } = scheduler(presets.standard());
    await staff(opd, 'a', 'cardio', [9], 1);
    await opd.addDoctor({ id: 'c', name: 'Dr c', department: 'cardio' }); // no slots: fewest places taken
    await staff(opd, 'd', 'cardio', [8], 1);
    await opd.closeSlot('d-08');
    await staff(opd, 'f', 'cardio', [6], 1); // 06:00–07:00: ended by the clock's 07:00
    await opd.book({ doctorId: 'a', category: 'EMERGENCY', patient: patient('x') });
    const waiting = await opd.book({ department: 'cardio', category: 'EMERGENCY', patient: patient('e') });
    expect(waiting).toMatchObject({ outcome: 'WAITLISTED', token: { doctorId: 'a' } });
    // The place a frees goes to the emergency waiting there.
    const first = (await opd.getSchedule('a', DAY)).slots[0]!.places[0]!;
    const cancelled = await opd.cancel(first.id);
    expect(cancelled.effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([['token:promoted', waiting.token.id]]);
  });

  it.each(['11:00', '12:00'])(
    'waits with a doctor who has a slot at or after `after`, never with one whose slots all start before it (after %s)',
    async (after) => {
      const { opd } = scheduler();
      // a: a free place at 09:00 only, before `after`; b: one place at 12:00, taken.
      await staff(opd, 'a', 'cardio', [9], 1);
      await staff(opd, 'b', 'cardio', [12], 1);
      await opd.book({ doctorId: 'b', category: 'ONLINE', patient: patient('x') });
      const waiting = await opd.book({ department: 'cardio', category: 'WALK_IN', patient: patient('w'), after: `${DAY}T${after}:00Z` });
      // a has fewer places taken, but nobody waiting for 11:00 or later can ever be promoted there.
      expect(waiting).toMatchObject({ outcome: 'WAITLISTED', token: { doctorId: 'b' } });
      const taken = (await opd.getSchedule('b', DAY)).slots[0]!.places[0]!;
      const cancelled = await opd.cancel(taken.id);
      expect(cancelled.effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([['token:promoted', waiting.token.id]]);
    },
  );

  it.each(['standard', 'cascade', 'waitlist'] as const)(
    "at the same hour, takes a colleague's free place rather than bumping a patient (%s)",
    async (preset) => {
      const { opd } = scheduler(presets[preset]());
      await staff(opd, 'a', 'cardio', [9], 1);
      await staff(opd, 'b', 'cardio', [9], 3);
      const v = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('v') });
      await opd.book({ doctorId: 'b', category: 'ONLINE', patient: patient('x') });
      const e = await opd.book({ department: 'cardio', category: 'EMERGENCY', patient: patient('e') });
      expect(e.token).toMatchObject({ doctorId: 'b', slotId: 'b-09' });
      expect(e.effects).toEqual([]);
      expect((await opd.getToken(v.token.id)).status).toBe('BOOKED');
      if (preset === 'cascade') {
        // Under cascade a paid booking bumps too: a colleague's free place at the same hour wins.
        const paid = await opd.book({ department: 'cardio', category: 'PAID', patient: patient('p') });
        expect(paid.effects.map((x) => x.type)).not.toContain('token:bumped');
        expect((await opd.getToken(v.token.id)).status).toBe('BOOKED');
      }
    },
  );

  it("at the same hour, takes a colleague's free place rather than an elastic one", async () => {
    const { opd } = scheduler(presets.elastic());
    await staff(opd, 'a', 'cardio', [9], 1, 2);
    await staff(opd, 'b', 'cardio', [9], 2, 2);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('v') });
    await opd.book({ doctorId: 'b', category: 'ONLINE', patient: patient('x') });
    const e = await opd.book({ department: 'cardio', category: 'EMERGENCY', patient: patient('e') });
    expect(e).toMatchObject({ overflow: false, token: { doctorId: 'b', slotId: 'b-09' } });
  });

  it("at the same hour, a free place with the first doctor wins over a later colleague's elastic place", async () => {
    const { opd } = scheduler(presets.elastic());
    await staff(opd, 'a', 'cardio', [9], 2, 2);
    await staff(opd, 'b', 'cardio', [9], 1, 2);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('v') });
    await opd.book({ doctorId: 'b', category: 'ONLINE', patient: patient('x') });
    const e = await opd.book({ department: 'cardio', category: 'EMERGENCY', patient: patient('e') });
    expect(e).toMatchObject({ overflow: false, token: { doctorId: 'a', slotId: 'a-09' } });
  });

  it("a free place whose day released a lapsed hold first is still a free place, ahead of a colleague's elastic one", async () => {
    const { opd, clock } = scheduler(presets.elastic());
    await staff(opd, 'a', 'cardio', [9], 2, 2);
    await staff(opd, 'b', 'cardio', [9], 1, 2);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('v') });
    const held = await opd.hold({ doctorId: 'a', category: 'ONLINE', patient: patient('h'), holdMinutes: 10 });
    await opd.book({ doctorId: 'b', category: 'ONLINE', patient: patient('x') });
    clock.advance(10);
    // a's second place is free once the hold is released (an effect of the booking); b has only an elastic place.
    const e = await opd.book({ department: 'cardio', category: 'EMERGENCY', patient: patient('e') });
    expect(e).toMatchObject({ overflow: false, token: { doctorId: 'a', slotId: 'a-09' } });
    expect(e.effects.map((x) => [x.type, 'tokenId' in x ? x.tokenId : null])).toEqual([['token:expired', held.token.id]]);
  });

  it('lets a patient book a second doctor of the department where duplicates are allowed', async () => {
    const { opd } = scheduler({ allowDuplicateBookings: true });
    await staff(opd, 'a', 'cardio', [9], 1);
    await staff(opd, 'b', 'cardio', [11], 2);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('p'), slotId: 'a-09' });
    expect((await opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p') })).token.slotId).toBe('b-11');
  });

  it('when no doctor can take the request, the refusal is the one a booking with the first doctor gets', async () => {
    const { opd } = scheduler(presets.cascade());
    await staff(opd, 'a', 'cardio', [9], 1);
    await staff(opd, 'b', 'cardio', [9], 1);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('x') });
    await opd.book({ doctorId: 'b', category: 'ONLINE', patient: patient('y') });
    const full = await rejectsWith(opd.book({ department: 'cardio', category: 'WALK_IN', patient: patient('p'), date: DAY }), 'SLOT_FULL');
    expect(full.details).toMatchObject({ doctorId: 'a', day: DAY });
    expect((await opd.stats()).tokens).toBe(2);
  });

  it('books a colleague with room when the first doctor refuses for another reason than a duplicate', async () => {
    const { opd } = scheduler(presets.cascade());
    await staff(opd, 'a', 'cardio', [9], 1);
    await staff(opd, 'b', 'cardio', [10], 1);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('x') });
    // Booked with a alone, the walk-in is refused SLOT_FULL; b still has its 10:00 place.
    await rejectsWith(opd.book({ doctorId: 'a', category: 'WALK_IN', patient: patient('p'), date: DAY }), 'SLOT_FULL');
    const booked = await opd.book({ department: 'cardio', category: 'WALK_IN', patient: patient('p'), date: DAY });
    expect(booked.outcome).toBe('BOOKED');
    expect(booked.token.slotId).toBe('b-10');
  });

  it('refuses bad input with typed errors and changes nothing', async () => {
    const { opd } = scheduler();
    await staff(opd, 'a', 'cardio', [9], 3);
    const before = await opd.history();
    const unknown = await rejectsWith(opd.book({ department: 'neuro', category: 'ONLINE', patient: patient('p') }), 'DEPARTMENT_NOT_FOUND');
    expect(unknown.details).toMatchObject({ field: 'department', department: 'neuro' });
    const both = await rejectsWith(opd.book({ department: 'cardio', doctorId: 'a', category: 'ONLINE', patient: patient('p') } as never), 'VALIDATION_FAILED');
    expect(both.details.field).toBe('department');
    const neither = await rejectsWith(opd.book({ category: 'ONLINE', patient: patient('p') } as never), 'VALIDATION_FAILED');
    expect(neither.details.field).toBe('doctorId');
    const slot = await rejectsWith(opd.book({ department: 'cardio', slotId: 'a-09', category: 'ONLINE', patient: patient('p') } as never), 'VALIDATION_FAILED');
    expect(slot.details.field).toBe('slotId');
    await rejectsWith(opd.book({ department: 'has space', category: 'ONLINE', patient: patient('p') }), 'VALIDATION_FAILED');
    await rejectsWith(opd.book({ department: 'cardio', category: 'NOPE', patient: patient('p') }), 'VALIDATION_FAILED');
    expect(await opd.history()).toEqual(before);
  });

  it('fails with STORAGE_FAILURE on an adapter that cannot lock several doctors', async () => {
    const storage = { ...rewritingStorage('single', new MemoryStorage(), {}), multiDoctor: false };
    const opd = new OpdScheduler({ storage, clock: new TestClock().now });
    await staff(opd, 'a', 'cardio', [9], 3);
    await rejectsWith(opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p') }), 'STORAGE_FAILURE');
    // A follow-up or a series asked of the department (or of another doctor) is refused the same way, changing nothing.
    const before = await opd.history();
    const visit = (await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('v') })).token.id;
    const booked = await opd.history();
    await rejectsWith(opd.bookFollowUp(visit, { afterDays: 7, department: 'cardio' }), 'STORAGE_FAILURE');
    await rejectsWith(opd.bookFollowUp(visit, { afterDays: 7, doctorId: 'b' }), 'STORAGE_FAILURE');
    const series = {
      patient: patient('s'),
      department: 'cardio',
      start: DAY,
      every: { weeks: 1 },
      count: 2,
      mode: 'all-or-nothing',
      idempotencyKey: 's-1',
    } as const;
    await rejectsWith(opd.bookSeries(series), 'STORAGE_FAILURE');
    await rejectsWith(opd.bookSeries({ ...series, dryRun: true }), 'STORAGE_FAILURE');
    expect((await opd.history()).length).toBe(booked.length);
    expect(booked.length).toBeGreaterThan(before.length);
  });
});

describe('hold by department', () => {
  it('holds the soonest free place of the department, and never an elastic place or the waitlist', async () => {
    const { opd } = scheduler();
    await staff(opd, 'a', 'cardio', [9, 10], 1, 1);
    await staff(opd, 'b', 'cardio', [9], 1, 1);
    await opd.book({ doctorId: 'a', category: 'ONLINE', patient: patient('x'), slotId: 'a-09' });
    const held = await opd.hold({ department: 'cardio', category: 'ONLINE', patient: patient('p1'), holdMinutes: 10, actor: 'portal' });
    expect(held.token).toMatchObject({ doctorId: 'b', slotId: 'b-09', status: 'HELD' });
    expect((await opd.history()).at(-1)).toMatchObject({ type: 'token:held', tokenId: held.token.id, actor: 'portal' });
    expect((await opd.hold({ department: 'cardio', category: 'ONLINE', patient: patient('p2'), holdMinutes: 10 })).token.slotId).toBe('a-10');
    // Every place is taken: an elastic place is not held, not even for an emergency, and nothing changes.
    const before = await opd.history();
    const full = await rejectsWith(opd.hold({ department: 'cardio', category: 'EMERGENCY', patient: patient('p3'), holdMinutes: 10 }), 'SLOT_FULL');
    expect(full.details).toMatchObject({ doctorId: 'a' });
    expect(await opd.history()).toEqual(before);
  });

  it('replays with its key, refuses the key for a booking, and checks its input', async () => {
    const { opd } = scheduler();
    await staff(opd, 'a', 'cardio', [9], 2);
    const request = { department: 'cardio', category: 'ONLINE', patient: patient('p1'), holdMinutes: 10, idempotencyKey: 'pay-1' } as const;
    const first = await opd.hold(request);
    expect(await opd.hold(request)).toEqual({ ...first, replayed: true });
    await rejectsWith(opd.book({ ...request, holdMinutes: undefined } as never), 'VALIDATION_FAILED');
    const { holdMinutes: _minutes, ...booking } = request;
    await rejectsWith(opd.book(booking), 'IDEMPOTENCY_CONFLICT');
    await rejectsWith(opd.hold({ ...request, holdMinutes: 20 }), 'IDEMPOTENCY_CONFLICT');
    expect((await rejectsWith(opd.hold({ ...request, idempotencyKey: undefined, holdMinutes: 0 }), 'VALIDATION_FAILED')).details.field).toBe('holdMinutes');
    expect((await rejectsWith(opd.hold({ ...request, idempotencyKey: undefined, slotId: 'a-09' } as never), 'VALIDATION_FAILED')).details.field).toBe('slotId');
    await rejectsWith(opd.hold({ ...request, department: 'ortho', idempotencyKey: undefined }), 'DEPARTMENT_NOT_FOUND');
    await rejectsWith(opd.hold({ ...request, idempotencyKey: undefined }), 'DUPLICATE_BOOKING');
  });
});
