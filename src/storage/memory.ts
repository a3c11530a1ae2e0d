import { invalid, OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { EventLog } from './event-log.js';
import { followHistory, Wakeup } from './tail.js';
import { changeSetDoctor, checkChangeSet } from '../adapter-kit/checks.js';
import { changeSetParts, isMultiDoctor, planUnit, staysWithin, type UnitPlan } from '../adapter-kit/units.js';
import {
  assignEventSeq,
  byDoctorDayNumber,
  type DayDump,
  type DayFilter,
  type DoctorDay,
  type PatientTokenQuery,
  type StorageAdapter,
  type TailSignal,
} from './adapter.js';
import type { ChangeSet, Decision, DoctorSnapshot, LoadRequest, PatientToken } from '../model/snapshot.js';
import { addFields, type DoctorRecord, parseTokenId, type TokenRecord } from '../model/records.js';
import { isPlaceStatus } from '../model/status.js';
import { resolveFacilityId } from '../facility.js';
import { TokensByPatient } from './patient-index.js';
import { TokensAtPoints } from './memory/points.js';
import { DeferredSnapshots } from './memory/deferred.js';
import { changeProblem, dayCopies, doctorDumps, dueDays, tokensNotErased } from './memory/queries.js';
import { findToken, snapshotOf } from './memory/load.js';
import { historyLimitOf, type MemoryStorageOptions } from './memory/options.js';

import {
  addTo,
  appended,
  dayToWrite,
  editOf,
  forgetStoredDay,
  insertByStart,
  type ListEdit,
  listOf,
  type MemDay,
  type MemDoctor,
  MemSlot,
  replaced,
  setList,
  storedDay,
} from './memory/structures.js';

const MAX_ROUNDS = 8;

export type { MemoryStorageOptions };

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
  /** Always `true`: a unit's further doctors are read when its decision first looks at them (see `DeferredSnapshots`). */
  readonly lazyReads = true;
  /** Always `true`: units read a patient's tokens across doctors (`LoadRequest.patient`). */
  readonly patientTokens = true;
  /** Always `true`: a unit may lock and read every doctor of the store (`LoadRequest.everyDoctor`). */
  readonly everyDoctor = true;
  /**
   * Always `true`: patient data is erased in place. A token's erased version replaces the old one
   * in every list and index of the store (the patient index forgets its id), and an erased
   * idempotency record replaces the stored one; nothing keeps the old objects.
   */
  readonly patientErasure = true;
  readonly #doctors = new Map<string, MemDoctor>();
  /** The doctors' records in the order `listDoctors` answers, found again after a doctor is added or changed. */
  #doctorList: readonly DoctorRecord[] | undefined;
  /** Department → ids of its doctors. */
  readonly #departments = new Map<string, Set<string>>();
  /** Department → its doctors' ids sorted (see `#members`), forgotten when they change. */
  readonly #sortedMembers = new Map<string, readonly string[]>();
  /** Every doctor's id sorted (see `#members`), forgotten when a doctor is added. */
  #allIds: readonly string[] | undefined;
  readonly #slots = new Map<string, MemSlot>();
  /**
   * Patient id → ids of the patient's tokens, every doctor's (units with `patient` read them):
   * built from the stored days the first time it is asked for, then kept in step with every
   * write. A store whose units never read a patient's tokens across doctors (the duplicate rules
   * of one doctor-day, no erasure) never builds it, and a booking does not pay for it.
   */
  #byPatient: TokensByPatient | undefined;
  /** Day → service point → the checked-in tokens waiting there (units with `servicePoint` read them), kept with every write. */
  readonly #atPoints = new TokensAtPoints();
  readonly #history = new EventLog();
  readonly #historyLimit: number;
  #seq = 0;
  #ids = 0;
  #closed = false;
  /** Every facility of the store by id (this one's, `'default'` for the store made by `new`), shared by all of them. */
  #facilities: Map<string, MemoryStorage>;
  /**
   * The doctor the last load read: the unit about to be applied is nearly always that doctor's,
   * found again without a lookup by id (a doctor's entry, once made, is never replaced).
   */
  #loaded: MemDoctor | undefined;
  #wakeup = new Wakeup();

  /**
   * @param options - see {@link MemoryStorageOptions}; `undefined` for the defaults
   * @throws OpdError `VALIDATION_FAILED` for options that are not a plain object (`options`), an
   *   unknown option (named), or a bad `historyLimit`
   */
  constructor(options?: MemoryStorageOptions) {
    this.#historyLimit = historyLimitOf(options);
    this.#facilities = new Map([['default', this]]);
  }

  /** The facility this store is the view of: `'default'` for a store made by `new` (see {@link StorageAdapter.facilityId}). */
  get facilityId(): string {
    return this.#facilityId;
  }

  #facilityId = 'default';

  /**
   * The store's view of one facility (see {@link StorageAdapter.forFacility}): a store of its
   * own — doctors, slots, tokens, events, ids, locks — kept beside this one, the same one for the
   * same id, with the same `historyLimit`. Facilities share nothing a unit reads or waits on, and
   * closing one (its scheduler's `close()`) closes it alone: asked for again, a closed view of a
   * facility is open again with its records, for the facility's next scheduler.
   */
  forFacility(facilityId: string): MemoryStorage {
    resolveFacilityId(facilityId);
    let view = this.#facilities.get(facilityId);
    if (view === undefined) {
      view = new MemoryStorage({ historyLimit: this.#historyLimit });
      view.#facilities = this.#facilities;
      view.#facilityId = facilityId;
      this.#facilities.set(facilityId, view);
    } else if (view.#closed && view.#facilityId !== 'default') {
      // Its scheduler closed it: a new scheduler of the facility finds its records as they were.
      view.#closed = false;
      view.#wakeup = new Wakeup();
    }
    return view;
  }

  /**
   * Runs one unit of work for the doctor (or doctors) of `request`: loads a snapshot, calls
   * `decide`, loads more when it asks, and writes its change set atomically (see
   * {@link StorageAdapter.transact}). The unit runs before this returns (nothing it does waits), so
   * no other unit interleaves with it.
   */
  async transact<R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>): Promise<R> {
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
    const members = this.#members(request);
    const plan = planUnit(request, members);
    const locked = this.#lockOrder(request, plan);
    // The members are the department's when the unit names one (every doctor is no department).
    const department = request.department === undefined ? undefined : members;
    let snapshot = this.#loadMulti(request, members, department, false, plan);
    for (let round = 1; ; round++) {
      const decision = decide(snapshot);
      if (decision.kind === 'commit') {
        this.#apply(decision.changes, locked);
        return decision.result;
      }
      if (round >= MAX_ROUNDS) throw new OpdError('STORAGE_FAILURE', 'A unit of work kept asking for more data', { details: { adapter: this.name } });
      if (!staysWithin(decision.request, locked, members, request.patient?.id)) throw this.#outOfOrder();
      snapshot = this.#loadMulti(decision.request, members, department, false);
    }
  }

  #lockOrder(request: LoadRequest, plan: UnitPlan): readonly string[] {
    // The locked doctor of a request naming it by slot only.
    const primary = plan.primary ?? (request.slotId === undefined ? undefined : this.#slots.get(request.slotId)?.slot.doctorId);
    return primary === undefined || plan.lockOrder.includes(primary) ? plan.lockOrder : [...plan.lockOrder, primary].sort();
  }

  /**
   * The members of a unit's department, or every doctor for `everyDoctor`, sorted by id; `undefined`
   * for a unit naming neither. Found once per change to them: a call at a point asks each time.
   */
  #members(request: LoadRequest): readonly string[] | undefined {
    if (request.everyDoctor !== undefined) return (this.#allIds ??= Object.freeze([...this.#doctors.keys()].sort()));
    if (request.department === undefined) return undefined;
    const name = request.department.name;
    let sorted = this.#sortedMembers.get(name);
    if (sorted === undefined) this.#sortedMembers.set(name, (sorted = Object.freeze([...(this.#departments.get(name) ?? [])].sort())));
    return sorted;
  }

  /**
   * A snapshot of a unit over several doctors: `members` as resolved when it started, `department`
   * the same when they are a department's; `plan` is the request's ({@link planUnit}), when already made.
   */
  #loadMulti(
    request: LoadRequest,
    members: readonly string[] | undefined,
    department: readonly string[] | undefined,
    copy: boolean,
    plan: UnitPlan = planUnit(request, members),
  ): DoctorSnapshot {
    // A unit's (nothing else runs until it ends): each further doctor read when the unit asks; a read's: every one now.
    let others: ReadonlyMap<string, DoctorSnapshot>;
    if (copy) {
      const read = new Map<string, DoctorSnapshot>();
      for (const [id, part] of plan.further) read.set(id, this.#load(part, true));
      others = read;
    } else others = new DeferredSnapshots(plan.further, (part) => this.#load(part, false));
    const snapshot = this.#load(plan.primaryRequest, copy);
    const patient = request.patient;
    const point = request.servicePoint;
    const unit: DoctorSnapshot = addFields(snapshot, { others, department });
    if (patient !== undefined) addFields(unit, { patientTokens: this.#patientTokens(patient.id, patient.fromDay) });
    if (point !== undefined) {
      const queue = this.#atPoints.queue(
        point.id,
        point.day,
        // The doctors of the unit: the point's queue holds their tokens only.
        (id) => id === plan.primary || plan.further.has(id),
        (id) => this.#slots.get(id)?.slot,
      );
      addFields(unit, { servicePoint: queue });
    }
    return unit;
  }

  /** The patient's tokens of `fromDay` and later, every doctor's, in token-id order, with their doctors' departments. */
  #patientTokens(patientId: string, fromDay: string): PatientToken[] {
    const found: PatientToken[] = [];
    for (const id of this.#patientIndex().idsOf(patientId)) {
      const ref = parseTokenId(id);
      if (ref === undefined || ref.day < fromDay) continue;
      const doctor = this.#doctors.get(ref.doctorId);
      const token = doctor === undefined ? undefined : storedDay(doctor, ref.day)?.tokens[ref.tokenNumber - 1];
      if (token !== undefined) found.push({ token, department: doctor!.record.department ?? null });
    }
    return found.sort((a, b) => (a.token.id < b.token.id ? -1 : a.token.id > b.token.id ? 1 : 0));
  }

  /** The index of patients (`#byPatient`), built from every stored day's tokens on first use. */
  #patientIndex(): TokensByPatient {
    if (this.#byPatient === undefined) {
      const index = new TokensByPatient();
      for (const doctor of this.#doctors.values()) for (const day of doctor.days.values()) for (const token of day.tokens) index.add(token);
      this.#byPatient = index;
    }
    return this.#byPatient;
  }

  #outOfOrder(): OpdError {
    return new OpdError('STORAGE_FAILURE', 'A unit of work asked to lock another doctor after its locks were taken', { details: { adapter: this.name } });
  }

  /** @inheritDoc */
  async read(request: LoadRequest): Promise<DoctorSnapshot> {
    this.#assertOpen();
    if (isMultiDoctor(request)) {
      const members = this.#members(request);
      return this.#loadMulti(request, members, request.department === undefined ? undefined : members, true);
    }
    return this.#load(request, true);
  }

  /** @inheritDoc */
  async listDoctors(): Promise<DoctorRecord[]> {
    this.#assertOpen();
    // A call at a point serving the facility lists them each time: sorted once per change.
    this.#doctorList ??= [...this.#doctors.values()].map((d) => d.record).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return [...this.#doctorList];
  }

  /** @inheritDoc */
  async allocateId(): Promise<number> {
    this.#assertOpen();
    return ++this.#ids;
  }

  /** @inheritDoc */
  async findDueDays(cutoff: number, claimsDueBy?: number, openAt?: number, closeBy?: number): Promise<DoctorDay[]> {
    this.#assertOpen();
    return dueDays(this.#doctors, cutoff, claimsDueBy, openAt, closeBy);
  }

  /** @inheritDoc */
  async *scanDays(filter: DayFilter): AsyncIterable<DayDump> {
    this.#assertOpen();
    // Copied up front, so that the scan is one consistent snapshot whatever runs meanwhile.
    yield* dayCopies(this.#doctors, filter);
  }

  /** @inheritDoc */
  async findPatientTokens(query: PatientTokenQuery): Promise<TokenRecord[]> {
    this.#assertOpen();
    // A patient's: from the store's index of patients, the one the duplicate rules read.
    if ('patientId' in query)
      return this.#patientTokens(query.patientId, '')
        .map((p) => p.token)
        .sort(byDoctorDayNumber);
    return tokensNotErased(this.#doctors, query);
  }

  /**
   * Everything the store keeps, as plain JSON data: doctors, departments, slots, days with their
   * tokens, place lists, waitlists and patient index, idempotency records, events and counters.
   * For audits (it is what a property of the test suite searches after an erasure); its shape is
   * not a contract and may change between versions.
   */
  dump(): unknown {
    const doctors = doctorDumps(this.#doctors);
    const departments = [...this.#departments].map(([name, ids]) => ({ name, doctorIds: [...ids] }));
    const patients = this.#patientIndex().dump();
    const own = {
      doctors,
      departments,
      patients,
      servicePoints: this.#atPoints.dump(),
      slots: [...this.#slots.values()].map((s) => s.slot),
      events: this.#history.read(0, Number.MAX_SAFE_INTEGER),
      seq: this.#seq,
      ids: this.#ids,
    };
    if (this.#facilities.get('default') !== this) return own;
    // The store made by `new` answers for every facility kept beside it too.
    const others = [...this.#facilities].filter(([, view]) => view !== this).map(([facilityId, view]) => ({ facilityId, ...(view.dump() as object) }));
    return others.length === 0 ? own : { ...own, facilities: others };
  }

  /**
   * Forgets a doctor's day that is over, so that a store fed a long history (the policy lab
   * replaying a year) keeps only the days still in play: the day's slots, its tokens and their
   * entries in the index of patients go. Only a day whose every token is final (`COMPLETED`,
   * `CANCELLED`, `NO_SHOW`, `DROPPED`, …) is forgotten; its events stay in `history()`. A unit
   * that later asks for the day finds it empty (no slots, no tokens, numbering from 1 again).
   * @param doctorId - the doctor
   * @param day - the local day, `YYYY-MM-DD`
   * @returns whether the store no longer holds the day (`true` too for a day it never held; `false`: a token of it is still live)
   * @throws OpdError `VALIDATION_FAILED` when `doctorId` or `day` is not a string
   */
  forgetDay(doctorId: string, day: string): boolean {
    this.#assertOpen();
    for (const [field, value] of [
      ['doctorId', doctorId],
      ['day', day],
    ] as const) {
      if (typeof value !== 'string') throw invalid(field, `Expected \`${field}\` to be a string`);
    }
    const doctor = this.#doctors.get(doctorId);
    if (doctor === undefined) return true;
    return forgetStoredDay(doctor, day, this.#slots, this.#byPatient);
  }

  /** @inheritDoc */
  async history(after: number, limit: number): Promise<OpdEvent[]> {
    this.#assertOpen();
    return this.#history.read(after, limit);
  }

  /** @inheritDoc */
  async dayHistory(doctorId: string, day: string): Promise<OpdEvent[]> {
    this.#assertOpen();
    return this.#history.readDay(doctorId, day);
  }

  /**
   * The stored events after `after`, then every new committed event, in `seq` order (see
   * {@link StorageAdapter.tail}). With a `historyLimit`, the iteration fails with an `OpdError` `HISTORY_TRUNCATED` (never
   * skipping silently) when the next event it needs has been forgotten: a consumer that fell more
   * than `historyLimit` events behind, or an `after` below the oldest event kept.
   */
  tail(after: number, signal: TailSignal): AsyncIterable<OpdEvent> {
    this.#assertOpen();
    return followHistory((from, limit) => this.#tailPage(from, limit), this.#wakeup, after, signal, { page: 500, pollMs: 60_000 });
  }

  /**
   * The events a tail reads after `after`; refused when the one it needs next was forgotten.
   * @throws OpdError `HISTORY_TRUNCATED`
   */
  async #tailPage(after: number, limit: number): Promise<OpdEvent[]> {
    this.#assertOpen();
    const needed = after + 1;
    const oldestKept = this.#history.oldestSeq;
    if (needed < oldestKept) {
      throw new OpdError(
        'HISTORY_TRUNCATED',
        `The events from seq ${needed} to ${oldestKept - 1} were forgotten (historyLimit ${this.#historyLimit}) before this tail read them`,
        {
          details: { adapter: this.name, needed, oldestKept },
        },
      );
    }
    return this.#history.read(after, limit);
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeup.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new OpdError('STORAGE_FAILURE', 'The memory storage is closed', { details: { adapter: this.name } });
  }

  #load(request: LoadRequest, copy: boolean): DoctorSnapshot {
    const token = request.tokenId === undefined ? undefined : findToken(this.#doctors, request.tokenId);
    const slot = request.slotId === undefined ? undefined : this.#slots.get(request.slotId)?.slot;
    const doctorId = request.doctorId ?? token?.doctorId ?? slot?.doctorId;
    const doctor = doctorId === undefined ? undefined : this.#doctors.get(doctorId);
    if (doctor !== undefined) this.#loaded = doctor;
    return snapshotOf(request, doctor, token, slot, this.#slots, copy);
  }

  #apply(changes: ChangeSet, locked: readonly string[] | undefined): void {
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

  // #check (changeProblem) and #write run once per unit: index loops (iterators are garbage),
  // lists made on first use, the stored day looked up once.

  /** Checks one doctor's part of a change set against the store. */
  #check(changes: ChangeSet, doctorId: string, existing: MemDoctor | undefined): void {
    const problem = changeProblem(changes, doctorId, existing, this.#slots);
    if (problem !== undefined) throw this.#corrupt(problem.what, problem.id);
  }

  /** Writes one doctor's part of a change set, checked by {@link MemoryStorage.#check}. */
  #write(changes: ChangeSet, doctorId: string, existing: MemDoctor | undefined): void {
    const doctor: MemDoctor = existing ?? { record: changes.doctor!, days: new Map(), recent: undefined, slots: [], idempotency: new Map() };
    if (existing === undefined) {
      this.#doctors.set(doctorId, doctor);
      this.#doctorList = undefined;
      this.#allIds = undefined;
      this.#joinDepartment(doctorId, doctor.record.department);
    }
    const updated = changes.updatedDoctor;
    if (updated !== undefined) {
      // The department index follows the record: a unit over a department started later finds
      // the doctor among its new colleagues, not its old ones.
      const before = doctor.record.department ?? null;
      if ((updated.department ?? null) !== before) {
        if (before !== null) {
          this.#departments.get(before)?.delete(doctorId);
          this.#sortedMembers.delete(before);
        }
        this.#joinDepartment(doctorId, updated.department);
      }
      doctor.record = updated;
      this.#doctorList = undefined;
    }
    const { newSlots, updatedSlots, newTokens, updatedTokens, days } = changes;
    for (let i = 0; i < newSlots.length; i++) {
      const slot = newSlots[i]!;
      const day = dayToWrite(doctor, slot.day);
      const mem = new MemSlot(slot, day);
      insertByStart(day.slots, mem);
      insertByStart(doctor.slots, mem);
      this.#slots.set(slot.id, mem);
    }
    for (let i = 0; i < updatedSlots.length; i++) this.#slots.get(updatedSlots[i]!.id)!.slot = updatedSlots[i]!;
    for (let i = 0; i < days.length; i++) dayToWrite(doctor, days[i]!.day).setRecord(days[i]!);
    this.#moveTokens(doctor, newTokens, updatedTokens);
    if (changes.idempotency !== undefined) doctor.idempotency.set(changes.idempotency.key, changes.idempotency);
    if (changes.erasedIdempotency !== undefined) doctor.idempotency.set(changes.erasedIdempotency.key, changes.erasedIdempotency);
  }

  /** Adds a doctor to the index of its department (none for `null`). */
  #joinDepartment(doctorId: string, department: string | null | undefined): void {
    if (department === undefined || department === null) return;
    let ids = this.#departments.get(department);
    if (ids === undefined) this.#departments.set(department, (ids = new Set()));
    ids.add(doctorId);
    this.#sortedMembers.delete(department);
  }

  /** Adds and replaces tokens of the doctor, and rebuilds each list they leave or join once. */
  #moveTokens(doctor: MemDoctor, newTokens: readonly TokenRecord[], updatedTokens: readonly TokenRecord[]): void {
    // Each list a unit changes is rebuilt once, so a unit moving many tokens costs O(n), not
    // O(n) per token. A unit touches a handful of lists, so they are found by a scan rather than
    // kept in a map.
    const edits: ListEdit[] = [];
    for (let i = 0; i < newTokens.length; i++) {
      const token = newTokens[i]!;
      const day = dayToWrite(doctor, token.day);
      day.add(token);
      this.#byPatient?.add(token);
      this.#atPoints.update(undefined, token);
      const to = this.#holder(day, token);
      if (to !== undefined) addTo(editOf(edits, to), token);
    }
    for (let i = 0; i < updatedTokens.length; i++) {
      const token = updatedTokens[i]!;
      const day = dayToWrite(doctor, token.day);
      const previous = day.replace(token);
      // A patient id changes only when it is erased: the store-wide index forgets it.
      if (previous.patient.id !== token.patient.id) this.#byPatient?.remove(previous);
      this.#atPoints.update(previous, token);
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
