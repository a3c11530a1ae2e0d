import { ErrorSummary, OpdError, invalid, isOpdError, warn } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { DayDump, DayFilter, DoctorDay, StorageAdapter, TailSignal } from '../storage/adapter.js';
import type { ChangeSet, Decision, DoctorSnapshot, LoadRequest } from '../model/snapshot.js';
import { changeSetDoctor, checkChangeSet } from '../adapter-kit/checks.js';
import { changeSetParts, isMultiDoctor, planUnit, staysWithin } from '../adapter-kit/units.js';
import { assignEventSeq } from '../storage/adapter.js';
import { expectInteger, readInput } from '../validate.js';
import { shown } from '../time.js';
import { type DoctorRecord, type IdempotencyRecord, parseTokenId } from '../model/records.js';
import { followHistory, sleep, Wakeup } from '../storage/tail.js';
import { type ChainCopy, DayCache } from './speed/cache.js';
import { decodeLoad, type Loaded, loadRequestJson, toEvent, writeParams } from './codec.js';
import { DAY, DOCTOR, SLOT, TOKEN } from './columns.js';
import { ConnectionLost, ServerChanged } from './connection.js';
import { type Driver, driverFor, type PostgresDb, type PostgresTransactionClient, type Step, type UnitSession } from './db.js';
import { codeOf, constraintOf, isRetryable, isSqlState, type PostgresErrorSummary, storageFailure } from './errors.js';
import { answered, Listener, STOP_TIMEOUT_MS } from './listener.js';
import { readOptions } from './options.js';
import { schemaName, type SchemaName } from './schema.js';
import { lastDayBefore, type Statements, statementsFor } from './sql.js';

/** Options of {@link PostgresStorage}. */
export interface PostgresStorageOptions {
  /**
   * A node-postgres `Pool` (`new pg.Pool({ connectionString })`) or a PGlite instance. The adapter
   * checks clients out per unit of work and never ends the pool. With node-postgres, give the
   * pool enough clients for the concurrency you want (`max`), plus one while a `tail()` or a
   * `listen: true` feed is open (one extra connection per feed: a pool whose `max` is 1 is refused
   * with `VALIDATION_FAILED`, by the constructor for `listen: true` and by `tail()`), and set
   * `pool.on('error', …)` as node-postgres asks (errors of idle clients are reported there). A
   * pool without an `error` listener gets one from the adapter, so that such an error never ends
   * the process: it reports each as a process warning, `OPD_POOL_ERROR`, naming the error's class
   * and code only.
   */
  readonly db: PostgresDb;
  /**
   * The schema holding the tables (created by {@link migrate} with the same name).
   * @defaultValue `'public'`
   */
  readonly schema?: string | undefined;
  /**
   * Milliseconds a unit of work waits for the doctor's lock before it gives up (and is retried);
   * `0` waits forever. Not used with PGlite.
   * @defaultValue 5000
   */
  readonly lockTimeout?: number | undefined;
  /**
   * Milliseconds a statement may run; `0` for no limit. Bounds every statement of the adapter's
   * units and reads — a wait for a doctor's lock included — and the statements of
   * {@link PostgresStorage.withTransaction}'s work: PostgreSQL's `statement_timeout`, set local to
   * each transaction by its first statement (a connection goes back to the pool with its own
   * settings). A statement it cancels fails the call with `STORAGE_FAILURE` (`details.code`
   * `'57014'`) and is not retried, so a wait for the lock ends at the shorter of the two timeouts.
   * Not used with PGlite.
   * @defaultValue 30000
   */
  readonly statementTimeout?: number | undefined;
  /**
   * How many times a unit of work that failed on a serialization failure, a deadlock or a lock
   * timeout is retried (after a random pause) before the call fails with `CONFLICT`.
   * @defaultValue 5
   */
  readonly retries?: number | undefined;
  /**
   * Deliver the events committed by other processes (and other adapter instances) through
   * `subscribe`, so that a scheduler emits them too: a LISTEN connection wakes a reader that
   * follows `history` from the last event it saw, and catches up after a reconnect. Holds one
   * client of the pool while subscribed: refused (`VALIDATION_FAILED`, `details.field` `'listen'`)
   * on a pool whose `max` is below 2.
   * @defaultValue false
   */
  readonly listen?: boolean | undefined;
  /**
   * Let the database refuse any change that leaves a slot with more places than
   * `capacity + overflowCapacity` (the unit fails with `STORAGE_FAILURE`). A backstop against a
   * faulty rule; leave it off when a capacity strategy grants more elastic places than a slot's
   * `overflowCapacity` (such as `presets.elastic()` or `ElasticCapacity({ limit: 'unlimited' })`).
   * @defaultValue false
   */
  readonly enforceSlotLimit?: boolean | undefined;
  /**
   * Send the statements of different doctors' units that are ready in the same turn of the event
   * loop in one transaction and one round trip (a group commit: see docs/storage.md). Turn it off
   * where each unit must stay a transaction of its own doctor alone, as on a database distributed
   * by doctor (Citus), where a group would be a transaction over several shards.
   * @defaultValue true
   */
  readonly groupCommit?: boolean | undefined;
}

/**
 * Code that runs inside a unit of work, on its connection and in its transaction, after the
 * unit's changes are written and before its `COMMIT` (see {@link PostgresStorage.withTransaction}).
 * Throwing rolls the whole unit back. It must not end the transaction itself: `tx.query` refuses
 * `BEGIN`, `COMMIT`, `ROLLBACK` and the like, and a unit whose transaction is no longer its own
 * after the work fails with `STORAGE_FAILURE`.
 *
 * @param tx - the unit's connection
 * @param result - what the scheduler call will return once committed (a `BookingResult` for
 *   `book`, a `TransitionResult` for `cancel`, …)
 */
export type UnitWork = (tx: PostgresTransactionClient, result: unknown) => Promise<void>;

const MAX_ROUNDS = 8;
/** The most units one chain carries. */
const MAX_CHAIN = 16;
/** How many times a unit is decided without the lock and sent before it runs under the lock. */
const OPTIMISTIC_TRIES = 3;
const OPTION_KEYS = new Set(['db', 'schema', 'lockTimeout', 'statementTimeout', 'retries', 'listen', 'enforceSlotLimit', 'groupCommit']);
const HISTORY_PAGE = 500;
/** How often a follower reads history without being woken. */
const POLL_MS = 1000;
/** How many of a doctor's most recently used days a unit offers the revs of. */
const RECENT_DAYS = 4;
/** Doctor-days an adapter instance keeps. */
const CACHE_DAYS = 2048;
/** How long the adapter keeps trying to learn whether a unit with a lost acknowledgement committed. */
const RESOLVE_ATTEMPTS = 40;

/**
 * How an adapter instance's units of work ran, for the benchmarks (`npm run bench:pg`): not part of
 * the package's API (the package entry does not export it).
 */
export interface UnitPaths {
  /** Decided on the adapter's copy of the doctor's days and written at the first try: one round trip. */
  oneTrip: number;
  /** Read first (without holding the lock across the round trip), then written at the first try. */
  twoTrips: number;
  /** Written after a try that found the doctor moved brought back what changed. */
  retried: number;
  /** Tries (each one round trip) that found the doctor moved on. */
  moved: number;
  /**
   * Units whose try found the doctor moved and others writing for it about as often as this
   * adapter runs a unit (or whose tries all found it moved): run under the lock.
   */
  gaveUp: number;
  /** Read first: the copy did not hold the doctor or the days the request needs. */
  cold: number;
  /** Read first: the doctor's last read found another writer, so the copy was likely behind. */
  stale: number;
  /** Others write for the doctor about as often as this adapter runs a unit: run under the lock. */
  contended: number;
  /** A request the copy never answers (a token, other slots, a schedule, the doctor alone): run under the lock. */
  unserved: number;
  /** A decision refused, asked for more data, wrote no event, or the key was stored: run under the lock. */
  undecided: number;
  /** Units that ran with the lock held across a round trip (first read, decision, write). */
  locked: number;
  /** Units never tried without the lock (several doctors, the integrator's work, PGlite, a retry). */
  other: number;
  /** Chains sent: two or more units of one doctor, queued in this process, decided in turn and sent together. */
  chains: number;
  /** Units written as part of a chain. */
  chained: number;
}

/** A unit waiting for its doctor's running unit or chain in this process (see `PostgresStorage.#drain`). */
interface Queued {
  readonly request: LoadRequest;
  readonly decide: (snapshot: DoctorSnapshot) => Decision<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A unit of a chain as it was decided: a change set to write (`step`), a result that writes
 * nothing, or a decision that threw (`failed`). What it hands back waits for the chain's commit:
 * it was decided on what the units before it left.
 */
interface Link {
  readonly job: Queued;
  readonly changes: ChangeSet | undefined;
  readonly step: Step | undefined;
  readonly tag: string | undefined;
  readonly result: unknown;
  readonly failed: boolean;
  readonly error: unknown;
  /** The stored idempotency record a unit replayed. */
  readonly replayed: IdempotencyRecord | undefined;
}

const PATHS = new WeakMap<PostgresStorage, UnitPaths>();

/** How the adapter's units ran so far (for the benchmarks); `undefined` for another object. */
export function unitPaths(storage: PostgresStorage): Readonly<UnitPaths> | undefined {
  return PATHS.get(storage);
}

/** SQLSTATE of a statement sent in a transaction that an earlier failed statement aborted. */
const IN_FAILED_TRANSACTION = '25P02';

/**
 * A unit's decision (or the integrator's work) threw: rethrown as is, never retried. `forget`: the
 * database may hold something the adapter's copy does not (the work ended the unit's transaction
 * itself), so the copy of the unit's doctors is dropped.
 */
class DecisionFailed {
  constructor(
    readonly error: unknown,
    readonly forget = false,
  ) {}
}

/**
 * The transaction-local setting a unit sets, to its tag, before the integrator's work runs: after
 * the work, the unit's own transaction is still the open one only if it still reads the tag (a
 * `COMMIT` or `ROLLBACK` of the work ends the transaction and the setting with it).
 */
const WORK_MARK = 'opd.unit_work';

/**
 * A statement that ends or opens a transaction (`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`,
 * `ROLLBACK` or `ABORT`, with or without `AND CHAIN`, and the two-phase forms), after leading
 * blanks and comments; not `ROLLBACK TO [SAVEPOINT]`, which keeps the transaction.
 */
const TRANSACTION_CONTROL = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*(?:begin|start\s+transaction|commit|end|abort|prepare\s+transaction|rollback(?!\s+(?:work\s+|transaction\s+)?to\b))\b/i;

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

/** A unit whose COMMIT was sent but never answered. */
interface Unacknowledged {
  readonly doctorId: string | undefined;
  readonly key: string | undefined;
  readonly floor: number;
  readonly pid: number | undefined;
}

/**
 * The PostgreSQL store, for several processes sharing one database. Works on a node-postgres
 * `Pool` or on PGlite; create the tables first with {@link migrate}.
 *
 * Its promises to the {@link StorageAdapter} contract:
 *
 * - **Serialized per doctor, across processes.** A unit of work runs in one transaction that
 *   first takes a transaction-scoped advisory lock on the doctor (`pg_advisory_xact_lock`), and
 *   only then reads (READ COMMITTED: the reads see every unit committed before the lock was
 *   granted). Two concurrent bookings never both see the last free place. Units for different
 *   doctors share no row.
 * - **The lock never held across a round trip, where the adapter's copy serves.** A unit whose
 *   request names the doctor and a slot or days the adapter holds is decided on its copy of the
 *   doctor's days and sent, with `COMMIT`, in one round trip: the database takes the doctor's lock
 *   and writes only if the doctor's `rev` is still the copy's, the decision having then been made
 *   on what is stored. When another writer moved the doctor on, nothing is written and what
 *   changed since the copy comes back in the same round trip, read under the lock; the unit is
 *   decided again on it and sent again, up to three tries. Otherwise — a doctor or day not held, a
 *   decision that refuses or needs more data, a stored idempotency key, every try finding the
 *   doctor moved (then the doctor's next units too, for a while), PGlite — the unit takes the lock
 *   before it reads: `BEGIN`, the lock and every read of the load request in one round trip, the
 *   change set, the events and `COMMIT` in a second. Every value travels as a bind parameter of a
 *   prepared statement; none is ever part of SQL text.
 * - **Units of one doctor in one process go as chains.** A unit for a doctor with a unit already
 *   running in this adapter waits in the doctor's queue (holding no connection); the queued ones
 *   then go together: decided in turn, each on what the units before it leave, and sent in one
 *   transaction — one round trip where the copy serves (each next unit written only if the one
 *   before it was), the lock held across one round trip for the whole chain where others keep the
 *   doctor moving. What each unit hands back waits for the chain's commit; a chain whose
 *   transaction fails runs each unit again on its own.
 * - **Constraints behind the rules.** A change that breaks one fails the unit with
 *   `STORAGE_FAILURE` and writes nothing.
 * - **Retries.** Serialization failures, deadlocks and lock timeouts roll the unit back and run
 *   it again, then fail with `CONFLICT`.
 * - **Lost connections.** A call whose connection is lost rejects with `STORAGE_FAILURE` whose
 *   `details.outcome` is `'unknown'` when the COMMIT was sent without an answer (retry with the
 *   same idempotency key) and `'not-committed'` otherwise; the connection is destroyed and the
 *   pool opens another. When such a unit did commit, its events still reach this adapter's
 *   subscribers once: through the idempotent retry, the `listen` feed, or a background check.
 *   So is a connection whose statement failed in a way that may leave state in its session (a
 *   cancel, prepared statements gone, a unit failed after its `withTransaction` work ran a
 *   statement): the next caller never inherits it.
 * - **Events in `seq` order without a shared row.** Event numbers come from a sequence;
 *   `history` and `tail` never return a number while a smaller one may still commit.
 * - **Units over several doctors.** The doctors' advisory locks (and a department's members,
 *   resolved in the same statement) are taken first, in one fixed order — by lock key — so that
 *   units over the same doctors never wait for each other in a cycle; then every doctor is read,
 *   and every doctor's rows are written in the same transaction. Three round trips.
 */
export class PostgresStorage implements StorageAdapter {
  /** Always `'postgres'`. */
  readonly name = 'postgres';
  /** Always `true`: units over several doctors are supported. */
  readonly multiDoctor = true;
  readonly #driver: Driver;
  readonly #db: PostgresDb;
  readonly #schema: SchemaName;
  readonly #sql: Statements;
  readonly #lockTimeout: string | null;
  readonly #statementTimeout: string | null;
  readonly #retries: number;
  readonly #listen: boolean;
  readonly #enforce: boolean;
  readonly #groupCommit: boolean;
  readonly #origin = globalThis.crypto.randomUUID();
  #units = 0;
  #closed = false;
  /** Whether a subscriber's error was reported (once per adapter: see `#deliver`). */
  #listenerWarned = false;
  /** Whether a feed listened when the last unit with events took its numbers (at first: assume so). */
  #listening = true;
  /** A unit learnt that a feed listens, too late to notify in its own round trip. */
  #notifyLater = false;
  /** An event number no unit started later can take (the floor of a lost unit's events). */
  #seqFloor = 0;
  readonly #listeners = new Set<(event: OpdEvent) => void>();
  readonly #cache = new DayCache(CACHE_DAYS);
  readonly #wakeup = new Wakeup();
  readonly #listener: Listener;
  /** The `listen: true` feeds still running (each ends once stopped, after the read it has in flight). */
  readonly #following = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  #feed: (() => void) | undefined;
  readonly #unacknowledged = new Map<string, Unacknowledged>();
  readonly #paths: UnitPaths = {
    oneTrip: 0,
    twoTrips: 0,
    retried: 0,
    moved: 0,
    gaveUp: 0,
    cold: 0,
    stale: 0,
    contended: 0,
    unserved: 0,
    undecided: 0,
    locked: 0,
    other: 0,
    chains: 0,
    chained: 0,
  };
  /** Units of one doctor waiting in this process for the doctor's running unit or chain to end, by doctor id. */
  readonly #queues = new Map<string, Queued[]>();
  #hooks: { getStore(): UnitWork | undefined; run<T>(work: UnitWork, call: () => T): T } | undefined;

  /**
   * @param options - the database and how to use it; see {@link PostgresStorageOptions}
   * @throws OpdError `VALIDATION_FAILED` naming the option (`details.field`) that is invalid,
   *   unknown (a typo) or cannot be read (a getter that throws), or naming `options` for anything
   *   but an object
   */
  constructor(options: PostgresStorageOptions) {
    // Each option read once, into a copy: a getter that throws, or answers one thing when
    // checked and another when used, is refused naming the option.
    const o = readOptions('PostgresStorage', options, OPTION_KEYS);
    const db = o['db'];
    this.#schema = schemaName('schema', o['schema'] ?? 'public');
    this.#sql = statementsFor(this.#schema);
    const lockTimeout = milliseconds('lockTimeout', o['lockTimeout'], 5000);
    const statementTimeout = milliseconds('statementTimeout', o['statementTimeout'], 30_000);
    this.#retries = expectInteger('retries', o['retries'] ?? 5, 0, 100);
    this.#listen = flag('listen', o['listen']);
    this.#enforce = flag('enforceSlotLimit', o['enforceSlotLimit']);
    this.#groupCommit = o['groupCommit'] === undefined || flag('groupCommit', o['groupCommit']);
    // The feed holds a client of the pool while subscribed: a pool with no other one would leave
    // every call (and `close()`, which waits for them) waiting for a client for ever. Checked
    // before the pool is touched; a db whose fields cannot be read is refused naming `db`.
    if (this.#listen) readInput('db', () => assertRoomForFeed('listen', db));
    // The db last, once every other option is known good: a pool's driver puts a listener on it.
    // Every transaction on a pool opens with the statement timeout (and no bind parameters in
    // the server's error reports: see SETTINGS_SQL in pool-driver.ts). A db whose fields cannot be read
    // (a proxy whose traps throw) is refused naming `db`.
    // A new connection that reaches another server than the earlier ones (a restart after a
    // crash, a failover, a restore) may have lost units acknowledged before, and the doctors' revs
    // with them, which other writers then reach again: a copy checked by rev alone would pass. The
    // whole copy is dropped then, and every unit prepared on it runs again.
    this.#driver = readInput('db', () => driverFor('db', db, this.#sql.prefix, { statementTimeout, onServerChange: () => this.#cache.forget(undefined) }));
    this.#db = db as PostgresDb;
    const pool = this.#driver.kind === 'pool';
    this.#lockTimeout = pool ? String(lockTimeout) : null;
    this.#statementTimeout = pool ? String(statementTimeout) : null;
    this.#listener = new Listener(this.#db, this.#sql, this.#wakeup);
    PATHS.set(this, this.#paths);
  }

  /** @inheritDoc */
  async transact<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
    this.#assertOpen();
    const doctorId = request.doctorId;
    if (doctorId === undefined || this.#driver.kind !== 'pool' || isMultiDoctor(request) || this.#hooks?.getStore() !== undefined) return this.#unit(request, decide);
    return new Promise<R>((resolve, reject) => {
      const job: Queued = { request, decide, resolve: resolve as (value: unknown) => void, reject };
      const queue = this.#queues.get(doctorId);
      if (queue !== undefined) {
        queue.push(job);
        return;
      }
      const created = [job];
      this.#queues.set(doctorId, created);
      void this.#drain(doctorId, created);
    });
  }

  /**
   * Runs the units queued for a doctor in this process until none is left: one alone as a unit of
   * its own, several as a chain (see {@link PostgresStorage.#chain}). Units arriving meanwhile
   * join the queue.
   */
  async #drain(doctorId: string, queue: Queued[]): Promise<void> {
    try {
      // After a chain found the doctor moved, the next one is decided under the lock.
      let moved = false;
      while (queue.length > 0) {
        if (queue.length === 1 || this.#closed) await this.#alone(queue);
        else moved = (await this.#chain(doctorId, queue, moved)) === 'moved';
      }
    } catch (error) {
      // Not reached by any failure of the database (each unit reports its own): whatever it is,
      // the units still queued fail with it rather than wait for ever, and nothing is left unhandled.
      this.#cache.forget(doctorId);
      const failure = this.#failure(error);
      for (const job of queue.splice(0)) job.reject(failure);
    } finally {
      this.#queues.delete(doctorId);
    }
  }

  /** One unit of work, run on its own: decided on the copy when it can be, else under the lock. */
  async #unit<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
    this.#assertOpen();
    const work = this.#hooks?.getStore();
    const hint = request.doctorId ?? (request.tokenId === undefined ? undefined : parseTokenId(request.tokenId)?.doctorId);
    for (let attempt = 0; ; attempt++) {
      let doctorId = hint;
      let floor = 0;
      const tag = `${this.#origin}:${++this.#units}`;
      let replayed: Loaded['snapshot']['idempotency'];
      try {
        if (attempt === 0 && work === undefined && this.#driver.kind === 'pool' && !isMultiDoctor(request)) {
          floor = this.#seqFloor;
          const fast = await this.#optimistic(request, decide, tag);
          if (fast !== undefined) {
            await this.#notifyPending();
            return fast.result;
          }
        }
        this.#paths[attempt === 0 && work === undefined && this.#driver.kind === 'pool' && !isMultiDoctor(request) ? 'locked' : 'other']++;
        const result = await this.#driver.unit(async (tx) => {
          if (isMultiDoctor(request)) {
            const unit = await this.#multiUnit(tx, request, decide, tag, work);
            floor = unit.floor;
            replayed = unit.replayed;
            return unit.result;
          }
          let loaded = await this.#lockedLoad(tx, request, hint);
          doctorId = loaded.snapshot.doctor?.id ?? doctorId;
          floor = loaded.lastSeq;
          this.#seqFloor = Math.max(this.#seqFloor, floor);
          if (loaded.snapshot.doctor !== undefined && loaded.rev !== undefined) this.#cache.saw(loaded.snapshot.doctor, loaded.rev, this.#units);
          for (let round = 1; ; round++) {
            let decision: Decision<R>;
            try {
              decision = decide(loaded.snapshot);
            } catch (error) {
              throw new DecisionFailed(error);
            }
            if (decision.kind === 'commit') {
              if (decision.changes.events.length === 0 && loaded.snapshot.idempotency !== undefined) replayed = loaded.snapshot.idempotency;
              await this.#write(tx, decision.changes, loaded.rev, tag, work, decision.result);
              return decision.result;
            }
            if (round >= MAX_ROUNDS) {
              throw new DecisionFailed(new OpdError('STORAGE_FAILURE', 'A unit of work kept asking for more data', { details: { adapter: this.name } }));
            }
            if (isMultiDoctor(decision.request)) throw new DecisionFailed(outOfOrder(this.name));
            loaded = await this.#lockedLoad(tx, decision.request, loaded.snapshot.doctor?.id ?? hint);
          }
        });
        if (replayed !== undefined) await this.#replayed(replayed.doctorId, replayed.key);
        await this.#notifyPending();
        return result;
      } catch (error) {
        if (error instanceof DecisionFailed) {
          if (error.forget) this.#cache.forget(doctorId);
          throw error.error;
        }
        // The outcome may be unknown: read the doctor's days afresh next time.
        this.#cache.forget(doctorId);
        if (isOpdError(error)) throw error;
        if (error instanceof ServerChanged && attempt < this.#retries) continue;
        if (error instanceof ConnectionLost && error.outcome === 'unknown') {
          this.#outcomeUnknown(tag, doctorId, request.idempotencyKey, floor, error);
        }
        if (!(error instanceof ConnectionLost) && isRetryable(error)) {
          if (attempt < this.#retries) {
            await pause(attempt);
            continue;
          }
          throw new OpdError('CONFLICT', 'The unit of work could not be serialized; try again', {
            details: { adapter: this.name, code: codeOf(error), attempts: attempt + 1 },
          });
        }
        if (codeOf(error) === '23505' && constraintOf(error) === 'opd_slot_index_pkey' && attempt < this.#retries) {
          // Another doctor took the slot id at the same moment: run again to report it properly.
          continue;
        }
        throw this.#failure(error);
      }
    }
  }

  /**
   * A unit decided without holding the doctor's lock across a round trip: decided on the adapter's
   * copy of the doctor's days, and sent with the rev the copy is as of, with `COMMIT`, in one round
   * trip; the database takes the lock and writes only if the doctor is still at that rev (and the
   * idempotency key is not stored). When the doctor moved on it writes nothing and answers, in the
   * same round trip, what changed since the copy (read under the lock, as the unit's first read
   * would be): the copy is brought up to date and the unit decided and sent again, up to
   * `OPTIMISTIC_TRIES` tries. The lock is held for the server's work and the commit alone.
   * `undefined` when the copy cannot answer the request, a decision refuses, needs more data or
   * writes no event (decided again under the lock, on what is stored), the key is stored (replayed
   * under the lock), others keep the doctor moving (see `DayCache.contended`: the copy is not tried,
   * or not tried again after a try found the doctor moved), or every try found it moved: the caller
   * runs the unit under the lock.
   */
  async #optimistic<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>, tag: string): Promise<{ result: R } | undefined> {
    const paths = this.#paths;
    const doctorId = request.doctorId;
    const held = this.#cache.current(request);
    if (doctorId === undefined || held === 'unserved' || held === 'contended') {
      paths[typeof held === 'string' ? held : 'unserved']++;
      return undefined;
    }
    let copy: { snapshot: DoctorSnapshot; rev: number };
    const readFirst = typeof held === 'string';
    if (typeof held === 'string') {
      paths[held]++;
      // The lock is taken for the read alone (one statement, a transaction of its own or of its
      // group's: see #together).
      const loaded = this.#fresh(await this.#together(this.#lockedLoadStep(request, this.#knownRevs(request, doctorId)), doctorId), request);
      if (loaded === undefined) return undefined;
      copy = loaded;
    } else {
      copy = held;
    }
    for (let tries = 1; ; tries++) {
      let decision: Decision<R>;
      try {
        decision = decide(copy.snapshot);
      } catch {
        paths.undecided++;
        return undefined;
      }
      if (decision.kind !== 'commit') {
        // A unit of one doctor never grows into several: refused as it would be under the lock,
        // without deciding again (which would ask a decision twice for the same answer).
        if (isMultiDoctor(decision.request)) throw new DecisionFailed(outOfOrder(this.name));
        paths.undecided++;
        return undefined;
      }
      const changes = decision.changes;
      const params = changes.events.length === 0 || changeSetDoctor(changes) !== doctorId || checkChangeSet(changes) !== undefined ? undefined : writeParams(changes, tag, this.#enforce);
      if (params === undefined) {
        paths.undecided++;
        return undefined;
      }
      const afterCommit = this.#afterCommit(changes);
      const rev = copy.rev;
      const step = this.#writeOrLoadStep(request, doctorId, rev, params);
      // One statement, a transaction of its own or of its group's (its lock and its writes end
      // with it): no BEGIN and COMMIT to send and run, unless a notification must follow the commit.
      const out = (await this.#together(step, doctorId, afterCommit)) as unknown[];
      if (out[0] !== null) {
        this.#written(changes, rev, out, afterCommit);
        paths[tries > 1 ? 'retried' : readFirst ? 'twoTrips' : 'oneTrip']++;
        return { result: decision.result };
      }
      paths.moved++;
      if (tries >= OPTIMISTIC_TRIES) {
        paths.gaveUp++;
        return undefined;
      }
      const loaded = this.#fresh(out[3], request);
      if (loaded === undefined) return undefined;
      // What came back shows how many others wrote meanwhile: where they keep the doctor moving,
      // another decision would most likely be stale too.
      if (this.#cache.contended(doctorId)) {
        paths.gaveUp++;
        return undefined;
      }
      copy = loaded;
    }
  }

  /**
   * Several queued units of one doctor, decided in turn, each on the doctor's days as the units
   * before it leave them, and sent together in one transaction. Where the copy serves (or after a
   * read of what changed, when it is cold or stale, the lock held for the read alone), the first
   * unit goes as `opd_write_or_load` with the copy's rev and each next one as `opd_write_next`,
   * which writes only if the statement before it did, in one round trip: a chain whose first unit
   * finds the doctor moved writes nothing, and its units are decided again. Where others keep the
   * doctor moving, the lock is taken first: every read of the chain in one round trip, every write
   * and the commit in a second ({@link PostgresStorage.#lockedChain}). A chain is the longest run
   * of queued units that the copy answers (at most `MAX_CHAIN`); a unit a decision refuses, or one
   * that writes nothing, hands back its answer once the chain committed, since it was decided on
   * what the units before it left. A chain whose transaction fails runs its units again, each on
   * its own. Returns `'moved'` when the first unit found the doctor moved (nothing was written).
   */
  async #chain(doctorId: string, queue: Queued[], lock: boolean): Promise<'moved' | undefined> {
    const first = queue[0]!;
    const held = this.#cache.current(first.request);
    if (held === 'unserved') return this.#alone(queue);
    if (lock || held === 'contended') {
      if (held === 'contended') this.#paths.contended++;
      return this.#lockedChain(doctorId, queue);
    }
    let copy: { snapshot: DoctorSnapshot; rev: number } | undefined;
    let path: 'oneTrip' | 'twoTrips' = 'oneTrip';
    try {
      if (typeof held === 'string') {
        this.#paths[held]++;
        path = 'twoTrips';
        copy = this.#fresh(await this.#together(this.#lockedLoadStep(first.request, this.#knownRevs(first.request, doctorId)), doctorId), first.request);
      } else {
        copy = held;
      }
    } catch {
      // Left to the unit alone, which reports the failure.
      copy = undefined;
    }
    const chain = copy === undefined ? undefined : this.#cache.chain(doctorId, copy.rev);
    const links = chain === undefined ? [] : this.#decideChain(doctorId, queue.slice(0, MAX_CHAIN), chain, copy!.snapshot, undefined);
    // The first unit must write: one a decision on the copy refuses is decided again under the lock.
    if (links[0]?.step === undefined) return this.#alone(queue);
    const rev = copy!.rev;
    let k = 0;
    const steps: Step[] = [];
    for (const link of links) {
      if (link.step === undefined) continue;
      steps.push(
        k === 0
          ? this.#writeOrLoadStep(first.request, doctorId, rev, link.step.values)
          : { statement: this.#sql.writeNext, values: [String(rev + k), link.job.request.idempotencyKey ?? null, ...link.step.values] },
      );
      k++;
    }
    const afterCommit = this.#afterCommit(links[0]!.changes!);
    const floor = this.#seqFloor;
    let out: unknown[];
    try {
      out = steps.length === 1 ? [await this.#together(steps[0]!, doctorId, afterCommit)] : await this.#driver.unit((tx) => tx.run(steps, { afterCommit }));
    } catch (error) {
      await this.#chainFailed(doctorId, queue, links, error, floor);
      return undefined;
    }
    const answer = out[0] as unknown[];
    if (answer[0] === null) {
      this.#paths.moved++;
      // Nothing was written; the copy learns what changed, and the units are decided again.
      try {
        this.#fresh(answer[3], first.request);
      } catch {
        this.#cache.forget(doctorId);
      }
      return 'moved';
    }
    await this.#settleChain(queue, links, out, rev, afterCommit, path);
    return undefined;
  }

  /**
   * A chain under the doctor's lock (see {@link PostgresStorage.#chain}): `BEGIN`, the lock and the
   * reads in one round trip — the first unit's request, and the idempotency key of each further
   * unit that has one — then every unit decided in turn, then every write and `COMMIT` in a second.
   */
  async #lockedChain(doctorId: string, queue: Queued[]): Promise<undefined> {
    const candidates = queue.slice(0, MAX_CHAIN);
    const first = candidates[0]!;
    let links: Link[] = [];
    let out: unknown[] = [];
    let rev = 0;
    let afterCommit: Step | undefined;
    const floor = this.#seqFloor;
    try {
      await this.#driver.unit(async (tx) => {
        const steps: Step[] = [this.#lockedLoadStep(first.request, this.#knownRevs(first.request, doctorId))];
        const keyed: Queued[] = [];
        for (let i = 1; i < candidates.length; i++) {
          const key = candidates[i]!.request.idempotencyKey;
          if (key === undefined) continue;
          keyed.push(candidates[i]!);
          steps.push({ statement: this.#sql.load, values: [loadRequestJson({ doctorId, idempotencyKey: key }, undefined), true, null, null] });
        }
        const answers = await tx.run(steps);
        const loaded = decodeLoad(answers[0], first.request.idempotencyKey, this.#cache);
        if (loaded?.snapshot.doctor === undefined || loaded.rev === undefined) return;
        this.#seqFloor = Math.max(this.#seqFloor, loaded.lastSeq);
        this.#cache.saw(loaded.snapshot.doctor, loaded.rev, this.#units);
        rev = loaded.rev;
        const chain = this.#cache.chain(doctorId, rev);
        if (chain === undefined) return;
        const stored = new Map<Queued, DoctorSnapshot['idempotency']>();
        for (let i = 0; i < keyed.length; i++) {
          const job = keyed[i]!;
          stored.set(job, decodeLoad(answers[i + 1], job.request.idempotencyKey, undefined)?.snapshot.idempotency);
        }
        links = this.#decideChain(doctorId, candidates, chain, loaded.snapshot, stored);
        const writes = links.filter((link) => link.step !== undefined);
        afterCommit = writes.length === 0 ? undefined : this.#afterCommit(writes[0]!.changes!);
        out = await tx.run(
          writes.map((link) => link.step!),
          { afterCommit },
        );
      });
    } catch (error) {
      if (links.length === 0) await this.#alone(queue);
      else await this.#chainFailed(doctorId, queue, links, error, floor);
      return undefined;
    }
    if (links.length === 0) {
      // The first unit needs what a chain does not give (more data, a new doctor): alone.
      await this.#alone(queue);
      return undefined;
    }
    await this.#settleChain(queue, links, out, rev, afterCommit, 'locked');
    return undefined;
  }

  /**
   * Decides queued units of one doctor in turn: the first on `snapshot`, each next one on the
   * chain's copy as the units before it left it. Stops before a unit the copy does not answer, one
   * that asks for more data, one that writes for another doctor or creates one, one whose change
   * set touches a day not held, and a second unit with the same idempotency key. `stored`: for a
   * chain under the lock, the stored idempotency record of each further unit that has a key (a
   * unit with a key that was not looked up ends the chain); without it, a further unit with a key
   * is decided as if its key were not stored, and goes in the chain only if it writes.
   */
  #decideChain(doctorId: string, candidates: readonly Queued[], chain: ChainCopy, snapshot: DoctorSnapshot, stored: Map<Queued, DoctorSnapshot['idempotency']> | undefined): Link[] {
    const links: Link[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < candidates.length; i++) {
      const job = candidates[i]!;
      const key = job.request.idempotencyKey;
      if (key !== undefined && keys.has(key)) break;
      let current: DoctorSnapshot | undefined = snapshot;
      // A further unit with a key, decided without its stored record (a chain not under the
      // lock): a write is safe (`opd_write_next` writes nothing once the key is stored), but a
      // refusal or an answer that writes nothing may be what the stored key would have replayed
      // (the patient's token is the first booking's): such a unit ends the chain, to be decided
      // again with its key looked up.
      const unkeyed = i > 0 && key !== undefined && stored === undefined;
      if (i > 0) {
        current = chain.snapshot(job.request);
        if (current === undefined) break;
        if (key !== undefined && stored !== undefined) {
          if (!stored.has(job)) break;
          current = { ...current, idempotency: stored.get(job) };
        }
      }
      let decision: Decision<unknown>;
      try {
        decision = job.decide(current);
      } catch (error) {
        if (unkeyed) break;
        links.push({ job, changes: undefined, step: undefined, tag: undefined, result: undefined, failed: true, error, replayed: undefined });
        continue;
      }
      if (decision.kind !== 'commit') break;
      const changes = decision.changes;
      if (changes.events.length === 0) {
        if (unkeyed || changeSetDoctor(changes) !== undefined) break;
        links.push({ job, changes: undefined, step: undefined, tag: undefined, result: decision.result, failed: false, error: undefined, replayed: current.idempotency });
        if (key !== undefined) keys.add(key);
        continue;
      }
      if (changes.doctor !== undefined || changeSetDoctor(changes) !== doctorId || checkChangeSet(changes) !== undefined) break;
      if (!chain.apply(changes)) break;
      const tag = `${this.#origin}:${++this.#units}`;
      const params = writeParams(changes, tag, this.#enforce)!;
      links.push({ job, changes, step: { statement: this.#sql.write, values: params }, tag, result: decision.result, failed: false, error: undefined, replayed: undefined });
      if (key !== undefined) keys.add(key);
    }
    return links;
  }

  /**
   * After a chain's transaction answered: every unit written takes its event numbers and commits
   * to the copy, in turn, and every unit up to the first one not written (its key was stored
   * meanwhile, so neither it nor any unit after it, decided on what it would have left, was
   * written) hands back its answer. The others stay queued.
   */
  async #settleChain(queue: Queued[], links: readonly Link[], out: readonly unknown[], rev: number, afterCommit: Step | undefined, path: 'oneTrip' | 'twoTrips' | 'locked'): Promise<void> {
    let end = links.length;
    let written = 0;
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      if (link.step === undefined) continue;
      const answer = out[written] as unknown[] | undefined;
      if (answer === undefined || answer[0] === null) {
        end = i;
        break;
      }
      this.#written(link.changes!, rev + written, answer, afterCommit);
      written++;
    }
    queue.splice(0, end);
    this.#paths[path] += written;
    if (end > 1) {
      this.#paths.chains++;
      this.#paths.chained += written;
    }
    for (let i = 0; i < end; i++) {
      const link = links[i]!;
      if (link.failed) link.job.reject(link.error);
      else {
        if (link.replayed !== undefined) await this.#replayed(link.replayed.doctorId, link.replayed.key);
        link.job.resolve(link.result);
      }
    }
    await this.#notifyPending();
  }

  /**
   * A chain whose transaction failed: the copy is forgotten. Where its COMMIT went out unanswered,
   * every unit it wrote may have committed: each fails with the outcome unknown (and its events
   * still reach the subscribers once, if it did commit), and the others run again. Otherwise
   * nothing was written, and every unit runs again on its own (its own retries, its own failure).
   */
  async #chainFailed(doctorId: string, queue: Queued[], links: readonly Link[], error: unknown, floor: number): Promise<void> {
    this.#cache.forget(doctorId);
    queue.splice(0, links.length);
    const unknown = error instanceof ConnectionLost && error.outcome === 'unknown';
    const again: Queued[] = [];
    for (const link of links) {
      if (unknown && link.tag !== undefined) {
        this.#outcomeUnknown(link.tag, doctorId, link.job.request.idempotencyKey, floor, error);
        link.job.reject(this.#failure(error));
      } else {
        again.push(link.job);
      }
    }
    for (const job of again) await this.#unit(job.request, job.decide).then(job.resolve, job.reject);
  }

  /** The first queued unit, on its own. */
  async #alone(queue: Queued[]): Promise<undefined> {
    const job = queue.shift()!;
    await this.#unit(job.request, job.decide).then(job.resolve, job.reject);
    return undefined;
  }

  /**
   * A step of one doctor's unit that takes the doctor's lock (`opd_load`, `opd_write_or_load`),
   * sent with the other doctors' steps of the same turn in one transaction (see
   * `Driver.together`); with `groupCommit: false`, a transaction of its own.
   */
  #together(step: Step, doctorId: string, afterCommit?: Step): Promise<unknown> {
    // Where each statement takes its lock_timeout.
    if (this.#groupCommit) return this.#driver.together(step, doctorId, step.statement === this.#sql.load ? 2 : 3, afterCommit);
    return this.#driver.run(step, afterCommit);
  }

  /** `opd_load` of a request under the doctor's lock, reading what changed since the `known` revs. */
  #lockedLoadStep(request: LoadRequest, known: Record<string, number> | undefined): Step {
    return { statement: this.#sql.load, values: [loadRequestJson(request, known), true, this.#lockTimeout, this.#statementTimeout] };
  }

  /** `opd_write_or_load` of a unit decided on the copy at `rev`: the write (`params`, `opd_write`'s arguments), or what changed. */
  #writeOrLoadStep(request: LoadRequest, doctorId: string, rev: number, params: Step['values']): Step {
    const known = this.#knownRevs(request, doctorId);
    return { statement: this.#sql.writeOrLoad, values: [String(rev), request.idempotencyKey ?? null, loadRequestJson(request, known), this.#lockTimeout, this.#statementTimeout, ...params] };
  }

  /** The revs of the days the cache holds for a request's doctor, to read what changed since. */
  #knownRevs(request: LoadRequest, doctorId: string): Record<string, number> | undefined {
    return this.#cache.known(doctorId, request.days ?? [], RECENT_DAYS);
  }

  /**
   * What `opd_load` answered, read under the doctor's lock, merged into the cache: the snapshot to
   * decide on and the rev it is as of; `undefined` (counted) when the unit should run under the
   * lock instead: the doctor is unknown, the cache lost a day it sent a rev for, or the request's
   * idempotency key is stored (replayed under the lock).
   */
  #fresh(out: unknown, request: LoadRequest): { snapshot: DoctorSnapshot; rev: number } | undefined {
    const loaded = decodeLoad(out, request.idempotencyKey, this.#cache);
    if (loaded?.snapshot.doctor === undefined || loaded.rev === undefined) {
      this.#paths.undecided++;
      return undefined;
    }
    this.#seqFloor = Math.max(this.#seqFloor, loaded.lastSeq);
    this.#cache.saw(loaded.snapshot.doctor, loaded.rev, this.#units);
    if (loaded.snapshot.idempotency !== undefined) {
      this.#paths.undecided++;
      return undefined;
    }
    return { snapshot: loaded.snapshot, rev: loaded.rev };
  }

  /**
   * A unit over several doctors: every lock first (one round trip, in lock-key order, resolving the
   * department in the same statement), then every doctor's reads (one round trip), then every
   * doctor's writes and the commit (one round trip). No cache: each doctor is read in full.
   */
  async #multiUnit<R>(
    tx: UnitSession,
    request: LoadRequest,
    decide: (snapshot: DoctorSnapshot) => Decision<R>,
    tag: string,
    work: UnitWork | undefined,
  ): Promise<{ result: R; floor: number; replayed: Loaded['snapshot']['idempotency'] }> {
    const named = planUnit(request, undefined);
    if (named.primary === undefined && request.slotId !== undefined) {
      throw new DecisionFailed(new OpdError('STORAGE_FAILURE', 'A unit over several doctors names its locked doctor by doctorId or tokenId', { details: { adapter: this.name } }));
    }
    const [out] = await tx.run([
      { statement: this.#sql.lockDoctors, values: [JSON.stringify(named.lockOrder), request.department?.name ?? null, this.#lockTimeout, this.#statementTimeout] },
    ]);
    const members = request.department === undefined ? undefined : ((out ?? []) as string[]);
    const locked = planUnit(request, members).lockOrder;
    let loaded = await this.#multiLoad(tx, request, members);
    for (let round = 1; ; round++) {
      let decision: Decision<R>;
      try {
        decision = decide(loaded.snapshot);
      } catch (error) {
        throw new DecisionFailed(error);
      }
      if (decision.kind === 'commit') {
        const changes = decision.changes;
        const replayed = changes.events.length === 0 ? loaded.snapshot.idempotency : undefined;
        const problem = checkChangeSet(changes, locked);
        if (problem !== undefined) {
          throw new OpdError('STORAGE_FAILURE', `Refused an inconsistent change (${problem.what} \`${problem.id}\`)`, { details: { adapter: this.name, id: problem.id } });
        }
        const steps: Step[] = [];
        for (const part of changeSetParts(changes)) {
          const params = writeParams(part, tag, this.#enforce);
          if (params !== undefined) steps.push({ statement: this.#sql.write, values: params });
        }
        const events = changes.events;
        const afterCommit = events.length === 0 ? undefined : { statement: this.#driver.kind === 'pool' ? this.#sql.notify : this.#sql.notifyAlways, values: [] };
        let outs: unknown[] = [];
        if (steps.length > 0) outs = await tx.run(steps, work === undefined ? { afterCommit } : undefined);
        if (work !== undefined) {
          try {
            await this.#runWork(work, tx, decision.result, tag);
          } catch (error) {
            if (error instanceof DecisionFailed && error.forget) for (const id of locked) this.#cache.forget(id);
            throw error;
          }
          await tx.run([], { afterCommit });
        } else if (steps.length === 0) await tx.run([], {});
        if (events.length > 0) {
          const [base] = outs[outs.length - 1] as [number | string, number | string];
          for (let i = 0; i < events.length; i++) assignEventSeq(events[i]!, Number(base) + i + 1);
          this.#wakeup.wake();
        }
        return { result: decision.result, floor: loaded.lastSeq, replayed };
      }
      if (round >= MAX_ROUNDS) {
        throw new DecisionFailed(new OpdError('STORAGE_FAILURE', 'A unit of work kept asking for more data', { details: { adapter: this.name } }));
      }
      if (!staysWithin(decision.request, locked, members)) throw new DecisionFailed(outOfOrder(this.name));
      loaded = await this.#multiLoad(tx, decision.request, members);
    }
  }

  /** Reads every doctor of a unit over several doctors, its locks already held (one round trip). */
  async #multiLoad(tx: UnitSession, request: LoadRequest, members: readonly string[] | undefined): Promise<Loaded> {
    const plan = planUnit(request, members);
    const requests = [plan.primaryRequest, ...plan.further.values()];
    const outs = await tx.run(requests.map((r) => ({ statement: this.#sql.load, values: [loadRequestJson(r, undefined), false, null, null] })));
    const decoded = requests.map((r, i) => decodeLoad(outs[i], r.idempotencyKey, undefined)!);
    const primary = decoded[0]!;
    const others = new Map<string, DoctorSnapshot>();
    let i = 1;
    for (const id of plan.further.keys()) others.set(id, decoded[i++]!.snapshot);
    return { snapshot: { ...primary.snapshot, others, department: members }, rev: undefined, lastSeq: primary.lastSeq };
  }

  /** Locks and reads a request, sending the revs of the days held in the cache. */
  async #lockedLoad(tx: UnitSession, request: LoadRequest, doctorId: string | undefined): Promise<Loaded> {
    const days = request.days ?? [];
    const tokenDay = request.tokenId === undefined ? undefined : parseTokenId(request.tokenId)?.day;
    const known = doctorId === undefined ? undefined : this.#cache.known(doctorId, tokenDay === undefined ? days : [...days, tokenDay], RECENT_DAYS);
    const load = (k: Record<string, number> | undefined): Promise<unknown[]> => tx.run([this.#lockedLoadStep(request, k)]);
    const first = decodeLoad((await load(known))[0], request.idempotencyKey, this.#cache);
    if (first !== undefined) return first;
    // The cache lost a day it sent a rev for: read everything in full.
    const full = decodeLoad((await load(undefined))[0], request.idempotencyKey, this.#cache);
    if (full === undefined) throw new OpdError('STORAGE_FAILURE', 'Could not read a doctor-day', { details: { adapter: this.name } });
    return full;
  }

  async #write(tx: UnitSession, changes: ChangeSet, rev: number | undefined, tag: string, work: UnitWork | undefined, result: unknown): Promise<void> {
    // The checks every adapter makes (the database backs up the rest with its constraints).
    const problem = checkChangeSet(changes);
    if (problem !== undefined) {
      throw new OpdError('STORAGE_FAILURE', `Refused an inconsistent change (${problem.what} \`${problem.id}\`)`, { details: { adapter: this.name, id: problem.id } });
    }
    const params = writeParams(changes, tag, this.#enforce);
    const afterCommit = this.#afterCommit(changes);
    let out: unknown;
    if (params === undefined) {
      if (work !== undefined) await this.#runWork(work, tx, result, tag);
      await tx.run([], {});
      return;
    }
    if (work === undefined) {
      out = (await tx.run([{ statement: this.#sql.write, values: params }], { afterCommit }))[0];
    } else {
      out = (await tx.run([{ statement: this.#sql.write, values: params }]))[0];
      await this.#runWork(work, tx, result, tag);
      await tx.run([], { afterCommit });
    }
    this.#written(changes, rev, out, afterCommit);
  }

  /**
   * The notification after a unit's commit, in a transaction of its own: a NOTIFY inside the unit
   * would hold PostgreSQL's database-wide notification lock through the commit. `opd_write` says
   * whether a feed listened when the unit took its event numbers; while none did, units send no
   * notification and no check.
   */
  #afterCommit(changes: ChangeSet): Step | undefined {
    const pool = this.#driver.kind === 'pool';
    if (changes.events.length === 0 || (pool && !this.#listening)) return undefined;
    return { statement: pool ? this.#sql.notify : this.#sql.notifyAlways, values: [] };
  }

  /** After a unit's write committed: numbers its events, notes what `opd_write` said, updates the cache. */
  #written(changes: ChangeSet, rev: number | undefined, out: unknown, afterCommit: Step | undefined): void {
    const events = changes.events;
    const [base, next, listening] = out as [number | string, number | string, boolean | null | undefined];
    for (let i = 0; i < events.length; i++) assignEventSeq(events[i]!, Number(base) + i + 1);
    if (events.length > 0) this.#seqFloor = Math.max(this.#seqFloor, Number(base));
    if (this.#driver.kind === 'pool' && events.length > 0) {
      // Functions older than this adapter say nothing: keep notifying after every unit.
      this.#listening = listening !== false;
      // A feed started since the last unit told: wake it once the unit is over (it would
      // otherwise wait for its poll).
      if (this.#listening && afterCommit === undefined) this.#notifyLater = true;
    }
    const doctorId = changeSetDoctor(changes);
    if (doctorId !== undefined && rev !== undefined) this.#cache.commit(doctorId, rev, Number(next), changes, this.#units);
    if (events.length > 0) this.#wakeup.wake();
  }

  /** Sends the notification a unit left for later ({@link PostgresStorage.#notifyLater}), if any. */
  async #notifyPending(): Promise<void> {
    if (!this.#notifyLater) return;
    this.#notifyLater = false;
    await this.#notify();
  }

  /** Notifies the feeds outside of any unit; a failure only leaves them to their poll. */
  async #notify(): Promise<void> {
    try {
      await this.#driver.run({ statement: this.#sql.notify, values: [] });
    } catch {
      // The feeds read history at least every POLL_MS.
    }
  }

  /**
   * Runs the integrator's work in the unit's transaction (`tag` marks it: see {@link WORK_MARK}),
   * then checks that the transaction can still commit and is still the unit's own: a work that
   * ended it (a `COMMIT` or `ROLLBACK` of its own, which the adapter's `COMMIT` would only draw a
   * warning for) fails the unit, and the copy of its doctors is dropped.
   */
  async #runWork(work: UnitWork, tx: UnitSession, result: unknown, tag: string): Promise<void> {
    let unit: unknown;
    try {
      await tx.client.query(`SELECT set_config('${WORK_MARK}', $1, true)`, [tag]);
      await work(guardedClient(tx.client), result);
      // A statement the server refused, caught by the work, which went on: the transaction is
      // aborted, and PostgreSQL would answer its COMMIT with a ROLLBACK — the call reported, its
      // events emitted, nothing stored. Any statement now fails (25P02) if so; a savepoint the
      // work rolled back to leaves it usable.
      unit = (await tx.client.query(`SELECT current_setting('${WORK_MARK}', true) AS unit`)).rows[0]?.['unit'];
    } catch (error) {
      if (error instanceof ConnectionLost) throw error;
      if (codeOf(error) === IN_FAILED_TRANSACTION) {
        throw new DecisionFailed(storageFailure(error, 'A statement of the unit’s work failed and the work went on: the unit was rolled back'));
      }
      // A statement of the work the server refused: reduced like every database error the adapter
      // reports (the driver's message and `detail` may quote the row, and with it a patient).
      if (!isOpdError(error) && isSqlState(codeOf(error))) throw new DecisionFailed(storageFailure(error, 'PostgreSQL refused a statement of the unit’s work'));
      throw new DecisionFailed(error);
    }
    if (unit !== tag) {
      // The work ended the unit's transaction (and may have opened another): what it committed is
      // stored, what it rolled back is not, and the adapter's COMMIT would only draw a warning.
      throw new DecisionFailed(
        new OpdError(
          'STORAGE_FAILURE',
          'The unit’s work ended the unit’s transaction itself (a COMMIT or ROLLBACK of its own): the call failed and nothing was emitted; ' +
            'throw from the work to roll the unit back, or roll back to a savepoint of your own',
          { details: { adapter: this.name, outcome: 'unknown' } },
        ),
        true,
      );
    }
  }

  /**
   * Runs `call` — one call of a scheduler that uses this adapter, such as `() => opd.book(…)` —
   * so that `work` runs inside each unit of work the call makes: on the unit's connection, in its
   * transaction, after the unit's changes are written and before its `COMMIT`. The booking and
   * the integrator's own rows (a bill, an audit row) commit together or not at all, and the
   * scheduler emits the events only after that commit. If `work` throws, the unit rolls back and
   * the call rejects: an `OpdError` as is; a database error (one with a SQLSTATE, such as a
   * statement of `tx.query` that breaks a constraint) as `STORAGE_FAILURE` with its SQLSTATE and
   * constraint in `details`, its `cause` a {@link PostgresErrorSummary} (never the driver's error,
   * whose message and `detail` may quote the row, and with it a patient); anything else as the
   * `cause` of `STORAGE_FAILURE`. `work` must not end the unit's transaction: `tx.query` refuses a
   * statement that ends or opens one (`BEGIN`, `COMMIT`, `ROLLBACK`, …; `ROLLBACK TO SAVEPOINT`
   * is allowed) with `STORAGE_FAILURE`, and a unit whose own transaction is no longer the open one
   * after `work` (checked by a transaction-local marker) fails with `STORAGE_FAILURE`
   * (`details.outcome` `'unknown'`), emits nothing, and drops the adapter's copy of its doctors.
   * The statements of `work` run under
   * {@link PostgresStorageOptions.statementTimeout}. Needs Node.js (`AsyncLocalStorage`).
   *
   * @example
   * ```ts
   * const booking = await storage.withTransaction(
   *   () => opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: 'p1', name: 'Asha' }, slotId: 's1' }),
   *   async (tx, result) => {
   *     const { token } = result as BookingResult;
   *     await tx.query('INSERT INTO billing.invoices (token_id, amount) VALUES ($1, $2)', [token.id, 500]);
   *   },
   * );
   * ```
   * @param call - the scheduler call
   * @param work - the integrator's statements
   * @returns what `call` returns
   */
  async withTransaction<T>(call: () => Promise<T>, work: UnitWork): Promise<T> {
    if (typeof call !== 'function') throw invalid('call', 'Expected `call` to be a function');
    if (typeof work !== 'function') throw invalid('work', 'Expected `work` to be a function');
    if (this.#hooks === undefined) {
      const { AsyncLocalStorage } = await import('node:async_hooks');
      this.#hooks ??= new AsyncLocalStorage<UnitWork>();
    }
    return this.#hooks.run(work, call);
  }

  /** @inheritDoc */
  async read(request: LoadRequest): Promise<DoctorSnapshot> {
    this.#assertOpen();
    if (isMultiDoctor(request)) {
      // Read as one unit (locks taken, nothing written): one consistent view of every doctor.
      return this.transact(request, (snapshot) => ({ kind: 'commit', changes: NO_WRITES, result: snapshot }));
    }
    try {
      const out = await this.#driver.snapshot([{ statement: this.#sql.load, values: [loadRequestJson(request, undefined), false, null, null] }]);
      return decodeLoad(out[0], request.idempotencyKey, undefined)!.snapshot;
    } catch (error) {
      throw this.#failure(error);
    }
  }

  /** @inheritDoc */
  async listDoctors(): Promise<DoctorRecord[]> {
    const rows = (await this.#run(this.#sql.listDoctors, [])) as unknown[][];
    return rows.map((a) => DOCTOR.fromArray(a, undefined));
  }

  /** @inheritDoc */
  async allocateId(): Promise<number> {
    return Number(await this.#run(this.#sql.nextDoctorId, []));
  }

  /** @inheritDoc */
  async findDueDays(cutoff: number, holdsEndedBy?: number, openAt?: number): Promise<DoctorDay[]> {
    if (!Number.isFinite(cutoff)) throw invalid('cutoff', 'Expected a finite instant');
    if (holdsEndedBy !== undefined && !Number.isFinite(holdsEndedBy)) throw invalid('holdsEndedBy', 'Expected a finite instant');
    if (openAt !== undefined && !Number.isFinite(openAt)) throw invalid('openAt', 'Expected a finite instant');
    const ended = holdsEndedBy === undefined ? null : String(Math.floor(holdsEndedBy));
    const open = openAt === undefined ? null : String(Math.floor(openAt));
    const rows = (await this.#run(this.#sql.dueDays, [String(Math.floor(cutoff)), ended, open, lastDayBefore(cutoff)])) as [string, string][];
    return rows.map(([doctorId, day]) => ({ doctorId, day }));
  }

  /** @inheritDoc */
  async *scanDays(filter: DayFilter): AsyncIterable<DayDump> {
    // One statement: one consistent snapshot, whatever runs meanwhile.
    const rows = (await this.#run(this.#sql.scanDays, [filter.doctorId ?? null, filter.day ?? null])) as [string, string, unknown[], unknown[][] | null, unknown[][] | null][];
    for (const [doctorId, day, record, slots, tokens] of rows) {
      yield {
        record: DAY.fromArray(record, { doctorId, day }),
        slots: (slots ?? []).map((a) => SLOT.fromArray(a, undefined)),
        tokens: (tokens ?? []).map((a) => TOKEN.fromArray(a, { doctorId, day })),
      };
    }
  }

  /**
   * @inheritDoc
   * @throws OpdError `STORAGE_FAILURE` naming the `seq` (`details.seq`), never the contents, of a
   *   stored event that is not one (a row of `opd_events` written outside the adapter), for as
   *   long as it is there
   */
  async history(after: number, limit: number): Promise<OpdEvent[]> {
    return (await this.#rows(after, limit)).map((row) => toEvent(row.seq, row.event));
  }

  async #rows(after: number, limit: number): Promise<Row[]> {
    const from = Math.max(0, Math.floor(after));
    const count = Math.max(0, Math.min(2_147_483_647, Math.floor(limit)));
    if (count === 0) return [];
    const rows = (await this.#run(this.#sql.history, [String(from), count])) as [number | string, string, unknown][];
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

  /**
   * Stored events after `after`, then every event committed later by any process sharing the
   * schema, in `seq` order, each once. Holds one client of the pool (LISTEN) while iterated, and
   * survives lost connections (it reconnects with backoff and resumes from its last event). A
   * stored event that is not one (a row written outside the adapter) ends the iteration, after the
   * events before it, with `STORAGE_FAILURE` naming its `seq` (`details.seq`), never its contents.
   * @throws OpdError `VALIDATION_FAILED` (`details.field` `'db'`) on a pool whose `max` is below 2,
   *   which the LISTEN connection would leave without a client for the reads
   */
  tail(after: number, signal: TailSignal): AsyncIterable<OpdEvent> {
    this.#assertOpen();
    assertRoomForFeed('db', this.#db);
    const stopped = this.#stop.signal;
    const listener = this.#listener;
    const wakeup = this.#wakeup;
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

  /**
   * Delivers events this adapter instance did not emit itself: with `listen: true`, those
   * committed by other processes and other adapter instances, in `seq` order, each once (see
   * {@link PostgresStorageOptions.listen}); and, always, the events of a unit of this instance
   * whose acknowledgement was lost (a connection lost after its COMMIT was sent) once it is known
   * to have committed.
   *
   * A listener that throws costs the other listeners and the feed nothing (the first such error
   * of the adapter is reported as a process warning, `OPD_LISTENER_FAILED`, naming its class). A
   * stored event the feed cannot decode is read again after a backoff, never skipped (the feed
   * delivers nothing past it until the row is repaired or removed), and reported once as a process
   * warning, `OPD_EVENT_UNREADABLE`, naming its `seq`. A failure the feed cannot read again (none is
   * known) ends it, with a process warning, `OPD_FEED_STOPPED`; it never rejects unhandled.
   */
  subscribe(listener: (event: OpdEvent) => void): () => void {
    if (this.#closed) return () => {};
    this.#listeners.add(listener);
    if (this.#listen && this.#feed === undefined) this.#feed = this.#startFeed();
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
    const both = anySignal(stop.signal, this.#stop.signal);
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
        `The listen feed of schema \`${this.#schema.name}\` stopped on a failure it cannot retry (${kind}${code === undefined ? '' : ` ${code}`}); ` +
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
        start = Number(await this.#run(this.#sql.lastSeq, []));
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
        `The listen feed of schema \`${this.#schema.name}\` cannot decode the stored event with seq ${String(reported)}; ` +
          'it delivers no later event until that row of opd_events is repaired or removed, and reads it again meanwhile.',
        'OPD_EVENT_UNREADABLE',
      );
    };
    const rows = followHistory((from, limit) => this.#events(from, limit), this.#wakeup, start, signal, { page: HISTORY_PAGE, pollMs: POLL_MS }, failed);
    // A unit's events have consecutive numbers: once the feed takes on a unit of this instance
    // whose acknowledgement was lost (its first row), it delivers every row of it.
    let delivering: string | undefined;
    for await (const row of rows) {
      if (!row.origin.startsWith(`${this.#origin}:`)) this.#deliver([row.event]);
      else if (row.origin === delivering || this.#unacknowledged.delete(row.origin)) {
        delivering = row.origin;
        this.#deliver([row.event]);
      }
    }
  }

  /**
   * Hands events to the subscribers. A subscriber that throws costs the others nothing, and never
   * the feed or the call that delivers (a replay): its error is reported once per adapter, as a
   * process warning naming its class only (its message may quote the patient of the event).
   */
  #deliver(events: readonly OpdEvent[]): void {
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

  /**
   * A replayed idempotent call: the units of its key whose acknowledgement was lost deliver
   * their stored events, each once — every event of the unit that committed, read by its tag
   * (the replay's result holds only the effects, not the call's own event); none of an attempt
   * that wrote nothing (an earlier replay whose connection went). A failed read leaves them to
   * the background check.
   */
  async #replayed(doctorId: string, key: string): Promise<void> {
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
    const rows = (await this.#driver.run({ statement: this.#sql.unitEvents, values: [String(floor), tag] })) as [number | string, unknown][];
    return rows.map(([seq, event]) => toEvent(seq, event));
  }

  /**
   * A unit whose COMMIT went out unanswered (`error`): remembered by its tag, and whether it
   * committed learned in the background (see {@link PostgresStorage.#resolve}).
   */
  #outcomeUnknown(tag: string, doctorId: Unacknowledged['doctorId'], key: Unacknowledged['key'], floor: number, error: ConnectionLost): void {
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
      await sleep(Math.min(2000, 50 * 2 ** attempt), this.#stop.signal);
      const unit = this.#unacknowledged.get(tag);
      if (unit === undefined || this.#closed) return;
      try {
        const found = async (): Promise<boolean> => {
          // Decoded first: an event that does not decode fails this attempt (tried again later).
          const events = await this.#unitEvents(tag, unit.floor);
          if (events.length === 0) return false;
          if (this.#unacknowledged.delete(tag)) this.#deliver(events);
          return true;
        };
        if (await found()) return;
        const alive = unit.pid === undefined ? false : ((await this.#driver.run({ statement: this.#sql.backendAlive, values: [unit.pid] })) as boolean);
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

  /**
   * Stops the feeds and tails. Does not end the pool or PGlite instance it was given. Idempotent.
   * Settles once the `listen: true` feed has ended (after the read it had in flight, so that none
   * of the adapter's statements still runs when the caller goes on, e.g. to drop the schema) and
   * its connection is released — or, for a connection that never answers, after a few seconds.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#feed?.();
    this.#feed = undefined;
    this.#stop.abort();
    this.#wakeup.close();
    // The feeds' reads in flight: waited for as long as an UNLISTEN is, no longer.
    const feedsEnded = answered(Promise.allSettled([...this.#following]), STOP_TIMEOUT_MS).catch(() => undefined);
    await Promise.all([feedsEnded, this.#listener.stop()]);
  }

  async #run(statement: Statements['load'], values: readonly (string | number | boolean | null)[]): Promise<unknown> {
    this.#assertOpen();
    try {
      try {
        return await this.#driver.run({ statement, values });
      } catch (error) {
        // A read refused, unsent, because the server changed meanwhile: read again.
        if (error instanceof ServerChanged) return await this.#driver.run({ statement, values });
        throw error;
      }
    } catch (error) {
      throw this.#failure(error);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new OpdError('STORAGE_FAILURE', 'The PostgreSQL storage is closed', { details: { adapter: this.name } });
  }

  #failure(error: unknown): OpdError {
    if (isOpdError(error)) return error;
    const code = codeOf(error);
    if (code === 'OPD01' || code === 'OPD02') return storageFailure(error, 'PostgreSQL refused an inconsistent change');
    if (code === '42P01' || code === '42883' || code === '3F000') return storageFailure(error, `PostgreSQL failed; run migrate() for schema \`${this.#schema.name}\` first`);
    return storageFailure(error, 'PostgreSQL failed');
  }
}

const NO_WRITES: ChangeSet = Object.freeze({ newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] });

function outOfOrder(adapter: string): OpdError {
  return new OpdError('STORAGE_FAILURE', 'A unit of work asked to lock another doctor after its locks were taken', { details: { adapter } });
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

/**
 * The unit's client as the integrator's work gets it: a statement that would end or open a
 * transaction (see {@link TRANSACTION_CONTROL}) is refused with `STORAGE_FAILURE` before it reaches
 * the connection. Best effort (only the text's first statement is looked at): the check after the
 * work catches the rest.
 */
function guardedClient(client: PostgresTransactionClient): PostgresTransactionClient {
  return {
    query: (text, values) => {
      if (typeof text === 'string' && TRANSACTION_CONTROL.test(text)) {
        return Promise.reject(
          new OpdError(
            'STORAGE_FAILURE',
            'The unit’s work may not end or open a transaction (BEGIN, COMMIT, ROLLBACK…): throw from the work to roll the unit back, or roll back to a savepoint of your own',
            { details: { adapter: 'postgres', outcome: 'not-committed' } },
          ),
        );
      }
      return client.query(text, values);
    },
  };
}

/**
 * `VALIDATION_FAILED` naming `field` when `db` is a node-postgres pool whose `options.max` leaves
 * no client for the units once the adapter's feed (a `listen: true` feed or a `tail()`, which share
 * one LISTEN connection) holds one: the rule is one extra connection per feed, so at least 2. A
 * pool that does not say its `max` (a pool-like object, PGlite) is not checked.
 */
function assertRoomForFeed(field: string, db: unknown): void {
  const max = (db as { options?: { max?: unknown } } | null)?.options?.max;
  if (typeof max !== 'number' || !Number.isFinite(max) || max >= 2 || typeof (db as { connect?: unknown }).connect !== 'function') return;
  if (typeof (db as { transaction?: unknown }).transaction === 'function') return;
  const what = field === 'listen' ? '`listen: true` holds' : 'a `tail()` holds';
  throw invalid(
    field,
    `${what} one client of the pool for its LISTEN connection, and the pool's \`max\` is ${String(max)}: no client would be left for the calls. ` +
      'Give the pool one extra connection per feed (`max` of at least 2 here)',
  );
}

function milliseconds(field: string, value: unknown, fallback: number): number {
  const ms = value ?? fallback;
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > 2_147_483_647) throw invalid(field, `Expected \`${field}\` to be a whole number of milliseconds, got ${shown(ms)}`);
  return ms;
}

function flag(field: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(field, `Expected \`${field}\` to be a boolean`);
  return value;
}

function pause(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
