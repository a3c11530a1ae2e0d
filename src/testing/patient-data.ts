/**
 * Patient data (the `patientData` capability): export, erasure and purge through the adapter's
 * `findPatientTokens` and its writes of erased tokens and idempotency keys. After an erasure no
 * token the store hands out carries the patient's values, a replay of the erased booking's key
 * answers the tombstone, and concurrent units of the same doctors lose nothing.
 */
import { expect, it } from 'vitest';
import { ERASED_PATIENT, type OpdScheduler, type StorageAdapter } from '../index.js';
import { DAY, type Suite, withSlots } from './fixtures.js';

const NEXT_DAY = '2026-01-31';
const asha = { id: 'ABHA-91-0001', name: 'Asha Verma', phone: '+91-98100-11111', village: 'Khandala' };

/** Every token the store holds, read through `scanDays`, as text. */
async function storedText(storage: StorageAdapter): Promise<string> {
  const parts: unknown[] = [];
  for await (const day of storage.scanDays({})) parts.push(day.tokens);
  return JSON.stringify(parts);
}

/** Asha's bookings: two doctors, two days, one with an idempotency key, each then ended. */
async function ashaVisits(opd: OpdScheduler): Promise<string[]> {
  await withSlots(opd, 'd1', [9, 10], 5);
  await withSlots(opd, 'd2', [9], 5);
  await withSlots(opd, 'd1', [9], 5, NEXT_DAY);
  const one = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: asha, slotId: 'd1-09', idempotencyKey: 'portal-77' });
  const two = await opd.book({ doctorId: 'd2', category: 'WALK_IN', patient: asha, slotId: 'd2-09' });
  const three = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: asha, slotId: `d1-09-${NEXT_DAY}` });
  await opd.cancel(one.token.id);
  await opd.cancel(three.token.id);
  return [one.token.id, two.token.id, three.token.id];
}

/** Declares the tests of this part of the conformance suite. */
export function patientDataTests(suite: Suite): void {
  const { timeout, scheduler } = suite;

  it('exports, refuses while a token is live, then erases every copy of the patient and answers a replay with the tombstone', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    const ids = await ashaVisits(opd);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'other', name: 'Ravi Kumar' }, slotId: 'd1-10' });
    const exported = await opd.exportPatient(asha.id);
    expect(exported.tokens.map((t) => t.id)).toEqual([...ids].sort());
    expect(exported.tokens.every((t) => t.patient['phone'] === asha.phone)).toBe(true);
    expect(exported.events.filter((e) => e.type === 'token:cancelled')).toHaveLength(2);
    // d2's token is live today: nothing is erased.
    const refused = await opd.erasePatient(asha.id).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'PATIENT_HAS_LIVE_TOKENS', details: { tokenIds: [ids[1]] } });
    expect((await opd.exportPatient(asha.id)).tokens).toHaveLength(3);
    await opd.cancel(ids[1]!);
    const stats = await opd.stats();
    const erased = await opd.erasePatient(asha.id, { reason: 'request', actor: 'dpo' });
    expect([...erased.tokenIds].sort()).toEqual([...ids].sort());
    expect(erased.effects.map((e) => e.type)).toEqual(['patient:erased', 'patient:erased', 'patient:erased']);
    for (const id of ids) expect((await opd.getToken(id)).patient).toEqual(ERASED_PATIENT);
    expect(await opd.stats()).toEqual(stats);
    const text = await storedText(storage);
    for (const value of Object.values(asha)) expect(text).not.toContain(value);
    expect(text).toContain('Ravi Kumar');
    const replay = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: asha, slotId: 'd1-09', idempotencyKey: 'portal-77' });
    expect(replay).toMatchObject({ replayed: true, token: { id: ids[0], patient: ERASED_PATIENT } });
    expect(JSON.stringify(replay)).not.toContain(asha.name);
    expect(await opd.exportPatient(asha.id)).toEqual({ tokens: [], events: [] });
    expect(await opd.erasePatient(asha.id)).toEqual({ tokenIds: [], effects: [] });
    const history = await opd.history({ limit: 1000 });
    expect(JSON.stringify(history)).not.toContain(asha.id);
  });

  it('erases while other patients book with the same doctor, losing none of their places', { timeout }, async () => {
    const { opd, clock } = await scheduler();
    const ids = await ashaVisits(opd);
    await opd.cancel(ids[1]!);
    clock.set(`${DAY}T02:00:00Z`);
    const [erased, ...booked] = await Promise.all([
      opd.erasePatient(asha.id),
      ...Array.from({ length: 8 }, (_, i) =>
        opd.book({
          doctorId: i % 2 === 0 ? 'd1' : 'd2',
          category: 'ONLINE',
          patient: { id: `q${i}`, name: `Q ${i}` },
          slotId: i % 2 === 0 ? 'd1-10' : 'd2-09',
        }),
      ),
    ]);
    expect(erased.tokenIds).toHaveLength(3);
    for (const b of booked) expect((await opd.getToken(b.token.id)).patient).toEqual(b.token.patient);
    for (const id of ids) expect((await opd.getToken(id)).patient).toEqual(ERASED_PATIENT);
  });

  it('purges the patient data of days that ended more than retention.patientDataDays ago, once', { timeout }, async () => {
    const { opd, clock, storage } = await scheduler({ retention: { patientDataDays: 1 } });
    const ids = await ashaVisits(opd);
    // At noon IST on 02-01, 01-30 ended 36 hours ago (more than one day), 01-31 only 12 hours ago.
    clock.set('2026-02-01T06:30:00Z');
    const purged = await opd.purge();
    expect([...purged.tokenIds].sort()).toEqual([ids[0], ids[1]].sort());
    expect((await opd.getToken(ids[2]!)).patient).toEqual(asha);
    expect((await opd.purge()).tokenIds).toEqual([]);
    const found = await storage.findPatientTokens!({ patientId: asha.id });
    expect(found.map((t) => t.id)).toEqual([ids[2]]);
  });
}
