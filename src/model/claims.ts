/**
 * Claims on places: one mechanism for every kind of place held before (or instead of) a booking.
 *
 * A claim holds places of one slot for somebody who has not taken them up yet. Its kinds:
 *
 * - `hold`: a patient's place held until it is confirmed (`hold`, `confirm`; a FHIR `$hold`, a
 *   UHI `init`), kept on the held token itself (status `HELD`, its end `holdExpiresAt`);
 * - `offer`: a freed place held while candidates answer an offer (the constructor option
 *   `offers`), kept in its doctor-day's claim book (`DayRecord.offers`), with no token of its own;
 * - `lease`: places held for a desk that issues tokens without the network (`leaseCapacity`),
 *   kept in its doctor-day's leases (`DayRecord.leases`), with no token of their own until the
 *   desk's tokens are reconciled.
 *
 * Every claim has one record shape as the rules read it ({@link Claim}), one expiry rule
 * ({@link claimEnded}), and is counted by the one count of taken places ({@link takenPlaces}).
 * The rules that settle and end claims (one sweep step, one way to end) live in
 * `src/core/claims.ts`.
 */
import { type DayRecord, isActiveLease, isHeldOffer, type LeaseRecord, type OfferRecord, type TokenRecord } from './records.js';

/** The kinds of claim on places of a slot. */
export const CLAIM_KINDS = ['hold', 'offer', 'lease'] as const;

/** A kind of claim (see {@link CLAIM_KINDS}). */
export type ClaimKind = (typeof CLAIM_KINDS)[number];

/** How a claim ended: taken up as a booking, given up, run out of time, or taken back. */
export type ClaimEnd = 'converted' | 'released' | 'expired' | 'withdrawn';

/** A claim on one place of a slot, as every rule reads it whatever its kind. */
export interface Claim {
  /** What holds the place. */
  readonly kind: ClaimKind;
  /** The claim's id: a hold's token id, an offered place's id, a lease's id. */
  readonly id: string;
  /** The slot whose place it holds. */
  readonly slotId: string;
  /** The token holding the place (`hold`), or `null` for a claim without one (`offer`, `lease`). */
  readonly tokenId: string | null;
  /** The tokens it is held for while they answer (`offer`: its open candidates); empty for a hold. */
  readonly candidates: readonly string[];
  /**
   * When it ends by itself, or when its next step is due (an offer's window, the end of its quiet
   * hours), epoch ms; `null` for a claim that never ends by itself.
   */
  readonly endsAt: number | null;
  /**
   * Who made the claim: a hold's actor (the `actor` of `hold`, a FHIR `$hold`'s client), a
   * lease's desk, or `null` for a claim made by the rules (a place held for an offer) or without
   * an actor.
   */
  readonly actor: string | null;
}

/**
 * The one expiry rule of claims: a claim whose end is at or before `now` has ended (a hold can no
 * longer be confirmed; an offer's group may no longer answer).
 */
export function claimEnded(endsAt: number | null, now: number): boolean {
  return endsAt !== null && endsAt <= now;
}

/** The claim of a `HELD` token: its hold. */
export function holdClaim(token: TokenRecord): Claim {
  return { kind: 'hold', id: token.id, slotId: token.slotId ?? '', tokenId: token.id, candidates: [], endsAt: token.holdExpiresAt, actor: token.heldBy ?? null };
}

/** The claim of a place held for an offer. */
export function offerClaim(place: OfferRecord): Claim {
  const candidates = place.candidates.filter((c) => c.state === 'OPEN').map((c) => c.tokenId);
  return { kind: 'offer', id: place.id, slotId: place.slotId, tokenId: null, candidates, endsAt: place.dueAt, actor: null };
}

/** The claims of a lease's unused places, one per slot where it still holds any. */
export function leaseClaims(lease: LeaseRecord): Claim[] {
  if (!isActiveLease(lease)) return [];
  const claims: Claim[] = [];
  for (const s of lease.slots) if (s.places > s.used) claims.push({ kind: 'lease', id: lease.id, slotId: s.slotId, tokenId: null, candidates: [], endsAt: lease.endsAt, actor: lease.deskId });
  return claims;
}

/** The places of slot `slotId` a lease holds unused: none once it has ended. */
export function leasedUnused(lease: LeaseRecord, slotId: string): number {
  if (!isActiveLease(lease)) return 0;
  let n = 0;
  for (const s of lease.slots) if (s.slotId === slotId) n += Math.max(0, s.places - s.used);
  return n;
}

/** The claim books of a doctor-day that hold places without a token: its offers and its leases. */
export type ClaimBooks = Pick<DayRecord, 'offers' | 'leases'>;

/**
 * The claims without a token of their own that hold places of slot `slotId` on a day (places held
 * for an offer, places leased to a desk and not yet used): the places a slot's token list does
 * not show. With `now`, a lease whose end has passed ({@link claimEnded}) is not counted: it holds
 * nothing any more, though no sweep has ended it yet (a place held for an offer whose window
 * passed goes on to its next group, and stays counted).
 */
export function tokenlessClaims(books: ClaimBooks | undefined, slotId: string, now?: number): number {
  if (books === undefined) return 0;
  let n = 0;
  const book = books.offers;
  if (book !== undefined && book.dueAt !== null) for (const place of book.places) if (place.slotId === slotId && isHeldOffer(place)) n++;
  if (books.leases !== undefined) for (const lease of books.leases) if (now === undefined || !claimEnded(lease.endsAt, now)) n += leasedUnused(lease, slotId);
  return n;
}

/**
 * The one count of a slot's taken places: the places its tokens hold (booked, held by a claim,
 * checked in, seen — `places`, the length of its list of places) and the places claims without a
 * token hold there (`books`, its day's offers and leases). Free places, elastic places, quotas,
 * views, the stores' schedules and every search for room read it.
 */
export function takenPlaces(places: number, books: ClaimBooks | undefined, slotId: string, now?: number): number {
  return places + tokenlessClaims(books, slotId, now);
}

/**
 * The one count of taken places ({@link takenPlaces}) as a read sees it at `now`, before any sweep
 * has settled the day: a hold whose end has passed ({@link holdEnded}) and a lease whose end has
 * passed hold no place, as every search for room (which settles the day first) already finds.
 * A unit settles its days' claims before it counts, and counts with {@link takenPlaces}.
 */
export function takenPlacesAt(places: readonly Pick<TokenRecord, 'status' | 'holdExpiresAt'>[], books: ClaimBooks | undefined, slotId: string, now: number): number {
  let ended = 0;
  for (const t of places) if (holdEnded(t, now)) ended++;
  return takenPlaces(places.length - ended, books, slotId, now);
}

/**
 * The places of a slot claimed and not booked: its holds (`HELD` tokens among `places`) and its
 * claims without a token ({@link SlotView.claimed}); with `now`, only the claims not yet ended.
 */
export function claimedPlaces(places: readonly Pick<TokenRecord, 'status' | 'holdExpiresAt'>[], books: ClaimBooks | undefined, slotId: string, now?: number): number {
  let n = tokenlessClaims(books, slotId, now);
  for (const t of places) if (t.status === 'HELD' && (now === undefined || !holdEnded(t, now))) n++;
  return n;
}

/** Whether `token` is a hold whose end has passed at `now` ({@link claimEnded}): it can no longer be confirmed, and keeps no place. */
export function holdEnded(token: Pick<TokenRecord, 'status' | 'holdExpiresAt'>, now: number): boolean {
  return token.status === 'HELD' && claimEnded(token.holdExpiresAt, now);
}
