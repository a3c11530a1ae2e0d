import { MemoryStorage, OpdError, OpdScheduler, presets } from 'opd-scheduler';
import { OfflineDesk } from 'opd-scheduler/desk';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { at, DAY, delegatingStorage, doctorWithSlots, rejectsWith, TestClock } from '../helpers.js';

const stores = conformanceStores('desk_offline');

const patient = (id: string) => ({ id, name: `Patient ${id}` });

describe.each([['memory'], ['PGlite']] as const)('the offline desk on %s', (name) => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });

  /** A central scheduler on memory with doctor d1 (09, 10, 11; capacity 2; one elastic place each), a lease of `places` to desk D1, and the desk on a store of this kind. */
  const setUp = async (places: number, categories?: string[]) => {
    const clock = new TestClock(at('07:00'));
    const opd = new OpdScheduler({ ...presets.standard(), storage: new MemoryStorage(), clock: clock.now });
    await doctorWithSlots(opd, 'd1', [9, 10, 11], 2, { overflowCapacity: 1 });
    const lease = await opd.leaseCapacity({ deskId: 'D1', doctorId: 'd1', date: DAY, places, categories, ttlMinutes: 240 });
    const store = await stores[name]!();
    // The lease crosses the wire as JSON.
    const desk = await OfflineDesk.open(JSON.parse(JSON.stringify(lease)), { storage: store.storage(), clock: clock.now });
    cleanups.push(async () => {
      await desk.close();
      await opd.close();
      await store.cleanup();
    });
    return { opd, desk, clock, lease };
  };

  it('books only the leased places, labelled with the desk prefix, and refuses the next with SLOT_FULL', async () => {
    const { desk } = await setUp(3);
    const issued = [];
    for (let i = 1; i <= 3; i++) issued.push(await desk.book({ category: 'WALK_IN', patient: patient(`p${i}`), idempotencyKey: `k${i}` }));
    expect(issued.map((t) => [t.label, t.slotId])).toEqual([
      ['D1-1', 'd1-09'],
      ['D1-2', 'd1-09'],
      ['D1-3', 'd1-10'],
    ]);
    expect(await desk.placesLeft()).toBe(0);
    const refused = await rejectsWith(desk.book({ category: 'WALK_IN', patient: patient('p4'), idempotencyKey: 'k4' }), 'SLOT_FULL');
    expect(refused.details['leaseId']).toBe(desk.lease.id);
    expect(refused.message).not.toContain('Patient');
    // An emergency is refused too when no leased place is left: never placed beyond the lease (no elastic place, no bump).
    await rejectsWith(desk.book({ category: 'EMERGENCY', patient: patient('p5'), idempotencyKey: 'k5' }), 'SLOT_FULL');
    expect((await desk.tokens()).map((t) => t.label)).toEqual(['D1-1', 'D1-2', 'D1-3']);
    expect(desk.log().map((c) => c.idempotencyKey)).toEqual(['k1', 'k2', 'k3']);
  });

  it('a repeated key answers the same token and logs nothing new; cancel frees the place, check-in is logged once', async () => {
    const { desk, clock } = await setUp(2);
    const first = await desk.book({ category: 'WALK_IN', patient: patient('p1'), idempotencyKey: 'k1' });
    const again = await desk.book({ category: 'WALK_IN', patient: patient('p1'), idempotencyKey: 'k1' });
    expect(again.id).toBe(first.id);
    expect(again.label).toBe('D1-1');
    const second = await desk.book({ category: 'WALK_IN', patient: patient('p2'), idempotencyKey: 'k2' });
    await desk.cancel(second.id, { idempotencyKey: 'c1' });
    await desk.cancel(second.id, { idempotencyKey: 'c1' });
    expect(await desk.placesLeft()).toBe(1);
    clock.set(at('08:50'));
    await desk.checkIn(first.id, { idempotencyKey: 'i1' });
    const checked = await desk.checkIn(first.id, { idempotencyKey: 'i1' });
    expect(checked.status).toBe('CHECKED_IN');
    expect(desk.log().map((c) => [c.kind, c.idempotencyKey])).toEqual([
      ['book', 'k1'],
      ['book', 'k2'],
      ['cancel', 'c1'],
      ['check-in', 'i1'],
    ]);
    // The exported log reopens with the desk.
    const log = JSON.parse(desk.exportLog());
    expect(log[0]).toMatchObject({ kind: 'book', idempotencyKey: 'k1', slotId: 'd1-09', label: 'D1-1', category: 'WALK_IN' });
    expect(log[2]).toMatchObject({ kind: 'cancel', booking: 'k2' });
  });

  it('an emergency at the desk gets a leased place when one is left', async () => {
    const { desk } = await setUp(2, ['WALK_IN', 'EMERGENCY']);
    await desk.book({ category: 'WALK_IN', patient: patient('p1'), idempotencyKey: 'k1' });
    const emergency = await desk.book({ category: 'EMERGENCY', patient: patient('p2'), idempotencyKey: 'k2' });
    expect(emergency).toMatchObject({ status: 'BOOKED', slotId: 'd1-09', label: 'D1-2' });
  });

  it('refuses a category outside the lease, a missing key and a booking after the lease ended, changing nothing', async () => {
    const { desk, clock } = await setUp(2, ['WALK_IN']);
    await rejectsWith(desk.book({ category: 'ONLINE', patient: patient('p1'), idempotencyKey: 'k1' }), 'VALIDATION_FAILED');
    await rejectsWith(desk.book({ category: 'WALK_IN', patient: patient('p1'), idempotencyKey: '' }), 'VALIDATION_FAILED');
    clock.set(at('11:00'));
    await rejectsWith(desk.book({ category: 'WALK_IN', patient: patient('p1'), idempotencyKey: 'k1' }), 'VALIDATION_FAILED');
    expect(desk.log()).toEqual([]);
    expect(await desk.placesLeft()).toBe(2);
  });

  it('refuses a lease that is not active', async () => {
    const { opd, lease } = await setUp(1);
    const returned = await opd.returnLease(lease);
    await rejectsWith(OfflineDesk.open(returned), 'VALIDATION_FAILED');
  });
});

describe.each([['memory'], ['PGlite']] as const)('reconcile, the central scheduler and the desk on %s', (name) => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });
  const setUp = async (places: number) => {
    const clock = new TestClock(at('07:00'));
    const centralStore = await stores[name]!();
    const opd = new OpdScheduler({ ...presets.standard(), storage: centralStore.storage(), clock: clock.now });
    await doctorWithSlots(opd, 'd1', [9, 10], 2, { overflowCapacity: 1 });
    const lease = await opd.leaseCapacity({ deskId: 'D1', doctorId: 'd1', date: DAY, places, ttlMinutes: 120 });
    const store = await stores[name]!();
    const desk = await OfflineDesk.open(JSON.parse(JSON.stringify(lease)), { storage: store.storage(), clock: clock.now });
    cleanups.push(async () => {
      await desk.close();
      await opd.close();
      await store.cleanup();
      await centralStore.cleanup();
    });
    return { opd, desk, clock, lease };
  };
  const placed = async (opd: OpdScheduler) => (await opd.getSchedule('d1', DAY)).slots.map((s) => [s.slot.id, s.places.map((t) => t.label), s.free, s.leased]);

  it('enters the desk tokens on the leased places with their labels, returns the rest, and a repeat changes nothing', async () => {
    const { opd, desk, clock } = await setUp(3);
    const a = await desk.book({ category: 'WALK_IN', patient: patient('p1'), idempotencyKey: 'k1' });
    const b = await desk.book({ category: 'WALK_IN', patient: patient('p2'), idempotencyKey: 'k2' });
    await desk.book({ category: 'WALK_IN', patient: patient('p3'), idempotencyKey: 'k3' });
    await desk.cancel(b.id, { idempotencyKey: 'c2' });
    clock.set(at('08:50'));
    await desk.checkIn(a.id, { idempotencyKey: 'i1' });
    // Centrally, meanwhile: the one free place of the day is taken.
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('q1') });
    const report = await opd.reconcile(desk);
    expect(report.applied.map((c) => [c.kind, c.idempotencyKey, c.label])).toEqual([
      ['book', 'k1', 'D1-1'],
      ['book', 'k2', 'D1-2'],
      ['book', 'k3', 'D1-3'],
      ['cancel', 'c2', 'D1-2'],
      ['check-in', 'i1', 'D1-1'],
    ]);
    expect(report.alreadyApplied).toEqual([]);
    expect(report.toResolve).toEqual([]);
    expect(report.lease.status).toBe('RETURNED');
    // The desk's cancel gave D1-2's place back to the lease (as at the desk), and the lease's unused
    // places came back to the day when it was returned.
    expect(report.lease.slots.map((s) => [s.slotId, s.places, s.used])).toEqual([
      ['d1-09', 2, 1],
      ['d1-10', 1, 1],
    ]);
    const after = await placed(opd);
    expect(after).toEqual([
      ['d1-09', ['D1-1'], 1, 0],
      ['d1-10', expect.arrayContaining(['D1-3']), 0, 0],
    ]);
    const events = (await opd.history()).length;
    const again = await opd.reconcile(desk);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied.map((c) => c.idempotencyKey)).toEqual(['k1', 'k2', 'k3', 'c2', 'i1']);
    expect(await placed(opd)).toEqual(after);
    expect((await opd.history()).length).toBe(events);
  });

  it('a place the desk freed and booked again comes from the lease: not beyond it, and no patient waiting centrally is promoted into it meanwhile', async () => {
    const { opd, desk, clock } = await setUp(2);
    const a = await desk.book({ category: 'WALK_IN', patient: patient('p1'), slotId: 'd1-09', idempotencyKey: 'k1' });
    await desk.book({ category: 'WALK_IN', patient: patient('p2'), slotId: 'd1-09', idempotencyKey: 'k2' });
    await desk.cancel(a.id, { idempotencyKey: 'c1' });
    const again = await desk.book({ category: 'WALK_IN', patient: patient('p3'), slotId: 'd1-09', idempotencyKey: 'k3' });
    expect(again.slotId).toBe('d1-09');
    // Centrally, meanwhile: the 10:00 slot fills to its elastic place, and the next patient waits.
    clock.set(at('08:00'));
    for (const q of ['q1', 'q2']) await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: patient(q), slotId: 'd1-10' });
    await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: patient('e1'), slotId: 'd1-10' });
    const waiting = await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: patient('q3') });
    expect(waiting.token.status).toBe('WAITLISTED');
    const report = await opd.reconcile(desk);
    expect(report.toResolve).toEqual([]);
    expect(report.applied.map((c) => [c.kind, c.label])).toEqual([
      ['book', 'D1-1'],
      ['book', 'D1-2'],
      ['cancel', 'D1-1'],
      ['book', 'D1-3'],
    ]);
    expect(report.lease.slots.map((s) => [s.slotId, s.places, s.used])).toEqual([['d1-09', 2, 2]]);
    expect((await opd.getSlot('d1-09')).places.map((t) => t.label).sort()).toEqual(['D1-2', 'D1-3']);
    expect((await opd.getToken(waiting.token.id)).status).toBe('WAITLISTED');
    // A second reconcile changes nothing.
    const events = (await opd.history()).length;
    expect((await opd.reconcile(desk)).applied).toEqual([]);
    expect((await opd.history()).length).toBe(events);
  });

  it('reports the same patient at the desk and centrally, revoking neither; honours a token whose lease ended before it was entered', async () => {
    const { opd, desk, clock } = await setUp(2);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('p1') });
    await desk.book({ category: 'WALK_IN', patient: patient('p1'), idempotencyKey: 'k1' });
    await desk.book({ category: 'WALK_IN', patient: patient('p2'), idempotencyKey: 'k2' });
    // The lease runs out (its places return to the day and are booked centrally) before the desk reconnects.
    clock.set(at('09:30'));
    await opd.sweep();
    await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: patient('q1'), slotId: 'd1-09' });
    const report = await opd.reconcile(desk);
    expect(report.lease.status).toBe('EXPIRED');
    // p1 keeps the token booked centrally (one live token per patient), the desk's D1-1 is reported; D1-2 is honoured.
    expect(report.applied.map((c) => c.label)).toEqual(['D1-2']);
    expect(report.toResolve.map((i) => [i.reason, i.idempotencyKey, i.tokenId === null])).toEqual([
      ['same-patient', 'k1', true],
      ['beyond-lease', 'k2', false],
    ]);
    expect(report.toResolve[0]!.otherTokenId).toBe('d1~2026-01-30~1');
    expect((await opd.getToken('d1~2026-01-30~1')).status).toBe('BOOKED');
    for (const c of report.applied) expect((await opd.getToken(c.tokenId!)).status).toBe('BOOKED');
    const slot = await opd.getSlot('d1-09');
    // Capacity 2 and one elastic place: the honoured tokens never go past capacity plus elastic.
    expect(slot.places.length).toBeLessThanOrEqual(3);
  });

  it('honours a token whose lease ended into a slot refilled meanwhile in the next slot with a free place, else on the waitlist: never over capacity plus elastic', async () => {
    const { opd, desk, clock } = await setUp(2);
    await desk.book({ category: 'WALK_IN', patient: patient('p1'), slotId: 'd1-09', idempotencyKey: 'k1' });
    await desk.book({ category: 'WALK_IN', patient: patient('p2'), slotId: 'd1-09', idempotencyKey: 'k2' });
    // The lease runs out; the 09:00 slot is filled centrally to its capacity and its elastic place, the 10:00 slot to one place short.
    clock.set(at('09:30'));
    await opd.sweep();
    for (const q of ['q1', 'q2']) await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: patient(q), slotId: 'd1-09' });
    await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: patient('e1'), slotId: 'd1-09' });
    await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: patient('q3'), slotId: 'd1-10' });
    expect((await opd.getSlot('d1-09')).places).toHaveLength(3);
    const report = await opd.reconcile(desk);
    expect(report.lease.status).toBe('EXPIRED');
    expect(report.toResolve.map((i) => [i.reason, i.idempotencyKey])).toEqual([
      ['beyond-lease', 'k1'],
      ['beyond-lease', 'k2'],
    ]);
    const [first, second] = report.applied.map((c) => c.tokenId!);
    expect(await opd.getToken(first!)).toMatchObject({ status: 'BOOKED', slotId: 'd1-10' });
    expect(await opd.getToken(second!)).toMatchObject({ status: 'WAITLISTED', slotId: null });
    expect((await opd.getSlot('d1-09')).places).toHaveLength(3);
    expect((await opd.getSlot('d1-10')).places).toHaveLength(2);
  });
});

describe('importManualRegister', () => {
  it('enters the register by the booking rules, reports what did not fit, and a second import changes nothing', async () => {
    const clock = new TestClock(at('07:00'));
    const opd = new OpdScheduler({ ...presets.cascade(), storage: new MemoryStorage(), clock: clock.now });
    try {
      await doctorWithSlots(opd, 'd1', [9], 2, { overflowCapacity: 0 });
      const rows = [
        { doctorId: 'd1', label: 'M1', category: 'WALK_IN', slotId: 'd1-09', patient: patient('p1') },
        { doctorId: 'd1', label: 'M2', category: 'WALK_IN', time: at('09:00') },
        { doctorId: 'd1', label: 'M3', category: 'WALK_IN', slotId: 'd1-09', patient: patient('p3') },
        { doctorId: 'd1', label: 'M4', category: 'NO_SUCH_CHANNEL' },
      ];
      const report = await opd.importManualRegister(rows);
      expect(report.entered.map((e) => [e.label, e.outcome, e.replayed])).toEqual([
        ['M1', 'BOOKED', false],
        ['M2', 'BOOKED', false],
      ]);
      expect(report.didNotFit.map((d) => d.label)).toEqual(['M3', 'M4']);
      expect(report.didNotFit[1]!.code).toBe('VALIDATION_FAILED');
      expect((await opd.getSlot('d1-09')).places.length).toBe(2);
      const events = (await opd.history()).length;
      const again = await opd.importManualRegister(rows.slice(0, 2));
      expect(again.entered.map((e) => [e.label, e.tokenId, e.replayed])).toEqual(report.entered.map((e) => [e.label, e.tokenId, true]));
      expect((await opd.history()).length).toBe(events);
      await rejectsWith(opd.importManualRegister('rows' as never), 'VALIDATION_FAILED');
    } finally {
      await opd.close();
    }
  });

  it('fails when the store fails mid-import instead of reporting the row as refused; the import run again enters the rest, nothing twice', async () => {
    const { storage, inner, replace } = delegatingStorage();
    const clock = new TestClock(at('07:00'));
    const opd = new OpdScheduler({ ...presets.standard(), storage, clock: clock.now });
    try {
      await doctorWithSlots(opd, 'd1', [9], 4);
      const rows = ['1', '2', '3'].map((label) => ({ doctorId: 'd1', label, category: 'WALK_IN', slotId: 'd1-09' }));
      // The second row's unit commits, and its answer is lost.
      let units = 0;
      replace('transact', async (request: never, decide: never) => {
        const result = await inner.transact(request, decide);
        if (++units === 2) throw new OpdError('STORAGE_FAILURE', 'The connection was lost', { details: { adapter: 'custom', outcome: 'unknown' } });
        return result;
      });
      await rejectsWith(opd.importManualRegister(rows), 'STORAGE_FAILURE');
      replace('transact', (request: never, decide: never) => inner.transact(request, decide));
      const again = await opd.importManualRegister(rows);
      expect(again.entered.map((e) => [e.label, e.replayed])).toEqual([
        ['1', true],
        ['2', true],
        ['3', false],
      ]);
      expect(again.didNotFit).toEqual([]);
      expect((await opd.getSchedule('d1', DAY)).slots[0]!.places).toHaveLength(3);
    } finally {
      await opd.close();
    }
  });
});
