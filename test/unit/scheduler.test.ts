import { isOpdError, OpdError, OpdScheduler, OPD_ERROR_CODES, toFhirAppointmentStatus, TOKEN_STATUSES } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { DAY, at, doctorWithSlots, rejectsWith, request, scheduler } from '../helpers.js';
import { Observed } from '../telemetry/support.js';

describe('doctors', () => {
  it('adds and lists doctors, generating ids when omitted', async () => {
    const { opd } = scheduler();
    const a = await opd.addDoctor({ name: 'Dr. Sharma', specialization: 'Cardiology', consultMinutes: 8 });
    const b = await opd.addDoctor({ id: 'reddy', name: 'Dr. Reddy' });
    expect(a).toMatchObject({ id: 'doc-1', name: 'Dr. Sharma', specialization: 'Cardiology', consultMinutes: 8 });
    expect(b).toMatchObject({ id: 'reddy', specialization: null, consultMinutes: null });
    expect((await opd.listDoctors()).map((d) => d.id)).toEqual(['doc-1', 'reddy']);
  });

  it('stores a department on the doctor, null without one, and refuses a department that is not an id', async () => {
    const { opd } = scheduler();
    const a = await opd.addDoctor({ id: 'a', name: 'A', department: 'cardiology' });
    expect(a.department).toBe('cardiology');
    expect((await opd.addDoctor({ id: 'b', name: 'B' })).department).toBeNull();
    expect((await opd.listDoctors()).map((d) => d.department)).toEqual(['cardiology', null]);
    const bad = await rejectsWith(opd.addDoctor({ id: 'c', name: 'C', department: 'has space' }), 'VALIDATION_FAILED');
    expect(bad.details.field).toBe('department');
    await rejectsWith(opd.addDoctor({ id: 'c', name: 'C', department: 7 as never }), 'VALIDATION_FAILED');
    expect((await opd.listDoctors()).length).toBe(2);
  });

  it('skips generated ids already taken, refuses duplicates and bad input', async () => {
    const { opd } = scheduler();
    await opd.addDoctor({ id: 'doc-1', name: 'A' });
    expect((await opd.addDoctor({ name: 'B' })).id).toBe('doc-2');
    const dup = await rejectsWith(opd.addDoctor({ id: 'doc-1', name: 'C' }), 'VALIDATION_FAILED');
    expect(dup.details.field).toBe('id');
    await rejectsWith(opd.addDoctor({ name: '' }), 'VALIDATION_FAILED');
    await rejectsWith(opd.addDoctor({ id: 'has space', name: 'x' }), 'VALIDATION_FAILED');
    await rejectsWith(opd.addDoctor({ name: 'x', consultMinutes: 0 }), 'VALIDATION_FAILED');
    await rejectsWith(opd.addDoctor({ name: 'x', extra: 1 } as never), 'VALIDATION_FAILED');
    expect((await opd.listDoctors()).length).toBe(2);
  });
});

describe('slots', () => {
  it('validates times, capacity and overlaps, within the call and with existing slots (open or closed)', async () => {
    const { opd } = scheduler();
    await opd.addDoctor({ id: 'd1', name: 'A' });
    const slot = (start: string, end: string, capacity = 5) => ({ start: `${DAY}T${start}:00Z`, end: `${DAY}T${end}:00Z`, capacity });
    const [nine] = await opd.addSlots('d1', [slot('09:00', '10:00')]);
    expect(nine).toMatchObject({ id: 'd1@2026-01-30T09:00:00Z', day: DAY, capacity: 5, overflowCapacity: 2, status: 'OPEN', closedReason: null });
    expect(nine!.start).toEqual(at('09:00'));
    await rejectsWith(opd.addSlots('d1', [slot('10:00', '10:00')]), 'VALIDATION_FAILED');
    await rejectsWith(opd.addSlots('d1', [slot('10:00', '09:00')]), 'VALIDATION_FAILED');
    await rejectsWith(opd.addSlots('d1', [{ ...slot('10:00', '11:00'), capacity: -1 }]), 'VALIDATION_FAILED');
    await rejectsWith(opd.addSlots('d1', [{ ...slot('10:00', '11:00'), capacity: 2.5 }]), 'VALIDATION_FAILED');
    await rejectsWith(opd.addSlots('d1', [{ ...slot('10:00', '11:00'), start: '2026-01-30T10:00:00' }]), 'VALIDATION_FAILED');
    await rejectsWith(opd.addSlots('d1', [{ start: at('10:00'), end: new Date(at('10:00').getTime() + 25 * 3_600_000), capacity: 1 }]), 'VALIDATION_FAILED');
    const overlap = await rejectsWith(opd.addSlots('d1', [slot('09:30', '10:30')]), 'SLOT_OVERLAP');
    expect(overlap.details).toMatchObject({ field: 'slots[0]', slotId: nine!.id });
    const within = await rejectsWith(opd.addSlots('d1', [slot('11:00', '12:00'), slot('11:30', '12:30')]), 'SLOT_OVERLAP');
    expect(within.details.field).toBe('slots[1]');
    await opd.closeSlot(nine!.id);
    await rejectsWith(opd.addSlots('d1', [slot('09:00', '10:00')]), 'SLOT_OVERLAP');
    await rejectsWith(opd.addSlots('d1', [{ ...slot('12:00', '13:00'), id: nine!.id }]), 'VALIDATION_FAILED');
    await rejectsWith(
      opd.addSlots('d1', [
        { ...slot('12:00', '13:00'), id: 'x' },
        { ...slot('13:00', '14:00'), id: 'x' },
      ]),
      'VALIDATION_FAILED',
    );
    await rejectsWith(opd.addSlots('nobody', [slot('12:00', '13:00')]), 'DOCTOR_NOT_FOUND');
    await rejectsWith(opd.addSlots('d1', 'soon' as never), 'VALIDATION_FAILED');
    expect(await opd.addSlots('d1', [])).toEqual([]);
    // Adjacent slots do not overlap.
    expect(await opd.addSlots('d1', [slot('10:00', '11:00'), slot('08:00', '09:00')])).toHaveLength(2);
  });

  it('a slot id is unique across doctors; slot ids may be given', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 1);
    await opd.addDoctor({ id: 'd2', name: 'B' });
    await rejectsWith(opd.addSlots('d2', [{ id: 'd1-09', start: at('09:00'), end: at('10:00'), capacity: 1 }]), 'VALIDATION_FAILED');
  });

  it("a slot's day is the local date of its start in the scheduler's time zone", async () => {
    const { opd } = scheduler({ timeZone: 'Asia/Kolkata' });
    await opd.addDoctor({ id: 'd1', name: 'A' });
    const [early] = await opd.addSlots('d1', [{ start: '2026-01-30T00:30:00+05:30', end: '2026-01-30T01:30:00+05:30', capacity: 2 }]);
    expect(early!.day).toBe('2026-01-30');
    expect(early!.start.toISOString()).toBe('2026-01-29T19:00:00.000Z');
    expect(opd.dayOf('2026-01-29T19:00:00Z')).toBe('2026-01-30');
    expect(opd.timeZone).toBe('Asia/Kolkata');
    const schedule = await opd.getSchedule('d1', '2026-01-30');
    expect(schedule.slots.map((s) => s.slot.id)).toEqual([early!.id]);
  });
});

describe('views', () => {
  it('getSchedule lists the day in time order with queues and the waitlist', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [10, 9], 1);
    await opd.book(request('d1', 'ONLINE'));
    await opd.book(request('d1', 'ONLINE'));
    const waiting = await opd.book(request('d1', 'ONLINE'));
    const day = await opd.getSchedule('d1', DAY);
    expect(day.doctor.id).toBe('d1');
    expect(day.date).toBe(DAY);
    expect(day.slots.map((s) => s.slot.id)).toEqual(['d1-09', 'd1-10']);
    expect(day.waitlist.map((t) => t.id)).toEqual([waiting.token.id]);
    expect(day.slots[0]!.waitlist.map((t) => t.id)).toEqual([waiting.token.id]);
    expect(await opd.getSchedule('d1', '2027-01-01')).toMatchObject({ slots: [], waitlist: [] });
    await rejectsWith(opd.getSchedule('nobody', DAY), 'DOCTOR_NOT_FOUND');
    await rejectsWith(opd.getWaitlist('d1', '30-01-2026'), 'VALIDATION_FAILED');
    await rejectsWith(opd.getSlot('missing'), 'SLOT_NOT_FOUND');
    await rejectsWith(opd.getToken('missing'), 'TOKEN_NOT_FOUND');
  });
});

describe('stats', () => {
  it('counts per status and category, utilisation, displacements and average wait', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 2, { overflowCapacity: 0 });
    await doctorWithSlots(opd, 'd2', [9], 4);
    const a = await opd.book(request('d1', 'WALK_IN', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'ONLINE', { slotId: 'd1-09' }));
    await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    await opd.book(request('d2', 'PAID'));
    const cancelled = await opd.book(request('d2', 'PAID'));
    await opd.cancel(cancelled.token.id);
    const all = await opd.stats();
    expect(all).toMatchObject({
      tokens: 5,
      byStatus: { BOOKED: 4, CANCELLED: 1, WAITLISTED: 0, DROPPED: 0 },
      byCategory: { EMERGENCY: 1, ONLINE: 1, PAID: 2, WALK_IN: 1 },
      openSlots: 3,
      closedSlots: 0,
      capacity: 8,
      places: 4,
      bumps: 1,
      cascades: 1,
      promotions: 0,
      drops: 0,
    });
    expect(all.utilisation).toBeCloseTo(0.5);
    // Requested at 07:00: waits of 120, 125 (09:00, 09:05) and 180 (10:00) minutes for d1; 120 for d2.
    expect(all.averageWaitMinutes).toBeCloseTo((120 + 125 + 180 + 120) / 4);
    const one = await opd.stats({ doctorId: 'd1', date: DAY });
    expect(one.tokens).toBe(3);
    expect((await opd.getToken(a.token.id)).slotId).toBe('d1-10');
    expect((await opd.stats({ date: '2027-01-01' })).tokens).toBe(0);
    await rejectsWith(opd.stats({ doctorId: 'nobody' }), 'DOCTOR_NOT_FOUND');
    await rejectsWith(opd.stats({ day: DAY } as never), 'VALIDATION_FAILED');
  });

  it('gives the same average wait whatever order the doctor-days are read in', async () => {
    // Waits of 180 minutes less 1, 1 and 35 ms: added up as minutes, a→c and c→a differ in the
    // last bit (stores read doctor-days in their own order).
    const average = async (order: readonly string[]): Promise<number> => {
      const { opd, clock } = scheduler();
      for (const id of order) await doctorWithSlots(opd, id, [10], 2);
      for (const [id, ms] of [
        ['a', 1],
        ['b', 1],
        ['c', 35],
      ] as const) {
        clock.set(new Date(at('07:00').getTime() + ms));
        await opd.book(request(id, 'WALK_IN'));
      }
      clock.set(at('07:00'));
      return (await opd.stats()).averageWaitMinutes;
    };
    const forwards = await average(['a', 'b', 'c']);
    expect(await average(['c', 'b', 'a'])).toBe(forwards);
    expect(forwards).toBeCloseTo(180 - 37 / 3 / 60_000, 9);
  });
});

describe('options and lifecycle', () => {
  it('validates options eagerly with clear errors', () => {
    expect(() => new OpdScheduler({ timeZone: 'Mars/Olympus' })).toThrowError(OpdError);
    expect(() => new OpdScheduler({ consultMinutes: -1 })).toThrowError(/consultMinutes/);
    expect(() => new OpdScheduler({ priority: {} as never })).toThrowError(/priority/);
    expect(() => new OpdScheduler({ storage: { name: 'x' } as never })).toThrowError(/storage/);
    expect(() => new OpdScheduler({ colour: 'red' } as never)).toThrowError(/colour/);
    try {
      new OpdScheduler({ noShowGraceMinutes: Number.NaN });
    } catch (error) {
      expect(isOpdError(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as OpdError).details.field).toBe('noShowGraceMinutes');
    }
  });

  it('a clock that returns garbage fails calls clearly', async () => {
    const opd = new OpdScheduler({ clock: () => new Date('nope') });
    await rejectsWith(opd.addDoctor({ name: 'A' }), 'VALIDATION_FAILED');
  });

  // A booking with nothing to record ends itself; one with a tracer is ended by the call's span.
  describe.each([
    ['telemetry off', (): OpdScheduler => scheduler({ telemetry: false }).opd],
    ['a recording tracer', (): OpdScheduler => scheduler({ telemetry: new Observed().telemetry }).opd],
  ])('calls in flight, with %s', (_, make) => {
    it('close waits for calls in flight, then refuses new ones', async () => {
      const opd = make();
      await doctorWithSlots(opd, 'd1', [9], 5);
      const pending = opd.book(request('d1', 'ONLINE'));
      await opd.close();
      expect((await pending).outcome).toBe('BOOKED');
      await rejectsWith(opd.book(request('d1', 'ONLINE')), 'STORAGE_FAILURE');
      await opd.close();
    });

    it('a call that fails, while reading its input or in the storage, is counted out: close() does not wait for it', async () => {
      const opd = make();
      await doctorWithSlots(opd, 'd1', [9], 5);
      // Refused while parsing (a rejection, never a synchronous throw), then by the rules.
      const unreadable = opd.book({ doctorId: 'd1', category: 'ONLINE' } as never);
      expect(unreadable).toBeInstanceOf(Promise);
      await rejectsWith(unreadable, 'VALIDATION_FAILED');
      await rejectsWith(opd.book(request('nobody', 'ONLINE')), 'DOCTOR_NOT_FOUND');
      const closing = opd.close().then(() => 'closed');
      const stuck = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000));
      expect(await Promise.race([closing, stuck])).toBe('closed');
    });
  });

  it('supports await using', async () => {
    let closedLater: OpdScheduler | undefined;
    {
      await using opd = new OpdScheduler();
      closedLater = opd;
    }
    await rejectsWith(closedLater.listDoctors(), 'STORAGE_FAILURE');
  });
});

describe('errors', () => {
  it('OpdError carries a stable code, details, cause and a literal name', () => {
    const cause = new Error('root');
    const error = new OpdError('SLOT_FULL', 'full', { details: { slotId: 's' }, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('OpdError');
    expect(error.code).toBe('SLOT_FULL');
    expect(error.details).toEqual({ slotId: 's' });
    expect(error.cause).toBe(cause);
    expect(Object.isFrozen(error.details)).toBe(true);
    expect(OPD_ERROR_CODES).toHaveLength(26);
  });

  it('isOpdError works across two loaded copies of the library and checks codes', () => {
    const fromOtherCopy = Object.assign(new Error('x'), { code: 'CONFLICT', details: {} });
    Object.defineProperty(fromOtherCopy, Symbol.for('opd-scheduler.OpdError'), { value: true });
    expect(isOpdError(fromOtherCopy)).toBe(true);
    expect(isOpdError(fromOtherCopy, 'CONFLICT')).toBe(true);
    expect(isOpdError(fromOtherCopy, 'SLOT_FULL')).toBe(false);
    expect(isOpdError(new Error('plain'))).toBe(false);
    expect(isOpdError({ code: 'CONFLICT' })).toBe(false);
    expect(isOpdError(null)).toBe(false);
    // So does instanceof (the ES module and CommonJS builds loaded together are two copies).
    expect(fromOtherCopy instanceof OpdError).toBe(true);
    expect(new Error('plain') instanceof OpdError).toBe(false);
    expect((null as unknown as object) instanceof OpdError).toBe(false);
    expect(new OpdError('CONFLICT', 'x') instanceof Error).toBe(true);
    // A subclass keeps the usual meaning.
    class SlotError extends OpdError<'SLOT_FULL'> {}
    expect(new SlotError('SLOT_FULL', 'x') instanceof SlotError).toBe(true);
    expect(new OpdError('SLOT_FULL', 'x') instanceof SlotError).toBe(false);
    expect(new SlotError('SLOT_FULL', 'x') instanceof OpdError).toBe(true);
  });
});

describe('FHIR', () => {
  it('maps every status onto AppointmentStatus', () => {
    expect(TOKEN_STATUSES.map(toFhirAppointmentStatus)).toEqual([
      'booked',
      'waitlist',
      'checked-in',
      'checked-in',
      'fulfilled',
      'cancelled',
      'noshow',
      'cancelled',
      'pending',
    ]);
    expect(() => toFhirAppointmentStatus('LOST' as never)).toThrowError(OpdError);
  });
});
