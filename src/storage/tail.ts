/**
 * Following a store's history: read what comes after a cursor, hand it out in `seq` order, and
 * when nothing is new wait for a wake-up (a commit, a notification) or a poll interval. Reading
 * failures are retried with a bounded, jittered backoff; a read that resolves with something that
 * is not a page of rows ends the loop with a `STORAGE_FAILURE`; the loop ends when its signal
 * aborts or its wake-up source closes. For adapter authors implementing `StorageAdapter.tail`.
 */
import { isOpdError, OpdError } from '../errors.js';
import type { TailSignal } from './adapter.js';

/** A counter of changes with waiters: adapters call `wake()` after each commit that stored events. */
export class Wakeup {
  #version = 0;
  #closed = false;
  readonly #waiters = new Set<() => void>();

  /** Changes seen so far; pass it to {@link Wakeup.wait} to wait for the next one. */
  get version(): number {
    return this.#version;
  }

  /** Whether {@link Wakeup.close} was called (followers end). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Signals a change: every waiter resumes. */
  wake(): void {
    this.#version++;
    // Called after every commit: nothing to copy when nobody waits.
    if (this.#waiters.size === 0) return;
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Ends every follower. */
  close(): void {
    this.#closed = true;
    this.wake();
  }

  /**
   * Resolves when the version differs from `since`, after `timeoutMs`, or when `signal` aborts,
   * whichever comes first. Never rejects.
   *
   * @param keepAlive - whether the wait keeps the process alive (a referenced timer, as a reader
   *   waiting for another process's commits needs); by default it does not. Either way nothing is
   *   left once the wait ends (woken, timed out, aborted or closed).
   */
  wait(since: number, signal: TailSignal, timeoutMs: number, keepAlive = false): Promise<void> {
    if (this.#version !== since || signal.aborted || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      if (!keepAlive) (timer as { unref?: () => void }).unref?.();
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** Options of {@link followHistory}. */
export interface FollowOptions {
  /** Rows per read. */
  readonly page: number;
  /** Milliseconds between reads when nothing wakes the follower. */
  readonly pollMs: number;
  /**
   * Whether the follower keeps the process alive while it waits for more (default `false`).
   * `true` for a reader of a store other processes write to, which only a poll can wake (the
   * scheduler's `tail()` over an adapter without one of its own): the process then waits for
   * their events, as it would on a listening connection, until the iteration ends. Leave it off
   * for a store only this process writes to, where waiting could never be rewarded, and for a
   * background feed that must not hold the process.
   */
  readonly keepAlive?: boolean | undefined;
  /** The adapter whose history is read, named (`details.adapter`) in the failure of a page that is not one. */
  readonly adapter?: string | undefined;
}

/** A pause of `ms` that ends early when `signal` aborts. */
export function sleep(ms: number, signal: TailSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A bounded, jittered backoff: about 100 ms doubling to 5 s, each between half and all of it. */
export function backoff(failures: number): number {
  return Math.min(5000, 100 * 2 ** Math.min(failures, 10)) * (0.5 + Math.random() / 2);
}

/**
 * Yields every row `read` returns after `after`, in `seq` order, each once, then keeps waiting for
 * more. `read(cursor, limit)` must return rows with `seq > cursor` in order and never a row while
 * a smaller `seq` may still commit (as `StorageAdapter.history` promises). A failed read (it
 * throws or rejects) is retried after a backoff (the cursor stays); `onError` hears of it.
 *
 * A read that resolves with something other than an array, with a row that is not an object with
 * a positive integer `seq`, or with a full page none of whose rows comes after the cursor (a read
 * that ignores `after` would otherwise be repeated forever), is not retried: the rows before it
 * are yielded, then the iteration throws an `OpdError` `STORAGE_FAILURE` (never a `TypeError`),
 * and ends. Nor is a read that fails with an `OpdError` `HISTORY_TRUNCATED` (the rows after the
 * cursor are no longer kept, and a retry cannot bring them back): the iteration throws it, and ends.
 *
 * @throws OpdError `STORAGE_FAILURE` for a page that is not one (see above); `HISTORY_TRUNCATED`
 *   when `read` fails with it
 */
export async function* followHistory<T extends { readonly seq: number }>(
  read: (after: number, limit: number) => Promise<readonly T[]>,
  wakeup: Wakeup,
  after: number,
  signal: TailSignal,
  options: FollowOptions,
  onError?: (error: unknown) => void,
): AsyncGenerator<T, void, undefined> {
  let cursor = after;
  let failures = 0;
  while (!signal.aborted && !wakeup.closed) {
    const version = wakeup.version;
    let page: readonly T[];
    try {
      page = await read(cursor, options.page);
      failures = 0;
    } catch (error) {
      if (signal.aborted || wakeup.closed) return;
      if (isOpdError(error, 'HISTORY_TRUNCATED')) throw error;
      onError?.(error);
      await sleep(backoff(failures++), signal);
      continue;
    }
    if (!Array.isArray(page)) throw malformedPage(options.adapter, 'is not an array');
    const before = cursor;
    for (const row of page) {
      const seq = seqOf(row);
      if (seq === undefined) throw malformedPage(options.adapter, 'holds a row that is not an object with a positive integer `seq`');
      if (seq <= cursor) continue;
      cursor = seq;
      yield row;
      if (signal.aborted) return;
    }
    if (page.length >= options.page) {
      // A full page with nothing after the cursor would be read again and again, never waiting.
      if (cursor === before) throw malformedPage(options.adapter, `is full (${page.length} rows) without a row after the one asked to read after`);
      continue;
    }
    await wakeup.wait(version, signal, options.pollMs, options.keepAlive === true);
  }
}

/** The `seq` of a row read, when it is an object with a positive integer `seq`. */
function seqOf(row: unknown): number | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  let seq: unknown;
  try {
    seq = (row as { readonly seq?: unknown }).seq;
  } catch {
    return undefined; // a proxy or a getter that throws
  }
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}

/** The failure of a read that resolved with something that is not a page of rows. */
function malformedPage(adapter: string | undefined, what: string): OpdError {
  if (adapter === undefined) return new OpdError('STORAGE_FAILURE', `A page of stored events read from the storage adapter ${what}`);
  return new OpdError('STORAGE_FAILURE', `A page of stored events read from the storage adapter \`${adapter}\` ${what}`, { details: { adapter } });
}
