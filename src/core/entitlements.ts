/**
 * Free revisits (the option `followUps`). A completed visit charged for opens an entitlement: its
 * token is marked (`revisit.charged`), and a claim of kind `entitlement` on its day, holding no
 * place, is due at the entitlement's end, when the sweep reports it expired. A booking of the
 * patient inside it (the same doctor, or its department; a day after the visit and within
 * `freeWithinDays`) uses it in the booking's own unit: the new token is marked with it and its visit
 * number. What is used is counted from the patient's tokens, read under the patient's lock, so
 * two bookings never both use the last free visit; a token cancelled, a no-show or dropped no
 * longer counts, so its revisit is free again.
 */
import type { EntitlementExpiredEvent, EntitlementOpenedEvent, EntitlementReturnedEvent, EntitlementUsedEvent } from '../events/entitlements.js';
import type { OpdEvent } from '../events.js';
import type { ClaimRecord, DoctorRecord, TokenRecord } from '../model/records.js';
import type { PatientToken } from '../model/snapshot.js';
import { type ClaimDay, type ClaimKind, type ClaimUnit, endedClaim, putClaim } from './claim-kinds.js';
import type { FreeRevisitRules } from './config.js';
import { keep } from './events/sink.js';
import { addDays } from './followups.js';
import type { DayWork, Workspace } from './workspace.js';
import { CARRIED, MOVED } from './cancel-reasons.js';

/** The name of the entitlement kind of claim. */
export const ENTITLEMENT = 'entitlement';

/** The statuses of a token that no longer uses its entitlement: the revisit is free again. */
const GIVEN_BACK: ReadonlySet<string> = new Set(['CANCELLED', 'NO_SHOW', 'DROPPED']);

/** Whether `token` uses an entitlement now (marked with one, and not given back). */
function uses(token: TokenRecord, from: string): boolean {
  return token.revisit?.entitlement?.from === from && !GIVEN_BACK.has(token.status);
}

/** One entitlement as read from a patient's tokens. */
export interface Entitlement {
  /** The charged visit that opened it. */
  readonly from: TokenRecord;
  /** The department of its doctor, or `null`. */
  readonly department: string | null;
  /** Its last local date. */
  readonly until: string;
  /** The tokens that use it now. */
  readonly used: number;
  /** The free revisits left. */
  readonly left: number;
  /** The visit number the next revisit gets: the lowest no token using it now has (one given back is given again). */
  readonly next: number;
}

/**
 * The entitlements of a patient's tokens (`tokens`: each with its doctor's department) that cover
 * a revisit with `doctor` on `day`, oldest first: a charged, completed visit of the same doctor
 * (or, `scope: 'department'`, of a doctor of the same department) on a day before `day`, within
 * `freeWithinDays` of it.
 */
export function entitlementsFor(
  rules: FreeRevisitRules,
  tokens: readonly PatientToken[],
  doctor: Pick<DoctorRecord, 'id' | 'department'>,
  day: string,
): Entitlement[] {
  const found: Entitlement[] = [];
  for (const { token, department } of tokens) {
    if (token.status !== 'COMPLETED' || token.revisit?.charged !== true || token.day >= day) continue;
    const sameDoctor = token.doctorId === doctor.id;
    const sameDepartment = rules.scope === 'department' && department !== null && department === (doctor.department ?? null);
    if (!sameDoctor && !sameDepartment) continue;
    const until = addDays(token.day, rules.freeWithinDays);
    if (day > until) continue;
    const using = tokens.filter((t) => uses(t.token, token.id));
    const numbers = new Set(using.map((t) => t.token.revisit?.entitlement?.visit));
    let next = 1;
    while (numbers.has(next)) next++;
    found.push({ from: token, department, until, used: using.length, left: Math.max(0, rules.freeVisits - using.length), next });
  }
  return found.sort((a, b) => (a.from.day !== b.from.day ? (a.from.day < b.from.day ? -1 : 1) : a.from.id < b.from.id ? -1 : 1));
}

/**
 * The patient's tokens as a unit sees them: those read under the patient's lock, each replaced by
 * its working copy where the unit has one of its day (its own changes).
 */
export function patientTokensIn(read: readonly PatientToken[], days: readonly DayWork[], patientId: string, department: string | null): PatientToken[] {
  const covered = new Set(days.map((w) => `${w.record.doctorId}\u0000${w.day}`));
  const mine: PatientToken[] = read.filter((e) => !covered.has(`${e.token.doctorId}\u0000${e.token.day}`));
  for (const work of days) for (const token of work.tokensOf(patientId)) mine.push({ token, department });
  return mine;
}

/**
 * The rule "does this booking use a free revisit": the oldest entitlement covering it with a
 * revisit left, and the booking's visit number in it; `undefined` when none does.
 */
export function entitlementToUse(
  rules: FreeRevisitRules | undefined,
  tokens: readonly PatientToken[] | undefined,
  doctor: DoctorRecord,
  day: string,
): { readonly from: string; readonly visit: number; readonly left: number } | undefined {
  if (rules === undefined || tokens === undefined) return undefined;
  const open = entitlementsFor(rules, tokens, doctor, day).find((e) => e.left > 0);
  return open === undefined ? undefined : { from: open.from.id, visit: open.next, left: open.left - 1 };
}

/** `entitlement:used` for `token`, the booking that uses visit `visit` of `from` (`left` after it). */
export function entitlementUsed(ws: Workspace, token: TokenRecord, from: string, visit: number, left: number): OpdEvent {
  const e: EntitlementUsedEvent = {
    type: 'entitlement:used',
    seq: 0,
    facilityId: ws.facilityId,
    at: ws.nowDate,
    doctorId: token.doctorId,
    actor: null,
    fromTokenId: from,
    revisitTokenId: token.id,
    visit,
    left,
  };
  keep(ws, e);
  return e;
}

/**
 * The rule that follows a token's end: a token that used a free revisit and is cancelled, a
 * no-show or dropped gives it back (`entitlement:returned`). A token replaced by another (moved
 * to another place, or carried by its closed day) gives nothing back: the new token is the same
 * visit, and keeps its mark.
 */
export function returnEntitlement(ws: Workspace, previous: TokenRecord, next: TokenRecord): void {
  const used = previous.revisit?.entitlement;
  if (used === undefined || GIVEN_BACK.has(previous.status) || !GIVEN_BACK.has(next.status)) return;
  if (next.status === 'CANCELLED' && (next.cancelReason === MOVED || next.cancelReason === CARRIED)) return;
  const e: EntitlementReturnedEvent = {
    type: 'entitlement:returned',
    seq: 0,
    facilityId: ws.facilityId,
    at: ws.nowDate,
    doctorId: next.doctorId,
    actor: null,
    fromTokenId: used.from,
    revisitTokenId: next.id,
    visit: used.visit,
  };
  keep(ws, e);
}

/** The claim that reports an entitlement's end: no place held, due the day after its last date. */
function entitlementClaim(visit: TokenRecord, until: string, dueAt: number): ClaimRecord {
  return Object.freeze({
    id: `${visit.id}~e`,
    kind: ENTITLEMENT,
    slotId: visit.slotId ?? '',
    places: 0,
    used: 0,
    state: 'ACTIVE',
    endsAt: dueAt,
    dueAt,
    actor: null,
    detail: Object.freeze({ from: visit.id, until }),
  });
}

/**
 * A completed visit charged for opens an entitlement (`entitlement:opened`): its token marked, and
 * the claim that reports its end put on its day. Returns the token as marked.
 */
export function openEntitlement(ws: Workspace, work: DayWork, rules: FreeRevisitRules, visit: TokenRecord): TokenRecord {
  const until = addDays(visit.day, rules.freeWithinDays);
  const marked = ws.update(work, visit, { revisit: { ...visit.revisit, charged: true } });
  putClaim(work, entitlementClaim(marked, until, ws.config.dayStart(addDays(until, 1))));
  const e: EntitlementOpenedEvent = {
    type: 'entitlement:opened',
    seq: 0,
    facilityId: ws.facilityId,
    at: ws.nowDate,
    doctorId: visit.doctorId,
    actor: null,
    fromTokenId: visit.id,
    until,
    visits: rules.freeVisits,
    scope: rules.scope,
  };
  keep(ws, e);
  return marked;
}

/**
 * An entitlement's end (kind `entitlement`): it holds no place; its due time is the day after its
 * last date, when the sweep ends it and reports `entitlement:expired`. Nothing else ends it early
 * but its visit's slot closing, which leaves it (it holds no place).
 */
export const ENTITLEMENT_KIND: ClaimKind = Object.freeze({
  name: ENTITLEMENT,
  yields: false,
  endsWithSlot: false,
  shownAs: 'claimed',
  due(ws: Workspace, work: ClaimDay, claim: ClaimRecord): boolean {
    putClaim(work, endedClaim(claim, 'expired', claim.endsAt ?? ws.now), true);
    const from = typeof claim.detail?.['from'] === 'string' ? claim.detail['from'] : '';
    const until = typeof claim.detail?.['until'] === 'string' ? claim.detail['until'] : '';
    const e: EntitlementExpiredEvent = {
      type: 'entitlement:expired',
      seq: 0,
      facilityId: ws.facilityId,
      at: ws.nowDate,
      doctorId: from.slice(0, from.indexOf('~')),
      actor: null,
      fromTokenId: from,
      until,
    };
    keep(ws, e);
    return false;
  },
  end(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord) {
    putClaim(work, endedClaim(claim, 'released', ws.now), true);
    return 'released' as const;
  },
  convert(): void {
    // It holds no place: nothing is ever taken up from it.
  },
});
