/**
 * Erasing a token's patient data (`erasePatient`, `purge`): one unit per token, under its doctor's
 * lock. The token's `patient` and the stored result of its idempotency key become the tombstone;
 * its id, number, label, category, rank, status and times stay, so that counts and statistics do
 * not change.
 */
import { OpdError } from '../../errors.js';
import type { OpdEvent } from '../../events.js';
import { fixedDate } from '../../model/instant.js';
import { erasedIdempotency, erasedToken, isErasedPatient } from '../../model/patient.js';
import type { TokenRecord } from '../../model/records.js';
import { isLiveStatus } from '../../model/status.js';
import { type Command, unchanged } from '../command.js';
import { type EventSink, patientErased } from '../events.js';

/** A token whose patient data is to be erased. */
export interface EraseTokenInput {
  /** The token. */
  readonly tokenId: string;
  /** Its idempotency key, whose stored result is erased too; `null` for none. */
  readonly idempotencyKey: string | null;
  /** For `erasePatient`: the patient the token must still be of (else nothing is done); `null` for a purge. */
  readonly patientId: string | null;
  /** For `purge`: only a token of a day before this local date is erased; `null` for `erasePatient`. */
  readonly before: string | null;
  /** The reason given, or `null`. */
  readonly reason: string | null;
  /** Who asked: the patient (`'request'`) or the retention option (`'retention'`). */
  readonly by: 'request' | 'retention';
}

/**
 * The rule "which tokens keep a patient's data from being erased": the live ones (`BOOKED`,
 * `WAITLISTED`, `HELD`, `CHECKED_IN`, `IN_CONSULTATION`) of a day not yet over (`today` or later,
 * local dates), by id in id order.
 */
export function liveTokensOfOpenDays(tokens: readonly TokenRecord[], today: string): string[] {
  return tokens
    .filter((t) => isLiveStatus(t.status) && t.day >= today)
    .map((t) => t.id)
    .sort();
}

/** `PATIENT_HAS_LIVE_TOKENS` naming the tokens (never the patient). */
export function patientHasLiveTokens(tokenIds: readonly string[]): OpdError {
  return new OpdError('PATIENT_HAS_LIVE_TOKENS', `The patient holds ${tokenIds.length} live token(s) of days not yet over: erase once they are over`, {
    details: { tokenIds: Object.freeze([...tokenIds]) },
  });
}

/**
 * Erases one token's patient data, re-checked under the lock: a token already erased, no longer
 * the patient's, or (for a purge) not of a day before the cut-off is left as it is (`null`);
 * otherwise the result is its `patient:erased` event.
 */
export const eraseToken: Command<EraseTokenInput, OpdEvent | null> = {
  load: ({ tokenId, idempotencyKey }) => (idempotencyKey === null ? { tokenId } : { tokenId, idempotencyKey }),
  decide(config, snapshot, input, now) {
    const token = snapshot.tokens.get(input.tokenId);
    if (token === undefined || isErasedPatient(token.patient)) return unchanged(null);
    if (input.patientId !== null && token.patient.id !== input.patientId) return unchanged(null);
    if (input.before !== null && token.day >= input.before) return unchanged(null);
    const live = liveTokensOfOpenDays([token], config.dayOf(now));
    if (live.length > 0) throw patientHasLiveTokens(live);
    const sink: EventSink = { events: [], nowDate: fixedDate(now), facilityId: config.facilityId };
    const event = patientErased(sink, token, input.reason, input.by);
    const stored = snapshot.idempotency;
    const idempotency = stored !== undefined && !isErasedPatient(stored.result.token.patient) ? erasedIdempotency(stored) : undefined;
    return {
      kind: 'commit',
      changes: {
        newSlots: [],
        updatedSlots: [],
        newTokens: [],
        updatedTokens: [erasedToken(token)],
        days: [],
        events: sink.events as never[],
        erasedIdempotency: idempotency,
      },
      result: event,
    };
  },
};
