/**
 * Emergency safety (DESIGN §9): every case of issue 10's "Why", as a hospital meets it with the
 * presets as shipped, and the pieces around it (`emergency:unplaced`, `victimWithoutRoom`,
 * custom strategies, aging from when the patient is due).
 */
import {
  AgingPriority,
  CategoryPriority,
  MemoryStorage,
  NoElasticCapacity,
  type StorageAdapter,
  type FullContext,
  type FullOption,
  type OverflowStrategy,
  presets,
  type PriorityPolicy,
  RuleOverflow,
} from 'opd-scheduler';
import type { EmergencyUnplacedEvent } from 'opd-scheduler/events';
import type { Decision, DoctorSnapshot, LoadRequest } from 'opd-scheduler/adapter-kit';
import { describe, expect, it } from 'vitest';
import { DAY, at, doctorWithSlots, observe, queue, rejectsWith, request, scheduler, TestClock } from '../helpers.js';

const types = (effects: readonly { type: string }[]): string[] => effects.map((e) => e.type);

describe('the standard preset: an emergency takes the elastic place a later slot still has', () => {
  /** 09:00 holds a checked-in patient and an emergency on its elastic place; 10:00 one ONLINE and a free elastic place. */
  async function crowdedMorning(): Promise<{ opd: Awaited<ReturnType<typeof scheduler>>['opd']; online: string; first: string }> {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 1 });
    const present = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.checkIn(present.token.id);
    const first = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(first).toMatchObject({ outcome: 'BOOKED', overflow: true, token: { slotId: 'd1-09' } });
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    return { opd, online: online.token.id, first: first.token.id };
  }

  for (const named of [true, false]) {
    it(named ? 'a second emergency naming the full 09:00 slot' : 'a second emergency naming no slot', async () => {
      const { opd, online } = await crowdedMorning();
      const second = await opd.book(request('d1', 'EMERGENCY', named ? { slotId: 'd1-09' } : {}));
      // An elastic place comes before a bump: the ONLINE patient keeps the 10:00 place.
      expect(second).toMatchObject({ outcome: 'BOOKED', overflow: true, token: { slotId: 'd1-10', status: 'BOOKED', position: 1 }, effects: [] });
      expect(await opd.getToken(online)).toMatchObject({ status: 'BOOKED', slotId: 'd1-10', bumpCount: 0, position: 2 });
      expect((await opd.getSlot('d1-10')).overflowUsed).toBe(1);
      expect(await opd.getWaitlist('d1', DAY)).toEqual([]);
    });
  }

  it('a third emergency bumps the ONLINE patient when no elastic place is left, and a fourth waits, reported unplaced', async () => {
    const { opd, online } = await crowdedMorning();
    await opd.book(request('d1', 'EMERGENCY'));
    const third = await opd.book(request('d1', 'EMERGENCY'));
    expect(third).toMatchObject({ outcome: 'BOOKED', overflow: false, token: { slotId: 'd1-10' } });
    expect(third.effects).toEqual([
      expect.objectContaining({ type: 'token:bumped', tokenId: online, fromSlotId: 'd1-10', byTokenId: third.token.id }),
      expect.objectContaining({ type: 'token:waitlisted', tokenId: online, fromSlotId: 'd1-10', reason: 'bumped', waitingForSlotId: null }),
    ]);
    const fourth = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(fourth).toMatchObject({ outcome: 'WAITLISTED', token: { status: 'WAITLISTED', slotId: null, waitingForSlotId: null } });
    expect(fourth.effects).toEqual([
      {
        type: 'emergency:unplaced',
        seq: fourth.effects[0]!.seq,
        at: at('07:00'),
        facilityId: 'default',
        doctorId: 'd1',
        actor: null,
        tokenId: fourth.token.id,
        tokenNumber: fourth.token.tokenNumber,
        label: String(fourth.token.tokenNumber),
        day: DAY,
      },
    ]);
    const history = await opd.history();
    expect(history.at(-2)).toMatchObject({ type: 'token:waitlisted', tokenId: fourth.token.id, reason: 'full' });
    expect(history.at(-1)).toEqual(fourth.effects[0]);
  });
});

describe('seed 004 — elastic: "+2 per slot" for emergencies', () => {
  async function fullMorning(): Promise<Awaited<ReturnType<typeof scheduler>>['opd']> {
    const { opd } = scheduler(presets.elastic({ emergencyOverflow: 2 }));
    await doctorWithSlots(opd, 'd1', [9, 10, 11, 12], 5);
    for (const hour of ['09', '10', '11', '12']) for (let i = 0; i < 5; i++) await opd.book(request('d1', 'ONLINE', { slotId: `d1-${hour}` }));
    return opd;
  }

  it('ten emergencies with no slot named fill two elastic places in each of the four slots, earliest first; two wait', async () => {
    const opd = await fullMorning();
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await opd.book(request('d1', 'EMERGENCY')));
    expect(results.map((r) => r.token.slotId)).toEqual(['d1-09', 'd1-09', 'd1-10', 'd1-10', 'd1-11', 'd1-11', 'd1-12', 'd1-12', null, null]);
    expect(results.map((r) => r.overflow)).toEqual([true, true, true, true, true, true, true, true, false, false]);
    expect(results.map((r) => types(r.effects))).toEqual([[], [], [], [], [], [], [], [], ['emergency:unplaced'], ['emergency:unplaced']]);
    const schedule = await opd.getSchedule('d1', DAY);
    expect(schedule.slots.map((v) => [v.places.length, v.overflowUsed])).toEqual([
      [7, 2],
      [7, 2],
      [7, 2],
      [7, 2],
    ]);
    expect(schedule.waitlist.map((t) => t.id)).toEqual([results[8]!.token.id, results[9]!.token.id]);
  });

  it('an emergency with no slot named takes an elastic place in the current slot before a regular place in the next', async () => {
    const { opd } = scheduler(presets.elastic({ emergencyOverflow: 2 }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY'));
    expect(emergency).toMatchObject({ outcome: 'BOOKED', overflow: true, token: { slotId: 'd1-09' } });
    expect((await opd.getSlot('d1-10')).free).toBe(1);
  });

  it('every waiting emergency that fits is placed by the same call', async () => {
    const opd = await fullMorning();
    const booked = [];
    for (let i = 0; i < 10; i++) booked.push(await opd.book(request('d1', 'EMERGENCY')));
    expect(booked.slice(8).map((r) => r.outcome)).toEqual(['WAITLISTED', 'WAITLISTED']);
    await opd.addSlots('d1', [{ id: 'd1-13', start: `${DAY}T13:00:00Z`, end: `${DAY}T14:00:00Z`, capacity: 0 }]);
    expect((await opd.getSlot('d1-13')).places.map((t) => t.id)).toEqual([booked[8]!.token.id, booked[9]!.token.id]);
    const added = (await opd.history()).slice(-2);
    expect(added.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([
      ['token:promoted', booked[8]!.token.id],
      ['token:promoted', booked[9]!.token.id],
    ]);
  });

  it('a waiting emergency is promoted into an elastic place when a slot is added, and by the cancellation of another emergency', async () => {
    const opd = await fullMorning();
    const booked = [];
    for (let i = 0; i < 9; i++) booked.push(await opd.book(request('d1', 'EMERGENCY')));
    const waiting = booked[8]!;
    expect(waiting.outcome).toBe('WAITLISTED');
    await opd.addSlots('d1', [{ id: 'd1-13', start: `${DAY}T13:00:00Z`, end: `${DAY}T14:00:00Z`, capacity: 0 }]);
    // Capacity 0 but two elastic places: the emergency is promoted into one of them.
    expect(await opd.getToken(waiting.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-13' });
    const tenth = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-12' }));
    expect(tenth.token.slotId).toBe('d1-13');
    const eleventh = await opd.book(request('d1', 'EMERGENCY'));
    expect(eleventh.outcome).toBe('WAITLISTED');
    const cancelled = await opd.cancel(booked[0]!.token.id);
    expect(cancelled.effects).toEqual([expect.objectContaining({ type: 'token:promoted', tokenId: eleventh.token.id, slotId: 'd1-09', fromSlotId: null })]);
  });
});

describe('seed 000 — cascade: an emergency is never refused', () => {
  it('an emergency naming a full slot of checked-in patients gets the empty next slot, not SLOT_FULL', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const present = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.checkIn(present.token.id);
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency).toMatchObject({ outcome: 'BOOKED', overflow: false, token: { slotId: 'd1-10' }, effects: [] });
    // Any other category still meets the preset's rule.
    await rejectsWith(opd.book(request('d1', 'PAID', { slotId: 'd1-09' })), 'SLOT_FULL');
  });

  it('with no place anywhere in the day an emergency waits on the doctor-day waitlist, reported unplaced, and gets the first place freed', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9], 1);
    const present = await opd.book(request('d1', 'WALK_IN'));
    await opd.checkIn(present.token.id);
    const seen: EmergencyUnplacedEvent[] = [];
    opd.on('emergency:unplaced', (e) => seen.push(e));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency).toMatchObject({ outcome: 'WAITLISTED', token: { status: 'WAITLISTED', waitingForSlotId: null, notBefore: at('09:00') } });
    expect(seen).toEqual([expect.objectContaining({ type: 'emergency:unplaced', tokenId: emergency.token.id, doctorId: 'd1', day: DAY })]);
    expect(emergency.effects).toEqual(seen);
    const cancelled = await opd.cancel(present.token.id);
    expect(cancelled.effects).toEqual([expect.objectContaining({ type: 'token:promoted', tokenId: emergency.token.id, slotId: 'd1-09' })]);
    expect(seen).toHaveLength(1);
  });

  it('a displaced emergency is never dropped: it waits, reported unplaced, where the preset drops others', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9], 2);
    const emergency = await opd.book(request('d1', 'EMERGENCY'));
    const walkIn = await opd.book(request('d1', 'WALK_IN'));
    const effects = await opd.closeSlot('d1-09', { reason: 'doctor left' });
    expect(effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([
      ['slot:closed', null],
      ['token:waitlisted', emergency.token.id],
      ['token:dropped', walkIn.token.id],
      ['emergency:unplaced', emergency.token.id],
    ]);
    expect(await opd.getToken(emergency.token.id)).toMatchObject({ status: 'WAITLISTED', waitingForSlotId: null, notBefore: at('09:00') });
  });
});

describe('seed 000 — "double full: the bump fails" (cascade, victimWithoutRoom: keep)', () => {
  it('a bump whose victim cannot move is not made: the request is refused and nothing changes', async () => {
    const { opd } = scheduler(presets.cascade({ victimWithoutRoom: 'keep' }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    const before = await observe(opd, 'd1');
    await rejectsWith(opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' })), 'SLOT_FULL');
    expect(await observe(opd, 'd1')).toEqual(before);
    expect(await opd.getToken(walkIn.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-09', bumpCount: 0 });
  });

  it('a bump whose victim can move is made, and the victim cascades', async () => {
    const { opd } = scheduler(presets.cascade({ victimWithoutRoom: 'keep' }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const follow = await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' }));
    expect(types(follow.effects)).toEqual(['token:bumped', 'token:cascaded']);
    expect(await opd.getToken(walkIn.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-10', bumpCount: 1 });
  });

  it('a chain counts as a move only if its own victim can move', async () => {
    const { opd } = scheduler(presets.cascade({ victimWithoutRoom: 'keep', chainDepth: 1 }));
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-10' }));
    await opd.book(request('d1', 'PAID', { slotId: 'd1-11' }));
    // ONLINE (4) could bump nobody worse in 10:00 (WALK_IN is 4 too): no chain, no bump.
    await rejectsWith(opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' })), 'SLOT_FULL');
    // A PAID bumps ONLINE out of 09:00 only if ONLINE can move on: it cannot (11:00 holds PAID).
    await rejectsWith(opd.book(request('d1', 'PAID', { slotId: 'd1-09' })), 'SLOT_FULL');
    expect([(await opd.getToken(online.token.id)).slotId, (await opd.getToken(walkIn.token.id)).slotId]).toEqual(['d1-09', 'd1-10']);
  });

  it('an emergency whose only bumps would strand their victims goes on to a later slot, else waits', async () => {
    const { opd } = scheduler(presets.cascade({ victimWithoutRoom: 'keep' }));
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-10' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency).toMatchObject({ outcome: 'WAITLISTED', effects: [expect.objectContaining({ type: 'emergency:unplaced' })] });
    expect([(await opd.getToken(walkIn.token.id)).status, (await opd.getToken(paid.token.id)).status]).toEqual(['BOOKED', 'BOOKED']);
    // A new slot gives the walk-in somewhere to go: the emergency now bumps it out of 09:00.
    await opd.addSlots('d1', [{ id: 'd1-11', start: `${DAY}T11:00:00Z`, end: `${DAY}T12:00:00Z`, capacity: 1 }]);
    expect(await opd.getToken(emergency.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
    expect(await opd.getToken(walkIn.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-11', bumpCount: 1 });
  });

  it('the default drops the victim as before, and a bad value is refused naming the option', async () => {
    expect(presets.cascade().overflow.victimWithoutRoom).toBe('displace');
    expect(presets.cascade({ victimWithoutRoom: 'drop' }).overflow.victimWithoutRoom).toBe('displace');
    expect(presets.cascade({ victimWithoutRoom: 'keep' }).overflow.victimWithoutRoom).toBe('keep');
    for (const bad of ['Keep', 'displace', 'DROP', 1, true]) {
      let error: unknown;
      try {
        presets.cascade({ victimWithoutRoom: bad as 'keep' });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'victimWithoutRoom' } });
      expect((error as Error).message).toMatch(/^Expected `victimWithoutRoom` to be 'drop' or 'keep', got /);
    }
    expect(() => new RuleOverflow({ victimWithoutRoom: 'drop' as 'keep' })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        message: "Expected `victimWithoutRoom` to be 'displace' or 'keep', got `drop`",
        details: expect.objectContaining({ field: 'victimWithoutRoom' }),
      }),
    );
    for (const protect of ['EMERGENCY', ['EMERGENCY', 1]]) {
      expect(() => new RuleOverflow({ protect: protect as string[] })).toThrow(
        expect.objectContaining({ message: 'Expected `protect` to be an array of category names', details: expect.objectContaining({ field: 'protect' }) }),
      );
    }
  });
});

describe('displaced emergencies and the promotions at the end of every call', () => {
  it('an emergency displaced by a closed slot takes the elastic place of the next slot, before a free place later', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1, { overflowCapacity: 1 });
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const effects = await opd.closeSlot('d1-09');
    expect(effects.map((e) => e.type)).toEqual(['slot:closed', 'token:cascaded']);
    expect(effects[1]).toMatchObject({ tokenId: emergency.token.id, fromSlotId: 'd1-09', toSlotId: 'd1-10', reason: 'slot-closed' });
    expect((await opd.getSlot('d1-10')).overflowUsed).toBe(1);
    expect((await opd.getSlot('d1-11')).free).toBe(1);
  });

  it('an emergency above a lowered capacity keeps an elastic place the slot still grants it, rather than move on', async () => {
    const { opd } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 1 });
    const emergency = await opd.book(request('d1', 'EMERGENCY'));
    const effects = await opd.setCapacity('d1-09', 0);
    expect(effects.map((e) => e.type)).toEqual(['slot:capacity-changed']);
    expect(await opd.getSlot('d1-09')).toMatchObject({ free: 0, overflowUsed: 1 });
    expect((await opd.getToken(emergency.token.id)).slotId).toBe('d1-09');
    expect(await opd.setCapacity('d1-09', 0, { dryRun: true })).toEqual([]);
  });

  it('lowering a capacity moves no emergency its slot still grants an elastic place: nobody later is bumped for it', async () => {
    for (const later of [false, true]) {
      const { opd } = scheduler(presets.standard());
      await doctorWithSlots(opd, 'd1', [9], 3, { overflowCapacity: 2 });
      if (later) await opd.addSlots('d1', [{ id: 'd1-10', start: at('10:00'), end: at('11:00'), capacity: 1, overflowCapacity: 0 }]);
      const emergencies = [await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' })), await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }))];
      const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
      const waiting = later ? await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' })) : undefined;
      // Capacity 3 to 0: the emergencies fill the two elastic places; the online patient leaves.
      const preview = await opd.setCapacity('d1-09', 0, { dryRun: true });
      const effects = await opd.setCapacity('d1-09', 0);
      expect(effects.map((e) => ({ ...e, seq: 0 }))).toEqual(preview);
      const moved = effects.flatMap((e) => ('tokenId' in e ? [e.tokenId] : []));
      expect(moved.length).toBeGreaterThan(0);
      expect(
        moved.every((id) => id === online.token.id),
        JSON.stringify(effects),
      ).toBe(true);
      for (const e of emergencies) expect((await opd.getToken(e.token.id)).slotId).toBe('d1-09');
      expect(await opd.getSlot('d1-09')).toMatchObject({ free: 0, overflowUsed: 2 });
      if (waiting !== undefined) expect((await opd.getToken(waiting.token.id)).slotId).toBe('d1-10');
    }
  });

  it('a waiting emergency goes before other waiting tokens, whatever the ranks', async () => {
    // EMERGENCY ranks last here, but it is still the one protected.
    const ranks = { EMERGENCY: 5, PAID: 1, FOLLOW_UP: 2, ONLINE: 3, WALK_IN: 4 };
    const { opd, clock } = scheduler({ priority: new CategoryPriority({ ranks }), overflow: new RuleOverflow({ whenFull: { default: ['waitlist'] } }) });
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const online = await opd.book(request('d1', 'ONLINE'));
    const emergency = await opd.book(request('d1', 'EMERGENCY'));
    clock.advance(1);
    const paid = await opd.book(request('d1', 'PAID'));
    expect([emergency.outcome, paid.outcome]).toEqual(['WAITLISTED', 'WAITLISTED']);
    const cancelled = await opd.cancel(online.token.id);
    expect(cancelled.effects).toEqual([expect.objectContaining({ type: 'token:promoted', tokenId: emergency.token.id })]);
    expect((await opd.getWaitlist('d1', DAY)).map((t) => t.id)).toEqual([paid.token.id]);
  });

  it('an emergency without a date takes the next day when today has no room for it by any means', async () => {
    const { opd } = scheduler(presets.waitlist());
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.addSlots('d1', [{ id: 'd1-next', start: '2026-01-31T09:00:00Z', end: '2026-01-31T10:00:00Z', capacity: 1 }]);
    const present = await opd.book(request('d1', 'WALK_IN'));
    await opd.checkIn(present.token.id);
    const emergency = await opd.book(request('d1', 'EMERGENCY'));
    expect(emergency).toMatchObject({ outcome: 'BOOKED', token: { day: '2026-01-31', slotId: 'd1-next' } });
    // Today a bump is possible again: the day of the earliest room wins, even by a bump.
    await opd.cancel(present.token.id);
    const online = await opd.book(request('d1', 'ONLINE'));
    const second = await opd.book(request('d1', 'EMERGENCY'));
    expect(second).toMatchObject({ token: { day: DAY, slotId: 'd1-09' } });
    expect(second.effects).toEqual([
      expect.objectContaining({ type: 'token:bumped', tokenId: online.token.id, fromSlotId: 'd1-09' }),
      expect.objectContaining({ type: 'token:waitlisted', tokenId: online.token.id, waitingForSlotId: 'd1-09', reason: 'bumped' }),
    ]);
  });
});

describe('custom overflow strategies say which requests are protected', () => {
  const table = (options: Readonly<Record<string, readonly FullOption[]>>) => (c: FullContext) => options[c.category] ?? options['default'] ?? ['reject'];
  const plain = (whenFull: (c: FullContext) => readonly FullOption[], extra: Partial<OverflowStrategy> = {}): OverflowStrategy => ({
    name: 'plain',
    waitlist: 'day',
    bumpLimit: Number.POSITIVE_INFINITY,
    victimOrder: 'latest',
    whenFull,
    whenDisplaced: () => [{ kind: 'drop' }],
    ...extra,
  });

  it('a strategy without protection() protects EMERGENCY, bumping where whenFull offers it', async () => {
    const { opd } = scheduler({ overflow: plain(table({ EMERGENCY: ['bump'], default: ['reject'] })) });
    await doctorWithSlots(opd, 'd1', [9, 10], 1, { overflowCapacity: 0 });
    const present = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.checkIn(present.token.id);
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency).toMatchObject({ outcome: 'BOOKED', token: { slotId: 'd1-10' } });
    expect(types(emergency.effects)).toEqual(['token:bumped', 'token:dropped']);
    expect((await opd.getToken(online.token.id)).status).toBe('DROPPED');
    // Only where whenFull offers it: with ['reject'] for emergencies there is no bump, and no refusal.
    const strict = scheduler({ overflow: plain(table({ default: ['reject'] })) }).opd;
    await doctorWithSlots(strict, 'd1', [9], 1, { overflowCapacity: 0 });
    const booked = await strict.book(request('d1', 'ONLINE'));
    expect(await strict.book(request('d1', 'EMERGENCY'))).toMatchObject({
      outcome: 'WAITLISTED',
      effects: [expect.objectContaining({ type: 'emergency:unplaced' })],
    });
    expect((await strict.getToken(booked.token.id)).status).toBe('BOOKED');
  });

  it('protection() names the protected requests and whether the core may bump for them', async () => {
    const priority = new CategoryPriority({ ranks: { EMERGENCY: 1, VIP: 2, WALK_IN: 3 } });
    const asked: string[] = [];
    const overflow = plain(table({ default: ['reject'] }), {
      protection: (c) => {
        asked.push(c.category);
        return c.category === 'VIP' ? { bump: true } : null;
      },
    });
    const { opd } = scheduler({ priority, overflow });
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const walkIn = await opd.book(request('d1', 'WALK_IN'));
    const vip = await opd.book(request('d1', 'VIP'));
    expect(vip).toMatchObject({ outcome: 'BOOKED', token: { slotId: 'd1-09' } });
    expect(types(vip.effects)).toEqual(['token:bumped', 'token:dropped']);
    expect((await opd.getToken(walkIn.token.id)).status).toBe('DROPPED');
    expect(asked).toContain('VIP');
    // EMERGENCY is not protected by this strategy: its whenFull refuses it.
    await rejectsWith(opd.book(request('d1', 'EMERGENCY')), 'SLOT_FULL');
    const secondVip = await opd.book(request('d1', 'VIP'));
    expect(secondVip).toMatchObject({ outcome: 'WAITLISTED', effects: [expect.objectContaining({ type: 'emergency:unplaced', tokenId: secondVip.token.id })] });
  });

  it('without protection(), a bump is allowed where whenFull offers it for that slot, told whether the request named it', async () => {
    const seen: boolean[] = [];
    const overflow = plain((c) => {
      if (c.category === 'EMERGENCY') seen.push(c.requestedSlot);
      return c.category === 'EMERGENCY' && c.requestedSlot ? ['bump'] : ['reject'];
    });
    const { opd } = scheduler({ overflow });
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1, { overflowCapacity: 0 });
    const nine = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const ten = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    // Named 09:00: asked about 09:00 as the named slot, it bumps there.
    const named = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(named).toMatchObject({ outcome: 'BOOKED', token: { slotId: 'd1-09' } });
    expect(named.effects).toEqual([
      expect.objectContaining({ type: 'token:bumped', tokenId: nine.token.id }),
      expect.objectContaining({ type: 'token:dropped', tokenId: nine.token.id }),
    ]);
    expect(seen).toEqual([true]);
    // No slot named: no bump in 10:00, but the free 11:00 place.
    const other = await opd.book(request('d1', 'EMERGENCY'));
    expect(other).toMatchObject({ outcome: 'BOOKED', token: { slotId: 'd1-11' }, effects: [] });
    expect(seen).toEqual([true, false, false]);
    // A third waits; the end of a later call asks again, about no named slot, and still does not bump.
    const third = await opd.book(request('d1', 'EMERGENCY'));
    expect(third.outcome).toBe('WAITLISTED');
    await opd.addSlots('d1', [{ id: 'd1-12', start: `${DAY}T12:00:00Z`, end: `${DAY}T13:00:00Z`, capacity: 0, overflowCapacity: 0 }]);
    expect((await opd.getToken(third.token.id)).status).toBe('WAITLISTED');
    expect(await opd.getToken(ten.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-10' });
  });

  it('a strategy that throws while the emergency rule asks it fails the call naming it, and changes nothing', async () => {
    const throwing = (): never => {
      throw new Error('boom');
    };
    const byWhenFull = scheduler({ overflow: plain((c) => (c.category === 'EMERGENCY' ? throwing() : ['reject'])) }).opd;
    await doctorWithSlots(byWhenFull, 'd1', [9], 1, { overflowCapacity: 0 });
    await byWhenFull.book(request('d1', 'ONLINE'));
    const before = await observe(byWhenFull, 'd1');
    expect((await rejectsWith(byWhenFull.book(request('d1', 'EMERGENCY')), 'VALIDATION_FAILED')).details).toMatchObject({
      field: 'overflow strategy',
      strategy: 'plain',
    });
    expect(await observe(byWhenFull, 'd1')).toEqual(before);
    const capacity = { name: 'fragile', elasticPlaces: (c: { category: string }) => (c.category === 'EMERGENCY' ? throwing() : 0) };
    const byCapacity = scheduler({ capacity }).opd;
    await doctorWithSlots(byCapacity, 'd1', [9], 1);
    await byCapacity.book(request('d1', 'ONLINE'));
    expect((await rejectsWith(byCapacity.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' })), 'VALIDATION_FAILED')).details).toMatchObject({
      field: 'capacity strategy',
      strategy: 'fragile',
    });
  });

  it('waiting protected requests are placed best rank first', async () => {
    const priority = new CategoryPriority({ ranks: { VIP: 1, EMERGENCY: 2, WALK_IN: 3 } });
    const overflow = new RuleOverflow({ whenFull: { default: ['waitlist'] }, protect: ['EMERGENCY', 'VIP'] });
    const { opd } = scheduler({ priority, overflow });
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const present = await opd.book(request('d1', 'WALK_IN'));
    await opd.checkIn(present.token.id);
    const emergency = await opd.book(request('d1', 'EMERGENCY'));
    const vip = await opd.book(request('d1', 'VIP'));
    expect([emergency.outcome, vip.outcome]).toEqual(['WAITLISTED', 'WAITLISTED']);
    const cancelled = await opd.cancel(present.token.id);
    expect(cancelled.effects).toEqual([expect.objectContaining({ type: 'token:promoted', tokenId: vip.token.id })]);
  });

  it('RuleOverflow protects the categories of `protect`, and nobody with `[]`', async () => {
    const none = new RuleOverflow({ whenFull: { default: ['reject'] }, protect: [] });
    expect(none.protection({ category: 'EMERGENCY', patient: { name: 'x' }, now: new Date(0) })).toBeNull();
    const paid = new RuleOverflow({ whenFull: { PAID: ['bump', 'reject'], default: ['reject'] }, protect: ['PAID', 'WALK_IN'] });
    expect(paid.protection({ category: 'PAID', patient: { name: 'x' }, now: new Date(0) })).toEqual({ bump: true });
    expect(paid.protection({ category: 'WALK_IN', patient: { name: 'x' }, now: new Date(0) })).toEqual({ bump: false });
    expect(paid.protection({ category: 'EMERGENCY', patient: { name: 'x' }, now: new Date(0) })).toBeNull();
    const { opd } = scheduler({ overflow: none });
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    await opd.book(request('d1', 'ONLINE'));
    await rejectsWith(opd.book(request('d1', 'EMERGENCY')), 'SLOT_FULL');
  });

  it('a protection() that throws fails the call with an OpdError naming the strategy, and changes nothing', async () => {
    const overflow = plain(table({ default: ['reject'] }), {
      protection: () => {
        throw new Error('boom');
      },
    });
    const { opd } = scheduler({ overflow });
    await doctorWithSlots(opd, 'd1', [9], 1);
    const before = await observe(opd, 'd1');
    const error = await rejectsWith(opd.book(request('d1', 'EMERGENCY')), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field: 'overflow strategy', strategy: 'plain' });
    expect(await observe(opd, 'd1')).toEqual(before);
  });
});

describe('aging counts from when the patient is due', () => {
  it('an ONLINE booking made two days ahead does not queue before a PAID patient who registered this morning', async () => {
    const clock = new TestClock('2026-01-28T07:00:00Z');
    const { opd } = scheduler({ priority: new AgingPriority({ everyMinutes: 30 }) }, clock);
    await doctorWithSlots(opd, 'd1', [9, 10], 5);
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const dated = await opd.book(request('d1', 'ONLINE', { date: DAY }));
    const after = await opd.book(request('d1', 'ONLINE', { after: at('08:00') }));
    clock.set(at('08:30'));
    const paid = await opd.book(request('d1', 'PAID', { slotId: 'd1-09' }));
    // Due at 09:00 (its slot): not aged yet. Due at 08:00 (after): aged once. Due at midnight
    // (its day): aged to the floor, 2, where request time breaks the tie with the PAID patient.
    const ranks = await Promise.all([online, dated, after, paid].map(async (r) => (await opd.getToken(r.token.id)).rank));
    expect(ranks).toEqual([4, 2, 3, 2]);
    expect(await queue(opd, 'd1-09')).toEqual([dated.token.tokenNumber, paid.token.tokenNumber, after.token.tokenNumber, online.token.tokenNumber]);
    clock.set(at('10:00')); // a change of the day re-ranks: ONLINE is now an hour past due
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-10' }));
    expect((await opd.getToken(online.token.id)).rank).toBe(2);
  });

  it('the rank context carries dueAt: the later of the request and the start of the slot asked for', async () => {
    const seen: { requestedAt: number; dueAt: number }[] = [];
    const inner = new CategoryPriority();
    const priority = {
      name: 'spy',
      categories: inner.categories,
      accepts: (c: string) => inner.accepts(c),
      rank: (ctx: Parameters<CategoryPriority['rank']>[0]) => {
        seen.push({ requestedAt: ctx.requestedAt.getTime(), dueAt: ctx.dueAt.getTime() });
        return inner.rank(ctx);
      },
    };
    const { opd, clock } = scheduler({ priority });
    await doctorWithSlots(opd, 'd1', [9, 10], 1);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    clock.set(at('09:30'));
    await opd.book(request('d1', 'WALK_IN'));
    expect(seen).toEqual([
      { requestedAt: at('07:00').getTime(), dueAt: at('10:00').getTime() },
      { requestedAt: at('09:30').getTime(), dueAt: at('09:30').getTime() },
    ]);
  });
});

describe('the emergency rule at its edges', () => {
  const NEXT = '2026-01-31';
  const slotsOn = (day: string, hours: readonly number[], capacity: number, overflowCapacity: number) =>
    hours.map((h) => {
      const hh = String(h).padStart(2, '0');
      return {
        id: `${day === DAY ? 'd1' : day === NEXT ? 'n1' : day}-${hh}`,
        start: `${day}T${hh}:00:00Z`,
        end: `${day}T${String(h + 1).padStart(2, '0')}:00:00Z`,
        capacity,
        overflowCapacity,
      };
    });

  /** An adapter that records the days each unit of work asks to load. */
  function recording(): { storage: StorageAdapter; loads: (readonly string[] | undefined)[] } {
    const inner: StorageAdapter = new MemoryStorage();
    const loads: (readonly string[] | undefined)[] = [];
    const storage: StorageAdapter = {
      name: 'recording',
      transact: <R>(request: LoadRequest, decide: (snapshot: DoctorSnapshot) => Decision<R>) => {
        loads.push(request.days);
        return inner.transact(request, (snapshot) => {
          const decision = decide(snapshot);
          if (decision.kind === 'load') loads.push(decision.request.days);
          return decision;
        });
      },
      read: (request) => inner.read(request),
      listDoctors: () => inner.listDoctors(),
      allocateId: (kind) => inner.allocateId(kind),
      findDueDays: (cutoff) => inner.findDueDays(cutoff),
      scanDays: (filter) => inner.scanDays(filter),
      history: (after, limit) => inner.history(after, limit),
      close: () => inner.close(),
    } satisfies StorageAdapter;
    return { storage, loads };
  }

  it('without a date, an emergency reads the days up to the first with a free place, and gets in on the first it can', async () => {
    const { storage, loads } = recording();
    const { opd } = scheduler({ ...presets.waitlist(), storage });
    await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    await opd.addSlots('d1', [...slotsOn(DAY, [9], 1, 0), ...slotsOn(NEXT, [9], 1, 0), ...slotsOn('2026-02-01', [9], 1, 0)]);
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    loads.length = 0;
    const emergency = await opd.book(request('d1', 'EMERGENCY'));
    expect(loads).toEqual([undefined, [DAY, NEXT]]);
    expect(emergency).toMatchObject({ token: { day: DAY, slotId: 'd1-09' } });
    expect(types(emergency.effects)).toEqual(['token:bumped', 'token:waitlisted']);
    expect(emergency.effects[0]).toMatchObject({ tokenId: online.token.id });
  });

  it('an elastic place ends the search of days as a free place does', async () => {
    const { storage, loads } = recording();
    const { opd } = scheduler({ ...presets.standard(), storage });
    await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    await opd.addSlots('d1', [...slotsOn(DAY, [9], 1, 1), ...slotsOn(NEXT, [9], 1, 0)]);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    loads.length = 0;
    expect(await opd.book(request('d1', 'EMERGENCY'))).toMatchObject({ overflow: true, token: { day: DAY, slotId: 'd1-09' } });
    expect(loads).toEqual([undefined, [DAY]]);
  });

  it('a day that has room only before `after` is passed over', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    await opd.addSlots('d1', [...slotsOn(DAY, [9], 1, 2), ...slotsOn(DAY, [11], 1, 0), ...slotsOn(NEXT, [9], 1, 0)]);
    const present = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-11' }));
    await opd.checkIn(present.token.id);
    clock.set(at('08:00'));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { after: at('10:00') }));
    expect(emergency).toMatchObject({ outcome: 'BOOKED', token: { day: NEXT, slotId: 'n1-09', notBefore: at('10:00') } });
  });

  it('days whose slots are closed or have ended count for nobody', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    await opd.addSlots('d1', [...slotsOn(DAY, [9, 11], 1, 2), ...slotsOn(NEXT, [9], 2, 0)]);
    await opd.closeSlot('d1-11');
    clock.set(at('10:00')); // 09:00 ends now
    expect((await opd.book(request('d1', 'WALK_IN'))).token).toMatchObject({ day: NEXT, slotId: 'n1-09' });
    expect((await opd.book(request('d1', 'EMERGENCY'))).token).toMatchObject({ day: NEXT, slotId: 'n1-09' });
  });

  it('a place a lapsed hold leaves goes to the emergency already waiting: a new one without a date goes on to the next day with room', async () => {
    const { opd, clock } = scheduler(presets.standard({ emergencyOverflow: 0 }));
    await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    await opd.addSlots('d1', [...slotsOn(DAY, [9, 10], 1, 0), ...slotsOn(NEXT, [9], 1, 0)]);
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    // An emergency's hold: of the waiting emergency's own rank, so no bump of its may fall on it.
    const held = await opd.hold({ ...request('d1', 'EMERGENCY', { slotId: 'd1-10' }), holdMinutes: 5 });
    const waiting = await opd.book(request('d1', 'EMERGENCY', { date: DAY }));
    expect(waiting.outcome).toBe('WAITLISTED');
    clock.advance(10); // the hold has ended; nobody swept
    const emergency = await opd.book(request('d1', 'EMERGENCY'));
    // As after a sweep: the waiting emergency takes the lapsed hold's place, the new one the next day's free place.
    expect(emergency).toMatchObject({ outcome: 'BOOKED', token: { day: NEXT, slotId: 'n1-09' } });
    expect(emergency.effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([
      ['token:expired', held.token.id],
      ['token:promoted', waiting.token.id],
    ]);
    expect(await opd.getToken(waiting.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-10' });
  });

  it('without protection(), the days of an emergency with no date are tried asking whenFull about no named slot', async () => {
    const overflow: OverflowStrategy = {
      name: 'named-only',
      waitlist: 'day',
      bumpLimit: Number.POSITIVE_INFINITY,
      victimOrder: 'latest',
      whenFull: (c) => (c.requestedSlot ? ['bump'] : ['reject']),
      whenDisplaced: () => [{ kind: 'drop' }],
    };
    const { opd } = scheduler({ ...presets.standard(), overflow });
    await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    await opd.addSlots('d1', [...slotsOn(DAY, [9, 10], 1, 0), ...slotsOn(NEXT, [9], 1, 0)]);
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const ten = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    expect((await opd.book(request('d1', 'EMERGENCY'))).token).toMatchObject({ day: NEXT, slotId: 'n1-09' });
    // Displaced from a closed slot, an emergency is not asking for a named slot either: it waits.
    const named = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(named.token.slotId).toBe('d1-09');
    const closed = await opd.closeSlot('d1-09');
    expect(closed.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([
      ['slot:closed', null],
      ['token:waitlisted', named.token.id],
      ['emergency:unplaced', named.token.id],
    ]);
    expect((await opd.getToken(ten.token.id)).slotId).toBe('d1-10');
  });

  it('a displaced emergency bumps its way into the next slot; its victim moves one step deep', async () => {
    const { opd } = scheduler(presets.standard({ chainDepth: 1 }));
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1, { overflowCapacity: 0 });
    const emergency = await opd.book(request('d1', 'EMERGENCY'));
    const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-11' }));
    const effects = await opd.closeSlot('d1-09');
    expect(effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null])).toEqual([
      ['slot:closed', null],
      ['token:cascaded', emergency.token.id],
      ['token:bumped', online.token.id],
      ['token:waitlisted', online.token.id],
    ]);
    expect(effects[2]).toMatchObject({ fromSlotId: 'd1-10', byTokenId: emergency.token.id });
    expect(effects[3]).toMatchObject({ fromSlotId: 'd1-10', reason: 'bumped' });
    expect(await opd.getToken(walkIn.token.id)).toMatchObject({ slotId: 'd1-11', bumpCount: 0 });
  });

  describe("victimWithoutRoom: 'keep' with protected and chained victims", () => {
    const priority = new CategoryPriority({ ranks: { VIP: 1, EMERGENCY: 2, WALK_IN: 3 } });
    const overflow = new RuleOverflow({ whenFull: { VIP: ['bump', 'reject'], EMERGENCY: ['bump'], default: ['reject'] }, victimWithoutRoom: 'keep' });

    it('a protected victim can move only where the emergency rule finds it a later place', async () => {
      const { opd } = scheduler({ priority, overflow, capacity: new NoElasticCapacity() });
      await doctorWithSlots(opd, 'd1', [9, 10], 1);
      const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
      const walkIn = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-10' }));
      const before = await observe(opd, 'd1');
      // The emergency could only move by bumping the walk-in, who could not move: no bump.
      await rejectsWith(opd.book(request('d1', 'VIP', { slotId: 'd1-09' })), 'SLOT_FULL');
      expect(await observe(opd, 'd1')).toEqual(before);
      await opd.addSlots('d1', [{ id: 'd1-11', start: `${DAY}T11:00:00Z`, end: `${DAY}T12:00:00Z`, capacity: 1 }]);
      const vip = await opd.book(request('d1', 'VIP', { slotId: 'd1-09' }));
      expect(vip.effects.map((e) => [e.type, 'tokenId' in e ? e.tokenId : null, 'toSlotId' in e ? e.toSlotId : null])).toEqual([
        ['token:bumped', emergency.token.id, null],
        ['token:cascaded', emergency.token.id, 'd1-10'],
        ['token:bumped', walkIn.token.id, null],
        ['token:cascaded', walkIn.token.id, 'd1-11'],
      ]);
    });

    it('a victim whose options wait before they cascade cannot move', async () => {
      const waitsFirst = new RuleOverflow({
        whenFull: { default: ['bump', 'reject'] },
        whenDisplaced: { bumped: [{ kind: 'waitlist' }, { kind: 'cascade' }] },
        victimWithoutRoom: 'keep',
      });
      const { opd } = scheduler({ ...presets.standard(), overflow: waitsFirst, capacity: new NoElasticCapacity() });
      await doctorWithSlots(opd, 'd1', [9, 10], 1);
      await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
      await rejectsWith(opd.book(request('d1', 'PAID', { slotId: 'd1-09' })), 'SLOT_FULL');
      expect((await opd.getSlot('d1-10')).free).toBe(1);
    });

    it('a chain is a way to move only if the token it bumps can move in turn', async () => {
      const { opd } = scheduler(presets.cascade({ victimWithoutRoom: 'keep', chainDepth: 1 }));
      await doctorWithSlots(opd, 'd1', [9, 10], 1);
      const follow = await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' }));
      const online = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
      await rejectsWith(opd.book(request('d1', 'PAID', { slotId: 'd1-09' })), 'SLOT_FULL');
      expect([(await opd.getToken(follow.token.id)).slotId, (await opd.getToken(online.token.id)).slotId]).toEqual(['d1-09', 'd1-10']);
    });
  });

  it('chooses the day with the rank the emergency will be booked with, its `after` counted in its due time', async () => {
    // A policy of the host's own: an emergency due from 10:00 on ranks below everyone, so it may bump nobody.
    const ten = at('10:00').getTime();
    const inner = new CategoryPriority();
    const late: PriorityPolicy = {
      name: 'late-emergencies',
      categories: inner.categories,
      accepts: (category) => inner.accepts(category),
      rank: (context) => (context.category === 'EMERGENCY' && context.dueAt.getTime() >= ten ? 9 : inner.rank(context)),
    };
    const { opd } = scheduler({ ...presets.standard(), priority: late }, new TestClock(at('07:00')));
    await doctorWithSlots(opd, 'd1', [10], 1, { overflowCapacity: 0 });
    await opd.addSlots('d1', [{ id: 'd1-next-10', start: at('10:00', '2026-01-31'), end: at('11:00', '2026-01-31'), capacity: 1 }]);
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-10' }));
    // Today it could only bump the walk-in, which its rank does not allow: the next day's free place.
    const emergency = await opd.book(request('d1', 'EMERGENCY', { after: at('10:00') }));
    expect(emergency.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-next-10' });
  });
});

describe('views list waiting emergencies where they are promoted: first', () => {
  it('a slot’s and a day’s waitlist put a waiting emergency before a better-ranked patient, as the promotion does', async () => {
    // A policy that ranks paid patients above emergencies: the emergency rule still places them first.
    const priority = new CategoryPriority({ ranks: { PAID: 1, FOLLOW_UP: 2, EMERGENCY: 3, ONLINE: 4, WALK_IN: 5 } });
    const { opd } = scheduler({ ...presets.standard(), priority });
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const first = await opd.book(request('d1', 'ONLINE'));
    await opd.checkIn(first.token.id);
    const urgent = await opd.book(request('d1', 'EMERGENCY'));
    const paid = await opd.book(request('d1', 'PAID'));
    expect([urgent.outcome, paid.outcome]).toEqual(['WAITLISTED', 'WAITLISTED']);
    const order = [urgent.token.id, paid.token.id];
    expect((await opd.getSlot('d1-09')).waitlist.map((t) => t.id)).toEqual(order);
    expect((await opd.getWaitlist('d1', DAY)).map((t) => t.id)).toEqual(order);
    expect((await opd.getSchedule('d1', DAY)).waitlist.map((t) => t.id)).toEqual(order);
    const freed = await opd.cancel(first.token.id);
    expect(freed.effects.filter((e) => e.type === 'token:promoted').map((e) => ('tokenId' in e ? e.tokenId : ''))).toEqual([order[0]]);
  });
});
