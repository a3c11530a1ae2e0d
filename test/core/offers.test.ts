/**
 * Offers in the pure core, on snapshots built by hand: a freed place held for an offer (the
 * promotion rule's new outcome), counted as taken, answered by `acceptOffer` and `declineOffer`,
 * and taken by an emergency; what each decision writes is checked directly.
 */
import { claimDueAt } from '../../src/model/claims.js';
import { offerOf } from '../../src/core/offers.js';
import { presets, StagedOffers } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { book } from '../../src/core/commands/book.js';
import { acceptOffer, declineOffer } from '../../src/core/commands/offers.js';
import { cancel } from '../../src/core/commands/transitions.js';
import type { DayRecord } from '../../src/model/records.js';
import type { DoctorSnapshot } from '../../src/model/snapshot.js';
import { at, bookRequest, committed, config, DAY, fates, refusal, slot, snapshot, token, written } from './builders.js';

/** A day's offers as their rules read them: the places held for an offer (its `offer` claims) and the day's due time. */
const offersOf = (day: DayRecord) => ({ dueAt: claimDueAt(day.claims), places: (day.claims ?? []).filter((c) => c.kind === 'offer').map(offerOf) });

const offering = config({ ...presets.standard(), offers: new StagedOffers({ windowMinutes: 15, groupSize: 2 }) });

/** `s` with its day's record replaced by the one a change set wrote (the offers it holds). */
function withDay(s: DoctorSnapshot, record: DayRecord): DoctorSnapshot {
  const day = s.days.get(DAY)!;
  return { ...s, days: new Map([[DAY, { ...day, record }]]) };
}

describe('offers (core)', () => {
  const booked = token(1, 'ONLINE', 'd1-09');
  const w2 = token(2, 'ONLINE', null, { status: 'WAITLISTED' });
  const w3 = token(3, 'WALK_IN', null, { status: 'WAITLISTED' });
  const w4 = token(4, 'WALK_IN', null, { status: 'WAITLISTED' });

  it('a cancellation holds the place for an offer to the two best waiting: nobody is promoted, the day records the offer', () => {
    const s = snapshot([slot(9, 1)], [booked, w2, w3, w4], { tokenId: booked.id });
    const { changes, result } = committed(cancel.decide(offering, s, { tokenId: booked.id, reason: null }, at(7)));
    expect(fates(changes)).toEqual(['token:cancelled#1', 'token:offered#2', 'token:offered#3']);
    expect(result.effects.map((e) => e.type)).toEqual(['token:offered', 'token:offered']);
    const offers = offersOf(changes.days[0]!);
    expect(offers.dueAt).toBe(at(7, 15));
    expect(offers.places).toMatchObject([
      {
        id: `d1~${DAY}~o1`,
        slotId: 'd1-09',
        status: 'OPEN',
        round: 1,
        candidates: [
          { offerId: `d1~${DAY}~o1.1`, tokenId: w2.id, state: 'OPEN' },
          { offerId: `d1~${DAY}~o1.2`, tokenId: w3.id },
        ],
      },
    ]);
    // No token but the cancelled one changed: the waiting stay waiting.
    expect([...written(changes).keys()]).toEqual([booked.id]);
  });

  it('the held place counts as taken: a booking there waits; an emergency takes it and the offers are withdrawn', () => {
    const s = snapshot([slot(9, 1)], [booked, w2, w3, w4], { tokenId: booked.id });
    const held = committed(cancel.decide(offering, s, { tokenId: booked.id, reason: null }, at(7))).changes.days[0]!;
    const after = withDay(snapshot([slot(9, 1)], [w2, w3, w4], { slotId: 'd1-09' }), held);
    const waiting = committed(book.decide(offering, after, bookRequest('PAID', { slotId: 'd1-09', date: undefined }), at(7, 1)));
    expect(waiting.result.outcome).toBe('WAITLISTED');
    const emergency = committed(book.decide(offering, after, bookRequest('EMERGENCY', { slotId: 'd1-09', date: undefined }), at(7, 1)));
    expect(emergency.result).toMatchObject({ outcome: 'BOOKED', overflow: false });
    expect(fates(emergency.changes)).toEqual(['token:offer-withdrawn#2', 'token:offer-withdrawn#3', 'token:booked#5']);
    expect(offersOf(emergency.changes.days[0]!)).toMatchObject({ dueAt: null, places: [{ status: 'WITHDRAWN' }] });
  });

  it('accept: the first takes the place, the other lapses; a second accept is OFFER_TAKEN; late is OFFER_EXPIRED; decline opens the next group', () => {
    const s = snapshot([slot(9, 1)], [booked, w2, w3, w4], { tokenId: booked.id });
    const held = committed(cancel.decide(offering, s, { tokenId: booked.id, reason: null }, at(7))).changes.days[0]!;
    const after = withDay(snapshot([slot(9, 1)], [w2, w3, w4]), held);
    const accepted = committed(acceptOffer.decide(offering, after, { offerId: `d1~${DAY}~o1.2` }, at(7, 5)));
    expect(fates(accepted.changes)).toEqual(['token:offer-accepted#3', 'token:offer-lapsed#2', 'token:promoted#3']);
    expect(accepted.result.token).toMatchObject({ id: w3.id, status: 'BOOKED', slotId: 'd1-09' });
    expect(offersOf(accepted.changes.days[0]!)).toMatchObject({ dueAt: null, places: [{ status: 'ACCEPTED' }] });
    const taken = withDay(snapshot([slot(9, 1)], [w2, { ...w3, status: 'BOOKED', slotId: 'd1-09' }, w4]), accepted.changes.days[0]!);
    expect(refusal(() => acceptOffer.decide(offering, taken, { offerId: `d1~${DAY}~o1.1` }, at(7, 6)))).toMatchObject({
      code: 'OFFER_TAKEN',
      details: { offerId: `d1~${DAY}~o1.1`, state: 'LAPSED' },
    });
    expect(committed(acceptOffer.decide(offering, taken, { offerId: `d1~${DAY}~o1.2` }, at(7, 6))).result).toMatchObject({ replayed: true, effects: [] });
    expect(refusal(() => acceptOffer.decide(offering, after, { offerId: `d1~${DAY}~o1.1` }, at(7, 15)))).toMatchObject({ code: 'OFFER_EXPIRED' });
    expect(refusal(() => acceptOffer.decide(offering, after, { offerId: `d1~${DAY}~o7.1` }, at(7, 5)))).toMatchObject({ code: 'OFFER_NOT_FOUND' });
    const one = committed(declineOffer.decide(offering, after, { offerId: `d1~${DAY}~o1.1` }, at(7, 5)));
    expect(fates(one.changes)).toEqual(['token:offer-declined#2']);
    const both = committed(declineOffer.decide(offering, withDay(after, one.changes.days[0]!), { offerId: `d1~${DAY}~o1.2` }, at(7, 6)));
    expect(fates(both.changes)).toEqual(['token:offer-declined#3', 'token:offered#4']);
  });
});
