import type { OpdEvent } from '../events.js';
import type { DayRecord, DoctorRecord, IdempotencyRecord, SlotRecord, TokenRecord } from './records.js';

/**
 * What a unit of work needs to read, all of it for one doctor (the *locked* doctor). The
 * adapter resolves the doctor first — `doctorId`, else the doctor of `tokenId`, else the doctor
 * of `slotId` — takes that doctor's lock, and only then reads. Designed so that a SQL adapter
 * can answer any request in one round trip after the lock.
 */
export interface LoadRequest {
  /** The doctor to lock and load. */
  readonly doctorId?: string | undefined;
  /** A token to load (any status); its doctor is locked when `doctorId` is absent, its day loaded. */
  readonly tokenId?: string | undefined;
  /**
   * A slot to load; its doctor is locked when neither `doctorId` nor `tokenId` is given. Its
   * day is loaded when the slot belongs to the locked doctor.
   */
  readonly slotId?: string | undefined;
  /** Further slots to load by id, whoever holds them (to check ids are free, for example). */
  readonly slotIds?: readonly string[] | undefined;
  /** Days (`YYYY-MM-DD`) of the locked doctor to load in full. */
  readonly days?: readonly string[] | undefined;
  /** An idempotency key of the locked doctor to look up. */
  readonly idempotencyKey?: string | undefined;
  /**
   * Load the locked doctor's slots (all days, any status) with `end > from` and, when `to` is
   * given, `start < to`, with their occupancy.
   */
  readonly schedule?: ScheduleWindow | undefined;
}

/** A time window of a doctor's schedule, in epoch milliseconds. */
export interface ScheduleWindow {
  /** Slots ending after this instant. */
  readonly from: number;
  /** Slots starting before this instant (unbounded when omitted). */
  readonly to?: number | undefined;
}

/** A slot of a day snapshot and the tokens holding places in it. */
export interface SlotState {
  /** The slot. */
  readonly slot: SlotRecord;
  /** Tokens whose status holds a place (`BOOKED`, `CHECKED_IN`, `IN_CONSULTATION`, `COMPLETED`), any order. */
  readonly places: readonly TokenRecord[];
}

/** Everything about one doctor-day the allocation rules need. */
export interface DaySnapshot {
  /** Counters; an empty record (`lastTokenNumber: 0`) when the day has none yet. */
  readonly record: DayRecord;
  /** Every slot of the day (open and closed), in time order, with its places. */
  readonly slots: readonly SlotState[];
  /** The day's `WAITLISTED` tokens, any order. */
  readonly waitlist: readonly TokenRecord[];
  /**
   * Optional index for the duplicate-booking guard: a live token (`BOOKED`, `WAITLISTED`,
   * `CHECKED_IN`, `IN_CONSULTATION`) of this day held by the patient id, if any. Without it the
   * rules scan the day, which is as correct and only slower.
   */
  readonly liveTokenOf?: ((patientId: string) => TokenRecord | undefined) | undefined;
}

/** A slot of the `schedule` of a {@link LoadRequest}, with its occupancy. */
export interface ScheduleEntry {
  /** The slot. */
  readonly slot: SlotRecord;
  /** Places in it. */
  readonly occupancy: number;
}

/**
 * The answer to a {@link LoadRequest}, read under the doctor's lock (or as one consistent
 * snapshot by {@link StorageAdapter.read}).
 */
export interface DoctorSnapshot {
  /** The locked doctor, or `undefined` when it (or the token or slot it was found by) does not exist. */
  readonly doctor: DoctorRecord | undefined;
  /** Every day requested (and the day of `tokenId` / `slotId`), empty snapshots for days without data. */
  readonly days: ReadonlyMap<string, DaySnapshot>;
  /** `tokenId`, when found. */
  readonly tokens: ReadonlyMap<string, TokenRecord>;
  /** `slotId` and `slotIds`, those that exist. */
  readonly slots: ReadonlyMap<string, SlotRecord>;
  /** The requested schedule, in time order; `undefined` when not requested. */
  readonly schedule: readonly ScheduleEntry[] | undefined;
  /** The requested idempotency key, when stored. */
  readonly idempotency: IdempotencyRecord | undefined;
}

/**
 * Everything a unit of work writes. Records are complete (not patches). Inserts never collide
 * with existing rows when the unit was decided under the lock; an adapter may still back that
 * up with constraints and fail the unit.
 */
export interface ChangeSet {
  /** A doctor to insert. */
  readonly doctor?: DoctorRecord | undefined;
  /** Slots to insert. */
  readonly newSlots: readonly SlotRecord[];
  /** Slots to replace (same id). */
  readonly updatedSlots: readonly SlotRecord[];
  /** Tokens to insert, in token-number order. */
  readonly newTokens: readonly TokenRecord[];
  /** Tokens to replace (same id). */
  readonly updatedTokens: readonly TokenRecord[];
  /** Day counters to insert or replace. */
  readonly days: readonly DayRecord[];
  /** An idempotency key to store. */
  readonly idempotency?: IdempotencyRecord | undefined;
  /**
   * `true` when the unit was decided with the duplicate-booking guard on (the scheduler's
   * `allowDuplicateBookings` is `false`): none of `newTokens` may be live while its patient
   * (`patient.id`) already holds a live token of that doctor-day. An adapter may back this up
   * with a constraint on the new tokens and fail the unit.
   */
  readonly guardDuplicates?: boolean | undefined;
  /**
   * Events, in causal order, each with `seq: 0`. The adapter assigns increasing `seq` values in
   * place (with {@link assignEventSeq}) before storing them; objects inside `idempotency.result`
   * are the same objects, so they carry the same numbers.
   */
  readonly events: readonly OpdEvent[];
}

/**
 * What a decision function returns: either a request for more data (the adapter loads it under
 * the same lock and calls the function again with the new snapshot), or the changes to write and
 * the call's result.
 */
export type Decision<R> = LoadDecision | CommitDecision<R>;

/** A {@link Decision} asking for more data, read under the same lock. */
export interface LoadDecision {
  /** Always `'load'`. */
  readonly kind: 'load';
  /** Everything to load (a superset of the previous request). */
  readonly request: LoadRequest;
}

/** A {@link Decision} to write changes and return a result. */
export interface CommitDecision<R> {
  /** Always `'commit'`. */
  readonly kind: 'commit';
  /** What to write (possibly nothing). */
  readonly changes: ChangeSet;
  /** What the call returns once committed. */
  readonly result: R;
}

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
 */
export interface StorageAdapter {
  /** Short name used in errors, such as `memory` or `postgres`. */
  readonly name: string;

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
   * Reserves a number for a generated id of the given kind; never returns the same number twice
   * for one store.
   */
  allocateId(kind: 'doctor'): Promise<number>;

  /**
   * Doctor-days holding a `BOOKED` token in a slot that started before `cutoff` (epoch ms),
   * ordered by doctor id then day. Used by `sweep`; a stale answer is harmless, because each
   * doctor-day is re-read under its lock.
   */
  findDueDays(cutoff: number): Promise<DoctorDay[]>;

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
   * Optional: delivers events committed by *other* writers sharing the store (other processes,
   * other adapter instances), each once, in `seq` order. Events committed through this adapter
   * instance are never delivered here (the scheduler already emitted them). The scheduler
   * subscribes once when constructed and unsubscribes on `close()`.
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
 * The doctor a change set is for (a unit of work concerns one doctor), or `undefined` for an
 * empty change set. For adapters, while storing a {@link ChangeSet}.
 */
export function changeSetDoctor(changes: ChangeSet): string | undefined {
  return (
    changes.doctor?.id ??
    changes.newTokens[0]?.doctorId ??
    changes.updatedTokens[0]?.doctorId ??
    changes.days[0]?.doctorId ??
    changes.newSlots[0]?.doctorId ??
    changes.updatedSlots[0]?.doctorId ??
    changes.idempotency?.doctorId
  );
}
