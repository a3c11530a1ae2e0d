/**
 * The events as the adapter hands them out: `history`, `tail()` (stored events, then every new
 * committed one, woken by the schema's LISTEN connection: see `listener.ts`), and the feed of
 * `subscribe`, which delivers the events of other processes (with `listen: true`) and of this
 * instance's units whose acknowledgement was lost (see `recovery.ts`).
 */
import { ErrorSummary, isOpdError, warn } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { TailSignal } from '../storage/adapter.js';
import { followHistory, sleep } from '../storage/tail.js';
import { toEvent } from './codec.js';
import { answered, Listener, STOP_TIMEOUT_MS } from './listener.js';
import { assertRoomForFeed } from './options.js';
import type { Wing } from './wing.js';

const HISTORY_PAGE = 500;
/** How often a follower reads history without being woken. */
export const POLL_MS = 1000;

/** A stored event row: its number, the unit that wrote it, the event as stored (not checked yet: see `toEvent`). */
interface Row {
  readonly seq: number;
  readonly origin: string;
  readonly event: unknown;
}

/** A stored event row with its event decoded. */
interface EventRow {
  readonly seq: number;
  readonly origin: string;
  readonly event: OpdEvent;
}

/** The events of one adapter instance: its history, its tails and its subscribers. */
export class Feed {
  readonly #wing: Wing;
  /** Takes on a unit of this instance whose acknowledgement was lost (see `Recovery.claim`). */
  readonly #claim: (origin: string) => boolean;
  readonly #listeners = new Set<(event: OpdEvent) => void>();
  /** Whether a subscriber's error was reported (once per adapter: see `deliver`). */
  #listenerWarned = false;
  readonly #listener: Listener;
  /** The `listen: true` feeds still running (each ends once stopped, after the read it has in flight). */
  readonly #following = new Set<Promise<void>>();
  #feed: (() => void) | undefined;

  constructor(wing: Wing, claim: (origin: string) => boolean) {
    this.#wing = wing;
    this.#claim = claim;
    this.#listener = new Listener(wing.db, wing.sql, wing.wakeup);
  }

  /** Stored events after `after`, at most `limit` of them (see `PostgresStorage.history`). */
  async history(after: number, limit: number): Promise<OpdEvent[]> {
    return (await this.#rows(after, limit)).map((row) => toEvent(row.seq, row.event));
  }

  /**
   * The stored events of one doctor-day, by index (see `PostgresStorage.dayHistory`): a display
   * read (what `explain` and the fairness of a day read), on a standby where `read` allows it.
   */
  async dayHistory(doctorId: string, day: string): Promise<OpdEvent[]> {
    const rows = (await this.#wing.display(this.#wing.sql.dayHistory, [doctorId, day])) as [number | string, unknown][];
    return rows.map(([seq, event]) => toEvent(seq, event));
  }

  async #rows(after: number, limit: number): Promise<Row[]> {
    const from = Math.max(0, Math.floor(after));
    const count = Math.max(0, Math.min(2_147_483_647, Math.floor(limit)));
    if (count === 0) return [];
    const rows = (await this.#wing.run(this.#wing.sql.history, [String(from), count])) as [number | string, string, unknown][];
    return rows.map(([seq, origin, event]) => ({ seq: Number(seq), origin, event }));
  }

  /**
   * The feed's read: stored events after `after`, decoded. A page ends before an event that does
   * not decode, and a read that starts with one fails with its `STORAGE_FAILURE` (naming its
   * `seq`), so that the feed delivers every event before it and then retries the read, as after
   * any failed read, never skipping it.
   */
  async #events(after: number, limit: number): Promise<EventRow[]> {
    const rows = await this.#rows(after, limit);
    const out: EventRow[] = [];
    for (const row of rows) {
      let event: OpdEvent;
      try {
        event = toEvent(row.seq, row.event);
      } catch (error) {
        if (out.length > 0) break;
        throw error;
      }
      out.push({ seq: row.seq, origin: row.origin, event });
    }
    return out;
  }

  /** Stored events after `after`, then every event committed later (see `PostgresStorage.tail`). */
  tail(after: number, signal: TailSignal): AsyncIterable<OpdEvent> {
    this.#wing.assertOpen();
    assertRoomForFeed('db', this.#wing.db);
    const stopped = this.#wing.stop.signal;
    const listener = this.#listener;
    const wakeup = this.#wing.wakeup;
    const read = (from: number, limit: number): Promise<readonly Row[]> => this.#rows(from, limit);
    // Nothing is held before the iteration starts, and everything is let go when it ends.
    return (async function* () {
      const both = anySignal(signal, stopped);
      const release = listener.use();
      try {
        for await (const row of followHistory(read, wakeup, after, both.signal, { page: HISTORY_PAGE, pollMs: POLL_MS })) yield toEvent(row.seq, row.event);
      } finally {
        both.dispose();
        release();
      }
    })();
  }

  /** Whether anybody (a scheduler) is subscribed. */
  get subscribed(): boolean {
    return this.#listeners.size > 0;
  }

  /** Adds a subscriber; starts the `listen: true` feed with the first (see `PostgresStorage.subscribe`). */
  subscribe(listener: (event: OpdEvent) => void): () => void {
    if (this.#wing.closed) return () => {};
    this.#listeners.add(listener);
    if (this.#wing.listen && this.#feed === undefined) this.#feed = this.#startFeed();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#feed?.();
        this.#feed = undefined;
      }
    };
  }

  #startFeed(): () => void {
    const stop = new AbortController();
    const both = anySignal(stop.signal, this.#wing.stop.signal);
    const use = this.#listener.use();
    const release = (): void => {
      both.dispose();
      use();
    };
    // The feed handles every failure it can retry itself (a failed read is read again); one it
    // cannot ends it: its connection is released, the failure reported, nothing left unhandled.
    const following = this.#follow(both.signal).then(release, (error: unknown) => {
      release();
      const { kind, code } = new ErrorSummary(error);
      warn(
        `The listen feed of schema \`${this.#wing.schema.name}\` stopped on a failure it cannot retry (${kind}${code === undefined ? '' : ` ${code}`}); ` +
          'events of other processes are no longer delivered to this adapter’s subscribers until it is subscribed to again.',
        'OPD_FEED_STOPPED',
      );
      if (this.#feed === stopFeed) this.#feed = undefined;
    });
    this.#following.add(following);
    void following.then(() => this.#following.delete(following));
    const stopFeed = (): void => stop.abort();
    return stopFeed;
  }

  /**
   * The `listen: true` feed: from the horizon when it starts, every event other writers commit,
   * read as `tail()` reads them, delivered to the subscribers. A failed read — a lost connection,
   * or a stored event that does not decode — is retried after a backoff, the cursor kept (an
   * event that does not decode is reported once, as a process warning naming its `seq`).
   */
  async #follow(signal: AbortSignal): Promise<void> {
    let start: number | undefined;
    // The horizon read again at once after a failure (a connection the pool handed out dead),
    // then after a growing pause: what others commit meanwhile is after the horizon it finds.
    for (let attempt = 0; start === undefined && !signal.aborted; attempt++) {
      try {
        start = Number(await this.#wing.run(this.#wing.sql.lastSeq, []));
      } catch {
        if (attempt > 0) await sleep(Math.min(POLL_MS, 25 * 2 ** attempt), signal);
      }
    }
    if (start === undefined) return;
    let reported: unknown;
    const failed = (error: unknown): void => {
      // Only an event that does not decode is reported (a lost connection is retried quietly),
      // and each one once, however often the read is retried.
      if (!isOpdError(error, 'STORAGE_FAILURE') || typeof error.details['seq'] !== 'number' || error.details['seq'] === reported) return;
      reported = error.details['seq'];
      warn(
        `The listen feed of schema \`${this.#wing.schema.name}\` cannot decode the stored event with seq ${String(reported)}; ` +
          'it delivers no later event until that row of opd_events is repaired or removed, and reads it again meanwhile.',
        'OPD_EVENT_UNREADABLE',
      );
    };
    const rows = followHistory((from, limit) => this.#events(from, limit), this.#wing.wakeup, start, signal, { page: HISTORY_PAGE, pollMs: POLL_MS }, failed);
    // A unit's events have consecutive numbers: once the feed takes on a unit of this instance
    // whose acknowledgement was lost (its first row), it delivers every row of it.
    let delivering: string | undefined;
    for await (const row of rows) {
      if (!row.origin.startsWith(`${this.#wing.origin}:`)) this.deliver([row.event]);
      else if (row.origin === delivering || this.#claim(row.origin)) {
        delivering = row.origin;
        this.deliver([row.event]);
      }
    }
  }

  /**
   * Hands events to the subscribers. A subscriber that throws costs the others nothing, and never
   * the feed or the call that delivers (a replay): its error is reported once per adapter, as a
   * process warning naming its class only (its message may quote the patient of the event).
   */
  deliver(events: readonly OpdEvent[]): void {
    for (const event of events) {
      for (const listener of [...this.#listeners]) {
        try {
          listener(event);
        } catch (error) {
          if (this.#listenerWarned) continue;
          this.#listenerWarned = true;
          warn(
            `A subscriber of the PostgreSQL storage threw (${new ErrorSummary(error).kind}) on a \`${event.type}\` event; the other subscribers ran. ` +
              'Further ones of this adapter are not reported.',
            'OPD_LISTENER_FAILED',
          );
        }
      }
    }
  }

  /** Takes every subscriber off and stops the `listen: true` feed (as `close()` begins). */
  detach(): void {
    this.#listeners.clear();
    this.#feed?.();
    this.#feed = undefined;
  }

  /**
   * Settles once the feeds have ended (after the read each had in flight) and the LISTEN
   * connection is released — or, for a connection that never answers, after a few seconds.
   */
  async ended(): Promise<void> {
    // The feeds' reads in flight: waited for as long as an UNLISTEN is, no longer.
    const feedsEnded = answered(Promise.allSettled([...this.#following]), STOP_TIMEOUT_MS).catch(() => undefined);
    await Promise.all([feedsEnded, this.#listener.stop()]);
  }
}

/**
 * A signal that aborts when either does, and `dispose`, which takes its listeners off both (the
 * adapter's own signal lives as long as the adapter: a listener per `tail()` left on it would
 * grow with every reader).
 */
function anySignal(a: TailSignal, b: TailSignal): { readonly signal: AbortSignal; readonly dispose: () => void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (a.aborted || b.aborted) abort();
  a.addEventListener('abort', abort, { once: true });
  b.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      a.removeEventListener('abort', abort);
      b.removeEventListener('abort', abort);
    },
  };
}
