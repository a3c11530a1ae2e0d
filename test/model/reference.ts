/**
 * A small reference model of DESIGN §4 for one doctor and one day, written from the design
 * alone: plain arrays, linear scans, and a copy of the whole state per call so that a failed
 * call changes nothing. It is meant to be obviously correct, not fast.
 */

import { nextToCall } from './call-order.js';
import type { OfferBook } from './offers.js';

export type Cat = 'EMERGENCY' | 'PAID' | 'FOLLOW_UP' | 'ONLINE' | 'WALK_IN';
export type Status = 'HELD' | 'BOOKED' | 'WAITLISTED' | 'CHECKED_IN' | 'IN_CONSULTATION' | 'COMPLETED' | 'CANCELLED' | 'NO_SHOW' | 'DROPPED';
export type Reason = 'bumped' | 'slot-closed' | 'capacity-lowered';
type FullOption = 'bump' | 'next-slot' | 'waitlist' | 'reject';
type DisplacedOption = { kind: 'cascade'; chainDepth: number } | { kind: 'waitlist'; slot: 'from' | 'next' | 'none' } | { kind: 'drop' };

/** A policy as DESIGN §5 describes it. */
export interface Policy {
  readonly name: string;
  readonly ranks: Readonly<Record<Cat, number>>;
  /** Elastic places a category may fill up to, in a slot with this `overflowCapacity`. */
  readonly elastic: (category: Cat, overflowCapacity: number) => number;
  readonly whenFull: (category: Cat) => readonly FullOption[];
  readonly whenDisplaced: (reason: Reason) => readonly DisplacedOption[];
  readonly waitlist: 'day' | 'slot';
  readonly bumpLimit: number;
  readonly victimOrder: 'latest' | 'earliest';
  /** `keep`: a bump whose victim could not move is not made (DESIGN §9). */
  readonly victimWithoutRoom: 'displace' | 'keep';
}

const STANDARD: Record<Cat, number> = { EMERGENCY: 1, PAID: 2, FOLLOW_UP: 3, ONLINE: 4, WALK_IN: 5 };

/** The cascade preset: walk-ins and online patients share a rank, anyone better bumps, victims cascade or drop. */
function cascade(name: string, chainDepth: number, victimWithoutRoom: Policy['victimWithoutRoom']): Policy {
  return {
    name,
    ranks: { ...STANDARD, WALK_IN: 4 },
    elastic: () => 0,
    whenFull: () => ['bump', 'reject'],
    whenDisplaced: () => [{ kind: 'cascade', chainDepth }, { kind: 'drop' }],
    waitlist: 'day',
    bumpLimit: Number.POSITIVE_INFINITY,
    victimOrder: 'latest',
    victimWithoutRoom,
  };
}

/** The presets of DESIGN §5, with the option overrides the model suite uses. */
export const POLICIES: Readonly<Record<string, Policy>> = {
  standard: {
    name: 'standard',
    ranks: STANDARD,
    elastic: (c, o) => (c === 'EMERGENCY' ? o : 0),
    whenFull: (c) => (c === 'EMERGENCY' ? ['bump', 'next-slot', 'waitlist'] : ['next-slot', 'waitlist']),
    whenDisplaced: () => [
      { kind: 'cascade', chainDepth: 0 },
      { kind: 'waitlist', slot: 'next' },
    ],
    waitlist: 'day',
    bumpLimit: 1,
    victimOrder: 'latest',
    victimWithoutRoom: 'displace',
  },
  'standard-chain': {
    name: 'standard({ chainDepth: 1, bumpLimit: 2, victimOrder: earliest, emergencyOverflow: 1 })',
    ranks: STANDARD,
    elastic: (c) => (c === 'EMERGENCY' ? 1 : 0),
    whenFull: (c) => (c === 'EMERGENCY' ? ['bump', 'next-slot', 'waitlist'] : ['next-slot', 'waitlist']),
    whenDisplaced: () => [
      { kind: 'cascade', chainDepth: 1 },
      { kind: 'waitlist', slot: 'next' },
    ],
    waitlist: 'day',
    bumpLimit: 2,
    victimOrder: 'earliest',
    victimWithoutRoom: 'displace',
  },
  cascade: cascade('cascade', 0, 'displace'),
  'cascade-chain': cascade('cascade({ chainDepth: 2 })', 2, 'displace'),
  'cascade-keep': cascade('cascade({ victimWithoutRoom: keep })', 0, 'keep'),
  'cascade-keep-chain': cascade('cascade({ victimWithoutRoom: keep, chainDepth: 1 })', 1, 'keep'),
  waitlist: {
    name: 'waitlist',
    ranks: STANDARD,
    elastic: () => 0,
    whenFull: (c) => (c === 'EMERGENCY' ? ['bump', 'waitlist'] : ['waitlist']),
    whenDisplaced: (r) =>
      r === 'bumped'
        ? [{ kind: 'waitlist', slot: 'from' }]
        : [
            { kind: 'cascade', chainDepth: 0 },
            { kind: 'waitlist', slot: 'next' },
          ],
    waitlist: 'slot',
    bumpLimit: Number.POSITIVE_INFINITY,
    victimOrder: 'latest',
    victimWithoutRoom: 'displace',
  },
  elastic: {
    name: 'elastic',
    ranks: STANDARD,
    elastic: (c) => (c === 'EMERGENCY' ? 2 : 0),
    whenFull: () => ['next-slot', 'waitlist'],
    whenDisplaced: () => [
      { kind: 'cascade', chainDepth: 0 },
      { kind: 'waitlist', slot: 'next' },
    ],
    waitlist: 'day',
    bumpLimit: 0,
    victimOrder: 'latest',
    victimWithoutRoom: 'displace',
  },
  'elastic-walk-in': {
    name: 'elastic({ walkInBeforeOnline: true, emergencyOverflow: unlimited })',
    ranks: { ...STANDARD, WALK_IN: 4, ONLINE: 5 },
    elastic: (c) => (c === 'EMERGENCY' ? Number.POSITIVE_INFINITY : 0),
    whenFull: () => ['next-slot', 'waitlist'],
    whenDisplaced: () => [
      { kind: 'cascade', chainDepth: 0 },
      { kind: 'waitlist', slot: 'next' },
    ],
    waitlist: 'day',
    bumpLimit: 0,
    victimOrder: 'latest',
    victimWithoutRoom: 'displace',
  },
};

/**
 * A channel quota as the rules describe it: per category, caps per slot (`share` of the capacity,
 * rounded down; `count`) and per day (`perDay`), and places reserved (`reserve`) until
 * `releaseMinutesBefore` minutes before the slot's start. Emergencies are never subject to it.
 */
export interface MRule {
  readonly share?: number;
  readonly count?: number;
  readonly perDay?: number;
  readonly reserve?: number;
  readonly releaseMinutesBefore?: number;
}
export type MQuota = Readonly<Partial<Record<Cat, MRule>>>;

/**
 * A category's booking window as the rules describe it (the model's day is UTC): a request may be
 * made from the latest of the start of the day `maxDaysAhead` days before the slot's, `at`
 * (`'HH:MM'`) `daysBefore` days before it, and (`sameDayOnly`) the start of the slot's day; until
 * `minNoticeMinutes` before the slot starts. A token with a place may be cancelled until
 * `cancelCutoffMinutes` before its slot starts. Emergencies are never refused by a window.
 */
export interface MWindow {
  readonly minNoticeMinutes?: number;
  readonly maxDaysAhead?: number;
  readonly opensAt?: { readonly daysBefore: number; readonly at: string };
  readonly sameDayOnly?: boolean;
  readonly cancelCutoffMinutes?: number;
}
export type MWindows = Readonly<Partial<Record<Cat, MWindow>>>;

export interface MSlot {
  id: string;
  start: number;
  end: number;
  capacity: number;
  overflowCapacity: number;
  status: 'OPEN' | 'CLOSED';
}

export interface MToken {
  id: string;
  number: number;
  category: Cat;
  rank: number;
  status: Status;
  slotId: string | null;
  waitingFor: string | null;
  notBefore: number | null;
  requestedAt: number;
  bumpCount: number;
  placedAt: number | null;
  patientId: string | null;
  /** The number shown to the patient: the token number, or its category series' prefix and count. */
  label: string;
  /** When a `HELD` token's hold ends; `null` for every other status. */
  holdExpiresAt: number | null;
  /** A hold released or expired: never brought back by `reinstate`. */
  holdEnded: boolean;
  /** Why the token was cancelled (the reason given, or `moved`); `null` otherwise. Holds that end are not tracked. */
  cancelReason: string | null;
  /** Under a call order, the order of the token's first call among the day's (1, 2, …); `null` until called. */
  callIndex: number | null;
}

/**
 * A call order as the rules describe it (the options of `FairCallOrder`): a patient's priority is
 * the category's rate (1 when not named) × the minutes waited since due (the later of the request
 * and the start of the place's slot); after `interleaveEvery` calls in a row of patients more
 * urgent than the least urgent one waiting, one of the least urgent; anyone waiting more than
 * `maxWaitMinutes` first, the longest wait first. Emergencies always go first, then a patient
 * called and not yet seen; every tie goes by queue order.
 */
export interface MCallOrder {
  readonly rates: Readonly<Partial<Record<Cat, number>>>;
  readonly interleaveEvery: number | null;
  readonly maxWaitMinutes: number | null;
}

/** An event as the design describes it (without `seq`, `at`, `doctorId` and `day`). */
export interface MEvent {
  readonly type: string;
  readonly tokenId: string | null;
  readonly [field: string]: unknown;
}

/** A failure with its error code. */
export class ModelError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

interface State {
  slots: MSlot[];
  tokens: MToken[];
  keys: { key: string; fingerprint: string; tokenId: string; outcome: 'BOOKED' | 'WAITLISTED'; effects: MEvent[] }[];
  /** From when the doctor is retired, or `null`. */
  retiredFrom: number | null;
  /** The day's offers, with the option `offers` (test/model/offers.ts). */
  offers?: OfferBook;
}

/** A hold is a live token and a place like a booking; a bump may fall on it, which releases it (DESIGN §12). */
export const LIVE: readonly Status[] = ['HELD', 'BOOKED', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION'];
export const PLACE: readonly Status[] = ['HELD', 'BOOKED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED'];
/** The tokens a day's closing ends: never seen (waiting, held, booked, checked in). */
export const UNSEEN: readonly Status[] = ['WAITLISTED', 'HELD', 'BOOKED', 'CHECKED_IN'];
/** A hold given up: `CANCELLED`, no place, no end. */
function t_release(t: MToken): void {
  t.status = 'CANCELLED';
  t.slotId = null;
  t.placedAt = null;
  t.holdExpiresAt = null;
  t.holdEnded = true;
}

export const queueOrder = (a: MToken, b: MToken): number => a.rank - b.rank || a.requestedAt - b.requestedAt || a.number - b.number;

export interface BookInput {
  readonly category: Cat;
  readonly slotId: string | null;
  /** `today` (the model's one day) or `past` (the day before). */
  readonly date: 'today' | 'past' | null;
  readonly patientId: string | null;
  readonly after: number | null;
  readonly key: string | null;
}

export class Model {
  now: number;
  /** Where `reinstate` puts a token back: the slot running now (else the next), or as a new booking without a slot. */
  lateArrival: 'queue-end' | 'rebook' = 'queue-end';
  /** Booking windows by category, or `null` for none. */
  windows: MWindows | null = null;
  /** The order `callNext` calls checked-in patients in, or `null` for queue order (slot by slot). */
  callOrder: MCallOrder | null = null;
  state: State = { slots: [], tokens: [], keys: [], retiredFrom: null };
  events: MEvent[] = [];
  /** Tokens of this day that no chain may bump: during a leave, the patients it moved (on this day, or here from an earlier one: each moves once). */
  readonly spared = new Set<string>();

  constructor(
    readonly policy: Policy,
    start: number,
    readonly quota: MQuota | null = null,
    /** Label prefixes by category (one series per prefix), or `null` for labels that are token numbers. */
    readonly prefixes: Readonly<Record<Cat, string>> | null = null,
    /** The doctor-day this model stands for (named in the events of a move). */
    readonly where: { readonly doctorId: string; readonly day: string } = { doctorId: 'd1', day: '2026-01-30' },
  ) {
    this.now = start;
  }

  /**
   * Whether the quota lets a token of `category` (with id `id`, not counted against itself) take
   * one more place in `slot` — in `without`'s place, for a bump.
   */
  admits(category: Cat, id: string, slot: MSlot, without?: MToken): boolean {
    const quota = this.quota;
    if (quota === null || category === 'EMERGENCY') return true;
    const counted = (t: MToken): boolean => t.id !== id && t.id !== without?.id;
    const here = this.places(slot.id).filter(counted);
    const ofHere = (c: string): number => here.filter((t) => t.category === c).length;
    const rule = quota[category];
    if (rule !== undefined) {
      if (rule.share !== undefined && ofHere(category) >= Math.floor(rule.share * slot.capacity + 1e-9)) return false;
      if (rule.count !== undefined && ofHere(category) >= rule.count) return false;
      const day = this.state.tokens.filter((t) => PLACE.includes(t.status) && t.category === category && counted(t));
      if (rule.perDay !== undefined && day.length >= rule.perDay) return false;
    }
    let held = 0;
    for (const [c, r] of Object.entries(quota)) {
      if (c === category || r.reserve === undefined || this.now >= slot.start - (r.releaseMinutesBefore ?? 0) * 60_000) continue;
      held += Math.max(0, r.reserve - ofHere(c));
    }
    return held === 0 || here.length + this.reserved(slot.id) + held < slot.capacity;
  }

  /** Whether a request of `category` made now may take a place in `slot` (its booking window). */
  inWindow(category: Cat, slot: MSlot): boolean {
    const w = this.windows?.[category];
    if (w === undefined || category === 'EMERGENCY') return true;
    const DAY_MS = 86_400_000;
    const dayStart = Math.floor(slot.start / DAY_MS) * DAY_MS;
    if (w.maxDaysAhead !== undefined && this.now < dayStart - w.maxDaysAhead * DAY_MS) return false;
    if (w.opensAt !== undefined) {
      const [hh, mm] = w.opensAt.at.split(':').map(Number);
      if (this.now < dayStart - w.opensAt.daysBefore * DAY_MS + (hh! * 60 + mm!) * 60_000) return false;
    }
    if (w.sameDayOnly === true && this.now < dayStart) return false;
    return w.minNoticeMinutes === undefined || this.now <= slot.start - w.minNoticeMinutes * 60_000;
  }

  /** The label a new token of `category` takes: its number, or the next of its prefix's series. */
  labelFor(category: Cat, number: number): string {
    if (this.prefixes === null) return String(number);
    const prefix = this.prefixes[category];
    const taken = this.state.tokens.filter((t) => this.prefixes![t.category] === prefix).length;
    return `${prefix}-${taken + 1}`;
  }

  // --- queries -------------------------------------------------------------------------------

  slot(id: string): MSlot | undefined {
    return this.state.slots.find((s) => s.id === id);
  }

  /** Slots in time order. */
  slots(): MSlot[] {
    return [...this.state.slots].sort((a, b) => a.start - b.start);
  }

  places(slotId: string): MToken[] {
    return this.state.tokens.filter((t) => t.slotId === slotId && PLACE.includes(t.status)).sort(queueOrder);
  }

  waitlist(): MToken[] {
    return this.state.tokens.filter((t) => t.status === 'WAITLISTED').sort(queueOrder);
  }

  position(token: MToken): number | null {
    if (token.slotId === null || !PLACE.includes(token.status)) return null;
    return this.places(token.slotId).indexOf(token) + 1;
  }

  usable(s: MSlot): boolean {
    return s.status === 'OPEN' && s.end > this.now;
  }

  // --- what the offers (test/model/offers.ts) change: without them, nothing -------------------

  /** The places of `slotId` held for an offer: taken for everyone but an emergency. */
  reserved(_slotId: string): number {
    return 0;
  }

  /** The places taken in a slot: its tokens' and those held for offers. */
  occupancy(slotId: string): number {
    return this.places(slotId).length + this.reserved(slotId);
  }

  /** A call begins. */
  protected begin(): void {}
  /** Whether a freed place of `slot` is held for an offer now, rather than promoted into. */
  protected offerFreed(_slot: MSlot): boolean {
    return false;
  }
  /** Settles the offers whose time has come (before the day's promotions). */
  protected settleOffers(): void {}
  /** Whether the day has offers to settle or freed places to offer. */
  protected offering(): boolean {
    return false;
  }
  /** `token` has just changed status or place (before its event). */
  protected changed(_token: MToken): void {}
  /** `token` has just been displaced from `from` (after `token:bumped`). */
  protected displaced(_token: MToken, _from: MSlot, _reason: Reason): void {}
  /** The capacity of `slot` has just changed from `previous` (after `slot:capacity-changed`). */
  protected capacityChanged(_slot: MSlot, _previous: number): void {}
  /** `slot` has just been closed or reopened by itself (after its event). */
  protected slotChanged(_slot: MSlot): void {}
  /** Runs `work` as a call: on a copy of the state, kept only if it succeeds. */
  protected call<R>(work: () => R): R {
    return this.#call(work);
  }

  // --- calls ---------------------------------------------------------------------------------

  /** Runs a call on a copy of the state; keeps the copy only if the call succeeds. */
  #call<R>(work: () => R): R {
    const saved = structuredClone(this.state);
    this.events = [];
    this.begin();
    try {
      return work();
    } catch (error) {
      this.state = saved;
      this.events = [];
      throw error;
    }
  }

  addSlot(slot: MSlot): void {
    this.#call(() => {
      // No place of a retired doctor lies past the retirement.
      if (this.state.retiredFrom !== null && slot.end > this.state.retiredFrom) throw new ModelError('DOCTOR_RETIRED');
      if (this.slot(slot.id) !== undefined) throw new ModelError('VALIDATION_FAILED');
      if (this.state.slots.some((s) => s.start < slot.end && s.end > slot.start)) throw new ModelError('SLOT_OVERLAP');
      this.state.slots.push({ ...slot });
      this.#settle();
    });
  }

  /** A booking; `own` is the index of its own event among the call's events (after what it promoted first). */
  book(input: BookInput): { token: MToken; outcome: 'BOOKED' | 'WAITLISTED'; overflow: boolean; effects: MEvent[]; replayed: boolean; own: number } {
    return this.#call(() => {
      const fingerprint = JSON.stringify([input.category, input.slotId, input.patientId, input.after, input.date]);
      // A request that contradicts itself is refused with the input, before its key is looked up.
      if (input.date === 'past' && input.after !== null) throw new ModelError('VALIDATION_FAILED');
      if (input.key !== null) {
        const seen = this.state.keys.find((k) => k.key === input.key);
        if (seen !== undefined) {
          if (seen.fingerprint !== fingerprint) throw new ModelError('IDEMPOTENCY_CONFLICT');
          const token = this.state.tokens.find((t) => t.id === seen.tokenId)!;
          return { token, outcome: seen.outcome, overflow: false, effects: seen.effects, replayed: true, own: 0 };
        }
      }
      const { target, token } = this.#request(input);
      const own = this.events.length;
      const overflow = token.category === 'EMERGENCY' ? this.#allocateEmergency(token) : this.#allocate(token, target);
      this.#settle();
      const outcome = token.status === 'WAITLISTED' ? 'WAITLISTED' : 'BOOKED';
      const effects = this.#effects(own);
      if (input.key !== null) this.state.keys.push({ key: input.key, fingerprint, tokenId: token.id, outcome, effects });
      return { token, outcome, overflow, effects, replayed: false, own };
    });
  }

  /**
   * A hold: a free place of the requested slot, or of the earliest usable slot with one (the
   * quota admitting it), until `minutes` from now or the slot's end, whichever is sooner; never an
   * elastic place, a bump or the waitlist — else `SLOT_FULL`.
   */
  hold(input: BookInput, minutes: number): { token: MToken; effects: MEvent[] } {
    return this.#call(() => {
      const { target, token } = this.#request(input);
      const own = this.events.length;
      if (target === undefined || this.occupancy(target.id) >= target.capacity || !this.admits(token.category, token.id, target))
        throw new ModelError('SLOT_FULL');
      token.status = 'HELD';
      token.slotId = target.id;
      token.placedAt = this.now;
      // A hold never outlives its slot.
      token.holdExpiresAt = Math.min(this.now + minutes * 60_000, target.end);
      this.events.push({
        type: 'token:held',
        tokenId: token.id,
        slotId: target.id,
        category: token.category,
        rank: token.rank,
        holdExpiresAt: token.holdExpiresAt,
      });
      this.#settle();
      return { token, effects: this.#effects(own) };
    });
  }

  /** Checks a request and creates its token (waiting, no place yet); returns it with the slot it aims at. */
  #request(input: BookInput): { target: MSlot | undefined; token: MToken } {
    let target: MSlot | undefined;
    // An `after` on a later day than the requested `date` is refused with the input, before any slot is looked up.
    if (input.date === 'past' && input.after !== null) throw new ModelError('VALIDATION_FAILED');
    // A retired doctor takes no request that could only be placed from the retirement on: the
    // earliest it could be is now, its after, its date's start, its slot's start.
    const asked = input.slotId === null ? undefined : this.slot(input.slotId);
    const dayStart = Date.parse(`${input.date === 'past' ? '2026-01-29' : this.where.day}T00:00:00Z`);
    this.#refuseRetired(Math.max(this.now, input.after ?? this.now, input.date === null ? this.now : dayStart, asked?.start ?? this.now));
    if (input.slotId !== null) {
      target = this.slot(input.slotId);
      if (target === undefined) throw new ModelError('SLOT_NOT_FOUND');
      if (input.date === 'past') throw new ModelError('VALIDATION_FAILED');
      if (input.after !== null && target.start < input.after) throw new ModelError('VALIDATION_FAILED');
      if (target.status === 'CLOSED') throw new ModelError('SLOT_CLOSED');
      if (target.end <= this.now) throw new ModelError('SLOT_ENDED');
      if (!this.inWindow(input.category, target)) throw new ModelError('OUTSIDE_BOOKING_WINDOW');
    } else if (input.date === 'past') {
      throw new ModelError('VALIDATION_FAILED');
    }
    // A day with usable slots none of which is within the window is refused.
    const usableAfter = this.slots().filter((s) => this.usable(s) && (input.after === null || s.start >= input.after));
    const candidates = usableAfter.filter((s) => this.inWindow(input.category, s));
    if (input.slotId === null && usableAfter.length > 0 && candidates.length === 0) throw new ModelError('OUTSIDE_BOOKING_WINDOW');
    // A hold that has ended no longer keeps its place, nor counts as the patient's live token.
    this.#expireEnded();
    if (input.patientId !== null && this.state.tokens.some((t) => t.patientId === input.patientId && LIVE.includes(t.status))) {
      throw new ModelError('DUPLICATE_BOOKING');
    }
    // What time opened since the last call goes to the waitlist before this request.
    this.#promoteFirst();
    if (input.slotId === null) {
      target = candidates.find((s) => this.occupancy(s.id) < s.capacity && this.admits(input.category, '', s)) ?? candidates[0];
    }
    const number = this.state.tokens.length + 1;
    const token: MToken = {
      id: `t${number}`,
      number,
      category: input.category,
      rank: this.policy.ranks[input.category],
      status: 'WAITLISTED',
      slotId: null,
      waitingFor: null,
      notBefore: input.slotId !== null ? target!.start : input.after,
      requestedAt: this.now,
      bumpCount: 0,
      placedAt: null,
      patientId: input.patientId,
      label: this.labelFor(input.category, number),
      holdExpiresAt: null,
      holdEnded: false,
      cancelReason: null,
      callIndex: null,
    };
    this.state.tokens.push(token);
    return { target, token };
  }

  #place(token: MToken, slot: MSlot, event: Record<string, unknown> & { type: string }): void {
    token.status = 'BOOKED';
    token.slotId = slot.id;
    token.waitingFor = null;
    token.placedAt = this.now;
    this.changed(token);
    this.events.push({ tokenId: token.id, slotId: slot.id, ...event });
  }

  #mayHoldElastic(token: MToken, slot: MSlot): boolean {
    return this.policy.elastic(token.category, slot.overflowCapacity) > 0;
  }

  /** Returns whether the place is elastic. */
  #allocate(token: MToken, target: MSlot | undefined): boolean {
    if (target !== undefined && this.admits(token.category, token.id, target)) {
      const occupancy = this.occupancy(target.id);
      if (occupancy < target.capacity) {
        this.#place(token, target, this.#booked(token, false));
        return false;
      }
      if (occupancy < target.capacity + this.policy.elastic(token.category, target.overflowCapacity)) {
        this.#place(token, target, this.#booked(token, true));
        return true;
      }
    }
    for (const option of this.policy.whenFull(token.category)) {
      if (option === 'bump' && target !== undefined) {
        const victim = this.#victim(target, token);
        if (victim === undefined || !this.admits(token.category, token.id, target, victim)) continue;
        if (this.policy.victimWithoutRoom === 'keep' && !this.#canMove(victim, target, 0)) continue;
        this.#place(token, target, this.#booked(token, false));
        this.#displace(victim, target, 'bumped', 0, token);
        return false;
      }
      if (option === 'next-slot' && target !== undefined) {
        const next = this.slots().find(
          (s) => s.start > target.start && this.usable(s) && this.occupancy(s.id) < s.capacity && this.admits(token.category, token.id, s),
        );
        if (next !== undefined) {
          this.#place(token, next, this.#booked(token, false));
          return false;
        }
      }
      if (option === 'waitlist') {
        token.waitingFor = this.policy.waitlist === 'slot' && target !== undefined ? target.id : null;
        this.events.push({ type: 'token:waitlisted', tokenId: token.id, slotId: null, waitingForSlotId: token.waitingFor, fromSlotId: null, reason: 'full' });
        return false;
      }
      if (option === 'reject') break;
    }
    throw new ModelError('SLOT_FULL');
  }

  /**
   * DESIGN §9: an emergency takes the earliest usable slot from the one it asked for (or from
   * `after`, or now) with a free place, else an elastic place, else a place it may bump; with
   * none it waits on the doctor-day waitlist, never refused.
   */
  #allocateEmergency(token: MToken): boolean {
    const room = this.#room(token, token.notBefore, null, 0);
    if (room === undefined) {
      this.events.push({ type: 'token:waitlisted', tokenId: token.id, slotId: null, waitingForSlotId: null, fromSlotId: null, reason: 'full' });
      return false;
    }
    this.#place(token, room.slot, this.#booked(token, room.elastic));
    if (room.victim !== undefined) this.#displace(room.victim, room.slot, 'bumped', 0, token);
    return room.elastic;
  }

  /**
   * Where an emergency can go: usable slots starting at or after `notBefore` (strictly after
   * `after` when given), earliest first; in each a free place, an elastic place, or a place it
   * may bump (its policy bumps for emergencies; with `keep`, only a victim who can move).
   */
  #room(token: MToken, notBefore: number | null, after: MSlot | null, victimDepth: number): { slot: MSlot; elastic: boolean; victim?: MToken } | undefined {
    for (const slot of this.slots()) {
      if (!this.usable(slot) || (notBefore !== null && slot.start < notBefore) || (after !== null && slot.start <= after.start)) continue;
      const occupancy = this.places(slot.id).filter((t) => t.id !== token.id).length;
      // A place held for an offer is free to an emergency (which withdraws the offer, `landed`).
      if (occupancy < slot.capacity) return { slot, elastic: false };
      if (occupancy + this.reserved(slot.id) < slot.capacity + this.policy.elastic(token.category, slot.overflowCapacity)) return { slot, elastic: true };
      if (!this.policy.whenFull(token.category).includes('bump')) continue;
      const victim = this.#victim(slot, token);
      if (victim === undefined || (this.policy.victimWithoutRoom === 'keep' && !this.#canMove(victim, slot, victimDepth))) continue;
      return { slot, elastic: false, victim };
    }
    return undefined;
  }

  /** Whether `victim`, bumped out of `from` at `depth`, would get a place (for `victimWithoutRoom: 'keep'`). */
  #canMove(victim: MToken, from: MSlot, depth: number): boolean {
    // A hold is released, never moved: it may always be bumped.
    if (victim.status === 'HELD') return true;
    if (victim.category === 'EMERGENCY') return this.#room(victim, from.start, from, depth + 1) !== undefined;
    const later = this.slots().filter((s) => s.start > from.start && this.usable(s));
    for (const option of this.policy.whenDisplaced('bumped')) {
      if (option.kind !== 'cascade') return false;
      if (later.some((s) => this.occupancy(s.id) < s.capacity && this.admits(victim.category, victim.id, s))) return true;
      if (this.#chain(victim, later, depth, option.chainDepth) !== undefined) return true;
    }
    return false;
  }

  /** A chained cascade: the first later slot with a place `token` may bump (whose victim can move, with `keep`). */
  #chain(token: MToken, later: readonly MSlot[], depth: number, chainDepth: number): { slot: MSlot; victim: MToken } | undefined {
    if (depth >= chainDepth) return undefined;
    for (const slot of later) {
      const victim = this.#victim(slot, token, this.spared);
      if (victim === undefined || !this.admits(token.category, token.id, slot, victim)) continue;
      if (this.policy.victimWithoutRoom === 'keep' && !this.#canMove(victim, slot, depth + 1)) continue;
      return { slot, victim };
    }
    return undefined;
  }

  #booked(token: MToken, overflow: boolean): { type: string } & Record<string, unknown> {
    return { type: 'token:booked', category: token.category, rank: token.rank, overflow };
  }

  /** Whether `a` is displaced before `b`: worse rank, then by request time as configured. */
  #worse(a: MToken, b: MToken): boolean {
    if (a.rank !== b.rank) return a.rank > b.rank;
    if (this.policy.victimOrder === 'latest') return a.requestedAt !== b.requestedAt ? a.requestedAt > b.requestedAt : a.number > b.number;
    return a.requestedAt !== b.requestedAt ? a.requestedAt < b.requestedAt : a.number < b.number;
  }

  #worst(list: readonly MToken[]): MToken | undefined {
    let worst: MToken | undefined;
    for (const t of list) if (worst === undefined || this.#worse(t, worst)) worst = t;
    return worst;
  }

  #victim(slot: MSlot, newcomer: MToken, spared: ReadonlySet<string> = new Set()): MToken | undefined {
    const places = this.places(slot.id).filter((t) => t.id !== newcomer.id);
    // A hold is a bumpable place of its category's rank, like a booked one, while it has not ended (DESIGN §12).
    let candidates = places.filter(
      (t) =>
        (t.status === 'BOOKED' || (t.status === 'HELD' && !this.#holdHasEnded(t))) &&
        t.bumpCount < this.policy.bumpLimit &&
        t.rank > newcomer.rank &&
        !spared.has(t.id),
    );
    const inelastic = places.filter((t) => !this.#mayHoldElastic(t, slot)).length;
    if (places.length > slot.capacity && !this.#mayHoldElastic(newcomer, slot) && inelastic >= slot.capacity) {
      candidates = candidates.filter((t) => !this.#mayHoldElastic(t, slot));
    }
    return this.#worst(candidates);
  }

  #displace(token: MToken, from: MSlot, reason: Reason, depth: number, by?: MToken): void {
    if (token.status === 'HELD') {
      // A hold a bump falls on is released, not moved: its place is the bumper's (DESIGN §12).
      t_release(token);
      this.events.push({
        type: 'token:released',
        tokenId: token.id,
        slotId: from.id,
        reason: by?.category === 'EMERGENCY' ? 'emergency' : 'bumped',
        byTokenId: by!.id,
      });
      return;
    }
    if (reason === 'bumped') {
      token.bumpCount++;
      this.events.push({ type: 'token:bumped', tokenId: token.id, slotId: from.id, fromSlotId: from.id, byTokenId: by!.id });
    }
    this.displaced(token, from, reason);
    token.notBefore = from.start;
    token.waitingFor = null;
    if (token.category === 'EMERGENCY') {
      // An emergency goes forward by the emergency rule, else waits for any later place; never dropped.
      const room = this.#room(token, from.start, from, depth + 1);
      if (room !== undefined) {
        this.#place(token, room.slot, { type: 'token:cascaded', fromSlotId: from.id, toSlotId: room.slot.id, reason });
        if (room.victim !== undefined) this.#displace(room.victim, room.slot, 'bumped', depth + 1, token);
      } else {
        token.status = 'WAITLISTED';
        token.slotId = null;
        token.placedAt = null;
        this.changed(token);
        this.events.push({ type: 'token:waitlisted', tokenId: token.id, slotId: null, waitingForSlotId: null, fromSlotId: from.id, reason });
      }
      return;
    }
    const later = this.slots().filter((s) => s.start > from.start && this.usable(s));
    for (const option of [...this.policy.whenDisplaced(reason), { kind: 'waitlist', slot: 'next' } as const]) {
      if (option.kind === 'cascade') {
        const free = later.find(
          (s) => this.places(s.id).filter((t) => t.id !== token.id).length + this.reserved(s.id) < s.capacity && this.admits(token.category, token.id, s),
        );
        if (free !== undefined) {
          this.#place(token, free, { type: 'token:cascaded', fromSlotId: from.id, toSlotId: free.id, reason });
          return;
        }
        const chain = this.#chain(token, later, depth, option.chainDepth);
        if (chain !== undefined) {
          this.#place(token, chain.slot, { type: 'token:cascaded', fromSlotId: from.id, toSlotId: chain.slot.id, reason });
          this.#displace(chain.victim, chain.slot, 'bumped', depth + 1, token);
          return;
        }
        continue;
      }
      token.status = option.kind === 'drop' ? 'DROPPED' : 'WAITLISTED';
      token.slotId = null;
      token.placedAt = null;
      if (option.kind === 'waitlist' && this.policy.waitlist === 'slot') {
        if (option.slot === 'from' && this.usable(from)) token.waitingFor = from.id;
        else if (option.slot !== 'none') token.waitingFor = later[0]?.id ?? null;
      }
      this.changed(token);
      if (option.kind === 'drop') this.events.push({ type: 'token:dropped', tokenId: token.id, slotId: null, fromSlotId: from.id, reason });
      else this.events.push({ type: 'token:waitlisted', tokenId: token.id, slotId: null, waitingForSlotId: token.waitingFor, fromSlotId: from.id, reason });
      return;
    }
  }

  /** Whether a waiting token may take a place in `slot`: its waitlist allows it, and the slot keeps its request's notice (DESIGN §10, booking windows). */
  eligible(token: MToken, slot: MSlot): boolean {
    if (token.waitingFor !== null ? token.waitingFor !== slot.id : token.notBefore !== null && token.notBefore > slot.start) return false;
    const notice = token.category === 'EMERGENCY' ? undefined : this.windows?.[token.category]?.minNoticeMinutes;
    return notice === undefined || slot.start - notice * 60_000 >= token.requestedAt;
  }

  #settle(): void {
    // While anyone waits, a hold that has ended keeps no place from them, whatever the call.
    if (this.waitlist().length > 0 || this.offering()) this.#expireEnded();
    this.#promoteFirst();
    // Each emergency this call put on the waitlist and left there is reported, once.
    const reported = new Set<string>();
    for (const e of [...this.events]) {
      if (e.type !== 'token:waitlisted' || e.tokenId === null || reported.has(e.tokenId)) continue;
      reported.add(e.tokenId);
      const token = this.state.tokens.find((t) => t.id === e.tokenId)!;
      if (token.status === 'WAITLISTED' && token.category === 'EMERGENCY') this.events.push({ type: 'emergency:unplaced', tokenId: token.id });
    }
  }

  /**
   * The promotions: waiting emergencies, then free places. Also what a booking, a hold or a
   * reinstatement does first: a place time opened (a reservation that ended) goes to the
   * waitlist before the request.
   */
  #promoteFirst(): void {
    this.settleOffers();
    // DESIGN §9: waiting emergencies first, by the emergency rule, best first, until none fits.
    for (;;) {
      const waiting = this.waitlist().filter((t) => t.category === 'EMERGENCY');
      let placed = false;
      for (const token of waiting) {
        const room = this.#room(token, token.notBefore, null, 0);
        if (room === undefined) continue;
        const waitingFor = token.waitingFor;
        this.#place(token, room.slot, { type: 'token:promoted', fromSlotId: waitingFor });
        if (room.victim !== undefined) this.#displace(room.victim, room.slot, 'bumped', 0, token);
        placed = true;
        break;
      }
      if (!placed) break;
    }
    this.#promote();
  }

  /** A call's effects: its events but its own (the `own`-th, after what it promoted first). */
  #effects(own: number): MEvent[] {
    return [...this.events.slice(0, own), ...this.events.slice(own + 1)];
  }

  #promote(): void {
    for (const slot of this.slots()) {
      if (!this.usable(slot)) continue;
      while (this.occupancy(slot.id) < slot.capacity) {
        if (this.offerFreed(slot)) continue;
        const best = this.waitlist().find((t) => this.eligible(t, slot) && this.admits(t.category, t.id, slot));
        if (best === undefined) break;
        this.#place(best, slot, { type: 'token:promoted', fromSlotId: best.waitingFor });
      }
    }
  }

  transition(
    tokenId: string,
    action: 'cancel' | 'checkIn' | 'startConsultation' | 'complete' | 'markNoShow' | 'confirm' | 'release',
    reason: string | null = null,
  ): { token: MToken; effects: MEvent[] } {
    return this.#call(() => {
      const token = this.state.tokens.find((t) => t.id === tokenId);
      if (token === undefined) throw new ModelError('TOKEN_NOT_FOUND');
      const from: Record<typeof action, readonly Status[]> = {
        cancel: ['WAITLISTED', 'BOOKED', 'CHECKED_IN'],
        checkIn: ['BOOKED'],
        startConsultation: ['CHECKED_IN'],
        complete: ['IN_CONSULTATION'],
        markNoShow: ['BOOKED'],
        confirm: ['HELD'],
        release: ['HELD'],
      };
      if (!from[action].includes(token.status)) throw new ModelError('INVALID_TRANSITION');
      // The cancel cut-off: a token with a place, not an emergency, whose slot starts too soon.
      const cutoff = this.windows?.[token.category]?.cancelCutoffMinutes;
      if (
        action === 'cancel' &&
        cutoff !== undefined &&
        token.slotId !== null &&
        token.category !== 'EMERGENCY' &&
        this.now > this.slot(token.slotId)!.start - cutoff * 60_000
      ) {
        throw new ModelError('CANCEL_CUTOFF');
      }
      // A hold whose slot has ended is refused as a booking there is; one whose end has passed
      // otherwise cannot be confirmed either, swept or not.
      if (action === 'confirm' && this.slot(token.slotId!)!.end <= this.now) throw new ModelError('SLOT_ENDED');
      if (action === 'confirm' && token.holdExpiresAt! <= this.now) throw new ModelError('INVALID_TRANSITION');
      const to: Record<typeof action, [Status, string]> = {
        cancel: ['CANCELLED', 'token:cancelled'],
        checkIn: ['CHECKED_IN', 'token:checked-in'],
        startConsultation: ['IN_CONSULTATION', 'token:consultation-started'],
        complete: ['COMPLETED', 'token:completed'],
        markNoShow: ['NO_SHOW', 'token:no-show'],
        confirm: ['BOOKED', 'token:confirmed'],
        release: ['CANCELLED', 'token:released'],
      };
      if (action === 'markNoShow' && this.slot(token.slotId!)!.start > this.now) throw new ModelError('NOT_YET_DUE');
      // A hold released after its end is the expiry it is.
      if (action === 'release' && this.#holdHasEnded(token)) {
        this.#expire(token, this.slot(token.slotId!)!);
        this.#settle();
        return { token, effects: this.events.slice(1) };
      }
      const slotId = token.slotId;
      token.status = to[action][0];
      token.holdExpiresAt = null;
      token.holdEnded = action === 'release';
      // A patient cannot check in while held: the no-show grace runs from the confirmation.
      if (action === 'confirm') token.placedAt = this.now;
      if (action === 'cancel') token.cancelReason = reason;
      if (action === 'cancel' || action === 'markNoShow' || action === 'release') {
        token.slotId = null;
        token.waitingFor = null;
        token.placedAt = null;
      }
      const extra = action === 'cancel' ? { reason } : action === 'markNoShow' ? { reason: 'manual' } : action === 'release' ? { reason: 'released' } : {};
      this.changed(token);
      this.events.push({ type: to[action][1], tokenId: token.id, slotId, ...extra });
      this.#settle();
      return { token, effects: this.events.slice(1) };
    });
  }

  /**
   * Moves a BOOKED or WAITLISTED token within the day (DESIGN §9): to `slotId`, or to the first
   * usable slot starting at or after `after` (when given) other than its own with a free place
   * its quota admits. Only a free place; the token keeps its number, its notBefore becomes the
   * new slot's start; the place left is promoted into. A hold of the day that has ended is
   * released first, and the waitlist promoted, as after a sweep.
   */
  move(tokenId: string, slotId: string | null, after: number | null, reason: string | null): { token: MToken; effects: MEvent[] } {
    return this.#call(() => {
      // The slot is looked up first: its doctor names the unit.
      if (slotId !== null && this.slot(slotId) === undefined) throw new ModelError('SLOT_NOT_FOUND');
      const token = this.state.tokens.find((t) => t.id === tokenId);
      if (token === undefined) throw new ModelError('TOKEN_NOT_FOUND');
      if (token.status !== 'BOOKED' && token.status !== 'WAITLISTED') throw new ModelError('INVALID_TRANSITION');
      this.#refuseRetired(Math.max(this.now, after ?? this.now, slotId === null ? this.now : this.slot(slotId)!.start));
      const free = (s: MSlot): boolean => this.occupancy(s.id) < s.capacity && this.admits(token.category, token.id, s);
      // Within the day, a hold that has ended keeps no place: the day is settled first, as after
      // a sweep (the waitlist, the patient perhaps among it, takes such places first).
      const settleEnded = (): void => {
        if (this.state.tokens.some((t) => this.#holdHasEnded(t))) this.prepareArrival();
      };
      let target: MSlot | undefined;
      if (slotId !== null) {
        target = this.slot(slotId);
        if (target === undefined) throw new ModelError('SLOT_NOT_FOUND');
        if (after !== null && target.start < after) throw new ModelError('VALIDATION_FAILED');
        if (target.status === 'CLOSED') throw new ModelError('SLOT_CLOSED');
        if (target.end <= this.now) throw new ModelError('SLOT_ENDED');
        settleEnded();
        if (!this.inWindow(token.category, target)) throw new ModelError('OUTSIDE_BOOKING_WINDOW');
        if (target.id === token.slotId) throw new ModelError('VALIDATION_FAILED');
        if (!free(target)) throw new ModelError('SLOT_FULL');
      } else {
        settleEnded();
        const open = this.slots().filter((s) => this.usable(s) && s.id !== token.slotId && (after === null || s.start >= after) && free(s));
        target = open.find((s) => this.inWindow(token.category, s));
        // Free places, none within the window.
        if (target === undefined && open.length > 0) throw new ModelError('OUTSIDE_BOOKING_WINDOW');
        if (target === undefined) throw new ModelError('SLOT_FULL');
      }
      const fromSlotId = token.slotId;
      token.notBefore = target.start;
      // Its own event comes after the holds expired first.
      const own = this.events.length;
      this.#place(token, target, {
        type: 'token:moved',
        fromSlotId,
        toSlotId: target.id,
        fromDoctorId: this.where.doctorId,
        toDoctorId: this.where.doctorId,
        fromTokenId: token.id,
        fromDay: this.where.day,
        reason,
      });
      this.#settle();
      return { token, effects: this.#effects(own) };
    });
  }

  // --- the live queue ------------------------------------------------------------------------

  /** The patient `callNext` calls now, or `null` (test/model/call-order.ts); changes nothing. */
  nextToCall(): MToken | null {
    return nextToCall(this);
  }

  /** Calls the patient {@link Model.nextToCall} names; under a call order, its first call is numbered. */
  callNext(): MToken | null {
    const token = this.nextToCall();
    if (token !== null && this.callOrder !== null && token.callIndex === null) {
      token.callIndex = Math.max(0, ...this.state.tokens.map((t) => t.callIndex ?? 0)) + 1;
    }
    return token;
  }

  /** Calls a `CHECKED_IN` patient again; changes nothing. */
  recall(tokenId: string): MToken {
    const token = this.state.tokens.find((t) => t.id === tokenId);
    if (token === undefined) throw new ModelError('TOKEN_NOT_FOUND');
    if (token.status !== 'CHECKED_IN') throw new ModelError('INVALID_TRANSITION');
    return token;
  }

  /**
   * Brings a `NO_SHOW` or `CANCELLED` token (not an ended hold) back as a request made now, with
   * its number and label: into the first usable slot (`queue-end`: the one running now, else the
   * next), or where a booking without a slot would go (`rebook`); then exactly as a booking.
   */
  reinstate(tokenId: string): { token: MToken; effects: MEvent[] } {
    return this.#call(() => {
      const token = this.state.tokens.find((t) => t.id === tokenId);
      if (token === undefined) throw new ModelError('TOKEN_NOT_FOUND');
      if ((token.status !== 'NO_SHOW' && token.status !== 'CANCELLED') || token.holdEnded) throw new ModelError('INVALID_TRANSITION');
      // A token its day's closing ended is not brought back.
      if (token.cancelReason === 'day-closed' || token.cancelReason === 'carried') throw new ModelError('INVALID_TRANSITION');
      this.#expireEnded();
      if (token.patientId !== null && this.state.tokens.some((t) => t.patientId === token.patientId && LIVE.includes(t.status)))
        throw new ModelError('DUPLICATE_BOOKING');
      this.#promoteFirst();
      const own = this.events.length;
      this.events.push({ type: 'token:reinstated', tokenId: token.id, fromStatus: token.status, lateArrival: this.lateArrival });
      token.status = 'WAITLISTED';
      token.slotId = null;
      token.waitingFor = null;
      token.notBefore = null;
      token.placedAt = null;
      token.requestedAt = this.now;
      token.cancelReason = null;
      token.callIndex = null;
      const usable = this.slots().filter((s) => this.usable(s) && this.inWindow(token.category, s));
      if (usable.length === 0 && this.slots().some((s) => this.usable(s))) throw new ModelError('OUTSIDE_BOOKING_WINDOW');
      const target =
        this.lateArrival === 'queue-end'
          ? usable[0]
          : (usable.find((s) => this.occupancy(s.id) < s.capacity && this.admits(token.category, token.id, s)) ?? usable[0]);
      if (token.category === 'EMERGENCY') this.#allocateEmergency(token);
      else this.#allocate(token, target);
      this.#settle();
      return { token, effects: this.#effects(own) };
    });
  }

  /**
   * When the day is over: at the end of its last open slot; with none open, at the end of the day
   * (the model's day is `where.day`, in UTC).
   */
  overAt(): number {
    const open = this.state.slots.filter((s) => s.status === 'OPEN').map((s) => s.end);
    return open.length === 0 ? Date.parse(`${this.where.day}T00:00:00Z`) + 86_400_000 : Math.max(...open);
  }

  /**
   * Closes the day by hand: refused (`DAY_NOT_OVER`) before it is over; otherwise every token
   * waiting, held, booked or checked in ends (expired, the model carries nobody).
   */
  closeDay(): MEvent[] {
    return this.#call(() => {
      if (this.now < this.overAt()) throw new ModelError('DAY_NOT_OVER');
      this.#closeOut();
      return this.events;
    });
  }

  /**
   * Closing the day: holds that have ended expire as holds; then every token never seen
   * (waiting, held, booked, checked in), emergencies first then in queue order, is `CANCELLED`
   * (`day-closed`, `token:expired`), and `day:closed` sums up — unless nothing was left.
   */
  #closeOut(): void {
    this.#expireEnded();
    const unseen = this.state.tokens.filter((t) => UNSEEN.includes(t.status));
    if (unseen.length === 0) return;
    const urgent = (t: MToken): number => (t.category === 'EMERGENCY' ? 0 : 1);
    unseen.sort((a, b) => urgent(a) - urgent(b) || queueOrder(a, b));
    for (const t of unseen) {
      this.events.push({ type: 'token:expired', tokenId: t.id, slotId: t.slotId, holdExpiresAt: t.holdExpiresAt, reason: 'day-closed', fromStatus: t.status });
      t.status = 'CANCELLED';
      t.cancelReason = 'day-closed';
      t.slotId = null;
      t.waitingFor = null;
      t.placedAt = null;
      t.holdExpiresAt = null;
    }
    this.events.push({ type: 'day:closed', tokenId: null, expired: unseen.length, carried: 0, toDay: null });
  }

  sweep(graceMinutes = 15): MEvent[] {
    return this.#call(() => {
      const cutoff = this.now - graceMinutes * 60_000;
      const started = this.slots().filter((s) => s.start < cutoff);
      const ended = (t: MToken): boolean => this.#holdHasEnded(t);
      // A day over by the cutoff (its last open slot ended, and the grace period passed) closes.
      const closing = this.overAt() <= cutoff && this.state.tokens.some((t) => UNSEEN.includes(t.status));
      if (!closing && !started.some((s) => this.places(s.id).some((t) => t.status === 'BOOKED')) && !this.state.tokens.some(ended)) {
        // Nobody due; with a quota, a reservation that ended may have opened a place to the waitlist.
        // With offers, a group whose window passed goes to the next (as a sweep finds lapsed holds).
        if (this.quota !== null || this.offering()) this.#settle();
        return this.events;
      }
      // Slot by slot, the no-shows of each slot started before the cutoff; then the claims: every
      // ended hold of the day released, slot by slot (then, settling, the offers whose window passed).
      for (const slot of this.slots()) {
        if (slot.start >= cutoff) continue;
        for (const t of this.places(slot.id)) {
          if (t.status !== 'BOOKED' || (t.placedAt !== null && t.placedAt >= cutoff)) continue;
          t.status = 'NO_SHOW';
          t.slotId = null;
          t.placedAt = null;
          this.changed(t);
          this.events.push({ type: 'token:no-show', tokenId: t.id, slotId: slot.id, reason: 'sweep' });
        }
      }
      for (const slot of this.slots()) for (const t of this.places(slot.id).filter((p) => this.#holdHasEnded(p))) this.#expire(t, slot);
      this.#settle();
      if (closing) this.#closeOut();
      return this.events;
    });
  }

  #usableSlotOrFail(slotId: string): MSlot {
    const slot = this.slot(slotId);
    if (slot === undefined) throw new ModelError('SLOT_NOT_FOUND');
    if (slot.status === 'CLOSED') throw new ModelError('SLOT_CLOSED');
    if (slot.end <= this.now) throw new ModelError('SLOT_ENDED');
    return slot;
  }

  closeSlot(slotId: string, reason: string | null): MEvent[] {
    return this.#call(() => {
      const slot = this.#usableSlotOrFail(slotId);
      if (this.places(slot.id).some((t) => t.status === 'CHECKED_IN' || t.status === 'IN_CONSULTATION')) throw new ModelError('VALIDATION_FAILED');
      // As after a sweep: holds that have ended released, the waitlist promoted into their places.
      this.prepareArrival();
      const places = this.places(slot.id);
      slot.status = 'CLOSED';
      this.events.push({ type: 'slot:closed', tokenId: null, slotId: slot.id, reason });
      this.slotChanged(slot);
      this.#releaseHolds(slot);
      for (const t of places.filter((p) => p.status === 'BOOKED')) this.#displace(t, slot, 'slot-closed', 0);
      this.#forwardWaiting(slot);
      this.#settle();
      return this.events;
    });
  }

  /**
   * A doctor's leave over `[from, to)`: every usable slot it overlaps closes first; then every
   * `BOOKED` place of them is displaced once, emergencies first, then in queue order; then the
   * per-slot waitlist entries of each closed slot wait for the next usable slot.
   */
  closeSlots(from: number, to: number, reason: string | null): MEvent[] {
    return this.#call(() => {
      const closing = this.leaveSlots(from, to);
      // A leave that closes nothing changes nothing.
      if (closing.length === 0) return [];
      this.refuseLeave(closing);
      this.#leave(closing, reason);
      return this.events;
    });
  }

  /** The steps of a leave once it is allowed: the slots closed first, then their patients displaced once each. */
  #leave(closing: MSlot[], reason: string | null): void {
    this.prepareArrival();
    this.closeAll(closing, reason);
    try {
      this.displaceAll(closing);
    } finally {
      this.spared.clear();
    }
  }

  /**
   * The doctor retires from `from`: refused when already retired; else `doctor:retired`, then
   * the leave from `from` on (every usable slot ending after it closes, its patients displaced
   * once; no place is left after it), and from then on nothing reaches past `from`.
   */
  retire(from: number, reason: string | null): MEvent[] {
    return this.#call(() => {
      if (this.state.retiredFrom !== null) throw new ModelError('DOCTOR_RETIRED');
      const closing = this.leaveSlots(from, Number.POSITIVE_INFINITY);
      if (closing.length > 0) this.refuseLeave(closing);
      this.events.push({ type: 'doctor:retired', tokenId: null, retiredFrom: from, reason, reassign: null });
      this.state.retiredFrom = from;
      if (closing.length > 0) this.#leave(closing, reason);
      return this.events;
    });
  }

  /** `DOCTOR_RETIRED` for a request whose earliest place would be at or after the retirement. */
  #refuseRetired(earliest: number): void {
    if (this.state.retiredFrom !== null && earliest >= this.state.retiredFrom) throw new ModelError('DOCTOR_RETIRED');
  }

  // --- pieces of a leave and of moves between doctor-days, for a world of several -----------
  // (They change the state without the copy-and-restore of a call: the caller keeps a copy.)

  /** The usable slots a leave over `[from, to)` closes (`end > from`, `start < to`), in time order. */
  leaveSlots(from: number, to: number): MSlot[] {
    return this.slots().filter((s) => this.usable(s) && s.end > from && s.start < to);
  }

  /** A leave is refused while a patient in one of its slots is checked in or in consultation. */
  refuseLeave(closing: readonly MSlot[]): void {
    const places = closing.flatMap((s) => this.places(s.id));
    if (places.some((t) => t.status === 'CHECKED_IN' || t.status === 'IN_CONSULTATION')) throw new ModelError('VALIDATION_FAILED');
  }

  /** Closes the slots of a leave, all of them before anybody moves. */
  closeAll(closing: readonly MSlot[], reason: string | null): void {
    for (const slot of closing) {
      slot.status = 'CLOSED';
      this.events.push({ type: 'slot:closed', tokenId: null, slotId: slot.id, reason });
    }
  }

  /**
   * After {@link closeAll}: releases the holds of the closed slots, then displaces every `BOOKED`
   * place of them once, emergencies first, then in queue order; forwards the per-slot waitlist
   * entries of each closed slot to the next usable slot, and brings the day to rest. `first` may
   * take a patient elsewhere before the day's own rule runs (returning `true`); `last` is asked
   * only when the day's own rule found no place (the patient would be waitlisted or dropped).
   */
  displaceAll(
    closing: readonly MSlot[],
    elsewhere: { readonly first?: (t: MToken, from: MSlot) => boolean; readonly last?: (t: MToken, from: MSlot) => boolean } = {},
  ): void {
    for (const slot of closing) this.#releaseHolds(slot);
    this.#expireEnded();
    const booked = closing.flatMap((s) =>
      this.places(s.id)
        .filter((t) => t.status === 'BOOKED')
        .map((t) => ({ t, s })),
    );
    const urgent = (t: MToken): number => (t.category === 'EMERGENCY' ? 0 : 1);
    booked.sort((a, b) => urgent(a.t) - urgent(b.t) || queueOrder(a.t, b.t));
    for (const { t, s } of booked) {
      // Moved once, on its own day too: no later patient's chain bumps it from its new place.
      this.spared.add(t.id);
      if (elsewhere.first?.(t, s) === true) continue;
      if (elsewhere.last === undefined) {
        this.#displace(t, s, 'slot-closed', 0);
        continue;
      }
      // Tried on the day; with no place there it is undone (the tokens restored in place, a
      // displacement creates none) and asked elsewhere first.
      const saved = structuredClone(this.state.tokens);
      const events = this.events.length;
      this.#displace(t, s, 'slot-closed', 0);
      if (t.status === 'BOOKED') continue;
      this.state.tokens.forEach((x, i) => Object.assign(x, saved[i]));
      this.events.length = events;
      if (elsewhere.last(t, s)) continue;
      this.#displace(t, s, 'slot-closed', 0);
    }
    for (const slot of closing) this.#forwardWaiting(slot);
    this.#settle();
  }

  /**
   * Whether an emergency asking for this day now would get a place by the emergency rule (free,
   * elastic or a bump), the holds that have ended expired first as that booking would.
   */
  emergencyFits(): boolean {
    const probe = { id: '', number: 0, category: 'EMERGENCY', rank: this.policy.ranks.EMERGENCY } as MToken;
    const saved = structuredClone(this.state);
    const events = this.events.length;
    // As the booking does: lapsed holds released and the waitlist promoted before the request.
    this.#expireEnded();
    this.#promoteFirst();
    const fits = this.#room(probe, null, null, 0) !== undefined;
    this.state = saved;
    this.events.length = events;
    return fits;
  }

  /** Whether a place of slot `slotId` is kept by a hold whose end has passed. */
  hasLapsedHold(slotId: string): boolean {
    return this.places(slotId).some((t) => this.#holdHasEnded(t));
  }

  /**
   * Whether a usable slot has a free place once the day is settled as a booking settles it (lapsed
   * holds released, the waitlist promoted). With `keep`, the day stays settled.
   */
  freeAfterSettling(keep: boolean): boolean {
    const saved = structuredClone(this.state);
    const events = this.events.length;
    this.#expireEnded();
    this.#promoteFirst();
    const free = this.slots().some((s) => this.usable(s) && this.occupancy(s.id) < s.capacity);
    if (!keep) {
      this.state = saved;
      this.events.length = events;
    }
    return free;
  }

  /** Whether `t` is a hold whose end has passed. */
  #holdHasEnded(t: MToken): boolean {
    return t.status === 'HELD' && t.holdExpiresAt! <= this.now;
  }

  /** Ends a hold whose end has passed: `CANCELLED`, `token:expired`. */
  #expire(t: MToken, slot: MSlot): void {
    this.events.push({ type: 'token:expired', tokenId: t.id, slotId: slot.id, holdExpiresAt: t.holdExpiresAt, reason: 'hold-expired', fromStatus: 'HELD' });
    t.status = 'CANCELLED';
    t.slotId = null;
    t.placedAt = null;
    t.holdExpiresAt = null;
    t.holdEnded = true;
  }

  /** Every hold of the day whose end has passed, slot by slot (what a booking, a hold or a reinstatement does first). */
  #expireEnded(): void {
    for (const slot of this.slots()) for (const t of this.places(slot.id).filter((p) => this.#holdHasEnded(p))) this.#expire(t, slot);
  }

  /** Whether the patient holds a live token in this doctor-day. */
  holdsLive(patientId: string | null): boolean {
    return patientId !== null && this.state.tokens.some((t) => t.patientId === patientId && LIVE.includes(t.status));
  }

  /** Places taken in the day (every place, closed slots' too). */
  taken(): number {
    return this.state.tokens.filter((t) => t.slotId !== null && PLACE.includes(t.status)).length;
  }

  /**
   * A patient arriving from another doctor-day: a new token (the next number and label here)
   * `BOOKED` in `slot`, with the patient, category and request time of `from`; no event.
   */
  adopt(from: MToken, slot: MSlot): MToken {
    const number = this.state.tokens.length + 1;
    const token: MToken = {
      ...structuredClone(from),
      id: `t${number}`,
      number,
      rank: this.policy.ranks[from.category],
      status: 'BOOKED',
      slotId: slot.id,
      waitingFor: null,
      notBefore: slot.start,
      bumpCount: 0,
      placedAt: this.now,
      label: this.labelFor(from.category, number),
      holdExpiresAt: null,
      holdEnded: false,
      cancelReason: null,
      callIndex: null,
    };
    this.state.tokens.push(token);
    return token;
  }

  /** A patient leaving for another doctor-day: the token ends `CANCELLED` (`moved`); the day is not yet brought to rest. */
  leaveFor(token: MToken): void {
    token.status = 'CANCELLED';
    token.cancelReason = 'moved';
    token.slotId = null;
    token.waitingFor = null;
    token.placedAt = null;
  }

  /**
   * What a move does first to a doctor-day it brings a patient to from another: holds that have
   * ended are released and the waitlist takes the places time opened (as a booking does first).
   */
  prepareArrival(): void {
    this.#expireEnded();
    this.#promoteFirst();
  }

  /** Brings the day to rest: waiting emergencies first, then promotions. */
  settle(): void {
    this.#settle();
  }

  /** The per-slot waitlist entries of a closed slot wait for the next usable slot (or any slot). */
  #forwardWaiting(slot: MSlot): void {
    const next = this.slots().find((s) => s.start > slot.start && this.usable(s));
    for (const t of this.waitlist().filter((w) => w.waitingFor === slot.id)) {
      t.waitingFor = next?.id ?? null;
      t.notBefore = slot.start;
      this.events.push({ type: 'token:waitlisted', tokenId: t.id, slotId: null, waitingForSlotId: t.waitingFor, fromSlotId: slot.id, reason: 'slot-closed' });
    }
  }

  /** A closed slot's holds are released (a hold is not a booking yet: it is never moved). */
  #releaseHolds(slot: MSlot): void {
    for (const t of this.places(slot.id).filter((p) => p.status === 'HELD')) {
      if (this.#holdHasEnded(t)) {
        this.#expire(t, slot);
        continue;
      }
      t.status = 'CANCELLED';
      t.slotId = null;
      t.placedAt = null;
      t.holdExpiresAt = null;
      t.holdEnded = true;
      this.events.push({ type: 'token:released', tokenId: t.id, slotId: slot.id, reason: 'slot-closed' });
    }
  }

  reopenSlot(slotId: string): MEvent[] {
    return this.#call(() => {
      const slot = this.slot(slotId);
      if (slot === undefined) throw new ModelError('SLOT_NOT_FOUND');
      if (slot.end <= this.now) throw new ModelError('SLOT_ENDED');
      if (slot.status !== 'CLOSED') throw new ModelError('VALIDATION_FAILED');
      if (this.state.retiredFrom !== null && slot.end > this.state.retiredFrom) throw new ModelError('DOCTOR_RETIRED');
      slot.status = 'OPEN';
      this.events.push({ type: 'slot:reopened', tokenId: null, slotId: slot.id });
      this.slotChanged(slot);
      this.#settle();
      return this.events;
    });
  }

  setCapacity(slotId: string, capacity: number): MEvent[] {
    return this.#call(() => {
      const slot = this.#usableSlotOrFail(slotId);
      if (capacity < this.places(slot.id).filter((t) => t.status !== 'BOOKED' && !this.#holdHasEnded(t)).length) throw new ModelError('VALIDATION_FAILED');
      if (capacity === slot.capacity) return [];
      // A hold that has ended keeps no place a patient would lose, or could be moved on to: as
      // after a sweep, the waitlist takes the places they leave first.
      this.#expireEnded();
      this.#promoteFirst();
      const places = this.places(slot.id);
      const elasticInUse = Math.max(0, places.length - slot.capacity);
      this.events.push({ type: 'slot:capacity-changed', tokenId: null, slotId: slot.id, previousCapacity: slot.capacity, capacity });
      const previous = slot.capacity;
      slot.capacity = capacity;
      this.capacityChanged(slot, previous);
      // Who leaves is chosen worst first; they move best first, as when a slot closes.
      const leaving = new Set<MToken>();
      const staying = (): MToken[] => this.places(slot.id).filter((t) => !leaving.has(t));
      const taken = (): number => staying().length + this.reserved(slot.id);
      const booked = (): MToken[] => staying().filter((t) => t.status === 'BOOKED');
      const inelastic = (list: readonly MToken[]): MToken[] => list.filter((t) => !this.#mayHoldElastic(t, slot));
      while (taken() > capacity && inelastic(staying()).length > capacity) {
        const victim = this.#worst(inelastic(booked()));
        if (victim === undefined) break;
        leaving.add(victim);
      }
      // An emergency the slot still grants an elastic place stays in it (as would one booking
      // now), in an elastic place of its own; the worst of the others leave.
      const kept = new Set<MToken>();
      while (taken() > capacity + elasticInUse + kept.size) {
        const victim = this.#worst(booked().filter((t) => !kept.has(t)));
        if (victim === undefined) break;
        if (victim.category === 'EMERGENCY' && taken() - 1 < capacity + this.policy.elastic(victim.category, slot.overflowCapacity)) kept.add(victim);
        else leaving.add(victim);
      }
      for (const t of [...leaving].sort(queueOrder)) this.#displace(t, slot, 'capacity-lowered', 0);
      this.#settle();
      return this.events;
    });
  }
}
