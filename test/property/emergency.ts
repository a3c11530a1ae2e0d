/**
 * Emergency safety (DESIGN §9) as an oracle on observed state, written from the design (not from
 * src/): where a protected request (an EMERGENCY) can get in — a free place, an elastic place its
 * capacity strategy grants, or a place its overflow strategy lets it bump — in the usable slots
 * of one doctor-day from a given start.
 */
import type { DaySchedule, SlotView, Token } from 'opd-scheduler';
import { expectedRank } from './invariants.js';
import { type ConfigSpec, factsOf, type PolicyFacts } from './support.js';

/** How a protected token gets into a slot. */
export interface Room {
  readonly slotId: string;
  readonly means: 'free' | 'elastic' | 'bump';
  /** The token it would bump. */
  readonly victimId: string | null;
}

/** What the oracle needs of a token that looks for room. */
type Seeker = Pick<Token, 'category' | 'rank'>;

/** The rules of one configuration over one doctor-day's slot views, at `now`. */
export class EmergencyOracle {
  readonly #spec: ConfigSpec;
  readonly #facts: PolicyFacts;
  readonly #now: number;
  readonly #views: readonly SlotView[];

  constructor(spec: ConfigSpec, schedule: Pick<DaySchedule, 'slots'>, now: number) {
    this.#spec = spec;
    this.#facts = factsOf(spec);
    this.#now = now;
    this.#views = schedule.slots;
  }

  /** Whether a category is protected. */
  protects(category: string): boolean {
    return this.#facts.protectedCategories.has(category);
  }

  #usable(v: SlotView): boolean {
    return v.slot.status === 'OPEN' && v.slot.end.getTime() > this.#now;
  }

  #mayHoldElastic(t: Pick<Token, 'category'>, v: SlotView): boolean {
    return this.#facts.elasticCategories.has(t.category) && this.#facts.elasticLimit(v.slot.overflowCapacity) > 0;
  }

  /**
   * The room of a protected token: the earliest usable slot, from index `from` and starting no
   * earlier than `notBefore`, with a free place, else an elastic place, else (when it may bump)
   * a place it may bump; `null` when the day has none.
   */
  roomFor(token: Seeker, notBefore: number | null, from = 0): Room | null {
    for (let i = from; i < this.#views.length; i++) {
      const v = this.#views[i]!;
      if (!this.#usable(v) || (notBefore !== null && v.slot.start.getTime() < notBefore)) continue;
      const occupancy = v.places.length;
      if (occupancy < v.slot.capacity) return { slotId: v.slot.id, means: 'free', victimId: null };
      if (this.#facts.elasticCategories.has(token.category) && occupancy < v.slot.capacity + this.#facts.elasticLimit(v.slot.overflowCapacity)) {
        return { slotId: v.slot.id, means: 'elastic', victimId: null };
      }
      if (!this.#facts.emergencyMayBump) continue;
      const victim = this.victimIn(i, token);
      if (victim === undefined || (this.#facts.victimWithoutRoom === 'keep' && !this.canMove(victim, i, 0))) continue;
      return { slotId: v.slot.id, means: 'bump', victimId: victim.id };
    }
    return null;
  }

  /**
   * The place `newcomer` may bump in slot `i` (DESIGN §4 step 5, §12): `BOOKED` or a hold not yet ended, under the bump limit,
   * strictly worse rank, the worst such (ties by victimOrder, then token number); an elastic
   * holder is spared when a newcomer without elastic rights would leave more inelastic places
   * than the capacity.
   */
  victimIn(i: number, newcomer: Seeker): Token | undefined {
    const v = this.#views[i]!;
    const f = this.#facts;
    const onlyInelastic =
      v.places.length > v.slot.capacity && !this.#mayHoldElastic(newcomer, v) && v.places.filter((t) => !this.#mayHoldElastic(t, v)).length >= v.slot.capacity;
    let victim: Token | undefined;
    for (const t of v.places) {
      // A hold is a bumpable place of its category's rank, like a booked one (DESIGN §12), while it has not ended.
      const held = t.status === 'HELD' && t.holdExpiresAt !== null && t.holdExpiresAt.getTime() > this.#now;
      if ((t.status !== 'BOOKED' && !held) || t.bumpCount >= f.bumpLimit || !(t.rank > newcomer.rank)) continue;
      if (onlyInelastic && this.#mayHoldElastic(t, v)) continue;
      if (victim === undefined || worse(t, victim, f.victimOrder)) victim = t;
    }
    return victim;
  }

  /**
   * Whether `victim`, bumped out of slot `i` at displacement depth `depth`, would get a place:
   * a protected victim by the emergency rule in a later slot; any other by a `cascade` option
   * (a later free place, or a chain within its depth) reached before a `waitlist` or `drop`.
   */
  canMove(victim: Token, i: number, depth: number): boolean {
    // A hold is released, never moved (DESIGN §12).
    if (victim.status === 'HELD') return true;
    const from = this.#views[i]!.slot;
    const moved = { ...victim, notBefore: from.start, bumpCount: victim.bumpCount + 1 };
    const rank = expectedRank(this.#spec, moved, this.#now, moved.bumpCount);
    const seeker = { category: victim.category, rank };
    if (this.protects(victim.category)) return this.roomFor(seeker, null, i + 1) !== null;
    for (const option of this.#facts.whenBumped) {
      if (option.kind !== 'cascade') return false;
      for (let j = i + 1; j < this.#views.length; j++) {
        const v = this.#views[j]!;
        if (this.#usable(v) && v.places.length < v.slot.capacity) return true;
      }
      if (depth < (option.chainDepth ?? 0)) {
        for (let j = i + 1; j < this.#views.length; j++) {
          if (!this.#usable(this.#views[j]!)) continue;
          const next = this.victimIn(j, seeker);
          if (next !== undefined && (this.#facts.victimWithoutRoom !== 'keep' || this.canMove(next, j, depth + 1))) return true;
        }
      }
    }
    return false;
  }
}

function worse(a: Token, b: Token, order: 'latest' | 'earliest'): boolean {
  if (a.rank !== b.rank) return a.rank > b.rank;
  const byTime = a.requestedAt.getTime() - b.requestedAt.getTime();
  if (byTime !== 0) return order === 'latest' ? byTime > 0 : byTime < 0;
  return order === 'latest' ? a.tokenNumber > b.tokenNumber : a.tokenNumber < b.tokenNumber;
}
