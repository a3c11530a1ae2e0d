/**
 * Queue order and the live estimated start that follows from it: the one place both are defined.
 */
import { MINUTE } from '../time.js';
import type { SlotRecord, TokenRecord } from './records.js';
import type { EstimateStatus } from '../types.js';

/**
 * When a token is due (epoch ms): a token carried from a closed day keeps the due time it had
 * there (`dueAt`); any other, the later of its request, the start of what it asked for
 * (`notBefore`: the slot it named, its `after`, the slot it was displaced from) and its day's
 * start (`dayStart`). The aging of ranks counts waiting from here; fairness counts waits from the
 * later of this and the start of the place it was called in.
 */
export function dueAt(
  token: Pick<TokenRecord, 'requestedAt' | 'notBefore' | 'day'> & { readonly dueAt?: number | null | undefined },
  dayStart: (day: string) => number,
): number {
  if (token.dueAt !== undefined && token.dueAt !== null) return token.dueAt;
  return Math.max(token.requestedAt, token.notBefore ?? Number.NEGATIVE_INFINITY, dayStart(token.day));
}

/**
 * The order of slots of several doctor-days merged into one queue (a service point's, a pooled
 * department's): by start, then by slot id. The store's index of a point's queue and the core's
 * merged days both follow it.
 */
export function compareSlotsInTime(a: { readonly slot: SlotRecord }, b: { readonly slot: SlotRecord }): number {
  return a.slot.start - b.slot.start || (a.slot.id < b.slot.id ? -1 : a.slot.id > b.slot.id ? 1 : 0);
}

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
  /** How many of the places have begun their consultation (`IN_CONSULTATION`, `COMPLETED`), when known. */
  readonly consultations?: number | undefined;
  /** The end of the doctor's pause on the day (epoch ms), when it has had one: no turn starts before it. */
  readonly pausedUntil?: number | undefined;
  readonly slotCount: number;
  slot(i: number): SlotRecord;
  places(i: number): readonly TokenRecord[];
  /**
   * What {@link slotFacts} finds in slot `i`'s places, when the queue keeps it (a store may find it
   * once per version of a slot's list); without it, it is found from the places when asked.
   */
  facts?(i: number): SlotFacts;
}

/**
 * What the estimates and the emergencies' turns read of a slot's places, found in one pass: how
 * many still wait, when the completed ones completed, the latest start of one in consultation,
 * and the checked-in ones. A day's estimate reads every slot's facts and only the places of the
 * slot it is asked about, so a store that keeps the facts spares it reading every place.
 */
export interface SlotFacts {
  /** Places still waiting for the doctor (not in consultation, not completed). */
  readonly waiting: number;
  /** When each `COMPLETED` place completed (its `updatedAt`), in no particular order. */
  readonly completions: readonly number[];
  /** The latest `updatedAt` of a place `IN_CONSULTATION`, if any. */
  readonly started: number | undefined;
  /** The `CHECKED_IN` places, in no particular order. */
  readonly checkedIn: readonly TokenRecord[];
}

/** The {@link SlotFacts} of a slot's places: the one rule every store that keeps them follows. */
export function slotFacts(places: readonly TokenRecord[]): SlotFacts {
  let waiting = 0;
  let completions: number[] | undefined;
  let started: number | undefined;
  let checkedIn: TokenRecord[] | undefined;
  for (let k = 0; k < places.length; k++) {
    const t = places[k]!;
    if (isWaiting(t)) {
      waiting++;
      if (t.status === 'CHECKED_IN') (checkedIn ??= []).push(t);
    } else if (t.status === 'COMPLETED') (completions ??= []).push(t.updatedAt);
    else started = started === undefined ? t.updatedAt : Math.max(started, t.updatedAt);
  }
  return { waiting, completions: completions ?? NONE_COMPLETED, started, checkedIn: checkedIn ?? NONE_CHECKED_IN };
}

const NONE_COMPLETED: readonly number[] = Object.freeze([]);
const NONE_CHECKED_IN: readonly TokenRecord[] = Object.freeze([]);

/** Slot `i`'s {@link SlotFacts}: kept by the queue, else found from its places. */
export function factsOf(day: DayQueue, i: number): SlotFacts {
  return day.facts === undefined ? slotFacts(day.places(i)) : day.facts(i);
}

/** A place of a slot in queue order: its token, its 1-based position and its estimated start. */
export interface QueuedPlace {
  readonly token: TokenRecord;
  readonly position: number;
  readonly estimate: Estimate;
}

/**
 * The order in which the day's checked-in places will be called (the scheduler's call order),
 * the first when the doctor is free at `freeAt`, one every `pace` milliseconds after.
 */
export type CallSequence = (freeAt: number, pace: number) => readonly TokenRecord[];

/** A waiting place's turn in the day: its estimated start and its 1-based turn among the day's waiting places. */
export interface Turn {
  readonly start: number;
  readonly turn: number;
}

/** Whether a place still waits for the doctor (not in consultation, not completed). */
export function isWaiting(token: TokenRecord): boolean {
  return token.status !== 'IN_CONSULTATION' && token.status !== 'COMPLETED';
}

/** The estimate of a waiting place whose turn comes at `at`: after its slot's end it is late. */
function waitingEstimate(at: number, slot: SlotRecord): Estimate {
  return { start: at, status: at >= slot.end ? 'AFTER_SLOT' : 'ON_TIME' };
}

/** Weight of the configured consultation time against the day's observed consultations. */
const PRIOR_WEIGHT = 2;
/** How many of the day's latest consultations the moving average looks at. */
const WINDOW = 10;
/** A gap between completions longer than this many consultation times is a break, not a consultation. */
const LONGEST_GAP = 3;

/**
 * The day's pace (ms per consultation): a moving average of the gaps between the day's last
 * completions (`sorted`: the {@link WINDOW} + 1 latest, in ascending order, as {@link keepLatest}
 * keeps them), with the configured consultation time counted as {@link PRIOR_WEIGHT} prior
 * observations; a gap longer than {@link LONGEST_GAP} consultation times counts as that long.
 */
function paceOf(sorted: readonly number[] | undefined, priorMs: number): number {
  // Fewer than two completions give no gap: the prior alone.
  if (sorted === undefined || sorted.length < 2) return priorMs;
  let sum = priorMs * PRIOR_WEIGHT;
  let n = PRIOR_WEIGHT;
  for (let k = Math.max(1, sorted.length - WINDOW); k < sorted.length; k++) {
    sum += Math.min(sorted[k]! - sorted[k - 1]!, LONGEST_GAP * priorMs);
    n++;
  }
  return sum / n;
}

/**
 * Adds `v` to `top`, the `n` largest values seen so far in ascending order (all of them while
 * there are no more): the day's estimates keep the latest completions slot by slot, without
 * gathering every completion of the day first.
 */
export function keepLatest(top: number[], v: number, n: number): void {
  if (top.length === n && v <= top[0]!) return;
  let k = top.length;
  if (k === n) {
    // The smallest kept goes: shift the others down until `v`'s place.
    k = 0;
    while (k + 1 < n && top[k + 1]! < v) {
      top[k] = top[k + 1]!;
      k++;
    }
  } else {
    while (k > 0 && top[k - 1]! > v) {
      top[k] = top[k - 1]!;
      k--;
    }
  }
  top[k] = v;
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
  /** When the doctor is free for the first waiting place of slot `i`, for the slots walked so far. */
  readonly #freeAt: number[];
  /** The queues of the slots asked for, by slot. */
  readonly #queues: (readonly QueuedPlace[] | undefined)[] = [];
  /** The call order, when the scheduler has one (or the places called before queue order). */
  readonly #sequence: CallSequence | undefined;
  /** Whether a slot's positions follow the turns (a call order) or stay in queue order. */
  readonly #positions: 'turns' | 'queue';
  /** Every waiting place's turn, once asked for. */
  #turns: Map<string, Turn> | undefined;

  /**
   * @param consultMinutes - the configured minutes per consultation (the prior)
   * @param sequence - the call order of the checked-in places, when the scheduler has one: they
   *   take their turns first, in that order, then the other waiting places slot by slot
   * @param positions - `'turns'` (with a call order): a slot's positions follow the turns;
   *   `'queue'`: the positions stay in queue order and only the estimates follow the turns (queue
   *   order with places called before it, the checked-in emergencies of later slots)
   */
  constructor(day: DayQueue, now: number, consultMinutes: number, sequence?: CallSequence | undefined, positions: 'turns' | 'queue' = 'turns') {
    this.#day = day;
    this.#sequence = sequence;
    this.#positions = positions;
    // The day's latest completions (all that set the pace), kept as they are found.
    let completions: number[] | undefined;
    let started: number | undefined;
    // A day known to have no consultation yet has nothing to find: the places are not read.
    for (let i = 0, n = day.consultations === 0 ? 0 : day.slotCount; i < n; i++) {
      const facts = factsOf(day, i);
      const done = facts.completions;
      for (let k = 0; k < done.length; k++) keepLatest((completions ??= []), done[k]!, WINDOW + 1);
      if (facts.started !== undefined) started = Math.max(started ?? facts.started, facts.started);
    }
    this.#pace = paceOf(completions, consultMinutes * MINUTE);
    // A pause that has not ended delays the first turn to its end (and every later one with it).
    const free = started === undefined ? now : Math.max(now, started + this.#pace);
    this.#freeAt = [day.pausedUntil === undefined ? free : Math.max(free, day.pausedUntil)];
  }

  /** Minutes per consultation the day is running at. */
  get paceMinutes(): number {
    return this.#pace / MINUTE;
  }

  /**
   * Every waiting place's turn in the day: with a call order, the checked-in places first in the
   * order they will be called, one turn of the pace each from when the doctor is free, then the
   * others slot by slot (each slot no earlier than its start) in queue order; without one, slot by
   * slot in queue order, as {@link DayEstimates.queue} gives them.
   */
  turns(): ReadonlyMap<string, Turn> {
    if (this.#turns !== undefined) return this.#turns;
    const turns = new Map<string, Turn>();
    let at = this.#freeAt[0]!;
    let turn = 0;
    if (this.#sequence !== undefined) {
      for (const token of this.#sequence(at, this.#pace)) {
        turns.set(token.id, { start: at, turn: ++turn });
        at += this.#pace;
      }
    }
    for (let i = 0; i < this.#day.slotCount; i++) {
      at = Math.max(at, this.#day.slot(i).start);
      const places = [...this.#day.places(i)].sort(compareQueueOrder);
      for (const token of places) {
        if (!isWaiting(token) || turns.has(token.id)) continue;
        turns.set(token.id, { start: at, turn: ++turn });
        at += this.#pace;
      }
    }
    return (this.#turns = turns);
  }

  /** The places of slot `i` in queue order, with positions and estimates. */
  queue(i: number): readonly QueuedPlace[] {
    if (this.#sequence !== undefined) return this.#calledQueue(i, this.#positions);
    // The slots before it only move the doctor's next free time: walked without a queue.
    while (this.#freeAt.length <= i) this.#freeAt.push(this.#walk(this.#freeAt.length - 1, undefined));
    let queue = this.#queues[i];
    if (queue === undefined) {
      const out: QueuedPlace[] = [];
      this.#walk(i, out);
      this.#queues[i] = queue = out;
    }
    return queue;
  }

  /**
   * The place of `token` in slot `i` (position and estimate), or `undefined` when it is not one.
   * A place of a slot whose queue is not built yet is counted, not sorted: its position is one
   * more than the places ahead of it in queue order; a waiting place's estimate takes one turn for
   * each waiting place among them, and a place seen or in consultation has the estimate of its own
   * times (the slots before it are not walked), as {@link DayEstimates.queue} would give them.
   */
  of(i: number, token: TokenRecord): Pick<QueuedPlace, 'position' | 'estimate'> | undefined {
    if (this.#queues[i] === undefined && this.#sequence === undefined) {
      const places = this.#day.places(i);
      const stored = places.find((t) => t.id === token.id);
      if (stored === undefined) return undefined;
      const waiting = isWaiting(stored);
      if (waiting) while (this.#freeAt.length <= i) this.#freeAt.push(this.#walk(this.#freeAt.length - 1, undefined));
      let position = 1;
      let waitingAhead = 0;
      for (let k = 0; k < places.length; k++) {
        const other = places[k]!;
        if (other !== stored && compareQueueOrder(other, stored) < 0) {
          position++;
          if (isWaiting(other)) waitingAhead++;
        }
      }
      return { position, estimate: waiting ? this.#turn(i, waitingAhead) : this.#seen(stored) };
    }
    const place = this.queue(i).find((q) => q.token.id === token.id);
    return place === undefined ? undefined : { position: place.position, estimate: place.estimate };
  }

  /** The estimate of a place no longer waiting: in consultation since it started, or completed a turn of the pace before it ended. */
  #seen(token: TokenRecord): Estimate {
    return token.status === 'IN_CONSULTATION'
      ? { start: token.updatedAt, status: 'IN_CONSULTATION' }
      : { start: token.updatedAt - this.#pace, status: 'COMPLETED' };
  }

  /**
   * Slot `i`'s queue under a call order: the places seen or in consultation first (queue order),
   * then the waiting ones in the order of their turns (see {@link DayEstimates.turns}); with
   * `positions` `'queue'`, every place in queue order, each with the estimate of its turn.
   */
  #calledQueue(i: number, positions: 'turns' | 'queue'): readonly QueuedPlace[] {
    let queue = this.#queues[i];
    if (queue !== undefined) return queue;
    const turns = this.turns();
    const slot = this.#day.slot(i);
    const turnOf = (t: TokenRecord): number => turns.get(t.id)?.turn ?? 0;
    const places = [...this.#day.places(i)].sort(positions === 'queue' ? compareQueueOrder : (a, b) => turnOf(a) - turnOf(b) || compareQueueOrder(a, b));
    queue = places.map((token, k): QueuedPlace => {
      const turn = turns.get(token.id);
      const estimate: Estimate = turn !== undefined ? waitingEstimate(turn.start, slot) : this.#seen(token);
      return { token, position: k + 1, estimate };
    });
    this.#queues[i] = queue;
    return queue;
  }

  /** The estimate of a waiting place of slot `i` after `ahead` waiting places, one turn of the pace each. */
  #turn(i: number, ahead: number): Estimate {
    const slot = this.#day.slot(i);
    let at = Math.max(this.#freeAt[i]!, slot.start);
    for (let k = 0; k < ahead; k++) at += this.#pace;
    return waitingEstimate(at, slot);
  }

  /**
   * The estimate of slot `i`: its waiting places take a turn of the day's pace each, in queue
   * order, from when the doctor is free (`#freeAt[i]`) or the slot starts, whichever is later;
   * a place in consultation started when it did, a completed one a turn before it ended. Fills
   * `out` with the queue when given (the order matters only for it); returns when the doctor is
   * next free after the slot's places.
   */
  #walk(i: number, out: QueuedPlace[] | undefined): number {
    const slot = this.#day.slot(i);
    let at = Math.max(this.#freeAt[i]!, slot.start);
    if (out === undefined) {
      // Only when the doctor is next free: each waiting place takes a turn, in whatever order. No
      // consultation begun: every place waits, none needs reading; else the slot's facts count them.
      const waiting = this.#day.consultations === 0 ? this.#day.places(i).length : factsOf(this.#day, i).waiting;
      for (let k = 0; k < waiting; k++) at += this.#pace;
      return at;
    }
    const listed = this.#day.places(i);
    const places = listed.length < 2 ? listed : [...listed].sort(compareQueueOrder);
    for (let k = 0; k < places.length; k++) {
      const token = places[k]!;
      const waiting = isWaiting(token);
      out.push({ token, position: k + 1, estimate: waiting ? waitingEstimate(at, slot) : this.#seen(token) });
      if (waiting) at += this.#pace;
    }
    // Slots never overlap: waiting for this slot's start never delays a later slot.
    return at;
  }
}

/**
 * {@link DayQueue} over slots with their places (lists it reads, never changes): each slot's facts
 * are the ones kept with it, else found once.
 */
export function dayQueueOf(
  slots: readonly { readonly slot: SlotRecord; readonly places: readonly TokenRecord[]; readonly facts?: SlotFacts | undefined }[],
  pausedUntil?: number,
): DayQueue {
  const found: (SlotFacts | undefined)[] = [];
  return {
    slotCount: slots.length,
    slot: (i) => slots[i]!.slot,
    places: (i) => slots[i]!.places,
    facts: (i) => (found[i] ??= slots[i]!.facts ?? slotFacts(slots[i]!.places)),
    ...(pausedUntil === undefined ? {} : { pausedUntil }),
  };
}
