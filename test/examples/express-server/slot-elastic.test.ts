/** GET /api/slots/{slotId} shows the capacity strategy's account of the slot (`elastic`), as documented. */
import type { CapacityStrategy } from 'opd-scheduler';
import { CalibratedElastic } from 'opd-scheduler/lab';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY, doctorWithSlots, enc, expectDocumented, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the slot route and the capacity strategy', () => {
  it('shows a calibrated strategy’s notes per category', async () => {
    // Nothing learnt yet: no overbooking, and emergencies keep the slot's own elastic places.
    h = await startHarness({ apiKey: KEY, scheduler: { capacity: CalibratedElastic.fromHistory('', { risk: 0.05 }) } });
    const [nine] = await doctorWithSlots(h, 'd1', [9], 4, 2);
    const view = expectDocumented(h, 'getSlot', await h.call('GET', `/api/slots/${enc(nine!)}`)) as { elastic?: unknown };
    expect(view.elastic).toEqual({
      strategy: 'calibrated(0.05)',
      notes: [{ category: 'EMERGENCY', extras: 2, basis: { protected: true, overflowCapacity: 2, risk: 0.05, lead: expect.any(String) } }],
    });
  });

  it('shows a strategy of the user’s own; no limit is `null`', async () => {
    const open: CapacityStrategy = {
      name: 'open-door',
      elasticPlaces: () => Number.POSITIVE_INFINITY,
      describeSlot: () => [{ category: 'EMERGENCY', extras: Number.POSITIVE_INFINITY, basis: { rule: 'never refused' } }],
    };
    h = await startHarness({ apiKey: KEY, scheduler: { capacity: open } });
    const [nine] = await doctorWithSlots(h, 'd1', [9], 4);
    const view = expectDocumented(h, 'getSlot', await h.call('GET', `/api/slots/${enc(nine!)}`)) as { elastic?: unknown };
    expect(view.elastic).toEqual({ strategy: 'open-door', notes: [{ category: 'EMERGENCY', extras: null, basis: { rule: 'never refused' } }] });
  });

  it('shows nothing for a strategy that does not describe itself', async () => {
    h = await startHarness({ apiKey: KEY });
    const [nine] = await doctorWithSlots(h, 'd1', [9], 4);
    const view = expectDocumented(h, 'getSlot', await h.call('GET', `/api/slots/${enc(nine!)}`)) as Record<string, unknown>;
    expect('elastic' in view).toBe(false);
  });
});
