/**
 * The fairness ledger of a day's calls: waits per category, skips, and the longest run of
 * better-ranked patients passing one patient; and the waits of each stage of the visits and the
 * whole visits. Pure: computed from stored records and events.
 */
import type { OpdEvent } from '../events.js';
import { dueAt } from '../model/queue.js';
import type { SlotRecord, TokenRecord } from '../model/records.js';
import { DOCTOR_KIND } from '../options/journeys.js';
import { MINUTE } from '../time.js';
import type { CategoryFairness, StageWaits, WaitSummary } from './types.js';

/** One patient called: when due, when first called, its rank and category. */
interface Call {
  readonly category: string;
  readonly rank: number;
  readonly due: number;
  readonly calledAt: number;
}

/** What one category gathered over the days read. */
interface Tally {
  readonly waits: number[];
  skips: number;
  longestPassRun: number;
  bestRank: number;
}

/** The fairness of the calls of several doctor-days, gathered one day at a time. */
export class FairnessLedger {
  readonly #tallies = new Map<string, Tally>();

  constructor(readonly dayStart: (day: string) => number) {}

  /**
   * Adds one doctor-day: its tokens, its slots and its stored events (the first `token:called` of
   * each token, not a recall, is when it was called; the start of its consultation when it was
   * never called).
   */
  add(tokens: readonly TokenRecord[], slots: readonly SlotRecord[], events: readonly OpdEvent[]): void {
    const calls = callsOf(tokens, slots, events, this.dayStart);
    for (const c of calls) this.#tally(c).waits.push(callWaitMinutes(c.due, c.calledAt));
    for (let i = 0; i < calls.length; i++) {
      const b = calls[i]!;
      const tally = this.#tally(b);
      let run = 0;
      for (let j = 0; j < i; j++) {
        const a = calls[j]!;
        // A skip: `a`, ranked the same as `b` or worse and due after it, was called before it.
        if (b.rank <= a.rank && b.due < a.due) tally.skips++;
        // A run: consecutive calls of better-ranked patients while `b` waited.
        if (a.calledAt < b.due) continue;
        run = a.rank < b.rank ? run + 1 : 0;
        if (run > tally.longestPassRun) tally.longestPassRun = run;
      }
    }
  }

  #tally(c: Call): Tally {
    let tally = this.#tallies.get(c.category);
    if (tally === undefined) {
      tally = { waits: [], skips: 0, longestPassRun: 0, bestRank: c.rank };
      this.#tallies.set(c.category, tally);
    }
    if (c.rank < tally.bestRank) tally.bestRank = c.rank;
    return tally;
  }

  /** Per category, by best rank then name. */
  result(): CategoryFairness[] {
    return [...this.#tallies.entries()]
      .sort(([a, x], [b, y]) => x.bestRank - y.bestRank || (a < b ? -1 : a > b ? 1 : 0))
      .map(([category, t]) => {
        const waits = [...t.waits].sort((x, y) => x - y);
        return {
          category,
          called: waits.length,
          waitP50: percentile(waits, 50),
          waitP95: percentile(waits, 95),
          waitMax: waits.length === 0 ? null : waits[waits.length - 1]!,
          skips: t.skips,
          longestPassRun: t.longestPassRun,
        };
      });
  }
}

/**
 * The calls of one doctor-day in the order they were made: each token's first `token:called`
 * (not a recall), or, for a token never called, the start of its consultation. A patient is due from the later of {@link dueAt} and the start of the slot it
 * was called in.
 */
function callsOf(tokens: readonly TokenRecord[], slots: readonly SlotRecord[], events: readonly OpdEvent[], dayStart: (day: string) => number): Call[] {
  const byId = new Map(tokens.map((t) => [t.id, t]));
  const starts = new Map(slots.map((s) => [s.id, s.start]));
  const seen = new Set<string>();
  const calls: Call[] = [];
  for (const e of events) {
    // Seen by the doctor: called (by a doctor, not at a service point), or, where the desk does not call, the consultation started.
    if (!((e.type === 'token:called' && !e.recall && e.servicePointId === undefined) || e.type === 'token:consultation-started') || seen.has(e.tokenId))
      continue;
    const token = byId.get(e.tokenId);
    if (token === undefined) continue;
    seen.add(e.tokenId);
    const due = callDueAt(token, starts.get(e.slotId), dayStart);
    calls.push({ category: token.category, rank: token.rank, due, calledAt: e.at.getTime() });
  }
  return calls;
}

/**
 * The rule "from when a called patient waited": the later of when the patient was due
 * ({@link dueAt}) and the start of the slot they were called in (`slotStart`, when known).
 * `opd-scheduler/reports` counts waits by it, so its figures agree with `fairness()`.
 */
export function callDueAt(token: Parameters<typeof dueAt>[0], slotStart: number | undefined, dayStart: (day: string) => number): number {
  return Math.max(dueAt(token, dayStart), slotStart ?? Number.NEGATIVE_INFINITY);
}

/** Milliseconds waited from `due` to the call at `calledAt`; a call before due (an early start) waited none. */
export function callWaitMs(due: number, calledAt: number): number {
  return Math.max(0, calledAt - due);
}

/** {@link callWaitMs} in minutes. */
export function callWaitMinutes(due: number, calledAt: number): number {
  return callWaitMs(due, calledAt) / MINUTE;
}

/** The nearest rank (1-based) of percentile `p` among `n` values (`n` > 0). */
export function nearestRank(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
}

/** The nearest-rank percentile `p` of sorted values, or `null` for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[nearestRank(p, sorted.length) - 1]!;
}

/** What the stage ledger must know of the facility: where a token's visit starts, and the kind of a service point. */
export interface StageNames {
  /** The kind of the first queue of a token's visit: its route's first stage, else `'doctor'`. */
  first(token: TokenRecord): string;
  /** The kind of service point `id` (`'lab'`). */
  kind(id: string): string;
}

/** The kind that names the doctor's queue. */
const DOCTOR = DOCTOR_KIND;

/** Where one patient waits now on their visit. */
interface Visit {
  readonly checkedInAt: number;
  /** The kind of the queue waited in, and when it was entered, or `null` once called there. */
  queue: { readonly kind: string; readonly round: number; readonly since: number } | null;
  /** Entries into each kind's queue so far. */
  readonly rounds: Map<string, number>;
  /** Queues entered so far. */
  entries: number;
}

/** The waits of one stage: its kind and round, where it came in visits (the sum of its places, 1 for a visit's first queue, over its entries), the waits of those called. */
interface StageTally {
  readonly kind: string;
  readonly round: number;
  places: number;
  entries: number;
  readonly waits: number[];
}

/**
 * The waits of each stage of the visits and of the whole visits, gathered one doctor-day at a
 * time from the stored events: a token's visit starts at its check-in in the queue of its first
 * stage; a `token:forwarded` leaves a queue for another; the first call in a queue ends the wait
 * there (a service point's `token:called` for its kind; the doctor's call, or the start of the
 * consultation, for the doctor); a `token:completed` ends the visit.
 */
export class StageLedger {
  readonly #stages = new Map<string, StageTally>();
  readonly #visits: number[] = [];

  constructor(readonly names: StageNames) {}

  /** Adds one doctor-day: its tokens and its stored events, in `seq` order. */
  add(tokens: readonly TokenRecord[], events: readonly OpdEvent[]): void {
    const byId = new Map(tokens.map((t) => [t.id, t]));
    const visits = new Map<string, Visit>();
    for (const e of events) {
      if (e.type === 'token:checked-in') {
        const token = byId.get(e.tokenId);
        if (token === undefined) continue;
        const visit: Visit = { checkedInAt: e.at.getTime(), queue: null, rounds: new Map(), entries: 0 };
        visits.set(e.tokenId, visit);
        this.#enter(visit, this.names.first(token), visit.checkedInAt);
        continue;
      }
      if (!('tokenId' in e)) continue;
      const visit = visits.get(e.tokenId);
      if (visit === undefined) continue;
      const at = e.at.getTime();
      if (e.type === 'token:forwarded') this.#enter(visit, e.to.kind, at);
      else if (e.type === 'token:called' && !e.recall) this.#called(visit, e.servicePointId === undefined ? DOCTOR : this.names.kind(e.servicePointId), at);
      else if (e.type === 'token:consultation-started') this.#called(visit, DOCTOR, at);
      else if (e.type === 'token:completed') {
        this.#visits.push((at - visit.checkedInAt) / MINUTE);
        visits.delete(e.tokenId);
      }
    }
  }

  #enter(visit: Visit, kind: string, at: number): void {
    const round = (visit.rounds.get(kind) ?? 0) + 1;
    visit.rounds.set(kind, round);
    visit.queue = { kind, round, since: at };
    visit.entries++;
    const key = `${kind}\u0000${round}`;
    let tally = this.#stages.get(key);
    if (tally === undefined) {
      tally = { kind, round, places: 0, entries: 0, waits: [] };
      this.#stages.set(key, tally);
    }
    tally.places += visit.entries;
    tally.entries++;
  }

  #called(visit: Visit, kind: string, at: number): void {
    const queue = visit.queue;
    // Called again, or by another queue than the one waited in (a desk's call before a forward): no wait ends.
    if (queue === null || queue.kind !== kind) return;
    visit.queue = null;
    this.#stages.get(`${kind}\u0000${queue.round}`)!.waits.push(Math.max(0, at - queue.since) / MINUTE);
  }

  /** Per stage, in the order visits reach them (by their mean place in the visits); and the whole visits. */
  result(): { readonly stages: StageWaits[]; readonly visits: WaitSummary } {
    const stages = [...this.#stages.values()]
      .sort((a, b) => a.places / a.entries - b.places / b.entries || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || a.round - b.round)
      .map((t) => Object.freeze({ kind: t.kind, round: t.round, waits: summarise(t.waits) }));
    return { stages, visits: summarise(this.#visits) };
  }
}

/** Count, mean, nearest-rank percentiles and longest of `values` (minutes). */
export function summarise(values: readonly number[]): WaitSummary {
  const sorted = [...values].sort((x, y) => x - y);
  const count = sorted.length;
  return Object.freeze({
    count,
    mean: count === 0 ? null : sorted.reduce((sum, v) => sum + v, 0) / count,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    max: count === 0 ? null : sorted[count - 1]!,
  });
}
