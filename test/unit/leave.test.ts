import { describe, expect, it } from 'vitest';
import { type Effect, presets } from 'opd-scheduler';
import { at, DAY, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

const NEXT = '2026-01-31';

/** Each event as `type token-or-slot from→to`, for compact expectations. */
function brief(effects: readonly Effect[]): string[] {
  return effects.map((e) => {
    if (e.type === 'slot:closed') return `${e.type} ${e.slotId}`;
    if (e.type === 'token:cascaded') return `${e.type} #${e.tokenNumber} ${e.fromSlotId}→${e.toSlotId}`;
    if (e.type === 'token:waitlisted' || e.type === 'token:dropped') return `${e.type} #${e.tokenNumber} ${e.fromSlotId}`;
    return 'tokenNumber' in e ? `${e.type} #${e.tokenNumber}` : e.type;
  });
}

describe('closeSlots (a doctor’s leave)', () => {
  it('closes every slot of the range first, then moves each displaced patient once, past the leave', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10, 11, 12], 2, { overflowCapacity: 0 });
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const ten = await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    // Closing 09:00 alone would cascade into 10:00, which is closing too: one unit avoids the double move.
    const effects = await opd.closeSlots('d1', { from: at('09:00'), to: at('11:00'), reason: 'on leave' });
    expect(brief(effects)).toEqual([
      'slot:closed d1-09',
      'slot:closed d1-10',
      // best first: the paid patient gets the earliest place after the leave
      'token:cascaded #2 d1-10→d1-11',
      'token:cascaded #1 d1-09→d1-11',
    ]);
    expect(effects[0]).toMatchObject({ reason: 'on leave', doctorId: 'd1', day: DAY });
    expect((await opd.getToken(ten.token.id)).slotId).toBe('d1-11');
    expect((await opd.getToken(nine.token.id)).slotId).toBe('d1-11');
    expect((await opd.getSlot('d1-10')).slot).toMatchObject({ status: 'CLOSED', closedReason: 'on leave' });
    expect((await opd.getSlot('d1-11')).slot.status).toBe('OPEN');
    expect(await opd.history()).toHaveLength(2 + 4);
  });

  it('closes a slot that only overlaps the range, and leaves closed and ended slots alone', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [8, 9, 10, 11, 12], 1);
    await opd.closeSlot('d1-10');
    clock.set(at('09:05'));
    const effects = await opd.closeSlots('d1', { from: at('08:30'), to: at('11:30') });
    expect(brief(effects)).toEqual(['slot:closed d1-09', 'slot:closed d1-11']);
    expect((await opd.getSlot('d1-08')).slot.status).toBe('OPEN');
    expect((await opd.getSlot('d1-12')).slot.status).toBe('OPEN');
    expect(await opd.closeSlots('d1', { from: at('08:30'), to: at('11:30') })).toEqual([]);
  });

  it('emergencies are moved first, taking elastic places after the leave before anyone else', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1, { overflowCapacity: 1 });
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }));
    const effects = await opd.closeSlots('d1', { from: at('09:00'), to: at('11:00') });
    expect(brief(effects)).toEqual([
      'slot:closed d1-09',
      'slot:closed d1-10',
      `token:cascaded #${emergency.token.tokenNumber} d1-10→d1-11`,
      `token:waitlisted #${walkIn.token.tokenNumber} d1-09`,
    ]);
  });

  it('spans days: a patient whose day has no usable slot after the leave meets the policy like closeSlot (waitlist, or drop)', async () => {
    for (const [preset, fate] of [
      [presets.standard(), 'WAITLISTED'],
      [presets.cascade(), 'DROPPED'],
    ] as const) {
      const { opd } = scheduler(preset);
      await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
      await opd.addSlots('d1', [{ id: 'next-09', start: at('09:00', NEXT), end: at('10:00', NEXT), capacity: 1 }, { id: 'next-10', start: at('10:00', NEXT), end: at('11:00', NEXT), capacity: 1 }]);
      const today = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
      const tomorrow = await opd.book(request('d1', 'ONLINE', { slotId: 'next-09', patient: { id: 'p-next', name: 'N' } }));
      const effects = await opd.closeSlots('d1', { from: at('10:00'), to: at('09:30', NEXT) });
      expect(effects.slice(0, 2).map((e) => e.type === 'slot:closed' && e.slotId)).toEqual(['d1-10', 'next-09']);
      expect((await opd.getToken(today.token.id)).status).toBe(fate);
      expect(await opd.getToken(tomorrow.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'next-10' });
      const moves = effects.filter((e) => 'tokenId' in e);
      expect(new Set(moves.map((e) => 'tokenId' in e && e.tokenId)).size, 'one move event per patient').toBe(moves.length);
    }
  });

  it('a dry run is the combined preview: the same effects as the real call, nothing changed', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10, 11, 12], 1, { overflowCapacity: 1 });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }));
    await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-11' }));
    const before = await opd.getSchedule('d1', DAY);
    const history = await opd.history();
    const preview = await opd.closeSlots('d1', { from: at('09:00'), to: at('12:00'), dryRun: true });
    expect(await opd.getSchedule('d1', DAY)).toEqual(before);
    expect(await opd.history()).toEqual(history);
    expect(preview.every((e) => e.seq === 0)).toBe(true);
    const real = await opd.closeSlots('d1', { from: at('09:00'), to: at('12:00') });
    expect(real.map(({ seq: _seq, ...rest }) => rest)).toEqual(preview.map(({ seq: _seq, ...rest }) => rest));
  });

  it('refuses a leave over a slot with a checked-in patient, closing nothing', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const inside = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    clock.set(at('09:30'));
    await opd.checkIn(inside.token.id);
    const history = await opd.history();
    const error = await rejectsWith(opd.closeSlots('d1', { from: at('09:00'), to: at('11:00') }), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'leave', slotId: 'd1-10', tokenIds: [inside.token.id] });
    expect((await opd.getSlot('d1-09')).slot.status).toBe('OPEN');
    expect(await opd.history()).toEqual(history);
  });

  it('refuses bad input with a typed error naming the field', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const field = async (p: Promise<unknown>, code: 'VALIDATION_FAILED' | 'DOCTOR_NOT_FOUND' = 'VALIDATION_FAILED') => (await rejectsWith(p, code)).details['field'];
    expect(await field(opd.closeSlots('d1', { from: at('10:00'), to: at('10:00') }))).toBe('leave.to');
    expect(await field(opd.closeSlots('d1', { from: at('10:00'), to: at('09:00') }))).toBe('leave.to');
    expect(await field(opd.closeSlots('d1', { from: 'not a date', to: at('09:00') }))).toBe('leave.from');
    expect(await field(opd.closeSlots('d1', { from: at('09:00'), to: new Date(Number.NaN) }))).toBe('leave.to');
    expect(await field(opd.closeSlots('d1', { from: at('09:00'), to: '2027-02-01T00:00:00Z' }))).toBe('leave.to');
    expect(await field(opd.closeSlots('d1', { from: at('09:00'), to: at('10:00'), reassign: 'hospital' as never }))).toBe('leave.reassign');
    expect(await field(opd.closeSlots('d1', { from: at('09:00'), to: at('10:00'), reassign: 'department' }))).toBe('leave.reassign');
    expect(await field(opd.closeSlots('d1', { from: at('09:00'), to: at('10:00'), extra: 1 } as never))).toBe('leave.extra');
    expect(await field(opd.closeSlots('nobody', { from: at('09:00'), to: at('10:00') }), 'DOCTOR_NOT_FOUND')).toBe('doctorId');
    expect((await opd.getSlot('d1-09')).slot.status).toBe('OPEN');
    expect(await opd.history()).toEqual([]);
  });
});
