import { OpdScheduler, presets, type OpdSchedulerOptions } from 'opd-scheduler';
import type { Lease } from 'opd-scheduler/desk';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { at, DAY, doctorWithSlots, rejectsWith, request, TestClock } from '../helpers.js';

const standard: OpdSchedulerOptions = { ...presets.standard() };

const stores = conformanceStores('desk_leases');

/** The free places of each slot of the doctor's day, by slot id. */
async function freeBySlot(opd: OpdScheduler, doctorId: string): Promise<Record<string, number>> {
  const schedule = await opd.getSchedule(doctorId, DAY);
  return Object.fromEntries(schedule.slots.map((s) => [s.slot.id, s.free]));
}

describe.each(Object.entries(stores).filter(([, open]) => open !== undefined))('leases of places to a desk (%s)', (_name, open) => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
    cleanups = [];
  });
  /** A scheduler on a fresh store of this kind, with a test clock at 07:00. */
  const scheduler = async (options: OpdSchedulerOptions): Promise<{ opd: OpdScheduler; clock: TestClock }> => {
    const store = await open!();
    const clock = new TestClock(at('07:00'));
    const opd = new OpdScheduler({ ...options, storage: store.storage(), clock: clock.now });
    cleanups.push(async () => {
      await opd.close();
      await store.cleanup();
    });
    return { opd, clock };
  };
  it('a lease takes the earliest free places, counted taken by schedules, availability and bookings', async () => {
    const { opd } = await scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 2, { overflowCapacity: 0 });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const lease: Lease = await opd.leaseCapacity({ deskId: 'D1', doctorId: 'd1', date: DAY, places: 3, categories: ['WALK_IN', 'EMERGENCY'], ttlMinutes: 120 });
    expect(lease).toMatchObject({ deskId: 'D1', doctorId: 'd1', date: DAY, status: 'ACTIVE', prefix: 'D1-', categories: ['WALK_IN', 'EMERGENCY'] });
    expect(lease.slots.map((s) => [s.slotId, s.places, s.used])).toEqual([
      ['d1-09', 1, 0],
      ['d1-10', 2, 0],
    ]);
    expect(lease.endsAt).toEqual(at('09:00'));
    expect(await freeBySlot(opd, 'd1')).toEqual({ 'd1-09': 0, 'd1-10': 0, 'd1-11': 2 });
    const open = await opd.availability({ doctorId: 'd1', category: 'ONLINE', from: at('07:00'), to: at('12:00') });
    expect(open.filter((a) => a.available).map((a) => a.slot.id)).toEqual(['d1-11']);
    // A booking naming a leased slot goes on to the next slot with room.
    const next = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    expect(next.token.slotId).toBe('d1-11');
  });

  it('an emergency at the central desk never takes a leased place: it goes elastic or elsewhere', async () => {
    const { opd } = await scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 1 });
    await opd.leaseCapacity({ deskId: 'D1', doctorId: 'd1', date: DAY, places: 1, ttlMinutes: 60 });
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
    const slot = await opd.getSlot('d1-09');
    // The leased place is still claimed; the emergency took the elastic place.
    expect(slot.claimed).toBe(1);
    expect(slot.places.length + slot.claimed).toBe(2);
  });

  it('a lease whose time ends returns its unused places by itself, and the waitlist is promoted into them', async () => {
    const { opd, clock } = await scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    await opd.leaseCapacity({ deskId: 'D1', doctorId: 'd1', date: DAY, places: 2, ttlMinutes: 30 });
    const waiting = await opd.book(request('d1', 'WALK_IN'));
    expect(waiting.outcome).toBe('WAITLISTED');
    clock.advance(30);
    const effects = await opd.sweep();
    expect(effects.find((e) => e.type === 'lease:expired')).toMatchObject({ deskId: 'D1', day: DAY, freed: 2 });
    expect(effects.filter((e) => e.type === 'token:promoted').map((e) => ('tokenId' in e ? e.tokenId : null))).toEqual([waiting.token.id]);
    expect(await freeBySlot(opd, 'd1')).toEqual({ 'd1-09': 0, 'd1-10': 1 });
    // The desk may lease again once its lease has ended.
    const again = await opd.leaseCapacity({ deskId: 'D1', doctorId: 'd1', date: DAY, places: 1, ttlMinutes: 30 });
    expect(again.id).toBe(`d1~${DAY}~l2`);
    expect(again.slots.map((s) => [s.slotId, s.places])).toEqual([['d1-10', 1]]);
    expect(await freeBySlot(opd, 'd1')).toEqual({ 'd1-09': 0, 'd1-10': 0 });
  });

  it('returnLease gives the unused places back at once; a second return changes nothing', async () => {
    const { opd } = await scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 3, { overflowCapacity: 0 });
    const lease = await opd.leaseCapacity({ deskId: 'D2', doctorId: 'd1', date: DAY, places: 2, ttlMinutes: 60 });
    expect(await freeBySlot(opd, 'd1')).toEqual({ 'd1-09': 1 });
    const returned = await opd.returnLease(lease);
    expect(returned.status).toBe('RETURNED');
    expect((await opd.history()).map((e) => [e.type, 'leaseId' in e ? e.leaseId : null, 'freed' in e ? e.freed : null])).toEqual([
      ['lease:granted', lease.id, null],
      ['lease:returned', lease.id, 2],
    ]);
    expect(await freeBySlot(opd, 'd1')).toEqual({ 'd1-09': 3 });
    expect(await opd.returnLease(lease)).toEqual(returned);
  });

  it('refuses bad requests with a clear OpdError and changes nothing', async () => {
    const { opd } = await scheduler(standard);
    await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 0 });
    const good = { deskId: 'D1', doctorId: 'd1', date: DAY, places: 1, ttlMinutes: 60 };
    await rejectsWith(opd.leaseCapacity({ ...good, deskId: 'a desk' }), 'VALIDATION_FAILED');
    await rejectsWith(opd.leaseCapacity({ ...good, places: 0 }), 'VALIDATION_FAILED');
    await rejectsWith(opd.leaseCapacity({ ...good, ttlMinutes: 0 }), 'VALIDATION_FAILED');
    await rejectsWith(opd.leaseCapacity({ ...good, categories: ['NOPE'] }), 'VALIDATION_FAILED');
    await rejectsWith(opd.leaseCapacity({ ...good, doctorId: 'd9' }), 'DOCTOR_NOT_FOUND');
    const full = await rejectsWith(opd.leaseCapacity({ ...good, places: 3 }), 'SLOT_FULL');
    expect(full.details).toMatchObject({ free: 2 });
    await opd.leaseCapacity(good);
    await rejectsWith(opd.leaseCapacity(good), 'VALIDATION_FAILED');
    await rejectsWith(opd.returnLease({ id: 'nope', doctorId: 'd1', date: DAY }), 'VALIDATION_FAILED');
    expect(await freeBySlot(opd, 'd1')).toEqual({ 'd1-09': 1 });
  });
});
