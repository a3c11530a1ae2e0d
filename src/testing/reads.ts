/**
 * Reads: what `read` returns for each part of a request (and empty days for days without data), in
 * snapshots that later units never change.
 */
import { expect, it } from 'vitest';
import type { DoctorSnapshot } from '../model/snapshot.js';
import { DAY, emptyChanges, type Suite, withSlots } from './fixtures.js';
import { slotFacts } from '../model/queue.js';
import { FairCallOrder } from '../index.js';

/** Declares the tests of this part of the conformance suite. */
export function readsTests(suite: Suite): void {
  it('keeps what the live queue noted of a token: its first call, the estimate told, the turn-near notice sent', { timeout: suite.timeout }, async () => {
    // One call of a more urgent patient, then a walk-in: the second call reads the first from the store.
    const { opd, clock, storage } = await suite.scheduler({
      callOrder: new FairCallOrder({ interleaveEvery: 1 }),
      notify: { turnNear: { positions: 1 }, etaChangedMinutes: 5 },
    });
    await withSlots(opd, 'd1', [9], 3);
    const ids: string[] = [];
    for (const category of ['WALK_IN', 'PAID', 'PAID'])
      ids.push((await opd.book({ doctorId: 'd1', category, patient: { name: category }, slotId: 'd1-09' })).token.id);
    clock.set('2026-01-30T03:40:00Z'); // 09:10 IST
    for (const id of ids) await opd.checkIn(id);
    expect((await opd.callNext('d1')).token?.id).toBe(ids[1]);
    await opd.startConsultation(ids[1]!);
    clock.advance(5 * 60_000);
    await opd.complete(ids[1]!);
    expect((await opd.callNext('d1')).token?.id).toBe(ids[0]);
    const stored = (await storage.read({ doctorId: 'd1', days: [DAY] })).days.get(DAY)!.slots[0]!.places;
    const byId = new Map(stored.map((t) => [t.id, t]));
    expect(byId.get(ids[1]!)?.callIndex).toBe(1);
    expect(byId.get(ids[0]!)?.callIndex).toBe(2);
    expect(byId.get(ids[2]!)?.callIndex ?? null).toBeNull();
    expect(byId.get(ids[0]!)?.turnNearSent).toBe(true);
    expect(typeof byId.get(ids[2]!)?.toldEta).toBe('number');
    const notices = (await opd.history()).filter((e) => e.type === 'token:turn-near' || e.type === 'token:eta-changed');
    expect(notices.length).toBeGreaterThan(0);
    for (const e of notices) expect('estimatedStart' in e && e.estimatedStart instanceof Date).toBe(true);
  });

  const { timeout, scheduler } = suite;
  it('reads what a request names, and empty days for days without data', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    await withSlots(opd, 'd1', [9], 2);
    await withSlots(opd, 'd2', [9], 2);
    const { token } = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p', name: 'A' }, slotId: 'd1-09', idempotencyKey: 'k' });
    const byToken = await storage.read({ tokenId: token.id });
    expect(byToken.doctor?.id).toBe('d1');
    expect(byToken.tokens.get(token.id)?.status).toBe('BOOKED');
    expect([...byToken.days.keys()]).toEqual([DAY]);
    const bySlot = await storage.read({ slotId: 'd2-09', slotIds: ['d1-09', 'nope'] });
    expect(bySlot.doctor?.id).toBe('d2');
    expect([...bySlot.slots.keys()].sort()).toEqual(['d1-09', 'd2-09']);
    const other = await storage.read({ doctorId: 'd2', tokenId: token.id, days: ['2027-01-01'], idempotencyKey: 'k' });
    expect(other.tokens.size).toBe(0);
    expect(other.idempotency).toBeUndefined();
    expect(other.days.get('2027-01-01')).toMatchObject({ record: { doctorId: 'd2', day: '2027-01-01', lastTokenNumber: 0 }, slots: [], waitlist: [] });
    const nobody = await storage.read({ doctorId: 'nobody', days: [DAY], schedule: { from: 0 } });
    expect(nobody.doctor).toBeUndefined();
    expect(nobody.days.size).toBe(0);
    expect(nobody.schedule).toEqual([]);
    expect((await storage.read({ tokenId: 'not-a-token' })).doctor).toBeUndefined();
    expect((await storage.read({ doctorId: 'd1', idempotencyKey: 'k' })).idempotency?.result.token.id).toBe(token.id);
  });

  it("counts, when it counts them, a day's holds and its consultations as they stand", { timeout }, async () => {
    const { opd, clock, storage } = await scheduler();
    await withSlots(opd, 'd1', [9], 4);
    const tokens = [];
    for (const name of ['A', 'B', 'C']) tokens.push((await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name }, slotId: 'd1-09' })).token);
    await opd.hold({ doctorId: 'd1', category: 'PAID', patient: { name: 'D' }, slotId: 'd1-09', holdMinutes: 600 });
    const counts = async (): Promise<{ holds?: number | undefined; consultations?: number | undefined }> => {
      const day = (await storage.read({ doctorId: 'd1', days: [DAY] })).days.get(DAY);
      // Either count is optional: a store that gives one gives the day's.
      return { ...(day?.holds === undefined ? {} : { holds: day.holds }), ...(day?.consultations === undefined ? {} : { consultations: day.consultations }) };
    };
    const expected = (holds: number, consultations: number): object => ({ holds, consultations });
    const given = (actual: object, wanted: object): object => Object.fromEntries(Object.entries(wanted).filter(([key]) => key in actual));
    let actual = await counts();
    expect(actual).toEqual(given(actual, expected(1, 0)));
    clock.set(`${DAY}T03:35:00Z`);
    for (const token of tokens.slice(0, 2)) await opd.checkIn(token.id);
    await opd.startConsultation(tokens[0]!.id);
    actual = await counts();
    expect(actual).toEqual(given(actual, expected(1, 1)));
    await opd.complete(tokens[0]!.id);
    await opd.startConsultation(tokens[1]!.id);
    actual = await counts();
    expect(actual).toEqual(given(actual, expected(1, 2)));
  });

  it("keeps, when it keeps them, each slot's facts in step with its places through every change", { timeout }, async () => {
    const { opd, clock, storage } = await scheduler();
    await withSlots(opd, 'd1', [9, 10], 4);
    const ids: string[] = [];
    for (const [name, slotId] of [
      ['A', 'd1-09'],
      ['B', 'd1-09'],
      ['C', 'd1-09'],
      ['E', 'd1-10'],
    ] as const)
      ids.push((await opd.book({ doctorId: 'd1', category: name === 'E' ? 'EMERGENCY' : 'ONLINE', patient: { name }, slotId })).token.id);
    // The facts a unit and a read are given, slot by slot, against those of the places beside them.
    const check = async (): Promise<void> => {
      const seen = await storage.transact({ doctorId: 'd1', days: [DAY] }, (snapshot) => ({
        kind: 'commit',
        changes: emptyChanges(),
        result: snapshot.days.get(DAY)!.slots.map((s) => ({ facts: s.facts, places: s.places })),
      }));
      const read = (await storage.read({ doctorId: 'd1', days: [DAY] })).days.get(DAY)!.slots.map((s) => ({ facts: s.facts, places: s.places }));
      for (const { facts, places } of [...seen, ...read]) {
        if (facts === undefined) continue;
        const expected = slotFacts(places);
        expect({ ...facts, completions: [...facts.completions].sort(), checkedIn: facts.checkedIn.map((t) => t.id).sort() }).toEqual({
          ...expected,
          completions: [...expected.completions].sort(),
          checkedIn: expected.checkedIn.map((t) => t.id).sort(),
        });
      }
    };
    await check();
    clock.set(`${DAY}T03:35:00Z`);
    for (const id of ids) await opd.checkIn(id);
    await check();
    await opd.startConsultation(ids[0]!);
    await check();
    clock.advance(6 * 60_000);
    await opd.complete(ids[0]!);
    await opd.cancel(ids[1]!);
    await check();
    await opd.startConsultation(ids[3]!);
    clock.advance(4 * 60_000);
    await opd.complete(ids[3]!);
    await check();
  });

  it('hands out read snapshots that later units never change', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    await withSlots(opd, 'd1', [9], 3);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09' });
    const snapshot = await storage.read({ doctorId: 'd1', days: [DAY], schedule: { from: 0 } });
    const before = JSON.stringify(dump(snapshot));
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd1-09' });
    await opd.cancel('d1~2026-01-30~1');
    expect(JSON.stringify(dump(snapshot))).toBe(before);
  });
}

/** A snapshot as data, every part of it, to see whether it changed. */
function dump(snapshot: DoctorSnapshot): unknown {
  return {
    doctor: snapshot.doctor,
    days: [...snapshot.days].map(([day, d]) => [day, d.record, d.slots.map((s) => [s.slot, s.places]), d.waitlist]),
    tokens: [...snapshot.tokens],
    slots: [...snapshot.slots],
    schedule: snapshot.schedule?.map((e) => [e.slot, e.occupancy]),
    idempotency: snapshot.idempotency,
  };
}
