import { CategoryPriority, type Effect, NoElasticCapacity, presets, RuleOverflow } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { DAY, at, doctorWithSlots, observe, queue, rejectsWith, request, scheduler } from '../helpers.js';

const fate = (effects: readonly Effect[]): string[] =>
  effects.map((e) => `${e.type}${'tokenNumber' in e ? `#${e.tokenNumber}` : ''}${'toSlotId' in e ? `→${e.toSlotId}` : ''}`);

describe('displaced tokens', () => {
  it('cascade only moves forward, to the earliest later slot with room', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-11' }));
    const early = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-10' }));
    // 09:00 is free, but a token bumped from 10:00 never moves earlier.
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    expect(fate(paid.effects)).toEqual([`token:bumped#${early.token.tokenNumber}`, `token:dropped#${early.token.tokenNumber}`]);
    expect(await queue(opd, 'd1-09')).toEqual([]);
  });

  it('chains bumps when allowed, bounded by chainDepth', async () => {
    const { opd } = scheduler(presets.cascade({ chainDepth: 1 }));
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
    const follow = await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' }));
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-11' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    // follow-up → bumps online at 10 (depth 1) → online cannot chain further (walk-in has the same rank 4) → dropped.
    expect(fate(emergency.effects)).toEqual([
      `token:bumped#${follow.token.tokenNumber}`,
      `token:cascaded#${follow.token.tokenNumber}→d1-10`,
      `token:bumped#${online.token.tokenNumber}`,
      `token:dropped#${online.token.tokenNumber}`,
    ]);
    expect((await opd.getToken(walkIn.token.id)).slotId).toBe('d1-11');
    expect((await opd.getToken(follow.token.id)).bumpCount).toBe(1);
  });

  it('without chaining, a bumped token that finds no room is waitlisted (standard) and never dropped', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-10' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(fate(emergency.effects)).toEqual([`token:bumped#${walkIn.token.tokenNumber}`, `token:waitlisted#${walkIn.token.tokenNumber}`]);
    expect(emergency.effects[1]).toMatchObject({ reason: 'bumped', fromSlotId: 'd1-09', waitingForSlotId: null });
    const waiting = await opd.getToken(walkIn.token.id);
    expect(waiting).toMatchObject({ status: 'WAITLISTED', slotId: null, notBefore: at('09:00'), bumpCount: 1 });
  });

  it('respects the bump limit (standard: once) and the victim tie-break', async () => {
    const latest = scheduler();
    await doctorWithSlots(latest.opd, 'd1', [9, 10], 2, { overflowCapacity: 0 });
    const a = await latest.opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    latest.clock.advance(1);
    const b = await latest.opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const e1 = await latest.opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(e1.effects[0]).toMatchObject({ type: 'token:bumped', tokenId: b.token.id });
    expect((await latest.opd.getToken(b.token.id)).slotId).toBe('d1-10');

    const earliest = scheduler(presets.standard({ victimOrder: 'earliest' }));
    await doctorWithSlots(earliest.opd, 'd1', [9, 10], 2, { overflowCapacity: 0 });
    const c = await earliest.opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    earliest.clock.advance(1);
    await earliest.opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const e2 = await earliest.opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(e2.effects[0]).toMatchObject({ type: 'token:bumped', tokenId: c.token.id });

    // b was bumped once; in 10:00 it cannot be bumped again, so the emergency goes to the waitlist... unless a place is free.
    await latest.opd.book(request('d1', 'WALK_IN', { slotId: 'd1-10' }));
    const e3 = await latest.opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-10' }));
    const bumped = e3.effects.find((e) => e.type === 'token:bumped');
    expect(bumped).toBeDefined();
    expect(bumped).not.toMatchObject({ tokenId: b.token.id });
    expect(a.token.slotId).toBe('d1-09');
  });

  it('waitlist preset: a bumped token waits for the slot it was bumped from', async () => {
    const { opd } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.effects[1]).toMatchObject({ type: 'token:waitlisted', waitingForSlotId: 'd1-09', reason: 'bumped' });
    const waiting = await opd.getToken(walkIn.token.id);
    expect(waiting).toMatchObject({ status: 'WAITLISTED', waitingForSlotId: 'd1-09' });
    // 10:00 is free, but a per-slot waitlist entry waits for 09:00 only.
    expect((await opd.getSlot('d1-10')).waitlist).toEqual([]);
    expect((await opd.getSlot('d1-09')).waitlist.map((t) => t.id)).toEqual([walkIn.token.id]);
  });

  it('a custom strategy composes the options, with fallback to the waitlist', async () => {
    const overflow = new RuleOverflow({ whenFull: { default: ['bump', 'reject'] }, whenDisplaced: { default: [] }, bumpLimit: 3 });
    const { opd } = scheduler({ ...presets.cascade(), overflow });
    await doctorWithSlots(opd, 'd1', [9], 1);
    const walkIn = await opd.book(request('d1', 'WALK_IN'));
    const paid = await opd.book(request('d1', 'PAID'));
    expect(fate(paid.effects)).toEqual([`token:bumped#${walkIn.token.tokenNumber}`, `token:waitlisted#${walkIn.token.tokenNumber}`]);
  });
});

describe('promotion', () => {
  it('a cancellation promotes the best eligible waitlisted token (rank, then request time)', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const booked = await opd.book(request('d1', 'WALK_IN'));
    const walkIn = await opd.book(request('d1', 'WALK_IN'));
    clock.advance(1);
    const paid = await opd.book(request('d1', 'PAID'));
    clock.advance(1);
    const paid2 = await opd.book(request('d1', 'PAID'));
    expect((await opd.getWaitlist('d1', DAY)).map((t) => t.id)).toEqual([paid.token.id, paid2.token.id, walkIn.token.id]);
    const cancelled = await opd.cancel(booked.token.id, { reason: 'fever gone' });
    expect(cancelled.token).toMatchObject({ status: 'CANCELLED', slotId: null, cancelReason: 'fever gone' });
    expect(cancelled.effects).toEqual([expect.objectContaining({ type: 'token:promoted', tokenId: paid.token.id, slotId: 'd1-09' })]);
    expect(await opd.getToken(paid.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-09', position: 1 });
  });

  it('never promotes a token into a slot earlier than it asked for', async () => {
    const { opd } = scheduler(presets.elastic());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const wantsTen = await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    expect(wantsTen.outcome).toBe('WAITLISTED');
    const cancelled = await opd.cancel(nine.token.id);
    expect(cancelled.effects).toEqual([]);
    expect((await opd.getSlot('d1-09')).free).toBe(1);
    expect((await opd.getSlot('d1-09')).waitlist).toEqual([]);
  });

  it('no-shows, raised capacity and new slots promote too; ended slots do not', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const first = await opd.book(request('d1', 'ONLINE'));
    const w1 = await opd.book(request('d1', 'ONLINE'));
    const w2 = await opd.book(request('d1', 'ONLINE'));
    const w3 = await opd.book(request('d1', 'ONLINE'));
    const w4 = await opd.book(request('d1', 'ONLINE'));
    const raised = await opd.setCapacity('d1-09', 2);
    expect(fate(raised)).toEqual(['slot:capacity-changed', `token:promoted#${w1.token.tokenNumber}`]);
    const added = await opd.addSlots('d1', [{ id: 'late', start: at('11:00'), end: at('12:00'), capacity: 1 }]);
    expect(added[0]!.id).toBe('late');
    expect((await opd.getToken(w2.token.id)).slotId).toBe('late');
    clock.set(at('09:30'));
    const noShow = await opd.markNoShow(first.token.id);
    expect(noShow.effects).toEqual([expect.objectContaining({ type: 'token:promoted', tokenId: w3.token.id, slotId: 'd1-09' })]);
    clock.set(at('10:30'));
    await opd.cancel(w3.token.id);
    expect((await opd.getToken(w3.token.id)).status).toBe('CANCELLED');
    // The place freed in the ended slot stays free: the patient still waiting is not put there.
    expect((await opd.getSlot('d1-09')).free).toBe(1);
    expect((await opd.getToken(w4.token.id)).status).toBe('WAITLISTED');
  });
});

describe('token lifecycle', () => {
  it('walks booked → checked in → in consultation → completed; a completed place stays used', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const { token } = await opd.book(request('d1', 'ONLINE'));
    const waiting = await opd.book(request('d1', 'ONLINE'));
    expect((await opd.checkIn(token.id)).token.status).toBe('CHECKED_IN');
    expect((await opd.startConsultation(token.id)).token.status).toBe('IN_CONSULTATION');
    const done = await opd.complete(token.id);
    expect(done.token).toMatchObject({ status: 'COMPLETED', slotId: 'd1-09', position: 1 });
    expect(done.effects).toEqual([]);
    expect((await opd.getToken(waiting.token.id)).status).toBe('WAITLISTED');
  });

  it('refuses every other transition with INVALID_TRANSITION and changes nothing', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    const { token } = await opd.book(request('d1', 'ONLINE'));
    const waiting = await opd.book(request('d1', 'ONLINE'));
    const before = await observe(opd, 'd1');
    const error = await rejectsWith(opd.startConsultation(token.id), 'INVALID_TRANSITION');
    expect(error.details).toMatchObject({ tokenId: token.id, status: 'BOOKED', action: 'start' });
    await rejectsWith(opd.complete(token.id), 'INVALID_TRANSITION');
    await rejectsWith(opd.checkIn(waiting.token.id), 'INVALID_TRANSITION');
    clock.set(at('09:20'));
    await rejectsWith(opd.markNoShow(waiting.token.id), 'INVALID_TRANSITION');
    clock.set(at('07:00'));
    expect(await observe(opd, 'd1')).toEqual(before);
    await opd.cancel(token.id);
    await rejectsWith(opd.cancel(token.id), 'INVALID_TRANSITION');
    await rejectsWith(opd.checkIn(token.id), 'INVALID_TRANSITION');
    await rejectsWith(opd.cancel('d1~2026-01-30~99'), 'TOKEN_NOT_FOUND');
    await rejectsWith(opd.cancel('garbage'), 'TOKEN_NOT_FOUND');
    await rejectsWith(opd.cancel(42 as never), 'VALIDATION_FAILED');
  });

  it('a checked-in patient can cancel; in consultation cannot', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const a = await opd.book(request('d1', 'ONLINE'));
    const b = await opd.book(request('d1', 'ONLINE'));
    await opd.checkIn(a.token.id);
    await opd.checkIn(b.token.id);
    await opd.startConsultation(b.token.id);
    expect((await opd.cancel(a.token.id)).token.status).toBe('CANCELLED');
    await rejectsWith(opd.cancel(b.token.id), 'INVALID_TRANSITION');
  });

  it('markNoShow needs the slot to have started', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const { token } = await opd.book(request('d1', 'ONLINE'));
    const error = await rejectsWith(opd.markNoShow(token.id), 'NOT_YET_DUE');
    expect(error.details).toMatchObject({ tokenId: token.id, slotId: 'd1-09' });
    clock.set(at('09:00'));
    const result = await opd.markNoShow(token.id);
    expect(result.token).toMatchObject({ status: 'NO_SHOW', slotId: null });
  });

  it('sweep marks booked tokens past the grace period as no-shows and promotes', async () => {
    // d2's day is over at 10:10: days are left open here (closing them: close-day.test.ts).
    const { opd, clock } = scheduler({ noShowGraceMinutes: 10, closeOut: { sweep: false } });
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await doctorWithSlots(opd, 'd2', [9], 2);
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const ten = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const waiting = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const other = await opd.book(request('d2', 'ONLINE'));
    const checkedIn = await opd.book(request('d2', 'ONLINE'));
    await opd.checkIn(checkedIn.token.id);
    clock.set(at('10:11'));
    expect(await opd.sweep(at('09:10'))).toEqual([]);
    const effects = await opd.sweep(at('10:11'));
    expect(fate(effects)).toEqual([
      `token:no-show#${nine.token.tokenNumber}`,
      `token:no-show#${ten.token.tokenNumber}`,
      `token:promoted#${waiting.token.tokenNumber}`,
      `token:no-show#${other.token.tokenNumber}`,
    ]);
    expect(effects[0]).toMatchObject({ reason: 'sweep' });
    expect((await opd.getToken(checkedIn.token.id)).status).toBe('CHECKED_IN');
    // Promoted at 10:11 into a slot that started at 10:00: its grace runs from 10:11.
    clock.set(at('10:22'));
    expect(await opd.sweep(at('10:12'))).toEqual([]);
    expect(fate(await opd.sweep(at('10:22')))).toEqual([`token:no-show#${waiting.token.tokenNumber}`]);
    await rejectsWith(opd.sweep('yesterday' as never), 'VALIDATION_FAILED');
  });
});

describe('closing slots and changing capacity', () => {
  it('closeSlot displaces every booked place, best first, and dryRun predicts it exactly', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 2);
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-10' }));
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-11' }));
    const before = await observe(opd, 'd1');
    const preview = await opd.closeSlot('d1-10', { reason: 'doctor left', dryRun: true });
    expect(await observe(opd, 'd1')).toEqual(before);
    expect(preview.every((e) => e.seq === 0)).toBe(true);
    const effects = await opd.closeSlot('d1-10', { reason: 'doctor left' });
    expect(effects.map((e) => ({ ...e, seq: 0 }))).toEqual(preview);
    expect(fate(effects)).toEqual(['slot:closed', `token:cascaded#${paid.token.tokenNumber}→d1-11`, `token:waitlisted#${walkIn.token.tokenNumber}`]);
    expect(effects[0]).toMatchObject({ slotId: 'd1-10', reason: 'doctor left' });
    expect((await opd.getSlot('d1-10')).slot).toMatchObject({ status: 'CLOSED', closedReason: 'doctor left' });
    expect((await opd.getSlot('d1-10')).places).toEqual([]);
    expect((await opd.getToken(walkIn.token.id)).notBefore).toEqual(at('10:00'));
    await rejectsWith(opd.closeSlot('d1-10'), 'SLOT_CLOSED');
  });

  it('closeSlot refuses while a patient is checked in and for ended slots', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    const { token } = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    await opd.checkIn(token.id);
    const error = await rejectsWith(opd.closeSlot('d1-10'), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ slotId: 'd1-10', tokenIds: [token.id] });
    clock.set(at('10:00'));
    await rejectsWith(opd.closeSlot('d1-09'), 'SLOT_ENDED');
    await rejectsWith(opd.closeSlot('nope'), 'SLOT_NOT_FOUND');
    await rejectsWith(opd.closeSlot('d1-10', { dryRun: 'yes' } as never), 'VALIDATION_FAILED');
  });

  it('closeSlot moves a per-slot waitlist to the next open slot', async () => {
    const { opd } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const waiting = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    expect(waiting.token.waitingForSlotId).toBe('d1-09');
    const effects = await opd.closeSlot('d1-09');
    expect(fate(effects)).toEqual(['slot:closed', 'token:waitlisted#1', `token:waitlisted#${waiting.token.tokenNumber}`]);
    expect((await opd.getToken(waiting.token.id)).waitingForSlotId).toBe('d1-10');
    expect((await opd.getSlot('d1-10')).waitlist.map((t) => t.tokenNumber)).toEqual([waiting.token.tokenNumber, 1]);
  });

  it('setCapacity lowers by displacing the worst-ranked booked places, keeping elastic places, with dryRun', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 3, { overflowCapacity: 1 });
    const w = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const o = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    const e = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(e.overflow).toBe(true);
    const before = await observe(opd, 'd1');
    const preview = await opd.setCapacity('d1-09', 1, { dryRun: true });
    expect(await observe(opd, 'd1')).toEqual(before);
    const effects = await opd.setCapacity('d1-09', 1);
    expect(effects.map((x) => ({ ...x, seq: 0 }))).toEqual(preview);
    expect(fate(effects)).toEqual([
      'slot:capacity-changed',
      // The worst two leave; the better of them (online) moves first.
      `token:cascaded#${o.token.tokenNumber}→d1-10`,
      `token:cascaded#${w.token.tokenNumber}→d1-10`,
    ]);
    expect(effects[0]).toMatchObject({ previousCapacity: 3, capacity: 1 });
    const view = await opd.getSlot('d1-09');
    expect(view.places.map((t) => t.category)).toEqual(['EMERGENCY', 'PAID']);
    expect(view.overflowUsed).toBe(1);
    expect(await opd.setCapacity('d1-09', 1)).toEqual([]);
  });

  it('setCapacity refuses a capacity below the places that can no longer move', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 3);
    const a = await opd.book(request('d1', 'ONLINE'));
    const b = await opd.book(request('d1', 'ONLINE'));
    await opd.checkIn(a.token.id);
    await opd.checkIn(b.token.id);
    await opd.startConsultation(b.token.id);
    await opd.complete(b.token.id);
    const error = await rejectsWith(opd.setCapacity('d1-09', 1), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'capacity', minimum: 2 });
    expect((await opd.setCapacity('d1-09', 2)).map((x) => x.type)).toEqual(['slot:capacity-changed']);
    await rejectsWith(opd.setCapacity('d1-09', -1), 'VALIDATION_FAILED');
    await rejectsWith(opd.setCapacity('d1-09', 1.5), 'VALIDATION_FAILED');
  });
});

describe('a long chain of cascades', () => {
  it('stops at 256 bumps, however deep `chainDepth` allows: the token displaced last takes the next option', async () => {
    // 2,000 one-place slots, slot i holding a patient of rank i + 1: a patient of rank 0 booked
    // into the first slot bumps each into the next. Every step was a nested call: at 2,000 slots
    // the stack ran out, and the call failed as if the storage had.
    const SLOTS = 2_000;
    const ranks = Object.fromEntries(Array.from({ length: SLOTS + 1 }, (_, i) => [`C${i}`, i]));
    const { opd } = scheduler({
      priority: new CategoryPriority({ ranks }),
      capacity: new NoElasticCapacity(),
      overflow: new RuleOverflow({
        whenFull: { default: ['bump', 'reject'] },
        whenDisplaced: { default: [{ kind: 'cascade', chainDepth: 1e9 }, { kind: 'drop' }] },
        protect: [],
      }),
    });
    await opd.addDoctor({ id: 'd1', name: 'Dr One' });
    const start = at('08:00').getTime();
    await opd.addSlots(
      'd1',
      Array.from({ length: SLOTS }, (_, i) => ({ id: `s${i}`, start: new Date(start + i * 5_000), end: new Date(start + (i + 1) * 5_000), capacity: 1 })),
    );
    for (let i = 0; i < SLOTS; i++) await opd.book({ doctorId: 'd1', category: `C${i + 1}`, patient: { name: `P${i}` }, slotId: `s${i}` });
    const result = await opd.book({ doctorId: 'd1', category: 'C0', patient: { name: 'P' }, slotId: 's0' });
    expect(result.outcome).toBe('BOOKED');
    const counts = (type: string): number => result.effects.filter((e) => e.type === type).length;
    expect(counts('token:bumped')).toBe(257);
    expect(counts('token:dropped')).toBe(1);
    const stats = await opd.stats();
    expect(stats.places).toBe(SLOTS);
    expect(stats.byStatus.DROPPED).toBe(1);
  });
});
