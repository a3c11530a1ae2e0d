/**
 * Arbitrary values into every public method of OpdScheduler (and its constructor options):
 * always an OpdError with a pinned code and `details.field` naming the input at fault, never
 * another exception, never a change of state, never prototype pollution.
 */
import fc from 'fast-check';
import { MemoryStorage, OPD_ERROR_CODES, OpdScheduler, presets } from 'opd-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { fcOptions, observeAll, timeoutFor } from './support.js';

const DAY = '2026-01-30';
const at = (hhmm: string): Date => new Date(`${DAY}T${hhmm}:00Z`);
const CODES: ReadonlySet<string> = new Set(OPD_ERROR_CODES);

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Date.prototype] as const;
const shapeOf = (): string[][] => PROTOTYPES.map((p) => Reflect.ownKeys(p).map(String).sort());
const SHAPE = shapeOf();

const HOSTILE_KINDS = ['sparse array', 'array with a hole', 'throwing getter', 'nested throwing getter', 'throwing proxy', 'revoked proxy'] as const;

/** A value that cannot be read safely, built only when used (fast-check prints the recipe). */
class Hostile {
  constructor(readonly kind: (typeof HOSTILE_KINDS)[number]) {}
  [fc.toStringMethod](): string {
    return `<${this.kind}>`;
  }
  build(): unknown {
    const getter = {
      get(): never {
        throw new TypeError('getter');
      },
      enumerable: true,
    };
    switch (this.kind) {
      case 'sparse array':
        return [, ,];
      case 'array with a hole':
        return [{ name: 'x' }, ,];
      case 'throwing getter':
        return Object.defineProperty({}, 'name', getter);
      case 'nested throwing getter':
        return { name: 'x', nested: Object.defineProperty({}, 'deep', getter) };
      case 'throwing proxy':
        return new Proxy(
          {},
          {
            ownKeys() {
              throw new TypeError('proxy');
            },
          },
        );
      case 'revoked proxy': {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      }
    }
  }
}

const realize = (value: unknown): unknown => (value instanceof Hostile ? value.build() : value);

/** Values that are wrong in some way for most inputs. */
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    -0,
    0.5,
    2.5,
    1e21,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    '\u0000',
    'x\nx',
    '2026-02-30',
    '2026-01-30T25:00:00Z',
    '2026-01-30T09:00:00',
    'not a date',
    true,
    false,
    [],
    {},
    [[]],
    new Date(Number.NaN),
    new Date(-1),
    new Date(8.64e15),
    Symbol('s'),
    10n,
    () => 1,
    new Map(),
    new Set(),
    /re/,
    new Uint8Array(2),
    Object.create(null) as unknown,
    new (class Foo {})(),
  ),
  fc.constant('x'.repeat(100_001)),
  // Holes, throwing getters and proxies: reading them throws a TypeError of their own.
  fc.constantFrom(...HOSTILE_KINDS).map((kind) => new Hostile(kind)),
  fc.constant(new Array(100_001).fill(1)),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "name": "x"}') as unknown),
  fc.constant(JSON.parse('{"constructor": {"prototype": {"polluted": true}}, "name": "x"}') as unknown),
  fc.constant(JSON.parse('{"prototype": {"polluted": true}}') as unknown),
  fc.integer({ min: -1_000_000, max: -1 }),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withTypedArray: true,
    withSparseArray: true,
    withBoxedValues: true,
    withObjectString: true,
    withUnicodeString: true,
    maxDepth: 3,
  }),
);

interface Fixture {
  readonly opd: OpdScheduler;
  readonly booked: string;
  readonly waiting: string;
  readonly checkedIn: string;
  readonly consulting: string;
  /** A `HELD` token of d3. */
  readonly held: string;
  /** A `CANCELLED` token of d3 (today), to reinstate. */
  readonly gone: string;
}

async function fixture(): Promise<Fixture> {
  const now = at('09:20').getTime();
  const opd = new OpdScheduler({ ...presets.standard(), clock: () => new Date(now) });
  await opd.addDoctor({ id: 'd1', name: 'Dr One' });
  await opd.addSlots('d1', [
    { id: 's09', start: at('09:00'), end: at('10:00'), capacity: 1, overflowCapacity: 0 },
    { id: 's11', start: at('11:00'), end: at('12:00'), capacity: 2 },
    { id: 's15', start: at('15:00'), end: at('16:00'), capacity: 1 },
  ]);
  await opd.closeSlot('s15', { reason: 'to reopen' });
  await opd.addDoctor({ id: 'd2', name: 'Dr Two', department: 'cardio' });
  await opd.addSlots('d2', [{ id: 't11', start: at('11:00'), end: at('12:00'), capacity: 2 }]);
  const booked = (await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 's09' })).token.id;
  const checkedIn = (await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p2', name: 'B' }, slotId: 's11' })).token.id;
  const consulting = (await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p3', name: 'C' }, slotId: 's11' })).token.id;
  await opd.checkIn(checkedIn);
  await opd.checkIn(consulting);
  await opd.startConsultation(consulting);
  const waiting = (await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { id: 'p4', name: 'D' } })).token.id;
  // The front desk, on a doctor of its own so that d1's day stays as it is.
  await opd.addDoctor({ id: 'd3', name: 'Dr Three' });
  await opd.addSlots('d3', [{ id: 't13', start: at('13:00'), end: at('14:00'), capacity: 3 }]);
  const held = (await opd.hold({ doctorId: 'd3', category: 'ONLINE', patient: { id: 'p6', name: 'F' }, slotId: 't13', holdMinutes: 30 })).token.id;
  const gone = (await opd.book({ doctorId: 'd3', category: 'ONLINE', patient: { id: 'p7', name: 'G' }, slotId: 't13' })).token.id;
  await opd.cancel(gone, { reason: 'by mistake' });
  return { opd, booked, waiting, checkedIn, consulting, held, gone };
}

const observe = async (f: Fixture): Promise<unknown> =>
  observeAll(f.opd, ['d1', 'd2', 'd3'], [DAY], [f.booked, f.waiting, `d1~${DAY}~2`, `d1~${DAY}~3`, f.held, f.gone]);

/** A point where a bad value goes: an argument, or a field (possibly new) of an object argument. */
interface Point {
  /** Argument index, then keys into it. */
  readonly path: readonly (number | string)[];
  /** The `details.field` expected: exactly, or as a prefix (`patient` covers `patient.name`); `null`: any field. */
  readonly field: string | null;
  /** Another field the input may be named by (`callNext`'s first argument: a doctor's id, or a target object). */
  readonly or?: string;
}

interface Case {
  readonly method: string;
  readonly args: (f: Fixture) => unknown[];
  readonly points: readonly Point[];
  readonly call: (opd: OpdScheduler, args: unknown[]) => unknown;
}

const any = (path: (number | string)[]): Point => ({ path, field: null });
const named = (path: (number | string)[], field: string): Point => ({ path, field });

const CASES: readonly Case[] = [
  {
    method: 'addDoctor',
    args: () => [{ id: 'd9', name: 'Dr Nine', specialization: 'Cardiology', consultMinutes: 10 }],
    points: [
      any([0]),
      named([0, 'id'], 'id'),
      named([0, 'name'], 'name'),
      named([0, 'specialization'], 'specialization'),
      named([0, 'consultMinutes'], 'consultMinutes'),
      named([0, 'extra'], 'extra'),
    ],
    call: (opd, a) => opd.addDoctor(a[0] as never),
  },
  {
    method: 'addSlots',
    args: () => ['d1', [{ id: 's13', start: at('13:00'), end: '2026-01-30T14:00:00Z', capacity: 2, overflowCapacity: 1 }]],
    points: [
      named([0], 'doctorId'),
      named([1], 'slots'),
      named([1, 0], 'slots[0]'),
      named([1, 0, 'id'], 'slots[0].id'),
      named([1, 0, 'start'], 'slots[0]'),
      named([1, 0, 'end'], 'slots[0]'),
      named([1, 0, 'capacity'], 'slots[0].capacity'),
      named([1, 0, 'overflowCapacity'], 'slots[0].overflowCapacity'),
      named([1, 0, 'extra'], 'slots[0].extra'),
      named([1, 1], 'slots[1]'),
    ],
    call: (opd, a) => opd.addSlots(a[0] as never, a[1] as never),
  },
  {
    method: 'addRecurringSlots',
    args: () => [
      'd1',
      { weekly: [{ weekday: 5, start: '13:00', end: '14:00', slotMinutes: 30, capacity: 2, overflowCapacity: 1 }], from: DAY, to: DAY, except: ['2026-02-06'] },
    ],
    points: [
      named([0], 'doctorId'),
      named([1], 'rota'),
      named([1, 'weekly'], 'rota.weekly'),
      named([1, 'weekly', 0], 'rota.weekly[0]'),
      named([1, 'weekly', 0, 'weekday'], 'rota.weekly[0].weekday'),
      named([1, 'weekly', 0, 'start'], 'rota.weekly[0]'),
      named([1, 'weekly', 0, 'end'], 'rota.weekly[0]'),
      named([1, 'weekly', 0, 'slotMinutes'], 'rota.weekly[0]'),
      named([1, 'weekly', 0, 'capacity'], 'rota.weekly[0].capacity'),
      named([1, 'weekly', 0, 'overflowCapacity'], 'rota.weekly[0].overflowCapacity'),
      named([1, 'weekly', 0, 'extra'], 'rota.weekly[0].extra'),
      named([1, 'weekly', 1], 'rota.weekly[1]'),
      named([1, 'from'], 'rota'),
      named([1, 'to'], 'rota'),
      named([1, 'except'], 'rota.except'),
      named([1, 'except', 0], 'rota.except[0]'),
      named([1, 'extra'], 'rota.extra'),
    ],
    call: (opd, a) => opd.addRecurringSlots(a[0] as never, a[1] as never),
  },
  {
    method: 'book',
    args: () => [
      { doctorId: 'd1', category: 'PAID', patient: { id: 'p9', name: 'Nine', age: 61 }, slotId: 's11', date: DAY, after: at('10:00'), idempotencyKey: 'k1' },
    ],
    points: [
      any([0]),
      named([0, 'doctorId'], 'doctorId'),
      named([0, 'category'], 'category'),
      named([0, 'patient'], 'patient'),
      named([0, 'patient', 'id'], 'patient.id'),
      named([0, 'patient', 'name'], 'patient.name'),
      named([0, 'patient', 'extra'], 'patient.extra'),
      named([0, 'patient', 'nested', 'deep'], 'patient.nested'),
      named([0, 'slotId'], 'slotId'),
      named([0, 'date'], 'date'),
      named([0, 'after'], 'after'),
      named([0, 'idempotencyKey'], 'idempotencyKey'),
      named([0, 'extra'], 'extra'),
    ],
    call: (opd, a) => opd.book(a[0] as never),
  },
  {
    method: 'book by department',
    args: () => [{ department: 'cardio', category: 'PAID', patient: { id: 'p8', name: 'Eight' }, date: DAY, after: at('10:00'), idempotencyKey: 'k2' }],
    points: [
      any([0]),
      // Without a department the request is read as one for a doctor (and fails on doctorId).
      any([0, 'department']),
      named([0, 'category'], 'category'),
      named([0, 'patient'], 'patient'),
      named([0, 'patient', 'name'], 'patient.name'),
      named([0, 'date'], 'date'),
      named([0, 'after'], 'after'),
      named([0, 'idempotencyKey'], 'idempotencyKey'),
      named([0, 'doctorId'], 'department'),
      named([0, 'slotId'], 'slotId'),
      named([0, 'extra'], 'extra'),
    ],
    call: (opd, a) => opd.book(a[0] as never),
  },
  {
    method: 'move',
    args: (f) => [f.booked, { slotId: 't11', doctorId: 'd2', date: DAY, after: at('11:00') }, { reason: 'asked', dryRun: false }],
    points: [
      named([0], 'tokenId'),
      named([1], 'to'),
      named([1, 'slotId'], 'to.slotId'),
      named([1, 'doctorId'], 'to.doctorId'),
      named([1, 'date'], 'to.date'),
      named([1, 'after'], 'to.after'),
      named([1, 'extra'], 'to.extra'),
      named([2], 'opts'),
      named([2, 'reason'], 'opts.reason'),
      named([2, 'dryRun'], 'opts.dryRun'),
      named([2, 'extra'], 'opts.extra'),
    ],
    call: (opd, a) => opd.move(a[0] as never, a[1] as never, a[2] as never),
  },
  ...(['cancel', 'checkIn', 'markNoShow'] as const).map((method): Case => ({
    method,
    args: (f) => [f.booked, ...(method === 'cancel' ? [{ reason: 'patient called' }] : [])],
    points: [
      named([0], 'tokenId'),
      ...(method === 'cancel' ? [named([1], 'opts'), named([1, 'reason'], 'opts.reason'), named([1, 'extra'], 'opts.extra')] : []),
    ],
    call: (opd, a) => (method === 'cancel' ? opd.cancel(a[0] as never, a[1] as never) : opd[method](a[0] as never)),
  })),
  ...(['startConsultation', 'complete', 'getToken'] as const).map((method): Case => ({
    method,
    args: (f) => [method === 'startConsultation' ? f.checkedIn : method === 'complete' ? f.consulting : f.booked],
    points: [named([0], 'tokenId')],
    call: (opd, a) => opd[method](a[0] as never),
  })),
  {
    method: 'sweep',
    args: () => [at('09:20'), { actor: 'cron' }],
    points: [named([0], 'now'), named([1], 'opts'), named([1, 'actor'], 'opts.actor'), named([1, 'extra'], 'opts.extra')],
    call: (opd, a) => opd.sweep(a[0] as never, a[1] as never),
  },
  {
    method: 'hold',
    args: () => [
      { doctorId: 'd3', category: 'PAID', patient: { id: 'p9', name: 'Nine' }, slotId: 't13', idempotencyKey: 'h1', holdMinutes: 15, actor: 'portal' },
    ],
    points: [
      any([0]),
      named([0, 'doctorId'], 'doctorId'),
      named([0, 'category'], 'category'),
      named([0, 'patient'], 'patient'),
      named([0, 'patient', 'name'], 'patient.name'),
      named([0, 'slotId'], 'slotId'),
      named([0, 'holdMinutes'], 'holdMinutes'),
      named([0, 'actor'], 'actor'),
      named([0, 'extra'], 'extra'),
    ],
    call: (opd, a) => opd.hold(a[0] as never),
  },
  ...(['confirm', 'release', 'reinstate'] as const).map((method): Case => ({
    method,
    args: (f) => [method === 'reinstate' ? f.gone : f.held, { actor: 'desk-1' }],
    points: [named([0], 'tokenId'), named([1], 'opts'), named([1, 'actor'], 'opts.actor'), named([1, 'extra'], 'opts.extra')],
    call: (opd, a) => opd[method](a[0] as never, a[1] as never),
  })),
  {
    method: 'callNext',
    args: () => ['d1', { room: 'Room 4', actor: 'dr-one' }],
    points: [
      { ...named([0], 'doctorId'), or: 'target' },
      named([1], 'opts'),
      named([1, 'room'], 'opts.room'),
      named([1, 'actor'], 'opts.actor'),
      named([1, 'extra'], 'opts.extra'),
    ],
    call: (opd, a) => opd.callNext(a[0] as never, a[1] as never),
  },
  {
    method: 'recall',
    args: (f) => [f.checkedIn, { room: 'Room 4' }],
    points: [named([0], 'tokenId'), named([1], 'opts'), named([1, 'room'], 'opts.room'), named([1, 'actor'], 'opts.actor'), named([1, 'extra'], 'opts.extra')],
    call: (opd, a) => opd.recall(a[0] as never, a[1] as never),
  },
  {
    method: 'closeSlot',
    args: () => ['s09', { reason: 'doctor left', dryRun: false }],
    points: [
      named([0], 'slotId'),
      named([1], 'opts'),
      named([1, 'reason'], 'opts.reason'),
      named([1, 'dryRun'], 'opts.dryRun'),
      named([1, 'extra'], 'opts.extra'),
    ],
    call: (opd, a) => opd.closeSlot(a[0] as never, a[1] as never),
  },
  {
    method: 'closeSlots',
    args: () => ['d1', { from: at('09:00'), to: '2026-01-30T10:30:00Z', reason: 'on leave', dryRun: false, horizonDays: 7 }],
    points: [
      named([0], 'doctorId'),
      named([1], 'leave'),
      named([1, 'from'], 'leave'),
      named([1, 'to'], 'leave'),
      named([1, 'reason'], 'leave.reason'),
      named([1, 'dryRun'], 'leave.dryRun'),
      named([1, 'reassign'], 'leave.reassign'),
      named([1, 'horizonDays'], 'leave.horizonDays'),
      named([1, 'extra'], 'leave.extra'),
    ],
    call: (opd, a) => opd.closeSlots(a[0] as never, a[1] as never),
  },
  { method: 'reopenSlot', args: () => ['s15'], points: [named([0], 'slotId')], call: (opd, a) => opd.reopenSlot(a[0] as never) },
  {
    method: 'setCapacity',
    args: () => ['s09', 2, { dryRun: false }],
    points: [named([0], 'slotId'), named([1], 'capacity'), named([2], 'opts'), named([2, 'dryRun'], 'opts.dryRun'), named([2, 'extra'], 'opts.extra')],
    call: (opd, a) => opd.setCapacity(a[0] as never, a[1] as never, a[2] as never),
  },
  { method: 'getSlot', args: () => ['s09'], points: [named([0], 'slotId')], call: (opd, a) => opd.getSlot(a[0] as never) },
  ...(['getSchedule', 'getWaitlist'] as const).map((method): Case => ({
    method,
    args: () => ['d1', DAY],
    points: [named([0], 'doctorId'), named([1], 'date')],
    call: (opd, a) => opd[method](a[0] as never, a[1] as never),
  })),
  {
    method: 'stats',
    args: () => [{ doctorId: 'd1', date: DAY }],
    points: [named([0], 'filter'), named([0, 'doctorId'], 'filter.doctorId'), named([0, 'date'], 'filter.date'), named([0, 'extra'], 'filter.extra')],
    call: (opd, a) => opd.stats(a[0] as never),
  },
  {
    method: 'history',
    args: () => [{ after: 1, limit: 5 }],
    points: [named([0], 'opts'), named([0, 'after'], 'opts.after'), named([0, 'limit'], 'opts.limit'), named([0, 'extra'], 'opts.extra')],
    call: (opd, a) => opd.history(a[0] as never),
  },
  { method: 'dayOf', args: () => [at('10:00')], points: [named([0], 'instant')], call: (opd, a) => opd.dayOf(a[0] as never) },
];

/** `args` with `value` put at `path` (objects on the way are copied, never mutated). */
function put(args: unknown[], path: readonly (number | string)[], value: unknown): unknown[] {
  const set = (target: unknown, i: number): unknown => {
    if (i === path.length) return realize(value);
    const key = path[i]!;
    const copy = (Array.isArray(target) ? [...(target as unknown[])] : typeof target === 'object' && target !== null ? { ...target } : {}) as Record<
      string | number,
      unknown
    >;
    // defineProperty, so that keys such as `__proto__` become own fields like JSON.parse makes them.
    Object.defineProperty(copy, key, { value: set(copy[key], i + 1), enumerable: true, writable: true, configurable: true });
    return copy;
  };
  return set(args, 0) as unknown[];
}

function expectOpdError(error: unknown, point: Point, label: string): void {
  const e = error as { name?: unknown; code?: unknown; details?: { field?: unknown } } | null;
  expect(e?.name, `${label}: an OpdError, not ${String(error)}`).toBe('OpdError');
  expect(CODES.has(String(e?.code)), `${label}: a pinned code (${String(e?.code)})`).toBe(true);
  const field = e?.details?.field;
  expect(typeof field === 'string' && field.length > 0, `${label}: details.field names the input (${String(field)})`).toBe(true);
  if (point.field !== null) {
    const f = field as string;
    const by = (expected: string): boolean =>
      f === expected || f.startsWith(`${expected}.`) || f.startsWith(`${expected}[`) || expected.startsWith(`${f}.`) || expected.startsWith(`${f}[`);
    const names = by(point.field) || (point.or !== undefined && by(point.or));
    expect(names, `${label}: details.field \`${f}\` names \`${point.field}\``).toBe(true);
  }
}

const label = (method: string, point: Point, value: unknown): string => `${method} with ${point.path.join('.')} = ${fc.stringify(value).slice(0, 80)}`;

afterAll(() => {
  expect(shapeOf(), 'no prototype was polluted').toEqual(SHAPE);
});

const RUNS = 60;

describe('bad input into every public method', () => {
  it('the valid calls the values are put into succeed', async () => {
    for (const c of CASES) {
      const f = await fixture();
      await expect(
        Promise.resolve().then(() => c.call(f.opd, c.args(f))),
        c.method,
      ).resolves.not.toThrow();
    }
  });

  for (const c of CASES) {
    it(
      c.method,
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...c.points), nasty, async (point, value) => {
            const f = await fixture();
            const before = await observe(f);
            const args = put(c.args(f), point.path, value);
            const l = label(c.method, point, value);
            let failed = false;
            try {
              await c.call(f.opd, args);
            } catch (error) {
              failed = true;
              expectOpdError(error, point, l);
            }
            if (failed) expect(await observe(f), `${l}: a failed call changes nothing`).toEqual(before);
            expect(({} as Record<string, unknown>)['polluted'], `${l}: no prototype pollution`).toBeUndefined();
            expect(shapeOf(), `${l}: no prototype pollution`).toEqual(SHAPE);
          }),
          fcOptions(RUNS),
        );
      },
      timeoutFor(RUNS, 50),
    );
  }

  it(
    'constructor options',
    async () => {
      const OPTIONS = [
        'storage',
        'priority',
        'capacity',
        'overflow',
        'clock',
        'timeZone',
        'consultMinutes',
        'noShowGraceMinutes',
        'defaultOverflowCapacity',
        'allowDuplicateBookings',
        'extra',
      ];
      const plugin = fc.oneof(
        nasty,
        fc.constantFrom<unknown>(
          { name: 'half', rank: () => 1 },
          { name: 'odd', waitlist: 'week', bumpLimit: 1, victimOrder: 'latest', whenFull: () => [], whenDisplaced: () => [] },
          { name: 'odd', waitlist: 'day', bumpLimit: Number.NaN, victimOrder: 'latest', whenFull: () => [], whenDisplaced: () => [] },
          {
            ...Object.fromEntries(
              ['transact', 'read', 'listDoctors', 'allocateId', 'findDueDays', 'scanDays', 'history', 'close'].map((m) => [m, () => undefined]),
            ),
            name: 'store',
            subscribe: 5,
          },
          () => {
            throw new Error('clock');
          },
          () => new Date(Number.NaN),
          () => 'now',
          'Mars/Olympus',
        ),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...OPTIONS), plugin, fc.boolean(), async (key, value, whole) => {
          const base = {
            ...presets.standard(),
            storage: new MemoryStorage(),
            clock: () => at('08:00'),
            timeZone: 'UTC',
            consultMinutes: 5,
            noShowGraceMinutes: 15,
            defaultOverflowCapacity: 2,
            allowDuplicateBookings: false,
          };
          const options = whole ? realize(value) : put([base], [0, key], value)[0];
          const point: Point = whole ? { path: [0], field: null } : { path: [0, key], field: key };
          const l = label('new OpdScheduler', point, value);
          let opd: OpdScheduler;
          try {
            opd = new OpdScheduler(options as never);
          } catch (error) {
            expectOpdError(error, point, l);
            return;
          }
          // Accepted at construction (a clock is only called later): every call still fails cleanly.
          for (const call of [() => opd.addDoctor({ id: 'd1', name: 'Dr' }), () => opd.listDoctors(), () => opd.stats()]) {
            try {
              await call();
            } catch (error) {
              expectOpdError(error, { path: point.path, field: null }, l);
            }
          }
          expect(shapeOf(), `${l}: no prototype pollution`).toEqual(SHAPE);
        }),
        fcOptions(RUNS * 2),
      );
    },
    timeoutFor(RUNS * 2, 50),
  );
});
