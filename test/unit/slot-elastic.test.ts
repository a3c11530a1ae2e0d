/**
 * A slot's view shows what the capacity strategy allows there and why (`getSlot(id).elastic`,
 * from the optional `describeSlot`): for `CalibratedElastic`, the learnt show rate, its sample,
 * whether a wider group was used, and the extra places (issue 59).
 */
import { type CapacityStrategy, type ElasticNote, isOpdError, OpdScheduler, presets } from 'opd-scheduler';
import { CalibratedElastic, exportHistory, overbookingExtras } from 'opd-scheduler/lab';
import { describe, expect, it } from 'vitest';

const DAY = '2030-03-04';
const at = (hhmm: string, day = DAY): number => Date.parse(`${day}T${hhmm}:00Z`);

/** A day of Dr. D: four online patients in a slot of four, two came and two never did. */
async function learnt(risk: number): Promise<CalibratedElastic> {
  let now = at('02:00');
  const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(now) });
  await opd.addDoctor({ id: 'd', name: 'Dr. D' });
  await opd.addSlots('d', [{ id: 'd9', start: `${DAY}T03:00:00Z`, end: `${DAY}T04:00:00Z`, capacity: 4 }]);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await opd.book({ doctorId: 'd', category: 'ONLINE', patient: { name: 'P' }, slotId: 'd9' })).token.id);
  now = at('03:05');
  await opd.checkIn(ids[0]!);
  await opd.checkIn(ids[1]!);
  now = at('03:30');
  await opd.markNoShow(ids[2]!);
  await opd.markNoShow(ids[3]!);
  const history = await exportHistory(opd);
  await opd.close();
  return CalibratedElastic.fromHistory(history, { risk, minSample: 4 });
}

describe('getSlot shows the capacity strategy’s account of the slot', () => {
  it('CalibratedElastic: the show rate, its sample, the group, the fallback and the extras per category', async () => {
    const capacity = await learnt(0.2);
    const now = at('01:00', '2030-03-05');
    const opd = new OpdScheduler({ ...presets.standard(), capacity, clock: () => new Date(now) });
    await opd.addDoctor({ id: 'd', name: 'Dr. D' });
    await opd.addDoctor({ id: 'e', name: 'Dr. E' });
    await opd.addSlots('d', [{ id: 'd9b', start: '2030-03-05T03:00:00Z', end: '2030-03-05T04:00:00Z', capacity: 4, overflowCapacity: 1 }]);
    await opd.addSlots('e', [{ id: 'e9', start: '2030-03-05T03:00:00Z', end: '2030-03-05T04:00:00Z', capacity: 4 }]);
    const view = await opd.getSlot('d9b');
    const extras = overbookingExtras(4, 0.5, 0.2);
    expect(extras).toBeGreaterThan(0);
    expect(view.elastic).toEqual({
      strategy: 'calibrated(0.2)',
      notes: [
        {
          category: 'ONLINE',
          extras,
          basis: { showRate: 0.5, sample: 4, group: 'doctor=d category=ONLINE lead=same-day', fallback: false, risk: 0.2, lead: 'same-day' },
        },
        { category: 'EMERGENCY', extras: extras + 1, basis: { protected: true, overflowCapacity: 1, risk: 0.2, lead: 'same-day' } },
      ],
    });
    // The notes agree with what the strategy decides, and with its `calibration`.
    const slot = view.slot;
    expect(capacity.elasticPlaces({ slot, category: 'ONLINE', rank: 0, occupancy: 4, now: new Date(now) })).toBe(extras);
    expect(capacity.calibration(slot, 'ONLINE', new Date(now)).extras).toBe(extras);
    // Another doctor: learnt on the wider group (the category only), a fallback.
    const other = (await opd.getSlot('e9')).elastic!.notes[0]!;
    expect(other.basis).toMatchObject({ group: 'category=ONLINE', fallback: true, sample: 4 });
    await opd.close();
  });

  it('a strategy of the user’s own is shown as it describes itself; one without describeSlot shows nothing', async () => {
    const mine: CapacityStrategy = {
      name: 'two-for-walk-ins',
      elasticPlaces: (c) => (c.category === 'WALK_IN' ? 2 : 0),
      describeSlot: (c): ElasticNote[] => [
        { category: 'WALK_IN', extras: 2, basis: { reason: 'desk rule', occupancy: c.occupancy, learnt: false, rate: null } },
      ],
    };
    const now = at('01:00');
    const opd = new OpdScheduler({ capacity: mine, clock: () => new Date(now) });
    await opd.addDoctor({ id: 'd', name: 'Dr. D' });
    await opd.addSlots('d', [{ id: 'd9', start: `${DAY}T03:00:00Z`, end: `${DAY}T04:00:00Z`, capacity: 2 }]);
    await opd.book({ doctorId: 'd', category: 'WALK_IN', patient: { name: 'P' } });
    expect((await opd.getSlot('d9')).elastic).toEqual({
      strategy: 'two-for-walk-ins',
      notes: [{ category: 'WALK_IN', extras: 2, basis: { reason: 'desk rule', occupancy: 1, learnt: false, rate: null } }],
    });
    await opd.close();

    const plain = new OpdScheduler({ ...presets.standard(), clock: () => new Date(now) });
    await plain.addDoctor({ id: 'd', name: 'Dr. D' });
    await plain.addSlots('d', [{ id: 'd9', start: `${DAY}T03:00:00Z`, end: `${DAY}T04:00:00Z`, capacity: 2 }]);
    expect('elastic' in (await plain.getSlot('d9'))).toBe(false);
    await plain.close();
  });

  it('a describeSlot that throws or answers badly is a VALIDATION_FAILED naming the strategy; nothing changes', async () => {
    const now = at('01:00');
    for (const describeSlot of [
      () => {
        throw new Error('patient Asha');
      },
      () => 'three',
      () => [{ category: 'WALK_IN', extras: -1, basis: {} }],
      () => [{ category: 'WALK_IN', extras: 1, basis: { nested: { a: 1 } } }],
      () => [null],
      () => ['WALK_IN'],
      () => [{ category: 7, extras: 1, basis: {} }],
      () => [{ category: 'WALK_IN', extras: '1', basis: {} }],
      () => [{ category: 'WALK_IN', extras: 1, basis: null }],
      () => [{ category: 'WALK_IN', extras: 1, basis: 'show rate' }],
      () => [{ category: 'WALK_IN', extras: 1 }],
    ]) {
      const strategy = { name: 'odd', elasticPlaces: () => 0, describeSlot } as unknown as CapacityStrategy;
      const opd = new OpdScheduler({ capacity: strategy, clock: () => new Date(now) });
      await opd.addDoctor({ id: 'd', name: 'Dr. D' });
      await opd.addSlots('d', [{ id: 'd9', start: `${DAY}T03:00:00Z`, end: `${DAY}T04:00:00Z`, capacity: 2 }]);
      const error: unknown = await opd.getSlot('d9').then(
        () => null,
        (e: unknown) => e,
      );
      expect(isOpdError(error, 'VALIDATION_FAILED'), String(error)).toBe(true);
      expect(String((error as Error).message)).toContain('odd');
      expect(String((error as Error).message)).not.toContain('Asha');
      expect((error as { details: Record<string, unknown> }).details).toMatchObject({ field: 'capacity strategy', strategy: 'odd' });
      if (!String((error as Error).message).includes('threw'))
        expect(String((error as Error).message)).toContain('a list of notes `{ category, extras, basis }`');
      expect((await opd.getSchedule('d', DAY)).slots).toHaveLength(1);
      await opd.close();
    }
  });
});
