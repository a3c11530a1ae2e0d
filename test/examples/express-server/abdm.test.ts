/** The example server's ABDM bridge and UHI routes (`opd-scheduler/abdm`), behind its keys. */
import { afterEach, describe, expect, it } from 'vitest';
import { at } from '../../helpers.js';
import { expectError, type Harness, KEY, startHarness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const abdm = {
  counters: { 'OPD-1': { doctorId: 'd1' } },
  hipId: 'IN2910000123',
  uhi: { providerId: 'hspa.example.org', providerUri: 'https://hspa.example.org/uhi', pinSecret: 'a-secret-of-the-hospital' },
};

const context = (action: string) => ({ domain: 'nic2004:85111', country: 'IND', city: 'std:080', action, core_version: '0.7.1', consumer_id: 'eua', consumer_uri: 'https://eua.example', transaction_id: 'tx-1', message_id: `m-${action}`, timestamp: at('07:00').toISOString() });

async function started(): Promise<Harness> {
  const harness = await startHarness({ apiKey: KEY, abdm });
  await harness.opd.addDoctor({ id: 'd1', name: 'Dr d1' });
  await harness.opd.addSlots('d1', [{ id: 'd1-09', start: at('09:00'), end: at('10:00'), capacity: 3 }]);
  return harness;
}

describe('ABDM and UHI routes', () => {
  it('answer a share with the on-share body and a UHI booking with its on_* messages, behind the key', async () => {
    h = await started();
    const share = { requestId: 'r-1', intent: 'PROFILE_SHARE', metaData: { hipId: 'IN2910000123', context: 'OPD-1', hprId: 'hpr-1' }, profile: { patient: { abhaAddress: 'asha@sbx', name: 'Asha' } } };
    expect((await h.call('POST', '/abdm/api/v3/hip/patient/share', { body: share, key: null })).status).toBe(401);
    const shared = await h.call('POST', '/abdm/api/v3/hip/patient/share', { body: share });
    expect(shared.status).toBe(200);
    expect(shared.body).toEqual({ acknowledgement: { status: 'SUCCESS', abhaAddress: 'asha@sbx', profile: { context: 'OPD-1', tokenNumber: '1', expiry: '1800' } }, response: { requestId: 'r-1' } });
    const bad = expectError(await h.call('POST', '/abdm/api/v3/hip/patient/share', { body: { ...share, profile: { patient: { abhaAddress: 'asha@sbx', name: 'Asha', gender: 'female' } } } }), 400, 'VALIDATION_FAILED');
    expect(bad.details['field']).toBe('profile.patient.gender');
    expect(JSON.stringify(bad)).not.toContain('asha');

    const search = await h.call('POST', '/uhi/search', { body: { context: context('search'), message: { intent: {} } } });
    expect(search.status).toBe(200);
    expect((search.body as { context: { action: string }; message: { catalog: { fulfillments: { id: string }[] } } }).message.catalog.fulfillments.map((f) => f.id)).toEqual(['d1-09']);
    const init = await h.call('POST', '/uhi/init', { body: { context: context('init'), message: { order: { fulfillment: { id: 'd1-09' }, customer: { id: 'ravi@sbx' } } } } });
    const orderId = (init.body as { message: { order: { id: string; state: string } } }).message.order.id;
    expect((init.body as { message: { order: { state: string } } }).message.order.state).toBe('INITIATED');
    const confirm = await h.call('POST', '/uhi/confirm', { body: { context: context('confirm'), message: { order: { id: orderId } } } });
    expect((confirm.body as { context: { action: string }; message: { order: { state: string; authorization: { token: string } } } }).message.order).toMatchObject({ state: 'CONFIRMED', authorization: { type: 'PIN', token: expect.stringMatching(/^\d{4}$/) } });
    const cancel = await h.call('POST', '/uhi/cancel', { body: { context: context('cancel'), message: { order_id: orderId } } });
    expect(expectError(cancel, 400, 'VALIDATION_FAILED').details['field']).toBe('message.cancellation_reason_id');
    expect((await h.call('POST', '/uhi/status', { body: { context: context('status'), message: { order_id: orderId } }, key: null })).status).toBe(401);
  });

  it('are not mounted without the abdm option', async () => {
    h = await startHarness({ apiKey: KEY });
    expect((await h.call('POST', '/uhi/search', { body: {} })).status).toBe(404);
  });
});
