/**
 * The adapter kit's functions as an adapter calls them: each checks its arguments first, then
 * runs the kit's own function, which `MemoryStorage` and `PostgresStorage` call directly (on
 * what the scheduler hands them) with no check on their paths. A bad argument is refused with
 * `VALIDATION_FAILED` naming it; the rows and change sets a store reads and writes get the
 * answer a bad record gets (`STORAGE_FAILURE`, or a {@link ChangeSetProblem}).
 */
import { ErrorSummary, invalid, isOpdError, OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import * as queue from '../model/queue.js';
import type { SlotFacts } from '../model/queue.js';
import type { DayRecord, SlotRecord, TokenIdParts, TokenRecord } from '../model/records.js';
import * as records from '../model/records.js';
import type { ChangeSet, DaySnapshot, LoadRequest } from '../model/snapshot.js';
import { describe, parseDay } from '../time.js';
import * as adapter from '../storage/adapter.js';
import { expectId, expectInteger, isStringArray, readInput } from '../validate.js';
import * as assembly from './assembly.js';
import * as checks from './checks.js';
import type { ChangeSetProblem } from './checks.js';
import * as units from './units.js';
import type { UnitPlan } from './units.js';

// ---------------------------------------------------------------------------------------------
// Shapes

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectString(field: string, value: unknown): void {
  if (typeof value !== 'string') throw invalid(field, `Expected \`${field}\` to be a string, got ${describe(value)}`);
}

function expectStrings(field: string, value: unknown): void {
  if (!isStringArray(value)) throw invalid(field, `Expected \`${field}\` to be an array of strings, got ${describe(value)}`);
}

/**
 * Requires a {@link LoadRequest}: its ids strings, its lists arrays of strings, its window of
 * numbers, its `others` and department's `each` load requests in turn. Reads fields as they are
 * (run it within `readInput`: a getter that throws is refused naming the argument).
 */
function expectLoadRequest(field: string, value: unknown): asserts value is LoadRequest {
  if (!isRecord(value)) throw invalid(field, `Expected \`${field}\` to be a load request, got ${describe(value)}`);
  for (const key of ['doctorId', 'tokenId', 'slotId', 'idempotencyKey']) {
    if (value[key] !== undefined) expectString(`${field}.${key}`, value[key]);
  }
  for (const key of ['slotIds', 'days']) if (value[key] !== undefined) expectStrings(`${field}.${key}`, value[key]);
  const schedule = value['schedule'];
  if (schedule !== undefined) {
    const limit = isRecord(schedule) ? schedule['limit'] : undefined;
    if (
      !isRecord(schedule) ||
      typeof schedule['from'] !== 'number' ||
      (schedule['to'] !== undefined && typeof schedule['to'] !== 'number') ||
      (limit !== undefined && !(typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0))
    ) {
      throw invalid(
        `${field}.schedule`,
        `Expected \`${field}.schedule\` to be a window \`{ from, to?, limit? }\` of epoch milliseconds and a positive whole number of slots`,
      );
    }
  }
  const others = value['others'];
  if (others !== undefined) {
    if (!Array.isArray(others)) throw invalid(`${field}.others`, `Expected \`${field}.others\` to be an array of load requests, got ${describe(others)}`);
    for (let i = 0; i < others.length; i++) expectLoadRequest(`${field}.others[${i}]`, others[i]);
  }
  const department = value['department'];
  if (department !== undefined) {
    if (!isRecord(department)) throw invalid(`${field}.department`, `Expected \`${field}.department\` to be an object, got ${describe(department)}`);
    expectString(`${field}.department.name`, department['name']);
    expectLoadRequest(`${field}.department.each`, department['each']);
  }
  const every = value['everyDoctor'];
  if (every !== undefined) {
    if (!isRecord(every)) throw invalid(`${field}.everyDoctor`, `Expected \`${field}.everyDoctor\` to be an object, got ${describe(every)}`);
    expectLoadRequest(`${field}.everyDoctor.each`, every['each']);
  }
  const patient = value['patient'];
  if (patient !== undefined) {
    if (!isRecord(patient)) throw invalid(`${field}.patient`, `Expected \`${field}.patient\` to be an object, got ${describe(patient)}`);
    expectString(`${field}.patient.id`, patient['id']);
    expectString(`${field}.patient.fromDay`, patient['fromDay']);
  }
  const point = value['servicePoint'];
  if (point !== undefined) {
    if (!isRecord(point)) throw invalid(`${field}.servicePoint`, `Expected \`${field}.servicePoint\` to be an object, got ${describe(point)}`);
    expectString(`${field}.servicePoint.id`, point['id']);
    expectString(`${field}.servicePoint.day`, point['day']);
  }
}

const RECORD_LISTS = ['newSlots', 'updatedSlots', 'newTokens', 'updatedTokens', 'days'] as const;

/**
 * Requires a {@link ChangeSet}: its lists arrays of records with a `doctorId`, its doctor and
 * idempotency key records when present, its events an array. Run it within `readInput` (or a
 * `try`): a getter that throws is not caught here.
 */
function expectChangeSet(field: string, value: unknown): asserts value is ChangeSet {
  if (!isRecord(value)) throw invalid(field, `Expected \`${field}\` to be a change set, got ${describe(value)}`);
  for (const key of RECORD_LISTS) {
    const list = value[key];
    const path = `${field}.${key}`;
    if (!Array.isArray(list)) throw invalid(path, `Expected \`${path}\` to be an array of records, got ${describe(list)}`);
    for (let i = 0; i < list.length; i++) expectRecordOf(`${path}[${i}]`, list[i], 'doctorId');
  }
  if (!Array.isArray(value['events']))
    throw invalid(`${field}.events`, `Expected \`${field}.events\` to be an array of events, got ${describe(value['events'])}`);
  if (value['doctor'] !== undefined) expectRecordOf(`${field}.doctor`, value['doctor'], 'id');
  if (value['updatedDoctor'] !== undefined) expectRecordOf(`${field}.updatedDoctor`, value['updatedDoctor'], 'id');
  if (value['idempotency'] !== undefined) expectRecordOf(`${field}.idempotency`, value['idempotency'], 'doctorId');
  const guard = value['guardDuplicates'];
  if (guard !== undefined && typeof guard !== 'boolean') {
    throw invalid(`${field}.guardDuplicates`, `Expected \`${field}.guardDuplicates\` to be a boolean, got ${describe(guard)}`);
  }
}

/** Requires a record whose `key` (the doctor's id) is a string. */
function expectRecordOf(field: string, value: unknown, key: 'id' | 'doctorId'): void {
  if (!isRecord(value) || typeof value[key] !== 'string') throw invalid(field, `Expected \`${field}\` to be a record with a \`${key}\``);
}

function expectMembers(field: string, value: unknown): void {
  if (value !== undefined) expectStrings(field, value);
}

// ---------------------------------------------------------------------------------------------
// Rows and change sets

/**
 * A day snapshot from a day's stored rows: its counters, its slots (any order) and its tokens
 * (any order; those of other statuses are left out). Slots come out in time order, each with
 * the tokens holding a place in it, in the order given, and the `WAITLISTED` tokens as the
 * waitlist. Fresh arrays over the given records, which must not change afterwards.
 *
 * @param adapter - the adapter's name, for the error
 * @param record - the day's counters
 * @param slots - the day's slot rows
 * @param tokens - the day's token rows
 * @throws OpdError `STORAGE_FAILURE` when a token holds a place in a slot that is not among
 *   `slots`, or the rows cannot be read as records (`record` not an object, `slots` or `tokens`
 *   not iterable, a row not an object); `VALIDATION_FAILED` when `adapter` is not a string
 *
 * @example
 * ```ts
 * import { assembleDay, emptyDayRecord, type DayRecord, type SlotRecord, type TokenRecord } from 'opd-scheduler/adapter-kit';
 *
 * // The rows your store read for a doctor-day (no day row yet for a day never written):
 * declare const doctorId: string, date: string, dayRow: DayRecord | undefined, slotRows: SlotRecord[], tokenRows: TokenRecord[];
 * const day = assembleDay('my-store', dayRow ?? emptyDayRecord(doctorId, date), slotRows, tokenRows);
 * ```
 */
export function assembleDay(adapter: string, record: DayRecord, slots: Iterable<SlotRecord>, tokens: Iterable<TokenRecord>): DaySnapshot {
  if (typeof adapter !== 'string') throw invalid('adapter', `Expected \`adapter\` to be the adapter's name, got ${describe(adapter)}`);
  const malformed = (cause?: unknown): OpdError =>
    new OpdError('STORAGE_FAILURE', 'The rows of a day are malformed', {
      details: { adapter },
      ...(cause === undefined ? {} : { cause: new ErrorSummary(cause) }),
    });
  try {
    if (!isRecord(record)) throw malformed();
    const slotRows = [...slots];
    const tokenRows = [...tokens];
    for (const row of slotRows) if (!isRecord(row)) throw malformed();
    for (const row of tokenRows) if (!isRecord(row)) throw malformed();
    return assembly.assembleDay(adapter, record, slotRows, tokenRows);
  } catch (error) {
    throw isOpdError(error) ? error : malformed(error);
  }
}

/**
 * The checks every adapter makes on a change set before writing it, whatever it stores: every
 * record belongs to the one doctor the unit locked (or, for a unit over several doctors, to one
 * of the doctors it locked), no record is both new and updated, a live new token is not given
 * twice to one patient of a doctor-day while the unit guards duplicates, and records without a
 * doctor are never written. Checks that need the stored state (token numbers continuing the
 * day's, updated records existing) are the adapter's own. Anything but a change set (not an
 * object, a list that is not an array of records, a field that cannot be read) is a problem
 * too: `malformed change set`, naming the field.
 *
 * @param changes - the change set a unit's decision returned
 * @param locked - for a unit over several doctors, every doctor it locked; omitted for a unit of one doctor
 * @returns the first problem found, or `undefined` when the change set may be written
 * @throws OpdError `VALIDATION_FAILED` when `locked` is given and is not an array of strings
 *
 * @example
 * ```ts
 * import { OpdError } from 'opd-scheduler';
 * import { checkChangeSet, type ChangeSet } from 'opd-scheduler/adapter-kit';
 *
 * declare const changes: ChangeSet; // what a decision asks your store to write
 * const problem = checkChangeSet(changes);
 * if (problem !== undefined) throw new OpdError('STORAGE_FAILURE', `Refused an inconsistent change (${problem.what})`, { details: { adapter: 'my-store', id: problem.id } });
 * ```
 */
export function checkChangeSet(changes: ChangeSet, locked?: readonly string[] | undefined): ChangeSetProblem | undefined {
  if (locked !== undefined) expectStrings('locked', locked);
  try {
    expectChangeSet('changes', changes);
    return checks.checkChangeSet(changes, locked);
  } catch (error) {
    const field = isOpdError(error, 'VALIDATION_FAILED') ? error.details.field : 'changes';
    return { what: `malformed change set (${field})`, id: '' };
  }
}

/**
 * The doctor a change set is about (`undefined` when it writes no record).
 *
 * @param changes - a change set
 * @throws OpdError `VALIDATION_FAILED` (`details.field`: `changes` or the list at fault) for
 *   anything but a change set
 */
export function changeSetDoctor(changes: ChangeSet): string | undefined {
  return readInput('changes', () => {
    expectChangeSet('changes', changes);
    return checks.changeSetDoctor(changes);
  });
}

/**
 * Splits a change set by doctor, for an adapter that writes each doctor's rows on their own: one
 * part per doctor, sorted by doctor id, each with that doctor's records and idempotency key. The
 * unit's events all go with the last part (numbered together, in causal order). A change set of
 * one doctor comes back as it is.
 *
 * @param changes - a change set
 * @throws OpdError `VALIDATION_FAILED` (`details.field`: `changes` or the list at fault) for
 *   anything but a change set
 */
export function changeSetParts(changes: ChangeSet): ChangeSet[] {
  return readInput('changes', () => {
    expectChangeSet('changes', changes);
    return units.changeSetParts(changes);
  });
}

// ---------------------------------------------------------------------------------------------
// Units over several doctors

/**
 * Whether a load request is a unit over several doctors (`others`, `department` or
 * `everyDoctor`), over a patient's tokens (`patient`) or over a service point's queue
 * (`servicePoint`).
 *
 * @param request - a load request
 * @throws OpdError `VALIDATION_FAILED` naming the field for anything but a load request
 */
export function isMultiDoctor(request: LoadRequest): boolean {
  return readInput('request', () => {
    expectLoadRequest('request', request);
    return units.isMultiDoctor(request);
  });
}

/**
 * The doctor a request names before anything is read: `doctorId`, else the doctor part of `tokenId`.
 *
 * @param request - a load request
 * @throws OpdError `VALIDATION_FAILED` naming the field for anything but a load request
 */
export function namedDoctor(request: LoadRequest): string | undefined {
  return readInput('request', () => {
    expectLoadRequest('request', request);
    return units.namedDoctor(request);
  });
}

/**
 * Plans a unit over several doctors.
 *
 * @param request - the unit's load request
 * @param members - the doctors of `request.department`, or every doctor for
 *   `request.everyDoctor` (any order), resolved by the adapter; ignored when the request names
 *   neither
 * @returns the doctors to lock, sorted by id, and what to read of each
 * @throws OpdError `VALIDATION_FAILED` naming the field for anything but a load request, or
 *   `members` that is not an array of strings
 */
export function planUnit(request: LoadRequest, members: readonly string[] | undefined): UnitPlan {
  return readInput('request', () => {
    expectLoadRequest('request', request);
    expectMembers('members', members);
    return units.planUnit(request, members);
  });
}

/**
 * Whether a later load of a unit stays within the doctors the unit locked when it started. An
 * adapter refuses a request that does not (it would take a lock out of order).
 *
 * @param request - the later load request
 * @param locked - the doctors the unit locked
 * @param members - the department's members (or every doctor) as resolved when the unit started
 * @param patient - the id of the patient the unit locked when it started, if any
 * @throws OpdError `VALIDATION_FAILED` naming the field for anything but a load request, or
 *   `locked` or `members` that is not an array of strings
 */
export function staysWithin(request: LoadRequest, locked: readonly string[], members: readonly string[] | undefined, patient?: string | undefined): boolean {
  return readInput('request', () => {
    expectLoadRequest('request', request);
    expectStrings('locked', locked);
    expectMembers('members', members);
    if (patient !== undefined) expectString('patient', patient);
    return units.staysWithin(request, locked, members, patient);
  });
}

/**
 * One request reading everything two requests read (for the same doctor): days and slots of
 * both, the wider schedule window, and the first's `tokenId`, `slotId` and idempotency key
 * (else the second's).
 *
 * @param a - a load request
 * @param b - another load request
 * @throws OpdError `VALIDATION_FAILED` (`details.field`: `a`, `b` or a field of either) for
 *   anything but two load requests
 */
export function mergeLoadRequests(a: LoadRequest, b: LoadRequest): LoadRequest {
  readInput('a', () => expectLoadRequest('a', a));
  readInput('b', () => expectLoadRequest('b', b));
  return readInput('a', () => units.mergeLoadRequests(a, b));
}

// ---------------------------------------------------------------------------------------------
// Token ids

/**
 * The id of a token: its doctor, day and number, joined by `~` (`sharma~2026-01-30~7`); what
 * {@link parseTokenId} reads back.
 *
 * @param doctorId - a doctor id (1–100 letters, digits, `_ . : -`)
 * @param day - the token's day, `YYYY-MM-DD`
 * @param tokenNumber - its number, 1 or more
 * @throws OpdError `VALIDATION_FAILED` naming the part that is not valid
 */
export function tokenIdOf(doctorId: string, day: string, tokenNumber: number): string {
  expectId('doctorId', doctorId);
  parseDay('day', day);
  expectInteger('tokenNumber', tokenNumber, 1);
  return records.tokenIdOf(doctorId, day, tokenNumber);
}

/**
 * The parts of a token id made by {@link tokenIdOf}, or `undefined` for any other string.
 * Adapters may use it to find a token's doctor and day without a lookup.
 *
 * @param id - a string
 * @throws OpdError `VALIDATION_FAILED` (`details.field`: `id`) when `id` is not a string
 */
export function parseTokenId(id: string): TokenIdParts | undefined {
  expectString('id', id);
  return records.parseTokenId(id);
}

/**
 * Whether `id` is the id {@link tokenIdOf} gives these parts (without building it).
 *
 * @param id - a string
 * @param doctorId - a doctor id
 * @param day - a day, `YYYY-MM-DD`
 * @param tokenNumber - a token number
 * @throws OpdError `VALIDATION_FAILED` naming the argument when `id`, `doctorId` or `day` is not
 *   a string, or `tokenNumber` not a number
 */
export function isTokenIdOf(id: string, doctorId: string, day: string, tokenNumber: number): boolean {
  expectString('id', id);
  expectString('doctorId', doctorId);
  expectString('day', day);
  if (typeof tokenNumber !== 'number') throw invalid('tokenNumber', `Expected \`tokenNumber\` to be a number, got ${describe(tokenNumber)}`);
  return records.isTokenIdOf(id, doctorId, day, tokenNumber);
}

/**
 * A fresh, empty day record: no token issued yet, every counter `0`, no labels. What an adapter
 * gives {@link assembleDay} for a doctor-day it has not stored yet.
 *
 * @param doctorId - a doctor id (1–100 letters, digits, `_ . : -`)
 * @param day - the day, `YYYY-MM-DD`
 * @throws OpdError `VALIDATION_FAILED` naming the argument that is not valid
 */
export function emptyDayRecord(doctorId: string, day: string): DayRecord {
  expectId('doctorId', doctorId);
  parseDay('day', day);
  return records.emptyDayRecord(doctorId, day);
}

// ---------------------------------------------------------------------------------------------
// Order

/** The fields of a token record that queue order reads. */
const QUEUE_KEYS = ['rank', 'requestedAt', 'tokenNumber'] as const;

/**
 * Requires a record whose fields of queue order are finite numbers (a `NaN` would make any sort
 * by it inconsistent). Run it within `readInput`: a getter that throws is not caught here.
 */
function expectQueueRecord(field: string, value: unknown): void {
  if (!isRecord(value)) throw invalid(field, `Expected \`${field}\` to be a token record, got ${describe(value)}`);
  for (const key of QUEUE_KEYS) {
    if (typeof value[key] !== 'number' || !Number.isFinite(value[key])) {
      throw invalid(`${field}.${key}`, `Expected \`${field}.${key}\` to be a finite number, got ${describe(value[key])}`);
    }
  }
}

/**
 * Queue order: rank, then request time, then token number. Places in a slot and waitlists are
 * both ordered by it; a comparator for `Array.prototype.sort`.
 *
 * @param a - a token record
 * @param b - another token record
 * @returns a negative number when `a` comes first, a positive one when `b` does, `0` for neither
 * @throws OpdError `VALIDATION_FAILED` naming the argument (`a`, `b`) or its field (`a.rank`,
 *   `b.requestedAt`, …) for anything but a token record whose `rank`, `requestedAt` and
 *   `tokenNumber` are finite numbers
 */
export function compareQueueOrder(a: TokenRecord, b: TokenRecord): number {
  readInput('a', () => expectQueueRecord('a', a));
  readInput('b', () => expectQueueRecord('b', b));
  return readInput('a', () => queue.compareQueueOrder(a, b));
}

/**
 * What the estimates read of a slot's places, in one pass (see `SlotState.facts`): how many still
 * wait, when the completed ones completed, the latest start of one in consultation, the checked-in
 * ones. An adapter that keeps a slot's facts with its list finds them with this, once per version
 * of the list.
 *
 * @param places - the slot's places (`SlotState.places`)
 * @returns the slot's facts
 * @throws OpdError `VALIDATION_FAILED` naming `places` (or `places[i]`, `places[i].status`,
 *   `places[i].updatedAt`) for anything but an array of token records with a string status and a
 *   finite `updatedAt`
 */
export function slotFacts(places: readonly TokenRecord[]): SlotFacts {
  readInput('places', () => {
    if (!Array.isArray(places)) throw invalid('places', `Expected \`places\` to be an array of token records, got ${describe(places)}`);
    for (let i = 0; i < places.length; i++) {
      const t: unknown = places[i];
      const field = `places[${i}]`;
      if (!isRecord(t)) throw invalid(field, `Expected \`${field}\` to be a token record, got ${describe(t)}`);
      if (typeof t['status'] !== 'string') throw invalid(`${field}.status`, `Expected \`${field}.status\` to be a string, got ${describe(t['status'])}`);
      if (typeof t['updatedAt'] !== 'number' || !Number.isFinite(t['updatedAt']))
        throw invalid(`${field}.updatedAt`, `Expected \`${field}.updatedAt\` to be a finite number, got ${describe(t['updatedAt'])}`);
    }
  });
  return queue.slotFacts(places);
}

/**
 * Code-unit order of ids: the order every adapter locks doctors in; a comparator for
 * `Array.prototype.sort`.
 *
 * @param a - an id
 * @param b - another id
 * @returns `-1` when `a` comes first, `1` when `b` does, `0` when they are the same
 * @throws OpdError `VALIDATION_FAILED` naming the argument (`a`, `b`) that is not a string
 */
export function compareIds(a: string, b: string): number {
  expectString('a', a);
  expectString('b', b);
  return units.compareIds(a, b);
}

// ---------------------------------------------------------------------------------------------
// Events

/**
 * Assigns the storage sequence number of an event created by the allocation core. For adapters,
 * while storing a {@link ChangeSet}: each event of a change set, in order, gets the next `seq` of
 * the store.
 *
 * @param event - an event of a change set
 * @param seq - its sequence number in the store, 1 or more
 * @throws OpdError `VALIDATION_FAILED` naming the argument, before anything is changed, when
 *   `event` is not an event (an object with a string `type` whose `seq` can be set) or `seq` is
 *   not an integer of 1 or more
 */
export function assignEventSeq(event: OpdEvent, seq: number): void {
  readInput('event', () => {
    if (!isRecord(event) || typeof event['type'] !== 'string') throw invalid('event', `Expected \`event\` to be an event, got ${describe(event)}`);
  });
  expectInteger('seq', seq, 1);
  try {
    adapter.assignEventSeq(event, seq);
  } catch (error) {
    // A frozen event, or a proxy that refuses, cannot take its number: nothing was changed.
    throw new OpdError('VALIDATION_FAILED', 'Could not set `event.seq`', { details: { field: 'event' }, cause: new ErrorSummary(error) });
  }
}
