/**
 * The adapter kit's shared pieces: building a day snapshot from rows, and the checks every
 * adapter makes on a change set before writing it.
 */
import { isOpdError, MemoryStorage } from 'opd-scheduler';
import { assembleDay, type ChangeSet, checkChangeSet, emptyDayRecord } from 'opd-scheduler/adapter-kit';
import { describe, expect, it } from 'vitest';
import { slot, token } from '../core/builders.js';

const NONE: ChangeSet = { newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] };

describe('assembleDay', () => {
  it('orders slots by start and puts each token where its status says, in the order given', () => {
    const nine = slot(9, 2);
    const ten = slot(10, 2);
    const tokens = [token(3, 'ONLINE', 'd1-10'), token(1, 'ONLINE', 'd1-09'), token(2, 'WALK_IN', null), token(4, 'ONLINE', null, { status: 'CANCELLED' })];
    const day = assembleDay('test', emptyDayRecord('d1', '2026-01-30'), [ten, nine], tokens);
    expect(day.slots.map((s) => [s.slot.id, s.places.map((t) => t.tokenNumber)])).toEqual([
      ['d1-09', [1]],
      ['d1-10', [3]],
    ]);
    expect(day.waitlist.map((t) => t.tokenNumber)).toEqual([2]);
  });

  it('refuses a token placed in a slot the day does not have', () => {
    expect(() => assembleDay('test', emptyDayRecord('d1', '2026-01-30'), [slot(9, 1)], [token(1, 'ONLINE', 'd1-11')])).toThrow(
      expect.objectContaining({ code: 'STORAGE_FAILURE', details: { adapter: 'test', tokenId: token(1, 'ONLINE', null).id } }) as never,
    );
  });
});

describe('checkChangeSet', () => {
  it('accepts an empty change set and a unit of one doctor', () => {
    expect(checkChangeSet(NONE)).toBeUndefined();
    expect(checkChangeSet({ ...NONE, newTokens: [token(1, 'ONLINE', 'd1-09')], updatedSlots: [slot(9, 2)] })).toBeUndefined();
  });

  it('names what is wrong: several doctors, a record both new and updated, a second live token of a patient', () => {
    const other = { ...slot(9, 1), doctorId: 'd2' };
    expect(checkChangeSet({ ...NONE, newTokens: [token(1, 'ONLINE', 'd1-09')], updatedSlots: [other] })).toEqual({ what: 'unit spanning doctors', id: 'd1' });
    const t = token(1, 'ONLINE', 'd1-09');
    expect(checkChangeSet({ ...NONE, newTokens: [t], updatedTokens: [t] })).toEqual({ what: 'record both new and updated', id: t.id });
    expect(checkChangeSet({ ...NONE, newSlots: [slot(9, 1)], updatedSlots: [slot(10, 1), slot(9, 2)] })).toEqual({ what: 'record both new and updated', id: slot(9, 1).id });
    expect(checkChangeSet({ ...NONE, newSlots: [slot(9, 1)], updatedSlots: [slot(10, 1)] })).toBeUndefined();
    const twice = token(2, 'ONLINE', null, { patient: t.patient });
    expect(checkChangeSet({ ...NONE, newTokens: [t, twice], guardDuplicates: true })).toEqual({ what: 'second live token of a patient', id: twice.id });
    expect(checkChangeSet({ ...NONE, newTokens: [t, twice], guardDuplicates: false })).toBeUndefined();
  });

  it('MemoryStorage refuses what it objects to, writing nothing', async () => {
    const storage = new MemoryStorage();
    const t = token(1, 'ONLINE', null);
    const changes: ChangeSet = { ...NONE, newTokens: [t], updatedTokens: [t] };
    const error = await storage.transact({ doctorId: 'd1' }, () => ({ kind: 'commit', changes, result: 0 })).catch((e: unknown) => e);
    expect(isOpdError(error, 'STORAGE_FAILURE')).toBe(true);
    expect(await storage.history(0, 10)).toEqual([]);
  });
});
