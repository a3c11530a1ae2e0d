/**
 * The board under a call order: its next tokens come in the order patients will be called, as
 * `callNext` calls them (and so as the screens announce them).
 */
import { FairCallOrder, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { boardOf } from '../../../examples/express-server/board.js';
import { BoardOut } from '../../../examples/express-server/schemas.js';
import { at, DAY, doctorWithSlots, request, scheduler, TestClock } from '../../helpers.js';

describe('the board under a call order', () => {
  it('lists the next tokens in the order callNext calls them', async () => {
    const clock = new TestClock(at('08:00'));
    const { opd } = scheduler({ ...presets.standard(), callOrder: new FairCallOrder({ interleaveEvery: 1 }) }, clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    const walkIn = (await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }))).token;
    const paid = (await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }))).token;
    const later = (await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }))).token;
    const emergency = (await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }))).token;
    for (const t of [walkIn, paid, later, emergency]) await opd.checkIn(t.id);
    clock.set(at('09:20'));
    const board = boardOf(await opd.getSchedule('d1', DAY), 'UTC', 1, clock.now());
    expect(BoardOut.parse(board)).toEqual(board);
    const shown = board.next.map((e) => e.label);
    // The 10:00 emergency first, then PAID, then (one priority call made) the walk-in, then PAID.
    expect(shown).toEqual([emergency.label, paid.label, walkIn.label, later.label]);
    const called: string[] = [];
    for (let k = 0; k < 4; k++) {
      const next = (await opd.callNext('d1')).token!;
      called.push(next.label);
      await opd.startConsultation(next.id);
      await opd.complete(next.id);
    }
    expect(called).toEqual(shown);
  });
});
