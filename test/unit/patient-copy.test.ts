/**
 * The usual patient (an id and a name) is copied by a shorter path than any other: it must
 * accept, copy and refuse exactly as the general copy does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyPatient, expectObject } from '../../src/validate.js';

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

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', 'Ann', 'A\u0000B', 'A\u0007B', '\ud800', 'x\udc00', '😀', 'a'.repeat(200), 'a'.repeat(201), 'a'.repeat(10_001)),
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
});
