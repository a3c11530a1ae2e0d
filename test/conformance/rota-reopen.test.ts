/**
 * Weekly rotas and reopening on every store: memory, PostgreSQL on PGlite and (with
 * DATABASE_URL) on a server. What one store answers, every store answers, and what a store
 * keeps survives a fresh scheduler over it.
 */
import { OpdScheduler, presets, type RotaInput } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { rejectsWith } from '../helpers.js';
import { conformanceStores } from './stores.js';

const STORES = conformanceStores('opd_t_rota');

const ROTA: RotaInput = {
  weekly: [
    { weekday: 7, start: '09:00', end: '10:00', slotMinutes: 30, capacity: 1 },
    { weekday: 1, start: '09:00', end: '10:00', slotMinutes: 60, capacity: 2 },
  ],
  from: '2026-03-22',
  to: '2026-04-06',
  except: ['2026-03-30'],
};

for (const [name, open] of Object.entries(STORES)) {
  describe.skipIf(open === undefined)(`rotas and reopening on ${name}`, () => {
    it('a rota is created once, in local time across the clock change, and kept', async () => {
      const store = await open!();
      try {
        const clock = () => new Date('2026-03-01T00:00:00Z');
        const opd = new OpdScheduler({ storage: store.storage(), timeZone: 'Europe/London', clock });
        await opd.addDoctor({ id: 'd1', name: 'Dr One' });
        const slots = await opd.addRecurringSlots('d1', ROTA);
        expect(slots.map((s) => s.start.toISOString())).toEqual([
          '2026-03-22T09:00:00.000Z',
          '2026-03-22T09:30:00.000Z',
          '2026-03-23T09:00:00.000Z',
          '2026-03-29T08:00:00.000Z',
          '2026-03-29T08:30:00.000Z',
          '2026-04-05T08:00:00.000Z',
          '2026-04-05T08:30:00.000Z',
          '2026-04-06T08:00:00.000Z',
        ]);
        const again = new OpdScheduler({ storage: store.storage(), timeZone: 'Europe/London', clock });
        expect(await again.addRecurringSlots('d1', { ...ROTA, except: [] })).toEqual([
          expect.objectContaining({ id: 'd1@2026-03-30T08:00:00Z', start: new Date('2026-03-30T08:00:00Z'), capacity: 2 }),
        ]);
        await again.addSlots('d1', [{ id: 'extra', start: '2026-04-12T08:15:00Z', end: '2026-04-12T08:45:00Z', capacity: 1 }]);
        await rejectsWith(again.addRecurringSlots('d1', { ...ROTA, to: '2026-04-13' }), 'SLOT_OVERLAP');
        expect((await again.getSchedule('d1', '2026-04-13')).slots).toEqual([]);
        expect((await again.getSchedule('d1', '2026-03-29')).slots.map((v) => v.slot.id)).toEqual(['d1@2026-03-29T08:00:00Z', 'd1@2026-03-29T08:30:00Z']);
      } finally {
        await store.cleanup();
      }
    });

    it('a reopened slot is open again for every reader and takes the waitlist', async () => {
      const store = await open!();
      try {
        let now = new Date('2026-01-30T07:00:00Z');
        const opd = new OpdScheduler({ ...presets.standard(), storage: store.storage(), clock: () => now });
        await opd.addDoctor({ id: 'd1', name: 'Dr One' });
        await opd.addSlots('d1', [{ id: 's9', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 1 }]);
        await opd.closeSlot('s9', { reason: 'by mistake' });
        const waiting = await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { id: 'p1', name: 'A' }, date: '2026-01-30' });
        expect(waiting.token.status).toBe('WAITLISTED');
        const effects = await opd.reopenSlot('s9');
        expect(effects.map((e) => e.type)).toEqual(['slot:reopened', 'token:promoted']);
        const reader = new OpdScheduler({ storage: store.storage(), clock: () => now });
        expect((await reader.getSlot('s9')).slot).toMatchObject({ status: 'OPEN', closedReason: null });
        expect(await reader.getToken(waiting.token.id)).toMatchObject({ status: 'BOOKED', slotId: 's9' });
        expect((await reader.history()).map((e) => e.type)).toEqual(['slot:closed', 'token:waitlisted', 'slot:reopened', 'token:promoted']);
        await rejectsWith(reader.reopenSlot('s9'), 'VALIDATION_FAILED');
        await opd.closeSlot('s9');
        now = new Date('2026-01-30T10:00:00Z');
        await rejectsWith(reader.reopenSlot('s9'), 'SLOT_ENDED');
      } finally {
        await store.cleanup();
      }
    });
  });
}
