/**
 * A leave over two days of one doctor, with the same patient booked on both: the patient's first
 * token moves to the doctor's third day, so that day must then be skipped for the second one
 * (one live token per patient and doctor-day), who meets the policy on its own day. Found by the
 * reference model over several doctors and days: the unit asked only the store's index of live
 * tokens, which does not know the tokens the unit itself created, moved both tokens to the third
 * day, and the store refused the change (`STORAGE_FAILURE`).
 */
import { OpdScheduler, presets } from 'opd-scheduler';
import { expect, it } from 'vitest';

it('a later day that the leave has just given the patient a token on is skipped for the patient’s other token', async () => {
  const clock = { now: Date.parse('2026-01-30T07:30:00Z') };
  const opd = new OpdScheduler({ ...presets.elastic(), clock: () => new Date(clock.now) });
  await opd.addDoctor({ id: 'd1', name: 'Dr One' });
  await opd.addSlots('d1', [
    { id: 'fri', start: new Date('2026-01-30T09:00:00Z'), end: new Date('2026-01-30T10:00:00Z'), capacity: 1, overflowCapacity: 0 },
    { id: 'sat', start: new Date('2026-01-31T08:00:00Z'), end: new Date('2026-01-31T09:00:00Z'), capacity: 1, overflowCapacity: 0 },
    { id: 'sun', start: new Date('2026-02-01T11:00:00Z'), end: new Date('2026-02-01T12:00:00Z'), capacity: 2, overflowCapacity: 0 },
  ]);
  const first = await opd.book({ doctorId: 'd1', date: '2026-01-30', category: 'EMERGENCY', patient: { id: 'p1', name: 'A patient' } });
  const second = await opd.book({ doctorId: 'd1', date: '2026-01-31', category: 'WALK_IN', patient: { id: 'p1', name: 'A patient' } });

  const effects = await opd.closeSlots('d1', { from: new Date('2026-01-30T08:00:00Z'), to: new Date('2026-01-31T08:30:00Z'), reason: 'on leave' });

  expect(effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([
    ['slot:closed', null],
    ['slot:closed', null],
    ['token:moved', 'd1~2026-02-01~1'],
    ['token:waitlisted', second.token.id],
  ]);
  expect((await opd.getToken(first.token.id)).cancelReason).toBe('moved');
  expect((await opd.getToken(second.token.id)).status).toBe('WAITLISTED');
  expect((await opd.getSchedule('d1', '2026-02-01')).slots[0]!.places.map((t) => t.patient.id)).toEqual(['p1']);
});

it('a leave reassigning to the department never gives a patient a second live token in the department that day, as book({ department }) would refuse', async () => {
  const clock = { now: Date.parse('2026-01-30T07:30:00Z') };
  const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(clock.now) });
  for (const id of ['a', 'b', 'c']) await opd.addDoctor({ id, name: `Dr ${id}`, department: 'medicine' });
  await opd.addSlots('a', [
    { id: 'a9', start: new Date('2026-01-30T09:00:00Z'), end: new Date('2026-01-30T10:00:00Z'), capacity: 2 },
    { id: 'a11', start: new Date('2026-01-30T11:00:00Z'), end: new Date('2026-01-30T12:00:00Z'), capacity: 2 },
  ]);
  await opd.addSlots('b', [{ id: 'b10', start: new Date('2026-01-30T10:00:00Z'), end: new Date('2026-01-30T11:00:00Z'), capacity: 2 }]);
  await opd.addSlots('c', [{ id: 'c9', start: new Date('2026-01-30T09:00:00Z'), end: new Date('2026-01-30T10:00:00Z'), capacity: 2 }]);
  const patient = { id: 'p1', name: 'A patient' };
  const withA = await opd.book({ doctorId: 'a', slotId: 'a9', category: 'WALK_IN', patient });
  const withB = await opd.book({ doctorId: 'b', slotId: 'b10', category: 'WALK_IN', patient });
  await expect(opd.book({ department: 'medicine', date: '2026-01-30', category: 'WALK_IN', patient })).rejects.toMatchObject({ code: 'DUPLICATE_BOOKING' });

  await opd.closeSlots('a', { from: new Date('2026-01-30T09:00:00Z'), to: new Date('2026-01-30T10:00:00Z'), reason: 'on leave', reassign: 'department' });

  // Dr C's 09:00 place is sooner, but the patient already holds Dr B's 10:00 place that day: they
  // move to their own doctor's 11:00 place instead, keeping one live token with each doctor.
  expect(await opd.getToken(withA.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'a11' });
  expect((await opd.getToken(withB.token.id)).status).toBe('BOOKED');
  expect((await opd.getSlot('c9')).places).toEqual([]);
});
