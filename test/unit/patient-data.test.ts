import { ERASED_PATIENT, MemoryStorage, OpdScheduler, isErasedPatient, presets, type OpdEvent } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, expectInvalid, rejectsWith, TestClock } from '../helpers.js';

const asha = { id: 'ABHA-7731', name: 'Asha Verma', phone: '+91-98100-11111', address: { city: 'Pune' } };
const ravi = { id: 'ABHA-4402', name: 'Ravi Kumar', phone: '+91-98100-22222' };

function setup(extra: { retention?: { patientDataDays: number } } = {}) {
  const clock = new TestClock(at('07:00'));
  const storage = new MemoryStorage();
  const opd = new OpdScheduler({ ...presets.standard(), storage, clock: clock.now, ...extra });
  return { opd, clock, storage };
}

const dumpText = (storage: MemoryStorage): string => JSON.stringify(storage.dump());

describe('patient data: export, erasure, retention', () => {
  it('exports every token of the patient with its patient data and the events about them', async () => {
    const { opd } = setup();
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    await doctorWithSlots(opd, 'd2', [9], 5);
    const one = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: asha, slotId: 'd1-09' });
    const two = await opd.book({ doctorId: 'd2', category: 'WALK_IN', patient: asha, slotId: 'd2-09' });
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: ravi, slotId: 'd1-09' });
    await opd.cancel(two.token.id);
    const out = await opd.exportPatient(asha.id);
    expect(out.tokens.map((t) => t.id)).toEqual([one.token.id, two.token.id]);
    expect(out.tokens[0]!.patient).toEqual(asha);
    expect(out.events.map((e) => [e.type, (e as { tokenId: string }).tokenId])).toEqual([
      ['token:booked', one.token.id],
      ['token:booked', two.token.id],
      ['token:cancelled', two.token.id],
    ]);
    expect(await opd.exportPatient('nobody')).toEqual({ tokens: [], events: [] });
    expect((await rejectsWith(opd.exportPatient(''), 'VALIDATION_FAILED')).details).toMatchObject({ field: 'patientId' });
    expect((await rejectsWith(opd.erasePatient('p', { reason: 7 as never }), 'VALIDATION_FAILED')).details).toMatchObject({ field: 'opts.reason' });
  });

  it('refuses to erase while the patient holds a live token of a day not yet over, and changes nothing', async () => {
    const { opd, storage } = setup();
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    const live = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: asha, slotId: 'd1-09' });
    const before = dumpText(storage);
    const error = await rejectsWith(opd.erasePatient(asha.id), 'PATIENT_HAS_LIVE_TOKENS');
    expect(error.details).toEqual({ tokenIds: [live.token.id] });
    expect(error.message).not.toContain(asha.id);
    expect(dumpText(storage)).toBe(before);
  });

  it('erases the patient of every token and stored idempotent result; counts, ids and statuses stay; idempotent', async () => {
    const { opd, storage } = setup();
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    const key = { idempotencyKey: 'portal-1' };
    const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: asha, slotId: 'd1-09', ...key });
    const other = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: ravi, slotId: 'd1-09' });
    await opd.cancel(booked.token.id);
    const stats = await opd.stats();
    const seen: OpdEvent[] = [];
    opd.on('patient:erased', (e) => seen.push(e));
    const erased = await opd.erasePatient(asha.id, { reason: 'patient request', actor: 'dpo' });
    expect(erased.tokenIds).toEqual([booked.token.id]);
    expect(seen).toEqual(erased.effects);
    expect(seen[0]).toMatchObject({ type: 'patient:erased', tokenId: booked.token.id, doctorId: 'd1', reason: 'patient request', by: 'request', actor: 'dpo' });
    expect(JSON.stringify(seen)).not.toContain(asha.id);
    const token = await opd.getToken(booked.token.id);
    expect(token).toMatchObject({ id: booked.token.id, tokenNumber: booked.token.tokenNumber, status: 'CANCELLED', category: 'ONLINE' });
    expect(token.patient).toEqual(ERASED_PATIENT);
    expect(isErasedPatient(token.patient)).toBe(true);
    expect(await opd.stats()).toEqual(stats);
    expect((await opd.getToken(other.token.id)).patient).toEqual(ravi);
    // The store keeps none of the patient's values; the other patient's stay.
    const text = dumpText(storage);
    for (const value of [asha.id, asha.name, asha.phone, 'Pune']) expect(text).not.toContain(value);
    for (const value of [ravi.id, ravi.name, ravi.phone]) expect(text).toContain(value);
    // A replay of the erased booking's key answers the tombstone; another request with it conflicts.
    const replay = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: asha, slotId: 'd1-09', ...key });
    expect(replay).toMatchObject({ replayed: true, token: { id: booked.token.id, patient: ERASED_PATIENT } });
    await rejectsWith(opd.book({ doctorId: 'd1', category: 'PAID', patient: asha, slotId: 'd1-09', ...key }), 'IDEMPOTENCY_CONFLICT');
    // Idempotent: the id is gone, so nothing is found or erased again.
    expect(await opd.exportPatient(asha.id)).toEqual({ tokens: [], events: [] });
    expect(await opd.erasePatient(asha.id)).toEqual({ tokenIds: [], effects: [] });
    expect(dumpText(storage)).toBe(text);
  });

  it('erases a live token of a day that is over (never swept)', async () => {
    const { opd, clock } = setup();
    await doctorWithSlots(opd, 'd1', [9], 5);
    const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: asha, slotId: 'd1-09' });
    clock.set(at('08:00', '2026-01-31'));
    expect((await opd.erasePatient(asha.id)).tokenIds).toEqual([booked.token.id]);
    expect((await opd.getToken(booked.token.id)).status).toBe('BOOKED');
  });

  it('forgets the patient in the index of a large day', async () => {
    const { opd, clock, storage } = setup();
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 200);
    for (let i = 0; i < 300; i++) await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { id: `bulk-${i}`, name: `Bulk ${i}` } });
    const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: asha });
    expect(booked.outcome).toBe('BOOKED');
    clock.set(at('08:00', '2026-01-31'));
    await opd.erasePatient(asha.id);
    const text = dumpText(storage);
    expect(text).not.toContain(asha.id);
    expect(text).toContain('bulk-17');
  });

  it('purge erases, under the retention option, the patient data of days that ended long enough ago', async () => {
    const { opd, clock } = setup({ retention: { patientDataDays: 2 } });
    await doctorWithSlots(opd, 'd1', [9], 5);
    await doctorWithSlots(opd, 'd2', [9], 5, { day: '2026-02-01' });
    const old = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: asha, slotId: 'd1-09' });
    const later = await opd.book({ doctorId: 'd2', category: 'ONLINE', patient: ravi, slotId: 'd2-09' });
    // 2026-01-30 ended at midnight; two days later, on 02-01, it has not yet ended more than two days ago.
    clock.set(at('12:00', '2026-02-01'));
    expect(await opd.purge()).toEqual({ tokenIds: [], effects: [] });
    clock.set(at('00:30', '2026-02-02'));
    const purged = await opd.purge();
    expect(purged.tokenIds).toEqual([old.token.id]);
    expect(purged.effects[0]).toMatchObject({ type: 'patient:erased', by: 'retention', reason: null });
    expect((await opd.getToken(old.token.id)).patient).toEqual(ERASED_PATIENT);
    expect((await opd.getToken(later.token.id)).patient).toEqual(ravi);
    expect((await opd.purge()).tokenIds).toEqual([]);
  });

  it('validates the retention option and refuses purge without it', async () => {
    for (const bad of [{ patientDataDays: -1 }, { patientDataDays: 1.5 }, { patientDataDays: '3' }, {}, { patientDataDays: 3, other: 1 }, 'x']) {
      expectInvalid(
        () => new OpdScheduler({ retention: bad as never }),
        bad !== null && typeof bad === 'object' && 'other' in bad ? 'retention.other' : bad === 'x' ? 'retention' : 'retention.patientDataDays',
      );
    }
    const { opd } = setup();
    expect((await rejectsWith(opd.purge(), 'VALIDATION_FAILED')).details).toMatchObject({ field: 'retention' });
  });

  it('refuses with STORAGE_FAILURE on an adapter that does not erase patient data', async () => {
    const memory = new MemoryStorage();
    const storage = new Proxy(memory, {
      get: (target, key) =>
        key === 'patientErasure'
          ? undefined
          : (Reflect.get(target, key, target) as unknown as { bind?: unknown }) && typeof Reflect.get(target, key) === 'function'
            ? (Reflect.get(target, key) as (...a: unknown[]) => unknown).bind(target)
            : Reflect.get(target, key),
    });
    const opd = new OpdScheduler({ storage, clock: new TestClock().now });
    await rejectsWith(opd.erasePatient('p1'), 'STORAGE_FAILURE');
    await rejectsWith(opd.exportPatient('p1'), 'STORAGE_FAILURE');
    expect(DAY).toBe('2026-01-30');
  });
});
