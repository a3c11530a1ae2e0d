/**
 * Emergency safety (DESIGN §9) under many random days: after every call, no emergency waits while
 * a usable slot of its day (from its notBefore) has a free place, an elastic place its capacity
 * strategy grants it, or a place its overflow strategy lets it bump; no emergency is refused for
 * want of room or dropped; `emergency:unplaced` reports exactly the emergencies a call left
 * waiting — also when an emergency left its place (cancelled, or a no-show) and `reinstate` brings
 * it back into a day filled meanwhile. Lighter than the full invariants, so that it runs thousands
 * of times in CI.
 */
import fc from 'fast-check';
import type { DaySchedule, Effect, OpdEvent, Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { checkEmergencies, checkUnplaced } from './invariants.js';
import { type ConfigSpec, configSpecArb, factsOf, fcOptions, type Observed, type PolicyFacts, presetSpecArb, timeoutFor } from './support.js';
import { DAYS, DOCTORS, emergencyOpsArb, type Op, type Step, World } from './world.js';
import { allHistory } from '../helpers.js';

/** Schedules and the tokens they list (places and waitlists): all the rule looks at. */
async function observeDays(world: World): Promise<Observed> {
  const schedules: DaySchedule[] = [];
  for (const doctor of DOCTORS) for (const day of DAYS) schedules.push(await world.opd.getSchedule(doctor, day));
  const tokens: Token[] = schedules.flatMap((s) => [...s.slots.flatMap((v) => v.places), ...s.waitlist]);
  return { schedules, tokens, historyLength: 0, stats: undefined as never };
}

/** The checks after one step: the rule on the state, no refusal for want of room, the call's unplaced alerts, no drop. */
async function checkStep(spec: ConfigSpec, world: World, op: Op, step: Step, seen: { seq: number }): Promise<void> {
  const f = factsOf(spec);
  const state = await observeDays(world);
  checkEmergencies(spec, world, state);
  if (step.outcome === null) return;
  if (!step.outcome.ok) {
    if (op.op === 'book' && f.protectedCategories.has(op.category)) {
      expect(step.outcome.code, `an emergency is never refused for want of room: ${step.call}`).not.toBe('SLOT_FULL');
    }
    return;
  }
  const history: OpdEvent[] = await allHistory(world.opd, seen.seq);
  seen.seq = history.at(-1)?.seq ?? seen.seq;
  checkUnplaced(spec, history, state);
  for (const e of history) {
    if (e.type === 'token:dropped')
      expect(f.protectedCategories.has((await world.opd.getToken(e.tokenId)).category), `${e.tokenId}: an emergency is never dropped`).toBe(false);
  }
}

async function runEmergencyDay(spec: ConfigSpec, ops: readonly Op[]): Promise<void> {
  const world = await World.create(spec);
  const seen = { seq: 0 };
  for (const op of ops) await checkStep(spec, world, op, await world.run(op), seen);
}

/** When, after an operation, one of the emergencies seen so far leaves its place and is brought back. */
interface Return {
  /** How it leaves: cancelled, or (once its slot has started) marked a no-show. */
  readonly how: 'cancel' | 'markNoShow';
  /** Which of the emergencies seen so far. */
  readonly which: number;
  /** Minutes the clock moves between leaving and coming back. */
  readonly minutes: number;
  /** Bookings (walk-ins, then follow-ups) made for its doctor-day meanwhile: most often enough to fill the place it left. */
  readonly fill: number;
}

const returnArb: fc.Arbitrary<Return> = fc.record({
  how: fc.constantFrom<Return['how']>('cancel', 'markNoShow'),
  which: fc.nat(10),
  minutes: fc.integer({ min: 0, max: 90 }),
  fill: fc.nat(6),
});

/**
 * An operation's `token` index that names the token at `k` of the world's tokens, or `undefined`
 * when none does (one index in ten names no token: with a multiple of ten tokens, those at 9, 19…
 * cannot be named).
 */
function refTo(world: World, k: number): number | undefined {
  for (let i = k; i < k + 10 * world.tokenIds.length; i += world.tokenIds.length) if (i % 10 !== 9) return i;
  return undefined;
}

/** The ids of the tokens the world has seen that are emergencies (protected under `f`). */
async function emergenciesOf(world: World, f: PolicyFacts): Promise<string[]> {
  const ids: string[] = [];
  for (const id of world.tokenIds) {
    const token = await world.opd.getToken(id).catch(() => undefined);
    if (token !== undefined && f.protectedCategories.has(token.category)) ids.push(id);
  }
  return ids;
}

/**
 * The random day, where after some operations an emergency seen so far (a new one is booked when
 * none is) is cancelled or marked a no-show and then brought back by `reinstate`; every step is
 * checked. Returns how many emergencies `reinstate` brought back.
 */
async function runReturns(spec: ConfigSpec, ops: readonly Op[], returns: readonly (Return | null)[]): Promise<number> {
  const world = await World.create(spec);
  const seen = { seq: 0 };
  const f = factsOf(spec);
  const run = async (op: Op): Promise<Step> => {
    const step = await world.run(op);
    await checkStep(spec, world, op, step, seen);
    return step;
  };
  let back = 0;
  for (const [i, op] of ops.entries()) {
    await run(op);
    const ret = returns[i];
    if (ret === null || ret === undefined) continue;
    let emergencies = await emergenciesOf(world, f);
    if (emergencies.length === 0) {
      await run({ op: 'book', doctor: 0, category: 'EMERGENCY', slot: null, patient: null, age: null, date: 0, afterHour: null, key: null });
      emergencies = await emergenciesOf(world, f);
      if (emergencies.length === 0) continue;
    }
    const id = emergencies[ret.which % emergencies.length]!;
    const { doctorId, day } = await world.opd.getToken(id);
    // The token's index is resolved at each step: the fillers add tokens the world has seen.
    const ref = (): number | undefined => refTo(world, world.tokenIds.indexOf(id));
    const leaving = ref();
    if (leaving === undefined) continue;
    await run({ op: ret.how, token: leaving });
    for (let n = 0; n < ret.fill; n++) {
      const category = n % 2 === 0 ? 'WALK_IN' : 'FOLLOW_UP';
      const doctor = DOCTORS.indexOf(doctorId as (typeof DOCTORS)[number]);
      await run({
        op: 'book',
        doctor,
        category,
        slot: null,
        patient: null,
        age: null,
        date: DAYS.indexOf(day as (typeof DAYS)[number]),
        afterHour: null,
        key: null,
      });
    }
    if (ret.minutes > 0) await run({ op: 'advance', minutes: ret.minutes });
    const coming = ref();
    if (coming === undefined) continue;
    const done = await run({ op: 'reinstate', token: coming });
    if (done.outcome?.ok === true) {
      back++;
      const result = done.outcome.value as { token: Token; effects: Effect[] };
      expect(result.token.id, 'reinstate brings back the token asked for').toBe(id);
      expect(['BOOKED', 'WAITLISTED'], `${result.token.id}: a reinstated emergency holds a place or waits`).toContain(result.token.status);
    }
  }
  return back;
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

  it(
    'holds for an emergency brought back by reinstate after a cancellation or a no-show',
    async () => {
      let back = 0;
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(
          configSpecArb,
          emergencyOpsArb(20),
          fc.array(fc.option(returnArb, { freq: 2, nil: null }), { minLength: 21, maxLength: 21 }),
          async (spec, ops, returns) => {
            runs++;
            back += await runReturns(spec, ops, returns);
          },
        ),
        fcOptions(RUNS),
      );
      // Not a vacuous property: most runs bring an emergency back (a cancelled one always can be,
      // unless the patient booked again meanwhile).
      expect(back, `emergencies brought back over ${runs} runs`).toBeGreaterThanOrEqual(runs);
    },
    timeoutFor(RUNS, 30),
  );
});
