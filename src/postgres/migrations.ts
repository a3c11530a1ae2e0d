/**
 * The table migrations of the PostgreSQL schema, in order (`MIGRATIONS`), and the table of
 * versions they are recorded in: what `migrate` applies.
 */
import { PLACE, LIVE, ANY_STATUS, UNSEEN, FACILITY, literal, type SchemaName } from './schema.js';

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
  status text NOT NULL CHECK (status IN ${ANY_STATUS}),
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
`;
};

/**
 * Version 2: no store-wide row on the write path. Event numbers come from a sequence (taken by
 * each unit under a lock held for microseconds, never through its commit; readers stop at the
 * first number a unit in flight still holds, see `opd_horizon`), generated doctor ids from
 * another; `opd_counters` goes. The duplicate-booking index keeps a digest of the patient id, so
 * that a violation never prints the id in the server log.
 */
const V2 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
CREATE SEQUENCE ${s}.opd_event_seq AS bigint MINVALUE 1 CACHE 1;
SELECT setval('${schema.sql.replaceAll("'", "''")}.opd_event_seq', coalesce((SELECT max(seq) FROM ${s}.opd_events), 0) + 1, false);
CREATE SEQUENCE ${s}.opd_doctor_id_seq AS bigint MINVALUE 1 CACHE 1;
SELECT setval('${schema.sql.replaceAll("'", "''")}.opd_doctor_id_seq', coalesce((SELECT value FROM ${s}.opd_counters WHERE name = 'doctor_id'), 0) + 1, false);
DROP TABLE ${s}.opd_counters;
DROP FUNCTION IF EXISTS ${s}.opd_write(text, json, json, json, json, json, json, json, json, text, boolean, boolean);
DROP INDEX ${s}.opd_tokens_live_patient;
CREATE UNIQUE INDEX opd_tokens_live_patient ON ${s}.opd_tokens (doctor_id, day, md5(patient_guard))
  WHERE patient_guard IS NOT NULL AND status IN ${LIVE};
`;
};

/**
 * Version 3: departments. A doctor may belong to one; a unit over a department finds its doctors
 * through the index.
 */
const V3 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
ALTER TABLE ${s}.opd_doctors ADD COLUMN department text COLLATE "C";
CREATE INDEX opd_doctors_by_department ON ${s}.opd_doctors (department, doctor_id) WHERE department IS NOT NULL;
`;
};

/**
 * Version 4: the front desk. `opd_events.actor` keeps who made the call that caused each event
 * (staff or a system, never patient data), so that an audit can select by it. Holds: status
 * `HELD` (a place, and live) and `opd_tokens.hold_expires_at`; the checks on token rows and the
 * duplicate-booking index are made again from the status sets, and an index finds ended holds.
 * Labels: `opd_tokens.label` (the token number as text for earlier tokens), unique per
 * doctor-day, and `opd_days.label_counters`, the last number of each label series.
 */
const V4 = (schema: SchemaName): string => {
  const s = schema.sql;
  const table = literal(`${s}.opd_tokens`);
  return `
ALTER TABLE ${s}.opd_events ADD COLUMN IF NOT EXISTS actor text;
ALTER TABLE ${s}.opd_tokens ADD COLUMN IF NOT EXISTS hold_expires_at bigint;
DO $v4$
DECLARE c record;
BEGIN
  FOR c IN SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = ${table}::regclass AND contype = 'c' LOOP
    EXECUTE format('ALTER TABLE ${s.replaceAll("'", "''")}.opd_tokens DROP CONSTRAINT %I', c.conname);
  END LOOP;
END
$v4$;
ALTER TABLE ${s}.opd_tokens
  ADD CONSTRAINT opd_tokens_number CHECK (token_number >= 1),
  ADD CONSTRAINT opd_tokens_bumps CHECK (bump_count >= 0),
  ADD CONSTRAINT opd_tokens_status CHECK (status IN ${ANY_STATUS}),
  ADD CONSTRAINT opd_tokens_place CHECK ((status IN ${PLACE}) = (slot_id IS NOT NULL)),
  ADD CONSTRAINT opd_tokens_waiting CHECK (status = 'WAITLISTED' OR waiting_for_slot_id IS NULL),
  ADD CONSTRAINT opd_tokens_hold CHECK ((status = 'HELD') = (hold_expires_at IS NOT NULL));
DROP INDEX ${s}.opd_tokens_live_patient;
CREATE UNIQUE INDEX opd_tokens_live_patient ON ${s}.opd_tokens (doctor_id, day, md5(patient_guard))
  WHERE patient_guard IS NOT NULL AND status IN ${LIVE};
CREATE INDEX opd_tokens_held ON ${s}.opd_tokens (hold_expires_at) WHERE status = 'HELD';
ALTER TABLE ${s}.opd_tokens ADD COLUMN IF NOT EXISTS label text;
UPDATE ${s}.opd_tokens SET label = token_number::text WHERE label IS NULL;
ALTER TABLE ${s}.opd_tokens ALTER COLUMN label SET NOT NULL;
CREATE UNIQUE INDEX opd_tokens_label ON ${s}.opd_tokens (doctor_id, day, label);
ALTER TABLE ${s}.opd_days ADD COLUMN IF NOT EXISTS label_counters jsonb NOT NULL DEFAULT '{}';
`;
};

/**
 * Version 5: the sweep's search for due days reads only the tokens that can be due. Booked tokens
 * are found by day (only the days up to the cutoff's are read) and waitlisted ones too (only the
 * days whose slots may still be open), however many days of history the table holds. Both indexes
 * are partial (a token leaves them when it is swept, checked in or cancelled) and keyed by the day
 * alone, which the index keeps once for all its tokens: the least a booking writes for them.
 */
const V5 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
CREATE INDEX opd_tokens_booked ON ${s}.opd_tokens (day) WHERE status = 'BOOKED';
CREATE INDEX opd_tokens_waitlisted ON ${s}.opd_tokens (day) WHERE status = 'WAITLISTED';
`;
};

/**
 * Version 6: doctor management. A doctor's room, and from when (and why) the doctor is retired;
 * `NULL` for every doctor stored before.
 */
const V6 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
ALTER TABLE ${s}.opd_doctors
  ADD COLUMN IF NOT EXISTS room text,
  ADD COLUMN IF NOT EXISTS retired_from bigint,
  ADD COLUMN IF NOT EXISTS retired_reason text;
`;
};

/**
 * Version 7: offers of freed places. A day's offers (`DayRecord.offers`: each place held for an
 * offer, its candidates and their answers) in the day's row, so that they are read and written
 * with the day under the doctor's lock — one offer per place by construction, each answer
 * recorded once; and the earliest due time of its open offers, indexed, for the sweep.
 */
const V7 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
ALTER TABLE ${s}.opd_days
  ADD COLUMN IF NOT EXISTS offers jsonb,
  ADD COLUMN IF NOT EXISTS offer_due_at bigint;
CREATE INDEX IF NOT EXISTS opd_days_offer_due ON ${s}.opd_days (offer_due_at) WHERE offer_due_at IS NOT NULL;
`;
};

/**
 * Version 8: closing a day. A token carried from a closed day names the token it replaces
 * (`carried_from`) and keeps when its patient became due (`due_at`); `NULL` for every other
 * token. The sweep finds the days to close through an index of the tokens a closing ends, by day.
 */
const V8 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
ALTER TABLE ${s}.opd_tokens
  ADD COLUMN IF NOT EXISTS carried_from text,
  ADD COLUMN IF NOT EXISTS due_at bigint;
CREATE INDEX IF NOT EXISTS opd_tokens_unseen ON ${s}.opd_tokens (day) WHERE status IN ${UNSEEN};
`;
};

/**
 * Version 9: a patient's tokens found by index, for the duplicate rules that reach beyond one
 * doctor-day (a department's or the facility's day, a cap on live tokens): read by patient id and
 * day, under the patient's lock.
 */
const V9 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
CREATE INDEX opd_tokens_by_patient ON ${s}.opd_tokens (patient_id, day) WHERE patient_id IS NOT NULL;
`;
};

/**
 * Version 10: the live queue's call order and notices. The order of a token's first call in its
 * doctor-day (`call_index`), the estimated start its patient was last told of (`told_eta`), and
 * whether its turn-near notice was sent; `NULL` and `false` for every token stored before.
 */
const V10 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
ALTER TABLE ${s}.opd_tokens
  ADD COLUMN IF NOT EXISTS call_index integer,
  ADD COLUMN IF NOT EXISTS told_eta bigint,
  ADD COLUMN IF NOT EXISTS turn_near_sent boolean NOT NULL DEFAULT false;
`;
};

/**
 * Version 11: a doctor-day's events found by index (`dayHistory`, read by `explain` and
 * `fairness`): by the event's doctor and day, and a moved patient's by the doctor and day it left.
 */
const V11 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
CREATE INDEX IF NOT EXISTS opd_events_doctor_day ON ${s}.opd_events (doctor_id, (event->>'day'), seq);
CREATE INDEX IF NOT EXISTS opd_events_moved_from ON ${s}.opd_events ((event->>'fromDoctorId'), (event->>'fromDay'), seq) WHERE type = 'token:moved';
`;
};

/**
 * Version 13: the actor of a claim. A held token keeps who made its hold (`held_by`, the claim's
 * actor); `NULL` for every other token and for every token stored before.
 */
const V13 = (schema: SchemaName): string => `
ALTER TABLE ${schema.sql}.opd_tokens ADD COLUMN IF NOT EXISTS held_by text;
`;

/** The tables that hold a facility's data, each keyed by `facility_id` first since version 12. */
export const FACILITY_TABLES = [
  'opd_doctors',
  'opd_slot_index',
  'opd_slots',
  'opd_days',
  'opd_tokens',
  'opd_idempotency',
  'opd_events',
  'opd_facility_counters',
] as const;

/**
 * Version 12: facilities, many hospitals in one schema. Every table of a facility's data gets
 * `facility_id` (stored rows become the facility `'default'`; a row written without it takes the
 * transaction's facility, see {@link FACILITY}), and every key and index starts with it: the same
 * doctor, slot and token ids may be stored once in each facility, and every read of one facility
 * is an index range of its own. `opd_facility_counters` holds each facility's generated doctor ids
 * but the default facility's, which keeps the sequence (so do its processes of the release
 * before, during a rolling upgrade). Event numbers stay the schema's sequence: they keep the
 * store's one order, which readers' horizon rests on (a facility's history holds its own numbers,
 * with gaps).
 */
const V12 = (schema: SchemaName): string => {
  const s = schema.sql;
  const stored = FACILITY_TABLES.filter((t) => t !== 'opd_facility_counters');
  const column = stored.map((t) => `ALTER TABLE ${s}.${t} ADD COLUMN IF NOT EXISTS facility_id text COLLATE "C" NOT NULL DEFAULT ${FACILITY};`).join('\n');
  const dropKeys = stored.map((t) => literal(`${s}.${t}`)).join(', ');
  return `
${column}
CREATE TABLE ${s}.opd_facility_counters (
  facility_id text COLLATE "C" NOT NULL DEFAULT ${FACILITY},
  name text COLLATE "C" NOT NULL,
  value bigint NOT NULL,
  PRIMARY KEY (facility_id, name)
);
DO $v12$
DECLARE c record;
BEGIN
  FOR c IN SELECT conrelid::regclass::text AS tbl, conname FROM pg_catalog.pg_constraint
      WHERE conrelid = ANY (ARRAY[${dropKeys}]::regclass[]) AND contype = 'p' LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
  END LOOP;
END
$v12$;
ALTER TABLE ${s}.opd_doctors ADD PRIMARY KEY (facility_id, doctor_id);
ALTER TABLE ${s}.opd_slot_index ADD PRIMARY KEY (facility_id, slot_id);
ALTER TABLE ${s}.opd_slots ADD PRIMARY KEY (facility_id, doctor_id, slot_id);
ALTER TABLE ${s}.opd_days ADD PRIMARY KEY (facility_id, doctor_id, day);
ALTER TABLE ${s}.opd_tokens ADD PRIMARY KEY (facility_id, doctor_id, day, token_number);
ALTER TABLE ${s}.opd_idempotency ADD PRIMARY KEY (facility_id, doctor_id, key);
ALTER TABLE ${s}.opd_events ADD PRIMARY KEY (facility_id, seq, doctor_id);
DROP INDEX IF EXISTS ${s}.opd_doctors_by_department, ${s}.opd_slots_by_day, ${s}.opd_slots_by_end, ${s}.opd_days_offer_due,
  ${s}.opd_tokens_by_rev, ${s}.opd_tokens_live_patient, ${s}.opd_tokens_held, ${s}.opd_tokens_label, ${s}.opd_tokens_booked,
  ${s}.opd_tokens_waitlisted, ${s}.opd_tokens_unseen, ${s}.opd_tokens_by_patient, ${s}.opd_events_doctor_day, ${s}.opd_events_moved_from;
CREATE INDEX opd_doctors_by_department ON ${s}.opd_doctors (facility_id, department, doctor_id) WHERE department IS NOT NULL;
CREATE INDEX opd_slots_by_day ON ${s}.opd_slots (facility_id, doctor_id, day, rev);
CREATE INDEX opd_slots_by_end ON ${s}.opd_slots (facility_id, doctor_id, end_at);
CREATE INDEX opd_days_offer_due ON ${s}.opd_days (facility_id, offer_due_at) WHERE offer_due_at IS NOT NULL;
CREATE INDEX opd_tokens_by_rev ON ${s}.opd_tokens (facility_id, doctor_id, day, rev);
CREATE UNIQUE INDEX opd_tokens_live_patient ON ${s}.opd_tokens (facility_id, doctor_id, day, md5(patient_guard))
  WHERE patient_guard IS NOT NULL AND status IN ${LIVE};
CREATE INDEX opd_tokens_held ON ${s}.opd_tokens (facility_id, hold_expires_at) WHERE status = 'HELD';
CREATE UNIQUE INDEX opd_tokens_label ON ${s}.opd_tokens (facility_id, doctor_id, day, label);
CREATE INDEX opd_tokens_booked ON ${s}.opd_tokens (facility_id, day) WHERE status = 'BOOKED';
CREATE INDEX opd_tokens_waitlisted ON ${s}.opd_tokens (facility_id, day) WHERE status = 'WAITLISTED';
CREATE INDEX opd_tokens_unseen ON ${s}.opd_tokens (facility_id, day) WHERE status IN ${UNSEEN};
CREATE INDEX opd_tokens_by_patient ON ${s}.opd_tokens (facility_id, patient_id, day) WHERE patient_id IS NOT NULL;
CREATE INDEX opd_events_doctor_day ON ${s}.opd_events (facility_id, doctor_id, (event->>'day'), seq);
CREATE INDEX opd_events_moved_from ON ${s}.opd_events (facility_id, (event->>'fromDoctorId'), (event->>'fromDay'), seq) WHERE type = 'token:moved';
`;
};

/**
 * Row-level security of facilities (`migrate(db, { rowLevelSecurity: true })`): on every table of
 * a facility's data, enabled, with the policy `opd_facility` made again (idempotent). The policy
 * reads the setting the adapter sets in each of its transactions, as it is: a session that has not
 * set it sees no row.
 */
export function rowLevelSecuritySql(schema: SchemaName): string {
  const own = "facility_id = current_setting('opd.facility_id', true)";
  return FACILITY_TABLES.map(
    (t) => `ALTER TABLE ${schema.sql}.${t} ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS opd_facility ON ${schema.sql}.${t};
CREATE POLICY opd_facility ON ${schema.sql}.${t} USING (${own}) WITH CHECK (${own});`,
  ).join('\n');
}

/**
 * Version 15: leases of places to desks. A day's leases (`DayRecord.leases`: each lease's desk,
 * its places per slot and how many its desk used) in the day's row, read and written with the day
 * under the doctor's lock; and the earliest end of its active leases, indexed, for the sweep.
 */
const V14 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
ALTER TABLE ${s}.opd_days
  ADD COLUMN IF NOT EXISTS leases jsonb,
  ADD COLUMN IF NOT EXISTS lease_due_at bigint;
CREATE INDEX IF NOT EXISTS opd_days_lease_due ON ${s}.opd_days (facility_id, lease_due_at) WHERE lease_due_at IS NOT NULL;
`;
};

/**
 * Version 15: a doctor's pause. A day's latest pause (`DayRecord.pause`: when it began, when it
 * ends or ended, why) in the day's row, read and written with the day under the doctor's lock.
 */
const V15 = (schema: SchemaName): string => `
ALTER TABLE ${schema.sql}.opd_days ADD COLUMN IF NOT EXISTS pause jsonb;
`;

/**
 * Version 16: journeys. Where a token stands on its visit (`TokenRecord.journey`: its route and
 * stage, the service point it waits at, a pooled department's call, a re-entry) in the token's
 * row, absent (`NULL`) for a token that never had one.
 */
const V16 = (schema: SchemaName): string => `
ALTER TABLE ${schema.sql}.opd_tokens ADD COLUMN IF NOT EXISTS journey jsonb;
`;

/**
 * Version 17: a service point's queue by index. The checked-in tokens of a day by the service
 * point they wait at (`journey->>'point'`), so that a call at a point reads its queue rather than
 * the day of every doctor it serves.
 */
const V17 = (schema: SchemaName): string => `
CREATE INDEX IF NOT EXISTS opd_tokens_at_point ON ${schema.sql}.opd_tokens (facility_id, day, (journey->>'point')) WHERE status = 'CHECKED_IN';
`;

/**
 * Version 18: one claim record. Every kind of claim on places — a hold (from its `HELD` token: its
 * end and its actor), a place held for an offer (`opd_days.offers`), a lease's places in each slot
 * (`opd_days.leases`) — becomes one record in the day's list (`opd_days.claims`, the model's
 * `ClaimRecord`), with one due time per day (`claim_due_at`: the earliest `dueAt` of its active
 * claims, indexed for the sweep). The patients displaced that day move to `opd_days.displaced`.
 * The old columns go, with the holds' actor column of the tokens.
 */
const V18 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
ALTER TABLE ${s}.opd_days ADD COLUMN IF NOT EXISTS claims jsonb, ADD COLUMN IF NOT EXISTS claim_due_at bigint, ADD COLUMN IF NOT EXISTS displaced jsonb;
UPDATE ${s}.opd_days SET displaced = offers->'displaced' WHERE offers ? 'displaced' AND offers->'displaced' <> '{}'::jsonb;
UPDATE ${s}.opd_days d SET claims = c.claims
  FROM (
    SELECT x.facility_id, x.doctor_id, x.day, jsonb_agg(x.claim ORDER BY x.k, x.n) AS claims
    FROM (
      SELECT o.facility_id, o.doctor_id, o.day, 1 AS k, p.n, jsonb_build_object(
          'id', p.place->>'id', 'kind', 'offer', 'slotId', p.place->>'slotId', 'places', 1,
          'used', CASE WHEN p.place->>'status' = 'ACCEPTED' THEN 1 ELSE 0 END,
          'state', CASE p.place->>'status' WHEN 'ACCEPTED' THEN 'CONVERTED' WHEN 'RETURNED' THEN 'RELEASED' WHEN 'WITHDRAWN' THEN 'WITHDRAWN' ELSE 'ACTIVE' END,
          'endsAt', CASE WHEN p.place->>'status' IN ('OPEN', 'WAITING') THEN NULL ELSE p.place->'dueAt' END,
          'dueAt', CASE WHEN p.place->>'status' IN ('OPEN', 'WAITING') THEN p.place->'dueAt' ELSE NULL END,
          'actor', NULL,
          'detail', jsonb_build_object('status', p.place->'status', 'round', p.place->'round', 'candidates', p.place->'candidates')) AS claim
      FROM ${s}.opd_days o CROSS JOIN LATERAL jsonb_array_elements(o.offers->'places') WITH ORDINALITY AS p(place, n)
      WHERE o.offers IS NOT NULL
      UNION ALL
      SELECT l.facility_id, l.doctor_id, l.day, 2 AS k, e.n * 1000 + ls.m, jsonb_build_object(
          'id', e.lease->>'id', 'kind', 'lease', 'slotId', ls.slot->>'slotId', 'places', ls.slot->'places', 'used', ls.slot->'used',
          'state', CASE e.lease->>'status' WHEN 'ACTIVE' THEN 'ACTIVE' WHEN 'EXPIRED' THEN 'EXPIRED' ELSE 'RELEASED' END,
          'endsAt', e.lease->'endsAt',
          'dueAt', CASE WHEN e.lease->>'status' = 'ACTIVE' THEN e.lease->'endsAt' ELSE NULL END,
          'actor', e.lease->'deskId', 'group', e.lease->'id',
          'detail', jsonb_build_object('deskId', e.lease->'deskId', 'categories', e.lease->'categories', 'prefix', e.lease->'prefix', 'grantedAt', e.lease->'grantedAt')) AS claim
      FROM ${s}.opd_days l CROSS JOIN LATERAL jsonb_array_elements(l.leases) WITH ORDINALITY AS e(lease, n)
        CROSS JOIN LATERAL jsonb_array_elements(e.lease->'slots') WITH ORDINALITY AS ls(slot, m)
      WHERE l.leases IS NOT NULL
      UNION ALL
      SELECT t.facility_id, t.doctor_id, t.day, 3 AS k, t.token_number, jsonb_strip_nulls(jsonb_build_object(
          'id', t.doctor_id || '~' || t.day || '~' || t.token_number, 'kind', 'hold', 'slotId', t.slot_id, 'places', 1, 'used', 0,
          'state', 'ACTIVE', 'endsAt', t.hold_expires_at, 'dueAt', t.hold_expires_at,
          'tokenId', t.doctor_id || '~' || t.day || '~' || t.token_number)) || jsonb_build_object('actor', t.held_by) AS claim
      FROM ${s}.opd_tokens t
      WHERE t.status = 'HELD'
    ) x
    GROUP BY x.facility_id, x.doctor_id, x.day
  ) c
  WHERE d.facility_id = c.facility_id AND d.doctor_id = c.doctor_id AND d.day = c.day;
UPDATE ${s}.opd_days d SET claim_due_at = (
    SELECT min((c->>'dueAt')::bigint) FROM jsonb_array_elements(d.claims) c WHERE c->>'state' = 'ACTIVE' AND c->>'dueAt' IS NOT NULL)
  WHERE d.claims IS NOT NULL;
CREATE INDEX IF NOT EXISTS opd_days_claim_due ON ${s}.opd_days (facility_id, claim_due_at) WHERE claim_due_at IS NOT NULL;
DROP INDEX IF EXISTS ${s}.opd_days_offer_due;
DROP INDEX IF EXISTS ${s}.opd_days_lease_due;
DROP INDEX IF EXISTS ${s}.opd_tokens_held;
ALTER TABLE ${s}.opd_days DROP COLUMN IF EXISTS offers, DROP COLUMN IF EXISTS offer_due_at, DROP COLUMN IF EXISTS leases, DROP COLUMN IF EXISTS lease_due_at;
ALTER TABLE ${s}.opd_tokens DROP COLUMN IF EXISTS held_by;
`;
};

/**
 * Version 19: a doctor's system of medicine and whether the doctor runs a specialist OPD, which
 * India's HMIS return counts attendance by. Doctors stored before are allopathic, not specialists.
 */
const V19 = (schema: SchemaName): string => {
  const s = schema.sql;
  return `
ALTER TABLE ${s}.opd_doctors
  ADD COLUMN IF NOT EXISTS system text NOT NULL DEFAULT 'allopathic',
  ADD COLUMN IF NOT EXISTS specialist boolean NOT NULL DEFAULT false;
`;
};

/**
 * Version 20: what brings a patient back. A token that is an occurrence of a series (`bookSeries`:
 * `TokenRecord.revisit`, its series and occurrence) keeps it in its row, absent (`NULL`) on every
 * other token.
 */
const V20 = (schema: SchemaName): string => `
ALTER TABLE ${schema.sql}.opd_tokens ADD COLUMN IF NOT EXISTS revisit jsonb;
`;

/** Every migration of the tables, in order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'tokens, slots, days, idempotency keys, events', sql: V1 },
  { version: 2, name: 'event and doctor id sequences, no store-wide counter row', sql: V2 },
  { version: 3, name: 'departments', sql: V3 },
  { version: 4, name: 'front desk: event actors, holds, labels', sql: V4 },
  { version: 5, name: 'due days found by index', sql: V5 },
  { version: 6, name: 'doctor rooms and retirement', sql: V6 },
  { version: 7, name: 'offers of freed places', sql: V7 },
  { version: 8, name: 'closing a day: carried tokens', sql: V8 },
  { version: 9, name: "a patient's tokens by index", sql: V9 },
  { version: 10, name: 'call order and queue notices', sql: V10 },
  { version: 11, name: "a doctor-day's events by index", sql: V11 },
  { version: 12, name: 'facilities: facility_id first in every key', sql: V12 },
  { version: 13, name: 'claims: the actor of a hold', sql: V13 },
  { version: 14, name: 'leases of places to desks', sql: V14 },
  { version: 15, name: "a doctor's pause", sql: V15 },
  { version: 16, name: 'journeys through service points', sql: V16 },
  { version: 17, name: "a service point's queue by index", sql: V17 },
  { version: 18, name: 'one claim record', sql: V18 },
  { version: 19, name: "a doctor's system of medicine and specialist OPD", sql: V19 },
  { version: 20, name: 'what brings a patient back: series occurrences', sql: V20 },
];

/** Creates the table of versions (idempotent). */
export function bootstrapSql(schema: SchemaName): string {
  return `CREATE TABLE IF NOT EXISTS ${schema.sql}.opd_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);`;
}
