/**
 * Booking by department on snapshots built by hand: what it asks the adapter to read, and what it
 * decides when the department's doctors are not all there to read.
 */
import { isOpdError } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { bookDepartment, type DepartmentBookCommand } from '../../src/core/commands/book-department.js';
import { at, config, DAY, slot, snapshot } from './builders.js';

const standard = config();

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
});
