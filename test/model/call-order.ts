/**
 * Whom `callNext` calls, in the reference model (DESIGN §10 "The live queue, fair and explained"):
 * a part of the model kept in a file of its own.
 */
import { type MToken, type Model, PLACE } from './reference.js';

/**
 * The patient `callNext` calls now; nobody: `null`. In every call order, an emergency checked in
 * first (the first, slot by slot in queue order). Without a call order, else the first `CHECKED_IN`
 * place, slot by slot in time order, in queue order. With one, of the same places: a patient
 * already called and not yet seen (the first called); else anyone
 * waiting more than `maxWaitMinutes` (the longest wait); else the highest rate × minutes waited,
 * among the least urgent only when the last `interleaveEvery` calls (emergencies aside) were all
 * of more urgent patients and the highest is one of them. Ties: the first in queue order.
 * Changes nothing.
 */
export function nextToCall(model: Model): MToken | null {
  const waiting = model.slots().flatMap((slot) =>
    model
      .places(slot.id)
      .filter((t) => t.status === 'CHECKED_IN')
      .map((t) => ({ t, due: Math.max(t.requestedAt, slot.start) })),
  );
  if (waiting.length === 0) return null;
  // In every call order, an emergency first (from any slot).
  const emergency = waiting.find((w) => w.t.category === 'EMERGENCY');
  if (emergency !== undefined) return emergency.t;
  const order = model.callOrder;
  if (order === null) return waiting[0]!.t;
  const again = waiting.filter((w) => w.t.callIndex !== null).sort((a, b) => a.t.callIndex! - b.t.callIndex!);
  if (again.length > 0) return again[0]!.t;
  const minutes = (w: { due: number }): number => Math.max(0, model.now - w.due) / 60_000;
  // The first of `among` with the most of `score` (a later one must beat it, not tie).
  const most = (among: typeof waiting, score: (w: (typeof waiting)[number]) => number): MToken =>
    among.reduce((best, w) => (score(w) > score(best) ? w : best)).t;
  if (order.maxWaitMinutes !== null) {
    const over = waiting.filter((w) => minutes(w) > order.maxWaitMinutes!);
    if (over.length > 0) return most(over, minutes);
  }
  const priority = (w: (typeof waiting)[number]): number => (order.rates[w.t.category] ?? 1) * minutes(w);
  const top = most(waiting, priority);
  if (order.interleaveEvery !== null) {
    const least = Math.max(...waiting.map((w) => w.t.rank));
    // The day's first calls of patients still holding their place, in call order, emergencies aside.
    const calls = model.state.tokens
      .filter((t) => t.callIndex !== null && PLACE.includes(t.status) && t.category !== 'EMERGENCY')
      .sort((a, b) => a.callIndex! - b.callIndex!);
    const lastLeast = calls.map((t) => t.rank >= least).lastIndexOf(true);
    const run = calls.length - 1 - lastLeast;
    if (top.rank < least && run >= order.interleaveEvery)
      return most(
        waiting.filter((w) => w.t.rank === least),
        priority,
      );
  }
  return top;
}
