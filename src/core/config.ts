import { OpdError } from '../errors.js';
import type { CapacityStrategy } from '../policies/capacity.js';
import type { OverflowStrategy } from '../policies/overflow.js';
import type { PriorityPolicy } from '../policies/priority.js';
import type { QuotaStrategy } from '../policies/quota.js';

/** The resolved, frozen configuration the allocation rules run with. */
export interface CoreConfig {
  readonly priority: PriorityPolicy;
  readonly capacity: CapacityStrategy;
  readonly overflow: OverflowStrategy;
  /** Per-channel caps and reserved places; `undefined` for none. */
  readonly quota: QuotaStrategy | undefined;
  /** Default minutes per consultation. */
  readonly consultMinutes: number;
  /** No-show grace period in milliseconds. */
  readonly graceMs: number;
  /** Whether a patient may hold several live tokens per doctor-day. */
  readonly allowDuplicateBookings: boolean;
  /** Local date of an instant in the scheduler's time zone. */
  readonly dayOf: (ms: number) => string;
  /** First instant of a local date in the scheduler's time zone. */
  readonly dayStart: (day: string) => number;
  /**
   * Labels: `null` for one series per doctor-day (the token number); otherwise the prefix of
   * each category's series (categories sharing a prefix share its series).
   */
  readonly labelPrefix: ((category: string) => string) | null;
}

/** The error for a plug-in that threw: an `OpdError` naming it (an `OpdError` it threw passes through). */
export function pluginFailure(role: string, name: string, error: unknown): OpdError {
  if (error instanceof OpdError) return error;
  return new OpdError('VALIDATION_FAILED', `The ${role} \`${name}\` threw`, { details: { field: role, strategy: name }, cause: error });
}

/**
 * Calls a plug-in, turning anything it throws into an `OpdError` that names it, so that a
 * faulty strategy never surfaces as a bare `TypeError` from deep inside.
 */
export function callPlugin<T>(role: string, name: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw pluginFailure(role, name, error);
  }
}
