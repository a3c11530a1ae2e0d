/**
 * Offers of freed places (DESIGN §10) keep every promise that protects patients. Random days of
 * one doctor under random `StagedOffers` (window, group size, stop before the start, earlier
 * slots, quiet hours) and every preset: bookings of every category, cancellations, no-shows,
 * capacity changes, closings and reopenings, accepts and declines of open offers (and of ended
 * ones), and the clock moving on with sweeps. After every call:
 * - capacity plus the elastic places the capacity strategy grants is never exceeded (asked of the
 *   strategy itself: `presets.elastic()` grants its own number per slot), and a place held for an offer never takes a
 *   slot above its capacity;
 * - each token is in at most one place or the waitlist, and a token an accepted offer moved holds
 *   exactly the place offered (never two, never none);
 * - no emergency waits while a usable slot it could take holds a place for an offer;
 * - every open offer's candidate can still take the place: its token waits (eligible for the
 *   slot) or is booked on a later slot — offered so with `earlierSlots`, as the patient displaced
 *   from that slot (the first candidate, wherever the cascade put them), or offered while waiting
 *   and promoted to a later slot since; a token that moves on (cancelled,
 *   moved, checked in, a no-show) lapses its offer in the same call, and accepting that offer
 *   answers `OFFER_*`, never `INVALID_TRANSITION`;
 * - every offer ends at most once, and, once the day is over and swept, exactly once.
 */
import fc from 'fast-check';
import {
  type CapacityStrategy,
  isOpdError,
  MemoryStorage,
  OpdScheduler,
  type OpdEvent,
  type PriorityPolicy,
  StagedOffers,
  type StagedOffersOptions,
} from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { isHeldOffer, type OfferRecord } from '../../src/model/records.js';
import { tokenlessClaims } from '../../src/model/claims.js';
import { offerOf } from '../../src/core/offers.js';
import { elasticGranted, fcOptions, PRESETS, timeoutFor } from './support.js';

const DAY = '2026-01-30';
const HOURS = [9, 10, 11] as const;
const CATEGORIES = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'] as const;
const ENDS = new Set(['token:offer-accepted', 'token:offer-declined', 'token:offer-lapsed', 'token:offer-withdrawn']);

type Op =
  | { readonly op: 'book'; readonly category: (typeof CATEGORIES)[number]; readonly slot: number | null }
  | { readonly op: 'cancel'; readonly pick: number }
  | { readonly op: 'noShow'; readonly pick: number }
  | { readonly op: 'checkIn'; readonly pick: number }
  | { readonly op: 'move'; readonly pick: number; readonly slot: number }
  | { readonly op: 'accept'; readonly pick: number }
  | { readonly op: 'decline'; readonly pick: number }
  | { readonly op: 'capacity'; readonly slot: number; readonly capacity: number }
  | { readonly op: 'close'; readonly slot: number }
  | { readonly op: 'reopen'; readonly slot: number }
  | { readonly op: 'advance'; readonly minutes: number };

const slotArb = fc.integer({ min: 0, max: HOURS.length - 1 });
const pickArb = fc.nat({ max: 1000 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('book' as const), category: fc.constantFrom(...CATEGORIES), slot: fc.option(slotArb, { nil: null }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: pickArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('noShow' as const), pick: pickArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('checkIn' as const), pick: pickArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('move' as const), pick: pickArb, slot: slotArb }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('accept' as const), pick: pickArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('decline' as const), pick: pickArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('capacity' as const), slot: slotArb, capacity: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('close' as const), slot: slotArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const), slot: slotArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 40 }) }) },
);
const offersArb: fc.Arbitrary<StagedOffersOptions> = fc
  .record({
    windowMinutes: fc.integer({ min: 1, max: 30 }),
    groupSize: fc.integer({ min: 1, max: 3 }),
    stopMinutesBeforeStart: fc.constantFrom(0, 10, 60),
    earlierSlots: fc.boolean(),
    quietHours: fc.constantFrom(undefined, { from: '07:30', to: '08:15' }, { from: '22:00', to: '07:20' }),
  })
  .map((o) => (o.quietHours === undefined ? { ...o, quietHours: undefined } : o));

/** Calls that may be refused (an offer taken, a slot full…): a refusal is an `OpdError` and changes nothing. */
async function attempt(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!isOpdError(error) || error.code === 'STORAGE_FAILURE' || error.code === 'CONFLICT') throw error;
  }
}

/** What the oracle asks of the scheduler's strategies, through their public interfaces only. */
interface Strategies {
  readonly capacity: CapacityStrategy;
  readonly priority: PriorityPolicy;
}

/**
 * The most places a slot may hold: its capacity and the most elastic places its capacity
 * strategy grants any category there (the one rule: `presets.elastic()` grants its own number
 * per slot, `'unlimited'` none at all), asked as the scheduler asks it.
 */
async function placeLimit(opd: OpdScheduler, strategies: Strategies, slotId: string, occupancy: number, now: number): Promise<number> {
  const { slot } = await opd.getSlot(slotId);
  return slot.capacity + elasticGranted(strategies, slot, occupancy, now);
}

/**
 * Slots each token was displaced from (bumped, or its slot shrunk), as the events tell: such a
 * patient is the first candidate for a place offered there the same day, wherever the cascade put
 * them (DESIGN §10), even without `earlierSlots`.
 */
function noteDisplacements(events: readonly OpdEvent[], displaced: Map<string, Set<string>>, waited: Set<string>): void {
  for (const e of events) {
    if (e.type === 'token:waitlisted') waited.add(e.tokenId);
    if (
      (e.type === 'token:cascaded' || e.type === 'token:waitlisted') &&
      (e.reason === 'bumped' || e.reason === 'capacity-lowered') &&
      e.fromSlotId !== null &&
      e.fromSlotId !== undefined
    ) {
      let from = displaced.get(e.tokenId);
      if (from === undefined) displaced.set(e.tokenId, (from = new Set()));
      from.add(e.fromSlotId);
    }
  }
}

async function check(
  opd: OpdScheduler,
  storage: MemoryStorage,
  now: number,
  seen: ReadonlyMap<string, number>,
  options: StagedOffersOptions,
  strategies: Strategies,
  displaced: ReadonlyMap<string, ReadonlySet<string>>,
  waited: ReadonlySet<string>,
): Promise<void> {
  const snapshot = await storage.read({ doctorId: 'd1', days: [DAY] });
  const day = snapshot.days.get(DAY)!;
  // The day's offers: its `offer` claims (only those are places held for an offer).
  const offerClaims = (day.record.claims ?? []).filter((c) => c.kind === 'offer');
  const book: { readonly places: readonly OfferRecord[] } | undefined = offerClaims.length === 0 ? undefined : { places: offerClaims.map(offerOf) };
  const heldOffersIn = (slotId: string): number => tokenlessClaims(offerClaims, slotId);
  const where = new Map<string, string>();
  for (const { slot, places } of day.slots) {
    const held = heldOffersIn(slot.id);
    // Capacity plus the elastic places the capacity strategy grants is never exceeded; an offered place never goes above capacity.
    expect(places.length + held).toBeLessThanOrEqual(await placeLimit(opd, strategies, slot.id, places.length + held, now));
    if (held > 0) expect(places.length + held).toBeLessThanOrEqual(slot.capacity);
    if (slot.status === 'CLOSED') expect(held).toBe(0);
    for (const t of places) {
      expect(where.has(t.id)).toBe(false);
      where.set(t.id, slot.id);
    }
  }
  for (const t of day.waitlist) {
    expect(where.has(t.id)).toBe(false);
    where.set(t.id, 'waitlist');
  }
  const slotStart = new Map(day.slots.map(({ slot }) => [slot.id, slot.start]));
  const tokens = new Map([...day.waitlist, ...day.slots.flatMap((s) => s.places)].map((t) => [t.id, t]));
  for (const place of book?.places ?? []) {
    for (const c of place.candidates) {
      if (c.state !== 'OPEN') continue;
      expect(isHeldOffer(place)).toBe(true);
      // The candidate can still take the place: waiting for it, or booked on a later slot.
      const t = tokens.get(c.tokenId);
      expect(t, `open offer ${c.offerId} of a token that moved on`).toBeDefined();
      if (t!.status === 'WAITLISTED') {
        if (t!.notBefore !== null) expect(slotStart.get(place.slotId)!).toBeGreaterThanOrEqual(t!.notBefore);
      } else {
        // Booked on a later slot: offered with `earlierSlots`, first as displaced from this slot, or
        // offered while waiting and promoted to a later slot since (it can still take this place,
        // so its offer stands: an offer lapses only when its token can no longer take the place).
        const fromWaitlist = waited.has(t!.id);
        expect(
          options.earlierSlots === true || fromWaitlist || displaced.get(t!.id)?.has(place.slotId) === true,
          `open offer ${c.offerId} of a booked token`,
        ).toBe(true);
        expect(t!.status).toBe('BOOKED');
        expect(slotStart.get(t!.slotId!)!).toBeGreaterThan(slotStart.get(place.slotId)!);
      }
    }
  }
  // No emergency waits while a usable slot it may take holds a place for an offer.
  for (const t of day.waitlist) {
    if (t.category !== 'EMERGENCY') continue;
    for (const { slot } of day.slots) {
      if (slot.status !== 'OPEN' || slot.end <= now || (t.notBefore !== null && slot.start < t.notBefore)) continue;
      expect(heldOffersIn(slot.id), `emergency ${t.id} waits while ${slot.id} holds an offer`).toBe(0);
    }
  }
  // Every offer ends at most once.
  for (const [offerId, ends] of seen) expect(ends, offerId).toBeLessThanOrEqual(1);
  void opd;
}

describe('offers (property)', () => {
  it(
    'capacity and elastic places never exceeded with offers open; one place per patient; emergencies never wait for an offer; every offer ends exactly once',
    { timeout: timeoutFor(60, 400) },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...Object.keys(PRESETS)),
          offersArb,
          fc.array(opArb, { minLength: 5, maxLength: 40 }),
          async (presetName, options, ops) => {
            let now = Date.parse(`${DAY}T07:00:00Z`);
            const storage = new MemoryStorage();
            const preset = PRESETS[presetName]!();
            const opd = new OpdScheduler({ ...preset, storage, clock: () => new Date(now), offers: new StagedOffers(options) });
            const strategies: Strategies = { capacity: preset.capacity, priority: preset.priority };
            const displaced = new Map<string, Set<string>>();
            const waited = new Set<string>();
            await opd.addDoctor({ id: 'd1', name: 'Dr One' });
            await opd.addSlots(
              'd1',
              HOURS.map((h) => ({
                id: `s${h}`,
                start: `${DAY}T${String(h).padStart(2, '0')}:00:00Z`,
                end: `${DAY}T${String(h + 1).padStart(2, '0')}:00:00Z`,
                capacity: 2,
                overflowCapacity: 1,
              })),
            );
            const tokens: string[] = [];
            const offers: string[] = [];
            const ends = new Map<string, number>();
            const movedBy = new Map<string, string>();
            const declined = new Set<string>();
            let patients = 0;
            let seq = 0;
            const record = async (): Promise<void> => {
              const events: OpdEvent[] = await opd.history({ after: seq, limit: 10_000 });
              noteDisplacements(events, displaced, waited);
              for (const e of events) {
                seq = e.seq;
                if (e.type === 'token:offered') {
                  offers.push(e.offerId);
                  expect(ends.has(e.offerId)).toBe(false);
                  ends.set(e.offerId, 0);
                } else if (ENDS.has(e.type) && 'offerId' in e) {
                  ends.set(e.offerId, (ends.get(e.offerId) ?? 0) + 1);
                  if (e.type === 'token:offer-accepted') movedBy.set(e.tokenId, e.slotId);
                }
              }
            };
            for (const op of ops) {
              const pick = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);
              switch (op.op) {
                case 'book': {
                  const slotId = op.slot === null ? undefined : `s${HOURS[op.slot]}`;
                  await attempt(async () => {
                    const r = await opd.book({
                      doctorId: 'd1',
                      category: op.category,
                      patient: { id: `p${++patients}`, name: 'P' },
                      ...(slotId === undefined ? { date: DAY } : { slotId }),
                    });
                    tokens.push(r.token.id);
                  });
                  break;
                }
                case 'cancel':
                  await attempt(() => opd.cancel(pick(tokens, op.pick) ?? 'none'));
                  break;
                case 'noShow':
                  await attempt(() => opd.markNoShow(pick(tokens, op.pick) ?? 'none'));
                  break;
                case 'checkIn':
                  await attempt(() => opd.checkIn(pick(tokens, op.pick) ?? 'none'));
                  break;
                case 'move':
                  await attempt(async () => {
                    const r = await opd.move(pick(tokens, op.pick) ?? 'none', { slotId: `s${HOURS[op.slot]}` });
                    tokens.push(r.token.id);
                  });
                  break;
                case 'accept': {
                  const offerId = pick(offers, op.pick);
                  if (offerId === undefined) break;
                  let accepted: Awaited<ReturnType<OpdScheduler['acceptOffer']>> | undefined;
                  try {
                    accepted = await opd.acceptOffer(offerId);
                  } catch (error) {
                    if (!isOpdError(error)) throw error;
                    // An offer that ended answers OFFER_*; only a declined one is an invalid transition.
                    if (!declined.has(offerId)) expect(error.code, `${offerId}: ${error.message}`).toMatch(/^OFFER_/);
                  }
                  if (accepted !== undefined && accepted.replayed !== true) {
                    // Never two places, never none: the token holds the place it accepted.
                    expect(accepted.token.status).toBe('BOOKED');
                    const slot = await opd.getSlot(accepted.token.slotId!);
                    expect(slot.places.filter((t) => t.id === accepted!.token.id)).toHaveLength(1);
                  }
                  break;
                }
                case 'decline': {
                  const offerId = pick(offers, op.pick);
                  if (offerId !== undefined)
                    await attempt(async () => {
                      await opd.declineOffer(offerId);
                      declined.add(offerId);
                    });
                  break;
                }
                case 'capacity':
                  await attempt(() => opd.setCapacity(`s${HOURS[op.slot]}`, op.capacity));
                  break;
                case 'close':
                  await attempt(() => opd.closeSlot(`s${HOURS[op.slot]}`));
                  break;
                case 'reopen':
                  await attempt(() => opd.reopenSlot(`s${HOURS[op.slot]}`));
                  break;
                case 'advance':
                  now += op.minutes * 60_000;
                  await opd.sweep();
                  break;
              }
              await record();
              await check(opd, storage, now, ends, options, strategies, displaced, waited);
            }
            // The day over and swept: every offer has ended exactly once.
            now = Date.parse(`${DAY}T23:00:00Z`);
            await opd.sweep();
            await record();
            for (const [offerId, n] of ends) expect(n, offerId).toBe(1);
          },
        ),
        {
          ...fcOptions(60),
          examples: [
            // An emergency bumps a paid patient, who cascades to a later slot; the place freed in
            // the slot they left is offered to them first, without `earlierSlots` (the oracle once
            // expected only waiting candidates).
            [
              'standard, no elastic place',
              { windowMinutes: 1, groupSize: 1, stopMinutesBeforeStart: 0, earlierSlots: false, quietHours: undefined },
              [
                { op: 'book', category: 'PAID', slot: null },
                { op: 'advance', minutes: 1 },
                { op: 'book', category: 'EMERGENCY', slot: null },
                { op: 'accept', pick: 0 },
                { op: 'book', category: 'EMERGENCY', slot: null },
                { op: 'cancel', pick: 595 },
              ],
            ],
            // Offered while waiting, then promoted into a later slot whose capacity was raised:
            // the patient can still take the earlier place, so the offer stands.
            [
              'standard',
              { windowMinutes: 1, groupSize: 1, stopMinutesBeforeStart: 0, earlierSlots: false, quietHours: { from: '22:00', to: '07:20' } },
              [
                { op: 'book', category: 'EMERGENCY', slot: null },
                { op: 'book', category: 'EMERGENCY', slot: null },
                { op: 'book', category: 'ONLINE', slot: null },
                { op: 'book', category: 'EMERGENCY', slot: 2 },
                { op: 'cancel', pick: 0 },
                { op: 'book', category: 'EMERGENCY', slot: 2 },
                { op: 'book', category: 'EMERGENCY', slot: 1 },
                { op: 'book', category: 'ONLINE', slot: null },
                { op: 'advance', minutes: 20 },
                { op: 'capacity', slot: 1, capacity: 3 },
                { op: 'checkIn', pick: 0 },
              ],
            ],
            // presets.elastic() grants two emergency places per slot whatever its overflowCapacity
            // (1 here): three emergencies into one full slot are within what the strategy allows.
            [
              'elastic',
              { windowMinutes: 5, groupSize: 1, stopMinutesBeforeStart: 0, earlierSlots: false, quietHours: undefined },
              [
                { op: 'book', category: 'ONLINE', slot: 0 },
                { op: 'book', category: 'ONLINE', slot: 0 },
                { op: 'book', category: 'EMERGENCY', slot: 0 },
                { op: 'book', category: 'EMERGENCY', slot: 0 },
              ],
            ],
          ],
        },
      );
    },
  );
});
