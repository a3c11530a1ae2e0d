/**
 * A booking or a hold without a date reads a doctor's schedule a window at a time (its first 64
 * slots, then 512, 4,096, then all, only while the slots read do not settle the request), and a
 * booking by department reads each doctor's schedule so. The rule that makes this safe: a
 * decision settled on the first slots is the one the whole schedule gives. Random rotas of up to
 * three doctors of one department (up to 30 days of eight slots, the first ones full, a few places
 * left free among them, a few taken by holds that have ended), and a random request of any category
 * (booking or hold, by doctor or by department, with or without `after`), under every preset: the
 * decision reached through windows (as memory and PostgreSQL read them) must equal, change for
 * change, the one reached with the whole schedule read at once (as an adapter that ignores a
 * window's limit reads it), or both must refuse with the same code.
 */
import fc from 'fast-check';
import { isOpdError } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { book, type BookCommand } from '../../src/core/commands/book.js';
import { bookDepartment, type DepartmentBookCommand } from '../../src/core/commands/book-department.js';
import type { CoreConfig } from '../../src/core/config.js';
import type { SlotRecord, TokenRecord } from '../../src/model/records.js';
import type { Decision, DoctorSnapshot, LoadRequest } from '../../src/model/snapshot.js';
import { at, config, dayAfter, doctor, read, type Records, slotOf, tokenIn } from '../core/builders.js';
import { CATEGORIES, fcOptions, PRESETS, timeoutFor } from './support.js';

const RUNS = 300;
const NOW = at(7, 30);
const HOUR = 3_600_000;

/** One doctor's rota: days of eight hourly slots, the first `full` slots taken but for `free`, the places of `lapsed` held by holds that have ended. */
interface Rota {
  readonly days: number;
  readonly capacity: number;
  readonly full: number;
  readonly free: readonly number[];
  readonly lapsed: readonly number[];
}

/** A rota of `days` days, its first `full` slots (of `fullRange`) taken but for a few. */
const rotaOf = (minDays: number, maxDays: number, capacity: fc.Arbitrary<number>, fullRange: (slots: number) => fc.Arbitrary<number>): fc.Arbitrary<Rota> =>
  fc.integer({ min: minDays, max: maxDays }).chain((days) =>
    fc.record({
      days: fc.constant(days),
      capacity,
      full: fullRange(days * 8),
      free: fc.uniqueArray(fc.integer({ min: 0, max: days * 8 - 1 }), { maxLength: 2 }),
      lapsed: fc.uniqueArray(fc.integer({ min: 0, max: days * 8 - 1 }), { maxLength: 2 }),
    }),
  );
const rotaArb: fc.Arbitrary<Rota> = fc.oneof(
  // Up to 30 days, full prefixes of any length, often around the first window (64 slots).
  {
    weight: 4,
    arbitrary: rotaOf(1, 30, fc.integer({ min: 1, max: 2 }), (n) =>
      fc.oneof(fc.integer({ min: 0, max: n }), fc.integer({ min: Math.min(n, 60), max: Math.min(n, 70) })),
    ),
  },
  // 65 to 80 days, full past the second window (512 slots): a third read, and doctors of a
  // department needing different windows.
  { weight: 1, arbitrary: rotaOf(65, 80, fc.constant(1), (n) => fc.integer({ min: 505, max: Math.min(n, 530) })) },
);

/** The records of doctors `d1`, `d2`, … of department `cardio`, one rota each. */
function recordsOf(rotas: readonly Rota[]): Records {
  const slots: SlotRecord[] = [];
  const tokens: TokenRecord[] = [];
  const doctors = rotas.map((rota, i) => {
    const id = `d${i + 1}`;
    const own: SlotRecord[] = [];
    for (let d = 0; d < rota.days; d++) {
      for (let h = 9; h < 17; h++) own.push(slotOf(id, dayAfter(d), h, rota.capacity));
    }
    const issued = new Map<string, number>();
    own.forEach((s, k) => {
      if (k >= rota.full || rota.free.includes(k)) return;
      for (let p = 0; p < rota.capacity; p++) {
        const n = (issued.get(s.day) ?? 0) + 1;
        issued.set(s.day, n);
        const category = (k + p) % 3 === 0 ? 'WALK_IN' : (k + p) % 5 === 0 ? 'PAID' : 'ONLINE';
        const held = p === 0 && rota.lapsed.includes(k);
        tokens.push(tokenIn(s, n, category, held ? { status: 'HELD', holdExpiresAt: NOW - 60_000 } : {}));
      }
    });
    slots.push(...own);
    return { ...doctor(id), department: 'cardio' };
  });
  return { doctors, slots, tokens };
}

/** The request without any window limit: what an adapter that ignores `limit` reads. */
function whole(request: LoadRequest): LoadRequest {
  const unlimited = (r: LoadRequest): LoadRequest =>
    r.schedule?.limit === undefined ? r : { ...r, schedule: { from: r.schedule.from, ...(r.schedule.to === undefined ? {} : { to: r.schedule.to }) } };
  return {
    ...unlimited(request),
    ...(request.others === undefined ? {} : { others: request.others.map(unlimited) }),
    ...(request.department === undefined ? {} : { department: { ...request.department, each: unlimited(request.department.each) } }),
  };
}

type Outcome = { readonly decision: unknown } | { readonly refused: string };

/** Decides `input` as an adapter reading with `reader` would, reading again on each `load`. */
function decideWith<I>(
  command: { load(input: I, now: number): LoadRequest; decide(config: CoreConfig, snapshot: DoctorSnapshot, input: I, now: number): Decision<unknown> },
  options: CoreConfig,
  input: I,
  reader: (request: LoadRequest) => DoctorSnapshot,
): Outcome {
  let request = command.load(input, NOW);
  for (let reads = 1; ; reads++) {
    let decision: Decision<unknown>;
    try {
      decision = command.decide(options, reader(request), input, NOW);
    } catch (error) {
      if (isOpdError(error)) return { refused: error.code };
      throw error;
    }
    if (decision.kind === 'commit') return { decision: { result: decision.result, changes: decision.changes } };
    // Memory and PostgreSQL give up after eight reads.
    if (reads >= 8) throw new Error(`still asking for more after ${reads} reads`);
    request = decision.request;
  }
}

interface Ask {
  readonly category: string;
  readonly department: boolean;
  readonly hold: boolean;
  readonly afterHours: number | null;
}

const askArb: fc.Arbitrary<Ask> = fc.record({
  category: fc.constantFrom(...CATEGORIES),
  department: fc.boolean(),
  hold: fc.boolean(),
  afterHours: fc.option(fc.integer({ min: 0, max: 30 * 24 }), { nil: null }),
});

describe('a booking without a date decides on the first slots of a schedule as on the whole of it', () => {
  for (const [name, preset] of Object.entries(PRESETS)) {
    it(name, { timeout: timeoutFor(RUNS, 200) }, () => {
      const options = config(preset());
      fc.assert(
        fc.property(fc.array(rotaArb, { minLength: 1, maxLength: 3 }), askArb, (rotas, ask) => {
          const records = recordsOf(rotas);
          const base = {
            category: ask.category,
            patient: Object.freeze({ id: 'newcomer', name: 'New' }),
            date: undefined,
            after: ask.afterHours === null ? undefined : NOW + ask.afterHours * HOUR,
            idempotencyKey: undefined,
            fingerprint: undefined,
            actor: null,
            holdMinutes: ask.hold ? 10 : null,
          };
          const run = (reader: (request: LoadRequest) => DoctorSnapshot): Outcome =>
            ask.department
              ? decideWith(bookDepartment, options, { ...base, department: 'cardio' } satisfies DepartmentBookCommand, reader)
              : decideWith(book, options, { ...base, doctorId: 'd1', slotId: undefined } satisfies BookCommand, reader);
          const windowed = run((request) => read(records, request));
          const entire = run((request) => read(records, whole(request)));
          expect(windowed).toEqual(entire);
        }),
        fcOptions(RUNS),
      );
    });
  }
});
