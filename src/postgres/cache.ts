import { assembleDay } from '../adapter-kit/assembly.js';
import type { ChangeSet, DaySnapshot } from '../model/snapshot.js';
import { type DayRecord, emptyDayRecord, type SlotRecord, type TokenRecord } from '../model/records.js';
import { isActiveStatus } from '../model/status.js';
import { DAY, SLOT, TOKEN } from './columns.js';

/** One doctor-day as of a doctor `rev`: counters, slots, and the tokens a snapshot holds. */
interface CachedDay {
  rev: number;
  record: DayRecord;
  slots: Map<string, SlotRecord>;
  /** Tokens with a status a day snapshot holds (places and waitlist), by token number. */
  tokens: Map<number, TokenRecord>;
}

/** A day as `opd_load` returns it: the rev it is relative to (-1: in full), counters, slots, tokens. */
export type DayPart = [string, number, unknown[] | null, unknown[][] | null, unknown[][] | null];

/** A day's counters from an `opd_load` array (an empty record when the day has none). */
export function dayFromArray(doctorId: string, day: string, array: readonly unknown[] | null): DayRecord {
  return array === null ? emptyDayRecord(doctorId, day) : DAY.fromArray(array, { doctorId, day });
}

/**
 * The doctor-days this adapter instance has read, each as of the doctor's `rev` (a number every
 * unit that writes for the doctor increments, under the doctor's lock, and stamps on the rows it
 * writes). A unit sends the revs it holds; the database answers with the rows written since, so
 * a booking reads what changed, not the whole day. An entry's maps are updated in place (copying
 * a day's maps twice per unit cost more than the rest of the merge); the records in them are
 * never mutated, and a snapshot holds arrays of its own, so snapshots stay as they were handed out.
 */
export class DayCache {
  /** Doctor → day → entry; both levels in least-recently-used order. */
  readonly #doctors = new Map<string, Map<string, CachedDay>>();
  readonly #limit: number;
  #size = 0;

  /** @param limit - at most about this many doctor-days are kept (least recently used doctors go first) */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /**
   * The revs held for a doctor's days, to send with a load request: the days named, and the
   * doctor's most recently used days (where a slot or token of the request most likely lies).
   */
  known(doctorId: string, days: readonly string[], recent: number): Record<string, number> | undefined {
    const held = this.#doctors.get(doctorId);
    if (held === undefined) return undefined;
    let out: Record<string, number> | undefined;
    for (const day of days) {
      const entry = held.get(day);
      if (entry !== undefined) (out ??= {})[day] = entry.rev;
    }
    let n = 0;
    const keys = [...held.keys()];
    for (let i = keys.length - 1; i >= 0 && n < recent; i--, n++) (out ??= {})[keys[i]!] = held.get(keys[i]!)!.rev;
    return out;
  }

  /**
   * Merges a day read under the doctor's lock at `rev`; returns its snapshot, or `undefined`
   * when the answer is relative to a rev this cache no longer holds (read it again in full).
   */
  merge(doctorId: string, rev: number, part: DayPart): DaySnapshot | undefined {
    const [day, base, record, slots, tokens] = part;
    let entry: CachedDay;
    if (base < 0) {
      entry = { rev, record: dayFromArray(doctorId, day, record), slots: new Map(), tokens: new Map() };
    } else {
      const held = this.#doctors.get(doctorId)?.get(day);
      if (held === undefined || held.rev < base || held.rev > rev) {
        this.#delete(doctorId, day);
        return undefined;
      }
      entry = held;
    }
    try {
      for (const a of slots ?? []) {
        const slot = SLOT.fromArray(a, undefined);
        entry.slots.set(slot.id, slot);
      }
      for (const a of tokens ?? []) {
        const token = TOKEN.fromArray(a, { doctorId, day });
        if (isActiveStatus(token.status)) entry.tokens.set(token.tokenNumber, token);
        else entry.tokens.delete(token.tokenNumber);
      }
      entry.rev = rev;
      entry.record = dayFromArray(doctorId, day, record);
      const snapshot = snapshotOf(entry);
      this.#put(doctorId, day, entry);
      return snapshot;
    } catch (error) {
      // Merged half way, or inconsistent: not to be trusted.
      this.#delete(doctorId, day);
      throw error;
    }
  }

  /**
   * Records a committed change set: days read at `rev` and written by the unit are now as of
   * `next`. Days a later unit already moved past, or not held, are dropped.
   */
  commit(doctorId: string, rev: number, next: number, changes: ChangeSet): void {
    const touched = new Map<string, CachedDay | undefined>();
    const entryOf = (day: string): CachedDay | undefined => {
      if (touched.has(day)) return touched.get(day);
      const held = this.#doctors.get(doctorId)?.get(day);
      const entry = held !== undefined && held.rev === rev && next === rev + 1 ? held : undefined;
      if (entry === undefined) this.#delete(doctorId, day);
      else entry.rev = next;
      touched.set(day, entry);
      return entry;
    };
    for (const record of changes.days) {
      const entry = entryOf(record.day);
      if (entry !== undefined) entry.record = record;
    }
    for (const slot of changes.newSlots) entryOf(slot.day)?.slots.set(slot.id, slot);
    for (const slot of changes.updatedSlots) entryOf(slot.day)?.slots.set(slot.id, slot);
    for (const list of [changes.newTokens, changes.updatedTokens]) {
      for (const token of list) {
        const entry = entryOf(token.day);
        if (entry === undefined) continue;
        if (isActiveStatus(token.status)) entry.tokens.set(token.tokenNumber, token);
        else entry.tokens.delete(token.tokenNumber);
      }
    }
    for (const [day, entry] of touched) if (entry !== undefined) this.#put(doctorId, day, entry);
  }

  /** Forgets everything held for a doctor (after a failed unit, whose outcome may be unknown), or for all. */
  forget(doctorId: string | undefined): void {
    if (doctorId === undefined) {
      this.#doctors.clear();
      this.#size = 0;
      return;
    }
    this.#size -= this.#doctors.get(doctorId)?.size ?? 0;
    this.#doctors.delete(doctorId);
  }

  #delete(doctorId: string, day: string): void {
    if (this.#doctors.get(doctorId)?.delete(day) === true) this.#size--;
  }

  #put(doctorId: string, day: string, entry: CachedDay): void {
    let held = this.#doctors.get(doctorId);
    if (held === undefined) held = new Map();
    else this.#doctors.delete(doctorId);
    this.#doctors.set(doctorId, held);
    if (!held.delete(day)) this.#size++;
    held.set(day, entry);
    while (this.#size > this.#limit) {
      const [oldest, days] = this.#doctors.entries().next().value!;
      if (oldest === doctorId || days.size === 0) {
        // One doctor holds everything: drop its least recently used day.
        const first = held.keys().next().value!;
        if (first === day) break;
        held.delete(first);
        this.#size--;
      } else {
        this.#size -= days.size;
        this.#doctors.delete(oldest);
      }
    }
  }
}

/** Whether a list is already in order of a key (maps keep insertion order: most days are). */
function ordered<T>(list: readonly T[], key: (item: T) => number): boolean {
  for (let i = 1; i < list.length; i++) if (key(list[i - 1]!) > key(list[i]!)) return false;
  return true;
}

const numberOf = (token: TokenRecord): number => token.tokenNumber;

/** A day snapshot (fresh arrays over shared, immutable records), tokens in number order. */
export function snapshotOf(entry: { record: DayRecord; slots: Map<string, SlotRecord>; tokens: Map<number, TokenRecord> }): DaySnapshot {
  const tokens = [...entry.tokens.values()];
  if (!ordered(tokens, numberOf)) tokens.sort((a, b) => a.tokenNumber - b.tokenNumber);
  return assembleDay('postgres', entry.record, entry.slots.values(), tokens);
}
