import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayFormatter, parseDay, parseInstant, utcDay, wallTimeResolver } from '../../src/time.js';

describe('time', () => {
  it('utcDay agrees with toISOString for every instant from 1970 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59) }), (ms) => {
        expect(utcDay(ms)).toBe(new Date(ms).toISOString().slice(0, 10));
      }),
      { seed: 42, numRuns: 20_000 },
    );
  });

  it('the zone formatter agrees with Intl in zones with odd offsets and DST', () => {
    for (const zone of ['Asia/Kolkata', 'Asia/Kathmandu', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns']) {
      const format = dayFormatter(zone);
      const reference = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
      fc.assert(
        fc.property(fc.integer({ min: Date.UTC(1973, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
          expect(format(ms)).toBe(reference.format(ms));
        }),
        { seed: 7, numRuns: 5_000 },
      );
    }
  });

  it('accepts Dates and ISO-8601 strings with an offset only', () => {
    expect(parseInstant('t', '2026-01-30T09:00:00+05:30')).toBe(Date.UTC(2026, 0, 30, 3, 30));
    expect(parseInstant('t', '2026-01-30T09:00Z')).toBe(Date.UTC(2026, 0, 30, 9));
    expect(parseInstant('t', new Date(5))).toBe(5);
    for (const bad of ['2026-01-30T09:00:00', '2026-01-30', '2026-02-30T09:00:00Z', '2026-01-30T24:00:00Z', 'x'.repeat(1000), 5, null, new Date(Number.NaN)]) {
      expect(() => parseInstant('t', bad)).toThrowError(/`t`/);
    }
    expect(parseDay('d', '2028-02-29')).toBe('2028-02-29');
    expect(() => parseDay('d', '2027-02-29')).toThrowError(/`d`/);
  });
});

describe('wallTimeResolver', () => {
  const iso = (xs: number[]): string[] => xs.map((x) => new Date(x).toISOString());
  it('gives one instant for a local time, none in a skipped hour, two in a repeated one', () => {
    const london = wallTimeResolver('Europe/London');
    expect(iso(london('2026-01-30', 9 * 60))).toEqual(['2026-01-30T09:00:00.000Z']);
    expect(iso(london('2026-07-01', 9 * 60))).toEqual(['2026-07-01T08:00:00.000Z']);
    expect(london('2026-03-29', 90)).toEqual([]);
    expect(iso(london('2026-10-25', 90))).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
    expect(iso(wallTimeResolver('Asia/Kolkata')('2026-01-30', 9 * 60))).toEqual(['2026-01-30T03:30:00.000Z']);
    expect(iso(wallTimeResolver('UTC')('1970-01-01', 0))).toEqual(['1970-01-01T00:00:00.000Z']);
    expect(() => wallTimeResolver('Mars/Olympus')).toThrow(/timeZone/);
  });
});
