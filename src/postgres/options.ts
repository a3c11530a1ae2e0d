/**
 * Reading the options of the adapter's public entry points (`new PostgresStorage`, `migrate`):
 * each field read once, every failure a `VALIDATION_FAILED` naming the option, never a raw error.
 */
import { invalid } from '../errors.js';
import { describe, shown } from '../time.js';
import { expectInteger, readInput } from '../validate.js';
import type { PostgresDb } from './db.js';
import { schemaName, type SchemaName } from './schema.js';

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
   *
   * For PostgreSQL run highly available (pg_auto_failover: a primary and a synchronous standby),
   * a list with one pool per host, `[pool1, pool2]`: every unit of work runs on the host that
   * accepts writes (asked of every host: `pg_is_in_recovery()`, `transaction_read_only`, and the
   * timeline, so that an old primary back before it was demoted is never taken), and when
   * it stops doing so (a lost connection, a write refused as read-only, its server restarted, a
   * read whose transaction finds it in recovery) the hosts are asked again, with backoff, for up
   * to {@link PostgresStorageOptions.failoverTimeout}: the adapter follows the primary across a
   * failover without a restart, also when it made no call while the failover happened. Give each pool a `connectionTimeoutMillis`, so
   * that a host that does not answer is given up quickly. See docs/storage.md, "High availability".
   */
  readonly db: PostgresDb | readonly PostgresDb[];
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
  /**
   * Hot standbys of the cluster, one pool each (`[standbyPool]`), that serve the display reads —
   * `read()` of one doctor: a scheduler's `getToken` (a patient's position and estimate),
   * `getSlot`, `getSchedule`, `getWaitlist`, availability and the boards built on them — and the
   * events of one doctor-day (`dayHistory`: what `explain` and `fairness` read of them), with
   * read-your-writes: after a call of this adapter that wrote, the primary is asked its WAL
   * position once (`pg_current_wal_lsn()`, one question shared by the reads waiting for it), and a
   * read runs on a standby only if, in the same round trip and before the read's statement takes
   * its snapshot, the standby says it is in recovery and has replayed that position
   * (`pg_last_wal_replay_lsn()`); a read never sees less than an earlier read of the adapter saw.
   * Reads take the standbys in turn. A standby that has not replayed it yet is given a moment,
   * then the next standby is asked, then the primary serves the read; a standby that fails, or is
   * no longer in recovery (promoted, or an old primary not demoted yet), is left alone for a
   * second and asked again after, so that an old primary that rejoined as a standby serves reads
   * again. Units of work (every decision), `history`, `tail`, the days `stats` and `fairness` scan
   * and the other reads run on the primary. Give each pool a `connectionTimeoutMillis`. The same
   * list as `db` works: the host that is the primary answers the guard as not in recovery and is
   * skipped. See docs/storage.md, "Reads on standbys".
   */
  readonly read?: readonly PostgresDb[] | undefined;
  /**
   * With `db` a list of hosts: `'standby'` is `read` given the same list (the hosts other than the
   * primary serve the display reads, with read-your-writes); `'primary'` reads on the primary
   * alone. Ignored for a single database, and when `read` is given.
   * @defaultValue `'primary'`
   */
  readonly readFrom?: 'primary' | 'standby' | undefined;
  /**
   * With `db` a list of hosts: milliseconds a call waits for a host that accepts writes — while
   * a failover promotes a standby — before it fails with `STORAGE_FAILURE` (`details.outcome`
   * `'not-committed'`); one still waiting when the storage is closed fails at once. Ignored for a
   * single database.
   * @defaultValue 30000
   */
  readonly failoverTimeout?: number | undefined;
}

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'db',
  'schema',
  'lockTimeout',
  'statementTimeout',
  'retries',
  'listen',
  'enforceSlotLimit',
  'groupCommit',
  'read',
  'readFrom',
  'failoverTimeout',
]);

/** The options of a {@link PostgresStorage} as read and checked, before its database is touched. */
export interface StorageSettings {
  /** The database as given, not checked yet (see `driverFor`). */
  readonly db: unknown;
  readonly schema: SchemaName;
  readonly lockTimeout: number;
  readonly statementTimeout: number;
  readonly retries: number;
  readonly listen: boolean;
  readonly enforceSlotLimit: boolean;
  readonly groupCommit: boolean;
  /** The standbys' databases, as given, not checked yet (see `driverFor`); empty when none. */
  readonly read: readonly unknown[];
  readonly failoverTimeout: number;
}

/**
 * Reads and checks the options of `new PostgresStorage` (each read once, into a copy: a getter that
 * throws, or answers one thing when checked and another when used, is refused naming the option).
 * @throws OpdError `VALIDATION_FAILED` naming the option (`details.field`) that is invalid, unknown
 *   or cannot be read, or naming `options` for anything but an object
 */
export function readStorageOptions(options: PostgresStorageOptions): StorageSettings {
  const o = readOptions('PostgresStorage', options, OPTION_KEYS);
  const db = o['db'];
  const schema = schemaName('schema', o['schema'] ?? 'public');
  const lockTimeout = milliseconds('lockTimeout', o['lockTimeout'], 5000);
  const statementTimeout = milliseconds('statementTimeout', o['statementTimeout'], 30_000);
  const retries = expectInteger('retries', o['retries'] ?? 5, 0, 100);
  const listen = flag('listen', o['listen']);
  const enforceSlotLimit = flag('enforceSlotLimit', o['enforceSlotLimit']);
  const groupCommit = o['groupCommit'] === undefined || flag('groupCommit', o['groupCommit']);
  // The feed holds a client of the pool while subscribed: a pool with no other one would leave
  // every call (and `close()`, which waits for them) waiting for a client for ever. Checked
  // before the pool is touched; a db whose fields cannot be read is refused naming `db`.
  if (listen) readInput('db', () => (Array.isArray(db) ? db.forEach((host) => assertRoomForFeed('listen', host)) : assertRoomForFeed('listen', db)));
  const readFrom = o['readFrom'] ?? 'primary';
  if (readFrom !== 'primary' && readFrom !== 'standby') throw invalid('readFrom', `Expected \`readFrom\` to be 'primary' or 'standby', got ${shown(readFrom)}`);
  const failoverTimeout = milliseconds('failoverTimeout', o['failoverTimeout'], 30_000);
  const given = o['read'];
  if (given !== undefined && (!Array.isArray(given) || given.length === 0))
    throw invalid('read', 'Expected `read` to list at least one database (one pool per standby)');
  const read: readonly unknown[] = given !== undefined ? [...(given as unknown[])] : readFrom === 'standby' && Array.isArray(db) ? [...(db as unknown[])] : [];
  return { db, schema, lockTimeout, statementTimeout, retries, listen, enforceSlotLimit, groupCommit, read, failoverTimeout };
}

/**
 * The fields `keys` of an options object, each read once into a new object without a prototype
 * (an absent field reads as `undefined`), so that what is checked is what is used.
 *
 * @param owner - the function or class whose options they are, for the messages
 * @param value - the options as given
 * @param keys - the known options; any other own key is refused (a typo must not be ignored)
 * @throws OpdError `VALIDATION_FAILED` naming `options` for anything but an object (or one whose
 *   keys cannot be read), or naming the option that is unknown or whose getter throws
 */
export function readOptions(owner: string, value: unknown, keys: ReadonlySet<string>): Record<string, unknown> {
  let array = false;
  try {
    array = Array.isArray(value);
  } catch {
    // a revoked proxy: refused below, as its keys cannot be read
  }
  if (typeof value !== 'object' || value === null || array) {
    throw invalid('options', `Expected the options of \`${owner}\` to be an object, got ${describe(value)}`);
  }
  let own: string[];
  try {
    own = Object.keys(value);
  } catch {
    throw invalid('options', `Could not read the options of \`${owner}\``);
  }
  for (const key of own) {
    if (!keys.has(key)) {
      const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
      throw invalid(key, `Unknown option \`${shown}\` of \`${owner}\` (its options: ${[...keys].join(', ')})`);
    }
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of keys) out[key] = readInput(key, () => (value as Record<string, unknown>)[key]);
  return out;
}

/**
 * `VALIDATION_FAILED` naming `field` when `db` is a node-postgres pool whose `options.max` leaves
 * no client for the units once the adapter's feed (a `listen: true` feed or a `tail()`, which share
 * one LISTEN connection) holds one: the rule is one extra connection per feed, so at least 2. A
 * pool that does not say its `max` (a pool-like object, PGlite) is not checked.
 */
export function assertRoomForFeed(field: string, db: unknown): void {
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
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > 2_147_483_647)
    throw invalid(field, `Expected \`${field}\` to be a whole number of milliseconds, got ${shown(ms)}`);
  return ms;
}

function flag(field: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalid(field, `Expected \`${field}\` to be a boolean`);
  return value;
}
