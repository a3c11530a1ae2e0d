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
  slot(i: number): SlotRecord;
  places(i: number): readonly TokenRecord[];
}

/** A place of a slot in queue order: its token, its 1-based position and its estimated start. */
export interface QueuedPlace {
  readonly token: TokenRecord;
  readonly position: number;
  readonly estimate: Estimate;
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
  /** When the doctor is next free for the first waiting place of the next slot to be estimated. */
  #cursor: number;
  /** The queues of the slots estimated so far, in time order. */
  readonly #bySlot: (readonly QueuedPlace[])[] = [];

  /**
   * @param consultMinutes - the configured minutes per consultation (the prior)
   */
  constructor(day: DayQueue, now: number, consultMinutes: number) {
    this.#day = day;
    let completions: number[] | undefined;
    let started: number | undefined;
    for (let i = 0; i < day.slotCount; i++) {
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
  queue(i: number): readonly QueuedPlace[] {
    while (this.#bySlot.length <= i) this.#bySlot.push(this.#next(this.#bySlot.length));
    return this.#bySlot[i]!;
  }

  /** The place of `token` in slot `i` (position and estimate), or `undefined` when it is not one. */
  of(i: number, token: TokenRecord): Pick<QueuedPlace, 'position' | 'estimate'> | undefined {
    const place = this.queue(i).find((q) => q.token.id === token.id);
    return place === undefined ? undefined : { position: place.position, estimate: place.estimate };
  }

  #next(i: number): QueuedPlace[] {
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

/** {@link DayQueue} over slots with their places. */
export function dayQueueOf(slots: readonly { readonly slot: SlotRecord; readonly places: readonly TokenRecord[] }[]): DayQueue {
  return { slotCount: slots.length, slot: (i) => slots[i]!.slot, places: (i) => slots[i]!.places };
}
