/**
 * The stores against each other, step by step (issue 81, "a differential property runs the same
 * random calls on memory and PGlite and compares every outcome and view"): one random sequence of
 * calls — bookings of every category (emergencies often), by doctor and by department, holds and
 * their confirmations and releases, cancellations, check-ins, no-shows, moves, calls, closures,
 * capacity changes, sweeps, answers to offers, and the clock moving — runs in lockstep on a
 * scheduler over `MemoryStorage` and one over `PostgresStorage` (on PGlite; with DATABASE_URL,
 * also on a PostgreSQL server), under a random preset, sometimes with a channel quota, offers of
 * freed places and the day's close-out carrying patients forward. After every call:
 * - both gave the same outcome (the value, or the error's code, field and message);
 * - both show the same views: `getSchedule` of every doctor-day and `getSlot` of every slot.
 * At the end, every token and the whole history agree. The first step that differs is named.
 *
 * `test/conformance/differential.test.ts` compares the outcomes and the final state; this one
 * pins the step where a view first differs, with the options that decide between candidates on.
 */
import fc from 'fast-check';
import { ChannelQuota, type OpdEvent, type OpdSchedulerOptions, StagedOffers, type StagedOffersOptions, type StorageAdapter } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { conformanceStores, type Store } from '../conformance/stores.js';
import { allHistory } from '../helpers.js';
import { offersArb } from './composition.js';
import { type ConfigSpec, configSpecArb, fcOptions, type Outcome, outcomeOf, type QuotaSpec, quotaSpecArb, timeoutFor } from './support.js';
import { DAYS, DOCTORS, emergencyOpsArb, type Op, opsArb, World } from './world.js';

const stores = conformanceStores('opd_t_step');

/** An answer to the `offer`-th offer made so far (accept or decline), beside the world's calls. */
type Answer = { readonly op: 'answer'; readonly offer: number; readonly accept: boolean };
type Call = Op | Answer;

interface Options {
  readonly spec: ConfigSpec;
  readonly quota: QuotaSpec | null;
  readonly offers: StagedOffersOptions | null;
  readonly carryForward: boolean;
}

const optionsArb: fc.Arbitrary<Options> = fc.record({
  spec: configSpecArb,
  quota: fc.option(quotaSpecArb, { freq: 3 }),
  offers: fc.option(offersArb, { freq: 2 }),
  carryForward: fc.boolean(),
});

const answerArb: fc.Arbitrary<Answer> = fc.record({ op: fc.constant('answer' as const), offer: fc.nat(20), accept: fc.boolean() });

/** A sequence of the world's calls (emergencies about half the bookings, or as drawn) with answers to offers mixed in. */
const callsArb: fc.Arbitrary<Call[]> = fc
  .tuple(fc.oneof(opsArb(30), emergencyOpsArb(30)), fc.array(fc.tuple(fc.nat(30), answerArb), { maxLength: 6 }))
  .map(([ops, answers]) => {
    const calls: Call[] = [...ops];
    // Never before the first call (the slots): answers land among the others.
    for (const [at, answer] of answers) calls.splice(1 + (at % calls.length), 0, answer);
    return calls;
  });

/** One side of the lockstep: a world, and the offers its calls made, in order. */
interface Side {
  readonly world: World;
  readonly offers: string[];
  seq: number;
}

async function sideOn(options: Options, storage: StorageAdapter): Promise<Side> {
  const extra: Pick<OpdSchedulerOptions, 'quota' | 'closeOut' | 'offers'> = {
    ...(options.quota === null ? {} : { quota: new ChannelQuota(options.quota) }),
    ...(options.offers === null ? {} : { offers: new StagedOffers(options.offers) }),
    ...(options.carryForward ? { closeOut: { carryForward: true } } : {}),
  };
  return { world: await World.create(options.spec, storage, extra), offers: [], seq: 0 };
}

/** Runs `call` on one side: its outcome, and the offers it made remembered. */
async function step(side: Side, call: Call): Promise<{ readonly name: string; readonly outcome: Outcome | null }> {
  const { world } = side;
  let result: { readonly name: string; readonly outcome: Outcome | null };
  if (call.op === 'answer') {
    const offerId = side.offers.length === 0 ? 'missing-offer' : side.offers[call.offer % side.offers.length]!;
    const outcome = await outcomeOf(() => (call.accept ? world.opd.acceptOffer(offerId) : world.opd.declineOffer(offerId)));
    result = { name: `${call.accept ? 'acceptOffer' : 'declineOffer'}(${offerId})`, outcome };
  } else {
    const s = await world.run(call);
    result = { name: s.call ?? JSON.stringify(call), outcome: s.outcome };
  }
  const events: OpdEvent[] = await world.opd.history({ after: side.seq, limit: 100_000 });
  if (events.length > 0) side.seq = events.at(-1)!.seq;
  for (const e of events) if (e.type === 'token:offered') side.offers.push(e.offerId);
  return result;
}

/** What a user sees of the day after a call: every doctor-day's schedule and every slot's view. */
async function views(world: World): Promise<unknown> {
  const schedules: unknown[] = [];
  for (const doctor of DOCTORS) for (const day of DAYS) schedules.push(await outcomeOf(() => world.opd.getSchedule(doctor, day)));
  const slots: unknown[] = [];
  for (const id of world.slotIds) slots.push(await outcomeOf(() => world.opd.getSlot(id)));
  return { schedules, slots };
}

/** The same calls on memory and on `store`, compared after every call. */
async function lockstep(store: () => Promise<Store>, options: Options, calls: readonly Call[]): Promise<void> {
  const stored = await store();
  const memory = await sideOn(options, (await stores['memory']!()).storage());
  const other = await sideOn(options, stored.storage());
  try {
    for (const [i, call] of calls.entries()) {
      const expected = await step(memory, call);
      const got = await step(other, call);
      expect(got, `call ${i + 1}, ${expected.name}: the outcome`).toEqual(expected);
      expect(await views(other.world), `after call ${i + 1}, ${expected.name}: the schedules and slots`).toEqual(await views(memory.world));
    }
    const tokens = async (side: Side): Promise<unknown[]> => Promise.all(side.world.tokenIds.map((id) => outcomeOf(() => side.world.opd.getToken(id))));
    expect(await tokens(other), 'every token at the end').toEqual(await tokens(memory));
    expect(await allHistory(other.world.opd), 'the history').toEqual(await allHistory(memory.world.opd));
  } finally {
    await memory.world.opd.close();
    await other.world.opd.close();
    await stored.cleanup();
  }
}

const RUNS = 40;

describe.each(Object.entries(stores).filter(([name, store]) => (name === 'PGlite' || name === 'a PostgreSQL server') && store !== undefined))(
  'memory and PostgresStorage (%s), step by step (property)',
  (_name, store) => {
    it(
      'the same calls give the same outcome and the same schedules and slots after every call',
      async () => {
        await fc.assert(
          fc.asyncProperty(optionsArb, callsArb, (options, calls) => lockstep(store!, options, calls)),
          fcOptions<[Options, Call[]]>(RUNS),
        );
      },
      timeoutFor(RUNS, 4000),
    );
  },
);
