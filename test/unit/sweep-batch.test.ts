/**
 * A sweep is one unit of work per due doctor-day: a doctor-day that fails changes nothing of its
 * own and neither undoes nor stops the others; the failure is reported once all were tried.
 */
import { OpdScheduler, isOpdError } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, TestClock } from '../helpers.js';

describe('sweep over many doctor-days', () => {
  it('sweeps every doctor-day it can, then rejects naming the ones that failed, with the effects of the others', async () => {
    const clock = new TestClock();
    let broken = false;
    const quota = {
      name: 'flaky',
      admits: (context: { slot: { doctorId: string } }) => {
        if (broken && context.slot.doctorId === 'd2') throw new Error('quota settings missing for d2');
        return true;
      },
    };
    const opd = new OpdScheduler({ clock: clock.now, quota: quota as never });
    for (const d of ['d1', 'd2', 'd3']) {
      await opd.addDoctor({ id: d, name: d });
      await opd.addSlots(d, [{ id: `${d}-9`, start: at('09:00'), end: at('10:00'), capacity: d === 'd2' ? 2 : 1 }]);
    }
    const a = await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: { id: 'a', name: 'A' } });
    const b = await opd.book({ doctorId: 'd2', category: 'EMERGENCY', patient: { id: 'b', name: 'B' } });
    const c = await opd.book({ doctorId: 'd2', category: 'EMERGENCY', patient: { id: 'c', name: 'C' } });
    await opd.checkIn(c.token.id);
    // Waiting for d2's place: the no-show of b would promote it, which asks the (broken) quota.
    await opd.book({ doctorId: 'd2', category: 'ONLINE', patient: { id: 'w', name: 'W' } });
    const e = await opd.book({ doctorId: 'd3', category: 'EMERGENCY', patient: { id: 'e', name: 'E' } });
    broken = true;
    clock.set(at('09:20'));
    let failure: unknown;
    await opd.sweep().catch((error: unknown) => (failure = error));
    expect(isOpdError(failure, 'VALIDATION_FAILED')).toBe(true);
    const details = (failure as { details: { failed: unknown[]; effects: { type: string; doctorId: string }[] } }).details;
    expect(details.failed).toEqual([{ doctorId: 'd2', day: a.token.day, code: 'VALIDATION_FAILED' }]);
    // The details of the first failure's code are there too: VALIDATION_FAILED names its field.
    expect((failure as { details: { field?: string; strategy?: string } }).details).toMatchObject({ field: 'quota strategy', strategy: 'flaky' });
    expect(details.effects.map((x) => [x.type, x.doctorId])).toEqual([
      ['token:no-show', 'd1'],
      ['token:no-show', 'd3'],
    ]);
    expect((await opd.getToken(a.token.id)).status).toBe('NO_SHOW');
    expect((await opd.getToken(e.token.id)).status).toBe('NO_SHOW');
    // The failed doctor-day changed nothing; a later sweep retries it.
    expect((await opd.getToken(b.token.id)).status).toBe('BOOKED');
    broken = false;
    const retried = await opd.sweep();
    expect(retried.map((x) => [x.type, x.doctorId])).toEqual([
      ['token:no-show', 'd2'],
      ['token:promoted', 'd2'],
    ]);
  });
});
