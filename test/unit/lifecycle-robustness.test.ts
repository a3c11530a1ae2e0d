/**
 * The lifecycle of a scheduler over a storage adapter that misbehaves: `tail()` hands every
 * failure of the adapter to its consumer as an `OpdError` `STORAGE_FAILURE` and ends cleanly;
 * `close()` closes the adapter whatever else failed, reports the failure as `STORAGE_FAILURE`,
 * and every call made while closing settles only when closing has finished; the constructor
 * refuses an adapter whose `subscribe` throws; and an open `tail()` over an adapter without one of
 * its own keeps the process alive while it waits, and nothing does once it ends.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorSummary, MemoryStorage, type OpdEvent, OpdScheduler, type StorageAdapter, isOpdError } from 'opd-scheduler';
import type { DayDump, TailSignal } from 'opd-scheduler/adapter-kit';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { delegatingStorage, doctorWithSlots, rejectsWith, request } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A message a custom adapter's error might carry: it must never reach the scheduler's caller. */
const SECRET = 'row of patient Asha Verma';

/** Whatever `work` throws, or rejects with. */
async function failureOf(work: () => unknown): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

/** Asserts a STORAGE_FAILURE naming the adapter `custom`, with nothing of the adapter's message. */
function expectStorageFailure(error: unknown): void {
  expect(isOpdError(error, 'STORAGE_FAILURE'), `expected an OpdError STORAGE_FAILURE, got ${String(error)}`).toBe(true);
  const failure = error as { message: string; details: Record<string, unknown>; cause?: unknown };
  expect(failure.details['adapter']).toBe('custom');
  expect(failure.message).not.toContain(SECRET);
  if (failure.cause !== undefined) {
    expect(failure.cause).toBeInstanceOf(ErrorSummary);
    expect(String(failure.cause)).not.toContain(SECRET);
  }
}

/** The first `n` events of a tail, or its failure. */
async function take(events: AsyncIterable<OpdEvent>, n: number): Promise<OpdEvent[]> {
  const out: OpdEvent[] = [];
  if (n === 0) return out;
  for await (const event of events) {
    out.push(event);
    if (out.length >= n) break;
  }
  return out;
}

/** A scheduler over `storage` with one doctor and one booking stored (`seq` 1 and on). */
async function withBooking(storage: StorageAdapter): Promise<OpdScheduler> {
  const opd = new OpdScheduler({ storage, telemetry: false });
  await doctorWithSlots(opd, 'd1', [9], 5);
  await opd.book(request('d1', 'ONLINE'));
  return opd;
}

describe('tail() turns every failure of the adapter into STORAGE_FAILURE and ends cleanly', () => {
  it("the adapter's tail throws: the iteration rejects (tail() itself does not throw), then is done", async () => {
    let signal: TailSignal | undefined;
    const { storage } = delegatingStorage({
      tail: (_after: number, given: TailSignal) => {
        signal = given;
        throw new Error(SECRET);
      },
    });
    const opd = new OpdScheduler({ storage, telemetry: false });
    const events = opd.tail();
    const iterator = events[Symbol.asyncIterator]();
    expectStorageFailure(await failureOf(() => iterator.next()));
    expect(signal?.aborted).toBe(true);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    await opd.close();
  });

  it("the adapter's tail returns something that is not an async iterable", async () => {
    for (const returned of [{}, 42, [1, 2], { [Symbol.asyncIterator]: 1 }, { [Symbol.asyncIterator]: () => null }, { [Symbol.asyncIterator]: () => ({}) }]) {
      const { storage } = delegatingStorage({ tail: () => returned });
      const opd = new OpdScheduler({ storage, telemetry: false });
      expectStorageFailure(await failureOf(() => take(opd.tail(), 1)));
      await opd.close();
    }
  });

  it('an async adapter tail (a promise, not an iterable) is refused, and its rejection handled', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const { storage } = delegatingStorage({ tail: async () => Promise.reject(new Error(SECRET)) });
      const opd = new OpdScheduler({ storage, telemetry: false });
      const error = await failureOf(() => take(opd.tail(), 1));
      expectStorageFailure(error);
      expect((error as Error).message).toContain('did not return an async iterable');
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).not.toHaveBeenCalled();
      await opd.close();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it("the adapter's tail is not a function", async () => {
    const { storage } = delegatingStorage({ tail: 'yes' });
    const opd = new OpdScheduler({ storage, telemetry: false });
    expectStorageFailure(await failureOf(() => take(opd.tail(), 1)));
  });

  it("the adapter's iteration rejects after some events: those are handed out, then STORAGE_FAILURE, and the tail is ended", async () => {
    let signal: TailSignal | undefined;
    let inner: MemoryStorage | undefined;
    const made = delegatingStorage({
      tail: async function* (after: number, given: TailSignal) {
        signal = given;
        yield* await inner!.history(after, 1);
        throw Object.assign(new Error(SECRET), { code: 'ECONNRESET' });
      },
    });
    inner = made.inner;
    const opd = await withBooking(made.storage);
    const iterator = opd.tail()[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect((first.value as OpdEvent).seq).toBe(1);
    const error = await failureOf(() => iterator.next());
    expectStorageFailure(error);
    expect((error as { cause: ErrorSummary }).cause.code).toBe('ECONNRESET');
    expect(signal?.aborted).toBe(true);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    // Nothing is left for close() to wait for or end.
    await opd.close();
  });

  it("the adapter's iteration hands out something that is not an event", async () => {
    for (const step of [null, 7, { done: false, value: null }, { done: false, value: { seq: 'one' } }, { done: false, value: { seq: 0 } }]) {
      const { storage } = delegatingStorage({ tail: () => ({ [Symbol.asyncIterator]: () => ({ next: async () => step }) }) });
      const opd = new OpdScheduler({ storage, telemetry: false });
      expectStorageFailure(await failureOf(() => take(opd.tail(), 1)));
      await opd.close();
    }
  });

  it("the adapter's iteration fails when the consumer stops: break reports STORAGE_FAILURE", async () => {
    let signal: TailSignal | undefined;
    const event = { type: 'slot:closed', seq: 1 };
    const { storage } = delegatingStorage({
      tail: (_after: number, given: TailSignal) => {
        signal = given;
        return {
          [Symbol.asyncIterator]: () => ({
            next: async () => ({ done: false, value: event }),
            return: async () => {
              throw new Error(SECRET);
            },
          }),
        };
      },
    });
    const opd = new OpdScheduler({ storage, telemetry: false });
    expectStorageFailure(await failureOf(() => take(opd.tail(), 1)));
    expect(signal?.aborted).toBe(true);
    await opd.close();
  });

  it('an adapter whose tail gives nothing is polled, as one without a tail', async () => {
    const { storage } = delegatingStorage({ tail: () => undefined });
    const opd = await withBooking(storage);
    expect((await take(opd.tail(), 1)).map((e) => e.seq)).toEqual([1]);
    await opd.close();
  });

  describe('polling an adapter without a tail', () => {
    it('history resolving null', async () => {
      const { storage } = delegatingStorage({ history: async () => null });
      const opd = new OpdScheduler({ storage, telemetry: false });
      expectStorageFailure(await failureOf(() => take(opd.tail(), 1)));
      await opd.close();
    });

    it('history resolving [null], or a row without a usable seq', async () => {
      for (const page of [[null], [42], [{ type: 'slot:closed' }], [{ seq: Number.NaN }], [{ seq: 1.5 }]]) {
        const { storage } = delegatingStorage({ history: async () => page });
        const opd = new OpdScheduler({ storage, telemetry: false });
        expectStorageFailure(await failureOf(() => take(opd.tail(), 1)));
        await opd.close();
      }
    });

    it('a bad row after good ones: the good ones are handed out first, then the failure ends the tail', async () => {
      let inner: MemoryStorage | undefined;
      const made = delegatingStorage({ history: async (after: number, limit: number) => [...(await inner!.history(after, limit)), null] });
      inner = made.inner;
      const opd = await withBooking(made.storage);
      const stored = (await inner.history(0, 100)).length;
      const iterator = opd.tail()[Symbol.asyncIterator]();
      for (let i = 1; i <= stored; i++) expect(((await iterator.next()).value as OpdEvent).seq).toBe(i);
      expectStorageFailure(await failureOf(() => iterator.next()));
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      await opd.close();
    });

    it('history that ignores `after`: the rows after the cursor are handed out once, then a full page of old rows ends the tail', async () => {
      const page = Array.from({ length: 500 }, (_, i) => ({ type: 'token:booked', doctorId: 'd1', seq: i + 1, at: new Date(0) }));
      let calls = 0;
      const { storage } = delegatingStorage({
        history: async () => {
          calls++;
          return page;
        },
      });
      const opd = new OpdScheduler({ storage, telemetry: false });
      const iterator = opd.tail()[Symbol.asyncIterator]();
      for (let i = 1; i <= 500; i++) expect(((await iterator.next()).value as OpdEvent).seq).toBe(i);
      expectStorageFailure(await failureOf(() => iterator.next()));
      expect(calls).toBe(2);
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      await opd.close();
    });

    it('history rejecting is retried (a transient failure), and close() still ends the tail', async () => {
      let calls = 0;
      const { storage } = delegatingStorage({
        history: async () => {
          calls++;
          throw new Error(SECRET);
        },
      });
      const opd = new OpdScheduler({ storage, telemetry: false });
      const next = opd.tail()[Symbol.asyncIterator]().next();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(calls).toBeGreaterThan(1);
      await opd.close();
      expect(await next).toEqual({ done: true, value: undefined });
    });
  });
});

describe('close() closes the adapter whatever else fails', () => {
  it("the adapter's close rejecting: STORAGE_FAILURE, the scheduler closed all the same", async () => {
    let closes = 0;
    const { storage } = delegatingStorage({
      close: async () => {
        closes++;
        throw new Error(SECRET);
      },
    });
    const opd = new OpdScheduler({ storage, telemetry: false });
    expectStorageFailure(await failureOf(() => opd.close()));
    expect(closes).toBe(1);
    await rejectsWith(opd.listDoctors(), 'STORAGE_FAILURE');
    // Not tried again: a later call has nothing to wait for (the failure was reported).
    await opd.close();
    await opd[Symbol.asyncDispose]();
    expect(closes).toBe(1);
  });

  it("the adapter's close throwing synchronously", async () => {
    const { storage } = delegatingStorage({
      close: () => {
        throw new TypeError(SECRET);
      },
    });
    const opd = new OpdScheduler({ storage, telemetry: false });
    const error = await failureOf(() => opd.close());
    expectStorageFailure(error);
    expect((error as { cause: ErrorSummary }).cause.kind).toBe('TypeError');
  });

  const brokenSubscriptions: [string, () => unknown][] = [
    ['subscribe returns something other than a function', () => 42],
    ['subscribe returns nothing', () => undefined],
    [
      'the unsubscribe function throws',
      () => () => {
        throw new Error(SECRET);
      },
    ],
    [
      'the unsubscribe function rejects',
      () => async () => {
        throw new Error(SECRET);
      },
    ],
    ['subscribe is asynchronous and rejects', async () => Promise.reject(new Error(SECRET))],
  ];
  for (const [label, subscribe] of brokenSubscriptions) {
    it(`${label}: the adapter is closed all the same, then STORAGE_FAILURE`, async () => {
      let closes = 0;
      const { storage, inner } = delegatingStorage({
        subscribe,
        close: async () => {
          closes++;
          await inner.close();
        },
      });
      const opd = await withBooking(storage);
      const tail = opd.tail()[Symbol.asyncIterator]();
      expect((await tail.next()).done).toBe(false);
      const pending = tail.next();
      expectStorageFailure(await failureOf(() => opd.close()));
      expect(closes).toBe(1);
      // Every tail ended; calls are refused.
      await tail.next();
      expect(await pending).toEqual({ done: true, value: undefined });
      await rejectsWith(opd.listDoctors(), 'STORAGE_FAILURE');
      await opd.close();
      expect(closes).toBe(1);
    });
  }

  it('both unsubscribing and closing fail: the first failure is reported, and the adapter was closed', async () => {
    let closes = 0;
    const { storage } = delegatingStorage({
      subscribe: () => () => {
        throw new RangeError(SECRET);
      },
      close: async () => {
        closes++;
        throw new TypeError(SECRET);
      },
    });
    const opd = new OpdScheduler({ storage, telemetry: false });
    const error = await failureOf(() => opd.close());
    expectStorageFailure(error);
    expect((error as { cause: ErrorSummary }).cause.kind).toBe('RangeError');
    expect(closes).toBe(1);
  });

  it('a working subscription is stopped before the adapter closes', async () => {
    const steps: string[] = [];
    const { storage, inner } = delegatingStorage({
      subscribe: () => () => steps.push('unsubscribe'),
      close: async () => {
        steps.push('close');
        await inner.close();
      },
    });
    const opd = new OpdScheduler({ storage, telemetry: false });
    await opd.close();
    expect(steps).toEqual(['unsubscribe', 'close']);
  });
});

describe('the constructor and a subscribe that throws', () => {
  it('new OpdScheduler throws STORAGE_FAILURE (never the raw error), and leaves the adapter open', async () => {
    let closed = false;
    const { storage } = delegatingStorage({
      subscribe: () => {
        throw new Error(SECRET);
      },
      close: async () => {
        closed = true;
      },
    });
    const error = await failureOf(() => new OpdScheduler({ storage }));
    expectStorageFailure(error);
    expect((error as { message: string }).message).toMatch(/subscribe/);
    expect(closed).toBe(false);
  });
});

describe('close() called again while closing', () => {
  /** An adapter whose units take `ms`, and which records when it closed. */
  function slow(ms: number, log: string[]): StorageAdapter {
    const { storage, inner } = delegatingStorage({
      transact: async (req: Parameters<StorageAdapter['transact']>[0], decide: Parameters<StorageAdapter['transact']>[1]) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return inner.transact(req, decide);
      },
      close: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        log.push('adapter closed');
        await inner.close();
      },
    });
    return storage;
  }

  for (const telemetry of [false, undefined] as const) {
    it(`every call settles only when closing has finished (telemetry ${String(telemetry)})`, async () => {
      const log: string[] = [];
      const opd = new OpdScheduler({ storage: slow(150, log), ...(telemetry === undefined ? {} : { telemetry }) });
      const call = opd.addDoctor({ id: 'd1', name: 'Dr One' }).then(() => log.push('call settled'));
      const first = opd.close().then(() => log.push('first close'));
      const second = opd.close().then(() => log.push('second close'));
      // Refused from the first close() on.
      await rejectsWith(opd.listDoctors(), 'STORAGE_FAILURE');
      await Promise.all([call, first, second]);
      expect(log.slice(0, 2)).toEqual(['call settled', 'adapter closed']);
      expect(log.slice(2).sort()).toEqual(['first close', 'second close']);
      // Once closed, close() resolves at once.
      await opd.close();
      expect(log.filter((line) => line === 'adapter closed')).toHaveLength(1);
    });
  }

  it('a failure of the closing reaches every call that waited for it', async () => {
    const { storage } = delegatingStorage({
      close: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error(SECRET);
      },
    });
    const opd = new OpdScheduler({ storage, telemetry: false });
    const [first, second] = await Promise.allSettled([opd.close(), opd.close()]);
    expect(first.status).toBe('rejected');
    expect(second.status).toBe('rejected');
    expectStorageFailure((first as PromiseRejectedResult).reason);
    expect((second as PromiseRejectedResult).reason).toBe((first as PromiseRejectedResult).reason);
  });
});

describe('an open tail() and the life of the process', () => {
  /** Referenced timers: what keeps the event loop alive (unreferenced ones are not listed). */
  const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
  /** Lets a tail reach its wait (reads resolve in microtasks; no timer of its own is used). */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };

  it('polling an adapter without a tail: a referenced timer while a next() waits, none once the iteration ends', async () => {
    for (const end of ['return', 'close'] as const) {
      const { storage } = delegatingStorage();
      const opd = await withBooking(storage);
      // The tail's own timers, counted apart from the process's (the runner's come and go on a busy machine).
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const set = vi.spyOn(globalThis, 'setTimeout');
        const iterator = opd.tail({ after: 1_000 })[Symbol.asyncIterator]();
        const pending = iterator.next();
        await settle();
        expect(vi.getTimerCount()).toBe(1);
        expect(set.mock.results.map((r) => (r.value as NodeJS.Timeout).hasRef())).toEqual([true]);
        if (end === 'return') await iterator.return!();
        else await opd.close();
        expect(await pending).toEqual({ done: true, value: undefined });
        expect(vi.getTimerCount()).toBe(0);
      } finally {
        // The spy first: it wraps the fake setTimeout, which restoring it after would put back.
        vi.restoreAllMocks();
        vi.useRealTimers();
      }
      await opd.close();
    }
  });

  it('MemoryStorage: no timer holds the process while a next() waits (only this process writes to it), nor after', async () => {
    const opd = await withBooking(new MemoryStorage());
    const before = timers();
    const iterator = opd.tail({ after: 1_000 })[Symbol.asyncIterator]();
    const pending = iterator.next();
    await settle();
    // None added (a timer of the test runner's may end meanwhile: at most as many as before).
    expect(timers()).toBeLessThanOrEqual(before);
    await opd.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(timers()).toBeLessThanOrEqual(before);
  });

  describe('in a process of its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opd-lifecycle-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** Runs `source` (an ES module importing `opd-scheduler`) in a new Node process. */
    function run(name: string, source: string): Promise<{ code: number | null; stdout: string; ms: number }> {
      const file = join(dir, `${name}.mjs`);
      writeFileSync(file, source);
      const start = Date.now();
      return new Promise((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, timeout: 20_000 }, (error, stdout) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          resolve({ code, stdout, ms: Date.now() - start });
        });
      });
    }

    const ADAPTER = `
      import { MemoryStorage, OpdScheduler } from 'opd-scheduler';
      // A store another process writes to, reached through an adapter without a tail.
      const shared = new MemoryStorage();
      const storage = {
        name: 'shared',
        transact: (r, d) => shared.transact(r, d), read: (r) => shared.read(r), listDoctors: () => shared.listDoctors(),
        allocateId: (k) => shared.allocateId(k), findDueDays: (c, h) => shared.findDueDays(c, h), scanDays: (f) => shared.scanDays(f),
        history: (a, l) => shared.history(a, l), close: async () => {},
      };
      const writer = new OpdScheduler({ storage: shared, telemetry: false });
      const opd = new OpdScheduler({ storage, telemetry: false });
      process.on('exit', (code) => console.log('exit', code));
    `;

    it("waits for another process's event (the poll keeps it alive), then exits once the loop breaks", async () => {
      const { code, stdout, ms } = await run(
        'tail-waits',
        `${ADAPTER}
        // The other process commits in 300 ms; its timer does not keep this process alive.
        setTimeout(async () => {
          await writer.addDoctor({ id: 'd', name: 'D' });
          await writer.addSlots('d', [{ id: 's', start: '2099-01-01T09:00:00Z', end: '2099-01-01T10:00:00Z', capacity: 5 }]);
          await writer.book({ doctorId: 'd', category: 'ONLINE', patient: { name: 'x' } });
        }, 300).unref();
        for await (const event of opd.tail()) {
          console.log('event', event.seq);
          break;
        }
        console.log('loop ended');
        `,
      );
      expect(stdout).toMatch(/event 1\nloop ended\nexit 0/);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
    });

    it('exits once close() ends a waiting tail', async () => {
      const { code, stdout } = await run(
        'tail-closed',
        `${ADAPTER}
        setTimeout(() => void opd.close(), 200);
        for await (const event of opd.tail()) console.log('event', event.seq);
        console.log('loop ended');
        `,
      );
      expect(stdout).toMatch(/loop ended\nexit 0/);
      expect(code).toBe(0);
    });

    it('MemoryStorage: exits once the iterator is closed, and once close() ends a tail', async () => {
      for (const end of ['iterator.return()', 'opd.close()']) {
        const { code, stdout } = await run(
          'memory',
          `
          import { OpdScheduler } from 'opd-scheduler';
          const opd = new OpdScheduler({ telemetry: false });
          const iterator = opd.tail()[Symbol.asyncIterator]();
          setTimeout(() => void ${end}, 200);
          console.log('done', (await iterator.next()).done);
          process.on('exit', (code) => console.log('exit', code));
          `,
        );
        expect(stdout).toMatch(/done true\nexit 0/);
        expect(code).toBe(0);
      }
      // Two processes, each loading the library through tsx: seconds on a busy machine.
    });
  });
});

describe("stats() turns every failure of the adapter's scanDays into STORAGE_FAILURE", () => {
  it("scanDays throws, or its iteration rejects: STORAGE_FAILURE without the adapter's message", async () => {
    const throwing = delegatingStorage({
      scanDays: () => {
        throw new Error(SECRET);
      },
    });
    expectStorageFailure(await failureOf(async () => (await withBooking(throwing.storage)).stats()));
    const failing = delegatingStorage({
      scanDays: async function* () {
        throw new Error(SECRET);
      },
    });
    expectStorageFailure(await failureOf(async () => (await withBooking(failing.storage)).stats()));
  });

  it('an async scanDays (a promise, not an iterable) is refused, and its rejection handled', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      for (const scanDays of [async () => Promise.reject(new Error(SECRET)), async () => [], () => 42, () => null]) {
        const { storage } = delegatingStorage({ scanDays });
        const opd = await withBooking(storage);
        const error = await failureOf(() => opd.stats());
        expectStorageFailure(error);
        expect((error as Error).message).toContain('`scanDays` did not return an async iterable');
        await opd.close();
      }
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('a scanDays that yields a plain array of days still counts them', async () => {
    const { storage, inner } = delegatingStorage();
    const opd = await withBooking(storage);
    const days: DayDump[] = [];
    for await (const day of inner.scanDays({})) days.push(day);
    storage.scanDays = (() => days) as never;
    expect((await opd.stats()).tokens).toBe(1);
    await opd.close();
  });
});
