/**
 * Series of visits (antenatal care, dialysis, chemotherapy day care): while the patient decides,
 * the proposed place of each occurrence is held by a claim of kind `series` (one per occurrence,
 * grouped by the series' id, all ending at the same time), counted taken like a place held for an
 * offer; an emergency takes it back (the kind yields), a lowered capacity or a closed slot ends
 * it, its end frees it. A commit converts each occurrence's claim into its token through the one
 * booking road (`BookCommand.heldBy`). The series' record — what the commit gave each occurrence,
 * for a retry to be answered as the first time — is one more claim of the kind, holding no place,
 * kept ended on the first occurrence's day.
 */
import type { ClaimRecord, TokenRecord } from '../model/records.js';
import { isPlaceStatus } from '../model/status.js';
import { type ClaimDay, type ClaimEndReason, type ClaimKind, type ClaimUnit, endedClaim, putClaim } from './claim-kinds.js';
import { protectionOf } from './protection.js';
import type { DayWork, Workspace } from './workspace.js';

/** The name of the series kind of claim. */
export const SERIES = 'series';

/** Whether `claim` is of a series. */
export function isSeriesClaim(claim: Pick<ClaimRecord, 'kind'>): boolean {
  return claim.kind === SERIES;
}

/** The id of the claim holding occurrence `occurrence` (from 1) of series `seriesId`. */
export function occurrenceClaimId(seriesId: string, occurrence: number): string {
  return `${seriesId}#${occurrence}`;
}

/** The claim holding occurrence `occurrence` of `seriesId` in `slotId` from `now` until `until`. */
export function occurrenceClaim(seriesId: string, occurrence: number, slotId: string, until: number, actor: string | null, fingerprint: string): ClaimRecord {
  return Object.freeze({
    id: occurrenceClaimId(seriesId, occurrence),
    kind: SERIES,
    slotId,
    places: 1,
    used: 0,
    state: 'ACTIVE',
    endsAt: until,
    dueAt: until,
    actor,
    group: seriesId,
    detail: Object.freeze({ occurrence, fingerprint }),
  });
}

/** What a committed series' record keeps of each occurrence. */
export interface SeriesOutcome {
  readonly occurrence: number;
  readonly date: string;
  readonly tokenId: string | null;
  readonly reason: string | null;
}

/** The record of a committed series (no place held, kept ended): the request's fingerprint and each occurrence's outcome. */
export function seriesRecord(
  seriesId: string,
  now: number,
  actor: string | null,
  fingerprint: string,
  mode: string,
  outcomes: readonly SeriesOutcome[],
): ClaimRecord {
  return Object.freeze({
    id: seriesId,
    kind: SERIES,
    slotId: '',
    places: 0,
    used: 0,
    state: 'CONVERTED',
    endsAt: now,
    dueAt: null,
    actor,
    group: seriesId,
    detail: Object.freeze({ fingerprint, mode, outcomes: Object.freeze(outcomes.map((o) => Object.freeze({ ...o }))) }),
  });
}

/** The outcomes a series' record keeps. */
export function recordedOutcomes(record: ClaimRecord): SeriesOutcome[] {
  const list = record.detail?.['outcomes'];
  if (!Array.isArray(list)) return [];
  return list.map((o: Record<string, unknown>) => ({
    occurrence: typeof o['occurrence'] === 'number' ? o['occurrence'] : 0,
    date: typeof o['date'] === 'string' ? o['date'] : '',
    tokenId: typeof o['tokenId'] === 'string' ? o['tokenId'] : null,
    reason: typeof o['reason'] === 'string' ? o['reason'] : null,
  }));
}

/** The fingerprint a series' claim was made under. */
export function fingerprintOf(claim: ClaimRecord): string {
  const f = claim.detail?.['fingerprint'];
  return typeof f === 'string' ? f : '';
}

/**
 * Ends a series' claim (`how`), giving back the place it held unused — to nobody when it is
 * withdrawn (the emergency or the lowered capacity that took it has it). Its record is not kept
 * (a series' record never ends).
 */
function endOccurrence(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord, how: 'expired' | 'released' | 'withdrawn'): boolean {
  const freed = how === 'withdrawn' ? 0 : Math.max(0, claim.places - claim.used);
  putClaim(work, endedClaim(claim, how, how === 'expired' ? (claim.endsAt ?? ws.now) : ws.now), true);
  if (freed > 0) work.noteFreed(claim.slotId, freed);
  return freed > 0;
}

/**
 * An occurrence's place held while the patient decides (kind `series`): a claim without a token,
 * counted taken; it yields to an emergency and to a lowered capacity (withdrawn), its slot's
 * closing releases it, its end expires it, a commit converts it. Once ended it is dropped from the
 * day's list; the series' record (no place) stays.
 */
export const SERIES_KIND: ClaimKind = Object.freeze({
  name: SERIES,
  yields: true,
  endsWithSlot: true,
  shownAs: 'claimed',
  due(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord): boolean {
    return endOccurrence(ws, work, claim, 'expired');
  },
  end(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord, why: ClaimEndReason) {
    const how = why === 'emergency' || why === 'capacity-lowered' ? ('withdrawn' as const) : ('released' as const);
    endOccurrence(ws, work, claim, how);
    return how;
  },
  convert(_ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord): void {
    // Its token holds the place from now on: the claim is not kept.
    putClaim(work, claim, true);
  },
  follow(ws: Workspace, work: DayWork, previous: TokenRecord | undefined, next: TokenRecord): void {
    emergencyTakesHeld(ws, work, previous, next);
  },
});

/**
 * The emergency rule counts a place a series holds as free for a protected token (the kind
 * yields): when one lands in slot `next.slotId` and the slot's places and claims then exceed its
 * capacity, the series' latest claim there is withdrawn (`emergency`) — a series never keeps an
 * emergency from a place. Called, through the claim rules (`claims.ts`), by every rule that places
 * a token.
 */
function emergencyTakesHeld(ws: Workspace, work: DayWork, previous: TokenRecord | undefined, next: TokenRecord): void {
  if (!isPlaceStatus(next.status) || next.slotId === null) return;
  if (previous !== undefined && isPlaceStatus(previous.status) && previous.slotId === next.slotId) return;
  const i = work.indexOf(next.slotId);
  if (i < 0 || work.occupancy(i) <= work.slot(i).capacity || protectionOf(ws, next) === null) return;
  const slotId = next.slotId;
  const latest = work.claims.findLast((c) => c.slotId === slotId && isSeriesClaim(c) && c.state === 'ACTIVE' && c.places > c.used);
  if (latest !== undefined) SERIES_KIND.end(ws, work, latest, 'emergency', next.id);
}
