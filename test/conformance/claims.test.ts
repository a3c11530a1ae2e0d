/**
 * Claims on every store: memory, PostgreSQL on PGlite and (with DATABASE_URL) on a server. A hold
 * is a claim whose record keeps its actor while it holds the place — the claim's `actor` — and
 * loses it once the claim ends (confirmed, released or expired).
 */
import { OpdScheduler, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { conformanceStores } from './stores.js';

const STORES = conformanceStores('opd_t_claims');

for (const [name, open] of Object.entries(STORES)) {
  describe.skipIf(open === undefined)(`claims on ${name}`, () => {
    it("a hold's record keeps who made it while it holds the place", async () => {
      const store = await open!();
      try {
        const storage = store.storage();
        const opd = new OpdScheduler({ ...presets.standard(), storage, clock: () => new Date('2026-03-23T07:00:00Z') });
        await opd.addDoctor({ id: 'd1', name: 'Dr One' });
        await opd.addSlots('d1', [{ id: 's9', start: '2026-03-23T09:00:00Z', end: '2026-03-23T10:00:00Z', capacity: 3 }]);
        // The hold's claim in its day's list: its actor is the claim's.
        const stored = async (tokenId: string) => {
          const claims = (await storage.read({ doctorId: 'd1', days: ['2026-03-23'] })).days.get('2026-03-23')!.record.claims ?? [];
          const claim = claims.find((c) => c.tokenId === tokenId);
          return claim === undefined ? {} : { heldBy: claim.actor };
        };
        const byDesk = await opd.hold({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'P1' }, holdMinutes: 10, actor: 'fhir-client-7' });
        const anonymous = await opd.hold({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: 'P2' }, holdMinutes: 10 });
        expect((await stored(byDesk.token.id))?.heldBy).toBe('fhir-client-7');
        expect((await stored(anonymous.token.id)).heldBy).toBeNull();
        await opd.confirm(byDesk.token.id, { actor: 'desk' });
        await opd.release(anonymous.token.id);
        expect(await stored(byDesk.token.id)).not.toHaveProperty('heldBy');
        expect(await stored(anonymous.token.id)).not.toHaveProperty('heldBy');
        await opd.close();
      } finally {
        await store.cleanup();
      }
    });
    it('a hold or a lease whose end has passed holds no place in any view, swept or not: the slot, the schedule and availability agree', async () => {
      const store = await open!();
      try {
        const clock = { now: Date.parse('2026-03-23T07:00:00Z') };
        const opd = new OpdScheduler({ ...presets.standard(), storage: store.storage(), clock: () => new Date(clock.now) });
        await opd.addDoctor({ id: 'd1', name: 'Dr One' });
        await opd.addSlots('d1', [{ id: 's9', start: '2026-03-23T09:00:00Z', end: '2026-03-23T10:00:00Z', capacity: 3 }]);
        await opd.hold({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'P1' }, holdMinutes: 10 });
        await opd.leaseCapacity({ deskId: 'WEST', doctorId: 'd1', date: '2026-03-23', places: 1, ttlMinutes: 20 });
        const views = async () => {
          const slot = await opd.getSlot('s9');
          const day = (await opd.getSchedule('d1', '2026-03-23')).slots[0]!;
          const [open] = await opd.availability({ doctorId: 'd1', category: 'ONLINE', from: '2026-03-23T00:00:00Z', to: '2026-03-24T00:00:00Z' });
          expect(day).toMatchObject({ free: slot.free, claimed: slot.claimed, leased: slot.leased });
          return { free: slot.free, claimed: slot.claimed, leased: slot.leased, available: open!.places };
        };
        expect(await views()).toEqual({ free: 1, claimed: 2, leased: 1, available: 1 });
        clock.now += 10 * 60_000; // the hold has ended, not swept
        expect(await views()).toEqual({ free: 2, claimed: 1, leased: 1, available: 2 });
        clock.now += 10 * 60_000; // the lease has ended too
        expect(await views()).toEqual({ free: 3, claimed: 0, leased: 0, available: 3 });
        await opd.sweep();
        expect(await views()).toEqual({ free: 3, claimed: 0, leased: 0, available: 3 });
        await opd.close();
      } finally {
        await store.cleanup();
      }
    });
  });
}
