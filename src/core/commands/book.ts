import { activeClaim, convertClaim, createToken, replaceToken, settleClaims } from '../claims.js';
import { claimEnded } from '../../model/claims.js';
import { tokenView } from '../call-order.js';
import { bookedJourney } from '../journeys.js';
import type { JourneyRecord, RevisitRecord } from '../../model/records.js';
import { OpdError, invalid } from '../../errors.js';
import type { DoctorSnapshot, LoadRequest, PatientLoad, ScheduleWindow } from '../../model/snapshot.js';
import type { ClaimRecord, IdempotencyRecord, SlotRecord, TokenRecord } from '../../model/records.js';
import { erasedFingerprint, isErasedPatient } from '../../model/patient.js';
import { inFacility, tokenIdOf, addFields } from '../../model/records.js';
import type { BookingResult, Patient } from '../../types.js';
import type { RecordedRequest } from '../../events.js';
import type { Decision } from '../../model/snapshot.js';
import { callPlugin, type CoreConfig, fullOptions } from '../config.js';
import { toSlot } from '../../model/convert.js';
import * as ev from '../events.js';
import { patchToken } from '../../model/make.js';
import { type EmergencyPlace, emergencyPlace } from '../emergency.js';
import { type Guard, protectionOf } from '../protection.js';
import { displace, elasticPlaces, findVictim, laterFreeSlot, promoteFirst, promoteWaiting, settleBeforePlacing, victimCanMove } from '../placement.js';
import { type Command, doctorNotFound, guardDuplicate, patientPart, refuseRetiredRequest, requestedSlot, slotNotFound, unitChanges } from '../command.js';
import { leasedPlace } from '../leases.js';
import { entitlementToUse, entitlementUsed, patientTokensIn } from '../entitlements.js';
import { closeOutDay, closingReads, dayOverAt } from './close-day.js';
import { claimHold, holdExpiry } from '../holds.js';
import { hasFreePlaceFor, quotaAdmits, type QuotaRequest } from '../quota.js';
import { NO_CHANGES, type DayWork, Workspace } from '../workspace.js';
import { chooseSlot, firstUsableSlot, hasFreePlace, scheduleList, type SlotChoice } from '../slot-choice.js';
import { allowedIn, refuseOutsideAll, requireWithinWindow, windowCheck, type WindowCheck } from '../windows.js';

/** A validated booking request. */
export interface BookCommand {
  readonly doctorId: string;
  readonly category: string;
  readonly patient: Readonly<Patient>;
  readonly slotId: string | undefined;
  readonly date: string | undefined;
  readonly after: number | undefined;
  readonly idempotencyKey: string | undefined;
  /** Canonical request, compared on replays (only with a key). */
  readonly fingerprint: string | undefined;
  /** Who makes the call, stamped on its events by the shell; not part of the fingerprint. */
  readonly actor: string | null;
  /** For a hold (`hold()`), the minutes it lasts; `null` for a booking. */
  readonly holdMinutes: number | null;
  /** The patient's tokens to read under the patient's lock, when the duplicate rules reach beyond one doctor-day (`patientLoad`). */
  readonly patientLoad?: PatientLoad | undefined;
  /** When this is one doctor's part of a booking for a department (`book({ department })`): the department asked for. */
  readonly department?: string | undefined;
  /** When the booking turns a claim into a token (a desk's token entered at reconcile): the claim. */
  readonly claim?: ClaimBooking | undefined;
  /**
   * The claim that holds the request's place in its `slotId` (an occurrence of a series held while
   * the patient decided): while it is active and has not ended, the token takes up its place
   * (the claim converted) instead of looking for one. Otherwise the request is booked as any other.
   */
  readonly heldBy?: string | undefined;
  /** What brings the patient back (a series' occurrence, a follow-up), kept on the token. */
  readonly revisit?: RevisitRecord | undefined;
}

/**
 * A booking that turns a claim on places into a token: a token a desk issued inside its lease,
 * entered centrally by `reconcile`. It takes the booking road like any request (the idempotency
 * replay, the duplicate rules, the token and its events), with the claim as its first source of
 * places: the lease's unused place in the desk's slot (`slotId`) while the lease holds one. A token
 * the desk has already given to a patient is never refused for want of room, nor by a booking
 * window: beyond its lease it is placed by the booking rules from its slot on (an emergency by the
 * emergency rule), else waits; in a slot closed since, it is displaced like the slot's other
 * patients; on a day that is over, the day's closing ends it at once.
 */
export interface ClaimBooking {
  /** The lease the desk booked inside. */
  readonly leaseId: string;
  /** The label the desk gave the patient (the lease's prefix and the desk's number). */
  readonly label: string;
  /** When the desk booked it (epoch ms): the token's request time. */
  readonly at: number;
}

/** What turning a claim into a token did, beyond a booking's result (see {@link ClaimBooking}). */
export interface ClaimedResult extends BookingResult {
  /** Whether the place came from the claim (`false`: the lease had ended or was spent there, and the token was placed beyond it). */
  readonly fromLease: boolean;
}

/**
 * Slots of the schedule a booking without a date reads first: the earliest free place is nearly
 * always among them (eight days of a doctor with eight slots a day), and a doctor's rota months
 * ahead costs nothing more. When they do not settle the request, it reads
 * {@link SCHEDULE_GROWTH} times as many, then the whole schedule.
 */
export const FIRST_SCHEDULE_SLOTS = 64;
/** How many times as many slots each further read of the schedule asks for. */
const SCHEDULE_GROWTH = 8;
/** Beyond this many slots, the whole schedule is read. */
const MOST_SCHEDULE_SLOTS = 4096;

/**
 * What a booking needs to read first (and, once the day is chosen, the days to load). `limit`:
 * the slots of the schedule to read (`undefined`: all of them).
 */
function bookLoadRequest(command: BookCommand, now: number, days?: readonly string[], limit: number | undefined = FIRST_SCHEDULE_SLOTS): LoadRequest {
  const { doctorId, idempotencyKey } = command;
  const patient = patientPart(command.patientLoad);
  if (command.slotId !== undefined) return { doctorId, idempotencyKey, slotId: command.slotId, ...patient };
  if (command.date !== undefined) return { doctorId, idempotencyKey, days: [command.date], ...patient };
  return { doctorId, idempotencyKey, schedule: bookWindow(command.after, now, limit), days, ...patient };
}

/**
 * The schedule a booking without a date reads: from `now`, or from `after` when later (a slot
 * that ends before `after` cannot take the request), its first `limit` slots (`undefined`: all).
 */
export function bookWindow(after: number | undefined, now: number, limit: number | undefined = FIRST_SCHEDULE_SLOTS): ScheduleWindow {
  const from = Math.max(now, after ?? now);
  return limit === undefined ? { from } : { from, limit };
}

/**
 * The limit of the schedule's next read. With the days chosen (`settled` on the slots listed, or
 * on the whole schedule when it was not cut short), as many slots as this snapshot listed: the
 * next read lists the same ones. Otherwise more of them; `undefined` for all.
 */
export function nextScheduleLimit(snapshot: DoctorSnapshot, settled: boolean): number | undefined {
  const listed = snapshot.schedule?.length ?? 0;
  if (settled || snapshot.scheduleCut !== true) return Math.max(FIRST_SCHEDULE_SLOTS, listed);
  const more = listed * SCHEDULE_GROWTH;
  return more > MOST_SCHEDULE_SLOTS ? undefined : more;
}

/**
 * Books a token: choose the target slot, then a free place, an elastic place, or what the
 * overflow strategy offers when full. A request without `date` or `slotId` first reads the
 * doctor's schedule to choose its day, then asks for that day (or, for an emergency, the days
 * it may go to).
 */
export const book: Command<BookCommand, BookingResult> = {
  load: (command, now) => bookLoadRequest(command, now),
  decide: decideBook,
};

/**
 * Whether a keyed request replays a stored result whose patient data was erased: compared on
 * everything but the patient (the stored fingerprint keeps only its erased form).
 */
function replaysErased(stored: IdempotencyRecord, fingerprint: string | undefined): boolean {
  return fingerprint !== undefined && isErasedPatient(stored.result.token.patient) && stored.fingerprint === erasedFingerprint(fingerprint);
}

/**
 * The fingerprint a claim's token was stored under before its patient and category were part of
 * it (a desk's booking by lease, slot and label), so that a desk reconciled then is answered as
 * it was; `undefined` for any other request.
 */
function legacyClaimFingerprint(command: BookCommand): string | undefined {
  const claim = command.claim;
  return claim === undefined ? undefined : JSON.stringify({ redeem: claim.leaseId, slotId: command.slotId, label: claim.label });
}

/** What {@link decideBook} tells a department booking of the day it books on. */
export interface BookedDay {
  /** Places taken that day once settled (its ended holds released, its waitlist promoted), before the request's. */
  taken: number;
}

/**
 * The booking rules for one doctor (also run for each doctor of a department, which passes
 * `bookedDay` to learn how full the day was).
 */
export function decideBook(config: CoreConfig, snapshot: DoctorSnapshot, command: BookCommand, now: number, bookedDay?: BookedDay): Decision<BookingResult> {
  const doctor = snapshot.doctor;
  if (doctor === undefined) {
    throw doctorNotFound(command.doctorId);
  }
  if (command.idempotencyKey !== undefined && snapshot.idempotency !== undefined) {
    const stored = snapshot.idempotency;
    if (stored.fingerprint !== command.fingerprint && !replaysErased(stored, command.fingerprint) && stored.fingerprint !== legacyClaimFingerprint(command)) {
      throw new OpdError('IDEMPOTENCY_CONFLICT', 'The idempotency key was already used for a different request', {
        details: { field: 'idempotencyKey', doctorId: doctor.id, tokenId: snapshot.idempotency.result.token.id },
      });
    }
    // A replay returns the original result as it was (the token as booked or waitlisted then),
    // not the token as it is now: getToken tells that.
    return { kind: 'commit', changes: NO_CHANGES, result: Object.freeze({ ...(snapshot.idempotency.result as BookingResult), replayed: true }) };
  }
  const claim = command.claim;
  // A token a desk has already issued is not refused by the rules a request is (a retirement closes its slots instead).
  if (claim === undefined) refuseRetiredRequest(config, snapshot, doctor, command, now);
  const ws = new Workspace(config, snapshot, now);
  // The request's booking window (none for an emergency, an exempt actor or a claim), at the unit's clock.
  const window = windowCheck(ws, command);
  let day: string;
  let requested: SlotRecord | undefined;
  if (claim !== undefined) {
    requested = claimedSlot(snapshot, command);
    day = requested.day;
  } else if (command.slotId !== undefined) {
    requested = requestedSlot(snapshot, command, now);
    requireWithinWindow(window, requested, 'slotId');
    day = requested.day;
  } else if (command.date !== undefined) {
    if (command.date < config.dayOf(now)) throw invalid('date', `The date ${command.date} is in the past`);
    day = command.date;
  } else {
    const { days, guard, freed, fallback, settled } = chooseDays(ws, command, window);
    // A schedule cut short that does not settle the request: read more of it first.
    if (!settled && snapshot.scheduleCut === true)
      return { kind: 'load', request: bookLoadRequest(command, now, undefined, nextScheduleLimit(snapshot, false)) };
    const missing = days.filter((d) => !snapshot.days.has(d));
    if (missing.length > 0) return { kind: 'load', request: bookLoadRequest(command, now, days, nextScheduleLimit(snapshot, true)) };
    if (guard !== null) day = days.length === 1 ? days[0]! : emergencyDay(ws, command, days, guard);
    else day = freedDay(ws, command, freed, fallback, window);
  }

  const work = ws.day(day);
  // A day none of whose usable slots (not before `after`) is within the window: refused, not waitlisted.
  if (requested === undefined) refuseOutsideAll(window, work, now, { notBefore: command.after }, command.date !== undefined ? 'date' : 'category');
  const allows = allowedIn(work, window);
  const requestedIndex = requested !== undefined ? work.indexOf(requested.id) : -1;
  // A claim's place passes to its token first, before the day's ended claims give theirs back.
  const leased = claim === undefined || work.slot(requestedIndex).status !== 'OPEN' ? undefined : leasedPlace(work, claim.leaseId, requested!.id);
  if (leased !== undefined) convertClaim(ws, work, leased);
  const fromLease = leased !== undefined;
  // A place held for the request (a series' occurrence) passes to its token the same way.
  const held = heldPlace(ws, work, command, requestedIndex);
  if (held !== undefined) convertClaim(ws, work, held);
  // A hold that has ended no longer keeps its place, nor counts as the patient's live token.
  settleClaims(ws, work);
  guardDuplicate(config, now, [work], command.patient.id, 'patient.id', undefined, {
    doctor,
    day,
    category: command.category,
    patientTokens: snapshot.patientTokens,
  });
  // A claim's token takes its own place: the day's other freed places go to the waitlist at the end.
  if (!fromLease && held === undefined) promoteFirst(ws, work);
  if (bookedDay !== undefined) bookedDay.taken = work.placesTaken();

  const tokenNumber = work.nextTokenNumber();
  const requestedAt = claim?.at ?? now;
  const notBefore = requested !== undefined ? requested.start : (command.after ?? null);
  const hold = command.holdMinutes;
  const category = command.category;
  const rank = ws.rankOf({ category, patient: command.patient, requestedAt, day, notBefore }, 0);
  const guard = hold !== null ? null : protectionOf(ws, command);
  // The place is chosen on the request before the token is built, so that a token placed at
  // once (a free place, or the emergency rule's place) is built once, already placed.
  let target = requestedIndex;
  let spot: EmergencyPlace | undefined;
  let free = -1;
  if (claim !== undefined) {
    // The claim's place; beyond it, the rules below from the desk's slot (a closed one: displaced).
    if (fromLease) free = requestedIndex;
  } else if (held !== undefined) {
    free = requestedIndex;
  } else if (guard !== null) {
    spot = emergencyPlace(ws, work, { category, rank, patient: command.patient, notBefore }, 0, guard, requestedIndex, 0);
    if (spot !== undefined) free = spot.index;
  } else if (hold === null) {
    const request = { category, rank };
    if (requested === undefined) {
      const chosen = chooseIn(ws, work, request, command.after, false, allows);
      target = chosen.index;
      if (chosen.room) free = target;
    } else if (hasFreePlaceFor(ws, work, target, request)) free = target;
  }
  // A free revisit the booking uses, marked on its token in this unit (the patient's lock keeps two from both using the last one).
  const revisitFree =
    command.patient.id === undefined
      ? undefined
      : entitlementToUse(
          config.followUps,
          snapshot.patientTokens === undefined ? undefined : patientTokensIn(snapshot.patientTokens, [work], command.patient.id, doctor.department ?? null),
          doctor,
          day,
        );
  const asked =
    revisitFree === undefined ? command : { ...command, revisit: { ...command.revisit, entitlement: { from: revisitFree.from, visit: revisitFree.visit } } };
  // Built once, placed at once when a place was found above.
  const label =
    claim !== undefined ? claimLabel(work, claim.label) : config.labelPrefix === null ? String(tokenNumber) : work.nextLabel(config.labelPrefix(category));
  const token = inFacility(
    requestToken(
      doctor.id,
      day,
      tokenNumber,
      free >= 0 ? work.slot(free).id : null,
      asked,
      rank,
      notBefore,
      requestedAt,
      label,
      now,
      bookedJourney(config, command.department),
    ),
    ws.facilityId,
  );
  // Whether the token took an elastic place (the result's `overflow`).
  let elastic: boolean;
  if (claim !== undefined && free < 0) {
    elastic = placeClaimed(ws, work, token, requestedIndex, guard);
  } else if (free >= 0) {
    elastic = spot?.elastic === true;
    createToken(ws, work, token);
    ws.own(ev.booked(ws, token, token.slotId!, elastic, spot === undefined ? ev.placedIn(false) : placedBySpot(work, spot, requestedIndex)));
    if (spot?.victim !== undefined) displace(ws, work, { token: spot.victim, from: spot.index, reason: 'bumped', by: token.id, depth: 0 });
  } else if (hold !== null) {
    allocateHold(ws, work, token, requested !== undefined ? requestedIndex : chooseTarget(ws, work, token, command, undefined, allows), hold, command.actor);
    elastic = false;
  } else if (guard !== null) {
    // The emergency rule found no place: the doctor-day waitlist (never refused).
    createToken(ws, work, token);
    ws.own(ev.waitlisted(ws, token, null, null, 'full', { fullSlotId: requested?.id ?? null, quota: null }));
    elastic = false;
  } else {
    // The target was asked above: a slot with a free place was refused by the quota (a full one
    // was not asked).
    const admitted = target >= 0 && work.occupancy(target) < work.slot(target).capacity ? false : undefined;
    elastic = allocate(ws, work, token, target, requested !== undefined, undefined, admitted);
  }

  recordRequest(ws, token.id, command);
  if (revisitFree !== undefined) entitlementUsed(ws, token, revisitFree.from, revisitFree.visit, revisitFree.left);
  promoteWaiting(ws, work);
  // A claim entered once its day is over: the day's closing ends it, as it ended the day's others.
  if (claim !== undefined && dayOverAt(config, day, slotsOf(work)) <= now) {
    const next = closingReads(config, snapshot, doctor.id, day, now);
    if (next.load !== undefined)
      return { kind: 'load', request: { ...next.load, idempotencyKey: command.idempotencyKey, slotId: command.slotId, ...patientPart(command.patientLoad) } };
    closeOutDay(ws, work, next.next === undefined ? undefined : ws.day(next.next));
  }
  const final = ws.latest(token.id) ?? token;
  // Frozen (events are frozen once stored): a caller editing it cannot change later replays.
  const booking = {
    // Still the record placed above: its slot is the one found, not looked up again by id.
    token: tokenView(ws, work, final),
    // A token waitlisted by the overflow strategy may be promoted by the same call.
    outcome: final.status === 'WAITLISTED' ? 'WAITLISTED' : 'BOOKED',
    overflow: elastic,
    effects: ws.effects(),
  } as const;
  const result: BookingResult = Object.freeze(claim === undefined ? booking : { ...booking, fromLease });
  if (command.idempotencyKey !== undefined) {
    ws.idempotency = { doctorId: doctor.id, key: command.idempotencyKey, fingerprint: command.fingerprint ?? '', result };
  }
  return { kind: 'commit', changes: unitChanges(ws), result };
}

/**
 * How many places of slot `slotId` bookings of `command`'s channel would take, one after the
 * other, now: the day settled as a booking settles it ({@link settleClaims}, then the waitlist
 * promoted first), then places counted while the quota's rule ({@link hasFreePlaceFor}) still
 * admits the channel to a free place. Elastic places are not counted (a place the overflow
 * strategy grants is granted one request at a time). Reads `snapshot` and writes nothing; the
 * slot's day must be loaded.
 */
export function freePlacesFor(config: CoreConfig, snapshot: DoctorSnapshot, command: BookCommand, now: number, slotId: string): number {
  const ws = new Workspace(config, snapshot, now);
  const slot = snapshot.slots.get(slotId);
  const doctor = snapshot.doctor;
  if (slot === undefined || doctor === undefined) return 0;
  const work = ws.day(slot.day);
  settleClaims(ws, work);
  promoteFirst(ws, work);
  const i = work.indexOf(slotId);
  const rank = ws.rankOf({ category: command.category, patient: command.patient, requestedAt: now, day: slot.day, notBefore: slot.start }, 0);
  const request = { category: command.category, rank };
  let n = 0;
  // Bounded by the slot's capacity: each place counted is taken in the working copy (recorded only).
  while (i >= 0 && n <= slot.capacity && hasFreePlaceFor(ws, work, i, request)) {
    const tokenNumber = work.nextTokenNumber();
    ws.create(work, requestToken(doctor.id, slot.day, tokenNumber, slotId, command, rank, slot.start, now, String(tokenNumber), now));
    n++;
  }
  return n;
}

/**
 * Writes the request on the call's own event (the new token's booking, waitlisting or hold), so
 * that the history can be replayed (`opd-scheduler/lab`); the patient is not part of it.
 */
function recordRequest(ws: Workspace, tokenId: string, command: BookCommand): void {
  const own = ws.ownEvent;
  if (own === undefined || !('request' in own) || own.tokenId !== tokenId) return;
  const category = command.category;
  const slotId = command.slotId ?? null;
  const date = command.date ?? null;
  const after = command.after === undefined ? null : new Date(command.after).toISOString();
  const holdMinutes = command.holdMinutes;
  // Two literals rather than a spread: the recorded request of a booking by doctor keeps one shape.
  const request: RecordedRequest =
    command.department === undefined
      ? { category, slotId, date, after, holdMinutes }
      : { category, slotId, date, after, holdMinutes, department: command.department };
  (own as { request: RecordedRequest | null }).request = request;
}

/**
 * The token of a booking request, as a literal in the field order of every token record
 * (`makeToken`'s), so that it shares their shape: placed in `slotId` (`BOOKED`), or waiting when
 * `null`, requested at `requestedAt` (`now`, but for a claim a desk made earlier), made at `now`.
 */
function requestToken(
  doctorId: string,
  day: string,
  tokenNumber: number,
  slotId: string | null,
  command: BookCommand,
  rank: number,
  notBefore: number | null,
  requestedAt: number,
  label: string,
  now: number,
  journey?: JourneyRecord,
): TokenRecord {
  const token: TokenRecord = {
    id: tokenIdOf(doctorId, day, tokenNumber),
    doctorId,
    day,
    slotId,
    waitingForSlotId: null,
    category: command.category,
    rank,
    status: slotId !== null ? 'BOOKED' : 'WAITLISTED',
    tokenNumber,
    patient: command.patient,
    requestedAt,
    bumpCount: 0,
    placedAt: slotId !== null ? now : null,
    notBefore,
    idempotencyKey: command.idempotencyKey ?? null,
    cancelReason: null,
    updatedAt: now,
    holdExpiresAt: null,
    label,
    callIndex: null,
    toldEta: null,
    turnNearSent: false,
  };
  // Only a token on a journey has the field (a pooled department's booking), only a token that brings its patient back (a series' occurrence, a follow-up's token, a free revisit) its revisit.
  const journeyed = journey === undefined ? token : addFields(token, { journey });
  return command.revisit === undefined ? journeyed : addFields(journeyed, { revisit: command.revisit });
}

/**
 * The active claim `command.heldBy` of the requested slot `i` that holds the request's place, when
 * the slot is open and the claim has not ended ({@link claimEnded}); else `undefined`.
 */
function heldPlace(ws: Workspace, work: DayWork, command: BookCommand, i: number): ClaimRecord | undefined {
  if (command.heldBy === undefined || i < 0 || work.slot(i).status !== 'OPEN') return undefined;
  const claim = activeClaim(work, command.heldBy, work.slot(i).id);
  return claim === undefined || claim.tokenId !== undefined || claimEnded(claim.endsAt, ws.now) || claim.used >= claim.places ? undefined : claim;
}

/** What {@link chooseDays} chose. */
interface ChosenDays {
  /** The days to load. */
  readonly days: string[];
  /** The request's protection (an emergency's), or `null`. */
  readonly guard: Guard | null;
  /** For a request that is not protected, the days a lapsed hold may have freed a place on, in order: {@link freedDay} picks among them. */
  readonly freed: readonly string[];
  /** The day when none of the others takes the request. */
  readonly fallback: string;
  /**
   * Whether the choice rests on a slot the schedule lists: one with a free place (or, for a
   * protected request, a free or elastic one). Otherwise a schedule cut short may hold it further on.
   */
  readonly settled: boolean;
}

/**
 * The days a booking without `date` or `slotId` may be for: the day of the slot {@link chooseSlot}
 * chooses on the schedule — the earliest usable slot with a free place, else the earliest usable
 * one — preceded by the earlier days where a hold that has ended keeps a place of a usable slot
 * (as the schedule's `earliestClaimEnd` tells), of which {@link freedDay} picks the first with a
 * free place once settled. For a protected request (an emergency), every day with a usable slot
 * up to the first day with a free or elastic place for it (every such day when none has one), of
 * which {@link emergencyDay} picks the first where it gets in.
 */
function chooseDays(ws: Workspace, command: BookCommand, window: WindowCheck): ChosenDays {
  const { config, snapshot, now } = ws;
  const schedule = snapshot.schedule ?? [];
  const list = scheduleList(schedule);
  const notBefore = command.after ?? null;
  // A hold is never protected: it only ever takes a free place.
  const guard = command.holdMinutes !== null ? null : protectionOf(ws, command);
  const rankOn = rankOnDay(ws, command);
  const takes =
    guard === null
      ? undefined
      : (i: number): boolean => {
          const { slot, occupancy } = schedule[i]!;
          return (
            occupancy < slot.capacity || occupancy < slot.capacity + elasticPlaces(ws, slot, { category: command.category, rank: rankOn(slot.day) }, occupancy)
          );
        };
  const allows = allowedIn(list, window);
  const chosen = chooseSlot(list, now, { notBefore, takes, allows });
  // Usable slots, none within the request's window (the whole schedule read): refused, naming when it may be made.
  if (chosen.index < 0 && snapshot.scheduleCut !== true) refuseOutsideAll(window, list, now, { notBefore }, 'category');
  if (chosen.index < 0) {
    // `after` falls on a day a date names (checked with the request); the clock may not: at the
    // end of 9999 east of Greenwich it is already 10000-01-01, at the start of 1970 west of it
    // still 1969-12-31, where a token could never be read or cancelled.
    const day = config.dayOf(Math.max(now, command.after ?? now));
    if (day.length !== 10 || day < '1970-01-01') {
      throw invalid(
        'clock',
        `The clock's instant falls on a local day outside 1970-01-01 to 9999-12-31 in the scheduler's time zone: no token can be booked for it`,
      );
    }
    return { days: [day], guard, freed: [], fallback: day, settled: false };
  }
  // The usable slots read: up to the one chosen when it has room, else the whole schedule listed.
  const end = chosen.room ? chosen.index + 1 : schedule.length;
  const days: string[] = [];
  const freed: string[] = [];
  for (let i = firstUsableSlot(list, now, { notBefore, allows }); i >= 0 && i < end; i = firstUsableSlot(list, now, { from: i + 1, notBefore, allows })) {
    const { slot, earliestClaimEnd } = schedule[i]!;
    if (days.at(-1) !== slot.day) days.push(slot.day);
    // A place a lapsed hold keeps before the slot chosen may be free once its day is settled.
    const endedHold = earliestClaimEnd !== undefined && earliestClaimEnd <= now;
    if (endedHold && !(chosen.room && i === chosen.index) && freed.at(-1) !== slot.day) freed.push(slot.day);
  }
  const fallback = schedule[chosen.index]!.slot.day;
  if (guard !== null) return { days, guard, freed: [], fallback: days[0]!, settled: chosen.room };
  return { days: freed.includes(fallback) ? freed : [...freed, fallback], guard, freed, fallback, settled: chosen.room };
}

/**
 * The first of the loaded days where the emergency rule finds the request a place, else the
 * first (see {@link firstSettledDay}: an emergency already waiting there takes the place a lapsed
 * hold left, before this request).
 */
function emergencyDay(ws: Workspace, command: BookCommand, days: readonly string[], guard: Guard): string {
  const rankOn = rankOnDay(ws, command);
  return firstSettledDay(ws, days, days[0]!, (work, day) => {
    const token = { category: command.category, rank: rankOn(day), patient: command.patient, notBefore: command.after ?? null };
    return emergencyPlace(ws, work, token, 0, guard, -1, 0) !== undefined;
  });
}

/** The first of the `freed` days with a free place of a usable slot (not before `after`) once settled, else `fallback`. */
function freedDay(ws: Workspace, command: BookCommand, freed: readonly string[], fallback: string, window: WindowCheck): string {
  return firstSettledDay(
    ws,
    freed,
    fallback,
    (work) => firstUsableSlot(work, ws.now, { notBefore: command.after, allows: allowedIn(work, window), takes: (i) => hasFreePlace(work, i) }) >= 0,
  );
}

/**
 * The first of `days` that `takes` the request once settled, else `fallback`. Each day looked at
 * is settled in the call's workspace as a booking there would be — its lapsed holds released, the
 * waitlist promoted into their places — and stays so, as after a sweep, when the request goes on
 * to a later day.
 */
function firstSettledDay(ws: Workspace, days: readonly string[], fallback: string, takes: (work: DayWork, day: string) => boolean): string {
  for (const day of days) {
    const work = ws.day(day);
    settleBeforePlacing(ws, work);
    if (takes(work, day)) return day;
  }
  return fallback;
}

function rankOnDay(ws: Workspace, command: BookCommand): (day: string) => number {
  return (day) => ws.rankOf({ category: command.category, patient: command.patient, requestedAt: ws.now, day, notBefore: command.after ?? null }, 0);
}

/**
 * Within a day, the slot {@link chooseSlot} chooses for `request`: the earliest usable slot with a
 * free place the quota admits it to (an emergency, `exempt`, never asks the quota), else the
 * earliest usable one, else -1; with `allows` (the request's booking window), only among the
 * slots it allows.
 */
export function chooseTarget(
  ws: Workspace,
  work: DayWork,
  token: TokenRecord,
  command: Pick<BookCommand, 'after'>,
  exempt = protectionOf(ws, token) !== null,
  allows?: (i: number) => boolean,
): number {
  return chooseIn(ws, work, token, command.after, exempt, allows).index;
}

function chooseIn(ws: Workspace, work: DayWork, request: QuotaRequest, after: number | undefined, exempt = false, allows?: (i: number) => boolean): SlotChoice {
  return chooseSlot(work, ws.now, { notBefore: after, takes: roomFor(ws, work, request, exempt), allows });
}

/** Whether slot `i` has a free place the quota admits `request` to (an `exempt` request never asks it). */
function roomFor(ws: Workspace, work: DayWork, request: QuotaRequest, exempt: boolean): (i: number) => boolean {
  return (i) => (exempt ? hasFreePlace(work, i) : hasFreePlaceFor(ws, work, i, request));
}

/** Records `next`: a new token, or a stored one (`stored`, a token brought back) changed. */
function settle(ws: Workspace, work: DayWork, stored: TokenRecord | undefined, next: TokenRecord): void {
  if (stored === undefined) createToken(ws, work, next);
  else replaceToken(ws, work, stored, next);
}

/**
 * Places the token in slot `i` (an elastic place when `overflow`), by the rule `by` names;
 * returns `overflow`.
 */
function place(ws: Workspace, work: DayWork, token: TokenRecord, i: number, overflow: boolean, stored: TokenRecord | undefined, by: ev.PlacedBy): boolean {
  const slotId = work.slot(i).id;
  const placed = patchToken(token, { status: 'BOOKED', slotId }, ws.now);
  settle(ws, work, stored, placed);
  ws.own(ev.booked(ws, placed, slotId, overflow, by));
  return overflow;
}

/**
 * The rule by which the emergency rule's place was found: a bump, a free or elastic place of the
 * slot asked for (`requested`, -1 when none), or of a later slot when that one had none.
 */
function placedBySpot(work: DayWork, spot: EmergencyPlace, requested: number): ev.PlacedBy {
  if (spot.victim !== undefined) return { rule: 'bump', fullSlotId: null, quota: null, bumped: spot.victim };
  if (requested >= 0 && spot.index !== requested) return { rule: 'next-slot', fullSlotId: work.slot(requested).id, quota: null, bumped: null };
  return ev.placedIn(spot.elastic);
}

/**
 * The slot a claim names (a desk's slot): a slot of the doctor on the day, whatever its state —
 * the desk has already given the patient a place in it.
 */
function claimedSlot(snapshot: DoctorSnapshot, command: BookCommand): SlotRecord {
  const slotId = command.slotId ?? '';
  const slot = snapshot.slots.get(slotId);
  if (slot === undefined || slot.doctorId !== command.doctorId || (command.date !== undefined && slot.day !== command.date))
    throw slotNotFound(slotId, 'slotId', command.doctorId);
  return slot;
}

/**
 * The label of a claim's token: the one the desk gave, unless a live token of the day holds it
 * already (the lease opened on two devices, each numbering its own tokens): then the first of
 * `${label}-2`, `${label}-3`, … no token of the day holds. Two live tokens of a day never share
 * a label; the report tells staff which patient to tell.
 */
function claimLabel(work: DayWork, label: string): string {
  const taken = new Set<string>();
  for (let i = 0; i < work.slotCount; i++) for (const t of work.places(i)) taken.add(t.label);
  for (const t of work.waitlist) taken.add(t.label);
  if (!taken.has(label)) return label;
  let k = 2;
  while (taken.has(`${label}-${k}`)) k++;
  return `${label}-${k}`;
}

/**
 * Places a claim's token that its claim could not place (the lease ended or spent there, or the
 * slot closed since), by the booking road from the desk's slot `i`, never refusing it: in a slot
 * closed since, it is displaced like the slot's other patients (`token:booked` there, then its
 * fate); a protected token by the emergency rule ({@link allocateProtected}); any other by the
 * booking rules ({@link allocate}), waiting where they would refuse it. Returns whether it took
 * an elastic place.
 */
function placeClaimed(ws: Workspace, work: DayWork, token: TokenRecord, i: number, guard: Guard | null): boolean {
  if (work.slot(i).status === 'CLOSED') {
    const placed = patchToken(token, { status: 'BOOKED', slotId: work.slot(i).id }, ws.now);
    createToken(ws, work, placed);
    ws.own(ev.booked(ws, placed, placed.slotId!, false));
    displace(ws, work, { token: placed, from: i, reason: 'slot-closed', by: null, depth: 0 });
    return false;
  }
  if (guard !== null) return allocateProtected(ws, work, token, guard, i);
  return allocate(ws, work, token, i, true, undefined, undefined, true);
}

/** The slots of a working day, in time order. */
function slotsOf(work: DayWork): SlotRecord[] {
  const slots: SlotRecord[] = [];
  for (let i = 0; i < work.slotCount; i++) slots.push(work.slot(i));
  return slots;
}

/**
 * A hold takes a free place of the target slot, never an elastic one, and never bumps or
 * waits: a payment that may never come must not cost anyone a place. Without one it is refused
 * (`SLOT_FULL`), whatever the overflow strategy would do for a booking. Like every emergency
 * placement, an emergency's hold never asks the quota.
 */
function allocateHold(ws: Workspace, work: DayWork, token: TokenRecord, target: number, minutes: number, actor: string | null): void {
  const free = target >= 0 && (protectionOf(ws, token) !== null ? hasFreePlace(work, target) : hasFreePlaceFor(ws, work, target, token));
  if (free) {
    const slotId = work.slot(target).id;
    const until = holdExpiry(work.slot(target), ws.now, minutes);
    const holding = patchToken(token, { status: 'HELD', slotId, holdExpiresAt: until }, ws.now);
    claimHold(work, holding, until, actor);
    createToken(ws, work, holding);
    ws.own(ev.held(ws, holding, slotId, until));
    return;
  }
  const slotId = target >= 0 ? work.slot(target).id : null;
  throw new OpdError(
    'SLOT_FULL',
    slotId === null ? `Doctor \`${token.doctorId}\` has no free place to hold on ${work.day}` : `Slot \`${slotId}\` has no free place to hold`,
    {
      details: { field: slotId === null ? 'date' : 'slotId', slotId, doctorId: token.doctorId, day: work.day },
    },
  );
}

/**
 * A protected request: the place the emergency rule finds, else the doctor-day waitlist (never
 * refused). `stored` is the stored record when the token already exists (a token brought back).
 * Returns whether the place taken is an elastic one.
 */
export function allocateProtected(ws: Workspace, work: DayWork, token: TokenRecord, guard: Guard, requested: number, stored?: TokenRecord): boolean {
  const spot = emergencyPlace(ws, work, token, 0, guard, requested, 0);
  if (spot !== undefined) {
    const result = place(ws, work, token, spot.index, spot.elastic, stored, placedBySpot(work, spot, requested));
    if (spot.victim !== undefined) displace(ws, work, { token: spot.victim, from: spot.index, reason: 'bumped', by: token.id, depth: 0 });
    return result;
  }
  settle(ws, work, stored, token);
  ws.own(ev.waitlisted(ws, token, null, null, 'full', { fullSlotId: requested >= 0 ? work.slot(requested).id : null, quota: null }));
  return false;
}

/**
 * Places a token that holds no place under the booking rules at `target`: a free place, an
 * elastic place, else the overflow strategy's options. `stored` is the stored record when the
 * token already exists (a token brought back), else the token is new. `admitted`: the quota's
 * answer for the token in `target`, when the caller already asked. `issued`: the token was already
 * given to a patient (a desk's), so where the strategy would refuse it, it waits on the day's
 * waitlist instead. Returns whether the place taken is an elastic one (`false` when the token waits).
 */
export function allocate(
  ws: Workspace,
  work: DayWork,
  token: TokenRecord,
  target: number,
  requestedSlot: boolean,
  stored?: TokenRecord,
  admitted?: boolean,
  issued = false,
): boolean {
  let occupancy = 0;
  // The quota that counted the target as full for this channel (explanations name it).
  let refusedBy: string | null = null;
  if (target >= 0) {
    const slot = work.slot(target);
    occupancy = work.occupancy(target);
    // A slot the quota closes to this channel counts as full for it, elastic places included.
    if (admitted ?? quotaAdmits(ws, work, target, token)) {
      if (occupancy < slot.capacity) return place(ws, work, token, target, false, stored, ev.placedIn(false));
      if (occupancy < slot.capacity + elasticPlaces(ws, slot, token, occupancy)) return place(ws, work, token, target, true, stored, ev.placedIn(true));
    } else refusedBy = ws.config.quota?.name ?? null;
  }

  const overflow = ws.config.overflow;
  const options = callPlugin('overflow strategy', overflow.name, () =>
    overflow.whenFull({
      category: token.category,
      rank: token.rank,
      patient: token.patient,
      slot: target >= 0 ? toSlot(work.slot(target)) : null,
      occupancy,
      requestedSlot,
      now: ws.nowDate,
    }),
  );
  for (const option of fullOptions(overflow.name, options)) {
    if (option === 'bump' && target >= 0) {
      const victim = findVictim(ws, work, target, token);
      if (victim === undefined || !quotaAdmits(ws, work, target, token, victim)) continue;
      if (overflow.victimWithoutRoom === 'keep' && !victimCanMove(ws, work, victim, target, 0)) continue;
      const result = place(ws, work, token, target, false, stored, { rule: 'bump', fullSlotId: null, quota: null, bumped: victim });
      displace(ws, work, { token: victim, from: target, reason: 'bumped', by: token.id, depth: 0 });
      return result;
    }
    if (option === 'next-slot' && target >= 0) {
      const next = laterFreeSlot(ws, work, target, token);
      if (next >= 0)
        return place(ws, work, token, next, false, stored, { rule: 'next-slot', fullSlotId: work.slot(target).id, quota: refusedBy, bumped: null });
    }
    if (option === 'waitlist') {
      const waitingFor = overflow.waitlist === 'slot' && target >= 0 ? work.slot(target).id : null;
      const waiting = patchToken(token, { waitingForSlotId: waitingFor }, ws.now);
      settle(ws, work, stored, waiting);
      ws.own(ev.waitlisted(ws, waiting, waitingFor, null, 'full', { fullSlotId: target >= 0 ? work.slot(target).id : null, quota: refusedBy }));
      return false;
    }
    if (option === 'reject') break;
  }
  if (issued) {
    // A token already given to a patient (a desk's) is never refused: it waits on the day's waitlist.
    settle(ws, work, stored, token);
    ws.own(ev.waitlisted(ws, token, null, null, 'full', { fullSlotId: target >= 0 ? work.slot(target).id : null, quota: refusedBy }));
    return false;
  }
  const slotId = target >= 0 ? work.slot(target).id : null;
  throw new OpdError('SLOT_FULL', slotId === null ? `Doctor \`${token.doctorId}\` has no open slot left on ${work.day}` : `Slot \`${slotId}\` is full`, {
    details: { field: slotId === null ? 'date' : 'slotId', slotId, doctorId: token.doctorId, day: work.day },
  });
}
