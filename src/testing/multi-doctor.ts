/**
 * The `multiDoctor` capability: units over several doctors (load requests with `others`,
 * `department` or, where declared, `everyDoctor`) lock every doctor named, in one order, read each, and write records of each
 * atomically; concurrent units over the same doctors in opposite orders never deadlock and never
 * lose an update.
 */
import { expect, it } from 'vitest';
import { isOpdError, MemoryStorage, OpdScheduler, presets, type StorageAdapter } from '../index.js';
import type { DayRecord } from '../model/records.js';
import type { ChangeSet, DoctorSnapshot, LoadRequest } from '../model/snapshot.js';
import { bySeqRank, DAY, type Suite } from './fixtures.js';

/** The doctors every test starts with: `a` (department `y`), `b` and `c` (department `x`). */
async function doctors(storage: StorageAdapter): Promise<void> {
  const opd = new OpdScheduler({ storage, clock: () => new Date('2026-01-30T01:30:00Z'), timeZone: 'Asia/Kolkata' });
  await opd.addDoctor({ id: 'c', name: 'Dr C', department: 'x' });
  await opd.addDoctor({ id: 'a', name: 'Dr A', department: 'y' });
  await opd.addDoctor({ id: 'b', name: 'Dr B', department: 'x' });
}

function changes(days: readonly DayRecord[]): ChangeSet {
  return { newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days, events: [] };
}

/** The day counter of a doctor in a snapshot (the locked doctor or one of the others). */
function dayOf(snapshot: DoctorSnapshot, doctorId: string): DayRecord {
  const doctor = snapshot.doctor?.id === doctorId ? snapshot : snapshot.others?.get(doctorId);
  const day = doctor?.days.get(DAY);
  if (day === undefined) throw new Error(`day of ${doctorId} not loaded`);
  return day.record;
}

const bump = (record: DayRecord): DayRecord => ({ ...record, lastTokenNumber: record.lastTokenNumber + 1 });

async function counter(storage: StorageAdapter, doctorId: string): Promise<number> {
  return (await storage.read({ doctorId, days: [DAY] })).days.get(DAY)!.record.lastTokenNumber;
}

/**
 * Department bookings and moves between doctors through a scheduler: every result, schedule and
 * event, as JSON (what must equal `MemoryStorage`'s).
 */
async function departmentDay(storage: StorageAdapter): Promise<unknown> {
  const opd = new OpdScheduler({ ...presets.waitlist(), storage, clock: () => new Date('2026-01-30T03:00:00Z'), timeZone: 'Asia/Kolkata' });
  const out: unknown[] = [];
  const step = async (call: () => Promise<unknown>): Promise<void> => {
    try {
      out.push(await call());
    } catch (error) {
      out.push(isOpdError(error) ? { code: error.code, details: error.details } : String(error));
    }
  };
  for (const [id, hours] of [
    ['b', [9, 10]],
    ['a', [9, 11]],
  ] as const) {
    await opd.addDoctor({ id, name: `Dr ${id}`, department: 'x' });
    await opd.addSlots(
      id,
      hours.map((h) => ({
        id: `${id}-${h}`,
        start: `${DAY}T${String(h).padStart(2, '0')}:00:00+05:30`,
        end: `${DAY}T${String(h + 1).padStart(2, '0')}:00:00+05:30`,
        capacity: 3,
      })),
    );
  }
  const booked: string[] = [];
  for (let i = 0; i < 8; i++) {
    await step(async () => {
      const result = await opd.book({
        department: 'x',
        category: i === 5 ? 'EMERGENCY' : 'ONLINE',
        patient: { id: `p${i}`, name: `P${i}` },
        date: DAY,
        idempotencyKey: `k${i}`,
      });
      booked.push(result.token.id);
      return result;
    });
  }
  await step(() => opd.book({ department: 'x', category: 'ONLINE', patient: { id: 'p0', name: 'P0' }, date: DAY, idempotencyKey: 'k0' }));
  await step(() => opd.book({ department: 'nowhere', category: 'ONLINE', patient: { name: 'Q' } }));
  await step(() => opd.cancel(booked[1]!));
  await step(() => opd.move(booked[0]!, { slotId: 'b-10' }, { dryRun: true }));
  await step(() => opd.move(booked[0]!, { slotId: 'b-10' }, { reason: 'asked' }));
  await step(() => opd.move(booked[2]!, { doctorId: 'a', date: DAY }));
  await step(() => opd.move(booked[3]!, { slotId: 'a-9' }));
  for (const id of ['a', 'b']) await step(() => opd.getSchedule(id, DAY));
  await step(() => opd.history());
  await opd.close();
  return bySeqRank(JSON.parse(JSON.stringify(out)) as unknown[]);
}

/** Declares the tests of this part of the conformance suite. */
export function multiDoctorTests(suite: Suite): void {
  const { timeout, concurrency, open } = suite;
  it('declares the capability', { timeout }, async () => {
    expect((await open()).multiDoctor).toBe(true);
  });

  it('books by department and moves patients between doctors with the same results as MemoryStorage', { timeout }, async () => {
    const expected = await departmentDay(new MemoryStorage());
    expect(await departmentDay(await open())).toEqual(expected);
  });

  it('books by department without a date into the soonest free place, past the first slots of each doctor', { timeout }, async () => {
    const storage = await open();
    const opd = new OpdScheduler({ storage, clock: () => new Date('2026-01-30T01:30:00Z'), timeZone: 'UTC' });
    // Two doctors with ten days of eight hourly slots of one place; the first 70 of b's and
    // 66 of c's taken, past the slots a booking reads first.
    const ids = new Map<string, string[]>();
    for (const [id, full] of [
      ['b', 70],
      ['c', 66],
    ] as const) {
      await opd.addDoctor({ id, name: `Dr ${id}`, department: 'x' });
      const slots = [];
      for (let d = 0; d < 10; d++) {
        for (let h = 9; h < 17; h++) {
          const start = Date.parse(`${DAY}T00:00:00Z`) + d * 86_400_000 + h * 3_600_000;
          slots.push({ start: new Date(start), end: new Date(start + 3_600_000), capacity: 1 });
        }
      }
      const added = (await opd.addSlots(id, slots)).map((s) => s.id);
      ids.set(id, added);
      for (let i = 0; i < full; i++) await opd.book({ doctorId: id, category: 'ONLINE', patient: { id: `${id}${i}`, name: `P${i}` }, slotId: added[i]! });
    }
    const { token } = await opd.book({ department: 'x', category: 'ONLINE', patient: { id: 'late', name: 'Late' } });
    expect(token).toMatchObject({ doctorId: 'c', slotId: ids.get('c')![66], status: 'BOOKED' });
    const next = await opd.book({ department: 'x', category: 'ONLINE', patient: { id: 'later', name: 'Later' } });
    expect(next.token).toMatchObject({ doctorId: 'c', slotId: ids.get('c')![67] });
    await opd.close();
  });

  it('locks and reads several doctors in one unit and writes records of each together', { timeout }, async () => {
    const storage = await open();
    await doctors(storage);
    const request: LoadRequest = {
      doctorId: 'a',
      days: [DAY],
      others: [
        { doctorId: 'c', days: [DAY] },
        { doctorId: 'b', days: [DAY] },
      ],
    };
    const seen = await storage.transact(request, (snapshot) => {
      const days = ['a', 'b', 'c'].map((id) => bump(dayOf(snapshot, id)));
      return { kind: 'commit', changes: changes(days), result: { doctor: snapshot.doctor?.id, others: [...(snapshot.others?.keys() ?? [])] } };
    });
    expect(seen).toEqual({ doctor: 'a', others: ['b', 'c'] });
    for (const id of ['a', 'b', 'c']) expect(await counter(storage, id)).toBe(1);
    // A doctor that does not exist is read as such, not refused.
    const missing = await storage.read({ doctorId: 'a', others: [{ doctorId: 'nobody' }] });
    expect(missing.others?.get('nobody')?.doctor).toBeUndefined();
    // A doctor named with nothing to read (a lock the unit holds) comes with its record alone, as a
    // read of that doctor gives it; beside doctors read in full, and one that does not exist.
    const held = await storage.read({ others: [{ doctorId: 'nobody' }, { doctorId: 'c', days: [DAY] }, { doctorId: 'b' }] });
    expect([...(held.others?.keys() ?? [])]).toEqual(['b', 'c', 'nobody']);
    expect(held.others?.get('b')?.doctor).toEqual((await storage.read({ doctorId: 'b' })).doctor);
    expect(held.others?.get('b')?.days.size).toBe(0);
    expect(held.others?.get('c')?.days.get(DAY)?.record.lastTokenNumber).toBe(1);
    expect(held.others?.get('nobody')?.doctor).toBeUndefined();
  });

  it('resolves a department when the unit starts, and reads each of its doctors, sorted by id', { timeout }, async () => {
    const storage = await open();
    await doctors(storage);
    const result = await storage.transact({ department: { name: 'x', each: { days: [DAY] } } }, (snapshot) => ({
      kind: 'commit',
      changes: changes([bump(dayOf(snapshot, 'b')), bump(dayOf(snapshot, 'c'))]),
      result: { doctor: snapshot.doctor, department: snapshot.department, others: [...(snapshot.others?.keys() ?? [])].sort() },
    }));
    expect(result).toEqual({ doctor: undefined, department: ['b', 'c'], others: ['b', 'c'] });
    expect(await counter(storage, 'b')).toBe(1);
    expect(await counter(storage, 'a')).toBe(0);
    const unknown = await storage.read({ department: { name: 'none', each: {} } });
    expect(unknown.department).toEqual([]);
    expect(unknown.others?.size ?? 0).toBe(0);
    // The locked doctor, when a member, is read with the department's request too.
    const withSelf = await storage.read({ doctorId: 'b', department: { name: 'x', each: { days: [DAY] } } });
    expect(withSelf.doctor?.id).toBe('b');
    expect(withSelf.days.has(DAY)).toBe(true);
    expect([...(withSelf.others?.keys() ?? [])]).toEqual(['c']);
  });

  it('with `everyDoctor` declared, resolves every doctor when the unit starts, and locks and reads each, sorted by id', { timeout }, async () => {
    const storage = await open();
    await doctors(storage);
    // An adapter without it is never asked: the scheduler names each doctor in `others`.
    if (storage.everyDoctor !== true) return expect(storage.everyDoctor ?? false).toBe(false);
    const result = await storage.transact({ everyDoctor: { each: { days: [DAY] } } }, (snapshot) => ({
      kind: 'commit',
      changes: changes([bump(dayOf(snapshot, 'a')), bump(dayOf(snapshot, 'c'))]),
      result: { doctor: snapshot.doctor, department: snapshot.department, others: [...(snapshot.others?.keys() ?? [])] },
    }));
    // Every doctor, in id order; no department.
    expect(result).toEqual({ doctor: undefined, department: undefined, others: ['a', 'b', 'c'] });
    expect([await counter(storage, 'a'), await counter(storage, 'b'), await counter(storage, 'c')]).toEqual([1, 0, 1]);
    // The locked doctor is read with `each` too, and is not among the others; a doctor named in
    // `others` is read with both requests; each reads only what it asks for.
    const withSelf = await storage.read({ doctorId: 'b', everyDoctor: { each: {} }, others: [{ doctorId: 'c', days: [DAY] }] });
    expect(withSelf.doctor?.id).toBe('b');
    expect([...(withSelf.others?.keys() ?? [])]).toEqual(['a', 'c']);
    expect(withSelf.others?.get('a')?.days.size).toBe(0);
    expect(withSelf.others?.get('c')?.days.get(DAY)?.record.lastTokenNumber).toBe(1);
    // A later load of the unit may name every doctor again (they were all locked when it started).
    const again = await storage.transact({ everyDoctor: { each: {} } }, (snapshot) =>
      snapshot.others?.get('a')?.days.has(DAY) === true
        ? { kind: 'commit', changes: changes([]), result: [...(snapshot.others?.keys() ?? [])] }
        : { kind: 'load', request: { everyDoctor: { each: { days: [DAY] } } } },
    );
    expect(again).toEqual(['a', 'b', 'c']);
  });

  it('resolves a department by the doctors as updated: one that changed department counts with its new colleagues', { timeout }, async () => {
    const storage = await open();
    await doctors(storage);
    const opd = new OpdScheduler({ storage, clock: () => new Date('2026-01-30T01:30:00Z'), timeZone: 'Asia/Kolkata' });
    await opd.updateDoctor('a', { department: 'x' });
    await opd.updateDoctor('c', { department: null });
    expect((await storage.read({ department: { name: 'x', each: {} } })).department).toEqual(['a', 'b']);
    expect((await storage.read({ department: { name: 'y', each: {} } })).department).toEqual([]);
    // The duplicate-booking rule of a department booking counts the patient's token with `a`.
    await opd.addSlots('a', [{ id: 'a-9', start: `${DAY}T09:00:00+05:30`, end: `${DAY}T10:00:00+05:30`, capacity: 2 }]);
    await opd.addSlots('b', [{ id: 'b-9', start: `${DAY}T09:00:00+05:30`, end: `${DAY}T10:00:00+05:30`, capacity: 2 }]);
    const held = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p1', name: 'P1' }, slotId: 'a-9' });
    const refused = await opd.book({ department: 'x', category: 'ONLINE', patient: { id: 'p1', name: 'P1' }, date: DAY }).catch((error: unknown) => error);
    expect(isOpdError(refused, 'DUPLICATE_BOOKING') && refused.details.tokenId === held.token.id).toBe(true);
  });

  it(`never deadlocks nor loses an update: ${concurrency} concurrent units over a and b, named in both orders`, { timeout }, async () => {
    const storage = await open();
    await doctors(storage);
    const unit = (self: string, other: string): Promise<void> =>
      storage.transact(
        {
          doctorId: self,
          days: [DAY],
          others: [
            { doctorId: other, days: [DAY] },
            { doctorId: 'c', days: [DAY] },
          ],
        },
        (snapshot) => ({
          kind: 'commit',
          changes: changes([bump(dayOf(snapshot, self)), bump(dayOf(snapshot, other))]),
          result: undefined,
        }),
      );
    const calls = await Promise.allSettled(Array.from({ length: concurrency }, (_, i) => (i % 2 === 0 ? unit('a', 'b') : unit('b', 'a'))));
    const failed = calls.flatMap((c) => (c.status === 'rejected' ? [c.reason as unknown] : []));
    // A unit may give up with CONFLICT after its retries; none may fail otherwise, and none may be lost.
    expect(failed.every((e) => isOpdError(e, 'CONFLICT'))).toBe(true);
    const done = concurrency - failed.length;
    expect(done).toBeGreaterThan(0);
    expect(await counter(storage, 'a')).toBe(done);
    expect(await counter(storage, 'b')).toBe(done);
  });

  it('refuses a later load that names a doctor the unit did not lock, and writes nothing', { timeout }, async () => {
    const storage = await open();
    await doctors(storage);
    let round = 0;
    const call = storage.transact<void>({ doctorId: 'a', days: [DAY], others: [{ doctorId: 'b', days: [DAY] }] }, (snapshot) => {
      if (round++ === 0) return { kind: 'load', request: { doctorId: 'a', days: [DAY], others: [{ doctorId: 'c', days: [DAY] }] } };
      return { kind: 'commit', changes: changes([bump(dayOf(snapshot, 'a'))]), result: undefined };
    });
    await expect(call).rejects.toMatchObject({ code: 'STORAGE_FAILURE' });
    // A unit of one doctor may not grow into several either.
    let first = true;
    const single = storage.transact<void>({ doctorId: 'a', days: [DAY] }, () => {
      if (first) {
        first = false;
        return { kind: 'load', request: { doctorId: 'a', days: [DAY], others: [{ doctorId: 'b' }] } };
      }
      return { kind: 'commit', changes: changes([]), result: undefined };
    });
    await expect(single).rejects.toMatchObject({ code: 'STORAGE_FAILURE' });
    // More of the doctors it locked is fine.
    let again = 0;
    await storage.transact<void>({ doctorId: 'a', others: [{ doctorId: 'b' }] }, (snapshot) => {
      if (again++ === 0) return { kind: 'load', request: { doctorId: 'a', days: [DAY], others: [{ doctorId: 'b', days: [DAY] }] } };
      return { kind: 'commit', changes: changes([bump(dayOf(snapshot, 'b'))]), result: undefined };
    });
    expect(await counter(storage, 'a')).toBe(0);
    expect(await counter(storage, 'b')).toBe(1);
  });

  it('refuses a change set with records of a doctor the unit did not lock, writing nothing of any doctor', { timeout }, async () => {
    const storage = await open();
    await doctors(storage);
    const c = await storage.read({ doctorId: 'c', days: [DAY] });
    const call = storage.transact<void>({ doctorId: 'a', days: [DAY], others: [{ doctorId: 'b', days: [DAY] }] }, (snapshot) => ({
      kind: 'commit',
      changes: changes([bump(dayOf(snapshot, 'a')), bump(dayOf(snapshot, 'b')), bump(c.days.get(DAY)!.record)]),
      result: undefined,
    }));
    await expect(call).rejects.toMatchObject({ code: 'STORAGE_FAILURE' });
    // A decision that throws leaves nothing either.
    const thrown = storage.transact<void>({ doctorId: 'a', others: [{ doctorId: 'b' }] }, () => {
      throw new Error('refused');
    });
    await expect(thrown).rejects.toThrow('refused');
    for (const id of ['a', 'b', 'c']) expect(await counter(storage, id)).toBe(0);
  });
}
