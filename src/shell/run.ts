/**
 * Running the public calls of a scheduler: each call is counted (so that `close()` can wait for
 * it) and refused once the scheduler is closed, and each command runs as one unit of work through
 * the storage adapter's `transact`, its events published once the adapter has committed them.
 */
import type { Command } from '../core/command.js';
import type { TransitionInput } from '../core/commands/transitions.js';
import type { CoreConfig } from '../core/config.js';
import { stampActor } from '../core/events.js';
import { NO_CHANGES, NO_EVENTS } from '../core/workspace.js';
import { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { Decision, DoctorSnapshot } from '../model/snapshot.js';
import type { Call, CallIds, OpdMethod, Telemetry } from '../telemetry/telemetry.js';
import { type CheckedAdapter, wrap } from './answers.js';
import type { Publisher } from './publish.js';
import { MAX_KEY, expectKey } from '../inputs.js';
import type { TransitionResult } from '../types.js';

/** What a unit holds as the result of its decisions before one commits (never an answer of an adapter). */
const UNDECIDED: unique symbol = Symbol('undecided');

/**
 * One unit of work: what its decision needs (the call's command, input, clock and actor) and what
 * it committed. Its `decide` is handed to the adapter's `transact`, which may call it more than
 * once (a decision asking for more data, a retried transaction): only the last commit counts.
 */
class UnitRun {
  /** The events of the last decision that committed. */
  events: readonly OpdEvent[] = NO_EVENTS;
  /** The result of the last decision that committed: the only answer the contract allows. */
  decided: unknown = UNDECIDED;

  constructor(
    readonly config: CoreConfig,
    readonly command: Command<unknown, unknown>,
    readonly input: unknown,
    readonly now: number,
    readonly actor: string | null,
    readonly dryRun: boolean,
  ) {
    this.decide = this.decide.bind(this);
  }

  /** The command's decision on `snapshot`; one that commits is recorded, its events stamped with the actor (a dry run commits no change). */
  decide(snapshot: DoctorSnapshot): Decision<unknown> {
    const decision = this.command.decide(this.config, snapshot, this.input, this.now);
    if (decision.kind !== 'commit') return decision;
    this.events = decision.changes.events;
    this.decided = decision.result;
    stampActor(this.events, this.actor);
    return this.dryRun ? { kind: 'commit', changes: NO_CHANGES, result: decision.result } : decision;
  }
}

/** The calls and units of work of one scheduler. */
export class Runner {
  #closed = false;
  #pending = 0;
  #idle: (() => void) | undefined;

  constructor(
    readonly adapter: CheckedAdapter,
    readonly config: CoreConfig,
    readonly telemetry: Telemetry,
    readonly publisher: Publisher,
  ) {}

  /** Whether the scheduler is closed (calls are refused). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The failure of a call made once the scheduler is closed. */
  refusal(): OpdError {
    return new OpdError('STORAGE_FAILURE', 'The scheduler is closed', { details: { closed: true } });
  }

  /** Refuses every later call; resolves once the calls in progress have ended. */
  drain(): Promise<void> {
    this.#closed = true;
    if (this.#pending === 0) return Promise.resolve();
    return new Promise<void>((resolve) => (this.#idle = resolve));
  }

  /** Every public call: refused once closed, counted for `close()`, failures as `OpdError`, in its span. */
  call<R>(method: OpdMethod, ids: CallIds | undefined, work: (call: Call) => Promise<R>): Promise<R> {
    if (this.#closed) {
      // Refused, and recorded as such: one span per public call.
      const refused = this.refusal();
      try {
        return this.telemetry.call(method, ids, () => Promise.reject(refused));
      } catch {
        return Promise.reject(refused);
      }
    }
    this.#pending++;
    let pending: Promise<R>;
    try {
      pending = this.telemetry.call(method, ids, work);
    } catch (error) {
      this.#leave();
      return Promise.reject(wrap(error));
    }
    return pending.then(this.#settled as (value: R) => R, this.#failed);
  }

  /**
   * Runs a command as one unit of work at `now` for the public call `method`, and publishes its
   * events after the commit. With `dryRun` the decision is computed under the lock but nothing is
   * written or emitted. Every event of the unit carries `actor` (stamped before it is stored). An
   * adapter that resolves with anything but the result of the decision it committed (the last one
   * `decide` returned) fails the call with `STORAGE_FAILURE`, and nothing is emitted. With a meter,
   * the unit's duration (from the adapter's `transact` to its answer) is recorded.
   */
  run<I, R>(method: OpdMethod, command: Command<I, R>, input: I, now: number, dryRun = false, actor: string | null = null): Promise<R> {
    const telemetry = this.telemetry;
    const timed = telemetry.timesUnits;
    const start = timed ? performance.now() : 0;
    const unit = new UnitRun(this.config, command as Command<unknown, unknown>, input, now, actor, dryRun);
    let pending: Promise<R>;
    try {
      pending = this.adapter.storage.transact(command.load(input, now), unit.decide as (snapshot: DoctorSnapshot) => Decision<R>);
    } catch (error) {
      // An adapter that throws rather than rejects: a failed unit all the same.
      if (timed) telemetry.unit(method, start, Promise.reject(error));
      return Promise.reject(error);
    }
    if (timed) telemetry.unit(method, start, pending);
    return pending.then((result) => {
      if (result !== unit.decided) throw this.adapter.malformed('`transact` resolved with something other than the result of the decision it committed');
      const events = unit.events;
      for (let i = 0; i < events.length; i++) Object.freeze(events[i]);
      if (!dryRun) {
        this.publisher.publish(events);
        telemetry.committed(events);
      }
      return result;
    });
  }

  /** A token's transition (`method`) as one unit of work, at the clock's time once the token's id is read. */
  transition(
    method: OpdMethod,
    command: Command<TransitionInput, TransitionResult>,
    tokenId: string,
    reason: string | null,
    actor: string | null,
    clock: () => number,
    lease: string | null = null,
  ): Promise<TransitionResult> {
    const id = expectKey('tokenId', tokenId, MAX_KEY);
    return this.run(method, command, { tokenId: id, reason, actor, lease }, clock(), false, actor);
  }

  #leave(): void {
    if (--this.#pending === 0 && this.#idle !== undefined) {
      this.#idle();
      this.#idle = undefined;
    }
  }

  /** Ends a call that succeeded. */
  readonly #settled = <R>(value: R): R => {
    this.#leave();
    return value;
  };

  /** Ends a call that failed, its failure an `OpdError`. */
  readonly #failed = (error: unknown): never => {
    this.#leave();
    throw wrap(error);
  };
}
