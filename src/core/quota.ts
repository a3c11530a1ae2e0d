/**
 * Quotas: whether the quota strategy lets a token take a place in a slot. The one place the
 * core asks it; booking, the next-slot option, bumps, cascades and promotions all go through
 * {@link quotaAdmits}. Emergencies (tokens the overflow strategy protects) never ask.
 */
import type { TokenRecord } from '../model/records.js';
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
  // A booking asks twice for its target (choosing it, then taking a place in it) with nothing
  // changed in between: the strategy is a pure function of its context, so its answer holds.
  const last = ws.lastQuota;
  if (last !== undefined && last.work === work && last.version === work.version && last.index === i && last.token === token && last.without === without) return last.admitted;
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
    quota.admits({ slot: work.slotView(i), category: token.category, rank: token.rank, occupancy, placesOf, dayPlacesOf, now: ws.nowDate }),
  );
  ws.lastQuota = { work, version: work.version, index: i, token, without, admitted: admitted === true };
  return admitted === true;
}

/** An answer of the quota strategy and what it was asked: a slot of a day at one version, a token. */
export interface QuotaAnswer {
  readonly work: DayWork;
  readonly version: number;
  readonly index: number;
  readonly token: QuotaRequest;
  readonly without: TokenRecord | undefined;
  readonly admitted: boolean;
}

/** Whether slot `i` has a free place the quota admits `token` to. */
export function hasFreePlaceFor(ws: Workspace, work: DayWork, i: number, token: QuotaRequest): boolean {
  return work.occupancy(i) < work.slot(i).capacity && quotaAdmits(ws, work, i, token);
}
