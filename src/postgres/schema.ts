import { invalid } from '../errors.js';

/** Statuses that hold or have used a place (kept in step with `isPlaceStatus`). */
const PLACE = `('BOOKED','CHECKED_IN','IN_CONSULTATION','COMPLETED')`;
/** Statuses a day snapshot holds: places and the waitlist. */
const ACTIVE = `('BOOKED','WAITLISTED','CHECKED_IN','IN_CONSULTATION','COMPLETED')`;
/** Statuses that are not terminal (kept in step with `isLiveStatus`). */
const LIVE = `('BOOKED','WAITLISTED','CHECKED_IN','IN_CONSULTATION')`;

/** A schema name, validated and quoted once. */
export interface SchemaName {
  /** The name as given. */
  readonly name: string;
  /** The quoted identifier, for SQL text. */
  readonly sql: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Validates a schema name: letters, digits and underscores, not starting with a digit, at most
 * 63 characters (PostgreSQL's limit). It is always quoted, so case is kept.
 */
export function schemaName(field: string, value: unknown): SchemaName {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw invalid(field, `Expected \`${field}\` to be a schema name of 1 to 63 letters, digits and underscores, not starting with a digit`);
  }
  return { name: value, sql: `"${value}"` };
}

/**
 * The channel of the schema's event notifications: a plain lower-case identifier (PGlite's
 * `listen` does not quote), at most 63 characters. Two schemas differing only in case share it,
 * which only wakes their listeners for nothing.
 */
export function channelOf(schema: SchemaName): string {
  const name = `opd_events_${schema.name.toLowerCase()}`;
  if (name.length <= 63) return name;
  let hash = 0;
  for (const c of schema.name) hash = (Math.imul(hash, 31) + c.charCodeAt(0)) >>> 0;
  return `${name.slice(0, 52)}_${hash.toString(16)}`;
}

/**
 * The first argument of `pg_advisory_xact_lock(int4, int4)` for a schema's doctor locks, so that
 * two schemas on one server never wait for each other (a collision would only serialize more).
 */
function lockClassSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:doctor:${schema.name}`)})`;
}

/**
 * The key of the advisory lock every `listen: true` feed holds (shared, for its session) while it
 * listens: a writer that can take it exclusively knows that nobody listens, and skips `pg_notify`.
 */
export function listenLockSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:listen:${schema.name}`)}), 0`;
}

/**
 * The statement a unit runs after its commit, in a transaction of its own, to wake the feeds of
 * `listen: true` adapters: with a pool, only when one holds the listen lock (a notification
 * commits like a write, with a WAL flush, under a database-wide lock); with PGlite (one session,
 * whose advisory locks never conflict with each other), always.
 */
export function notifySql(schema: SchemaName, kind: 'pool' | 'pglite'): string {
  const notify = `SELECT pg_notify(${literal(channelOf(schema))}, '')`;
  return kind === 'pglite' ? notify : `${notify} WHERE NOT pg_try_advisory_xact_lock(${listenLockSql(schema)})`;
}

/** The key of the advisory lock `migrate` holds. */
export function migrationLockSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:migrate:${schema.name}`)})`;
}

/** A string literal for SQL text (only for constants of this module: identifiers, never user data). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** One versioned step of the schema. */
export interface Migration {
  /** Version, from 1, without gaps. */
  readonly version: number;
  /** Short description, stored with the version. */
  readonly name: string;
  /** The DDL, for a schema. */
  readonly sql: (schema: SchemaName) => string;
}

/**
 * Every table carries `doctor_id` (the distribution column on Citus); `opd_slot_index` is the
 * store-wide index of slot ids (a reference table on Citus); `opd_counters` and
 * `opd_migrations` hold store-wide counters and versions.
 */
const V1 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
CREATE TABLE ${s}.opd_counters (
  name text COLLATE "C" PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO ${s}.opd_counters (name, value) VALUES ('event_seq', 0), ('doctor_id', 0);

-- rev: incremented by every unit of work that writes for the doctor; rows carry the rev that
-- last wrote them, so that a reader holding a day as of rev r reads only what changed since.
CREATE TABLE ${s}.opd_doctors (
  doctor_id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  specialization text,
  consult_minutes double precision,
  created_at bigint NOT NULL,
  rev bigint NOT NULL DEFAULT 0
);

CREATE TABLE ${s}.opd_slot_index (
  slot_id text COLLATE "C" PRIMARY KEY,
  doctor_id text COLLATE "C" NOT NULL
);

CREATE TABLE ${s}.opd_slots (
  doctor_id text COLLATE "C" NOT NULL,
  slot_id text COLLATE "C" NOT NULL,
  day text COLLATE "C" NOT NULL,
  start_at bigint NOT NULL,
  end_at bigint NOT NULL,
  capacity integer NOT NULL CHECK (capacity >= 0),
  overflow_capacity integer NOT NULL CHECK (overflow_capacity >= 0),
  status text NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
  closed_reason text,
  rev bigint NOT NULL,
  PRIMARY KEY (doctor_id, slot_id),
  CHECK (end_at > start_at)
);
CREATE INDEX opd_slots_by_day ON ${s}.opd_slots (doctor_id, day, rev);
CREATE INDEX opd_slots_by_end ON ${s}.opd_slots (doctor_id, end_at);

CREATE TABLE ${s}.opd_days (
  doctor_id text COLLATE "C" NOT NULL,
  day text COLLATE "C" NOT NULL,
  last_token_number integer NOT NULL DEFAULT 0 CHECK (last_token_number >= 0),
  bumps integer NOT NULL DEFAULT 0,
  cascades integer NOT NULL DEFAULT 0,
  promotions integer NOT NULL DEFAULT 0,
  drops integer NOT NULL DEFAULT 0,
  PRIMARY KEY (doctor_id, day)
);

CREATE TABLE ${s}.opd_tokens (
  doctor_id text COLLATE "C" NOT NULL,
  day text COLLATE "C" NOT NULL,
  token_number integer NOT NULL CHECK (token_number >= 1),
  token_id text COLLATE "C" NOT NULL,
  slot_id text COLLATE "C",
  waiting_for_slot_id text COLLATE "C",
  category text NOT NULL,
  rank double precision NOT NULL,
  status text NOT NULL CHECK (status IN ('BOOKED','WAITLISTED','CHECKED_IN','IN_CONSULTATION','COMPLETED','CANCELLED','NO_SHOW','DROPPED')),
  patient json NOT NULL,
  patient_id text COLLATE "C",
  patient_guard text COLLATE "C",
  requested_at bigint NOT NULL,
  bump_count integer NOT NULL CHECK (bump_count >= 0),
  placed_at bigint,
  not_before bigint,
  idempotency_key text COLLATE "C",
  cancel_reason text,
  updated_at bigint NOT NULL,
  rev bigint NOT NULL,
  PRIMARY KEY (doctor_id, day, token_number),
  CHECK ((status IN ${PLACE}) = (slot_id IS NOT NULL)),
  CHECK (status = 'WAITLISTED' OR waiting_for_slot_id IS NULL)
);
-- What changed in a doctor-day since a rev.
CREATE INDEX opd_tokens_by_rev ON ${s}.opd_tokens (doctor_id, day, rev);
-- The duplicate-booking guard: one live token per patient per doctor-day, for tokens created under it.
CREATE UNIQUE INDEX opd_tokens_live_patient ON ${s}.opd_tokens (doctor_id, day, patient_guard)
  WHERE patient_guard IS NOT NULL AND status IN ${LIVE};

CREATE TABLE ${s}.opd_idempotency (
  doctor_id text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  fingerprint text NOT NULL,
  token_id text COLLATE "C" NOT NULL,
  seq_base bigint NOT NULL,
  result json NOT NULL,
  PRIMARY KEY (doctor_id, key)
);

CREATE TABLE ${s}.opd_events (
  seq bigint NOT NULL,
  doctor_id text COLLATE "C" NOT NULL,
  origin text NOT NULL,
  type text NOT NULL,
  event json NOT NULL,
  PRIMARY KEY (seq, doctor_id)
);
${functionsV1(schema)}
`;
};

/** A slot row as a JSON array, in the order `slotFromArray` reads. */
const SLOT_JSON = (t: string): string =>
  `json_build_array(${t}.doctor_id, ${t}.slot_id, ${t}.day, ${t}.start_at, ${t}.end_at, ${t}.capacity, ${t}.overflow_capacity, ${t}.status, ${t}.closed_reason, ${t}.rev)`;
/** A token row (without its doctor and day) as a JSON array, in the order `tokenFromArray` reads. */
const TOKEN_JSON = (t: string): string =>
  `json_build_array(${t}.token_number, ${t}.slot_id, ${t}.waiting_for_slot_id, ${t}.category, ${t}.rank, ${t}.status, ${t}.patient, ${t}.requested_at, ${t}.bump_count, ${t}.placed_at, ${t}.not_before, ${t}.idempotency_key, ${t}.cancel_reason, ${t}.updated_at, ${t}.rev)`;
const DAY_JSON = (t: string): string => `json_build_array(${t}.last_token_number, ${t}.bumps, ${t}.cascades, ${t}.promotions, ${t}.drops)`;

function functionsV1(schema: SchemaName): string {
  const s = schema.sql;
  return `
-- Resolves the doctor of a load request, takes its lock when asked, then reads everything the
-- request names. VOLATILE: each statement takes a fresh snapshot (READ COMMITTED), so the reads
-- after the lock see every unit committed before it was granted. Days the caller holds as of a
-- rev ("known") come back as what changed since; others in full.
CREATE FUNCTION ${s}.opd_load(req json, take_lock boolean, lock_timeout text, statement_timeout text) RETURNS json
LANGUAGE plpgsql VOLATILE
-- The statements' plans depend on nothing that varies: planning them again on each call cost
-- more than running them. Index lookups only: the tables they read are small but rewritten by
-- every unit (doctors' revs, day counters, the event counter), and a sequential scan walks every
-- dead row version left on their pages.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $fn$
DECLARE
  v_doctor text := req->>'doctorId';
  v_slot_id text := req->>'slotId';
  v_token_doctor text := req->>'tokenDoctorId';
  v_known json := req->'known';
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
  v_idem json;
BEGIN
  IF lock_timeout IS NOT NULL THEN
    PERFORM set_config('lock_timeout', lock_timeout, true), set_config('statement_timeout', statement_timeout, true);
  END IF;
  IF v_token_doctor IS NOT NULL THEN
    SELECT * INTO v_token FROM ${s}.opd_tokens
      WHERE doctor_id = v_token_doctor AND day = req->>'tokenDay' AND token_number = (req->>'tokenNumber')::integer
        AND token_id = req->>'tokenId';
  END IF;
  IF v_doctor IS NULL AND v_token.doctor_id IS NULL AND v_slot_id IS NOT NULL THEN
    SELECT doctor_id INTO v_slot_doctor FROM ${s}.opd_slot_index WHERE slot_id = v_slot_id;
  END IF;
  v_doctor := coalesce(v_doctor, v_token.doctor_id, v_slot_doctor);
  IF take_lock AND v_doctor IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(${lockClassSql(schema)}, hashtext(v_doctor));
    -- Read again after the lock: the token may have changed meanwhile.
    IF v_token.doctor_id IS NOT NULL THEN
      SELECT * INTO v_token FROM ${s}.opd_tokens
        WHERE doctor_id = v_token.doctor_id AND day = v_token.day AND token_number = v_token.token_number;
    END IF;
  END IF;
  IF v_doctor IS NOT NULL THEN
    SELECT * INTO v_doctor_row FROM ${s}.opd_doctors d WHERE d.doctor_id = v_doctor;
  END IF;
  IF v_slot_id IS NOT NULL THEN
    SELECT sl.* INTO v_slot FROM ${s}.opd_slot_index x JOIN ${s}.opd_slots sl ON sl.doctor_id = x.doctor_id AND sl.slot_id = x.slot_id
      WHERE x.slot_id = v_slot_id;
  END IF;
  IF v_doctor_row.doctor_id IS NOT NULL THEN
    IF v_token.doctor_id = v_doctor THEN
      v_token_out := json_build_array(v_token.day, ${TOKEN_JSON('v_token')});
      v_days := v_days || v_token.day;
    END IF;
    IF v_slot.doctor_id = v_doctor AND NOT v_slot.day = ANY (v_days) THEN v_days := v_days || v_slot.day; END IF;
    FOR v_day IN SELECT json_array_elements_text(req->'days') LOOP
      IF NOT v_day = ANY (v_days) THEN v_days := v_days || v_day; END IF;
    END LOOP;
    SELECT json_agg(json_build_array(
        x.day,
        coalesce((v_known->>x.day)::bigint, -1),
        (SELECT ${DAY_JSON('r')} FROM ${s}.opd_days r WHERE r.doctor_id = v_doctor AND r.day = x.day),
        (SELECT json_agg(${SLOT_JSON('sl')}) FROM ${s}.opd_slots sl
          WHERE sl.doctor_id = v_doctor AND sl.day = x.day AND sl.rev > coalesce((v_known->>x.day)::bigint, -1)),
        CASE WHEN v_known->>x.day IS NULL THEN
          (SELECT json_agg(${TOKEN_JSON('t')}) FROM ${s}.opd_tokens t
            WHERE t.doctor_id = v_doctor AND t.day = x.day AND t.status IN ${ACTIVE})
        ELSE
          (SELECT json_agg(${TOKEN_JSON('t')}) FROM ${s}.opd_tokens t
            WHERE t.doctor_id = v_doctor AND t.day = x.day AND t.rev > (v_known->>x.day)::bigint)
        END
      ) ORDER BY x.ord)
      INTO v_out_days
      FROM unnest(v_days) WITH ORDINALITY AS x(day, ord);
    IF req->>'idempotencyKey' IS NOT NULL THEN
      SELECT row_to_json(i) INTO v_idem FROM ${s}.opd_idempotency i WHERE i.doctor_id = v_doctor AND i.key = req->>'idempotencyKey';
    END IF;
  END IF;
  IF req->'slotIds' IS NULL THEN
    IF v_slot.slot_id IS NOT NULL THEN v_slots := json_build_array(${SLOT_JSON('v_slot')}); END IF;
  ELSE
    SELECT json_agg(${SLOT_JSON('sl')}) INTO v_slots
      FROM (SELECT v_slot_id AS slot_id WHERE v_slot_id IS NOT NULL
            UNION SELECT json_array_elements_text(req->'slotIds')) w
      JOIN ${s}.opd_slot_index x ON x.slot_id = w.slot_id
      JOIN ${s}.opd_slots sl ON sl.doctor_id = x.doctor_id AND sl.slot_id = x.slot_id;
  END IF;
  IF req->'schedule' IS NOT NULL THEN
    WITH w AS (
      SELECT * FROM ${s}.opd_slots sl
      WHERE v_doctor_row.doctor_id IS NOT NULL AND sl.doctor_id = v_doctor
        AND sl.end_at > (req->'schedule'->>'from')::bigint
        AND (req->'schedule'->>'to' IS NULL OR sl.start_at < (req->'schedule'->>'to')::bigint)
    ), occupancy AS (
      SELECT t.slot_id, count(*) AS n FROM ${s}.opd_tokens t
      WHERE t.doctor_id = v_doctor AND t.day IN (SELECT DISTINCT day FROM w) AND t.status IN ${PLACE}
      GROUP BY t.slot_id
    )
    SELECT coalesce(json_agg(json_build_array(${SLOT_JSON('w')}, coalesce(o.n, 0)) ORDER BY w.start_at), '[]')
      INTO v_schedule
      FROM w LEFT JOIN occupancy o ON o.slot_id = w.slot_id;
  END IF;
  RETURN json_build_array(
    CASE WHEN v_doctor_row.doctor_id IS NULL THEN NULL ELSE json_build_array(v_doctor_row.doctor_id, v_doctor_row.name,
      v_doctor_row.specialization, v_doctor_row.consult_minutes, v_doctor_row.created_at, v_doctor_row.rev) END,
    v_out_days, v_token_out, v_slots, v_schedule, v_idem);
END
$fn$;

-- Writes a whole change set for one doctor, stamping every row with the doctor's next rev.
-- Counters and events come last: the store-wide event counter row is locked from there to the
-- commit, which orders event numbers by commit. Returns [first seq - 1, rev].
CREATE FUNCTION ${s}.opd_write(v_doctor text, doctor json, new_slots json, updated_slots json, days json, new_tokens json,
  updated_tokens json, events json, idempotency json, origin text, enforce_limit boolean, notify boolean) RETURNS json
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $fn$
DECLARE
  v_rev bigint := 0;
  v_count integer;
  v_base bigint := 0;
  v_events integer := coalesce(json_array_length(events), 0);
  v_bad text;
BEGIN
  IF doctor IS NOT NULL THEN
    INSERT INTO ${s}.opd_doctors (doctor_id, name, specialization, consult_minutes, created_at)
      SELECT doctor_id, name, specialization, consult_minutes, created_at FROM json_populate_record(NULL::${s}.opd_doctors, doctor);
  END IF;
  IF v_doctor IS NOT NULL THEN
    UPDATE ${s}.opd_doctors SET rev = rev + 1 WHERE doctor_id = v_doctor RETURNING rev INTO v_rev;
    IF v_rev IS NULL THEN
      RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (doctor)' USING ERRCODE = 'OPD01';
    END IF;
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
      WHERE sl.doctor_id = u.doctor_id AND sl.slot_id = u.slot_id AND sl.day = u.day AND sl.start_at = u.start_at AND sl.end_at = u.end_at;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> json_array_length(updated_slots) THEN
      RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (slot)' USING ERRCODE = 'OPD01';
    END IF;
  END IF;
  IF days IS NOT NULL THEN
    INSERT INTO ${s}.opd_days AS d SELECT * FROM json_populate_recordset(NULL::${s}.opd_days, days)
      ON CONFLICT (doctor_id, day) DO UPDATE SET last_token_number = excluded.last_token_number, bumps = excluded.bumps,
        cascades = excluded.cascades, promotions = excluded.promotions, drops = excluded.drops
      WHERE d.last_token_number <= excluded.last_token_number;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> json_array_length(days) THEN
      RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (token counter)' USING ERRCODE = 'OPD01';
    END IF;
  END IF;
  IF new_tokens IS NOT NULL THEN
    INSERT INTO ${s}.opd_tokens (doctor_id, day, token_number, token_id, slot_id, waiting_for_slot_id, category, rank, status,
        patient, patient_id, patient_guard, requested_at, bump_count, placed_at, not_before, idempotency_key, cancel_reason, updated_at, rev)
      SELECT doctor_id, day, token_number, token_id, slot_id, waiting_for_slot_id, category, rank, status,
        patient, patient_id, patient_guard, requested_at, bump_count, placed_at, not_before, idempotency_key, cancel_reason, updated_at, v_rev
      FROM json_populate_recordset(NULL::${s}.opd_tokens, new_tokens);
    -- Token numbers never run ahead of the day's counter.
    SELECT t.token_id INTO v_bad FROM json_populate_recordset(NULL::${s}.opd_tokens, new_tokens) t
      LEFT JOIN ${s}.opd_days d ON d.doctor_id = t.doctor_id AND d.day = t.day
      WHERE d.day IS NULL OR t.token_number > d.last_token_number LIMIT 1;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (token number)' USING ERRCODE = 'OPD01';
    END IF;
  END IF;
  IF updated_tokens IS NOT NULL THEN
    UPDATE ${s}.opd_tokens t SET slot_id = u.slot_id, waiting_for_slot_id = u.waiting_for_slot_id, rank = u.rank,
        status = u.status, bump_count = u.bump_count, placed_at = u.placed_at, not_before = u.not_before,
        cancel_reason = u.cancel_reason, updated_at = u.updated_at, rev = v_rev
      FROM json_populate_recordset(NULL::${s}.opd_tokens, updated_tokens) u
      WHERE t.doctor_id = u.doctor_id AND t.day = u.day AND t.token_number = u.token_number AND t.token_id = u.token_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> json_array_length(updated_tokens) THEN
      RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (token)' USING ERRCODE = 'OPD01';
    END IF;
  END IF;
  IF enforce_limit AND (new_tokens IS NOT NULL OR updated_tokens IS NOT NULL OR updated_slots IS NOT NULL) THEN
    SELECT sl.slot_id INTO v_bad
      FROM (SELECT doctor_id, day, slot_id FROM json_populate_recordset(NULL::${s}.opd_tokens, new_tokens)
            UNION SELECT doctor_id, day, slot_id FROM json_populate_recordset(NULL::${s}.opd_tokens, updated_tokens)
            UNION SELECT doctor_id, day, slot_id FROM json_populate_recordset(NULL::${s}.opd_slots, updated_slots)) x
      JOIN ${s}.opd_slots sl ON sl.doctor_id = x.doctor_id AND sl.slot_id = x.slot_id
      WHERE (SELECT count(*) FROM ${s}.opd_tokens t
              WHERE t.doctor_id = x.doctor_id AND t.day = x.day AND t.slot_id = x.slot_id AND t.status IN ${PLACE})
            > sl.capacity + sl.overflow_capacity
      LIMIT 1;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'opd-scheduler refused to fill a slot beyond capacity + overflowCapacity' USING ERRCODE = 'OPD02';
    END IF;
  END IF;
  -- Last, in one statement: from here to the commit, the counter row is locked.
  IF v_events > 0 OR idempotency IS NOT NULL THEN
    WITH counter AS (
      UPDATE ${s}.opd_counters SET value = value + v_events WHERE name = 'event_seq' AND v_events > 0 RETURNING value - v_events AS base
    ), base AS (
      SELECT coalesce((SELECT base FROM counter), 0) AS base
    ), stored AS (
      INSERT INTO ${s}.opd_events (seq, doctor_id, origin, type, event)
        SELECT base.base + e.ord, e.v->>'doctorId', origin, e.v->>'type', e.v
        FROM base, json_array_elements(events) WITH ORDINALITY AS e(v, ord)
    ), idem AS (
      INSERT INTO ${s}.opd_idempotency (doctor_id, key, fingerprint, token_id, seq_base, result)
        SELECT idempotency->>'doctor_id', idempotency->>'key', idempotency->>'fingerprint', idempotency->>'token_id', base.base,
          idempotency->'result'
        FROM base WHERE idempotency IS NOT NULL
    )
    SELECT base.base INTO v_base FROM base;
    IF notify AND v_events > 0 THEN
      PERFORM pg_notify(${literal(channelOf(schema))}, (v_base + v_events)::text);
    END IF;
  END IF;
  RETURN json_build_array(v_base, v_rev);
END
$fn$;
`;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: 'tokens, slots, days, idempotency keys, events', sql: V1 }];

/** Creates the table of versions (idempotent). */
export function bootstrapSql(schema: SchemaName): string {
  return `CREATE TABLE IF NOT EXISTS ${schema.sql}.opd_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`;
}
