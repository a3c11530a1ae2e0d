/**
 * The claim mechanism: every kind of claim on places of a slot — a hold (`hold`, a FHIR `$hold`, a
 * UHI `init`, a Scan & Share token), a place held for an offer, a desk's lease — is one stored
 * {@link ClaimRecord} in its doctor-day's list, counted by the one count of taken places
 * ({@link takenPlaces}, through `DayWork.occupancy`), due by one time per day ({@link claimDueAt}),
 * settled by one sweep step ({@link settleClaims}), converted one way ({@link convertClaim}) and
 * ended one way ({@link endClaim}). What each kind does is the kind table's
 * (`claim-kinds.ts`): nothing here reads a claim's kind.
 *
 * The rules that must follow a change of a token — an offer whose candidate moved on lapses, an
 * emergency placed over a claimed place withdraws that claim, a hold's claim ends with its token's
 * hold — run in {@link changeToken}, {@link replaceToken} and {@link createToken}, which every rule
 * that changes a token calls: the working copy (`Workspace`) only records.
 */
import { claimDueAt, claimEnded, type ClaimEnd } from '../model/claims.js';
import { compareQueueOrder } from '../model/queue.js';
import { type ClaimRecord, isActiveClaim, type TokenRecord } from '../model/records.js';
import type { TokenPatch } from '../model/make.js';
import { type ClaimEndReason, type ClaimKind, claimKind, claimKindTable } from './claim-kinds.js';
import { FOLLOWUP_KIND } from './followups.js';
import { ENTITLEMENT_KIND, returnEntitlement } from './entitlements.js';
import { HOLD_KIND } from './holds.js';
import { LEASE_KIND } from './leases.js';
import { OFFER_KIND } from './offers.js';
import { SERIES_KIND } from './series.js';
import type { DayWork, Workspace } from './workspace.js';

export type { ClaimEnd, ClaimRecord } from '../model/claims.js';

/** The kind table of the built-in claims: holds, places held for offers, desks' leases, follow-ups, series' held places, entitlements' ends. */
export function builtInClaimKinds(): ReadonlyMap<string, ClaimKind> {
  return claimKindTable([HOLD_KIND, OFFER_KIND, LEASE_KIND, FOLLOWUP_KIND, SERIES_KIND, ENTITLEMENT_KIND]);
}

/**
 * The active claims on places of slot `i`, in the order made: those without a token of their own
 * first, then those with one in their tokens' queue order.
 */
export function claimsOf(work: DayWork, i: number): ClaimRecord[] {
  const slotId = work.slot(i).id;
  const own: ClaimRecord[] = [];
  const held: { claim: ClaimRecord; token: TokenRecord }[] = [];
  for (const claim of work.claims) {
    if (claim.slotId !== slotId || !isActiveClaim(claim)) continue;
    const token = claim.tokenId === undefined ? undefined : work.find(claim.tokenId);
    if (token === undefined) own.push(claim);
    else held.push({ claim, token });
  }
  held.sort((a, b) => compareQueueOrder(a.token, b.token));
  return [...own, ...held.map((h) => h.claim)];
}

/** The active claim `id` of slot `slotId` of the day (any slot when `slotId` is omitted), or `undefined`. */
export function activeClaim(work: DayWork, id: string, slotId?: string): ClaimRecord | undefined {
  for (const claim of work.claims) if (claim.id === id && (slotId === undefined || claim.slotId === slotId) && isActiveClaim(claim)) return claim;
  return undefined;
}

/**
 * The one sweep step of claims, run by the sweep and by every call that settles a day before it
 * places anyone there (and by the closing of a day): every active claim of the day whose due time
 * has come takes it, as its kind says — a hold expires (`token:expired`), a place held for an
 * offer goes to its next group or back to the promotion rule, a lease returns its unused places.
 * Returns whether places were given back (the caller promotes into them).
 */
export function settleClaims(ws: Workspace, work: DayWork): boolean {
  const due = claimDueAt(work.record.claims);
  if (due === null || due > ws.now) return false;
  let freed = false;
  for (const claim of dueClaims(work, ws.now)) {
    // Read as it stands now: a claim an earlier step changed or ended.
    const current = work.claims.find((c) => c.id === claim.id && c.slotId === claim.slotId);
    if (current === undefined || !isActiveClaim(current) || current.dueAt === null || current.dueAt > ws.now) continue;
    if (claimKind(ws.config, current).due(ws, work, current)) freed = true;
  }
  return freed;
}

/** Whether an active claim held for a token (a hold) has ended by `now` on the day. */
export function tokenClaimEnded(work: DayWork, now: number): boolean {
  return work.claims.some((c) => c.tokenId !== undefined && isActiveClaim(c) && claimEnded(c.dueAt, now));
}

/**
 * The day's active claims due at `now`, in the order they are settled: those with a token first,
 * slot by slot in time order and each slot's in its tokens' queue order; then those without one,
 * in the order made.
 */
function dueClaims(work: DayWork, now: number): ClaimRecord[] {
  const withToken: { claim: ClaimRecord; slot: number; token: TokenRecord }[] = [];
  const own: ClaimRecord[] = [];
  for (const claim of work.claims) {
    if (!isActiveClaim(claim) || claim.dueAt === null || claim.dueAt > now) continue;
    const token = claim.tokenId === undefined ? undefined : work.find(claim.tokenId);
    if (token === undefined) own.push(claim);
    else withToken.push({ claim, slot: work.indexOf(claim.slotId), token });
  }
  withToken.sort((a, b) => a.slot - b.slot || compareQueueOrder(a.token, b.token));
  return [...withToken.map((w) => w.claim), ...own];
}

/**
 * Ends `claim` for `why` (`by`: the token that took a place back, if any), the one way a claim
 * ends before it is converted: as its kind says (a hold released, or recorded as the expiry it is
 * once its end has passed; a place held for an offer withdrawn; a lease returned).
 */
export function endClaim(ws: Workspace, work: DayWork, claim: ClaimRecord, why: ClaimEndReason, by: string | null = null): ClaimEnd {
  // Ended once: a claim that has ended is left as it is.
  if (!isActiveClaim(claim)) return END_OF[claim.state];
  return claimKind(ws.config, claim).end(ws, work, claim, why, by);
}

/** How a claim ended, by the state it was left in. */
const END_OF: Record<ClaimRecord['state'], ClaimEnd> = {
  ACTIVE: 'released',
  CONVERTED: 'converted',
  RELEASED: 'released',
  EXPIRED: 'expired',
  WITHDRAWN: 'withdrawn',
};

/**
 * The one way a claim is converted: one of its places is taken up (a hold confirmed, an offer
 * accepted by the candidate `into`, a desk's token entered from its lease). The claim records it
 * as its kind says; the caller places the token.
 */
export function convertClaim(ws: Workspace, work: DayWork, claim: ClaimRecord, into?: TokenRecord): void {
  if (isActiveClaim(claim)) claimKind(ws.config, claim).convert(ws, work, claim, into);
}

/**
 * Ends every claim on places of slot `i` that its kind ends with the slot, as it closes: the claims
 * without a token (the latest made first), then those with a token in queue order (a hold is not a
 * booking yet: it is released rather than moved).
 */
export function endClaimsOfSlot(ws: Workspace, work: DayWork, i: number): void {
  const claims = claimsOf(work, i).filter((c) => claimKind(ws.config, c).endsWithSlot);
  const own = claims.filter((c) => c.tokenId === undefined);
  for (let k = own.length - 1; k >= 0; k--) endClaim(ws, work, own[k]!, 'slot-closed');
  for (const claim of claims) if (claim.tokenId !== undefined) endClaim(ws, work, claim, 'slot-closed');
}

/**
 * Takes back up to `max` places of slot `i` held by claims without a token whose kind yields them
 * (the latest made first; never a lease's place, never a hold's): for a lowered capacity or an
 * emergency. Returns how many it took back.
 */
export function withdrawClaims(ws: Workspace, work: DayWork, i: number, reason: 'capacity-lowered' | 'emergency', by: string | null, max: number): number {
  let n = 0;
  const claims = claimsOf(work, i).filter((c) => c.tokenId === undefined && claimKind(ws.config, c).yields);
  for (let k = claims.length - 1; k >= 0 && n < max; k--) {
    endClaim(ws, work, claims[k]!, reason, by);
    n++;
  }
  return n;
}

/**
 * The claim rules that follow a change of a token, called by the rule that made it: each kind of
 * claim the day holds applies its own (an offer whose candidate can no longer take the place
 * offered lapses; a token the emergency rule placed over an offered place withdraws one offer; a
 * hold's claim ends when its token is no longer held).
 */
function follow(ws: Workspace, work: DayWork, previous: TokenRecord | undefined, next: TokenRecord): void {
  const claims = work.record.claims;
  if (claims === undefined || claims.length === 0) return;
  const seen = new Set<ClaimKind>();
  for (const claim of claims) {
    if (!isActiveClaim(claim)) continue;
    const kind = claimKind(ws.config, claim);
    if (seen.has(kind)) continue;
    seen.add(kind);
    kind.follow?.(ws, work, previous, next);
  }
}

/**
 * Changes a token (`Workspace.update`), then the rules that follow: the claim rules
 * ({@link follow}), and a free revisit given back by a token that ends unseen
 * (`returnEntitlement`). Returns its new record.
 */
export function changeToken(ws: Workspace, work: DayWork, previous: TokenRecord, patch: TokenPatch): TokenRecord {
  const next = ws.update(work, previous, patch);
  follow(ws, work, previous, next);
  returnEntitlement(ws, previous, next);
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
