/**
 * The record updates every command goes through: a patch changes exactly the fields it names;
 * a token's place time follows its slot, and a hold's deadline lives only while the token is held.
 */
import { execFileSync } from 'node:child_process';
import { TOKEN_STATUSES } from 'opd-scheduler';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { patchSlot, patchToken, type TokenPatch } from '../../src/model/make.js';
import type { TokenRecord } from '../../src/model/records.js';
import { fcOptions } from '../property/support.js';
import { at, slot, token } from './builders.js';

const NOW = at(8);
const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

/** A token in slot `d1-09` (or waitlisted), held or not, placed at 07:30. */
const tokenArb: fc.Arbitrary<TokenRecord> = fc
  .record({ waitlisted: fc.boolean(), status: fc.constantFrom(...TOKEN_STATUSES), hold: fc.option(fc.constant(at(7, 45)), { nil: null }) })
  .map(({ waitlisted, status, hold }) =>
    token(1, 'WALK_IN', waitlisted ? null : 'd1-09', { status, holdExpiresAt: hold, placedAt: waitlisted ? null : at(7, 30) }),
  );

/** A patch of any of the fields, the slot among: none, the token's own, another one, or no slot. */
const patchArb = (t: TokenRecord): fc.Arbitrary<TokenPatch> =>
  fc
    .record({
      slotId: optional(fc.constantFrom(t.slotId, 'd1-10', null)),
      waitingForSlotId: optional(fc.constantFrom('d1-10', null)),
      rank: optional(fc.integer({ min: 0, max: 9 })),
      status: optional(fc.constantFrom(...TOKEN_STATUSES)),
      bumpCount: optional(fc.integer({ min: 0, max: 3 })),
      notBefore: optional(fc.constantFrom(at(10), null)),
      cancelReason: optional(fc.constantFrom('leave', null)),
      holdExpiresAt: optional(fc.constantFrom(at(9), null)),
      requestedAt: optional(fc.constant(at(7, 50))),
    })
    .map((patch) => Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as TokenPatch);

describe('patchToken', () => {
  it('sets each patched field, keeps every other one, and stamps the update', () => {
    fc.assert(
      fc.property(
        tokenArb.chain((t) => fc.tuple(fc.constant(t), patchArb(t))),
        ([t, patch]) => {
          const next = patchToken(t, patch, NOW);
          const { placedAt, holdExpiresAt, updatedAt, ...rest } = next;
          const { placedAt: _p, holdExpiresAt: _h, updatedAt: _u, ...before } = t;
          expect(rest).toEqual({ ...before, ...withoutTimes(patch) });
          expect(updatedAt).toBe(NOW);
          // The place time follows the slot: kept while the slot stays, none without a slot, now in a new one.
          const expectedPlaced = patch.slotId === undefined || patch.slotId === t.slotId ? t.placedAt : patch.slotId === null ? null : NOW;
          expect(placedAt).toBe(expectedPlaced);
          // A hold's deadline: the one patched, else kept while the token stays held, else none.
          const expectedHold = patch.holdExpiresAt !== undefined ? patch.holdExpiresAt : (patch.status ?? t.status) === 'HELD' ? t.holdExpiresAt : null;
          expect(holdExpiresAt).toBe(expectedHold);
        },
      ),
      fcOptions(300),
    );
  });

  it('a held token patched in another field keeps its deadline; its place time stays in the same slot', () => {
    const held = token(1, 'WALK_IN', 'd1-09', { status: 'HELD', holdExpiresAt: at(7, 45), placedAt: at(7, 30) });
    const next = patchToken(held, { rank: 2, slotId: 'd1-09' }, NOW);
    expect(next.holdExpiresAt).toBe(at(7, 45));
    expect(next.placedAt).toBe(at(7, 30));
    expect(patchToken(held, { status: 'BOOKED' }, NOW).holdExpiresAt).toBeNull();
    expect(patchToken(held, { requestedAt: at(7, 50) }, NOW).requestedAt).toBe(at(7, 50));
  });
});

/** The patch without the deadline, which the property checks on its own. */
function withoutTimes(patch: TokenPatch): Omit<TokenPatch, 'holdExpiresAt'> {
  const { holdExpiresAt: _h, ...rest } = patch;
  return rest;
}

describe('patchSlot', () => {
  it('sets each patched field and keeps every other one', () => {
    const closed = slot(9, 3, { status: 'CLOSED', closedReason: 'leave' });
    expect(patchSlot(closed, { capacity: 5 })).toEqual({ ...closed, capacity: 5 });
    expect(patchSlot(closed, { status: 'OPEN', closedReason: null })).toEqual({ ...closed, status: 'OPEN', closedReason: null });
    expect(patchSlot(closed, {})).toEqual(closed);
  });
});

describe('stored records', () => {
  it('share one hidden class per kind: doctors, slots and tokens, whatever the inputs', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', 'test/core/shapes.ts'], { encoding: 'utf8' });
    const { doctors, slots, tokens, counts } = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(counts).toEqual([40, 160, 560]);
    expect({ doctors, slots, tokens }).toEqual({ doctors: 1, slots: 1, tokens: 1 });
  });

  it('on a journey share one hidden class per set of fields, in the store, in the answers and in the events', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', 'test/core/journey-shapes.ts'], { encoding: 'utf8' });
    const kinds = JSON.parse(out.trim().split('\n').pop()!) as Record<string, { maps: number; fieldSets: number; dictionaries: number; count: number }>;
    expect(Object.keys(kinds)).toEqual(['tokens', 'journeys', 'views', 'viewJourneys', 'events']);
    for (const [kind, { maps, fieldSets, dictionaries, count }] of Object.entries(kinds)) {
      // Enough objects that one hidden class each could not pass for one per set of fields.
      expect(count, kind).toBeGreaterThanOrEqual(72);
      expect({ kind, maps, dictionaries }).toEqual({ kind, maps: fieldSets, dictionaries: 0 });
    }
  });
});
