/**
 * A kind of claim only the tests know: places kept for the next visit of a series, taken up one
 * by one, given back at the series' end. It is one entry of the kind table, written with the
 * adapter kit alone — no record, column, migration or store change — and the stores' claims part
 * of the conformance suite runs it beside the built-in kinds.
 */
import { type ClaimDay, type ClaimKind, type ClaimRecord, type ClaimUnit, endedClaim, putClaim } from 'opd-scheduler/adapter-kit';

/** The places of `claim` not taken up yet. */
const unused = (claim: ClaimRecord): number => Math.max(0, claim.places - claim.used);

/** Ends `claim` as `how`, giving its unused places back to the day. */
function giveBack(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord, how: 'expired' | 'released'): number {
  const freed = unused(claim);
  putClaim(work, endedClaim(claim, how, ws.now));
  if (freed > 0) work.noteFreed(claim.slotId, freed);
  return freed;
}

/** The series kind: keeps its places from emergencies and from its slot's closing, as a desk's lease does. */
export const SERIES_KIND: ClaimKind = Object.freeze({
  name: 'test-series',
  yields: false,
  endsWithSlot: false,
  shownAs: 'claimed',
  due: (ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord): boolean => giveBack(ws, work, claim, 'expired') > 0,
  end: (ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord): 'released' => {
    giveBack(ws, work, claim, 'released');
    return 'released';
  },
  convert: (ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord): void => {
    const used = claim.used + 1;
    putClaim(work, used >= claim.places ? endedClaim({ ...claim, used }, 'converted', ws.now) : { ...claim, used });
  },
});
