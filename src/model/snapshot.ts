/**
 * What a unit of work reads and writes: the snapshot an adapter loads for one doctor, the
 * change set the rules return, and the decision that carries it. The core decides on these;
 * every adapter builds and applies them.
 */
import type { OpdEvent } from '../events.js';
import type { DayRecord, DoctorRecord, IdempotencyRecord, SlotRecord, TokenRecord } from './records.js';
import type { SlotFacts } from './queue.js';

/**
 * What a unit of work needs to read, all of it for one doctor (the *locked* doctor). The
 * adapter resolves the doctor first — `doctorId`, else the doctor of `tokenId`, else the doctor
 * of `slotId` — takes that doctor's lock, and only then reads. Designed so that a SQL adapter
 * can answer any request in one round trip after the lock.
 */
export interface LoadRequest {
  /** The doctor to lock and load. */
  readonly doctorId?: string | undefined;
  /**
   * A token to load (any status); its doctor is locked when `doctorId` is absent, its day loaded.
   * A token of another doctor than `doctorId` is not loaded.
   */
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
  /**
   * Further doctors to lock and read in the same unit (a unit over several doctors), each read as
   * a request of its own whose `doctorId` names it. Their snapshots come in
   * {@link DoctorSnapshot.others}. Needs an adapter that locks several doctors
   * (`StorageAdapter.multiDoctor`).
   */
  readonly others?: readonly LoadRequest[] | undefined;
  /**
   * A department whose doctors are all locked and read in the same unit, each with
   * {@link DepartmentLoad.each}. The department's members are resolved once, when the unit
   * starts (a later load of the same unit sees the same members); they come, sorted by id, in
   * {@link DoctorSnapshot.department} and their snapshots in {@link DoctorSnapshot.others}.
   */
  readonly department?: DepartmentLoad | undefined;
  /**
   * Every doctor of the store (of the facility, in a store shared by facilities) locked and read
   * in the same unit, each with {@link EveryDoctorLoad.each}, as a department's are: resolved
   * once, when the unit starts (a later load of the same unit sees the same doctors); their
   * snapshots come in {@link DoctorSnapshot.others}. A call at a service point that serves the
   * whole facility names it rather than each doctor, so that a store resolves the doctors as it
   * resolves a department's. Not with `department`. Needs an adapter with
   * `StorageAdapter.everyDoctor`.
   */
  readonly everyDoctor?: EveryDoctorLoad | undefined;
  /**
   * A patient whose tokens the unit reads across doctors and days (the duplicate rules of a
   * wider scope than one doctor-day, or a cap on live tokens). The adapter takes the patient's
   * lock before any doctor's lock — so that two units giving one patient a token never both miss
   * each other, whichever doctors they lock — and answers with {@link DoctorSnapshot.patientTokens}.
   * A later load of the unit names the same patient or none. Needs an adapter with
   * `StorageAdapter.patientTokens`.
   */
  readonly patient?: PatientLoad | undefined;
  /**
   * A service point's queue to read in the same unit: the checked-in tokens waiting at the point
   * on the day (their journey's `point`), of the doctors the unit locks, with their slots. The
   * adapter answers with {@link DoctorSnapshot.servicePoint}, read from an index of the tokens
   * at each point rather than from the doctors' days, so that a call at a point costs what its
   * queue holds, not what the doctors it serves hold. A request naming it is a unit over several
   * doctors (`StorageAdapter.multiDoctor`). An adapter without such an index may leave it
   * unanswered: the rules then read the doctors' days, which is as correct and only slower.
   */
  readonly servicePoint?: ServicePointLoad | undefined;
}

/** The service point part of a {@link LoadRequest}. */
export interface ServicePointLoad {
  /** The service point's id (`ServicePoint.id`). */
  readonly id: string;
  /** The local day (`YYYY-MM-DD`) whose tokens to read. */
  readonly day: string;
}

/** The patient part of a {@link LoadRequest}. */
export interface PatientLoad {
  /** The patient's id (`patient.id`): a bind parameter only, never in SQL text, errors or logs. */
  readonly id: string;
  /** The first local date (`YYYY-MM-DD`) whose tokens to read: tokens of earlier days are left out. */
  readonly fromDay: string;
}

/** One token of {@link DoctorSnapshot.patientTokens}, with the department of its doctor. */
export interface PatientToken {
  /** The token, as stored (any status). */
  readonly token: TokenRecord;
  /** The department of the token's doctor when read, `null` for none. */
  readonly department: string | null;
}

/** The department part of a {@link LoadRequest}. */
export interface DepartmentLoad {
  /** The department's name. */
  readonly name: string;
  /** What to read of each of its doctors (`doctorId`, `others`, `department` and `everyDoctor` are ignored). */
  readonly each: LoadRequest;
}

/** The part of a {@link LoadRequest} over every doctor of the store. */
export interface EveryDoctorLoad {
  /** What to read of each doctor (`doctorId`, `others`, `department` and `everyDoctor` are ignored). */
  readonly each: LoadRequest;
}

/** A time window of a doctor's schedule, in epoch milliseconds. */
export interface ScheduleWindow {
  /** Slots ending after this instant. */
  readonly from: number;
  /** Slots starting before this instant (unbounded when omitted). */
  readonly to?: number | undefined;
  /**
   * At most this many slots, the first in time order (a positive whole number; every slot of the
   * window when omitted). An adapter may leave it out and list the whole window; one that honours
   * it says so with {@link DoctorSnapshot.scheduleCut} when it left slots out.
   */
  readonly limit?: number | undefined;
}

/** A slot of a day snapshot and the tokens holding places in it. */
export interface SlotState {
  /** The slot. */
  readonly slot: SlotRecord;
  /** Tokens whose status holds a place (`BOOKED`, `CHECKED_IN`, `IN_CONSULTATION`, `COMPLETED`), any order. */
  readonly places: readonly TokenRecord[];
  /**
   * Optional: what `slotFacts` (`opd-scheduler/adapter-kit`) finds in `places`. A store whose lists
   * are never changed in place can find it once per version of a slot's list and keep it with the
   * list; a day's estimate then reads the facts of every slot and the places of one. Without it
   * the rules find the facts from the places, which is as correct and only slower.
   */
  readonly facts?: SlotFacts | undefined;
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
   * Optional index for the duplicate-booking guard: the live token (`BOOKED`, `WAITLISTED`,
   * `CHECKED_IN`, `IN_CONSULTATION`) of this day with the lowest token number held by the patient
   * id, if any (a patient holds more than one only where duplicates were allowed). Without it the
   * rules scan the day, which is as correct and only slower.
   */
  readonly liveTokenOf?: ((patientId: string) => TokenRecord | undefined) | undefined;
  /**
   * Optional count of the day's `HELD` tokens. On a day with none, a call does not look for holds
   * that have ended (see docs/rules.md, Holds); without it the rules read the places, which is as
   * correct and only slower.
   */
  readonly holds?: number | undefined;
  /**
   * Optional count of the day's places whose consultation has begun (`IN_CONSULTATION`,
   * `COMPLETED`). On a day with none, an estimate takes the configured consultation time as the
   * day's pace without reading the places; without it the estimate reads them, which is as
   * correct and only slower.
   */
  readonly consultations?: number | undefined;
}

/** A slot of the `schedule` of a {@link LoadRequest}, with its occupancy. */
export interface ScheduleEntry {
  /** The slot. */
  readonly slot: SlotRecord;
  /**
   * Its taken places, by the one count (`takenPlaces` of `opd-scheduler/adapter-kit`): the places
   * its tokens hold (booked, held, checked in, seen) and the unused places of its active claims
   * without a token of their own (places held for an offer, places leased to a desk).
   */
  readonly occupancy: number;
  /**
   * The earliest end (`endsAt`) among its active claims (`earliestClaimEnd` of
   * `opd-scheduler/adapter-kit`: a hold, a lease); `undefined` when none ends. A booking without a
   * date reads it to find the places of claims that have ended but were not yet settled (by a
   * sweep or a call on their day), and goes to such a day when its place is still free once the
   * day is settled. Optional for an adapter: without it, such a booking counts an ended claim's
   * place as taken until it is settled.
   */
  readonly earliestClaimEnd?: number | undefined;
}

/**
 * The answer to a {@link LoadRequest}, read under the doctor's lock (or as one consistent
 * snapshot by `StorageAdapter.read`).
 */
export interface DoctorSnapshot {
  /** The locked doctor, or `undefined` when it (or the token or slot it was found by) does not exist. */
  readonly doctor: DoctorRecord | undefined;
  /**
   * Every day requested (and the day of `tokenId` / `slotId`), empty snapshots for days without
   * data. None at all when the doctor does not exist.
   */
  readonly days: ReadonlyMap<string, DaySnapshot>;
  /** `tokenId`, when found and a token of the locked doctor (a token of another doctor is left out). */
  readonly tokens: ReadonlyMap<string, TokenRecord>;
  /** `slotId` and `slotIds`, those that exist. */
  readonly slots: ReadonlyMap<string, SlotRecord>;
  /** The requested schedule, in time order; `undefined` when not requested. */
  readonly schedule: readonly ScheduleEntry[] | undefined;
  /**
   * `true` when `schedule` stops at the window's `limit` and the window holds more slots after
   * them. Absent (or `false`) when it lists the whole window, as an adapter that ignores `limit`
   * always does.
   */
  readonly scheduleCut?: boolean | undefined;
  /** The requested idempotency key, when stored. */
  readonly idempotency: IdempotencyRecord | undefined;
  /**
   * The snapshots of the further doctors a unit over several doctors locked (from
   * {@link LoadRequest.others}, {@link LoadRequest.department} and {@link LoadRequest.everyDoctor}),
   * by doctor id, in id order; the locked doctor itself is never in it. A doctor named both in
   * `others` and as a member of the department (or of every doctor) is
   * read with both requests merged. Absent (or empty) when the request named none; a doctor that
   * does not exist has a snapshot whose `doctor` is `undefined`.
   */
  readonly others?: ReadonlyMap<string, DoctorSnapshot> | undefined;
  /** The doctors of the requested department, sorted by id (the locked doctor too, when a member); absent when none was requested. */
  readonly department?: readonly string[] | undefined;
  /**
   * The tokens of {@link LoadRequest.patient} — every doctor's, any status, of its `fromDay` and
   * later — read under the patient's lock, in token-id order; absent when no patient was requested.
   */
  readonly patientTokens?: readonly PatientToken[] | undefined;
  /**
   * The queue of {@link LoadRequest.servicePoint}: each slot holding a token waiting at the point
   * (checked in, its journey's `point` the point's id) on the day, of a doctor the unit locked,
   * in time order (then by slot id), with only those tokens as its places (any order). Absent when
   * no point was requested, or when the adapter keeps no index of the tokens at each point.
   */
  readonly servicePoint?: readonly SlotState[] | undefined;
}

/**
 * Everything a unit of work writes. Records are complete (not patches). Inserts never collide
 * with existing rows when the unit was decided under the lock; an adapter may still back that
 * up with constraints and fail the unit. The records of a unit over several doctors may belong
 * to any of the doctors it locked (and to no other); `changeSetParts` of the adapter kit splits
 * them by doctor.
 */
export interface ChangeSet {
  /** A doctor to insert. */
  readonly doctor?: DoctorRecord | undefined;
  /**
   * A stored doctor to replace (same id; every field but `id` and `createdAt` may change): the
   * locked doctor of the unit, never one it inserts. Written in the same commit as the rest.
   */
  readonly updatedDoctor?: DoctorRecord | undefined;
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
   * A stored idempotency record to replace (same doctor and key) by this version, whose patient
   * data is erased (`erasePatient`, `purge`): its result's `token.patient` is the tombstone and
   * its fingerprint the erased form. Only adapters that declare `patientErasure` receive it; they
   * keep no copy of the record it replaces. Never given with `idempotency`.
   */
  readonly erasedIdempotency?: IdempotencyRecord | undefined;
  /**
   * `true` when the unit was decided with the duplicate-booking guard on (the scheduler's
   * `allowDuplicateBookings` is `false`): none of `newTokens` may be live while its patient
   * (`patient.id`) already holds a live token of that doctor-day. An adapter may back this up
   * with a constraint on the new tokens and fail the unit.
   */
  readonly guardDuplicates?: boolean | undefined;
  /**
   * Events, in causal order, each with `seq: 0`. The adapter assigns increasing `seq` values in
   * place (with `assignEventSeq` from `opd-scheduler/adapter-kit`) before storing them; objects inside `idempotency.result`
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
