/**
 * Doctors managed: an update and a retirement are stored (read back by `read` and `listDoctors`),
 * their events come back from `history` as they were emitted, updates of one doctor are
 * serialized, and a booking racing a retirement never keeps a place past it.
 */
import { expect, it } from 'vitest';
import { isOpdError, type OpdEvent } from '../index.js';
import { DAY, type Suite, withSlots } from './fixtures.js';

/** An instant on {@link DAY} at `hh:mm` in Asia/Kolkata (the suite's zone). */
const ist = (hhmm: string): Date => new Date(`${DAY}T${hhmm}:00+05:30`);

/** Declares the tests of this part of the conformance suite. */
export function doctorsTests(suite: Suite): void {
  const { timeout, concurrency, scheduler } = suite;
  it('stores an update and a retirement: read, listDoctors and getDoctor give them back', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    await opd.addDoctor({ id: 'd1', name: 'Dr One', specialization: 'ENT', room: 'A' });
    await opd.addDoctor({ id: 'd2', name: 'Dr Two' });
    const updated = await opd.updateDoctor('d1', { name: 'Dr Uno', specialization: null, department: 'ent', room: 'B', consultMinutes: 7.5 });
    expect(updated).toMatchObject({ name: 'Dr Uno', specialization: null, department: 'ent', room: 'B', consultMinutes: 7.5, retiredFrom: null });
    const { doctor } = await opd.retireDoctor('d2', { from: ist('12:00'), reason: 'moved away' });
    expect(doctor).toMatchObject({ retiredFrom: ist('12:00'), retiredReason: 'moved away' });
    expect(await opd.getDoctor('d1')).toEqual(updated);
    expect(await opd.getDoctor('d2')).toEqual(doctor);
    expect(await opd.listDoctors()).toEqual([updated, doctor]);
    const stored = (await storage.read({ doctorId: 'd1' })).doctor;
    expect(stored).toMatchObject({ id: 'd1', name: 'Dr Uno', specialization: null, department: 'ent', room: 'B', consultMinutes: 7.5 });
    expect((await storage.read({ doctorId: 'd2' })).doctor).toMatchObject({ retiredFrom: ist('12:00').getTime(), retiredReason: 'moved away' });
  });

  it("stores a doctor's system of medicine and specialist OPD, from addDoctor and updateDoctor", { timeout }, async () => {
    const { opd, storage } = await scheduler();
    const plain = await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    expect(plain).toMatchObject({ system: 'allopathic', specialist: false });
    const ayush = await opd.addDoctor({ id: 'd2', name: 'Dr Two', system: 'ayush', specialist: true });
    expect(ayush).toMatchObject({ system: 'ayush', specialist: true });
    const changed = await opd.updateDoctor('d1', { system: 'ayush', specialist: true });
    expect(changed).toMatchObject({ system: 'ayush', specialist: true });
    const back = await opd.updateDoctor('d2', { specialist: false });
    expect(back).toMatchObject({ system: 'ayush', specialist: false });
    expect(await opd.listDoctors()).toEqual([changed, back]);
    expect(await opd.getDoctor('d1')).toEqual(changed);
    expect((await storage.read({ doctorId: 'd2' })).doctor).toMatchObject({ system: 'ayush', specialist: false });
    const updates = (await opd.history()).filter((e) => e.type === 'doctor:updated');
    expect(updates.map((e) => e.changes)).toEqual([
      { system: { before: 'allopathic', after: 'ayush' }, specialist: { before: false, after: true } },
      { specialist: { before: true, after: false } },
    ]);
  });

  it('gives back doctor:updated and doctor:retired from history as they were emitted', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'd1', [9, 10], 2);
    const emitted: OpdEvent[] = [];
    opd.on('event', (e) => emitted.push(e));
    await opd.updateDoctor('d1', { room: '4', consultMinutes: 9 }, { actor: 'admin' });
    await opd.retireDoctor('d1', { from: ist('10:00'), reason: 'retired', actor: 'admin' });
    expect(emitted.map((e) => e.type)).toEqual(['doctor:updated', 'doctor:retired', 'slot:closed']);
    const history = await opd.history();
    expect(history).toEqual(emitted);
    const retired = history[1] as Extract<OpdEvent, { type: 'doctor:retired' }>;
    expect(retired.retiredFrom).toBeInstanceOf(Date);
    expect(retired.retiredFrom.getTime()).toBe(ist('10:00').getTime());
  });

  it('moves the estimates with consultMinutes as stored', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'd1', [9], 10);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'P1' }, slotId: 'd1-09' });
    const second = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: 'P2' }, slotId: 'd1-09' });
    await opd.updateDoctor('d1', { consultMinutes: 20 });
    expect((await opd.getToken(second.token.id)).estimatedStart?.getTime()).toBe(ist('09:20').getTime());
    // A unit decided after the update (on whatever copy of the doctor the adapter keeps) sees it too.
    const third = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p3', name: 'P3' }, slotId: 'd1-09' });
    expect(third.token.estimatedStart?.getTime()).toBe(ist('09:40').getTime());
  });

  it('refuses what reaches past a retirement in the units that follow it', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'd1', [9, 10], 10);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'P1' }, slotId: 'd1-10' });
    await opd.retireDoctor('d1', { from: ist('10:00') });
    const late = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: 'P2' }, slotId: 'd1-10' }).catch((error: unknown) => error);
    expect(isOpdError(late, 'DOCTOR_RETIRED')).toBe(true);
    expect((await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p3', name: 'P3' }, slotId: 'd1-09' })).outcome).toBe('BOOKED');
  });

  it('serializes concurrent updates of one doctor: each event starts from what the one before left', { timeout }, async () => {
    const { opd } = await scheduler();
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    const n = Math.min(concurrency, 20);
    await Promise.all(Array.from({ length: n }, (_, i) => opd.updateDoctor('d1', { consultMinutes: i + 1 })));
    const events = (await opd.history()).filter((e): e is Extract<OpdEvent, { type: 'doctor:updated' }> => e.type === 'doctor:updated');
    expect(events).toHaveLength(n);
    expect(events[0]!.changes.consultMinutes?.before).toBeNull();
    for (let i = 1; i < n; i++) expect(events[i]!.changes.consultMinutes?.before).toBe(events[i - 1]!.changes.consultMinutes?.after);
    expect((await opd.getDoctor('d1')).consultMinutes).toBe(events[n - 1]!.changes.consultMinutes?.after);
  });

  it('never keeps a booking past a retirement that races it', { timeout }, async () => {
    const { opd } = await scheduler();
    await withSlots(opd, 'd1', [9, 10, 11], 100);
    const n = Math.min(concurrency, 30);
    const slots = ['d1-09', 'd1-10', 'd1-11'];
    const calls = await Promise.allSettled([
      ...Array.from({ length: n }, (_, i) => opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `p${i}`, name: `P${i}` }, slotId: slots[i % 3]! })),
      opd.retireDoctor('d1', { from: ist('10:00') }),
    ]);
    for (const call of calls) if (call.status === 'rejected') expect(isOpdError(call.reason, 'DOCTOR_RETIRED')).toBe(true);
    const schedule = await opd.getSchedule('d1', DAY);
    const places = Object.fromEntries(schedule.slots.map((s) => [s.slot.id, s.places.length]));
    expect(places['d1-10']).toBe(0);
    expect(places['d1-11']).toBe(0);
    expect(places['d1-09']).toBe(Math.ceil(n / 3));
    expect(schedule.slots.map((s) => s.slot.status)).toEqual(['OPEN', 'CLOSED', 'CLOSED']);
  });
}
