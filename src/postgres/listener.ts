/**
 * Waking readers of the history when other processes commit: one connection (held while a
 * `tail()` or a `listen: true` feed is open) that holds the schema's listen key and LISTENs on its
 * channel, waking the adapter's {@link Wakeup} on each notification. A lost connection is
 * released (destroyed by the pool) and opened again after a bounded, jittered backoff; readers
 * are woken on every reconnect to catch up, and poll meanwhile, so nothing is missed.
 */
import type { Wakeup } from '../storage/tail.js';
import { backoff } from '../storage/tail.js';
import type { PgClientLike, PGliteLike, PgPoolLike, PostgresDb } from './db.js';
import { guard as guardClient, guardPool } from './pool-client.js';
import type { Statements } from './sql.js';

/**
 * How long `stop()` waits for the listening connection to answer its UNLISTEN before it destroys
 * the connection instead (the LISTEN and the key end with it): a connection that never answers
 * must not keep `close()` from settling.
 */
export const STOP_TIMEOUT_MS = 2000;

export class Listener {
  readonly #db: PostgresDb;
  readonly #statements: Statements;
  readonly #wakeup: Wakeup;
  #users = 0;
  #running = false;
  #client: PgClientLike | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #generation = 0;
  /** For each client listening (or being let go), what takes its listeners off it. */
  readonly #detach = new Map<PgClientLike, () => void>();

  constructor(db: PostgresDb, statements: Statements, wakeup: Wakeup) {
    this.#db = db;
    this.#statements = statements;
    this.#wakeup = wakeup;
  }

  /** Whether the listening connection is up. */
  get connected(): boolean {
    return this.#client !== undefined || this.#unlisten !== undefined;
  }

  /** Starts listening (once for any number of users); returns the function that stops this use. */
  use(): () => void {
    this.#users++;
    if (!this.#running) {
      this.#running = true;
      void this.#connect(this.#generation);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#users === 0) void this.stop();
    };
  }

  async #connect(generation: number): Promise<void> {
    if (!this.#running || generation !== this.#generation) return;
    const db = this.#db as Partial<PGliteLike> & Partial<PgPoolLike>;
    try {
      if (typeof db.transaction === 'function') {
        if (typeof db.listen !== 'function') return;
        const unlisten = await db.listen(this.#statements.channel, () => this.#wakeup.wake());
        if (!this.#running || generation !== this.#generation) return void (await unlisten().catch(() => undefined));
        this.#unlisten = unlisten;
      } else {
        guardPool(this.#db as PgPoolLike);
        const client = await (this.#db as PgPoolLike).connect();
        guardClient(client);
        // Stopped while the pool was connecting: nothing was sent on the client yet.
        if (!this.#running || generation !== this.#generation) return void release(client, undefined);
        const lost = (): void => this.#lost(client, generation);
        const notified = (message: { channel: string }): void => {
          if (message.channel === this.#statements.channel) this.#wakeup.wake();
        };
        client.on?.('error', lost as (arg: never) => void);
        client.on?.('end', lost as (arg: never) => void);
        client.on?.('notification', notified as (arg: never) => void);
        // Taken off when the client goes back to the pool, where another user gets it.
        this.#detach.set(client, () => {
          client.removeListener?.('error', lost);
          client.removeListener?.('end', lost);
          client.removeListener?.('notification', notified as (...args: unknown[]) => void);
        });
        this.#client = client;
        // The key first: a writer that took it exclusively before committed before the readers'
        // next read, and one that could not take it notifies. Should `stop()` run meanwhile, it
        // finds the client set, and ends the LISTEN and the key before releasing it.
        await client.query(this.#statements.listenStart);
        if (!this.#running || generation !== this.#generation) return;
      }
      this.#failures = 0;
      this.#wakeup.wake(); // catch up on anything committed while disconnected
    } catch {
      if (this.#client !== undefined) this.#lost(this.#client, generation);
      else this.#schedule(generation);
    }
  }

  #lost(client: PgClientLike, generation: number): void {
    if (this.#client !== client) return;
    this.#drop(client, true);
    this.#wakeup.wake();
    this.#schedule(generation);
  }

  #drop(client: PgClientLike, destroy: boolean): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#release(client, destroy ? new Error('listening connection lost') : undefined);
  }

  /** Returns the listening client to the pool (destroyed with `error`), its listeners taken off. */
  #release(client: PgClientLike, error: Error | undefined): void {
    this.#detach.get(client)?.();
    this.#detach.delete(client);
    release(client, error);
  }

  #schedule(generation: number): void {
    if (!this.#running || this.#retry !== undefined || generation !== this.#generation) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect(generation);
    }, backoff(this.#failures++));
    (this.#retry as { unref?: () => void }).unref?.();
  }

  /**
   * Stops listening and releases the connection. Idempotent; settles once every stop begun so far
   * has released its connection (a second call made while the first waits for its UNLISTEN waits
   * too).
   */
  stop(): Promise<void> {
    this.#running = false;
    this.#generation++;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    const stopping = Promise.all([this.#stopping, this.#letGo(client, unlisten)]).then(() => undefined);
    this.#stopping = stopping;
    return stopping;
  }

  /** What every stop begun so far waits for. */
  #stopping: Promise<void> = Promise.resolve();

  /** Ends the LISTEN (and the key) on `client` and releases it, or unlistens on PGlite. Never rejects. */
  async #letGo(client: PgClientLike | undefined, unlisten: (() => Promise<void>) | undefined): Promise<void> {
    if (client !== undefined) {
      let failed: Error | undefined;
      try {
        await answered(client.query(this.#statements.listenStop), STOP_TIMEOUT_MS);
      } catch {
        // The LISTEN and the key end with the connection.
        failed = new Error('listening connection failed');
      }
      this.#release(client, failed);
    }
    try {
      await unlisten?.();
    } catch {
      // PGlite closed already: nothing left to stop.
    }
  }
}

/** `promise`, or a rejection once `ms` have passed without its answer. */
export function answered(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Returns a client to the pool (destroyed with `error`); one released already is left alone. */
function release(client: PgClientLike, error: Error | undefined): void {
  try {
    client.release(error);
  } catch {
    // released already (the pool ended it)
  }
}
