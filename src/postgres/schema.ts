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
 * The channel of the schema's event notifications. Quoted for `LISTEN`; the raw name for
 * `pg_notify`.
 */
export function channelOf(schema: SchemaName): string {
  return `opd_events.${schema.name}`;
}

/**
 * The first argument of `pg_advisory_xact_lock(int4, int4)` for a schema's doctor locks, so that
 * two schemas on one server never wait for each other (a collision would only serialize more).
 */
function lockClassSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:doctor:${schema.name}`)})`;
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

CREATE TABLE ${s}.opd_doctors (
  doctor_id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  specialization text,
  consult_minutes double precision,
  created_at bigint NOT NULL
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
  PRIMARY KEY (doctor_id, slot_id),
  CHECK (end_at > start_at)
);
CREATE INDEX opd_slots_by_day ON ${s}.opd_slots (doctor_id, day, start_at);
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
  PRIMARY KEY (doctor_id, day, token_number),
  CHECK ((status IN ${PLACE}) = (slot_id IS NOT NULL)),
  CHECK (status = 'WAITLISTED' OR waiting_for_slot_id IS NULL)
);
-- Day snapshots (places and waitlist) and slot occupancy.
CREATE INDEX opd_tokens_active ON ${s}.opd_tokens (doctor_id, day, slot_id) WHERE status IN ${ACTIVE};
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

function functionsV1(schema: SchemaName): string {
  const s = schema.sql;
  return `
-- Resolves the doctor of a load request, takes its lock when asked, then reads everything the
-- request names. VOLATILE: each statement takes a fresh snapshot (READ COMMITTED), so the reads
-- after the lock see every unit committed before it was granted.
CREATE FUNCTION ${s}.opd_load(req json, take_lock boolean) RETURNS json
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_doctor text := req->>'doctorId';
  v_slot_id text := req->>'slotId';
  v_token_doctor text := req->>'tokenDoctorId';
  v_token ${s}.opd_tokens;
  v_slot_doctor text;
  v_slot_day text;
  v_doctor_row json;
  v_days text[] := ARRAY[]::text[];
  v_day text;
  v_out_days json;
  v_tokens json := '[]';
  v_slots json;
  v_schedule json;
  v_idem json;
BEGIN
  IF v_token_doctor IS NOT NULL THEN
    SELECT * INTO v_token FROM ${s}.opd_tokens
      WHERE doctor_id = v_token_doctor AND day = req->>'tokenDay' AND token_number = (req->>'tokenNumber')::integer
        AND token_id = req->>'tokenId';
  END IF;
  IF v_slot_id IS NOT NULL THEN
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
    SELECT row_to_json(d) INTO v_doctor_row FROM ${s}.opd_doctors d WHERE d.doctor_id = v_doctor;
  END IF;
  IF v_doctor_row IS NOT NULL THEN
    IF v_token.doctor_id = v_doctor THEN
      v_tokens := json_build_array(row_to_json(v_token));
      v_days := v_days || v_token.day;
    END IF;
    IF v_slot_doctor = v_doctor THEN
      SELECT day INTO v_slot_day FROM ${s}.opd_slots WHERE doctor_id = v_doctor AND slot_id = v_slot_id;
      IF v_slot_day IS NOT NULL AND NOT v_slot_day = ANY (v_days) THEN v_days := v_days || v_slot_day; END IF;
    END IF;
    FOR v_day IN SELECT json_array_elements_text(req->'days') LOOP
      IF NOT v_day = ANY (v_days) THEN v_days := v_days || v_day; END IF;
    END LOOP;
    SELECT json_agg(json_build_object(
        'day', x.day,
        'record', (SELECT row_to_json(r) FROM ${s}.opd_days r WHERE r.doctor_id = v_doctor AND r.day = x.day),
        'slots', (SELECT json_agg(sl ORDER BY sl.start_at) FROM ${s}.opd_slots sl WHERE sl.doctor_id = v_doctor AND sl.day = x.day),
        'tokens', (SELECT json_agg(t ORDER BY t.token_number) FROM ${s}.opd_tokens t
                    WHERE t.doctor_id = v_doctor AND t.day = x.day AND t.status IN ${ACTIVE})
      ) ORDER BY x.ord)
      INTO v_out_days
      FROM unnest(v_days) WITH ORDINALITY AS x(day, ord);
    IF req->>'idempotencyKey' IS NOT NULL THEN
      SELECT row_to_json(i) INTO v_idem FROM ${s}.opd_idempotency i WHERE i.doctor_id = v_doctor AND i.key = req->>'idempotencyKey';
    END IF;
  END IF;
  IF v_slot_id IS NOT NULL OR req->'slotIds' IS NOT NULL THEN
    SELECT json_agg(sl) INTO v_slots FROM ${s}.opd_slot_index x
      JOIN ${s}.opd_slots sl ON sl.doctor_id = x.doctor_id AND sl.slot_id = x.slot_id
      WHERE x.slot_id = v_slot_id OR x.slot_id IN (SELECT json_array_elements_text(req->'slotIds'));
  END IF;
  IF req->'schedule' IS NOT NULL THEN
    SELECT coalesce(json_agg(json_build_object(
        'slot', row_to_json(sl),
        'occupancy', (SELECT count(*) FROM ${s}.opd_tokens t
                       WHERE t.doctor_id = sl.doctor_id AND t.day = sl.day AND t.slot_id = sl.slot_id AND t.status IN ${PLACE})
      ) ORDER BY sl.start_at), '[]')
      INTO v_schedule
      FROM ${s}.opd_slots sl
      WHERE v_doctor_row IS NOT NULL AND sl.doctor_id = v_doctor
        AND sl.end_at > (req->'schedule'->>'from')::bigint
        AND (req->'schedule'->>'to' IS NULL OR sl.start_at < (req->'schedule'->>'to')::bigint);
  END IF;
  RETURN json_build_object('doctor', v_doctor_row, 'days', v_out_days, 'tokens', v_tokens, 'slots', v_slots,
    'schedule', v_schedule, 'idempotency', v_idem);
END
$fn$;

-- Writes a whole change set. Counters and events come last: the store-wide event counter row is
-- locked from here to the commit, which orders event numbers by commit.
CREATE FUNCTION ${s}.opd_write(ch json, origin text, enforce_limit boolean, notify boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_count integer;
  v_expected integer;
  v_base bigint := 0;
  v_events integer := coalesce(json_array_length(ch->'events'), 0);
  v_bad text;
BEGIN
  IF ch->'doctor' IS NOT NULL THEN
    INSERT INTO ${s}.opd_doctors SELECT * FROM json_populate_record(NULL::${s}.opd_doctors, ch->'doctor');
  END IF;
  IF ch->'newSlots' IS NOT NULL THEN
    INSERT INTO ${s}.opd_slot_index (slot_id, doctor_id)
      SELECT slot_id, doctor_id FROM json_populate_recordset(NULL::${s}.opd_slots, ch->'newSlots');
    INSERT INTO ${s}.opd_slots SELECT * FROM json_populate_recordset(NULL::${s}.opd_slots, ch->'newSlots');
    INSERT INTO ${s}.opd_days (doctor_id, day)
      SELECT DISTINCT doctor_id, day FROM json_populate_recordset(NULL::${s}.opd_slots, ch->'newSlots')
      ON CONFLICT DO NOTHING;
  END IF;
  IF ch->'updatedSlots' IS NOT NULL THEN
    UPDATE ${s}.opd_slots sl SET capacity = u.capacity, overflow_capacity = u.overflow_capacity, status = u.status,
        closed_reason = u.closed_reason
      FROM json_populate_recordset(NULL::${s}.opd_slots, ch->'updatedSlots') u
      WHERE sl.doctor_id = u.doctor_id AND sl.slot_id = u.slot_id AND sl.day = u.day AND sl.start_at = u.start_at AND sl.end_at = u.end_at;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> json_array_length(ch->'updatedSlots') THEN
      RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (slot)' USING ERRCODE = 'OPD01';
    END IF;
  END IF;
  IF ch->'days' IS NOT NULL THEN
    INSERT INTO ${s}.opd_days AS d SELECT * FROM json_populate_recordset(NULL::${s}.opd_days, ch->'days')
      ON CONFLICT (doctor_id, day) DO UPDATE SET last_token_number = excluded.last_token_number, bumps = excluded.bumps,
        cascades = excluded.cascades, promotions = excluded.promotions, drops = excluded.drops
      WHERE d.last_token_number <= excluded.last_token_number;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> json_array_length(ch->'days') THEN
      RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (token counter)' USING ERRCODE = 'OPD01';
    END IF;
  END IF;
  IF ch->'newTokens' IS NOT NULL THEN
    INSERT INTO ${s}.opd_tokens SELECT * FROM json_populate_recordset(NULL::${s}.opd_tokens, ch->'newTokens');
    -- Token numbers never run ahead of the day's counter.
    SELECT t.token_id INTO v_bad FROM json_populate_recordset(NULL::${s}.opd_tokens, ch->'newTokens') t
      LEFT JOIN ${s}.opd_days d ON d.doctor_id = t.doctor_id AND d.day = t.day
      WHERE d.day IS NULL OR t.token_number > d.last_token_number LIMIT 1;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (token number)' USING ERRCODE = 'OPD01';
    END IF;
  END IF;
  IF ch->'updatedTokens' IS NOT NULL THEN
    UPDATE ${s}.opd_tokens t SET slot_id = u.slot_id, waiting_for_slot_id = u.waiting_for_slot_id, rank = u.rank,
        status = u.status, bump_count = u.bump_count, placed_at = u.placed_at, not_before = u.not_before,
        cancel_reason = u.cancel_reason, updated_at = u.updated_at
      FROM json_populate_recordset(NULL::${s}.opd_tokens, ch->'updatedTokens') u
      WHERE t.doctor_id = u.doctor_id AND t.day = u.day AND t.token_number = u.token_number AND t.token_id = u.token_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> json_array_length(ch->'updatedTokens') THEN
      RAISE EXCEPTION 'opd-scheduler refused an inconsistent change (token)' USING ERRCODE = 'OPD01';
    END IF;
  END IF;
  IF enforce_limit AND (ch->'newTokens' IS NOT NULL OR ch->'updatedTokens' IS NOT NULL OR ch->'updatedSlots' IS NOT NULL) THEN
    SELECT sl.slot_id INTO v_bad
      FROM (SELECT doctor_id, day, slot_id FROM json_populate_recordset(NULL::${s}.opd_tokens, ch->'newTokens')
            UNION SELECT doctor_id, day, slot_id FROM json_populate_recordset(NULL::${s}.opd_tokens, ch->'updatedTokens')
            UNION SELECT doctor_id, day, slot_id FROM json_populate_recordset(NULL::${s}.opd_slots, ch->'updatedSlots')) x
      JOIN ${s}.opd_slots sl ON sl.doctor_id = x.doctor_id AND sl.slot_id = x.slot_id
      WHERE (SELECT count(*) FROM ${s}.opd_tokens t
              WHERE t.doctor_id = x.doctor_id AND t.day = x.day AND t.slot_id = x.slot_id AND t.status IN ${PLACE})
            > sl.capacity + sl.overflow_capacity
      LIMIT 1;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'opd-scheduler refused to fill a slot beyond capacity + overflowCapacity' USING ERRCODE = 'OPD02';
    END IF;
  END IF;
  IF v_events > 0 THEN
    UPDATE ${s}.opd_counters SET value = value + v_events WHERE name = 'event_seq' RETURNING value - v_events INTO v_base;
    INSERT INTO ${s}.opd_events (seq, doctor_id, origin, type, event)
      SELECT v_base + e.ord, e.v->>'doctorId', origin, e.v->>'type', e.v
      FROM json_array_elements(ch->'events') WITH ORDINALITY AS e(v, ord);
    IF notify THEN
      PERFORM pg_notify(${literal(channelOf(schema))}, (v_base + v_events)::text);
    END IF;
  END IF;
  IF ch->'idempotency' IS NOT NULL THEN
    INSERT INTO ${s}.opd_idempotency (doctor_id, key, fingerprint, token_id, seq_base, result)
      SELECT ch->'idempotency'->>'doctor_id', ch->'idempotency'->>'key', ch->'idempotency'->>'fingerprint',
        ch->'idempotency'->>'token_id', v_base, ch->'idempotency'->'result';
  END IF;
  RETURN v_base;
END
$fn$;
`;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: 'tokens, slots, days, idempotency keys, events', sql: V1 }];

/** Creates the schema and the table of versions (both idempotent). */
export function bootstrapSql(schema: SchemaName): string {
  return `CREATE SCHEMA IF NOT EXISTS ${schema.sql};
CREATE TABLE IF NOT EXISTS ${schema.sql}.opd_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`;
}
