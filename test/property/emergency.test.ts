/**
 * Emergency safety (DESIGN §9) under many random days: after every call, no emergency waits while
 * a usable slot of its day (from its notBefore) has a free place, an elastic place its capacity
 * strategy grants it, or a place its overflow strategy lets it bump; no emergency is refused for
 * want of room or dropped; `emergency:unplaced` reports exactly the emergencies a call left
 * waiting. Lighter than the full invariants, so that it runs thousands of times in CI.
 */
import fc from 'fast-check';
import type { DaySchedule, OpdEvent, Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { checkEmergencies, checkUnplaced } from './invariants.js';
import { type ConfigSpec, configSpecArb, factsOf, fcOptions, type Observed, presetSpecArb, timeoutFor } from './support.js';
import { DAYS, DOCTORS, emergencyOpsArb, type Op, World } from './world.js';

/** Schedules and the tokens they list (places and waitlists): all the rule looks at. */
async function observeDays(world: World): Promise<Observed> {
  const schedules: DaySchedule[] = [];
  for (const doctor of DOCTORS) for (const day of DAYS) schedules.push(await world.opd.getSchedule(doctor, day));
  const tokens: Token[] = schedules.flatMap((s) => [...s.slots.flatMap((v) => v.places), ...s.waitlist]);
  return { schedules, tokens, historyLength: 0, stats: undefined as never };
}

async function runEmergencyDay(spec: ConfigSpec, ops: readonly Op[]): Promise<void> {
  const world = await World.create(spec);
  const f = factsOf(spec);
  let seen = 0;
  for (const op of ops) {
    const step = await world.run(op);
    const state = await observeDays(world);
    checkEmergencies(spec, world, state);
    if (step.outcome === null) continue;
    if (!step.outcome.ok) {
      if (op.op === 'book' && f.protectedCategories.has(op.category)) {
        expect(step.outcome.code, `an emergency is never refused for want of room: ${step.call}`).not.toBe('SLOT_FULL');
      }
      continue;
    }
    const history: OpdEvent[] = await world.opd.history({ after: seen });
    seen = history.at(-1)?.seq ?? seen;
    checkUnplaced(spec, history, state);
    for (const e of history) {
      if (e.type === 'token:dropped') expect(f.protectedCategories.has((await world.opd.getToken(e.tokenId)).category), `${e.tokenId}: an emergency is never dropped`).toBe(false);
    }
  }
}

const RUNS = 2500;

describe('emergency safety after random operation sequences (DESIGN §9)', () => {
  it(
    'holds for every preset',
    async () => {
      await fc.assert(
        fc.asyncProperty(presetSpecArb, emergencyOpsArb(30), async (spec, ops) => {
          await runEmergencyDay(spec, ops);
        }),
        fcOptions(RUNS),
      );
    },
    timeoutFor(RUNS, 30),
  );

  it(
    'holds for random compositions of the built-in strategies',
    async () => {
      await fc.assert(
        fc.asyncProperty(configSpecArb, emergencyOpsArb(30), async (spec, ops) => {
          await runEmergencyDay(spec, ops);
        }),
        fcOptions(RUNS),
      );
    },
    timeoutFor(RUNS, 30),
  );
});
