import { OpdScheduler, presets, type OpdSchedulerOptions } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { conformanceStores } from '../conformance/stores.js';
import { at, DAY, rejectsWith, TestClock } from '../helpers.js';

const stores = conformanceStores('free_revisits');

function dayAfter(n: number): string {
  return new Date(Date.parse(`${DAY}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

describe.each(Object.entries(stores).filter(([name, open]) => open !== undefined && !name.includes('standby')))('free revisits (%s)', (_name, open) => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
    cleanups = [];
  });
  const scheduler = async (
    followUps: OpdSchedulerOptions['followUps'] = { freeWithinDays: 10, freeVisits: 2, scope: 'doctor' },
    more: Partial<OpdSchedulerOptions> = {},
  ): Promise<{ opd: OpdScheduler; clock: TestClock }> => {
    const store = await open!();
    const clock = new TestClock(at('07:00'));
    const opd = new OpdScheduler({ ...presets.standard(), ...more, followUps, storage: store.storage(), clock: clock.now });
    cleanups.push(async () => {
      await opd.close();
      await store.cleanup();
    });
    for (const [id, department] of [
      ['d1', 'gen'],
      ['d2', 'gen'],
      ['d3', 'ent'],
    ] as const) {
      await opd.addDoctor({ id, name: `Dr ${id}`, department });
      await opd.addSlots(
        id,
        [0, 3, 5, 11].map((n) => ({ id: `${id}-${n}`, start: `${dayAfter(n)}T09:00:00Z`, end: `${dayAfter(n)}T10:00:00Z`, capacity: 5 })),
      );
    }
    return { opd, clock };
  };
  const patient = { id: 'P-1', name: 'Asha' };
  /** A consultation of today, completed (`charged` or not). */
  const visit = async (opd: OpdScheduler, charged: boolean, doctorId = 'd1'): Promise<string> => {
    const { token } = await opd.book({ doctorId, category: 'ONLINE', patient, slotId: `${doctorId}-0` });
    await opd.checkIn(token.id);
    await opd.startConsultation(token.id);
    const done = await opd.complete(token.id, { charged, actor: 'billing' });
    return done.token.id;
  };

  it('a charged visit opens an entitlement; bookings inside it use it, each once, and give it back when cancelled', async () => {
    const { opd } = await scheduler();
    const events: string[] = [];
    opd.on('event', (e) => events.push(e.type));
    const from = await visit(opd, true);
    expect(events.filter((t) => t.startsWith('entitlement:'))).toEqual(['entitlement:opened']);
    expect((await opd.getToken(from)).charged).toBe(true);
    expect(await opd.entitlementOf('P-1', { doctorId: 'd1', at: dayAfter(3) })).toMatchObject({
      left: 2,
      entitlements: [{ fromTokenId: from, until: dayAfter(10), used: 0, left: 2 }],
    });
    const first = await opd.book({ doctorId: 'd1', category: 'FOLLOW_UP', patient, slotId: 'd1-3' });
    expect(first.token.entitlement).toEqual({ fromTokenId: from, visit: 1 });
    expect(first.effects.map((e) => e.type)).toContain('entitlement:used');
    const second = await opd.book({ doctorId: 'd1', category: 'FOLLOW_UP', patient, slotId: 'd1-5' });
    expect(second.token.entitlement).toEqual({ fromTokenId: from, visit: 2 });
    expect((await opd.entitlementOf('P-1', { doctorId: 'd1', at: dayAfter(5) })).left).toBe(0);
    // Another doctor (scope: doctor) or after the window: not free.
    expect((await opd.book({ doctorId: 'd2', category: 'FOLLOW_UP', patient, slotId: 'd2-3' })).token.entitlement).toBeUndefined();
    expect((await opd.book({ doctorId: 'd1', category: 'FOLLOW_UP', patient, slotId: 'd1-11' })).token.entitlement).toBeUndefined();
    // Cancelled: given back, and the next booking uses it again.
    const cancelled = await opd.cancel(second.token.id);
    expect(cancelled.effects.map((e) => e.type)).toContain('entitlement:returned');
    expect((await opd.entitlementOf('P-1', { doctorId: 'd1', at: dayAfter(5) })).left).toBe(1);
    const again = await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient, slotId: 'd1-5' });
    expect(again.token.entitlement).toEqual({ fromTokenId: from, visit: 2 });
    const history = await opd.history();
    expect(JSON.stringify(history.filter((e) => e.type.startsWith('entitlement:')))).not.toContain('Asha');
  });

  it('a revisit moved to another day, or carried by its closed day, keeps its free visit: nothing given back, nothing used again', async () => {
    const { opd, clock } = await scheduler({ freeWithinDays: 10, freeVisits: 1, scope: 'doctor' }, { closeOut: { carryForward: true } });
    const from = await visit(opd, true);
    const revisit = await opd.book({ doctorId: 'd1', category: 'FOLLOW_UP', patient, slotId: 'd1-3' });
    expect(revisit.token.entitlement).toEqual({ fromTokenId: from, visit: 1 });
    const moved = await opd.move(revisit.token.id, { slotId: 'd1-5' });
    expect(moved.effects.map((e) => e.type).filter((t) => t.startsWith('entitlement:'))).toEqual([]);
    expect(moved.token.entitlement).toEqual({ fromTokenId: from, visit: 1 });
    expect((await opd.entitlementOf('P-1', { doctorId: 'd1', at: dayAfter(5) })).left).toBe(0);
    // Its day closed before the patient was seen: carried to the next day, still the free visit.
    clock.set(`${dayAfter(5)}T11:00:00Z`);
    const closed = await opd.closeDay('d1', dayAfter(5));
    expect(closed.map((e) => e.type)).toContain('token:carried');
    expect(closed.map((e) => e.type).filter((t) => t.startsWith('entitlement:'))).toEqual([]);
    const carriedEvent = closed.find((e) => e.type === 'token:carried');
    const carriedTo = carriedEvent?.type === 'token:carried' ? await opd.getToken(carriedEvent.toTokenId) : undefined;
    expect(carriedTo?.entitlement).toEqual({ fromTokenId: from, visit: 1 });
    expect((await opd.entitlementOf('P-1', { doctorId: 'd1', at: dayAfter(5) })).left).toBe(0);
    // Cancelled in its new place: given back, once.
    expect((await opd.cancel(carriedTo!.id)).effects.map((e) => e.type)).toContain('entitlement:returned');
    expect((await opd.entitlementOf('P-1', { doctorId: 'd1', at: dayAfter(5) })).left).toBe(1);
    const told = (await opd.history()).filter((e) => e.type.startsWith('entitlement:')).map((e) => e.type);
    expect(told).toEqual(['entitlement:opened', 'entitlement:used', 'entitlement:returned']);
  });

  it('a visit not charged opens nothing, unless every completion is charged; the department scope reaches colleagues', async () => {
    const { opd } = await scheduler({ freeWithinDays: 7, freeVisits: 1, scope: 'department', everyCompletion: true });
    const from = await visit(opd, false);
    const other = await opd.book({ doctorId: 'd2', category: 'FOLLOW_UP', patient, slotId: 'd2-3' });
    expect(other.token.entitlement).toEqual({ fromTokenId: from, visit: 1 });
    expect((await opd.book({ doctorId: 'd3', category: 'FOLLOW_UP', patient: { id: 'P-1', name: 'Asha' }, slotId: 'd3-5' })).token.entitlement).toBeUndefined();
    expect(await opd.entitlementOf('P-1', { department: 'gen', at: dayAfter(3) })).toMatchObject({ left: 0 });
  });

  it('a visit completed without a charge opens nothing; the sweep reports an entitlement expired at its end', async () => {
    const { opd, clock } = await scheduler({ freeWithinDays: 2, freeVisits: 1, scope: 'doctor' });
    await visit(opd, false);
    expect((await opd.entitlementOf('P-1', { doctorId: 'd1', at: dayAfter(1) })).entitlements).toEqual([]);
    const { token } = await opd.book({ doctorId: 'd2', category: 'ONLINE', patient, slotId: 'd2-0' });
    await opd.checkIn(token.id);
    await opd.startConsultation(token.id);
    await opd.complete(token.id, { charged: true });
    clock.set(`${dayAfter(3)}T00:30:00Z`);
    const swept = await opd.sweep();
    expect(swept.filter((e) => e.type === 'entitlement:expired')).toMatchObject([{ fromTokenId: token.id, until: dayAfter(2) }]);
    expect((await opd.sweep()).filter((e) => e.type === 'entitlement:expired')).toEqual([]);
  });

  it('refuses a bad option and a scheduler without it', async () => {
    expect(() => new OpdScheduler({ followUps: { freeWithinDays: 0, freeVisits: 1, scope: 'doctor' } })).toThrow(/freeWithinDays/);
    expect(() => new OpdScheduler({ followUps: { freeWithinDays: 3, freeVisits: 1, scope: 'ward' as never } })).toThrow(/scope/);
    const plain = new OpdScheduler();
    await rejectsWith(plain.entitlementOf('P-1', { doctorId: 'd1' }), 'VALIDATION_FAILED');
    await plain.close();
  });
});
