import { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { ChangeSet, DaySnapshot, DoctorSnapshot } from '../model/snapshot.js';
import { type DayRecord, type DoctorRecord, type IdempotencyRecord, isUsableSlot, type SlotRecord, type TokenRecord } from '../model/records.js';
import { isConsultedStatus, isLiveStatus, isPlaceStatus, lowestLiveToken } from '../model/status.js';
import { type CoreConfig, pluginAnswer, pluginFailure } from './config.js';
import { type DayCounter, incrementDay, nextLabelNumber, patchSlot, patchToken, type TokenPatch } from '../model/make.js';
import { toPlaceToken, toSlot, toToken } from '../model/convert.js';
import type { Slot, Token } from '../types.js';
import { fixedDate } from '../model/instant.js';
import { DayEstimates } from '../model/queue.js';

/**
 * A working copy of one doctor-day: slots in time order, the places of each slot and the
 * waitlist. Reads go to the snapshot until a part is first written (copy on write), so a unit
 * touches only the slots it looks at.
 */
export class DayWork {
  readonly day: string;
  record: DayRecord;
  recordChanged = false;
  readonly #snapshot: DaySnapshot;
  #slots: SlotRecord[] | undefined;
  #places: (TokenRecord[] | undefined)[] | undefined;
  /**
   * The one slot whose places this unit has copied, while it is one (a booking's case), and its
   * copy: the list by slot ({@link DayWork.#places}) is made only for a second.
   */
  #oneAt = -1;
  #one: TokenRecord[] | undefined;
  #waitlist: readonly TokenRecord[];
  #ownWaitlist = false;
  /** Whether this unit put a token in consultation or completed it (see {@link DayWork.unconsulted}). */
  #consulted = false;
  /** Public views of slots made in this unit, by index, with the record each was made of. */
  #views: ({ readonly record: SlotRecord; readonly view: Slot } | undefined)[] | undefined;
  /** Positions of the tokens of long lists this unit removes from (see `#position`). */
  #positions: WeakMap<readonly TokenRecord[], Map<string, number>> | undefined;
  /**
   * Every token of the day's places and waitlist by id, as it stands in this unit: made once
   * `find` has been called a few times (see {@link DayWork.find}), then kept up to date by `add`
   * and `replace`. A unit that looks up one token never pays for it.
   */
  #byId: Map<string, TokenRecord> | undefined;
  /** Calls of `find` that scanned the day, until {@link DayWork.#byId} is made. */
  #scans = 0;

  constructor(snapshot: DaySnapshot) {
    this.#snapshot = snapshot;
    this.day = snapshot.record.day;
    this.record = snapshot.record;
    this.#waitlist = snapshot.waitlist;
  }

  /** Whether the day may hold a `HELD` token: `false` only when the snapshot counts none (a unit's new holds have not ended). */
  get mayHold(): boolean {
    return this.#snapshot.holds !== 0;
  }

  /** Whether no place of the day is in consultation or completed, as far as the snapshot and this unit tell. */
  get unconsulted(): boolean {
    return this.#snapshot.consultations === 0 && !this.#consulted;
  }

  /** Number of slots of the day. */
  get slotCount(): number {
    return this.#slots === undefined ? this.#snapshot.slots.length : this.#slots.length;
  }

  /** Slot `i` in time order. */
  slot(i: number): SlotRecord {
    return this.#slots === undefined ? this.#snapshot.slots[i]!.slot : this.#slots[i]!;
  }

  /** The public view of slot `i`, made once per unit and slot record. */
  slotView(i: number): Slot {
    const record = this.slot(i);
    const views = (this.#views ??= []);
    const made = views[i];
    if (made !== undefined && made.record === record) return made.view;
    const view = toSlot(record);
    views[i] = { record, view };
    return view;
  }

  /** Index of a slot of this day, or -1. */
  indexOf(slotId: string): number {
    for (let i = 0, n = this.slotCount; i < n; i++) if (this.slot(i).id === slotId) return i;
    return -1;
  }

  places(i: number): readonly TokenRecord[] {
    if (i === this.#oneAt) return this.#one!;
    return this.#places?.[i] ?? this.#snapshot.slots[i]!.places;
  }

  /** The copies of places by slot, made once a second slot is written (the first one's copy moved in). */
  #ownPlaces(): (TokenRecord[] | undefined)[] {
    let places = this.#places;
    if (places === undefined) {
      places = this.#places = new Array<TokenRecord[] | undefined>(this.slotCount);
      if (this.#oneAt >= 0) places[this.#oneAt] = this.#one;
      this.#oneAt = -1;
      this.#one = undefined;
    }
    return places;
  }

  /**
   * At least the largest rank of slot `i`'s `BOOKED` places, as the snapshot tells it
   * ({@link SlotState.worstRank}) while this unit has not changed them; `Infinity` when unknown.
   */
  worstRank(i: number): number {
    if (this.#slots !== undefined || i === this.#oneAt || this.#places?.[i] !== undefined) return Number.POSITIVE_INFINITY;
    return this.#snapshot.slots[i]!.worstRank ?? Number.POSITIVE_INFINITY;
  }

  occupancy(i: number): number {
    return this.places(i).length;
  }

  /** Places taken in all the day's slots. */
  placesTaken(): number {
    let taken = 0;
    for (let i = 0, n = this.slotCount; i < n; i++) taken += this.occupancy(i);
    return taken;
  }

  get waitlist(): readonly TokenRecord[] {
    return this.#waitlist;
  }

  /** Whether slot `i` is open and has not ended at `now`. */
  isUsable(i: number, now: number): boolean {
    return isUsableSlot(this.slot(i), now);
  }

  /** Increases a counter of the day. */
  count(counter: Exclude<DayCounter, 'lastTokenNumber'>): void {
    this.record = incrementDay(this.record, counter);
    this.recordChanged = true;
  }

  /** Issues the next label of a series (`${series}-${n}`). */
  nextLabel(series: string): string {
    const { record, n } = nextLabelNumber(this.record, series);
    this.record = record;
    this.recordChanged = true;
    return `${series}-${n}`;
  }

  /** Issues the next token number. */
  nextTokenNumber(): number {
    this.record = incrementDay(this.record, 'lastTokenNumber');
    this.recordChanged = true;
    return this.record.lastTokenNumber;
  }

  #ownSlots(): SlotRecord[] {
    if (this.#slots === undefined) {
      // Materialize every slot and its places together, so indexes stay aligned.
      const places = this.#ownPlaces();
      this.#slots = this.#snapshot.slots.map((state, i) => {
        places[i] ??= [...state.places];
        return state.slot;
      });
    }
    return this.#slots;
  }

  /** Replaces slot `i`. */
  setSlot(i: number, slot: SlotRecord): void {
    this.#ownSlots()[i] = slot;
  }

  /** Inserts a new slot in time order. */
  insertSlot(slot: SlotRecord): void {
    const slots = this.#ownSlots();
    let i = slots.length;
    while (i > 0 && slots[i - 1]!.start > slot.start) i--;
    slots.splice(i, 0, slot);
    this.#places!.splice(i, 0, []);
  }

  /**
   * The places of slot `i`, copied on the first write. With `adding`, a token about to be
   * pushed: a first copy then has exactly its new length and already holds it (a booking's usual
   * case; a copy pushed onto grows to many more places), and `undefined` is returned.
   */
  #mutablePlaces(i: number, adding?: TokenRecord): TokenRecord[] | undefined {
    if (i === this.#oneAt) return this.#one;
    const owned = this.#places?.[i];
    if (owned !== undefined) return owned;
    // Not owned: the slots are the snapshot's too (owning them owns every slot's places).
    const source = this.#snapshot.slots[i]!.places;
    let copy: TokenRecord[];
    if (adding === undefined) copy = [...source];
    else {
      const n = source.length;
      copy = new Array<TokenRecord>(n + 1);
      for (let k = 0; k < n; k++) copy[k] = source[k]!;
      copy[n] = adding;
    }
    if (this.#places === undefined && this.#oneAt < 0) {
      this.#oneAt = i;
      this.#one = copy;
    } else this.#ownPlaces()[i] = copy;
    return adding === undefined ? copy : undefined;
  }

  #mutableWaitlist(): TokenRecord[] {
    if (!this.#ownWaitlist) {
      this.#waitlist = [...this.#waitlist];
      this.#ownWaitlist = true;
    }
    return this.#waitlist as TokenRecord[];
  }

  /**
   * The list `token` belongs to, copied on write; see {@link DayWork.#mutablePlaces} for `adding`.
   * `at`: the index of the token's slot when the caller knows it, else -1.
   */
  #containerOf(token: TokenRecord, adding = false, at = -1): TokenRecord[] | undefined {
    if (isConsultedStatus(token.status)) this.#consulted = true;
    if (token.status === 'WAITLISTED') return this.#mutableWaitlist();
    if (isPlaceStatus(token.status) && token.slotId !== null) {
      const i = at >= 0 ? at : this.indexOf(token.slotId);
      if (i < 0) throw new OpdError('STORAGE_FAILURE', 'A token refers to a slot missing from its day', { details: { tokenId: token.id } });
      return this.#mutablePlaces(i, adding ? token : undefined);
    }
    return undefined;
  }

  /**
   * Adds a token where its status and slot say it belongs.
   * @param slot - the index of the token's slot when the caller knows it, else -1
   */
  add(token: TokenRecord, slot = -1): void {
    const to = this.#containerOf(token, true, slot);
    if (to !== undefined) this.#push(to, token);
    // A first copy of the places already holds the token (`to` is then undefined): its status says where it went.
    if (this.#byId !== undefined && isListed(token)) this.#byId.set(token.id, token);
    if (this.#added === undefined) this.#added = [token];
    else this.#added.push(token);
    if (this.#addedByPatient !== undefined) addByPatient(this.#addedByPatient, token);
  }

  /** The tokens this unit added to the day, as added: the snapshot's index of live tokens does not know them. */
  #added: TokenRecord[] | undefined;
  /**
   * The ids of {@link DayWork.#added} by patient id, in the order they were added: made on the
   * first look-up among them (a booking adds a token after its only look-up), then kept up to
   * date by `add`. A token keeps its patient for good, so the patient it was added with is the
   * one it has.
   */
  #addedByPatient: Map<string, string[]> | undefined;

  /** Replaces `previous` by `next`, moving it between slots and the waitlist as needed. */
  replace(previous: TokenRecord, next: TokenRecord): void {
    const from = this.#containerOf(previous);
    const to = this.#containerOf(next);
    if (from !== undefined) {
      const at = this.#position(from, previous.id);
      if (at < 0) throw new OpdError('STORAGE_FAILURE', 'A token is missing from its slot or waitlist', { details: { tokenId: previous.id } });
      if (from === to) {
        from[at] = next;
        this.#byId?.set(next.id, next);
        return;
      }
      this.#removeAt(from, at);
      this.#byId?.delete(previous.id);
    }
    if (to !== undefined) {
      this.#push(to, next);
      this.#byId?.set(next.id, next);
    }
  }

  // Places and waitlists are in no particular order (every rule orders what it reads), so a
  // token leaves its list by swapping in the last one; long lists keep an index of positions,
  // so that moving many tokens out of one slot costs O(1) each rather than a scan.
  #position(list: TokenRecord[], tokenId: string): number {
    let positions = this.#positions?.get(list);
    if (positions === undefined) {
      if (list.length < INDEXED_FROM) {
        for (let i = 0; i < list.length; i++) if (list[i]!.id === tokenId) return i;
        return -1;
      }
      positions = new Map();
      for (let i = 0; i < list.length; i++) positions.set(list[i]!.id, i);
      (this.#positions ??= new WeakMap()).set(list, positions);
    }
    return positions.get(tokenId) ?? -1;
  }

  #push(list: TokenRecord[], token: TokenRecord): void {
    list.push(token);
    this.#positions?.get(list)?.set(token.id, list.length - 1);
  }

  #removeAt(list: TokenRecord[], at: number): void {
    const removed = list[at]!;
    const last = list.pop()!;
    const positions = this.#positions?.get(list);
    positions?.delete(removed.id);
    if (at < list.length) {
      list[at] = last;
      positions?.set(last.id, at);
    }
  }

  /**
   * The live token of the day with the lowest number held by the patient, as it stands in this
   * unit (a patient holds more than one only where duplicates were allowed; a refusal then names
   * the same token whatever the store).
   */
  liveTokenOf(patientId: string): TokenRecord | undefined {
    if (this.#snapshot.liveTokenOf !== undefined) {
      // The index reflects the snapshot; a token this unit changed is looked up again.
      const hit = this.#snapshot.liveTokenOf(patientId);
      if (hit === undefined) return this.#addedLive(patientId);
      const current = this.find(hit.id);
      return current !== undefined && isLiveStatus(current.status) ? current : this.#scanLive(patientId);
    }
    return this.#scanLive(patientId);
  }

  /** A live token of the patient among those this unit added (a leave may give a patient a token on a later day, then look there again). */
  #addedLive(patientId: string): TokenRecord | undefined {
    const added = this.#added;
    if (added === undefined) return undefined;
    // A leave adds a token per patient it moves here and looks each patient up first: by
    // patient, each look-up reads only that patient's tokens rather than every token added.
    let byPatient = this.#addedByPatient;
    if (byPatient === undefined) {
      byPatient = this.#addedByPatient = new Map();
      for (let k = 0; k < added.length; k++) addByPatient(byPatient, added[k]!);
    }
    const ids = byPatient.get(patientId);
    if (ids === undefined) return undefined;
    for (let k = 0; k < ids.length; k++) {
      const t = this.find(ids[k]!);
      if (t !== undefined && t.patient.id === patientId && isLiveStatus(t.status)) return t;
    }
    return undefined;
  }

  /** The patient's live token with the lowest number, by reading the day. */
  #scanLive(patientId: string): TokenRecord | undefined {
    return lowestLiveToken(this.#lists(), patientId);
  }

  /** The day's waitlist, then each slot's places. */
  *#lists(): Generator<readonly TokenRecord[]> {
    yield this.#waitlist;
    for (let i = 0, n = this.slotCount; i < n; i++) yield this.places(i);
  }

  /**
   * Finds a live or placed token of this day by id. The first few calls of a unit scan the day;
   * from then on an index answers (a leave looks up a token per patient it moves).
   */
  find(tokenId: string): TokenRecord | undefined {
    if (this.#byId !== undefined) return this.#byId.get(tokenId);
    if (++this.#scans > SCANS_BEFORE_INDEX) return this.#indexById().get(tokenId);
    for (let i = 0, n = this.slotCount; i < n; i++) for (const t of this.places(i)) if (t.id === tokenId) return t;
    for (const t of this.#waitlist) if (t.id === tokenId) return t;
    return undefined;
  }

  /** Makes {@link DayWork.#byId}; the first token of an id in the order `find` scans wins, as the scan would find it. */
  #indexById(): Map<string, TokenRecord> {
    const byId = new Map<string, TokenRecord>();
    for (let i = 0, n = this.slotCount; i < n; i++) for (const t of this.places(i)) if (!byId.has(t.id)) byId.set(t.id, t);
    for (const t of this.#waitlist) if (!byId.has(t.id)) byId.set(t.id, t);
    return (this.#byId = byId);
  }
}

/** Whether a token stands in its day's places or waitlist (where `find` looks). */
function isListed(token: TokenRecord): boolean {
  return token.status === 'WAITLISTED' || (isPlaceStatus(token.status) && token.slotId !== null);
}

/** Notes an added token under its patient (a token without a patient id is never looked up by one). */
function addByPatient(byPatient: Map<string, string[]>, token: TokenRecord): void {
  const patientId = token.patient.id;
  if (patientId === undefined) return;
  const ids = byPatient.get(patientId);
  if (ids === undefined) byPatient.set(patientId, [token.id]);
  else ids.push(token.id);
}

/**
 * The state of one unit of work: the snapshot, the days being changed, and every change and
 * event so far. Rules mutate it; `changes()` turns it into a {@link ChangeSet}.
 */
export class Workspace {
  /** Every event of the unit, in order: the shared empty list until the first (see `events.ts`). */
  events: OpdEvent[] = NO_EVENTS as OpdEvent[];
  /** The event of the call's own token (its booking or transition), not one of its effects. */
  #own: OpdEvent | undefined;
  #days: Map<string, DayWork> | undefined;
  #lastDay: DayWork | undefined;
  // Most units touch one or two records: keep these small and lazy.
  // Replaced by a one-element array on the first token (an empty array grows to 17 places on its
  // first push); until then the shared empty list, never written to.
  #newTokens: TokenRecord[] = NO_TOKENS as TokenRecord[];
  /**
   * Positions in `#newTokens` by id: made when a look-up meets a long list (a leave creates a
   * token and changes another for every patient it moves), then kept up to date by `create`.
   */
  #newPositions: Map<string, number> | undefined;
  #updatedTokens: Map<string, TokenRecord> | undefined;
  #newSlots: SlotRecord[] | undefined;
  #updatedSlots: Map<string, SlotRecord> | undefined;
  #nowDate: Date | undefined;
  doctor: DoctorRecord | undefined;
  newDoctor: DoctorRecord | undefined;
  idempotency: IdempotencyRecord | undefined;
  /**
   * Tokens no cascade's chain may bump in this unit: the patients a doctor's leave has already
   * moved, on their own day or to a later day (each displaced patient moves once). An emergency
   * still may, by the emergency rule. `undefined` in every other unit.
   */
  settled: Set<string> | undefined;

  constructor(
    readonly config: CoreConfig,
    readonly snapshot: DoctorSnapshot,
    readonly now: number,
  ) {
    this.doctor = snapshot.doctor;
  }

  get nowDate(): Date {
    return (this.#nowDate ??= fixedDate(this.now));
  }

  /** Marks `event` as the call's own: the one its result does not list among the effects. */
  own(event: OpdEvent): void {
    this.#own = event;
  }

  /** Everything the call caused besides its own event, in order, frozen. */
  effects(): readonly OpdEvent[] {
    const own = this.#own;
    // Most calls cause nothing but their own event: one shared empty list for all of them.
    const n = this.events.length;
    if (n === 0 || (n === 1 && this.events[0] === own)) return NO_EVENTS;
    return Object.freeze(own === undefined ? this.events.slice() : this.events.filter((e) => e !== own));
  }

  /** Minutes per consultation of the doctor. */
  get consultMinutes(): number {
    return this.doctor?.consultMinutes ?? this.config.consultMinutes;
  }

  /** The working copy of a loaded day (re-ranking its live tokens for time-dependent policies). */
  day(day: string): DayWork {
    let work = this.#lastDay?.day === day ? this.#lastDay : this.#days?.get(day);
    if (work === undefined) {
      const snapshot = this.snapshot.days.get(day);
      // A day the adapter did not load would restart token numbers: never guess it is empty.
      if (snapshot === undefined) throw new OpdError('STORAGE_FAILURE', 'The storage adapter did not load a requested day', { details: { day } });
      work = new DayWork(snapshot);
      // Most units touch one day: the map is only needed from the second.
      if (this.#lastDay !== undefined) (this.#days ??= new Map([[this.#lastDay.day, this.#lastDay]])).set(day, work);
      if (this.config.priority.timeDependent === true) this.#rerank(work);
    }
    this.#lastDay = work;
    return work;
  }

  /**
   * Ranks again the tokens whose rank still orders a queue: those waiting for a place or in one.
   * A patient in consultation or seen is left as it is — its record's `updatedAt` is when the
   * consultation started or ended, which the estimates read.
   */
  #rerank(work: DayWork): void {
    const stale: TokenRecord[] = [];
    const check = (t: TokenRecord): void => {
      if (!isConsultedStatus(t.status) && this.rankOf(t, t.bumpCount) !== t.rank) stale.push(t);
    };
    for (let i = 0; i < work.slotCount; i++) work.places(i).forEach(check);
    work.waitlist.forEach(check);
    for (const t of stale) this.update(work, t, { rank: this.rankOf(t, t.bumpCount) });
  }

  /** The rank the priority policy gives a token (or a request) now. */
  rankOf(token: Pick<TokenRecord, 'category' | 'patient' | 'requestedAt' | 'day' | 'notBefore'>, bumpCount: number): number {
    return rankAt(this, token.category, token.patient, token.requestedAt, token.day, token.notBefore, bumpCount);
  }

  /**
   * Records a new token and places it.
   * @param slot - the index of the token's slot in `work` when the caller knows it, else -1
   */
  create(work: DayWork, token: TokenRecord, slot = -1): void {
    if (this.#newTokens.length === 0) this.#newTokens = [token];
    else this.#newTokens.push(token);
    // The first token of an id keeps its position, as a scan would find it.
    if (this.#newPositions !== undefined && !this.#newPositions.has(token.id)) this.#newPositions.set(token.id, this.#newTokens.length - 1);
    work.add(token, slot);
  }

  /** The position in `#newTokens` of the first new token with this id, or -1. */
  #fresh(tokenId: string): number {
    const tokens = this.#newTokens;
    let positions = this.#newPositions;
    if (positions === undefined) {
      if (tokens.length < INDEXED_FROM) {
        for (let i = 0; i < tokens.length; i++) if (tokens[i]!.id === tokenId) return i;
        return -1;
      }
      positions = this.#newPositions = new Map();
      for (let i = 0; i < tokens.length; i++) if (!positions.has(tokens[i]!.id)) positions.set(tokens[i]!.id, i);
    }
    return positions.get(tokenId) ?? -1;
  }

  /** Records a change of a token and moves it. Returns the new record. */
  update(work: DayWork, previous: TokenRecord, patch: TokenPatch): TokenRecord {
    const next = patchToken(previous, patch, this.now);
    work.replace(previous, next);
    const fresh = this.#fresh(next.id);
    if (fresh >= 0) this.#newTokens[fresh] = next;
    else (this.#updatedTokens ??= new Map()).set(next.id, next);
    return next;
  }

  /** Records a token's new record whole (a token brought back from a terminal status). */
  put(work: DayWork, previous: TokenRecord, next: TokenRecord): void {
    work.replace(previous, next);
    const fresh = this.#fresh(next.id);
    if (fresh >= 0) this.#newTokens[fresh] = next;
    else (this.#updatedTokens ??= new Map()).set(next.id, next);
  }

  /** The record of a token as this unit left it, if the unit created or changed it. */
  latest(tokenId: string): TokenRecord | undefined {
    const fresh = this.#fresh(tokenId);
    if (fresh >= 0) return this.#newTokens[fresh];
    return this.#updatedTokens?.get(tokenId);
  }

  /** Records a changed slot. */
  updateSlot(work: DayWork, index: number, patch: Parameters<typeof patchSlot>[1]): SlotRecord {
    const next = patchSlot(work.slot(index), patch);
    work.setSlot(index, next);
    const fresh = this.#newSlots?.findIndex((s) => s.id === next.id) ?? -1;
    if (fresh >= 0) this.#newSlots![fresh] = next;
    else (this.#updatedSlots ??= new Map()).set(next.id, next);
    return next;
  }

  /** Records a new slot. */
  addSlot(work: DayWork, slot: SlotRecord): void {
    (this.#newSlots ??= []).push(slot);
    work.insertSlot(slot);
  }

  /**
   * Public view of a token as it stands in the workspace.
   * @param slot - the index of the token's slot in `work` when the caller knows it, else -1
   */
  tokenView(work: DayWork, token: TokenRecord, slot = -1): Token {
    if (isPlaceStatus(token.status) && token.slotId !== null) {
      const i = slot >= 0 ? slot : work.indexOf(token.slotId);
      if (i >= 0) return toPlaceToken(token, new DayEstimates(work, this.now, this.consultMinutes), i);
    }
    return toToken(token, null, null);
  }

  /** Whether anything is to be written. */
  get changed(): boolean {
    if (this.events.length > 0 || this.newDoctor !== undefined || this.idempotency !== undefined) return true;
    if (this.#newTokens.length > 0 || this.#updatedTokens !== undefined || this.#newSlots !== undefined || this.#updatedSlots !== undefined) return true;
    if (this.#days === undefined) return this.#lastDay?.recordChanged === true;
    for (const work of this.#days.values()) if (work.recordChanged) return true;
    return false;
  }

  /** Everything to write. */
  changes(): ChangeSet {
    let days: DayRecord[];
    if (this.#days === undefined) {
      // One day (most units): no iterator, and a list of exactly its length.
      const work = this.#lastDay;
      days = work?.recordChanged === true ? [work.record] : [];
    } else {
      days = [];
      for (const work of this.#days.values()) if (work.recordChanged) days.push(work.record);
    }
    return {
      doctor: this.newDoctor,
      newSlots: this.#newSlots ?? NONE,
      updatedSlots: this.#updatedSlots === undefined ? NONE : [...this.#updatedSlots.values()],
      newTokens: inTokenOrder(this.#newTokens),
      updatedTokens: this.#updatedTokens === undefined ? NONE : [...this.#updatedTokens.values()],
      days,
      idempotency: this.idempotency,
      guardDuplicates: !this.config.allowDuplicateBookings,
      events: this.events,
    };
  }
}

/**
 * The rank the priority policy gives a token (or a request) of `category` for `patient`, requested
 * at `requestedAt` for `day`, not before `notBefore`, bumped `bumpCount` times, at `at.now`.
 */
export function rankAt(
  at: Pick<Workspace, 'config' | 'now' | 'nowDate'>,
  category: string,
  patient: TokenRecord['patient'],
  requestedAt: number,
  day: string,
  notBefore: number | null,
  bumpCount: number,
): number {
  const policy = at.config.priority;
  let rank: number;
  try {
    const requested = requestedAt === at.now ? at.nowDate : fixedDate(requestedAt);
    const due = Math.max(requestedAt, notBefore ?? Number.NEGATIVE_INFINITY, at.config.dayStart(day));
    const dueAt = due === requestedAt ? requested : fixedDate(due);
    rank = policy.rank({ category, patient, requestedAt: requested, dueAt, now: at.nowDate, bumpCount });
  } catch (error) {
    throw pluginFailure('priority policy', policy.name, error);
  }
  if (typeof rank !== 'number' || !Number.isFinite(rank)) {
    pluginAnswer('priority policy', policy.name, rank);
    throw new OpdError('VALIDATION_FAILED', `The priority policy \`${policy.name}\` gave a rank that is not a finite number`, {
      details: { field: 'category', strategy: policy.name, category },
    });
  }
  return rank;
}

/** An empty list (shared, frozen). */
export const NONE: readonly never[] = Object.freeze([]);
const NO_TOKENS: readonly TokenRecord[] = NONE;
/** No events (shared, frozen). */
export const NO_EVENTS: readonly OpdEvent[] = NONE;

/**
 * New tokens grouped by doctor-day, each day's in token-number order, as a change set lists
 * them: a unit that issues tokens on several days in turn (a leave moving patients day by day)
 * creates them interleaved. The list itself when already in order (the usual case).
 */
function inTokenOrder(tokens: TokenRecord[]): TokenRecord[] {
  for (let i = 1; i < tokens.length; i++) {
    if (compareTokenOrder(tokens[i - 1]!, tokens[i]!) > 0) return [...tokens].sort(compareTokenOrder);
  }
  return tokens;
}

function compareTokenOrder(a: TokenRecord, b: TokenRecord): number {
  if (a.doctorId !== b.doctorId) return a.doctorId < b.doctorId ? -1 : 1;
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  return a.tokenNumber - b.tokenNumber;
}

/** Lists at least this long get an index of positions on their first removal (and the new tokens of a unit, on their next look-up). */
const INDEXED_FROM = 32;

/** Calls of `DayWork.find` in a unit that scan the day before an index of its tokens by id is made. */
const SCANS_BEFORE_INDEX = 4;

/** A change set that writes nothing. */
export const NO_CHANGES: ChangeSet = Object.freeze({
  newSlots: [],
  updatedSlots: [],
  newTokens: [],
  updatedTokens: [],
  days: [],
  events: [],
});
