/**
 * Property: whatever the calls and whatever the patients, no span (name, attribute, event,
 * status message) and no metric attribute carries the value of any field of a patient.
 */
import fc from 'fast-check';
import { OpdScheduler, type Patient, type Preset, presets } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClock, doctorWithSlots } from '../helpers.js';
import { fcOptions, timeoutFor } from '../property/support.js';
import { Observed } from './support.js';

/** Starts every text of a patient: never written by the library itself, so a leak cannot be a coincidence. */
const MARK = 'ॐ';

const text = fc.string({ minLength: 1, maxLength: 12 }).map((s) => `${MARK}${s}`);

/** A patient, its JSON values mostly valid, sometimes not (the rejection must not quote them either). */
const patientArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    id: text,
    name: fc.oneof({ weight: 9, arbitrary: text }, { weight: 1, arbitrary: fc.constantFrom<unknown>(7, `${MARK}\u0007`, null) }),
    age: fc.integer({ min: 0, max: 110 }),
    weight: fc.double({ min: 30, max: 150, noNaN: true }).filter((w) => !Number.isInteger(w)),
    phone: text,
    address: fc.record({ city: text, lines: fc.array(text, { maxLength: 2 }) }),
    notes: fc.oneof({ weight: 9, arbitrary: text }, { weight: 1, arbitrary: fc.constantFrom<unknown>(Number.NaN, Number.POSITIVE_INFINITY) }),
    // A map keyed by data: its field names are patient data too.
    conditions: fc.dictionary(
      text,
      fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<unknown>(Number.NaN, `${MARK}\ud800`) }),
      { maxKeys: 3 },
    ),
  },
  { requiredKeys: ['name'] },
);

const PRESETS: Record<string, () => Preset> = { standard: () => presets.standard(), cascade: () => presets.cascade(), waitlist: () => presets.waitlist() };
const CATEGORIES = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN', 'NOPE'] as const;
const HOURS = [9, 10, 11];

type Op =
  | {
      readonly op: 'book';
      readonly doctor: number;
      readonly category: string;
      readonly slot: number | null;
      readonly patient: number;
      readonly key: number | null;
    }
  | { readonly op: 'transition'; readonly action: 'cancel' | 'checkIn' | 'startConsultation' | 'complete' | 'markNoShow' | 'getToken'; readonly token: number }
  | {
      readonly op: 'slot';
      readonly action: 'closeSlot' | 'setCapacity' | 'getSlot';
      readonly doctor: number;
      readonly slot: number;
      readonly capacity: number;
      readonly dryRun: boolean;
    }
  | { readonly op: 'read'; readonly action: 'getSchedule' | 'getWaitlist' | 'stats' | 'history' | 'tail' | 'sweep'; readonly doctor: number }
  | { readonly op: 'clock'; readonly minutes: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('book' as const),
      doctor: fc.nat(1),
      category: fc.constantFrom(...CATEGORIES),
      slot: fc.option(fc.nat(HOURS.length - 1), { nil: null }),
      patient: fc.nat(5),
      key: fc.option(fc.nat(3), { nil: null }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('transition' as const),
      action: fc.constantFrom(
        'cancel' as const,
        'checkIn' as const,
        'startConsultation' as const,
        'complete' as const,
        'markNoShow' as const,
        'getToken' as const,
      ),
      token: fc.nat(12),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('slot' as const),
      action: fc.constantFrom('closeSlot' as const, 'setCapacity' as const, 'getSlot' as const),
      doctor: fc.nat(1),
      slot: fc.nat(HOURS.length - 1),
      capacity: fc.nat(3),
      dryRun: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('read' as const),
      action: fc.constantFrom('getSchedule' as const, 'getWaitlist' as const, 'stats' as const, 'history' as const, 'tail' as const, 'sweep' as const),
      doctor: fc.nat(1),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clock' as const), minutes: fc.integer({ min: 5, max: 90 }) }) },
);

/** Every string and number of a patient, nested values included, and the field names below its top level. */
function valuesOf(value: unknown, out: { strings: string[]; numbers: number[] }, nested = false): void {
  if (typeof value === 'string') out.strings.push(value);
  else if (typeof value === 'number' && !Number.isInteger(value) && Number.isFinite(value)) out.numbers.push(value);
  else if (Array.isArray(value)) for (const v of value) valuesOf(v, out, true);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      // (The arbitrary's own names, such as `city`, are words the library may use.)
      if (nested && key.startsWith(MARK)) out.strings.push(key);
      valuesOf(v, out, true);
    }
  }
}

async function run(preset: string, patients: readonly Record<string, unknown>[], ops: readonly Op[], otel: Observed): Promise<number> {
  const clock = new TestClock();
  const opd = new OpdScheduler({ ...PRESETS[preset]!(), clock: clock.now, telemetry: otel.telemetry });
  for (const d of ['d0', 'd1']) await doctorWithSlots(opd, d, HOURS, 2);
  const tokens: string[] = [];
  let failures = 0;
  for (const op of ops) {
    try {
      switch (op.op) {
        case 'book': {
          const slot = op.slot === null ? {} : { slotId: `d${op.doctor}-${String(HOURS[op.slot]).padStart(2, '0')}` };
          const key = op.key === null ? {} : { idempotencyKey: `k${op.key}` };
          const result = await opd.book({
            doctorId: `d${op.doctor}`,
            category: op.category,
            patient: patients[op.patient % patients.length] as Patient,
            ...slot,
            ...key,
          });
          tokens.push(result.token.id);
          break;
        }
        case 'transition':
          await opd[op.action](tokens[op.token] ?? `d0~2026-01-30~${op.token + 100}`);
          break;
        case 'slot': {
          const slotId = `d${op.doctor}-${String(HOURS[op.slot]).padStart(2, '0')}`;
          if (op.action === 'closeSlot') await opd.closeSlot(slotId, { dryRun: op.dryRun });
          else if (op.action === 'setCapacity') await opd.setCapacity(slotId, op.capacity, { dryRun: op.dryRun });
          else await opd.getSlot(slotId);
          break;
        }
        case 'read':
          if (op.action === 'getSchedule' || op.action === 'getWaitlist') await opd[op.action](`d${op.doctor}`, '2026-01-30');
          else if (op.action === 'stats') await opd.stats({ doctorId: `d${op.doctor}` });
          else if (op.action === 'history') await opd.history({ limit: 5 });
          else if (op.action === 'sweep') await opd.sweep();
          else {
            const last = (await opd.history()).at(-1)?.seq;
            if (last !== undefined) for await (const event of opd.tail({ after: Math.max(0, last - 3) })) if (event.seq >= last) break;
          }
          break;
        case 'clock':
          clock.advance(op.minutes);
          break;
      }
    } catch {
      failures++;
    }
  }
  await opd.close();
  return failures;
}

/** Every text the telemetry recorded: span names, attribute keys and values, events, status messages; metric attributes. */
async function recorded(otel: Observed): Promise<{ strings: string[]; numbers: number[] }> {
  const strings: string[] = [];
  const numbers: number[] = [];
  const attributes = (a: Readonly<Record<string, unknown>> | undefined): void => {
    for (const [key, value] of Object.entries(a ?? {})) {
      strings.push(key);
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v === 'number') numbers.push(v);
        else strings.push(String(v));
      }
    }
  };
  for (const span of otel.spans()) {
    strings.push(span.name, span.status.message ?? '');
    attributes(span.attributes);
    for (const event of span.events) {
      strings.push(event.name);
      attributes(event.attributes);
    }
  }
  for (const point of await otel.points()) {
    strings.push(point.metric);
    attributes(point.attributes);
  }
  return { strings, numbers };
}

const observed: Observed[] = [];
afterEach(async () => {
  for (const o of observed.splice(0)) await o.shutdown();
});

describe('telemetry never carries patient data', () => {
  const runs = 100;
  it(
    'no span or metric holds any value of any patient field, across random calls, patients and policies',
    async () => {
      let spans = 0;
      let failed = 0;
      let executed = 0;
      let calls = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...Object.keys(PRESETS)),
          fc.array(patientArb, { minLength: 1, maxLength: 6 }),
          fc.array(opArb, { minLength: 1, maxLength: 30 }),
          async (preset, patients, ops) => {
            const otel = new Observed();
            observed.push(otel);
            executed++;
            calls += ops.length;
            failed += await run(preset, patients, ops, otel);
            const telemetry = await recorded(otel);
            spans += otel.spans().length;
            const patient = { strings: [] as string[], numbers: [] as number[] };
            for (const p of patients) valuesOf(p, patient);
            for (const s of telemetry.strings) {
              expect(s).not.toContain(MARK);
              for (const value of patient.strings) expect(s).not.toContain(value);
            }
            for (const n of telemetry.numbers) expect(patient.numbers).not.toContain(n);
            for (const value of patient.numbers) for (const s of telemetry.strings) expect(s).not.toContain(String(value));
          },
        ),
        fcOptions(runs),
      );
      // The runs exercised spans and failures (rejections whose messages must not quote patients):
      // a span at least for each of a run's four calls that set up its doctors and for each of its
      // operations (a count of spans per run would depend on how long the random runs were).
      expect(spans).toBeGreaterThanOrEqual(executed * 4 + calls);
      expect(failed).toBeGreaterThan(0);
    },
    timeoutFor(runs, 300),
  );

  it('the recorded texts are searched: a leaking span would be found', async () => {
    const otel = new Observed();
    observed.push(otel);
    const leaked = `${MARK}Asha`;
    otel.tracerProvider
      .getTracer('leak')
      .startSpan('opd.book', { attributes: { 'opd.note': leaked } })
      .end();
    const telemetry = await recorded(otel);
    expect(telemetry.strings.some((s) => s.includes(leaked))).toBe(true);
  });
});
