import { changeToken, createToken } from '../claims.js';
import { tokenView } from '../call-order.js';
import { OpdError, invalid } from '../../errors.js';
import type { OpdEvent } from '../../events.js';
import { makeToken } from '../../model/make.js';
import { parseTokenId, type TokenRecord, tokenIdOf } from '../../model/records.js';
import type { Decision, DoctorSnapshot, LoadRequest, PatientLoad } from '../../model/snapshot.js';
import type { MoveResult } from '../../types.js';
import {
  type Command,
  doctorNotFound,
  guardDuplicate,
  mergeChanges,
  patientPart,
  refuseOtherPatient,
  refuseRetiredRequest,
  requestedSlot,
  tokenNotFound,
  unitChanges,
} from '../command.js';
import type { CoreConfig } from '../config.js';
import * as ev from '../events.js';
import { protectionOf } from '../protection.js';
import { firstUsableSlot, hasFreePlace } from '../slot-choice.js';
import { hasUsableSlot, promoteWaiting, settleBeforePlacing, settleEndedClaims } from '../placement.js';
import { quotaAdmits } from '../quota.js';
import { type DayWork, NO_CHANGES, Workspace } from '../workspace.js';
import { allowedIn, refuseOutsideAll, requireWithinWindow, windowCheck } from '../windows.js';
import { MOVED } from '../cancel-reasons.js';

/** A validated move. */
export interface MoveCommand {
  readonly tokenId: string;
  /** The slot asked for, if any. */
  readonly slotId: string | undefined;
  /** The doctor to move to: as asked, else the doctor of `slotId`, else the token's. */
  readonly doctorId: string;
  readonly date: string | undefined;
  readonly after: number | undefined;
  readonly reason: string | null;
  /** Who makes the call: an exempt actor is not held to the booking window. */
  readonly actor?: string | null | undefined;
  /** The patient's tokens to read under the patient's lock, when the duplicate rules reach beyond one doctor-day. */
  readonly patientLoad?: PatientLoad | undefined;
}

/** The day a move without `slotId` looks at. */
function targetDay(config: CoreConfig, command: MoveCommand, tokenDay: string): string {
  return command.date ?? (command.after === undefined ? tokenDay : config.dayOf(command.after));
}

/**
 * Moves a `BOOKED` or `WAITLISTED` token to a free place of another slot, day or doctor, in one
 * unit (over both doctors when they differ). Within one doctor-day the token keeps its id and
 * number; otherwise the patient gets a token in the new doctor-day and the old one ends
 * `CANCELLED` with `cancelReason: 'moved'`. The doctor-day placed on is settled first (within the
 * token's own day, only when a hold there has ended), as after a sweep; the place left is
 * promoted into.
 */
export function moveCommand(config: CoreConfig): Command<MoveCommand, MoveResult> {
  return {
    load(command) {
      const source = parseTokenId(command.tokenId);
      const day = command.slotId === undefined && source !== undefined ? targetDay(config, command, source.day) : undefined;
      const target: LoadRequest = { slotId: command.slotId, days: day === undefined ? undefined : [day] };
      const patient = patientPart(command.patientLoad);
      if (source === undefined || source.doctorId === command.doctorId) return { tokenId: command.tokenId, ...target, ...patient };
      return { tokenId: command.tokenId, others: [{ ...target, doctorId: command.doctorId }], ...patient };
    },
    decide: (config, snapshot, command, now) => decideMove(config, snapshot, command, now),
  };
}

function decideMove(config: CoreConfig, snapshot: DoctorSnapshot, command: MoveCommand, now: number): Decision<MoveResult> {
  const stored = snapshot.tokens.get(command.tokenId);
  if (stored === undefined || snapshot.doctor === undefined) throw tokenNotFound(command.tokenId);
  const source = new Workspace(config, snapshot, now);
  const from = source.day(stored.day);
  let token = from.find(stored.id) ?? stored;
  refuseUnmovable(token);
  const sameDoctor = command.doctorId === token.doctorId;
  const targetSnapshot = sameDoctor ? snapshot : snapshot.others?.get(command.doctorId);
  if (targetSnapshot?.doctor === undefined) {
    throw doctorNotFound(command.doctorId, 'to.doctorId');
  }
  refuseRetiredRequest(config, targetSnapshot, targetSnapshot.doctor, command, now, 'to.');
  const target = sameDoctor ? source : new Workspace(config, targetSnapshot, now);
  const slot = command.slotId === undefined ? undefined : requestedSlot(targetSnapshot, command, now, 'to.');
  const day = slot?.day ?? targetDay(config, command, token.day);
  // A past day is refused but while a session of it still runs past midnight (a night clinic,
  // as the live queue treats it): its usable slots can still take the patient.
  if (slot === undefined && day < config.dayOf(now) && !hasUsableSlot(targetSnapshot, day, now)) {
    // The day comes from `to.date`, else from `to.after`, else it is the token's own.
    if (command.date !== undefined) throw invalid('to.date', `The date ${day} is in the past`);
    if (command.after !== undefined) throw invalid('to.after', `\`to.after\` falls on ${day}, a day in the past`);
    throw invalid('to', `Token \`${token.id}\` is for ${day}, a day in the past: name the day or slot to move it to`, { tokenId: token.id });
  }
  const work = target.day(day);
  const sameDay = sameDoctor && day === token.day;
  // Another doctor-day: its lapsed holds keep no place, nor count as the patient's live token.
  if (!sameDay) settleBeforePlacing(target, work);
  else {
    // Within the day, a hold there that has ended keeps no place either: the day is settled as
    // after a sweep (the waitlist, the patient perhaps among it, takes such places first). The
    // day another day's move leaves is settled by the promotions that end the call, as a
    // cancellation's is.
    settleEndedClaims(source, from);
    token = from.find(stored.id) ?? token;
    refuseUnmovable(token);
  }
  // A free place the quota admits the patient to (an emergency is never subject to a quota).
  const exempt = protectionOf(target, token) !== null;
  const admits = (i: number): boolean => exempt || quotaAdmits(target, work, i, { category: token.category, rank: token.rank, id: token.id });
  const takes = (i: number): boolean => hasFreePlace(work, i) && work.slot(i).id !== token.slotId && admits(i);
  // The place moved to is a new request for it: within the patient's booking window.
  const window = windowCheck(target, { category: token.category, patient: token.patient, actor: command.actor ?? null });
  if (slot !== undefined) requireWithinWindow(window, slot, 'to.slotId');
  // Free places, but none within the window: refused as outside it, not as full.
  if (slot === undefined) refuseOutsideAll(window, work, now, { notBefore: command.after, takes }, 'to');
  const index = slot === undefined ? firstUsableSlot(work, now, { notBefore: command.after, takes, allows: allowedIn(work, window) }) : work.indexOf(slot.id);
  if (index < 0) {
    throw new OpdError('SLOT_FULL', `Doctor \`${command.doctorId}\` has no free place to move to on ${day}`, {
      details: { field: 'to', slotId: null, doctorId: command.doctorId, day },
    });
  }
  const place = work.slot(index);
  if (place.id === token.slotId)
    throw invalid('to', `Token \`${token.id}\` already holds a place in slot \`${place.id}\``, { tokenId: token.id, slotId: place.id });
  if (work.occupancy(index) >= place.capacity || !admits(index)) {
    throw new OpdError('SLOT_FULL', `Slot \`${place.id}\` has no free place`, {
      details: { field: 'to.slotId', slotId: place.id, doctorId: command.doctorId, day },
    });
  }

  let moved: TokenRecord;
  if (sameDay) {
    const within = moveWithinDay(source, from, token, index, command.reason);
    moved = within.token;
    source.own(within.event);
  } else {
    refuseOtherPatient(command, token);
    guardDuplicate(config, now, [work], token.patient.id, 'patient.id', token.id, {
      doctor: targetSnapshot.doctor,
      day,
      category: token.category,
      patientTokens: snapshot.patientTokens,
    });
    const transferred = transfer({ source, from, token }, { target, work, index }, command.reason);
    moved = transferred.token;
    source.own(transferred.event);
  }
  // The place (or waitlist entry) left: promote into it under the rules.
  promoteWaiting(source, from);
  const result: MoveResult = Object.freeze({
    token: tokenView(target, work, target.latest(moved.id) ?? moved),
    fromTokenId: token.id,
    // Another doctor's day: what settling it released and promoted, after the source's.
    effects: sameDoctor ? source.effects() : [...source.effects(), ...target.events],
  });
  if (sameDoctor) return { kind: 'commit', changes: source.changed ? unitChanges(source) : NO_CHANGES, result };
  return { kind: 'commit', changes: mergeChanges(unitChanges(source), unitChanges(target)), result };
}

/**
 * Moves a `BOOKED` or `WAITLISTED` token into slot `index` of its own doctor-day, keeping its id
 * and number: `BOOKED` there, not placed earlier than that slot from now on, ranked again;
 * `token:moved`. The caller has checked the place is free (a move, an accepted offer). Returns the
 * token and its event; the place it left is promoted into (or offered) by the caller's promotions.
 */
export function moveWithinDay(
  ws: Workspace,
  work: DayWork,
  token: TokenRecord,
  index: number,
  reason: string | null,
): { readonly token: TokenRecord; readonly event: OpdEvent } {
  const place = work.slot(index);
  const moved = changeToken(ws, work, token, {
    status: 'BOOKED',
    slotId: place.id,
    waitingForSlotId: null,
    notBefore: place.start,
    rank: ws.rankOf({ ...token, notBefore: place.start }, token.bumpCount),
  });
  return { token: moved, event: ev.moved(ws, token, moved, place.id, reason) };
}

/** Refuses a token that is neither `BOOKED` nor `WAITLISTED`. */
function refuseUnmovable(token: TokenRecord): void {
  if (token.status !== 'BOOKED' && token.status !== 'WAITLISTED') {
    throw new OpdError('INVALID_TRANSITION', `Cannot move token \`${token.id}\`: it is ${token.status}`, {
      details: { field: 'tokenId', tokenId: token.id, status: token.status, action: 'move' },
    });
  }
}

/** A token leaving its doctor-day: the unit it is read in, its day there, and the token. */
export interface TransferSource {
  readonly source: Workspace;
  readonly from: DayWork;
  readonly token: TokenRecord;
}

/** A place of another doctor-day: the unit that doctor is read in, the day, and the slot's index. */
export interface TransferTarget {
  readonly target: Workspace;
  readonly work: DayWork;
  readonly index: number;
}

/**
 * Moves a `BOOKED` or `WAITLISTED` token into slot `index` of another doctor-day (another day,
 * another doctor, or both): the old token ends `CANCELLED` with `cancelReason: 'moved'`, and a new
 * token of the target doctor-day (its next number and label, `BOOKED`, same category, patient
 * and request time, `bumpCount` 0) holds the place; one `token:moved` in the source's events.
 * The caller has checked the place is free and the duplicate-booking rule. Returns the new token
 * and its event.
 */
export function transfer(
  { source, from, token }: TransferSource,
  { target, work, index }: TransferTarget,
  reason: string | null,
): { readonly token: TokenRecord; readonly event: OpdEvent } {
  const place = work.slot(index);
  const { doctorId, day } = place;
  const now = source.now;
  changeToken(source, from, token, { status: 'CANCELLED', slotId: null, waitingForSlotId: null, cancelReason: MOVED });
  const tokenNumber = work.nextTokenNumber();
  const notBefore = place.start;
  const moved = makeToken({
    ...token,
    id: tokenIdOf(doctorId, day, tokenNumber),
    doctorId,
    day,
    slotId: place.id,
    waitingForSlotId: null,
    status: 'BOOKED',
    tokenNumber,
    rank: target.rankOf({ ...token, day, notBefore }, 0),
    bumpCount: 0,
    placedAt: now,
    notBefore,
    idempotencyKey: null,
    cancelReason: null,
    updatedAt: now,
    holdExpiresAt: null,
    callIndex: null,
    toldEta: null,
    turnNearSent: false,
    // A new token of the new doctor-day: the next label of its series there.
    label: target.config.labelPrefix === null ? String(tokenNumber) : work.nextLabel(target.config.labelPrefix(token.category)),
  });
  createToken(target, work, moved);
  return { token: moved, event: ev.moved(source, token, moved, place.id, reason) };
}
