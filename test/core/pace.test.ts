/**
 * The day's pace reads only its last completions (`keepLatest` in src/model/queue.ts, which keeps
 * the n largest as they are found, without gathering and sorting the whole day): it must give
 * exactly what sorting them all would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keepLatest } from '../../src/model/queue.js';

/** The n largest of `values`, kept one value at a time, as a day's estimates keep them slot by slot. */
function latest(values: readonly number[], n: number): number[] {
  const top: number[] = [];
  for (const v of values) keepLatest(top, v, n);
  return top;
}

const sortedTail = (values: readonly number[], n: number): number[] => [...values].sort((a, b) => a - b).slice(-n);

describe('keepLatest: the n largest of a day’s completion times, in ascending order', () => {
  it('equals the tail of the full sort, for any times (repeats included) and any n', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 60 }), fc.integer({ min: 1, max: 15 }), (values, n) => {
        expect(latest(values, n)).toEqual(sortedTail(values, n));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves its input as it was, and keeps a day of fewer than n completions whole', () => {
    const day = [5, 1, 4, 1, 9];
    expect(latest(day, 3)).toEqual([4, 5, 9]);
    expect(latest(day, 11)).toEqual([1, 1, 4, 5, 9]);
    expect(latest(day, 5)).toEqual([1, 1, 4, 5, 9]);
    expect(day).toEqual([5, 1, 4, 1, 9]);
    expect(latest([3, 3, 3, 3], 2)).toEqual([3, 3]);
    expect(latest([], 4)).toEqual([]);
  });
});
