/** What the scheduler's reads answer: slot views, day schedules, stats, history pages and patient exports. */
import type { OpdEvent } from '../events.js';
import type { SlotElastic } from '../policies/capacity.js';
import type { TokenStatus, Doctor, Slot, Token } from '../types.js';

/** One consequence of a call: the same object that is emitted as an event. */
export type Effect = OpdEvent;

/**
 * One slot as a booking by one channel would find it now (see `OpdScheduler.availability`):
 * decided by the booking rule itself, so `available` is `true` exactly when `book` naming this
 * slot, for that channel and patient, would be `BOOKED` in it at that instant.
 */
export interface SlotAvailability {
  /** The slot. */
  readonly slot: Slot;
  /** Whether a booking by the channel would get a place in it. */
  readonly available: boolean;
  /**
   * The places bookings by the channel would take in it one after the other (free places its
   * quota admits it to; 1 for an elastic place or a bump's), 0 when none.
   */
  readonly places: number;
  /** Whether the place would be an elastic one (granted by the capacity strategy beyond `capacity`). */
  readonly elastic: boolean;
  /**
   * Why there is no place for the channel, or `null` when there is:
   * - `full`: the slot has no place for it (the overflow strategy would waitlist it, move it on or
   *   refuse it);
   * - `quota`: the slot has free places, but the quota (or a reserve for another channel) refuses it;
   * - `outside-window`: the slot is outside the channel's booking window;
   * - `duplicate`: the patient already holds a live token the duplicate rules count;
   * - `retired`: the doctor is retired from the slot's start;
   * - `closed`: the slot is closed or has ended.
   */
  readonly reason: 'full' | 'quota' | 'outside-window' | 'duplicate' | 'retired' | 'closed' | null;
}

/** A slot together with its queue and waitlist. */
export interface SlotView {
  /** The slot. */
  readonly slot: Slot;
  /** Tokens holding places, in queue order (rank, request time, token number). */
  readonly places: readonly Token[];
  /**
   * Tokens that could be promoted into this slot (waiting for it, or for the day and due by its
   * start), in promotion order: the tokens the overflow strategy protects (emergencies) first,
   * then the others, each by rank, request time and token number. A quota is asked only when a
   * place is given: a token it refuses here is listed, and keeps waiting.
   */
  readonly waitlist: readonly Token[];
  /**
   * Free places: `max(0, capacity − occupancy)`, where occupancy counts the places taken — booked
   * places and every claim (a hold, a place held for an offer).
   */
  readonly free: number;
  /** Elastic places in use: `max(0, occupancy − capacity)`. */
  readonly overflowUsed: number;
  /**
   * The places claimed and not booked: held by a hold (a `HELD` token, listed among `places`),
   * held for an offer while its candidates answer, or leased to a desk and not yet used (no token
   * of their own). They count as taken.
   */
  readonly claimed: number;
  /** Of the places `claimed`, those leased to desks (`leaseCapacity`) and not yet used. */
  readonly leased: number;
  /**
   * On `getSlot`, when the capacity strategy describes its slots (`describeSlot`): the elastic
   * places it allows per category and what they rest on (for `CalibratedElastic`, the learnt show
   * rate, its sample, whether a wider group was used, the risk). Absent otherwise.
   */
  readonly elastic?: SlotElastic | undefined;
}

/** One doctor's day. */
export interface DaySchedule {
  /** The doctor. */
  readonly doctor: Doctor;
  /** The local date, `YYYY-MM-DD`. */
  readonly date: string;
  /** The day's slots in time order. */
  readonly slots: readonly SlotView[];
  /** The day's waitlisted tokens in promotion order (see {@link SlotView.waitlist}). */
  readonly waitlist: readonly Token[];
}

/** Filter of {@link OpdScheduler.stats}. */
export interface StatsFilter {
  /** Only this doctor. */
  readonly doctorId?: string | undefined;
  /** Only this local date, `YYYY-MM-DD`. */
  readonly date?: string | undefined;
}

/** Figures returned by {@link OpdScheduler.stats}. */
export interface Stats {
  /** Number of tokens. */
  readonly tokens: number;
  /** Tokens per status (every status present, possibly 0). */
  readonly byStatus: Readonly<Record<TokenStatus, number>>;
  /** Tokens per category (only categories that occur). */
  readonly byCategory: Readonly<Record<string, number>>;
  /** Number of open slots. */
  readonly openSlots: number;
  /** Number of closed slots. */
  readonly closedSlots: number;
  /** Sum of the capacities of open slots. */
  readonly capacity: number;
  /** Places held in open slots. */
  readonly places: number;
  /** Elastic places in use in open slots, as their views count them (`SlotView.overflowUsed`: a claim whose end has passed holds nothing, swept or not). */
  readonly overflowUsed: number;
  /** `places / capacity` over open slots (may exceed 1 with elastic places); 0 without capacity. */
  readonly utilisation: number;
  /** Tokens bumped by a more urgent one. */
  readonly bumps: number;
  /** Displaced tokens moved to a later slot. */
  readonly cascades: number;
  /** Waitlisted tokens promoted into a place. */
  readonly promotions: number;
  /** Displaced tokens dropped with nowhere to go. */
  readonly drops: number;
  /**
   * Mean minutes from request to estimated start over tokens holding places (0 when none);
   * estimates before the request count as 0.
   */
  readonly averageWaitMinutes: number;
}

/** Options of {@link OpdScheduler.history}. */
export interface HistoryOptions {
  /** Only events with `seq` greater than this. @defaultValue 0 */
  readonly after?: number | undefined;
  /** At most this many events: a page (read on with its last `seq` as the next `after`). @defaultValue 1000 */
  readonly limit?: number | undefined;
}

/**
 * Options of {@link OpdScheduler.tail}.
 *
 * `tail()` hands out the stored events after `after`, then every event committed later — by this
 * scheduler and, with a shared store, by other processes — in `seq` order, never skipping or
 * repeating one: the way for an SMS sender or a display board to catch every event across
 * restarts and lost acknowledgements (keep the last `seq` handled and pass it as `after` next
 * time). Transient storage failures (a lost connection) are retried; the iteration ends when the
 * loop breaks (`break`, `return()`) or the scheduler closes.
 *
 * The iterable `tail()` returns is one reading, as an async generator is: iterate it once. Two
 * loops over the same `tail()` share its position (each gets the events the other did not); once
 * it ended, it stays ended. Call `tail()` again, with the `after` reached, to read again.
 *
 * While the iteration waits for the next event it keeps the process alive when the events may
 * come from another process: the PostgreSQL adapter's listening connection does, and so does
 * the poll of an adapter without a `tail` of its own (a referenced timer). `MemoryStorage` does
 * not hold the process (only this process writes to it). Once the iteration ends (`break`,
 * `return()`, a failure, `close()`) nothing is left holding the process.
 *
 * A failure that cannot be retried ends the iteration: the storage adapter's `tail` throwing,
 * returning something other than an async iterable, or its iteration throwing or handing out
 * something other than an event (an object with a positive integer `seq`); or, for an adapter
 * without a `tail`, `history` resolving with something other than an array of events. The
 * pending `next()` then rejects with an `OpdError` `STORAGE_FAILURE` (the adapter's error,
 * reduced to its class and code, as the cause; `details.adapter` names the adapter), the events
 * before it having been handed out, and later `next()` calls report the iteration done. A store
 * that forgets its oldest events (`MemoryStorage` with a `historyLimit`) never skips one: when
 * the next event the iteration needs was forgotten (the consumer fell behind, or `after` is
 * below the oldest kept), it fails the same way with `HISTORY_TRUNCATED` instead
 * (`details.needed`, `details.oldestKept`).
 */
export interface TailOptions {
  /** Start after this `seq` (the last one the reader handled). @defaultValue 0 (everything stored) */
  readonly after?: number | undefined;
}

/**
 * What {@link OpdScheduler.exportPatient} returns: what the store holds about one patient (the
 * right to access) — every token whose `patient.id` is the patient's (any status, any doctor, any
 * day), with its patient data, as `getToken` shows it, and the stored events about those tokens,
 * in `seq` order. A patient whose data was erased has no token left under that id: the export is
 * empty.
 *
 * Cost: the store is searched for the patient's tokens (a scan where it keeps no index of
 * patients), and the history is read in full for their events.
 */
export interface PatientExport {
  /** Every token of the patient (any status, any doctor), with its patient data, by doctor, day and number. */
  readonly tokens: readonly Token[];
  /** The stored events about those tokens, in `seq` order. */
  readonly events: readonly OpdEvent[];
}

/**
 * What {@link OpdScheduler.erasePatient} and {@link OpdScheduler.purge} return.
 *
 * Erasing a patient's data replaces the `patient` of every token of the patient, and of the
 * stored result of each token's idempotency key, by a tombstone (`{ name: '(erased)', erased:
 * true }`, without the id). Ids, token numbers, labels, categories, ranks, times and statuses
 * stay, so `stats()` and `history()` do not change but for one `patient:erased` event per token
 * (no patient data). A replay of an erased booking's idempotency key answers with the tombstone;
 * it is compared on everything but the patient.
 *
 * `erasePatient` is refused with `PATIENT_HAS_LIVE_TOKENS` (`details.tokenIds`), erasing nothing,
 * while the patient holds a live token (`BOOKED`, `WAITLISTED`, `HELD`, `CHECKED_IN`,
 * `IN_CONSULTATION`) of a day not yet over (today or later, in the scheduler's time zone): cancel
 * or complete it first. Each token is erased in a unit of its own: a call that fails part way (a
 * storage failure) leaves some tokens erased; call it again to finish. Idempotent: once erased,
 * the patient's id is gone from the store, and a second call finds nothing and erases nothing
 * (`tokenIds: []`).
 */
export interface PatientErasure {
  /** The tokens whose patient data this call erased (none when there was nothing left to erase). */
  readonly tokenIds: readonly string[];
  /** The `patient:erased` events, one per token, as emitted. */
  readonly effects: readonly OpdEvent[];
}
