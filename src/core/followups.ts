/**
 * Follow-ups: the next visit asked for at the end of a visit. A follow-up is a claim of kind
 * `followup` on its visit's doctor-day (the day of the token it follows), holding no place: it
 * keeps the request (its window, the doctor or department asked for, the token it got) so that
 * nothing is lost. It is booked through the one booking road (`decideBook`, by `placeFollowUp` in `commands/follow-up.ts`), one window day
 * after the other; without a place in its window it stays `ACTIVE` and due (its `dueAt` passed),
 * so that the sweep finds its day and tries it again in a unit of its own, until it is booked
 * (`CONVERTED`, its token named) or cancelled by an actor (`RELEASED`). One per visit: its id is
 * the visit's token id and `~f`.
 */
import type { ClaimRecord, TokenRecord } from '../model/records.js';
import { type ClaimDay, type ClaimKind, type ClaimUnit, endedClaim, putClaim } from './claim-kinds.js';

/** The name of the follow-up kind of claim. */
export const FOLLOWUP = 'followup';

/** The category a follow-up's token is booked in. */
export const FOLLOW_UP_CATEGORY = 'FOLLOW_UP';

/** What a follow-up claim keeps (its `detail`): the request, and the token it got. No patient data: the patient is the visit's. */
export interface FollowUpDetail {
  /** The visit's token. */
  readonly from: string;
  /** The doctor asked for (the visit's by default), or `null` when a department was asked for. */
  readonly doctorId: string | null;
  /** The department asked for, or `null`. */
  readonly department: string | null;
  /** The local date it is due on. */
  readonly due: string;
  /** The first local date of its window. */
  readonly first: string;
  /** The last local date of its window. */
  readonly last: string;
  /** When it was asked for (epoch ms). */
  readonly requestedAt: number;
  /** The caller's idempotency key, or `null`. */
  readonly key: string | null;
  /** Its token, once booked; else `null`. */
  readonly tokenId: string | null;
  /** Why it was cancelled, or `null`. */
  readonly reason: string | null;
}

/** The id of the follow-up of visit `fromTokenId`. */
export function followUpIdOf(fromTokenId: string): string {
  return `${fromTokenId}~f`;
}

/** The visit a follow-up id names, or `undefined` for a string that is not one. */
export function visitOfFollowUp(id: string): string | undefined {
  return id.endsWith('~f') && id.length > 2 ? id.slice(0, -2) : undefined;
}

/** Whether `claim` is a follow-up. */
export function isFollowUp(claim: Pick<ClaimRecord, 'kind'>): boolean {
  return claim.kind === FOLLOWUP;
}

/** The detail of a follow-up claim, as stored. */
export function followUpDetail(claim: ClaimRecord): FollowUpDetail {
  const d = claim.detail ?? {};
  const text = (k: string): string | null => (typeof d[k] === 'string' ? (d[k] as string) : null);
  return {
    from: text('from') ?? '',
    doctorId: text('doctorId'),
    department: text('department'),
    due: text('due') ?? '',
    first: text('first') ?? '',
    last: text('last') ?? '',
    requestedAt: typeof d['requestedAt'] === 'number' ? d['requestedAt'] : 0,
    key: text('key'),
    tokenId: text('tokenId'),
    reason: text('reason'),
  };
}

/** The claim of a follow-up of `visit` asked for at `now` by `actor`: active and due at once (it has no token yet). */
export function followUpClaim(visit: TokenRecord, detail: FollowUpDetail, now: number, actor: string | null): ClaimRecord {
  return Object.freeze({
    id: followUpIdOf(visit.id),
    kind: FOLLOWUP,
    slotId: visit.slotId ?? '',
    places: 0,
    used: 0,
    state: 'ACTIVE',
    endsAt: null,
    dueAt: now,
    actor,
    detail: Object.freeze({ ...detail }),
  });
}

/**
 * A follow-up (kind `followup`): it holds no place, so nothing takes one back from it and its
 * slot's closing leaves it; it never ends by itself (a follow-up is never lost). Its due step is
 * the sweep's try in a unit of its own, which reads its window ({@link retriesOf}): the one sweep
 * step of claims leaves it as it is. Booked, it is converted and names its token; cancelled by an
 * actor, it is released.
 */
export const FOLLOWUP_KIND: ClaimKind = Object.freeze({
  name: FOLLOWUP,
  yields: false,
  endsWithSlot: false,
  shownAs: 'claimed',
  due(): boolean {
    return false;
  },
  end(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord) {
    putClaim(work, endedClaim(claim, 'released', ws.now));
    return 'released' as const;
  },
  convert(ws: ClaimUnit, work: ClaimDay, claim: ClaimRecord, into?: TokenRecord): void {
    const detail = { ...followUpDetail(claim), tokenId: into?.id ?? null };
    putClaim(work, endedClaim({ ...claim, used: 0, detail }, 'converted', ws.now));
  },
});

/**
 * The follow-ups of a day the sweep tries again, each in a unit of its own: the active ones whose
 * window has not passed at `today`.
 */
export function retriesOf(claims: readonly ClaimRecord[] | undefined, today: string): string[] {
  const ids: string[] = [];
  for (const claim of claims ?? []) {
    if (!isFollowUp(claim) || claim.state !== 'ACTIVE') continue;
    if (followUpDetail(claim).last >= today) ids.push(claim.id);
  }
  return ids;
}

/** The local date `n` days after `day` (calendar arithmetic on `YYYY-MM-DD`). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The local dates from `first` to `last`, inclusive. */
export function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  for (let d = first; d <= last && days.length <= 400; d = addDays(d, 1)) days.push(d);
  return days;
}

/** The first day of a follow-up's window still open at `today`: never before it, nor on or before its visit's day. */
export function openFrom(detail: FollowUpDetail, visitDay: string, today: string): string {
  const next = addDays(visitDay, 1);
  let first = detail.first;
  if (first < next) first = next;
  if (first < today) first = today;
  return first;
}
