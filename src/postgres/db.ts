import { invalid } from '../errors.js';

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

/**
 * The part of a node-postgres `PoolClient` the adapter uses: simple-protocol queries (several
 * statements in one round trip), `release`, and events for `listen: true`.
 */
export interface PgClientLike {
  /** Runs SQL text (one or several statements). */
  query(text: string): Promise<unknown>;
  /** Returns the client to the pool; a truthy argument destroys it instead. */
  release(destroy?: boolean | Error): void;
  /** Subscribes to `notification`, `error` and `end` events (only used with `listen: true`). */
  on?(event: string, listener: (arg: never) => void): unknown;
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
  /** Subscribes to a notification channel (only used with `listen: true`). */
  listen?(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

/** A database the PostgreSQL adapter and `migrate` accept: a node-postgres `Pool` or a PGlite instance. */
export type PostgresDb = PgPoolLike | PGliteLike;

/** Runs SQL text inside a transaction, returning every statement's result. */
export type Runner = (text: string) => Promise<readonly PgResultLike[]>;

/** How a transaction is run on one kind of database. */
export interface Driver {
  readonly kind: 'pool' | 'pglite';
  /**
   * Runs `work` in a transaction. The first call of the runner is prefixed with `begin` (for a
   * pool, in the same round trip); when `work` passes `last: true`, `COMMIT` is appended to
   * that call's text (for a pool, in the same round trip), then `afterCommit`, which runs in a
   * transaction of its own (with PGlite: before the commit, in the same transaction). A
   * transaction `work` leaves open is committed; one that throws is rolled back.
   */
  transaction<T>(begin: string, work: (run: (text: string, last?: boolean, afterCommit?: string) => Promise<readonly PgResultLike[]>) => Promise<T>): Promise<T>;
  /** Runs read-only SQL text as one consistent snapshot. */
  snapshot(text: string): Promise<readonly PgResultLike[]>;
  /** Runs SQL text outside of any explicit transaction. */
  run(text: string): Promise<readonly PgResultLike[]>;
}

function results(value: unknown): readonly PgResultLike[] {
  if (Array.isArray(value)) return value as PgResultLike[];
  return [value as PgResultLike];
}

/** Whether the value looks like a PGlite instance. */
function isPGlite(db: unknown): db is PGliteLike {
  const o = db as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && typeof o['transaction'] === 'function' && typeof o['exec'] === 'function' && typeof o['query'] === 'function';
}

function isPool(db: unknown): db is PgPoolLike {
  const o = db as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && typeof o['connect'] === 'function';
}

/** The driver for a database, or `VALIDATION_FAILED` naming `field`. */
export function driverFor(field: string, db: unknown): Driver {
  if (isPGlite(db)) return pgliteDriver(db);
  if (isPool(db)) return poolDriver(db);
  throw invalid(field, `Expected \`${field}\` to be a node-postgres Pool or a PGlite instance`);
}

/**
 * Rolls back a failed transaction. A client whose `ROLLBACK` failed is in an unknown state: the
 * error returned is given to `release` so that the pool destroys the client instead of reusing it.
 */
async function rollback(client: PgClientLike): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (failed) {
    return failed instanceof Error ? failed : new Error('ROLLBACK failed');
  }
}

function poolDriver(pool: PgPoolLike): Driver {
  return {
    kind: 'pool',
    async transaction(begin, work) {
      const client = await pool.connect();
      let open = false;
      let committed = false;
      let destroy: Error | undefined;
      try {
        let first = true;
        const result = await work(async (text, last = false, afterCommit) => {
          const sql = `${first ? `${begin};` : ''}${text}${last ? `;COMMIT${afterCommit === undefined ? '' : `;${afterCommit}`}` : ''}`;
          first = false;
          open = true;
          const out = results(await client.query(sql));
          if (last) committed = true;
          return out;
        });
        if (open && !committed) {
          await client.query('COMMIT');
          committed = true;
        }
        return result;
      } catch (error) {
        if (open && !committed) destroy = await rollback(client);
        throw error;
      } finally {
        client.release(destroy);
      }
    },
    async snapshot(text) {
      const client = await pool.connect();
      let destroy: Error | undefined;
      try {
        return results(await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;${text};COMMIT`));
      } catch (error) {
        destroy = await rollback(client);
        throw error;
      } finally {
        client.release(destroy);
      }
    },
    async run(text) {
      const client = await pool.connect();
      let destroy: Error | undefined;
      try {
        return results(await client.query(text));
      } catch (error) {
        destroy = error instanceof Error ? error : undefined;
        throw error;
      } finally {
        client.release(destroy);
      }
    },
  };
}

function pgliteDriver(db: PGliteLike): Driver {
  // PGlite is one in-process connection: its transactions never overlap, timeouts are moot.
  return {
    kind: 'pglite',
    transaction(_begin, work) {
      return db.transaction((tx) => work((text, _last, afterCommit) => tx.exec(afterCommit === undefined ? text : `${text};${afterCommit}`)));
    },
    snapshot(text) {
      return db.transaction((tx) => tx.exec(text));
    },
    run(text) {
      return db.exec(text);
    },
  };
}

/**
 * A dollar-quoted SQL literal: immune to `standard_conforming_strings` and to every character
 * JSON text can hold.
 */
export function quote(text: string): string {
  let tag = 'opd';
  for (let n = 0; text.includes(`$${tag}$`); n++) tag = `opd${n}`;
  return `$${tag}$${text}$${tag}$`;
}

/** The value of the column `opd_out` in the first result that has one. */
export function output(rows: readonly PgResultLike[]): unknown {
  for (const result of rows) {
    const row = result?.rows?.[0] as Record<string, unknown> | undefined;
    if (row !== undefined && 'opd_out' in row) return row['opd_out'];
  }
  return undefined;
}
