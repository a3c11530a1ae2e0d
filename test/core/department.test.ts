/**
 * Booking by department on snapshots built by hand: what it asks the adapter to read, and what it
 * decides when the department's doctors are not all there to read.
 */
import { isOpdError, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { bookDepartment, type DepartmentBookCommand } from '../../src/core/commands/book-department.js';
import { tokenIdOf } from '../../src/model/records.js';
import type { DoctorSnapshot, LoadRequest } from '../../src/model/snapshot.js';
import { FIRST_SCHEDULE_SLOTS } from '../../src/core/commands/book.js';
import { planUnit } from '../../src/adapter-kit/units.js';
import { at, committed, config, DAY, decideOver, doctor, type Records, refusal, rota, slot, snapshot, token } from './builders.js';

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
      department: { name: 'cardio', each: { idempotencyKey: undefined, schedule: { from: at(7), limit: FIRST_SCHEDULE_SLOTS } } },
    });
    // From `after` when it is later, as a booking with one doctor reads.
    expect(bookDepartment.load(command({ after: at(12) }), at(7))).toMatchObject({
      department: { each: { schedule: { from: at(12), limit: FIRST_SCHEDULE_SLOTS } } },
    });
  });

  it('asks for the chosen day of each doctor in one more read, keeping the department and what each doctor read', () => {
    const own = snapshot([slot(9, 1)], []);
    const decision = bookDepartment.decide(standard, { ...own, days: new Map(), department: ['d1'] }, command(), at(7));
    const each = { idempotencyKey: undefined, schedule: { from: at(7), limit: FIRST_SCHEDULE_SLOTS } };
    expect(decision).toStrictEqual({
      kind: 'load',
      request: {
        department: { name: 'cardio', each },
        others: [
          // What it read, with the days asked for: the duplicate rule looks at them with every doctor.
          { doctorId: 'd1', days: [DAY], schedule: { from: at(7), limit: FIRST_SCHEDULE_SLOTS } },
          expect.objectContaining({ doctorId: 'd1', days: [DAY] }),
        ],
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
    expect(
      chosen(
        unit(
          ['d1', 'd2'],
          doctorAt('d1', [
            [9, 1, 1],
            [11, 1, 0],
          ]),
          doctorAt('d2', [[10, 1, 0]]),
        ),
      ),
    ).toBe('d2 d2-10');
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

describe('bookDepartment: how much of each schedule it reads', () => {
  const S = FIRST_SCHEDULE_SLOTS;
  /** The department every doctor of these rotas belongs to. */
  const CARDIO = { department: 'cardio' };
  const join = (...parts: Records[]): Records => ({
    doctors: parts.flatMap((p) => p.doctors),
    slots: parts.flatMap((p) => p.slots),
    tokens: parts.flatMap((p) => p.tokens),
  });
  /** Each read's schedule limit per doctor, as an adapter merges the unit's request (`all`: no limit). */
  const limits = (requests: readonly LoadRequest[], members: readonly string[]): Record<string, (number | 'all')[]> => {
    const out: Record<string, (number | 'all')[]> = {};
    for (const request of requests) {
      for (const [id, part] of planUnit(request, members).further) (out[id] ??= []).push(part.schedule?.limit ?? 'all');
    }
    return out;
  };

  it('the first slots of each doctor when each has a free place among them', () => {
    const records = join(rota('d1', 90, 20, CARDIO).records, rota('d2', 90, 12, CARDIO).records);
    const { requests, decision } = decideOver(bookDepartment, standard, records, command(), at(7));
    expect(limits(requests, ['d1', 'd2'])).toEqual({ d1: [S, S], d2: [S, S] });
    // The second read brings each doctor both days chosen, which the duplicate rule looks at;
    // without a patient id there is no such rule, and each doctor reads its own.
    const daysRead = (reads: readonly LoadRequest[]): Record<string, readonly string[] | undefined> =>
      Object.fromEntries([...planUnit(reads[1]!, ['d1', 'd2']).further].map(([id, part]) => [id, [...(part.days ?? [])].sort()]));
    expect(daysRead(requests)).toEqual({ d1: ['2026-01-31', '2026-02-01'], d2: ['2026-01-31', '2026-02-01'] });
    const anonymous = decideOver(bookDepartment, standard, records, command({ patient: Object.freeze({ name: 'New' }) }), at(7));
    expect(daysRead(anonymous.requests)).toEqual({ d1: ['2026-02-01'], d2: ['2026-01-31'] });
    expect(anonymous.decision.result.token.doctorId).toBe('d2');
    // d2's first free place (its 13th slot) is the soonest.
    expect(decision.result.token).toMatchObject({
      doctorId: 'd2',
      slotId: records.slots.find((s) => s.doctorId === 'd2' && s.day === '2026-01-31' && s.start === Date.UTC(2026, 0, 31, 13))!.id,
    });
  });

  it('more of a doctor whose first slots are full, never going back while another reads more in turn', () => {
    // d1's first free place is past its first 64 slots, d2's past its first 512 (of 720), d3's is its first.
    const d1 = rota('d1', 90, S + 1, CARDIO);
    const d2 = rota('d2', 90, 8 * S + 3, CARDIO);
    const d3 = rota('d3', 90, 0, CARDIO);
    const { requests, decision } = decideOver(bookDepartment, standard, join(d1.records, d2.records, d3.records), command(), at(7));
    // Each doctor's reads only grow; the unit takes four reads in all (each doctor reads the days
    // any doctor asks for, which the duplicate rule looks at with every doctor).
    expect(limits(requests, ['d1', 'd2', 'd3'])).toEqual({
      d1: [S, 8 * S, 8 * S, 8 * S],
      d2: [S, 8 * S, 64 * S, 720],
      d3: [S, S, S, S],
    });
    expect(decision.result.token).toMatchObject({ doctorId: 'd3', slotId: d3.slots[0]!.id, status: 'BOOKED' });
    // Without d3, d1's place (its 66th slot) comes before d2's (its 516th).
    const { decision: without } = decideOver(bookDepartment, standard, join(d1.records, d2.records), command(), at(7));
    expect(without.result.token).toMatchObject({ doctorId: 'd1', slotId: d1.slots[S + 1]!.id });
  });
});
