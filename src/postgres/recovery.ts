/**
 * Recovery of units whose outcome is unknown: a unit whose `COMMIT` went out and whose answer was
 * lost with its connection may have committed. It is remembered by its tag; whether it committed
 * is learnt in the background (its events, found by the tag, are delivered to the subscribers
 * once), through an idempotent retry that replays it, or through the `listen` feed, whichever
 * comes first.
 */
import type { OpdEvent } from '../events.js';
import { sleep } from '../storage/tail.js';
import { toEvent } from './codec.js';
import type { ConnectionLost } from './connection.js';
import type { Wing } from './wing.js';

/** How long the adapter keeps trying to learn whether a unit with a lost acknowledgement committed. */
const RESOLVE_ATTEMPTS = 40;

/** A unit whose COMMIT was sent but never answered. */
interface Unacknowledged {
  readonly doctorId: string | undefined;
  readonly key: string | undefined;
  readonly floor: number;
  readonly pid: number | undefined;
}

/** The units of one adapter instance whose acknowledgement was lost, until their outcome is known. */
export class Recovery {
  readonly #wing: Wing;
  readonly #deliver: (events: readonly OpdEvent[]) => void;
  readonly #unacknowledged = new Map<string, Unacknowledged>();

  /** @param deliver - hands events to the adapter's subscribers (see `Feed.deliver`) */
  constructor(wing: Wing, deliver: (events: readonly OpdEvent[]) => void) {
    this.#wing = wing;
    this.#deliver = deliver;
  }

  /**
   * Whether the unit tagged `origin` was one whose acknowledgement was lost, now taken on by the
   * `listen` feed, which delivers its events (it is no longer looked for).
   */
  claim(origin: string): boolean {
    return this.#unacknowledged.delete(origin);
  }

  /**
   * A replayed idempotent call: the units of its key whose acknowledgement was lost deliver
   * their stored events, each once — every event of the unit that committed, read by its tag
   * (the replay's result holds only the effects, not the call's own event); none of an attempt
   * that wrote nothing (an earlier replay whose connection went). A failed read leaves them to
   * the background check.
   */
  async replayed(doctorId: string, key: string): Promise<void> {
    for (const [tag, unit] of [...this.#unacknowledged]) {
      if (unit.doctorId !== doctorId || unit.key !== key) continue;
      try {
        const events = await this.#unitEvents(tag, unit.floor);
        if (this.#unacknowledged.delete(tag)) this.#deliver(events);
      } catch {
        // Left to #resolve, which reads again.
      }
    }
  }

  /** The stored events of the unit of this instance tagged `tag` (numbered after `floor`), decoded; none when it never committed. */
  async #unitEvents(tag: string, floor: number): Promise<OpdEvent[]> {
    const rows = (await this.#wing.driver.run({ statement: this.#wing.sql.unitEvents, values: [String(floor), tag] })) as [number | string, unknown][];
    return rows.map(([seq, event]) => toEvent(seq, event));
  }

  /**
   * A unit whose COMMIT went out unanswered (`error`): remembered by its tag, and whether it
   * committed learned in the background (see {@link Recovery.#resolve}).
   */
  outcomeUnknown(tag: string, doctorId: Unacknowledged['doctorId'], key: Unacknowledged['key'], floor: number, error: ConnectionLost): void {
    this.#unacknowledged.set(tag, { doctorId, key, floor, pid: error.pid });
    // #resolve handles its own failures (it tries again); nothing may be left unhandled.
    this.#resolve(tag).catch(() => this.#unacknowledged.delete(tag));
  }

  /**
   * Learns, in the background, whether a unit whose acknowledgement was lost committed: its
   * events (found by the unit's tag) are delivered once; it is forgotten once its backend is gone
   * and they are not there.
   */
  async #resolve(tag: string): Promise<void> {
    for (let attempt = 0; attempt < RESOLVE_ATTEMPTS; attempt++) {
      await sleep(Math.min(2000, 50 * 2 ** attempt), this.#wing.stop.signal);
      const unit = this.#unacknowledged.get(tag);
      if (unit === undefined || this.#wing.closed) return;
      try {
        const found = async (): Promise<boolean> => {
          // Decoded first: an event that does not decode fails this attempt (tried again later).
          const events = await this.#unitEvents(tag, unit.floor);
          if (events.length === 0) return false;
          if (this.#unacknowledged.delete(tag)) this.#deliver(events);
          return true;
        };
        if (await found()) return;
        const alive =
          unit.pid === undefined ? false : ((await this.#wing.driver.run({ statement: this.#wing.sql.backendAlive, values: [unit.pid] })) as boolean);
        if (!alive) {
          // The backend is gone: the unit committed (and its events are there now) or never will.
          if (!(await found())) this.#unacknowledged.delete(tag);
          return;
        }
      } catch {
        // The database is still unreachable: try again.
      }
    }
  }
}
