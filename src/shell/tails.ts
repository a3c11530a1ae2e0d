/**
 * The `tail()` iterations of a scheduler: the adapter's own `tail`, else a poll of its history,
 * each event checked, every failure an `OpdError`, and every open iteration ended when the
 * scheduler closes.
 */
import { catchRejection, type OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { followHistory, type Wakeup } from '../storage/tail.js';
import type { CheckedAdapter } from './answers.js';

/** The open `tail()` iterations of one scheduler. */
export class Tails {
  /** One per open iteration: aborting it ends the iteration's source. */
  readonly #open = new Set<AbortController>();

  constructor(
    readonly adapter: CheckedAdapter,
    /** Woken by each publication: the poll of an adapter without a `tail` reads again. */
    readonly published: Wakeup,
  ) {}

  /**
   * A new iteration of the events after `after` (see `OpdScheduler.tail`). A source that cannot
   * be started is reported by the first `next()`, where the consumer's loop handles failures.
   */
  open(after: number): AsyncIterable<OpdEvent> {
    const controller = new AbortController();
    const open = this.#open;
    open.add(controller);
    // Ends the source (its signal) and forgets the iteration: once, when it ends for any reason.
    const end = (): void => {
      controller.abort();
      open.delete(controller);
    };
    let source: AsyncIterable<OpdEvent> | undefined;
    let failure: OpdError | undefined;
    try {
      source = this.#source(after, controller.signal);
    } catch (error) {
      end();
      failure = this.adapter.failure('could not start a tail', error);
    }
    return { [Symbol.asyncIterator]: () => this.#iterator(source, failure, end) };
  }

  /** Ends every open iteration (the scheduler closes). */
  endAll(): void {
    for (const controller of this.#open) controller.abort();
    this.#open.clear();
  }

  /**
   * The events of a `tail()`: the adapter's own `tail`, else a poll of `history` that keeps the
   * process alive while it waits (the store may be shared with other processes).
   * @throws for an adapter `tail` that throws or returns something other than an async iterable
   */
  #source(after: number, signal: AbortSignal): AsyncIterable<OpdEvent> {
    const storage = this.adapter.storage;
    const own: unknown = storage.tail;
    if (own !== undefined && own !== null && typeof own !== 'function') throw this.adapter.malformed('`tail` is not a function');
    const source: unknown = typeof own === 'function' ? (own as NonNullable<typeof storage.tail>).call(storage, after, signal) : undefined;
    // An adapter whose `tail` gives nothing (a wrapper around an adapter without one) is polled too.
    if (source === undefined || source === null) {
      const options = { page: 500, pollMs: 1000, keepAlive: true, adapter: this.adapter.name() };
      return followHistory((from, limit) => storage.history(from, limit), this.published, after, signal, options);
    }
    if (
      (typeof source !== 'object' && typeof source !== 'function') ||
      typeof (source as Partial<AsyncIterable<OpdEvent>>)[Symbol.asyncIterator] !== 'function'
    ) {
      // An `async tail` returns a promise: refused, and its rejection must not go unhandled.
      catchRejection(source, () => {});
      throw this.adapter.malformed('`tail` did not return an async iterable');
    }
    return source as AsyncIterable<OpdEvent>;
  }

  /**
   * An iterator of a `tail()`: the source's events, each checked to be one, and every failure of
   * the source (or `failure`, when it could not start) as an `OpdError`. When the source ends or
   * fails, or the consumer stops, it calls `end` (once) and reports done from then on.
   */
  #iterator(source: AsyncIterable<OpdEvent> | undefined, failure: OpdError | undefined, end: () => void): AsyncIterator<OpdEvent> {
    const adapter = this.adapter;
    let iterator: AsyncIterator<OpdEvent> | undefined;
    let pending = failure;
    if (source !== undefined) {
      try {
        const opened: unknown = source[Symbol.asyncIterator]();
        if (typeof opened !== 'object' || opened === null || typeof (opened as Partial<AsyncIterator<OpdEvent>>).next !== 'function') {
          throw adapter.malformed('`tail` returned an async iterable without an iterator');
        }
        iterator = opened as AsyncIterator<OpdEvent>;
      } catch (error) {
        pending = adapter.failure('could not start a tail', error);
      }
    }
    let ended = false;
    const stop = (): void => {
      if (ended) return;
      ended = true;
      end();
    };
    const done = (): IteratorResult<OpdEvent> => ({ done: true, value: undefined });
    return {
      next: async () => {
        if (pending !== undefined) {
          const error = pending;
          pending = undefined;
          stop();
          throw error;
        }
        if (ended || iterator === undefined) return done();
        let event: OpdEvent;
        try {
          const step: unknown = await iterator.next();
          if (typeof step !== 'object' || step === null) throw adapter.malformed('the iteration of `tail` handed out something other than an iterator result');
          if ((step as IteratorResult<unknown>).done) {
            stop();
            return done();
          }
          const value: unknown = (step as IteratorResult<unknown>).value;
          const seq = typeof value === 'object' && value !== null ? (value as { seq?: unknown }).seq : undefined;
          if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= 0) {
            throw adapter.malformed('the iteration of `tail` handed out something other than an event with a positive integer `seq`');
          }
          event = value as OpdEvent;
        } catch (error) {
          stop();
          throw adapter.failure('failed while tailing', error);
        }
        return { done: false, value: event };
      },
      return: async () => {
        pending = undefined;
        if (ended || iterator === undefined) {
          stop();
          return done();
        }
        stop();
        try {
          await iterator.return?.();
        } catch (error) {
          throw adapter.failure('failed to end a tail', error);
        }
        return done();
      },
    };
  }
}
