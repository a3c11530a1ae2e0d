/**
 * Booking windows on every store: memory, PostgreSQL on PGlite and (with DATABASE_URL) on a
 * server. Windows keep no state; every store runs the one rule of the core, so what one store
 * answers, every store answers, and a refused call leaves every store as it was.
 */
import { type BookingWindows, OpdScheduler, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { allHistory, rejectsWith } from '../helpers.js';
import { conformanceStores } from './stores.js';

const STORES = conformanceStores('opd_t_windows');

/** The hospital: online up to 7 days ahead, opening at 08:00 a week before; walk-ins the same day only; cancel until 2 hours before. */
const WINDOWS: BookingWindows = {
  ONLINE: { maxDaysAhead: 7, opensAt: { daysBefore: 7, at: '08:00' }, cancelCutoffMinutes: 120 },
  WALK_IN: { sameDayOnly: true },
  exemptActors: ['front-desk'],
};

for (const [name, open] of Object.entries(STORES)) {
  describe.skipIf(open === undefined)(`booking windows on ${name}`, () => {
    it('every path honours the window and the cut-off; refusals change nothing', async () => {
      const store = await open!();
      try {
        const clock = { now: Date.parse('2026-03-23T07:00:00Z') };
        const opd = new OpdScheduler({
          ...presets.waitlist(),
          storage: store.storage(),
          timeZone: 'Asia/Kolkata',
          bookingWindows: WINDOWS,
          clock: () => new Date(clock.now),
        });
        await opd.addDoctor({ id: 'd1', name: 'Dr One' });
        // 10:00 and 11:00 in Kolkata on the 23rd, and 10:00 a week later.
        await opd.addSlots('d1', [
          { id: 'today-10', start: '2026-03-23T04:30:00Z', end: '2026-03-23T05:30:00Z', capacity: 2 },
          { id: 'today-11', start: '2026-03-23T05:30:00Z', end: '2026-03-23T06:30:00Z', capacity: 2 },
          { id: 'week-10', start: '2026-03-30T04:30:00Z', end: '2026-03-30T05:30:00Z', capacity: 2 },
        ]);
        clock.now = Date.parse('2026-03-23T02:00:00Z'); // 07:30 in Kolkata
        const patient = (id: string) => ({ id, name: `Patient ${id}` });
        const before = await allHistory(opd);
        const early = await rejectsWith(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('a'), slotId: 'week-10' }), 'OUTSIDE_BOOKING_WINDOW');
        // 08:00 in Kolkata on the 23rd: 02:30 UTC.
        expect(early.details).toMatchObject({ opensAt: '2026-03-23T02:30:00.000Z', closesAt: null, slotId: 'week-10' });
        await rejectsWith(opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: patient('b'), date: '2026-03-30' }), 'OUTSIDE_BOOKING_WINDOW');
        expect(await allHistory(opd)).toEqual(before);
        expect((await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: patient('b'), date: '2026-03-30', actor: 'front-desk' })).token.slotId).toBe(
          'week-10',
        );
        expect((await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: patient('c'), slotId: 'week-10' })).outcome).toBe('BOOKED');

        clock.now = Date.parse('2026-03-23T02:30:00Z');
        const online = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('a'), slotId: 'week-10' });
        expect(online.outcome).toBe('WAITLISTED');
        const soon = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('d') });
        expect(soon.token.slotId).toBe('today-10');
        // 08:31 UTC is within 2 hours of 10:00 in Kolkata (04:30 UTC): too late to cancel.
        clock.now = Date.parse('2026-03-23T02:31:00Z');
        const cut = await rejectsWith(opd.cancel(soon.token.id), 'CANCEL_CUTOFF');
        expect(cut.details).toMatchObject({ cutoffAt: '2026-03-23T02:30:00.000Z', slotId: 'today-10' });
        expect((await opd.cancel(online.token.id)).token.status).toBe('CANCELLED');
        expect((await opd.cancel(soon.token.id, { actor: 'front-desk' })).token.status).toBe('CANCELLED');

        // A fresh scheduler over the same store answers the same.
        const again = new OpdScheduler({
          ...presets.waitlist(),
          storage: store.storage(),
          timeZone: 'Asia/Kolkata',
          bookingWindows: WINDOWS,
          clock: () => new Date(clock.now),
        });
        await rejectsWith(again.book({ doctorId: 'd1', category: 'WALK_IN', patient: patient('e'), slotId: 'week-10' }), 'OUTSIDE_BOOKING_WINDOW');
      } finally {
        await store.cleanup();
      }
    });
  });
}
