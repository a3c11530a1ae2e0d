/**
 * The fairness ledger of a day's calls: waits per category, skips, and the longest run of
 * better-ranked patients passing one patient. Pure: computed from stored records and events.
 */
import type { OpdEvent } from '../events.js';
import { dueAt } from '../model/queue.js';
import type { SlotRecord, TokenRecord } from '../model/records.js';
import { MINUTE } from '../time.js';
import type { CategoryFairness } from './types.js';

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
    for (const c of calls) {
      const tally = this.#tally(c);
      // Called before due (an early start): no wait.
      tally.waits.push(Math.max(0, c.calledAt - c.due) / MINUTE);
    }
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
    // Seen by the doctor: called, or, where the desk does not call, the consultation started.
    if (!((e.type === 'token:called' && !e.recall) || e.type === 'token:consultation-started') || seen.has(e.tokenId)) continue;
    const token = byId.get(e.tokenId);
    if (token === undefined) continue;
    seen.add(e.tokenId);
    const due = Math.max(dueAt(token, dayStart), starts.get(e.slotId) ?? Number.NEGATIVE_INFINITY);
    calls.push({ category: token.category, rank: token.rank, due, calledAt: e.at.getTime() });
  }
  return calls;
}

/** The nearest-rank percentile `p` of sorted values, or `null` for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}
