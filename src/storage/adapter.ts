import type { OpdEvent } from '../events.js';
import type { DayRecord, DoctorRecord, SlotRecord, TokenRecord } from '../model/records.js';
import type { ChangeSet, Decision, DoctorSnapshot, LoadRequest } from '../model/snapshot.js';

/** A doctor-day named by {@link StorageAdapter.findDueDays}. */
export interface DoctorDay {
  /** The doctor. */
  readonly doctorId: string;
  /** The local date, `YYYY-MM-DD`. */
  readonly day: string;
}

/** Filter of {@link StorageAdapter.scanDays}. */
export interface DayFilter {
  /** Only this doctor. */
  readonly doctorId?: string | undefined;
  /** Only this local date. */
  readonly day?: string | undefined;
}

/** One stored doctor-day in full, as {@link StorageAdapter.scanDays} yields it. */
export interface DayDump {
  /** The counters. */
  readonly record: DayRecord;
  /** Every slot of the day, in time order. */
  readonly slots: readonly SlotRecord[];
  /** Every token of the day, any status. */
  readonly tokens: readonly TokenRecord[];
}

/** The order {@link StorageAdapter.findPatientTokens} answers in: doctor id, then day, then token number. */
export function byDoctorDayNumber(a: TokenRecord, b: TokenRecord): number {
  if (a.doctorId !== b.doctorId) return a.doctorId < b.doctorId ? -1 : 1;
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  return a.tokenNumber - b.tokenNumber;
}

/**
 * What {@link StorageAdapter.findPatientTokens} looks for: every token of one patient (by
 * `patient.id`), or the tokens of days before a local date whose patient data is not erased yet.
 */
export type PatientTokenQuery =
  | {
      /** The patient's id (`patient.id`). */
      readonly patientId: string;
    }
  | {
      /** Tokens of local dates before this one (`YYYY-MM-DD`). */
      readonly dayBefore: string;
      /** At most this many, the first by doctor id, day and token number. */
      readonly limit: number;
    };

/**
 * What {@link StorageAdapter.tail} reads of its signal: an `AbortSignal` (typed by shape, so that
 * the published types need neither the DOM library nor `@types/node`).
 */
export interface TailSignal {
  /** Whether the reader has stopped. */
  readonly aborted: boolean;
  /** Adds a listener called when the reader stops. */
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * How opd-scheduler persists state. Implement it to use another database, and prove the
 * implementation with the conformance suite of `opd-scheduler/testing`.
 *
 * **The contract.** Every command of the scheduler is exactly one *unit of work* for one doctor,
 * run by {@link StorageAdapter.transact}:
 *
 * 1. resolve the doctor of the {@link LoadRequest} and take that doctor's lock;
 * 2. read the request (after the lock, never before) and call `decide` with the snapshot;
 *    `decide` is pure and synchronous and may ask for more data, which is read under the same
 *    lock;
 * 3. write the {@link ChangeSet} — records and events together — and commit;
 * 4. resolve with the decision's result.
 *
 * Guarantees an adapter must give:
 *
 * - **Serialized per doctor.** Two units for the same doctor never overlap, across every process
 *   sharing the store: two concurrent bookings never both see the last free place, and token
 *   numbers never repeat.
 * - **Atomic.** A unit that throws (in `decide`, or while writing) leaves nothing behind: no
 *   records, no events, no idempotency key.
 * - **Events stored with the changes.** The events of a unit are stored in the same commit, with
 *   `seq` values that increase in commit order, so that {@link StorageAdapter.history} read with
 *   `after` never misses or repeats an event.
 *
 * **Units over several doctors** (optional, see {@link StorageAdapter.multiDoctor}). A request
 * with `others` or `department` locks every doctor it names — the locked doctor, each of
 * `others`, each member of the department (resolved once, when the unit starts) — before reading
 * any of them, always in one fixed order (sorted by doctor id, or by whatever key the locks are
 * taken on), so that two units over the same doctors named in opposite orders never deadlock. A
 * later load of the unit may read more of those doctors but never name another one: the adapter
 * refuses it with `STORAGE_FAILURE` rather than take a lock out of order. The change set may hold
 * records of every doctor the unit locked (`checkChangeSet(changes, locked)`), written in the
 * same commit.
 */
export interface StorageAdapter {
  /** Short name used in errors, such as `memory` or `postgres`. */
  readonly name: string;

  /**
   * `true` when the adapter runs units over several doctors (load requests with `others` or
   * `department`, see the contract above). Without it, commands that need several doctors
   * (booking by department, moving a patient to another doctor) fail with `STORAGE_FAILURE`.
   */
  readonly multiDoctor?: boolean | undefined;

  /**
   * `true` when, in a unit over several doctors, what the unit reads of a further doctor costs
   * nothing until its decision looks at that doctor's snapshot (a store in the process's memory,
   * whose units run to their end before anything else touches it). A unit may then ask at once
   * for what it might need of every doctor rather than for the one it needs in a second round:
   * a call at a service point reads the day of each doctor the point serves and calls in one
   * round. Without it, units ask for as little as they can.
   */
  readonly lazyReads?: boolean | undefined;

  /**
   * `true` when the adapter answers {@link LoadRequest.everyDoctor}: it resolves every doctor of
   * the store when the unit starts, as it resolves a department's members, and locks and reads
   * them as it does a department's (needs `multiDoctor`). A call at a service point serving the
   * whole facility then names no doctor; without it, the scheduler lists the doctors and names
   * each in `others`.
   */
  readonly everyDoctor?: boolean | undefined;

  /**
   * `true` when the adapter answers {@link LoadRequest.patient}: it takes the patient's lock before
   * any doctor's lock (units naming the same patient never overlap, across every process sharing
   * the store), runs the unit as a unit over several doctors, and reads, after every lock, the
   * patient's tokens of every doctor from `fromDay` on into `DoctorSnapshot.patientTokens`.
   * Without it, a scheduler whose duplicate rules reach beyond one doctor-day (a department's or
   * the facility's day, or `maxActivePerPatient`) is refused when it is made.
   */
  readonly patientTokens?: boolean | undefined;

  /**
   * Runs one unit of work for one doctor (see the contract above).
   *
   * @param request - what to lock and read
   * @param decide - pure, synchronous decision; may throw an `OpdError` to abort the unit
   * @returns the result of the committed decision
   * @throws whatever `decide` throws (nothing is written); an `OpdError` with code `CONFLICT`
   *   when the unit could not be serialized after retries; `STORAGE_FAILURE` otherwise
   */
  transact<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R>;

  /**
   * Reads a request as one consistent snapshot, without taking the lock. The snapshot is the
   * caller's to keep: later units never change it.
   */
  read(request: LoadRequest): Promise<DoctorSnapshot>;

  /** Every doctor, in order of creation (then id). */
  listDoctors(): Promise<DoctorRecord[]>;

  /**
   * Reserves a number for a generated id of the given kind: a non-negative safe integer, never
   * the same twice for one store. The scheduler refuses anything else with `STORAGE_FAILURE`.
   * The conformance suite asks more, as both adapters of the package do: positive numbers, and
   * 1, 2, 3, … on a fresh store (its scripted day compares generated ids with `MemoryStorage`'s).
   */
  allocateId(kind: 'doctor'): Promise<number>;

  /**
   * Doctor-days holding a `BOOKED` token in a slot that started before `cutoff` (epoch ms) and,
   * when `claimsDueBy` is given, those whose claims are due by it — a claim ends, or its next
   * step comes: the day's due time (`claimDueAt` of `opd-scheduler/adapter-kit`, the earliest
   * `dueAt` of its active claims, whatever their kind) is at or before it — ordered by doctor id
   * then day, each once. Used by `sweep`; a stale answer is harmless, because each doctor-day is
   * re-read under its lock. An adapter that ignores `claimsDueBy` settles claims (holds that
   * ended, offers whose window passed, leases that ended) only on days that are due for no-shows
   * too, or at the next call on the day.
   *
   * When `openAt` is given, also the doctor-days holding a `WAITLISTED` token and an `OPEN` slot
   * that has not ended by `openAt` (epoch ms) with fewer places taken (the one count,
   * `takenPlaces`: tokens of a status `isPlaceStatus` accepts and claims without a token) than its
   * capacity: days where time may have opened a place to the
   * waitlist. The scheduler asks it only with a quota, whose reservations end with time. An
   * adapter that ignores `openAt` opens ended reservations only on days due for another reason,
   * or at the next call that touches the day.
   *
   * When `closeBy` is given, also the doctor-days that may be over by it and still hold a token
   * a day's closing ends (`WAITLISTED`, `HELD`, `BOOKED` or `CHECKED_IN`): days none of whose
   * `OPEN` slots ends after `closeBy`, up to the last day a slot starting before `closeBy` can be
   * on (the UTC day after `closeBy`'s; the scheduler checks, in its time zone, that a day with no
   * open slot has ended). The
   * scheduler asks it unless `closeOut.sweep` is `false`. An adapter that ignores `closeBy`
   * closes days only when they are due for another reason, or by `closeDay`.
   */
  findDueDays(cutoff: number, claimsDueBy?: number, openAt?: number, closeBy?: number): Promise<DoctorDay[]>;

  /**
   * Every stored doctor-day matching the filter, with all its slots and all its tokens (every
   * status). Used by `stats`.
   */
  scanDays(filter: DayFilter): AsyncIterable<DayDump>;

  /**
   * Stored events with `seq > after`, in `seq` order, at most `limit` of them. Never returns an
   * event while an event with a smaller `seq` may still commit.
   */
  history(after: number, limit: number): Promise<OpdEvent[]>;

  /**
   * Optional: the stored events of one doctor-day, in `seq` order — every event whose `doctorId`
   * and `day` are these, and every `token:moved` whose `fromDoctorId` and `fromDay` are (a patient
   * who left the day for another) — read without going through the rest of the history (an
   * index by doctor and day). Only events already committed; an adapter that forgets old events
   * (a history limit) forgets them here too. `explain` and `fairness` use it; without it the
   * scheduler reads the whole history and keeps the day's events.
   *
   * @param doctorId - the doctor
   * @param day - the local date, `YYYY-MM-DD`
   */
  dayHistory?(doctorId: string, day: string): Promise<OpdEvent[]>;

  /**
   * Optional: delivers events committed by *other* writers sharing the store (other processes,
   * other adapter instances), each once, in `seq` order. Events committed through this adapter
   * instance are never delivered here (the scheduler already emitted them). The scheduler
   * subscribes once when constructed and unsubscribes on `close()`. Its listener never throws:
   * it drops (and reports) anything that is not an event of a known type.
   *
   * @param listener - called for each foreign event
   * @returns a function that stops the delivery
   */
  subscribe?(listener: (event: OpdEvent) => void): () => void;

  /**
   * Optional: the stored events with `seq > after`, then every event committed later (by this
   * adapter and by every other writer sharing the store), in `seq` order, never skipping or
   * repeating one, until `signal` aborts or the adapter closes (the iteration then ends; it never
   * throws for a failure it can retry, such as a lost connection). `OpdScheduler.tail` uses it;
   * without it the scheduler polls `history`.
   *
   * @param after - a `seq`; `0` for everything stored
   * @param signal - ends the iteration
   */
  tail?(after: number, signal: TailSignal): AsyncIterable<OpdEvent>;

  /**
   * `true` when the adapter erases patient data (`erasePatient`, `purge`): it writes the `patient`
   * of every token of {@link ChangeSet.updatedTokens} (a token whose patient was erased comes back
   * with the tombstone), writes {@link ChangeSet.erasedIdempotency}, and implements
   * {@link StorageAdapter.findPatientTokens}; and afterwards keeps no copy of the patient data it
   * replaced that a reader of the store could find (see docs/storage.md, "Patient data").
   * Without it, `exportPatient`, `erasePatient` and `purge` fail with `STORAGE_FAILURE`.
   */
  readonly patientErasure?: boolean | undefined;

  /**
   * Optional (with {@link StorageAdapter.patientErasure}): the stored tokens (any status, any
   * doctor) of a patient, or of the days before a date whose patient data is not erased yet (see
   * {@link PatientTokenQuery}), in order of doctor id, day and token number. Read without a lock;
   * each token is erased in a unit of its own, which reads it again under its doctor's lock.
   */
  findPatientTokens?(query: PatientTokenQuery): Promise<TokenRecord[]>;

  /**
   * Optional: the adapter's view of one facility of the store (many hospitals in one store, the
   * scheduler's option `facilityId`). The scheduler asks for it once, when it is made, and then
   * uses only the view: every method of the view, and every unit it runs, reads, locks and writes
   * that facility's doctors, slots, tokens, events and idempotency keys only, so that the rules
   * and this contract stay as they are within a facility. Two views of different facilities share
   * nothing a caller can see: the same doctor id may name a doctor in each, another facility's id
   * is unknown, their histories and tails hold their own events, and a unit of one never waits on
   * a lock of the other. `forFacility('default')` is the adapter's own facility. Without it, the
   * adapter holds the facility `'default'` only, and a scheduler of another facility is refused
   * with `VALIDATION_FAILED` when it is made.
   *
   * Closing a view releases what that view holds; the store and its other views stay open.
   *
   * @param facilityId - the facility, an id as the option `facilityId` accepts
   */
  forFacility?(facilityId: string): StorageAdapter;

  /**
   * The facility this adapter is the view of (`'default'` for the store itself), for an adapter
   * with {@link StorageAdapter.forFacility}. A scheduler refuses a view of another facility than
   * its own `facilityId`. Absent on an adapter that keeps no facilities apart.
   */
  readonly facilityId?: string | undefined;

  /** Releases what the adapter opened itself (not a pool it was given). Idempotent. */
  close(): Promise<void>;
}

/**
 * Assigns the storage sequence number of an event created by the allocation core. For adapters,
 * while storing a {@link ChangeSet}.
 */
export function assignEventSeq(event: OpdEvent, seq: number): void {
  (event as { seq: number }).seq = seq;
}

/**
 * Whether an event belongs to a doctor-day's history as {@link StorageAdapter.dayHistory} reads
 * it: its `doctorId` and `day` are these, or it is a `token:moved` whose `fromDoctorId` and
 * `fromDay` are (a patient who left the day). For adapters, and for the scheduler's reading of an
 * adapter without `dayHistory`.
 */
export function isEventOfDay(event: OpdEvent, doctorId: string, day: string): boolean {
  if ('day' in event && event.doctorId === doctorId && event.day === day) return true;
  return event.type === 'token:moved' && event.fromDoctorId === doctorId && event.fromDay === day;
}
