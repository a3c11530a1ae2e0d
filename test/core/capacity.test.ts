/**
 * The core asks the capacity strategy for elastic places in one place (`elasticPlaces`); the
 * built-in strategies are answered there without a context, and must answer what their public
 * `elasticPlaces` answers. Any other strategy, a subclass with its own method included, is asked.
 */
import { type CapacityStrategy, CategoryPriority, ElasticCapacity, type ElasticContext, NoElasticCapacity, presets, STANDARD_RANKS } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { elasticPlaces } from '../../src/core/placement.js';
import { Workspace } from '../../src/core/workspace.js';
import { at, config, slot, snapshot } from './builders.js';

const CATEGORIES = ['EMERGENCY', 'ONLINE', 'TRAUMA', 'WALK_IN'];

/** A policy that accepts `TRAUMA` too: a scheduler refuses a strategy naming a category its policy does not accept. */
const priority = new CategoryPriority({ ranks: { ...STANDARD_RANKS, TRAUMA: 1 } });

function workspace(capacity: CapacityStrategy): Workspace {
  return new Workspace(config({ ...presets.standard(), priority, capacity }), snapshot([], []), at(8));
}

describe('elasticPlaces', () => {
  it('answers for the built-in strategies what their elasticPlaces answers', () => {
    const strategies: CapacityStrategy[] = [
      new NoElasticCapacity(),
      new ElasticCapacity(),
      new ElasticCapacity({ limit: 'unlimited' }),
      new ElasticCapacity({ limit: 2, categories: ['TRAUMA', 'EMERGENCY'] }),
      new ElasticCapacity({ limit: 0 }),
      new ElasticCapacity({ categories: [] }),
      new ElasticCapacity({ categories: ['WALK_IN'], limit: 'slot' }),
    ];
    for (const strategy of strategies) {
      const ws = workspace(strategy);
      for (const overflowCapacity of [0, 1, 3]) {
        const full = slot(9, 2, { overflowCapacity });
        for (const category of CATEGORIES) {
          for (const occupancy of [2, 4]) {
            const context: ElasticContext = {
              slot: Object.freeze({ ...full, facilityId: 'default', start: new Date(full.start), end: new Date(full.end) }),
              category,
              rank: 3,
              occupancy,
              now: new Date(at(8)),
            };
            expect(elasticPlaces(ws, full, { category, rank: 3 }, occupancy), `${strategy.name} ${category} over ${overflowCapacity}`).toBe(
              strategy.elasticPlaces(context),
            );
          }
        }
      }
    }
  });

  it('asks any other strategy, and a subclass with its own elasticPlaces, with the slot and the request', () => {
    const seen: ElasticContext[] = [];
    class Doubled extends ElasticCapacity {
      override elasticPlaces(context: ElasticContext): number {
        seen.push(context);
        return 2 * super.elasticPlaces(context);
      }
    }
    const custom: CapacityStrategy = {
      name: 'custom',
      elasticPlaces: (context) => {
        seen.push(context);
        return context.rank === 1 ? 5 : 0;
      },
    };
    const full = slot(9, 2, { overflowCapacity: 1 });
    expect(elasticPlaces(workspace(new Doubled()), full, { category: 'EMERGENCY', rank: 1 }, 2)).toBe(2);
    expect(elasticPlaces(workspace(custom), full, { category: 'ONLINE', rank: 1 }, 3)).toBe(5);
    expect(seen.map((c) => [c.slot.id, c.slot.start.getTime(), c.category, c.rank, c.occupancy, c.now.getTime()])).toEqual([
      [full.id, full.start, 'EMERGENCY', 1, 2, at(8)],
      [full.id, full.start, 'ONLINE', 1, 3, at(8)],
    ]);
  });
});
