/**
 * The SQL functions that read history: `opd_horizon`, the first event number a reader may not pass
 * (every unit holding a smaller one has ended), and `opd_history`, the stored events up to it.
 */
import { FACILITY, type SchemaName } from '../schema.js';
import { allocLockSql, allocKeySql, releaseOwnSql, heldClassSql } from './locks.js';

/** The readers' functions: the horizon no read passes while a smaller event number may still commit, and `opd_history`. */
export function readFunctionsSql(schema: SchemaName): string {
  const s = schema.sql;
  return `
-- The first event number a reader may not pass: every unit holding a smaller one has ended.
-- Units take their numbers under the alloc lock and, in the same moment, a lock keyed by their
-- first number held until they end; reading the numbers taken and those locks under the alloc
-- lock sees every unit in flight.
CREATE OR REPLACE FUNCTION ${s}.opd_horizon() RETURNS bigint LANGUAGE plpgsql VOLATILE SET jit = off AS $fn$
DECLARE
  -- What a call made only for its effect returned (an assignment skips the executor a PERFORM starts).
  v_done text;
  v_last bigint;
  v_called boolean;
  v_min bigint;
BEGIN
  -- The session-level alloc lock is taken, used and released inside the block: a cancel
  -- (statement_timeout, pg_cancel_backend) lands at any statement boundary, also the one right
  -- after the lock is granted, and a session lock outlives the transaction it was taken in.
  BEGIN
    v_done := pg_advisory_lock(${allocLockSql(schema)});
    SELECT last_value, is_called INTO v_last, v_called FROM ${s}.opd_event_seq;
    IF NOT v_called THEN v_last := v_last - 1; END IF;
    SELECT min(v_last - (((v_last - l.objid::text::bigint) % 4294967296) + 4294967296) % 4294967296) INTO v_min
      FROM pg_catalog.pg_locks l
      WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted
        AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
        AND l.classid::text::bigint = (${heldClassSql(schema)}::bigint + 4294967296) % 4294967296;
    v_done := pg_advisory_unlock(${allocLockSql(schema)});
  EXCEPTION WHEN OTHERS OR query_canceled THEN
    ${releaseOwnSql(allocKeySql(schema))}
    RAISE;
  END;
  RETURN least(coalesce(v_min, v_last + 1), v_last + 1);
END
$fn$;

-- Stored events after a number, in order, up to the horizon (never one while a smaller number may
-- still commit): [[seq, origin, event], ...]. VOLATILE: the read takes a snapshot after the horizon.
CREATE OR REPLACE FUNCTION ${s}.opd_history(after bigint, max_rows integer) RETURNS json LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET jit = off AS $fn$
DECLARE
  v_horizon bigint := ${s}.opd_horizon();
  v_fac text := ${FACILITY};
BEGIN
  RETURN (SELECT coalesce(json_agg(json_build_array(e.seq, e.origin, e.event) ORDER BY e.seq), '[]')
    FROM (SELECT seq, origin, event FROM ${s}.opd_events WHERE facility_id = v_fac AND seq > after AND seq < v_horizon ORDER BY seq LIMIT max_rows) e);
END
$fn$;

`;
}
