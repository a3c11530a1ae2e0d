/**
 * The structures of the in-memory store: a slot with its places, a doctor-day with its tokens and
 * patient index, the days of a snapshot, and the writes of a unit's place lists.
 */
import { ReadonlyLookup } from '../../model/lookup.js';
import type { DaySnapshot, ScheduleEntry, SlotState } from '../../model/snapshot.js';
import { type SlotFacts, slotFacts } from '../../model/queue.js';
import { type DayRecord, type DoctorRecord, emptyDayRecord, type IdempotencyRecord, type SlotRecord, type TokenRecord } from '../../model/records.js';
import { isConsultedStatus, isLiveStatus } from '../../model/status.js';
import { claimDueAt, earliestClaimEnd, takenPlaces } from '../../model/claims.js';
import { PatientIndex, type TokensByPatient } from '../patient-index.js';

/**
 * A slot with its places; doubles as a schedule entry. Its list of places is the store's own: a
 * unit reads it, but the rules copy what they change (`DayWork`), and the store's write replaces
 * it; a snapshot handed out by `read` gets a copy.
 */
export class MemSlot implements SlotState, ScheduleEntry {
  /** Its places: a list replaced whole by each change ({@link MemSlot.setPlaces}), never changed in place. */
  places: TokenRecord[] = [];
  /** The slot's id (that of every version of its record), read without reaching the record. */
  readonly id: string;
  /** The facts of `places`, once found: forgotten when the list is replaced ({@link MemSlot.setPlaces}). */
  #facts: SlotFacts | undefined;
  constructor(
    public slot: SlotRecord,
    /** The day it belongs to, whose claim book holds the claims without a token of its places. */
    readonly day: MemDay,
  ) {
    this.id = slot.id;
  }
  /** Replaces its list of places (and forgets the facts of the one before, which may hold a token since erased). */
  setPlaces(list: TokenRecord[]): void {
    this.places = list;
    this.#facts = undefined;
  }
  /** The facts of its places (`slotFacts`), found once for each version of the list: every estimate of the day reads them. */
  get facts(): SlotFacts {
    return (this.#facts ??= slotFacts(this.places));
  }
  /** Its taken places, by the one count (`takenPlaces`): its tokens' places and its claims without a token. */
  get occupancy(): number {
    return takenPlaces(this.places.length, this.day.record.claims, this.id);
  }
  /** The earliest end of its active claims (`earliestClaimEnd`; read only for a booking without a date, on full slots). */
  get earliestClaimEnd(): number | undefined {
    return earliestClaimEnd(this.day.record.claims, this.id);
  }
}

/**
 * One doctor-day: a zero-copy {@link DaySnapshot} for units, plus every token and a patient index.
 * Its record is the store's own object, its counters written in place by each unit that changes
 * them (the change set's record then dies young, rather than being kept until the day's next
 * change); a snapshot handed out by `read` gets a copy.
 */
export class MemDay implements DaySnapshot {
  /** The day, `YYYY-MM-DD` (that of every version of its record). */
  readonly day: string;
  readonly slots: MemSlot[] = [];
  waitlist: TokenRecord[] = [];
  /** Every token of the day; token number n at index n − 1. */
  readonly tokens: TokenRecord[] = [];
  readonly #patients = new PatientIndex();
  /** Tokens of the day that are `HELD`. */
  holds = 0;
  /** Tokens of the day whose consultation has begun (`IN_CONSULTATION`, `COMPLETED`). */
  consultations = 0;
  /** Tokens of the day that are `BOOKED` (a day without one has nobody a sweep could mark). */
  booked = 0;

  readonly record: MutableDayRecord;
  /** The claim list {@link MemDay.claimsDueAt} was last found for (a day's list is replaced whole, never changed in place). */
  #dueOf: DayRecord['claims'] | null = null;
  #dueAt: number | null = null;

  constructor(record: DayRecord) {
    this.day = record.day;
    this.record = copyDayRecord(record);
  }

  /** Takes the counters of `record`, a later version of this day's record. */
  setRecord(record: DayRecord): void {
    const own = this.record;
    own.lastTokenNumber = record.lastTokenNumber;
    own.bumps = record.bumps;
    own.cascades = record.cascades;
    own.promotions = record.promotions;
    own.drops = record.drops;
    own.labels = record.labels;
    if (record.claims !== undefined || own.claims !== undefined) own.claims = record.claims;
    if (record.displaced !== undefined || own.displaced !== undefined) own.displaced = record.displaced;
    if (record.pause !== undefined || own.pause !== undefined) own.pause = record.pause;
  }

  /** The day's one due time of its claims ({@link claimDueAt}), found again only when its claims changed: a sweep asks every day. */
  get claimsDueAt(): number | null {
    const claims = this.record.claims;
    if (claims !== this.#dueOf) {
      this.#dueOf = claims;
      this.#dueAt = claimDueAt(claims);
    }
    return this.#dueAt;
  }

  liveTokenOf(patientId: string): TokenRecord | undefined {
    return this.#patients.liveTokenOf(this.tokens, patientId);
  }

  /** What the patient index keeps, as plain data (for `MemoryStorage.dump`). */
  indexDump(): unknown {
    return this.#patients.dump();
  }

  /** Adds the day's next token. */
  add(token: TokenRecord): void {
    this.tokens.push(token);
    this.#index(undefined, token);
  }

  /** Replaces a token of the day by its new version; returns the version replaced. */
  replace(token: TokenRecord): TokenRecord {
    const previous = this.tokens[token.tokenNumber - 1]!;
    this.tokens[token.tokenNumber - 1] = token;
    this.#index(previous, token);
    return previous;
  }

  /** Keeps the patient index and the counts of holds, consultations and booked tokens in step with a token's change. */
  #index(previous: TokenRecord | undefined, next: TokenRecord): void {
    if (next.status === 'HELD' || previous?.status === 'HELD') this.holds += (next.status === 'HELD' ? 1 : 0) - (previous?.status === 'HELD' ? 1 : 0);
    this.consultations += (isConsultedStatus(next.status) ? 1 : 0) - (previous !== undefined && isConsultedStatus(previous.status) ? 1 : 0);
    this.booked += (next.status === 'BOOKED' ? 1 : 0) - (previous?.status === 'BOOKED' ? 1 : 0);
    this.#patients.note(this.tokens, previous, next);
  }
}

/** A day record the store writes in place (see {@link MemDay}). */
export type MutableDayRecord = { -readonly [K in keyof DayRecord]: DayRecord[K] };

/** A copy of a day record, with exactly the record's fields. */
export function copyDayRecord(r: DayRecord): MutableDayRecord {
  const copy: MutableDayRecord = {
    doctorId: r.doctorId,
    day: r.day,
    lastTokenNumber: r.lastTokenNumber,
    bumps: r.bumps,
    cascades: r.cascades,
    promotions: r.promotions,
    drops: r.drops,
    labels: r.labels,
  };
  // A day that has had claims keeps them (frozen by the core, so shared as they are).
  if (r.claims !== undefined) copy.claims = r.claims;
  // So does a day that has had patients displaced.
  if (r.displaced !== undefined) copy.displaced = r.displaced;
  // And a day that has had a pause.
  if (r.pause !== undefined) copy.pause = r.pause;
  return copy;
}

export interface MemDoctor {
  /** The doctor as stored; replaced by a unit that updates it. */
  record: DoctorRecord;
  readonly days: Map<string, MemDay>;
  /**
   * The day of the doctor read or written last: a doctor's units mostly touch one day, and this
   * is found without a lookup in {@link MemDoctor.days}.
   */
  recent: MemDay | undefined;
  /** Every slot of the doctor in time order (they never overlap, so ends are ordered too). */
  readonly slots: MemSlot[];
  readonly idempotency: Map<string, IdempotencyRecord>;
}

/**
 * The days of a snapshot. Nearly every unit loads one day, so the first entry is held in fields
 * and a `Map` is only made for a second.
 */
export class DayMap extends ReadonlyLookup<DaySnapshot> {
  #key: string | undefined;
  #value: DaySnapshot | undefined;
  #more: Map<string, DaySnapshot> | undefined;

  add(key: string, value: DaySnapshot): void {
    if (this.#key === undefined) {
      this.#key = key;
      this.#value = value;
    } else (this.#more ??= new Map([[this.#key, this.#value!]])).set(key, value);
  }

  get(key: string): DaySnapshot | undefined {
    if (this.#more !== undefined) return this.#more.get(key);
    return key === this.#key ? this.#value : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    return this.#more?.size ?? (this.#key === undefined ? 0 : 1);
  }

  override *entries(): MapIterator<[string, DaySnapshot]> {
    if (this.#more !== undefined) yield* this.#more.entries();
    else if (this.#key !== undefined) yield [this.#key, this.#value!];
  }

  *keys(): MapIterator<string> {
    if (this.#more !== undefined) yield* this.#more.keys();
    else if (this.#key !== undefined) yield this.#key;
  }
}

/**
 * The change of one place list or waitlist in a unit: records replaced (`from[i]` by `to[i]`,
 * `null`: removed), records added.
 */
export interface ListEdit {
  readonly holder: MemSlot | MemDay;
  // Made on first use (an empty array grows to 17 places on its first push).
  from: TokenRecord[] | undefined;
  to: (TokenRecord | null)[] | undefined;
  add: TokenRecord[] | undefined;
}

/** `list` with `from[i]` replaced by `to[i]` (removed where `null`), as a new array of exactly its length. */
export function replaced(list: readonly TokenRecord[], from: readonly TokenRecord[], to: readonly (TokenRecord | null)[]): TokenRecord[] {
  // Long lists (a slot closed with many places) are looked up through a map; short ones scanned.
  const index = from.length > 8 ? new Map(from.map((t, i) => [t, i])) : undefined;
  let removed = false;
  const mapped = list.map((t) => {
    const i = index === undefined ? from.indexOf(t) : (index.get(t) ?? -1);
    if (i < 0) return t;
    const next = to[i]!;
    if (next === null) {
      removed = true;
      return t;
    }
    return next;
  });
  if (!removed) return mapped;
  const gone = new Set<TokenRecord>();
  for (let i = 0; i < from.length; i++) if (to[i] === null) gone.add(from[i]!);
  return mapped.filter((t) => !gone.has(t));
}

/** The edit of `holder` among `edits`, added when missing. */
export function editOf(edits: ListEdit[], holder: MemSlot | MemDay): ListEdit {
  for (let i = 0; i < edits.length; i++) if (edits[i]!.holder === holder) return edits[i]!;
  const e: ListEdit = { holder, from: undefined, to: undefined, add: undefined };
  edits.push(e);
  return e;
}

export function addTo(edit: ListEdit, token: TokenRecord): void {
  if (edit.add === undefined) edit.add = [token];
  else edit.add.push(token);
}

/** Whether `updated` ends token `id` (changes it to a status that is not live). */
export function endsIn(updated: readonly TokenRecord[], id: string): boolean {
  for (let i = 0; i < updated.length; i++) if (updated[i]!.id === id && !isLiveStatus(updated[i]!.status)) return true;
  return false;
}

/** `list` followed by `add` (a token or a list of them), as a new array of exactly its length. */
export function appended(list: readonly TokenRecord[], add: TokenRecord | readonly TokenRecord[]): TokenRecord[] {
  const n = list.length;
  const more = Array.isArray(add) ? (add as readonly TokenRecord[]) : undefined;
  const length = n + (more === undefined ? 1 : more.length);
  // Filled in place (several times faster than `concat`, a call into the runtime); long
  // arrays made by length would not be kept as plain lists, so those are concatenated.
  if (length > 1024) return list.concat(add);
  const out = new Array<TokenRecord>(length);
  for (let i = 0; i < n; i++) out[i] = list[i]!;
  if (more === undefined) out[n] = add as TokenRecord;
  else for (let i = n; i < length; i++) out[i] = more[i - n]!;
  return out;
}

export function listOf(holder: MemSlot | MemDay): TokenRecord[] {
  return holder instanceof MemSlot ? holder.places : holder.waitlist;
}

export function setList(holder: MemSlot | MemDay, list: TokenRecord[]): void {
  if (holder instanceof MemSlot) holder.setPlaces(list);
  else holder.waitlist = list;
}

export function insertByStart(list: MemSlot[], slot: MemSlot): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.slot.start > slot.slot.start) i--;
  list.splice(i, 0, slot);
}

/** A stored day of the doctor, or `undefined`; the day found becomes the doctor's recent one. */
export function storedDay(doctor: MemDoctor, day: string): MemDay | undefined {
  const recent = doctor.recent;
  if (recent !== undefined && recent.day === day) return recent;
  const found = doctor.days.get(day);
  if (found !== undefined) doctor.recent = found;
  return found;
}

/** The stored day of a doctor a unit writes to, made empty (and kept) when the store holds none yet. */
export function dayToWrite(doctor: MemDoctor, day: string): MemDay {
  const found = storedDay(doctor, day);
  if (found !== undefined) return found;
  const entry = new MemDay(emptyDayRecord(doctor.record.id, day));
  doctor.days.set(day, entry);
  doctor.recent = entry;
  return entry;
}

/**
 * Removes a doctor's day from the store's structures when every token of it is final: the day,
 * its slots (from the doctor's list and from `slots`, the store's table by id) and its tokens'
 * entries in `byPatient`, when the store has built it (a patient id left with no token is dropped). Returns whether the store
 * no longer holds the day (`false`: a token of it is still live).
 */
export function forgetStoredDay(doctor: MemDoctor, day: string, slots: Map<string, MemSlot>, byPatient: TokensByPatient | undefined): boolean {
  const entry = doctor.days.get(day);
  if (entry === undefined) return true;
  for (const token of entry.tokens) if (isLiveStatus(token.status)) return false;
  doctor.days.delete(day);
  if (doctor.recent === entry) doctor.recent = undefined;
  if (entry.slots.length > 0) {
    const gone = new Set(entry.slots);
    for (const s of entry.slots) slots.delete(s.id);
    const kept = doctor.slots.filter((s) => !gone.has(s));
    doctor.slots.length = 0;
    for (const s of kept) doctor.slots.push(s);
  }
  if (byPatient !== undefined) for (const token of entry.tokens) byPatient.remove(token);
  return true;
}

/** Adds a day of the doctor to a snapshot's days (once; an empty one when the doctor has none). */
export function addDay(days: DayMap, doctor: MemDoctor, day: string, copy: boolean): void {
  if (days.has(day)) return;
  const entry = storedDay(doctor, day);
  days.add(day, entry === undefined ? { record: emptyDayRecord(doctor.record.id, day), slots: [], waitlist: [] } : copy ? copyDay(entry) : entry);
}

export function copyDay(day: MemDay): DaySnapshot {
  // The store changes its record and lists in place: a snapshot read keeps copies.
  return {
    record: copyDayRecord(day.record),
    slots: day.slots.map((s) => ({ slot: s.slot, places: s.places.slice() })),
    waitlist: day.waitlist.slice(),
    holds: day.holds,
    consultations: day.consultations,
  };
}
