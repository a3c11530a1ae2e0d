/**
 * The `facilityId` option: checked, carried by every record, event and FHIR resource, and kept
 * apart by the store's view of each facility (an adapter without one holds 'default' only).
 */
import { DEFAULT_FACILITY_ID, MemoryStorage, OpdScheduler, type StorageAdapter, toFhirAppointment, toFhirSchedule, toFhirSlot } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';

const DAY = '2026-01-30';
const clock = (): Date => new Date(`${DAY}T01:30:00Z`);

function refusal(make: () => unknown, field: string): void {
  expect(make).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field }) }) as Error);
}

describe('facilityId', () => {
  it("is 'default' without the option, and refused with VALIDATION_FAILED when empty, too long, or of other characters", async () => {
    expect(DEFAULT_FACILITY_ID).toBe('default');
    const opd = new OpdScheduler({ clock });
    expect((await opd.addDoctor({ id: 'd1', name: 'Dr 1' })).facilityId).toBe('default');
    for (const bad of ['', 'x'.repeat(101), '-north', 'north hospital', 'a/b', 'ä', 7, null, {}])
      refusal(() => new OpdScheduler({ facilityId: bad as string }), 'facilityId');
    expect(new OpdScheduler({ facilityId: 'IN2710001234:opd-1.a_b' })).toBeInstanceOf(OpdScheduler);
  });

  it('an adapter without forFacility holds the default facility only', () => {
    const memory = new MemoryStorage();
    const plain: StorageAdapter = {
      name: 'plain',
      transact: (r, d) => memory.transact(r, d),
      read: (r) => memory.read(r),
      listDoctors: () => memory.listDoctors(),
      allocateId: () => memory.allocateId(),
      findDueDays: (...a) => memory.findDueDays(...a),
      scanDays: (f) => memory.scanDays(f),
      history: (a, l) => memory.history(a, l),
      close: () => memory.close(),
    };
    expect(new OpdScheduler({ storage: plain })).toBeInstanceOf(OpdScheduler);
    expect(new OpdScheduler({ storage: plain, facilityId: 'default' })).toBeInstanceOf(OpdScheduler);
    refusal(() => new OpdScheduler({ storage: plain, facilityId: 'north' }), 'facilityId');
    refusal(() => new OpdScheduler({ storage: { ...plain, forFacility: 'yes' } as unknown as StorageAdapter, facilityId: 'north' }), 'storage');
    const throwing = {
      ...plain,
      forFacility: () => {
        throw new Error('no');
      },
    };
    refusal(() => new OpdScheduler({ storage: throwing, facilityId: 'north' }), 'facilityId');
  });

  it('MemoryStorage: one view per facility, the same for the same id; closing one leaves the others open', async () => {
    const store = new MemoryStorage();
    expect(store.forFacility('default')).toBe(store);
    expect(store.forFacility('north')).toBe(store.forFacility('north'));
    expect(store.forFacility('north').forFacility('south')).toBe(store.forFacility('south'));
    expect(() => store.forFacility('a b')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }) as Error);
    await store.forFacility('north').close();
    expect(await store.forFacility('south').listDoctors()).toEqual([]);
    expect(await store.listDoctors()).toEqual([]);
  });

  it('every record, event and FHIR resource carries the facility', async () => {
    const storage = new MemoryStorage();
    const opd = new OpdScheduler({ storage, facilityId: 'north', clock, timeZone: 'Asia/Kolkata' });
    const seen: string[] = [];
    opd.on('event', (e) => seen.push(e.facilityId));
    const doctor = await opd.addDoctor({ id: 'd1', name: 'Dr 1' });
    const [slot] = await opd.addSlots('d1', [{ start: `${DAY}T09:00:00+05:30`, end: `${DAY}T10:00:00+05:30`, capacity: 2 }]);
    const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' } });
    const moved = await opd.cancel(booked.token.id);
    expect([doctor.facilityId, slot!.facilityId, booked.token.facilityId, moved.token.facilityId]).toEqual(['north', 'north', 'north', 'north']);
    expect(new Set([...seen, ...(await opd.history()).map((e) => e.facilityId)])).toEqual(new Set(['north']));
    const tag = { system: 'urn:opd-scheduler:facility', code: 'north' };
    expect(toFhirSchedule(doctor).meta.tag).toEqual([tag]);
    expect(toFhirSlot(await opd.getSlot(slot!.id)).meta.tag).toEqual([tag]);
    expect(toFhirAppointment(await opd.getToken(booked.token.id)).meta.tag).toEqual([tag]);
    expect(toFhirSchedule(doctor, { identifierSystem: 'https://h.example/ids/' }).meta.tag).toEqual([
      { system: 'https://h.example/ids/facility', code: 'north' },
    ]);
    // A doctor from before facilities (no facilityId) is the default facility's.
    const { facilityId: _dropped, ...older } = doctor;
    expect(toFhirSchedule(older as typeof doctor).meta.tag).toEqual([{ ...tag, code: 'default' }]);
    // The default facility's scheduler over the same store sees none of it.
    const other = new OpdScheduler({ storage, clock });
    await expect(other.getDoctor('d1')).rejects.toMatchObject({ code: 'DOCTOR_NOT_FOUND' });
    expect(await other.history()).toEqual([]);
  });
});
