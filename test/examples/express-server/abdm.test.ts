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

const context = (action: string) => ({
  domain: 'nic2004:85111',
  country: 'IND',
  city: 'std:080',
  action,
  core_version: '0.7.1',
  consumer_id: 'eua',
  consumer_uri: 'https://eua.example',
  transaction_id: 'tx-1',
  message_id: `m-${action}`,
  timestamp: at('07:00').toISOString(),
});

async function started(): Promise<Harness> {
  const harness = await startHarness({ apiKey: KEY, abdm });
  await harness.opd.addDoctor({ id: 'd1', name: 'Dr d1' });
  await harness.opd.addSlots('d1', [{ id: 'd1-09', start: at('09:00'), end: at('10:00'), capacity: 3 }]);
  return harness;
}

describe('ABDM and UHI routes', () => {
  it('answer a share with the on-share body and a UHI booking with its on_* messages, behind the key', async () => {
    h = await started();
    const share = {
      requestId: 'r-1',
      intent: 'PROFILE_SHARE',
      metaData: { hipId: 'IN2910000123', context: 'OPD-1', hprId: 'hpr-1' },
      profile: { patient: { abhaAddress: 'asha@sbx', name: 'Asha' } },
    };
    expect((await h.call('POST', '/abdm/api/v3/hip/patient/share', { body: share, key: null })).status).toBe(401);
    const shared = await h.call('POST', '/abdm/api/v3/hip/patient/share', { body: share });
    expect(shared.status).toBe(200);
    expect(shared.body).toEqual({
      acknowledgement: { status: 'SUCCESS', abhaAddress: 'asha@sbx', profile: { context: 'OPD-1', tokenNumber: '1', expiry: '1800' } },
      response: { requestId: 'r-1' },
    });
    const bad = expectError(
      await h.call('POST', '/abdm/api/v3/hip/patient/share', {
        body: { ...share, profile: { patient: { abhaAddress: 'asha@sbx', name: 'Asha', gender: 'female' } } },
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(bad.details['field']).toBe('profile.patient.gender');
    expect(JSON.stringify(bad)).not.toContain('asha');

    const search = await h.call('POST', '/uhi/search', {
      body: { context: context('search'), message: { intent: { fulfillment: { type: 'Physical' }, item: { descriptor: { name: 'Consultation' } } } } },
    });
    expect(search.status).toBe(200);
    expect(
      (
        search.body as { message: { catalog: { providers: { fulfillments: { id: string; type: string }[] }[] } } }
      ).message.catalog.providers[0]?.fulfillments.map((f) => [f.id, f.type]),
    ).toEqual([['d1-09', 'Physical']]);
    const init = await h.call('POST', '/uhi/init', {
      body: { context: context('init'), message: { order: { fulfillment: { id: 'd1-09' }, customer: { id: 'ravi@sbx' } } } },
    });
    const initOrder = (init.body as { message: { order: { id: string; terms: { termsState: string }[] } } }).message.order;
    expect(initOrder.terms.map((t) => t.termsState)).toEqual(['INITIATED', 'INITIATED', 'INITIATED', 'INITIATED', 'INITIATED']);
    const orderId = initOrder.id;
    const notAgreed = await h.call('POST', '/uhi/confirm', {
      body: { context: context('confirm'), message: { order: { id: orderId, terms: initOrder.terms } } },
    });
    expect(expectError(notAgreed, 400, 'VALIDATION_FAILED').details['field']).toBe('message.order.terms');
    const agreed = initOrder.terms.map((t) => ({ ...t, termsState: 'AGREED' }));
    const confirm = await h.call('POST', '/uhi/confirm', { body: { context: context('confirm'), message: { order: { id: orderId, terms: agreed } } } });
    expect((confirm.body as { message: { order: { state: string; authorization: { token: string } } } }).message.order).toMatchObject({
      state: 'CONFIRMED',
      authorization: { type: 'PIN', token: expect.stringMatching(/^\d{4}$/), status: 'GENERATED' },
    });
    // Another transaction (another consumer's app) never sees the order, its PIN, nor cancels it.
    const stranger = await h.call('POST', '/uhi/status', {
      body: { context: { ...context('status'), transaction_id: 'tx-other' }, message: { order: { id: orderId } } },
    });
    expectError(stranger, 404, 'TOKEN_NOT_FOUND');
    const status = await h.call('POST', '/uhi/status', { body: { context: context('status'), message: { order: { id: orderId } } } });
    expect((status.body as { message: { order: { state: string } } }).message.order.state).toBe('CONFIRMED');
    const cancel = await h.call('POST', '/uhi/cancel', {
      body: {
        context: context('cancel'),
        message: {
          order: { id: orderId, state: 'CANCELLED', fulfillment: { tags: { '@abdm/gov.in/cancelledby': 'patient', '@abdm/gov.in/cancel_reason': 'P3' } } },
        },
      },
    });
    expect((cancel.body as { message: { order: { state: string; fulfillment: { tags: Record<string, string> } } } }).message.order).toMatchObject({
      state: 'CANCELLED',
      fulfillment: { tags: { '@abdm/gov.in/cancelledby': 'patient', '@abdm/gov.in/cancel_reason': 'P3' } },
    });
    expect((await h.call('POST', '/uhi/status', { body: { context: context('status'), message: { order: { id: orderId } } }, key: null })).status).toBe(401);
  });

  it('are not mounted without the abdm option', async () => {
    h = await startHarness({ apiKey: KEY });
    expect((await h.call('POST', '/uhi/search', { body: {} })).status).toBe(404);
  });
});
