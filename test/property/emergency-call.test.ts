/**
 * The emergency call (DESIGN §10 "The live queue", issue 81 item 4): in every call order — queue
 * order (no `callOrder`), a `FairCallOrder` of any options, a custom `CallOrderPolicy` — with
 * random arrivals, bookings into any slot (an emergency often lands in a later slot, on an elastic
 * place or by a bump), check-ins, cancellations, no-shows, the lab and back, and the clock moving:
 * whenever an emergency is checked in at the doctor's queue, the doctor's next call is an
 * emergency, and its estimated start was no later than any other patient's checked in there; and
 * the call is always one of the patients checked in there.
 */
import fc from 'fast-check';
import { type CallOrderPolicy, FairCallOrder, isOpdError, OpdScheduler, ReturnAhead, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, TestClock } from '../helpers.js';
import { CATEGORIES, fcOptions, PRESETS, timeoutFor } from './support.js';

const HOURS = [9, 10, 11] as const;

type Op =
  | { readonly kind: 'book'; readonly category: (typeof CATEGORIES)[number]; readonly hour: (typeof HOURS)[number] | null }
  | { readonly kind: 'checkIn'; readonly pick: number }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'see'; readonly lab: boolean }
  | { readonly kind: 'lab' }
  | { readonly kind: 'wait'; readonly minutes: number }
  | { readonly kind: 'sweep' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('book' as const), category: fc.constantFrom(...CATEGORIES), hour: fc.constantFrom(null, ...HOURS) }) },
  // Emergencies often land in a later slot than patients already waiting (asked for, or the earlier ones full).
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('book' as const),
      category: fc.constant('EMERGENCY' as const),
      hour: fc.constantFrom(null, 10 as const, 11 as const),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('checkIn' as const), pick: fc.nat(60) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(60) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('see' as const), lab: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'lab' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
);

/** A call order as data (printable in a counterexample). */
type OrderSpec =
  | { readonly kind: 'queue order' }
  | {
      readonly kind: 'fair';
      readonly interleaveEvery: number | undefined;
      readonly maxWaitMinutes: number | undefined;
      readonly rates: Readonly<Record<string, number>> | undefined;
    }
  | { readonly kind: 'custom'; readonly order: 'last first' | 'worst rank first' };

const orderArb: fc.Arbitrary<OrderSpec> = fc.oneof(
  fc.constant({ kind: 'queue order' as const }),
  fc.record({
    kind: fc.constant('fair' as const),
    interleaveEvery: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    maxWaitMinutes: fc.option(fc.integer({ min: 5, max: 60 }), { nil: undefined }),
    rates: fc.option(fc.dictionary(fc.constantFrom('PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'), fc.integer({ min: 1, max: 8 })), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('custom' as const), order: fc.constantFrom('last first' as const, 'worst rank first' as const) }),
);

/** A custom order that would put an emergency last if it were given one: the scheduler never does. */
function customOrder(order: 'last first' | 'worst rank first'): CallOrderPolicy {
  return {
    name: order,
    order: (c) => (order === 'last first' ? [...c.candidates].reverse() : [...c.candidates].sort((a, b) => b.rank - a.rank)).map((x) => x.tokenId),
  };
}

function callOrderOf(spec: OrderSpec): CallOrderPolicy | undefined {
  switch (spec.kind) {
    case 'queue order':
      return undefined;
    case 'fair':
      return new FairCallOrder({
        ...(spec.interleaveEvery === undefined ? {} : { interleaveEvery: spec.interleaveEvery }),
        ...(spec.maxWaitMinutes === undefined ? {} : { maxWaitMinutes: spec.maxWaitMinutes }),
        ...(spec.rates === undefined ? {} : { rates: spec.rates }),
      });
    case 'custom':
      return customOrder(spec.order);
  }
}

interface Spec {
  readonly preset: string;
  readonly order: OrderSpec;
  /** With service points: a lab the doctor sends patients to, and back (`ReturnAhead`). */
  readonly journeys: boolean;
  readonly maxPassed: number;
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  preset: fc.constantFrom(...Object.keys(PRESETS)),
  order: orderArb,
  journeys: fc.boolean(),
  maxPassed: fc.nat(2),
});

/** What the runs saw: calls with an emergency waiting, and those where one waited behind a patient of an earlier slot. */
interface Seen {
  withEmergency: number;
  outOfSlotOrder: number;
}

async function run(spec: Spec, ops: readonly Op[], seen: Seen): Promise<void> {
  const clock = new TestClock(at('08:45'));
  const callOrder = callOrderOf(spec.order);
  const opd = new OpdScheduler({
    ...PRESETS[spec.preset]!(),
    clock: clock.now,
    ...(callOrder === undefined ? {} : { callOrder }),
    ...(spec.journeys ? { servicePoints: [{ id: 'lab', kind: 'lab' }], reentry: new ReturnAhead({ maxPassed: spec.maxPassed }) } : {}),
  });
  await opd.addDoctor({ id: 'd1', name: 'Dr One' });
  await opd.addSlots(
    'd1',
    HOURS.map((h) => ({
      id: `d1-${h}`,
      start: at(`${String(h).padStart(2, '0')}:00`),
      end: at(`${String(h + 1).padStart(2, '0')}:00`),
      capacity: 3,
      overflowCapacity: 1,
    })),
  );
  const tokens: string[] = [];
  let patients = 0;
  const tolerate = async (call: () => Promise<unknown>): Promise<void> => {
    try {
      await call();
    } catch (error) {
      if (!isOpdError(error) || error.code === 'VALIDATION_FAILED' || error.code === 'STORAGE_FAILURE') throw error;
    }
  };
  const places = async (): Promise<Token[]> => (await opd.getSchedule('d1', DAY)).slots.flatMap((v) => v.places);
  try {
    for (const op of ops) {
      switch (op.kind) {
        case 'book': {
          patients++;
          await tolerate(async () => {
            const r = await opd.book({
              doctorId: 'd1',
              category: op.category,
              ...(op.hour === null ? {} : { slotId: `d1-${op.hour}` }),
              patient: { id: `p${patients}`, name: `Patient ${patients}` },
            });
            tokens.push(r.token.id);
          });
          break;
        }
        case 'checkIn': {
          const booked = (await places()).filter((t) => t.status === 'BOOKED');
          if (booked.length > 0) await tolerate(() => opd.checkIn(booked[op.pick % booked.length]!.id));
          break;
        }
        case 'cancel':
          if (tokens.length > 0) await tolerate(() => opd.cancel(tokens[op.pick % tokens.length]!));
          break;
        case 'wait':
          clock.advance(op.minutes);
          break;
        case 'sweep':
          await opd.sweep();
          break;
        case 'lab': {
          if (!spec.journeys) break;
          // The lab serves its next patient, who goes back to the doctor's queue.
          const called = (await opd.callNext({ servicePoint: 'lab' })).token;
          if (called !== null) await opd.forward(called.id, { to: 'doctor' });
          break;
        }
        case 'see': {
          const waiting = (await places()).filter((t) => t.status === 'CHECKED_IN' && t.journey?.servicePointId == null);
          const called = (await opd.callNext('d1')).token;
          if (waiting.length === 0) {
            expect(called, 'nobody checked in, nobody called').toBeNull();
            break;
          }
          expect(called, 'someone checked in is called').not.toBeNull();
          expect(
            waiting.map((t) => t.id),
            'the call is one of the patients checked in at the doctor',
          ).toContain(called!.id);
          const emergencies = waiting.filter((t) => t.category === 'EMERGENCY');
          if (emergencies.length > 0) {
            seen.withEmergency++;
            // The case queue order alone gets wrong: someone of an earlier slot checked in too.
            if (waiting[0]!.category !== 'EMERGENCY') seen.outOfSlotOrder++;
            expect(
              called!.category,
              `emergencies ${emergencies.map((t) => `${t.id} (${t.slotId})`).join(', ')} checked in while ${called!.id} (${called!.slotId}) is called`,
            ).toBe('EMERGENCY');
            // Its estimate said so: no patient checked in there had an earlier one.
            const estimate = (t: Token): number => t.estimatedStart?.getTime() ?? Number.POSITIVE_INFINITY;
            const told = estimate(waiting.find((t) => t.id === called!.id)!);
            for (const t of waiting)
              expect(told, `${called!.id}, called next, was told ${new Date(told).toISOString()} while ${t.id} was told earlier`).toBeLessThanOrEqual(
                estimate(t),
              );
          }
          await opd.startConsultation(called!.id);
          clock.advance(4);
          if (spec.journeys && op.lab && called!.journey?.seen !== true) await opd.forward(called!.id, { to: 'lab' });
          else await opd.complete(called!.id);
          break;
        }
      }
    }
  } finally {
    await opd.close();
  }
}

describe('the emergency call (property)', () => {
  const RUNS = 500;
  it(
    'in every call order, an emergency checked in is the next one called',
    async () => {
      const seen: Seen = { withEmergency: 0, outOfSlotOrder: 0 };
      await fc.assert(
        fc.asyncProperty(specArb, fc.array(opArb, { minLength: 10, maxLength: 80 }), async (spec, ops) => run(spec, ops, seen)),
        fcOptions(RUNS),
      );
      // Not vacuous: the runs called with emergencies waiting, some behind an earlier slot's patient.
      expect(seen.withEmergency).toBeGreaterThan(0);
      expect(seen.outOfSlotOrder).toBeGreaterThan(0);
    },
    timeoutFor(RUNS, 200),
  );
});
