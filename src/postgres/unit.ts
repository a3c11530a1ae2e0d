/**
 * The unit loop: one unit of work of one doctor, in one transaction that first takes the doctor's
 * lock — load, decide, write, commit — run again on a serialization failure, a deadlock or a lock
 * timeout, and reported precisely when its connection is lost. A unit over several doctors takes
 * the same loop through `multi-doctor.ts`. This is the whole road of a unit; the speed machinery
 * (`speed/`) only puts a {@link Shortcut} in front of it and queues a doctor's units into chains.
 */
import { isOpdError, OpdError } from '../errors.js';
import type { ChangeSet, Decision, DoctorSnapshot, LoadRequest } from '../model/snapshot.js';
import { checkChangeSet } from '../adapter-kit/checks.js';
import { isMultiDoctor } from '../adapter-kit/units.js';
import { parseTokenId } from '../model/records.js';
import { decodeLoad, type Loaded, writeParams } from './codec.js';
import { afterCommit, notifyPending, written } from './commit.js';
import { ConnectionLost, ServerChanged } from './connection.js';
import type { UnitSession } from './db.js';
import { decided, DecisionFailed, keptAsking, MAX_ROUNDS, outOfOrder } from './decision.js';
import { codeOf, constraintOf, isRetryable } from './errors.js';
import { multiDoctorUnit } from './multi-doctor.js';
import type { Recovery } from './recovery.js';
import type { Transactions, UnitWork } from './transaction.js';
import { RECENT_DAYS, type Wing } from './wing.js';

/** How a unit of work reaches the database: the {@link Units} loop, or the speed machinery in front of it. */
export interface Road {
  /** Runs a unit of work (see `StorageAdapter.transact`). */
  transact<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R>;
}

/**
 * A way to run a unit of one doctor without holding its lock across a round trip, tried once
 * before the unit loop takes the lock (see `speed/optimistic.ts`). Its failures are the unit's:
 * reported and retried as the loop's own.
 */
export interface Shortcut {
  /**
   * The unit's result once written and committed under `tag`; `undefined` when the unit should
   * run under the lock instead (nothing was written).
   */
  try<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>, tag: string): Promise<{ result: R } | undefined>;
}

/** The unit loop of one adapter instance (see the module's comment). */
export class Units implements Road {
  readonly #wing: Wing;
  readonly #transactions: Transactions;
  readonly #recovery: Recovery;
  readonly #shortcut: Shortcut | undefined;

  constructor(wing: Wing, transactions: Transactions, recovery: Recovery, shortcut?: Shortcut | undefined) {
    this.#wing = wing;
    this.#transactions = transactions;
    this.#recovery = recovery;
    this.#shortcut = shortcut;
  }

  transact<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
    return this.run(request, decide);
  }

  /**
   * One unit of work, run on its own: through the shortcut when there is one and it serves (the
   * first attempt of a unit of one doctor with no integrator's work), else under the lock: `BEGIN`,
   * the lock and every read of the load request in one round trip, the change set, the events and
   * `COMMIT` in a second.
   */
  async run<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
    const wing = this.#wing;
    wing.assertOpen();
    const work = this.#transactions.current();
    const hint = request.doctorId ?? (request.tokenId === undefined ? undefined : parseTokenId(request.tokenId)?.doctorId);
    for (let attempt = 0; ; attempt++) {
      let doctorId = hint;
      let floor = 0;
      const tag = wing.tag();
      let replayed: Loaded['snapshot']['idempotency'];
      try {
        const shortcut = attempt === 0 && work === undefined && !isMultiDoctor(request) ? this.#shortcut : undefined;
        if (shortcut !== undefined) {
          floor = wing.seqFloor;
          const fast = await shortcut.try(request, decide, tag);
          if (fast !== undefined) {
            await notifyPending(wing);
            return fast.result;
          }
        }
        wing.paths[shortcut !== undefined ? 'locked' : 'other']++;
        const result = await wing.driver.unit(async (tx) => {
          if (isMultiDoctor(request)) {
            const unit = await multiDoctorUnit(wing, this.#transactions, tx, request, decide, tag, work);
            floor = unit.floor;
            replayed = unit.replayed;
            return unit.result;
          }
          let loaded = await this.#lockedLoad(tx, request, hint);
          doctorId = loaded.snapshot.doctor?.id ?? doctorId;
          floor = loaded.lastSeq;
          wing.seqFloor = Math.max(wing.seqFloor, floor);
          if (loaded.snapshot.doctor !== undefined && loaded.rev !== undefined) wing.cache.saw(loaded.snapshot.doctor, loaded.rev, wing.units);
          for (let round = 1; ; round++) {
            const decision = decided(decide, loaded.snapshot);
            if (decision.kind === 'commit') {
              if (decision.changes.events.length === 0 && loaded.snapshot.idempotency !== undefined) replayed = loaded.snapshot.idempotency;
              await this.#write(tx, decision.changes, loaded.rev, tag, work, decision.result);
              return decision.result;
            }
            if (round >= MAX_ROUNDS) throw keptAsking(wing.name);
            if (isMultiDoctor(decision.request)) throw new DecisionFailed(outOfOrder(wing.name));
            loaded = await this.#lockedLoad(tx, decision.request, loaded.snapshot.doctor?.id ?? hint);
          }
        });
        if (replayed !== undefined) await this.#recovery.replayed(replayed.doctorId, replayed.key);
        await notifyPending(wing);
        return result;
      } catch (error) {
        if (error instanceof DecisionFailed) {
          if (error.forget) wing.cache.forget(doctorId);
          throw error.error;
        }
        // The outcome may be unknown: read the doctor's days afresh next time.
        wing.cache.forget(doctorId);
        if (isOpdError(error)) throw error;
        if (error instanceof ServerChanged && attempt < wing.retries) continue;
        if (error instanceof ConnectionLost && error.outcome === 'unknown') {
          this.#recovery.outcomeUnknown(tag, doctorId, request.idempotencyKey, floor, error);
        }
        if (!(error instanceof ConnectionLost) && isRetryable(error)) {
          if (attempt < wing.retries) {
            await pause(attempt);
            continue;
          }
          throw new OpdError('CONFLICT', 'The unit of work could not be serialized; try again', {
            details: { adapter: wing.name, code: codeOf(error), attempts: attempt + 1 },
          });
        }
        if (codeOf(error) === '23505' && constraintOf(error) === 'opd_slot_index_pkey' && attempt < wing.retries) {
          // Another doctor took the slot id at the same moment: run again to report it properly.
          continue;
        }
        throw wing.failure(error);
      }
    }
  }

  /** Locks and reads a request, sending the revs of the days the copy holds (it answers what changed since). */
  async #lockedLoad(tx: UnitSession, request: LoadRequest, doctorId: string | undefined): Promise<Loaded> {
    const wing = this.#wing;
    const days = request.days ?? [];
    const tokenDay = request.tokenId === undefined ? undefined : parseTokenId(request.tokenId)?.day;
    const known = doctorId === undefined ? undefined : wing.cache.known(doctorId, tokenDay === undefined ? days : [...days, tokenDay], RECENT_DAYS);
    const load = (k: Record<string, number> | undefined): Promise<unknown[]> => tx.run([wing.lockedLoadStep(request, k)]);
    const first = decodeLoad((await load(known))[0], request.idempotencyKey, wing.cache);
    if (first !== undefined) return first;
    // The copy lost a day it sent a rev for: read everything in full.
    const full = decodeLoad((await load(undefined))[0], request.idempotencyKey, wing.cache);
    if (full === undefined) throw new OpdError('STORAGE_FAILURE', 'Could not read a doctor-day', { details: { adapter: wing.name } });
    return full;
  }

  /** Writes a decided change set (and runs the integrator's work after it), then commits. */
  async #write(tx: UnitSession, changes: ChangeSet, rev: number | undefined, tag: string, work: UnitWork | undefined, result: unknown): Promise<void> {
    const wing = this.#wing;
    // The checks every adapter makes (the database backs up the rest with its constraints).
    const problem = checkChangeSet(changes);
    if (problem !== undefined) {
      throw new OpdError('STORAGE_FAILURE', `Refused an inconsistent change (${problem.what} \`${problem.id}\`)`, {
        details: { adapter: wing.name, id: problem.id },
      });
    }
    const params = writeParams(changes, tag, wing.enforce);
    const notification = afterCommit(wing, changes);
    let out: unknown;
    if (params === undefined) {
      if (work !== undefined) await this.#transactions.run(work, tx, result, tag);
      await tx.run([], {});
      return;
    }
    if (work === undefined) {
      out = (await tx.run([{ statement: wing.sql.write, values: params }], { afterCommit: notification }))[0];
    } else {
      out = (await tx.run([{ statement: wing.sql.write, values: params }]))[0];
      await this.#transactions.run(work, tx, result, tag);
      await tx.run([], { afterCommit: notification });
    }
    written(wing, changes, rev, out, notification);
  }
}

/** A random pause before a retry, growing with the attempt. */
function pause(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
