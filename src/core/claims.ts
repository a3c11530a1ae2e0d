/**
 * The claim mechanism: every kind of claim on places of a slot — a hold (`hold`, a FHIR `$hold`,
 * a UHI `init`) and a place held for an offer — is read as one {@link Claim}, counted by the one
 * count of taken places ({@link takenPlaces}, through `DayWork.occupancy`) — and a lease of places
 * to a desk (`src/core/leases.ts`) — expires by one rule
 * ({@link claimEnded}), is settled by one sweep step ({@link settleClaims}) and ends one way
 * ({@link endClaim}: converted, released, expired or withdrawn). A new kind of claim is a new
 * {@link ClaimKind} with its record and its ending here, and nothing more.
 *
 * The rules that must follow a change of a token — an offer whose candidate moved on lapses, an
 * emergency placed over a claimed place withdraws that claim — run in {@link changeToken},
 * {@link replaceToken} and {@link createToken}, which every rule that changes a token calls: the
 * working copy (`Workspace`) only records.
 */
import { claimEnded, type Claim, type ClaimEnd, holdClaim, leaseClaims, offerClaim } from '../model/claims.js';
import { compareQueueOrder } from '../model/queue.js';
import { isHeldOffer, type TokenRecord } from '../model/records.js';
import type { TokenPatch } from '../model/make.js';
import { endHold, expireEndedHoldsOfDay } from './holds.js';
import { endLease, expireEndedLeases } from './leases.js';
import { emergencyTakesOffered, lapseMovedOn, settleOffers, withdrawOffer } from './offers.js';
import type { DayWork, Workspace } from './workspace.js';

export type { Claim, ClaimEnd, ClaimKind } from '../model/claims.js';

/**
 * The claims on places of slot `i`: its holds in queue order, then the places held for an offer
 * there in the order they were held.
 */
export function claimsOf(work: DayWork, i: number): Claim[] {
  const claims: Claim[] = [];
  const holds = work.places(i).filter((t) => t.status === 'HELD');
  for (const token of holds.sort(compareQueueOrder)) claims.push(holdClaim(token));
  const slotId = work.slot(i).id;
  const book = work.offers;
  if (book !== undefined && book.dueAt !== null) for (const place of book.places) if (place.slotId === slotId && isHeldOffer(place)) claims.push(offerClaim(place));
  for (const lease of work.record.leases ?? []) for (const claim of leaseClaims(lease)) if (claim.slotId === slotId) claims.push(claim);
  return claims;
}

/**
 * The one sweep step of claims, run by the sweep and by every call that settles a day before it
 * places anyone there: every hold of the day whose end has come expires (`token:expired`), then
 * every place held for an offer whose group's window has passed (or whose quiet hours ended)
 * goes to its next group, or back to the promotion rule; every lease whose time has ended returns
 * its unused places. Returns whether a hold or a lease expired.
 */
export function settleClaims(ws: Workspace, work: DayWork): boolean {
  const expired = expireEndedHoldsOfDay(ws, work);
  const leaseEnded = expireEndedLeases(ws, work);
  if (ws.config.offers !== undefined && claimEnded(work.offers?.dueAt ?? null, ws.now)) settleOffers(ws, work);
  return expired || leaseEnded;
}

/**
 * Ends `claim` (of slot `i`) as `how`, the one way a claim ends before it is converted: a hold is
 * released (`token:released`) — or, when its end has already passed, recorded as the expiry it
 * is (`token:expired`); a place held for an offer is withdrawn (`token:offer-withdrawn` to each
 * open candidate). `reason` says why.
 */
export function endClaim(ws: Workspace, work: DayWork, i: number, claim: Claim, reason: 'released' | 'slot-closed' | 'capacity-lowered' | 'emergency', by: string | null = null): ClaimEnd {
  if (claim.kind === 'hold') {
    const token = work.find(claim.tokenId!);
    if (token === undefined || token.status !== 'HELD') return 'released';
    endHold(ws, work, token, claim.slotId, reason === 'released' ? 'released' : 'slot-closed');
    return claimEnded(claim.endsAt, ws.now) ? 'expired' : 'released';
  }
  if (claim.kind === 'lease') {
    // A lease is given back whole by its desk, or ends by time; its places are the desk's promise.
    endLease(ws, work, claim.id, claimEnded(claim.endsAt, ws.now) ? 'EXPIRED' : 'RETURNED');
    return claimEnded(claim.endsAt, ws.now) ? 'expired' : 'released';
  }
  withdrawOffer(ws, work, i, claim.id, reason === 'released' ? 'slot-closed' : reason, by);
  return 'withdrawn';
}

/**
 * Ends every claim on places of slot `i` as it closes: the places held for an offer withdrawn
 * (the latest held first), then the holds released in queue order (a hold is not a booking: it
 * is released rather than moved).
 */
export function endClaimsOfSlot(ws: Workspace, work: DayWork, i: number): void {
  const claims = claimsOf(work, i);
  for (let k = claims.length - 1; k >= 0; k--) if (claims[k]!.kind === 'offer') endClaim(ws, work, i, claims[k]!, 'slot-closed');
  for (const claim of claims) if (claim.kind === 'hold') endClaim(ws, work, i, claim, 'slot-closed');
}

/**
 * Withdraws up to `max` claims without a token of slot `i` (the latest held first), never a
 * lease's place: its lowered capacity takes their places. Returns how many it withdrew.
 */
export function withdrawClaims(ws: Workspace, work: DayWork, i: number, reason: 'capacity-lowered' | 'emergency', by: string | null, max: number): number {
  let n = 0;
  const claims = claimsOf(work, i);
  for (let k = claims.length - 1; k >= 0 && n < max; k--) {
    // A desk may already have issued its leased places without the network: they are not taken back.
    if (claims[k]!.tokenId !== null || claims[k]!.kind === 'lease') continue;
    endClaim(ws, work, i, claims[k]!, reason, by);
    n++;
  }
  return n;
}

/**
 * The claim rules that follow a change of a token, called by the rule that made it: an offer
 * whose candidate can no longer take the place offered lapses (its place goes to the next group),
 * and a token the emergency rule placed over a claimed place withdraws one claim there.
 */
function follow(ws: Workspace, work: DayWork, previous: TokenRecord | undefined, next: TokenRecord): void {
  if (work.offers === undefined) return;
  if (previous !== undefined) lapseMovedOn(ws, work, next);
  emergencyTakesOffered(ws, work, previous, next);
}

/** Changes a token (`Workspace.update`), then the claim rules that follow ({@link follow}). Returns its new record. */
export function changeToken(ws: Workspace, work: DayWork, previous: TokenRecord, patch: TokenPatch): TokenRecord {
  const next = ws.update(work, previous, patch);
  follow(ws, work, previous, next);
  return next;
}

/** Replaces a token's record whole (`Workspace.put`: a token brought back), then the claim rules that follow. */
export function replaceToken(ws: Workspace, work: DayWork, previous: TokenRecord, next: TokenRecord): void {
  ws.put(work, previous, next);
  follow(ws, work, previous, next);
}

/** Records a new token where its status puts it (`Workspace.create`), then the claim rules that follow. */
export function createToken(ws: Workspace, work: DayWork, token: TokenRecord): void {
  ws.create(work, token);
  follow(ws, work, undefined, token);
}
