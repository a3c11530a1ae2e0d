/**
 * The server with offers of freed places (OPD_OFFERS / --offers): the option read and checked at
 * startup, the offer seen on the token and in the history, and the first YES taking the place.
 */
import { presets, StagedOffers } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseServerArgs, StartupError } from '../../../examples/express-server/config.js';
import { book, doctorWithSlots, enc, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('offers configuration', () => {
  it('reads OPD_OFFERS and --offers, and refuses bad ones at startup naming the field', () => {
    const offers = '{"windowMinutes":15,"groupSize":3,"quietHours":{"from":"21:00","to":"07:00"}}';
    expect(loadConfig({ OPD_OFFERS: offers }).offers).toEqual({ windowMinutes: 15, groupSize: 3, quietHours: { from: '21:00', to: '07:00' } });
    expect(loadConfig({}).offers).toBeUndefined();
    expect(parseServerArgs(['--offers', offers]).env).toEqual({ OPD_OFFERS: offers });
    expect(() => loadConfig({ OPD_OFFERS: '{window' })).toThrow(/^OPD_OFFERS must be JSON/);
    expect(() => loadConfig({ OPD_OFFERS: '{"windowMinutes":0}' })).toThrow(StartupError);
    expect(() => loadConfig({ OPD_OFFERS: '{"windowMinutes":0}' })).toThrow(/^OPD_OFFERS: .*offers\.windowMinutes/);
    expect(() => loadConfig({ OPD_OFFERS: '{"windowMinutes":15,"groupsize":2}' })).toThrow(/^OPD_OFFERS: .*groupsize/);
  });
});

describe('offers over HTTP', () => {
  it('offers a cancelled place to the waiting patients, the first to accept takes it, the other answers OFFER_TAKEN, a late one OFFER_EXPIRED', async () => {
    h = await startHarness({ scheduler: { ...presets.standard(), offers: new StagedOffers({ windowMinutes: 15, groupSize: 2 }) }, apiKey: 'k'.repeat(32) });
    const [nine] = await doctorWithSlots(h, 'd1', [9], 1, 0);
    const booked = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! }));
    const waiting = [
      tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! })),
      tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: nine! })),
      tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: nine! })),
    ];
    expect(waiting.map((t) => t.status)).toEqual(['WAITLISTED', 'WAITLISTED', 'WAITLISTED']);

    const cancelled = await h.call('POST', `/api/tokens/${enc(booked.id)}/cancel`);
    const effects = (expectDocumented(h, 'cancel', cancelled) as { effects: { type: string; tokenId: string; offerId: string }[] }).effects;
    expect(effects.map((e) => [e.type, e.tokenId])).toEqual([
      ['token:offered', waiting[0]!.id],
      ['token:offered', waiting[1]!.id],
    ]);
    const token = expectDocumented(h, 'getToken', await h.call('GET', `/api/tokens/${enc(waiting[1]!.id)}`)) as { offer: { offerId: string; slotId: string } };
    expect(token.offer).toMatchObject({ offerId: effects[1]!.offerId, slotId: nine });

    // The second patient answers first and takes the place; the first is too late.
    const yes = await h.call('POST', `/api/offers/${enc(effects[1]!.offerId)}/accept`, { headers: { 'x-actor': 'desk' } });
    const answer = expectDocumented(h, 'acceptOffer', yes) as { token: { id: string; status: string; slotId: string }; effects: { type: string }[] };
    expect(answer.token).toMatchObject({ id: waiting[1]!.id, status: 'BOOKED', slotId: nine });
    expect(answer.effects.map((e) => e.type)).toEqual(['token:offer-lapsed', 'token:promoted']);
    const again = expectDocumented(h, 'acceptOffer', await h.call('POST', `/api/offers/${enc(effects[1]!.offerId)}/accept`)) as { replayed?: true };
    expect(again.replayed).toBe(true);
    const taken = expectError(await h.call('POST', `/api/offers/${enc(effects[0]!.offerId)}/accept`), 409, 'OFFER_TAKEN');
    expect(taken.details).toMatchObject({ offerId: effects[0]!.offerId, slotId: nine });
    expectError(await h.call('POST', '/api/offers/nothing/decline'), 404, 'OFFER_NOT_FOUND');

    // The history carries the offers, as the events stream does.
    const history = (await h.call('GET', '/api/history')).body as { events: { type: string }[] };
    expect(history.events.map((e) => e.type)).toEqual(expect.arrayContaining(['token:offered', 'token:offer-lapsed', 'token:promoted']));
    expectDocumented(h, 'history', await h.call('GET', '/api/history'));

    // Cancelling again offers the place to the last patient waiting; the window passes.
    const second = expectDocumented(h, 'cancel', await h.call('POST', `/api/tokens/${enc(waiting[1]!.id)}/cancel`)) as {
      effects: { type: string; offerId: string }[];
    };
    const [offer] = second.effects.filter((e) => e.type === 'token:offered');
    h.clock.advance(16);
    expectError(await h.call('POST', `/api/offers/${enc(offer!.offerId)}/accept`), 422, 'OFFER_EXPIRED');
    const declined = await h.call('POST', `/api/offers/${enc(offer!.offerId)}/decline`);
    expectError(declined, 422, 'OFFER_EXPIRED');
  });
});
