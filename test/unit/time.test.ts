import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayFormatter, localDaysAdder, parseDay, parseInstant, utcDay, wallTimeResolver } from '../../src/time.js';

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
        fc.property(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), (ms) => {
          expect(format(ms)).toBe(reference.format(ms));
        }),
        { seed: 7, numRuns: 5_000 },
      );
    }
  });

  it('the zone formatter agrees with Intl minute by minute where a zone changes its date off a quarter hour', () => {
    // Newfoundland changed clocks at 00:01 until 2011, Gaza at 00:01 in 2010, Casey station at
    // odd minutes in 2020–2022, and Kiritimati's −10:40 put midnight inside a quarter hour.
    const cases: [string, string][] = [
      ['America/St_Johns', '2010-11-07T02:31:00Z'],
      ['America/St_Johns', '2010-03-14T03:31:00Z'],
      ['Asia/Gaza', '2010-03-26T22:01:00Z'],
      ['Pacific/Kiritimati', '1975-06-01T10:40:00Z'],
      ['Pacific/Kiritimati', '1972-06-01T10:40:00Z'],
    ];
    for (const [zone, around] of cases) {
      const format = dayFormatter(zone);
      const reference = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
      const at = Date.parse(around);
      // Each minute of two hours around it, and each minute's last millisecond.
      for (let ms = at - 60 * 60_000; ms <= at + 60 * 60_000; ms += 60_000) {
        for (const t of [ms, ms + 59_999]) expect(format(t), `${zone} ${new Date(t).toISOString()}`).toBe(reference.format(t));
      }
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

  it('resolves local times where a zone changed its clocks off a quarter hour', () => {
    // St. John's, 2010-03-14: 00:01 NST (−3:30) became 01:01 NDT (−2:30); 2010-11-07: 00:01 NDT
    // became 23:01 NST of the day before.
    const stJohns = wallTimeResolver('America/St_Johns');
    expect(iso(stJohns('2010-03-14', 0))).toEqual(['2010-03-14T03:30:00.000Z']);
    expect(stJohns('2010-03-14', 5)).toEqual([]);
    expect(stJohns('2010-03-14', 60)).toEqual([]);
    expect(iso(stJohns('2010-03-14', 65))).toEqual(['2010-03-14T03:35:00.000Z']);
    expect(iso(stJohns('2010-11-07', 0))).toEqual(['2010-11-07T02:30:00.000Z', '2010-11-07T03:30:00.000Z']);
    expect(iso(stJohns('2010-11-07', 5))).toEqual(['2010-11-07T03:35:00.000Z']);
    expect(iso(stJohns('2010-11-06', 23 * 60 + 30))).toEqual(['2010-11-07T02:00:00.000Z', '2010-11-07T03:00:00.000Z']);
  });
});

describe('localDaysAdder', () => {
  const later = (zone: string, from: string, days: number): string => new Date(localDaysAdder(zone)(Date.parse(from), days)).toISOString();
  it('keeps the local time of day across clock changes, and is plain arithmetic without them', () => {
    // New York went back an hour on 2026-11-01 and forward on 2026-03-08.
    expect(later('America/New_York', '2026-10-31T10:00:00-04:00', 1)).toBe('2026-11-01T15:00:00.000Z'); // 10:00 EST
    expect(later('America/New_York', '2026-03-07T10:00:00-05:00', 1)).toBe('2026-03-08T14:00:00.000Z'); // 10:00 EDT
    expect(later('America/New_York', '2026-03-07T10:00:00-05:00', 28)).toBe('2026-04-04T14:00:00.000Z');
    expect(later('America/New_York', '2026-01-10T10:00:00-05:00', 7)).toBe('2026-01-17T15:00:00.000Z');
    expect(later('Asia/Kolkata', '2026-01-30T23:30:00+05:30', 1)).toBe('2026-01-31T18:00:00.000Z');
    expect(later('UTC', '2026-01-30T09:00:00Z', 0)).toBe('2026-01-30T09:00:00.000Z');
    // Lord Howe moves by half an hour.
    expect(later('Australia/Lord_Howe', '2026-04-04T10:00:00+11:00', 1)).toBe('2026-04-04T23:30:00.000Z'); // 10:00 at +10:30
  });

  it('gives a skipped local time as if the clocks had not changed, and the first of a repeated one', () => {
    // 02:30 on 2026-03-08 does not exist in New York: 02:30 EST, which is 03:30 EDT.
    expect(later('America/New_York', '2026-03-07T02:30:00-05:00', 1)).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 on 2026-11-01 happens twice: the first, in EDT.
    expect(later('America/New_York', '2026-10-31T01:30:00-04:00', 1)).toBe('2026-11-01T05:30:00.000Z');
    // The same from the other side of a clock change: the answer does not depend on the start's offset.
    expect(later('America/New_York', '2026-01-10T01:30:00-05:00', 295)).toBe('2026-11-01T05:30:00.000Z');
    expect(later('America/New_York', '2026-09-01T02:30:00-04:00', 194)).toBe('2027-03-14T07:30:00.000Z');
    // Santiago skips midnight (00:00 becomes 01:00 on 2026-09-06): as if it had not.
    expect(later('America/Santiago', '2026-03-01T00:00:00-03:00', 189)).toBe(later('America/Santiago', '2026-09-05T00:00:00-04:00', 1));
    expect(later('America/Santiago', '2026-09-05T00:00:00-04:00', 1)).toBe('2026-09-06T04:00:00.000Z');
    expect(() => localDaysAdder('Mars/Olympus')).toThrow(/timeZone/);
  });

  it('adds zero days to the second of a repeated local time as that instant, not the first (an hour earlier)', () => {
    expect(later('America/New_York', '2026-11-01T01:30:00-05:00', 0)).toBe('2026-11-01T06:30:00.000Z');
    expect(later('America/New_York', '2026-11-01T01:30:00-04:00', 0)).toBe('2026-11-01T05:30:00.000Z');
  });
});
