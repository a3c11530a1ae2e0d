/**
 * The clients of a node-postgres pool as the drivers hold them: every client (and the pool itself)
 * given an `error` listener for its whole life, so that a connection dying never ends the process
 * and its error reaches the unit that holds the client ({@link Held}); and {@link send}, one round
 * trip of steps on a held client (see `batch.ts`).
 */
import { ErrorSummary, warn } from '../errors.js';
import { Batch, type BatchStep } from './batch.js';
import type { Output, PgClientLike, PgPoolLike, PgQueryConfigLike } from './db.js';

/**
 * Where this module keeps, on a client or a pool it has guarded, what it knows of it: a property
 * under a symbol of its own (never a field of node-postgres), not enumerable. On a client, who holds
 * it, so that an `error` event reaches the unit that holds the client. node-postgres emits `error`
 * on a client whose connection dies — also between two queries, on a client just returned to the
 * pool, and (a race of the pool) on a client whose backend died in the same network read that
 * finished its connection, before the pool's caller runs — and with no listener the process would
 * exit. So every client gets one listener for its whole life, from the pool's `connect` event on.
 */
const GUARDED = Symbol('opd-scheduler.guarded');

/** What a guarded client or pool carries: the unit holding the client, if any. */
interface Guard {
  holder: Held | undefined;
}

/** The guard `target` carries, if it was guarded. */
function guardOf(target: object): Guard | undefined {
  return (target as { [GUARDED]?: Guard })[GUARDED];
}

/**
 * Marks `target` as guarded and returns its new guard, or `undefined` when it was guarded already.
 * An object that cannot take the property (frozen) gets a guard that is not remembered.
 */
function markGuarded(target: object): Guard | undefined {
  if (guardOf(target) !== undefined) return undefined;
  const state: Guard = { holder: undefined };
  try {
    Object.defineProperty(target, GUARDED, { value: state, enumerable: false, configurable: true, writable: false });
  } catch {
    // not extensible: guarded now, without a memory of it
  }
  return state;
}

export function guard(client: PgClientLike): void {
  const state = markGuarded(client);
  if (state === undefined) return;
  client.on?.('error', ((error: unknown) => {
    const holder = state.holder;
    if (holder !== undefined) holder.lost ??= error;
  }) as (arg: never) => void);
}

/** The part of a node-postgres `Pool` that is an `EventEmitter`, as {@link guardPool} uses it. */
interface PoolEvents {
  on?(event: string, listener: (arg: never) => void): unknown;
  listenerCount?(event: string): number;
}

/**
 * Gives every client of the pool its `error` listener (see {@link guard}) and, when the host set
 * no `error` listener on the pool itself, one that reports instead of crashing: node-postgres
 * emits `error` on the pool when an idle client's connection dies (a server restart, a failover,
 * an idle-session timeout), and an `EventEmitter` with no listener for it throws, ending the
 * process. It reports each such error as a process warning, `OPD_POOL_ERROR`, naming the error's
 * class and code only (never its message), and stays silent once the host has a listener of its
 * own (added later): the pool's errors are then the host's to report.
 */
export function guardPool(pool: PgPoolLike): void {
  if (markGuarded(pool) === undefined) return;
  const events = pool as PoolEvents;
  events.on?.('connect', guard as (arg: never) => void);
  if (typeof events.on !== 'function' || typeof events.listenerCount !== 'function' || events.listenerCount('error') > 0) return;
  const report = (error: unknown): void => {
    try {
      if ((events.listenerCount?.('error') ?? 1) > 1) return;
    } catch {
      // report it anyway
    }
    const { kind, code } = new ErrorSummary(error);
    warn(
      `An idle client of the node-postgres pool given to opd-scheduler failed (${kind}${code === undefined ? '' : ` ${code}`}); the pool drops it and ` +
        "connects again when needed. The pool has no 'error' listener of its own: opd-scheduler reports this in its place so that the process does not exit; add pool.on('error', …).",
      'OPD_POOL_ERROR',
    );
  };
  events.on('error', report as (arg: never) => void);
}

/** A checked-out client and the error its connection reported while held, if any. */
export class Held {
  /** The error the connection reported while held, if any. */
  lost: unknown;
  /** Why the client must not go back to the pool as is (a failed connection, a failed rollback). */
  failed: unknown;
  constructor(readonly client: PgClientLike) {
    guard(client);
    const state = guardOf(client);
    if (state !== undefined) state.holder = this;
  }
  /** Returns the client; a client whose connection failed (or is in doubt) is destroyed. */
  release(destroy: unknown): void {
    const reason = destroy ?? this.lost;
    const state = guardOf(this.client);
    if (state?.holder === this) state.holder = undefined;
    try {
      this.client.release(reason === undefined ? undefined : reason instanceof Error ? reason : new Error('connection lost'));
    } catch {
      // released already (the pool ended it)
    }
  }
}

/** Sends steps in one round trip on a held client; rejects with the driver's error (and the batch's facts). */
export function send(held: Held, steps: readonly BatchStep[]): Promise<Output[]> {
  if (held.lost !== undefined) return Promise.reject(held.lost);
  return new Promise((resolve, reject) => {
    const batch = new Batch(steps, resolve, reject);
    void (held.client.query(batch as unknown as PgQueryConfigLike) as Promise<unknown> | undefined)?.catch?.(ignore);
  });
}

const ignore = (): undefined => undefined;
