import { ErrorSummary, invalid, OpdError, warn } from '../errors.js';
import { Batch, type BatchConnection, type BatchStep, batchFailure } from './batch.js';

/**
 * The result of one statement, as node-postgres and PGlite both return it: rows as objects keyed
 * by column name.
 */
export interface PgResultLike {
  /** The rows. */
  readonly rows: readonly unknown[];
}

/** A notification as node-postgres delivers it. */
export interface PgNotificationLike {
  /** The channel. */
  readonly channel: string;
  /** The payload, if any. */
  readonly payload?: string | undefined;
}

/** A statement with bind parameters, as node-postgres accepts it. */
export interface PgQueryConfigLike {
  /** SQL text with `$1`, `$2`, … placeholders. */
  readonly text: string;
  /** The parameters. */
  readonly values?: readonly unknown[] | undefined;
}

/**
 * The part of a node-postgres `PoolClient` the adapter uses: queries (SQL text, a statement with
 * bind parameters, or a submittable), `release`, and its events.
 */
export interface PgClientLike {
  /** Runs SQL text (one or several statements, no parameters). */
  query(text: string): Promise<unknown>;
  /** Runs one statement with bind parameters. */
  query(config: PgQueryConfigLike): Promise<unknown>;
  /** Returns the client to the pool; a truthy argument destroys it instead. */
  release(destroy?: boolean | Error): void;
  /** Subscribes to `notification`, `error` and `end` events. */
  on?(event: string, listener: (arg: never) => void): unknown;
  /** Unsubscribes a listener added with `on`. */
  removeListener?(event: string, listener: (...args: unknown[]) => void): unknown;
  /** The server process id of the connection (node-postgres sets it). */
  readonly processID?: number | null | undefined;
}

/**
 * The part of a node-postgres `Pool` the adapter uses, typed by shape so that this package never
 * depends on `pg`. Pass a `new pg.Pool({ ... })`.
 */
export interface PgPoolLike {
  /** Checks a client out of the pool. */
  connect(): Promise<PgClientLike>;
}

/** The part of a PGlite transaction the adapter uses. */
export interface PGliteTransactionLike {
  /** Runs one statement with parameters. */
  query(text: string, params?: unknown[]): Promise<PgResultLike>;
  /** Runs SQL text (one or several statements). */
  exec(text: string): Promise<readonly PgResultLike[]>;
}

/**
 * The part of a PGlite instance (`@electric-sql/pglite`) the adapter uses, typed by shape. Pass a
 * `new PGlite()`.
 */
export interface PGliteLike extends PGliteTransactionLike {
  /** Runs a callback in a transaction (PGlite serializes them). */
  transaction<T>(callback: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>;
  /** Subscribes to a notification channel (used by `tail()` and `listen: true`). */
  listen?(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

/** A database the PostgreSQL adapter and `migrate` accept: a node-postgres `Pool` or a PGlite instance. */
export type PostgresDb = PgPoolLike | PGliteLike;

/**
 * What an integrator's code gets inside a unit of work (see `PostgresStorage.withTransaction`): the
 * unit's own connection, in its transaction, before its commit.
 */
export interface PostgresTransactionClient {
  /**
   * Runs one statement with bind parameters on the unit's connection.
   * @returns the rows, as objects keyed by column name
   */
  query(text: string, values?: readonly unknown[]): Promise<PostgresRows>;
}

/** What {@link PostgresTransactionClient.query} returns. */
export interface PostgresRows {
  /** The rows, as objects keyed by column name. */
  readonly rows: readonly Record<string, unknown>[];
}

/** A constant statement of the adapter: named (prepared once per connection) and with `$n` parameters. */
export interface Statement {
  readonly name: string;
  readonly text: string;
  /** Whether its first row's first column (`opd_out`) is the JSON the step answers; other rows are not read. */
  readonly json?: boolean | undefined;
}

/** One step of a round trip: a statement and its parameters (strings, numbers, booleans or null). */
export interface Step {
  readonly statement: Statement;
  readonly values: readonly (string | number | boolean | null)[];
}

/** What one step answered: the `opd_out` column of its first row (parsed JSON) for a statement marked `json`. */
export type Output = unknown;

/**
 * A failure to reach the database, or a connection lost while a call was in flight. `committed`
 * says whether the unit's `COMMIT` had been sent without an answer (`'unknown'`), or certainly
 * did not happen (`'not-committed'`).
 */
export class ConnectionLost extends Error {
  constructor(
    readonly outcome: 'unknown' | 'not-committed',
    readonly original: unknown,
    /** The server process of the lost connection, when known. */
    readonly pid?: number | undefined,
    /** Whether no connection was made at all (the pool could not connect). */
    readonly connecting = false,
  ) {
    super(connecting ? 'Could not connect to PostgreSQL' : 'The connection to PostgreSQL was lost');
  }
}

/**
 * The pool's connections now reach another server than the one the adapter's copy was read from
 * (its postmaster started at another time: a restart after a crash, a failover, a restore), and
 * the step was prepared before the adapter learned it: nothing was sent, and the adapter's copy is
 * dropped (see {@link PoolSettings.onServerChange}). Run the unit again.
 */
export class ServerChanged extends ConnectionLost {
  constructor() {
    super('not-committed', new Error('the server changed'));
  }
}

/** A transaction of one unit of work, open on one connection. */
export interface UnitSession {
  /**
   * Sends steps in one round trip; the first call of a unit is preceded by `BEGIN` (in the same
   * round trip). With `commit`, `COMMIT` follows the steps and then `afterCommit` (in a
   * transaction of its own), still in the same round trip.
   */
  run(steps: readonly Step[], commit?: { readonly afterCommit?: Step | undefined }): Promise<Output[]>;
  /** The unit's connection, for an integrator's own statements (see {@link PostgresTransactionClient}). */
  readonly client: PostgresTransactionClient;
  /** Runs constant SQL text (DDL, several statements, no parameters) in the transaction. */
  exec(text: string): Promise<void>;
}

/** How statements are run on one kind of database. */
export interface Driver {
  readonly kind: 'pool' | 'pglite';
  /**
   * Runs `work` in a transaction. A transaction `work` leaves open is committed; one that throws
   * is rolled back. A lost connection rejects with {@link ConnectionLost}.
   */
  unit<T>(work: (session: UnitSession) => Promise<T>): Promise<T>;
  /** Runs steps as one consistent read-only snapshot (one round trip). */
  snapshot(steps: readonly Step[]): Promise<Output[]>;
  /**
   * Runs one step outside of any explicit transaction; with `afterCommit` (a notification), as a
   * unit of that step followed by the notification after its commit, as {@link UnitSession.run}
   * sends it.
   */
  run(step: Step, afterCommit?: Step): Promise<Output>;
  /**
   * Runs a step in one transaction and one round trip with the other steps given in the same
   * turn of the event loop (a group commit), or as {@link Driver.run} does when it is the only
   * one. For statements that lock what they touch and take their `lock_timeout` as parameter
   * `lockTimeoutAt` (-1 for none): in a group that timeout is at most {@link GROUP_LOCK_TIMEOUT}, so that a
   * doctor held elsewhere holds up no other doctor's unit for long, and the steps run in the order
   * of their `order` key (a doctor id), so that two groups never wait for each other's locks. A
   * group whose transaction the server refuses (one step failed or gave up on a lock, and the
   * others were rolled back with it) runs each step again on its own; a lost connection fails
   * every step of the group alike. With `afterCommit` (a notification, in a transaction of its
   * own after the commit, as {@link UnitSession.run} sends it), the group is sent as one explicit
   * transaction followed by one notification.
   */
  together(step: Step, order: string, lockTimeoutAt: number, afterCommit?: Step): Promise<Output>;
  /** Runs constant SQL text (DDL, no parameters) outside of any explicit transaction. */
  exec(text: string): Promise<void>;
}

/** Whether the value looks like a PGlite instance. */
function isPGlite(db: unknown): db is PGliteLike {
  const o = db as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && typeof o['transaction'] === 'function' && typeof o['exec'] === 'function' && typeof o['query'] === 'function';
}

/**
 * Whether `db` is a node-postgres `Client`: it has a `connect` too, which connects it rather than
 * lending a client, so every call would fail as a lost connection. A pool has no connection
 * parameters of its own.
 */
function isPgClient(db: unknown): boolean {
  const o = db as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && typeof o['connectionParameters'] === 'object' && o['connectionParameters'] !== null && typeof o['release'] !== 'function';
}

function isPool(db: unknown): db is PgPoolLike {
  const o = db as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && typeof o['connect'] === 'function';
}

/**
 * What a pool driver sets at the start of every transaction it opens, in the same round trip and
 * before any other statement of it (see {@link SETTINGS_SQL}).
 */
export interface PoolSettings {
  /** PostgreSQL's `statement_timeout` for every statement of the transaction, in ms (`0`: none). */
  readonly statementTimeout: number;
  /**
   * Called when a new connection of the pool reports another server than the earlier ones did
   * (`pg_postmaster_start_time()` differs: a restart, a failover, a restore, where units
   * acknowledged before may be lost). With it, each new connection is asked once, before its first
   * use; a step prepared before the change is then refused with {@link ServerChanged}, unsent.
   */
  readonly onServerChange?: (() => void) | undefined;
}

/**
 * The statement that opens every transaction of a pool driver given {@link PoolSettings}, settings
 * local to the transaction, so that a pooled connection goes back to the pool as it came:
 *
 * - `statement_timeout`, `$1`. PostgreSQL arms a statement's timeout when the statement starts,
 *   so one set inside a statement (as the functions do) bounds only the statements after it: set
 *   here, it bounds every statement of the transaction, a wait for a doctor's lock included.
 * - `log_parameter_max_length_on_error = 0`: a failing statement (a lock timeout, a constraint)
 *   is logged, and reported in its error's context, without its bind parameters (the change set,
 *   with the patient), whatever a DBA set for the role or the database. PostgreSQL reads it when
 *   a statement's parameters are bound, so it too must be set before the statement. Any user may
 *   set it (`pg_settings.context` is `user`); a server without it (before PostgreSQL 13, which
 *   never logs parameters on error) is left alone rather than refused.
 */
export const SETTINGS_SQL =
  "SELECT set_config('statement_timeout', $1::text, true), " +
  "CASE WHEN current_setting('log_parameter_max_length_on_error', true) IS NOT NULL THEN set_config('log_parameter_max_length_on_error', '0', true) END";

/** Which server a connection reaches: its postmaster's start time (a restart, a failover or a restore changes it). */
const SERVER_SQL = 'SELECT pg_postmaster_start_time()::text AS server';

/**
 * The driver for a database, or `VALIDATION_FAILED` naming `field`. With `settings`, a pool
 * driver opens each transaction with them (see {@link SETTINGS_SQL}); PGlite has no use for them.
 */
export function driverFor(field: string, db: unknown, prefix: string, settings?: PoolSettings): Driver {
  if (isPGlite(db)) return pgliteDriver(db);
  if (isPgClient(db)) {
    throw invalid(field, `Expected \`${field}\` to be a node-postgres Pool or a PGlite instance, got a node-postgres Client (one connection): pass a pg.Pool`);
  }
  if (isPool(db)) return poolDriver(db, prefix, settings);
  throw invalid(field, `Expected \`${field}\` to be a node-postgres Pool or a PGlite instance`);
}

/** SQLSTATE classes and codes that mean the session is gone. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof ConnectionLost) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return true;
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('E') || code === 'ECONNRESET';
}

/** Whether a driver error came from the server (an `ErrorResponse` with a SQLSTATE). */
function hasSqlState(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** Whether a driver error means the connection is gone (rather than a statement refused by the server). */
function isLost(error: unknown): boolean {
  return !hasSqlState(error) || isConnectionError(error);
}

/**
 * SQLSTATEs of statements the server refused without running anything that outlives the
 * transaction: a constraint or a value refused (classes 23 and 22), the functions' own refusals
 * (`OPD01`, `OPD02`), and a lock not had (a lock timeout, a deadlock, a serialization failure:
 * each raised while waiting, before the lock is granted).
 */
const HARMLESS = new Set(['40001', '40P01', '55P03', 'OPD01', 'OPD02']);

/**
 * Whether a client whose statement failed this way must be destroyed rather than returned to the
 * pool: it may have left state in its session that the next caller would inherit. A cancel
 * (`57014`: a `statement_timeout` or `pg_cancel_backend` lands between any two statements of a
 * function, also right after a session-level lock was granted), prepared statements gone
 * (`26000`: a `DEALLOCATE ALL`; every later statement of the adapter on it would fail), a lost or
 * unknown failure, and every other code but the {@link HARMLESS} ones.
 */
function leavesSessionInDoubt(error: unknown): boolean {
  if (!hasSqlState(error)) return true;
  const code = (error as { code: string }).code;
  return !(HARMLESS.has(code) || code.startsWith('22') || code.startsWith('23'));
}

/**
 * Who holds each client the drivers have seen, so that an `error` event reaches the unit that
 * holds the client. node-postgres emits `error` on a client whose connection dies — also between
 * two queries, on a client just returned to the pool, and (a race of the pool) on a client whose
 * backend died in the same network read that finished its connection, before the pool's caller
 * runs — and with no listener the process would exit. So every client gets one listener for its
 * whole life, from the pool's `connect` event on. Weak maps: shared by every adapter of the
 * process, they keep nothing alive and hold no state a scheduler could observe.
 */
const holders = new WeakMap<object, Held | undefined>();
const guardedPools = new WeakSet<object>();

function guard(client: PgClientLike): void {
  if (holders.has(client)) return;
  holders.set(client, undefined);
  client.on?.('error', ((error: unknown) => {
    const holder = holders.get(client);
    if (holder !== undefined) holder.lost ??= error;
  }) as (arg: never) => void);
}

/** The part of a node-postgres `Pool` that is an `EventEmitter`, as {@link guardPool} uses it. */
interface PoolEvents {
  on?(event: string, listener: (arg: never) => void): unknown;
  listenerCount?(event: string): number;
}

/**
 * Gives every client of the pool its `error` listener (see {@link guard}) and, when the host set
 * no `error` listener on the pool itself, one that reports instead of crashing: node-postgres
 * emits `error` on the pool when an idle client's connection dies (a server restart, a failover,
 * an idle-session timeout), and an `EventEmitter` with no listener for it throws, ending the
 * process. It reports each such error as a process warning, `OPD_POOL_ERROR`, naming the error's
 * class and code only (never its message), and stays silent once the host has a listener of its
 * own (added later): the pool's errors are then the host's to report.
 */
function guardPool(pool: PgPoolLike): void {
  if (guardedPools.has(pool)) return;
  guardedPools.add(pool);
  const events = pool as PoolEvents;
  events.on?.('connect', guard as (arg: never) => void);
  if (typeof events.on !== 'function' || typeof events.listenerCount !== 'function' || events.listenerCount('error') > 0) return;
  const report = (error: unknown): void => {
    try {
      if ((events.listenerCount?.('error') ?? 1) > 1) return;
    } catch {
      // report it anyway
    }
    const { kind, code } = new ErrorSummary(error);
    warn(
      `An idle client of the node-postgres pool given to opd-scheduler failed (${kind}${code === undefined ? '' : ` ${code}`}); the pool drops it and ` +
        "connects again when needed. The pool has no 'error' listener of its own: opd-scheduler reports this in its place so that the process does not exit; add pool.on('error', …).",
      'OPD_POOL_ERROR',
    );
  };
  events.on('error', report as (arg: never) => void);
}

/** A checked-out client and the error its connection reported while held, if any. */
class Held {
  /** The error the connection reported while held, if any. */
  lost: unknown;
  /** Why the client must not go back to the pool as is (a failed connection, a failed rollback). */
  failed: unknown;
  constructor(readonly client: PgClientLike) {
    guard(client);
    holders.set(client, this);
  }
  /** Returns the client; a client whose connection failed (or is in doubt) is destroyed. */
  release(destroy: unknown): void {
    const reason = destroy ?? this.lost;
    holders.set(this.client, undefined);
    try {
      this.client.release(reason === undefined ? undefined : reason instanceof Error ? reason : new Error('connection lost'));
    } catch {
      // released already (the pool ended it)
    }
  }
}

/** Sends steps in one round trip on a held client; rejects with the driver's error (and the batch's facts). */
function send(held: Held, steps: readonly BatchStep[]): Promise<Output[]> {
  if (held.lost !== undefined) return Promise.reject(held.lost);
  return new Promise((resolve, reject) => {
    const batch = new Batch(steps, resolve, reject);
    void (held.client.query(batch as unknown as PgQueryConfigLike) as Promise<unknown> | undefined)?.catch?.(ignore);
  });
}

const ignore = (): undefined => undefined;

/** A step given to {@link Driver.together}, waiting for its group. */
interface Together {
  /** The server generation when the step was given (see `checkout`). */
  readonly generation: number;
  readonly step: Step;
  readonly order: string;
  readonly lockTimeoutAt: number;
  readonly afterCommit: Step | undefined;
  readonly resolve: (out: Output) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * How long a step sent in a group commit waits for a lock (PostgreSQL's `lock_timeout`, in ms)
 * before the group gives up and its steps go again on their own: long enough for another
 * process's unit of that doctor to finish, short enough that a doctor held elsewhere (an
 * integrator's open transaction) holds up the other doctors of the group for no longer than this.
 */
export const GROUP_LOCK_TIMEOUT = 100;

const notifies = (waiting: Together): boolean => waiting.afterCommit !== undefined;

/** A step as sent in a group: its lock timeout the shorter of its own and {@link GROUP_LOCK_TIMEOUT} (0 is none at all). */
function groupedStep(waiting: Together): Step {
  const { step, lockTimeoutAt } = waiting;
  if (lockTimeoutAt < 0 || lockTimeoutAt >= step.values.length) return step;
  const own = Number(step.values[lockTimeoutAt]);
  if (own > 0 && own <= GROUP_LOCK_TIMEOUT) return step;
  const values = step.values.slice();
  values[lockTimeoutAt] = GROUP_LOCK_TIMEOUT;
  return { statement: step.statement, values };
}
const byOrder = (a: Together, b: Together): number => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0);

/** The constant statements of a pool driver, named with the adapter's prefix. */
interface PoolStatements {
  readonly begin: Statement;
  readonly beginRead: Statement;
  readonly commit: Statement;
  readonly rollback: Statement;
  /** What opens every transaction, after `BEGIN` where there is one: the settings step, or nothing. */
  readonly lead: readonly Step[];
}

/** Rolls back a held client's transaction; the error if that failed (then the client must be destroyed). */
async function rollback(held: Held, statements: PoolStatements): Promise<unknown> {
  try {
    await send(held, [{ statement: statements.rollback, values: [] }]);
    return undefined;
  } catch (error) {
    return error ?? new Error('ROLLBACK failed');
  }
}

/**
 * One unit of work on a pool's client: its transaction opens with the first round trip and
 * closes with the one that carries `COMMIT`. One object per unit, its methods on the prototype
 * (no closures made per unit).
 */
class PoolUnit implements UnitSession {
  /** Whether `BEGIN` was sent. */
  open = false;
  /** Whether `COMMIT` answered. */
  done = false;
  /** Whether the unit is over (its client released): its `client` then refuses every statement. */
  ended = false;
  /** Why the client must be destroyed rather than returned to the pool, if it must. */
  destroy: unknown;
  /**
   * Whether the client is destroyed if the unit fails, whatever the error: one of the adapter's
   * statements failed in a way that may leave state in the session (see
   * {@link leavesSessionInDoubt}), or the integrator's work ran a statement (which may leave
   * anything there: a session-level lock, a setting, `DEALLOCATE ALL`).
   */
  tainted = false;
  #client: PostgresTransactionClient | undefined;

  constructor(
    readonly held: Held,
    readonly statements: PoolStatements,
  ) {}

  async run(steps: readonly Step[], finish?: { readonly afterCommit?: Step | undefined }): Promise<Output[]> {
    const list: BatchStep[] = [];
    const lead = this.statements.lead;
    const offset = this.open ? 0 : 1 + lead.length;
    if (!this.open) {
      list.push({ statement: this.statements.begin, values: [] });
      for (let i = 0; i < lead.length; i++) list.push(lead[i]!);
    }
    for (let i = 0; i < steps.length; i++) list.push(steps[i]!);
    let commitAt = -1;
    if (finish !== undefined) {
      commitAt = list.length;
      list.push({ statement: this.statements.commit, values: [] });
      if (finish.afterCommit !== undefined) list.push(finish.afterCommit);
    }
    this.open = true;
    const held = this.held;
    try {
      const out = await send(held, list);
      if (finish !== undefined) this.done = true;
      return offset === 0 && out.length === steps.length ? out : out.slice(offset, offset + steps.length);
    } catch (error) {
      if (leavesSessionInDoubt(error)) this.tainted = true;
      const { submitted, completedSteps: completed, completedOutputs } = batchFailure(error);
      if (commitAt >= 0 && completed > commitAt) {
        // COMMIT answered; only the notification after it failed: the unit is done.
        this.done = true;
        this.destroy = leavesSessionInDoubt(error) ? error : undefined;
        return completedOutputs.slice(offset, offset + steps.length);
      }
      if (isLost(error) || held.lost !== undefined) {
        this.destroy = error;
        // COMMIT went out with the round trip: unless the server answered an error for a
        // step before it (then it skipped the rest), the unit may have committed.
        const before = hasSqlState(error) && completed < commitAt;
        const outcome = commitAt >= 0 && submitted && !before ? 'unknown' : 'not-committed';
        throw new ConnectionLost(outcome, error, held.client.processID ?? undefined);
      }
      throw error;
    }
  }

  async exec(text: string): Promise<void> {
    await this.direct(text);
  }

  /** The unit's connection for an integrator's statements (made when first asked for). */
  get client(): PostgresTransactionClient {
    this.#client ??= {
      query: async (text, values = []) => ({ rows: ((await this.direct({ text, values })) as { rows: Record<string, unknown>[] }).rows }),
    };
    return this.#client;
  }

  /** A statement of the integrator or of `migrate`, sent as is on the unit's connection. */
  async direct(query: string | PgQueryConfigLike): Promise<unknown> {
    if (this.ended) throw endedUnit();
    const held = this.held;
    if (held.lost !== undefined) throw new ConnectionLost('not-committed', held.lost);
    if (!this.open) await this.run([]);
    this.tainted = true;
    try {
      return await held.client.query(query as PgQueryConfigLike);
    } catch (error) {
      if (!isLost(error)) throw error;
      this.destroy = error;
      throw new ConnectionLost('not-committed', error);
    }
  }
}

function poolDriver(pool: PgPoolLike, prefix: string, settings: PoolSettings | undefined): Driver {
  guardPool(pool);
  const lead: Step[] = settings === undefined ? [] : [{ statement: { name: `${prefix}_settings`, text: SETTINGS_SQL }, values: [String(settings.statementTimeout)] }];
  const statements: PoolStatements = {
    begin: { name: `${prefix}_begin`, text: 'BEGIN' },
    beginRead: { name: `${prefix}_begin_ro`, text: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
    commit: { name: `${prefix}_commit`, text: 'COMMIT' },
    rollback: { name: `${prefix}_rollback`, text: 'ROLLBACK' },
    lead,
  };
  /**
   * Steps sent as one implicit transaction (no `BEGIN`: the steps before the Sync), opened by the
   * settings; the answers of `steps` alone.
   */
  const implicit = async (held: Held, steps: readonly Step[]): Promise<Output[]> => {
    if (lead.length === 0) return send(held, steps);
    return (await send(held, [...lead, ...steps])).slice(lead.length);
  };

  const onServerChange = settings?.onServerChange;
  /** The server the pool's connections reached (`pg_postmaster_start_time()`), once one was asked. */
  let server: string | undefined;
  /** How many times the server changed: a step prepared at an earlier generation is never sent. */
  let generation = 0;
  /**
   * Connections asked which server they reach: by node-postgres's `connection` of the client, the
   * same for every checkout of one connection (a wrapper may hand out a new object each time).
   */
  const asked = new WeakSet<object>();
  const connectionOf = (client: PgClientLike): object => {
    const connection = (client as { connection?: unknown }).connection;
    return typeof connection === 'object' && connection !== null ? connection : client;
  };

  /**
   * A client of the pool. With `onServerChange`, a connection not asked yet is asked which server
   * it reaches (one round trip, once per connection); `at`: the generation the caller's steps were
   * prepared at, refused with {@link ServerChanged} (the client released, nothing sent) once the
   * server changed since.
   */
  const checkout = async (at?: number): Promise<Held> => {
    let held: Held;
    try {
      held = new Held(await pool.connect());
    } catch (error) {
      throw new ConnectionLost('not-committed', error, undefined, true);
    }
    if (onServerChange !== undefined && !asked.has(connectionOf(held.client))) {
      let seen: unknown;
      try {
        if (held.lost !== undefined) throw held.lost;
        seen = ((await held.client.query(SERVER_SQL)) as { rows?: { server?: unknown }[] } | undefined)?.rows?.[0]?.server;
      } catch (error) {
        held.release(error ?? new Error('connection lost'));
        throw new ConnectionLost('not-committed', error, held.client.processID ?? undefined);
      }
      asked.add(connectionOf(held.client));
      if (typeof seen === 'string') {
        if (server !== undefined && seen !== server) {
          generation++;
          onServerChange();
        }
        server = seen;
      }
    }
    if (at !== undefined && at !== generation) {
      held.release(undefined);
      throw new ServerChanged();
    }
    return held;
  };

  /**
   * Runs `work` on a client of its own, outside of any unit. A lost connection rejects with
   * {@link ConnectionLost} (`outcome` for a statement that may have run) and destroys the client.
   */
  const outside = async <T>(outcome: ConnectionLost['outcome'], work: (held: Held) => Promise<T>, at?: number): Promise<T> => {
    const held = await checkout(at);
    try {
      return await work(held);
    } catch (error) {
      if (!isLost(error)) {
        if (leavesSessionInDoubt(error)) held.failed ??= error;
        throw error;
      }
      held.failed = error;
      throw new ConnectionLost(outcome, error, held.client.processID ?? undefined);
    } finally {
      held.release(held.failed);
    }
  };

  const runAt = (at: number, step: Step, afterCommit?: Step): Promise<Output> =>
    afterCommit === undefined ? outside('unknown', async (held) => (await implicit(held, [step]))[0], at) : unitAt(at, async (tx) => (await tx.run([step], { afterCommit }))[0]);
  const run = (step: Step, afterCommit?: Step): Promise<Output> => runAt(generation, step, afterCommit);

  /** Steps waiting for the end of the turn to go together (see {@link Driver.together}). */
  let group: Together[] = [];
  const alone = (waiting: Together): void => {
    runAt(waiting.generation, waiting.step, waiting.afterCommit).then(waiting.resolve, waiting.reject);
  };
  const flush = (): void => {
    const steps = group;
    group = [];
    if (steps.length === 1) return alone(steps[0]!);
    steps.sort(byOrder);
    const afterCommit = steps.find(notifies)?.afterCommit;
    const at = Math.min(...steps.map((waiting) => waiting.generation));
    const sent = afterCommit === undefined ? outside('unknown', (held) => implicit(held, steps.map(groupedStep)), at) : unitAt(at, (tx) => tx.run(steps.map(groupedStep), { afterCommit }));
    sent.then(
      (out) => {
        for (let i = 0; i < steps.length; i++) steps[i]!.resolve(out[i]);
      },
      (error: unknown) => {
        if (error instanceof ConnectionLost) {
          for (const waiting of steps) waiting.reject(error);
          return;
        }
        // The server refused one step, so the transaction wrote nothing: each step again, alone.
        for (const waiting of steps) alone(waiting);
      },
    );
  };

  /** A unit whose steps may have been prepared at server generation `at` (see `checkout`). */
  const unitAt = async <T>(at: number, work: (session: UnitSession) => Promise<T>): Promise<T> => {
    const unit = new PoolUnit(await checkout(at), statements);
    try {
      const result = await work(unit);
      if (unit.open && !unit.done) {
        await unit.run([], {});
      }
      return result;
    } catch (error) {
      if (unit.open && !unit.done && unit.destroy === undefined && !(error instanceof ConnectionLost)) unit.destroy = await rollback(unit.held, statements);
      if (error instanceof ConnectionLost) unit.destroy ??= error.original ?? error;
      // A unit whose statement failed so (or whose integrator's work ran one) may leave its
      // session holding what a rollback does not end — a session-level lock, a setting,
      // prepared statements gone: its connection is not lent again.
      if (unit.tainted) unit.destroy ??= error instanceof Error ? error : new Error('unit of work failed');
      throw error;
    } finally {
      unit.ended = true;
      unit.held.release(unit.destroy);
    }
  };

  const driver: Driver = {
    kind: 'pool',
    unit: (work) => unitAt(generation, work),
    snapshot(steps) {
      return outside('not-committed', async (held) => {
        try {
          const out = await send(held, [{ statement: statements.beginRead, values: [] }, ...lead, ...steps, { statement: statements.commit, values: [] }]);
          return out.slice(1 + lead.length, 1 + lead.length + steps.length);
        } catch (error) {
          // A refused statement left the read-only transaction open (aborted): end it.
          if (!isLost(error)) held.failed = await rollback(held, statements);
          throw error;
        }
      });
    },
    run,
    together(step, order, lockTimeoutAt, afterCommit) {
      return new Promise<Output>((resolve, reject) => {
        if (group.length === 0) setImmediate(flush);
        group.push({ generation, step, order, lockTimeoutAt, afterCommit, resolve, reject });
      });
    },
    exec(text) {
      return outside('unknown', async (held) => {
        if (held.lost !== undefined) throw held.lost;
        await held.client.query(text);
      });
    },
  };
  return driver;
}

/** What a unit's transaction client answers once its unit is over (a `tx` kept past `work`). */
function endedUnit(): OpdError {
  return new OpdError('STORAGE_FAILURE', 'The unit of work of this transaction client has ended: send its statements from inside `work`', {
    details: { adapter: 'postgres', outcome: 'not-committed' },
  });
}

/** The `opd_out` column of a PGlite result (PGlite parses `json` itself). */
function pgliteOut(result: PgResultLike): Output {
  const row = result.rows[0] as Record<string, unknown> | undefined;
  return row === undefined ? undefined : row['opd_out'];
}

function pgliteDriver(db: PGliteLike): Driver {
  // PGlite is one in-process connection: its transactions never overlap, timeouts are moot, and
  // the connection cannot be lost.
  const runAll = async (tx: PGliteTransactionLike, steps: readonly Step[]): Promise<Output[]> => {
    const out: Output[] = [];
    for (const step of steps) out.push(pgliteOut(await tx.query(step.statement.text, [...step.values])));
    return out;
  };
  const run = async (step: Step, afterCommit?: Step): Promise<Output> => {
    if (afterCommit === undefined) return pgliteOut(await db.query(step.statement.text, [...step.values]));
    return db.transaction(async (tx) => (await runAll(tx, [step, afterCommit]))[0]);
  };
  return {
    kind: 'pglite',
    async unit(work) {
      let ended = false;
      try {
        return await db.transaction((tx) =>
          work({
            run: async (steps, finish) => {
              const out = await runAll(tx, steps);
              if (finish?.afterCommit !== undefined) await runAll(tx, [finish.afterCommit]);
              return out;
            },
            client: {
              query: async (text, values = []) => {
                if (ended) throw endedUnit();
                return { rows: (await tx.query(text, [...values])).rows as Record<string, unknown>[] };
              },
            },
            exec: async (text) => {
              await tx.exec(text);
            },
          }),
        );
      } finally {
        ended = true;
      }
    },
    snapshot(steps) {
      return db.transaction((tx) => runAll(tx, steps));
    },
    run,
    // One in-process connection: nothing to gain from a group.
    together: (step, _order, _lockTimeoutAt, afterCommit) => run(step, afterCommit),
    async exec(text) {
      await db.exec(text);
    },
  };
}

export type { BatchConnection };
export { guard as guardClient, guardPool };
