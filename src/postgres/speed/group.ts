/**
 * Group commit: the steps of different doctors' units given to {@link Driver.together} in the same
 * turn of the event loop go in one transaction and one round trip (see docs/storage.md).
 */
import { ConnectionLost } from '../connection.js';
import type { Driver, Output, Step } from '../db.js';

/** A step given to {@link Driver.together}, waiting for its group. */
interface Together {
  /** The server generation when the step was given (see `checkout`). */
  readonly generation: number;
  readonly step: Step;
  readonly order: string;
  readonly lockTimeoutAt: number;
  readonly afterCommit: Step | undefined;
  readonly resolve: (out: Output) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * How long a step sent in a group commit waits for a lock (PostgreSQL's `lock_timeout`, in ms)
 * before the group gives up and its steps go again on their own: long enough for another
 * process's unit of that doctor to finish, short enough that a doctor held elsewhere (an
 * integrator's open transaction) holds up the other doctors of the group for no longer than this.
 */
export const GROUP_LOCK_TIMEOUT = 100;

const notifies = (waiting: Together): boolean => waiting.afterCommit !== undefined;

/** A step as sent in a group: its lock timeout the shorter of its own and {@link GROUP_LOCK_TIMEOUT} (0 is none at all). */
function groupedStep(waiting: Together): Step {
  const { step, lockTimeoutAt } = waiting;
  if (lockTimeoutAt < 0 || lockTimeoutAt >= step.values.length) return step;
  const own = Number(step.values[lockTimeoutAt]);
  if (own > 0 && own <= GROUP_LOCK_TIMEOUT) return step;
  const values = step.values.slice();
  values[lockTimeoutAt] = GROUP_LOCK_TIMEOUT;
  return { statement: step.statement, values };
}
const byOrder = (a: Together, b: Together): number => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0);

/** How a group is sent: what the pool driver offers {@link GroupCommit}. */
export interface GroupSender {
  /** The server generation steps given now are prepared at (see the pool driver's `checkout`). */
  generation(): number;
  /** Sends one step on its own, as {@link Driver.run} does, refused if the server changed since generation `at`. */
  alone(at: number, step: Step, afterCommit: Step | undefined): Promise<Output>;
  /**
   * Sends steps as one transaction in one round trip (one explicit transaction followed by
   * `afterCommit`, when there is one), refused if the server changed since generation `at`.
   */
  together(at: number, steps: readonly Step[], afterCommit: Step | undefined): Promise<Output[]>;
}

/** The steps given to {@link Driver.together} in one turn, sent as one group at its end. */
export class GroupCommit {
  readonly #send: GroupSender;
  /** Steps waiting for the end of the turn to go together. */
  #group: Together[] = [];

  constructor(send: GroupSender) {
    this.#send = send;
  }

  /** A step of the group of this turn (see {@link Driver.together}). */
  add(step: Step, order: string, lockTimeoutAt: number, afterCommit: Step | undefined): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      if (this.#group.length === 0) setImmediate(this.#flush);
      this.#group.push({ generation: this.#send.generation(), step, order, lockTimeoutAt, afterCommit, resolve, reject });
    });
  }

  #alone(waiting: Together): void {
    this.#send.alone(waiting.generation, waiting.step, waiting.afterCommit).then(waiting.resolve, waiting.reject);
  }

  readonly #flush = (): void => {
    const steps = this.#group;
    this.#group = [];
    if (steps.length === 1) return this.#alone(steps[0]!);
    steps.sort(byOrder);
    const afterCommit = steps.find(notifies)?.afterCommit;
    const at = Math.min(...steps.map((waiting) => waiting.generation));
    this.#send.together(at, steps.map(groupedStep), afterCommit).then(
      (out) => {
        for (let i = 0; i < steps.length; i++) steps[i]!.resolve(out[i]);
      },
      (error: unknown) => {
        if (error instanceof ConnectionLost) {
          for (const waiting of steps) waiting.reject(error);
          return;
        }
        // The server refused one step, so the transaction wrote nothing: each step again, alone.
        for (const waiting of steps) this.#alone(waiting);
      },
    );
  };
}
