/**
 * Publishing events to a scheduler's listeners, through the emitter's public API only. A
 * throwing listener never turns a stored change into a failed call, never silences the other
 * listeners, and never brings the host process down: its error goes to the `error` listeners,
 * else to a process warning (once per scheduler).
 */
import { catchRejection, ErrorSummary, warn } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { isKnownEvent } from '../storage/shapes.js';
import { Wakeup } from '../storage/tail.js';
import type { CheckedAdapter } from './answers.js';

/** A listener as the emitter's `listeners()` hands it out. */
type Listener = (...args: unknown[]) => unknown;

/** What the publisher uses of an `eventemitter3` emitter: its public API. */
export interface Listeners {
  listenerCount(name: string): number;
  listeners(name: string): Listener[];
  removeListener(name: string, fn: Listener, context: undefined, once: true): unknown;
}

/** The events of one scheduler, handed to its listeners. */
export class Publisher {
  /** Wakes the polling `tail()` of an adapter without one of its own. */
  readonly published = new Wakeup();
  /** Whether a listener's error, with no `error` listener to take it, was warned about. */
  #listenerWarned = false;
  /** Whether something the adapter's `subscribe` delivered that is not an event, with no `error` listener to take it, was warned about. */
  #droppedWarned = false;

  constructor(
    readonly emitter: Listeners,
    readonly adapter: CheckedAdapter,
  ) {}

  /** Hands each event, in order, to the listeners of its type and then to those of `event`. */
  publish(events: readonly OpdEvent[]): void {
    if (events.length > 0) this.published.wake();
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      this.#callEach(event.type, event, this.#listenerFailed);
      this.#callEach('event', event, this.#listenerFailed);
    }
  }

  /**
   * Emits an event another writer committed, as the adapter's `subscribe` delivers it. Never throws
   * into the adapter, which may deliver from a timer, where a throw would bring the host process
   * down: anything that is not an event of a known type is dropped and reported.
   */
  foreign(delivered: unknown): void {
    let event: OpdEvent | undefined;
    try {
      // A copy, read once: a getter cannot answer the check one thing and the listeners another.
      const copy: unknown = typeof delivered === 'object' && delivered !== null ? { ...delivered } : delivered;
      if (isKnownEvent(copy)) event = Object.freeze(copy);
    } catch {
      // A proxy or a getter that throws: dropped below.
    }
    if (event === undefined) {
      this.#report(this.adapter.malformed('`subscribe` delivered something other than an event of a known type, and it was dropped'), () =>
        this.#warnDropped(),
      );
      return;
    }
    this.publish([event]);
  }

  /**
   * Calls each listener of `name` with `arg` on its own, as the emitter would (a `once` listener
   * removed first), so that one that throws, or returns a promise that rejects, costs the others
   * nothing: `failed` gets the name and the error.
   */
  #callEach(name: string, arg: unknown, failed: (name: string, error: unknown) => void): void {
    const emitter = this.emitter;
    // Most events have no listener: nothing is made for them.
    if (emitter.listenerCount(name) === 0) return;
    // A copy: listeners added or removed by a listener take effect from the next event.
    const listeners = emitter.listeners(name);
    for (let i = 0; i < listeners.length; i++) {
      const fn = listeners[i]!;
      // Removes the listener only where it was added with `once` (as the emitter does before calling it).
      emitter.removeListener(name, fn, undefined, true);
      let returned: unknown;
      try {
        returned = fn.call(emitter, arg);
      } catch (error) {
        failed(name, error);
        continue;
      }
      // Most listeners return nothing: a handler for a rejection is made only for what may be a promise.
      if ((typeof returned === 'object' && returned !== null) || typeof returned === 'function') catchRejection(returned, (error) => failed(name, error));
    }
  }

  readonly #listenerFailed = (name: string, error: unknown): void => {
    this.#report(error, () => this.#warnListener(name, error));
  };

  /** Hands `error` to the `error` listeners; `warnInstead` when there are none, or when one throws (or rejects) in turn. */
  #report(error: unknown, warnInstead: () => void): void {
    if (this.emitter.listenerCount('error') > 0) {
      let failed = false;
      // An `error` listener that throws (or rejects) in turn is warned about below, as if there were none.
      this.#callEach('error', error, () => {
        if (!failed) warnInstead();
        failed = true;
      });
      return;
    }
    warnInstead();
  }

  #warnDropped(): void {
    if (this.#droppedWarned) return;
    this.#droppedWarned = true;
    warn(
      `The storage adapter \`${this.adapter.name()}\` delivered, as the event of another writer, something other than an event of a known type; it was dropped. ` +
        'Listen to `error` to receive such failures; further ones of this scheduler are not reported here.',
      'OPD_EVENT_DROPPED',
    );
  }

  #warnListener(name: string, error: unknown): void {
    if (this.#listenerWarned) return;
    this.#listenerWarned = true;
    // The listener's own message is not repeated: it may quote the patient of the event.
    const kind = new ErrorSummary(error).kind;
    warn(
      `A listener of \`${name}\` threw or rejected (${kind}); the change it was told of is stored and the other listeners ran. ` +
        'Listen to `error` to receive such errors; further ones of this scheduler are not reported here.',
      'OPD_LISTENER_FAILED',
    );
  }
}
