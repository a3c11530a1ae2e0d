/**
 * The options of the built-in `ChannelQuota`: the bounds of every field, the message and field of
 * each refusal, the name that events and errors show, and that a rule which only caps a channel
 * holds no places back from the others.
 */
import { ChannelQuota, isOpdError, type ChannelQuotaOptions, type QuotaContext } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at } from './builders.js';

/** The field and message of the error `options` are refused with. */
function refusal(options: unknown): { field: unknown; message: string } {
  try {
    new ChannelQuota(options as ChannelQuotaOptions);
  } catch (error) {
    if (!isOpdError(error) || error.code !== 'VALIDATION_FAILED') throw error;
    return { field: error.details['field'], message: error.message };
  }
  throw new Error('the options were accepted');
}

describe('ChannelQuota options', () => {
  it('names every rule, in the order given, in its name', () => {
    const quota = new ChannelQuota({
      ONLINE: { share: 0.6 },
      FOLLOW_UP: { count: 2, perDay: 10 },
      WALK_IN: { reserve: 2, releaseMinutesBefore: 30 },
      PAID: { reserve: 0 },
      EMERGENCY: { reserve: 1 },
    });
    expect(quota.name).toBe(
      'channel-quota(ONLINE: share 0.6; FOLLOW_UP: count 2, perDay 10; WALK_IN: reserve 2 until -30min; PAID: reserve 0; EMERGENCY: reserve 1)',
    );
  });

  it('accepts every field at both ends of its range', () => {
    for (const options of [
      { [`C`]: { share: 0 } },
      { [`C`.repeat(40)]: { share: 1 } },
      { WALK_IN: { reserve: 0, releaseMinutesBefore: 0 } },
      { WALK_IN: { reserve: 1, releaseMinutesBefore: 7 * 24 * 60 } },
    ]) {
      expect(() => new ChannelQuota(options)).not.toThrow();
    }
  });

  it('refuses each bad option with its field and a message that shows what was given', () => {
    const release = 'quota.WALK_IN.releaseMinutesBefore';
    const minutes = (got: string): string => `Expected \`${release}\` to be a number of minutes from 0 to 10080, got ${got}`;
    const cases: [unknown, string, string][] = [
      [null, 'quota', 'Expected the quota options to be an object of rules by category'],
      [{ '': { share: 0.5 } }, 'quota', 'Expected category names of 1 to 40 characters'],
      [{ ['C'.repeat(41)]: { share: 0.5 } }, 'quota', 'Expected category names of 1 to 40 characters'],
      [{ ONLINE: { share: 1.5 } }, 'quota.ONLINE.share', 'Expected `quota.ONLINE.share` to be a number from 0 to 1, got `1.5`'],
      [{ ONLINE: { share: -0.1 } }, 'quota.ONLINE.share', 'Expected `quota.ONLINE.share` to be a number from 0 to 1, got `-0.1`'],
      [{ ONLINE: { share: '60%' } }, 'quota.ONLINE.share', 'Expected `quota.ONLINE.share` to be a number from 0 to 1, got a string'],
      [{ ONLINE: { share: true } }, 'quota.ONLINE.share', 'Expected `quota.ONLINE.share` to be a number from 0 to 1, got a boolean'],
      [{ WALK_IN: { reserve: -1 } }, 'quota.WALK_IN.reserve', 'Expected `quota.WALK_IN.reserve` to be an integer ≥ 0, got `-1`'],
      [{ WALK_IN: { releaseMinutesBefore: 30 } }, release, '`quota.WALK_IN.releaseMinutesBefore` needs `quota.WALK_IN.reserve`'],
      [{ WALK_IN: { reserve: 1, releaseMinutesBefore: 7 * 24 * 60 + 1 } }, release, minutes('`10081`')],
      [{ WALK_IN: { reserve: 1, releaseMinutesBefore: -1 } }, release, minutes('`-1`')],
      [{ WALK_IN: { reserve: 1, releaseMinutesBefore: Number.POSITIVE_INFINITY } }, release, minutes('`Infinity`')],
      [{ WALK_IN: { reserve: 1, releaseMinutesBefore: Number.NaN } }, release, minutes('`NaN`')],
      [{ WALK_IN: { reserve: 1, releaseMinutesBefore: '30' } }, release, minutes('a string')],
      [{ EMERGENCY: { perDay: 3 } }, 'quota.EMERGENCY', 'An emergency is never capped by a quota: `quota.EMERGENCY` may only reserve places'],
      [{ WALK_IN: {} }, 'quota.WALK_IN', 'Expected `quota.WALK_IN` to set at least one of share, count, perDay or reserve'],
    ];
    for (const [options, field, message] of cases) expect(refusal(options), JSON.stringify(options)).toEqual({ field, message });
  });

  it('a rule that only caps a channel holds no place back from the other channels', () => {
    const quota = new ChannelQuota({ ONLINE: { share: 0.5 }, FOLLOW_UP: { count: 1 }, PAID: { perDay: 1 } });
    const context: QuotaContext = {
      slot: {
        id: 's',
        facilityId: 'default',
        doctorId: 'd1',
        day: '2026-01-30',
        start: new Date(at(9)),
        end: new Date(at(10)),
        capacity: 4,
        overflowCapacity: 0,
        status: 'OPEN',
        closedReason: null,
      },
      category: 'WALK_IN',
      rank: 4,
      occupancy: 3,
      placesOf: () => 1,
      dayPlacesOf: () => 1,
      now: new Date(at(7)),
    };
    expect(quota.admits(context)).toBe(true);
  });

  it('a reservation taken in full holds nothing back, even in a full slot: room is for the capacity strategy to judge', () => {
    const quota = new ChannelQuota({ WALK_IN: { reserve: 1 } });
    const full = (walkIns: number): QuotaContext => ({
      slot: {
        id: 's',
        facilityId: 'default',
        doctorId: 'd1',
        day: '2026-01-30',
        start: new Date(at(9)),
        end: new Date(at(10)),
        capacity: 2,
        overflowCapacity: 1,
        status: 'OPEN',
        closedReason: null,
      },
      category: 'ONLINE',
      rank: 4,
      occupancy: 2,
      placesOf: (category) => (category === 'WALK_IN' ? walkIns : 2 - walkIns),
      dayPlacesOf: () => 2,
      now: new Date(at(7)),
    });
    expect(quota.admits(full(1))).toBe(true);
    expect(quota.admits(full(0))).toBe(false);
  });
});
