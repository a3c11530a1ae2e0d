/**
 * `CalibratedElastic`: elastic places calibrated to a hospital's own no-shows. Each slot is
 * overbooked by the most extra places whose chance of more arrivals than places stays within a
 * risk, with arrivals binomial at the show rate the history records for the doctor, the category
 * and the lead time.
 */
import { invalid } from '../errors.js';
import type { CapacityStrategy, ElasticContext, ElasticNote, SlotCapacityContext } from '../policies/capacity.js';
import type { Slot } from '../types.js';
import { type HistoryInput, readHistory } from './history.js';

/** What a show rate is learnt by. */
export type CalibrationKey = 'doctor' | 'category' | 'lead';

/** Lead-time groups: booked on the day (less than 24 hours ahead), within a week, or earlier. */
export type LeadGroup = 'same-day' | 'week' | 'later';

/** Options of {@link CalibratedElastic.fromHistory}. */
export interface CalibratedElasticOptions {
  /** The largest chance, per slot, that more patients arrive than it has places: a number in (0, 1). */
  readonly risk: number;
  /**
   * Only tokens of the last this many days of the history (counted back from its latest day).
   * @defaultValue 90
   */
  readonly lookbackDays?: number | undefined;
  /**
   * What show rates are learnt by, most specific first; with too few tokens the lab falls back
   * to fewer keys (leaving out the lead time, then the doctor), then to every token.
   * @defaultValue `['doctor', 'category', 'lead']`
   */
  readonly by?: readonly CalibrationKey[] | undefined;
  /**
   * The fewest tokens a show rate is learnt from; below it, the next, wider group is used.
   * @defaultValue 30
   */
  readonly minSample?: number | undefined;
  /**
   * Categories whose elastic places are the slot's `overflowCapacity`, on top of any overbooking
   * and never used by it (emergencies).
   * @defaultValue `['EMERGENCY']`
   */
  readonly protectedCategories?: readonly string[] | undefined;
}

/** The show rate a request is overbooked at, and where it was learnt. */
export interface ShowRateEstimate {
  /** Patients who came ÷ patients who held a place, in the group; 1 when nothing was learnt. */
  readonly showRate: number;
  /** How many tokens it was learnt from. */
  readonly sample: number;
  /** The group it was learnt on, e.g. `doctor=d1 category=ONLINE lead=same-day`, `all`, or `none` (too few tokens anywhere: no overbooking). */
  readonly group: string;
}

/** A slot's overbooking for one category, as {@link CalibratedElastic.calibration} tells it. */
export interface SlotCalibration {
  /** The slot. */
  readonly slotId: string;
  /** The category asked about. */
  readonly category: string;
  /** The lead-time group of the slot at the time asked about. */
  readonly lead: LeadGroup;
  /** The show rate used. */
  readonly estimate: ShowRateEstimate;
  /** Places beyond the capacity the category may be booked into (for a protected category: its emergency places, on top of every overbooking). */
  readonly extras: number;
}

const DAY = 86_400_000;

/** The lead-time group of a booking `leadMs` before its slot starts. */
export function leadGroupOf(leadMs: number): LeadGroup {
  return leadMs < DAY ? 'same-day' : leadMs < 7 * DAY ? 'week' : 'later';
}

/**
 * The chance that more than `capacity` of `booked` patients arrive, each independently with
 * probability `showRate` (the upper tail of the binomial distribution).
 * @param booked - patients booked
 * @param capacity - places
 * @param showRate - the chance that one patient comes
 * @returns P(arrivals > capacity)
 */
export function overflowChance(booked: number, capacity: number, showRate: number): number {
  if (booked <= capacity) return 0;
  if (showRate >= 1) return 1;
  if (showRate <= 0) return 0;
  // P(X ≤ capacity) summed term by term in log space, then the rest.
  const lp = Math.log(showRate);
  const lq = Math.log1p(-showRate);
  let logTerm = booked * lq; // P(X = 0)
  let cdf = Math.exp(logTerm);
  for (let i = 1; i <= capacity; i++) {
    logTerm += Math.log((booked - i + 1) / i) + lp - lq;
    cdf += Math.exp(logTerm);
  }
  return Math.max(0, 1 - cdf);
}

/**
 * The most places beyond `capacity` that may be booked while the chance of more arrivals than
 * places stays ≤ `risk` (at most `10 × capacity + 10`).
 * @param capacity - the slot's places
 * @param showRate - the chance that one patient comes
 * @param risk - the largest chance of overflow allowed
 * @returns the extra places, ≥ 0
 */
export function overbookingExtras(capacity: number, showRate: number, risk: number): number {
  const most = 10 * capacity + 10;
  let k = 0;
  while (k < most && overflowChance(capacity + k + 1, capacity, showRate) <= risk) k++;
  return k;
}

interface Counts {
  shows: number;
  total: number;
}

const KEYS: readonly CalibrationKey[] = ['doctor', 'category', 'lead'];

/**
 * A capacity strategy that overbooks each slot by the most extra places whose chance of more
 * arrivals than places stays ≤ `risk`, arrivals binomial at the show rate the hospital's history
 * records for the slot's doctor, the request's category and its lead time (learnt with a minimum
 * sample, falling back to wider groups). Emergencies (`protectedCategories`) keep the slot's
 * `overflowCapacity` on top: overbooking never uses their places.
 *
 * @example
 * ```ts
 * import { OpdScheduler, presets } from 'opd-scheduler';
 * import { CalibratedElastic, exportHistory } from 'opd-scheduler/lab';
 *
 * declare const last: OpdScheduler; // last quarter's scheduler
 * const capacity = CalibratedElastic.fromHistory(await exportHistory(last), { risk: 0.05 });
 * const opd = new OpdScheduler({ ...presets.standard(), capacity });
 * ```
 */
export class CalibratedElastic implements CapacityStrategy {
  /** `calibrated(<risk>)`. */
  readonly name: string;
  readonly #risk: number;
  readonly #by: readonly CalibrationKey[];
  readonly #minSample: number;
  readonly #protected: ReadonlySet<string>;
  readonly #counts: ReadonlyMap<string, Counts>;
  readonly #categories: readonly string[];

  private constructor(
    risk: number,
    by: readonly CalibrationKey[],
    minSample: number,
    protectedCategories: readonly string[],
    counts: ReadonlyMap<string, Counts>,
    categories: readonly string[],
  ) {
    this.#risk = risk;
    this.#by = by;
    this.#minSample = minSample;
    this.#protected = new Set(protectedCategories);
    this.#counts = counts;
    this.#categories = categories;
    this.name = `calibrated(${risk})`;
  }

  /**
   * Learns show rates from a history: every token that held a place and either came (checked in,
   * or its consultation started) or was a no-show, within the last `lookbackDays` days.
   * @param history - the history (see `readHistory`)
   * @param options - see {@link CalibratedElasticOptions}
   * @returns the strategy
   * @throws OpdError `VALIDATION_FAILED` for a bad option (named) or a history that cannot be read
   */
  static fromHistory(history: HistoryInput, options: CalibratedElasticOptions): CalibratedElastic {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'Expected the options of `CalibratedElastic.fromHistory` to be an object');
    const { risk, lookbackDays = 90, by = KEYS, minSample = 30, protectedCategories = ['EMERGENCY'] } = options;
    if (typeof risk !== 'number' || !(risk > 0 && risk < 1)) throw invalid('risk', `Expected \`risk\` to be a number between 0 and 1, got ${String(risk)}`);
    if (typeof lookbackDays !== 'number' || !Number.isInteger(lookbackDays) || lookbackDays < 1)
      throw invalid('lookbackDays', `Expected \`lookbackDays\` to be a positive integer, got ${String(lookbackDays)}`);
    if (!Array.isArray(by) || by.some((k) => !KEYS.includes(k))) throw invalid('by', "Expected `by` to be a list of 'doctor', 'category' and 'lead'");
    if (typeof minSample !== 'number' || !Number.isInteger(minSample) || minSample < 1)
      throw invalid('minSample', `Expected \`minSample\` to be a positive integer, got ${String(minSample)}`);
    if (!Array.isArray(protectedCategories) || protectedCategories.some((c) => typeof c !== 'string'))
      throw invalid('protectedCategories', 'Expected `protectedCategories` to be a list of category names');
    const h = readHistory(history);
    const starts = new Map<string, number>();
    for (const s of h.slots) starts.set(s.id, s.start.getTime());
    interface Seen {
      doctorId: string;
      day: string;
      category: string;
      lead: LeadGroup | null;
      came: boolean | null;
    }
    const tokens = new Map<string, Seen>();
    let lastDay = '';
    for (const e of h.events) {
      if (!('tokenId' in e)) continue;
      if (e.day > lastDay) lastDay = e.day;
      let t = tokens.get(e.tokenId);
      if (t === undefined) {
        const category = 'category' in e ? e.category : e.type === 'token:waitlisted' && e.request != null ? e.request.category : undefined;
        if (category === undefined) continue;
        tokens.set(e.tokenId, (t = { doctorId: e.doctorId, day: e.day, category, lead: null, came: null }));
      }
      if (t.lead === null && 'slotId' in e && typeof e.slotId === 'string') {
        const start = starts.get(e.slotId);
        if (start !== undefined) t.lead = leadGroupOf(start - e.at.getTime());
      }
      if (e.type === 'token:checked-in' || e.type === 'token:consultation-started') t.came = true;
      else if (e.type === 'token:no-show') t.came = false;
      else if (e.type === 'token:reinstated') t.came = true;
    }
    const from = new Date(Date.parse(`${lastDay || '1970-01-01'}T00:00:00Z`) - (lookbackDays - 1) * DAY).toISOString().slice(0, 10);
    const counts = new Map<string, Counts>();
    const categories = new Set<string>();
    const levels = levelsOf(by);
    for (const t of tokens.values()) {
      if (t.came === null || t.day < from || protectedCategories.includes(t.category)) continue;
      categories.add(t.category);
      for (const level of levels) {
        const key = groupKey(level, t.doctorId, t.category, t.lead ?? 'same-day');
        let c = counts.get(key);
        if (c === undefined) counts.set(key, (c = { shows: 0, total: 0 }));
        c.total++;
        if (t.came) c.shows++;
      }
    }
    return new CalibratedElastic(risk, by, minSample, protectedCategories, counts, [...categories].sort());
  }

  /**
   * The show rate a request of `category` for a slot of `doctorId`, `leadMs` ahead, is
   * overbooked at: the most specific group with at least `minSample` tokens.
   * @param doctorId - the slot's doctor
   * @param category - the request's category
   * @param leadMs - how long before the slot's start the request is made
   * @returns the estimate
   */
  estimate(doctorId: string, category: string, leadMs: number): ShowRateEstimate {
    const lead = leadGroupOf(leadMs);
    let widest: Counts | undefined;
    for (const level of levelsOf(this.#by)) {
      const key = groupKey(level, doctorId, category, lead);
      const c = this.#counts.get(key);
      if (level.length === 0) widest = c;
      if (c !== undefined && c.total >= this.#minSample) return { showRate: c.shows / c.total, sample: c.total, group: key };
    }
    return { showRate: 1, sample: widest?.total ?? 0, group: 'none' };
  }

  /**
   * A slot's overbooking for a category at an instant: the show rate used, its sample and the
   * extra places (what a slot's view shows beside its places).
   * @param slot - the slot (`getSlot(id).slot`)
   * @param category - the request's category
   * @param now - the time of the request @defaultValue now
   * @returns the calibration
   */
  calibration(slot: Slot, category: string, now: Date = new Date()): SlotCalibration {
    const leadMs = slot.start.getTime() - now.getTime();
    const estimate = this.estimate(slot.doctorId, category, leadMs);
    return { slotId: slot.id, category, lead: leadGroupOf(leadMs), estimate, extras: this.#extras(slot, category, leadMs) };
  }

  /**
   * The slot's overbooking per category, for its view (`getSlot(id).elastic`): each category the
   * history taught a show rate for, then the protected ones. A note's `basis` holds `showRate`,
   * `sample`, `group` (where it was learnt), `fallback` (whether a wider group than the most
   * specific one was used, or none at all), `risk` and `lead`; a protected category's holds
   * `protected: true`, `overflowCapacity` and `risk`.
   * @param context - the slot and the time
   * @returns one note per category
   */
  describeSlot(context: SlotCapacityContext): readonly ElasticNote[] {
    const { slot, now } = context;
    const leadMs = slot.start.getTime() - now.getTime();
    const lead = leadGroupOf(leadMs);
    const notes: ElasticNote[] = [];
    const first = levelsOf(this.#by)[0]!;
    for (const category of this.#categories) {
      const estimate = this.estimate(slot.doctorId, category, leadMs);
      const fallback = estimate.group !== groupKey(first, slot.doctorId, category, lead);
      notes.push({
        category,
        extras: this.#extras(slot, category, leadMs),
        basis: { showRate: estimate.showRate, sample: estimate.sample, group: estimate.group, fallback, risk: this.#risk, lead },
      });
    }
    for (const category of this.#protected) {
      notes.push({
        category,
        extras: this.#extras(slot, category, leadMs),
        basis: { protected: true, overflowCapacity: slot.overflowCapacity, risk: this.#risk, lead },
      });
    }
    return notes;
  }

  /** @inheritDoc */
  elasticPlaces(context: ElasticContext): number {
    return this.#extras(context.slot, context.category, context.slot.start.getTime() - context.now.getTime());
  }

  #extras(slot: Slot, category: string, leadMs: number): number {
    if (this.#protected.has(category)) {
      // Emergencies keep their own places on top of the most any category may be overbooked by.
      let most = 0;
      for (const c of this.#categories) most = Math.max(most, this.#overbooking(slot, c, leadMs));
      return most + slot.overflowCapacity;
    }
    return this.#overbooking(slot, category, leadMs);
  }

  #overbooking(slot: Slot, category: string, leadMs: number): number {
    const { showRate } = this.estimate(slot.doctorId, category, leadMs);
    return overbookingExtras(slot.capacity, showRate, this.#risk);
  }
}

/** The groups a show rate is looked up in, most specific first: `by`, without the lead, without the doctor, then all. */
function levelsOf(by: readonly CalibrationKey[]): CalibrationKey[][] {
  const levels: CalibrationKey[][] = [[...by]];
  const add = (level: CalibrationKey[]): void => {
    if (!levels.some((l) => l.length === level.length && l.every((k, i) => k === level[i]))) levels.push(level);
  };
  add(by.filter((k) => k !== 'lead'));
  add(by.filter((k) => k === 'category'));
  add([]);
  return levels;
}

function groupKey(level: readonly CalibrationKey[], doctorId: string, category: string, lead: LeadGroup): string {
  if (level.length === 0) return 'all';
  return level.map((k) => (k === 'doctor' ? `doctor=${doctorId}` : k === 'category' ? `category=${category}` : `lead=${lead}`)).join(' ');
}
