/**
 * The advisory locks the SQL functions take and release by name: the alloc lock under which a
 * unit takes its event numbers, the listen lock a feed holds, and the class of the locks a unit in
 * flight holds until it ends (which a reader's horizon stops before).
 */
import { literal, type SchemaName } from '../schema.js';

/** The lock held for microseconds while a unit takes its event numbers (and by a reader's horizon). */
export function allocLockSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:alloc:${schema.name}`)}), 0`;
}

/** The first key of the alloc lock (see `allocLockSql`: its second is 0), for {@link releaseOwnSql}. */
export function allocKeySql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:alloc:${schema.name}`)})`;
}

/** The first key of the listen lock (see `listenLockSql`: its second is 0), for {@link releaseOwnSql}. */
export function listenKeySql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:listen:${schema.name}`)})`;
}

/**
 * Releases every hold this session has on the exclusive session-level advisory lock
 * (`key`, 0), and none it does not have: for an exception handler, which cannot tell whether
 * the statement that failed was granted the lock (a cancel while waiting for it, or one landing
 * right after it was granted). `pg_locks` shows a lock held several times once; unlocking one
 * not held would only warn, so it is asked first.
 */
export function releaseOwnSql(key: string): string {
  return `WHILE EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid()
        AND l.mode = 'ExclusiveLock' AND l.granted AND l.objsubid = 2 AND l.objid = 0
        AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
        AND l.classid::text::bigint = (${key}::bigint + 4294967296) % 4294967296) LOOP
      -- A hold it cannot release (one taken for the transaction) is left to the transaction's end.
      EXIT WHEN NOT pg_advisory_unlock(${key}, 0);
    END LOOP;`;
}

/** The class of the locks a unit in flight holds, keyed by the low 32 bits of its first event number. */
export function heldClassSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:held:${schema.name}`)})`;
}

/**
 * The lock and statement timeouts a function that takes a doctor's lock sets for the rest of its
 * transaction, from its parameters `lock_timeout` and `statement_timeout` (both `NULL` on PGlite):
 * a PL/pgSQL block, for a function declaring `v_done text`.
 */
export const SET_TIMEOUTS = `  IF lock_timeout IS NOT NULL THEN
    v_done := set_config('lock_timeout', lock_timeout, true);
    v_done := set_config('statement_timeout', statement_timeout, true);
  END IF;`;
