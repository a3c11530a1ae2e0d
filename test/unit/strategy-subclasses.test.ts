/**
 * Built-in strategies are called only through their public interfaces: a subclass that overrides
 * a method is honoured wherever the core asks the strategy.
 */
import {
  CategoryPriority,
  ChannelQuota,
  ElasticCapacity,
  type ElasticContext,
  type FullContext,
  type FullOption,
  NoElasticCapacity,
  OpdScheduler,
  type RankContext,
  type QuotaContext,
  RuleOverflow,
} from 'opd-scheduler';
import { describe, expect, it } from 'vitest';

const DAY = '2030-03-04';
const NOW = new Date(`${DAY}T06:00:00Z`);

async function clinic(
  options: ConstructorParameters<typeof OpdScheduler>[0],
  capacity = 2,
): Promise<{ opd: OpdScheduler; doctorId: string; slotIds: string[] }> {
  const opd = new OpdScheduler({ ...options, clock: () => NOW });
  const doctor = await opd.addDoctor({ name: 'Dr. Rao' });
  const slots = await opd.addSlots(doctor.id, [
    { start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity, overflowCapacity: 1 },
    { start: `${DAY}T10:00:00Z`, end: `${DAY}T11:00:00Z`, capacity, overflowCapacity: 1 },
  ]);
  return { opd, doctorId: doctor.id, slotIds: slots.map((s) => s.id) };
}

describe('a subclass of a built-in strategy is honoured', () => {
  it('ChannelQuota: an override of admits refusing every ONLINE request', async () => {
    class NoOnline extends ChannelQuota {
      override admits(context: QuotaContext): boolean {
        return context.category !== 'ONLINE' && super.admits(context);
      }
    }
    const { opd, doctorId } = await clinic({
      quota: new NoOnline({ WALK_IN: { share: 1 } }),
      overflow: new RuleOverflow({ whenFull: { default: ['reject'] } }),
    });
    await expect(opd.book({ doctorId, category: 'ONLINE', patient: { id: 'p1', name: 'A' }, date: DAY })).rejects.toMatchObject({ code: 'SLOT_FULL' });
    const walkIn = await opd.book({ doctorId, category: 'WALK_IN', patient: { id: 'p2', name: 'B' }, date: DAY });
    expect(walkIn.outcome).toBe('BOOKED');
    expect((await opd.stats()).byStatus.BOOKED).toBe(1);
  });

  it('ElasticCapacity: an override of elasticPlaces granting walk-ins an elastic place', async () => {
    class WalkInsToo extends ElasticCapacity {
      override elasticPlaces(context: ElasticContext): number {
        return context.category === 'WALK_IN' ? 1 : super.elasticPlaces(context);
      }
    }
    const { opd, doctorId, slotIds } = await clinic({ capacity: new WalkInsToo(), overflow: new RuleOverflow({ whenFull: { default: ['reject'] } }) }, 1);
    await opd.book({ doctorId, category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: slotIds[0]! });
    const walkIn = await opd.book({ doctorId, category: 'WALK_IN', patient: { id: 'p2', name: 'B' }, slotId: slotIds[0]! });
    expect(walkIn).toMatchObject({ outcome: 'BOOKED', overflow: true });
    await expect(opd.book({ doctorId, category: 'ONLINE', patient: { id: 'p3', name: 'C' }, slotId: slotIds[1]! })).resolves.toMatchObject({ overflow: false });
    await expect(opd.book({ doctorId, category: 'ONLINE', patient: { id: 'p4', name: 'D' }, slotId: slotIds[1]! })).rejects.toMatchObject({
      code: 'SLOT_FULL',
    });
  });

  it('NoElasticCapacity: an override of elasticPlaces granting an elastic place', async () => {
    class OneMore extends NoElasticCapacity {
      override elasticPlaces(): number {
        return 1;
      }
    }
    const { opd, doctorId, slotIds } = await clinic({ capacity: new OneMore(), overflow: new RuleOverflow({ whenFull: { default: ['reject'] } }) }, 1);
    await opd.book({ doctorId, category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: slotIds[0]! });
    await expect(opd.book({ doctorId, category: 'ONLINE', patient: { id: 'p2', name: 'B' }, slotId: slotIds[0]! })).resolves.toMatchObject({ overflow: true });
  });

  it('CategoryPriority: an override of rank putting walk-ins first', async () => {
    class WalkInsFirst extends CategoryPriority {
      override rank(context: RankContext): number {
        return context.category === 'WALK_IN' ? 0 : super.rank(context);
      }
    }
    const { opd, doctorId, slotIds } = await clinic({ priority: new WalkInsFirst() }, 3);
    await opd.book({ doctorId, category: 'PAID', patient: { id: 'p1', name: 'A' }, slotId: slotIds[0]! });
    const walkIn = await opd.book({ doctorId, category: 'WALK_IN', patient: { id: 'p2', name: 'B' }, slotId: slotIds[0]! });
    expect(walkIn.token).toMatchObject({ rank: 0, position: 1 });
  });

  it('RuleOverflow: an override of whenFull waitlisting every category', async () => {
    class AlwaysWait extends RuleOverflow {
      override whenFull(context: FullContext): readonly FullOption[] {
        return context.category === 'ONLINE' ? ['waitlist'] : super.whenFull(context);
      }
    }
    const { opd, doctorId, slotIds } = await clinic({ overflow: new AlwaysWait({ whenFull: { default: ['reject'] } }) }, 1);
    await opd.book({ doctorId, category: 'WALK_IN', patient: { id: 'p1', name: 'A' }, slotId: slotIds[0]! });
    await opd.book({ doctorId, category: 'WALK_IN', patient: { id: 'p0', name: 'Z' }, slotId: slotIds[1]! });
    await expect(opd.book({ doctorId, category: 'ONLINE', patient: { id: 'p2', name: 'B' }, slotId: slotIds[0]! })).resolves.toMatchObject({
      outcome: 'WAITLISTED',
    });
    await expect(opd.book({ doctorId, category: 'PAID', patient: { id: 'p3', name: 'C' }, slotId: slotIds[0]! })).rejects.toMatchObject({ code: 'SLOT_FULL' });
  });
});
