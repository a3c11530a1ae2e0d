import { presets, ReturnAhead } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, doctorWithSlots, request, scheduler } from '../helpers.js';

const DATE = '2026-01-30';

/** A facility with a vitals station and a lab, and a route through both and back to the doctor. */
function facility() {
  return scheduler({
    ...presets.standard(),
    servicePoints: [
      { id: 'vitals-1', kind: 'vitals' },
      { id: 'lab-1', kind: 'lab' },
    ],
    routes: { visit: ['vitals', 'doctor', 'lab', 'doctor'] },
    reentry: new ReturnAhead(),
  });
}

describe('fairness: waits per stage and for the whole visit', () => {
  it('measures each stage from entering its queue to the first call there, and each visit from check-in to completion, in exact minutes', async () => {
    const { opd, clock } = facility();
    await doctorWithSlots(opd, 'd1', [9], 10);
    const a = (await opd.book(request('d1', 'ONLINE'))).token.id;
    const b = (await opd.book(request('d1', 'ONLINE'))).token.id;
    const c = (await opd.book(request('d1', 'WALK_IN'))).token.id;
    const step = async (hhmm: string, act: () => Promise<unknown>): Promise<void> => {
      clock.set(at(hhmm));
      await act();
    };
    const calls: (string | null)[] = [];
    const call = (target: Parameters<typeof opd.callNext>[0]) => async () => calls.push((await opd.callNext(target)).token?.id ?? null);
    await step('09:00', () => opd.checkIn(a, { route: 'visit' }));
    await step('09:02', () => opd.checkIn(b, { route: 'visit' }));
    await step('09:04', () => opd.checkIn(c)); // no route: straight to the doctor
    await step('09:05', call({ servicePoint: 'vitals-1' })); // a: 5 minutes at vitals
    await step('09:08', () => opd.forward(a, { to: 'doctor' }));
    await step('09:10', call({ servicePoint: 'vitals-1' })); // b: 8 minutes at vitals
    await step('09:12', () => opd.forward(b, { to: 'doctor' }));
    await step('09:15', call('d1')); // a: 7 minutes for the doctor
    await step('09:15', () => opd.startConsultation(a));
    await step('09:20', () => opd.forward(a, { to: 'lab', reason: 'CBC' }));
    await step('09:22', call('d1')); // b: 10 minutes for the doctor
    await step('09:22', () => opd.startConsultation(b));
    await step('09:25', call({ servicePoint: 'lab-1' })); // a: 5 minutes at the lab
    await step('09:30', () => opd.complete(b)); // b's visit: 28 minutes
    await step('09:40', () => opd.forward(a, { to: 'doctor', reason: 'report' })); // re-enters ahead of c
    await step('09:45', call('d1')); // a: 5 minutes for the doctor, the second time
    await step('09:45', () => opd.startConsultation(a));
    await step('09:50', () => opd.complete(a)); // a's visit: 50 minutes
    await step('09:55', call('d1')); // c: 51 minutes for the doctor
    await step('09:55', () => opd.startConsultation(c));
    await step('10:00', () => opd.complete(c)); // c's visit: 56 minutes
    expect(calls).toEqual([a, b, a, b, a, a, c]);

    const report = await opd.fairness({ doctorId: 'd1', date: DATE });
    expect(report.stages).toEqual([
      { kind: 'vitals', round: 1, waits: { count: 2, mean: 6.5, p50: 5, p90: 8, p95: 8, max: 8 } },
      { kind: 'doctor', round: 1, waits: { count: 3, mean: 68 / 3, p50: 10, p90: 51, p95: 51, max: 51 } },
      { kind: 'lab', round: 1, waits: { count: 1, mean: 5, p50: 5, p90: 5, p95: 5, max: 5 } },
      { kind: 'doctor', round: 2, waits: { count: 1, mean: 5, p50: 5, p90: 5, p95: 5, max: 5 } },
    ]);
    expect(report.visits).toEqual({ count: 3, mean: 134 / 3, p50: 50, p90: 56, p95: 56, max: 56 });
    // The categories count the doctor's first call, not the call at the vitals station.
    expect(report.categories.map((x) => [x.category, x.called, x.waitMax])).toEqual([
      ['ONLINE', 2, 22],
      ['WALK_IN', 1, 55],
    ]);
    expect(await opd.fairness({ date: DATE })).toEqual({ ...report, doctorId: null });
  });

  it('gives a day without journeys the doctor stage only, and a patient still waiting no wait and no visit', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 10);
    const seen = (await opd.book(request('d1', 'ONLINE'))).token.id;
    const waiting = (await opd.book(request('d1', 'ONLINE'))).token.id;
    clock.set(at('09:03'));
    await opd.checkIn(seen);
    await opd.checkIn(waiting);
    clock.set(at('09:10'));
    // No call: the start of the consultation ends the wait.
    await opd.startConsultation(seen);
    clock.set(at('09:21'));
    await opd.complete(seen);
    const report = await opd.fairness({ date: DATE });
    expect(report.stages).toEqual([{ kind: 'doctor', round: 1, waits: { count: 1, mean: 7, p50: 7, p90: 7, p95: 7, max: 7 } }]);
    expect(report.visits).toEqual({ count: 1, mean: 18, p50: 18, p90: 18, p95: 18, max: 18 });
  });

  it('reports no stage and no visit for a day nobody checked in', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 10);
    await opd.book(request('d1', 'ONLINE'));
    const report = await opd.fairness({ date: DATE });
    expect(report.stages).toEqual([]);
    expect(report.visits).toEqual({ count: 0, mean: null, p50: null, p90: null, p95: null, max: null });
  });
});
