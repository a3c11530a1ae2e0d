/**
 * The server with a call order and notices (OPD_CALL_ORDER / --call-order, OPD_NOTIFY / --notify):
 * the options read and checked at startup, passed to the scheduler, and the board showing (and so
 * announcing) patients in the order call-next calls them.
 */
import { FairCallOrder } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseServerArgs, schedulerOptionsOf, SERVER_HELP, StartupError } from '../../../examples/express-server/config.js';
import { BoardOut } from '../../../examples/express-server/schemas.js';
import { at } from '../../helpers.js';
import { book, doctorWithSlots, enc, expectDocumented, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('call order configuration', () => {
  it('reads OPD_CALL_ORDER and --call-order, with rate keys read as bookings read categories', () => {
    const text = '{"rates":{"paid":4,"Walk-in":1,"follow-up":3},"interleaveEvery":2,"maxWaitMinutes":120}';
    expect(loadConfig({ OPD_CALL_ORDER: text }).callOrder).toEqual({ rates: { PAID: 4, WALK_IN: 1, FOLLOW_UP: 3 }, interleaveEvery: 2, maxWaitMinutes: 120 });
    expect(loadConfig({ OPD_CALL_ORDER: '{"maxWaitMinutes":90}' }).callOrder).toEqual({ maxWaitMinutes: 90 });
    expect(loadConfig({}).callOrder).toBeUndefined();
    expect(parseServerArgs(['--call-order', text]).env).toEqual({ OPD_CALL_ORDER: text });
    expect(SERVER_HELP).toMatch(/--call-order <json>\s+OPD_CALL_ORDER/);
    const order = schedulerOptionsOf(loadConfig({ OPD_CALL_ORDER: text })).callOrder;
    expect(order).toBeInstanceOf(FairCallOrder);
    expect(order).toMatchObject({ rates: { PAID: 4, WALK_IN: 1, FOLLOW_UP: 3 }, interleaveEvery: 2, maxWaitMinutes: 120 });
    expect(schedulerOptionsOf(loadConfig({})).callOrder).toBeUndefined();
  });

  it('refuses a bad call order at startup, naming the field', () => {
    expect(() => loadConfig({ OPD_CALL_ORDER: '{rates' })).toThrow(/^OPD_CALL_ORDER must be JSON/);
    expect(() => loadConfig({ OPD_CALL_ORDER: '{"interleaveEvery":0}' })).toThrow(StartupError);
    expect(() => loadConfig({ OPD_CALL_ORDER: '{"interleaveEvery":0}' })).toThrow(/^OPD_CALL_ORDER: .*interleaveEvery/);
    expect(() => loadConfig({ OPD_CALL_ORDER: '{"maxWaitMinutes":-5}' })).toThrow(/^OPD_CALL_ORDER: .*maxWaitMinutes/);
    expect(() => loadConfig({ OPD_CALL_ORDER: '{"rates":{"PAID":0}}' })).toThrow(/^OPD_CALL_ORDER: .*rates\.PAID/);
    expect(() => loadConfig({ OPD_CALL_ORDER: '{"maxwait":60}' })).toThrow(/^OPD_CALL_ORDER: .*maxwait/);
    expect(() => loadConfig({ OPD_CALL_ORDER: '{"rates":{"ONLNE":2}}' })).toThrow(/^OPD_CALL_ORDER\.rates\.ONLNE: not a category of the standard preset/);
    expect(() => loadConfig({ OPD_CALL_ORDER: '{"rates":{"online":2,"ONLINE":3}}' })).toThrow(/^OPD_CALL_ORDER\.rates\.ONLINE: the same category as `online`/);
  });
});

describe('notify configuration', () => {
  it('reads OPD_NOTIFY and --notify, and refuses bad ones at startup naming the field', () => {
    const text = '{"turnNear":{"positions":2},"etaChangedMinutes":10}';
    expect(loadConfig({ OPD_NOTIFY: text }).notify).toEqual({ turnNear: { positions: 2 }, etaChangedMinutes: 10 });
    expect(loadConfig({}).notify).toBeUndefined();
    expect(parseServerArgs(['--notify', text]).env).toEqual({ OPD_NOTIFY: text });
    expect(schedulerOptionsOf(loadConfig({ OPD_NOTIFY: text })).notify).toEqual({ turnNear: { positions: 2 }, etaChangedMinutes: 10 });
    expect(() => loadConfig({ OPD_NOTIFY: '{turn' })).toThrow(/^OPD_NOTIFY must be JSON/);
    expect(() => loadConfig({ OPD_NOTIFY: '{"turnNear":{"positions":0}}' })).toThrow(/^OPD_NOTIFY: .*notify\.turnNear\.positions/);
    expect(() => loadConfig({ OPD_NOTIFY: '{"turnNear":{}}' })).toThrow(/^OPD_NOTIFY: .*notify\.turnNear/);
    expect(() => loadConfig({ OPD_NOTIFY: '{"etaChanged":5}' })).toThrow(/^OPD_NOTIFY: .*etaChanged/);
  });
});

describe('a server started with a call order and notices', () => {
  it('shows the next patients in the order call-next calls them, and sends the turn-near notices', async () => {
    const config = loadConfig({ OPD_CALL_ORDER: '{"interleaveEvery":1}', OPD_NOTIFY: '{"turnNear":{"positions":1}}' });
    h = await startHarness({ scheduler: schedulerOptionsOf(config) });
    h.clock.set(at('08:00'));
    const [nine, ten] = await doctorWithSlots(h, 'd1', [9, 10], 5);
    const walkIn = tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: nine! }));
    const paid = tokenOf(await book(h, 'd1', 'PAID', { slotId: nine! }));
    const later = tokenOf(await book(h, 'd1', 'PAID', { slotId: nine! }));
    const emergency = await h.call('POST', '/api/tokens/emergency', { body: { doctorId: 'd1', patient: { name: 'R' }, slotId: ten } });
    expect(emergency.status, emergency.text).toBe(201);
    const urgent = tokenOf(emergency);
    for (const t of [walkIn, paid, later, urgent]) expect((await h.call('POST', `/api/tokens/${enc(t.id)}/check-in`)).status).toBe(200);
    h.clock.set(at('09:20'));

    const board = expectDocumented(h, 'displayBoardData', await h.call('GET', '/display/d1/board')) as { next: { tokenNumber: number }[] };
    expect(BoardOut.parse(board)).toEqual(board);
    const shown = board.next.map((e) => e.tokenNumber);
    // The emergency first, then PAID by waiting × rate, then (one priority call made) the walk-in, then PAID.
    expect(shown).toEqual([urgent, paid, walkIn, later].map((t) => t.tokenNumber));

    const called: number[] = [];
    for (let k = 0; k < 4; k++) {
      const answer = expectDocumented(h, 'callNext', await h.call('POST', '/api/doctors/d1/call-next', { body: {} })) as {
        token: { id: string; tokenNumber: number };
      };
      called.push(answer.token.tokenNumber);
      // Before each consultation, the board's first is the one called: what the screens announce.
      const now = (await h.call('GET', '/display/d1/board')).body as { next: { tokenNumber: number }[] };
      expect(now.next[0]?.tokenNumber).toBe(answer.token.tokenNumber);
      expect((await h.call('POST', `/api/tokens/${enc(answer.token.id)}/start`)).status).toBe(200);
      h.clock.advance(5);
      expect((await h.call('POST', `/api/tokens/${enc(answer.token.id)}/complete`)).status).toBe(200);
    }
    expect(called).toEqual(shown);

    // The notice of the patient next in line went out for each, once, in the call order.
    const history = (await h.call('GET', '/api/history')).body as { events: { type: string; tokenNumber?: number }[] };
    const near = history.events.filter((e) => e.type === 'token:turn-near').map((e) => e.tokenNumber);
    expect(new Set(near).size).toBe(near.length);
    expect(near.filter((n) => n !== urgent.tokenNumber)).toEqual(shown.filter((n) => n !== urgent.tokenNumber));
  });
});
