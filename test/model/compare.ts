/** What the model suites share: running a model call and the scheduler's call side by side. */
import { expect } from 'vitest';
import { outcomeOf } from '../property/support.js';
import { ModelError } from './reference.js';

const codeOf = (error: unknown): string => (error instanceof ModelError ? error.code : `unexpected ${String(error)}`);

/**
 * Runs a model call and the real call; they must both fail with the same code (the scheduler's
 * error naming a field and saying something) or both succeed. Returns both results on success.
 */
export async function both<M, R>(model: () => M, real: () => Promise<R>, label: string): Promise<{ m: M; r: R } | undefined> {
  let m: M | undefined;
  let expected: string | undefined;
  try {
    m = model();
  } catch (error) {
    expected = codeOf(error);
  }
  const outcome = await outcomeOf(real);
  if (expected !== undefined) {
    expect(outcome.ok ? 'success' : outcome.code, `${label}: the model fails with ${expected}`).toBe(expected);
    if (!outcome.ok) {
      expect(typeof outcome.field === 'string' && outcome.field.length > 0, `${label}: details.field`).toBe(true);
      expect(outcome.message.length, `${label}: a message`).toBeGreaterThan(0);
    }
    return undefined;
  }
  expect(outcome.ok ? 'success' : outcome.code, `${label}: the model succeeds`).toBe('success');
  return { m: m as M, r: (outcome as { value: R }).value };
}

/**
 * An event without the fields that record why (the rule that placed a token, the slot that was
 * full, the quota that refused, the ranks a bump compared): the reference model decides places,
 * not their explanation, which the explanation suites check (test/property/explain.test.ts).
 */
export function withoutWhy<E extends { readonly type: string }>(e: E): E {
  const out = { ...e } as Record<string, unknown>;
  if (e.type === 'token:booked') for (const k of ['rule', 'fullSlotId', 'quota', 'bumpedTokenId', 'bumpedRank']) delete out[k];
  if (e.type === 'token:waitlisted') for (const k of ['rank', 'fullSlotId', 'quota']) delete out[k];
  if (e.type === 'token:bumped') for (const k of ['rank', 'byRank', 'byCategory']) delete out[k];
  return out as E;
}
