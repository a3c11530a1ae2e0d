/**
 * Quotas: whether the quota strategy lets a token take a place in a slot. The one place the
 * core asks it; booking, the next-slot option, bumps, cascades and promotions all go through
 * {@link quotaAdmits}. Emergencies (tokens the overflow strategy protects) never ask.
 */
import type { TokenRecord } from '../model/records.js';
import { toSlot } from '../model/convert.js';
import { callPlugin } from './config.js';
import type { DayWork, Workspace } from './workspace.js';

/**
 * What the quota needs of a token: its channel and rank, and its id when it already holds a
 * place it is leaving (a displaced token), so that it is not counted against itself.
 */
export type QuotaRequest = Pick<TokenRecord, 'category' | 'rank'> & { readonly id?: string | undefined };

/**
 * Whether the quota admits `token` to one more place in slot `i` (always, without a quota).
 * With `without`, the counts leave that token out: the request would take its place (a bump).
 * The caller must not ask for a protected token: emergencies are never subject to a quota.
 */
export function quotaAdmits(ws: Workspace, work: DayWork, i: number, token: QuotaRequest, without?: TokenRecord): boolean {
  const quota = ws.config.quota;
  if (quota === undefined) return true;
  const places = work.places(i);
  const self = token.id;
  const counted = (t: TokenRecord): boolean => t !== without && t.id !== self;
  const placesOf = (category: string): number => {
    let n = 0;
    for (const t of places) if (t.category === category && counted(t)) n++;
    return n;
  };
  const dayPlacesOf = (category: string): number => {
    let n = 0;
    for (let j = 0, count = work.slotCount; j < count; j++) {
      for (const t of work.places(j)) if (t.category === category && counted(t)) n++;
    }
    return n;
  };
  let occupancy = 0;
  for (const t of places) if (counted(t)) occupancy++;
  const admitted = callPlugin('quota strategy', quota.name, () =>
    quota.admits({ slot: toSlot(work.slot(i)), category: token.category, rank: token.rank, occupancy, placesOf, dayPlacesOf, now: ws.nowDate }),
  );
  return admitted === true;
}

/** Whether slot `i` has a free place the quota admits `token` to. */
export function hasFreePlaceFor(ws: Workspace, work: DayWork, i: number, token: QuotaRequest): boolean {
  return work.occupancy(i) < work.slot(i).capacity && quotaAdmits(ws, work, i, token);
}
