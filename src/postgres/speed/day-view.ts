import { assembleDay } from '../../adapter-kit/assembly.js';
import type { DayRecord, SlotRecord, TokenRecord } from '../../model/records.js';
import type { DaySnapshot, SlotState } from '../../model/snapshot.js';
import { isActiveStatus, isConsultedStatus, isLiveStatus, lowestLiveToken } from '../../model/status.js';

/** The rows of one doctor-day a snapshot is assembled from. */
export interface DayRows {
  readonly record: DayRecord;
  readonly slots: ReadonlyMap<string, SlotRecord>;
  /** Tokens by number: those of other statuses than places and the waitlist are left out of a snapshot. */
  readonly tokens: ReadonlyMap<number, TokenRecord>;
}

/**
 * A doctor-day's snapshot kept in step with its rows, so that a booking merged into the day (or
 * committed by a unit) costs what it changed: the arrays it touched are copied, the rest are
 * shared with the previous snapshot. Every snapshot handed out stays as it was: arrays are never
 * changed once in one, and its `liveTokenOf` answers from the patient index only while nothing has
 * changed since (then it scans the snapshot itself). Snapshots hold the same slots and tokens, in
 * the same order, as the day assembled afresh from its rows: slots in time order, places and the
 * waitlist in token-number order.
 */
export class DayView {
  #record: DayRecord;
  #slots: SlotState[];
  /** Slot id → its position in `#slots`. */
  readonly #index: Map<string, number>;
  #waitlist: TokenRecord[];
  /** Patient id → a live token of the patient; patients with more than one live token in `#extra`. */
  readonly #live = new Map<string, TokenRecord>();
  readonly #extra = new Map<string, number>();
  #holds = 0;
  /** Places whose consultation has begun (a day with none is estimated without reading its places). */
  #consultations = 0;
  /** Counts changes: a snapshot's patient index is good while this is what it was when taken. */
  #version = 0;
  #snapshot: DaySnapshot | undefined;

  /**
   * @param rows - the day's rows, ordered by token number or not
   * @throws OpdError `STORAGE_FAILURE` when a token holds a place in a slot the day does not have
   */
  constructor(rows: DayRows) {
    const tokens = [...rows.tokens.values()];
    if (!ordered(tokens)) tokens.sort((a, b) => a.tokenNumber - b.tokenNumber);
    const day = assembleDay('postgres', rows.record, rows.slots.values(), tokens);
    this.#record = day.record;
    this.#slots = day.slots as SlotState[];
    this.#waitlist = day.waitlist as TokenRecord[];
    this.#index = new Map(this.#slots.map((state, i) => [state.slot.id, i]));
    for (const token of tokens) if (isActiveStatus(token.status)) this.#indexed(token, 1);
  }

  /** The day as it stands. */
  snapshot(): DaySnapshot {
    this.#snapshot ??= new ViewSnapshot(this.#record, this.#slots, this.#waitlist, this.#holds, this.#consultations, this, this.#version);
    return this.#snapshot;
  }

  /** A live token of the patient from the index, if the day is still at `version`; `null` if it changed since. */
  liveAt(version: number, patientId: string): TokenRecord | undefined | null {
    return this.#version === version ? this.#live.get(patientId) : null;
  }

  /** The day's counters changed. */
  record(record: DayRecord): void {
    this.#record = record;
    this.#snapshot = undefined;
  }

  /**
   * A token changed from `previous` (`undefined`: it was not among the day's) to `next`
   * (`undefined`: it left the day's places and waitlist). `false` when the change cannot be
   * applied (a place in a slot the day does not have): assemble the day afresh instead.
   */
  token(previous: TokenRecord | undefined, next: TokenRecord | undefined): boolean {
    const before = previous !== undefined && isActiveStatus(previous.status) ? previous : undefined;
    const after = next !== undefined && isActiveStatus(next.status) ? next : undefined;
    if (before === undefined && after === undefined) return true;
    if (after !== undefined && after.status !== 'WAITLISTED' && !this.#index.has(after.slotId ?? '')) return false;
    if (before !== undefined && before.status !== 'WAITLISTED' && !this.#index.has(before.slotId ?? '')) return false;
    this.#version++;
    this.#snapshot = undefined;
    if (before !== undefined) {
      this.#indexed(before, -1);
      if (before.status === 'WAITLISTED') this.#waitlist = without(this.#waitlist, before.tokenNumber);
      else this.#place(before.slotId!, (places) => without(places, before.tokenNumber));
    }
    if (after !== undefined) {
      this.#indexed(after, 1);
      if (after.status === 'WAITLISTED') this.#waitlist = inserted(this.#waitlist, after);
      else this.#place(after.slotId!, (places) => inserted(places, after));
    }
    return true;
  }

  /** Replaces the places of a slot (and the slots array holding them). */
  #place(slotId: string, change: (places: readonly TokenRecord[]) => TokenRecord[]): void {
    const i = this.#index.get(slotId)!;
    const slots = this.#slots.slice();
    const state = slots[i]!;
    slots[i] = { slot: state.slot, places: change(state.places) };
    this.#slots = slots;
  }

  /** Counts a token in (`1`) or out (`-1`) of the patient index, the holds and the consultations. */
  #indexed(token: TokenRecord, sign: 1 | -1): void {
    if (token.status === 'HELD') this.#holds += sign;
    else if (isConsultedStatus(token.status)) this.#consultations += sign;
    const patientId = token.patient.id;
    if (patientId === undefined || !isLiveStatus(token.status)) return;
    const extra = this.#extra.get(patientId) ?? 0;
    if (sign === 1) {
      const indexed = this.#live.get(patientId);
      if (indexed === undefined) this.#live.set(patientId, token);
      else {
        this.#extra.set(patientId, extra + 1);
        // The index names the patient's live token with the lowest number.
        if (token.tokenNumber < indexed.tokenNumber) this.#live.set(patientId, token);
      }
      return;
    }
    if (extra > 0) {
      if (extra === 1) this.#extra.delete(patientId);
      else this.#extra.set(patientId, extra - 1);
      // The patient keeps a live token: point at one that is still there.
      if (this.#live.get(patientId)?.tokenNumber === token.tokenNumber) this.#live.set(patientId, this.#otherLive(patientId, token.tokenNumber)!);
      return;
    }
    this.#live.delete(patientId);
  }

  #otherLive(patientId: string, tokenNumber: number): TokenRecord | undefined {
    return lowestLive(this.#waitlist, this.#slots, patientId, tokenNumber);
  }
}

/**
 * A snapshot a {@link DayView} hands out: its arrays are never written again, and `liveTokenOf`
 * asks the view's patient index while the day has not changed since, and reads the snapshot
 * itself after. A class rather than an object of closures: one of these is made for every unit.
 */
class ViewSnapshot implements DaySnapshot {
  constructor(
    readonly record: DayRecord,
    readonly slots: readonly SlotState[],
    readonly waitlist: readonly TokenRecord[],
    readonly holds: number,
    readonly consultations: number,
    view: DayView,
    version: number,
  ) {
    this.#view = view;
    this.#version = version;
  }

  readonly #view: DayView;
  readonly #version: number;

  liveTokenOf(patientId: string): TokenRecord | undefined {
    const hit = this.#view.liveAt(this.#version, patientId);
    return hit === null ? liveIn(this, patientId) : hit;
  }
}

/** The patient's live token with the lowest number in a snapshot, by reading it. */
function liveIn(day: DaySnapshot, patientId: string): TokenRecord | undefined {
  return lowestLive(day.waitlist, day.slots, patientId, 0);
}

/** The patient's live token with the lowest number among a day's waitlist and places, but token `except` (0: none). */
function lowestLive(waitlist: readonly TokenRecord[], slots: readonly SlotState[], patientId: string, except: number): TokenRecord | undefined {
  return lowestLiveToken([waitlist, ...slots.map((state) => state.places)], patientId, except);
}

/** A copy of a list in token-number order without the token of that number. */
function without(list: readonly TokenRecord[], tokenNumber: number): TokenRecord[] {
  return list.filter((t) => t.tokenNumber !== tokenNumber);
}

/** A copy of a list in token-number order with the token in its place. */
function inserted(list: readonly TokenRecord[], token: TokenRecord): TokenRecord[] {
  let at = list.length;
  while (at > 0 && list[at - 1]!.tokenNumber > token.tokenNumber) at--;
  const out = list.slice(0, at);
  out.push(token);
  for (let i = at; i < list.length; i++) out.push(list[i]!);
  return out;
}

/** Whether tokens are already in number order (maps keep insertion order: most days are). */
function ordered(tokens: readonly TokenRecord[]): boolean {
  for (let i = 1; i < tokens.length; i++) if (tokens[i - 1]!.tokenNumber > tokens[i]!.tokenNumber) return false;
  return true;
}
