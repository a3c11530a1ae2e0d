/**
 * Entering a desk's log on reconnect: the desk read as given (its lease, then its log), and what
 * the reconcile runs through — this scheduler's units, reads and transitions.
 */
import { cancel, checkIn } from '../core/commands/transitions.js';
import { type ReconcileHost, reconcileDesk } from '../desk/reconcile.js';
import type { ReconcileReport } from '../desk/types.js';
import { parseLeaseRef } from '../inputs.js';
import { readInput } from '../validate.js';
import type { Reads } from './reads.js';
import type { Runner } from './run.js';

/** The lease of the desk given to `reconcile`, read as given (checked inside the call). */
export function deskLease(desk: unknown): unknown {
  return typeof desk === 'object' && desk !== null ? (desk as { lease?: unknown }).lease : undefined;
}

/**
 * Reconciles `desk`: its `lease` (as {@link deskLease} read it), then its `log()`.
 * @throws OpdError `VALIDATION_FAILED` for an unknown lease or a log a desk could not have written
 */
export async function reconcile(runner: Runner, reads: Reads, clock: () => number, lease: unknown, desk: unknown): Promise<ReconcileReport> {
  const ref = readInput('desk.lease', () => parseLeaseRef(lease));
  const log = readInput('desk', () => (desk as { log(): unknown }).log());
  return reconcileDesk(deskHost(runner, reads, clock), ref, log);
}

/** What a desk's reconcile runs through: the scheduler's units, reads and transitions. */
function deskHost(runner: Runner, reads: Reads, clock: () => number): ReconcileHost {
  return {
    config: runner.config,
    now: clock,
    run: (command, input, now) => runner.run('reconcile', command, input, now),
    lease: (doctorId, day, leaseId) => reads.lease(doctorId, day, leaseId),
    token: (tokenId) => reads.token(tokenId, clock),
    cancel: (tokenId, leaseId) => runner.transition('cancel', cancel, tokenId, 'desk', null, clock, leaseId),
    checkIn: (tokenId) => runner.transition('checkIn', checkIn, tokenId, null, null, clock),
  };
}
