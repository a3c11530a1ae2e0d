/**
 * The databases the adapter accepts, typed by shape so that the package never depends on `pg` or
 * PGlite, and the one interface every part of the adapter runs statements through ({@link Driver}),
 * with the function that picks a database's driver ({@link driverFor}). The drivers themselves:
 * `pool-driver.ts` (node-postgres) and `pglite-driver.ts`.
 */
import { invalid } from '../errors.js';
import { pgliteDriver } from './pglite-driver.js';
import { poolDriver, type PoolSettings } from './pool-driver.js';

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
   * `lockTimeoutAt` (-1 for none): in a group that timeout is at most `GROUP_LOCK_TIMEOUT` (`speed/group.ts`), so that a
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
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o['connectionParameters'] === 'object' &&
    o['connectionParameters'] !== null &&
    typeof o['release'] !== 'function'
  );
}

function isPool(db: unknown): db is PgPoolLike {
  const o = db as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && typeof o['connect'] === 'function';
}

/**
 * The driver for a database, or `VALIDATION_FAILED` naming `field`. With `settings`, a pool
 * driver opens each transaction with them (see {@link SETTINGS_SQL}); PGlite has no use for them.
 */
export function driverFor(field: string, db: unknown, prefix: string, settings?: PoolSettings): Driver {
  if (isPGlite(db)) return pgliteDriver(db, settings?.facilityId);
  if (isPgClient(db)) {
    throw invalid(field, `Expected \`${field}\` to be a node-postgres Pool or a PGlite instance, got a node-postgres Client (one connection): pass a pg.Pool`);
  }
  if (isPool(db)) return poolDriver(db, prefix, settings);
  throw invalid(field, `Expected \`${field}\` to be a node-postgres Pool or a PGlite instance`);
}
