/**
 * The dates the scheduler hands out: one date may be shared by a result, its events and every
 * listener, so no setter may change it, and the cache of recent dates must give each caller a date
 * of the instant it asked for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FixedDate, fixedDate } from '../../src/model/instant.js';
import { fcOptions } from '../property/support.js';

/** Every setter a `Date` has, the legacy `setYear` included. */
const SETTERS = Object.getOwnPropertyNames(Date.prototype).filter((name) => name.startsWith('set'));

const instant = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) });

describe('fixedDate', () => {
  it('knows every setter of Date, legacy setYear included', () => {
    expect(SETTERS).toContain('setYear');
    expect(SETTERS.length).toBeGreaterThanOrEqual(16);
  });

  it('every setter throws a TypeError that names it, and the date keeps its instant', () => {
    fc.assert(
      fc.property(instant, fc.array(fc.integer({ min: -1_000, max: 1_000 }), { maxLength: 4 }), (ms, args) => {
        const date = fixedDate(ms);
        // Every setter at each run: a property of few runs still tries them all.
        for (const setter of SETTERS) {
          const set = (date as unknown as Record<string, (...values: number[]) => number>)[setter]!;
          expect(() => set.apply(date, args), setter).toThrow(
            new TypeError(`Dates returned by opd-scheduler cannot be changed (${setter}); copy one with new Date(date)`),
          );
        }
        expect(date.getTime()).toBe(ms);
        expect(date).toBeInstanceOf(FixedDate);
        expect(date).toBeInstanceOf(Date);
      }),
      fcOptions(50),
    );
  });

  it('gives a date of the instant asked for, a new one each time: no date is kept between calls', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 40 }), (picks) => {
        const given = new Set<Date>();
        for (const pick of picks) {
          const ms = Date.UTC(2026, 0, 30, 9, pick);
          const date = fixedDate(ms);
          expect(date.getTime()).toBe(ms);
          expect(date).toBeInstanceOf(FixedDate);
          expect(given.has(date)).toBe(false);
          given.add(date);
        }
      }),
      fcOptions(200),
    );
  });
});
