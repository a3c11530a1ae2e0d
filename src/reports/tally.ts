/** The figures of one group of a report, gathered token by token and slot by slot. */
import { nearestRank } from '../explain/fairness.js';
import { MINUTE } from '../time.js';
import type { MinutesSummary, ReportRow } from './types.js';

/** What one token adds to the groups it falls in, as the report's fold found it. */
export interface TokenFacts {
  readonly requested: boolean;
  readonly booked: boolean;
  readonly ending: 'attended' | 'no-show' | 'by-patient' | 'by-hospital' | 'dropped' | 'moved' | 'carried' | null;
  readonly category: string;
  readonly elastic: boolean;
  /** Whether the request was a repeat patient's; `null` when not counted. */
  readonly repeat: boolean | null;
  /** The waits and times, in whole milliseconds (`null`: none). */
  readonly dueToCall: number | null;
  readonly checkInToCall: number | null;
  readonly checkInToConsultation: number | null;
  readonly leadTime: number | null;
  readonly emergencyToDoctor: number | null;
}

/** The most durations a group keeps exactly, to the millisecond; past them, it counts them more coarsely. */
export const MAX_EXACT_DURATIONS = 16_384;

/** The coarser resolutions a group falls back to, in milliseconds: a second, then a minute. */
const RESOLUTIONS = [1000, 60_000] as const;

/** Coarse counts are kept in blocks of this many consecutive units (a power of two). */
const BLOCK_BITS = 8;
const BLOCK = 1 << BLOCK_BITS;
/** The most blocks a group keeps by the second: as many seconds as it keeps exact values. */
const MAX_SECOND_BLOCKS = MAX_EXACT_DURATIONS / BLOCK;

/**
 * Durations of a group, in whole milliseconds. Up to {@link MAX_EXACT_DURATIONS} of them are kept
 * as they are, so the percentiles are exact (the nearest rank `fairness()` uses, in minutes as it
 * gives them). Past that, they are counted by the second (rounded down), in blocks of 256
 * consecutive seconds; once they spread over more than {@link MAX_EXACT_DURATIONS} seconds' worth
 * of blocks, by the minute: the percentiles are exact to that resolution, and memory is bounded
 * whatever the number of patients (a count per unit of the range the durations span, not one
 * per patient).
 */
export class Durations {
  #values: Float64Array | null = new Float64Array(16);
  #count = 0;
  /** Counts by whole units of {@link Durations.#resolution}, once the values overflowed: block number → the block's counts. */
  #blocks: Map<number, Uint32Array> | null = null;
  /** The block last counted into (durations of a group come in runs of near values). */
  #lastBlock = -1;
  #last: Uint32Array | null = null;
  #resolution = 1;

  add(value: number | null): void {
    if (value === null) return;
    if (this.#values !== null) {
      if (this.#count < MAX_EXACT_DURATIONS) {
        this.#room(1)[this.#count++] = value;
        return;
      }
      this.#coarsen(RESOLUTIONS[0]);
    }
    this.#count++;
    this.#addCoarse((value / this.#resolution) | 0, 1);
  }

  /** Forgets every duration, keeping the room made for exact ones. */
  clear(): void {
    this.#values ??= new Float64Array(16);
    this.#count = 0;
    this.#blocks = null;
    this.#last = null;
    this.#lastBlock = -1;
    this.#resolution = 1;
  }

  /** Adds every duration of `from` (as many adds of its values would, but for a coarser `from`, at its resolution). */
  addAll(from: Durations): void {
    const source = from.#values;
    if (source !== null) {
      const n = from.#count;
      // Counted coarsely here (each at this resolution), or past the exact ones' room: added one by one.
      if (this.#values === null || this.#count + n > MAX_EXACT_DURATIONS) {
        for (let i = 0; i < n; i++) this.add(source[i]!);
        return;
      }
      // Room for them all exactly: copied at once.
      this.#room(n).set(source.subarray(0, n), this.#count);
      this.#count += n;
      return;
    }
    if (from.#count === 0) return;
    // Counted coarsely in `from`: counted here at its resolution (or this one's, when coarser).
    if (this.#values !== null || this.#resolution < from.#resolution) this.#coarsen(Math.max(from.#resolution, this.#resolution));
    this.#count += this.#addBlocks(from.#blocks!, from.#resolution);
  }

  /** The exact values' array, grown (doubling, to {@link MAX_EXACT_DURATIONS} at most) to hold `n` more. */
  #room(n: number): Float64Array {
    const values = this.#values!;
    if (this.#count + n <= values.length) return values;
    const grown = new Float64Array(Math.min(MAX_EXACT_DURATIONS, Math.max(values.length * 2, this.#count + n)));
    grown.set(values.subarray(0, this.#count));
    return (this.#values = grown);
  }

  /** Counts here the counts of `blocks`, kept by units of `resolution`; answers how many they were. */
  #addBlocks(blocks: ReadonlyMap<number, Uint32Array>, resolution: number): number {
    let added = 0;
    for (const [b, block] of blocks) {
      for (let i = 0; i < BLOCK; i++) {
        const n = block[i]!;
        if (n === 0) continue;
        added += n;
        this.#addCoarse(((((b << BLOCK_BITS) + i) * resolution) / this.#resolution) | 0, n);
      }
    }
    return added;
  }

  /**
   * Counts `n` durations of `unit` (of this resolution). A new block by the second past
   * {@link MAX_SECOND_BLOCKS} makes every count one by the minute (the number of blocks grows
   * only here, so it is checked only here).
   */
  #addCoarse(unit: number, n: number): void {
    const b = unit >>> BLOCK_BITS;
    let block = this.#last;
    if (b !== this.#lastBlock || block === null) {
      const blocks = this.#blocks!;
      block = blocks.get(b) ?? null;
      if (block === null) {
        const resolution = this.#resolution;
        if (resolution < RESOLUTIONS[1] && blocks.size >= MAX_SECOND_BLOCKS) {
          this.#coarsen(RESOLUTIONS[1]);
          // The unit converted as #addBlocks converts every counted unit.
          this.#addCoarse(((unit * resolution) / this.#resolution) | 0, n);
          return;
        }
        blocks.set(b, (block = new Uint32Array(BLOCK)));
      }
      this.#lastBlock = b;
      this.#last = block;
    }
    block[unit & (BLOCK - 1)]! += n;
  }

  /**
   * Counts the durations kept so far by units of `resolution`. Each is counted at the resolution
   * of the moment: counting them may coarsen the blocks again, by the minute (see
   * {@link Durations.#addCoarse}).
   */
  #coarsen(resolution: number): void {
    const before = this.#blocks;
    const from = this.#resolution;
    const values = this.#values;
    this.#blocks = new Map();
    this.#last = null;
    this.#resolution = resolution;
    this.#values = null;
    if (values !== null) for (let i = 0; i < this.#count; i++) this.#addCoarse((values[i]! / this.#resolution) | 0, 1);
    if (before !== null) this.#addBlocks(before, from);
  }

  summary(): MinutesSummary {
    if (this.#count === 0) return { count: 0, p50: null, p95: null, max: null };
    if (this.#values !== null) {
      // Two order statistics and the largest: selected (linear time), not sorted.
      const n = this.#count;
      const values = this.#values.slice(0, n);
      const r50 = nearestRank(50, n) - 1;
      const r95 = nearestRank(95, n) - 1;
      select(values, r50, 0, n - 1);
      select(values, r95, r50, n - 1);
      let max = values[r95]!;
      for (let i = r95 + 1; i < n; i++) if (values[i]! > max) max = values[i]!;
      return { count: n, p50: values[r50]! / MINUTE, p95: values[r95]! / MINUTE, max: max / MINUTE };
    }
    const blocks = this.#blocks!;
    // A typed array sorts numbers in order without a comparator (block numbers are whole numbers).
    const order = Float64Array.from(blocks.keys()).sort();
    const minutes = (unit: number): number => (unit * this.#resolution) / MINUTE;
    let max = 0;
    const last = blocks.get(order[order.length - 1]!)!;
    for (let i = BLOCK - 1; i >= 0; i--) {
      if (last[i] !== 0) {
        max = order[order.length - 1]! * BLOCK + i;
        break;
      }
    }
    const at = (p: number): number => {
      // The nearest rank over the units as if each were repeated its count of times.
      const rank = nearestRank(p, this.#count);
      let seen = 0;
      for (const b of order) {
        const block = blocks.get(b)!;
        for (let i = 0; i < BLOCK; i++) {
          seen += block[i]!;
          if (seen >= rank) return minutes(b * BLOCK + i);
        }
      }
      return minutes(max);
    };
    return { count: this.#count, p50: at(50), p95: at(95), max: minutes(max) };
  }
}

/**
 * Puts the `k`-th smallest of `a[lo..hi]` at index `k`, the smaller ones before it and the larger
 * after (Hoare's selection, the middle of three as the pivot).
 */
export function select(a: Float64Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // The middle of a[lo], a[mid], a[hi] as the pivot, so that sorted runs cost no more than any.
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** One group's tally. */
export class RowTally {
  requested = 0;
  booked = 0;
  attended = 0;
  noShow = 0;
  cancelledByPatient = 0;
  cancelledByHospital = 0;
  dropped = 0;
  walkIns = 0;
  emergencies = 0;
  elasticBookings = 0;
  newPatients = 0;
  repeatPatients = 0;
  capacity = 0;
  places = 0;
  overflowUsed = 0;
  readonly #dueToCall = new Durations();
  readonly #checkInToCall = new Durations();
  readonly #checkInToConsultation = new Durations();
  readonly #leadTime = new Durations();
  readonly #emergencyToDoctor = new Durations();

  /**
   * @param key - the group's value
   * @param slots - whether the group holds slots (and so has capacity)
   */
  constructor(
    readonly key: string,
    readonly slots: boolean,
  ) {}

  /** Adds an open slot: its capacity and its places. */
  addSlot(capacity: number, places: number): void {
    this.capacity += capacity;
    this.places += places;
    this.overflowUsed += Math.max(0, places - capacity);
  }

  /** Adds a token. */
  addToken(f: TokenFacts): void {
    if (f.requested) {
      this.requested++;
      if (f.category === 'WALK_IN') this.walkIns++;
      if (f.category === 'EMERGENCY') this.emergencies++;
      if (f.repeat === true) this.repeatPatients++;
      else if (f.repeat === false) this.newPatients++;
    }
    if (f.booked && f.requested) this.booked++;
    if (f.elastic) this.elasticBookings++;
    switch (f.ending) {
      case 'attended':
        this.attended++;
        break;
      case 'no-show':
        this.noShow++;
        break;
      case 'by-patient':
        this.cancelledByPatient++;
        break;
      case 'by-hospital':
        this.cancelledByHospital++;
        break;
      case 'dropped':
        this.dropped++;
        break;
      default:
    }
    this.#dueToCall.add(f.dueToCall);
    this.#checkInToCall.add(f.checkInToCall);
    this.#checkInToConsultation.add(f.checkInToConsultation);
    this.#leadTime.add(f.leadTime);
    this.#emergencyToDoctor.add(f.emergencyToDoctor);
  }

  /** Adds everything `from` counted (its tokens, slots and durations). */
  merge(from: RowTally): void {
    this.requested += from.requested;
    this.booked += from.booked;
    this.attended += from.attended;
    this.noShow += from.noShow;
    this.cancelledByPatient += from.cancelledByPatient;
    this.cancelledByHospital += from.cancelledByHospital;
    this.dropped += from.dropped;
    this.walkIns += from.walkIns;
    this.emergencies += from.emergencies;
    this.elasticBookings += from.elasticBookings;
    this.newPatients += from.newPatients;
    this.repeatPatients += from.repeatPatients;
    this.capacity += from.capacity;
    this.places += from.places;
    this.overflowUsed += from.overflowUsed;
    this.#dueToCall.addAll(from.#dueToCall);
    this.#checkInToCall.addAll(from.#checkInToCall);
    this.#checkInToConsultation.addAll(from.#checkInToConsultation);
    this.#leadTime.addAll(from.#leadTime);
    this.#emergencyToDoctor.addAll(from.#emergencyToDoctor);
  }

  /** Forgets everything counted (a tally reused for one doctor-day after another). */
  clear(): void {
    this.requested = this.booked = this.attended = this.noShow = this.cancelledByPatient = this.cancelledByHospital = this.dropped = 0;
    this.walkIns = this.emergencies = this.elasticBookings = this.newPatients = this.repeatPatients = 0;
    this.capacity = this.places = this.overflowUsed = 0;
    this.#dueToCall.clear();
    this.#checkInToCall.clear();
    this.#checkInToConsultation.clear();
    this.#leadTime.clear();
    this.#emergencyToDoctor.clear();
  }

  /** The row. */
  row(patients: boolean): ReportRow {
    return {
      key: this.key,
      requested: this.requested,
      booked: this.booked,
      attended: this.attended,
      noShow: this.noShow,
      cancelledByPatient: this.cancelledByPatient,
      cancelledByHospital: this.cancelledByHospital,
      dropped: this.dropped,
      walkIns: this.walkIns,
      walkInShare: this.requested === 0 ? 0 : this.walkIns / this.requested,
      emergencies: this.emergencies,
      elasticBookings: this.elasticBookings,
      newPatients: patients ? this.newPatients : null,
      repeatPatients: patients ? this.repeatPatients : null,
      capacity: this.slots ? this.capacity : null,
      places: this.slots ? this.places : null,
      overflowUsed: this.slots ? this.overflowUsed : null,
      utilisation: this.slots ? (this.capacity === 0 ? 0 : this.places / this.capacity) : null,
      waits: { dueToCall: this.#dueToCall.summary(), checkInToCall: this.#checkInToCall.summary(), checkInToConsultation: this.#checkInToConsultation.summary() },
      leadTime: this.#leadTime.summary(),
      emergencyToDoctor: this.#emergencyToDoctor.summary(),
    };
  }
}
