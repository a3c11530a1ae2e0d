import type { ChangeSet, DaySnapshot, DoctorSnapshot, LoadRequest } from '../../model/snapshot.js';
import { type DayRecord, type DoctorRecord, emptyDayRecord, type SlotRecord, type TokenRecord } from '../../model/records.js';
import { isActiveStatus } from '../../model/status.js';
import { DAY, SLOT, TOKEN } from '../columns.js';
import { DayView } from './day-view.js';

/** One doctor-day as of a doctor `rev`: counters, slots, and the tokens a snapshot holds. */
interface CachedDay {
  rev: number;
  record: DayRecord;
  slots: Map<string, SlotRecord>;
  /** Tokens with a status a day snapshot holds (places and waitlist), by token number. */
  tokens: Map<number, TokenRecord>;
  /** The day's snapshot kept in step with the rows above (assembled afresh when absent). */
  view: DayView | undefined;
}

/**
 * What the cache knows of a doctor: its record and rev as last read or written by this adapter,
 * and how its units may be decided without the lock. A unit decided on the copy costs one round
 * trip when nobody else wrote for the doctor since, and otherwise comes back with what changed (in
 * that same trip, as a read would) to be decided again. `heat` estimates how many units other
 * writers commit for the doctor while this adapter runs one unit (of any doctor), from each read
 * under the lock: the writes since the rev this adapter last knew, over the units it ran since.
 * From one such write per unit on (several processes taking turns on the doctor faster than a
 * round trip), a decision made between a read and a write would most often find the doctor moved:
 * its units run under the lock, and their reads keep the estimate current, so it leaves the lock
 * again once the others slow down, without a try to find out.
 */
interface SeenDoctor {
  record: DoctorRecord;
  rev: number;
  /** The adapter's unit count when `rev` was last learnt (read or written). */
  unit: number;
  heat: number;
}

/**
 * The `heat` from which a doctor's units run under the lock: other writers commit about one unit
 * for the doctor per unit of this adapter, so that about two in five decisions made between a read
 * and a write would find the doctor moved.
 */
export const CONTENDED = 1;

/**
 * Why the cache does not answer a request on its own: `'unserved'` a request it never answers,
 * `'contended'` other writers keep the doctor moving faster than a decision crosses a round trip
 * (see {@link CONTENDED}), `'cold'` a day (or the doctor) it does not hold as of the doctor's rev.
 */
export type NoCopy = 'unserved' | 'contended' | 'cold';

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
  /** Doctor → what was last seen of it, in least-recently-used order. */
  readonly #seen = new Map<string, SeenDoctor>();
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
   * Notes the doctor as a unit read it under its lock, at `rev`, during the adapter's `unit`-th
   * unit, and how often others write for it (`heat`, a moving average: half the last estimate,
   * half the writes of others since, per unit this adapter ran since; a second read in the same
   * unit, after a try found the doctor moved, adds a quarter of the writes it finds, so that one or
   * two writes that happened to fall between a read and a write do not tip a doctor others rarely
   * write for).
   */
  saw(record: DoctorRecord, rev: number, unit: number): void {
    const previous = this.#seen.get(record.id);
    this.#seen.delete(record.id);
    let heat = 0;
    if (previous !== undefined) {
      const others = Math.max(0, rev - previous.rev);
      const units = unit - previous.unit;
      heat = units > 0 ? (previous.heat + others / units) / 2 : previous.heat + others / 4;
    }
    this.#seen.set(record.id, { record, rev, unit, heat });
    if (this.#seen.size > this.#limit) this.#seen.delete(this.#seen.keys().next().value!);
  }

  /** Whether other writers keep the doctor moving too fast for a decision made without its lock. */
  contended(doctorId: string): boolean {
    return (this.#seen.get(doctorId)?.heat ?? 0) >= CONTENDED;
  }

  /**
   * The snapshot a load request would read, from the cache alone, and the doctor's rev it is
   * as of; else why not (see {@link NoCopy}). Only requests naming the doctor and a slot or days
   * are answered here (not those of a token, of other slots or of a schedule). Whether the rev is
   * still the doctor's is for the database to check, under the lock, when the unit writes.
   */
  current(request: LoadRequest): { snapshot: DoctorSnapshot; rev: number } | NoCopy {
    const doctorId = request.doctorId;
    if (doctorId === undefined || request.tokenId !== undefined || (request.slotIds?.length ?? 0) > 0 || request.schedule !== undefined) return 'unserved';
    // A request of the doctor alone is answered under the lock: a decision on it asks for more.
    if (request.slotId === undefined && (request.days?.length ?? 0) === 0) return 'unserved';
    const seen = this.#seen.get(doctorId);
    const held = this.#doctors.get(doctorId);
    if (seen !== undefined && seen.heat >= CONTENDED) return 'contended';
    if (seen === undefined || held === undefined) return 'cold';
    const snapshot = assemble(seen.record, seen.rev, request, held, undefined);
    return snapshot === undefined ? 'cold' : { snapshot, rev: seen.rev };
  }

  /**
   * A copy of the doctor's days as of `rev` for a chain of units decided one after the other (see
   * {@link ChainCopy}); `undefined` when the cache does not hold the doctor at that rev.
   */
  chain(doctorId: string, rev: number): ChainCopy | undefined {
    const seen = this.#seen.get(doctorId);
    const held = this.#doctors.get(doctorId);
    if (seen === undefined || held === undefined || seen.rev !== rev) return undefined;
    return new ChainCopy(seen.record, rev, held);
  }

  /**
   * Merges a day read under the doctor's lock at `rev`; returns its snapshot, or `undefined`
   * when the answer is relative to a rev this cache no longer holds (read it again in full).
   */
  merge(doctorId: string, rev: number, part: DayPart): DaySnapshot | undefined {
    const [day, base, record, slots, tokens] = part;
    let entry: CachedDay;
    if (base < 0) {
      entry = { rev, record: dayFromArray(doctorId, day, record), slots: new Map(), tokens: new Map(), view: undefined };
    } else {
      const held = this.#doctors.get(doctorId)?.get(day);
      if (held === undefined || held.rev < base || held.rev > rev) {
        this.#delete(doctorId, day);
        return undefined;
      }
      entry = held;
    }
    try {
      for (const a of slots ?? []) setSlot(entry, SLOT.fromArray(a, undefined));
      for (const a of tokens ?? []) setToken(entry, TOKEN.fromArray(a, { doctorId, day }));
      entry.rev = rev;
      setRecord(entry, dayFromArray(doctorId, day, record));
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
   * Records a committed change set of the adapter's `unit`-th unit: days read at `rev` and written
   * by the unit are now as of `next`. Days a later unit already moved past, or not held, are
   * dropped.
   */
  commit(doctorId: string, rev: number, next: number, changes: ChangeSet, unit: number): void {
    const seen = this.#seen.get(doctorId);
    if (seen !== undefined && seen.rev === rev && next === rev + 1) {
      seen.rev = next;
      seen.unit = unit;
      // A unit that updated the doctor: units decided on the copy from now on see it as stored.
      if (changes.updatedDoctor !== undefined) seen.record = changes.updatedDoctor;
    } else if (seen !== undefined && changes.updatedDoctor !== undefined) {
      this.#seen.delete(doctorId);
    }
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
    applyChanges(changes, entryOf);
    for (const [day, entry] of touched) if (entry !== undefined) this.#put(doctorId, day, entry);
  }

  /** Forgets everything held for a doctor (after a failed unit, whose outcome may be unknown), or for all. */
  forget(doctorId: string | undefined): void {
    if (doctorId === undefined) {
      this.#doctors.clear();
      this.#seen.clear();
      this.#size = 0;
      return;
    }
    this.#size -= this.#doctors.get(doctorId)?.size ?? 0;
    this.#doctors.delete(doctorId);
    this.#seen.delete(doctorId);
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

/**
 * The snapshot a load request reads from days held at `rev` (`chained` first, then `held`): the
 * day of the request's slot and the days it names; `undefined` when one of them is not held.
 */
function assemble(
  doctor: DoctorRecord,
  rev: number,
  request: LoadRequest,
  held: ReadonlyMap<string, CachedDay>,
  chained: ReadonlyMap<string, CachedDay> | undefined,
): DoctorSnapshot | undefined {
  const dayOf = (day: string): CachedDay | undefined => {
    const entry = chained?.get(day) ?? held.get(day);
    return entry !== undefined && entry.rev === rev ? entry : undefined;
  };
  const days = new Map<string, DaySnapshot>();
  const slots = new Map<string, SlotRecord>();
  if (request.slotId !== undefined) {
    for (const day of held.keys()) {
      const slot = held.get(day)!.slots.get(request.slotId);
      if (slot === undefined) continue;
      const entry = dayOf(day);
      if (entry === undefined) return undefined;
      // The chain's copy of the day holds the slot as the chain left it.
      const current = entry.slots.get(request.slotId) ?? slot;
      slots.set(current.id, current);
      days.set(day, snapshotOf(entry));
      break;
    }
    if (slots.size === 0) return undefined;
  }
  for (const day of request.days ?? []) {
    if (days.has(day)) continue;
    const entry = dayOf(day);
    if (entry === undefined) return undefined;
    days.set(day, snapshotOf(entry));
  }
  return { doctor, days, tokens: new Map(), slots, schedule: undefined, idempotency: undefined };
}

/**
 * A doctor's days as the units of a chain leave them, one after the other: several units of one
 * doctor, queued in one process, decided in turn and sent together (see `chain.ts`). The
 * days the cache holds at the chain's rev are copied on the first change a unit makes to each, so
 * that the cache keeps what is stored until the chain commits; each unit then commits to the
 * cache in turn, as a unit sent alone does.
 */
export class ChainCopy {
  /** Days changed by the chain's units so far: copies of the cache's entries, changed in place. */
  readonly #days = new Map<string, CachedDay>();

  constructor(
    readonly doctor: DoctorRecord,
    readonly rev: number,
    readonly held: ReadonlyMap<string, CachedDay>,
  ) {}

  /** The snapshot a load request reads, as the chain's units so far leave the days; `undefined` when a day is not held. */
  snapshot(request: LoadRequest): DoctorSnapshot | undefined {
    if (request.doctorId !== this.doctor.id || request.tokenId !== undefined || (request.slotIds?.length ?? 0) > 0 || request.schedule !== undefined)
      return undefined;
    if (request.slotId === undefined && (request.days?.length ?? 0) === 0) return undefined;
    return assemble(this.doctor, this.rev, request, this.held, this.#days);
  }

  /**
   * Applies a unit's change set to the chain's days. `false` (and nothing applied) when it
   * touches a day the cache does not hold at the chain's rev: the chain ends before that unit.
   */
  apply(changes: ChangeSet): boolean {
    const days: string[] = [];
    for (const record of changes.days) days.push(record.day);
    for (const list of [changes.newSlots, changes.updatedSlots]) for (const slot of list) days.push(slot.day);
    for (const list of [changes.newTokens, changes.updatedTokens]) for (const token of list) days.push(token.day);
    for (const day of days) {
      if (this.#days.has(day)) continue;
      const entry = this.held.get(day);
      if (entry === undefined || entry.rev !== this.rev) return false;
    }
    const entryOf = (day: string): CachedDay => {
      let entry = this.#days.get(day);
      if (entry === undefined) {
        const source = this.held.get(day)!;
        entry = { rev: this.rev, record: source.record, slots: new Map(source.slots), tokens: new Map(source.tokens), view: undefined };
        this.#days.set(day, entry);
      }
      return entry;
    };
    applyChanges(changes, entryOf);
    return true;
  }
}

/**
 * Sets each record of a change set (day counters, then slots, then tokens) in the entry `entryOf`
 * gives for its day; a record whose day has no entry is left out.
 */
function applyChanges(changes: ChangeSet, entryOf: (day: string) => CachedDay | undefined): void {
  for (const record of changes.days) {
    const entry = entryOf(record.day);
    if (entry !== undefined) setRecord(entry, record);
  }
  for (const list of [changes.newSlots, changes.updatedSlots]) {
    for (const slot of list) {
      const entry = entryOf(slot.day);
      if (entry !== undefined) setSlot(entry, slot);
    }
  }
  for (const list of [changes.newTokens, changes.updatedTokens]) {
    for (const token of list) {
      const entry = entryOf(token.day);
      if (entry !== undefined) setToken(entry, token);
    }
  }
}

/** A slot of the day, new or changed: the day is assembled afresh for its next snapshot. */
function setSlot(entry: CachedDay, slot: SlotRecord): void {
  entry.slots.set(slot.id, slot);
  entry.view = undefined;
}

/** A token of the day, new or changed; kept only while it holds a place or waits. */
function setToken(entry: CachedDay, token: TokenRecord): void {
  const previous = entry.tokens.get(token.tokenNumber);
  const next = isActiveStatus(token.status) ? token : undefined;
  if (next !== undefined) entry.tokens.set(token.tokenNumber, next);
  else entry.tokens.delete(token.tokenNumber);
  if (entry.view?.token(previous, next) === false) entry.view = undefined;
}

function setRecord(entry: CachedDay, record: DayRecord): void {
  entry.record = record;
  entry.view?.record(record);
}

/**
 * A day snapshot (arrays of its own over shared, immutable records), tokens in number order.
 * @throws OpdError `STORAGE_FAILURE` when a token holds a place in a slot the day does not have
 */
export function snapshotOf(entry: {
  record: DayRecord;
  slots: Map<string, SlotRecord>;
  tokens: Map<number, TokenRecord>;
  view?: DayView | undefined;
}): DaySnapshot {
  entry.view ??= new DayView(entry);
  return entry.view.snapshot();
}
