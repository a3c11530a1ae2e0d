/**
 * Booking by department on snapshots built by hand: what it asks the adapter to read, and what it
 * decides when the department's doctors are not all there to read.
 */
import { isOpdError, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { bookDepartment, type DepartmentBookCommand } from '../../src/core/commands/book-department.js';
import { tokenIdOf } from '../../src/model/records.js';
import type { DoctorSnapshot } from '../../src/model/snapshot.js';
import { at, committed, config, DAY, doctor, refusal, slot, snapshot, token } from './builders.js';

const standard = config();

/**
 * Doctor `id`'s snapshot of {@link DAY}: an hourly slot `${id}-hh` for each `[hour, capacity, taken]`,
 * its first `taken` places booked online.
 */
function doctorAt(id: string, slots: readonly (readonly [hour: number, capacity: number, taken: number])[]): DoctorSnapshot {
  const records = slots.map(([hour, capacity]) => slot(hour, capacity, { id: `${id}-${String(hour).padStart(2, '0')}`, doctorId: id }));
  let n = 0;
  const tokens = slots.flatMap(([, , taken], i) =>
    Array.from({ length: taken }, () => {
      n += 1;
      return token(n, 'ONLINE', records[i]!.id, { id: tokenIdOf(id, DAY, n), doctorId: id });
    }),
  );
  const own = snapshot(records, tokens);
  const day = own.days.get(DAY)!;
  return { ...own, doctor: doctor(id), days: new Map([[DAY, { ...day, record: { ...day.record, doctorId: id } }]]) };
}

/** The unit's snapshot: the first doctor's own, the others read with it, and the department's members in `members` order. */
function unit(members: readonly string[], own: DoctorSnapshot, ...others: readonly DoctorSnapshot[]): DoctorSnapshot {
  return { ...own, department: members, others: new Map(others.map((s) => [s.doctor!.id, s])) };
}

/** The doctor and slot a department booking decides on. */
function chosen(snap: DoctorSnapshot, extra: Partial<DepartmentBookCommand> = {}, options = standard): string {
  const { token: booked } = committed(bookDepartment.decide(options, snap, command(extra), at(7))).result;
  return `${booked.doctorId} ${booked.slotId ?? booked.status}`;
}

function command(extra: Partial<DepartmentBookCommand> = {}): DepartmentBookCommand {
  return {
    department: 'cardio',
    category: 'ONLINE',
    patient: Object.freeze({ id: 'p', name: 'New' }),
    date: undefined,
    after: undefined,
    idempotencyKey: undefined,
    fingerprint: undefined,
    actor: null,
    holdMinutes: null,
    ...extra,
  };
}

describe('bookDepartment: what it reads', () => {
  it('reads every doctor of the department: the day asked for, else the schedule from now, with the key', () => {
    expect(bookDepartment.load(command({ date: DAY, idempotencyKey: 'k' }), at(7))).toStrictEqual({
      department: { name: 'cardio', each: { idempotencyKey: 'k', days: [DAY] } },
    });
    expect(bookDepartment.load(command(), at(7))).toStrictEqual({
      department: { name: 'cardio', each: { idempotencyKey: undefined, schedule: { from: at(7) } } },
    });
  });

  it('asks for the chosen day of each doctor in one more read, keeping the department', () => {
    const own = snapshot([slot(9, 1)], []);
    const decision = bookDepartment.decide(standard, { ...own, days: new Map(), department: ['d1'] }, command(), at(7));
    expect(decision).toStrictEqual({
      kind: 'load',
      request: {
        department: { name: 'cardio', each: { idempotencyKey: undefined, schedule: { from: at(7) } } },
        others: [expect.objectContaining({ doctorId: 'd1', days: [DAY] })],
      },
    });
  });
});

describe('bookDepartment: a department with nobody to book', () => {
  it('members that were not read count as no doctor at all', () => {
    const own = snapshot([slot(9, 1)], []);
    for (const department of [[], ['d9']]) {
      let code: string | undefined;
      try {
        bookDepartment.decide(standard, { ...own, doctor: undefined, department, others: new Map() }, command(), at(7));
      } catch (error) {
        if (isOpdError(error)) code = error.code;
      }
      expect(code).toBe('DEPARTMENT_NOT_FOUND');
    }
  });

  it('says which department has no doctor, in the message and the details, whether it has no members or none was read', () => {
    const own = snapshot([slot(9, 1)], []);
    for (const department of [[], ['d9']]) {
      const error = refusal(() => bookDepartment.decide(standard, { ...own, doctor: undefined, department, others: new Map() }, command(), at(7)));
      expect(error.code).toBe('DEPARTMENT_NOT_FOUND');
      expect((error as unknown as Error).message).toBe('Department `cardio` has no doctor');
      expect(error.details).toStrictEqual({ field: 'department', department: 'cardio' });
    }
  });
});

describe('bookDepartment: which doctor it keeps', () => {
  it('keeps the soonest place even when that doctor has more places taken that day, whichever doctor comes first', () => {
    // d1 has two of three places taken at 09:00, d2 an empty slot at 10:00.
    const busySoon = (): DoctorSnapshot => doctorAt('d1', [[9, 3, 2]]);
    const freeLater = (): DoctorSnapshot => doctorAt('d2', [[10, 3, 0]]);
    expect(chosen(unit(['d1', 'd2'], busySoon(), freeLater()))).toBe('d1 d1-09');
    expect(chosen(unit(['d2', 'd1'], freeLater(), busySoon()))).toBe('d1 d1-09');
  });

  it('compares the start of the place each token gets, not of the first slot of its day', () => {
    // d1 is full at 09:00 and would place the token at 11:00; d2 places it at 10:00.
    expect(chosen(unit(['d1', 'd2'], doctorAt('d1', [[9, 1, 1], [11, 1, 0]]), doctorAt('d2', [[10, 1, 0]])))).toBe('d2 d2-10');
  });

  it('books a colleague with room when a doctor refuses for another reason than a duplicate', () => {
    // Under the cascade preset a full doctor refuses a walk-in (SLOT_FULL) rather than waitlisting it.
    const cascade = config(presets.cascade());
    const full = (): DoctorSnapshot => doctorAt('d1', [[9, 1, 1]]);
    const room = (): DoctorSnapshot => doctorAt('d2', [[10, 1, 0]]);
    expect(refusal(() => bookDepartment.decide(cascade, unit(['d1'], full()), command({ category: 'WALK_IN', date: DAY }), at(7))).code).toBe('SLOT_FULL');
    expect(chosen(unit(['d1', 'd2'], full(), room()), { category: 'WALK_IN', date: DAY }, cascade)).toBe('d2 d2-10');
    expect(chosen(unit(['d2', 'd1'], room(), full()), { category: 'WALK_IN', date: DAY }, cascade)).toBe('d2 d2-10');
  });

  it('with an idempotency key used with none of them, chooses among the doctors read as without a key', () => {
    // d0 was not read; d2 has the soonest place.
    const snap = unit(['d0', 'd1', 'd2'], doctorAt('d1', [[10, 1, 0]]), doctorAt('d2', [[9, 1, 0]]));
    expect(chosen(snap, { idempotencyKey: 'k', fingerprint: 'f' })).toBe('d2 d2-09');
  });

  it('skips a member that was not read, also when no colleague was read at all', () => {
    const { others: _none, ...alone } = unit(['d1', 'd9'], doctorAt('d1', [[10, 1, 0]]));
    expect(chosen(alone)).toBe('d1 d1-10');
  });
});
