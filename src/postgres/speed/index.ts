/**
 * The speed machinery of the PostgreSQL adapter — a reader following a unit may skip this folder.
 *
 * Nothing here decides anything or changes what a unit does: each unit is still decided by the
 * core on a snapshot read under its doctor's lock (or checked against it: see below) and written in
 * one transaction, and every failure is reported as the unit loop reports it (`../unit.ts`, the
 * whole road of a unit). What each piece buys, measured by `npm run bench:pg` (docs/storage.md):
 *
 * - **The day cache** (`cache.ts`, `day-view.ts`): the adapter's copy of the doctors' days, each
 *   as of the doctor's `rev`. A locked read sends the revs it holds and gets back only what changed
 *   since, so a booking reads its changes rather than the whole day; the copy keeps each day's
 *   snapshot in step with its rows. The unit loop uses it through `known`, `saw`, `commit` and
 *   `forget`, and `decodeLoad` merges a read into it.
 * - **Optimistic units** (`optimistic.ts`, `copy.ts`): on a pool, a unit is decided on the copy
 *   and sent with its `COMMIT` in one round trip (`opd_write_or_load`), written only if the doctor
 *   is still at the copy's rev, else answered with what changed and decided again: the doctor's
 *   lock is never held across a round trip. Where others keep the doctor moving, the unit runs
 *   under the lock as it would without this.
 * - **Chained units** (`chain.ts`): a doctor's units queued in this process behind a running one
 *   are decided in turn and sent in one transaction (`opd_write_next`, each written only if the one
 *   before it was).
 * - **Group commit** (`group.ts`): the statements of different doctors' units ready in one turn of
 *   the event loop go in one transaction and one round trip (`groupCommit: false` turns it off).
 * - **Counters** (`paths.ts`): which way each unit went, for the benchmarks and the tests.
 *
 * Chosen once, when the adapter is made ({@link speedRoad}): a pool's units take this road, a
 * PGlite instance's (one in-process connection, nothing to gain) the unit loop alone.
 */
import type { Recovery } from '../recovery.js';
import type { Transactions } from '../transaction.js';
import { type Road, Units } from '../unit.js';
import type { Wing } from '../wing.js';
import { Chains } from './chain.js';
import { Optimistic } from './optimistic.js';

/** The road of a pool's units: chains per doctor, in front of the unit loop with the optimistic try as its shortcut. */
export function speedRoad(wing: Wing, transactions: Transactions, recovery: Recovery): Road {
  const units = new Units(wing, transactions, recovery, new Optimistic(wing));
  return new Chains(wing, units, transactions, recovery);
}
