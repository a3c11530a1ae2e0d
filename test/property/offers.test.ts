/**
 * Offers of freed places (DESIGN §10) keep every promise that protects patients. Random days of
 * one doctor under random `StagedOffers` (window, group size, stop before the start, earlier
 * slots, quiet hours) and every preset: bookings of every category, cancellations, no-shows,
 * capacity changes, closings and reopenings, accepts and declines of open offers (and of ended
 * ones), and the clock moving on with sweeps. After every call:
 * - capacity plus elastic places is never exceeded, and a place held for an offer never takes a
 *   slot above its capacity;
 * - each token is in at most one place or the waitlist, and a token an accepted offer moved holds
 *   exactly the place offered (never two, never none);
 * - no emergency waits while a usable slot it could take holds a place for an offer;
 * - every open offer's candidate can still take the place: its token waits (eligible for the
 *   slot) or is booked on a later slot with `earlierSlots`; a token that moves on (cancelled,
 *   moved, checked in, a no-show) lapses its offer in the same call, and accepting that offer
 *   answers `OFFER_*`, never `INVALID_TRANSITION`;
 * - every offer ends at most once, and, once the day is over and swept, exactly once.
 */
import fc from 'fast-check';
import { isOpdError, MemoryStorage, OpdScheduler, type OpdEvent, StagedOffers, type StagedOffersOptions } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { isHeldOffer, type OfferBook } from '../../src/model/records.js';
import { tokenlessClaims as heldOffersIn } from '../../src/model/claims.js';
import { fcOptions, PRESETS, timeoutFor } from './support.js';

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
const offersArb: fc.Arbitrary<StagedOffersOptions> = fc.record({
  windowMinutes: fc.integer({ min: 1, max: 30 }),
  groupSize: fc.integer({ min: 1, max: 3 }),
  stopMinutesBeforeStart: fc.constantFrom(0, 10, 60),
  earlierSlots: fc.boolean(),
  quietHours: fc.constantFrom(undefined, { from: '07:30', to: '08:15' }, { from: '22:00', to: '07:20' }),
}).map((o) => (o.quietHours === undefined ? { ...o, quietHours: undefined } : o));

/** Calls that may be refused (an offer taken, a slot full…): a refusal is an `OpdError` and changes nothing. */
async function attempt(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!isOpdError(error) || error.code === 'STORAGE_FAILURE' || error.code === 'CONFLICT') throw error;
  }
}

async function check(opd: OpdScheduler, storage: MemoryStorage, now: number, seen: ReadonlyMap<string, number>, options: StagedOffersOptions): Promise<void> {
  const snapshot = await storage.read({ doctorId: 'd1', days: [DAY] });
  const day = snapshot.days.get(DAY)!;
  const book: OfferBook | undefined = day.record.offers;
  const where = new Map<string, string>();
  for (const { slot, places } of day.slots) {
    const held = heldOffersIn(book, slot.id);
    // Capacity plus elastic places is never exceeded; an offered place never goes above capacity.
    expect(places.length + held).toBeLessThanOrEqual(slot.capacity + slot.overflowCapacity);
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
        expect(options.earlierSlots).toBe(true);
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
      expect(heldOffersIn(book, slot.id), `emergency ${t.id} waits while ${slot.id} holds an offer`).toBe(0);
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
        fc.asyncProperty(fc.constantFrom(...Object.keys(PRESETS)), offersArb, fc.array(opArb, { minLength: 5, maxLength: 40 }), async (presetName, options, ops) => {
          let now = Date.parse(`${DAY}T07:00:00Z`);
          const storage = new MemoryStorage();
          const opd = new OpdScheduler({ ...PRESETS[presetName]!(), storage, clock: () => new Date(now), offers: new StagedOffers(options) });
          await opd.addDoctor({ id: 'd1', name: 'Dr One' });
          await opd.addSlots(
            'd1',
            HOURS.map((h) => ({ id: `s${h}`, start: `${DAY}T${String(h).padStart(2, '0')}:00:00Z`, end: `${DAY}T${String(h + 1).padStart(2, '0')}:00:00Z`, capacity: 2, overflowCapacity: 1 })),
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
                  const r = await opd.book({ doctorId: 'd1', category: op.category, patient: { id: `p${++patients}`, name: 'P' }, ...(slotId === undefined ? { date: DAY } : { slotId }) });
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
                if (offerId !== undefined) await attempt(async () => {
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
            await check(opd, storage, now, ends, options);
          }
          // The day over and swept: every offer has ended exactly once.
          now = Date.parse(`${DAY}T23:00:00Z`);
          await opd.sweep();
          await record();
          for (const [offerId, n] of ends) expect(n, offerId).toBe(1);
        }),
        fcOptions(60),
      );
    },
  );
});
