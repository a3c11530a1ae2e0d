/**
 * CalibratedElastic (issue 59, item 4): the extra places per slot are the most whose chance of
 * more arrivals than places stays within the risk — checked against a binomial tail computed
 * here independently (exact rational arithmetic with BigInt) — and overbooking never takes an
 * emergency's elastic places.
 */
import fc from 'fast-check';
import { MemoryStorage, OpdScheduler, presets } from 'opd-scheduler';
import { CalibratedElastic, type LabHistory, overbookingExtras } from 'opd-scheduler/lab';
import { describe, expect, it } from 'vitest';
import { fcOptions, timeoutFor } from './support.js';

/** P(Bin(n, a/b) > c), exactly, as a float: 1 − Σ_{i ≤ c} C(n,i) a^i (b−a)^(n−i) / b^n. */
function exactTail(n: number, c: number, a: bigint, b: bigint): number {
  if (n <= c) return 0;
  let below = 0n;
  let choose = 1n;
  for (let i = 0; i <= c; i++) {
    if (i > 0) choose = (choose * BigInt(n - i + 1)) / BigInt(i);
    below += choose * a ** BigInt(i) * (b - a) ** BigInt(n - i);
  }
  const total = b ** BigInt(n);
  // Scaled to keep 12 digits.
  return Number(((total - below) * 10n ** 12n) / total) / 1e12;
}

/** A history of one doctor's slot in which `shows` of `total` ONLINE patients came. */
function historyWith(shows: number, total: number): LabHistory {
  const at = new Date('2026-01-01T03:00:00Z');
  const slot = {
    id: 's1',
    facilityId: 'default',
    doctorId: 'd1',
    day: '2026-01-01',
    start: new Date('2026-01-01T04:00:00Z'),
    end: new Date('2026-01-01T05:00:00Z'),
    capacity: total,
    overflowCapacity: 2,
    status: 'OPEN' as const,
    closedReason: null,
  };
  const events: LabHistory['events'][number][] = [];
  let seq = 0;
  for (let i = 1; i <= total; i++) {
    const base = {
      seq: ++seq,
      facilityId: 'default',
      at,
      doctorId: 'd1',
      actor: null,
      tokenId: `d1~2026-01-01~${i}`,
      tokenNumber: i,
      label: String(i),
      day: '2026-01-01',
    };
    events.push({
      ...base,
      type: 'token:booked',
      slotId: 's1',
      category: 'ONLINE',
      rank: 4,
      overflow: false,
      rule: 'free-place',
      fullSlotId: null,
      quota: null,
      bumpedTokenId: null,
      bumpedRank: null,
      request: { category: 'ONLINE', slotId: 's1', date: null, after: null, holdMinutes: null },
    });
  }
  for (let i = 1; i <= total; i++) {
    const base = {
      seq: ++seq,
      facilityId: 'default',
      at: new Date('2026-01-01T04:20:00Z'),
      doctorId: 'd1',
      actor: null,
      tokenId: `d1~2026-01-01~${i}`,
      tokenNumber: i,
      label: String(i),
      day: '2026-01-01',
      slotId: 's1',
    };
    events.push(i <= shows ? { ...base, type: 'token:checked-in' } : { ...base, type: 'token:no-show', reason: 'sweep' });
  }
  return { doctors: [], slots: [slot], events };
}

describe('CalibratedElastic (issue 59)', () => {
  it(
    'allows the most extras whose chance of more arrivals than places is within the risk (independent binomial tail)',
    () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 50, max: 99 }), fc.integer({ min: 1, max: 40 }), (capacity, percent, riskPercent) => {
          const p = percent / 100;
          const risk = riskPercent / 100;
          const k = overbookingExtras(capacity, p, risk);
          expect(exactTail(capacity + k, capacity, BigInt(percent), 100n)).toBeLessThanOrEqual(risk + 1e-9);
          if (k < 10 * capacity + 10) expect(exactTail(capacity + k + 1, capacity, BigInt(percent), 100n)).toBeGreaterThan(risk - 1e-9);
        }),
        fcOptions(300),
      );
    },
    timeoutFor(300, 50),
  );

  it('learns the show rate of the history, with its sample; too few tokens: no overbooking', () => {
    const learnt = CalibratedElastic.fromHistory(historyWith(30, 40), { risk: 0.05, minSample: 20 });
    const estimate = learnt.estimate('d1', 'ONLINE', 3_600_000);
    expect(estimate).toEqual({ showRate: 0.75, sample: 40, group: 'doctor=d1 category=ONLINE lead=same-day' });
    // Another doctor falls back to the category's rate over every doctor.
    expect(learnt.estimate('d9', 'ONLINE', 3_600_000).group).toBe('category=ONLINE');
    const few = CalibratedElastic.fromHistory(historyWith(3, 4), { risk: 0.05 });
    expect(few.estimate('d1', 'ONLINE', 0)).toEqual({ showRate: 1, sample: 4, group: 'none' });
    const slot = historyWith(0, 10).slots[0]!;
    expect(few.calibration(slot, 'ONLINE', new Date('2026-01-01T03:00:00Z')).extras).toBe(0);
    expect(learnt.calibration(slot, 'ONLINE', new Date('2026-01-01T03:00:00Z')).extras).toBe(overbookingExtras(10, 0.75, 0.05));
  });

  it(
    'a scheduler with it books at most capacity + extras of other categories, and emergencies still get their elastic places on top',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 20, max: 39 }),
          fc.integer({ min: 0, max: 3 }),
          async (capacity, shows, overflowCapacity) => {
            const capacityStrategy = CalibratedElastic.fromHistory(historyWith(shows, 40), { risk: 0.1, minSample: 10 });
            const now = new Date('2026-02-02T03:00:00Z');
            const opd = new OpdScheduler({ ...presets.standard(), capacity: capacityStrategy, storage: new MemoryStorage(), clock: () => now });
            await opd.addDoctor({ id: 'd1', name: 'Dr One' });
            const [slot] = await opd.addSlots('d1', [{ id: 's2', start: '2026-02-02T04:00:00Z', end: '2026-02-02T05:00:00Z', capacity, overflowCapacity }]);
            const extras = capacityStrategy.calibration(slot!, 'ONLINE', now).extras;
            expect(extras).toBe(overbookingExtras(capacity, shows / 40, 0.1));
            for (let i = 0; i < capacity + extras + 3; i++)
              await opd.book({ doctorId: 'd1', category: 'ONLINE', slotId: 's2', patient: { id: `p${i}`, name: 'x' } });
            expect((await opd.getSlot('s2')).places.length).toBe(capacity + extras);
            // Two emergencies more than the elastic places, or as many as there are patients to bump.
            const bumping = Math.min(2, capacity + extras);
            for (let i = 0; i < overflowCapacity + bumping; i++)
              await opd.book({ doctorId: 'd1', category: 'EMERGENCY', slotId: 's2', patient: { id: `e${i}`, name: 'x' } });
            const view = await opd.getSlot('s2');
            // Every emergency got a place: its elastic places, then bumps of the overbooked patients.
            expect(view.places.filter((t) => t.category === 'EMERGENCY').length).toBe(overflowCapacity + bumping);
            expect(view.places.length).toBe(capacity + extras + overflowCapacity);
            await opd.close();
          },
        ),
        fcOptions(40),
      );
    },
    timeoutFor(40, 200),
  );

  it('refuses bad options with VALIDATION_FAILED naming them', () => {
    const h = historyWith(1, 2);
    expect(() => CalibratedElastic.fromHistory(h, { risk: 0 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'risk' } }));
    expect(() => CalibratedElastic.fromHistory(h, { risk: 0.1, lookbackDays: 0 })).toThrow(expect.objectContaining({ details: { field: 'lookbackDays' } }));
    expect(() => CalibratedElastic.fromHistory(h, { risk: 0.1, by: ['ward' as never] })).toThrow(expect.objectContaining({ details: { field: 'by' } }));
  });
});
