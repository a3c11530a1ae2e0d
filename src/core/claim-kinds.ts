/**
 * The kind table: the only code that knows what each kind of claim does. A claim is one stored
 * record whatever its kind ({@link ClaimRecord}); its kind says how it ends when its due time
 * comes, how it ends before it is converted, what taking one of its places up changes, whether an
 * emergency (or a lowered capacity) may take its places back, and whether its slot's closing ends
 * it. A new kind of claim is one entry here and its rules, and nothing more: the stores read no
 * kind, the count of taken places and the due time of a day read none either.
 *
 * The table a scheduler runs with is its `CoreConfig.claimKinds` (the built-in kinds, from
 * {@link builtInClaimKinds}); a claim of a kind it does not know (stored by a later version) is
 * read as {@link GENERIC_CLAIM_KIND}: it holds its places until its end, and then gives them back.
 */
import type { ClaimEnd } from '../model/claims.js';
import type { ClaimRecord, TokenRecord } from '../model/records.js';
import type { CoreConfig } from './config.js';

/**
 * What a kind's rules read of the unit they run in (its `Workspace`; each built-in kind's rules
 * take the whole of it): its clock.
 */
export interface ClaimUnit {
  /** The unit's clock (epoch ms). */
  readonly now: number;
}

/**
 * What a kind's rules read of the working copy of the claim's day (its `DayWork`; each built-in
 * kind's rules take the whole of it): its claims, and where places were freed.
 */
export interface ClaimDay {
  /** The day's claims, in the order made. */
  readonly claims: readonly ClaimRecord[];
  /** Replaces the day's claims. */
  setClaims(claims: readonly ClaimRecord[]): void;
  /** Notes `n` places freed in slot `slotId` (an offer may be made for each, the waitlist promoted into them). */
  noteFreed(slotId: string, n?: number): void;
}

/** Why a claim ends before it is converted. */
export type ClaimEndReason = 'released' | 'slot-closed' | 'capacity-lowered' | 'emergency';

/** What one kind of claim does. */
export interface ClaimKind {
  /** The kind's name, as claims of it store it ({@link ClaimRecord.kind}). */
  readonly name: string;
  /**
   * Whether its places without a token go back for an emergency or a lowered capacity (the claim
   * withdrawn): a place held for an offer does; a desk's leased place does not (the desk may
   * already have given it to a patient without the network).
   */
  readonly yields: boolean;
  /** Whether its slot's closing ends it (a hold, an offer); a lease keeps its places, the desk's promise. */
  readonly endsWithSlot: boolean;
  /** Which figure of a slot's view shows its unused places besides `claimed`: `leased` for a desk's lease (`SlotView.leased`), else none. */
  readonly shownAs: 'claimed' | 'leased';
  /**
   * Its due time ({@link ClaimRecord.dueAt}) has come: it ends by itself, or takes its next step.
   * Called by the one sweep step of claims. Returns whether it gave places back (the caller
   * promotes into them).
   */
  due(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord): boolean;
  /** Ends it before it is converted, for `why` (`by`: the token that took a place back, if any): the one way a claim ends. */
  end(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord, why: ClaimEndReason, by: string | null): ClaimEnd;
  /**
   * The claim's side of one of its places taken up (a hold confirmed, an offer accepted by the
   * candidate `into`, a desk's token entered): the claim records it, and the caller places the token.
   */
  convert(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord, into?: TokenRecord): void;
  /** The rule that follows a change of a token on a day holding claims of this kind, if it has one. */
  follow?(ws: ClaimUnit, work: ClaimDay, previous: TokenRecord | undefined, next: TokenRecord): void;
}

/** The state a claim is left in by how it ended. */
const ENDED: Record<ClaimEnd, ClaimRecord['state']> = { converted: 'CONVERTED', released: 'RELEASED', expired: 'EXPIRED', withdrawn: 'WITHDRAWN' };

/** `claim` ended as `how` at `at`: no longer active, nothing due. */
export function endedClaim(claim: ClaimRecord, how: ClaimEnd, at: number): ClaimRecord {
  return Object.freeze({ ...claim, state: ENDED[how], endsAt: at, dueAt: null });
}

/**
 * Replaces claim `next` (by id and slot) in the day's list, or appends it; `remove` drops it
 * instead (a claim whose kind keeps nothing once it ended).
 */
export function putClaim(work: ClaimDay, next: ClaimRecord, remove = false): void {
  const claims = [...work.claims];
  const at = claims.findIndex((c) => c.id === next.id && c.slotId === next.slotId);
  if (remove) {
    if (at < 0) return;
    claims.splice(at, 1);
  } else if (at < 0) claims.push(Object.freeze(next));
  else claims[at] = Object.freeze(next);
  work.setClaims(claims);
}

/**
 * A claim of a kind the table does not name: it holds its places until its end, then gives them
 * back (`EXPIRED`); an emergency does not take them, its slot's closing ends it (`RELEASED`), and a
 * place taken up is counted used (`CONVERTED` once all are).
 */
export const GENERIC_CLAIM_KIND: ClaimKind = Object.freeze({
  name: 'generic',
  yields: false,
  endsWithSlot: true,
  shownAs: 'claimed',
  due(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord): boolean {
    const freed = claim.tokenId === undefined ? Math.max(0, claim.places - claim.used) : 0;
    putClaim(work, endedClaim(claim, 'expired', claim.endsAt ?? ws.now));
    if (freed > 0) work.noteFreed(claim.slotId, freed);
    return freed > 0;
  },
  end(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord): ClaimEnd {
    const freed = claim.tokenId === undefined ? Math.max(0, claim.places - claim.used) : 0;
    putClaim(work, endedClaim(claim, 'released', ws.now));
    if (freed > 0) work.noteFreed(claim.slotId, freed);
    return 'released';
  },
  convert(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord): void {
    const used = claim.used + 1;
    putClaim(work, used >= claim.places ? endedClaim({ ...claim, used }, 'converted', ws.now) : { ...claim, used });
  },
});

/** The kind of `claim` in the scheduler's kind table, or the generic kind for one it does not name. */
export function claimKind(config: Pick<CoreConfig, 'claimKinds'>, claim: Pick<ClaimRecord, 'kind'>): ClaimKind {
  return config.claimKinds.get(claim.kind) ?? GENERIC_CLAIM_KIND;
}

/** A kind table of `kinds`, by name. */
export function claimKindTable(kinds: readonly ClaimKind[]): ReadonlyMap<string, ClaimKind> {
  return new Map(kinds.map((k) => [k.name, k]));
}
