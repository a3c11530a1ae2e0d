/**
 * The usual patient (an id and a name) is copied by a shorter path than any other: it must
 * accept, copy and refuse exactly as the general copy does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyPatient, expectObject, isId } from '../../src/validate.js';

/** What copying gives: the copy and its keys, or the error's code, field and message. */
function outcome(patient: unknown): unknown {
  try {
    const copy = copyPatient(patient);
    return { copy, keys: Object.keys(copy), frozen: Object.isFrozen(copy) };
  } catch (error) {
    const e = error as { code?: string; message?: string; details?: unknown };
    return { code: e.code, message: e.message, details: e.details };
  }
}

/** White space and line terminators `trim` removes, and characters it keeps that look alike. */
const spaces = [
  '\t',
  '\n',
  '\u000b',
  '\f',
  '\r',
  ' ',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
  '\u0085',
  '\u180e',
  '\u200b',
];
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({
    unit: fc.oneof(fc.constantFrom(...spaces), fc.constantFrom('a', 'Z', '\u0000', '\u0001', '\u007f', '\u009b', '\ud83d', '\ude00')),
    maxLength: 6,
  }),
  fc.constantFrom(
    '',
    ' ',
    'Ann',
    'A\u0000B',
    'A\u0007B',
    '\ud800',
    'x\udc00',
    '😀',
    'a'.repeat(200),
    'a'.repeat(201),
    'a'.repeat(10_001),
    ' \u3000\ufeff',
    '\u0085',
  ),
);

describe('copyPatient', () => {
  it('copies an id and a name (either order) as the general copy does, and refuses them alike', () => {
    fc.assert(
      fc.property(text, text, fc.boolean(), (id, name, idFirst) => {
        const usual = idFirst ? { id, name } : { name, id };
        // A third key holding `undefined` is dropped by the general copy, which it forces.
        const general = idFirst ? { id, name, more: undefined } : { name, id, more: undefined };
        expect(outcome(usual)).toEqual(outcome(general));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps only the two fields, frozen, in the order given', () => {
    const copy = copyPatient({ name: 'Ann', id: 'p1' });
    expect(Object.keys(copy)).toEqual(['name', 'id']);
    expect(Object.isFrozen(copy)).toBe(true);
  });

  it('reads own fields only: an enumerable key added to Object.prototype is not copied, and not an unknown field', () => {
    const prototype = Object.prototype as Record<string, unknown>;
    Object.defineProperty(prototype, 'extra', { value: 'inherited', enumerable: true, configurable: true, writable: true });
    try {
      const copy = copyPatient({ id: 'p1', name: 'Ann' });
      expect(Object.keys(copy)).toEqual(['id', 'name']);
      expect(Object.hasOwn(copy, 'extra')).toBe(false);
      const request = { doctorId: 'd1', category: 'ONLINE' };
      expect(expectObject('request', request, new Set(['doctorId', 'category']))).toBe(request);
      expect(() => expectObject('request', { doctorId: 'd1', slotID: 's' }, new Set(['doctorId']))).toThrow('Unknown field `slotID`');
    } finally {
      delete prototype['extra'];
    }
  });

  it('names a top-level field in a refusal, and below the top level shows field names as `*` (they can be data)', () => {
    const refusal = (patient: unknown): { field: unknown; message: string } => {
      const e = outcome(patient) as { details?: { field?: unknown }; message?: string };
      return { field: e.details?.field, message: e.message ?? '' };
    };
    expect(refusal({ name: 'A', phone: Number.NaN }).field).toBe('patient.phone');
    const nested = [
      { name: 'A', conditions: { 'HIV+ since 2019': Number.POSITIVE_INFINITY } },
      { name: 'A', conditions: { penicillin: { 'reaction: anaphylaxis': 'x'.repeat(10_001) } } },
      { name: 'A', conditions: { 'HIV+': [1, { onART: new Date(0) }] } },
      {
        name: 'A',
        conditions: {
          get 'HIV+'() {
            throw new Error('no');
          },
        },
      },
      { name: 'A', conditions: { 'HIV+': '\ud800' } },
    ];
    const fields = nested.map((patient) => refusal(patient));
    expect(fields.map((f) => f.field)).toEqual([
      'patient.conditions.*',
      'patient.conditions.*.*',
      'patient.conditions.*[1].*',
      'patient.conditions.*',
      'patient.conditions.*',
    ]);
    for (const { message } of fields) expect(message).not.toMatch(/HIV|penicillin|anaphylaxis|onART/);
  });

  it('refuses a patient bigger in all than its limits at once, however its arrays are shared', () => {
    const row = Array<number>(1000).fill(0);
    const grid = Array<number[]>(1000).fill(row);
    const started = performance.now();
    expect(outcome({ name: 'A', notes: Array<number[][]>(1000).fill(grid) })).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'patient' },
      message: 'Expected `patient` to hold at most 10,000 values in all',
    });
    const text = 'x'.repeat(10_000);
    expect(outcome({ name: 'A', notes: Array<string>(101).fill(text) })).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'patient' },
      message: 'Expected `patient` to hold at most 1,000,000 characters in all',
    });
    expect(performance.now() - started).toBeLessThan(1_000);
    // Up to the limits, accepted.
    expect(outcome({ name: 'A', notes: Array<string>(99).fill(text), grid: Array<number[]>(9).fill(row) })).toMatchObject({ frozen: true });
  });
});

describe('isId', () => {
  it('accepts exactly what the id pattern accepts', () => {
    const pattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
    const unit = fc.constantFrom('a', 'z', 'A', 'Z', '0', '9', '_', '.', ':', '-', '/', '@', '`', '[', '{', ' ', '\n', 'é', '~');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit, maxLength: 8 }), fc.string({ unit, minLength: 99, maxLength: 102 }), fc.string({ maxLength: 8 })), (text) => {
        expect(isId(text)).toBe(pattern.test(text));
      }),
      { numRuns: 5000 },
    );
  });
});
