/**
 * One column list per table, from which every encoder and decoder of the adapter is generated:
 * the JSON arrays the SQL functions build (`sqlArray`), their decoding into records
 * (`fromArray`), and the row objects `json_populate_recordset` reads when writing (`toRow`). A
 * column added to a table is added here once.
 */
import type { DayRecord, DoctorRecord, SlotRecord, TokenRecord } from '../model/records.js';
import { tokenIdOf } from '../model/records.js';

/** A column: its SQL name and the record field it holds. */
interface Column<R> {
  readonly sql: string;
  readonly field: keyof R & string;
  /** Given by the context of a read (the doctor and day being read), never sent in arrays. */
  readonly context?: boolean | undefined;
  /** How a JSON value read back becomes the field (default: as is). */
  readonly decode?: ((value: unknown) => unknown) | undefined;
}

/** The codec of one table, generated from its column list. */
export interface TableCodec<R, C> {
  /** `json_build_array(alias.col, …)` of the columns that are not given by the context. */
  sqlArray(alias: string): string;
  /** A record from such an array and the context of the read. */
  fromArray(array: readonly unknown[], context: C): R;
  /** The row object `json_populate_recordset(NULL::table, …)` reads, with every column. */
  toRow(record: R): Record<string, unknown>;
  /**
   * `JSON.stringify(toRow(record))` with `extra` columns after the table's, written directly:
   * no row object, and no `toJSON` lookup per row.
   */
  toJson(record: R, extra?: readonly (readonly [string, unknown])[] | undefined): string;
}

/** A value as `JSON.stringify` writes it inside an object; `undefined` where it leaves the key out. */
function jsonOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : JSON.stringify(value);
    default:
      return JSON.stringify(value) as string | undefined;
  }
}

/** The `"key":` prefix of a column in JSON text. */
const keyOf = (name: string): string => `${JSON.stringify(name)}:`;

/** Appends `"key":value` to an object's JSON text, leaving out an undefined value as `JSON.stringify` does. */
function member(out: string, key: string, value: unknown): string {
  const text = jsonOf(value);
  return text === undefined ? out : `${out.length === 1 ? out : `${out},`}${key}${text}`;
}

function codec<R, C>(columns: readonly Column<R>[], fromContext: (context: C, partial: Record<string, unknown>) => void): TableCodec<R, C> {
  const sent = columns.filter((c) => c.context !== true);
  const keys = columns.map((c) => keyOf(c.sql));
  return {
    sqlArray: (alias) => `json_build_array(${sent.map((c) => `${alias}.${c.sql}`).join(', ')})`,
    fromArray(array, context) {
      const record: Record<string, unknown> = {};
      for (let i = 0; i < sent.length; i++) {
        const column = sent[i]!;
        const value = array[i];
        record[column.field] = column.decode === undefined ? value : column.decode(value);
      }
      fromContext(context, record);
      return record as R;
    },
    toRow(record) {
      const row: Record<string, unknown> = {};
      for (const column of columns) row[column.sql] = record[column.field];
      return row;
    },
    toJson(record, extra) {
      let out = '{';
      for (let i = 0; i < columns.length; i++) out = member(out, keys[i]!, record[columns[i]!.field]);
      if (extra !== undefined) for (const [name, value] of extra) out = member(out, keyOf(name), value);
      return `${out}}`;
    },
  };
}

/** Freezes a parsed JSON value and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** A column added later: `null` where a row (or an older function's answer) has none. */
const orNull = (value: unknown): unknown => value ?? null;
/** A column only some rows have: `undefined` (left out of the record) where a row has none. */
const orUndefined = (value: unknown): unknown => value ?? undefined;

/**
 * `facility_id` (schema version 12) as the record's `facilityId`: left out for the facility
 * `'default'`, as the scheduler makes that facility's records (see `inFacility`), and where a row
 * (or an older function's answer) has none.
 */
const FACILITY_COLUMN = {
  sql: 'facility_id',
  field: 'facilityId',
  decode: (value: unknown) => (typeof value === 'string' && value !== 'default' ? value : undefined),
} as const;

/** Leaves `facilityId` out of a decoded record of the facility `'default'`. */
function dropDefaultFacility(record: Record<string, unknown>): void {
  if (record['facilityId'] === undefined) delete record['facilityId'];
}

/** `opd_doctors`. */
export const DOCTOR = codec<DoctorRecord, undefined>(
  [
    { sql: 'doctor_id', field: 'id' },
    { sql: 'name', field: 'name' },
    { sql: 'specialization', field: 'specialization' },
    { sql: 'consult_minutes', field: 'consultMinutes' },
    { sql: 'created_at', field: 'createdAt', decode: Number },
    { sql: 'department', field: 'department' },
    { sql: 'room', field: 'room', decode: orNull },
    { sql: 'retired_from', field: 'retiredFrom', decode: (value) => (value === null || value === undefined ? null : Number(value)) },
    { sql: 'retired_reason', field: 'retiredReason', decode: orNull },
    FACILITY_COLUMN,
    { sql: 'system', field: 'system', decode: (value) => (value === 'ayush' ? 'ayush' : 'allopathic') },
    { sql: 'specialist', field: 'specialist', decode: (value) => value === true },
  ],
  (_context, record) => dropDefaultFacility(record),
);

/** `opd_slots`. */
export const SLOT = codec<SlotRecord, undefined>(
  [
    { sql: 'doctor_id', field: 'doctorId' },
    { sql: 'slot_id', field: 'id' },
    { sql: 'day', field: 'day' },
    { sql: 'start_at', field: 'start', decode: Number },
    { sql: 'end_at', field: 'end', decode: Number },
    { sql: 'capacity', field: 'capacity' },
    { sql: 'overflow_capacity', field: 'overflowCapacity' },
    { sql: 'status', field: 'status' },
    { sql: 'closed_reason', field: 'closedReason' },
    FACILITY_COLUMN,
  ],
  (_context, record) => dropDefaultFacility(record),
);

/** `opd_days`: its doctor and day come from the read. */
export const DAY = codec<DayRecord, { doctorId: string; day: string }>(
  [
    { sql: 'doctor_id', field: 'doctorId', context: true },
    { sql: 'day', field: 'day', context: true },
    { sql: 'last_token_number', field: 'lastTokenNumber' },
    { sql: 'bumps', field: 'bumps' },
    { sql: 'cascades', field: 'cascades' },
    { sql: 'promotions', field: 'promotions' },
    { sql: 'drops', field: 'drops' },
    { sql: 'label_counters', field: 'labels', decode: deepFreeze },
    { sql: 'claims', field: 'claims', decode: (value) => (value === null || value === undefined ? undefined : deepFreeze(value)) },
    { sql: 'displaced', field: 'displaced', decode: (value) => (value === null || value === undefined ? undefined : deepFreeze(value)) },
    { sql: 'pause', field: 'pause', decode: (value) => (value === null || value === undefined ? undefined : deepFreeze(value)) },
  ],
  (context, record) => {
    record['doctorId'] = context.doctorId;
    record['day'] = context.day;
    // A day that never had claims has none: the field is left out, as the core leaves it.
    if (record['claims'] === undefined) delete record['claims'];
    // Nor displaced patients, a day that never had any.
    if (record['displaced'] === undefined) delete record['displaced'];
    // Nor a pause, a day that never had one.
    if (record['pause'] === undefined) delete record['pause'];
  },
);

const nullableNumber = (value: unknown): unknown => (value === null ? null : Number(value));

/** `opd_tokens`: its doctor and day come from the read, its id from those and its number. */
export const TOKEN = codec<TokenRecord, { doctorId: string; day: string }>(
  [
    { sql: 'doctor_id', field: 'doctorId', context: true },
    { sql: 'day', field: 'day', context: true },
    { sql: 'token_id', field: 'id', context: true },
    { sql: 'token_number', field: 'tokenNumber' },
    { sql: 'slot_id', field: 'slotId' },
    { sql: 'waiting_for_slot_id', field: 'waitingForSlotId' },
    { sql: 'category', field: 'category' },
    { sql: 'rank', field: 'rank' },
    { sql: 'status', field: 'status' },
    { sql: 'patient', field: 'patient', decode: deepFreeze },
    { sql: 'requested_at', field: 'requestedAt', decode: Number },
    { sql: 'bump_count', field: 'bumpCount' },
    { sql: 'placed_at', field: 'placedAt', decode: nullableNumber },
    { sql: 'not_before', field: 'notBefore', decode: nullableNumber },
    { sql: 'idempotency_key', field: 'idempotencyKey' },
    { sql: 'cancel_reason', field: 'cancelReason' },
    { sql: 'updated_at', field: 'updatedAt', decode: Number },
    { sql: 'hold_expires_at', field: 'holdExpiresAt', decode: nullableNumber },
    { sql: 'label', field: 'label' },
    // Only carried tokens have them: absent on every other token, as in the other stores.
    { sql: 'carried_from', field: 'carriedFrom', decode: orUndefined },
    // Only held tokens whose hold named an actor have it.
    { sql: 'due_at', field: 'dueAt', decode: (value) => (value === null || value === undefined ? undefined : Number(value)) },
    { sql: 'call_index', field: 'callIndex', decode: orNull },
    { sql: 'told_eta', field: 'toldEta', decode: (value) => (value === null || value === undefined ? null : Number(value)) },
    { sql: 'turn_near_sent', field: 'turnNearSent', decode: (value) => value === true },
    // Only tokens on a journey have it.
    { sql: 'journey', field: 'journey', decode: (value) => (value === null || value === undefined ? undefined : deepFreeze(value)) },
    // Only tokens that bring a patient back (a series' occurrences) have it.
    { sql: 'revisit', field: 'revisit', decode: (value) => (value === null || value === undefined ? undefined : deepFreeze(value)) },
    FACILITY_COLUMN,
  ],
  (context, record) => {
    dropDefaultFacility(record);
    record['doctorId'] = context.doctorId;
    record['day'] = context.day;
    if (record['carriedFrom'] === undefined) delete record['carriedFrom'];
    if (record['dueAt'] === undefined) delete record['dueAt'];
    if (record['journey'] === undefined) delete record['journey'];
    if (record['revisit'] === undefined) delete record['revisit'];
    record['id'] = tokenIdOf(context.doctorId, context.day, record['tokenNumber'] as number);
  },
);

/**
 * The row of a token to write, as JSON text. `guard` marks a token written under the duplicate-booking
 * guard: one live token per patient and doctor-day then applies to a new one (checked by the
 * functions before the unique index, whose violation would print a digest of the patient id in the
 * server log); an update without it lifts the guard of a stored token, one with it keeps what is stored.
 */
export function tokenWriteRow(token: TokenRecord, guard: boolean): string {
  const patientId = typeof token.patient.id === 'string' ? token.patient.id : null;
  return TOKEN.toJson(token, [
    ['patient_id', patientId],
    ['patient_guard', guard ? patientId : null],
  ]);
}
