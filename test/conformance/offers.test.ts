/**
 * Offers of freed places on every store: memory, PostgreSQL on PGlite and (with DATABASE_URL) on
 * a server. An offer's state is stored with its day: a second scheduler over the same store sees
 * the place held, answers it, and finds lapsed offers in its sweep; of two accepts of one place at
 * once, exactly one wins.
 */
import { isOpdError, OpdScheduler, presets, StagedOffers, type OpdEvent } from 'opd-scheduler';
import type { TokenOfferedEvent } from 'opd-scheduler/events';
import { describe, expect, it } from 'vitest';
import { rejectsWith } from '../helpers.js';
import { conformanceStores } from './stores.js';

const STORES = conformanceStores('opd_t_offers');
const offered = (effects: readonly OpdEvent[]): TokenOfferedEvent[] => effects.filter((e): e is TokenOfferedEvent => e.type === 'token:offered');

for (const [name, open] of Object.entries(STORES)) {
  describe.skipIf(open === undefined)(`offers on ${name}`, () => {
    it('an offer is stored with its day: held, answered, swept and withdrawn through any scheduler over the store', async () => {
      const store = await open!();
      try {
        const clock = { now: Date.parse('2026-03-23T07:00:00Z') };
        const make = (): OpdScheduler =>
          new OpdScheduler({
            ...presets.standard(),
            storage: store.storage(),
            clock: () => new Date(clock.now),
            offers: new StagedOffers({ windowMinutes: 10, groupSize: 2 }),
          });
        const a = make();
        const b = make();
        await a.addDoctor({ id: 'd1', name: 'Dr One' });
        await a.addSlots('d1', [{ id: 's9', start: '2026-03-23T09:00:00Z', end: '2026-03-23T10:00:00Z', capacity: 1, overflowCapacity: 0 }]);
        const patient = (id: string) => ({ id, name: `Patient ${id}` });
        const first = await a.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('p1') });
        const w = [];
        for (const id of ['p2', 'p3', 'p4', 'p5']) w.push(await a.book({ doctorId: 'd1', category: 'ONLINE', patient: patient(id) }));
        const group = offered((await a.cancel(first.token.id)).effects);
        expect(group.map((e) => e.tokenId)).toEqual([w[0]!.token.id, w[1]!.token.id]);
        // The other scheduler sees the place held and the token's open offer.
        expect((await b.getSlot('s9')).free).toBe(0);
        expect((await b.getToken(w[1]!.token.id)).offer).toMatchObject({ offerId: group[1]!.offerId, slotId: 's9' });
        // Two accepts of one place at once, through two schedulers: exactly one wins.
        const answers = await Promise.allSettled([a.acceptOffer(group[0]!.offerId), b.acceptOffer(group[1]!.offerId)]);
        const won = answers.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        const lost = answers.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(isOpdError(lost.reason, 'OFFER_TAKEN')).toBe(true);
        const firstAnswer = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<OpdScheduler['acceptOffer']>>>).value;
        const winner = firstAnswer.token;
        expect((await b.getSlot('s9')).places.map((t) => t.id)).toEqual([winner.id]);
        // A retried accept answers as the first did (the token then, the same effects and seq), through either scheduler.
        const winnerOffer = group.find((e) => e.tokenId === winner.id)!.offerId;
        expect(await b.acceptOffer(winnerOffer)).toEqual({ ...firstAnswer, replayed: true });
        expect(await a.acceptOffer(winnerOffer)).toEqual({ ...firstAnswer, replayed: true });

        // The winner cancels: the place is offered to the next two; their window passes; a sweep
        // through the other scheduler finds the day and offers the rest.
        const second = offered((await a.cancel(winner.id)).effects);
        expect(second).toHaveLength(2);
        clock.now += 10 * 60_000;
        await rejectsWith(b.acceptOffer(second[0]!.offerId), 'OFFER_EXPIRED');
        const swept = await b.sweep();
        expect(swept.filter((e) => e.type === 'token:offer-lapsed')).toHaveLength(2);
        const third = offered(swept);
        expect(third.length).toBeGreaterThan(0);
        // An emergency takes the held place: the offer is withdrawn, no elastic place used.
        const emergency = await a.book({ doctorId: 'd1', category: 'EMERGENCY', patient: patient('e'), slotId: 's9' });
        expect(emergency).toMatchObject({ outcome: 'BOOKED', overflow: false });
        expect(emergency.effects.map((e) => e.type)).toEqual(third.map(() => 'token:offer-withdrawn'));
        await rejectsWith(b.acceptOffer(third[0]!.offerId), 'OFFER_TAKEN');
        expect(await b.sweep()).toEqual([]);
        // After all that (the winner since cancelled), the retried accept still answers as the first did;
        // once the patient's data is erased, with the tombstone for the patient.
        expect(await b.acceptOffer(winnerOffer)).toEqual({ ...firstAnswer, replayed: true });
        await a.erasePatient(winner.patient.id!);
        const erased = await b.acceptOffer(winnerOffer);
        expect(erased).toEqual({ ...firstAnswer, token: { ...winner, patient: { name: '(erased)', erased: true } }, replayed: true });
      } finally {
        await store.cleanup();
      }
    });

    it('a place held for an offer is taken for every search for room: a booking without a date goes to the next day with a free place', async () => {
      const store = await open!();
      try {
        const clock = { now: Date.parse('2027-03-01T02:30:00Z') }; // 08:00 in Kolkata
        const opd = new OpdScheduler({
          ...presets.standard(),
          storage: store.storage(),
          timeZone: 'Asia/Kolkata',
          clock: () => new Date(clock.now),
          offers: new StagedOffers({ windowMinutes: 15, groupSize: 1 }),
        });
        await opd.addDoctor({ id: 'd1', name: 'Dr One' });
        await opd.addSlots('d1', [
          { id: 'm2', start: '2027-03-02T09:00:00+05:30', end: '2027-03-02T10:00:00+05:30', capacity: 1, overflowCapacity: 0 },
          { id: 'm3', start: '2027-03-03T09:00:00+05:30', end: '2027-03-03T10:00:00+05:30', capacity: 1, overflowCapacity: 0 },
        ]);
        const patient = (id: string) => ({ id, name: `Patient ${id}` });
        const p1 = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('p1'), date: '2027-03-02' });
        const p2 = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('p2'), date: '2027-03-02' });
        expect(p2.outcome).toBe('WAITLISTED');
        // p1 cancels: the place is held for an offer to p2, and counts as taken.
        const cancelled = await opd.cancel(p1.token.id);
        expect(offered(cancelled.effects).map((e) => e.tokenId)).toEqual([p2.token.id]);
        const view = await opd.getSlot('m2');
        expect({ free: view.free, claimed: view.claimed, places: view.places.length }).toEqual({ free: 0, claimed: 1, places: 0 });
        expect((await opd.getSchedule('d1', '2027-03-02')).slots[0]).toMatchObject({ free: 0, claimed: 1 });
        // A booking with no date looks for the earliest usable slot with a free place: the 3rd.
        const p3 = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('p3') });
        expect({ outcome: p3.outcome, slotId: p3.token.slotId, day: p3.token.day }).toEqual({ outcome: 'BOOKED', slotId: 'm3', day: '2027-03-03' });
        // A hold is a claim too: the 3rd's place held, counted as claimed and not free.
        await opd.cancel(p3.token.id);
        const held = await opd.hold({ doctorId: 'd1', category: 'WALK_IN', patient: patient('p4'), slotId: 'm3', holdMinutes: 10 });
        expect(held.token.status).toBe('HELD');
        expect(await opd.getSlot('m3')).toMatchObject({ free: 0, claimed: 1 });
      } finally {
        await store.cleanup();
      }
    });
    it('of several patients displaced from a slot, a place freed there is offered first to the first in queue order, the same on every store', async () => {
      const store = await open!();
      try {
        const clock = { now: Date.parse('2026-03-23T07:00:00Z') };
        const opd = new OpdScheduler({
          ...presets.standard(),
          storage: store.storage(),
          clock: () => new Date(clock.now),
          offers: new StagedOffers({ windowMinutes: 10, groupSize: 1 }),
        });
        await opd.addDoctor({ id: 'd1', name: 'Dr One' });
        await opd.addSlots('d1', [
          { id: 's9', start: '2026-03-23T09:00:00Z', end: '2026-03-23T10:00:00Z', capacity: 10, overflowCapacity: 0 },
          { id: 's10', start: '2026-03-23T10:00:00Z', end: '2026-03-23T11:00:00Z', capacity: 10, overflowCapacity: 0 },
        ]);
        const patient = (id: string) => ({ id, name: `Patient ${id}` });
        const paid = [];
        for (let k = 1; k <= 8; k++) paid.push(await opd.book({ doctorId: 'd1', category: 'PAID', patient: patient(`p${k}`), slotId: 's9' }));
        const ninth = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('p9'), slotId: 's9' });
        const tenth = await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: patient('p10'), slotId: 's9' });
        expect([ninth.token.tokenNumber, tenth.token.tokenNumber]).toEqual([9, 10]);
        // Two emergencies bump the worst places: token 10 first (a walk-in), then token 9 (online).
        for (const id of ['e1', 'e2']) await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: patient(id), slotId: 's9' });
        expect((await opd.getToken(tenth.token.id)).slotId).toBe('s10');
        expect((await opd.getToken(ninth.token.id)).slotId).toBe('s10');
        // A place of s9 frees: offered first to token 9, first of the two in queue order (online before walk-in).
        const group = offered((await opd.cancel(paid[0]!.token.id)).effects);
        expect(group.map((e) => e.tokenId)).toEqual([ninth.token.id]);
      } finally {
        await store.cleanup();
      }
    });
  });
}
