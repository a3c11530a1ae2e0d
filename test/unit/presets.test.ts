/**
 * Each preset reproduces a family of hospital policies; each seed document's behaviour is
 * reproduced here from its own words.
 */
import { CategoryPriority, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { DAY, doctorWithSlots, queue, rejectsWith, request, scheduler } from '../helpers.js';

describe('seed 000 — cascade: bump, cascade to the next slot, drop at the end of the day', () => {
  it('an emergency bumps the lowest-priority patient, who cascades to the next slot', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.outcome).toBe('BOOKED');
    expect(emergency.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:cascaded']);
    expect(await opd.getToken(online.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-10', tokenNumber: online.token.tokenNumber });
    expect(await queue(opd, 'd1-09')).toEqual([emergency.token.tokenNumber, paid.token.tokenNumber]);
  });

  it('a patient bumped from the last slot of the day is dropped ("end of day overflow")', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const last = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-10' }));
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    expect(paid.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:dropped']);
    expect(paid.effects[1]).toMatchObject({ tokenId: last.token.id, fromSlotId: 'd1-10', reason: 'bumped' });
    expect((await opd.getToken(last.token.id)).status).toBe('DROPPED');
    expect((await opd.stats()).drops).toBe(1);
  });

  it('"double full": the next slot full of more urgent patients means the bumped patient is dropped', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    const follow = await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' }));
    expect(follow.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:dropped']);
    expect((await opd.getToken(walkIn.token.id)).status).toBe('DROPPED');
  });

  it('ranks walk-ins and online bookings equally (level 4), so neither bumps the other', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9], 1);
    const online = await opd.book(request('d1', 'ONLINE'));
    expect(online.token.rank).toBe(4);
    await rejectsWith(opd.book(request('d1', 'WALK_IN')), 'SLOT_FULL');
  });

  it('a cancellation frees the place for a new booking (no waitlist)', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9], 1);
    const first = await opd.book(request('d1', 'ONLINE'));
    await opd.cancel(first.token.id);
    expect((await opd.book(request('d1', 'WALK_IN'))).outcome).toBe('BOOKED');
  });
});

describe('seed 001 — waitlist: full slots waitlist, emergencies demote, cancellations promote', () => {
  it('a full slot sends the request to the waitlist, sorted by priority', async () => {
    const { opd, clock } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    clock.advance(1);
    const follow = await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' }));
    expect(walkIn).toMatchObject({ outcome: 'WAITLISTED', token: { waitingForSlotId: 'd1-09' } });
    expect((await opd.getSlot('d1-09')).waitlist.map((t) => t.id)).toEqual([follow.token.id, walkIn.token.id]);
  });

  it('an emergency bumps the lowest-priority patient to the waitlist; a cancellation promotes them back', async () => {
    const { opd } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9], 2);
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.effects).toEqual([
      expect.objectContaining({ type: 'token:bumped', tokenId: walkIn.token.id, byTokenId: emergency.token.id }),
      expect.objectContaining({ type: 'token:waitlisted', tokenId: walkIn.token.id, waitingForSlotId: 'd1-09' }),
    ]);
    const cancelled = await opd.cancel(paid.token.id);
    expect(cancelled.effects).toEqual([expect.objectContaining({ type: 'token:promoted', tokenId: walkIn.token.id, slotId: 'd1-09' })]);
    expect((await opd.getToken(walkIn.token.id)).status).toBe('BOOKED');
  });

  it('no-shows promote from the waitlist too (hard capacity, never overbooked)', async () => {
    const { opd, clock } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9], 1);
    const booked = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const waiting = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    clock.set(`${DAY}T09:20:00Z`);
    const effects = await opd.sweep();
    expect(effects.map((e) => ('tokenId' in e ? `${e.type}:${e.tokenId}` : e.type))).toEqual([
      `token:no-show:${booked.token.id}`,
      `token:promoted:${waiting.token.id}`,
    ]);
    expect((await opd.getSlot('d1-09')).places).toHaveLength(1);
  });
});

describe('seed 002 — waitlist family: emergencies displace walk-ins into an overflow list; unknown sources are walk-ins', () => {
  it('a full-slot emergency displaces the lowest-priority walk-in into the waiting list', async () => {
    const { opd } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9], 2);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect((await opd.getToken(walkIn.token.id)).status).toBe('WAITLISTED');
  });

  it('with a fallback rank, an unknown booking source is treated as a walk-in', async () => {
    const { opd } = scheduler({ ...presets.waitlist(), priority: new CategoryPriority({ fallbackRank: 5 }) });
    await doctorWithSlots(opd, 'd1', [9], 2);
    const kiosk = await opd.book(request('d1', 'KIOSK'));
    expect(kiosk.token).toMatchObject({ category: 'KIOSK', rank: 5 });
  });
});

describe('seed 003 — elastic capacity: an emergency takes an extra place at position 1', () => {
  it('a slot full of online bookings still accepts an emergency, first in the queue, without removing anyone', async () => {
    const { opd } = scheduler(presets.elastic());
    await doctorWithSlots(opd, 'smith', [9], 5);
    for (let i = 0; i < 5; i++) await opd.book(request('smith', 'ONLINE', { slotId: 'smith-09' }));
    const emergency = await opd.book(request('smith', 'EMERGENCY', { slotId: 'smith-09' }));
    expect(emergency).toMatchObject({ outcome: 'BOOKED', overflow: true, effects: [] });
    expect(emergency.token.position).toBe(1);
    const view = await opd.getSlot('smith-09');
    expect(view.places).toHaveLength(6);
    expect(view.overflowUsed).toBe(1);
  });

  it('elastic places are bounded by emergencyOverflow, or unlimited', async () => {
    const bounded = scheduler(presets.elastic({ emergencyOverflow: 1 }));
    await doctorWithSlots(bounded.opd, 'd1', [9, 10], 1);
    await bounded.opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    expect((await bounded.opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }))).overflow).toBe(true);
    const second = await bounded.opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(second.token.slotId).toBe('d1-10');
    const unlimited = scheduler(presets.elastic({ emergencyOverflow: 'unlimited' }));
    await doctorWithSlots(unlimited.opd, 'd1', [9], 0);
    for (let i = 0; i < 20; i++) expect((await unlimited.opd.book(request('d1', 'EMERGENCY'))).overflow).toBe(true);
  });

  it('never bumps anyone: other categories go to the next slot, then the waitlist', async () => {
    const { opd } = scheduler(presets.elastic());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    expect(paid.token.slotId).toBe('d1-10');
    expect(paid.effects).toEqual([]);
    expect((await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }))).outcome).toBe('WAITLISTED');
  });
});

describe('seed 004 — elastic with walk-ins before online bookings, per-doctor waiting list', () => {
  it('ranks walk-ins (4) before online bookings (5)', async () => {
    const { opd, clock } = scheduler(presets.elastic({ walkInBeforeOnline: true }));
    await doctorWithSlots(opd, 'd1', [9], 5);
    const online = await opd.book(request('d1', 'ONLINE'));
    clock.advance(5);
    const walkIn = await opd.book(request('d1', 'WALK_IN'));
    expect([online.token.rank, walkIn.token.rank]).toEqual([5, 4]);
    expect(await queue(opd, 'd1-09')).toEqual([walkIn.token.tokenNumber, online.token.tokenNumber]);
  });

  it('allocates the earliest future slot with capacity, else the doctor waiting list, promoted on cancel', async () => {
    const { opd, clock } = scheduler(presets.elastic({ walkInBeforeOnline: true }));
    await doctorWithSlots(opd, 'd1', [9, 10, 11, 12], 1);
    clock.set(`${DAY}T10:30:00Z`);
    const first = await opd.book(request('d1', 'ONLINE'));
    expect(first.token.slotId).toBe('d1-10');
    await opd.book(request('d1', 'ONLINE'));
    await opd.book(request('d1', 'ONLINE'));
    const waiting = await opd.book(request('d1', 'WALK_IN'));
    expect(waiting.outcome).toBe('WAITLISTED');
    expect((await opd.getWaitlist('d1', DAY)).map((t) => t.id)).toEqual([waiting.token.id]);
    const cancelled = await opd.cancel(first.token.id);
    expect(cancelled.effects).toEqual([expect.objectContaining({ type: 'token:promoted', tokenId: waiting.token.id, slotId: 'd1-10' })]);
  });

  it('emergencies may exceed capacity by two per slot by default', async () => {
    const { opd } = scheduler(presets.elastic());
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.book(request('d1', 'ONLINE'));
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await opd.book(request('d1', 'EMERGENCY')));
    expect(results.map((r) => r.outcome)).toEqual(['BOOKED', 'BOOKED', 'WAITLISTED']);
  });
});

describe('preset table', () => {
  it('standard is the default and ranks E1 P2 F3 O4 W5', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 10);
    const ranks = [];
    for (const category of ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN']) ranks.push((await opd.book(request('d1', category))).token.rank);
    expect(ranks).toEqual([1, 2, 3, 4, 5]);
  });

  it('presets are plain fragments with named, independent plug-ins', () => {
    const a = presets.standard();
    const b = presets.standard();
    expect(Object.keys(a).sort()).toEqual(['capacity', 'overflow', 'priority']);
    expect(a.overflow).not.toBe(b.overflow);
    expect([presets.standard(), presets.cascade(), presets.waitlist(), presets.elastic()].map((p) => p.overflow.name)).toEqual([
      'standard',
      'cascade',
      'waitlist',
      'elastic',
    ]);
    expect(presets.cascade().overflow.waitlist).toBe('day');
    expect(presets.waitlist().overflow.waitlist).toBe('slot');
    expect(presets.standard().overflow.bumpLimit).toBe(1);
    expect(presets.standard({ bumpLimit: 3 }).overflow.bumpLimit).toBe(3);
  });

  it('two schedulers in one process share nothing', async () => {
    const a = scheduler(presets.cascade());
    const b = scheduler(presets.waitlist());
    await doctorWithSlots(a.opd, 'd1', [9], 1);
    await doctorWithSlots(b.opd, 'd1', [9], 1);
    await a.opd.book(request('d1', 'ONLINE'));
    expect((await b.opd.getSlot('d1-09')).places).toEqual([]);
    expect((await b.opd.history()).length).toBe(0);
  });
});
