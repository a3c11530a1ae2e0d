/**
 * The live queue's call order and notices under random days: an emergency checked in is always
 * called before anyone else checked in; with `maxWaitMinutes`, nobody checked in waits past it
 * while the doctor calls someone who waited less; `token:turn-near` goes once per token;
 * `token:eta-changed` never goes for less than its threshold, and each tells the change from the
 * estimate the patient was last told. No notice carries patient data.
 */
import fc from 'fast-check';
import { FairCallOrder, isOpdError, OpdScheduler, presets, type OpdEvent, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, TestClock } from '../helpers.js';
import { fcOptions, timeoutFor } from './support.js';

const MINUTE = 60_000;
const CATEGORIES = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'] as const;
const HOURS = [9, 10, 11] as const;

type Op =
  | { readonly kind: 'book'; readonly category: (typeof CATEGORIES)[number]; readonly hour: (typeof HOURS)[number] | null }
  | { readonly kind: 'checkIn'; readonly pick: number }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'see' }
  | { readonly kind: 'wait'; readonly minutes: number }
  | { readonly kind: 'sweep' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('book' as const), category: fc.constantFrom(...CATEGORIES), hour: fc.constantFrom(null, ...HOURS) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('checkIn' as const), pick: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(50) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'see' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 25 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
);

interface Spec {
  readonly rates: Readonly<Record<string, number>> | undefined;
  readonly interleaveEvery: number | undefined;
  readonly maxWaitMinutes: number | undefined;
  readonly positions: number | undefined;
  readonly minutes: number | undefined;
  readonly etaChangedMinutes: number;
  readonly preset: 'standard' | 'elastic';
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  rates: fc.option(fc.dictionary(fc.constantFrom('PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'), fc.integer({ min: 1, max: 8 })), { nil: undefined }),
  interleaveEvery: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  maxWaitMinutes: fc.option(fc.integer({ min: 5, max: 60 }), { nil: undefined }),
  positions: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  minutes: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  etaChangedMinutes: fc.integer({ min: 1, max: 15 }),
  preset: fc.constantFrom('standard' as const, 'elastic' as const),
});

/** The waiting tokens of the day, by id, as the schedule shows them, with the start of their slot. */
async function placesOf(opd: OpdScheduler): Promise<{ token: Token; slotStart: number }[]> {
  const schedule = await opd.getSchedule('d1', DAY);
  return schedule.slots.flatMap((v) => v.places.map((token) => ({ token, slotStart: v.slot.start.getTime() })));
}

async function run(spec: Spec, ops: readonly Op[]): Promise<void> {
  const clock = new TestClock(at('08:50'));
  const turnNear =
    spec.positions === undefined && spec.minutes === undefined
      ? undefined
      : { ...(spec.positions === undefined ? {} : { positions: spec.positions }), ...(spec.minutes === undefined ? {} : { minutes: spec.minutes }) };
  const opd = new OpdScheduler({
    ...(spec.preset === 'standard' ? presets.standard() : presets.elastic()),
    clock: clock.now,
    callOrder: new FairCallOrder({
      ...(spec.rates === undefined ? {} : { rates: spec.rates }),
      ...(spec.interleaveEvery === undefined ? {} : { interleaveEvery: spec.interleaveEvery }),
      ...(spec.maxWaitMinutes === undefined ? {} : { maxWaitMinutes: spec.maxWaitMinutes }),
    }),
    notify: { ...(turnNear === undefined ? {} : { turnNear }), etaChangedMinutes: spec.etaChangedMinutes },
  });
  await opd.addDoctor({ id: 'd1', name: 'Dr One' });
  await opd.addSlots(
    'd1',
    HOURS.map((h) => ({
      id: `d1-${h}`,
      start: at(`${String(h).padStart(2, '0')}:00`),
      end: at(`${String(h + 1).padStart(2, '0')}:00`),
      capacity: 4,
      overflowCapacity: 2,
    })),
  );
  const tokens: string[] = [];
  const waiting: string[] = [];
  let patients = 0;
  const tolerate = async (call: () => Promise<unknown>): Promise<void> => {
    try {
      await call();
    } catch (error) {
      if (!isOpdError(error) || error.code === 'VALIDATION_FAILED' || error.code === 'STORAGE_FAILURE') throw error;
    }
  };
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
          waiting.push(r.token.id);
        });
        break;
      }
      case 'checkIn':
        // Mostly someone still to arrive; a token that cannot check in is refused and changes nothing.
        if (waiting.length > 0) {
          const [id] = waiting.splice(op.pick % waiting.length, 1);
          await tolerate(() => opd.checkIn(id!));
        }
        break;
      case 'cancel':
        if (tokens.length > 0) await tolerate(() => opd.cancel(tokens[op.pick % tokens.length]!));
        break;
      case 'wait':
        clock.advance(op.minutes);
        break;
      case 'sweep':
        await opd.sweep();
        break;
      case 'see': {
        const before = await placesOf(opd);
        const now = clock.now().getTime();
        const checkedIn = before.filter((p) => p.token.status === 'CHECKED_IN');
        const called = (await opd.callNext('d1')).token;
        if (checkedIn.length === 0) {
          expect(called).toBeNull();
          break;
        }
        expect(called).not.toBeNull();
        const chosen = checkedIn.find((p) => p.token.id === called!.id)!;
        expect(chosen, 'a checked-in patient is called').toBeDefined();
        // An emergency checked in is called before anyone else checked in.
        if (checkedIn.some((p) => p.token.category === 'EMERGENCY')) expect(called!.category).toBe('EMERGENCY');
        // Nobody waits past maxWaitMinutes while someone who waited less is called.
        if (spec.maxWaitMinutes !== undefined && called!.category !== 'EMERGENCY') {
          const waited = (p: { token: Token; slotStart: number }): number => now - Math.max(p.token.requestedAt.getTime(), p.slotStart);
          const over = checkedIn.filter((p) => waited(p) > spec.maxWaitMinutes! * MINUTE);
          for (const p of over) expect(waited(chosen), `${p.token.id} waited past the limit`).toBeGreaterThanOrEqual(waited(p));
        }
        // The turn the estimates gave it: the first among the checked-in.
        await opd.startConsultation(called!.id);
        clock.advance(4);
        await opd.complete(called!.id);
        break;
      }
    }
  }
  const history: OpdEvent[] = await opd.history({ limit: 10_000 });
  const near = history.filter((e) => e.type === 'token:turn-near');
  const tokensNear = near.map((e) => ('tokenId' in e ? e.tokenId : ''));
  expect(new Set(tokensNear).size, 'turn-near once per token').toBe(tokensNear.length);
  const lastTold = new Map<string, number>();
  for (const e of history) {
    if (e.type !== 'token:eta-changed') continue;
    const change = Math.abs(e.estimatedStart.getTime() - e.previousEstimate.getTime());
    expect(change, 'eta-changed never for less than the threshold').toBeGreaterThanOrEqual(spec.etaChangedMinutes * MINUTE);
    const told = lastTold.get(e.tokenId);
    if (told !== undefined) expect(e.previousEstimate.getTime(), 'each eta-changed starts from the last one told').toBe(told);
    lastTold.set(e.tokenId, e.estimatedStart.getTime());
  }
  const notices = history.filter((e) => e.type === 'token:turn-near' || e.type === 'token:eta-changed');
  expect(JSON.stringify(notices)).not.toMatch(/Patient|"p\d+"/);
  await opd.close();
}

describe('call order and notices (properties)', () => {
  const RUNS = 100;
  it(
    'emergencies first, nobody past maxWaitMinutes, turn-near once, eta-changed never for less',
    async () => {
      await fc.assert(
        fc.asyncProperty(specArb, fc.array(opArb, { minLength: 10, maxLength: 80 }), async (spec, ops) => run(spec, ops)),
        fcOptions(RUNS),
      );
    },
    timeoutFor(RUNS, 200),
  );
});
