/**
 * Emergency safety. A token its overflow strategy protects (by default every `EMERGENCY`) is
 * never refused, never dropped, and never left waiting while a usable slot of its doctor's day,
 * from the one it asked for (its `notBefore`, or now), could take it. {@link emergencyPlace} is
 * the one answer to "where can this emergency go"; booking, displacement and the promotions at
 * the end of every call all ask it.
 */
import { changeToken } from './claims.js';
import { OpdError } from '../errors.js';
import type { TokenRecord } from '../model/records.js';
import { compareQueueOrder } from '../model/queue.js';
import { callPlugin, fullOptions } from './config.js';
import { type Guard, protectionOf } from './protection.js';
import { toSlot } from '../model/convert.js';
import * as ev from './events.js';
import { displace, elasticPlaces, findVictim, victimCanMove } from './placement.js';
import type { DayWork, Workspace } from './workspace.js';
import { firstUsableSlot } from './slot-choice.js';

/** What the rule needs of a token: who it is, how urgent, and from when it may be placed. */
export type Protectable = Pick<TokenRecord, 'category' | 'rank' | 'patient' | 'notBefore'>;

/** A place the rule found: slot `index`, an elastic place or not, and the token to bump, if any. */
export interface EmergencyPlace {
  readonly index: number;
  readonly elastic: boolean;
  readonly victim: TokenRecord | undefined;
}

/**
 * Where a protected token can go: the earliest usable slot, from index `from` on and starting no
 * earlier than its `notBefore`, that has a free place; else an elastic place its capacity
 * strategy grants it; else, when its protection allows bumps there, the place of the token the
 * usual victim rules pick (`BOOKED`, under the bump limit, strictly worse rank) — with
 * `victimWithoutRoom: 'keep'`, only a victim who can move. In one slot a free place comes before
 * an elastic place before a bump; an earlier slot comes before all of a later slot's places.
 *
 * @param requested - index of the slot the request named (for `whenFull`), or -1
 * @param victimDepth - the displacement depth a bumped victim would have
 */
export function emergencyPlace(
  ws: Workspace,
  work: DayWork,
  token: Protectable,
  from: number,
  guard: Guard,
  requested: number,
  victimDepth: number,
): EmergencyPlace | undefined {
  let place: EmergencyPlace | undefined;
  firstUsableSlot(work, ws.now, {
    from,
    notBefore: token.notBefore,
    takes: (i) => (place = placeIn(ws, work, i, token, guard, i === requested, victimDepth)) !== undefined,
  });
  return place;
}

/** The place the emergency rule finds a protected token in usable slot `i`: free, elastic, else a bump, or none. */
function placeIn(
  ws: Workspace,
  work: DayWork,
  i: number,
  token: Protectable,
  guard: Guard,
  requestedSlot: boolean,
  victimDepth: number,
): EmergencyPlace | undefined {
  const slot = work.slot(i);
  const occupancy = work.occupancy(i);
  // A place held for an offer is free to a protected token: it takes it and the offer is
  // withdrawn (emergencyTakesOffered, offers.ts).
  if (occupancy - work.withdrawableClaims(i) < slot.capacity) return { index: i, elastic: false, victim: undefined };
  if (occupancy < slot.capacity + elasticPlaces(ws, slot, token, occupancy)) return { index: i, elastic: true, victim: undefined };
  if (!mayBumpIn(ws, work, i, token, guard, occupancy, requestedSlot)) return undefined;
  const victim = findVictim(ws, work, i, token);
  if (victim === undefined) return undefined;
  if (ws.config.overflow.victimWithoutRoom === 'keep' && !victimCanMove(ws, work, victim, i, victimDepth)) return undefined;
  return { index: i, elastic: false, victim };
}

export function mayBumpIn(
  ws: Pick<Workspace, 'config' | 'nowDate'>,
  work: Pick<DayWork, 'slot'>,
  i: number,
  token: Pick<Protectable, 'category' | 'rank' | 'patient'>,
  guard: Guard,
  occupancy: number,
  requestedSlot: boolean,
): boolean {
  if (guard !== 'whenFull') return guard.bump;
  const overflow = ws.config.overflow;
  const options = callPlugin('overflow strategy', overflow.name, () =>
    overflow.whenFull({
      category: token.category,
      rank: token.rank,
      patient: token.patient,
      slot: toSlot(work.slot(i)),
      occupancy,
      requestedSlot,
      now: ws.nowDate,
    }),
  );
  return fullOptions(overflow.name, options).includes('bump');
}

/**
 * Places waiting protected tokens by {@link emergencyPlace}, best first, until none can be
 * placed (a bump may displace another protected token onto the waitlist: it is tried again).
 * Runs before the promotions into free places, so a waiting emergency goes first. The waiting
 * protected tokens are sorted again only when a bump added to the waitlist.
 */
export function placeWaitingEmergencies(ws: Workspace, work: DayWork): void {
  let waiting: { readonly token: TokenRecord; readonly guard: Guard }[] = [];
  let expected = -1;
  // Every bump goes to a strictly better rank, so with ranks that hold still the k-th best
  // emergency is placed at most k times: with E protected tokens on the day, the placements end
  // within E(E + 1)/2. Ranks that move under the rules (a policy that ranks a token better each
  // time it is asked, or better for every bump it took, with no bump limit) can let two
  // emergencies bump each other for ever: the call is refused instead, once the rounds pass twice
  // that bound. E is counted only when the rounds pass a first, small bound (rarely).
  let limit = FIRST_LIMIT;
  let counted = false;
  for (let round = 0; ; round++) {
    if (round > limit) {
      if (counted) throw unsettled(ws, work);
      counted = true;
      limit = Math.max(FIRST_LIMIT, 2 * (protectedCount(ws, work) + 1) ** 2 + FIRST_LIMIT);
      if (round > limit) throw unsettled(ws, work);
    }
    if (work.waitlist.length !== expected) {
      // The waiting emergencies in queue order (found first, then sorted: most waiting lists hold none).
      waiting = [];
      for (const token of work.waitlist) {
        const guard = protectionOf(ws, token);
        if (guard !== null) waiting.push({ token, guard });
      }
      if (waiting.length > 1) waiting.sort((a, b) => compareQueueOrder(a.token, b.token));
    }
    let placed = -1;
    for (let k = 0; k < waiting.length && placed < 0; k++) {
      const { token, guard } = waiting[k]!;
      const spot = emergencyPlace(ws, work, token, 0, guard, -1, 0);
      if (spot === undefined) continue;
      placed = k;
      expected = work.waitlist.length - 1;
      const next = changeToken(ws, work, token, { status: 'BOOKED', slotId: work.slot(spot.index).id, waitingForSlotId: null });
      work.count('promotions');
      ev.promoted(ws, next, work.slot(spot.index).id, token.waitingForSlotId);
      if (spot.victim !== undefined) displace(ws, work, { token: spot.victim, from: spot.index, reason: 'bumped', by: token.id, depth: 0 });
    }
    if (placed < 0) return;
    waiting.splice(placed, 1);
  }
}

/** Placements of waiting emergencies in one unit before the day's protected tokens are counted. */
const FIRST_LIMIT = 64;

/** The protected tokens of the day: on its waitlist and in its places. */
function protectedCount(ws: Workspace, work: DayWork): number {
  let count = 0;
  for (const token of work.waitlist) if (protectionOf(ws, token) !== null) count++;
  for (let i = 0; i < work.slotCount; i++) for (const token of work.places(i)) if (protectionOf(ws, token) !== null) count++;
  return count;
}

function unsettled(ws: Workspace, work: DayWork): OpdError {
  const policy = ws.config.priority.name;
  return new OpdError(
    'VALIDATION_FAILED',
    `The priority policy \`${policy}\` ranks the waiting emergencies of ${work.day} so that they keep bumping each other: the call changed nothing`,
    { details: { field: 'priority policy', strategy: policy, doctorId: ws.doctor?.id, day: work.day } },
  );
}

/**
 * Emits `emergency:unplaced` for every protected token of the day that this unit put on the
 * waitlist (booked onto it or displaced onto it) and that is still waiting: once per token.
 * Called once per day, at the very end of a unit.
 */
export function reportUnplaced(ws: Workspace, work: DayWork): void {
  const reported = new Set<string>();
  const events = ws.events;
  for (let k = 0, n = events.length; k < n; k++) {
    const e = events[k]!;
    if (e.type !== 'token:waitlisted' || e.day !== work.day || reported.has(e.tokenId)) continue;
    reported.add(e.tokenId);
    const token = ws.latest(e.tokenId);
    if (token !== undefined && token.status === 'WAITLISTED' && protectionOf(ws, token) !== null) ev.unplaced(ws, token);
  }
}
