/**
 * Quotas: whether the quota strategy lets a token take a place in a slot. The one place the
 * core asks it; booking, the next-slot option, bumps, cascades and promotions all go through
 * {@link quotaAdmits}. Emergencies (tokens the overflow strategy protects) never ask.
 */
import type { TokenRecord } from '../model/records.js';
import type { QuotaContext } from '../policies/quota.js';
import { badAnswer, pluginAnswer, pluginFailure } from './config.js';
import type { DayWork, Workspace } from './workspace.js';
import { hasFreePlace } from './slot-choice.js';

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
  const counts = new SlotCounts(work, i, token.id, without);
  let admitted: unknown;
  try {
    admitted = quota.admits({
      slot: work.slotView(i),
      category: token.category,
      rank: token.rank,
      occupancy: counts.occupancy,
      placesOf: (category: string): number => counts.placesOf(category),
      dayPlacesOf: (category: string): number => counts.dayPlacesOf(category),
      now: ws.nowDate,
    });
  } catch (error) {
    throw pluginFailure('quota strategy', quota.name, error);
  }
  if (typeof admitted === 'boolean') return admitted;
  pluginAnswer('quota strategy', quota.name, admitted);
  throw badAnswer('quota strategy', quota.name, '`true` or `false` from `admits`');
}

/**
 * The places of slot `i` of a day and of the whole day, counted on demand, leaving out the
 * requesting token (`self`) and the token it would replace (`without`). The slot's occupancy is
 * counted at once; a category's places when asked.
 */
class SlotCounts implements Pick<QuotaContext, 'occupancy' | 'placesOf' | 'dayPlacesOf'> {
  readonly occupancy: number;
  readonly #work: DayWork;
  readonly #i: number;
  readonly #self: string | undefined;
  readonly #without: TokenRecord | undefined;

  constructor(work: DayWork, i: number, self: string | undefined, without: TokenRecord | undefined) {
    this.#work = work;
    this.#i = i;
    this.#self = self;
    this.#without = without;
    const places = work.places(i);
    let occupancy = places.length;
    // A new request (no id) and no bump: every place counts, without reading any.
    if (self !== undefined || without !== undefined) for (const t of places) if (!this.#counted(t)) occupancy--;
    // A place held for an offer is taken for the quota as for capacity.
    this.occupancy = occupancy + work.tokenlessClaims(i);
  }

  #counted(t: TokenRecord): boolean {
    return t !== this.#without && (this.#self === undefined || t.id !== this.#self);
  }

  placesOf(category: string): number {
    return this.#count(this.#work.places(this.#i), category);
  }

  dayPlacesOf(category: string): number {
    let n = 0;
    for (let j = 0, count = this.#work.slotCount; j < count; j++) n += this.#count(this.#work.places(j), category);
    return n;
  }

  #count(places: readonly TokenRecord[], category: string): number {
    let n = 0;
    for (const t of places) if (t.category === category && this.#counted(t)) n++;
    return n;
  }
}

/** Whether slot `i` has a free place the quota admits `token` to. */
export function hasFreePlaceFor(ws: Workspace, work: DayWork, i: number, token: QuotaRequest): boolean {
  return hasFreePlace(work, i) && quotaAdmits(ws, work, i, token);
}
