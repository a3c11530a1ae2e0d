/**
 * Following a store's history: read what comes after a cursor, hand it out in `seq` order, and
 * when nothing is new wait for a wake-up (a commit, a notification) or a poll interval. Reading
 * failures are retried with a bounded, jittered backoff; the loop ends when its signal aborts or
 * its wake-up source closes. For adapter authors implementing `StorageAdapter.tail`.
 */
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
   */
  wait(since: number, signal: TailSignal, timeoutMs: number): Promise<void> {
    if (this.#version !== since || signal.aborted || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      (timer as { unref?: () => void }).unref?.();
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
 * a smaller `seq` may still commit (as `StorageAdapter.history` promises). A failed read is
 * retried after a backoff (the cursor stays); `onError` hears of it.
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
      onError?.(error);
      await sleep(backoff(failures++), signal);
      continue;
    }
    for (const row of page) {
      if (row.seq <= cursor) continue;
      cursor = row.seq;
      yield row;
      if (signal.aborted) return;
    }
    if (page.length >= options.page) continue;
    await wakeup.wait(version, signal, options.pollMs);
  }
}
