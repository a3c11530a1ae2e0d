import { ChannelQuota, presets, StagedOffers } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, observe, rejectsWith, request, scheduler } from '../helpers.js';

const WINDOW = { from: at('00:00'), to: at('23:59') };

describe('availability', () => {
  it('lists every usable slot of the window with the places a channel would get', async () => {
    const { opd, clock } = scheduler({ ...presets.standard() });
    await doctorWithSlots(opd, 'd1', [8, 9, 10], 2);
    clock.set(at('07:00'));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.hold({ ...request('d1', 'ONLINE', { slotId: 'd1-10' }), holdMinutes: 10 });
    const before = await observe(opd, 'd1', DAY);
    const slots = await opd.availability({ doctorId: 'd1', category: 'ONLINE', ...WINDOW });
    expect(slots.map((s) => [s.slot.id, s.available, s.places, s.reason])).toEqual([
      ['d1-08', true, 2, null],
      ['d1-09', false, 0, 'full'],
      // A hold is a claim: its place counts as taken.
      ['d1-10', true, 1, null],
    ]);
    // Nothing written.
    expect(await observe(opd, 'd1', DAY)).toEqual(before);
    // An ended slot is not listed; the window bounds the slots' starts.
    clock.set(at('09:05'));
    expect((await opd.availability({ doctorId: 'd1', category: 'ONLINE', ...WINDOW })).map((s) => s.slot.id)).toEqual(['d1-09', 'd1-10']);
    expect((await opd.availability({ doctorId: 'd1', category: 'ONLINE', from: at('09:30'), to: at('10:00') })).map((s) => s.slot.id)).toEqual([]);
  });

  it('an emergency sees the elastic place the overflow strategy grants', async () => {
    const { opd } = scheduler({ ...presets.elastic() });
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const [walkIn] = await opd.availability({ doctorId: 'd1', category: 'WALK_IN', ...WINDOW });
    const [emergency] = await opd.availability({ doctorId: 'd1', category: 'EMERGENCY', ...WINDOW });
    expect(walkIn).toMatchObject({ available: false, reason: 'full' });
    expect(emergency).toMatchObject({ available: true, elastic: true, places: 1, reason: null });
  });

  it('answers full, not an error, where full slots refuse a booking (cascade)', async () => {
    const { opd } = scheduler({ ...presets.cascade(), quota: new ChannelQuota({ ONLINE: { count: 1 } }) });
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    await expect(opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }))).rejects.toMatchObject({ code: 'SLOT_FULL' });
    const online = await opd.availability({ doctorId: 'd1', category: 'ONLINE', ...WINDOW });
    expect(online.map((s) => [s.slot.id, s.available, s.reason])).toEqual([
      ['d1-09', false, 'full'],
      ['d1-10', false, 'full'],
      ['d1-11', true, null],
    ]);
  });

  it('says why: the quota, the booking window, a duplicate', async () => {
    const { opd, clock } = scheduler({
      ...presets.standard(),
      quota: new ChannelQuota({ ONLINE: { count: 1 } }),
      bookingWindows: { ONLINE: { minNoticeMinutes: 120 } },
    });
    await doctorWithSlots(opd, 'd1', [8, 11, 12], 3);
    clock.set(at('07:00'));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-11', patientId: 'asha' }));
    const online = await opd.availability({ doctorId: 'd1', category: 'ONLINE', ...WINDOW });
    expect(online.map((s) => [s.slot.id, s.reason, s.places])).toEqual([
      ['d1-08', 'outside-window', 0],
      ['d1-11', 'quota', 0],
      ['d1-12', null, 1],
    ]);
    const asha = await opd.availability({ doctorId: 'd1', category: 'WALK_IN', patient: { id: 'asha', name: 'Asha' }, ...WINDOW });
    expect(asha.map((s) => s.reason)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    const walkIn = await opd.availability({ doctorId: 'd1', category: 'WALK_IN', ...WINDOW });
    expect(walkIn.map((s) => s.places)).toEqual([3, 2, 3]);
  });

  it('asks without a patient under duplicate rules of any scope', async () => {
    for (const scope of ['doctor-day', 'department-day', 'facility-day'] as const) {
      const { opd } = scheduler({ ...presets.standard(), duplicates: { scope } });
      await opd.addDoctor({ id: 'd1', name: 'Dr One', department: 'opd' });
      await opd.addSlots('d1', [{ id: 's9', start: at('09:00'), end: at('10:00'), capacity: 1 }]);
      expect(
        (await opd.availability({ doctorId: 'd1', category: 'ONLINE', ...WINDOW })).map((s) => s.available),
        scope,
      ).toEqual([true]);
    }
  });

  it('counts a place held for an offer as taken', async () => {
    const { opd, clock } = scheduler({ ...presets.waitlist(), offers: new StagedOffers({ windowMinutes: 15, groupSize: 1 }) });
    await doctorWithSlots(opd, 'd1', [9], 1);
    clock.set(at('07:00'));
    const first = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.cancel(first.token.id);
    const [slot] = await opd.availability({ doctorId: 'd1', category: 'ONLINE', ...WINDOW });
    expect(slot).toMatchObject({ available: false, reason: 'full' });
    expect((await opd.getSlot('d1-09')).claimed).toBe(1);
  });

  it('agrees with the booking it describes, slot by slot', async () => {
    const { opd, clock } = scheduler({
      ...presets.standard(),
      quota: new ChannelQuota({ ONLINE: { share: 0.5, reserve: 0 }, PAID: { reserve: 1, releaseMinutesBefore: 30 } }),
    });
    await doctorWithSlots(opd, 'd1', [8, 9, 10, 11], 2);
    clock.set(at('07:45'));
    for (let round = 0; round < 6; round++) {
      for (const category of ['ONLINE', 'WALK_IN', 'PAID']) {
        const slots = await opd.availability({ doctorId: 'd1', category, ...WINDOW });
        const open = slots.find((s) => s.available);
        if (open === undefined) continue;
        const { token, outcome } = await opd.book(request('d1', category, { slotId: open.slot.id }));
        expect([outcome, token.slotId]).toEqual(['BOOKED', open.slot.id]);
        const closed = slots.find((s) => !s.available);
        if (closed !== undefined) {
          const refused = await opd.book(request('d1', category, { slotId: closed.slot.id }));
          expect(refused.outcome === 'BOOKED' && refused.token.slotId === closed.slot.id).toBe(false);
        }
      }
    }
  });

  it('refuses a bad query with VALIDATION_FAILED naming the field, and an unknown doctor', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    await rejectsWith(opd.availability({ doctorId: 'nobody', category: 'ONLINE', ...WINDOW }), 'DOCTOR_NOT_FOUND');
    const bad = async (query: unknown, field: string): Promise<void> => {
      const error = await rejectsWith(opd.availability(query as never), 'VALIDATION_FAILED');
      expect(error.details['field']).toBe(field);
    };
    await bad({ doctorId: 'd1', category: 'NOPE', ...WINDOW }, 'category');
    await bad({ doctorId: 'd1', category: 'ONLINE', from: at('10:00'), to: at('09:00') }, 'to');
    await bad({ doctorId: 'd1', category: 'ONLINE', from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' }, 'to');
    await bad({ doctorId: 'd1', category: 'ONLINE', ...WINDOW, extra: 1 }, 'extra');
    await bad({ doctorId: 'd1', category: 'ONLINE', ...WINDOW, patient: 7 }, 'patient');
  });
});
