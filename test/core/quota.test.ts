/**
 * The core asks the quota strategy through `quotaAdmits`, which reuses the strategy's last answer
 * only while nothing it was computed from has changed.
 */
import { ChannelQuota, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { quotaAdmits } from '../../src/core/quota.js';
import { Workspace } from '../../src/core/workspace.js';
import { DAY, at, config, slot, snapshot, token } from './builders.js';

describe('quotaAdmits', () => {
  it('asks again once the places of the day, or the slot, changed', () => {
    let asked = 0;
    const channels = new ChannelQuota({ WALK_IN: { count: 1 } });
    const quota = { name: 'counting', admits: (context: Parameters<ChannelQuota['admits']>[0]) => (asked++, channels.admits(context)) };
    const ws = new Workspace(config({ ...presets.standard(), quota }), snapshot([slot(9, 5)], []), at(8));
    const work = ws.day(DAY);
    const request = token(1, 'WALK_IN', null);
    expect(quotaAdmits(ws, work, 0, request)).toBe(true);
    // Nothing changed: the same question has the same answer.
    expect(quotaAdmits(ws, work, 0, request)).toBe(true);
    expect(asked).toBe(1);
    // A walk-in takes the one walk-in place: the same question is now refused.
    ws.create(work, token(2, 'WALK_IN', 'd1-09'));
    expect(quotaAdmits(ws, work, 0, request)).toBe(false);
    // The slot changes (the rule is per slot, so the answer stays), and the quota is asked again.
    ws.updateSlot(work, 0, { capacity: 6 });
    expect(quotaAdmits(ws, work, 0, request)).toBe(false);
    expect(asked).toBe(3);
    // Another token is another question.
    expect(quotaAdmits(ws, work, 0, token(3, 'ONLINE', null))).toBe(true);
    expect(asked).toBe(4);
  });
});
