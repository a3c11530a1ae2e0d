import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, KEY, KEY_ACTOR, book, doctorWithSlots, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ apiKey: KEY });
});
afterEach(async () => {
  await h.close();
});

describe('doctor management', () => {
  // Some fifteen calls over HTTP: more than the default 5 s on a machine busy with the rest of the suite.
  it('reads a doctor, changes it with PATCH, and moves the estimates with consultMinutes', async () => {
    await doctorWithSlots(h, 'd1', [9], 10);
    await book(h, 'd1', 'ONLINE', { slotId: 'd1-09' });
    const second = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09' }));
    const read = await h.call('GET', '/api/doctors/d1');
    expect(expectDocumented(h, 'getDoctor', read)).toMatchObject({ id: 'd1', room: null, retiredFrom: null, retiredReason: null });

    const patched = await h.call('PATCH', '/api/doctors/d1', { body: { room: 'OPD-4', consultMinutes: 15 }, headers: { 'X-Actor': KEY_ACTOR } });
    expect(patched.status).toBe(200);
    expect(expectDocumented(h, 'updateDoctor', patched)).toMatchObject({ id: 'd1', room: 'OPD-4', consultMinutes: 15 });
    expect((await h.call('GET', `/api/tokens/${second.id}`)).body).toMatchObject({ estimatedStart: `${DAY}T09:15:00.000Z` });
    const history = (await h.call('GET', '/api/history')).body as { events: { type: string; actor: string | null; changes?: unknown }[] };
    expect(history.events.filter((e) => e.type === 'doctor:updated')).toEqual([
      expect.objectContaining({ actor: KEY_ACTOR, changes: { room: { before: null, after: 'OPD-4' }, consultMinutes: { before: null, after: 15 } } }),
    ]);
    expectDocumented(h, 'history', await h.call('GET', '/api/history'));

    expect(expectError(await h.call('PATCH', '/api/doctors/d1', { body: {} }), 400, 'VALIDATION_FAILED').details['field']).toBe('patch');
    expect(expectError(await h.call('PATCH', '/api/doctors/d1', { body: { capacity: 3 } }), 400, 'VALIDATION_FAILED').details['field']).toBe('capacity');
    expectError(await h.call('PATCH', '/api/doctors/d1', { body: { consultMinutes: -1 } }), 400, 'VALIDATION_FAILED');
    expectError(await h.call('PATCH', '/api/doctors/nobody', { body: { name: 'X' } }), 404, 'DOCTOR_NOT_FOUND');
    expectError(await h.call('GET', '/api/doctors/nobody'), 404, 'DOCTOR_NOT_FOUND');
  });

  it('previews a retirement, retires the doctor, then refuses bookings past it and a second retirement', async () => {
    await doctorWithSlots(h, 'd1', [9, 10], 2);
    const late = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-10' }));
    const retirement = { from: `${DAY}T10:00:00Z`, reason: 'retired' };
    const preview = expectDocumented(h, 'retireDoctor', await h.call('POST', '/api/doctors/d1/retire?dryRun=true', { body: retirement })) as {
      dryRun: boolean;
      doctor: { retiredFrom: string | null };
      effects: { type: string; seq: number }[];
    };
    expect(preview.dryRun).toBe(true);
    expect(preview.doctor.retiredFrom).toBe(`${DAY}T10:00:00.000Z`);
    expect(preview.effects.map((e) => e.type)).toEqual(['doctor:retired', 'slot:closed', 'token:waitlisted']);
    expect((await h.call('GET', '/api/doctors/d1')).body).toMatchObject({ retiredFrom: null });

    const answer = await h.call('POST', '/api/doctors/d1/retire', { body: retirement });
    expect(answer.status).toBe(200);
    const retired = expectDocumented(h, 'retireDoctor', answer) as { dryRun: boolean; effects: { type: string; retiredFrom?: string }[] };
    expect(retired.dryRun).toBe(false);
    expect(retired.effects[0]).toMatchObject({ type: 'doctor:retired', retiredFrom: `${DAY}T10:00:00.000Z`, reason: 'retired', reassign: null });
    expect((await h.call('GET', `/api/tokens/${late.id}`)).body).toMatchObject({ status: 'WAITLISTED' });
    expect((await h.call('GET', '/api/doctors')).body).toMatchObject({
      doctors: [{ id: 'd1', retiredFrom: `${DAY}T10:00:00.000Z`, retiredReason: 'retired' }],
    });

    expect(expectError(await book(h, 'd1', 'ONLINE', { slotId: 'd1-10' }), 422, 'DOCTOR_RETIRED').details).toMatchObject({
      doctorId: 'd1',
      retiredFrom: `${DAY}T10:00:00.000Z`,
    });
    expect(tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09' })).status).toBe('BOOKED');
    expectError(await h.call('POST', '/api/doctors/d1/retire', { body: retirement }), 422, 'DOCTOR_RETIRED');
    expect(expectError(await h.call('POST', '/api/doctors/d1/retire', { body: { from: 'later' } }), 400, 'VALIDATION_FAILED').details['field']).toBe(
      'retirement.from',
    );
    expectError(await h.call('POST', '/api/doctors/nobody/retire', { body: retirement }), 404, 'DOCTOR_NOT_FOUND');
  });
});
