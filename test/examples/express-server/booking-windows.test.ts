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
    const windows =
      '{"online":{"maxDaysAhead":7,"opensAt":{"daysBefore":7,"at":"08:00"},"cancelCutoffMinutes":120},"Walk-in":{"sameDayOnly":true},"exemptActors":["desk"]}';
    expect(loadConfig({ OPD_BOOKING_WINDOWS: windows }).bookingWindows).toEqual({
      ONLINE: { maxDaysAhead: 7, opensAt: { daysBefore: 7, at: '08:00' }, cancelCutoffMinutes: 120 },
      WALK_IN: { sameDayOnly: true },
      exemptActors: ['desk'],
    });
    expect(loadConfig({}).bookingWindows).toBeUndefined();
    expect(parseServerArgs(['--booking-windows', windows]).env).toEqual({ OPD_BOOKING_WINDOWS: windows });
    expect(() => loadConfig({ OPD_BOOKING_WINDOWS: '{online' })).toThrow(/^OPD_BOOKING_WINDOWS must be JSON/);
    expect(() => loadConfig({ OPD_BOOKING_WINDOWS: '{"ONLINE":{"maxDaysAhead":-1}}' })).toThrow(StartupError);
    expect(() => loadConfig({ OPD_BOOKING_WINDOWS: '{"ONLINE":{"maxDaysAhead":-1}}' })).toThrow(
      /^OPD_BOOKING_WINDOWS: Expected `bookingWindows\.ONLINE\.maxDaysAhead`/,
    );
    expect(() => loadConfig({ OPD_BOOKING_WINDOWS: '{"ONLNE":{"sameDayOnly":true}}' })).toThrow(/^OPD_BOOKING_WINDOWS: .*`ONLNE`/);
    expect(() => loadConfig({ OPD_BOOKING_WINDOWS: '{"online":{},"ONLINE":{}}' })).toThrow(/^OPD_BOOKING_WINDOWS\.ONLINE: the same category as `online`/);
  });
});

describe('booking windows over HTTP', () => {
  it('refuses a portal booking outside the window with the window in the problem, and lets an exempt key book it', async () => {
    const windows = { ONLINE: { minNoticeMinutes: 120 }, exemptActors: ['desk'] };
    h = await startHarness({
      scheduler: { bookingWindows: windows },
      apiKeys: [
        { actor: 'portal', key: 'p'.repeat(32) },
        { actor: 'desk', key: 'd'.repeat(32) },
      ],
    });
    const [eight] = await doctorWithSlots(h, 'd1', [8], 2);
    const portal = await book(h, 'd1', 'ONLINE', { slotId: eight! });
    const problem = expectError(portal, 422, 'OUTSIDE_BOOKING_WINDOW');
    expect(problem.details).toMatchObject({ slotId: eight, category: 'ONLINE', opensAt: null, closesAt: `${DAY}T06:00:00.000Z` });
    const desk = await h.call('POST', '/api/tokens', {
      key: 'd'.repeat(32),
      body: { doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-9', name: 'Patient' }, slotId: eight },
    });
    expect(desk.status, desk.text).toBe(201);
    expect(tokenOf(desk).slotId).toBe(eight);
  });
});

describe('duplicate rules configuration', () => {
  it('reads OPD_DUPLICATES and --duplicates, with exception categories as bookings name them, and refuses bad ones at startup naming the field', () => {
    const rules =
      '{"scope":"department-day","maxActivePerPatient":3,"exceptions":[{"category":"follow-up","afterCompletedSameDay":true},{"department":"Laboratory"}]}';
    expect(loadConfig({ OPD_DUPLICATES: rules }).duplicates).toEqual({
      scope: 'department-day',
      maxActivePerPatient: 3,
      exceptions: [{ category: 'FOLLOW_UP', afterCompletedSameDay: true }, { department: 'Laboratory' }],
    });
    expect(loadConfig({}).duplicates).toBeUndefined();
    expect(parseServerArgs(['--duplicates', rules]).env).toEqual({ OPD_DUPLICATES: rules });
    expect(() => loadConfig({ OPD_DUPLICATES: '{scope' })).toThrow(/^OPD_DUPLICATES must be JSON/);
    expect(() => loadConfig({ OPD_DUPLICATES: '{"scope":"ward-day"}' })).toThrow(/^OPD_DUPLICATES: Expected `duplicates\.scope`/);
    expect(() => loadConfig({ OPD_DUPLICATES: '{"scope":"doctor-day","maxActivePerPatient":0}' })).toThrow(
      /^OPD_DUPLICATES: Expected `duplicates\.maxActivePerPatient`/,
    );
  });
});

describe('duplicate rules over HTTP', () => {
  it("refuses a patient's second token of the facility's day as a 409 problem naming the token that counts; with onDuplicate 'move', moves it", async () => {
    h = await startHarness({ scheduler: { duplicates: { scope: 'facility-day' } } });
    const [nine] = await doctorWithSlots(h, 'd1', [9], 2);
    const [ten] = await doctorWithSlots(h, 'd2', [10], 2);
    const first = await book(h, 'd1', 'ONLINE', { slotId: nine!, patientId: 'P-dup' });
    expect(first.status, first.text).toBe(201);
    const second = await book(h, 'd2', 'ONLINE', { slotId: ten!, patientId: 'P-dup' });
    const problem = expectError(second, 409, 'DUPLICATE_BOOKING');
    expect(problem.details).toMatchObject({ tokenId: tokenOf(first).id, doctorId: 'd1', scope: 'facility-day', reason: 'same-day' });
    await h.close();

    h = await startHarness({ scheduler: { duplicates: { scope: 'facility-day', onDuplicate: 'move' } } });
    const [nine2] = await doctorWithSlots(h, 'd1', [9], 2);
    const [ten2] = await doctorWithSlots(h, 'd2', [10], 2);
    const booked = await book(h, 'd1', 'ONLINE', { slotId: nine2!, patientId: 'P-dup' });
    const moved = await book(h, 'd2', 'ONLINE', { slotId: ten2!, patientId: 'P-dup' });
    expect(moved.status, moved.text).toBe(201);
    expect(tokenOf(moved)).toMatchObject({ doctorId: 'd2', slotId: ten2 });
    expect((moved.body as { movedFromTokenId?: string }).movedFromTokenId).toBe(tokenOf(booked).id);
  });
});
