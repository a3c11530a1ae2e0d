import type { OpdEvent } from '../events.js';
import type { DayDump, DayFilter, DoctorDay, PatientTokenQuery, StorageAdapter, TailSignal } from '../storage/adapter.js';
import type { ChangeSet, Decision, DoctorSnapshot, LoadRequest } from '../model/snapshot.js';
import { isMultiDoctor } from '../adapter-kit/units.js';
import type { DoctorRecord, TokenRecord } from '../model/records.js';
import type { PostgresErrorSummary } from './errors.js';
import { Feed } from './feed.js';
import { type PostgresStorageOptions, readStorageOptions, type StorageSettings } from './options.js';
import { DEFAULT_FACILITY_ID, resolveFacilityId } from '../facility.js';
import { allocateId, findDueDays, findPatientTokens, listDoctors, readSnapshot, scanDays } from './reads.js';
import { Recovery } from './recovery.js';
import { speedRoad } from './speed/index.js';
import type { UnitPaths } from './speed/paths.js';
import { Transactions, type UnitWork } from './transaction.js';
import { type Road, Units } from './unit.js';
import { Wing } from './wing.js';
import type { ReplicaCounts } from './replicas.js';

export type { PostgresStorageOptions } from './options.js';
export type { UnitWork } from './transaction.js';
export type { UnitPaths } from './speed/paths.js';

/** Where a store keeps how its units ran (see {@link unitPaths}). */
const PATHS: unique symbol = Symbol('opd-scheduler.unitPaths');

/** How the adapter's units ran so far (for the benchmarks); `undefined` for another object. */
export function unitPaths(storage: PostgresStorage): Readonly<UnitPaths> | undefined {
  return (storage as { readonly [PATHS]?: UnitPaths })[PATHS];
}

/** Where a store keeps where its display reads went (see {@link replicaCounts}). */
const REPLICAS: unique symbol = Symbol('opd-scheduler.replicaCounts');

/** Where the adapter's display reads went so far, standby or primary (for the tests and the benchmarks); `undefined` for another object. */
export function replicaCounts(storage: PostgresStorage): Readonly<ReplicaCounts> | undefined {
  return (storage as { readonly [REPLICAS]?: ReplicaCounts })[REPLICAS];
}

/** What a view of one facility is made from (see {@link PostgresStorage.forFacility}): never options a caller gives. */
class FacilityScope {
  /** The brand {@link FacilityScope.is} checks: no trap of a proxy runs for it. */
  readonly #scope = true;

  /** Whether `value` is a scope, without asking anything of it (a revoked proxy is refused later, naming `options`). */
  static is(value: unknown): value is FacilityScope {
    return typeof value === 'object' && value !== null && #scope in value;
  }

  constructor(
    readonly settings: StorageSettings,
    readonly facilityId: string,
    readonly views: Map<string, PostgresStorage>,
    /** The integrator's work of `withTransaction`, one registry for the store and all its views. */
    readonly transactions: Transactions,
  ) {}
}

const NO_WRITES: ChangeSet = Object.freeze({ newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] });

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
 *   doctors share no row. The lock's key includes the facility ({@link PostgresStorage.forFacility}):
 *   doctors of two facilities with the same id never wait for each other.
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
  /** Always `true`: a unit naming a patient takes the patient's lock first and reads the patient's tokens (`LoadRequest.patient`). */
  readonly patientTokens = true;
  /** Always `true`: a unit may lock and read every doctor of the facility (`LoadRequest.everyDoctor`), listed in the statement that locks them. */
  readonly everyDoctor = true;
  /**
   * Always `true`: patient data is erased by rewriting the rows that hold it, in the unit of each
   * token, under its doctor's lock: the token's `patient`, `patient_id` and `patient_guard`
   * columns (the guard's index entry goes with it), and the stored result and fingerprint of its
   * idempotency key. PostgreSQL keeps the old row versions on disk until `VACUUM` reclaims them
   * (and in its write-ahead log and backups for as long as those are kept): see docs/storage.md,
   * "Patient data".
   */
  readonly patientErasure = true;
  readonly #wing: Wing;
  readonly #transactions: Transactions;
  readonly #facilityId: string;
  readonly #feed: Feed;
  /** The road every unit takes, chosen once: the unit loop (`unit.ts`), with the speed machinery in front of it on a pool (`speed/`). */
  readonly #road: Road;
  readonly #settings: StorageSettings;
  /** The views of every facility made from this store, by facility id (the store itself as `'default'`), shared by all of them. */
  readonly #views: Map<string, PostgresStorage>;

  /**
   * @param options - the database and how to use it; see {@link PostgresStorageOptions}
   * @throws OpdError `VALIDATION_FAILED` naming the option (`details.field`) that is invalid,
   *   unknown (a typo) or cannot be read (a getter that throws), or naming `options` for anything
   *   but an object
   */
  constructor(options: PostgresStorageOptions) {
    const scope = FacilityScope.is(options) ? options : undefined;
    this.#settings = scope?.settings ?? readStorageOptions(options);
    this.#views = scope?.views ?? new Map([[DEFAULT_FACILITY_ID, this]]);
    // One registry for the store and its views: work given to any of them runs in the units of
    // every facility's scheduler the call reaches (a scheduler of facility 'A' given the store
    // itself runs its units on the store's view of 'A').
    this.#transactions = scope?.transactions ?? new Transactions();
    this.#facilityId = scope?.facilityId ?? DEFAULT_FACILITY_ID;
    const wing = new Wing(this.#settings, scope?.facilityId);
    this.#wing = wing;
    const recovery = new Recovery(wing, (events) => this.#feed.deliver(events));
    this.#feed = new Feed(wing, (origin) => recovery.claim(origin));
    this.#road = wing.driver.kind === 'pool' ? speedRoad(wing, this.#transactions, recovery) : new Units(wing, this.#transactions, recovery);
    Object.defineProperty(this, PATHS, { value: wing.paths });
    Object.defineProperty(this, REPLICAS, { value: wing.replicas.counts });
  }

  /** The facility this adapter is the view of: `'default'` for the store made by `new` (see {@link StorageAdapter.facilityId}). */
  get facilityId(): string {
    return this.#facilityId;
  }

  /**
   * The store's view of one facility (see {@link StorageAdapter.forFacility}): an adapter over the
   * same pool (or PGlite instance) and schema whose every statement, function call and lock is
   * scoped to that facility — the transaction's setting `opd.facility_id`, a bind parameter of
   * the statement that opens it, which every read and write of the functions compares
   * `facility_id` with and which the doctor's and the patient's lock keys include. The same view
   * for the same id; `forFacility('default')` is the store itself. A view has its own copy of the
   * doctors' days, its own feed and its own `listen` connection (with `listen: true`): the events
   * it delivers, `history()` and `tail()` are its facility's only (event numbers are the schema's,
   * so a facility's have gaps). `close()` of a view closes it alone; `close()` of the store made by
   * `new` closes it and the views no scheduler uses — a view a scheduler still uses stays open
   * until that scheduler closes it, so closing one facility's scheduler never closes another's
   * store. A view asked for again after it was closed is a new one, for the facility's next
   * scheduler (the store made by `new` is the facility `'default'`'s: once closed, make another
   * over the same database). The integrator's statements of
   * {@link PostgresStorage.withTransaction}, given to the store or to any of its views, run in the
   * units of whichever facility's scheduler the call reaches, under that facility (and its
   * row-level security, see `MigrateOptions.rowLevelSecurity`).
   *
   * @param facilityId - the facility, an id as the scheduler's option `facilityId` accepts
   * @throws OpdError `VALIDATION_FAILED` (`details.field: 'facilityId'`) for anything else;
   *   `STORAGE_FAILURE` for `'default'` once the store made by `new` is closed
   */
  forFacility(facilityId: string): PostgresStorage {
    const id = resolveFacilityId(facilityId);
    let view = this.#views.get(id);
    if (id === DEFAULT_FACILITY_ID && view !== undefined) {
      view.#wing.assertOpen();
      return view;
    }
    // A view closed by its scheduler gives way to a new one: the facility's next scheduler works.
    if (view === undefined || view.#wing.closed) {
      view = new PostgresStorage(new FacilityScope(this.#settings, id, this.#views, this.#transactions) as unknown as PostgresStorageOptions);
      this.#views.set(id, view);
    }
    return view;
  }

  /** @inheritDoc */
  async transact<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
    this.#wing.assertOpen();
    return this.#road.transact(request, decide);
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
   * import { OpdScheduler, type BookingResult } from 'opd-scheduler';
   * import type { PostgresStorage } from 'opd-scheduler/postgres';
   *
   * declare const storage: PostgresStorage, opd: OpdScheduler; // a scheduler on that storage
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
  withTransaction<T>(call: () => Promise<T>, work: UnitWork): Promise<T> {
    return this.#transactions.withTransaction(call, work);
  }

  /** @inheritDoc */
  async read(request: LoadRequest): Promise<DoctorSnapshot> {
    this.#wing.assertOpen();
    // Over several doctors, read as one unit (locks taken, nothing written): one consistent view of every doctor.
    if (isMultiDoctor(request)) return this.transact(request, (snapshot) => ({ kind: 'commit', changes: NO_WRITES, result: snapshot }));
    return readSnapshot(this.#wing, request);
  }

  /** @inheritDoc */
  listDoctors(): Promise<DoctorRecord[]> {
    return listDoctors(this.#wing);
  }

  /** @inheritDoc */
  allocateId(): Promise<number> {
    return allocateId(this.#wing);
  }

  /** @inheritDoc */
  findDueDays(cutoff: number, claimsDueBy?: number, openAt?: number, closeBy?: number): Promise<DoctorDay[]> {
    return findDueDays(this.#wing, cutoff, claimsDueBy, openAt, closeBy);
  }

  /** @inheritDoc */
  scanDays(filter: DayFilter): AsyncIterable<DayDump> {
    return scanDays(this.#wing, filter);
  }

  /**
   * The stored tokens of a patient, or of the days before a date whose patient data is not erased
   * yet (see `StorageAdapter.findPatientTokens`), by doctor id, day and token number, in one
   * statement. A search by patient reads the whole table of tokens (no index holds patient ids,
   * so that none keeps them after an erasure); so does a purge's, a page at a time.
   */
  async findPatientTokens(query: PatientTokenQuery): Promise<TokenRecord[]> {
    this.#wing.assertOpen();
    try {
      return await findPatientTokens(this.#wing, query);
    } catch (error) {
      throw this.#wing.failure(error);
    }
  }

  /**
   * @inheritDoc
   * @throws OpdError `STORAGE_FAILURE` naming the `seq` (`details.seq`), never the contents, of a
   *   stored event that is not one (a row of `opd_events` written outside the adapter), for as
   *   long as it is there
   */
  history(after: number, limit: number): Promise<OpdEvent[]> {
    return this.#feed.history(after, limit);
  }

  /**
   * The stored events of one doctor-day, in `seq` order, found by index (schema version 11; see
   * {@link StorageAdapter.dayHistory}): only committed events.
   */
  dayHistory(doctorId: string, day: string): Promise<OpdEvent[]> {
    return this.#feed.dayHistory(doctorId, day);
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
    return this.#feed.tail(after, signal);
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
    return this.#feed.subscribe(listener);
  }

  /**
   * Stops this adapter's feed and tails (of the store made by `new`: also those of its views that
   * no scheduler uses, see {@link PostgresStorage.forFacility}). Does not end the pool or PGlite
   * instance it was given. Idempotent.
   * Settles once the `listen: true` feed has ended (after the read it had in flight, so that none
   * of the adapter's statements still runs when the caller goes on, e.g. to drop the schema) and
   * its connection is released — or, for a connection that never answers, after a few seconds.
   */
  async close(): Promise<void> {
    // The store made by `new` closes the views nobody uses; a view a scheduler still uses (it is
    // subscribed) stays open until that scheduler closes it.
    if (this.#facilityId === DEFAULT_FACILITY_ID) {
      await Promise.all([...this.#views.values()].filter((view) => view !== this && !view.#feed.subscribed).map((view) => view.close()));
    }
    this.#wing.closed = true;
    this.#feed.detach();
    this.#wing.stop.abort();
    this.#wing.wakeup.close();
    await this.#feed.ended();
  }
}
