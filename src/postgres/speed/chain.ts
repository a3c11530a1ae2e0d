/**
 * Chains: the units of one doctor that queue in this process while one of its units runs, decided
 * in turn (each on what the units before it leave) and sent together in one transaction — one
 * round trip where the copy of the doctor's days serves (each next unit written only if the one
 * before it was: `opd_write_next`), the lock held across one round trip for the whole chain where
 * others keep the doctor moving. The {@link Road} of a pool's units: whatever a chain does not
 * carry runs through the unit loop ({@link Units}) as it would alone.
 */
import type { ChangeSet, Decision, DoctorSnapshot, LoadRequest } from '../../model/snapshot.js';
import { changeSetDoctor, checkChangeSet } from '../../adapter-kit/checks.js';
import { isMultiDoctor } from '../../adapter-kit/units.js';
import type { IdempotencyRecord } from '../../model/records.js';
import { decodeLoad, loadRequestJson, writeParams } from '../codec.js';
import { afterCommit, notifyPending, written } from '../commit.js';
import { ConnectionLost } from '../connection.js';
import type { Step } from '../db.js';
import type { Recovery } from '../recovery.js';
import type { Transactions } from '../transaction.js';
import type { Road, Units } from '../unit.js';
import type { Wing } from '../wing.js';
import type { ChainCopy } from './cache.js';
import { type Copy, fresh, knownRevs, together, writeOrLoadStep } from './copy.js';

/** The most units one chain carries. */
const MAX_CHAIN = 16;

/** A unit waiting for its doctor's running unit or chain in this process (see `Chains.#drain`). */
interface Queued {
  readonly request: LoadRequest;
  readonly decide: (snapshot: DoctorSnapshot) => Decision<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A unit of a chain as it was decided: a change set to write (`step`), a result that writes
 * nothing, or a decision that threw (`failed`). What it hands back waits for the chain's commit:
 * it was decided on what the units before it left.
 */
interface Link {
  readonly job: Queued;
  readonly changes: ChangeSet | undefined;
  readonly step: Step | undefined;
  readonly tag: string | undefined;
  readonly result: unknown;
  readonly failed: boolean;
  readonly error: unknown;
  /** The stored idempotency record a unit replayed. */
  readonly replayed: IdempotencyRecord | undefined;
}

/** The queues of one adapter instance's doctors, each run as chains (see the module's comment). */
export class Chains implements Road {
  readonly #wing: Wing;
  readonly #units: Units;
  readonly #transactions: Transactions;
  readonly #recovery: Recovery;
  /** Units of one doctor waiting in this process for the doctor's running unit or chain to end, by doctor id. */
  readonly #queues = new Map<string, Queued[]>();

  constructor(wing: Wing, units: Units, transactions: Transactions, recovery: Recovery) {
    this.#wing = wing;
    this.#units = units;
    this.#transactions = transactions;
    this.#recovery = recovery;
  }

  /**
   * A unit of one doctor joins the doctor's queue (holding no connection) when one of its units
   * runs already, else starts it; a unit without a doctor, over several doctors or carrying the
   * integrator's work runs through the unit loop at once.
   */
  transact<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
    const doctorId = request.doctorId;
    if (doctorId === undefined || isMultiDoctor(request) || this.#transactions.current() !== undefined) return this.#units.run(request, decide);
    return new Promise<R>((resolve, reject) => {
      const job: Queued = { request, decide, resolve: resolve as (value: unknown) => void, reject };
      const queue = this.#queues.get(doctorId);
      if (queue !== undefined) {
        queue.push(job);
        return;
      }
      const created = [job];
      this.#queues.set(doctorId, created);
      void this.#drain(doctorId, created);
    });
  }

  /**
   * Runs the units queued for a doctor in this process until none is left: one alone as a unit of
   * its own, several as a chain (see {@link Chains.#chain}). Units arriving meanwhile
   * join the queue.
   */
  async #drain(doctorId: string, queue: Queued[]): Promise<void> {
    try {
      // After a chain found the doctor moved, the next one is decided under the lock.
      let moved = false;
      while (queue.length > 0) {
        if (queue.length === 1 || this.#wing.closed) await this.#alone(queue);
        else moved = (await this.#chain(doctorId, queue, moved)) === 'moved';
      }
    } catch (error) {
      // Not reached by any failure of the database (each unit reports its own): whatever it is,
      // the units still queued fail with it rather than wait for ever, and nothing is left unhandled.
      this.#wing.cache.forget(doctorId);
      const failure = this.#wing.failure(error);
      for (const job of queue.splice(0)) job.reject(failure);
    } finally {
      this.#queues.delete(doctorId);
    }
  }

  /**
   * Several queued units of one doctor, decided in turn, each on the doctor's days as the units
   * before it leave them, and sent together in one transaction. Where the copy serves (or after a
   * read of what changed, when it is cold, the lock held for the read alone), the first
   * unit goes as `opd_write_or_load` with the copy's rev and each next one as `opd_write_next`,
   * which writes only if the statement before it did, in one round trip: a chain whose first unit
   * finds the doctor moved writes nothing, and its units are decided again. Where others keep the
   * doctor moving, the lock is taken first: every read of the chain in one round trip, every write
   * and the commit in a second ({@link Chains.#lockedChain}). A chain is the longest run
   * of queued units that the copy answers (at most `MAX_CHAIN`); a unit a decision refuses, or one
   * that writes nothing, hands back its answer once the chain committed, since it was decided on
   * what the units before it left. A chain whose transaction fails runs its units again, each on
   * its own. Returns `'moved'` when the first unit found the doctor moved (nothing was written).
   */
  async #chain(doctorId: string, queue: Queued[], lock: boolean): Promise<'moved' | undefined> {
    const first = queue[0]!;
    const held = this.#wing.cache.current(first.request);
    if (held === 'unserved') return this.#alone(queue);
    if (lock || held === 'contended') {
      if (held === 'contended') this.#wing.paths.contended++;
      return this.#lockedChain(doctorId, queue);
    }
    let copy: Copy | undefined;
    let path: 'oneTrip' | 'twoTrips' = 'oneTrip';
    try {
      if (typeof held === 'string') {
        this.#wing.paths[held]++;
        path = 'twoTrips';
        copy = fresh(
          this.#wing,
          await together(this.#wing, this.#wing.lockedLoadStep(first.request, knownRevs(this.#wing, first.request, doctorId)), doctorId),
          first.request,
        );
      } else {
        copy = held;
      }
    } catch {
      // Left to the unit alone, which reports the failure.
      copy = undefined;
    }
    const chain = copy === undefined ? undefined : this.#wing.cache.chain(doctorId, copy.rev);
    const links = chain === undefined ? [] : this.#decideChain(doctorId, queue.slice(0, MAX_CHAIN), chain, copy!.snapshot, undefined);
    // The first unit must write: one a decision on the copy refuses is decided again under the lock.
    if (links[0]?.step === undefined) return this.#alone(queue);
    const rev = copy!.rev;
    let k = 0;
    const steps: Step[] = [];
    for (const link of links) {
      if (link.step === undefined) continue;
      steps.push(
        k === 0
          ? writeOrLoadStep(this.#wing, first.request, doctorId, rev, link.step.values)
          : { statement: this.#wing.sql.writeNext, values: [String(rev + k), link.job.request.idempotencyKey ?? null, ...link.step.values] },
      );
      k++;
    }
    const notification = afterCommit(this.#wing, links[0]!.changes!);
    const floor = this.#wing.seqFloor;
    let out: unknown[];
    try {
      out =
        steps.length === 1
          ? [await together(this.#wing, steps[0]!, doctorId, notification)]
          : await this.#wing.driver.unit((tx) => tx.run(steps, { afterCommit: notification }));
    } catch (error) {
      await this.#chainFailed(doctorId, queue, links, error, floor);
      return undefined;
    }
    const answer = out[0] as unknown[];
    if (answer[0] === null) {
      this.#wing.paths.moved++;
      // Nothing was written; the copy learns what changed, and the units are decided again.
      try {
        fresh(this.#wing, answer[3], first.request);
      } catch {
        this.#wing.cache.forget(doctorId);
      }
      return 'moved';
    }
    await this.#settleChain(queue, links, out, rev, notification, path);
    return undefined;
  }

  /**
   * A chain under the doctor's lock (see {@link Chains.#chain}): `BEGIN`, the lock and the
   * reads in one round trip — the first unit's request, and the idempotency key of each further
   * unit that has one — then every unit decided in turn, then every write and `COMMIT` in a second.
   */
  async #lockedChain(doctorId: string, queue: Queued[]): Promise<undefined> {
    const candidates = queue.slice(0, MAX_CHAIN);
    const first = candidates[0]!;
    let links: Link[] = [];
    let out: unknown[] = [];
    let rev = 0;
    let notification: Step | undefined;
    const floor = this.#wing.seqFloor;
    try {
      await this.#wing.driver.unit(async (tx) => {
        const steps: Step[] = [this.#wing.lockedLoadStep(first.request, knownRevs(this.#wing, first.request, doctorId))];
        const keyed: Queued[] = [];
        for (let i = 1; i < candidates.length; i++) {
          const key = candidates[i]!.request.idempotencyKey;
          if (key === undefined) continue;
          keyed.push(candidates[i]!);
          steps.push({ statement: this.#wing.sql.load, values: [loadRequestJson({ doctorId, idempotencyKey: key }, undefined), true, null, null] });
        }
        const answers = await tx.run(steps);
        const loaded = decodeLoad(answers[0], first.request.idempotencyKey, this.#wing.cache);
        if (loaded?.snapshot.doctor === undefined || loaded.rev === undefined) return;
        this.#wing.seqFloor = Math.max(this.#wing.seqFloor, loaded.lastSeq);
        this.#wing.cache.saw(loaded.snapshot.doctor, loaded.rev, this.#wing.units);
        rev = loaded.rev;
        const chain = this.#wing.cache.chain(doctorId, rev);
        if (chain === undefined) return;
        const stored = new Map<Queued, DoctorSnapshot['idempotency']>();
        for (let i = 0; i < keyed.length; i++) {
          const job = keyed[i]!;
          stored.set(job, decodeLoad(answers[i + 1], job.request.idempotencyKey, undefined)?.snapshot.idempotency);
        }
        links = this.#decideChain(doctorId, candidates, chain, loaded.snapshot, stored);
        const writes = links.filter((link) => link.step !== undefined);
        notification = writes.length === 0 ? undefined : afterCommit(this.#wing, writes[0]!.changes!);
        out = await tx.run(
          writes.map((link) => link.step!),
          { afterCommit: notification },
        );
      });
    } catch (error) {
      if (links.length === 0) await this.#alone(queue);
      else await this.#chainFailed(doctorId, queue, links, error, floor);
      return undefined;
    }
    if (links.length === 0) {
      // The first unit needs what a chain does not give (more data, a new doctor): alone.
      await this.#alone(queue);
      return undefined;
    }
    await this.#settleChain(queue, links, out, rev, notification, 'locked');
    return undefined;
  }

  /**
   * Decides queued units of one doctor in turn: the first on `snapshot`, each next one on the
   * chain's copy as the units before it left it. Stops before a unit the copy does not answer, one
   * that asks for more data, one that writes for another doctor or creates one, one whose change
   * set touches a day not held, and a second unit with the same idempotency key. `stored`: for a
   * chain under the lock, the stored idempotency record of each further unit that has a key (a
   * unit with a key that was not looked up ends the chain); without it, a further unit with a key
   * is decided as if its key were not stored, and goes in the chain only if it writes.
   */
  #decideChain(
    doctorId: string,
    candidates: readonly Queued[],
    chain: ChainCopy,
    snapshot: DoctorSnapshot,
    stored: Map<Queued, DoctorSnapshot['idempotency']> | undefined,
  ): Link[] {
    const links: Link[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < candidates.length; i++) {
      const job = candidates[i]!;
      const key = job.request.idempotencyKey;
      if (key !== undefined && keys.has(key)) break;
      let current: DoctorSnapshot | undefined = snapshot;
      // A further unit with a key, decided without its stored record (a chain not under the
      // lock): a write is safe (`opd_write_next` writes nothing once the key is stored), but a
      // refusal or an answer that writes nothing may be what the stored key would have replayed
      // (the patient's token is the first booking's): such a unit ends the chain, to be decided
      // again with its key looked up.
      const unkeyed = i > 0 && key !== undefined && stored === undefined;
      if (i > 0) {
        current = chain.snapshot(job.request);
        if (current === undefined) break;
        if (key !== undefined && stored !== undefined) {
          if (!stored.has(job)) break;
          current = { ...current, idempotency: stored.get(job) };
        }
      }
      let decision: Decision<unknown>;
      try {
        decision = job.decide(current);
      } catch (error) {
        if (unkeyed) break;
        links.push({ job, changes: undefined, step: undefined, tag: undefined, result: undefined, failed: true, error, replayed: undefined });
        continue;
      }
      if (decision.kind !== 'commit') break;
      const changes = decision.changes;
      if (changes.events.length === 0) {
        if (unkeyed || changeSetDoctor(changes) !== undefined) break;
        links.push({
          job,
          changes: undefined,
          step: undefined,
          tag: undefined,
          result: decision.result,
          failed: false,
          error: undefined,
          replayed: current.idempotency,
        });
        if (key !== undefined) keys.add(key);
        continue;
      }
      if (changes.doctor !== undefined || changes.updatedDoctor !== undefined || changeSetDoctor(changes) !== doctorId || checkChangeSet(changes) !== undefined)
        break;
      if (!chain.apply(changes)) break;
      const tag = this.#wing.tag();
      const params = writeParams(changes, tag, this.#wing.enforce)!;
      links.push({
        job,
        changes,
        step: { statement: this.#wing.sql.write, values: params },
        tag,
        result: decision.result,
        failed: false,
        error: undefined,
        replayed: undefined,
      });
      if (key !== undefined) keys.add(key);
    }
    return links;
  }

  /**
   * After a chain's transaction answered: every unit written takes its event numbers and commits
   * to the copy, in turn, and every unit up to the first one not written (its key was stored
   * meanwhile, so neither it nor any unit after it, decided on what it would have left, was
   * written) hands back its answer. The others stay queued.
   */
  async #settleChain(
    queue: Queued[],
    links: readonly Link[],
    out: readonly unknown[],
    rev: number,
    notification: Step | undefined,
    path: 'oneTrip' | 'twoTrips' | 'locked',
  ): Promise<void> {
    let end = links.length;
    let count = 0;
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      if (link.step === undefined) continue;
      const answer = out[count] as unknown[] | undefined;
      if (answer === undefined || answer[0] === null) {
        end = i;
        break;
      }
      written(this.#wing, link.changes!, rev + count, answer, notification);
      count++;
    }
    queue.splice(0, end);
    this.#wing.paths[path] += count;
    if (end > 1) {
      this.#wing.paths.chains++;
      this.#wing.paths.chained += count;
    }
    for (let i = 0; i < end; i++) {
      const link = links[i]!;
      if (link.failed) link.job.reject(link.error);
      else {
        if (link.replayed !== undefined) await this.#recovery.replayed(link.replayed.doctorId, link.replayed.key);
        link.job.resolve(link.result);
      }
    }
    await notifyPending(this.#wing);
  }

  /**
   * A chain whose transaction failed: the copy is forgotten. Where its COMMIT went out unanswered,
   * every unit it wrote may have committed: each fails with the outcome unknown (and its events
   * still reach the subscribers once, if it did commit), and the others run again. Otherwise
   * nothing was written, and every unit runs again on its own (its own retries, its own failure).
   */
  async #chainFailed(doctorId: string, queue: Queued[], links: readonly Link[], error: unknown, floor: number): Promise<void> {
    this.#wing.cache.forget(doctorId);
    queue.splice(0, links.length);
    const unknown = error instanceof ConnectionLost && error.outcome === 'unknown';
    const again: Queued[] = [];
    for (const link of links) {
      if (unknown && link.tag !== undefined) {
        this.#recovery.outcomeUnknown(link.tag, doctorId, link.job.request.idempotencyKey, floor, error);
        link.job.reject(this.#wing.failure(error));
      } else {
        again.push(link.job);
      }
    }
    for (const job of again) await this.#units.run(job.request, job.decide).then(job.resolve, job.reject);
  }

  /** The first queued unit, on its own. */
  async #alone(queue: Queued[]): Promise<undefined> {
    const job = queue.shift()!;
    await this.#units.run(job.request, job.decide).then(job.resolve, job.reject);
    return undefined;
  }
}
