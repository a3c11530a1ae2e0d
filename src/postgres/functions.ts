/**
 * The SQL functions of the adapter. They hold no data: `migrate` (re)creates them with
 * `CREATE OR REPLACE` whenever the package's version of them is newer than the schema's
 * (`FUNCTIONS_VERSION`), without touching a table. Every value reaches them as a bind parameter.
 */
import { DAY, SLOT, TOKEN } from './columns.js';
import { ACTIVE, ANY_STATUS, FACILITY, facilityKeySql, LIVE, listenLockSql, literal, lockClassSql, PLACE, type SchemaName } from './schema.js';

/** Raise when the functions change; `migrate` then replaces them. */
export const FUNCTIONS_VERSION = 29;

/** The lock held for microseconds while a unit takes its event numbers (and by a reader's horizon). */
function allocLockSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:alloc:${schema.name}`)}), 0`;
}

/** The first key of the alloc lock (see `allocLockSql`: its second is 0), for {@link releaseOwnSql}. */
function allocKeySql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:alloc:${schema.name}`)})`;
}

/** The first key of the listen lock (see `listenLockSql`: its second is 0), for {@link releaseOwnSql}. */
function listenKeySql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:listen:${schema.name}`)})`;
}

/**
 * Releases every hold this session has on the exclusive session-level advisory lock
 * (`key`, 0), and none it does not have: for an exception handler, which cannot tell whether
 * the statement that failed was granted the lock (a cancel while waiting for it, or one landing
 * right after it was granted). `pg_locks` shows a lock held several times once; unlocking one
 * not held would only warn, so it is asked first.
 */
function releaseOwnSql(key: string): string {
  return `WHILE EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid()
        AND l.mode = 'ExclusiveLock' AND l.granted AND l.objsubid = 2 AND l.objid = 0
        AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
        AND l.classid::text::bigint = (${key}::bigint + 4294967296) % 4294967296) LOOP
      -- A hold it cannot release (one taken for the transaction) is left to the transaction's end.
      EXIT WHEN NOT pg_advisory_unlock(${key}, 0);
    END LOOP;`;
}

/** The class of the locks a unit in flight holds, keyed by the low 32 bits of its first event number. */
function heldClassSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:held:${schema.name}`)})`;
}

/** Checks of a token row, raised as OPD01 without the row (a CHECK violation would log it whole). */
const TOKEN_OK = (t: string): string =>
  `(${t}.token_number >= 1 AND ${t}.token_id IS NOT NULL AND ${t}.category IS NOT NULL AND ${t}.rank IS NOT NULL AND ${t}.patient IS NOT NULL
    AND ${t}.requested_at IS NOT NULL AND ${t}.bump_count >= 0 AND ${t}.updated_at IS NOT NULL
    AND ${t}.status IN ${ANY_STATUS}
    AND (${t}.status IN ${PLACE}) = (${t}.slot_id IS NOT NULL) AND (${t}.status = 'WAITLISTED' OR ${t}.waiting_for_slot_id IS NULL)
    AND (${t}.status = 'HELD') = (${t}.hold_expires_at IS NOT NULL) AND ${t}.label IS NOT NULL)`;

/** Whether a token row is live and created under the duplicate-booking guard (the index's predicate). */
const GUARDED = (t: string): string => `(${t}.patient_guard IS NOT NULL AND ${t}.status IN ${LIVE})`;
/** {@link GUARDED} of the row itself, as the duplicate-booking index's predicate reads. */
const GUARDED_ROW = `patient_guard IS NOT NULL AND status IN ${LIVE}`;

/**
 * Whether row `o` is another live token of row `t`'s patient in the same doctor-day: what the
 * duplicate-booking index compares, through its expression so that the index answers.
 */
const SAME_PATIENT = (o: string, t: string): string =>
  `${o}.facility_id = ${t}.facility_id AND ${o}.doctor_id = ${t}.doctor_id AND ${o}.day = ${t}.day AND md5(${o}.patient_guard) = md5(${t}.patient_guard) AND ${GUARDED(o)}`;

/** Every function, for a schema. */
export function functionsSql(schema: SchemaName): string {
  const s = schema.sql;
  /**
   * The update of the stored tokens a unit changed, those whose new status is (`IN`) or is not
   * (`NOT IN`) live: see the order in `opd_write`.
   */
  const updateTokens = (which: 'IN' | 'NOT IN'): string => `
    UPDATE ${s}.opd_tokens t SET slot_id = u.slot_id, waiting_for_slot_id = u.waiting_for_slot_id, rank = u.rank,
        status = CASE WHEN NOT ${TOKEN_OK('u')} THEN ${s}.opd_refuse('token')::text
          -- A token made live again (a cancelled one brought back) beside another live token of
          -- its patient, live before this statement or made live by it: the index would refuse it.
          WHEN t.status NOT IN ${LIVE} AND ${GUARDED('u')} AND t.patient_guard IS NOT NULL AND (
            EXISTS (SELECT 1 FROM ${s}.opd_tokens o WHERE ${SAME_PATIENT('o', 't')} AND o.token_number <> t.token_number)
            OR EXISTS (SELECT 1 FROM json_populate_recordset(NULL::${s}.opd_tokens, updated_tokens) x
              JOIN ${s}.opd_tokens o ON o.facility_id = v_fac AND o.doctor_id = x.doctor_id AND o.day = x.day AND o.token_number = x.token_number
              WHERE x.doctor_id = t.doctor_id AND x.day = t.day AND x.token_number <> t.token_number AND ${GUARDED('x')}
                AND o.patient_guard = t.patient_guard)) THEN ${s}.opd_refuse_second_live()::text
          ELSE u.status END, bump_count = u.bump_count,
        requested_at = u.requested_at, placed_at = u.placed_at,
        -- A scheduler that allows duplicate bookings lifts the guard of the tokens it changes (a
        -- token created under the guard, reinstated once duplicates are allowed); one that guards
        -- never adds it to a token created without (the patient may hold two live tokens).
        patient_guard = CASE WHEN u.patient_guard IS NULL THEN NULL ELSE t.patient_guard END, not_before = u.not_before, cancel_reason = u.cancel_reason, updated_at = u.updated_at,
        hold_expires_at = u.hold_expires_at, carried_from = u.carried_from, due_at = u.due_at, call_index = u.call_index, told_eta = u.told_eta,
        turn_near_sent = coalesce(u.turn_near_sent, false), rev = v_rev,
        -- The patient never changes but when it is erased (the tombstone, without an id): written
        -- as the unit has it, so that an erasure rewrites the row (version 27).
        patient = u.patient, patient_id = u.patient_id
      FROM json_populate_recordset(NULL::${s}.opd_tokens, updated_tokens) u
      WHERE t.facility_id = v_fac AND t.doctor_id = u.doctor_id AND t.day = u.day AND t.token_number = u.token_number AND t.token_id = u.token_id
        AND u.status ${which} ${LIVE};
`;
  return `
CREATE OR REPLACE FUNCTION ${s}.opd_refuse(what text) RETURNS integer LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (%)', what USING ERRCODE = 'OPD01';
END
$fn$;

-- A second live token of one patient in a doctor-day, refused before the duplicate-booking index
-- sees it: the index's unique violation would print its key, a digest of the patient's id, in the
-- server log. Named as the index is, so that the error reads as its violation did.
CREATE OR REPLACE FUNCTION ${s}.opd_refuse_second_live() RETURNS integer LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (a second live token of one patient in a doctor-day)'
    USING ERRCODE = 'OPD01', CONSTRAINT = 'opd_tokens_live_patient', TABLE = 'opd_tokens', SCHEMA = ${literal(schema.name)};
END
$fn$;

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

-- Resolves the doctor of a load request, takes its lock when asked, then reads everything the
-- request names. VOLATILE: each statement takes a fresh snapshot (READ COMMITTED), so the reads
-- after the lock see every unit committed before it was granted. Days the caller holds as of a
-- rev ("known") come back as what changed since; others in full. The request is parsed once (as
-- jsonb): each access to a json value parses its whole text again.
CREATE OR REPLACE FUNCTION ${s}.opd_load(req json, take_lock boolean, lock_timeout text, statement_timeout text) RETURNS json
LANGUAGE plpgsql VOLATILE
-- The statements' plans depend on nothing that varies: planning them again on each call cost
-- more than running them. Index lookups only: the tables they read are small but rewritten by
-- every unit (doctors' revs, day counters), and a sequential scan walks every dead row version
-- left on their pages. No JIT: with sequential scans off, a scan left in a plan is costed so high
-- that PostgreSQL would compile the query, about 25 ms of CPU per call for microseconds of work.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET jit = off
AS $fn$
DECLARE
  -- What a call made only for its effect returned (an assignment skips the executor a PERFORM starts).
  v_done text;
  v_req jsonb := req::jsonb;
  v_doctor text := v_req->>'doctorId';
  v_slot_id text := v_req->>'slotId';
  v_token_doctor text := v_req->>'tokenDoctorId';
  v_known jsonb := v_req->'known';
  v_token ${s}.opd_tokens;
  v_slot_doctor text;
  v_slot ${s}.opd_slots;
  v_doctor_row ${s}.opd_doctors;
  v_days text[] := ARRAY[]::text[];
  v_day text;
  v_out_days json;
  v_token_out json;
  v_slots json;
  v_schedule json;
  v_schedule_cut boolean := false;
  v_limit integer;
  v_idem json;
  v_last bigint;
  v_fac text := ${FACILITY};
BEGIN
  IF lock_timeout IS NOT NULL THEN
    v_done := set_config('lock_timeout', lock_timeout, true);
    v_done := set_config('statement_timeout', statement_timeout, true);
  END IF;
  IF v_token_doctor IS NOT NULL THEN
    SELECT * INTO v_token FROM ${s}.opd_tokens
      WHERE facility_id = v_fac AND doctor_id = v_token_doctor AND day = v_req->>'tokenDay' AND token_number = (v_req->>'tokenNumber')::integer
        AND token_id = v_req->>'tokenId';
  END IF;
  IF v_doctor IS NULL AND v_token.doctor_id IS NULL AND v_slot_id IS NOT NULL THEN
    SELECT doctor_id INTO v_slot_doctor FROM ${s}.opd_slot_index WHERE facility_id = v_fac AND slot_id = v_slot_id;
  END IF;
  v_doctor := coalesce(v_doctor, v_token.doctor_id, v_slot_doctor);
  IF take_lock AND v_doctor IS NOT NULL THEN
    v_done := pg_advisory_xact_lock(${lockClassSql(schema)}, ${facilityKeySql('v_fac', 'v_doctor')});
    -- Read again after the lock: the token may have changed meanwhile.
    IF v_token.doctor_id IS NOT NULL THEN
      SELECT * INTO v_token FROM ${s}.opd_tokens
        WHERE facility_id = v_fac AND doctor_id = v_token.doctor_id AND day = v_token.day AND token_number = v_token.token_number;
    END IF;
  END IF;
  IF v_doctor IS NOT NULL THEN
    SELECT * INTO v_doctor_row FROM ${s}.opd_doctors d WHERE d.facility_id = v_fac AND d.doctor_id = v_doctor;
  END IF;
  IF v_slot_id IS NOT NULL THEN
    -- Slot ids are unique store-wide: the doctor's own slot by its key, any other through the index.
    IF v_doctor IS NOT NULL THEN
      SELECT * INTO v_slot FROM ${s}.opd_slots sl WHERE sl.facility_id = v_fac AND sl.doctor_id = v_doctor AND sl.slot_id = v_slot_id;
    END IF;
    IF v_slot.slot_id IS NULL THEN
      SELECT sl.* INTO v_slot FROM ${s}.opd_slot_index x
        JOIN ${s}.opd_slots sl ON sl.facility_id = v_fac AND sl.doctor_id = x.doctor_id AND sl.slot_id = x.slot_id
        WHERE x.facility_id = v_fac AND x.slot_id = v_slot_id;
    END IF;
  END IF;
  IF v_doctor_row.doctor_id IS NOT NULL THEN
    IF v_token.doctor_id = v_doctor THEN
      v_token_out := json_build_array(v_token.day, ${TOKEN.sqlArray('v_token')});
      v_days := v_days || v_token.day;
    END IF;
    IF v_slot.doctor_id = v_doctor AND NOT v_slot.day = ANY (v_days) THEN v_days := v_days || v_slot.day; END IF;
    IF v_req ? 'days' THEN
      FOR v_day IN SELECT jsonb_array_elements_text(v_req->'days') LOOP
        IF NOT v_day = ANY (v_days) THEN v_days := v_days || v_day; END IF;
      END LOOP;
    END IF;
    -- Two token reads, of which one runs, each an index range of its own (one read with an OR of
    -- both conditions got a generic plan that walks the whole day). What changed since a rev is read
    -- in the order of opd_tokens_by_rev: planned once per session, often while the table is nearly
    -- empty, the read otherwise got a plan on any index of the day (its token numbers or labels)
    -- that filtered the whole day by rev, the cost growing with every token of the day.
    SELECT json_agg(json_build_array(
        x.day,
        coalesce((v_known->>x.day)::bigint, -1),
        (SELECT ${DAY.sqlArray('r')} FROM ${s}.opd_days r WHERE r.facility_id = v_fac AND r.doctor_id = v_doctor AND r.day = x.day),
        -- In the order of opd_slots_by_day, so that the day's range of that index is read (the
        -- doctor's range of opd_slots_by_end, filtered by day, was planned as cheap on a small table).
        (SELECT json_agg(${SLOT.sqlArray('sl')}) FROM (SELECT * FROM ${s}.opd_slots w
          WHERE w.facility_id = v_fac AND w.doctor_id = v_doctor AND w.day = x.day AND w.rev > coalesce((v_known->>x.day)::bigint, -1)
          ORDER BY w.facility_id, w.doctor_id, w.day, w.rev) sl),
        CASE WHEN v_known->>x.day IS NULL THEN
          (SELECT json_agg(${TOKEN.sqlArray('t')}) FROM ${s}.opd_tokens t
            WHERE t.facility_id = v_fac AND t.doctor_id = v_doctor AND t.day = x.day AND t.status IN ${ACTIVE})
        ELSE
          (SELECT json_agg(${TOKEN.sqlArray('t')}) FROM (SELECT * FROM ${s}.opd_tokens c
            WHERE c.facility_id = v_fac AND c.doctor_id = v_doctor AND c.day = x.day AND c.rev > (v_known->>x.day)::bigint
            ORDER BY c.facility_id, c.doctor_id, c.day, c.rev) t)
        END
      ) ORDER BY x.ord)
      INTO v_out_days
      FROM unnest(v_days) WITH ORDINALITY AS x(day, ord);
    IF v_req ? 'idempotencyKey' THEN
      SELECT json_build_array(i.fingerprint, i.seq_base, i.result) INTO v_idem FROM ${s}.opd_idempotency i
        WHERE i.facility_id = v_fac AND i.doctor_id = v_doctor AND i.key = v_req->>'idempotencyKey';
    END IF;
  END IF;
  IF NOT v_req ? 'slotIds' THEN
    IF v_slot.slot_id IS NOT NULL THEN v_slots := json_build_array(${SLOT.sqlArray('v_slot')}); END IF;
  ELSE
    SELECT json_agg(${SLOT.sqlArray('sl')}) INTO v_slots
      FROM (SELECT v_slot_id AS slot_id WHERE v_slot_id IS NOT NULL
            UNION SELECT jsonb_array_elements_text(v_req->'slotIds')) w
      JOIN ${s}.opd_slot_index x ON x.facility_id = v_fac AND x.slot_id = w.slot_id
      JOIN ${s}.opd_slots sl ON sl.facility_id = v_fac AND sl.doctor_id = x.doctor_id AND sl.slot_id = x.slot_id;
  END IF;
  IF v_req ? 'schedule' THEN
    -- Each slot's places counted on its own, through the tokens' key (doctor, day): linear in the
    -- slots of the window whatever the planner expects of it. (Counted once for the window and
    -- joined to it, the counts were planned for a window of one slot and recomputed for each:
    -- 0.3–0.8 s a booking without a date with 90 days of rota ahead.)
    -- With a limit, one slot more is read, to tell whether the window holds more than the limit.
    v_limit := (v_req->'schedule'->>'limit')::integer;
    SELECT coalesce(json_agg(json_build_array(${SLOT.sqlArray('sl')}, o.n, o.held_until) ORDER BY sl.start_at) FILTER (WHERE v_limit IS NULL OR sl.k <= v_limit), '[]'),
           v_limit IS NOT NULL AND count(*) > v_limit
      INTO v_schedule, v_schedule_cut
      FROM (
        -- A doctor's slots never overlap: in the order of their ends, they are in that of their starts.
        SELECT w.*, row_number() OVER (ORDER BY w.end_at) AS k
        FROM ${s}.opd_slots w
        WHERE v_doctor_row.doctor_id IS NOT NULL AND w.facility_id = v_fac AND w.doctor_id = v_doctor
          AND w.end_at > (v_req->'schedule'->>'from')::bigint
          AND (v_req->'schedule'->>'to' IS NULL OR w.start_at < (v_req->'schedule'->>'to')::bigint)
        ORDER BY w.end_at
        LIMIT v_limit + 1
      ) sl
      CROSS JOIN LATERAL (
        SELECT count(*) AS n, min(t.hold_expires_at) FILTER (WHERE t.status = 'HELD') AS held_until
        FROM ${s}.opd_tokens t
        WHERE t.facility_id = v_fac AND t.doctor_id = sl.doctor_id AND t.day = sl.day AND t.slot_id = sl.slot_id AND t.status IN ${PLACE}
      ) o;
  END IF;
  -- The last event number taken: a plain function call (no query) once the sequence was used.
  v_last := pg_catalog.pg_sequence_last_value(${literal(`${s}.opd_event_seq`)}::regclass);
  IF v_last IS NULL THEN
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO v_last FROM ${s}.opd_event_seq;
  END IF;
  RETURN json_build_array(
    CASE WHEN v_doctor_row.doctor_id IS NULL THEN NULL ELSE json_build_array(v_doctor_row.doctor_id, v_doctor_row.name,
      v_doctor_row.specialization, v_doctor_row.consult_minutes, v_doctor_row.created_at, v_doctor_row.rev, v_doctor_row.department,
      v_doctor_row.room, v_doctor_row.retired_from, v_doctor_row.retired_reason, v_doctor_row.facility_id) END,
    v_out_days, v_token_out, v_slots, v_schedule, v_idem, v_last, v_schedule_cut);
END
$fn$;

-- A unit over several doctors: resolves the department's doctors (when one is named), then takes
-- the lock of every doctor named and of every member, in one fixed order (by lock key), so that
-- two such units never wait for each other in a cycle. Returns the members, sorted by id.
CREATE OR REPLACE FUNCTION ${s}.opd_lock_doctors(ids text[], department text, lock_timeout text, statement_timeout text) RETURNS json
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET jit = off
AS $fn$
DECLARE
  -- What a call made only for its effect returned (an assignment skips the executor a PERFORM starts).
  v_done text;
  v_members text[];
  v_key integer;
  v_fac text := ${FACILITY};
BEGIN
  IF lock_timeout IS NOT NULL THEN
    v_done := set_config('lock_timeout', lock_timeout, true);
    v_done := set_config('statement_timeout', statement_timeout, true);
  END IF;
  IF department IS NOT NULL THEN
    SELECT coalesce(array_agg(d.doctor_id ORDER BY d.doctor_id), ARRAY[]::text[]) INTO v_members
      FROM ${s}.opd_doctors d WHERE d.facility_id = v_fac AND d.department = opd_lock_doctors.department;
  END IF;
  FOR v_key IN SELECT DISTINCT ${facilityKeySql('v_fac', 'x')} FROM unnest(ids || coalesce(v_members, ARRAY[]::text[])) AS x ORDER BY 1 LOOP
    v_done := pg_advisory_xact_lock(${lockClassSql(schema)}, v_key);
  END LOOP;
  RETURN CASE WHEN department IS NULL THEN NULL ELSE to_json(v_members) END;
END
$fn$;

-- Writes a whole change set for one doctor, stamping every row with the doctor's next rev, then
-- its events. Returns [first seq - 1, rev, whether a feed listens]. With events, whether a feed
-- listens is learnt under the alloc lock (so that units never mistake each other for a feed): the
-- listen key is free exactly when no feed holds it. The caller notifies after the commit only
-- when one does.
CREATE OR REPLACE FUNCTION ${s}.opd_write(v_doctor text, doctor json, new_slots json, updated_slots json, days json, new_tokens json,
  updated_tokens json, events json, idempotency json, origin text, enforce_limit boolean) RETURNS json
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET jit = off
AS $fn$
DECLARE
  -- What a call made only for its effect returned (an assignment skips the executor a PERFORM starts).
  v_done text;
  v_rev bigint := 0;
  v_count integer;
  v_added integer;
  v_base bigint := 0;
  v_events integer := coalesce(json_array_length(events), 0);
  v_bad text;
  v_listening boolean;
  v_probe boolean := false;
  v_fac text := ${FACILITY};
BEGIN
  IF doctor IS NOT NULL AND doctor->>'replace' IS NULL THEN
    INSERT INTO ${s}.opd_doctors (doctor_id, name, specialization, consult_minutes, created_at, department, room, retired_from, retired_reason)
      SELECT doctor_id, name, specialization, consult_minutes, created_at, department, room, retired_from, retired_reason
      FROM json_populate_record(NULL::${s}.opd_doctors, doctor);
  ELSIF doctor IS NOT NULL THEN
    -- A doctor updated: the unit's own (it holds its lock), as it read it (same creation).
    UPDATE ${s}.opd_doctors d SET name = r.name, specialization = r.specialization, consult_minutes = r.consult_minutes,
        department = r.department, room = r.room, retired_from = r.retired_from, retired_reason = r.retired_reason
      FROM json_populate_record(NULL::${s}.opd_doctors, doctor) r
      WHERE d.facility_id = v_fac AND d.doctor_id = r.doctor_id AND d.doctor_id = v_doctor AND d.created_at = r.created_at;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> 1 THEN PERFORM ${s}.opd_refuse('doctor'); END IF;
  END IF;
  IF v_doctor IS NOT NULL THEN
    UPDATE ${s}.opd_doctors SET rev = rev + 1 WHERE facility_id = v_fac AND doctor_id = v_doctor RETURNING rev INTO v_rev;
    IF v_rev IS NULL THEN PERFORM ${s}.opd_refuse('doctor'); END IF;
    -- What this transaction wrote last, for opd_write_next (a setting that ends with the transaction).
    v_done := set_config('opd.written', v_doctor || ':' || v_rev, true);
  END IF;
  IF new_slots IS NOT NULL THEN
    INSERT INTO ${s}.opd_slot_index (slot_id, doctor_id)
      SELECT slot_id, doctor_id FROM json_populate_recordset(NULL::${s}.opd_slots, new_slots);
    INSERT INTO ${s}.opd_slots (doctor_id, slot_id, day, start_at, end_at, capacity, overflow_capacity, status, closed_reason, rev)
      SELECT doctor_id, slot_id, day, start_at, end_at, capacity, overflow_capacity, status, closed_reason, v_rev
      FROM json_populate_recordset(NULL::${s}.opd_slots, new_slots);
    INSERT INTO ${s}.opd_days (doctor_id, day)
      SELECT DISTINCT doctor_id, day FROM json_populate_recordset(NULL::${s}.opd_slots, new_slots)
      ON CONFLICT DO NOTHING;
  END IF;
  IF updated_slots IS NOT NULL THEN
    UPDATE ${s}.opd_slots sl SET capacity = u.capacity, overflow_capacity = u.overflow_capacity, status = u.status,
        closed_reason = u.closed_reason, rev = v_rev
      FROM json_populate_recordset(NULL::${s}.opd_slots, updated_slots) u
      WHERE sl.facility_id = v_fac AND sl.doctor_id = u.doctor_id AND sl.slot_id = u.slot_id AND sl.day = u.day AND sl.start_at = u.start_at AND sl.end_at = u.end_at;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> json_array_length(updated_slots) THEN PERFORM ${s}.opd_refuse('slot'); END IF;
  END IF;
  IF days IS NOT NULL THEN
    -- A plain update of the stored counters, which never go back: an INSERT … ON CONFLICT DO
    -- UPDATE would first lock each row, a WAL record of its own, and probe the key for the insert.
    -- A day not stored yet (the only other way to miss) is inserted after.
    UPDATE ${s}.opd_days d SET last_token_number = u.last_token_number, bumps = u.bumps, cascades = u.cascades,
        promotions = u.promotions, drops = u.drops, label_counters = u.label_counters,
        offers = u.offers, offer_due_at = u.offer_due_at
      FROM json_populate_recordset(NULL::${s}.opd_days, days) u
      WHERE d.facility_id = v_fac AND d.doctor_id = u.doctor_id AND d.day = u.day AND d.last_token_number <= u.last_token_number;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> json_array_length(days) THEN
      INSERT INTO ${s}.opd_days (doctor_id, day, last_token_number, bumps, cascades, promotions, drops, label_counters, offers, offer_due_at)
        SELECT doctor_id, day, last_token_number, bumps, cascades, promotions, drops, coalesce(label_counters, '{}'), offers, offer_due_at
        FROM json_populate_recordset(NULL::${s}.opd_days, days) ON CONFLICT DO NOTHING;
      GET DIAGNOSTICS v_added = ROW_COUNT;
      IF v_count + v_added <> json_array_length(days) THEN PERFORM ${s}.opd_refuse('token counter'); END IF;
    END IF;
  END IF;
  -- Tokens are written in this order: the changes that end a token (a hold expired, a patient
  -- cancelled or moved), then those that leave a token live or make it live, then the new tokens.
  -- A unit may end a patient's token and give the same patient a live one in the same doctor-day
  -- (a hold that lapsed, then a booking for its patient): the duplicate-booking checks and the
  -- index then see the ended one as it now is.
  IF updated_tokens IS NOT NULL THEN
${updateTokens('NOT IN')}    GET DIAGNOSTICS v_count = ROW_COUNT;
${updateTokens('IN')}    GET DIAGNOSTICS v_added = ROW_COUNT;
    IF v_count + v_added <> json_array_length(updated_tokens) THEN PERFORM ${s}.opd_refuse('token'); END IF;
  END IF;
  IF new_tokens IS NOT NULL THEN
    INSERT INTO ${s}.opd_tokens (doctor_id, day, token_number, token_id, slot_id, waiting_for_slot_id, category, rank, status,
        patient, patient_id, patient_guard, requested_at, bump_count, placed_at, not_before, idempotency_key, cancel_reason, updated_at,
        hold_expires_at, label, carried_from, due_at, call_index, told_eta, turn_near_sent, rev)
      SELECT doctor_id, day,
        CASE WHEN NOT ${TOKEN_OK('t')} THEN ${s}.opd_refuse('token')
          -- Token numbers never run ahead of the day's counter (written above).
          WHEN t.token_number > (SELECT d.last_token_number FROM ${s}.opd_days d WHERE d.facility_id = v_fac AND d.doctor_id = t.doctor_id AND d.day = t.day)
            IS NOT FALSE THEN ${s}.opd_refuse('token number')
          ELSE token_number END,
        token_id, slot_id, waiting_for_slot_id, category, rank, status, patient, patient_id, patient_guard, requested_at, bump_count,
        placed_at, not_before, idempotency_key, cancel_reason, updated_at, hold_expires_at, label, carried_from, due_at, call_index, told_eta,
        coalesce(turn_near_sent, false), v_rev
      FROM json_populate_recordset(NULL::${s}.opd_tokens, new_tokens) t
      -- A second live token of a patient in a doctor-day (beside a stored one, or two new ones):
      -- skipped by the duplicate-booking index itself, which would otherwise raise its violation
      -- with its key in the server log, and refused by name below.
      ON CONFLICT (facility_id, doctor_id, day, md5(patient_guard)) WHERE ${GUARDED_ROW} DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> json_array_length(new_tokens) THEN PERFORM ${s}.opd_refuse_second_live(); END IF;
  END IF;
  IF enforce_limit AND (new_tokens IS NOT NULL OR updated_tokens IS NOT NULL OR updated_slots IS NOT NULL) THEN
    SELECT sl.slot_id INTO v_bad
      FROM (SELECT doctor_id, day, slot_id FROM json_populate_recordset(NULL::${s}.opd_tokens, new_tokens)
            UNION SELECT doctor_id, day, slot_id FROM json_populate_recordset(NULL::${s}.opd_tokens, updated_tokens)
            UNION SELECT doctor_id, day, slot_id FROM json_populate_recordset(NULL::${s}.opd_slots, updated_slots)) x
      JOIN ${s}.opd_slots sl ON sl.facility_id = v_fac AND sl.doctor_id = x.doctor_id AND sl.slot_id = x.slot_id
      WHERE (SELECT count(*) FROM ${s}.opd_tokens t
              WHERE t.facility_id = v_fac AND t.doctor_id = x.doctor_id AND t.day = x.day AND t.slot_id = x.slot_id AND t.status IN ${PLACE})
            > sl.capacity + sl.overflow_capacity
      LIMIT 1;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'opd-scheduler refused to fill a slot beyond capacity + overflowCapacity' USING ERRCODE = 'OPD02';
    END IF;
  END IF;
  IF v_events > 0 THEN
    -- Event numbers: taken under the alloc lock (held for microseconds, never through the
    -- commit), together with a lock keyed by the first number that this transaction holds until
    -- it ends, so that a reader's horizon (opd_horizon) stops before them while it runs.
    -- Inside the block, as in opd_horizon: no statement boundary where a cancel could leave it held.
    BEGIN
      v_done := pg_advisory_lock(${allocLockSql(schema)});
      v_base := nextval('${s}.opd_event_seq') - 1;
      IF v_events > 1 THEN v_done := setval('${s}.opd_event_seq', v_base + v_events); END IF;
      v_done := pg_advisory_xact_lock_shared(${heldClassSql(schema)},
        (((v_base + 1) % 4294967296) - CASE WHEN (v_base + 1) % 4294967296 >= 2147483648 THEN 4294967296 ELSE 0 END)::integer);
      v_probe := pg_try_advisory_lock(${listenLockSql(schema)});
      v_listening := NOT v_probe;
      IF v_probe THEN
        v_done := pg_advisory_unlock(${listenLockSql(schema)});
        v_probe := false;
      END IF;
      v_done := pg_advisory_unlock(${allocLockSql(schema)});
    EXCEPTION WHEN OTHERS OR query_canceled THEN
      ${releaseOwnSql(listenKeySql(schema))}
      ${releaseOwnSql(allocKeySql(schema))}
      RAISE;
    END;
    -- Each event's text parsed once for its three fields (each ->> on a json value parses it whole).
    INSERT INTO ${s}.opd_events (seq, doctor_id, origin, type, actor, event)
      SELECT v_base + e.ord, f."doctorId", origin, f.type, f.actor, e.v
      FROM json_array_elements(events) WITH ORDINALITY AS e(v, ord), json_to_record(e.v) AS f("doctorId" text, type text, actor text);
  END IF;
  IF idempotency IS NOT NULL AND idempotency->>'erase' IS NOT NULL THEN
    -- A stored key whose patient data is erased: its fingerprint, and the patient of its result's token.
    UPDATE ${s}.opd_idempotency i SET fingerprint = coalesce(idempotency->>'fingerprint', ${s}.opd_refuse('key')::text),
        result = jsonb_set(i.result::jsonb, '{token,patient}', coalesce(idempotency->'patient', ${s}.opd_refuse('key')::text::json)::jsonb)::json
      WHERE i.facility_id = v_fac AND i.doctor_id = v_doctor AND i.doctor_id = idempotency->>'doctor_id' AND i.key = idempotency->>'key';
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> 1 THEN PERFORM ${s}.opd_refuse('key'); END IF;
  ELSIF idempotency IS NOT NULL THEN
    INSERT INTO ${s}.opd_idempotency (doctor_id, key, fingerprint, token_id, seq_base, result)
      SELECT idempotency->>'doctor_id', idempotency->>'key', coalesce(idempotency->>'fingerprint', ${s}.opd_refuse('key')::text),
        coalesce(idempotency->>'token_id', ${s}.opd_refuse('key')::text), v_base, coalesce(idempotency->'result', ${s}.opd_refuse('key')::text::json);
  END IF;
  RETURN json_build_array(v_base, v_rev, v_listening);
END
$fn$;

-- A whole unit in one statement, for a caller that decided on its own copy of the doctor's days as
-- of rev expected_rev: takes the doctor's lock, then writes the change set (opd_write) only if the
-- doctor is still at that rev and idem_key (when given) is not stored, so that the decision was
-- made on what is stored. Otherwise writes nothing and returns [null, the doctor's rev, null,
-- what opd_load answers for req (null without req)] — read under the doctor's lock, so
-- consistent with that rev (the days req holds as of a rev come back as what changed since). The
-- lock is released with the transaction: the caller decides on that answer and tries again with
-- its rev, never holding the lock meanwhile.
CREATE OR REPLACE FUNCTION ${s}.opd_write_or_load(expected_rev bigint, idem_key text, req json, lock_timeout text, statement_timeout text,
  v_doctor text, doctor json, new_slots json, updated_slots json, days json, new_tokens json, updated_tokens json, events json,
  idempotency json, origin text, enforce_limit boolean) RETURNS json
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET jit = off
AS $fn$
DECLARE
  -- What a call made only for its effect returned (an assignment skips the executor a PERFORM starts).
  v_done text;
  v_rev bigint;
  v_fac text := ${FACILITY};
BEGIN
  IF lock_timeout IS NOT NULL THEN
    v_done := set_config('lock_timeout', lock_timeout, true);
    v_done := set_config('statement_timeout', statement_timeout, true);
  END IF;
  v_done := pg_advisory_xact_lock(${lockClassSql(schema)}, ${facilityKeySql('v_fac', 'v_doctor')});
  SELECT d.rev INTO v_rev FROM ${s}.opd_doctors d WHERE d.facility_id = v_fac AND d.doctor_id = v_doctor;
  IF v_rev IS DISTINCT FROM expected_rev
    OR (idem_key IS NOT NULL AND EXISTS (SELECT 1 FROM ${s}.opd_idempotency i WHERE i.facility_id = ${FACILITY} AND i.doctor_id = v_doctor AND i.key = idem_key)) THEN
    RETURN json_build_array(NULL, v_rev, NULL, CASE WHEN req IS NULL THEN NULL ELSE ${s}.opd_load(req, false, NULL, NULL) END);
  END IF;
  RETURN ${s}.opd_write(v_doctor, doctor, new_slots, updated_slots, days, new_tokens, updated_tokens, events, idempotency, origin, enforce_limit);
END
$fn$;
-- The next unit of a chain: several units of one doctor decided one after the other by the same
-- caller and sent together, in one transaction. Writes the change set (opd_write) only if the
-- statement before it in this transaction wrote the doctor at expected_rev (so that the unit was
-- decided on what that one left, under the lock it took) and idem_key (when given) is not stored;
-- otherwise writes nothing and returns [null, null, null, null]. A chain whose first unit found the
-- doctor moved therefore writes nothing at all.
CREATE OR REPLACE FUNCTION ${s}.opd_write_next(expected_rev bigint, idem_key text, v_doctor text, doctor json, new_slots json,
  updated_slots json, days json, new_tokens json, updated_tokens json, events json, idempotency json, origin text,
  enforce_limit boolean) RETURNS json
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET jit = off
AS $fn$
BEGIN
  IF current_setting('opd.written', true) IS DISTINCT FROM v_doctor || ':' || expected_rev
    OR (idem_key IS NOT NULL AND EXISTS (SELECT 1 FROM ${s}.opd_idempotency i WHERE i.facility_id = ${FACILITY} AND i.doctor_id = v_doctor AND i.key = idem_key)) THEN
    RETURN json_build_array(NULL, NULL, NULL, NULL);
  END IF;
  RETURN ${s}.opd_write(v_doctor, doctor, new_slots, updated_slots, days, new_tokens, updated_tokens, events, idempotency, origin, enforce_limit);
END
$fn$;
-- The previous release's one-round-trip write (functions version 10 and before), kept for its
-- processes during a rolling upgrade: opd_write_or_load without the answer of what changed.
CREATE OR REPLACE FUNCTION ${s}.opd_write_if(expected_rev bigint, idem_key text, lock_timeout text, statement_timeout text, v_doctor text,
  doctor json, new_slots json, updated_slots json, days json, new_tokens json, updated_tokens json, events json, idempotency json,
  origin text, enforce_limit boolean) RETURNS json
LANGUAGE sql VOLATILE
SET jit = off
AS $fn$
  SELECT ${s}.opd_write_or_load(expected_rev, idem_key, NULL, lock_timeout, statement_timeout, v_doctor, doctor, new_slots, updated_slots,
    days, new_tokens, updated_tokens, events, idempotency, origin, enforce_limit);
$fn$;
`;
}
