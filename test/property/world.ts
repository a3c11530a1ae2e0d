/**
 * Random operation sequences against one scheduler on a fake clock: the operations as data
 * (so that fast-check prints and shrinks them), and a world that runs them and remembers what
 * a user would have seen (token ids, slot ids, every result).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  type BookingRequest,
  type DepartmentBookingRequest,
  type Effect,
  MemoryStorage,
  OpdScheduler,
  type OpdSchedulerOptions,
  type QuotaStrategy,
  type StorageAdapter,
} from 'opd-scheduler';
import { buildPolicies, CATEGORIES, type ConfigSpec, eligible, factsOf, type Outcome, outcomeOf, quotaAdmitsTo } from './support.js';
import { allHistory } from '../helpers.js';

export const DOCTORS = ['d1', 'd2'] as const;
/** The days of the world; slots are added on all three, bookings and leaves start on the first two (a leave may cover a whole day and move patients to a later one). */
export const DAYS = ['2026-01-30', '2026-01-31', '2026-02-01'] as const;
/** 07:00 UTC on the first day. */
export const START = Date.parse('2026-01-30T07:00:00Z');
const MINUTE = 60_000;

export type Op =
  | {
      readonly op: 'addSlots';
      readonly doctor: number;
      readonly slots: readonly { day: number; hour: number; minutes: number; capacity: number; overflowCapacity: number | null; named: boolean }[];
    }
  | {
      readonly op: 'book';
      readonly doctor: number;
      readonly category: string;
      readonly slot: number | null;
      readonly patient: number | null;
      readonly age: number | null;
      readonly date: number | null;
      readonly afterHour: number | null;
      readonly key: number | null;
    }
  | { readonly op: 'rebook'; readonly which: number }
  /** A hold: the booking request of `which` (an index into the requests seen), held for some minutes. */
  | {
      readonly op: 'hold';
      readonly doctor: number;
      readonly category: string;
      readonly slot: number | null;
      readonly patient: number | null;
      readonly minutes: number;
    }
  | { readonly op: 'confirm' | 'release' | 'reinstate' | 'recall'; readonly token: number }
  | { readonly op: 'callNext'; readonly doctor: number }
  /** A booking by department (both doctors belong to one). */
  | {
      readonly op: 'bookDept';
      readonly category: string;
      readonly patient: number | null;
      readonly date: number | null;
      readonly afterHour: number | null;
      readonly key: number | null;
    }
  /** A move: to a slot, or to the first free place of a doctor, day, from an hour; sometimes previewed first. */
  | {
      readonly op: 'move';
      readonly token: number;
      readonly slot: number | null;
      readonly doctor: number | null;
      readonly date: number | null;
      readonly afterHour: number | null;
      readonly dryRun: boolean;
    }
  | { readonly op: 'cancel' | 'checkIn' | 'startConsultation' | 'complete' | 'markNoShow'; readonly token: number }
  /** A sweep at the clock, or with an explicit `now` shifted from it (into the past or the future). */
  | { readonly op: 'sweep'; readonly explicitNow: boolean; readonly shiftMinutes: number }
  | { readonly op: 'advance'; readonly minutes: number }
  | { readonly op: 'closeSlot'; readonly slot: number; readonly dryRun: boolean }
  | { readonly op: 'reopenSlot'; readonly slot: number }
  /** A leave of `doctor` from `fromHour` on day `day`, for `hours` hours (it may run into the next day). */
  | {
      readonly op: 'closeSlots';
      readonly doctor: number;
      readonly day: number;
      readonly fromHour: number;
      readonly hours: number;
      readonly dryRun: boolean;
      readonly reassign: boolean;
    }
  | { readonly op: 'setCapacity'; readonly slot: number; readonly capacity: number; readonly dryRun: boolean }
  /** A change of a doctor's minutes per consultation (`null`: the scheduler's) or room. */
  | { readonly op: 'updateDoctor'; readonly doctor: number; readonly consultMinutes: number | null; readonly room: boolean }
  /** A retirement of `doctor` from `fromHour` on day `day`; sometimes previewed first. */
  | { readonly op: 'retire'; readonly doctor: number; readonly day: number; readonly fromHour: number; readonly dryRun: boolean; readonly reassign: boolean };

const slotArb = fc.record({
  day: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 1 }) }, { weight: 1, arbitrary: fc.constant(2) }),
  hour: fc.integer({ min: 8, max: 14 }),
  minutes: fc.constantFrom(30, 60),
  capacity: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }),
  overflowCapacity: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
  named: fc.boolean(),
});

const categoryArb = fc.oneof({ weight: 30, arbitrary: fc.constantFrom<string>(...CATEGORIES) }, { weight: 1, arbitrary: fc.constant('VIP') });
const doctorArb = fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) });
const patientArb = fc.option(fc.nat(9), { freq: 4, nil: null });
const ageArb = fc.option(fc.constantFrom(30, 64, 70), { nil: null });
const keyArb = fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(3) });

/** Bookings: mostly a named slot or a search (date, after), sometimes an inconsistent mix. */
const bookArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant<'book'>('book'),
      doctor: doctorArb,
      category: categoryArb,
      slot: fc.nat(20),
      patient: patientArb,
      age: ageArb,
      date: fc.constant(null),
      afterHour: fc.constant(null),
      key: keyArb,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant<'book'>('book'),
      doctor: doctorArb,
      category: categoryArb,
      slot: fc.constant(null),
      patient: patientArb,
      age: ageArb,
      date: fc.option(fc.integer({ min: 0, max: 1 }), { freq: 3, nil: null }),
      afterHour: fc.option(fc.integer({ min: 8, max: 14 }), { freq: 3, nil: null }),
      key: keyArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant<'book'>('book'),
      doctor: doctorArb,
      category: categoryArb,
      slot: fc.option(fc.nat(20), { nil: null }),
      patient: patientArb,
      age: ageArb,
      date: fc.option(fc.integer({ min: 0, max: 1 }), { nil: null }),
      afterHour: fc.option(fc.integer({ min: 8, max: 14 }), { nil: null }),
      key: keyArb,
    }),
  },
);

const tokenOp = (op: 'cancel' | 'checkIn' | 'startConsultation' | 'complete' | 'markNoShow'): fc.Arbitrary<Op> =>
  fc.record({ op: fc.constant(op), token: fc.nat(40) });

/** One random operation. Token and slot references are indexes into what the world has seen. */
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant<'addSlots'>('addSlots'),
      doctor: fc.integer({ min: 0, max: 1 }),
      slots: fc.array(slotArb, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 20, arbitrary: bookArb },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'rebook'>('rebook'), which: fc.nat(20) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant<'hold'>('hold'),
      doctor: doctorArb,
      category: categoryArb,
      slot: fc.option(fc.nat(20), { nil: null }),
      patient: patientArb,
      minutes: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.constant(1440)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant<'confirm'>('confirm'), token: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'release'>('release'), token: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'reinstate'>('reinstate'), token: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'recall'>('recall'), token: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'callNext'>('callNext'), doctor: doctorArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant<'bookDept'>('bookDept'),
      category: categoryArb,
      patient: patientArb,
      date: fc.option(fc.integer({ min: 0, max: 1 }), { freq: 3, nil: null }),
      afterHour: fc.option(fc.integer({ min: 8, max: 14 }), { freq: 3, nil: null }),
      key: keyArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant<'move'>('move'),
      token: fc.nat(40),
      slot: fc.option(fc.nat(20), { freq: 2, nil: null }),
      doctor: fc.option(fc.integer({ min: 0, max: 1 }), { freq: 2, nil: null }),
      date: fc.option(fc.integer({ min: 0, max: 1 }), { freq: 2, nil: null }),
      afterHour: fc.option(fc.integer({ min: 8, max: 14 }), { freq: 3, nil: null }),
      dryRun: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: tokenOp('cancel') },
  { weight: 2, arbitrary: tokenOp('checkIn') },
  { weight: 1, arbitrary: tokenOp('startConsultation') },
  { weight: 1, arbitrary: tokenOp('complete') },
  { weight: 1, arbitrary: tokenOp('markNoShow') },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant<'sweep'>('sweep'),
      explicitNow: fc.boolean(),
      // Mostly the clock's time; sometimes hours back, or as late as the next day.
      shiftMinutes: fc.oneof(
        { weight: 2, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: -300, max: -1 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 * 24 * 60 }) },
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant<'advance'>('advance'), minutes: fc.integer({ min: 1, max: 45 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'closeSlot'>('closeSlot'), slot: fc.nat(20), dryRun: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant<'reopenSlot'>('reopenSlot'), slot: fc.nat(20) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant<'closeSlots'>('closeSlots'),
      doctor: doctorArb,
      day: fc.integer({ min: 0, max: 1 }),
      fromHour: fc.integer({ min: 7, max: 15 }),
      // Mostly hours; sometimes a whole day or more (from 07:00 for 26 hours covers every slot of the day).
      hours: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) },
        { weight: 1, arbitrary: fc.integer({ min: 5, max: 30 }) },
        { weight: 1, arbitrary: fc.integer({ min: 24, max: 36 }) },
      ),
      dryRun: fc.boolean(),
      reassign: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant<'setCapacity'>('setCapacity'), slot: fc.nat(20), capacity: fc.integer({ min: 0, max: 4 }), dryRun: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant<'updateDoctor'>('updateDoctor'),
      doctor: doctorArb,
      consultMinutes: fc.option(fc.constantFrom(3, 7.5, 12), { nil: null }),
      room: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant<'retire'>('retire'),
      // Mostly the doctor seen less, and late: a sequence goes on with what is left.
      doctor: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) }),
      day: fc.integer({ min: 0, max: 1 }),
      fromHour: fc.integer({ min: 10, max: 15 }),
      dryRun: fc.boolean(),
      reassign: fc.boolean(),
    }),
  },
);

/** A sequence of operations, starting with some slots so that most bookings meet a schedule. */
export const opsArb = (maxLength = 30): fc.Arbitrary<Op[]> =>
  fc
    .tuple(
      fc.record({ op: fc.constant<'addSlots'>('addSlots'), doctor: fc.constant(0), slots: fc.array(slotArb, { minLength: 2, maxLength: 4 }) }),
      fc.array(opArb, { minLength: 1, maxLength, size: 'max' }),
    )
    .map(([first, rest]) => [first, ...rest]);

/**
 * Sequences where emergencies are common (about half the bookings) and slots small, so that
 * emergencies often meet full slots, closures and lowered capacities.
 */
export const emergencyOpsArb = (maxLength = 30): fc.Arbitrary<Op[]> =>
  fc
    .tuple(opsArb(maxLength), fc.array(fc.boolean(), { minLength: maxLength + 1, maxLength: maxLength + 1 }))
    .map(([ops, urgent]) => ops.map((op, i) => (op.op === 'book' && urgent[i] === true ? { ...op, category: 'EMERGENCY' } : op)));

const pad = (n: number): string => String(n).padStart(2, '0');

/** One executed operation: what was called and what came back. */
export interface Step {
  readonly op: Op;
  /** The call made (for messages), or `null` for a clock advance. */
  readonly call: string | null;
  readonly outcome: Outcome | null;
}

/** A scheduler on a fake clock, with everything a user has seen of it. */
export class World {
  readonly opd: OpdScheduler;
  now = START;
  readonly slotIds: string[] = [];
  /** The slot the last successful `closeSlot` closed. */
  lastClosed: string | undefined;
  readonly tokenIds: string[] = [];
  readonly requests: BookingRequest[] = [];
  /** The first successful result per doctor (or department) and idempotency key, with its request. */
  readonly keyed = new Map<string, { request: BookingRequest | DepartmentBookingRequest; result: unknown }>();

  /** The `now` a sweep operation runs as of. */
  sweepNow(op: Extract<Op, { op: 'sweep' }>): number {
    return op.explicitNow ? this.now + op.shiftMinutes * MINUTE : this.now;
  }

  readonly storage: StorageAdapter;
  /** Whether the scheduler has a quota (which may refuse a free place). */
  readonly quota: boolean;
  readonly #quota: QuotaStrategy | undefined;

  constructor(
    readonly spec: ConfigSpec,
    storage: StorageAdapter = new MemoryStorage(),
    extra: Pick<OpdSchedulerOptions, 'quota' | 'closeOut' | 'offers'> = {},
  ) {
    this.storage = storage;
    this.quota = extra.quota !== undefined;
    this.#quota = extra.quota;
    this.opd = new OpdScheduler({ ...buildPolicies(spec), ...extra, storage, clock: () => new Date(this.now) });
  }

  /** A world on `spec`; `extra` adds options beyond the policies (a quota, the close-out, offers). */
  static async create(spec: ConfigSpec, storage?: StorageAdapter, extra?: Pick<OpdSchedulerOptions, 'quota' | 'closeOut' | 'offers'>): Promise<World> {
    const world = new World(spec, storage, extra);
    // Colleagues of one department: bookings by department, moves, and leaves that reassign.
    await world.opd.addDoctor({ id: 'd1', name: 'Dr One', department: 'opd' });
    await world.opd.addDoctor({ id: 'd2', name: 'Dr Two', consultMinutes: 10, department: 'opd' });
    return world;
  }

  /** The token id an operation's `token` index names now (as {@link World.run} resolves it). */
  tokenRef(i: number): string {
    return this.#tokenRef(i);
  }

  /** The slot id an operation's `slot` index names now (as {@link World.run} resolves it). */
  slotRef(i: number): string {
    return this.#slotRef(i);
  }

  #slotRef(i: number, doctorId?: string): string {
    // One reference in ten names a slot that does not exist.
    const ids = doctorId === undefined ? this.slotIds : this.slotIds.filter((id) => id.startsWith(doctorId));
    return ids.length === 0 || i % 10 === 9 ? `missing-${i}` : ids[i % ids.length]!;
  }

  #tokenRef(i: number): string {
    // One reference in ten names a token that does not exist.
    return this.tokenIds.length === 0 || i % 10 === 9 ? `d1~${DAYS[0]}~${900 + i}` : this.tokenIds[i % this.tokenIds.length]!;
  }

  #remember(effects: readonly Effect[]): void {
    for (const e of effects) if ('tokenId' in e && !this.tokenIds.includes(e.tokenId)) this.tokenIds.push(e.tokenId);
  }

  /**
   * Idempotency: a key used before with `scope` (a doctor, or a department) returns the stored
   * result as it was, whatever happened to its token since, or conflicts when the request differs.
   */
  #checkKey(scope: string, request: BookingRequest | DepartmentBookingRequest, outcome: Outcome): void {
    const key = request.idempotencyKey === undefined ? undefined : `${scope}/${request.idempotencyKey}`;
    const earlier = key === undefined ? undefined : this.keyed.get(key);
    if (earlier !== undefined) {
      if (fc.stringify(earlier.request) === fc.stringify(request)) {
        expect(outcome, `a repeated idempotency key replays: ${JSON.stringify(request)}`).toEqual({
          ok: true,
          value: { ...(earlier.result as object), replayed: true },
        });
      } else if (CATEGORIES.includes(request.category as never)) {
        // (An unknown category fails validation first.)
        expect(outcome.ok ? 'success' : outcome.code, 'a reused key with another request conflicts').toBe('IDEMPOTENCY_CONFLICT');
      }
    } else if (key !== undefined && outcome.ok) this.keyed.set(key, { request, result: outcome.value });
  }

  /** The booking request an operation stands for. */
  requestOf(op: Extract<Op, { op: 'book' }>): BookingRequest {
    const doctorId = DOCTORS[op.doctor]!;
    const patientId = op.patient === null ? undefined : `p${op.patient}`;
    return {
      doctorId,
      category: op.category,
      patient: { ...(patientId === undefined ? {} : { id: patientId }), name: `Patient ${patientId ?? 'anon'}`, ...(op.age === null ? {} : { age: op.age }) },
      // A slot of the doctor, except for one reference in twenty.
      ...(op.slot === null ? {} : { slotId: this.#slotRef(op.slot, op.slot % 20 === 19 ? undefined : doctorId) }),
      ...(op.date === null ? {} : { date: DAYS[op.date]! }),
      ...(op.afterHour === null ? {} : { after: `${DAYS[op.date ?? 0]}T${pad(op.afterHour)}:00:00Z` }),
      ...(op.key === null ? {} : { idempotencyKey: `k${op.key}` }),
    };
  }

  /** The doctor and instants `[from, to)` of a leave operation. */
  leaveOf(op: Extract<Op, { op: 'closeSlots' }>): { doctorId: string; from: number; to: number } {
    const from = Date.parse(`${DAYS[op.day]}T${pad(op.fromHour)}:00:00Z`);
    return { doctorId: DOCTORS[op.doctor]!, from, to: from + op.hours * 60 * MINUTE };
  }

  /** The doctor and instant of a retirement operation. */
  retirementOf(op: Extract<Op, { op: 'retire' }>): { doctorId: string; from: number } {
    return { doctorId: DOCTORS[op.doctor]!, from: Date.parse(`${DAYS[op.day]}T${pad(op.fromHour)}:00:00Z`) };
  }

  /** The effects of a retirement (previewed with `dryRun`). */
  #retire(op: Extract<Op, { op: 'retire' }>, dryRun: boolean): Promise<Outcome> {
    const { doctorId, from } = this.retirementOf(op);
    return outcomeOf(
      async () =>
        (await this.opd.retireDoctor(doctorId, { from: new Date(from), reason: 'retired', dryRun, ...(op.reassign ? { reassign: 'department' } : {}) }))
          .effects,
    );
  }

  /** For a `closeSlot`, `closeSlots`, `setCapacity` or `retire` operation asking for it: the outcome of its dry run. */
  async predict(op: Op): Promise<Outcome | undefined> {
    if (op.op === 'retire' && op.dryRun) return this.#retire(op, true);
    if (op.op === 'closeSlots' && op.dryRun) {
      const { doctorId, from, to } = this.leaveOf(op);
      return outcomeOf(() =>
        this.opd.closeSlots(doctorId, {
          from: new Date(from),
          to: new Date(to),
          reason: 'on leave',
          dryRun: true,
          ...(op.reassign ? { reassign: 'department' } : {}),
        }),
      );
    }
    if (op.op === 'closeSlot' && op.dryRun) return outcomeOf(() => this.opd.closeSlot(this.#slotRef(op.slot), { reason: 'doctor left', dryRun: true }));
    if (op.op === 'setCapacity' && op.dryRun) return outcomeOf(() => this.opd.setCapacity(this.#slotRef(op.slot), op.capacity, { dryRun: true }));
    return undefined;
  }

  /**
   * How many free places of `doctorId`'s open, unended slots the quota admits a waiting token to
   * at the clock's time: places a reservation kept until now, which the next call of the day
   * fills (no call has settled the day since the reservation lapsed). Zero without a quota.
   */
  async #openedByTime(doctorId: string): Promise<number> {
    const quota = this.#quota;
    if (quota === undefined) return 0;
    const isProtected = (c: string): boolean => factsOf(this.spec).protectedCategories.has(c);
    let opened = 0;
    for (const day of DAYS) {
      const schedule = await this.opd.getSchedule(doctorId, day);
      const waiting = [...schedule.waitlist, ...schedule.slots.flatMap((v) => v.waitlist)].filter((t) => t.status === 'WAITLISTED');
      const dayPlaces = schedule.slots.flatMap((v) => v.places);
      for (const { slot, places } of schedule.slots) {
        if (slot.status !== 'OPEN' || slot.end.getTime() <= this.now) continue;
        const admitted = waiting.some((t) => !isProtected(t.category) && eligible(t, slot) && quotaAdmitsTo(quota, t, slot, places, dayPlaces, this.now));
        if (admitted) opened += Math.max(0, slot.capacity - places.length);
      }
    }
    return opened;
  }

  /** Runs one operation. */
  async run(op: Op): Promise<Step> {
    const opd = this.opd;
    switch (op.op) {
      case 'addSlots': {
        const doctorId = DOCTORS[op.doctor]!;
        const input = op.slots.map((s) => {
          const start = Date.parse(`${DAYS[s.day]}T${pad(s.hour)}:00:00Z`);
          return {
            ...(s.named ? { id: `${doctorId}-${s.day}-${pad(s.hour)}` } : {}),
            start: new Date(start),
            end: new Date(start + s.minutes * MINUTE),
            capacity: s.capacity,
            ...(s.overflowCapacity === null ? {} : { overflowCapacity: s.overflowCapacity }),
          };
        });
        const outcome = await outcomeOf(() => opd.addSlots(doctorId, input));
        if (outcome.ok) for (const slot of outcome.value as { id: string }[]) this.slotIds.push(slot.id);
        return { op, call: `addSlots(${doctorId}, ${JSON.stringify(input)})`, outcome };
      }
      case 'book':
      case 'rebook': {
        const request = op.op === 'book' ? this.requestOf(op) : this.requests[op.which % Math.max(1, this.requests.length)];
        if (request === undefined) return { op, call: null, outcome: null };
        if (op.op === 'book') this.requests.push(request);
        const outcome = await outcomeOf(() => opd.book(request));
        this.#checkKey(request.doctorId, request, outcome);
        if (outcome.ok) {
          const result = outcome.value as { token: { id: string }; effects: Effect[] };
          if (!this.tokenIds.includes(result.token.id)) this.tokenIds.push(result.token.id);
          this.#remember(result.effects);
        }
        return { op, call: `book(${JSON.stringify(request)})`, outcome };
      }
      case 'hold': {
        const doctorId = DOCTORS[op.doctor]!;
        const patientId = op.patient === null ? undefined : `p${op.patient}`;
        const request = {
          doctorId,
          category: op.category,
          patient: { ...(patientId === undefined ? {} : { id: patientId }), name: `Patient ${patientId ?? 'anon'}` },
          ...(op.slot === null ? {} : { slotId: this.#slotRef(op.slot, doctorId) }),
          holdMinutes: op.minutes,
        };
        const opened = await this.#openedByTime(doctorId);
        const outcome = await outcomeOf(() => opd.hold(request));
        if (outcome.ok) {
          const result = outcome.value as { token: { id: string; status: string; slotId: string; holdExpiresAt: Date }; effects: Effect[] };
          expect(result.token.status, 'a hold is HELD').toBe('HELD');
          const slotEnd = (await opd.getSlot(result.token.slotId)).slot.end.getTime();
          expect(result.token.holdExpiresAt.getTime(), 'a hold ends holdMinutes from now, or with its slot when that is sooner').toBe(
            Math.min(this.now + op.minutes * MINUTE, slotEnd),
          );
          // Holds that ended before it and no sweep released are expired first; their places promoted into.
          expect(
            result.effects.filter((e) => e.type !== 'token:expired' && e.type !== 'token:promoted'),
            'a hold displaces nobody',
          ).toEqual([]);
          expect(
            result.effects.filter((e) => e.type === 'token:promoted').length,
            'a hold promotes only into places ended holds left, or places a quota kept until now',
          ).toBeLessThanOrEqual(result.effects.filter((e) => e.type === 'token:expired').length + opened);
          this.tokenIds.push(result.token.id);
        }
        return { op, call: `hold(${JSON.stringify(request)})`, outcome };
      }
      case 'callNext': {
        const doctorId = DOCTORS[op.doctor]!;
        const outcome = await outcomeOf(() => opd.callNext(doctorId, { room: '1' }));
        return { op, call: `callNext(${doctorId})`, outcome };
      }
      case 'bookDept': {
        const patientId = op.patient === null ? undefined : `p${op.patient}`;
        const request = {
          department: 'opd',
          category: op.category,
          patient: { ...(patientId === undefined ? {} : { id: patientId }), name: `Patient ${patientId ?? 'anon'}` },
          ...(op.date === null ? {} : { date: DAYS[op.date]! }),
          ...(op.afterHour === null ? {} : { after: `${DAYS[op.date ?? 0]}T${pad(op.afterHour)}:00:00Z` }),
          ...(op.key === null ? {} : { idempotencyKey: `dept-k${op.key}` }),
        };
        const outcome = await outcomeOf(() => opd.book(request));
        this.#checkKey(request.department, request, outcome);
        if (outcome.ok) {
          const result = outcome.value as { token: { id: string }; effects: Effect[] };
          if (!this.tokenIds.includes(result.token.id)) this.tokenIds.push(result.token.id);
          this.#remember(result.effects);
        }
        return { op, call: `book(${JSON.stringify(request)})`, outcome };
      }
      case 'move': {
        const id = this.#tokenRef(op.token);
        const to = {
          ...(op.slot === null ? {} : { slotId: this.#slotRef(op.slot) }),
          ...(op.doctor === null ? {} : { doctorId: DOCTORS[op.doctor]! }),
          ...(op.date === null ? {} : { date: DAYS[op.date]! }),
          ...(op.afterHour === null ? {} : { after: `${DAYS[op.date ?? 0]}T${pad(op.afterHour)}:00:00Z` }),
        };
        const call = `move(${id}, ${JSON.stringify(to)})`;
        let preview: Outcome | undefined;
        if (op.dryRun) {
          const seen = (await allHistory(opd)).length;
          preview = await outcomeOf(() => opd.move(id, to, { dryRun: true }));
          expect((await allHistory(opd)).length, `a dry run stores nothing: ${call}`).toBe(seen);
        }
        const outcome = await outcomeOf(() => opd.move(id, to, { reason: 'asked' }));
        if (preview !== undefined) {
          const strip = (o: Outcome): unknown => JSON.parse(JSON.stringify(o, (k, v: unknown) => (k === 'seq' ? 0 : v)));
          expect(strip(preview), `the dry run of ${call} returns what the move returns`).toEqual(strip(outcome));
        }
        if (outcome.ok) {
          const result = outcome.value as { token: { id: string }; effects: Effect[] };
          if (!this.tokenIds.includes(result.token.id)) this.tokenIds.push(result.token.id);
          this.#remember(result.effects);
        }
        return { op, call, outcome };
      }
      case 'confirm':
      case 'release':
      case 'reinstate':
      case 'recall':
      case 'cancel':
      case 'checkIn':
      case 'startConsultation':
      case 'complete':
      case 'markNoShow': {
        const id = this.#tokenRef(op.token);
        const outcome = await outcomeOf(() => opd[op.op](id));
        if (outcome.ok) this.#remember((outcome.value as { effects: Effect[] }).effects);
        return { op, call: `${op.op}(${id})`, outcome };
      }
      case 'sweep': {
        const now = this.sweepNow(op);
        const outcome = await outcomeOf(() => (op.explicitNow ? opd.sweep(new Date(now)) : opd.sweep()));
        if (outcome.ok) this.#remember(outcome.value as Effect[]);
        return { op, call: op.explicitNow ? `sweep(${new Date(now).toISOString()})` : 'sweep()', outcome };
      }
      case 'advance':
        this.now += op.minutes * MINUTE;
        return { op, call: null, outcome: null };
      case 'closeSlot': {
        const id = this.#slotRef(op.slot);
        const outcome = await outcomeOf(() => opd.closeSlot(id, { reason: 'doctor left' }));
        if (outcome.ok) this.#remember(outcome.value as Effect[]);
        if (outcome.ok) this.lastClosed = id;
        return { op, call: `closeSlot(${id})`, outcome };
      }
      case 'reopenSlot': {
        // Mostly the slot closed last (a mistake noticed), else any slot.
        const id = op.slot % 4 !== 0 && this.lastClosed !== undefined ? this.lastClosed : this.#slotRef(op.slot);
        const outcome = await outcomeOf(() => opd.reopenSlot(id));
        if (outcome.ok) this.#remember(outcome.value as Effect[]);
        return { op, call: `reopenSlot(${id})`, outcome };
      }
      case 'closeSlots': {
        const { doctorId, from, to } = this.leaveOf(op);
        const outcome = await outcomeOf(() =>
          opd.closeSlots(doctorId, { from: new Date(from), to: new Date(to), reason: 'on leave', ...(op.reassign ? { reassign: 'department' } : {}) }),
        );
        if (outcome.ok) this.#remember(outcome.value as Effect[]);
        return {
          op,
          call: `closeSlots(${doctorId}, ${new Date(from).toISOString()}, ${new Date(to).toISOString()}${op.reassign ? ', department' : ''})`,
          outcome,
        };
      }
      case 'setCapacity': {
        const id = this.#slotRef(op.slot);
        const outcome = await outcomeOf(() => opd.setCapacity(id, op.capacity));
        if (outcome.ok) this.#remember(outcome.value as Effect[]);
        return { op, call: `setCapacity(${id}, ${op.capacity})`, outcome };
      }
      case 'updateDoctor': {
        const doctorId = DOCTORS[op.doctor]!;
        const patch = { consultMinutes: op.consultMinutes, ...(op.room ? { room: `Room ${op.doctor + 1}` } : {}) };
        const outcome = await outcomeOf(() => opd.updateDoctor(doctorId, patch));
        return { op, call: `updateDoctor(${doctorId}, ${JSON.stringify(patch)})`, outcome };
      }
      case 'retire': {
        const { doctorId, from } = this.retirementOf(op);
        const outcome = await this.#retire(op, false);
        if (outcome.ok) this.#remember(outcome.value as Effect[]);
        return { op, call: `retireDoctor(${doctorId}, ${new Date(from).toISOString()}${op.reassign ? ', department' : ''})`, outcome };
      }
    }
  }
}
