/**
 * The allocation core never trusts an inconsistent snapshot: an adapter that leaves out a day,
 * a slot or a place makes the call fail with STORAGE_FAILURE (naming what is missing) instead of
 * guessing, and nothing is written.
 */
import { MemoryStorage, OpdScheduler, type StorageAdapter } from 'opd-scheduler';
import type { DaySnapshot, DoctorSnapshot } from 'opd-scheduler/adapter-kit';
import { describe, expect, it } from 'vitest';
import { at, DAY, rejectsWith, rewritingStorage, TestClock } from '../helpers.js';

/** MemoryStorage whose units see snapshots changed by `lie` while `lying` is on. */
function lyingStorage(lie: (snapshot: DoctorSnapshot) => DoctorSnapshot): { storage: StorageAdapter; lying: { on: boolean } } {
  const inner: StorageAdapter = new MemoryStorage();
  const lying = { on: false };
  const storage = rewritingStorage('lying', inner, { unit: (snapshot) => (lying.on ? lie(snapshot) : snapshot) });
  return { storage, lying };
}

const mapDays = (snapshot: DoctorSnapshot, f: (day: DaySnapshot) => DaySnapshot | undefined): DoctorSnapshot => {
  const days = new Map<string, DaySnapshot>();
  for (const [key, day] of snapshot.days) {
    const changed = f(day);
    if (changed !== undefined) days.set(key, changed);
  }
  return { ...snapshot, days };
};

async function setUp(lie: (snapshot: DoctorSnapshot) => DoctorSnapshot) {
  const { storage, lying } = lyingStorage(lie);
  const opd = new OpdScheduler({ storage, clock: new TestClock().now });
  await opd.addDoctor({ id: 'd1', name: 'Dr One' });
  await opd.addSlots('d1', [{ id: 's09', start: at('09:00'), end: at('10:00'), capacity: 2 }]);
  const { token } = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 's09' });
  const history = (await opd.history()).length;
  lying.on = true;
  return { opd, token, history };
}

describe('an inconsistent snapshot fails the call and writes nothing', () => {
  it('a day the unit asked for is missing', async () => {
    const { opd, history } = await setUp((s) => mapDays(s, () => undefined));
    const error = await rejectsWith(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 's09' }), 'STORAGE_FAILURE');
    expect(error.details).toMatchObject({ day: DAY });
    expect((await opd.history()).length).toBe(history);
  });

  it('a token is missing from the places of its slot', async () => {
    const { opd, token, history } = await setUp((s) => mapDays(s, (d) => ({ ...d, slots: d.slots.map((x) => ({ slot: x.slot, places: [] })) })));
    const error = await rejectsWith(opd.cancel(token.id), 'STORAGE_FAILURE');
    expect(error.details).toMatchObject({ tokenId: token.id });
    expect(error.message).toMatch(/missing/);
    expect((await opd.getToken(token.id)).status).toBe('BOOKED');
    expect((await opd.history()).length).toBe(history);
  });

  it('a token refers to a slot missing from its day', async () => {
    const { opd, token, history } = await setUp((s) => mapDays(s, (d) => ({ ...d, slots: [] })));
    const error = await rejectsWith(opd.cancel(token.id), 'STORAGE_FAILURE');
    expect(error.details).toMatchObject({ tokenId: token.id });
    expect(error.message).toMatch(/slot/);
    expect((await opd.history()).length).toBe(history);
  });
});
