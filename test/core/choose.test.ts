/**
 * The slot a booking without `slotId` takes, against the rule written out plainly: the earliest
 * usable slot (open, not ended, starting no earlier than `after`) with a free place the quota
 * admits the request to (an emergency never asks the quota), else the earliest usable slot,
 * else none. The core reads as few slots as it can to answer; this checks it answers the same.
 */
import fc from 'fast-check';
import { presets, type QuotaContext } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { book, chooseTarget } from '../../src/core/commands/book.js';
import { Workspace } from '../../src/core/workspace.js';
import type { SlotRecord, TokenRecord } from '../../src/model/records.js';
import { DAY, at, bookRequest, committed, config, slot, snapshot, token } from './builders.js';

/** One slot of the generated day: its hour, length, status, capacity, places, and whether the quota refuses it. */
const slotSpec = fc.record({
  minutes: fc.constantFrom(30, 60, 120),
  closed: fc.boolean(),
  capacity: fc.integer({ min: 0, max: 3 }),
  places: fc.integer({ min: 0, max: 4 }),
  refused: fc.boolean(),
});

interface Day {
  readonly slots: readonly SlotRecord[];
  readonly tokens: readonly TokenRecord[];
  /** Slot ids the quota refuses to non-emergencies. */
  readonly refused: ReadonlySet<string>;
}

function dayOf(specs: readonly { minutes: number; closed: boolean; capacity: number; places: number; refused: boolean }[]): Day {
  const slots: SlotRecord[] = [];
  const tokens: TokenRecord[] = [];
  const refused = new Set<string>();
  let n = 0;
  specs.forEach((spec, i) => {
    const s = slot(8 + i, spec.capacity, { end: at(8 + i) + spec.minutes * 60_000, status: spec.closed ? 'CLOSED' : 'OPEN' });
    slots.push(s);
    if (spec.refused) refused.add(s.id);
    for (let k = 0; k < spec.places; k++) tokens.push(token(++n, 'ONLINE', s.id));
  });
  return { slots, tokens, refused };
}

/** The rule, slot by slot, reading everything. */
function expected(day: Day, now: number, after: number | undefined, emergency: boolean): number {
  const occupancy = (s: SlotRecord): number => day.tokens.filter((t) => t.slotId === s.id).length;
  const usable = (s: SlotRecord): boolean => s.status === 'OPEN' && s.end > now && (after === undefined || s.start >= after);
  const free = day.slots.findIndex((s) => usable(s) && occupancy(s) < s.capacity && (emergency || !day.refused.has(s.id)));
  return free >= 0 ? free : day.slots.findIndex(usable);
}

describe('the slot a booking chooses', () => {
  it('is the earliest usable slot with a free place the quota admits, else the earliest usable one', () => {
    fc.assert(
      fc.property(
        fc.array(slotSpec, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 7 * 60, max: 14 * 60 }),
        fc.option(fc.integer({ min: 7, max: 14 }), { nil: undefined }),
        fc.boolean(),
        (specs, nowMinutes, afterHour, emergency) => {
          const day = dayOf(specs);
          const now = at(0, nowMinutes);
          const after = afterHour === undefined ? undefined : at(afterHour);
          const quota = { name: 'by slot', admits: ({ slot: s }: QuotaContext): boolean => !day.refused.has(s.id) };
          const core = config({ ...presets.standard(), quota });
          const want = expected(day, now, after, emergency);
          const ws = new Workspace(core, snapshot(day.slots, day.tokens), now);
          const request = token(99, emergency ? 'EMERGENCY' : 'WALK_IN', null);
          expect(chooseTarget(ws, ws.day(DAY), request, { after }, emergency)).toBe(want);
          // A booking takes that slot's free place when it has one the quota admits.
          const free = want >= 0 && day.tokens.filter((t) => t.slotId === day.slots[want]!.id).length < day.slots[want]!.capacity;
          if (!emergency && free && !day.refused.has(day.slots[want]!.id)) {
            const { result } = committed(book.decide(core, snapshot(day.slots, day.tokens), bookRequest('WALK_IN', { after }), now));
            expect(result.token.slotId).toBe(day.slots[want]!.id);
            expect(result.overflow).toBe(false);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
