/**
 * The live queue: calling the next patient into a room, calling one again, and bringing back a
 * token of today that ended as a no-show or a cancellation (a late arrival, a mistake).
 */
import { settleClaims } from '../claims.js';
import { OpdError } from '../../errors.js';
import { MINUTE } from '../../time.js';
import { callSequence, estimatesOf, tokenView } from '../call-order.js';
import { inDoctorQueue } from '../journeys.js';
import { noteCall } from './journey.js';
import type { TokenRecord } from '../../model/records.js';
import { makeToken } from '../../model/make.js';
import type { CallResult, LateArrival, TransitionResult } from '../../types.js';
import type { PatientLoad } from '../../model/snapshot.js';
import { type Command, commit, doctorNotFound, guardDuplicate, patientPart, refuseOtherPatient, tokenNotFound, unchanged } from '../command.js';
import * as ev from '../events.js';
import { promoteFirst, promoteWaiting } from '../placement.js';
import { HOLD_EXPIRED, HOLD_RELEASED } from '../holds.js';
import { type DayWork, Workspace } from '../workspace.js';
import { allocate, allocateProtected, chooseTarget } from './book.js';
import { allowedIn, refuseOutsideAll, windowCheck } from '../windows.js';
import { firstUsableSlot } from '../slot-choice.js';
import { protectionOf } from '../protection.js';
import { CARRIED, DAY_CLOSED, MOVED } from '../cancel-reasons.js';

/** Who to call next: a doctor, where, and today's date at the scheduler's clock. */
export interface CallNextInput {
  readonly doctorId: string;
  readonly day: string;
  /**
   * The local date before `day`, whose slots still running come first: a session past midnight
   * belongs to the day it started. `null` for none.
   */
  readonly dayBefore: string | null;
  readonly room: string | null;
}

/**
 * Calls the next patient to see: the first `CHECKED_IN` place of the doctor's day in the call
 * order (see `callSequence`: emergencies first, from any slot; then, without a `callOrder`, queue
 * order, slot by slot in time order), after those of the day before's slots still running (a
 * night session past midnight) unless today's first is an emergency and theirs is not. Calling changes no status: the patient stays first in line until the
 * consultation starts, so calling next again before then calls the same patient again.
 * Nobody checked in: `{ token: null }`, no event, nothing stored. The room is the call's, else
 * the doctor's.
 */
export const callNext: Command<CallNextInput, CallResult> = {
  load: ({ doctorId, day, dayBefore }) => ({ doctorId, days: dayBefore === null ? [day] : [dayBefore, day] }),
  decide(config, snapshot, { doctorId, day, dayBefore, room }, now) {
    if (snapshot.doctor === undefined) throw doctorNotFound(doctorId);
    const ws = new Workspace(config, snapshot, now);
    // Of the day before, only the slots still running (a night session past midnight): a patient
    // left checked in once they ended is not today's first. An emergency of today is called
    // before anyone of the day before who is not one.
    let work = dayBefore === null ? undefined : ws.day(dayBefore);
    let next = work === undefined ? undefined : firstToCall(ws, work, now);
    if (next === undefined || protectionOf(ws, next) === null) {
      const today = ws.day(day);
      const first = firstToCall(ws, today, Number.NEGATIVE_INFINITY);
      if (next === undefined || (first !== undefined && protectionOf(ws, first) !== null)) {
        work = today;
        next = first;
      }
    }
    if (next === undefined) return unchanged(NOBODY);
    // Under a call order, the day's calls are read from its records: a token's first call is numbered.
    next = noteCall(ws, work!, next, doctorId);
    ws.own(ev.called(ws, next, next.slotId ?? '', room ?? snapshot.doctor.room ?? null, false));
    return commit(ws, Object.freeze({ token: tokenView(ws, work!, next), effects: ws.effects() }));
  },
};

const NOBODY: CallResult = Object.freeze({ token: null, effects: Object.freeze([]) });

/**
 * The patient to call now among the `CHECKED_IN` places of the day's slots ending after
 * `endsAfter`: the first of the call order (see {@link callSequence}: an emergency, if any; else,
 * without a call order, the first in queue order, slot by slot in time order).
 */
function firstToCall(ws: Workspace, work: DayWork, endsAfter: number): TokenRecord | undefined {
  const pace = ws.config.callOrder === undefined ? 0 : estimatesOf(ws, work, ws.now, ws.consultMinutes).paceMinutes * MINUTE;
  const doctorId = ws.snapshot.doctor!.id;
  return callSequence(ws, work, ws.now, pace, endsAfter, (t) => inDoctorQueue(t, doctorId))[0];
}

/** A token to call again, and where. */
export interface RecallInput {
  readonly tokenId: string;
  readonly room: string | null;
}

/** Calls a `CHECKED_IN` patient again (`token:called` with `recall: true`, in the call's room, else the doctor's); changes no status. */
export const recall: Command<RecallInput, TransitionResult> = {
  load: ({ tokenId }) => ({ tokenId }),
  decide(config, snapshot, { tokenId, room }, now) {
    const stored = snapshot.tokens.get(tokenId);
    if (stored === undefined || snapshot.doctor === undefined) throw tokenNotFound(tokenId);
    const ws = new Workspace(config, snapshot, now);
    const work = ws.day(stored.day);
    const token = work.find(tokenId) ?? stored;
    if (token.status !== 'CHECKED_IN') {
      throw new OpdError('INVALID_TRANSITION', `Cannot recall token \`${tokenId}\`: it is ${token.status}`, {
        details: { field: 'tokenId', tokenId, status: token.status, action: 'recall' },
      });
    }
    ws.own(ev.called(ws, token, token.slotId ?? '', room ?? snapshot.doctor.room ?? null, true));
    return commit(ws, Object.freeze({ token: tokenView(ws, work, token), effects: ws.effects() }));
  },
};

/** A token to bring back, under the hospital's late-arrival rule. */
export interface ReinstateInput {
  readonly tokenId: string;
  readonly lateArrival: LateArrival;
  /** Who makes the call: an exempt actor is not held to the booking window. */
  readonly actor?: string | null | undefined;
  /** The patient's tokens to read under the patient's lock, when the duplicate rules reach beyond one doctor-day. */
  readonly patientLoad?: PatientLoad | undefined;
}

/**
 * Brings a `NO_SHOW` or `CANCELLED` token of today (by the clock; or of the day before while
 * one of its sessions runs past midnight) back under the booking rules, keeping its id, number
 * and label, as a request made now:
 * - `'queue-end'`: into the slot running now (else the next one that has not ended), behind
 *   every place there of its rank; when that slot is full the overflow strategy decides (next
 *   slot, waitlist, bump, or `SLOT_FULL`) as for a booking;
 * - `'rebook'`: as a new booking without a slot: the earliest usable slot with a free place, else
 *   the overflow strategy at the earliest usable slot.
 * A hold that was released or expired is not brought back (hold again), nor a token a move
 * replaced (`cancelReason: 'moved'`: the patient's place is the token moved to), nor a token
 * whose patient has another live token that day.
 */
export const reinstate: Command<ReinstateInput, TransitionResult> = {
  load: ({ tokenId, patientLoad }) => ({ tokenId, ...patientPart(patientLoad) }),
  decide(config, snapshot, { tokenId, lateArrival, actor, patientLoad }, now) {
    const stored = snapshot.tokens.get(tokenId);
    if (stored === undefined || snapshot.doctor === undefined) throw tokenNotFound(tokenId);
    const refuse = (why: string, extra: Record<string, unknown> = {}): OpdError =>
      new OpdError('INVALID_TRANSITION', `Cannot reinstate token \`${tokenId}\`: ${why}`, {
        details: { field: 'tokenId', tokenId, status: stored.status, action: 'reinstate', ...extra },
      });
    if (stored.status !== 'NO_SHOW' && stored.status !== 'CANCELLED') throw refuse(`it is ${stored.status}`);
    // The scheduler's own markers (a caller's `cancel` may not give them): a hold that ended is
    // not a booking to bring back; a token a move replaced is not the patient's place any more —
    // bringing it back would give the patient two places (the one moved to, and this one).
    if (stored.status === 'CANCELLED' && (stored.cancelReason === HOLD_RELEASED || stored.cancelReason === HOLD_EXPIRED)) {
      throw refuse('it was a hold that ended', { cancelReason: stored.cancelReason });
    }
    if (stored.status === 'CANCELLED' && (stored.cancelReason === DAY_CLOSED || stored.cancelReason === CARRIED)) {
      throw refuse(stored.cancelReason === CARRIED ? 'its day was closed and the patient carried to a later day' : 'its day was closed', {
        cancelReason: stored.cancelReason,
      });
    }
    if (stored.status === 'CANCELLED' && stored.cancelReason === MOVED) {
      throw refuse('a move replaced it (the patient holds the token moved to)', { cancelReason: stored.cancelReason, moved: true });
    }
    const today = config.dayOf(now);
    const ws = new Workspace(config, snapshot, now);
    const work = ws.day(stored.day);
    // Today's, or the day before's while a session of it is still running past midnight.
    if (stored.day !== today && !(stored.day < today && runningOrNext(work, now) >= 0)) {
      throw refuse(`it is for ${stored.day}, not today (${today})`, { day: stored.day });
    }
    settleClaims(ws, work);
    refuseOtherPatient({ patientLoad }, stored);
    guardDuplicate(config, now, [work], stored.patient.id, 'tokenId', tokenId, {
      doctor: snapshot.doctor,
      day: stored.day,
      category: stored.category,
      patientTokens: snapshot.patientTokens,
    });
    promoteFirst(ws, work);
    const back = makeToken({
      ...stored,
      status: 'WAITLISTED',
      slotId: null,
      waitingForSlotId: null,
      requestedAt: now,
      notBefore: null,
      cancelReason: null,
      placedAt: null,
      holdExpiresAt: null,
      callIndex: null,
      toldEta: null,
      turnNearSent: false,
      updatedAt: now,
      // Due from now, as a request made now (a carried token's kept due time ends with it).
      dueAt: null,
      rank: ws.rankOf({ ...stored, requestedAt: now, notBefore: null, dueAt: null }, stored.bumpCount),
    });
    const own = ev.reinstated(ws, back, stored.status as 'NO_SHOW' | 'CANCELLED', lateArrival);
    // Under the booking rules: an emergency is placed by the emergency rule, never refused.
    const guard = protectionOf(ws, back);
    if (guard !== null) allocateProtected(ws, work, back, guard, lateArrival === 'queue-end' ? runningOrNext(work, now) : -1, stored);
    else {
      // Brought back as a request made now: only into a slot within its booking window.
      const window = windowCheck(ws, { category: back.category, patient: back.patient, actor: actor ?? null });
      refuseOutsideAll(window, work, now, {}, 'tokenId');
      const allows = allowedIn(work, window);
      const target = lateArrival === 'queue-end' ? runningOrNext(work, now, allows) : chooseTarget(ws, work, back, { after: undefined }, false, allows);
      allocate(ws, work, back, target, lateArrival === 'queue-end', stored);
    }
    ws.own(own);
    promoteWaiting(ws, work);
    const final = ws.latest(tokenId) ?? back;
    return commit(ws, Object.freeze({ token: tokenView(ws, work, final), effects: ws.effects() }));
  },
};

/** The open slot running at `now`, else the earliest usable one after it (among those `allows` allows), else -1. */
function runningOrNext(work: DayWork, now: number, allows?: (i: number) => boolean): number {
  return firstUsableSlot(work, now, { allows });
}
