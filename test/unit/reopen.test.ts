import { describe, expect, it } from 'vitest';
import { presets } from 'opd-scheduler';
import { at, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

describe('reopenSlot', () => {
  it('reopens a slot closed by mistake and promotes the waitlist into it; the displaced stay where they went', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const moved = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.closeSlot('d1-09', { reason: 'by mistake' });
    expect((await opd.getToken(moved.token.id)).slotId).toBe('d1-10');
    const waiting = await opd.book(request('d1', 'WALK_IN'));
    expect(waiting.token.status).toBe('WAITLISTED');
    clock.set(at('09:10'));
    const seen: string[] = [];
    opd.on('slot:reopened', (e) => seen.push(`${e.type} ${e.slotId} ${e.day}`));
    const effects = await opd.reopenSlot('d1-09');
    expect(effects.map((e) => e.type)).toEqual(['slot:reopened', 'token:promoted']);
    expect(seen).toEqual(['slot:reopened d1-09 2026-01-30']);
    expect(await opd.getToken(waiting.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
    expect((await opd.getToken(moved.token.id)).slotId).toBe('d1-10');
    expect((await opd.getSlot('d1-09')).slot).toMatchObject({ status: 'OPEN', closedReason: null });
    expect((await opd.history()).at(-2)).toMatchObject({ type: 'slot:reopened', slotId: 'd1-09', doctorId: 'd1' });
  });

  it('refuses an ended slot, an open one and an unknown one, changing nothing', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.closeSlot('d1-09');
    clock.set(at('10:00'));
    await rejectsWith(opd.reopenSlot('d1-09'), 'SLOT_ENDED');
    expect((await rejectsWith(opd.reopenSlot('d1-10'), 'VALIDATION_FAILED')).details).toMatchObject({ field: 'slotId', slotId: 'd1-10', status: 'OPEN' });
    await rejectsWith(opd.reopenSlot('nope'), 'SLOT_NOT_FOUND');
    expect((await opd.getSlot('d1-09')).slot.status).toBe('CLOSED');
    expect((await opd.history()).map((e) => e.type)).toEqual(['slot:closed']);
  });
});
