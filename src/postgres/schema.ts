import { invalid } from '../errors.js';
import { ACTIVE_STATUSES, ALL_STATUSES, LIVE_STATUSES, PLACE_STATUSES, UNSEEN_STATUSES } from '../model/status.js';

/** A SQL list of statuses, `('A','B')`. */
function statusList(statuses: readonly string[]): string {
  return `(${statuses.map((s) => `'${s}'`).join(',')})`;
}

/** Statuses that hold or have used a place (from the model's `isPlaceStatus`). */
export const PLACE = statusList(PLACE_STATUSES);
/**
 * The one count of a slot's taken places, in SQL (the model's `takenPlaces`, `src/model/claims.ts`):
 * the places its tokens hold and the unused places (`places - used`) of the active claims without
 * a token that its day holds there (`opd_days.claims`), whatever their kind. `facility`, `doctor`,
 * `day` and `slot` are SQL expressions naming the slot.
 */
export function takenPlacesSql(s: string, facility: string, doctor: string, day: string, slot: string): string {
  return (
    `((SELECT count(*) FROM ${s}.opd_tokens tp WHERE tp.facility_id = ${facility} AND tp.doctor_id = ${doctor} AND tp.day = ${day} AND tp.slot_id = ${slot} AND tp.status IN ${PLACE})` +
    ` + (SELECT coalesce(sum(greatest(0, (c->>'places')::int - (c->>'used')::int)), 0) FROM ${s}.opd_days dc CROSS JOIN LATERAL jsonb_array_elements(dc.claims) c` +
    ` WHERE dc.facility_id = ${facility} AND dc.doctor_id = ${doctor} AND dc.day = ${day} AND dc.claims IS NOT NULL` +
    ` AND c->>'slotId' = ${slot} AND c->>'state' = 'ACTIVE' AND NOT c ? 'tokenId'))`
  );
}

/**
 * The earliest end (`endsAt`) of the active claims of a slot, in SQL (the model's
 * `earliestClaimEnd`), or NULL when none ends; arguments as {@link takenPlacesSql}.
 */
export function earliestClaimEndSql(s: string, facility: string, doctor: string, day: string, slot: string): string {
  return (
    `(SELECT min((c->>'endsAt')::bigint) FROM ${s}.opd_days dc CROSS JOIN LATERAL jsonb_array_elements(dc.claims) c` +
    ` WHERE dc.facility_id = ${facility} AND dc.doctor_id = ${doctor} AND dc.day = ${day} AND dc.claims IS NOT NULL` +
    ` AND c->>'slotId' = ${slot} AND c->>'state' = 'ACTIVE' AND c->>'endsAt' IS NOT NULL)`
  );
}

/** Statuses a day snapshot holds: places and the waitlist. */
export const ACTIVE = statusList(ACTIVE_STATUSES);
/** Statuses that are not terminal (from the model's `isLiveStatus`). */
export const LIVE = statusList(LIVE_STATUSES);
/** Every status. */
export const ANY_STATUS = statusList(ALL_STATUSES);
/** Statuses a day's closing ends (from the model's `isUnseenStatus`). */
export const UNSEEN = statusList(UNSEEN_STATUSES);

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
export function lockClassSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:doctor:${schema.name}`)})`;
}

/**
 * The first argument of `pg_advisory_xact_lock(int4, int4)` for a schema's patient locks (the
 * duplicate rules beyond one doctor-day): a class apart from the doctors', so that a patient's
 * key never collides with a doctor's.
 */
export function patientLockClassSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:patient:${schema.name}`)})`;
}

/**
 * The facility of the transaction: the setting `opd.facility_id`, which the adapter sets (a bind
 * parameter of `set_config`) in every transaction it opens; `'default'` where it is not set (a
 * session of the migration, a process of a release before facilities).
 */
export const FACILITY = "coalesce(nullif(current_setting('opd.facility_id', true), ''), 'default')";

/**
 * The second argument of `pg_advisory_xact_lock(int4, int4)` for a doctor's (or a patient's) lock
 * in a facility: the id alone in the default facility (the key every release before facilities
 * took), the facility and the id apart from it in another (ids hold no `/`), so that two
 * facilities with the same doctor ids never wait for each other.
 */
export function facilityKeySql(facility: string, id: string): string {
  return `hashtext(CASE WHEN ${facility} = 'default' THEN ${id} ELSE ${facility} || '/' || ${id} END)`;
}

/**
 * The key of the advisory lock every `listen: true` feed holds (shared, for its session) while it
 * listens: a writer that can take it exclusively knows that nobody listens, and skips `pg_notify`.
 */
export function listenLockSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:listen:${schema.name}`)}), 0`;
}

/** The key of the advisory lock `migrate` holds. */
export function migrationLockSql(schema: SchemaName): string {
  return `hashtext(${literal(`opd-scheduler:migrate:${schema.name}`)})`;
}

/** A string literal for SQL text (only for constants of this module: identifiers, never user data). */
export function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
