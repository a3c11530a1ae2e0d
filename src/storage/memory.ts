import { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { EventLog } from './event-log.js';
import { followHistory, Wakeup } from './tail.js';
import { changeSetDoctor, checkChangeSet } from '../adapter-kit/checks.js';
import { changeSetParts, isMultiDoctor, planUnit, staysWithin } from '../adapter-kit/units.js';
import { assignEventSeq, type DayDump, type DayFilter, type DoctorDay, type StorageAdapter, type TailSignal } from './adapter.js';
import { type ChangeSet, type DaySnapshot, type Decision, type DoctorSnapshot, type LoadRequest, type ScheduleEntry, type SlotState } from '../model/snapshot.js';
import { type DayRecord, type DoctorRecord, emptyDayRecord, type IdempotencyRecord, parseTokenId, type SlotRecord, type TokenRecord } from '../model/records.js';
import { isConsultedStatus, isLiveStatus, isPlaceStatus } from '../model/status.js';
import { PatientIndex } from './patient-index.js';

/**
 * A slot with its places; doubles as a schedule entry. Its list of places is the store's own: a
 * unit reads it, but the rules copy what they change (`DayWork`), and a booking's write appends
 * to it in place; a snapshot handed out by `read` gets a copy.
 */
class MemSlot implements SlotState, ScheduleEntry {
  places: TokenRecord[] = [];
  /** The largest rank of its `BOOKED` places (see {@link SlotState.worstRank}), kept with the list. */
  worstRank = Number.NEGATIVE_INFINITY;
  /** The slot's id (that of every version of its record), read without reaching the record. */
  readonly id: string;
  constructor(public slot: SlotRecord) {
    this.id = slot.id;
  }
  get occupancy(): number {
    return this.places.length;
  }
  /** The earliest `holdExpiresAt` among its `HELD` places (read only for a booking without a date, on full slots). */
  get earliestHoldEnd(): number | undefined {
    let earliest: number | undefined;
    for (const place of this.places) {
      if (place.status === 'HELD' && place.holdExpiresAt !== null && (earliest === undefined || place.holdExpiresAt < earliest)) earliest = place.holdExpiresAt;
    }
    return earliest;
  }
}

/**
 * One doctor-day: a zero-copy {@link DaySnapshot} for units, plus every token and a patient index.
 * Its record is the store's own object, its counters written in place by each unit that changes
 * them (the change set's record then dies young, rather than being kept until the day's next
 * change); a snapshot handed out by `read` gets a copy.
 */
class MemDay implements DaySnapshot {
  /** The day, `YYYY-MM-DD` (that of every version of its record). */
  readonly day: string;
  readonly slots: MemSlot[] = [];
  waitlist: TokenRecord[] = [];
  /** Every token of the day; token number n at index n − 1. */
  readonly tokens: TokenRecord[] = [];
  readonly #patients = new PatientIndex();
  /** Tokens of the day in consultation or completed. */
  consultations = 0;
  /** Tokens of the day that are `HELD`. */
  holds = 0;
  /** Tokens of the day that are `BOOKED` (a day without one has nobody a sweep could mark). */
  booked = 0;

  readonly record: MutableDayRecord;

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
  }

  liveTokenOf(patientId: string): TokenRecord | undefined {
    return this.#patients.liveTokenOf(this.tokens, patientId);
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

  /** Keeps the patient index and the counts of consultations, holds and booked tokens in step with a token's change. */
  #index(previous: TokenRecord | undefined, next: TokenRecord): void {
    this.consultations += (isConsultedStatus(next.status) ? 1 : 0) - (previous !== undefined && isConsultedStatus(previous.status) ? 1 : 0);
    if (next.status === 'HELD' || previous?.status === 'HELD') this.holds += (next.status === 'HELD' ? 1 : 0) - (previous?.status === 'HELD' ? 1 : 0);
    this.booked += (next.status === 'BOOKED' ? 1 : 0) - (previous?.status === 'BOOKED' ? 1 : 0);
    this.#patients.note(this.tokens, previous, next);
  }
}

/** A day record the store writes in place (see {@link MemDay}). */
type MutableDayRecord = { -readonly [K in keyof DayRecord]: DayRecord[K] };

/** A copy of a day record, with exactly the record's fields. */
function copyDayRecord(r: DayRecord): MutableDayRecord {
  return { doctorId: r.doctorId, day: r.day, lastTokenNumber: r.lastTokenNumber, bumps: r.bumps, cascades: r.cascades, promotions: r.promotions, drops: r.drops, labels: r.labels };
}

interface MemDoctor {
  readonly record: DoctorRecord;
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

const NO_TOKENS: ReadonlyMap<string, TokenRecord> = new Map();
const NO_SLOTS: ReadonlyMap<string, SlotRecord> = new Map();
const MAX_ROUNDS = 8;

/**
 * The days of a snapshot. Nearly every unit loads one day, so the first entry is held in fields
 * and a `Map` is only made for a second.
 */
class DayMap implements ReadonlyMap<string, DaySnapshot> {
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

  forEach(callback: (value: DaySnapshot, key: string, map: ReadonlyMap<string, DaySnapshot>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  *entries(): MapIterator<[string, DaySnapshot]> {
    if (this.#more !== undefined) yield* this.#more.entries();
    else if (this.#key !== undefined) yield [this.#key, this.#value!];
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<DaySnapshot> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, DaySnapshot]> {
    return this.entries();
  }
}

/** Options of {@link MemoryStorage}. */
export interface MemoryStorageOptions {
  /**
   * Keep at most this many events in `history()` (the oldest are forgotten). Events are still
   * emitted and returned as effects.
   * @defaultValue Infinity
   */
  readonly historyLimit?: number | undefined;
}

/**
 * The in-memory store: the default, for tests and single-process use. Nothing survives the
 * process.
 *
 * Its promises to the {@link StorageAdapter} contract:
 *
 * - **Serialized per doctor (and globally).** A unit of work runs synchronously from the lock to
 *   the commit, so no other unit can interleave: two concurrent bookings never both see the last
 *   free place.
 * - **Atomic.** Changes are checked before anything is applied; a unit whose decision throws
 *   writes nothing.
 * - **Events with the changes.** Events are numbered 1, 2, 3, … in commit order and kept in
 *   memory (see `historyLimit`).
 * - **Units over several doctors.** Run the same way (nothing can interleave), and their changes,
 *   for every doctor they locked, are checked in full before any is applied.
 *
 * Costs: a unit reads only the days it asks for, so a booking costs the same with ten doctors
 * or ten thousand.
 */
export class MemoryStorage implements StorageAdapter {
  /** Always `'memory'`. */
  readonly name = 'memory';
  /** Always `true`: units over several doctors are supported. */
  readonly multiDoctor = true;
  readonly #doctors = new Map<string, MemDoctor>();
  /** Department → ids of its doctors. */
  readonly #departments = new Map<string, Set<string>>();
  readonly #slots = new Map<string, MemSlot>();
  readonly #history = new EventLog();
  readonly #historyLimit: number;
  #seq = 0;
  #ids = 0;
  #closed = false;
  /**
   * The doctor the last load read: the unit about to be applied is nearly always that doctor's,
   * found again without a lookup by id (a doctor's entry, once made, is never replaced).
   */
  #loaded: MemDoctor | undefined;
  readonly #wakeup = new Wakeup();

  /**
   * @param options - see {@link MemoryStorageOptions}; `undefined` for the defaults
   * @throws OpdError `VALIDATION_FAILED` for options that are not a plain object (`options`), an
   *   unknown option (named), or a bad `historyLimit`
   */
  constructor(options?: MemoryStorageOptions) {
    // `undefined` means the defaults; anything but a plain object, or a key other than
    // `historyLimit` (a typo), is refused — never a raw TypeError.
    const refuse = (field: string, message: string): OpdError => new OpdError('VALIDATION_FAILED', message, { details: { field } });
    let limit: unknown;
    if (options !== undefined) {
      try {
        const proto: unknown = typeof options === 'object' && options !== null && !Array.isArray(options) ? Object.getPrototypeOf(options) : undefined;
        if (proto !== Object.prototype && proto !== null) throw refuse('options', 'Expected the options of `MemoryStorage` to be an object');
        for (const key of Object.keys(options)) {
          if (key !== 'historyLimit') throw refuse(key, `Unknown option \`${key.length > 40 ? `${key.slice(0, 40)}…` : key}\` of \`MemoryStorage\` (its options: historyLimit)`);
        }
      } catch (error) {
        if (error instanceof OpdError) throw error;
        throw refuse('options', 'Could not read the options of `MemoryStorage`'); // a proxy whose traps throw
      }
      try {
        limit = options.historyLimit;
      } catch {
        throw refuse('historyLimit', 'Could not read option `historyLimit` of `MemoryStorage`');
      }
    }
    if (limit === undefined) limit = Number.POSITIVE_INFINITY;
    if (!(limit === Number.POSITIVE_INFINITY || (typeof limit === 'number' && Number.isInteger(limit) && limit >= 0))) {
      const got = typeof limit === 'number' ? `\`${String(limit)}\`` : limit === null ? '`null`' : `a ${typeof limit}`;
      throw refuse('historyLimit', `Expected \`historyLimit\` to be a non-negative integer or Infinity, got ${got}`);
    }
    this.#historyLimit = limit as number;
  }

  /** @inheritDoc */
  async transact<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
    return this.transactSync(request, decide);
  }

  /** @inheritDoc */
  transactSync<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): R {
    this.#assertOpen();
    if (isMultiDoctor(request)) return this.#transactMulti(request, decide);
    let snapshot = this.#load(request, false);
    for (let round = 1; ; round++) {
      const decision = decide(snapshot);
      if (decision.kind === 'commit') {
        this.#apply(decision.changes, undefined);
        return decision.result;
      }
      if (round >= MAX_ROUNDS) throw new OpdError('STORAGE_FAILURE', 'A unit of work kept asking for more data', { details: { adapter: this.name } });
      if (isMultiDoctor(decision.request)) throw this.#outOfOrder();
      snapshot = this.#load(decision.request, false);
    }
  }

  /**
   * A unit over several doctors: nothing interleaves with it, so its "locks" are the doctors it
   * may touch. It answers as a unit of one doctor does (a value `transact` resolves with, not a
   * promise of its own, which would take two more turns), so that concurrent units' events reach
   * listeners in commit order.
   */
  #transactMulti<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): R {
    const members = request.department === undefined ? undefined : this.#members(request.department.name);
    const locked = this.#lockOrder(request, members);
    let snapshot = this.#loadMulti(request, members, false);
    for (let round = 1; ; round++) {
      const decision = decide(snapshot);
      if (decision.kind === 'commit') {
        this.#apply(decision.changes, locked);
        return decision.result;
      }
      if (round >= MAX_ROUNDS) throw new OpdError('STORAGE_FAILURE', 'A unit of work kept asking for more data', { details: { adapter: this.name } });
      if (!staysWithin(decision.request, locked, members)) throw this.#outOfOrder();
      snapshot = this.#loadMulti(decision.request, members, false);
    }
  }

  #lockOrder(request: LoadRequest, members: readonly string[] | undefined): string[] {
    const plan = planUnit(request, members);
    // The locked doctor of a request naming it by slot only.
    const primary = plan.primary ?? (request.slotId === undefined ? undefined : this.#slots.get(request.slotId)?.slot.doctorId);
    return primary === undefined || plan.lockOrder.includes(primary) ? [...plan.lockOrder] : [...plan.lockOrder, primary].sort();
  }

  #members(department: string): string[] {
    return [...(this.#departments.get(department) ?? [])].sort();
  }

  #loadMulti(request: LoadRequest, members: readonly string[] | undefined, copy: boolean): DoctorSnapshot {
    const plan = planUnit(request, members);
    const others = new Map<string, DoctorSnapshot>();
    for (const [id, part] of plan.further) others.set(id, this.#load(part, copy));
    const snapshot = this.#load(plan.primaryRequest, copy);
    return { ...snapshot, others, department: members };
  }

  #outOfOrder(): OpdError {
    return new OpdError('STORAGE_FAILURE', 'A unit of work asked to lock another doctor after its locks were taken', { details: { adapter: this.name } });
  }

  /** @inheritDoc */
  async read(request: LoadRequest): Promise<DoctorSnapshot> {
    this.#assertOpen();
    if (isMultiDoctor(request)) return this.#loadMulti(request, request.department === undefined ? undefined : this.#members(request.department.name), true);
    return this.#load(request, true);
  }

  /** @inheritDoc */
  async listDoctors(): Promise<DoctorRecord[]> {
    this.#assertOpen();
    return [...this.#doctors.values()].map((d) => d.record).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** @inheritDoc */
  async allocateId(): Promise<number> {
    this.#assertOpen();
    return ++this.#ids;
  }

  /** @inheritDoc */
  async findDueDays(cutoff: number, holdsEndedBy?: number, openAt?: number): Promise<DoctorDay[]> {
    this.#assertOpen();
    const due: DoctorDay[] = [];
    const ended = holdsEndedBy ?? Number.NEGATIVE_INFINITY;
    const hasRoom = (s: MemSlot): boolean => openAt !== undefined && s.slot.status === 'OPEN' && s.slot.end > openAt && s.occupancy < s.slot.capacity;
    // A slot's places are read only where one can be due: a booked place once its slot has
    // started, on a day that has one, and a hold on a day that has one (the day counts both). A
    // day ahead costs a look at the start of each of its slots, and a day swept none at all.
    const slotDue = (s: MemSlot, booked: boolean, holds: boolean): boolean => {
      const started = booked && s.slot.start < cutoff;
      if (!started && !holds) return false;
      for (const t of s.places) {
        if (started && t.status === 'BOOKED') return true;
        if (holds && t.status === 'HELD' && t.holdExpiresAt !== null && t.holdExpiresAt <= ended) return true;
      }
      return false;
    };
    for (const [doctorId, doctor] of this.#doctors) {
      for (const [day, entry] of doctor.days) {
        const booked = entry.booked > 0;
        const holds = entry.holds > 0 && holdsEndedBy !== undefined;
        if (((booked || holds) && entry.slots.some((s) => slotDue(s, booked, holds))) || (entry.waitlist.length > 0 && entry.slots.some(hasRoom))) {
          due.push({ doctorId, day });
        }
      }
    }
    return due.sort((a, b) => (a.doctorId < b.doctorId ? -1 : a.doctorId > b.doctorId ? 1 : a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  }

  /** @inheritDoc */
  async *scanDays(filter: DayFilter): AsyncIterable<DayDump> {
    this.#assertOpen();
    // Copied up front, so that the scan is one consistent snapshot whatever runs meanwhile.
    const out: DayDump[] = [];
    const doctors = filter.doctorId === undefined ? this.#doctors.values() : [this.#doctors.get(filter.doctorId)];
    for (const doctor of doctors) {
      if (doctor === undefined) continue;
      const days = filter.day === undefined ? doctor.days.values() : [doctor.days.get(filter.day)];
      for (const day of days) {
        if (day !== undefined) out.push({ record: copyDayRecord(day.record), slots: day.slots.map((s) => s.slot), tokens: day.tokens.slice() });
      }
    }
    yield* out;
  }

  /** @inheritDoc */
  async history(after: number, limit: number): Promise<OpdEvent[]> {
    this.#assertOpen();
    return this.#history.read(after, limit);
  }

  /** @inheritDoc */
  tail(after: number, signal: TailSignal): AsyncIterable<OpdEvent> {
    this.#assertOpen();
    return followHistory((from, limit) => this.history(from, limit), this.#wakeup, after, signal, { page: 500, pollMs: 60_000 });
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeup.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new OpdError('STORAGE_FAILURE', 'The memory storage is closed', { details: { adapter: this.name } });
  }

  #findToken(tokenId: string): TokenRecord | undefined {
    const parts = parseTokenId(tokenId);
    if (parts === undefined) return undefined;
    const token = this.#doctors.get(parts.doctorId)?.days.get(parts.day)?.tokens[parts.tokenNumber - 1];
    return token?.id === tokenId ? token : undefined;
  }

  #load(request: LoadRequest, copy: boolean): DoctorSnapshot {
    const token = request.tokenId === undefined ? undefined : this.#findToken(request.tokenId);
    const slot = request.slotId === undefined ? undefined : this.#slots.get(request.slotId)?.slot;
    const doctorId = request.doctorId ?? token?.doctorId ?? slot?.doctorId;
    const doctor = doctorId === undefined ? undefined : this.#doctors.get(doctorId);
    if (doctor !== undefined) this.#loaded = doctor;
    const days = new DayMap();
    let tokens = NO_TOKENS;
    if (token !== undefined && doctor !== undefined && token.doctorId === doctor.record.id) {
      tokens = new Map([[token.id, token]]);
      addDay(days, doctor, token.day, copy);
    }
    let slots = NO_SLOTS;
    if (slot !== undefined || request.slotIds !== undefined) {
      const found = new Map<string, SlotRecord>();
      if (slot !== undefined) {
        found.set(slot.id, slot);
        if (doctor !== undefined && slot.doctorId === doctor.record.id) addDay(days, doctor, slot.day, copy);
      }
      for (const id of request.slotIds ?? []) {
        const other = this.#slots.get(id);
        if (other !== undefined) found.set(id, other.slot);
      }
      slots = found;
    }
    const requested = request.days;
    if (requested !== undefined && doctor !== undefined) for (let i = 0; i < requested.length; i++) addDay(days, doctor, requested[i]!, copy);
    let schedule: readonly ScheduleEntry[] | undefined;
    let scheduleCut = false;
    if (request.schedule !== undefined) {
      const { from, to, limit } = request.schedule;
      const list = doctor?.slots ?? [];
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (list[mid]!.slot.end > from) hi = mid;
        else lo = mid + 1;
      }
      let end = lo;
      while (end < list.length && (to === undefined || list[end]!.slot.start < to)) {
        if (limit !== undefined && end - lo === limit) {
          scheduleCut = true;
          break;
        }
        end++;
      }
      const range = list.slice(lo, end);
      schedule = copy ? range.map((s) => ({ slot: s.slot, occupancy: s.places.length, earliestHoldEnd: s.earliestHoldEnd })) : range;
    }
    const idempotency = request.idempotencyKey === undefined ? undefined : doctor?.idempotency.get(request.idempotencyKey);
    return { doctor: doctor?.record, days, tokens, slots, schedule, scheduleCut, idempotency };
  }

  #apply(changes: ChangeSet, locked: readonly string[] | undefined): void {
    if (locked === undefined && this.#applyBooking(changes)) return;
    // Check everything first (every doctor's part): a unit is applied entirely or not at all.
    const problem = checkChangeSet(changes, locked);
    if (problem !== undefined) throw this.#corrupt(problem.what, problem.id);
    if (locked === undefined) {
      const doctorId = changeSetDoctor(changes);
      if (doctorId !== undefined) {
        const loaded = this.#loaded;
        const stored = loaded !== undefined && loaded.record.id === doctorId ? loaded : this.#doctors.get(doctorId);
        this.#check(changes, doctorId, stored);
        this.#write(changes, doctorId, stored);
      }
    } else {
      // Each part is another doctor's: checking one never changes what another finds.
      const parts = changeSetParts(changes);
      const ids = parts.map(changeSetDoctor);
      const stored = ids.map((id) => (id === undefined ? undefined : this.#doctors.get(id)));
      for (let i = 0; i < parts.length; i++) if (ids[i] !== undefined) this.#check(parts[i]!, ids[i]!, stored[i]);
      for (let i = 0; i < parts.length; i++) if (ids[i] !== undefined) this.#write(parts[i]!, ids[i]!, stored[i]);
    }
    this.#stamp(changes);
  }

  /**
   * A booking's change set — one new token and its day's record, an idempotency key perhaps,
   * nothing else — checked and written as {@link checkChangeSet}, `#check` and `#write` would,
   * with their refusals, but by code for that shape alone: the general code, run for every unit,
   * is several times as much machine code for the processor to fetch on every booking. `false`
   * (nothing done) for any other change set.
   */
  #applyBooking(changes: ChangeSet): boolean {
    const { newTokens, days, idempotency } = changes;
    if (newTokens.length !== 1 || days.length !== 1 || changes.doctor !== undefined) return false;
    if (changes.updatedTokens.length !== 0 || changes.newSlots.length !== 0 || changes.updatedSlots.length !== 0) return false;
    const token = newTokens[0]!;
    const doctorId = token.doctorId;
    // A token without a doctor: refused by the general checks, in their words.
    if (typeof doctorId !== 'string') return false;
    const record = days[0]!;
    // checkChangeSet: every record of the unit's doctor.
    if (record.doctorId !== doctorId || (idempotency !== undefined && idempotency.doctorId !== doctorId)) throw this.#corrupt('unit spanning doctors', doctorId);
    // #check: an existing doctor, the day's next number, no second live token of the patient.
    const loaded = this.#loaded;
    const doctor = loaded !== undefined && loaded.record.id === doctorId ? loaded : this.#doctors.get(doctorId);
    if (doctor === undefined) throw this.#corrupt('doctor', doctorId);
    const stored = storedDay(doctor, token.day);
    if (token.tokenNumber !== (stored === undefined ? 0 : stored.tokens.length) + 1) throw this.#corrupt('token number', token.id);
    const patientId = token.patient.id;
    if (changes.guardDuplicates === true && patientId !== undefined && isLiveStatus(token.status) && stored?.liveTokenOf(patientId) !== undefined) {
      throw this.#corrupt('second live token of a patient', token.id);
    }
    // #write.
    this.#day(doctor, record.day).setRecord(record);
    const day = stored ?? this.#day(doctor, token.day);
    day.add(token);
    const to = this.#holder(day, token);
    if (to instanceof MemSlot) {
      to.places.push(token);
      if (token.status === 'BOOKED' && token.rank > to.worstRank) to.worstRank = token.rank;
    } else if (to !== undefined) to.waitlist.push(token);
    if (idempotency !== undefined) doctor.idempotency.set(idempotency.key, idempotency);
    this.#stamp(changes);
    return true;
  }

  // #check and #write run once per unit: index loops (iterators are garbage), lists made on
  // first use, the stored day looked up once.

  /** Checks one doctor's part of a change set against the store. */
  #check(changes: ChangeSet, doctorId: string, existing: MemDoctor | undefined): void {
    if (changes.doctor !== undefined ? existing !== undefined : existing === undefined) throw this.#corrupt('doctor', doctorId);
    const { newSlots, updatedSlots, newTokens, updatedTokens } = changes;
    for (let i = 0; i < newSlots.length; i++) if (this.#slots.has(newSlots[i]!.id)) throw this.#corrupt('new slot', newSlots[i]!.id);
    for (let i = 0; i < updatedSlots.length; i++) if (!this.#slots.has(updatedSlots[i]!.id)) throw this.#corrupt('slot', updatedSlots[i]!.id);
    let lastDay = '';
    let issued = 0;
    for (let i = 0; i < newTokens.length; i++) {
      const token = newTokens[i]!;
      if (token.day !== lastDay) {
        lastDay = token.day;
        issued = existing === undefined ? 0 : (storedDay(existing, token.day)?.tokens.length ?? 0);
      }
      if (token.tokenNumber !== ++issued) throw this.#corrupt('token number', token.id);
    }
    for (let i = 0; i < updatedTokens.length; i++) {
      const token = updatedTokens[i]!;
      const day = existing === undefined ? undefined : storedDay(existing, token.day);
      if (day?.tokens[token.tokenNumber - 1]?.id !== token.id) throw this.#corrupt('token', token.id);
    }
    if (changes.guardDuplicates === true && existing !== undefined) {
      for (let i = 0; i < newTokens.length; i++) {
        const token = newTokens[i]!;
        const patientId = token.patient.id;
        if (patientId === undefined || !isLiveStatus(token.status)) continue;
        const held = storedDay(existing, token.day)?.liveTokenOf(patientId);
        // A token this unit ends (updated to a terminal status) no longer counts.
        if (held !== undefined && !endsIn(updatedTokens, held.id)) throw this.#corrupt('second live token of a patient', token.id);
      }
    }
  }

  /** Writes one doctor's part of a change set, checked by {@link MemoryStorage.#check}. */
  #write(changes: ChangeSet, doctorId: string, existing: MemDoctor | undefined): void {
    const doctor: MemDoctor = existing ?? { record: changes.doctor!, days: new Map(), recent: undefined, slots: [], idempotency: new Map() };
    if (existing === undefined) {
      this.#doctors.set(doctorId, doctor);
      const department = doctor.record.department;
      if (department !== undefined && department !== null) {
        let ids = this.#departments.get(department);
        if (ids === undefined) this.#departments.set(department, (ids = new Set()));
        ids.add(doctorId);
      }
    }
    const { newSlots, updatedSlots, newTokens, updatedTokens, days } = changes;
    for (let i = 0; i < newSlots.length; i++) {
      const slot = newSlots[i]!;
      const mem = new MemSlot(slot);
      insertByStart(this.#day(doctor, slot.day).slots, mem);
      insertByStart(doctor.slots, mem);
      this.#slots.set(slot.id, mem);
    }
    for (let i = 0; i < updatedSlots.length; i++) this.#slots.get(updatedSlots[i]!.id)!.slot = updatedSlots[i]!;
    for (let i = 0; i < days.length; i++) this.#day(doctor, days[i]!.day).setRecord(days[i]!);
    this.#moveTokens(doctor, newTokens, updatedTokens);
    if (changes.idempotency !== undefined) doctor.idempotency.set(changes.idempotency.key, changes.idempotency);
  }

  /** Adds and replaces tokens of the doctor, and rebuilds each list they leave or join once. */
  #moveTokens(doctor: MemDoctor, newTokens: readonly TokenRecord[], updatedTokens: readonly TokenRecord[]): void {
    // Each list a unit changes is rebuilt once, so a unit moving many tokens costs O(n), not
    // O(n) per token. A unit touches a handful of lists, so they are found by a scan rather than
    // kept in a map.
    const edits: ListEdit[] = [];
    for (let i = 0; i < newTokens.length; i++) {
      const token = newTokens[i]!;
      const day = this.#day(doctor, token.day);
      day.add(token);
      const to = this.#holder(day, token);
      if (to !== undefined) addTo(editOf(edits, to), token);
    }
    for (let i = 0; i < updatedTokens.length; i++) {
      const token = updatedTokens[i]!;
      const day = this.#day(doctor, token.day);
      const previous = day.replace(token);
      const from = this.#holder(day, previous);
      const to = this.#holder(day, token);
      if (from !== undefined) {
        const e = editOf(edits, from);
        (e.from ??= []).push(previous);
        (e.to ??= []).push(from === to ? token : null);
      }
      if (to !== undefined && from !== to) addTo(editOf(edits, to), token);
    }
    for (let i = 0; i < edits.length; i++) {
      const { holder, from, to, add } = edits[i]!;
      // map, filter and concat make arrays of exactly their length (a pushed array keeps spare
      // room: some 19 bytes per token over a network of doctors).
      let list = listOf(holder);
      if (from !== undefined) list = replaced(list, from, to!);
      if (add !== undefined) list = appended(list, add);
      setList(holder, list);
    }
  }

  #stamp(changes: ChangeSet): void {
    const events = changes.events;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      assignEventSeq(event, ++this.#seq);
      this.#history.append(event);
    }
    if (this.#historyLimit !== Number.POSITIVE_INFINITY) this.#history.truncate(this.#historyLimit);
    if (events.length > 0) this.#wakeup.wake();
  }

  #day(doctor: MemDoctor, day: string): MemDay {
    const found = storedDay(doctor, day);
    if (found !== undefined) return found;
    const entry = new MemDay(emptyDayRecord(doctor.record.id, day));
    doctor.days.set(day, entry);
    doctor.recent = entry;
    return entry;
  }

  /** Where a token is listed: its slot (a place), its day (waitlisted), or nowhere. */
  #holder(day: MemDay, token: TokenRecord): MemSlot | MemDay | undefined {
    if (token.status === 'WAITLISTED') return day;
    if (!isPlaceStatus(token.status) || token.slotId === null) return undefined;
    // A day has a handful of slots: scanning them beats a lookup in the global slot table.
    const slots = day.slots;
    for (let i = 0; i < slots.length; i++) if (slots[i]!.id === token.slotId) return slots[i];
    throw this.#corrupt('slot of token', token.id);
  }

  #corrupt(what: string, id: string): OpdError {
    return new OpdError('STORAGE_FAILURE', `Refused an inconsistent change (${what} \`${id}\`)`, { details: { adapter: this.name, id } });
  }
}

/**
 * The change of one place list or waitlist in a unit: records replaced (`from[i]` by `to[i]`,
 * `null`: removed), records added.
 */
interface ListEdit {
  readonly holder: MemSlot | MemDay;
  // Made on first use (an empty array grows to 17 places on its first push).
  from: TokenRecord[] | undefined;
  to: (TokenRecord | null)[] | undefined;
  add: TokenRecord[] | undefined;
}

/** `list` with `from[i]` replaced by `to[i]` (removed where `null`), as a new array of exactly its length. */
function replaced(list: readonly TokenRecord[], from: readonly TokenRecord[], to: readonly (TokenRecord | null)[]): TokenRecord[] {
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
function editOf(edits: ListEdit[], holder: MemSlot | MemDay): ListEdit {
  for (let i = 0; i < edits.length; i++) if (edits[i]!.holder === holder) return edits[i]!;
  const e: ListEdit = { holder, from: undefined, to: undefined, add: undefined };
  edits.push(e);
  return e;
}

function addTo(edit: ListEdit, token: TokenRecord): void {
  if (edit.add === undefined) edit.add = [token];
  else edit.add.push(token);
}

/** Whether `updated` ends token `id` (changes it to a status that is not live). */
function endsIn(updated: readonly TokenRecord[], id: string): boolean {
  for (let i = 0; i < updated.length; i++) if (updated[i]!.id === id && !isLiveStatus(updated[i]!.status)) return true;
  return false;
}

/** `list` followed by `add` (a token or a list of them), as a new array of exactly its length. */
function appended(list: readonly TokenRecord[], add: TokenRecord | readonly TokenRecord[]): TokenRecord[] {
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

function listOf(holder: MemSlot | MemDay): TokenRecord[] {
  return holder instanceof MemSlot ? holder.places : holder.waitlist;
}

function setList(holder: MemSlot | MemDay, list: TokenRecord[]): void {
  if (holder instanceof MemSlot) {
    holder.places = list;
    let worst = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < list.length; i++) if (list[i]!.status === 'BOOKED' && list[i]!.rank > worst) worst = list[i]!.rank;
    holder.worstRank = worst;
  } else holder.waitlist = list;
}

function insertByStart(list: MemSlot[], slot: MemSlot): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.slot.start > slot.slot.start) i--;
  list.splice(i, 0, slot);
}

/** A stored day of the doctor, or `undefined`; the day found becomes the doctor's recent one. */
function storedDay(doctor: MemDoctor, day: string): MemDay | undefined {
  const recent = doctor.recent;
  if (recent !== undefined && recent.day === day) return recent;
  const found = doctor.days.get(day);
  if (found !== undefined) doctor.recent = found;
  return found;
}

/** Adds a day of the doctor to a snapshot's days (once; an empty one when the doctor has none). */
function addDay(days: DayMap, doctor: MemDoctor, day: string, copy: boolean): void {
  if (days.has(day)) return;
  const entry = storedDay(doctor, day);
  days.add(day, entry === undefined ? { record: emptyDayRecord(doctor.record.id, day), slots: [], waitlist: [] } : copy ? copyDay(entry) : entry);
}

function copyDay(day: MemDay): DaySnapshot {
  // The store changes its record and lists in place: a snapshot read keeps copies.
  return {
    record: copyDayRecord(day.record),
    slots: day.slots.map((s) => ({ slot: s.slot, places: s.places.slice() })),
    waitlist: day.waitlist.slice(),
    consultations: day.consultations,
    holds: day.holds,
  };
}
