/**
 * Queue order and the estimated start that follows from it: the one place both are defined.
 */
import { MINUTE } from '../time.js';
import type { TokenRecord } from './records.js';

/**
 * Queue order: rank, then request time, then token number. Places in a slot and waitlists are
 * both ordered by it.
 */
export function compareQueueOrder(a: TokenRecord, b: TokenRecord): number {
  return a.rank - b.rank || a.requestedAt - b.requestedAt || a.tokenNumber - b.tokenNumber;
}

/** 1-based position of `token` among `places` in queue order. */
export function positionIn(places: readonly TokenRecord[], token: TokenRecord): number {
  let before = 0;
  for (const other of places) if (other !== token && compareQueueOrder(other, token) < 0) before++;
  return before + 1;
}

/**
 * When the patient at 1-based `position` of a slot starting at `slotStart` is expected to be
 * seen: one consultation per place ahead of it (epoch ms).
 */
export function estimatedStart(slotStart: number, position: number, consultMinutes: number): number {
  return slotStart + (position - 1) * consultMinutes * MINUTE;
}
