/**
 * Leases over HTTP: a desk leases places of a doctor's day, the schedule counts them taken, and
 * the desk gives them back; a desk's exported log is reconciled, and a register written by hand
 * imported, each a second time without changing anything.
 */
import { MemoryStorage } from 'opd-scheduler';
import { OfflineDesk, type Lease } from 'opd-scheduler/desk';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, doctorWithSlots, enc, expectDocumented, expectError, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('leases over HTTP', () => {
  it('grants a lease, counts its places taken in the schedule, refuses one that does not fit, and takes it back', async () => {
    h = await startHarness();
    h.clock.set(`${DAY}T07:00:00Z`);
    await doctorWithSlots(h, 'd1', [9, 10], 2);
    const granted = await h.call('POST', `/api/doctors/d1/days/${DAY}/leases`, {
      body: { deskId: 'WEST', places: 3, categories: ['WALK_IN'], ttlMinutes: 120 },
    });
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

  it('reconciles a desk’s exported log once: a repeat enters nothing, and a malformed log or an unknown lease is refused as the other routes refuse', async () => {
    h = await startHarness();
    h.clock.set(`${DAY}T07:00:00Z`);
    await doctorWithSlots(h, 'd1', [9, 10], 2);
    const granted = await h.call('POST', `/api/doctors/d1/days/${DAY}/leases`, { body: { deskId: 'WEST', places: 3, ttlMinutes: 120 } });
    expect(granted.status, granted.text).toBe(201);
    const lease = granted.body as Lease;
    // The desk, cut off, books two patients and cancels one.
    const desk = await OfflineDesk.open(lease, { storage: new MemoryStorage(), clock: h.clock.now });
    try {
      const a = await desk.book({ category: 'WALK_IN', patient: { id: 'p1', name: 'Asha' }, idempotencyKey: 'west-1' });
      await desk.book({ category: 'WALK_IN', patient: { id: 'p2', name: 'Ravi' }, idempotencyKey: 'west-2' });
      await desk.cancel(a.id, { idempotencyKey: 'west-cancel-1' });
      const path = `/api/doctors/d1/days/${DAY}/leases/${enc(lease.id)}/reconcile`;
      const body = JSON.parse(desk.exportLog()) as unknown[];
      const first = await h.call('POST', path, { body });
      expect(first.status, first.text).toBe(200);
      const report = expectDocumented(h, 'reconcile', first) as {
        applied: { idempotencyKey: string; label: string }[];
        alreadyApplied: unknown[];
        toResolve: unknown[];
        lease: { status: string };
      };
      expect(report.applied.map((c) => [c.idempotencyKey, c.label])).toEqual([
        ['west-1', 'WEST-1'],
        ['west-2', 'WEST-2'],
        ['west-cancel-1', 'WEST-1'],
      ]);
      expect(report.toResolve).toEqual([]);
      expect(report.lease.status).toBe('RETURNED');
      const again = await h.call('POST', path, { body });
      expect(again.status, again.text).toBe(200);
      const repeat = expectDocumented(h, 'reconcile', again) as { applied: unknown[]; alreadyApplied: unknown[] };
      expect([repeat.applied.length, repeat.alreadyApplied.length]).toEqual([0, 3]);
      const schedule = await h.call('GET', `/api/doctors/d1/schedule?date=${DAY}`);
      expect((schedule.body as { slots: { places: { label: string }[] }[] }).slots.flatMap((s) => s.places.map((t) => t.label))).toEqual(['WEST-2']);

      expectError(await h.call('POST', path, { body: [{ kind: 'book', idempotencyKey: 'x' }] }), 400, 'VALIDATION_FAILED');
      expectError(await h.call('POST', path, { body: { log: body } }), 400, 'VALIDATION_FAILED');
      // A lease the day never granted enters nothing, whether its keys are new or were entered under another lease:
      // the log is checked against its lease before any of it is entered.
      const fresh = body.map((c) => ({ ...(c as object), idempotencyKey: `other-${(c as { idempotencyKey: string }).idempotencyKey}` }));
      expectError(await h.call('POST', `/api/doctors/d1/days/${DAY}/leases/${enc('d1~2026-01-30~l9')}/reconcile`, { body: fresh }), 400, 'VALIDATION_FAILED');
      expectError(await h.call('POST', `/api/doctors/d1/days/${DAY}/leases/${enc('d1~2026-01-30~l9')}/reconcile`, { body }), 400, 'VALIDATION_FAILED');
      expectError(await h.call('POST', `/api/doctors/nobody/days/${DAY}/leases/${enc(lease.id)}/reconcile`, { body }), 404, 'DOCTOR_NOT_FOUND');
    } finally {
      await desk.close();
    }
  });

  it('imports a register written by hand: each row by the booking rules, a second import changes nothing, refused rows reported with their code', async () => {
    h = await startHarness();
    h.clock.set(`${DAY}T07:00:00Z`);
    await doctorWithSlots(h, 'd1', [9], 1);
    const rows = [
      { doctorId: 'd1', label: '17', category: 'WALK_IN', slotId: 'd1-09' },
      { doctorId: 'd1', label: '18', category: 'WALK_IN', slotId: 'd1-09', patient: { id: 'p18', name: 'Meena' } },
      { doctorId: 'nobody', label: '1', category: 'WALK_IN', date: DAY },
    ];
    const first = await h.call('POST', '/api/manual-register', { body: rows });
    expect(first.status, first.text).toBe(200);
    const report = expectDocumented(h, 'importManualRegister', first) as {
      entered: { label: string; outcome: string; replayed: boolean }[];
      didNotFit: { label: string; code: string }[];
    };
    expect(report.entered.map((e) => [e.label, e.outcome, e.replayed])).toEqual([
      ['17', 'BOOKED', false],
      ['18', 'WAITLISTED', false],
    ]);
    expect(report.didNotFit).toEqual([{ label: '1', code: 'DOCTOR_NOT_FOUND' }]);
    const again = expectDocumented(h, 'importManualRegister', await h.call('POST', '/api/manual-register', { body: rows })) as {
      entered: { replayed: boolean }[];
    };
    expect(again.entered.map((e) => e.replayed)).toEqual([true, true]);
    expectError(await h.call('POST', '/api/manual-register', { body: { rows } }), 400, 'VALIDATION_FAILED');
    expectError(await h.call('POST', '/api/manual-register', { body: [{ doctorId: 'd1', category: 'WALK_IN' }] }), 400, 'VALIDATION_FAILED');
  });
});
