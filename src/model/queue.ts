/**
 * Queue order and the live estimated start that follows from it: the one place both are defined.
 */
import { MINUTE } from '../time.js';
import type { SlotRecord, TokenRecord } from './records.js';
import type { EstimateStatus } from '../types.js';

/**
 * Queue order: rank, then request time, then token number. Places in a slot and waitlists are
 * both ordered by it.
 */
export function compareQueueOrder(a: TokenRecord, b: TokenRecord): number {
  return a.rank - b.rank || a.requestedAt - b.requestedAt || a.tokenNumber - b.tokenNumber;
}

/** A place's estimated start (epoch ms) and how it stands. */
export interface Estimate {
  readonly start: number;
  readonly status: EstimateStatus;
}

/** A doctor-day's slots in time order with their places (any order), as the estimate reads it. */
export interface DayQueue {
  readonly slotCount: number;
  /**
   * `true` when it is known that no place of the day is `IN_CONSULTATION` or `COMPLETED`:
   * every place then waits its turn, and the places need not be read for the pace.
   */
  readonly unconsulted?: boolean | undefined;
  slot(i: number): SlotRecord;
  places(i: number): readonly TokenRecord[];
}

/** Weight of the configured consultation time against the day's observed consultations. */
const PRIOR_WEIGHT = 2;
/** How many of the day's latest consultations the moving average looks at. */
const WINDOW = 10;
/** A gap between completions longer than this many consultation times is a break, not a consultation. */
const LONGEST_GAP = 3;

/**
 * The day's pace (ms per consultation): a moving average of the gaps between the day's last
 * completions, with the configured consultation time counted as {@link PRIOR_WEIGHT} prior
 * observations; a gap longer than {@link LONGEST_GAP} consultation times counts as that long.
 */
function paceOf(completions: readonly number[] | undefined, priorMs: number): number {
  // Fewer than two completions give no gap: the prior alone.
  if (completions === undefined || completions.length < 2) return priorMs;
  const sorted = [...completions].sort((a, b) => a - b);
  let sum = priorMs * PRIOR_WEIGHT;
  let n = PRIOR_WEIGHT;
  for (let k = Math.max(1, sorted.length - WINDOW); k < sorted.length; k++) {
    sum += Math.min(sorted[k]! - sorted[k - 1]!, LONGEST_GAP * priorMs);
    n++;
  }
  return sum / n;
}

/**
 * Live estimated starts of a doctor-day. The doctor sees patients one after another at the
 * day's pace (see {@link paceOf}): the next patient no earlier than `now`, nor before the end of
 * the consultation in progress (its start plus the pace), nor before their slot's start. Waiting
 * places (`BOOKED`, `CHECKED_IN`) are taken slot by slot in time order and, within a slot, in
 * queue order, so estimates never decrease along the day's queue; a slot whose patients overrun
 * its window pushes the next slot's. Before anything happened, and while the day keeps to its
 * schedule, this is `slot.start + (position − 1) × consultMinutes`.
 */
export class DayEstimates {
  readonly #day: DayQueue;
  readonly #pace: number;
  /** When the doctor is next free for the first waiting place of slot `#done`. */
  #cursor: number;
  /** Slots whose estimates are known. */
  #done = 0;
  /** The queues of slots `0 … #done − 1` (made on the first {@link DayEstimates.queue}). */
  #bySlot: (readonly { token: TokenRecord; position: number; estimate: Estimate }[])[] | undefined;

  /**
   * @param consultMinutes - the configured minutes per consultation (the prior)
   */
  constructor(day: DayQueue, now: number, consultMinutes: number) {
    this.#day = day;
    let completions: number[] | undefined;
    let started: number | undefined;
    for (let i = 0; day.unconsulted !== true && i < day.slotCount; i++) {
      for (const t of day.places(i)) {
        if (t.status === 'COMPLETED') (completions ??= []).push(t.updatedAt);
        else if (t.status === 'IN_CONSULTATION') started = Math.max(started ?? t.updatedAt, t.updatedAt);
      }
    }
    this.#pace = paceOf(completions, consultMinutes * MINUTE);
    this.#cursor = started === undefined ? now : Math.max(now, started + this.#pace);
  }

  /** Minutes per consultation the day is running at. */
  get paceMinutes(): number {
    return this.#pace / MINUTE;
  }

  /** The places of slot `i` in queue order, with positions and estimates. */
  queue(i: number): readonly { token: TokenRecord; position: number; estimate: Estimate }[] {
    const bySlot = (this.#bySlot ??= []);
    while (this.#done <= i) bySlot.push(this.#next());
    return bySlot[i]!;
  }

  /**
   * The estimate of a place of slot `i`, or `undefined` when it is not one. Gives what
   * {@link DayEstimates.queue} gives for it, without ordering the places of the day (a call asks
   * for one token's): the slots before `i` only count their waiting places, and the token's
   * position is the number of places of its slot ahead of it in queue order.
   */
  of(i: number, token: TokenRecord): { position: number; estimate: Estimate } | undefined {
    if (!this.locate(i, token)) return undefined;
    return { position: this.position, estimate: { start: this.start, status: this.status } };
  }

  /** The position found by the last {@link DayEstimates.locate} that found a place. */
  position = 0;
  /** The estimated start found by the last {@link DayEstimates.locate} that found a place. */
  start = 0;
  /** How the estimate found by the last {@link DayEstimates.locate} that found a place stands. */
  status: EstimateStatus = 'ON_TIME';

  /**
   * {@link DayEstimates.of}, its answer left in {@link DayEstimates.position},
   * {@link DayEstimates.start} and {@link DayEstimates.status} rather than in new objects (a
   * booking asks for its own token's); `false` when `token` is not a place of slot `i`.
   */
  locate(i: number, token: TokenRecord): boolean {
    if (i < this.#done) {
      const found = this.#bySlot![i]!.find((q) => q.token.id === token.id);
      if (found === undefined) return false;
      this.position = found.position;
      this.start = found.estimate.start;
      this.status = found.estimate.status;
      return true;
    }
    const places = this.#day.places(i);
    // The record itself first, from the end (a token just placed is last): comparing ids reads
    // every other place's id.
    let self = places.lastIndexOf(token);
    if (self < 0) self = places.findIndex((t) => t.id === token.id);
    if (self < 0) return false;
    placeOf(this.#day, this.#pace, this.#cursor, this.#done, i, places, self, places[self]!, this);
    return true;
  }

  #next(): { token: TokenRecord; position: number; estimate: Estimate }[] {
    const i = this.#done++;
    const slot = this.#day.slot(i);
    const sorted = [...this.#day.places(i)].sort(compareQueueOrder);
    let at = Math.max(this.#cursor, slot.start);
    const out = sorted.map((token, k) => {
      let estimate: Estimate;
      if (token.status === 'IN_CONSULTATION') estimate = { start: token.updatedAt, status: 'IN_CONSULTATION' };
      else if (token.status === 'COMPLETED') estimate = { start: token.updatedAt - this.#pace, status: 'COMPLETED' };
      else {
        estimate = { start: at, status: at >= slot.end ? 'AFTER_SLOT' : 'ON_TIME' };
        at += this.#pace;
      }
      return { token, position: k + 1, estimate };
    });
    // Slots never overlap: waiting for this slot's start never delays a later slot.
    this.#cursor = at;
    return out;
  }
}

/** Where a place stands: its position in its slot's queue and its estimated start. */
export interface Placed {
  position: number;
  start: number;
  status: EstimateStatus;
}

/**
 * The place of `record` at index `self` of slot `i`'s `places` (`self` may be `places.length`, a
 * record listed after all of them), with the doctor next free at `cursor` for slot `from` and
 * `pace` ms per consultation, written to `out`: the one computation {@link DayEstimates.locate}
 * and {@link placeNewToken} share.
 */
function placeOf(day: DayQueue, pace: number, cursor: number, from: number, i: number, places: readonly TokenRecord[], self: number, record: TokenRecord, out: Placed): void {
  const unconsulted = day.unconsulted === true;
  for (let j = from; j < i; j++) {
    let at = Math.max(cursor, day.slot(j).start);
    const before = day.places(j);
    if (unconsulted) for (let k = 0; k < before.length; k++) at += pace;
    else for (const t of before) if (isWaiting(t)) at += pace;
    cursor = at;
  }
  // Ahead in queue order: ordered before it, or equal and listed before it (the sort is stable).
  let ahead = 0;
  let waitingAhead = 0;
  for (let k = 0; k < places.length; k++) {
    if (k === self) continue;
    const other = places[k]!;
    const order = compareQueueOrder(other, record);
    if (order < 0 || (order === 0 && k < self)) {
      ahead++;
      // On a day nobody has been consulted yet, every place waits: its status is not read.
      if (unconsulted || isWaiting(other)) waitingAhead++;
    }
  }
  out.position = ahead + 1;
  if (record.status === 'IN_CONSULTATION') {
    out.start = record.updatedAt;
    out.status = 'IN_CONSULTATION';
  } else if (record.status === 'COMPLETED') {
    out.start = record.updatedAt - pace;
    out.status = 'COMPLETED';
  } else {
    const slot = day.slot(i);
    let at = Math.max(cursor, slot.start);
    for (let k = 0; k < waitingAhead; k++) at += pace;
    out.start = at;
    out.status = at >= slot.end ? 'AFTER_SLOT' : 'ON_TIME';
  }
}

/**
 * Where `record` stands once placed last in slot `i` of a day nobody has been consulted on yet
 * (`day.unconsulted`), the day's places not holding it yet: what {@link DayEstimates.locate} gives
 * for it on the day with it placed, without the estimates or a copy of the slot's places (a
 * booking's own token), written to `out`.
 */
export function placeNewToken(day: DayQueue, now: number, consultMinutes: number, i: number, record: TokenRecord, out: Placed): void {
  const places = day.places(i);
  // A day without consultations: the configured pace, and the doctor free from now.
  placeOf(day, paceOf(undefined, consultMinutes * MINUTE), now, 0, i, places, places.length, record, out);
}

/** Whether a place waits for the doctor (it takes a turn of the day's pace). */
function isWaiting(t: TokenRecord): boolean {
  return t.status !== 'IN_CONSULTATION' && t.status !== 'COMPLETED';
}

/** {@link DayQueue} over slots with their places. */
export function dayQueueOf(slots: readonly { readonly slot: SlotRecord; readonly places: readonly TokenRecord[] }[]): DayQueue {
  return { slotCount: slots.length, slot: (i) => slots[i]!.slot, places: (i) => slots[i]!.places };
}
