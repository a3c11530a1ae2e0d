/** The program's readers on their own: the rota file and durations. */
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli/duration.js';
import { CliFailure, UsageError } from '../../src/cli/errors.js';
import { MAX_QUOTED_CHARS, MAX_REPORTED_ROWS, parseRotaCsv } from '../../src/cli/rota-csv.js';

const HEADER = 'doctor_id,weekday,start,end,slot_minutes,capacity,overflow_capacity,from,to';

function refusal(text: string): string {
  try {
    parseRotaCsv(text);
  } catch (error) {
    expect(error).toBeInstanceOf(CliFailure);
    expect((error as CliFailure).code).toBe('BAD_ROTA');
    return (error as Error).message;
  }
  throw new Error('expected BAD_ROTA');
}

describe('the rota file', () => {
  it('groups the rows of a doctor and a date range into one rota, in the order they come, with their lines', () => {
    const groups = parseRotaCsv(
      [
        '\uFEFFto,from,doctor_id,weekday,start,end,slot_minutes,capacity,overflow_capacity,except',
        '2026-03-29,2026-03-02,d1,1,09:00,13:00,15,4,2,',
        '# the evening clinic',
        '',
        '2026-03-29,2026-03-02,"d,2",Wednesday,14:00,17:00,30,6,,2026-03-04; 2026-03-11',
        '2026-03-29,2026-03-02,d1,sun,10:00,11:00,60,1,0,2026-03-08 2026-03-15',
      ].join('\r\n'),
    );
    expect(groups).toEqual([
      {
        doctorId: 'd1',
        rota: {
          weekly: [
            { weekday: 1, start: '09:00', end: '13:00', slotMinutes: 15, capacity: 4, overflowCapacity: 2 },
            { weekday: 7, start: '10:00', end: '11:00', slotMinutes: 60, capacity: 1, overflowCapacity: 0 },
          ],
          from: '2026-03-02',
          to: '2026-03-29',
          except: ['2026-03-08', '2026-03-15'],
        },
        lines: [2, 6],
      },
      {
        doctorId: 'd,2',
        rota: {
          weekly: [{ weekday: 3, start: '14:00', end: '17:00', slotMinutes: 30, capacity: 6 }],
          from: '2026-03-02',
          to: '2026-03-29',
          except: ['2026-03-04', '2026-03-11'],
        },
        lines: [5],
      },
    ]);
  });

  it('names the line and the column of a bad field, and what the header lacks', () => {
    const row = (fields: string) => `${HEADER}\n${fields}\n`;
    expect(refusal('doctor_id,weekday,start\n')).toBe('line 1: the header lacks the columns end, slot_minutes, capacity, from, to');
    expect(refusal(`${HEADER},room\n`)).toBe('line 1: unknown column room');
    expect(refusal(`${HEADER}\n`)).toBe('line 1: the file has no rota rows');
    expect(refusal(row('d1,1,09:00,13:00,15,4,2,2026-03-02'))).toBe('line 2: expected 9 fields as in the header, got 8');
    expect(refusal(row(',1,09:00,13:00,15,4,2,2026-03-02,2026-03-29'))).toBe('line 2: `doctor_id`: expected a doctor id');
    expect(refusal(row('d1,0,09:00,13:00,15,4,2,2026-03-02,2026-03-29'))).toContain('line 2: `weekday`');
    expect(refusal(row('d1,Funday,09:00,13:00,15,4,2,2026-03-02,2026-03-29'))).toContain('got `Funday`');
    expect(refusal(row('d1,1,9:00,13:00,15,4,2,2026-03-02,2026-03-29'))).toBe('line 2: `start`: expected a time HH:MM, got `9:00`');
    expect(refusal(row('d1,1,09:00,24:00,15,4,2,2026-03-02,2026-03-29'))).toContain('`end`');
    expect(refusal(row('d1,1,09:00,13:00,15,-4,2,2026-03-02,2026-03-29'))).toBe('line 2: `capacity`: expected a whole number, got `-4`');
    expect(refusal(row('d1,1,09:00,13:00,15,4,x,2026-03-02,2026-03-29'))).toContain('`overflow_capacity`');
    expect(refusal(row('d1,1,09:00,13:00,15,4,2,2026-02-30,2026-03-29'))).toBe('line 2: `from`: expected a date YYYY-MM-DD, got `2026-02-30`');
    expect(refusal(row('"d1,1,09:00,13:00,15,4,2,2026-03-02,2026-03-29'))).toBe('line 2: a quoted field is not closed');
    expect(refusal(row('"d1"x,1,09:00,13:00,15,4,2,2026-03-02,2026-03-29'))).toBe('line 2: a quoted field is followed by more text');
    expect(refusal(`${HEADER},except\nd1,1,09:00,13:00,15,4,2,2026-03-02,2026-03-29,soon\n`)).toContain('line 2: `except`');
  });
});

describe('the refusals of a rota file stay short, whatever the file', () => {
  it('refuses a header naming a column twice, naming it (in any case)', () => {
    expect(refusal(`${HEADER},capacity\nd1,1,09:00,13:00,15,4,2,2026-03-02,2026-03-29,5\n`)).toBe('line 1: repeated column capacity');
    expect(refusal(`${HEADER},From,CAPACITY,from\n`)).toBe('line 1: repeated columns from, capacity');
  });

  it('names the first bad rows and counts the rest: 50,000 bad rows make a message of a few lines', () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => `d${i},8,09:00,13:00,15,4,2,2026-03-02,2026-03-29`);
    const message = refusal(`${HEADER}\nd0,1,09:00,13:00,15,4,2,2026-03-02,2026-03-29\n${rows.join('\n')}\n`);
    const lines = message.split('\n');
    expect(lines[0]).toBe(`50000 bad rows (the first ${MAX_REPORTED_ROWS} shown):`);
    expect(lines.slice(1, -1)).toEqual(
      Array.from({ length: MAX_REPORTED_ROWS }, (_, i) => `  line ${i + 3}: \`weekday\`: expected 1 (Monday) to 7 (Sunday), or Mon to Sun, got \`8\``),
    );
    expect(lines.at(-1)).toBe(`  and ${50_000 - MAX_REPORTED_ROWS} more rows`);
    expect(message.length).toBeLessThan(2000);
    // A few bad rows: every one named, nothing counted.
    expect(refusal(`${HEADER}\nd1,1,09:00,13:00,15,x,2,2026-03-02,2026-03-29\nd1,1,09:00,13:00,15,4,2,2026-03-02,2026-02-30\n`)).toBe(
      '2 bad rows:\n  line 2: `capacity`: expected a whole number, got `x`\n  line 3: `to`: expected a date YYYY-MM-DD, got `2026-02-30`',
    );
  });

  it('quotes a long field cut, with an ellipsis and its length; a header of many unknown columns by the first few', () => {
    const huge = '9'.repeat(1024 * 1024);
    const message = refusal(`${HEADER}\nd1,1,09:00,13:00,15,${huge},2,2026-03-02,2026-03-29\n`);
    expect(message).toBe(`line 2: \`capacity\`: expected a whole number, got \`${'9'.repeat(MAX_QUOTED_CHARS)}…\` (1048576 characters)`);
    const names = Array.from({ length: 5000 }, (_, i) => `extra_${i}_${'x'.repeat(100)}`);
    const header = refusal(`${HEADER},${names.join(',')}\n`);
    expect(header).toMatch(/^line 1: unknown columns extra_0_x+… \(108 characters\), extra_1_/);
    expect(header).toMatch(/, and 4990 more$/);
    expect(header.length).toBeLessThan(1000);
  });
});

describe('durations of --every', () => {
  it('takes seconds, minutes and hours from 1s to 24h', () => {
    expect(parseDuration('--every', '30s')).toBe(30_000);
    expect(parseDuration('--every', '5m')).toBe(300_000);
    expect(parseDuration('--every', '24h')).toBe(86_400_000);
    for (const bad of ['0s', '25h', '5', 'm', '5 m', '1.5m', '-5m', '5d', '']) expect(() => parseDuration('--every', bad), bad).toThrow(UsageError);
  });
});
