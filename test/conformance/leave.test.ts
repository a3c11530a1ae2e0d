/**
 * A doctor's leave (`closeSlots`) on every store: memory, PostgreSQL on PGlite and (with
 * DATABASE_URL) on a server. Every store gives the same effects, keeps what it closed for a fresh
 * scheduler, and changes nothing on a dry run or a refused leave.
 */
import { type Effect, type LeaveInput, MemoryStorage, OpdScheduler, presets, type StorageAdapter } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { rejectsWith } from '../helpers.js';
import { conformanceStores } from './stores.js';

const STORES = conformanceStores('leave_t');

const DAYS = ['2026-01-30', '2026-01-31', '2026-02-01'] as const;
const HOURS = [9, 10, 11, 12] as const;
const pad = (h: number): string => String(h).padStart(2, '0');
const strip = (effects: readonly Effect[]): unknown[] => effects.map(({ seq: _seq, ...rest }) => rest);

/** Three days of four hourly slots, each with two patients (one in eight an emergency). */
async function leaveWorld(storage: StorageAdapter): Promise<OpdScheduler> {
  const opd = new OpdScheduler({ ...presets.standard(), storage, clock: () => new Date('2026-01-30T07:00:00Z') });
  await opd.addDoctor({ id: 'd1', name: 'Dr One' });
  await opd.addSlots(
    'd1',
    DAYS.flatMap((day) =>
      HOURS.map((h) => ({ id: `${day}-${pad(h)}`, start: `${day}T${pad(h)}:00:00Z`, end: `${day}T${pad(h + 1)}:00:00Z`, capacity: 3, overflowCapacity: 1 })),
    ),
  );
  let p = 0;
  for (const day of DAYS) {
    for (const h of HOURS) {
      for (let k = 0; k < 2; k++) {
        p++;
        await opd.book({
          doctorId: 'd1',
          category: p % 8 === 0 ? 'EMERGENCY' : p % 3 === 0 ? 'PAID' : 'ONLINE',
          patient: { id: `p${p}`, name: `P${p}` },
          slotId: `${day}-${pad(h)}`,
        });
      }
    }
  }
  return opd;
}

const LEAVE = { from: '2026-01-30T10:30:00Z', to: '2026-02-01T11:00:00Z', reason: 'on leave' } as const;

/**
 * The leave on a fresh world of `storage`: its dry run stores nothing and equals the memory
 * store's real run, and the real run equals the dry run. Returns the scheduler, the history
 * before it and the effects.
 */
async function leaveOn(storage: StorageAdapter, leave: LeaveInput): Promise<{ opd: OpdScheduler; before: readonly Effect[]; effects: Effect[] }> {
  const expected = strip(await (await leaveWorld(new MemoryStorage())).closeSlots('d1', leave));
  const opd = await leaveWorld(storage);
  const before = await opd.history();
  const preview = await opd.closeSlots('d1', { ...leave, dryRun: true });
  expect(await opd.history(), 'a dry run stores nothing').toEqual(before);
  expect(strip(preview), 'the same preview on every store').toEqual(expected);
  const effects = await opd.closeSlots('d1', leave);
  expect(strip(effects), 'the real run is the preview').toEqual(strip(preview));
  return { opd, before, effects };
}

for (const [name, open] of Object.entries(STORES)) {
  describe.skipIf(open === undefined)(`a doctor's leave on ${name}`, () => {
    it('closes the range in one unit, the preview equal to the real run, kept for every reader', async () => {
      const store = await open!();
      try {
        const { opd, before, effects } = await leaveOn(store.storage(), LEAVE);
        expect(effects.filter((e) => e.type === 'slot:closed').map((e) => e.slotId)).toEqual([
          '2026-01-30-10',
          '2026-01-30-11',
          '2026-01-30-12',
          '2026-01-31-09',
          '2026-01-31-10',
          '2026-01-31-11',
          '2026-01-31-12',
          '2026-02-01-09',
          '2026-02-01-10',
        ]);
        const reader = new OpdScheduler({ storage: store.storage(), clock: () => new Date('2026-01-30T07:00:00Z') });
        expect((await reader.history()).slice(before.length)).toEqual([...effects]);
        const first = await reader.getSchedule('d1', '2026-02-01');
        expect(first.slots.map((v) => [v.slot.id, v.slot.status, v.places.length])).toEqual([
          ['2026-02-01-09', 'CLOSED', 0],
          ['2026-02-01-10', 'CLOSED', 0],
          // the first free places after the leave went to the first day's emergency and its best patient; the elastic one to the second day's emergency
          ['2026-02-01-11', 'OPEN', 4],
          ['2026-02-01-12', 'OPEN', 3],
        ]);
        const moved = effects.filter((e) => e.type === 'token:moved');
        expect(await Promise.all(moved.map(async (e) => [e.fromDay, e.toSlotId, (await reader.getToken(e.tokenId)).category]))).toEqual([
          ['2026-01-30', '2026-02-01-11', 'EMERGENCY'],
          ['2026-01-30', '2026-02-01-12', 'PAID'],
          ['2026-01-31', '2026-02-01-11', 'EMERGENCY'],
        ]);
        expect((await reader.getSchedule('d1', '2026-01-30')).waitlist, 'no room left anywhere for the rest of the first day').toHaveLength(4);
        expect((await reader.getSchedule('d1', '2026-01-31')).waitlist).toHaveLength(7);
        expect(first.waitlist, 'the four displaced on the last day find no place').toHaveLength(4);
        expect(await opd.closeSlots('d1', LEAVE), 'nothing left to close').toEqual([]);
      } finally {
        await store.cleanup();
      }
    });

    it('moves the patients of a whole day of leave to the next days with room, as new tokens there, kept for every reader', async () => {
      const day = { from: '2026-01-30T00:00:00Z', to: '2026-01-31T00:00:00Z', reason: 'on leave' } as const;
      const store = await open!();
      try {
        const { before, effects } = await leaveOn(store.storage(), day);
        const moves = effects.filter((e) => e.type === 'token:moved');
        // Eight displaced: the emergency first, then the others; the next day has one free place a slot, the day after too.
        expect(moves.map((e) => [e.fromDay, e.day, e.toSlotId])).toEqual([
          ['2026-01-30', '2026-01-31', '2026-01-31-09'],
          ['2026-01-30', '2026-01-31', '2026-01-31-10'],
          ['2026-01-30', '2026-01-31', '2026-01-31-11'],
          ['2026-01-30', '2026-01-31', '2026-01-31-12'],
          ['2026-01-30', '2026-02-01', '2026-02-01-09'],
          ['2026-01-30', '2026-02-01', '2026-02-01-10'],
          ['2026-01-30', '2026-02-01', '2026-02-01-11'],
          ['2026-01-30', '2026-02-01', '2026-02-01-12'],
        ]);
        expect(effects).toHaveLength(4 + 8);
        const reader = new OpdScheduler({ storage: store.storage(), clock: () => new Date('2026-01-30T07:00:00Z') });
        expect((await reader.history()).slice(before.length)).toEqual([...effects]);
        for (const move of moves) {
          expect(await reader.getToken(move.fromTokenId)).toMatchObject({ status: 'CANCELLED', cancelReason: 'moved' });
          expect(await reader.getToken(move.tokenId)).toMatchObject({ status: 'BOOKED', slotId: move.toSlotId, day: move.day });
        }
        for (const d of ['2026-01-31', '2026-02-01']) {
          const schedule = await reader.getSchedule('d1', d);
          expect(
            schedule.slots.map((v) => v.places.length),
            `${d} full`,
          ).toEqual([3, 3, 3, 3]);
          expect(
            schedule.slots.flatMap((v) => v.places.map((t) => t.tokenNumber)).sort((a, b) => a - b),
            `${d}: token numbers 1..12`,
          ).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
        }
      } finally {
        await store.cleanup();
      }
    });

    it('reassigns within the department in one unit over the doctors, kept for every reader', async () => {
      const store = await open!();
      try {
        const clock = () => new Date('2026-01-30T07:00:00Z');
        const opd = new OpdScheduler({ ...presets.standard(), storage: store.storage(), clock });
        for (const id of ['d1', 'd2']) await opd.addDoctor({ id, name: `Dr ${id}`, department: 'medicine' });
        await opd.addSlots('d1', [
          { id: 'd1-09', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 2 },
          { id: 'd1-10', start: '2026-01-30T10:00:00Z', end: '2026-01-30T11:00:00Z', capacity: 2 },
        ]);
        await opd.addSlots('d2', [{ id: 'd2-09', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 1 }]);
        const a = await opd.book({ doctorId: 'd1', category: 'PAID', patient: { id: 'p1', name: 'A' }, slotId: 'd1-09' });
        const b = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: 'B' }, slotId: 'd1-09' });
        const leave = { from: '2026-01-30T09:00:00Z', to: '2026-01-30T10:00:00Z', reassign: 'department' } as const;
        const preview = await opd.closeSlots('d1', { ...leave, dryRun: true });
        const effects = await opd.closeSlots('d1', leave);
        expect(strip(effects)).toEqual(strip(preview));
        expect(effects.map((e) => e.type)).toEqual(['slot:closed', 'token:moved', 'token:cascaded']);
        const reader = new OpdScheduler({ storage: store.storage(), clock });
        expect(await reader.getToken(a.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'moved' });
        expect((await reader.getSlot('d2-09')).places.map((t) => t.patient.id)).toEqual(['p1']);
        expect(await reader.getToken(b.token.id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-10' });
        expect((await reader.history()).slice(-3)).toEqual([...effects]);
      } finally {
        await store.cleanup();
      }
    });

    it('under a department-day duplicate rule, reads the department in the unit and skips a later day the patient holds a token in it', async () => {
      const store = await open!();
      try {
        const clock = () => new Date('2026-01-30T07:00:00Z');
        const opd = new OpdScheduler({ ...presets.standard(), duplicates: { scope: 'department-day' }, storage: store.storage(), clock });
        for (const id of ['d1', 'd2']) await opd.addDoctor({ id, name: `Dr ${id}`, department: 'medicine' });
        await opd.addSlots('d1', [
          { id: 'd1-30', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 1 },
          { id: 'd1-31', start: '2026-01-31T08:00:00Z', end: '2026-01-31T09:00:00Z', capacity: 1 },
          { id: 'd1-01', start: '2026-02-01T08:00:00Z', end: '2026-02-01T09:00:00Z', capacity: 1 },
        ]);
        await opd.addSlots('d2', [{ id: 'd2-31', start: '2026-01-31T10:00:00Z', end: '2026-01-31T11:00:00Z', capacity: 1 }]);
        await opd.book({ doctorId: 'd2', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 'd2-31' });
        const a = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 'd1-30' });
        const leave = { from: '2026-01-30T08:00:00Z', to: '2026-01-30T12:00:00Z' } as const;
        const preview = await opd.closeSlots('d1', { ...leave, dryRun: true });
        const effects = await opd.closeSlots('d1', leave);
        expect(strip(effects)).toEqual(strip(preview));
        expect(effects.map((e) => e.type)).toEqual(['slot:closed', 'token:moved']);
        const reader = new OpdScheduler({ storage: store.storage(), clock });
        expect(await reader.getToken(a.token.id)).toMatchObject({ status: 'CANCELLED', cancelReason: 'moved' });
        expect((await reader.getSlot('d1-31')).places).toEqual([]);
        expect((await reader.getSlot('d1-01')).places.map((t) => t.patient.id)).toEqual(['p1']);
      } finally {
        await store.cleanup();
      }
    });

    it('refuses a leave over a checked-in patient, closing nothing', async () => {
      const store = await open!();
      try {
        let now = new Date('2026-01-30T07:00:00Z');
        const opd = new OpdScheduler({ ...presets.standard(), storage: store.storage(), clock: () => now });
        await opd.addDoctor({ id: 'd1', name: 'Dr One' });
        await opd.addSlots('d1', [
          { id: 's9', start: '2026-01-30T09:00:00Z', end: '2026-01-30T10:00:00Z', capacity: 1 },
          { id: 's10', start: '2026-01-30T10:00:00Z', end: '2026-01-30T11:00:00Z', capacity: 1 },
        ]);
        const inside = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 's10' });
        now = new Date('2026-01-30T09:30:00Z');
        await opd.checkIn(inside.token.id);
        const before = await opd.history();
        const error = await rejectsWith(opd.closeSlots('d1', { from: '2026-01-30T09:00:00Z', to: '2026-01-30T11:00:00Z' }), 'VALIDATION_FAILED');
        expect(error.details).toMatchObject({ slotId: 's10', tokenIds: [inside.token.id] });
        expect((await opd.getSlot('s9')).slot.status).toBe('OPEN');
        expect(await opd.history()).toEqual(before);
        await rejectsWith(opd.closeSlots('nobody', { from: '2026-01-30T09:00:00Z', to: '2026-01-30T11:00:00Z' }), 'DOCTOR_NOT_FOUND');
      } finally {
        await store.cleanup();
      }
    });
  });
}
