/**
 * Optimistic units: a unit of one doctor decided on the adapter's copy of the doctor's days and
 * sent with `COMMIT` in one round trip, written only if the doctor is still at the copy's rev
 * (`opd_write_or_load`), so that the doctor's lock is never held across a round trip. The
 * {@link Shortcut} the unit loop tries first on a pool.
 */
import type { Decision, DoctorSnapshot, LoadRequest } from '../../model/snapshot.js';
import { changeSetDoctor, checkChangeSet } from '../../adapter-kit/checks.js';
import { isMultiDoctor } from '../../adapter-kit/units.js';
import { writeParams } from '../codec.js';
import { afterCommit, written } from '../commit.js';
import { DecisionFailed, outOfOrder } from '../decision.js';
import type { Shortcut } from '../unit.js';
import type { Wing } from '../wing.js';
import { type Copy, fresh, knownRevs, together, writeOrLoadStep } from './copy.js';

/** How many times a unit is decided without the lock and sent before it runs under the lock. */
const OPTIMISTIC_TRIES = 3;

/** The optimistic try of one adapter instance (see the module's comment). */
export class Optimistic implements Shortcut {
  readonly #wing: Wing;

  constructor(wing: Wing) {
    this.#wing = wing;
  }

  /**
   * A unit decided without holding the doctor's lock across a round trip: decided on the adapter's
   * copy of the doctor's days, and sent with the rev the copy is as of, with `COMMIT`, in one round
   * trip; the database takes the lock and writes only if the doctor is still at that rev (and the
   * idempotency key is not stored). When the doctor moved on it writes nothing and answers, in the
   * same round trip, what changed since the copy (read under the lock, as the unit's first read
   * would be): the copy is brought up to date and the unit decided and sent again, up to
   * `OPTIMISTIC_TRIES` tries. The lock is held for the server's work and the commit alone.
   * `undefined` when the copy cannot answer the request, a decision refuses, needs more data or
   * writes no event (decided again under the lock, on what is stored), the key is stored (replayed
   * under the lock), others keep the doctor moving (see `DayCache.contended`: the copy is not tried,
   * or not tried again after a try found the doctor moved), or every try found it moved: the caller
   * runs the unit under the lock.
   */
  async try<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>, tag: string): Promise<{ result: R } | undefined> {
    const wing = this.#wing;
    const paths = wing.paths;
    const doctorId = request.doctorId;
    const held = wing.cache.current(request);
    if (doctorId === undefined || held === 'unserved' || held === 'contended') {
      paths[typeof held === 'string' ? held : 'unserved']++;
      return undefined;
    }
    let copy: Copy;
    const readFirst = typeof held === 'string';
    if (typeof held === 'string') {
      paths[held]++;
      // The lock is taken for the read alone (one statement, a transaction of its own or of its
      // group's: see `together` in copy.ts).
      const loaded = fresh(wing, await together(wing, wing.lockedLoadStep(request, knownRevs(wing, request, doctorId)), doctorId), request);
      if (loaded === undefined) return undefined;
      copy = loaded;
    } else {
      copy = held;
    }
    for (let tries = 1; ; tries++) {
      let decision: Decision<R>;
      try {
        decision = decide(copy.snapshot);
      } catch {
        paths.undecided++;
        return undefined;
      }
      if (decision.kind !== 'commit') {
        // A unit of one doctor never grows into several: refused as it would be under the lock,
        // without deciding again (which would ask a decision twice for the same answer).
        if (isMultiDoctor(decision.request)) throw new DecisionFailed(outOfOrder(wing.name));
        paths.undecided++;
        return undefined;
      }
      const changes = decision.changes;
      const params =
        changes.events.length === 0 || changeSetDoctor(changes) !== doctorId || checkChangeSet(changes) !== undefined
          ? undefined
          : writeParams(changes, tag, wing.enforce);
      if (params === undefined) {
        paths.undecided++;
        return undefined;
      }
      const notification = afterCommit(wing, changes);
      const rev = copy.rev;
      const step = writeOrLoadStep(wing, request, doctorId, rev, params);
      // One statement, a transaction of its own or of its group's (its lock and its writes end
      // with it): no BEGIN and COMMIT to send and run, unless a notification must follow the commit.
      const out = (await together(wing, step, doctorId, notification)) as unknown[];
      if (out[0] !== null) {
        written(wing, changes, rev, out, notification);
        paths[tries > 1 ? 'retried' : readFirst ? 'twoTrips' : 'oneTrip']++;
        return { result: decision.result };
      }
      paths.moved++;
      if (tries >= OPTIMISTIC_TRIES) {
        paths.gaveUp++;
        return undefined;
      }
      const loaded = fresh(wing, out[3], request);
      if (loaded === undefined) return undefined;
      // What came back shows how many others wrote meanwhile: where they keep the doctor moving,
      // another decision would most likely be stale too.
      if (wing.cache.contended(doctorId)) {
        paths.gaveUp++;
        return undefined;
      }
      copy = loaded;
    }
  }
}
