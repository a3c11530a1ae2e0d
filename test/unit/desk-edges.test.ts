/**
 * The edges of the offline desk where a paper token could be lost or a rule skipped: a lease opened
 * on two devices, a key reused for another patient, a desk reopened with its exported log on a new
 * store, a log a desk could not have written, a slot closed and a day closed centrally before the
 * desk reconnects, and a desk emergency whose lease had ended. On memory and on PGlite.
 */
import { MemoryStorage, type OpdEvent, OpdScheduler, presets, type StorageAdapter } from 'opd-scheduler';
import { type DeskCommand, type Lease, OfflineDesk } from 'opd-scheduler/desk';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { at, DAY, doctorWithSlots, rejectsWith, TestClock } from '../helpers.js';

const stores = conformanceStores('desk_edges');
const patient = (id: string) => ({ id, name: `Patient ${id}` });

describe.each([['memory'], ['PGlite']] as const)('the desk at its edges, the central store on %s', (name) => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });

  /** A central scheduler with doctor d1 (09:00 and 10:00, `capacity` each, no elastic place) and a lease of `places` to desk D1. */
  const setUp = async (places: number, capacity = 2, ttlMinutes = 240) => {
    const clock = new TestClock(at('07:00'));
    const central = await stores[name]!();
    const opd = new OpdScheduler({ ...presets.standard(), storage: central.storage(), clock: clock.now });
    await doctorWithSlots(opd, 'd1', [9, 10], capacity, { overflowCapacity: 0 });
    const lease = await opd.leaseCapacity({ deskId: 'D1', doctorId: 'd1', date: DAY, places, ttlMinutes });
    cleanups.push(async () => {
      await opd.close();
      await central.cleanup();
    });
    const open = async (log?: readonly DeskCommand[], storage: StorageAdapter = new MemoryStorage()): Promise<OfflineDesk> => {
      // The lease crosses the wire as JSON, and may be opened on more than one device.
      const desk = await OfflineDesk.open(JSON.parse(JSON.stringify(lease)) as Lease, { storage, clock: clock.now, log });
      cleanups.push(() => desk.close());
      return desk;
    };
    return { opd, clock, lease, open };
  };

  it('a lease opened on two devices: both paper tokens are entered, never under one label, and the second is reported', async () => {
    const { opd, open } = await setUp(2);
    const a = await open();
    const b = await open();
    // Each device numbers its own tokens and keys them alike.
    expect((await a.book({ category: 'WALK_IN', patient: patient('p1'), slotId: 'd1-09', idempotencyKey: 'west-0001' })).label).toBe('D1-1');
    expect((await b.book({ category: 'WALK_IN', patient: patient('p2'), slotId: 'd1-09', idempotencyKey: 'west-0001' })).label).toBe('D1-1');
    const first = await opd.reconcile(a);
    expect(first.toResolve).toEqual([]);
    const second = await opd.reconcile(b);
    expect(second.alreadyApplied).toEqual([]);
    const tokenB = second.applied[0]!.tokenId!;
    expect(second.applied).toEqual([{ kind: 'book', idempotencyKey: 'west-0001', tokenId: tokenB, label: 'D1-1-2' }]);
    // The first reconcile gave the lease's unused places back: the second device's token is placed beyond it.
    expect(second.toResolve.map((i) => [i.reason, i.tokenId, i.otherTokenId])).toEqual([
      ['key-reused', tokenB, first.applied[0]!.tokenId],
      ['label-taken', tokenB, null],
      ['beyond-lease', tokenB, null],
    ]);
    const places = (await opd.getSlot('d1-09')).places;
    expect(places.map((t) => [t.label, t.patient.id]).sort()).toEqual([
      ['D1-1', 'p1'],
      ['D1-1-2', 'p2'],
    ]);
    // Reconciled again, either device changes nothing.
    const events = (await opd.history()).length;
    expect((await opd.reconcile(b)).alreadyApplied.map((c) => c.tokenId)).toEqual([tokenB]);
    expect((await opd.reconcile(a)).applied).toEqual([]);
    expect((await opd.history()).length).toBe(events);
  });

  it('a desk reopened with its exported log on a new store counts its logged bookings and goes on numbering', async () => {
    const { opd, open } = await setUp(2);
    const first = await open();
    const one = await first.book({ category: 'WALK_IN', patient: patient('p1'), idempotencyKey: 'k1' });
    await first.book({ category: 'WALK_IN', patient: patient('p2'), idempotencyKey: 'k2' });
    await first.cancel(one.id, { idempotencyKey: 'c1' });
    const exported = JSON.parse(first.exportLog()) as DeskCommand[];
    const reopened = await open(exported);
    expect(await reopened.placesLeft()).toBe(1);
    expect((await reopened.tokens()).map((t) => [t.label, t.status])).toEqual([['D1-2', 'BOOKED']]);
    const three = await reopened.book({ category: 'WALK_IN', patient: patient('p3'), idempotencyKey: 'k3' });
    expect(three.label).toBe('D1-3');
    await rejectsWith(reopened.book({ category: 'WALK_IN', patient: patient('p4'), idempotencyKey: 'k4' }), 'SLOT_FULL');
    const report = await opd.reconcile(reopened);
    expect(report.toResolve).toEqual([]);
    expect(report.applied.map((c) => [c.kind, c.label])).toEqual([
      ['book', 'D1-1'],
      ['book', 'D1-2'],
      ['cancel', 'D1-1'],
      ['book', 'D1-3'],
    ]);
    expect((await opd.getSlot('d1-09')).places.map((t) => t.label).sort()).toEqual(['D1-2', 'D1-3']);
  });

  it.each([
    ['a null command', (log: Record<string, unknown>[]) => [log[0], null], 'log[1]'],
    ['a time that is not a date', (log: Record<string, unknown>[]) => [log[0], { ...log[1], at: 'yesterday' }], 'log[1].at'],
    ['a category outside the lease', (log: Record<string, unknown>[]) => [log[0], { ...log[1], category: 'PAID' }], 'log[1].category'],
    ['a label without the desk prefix', (log: Record<string, unknown>[]) => [log[0], { ...log[1], label: '7' }], 'log[1].label'],
    ['an empty key', (log: Record<string, unknown>[]) => [log[0], { ...log[1], idempotencyKey: '' }], 'log[1].idempotencyKey'],
    ['a command of no known kind', (log: Record<string, unknown>[]) => [log[0], { ...log[1], kind: 'move' }], 'log[1].kind'],
    ['a slot the lease does not hold', (log: Record<string, unknown>[]) => [log[0], { ...log[1], slotId: 'd1-10' }], 'log[1].slotId'],
  ])('reconcile refuses a log with %s, naming the command and the field, and stores nothing', async (_, spoil, field) => {
    const clock = new TestClock(at('07:00'));
    const central = await stores[name]!();
    const opd = new OpdScheduler({ ...presets.standard(), storage: central.storage(), clock: clock.now });
    cleanups.push(async () => {
      await opd.close();
      await central.cleanup();
    });
    await doctorWithSlots(opd, 'd1', [9, 10], 2, { overflowCapacity: 0 });
    const lease = await opd.leaseCapacity({ deskId: 'D1', doctorId: 'd1', date: DAY, places: 2, categories: ['WALK_IN', 'EMERGENCY'], ttlMinutes: 240 });
    const desk = await OfflineDesk.open(JSON.parse(JSON.stringify(lease)) as Lease, { clock: clock.now });
    cleanups.push(() => desk.close());
    await desk.book({ category: 'WALK_IN', patient: patient('p1'), slotId: 'd1-09', idempotencyKey: 'k1' });
    await desk.book({ category: 'WALK_IN', patient: patient('p2'), slotId: 'd1-09', idempotencyKey: 'k2' });
    const log = spoil(desk.log() as unknown as Record<string, unknown>[]);
    const before = { history: (await opd.history()).length, slot: await opd.getSlot('d1-09') };
    const error = await rejectsWith(opd.reconcile({ lease, log: () => log as unknown as DeskCommand[] }), 'VALIDATION_FAILED');
    expect(error.details).toMatchObject({ field, command: 1, leaseId: lease.id });
    expect(error.message).not.toContain('Patient');
    expect({ history: (await opd.history()).length, slot: await opd.getSlot('d1-09') }).toEqual(before);
  });

  it("a desk token in a slot closed centrally meanwhile is displaced like the slot's other patients, and reported", async () => {
    const { opd, open } = await setUp(2);
    const desk = await open();
    await desk.book({ category: 'WALK_IN', patient: patient('p1'), slotId: 'd1-09', idempotencyKey: 'k1' });
    const central = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient('c1'), slotId: 'd1-10' });
    await opd.closeSlot('d1-09', { reason: 'leave' });
    const report = await opd.reconcile(desk);
    const tokenId = report.applied[0]!.tokenId!;
    expect(report.toResolve).toEqual([{ reason: 'slot-closed', idempotencyKey: 'k1', tokenId, otherTokenId: null, code: null }]);
    const token = await opd.getToken(tokenId);
    expect(token).toMatchObject({ status: 'BOOKED', slotId: 'd1-10', label: 'D1-1' });
    expect((await opd.getSlot('d1-09')).places).toEqual([]);
    expect((await opd.getSlot('d1-10')).places.map((t) => t.id).sort()).toEqual([central.token.id, tokenId].sort());
  });

  it("a desk token entered once its day is over is ended by the day's closing at once: the next sweep changes nothing", async () => {
    const { opd, open, clock } = await setUp(2);
    const desk = await open();
    clock.set(at('09:05'));
    const token = await desk.book({ category: 'WALK_IN', patient: patient('p1'), slotId: 'd1-09', idempotencyKey: 'k1' });
    await desk.checkIn(token.id, { idempotencyKey: 'i1' });
    clock.set(at('12:00'));
    await opd.closeDay('d1', DAY);
    const report = await opd.reconcile(desk);
    const tokenId = report.applied[0]!.tokenId!;
    expect(report.toResolve).toEqual([
      { reason: 'day-closed', idempotencyKey: 'k1', tokenId, otherTokenId: null, code: null },
      { reason: 'not-applied', idempotencyKey: 'i1', tokenId, otherTokenId: null, code: 'INVALID_TRANSITION' },
    ]);
    expect(await opd.getToken(tokenId)).toMatchObject({ status: 'CANCELLED', cancelReason: 'day-closed' });
    const events = (await opd.history()).length;
    expect(await opd.sweep()).toEqual([]);
    expect((await opd.history()).length).toBe(events);
  });

  it('a desk emergency whose lease had ended goes through the emergency rule: it bumps where a central one would, else is reported unplaced', async () => {
    const { opd, open, clock } = await setUp(1, 1, 30);
    const desk = await open();
    const emergency = await desk.book({ category: 'EMERGENCY', patient: patient('e1'), slotId: 'd1-09', idempotencyKey: 'k1' });
    expect(emergency.label).toBe('D1-1');
    clock.set(at('07:45')); // the lease has ended; its place went back to the day
    await opd.sweep();
    const walkIn = await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: patient('w1'), slotId: 'd1-09' });
    await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: patient('e0'), slotId: 'd1-10' });
    const events: OpdEvent[] = [];
    opd.on('event', (e) => events.push(e));
    const report = await opd.reconcile(desk);
    const tokenId = report.applied[0]!.tokenId!;
    expect(report.toResolve.map((i) => i.reason)).toEqual(['beyond-lease']);
    expect(await opd.getToken(tokenId)).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
    expect(events.find((e) => e.type === 'token:bumped')).toMatchObject({ tokenId: walkIn.token.id, byTokenId: tokenId });
    // No room at all (every place an emergency's, no elastic place): it waits, and is reported unplaced.
    const again = await setUp(1, 1, 30);
    const desk2 = await again.open();
    await desk2.book({ category: 'EMERGENCY', patient: patient('e1'), slotId: 'd1-09', idempotencyKey: 'k1' });
    again.clock.set(at('07:45'));
    await again.opd.sweep();
    await again.opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: patient('e2'), slotId: 'd1-09' });
    await again.opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: patient('e3'), slotId: 'd1-10' });
    const seen: OpdEvent[] = [];
    again.opd.on('event', (e) => seen.push(e));
    const waited = await again.opd.reconcile(desk2);
    const id = waited.applied[0]!.tokenId!;
    expect(await again.opd.getToken(id)).toMatchObject({ status: 'WAITLISTED' });
    expect(seen.filter((e) => e.type === 'emergency:unplaced').map((e) => ('tokenId' in e ? e.tokenId : null))).toEqual([id]);
  });
});
