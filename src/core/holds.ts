/**
 * Holds: a claim of kind `hold` on one place, kept with a `HELD` token (the claim's `tokenId`;
 * its end also shown on the token as `holdExpiresAt`). How long a hold lasts, and how it ends:
 * confirmed (converted), released, or expired. A hold never outlives its slot: it ends after its
 * minutes or at its slot's end, whichever comes first. A hold whose end has passed can no longer
 * be confirmed; the sweep expires it, and so does any call that places a request on its day, or
 * settles its day while somebody waits, before the next sweep: a place nobody can take up again
 * never keeps a patient (an emergency above all) out of it.
 */
import type { OpdEvent, TokenReleasedEvent } from '../events.js';
import { claimEnded, holdEnded } from '../model/claims.js';
import type { ClaimRecord, SlotRecord, TokenRecord } from '../model/records.js';
import { MINUTE } from '../time.js';
import { type ClaimKind, putClaim } from './claim-kinds.js';
import * as ev from './events.js';
import { returnEntitlement } from './entitlements.js';
import type { DayWork, Workspace } from './workspace.js';

/** The `cancelReason` of a released hold. */
export const HOLD_RELEASED = 'hold-released';
/** The `cancelReason` of a hold that ended unconfirmed. */
export const HOLD_EXPIRED = 'hold-expired';

/**
 * When a hold placed at `now` for `minutes` in `slot` ends: after its minutes, and never after the
 * slot's end. Past that end nobody can take the place up (`book` answers `SLOT_ENDED`), and a
 * patient confirmed into it would only be a no-show at the next sweep.
 */
export function holdExpiry(slot: SlotRecord, now: number, minutes: number): number {
  return Math.min(now + minutes * MINUTE, slot.end);
}

/** The claim of a hold on `token`'s place until `until`, made by `actor`. */
export function holdClaim(token: TokenRecord, until: number | null, actor: string | null): ClaimRecord {
  return Object.freeze({
    id: token.id,
    kind: 'hold',
    slotId: token.slotId ?? '',
    places: 1,
    used: 0,
    state: 'ACTIVE',
    endsAt: until,
    dueAt: until,
    actor,
    tokenId: token.id,
  });
}

/** Places a hold's claim in the day's list (with its `HELD` token, which the caller records). */
export function claimHold(work: DayWork, token: TokenRecord, until: number, actor: string | null): void {
  putClaim(work, holdClaim(token, until, actor));
}

/** Drops the claim of `tokenId`'s hold from the day's list, if it holds one: a hold's claim is not kept once it ends. */
function dropHoldClaim(work: DayWork, tokenId: string): void {
  const claim = work.claims.find((c) => c.tokenId === tokenId && c.kind === HOLD_KIND.name);
  if (claim !== undefined) putClaim(work, claim, true);
}

/**
 * Ends a `HELD` token of slot `slotId` (`CANCELLED`): as the expiry it is when its end has passed
 * (`token:expired`, `hold-expired`), else as released for `reason` (`token:released`,
 * `hold-released`; `by`, the token whose bump released it). Its claim ends with it. Returns its event.
 */
export function endHold(ws: Workspace, work: DayWork, token: TokenRecord, slotId: string, reason: TokenReleasedEvent['reason'], by?: string): OpdEvent {
  if (holdEnded(token, ws.now)) return expire(ws, work, token, slotId);
  dropHoldClaim(work, token.id);
  const next = ws.update(work, token, { status: 'CANCELLED', slotId: null, cancelReason: HOLD_RELEASED });
  returnEntitlement(ws, token, next);
  return ev.released(ws, next, slotId, reason, by);
}

/** Ends a hold whose end has passed: `CANCELLED` (`hold-expired`), `token:expired`. */
function expire(ws: Workspace, work: DayWork, token: TokenRecord, slotId: string): OpdEvent {
  dropHoldClaim(work, token.id);
  const next = ws.update(work, token, { status: 'CANCELLED', slotId: null, cancelReason: HOLD_EXPIRED });
  returnEntitlement(ws, token, next);
  return ev.expired(ws, next, slotId, token.holdExpiresAt!);
}

/**
 * A hold (kind `hold`): its place is its token's, a bumpable place of its category's rank (see
 * `findVictim`), so it yields to nobody as a claim; its slot's closing releases it; its end
 * expires it (`token:expired`); a confirmation converts it. Its claim is not kept once it ends.
 */
export const HOLD_KIND: ClaimKind = Object.freeze({
  name: 'hold',
  yields: false,
  endsWithSlot: true,
  shownAs: 'claimed',
  due(ws: Workspace, work: DayWork, claim: ClaimRecord): boolean {
    const token = claim.tokenId === undefined ? undefined : work.find(claim.tokenId);
    if (token === undefined || token.status !== 'HELD') {
      putClaim(work, claim, true);
      return false;
    }
    expire(ws, work, token, claim.slotId);
    return true;
  },
  end(ws: Workspace, work: DayWork, claim: ClaimRecord, why: 'released' | 'slot-closed' | 'capacity-lowered' | 'emergency', by: string | null) {
    const token = claim.tokenId === undefined ? undefined : work.find(claim.tokenId);
    if (token === undefined || token.status !== 'HELD') {
      putClaim(work, claim, true);
      return 'released' as const;
    }
    endHold(ws, work, token, claim.slotId, why === 'released' || why === 'slot-closed' ? why : 'emergency', by ?? undefined);
    return claimEnded(claim.endsAt, ws.now) ? ('expired' as const) : ('released' as const);
  },
  convert(_ws: Workspace, work: DayWork, claim: ClaimRecord): void {
    putClaim(work, claim, true);
  },
  follow(_ws: Workspace, work: DayWork, previous: TokenRecord | undefined, next: TokenRecord): void {
    // A hold ended by any rule (a day's closing, an erasure …): its claim ends with it.
    if (previous?.status === 'HELD' && next.status !== 'HELD') dropHoldClaim(work, next.id);
  },
});
