/**
 * The server with a channel quota (OPD_QUOTA / --quota) and live estimates with their
 * after-slot status in answers and on the display board.
 */
import { ChannelQuota } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseServerArgs, StartupError } from '../../../examples/express-server/config.js';
import { at } from '../../helpers.js';
import { book, doctorWithSlots, expectDocumented, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('quota configuration', () => {
  it('reads OPD_QUOTA and --quota as ChannelQuota options, and refuses bad ones at startup naming the field', () => {
    const quota = '{"ONLINE":{"share":0.6},"WALK_IN":{"reserve":2,"releaseMinutesBefore":30}}';
    expect(loadConfig({ OPD_QUOTA: quota }).quota).toEqual({ ONLINE: { share: 0.6 }, WALK_IN: { reserve: 2, releaseMinutesBefore: 30 } });
    expect(loadConfig({}).quota).toBeUndefined();
    expect(parseServerArgs(['--quota', quota]).env).toEqual({ OPD_QUOTA: quota });
    expect(() => loadConfig({ OPD_QUOTA: '{online' })).toThrow(/^OPD_QUOTA must be JSON/);
    expect(() => loadConfig({ OPD_QUOTA: '{"ONLINE":{"share":2}}' })).toThrow(/^OPD_QUOTA: Expected `quota.ONLINE.share`/);
  });
});

describe('quota categories', () => {
  it('refuses a rule for a category the preset does not know, naming the key, so that it cannot silently never apply', () => {
    const known = /; use one of EMERGENCY, PAID, FOLLOW_UP, ONLINE, WALK_IN \(case-insensitive, with the aliases bookings accept\)$/;
    expect(() => loadConfig({ OPD_QUOTA: '{"ONLNE":{"share":0.5}}' })).toThrow(StartupError);
    expect(() => loadConfig({ OPD_QUOTA: '{"ONLNE":{"share":0.5}}' })).toThrow(/^OPD_QUOTA\.ONLNE: not a category of the standard preset/);
    expect(() => loadConfig({ OPD_QUOTA: '{"ONLNE":{"share":0.5}}' })).toThrow(known);
    expect(() => loadConfig({ OPD_QUOTA: '{"ONLINE":{"share":0.5},"VIP":{"count":1}}', OPD_PRESET: 'cascade' })).toThrow(
      /^OPD_QUOTA\.VIP: not a category of the cascade preset/,
    );
    // A bad rule is still named by the key as written, before its category is looked at.
    expect(() => loadConfig({ OPD_QUOTA: '{"online":{"shares":0.5}}' })).toThrow(/^OPD_QUOTA: .*quota\.online\.shares/);
  });

  it('reads category keys as bookings do: case-insensitive, with the same aliases, once each', () => {
    expect(loadConfig({ OPD_QUOTA: '{"online":{"share":0.5}}' }).quota).toEqual({ ONLINE: { share: 0.5 } });
    expect(loadConfig({ OPD_QUOTA: '{"Walk-in":{"reserve":2,"releaseMinutesBefore":30},"PAID_PRIORITY":{"count":1}}', OPD_PRESET: 'elastic' }).quota).toEqual({
      WALK_IN: { reserve: 2, releaseMinutesBefore: 30 },
      PAID: { count: 1 },
    });
    expect(() => loadConfig({ OPD_QUOTA: '{"ONLINE":{"share":0.5},"online":{"count":1}}' })).toThrow(
      /^OPD_QUOTA\.online: the same category as `ONLINE` \(ONLINE\)/,
    );
  });

  it('applies a lower-case rule to the bookings of its category', async () => {
    const quota = loadConfig({ OPD_QUOTA: '{"online":{"count":1}}' }).quota!;
    h = await startHarness({ scheduler: { quota: new ChannelQuota(quota) } });
    const [nine, ten] = await doctorWithSlots(h, 'd1', [9, 10], 3);
    expect(tokenOf(await book(h, 'd1', 'online', { slotId: nine! })).slotId).toBe(nine);
    expect(tokenOf(await book(h, 'd1', 'Online', {})).slotId).toBe(ten);
  });
});

describe('a server with a quota', () => {
  it('sends a capped channel to the next slot, and shows live estimates with their after-slot status', async () => {
    h = await startHarness({ scheduler: { quota: new ChannelQuota({ ONLINE: { count: 1 } }) } });
    const [nine, ten] = await doctorWithSlots(h, 'd1', [9, 10], 3);
    expect(tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! })).slotId).toBe(nine);
    // The next online booking asks for 09:00 by date only: the quota sends it to 10:00.
    const second = await book(h, 'd1', 'ONLINE', {});
    expect(tokenOf(second).slotId).toBe(ten);
    // 09:17: the doctor has not started; a walk-in booked now is estimated from now, not 09:00.
    h.clock.set(at('09:17'));
    const late = expectDocumented(h, 'book', await book(h, 'd1', 'WALK_IN', { slotId: nine! })) as {
      token: { estimatedStart: string; estimateStatus: string };
    };
    expect(late.token.estimatedStart >= '2026-01-30T09:17:00.000Z').toBe(true);
    expect(late.token.estimateStatus).toBe('ON_TIME');
    // 09:58: whoever is still waiting in 09:00 is now estimated after the slot's end, and says so.
    h.clock.set(at('09:58'));
    const slot = expectDocumented(h, 'getSlot', await h.call('GET', `/api/slots/${encodeURIComponent(nine!)}`)) as { places: { estimateStatus: string }[] };
    expect(slot.places.map((t) => t.estimateStatus)).toEqual(['ON_TIME', 'AFTER_SLOT']);
    const board = (await h.call('GET', '/display/d1/board')).body as { next: { estimateAfterSlot: boolean }[] };
    expect(board.next.map((e) => e.estimateAfterSlot)).toEqual([false, true, false]);
  });
});
