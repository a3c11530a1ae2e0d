/**
 * Every statement the adapter sends: constant text with `$n` bind parameters (no caller-supplied
 * value is ever part of SQL text), named so that each connection parses it once. The name prefix
 * is derived from the schema, so that two schemas (or an application's own prepared statements)
 * never share a name.
 */
import type { Statement } from './db.js';
import { DAY, DOCTOR, SLOT, TOKEN } from './columns.js';
import { MAX_INSTANT, MIN_INSTANT } from '../validate.js';
import { channelOf, FACILITY, facilityKeySql, listenLockSql, literal, patientLockClassSql, type SchemaName, takenPlacesSql, UNSEEN } from './schema.js';

/** The statements of one schema. */
export interface Statements {
  /** Prefix of every statement name. */
  readonly prefix: string;
  /** `$1` request (json), `$2` take the lock, `$3` lock timeout, `$4` statement timeout. */
  readonly load: Statement;
  /** `$1` doctor ids (a JSON array), `$2` department or null, `$3` lock timeout, `$4` statement timeout: the members. */
  readonly lockDoctors: Statement;
  /** `$1` doctor ids (a JSON array), `$2` lock timeout, `$3` statement timeout: every doctor of the facility, locked with those named (`LoadRequest.everyDoctor`). */
  readonly lockEveryDoctor: Statement;
  /**
   * `$1` patient id, `$2` lock timeout, `$3` statement timeout: takes the patient's lock (before any
   * doctor's lock of the unit), answering `null`.
   */
  readonly lockPatient: Statement;
  /** `$1` patient id, `$2` first day: `[[day, token (as `opd_load` sends it), doctor id, department], …]` by token id. */
  readonly patientTokens: Statement;
  /**
   * `$1` service point id, `$2` day, `$3` doctor ids (a JSON array): the point's queue,
   * `[[slot, doctor id, [token, …]], …]` by slot start and id, the checked-in tokens waiting at the
   * point of those doctors (`opd_tokens_at_point`).
   */
  readonly pointQueue: Statement;
  /**
   * `$1` doctor ids (a JSON array): `[doctor, …]` (as `listDoctors` sends each) of those that
   * exist, by id — the doctors a unit over several reads nothing of but their records, their
   * locks held (a call at a point serving the facility locks every doctor).
   */
  readonly doctorsById: Statement;
  /** The arguments of `opd_write`, `$1`…`$11`. */
  readonly write: Statement;
  /**
   * `opd_write_or_load`: `$1` the doctor's rev the change set was decided at, `$2` an idempotency
   * key that must not be stored, `$3` the load request (json) whose answer comes back when nothing
   * was written, `$4` lock timeout, `$5` statement timeout, then the arguments of `opd_write`.
   */
  readonly writeOrLoad: Statement;
  /**
   * `opd_write_next`: `$1` the doctor's rev the statement before it in the transaction wrote, `$2`
   * an idempotency key that must not be stored, then the arguments of `opd_write`.
   */
  readonly writeNext: Statement;
  /** Wakes listening feeds (pool: only when one holds the listen lock). */
  readonly notify: Statement;
  readonly notifyAlways: Statement;
  readonly listDoctors: Statement;
  readonly nextDoctorId: Statement;
  /**
   * `$1` cutoff (epoch ms), `$2` holds ended by (epoch ms) or null, `$3` open at (epoch ms) or null,
   * `$4` the last day a slot starting before the cutoff can be on ({@link lastDayBefore}), `$5`
   * close by (epoch ms) or null, `$6` the last day a slot starting before it can be on, or null.
   */
  readonly dueDays: Statement;
  /** `$1` doctor id or null, `$2` day or null. */
  readonly scanDays: Statement;
  /**
   * `$1` day, `$2` limit, `$3` the tombstone (JSON): `[[doctor_id, day, token], …]`, the tokens of
   * days before `$1` whose patient is not the tombstone, by doctor, day and number (a purge's).
   */
  readonly tokensToPurge: Statement;
  /** `$1` after, `$2` limit: `[[seq, origin, event], …]` up to the horizon. */
  readonly history: Statement;
  /** `$1` doctor id, `$2` day: `[[seq, event], …]` of the doctor-day (see `StorageAdapter.dayHistory`). */
  readonly dayHistory: Statement;
  /** The first event number readers may not pass yet, minus one: where a new feed starts. */
  readonly lastSeq: Statement;
  /** `$1` after, `$2` origin: the events of one unit, if it committed. */
  readonly unitEvents: Statement;
  /** `$1` backend pid: whether it still runs. */
  readonly backendAlive: Statement;
  /** Holds the listen key (shared) and listens; `listenStop` undoes both. */
  readonly listenStart: string;
  readonly listenStop: string;
  /** The notification channel. */
  readonly channel: string;
}

/**
 * The last day (`YYYY-MM-DD`) a slot starting before `cutoff` can be on: the UTC day after the
 * cutoff's, since a slot's day is the local day of its start and zones are at most 14 hours ahead
 * of UTC. Clamped to the years 1970–9999, the instants a slot may have.
 */
export function lastDayBefore(cutoff: number): string {
  return new Date(Math.min(MAX_INSTANT, Math.max(MIN_INSTANT, cutoff + 86_400_000))).toISOString().slice(0, 10);
}

/** A short, stable hash of a schema name, for statement names (at most 63 bytes). */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

export function statementsFor(schema: SchemaName): Statements {
  const s = schema.sql;
  /** The transaction's facility (see {@link FACILITY}): every read of a facility's rows is scoped by it. */
  const F = FACILITY;
  const prefix = `opd_${shortHash(schema.name)}`;
  /** A statement answering one JSON value, `opd_out`. */
  const named = (name: string, text: string): Statement => ({ name: `${prefix}_${name}`, text, json: true });
  /** A statement run for its effect. */
  const command = (name: string, text: string): Statement => ({ name: `${prefix}_${name}`, text });
  const channel = channelOf(schema);
  const notify = `SELECT pg_notify(${literal(channel)}, '')`;
  return {
    prefix,
    channel,
    load: named('load', `SELECT ${s}.opd_load($1::json, $2::boolean, $3::text, $4::text) AS opd_out`),
    lockDoctors: named(
      'lock_doctors',
      `SELECT ${s}.opd_lock_doctors(ARRAY(SELECT json_array_elements_text($1::json)), $2::text, $3::text, $4::text) AS opd_out`,
    ),
    lockEveryDoctor: named(
      'lock_every_doctor',
      // The facility's doctors are listed and locked in one statement (one snapshot), as a
      // department's members are by opd_lock_doctors.
      `SELECT to_json(m.ids) AS opd_out,
              ${s}.opd_lock_doctors(ARRAY(SELECT json_array_elements_text($1::json)) || m.ids, NULL, $2::text, $3::text) AS opd_lock
       FROM (SELECT coalesce(array_agg(d.doctor_id ORDER BY d.doctor_id), ARRAY[]::text[]) AS ids FROM ${s}.opd_doctors d WHERE d.facility_id = ${F}) m`,
    ),
    lockPatient: named(
      'lock_patient',
      // The timeouts are set before the lock is asked for (a select list is computed in order).
      `SELECT NULL::json AS opd_out,
              CASE WHEN $2::text IS NULL THEN NULL ELSE set_config('lock_timeout', $2::text, true) || set_config('statement_timeout', $3::text, true) END AS opd_set,
              pg_advisory_xact_lock(${patientLockClassSql(schema)}, ${facilityKeySql(F, '$1::text')}) AS opd_lock`,
    ),
    patientTokens: named(
      'patient_tokens',
      `SELECT coalesce(json_agg(json_build_array(t.day, ${TOKEN.sqlArray('t')}, t.doctor_id, d.department) ORDER BY t.token_id), '[]') AS opd_out
       FROM ${s}.opd_tokens t JOIN ${s}.opd_doctors d ON d.facility_id = t.facility_id AND d.doctor_id = t.doctor_id
       WHERE t.facility_id = ${F} AND t.patient_id = $1::text AND t.day >= $2::text`,
    ),
    doctorsById: named(
      'doctors_by_id',
      `SELECT coalesce(json_agg(${DOCTOR.sqlArray('d')} ORDER BY d.doctor_id), '[]') AS opd_out
       FROM ${s}.opd_doctors d WHERE d.facility_id = ${F} AND d.doctor_id = ANY (ARRAY(SELECT json_array_elements_text($1::json)))`,
    ),
    pointQueue: named(
      'point_queue',
      // The point's tokens first, through opd_tokens_at_point (materialized: with the doctors'
      // condition in the same scan, the planner walked each doctor's day instead), then those of
      // the unit's doctors.
      `WITH w AS MATERIALIZED (
         SELECT * FROM ${s}.opd_tokens t
         WHERE t.facility_id = ${F} AND t.day = $2::text AND t.status = 'CHECKED_IN' AND (t.journey->>'point') = $1::text)
       SELECT coalesce(json_agg(json_build_array(${SLOT.sqlArray('sl')}, q.doctor_id, q.places) ORDER BY sl.start_at, sl.slot_id), '[]') AS opd_out
       FROM (SELECT t.doctor_id, t.slot_id, json_agg(${TOKEN.sqlArray('t')}) AS places
             FROM w t
             WHERE t.doctor_id = ANY (ARRAY(SELECT json_array_elements_text($3::json)))
             GROUP BY t.doctor_id, t.slot_id) q
       JOIN ${s}.opd_slots sl ON sl.facility_id = ${F} AND sl.doctor_id = q.doctor_id AND sl.slot_id = q.slot_id`,
    ),
    write: named(
      'write',
      `SELECT ${s}.opd_write($1::text, $2::json, $3::json, $4::json, $5::json, $6::json, $7::json, $8::json, $9::json, $10::text, $11::boolean) AS opd_out`,
    ),
    writeOrLoad: named(
      'write_or_load',
      `SELECT ${s}.opd_write_or_load($1::bigint, $2::text, $3::json, $4::text, $5::text, $6::text, $7::json, $8::json, $9::json, $10::json, $11::json, $12::json, $13::json, $14::json, $15::text, $16::boolean) AS opd_out`,
    ),
    writeNext: named(
      'write_next',
      `SELECT ${s}.opd_write_next($1::bigint, $2::text, $3::text, $4::json, $5::json, $6::json, $7::json, $8::json, $9::json, $10::json, $11::json, $12::text, $13::boolean) AS opd_out`,
    ),
    notify: command('notify', `${notify} WHERE NOT pg_try_advisory_xact_lock(${listenLockSql(schema)})`),
    notifyAlways: command('notify_all', notify),
    listDoctors: named(
      'doctors',
      `SELECT coalesce(json_agg(${DOCTOR.sqlArray('d')} ORDER BY d.created_at, d.doctor_id), '[]') AS opd_out FROM ${s}.opd_doctors d WHERE d.facility_id = ${F}`,
    ),
    // The default facility's from the sequence (as before facilities); another's from its row of
    // opd_facility_counters, locked for the statement only.
    nextDoctorId: named(
      'doctor_id',
      `WITH c AS (INSERT INTO ${s}.opd_facility_counters (name, value) SELECT 'doctor_id', 1 WHERE ${F} <> 'default'
                  ON CONFLICT (facility_id, name) DO UPDATE SET value = ${s}.opd_facility_counters.value + 1 RETURNING value)
       SELECT to_json(CASE WHEN ${F} = 'default' THEN nextval('${s}.opd_doctor_id_seq') ELSE (SELECT value FROM c) END) AS opd_out`,
    ),
    dueDays: named(
      'due',
      `SELECT coalesce(json_agg(json_build_array(x.doctor_id, x.day) ORDER BY x.doctor_id, x.day), '[]') AS opd_out
       FROM (SELECT DISTINCT t.doctor_id, t.day FROM ${s}.opd_tokens t
             JOIN ${s}.opd_slots sl ON sl.facility_id = t.facility_id AND sl.doctor_id = t.doctor_id AND sl.slot_id = t.slot_id
             -- Booked tokens of the days from the first with one (found in the index of booked
             -- tokens by day) to $4, the last day a slot started before the cutoff can be on:
             -- read through that index, however many days of history the table holds. (Without
             -- the lower bound, a filter on status and day, read as independent, is estimated at
             -- a large part of the table and scanned whole. No recursive query: Citus runs those
             -- on one shard only.)
             WHERE t.facility_id = ${F} AND t.status = 'BOOKED' AND sl.start_at < $1::bigint
               AND t.day >= (SELECT min(m.day) FROM ${s}.opd_tokens m WHERE m.facility_id = ${F} AND m.status = 'BOOKED') AND t.day <= $4::text
             -- Days whose claims are due by the clock (a hold or a lease ended, an offer's window
             -- passed): the day's one due time, indexed.
             UNION SELECT d.doctor_id, d.day FROM ${s}.opd_days d
             WHERE $2::bigint IS NOT NULL AND d.facility_id = ${F} AND d.claim_due_at <= $2::bigint
             UNION SELECT w.doctor_id, w.day FROM (
               -- Days with a patient waiting; a day two UTC days before openAt has no slot left (zones are within ±14 h, slots at most 24 h)…
               SELECT DISTINCT t.doctor_id, t.day FROM ${s}.opd_tokens t
               WHERE $3::bigint IS NOT NULL AND t.facility_id = ${F} AND t.status = 'WAITLISTED'
                 AND t.day >= to_char(to_timestamp($3::bigint / 1000.0) AT TIME ZONE 'UTC' - interval '2 days', 'YYYY-MM-DD')) w
             -- … and an open slot not ended by openAt with fewer places taken than its capacity (the one count: places and claims).
             WHERE EXISTS (
               SELECT 1 FROM ${s}.opd_slots sl
               WHERE sl.facility_id = ${F} AND sl.doctor_id = w.doctor_id AND sl.day = w.day AND sl.status = 'OPEN' AND sl.end_at > $3::bigint
                 AND sl.capacity > ${takenPlacesSql(s, F, 'w.doctor_id', 'w.day', 'sl.slot_id')})
             -- Days a closing may be due on ($5, closeBy): a token a closing ends (found in their
             -- index by day, up to $6, the last day a slot starting before closeBy can be on) and
             -- no open slot ending after closeBy.
             UNION SELECT u.doctor_id, u.day FROM (
               SELECT DISTINCT t.doctor_id, t.day FROM ${s}.opd_tokens t
               WHERE $5::bigint IS NOT NULL AND t.facility_id = ${F} AND t.status IN ${UNSEEN} AND t.day <= $6::text) u
             WHERE NOT EXISTS (
               SELECT 1 FROM ${s}.opd_slots sl
               WHERE sl.facility_id = ${F} AND sl.doctor_id = u.doctor_id AND sl.day = u.day AND sl.status = 'OPEN' AND sl.end_at > $5::bigint)) x`,
    ),
    scanDays: named(
      'scan',
      `SELECT coalesce(json_agg(json_build_array(
          d.doctor_id, d.day, ${DAY.sqlArray('d')},
          (SELECT json_agg(${SLOT.sqlArray('sl')} ORDER BY sl.start_at) FROM ${s}.opd_slots sl WHERE sl.facility_id = d.facility_id AND sl.doctor_id = d.doctor_id AND sl.day = d.day),
          (SELECT json_agg(${TOKEN.sqlArray('t')} ORDER BY t.token_number) FROM ${s}.opd_tokens t WHERE t.facility_id = d.facility_id AND t.doctor_id = d.doctor_id AND t.day = d.day)
        ) ORDER BY doc.created_at, d.doctor_id, d.day), '[]') AS opd_out
       FROM ${s}.opd_days d JOIN ${s}.opd_doctors doc ON doc.facility_id = d.facility_id AND doc.doctor_id = d.doctor_id
       WHERE d.facility_id = ${F} AND ($1::text IS NULL OR d.doctor_id = $1::text) AND ($2::text IS NULL OR d.day = $2::text)`,
    ),
    tokensToPurge: named(
      'tokens_to_purge',
      `SELECT coalesce(json_agg(json_build_array(x.doctor_id, x.day, x.a) ORDER BY x.doctor_id, x.day, x.token_number), '[]') AS opd_out
       FROM (SELECT t.doctor_id, t.day, t.token_number, ${TOKEN.sqlArray('t')} AS a FROM ${s}.opd_tokens t
             WHERE t.facility_id = ${F} AND t.day < $1::text AND t.patient::jsonb <> $3::jsonb
             ORDER BY t.doctor_id, t.day, t.token_number
             LIMIT $2::integer) x`,
    ),
    history: named('history', `SELECT ${s}.opd_history($1::bigint, $2::integer) AS opd_out`),
    dayHistory: named(
      'day_history',
      `SELECT coalesce(json_agg(json_build_array(e.seq, e.event) ORDER BY e.seq), '[]') AS opd_out
       FROM (SELECT seq, event FROM ${s}.opd_events WHERE facility_id = ${F} AND doctor_id = $1::text AND (event->>'day') = $2::text
             UNION ALL
             SELECT seq, event FROM ${s}.opd_events
             WHERE facility_id = ${F} AND type = 'token:moved' AND (event->>'fromDoctorId') = $1::text AND (event->>'fromDay') = $2::text
               AND NOT (doctor_id = $1::text AND (event->>'day') IS NOT DISTINCT FROM $2::text)) e`,
    ),
    lastSeq: named('horizon', `SELECT to_json(${s}.opd_horizon() - 1) AS opd_out`),
    unitEvents: named(
      'unit_events',
      `SELECT coalesce(json_agg(json_build_array(e.seq, e.event) ORDER BY e.seq), '[]') AS opd_out
       FROM ${s}.opd_events e WHERE e.facility_id = ${F} AND e.seq > $1::bigint AND e.origin = $2::text`,
    ),
    backendAlive: named('alive', `SELECT to_json(EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity WHERE pid = $1::integer)) AS opd_out`),
    listenStart: `SELECT pg_advisory_lock_shared(${listenLockSql(schema)});LISTEN "${channel}"`,
    listenStop: `UNLISTEN "${channel}";SELECT pg_advisory_unlock_shared(${listenLockSql(schema)})`,
  };
}
