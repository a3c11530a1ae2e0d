/**
 * Booking a follow-up, trying a due one again, and cancelling one: the rules of one follow-up per
 * visit (see `../followups.ts` for the claim that keeps it).
 */
import { OpdError, invalid } from '../../errors.js';
import { parseTokenId, type ClaimRecord, type TokenRecord } from '../../model/records.js';
import type { CommitDecision, DoctorSnapshot, LoadRequest, PatientLoad } from '../../model/snapshot.js';
import type { BookingResult, FollowUp, FollowUpResult, Patient, Token } from '../../types.js';
import { tokenView } from '../call-order.js';
import { putClaim } from '../claim-kinds.js';
import { convertClaim, endClaim } from '../claims.js';
import {
  type Command,
  commit,
  departmentNotFound,
  doctorNotFound,
  mergeChanges,
  patientPart,
  refuseOtherPatient,
  tokenNotFound,
  unchanged,
  unitChanges,
} from '../command.js';
import type { CoreConfig } from '../config.js';
import { followUpBooked, followUpCancelled, followUpDue } from '../events/follow-ups.js';
import {
  addDays,
  daysBetween,
  FOLLOW_UP_CATEGORY,
  type FollowUpDetail,
  followUpClaim,
  followUpDetail,
  followUpIdOf,
  isFollowUp,
  openFrom,
} from '../followups.js';
import { Workspace } from '../workspace.js';
import { type BookCommand, decideBook } from './book.js';

/** A validated follow-up request. */
export interface FollowUpAsk {
  /** Days after the visit's day, or `null` when `on` is given. */
  readonly afterDays: number | null;
  /** The due date, or `null` when `afterDays` is given. */
  readonly on: string | null;
  readonly windowDays: number;
  readonly doctorId: string | null;
  readonly department: string | null;
  readonly key: string | null;
}

/** A follow-up to book (`request`), or a due one to try again (`request: null`, the sweep's). */
export interface FollowUpInput {
  readonly fromTokenId: string;
  readonly request: FollowUpAsk | null;
  readonly actor: string | null;
  /** The patient's tokens to read under the patient's lock, when the duplicate rules reach beyond one doctor-day. */
  readonly patientLoad?: PatientLoad | undefined;
  /** The further doctor or the department the follow-up is with, locked from the start (a unit takes all its locks up front). */
  readonly locks?: { readonly doctorId?: string | undefined; readonly department?: string | undefined } | undefined;
}

/** The statuses of a visit a follow-up may be asked from: the patient was seen (checked in, in consultation, or done). */
const SEEN: ReadonlySet<string> = new Set(['CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED']);

/**
 * A follow-up of a visit: booked in the earliest usable place of its window by the one booking
 * road, else kept due (`followup:due`). A second request for the same visit is the same follow-up:
 * one already booked (or cancelled with the same key) is answered as it stands (`replayed`); a due
 * one is tried again with the new request. The sweep's retry (`request: null`) changes nothing
 * when there is still no place.
 */
export const followUpCommand: Command<FollowUpInput, FollowUpResult | null> = {
  load: (input) => firstLoad(input),
  decide(config, snapshot, input, now) {
    const visit = snapshot.tokens.get(input.fromTokenId);
    if (visit === undefined || snapshot.doctor === undefined) {
      if (input.request === null) return unchanged(null);
      throw tokenNotFound(input.fromTokenId, 'fromTokenId');
    }
    refuseOtherPatient(input, visit);
    const ws = new Workspace(config, snapshot, now);
    const work = ws.day(visit.day);
    const id = followUpIdOf(visit.id);
    const stored = work.claims.find((c) => c.id === id && isFollowUp(c));
    const { request } = input;
    if (request === null) {
      if (stored === undefined || stored.state !== 'ACTIVE') return unchanged(null);
    } else if (
      stored !== undefined &&
      (stored.state === 'CONVERTED' || (stored.state === 'RELEASED' && request.key !== null && followUpDetail(stored).key === request.key))
    ) {
      return replay(config, snapshot, input, stored, now);
    } else if (!SEEN.has(visit.status)) {
      throw new OpdError(
        'INVALID_TRANSITION',
        `Cannot book a follow-up of token \`${visit.id}\`: it is ${visit.status} (a follow-up is asked at the end of a visit)`,
        {
          details: { field: 'fromTokenId', tokenId: visit.id, status: visit.status, action: 'follow up' },
        },
      );
    }
    const detail = request === null ? followUpDetail(stored!) : askedDetail(config, visit, request, now);
    const today = config.dayOf(now);
    const days = daysBetween(openFrom(detail, visit.day, today), detail.last);
    if (detail.department !== null && snapshot.department === undefined) {
      return { kind: 'load', request: { ...loadBase(input, visit), department: { name: detail.department, each: { days } } } };
    }
    const doctors = doctorsOf(snapshot, visit, detail);
    const placement = placeFollowUp(config, snapshotIn(snapshot), doctors, days, visit.patient, input.actor, now, id);
    if (placement.kind === 'load') {
      const base = { ...loadBase(input, visit), ...(detail.department === null ? {} : { department: { name: detail.department, each: { days } } }) };
      return { kind: 'load', request: withReads(base, visit.doctorId, placement.reads) };
    }
    if (request !== null) refuseNowhere(detail, doctors, snapshotIn(snapshot));
    const actor = input.actor;
    const made = followUpClaim(
      visit,
      detail,
      stored?.state === 'ACTIVE' && request === null ? (stored.dueAt ?? now) : now,
      request === null ? stored!.actor : actor,
    );
    // The same claim as stored (its id and slot name it in the day's list), whatever became of the visit's place since.
    const claim = stored === undefined ? made : { ...made, slotId: stored.slotId };
    if (placement.kind === 'booked') {
      const { decision } = placement;
      const booked = decision.result.token;
      putClaim(work, claim);
      const record = decision.changes.newTokens.find((t) => t.id === booked.id);
      convertClaim(ws, work, claim, record);
      const own = followUpBooked(ws, visit.doctorId, id, detail, booked.id, booked.doctorId, booked.day);
      ws.own(own);
      const changes = mergeChanges(decision.changes, unitChanges(ws));
      // The sweep's retry reports every event of its unit (the sweep's effects); a call, all but its own.
      const effects = request === null ? [...decision.changes.events, own] : [...decision.changes.events];
      const result: FollowUpResult = Object.freeze({
        followUp: viewOf(
          visit,
          work.claims.find((c) => c.id === id)!,
        ),
        token: booked,
        effects: Object.freeze(effects),
      });
      return { kind: 'commit', changes, result };
    }
    // No place in the window: the sweep's retry changes nothing; a request keeps it due.
    if (request === null) return unchanged(null);
    putClaim(work, claim);
    ws.own(followUpDue(ws, visit.doctorId, id, detail));
    return commit(ws, Object.freeze({ followUp: viewOf(visit, claim), token: null, effects: Object.freeze([]) }));
  },
};

/** A due follow-up cancelled by an actor. */
export interface CancelFollowUpInput {
  readonly followUpId: string;
  readonly fromTokenId: string;
  readonly actor: string;
  readonly reason: string | null;
}

/**
 * Cancels a due follow-up (`followup:cancelled`): it is no longer tried. One already cancelled is
 * answered as it stands; one booked is refused (`INVALID_TRANSITION`: cancel its token instead).
 */
export const cancelFollowUpCommand: Command<CancelFollowUpInput, FollowUp> = {
  load: (input) => ({ tokenId: input.fromTokenId }),
  decide(config, snapshot, input, now) {
    const visit = snapshot.tokens.get(input.fromTokenId);
    const notFound = (): OpdError =>
      new OpdError('TOKEN_NOT_FOUND', `Follow-up \`${input.followUpId}\` does not exist`, {
        details: { field: 'followUpId', followUpId: input.followUpId, tokenId: input.fromTokenId },
      });
    if (visit === undefined || snapshot.doctor === undefined) throw notFound();
    const ws = new Workspace(config, snapshot, now);
    const work = ws.day(visit.day);
    const stored = work.claims.find((c) => c.id === input.followUpId && isFollowUp(c));
    if (stored === undefined) throw notFound();
    if (stored.state === 'RELEASED') return unchanged(viewOf(visit, stored));
    if (stored.state !== 'ACTIVE') {
      throw new OpdError('INVALID_TRANSITION', `Cannot cancel follow-up \`${stored.id}\`: it is booked (cancel its token)`, {
        details: { field: 'followUpId', followUpId: stored.id, status: 'BOOKED', tokenId: followUpDetail(stored).tokenId },
      });
    }
    const detail = { ...followUpDetail(stored), reason: input.reason };
    const marked: ClaimRecord = { ...stored, actor: input.actor, detail };
    putClaim(work, marked);
    endClaim(ws, work, marked, 'released');
    ws.own(followUpCancelled(ws, visit.doctorId, stored.id, detail));
    return commit(
      ws,
      viewOf(
        visit,
        work.claims.find((c) => c.id === stored.id)!,
      ),
    );
  },
};

/** The public view of a follow-up claim of `visit`. */
export function viewOf(visit: Pick<TokenRecord, 'doctorId'>, claim: ClaimRecord): FollowUp {
  const d = followUpDetail(claim);
  const status = claim.state === 'ACTIVE' ? 'DUE' : claim.state === 'CONVERTED' ? 'BOOKED' : 'CANCELLED';
  return Object.freeze({
    id: claim.id,
    fromTokenId: d.from,
    doctorId: visit.doctorId,
    toDoctorId: d.doctorId,
    department: d.department,
    dueDate: d.due,
    from: d.first,
    to: d.last,
    status,
    tokenId: d.tokenId,
    requestedAt: new Date(d.requestedAt),
    actor: claim.actor,
  });
}

/**
 * What a follow-up unit reads first: the visit (its doctor locked, its day loaded), the further
 * doctor or the department it is with (locked too), and the patient's tokens under the wider
 * duplicate rules.
 */
function firstLoad(input: FollowUpInput): LoadRequest {
  const visitDoctor = parseTokenId(input.fromTokenId)?.doctorId;
  const { doctorId, department } = input.locks ?? {};
  const others = doctorId !== undefined && doctorId !== visitDoctor ? { others: [{ doctorId }] } : {};
  const members = department === undefined ? {} : { department: { name: department, each: {} } };
  return { tokenId: input.fromTokenId, ...others, ...members, ...patientPart(input.patientLoad) };
}

/** {@link firstLoad}, the visit's doctor named. */
function loadBase(input: FollowUpInput, visit: TokenRecord): LoadRequest {
  return { ...firstLoad(input), doctorId: visit.doctorId };
}

/** The detail of a follow-up asked for now: its due date, its window (never on or before the visit's day), and whom it is with. */
function askedDetail(config: CoreConfig, visit: TokenRecord, request: FollowUpAsk, now: number): FollowUpDetail {
  const due = request.on ?? addDays(visit.day, request.afterDays ?? 0);
  const field = request.on !== null ? 'on' : 'afterDays';
  if (due <= visit.day) throw invalid(field, `Expected the follow-up to be due after the visit's day ${visit.day}, got ${due}`);
  const first = addDays(due, -request.windowDays);
  const last = addDays(due, request.windowDays);
  if (last < config.dayOf(now)) throw invalid(field, `The follow-up's window ends on ${last}, in the past`, { from: first, to: last });
  const doctorId = request.department !== null ? null : (request.doctorId ?? visit.doctorId);
  return { from: visit.id, doctorId, department: request.department, due, first, last, requestedAt: now, key: request.key, tokenId: null, reason: null };
}

/** The doctors a follow-up is tried with, in order: the one asked for; for a department, the visit's doctor first when a member, then the others by id. */
function doctorsOf(snapshot: DoctorSnapshot, visit: TokenRecord, detail: FollowUpDetail): string[] {
  if (detail.department === null) return [detail.doctorId ?? visit.doctorId];
  const members = snapshot.department ?? [];
  return members.includes(visit.doctorId) ? [visit.doctorId, ...members.filter((m) => m !== visit.doctorId)] : [...members];
}

/** Each doctor's snapshot in the unit: the locked doctor's, or a further doctor's (with the patient's tokens the unit read). */
function snapshotIn(snapshot: DoctorSnapshot): (doctorId: string) => DoctorSnapshot | undefined {
  return (doctorId) => {
    if (doctorId === snapshot.doctor?.id) return snapshot;
    const other = snapshot.others?.get(doctorId);
    return other === undefined || snapshot.patientTokens === undefined ? other : { ...other, patientTokens: snapshot.patientTokens };
  };
}

/** A follow-up booked or cancelled before, answered as it stands: its token as it is now (read when the unit has not yet). */
function replay(
  config: CoreConfig,
  snapshot: DoctorSnapshot,
  input: FollowUpInput,
  stored: ClaimRecord,
  now: number,
): ReturnType<Command<FollowUpInput, FollowUpResult | null>['decide']> {
  const visit = snapshot.tokens.get(input.fromTokenId)!;
  const tokenId = followUpDetail(stored).tokenId;
  let token: Token | null = null;
  if (tokenId !== null) {
    const parts = parseTokenId(tokenId);
    if (parts !== undefined) {
      const own = parts.doctorId === visit.doctorId;
      const holder = own ? snapshot : snapshot.others?.get(parts.doctorId);
      if (holder?.days.has(parts.day) !== true) {
        const base = loadBase(input, visit);
        return { kind: 'load', request: withReads(base, visit.doctorId, new Map([[parts.doctorId, [parts.day]]])) };
      }
      const ws = new Workspace(config, holder, now);
      const work = ws.day(parts.day);
      const record = work.find(tokenId);
      if (record !== undefined) token = tokenView(ws, work, record);
    }
  }
  return unchanged(Object.freeze({ followUp: viewOf(visit, stored), token, effects: Object.freeze([]), replayed: true as const }));
}

/** What {@link placeFollowUp} found: a booking, or the doctors' days it must read first, or no place. */
export type FollowUpPlacement =
  | { readonly kind: 'booked'; readonly decision: CommitDecision<BookingResult> }
  | { readonly kind: 'load'; readonly reads: ReadonlyMap<string, readonly string[]> }
  | { readonly kind: 'none' };

/** Codes that mean "no place that day with that doctor for this request": the next day (or doctor) is tried. */
const NO_PLACE_CODES: ReadonlySet<string> = new Set(['SLOT_FULL', 'OUTSIDE_BOOKING_WINDOW', 'DUPLICATE_BOOKING', 'DOCTOR_RETIRED']);

/**
 * The rule "where does a follow-up go": the earliest usable place of its window, day by day from
 * its first open day, with its doctors in order, each tried by the one booking road as a
 * `FOLLOW_UP` booking for that date — its quota, booking windows, duplicate rules and overflow
 * strategy. A day where the booking would wait, or is refused for want of a place, is passed over.
 * `snapshotOf` gives each doctor's snapshot (the unit's, or a further doctor's); the token keeps
 * `followUpId`, the follow-up that booked it.
 */
export function placeFollowUp(
  config: CoreConfig,
  snapshotOf: (doctorId: string) => DoctorSnapshot | undefined,
  doctors: readonly string[],
  days: readonly string[],
  patient: Readonly<Patient>,
  actor: string | null,
  now: number,
  followUpId: string,
): FollowUpPlacement {
  const missing = new Map<string, string[]>();
  for (const doctorId of doctors) {
    const snapshot = snapshotOf(doctorId);
    const absent = days.filter((d) => snapshot?.days.has(d) !== true);
    if (absent.length > 0 && (snapshot === undefined || snapshot.doctor !== undefined)) missing.set(doctorId, absent);
  }
  if (missing.size > 0) return { kind: 'load', reads: missing };
  for (const date of days) {
    for (const doctorId of doctors) {
      const snapshot = snapshotOf(doctorId);
      if (snapshot?.doctor === undefined) continue;
      const command: BookCommand = {
        doctorId,
        category: FOLLOW_UP_CATEGORY,
        patient,
        slotId: undefined,
        date,
        after: undefined,
        idempotencyKey: undefined,
        fingerprint: undefined,
        actor,
        holdMinutes: null,
        revisit: { followUp: followUpId },
      };
      let decision;
      try {
        decision = decideBook(config, snapshot, command, now);
      } catch (error) {
        if (error instanceof OpdError && NO_PLACE_CODES.has(error.code)) continue;
        throw error;
      }
      // A booking for a loaded date reads nothing more (only a desk's claim does).
      if (decision.kind === 'load') throw new OpdError('STORAGE_FAILURE', 'A follow-up booking asked for more than its loaded day', { details: { day: date } });
      if (decision.result.outcome === 'BOOKED') return { kind: 'booked', decision };
    }
  }
  return { kind: 'none' };
}

/**
 * Refuses a follow-up asked with a doctor who does not exist or a department without a doctor:
 * it could never be booked, and would stay due for ever.
 * @throws OpdError `DOCTOR_NOT_FOUND`; `DEPARTMENT_NOT_FOUND`
 */
function refuseNowhere(detail: FollowUpDetail, doctors: readonly string[], snapshotOf: (doctorId: string) => DoctorSnapshot | undefined): void {
  if (detail.department !== null) {
    if (doctors.length === 0) throw departmentNotFound(detail.department);
  } else if (detail.doctorId !== null && snapshotOf(detail.doctorId)?.doctor === undefined) {
    throw doctorNotFound(detail.doctorId, 'doctorId');
  }
}

/** The load request of the days `reads` names (doctor → days) on top of `base`, the unit's locked doctor being `doctorId`. */
export function withReads(base: LoadRequest, doctorId: string, reads: ReadonlyMap<string, readonly string[]>): LoadRequest {
  const days = new Set(base.days ?? []);
  const others = new Map<string, Set<string>>();
  for (const other of base.others ?? []) others.set(other.doctorId ?? '', new Set(other.days ?? []));
  for (const [id, list] of reads) {
    let into = days;
    if (id !== doctorId) {
      into = others.get(id) ?? new Set();
      others.set(id, into);
    }
    for (const d of list) into.add(d);
  }
  const request: LoadRequest = { ...base, doctorId, days: [...days].sort() };
  if (others.size === 0) return request;
  return { ...request, others: [...others].map(([id, list]) => ({ doctorId: id, days: [...list].sort() })) };
}
