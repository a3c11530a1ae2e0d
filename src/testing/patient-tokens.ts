/**
 * A patient's tokens across doctors (`StorageAdapter.patientTokens`): what a unit naming a patient
 * reads, and the duplicate rules of a department's or the facility's day and the cap on live
 * tokens, kept under concurrency.
 */
import { expect, it } from 'vitest';
import { isLiveStatus } from '../model/status.js';
import type { DoctorSnapshot } from '../model/snapshot.js';
import { isOpdError, type OpdScheduler } from '../index.js';
import { DAY, emptyChanges, type Suite, withSlots } from './fixtures.js';

const NEXT = '2026-01-31';

/** Doctors `ids` of `department`, with slots 09:00–11:00 (local) on DAY and NEXT. */
async function staff(opd: OpdScheduler, department: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await opd.addDoctor({ id, name: `Dr ${id}`, department });
    await withSlots(opd, id, [9, 10], 5);
    await withSlots(opd, id, [9, 10], 5, NEXT);
  }
}

/** Declares the tests of this part of the conformance suite. */
export function patientTokensTests(suite: Suite): void {
  const { timeout, scheduler, concurrency } = suite;

  it("reads the patient's tokens of every doctor from a day on, with their departments, after the patient's lock", { timeout }, async () => {
    const { opd, storage } = await scheduler();
    await staff(opd, 'cardio', ['c1', 'c2']);
    await staff(opd, 'neuro', ['n1']);
    const a = await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: { id: 'p1', name: 'A' } });
    const b = await opd.book({ doctorId: 'n1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, date: NEXT });
    await opd.book({ doctorId: 'c2', category: 'ONLINE', patient: { id: 'p2', name: 'B' } });
    const read = async (fromDay: string): Promise<DoctorSnapshot> =>
      storage.transact({ doctorId: 'c2', days: [DAY], patient: { id: 'p1', fromDay } }, (snapshot) => ({
        kind: 'commit',
        changes: emptyChanges(),
        result: snapshot,
      }));
    const all = await read(DAY);
    expect(all.doctor?.id).toBe('c2');
    expect(all.patientTokens?.map((e) => [e.token.id, e.department])).toEqual([
      [a.token.id, 'cardio'],
      [b.token.id, 'neuro'],
    ]);
    expect(all.patientTokens?.[0]?.token).toMatchObject({ doctorId: 'c1', day: DAY, status: 'BOOKED', patient: { id: 'p1' } });
    expect((await read(NEXT)).patientTokens?.map((e) => e.token.id)).toEqual([b.token.id]);
    // A later load of the unit may not name another patient.
    let round = 0;
    await expect(
      storage.transact({ doctorId: 'c2', patient: { id: 'p1', fromDay: DAY } }, () =>
        round++ === 0
          ? { kind: 'load', request: { doctorId: 'c2', patient: { id: 'p2', fromDay: DAY } } }
          : { kind: 'commit', changes: emptyChanges(), result: null },
      ),
    ).rejects.toMatchObject({ code: 'STORAGE_FAILURE' });
  });

  it("'department-day': one live token per patient per department and day, under concurrency", { timeout }, async () => {
    const { opd } = await scheduler({ duplicates: { scope: 'department-day' } });
    await staff(opd, 'cardio', ['c1', 'c2', 'c3']);
    const n = Math.max(4, Math.min(concurrency, 24));
    const doctors = ['c1', 'c2', 'c3'];
    const calls = await Promise.allSettled(
      Array.from({ length: n }, (_, i) => {
        const request = { category: 'ONLINE', patient: { id: 'same', name: 'S' }, date: i % 2 === 0 ? DAY : NEXT } as const;
        return i % 4 === 3 ? opd.book({ ...request, department: 'cardio' }) : opd.book({ ...request, doctorId: doctors[i % 3]! });
      }),
    );
    for (const c of calls) if (c.status === 'rejected') expect(isOpdError(c.reason, 'DUPLICATE_BOOKING')).toBe(true);
    const live = await liveTokensOf(opd, doctors, 'same');
    expect(calls.filter((c) => c.status === 'fulfilled')).toHaveLength(2);
    expect(live.map((t) => t.day).sort()).toEqual([DAY, NEXT]);
  });

  it("'facility-day' with maxActivePerPatient: never more live tokens than the cap, under concurrency", { timeout }, async () => {
    const { opd } = await scheduler({ duplicates: { scope: 'facility-day', maxActivePerPatient: 1 } });
    await staff(opd, 'cardio', ['c1']);
    await staff(opd, 'neuro', ['n1']);
    const n = Math.max(4, Math.min(concurrency, 24));
    const calls = await Promise.allSettled(
      Array.from({ length: n }, (_, i) =>
        opd.book({ doctorId: i % 2 === 0 ? 'c1' : 'n1', category: 'ONLINE', patient: { id: 'same', name: 'S' }, date: i % 3 === 0 ? DAY : NEXT }),
      ),
    );
    for (const c of calls) if (c.status === 'rejected') expect(isOpdError(c.reason, 'DUPLICATE_BOOKING')).toBe(true);
    expect(calls.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    expect(await liveTokensOf(opd, ['c1', 'n1'], 'same')).toHaveLength(1);
  });
}

/** The live tokens of patient `patientId` with `doctors` on DAY and NEXT. */
async function liveTokensOf(opd: OpdScheduler, doctors: readonly string[], patientId: string) {
  const found = [];
  for (const doctorId of doctors) {
    for (const day of [DAY, NEXT]) {
      const schedule = await opd.getSchedule(doctorId, day);
      const tokens = [...schedule.slots.flatMap((s) => s.places), ...schedule.waitlist];
      found.push(...tokens.filter((t) => t.patient.id === patientId && isLiveStatus(t.status)));
    }
  }
  return found;
}
