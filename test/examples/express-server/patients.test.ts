import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY, KEY_ACTOR, book, doctorWithSlots, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ apiKey: KEY });
});
afterEach(async () => {
  await h.close();
});

describe('patient data routes', () => {
  it('exports a patient, refuses to erase while a token is live, then erases and answers an empty export', async () => {
    await doctorWithSlots(h, 'd1', [9, 10], 5);
    const token = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09', patientId: 'ABHA-55', name: 'Meena Iyer' }));
    const exported = await h.call('POST', '/api/patients/export', { body: { patientId: 'ABHA-55' } });
    const body = expectDocumented(h, 'exportPatient', exported) as { tokens: { id: string; patient: { name: string } }[]; events: { type: string }[] };
    expect(body.tokens.map((t) => [t.id, t.patient.name])).toEqual([[token.id, 'Meena Iyer']]);
    expect(body.events.map((e) => e.type)).toEqual(['token:booked']);
    expect(expectError(await h.call('POST', '/api/patients/export', { body: { patientId: 'ABHA-55' }, key: null }), 401, 'UNAUTHORIZED')).toBeDefined();

    const refused = await h.call('POST', '/api/patients/erase', { body: { patientId: 'ABHA-55', reason: 'patient request' } });
    expect(expectError(refused, 409, 'PATIENT_HAS_LIVE_TOKENS').details).toEqual({ tokenIds: [token.id] });
    expectDocumented(h, 'erasePatient', refused);
    expect(refused.text).not.toContain('ABHA-55');

    await h.call('POST', `/api/tokens/${token.id}/cancel`, { body: {} });
    const erased = await h.call('POST', '/api/patients/erase', {
      body: { patientId: 'ABHA-55', reason: 'patient request' },
      headers: { 'X-Actor': KEY_ACTOR },
    });
    expect(expectDocumented(h, 'erasePatient', erased)).toMatchObject({
      tokenIds: [token.id],
      effects: [{ type: 'patient:erased', tokenId: token.id, reason: 'patient request', by: 'request', actor: KEY_ACTOR }],
    });
    expect((await h.call('GET', `/api/tokens/${token.id}`)).body).toMatchObject({ patient: { name: '(erased)', erased: true } });
    expect((await h.call('POST', '/api/patients/export', { body: { patientId: 'ABHA-55' } })).body).toEqual({ tokens: [], events: [] });
    expect((await h.call('POST', '/api/patients/erase', { body: { patientId: 'ABHA-55' } })).body).toEqual({ tokenIds: [], effects: [] });
    expect(JSON.stringify(h.logs)).not.toContain('ABHA-55');
  });

  it('purges with the periodic sweep once a day when started with a retention period', async () => {
    const p = await startHarness({ apiKey: KEY, scheduler: { retention: { patientDataDays: 0 } }, sweepEveryMs: 20, purge: true });
    try {
      await doctorWithSlots(p, 'd1', [9], 5);
      const token = tokenOf(await book(p, 'd1', 'ONLINE', { slotId: 'd1-09', patientId: 'OLD-1' }));
      p.clock.set('2026-01-31T08:00:00Z');
      const erased = async (): Promise<boolean> =>
        ((await p.call('GET', `/api/tokens/${token.id}`)).body as { patient: { erased?: boolean } }).patient.erased === true;
      for (let i = 0; i < 200 && !(await erased()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await erased()).toBe(true);
      expect(p.logs.some((l) => l['msg'] === 'sweep' && l['patient:erased'] === 1)).toBe(true);
    } finally {
      await p.close();
    }
  });
});
