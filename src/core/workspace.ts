import { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { ChangeSet, DaySnapshot, DoctorSnapshot } from '../model/snapshot.js';
import {
  type ClaimRecord,
  type DayRecord,
  type DoctorRecord,
  type IdempotencyRecord,
  isUsableSlot,
  type PauseRecord,
  type SlotRecord,
  type TokenRecord,
} from '../model/records.js';
import { holdEnded, takenPlaces, tokenlessClaims, unusedPlaces } from '../model/claims.js';
import { isConsultedStatus, isPlaceStatus, lowestLiveToken } from '../model/status.js';
import { type CoreConfig, pluginAnswer, pluginFailure } from './config.js';
import { type DayCounter, incrementDay, makeToken, nextLabelNumber, patchSlot, patchToken, type TokenPatch } from '../model/make.js';
import { toSlot } from '../model/convert.js';
import type { Slot } from '../types.js';
import { fixedDate } from '../model/instant.js';
import { dueAt, type SlotFacts, slotFacts } from '../model/queue.js';

const NO_CLAIMS: readonly ClaimRecord[] = Object.freeze([]);

/**
 * A working copy of one doctor-day: slots in time order, the places of each slot and the
 * waitlist. Reads go to the snapshot until a list is first written, which copies that list (copy
 * on write), so a unit copies only what it changes.
 */
export class DayWork {
  readonly day: string;
  record: DayRecord;
  recordChanged = false;
  readonly #snapshot: DaySnapshot;
  /** The day's slots, once this unit has changed one (or added one). */
  #slots: SlotRecord[] | undefined;
  /** This unit's copies of the places of the slots it wrote, by index (every slot's once a slot is added). */
  #places: (TokenRecord[] | undefined)[] | undefined;
  #waitlist: readonly TokenRecord[];
  #ownWaitlist = false;
  /** Whether this unit has written a place whose consultation has begun, or one that had. */
  #consulted = false;
  /** The facts of each slot's places as found, by index: a slot's are forgotten when this unit writes its places. */
  #facts: (SlotFacts | undefined)[] | undefined;

  /** Whether a claim gives its places to an emergency (its kind's `yields`, from the unit's kind table). */
  readonly #yields: (claim: ClaimRecord) => boolean;

  constructor(snapshot: DaySnapshot, yields: (claim: ClaimRecord) => boolean = () => false) {
    this.#snapshot = snapshot;
    this.#yields = yields;
    this.day = snapshot.record.day;
    this.record = snapshot.record;
    this.#waitlist = snapshot.waitlist;
  }

  /** Whether the day may hold a `HELD` token: `false` only when the snapshot counts none (a unit's new holds have not ended). */
  get mayHold(): boolean {
    return this.#snapshot.holds !== 0;
  }

  /** The snapshot's count of places whose consultation has begun, while this unit has changed none of them. */
  get consultations(): number | undefined {
    return this.#consulted ? undefined : this.#snapshot.consultations;
  }

  /** Number of slots of the day. */
  get slotCount(): number {
    return this.#slots === undefined ? this.#snapshot.slots.length : this.#slots.length;
  }

  /** Slot `i` in time order. */
  slot(i: number): SlotRecord {
    return this.#slots === undefined ? this.#snapshot.slots[i]!.slot : this.#slots[i]!;
  }

  /** The public view of slot `i`. */
  slotView(i: number): Slot {
    return toSlot(this.slot(i));
  }

  /** Index of a slot of this day, or -1. */
  indexOf(slotId: string): number {
    for (let i = 0, n = this.slotCount; i < n; i++) if (this.slot(i).id === slotId) return i;
    return -1;
  }

  /** The places of slot `i`, in no particular order (every rule orders what it reads). */
  places(i: number): readonly TokenRecord[] {
    return this.#places?.[i] ?? this.#snapshot.slots[i]!.places;
  }

  /** The facts of slot `i`'s places ({@link slotFacts}): the store's, else found once, and found again after this unit writes the slot. */
  facts(i: number): SlotFacts {
    const found = (this.#facts ??= []);
    const kept = found[i];
    if (kept !== undefined) return kept;
    const own = this.#places?.[i];
    const state = this.#snapshot.slots[i]!;
    return (found[i] = own !== undefined ? slotFacts(own) : (state.facts ?? slotFacts(state.places)));
  }

  /**
   * The places taken in slot `i`: its tokens' places and the claims without a token there
   * ({@link DayWork.tokenlessClaims}), by the one count of taken places ({@link takenPlaces}) that
   * every rule reads (free places, elastic places, quotas, searches for room).
   */
  occupancy(i: number): number {
    return takenPlaces(this.places(i).length, this.record.claims, this.slot(i).id);
  }

  /** The places of slot `i` held by claims without a token of their own (held for an offer, leased to a desk and unused). */
  tokenlessClaims(i: number): number {
    return tokenlessClaims(this.record.claims, this.slot(i).id);
  }

  /**
   * The places of slot `i` held by claims without a token that an emergency may take (held for an
   * offer, then withdrawn): a place leased to a desk is not, since the desk may already have
   * issued it without the network. Which kinds yield is the kind table's (`yields`).
   */
  withdrawableClaims(i: number): number {
    const claims = this.record.claims;
    if (claims === undefined) return 0;
    const slotId = this.slot(i).id;
    let n = 0;
    for (const claim of claims) if (claim.slotId === slotId && this.#yields(claim)) n += unusedPlaces(claim);
    return n;
  }

  /** The day's claims, in the order made (none on a day that never had one). */
  get claims(): readonly ClaimRecord[] {
    return this.record.claims ?? NO_CLAIMS;
  }

  /** Replaces the day's claims. */
  setClaims(claims: readonly ClaimRecord[]): void {
    this.record = { ...this.record, claims: Object.freeze([...claims]) };
    this.recordChanged = true;
  }

  /** Replaces the day's record of displaced patients ({@link DayRecord.displaced}). */
  setDisplaced(displaced: Readonly<Record<string, string>>): void {
    this.record = { ...this.record, displaced };
    this.recordChanged = true;
  }

  /** The end of the doctor's pause on the day, when it has had one ({@link DayRecord.pause}). */
  get pausedUntil(): number | undefined {
    return this.record.pause?.until;
  }

  /** Replaces the day's pause. */
  setPause(pause: PauseRecord): void {
    this.record = { ...this.record, pause: Object.freeze({ ...pause }) };
    this.recordChanged = true;
  }

  /** Places this unit freed, by slot id: a token left it, or its capacity grew. */
  #freed: Map<string, number> | undefined;

  /** Notes `n` places freed in slot `slotId` by this unit (an offer may be made for each). */
  noteFreed(slotId: string, n = 1): void {
    const freed = (this.#freed ??= new Map());
    freed.set(slotId, (freed.get(slotId) ?? 0) + n);
  }

  /** Whether this unit freed a place it has not yet offered or promoted into. */
  get hasFreed(): boolean {
    return this.#freed !== undefined && this.#freed.size > 0;
  }

  /** Takes one freed place of slot `slotId`: `true` when there was one. */
  takeFreed(slotId: string): boolean {
    const n = this.#freed?.get(slotId);
    if (n === undefined) return false;
    if (n <= 1) this.#freed!.delete(slotId);
    else this.#freed!.set(slotId, n - 1);
    return true;
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

  /** Whether slot `i` is usable at `now` ({@link isUsableSlot}). */
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

  /** The places of slot `i` as this unit's own copy, made on the first write. */
  #ownPlaces(i: number): TokenRecord[] {
    // Asked for each write: the slot's facts will be found again.
    if (this.#facts !== undefined) this.#facts[i] = undefined;
    const places = (this.#places ??= new Array<TokenRecord[] | undefined>(this.slotCount));
    return (places[i] ??= [...this.#snapshot.slots[i]!.places]);
  }

  /** Replaces slot `i`. */
  setSlot(i: number, slot: SlotRecord): void {
    (this.#slots ??= this.#snapshot.slots.map((state) => state.slot))[i] = slot;
  }

  /** Inserts a new slot in time order. */
  insertSlot(slot: SlotRecord): void {
    // Indexes move: every slot's places become this unit's, so that none is read from the snapshot at a moved index.
    for (let k = 0, n = this.slotCount; k < n; k++) this.#ownPlaces(k);
    const slots = (this.#slots ??= this.#snapshot.slots.map((state) => state.slot));
    let i = slots.length;
    while (i > 0 && slots[i - 1]!.start > slot.start) i--;
    slots.splice(i, 0, slot);
    (this.#places ??= []).splice(i, 0, []);
    this.#facts = undefined;
  }

  /** The list `token` belongs to by its status and slot (the waitlist, a slot's places, or none), as this unit's copy. */
  #listOf(token: TokenRecord): TokenRecord[] | undefined {
    if (token.status === 'WAITLISTED') {
      if (!this.#ownWaitlist) {
        this.#waitlist = [...this.#waitlist];
        this.#ownWaitlist = true;
      }
      return this.#waitlist as TokenRecord[];
    }
    if (!isPlaceStatus(token.status) || token.slotId === null) return undefined;
    const i = this.indexOf(token.slotId);
    if (i < 0) throw new OpdError('STORAGE_FAILURE', 'A token refers to a slot missing from its day', { details: { tokenId: token.id } });
    return this.#ownPlaces(i);
  }

  /** Adds a token where its status and slot say it belongs. */
  add(token: TokenRecord): void {
    if (isConsultedStatus(token.status)) this.#consulted = true;
    this.#listOf(token)?.push(token);
  }

  /** Replaces `previous` by `next`, moving it between slots and the waitlist as needed. */
  replace(previous: TokenRecord, next: TokenRecord): void {
    if (isConsultedStatus(previous.status) || isConsultedStatus(next.status)) this.#consulted = true;
    const from = this.#listOf(previous);
    const to = this.#listOf(next);
    if (isPlaceStatus(previous.status) && previous.slotId !== null && !(isPlaceStatus(next.status) && next.slotId === previous.slotId))
      this.noteFreed(previous.slotId);
    if (from !== undefined) {
      const at = from.findIndex((t) => t.id === previous.id);
      if (at < 0) throw new OpdError('STORAGE_FAILURE', 'A token is missing from its slot or waitlist', { details: { tokenId: previous.id } });
      if (from === to) {
        from[at] = next;
        return;
      }
      from.splice(at, 1);
    }
    to?.push(next);
  }

  /**
   * The patient's live token of the day with the lowest number, as it stands in this unit, a hold
   * that has ended at `now` and the token `except` left out (a patient holds more than one only
   * where duplicates were allowed; a refusal then names the same token whatever the store). The
   * duplicate rule asks it through `heldToken` (`command.ts`).
   */
  liveTokenOf(patientId: string, now: number, except?: string): TokenRecord | undefined {
    // The store's index of the snapshot (DaySnapshot.liveTokenOf), while this unit has written
    // none of the day's lists: the lowest live token, which is the answer unless it is left out.
    if (this.#snapshot.liveTokenOf !== undefined && this.#places === undefined && !this.#ownWaitlist) {
      const hit = this.#snapshot.liveTokenOf(patientId);
      if (hit === undefined || (hit.id !== except && !holdEnded(hit, now))) return hit;
    }
    return lowestLiveToken(this.#lists(), patientId, 0, (t) => t.id === except || holdEnded(t, now));
  }

  /** Every token of the patient the day holds (its waitlist and places, `COMPLETED` ones too), as this unit sees them. */
  tokensOf(patientId: string): TokenRecord[] {
    const found: TokenRecord[] = [];
    for (const list of this.#lists()) for (const t of list) if (t.patient.id === patientId) found.push(t);
    return found;
  }

  /** The day's waitlist, then each slot's places. */
  *#lists(): Generator<readonly TokenRecord[]> {
    yield this.#waitlist;
    for (let i = 0, n = this.slotCount; i < n; i++) yield this.places(i);
  }

  /** Finds a token of this day's places or waitlist by id; `slotId`, the slot it was last seen in, is looked at first. */
  find(tokenId: string, slotId?: string | null): TokenRecord | undefined {
    // Where it was last seen first: a token holding a place is listed in its slot.
    if (slotId !== undefined && slotId !== null) {
      const i = this.indexOf(slotId);
      if (i >= 0) {
        const places = this.places(i);
        for (let k = 0; k < places.length; k++) if (places[k]!.id === tokenId) return places[k];
      }
    }
    for (const list of this.#lists()) for (const t of list) if (t.id === tokenId) return t;
    return undefined;
  }
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
  readonly #days = new Map<string, DayWork>();
  /** New tokens by id, in the order created (a token changed later in the unit keeps its place). */
  readonly #newTokens = new Map<string, TokenRecord>();
  // Most units change no slot and update few tokens: these are made on first use.
  #updatedTokens: Map<string, TokenRecord> | undefined;
  #newSlots: Map<string, SlotRecord> | undefined;
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

  /** The facility the unit's records and events carry. */
  get facilityId(): string {
    return this.config.facilityId;
  }

  /** The unit's clock as the date strategies and events are given. */
  get nowDate(): Date {
    return (this.#nowDate ??= fixedDate(this.now));
  }

  /** Marks `event` as the call's own: the one its result does not list among the effects. */
  own(event: OpdEvent): void {
    this.#own = event;
  }

  /** The call's own event, once marked. */
  get ownEvent(): OpdEvent | undefined {
    return this.#own;
  }

  /** Everything the call caused besides its own event, in order, frozen. */
  effects(): readonly OpdEvent[] {
    const events = this.events;
    // Most calls cause nothing but their own event: one shared empty list for all of them.
    if (events.length === 0 || (events.length === 1 && events[0] === this.#own)) return NO_EVENTS;
    return Object.freeze(events.filter((e) => e !== this.#own));
  }

  /** Minutes per consultation of the doctor. */
  get consultMinutes(): number {
    return this.doctor?.consultMinutes ?? this.config.consultMinutes;
  }

  /** The working copy of a loaded day (re-ranking its live tokens for time-dependent policies). */
  day(day: string): DayWork {
    let work = this.#days.get(day);
    if (work === undefined) {
      const snapshot = this.snapshot.days.get(day);
      // A day the adapter did not load would restart token numbers: never guess it is empty.
      if (snapshot === undefined) throw new OpdError('STORAGE_FAILURE', 'The storage adapter did not load a requested day', { details: { day } });
      work = new DayWork(snapshot, (claim) => this.config.claimKinds.get(claim.kind)?.yields === true);
      this.#days.set(day, work);
      if (this.config.priority.timeDependent === true) this.#rerank(work);
    }
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

  /**
   * The rank the priority policy gives a token (or a request) now, bumped `bumpCount` times: the
   * one place the core asks the priority policy.
   */
  rankOf(token: Pick<TokenRecord, 'category' | 'patient' | 'requestedAt' | 'day' | 'notBefore' | 'dueAt'>, bumpCount: number): number {
    const policy = this.config.priority;
    const { category, patient, requestedAt } = token;
    let rank: number;
    try {
      const due = dueAt(token, this.config.dayStart);
      const requested = requestedAt === this.now ? this.nowDate : fixedDate(requestedAt);
      rank = policy.rank({ category, patient, requestedAt: requested, dueAt: due === requestedAt ? requested : fixedDate(due), now: this.nowDate, bumpCount });
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

  /** Records a new token and places it (the rules call it through `createToken`, `claims.ts`). */
  create(work: DayWork, token: TokenRecord): void {
    this.#newTokens.set(token.id, token);
    work.add(token);
  }

  /** Records a change of a token and moves it (the rules call it through `changeToken`, `claims.ts`). Returns the new record. */
  update(work: DayWork, previous: TokenRecord, patch: TokenPatch): TokenRecord {
    const next = patchToken(previous, patch, this.now);
    this.put(work, previous, next);
    return next;
  }

  /** Records a token's new record whole (a token brought back from a terminal status). */
  put(work: DayWork, previous: TokenRecord, next: TokenRecord): void {
    work.replace(previous, next);
    if (this.#newTokens.has(next.id)) this.#newTokens.set(next.id, next);
    else (this.#updatedTokens ??= new Map()).set(next.id, next);
  }

  /** The record of a token as this unit left it, if the unit created or changed it. */
  latest(tokenId: string): TokenRecord | undefined {
    return this.#newTokens.get(tokenId) ?? this.#updatedTokens?.get(tokenId);
  }

  /** Records a changed slot. */
  updateSlot(work: DayWork, index: number, patch: Parameters<typeof patchSlot>[1]): SlotRecord {
    const next = patchSlot(work.slot(index), patch);
    work.setSlot(index, next);
    if (this.#newSlots?.has(next.id) === true) this.#newSlots.set(next.id, next);
    else (this.#updatedSlots ??= new Map()).set(next.id, next);
    return next;
  }

  /** Records a new slot. */
  addSlot(work: DayWork, slot: SlotRecord): void {
    (this.#newSlots ??= new Map()).set(slot.id, slot);
    work.insertSlot(slot);
  }

  /**
   * Records what the live queue noted of a token — its first call, the estimate its patient was
   * told, a turn-near notice sent, who called a pooled patient — without changing its status or `updatedAt` (which the
   * estimates read as when a consultation started or ended).
   */
  note(work: DayWork, previous: TokenRecord, fields: Pick<TokenPatch, 'callIndex' | 'toldEta' | 'turnNearSent' | 'journey'>): TokenRecord {
    const { journey, ...rest } = fields;
    const next = makeToken({ ...previous, ...rest, journey: journey === undefined ? previous.journey : (journey ?? undefined) });
    this.put(work, previous, next);
    return next;
  }

  /** The days this unit worked on so far. */
  workedDays(): IterableIterator<DayWork> {
    return this.#days.values();
  }

  /** Whether anything is to be written. */
  get changed(): boolean {
    if (this.events.length > 0 || this.newDoctor !== undefined || this.idempotency !== undefined) return true;
    if (this.#newTokens.size > 0 || this.#updatedTokens !== undefined || this.#newSlots !== undefined || this.#updatedSlots !== undefined) return true;
    for (const work of this.#days.values()) if (work.recordChanged) return true;
    return false;
  }

  /** Whether the unit's queue notices were worked out (`unitNotices`, `notices.ts`: once, before its changes are taken). */
  noticed = false;

  /** Everything to write (the rules take it through `unitChanges`, `command.ts`, which first works out the queue notices). */
  changes(): ChangeSet {
    const days: DayRecord[] = [];
    for (const work of this.#days.values()) if (work.recordChanged) days.push(work.record);
    return {
      doctor: this.newDoctor,
      newSlots: this.#newSlots === undefined ? NONE : [...this.#newSlots.values()],
      updatedSlots: this.#updatedSlots === undefined ? NONE : [...this.#updatedSlots.values()],
      // Grouped by doctor-day, each day's in token-number order, as a change set lists them: a
      // unit that issues tokens on several days in turn (a leave moving patients day by day)
      // creates them interleaved.
      newTokens: [...this.#newTokens.values()].sort(compareTokenOrder),
      updatedTokens: this.#updatedTokens === undefined ? NONE : [...this.#updatedTokens.values()],
      days,
      idempotency: this.idempotency,
      guardDuplicates: !this.config.allowDuplicateBookings,
      events: this.events,
    };
  }
}

/** An empty list (shared, frozen). */
export const NONE: readonly never[] = Object.freeze([]);
/** No events (shared, frozen). */
export const NO_EVENTS: readonly OpdEvent[] = NONE;

function compareTokenOrder(a: TokenRecord, b: TokenRecord): number {
  if (a.doctorId !== b.doctorId) return a.doctorId < b.doctorId ? -1 : 1;
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  return a.tokenNumber - b.tokenNumber;
}

/** A change set that writes nothing. */
export const NO_CHANGES: ChangeSet = Object.freeze({
  newSlots: [],
  updatedSlots: [],
  newTokens: [],
  updatedTokens: [],
  days: [],
  events: [],
});
