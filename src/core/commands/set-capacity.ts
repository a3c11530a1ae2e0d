import { invalid } from '../../errors.js';
import { compareQueueOrder } from '../../model/queue.js';
import type { TokenRecord } from '../../model/records.js';
import type { Effect } from '../../types.js';
import { type Command, commit, loadedSlot, refuseClosedOrEnded, unchanged } from '../command.js';
import * as ev from '../events.js';
import { protectionOf } from '../protection.js';
import { holdEnded } from '../../model/claims.js';
import { displace, elasticPlaces, mayHoldElastic, promoteWaiting, settleBeforePlacing, worseVictim } from '../placement.js';
import { type DayWork, Workspace } from '../workspace.js';
import { withdrawClaims } from '../claims.js';

/** A slot and its new capacity. */
export interface SetCapacityInput {
  readonly slotId: string;
  readonly capacity: number;
}

/**
 * Changes a slot's capacity. Raising promotes waitlisted tokens; lowering displaces the
 * worst-ranked `BOOKED` places beyond the new capacity (elastic places in use stay in use, and an
 * emergency the slot still grants an elastic place stays in it), and moves them on best first.
 * A capacity below the places that can no longer move is refused.
 */
export const setCapacity: Command<SetCapacityInput, Effect[]> = {
  load: ({ slotId }) => ({ slotId }),
  decide(config, snapshot, { slotId, capacity }, now) {
    const ws = new Workspace(config, snapshot, now);
    const { work, index, slot } = loadedSlot(ws, slotId);
    refuseClosedOrEnded(slot, now);
    // A hold that has ended can no longer be confirmed: it is no place that cannot move.
    // Nor is a place leased to a desk, which may have issued it without the network.
    const fixed =
      work.places(index).filter((t) => t.status !== 'BOOKED' && !holdEnded(t, now)).length + work.tokenlessClaims(index) - work.withdrawableClaims(index);
    if (capacity < fixed) {
      throw invalid('capacity', `Slot \`${slotId}\` holds ${fixed} places that can no longer move; capacity must be at least ${fixed}`, {
        slotId,
        minimum: fixed,
      });
    }
    if (capacity === slot.capacity) return unchanged([]);
    // Nor does it keep a place a patient would otherwise lose, or could be moved on to: the day
    // first as after a sweep, the waitlist taking what such holds leave.
    settleBeforePlacing(ws, work);
    const places = work.places(index);
    const elasticInUse = Math.max(0, places.length - slot.capacity);
    const updated = ws.updateSlot(work, index, { capacity });
    ev.capacityChanged(ws, updated, slot.capacity);
    // Places held for offers give way first; a raised capacity frees places to offer.
    if (capacity > slot.capacity) work.noteFreed(slot.id, capacity - slot.capacity);
    else withdrawClaims(ws, work, index, 'capacity-lowered', null, work.occupancy(index) - capacity);
    // Only tokens with elastic rights may stay above the new capacity: first the worst places
    // without them beyond it, then the worst places beyond the elastic places in use.
    // Who leaves is chosen worst first; they move best first, as when a slot closes, so that a
    // better patient has the first pick of the later places and is never bumped by a worse one
    // that moved before it.
    const lowering = new Lowering(ws, work, index);
    const leaving: TokenRecord[] = [];
    let occupancy = work.occupancy(index);
    while (occupancy > capacity) {
      const victim = lowering.worstWithoutElasticRights(capacity, occupancy);
      if (victim === undefined) break;
      leaving.push(victim);
      occupancy--;
    }
    // An emergency the slot still grants an elastic place keeps it, as a new emergency would
    // take it (moved on, it would go to a later slot, or bump someone there, while this one had
    // room for it): it stays, in an elastic place of its own, and the worst of the others leave.
    let kept = 0;
    while (occupancy > capacity + elasticInUse + kept) {
      const victim = lowering.worst();
      if (victim === undefined) break;
      if (staysElastic(ws, work, index, victim, occupancy - 1)) kept++;
      else {
        leaving.push(victim);
        occupancy--;
      }
    }
    for (const token of leaving.sort(compareQueueOrder)) displace(ws, work, { token, from: index, reason: 'capacity-lowered', by: null, depth: 0 });
    promoteWaiting(ws, work);
    return commit(ws, ws.events);
  },
};

/**
 * Whether a protected token (an emergency) may stay in slot `i` by an elastic place, `others`
 * places being held besides its own: the capacity strategy grants it one there, as it would to
 * the same emergency booking now.
 */
function staysElastic(ws: Workspace, work: DayWork, i: number, token: TokenRecord, others: number): boolean {
  return protectionOf(ws, token) !== null && others < work.slot(i).capacity + elasticPlaces(ws, work.slot(i), token, others);
}

/** Places of a slot with the same category and rank: the same elastic rights. */
interface Group {
  readonly category: string;
  readonly rank: number;
  /** Places the group holds in the slot. */
  places: number;
  /** Its `BOOKED` places, worst first; those before `next` have moved. */
  readonly booked: TokenRecord[];
  next: number;
}

/**
 * The places of a slot whose capacity is lowered, as candidates to move: `BOOKED` places sorted
 * worst first once, grouped by what elastic rights depend on (category and rank), so that each
 * step asks the capacity strategy once per group rather than once per place: O(n log n) in the
 * places of the slot (times the groups, a handful).
 */
class Lowering {
  readonly #ws: Workspace;
  readonly #work: DayWork;
  readonly #index: number;
  readonly #groups: Group[] = [];
  readonly #booked: TokenRecord[];
  readonly #moved = new Set<TokenRecord>();
  #next = 0;

  constructor(ws: Workspace, work: DayWork, index: number) {
    this.#ws = ws;
    this.#work = work;
    this.#index = index;
    const order = ws.config.overflow.victimOrder;
    const worstFirst = (a: TokenRecord, b: TokenRecord): number => (worseVictim(a, b, order) ? -1 : worseVictim(b, a, order) ? 1 : 0);
    const byKey = new Map<string, Group>();
    for (const t of work.places(index)) {
      const key = `${t.category}\u0000${t.rank}`;
      let group = byKey.get(key);
      if (group === undefined) {
        group = { category: t.category, rank: t.rank, places: 0, booked: [], next: 0 };
        byKey.set(key, group);
        this.#groups.push(group);
      }
      group.places++;
      if (t.status === 'BOOKED') group.booked.push(t);
    }
    for (const group of this.#groups) group.booked.sort(worstFirst);
    this.#booked = this.#groups.flatMap((g) => g.booked).sort(worstFirst);
  }

  /**
   * While more places than `capacity` are held by tokens without elastic rights (as the capacity
   * strategy sees the slot holding `occupancy` places), the worst such `BOOKED` place; else
   * `undefined`.
   */
  worstWithoutElasticRights(capacity: number, occupancy: number): TokenRecord | undefined {
    const order = this.#ws.config.overflow.victimOrder;
    let inelastic = 0;
    let worst: Group | undefined;
    for (const group of this.#groups) {
      if (group.places === 0 || mayHoldElastic(this.#ws, this.#work, this.#index, group, occupancy)) continue;
      inelastic += group.places;
      const head = group.booked[group.next];
      if (head !== undefined && (worst === undefined || worseVictim(head, worst.booked[worst.next]!, order))) worst = group;
    }
    if (inelastic <= capacity || worst === undefined) return undefined;
    return this.#take(worst);
  }

  /** The worst `BOOKED` place left, or `undefined`. */
  worst(): TokenRecord | undefined {
    while (this.#next < this.#booked.length && this.#moved.has(this.#booked[this.#next]!)) this.#next++;
    const victim = this.#booked[this.#next];
    if (victim === undefined) return undefined;
    const group = this.#groups.find((g) => g.booked[g.next] === victim)!;
    return this.#take(group);
  }

  #take(group: Group): TokenRecord {
    const victim = group.booked[group.next++]!;
    group.places--;
    this.#moved.add(victim);
    return victim;
  }
}
