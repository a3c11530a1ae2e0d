/** `GET /api/tokens/:id/explain` and `GET /api/fairness`: why a patient is where they are, and how fair the calls were. */
import { presets } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { at } from '../../helpers.js';
import { book, DAY, doctorWithSlots, enc, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('explanations over HTTP', () => {
  it('explains a bumped patient in English and Hindi, as documented, with no patient data', async () => {
    h = await startHarness({ scheduler: { ...presets.standard(), numbering: 'category' } });
    const [nine] = await doctorWithSlots(h, 'd1', [9, 10], 1, 0);
    const walkIn = tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: nine!, name: 'Sunita Devi', patientId: 'ABHA-77' }));
    const emergency = await h.call('POST', '/api/tokens/emergency', { body: { doctorId: 'd1', patient: { name: 'Ravi' }, slotId: nine } });
    expect(emergency.status, emergency.text).toBe(201);

    const hi = await h.call('GET', `/api/tokens/${enc(walkIn.id)}/explain?lang=hi`);
    expect(hi.status, hi.text).toBe(200);
    const body = expectDocumented(h, 'explainToken', hi) as { text: string; lang: string; steps: { rule: string; otherCategory: string | null }[] };
    expect(body.lang).toBe('hi');
    expect(body.text).toBe('आपका समय 10:00 बजे कर दिया गया है क्योंकि 09:00 बजे की जगह एक आपातकालीन मरीज़ को चाहिए थी; आपका टोकन W-1 वही रहेगा।');
    expect(body.steps.map((s) => s.rule)).toEqual(['free-place', 'bumped-by', 'cascaded']);
    expect(body.steps[1]!.otherCategory).toBe('EMERGENCY');
    expect(hi.text).not.toMatch(/Sunita|ABHA-77|9876543210/);

    const en = await h.call('GET', `/api/tokens/${enc(walkIn.id)}/explain`);
    expect((expectDocumented(h, 'explainToken', en) as { text: string }).text).toBe(
      'You moved to 10:00 because an emergency needed the 09:00 place; you keep token W-1.',
    );

    expectError(await h.call('GET', `/api/tokens/${enc(walkIn.id)}/explain?lang=fr`), 400, 'VALIDATION_FAILED');
    expectError(await h.call('GET', `/api/tokens/${enc('d1~2026-01-30~99')}/explain`), 404, 'TOKEN_NOT_FOUND');
  });

  it('reports the fairness of a day’s calls', async () => {
    h = await startHarness({ scheduler: presets.standard() });
    const [nine] = await doctorWithSlots(h, 'd1', [9], 5);
    const t = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! }));
    h.clock.set(at('09:00'));
    expect((await h.call('POST', `/api/tokens/${enc(t.id)}/check-in`)).status).toBe(200);
    h.clock.set(at('09:12'));
    const called = await h.call('POST', `/api/doctors/d1/call-next`, { body: {} });
    expect(called.status, called.text).toBe(200);
    const answer = await h.call('GET', `/api/fairness?doctorId=d1&date=${DAY}`);
    expect(answer.status, answer.text).toBe(200);
    expect(expectDocumented(h, 'fairness', answer)).toEqual({
      doctorId: 'd1',
      date: DAY,
      categories: [{ category: 'ONLINE', called: 1, waitP50: 12, waitP95: 12, waitMax: 12, skips: 0, longestPassRun: 0 }],
      // Called, not yet seen: a wait at the doctor's stage, and no visit completed.
      stages: [{ kind: 'doctor', round: 1, waits: { count: 1, mean: 12, p50: 12, p90: 12, p95: 12, max: 12 } }],
      visits: { count: 0, mean: null, p50: null, p90: null, p95: null, max: null },
    });
    expectError(await h.call('GET', '/api/fairness?doctorId=nobody'), 404, 'DOCTOR_NOT_FOUND');
  });
});
