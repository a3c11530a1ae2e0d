/**
 * A unit's decision as the unit loops run it: a decision (or the integrator's work) that throws is
 * rethrown as is and never retried ({@link DecisionFailed}), and a unit that keeps asking for more,
 * or for another doctor's lock once its locks are taken, is refused.
 */
import { OpdError } from '../errors.js';
import type { Decision, DoctorSnapshot } from '../model/snapshot.js';

/** How many times a unit may ask for more data before it is refused. */
export const MAX_ROUNDS = 8;

/**
 * A unit's decision (or the integrator's work) threw: rethrown as is, never retried. `forget`: the
 * database may hold something the adapter's copy does not (the work ended the unit's transaction
 * itself), so the copy of the unit's doctors is dropped.
 */
export class DecisionFailed {
  constructor(
    readonly error: unknown,
    readonly forget = false,
  ) {}
}

/** `decide(snapshot)`, a throw wrapped as {@link DecisionFailed}. */
export function decided<R>(decide: (snapshot: DoctorSnapshot) => Decision<R>, snapshot: DoctorSnapshot): Decision<R> {
  try {
    return decide(snapshot);
  } catch (error) {
    throw new DecisionFailed(error);
  }
}

/** A unit that asked for more data {@link MAX_ROUNDS} times. */
export function keptAsking(adapter: string): DecisionFailed {
  return new DecisionFailed(new OpdError('STORAGE_FAILURE', 'A unit of work kept asking for more data', { details: { adapter } }));
}

export function outOfOrder(adapter: string): OpdError {
  return new OpdError('STORAGE_FAILURE', 'A unit of work asked to lock another doctor after its locks were taken', { details: { adapter } });
}
