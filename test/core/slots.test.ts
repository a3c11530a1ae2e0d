/**
 * Reopening a slot and adding a weekly rota on snapshots built by hand: what each reads, and
 * what each refusal says.
 */
import { describe, expect, it } from 'vitest';
import { addRecurringSlots } from '../../src/core/commands/add-recurring-slots.js';
import { reopenSlot } from '../../src/core/commands/reopen-slot.js';
import { at, committed, config, DAY, refusal, slot, snapshot } from './builders.js';

const standard = config();

describe('reopenSlot: what it reads and says', () => {
  it('reads the slot alone', () => {
    expect(reopenSlot.load({ slotId: 'd1-09' }, at(7))).toStrictEqual({ slotId: 'd1-09' });
  });

  it('an ended slot is refused naming the slot', () => {
    const s = snapshot([slot(9, 1, { status: 'CLOSED' })], [], { slotId: 'd1-09' });
    const error = refusal(() => reopenSlot.decide(standard, s, { slotId: 'd1-09' }, at(10)));
    expect(error).toMatchObject({ code: 'SLOT_ENDED', details: { field: 'slotId', slotId: 'd1-09' } });
    expect((error as unknown as Error).message).toBe('Slot `d1-09` has ended');
  });

  it('a slot that is not closed is refused naming the slot and its status', () => {
    const s = snapshot([slot(9, 1)], [], { slotId: 'd1-09' });
    const error = refusal(() => reopenSlot.decide(standard, s, { slotId: 'd1-09' }, at(7)));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'slotId', slotId: 'd1-09', status: 'OPEN' } });
    expect((error as unknown as Error).message).toBe('Slot `d1-09` is not closed');
  });
});

describe('addRecurringSlots: what it reads and says', () => {
  const id = (hour: number): string => `d1@${new Date(at(hour)).toISOString().replace('.000Z', 'Z')}`;
  const draft = (hour: number, entry = 0, end = hour + 1) => ({
    id: undefined,
    entry,
    start: at(hour),
    end: at(end),
    capacity: 1,
    overflowCapacity: 0,
    day: DAY,
  });

  it('reads the ids the rota gives its slots, their days and the window they span', () => {
    expect(addRecurringSlots.load({ doctorId: 'd1', drafts: [draft(9), draft(11)] }, at(7))).toStrictEqual({
      doctorId: 'd1',
      slotIds: [id(9), id(11)],
      days: [DAY],
      schedule: { from: at(9), to: at(12) },
    });
  });

  it('refuses a doctor that does not exist', () => {
    const s = { ...snapshot([], []), doctor: undefined };
    expect(refusal(() => addRecurringSlots.decide(standard, s, { doctorId: 'd1', drafts: [draft(9)] }, at(7)))).toMatchObject({
      code: 'DOCTOR_NOT_FOUND',
      details: { doctorId: 'd1' },
    });
  });

  it('a slot of its id held by another doctor is not its own: refused as a taken id, not skipped', () => {
    const theirs = slot(9, 1, { id: id(9), doctorId: 'd2' });
    const s = { ...snapshot([], []), slots: new Map([[theirs.id, theirs]]) };
    expect(refusal(() => addRecurringSlots.decide(standard, s, { doctorId: 'd1', drafts: [draft(9, 2)] }, at(7)))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'rota.weekly[2].id', slotId: theirs.id },
    });
  });

  it('an overlap names the weekly entry, the slot and the doctor, in the details and the message', () => {
    const own = slot(9, 3, { id: id(9) });
    const s = { ...snapshot([own], []), slots: new Map([[own.id, own]]) };
    const error = refusal(() => addRecurringSlots.decide(standard, s, { doctorId: 'd1', drafts: [draft(9, 3, 11)] }, at(7)));
    expect(error).toMatchObject({ code: 'SLOT_OVERLAP', details: { field: 'rota.weekly[3]', slotId: own.id, doctorId: 'd1' } });
    expect((error as unknown as Error).message).toBe(`rota.weekly[3] overlaps slot \`${own.id}\` of doctor \`d1\``);
    // A new slot of the rota overlapping another slot of the doctor is named by its own weekly entry.
    const other = slot(12, 1, { id: 'manual' });
    const t = snapshot([other], []);
    expect(refusal(() => addRecurringSlots.decide(standard, t, { doctorId: 'd1', drafts: [draft(10, 0), draft(12, 4)] }, at(7))).details).toMatchObject({
      field: 'rota.weekly[4]',
      slotId: 'manual',
    });
  });

  it('with every slot of the rota already there, changes nothing', () => {
    const own = slot(9, 3, { id: id(9) });
    const s = { ...snapshot([own], []), slots: new Map([[own.id, own]]) };
    const decision = committed(addRecurringSlots.decide(standard, s, { doctorId: 'd1', drafts: [draft(9)] }, at(7)));
    expect(decision.result).toEqual([]);
    expect(decision.changes.newSlots).toEqual([]);
  });
});
