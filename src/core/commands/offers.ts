import { changeToken } from '../claims.js';
import { tokenView } from '../call-order.js';
import { OpdError } from '../../errors.js';
import { ERASED_PATIENT } from '../../model/patient.js';
import { offerAnswerFingerprint, parseOfferId, type OfferCandidateRecord, type OfferRecord } from '../../model/records.js';
import type { DoctorSnapshot } from '../../model/snapshot.js';
import type { OfferAnswerResult } from '../../types.js';
import { type Command, commit, unchanged } from '../command.js';
import * as ev from '../events.js';
import { answerOffer, canTakeOffered, findOffer } from '../offers.js';
import { promoteWaiting } from '../placement.js';
import { type DayWork, Workspace } from '../workspace.js';
import { moveWithinDay } from './move.js';

/** An answer to an offer, by its id. */
export interface OfferAnswerInput {
  readonly offerId: string;
}

/** `OFFER_NOT_FOUND` for `offerId`. */
export function offerNotFound(offerId: string): OpdError {
  return new OpdError('OFFER_NOT_FOUND', `Offer \`${offerId}\` does not exist`, { details: { field: 'offerId', offerId } });
}

/** The day of an offer and the offer itself, or `OFFER_NOT_FOUND`. */
function loadOffer(ws: Workspace, snapshot: DoctorSnapshot, offerId: string): { work: DayWork; place: OfferRecord; candidate: OfferCandidateRecord } {
  const parts = parseOfferId(offerId);
  if (parts === undefined || snapshot.doctor === undefined || !snapshot.days.has(parts.day)) throw offerNotFound(offerId);
  const work = ws.day(parts.day);
  const found = findOffer(work, offerId);
  if (found === undefined) throw offerNotFound(offerId);
  return { work, ...found };
}

/**
 * Refuses an answer to an offer that can no longer be answered: `OFFER_EXPIRED` when its window
 * has passed (even before a sweep lapsed it) or it lapsed because its token moved on
 * (`details.reason: 'moved-on'`), `OFFER_TAKEN` when the place went to another candidate or an
 * emergency, `INVALID_TRANSITION` when it was declined.
 */
function refuseEnded(place: OfferRecord, candidate: OfferCandidateRecord, now: number, action: string): void {
  const state = candidate.state;
  if (state === 'OPEN' && place.status === 'OPEN' && candidate.expiresAt > now) return;
  const details = {
    field: 'offerId',
    offerId: candidate.offerId,
    tokenId: candidate.tokenId,
    slotId: place.slotId,
    state,
    expiresAt: new Date(candidate.expiresAt).toISOString(),
  };
  if (candidate.movedOn === true) throw movedOn(candidate.offerId, details);
  if (state === 'LAPSED' || state === 'WITHDRAWN') {
    throw new OpdError('OFFER_TAKEN', `Offer \`${candidate.offerId}\` can no longer be answered: its place was taken`, { details });
  }
  if (state === 'DECLINED' || state === 'ACCEPTED') {
    // An accepted offer whose token has since left its place (cancelled, seen): nothing to replay.
    throw new OpdError(
      'INVALID_TRANSITION',
      `Cannot ${action} offer \`${candidate.offerId}\`: it was ${state === 'DECLINED' ? 'declined' : 'accepted, and its token has since moved on'}`,
      {
        details: { field: 'offerId', offerId: candidate.offerId, tokenId: candidate.tokenId, status: state, action },
      },
    );
  }
  throw new OpdError('OFFER_EXPIRED', `Offer \`${candidate.offerId}\` expired at ${details.expiresAt}`, {
    details: { ...details, state: state === 'OPEN' ? 'EXPIRED' : state },
  });
}

/** `OFFER_EXPIRED` for an offer that ended because its token moved on: it can no longer take the place. */
function movedOn(offerId: string, details: Record<string, unknown>): OpdError {
  return new OpdError('OFFER_EXPIRED', `Offer \`${offerId}\` lapsed: its token can no longer take that place`, { details: { ...details, reason: 'moved-on' } });
}

/**
 * Accepting an offer: the first candidate to accept before its window ends takes the place —
 * a waitlisted token becomes `BOOKED` there (`token:promoted`), a booked one moves there keeping
 * its number (`token:moved`, the move rule), and the place it leaves is offered in turn; the other
 * candidates' offers lapse (`taken`). Accepting again answers as the first time did (`replayed`).
 */
export const acceptOffer: Command<OfferAnswerInput, OfferAnswerResult> = {
  // The offer id is also the key its accepted result is stored under (the idempotency store).
  load: ({ offerId }) => ({ ...loadRequest(offerId), idempotencyKey: offerId }),
  decide(config, snapshot, { offerId }, now) {
    const stored = snapshot.idempotency;
    if (stored !== undefined && stored.fingerprint === offerAnswerFingerprint(offerId)) {
      // The token's patient as stored now (the stored result keeps none): read it, then replay.
      const token = snapshot.tokens.get(stored.result.token.id);
      if (token === undefined) return { kind: 'load', request: { ...loadRequest(offerId), idempotencyKey: offerId, tokenId: stored.result.token.id } };
      return unchanged(Object.freeze({ ...stored.result, token: Object.freeze({ ...stored.result.token, patient: token.patient }), replayed: true as const }));
    }
    const ws = new Workspace(config, snapshot, now);
    const { work, place, candidate } = loadOffer(ws, snapshot, offerId);
    if (candidate.state === 'ACCEPTED') {
      // Accepted before results were stored: the token as it is now, if it still holds a place.
      const token = work.find(candidate.tokenId);
      if (token !== undefined) return unchanged(Object.freeze({ token: tokenView(ws, work, token), effects: [], replayed: true as const }));
    }
    refuseEnded(place, candidate, now, 'accept');
    const token = work.find(candidate.tokenId);
    const i = work.indexOf(place.slotId);
    if (token === undefined || i < 0 || !canTakeOffered(ws, work, i, token)) {
      // Never at rest: an offer lapses in the unit that moves its token on (lapseMovedOn).
      throw movedOn(offerId, {
        field: 'offerId',
        offerId,
        tokenId: candidate.tokenId,
        slotId: place.slotId,
        state: 'LAPSED',
        expiresAt: new Date(candidate.expiresAt).toISOString(),
      });
    }
    ws.own(ev.offerAccepted(ws, token, place.slotId, offerId, token.status === 'BOOKED' ? token.slotId : null));
    // The offer ends before the token moves: the place it held is the one the token takes.
    answerOffer(ws, work, place, offerId, 'ACCEPTED');
    if (token.status === 'WAITLISTED') {
      const next = changeToken(ws, work, token, { status: 'BOOKED', slotId: place.slotId, waitingForSlotId: null });
      work.count('promotions');
      ev.promoted(ws, next, place.slotId, token.waitingForSlotId);
    } else {
      moveWithinDay(ws, work, token, i, 'offer-accepted');
    }
    promoteWaiting(ws, work);
    const result = answerOf(ws, work, candidate.tokenId);
    // Stored as a keyed booking's result is (its events numbered by the store), without the patient.
    ws.idempotency = {
      doctorId: work.record.doctorId,
      key: offerId,
      fingerprint: offerAnswerFingerprint(offerId),
      result: Object.freeze({ token: Object.freeze({ ...result.token, patient: ERASED_PATIENT }), effects: result.effects }),
    };
    return commit(ws, result);
  },
};

/**
 * Declining an offer: the candidate keeps what it had; when nobody of its group can still answer,
 * the next group is offered at once.
 */
export const declineOffer: Command<OfferAnswerInput, OfferAnswerResult> = {
  load: ({ offerId }) => loadRequest(offerId),
  decide(config, snapshot, { offerId }, now) {
    const ws = new Workspace(config, snapshot, now);
    const { work, place, candidate } = loadOffer(ws, snapshot, offerId);
    if (candidate.state === 'DECLINED') {
      const token = work.find(candidate.tokenId);
      if (token !== undefined) return unchanged(Object.freeze({ token: tokenView(ws, work, token), effects: [], replayed: true as const }));
    }
    if (candidate.state === 'ACCEPTED') {
      throw new OpdError('INVALID_TRANSITION', `Cannot decline offer \`${offerId}\`: it was accepted`, {
        details: { field: 'offerId', offerId, tokenId: candidate.tokenId, status: 'ACCEPTED', action: 'decline' },
      });
    }
    refuseEnded(place, candidate, now, 'decline');
    const token = work.find(candidate.tokenId);
    if (token === undefined) {
      throw new OpdError('INVALID_TRANSITION', `Cannot decline offer \`${offerId}\`: token \`${candidate.tokenId}\` no longer waits`, {
        details: { field: 'offerId', offerId, tokenId: candidate.tokenId, status: 'ENDED', action: 'decline' },
      });
    }
    ws.own(ev.offerDeclined(ws, token, place.slotId, offerId));
    answerOffer(ws, work, place, offerId, 'DECLINED');
    promoteWaiting(ws, work);
    return commit(ws, answerOf(ws, work, candidate.tokenId));
  },
};

function loadRequest(offerId: string): { doctorId?: string; days?: readonly string[] } {
  const parts = parseOfferId(offerId);
  // An id that is no offer's: nothing to lock; the decision answers OFFER_NOT_FOUND.
  return parts === undefined ? { doctorId: '' } : { doctorId: parts.doctorId, days: [parts.day] };
}

/** The answer to an offer: the candidate's token as this unit left it, and the unit's effects. */
function answerOf(ws: Workspace, work: DayWork, tokenId: string): OfferAnswerResult {
  const token = ws.latest(tokenId) ?? work.find(tokenId);
  if (token === undefined) throw new OpdError('STORAGE_FAILURE', 'An offer names a token missing from its day', { details: { tokenId } });
  return Object.freeze({ token: tokenView(ws, work, token), effects: ws.effects() });
}
