/**
 * A group's durations: exact percentiles (the nearest rank `fairness()` uses) up to a bound, and
 * bounded memory past it, to the second, then to the minute.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/explain/fairness.js';
import { Durations, MAX_EXACT_DURATIONS, RowTally, select } from '../../src/reports/tally.js';
import { fcOptions } from '../property/support.js';

const MINUTE = 60_000;

describe('Durations', () => {
  it('gives the nearest-rank percentiles of fairness() over the values, in minutes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 * 60 * MINUTE }), { maxLength: 300 }), (values) => {
        const d = new Durations();
        for (const v of values) d.add(v);
        d.add(null);
        const sorted = values.map((v) => v / MINUTE).sort((a, b) => a - b);
        expect(d.summary()).toEqual({ count: values.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.length === 0 ? null : sorted.at(-1)! });
      }),
      fcOptions(200),
    );
  });

  it('keeps MAX_EXACT_DURATIONS values exactly: past them, counts them by the second (rounded down), then past as many seconds by the minute', () => {
    const d = new Durations();
    const n = MAX_EXACT_DURATIONS + 10_000;
    // Distinct milliseconds over some 26 seconds: to the second, 27 values are left.
    for (let i = 0; i < n; i++) d.add(i);
    const sorted = Array.from({ length: n }, (_, i) => (i - (i % 1000)) / MINUTE);
    expect(d.summary()).toEqual({ count: n, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1)! });
    // Distinct seconds over some five hours: to the minute.
    const long = new Durations();
    const m = MAX_EXACT_DURATIONS + 5;
    for (let i = 0; i < m; i++) long.add(i * 1000 + 7);
    const minutes = Array.from({ length: m }, (_, i) => Math.floor((i * 1000 + 7) / MINUTE));
    expect(long.summary()).toEqual({ count: m, p50: percentile(minutes, 50), p95: percentile(minutes, 95), max: minutes.at(-1)! });
  });

  it('past the exact values, gives the percentiles of the durations to the second, in any order they come', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 * 60 * MINUTE }), { minLength: 1, maxLength: 2000 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (extra, seed) => {
        const d = new Durations();
        const values: number[] = [];
        // A run of exact values first (a pseudo-random walk from the seed), then the drawn ones.
        let x = seed;
        for (let i = 0; i < MAX_EXACT_DURATIONS; i++) {
          x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
          values.push(x % (3 * 60 * MINUTE));
        }
        values.push(...extra);
        for (const v of values) d.add(v);
        const seconds = values.map((v) => (v - (v % 1000)) / MINUTE).sort((a, b) => a - b);
        expect(d.summary()).toEqual({ count: values.length, p50: percentile(seconds, 50), p95: percentile(seconds, 95), max: seconds.at(-1)! });
      }),
      fcOptions(20),
    );
  });
});

describe('select', () => {
  it('puts the k-th smallest at k, the smaller before it and the larger after', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 200 }), fc.nat(), (values, at) => {
        const a = Float64Array.from(values);
        const k = at % values.length;
        select(a, k, 0, a.length - 1);
        const sorted = [...values].sort((x, y) => x - y);
        expect(a[k]).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]!);
        for (let i = k + 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]!);
        expect([...a].sort((x, y) => x - y)).toEqual(sorted);
      }),
      fcOptions(300),
    );
  });
});

describe('Durations.addAll', () => {
  it('counts exactly what adding each value would, exact or coarse on either side', () => {
    const sizes = fc.constantFrom(0, 1, 50, MAX_EXACT_DURATIONS - 10, MAX_EXACT_DURATIONS + 3_000);
    fc.assert(
      fc.property(sizes, sizes, fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(60 * MINUTE, 8 * 60 * MINUTE), (m, n, seed, spread) => {
        let x = seed;
        const draw = (): number => {
          x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
          return x % spread;
        };
        const a = Array.from({ length: m }, draw);
        const b = Array.from({ length: n }, draw);
        const one = new Durations();
        for (const v of [...a, ...b]) one.add(v);
        const left = new Durations();
        for (const v of a) left.add(v);
        const right = new Durations();
        for (const v of b) right.add(v);
        left.addAll(right);
        // The same multiset at the same resolution: the same figures, whichever side was coarse.
        expect(left.summary()).toEqual(one.summary());
      }),
      fcOptions(40),
    );
  });
});

describe('RowTally.clear', () => {
  it('leaves a tally as a new one: reused, it counts what a new one would', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 * 60 * MINUTE }), { maxLength: 100 }), fc.boolean(), (values, coarse) => {
        const facts = (v: number) => ({ requested: true, booked: true, ending: 'attended' as const, category: 'WALK_IN', elastic: v % 2 === 0, repeat: null, dueToCall: v, checkInToCall: v, checkInToConsultation: null, leadTime: v, emergencyToDoctor: null });
        const reused = new RowTally('r', false);
        // Filled past its exact durations (or not) first, then cleared.
        for (let i = 0; i < (coarse ? MAX_EXACT_DURATIONS + 10 : 20); i++) reused.addToken(facts(i * 997));
        reused.addSlot(5, 3);
        reused.clear();
        const fresh = new RowTally('r', false);
        for (const v of values) {
          reused.addToken(facts(v));
          fresh.addToken(facts(v));
        }
        expect(reused.row(false)).toEqual(fresh.row(false));
      }),
      fcOptions(30),
    );
  });
});
