/**
 * The in-memory store's index of the tokens waiting at each service point: per day and point, the
 * checked-in tokens whose journey's `point` is that point. Kept in step with every write (a token's
 * journey changes only in a unit), so that a call at a point reads its queue, not the day of every
 * doctor it serves.
 */
import type { SlotRecord, TokenRecord } from '../../model/records.js';
import type { SlotState } from '../../model/snapshot.js';
import { compareSlotsInTime } from '../../model/queue.js';

/** The point a token waits at, or `undefined` (not checked in, or with no point of its own). */
function waitingAt(token: TokenRecord): string | undefined {
  return token.status === 'CHECKED_IN' ? token.journey?.point : undefined;
}

/** Day → point → token id → the token as stored. */
export class TokensAtPoints {
  readonly #days = new Map<string, Map<string, Map<string, TokenRecord>>>();

  /** Follows a token's write: `previous` is its stored version before (`undefined` for a new token). */
  update(previous: TokenRecord | undefined, next: TokenRecord): void {
    const before = previous === undefined ? undefined : waitingAt(previous);
    const after = waitingAt(next);
    if (before === undefined && after === undefined) return;
    if (before !== undefined && before !== after) this.#remove(previous!.day, before, previous!.id);
    if (after !== undefined) {
      let points = this.#days.get(next.day);
      if (points === undefined) this.#days.set(next.day, (points = new Map()));
      let tokens = points.get(after);
      if (tokens === undefined) points.set(after, (tokens = new Map()));
      tokens.set(next.id, next);
    }
  }

  #remove(day: string, point: string, id: string): void {
    const points = this.#days.get(day);
    const tokens = points?.get(point);
    if (tokens === undefined) return;
    tokens.delete(id);
    if (tokens.size === 0) points!.delete(point);
    if (points!.size === 0) this.#days.delete(day);
  }

  /**
   * The queue of `point` on `day`, of the doctors `doctors` admits: each slot holding one of its
   * tokens (found by `slotOf`), in time order then by slot id, with only those tokens as places.
   */
  queue(point: string, day: string, doctors: (doctorId: string) => boolean, slotOf: (slotId: string) => SlotRecord | undefined): SlotState[] {
    const tokens = this.#days.get(day)?.get(point);
    if (tokens === undefined) return [];
    const bySlot = new Map<string, { slot: SlotRecord; places: TokenRecord[] }>();
    for (const token of tokens.values()) {
      if (token.slotId === null || !doctors(token.doctorId)) continue;
      let entry = bySlot.get(token.slotId);
      if (entry === undefined) {
        const slot = slotOf(token.slotId);
        if (slot === undefined) continue;
        bySlot.set(token.slotId, (entry = { slot, places: [] }));
      }
      entry.places.push(token);
    }
    return [...bySlot.values()].sort(compareSlotsInTime);
  }

  /** Every indexed token, for audits (`MemoryStorage.dump`): `[day, point, token ids]`. */
  dump(): [string, string, string[]][] {
    const out: [string, string, string[]][] = [];
    for (const [day, points] of this.#days) for (const [point, tokens] of points) out.push([day, point, [...tokens.keys()]]);
    return out;
  }
}
