import { describe, expect, it } from 'vitest';
import { type Effect, type OpdEvent, presets } from 'opd-scheduler';
import { at, DAY, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

const NEXT = '2026-01-31';

/** Each event as `type id`, for compact expectations. */
function brief(effects: readonly Effect[]): string[] {
  return effects.map((e) => {
    if (e.type === 'slot:closed') return `${e.type} ${e.slotId}`;
    if (e.type === 'token:moved') return `${e.type} #${e.tokenNumber} ${e.fromDoctorId}→${e.toDoctorId}`;
    return 'tokenNumber' in e ? `${e.type} #${e.tokenNumber}` : e.type;
  });
}

describe('getDoctor', () => {
  it('returns the doctor as stored, with its room and no retirement', async () => {
    const { opd } = scheduler();
    await opd.addDoctor({ id: 'd1', name: 'Dr One', specialization: 'Cardiology', department: 'cardio', room: 'OPD-4', consultMinutes: 8 });
    expect(await opd.getDoctor('d1')).toMatchObject({
      id: 'd1',
      name: 'Dr One',
      specialization: 'Cardiology',
      department: 'cardio',
      room: 'OPD-4',
      consultMinutes: 8,
      retiredFrom: null,
      retiredReason: null,
    });
  });

  it('refuses an unknown doctor with DOCTOR_NOT_FOUND and a malformed id with VALIDATION_FAILED', async () => {
    const { opd } = scheduler();
    const error = await rejectsWith(opd.getDoctor('nobody'), 'DOCTOR_NOT_FOUND');
    expect(error.details).toMatchObject({ field: 'doctorId', doctorId: 'nobody' });
    await rejectsWith(opd.getDoctor('not an id'), 'VALIDATION_FAILED');
  });
});

describe("a doctor's system of medicine and specialist OPD", () => {
  it('default to allopathic and not a specialist; bad values are refused naming the field, adding nothing', async () => {
    const { opd } = scheduler();
    expect(await opd.addDoctor({ id: 'd1', name: 'Dr One' })).toMatchObject({ system: 'allopathic', specialist: false });
    expect(await opd.addDoctor({ id: 'd2', name: 'Dr Two', system: 'ayush', specialist: true })).toMatchObject({ system: 'ayush', specialist: true });
    expect((await rejectsWith(opd.addDoctor({ id: 'd3', name: 'Dr Three', system: 'homeopathy' as never }), 'VALIDATION_FAILED')).details['field']).toBe(
      'system',
    );
    expect((await rejectsWith(opd.addDoctor({ id: 'd3', name: 'Dr Three', specialist: 1 as never }), 'VALIDATION_FAILED')).details['field']).toBe('specialist');
    expect((await opd.listDoctors()).map((d) => d.id)).toEqual(['d1', 'd2']);
  });
});

describe('updateDoctor', () => {
  it('changes the fields given, keeps the others, and reports each change before and after', async () => {
    const { opd } = scheduler();
    await opd.addDoctor({ id: 'd1', name: 'Dr One', specialization: 'Cardiology' });
    const events: OpdEvent[] = [];
    opd.on('doctor:updated', (e) => events.push(e));
    const doctor = await opd.updateDoctor('d1', { name: 'Dr Uno', room: '12', specialization: null }, { actor: 'admin' });
    expect(doctor).toMatchObject({ name: 'Dr Uno', room: '12', specialization: null, department: null, consultMinutes: null });
    expect(await opd.getDoctor('d1')).toEqual(doctor);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'doctor:updated',
      doctorId: 'd1',
      actor: 'admin',
      changes: { name: { before: 'Dr One', after: 'Dr Uno' }, room: { before: null, after: '12' }, specialization: { before: 'Cardiology', after: null } },
    });
    expect(Object.keys((events[0] as Extract<OpdEvent, { type: 'doctor:updated' }>).changes).sort()).toEqual(['name', 'room', 'specialization']);
    expect((await opd.history()).map((e) => e.type)).toEqual(['doctor:updated']);
  });

  it('changes nothing and emits nothing when the values are those stored', async () => {
    const { opd } = scheduler();
    await opd.addDoctor({ id: 'd1', name: 'Dr One', room: '12' });
    const doctor = await opd.updateDoctor('d1', { name: 'Dr One', room: '12' });
    expect(doctor.name).toBe('Dr One');
    expect(await opd.history()).toEqual([]);
  });

  it('refuses an empty patch, an unknown field and bad values, changing nothing', async () => {
    const { opd } = scheduler();
    await opd.addDoctor({ id: 'd1', name: 'Dr One', consultMinutes: 5 });
    expect((await rejectsWith(opd.updateDoctor('d1', {}), 'VALIDATION_FAILED')).details['field']).toBe('patch');
    expect((await rejectsWith(opd.updateDoctor('d1', { age: 3 } as never), 'VALIDATION_FAILED')).details['field']).toBe('patch.age');
    expect((await rejectsWith(opd.updateDoctor('d1', { consultMinutes: 0 }), 'VALIDATION_FAILED')).details['field']).toBe('patch.consultMinutes');
    expect((await rejectsWith(opd.updateDoctor('d1', { name: null } as never), 'VALIDATION_FAILED')).details['field']).toBe('patch.name');
    expect((await rejectsWith(opd.updateDoctor('d1', { department: 'no spaces' }), 'VALIDATION_FAILED')).details['field']).toBe('patch.department');
    expect((await rejectsWith(opd.updateDoctor('d1', { room: 'x'.repeat(51) }), 'VALIDATION_FAILED')).details['field']).toBe('patch.room');
    expect((await rejectsWith(opd.updateDoctor('d1', { system: 'unani' as never }), 'VALIDATION_FAILED')).details['field']).toBe('patch.system');
    expect((await rejectsWith(opd.updateDoctor('d1', { specialist: 'yes' as never }), 'VALIDATION_FAILED')).details['field']).toBe('patch.specialist');
    await rejectsWith(opd.updateDoctor('nobody', { name: 'X' }), 'DOCTOR_NOT_FOUND');
    expect(await opd.getDoctor('d1')).toMatchObject({ name: 'Dr One', consultMinutes: 5 });
    expect(await opd.history()).toEqual([]);
  });

  it('moves the estimated starts with a new consultMinutes', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 10);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const second = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    // The scheduler's default: 5 minutes per patient.
    expect((await opd.getToken(second.token.id)).estimatedStart).toEqual(at('09:05'));
    await opd.updateDoctor('d1', { consultMinutes: 12 });
    expect((await opd.getToken(second.token.id)).estimatedStart).toEqual(at('09:12'));
    await opd.updateDoctor('d1', { consultMinutes: null });
    expect((await opd.getToken(second.token.id)).estimatedStart).toEqual(at('09:05'));
  });

  it('moves a doctor between departments: department bookings and their duplicate rule follow', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'a', [9], 5);
    await doctorWithSlots(opd, 'b', [10], 5);
    await opd.updateDoctor('a', { department: 'ortho' });
    await opd.updateDoctor('b', { department: 'cardio' });
    const held = await opd.book(request('a', 'ONLINE', { slotId: 'a-09', patientId: 'pat' }));
    // The patient's token with `a` is not a cardiology token yet.
    const first = await opd.book({ department: 'cardio', category: 'ONLINE', patient: { id: 'other', name: 'Other' }, date: DAY });
    expect(first.token.doctorId).toBe('b');
    await opd.updateDoctor('a', { department: 'cardio' });
    // Now `a` is a colleague in cardiology, with the sooner place, and the patient's token counts.
    const chosen = await opd.book({ department: 'cardio', category: 'ONLINE', patient: { id: 'new', name: 'New' }, date: DAY });
    expect(chosen.token.doctorId).toBe('a');
    const duplicate = await rejectsWith(
      opd.book({ department: 'cardio', category: 'ONLINE', patient: { id: 'pat', name: 'Pat' }, date: DAY }),
      'DUPLICATE_BOOKING',
    );
    expect(duplicate.details['tokenId']).toBe(held.token.id);
    await rejectsWith(opd.book({ department: 'ortho', category: 'ONLINE', patient: { id: 'x', name: 'X' }, date: DAY }), 'DEPARTMENT_NOT_FOUND');
  });
});

describe("a doctor's room", () => {
  it('is where callNext and recall send the patient when the call names no room', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 5);
    const booked = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    clock.set(at('09:00'));
    await opd.checkIn(booked.token.id);
    const calls: { room: string | null; recall: boolean }[] = [];
    opd.on('token:called', (e) => calls.push({ room: e.room, recall: e.recall }));
    await opd.callNext('d1');
    await opd.updateDoctor('d1', { room: 'OPD-4' });
    await opd.callNext('d1');
    await opd.callNext('d1', { room: 'Minor OT' });
    await opd.recall(booked.token.id);
    expect(calls).toEqual([
      { room: null, recall: false },
      { room: 'OPD-4', recall: false },
      { room: 'Minor OT', recall: false },
      { room: 'OPD-4', recall: true },
    ]);
  });
});

describe('retireDoctor', () => {
  it('closes the slots from `from` as a leave would, refuses what reaches past it, and keeps the doctor listed', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 2, { overflowCapacity: 0 });
    await opd.addSlots('d1', [{ id: 'd1-next', start: `${NEXT}T09:00:00Z`, end: `${NEXT}T10:00:00Z`, capacity: 2 }]);
    const early = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const late = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const tomorrow = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-next' }));
    const emitted: string[] = [];
    opd.on('event', (e) => emitted.push(e.type));
    const { doctor, effects } = await opd.retireDoctor('d1', { from: at('10:00'), reason: 'retired', actor: 'admin' });
    expect(brief(effects)).toEqual([
      'doctor:retired',
      'slot:closed d1-10',
      'slot:closed d1-11',
      'slot:closed d1-next',
      'token:waitlisted #2',
      'token:waitlisted #1',
    ]);
    expect(effects[0]).toMatchObject({ type: 'doctor:retired', doctorId: 'd1', retiredFrom: at('10:00'), reason: 'retired', reassign: null, actor: 'admin' });
    expect(emitted).toEqual(effects.map((e) => e.type));
    expect(doctor).toMatchObject({ id: 'd1', retiredFrom: at('10:00'), retiredReason: 'retired' });
    expect(await opd.getDoctor('d1')).toEqual(doctor);
    expect((await opd.listDoctors()).map((d) => [d.id, d.retiredFrom])).toEqual([['d1', at('10:00')]]);
    // Before the retirement nothing changes; after it the patients wait without a place.
    expect((await opd.getToken(early.token.id)).slotId).toBe('d1-09');
    expect((await opd.getToken(late.token.id)).status).toBe('WAITLISTED');
    expect((await opd.getToken(tomorrow.token.id)).status).toBe('WAITLISTED');
    expect((await opd.getSlot('d1-11')).slot).toMatchObject({ status: 'CLOSED', closedReason: 'retired' });

    // A booking that may still be placed before the retirement is taken; one reaching past it is not.
    expect((await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }))).outcome).toBe('BOOKED');
    const past = await rejectsWith(opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' })), 'DOCTOR_RETIRED');
    expect(past.details).toMatchObject({ field: 'doctorId', doctorId: 'd1', retiredFrom: '2026-01-30T10:00:00.000Z' });
    await rejectsWith(opd.book(request('d1', 'ONLINE', { date: NEXT })), 'DOCTOR_RETIRED');
    await rejectsWith(opd.book(request('d1', 'ONLINE', { after: at('10:30') })), 'DOCTOR_RETIRED');
    await rejectsWith(opd.hold({ ...request('d1', 'ONLINE', { date: NEXT }), holdMinutes: 10 }), 'DOCTOR_RETIRED');
    const slot = await rejectsWith(opd.addSlots('d1', [{ start: `${NEXT}T11:00:00Z`, end: `${NEXT}T12:00:00Z`, capacity: 2 }]), 'DOCTOR_RETIRED');
    expect(slot.details['field']).toBe('slots[0]');
    await rejectsWith(opd.reopenSlot('d1-11'), 'DOCTOR_RETIRED');
    // A slot ending by the retirement may still be added.
    await opd.addSlots('d1', [{ id: 'd1-08', start: at('08:00'), end: at('09:00'), capacity: 1 }]);
  });

  it('refuses a second retirement with DOCTOR_RETIRED, changing nothing', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    await opd.retireDoctor('d1', { from: at('12:00') });
    const before = await opd.history();
    const error = await rejectsWith(opd.retireDoctor('d1', { from: at('09:00') }), 'DOCTOR_RETIRED');
    expect(error.details).toMatchObject({ doctorId: 'd1', retiredFrom: '2026-01-30T12:00:00.000Z' });
    expect(await opd.history()).toEqual(before);
    expect((await opd.getSlot('d1-09')).slot.status).toBe('OPEN');
  });

  it('retires a doctor without slots, and previews without changing anything', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const preview = await opd.retireDoctor('d1', { from: at('08:00'), dryRun: true });
    expect(brief(preview.effects)).toEqual(['doctor:retired', 'slot:closed d1-09']);
    expect(preview.effects.every((e) => e.seq === 0)).toBe(true);
    expect((await opd.getDoctor('d1')).retiredFrom).toBeNull();
    expect(await opd.history()).toEqual([]);
    await opd.addDoctor({ id: 'd2', name: 'Dr Two' });
    const { effects } = await opd.retireDoctor('d2', { from: at('08:00') });
    expect(brief(effects)).toEqual(['doctor:retired']);
  });

  it('reassigns displaced patients to a colleague of the department', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'a', [9, 10], 2);
    await doctorWithSlots(opd, 'b', [10, 11], 2);
    await opd.updateDoctor('a', { department: 'cardio' });
    await opd.updateDoctor('b', { department: 'cardio' });
    const moved = await opd.book(request('a', 'ONLINE', { slotId: 'a-10' }));
    const { effects } = await opd.retireDoctor('a', { from: at('10:00'), reassign: 'department' });
    expect(brief(effects)).toEqual(['doctor:retired', 'slot:closed a-10', 'token:moved #1 a→b']);
    expect(effects[0]).toMatchObject({ reassign: 'department' });
    expect((await opd.getToken(moved.token.id)).status).toBe('CANCELLED');
    // A doctor without a department has nobody to reassign to.
    await doctorWithSlots(opd, 'c', [9], 2);
    expect((await rejectsWith(opd.retireDoctor('c', { from: at('09:00'), reassign: 'department' }), 'VALIDATION_FAILED')).details['field']).toBe(
      'retirement.reassign',
    );
  });

  it('refuses a bad retirement before anything is read', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    expect((await rejectsWith(opd.retireDoctor('d1', { from: 'soon' }), 'VALIDATION_FAILED')).details['field']).toBe('retirement.from');
    expect((await rejectsWith(opd.retireDoctor('d1', { from: at('09:00'), to: at('10:00') } as never), 'VALIDATION_FAILED')).details['field']).toBe(
      'retirement.to',
    );
    await rejectsWith(opd.retireDoctor('nobody', { from: at('09:00') }), 'DOCTOR_NOT_FOUND');
    expect(await opd.history()).toEqual([]);
  });

  it('refuses moving a patient to a retired doctor', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'a', [9], 2);
    await doctorWithSlots(opd, 'b', [10], 2);
    const token = await opd.book(request('a', 'ONLINE', { slotId: 'a-09' }));
    await opd.retireDoctor('b', { from: at('07:00') });
    const error = await rejectsWith(opd.move(token.token.id, { doctorId: 'b', date: DAY }), 'DOCTOR_RETIRED');
    expect(error.details['field']).toBe('to.doctorId');
  });
});
