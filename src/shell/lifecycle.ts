/**
 * The life of a scheduler's connection to its store: the subscription to events other processes
 * commit, taken when the scheduler is made; the `tail()` iterations; and the closing — once, whatever happens — that
 * waits for the calls in progress, ends every `tail()`, stops the subscription and closes the
 * storage adapter.
 */
import { type CheckedAdapter, closeAdapter, type Subscription } from './answers.js';
import type { OpdEvent } from '../events.js';
import type { Publisher } from './publish.js';
import type { Runner } from './run.js';
import { Tails } from './tails.js';

/** The subscription, the `tail()` iterations and the closing of one scheduler. */
export class Lifecycle {
  /** The open `tail()` iterations. */
  readonly #tails: Tails;
  /** What the adapter's `subscribe` returned, to emit events committed by other processes sharing the store; `undefined` without a subscription. */
  readonly #subscription: Subscription | undefined;
  /** The closing, from the first `close()` on: every `close()` made before it finished settles with it. */
  #closing: Promise<void> | undefined;
  /** Whether the closing has finished (later `close()` calls have nothing to wait for). */
  #closeFinished = false;

  /** Subscribes to the adapter's events (when it offers them). @throws OpdError `STORAGE_FAILURE` when its `subscribe` throws */
  constructor(
    readonly adapter: CheckedAdapter,
    readonly publisher: Publisher,
    readonly runner: Runner,
  ) {
    this.#tails = new Tails(adapter, publisher.published);
    this.#subscription = adapter.subscribe((event) => publisher.foreign(event));
  }

  /**
   * A reading of the events after `after`, then of those committed later.
   * @throws OpdError `STORAGE_FAILURE` once the scheduler is closed
   */
  tail(after: number): AsyncIterable<OpdEvent> {
    if (this.runner.closed) throw this.runner.refusal();
    return this.#tails.open(after);
  }

  /** The closing, started at once (calls are refused from this call on), and only once; resolved at once once it has finished. */
  close(): Promise<void> {
    return this.#closeFinished ? Promise.resolve() : (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    try {
      await this.runner.drain();
      this.#tails.endAll();
      this.publisher.published.close();
      await closeAdapter(this.adapter, this.#subscription);
    } finally {
      this.#closeFinished = true;
    }
  }
}
