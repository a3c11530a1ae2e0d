/**
 * Reading and writing a unit: the load request as the JSON `opd_load` takes, its answer back as a
 * snapshot, the change set as the parameters of `opd_write`, and stored events and idempotency
 * results back as the objects the core emits and replays. Events are stored as they were
 * emitted, whatever their type: a type added later needs nothing here.
 */
import { claimDueAt } from '../model/claims.js';
import { DEFAULT_FACILITY_ID } from '../facility.js';
import { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { fixedDate } from '../model/instant.js';
import type { ChangeSet, DaySnapshot, DoctorSnapshot, LoadRequest, PatientToken, ScheduleEntry, SlotState } from '../model/snapshot.js';
import { changeSetDoctor } from '../adapter-kit/checks.js';
import { assignEventSeq } from '../storage/adapter.js';
import { type DayRecord, type DoctorRecord, type IdempotencyRecord, parseTokenId, type SlotRecord, type TokenRecord } from '../model/records.js';
import type { BookingResult } from '../types.js';
import { type DayCache, type DayPart, dayFromArray, snapshotOf } from './speed/cache.js';
import { DAY, deepFreeze, DOCTOR, SLOT, TOKEN, tokenWriteRow } from './columns.js';

/** The JSON request `opd_load` reads. */
export function loadRequestJson(request: LoadRequest, known: Record<string, number> | undefined): string {
  const req: Record<string, unknown> = {};
  if (known !== undefined) req['known'] = known;
  if (request.doctorId !== undefined) req['doctorId'] = request.doctorId;
  if (request.tokenId !== undefined) {
    const parts = parseTokenId(request.tokenId);
    if (parts !== undefined) {
      req['tokenId'] = request.tokenId;
      req['tokenDoctorId'] = parts.doctorId;
      req['tokenDay'] = parts.day;
      req['tokenNumber'] = parts.tokenNumber;
    }
  }
  if (request.slotId !== undefined) req['slotId'] = request.slotId;
  if (request.slotIds !== undefined && request.slotIds.length > 0) req['slotIds'] = request.slotIds;
  if (request.days !== undefined && request.days.length > 0) req['days'] = request.days;
  if (request.idempotencyKey !== undefined) req['idempotencyKey'] = request.idempotencyKey;
  if (request.schedule !== undefined) req['schedule'] = { from: request.schedule.from, to: request.schedule.to, limit: request.schedule.limit };
  return JSON.stringify(req);
}

/** What `opd_load` returns. */
type LoadOut = [
  (
    | [
        string,
        string,
        string | null,
        number | null,
        number,
        number,
        string | null,
        (string | null)?,
        (number | string | null)?,
        (string | null)?,
        (string | null)?,
        (string | null)?,
        (boolean | null)?,
      ]
    | null
  ),
  DayPart[] | null,
  [string, unknown[]] | null,
  unknown[][] | null,
  [unknown[], number, number | string | null][] | null,
  [string, number, StoredResult] | null,
  number | string,
  // Whether the schedule stops at its limit (functions version 20 on; before, absent).
  boolean | undefined,
];

/** A snapshot, the doctor's rev it was read at, and the last event number taken when it was read. */
export interface Loaded {
  readonly snapshot: DoctorSnapshot;
  readonly rev: number | undefined;
  readonly lastSeq: number;
}

/**
 * The snapshot of an `opd_load` answer. With a cache, days are merged into it (and `undefined` is
 * returned when a day came relative to a rev the cache no longer holds: read it again in full).
 */
export function decodeLoad(value: unknown, key: string | undefined, cache: DayCache | undefined): Loaded | undefined {
  const [doctorArray, dayParts, tokenPart, slotArrays, scheduleParts, idem, lastSeq, scheduleCut] = value as LoadOut;
  // The doctor's rev sits between its first columns and those added later (department, room,
  // retirement, facility, system, specialist; absent from the answers of functions older than them).
  const doctor: DoctorRecord | undefined =
    doctorArray === null
      ? undefined
      : DOCTOR.fromArray(
          [
            ...doctorArray.slice(0, 5),
            doctorArray[6] ?? null,
            doctorArray[7] ?? null,
            doctorArray[8] ?? null,
            doctorArray[9] ?? null,
            doctorArray[10] ?? null,
            doctorArray[11] ?? null,
            doctorArray[12] ?? null,
          ],
          undefined,
        );
  const rev = doctorArray === null ? undefined : Number(doctorArray[5]);
  const days = new Map<string, DaySnapshot>();
  for (const part of dayParts ?? []) {
    let day: DaySnapshot | undefined;
    if (cache !== undefined && doctor !== undefined && rev !== undefined) {
      day = cache.merge(doctor.id, rev, part);
      if (day === undefined) return undefined;
    } else {
      const context = { doctorId: doctor?.id ?? '', day: part[0] };
      const fresh = { record: dayFromArray(context.doctorId, part[0], part[2]), slots: new Map<string, SlotRecord>(), tokens: new Map<number, TokenRecord>() };
      for (const a of part[3] ?? []) {
        const slot = SLOT.fromArray(a, undefined);
        fresh.slots.set(slot.id, slot);
      }
      for (const a of part[4] ?? []) {
        const token = TOKEN.fromArray(a, context);
        fresh.tokens.set(token.tokenNumber, token);
      }
      day = snapshotOf(fresh);
    }
    days.set(part[0], day);
  }
  const tokens = new Map<string, TokenRecord>();
  if (tokenPart !== null && doctor !== undefined) {
    const token = TOKEN.fromArray(tokenPart[1], { doctorId: doctor.id, day: tokenPart[0] });
    tokens.set(token.id, token);
  }
  const slots = new Map<string, SlotRecord>();
  for (const a of slotArrays ?? []) {
    const slot = SLOT.fromArray(a, undefined);
    slots.set(slot.id, slot);
  }
  const schedule: ScheduleEntry[] | undefined = scheduleParts?.map(([a, occupancy, heldUntil]) => ({
    slot: SLOT.fromArray(a, undefined),
    occupancy: Number(occupancy),
    earliestClaimEnd: heldUntil === null || heldUntil === undefined ? undefined : Number(heldUntil),
  }));
  const idempotency = idem === null || doctor === undefined || key === undefined ? undefined : idempotencyRecord(doctor.id, key, idem);
  // Functions before version 20 list the whole window (and no eighth element).
  return { snapshot: { doctor, days, tokens, slots, schedule, scheduleCut: scheduleCut === true, idempotency }, rev, lastSeq: Number(lastSeq) };
}

/**
 * The answer of the `doctorsById` statement as snapshots, by doctor id: each what `opd_load`
 * answers a request naming only its doctor ({@link decodeLoad}: the record, nothing else read).
 */
export function decodeDoctorsOnly(value: unknown): Map<string, DoctorSnapshot> {
  const found = new Map<string, DoctorSnapshot>();
  for (const array of (value ?? []) as unknown[][]) {
    const doctor = DOCTOR.fromArray(array, undefined);
    found.set(doctor.id, doctorOnly(doctor));
  }
  return found;
}

/** The snapshot of a request naming only a doctor (`undefined`: one the store does not hold). */
export function doctorOnly(doctor: DoctorRecord | undefined): DoctorSnapshot {
  return { doctor, days: new Map(), tokens: new Map(), slots: new Map(), schedule: undefined, scheduleCut: false, idempotency: undefined };
}

/** Whether a load request names its doctor and nothing to read beside the record. */
export function namesOnlyDoctor(request: LoadRequest): boolean {
  const fields = request as Readonly<Record<string, unknown>>;
  for (const key in fields) if (key !== 'doctorId' && fields[key] !== undefined) return false;
  return request.doctorId !== undefined;
}

/** The answer of the `patientTokens` statement: the patient's tokens with their doctors' departments. */
export function decodePatientTokens(value: unknown): PatientToken[] {
  const rows = (value ?? []) as [string, unknown[], string, string | null][];
  return rows.map(([day, array, doctorId, department]) => ({ token: TOKEN.fromArray(array, { doctorId, day }), department: department ?? null }));
}

/** The answer of the `pointQueue` statement: a service point's queue, slot by slot (`DoctorSnapshot.servicePoint`). */
export function decodePointQueue(value: unknown): SlotState[] {
  const rows = (value ?? []) as [unknown[], string, unknown[][]][];
  return rows.map(([array, doctorId, places]) => {
    const slot = SLOT.fromArray(array, undefined);
    return { slot, places: places.map((a) => TOKEN.fromArray(a, { doctorId, day: slot.day })) };
  });
}

/** A booking result as stored: dates as ISO strings, effect `seq` relative to the unit's base. */
type StoredResult = Record<string, unknown> & { token: Record<string, unknown>; effects: readonly Record<string, unknown>[] };

const TOKEN_DATES = ['requestedAt', 'notBefore', 'estimatedStart', 'updatedAt', 'holdExpiresAt'] as const;

function idempotencyRecord(doctorId: string, key: string, [fingerprint, seqBase, stored]: [string, number, StoredResult]): IdempotencyRecord {
  const token = stored.token;
  for (const key of TOKEN_DATES) {
    const value = token[key];
    if (typeof value === 'string') token[key] = fixedDate(Date.parse(value));
  }
  token['patient'] = deepFreeze(token['patient']);
  Object.freeze(token);
  const base = Number(seqBase);
  (stored as Record<string, unknown>)['effects'] = Object.freeze(stored.effects.map((e): OpdEvent => toEvent(base + (e['seq'] as number), { ...e })));
  Object.freeze(stored);
  return { doctorId, key, fingerprint, result: stored as unknown as BookingResult };
}

/**
 * An event as stored (its `seq` in the column, `at` an ISO string) back as the event emitted.
 *
 * @throws OpdError `STORAGE_FAILURE` naming the `seq` (never the stored value, which may quote a
 *   patient) when the stored value is not an event: not a JSON object, or without a string
 *   `type` and `doctorId` and an `at` that reads as an instant, or with another instant (see
 *   {@link EVENT_DATES}) that does not; or when the `seq` is not a positive safe integer.
 */
export function toEvent(seq: number | string, stored: unknown): OpdEvent {
  const number = Number(seq);
  if (!Number.isSafeInteger(number) || number <= 0 || typeof stored !== 'object' || stored === null || Array.isArray(stored)) throw unreadableEvent(number);
  const event = stored as Record<string, unknown>;
  const at = typeof event['at'] === 'string' ? Date.parse(event['at']) : Number.NaN;
  if (typeof event['type'] !== 'string' || typeof event['doctorId'] !== 'string' || !Number.isFinite(at)) throw unreadableEvent(number);
  // Every other instant an event carries (JSON keeps it as an ISO string), back as a Date.
  for (const key of EVENT_DATES) {
    const value = event[key];
    if (typeof value !== 'string') continue;
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) throw unreadableEvent(number);
    event[key] = fixedDate(ms);
  }
  event['seq'] = number;
  event['at'] = fixedDate(at);
  // Events stored before facilities existed are the default facility's.
  if (typeof event['facilityId'] !== 'string') event['facilityId'] = DEFAULT_FACILITY_ID;
  return Object.freeze(event) as unknown as OpdEvent;
}

/**
 * The instants of the events besides `at`, by field name (each a `Date` in its event type, or
 * `null` where the type allows it): a hold's end (`token:held`, `token:expired`), a retirement's
 * start, the queue notices' estimates, an offer's end (`token:offered`), a lease's end
 * (`lease:granted`), a pause's start and end (`doctor:paused`, `doctor:resumed`).
 */
const EVENT_DATES = ['holdExpiresAt', 'retiredFrom', 'estimatedStart', 'previousEstimate', 'expiresAt', 'endsAt', 'pausedAt', 'until'] as const;

/** `STORAGE_FAILURE` for a stored event that is not one: its `seq` only, never what is stored. */
function unreadableEvent(seq: number): OpdError {
  return new OpdError('STORAGE_FAILURE', `The stored event with seq ${String(seq)} is not a valid event (written outside the adapter?): repair or remove it`, {
    details: { adapter: 'postgres', seq },
  });
}

/** The parameters of `opd_write` for a change set, and its events (numbered 1… relative to the unit). */
export function writeParams(changes: ChangeSet, origin: string, enforce: boolean): (string | boolean | null)[] | undefined {
  const events = changes.events;
  const doctorId = changeSetDoctor(changes);
  if (doctorId === undefined && events.length === 0) return undefined;
  // Numbers relative to the unit, so that the stored idempotency result can carry them.
  for (let i = 0; i < events.length; i++) assignEventSeq(events[i]!, i + 1);
  const guard = changes.guardDuplicates === true;
  const idem = changes.idempotency;
  // An erased key travels in the same parameter, marked: the functions rewrite the stored one.
  const erased = changes.erasedIdempotency;
  return [
    doctorId ?? null,
    // A doctor updated travels as the doctor inserted does, marked to replace the stored row.
    changes.doctor !== undefined ? DOCTOR.toJson(changes.doctor) : changes.updatedDoctor !== undefined ? DOCTOR.toJson(changes.updatedDoctor, REPLACE) : null,
    jsonList(changes.newSlots, SLOT.toJson),
    jsonList(changes.updatedSlots, SLOT.toJson),
    jsonList(changes.days, dayJson),
    guard ? jsonList(changes.newTokens, guardedTokenJson) : jsonList(changes.newTokens, tokenJson),
    // An update carries the guard too: one written without it (by a scheduler that allows
    // duplicate bookings) lifts the token's guard (see the functions' update of tokens).
    guard ? jsonList(changes.updatedTokens, guardedTokenJson) : jsonList(changes.updatedTokens, tokenJson),
    events.length === 0 ? null : JSON.stringify(events),
    idem !== undefined
      ? JSON.stringify({ doctor_id: idem.doctorId, key: idem.key, fingerprint: idem.fingerprint, token_id: idem.result.token.id, result: idem.result })
      : erased !== undefined
        ? JSON.stringify({ doctor_id: erased.doctorId, key: erased.key, fingerprint: erased.fingerprint, erase: true, patient: erased.result.token.patient })
        : null,
    origin,
    enforce,
  ];
}

/** The mark of a doctor row that replaces the stored one (see `opd_write`). */
const REPLACE: readonly (readonly [string, unknown])[] = [['replace', true]];

/** A JSON array of rows, or `null` for none. */
/** A day's row: its claims' one due time (`claimDueAt`) in a column of its own, indexed for the sweep. */
function dayJson(day: DayRecord): string {
  return day.claims === undefined ? DAY.toJson(day) : DAY.toJson(day, [['claim_due_at', claimDueAt(day.claims)]]);
}

function jsonList<T>(records: readonly T[], json: (record: T) => string): string | null {
  if (records.length === 0) return null;
  let out = '[';
  for (let i = 0; i < records.length; i++) out += (i === 0 ? '' : ',') + json(records[i]!);
  return `${out}]`;
}

const tokenJson = (token: TokenRecord): string => tokenWriteRow(token, false);
const guardedTokenJson = (token: TokenRecord): string => tokenWriteRow(token, true);
