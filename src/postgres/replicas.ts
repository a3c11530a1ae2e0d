/**
 * Reads on hot standbys with read-your-writes (`PostgresStorageOptions.read`): the one place that
 * decides where a display read of the adapter (`read()` of one doctor: a token, a slot, a day's
 * queue, a waitlist, a board, the estimates) runs.
 *
 * Every call that may write (a unit, a group, a step with its commit, DDL) goes to the primary
 * through {@link Replicas.driver} and is counted when it settles. A read asks for the primary's
 * WAL position (`pg_current_wal_lsn()`) once after such a call settled — one question shared by
 * every read waiting for it, a trivial statement that takes no lock — and runs on a standby only
 * if, in the same round trip and before the read's own statement takes its snapshot, the standby
 * says it is in recovery and has replayed that position (`pg_last_wal_replay_lsn()`). Otherwise
 * the read runs on the next standby, then on the primary. A read served remembers the position it
 * saw, so that a later read never goes back in time (monotonic reads across standbys). A standby
 * that fails, or is not in recovery (a promoted standby, an old primary not demoted yet), is left
 * alone for {@link REST_MS} and asked again after: an old primary that rejoined as a standby
 * serves reads again. A read that could not get one of the client's connections to a standby in
 * time while that standby answered other reads is the client's queue, not the standby failing:
 * it goes elsewhere, and the standby is not left alone. Units of work never read a standby.
 */
import { ConnectionLost, hasSqlState, ServerChanged } from './connection.js';
import type { Driver, Output, Statement, Step, UnitSession } from './db.js';

/** How long a standby that failed or refused is left alone before it is asked again. */
export const REST_MS = 1000;

/** How long a read waits once for a standby that has not replayed the scheduler's writes yet, before it goes elsewhere. */
export const CATCH_UP_MS = 2;

/**
 * How long a read waits for the primary to say its WAL position. A primary that does not answer
 * in time (down, a failover under way) leaves the read to a standby at the position last known,
 * when no write is known to have committed since; otherwise to the primary, once there is one.
 */
export const POSITION_MS = 1000;

/**
 * Whether a write call that failed certainly wrote nothing: a connection lost before its `COMMIT`
 * was sent, no host to write to (`details.outcome` `'not-committed'`), or an error the server
 * answered (its transaction rolled back).
 */
function wroteNothing(error: unknown): boolean {
  if (error instanceof ConnectionLost) return error.outcome === 'not-committed';
  const outcome = (error as { details?: { outcome?: unknown } } | null)?.details?.outcome;
  if (outcome !== undefined) return outcome === 'not-committed';
  return hasSqlState(error);
}

/** A WAL position (`'16/B374D848'`) as a number that compares. */
export function lsnValue(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (match === null) return 0n;
  return (BigInt(`0x${match[1]!}`) << 32n) | BigInt(`0x${match[2]!}`);
}

/** What the guard of a standby read answered: `'behind'`, `'primary'` (not in recovery) or the position replayed. */
function guardStatement(prefix: string): Statement {
  return {
    name: `${prefix}_replica_guard`,
    text:
      "SELECT to_json(CASE WHEN NOT pg_catalog.pg_is_in_recovery() THEN 'primary' " +
      "WHEN pg_catalog.pg_last_wal_replay_lsn() >= $1::text::pg_lsn THEN pg_catalog.pg_last_wal_replay_lsn()::text ELSE 'behind' END) AS opd_out",
    json: true,
  };
}

/**
 * The primary's WAL position; `null` from a server in recovery, where PostgreSQL refuses
 * `pg_current_wal_lsn()` (SQLSTATE 55000) — it is never called there. A read whose position is
 * `null` moves the floor nowhere; one sent to a list of hosts that reached a standby is refused by
 * the guard `hosts.ts` puts before it and runs again on the primary.
 */
function positionStatement(prefix: string): Statement {
  return {
    name: `${prefix}_wal_position`,
    text: 'SELECT to_json(CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL ELSE pg_catalog.pg_current_wal_lsn()::text END) AS opd_out',
    json: true,
  };
}

/** How the reads of one adapter instance went, for the tests and the benchmarks. */
export interface ReplicaCounts {
  /** Reads served by a standby. */
  standby: number;
  /** Reads served by the primary (no standby, none caught up, or every one failed). */
  primary: number;
  /** Standby reads refused by the guard because the standby had not replayed the scheduler's writes. */
  behind: number;
  /** Standby reads that failed (the standby down or refusing) and went elsewhere. */
  failed: number;
  /**
   * Standby reads that found no connection of the client's pool in time while the standby
   * answered other reads (the client's queue, not the standby): they went elsewhere, and the
   * standby was not left alone.
   */
  busy: number;
  /** Questions to the primary for its WAL position. */
  positions: number;
}

/** The standbys of one adapter instance and the WAL position its reads must have seen. */
export class Replicas {
  readonly #primary: Driver;
  readonly #standbys: readonly Driver[];
  readonly #guard: Statement;
  readonly #position: Statement;
  /** Until when each standby is left alone (ms since the epoch). */
  readonly #resting: number[];
  /** When each standby last answered a read (`performance.now()`). */
  readonly #answered: number[];
  /** How many reads asked a standby: the next starts at standby `turn % n`. */
  #turn = 0;
  /** Write calls settled that may have committed (every one but those that certainly wrote nothing). */
  #written = 0;
  /** The position every read must have seen: the primary's after {@link Replicas.#covers} writes, or the latest a read saw. */
  #floor = 0n;
  #floorText = '0/0';
  /** How many writes had settled when {@link Replicas.#floor} was asked for. */
  #covers = 0;
  /** The question for the primary's position under way, and the writes it covers. */
  #asking: { readonly covers: number; readonly answer: Promise<void> } | undefined;
  /** Where the reads went. */
  readonly counts: ReplicaCounts = { standby: 0, primary: 0, behind: 0, failed: 0, busy: 0, positions: 0 };
  /** The driver of the adapter: writes on the primary (counted), display reads routed here. */
  readonly driver: Driver;

  constructor(primary: Driver, standbys: readonly Driver[], prefix: string) {
    this.#primary = primary;
    this.#standbys = standbys;
    this.#guard = guardStatement(prefix);
    this.#position = positionStatement(prefix);
    this.#resting = standbys.map(() => 0);
    this.#answered = standbys.map(() => -Infinity);
    const wrote = <T>(call: Promise<T>): Promise<T> => {
      call.then(
        () => void this.#written++,
        (error: unknown) => void (wroteNothing(error) ? undefined : this.#written++),
      );
      return call;
    };
    this.driver = {
      kind: primary.kind,
      unit: <T>(work: (session: UnitSession) => Promise<T>) => wrote(primary.unit(work)),
      snapshot: (steps) => this.#read(steps),
      run: (step, afterCommit) => wrote(primary.run(step, afterCommit)),
      together: (step, order, lockTimeoutAt, afterCommit) => wrote(primary.together(step, order, lockTimeoutAt, afterCommit)),
      exec: (text) => wrote(primary.exec(text)),
    };
  }

  /** Raises the floor to a position seen (never lowers it). */
  #saw(text: string): void {
    const value = lsnValue(text);
    if (value > this.#floor) {
      this.#floor = value;
      this.#floorText = text;
    }
  }

  /** The floor once it covers every write settled before the read began; `undefined` when the primary could not say. */
  async #floorFor(need: number): Promise<string | undefined> {
    while (this.#covers < need) {
      if (this.#asking === undefined || this.#asking.covers < need) {
        const covers = this.#written;
        const answer = (async () => {
          this.counts.positions++;
          let timer: ReturnType<typeof setTimeout> | undefined;
          const late = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('no answer in time')), POSITION_MS);
          });
          const text = await Promise.race([this.#primary.run({ statement: this.#position, values: [] }), late]).finally(() => clearTimeout(timer));
          if (typeof text !== 'string') throw new Error('no WAL position');
          this.#saw(text);
          this.#covers = Math.max(this.#covers, covers);
        })();
        const asking = { covers, answer };
        this.#asking = asking;
        void answer.then(
          () => (this.#asking === asking ? (this.#asking = undefined) : undefined),
          () => (this.#asking === asking ? (this.#asking = undefined) : undefined),
        );
      }
      try {
        await this.#asking!.answer;
      } catch {
        return undefined;
      }
    }
    return this.#floorText;
  }

  /** A display read: on a standby that has replayed the floor, else on the primary. */
  async #read(steps: readonly Step[]): Promise<Output[]> {
    if (this.#standbys.length > 0) {
      const floor = await this.#floorFor(this.#written);
      if (floor !== undefined) {
        const served = await this.#onStandby(steps, floor);
        if (served !== undefined) return served;
      }
    }
    this.counts.primary++;
    const on = [{ statement: this.#position, values: [] }, ...steps];
    let out: Output[];
    try {
      out = await this.#primary.snapshot(on);
    } catch (error) {
      // Refused, unsent, because the primary moved while the read waited for it: read again there.
      if (!(error instanceof ServerChanged)) throw error;
      out = await this.#primary.snapshot(on);
    }
    if (typeof out[0] === 'string') this.#saw(out[0]);
    return out.slice(1);
  }

  async #onStandby(steps: readonly Step[], floor: string): Promise<Output[] | undefined> {
    // Each read starts at the next standby: the reads are spread over them all.
    const n = this.#standbys.length;
    const first = this.#turn++ % n;
    for (let k = 0; k < n; k++) {
      const i = (first + k) % n;
      if (this.#resting[i]! > Date.now()) continue;
      for (let attempt = 0; attempt < 2; attempt++) {
        let out: Output[];
        const asked = performance.now();
        try {
          out = await this.#standbys[i]!.snapshot([{ statement: this.#guard, values: [floor] }, ...steps]);
        } catch (error) {
          if (error instanceof ConnectionLost && error.connecting && this.#answered[i]! > asked) {
            // No connection in time, yet the standby answered meanwhile: the client's own queue.
            this.counts.busy++;
            break;
          }
          this.counts.failed++;
          this.#resting[i] = Date.now() + REST_MS;
          break;
        }
        this.#answered[i] = performance.now();
        const said = out[0];
        if (said === 'primary' || typeof said !== 'string') {
          this.#resting[i] = Date.now() + REST_MS;
          break;
        }
        if (said === 'behind') {
          this.counts.behind++;
          if (attempt === 0) await new Promise((resolve) => setTimeout(resolve, CATCH_UP_MS));
          continue;
        }
        this.#saw(said);
        this.counts.standby++;
        return out.slice(1);
      }
    }
    return undefined;
  }
}
