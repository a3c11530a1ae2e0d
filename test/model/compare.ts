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
