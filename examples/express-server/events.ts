/**
 * Live engine events for HTTP clients.
 *
 * The stored history is the source of truth: the hub follows `scheduler.tail()` from the end of
 * the history, and hands events to its subscribers strictly in `seq` order, each once — this
 * process's and, with a shared PostgreSQL store, other processes' — across lost connections. A stream that resumes from `Last-Event-ID` first replays
 * the history after that id while buffering what the hub delivers meanwhile, then switches to
 * live delivery, dropping anything already sent: no gaps, no duplicates.
 */
import type { OpdEvent, OpdScheduler } from 'opd-scheduler';
import type { Logger } from './log.js';
import { describeError } from './log.js';
import type { SseConnection } from './sse.js';

const PAGE = 500;
/** A stream that cannot finish its replay while this many live events pile up is disconnected. */
const MAX_BUFFERED = 50_000;

/** Receives every stored event once, in `seq` order. */
export type EventListener = (event: OpdEvent) => void;

/** Reads the scheduler's history as new events are stored, and fans them out. */
export class EventHub {
  readonly #scheduler: OpdScheduler;
  readonly #logger: Logger;
  readonly #listeners = new Set<EventListener>();
  #cursor = 0;
  #following: AsyncIterable<OpdEvent> | undefined;
  #pumping: Promise<void> | undefined;
  #again = false;
  #closed = false;

  private constructor(scheduler: OpdScheduler, logger: Logger) {
    this.#scheduler = scheduler;
    this.#logger = logger;
  }

  /**
   * Starts following the scheduler from the end of its stored history. `listeners` are
   * subscribed first: they also receive the stored history, read once as the hub starts.
   */
  static async start(scheduler: OpdScheduler, logger: Logger, listeners: readonly EventListener[] = []): Promise<EventHub> {
    const hub = new EventHub(scheduler, logger);
    for (const listener of listeners) hub.subscribe(listener);
    await hub.sync();
    hub.#follow();
    return hub;
  }

  /** The `seq` of the last stored event the hub has delivered. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Delivers every event stored after this call (and possibly a few before), in `seq` order. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Asks the hub to read new events. */
  wake(): void {
    if (this.#closed) return;
    if (this.#pumping !== undefined) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Resolves once every event stored before the call has been delivered. */
  async sync(): Promise<void> {
    this.wake();
    while (this.#pumping !== undefined) await this.#pumping;
  }

  /** Stops following the scheduler. */
  close(): void {
    this.#closed = true;
    void this.#following?.[Symbol.asyncIterator]().return?.();
    this.#listeners.clear();
  }

  /** Delivers every event committed after the cursor, as `tail()` yields them, until closed. */
  #follow(): void {
    const events = this.#scheduler.tail({ after: this.#cursor });
    this.#following = events;
    void (async () => {
      try {
        for await (const event of events) {
          if (this.#closed) break;
          this.#deliver(event);
        }
      } catch (error) {
        if (!this.#closed) this.#logger.error('event tail failed', describeError(error));
      }
    })();
  }

  #deliver(event: OpdEvent): void {
    if (event.seq <= this.#cursor) return;
    this.#cursor = event.seq;
    for (const listener of this.#listeners) listener(event);
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const page = await this.#scheduler.history({ after: this.#cursor, limit: PAGE });
        for (const event of page) this.#deliver(event);
        if (page.length < PAGE || this.#closed) return;
      }
    } catch (error) {
      // The next event (or stream) wakes the hub again; nothing is skipped, the cursor stays.
      if (!this.#closed) this.#logger.error('event history read failed', describeError(error));
    }
  }
}

/** Options of {@link streamEvents}. */
export interface StreamOptions {
  /** Replay stored events after this `seq`; `undefined` for live events only. */
  readonly after: number | undefined;
  /** Only this doctor's events. */
  readonly doctorId: string | undefined;
}

/**
 * Streams engine events on an open SSE connection: `id` is the event's `seq`, `event` its
 * type, `data` the event as JSON. An `after` beyond the stored history (an id from another
 * store, such as a restarted in-memory server) restarts from the beginning, announced by a
 * `reset` event.
 */
export async function streamEvents(hub: EventHub, scheduler: OpdScheduler, stream: SseConnection, options: StreamOptions): Promise<void> {
  const { doctorId } = options;
  let lastSent = options.after ?? hub.cursor;
  let buffer: OpdEvent[] | undefined = [];

  const send = (event: OpdEvent): void => {
    if (event.seq <= lastSent) return;
    lastSent = event.seq;
    if (doctorId === undefined || event.doctorId === doctorId) stream.send(event.seq, event.type, JSON.stringify(event));
  };
  const unsubscribe = hub.subscribe((event) => {
    if (buffer === undefined) send(event);
    else if (buffer.push(event) > MAX_BUFFERED) stream.end();
  });
  stream.onClose(unsubscribe);

  if (options.after !== undefined && options.after > hub.cursor) {
    await hub.sync();
    if (options.after > hub.cursor) {
      lastSent = 0;
      stream.send(0, 'reset', JSON.stringify({ reason: 'unknown-event-id', lastEventId: options.after }));
    }
  }
  // Replay, page by page, respecting the reader's pace.
  for (;;) {
    if (!stream.open) return;
    const page = await scheduler.history({ after: lastSent, limit: PAGE });
    for (const event of page) {
      send(event);
      if (event.doctorId === doctorId || doctorId === undefined) await stream.drained();
    }
    if (page.length < PAGE) break;
  }
  const pending = buffer;
  buffer = undefined;
  for (const event of pending) send(event);
}
