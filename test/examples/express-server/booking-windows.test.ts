/**
 * The server with booking windows (OPD_BOOKING_WINDOWS / --booking-windows): the option read and
 * checked at startup, and the actor of an API key exempt from the windows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseServerArgs, StartupError } from '../../../examples/express-server/config.js';
import { DAY, book, doctorWithSlots, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('booking windows configuration', () => {
  it('reads OPD_BOOKING_WINDOWS and --booking-windows, with categories as bookings name them, and refuses bad ones at startup naming the field', () => {
    const windows = '{"online":{"maxDaysAhead":7,"opensAt":{"daysBefore":7,"at":"08:00"},"cancelCutoffMinutes":120},"Walk-in":{"sameDayOnly":true},"exemptActors":["desk"]}';
    expect(loadConfig({ OPD_BOOKING_WINDOWS: windows }).bookingWindows).toEqual({
      ONLINE: { maxDaysAhead: 7, opensAt: { daysBefore: 7, at: '08:00' }, cancelCutoffMinutes: 120 },
      WALK_IN: { sameDayOnly: true },
      exemptActors: ['desk'],
    });
    expect(loadConfig({}).bookingWindows).toBeUndefined();
    expect(parseServerArgs(['--booking-windows', windows]).env).toEqual({ OPD_BOOKING_WINDOWS: windows });
    expect(() => loadConfig({ OPD_BOOKING_WINDOWS: '{online' })).toThrow(/^OPD_BOOKING_WINDOWS must be JSON/);
    expect(() => loadConfig({ OPD_BOOKING_WINDOWS: '{"ONLINE":{"maxDaysAhead":-1}}' })).toThrow(StartupError);
    expect(() => loadConfig({ OPD_BOOKING_WINDOWS: '{"ONLINE":{"maxDaysAhead":-1}}' })).toThrow(/^OPD_BOOKING_WINDOWS: Expected `bookingWindows\.ONLINE\.maxDaysAhead`/);
    expect(() => loadConfig({ OPD_BOOKING_WINDOWS: '{"ONLNE":{"sameDayOnly":true}}' })).toThrow(/^OPD_BOOKING_WINDOWS: .*`ONLNE`/);
    expect(() => loadConfig({ OPD_BOOKING_WINDOWS: '{"online":{},"ONLINE":{}}' })).toThrow(/^OPD_BOOKING_WINDOWS\.ONLINE: the same category as `online`/);
  });
});

describe('booking windows over HTTP', () => {
  it('refuses a portal booking outside the window with the window in the problem, and lets an exempt key book it', async () => {
    const windows = { ONLINE: { minNoticeMinutes: 120 }, exemptActors: ['desk'] };
    h = await startHarness({ scheduler: { bookingWindows: windows }, apiKeys: [{ actor: 'portal', key: 'p'.repeat(32) }, { actor: 'desk', key: 'd'.repeat(32) }] });
    const [eight] = await doctorWithSlots(h, 'd1', [8], 2);
    const portal = await book(h, 'd1', 'ONLINE', { slotId: eight! });
    const problem = expectError(portal, 422, 'OUTSIDE_BOOKING_WINDOW');
    expect(problem.details).toMatchObject({ slotId: eight, category: 'ONLINE', opensAt: null, closesAt: `${DAY}T06:00:00.000Z` });
    const desk = await h.call('POST', '/api/tokens', { key: 'd'.repeat(32), body: { doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-9', name: 'Patient' }, slotId: eight } });
    expect(desk.status, desk.text).toBe(201);
    expect(tokenOf(desk).slotId).toBe(eight);
  });
});
