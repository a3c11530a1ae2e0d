/**
 * The reference model with offers (DESIGN §10 "Offers with a response window"), written from the
 * design: a place that frees (a token leaves it, or the capacity grows) is held for an offer
 * rather than promoted into; it counts as taken for everyone but an emergency; candidates come in
 * groups (a patient displaced from that slot first, then the waitlist in promotion order, then
 * with `earlierSlots` booked tokens of later slots); the first to accept takes it, a group whose
 * window passes gives way to the next, and a place without candidates, or too near its slot's
 * start, goes back to the promotion rule. Plain arrays and linear scans, like the model itself.
 *
 * Where DESIGN is silent the model follows the scheduler, and says so where it does: offer ids
 * (`<doctor>~<day>~o<place>.<candidate>`), a group's window cut at `stopMinutesBeforeStart` (the
 * option's own documentation), an offer that lapses when its token can no longer take the place
 * (`moved-on`), which held place an emergency or a smaller capacity takes (the latest), and the
 * answers to an offer already declined.
 */
import { type MEvent, type MSlot, type MToken, Model, ModelError, queueOrder, type Reason } from './reference.js';

/** The options of `StagedOffers`, as the model reads them; `quietHours` in minutes of the (UTC) day. */
export interface MOffers {
  readonly windowMinutes: number;
  readonly groupSize: number;
  readonly stopMinutesBeforeStart: number;
  readonly earlierSlots: boolean;
  readonly quietHours: { readonly from: number; readonly to: number } | null;
}

export type CandidateState = 'OPEN' | 'ACCEPTED' | 'DECLINED' | 'EXPIRED' | 'LAPSED' | 'WITHDRAWN';

/** One candidate's offer of a place. */
export interface MCandidate {
  readonly offerId: string;
  readonly tokenId: string;
  readonly expiresAt: number;
  state: CandidateState;
  /** It lapsed because its token could no longer take the place. */
  movedOn: boolean;
}

/** A place held for an offer (`OPEN`, or `WAITING` for the end of the quiet hours), or no longer held. */
export interface MOfferPlace {
  readonly id: string;
  readonly slotId: string;
  status: 'WAITING' | 'OPEN' | 'RETURNED' | 'ACCEPTED' | 'WITHDRAWN';
  round: number;
  /** When the place is due: the group's window ends, or the morning comes. */
  dueAt: number;
  candidates: MCandidate[];
}

/** The day's offers: its places, and the slot each displaced token was last displaced from. */
export interface OfferBook {
  places: MOfferPlace[];
  displaced: Record<string, string>;
  /** Answers given to accepted offers, replayed to a retried accept. */
  accepted: Record<string, string>;
}

const MINUTE = 60_000;
const DAY_MS = 86_400_000;
const held = (p: MOfferPlace): boolean => p.status === 'OPEN' || p.status === 'WAITING';

export class OfferModel extends Model {
  /** Where each token had its place when freed places were last counted; the capacities then. */
  #seen = new Map<string, string>();
  #capacities = new Map<string, number>();
  /** Places freed in this call, by slot, not yet offered or promoted into. */
  #freed = new Map<string, number>();

  constructor(
    readonly offers: MOffers,
    ...rest: ConstructorParameters<typeof Model>
  ) {
    super(...rest);
    this.state.offers = { places: [], displaced: {}, accepted: {} };
  }

  get offerBook(): OfferBook {
    return this.state.offers!;
  }

  /** The open offer of a token: its id, slot and end, or `null`. */
  openOffer(tokenId: string): { offerId: string; slotId: string; expiresAt: number } | null {
    for (const p of this.offerBook.places) {
      if (p.status !== 'OPEN') continue;
      for (const c of p.candidates) if (c.tokenId === tokenId && c.state === 'OPEN') return { offerId: c.offerId, slotId: p.slotId, expiresAt: c.expiresAt };
    }
    return null;
  }

  override reserved(slotId: string): number {
    return this.offerBook.places.filter((p) => p.slotId === slotId && held(p)).length;
  }

  // --- freed places ------------------------------------------------------------------------------

  #placeOf(t: MToken): string | null {
    return t.slotId !== null && ['HELD', 'BOOKED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED'].includes(t.status) ? t.slotId : null;
  }

  protected override begin(): void {
    this.#freed.clear();
    this.#look();
  }

  /** Notes where every token has its place and every slot's capacity, to count what frees next. */
  #look(): void {
    this.#seen = new Map(this.state.tokens.flatMap((t) => (this.#placeOf(t) === null ? [] : [[t.id, this.#placeOf(t)!] as const])));
    this.#capacities = new Map(this.state.slots.map((s) => [s.id, s.capacity]));
  }

  /** Counts the places freed since last counted: a token left its slot's place; a capacity grew. */
  #count(): void {
    const note = (slotId: string, n: number): void => void this.#freed.set(slotId, (this.#freed.get(slotId) ?? 0) + n);
    for (const t of this.state.tokens) {
      const was = this.#seen.get(t.id);
      if (was !== undefined && this.#placeOf(t) !== was) note(was, 1);
    }
    for (const s of this.state.slots) {
      const was = this.#capacities.get(s.id);
      if (was !== undefined && s.capacity > was) note(s.id, s.capacity - was);
    }
    this.#look();
  }

  protected override offering(): boolean {
    this.#count();
    return this.#freed.size > 0 || this.offerBook.places.some((p) => held(p) && p.dueAt <= this.now);
  }

  protected override offerFreed(slot: MSlot): boolean {
    this.#count();
    const n = this.#freed.get(slot.id);
    if (n === undefined) return false;
    if (n <= 1) this.#freed.delete(slot.id);
    else this.#freed.set(slot.id, n - 1);
    const place: MOfferPlace = {
      id: `d1~${this.where.day}~o${this.offerBook.places.length + 1}`,
      slotId: slot.id,
      status: 'WAITING',
      round: 0,
      dueAt: this.now,
      candidates: [],
    };
    this.#round(place, 1);
    if (place.status === 'RETURNED') return false;
    this.offerBook.places.push(place);
    return true;
  }

  // --- the policy and the candidates ---------------------------------------------------------------

  /** What StagedOffers decides for a place of `slot` now. */
  #decide(slot: MSlot): { kind: 'promote' } | { kind: 'wait'; until: number } | { kind: 'offer'; expiresAt: number } {
    const stopAt = slot.start - this.offers.stopMinutesBeforeStart * MINUTE;
    if (this.now >= stopAt) return { kind: 'promote' };
    const quiet = this.offers.quietHours;
    const dayStart = Math.floor(this.now / DAY_MS) * DAY_MS;
    const minute = Math.floor((this.now - dayStart) / MINUTE);
    if (quiet !== null && (quiet.from < quiet.to ? minute >= quiet.from && minute < quiet.to : minute >= quiet.from || minute < quiet.to)) {
      const morning = dayStart + (quiet.from > quiet.to && minute >= quiet.from ? DAY_MS : 0) + quiet.to * MINUTE;
      return morning >= stopAt ? { kind: 'promote' } : { kind: 'wait', until: morning };
    }
    return { kind: 'offer', expiresAt: Math.min(this.now + this.offers.windowMinutes * MINUTE, stopAt) };
  }

  /** Whether `t` could take a place of `slot` by an offer: waiting for it (never earlier than asked), or booked in a later slot. */
  canTake(t: MToken, slot: MSlot): boolean {
    if (t.status === 'WAITLISTED') return this.eligible(t, slot);
    if (t.status !== 'BOOKED' || t.slotId === null || t.slotId === slot.id) return false;
    return this.slot(t.slotId)!.start > slot.start;
  }

  /** The next group for `place`: displaced from its slot first, the waitlist, then (earlierSlots) later slots' booked tokens. */
  #group(place: MOfferPlace, slot: MSlot): MToken[] {
    const busy = new Set(this.offerBook.places.flatMap((p) => p.candidates.filter((c) => c.state === 'OPEN').map((c) => c.tokenId)));
    const offered = new Set(place.candidates.map((c) => c.tokenId));
    const group: MToken[] = [];
    const take = (t: MToken): boolean => {
      if (group.includes(t) || offered.has(t.id) || busy.has(t.id) || !this.canTake(t, slot)) return false;
      if (t.category !== 'EMERGENCY' && !this.admits(t.category, t.id, slot)) return false;
      group.push(t);
      return group.length >= this.offers.groupSize;
    };
    const token = (id: string): MToken => this.state.tokens.find((t) => t.id === id)!;
    // Several patients displaced from the slot: in queue order (rank, request time, number).
    const displaced = Object.entries(this.offerBook.displaced)
      .filter(([, from]) => from === slot.id)
      .map(([id]) => token(id))
      .sort(queueOrder);
    for (const t of displaced) if (take(t)) return group;
    for (const t of this.waitlist()) if (take(t)) return group;
    if (!this.offers.earlierSlots) return group;
    for (const s of this.slots().filter((x) => x.start > slot.start)) for (const t of this.places(s.id)) if (t.status === 'BOOKED' && take(t)) return group;
    return group;
  }

  /** Opens group `round` of `place`: offers, a wait for the morning, or the place returned to the promotion rule. */
  #round(place: MOfferPlace, round: number): void {
    const slot = this.slot(place.slotId)!;
    const back = (): void => {
      place.status = 'RETURNED';
      place.dueAt = this.now;
    };
    if (!this.usable(slot)) return back();
    const decision = this.#decide(slot);
    if (decision.kind === 'promote') return back();
    if (decision.kind === 'wait') {
      place.status = 'WAITING';
      place.dueAt = decision.until;
      return;
    }
    const group = this.#group(place, slot);
    if (group.length === 0) return back();
    for (const t of group) {
      const offerId = `${place.id}.${place.candidates.length + 1}`;
      place.candidates.push({ offerId, tokenId: t.id, expiresAt: decision.expiresAt, state: 'OPEN', movedOn: false });
      this.events.push({ type: 'token:offered', tokenId: t.id, slotId: place.slotId, offerId, expiresAt: decision.expiresAt, round });
    }
    place.status = 'OPEN';
    place.round = round;
    place.dueAt = decision.expiresAt;
  }

  /** Ends the open offers of `place` that `which` selects as `state`, each with its event. */
  #end(place: MOfferPlace, state: CandidateState, event: (c: MCandidate) => MEvent, which: (c: MCandidate) => boolean = () => true): void {
    for (const c of place.candidates) {
      if (c.state !== 'OPEN' || !which(c)) continue;
      c.state = state;
      this.events.push(event(c));
    }
  }

  #lapsed(c: MCandidate, place: MOfferPlace, reason: string): MEvent {
    return { type: 'token:offer-lapsed', tokenId: c.tokenId, slotId: place.slotId, offerId: c.offerId, reason };
  }

  // --- time, moves and emergencies ----------------------------------------------------------------

  /** A group whose window passed lapses and the next is offered; a place waiting for the morning is offered. */
  protected override settleOffers(): void {
    for (const place of [...this.offerBook.places]) {
      if (!held(place) || place.dueAt > this.now) continue;
      this.#end(place, 'EXPIRED', (c) => this.#lapsed(c, place, 'expired'));
      this.#round(place, place.round + 1);
    }
  }

  /**
   * A candidate whose token can no longer take the place (cancelled, moved, placed elsewhere)
   * loses its offer (`moved-on`); a group left with nobody goes to the next. DESIGN is silent (it
   * says the others keep what they had); as the scheduler, in the same call, before the token's
   * own event. An emergency that
   * lands where an offered place is the one left takes it: the latest offer there is withdrawn.
   */
  protected override changed(token: MToken): void {
    for (const place of this.offerBook.places) {
      if (place.status !== 'OPEN') continue;
      const mine = place.candidates.find((c) => c.state === 'OPEN' && c.tokenId === token.id);
      if (mine === undefined) continue;
      if (this.canTake(token, this.slot(place.slotId)!)) break;
      this.#end(
        place,
        'LAPSED',
        (c) => this.#lapsed(c, place, 'moved-on'),
        (c) => c === mine,
      );
      mine.movedOn = true;
      if (!place.candidates.some((c) => c.state === 'OPEN')) this.#round(place, place.round + 1);
      break;
    }
    if (token.category !== 'EMERGENCY' || token.slotId === null || !['BOOKED', 'CHECKED_IN'].includes(token.status)) return;
    if (this.reserved(token.slotId) === 0 || this.occupancy(token.slotId) <= this.slot(token.slotId)!.capacity) return;
    this.#withdraw(token.slotId, 'emergency', token.id, 1);
  }

  /**
   * Withdraws up to `max` held places of a slot (`token:offer-withdrawn` to each open candidate).
   * Which ones DESIGN does not say; as the scheduler, the latest first: the place offered longest
   * keeps its candidates.
   */
  #withdraw(slotId: string, reason: string, by: string | null, max: number): void {
    let n = 0;
    for (let k = this.offerBook.places.length - 1; k >= 0 && n < max; k--) {
      const place = this.offerBook.places[k]!;
      if (place.slotId !== slotId || !held(place)) continue;
      this.#end(place, 'WITHDRAWN', (c) => ({ type: 'token:offer-withdrawn', tokenId: c.tokenId, slotId, offerId: c.offerId, reason, byTokenId: by }));
      place.status = 'WITHDRAWN';
      place.dueAt = this.now;
      n++;
    }
  }

  /** A patient bumped from a slot, or whose slot shrank, is its first candidate that day. */
  protected override displaced(token: MToken, from: MSlot, reason: Reason): void {
    if (reason !== 'slot-closed') this.offerBook.displaced[token.id] = from.id;
  }

  /** A capacity raised frees places to offer; one lowered takes held places first. */
  protected override capacityChanged(slot: MSlot, previous: number): void {
    if (slot.capacity > previous) this.#freed.set(slot.id, (this.#freed.get(slot.id) ?? 0) + slot.capacity - previous);
    else this.#withdraw(slot.id, 'capacity-lowered', null, this.occupancy(slot.id) - slot.capacity);
    this.#capacities.set(slot.id, slot.capacity);
  }

  /** A slot closed takes its held places (`slot-closed`); one reopened frees its places to offer. */
  protected override slotChanged(slot: MSlot): void {
    if (slot.status === 'CLOSED') this.#withdraw(slot.id, 'slot-closed', null, Number.POSITIVE_INFINITY);
    else this.#freed.set(slot.id, (this.#freed.get(slot.id) ?? 0) + Math.max(0, slot.capacity - this.occupancy(slot.id)));
  }

  // --- answers -----------------------------------------------------------------------------------

  #find(offerId: string): { place: MOfferPlace; candidate: MCandidate } {
    for (const place of this.offerBook.places) {
      const candidate = place.candidates.find((c) => c.offerId === offerId);
      if (candidate !== undefined) return { place, candidate };
    }
    throw new ModelError('OFFER_NOT_FOUND');
  }

  /** An offer that can no longer be answered: expired, moved on, taken, or already answered. */
  #refuseEnded(place: MOfferPlace, c: MCandidate): void {
    if (c.state === 'OPEN' && place.status === 'OPEN' && c.expiresAt > this.now) return;
    if (c.movedOn) throw new ModelError('OFFER_EXPIRED');
    if (c.state === 'LAPSED' || c.state === 'WITHDRAWN') throw new ModelError('OFFER_TAKEN');
    // Declined, then accepted: DESIGN is silent; the scheduler refuses it as a transition it cannot make.
    if (c.state === 'DECLINED' || c.state === 'ACCEPTED') throw new ModelError('INVALID_TRANSITION');
    throw new ModelError('OFFER_EXPIRED');
  }

  /**
   * The first candidate to accept before the window ends takes the place: a waitlisted token is
   * `BOOKED` there, a booked one moves there keeping its number (and the place it leaves frees);
   * the others lapse (`taken`). A retried accept answers as the first did and changes nothing.
   */
  acceptOffer(offerId: string): { token: MToken; events: MEvent[]; replayed: boolean } {
    return this.call(() => {
      const replay = this.offerBook.accepted[offerId];
      if (replay !== undefined) return { token: this.state.tokens.find((t) => t.id === replay)!, events: [], replayed: true };
      const { place, candidate } = this.#find(offerId);
      this.#refuseEnded(place, candidate);
      const token = this.state.tokens.find((t) => t.id === candidate.tokenId)!;
      const slot = this.slot(place.slotId)!;
      // Never at rest: an offer lapses when its token moves on (`changed`).
      if (!this.canTake(token, slot)) throw new ModelError('OFFER_EXPIRED');
      this.events.push({
        type: 'token:offer-accepted',
        tokenId: token.id,
        slotId: slot.id,
        offerId,
        fromSlotId: token.status === 'BOOKED' ? token.slotId : null,
      });
      candidate.state = 'ACCEPTED';
      this.#end(place, 'LAPSED', (c) => this.#lapsed(c, place, 'taken'));
      place.status = 'ACCEPTED';
      place.dueAt = this.now;
      const fromSlotId = token.slotId;
      const waitingFor = token.waitingFor;
      const was = token.status;
      token.status = 'BOOKED';
      token.slotId = slot.id;
      token.waitingFor = null;
      token.placedAt = this.now;
      if (was === 'WAITLISTED') {
        this.changed(token);
        this.events.push({ type: 'token:promoted', tokenId: token.id, slotId: slot.id, fromSlotId: waitingFor });
      } else {
        token.notBefore = slot.start;
        this.changed(token);
        this.events.push({ type: 'token:moved', tokenId: token.id, slotId: slot.id, fromSlotId, toSlotId: slot.id, reason: 'offer-accepted' });
      }
      this.settle();
      this.offerBook.accepted[offerId] = token.id;
      return { token, events: this.events, replayed: false };
    });
  }

  /** A candidate declines and keeps what it had; a group with nobody left to answer goes to the next at once. */
  declineOffer(offerId: string): { token: MToken; events: MEvent[]; replayed: boolean } {
    return this.call(() => {
      const { place, candidate } = this.#find(offerId);
      const token = this.state.tokens.find((t) => t.id === candidate.tokenId)!;
      // A retried decline is answered again while its token still waits or holds a place (DESIGN
      // is silent; the scheduler then refuses it as the transition it no longer is).
      if (candidate.state === 'DECLINED' && (token.status === 'WAITLISTED' || this.#placeOf(token) !== null)) return { token, events: [], replayed: true };
      if (candidate.state === 'ACCEPTED') throw new ModelError('INVALID_TRANSITION');
      this.#refuseEnded(place, candidate);
      this.events.push({ type: 'token:offer-declined', tokenId: token.id, slotId: place.slotId, offerId });
      candidate.state = 'DECLINED';
      if (!place.candidates.some((c) => c.state === 'OPEN')) this.#round(place, place.round + 1);
      this.settle();
      return { token, events: this.events, replayed: false };
    });
  }
}
