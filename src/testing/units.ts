/**
 * Units: a unit rolls back whole when its decision throws or its change set does not fit, and
 * loads more under the same lock when its decision asks for it.
 */
import { expect, it } from 'vitest';
import { isOpdError } from '../index.js';
import type { SlotRecord, TokenRecord } from '../model/records.js';
import type { ChangeSet, DoctorSnapshot } from '../model/snapshot.js';
import { DAY, START, emptyChanges, type Suite, withSlots } from './fixtures.js';

/** Declares the tests of this part of the conformance suite. */
export function unitsTests(suite: Suite): void {
  const { timeout, scheduler } = suite;
  it('rolls a unit back whole when its decision throws or its changes do not fit', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    await withSlots(opd, 'd1', [9], 2);
    const before = await opd.history();
    await expect(
      storage.transact({ doctorId: 'd1' }, () => {
        throw new Error('decision failed');
      }),
    ).rejects.toThrow('decision failed');
    const ghost: TokenRecord = {
      id: 'd1~2026-01-30~99',
      doctorId: 'd1',
      day: DAY,
      slotId: null,
      waitingForSlotId: null,
      category: 'ONLINE',
      rank: 4,
      status: 'CANCELLED',
      tokenNumber: 99,
      patient: { name: 'X' },
      requestedAt: START,
      bumpCount: 0,
      placedAt: null,
      notBefore: null,
      idempotencyKey: null,
      cancelReason: null,
      updatedAt: START,
      holdExpiresAt: null,
      label: '99',
    };
    const event = {
      type: 'slot:closed',
      seq: 0,
      facilityId: 'default',
      at: new Date(START),
      doctorId: 'd1',
      actor: null,
      slotId: 'd1-09',
      day: DAY,
      reason: null,
    } as const;
    const changes: ChangeSet = {
      doctor: undefined,
      newSlots: [],
      updatedSlots: [],
      newTokens: [],
      updatedTokens: [ghost],
      days: [],
      idempotency: { doctorId: 'd1', key: 'ghost', fingerprint: '', result: undefined as never },
      events: [event],
    };
    const wrote = storage.transact({ doctorId: 'd1' }, () => ({ kind: 'commit', changes, result: 1 }));
    await expect(wrote).rejects.toSatisfy((e: unknown) => isOpdError(e));
    expect(await opd.history()).toEqual(before);
    const snapshot = await storage.read({ doctorId: 'd1', idempotencyKey: 'ghost', days: [DAY] });
    expect(snapshot.idempotency).toBeUndefined();
    expect(snapshot.days.get(DAY)!.record.lastTokenNumber).toBe(0);
    const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09' });
    expect(booked.token.tokenNumber).toBe(1);
  });

  it('refuses a unit whose new tokens skip or reuse a number, or that updates a token it does not hold, and writes none of it', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    await withSlots(opd, 'd1', [9], 3);
    await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09' });
    const before = await opd.history();
    const held = (await storage.read({ doctorId: 'd1', days: [DAY] })).days.get(DAY)!;
    const first = held.slots[0]!.places[0]!;
    const record = held.record;
    // Each change set also holds records that would fit (a new slot, an event), so that one
    // written before the adapter finds the fault shows.
    const slot = held.slots[0]!.slot;
    const fresh: SlotRecord = { ...slot, id: 'd1-15', start: slot.start + 6 * 3_600_000, end: slot.end + 6 * 3_600_000 };
    const event = {
      type: 'slot:closed',
      seq: 0,
      facilityId: 'default',
      at: new Date(START),
      doctorId: 'd1',
      actor: null,
      slotId: 'd1-09',
      day: DAY,
      reason: null,
    } as const;
    const numbered = (n: number, patient = `P${n}`): TokenRecord => ({
      ...first,
      id: `d1~${DAY}~${n}`,
      tokenNumber: n,
      label: String(n),
      patient: { name: patient },
    });
    const ghost: TokenRecord = { ...numbered(7), status: 'CANCELLED', slotId: null, cancelReason: 'x' };
    const faults: Record<string, Partial<ChangeSet>> = {
      'a number ahead of the day': { newTokens: [numbered(5)] },
      'a number already given': { newTokens: [numbered(1, 'Other')] },
      'an update of a token not stored': { newTokens: [numbered(2)], days: [{ ...record, lastTokenNumber: 2 }], updatedTokens: [ghost] },
    };
    for (const [fault, part] of Object.entries(faults)) {
      const changes: ChangeSet = { ...emptyChanges(), newSlots: [fresh], events: [{ ...event }], guardDuplicates: false, ...part };
      const wrote = storage.transact({ doctorId: 'd1', days: [DAY] }, () => ({ kind: 'commit', changes, result: 1 }));
      await expect(wrote, fault).rejects.toSatisfy((e: unknown) => isOpdError(e));
      expect(await opd.history(), fault).toEqual(before);
      const after = await storage.read({ doctorId: 'd1', days: [DAY], slotIds: ['d1-15'] });
      expect(after.slots.has('d1-15'), fault).toBe(false);
      const day = after.days.get(DAY)!;
      expect(day.record.lastTokenNumber, fault).toBe(1);
      expect(
        day.slots.flatMap((s) => s.places.map((t) => [t.tokenNumber, t.patient.name])),
        fault,
      ).toEqual([[1, 'A']]);
    }
    const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd1-09' });
    expect(booked.token.tokenNumber).toBe(2);
  });

  it('loads more under the same lock when a decision asks for it', { timeout }, async () => {
    const { opd, storage } = await scheduler();
    await withSlots(opd, 'd1', [9, 10], 2);
    const seen: DoctorSnapshot[] = [];
    const result = await storage.transact({ doctorId: 'd1' }, (snapshot) => {
      seen.push(snapshot);
      if (!snapshot.days.has(DAY)) return { kind: 'load', request: { doctorId: 'd1', days: [DAY], schedule: { from: 0 } } };
      return { kind: 'commit', changes: emptyChanges(), result: snapshot.days.get(DAY)!.slots.map((s) => s.slot.id) };
    });
    expect(result).toEqual(['d1-09', 'd1-10']);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.schedule?.map((e) => [e.slot.id, e.occupancy])).toEqual([
      ['d1-09', 0],
      ['d1-10', 0],
    ]);
  });
}
