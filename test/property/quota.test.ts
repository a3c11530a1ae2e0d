/**
 * Quotas under random operation sequences: no call ever takes a channel past its cap (per slot
 * or per day) or takes a place reserved for another channel while the reservation holds;
 * emergencies stay safe (never refused for want of room, never refused a move for want of quota,
 * never waiting while their day has room, never dropped) whatever the quota; a sweep at the
 * clock leaves no patient waiting beside a free place the quota now admits them to; and a quota
 * that admits everyone changes nothing.
 */
import fc from 'fast-check';
import { ChannelQuota, type DaySchedule, type OpdEvent, type QuotaStrategy, type SlotView, type Token } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { checkEmergencies, checkUnplaced, queueOrder } from './invariants.js';
import {
  type ConfigSpec,
  configSpecArb,
  type PresetSpec,
  eligible,
  factsOf,
  fcOptions,
  observeAll,
  type Observed,
  presetSpecArb,
  quotaAdmitsTo,
  type QuotaSpec,
  quotaSpecArb,
  timeoutFor,
} from './support.js';
import { DAYS, DOCTORS, emergencyOpsArb, type Op, opsArb, type Step, World } from './world.js';
import { allHistory } from '../helpers.js';

const MINUTE = 60_000;

/** Schedules and the tokens they list: what the quota looks at. */
async function observeDays(world: World): Promise<Observed> {
  const schedules: DaySchedule[] = [];
  for (const doctor of DOCTORS) for (const day of DAYS) schedules.push(await world.opd.getSchedule(doctor, day));
  const tokens: Token[] = schedules.flatMap((s) => [...s.slots.flatMap((v) => v.places), ...s.waitlist]);
  return { schedules, tokens, historyLength: 0, stats: undefined as never };
}

interface SlotFacts {
  readonly start: number;
  readonly capacity: number;
  readonly places: readonly Token[];
}

function slotsOf(state: Observed): Map<string, SlotFacts & { readonly dayKey: string }> {
  const slots = new Map<string, SlotFacts & { readonly dayKey: string }>();
  for (const s of state.schedules) {
    for (const v of s.slots)
      slots.set(v.slot.id, { start: v.slot.start.getTime(), capacity: v.slot.capacity, places: v.places, dayKey: `${s.doctor.id}~${s.date}` });
  }
  return slots;
}

/**
 * How far a slot is past each limit of the quota, as of `now`, measured against `capacity`
 * (the slot's capacity after the call, so that a lowered capacity is not blamed on the call).
 * Protected tokens (emergencies) are never subject to a quota: they count in no channel's cap and
 * are left out of the places that may not eat into a reservation.
 *
 * `arrivals`, when given, are the tokens the call put into the slot: a call takes a reserved
 * place only by putting another channel's patient into it. A call that only lets someone leave
 * (a cancellation of the reserving channel's patient, say) can uncover an intrusion that an
 * earlier lowered capacity left, masked while the reservation was filled; that is not the call's.
 */
function excesses(
  quota: QuotaSpec,
  slot: SlotFacts,
  dayPlaces: readonly Token[],
  capacity: number,
  now: number,
  isProtected: (c: string) => boolean,
  reservationsMeasured: boolean,
  arrivals?: readonly Token[],
): number[] {
  const out: number[] = [];
  const inSlot = (c: string): number => slot.places.filter((t) => t.category === c).length;
  for (const [category, rule] of Object.entries(quota)) {
    if (isProtected(category)) continue;
    const cap = Math.min(rule.share === undefined ? Infinity : Math.floor(rule.share * capacity + 1e-9), rule.count ?? Infinity);
    out.push(Math.max(0, inSlot(category) - cap));
    if (rule.perDay !== undefined) out.push(Math.max(0, dayPlaces.filter((t) => t.category === category).length - rule.perDay));
  }
  // Each reservation still holding and not yet filled by its channel: other channels' places
  // (emergencies aside) leave it room. (Only measured when no unprotected channel may hold an
  // elastic place: such a place, taken while the reservation was filled, would look like an
  // intrusion once the reserving channel's patient leaves.)
  for (const [category, rule] of Object.entries(quota)) {
    const intruded = arrivals === undefined || arrivals.some((t) => t.category !== category && !isProtected(t.category));
    if (
      !reservationsMeasured ||
      !intruded ||
      rule.reserve === undefined ||
      inSlot(category) >= rule.reserve ||
      now >= slot.start - (rule.releaseMinutesBefore ?? 0) * MINUTE
    ) {
      out.push(0);
      continue;
    }
    const others = slot.places.filter((t) => t.category !== category && !isProtected(t.category)).length;
    out.push(Math.max(0, others - Math.max(0, capacity - rule.reserve)));
  }
  return out;
}

/** No call takes a slot or day further past any limit of the quota than it was. */
function checkQuota(quota: QuotaSpec, spec: ConfigSpec, now: number, before: Observed, after: Observed, call: string | null): void {
  const facts = factsOf(spec);
  const isProtected = (c: string): boolean => facts.protectedCategories.has(c);
  const measured = [...facts.elasticCategories].every(isProtected);
  const was = slotsOf(before);
  const dayPlaces = (state: Map<string, SlotFacts & { dayKey: string }>, dayKey: string): Token[] =>
    [...state.values()].filter((s) => s.dayKey === dayKey).flatMap((s) => s.places);
  const is = slotsOf(after);
  for (const [id, slot] of is) {
    const prev = was.get(id) ?? { ...slot, places: [] };
    // Lowering a capacity displaces by rank, never for a quota (docs/rules.md): the reserving
    // channel's own patient may be the one who leaves, and the reservation it filled is then
    // held by a better-ranked patient of another channel. Reservations are not measured across
    // a lowered capacity; every cap still is.
    const reservations = measured && slot.capacity >= prev.capacity;
    const arrivals = slot.places.filter((t) => !prev.places.some((p) => p.id === t.id));
    const afterEx = excesses(quota, slot, dayPlaces(is, slot.dayKey), slot.capacity, now, isProtected, reservations, arrivals);
    const beforeEx = excesses(quota, prev, dayPlaces(was, slot.dayKey), slot.capacity, now, isProtected, reservations);
    afterEx.forEach((e, k) => {
      expect(e, `${call ?? 'advance'}: slot ${id} goes past limit #${k} of ${JSON.stringify(quota)}`).toBeLessThanOrEqual(beforeEx[k]!);
    });
  }
}

/**
 * A move of a protected token (an emergency) is never refused for want of quota: when it is
 * refused `SLOT_FULL`, the slot it asked for, or every usable slot of the day and doctor it went
 * to (open, not ended, not its own, not before `after`), had no free place once that day was
 * settled. A move to another day or doctor settles its target day as a booking does (docs/rules.md,
 * Moving a patient), and so does a move within a day where a hold has ended: the holds that ended
 * are released, and the waitlist takes the free places the quota now admits it to (a reservation
 * that ended opens its places to the patients waiting for them first) — those places were never
 * the emergency's to take. A day where a protected patient waits is not checked: its promotion
 * may take an elastic place or bump, which a check cannot follow without rerunning the rules.
 */
function checkProtectedMove(
  strategy: QuotaStrategy,
  spec: ConfigSpec,
  world: World,
  op: Op & { op: 'move' },
  tokenId: string,
  slotId: string | null,
  before: Observed,
  step: Step,
): void {
  if (step.outcome === null || step.outcome.ok || step.outcome.code !== 'SLOT_FULL') return;
  const token = before.tokens.find((t) => t.id === tokenId);
  const isProtected = (c: string): boolean => factsOf(spec).protectedCategories.has(c);
  if (token === undefined || !isProtected(token.category)) return;
  const doctorId = op.doctor === null ? token.doctorId : DOCTORS[op.doctor]!;
  const after = op.afterHour === null ? undefined : Date.parse(`${DAYS[op.date ?? 0]}T${String(op.afterHour).padStart(2, '0')}:00:00Z`);
  const day = op.date !== null ? DAYS[op.date]! : after !== undefined ? DAYS[0] : token.day;
  const schedule = before.schedules.find((s) => (slotId === null ? s.doctor.id === doctorId && s.date === day : s.slots.some((v) => v.slot.id === slotId)));
  if (schedule === undefined) return;
  const now = world.now;
  const usable = (slot: SlotView['slot']): boolean => slot.status === 'OPEN' && slot.end.getTime() > now;
  // Places as the settled day has them: holds that ended released, then the waitlist promoted.
  const places = schedule.slots.map(({ places: p }) => p.filter((t) => !(t.status === 'HELD' && t.holdExpiresAt !== null && t.holdExpiresAt.getTime() <= now)));
  const holdEnded = places.some((p, i) => p.length < schedule.slots[i]!.places.length);
  const crossDay = doctorId !== token.doctorId || schedule.date !== token.day;
  if (crossDay || holdEnded) {
    const waiting = [...schedule.waitlist].sort(queueOrder);
    if (waiting.some((t) => isProtected(t.category))) return;
    const promoted = new Set<string>();
    schedule.slots.forEach(({ slot }, i) => {
      if (!usable(slot)) return;
      for (const t of waiting) {
        if (places[i]!.length >= slot.capacity) break;
        if (promoted.has(t.id) || !eligible(t, slot) || !quotaAdmitsTo(strategy, t, slot, places[i]!, places.flat(), now)) continue;
        promoted.add(t.id);
        places[i] = [...places[i]!, t];
      }
    });
  }
  const free = schedule.slots
    .filter(
      ({ slot }, i) =>
        (slotId !== null ? slot.id === slotId : usable(slot) && slot.id !== token.slotId && (after === undefined || slot.start.getTime() >= after)) &&
        places[i]!.length < slot.capacity,
    )
    .map(({ slot }) => slot.id);
  expect(free, `an emergency is never refused a move for want of quota: ${step.call}`).toEqual([]);
}

/**
 * After a sweep at the clock, every day is at rest under the quota as it stands now: no patient
 * (emergencies aside: {@link checkEmergencies}) waits while a usable slot they may be promoted
 * into has a free place the quota admits them to — a reservation that ended since the last call
 * opened its places to the waitlist.
 */
function checkOpened(strategy: QuotaStrategy, spec: ConfigSpec, now: number, state: Observed, call: string | null): void {
  const isProtected = (c: string): boolean => factsOf(spec).protectedCategories.has(c);
  for (const schedule of state.schedules) {
    const waiting = new Map<string, Token>();
    for (const t of [...schedule.waitlist, ...schedule.slots.flatMap((v) => v.waitlist)]) if (t.status === 'WAITLISTED') waiting.set(t.id, t);
    const dayPlaces = schedule.slots.flatMap((v) => v.places);
    for (const { slot, places } of schedule.slots) {
      if (slot.status !== 'OPEN' || slot.end.getTime() <= now || places.length >= slot.capacity) continue;
      for (const t of waiting.values()) {
        if (isProtected(t.category) || !eligible(t, slot)) continue;
        const admitted = quotaAdmitsTo(strategy, t, slot, places, dayPlaces, now);
        expect(admitted, `${call ?? 'sweep'}: ${t.id} waits while the quota admits it to a free place of ${slot.id}`).toBe(false);
      }
    }
  }
}

async function runWithQuota(spec: ConfigSpec, quota: QuotaSpec, ops: readonly Op[]): Promise<void> {
  const strategy = new ChannelQuota(quota);
  const world = await World.create(spec, undefined, { quota: strategy });
  const f = factsOf(spec);
  let before = await observeDays(world);
  let seen = 0;
  for (const op of ops) {
    const moving = op.op === 'move' ? { op, tokenId: world.tokenRef(op.token), slotId: op.slot === null ? null : world.slotRef(op.slot) } : undefined;
    const step = await world.run(op);
    const after = await observeDays(world);
    checkQuota(quota, spec, world.now, before, after, step.call);
    if (moving !== undefined) checkProtectedMove(strategy, spec, world, moving.op, moving.tokenId, moving.slotId, before, step);
    checkEmergencies(spec, world, after);
    if (op.op === 'sweep' && !op.explicitNow && step.outcome?.ok === true) checkOpened(strategy, spec, world.now, after, step.call);
    if (step.outcome !== null && !step.outcome.ok) {
      expect(after, `a failed call changes nothing: ${step.call}`).toEqual(before);
      if (op.op === 'book' && f.protectedCategories.has(op.category)) {
        expect(step.outcome.code, `an emergency is never refused for want of room: ${step.call}`).not.toBe('SLOT_FULL');
      }
    } else if (step.outcome !== null) {
      const history: OpdEvent[] = await allHistory(world.opd, seen);
      seen = history.at(-1)?.seq ?? seen;
      checkUnplaced(spec, history, after);
    }
    before = after;
  }
}

/**
 * A slot of 2 holds an online patient (the channel's one reserved place, filled) and a paid one;
 * its capacity is lowered to 1. The online patient, worse-ranked, is the one displaced, and the
 * paid patient keeps a place the reservation would have kept for an online one: the rule (a
 * quota never takes a place away; lowering displaces by rank) and not an intrusion. Found by a
 * random seed (-238153385); kept so that every run tries it.
 */
const reserveLoweredExample: [ConfigSpec, QuotaSpec, Op[]] = [
  { kind: 'standard', options: {} },
  { ONLINE: { reserve: 1 } },
  [
    {
      op: 'addSlots',
      doctor: 0,
      slots: [
        { day: 2, hour: 8, minutes: 30, capacity: 1, overflowCapacity: null, named: false },
        { day: 0, hour: 8, minutes: 30, capacity: 2, overflowCapacity: null, named: false },
      ],
    },
    { op: 'book', doctor: 0, category: 'ONLINE', slot: 3, patient: null, age: null, date: null, afterHour: null, key: null },
    { op: 'book', doctor: 0, category: 'PAID', slot: null, patient: null, age: null, date: null, afterHour: null, key: 0 },
    { op: 'setCapacity', slot: 11, capacity: 1, dryRun: false },
    { op: 'book', doctor: 0, category: 'EMERGENCY', slot: 0, patient: null, age: null, date: null, afterHour: null, key: null },
  ],
];

/**
 * An emergency reservation of one place in a slot of 1. Raising the slot to 2 promotes a
 * follow-up (one place is the reservation's, one is free); lowering it back to 1 keeps the
 * follow-up (lowering displaces by rank, never for a quota). An emergency then fills the
 * reservation by overflow, and its cancellation uncovers the follow-up again: the cancellation put
 * no one into the slot and takes no reserved place. Found by a random seed (-1193077516); kept so
 * that every run tries it.
 */
const reserveUncoveredExample: [ConfigSpec, QuotaSpec, Op[]] = [
  { kind: 'standard', options: {} },
  { EMERGENCY: { reserve: 1 } },
  [
    {
      op: 'addSlots',
      doctor: 0,
      slots: [
        { day: 0, hour: 8, minutes: 30, capacity: 1, overflowCapacity: null, named: false },
        { day: 0, hour: 9, minutes: 30, capacity: 1, overflowCapacity: null, named: false },
      ],
    },
    { op: 'book', doctor: 0, category: 'EMERGENCY', slot: 0, patient: null, age: null, date: null, afterHour: null, key: null },
    { op: 'book', doctor: 0, category: 'FOLLOW_UP', slot: 0, patient: null, age: null, date: null, afterHour: null, key: null },
    { op: 'setCapacity', slot: 3, capacity: 2, dryRun: false },
    { op: 'setCapacity', slot: 3, capacity: 1, dryRun: false },
    { op: 'book', doctor: 0, category: 'EMERGENCY', slot: 1, patient: null, age: null, date: null, afterHour: null, key: null },
    { op: 'cancel', token: 2 },
  ],
];

/**
 * A walk-in reservation keeps the last place of a 09:00 slot of 2 until 07:30; a paid patient
 * waits for it. At 07:40 the reservation has ended: the sweep at the clock promotes the paid
 * patient, on a day with nobody due for a no-show. Kept so that every run tries it.
 */
const reserveEndedExample: [ConfigSpec, QuotaSpec, Op[]] = [
  { kind: 'standard', options: {} },
  { WALK_IN: { reserve: 1, releaseMinutesBefore: 90 } },
  [
    { op: 'addSlots', doctor: 0, slots: [{ day: 0, hour: 9, minutes: 60, capacity: 2, overflowCapacity: null, named: false }] },
    { op: 'book', doctor: 0, category: 'PAID', slot: null, patient: null, age: null, date: null, afterHour: null, key: null },
    { op: 'book', doctor: 0, category: 'PAID', slot: null, patient: null, age: null, date: null, afterHour: null, key: null },
    { op: 'advance', minutes: 40 },
    { op: 'sweep', explicitNow: false, shiftMinutes: 0 },
  ],
];

const RUNS = 300;

/**
 * A walk-in reservation keeps the second place of a 08:00 slot until 07:30, so an online patient
 * waits for it; an emergency asking for a slot from 09:00 takes an elastic place on the next day.
 * At 07:30 the reservation has ended and the emergency is moved back to the first day: that day
 * is settled first, as a booking settles it, and the online patient who waited for the place
 * takes it — the move is refused `SLOT_FULL`, as it would be after a sweep, and not for want of
 * quota (the emergency keeps its place). Found by a random seed (-364718455); kept so that every
 * run tries it.
 */
const reserveEndedMoveExample: [PresetSpec, QuotaSpec, Op[]] = [
  { kind: 'elastic', options: {} },
  { WALK_IN: { share: 0.5, count: 2, perDay: 3, reserve: 1, releaseMinutesBefore: 30 } },
  [
    {
      op: 'addSlots',
      doctor: 0,
      slots: [
        { day: 0, hour: 8, minutes: 30, capacity: 2, overflowCapacity: null, named: false },
        { day: 1, hour: 8, minutes: 30, capacity: 0, overflowCapacity: null, named: false },
      ],
    },
    { op: 'book', doctor: 0, category: 'EMERGENCY', slot: 0, patient: null, age: null, date: null, afterHour: null, key: null },
    { op: 'book', doctor: 0, category: 'ONLINE', slot: 0, patient: null, age: null, date: null, afterHour: null, key: null },
    { op: 'advance', minutes: 30 },
    { op: 'book', doctor: 0, category: 'EMERGENCY', slot: null, patient: null, age: null, date: null, afterHour: 9, key: null },
    { op: 'move', token: 11, slot: null, doctor: null, date: 0, afterHour: null, dryRun: false },
    { op: 'book', doctor: 0, category: 'EMERGENCY', slot: null, patient: null, age: null, date: null, afterHour: null, key: null },
  ],
];

describe('quotas after random operation sequences', () => {
  it(
    'no quota is ever exceeded, and emergencies stay safe, under every preset',
    async () => {
      await fc.assert(
        fc.asyncProperty(presetSpecArb, quotaSpecArb, emergencyOpsArb(30), async (spec, quota, ops) => {
          await runWithQuota(spec, quota, ops);
        }),
        { ...fcOptions<[PresetSpec, QuotaSpec, Op[]]>(RUNS), examples: [reserveEndedMoveExample] },
      );
    },
    timeoutFor(RUNS, 40),
  );

  it(
    'no quota is ever exceeded under random compositions of the built-in strategies',
    async () => {
      await fc.assert(
        fc.asyncProperty(configSpecArb, quotaSpecArb, opsArb(30), async (spec, quota, ops) => {
          await runWithQuota(spec, quota, ops);
        }),
        { ...fcOptions<[ConfigSpec, QuotaSpec, Op[]]>(RUNS), examples: [reserveLoweredExample, reserveUncoveredExample, reserveEndedExample] },
      );
    },
    timeoutFor(RUNS, 40),
  );

  it(
    'a quota that admits everyone changes nothing',
    async () => {
      const open: QuotaStrategy = { name: 'open', admits: () => true };
      await fc.assert(
        fc.asyncProperty(configSpecArb, opsArb(25), async (spec, ops) => {
          const trace = async (quota: QuotaStrategy | undefined): Promise<unknown[]> => {
            const world = await World.create(spec, undefined, quota === undefined ? {} : { quota });
            const out: unknown[] = [];
            for (const op of ops) out.push((await world.run(op)).outcome);
            out.push(await observeAll(world.opd, DOCTORS, DAYS, world.tokenIds), await allHistory(world.opd));
            return out;
          };
          expect(await trace(open)).toEqual(await trace(undefined));
        }),
        fcOptions(Math.ceil(RUNS / 3)),
      );
    },
    timeoutFor(RUNS, 40),
  );
});
