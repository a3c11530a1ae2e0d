/**
 * Inputs that passed validation though they were not what they claimed to be: Date-likes, C1
 * control characters, arrays with their own iterator, contradictory `date` and `after`, and
 * instants whose local day no `YYYY-MM-DD` date names. Each is refused with `VALIDATION_FAILED`
 * naming its field, and changes nothing.
 */
import { isOpdError, OpdScheduler, type RotaInput, type SlotInput } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { parseInstant, timeOf } from '../../src/time.js';
import { DAY, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';

/** A real Date whose own `getTime` answers something else. */
function lyingDate(iso: string, answer: unknown): Date {
  return Object.assign(new Date(iso), { getTime: () => answer });
}

/** The error a synchronous call throws. */
function thrown(call: () => unknown): { code: string; details: Record<string, unknown>; message: string } {
  try {
    call();
  } catch (error) {
    expect(isOpdError(error), `expected an OpdError, got ${String(error)}`).toBe(true);
    return error as { code: string; details: Record<string, unknown>; message: string };
  }
  throw new Error('expected a throw');
}

async function withDoctor(timeZone = 'UTC'): Promise<OpdScheduler> {
  const { opd } = scheduler({ timeZone });
  await opd.addDoctor({ id: 'd1', name: 'Dr A' });
  return opd;
}

describe('dates are read by their time value, never by their own getTime', () => {
  it('a Date whose getTime answers a string is placed on its real day and start', async () => {
    const opd = await withDoctor();
    const [slot] = await opd.addSlots('d1', [{ start: lyingDate(`${DAY}T09:00:00Z`, `${DAY}T09:00:00Z`), end: `${DAY}T10:00:00Z`, capacity: 2 }]);
    expect(slot).toMatchObject({ day: DAY, start: new Date(`${DAY}T09:00:00Z`) });
    expect((await opd.getSchedule('d1', DAY)).slots).toHaveLength(1);
  });

  it('a Date whose getTime lies cannot slip past the overlap check', async () => {
    const opd = await withDoctor();
    await opd.addSlots('d1', [{ id: 'a', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 2 }]);
    await rejectsWith(opd.addSlots('d1', [{ id: 'b', start: lyingDate(`${DAY}T09:30:00Z`, 'soon'), end: `${DAY}T10:30:00Z`, capacity: 2 }]), 'SLOT_OVERLAP');
    expect((await opd.getSchedule('d1', DAY)).slots.map((s) => s.slot.id)).toEqual(['a']);
  });

  it('dayOf and a booking after such a Date use its real instant (no NaN in days or token ids)', async () => {
    const opd = await withDoctor();
    await doctorWithSlots(opd, 'd2', [9, 10], 2);
    expect(opd.dayOf(lyingDate(`${DAY}T09:00:00Z`, `${DAY}T09:00:00Z`))).toBe(DAY);
    const booked = await opd.book(request('d2', 'ONLINE', { after: lyingDate(`${DAY}T10:00:00Z`, Number.NaN) }));
    expect(booked.token.id).toBe(`d2~${DAY}~1`);
    expect(booked.token.slotId).toBe('d2-10');
  });

  it('sweep(now) with a Date whose getTime answers a bigint sweeps at its real instant, not a storage failure', async () => {
    const opd = await withDoctor();
    expect(await opd.sweep(lyingDate(`${DAY}T06:00:00Z`, 10n))).toEqual([]);
  });

  it('an object that only inherits from Date.prototype, or a proxy of a Date, is refused naming the field', async () => {
    const opd = await withDoctor();
    const fake = Object.create(Date.prototype) as Date;
    const proxy = new Proxy(new Date(`${DAY}T09:00:00Z`), {});
    for (const start of [fake, proxy]) {
      const error = await rejectsWith(opd.addSlots('d1', [{ start, end: `${DAY}T10:00:00Z`, capacity: 1 }]), 'VALIDATION_FAILED');
      expect(error.details['field']).toBe('slots[0].start');
    }
    expect(thrown(() => opd.dayOf(fake)).details['field']).toBe('instant');
    expect((await opd.getSchedule('d1', DAY)).slots).toEqual([]);
  });

  it('parseInstant and timeOf read the time value of a real Date only', () => {
    expect(parseInstant('at', lyingDate('2026-03-01T09:00:00Z', 'x'))).toBe(Date.parse('2026-03-01T09:00:00Z'));
    expect(thrown(() => parseInstant('at', lyingDate('invalid', 5))).details['field']).toBe('at');
    expect(timeOf(Object.create(Date.prototype))).toBeUndefined();
    expect(timeOf({ getTime: () => 1 })).toBeUndefined();
    expect(timeOf(new Date(5))).toBe(5);
  });
});

describe('C1 control characters are refused like C0 ones', () => {
  it('in a doctor name and specialization', async () => {
    const { opd } = scheduler();
    for (const name of ['Dr\u009b2J X', 'Dr\u0080X', 'Dr\u009fX', 'Dr\u0085X']) {
      const error = await rejectsWith(opd.addDoctor({ name }), 'VALIDATION_FAILED');
      expect(error.details['field']).toBe('name');
    }
    const error = await rejectsWith(opd.addDoctor({ name: 'Dr X', specialization: 'Cardio\u009b' }), 'VALIDATION_FAILED');
    expect(error.details['field']).toBe('specialization');
    expect(await opd.listDoctors()).toEqual([]);
    // The characters either side of the C1 block are text.
    expect((await opd.addDoctor({ name: 'Dr\u00a0X~' })).name).toBe('Dr\u00a0X~');
  });

  it('in an actor, a reason, a room and a patient name (either patient copy), without quoting the name', async () => {
    const { opd, clock } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 5);
    const actor = await rejectsWith(opd.book({ ...request('d1', 'ONLINE'), actor: 'desk\u0085-1' }), 'VALIDATION_FAILED');
    expect(actor.details['field']).toBe('actor');
    for (const patient of [
      { id: 'p1', name: 'Ann\u009bB' },
      { id: 'p1', name: 'Ann\u009bB', age: 40 },
    ]) {
      const error = await rejectsWith(opd.book({ doctorId: 'd1', category: 'ONLINE', patient }), 'VALIDATION_FAILED');
      expect(error.details['field']).toBe('patient.name');
      expect(error.message).not.toContain('Ann');
    }
    expect((await opd.getSlot('d1-09')).places).toEqual([]);
    const booked = await opd.book(request('d1', 'ONLINE'));
    const reason = await rejectsWith(opd.cancel(booked.token.id, { reason: 'late\u009c' }), 'VALIDATION_FAILED');
    expect(reason.details['field']).toBe('opts.reason');
    await opd.checkIn(booked.token.id);
    clock.set(`${DAY}T09:00:00Z`);
    const room = await rejectsWith(opd.callNext('d1', { room: 'Room\u0090' }), 'VALIDATION_FAILED');
    expect(room.details['field']).toBe('opts.room');
    expect((await opd.getToken(booked.token.id)).status).toBe('CHECKED_IN');
  });
});

/** An array of `items` whose iterator yields `iterated` instead. */
function withIterator<T>(items: T[], iterated: readonly T[]): T[] {
  Object.defineProperty(items, Symbol.iterator, { value: () => iterated[Symbol.iterator]() });
  return items;
}

describe('per-call limits hold for arrays with their own iterator', () => {
  it('addSlots reads the slots by index up to the checked length', async () => {
    const opd = await withDoctor();
    const many = Array.from({ length: 12_000 }, (_, i) => ({
      start: new Date(Date.UTC(2027, 0, 1) + i * 60_000),
      end: new Date(Date.UTC(2027, 0, 1) + (i + 1) * 60_000),
      capacity: 1,
    }));
    const slots = withIterator<SlotInput>([{ start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 1 }], many);
    const created = await opd.addSlots('d1', slots);
    expect(created.map((s) => s.start.toISOString())).toEqual([`${DAY}T09:00:00.000Z`]);
  });

  it('addSlots names a slot that cannot be read', async () => {
    const opd = await withDoctor();
    const slots: unknown[] = [];
    Object.defineProperty(slots, 0, {
      get() {
        throw new Error('boom');
      },
    });
    const error = await rejectsWith(opd.addSlots('d1', slots as never), 'VALIDATION_FAILED');
    expect(error.details['field']).toBe('slots[0]');
  });

  it('a rota reads `weekly` by index up to its checked length', async () => {
    const opd = await withDoctor();
    // 150 sessions that do not overlap (more than the limit of 100), on every weekday.
    const iterated = Array.from({ length: 150 }, (_, i) => {
      const hour = String(Math.floor(i / 7)).padStart(2, '0');
      return { weekday: (i % 7) + 1, start: `${hour}:00`, end: `${hour}:30`, slotMinutes: 30, capacity: 1 };
    });
    const weekly = withIterator([{ weekday: 1, start: '09:00', end: '10:00', slotMinutes: 60, capacity: 1 }], iterated);
    // 2026-03-02 is a Monday.
    const created = await opd.addRecurringSlots('d1', { weekly, from: '2026-03-02', to: '2026-03-08' });
    expect(created.map((s) => s.start.toISOString())).toEqual(['2026-03-02T09:00:00.000Z']);
  });

  it('a rota reads `except` by index up to its checked length', async () => {
    const opd = await withDoctor();
    const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '10:00', slotMinutes: 60, capacity: 1 }));
    const week = ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08'];
    const except = withIterator(['2026-03-03'], week);
    const created = await opd.addRecurringSlots('d1', { weekly, from: '2026-03-02', to: '2026-03-08', except });
    expect(created.map((s) => s.day)).toEqual(week.filter((day) => day !== '2026-03-03'));
  });

  it("a patient's array is copied up to the length checked, even when reading an item grows it", async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 5);
    const tags: unknown[] = [];
    Object.defineProperty(tags, 0, {
      enumerable: true,
      get() {
        for (let i = 0; i < 2000; i++) tags.push('more');
        return 'first';
      },
    });
    const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'Ann', tags } });
    expect(booked.token.patient['tags']).toEqual(['first']);
  });
});

describe('`after` must not fall after the requested `date`', () => {
  const later = '2026-01-31T08:00:00Z';

  it('book and hold refuse it naming `after`, and the patient can book that day after all', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    const error = await rejectsWith(opd.book(request('d1', 'ONLINE', { patientId: 'p1', date: DAY, after: later })), 'VALIDATION_FAILED');
    expect(error.details['field']).toBe('after');
    const held = await rejectsWith(
      opd.hold({ ...request('d1', 'ONLINE', { patientId: 'p1', date: DAY, after: new Date(later) }), holdMinutes: 10 }),
      'VALIDATION_FAILED',
    );
    expect(held.details['field']).toBe('after');
    expect(await opd.getWaitlist('d1', DAY)).toEqual([]);
    expect((await opd.book(request('d1', 'ONLINE', { patientId: 'p1', date: DAY }))).outcome).toBe('BOOKED');
  });

  it('a department booking refuses it naming `after`', async () => {
    const { opd } = scheduler();
    await opd.addDoctor({ id: 'd1', name: 'Dr A', department: 'cardio' });
    const error = await rejectsWith(
      opd.book({ department: 'cardio', category: 'ONLINE', patient: { id: 'p1', name: 'Ann' }, date: DAY, after: later }),
      'VALIDATION_FAILED',
    );
    expect(error.details['field']).toBe('after');
  });

  it("compares local days in the scheduler's zone, to the millisecond", async () => {
    // Asia/Kolkata is UTC+05:30: its 2026-01-30 ends at 2026-01-30T18:30:00Z.
    const kolkata = await withDoctor('Asia/Kolkata');
    await kolkata.addSlots('d1', [{ id: 'late', start: '2026-01-30T18:00:00Z', end: '2026-01-30T18:20:00Z', capacity: 2 }]);
    const last = await kolkata.book(request('d1', 'ONLINE', { date: DAY, after: '2026-01-30T18:29:59.999Z' }));
    expect(last.token.day).toBe(DAY);
    const error = await rejectsWith(kolkata.book(request('d1', 'ONLINE', { date: DAY, after: '2026-01-30T18:30:00Z' })), 'VALIDATION_FAILED');
    expect(error.details['field']).toBe('after');
    // The same instant is on 2026-01-30 in UTC; an `after` on an earlier day is fine anywhere.
    const utc = await withDoctor();
    await doctorWithSlots(utc, 'd2', [20], 2);
    expect((await utc.book(request('d2', 'ONLINE', { date: DAY, after: '2026-01-30T18:30:00Z' }))).token.slotId).toBe('d2-20');
    expect((await utc.book(request('d2', 'ONLINE', { date: DAY, after: '2026-01-29T18:30:00Z' }))).token.slotId).toBe('d2-20');
  });

  // Needs `checkAfter('to.after', …)` in `move` (src/scheduler.ts), which parses `to`.
  it('move refuses it naming `to.after`, and the token stays where it was', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    await doctorWithSlots(opd, 'd2', [9], 2, { day: '2026-01-31' });
    const booked = await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    const error = await rejectsWith(opd.move(booked.token.id, { date: DAY, after: later }), 'VALIDATION_FAILED');
    expect(error.details['field']).toBe('to.after');
    expect((await opd.getToken(booked.token.id)).slotId).toBe('d1-09');
  });
});

describe('local days outside 1970-01-01 to 9999-12-31 are refused', () => {
  it('a slot whose start falls on local day 10000-01-01 (east) or 1969-12-31 (west)', async () => {
    const east = await withDoctor('Asia/Kolkata');
    const error = await rejectsWith(east.addSlots('d1', [{ start: '9999-12-31T20:00:00Z', end: '9999-12-31T21:00:00Z', capacity: 2 }]), 'VALIDATION_FAILED');
    expect(error.details['field']).toBe('slots[0].start');
    expect((await east.getSchedule('d1', '9999-12-31')).slots).toEqual([]);
    // The last local minutes of 9999-12-31 are fine.
    const [last] = await east.addSlots('d1', [{ start: '9999-12-31T18:00:00Z', end: '9999-12-31T18:29:00Z', capacity: 2 }]);
    expect(last!.day).toBe('9999-12-31');
    const west = await withDoctor('America/New_York');
    const early = await rejectsWith(west.addSlots('d1', [{ start: '1970-01-01T01:00:00Z', end: '1970-01-01T02:00:00Z', capacity: 2 }]), 'VALIDATION_FAILED');
    expect(early.details['field']).toBe('slots[0].start');
  });

  it('`after` whose local day is 10000-01-01', async () => {
    const opd = await withDoctor('Asia/Kolkata');
    const error = await rejectsWith(opd.book(request('d1', 'EMERGENCY', { after: '9999-12-31T20:00:00Z' })), 'VALIDATION_FAILED');
    expect(error.details['field']).toBe('after');
    expect(await opd.getWaitlist('d1', '9999-12-31')).toEqual([]);
  });

  it('a clock whose local day is 10000-01-01 or 1969-12-31: a booking without a slot is refused, not put on a day no date names', async () => {
    for (const [timeZone, now] of [
      ['Asia/Kolkata', '9999-12-31T23:59:00Z'],
      ['America/New_York', '1970-01-01T01:00:00Z'],
    ] as const) {
      const opd = new OpdScheduler({ timeZone, clock: () => new Date(now) });
      await opd.addDoctor({ id: 'd1', name: 'Dr A' });
      const before = await opd.history();
      for (const category of ['EMERGENCY', 'ONLINE']) {
        const error = await rejectsWith(opd.book(request('d1', category)), 'VALIDATION_FAILED');
        expect(error.details['field'], timeZone).toBe('clock');
      }
      expect(await opd.history()).toEqual(before);
    }
  });

  it('a rota whose slots fall before 1970 or after 9999 (UTC)', async () => {
    // 1970-01-01 is a Thursday; 9999-12-31 a Friday.
    const east = await withDoctor('Asia/Kolkata');
    const thursday: RotaInput = { weekly: [{ weekday: 4, start: '00:00', end: '08:00', slotMinutes: 60, capacity: 1 }], from: '1970-01-01', to: '1970-01-01' };
    const first = await rejectsWith(east.addRecurringSlots('d1', thursday), 'VALIDATION_FAILED');
    expect(first.details['field']).toBe('rota.from');
    const before = await rejectsWith(east.addRecurringSlots('d1', { ...thursday, from: '1969-12-25' }), 'VALIDATION_FAILED');
    expect(before.details['field']).toBe('rota.from');
    expect((await east.getSchedule('d1', '1970-01-01')).slots).toEqual([]);
    const west = await withDoctor('America/New_York');
    const friday: RotaInput = { weekly: [{ weekday: 5, start: '20:00', end: '23:00', slotMinutes: 60, capacity: 1 }], from: '9999-12-31', to: '9999-12-31' };
    const last = await rejectsWith(west.addRecurringSlots('d1', friday), 'VALIDATION_FAILED');
    expect(last.details['field']).toBe('rota.to');
    expect((await west.getSchedule('d1', '9999-12-31')).slots).toEqual([]);
    // Within the range, the same rotas are fine.
    expect(await east.addRecurringSlots('d1', { ...thursday, weekly: [{ ...thursday.weekly[0]!, start: '06:00' }] })).toHaveLength(2);
    expect(await west.addRecurringSlots('d1', { ...friday, weekly: [{ ...friday.weekly[0]!, start: '16:00', end: '18:00' }] })).toHaveLength(2);
  });
});

describe('a refusal names the type of what it got, in plain words', () => {
  it('an object, an array, a function, null', async () => {
    const { opd } = scheduler();
    await opd.addDoctor({ id: 'd1', name: 'D' });
    const got = async (id: unknown): Promise<string> =>
      (await rejectsWith(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id, name: 'N' } as never, date: DAY }), 'VALIDATION_FAILED')).message;
    expect(await got({})).toMatch(/, got an object$/);
    expect(await got([])).toMatch(/, got an array$/);
    expect(await got(() => 'p')).toMatch(/, got a function$/);
    expect(await got(null)).toMatch(/, got `null`$/);
  });
});
