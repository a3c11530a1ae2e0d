/**
 * The SQL functions a unit of work starts with: `opd_load`, which resolves the doctor of a load
 * request, takes its lock when asked and reads everything the request names, and
 * `opd_lock_doctors`, which locks the doctors of a unit over several, in one fixed order.
 */
import { DAY, SLOT, TOKEN } from '../columns.js';
import { ACTIVE, earliestClaimEndSql, FACILITY, facilityKeySql, literal, lockClassSql, type SchemaName, takenPlacesSql } from '../schema.js';
import { SET_TIMEOUTS } from './locks.js';
import { UNIT_SETTINGS } from './settings.js';

/** The functions a unit of work loads with: `opd_load` and `opd_lock_doctors`. */
export function loadFunctionsSql(schema: SchemaName): string {
  const s = schema.sql;
  return `
-- Resolves the doctor of a load request, takes its lock when asked, then reads everything the
-- request names. VOLATILE: each statement takes a fresh snapshot (READ COMMITTED), so the reads
-- after the lock see every unit committed before it was granted. Days the caller holds as of a
-- rev ("known") come back as what changed since; others in full. The request is parsed once (as
-- jsonb): each access to a json value parses its whole text again.
CREATE OR REPLACE FUNCTION ${s}.opd_load(req json, take_lock boolean, lock_timeout text, statement_timeout text) RETURNS json
LANGUAGE plpgsql VOLATILE
${UNIT_SETTINGS}
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
${SET_TIMEOUTS}
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
    SELECT coalesce(json_agg(json_build_array(${SLOT.sqlArray('sl')}, ${takenPlacesSql(s, 'v_fac', 'sl.doctor_id', 'sl.day', 'sl.slot_id')}, ${earliestClaimEndSql(s, 'v_fac', 'sl.doctor_id', 'sl.day', 'sl.slot_id')}) ORDER BY sl.start_at) FILTER (WHERE v_limit IS NULL OR sl.k <= v_limit), '[]'),
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
      ) sl;
  END IF;
  -- The last event number taken: a plain function call (no query) once the sequence was used.
  v_last := pg_catalog.pg_sequence_last_value(${literal(`${s}.opd_event_seq`)}::regclass);
  IF v_last IS NULL THEN
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO v_last FROM ${s}.opd_event_seq;
  END IF;
  RETURN json_build_array(
    CASE WHEN v_doctor_row.doctor_id IS NULL THEN NULL ELSE json_build_array(v_doctor_row.doctor_id, v_doctor_row.name,
      v_doctor_row.specialization, v_doctor_row.consult_minutes, v_doctor_row.created_at, v_doctor_row.rev, v_doctor_row.department,
      v_doctor_row.room, v_doctor_row.retired_from, v_doctor_row.retired_reason, v_doctor_row.facility_id,
      v_doctor_row.system, v_doctor_row.specialist) END,
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
${SET_TIMEOUTS}
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

`;
}
