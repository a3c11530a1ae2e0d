/**
 * Where a read's time goes in `bench:reads`, for the process that makes it: each
 * read timed from the call to its answer, split into its wait for a pool's connection and its time
 * holding one (the round trip and the answer's decoding); the rest is the client's own (its event
 * loop, the question for the primary's WAL position shared with other reads, the views). Beside
 * them, the event loop's delay over the same time (`monitorEventLoopDelay`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type pg from 'pg';

/** What one read spent where (ms), and whether it took a connection of the primary. */
export interface ReadTiming {
  poolWait: number;
  held: number;
  primary: boolean;
}

/** A read timed: its whole time and its parts, and who made it (`poll`: a patient's, `own`: a booker's read of its booking, `board`). */
export interface TimedRead extends ReadTiming {
  readonly total: number;
  /** When the read began (ms since the phase began). */
  readonly at: number;
  readonly who: 'poll' | 'own' | 'board';
}

/** The reads of one process over one phase, as numbers that cross to another. */
export interface ReadSample {
  readonly reads: TimedRead[];
  readonly failed: number;
  readonly violations: number;
  /** The event loop's delay (ms): p50, p99, max. */
  readonly loop: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Where the reads of a worker's scheduler went (`replicaCounts`). */
  readonly counts?:
    { readonly standby: number; readonly primary: number; readonly behind: number; readonly failed: number; readonly positions: number } | undefined;
}

/** The pools' checkouts and the reads they belong to, for one process. */
export class ReadClock {
  readonly #timing = new AsyncLocalStorage<ReadTiming>();
  #primaryPool: pg.Pool | undefined;
  readonly reads: TimedRead[] = [];
  failed = 0;
  violations = 0;
  readonly #loop = monitorEventLoopDelay({ resolution: 5 });
  #started = 0;

  /** The pool of the primary: a read that takes a connection of it is marked. */
  set primaryPool(pool: pg.Pool | undefined) {
    this.#primaryPool = pool;
  }

  /** A pool whose checkouts, made while a read is timed, add their wait and hold to the read's {@link ReadTiming}. */
  timedPool(pool: pg.Pool): pg.Pool {
    const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient> | undefined;
    (pool as { connect: unknown }).connect = (callback?: unknown) => {
      const read = this.#timing.getStore();
      if (callback !== undefined || read === undefined) return connect(callback);
      const t0 = performance.now();
      return connect()!.then((client) => {
        const t1 = performance.now();
        read.poolWait += t1 - t0;
        if (pool === this.#primaryPool) read.primary = true;
        const release = client.release;
        client.release = (destroy?: boolean | Error) => {
          client.release = release;
          read.held += performance.now() - t1;
          release.call(client, destroy);
        };
        return client;
      });
    };
    return pool;
  }

  /** Runs a read, timed; a failure that is an `OpdError` is counted (`isOpd`), any other thrown. */
  async time<T>(who: TimedRead['who'], read: () => Promise<T>, isOpd: (error: unknown) => boolean): Promise<T | undefined> {
    const t: ReadTiming = { poolWait: 0, held: 0, primary: false };
    const t0 = performance.now();
    try {
      const out = await this.#timing.run(t, read);
      this.reads.push({ total: performance.now() - t0, at: t0 - this.#started, who, ...t });
      return out;
    } catch (error) {
      this.failed++;
      if (!isOpd(error)) throw error;
      return undefined;
    }
  }

  start(): void {
    this.#started = performance.now();
    this.reads.length = 0;
    this.failed = 0;
    this.violations = 0;
    this.#loop.reset();
    this.#loop.enable();
  }

  /** Ends the phase: its reads and the event loop's delay. */
  sample(): ReadSample {
    this.#loop.disable();
    return {
      reads: [...this.reads],
      failed: this.failed,
      violations: this.violations,
      loop: { p50: this.#loop.percentile(50) / 1e6, p99: this.#loop.percentile(99) / 1e6, max: this.#loop.max / 1e6 },
    };
  }
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The figures of some timed reads: p50/p99, the parts' p99, and what the reads at or over the p99 spent, on average, where. */
export function summary(reads: readonly TimedRead[]): {
  count: number;
  p50: number;
  p99: number;
  poolWaitP99: number;
  heldP99: number;
  tailPoolWait: number;
  tailHeld: number;
  tailOther: number;
  touchedPrimary: number;
} {
  const totals = reads.map((r) => r.total).sort((a, b) => a - b);
  const p99 = quantile(totals, 0.99);
  const tail = reads.filter((r) => r.total >= p99);
  return {
    count: reads.length,
    p50: quantile(totals, 0.5),
    p99,
    poolWaitP99: quantile(
      reads.map((r) => r.poolWait).sort((a, b) => a - b),
      0.99,
    ),
    heldP99: quantile(
      reads.map((r) => r.held).sort((a, b) => a - b),
      0.99,
    ),
    tailPoolWait: mean(tail.map((r) => r.poolWait)),
    tailHeld: mean(tail.map((r) => r.held)),
    tailOther: mean(tail.map((r) => r.total - r.poolWait - r.held)),
    touchedPrimary: reads.filter((r) => r.primary).length / Math.max(1, reads.length),
  };
}
