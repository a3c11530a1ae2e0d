/**
 * Token ids, `${doctorId}~${day}~${tokenNumber}`: the adapters read a token's doctor and day from
 * its id (`parseTokenId`) and the core recognises a token's id without building it
 * (`isTokenIdOf`). Both must agree exactly with the id `tokenIdOf` builds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTokenIdOf, parseTokenId, tokenIdOf } from '../../src/model/records.js';
import { fcOptions } from '../property/support.js';

const ID_CHARS = 'abcXYZ019_.:-'.split('');
const doctorIdArb = fc
  .tuple(fc.constantFrom('a', 'Z', '0', '9'), fc.array(fc.constantFrom(...ID_CHARS), { maxLength: 12 }))
  .map(([head, tail]) => head + tail.join(''));
const dayArb = fc
  .date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const numberArb = fc.oneof(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 2 ** 31 }), fc.constant(Number.MAX_SAFE_INTEGER));

/** An edit of a string: a character replaced, inserted or removed at a position. */
const editArb = fc.record({
  kind: fc.constantFrom('replace', 'insert', 'remove'),
  at: fc.nat(),
  char: fc.constantFrom('~', '0', '1', '9', 'a', '-', ' ', '.'),
});
const applyEdit = (s: string, e: { kind: string; at: number; char: string }): string => {
  const i = e.at % (s.length + 1);
  if (e.kind === 'insert') return s.slice(0, i) + e.char + s.slice(i);
  if (e.kind === 'remove') return s.slice(0, i) + s.slice(i + 1);
  return s.slice(0, i) + e.char + s.slice(i + 1);
};

describe('token ids', () => {
  it('parseTokenId gives back the parts tokenIdOf was built from, and isTokenIdOf recognises the id', () => {
    fc.assert(
      fc.property(doctorIdArb, dayArb, numberArb, (doctorId, day, tokenNumber) => {
        const id = tokenIdOf(doctorId, day, tokenNumber);
        expect(parseTokenId(id)).toEqual({ doctorId, day, tokenNumber });
        expect(isTokenIdOf(id, doctorId, day, tokenNumber)).toBe(true);
      }),
      fcOptions(500),
    );
  });

  it('isTokenIdOf is true exactly for the id tokenIdOf builds, whatever the string', () => {
    fc.assert(
      fc.property(
        doctorIdArb,
        dayArb,
        numberArb,
        fc.array(editArb, { maxLength: 3 }),
        doctorIdArb,
        dayArb,
        numberArb,
        (doctorId, day, n, edits, otherDoctor, otherDay, otherN) => {
          const id = tokenIdOf(doctorId, day, n);
          const s = edits.reduce(applyEdit, id);
          expect(isTokenIdOf(s, doctorId, day, n)).toBe(s === id);
          // Against other parts, the same string is recognised only when they build it.
          expect(isTokenIdOf(s, otherDoctor, otherDay, otherN)).toBe(s === tokenIdOf(otherDoctor, otherDay, otherN));
        },
      ),
      fcOptions(2000),
    );
  });

  it('parseTokenId accepts a string only when it is the id of the parts it gives', () => {
    fc.assert(
      fc.property(doctorIdArb, dayArb, numberArb, fc.array(editArb, { maxLength: 3 }), (doctorId, day, n, edits) => {
        const s = edits.reduce(applyEdit, tokenIdOf(doctorId, day, n));
        const parts = parseTokenId(s);
        if (parts === undefined) {
          // Refused: no doctor id without '~' and no 10-character day builds it with a token number.
          const [d, rest] = [s.slice(0, s.indexOf('~')), s.slice(s.indexOf('~') + 1)];
          const number = rest.slice(rest.lastIndexOf('~') + 1);
          const canonical = /^[1-9][0-9]*$/.test(number) && Number.isSafeInteger(Number(number));
          expect(d.length > 0 && rest.lastIndexOf('~') === 10 && canonical).toBe(false);
        } else {
          expect(tokenIdOf(parts.doctorId, parts.day, parts.tokenNumber)).toBe(s);
          expect(parts.tokenNumber).toBeGreaterThanOrEqual(1);
          expect(parts.day).toHaveLength(10);
          expect(parts.doctorId).not.toContain('~');
        }
      }),
      fcOptions(2000),
    );
  });

  it('refuses token numbers that are not whole and positive, and ids with leading zeros', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(isTokenIdOf(`d1~2026-01-30~${bad}`, 'd1', '2026-01-30', bad)).toBe(false);
    }
    expect(parseTokenId('d1~2026-01-30~07')).toBeUndefined();
    expect(parseTokenId('d1~2026-01-30~0')).toBeUndefined();
    expect(parseTokenId('~2026-01-30~7')).toBeUndefined();
    expect(parseTokenId('d1~2026-1-30~7')).toBeUndefined();
    expect(parseTokenId('d1~2026-01-30~9007199254740993')).toBeUndefined();
    expect(isTokenIdOf('d1~2026-01-30~07', 'd1', '2026-01-30', 7)).toBe(false);
    expect(isTokenIdOf('d1~2026-01-30~7', 'd1', '2026-01-3', 7)).toBe(false);
    expect(parseTokenId('d1~2026-01-30~7')).toEqual({ doctorId: 'd1', day: '2026-01-30', tokenNumber: 7 });
    // Each part of the id is checked, whatever the others say.
    expect(isTokenIdOf('d1~2026-01-30~1', 'd1', '2026-01-30', 1)).toBe(true);
    expect(isTokenIdOf('d1X2026-01-30~7', 'd1', '2026-01-30', 7)).toBe(false);
    expect(isTokenIdOf('d1~2026-01-30X7', 'd1', '2026-01-30', 7)).toBe(false);
    expect(isTokenIdOf('d1~2026-01-30~7a', 'd1', '2026-01-30', 119)).toBe(false);
    expect(isTokenIdOf('d1~2026-01-30~7/', 'd1', '2026-01-30', 69)).toBe(false);
    expect(isTokenIdOf('d1~2026-01-30~8', 'd1', '2026-01-30', 7)).toBe(false);
    expect(isTokenIdOf('d1~2026-01-30~', 'd1', '2026-01-30', 7)).toBe(false);
    expect(isTokenIdOf('d1~2026-01-30~', 'd1', '2026-01-30', 0)).toBe(false);
  });
});
