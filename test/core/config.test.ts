/**
 * How the core reads a plug-in's answer (`src/core/config.ts`): what a strategy or policy that
 * throws, refuses with its own `OpdError`, answers with a promise or answers with the wrong kind
 * of value turns into. The scheduler tests reach these through whole calls; these pin the
 * messages and fields a caller reads, and which field names a plug-in's own error may pass on.
 */
import { describe, expect, it } from 'vitest';
import { ErrorSummary, OpdError } from '../../src/errors.js';
import { badAnswer, callPlugin, displacedOptions, elasticAnswer, fullOptions, pluginAnswer, pluginFailure } from '../../src/core/config.js';

/** What a caller reads of an error. */
const seen = (error: unknown): { code: string; message: string; details: Record<string, unknown> } => {
  const e = error as OpdError;
  return { code: e.code, message: e.message, details: { ...e.details } };
};

const refusing = (field: unknown): OpdError => new OpdError('SLOT_FULL', 'no room for Asha Verma', { details: { field: field as string } });

describe('a plug-in that throws', () => {
  it('an OpdError of its own keeps its code, and its field when that is a plain path, never its message', () => {
    const error = pluginFailure('quota strategy', 'desk quota', refusing('patient.age'));
    expect(seen(error)).toEqual({
      code: 'SLOT_FULL',
      message: 'The quota strategy `desk quota` refused the call (SLOT_FULL, field patient.age)',
      details: { field: 'patient.age', strategy: 'desk quota' },
    });
    expect(error.cause).toBeInstanceOf(ErrorSummary);
    expect(error.message).not.toContain('Asha');
  });

  it('passes on only field names that are paths of identifiers and indexes, of at most 100 characters', () => {
    const kept = ['a', 'patient.age', 'slots[2].capacity', 'x[12]', 'a.bc', '_x.y_z9', `a${'b'.repeat(99)}`];
    const dropped = [' patient.age', 'patient.age ', 'a.1b', 'x[a]', 'x[]', 'a.b!', 'a..b', '9a', '', `a${'b'.repeat(100)}`, 5, null, undefined];
    for (const field of kept) {
      const error = pluginFailure('capacity strategy', 'c', refusing(field));
      expect(error.details['field'], String(field)).toBe(field);
      expect(error.message).toBe(`The capacity strategy \`c\` refused the call (SLOT_FULL, field ${String(field)})`);
    }
    for (const field of dropped) {
      const error = pluginFailure('capacity strategy', 'c', refusing(field));
      expect(error.details['field'], JSON.stringify(field)).toBe('capacity strategy');
      expect(error.message).toBe('The capacity strategy `c` refused the call (SLOT_FULL)');
    }
  });

  it('anything else it throws is VALIDATION_FAILED naming it, the thrown value reduced to its class', () => {
    const error = pluginFailure('priority policy', 'triage', new TypeError('Asha Verma has no age'));
    expect(seen(error)).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'The priority policy `triage` threw',
      details: { field: 'priority policy', strategy: 'triage' },
    });
    expect(String(error.cause)).not.toContain('Asha');
    expect(
      seen(
        catching(() =>
          callPlugin('priority policy', 'triage', () => {
            throw new Error('x');
          }),
        ),
      ),
    ).toMatchObject({ code: 'VALIDATION_FAILED', details: { strategy: 'triage' } });
    expect(callPlugin('priority policy', 'triage', () => 3)).toBe(3);
  });
});

describe("a plug-in's answer", () => {
  it('a promise (any thenable, a function too) is refused, and its rejection handled', async () => {
    const refusal = {
      code: 'VALIDATION_FAILED',
      message: 'The overflow strategy `later` returned a promise: strategies and policies answer synchronously',
      details: { field: 'overflow strategy', strategy: 'later' },
    };
    expect(seen(catching(() => pluginAnswer('overflow strategy', 'later', Promise.reject(new Error('down')))))).toEqual(refusal);
    const callable = Object.assign(() => 1, { then: (_ok: unknown, no: (e: unknown) => void) => no(new Error('down')) });
    expect(seen(catching(() => pluginAnswer('overflow strategy', 'later', callable)))).toEqual(refusal);
    // A thenable whose `then` throws when called: refused all the same.
    const broken = {
      then: () => {
        throw new Error('broken');
      },
    };
    expect(seen(catching(() => pluginAnswer('overflow strategy', 'later', broken)))).toEqual(refusal);
    await new Promise((resolve) => setTimeout(resolve, 0));
  });

  it('a `then` that cannot be read is the plug-in failing; anything without a callable `then` is the answer', () => {
    const unreadable = Object.defineProperty({}, 'then', {
      get: () => {
        throw new Error('trap');
      },
    });
    expect(seen(catching(() => pluginAnswer('capacity strategy', 'c', unreadable)))).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'The capacity strategy `c` threw',
      details: { field: 'capacity strategy', strategy: 'c' },
    });
    const plain = { then: 'later' };
    expect(pluginAnswer('capacity strategy', 'c', plain)).toBe(plain);
    expect(pluginAnswer('capacity strategy', 'c', null)).toBeNull();
    expect(pluginAnswer('capacity strategy', 'c', 2)).toBe(2);
    const fn = (): number => 1;
    expect(pluginAnswer('capacity strategy', 'c', fn)).toBe(fn);
  });

  it('of the wrong kind names the plug-in and what it should have given', () => {
    expect(seen(badAnswer('quota strategy', 'q', '`true` or `false`'))).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'The quota strategy `q` gave an answer that is not `true` or `false`',
      details: { field: 'quota strategy', strategy: 'q' },
    });
    expect(seen(catching(() => fullOptions('o', ['bump', 'fly'])))).toEqual({
      code: 'VALIDATION_FAILED',
      message: "The overflow strategy `o` gave an answer that is not an array of 'bump', 'next-slot', 'waitlist' or 'reject' from `whenFull`",
      details: { field: 'overflow strategy', strategy: 'o' },
    });
    expect(fullOptions('o', ['waitlist', 'reject'])).toEqual(['waitlist', 'reject']);
    expect(seen(catching(() => displacedOptions('o', [{ kind: 'teleport' }])))).toEqual({
      code: 'VALIDATION_FAILED',
      message: "The overflow strategy `o` gave an answer that is not an array of displaced options ('cascade', 'waitlist' or 'drop') from `whenDisplaced`",
      details: { field: 'overflow strategy', strategy: 'o' },
    });
    expect(displacedOptions('o', [{ kind: 'drop' }])).toEqual([{ kind: 'drop' }]);
  });

  it('elastic places: a number, 0 or more, Infinity allowed', () => {
    expect(elasticAnswer('c', 0)).toBe(0);
    expect(elasticAnswer('c', 2)).toBe(2);
    expect(elasticAnswer('c', Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    for (const bad of [-1, '2', Number.NaN, null]) {
      expect(seen(catching(() => elasticAnswer('c', bad))), String(bad)).toEqual({
        code: 'VALIDATION_FAILED',
        message: 'The capacity strategy `c` gave an answer that is not a number of elastic places, 0 or more',
        details: { field: 'capacity strategy', strategy: 'c' },
      });
    }
  });
});

function catching(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}
