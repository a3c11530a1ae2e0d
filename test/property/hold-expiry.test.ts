/**
 * A hold never outlives its slot (docs/rules.md, Holds). Random slots, bookings, holds of a minute
 * to a day, confirmations, releases, sweeps, slots closed, capacities changed and clock moves under
 * every configuration; after every call, no `HELD` token's `holdExpiresAt` is later than its slot's end, and every `confirm` is
 * answered by the rule: a hold whose slot has ended is refused as a booking there is
 * (`SLOT_ENDED`), one whose end has passed otherwise with `INVALID_TRANSITION`, both changing
 * nothing; one that succeeds leaves its patient `BOOKED` in a slot that has not ended.
 */
import fc from 'fast-check';
import type { Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { configSpecArb, fcOptions, observeAll, type Observed, type Outcome, outcomeOf, timeoutFor } from './support.js';
import { DAYS, DOCTORS, type Op as WorldOp, World } from './world.js';

/**
 * An operation of the world, or a confirmation of one of the last tokens it saw (most often a hold
 * just placed), `later` minutes from now (the clock moved first: often past the end of its slot).
 */
type Op = WorldOp | { readonly op: 'confirmRecent'; readonly back: number; readonly later: number };

const tokenArb = fc.nat(40);
const addSlotsArb = (doctor: fc.Arbitrary<number>, minLength: number): fc.Arbitrary<Op> =>
  fc.record({
    op: fc.constant<'addSlots'>('addSlots'),
    doctor,
    slots: fc.array(
      fc.record({
        day: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
        hour: fc.integer({ min: 7, max: 12 }),
        minutes: fc.constantFrom(30, 60),
        capacity: fc.integer({ min: 1, max: 3 }),
        overflowCapacity: fc.constant(null),
        named: fc.boolean(),
      }),
      { minLength, maxLength: minLength + 2 },
    ),
  });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: addSlotsArb(fc.constantFrom(0, 1), 1) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant<'hold'>('hold'),
      doctor: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
      category: fc.constantFrom('EMERGENCY', 'PAID', 'ONLINE', 'WALK_IN'),
      slot: fc.option(fc.nat(20), { freq: 2, nil: null }),
      patient: fc.option(fc.nat(9), { nil: null }),
      minutes: fc.oneof(fc.integer({ min: 1, max: 240 }), fc.constant(1440)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant<'book'>('book'),
      doctor: fc.constantFrom(0, 1),
      category: fc.constantFrom('EMERGENCY', 'PAID', 'ONLINE', 'WALK_IN'),
      slot: fc.option(fc.nat(20), { nil: null }),
      patient: fc.option(fc.nat(9), { nil: null }),
      age: fc.constant(null),
      date: fc.constant(null),
      afterHour: fc.constant(null),
      key: fc.constant(null),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant<'confirm'>('confirm'), token: tokenArb }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant<'confirmRecent'>('confirmRecent'),
      back: fc.nat(2),
      later: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 180 }) }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'release'>('release'), token: tokenArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'reinstate'>('reinstate'), token: tokenArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'cancel'>('cancel'), token: tokenArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'sweep'>('sweep'), explicitNow: fc.constant(false), shiftMinutes: fc.constant(0) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant<'advance'>('advance'), minutes: fc.integer({ min: 1, max: 90 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'closeSlot'>('closeSlot'), slot: fc.nat(20), dryRun: fc.constant(false) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant<'setCapacity'>('setCapacity'),
      slot: fc.nat(20),
      capacity: fc.integer({ min: 0, max: 3 }),
      dryRun: fc.constant(false),
    }),
  },
);

/** The `HELD` token a confirm names and its slot's end, read before the call; `undefined` for any other token. */
async function heldBefore(world: World, id: string): Promise<{ token: Token; slotEnd: number } | undefined> {
  const token = await world.opd.getToken(id).catch(() => undefined);
  if (token?.status !== 'HELD') return undefined;
  return { token, slotEnd: (await world.opd.getSlot(token.slotId!)).slot.end.getTime() };
}

/** Every `HELD` place ends no later than its slot. */
function checkHoldsWithinSlots(state: Observed, call: string): void {
  for (const { slot, places } of state.schedules.flatMap((s) => s.slots)) {
    for (const t of places) {
      if (t.status !== 'HELD') continue;
      expect(t.holdExpiresAt!.getTime(), `${call}: ${t.id} held in ${slot.id} until no later than its end`).toBeLessThanOrEqual(slot.end.getTime());
    }
  }
}

/** A confirm answered by the rule: see the file's summary. */
function checkConfirm(
  world: World,
  held: { token: Token; slotEnd: number } | undefined,
  outcome: Outcome,
  before: Observed,
  after: Observed,
  call: string,
): void {
  if (held === undefined) {
    expect(outcome.ok ? 'confirmed' : outcome.code, `${call}: only a hold is confirmed`).not.toBe('confirmed');
    return;
  }
  const expected = held.slotEnd <= world.now ? 'SLOT_ENDED' : held.token.holdExpiresAt!.getTime() <= world.now ? 'INVALID_TRANSITION' : 'confirmed';
  expect(outcome.ok ? 'confirmed' : outcome.code, `${call} at ${new Date(world.now).toISOString()}`).toBe(expected);
  if (!outcome.ok) {
    expect(after, `${call}: a refused confirmation changes nothing`).toEqual(before);
    return;
  }
  const token = (outcome.value as { token: Token }).token;
  expect([token.status, token.slotId], `${call}: BOOKED in the place it held`).toEqual(['BOOKED', held.token.slotId]);
  expect(held.slotEnd, `${call}: confirmed into a slot that has not ended`).toBeGreaterThan(world.now);
}

describe('a hold never outlives its slot', () => {
  const runs = 300;
  it(
    'no hold ends after its slot, and no hold is confirmed into a slot that has ended',
    async () => {
      await fc.assert(
        fc.asyncProperty(configSpecArb, addSlotsArb(fc.constant(0), 2), fc.array(opArb, { minLength: 3, maxLength: 30 }), async (spec, slots, rest) => {
          const ops = [slots, ...rest];
          const world = await World.create(spec);
          const observe = () => observeAll(world.opd, DOCTORS, DAYS.slice(0, 2), world.tokenIds);
          let before = await observe();
          for (const op of ops) {
            if (op.op === 'confirmRecent' && op.later > 0) {
              await world.run({ op: 'advance', minutes: op.later });
              before = await observe();
            }
            const confirmed = op.op === 'confirm' ? world.tokenRef(op.token) : op.op === 'confirmRecent' ? world.tokenIds.at(-1 - op.back) : undefined;
            const held = confirmed === undefined ? undefined : await heldBefore(world, confirmed);
            let call: string;
            let outcome: Outcome | null;
            if (op.op === 'confirmRecent') {
              if (confirmed === undefined) continue;
              call = `confirm(${confirmed}) ${op.later} minutes later`;
              outcome = await outcomeOf(() => world.opd.confirm(confirmed));
            } else {
              const step = await world.run(op);
              call = step.call ?? JSON.stringify(op);
              outcome = step.outcome;
            }
            const after = await observe();
            checkHoldsWithinSlots(after, call);
            if (confirmed !== undefined && outcome !== null) checkConfirm(world, held, outcome, before, after, call);
            before = after;
          }
          await world.opd.close();
        }),
        fcOptions(runs),
      );
    },
    timeoutFor(runs, 60),
  );
});
