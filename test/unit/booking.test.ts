import { presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { DAY, at, doctorWithSlots, observe, queue, rejectsWith, request, scheduler } from '../helpers.js';

describe('choosing the target slot', () => {
  it('books the requested slot when it has a free place', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    const result = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    expect(result.outcome).toBe('BOOKED');
    expect(result.overflow).toBe(false);
    expect(result.token.slotId).toBe('d1-10');
    expect(result.token.status).toBe('BOOKED');
    expect(result.token.notBefore).toEqual(at('10:00'));
    expect(result.effects).toEqual([]);
  });

  it('without a slot, takes the earliest open, not-ended slot with a free place', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const second = await opd.book(request('d1', 'ONLINE'));
    expect(second.token.slotId).toBe('d1-10');
    clock.set(at('11:30')); // 09:00 and 10:00 have ended
    const third = await opd.book(request('d1', 'ONLINE'));
    expect(third.token.slotId).toBe('d1-11');
  });

  it('skips closed slots and respects `after` and `date`', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 2);
    await doctorWithSlots(opd, 'd2', [9], 2, { day: '2026-01-31' });
    await opd.closeSlot('d1-09');
    expect((await opd.book(request('d1', 'ONLINE'))).token.slotId).toBe('d1-10');
    expect((await opd.book(request('d1', 'ONLINE', { after: at('10:30') }))).token.slotId).toBe('d1-11');
    expect((await opd.book(request('d1', 'ONLINE', { date: DAY, after: '2026-01-30T10:00:00Z' }))).token.slotId).toBe('d1-10');
    const tomorrow = await opd.book(request('d2', 'ONLINE', { date: '2026-01-31' }));
    expect(tomorrow.token.day).toBe('2026-01-31');
    expect(tomorrow.token.slotId).toBe('d2-09');
  });

  it('without a date, looks across days for a free place before falling back to the earliest slot', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.addSlots('d1', [{ id: 'next-day', start: '2026-01-31T09:00:00Z', end: '2026-01-31T10:00:00Z', capacity: 1 }]);
    await opd.book(request('d1', 'ONLINE'));
    const second = await opd.book(request('d1', 'ONLINE'));
    expect(second.token.slotId).toBe('next-day');
    expect(second.token.day).toBe('2026-01-31');
    expect(second.token.tokenNumber).toBe(1);
    // Everything full: the earliest slot is the target, and the standard policy waitlists there.
    const third = await opd.book(request('d1', 'ONLINE'));
    expect(third.outcome).toBe('WAITLISTED');
    expect(third.token.day).toBe(DAY);
  });

  it('refuses a closed, ended, unknown or foreign slot, and a date in the past', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    await doctorWithSlots(opd, 'd2', [9], 2);
    await opd.closeSlot('d1-10');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' })), 'SLOT_CLOSED');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'nope' })), 'SLOT_NOT_FOUND');
    const foreign = await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd2-09' })), 'SLOT_NOT_FOUND');
    expect(foreign.details).toMatchObject({ field: 'slotId', slotId: 'd2-09' });
    await rejectsWith(opd.book(request('nobody', 'ONLINE')), 'DOCTOR_NOT_FOUND');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', date: '2026-01-31' })), 'VALIDATION_FAILED');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09', after: at('09:30') })), 'VALIDATION_FAILED');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { date: '2026-01-29' })), 'VALIDATION_FAILED');
    clock.set(at('10:00'));
    await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' })), 'SLOT_ENDED');
  });

  it('waitlists a request for a day without usable slots (standard) and refuses it (cascade)', async () => {
    const standard = scheduler();
    await standard.opd.addDoctor({ id: 'd1', name: 'A' });
    const waiting = await standard.opd.book(request('d1', 'ONLINE', { date: DAY }));
    expect(waiting.outcome).toBe('WAITLISTED');
    expect(waiting.token.slotId).toBeNull();
    const cascade = scheduler(presets.cascade());
    await cascade.opd.addDoctor({ id: 'd1', name: 'A' });
    const error = await rejectsWith(cascade.opd.book(request('d1', 'ONLINE', { date: DAY })), 'SLOT_FULL');
    expect(error.details).toMatchObject({ slotId: null, day: DAY });
  });
});

describe('places, queue order and estimates', () => {
  it('orders places by rank, then request time, then token number, with estimated starts', async () => {
    const { opd, clock } = scheduler({}, undefined);
    await opd.addDoctor({ id: 'd1', name: 'A', consultMinutes: 10 });
    await opd.addSlots('d1', [{ id: 's', start: at('09:00'), end: at('10:00'), capacity: 5 }]);
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 's' }));
    clock.advance(1);
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 's' }));
    clock.advance(1);
    const paid = await opd.book(request('d1', 'PAID', { slotId: 's' }));
    const view = await opd.getSlot('s');
    expect(view.places.map((t) => t.id)).toEqual([paid.token.id, online.token.id, walkIn.token.id]);
    expect(view.places.map((t) => t.position)).toEqual([1, 2, 3]);
    expect(view.places.map((t) => t.estimatedStart)).toEqual([at('09:00'), at('09:10'), at('09:20')]);
    expect(view.free).toBe(2);
    expect(view.overflowUsed).toBe(0);
    expect((await opd.getToken(walkIn.token.id)).position).toBe(3);
    expect(paid.token.position).toBe(1);
    expect(paid.token.estimatedStart).toEqual(at('09:00'));
  });

  it('uses the scheduler default of 5 minutes per consultation', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const second = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect(second.token.estimatedStart).toEqual(at('09:05'));
  });

  it('issues token numbers per doctor per day, never reused', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 5);
    await doctorWithSlots(opd, 'd2', [9], 5);
    const a = await opd.book(request('d1', 'ONLINE'));
    const b = await opd.book(request('d1', 'ONLINE'));
    const c = await opd.book(request('d2', 'ONLINE'));
    expect([a.token.tokenNumber, b.token.tokenNumber, c.token.tokenNumber]).toEqual([1, 2, 1]);
    await opd.cancel(b.token.id);
    const d = await opd.book(request('d1', 'ONLINE'));
    expect(d.token.tokenNumber).toBe(3);
    expect(new Set([a.token.id, b.token.id, c.token.id, d.token.id]).size).toBe(4);
  });
});

describe('when the target is full', () => {
  it('grants an elastic place to an emergency (standard), up to the slot overflowCapacity', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 1 });
    await opd.book(request('d1', 'ONLINE'));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency).toMatchObject({ outcome: 'BOOKED', overflow: true, effects: [] });
    expect(emergency.token.position).toBe(1);
    const view = await opd.getSlot('d1-09');
    expect(view.overflowUsed).toBe(1);
    expect(view.free).toBe(0);
  });

  it('lets an emergency bump the worst-ranked booked place when no elastic place is left', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 2, { overflowCapacity: 0 });
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.outcome).toBe('BOOKED');
    expect(emergency.overflow).toBe(false);
    expect(emergency.effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([
      ['token:bumped', walkIn.token.id],
      ['token:cascaded', walkIn.token.id],
    ]);
    expect(emergency.effects[0]).toMatchObject({ byTokenId: emergency.token.id, fromSlotId: 'd1-09' });
    expect(emergency.effects[1]).toMatchObject({ fromSlotId: 'd1-09', toSlotId: 'd1-10', reason: 'bumped' });
    const moved = await opd.getToken(walkIn.token.id);
    expect(moved).toMatchObject({ status: 'BOOKED', slotId: 'd1-10', bumpCount: 1, tokenNumber: walkIn.token.tokenNumber });
    expect(await queue(opd, 'd1-09')).toEqual([emergency.token.tokenNumber, online.token.tokenNumber]);
  });

  it('never bumps a checked-in patient, nor one already bumped to the limit', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.checkIn(walkIn.token.id);
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    // Cannot bump the checked-in walk-in: goes to the next slot with room.
    expect(emergency.token.slotId).toBe('d1-10');
    expect(emergency.effects).toEqual([]);
  });

  it('sends other categories to the next slot with room, else the waitlist (standard)', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const next = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    expect(next.token.slotId).toBe('d1-10');
    expect(next.token.notBefore).toEqual(at('09:00'));
    const waiting = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    expect(waiting).toMatchObject({ outcome: 'WAITLISTED', overflow: false });
    expect(waiting.token).toMatchObject({ status: 'WAITLISTED', slotId: null, waitingForSlotId: null, position: null, estimatedStart: null });
  });

  it('an emergency is never refused by the standard preset', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const first = await opd.book(request('d1', 'EMERGENCY'));
    const second = await opd.book(request('d1', 'EMERGENCY'));
    expect(first.outcome).toBe('BOOKED');
    expect(second.outcome).toBe('WAITLISTED');
  });

  it('rejects with SLOT_FULL and changes nothing when the policy rejects', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    const before = await observe(opd, 'd1');
    const error = await rejectsWith(opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' })), 'SLOT_FULL');
    expect(error.details).toMatchObject({ slotId: 'd1-09', field: 'slotId' });
    expect(await observe(opd, 'd1')).toEqual(before);
  });
});

describe('idempotency and duplicates', () => {
  it('replays the original result for a repeated key and creates nothing', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const req = request('d1', 'ONLINE', { idempotencyKey: 'k-1' });
    const first = await opd.book(req);
    const again = await opd.book(req);
    expect(again).toEqual({ ...first, replayed: true });
    expect(first.replayed).toBeUndefined();
    expect((await opd.stats()).tokens).toBe(1);
    expect((await opd.history()).length).toBe(1);
  });

  it('refuses the same key with a different request', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    await opd.book(request('d1', 'ONLINE', { idempotencyKey: 'k-1', patientId: 'a' }));
    const error = await rejectsWith(opd.book(request('d1', 'PAID', { idempotencyKey: 'k-1', patientId: 'a' })), 'IDEMPOTENCY_CONFLICT');
    expect(error.details).toMatchObject({ field: 'idempotencyKey' });
  });

  it('keys are per doctor', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    await doctorWithSlots(opd, 'd2', [9], 2);
    await opd.book(request('d1', 'ONLINE', { idempotencyKey: 'same' }));
    const other = await opd.book(request('d2', 'ONLINE', { idempotencyKey: 'same' }));
    expect(other.replayed).toBeUndefined();
  });

  it('a patient holds one live token per doctor per day unless duplicates are allowed', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    await doctorWithSlots(opd, 'd2', [9], 3);
    const first = await opd.book(request('d1', 'ONLINE', { patientId: 'abha-1' }));
    const error = await rejectsWith(opd.book(request('d1', 'WALK_IN', { patientId: 'abha-1' })), 'DUPLICATE_BOOKING');
    expect(error.details).toMatchObject({ tokenId: first.token.id, field: 'patient.id' });
    expect(error.message).not.toContain('Patient abha-1');
    await opd.book(request('d2', 'ONLINE', { patientId: 'abha-1' }));
    await opd.cancel(first.token.id);
    await opd.book(request('d1', 'ONLINE', { patientId: 'abha-1' }));
    const relaxed = scheduler({ allowDuplicateBookings: true });
    await doctorWithSlots(relaxed.opd, 'd1', [9], 3);
    await relaxed.opd.book(request('d1', 'ONLINE', { patientId: 'x' }));
    expect((await relaxed.opd.book(request('d1', 'ONLINE', { patientId: 'x' }))).outcome).toBe('BOOKED');
  });

  it('a patient without an id is never considered a duplicate', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'No Id' } });
    expect((await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'No Id' } })).outcome).toBe('BOOKED');
  });
});

describe('bad requests', () => {
  it('refuses unknown categories and fields, naming the field, and changes nothing', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    const before = await observe(opd, 'd1');
    const unknown = await rejectsWith(opd.book(request('d1', 'VIP')), 'VALIDATION_FAILED');
    expect(unknown.details.field).toBe('category');
    const typo = await rejectsWith(opd.book({ ...request('d1', 'ONLINE'), slotID: 'd1-09' } as never), 'VALIDATION_FAILED');
    expect(typo.details.field).toBe('slotID');
    const name = await rejectsWith(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: '' } }), 'VALIDATION_FAILED');
    expect(name.details.field).toBe('patient.name');
    const proto = await rejectsWith(
      opd.book(JSON.parse('{"doctorId":"d1","category":"ONLINE","patient":{"name":"x","__proto__":{"admin":true}}}')),
      'VALIDATION_FAILED',
    );
    expect(proto.details.field).toBe('patient.__proto__');
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
    await rejectsWith(opd.book(null as never), 'VALIDATION_FAILED');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { after: '2026-01-30 09:00' })), 'VALIDATION_FAILED');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { date: '2026-02-30' })), 'VALIDATION_FAILED');
    await rejectsWith(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'x', when: new Date() } }), 'VALIDATION_FAILED');
    expect(await observe(opd, 'd1')).toEqual(before);
  });

  it('keeps patient data out of error messages', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    const error = await rejectsWith(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'Secret Name', phone: Number.NaN } }), 'VALIDATION_FAILED');
    expect(error.message).not.toContain('Secret');
    expect(JSON.stringify(error.details)).not.toContain('Secret');
    expect(error.details.field).toBe('patient.phone');
  });

  it('stores a frozen copy of the patient', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    const patient = { id: 'p', name: 'A', address: { city: 'Pune' } };
    const { token } = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient });
    patient.address.city = 'Delhi';
    expect((await opd.getToken(token.id)).patient).toEqual({ id: 'p', name: 'A', address: { city: 'Pune' } });
    expect(Object.isFrozen(token.patient)).toBe(true);
  });
});
