/**
 * Leases over HTTP: a desk leases places of a doctor's day, the schedule counts them taken, and
 * the desk gives them back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, doctorWithSlots, enc, expectDocumented, expectError, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('leases over HTTP', { timeout: 30_000 }, () => {
  it('grants a lease, counts its places taken in the schedule, refuses one that does not fit, and takes it back', async () => {
    h = await startHarness();
    h.clock.set(`${DAY}T07:00:00Z`);
    await doctorWithSlots(h, 'd1', [9, 10], 2);
    const granted = await h.call('POST', `/api/doctors/d1/days/${DAY}/leases`, { body: { deskId: 'WEST', places: 3, categories: ['WALK_IN'], ttlMinutes: 120 } });
    expect(granted.status, granted.text).toBe(201);
    const lease = expectDocumented(h, 'leaseCapacity', granted) as { id: string; prefix: string; status: string; slots: { slotId: string; places: number }[] };
    expect(lease).toMatchObject({ prefix: 'WEST-', status: 'ACTIVE' });
    expect(lease.slots.map((s) => [s.slotId, s.places])).toEqual([
      ['d1-09', 2],
      ['d1-10', 1],
    ]);
    const schedule = await h.call('GET', `/api/doctors/d1/schedule?date=${DAY}`);
    expect((schedule.body as { slots: { free: number; leased: number }[] }).slots.map((s) => [s.free, s.leased])).toEqual([
      [0, 2],
      [1, 1],
    ]);
    expectError(await h.call('POST', `/api/doctors/d1/days/${DAY}/leases`, { body: { deskId: 'EAST', places: 2, ttlMinutes: 60 } }), 409, 'SLOT_FULL');
    expectError(await h.call('POST', `/api/doctors/d1/days/${DAY}/leases`, { body: { deskId: 'EAST', places: 0, ttlMinutes: 60 } }), 400, 'VALIDATION_FAILED');
    const back = await h.call('POST', `/api/doctors/d1/days/${DAY}/leases/${enc(lease.id)}/return`);
    expect(back.status, back.text).toBe(200);
    expect((expectDocumented(h, 'returnLease', back) as { status: string }).status).toBe('RETURNED');
  });
});
