import { MemoryStorage, OPD_EVENT_TYPES, type OpdEvent, type OverflowStrategy, RuleOverflow, presets, StagedOffers } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/storage/event-log.js';
import type { DoctorSnapshot } from '../../src/model/snapshot.js';
import { DAY, at, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

/** Days in which every kind of event happens. */
async function eventfulDay(): Promise<OpdEvent[]> {
  const { opd, clock } = scheduler(presets.waitlist());
  await doctorWithSlots(opd, 'd1', [9, 10, 11, 12], 1);
  await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' })); // booked
  await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' })); // booked, bumped, waitlisted
  const c = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
  await opd.cancel(c.token.id, { reason: 'travel' }); // cancelled
  await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
  await opd.setCapacity('d1-10', 2); // capacity-changed
  await opd.closeSlot('d1-10', { reason: 'doctor left' }); // closed, cascaded
  await opd.reopenSlot('d1-10'); // reopened
  const paid = await opd.book(request('d1', 'PAID', { date: DAY }));
  await opd.checkIn(paid.token.id); // checked-in
  await opd.startConsultation(paid.token.id); // consultation-started
  await opd.complete(paid.token.id); // completed
  clock.set(at('09:30'));
  await opd.sweep(at('09:30')); // no-show, promoted
  const mover = await opd.book(request('d1', 'ONLINE', { date: DAY }));
  await opd.move(mover.token.id, { after: at('10:00') }); // moved
  const cascade = scheduler(presets.cascade());
  await doctorWithSlots(cascade.opd, 'd2', [9], 1);
  await cascade.opd.book(request('d2', 'WALK_IN'));
  const bumper = await cascade.opd.book(request('d2', 'PAID')); // bumped, dropped
  await cascade.opd.checkIn(bumper.token.id);
  await cascade.opd.book(request('d2', 'EMERGENCY')); // waitlisted, emergency:unplaced
  const holds = scheduler(presets.standard());
  await doctorWithSlots(holds.opd, 'd3', [9], 3);
  const kept = await holds.opd.hold({ ...request('d3', 'ONLINE'), holdMinutes: 10 }); // held
  await holds.opd.confirm(kept.token.id); // confirmed
  const given = await holds.opd.hold({ ...request('d3', 'ONLINE'), holdMinutes: 10 });
  await holds.opd.release(given.token.id); // released
  await holds.opd.hold({ ...request('d3', 'ONLINE'), holdMinutes: 10 });
  holds.clock.advance(10);
  await holds.opd.sweep(); // expired
  await holds.opd.checkIn(kept.token.id);
  await holds.opd.callNext('d3', { room: '2' }); // called
  await holds.opd.cancel(kept.token.id);
  await holds.opd.reinstate(kept.token.id); // reinstated
  await holds.opd.updateDoctor('d3', { room: '7', consultMinutes: 6 }); // doctor:updated
  await holds.opd.retireDoctor('d3', { from: at('23:00'), reason: 'retired' }); // doctor:retired
  const offers = scheduler({ ...presets.standard(), offers: new StagedOffers({ windowMinutes: 10, groupSize: 2 }) });
  await doctorWithSlots(offers.opd, 'd4', [9], 1, { overflowCapacity: 0 });
  const first = await offers.opd.book(request('d4', 'ONLINE'));
  await offers.opd.book(request('d4', 'ONLINE'));
  await offers.opd.book(request('d4', 'ONLINE'));
  await offers.opd.book(request('d4', 'ONLINE'));
  const cancelled = await offers.opd.cancel(first.token.id); // offered
  const [a, b] = cancelled.effects.filter((e) => e.type === 'token:offered');
  const accepted = await offers.opd.acceptOffer(b!.offerId); // offer-accepted, offer-lapsed
  expect(a).toBeDefined();
  const again = await offers.opd.cancel(accepted.token.id); // offered
  const next = again.effects.find((e) => e.type === 'token:offered');
  await offers.opd.declineOffer(next!.offerId); // offer-declined
  await offers.opd.book(request('d4', 'EMERGENCY', { slotId: 'd4-09' })); // offer-withdrawn
  const closing = scheduler({ closeOut: { carryForward: true } });
  await doctorWithSlots(closing.opd, 'd4', [9], 1);
  await closing.opd.addSlots('d4', [{ id: 'd4-next', start: '2026-01-31T09:00:00Z', end: '2026-01-31T10:00:00Z', capacity: 1 }]);
  await closing.opd.book(request('d4', 'ONLINE', { slotId: 'd4-09' }));
  await closing.opd.book(request('d4', 'ONLINE', { date: DAY }));
  closing.clock.set(at('10:00'));
  await closing.opd.closeDay('d4', DAY); // carried, day:closed
  const erasing = scheduler(presets.standard());
  await doctorWithSlots(erasing.opd, 'd4', [9], 3);
  const erased = await erasing.opd.book(request('d4', 'ONLINE', { patientId: 'to-erase' }));
  await erasing.opd.cancel(erased.token.id);
  await erasing.opd.erasePatient('to-erase', { reason: 'request' }); // patient:erased
  const told = scheduler({ ...presets.standard(), notify: { turnNear: { minutes: 180 }, etaChangedMinutes: 5 } });
  await doctorWithSlots(told.opd, 'd4', [9], 3);
  await told.opd.book(request('d4', 'ONLINE')); // turn-near
  await told.opd.book(request('d4', 'EMERGENCY')); // eta-changed
  const desks = scheduler(presets.standard());
  await doctorWithSlots(desks.opd, 'd5', [9], 3);
  const kept5 = await desks.opd.leaseCapacity({ deskId: 'D1', doctorId: 'd5', date: DAY, places: 1, ttlMinutes: 60 }); // lease:granted
  await desks.opd.returnLease(kept5); // lease:returned
  await desks.opd.leaseCapacity({ deskId: 'D2', doctorId: 'd5', date: DAY, places: 1, ttlMinutes: 10 });
  desks.clock.advance(10);
  await desks.opd.sweep(); // lease:expired
  await desks.opd.pauseDoctor('d5', { minutes: 10, reason: 'tea' }); // doctor:paused
  await desks.opd.resumeDoctor('d5'); // doctor:resumed
  const visits = scheduler({ ...presets.standard(), servicePoints: [{ id: 'lab', kind: 'lab' }] });
  await doctorWithSlots(visits.opd, 'd6', [9], 3);
  const visit = await visits.opd.book(request('d6', 'ONLINE'));
  await visits.opd.checkIn(visit.token.id);
  await visits.opd.forward(visit.token.id, { to: 'lab', reason: 'CBC' }); // forwarded
  await visits.opd.callNext({ servicePoint: 'lab' }); // called at a service point
  const coming = scheduler({ ...presets.standard(), followUps: { freeWithinDays: 1, freeVisits: 1, scope: 'doctor' } });
  await doctorWithSlots(coming.opd, 'd7', [9], 3);
  await coming.opd.addSlots('d7', [{ id: 'd7-next', start: '2026-01-31T09:00:00Z', end: '2026-01-31T10:00:00Z', capacity: 1 }]);
  const seen = await coming.opd.book(request('d7', 'ONLINE', { patientId: 'back' }));
  await coming.opd.checkIn(seen.token.id);
  await coming.opd.startConsultation(seen.token.id);
  await coming.opd.complete(seen.token.id, { charged: true }); // entitlement:opened
  const due = await coming.opd.bookFollowUp(seen.token.id, { afterDays: 2 }); // followup:due (no slot that day)
  await coming.opd.cancelFollowUp(due.followUp.id, { actor: 'desk' }); // followup:cancelled
  const revisit = await coming.opd.bookFollowUp(seen.token.id, { afterDays: 1, idempotencyKey: 'again' }); // followup:booked, entitlement:used
  await coming.opd.cancel(revisit.token!.id); // entitlement:returned
  const series = await coming.opd.bookSeries({
    patient: { id: 'series', name: 'S' },
    doctorId: 'd7',
    start: DAY,
    every: { days: 1 },
    count: 2,
    mode: 'all-or-nothing',
    idempotencyKey: 's',
  }); // series:booked
  await coming.opd.cancelSeries(series.seriesId); // series:cancelled
  coming.clock.set('2026-02-01T00:30:00Z');
  await coming.opd.sweep(); // entitlement:expired
  return [
    ...(await coming.opd.history()),
    ...(await opd.history()),
    ...(await cascade.opd.history()),
    ...(await holds.opd.history()),
    ...(await offers.opd.history()),
    ...(await closing.opd.history()),
    ...(await erasing.opd.history()),
    ...(await told.opd.history()),
    ...(await desks.opd.history()),
    ...(await visits.opd.history()),
  ];
}

describe('EventLog', () => {
  it('gives back every kind of event equal to what was appended, keys in the same order', async () => {
    const events = await eventfulDay();
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(OPD_EVENT_TYPES));
    const log = new EventLog();
    const renumbered = events.map((e, i) => ({ ...e, seq: i + 1 }) as OpdEvent);
    for (const e of renumbered) log.append(e);
    const back = log.read(0, Number.MAX_SAFE_INTEGER);
    expect(back).toEqual(renumbered);
    back.forEach((e, i) => expect(Object.keys(e)).toEqual(Object.keys(renumbered[i]!)));
    expect(back.every((e) => Object.isFrozen(e) && e.at instanceof Date)).toBe(true);
    // Events of one instant may share its date: no event's date can be changed.
    for (const e of back) expect(() => e.at.setTime(0)).toThrow(TypeError);
    expect(back.map((e) => e.at.getTime())).toEqual(renumbered.map((e) => e.at.getTime()));
    expect(log.read(3, 2)).toEqual(renumbered.slice(3, 5));
    expect(log.read(renumbered.length, 10)).toEqual([]);
  });

  it('keeps events whose token fields do not follow the id, and foreign shapes, as given', () => {
    const log = new EventLog();
    const odd = { type: 'token:checked-in', seq: 1, at: new Date(5), doctorId: 'x', tokenId: 'not-an-id', tokenNumber: 9, day: DAY, slotId: 's' } as OpdEvent;
    const reordered = { seq: 2, type: 'slot:closed', at: new Date(6), slotId: 's', doctorId: 'x', day: DAY, reason: null } as unknown as OpdEvent;
    // A doctor id with the separator in it: its token fields still follow from the id.
    const tilde = {
      type: 'token:checked-in',
      seq: 3,
      at: new Date(7),
      doctorId: 'x~y',
      tokenId: `x~y~${DAY}~12`,
      tokenNumber: 12,
      day: DAY,
      slotId: 's',
    } as OpdEvent;
    // A later version's event with a key named `__proto__`: an own key, as given.
    const later = JSON.parse(`{"type":"later:kind","seq":4,"doctorId":"x","__proto__":{"a":1},"n":2}`) as Record<string, unknown>;
    later['at'] = new Date(8);
    log.append(odd);
    log.append(reordered);
    log.append(tilde);
    log.append(later as unknown as OpdEvent);
    const back = log.read(0, 10);
    expect(back).toEqual([odd, reordered, tilde, later]);
    expect(Object.getPrototypeOf(back[3])).toBe(Object.prototype);
    expect(Object.keys(back[3]!)).toEqual(['type', 'seq', 'at', 'doctorId', '__proto__', 'n']);
    expect(Object.getOwnPropertyDescriptor(back[3], '__proto__')?.value).toEqual({ a: 1 });
  });

  it('gives back token events whose fields alternate between null and a value, wherever the token fields stand', () => {
    const log = new EventLog();
    const booked = (seq: number, actor: string | null, slotId: string | null): OpdEvent =>
      ({
        type: 'token:booked',
        seq,
        at: new Date(seq),
        doctorId: 'd1',
        actor,
        tokenId: `d1~${DAY}~${seq}`,
        tokenNumber: seq,
        label: `E-${seq}`,
        day: DAY,
        slotId,
        category: 'ONLINE',
        rank: 4,
        overflow: seq % 2 === 0,
      }) as OpdEvent;
    const events = [booked(1, null, 's1'), booked(2, 'desk', 's1'), booked(3, null, null), booked(4, 'desk', null), booked(5, null, 's2')];
    for (const e of events) log.append(e);
    const back = log.read(0, 10);
    expect(back).toEqual(events);
    back.forEach((e, i) => expect(Object.keys(e)).toEqual(Object.keys(events[i]!)));
  });

  it('gives back labels exactly, whether or not they are the token number in decimal', () => {
    const log = new EventLog();
    const checkedIn = (seq: number, tokenNumber: number, label: string): OpdEvent =>
      ({
        type: 'token:checked-in',
        seq,
        at: new Date(seq),
        doctorId: 'd1',
        actor: null,
        tokenId: `d1~${DAY}~${tokenNumber}`,
        tokenNumber,
        label,
        day: DAY,
      }) as OpdEvent;
    const labels: [number, string][] = [
      [7, '7'],
      [7, '07'],
      [17, '7'],
      [7, '17'],
      [120, '120'],
      [120, '12'],
      [3, ''],
      [3, 'E-3'],
      [10, '10'],
      [1, '1'],
    ];
    const events = labels.map(([n, label], i) => checkedIn(i + 1, n, label));
    for (const e of events) log.append(e);
    expect(log.read(0, 20)).toEqual(events);
  });

  it('gives back tens of thousands of stored values, read from any point, and after forgetting the oldest', () => {
    const log = new EventLog();
    const make = (seq: number): OpdEvent =>
      ({
        type: 'token:cancelled',
        seq,
        at: new Date(seq),
        doctorId: `d${seq % 7}`,
        actor: `a${seq}`,
        tokenId: `t${seq}`,
        tokenNumber: seq,
        label: `L${seq}`,
        day: DAY,
        slotId: `s${seq}`,
        reason: null,
      }) as OpdEvent;
    const events = Array.from({ length: 6000 }, (_, i) => make(i + 1));
    for (const e of events) log.append(e);
    expect(log.read(0, 10_000)).toEqual(events);
    expect(log.read(4444, 3)).toEqual(events.slice(4444, 4447));
    log.truncate(1500);
    expect(log.read(0, 10_000)).toEqual(events.slice(4500));
    for (let seq = 6001; seq <= 6100; seq++) log.append(make(seq));
    expect(log.read(5990, 20)).toEqual([...events.slice(5990), ...[6001, 6002, 6003, 6004, 6005, 6006, 6007, 6008, 6009, 6010].map(make)]);
  });

  it('forgets the oldest events beyond a limit and compacts, keeping seq numbers', () => {
    const log = new EventLog();
    const make = (seq: number): OpdEvent => ({
      type: 'slot:closed',
      seq,
      facilityId: 'default',
      at: new Date(seq),
      doctorId: 'd',
      actor: null,
      slotId: `s${seq}`,
      day: DAY,
      reason: null,
    });
    for (let seq = 1; seq <= 5000; seq++) {
      log.append(make(seq));
      log.truncate(100);
    }
    const kept = log.read(0, 1000);
    expect(kept).toHaveLength(100);
    expect(kept[0]).toEqual(make(4901));
    expect(log.read(4990, 5)).toEqual([4991, 4992, 4993, 4994, 4995].map(make));
  });
});

describe('MemoryStorage', () => {
  it("refuses a booking's change set that does not follow the store, whichever checks read it, and writes nothing", async () => {
    const storage = new MemoryStorage();
    const { opd } = scheduler({ storage });
    await doctorWithSlots(opd, 'd1', [9], 3);
    const first = await opd.book(request('d1', 'ONLINE', { patientId: 'p1' }));
    const stored = first.token;
    const record = { doctorId: 'd1', day: DAY, lastTokenNumber: 2, bumps: 0, cascades: 0, promotions: 0, drops: 0, labels: {} };
    const next = {
      id: `d1~${DAY}~2`,
      doctorId: 'd1',
      day: DAY,
      slotId: stored.slotId,
      waitingForSlotId: null,
      category: 'ONLINE',
      rank: 4,
      status: 'BOOKED' as const,
      tokenNumber: 2,
      patient: Object.freeze({ id: 'p2', name: 'Second' }),
      requestedAt: 0,
      bumpCount: 0,
      placedAt: 0,
      notBefore: null,
      idempotencyKey: null,
      cancelReason: null,
      updatedAt: 0,
      holdExpiresAt: null,
      label: '2',
    };
    const base = { doctor: undefined, newSlots: [], updatedSlots: [], updatedTokens: [], idempotency: undefined, guardDuplicates: true, events: [] };
    const refusals: [string, object][] = [
      ['token number', { ...base, newTokens: [{ ...next, id: `d1~${DAY}~3`, tokenNumber: 3 }], days: [{ ...record, lastTokenNumber: 3 }] }],
      ['second live token of a patient', { ...base, newTokens: [{ ...next, patient: Object.freeze({ id: 'p1', name: 'First' }) }], days: [record] }],
      ['unit spanning doctors', { ...base, newTokens: [next], days: [{ ...record, doctorId: 'd9' }] }],
      ['unit spanning doctors', { ...base, newTokens: [next], days: [record], idempotency: { doctorId: 'd9', key: 'k', fingerprint: 'f', result: first } }],
      [
        'doctor',
        { ...base, newTokens: [{ ...next, id: `d7~${DAY}~1`, doctorId: 'd7', tokenNumber: 1 }], days: [{ ...record, doctorId: 'd7', lastTokenNumber: 1 }] },
      ],
    ];
    const before = { schedule: await opd.getSchedule('d1', DAY), history: await opd.history() };
    for (const [what, changes] of refusals) {
      const error = await rejectsWith(
        storage.transact({ doctorId: 'd1', days: [DAY] }, () => ({ kind: 'commit', changes: changes as never, result: null })),
        'STORAGE_FAILURE',
      );
      expect(error.message).toMatch(new RegExp(`^Refused an inconsistent change \\(${what} \``));
    }
    expect({ schedule: await opd.getSchedule('d1', DAY), history: await opd.history() }).toEqual(before);
    // The same change set, consistent, is written.
    await storage.transact({ doctorId: 'd1', days: [DAY] }, () => ({
      kind: 'commit',
      changes: { ...base, newTokens: [next], days: [record] } as never,
      result: null,
    }));
    expect((await opd.getSchedule('d1', DAY)).slots[0]!.places.map((t) => t.tokenNumber).sort()).toEqual([1, 2]);
  });

  it('a policy that throws midway through a chain of displacements leaves the store as it was', async () => {
    const rules = new RuleOverflow({
      whenFull: { PAID: ['bump'], default: ['reject'] },
      whenDisplaced: { default: [{ kind: 'cascade', chainDepth: 2 }, { kind: 'drop' }] },
    });
    let failAtDepth = Number.POSITIVE_INFINITY;
    const overflow: OverflowStrategy = {
      name: 'fails-midway',
      waitlist: rules.waitlist,
      bumpLimit: rules.bumpLimit,
      victimOrder: rules.victimOrder,
      whenFull: (ctx) => rules.whenFull(ctx),
      whenDisplaced: (ctx) => {
        if (ctx.depth >= failAtDepth) throw new Error('policy failed');
        return rules.whenDisplaced(ctx);
      },
    };
    // Ranks FOLLOW_UP 3, ONLINE 4, WALK_IN 5: each displaced token may bump the next one.
    const { opd } = scheduler({ ...presets.cascade(), priority: presets.standard().priority, overflow });
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 1);
    await opd.book(request('d1', 'FOLLOW_UP', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-10' }));
    await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-11' }));
    const before = { schedule: await opd.getSchedule('d1', DAY), history: await opd.history(), stats: await opd.stats() };

    // The PAID booking takes 09:00; FOLLOW_UP is displaced to 10:00 (bumping ONLINE), ONLINE to
    // 11:00 (bumping WALK_IN): the policy fails on the second displacement, the third, then never.
    for (const depth of [1, 2]) {
      failAtDepth = depth;
      await rejectsWith(opd.book(request('d1', 'PAID', { slotId: 'd1-09', patientId: 'late' })), 'VALIDATION_FAILED');
      expect(await opd.getSchedule('d1', DAY)).toEqual(before.schedule);
      expect(await opd.history()).toEqual(before.history);
      expect(await opd.stats()).toEqual(before.stats);
    }

    failAtDepth = Number.POSITIVE_INFINITY;
    const done = await opd.book(request('d1', 'PAID', { slotId: 'd1-09', patientId: 'late' }));
    // Token numbers are never taken by a failed call.
    expect(done.token.tokenNumber).toBe(4);
    expect(done.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:cascaded', 'token:bumped', 'token:cascaded', 'token:bumped', 'token:dropped']);
  });

  it('snapshots returned by read() and days returned by scanDays() never change afterwards', async () => {
    const storage = new MemoryStorage();
    const { opd } = scheduler({ storage });
    await doctorWithSlots(opd, 'd1', [9], 3);
    await opd.book(request('d1', 'ONLINE'));
    const snapshot = await storage.read({ doctorId: 'd1', days: [DAY] });
    const before = JSON.stringify([...snapshot.days.values()]);
    const scanned: unknown[] = [];
    for await (const day of storage.scanDays({ doctorId: 'd1' })) scanned.push(day);
    const scannedBefore = JSON.stringify(scanned);
    await opd.book(request('d1', 'ONLINE'));
    await opd.book(request('d1', 'ONLINE'));
    await opd.cancel((await opd.getSchedule('d1', DAY)).slots[0]!.places[0]!.id);
    expect(JSON.stringify([...snapshot.days.values()])).toBe(before);
    expect(JSON.stringify(scanned)).toBe(scannedBefore);
  });

  it("reports each slot's earliest hold end in a schedule, read or locked", async () => {
    const storage = new MemoryStorage();
    const { opd, clock } = scheduler({ storage });
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 3);
    const hold = (slotId: string, holdMinutes: number) => opd.hold({ ...request('d1', 'ONLINE', { slotId }), holdMinutes });
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const late = await hold('d1-09', 30);
    const early = await hold('d1-09', 10);
    // The earliest end is the first place's here, the last one's at 09:00.
    await hold('d1-10', 20);
    await hold('d1-10', 40);
    // A hold confirmed ends no more; one released keeps no place.
    await opd.confirm((await hold('d1-11', 5)).token.id);
    await opd.release((await hold('d1-11', 1)).token.id);
    const from = clock.now().getTime();
    const expected = [
      ['d1-09', 3, early.token.holdExpiresAt!.getTime()],
      ['d1-10', 2, from + 20 * 60_000],
      ['d1-11', 1, undefined],
    ];
    expect(early.token.holdExpiresAt!.getTime()).toBeLessThan(late.token.holdExpiresAt!.getTime());
    const entries = (schedule: DoctorSnapshot['schedule']) => (schedule ?? []).map((e) => [e.slot.id, e.occupancy, e.earliestClaimEnd]);
    expect(entries((await storage.read({ doctorId: 'd1', schedule: { from } })).schedule)).toEqual(expected);
    const locked = await storage.transact({ doctorId: 'd1', schedule: { from } }, (snapshot) => ({
      kind: 'commit',
      changes: { newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] },
      result: entries(snapshot.schedule),
    }));
    expect(locked).toEqual(expected);
  });

  it('refuses a change set that is inconsistent and leaves the store untouched', async () => {
    const storage = new MemoryStorage();
    const { opd } = scheduler({ storage });
    await doctorWithSlots(opd, 'd1', [9], 3);
    const before = await opd.stats();
    await expect(
      storage.transact({ doctorId: 'd1' }, () => ({
        kind: 'commit',
        changes: { newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [{ id: 'd1~2026-01-30~7' } as never], days: [], events: [] },
        result: null,
      })),
    ).rejects.toMatchObject({ code: 'STORAGE_FAILURE' });
    expect(await opd.stats()).toEqual(before);
    await storage.close();
    await expect(storage.read({ doctorId: 'd1' })).rejects.toMatchObject({ code: 'STORAGE_FAILURE' });
  });

  it('keeps the patient index right when duplicates were allowed on the same store', async () => {
    const storage = new MemoryStorage();
    const relaxed = scheduler({ storage, allowDuplicateBookings: true });
    const strict = scheduler({ storage });
    await doctorWithSlots(relaxed.opd, 'd1', [9], 5);
    const first = await relaxed.opd.book(request('d1', 'ONLINE', { patientId: 'x' }));
    const second = await relaxed.opd.book(request('d1', 'ONLINE', { patientId: 'x' }));
    const third = await relaxed.opd.book(request('d1', 'ONLINE', { patientId: 'x' }));
    await relaxed.opd.cancel(first.token.id);
    const e1 = await rejectsWith(strict.opd.book(request('d1', 'ONLINE', { patientId: 'x' })), 'DUPLICATE_BOOKING');
    expect([second.token.id, third.token.id]).toContain(e1.details.tokenId);
    await relaxed.opd.cancel(second.token.id);
    const e2 = await rejectsWith(strict.opd.book(request('d1', 'ONLINE', { patientId: 'x' })), 'DUPLICATE_BOOKING');
    expect(e2.details.tokenId).toBe(third.token.id);
    await relaxed.opd.checkIn(third.token.id);
    await relaxed.opd.startConsultation(third.token.id);
    await relaxed.opd.complete(third.token.id);
    expect((await strict.opd.book(request('d1', 'ONLINE', { patientId: 'x' }))).outcome).toBe('BOOKED');
  });
  it("builds the index of patients from the stored days when a unit first reads a patient's tokens, then keeps it in step", async () => {
    const storage = new MemoryStorage();
    const local = scheduler({ storage });
    const wide = scheduler({ storage, duplicates: { scope: 'facility-day' } });
    await doctorWithSlots(local.opd, 'd1', [9], 5);
    await doctorWithSlots(local.opd, 'd2', [9], 5);
    // Booked under the rules of one doctor-day: nothing reads the patient's tokens across doctors yet.
    const first = await local.opd.book(request('d1', 'ONLINE', { patientId: 'p1' }));
    const second = await local.opd.book(request('d2', 'ONLINE', { patientId: 'p2' }));
    const e1 = await rejectsWith(wide.opd.book(request('d2', 'ONLINE', { patientId: 'p1' })), 'DUPLICATE_BOOKING');
    expect(e1.details.tokenId).toBe(first.token.id);
    // Once built, a later booking of either scheduler is in it.
    const later = await local.opd.book(request('d1', 'ONLINE', { patientId: 'p3' }));
    const e2 = await rejectsWith(wide.opd.book(request('d2', 'ONLINE', { patientId: 'p3' })), 'DUPLICATE_BOOKING');
    expect(e2.details.tokenId).toBe(later.token.id);
    expect((storage.dump() as { patients: { patientId: string; tokenIds: string[] }[] }).patients).toEqual([
      { patientId: 'p1', tokenIds: [first.token.id] },
      { patientId: 'p2', tokenIds: [second.token.id] },
      { patientId: 'p3', tokenIds: [later.token.id] },
    ]);
  });

  it('forgets a day only once every token of it is final: its slots, tokens and patients go, other days stay', async () => {
    const storage = new MemoryStorage();
    const { opd, clock } = scheduler({ storage });
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    await doctorWithSlots(opd, 'd2', [9], 2);
    const done = await opd.book(request('d1', 'ONLINE', { patientId: 'p1' }));
    const live = await opd.book(request('d1', 'ONLINE', { patientId: 'p2' }));
    const other = await opd.book(request('d2', 'ONLINE', { patientId: 'p3' }));
    await opd.cancel(done.token.id);
    clock.set(at('09:00'));
    await opd.checkIn(live.token.id);
    // A live token keeps the day.
    expect(storage.forgetDay('d1', DAY)).toBe(false);
    expect((await opd.getSchedule('d1', DAY)).slots).toHaveLength(2);
    await opd.startConsultation(live.token.id);
    await opd.complete(live.token.id);
    expect(storage.forgetDay('d1', DAY)).toBe(true);
    expect((await opd.getSchedule('d1', DAY)).slots).toHaveLength(0);
    await rejectsWith(opd.getToken(live.token.id), 'TOKEN_NOT_FOUND');
    await rejectsWith(opd.getSlot('d1-09'), 'SLOT_NOT_FOUND');
    const dump = storage.dump() as {
      patients: { patientId: string }[];
      slots: { id: string }[];
      doctors: { record: { id: string }; slots: unknown[]; days: unknown[] }[];
    };
    expect(dump.patients.map((p) => p.patientId)).toEqual(['p3']);
    expect(dump.slots.map((s) => s.id)).toEqual(['d2-09']);
    expect(dump.doctors.find((d) => d.record.id === 'd1')).toMatchObject({ slots: [], days: [] });
    // The other doctor's day, and a day the store never held, are as they were.
    expect((await opd.getToken(other.token.id)).status).toBe('BOOKED');
    expect(storage.forgetDay('d1', '2026-02-01')).toBe(true);
    expect(storage.forgetDay('nobody', DAY)).toBe(true);
    expect(() => storage.forgetDay(1 as unknown as string, DAY)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    // The doctor works on: a new day of slots is booked as any other.
    await doctorWithSlots(opd, 'd3', [9], 1, { day: '2026-01-31' });
    await opd.addSlots('d1', [{ start: at('09:00', '2026-01-31'), end: at('10:00', '2026-01-31'), capacity: 1 }]);
    expect((await opd.book({ ...request('d1', 'ONLINE', { patientId: 'p4' }), date: '2026-01-31' })).outcome).toBe('BOOKED');
  });
});
