/**
 * Claims on places: one record for every kind of place held before (or instead of) a booking.
 *
 * A claim holds places of one slot for somebody who has not taken them up yet: a hold (a patient's
 * place until it is confirmed: `hold`, a FHIR `$hold`, a UHI `init`, a Scan & Share token), a place
 * held for an offer (the constructor option `offers`), a desk's lease, … Every kind is one stored
 * {@link ClaimRecord} in its doctor-day's list, with one expiry rule ({@link claimEnded}), one due
 * time per day ({@link claimDueAt}) and one count of taken places ({@link takenPlaces}). Nothing
 * here reads a claim's kind: what differs between kinds (how one ends, converts, settles) is in
 * the kind table (`src/core/claim-kinds.ts`).
 */
import { type ClaimRecord, isActiveClaim, type TokenRecord } from './records.js';

export type { ClaimRecord, ClaimState } from './records.js';

/** How a claim ended: taken up as a booking, given up, run out of time, or taken back. */
export type ClaimEnd = 'converted' | 'released' | 'expired' | 'withdrawn';

/**
 * The one expiry rule of claims: a claim whose end is at or before `now` has ended (a hold can no
 * longer be confirmed; an offer's group may no longer answer; a lease's places return).
 */
export function claimEnded(endsAt: number | null, now: number): boolean {
  return endsAt !== null && endsAt <= now;
}

/** A day's claims: its list, none when it never had one. */
export type ClaimList = readonly ClaimRecord[] | undefined;

/**
 * The places an active claim holds that no token of its own shows: its unused places
 * (`places - used`) when it has no token; none for a claim with a token (its place is the
 * token's), nor for one that has ended. With `now`, none once its end has passed either: it holds
 * nothing any more, though no sweep has ended it yet.
 */
export function unusedPlaces(claim: ClaimRecord, now?: number): number {
  if (!isActiveClaim(claim) || claim.tokenId !== undefined) return 0;
  if (now !== undefined && claimEnded(claim.endsAt, now)) return 0;
  return Math.max(0, claim.places - claim.used);
}

/**
 * The claims without a token of their own that hold places of slot `slotId` on a day (places held
 * for an offer, places leased to a desk and not yet used): the places a slot's token list does
 * not show. With `now`, see {@link unusedPlaces}.
 */
export function tokenlessClaims(claims: ClaimList, slotId: string, now?: number): number {
  if (claims === undefined) return 0;
  let n = 0;
  for (const claim of claims) if (claim.slotId === slotId) n += unusedPlaces(claim, now);
  return n;
}

/**
 * The one count of a slot's taken places: the places its tokens hold (booked, held by a claim,
 * checked in, seen — `places`, the length of its list of places) and the places claims without a
 * token hold there. Free places, elastic places, quotas, views, the stores' schedules and every
 * search for room read it.
 */
export function takenPlaces(places: number, claims: ClaimList, slotId: string): number {
  return claims === undefined ? places : places + tokenlessClaims(claims, slotId);
}

/**
 * The one count of taken places ({@link takenPlaces}) as a read sees it at `now`, before any sweep
 * has settled the day: a hold whose end has passed ({@link holdEnded}) and a claim without a token
 * whose end has passed hold no place, as every search for room (which settles the day first)
 * already finds. A unit settles its days' claims before it counts, and counts with
 * {@link takenPlaces}.
 */
export function takenPlacesAt(places: readonly Pick<TokenRecord, 'status' | 'holdExpiresAt'>[], claims: ClaimList, slotId: string, now: number): number {
  let ended = 0;
  for (const t of places) if (holdEnded(t, now)) ended++;
  return places.length - ended + tokenlessClaims(claims, slotId, now);
}

/**
 * The places of a slot claimed and not booked ({@link SlotView.claimed}): its holds (`HELD` tokens
 * among `places`) and its claims without a token; with `now`, only those not yet ended.
 */
export function claimedPlaces(places: readonly Pick<TokenRecord, 'status' | 'holdExpiresAt'>[], claims: ClaimList, slotId: string, now?: number): number {
  let n = tokenlessClaims(claims, slotId, now);
  for (const t of places) if (t.status === 'HELD' && (now === undefined || !holdEnded(t, now))) n++;
  return n;
}

/**
 * The one due time of a day's claims: the earliest `dueAt` of its active claims (when one ends by
 * itself or its next step is due), or `null` when none is due. The sweep finds a day due once it
 * has come; the PostgreSQL store keeps it in a column of the day, indexed.
 */
export function claimDueAt(claims: ClaimList): number | null {
  if (claims === undefined) return null;
  let due: number | null = null;
  for (const claim of claims) if (isActiveClaim(claim) && claim.dueAt !== null && (due === null || claim.dueAt < due)) due = claim.dueAt;
  return due;
}

/**
 * The earliest end of the active claims of slot `slotId` (when one ends by itself and frees its
 * place), or `undefined` when none ends: a booking without a date settles a day where this has
 * passed, as after a sweep.
 */
export function earliestClaimEnd(claims: ClaimList, slotId: string): number | undefined {
  if (claims === undefined) return undefined;
  let earliest: number | undefined;
  for (const claim of claims) {
    if (claim.slotId !== slotId || !isActiveClaim(claim) || claim.endsAt === null) continue;
    if (earliest === undefined || claim.endsAt < earliest) earliest = claim.endsAt;
  }
  return earliest;
}

/** Whether `token` is a hold whose end has passed at `now` ({@link claimEnded}): it can no longer be confirmed, and keeps no place. */
export function holdEnded(token: Pick<TokenRecord, 'status' | 'holdExpiresAt'>, now: number): boolean {
  return token.status === 'HELD' && claimEnded(token.holdExpiresAt, now);
}
