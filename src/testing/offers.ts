/**
 * Offers of freed places: the day's offers stored with the day and read back whole, `findDueDays`
 * naming the days whose offers are due, and concurrent accepts of one place — exactly one wins.
 */
import { expect, it } from 'vitest';
import type { TokenOfferedEvent } from '../events/index.js';
import { isOpdError, StagedOffers } from '../index.js';
import { claimDueAt } from '../model/claims.js';
import { DAY, type Suite, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function offersTests(suite: Suite): void {
  const { timeout, scheduler, concurrency } = suite;
  it("stores a day's offers: held places, answers, due days", { timeout }, async () => {
    const { opd, clock, storage } = await scheduler({ offers: new StagedOffers({ windowMinutes: 10, groupSize: 2 }) });
    await withSlots(opd, 'o', [9], 1);
    const first = await opd.book({ doctorId: 'o', category: 'ONLINE', patient: { name: 'A' } });
    const waiting = [];
    for (const name of ['B', 'C', 'D']) waiting.push(await opd.book({ doctorId: 'o', category: 'ONLINE', patient: { name } }));
    const group = (await opd.cancel(first.token.id)).effects.filter((e): e is TokenOfferedEvent => e.type === 'token:offered');
    expect(group.map((e) => e.tokenId)).toEqual([waiting[0]!.token.id, waiting[1]!.token.id]);
    // Read back whole: the place held, the token's open offer.
    expect((await opd.getSlot('o-09')).free).toBe(0);
    expect((await opd.getToken(waiting[0]!.token.id)).offer).toMatchObject({ offerId: group[0]!.offerId, slotId: 'o-09', expiresAt: group[0]!.expiresAt });
    const record = (await storage.read({ doctorId: 'o', days: [DAY] })).days.get(DAY)!.record;
    expect(claimDueAt(record.claims)).toBe(group[0]!.expiresAt.getTime());
    // Due once the window has passed, not before; the day swept is due no more.
    const ends = group[0]!.expiresAt.getTime();
    expect(await storage.findDueDays(ends - 1, ends - 1)).toEqual([]);
    expect(await storage.findDueDays(ends - 1, ends)).toEqual([{ doctorId: 'o', day: DAY }]);
    clock.advance(10 * 60_000);
    const swept = await opd.sweep();
    expect(swept.map((e) => e.type)).toEqual(['token:offer-lapsed', 'token:offer-lapsed', 'token:offered']);
    const accepted = await opd.acceptOffer((swept[2] as TokenOfferedEvent).offerId);
    expect(accepted.token).toMatchObject({ id: waiting[2]!.token.id, status: 'BOOKED', slotId: 'o-09' });
    expect(await storage.findDueDays(ends + 3_600_000, ends + 3_600_000)).toEqual([]);
  });

  it('of concurrent accepts of one place, exactly one wins; the others answer OFFER_TAKEN and change nothing', { timeout }, async () => {
    const size = Math.max(2, Math.min(concurrency, 20));
    const { opd } = await scheduler({ offers: new StagedOffers({ windowMinutes: 10, groupSize: size }) });
    await withSlots(opd, 'r', [9], 1);
    const first = await opd.book({ doctorId: 'r', category: 'ONLINE', patient: { name: 'A' } });
    for (let k = 0; k < size; k++) await opd.book({ doctorId: 'r', category: 'ONLINE', patient: { name: `W${k}` } });
    const group = (await opd.cancel(first.token.id)).effects.filter((e): e is TokenOfferedEvent => e.type === 'token:offered');
    expect(group).toHaveLength(size);
    const answers = await Promise.allSettled(group.map((e) => opd.acceptOffer(e.offerId)));
    const won = answers.filter((a) => a.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const a of answers) if (a.status === 'rejected') expect(isOpdError(a.reason, 'OFFER_TAKEN')).toBe(true);
    const slot = await opd.getSlot('r-09');
    expect(slot.places).toHaveLength(1);
    expect(slot.waitlist).toHaveLength(size - 1);
  });
}
