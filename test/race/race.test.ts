/**
 * Concurrent calls on one scheduler (fc.scheduler decides every interleaving at the storage
 * adapter's await points): the final state and every call's result must equal those of SOME
 * serial order of the same calls, with no overbooking and unique token numbers.
 */
import fc from 'fast-check';
import { type BookingRequest, MemoryStorage, type OpdScheduler, type StorageAdapter } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { checkState } from '../property/invariants.js';
import { type ConfigSpec, fcOptions, observeAll, type Outcome, outcomeOf, presetSpecArb, timeoutFor } from '../property/support.js';
import { DAYS, World } from '../property/world.js';
import { allHistory } from '../helpers.js';

const DAY = DAYS[0];
const at = (hhmm: string): Date => new Date(`${DAY}T${hhmm}:00Z`);

/** A storage adapter that hands control to the fast-check scheduler around every call. */
function scheduledStorage(inner: StorageAdapter, gate: (label: string) => Promise<void>): StorageAdapter {
  return {
    name: 'scheduled-memory',
    async transact(request, decide) {
      await gate('transact');
      const result = await inner.transact(request, decide);
      await gate('committed');
      return result;
    },
    async read(request) {
      await gate('read');
      return inner.read(request);
    },
    async listDoctors() {
      await gate('listDoctors');
      return inner.listDoctors();
    },
    async allocateId(kind) {
      await gate('allocateId');
      return inner.allocateId(kind);
    },
    async findDueDays(cutoff) {
      await gate('findDueDays');
      const due = await inner.findDueDays(cutoff);
      await gate('foundDueDays');
      return due;
    },
    scanDays: (filter) => inner.scanDays(filter),
    async history(after, limit) {
      await gate('history');
      return inner.history(after, limit);
    },
    close: () => inner.close(),
  };
}

/** One call, with its arguments fixed against the state after setup. */
type Call =
  | { readonly kind: 'book'; readonly request: BookingRequest }
  | { readonly kind: 'cancel' | 'markNoShow' | 'checkIn'; readonly token: number }
  | { readonly kind: 'sweep' }
  | { readonly kind: 'setCapacity'; readonly slotId: string; readonly capacity: number }
  | { readonly kind: 'closeSlot'; readonly slotId: string };

const tokenId = (n: number): string => `d1~${DAY}~${n}`;

function invoke(opd: OpdScheduler, call: Call): Promise<unknown> {
  switch (call.kind) {
    case 'book':
      return opd.book(call.request);
    case 'cancel':
    case 'markNoShow':
    case 'checkIn':
      return opd[call.kind](tokenId(call.token));
    case 'sweep':
      return opd.sweep();
    case 'setCapacity':
      return opd.setCapacity(call.slotId, call.capacity);
    case 'closeSlot':
      return opd.closeSlot(call.slotId);
  }
}

interface Setup {
  /** Capacities of the 09:00 and 10:00 slots. */
  readonly capacities: readonly [number, number];
  /** Categories booked into 09:00 before the race, in order. */
  readonly booked: readonly string[];
  /** Clock during the race (the 09:00 slot has started and its grace has passed at 09:20). */
  readonly raceAt: string;
}

async function prepare(spec: ConfigSpec, setup: Setup, storage?: StorageAdapter): Promise<World> {
  const world = await World.create(spec, storage);
  world.now = at('07:00').getTime();
  await world.opd.addSlots('d1', [
    { id: 's09', start: at('09:00'), end: at('10:00'), capacity: setup.capacities[0], overflowCapacity: 1 },
    { id: 's10', start: at('10:00'), end: at('11:00'), capacity: setup.capacities[1], overflowCapacity: 1 },
  ]);
  for (const [i, category] of setup.booked.entries()) {
    const result = await outcomeOf(() => world.opd.book({ doctorId: 'd1', category, patient: { id: `setup${i}`, name: 'Setup' }, slotId: 's09' }));
    if (result.ok) world.tokenIds.push((result.value as { token: { id: string } }).token.id);
  }
  world.now = at(setup.raceAt).getTime();
  return world;
}

/** Everything observable after the race: the day, every token, the history and stats. */
async function finalState(world: World): Promise<unknown> {
  const count = (await world.opd.stats()).tokens;
  const ids = Array.from({ length: count }, (_, i) => tokenId(i + 1));
  return { observed: await observeAll(world.opd, ['d1'], [DAY], ids), history: await allHistory(world.opd) };
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const categoryArb = fc.constantFrom('EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN');
let fresh = 0;
const bookArb = (category: fc.Arbitrary<string>): fc.Arbitrary<Call> =>
  fc.tuple(category, fc.boolean()).map(([c, named]) => ({
    kind: 'book' as const,
    request: { doctorId: 'd1', category: c, patient: { id: `racer${++fresh}`, name: 'Racer' }, ...(named ? { slotId: 's09' } : {}) },
  }));

const setupArb: fc.Arbitrary<Setup> = fc.record({
  capacities: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 })),
  booked: fc.array(categoryArb, { minLength: 0, maxLength: 4 }),
  raceAt: fc.constantFrom('08:00', '09:20'),
});

/** The scenarios of the issue, and a mix of everything. */
const SCENARIOS: Readonly<Record<string, fc.Arbitrary<Call[]>>> = {
  'bookings for the last place': fc.array(bookArb(categoryArb), { minLength: 2, maxLength: 4 }),
  'a cancel racing a booking': fc.tuple(fc.integer({ min: 1, max: 4 }), bookArb(categoryArb)).map(([t, b]) => [{ kind: 'cancel' as const, token: t }, b]),
  'two sweeps (and a booking)': fc
    .tuple(bookArb(categoryArb), fc.boolean())
    .map(([b, withBooking]) => [{ kind: 'sweep' as const }, { kind: 'sweep' as const }, ...(withBooking ? [b] : [])]),
  'an emergency racing a cancel': fc
    .tuple(fc.integer({ min: 1, max: 4 }), bookArb(fc.constant('EMERGENCY')))
    .map(([t, b]) => [b, { kind: 'cancel' as const, token: t }]),
  'a mix of calls': fc.array(
    fc.oneof(
      bookArb(categoryArb),
      fc.record({ kind: fc.constantFrom<'cancel' | 'markNoShow' | 'checkIn'>('cancel', 'markNoShow', 'checkIn'), token: fc.integer({ min: 1, max: 5 }) }),
      fc.constant<Call>({ kind: 'sweep' }),
      fc.record({ kind: fc.constant<'setCapacity'>('setCapacity'), slotId: fc.constantFrom('s09', 's10'), capacity: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ kind: fc.constant<'closeSlot'>('closeSlot'), slotId: fc.constantFrom('s09', 's10') }),
    ),
    { minLength: 2, maxLength: 4 },
  ),
};

const RUNS = 40;

describe('concurrent calls equal some serial order (MemoryStorage)', () => {
  for (const [name, callsArb] of Object.entries(SCENARIOS)) {
    it(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.scheduler(), presetSpecArb, setupArb, callsArb, async (s, spec, setup, calls) => {
            let racing = false;
            const gate = async (label: string): Promise<void> => {
              if (racing) await s.schedule(Promise.resolve(label), label);
            };
            const world = await prepare(spec, setup, scheduledStorage(new MemoryStorage(), gate));
            racing = true;
            const pending = calls.map((call, i) =>
              s.schedule(Promise.resolve(`start ${i}`), `start ${call.kind} #${i}`).then(() => outcomeOf(() => invoke(world.opd, call))),
            );
            const outcomes = await s.waitFor(Promise.all(pending));
            racing = false;
            const raced = { outcomes, state: await finalState(world) };

            // No overbooking, unique numbers, every rule of a state at rest.
            const count = (await world.opd.stats()).tokens;
            world.tokenIds.splice(0, world.tokenIds.length, ...Array.from({ length: count }, (_, i) => tokenId(i + 1)));
            checkState(spec, world, await observeAll(world.opd, ['d1', 'd2'], DAYS, world.tokenIds));

            const serial: unknown[] = [];
            for (const order of permutations(calls.map((_, i) => i))) {
              const replay = await prepare(spec, setup);
              const results: Outcome[] = new Array<Outcome>(calls.length);
              for (const i of order) results[i] = await outcomeOf(() => invoke(replay.opd, calls[i]!));
              const candidate = { outcomes: results, state: await finalState(replay) };
              if (fc.stringify(candidate) === fc.stringify(raced)) return;
              serial.push(order);
            }
            expect.fail(`no serial order of the calls gives the raced result (tried ${serial.length} orders)\n${s.report()}`);
          }),
          fcOptions(RUNS),
        );
      },
      timeoutFor(RUNS, 200),
    );
  }
});
