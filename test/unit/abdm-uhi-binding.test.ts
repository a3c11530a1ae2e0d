/**
 * Orders bound to their owner (a rule protecting patients, so a property): whatever orders
 * several consumers make, `status`, `confirm` and `cancel` of an order answer only its own
 * transaction of its own consumer, or the verified consumer that made it; to anyone else the
 * order does not exist (`TOKEN_NOT_FOUND`), its PIN is never read and nothing changes.
 */
import fc from 'fast-check';
import { presets } from 'opd-scheduler';
import { UhiProvider } from 'opd-scheduler/abdm';
import { describe, expect, it } from 'vitest';
import { at, doctorWithSlots, scheduler } from '../helpers.js';

const context = (action: string, consumer: string, transaction: string) => ({
  domain: 'nic2004:85111',
  action,
  consumer_id: consumer,
  transaction_id: transaction,
  message_id: `m-${action}`,
  timestamp: at('07:00').toISOString(),
});
const CONSUMERS = ['eua-a', 'eua-b', 'eua-c'] as const;

describe('UHI orders bound to their owner', () => {
  it('answer only their own transaction, or the verified consumer that made them', async () => {
    const order = fc.record({ consumer: fc.constantFrom(...CONSUMERS), transaction: fc.constantFrom('t1', 't2', 't3') });
    const attempt = fc.record({
      consumer: fc.constantFrom(...CONSUMERS),
      transaction: fc.constantFrom('t1', 't2', 't3', 't4'),
      verified: fc.boolean(),
      action: fc.constantFrom('status', 'confirm', 'cancel'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(order, { minLength: 1, maxLength: 4, selector: (o) => `${o.consumer}|${o.transaction}` }),
        fc.array(fc.record({ target: fc.nat(), attempt }), { minLength: 1, maxLength: 8 }),
        async (orders, attempts) => {
          const { opd } = scheduler({ ...presets.standard() });
          await doctorWithSlots(opd, 'd1', [9, 10], 8);
          const uhi = new UhiProvider(opd, { providerId: 'hspa', providerUri: 'https://hspa', pinSecret: 'a-secret-of-the-hospital' });
          const made: { id: string; consumer: string; transaction: string }[] = [];
          for (const [i, o] of orders.entries()) {
            const init = await uhi.init({
              context: context('init', o.consumer, o.transaction),
              message: { order: { fulfillment: { id: 'd1-09' }, customer: { id: `p${i}@sbx` } } },
            });
            made.push({ id: init.message.order.id!, ...o });
          }
          for (const { target, attempt: a } of attempts) {
            const o = made[target % made.length]!;
            const owner = (a.consumer === o.consumer && a.transaction === o.transaction) || (a.verified && a.consumer === o.consumer);
            const before = await opd.getToken(o.id);
            const message =
              a.action === 'cancel'
                ? { order: { id: o.id, state: 'CANCELLED', fulfillment: { tags: { '@abdm/gov.in/cancelledby': 'patient' } } } }
                : { order: { id: o.id } };
            const caller = a.verified ? { subscriberId: a.consumer } : undefined;
            const outcome = await uhi[a.action]({ context: context(a.action, a.consumer, a.transaction), message }, caller).then(
              (answer) => ({ ok: true as const, pin: answer.message.order.authorization?.token }),
              (error: { code?: string }) => ({ ok: false as const, code: error.code }),
            );
            if (owner) {
              if (!outcome.ok) expect(['INVALID_TRANSITION']).toContain(outcome.code);
            } else {
              expect(outcome).toEqual({ ok: false, code: 'TOKEN_NOT_FOUND' });
              expect(await opd.getToken(o.id)).toEqual(before);
            }
          }
        },
      ),
      { numRuns: Number(process.env['FC_RUNS'] ?? 60), seed: Number(process.env['FC_SEED'] ?? 81083) },
    );
  });
});
