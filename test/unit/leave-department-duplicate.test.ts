/**
 * A doctor's leave moves a displaced patient to a later day only where the duplicate rule lets
 * the place through: with `reassign: 'department'` a place is a department's place, so a day on
 * which the patient already holds a live token with a colleague is skipped — the doctor's own
 * later day as much as another colleague's — exactly as a department booking for that day is
 * refused (`DUPLICATE_BOOKING`). Under `duplicates.scope: 'department-day'` the same holds
 * without `reassign`.
 */
import { OpdScheduler, type OpdSchedulerOptions, presets } from 'opd-scheduler';
import { expect, it } from 'vitest';

const patient = { id: 'p1', name: 'A patient' };

/** d0 and d1 of one department; the patient holds d1's 10:00 place on the 11th and d0's 09:00 place on the 10th. */
async function clinic(options: OpdSchedulerOptions = {}): Promise<OpdScheduler> {
  const clock = { now: Date.parse('2026-03-10T07:00:00Z') };
  const opd = new OpdScheduler({ ...presets.standard(), ...options, clock: () => new Date(clock.now) });
  await opd.addDoctor({ id: 'd0', name: 'Dr Zero', department: 'opd' });
  await opd.addDoctor({ id: 'd1', name: 'Dr One', department: 'opd' });
  const slot = (id: string, at: string): { id: string; start: Date; end: Date; capacity: number; overflowCapacity: number } => ({
    id,
    start: new Date(at),
    end: new Date(Date.parse(at) + 3_600_000),
    capacity: 1,
    overflowCapacity: 0,
  });
  await opd.addSlots('d0', [slot('d0-10', '2026-03-10T09:00:00Z'), slot('d0-11', '2026-03-11T08:00:00Z'), slot('d0-12', '2026-03-12T08:00:00Z')]);
  await opd.addSlots('d1', [slot('d1-11', '2026-03-11T10:00:00Z')]);
  await opd.book({ doctorId: 'd1', date: '2026-03-11', category: 'ONLINE', patient });
  await opd.book({ doctorId: 'd0', date: '2026-03-10', category: 'ONLINE', patient });
  return opd;
}

const leave = { from: new Date('2026-03-10T08:00:00Z'), to: new Date('2026-03-10T12:00:00Z'), reason: 'on leave' };

/** Where the patient's live tokens are, by slot. */
async function placesOf(opd: OpdScheduler): Promise<string[]> {
  const tokens = await opd.history({ limit: 1000 });
  const ids = [...new Set(tokens.flatMap((e) => ('tokenId' in e && typeof e.tokenId === 'string' ? [e.tokenId] : [])))];
  const live: string[] = [];
  for (const id of ids) {
    const token = await opd.getToken(id);
    if (token.patient.id === patient.id && token.status === 'BOOKED') live.push(String(token.slotId));
  }
  return live.sort();
}

it('with reassign, the doctor’s own later day beside the patient’s token with a colleague is skipped', async () => {
  const opd = await clinic();
  // A department booking for the 11th is refused: the patient holds d1's place that day.
  await expect(opd.book({ department: 'opd', date: '2026-03-11', category: 'ONLINE', patient })).rejects.toMatchObject({ code: 'DUPLICATE_BOOKING' });
  await opd.closeSlots('d0', { ...leave, reassign: 'department' });
  expect(await placesOf(opd)).toEqual(['d0-12', 'd1-11']);
});

it('under department-day, the same without reassign', async () => {
  const opd = await clinic({ duplicates: { scope: 'department-day' } });
  await opd.closeSlots('d0', leave);
  expect(await placesOf(opd)).toEqual(['d0-12', 'd1-11']);
});

it('under the doctor-day rule without reassign, a place with the doctor beside a colleague’s token is taken, as a booking with the doctor is', async () => {
  const opd = await clinic();
  await opd.closeSlots('d0', leave);
  expect(await placesOf(opd)).toEqual(['d0-11', 'd1-11']);
});
