/**
 * The SQL functions that write: `opd_write`, which writes a whole change set for one doctor and
 * then its events, the conditional writes built on it (`opd_write_or_load`, `opd_write_next`, and
 * `opd_write_if` kept for a rolling upgrade), and the refusals they raise (`opd_refuse`,
 * `opd_refuse_second_live`) without printing a row or a patient's key in the server log.
 */
import { ANY_STATUS, FACILITY, facilityKeySql, LIVE, listenLockSql, literal, lockClassSql, PLACE, type SchemaName } from '../schema.js';
import { allocLockSql, allocKeySql, listenKeySql, releaseOwnSql, heldClassSql, SET_TIMEOUTS } from './locks.js';
import { UNIT_SETTINGS } from './settings.js';

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

/**
 * The update of the stored tokens a unit changed, those whose new status is (`IN`) or is not
 * (`NOT IN`) live: see the order in `opd_write`.
 */
const updateTokens = (s: string, which: 'IN' | 'NOT IN'): string => `
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
      hold_expires_at = u.hold_expires_at, carried_from = u.carried_from, due_at = u.due_at, call_index = u.call_index, told_eta = u.told_eta, journey = u.journey, revisit = u.revisit,
      turn_near_sent = coalesce(u.turn_near_sent, false), rev = v_rev,
      -- The patient never changes but when it is erased (the tombstone, without an id): written
      -- as the unit has it, so that an erasure rewrites the row (version 27).
      patient = u.patient, patient_id = u.patient_id
    FROM json_populate_recordset(NULL::${s}.opd_tokens, updated_tokens) u
    WHERE t.facility_id = v_fac AND t.doctor_id = u.doctor_id AND t.day = u.day AND t.token_number = u.token_number AND t.token_id = u.token_id
      AND u.status ${which} ${LIVE};
`;

/** The refusals the writes raise: `opd_refuse` and `opd_refuse_second_live`. */
export function refusalFunctionsSql(schema: SchemaName): string {
  const s = schema.sql;
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

`;
}

/** The functions that write a unit's change set: `opd_write` and the conditional writes built on it. */
export function writeFunctionsSql(schema: SchemaName): string {
  const s = schema.sql;
  return `
-- Writes a whole change set for one doctor, stamping every row with the doctor's next rev, then
-- its events. Returns [first seq - 1, rev, whether a feed listens]. With events, whether a feed
-- listens is learnt under the alloc lock (so that units never mistake each other for a feed): the
-- listen key is free exactly when no feed holds it. The caller notifies after the commit only
-- when one does.
CREATE OR REPLACE FUNCTION ${s}.opd_write(v_doctor text, doctor json, new_slots json, updated_slots json, days json, new_tokens json,
  updated_tokens json, events json, idempotency json, origin text, enforce_limit boolean) RETURNS json
LANGUAGE plpgsql VOLATILE
${UNIT_SETTINGS}
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
    INSERT INTO ${s}.opd_doctors (doctor_id, name, specialization, consult_minutes, created_at, department, room, retired_from, retired_reason, system, specialist)
      SELECT doctor_id, name, specialization, consult_minutes, created_at, department, room, retired_from, retired_reason,
        coalesce(system, 'allopathic'), coalesce(specialist, false)
      FROM json_populate_record(NULL::${s}.opd_doctors, doctor);
  ELSIF doctor IS NOT NULL THEN
    -- A doctor updated: the unit's own (it holds its lock), as it read it (same creation).
    UPDATE ${s}.opd_doctors d SET name = r.name, specialization = r.specialization, consult_minutes = r.consult_minutes,
        department = r.department, room = r.room, retired_from = r.retired_from, retired_reason = r.retired_reason,
        system = coalesce(r.system, d.system), specialist = coalesce(r.specialist, d.specialist)
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
        claims = u.claims, claim_due_at = u.claim_due_at, displaced = u.displaced, pause = u.pause
      FROM json_populate_recordset(NULL::${s}.opd_days, days) u
      WHERE d.facility_id = v_fac AND d.doctor_id = u.doctor_id AND d.day = u.day AND d.last_token_number <= u.last_token_number;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> json_array_length(days) THEN
      INSERT INTO ${s}.opd_days (doctor_id, day, last_token_number, bumps, cascades, promotions, drops, label_counters, claims, claim_due_at, displaced, pause)
        SELECT doctor_id, day, last_token_number, bumps, cascades, promotions, drops, coalesce(label_counters, '{}'), claims, claim_due_at, displaced, pause
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
${updateTokens(s, 'NOT IN')}    GET DIAGNOSTICS v_count = ROW_COUNT;
${updateTokens(s, 'IN')}    GET DIAGNOSTICS v_added = ROW_COUNT;
    IF v_count + v_added <> json_array_length(updated_tokens) THEN PERFORM ${s}.opd_refuse('token'); END IF;
  END IF;
  IF new_tokens IS NOT NULL THEN
    INSERT INTO ${s}.opd_tokens (doctor_id, day, token_number, token_id, slot_id, waiting_for_slot_id, category, rank, status,
        patient, patient_id, patient_guard, requested_at, bump_count, placed_at, not_before, idempotency_key, cancel_reason, updated_at,
        hold_expires_at, label, carried_from, due_at, call_index, told_eta, turn_near_sent, journey, revisit, rev)
      SELECT doctor_id, day,
        CASE WHEN NOT ${TOKEN_OK('t')} THEN ${s}.opd_refuse('token')
          -- Token numbers never run ahead of the day's counter (written above).
          WHEN t.token_number > (SELECT d.last_token_number FROM ${s}.opd_days d WHERE d.facility_id = v_fac AND d.doctor_id = t.doctor_id AND d.day = t.day)
            IS NOT FALSE THEN ${s}.opd_refuse('token number')
          ELSE token_number END,
        token_id, slot_id, waiting_for_slot_id, category, rank, status, patient, patient_id, patient_guard, requested_at, bump_count,
        placed_at, not_before, idempotency_key, cancel_reason, updated_at, hold_expires_at, label, carried_from, due_at, call_index, told_eta,
        coalesce(turn_near_sent, false), journey, revisit, v_rev
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
${UNIT_SETTINGS}
AS $fn$
DECLARE
  -- What a call made only for its effect returned (an assignment skips the executor a PERFORM starts).
  v_done text;
  v_rev bigint;
  v_fac text := ${FACILITY};
BEGIN
${SET_TIMEOUTS}
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
${UNIT_SETTINGS}
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
