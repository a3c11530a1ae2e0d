import { describe, expect, it } from 'vitest';
import type { RotaInput } from 'opd-scheduler';
import { rejectsWith, scheduler, TestClock } from '../helpers.js';

const MONDAY_CLINIC: RotaInput = {
  weekly: [
    { weekday: 1, start: '09:00', end: '11:00', slotMinutes: 30, capacity: 5 },
    { weekday: 3, start: '14:00', end: '15:00', slotMinutes: 60, capacity: 8, overflowCapacity: 0 },
  ],
  from: '2026-02-02', // a Monday
  to: '2026-02-15',
};

async function withDoctor(timeZone = 'UTC') {
  const { opd, clock } = scheduler({ timeZone }, new TestClock('2026-01-01T00:00:00Z'));
  await opd.addDoctor({ id: 'd1', name: 'Dr. A' });
  return { opd, clock };
}

describe('addRecurringSlots', () => {
  it('creates the slots of each weekly session between the dates, in time order', async () => {
    const { opd } = await withDoctor();
    const slots = await opd.addRecurringSlots('d1', MONDAY_CLINIC);
    expect(slots.map((s) => s.start.toISOString())).toEqual([
      '2026-02-02T09:00:00.000Z',
      '2026-02-02T09:30:00.000Z',
      '2026-02-02T10:00:00.000Z',
      '2026-02-02T10:30:00.000Z',
      '2026-02-04T14:00:00.000Z',
      '2026-02-09T09:00:00.000Z',
      '2026-02-09T09:30:00.000Z',
      '2026-02-09T10:00:00.000Z',
      '2026-02-09T10:30:00.000Z',
      '2026-02-11T14:00:00.000Z',
    ]);
    expect(slots[0]).toMatchObject({ id: 'd1@2026-02-02T09:00:00Z', capacity: 5, overflowCapacity: 2, status: 'OPEN' });
    expect(slots[4]).toMatchObject({ capacity: 8, overflowCapacity: 0, end: new Date('2026-02-04T15:00:00Z') });
    expect((await opd.getSchedule('d1', '2026-02-09')).slots).toHaveLength(4);
  });

  it('skips the dates in except and includes both ends of the range', async () => {
    const { opd } = await withDoctor();
    const slots = await opd.addRecurringSlots('d1', { ...MONDAY_CLINIC, from: '2026-02-04', to: '2026-02-09', except: ['2026-02-04'] });
    expect(new Set(slots.map((s) => opd.dayOf(s.start)))).toEqual(new Set(['2026-02-09']));
  });

  it('with dryRun, returns the slots it would create, with their ids, and creates nothing', async () => {
    const { opd } = await withDoctor();
    await opd.addRecurringSlots('d1', { ...MONDAY_CLINIC, to: '2026-02-08' });
    const preview = await opd.addRecurringSlots('d1', MONDAY_CLINIC, { dryRun: true });
    expect(preview.map((s) => s.id)).toEqual([
      'd1@2026-02-09T09:00:00Z',
      'd1@2026-02-09T09:30:00Z',
      'd1@2026-02-09T10:00:00Z',
      'd1@2026-02-09T10:30:00Z',
      'd1@2026-02-11T14:00:00Z',
    ]);
    expect((await opd.getSchedule('d1', '2026-02-09')).slots).toHaveLength(0);
    const events = (await opd.history()).length;
    expect(await opd.addRecurringSlots('d1', MONDAY_CLINIC)).toEqual(preview);
    expect((await opd.history()).length).toBe(events);
    await rejectsWith(opd.addRecurringSlots('d1', MONDAY_CLINIC, { dryRun: 'yes' as never }), 'VALIDATION_FAILED');
  });

  it('creates nothing twice: a re-run returns only what is missing, and keeps slots as they are', async () => {
    const { opd } = await withDoctor();
    const first = await opd.addRecurringSlots('d1', MONDAY_CLINIC);
    await opd.closeSlot(first[0]!.id);
    await opd.setCapacity(first[1]!.id, 1);
    const events = (await opd.history()).length;
    expect(await opd.addRecurringSlots('d1', MONDAY_CLINIC)).toEqual([]);
    expect((await opd.history()).length).toBe(events);
    expect((await opd.getSlot(first[0]!.id)).slot.status).toBe('CLOSED');
    expect((await opd.getSlot(first[1]!.id)).slot.capacity).toBe(1);
    const longer = await opd.addRecurringSlots('d1', { ...MONDAY_CLINIC, to: '2026-02-22' });
    expect(longer.map((s) => opd.dayOf(s.start))).toEqual(['2026-02-16', '2026-02-16', '2026-02-16', '2026-02-16', '2026-02-18']);
  });

  it('refuses an overlap with a slot that is not its own, creating nothing', async () => {
    const { opd } = await withDoctor();
    await opd.addSlots('d1', [{ id: 'manual', start: '2026-02-09T10:15:00Z', end: '2026-02-09T10:45:00Z', capacity: 1 }]);
    const error = await rejectsWith(opd.addRecurringSlots('d1', MONDAY_CLINIC), 'SLOT_OVERLAP');
    expect(error.details).toMatchObject({ field: 'rota.weekly[0]', slotId: 'manual', doctorId: 'd1' });
    expect((await opd.getSchedule('d1', '2026-02-02')).slots).toEqual([]);
  });

  it('refuses a changed rota whose slots overlap the earlier run', async () => {
    const { opd } = await withDoctor();
    await opd.addRecurringSlots('d1', MONDAY_CLINIC);
    const changed = { ...MONDAY_CLINIC, weekly: [{ weekday: 1, start: '09:00', end: '11:00', slotMinutes: 60, capacity: 5 }] };
    await rejectsWith(opd.addRecurringSlots('d1', changed), 'SLOT_OVERLAP');
  });

  it('keeps local times across daylight-saving changes (Europe/London)', async () => {
    const { opd } = await withDoctor('Europe/London');
    const slots = await opd.addRecurringSlots('d1', {
      weekly: [{ weekday: 7, start: '09:00', end: '10:00', slotMinutes: 60, capacity: 3 }],
      from: '2026-03-22',
      to: '2026-04-05',
    });
    expect(slots.map((s) => s.start.toISOString())).toEqual(['2026-03-22T09:00:00.000Z', '2026-03-29T08:00:00.000Z', '2026-04-05T08:00:00.000Z']);
    expect(slots.map((s) => s.end.getTime() - s.start.getTime())).toEqual([3_600_000, 3_600_000, 3_600_000]);
  });

  it('leaves out the slots whose local times are skipped or repeated on the change day (America/New_York)', async () => {
    const { opd } = await withDoctor('America/New_York');
    const spring = await opd.addRecurringSlots('d1', {
      weekly: [{ weekday: 7, start: '01:00', end: '04:00', slotMinutes: 30, capacity: 1 }],
      from: '2026-03-08',
      to: '2026-03-08',
    });
    // 02:00–03:00 does not exist: the slots starting or ending in it are not created.
    expect(spring.map((s) => [s.start.toISOString(), s.end.toISOString()])).toEqual([
      ['2026-03-08T06:00:00.000Z', '2026-03-08T06:30:00.000Z'],
      ['2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z'],
      ['2026-03-08T07:30:00.000Z', '2026-03-08T08:00:00.000Z'],
    ]);
    const autumn = await opd.addRecurringSlots('d1', {
      weekly: [{ weekday: 7, start: '00:00', end: '03:00', slotMinutes: 60, capacity: 1 }],
      from: '2026-11-01',
      to: '2026-11-01',
    });
    // 01:00–02:00 occurs twice: the slots starting or ending in it (00:00–01:00, 01:00–02:00) are not created.
    expect(autumn.map((s) => s.start.toISOString())).toEqual(['2026-11-01T07:00:00.000Z']);
  });

  it('answers bad input with typed errors naming the field, changing nothing', async () => {
    const { opd } = await withDoctor();
    const entry = MONDAY_CLINIC.weekly[0]!;
    const cases: [unknown, string, string][] = [
      [{ ...MONDAY_CLINIC, weekly: [{ ...entry, weekday: 0 }] }, 'VALIDATION_FAILED', 'rota.weekly[0].weekday'],
      [{ ...MONDAY_CLINIC, weekly: [{ ...entry, weekday: 8 }] }, 'VALIDATION_FAILED', 'rota.weekly[0].weekday'],
      [{ ...MONDAY_CLINIC, weekly: [{ ...entry, start: '9:00' }] }, 'VALIDATION_FAILED', 'rota.weekly[0].start'],
      [{ ...MONDAY_CLINIC, weekly: [{ ...entry, end: '24:00' }] }, 'VALIDATION_FAILED', 'rota.weekly[0].end'],
      [{ ...MONDAY_CLINIC, weekly: [{ ...entry, end: '09:00' }] }, 'VALIDATION_FAILED', 'rota.weekly[0].end'],
      [{ ...MONDAY_CLINIC, weekly: [{ ...entry, slotMinutes: 45 }] }, 'VALIDATION_FAILED', 'rota.weekly[0].slotMinutes'],
      [{ ...MONDAY_CLINIC, weekly: [{ ...entry, capacity: -1 }] }, 'VALIDATION_FAILED', 'rota.weekly[0].capacity'],
      [{ ...MONDAY_CLINIC, weekly: [entry, { ...entry, start: '10:30', end: '12:00' }] }, 'SLOT_OVERLAP', 'rota.weekly[1]'],
      [{ ...MONDAY_CLINIC, weekly: [] }, 'VALIDATION_FAILED', 'rota.weekly'],
      [{ ...MONDAY_CLINIC, from: '2026-02-16' }, 'VALIDATION_FAILED', 'rota.to'],
      [{ ...MONDAY_CLINIC, to: '2027-02-03' }, 'VALIDATION_FAILED', 'rota.to'],
      [{ ...MONDAY_CLINIC, from: '2026-02-30' }, 'VALIDATION_FAILED', 'rota.from'],
      [{ ...MONDAY_CLINIC, except: ['tomorrow'] }, 'VALIDATION_FAILED', 'rota.except[0]'],
      [{ ...MONDAY_CLINIC, extra: 1 }, 'VALIDATION_FAILED', 'rota.extra'],
      [
        {
          weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '23:00', slotMinutes: 1, capacity: 1 })),
          from: '2026-01-05',
          to: '2026-01-12',
        },
        'VALIDATION_FAILED',
        'rota',
      ],
    ];
    for (const [rota, code, field] of cases) {
      const error: unknown = await opd.addRecurringSlots('d1', rota as RotaInput).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, field).toMatchObject({ code, details: { field } });
    }
    await rejectsWith(opd.addRecurringSlots('nobody', MONDAY_CLINIC), 'DOCTOR_NOT_FOUND');
    for (const day of ['2026-01-05', '2026-02-02', '2026-02-04']) expect((await opd.getSchedule('d1', day)).slots).toEqual([]);
  });
});
