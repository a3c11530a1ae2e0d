/**
 * The scheduler against the reference model of several doctors and days (world.ts): booking by
 * doctor on any day and by department, moves within a doctor-day, to another day and to another
 * doctor (also dry runs), cancellations, leaves over part of a day, whole days and several days
 * (with and without reassigning to the department, also dry runs), and the clock moving — every
 * token, slot, waitlist and event compared after every command.
 */
import fc from 'fast-check';
import { ChannelQuota, type Effect, OpdScheduler, type Preset, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { fcOptions, quotaSpecArb, timeoutFor } from '../property/support.js';
import { both, withoutWhy } from './compare.js';
import { type Cat, type MQuota, POLICIES } from './reference.js';
import { tokenIdOf, type WDoctor, type WDuplicates, type WEvent, type WLeave, World, type WRef } from './world.js';

const DAYS = ['2026-01-30', '2026-01-31', '2026-02-01'] as const;
const DOCTORS: readonly WDoctor[] = [
  { id: 'd1', department: 'cardiology' },
  { id: 'd2', department: 'cardiology' },
  { id: 'd3', department: 'cardiology' },
  { id: 'd4', department: null },
];
const MINUTE = 60_000;
const START = Date.parse(`${DAYS[0]}T07:30:00Z`);
/** The clock may pass into the second day: the first day is then in the past. */
const LAST_MINUTE = Date.parse(`${DAYS[1]}T20:00:00Z`);
const CATS: readonly Cat[] = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'];

const PRESETS: Readonly<Record<string, () => Preset>> = {
  standard: () => presets.standard(),
  cascade: () => presets.cascade(),
  'cascade-chain': () => presets.cascade({ chainDepth: 2 }),
  waitlist: () => presets.waitlist(),
  elastic: () => presets.elastic(),
};

interface Real {
  readonly opd: OpdScheduler;
  readonly clock: { now: number };
}
type Cmd = fc.AsyncCommand<World, Real>;

const at = (day: number, minutes: number): number => Date.parse(`${DAYS[day]}T00:00:00Z`) + minutes * MINUTE;
const slotIdOf = (doctorId: string, day: number, minutes: number): string =>
  `${doctorId}-${day}-${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;

/**
 * References are indexes resolved against what exists when the command runs; one in eight names
 * nothing. With `movable`, one in four names a `BOOKED` token of a day with a waitlist (its move
 * frees a place to promote into) and two in four a `BOOKED` or `WAITLISTED` token, when there is one.
 */
function tokenRef(world: World, ref: number, movable = false): WRef {
  const status = (r: WRef): string => world.token(r)!.status;
  const waiting = (r: WRef): boolean => world.model(r.doctorId, r.day).waitlist().length > 0;
  const candidates =
    !movable || ref % 4 === 3
      ? []
      : world.refs.filter((r) => (ref % 4 === 0 ? status(r) === 'BOOKED' && waiting(r) : ['BOOKED', 'WAITLISTED'].includes(status(r))));
  const refs = candidates.length > 0 ? candidates : world.refs;
  return ref % 8 === 7 || refs.length === 0 ? { doctorId: 'd1', day: DAYS[0], number: 999 } : refs[ref % refs.length]!;
}

function slotRef(world: World, ref: number): string {
  const ids = world.all().flatMap((m) => m.slots().map((s) => s.id));
  return ref % 8 === 7 || ids.length === 0 ? 'missing' : ids[ref % ids.length]!;
}

/** The scheduler's effects as the model writes them: every field but `seq`, `at` and `actor`. */
function effectsOf(real: Real, effects: readonly Effect[], dryRun: boolean): WEvent[] {
  return effects.map((e) => {
    expect(e.at.getTime(), `${e.type} happened now`).toBe(real.clock.now);
    if (dryRun) expect(e.seq, `${e.type} of a dry run has seq 0`).toBe(0);
    else expect(e.seq, `${e.type} has a seq`).toBeGreaterThan(0);
    // `request` and `leave` record calls for a replay (opd-scheduler/lab), which proves them in test/property/lab-fidelity.test.ts.
    const { seq, at: _at, actor, facilityId, request: _request, leave: _leave, ...rest } = withoutWhy(e) as Effect & Record<string, unknown>;
    expect(actor, `${e.type} names no actor`).toBeNull();
    expect(facilityId, `${e.type} is the default facility's`).toBe('default');
    return { ...rest, tokenId: (rest as { tokenId?: string }).tokenId ?? null };
  });
}

/** Every observable of every doctor-day: each token, each slot's places, each waitlist. */
async function agree(world: World, real: Real): Promise<void> {
  for (const m of world.all()) {
    const { doctorId, day } = m.where;
    for (const t of m.state.tokens) {
      const token = await real.opd.getToken(tokenIdOf({ doctorId, day, number: t.number }));
      expect(
        {
          doctorId: token.doctorId,
          day: token.day,
          number: token.tokenNumber,
          label: token.label,
          category: token.category,
          status: token.status,
          slotId: token.slotId,
          waitingFor: token.waitingForSlotId,
          position: token.position,
          bumpCount: token.bumpCount,
          rank: token.rank,
          cancelReason: token.cancelReason,
          requestedAt: token.requestedAt.getTime(),
        },
        `token ${doctorId} ${day} #${t.number}`,
      ).toEqual({
        doctorId,
        day,
        number: t.number,
        label: t.label,
        category: t.category,
        status: t.status,
        slotId: t.slotId,
        waitingFor: t.waitingFor,
        position: m.position(t),
        bumpCount: t.bumpCount,
        rank: t.rank,
        cancelReason: t.cancelReason,
        requestedAt: t.requestedAt,
      });
    }
    expect(
      (await real.opd.getWaitlist(doctorId, day)).map((t) => t.tokenNumber),
      `waitlist ${doctorId} ${day}`,
    ).toEqual(m.waitlist().map((t) => t.number));
    const schedule = await real.opd.getSchedule(doctorId, day);
    expect(
      schedule.slots.map((v) => ({ id: v.slot.id, status: v.slot.status, capacity: v.slot.capacity, places: v.places.map((t) => t.tokenNumber) })),
      `slots ${doctorId} ${day}`,
    ).toEqual(m.slots().map((s) => ({ id: s.id, status: s.status, capacity: s.capacity, places: m.places(s.id).map((t) => t.number) })));
  }
}

/** A slot as the model and the scheduler take it. */
interface SlotSpec {
  readonly doctor: number;
  readonly day: number;
  /** Minutes after midnight. */
  readonly minutes: number;
  readonly length: number;
  readonly capacity: number;
  readonly overflow: number;
}

async function addSlot(world: World, real: Real, spec: SlotSpec): Promise<void> {
  const doctorId = DOCTORS[spec.doctor]!.id;
  const id = slotIdOf(doctorId, spec.day, spec.minutes);
  const start = at(spec.day, spec.minutes);
  const end = start + spec.length * MINUTE;
  const m = world.model(doctorId, DAYS[spec.day]!);
  await both(
    () => m.addSlot({ id, start, end, capacity: spec.capacity, overflowCapacity: spec.overflow, status: 'OPEN' }),
    () => real.opd.addSlots(doctorId, [{ id, start: new Date(start), end: new Date(end), capacity: spec.capacity, overflowCapacity: spec.overflow }]),
    `addSlot(${id})`,
  );
}

class AddSlot implements Cmd {
  constructor(readonly spec: SlotSpec) {}
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    await addSlot(world, real, this.spec);
    await agree(world, real);
  }
  toString = (): string => `addSlot(${JSON.stringify(this.spec)})`;
}

/** A booking with a doctor (by index) or with a department (by name), on a day or (`null`) on the day the rules choose. */
class Book implements Cmd {
  constructor(
    readonly by: number | string,
    readonly day: number | null,
    readonly category: Cat,
    readonly patient: number | null,
  ) {}
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    const patientId = this.patient === null ? null : `p${this.patient}`;
    const day = this.day === null ? null : DAYS[this.day]!;
    const who = typeof this.by === 'number' ? { doctorId: DOCTORS[this.by]!.id } : { department: this.by };
    const result = await both(
      () => ('doctorId' in who ? world.book(who.doctorId, day, this.category, patientId) : world.bookDepartment(who.department, day, this.category, patientId)),
      () =>
        real.opd.book({
          ...who,
          ...(day === null ? {} : { date: day }),
          category: this.category,
          patient: { ...(patientId === null ? {} : { id: patientId }), name: 'A patient' },
        }),
      this.toString(),
    );
    if (result !== undefined) {
      const { m, r } = result;
      expect([r.token.id, r.outcome, r.overflow], 'the booking').toEqual([tokenIdOf(m.result.ref), m.result.outcome, m.result.overflow]);
      // The call's own event is not among its effects (what it promoted first is).
      expect(effectsOf(real, r.effects, false), 'effects').toEqual(m.events.filter((_, i) => i !== m.result.own));
    }
    await agree(world, real);
  }
  toString = (): string =>
    `book(${typeof this.by === 'number' ? DOCTORS[this.by]!.id : `department ${this.by}`}, day ${this.day}, ${this.category}, patient ${String(this.patient)})`;
}

type Action = 'cancel' | 'checkIn' | 'startConsultation' | 'complete';
class Transition implements Cmd {
  constructor(
    readonly action: Action,
    readonly token: number,
  ) {}
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    const ref = tokenRef(world, this.token);
    const reason = this.action === 'cancel' && this.token % 2 === 0 ? 'patient called' : null;
    const id = tokenIdOf(ref);
    const result = await both(
      () => world.transition(ref, this.action, reason),
      () => (this.action === 'cancel' ? real.opd.cancel(id, reason === null ? undefined : { reason }) : real.opd[this.action](id)),
      this.toString(),
    );
    if (result !== undefined) expect(effectsOf(real, result.r.effects, false), 'effects').toEqual(result.m.events.slice(1));
    await agree(world, real);
  }
  toString = (): string => `${this.action}(token ref ${this.token})`;
}

/** Where a move goes: a slot; a doctor, a day or both; a time (on a day, with a doctor or not). */
type To =
  | { readonly kind: 'slot'; readonly slot: number }
  | { readonly kind: 'doctor'; readonly doctor: number }
  | { readonly kind: 'date'; readonly day: number; readonly doctor: number | null }
  | { readonly kind: 'after'; readonly day: number; readonly minutes: number; readonly doctor: number | null };

class Move implements Cmd {
  constructor(
    readonly token: number,
    readonly to: To,
    readonly dryRun: boolean,
  ) {}
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    const ref = tokenRef(world, this.token, true);
    const to = this.to;
    // Index 4 names a doctor who does not exist.
    const idOf = (i: number): string => DOCTORS[i]?.id ?? 'd9';
    const doctorId = to.kind === 'doctor' ? idOf(to.doctor) : to.kind !== 'slot' && to.doctor !== null ? idOf(to.doctor) : undefined;
    const target = {
      ...(to.kind === 'slot' ? { slotId: slotRef(world, to.slot) } : {}),
      ...(doctorId === undefined ? {} : { doctorId }),
      ...(to.kind === 'date' ? { date: DAYS[to.day]! } : {}),
      ...(to.kind === 'after' ? { after: at(to.day, to.minutes) } : {}),
    };
    const result = await both(
      () => world.move(ref, target, 'asked', this.dryRun),
      () =>
        real.opd.move(
          tokenIdOf(ref),
          { ...target, after: target.after === undefined ? undefined : new Date(target.after) },
          { reason: 'asked', ...(this.dryRun ? { dryRun: true } : {}) },
        ),
      this.toString(),
    );
    if (result !== undefined) {
      const { m, r } = result;
      expect([r.token.id, r.fromTokenId, r.token.slotId], 'the token moved').toEqual([tokenIdOf(m.result.ref), tokenIdOf(ref), m.result.slotId]);
      // The call's own event is not among its effects (what settling the target day did first is).
      const own = m.events.findIndex((e) => e.type === 'token:moved');
      expect(effectsOf(real, r.effects, this.dryRun), 'effects').toEqual(m.events.filter((_, i) => i !== own));
    }
    await agree(world, real);
  }
  toString = (): string => `move(token ref ${this.token}, ${JSON.stringify(this.to)}${this.dryRun ? ', dry run' : ''})`;
}

class CloseSlots implements Cmd {
  constructor(
    readonly doctor: number,
    readonly day: number,
    /** Minutes after 07:30 of `day`. */
    readonly fromMinute: number,
    readonly minutes: number,
    readonly reassign: boolean,
    readonly dryRun: boolean,
    /** `null`: not given (28 days). */
    readonly horizonDays: number | null = null,
  ) {}
  #leave(): WLeave {
    const from = at(this.day, 7 * 60 + 30 + this.fromMinute);
    return { from, to: from + this.minutes * MINUTE, reason: 'on leave', reassign: this.reassign, dryRun: this.dryRun, horizonDays: this.horizonDays ?? 28 };
  }
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    const doctorId = DOCTORS[this.doctor]!.id;
    const leave = this.#leave();
    const result = await both(
      () => world.closeSlots(doctorId, leave),
      () =>
        real.opd.closeSlots(doctorId, {
          from: new Date(leave.from),
          to: new Date(leave.to),
          reason: 'on leave',
          ...(this.reassign ? { reassign: 'department' as const } : {}),
          ...(this.dryRun ? { dryRun: true } : {}),
          ...(this.horizonDays === null ? {} : { horizonDays: this.horizonDays }),
        }),
      this.toString(),
    );
    if (result !== undefined) expect(effectsOf(real, result.r, this.dryRun), 'effects').toEqual(result.m.events);
    await agree(world, real);
  }
  toString = (): string =>
    `closeSlots(${DOCTORS[this.doctor]!.id}, day ${this.day} +${this.fromMinute}min, ${this.minutes}min${this.reassign ? ', reassign' : ''}${this.dryRun ? ', dry run' : ''}, horizon ${String(this.horizonDays)})`;
}

class Advance implements Cmd {
  constructor(readonly minutes: number) {}
  check = (): boolean => true;
  async run(world: World, real: Real): Promise<void> {
    world.now = Math.min(world.now + this.minutes * MINUTE, LAST_MINUTE);
    real.clock.now = world.now;
    await agree(world, real);
  }
  toString = (): string => `advance(${this.minutes}min)`;
}

/** Doctors and days, the first ones more often, so that days fill up. */
const doctorArb = fc.constantFrom(0, 0, 1, 1, 2, 3);
const dayArb = fc.constantFrom(0, 0, 1, 1, 2);
const patientArb = fc.option(fc.nat(3), { freq: 4, nil: null });
const slotSpecArb: fc.Arbitrary<SlotSpec> = fc.record({
  doctor: doctorArb,
  day: dayArb,
  minutes: fc.integer({ min: 16, max: 26 }).map((h) => h * 30),
  length: fc.constantFrom(30, 60),
  capacity: fc.integer({ min: 0, max: 2 }),
  overflow: fc.integer({ min: 0, max: 1 }),
});
/** Each doctor-day starts with one to three one-hour slots (08:00 to 11:00) of one or two places. */
const layoutArb: fc.Arbitrary<SlotSpec[]> = fc
  .array(fc.subarray([8, 9, 10, 11], { minLength: 1, maxLength: 3 }), { minLength: DOCTORS.length * DAYS.length, maxLength: DOCTORS.length * DAYS.length })
  .chain((perDay) =>
    fc.tuple(
      ...perDay.flatMap((hours, i) =>
        hours.map((h) =>
          fc.record({ capacity: fc.integer({ min: 1, max: 2 }), overflow: fc.integer({ min: 0, max: 1 }) }).map(({ capacity, overflow }): SlotSpec => ({
            doctor: Math.floor(i / DAYS.length),
            day: i % DAYS.length,
            minutes: h * 60,
            length: 60,
            capacity,
            overflow,
          })),
        ),
      ),
    ),
  );

const moveArb: fc.Arbitrary<Cmd> = fc
  .tuple(
    fc.nat(40),
    fc.oneof(
      fc.nat(40).map((slot): To => ({ kind: 'slot', slot })),
      fc.oneof({ weight: 9, arbitrary: doctorArb }, { weight: 1, arbitrary: fc.constant(DOCTORS.length) }).map((doctor): To => ({ kind: 'doctor', doctor })),
      fc.tuple(dayArb, fc.option(doctorArb, { nil: null })).map(([day, doctor]): To => ({ kind: 'date', day, doctor })),
      fc
        .tuple(
          dayArb,
          fc.integer({ min: 16, max: 26 }).map((h) => h * 30),
          fc.option(doctorArb, { nil: null }),
        )
        .map(([day, minutes, doctor]): To => ({ kind: 'after', day, minutes, doctor })),
    ),
    fc.boolean(),
  )
  .map(([t, to, dry]) => new Move(t, to, dry));

/** The commands, weighted by repetition. */
const commandArbs: fc.Arbitrary<Cmd>[] = [
  slotSpecArb.map((s) => new AddSlot(s)),
  fc.tuple(doctorArb, dayArb, fc.constantFrom(...CATS), patientArb).map(([d, day, c, p]) => new Book(d, day, c, p)),
  fc.tuple(doctorArb, fc.option(dayArb, { freq: 2, nil: null }), fc.constantFrom(...CATS), patientArb).map(([d, day, c, p]) => new Book(d, day, c, p)),
  fc
    .tuple(fc.constantFrom('cardiology', 'cardiology', 'cardiology', 'surgery'), dayArb, fc.constantFrom(...CATS), patientArb)
    .map(([dep, day, c, p]) => new Book(dep, day, c, p)),
  fc
    .tuple(fc.constantFrom('cardiology'), fc.option(dayArb, { freq: 2, nil: null }), fc.constantFrom(...CATS), patientArb)
    .map(([dep, day, c, p]) => new Book(dep, day, c, p)),
  fc.tuple(fc.constantFrom<Action>('cancel', 'cancel', 'checkIn', 'startConsultation', 'complete'), fc.nat(40)).map(([a, t]) => new Transition(a, t)),
  moveArb,
  moveArb,
  fc
    .tuple(
      doctorArb,
      dayArb,
      fc.integer({ min: 0, max: 7 * 60 }),
      fc.oneof(fc.integer({ min: 1, max: 3 * 60 }), fc.integer({ min: 6 * 60, max: 2 * 24 * 60 })),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([d, day, f, m, r, dry]) => new CloseSlots(d, day, f, m, r, dry)),
  fc
    .tuple(doctorArb, dayArb, fc.integer({ min: 0, max: 7 * 60 }), fc.integer({ min: 1, max: 24 * 60 }), fc.boolean(), fc.constantFrom(0, 1))
    .map(([d, day, f, m, r, h]) => new CloseSlots(d, day, f, m, r, false, h)),
  fc
    .tuple(fc.integer({ min: 0, max: 2 }), dayArb, fc.integer({ min: 0, max: 4 * 60 }), fc.integer({ min: 30, max: 3 * 60 }), fc.constant(true), fc.boolean())
    .map(([d, day, f, m, r, dry]) => new CloseSlots(d, day, f, m, r, dry)),
  fc.oneof(fc.integer({ min: 1, max: 180 }), fc.integer({ min: 600, max: 1200 })).map((m) => new Advance(m)),
];
const commandsArb = fc.commands(commandArbs, { maxCommands: 50, size: 'max' });

const RUNS = 40;

/** A slot of the examples: `minutes` after midnight, one hour, one place and no overflow. */
const single = (doctor: number, day: number, minutes: number): SlotSpec => ({ doctor, day, minutes, length: 60, capacity: 1, overflow: 0 });

/**
 * Found with a random seed: d1's only slot of the first day holds an emergency, and a leave
 * reassigning to the department, with `horizonDays: 0`, runs from 08:10 on the first day to 08:01
 * on the second. Colleague d3's 08:00 slot of the second day starts before the leave ends, so it
 * is within the days the leave looks at: the emergency moves there rather than waiting on a day
 * with no slot left.
 */
const leaveCoveredDayExample: [MQuota | null, SlotSpec[], Cmd[]] = [
  null,
  // Each doctor's slot on each day, in minutes after midnight.
  [
    [660, 660, 600],
    [600, 600, 660],
    [480, 480, 660],
    [660, 660, 660],
  ].flatMap((days, doctor) => days.map((minutes, day) => single(doctor, day, minutes))),
  [new Book(0, 0, 'EMERGENCY', null), new CloseSlots(0, 0, 40, 1431, true, false, 0)],
];

/**
 * Found with a random seed: two emergencies fill d2's 09:00 slot of the second day, and a leave
 * from 09:37 to 10:01 closes it and the 10:00 slot, with `horizonDays: 1`. On the third day the
 * 10:00 slot starts before the horizon (10:01) and takes the first; the 11:00 slot starts after
 * it, so the second waits on its own day (`emergency:unplaced`) rather than move there, although
 * the day began within the horizon.
 */
const horizonSlotExample: [MQuota | null, SlotSpec[], Cmd[]] = [
  null,
  [{ ...single(1, 1, 540), capacity: 2 }, single(1, 1, 600), single(1, 2, 600), single(1, 2, 660)],
  [new Book(1, 1, 'EMERGENCY', null), new Book(1, 1, 'EMERGENCY', null), new CloseSlots(1, 1, 127, 24, false, false, 1)],
];

/**
 * Found with a random seed: a leave from 07:30 on the first day to 09:00 on the second closes
 * d1's 08:00 slots of both days. The walk-in of the first day goes first, to the free 09:00 place
 * of the second; the follow-up of the second day, with no place left, does not bump the walk-in
 * out of it by a chain (each displaced patient moves once): it waits on its day.
 */
const movedOnceExample: [MQuota | null, SlotSpec[], Cmd[]] = [
  null,
  [single(0, 0, 480), single(0, 1, 480), single(0, 1, 540)],
  [new Book(0, 0, 'WALK_IN', null), new Book(0, 1, 'FOLLOW_UP', null), new CloseSlots(0, 0, 0, 1530, false, false)],
];

/**
 * Found with a random seed: with walk-ins keeping a place in reserve, a paid patient booked by
 * department on the second day waits with d1 (every slot that day is one place). By the time the
 * next department booking comes, later, the reservations have ended: settled, d1's day
 * has promoted its waiting patient and has more places taken than d2's, so the follow-up (whom
 * the quota admits nowhere) waits with d2. Places taken are counted on the settled day.
 */
const settledTakenExample: [MQuota | null, SlotSpec[], Cmd[]] = [
  { FOLLOW_UP: { count: 0 }, WALK_IN: { reserve: 1 } } as MQuota,
  [
    [
      [0, 540],
      [0, 600],
      [1, 540],
      [1, 600],
      [2, 600],
    ],
    [
      [0, 600],
      [1, 600],
      [2, 600],
    ],
    [
      [0, 660],
      [1, 600],
      [2, 540],
    ],
    [
      [0, 660],
      [1, 660],
      [2, 480],
    ],
  ].flatMap((slots, doctor) => slots.map(([day, minutes]) => single(doctor, day!, minutes!))),
  [new Advance(121), new Book('cardiology', 1, 'PAID', null), new Advance(686), new Advance(723), new Book('cardiology', null, 'FOLLOW_UP', null)],
];

/**
 * Found with a random seed: with one place of each slot kept for emergencies, an online patient
 * booked late on the first day waits for d1's only slot of the second day (one place). When that
 * slot starts, the reservation ends, and a leave from the first day to just past its start,
 * reassigning to the department, settles the day first: the patient is promoted into the slot
 * the leave closes, and moves on to colleague d3's two-place slot of the third day (one place
 * left beside the reservation), read although no place of the leave was taken when it began.
 */
const promotedByLeaveExample: [MQuota | null, SlotSpec[], Cmd[]] = [
  { EMERGENCY: { reserve: 1 } } as MQuota,
  [
    [
      [0, 480],
      [0, 600],
      [1, 660],
      [2, 540],
      [2, 660],
    ],
    [
      [0, 660],
      [1, 480],
      [2, 540],
      [2, 660],
    ],
    [
      [0, 480],
      [0, 660],
      [1, 540],
      [2, 480],
      [2, 660, 2],
    ],
    [
      [0, 480],
      [0, 540],
      [1, 480],
      [1, 540],
      [1, 660],
      [2, 540],
    ],
  ].flatMap((slots, doctor) => slots.map(([day, minutes, capacity]) => ({ ...single(doctor, day!, minutes!), capacity: capacity ?? 1 }))),
  [new Advance(70), new Advance(883), new Book(0, null, 'ONLINE', null), new Advance(697), new CloseSlots(0, 0, 0, 1651, true, false)],
];

/**
 * With one place of each slot kept for walk-ins until it starts, an online patient waits for
 * d2's only place at 09:00. At 09:05 that place is open, and a leave of d1 closes its 09:00
 * slot: d2's day is settled before the leave places d1's patient there, so the place goes to the
 * patient who waited for it, and d1's patient waits on their own day.
 */
const openedPlaceExample: [MQuota | null, SlotSpec[], Cmd[]] = [
  { WALK_IN: { reserve: 1 } } as MQuota,
  [{ ...single(0, 0, 540), capacity: 2 }, single(1, 0, 540)],
  [new Book(0, 0, 'ONLINE', null), new Book(1, 0, 'ONLINE', null), new Advance(95), new CloseSlots(0, 0, 0, 180, true, false)],
];

/**
 * A patient holds a token with d2 at 10:00 on the second day and one with d1 at 09:00 on the
 * first. A leave of d1 on the first morning, reassigning to the department, finds no place that
 * day; d1's own first place after it, 08:00 on the second day, would give the patient a second
 * live token in the department that day (a department booking refuses it), so the patient goes
 * to d1's 08:00 place of the third day.
 */
const departmentTwinExample: [MQuota | null, SlotSpec[], Cmd[]] = [
  null,
  [single(0, 0, 540), single(0, 1, 480), single(0, 2, 480), single(1, 1, 600)],
  [new Book(1, 1, 'ONLINE', 1), new Book(0, 0, 'ONLINE', 1), new CloseSlots(0, 0, 0, 180, true, false)],
];

/**
 * As above under the duplicate rule of a department's day, without reassigning: the leave reads
 * the department's days for the rule alone, skips the second day and moves the patient to d1's
 * place of the third.
 */
const departmentDayExample: [MQuota | null, SlotSpec[], Cmd[]] = [
  null,
  [single(0, 0, 540), single(0, 1, 480), single(0, 2, 480), single(1, 1, 600)],
  [new Book(1, 1, 'ONLINE', 1), new Book(0, 0, 'ONLINE', 1), new CloseSlots(0, 0, 0, 180, false, false)],
];

/** One random sequence against a scheduler of `name`'s preset (with a channel quota or not). */
async function sequence(
  name: string,
  quota: MQuota | null,
  layout: readonly SlotSpec[],
  commands: Iterable<Cmd>,
  duplicates: WDuplicates | null = null,
): Promise<void> {
  const clock = { now: START };
  const rules =
    duplicates === null ? {} : { duplicates: { scope: duplicates.scope, ...(duplicates.max === null ? {} : { maxActivePerPatient: duplicates.max }) } };
  const opd = new OpdScheduler({
    ...PRESETS[name]!(),
    ...(quota === null ? {} : { quota: new ChannelQuota(quota) }),
    ...rules,
    clock: () => new Date(clock.now),
  });
  for (const d of DOCTORS) await opd.addDoctor({ id: d.id, name: `Dr ${d.id}`, ...(d.department === null ? {} : { department: d.department }) });
  const world = new World(POLICIES[name]!, START, DOCTORS, DAYS, quota, duplicates);
  const real = { opd, clock };
  for (const spec of layout) await addSlot(world, real, spec);
  await fc.asyncModelRun(() => ({ model: world, real }), commands);
}

/** Sequences every run tries first, by the test's name. */
const EXAMPLES: Readonly<Record<string, readonly [MQuota | null, SlotSpec[], Cmd[]][]>> = {
  standard: [leaveCoveredDayExample, departmentTwinExample],
  cascade: [horizonSlotExample],
  'cascade-chain': [horizonSlotExample, movedOnceExample],
  waitlist: [horizonSlotExample],
  'standard, with a channel quota': [settledTakenExample],
  'waitlist, with a channel quota': [promotedByLeaveExample, openedPlaceExample],
  'standard, duplicates department-day (at most 2)': [departmentDayExample],
};

const CONFIGURATIONS: readonly { readonly name: string; readonly quota: boolean; readonly runs: number; readonly duplicates?: WDuplicates }[] = [
  ...Object.keys(PRESETS).map((name) => ({ name, quota: false, runs: RUNS })),
  { name: 'standard', quota: true, runs: RUNS / 2 },
  { name: 'waitlist', quota: true, runs: RUNS / 2 },
  // The duplicate rules beyond the doctor-day: a department's day with a cap, the facility's day.
  { name: 'standard', quota: false, runs: RUNS / 2, duplicates: { scope: 'department-day', max: 2 } },
  { name: 'cascade', quota: false, runs: RUNS / 2, duplicates: { scope: 'facility-day', max: null } },
  { name: 'waitlist', quota: false, runs: RUNS / 2, duplicates: { scope: 'doctor-day', max: 1 } },
];

describe('over several doctors and days, the scheduler agrees with a reference model after every command', () => {
  for (const { name, quota, runs, duplicates } of CONFIGURATIONS) {
    const title = `${quota ? `${name}, with a channel quota` : name}${duplicates === undefined ? '' : `, duplicates ${duplicates.scope}${duplicates.max === null ? '' : ` (at most ${duplicates.max})`}`}`;
    it(
      title,
      async () => {
        const quotas = quota ? quotaSpecArb.map((q) => q as MQuota) : fc.constant(null);
        await fc.assert(
          fc.asyncProperty(quotas, layoutArb, commandsArb, async (q, layout, commands) => sequence(name, q, layout, commands, duplicates ?? null)),
          { ...fcOptions<[MQuota | null, SlotSpec[], Iterable<Cmd>]>(runs), examples: [...(EXAMPLES[title] ?? [])] },
        );
      },
      timeoutFor(runs, 150),
    );
  }
});
