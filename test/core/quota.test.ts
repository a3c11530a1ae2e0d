/**
 * The core asks the quota strategy through `quotaAdmits`, on the places as they stand: a booking
 * asks once for the slot it takes (the answer is passed on, not asked again), and the built-in
 * `ChannelQuota`, asked on the counts directly, answers what its public `admits` answers.
 */
import { ChannelQuota, presets, type QuotaContext, type QuotaStrategy } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { book } from '../../src/core/commands/book.js';
import { quotaAdmits } from '../../src/core/quota.js';
import { Workspace } from '../../src/core/workspace.js';
import { DAY, at, bookRequest, committed, config, slot, snapshot, token } from './builders.js';

/** The same quota seen only through its public `admits` (which the core cannot ask on counts). */
function throughContext(quota: QuotaStrategy): QuotaStrategy & { asked: number } {
  const counting = {
    name: `counting ${quota.name}`,
    asked: 0,
    admits: (context: QuotaContext): boolean => {
      counting.asked++;
      return quota.admits(context);
    },
  };
  return counting;
}

describe('quotaAdmits', () => {
  it('answers on the places as they stand, without the token it would replace or the asking token', () => {
    const quota = throughContext(new ChannelQuota({ WALK_IN: { count: 1 } }));
    const ws = new Workspace(config({ ...presets.standard(), quota }), snapshot([slot(9, 5)], []), at(8));
    const work = ws.day(DAY);
    const walkIn = token(1, 'WALK_IN', null);
    expect(quotaAdmits(ws, work, 0, walkIn)).toBe(true);
    // A walk-in takes the one walk-in place: the same question is now refused.
    const placed = token(2, 'WALK_IN', 'd1-09');
    ws.create(work, placed);
    expect(quotaAdmits(ws, work, 0, walkIn)).toBe(false);
    // In that walk-in's place (a bump), or as that walk-in itself (a move), the place is free.
    expect(quotaAdmits(ws, work, 0, walkIn, placed)).toBe(true);
    expect(quotaAdmits(ws, work, 0, { category: 'WALK_IN', rank: 5, id: placed.id })).toBe(true);
    // Another channel is another question.
    expect(quotaAdmits(ws, work, 0, token(3, 'ONLINE', null))).toBe(true);
    expect(quota.asked).toBe(5);
  });

  it('a booking asks the quota once, for the slot it takes', () => {
    const quota = throughContext(new ChannelQuota({ WALK_IN: { count: 5 } }));
    const s = snapshot([slot(9, 2), slot(10, 2)], [token(1, 'ONLINE', 'd1-09'), token(2, 'ONLINE', 'd1-09')]);
    const { result } = committed(book.decide(config({ ...presets.standard(), quota }), s, bookRequest('WALK_IN'), at(7)));
    expect(result.token.slotId).toBe('d1-10');
    expect(quota.asked).toBe(1);
  });

  it('the built-in quota asked on counts answers what its admits answers', () => {
    const rules = new ChannelQuota({ ONLINE: { share: 0.5 }, FOLLOW_UP: { perDay: 2 }, WALK_IN: { reserve: 2, releaseMinutesBefore: 30 }, PAID: { count: 1 } });
    const categories = ['ONLINE', 'FOLLOW_UP', 'WALK_IN', 'PAID'];
    const slots = [slot(9, 4), slot(10, 4)];
    // Every way of filling the first slot with up to 4 of these channels (the second holds two follow-ups or none).
    for (let fill = 0; fill < 4 ** 4 * 2; fill++) {
      const tokens = [];
      let n = 0;
      for (let k = 0, code = fill >> 1; k < 4; k++, code >>= 2) if ((code & 3) !== 0 || k === 0) tokens.push(token(++n, categories[code & 3]!, 'd1-09'));
      if ((fill & 1) === 1) tokens.push(token(++n, 'FOLLOW_UP', 'd1-10'), token(++n, 'FOLLOW_UP', 'd1-10'));
      for (const now of [at(7), at(8, 45)]) {
        const direct = new Workspace(config({ ...presets.standard(), quota: rules }), snapshot(slots, tokens), now);
        const viaContext = new Workspace(config({ ...presets.standard(), quota: throughContext(rules) }), snapshot(slots, tokens), now);
        for (const category of categories) {
          for (const without of [undefined, tokens[0]]) {
            const asked = { category, rank: 3 };
            expect(quotaAdmits(direct, direct.day(DAY), 0, asked, without), `${category} over ${fill} at ${now}`).toBe(
              quotaAdmits(viaContext, viaContext.day(DAY), 0, asked, without),
            );
          }
        }
      }
    }
  });
});
