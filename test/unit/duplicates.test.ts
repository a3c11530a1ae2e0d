import { MemoryStorage, OpdError, OpdScheduler, type DuplicateRulesOptions, type StorageAdapter } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, expectInvalid, rejectsWith, scheduler } from '../helpers.js';

/** The day after {@link DAY}. */
const NEXT = '2026-01-31';

/** Adds doctor `id` (of `department`, when given) with hourly slots (UTC) on each day; slot ids `${id}-${day}-${hh}`. */
async function staff(
  opd: OpdScheduler,
  id: string,
  department: string | undefined,
  hours: readonly number[],
  capacity: number,
  days: readonly string[] = [DAY],
): Promise<void> {
  await opd.addDoctor({ id, name: `Dr ${id}`, ...(department === undefined ? {} : { department }) });
  await opd.addSlots(
    id,
    days.flatMap((day) =>
      hours.map((h) => {
        const hh = String(h).padStart(2, '0');
        return { id: `${id}-${day}-${hh}`, start: `${day}T${hh}:00:00Z`, end: `${day}T${String(h + 1).padStart(2, '0')}:00:00Z`, capacity };
      }),
    ),
  );
}

const patient = (id: string) => ({ id, name: `Patient ${id}` });

/** A scheduler with two cardiology doctors, one neurologist and a lab, on DAY and NEXT. */
async function hospital(duplicates: DuplicateRulesOptions | undefined, extra: { allowDuplicateBookings?: boolean } = {}) {
  const { opd, clock } = scheduler({ ...(duplicates === undefined ? {} : { duplicates }), ...extra });
  await staff(opd, 'c1', 'cardio', [9, 10], 3, [DAY, NEXT]);
  await staff(opd, 'c2', 'cardio', [9, 10], 3, [DAY, NEXT]);
  await staff(opd, 'n1', 'neuro', [9, 10], 3, [DAY, NEXT]);
  await staff(opd, 'lab', 'Laboratory', [9, 10], 3, [DAY, NEXT]);
  return { opd, clock };
}

describe('duplicates options', () => {
  it('refuses bad options with VALIDATION_FAILED naming the field', () => {
    const make =
      (duplicates: unknown, more: object = {}) =>
      () =>
        new OpdScheduler({ duplicates: duplicates as DuplicateRulesOptions, ...more });
    expectInvalid(make(7), 'duplicates');
    expectInvalid(make({}), 'duplicates.scope');
    expectInvalid(make({ scope: 'ward-day' }), 'duplicates.scope');
    expectInvalid(make({ scope: 'doctor-day', maxActivePerPatient: 0 }), 'duplicates.maxActivePerPatient');
    expectInvalid(make({ scope: 'doctor-day', maxActivePerPatient: 1.5 }), 'duplicates.maxActivePerPatient');
    expectInvalid(make({ scope: 'doctor-day', onDuplicate: 'merge' }), 'duplicates.onDuplicate');
    expectInvalid(make({ scope: 'doctor-day', exceptions: {} }), 'duplicates.exceptions');
    expectInvalid(make({ scope: 'doctor-day', exceptions: [{ category: 'FOLLOWUP' }] }), 'duplicates.exceptions[0].category');
    expectInvalid(make({ scope: 'doctor-day', exceptions: [{ department: [] }] }), 'duplicates.exceptions[0].department');
    expectInvalid(make({ scope: 'doctor-day', exceptions: [{ afterCompletedSameDay: 'yes' }] }), 'duplicates.exceptions[0].afterCompletedSameDay');
    expectInvalid(make({ scope: 'doctor-day', exceptions: [{ doctor: 'x' }] }), 'duplicates.exceptions[0].doctor');
    expectInvalid(make({ scope: 'doctor-day', cap: 2 }), 'duplicates.cap');
    // The shorthand and the rules, given inconsistently.
    expectInvalid(make({ scope: 'doctor-day' }, { allowDuplicateBookings: true }), 'allowDuplicateBookings');
    expect(make({ scope: 'doctor-day' }, { allowDuplicateBookings: false })()).toBeInstanceOf(OpdScheduler);
  });

  it("refuses a wide scope over a storage adapter that cannot read a patient's tokens", () => {
    const memory = new MemoryStorage();
    // An adapter that says nothing of `patientTokens` (a custom adapter written before it).
    const plain = new Proxy(memory, {
      get: (target, key) =>
        key === 'patientTokens'
          ? undefined
          : (Reflect.get(target, key, target) as unknown) instanceof Function
            ? (Reflect.get(target, key, target) as (...a: unknown[]) => unknown).bind(target)
            : Reflect.get(target, key, target),
    }) as StorageAdapter;
    expectInvalid(() => new OpdScheduler({ storage: plain, duplicates: { scope: 'department-day' } }), 'duplicates.scope');
    expectInvalid(() => new OpdScheduler({ storage: plain, duplicates: { scope: 'doctor-day', maxActivePerPatient: 2 } }), 'duplicates.maxActivePerPatient');
    expect(new OpdScheduler({ storage: plain, duplicates: { scope: 'doctor-day' } })).toBeInstanceOf(OpdScheduler);
  });
});

describe('duplicate rules', () => {
  it("'doctor-day' (the default and allowDuplicateBookings: false) allows a colleague the same day", async () => {
    for (const duplicates of [undefined, { scope: 'doctor-day' } as const]) {
      const { opd } = await hospital(duplicates);
      const first = await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') });
      const error = await rejectsWith(opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') }), 'DUPLICATE_BOOKING');
      expect(error.details).toMatchObject({ tokenId: first.token.id, doctorId: 'c1', day: DAY, scope: 'doctor-day', reason: 'same-day' });
      await opd.book({ doctorId: 'c2', category: 'ONLINE', patient: patient('p1') });
    }
  });

  it("'department-day' refuses a second token with any doctor of the department that day, by doctor, by department, by hold, by move", async () => {
    const { opd } = await hospital({ scope: 'department-day' });
    const first = await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') });
    const error = await rejectsWith(opd.book({ doctorId: 'c2', category: 'ONLINE', patient: patient('p1') }), 'DUPLICATE_BOOKING');
    expect(error.details).toMatchObject({
      field: 'patient.id',
      tokenId: first.token.id,
      doctorId: 'c1',
      day: DAY,
      scope: 'department-day',
      reason: 'same-day',
    });
    expect(error.message).not.toContain('Patient p1');
    await rejectsWith(opd.book({ department: 'cardio', category: 'ONLINE', patient: patient('p1') }), 'DUPLICATE_BOOKING');
    await rejectsWith(opd.hold({ doctorId: 'c2', category: 'ONLINE', patient: patient('p1'), holdMinutes: 10 }), 'DUPLICATE_BOOKING');
    // Another department the same day, and the department another day, are fine.
    await opd.book({ doctorId: 'n1', category: 'ONLINE', patient: patient('p1') });
    const later = await opd.book({ doctorId: 'c2', category: 'ONLINE', patient: patient('p1'), date: NEXT });
    // Moving the next day's token onto the first's day is a second token that day in the department.
    await rejectsWith(opd.move(later.token.id, { doctorId: 'c2', date: DAY }), 'DUPLICATE_BOOKING');
    // Once the first is cancelled, the patient may book with the colleague.
    await opd.cancel(first.token.id);
    await opd.book({ doctorId: 'c2', category: 'ONLINE', patient: patient('p1') });
    // Reinstating the cancelled one would be a second again.
    await rejectsWith(opd.reinstate(first.token.id), 'DUPLICATE_BOOKING');
  });

  it("'facility-day' refuses a second token with any doctor that day", async () => {
    const { opd } = await hospital({ scope: 'facility-day' });
    const first = await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') });
    const error = await rejectsWith(opd.book({ doctorId: 'n1', category: 'ONLINE', patient: patient('p1') }), 'DUPLICATE_BOOKING');
    expect(error.details).toMatchObject({ tokenId: first.token.id, scope: 'facility-day' });
    await opd.book({ doctorId: 'n1', category: 'ONLINE', patient: patient('p1'), date: NEXT });
    // Another patient is not affected; a patient without an id never counts.
    await opd.book({ doctorId: 'n1', category: 'ONLINE', patient: patient('p2') });
    await opd.book({ doctorId: 'n1', category: 'ONLINE', patient: { name: 'anonymous' } });
    await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: { name: 'anonymous' } });
  });

  it('maxActivePerPatient caps live tokens of today and later within the scope, and frees as tokens end', async () => {
    const { opd } = await hospital({ scope: 'doctor-day', maxActivePerPatient: 2 });
    const a = await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') });
    await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1'), date: NEXT });
    const error = await rejectsWith(
      opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1'), date: NEXT, slotId: `c1-${NEXT}-10` }),
      'DUPLICATE_BOOKING',
    );
    // The doctor-day rule refuses it first (same day); another day of the doctor is the cap.
    expect(error.details['reason']).toBe('same-day');
    // With another doctor (outside a doctor-day scope's reach), no cap.
    await opd.book({ doctorId: 'c2', category: 'ONLINE', patient: patient('p1') });
    await opd.cancel(a.token.id);
    await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') });
  });

  it("maxActivePerPatient within a department's reach: refused with reason max-active", async () => {
    const { opd } = await hospital({ scope: 'department-day', maxActivePerPatient: 1 });
    const a = await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') });
    const capped = await rejectsWith(opd.hold({ doctorId: 'c2', category: 'ONLINE', patient: patient('p1'), holdMinutes: 5, date: NEXT }), 'DUPLICATE_BOOKING');
    expect(capped.details).toMatchObject({ reason: 'max-active', tokenId: a.token.id, maxActivePerPatient: 1, scope: 'department-day' });
    // Another department is outside the reach.
    await opd.book({ doctorId: 'n1', category: 'ONLINE', patient: patient('p1'), date: NEXT });
    await opd.cancel(a.token.id);
    await opd.book({ doctorId: 'c2', category: 'ONLINE', patient: patient('p1'), date: NEXT });
  });

  it('exceptions: a follow-up after a visit completed that day, and a lab review', async () => {
    const { opd } = await hospital({
      scope: 'department-day',
      exceptions: [{ category: 'FOLLOW_UP', afterCompletedSameDay: true }, { department: 'Laboratory' }],
    });
    const visit = await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') });
    // A follow-up before the visit is completed is still a duplicate.
    await rejectsWith(opd.book({ doctorId: 'c2', category: 'FOLLOW_UP', patient: patient('p1') }), 'DUPLICATE_BOOKING');
    await opd.checkIn(visit.token.id);
    await opd.startConsultation(visit.token.id);
    await opd.complete(visit.token.id);
    const followUp = await opd.book({ doctorId: 'c2', category: 'FOLLOW_UP', patient: patient('p1') });
    expect(followUp.outcome).toBe('BOOKED');
    // Not the exception's category: refused beside the follow-up.
    await rejectsWith(opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') }), 'DUPLICATE_BOOKING');
    // The lab's own department-day: a second lab token is let through by the lab exception.
    await opd.book({ doctorId: 'lab', category: 'ONLINE', patient: patient('p1') });
    await opd.book({ doctorId: 'lab', category: 'WALK_IN', patient: patient('p1') });
  });

  it("onDuplicate: 'move' moves the patient's existing token to the place asked for, in one unit", async () => {
    const { opd } = await hospital({ scope: 'department-day', onDuplicate: 'move' });
    const first = await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1'), slotId: `c1-${DAY}-09` });
    const events: string[] = [];
    opd.on('event', (e) => events.push(e.type));
    const moved = await opd.book({ doctorId: 'c2', category: 'ONLINE', patient: patient('p1'), slotId: `c2-${DAY}-10` });
    expect(moved.movedFromTokenId).toBe(first.token.id);
    expect(moved.token).toMatchObject({ doctorId: 'c2', slotId: `c2-${DAY}-10`, status: 'BOOKED' });
    expect(events).toContain('token:moved');
    expect((await opd.getToken(first.token.id)).status).toBe('CANCELLED');
    // Exactly one live token of the patient in the department that day.
    const live = [...(await opd.getSchedule('c1', DAY)).slots, ...(await opd.getSchedule('c2', DAY)).slots]
      .flatMap((s) => s.places)
      .filter((t) => t.patient.id === 'p1');
    expect(live.map((t) => t.id)).toEqual([moved.token.id]);
    // A checked-in token cannot move: the duplicate refusal stands.
    await opd.checkIn(moved.token.id);
    await rejectsWith(opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') }), 'DUPLICATE_BOOKING');
  });

  it('a refusal changes nothing', async () => {
    const { opd } = await hospital({ scope: 'facility-day', maxActivePerPatient: 1 });
    await opd.book({ doctorId: 'c1', category: 'ONLINE', patient: patient('p1') });
    const before = await opd.history();
    await rejectsWith(opd.book({ doctorId: 'n1', category: 'ONLINE', patient: patient('p1'), date: NEXT }), 'DUPLICATE_BOOKING');
    expect(await opd.history()).toEqual(before);
    expect(at('07:00').getTime()).toBeGreaterThan(0);
    expect(OpdError).toBeDefined();
  });
});
