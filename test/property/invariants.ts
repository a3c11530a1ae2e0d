/**
 * The rules of DESIGN §4 as checks on observed state, written from the design (not from src/):
 * each function throws (through `expect`) with a message naming the rule it found broken.
 */
import type { BookingRequest, BookingResult, DaySchedule, Doctor, Effect, MoveResult, OpdEvent, SlotView, Token, TransitionResult } from 'opd-scheduler';
import { expect } from 'vitest';
import { EmergencyOracle, type Room } from './emergency.js';
import { type ConfigSpec, eligible, factsOf, type Observed } from './support.js';
import { DAYS, DOCTORS, type Op, type Step, type World } from './world.js';

// A hold is a place, and live: it counts against capacity like a booking.
const PLACE = new Set(['BOOKED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED', 'HELD']);
const LIVE = new Set(['BOOKED', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION', 'HELD']);
const STATUSES = new Set(['BOOKED', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED', 'CANCELLED', 'NO_SHOW', 'DROPPED', 'HELD']);
/** The minutes per consultation the world starts with: `d1` the scheduler's, `d2` its own. */
const CONSULT: Readonly<Record<string, number>> = { d1: 5, d2: 10 };
const MINUTE = 60_000;

const STANDARD = { EMERGENCY: 1, PAID: 2, FOLLOW_UP: 3, ONLINE: 4, WALK_IN: 5 } as const;

/**
 * When a token is due (DESIGN §9, aging): the later of its request and the start of what it asks
 * for — its `notBefore` (slot asked for, `after`, or the slot it was displaced from), else its day
 * (the worlds run in UTC).
 */
export function dueOf(token: Pick<Token, 'requestedAt' | 'day' | 'notBefore'>): number {
  return Math.max(token.requestedAt.getTime(), token.notBefore?.getTime() ?? Number.NEGATIVE_INFINITY, Date.parse(`${token.day}T00:00:00Z`));
}

/** The rank a configuration gives a token at `now` after `bumpCount` bumps (DESIGN §5, policies doc). */
export function expectedRank(
  spec: ConfigSpec,
  token: Pick<Token, 'category' | 'patient' | 'requestedAt' | 'day' | 'notBefore'>,
  now: number,
  bumpCount: number,
): number {
  const category = token.category as keyof typeof STANDARD;
  const improve = (rank: number, levels: number, minRank: number): number => (rank <= minRank ? rank : Math.max(rank - levels, minRank));
  switch (spec.kind) {
    case 'standard':
    case 'waitlist':
      return STANDARD[category];
    case 'cascade':
      return category === 'WALK_IN' ? 4 : STANDARD[category];
    case 'elastic':
      if (spec.options.walkInBeforeOnline === true && (category === 'WALK_IN' || category === 'ONLINE')) return category === 'WALK_IN' ? 4 : 5;
      return STANDARD[category];
    case 'custom': {
      let rank: number = spec.ranks[category];
      const age = token.patient['age'];
      if (spec.senior !== null && typeof age === 'number' && age >= spec.senior.age) rank = improve(rank, spec.senior.levels, spec.senior.minRank);
      if (spec.aging !== null) {
        let levels = spec.aging.perBump ? bumpCount : 0;
        const waited = now - dueOf(token);
        if (spec.aging.everyMinutes !== null && waited > 0) levels += Math.floor(waited / (spec.aging.everyMinutes * MINUTE));
        if (levels > 0) rank = improve(rank, levels, spec.aging.minRank);
      }
      return rank;
    }
  }
}

/** Queue order of tokens as a user sees them: rank, then request time, then token number. */
export const queueOrder = (a: Token, b: Token): number => a.rank - b.rank || a.requestedAt.getTime() - b.requestedAt.getTime() || a.tokenNumber - b.tokenNumber;

/** Invariants of one observed state (at rest, after a call). */
export function checkState(spec: ConfigSpec, world: World, state: Observed): void {
  const facts = factsOf(spec);
  const now = world.now;
  const byId = new Map(state.tokens.map((t) => [t.id, t]));
  // Labels: unique per doctor-day, whatever the series; with one series, the token number.
  const labels = new Set<string>();
  for (const t of state.tokens) {
    const key = `${t.doctorId}~${t.day}~${t.label}`;
    expect(labels.has(key), `${t.id}: label ${t.label} unique in its doctor-day`).toBe(false);
    labels.add(key);
    expect(t.label, `${t.id}: the label is the token number`).toBe(String(t.tokenNumber));
    expect(t.holdExpiresAt !== null, `${t.id}: a deadline exactly while HELD`).toBe(t.status === 'HELD');
  }
  const listed = new Map<string, string>();
  const slots = new Map<string, SlotView['slot']>();

  for (const schedule of state.schedules) {
    // A retired doctor keeps no open slot past the retirement that has not ended: the retirement
    // closed them, and none is added or reopened since.
    const retiredFrom = schedule.doctor.retiredFrom?.getTime();
    if (retiredFrom !== undefined) {
      const open = schedule.slots.filter((v) => v.slot.status === 'OPEN' && v.slot.end.getTime() > Math.max(now, retiredFrom));
      expect(
        open.map((v) => v.slot.id),
        `${schedule.doctor.id} retired: no open slot past the retirement`,
      ).toEqual([]);
    }
    // As the doctor is now (a doctor's minutes may have been changed), else the scheduler's.
    const consult = schedule.doctor.consultMinutes ?? CONSULT['d1']!;
    let previousStart = Number.NEGATIVE_INFINITY;
    for (const view of schedule.slots) {
      const { slot, places } = view;
      const where = `slot ${slot.id}`;
      slots.set(slot.id, slot);
      expect(slot.start.getTime(), `${where}: slots in time order`).toBeGreaterThan(previousStart);
      previousStart = slot.start.getTime();
      const occupancy = places.length;
      // Capacity: never above capacity + elastic allowance; only elastic categories above capacity.
      expect(occupancy, `${where}: occupancy within capacity + elastic allowance`).toBeLessThanOrEqual(
        slot.capacity + facts.elasticLimit(slot.overflowCapacity),
      );
      const inelastic = places.filter((t) => !facts.elasticCategories.has(t.category)).length;
      expect(inelastic, `${where}: only categories allowed elastic places are above capacity`).toBeLessThanOrEqual(slot.capacity);
      // The views count the places as of now: a hold whose end has passed holds none, swept or not.
      const counted = places.filter((t) => !(t.status === 'HELD' && t.holdExpiresAt!.getTime() <= now)).length;
      expect(view.free, `${where}: free`).toBe(Math.max(0, slot.capacity - counted));
      expect(view.overflowUsed, `${where}: overflowUsed`).toBe(Math.max(0, counted - slot.capacity));
      if (slot.status === 'CLOSED') {
        expect(
          places.filter((t) => LIVE.has(t.status)).map((t) => t.id),
          `${where}: a closed slot holds no live places`,
        ).toEqual([]);
      }
      // Places: in queue order, with positions and estimates. Under a call order, in the order of
      // their turns: those seen or in consultation (queue order), then the checked-in patients in
      // the order they will be called, then the others still waiting (queue order).
      if (spec.callOrder === undefined) {
        expect(
          [...places].sort(queueOrder).map((t) => t.id),
          `${where}: places in queue order`,
        ).toEqual(places.map((t) => t.id));
      } else {
        const group = (t: Token): number => (t.status === 'IN_CONSULTATION' || t.status === 'COMPLETED' ? 0 : t.status === 'CHECKED_IN' ? 1 : 2);
        const groups = places.map(group);
        expect(
          [...groups].sort((a, b) => a - b),
          `${where}: places by turn (seen, checked in, waiting)`,
        ).toEqual(groups);
        for (const g of [0, 2]) {
          const ids = places.filter((t) => group(t) === g);
          expect(
            [...ids].sort(queueOrder).map((t) => t.id),
            `${where}: places of group ${g} in queue order`,
          ).toEqual(ids.map((t) => t.id));
        }
      }
      places.forEach((t, i) => {
        expect(PLACE.has(t.status), `${where}: ${t.id} is a place`).toBe(true);
        expect(t.slotId, `${where}: ${t.id} slotId`).toBe(slot.id);
        expect(t.position, `${where}: ${t.id} position`).toBe(i + 1);
        expect(listed.has(t.id), `${t.id} listed once`).toBe(false);
        listed.set(t.id, slot.id);
        expect(byId.get(t.id), `${t.id}: getToken agrees with the slot view`).toEqual(t);
      });
      // The slot's waitlist: the eligible waiting tokens, in promotion order, while it is usable.
      const usable = slot.status === 'OPEN' && slot.end.getTime() > now;
      const eligibleHere = usable ? schedule.waitlist.filter((t) => eligible(t, slot)) : [];
      expect(
        view.waitlist.map((t) => t.id),
        `${where}: its waitlist`,
      ).toEqual(eligibleHere.map((t) => t.id));
      // At rest, no usable slot has a free place while an eligible token waits.
      if (usable && occupancy < slot.capacity) {
        expect(
          eligibleHere.map((t) => t.id),
          `${where} has a free place while eligible tokens wait`,
        ).toEqual([]);
      }
    }
    checkEstimates(schedule, consult, now, spec.callOrder !== undefined, facts.protectedCategories);
    // Promotion order: the protected tokens (emergencies) first, as the emergency rule places them; each group in queue order.
    const promotionOrder = (a: Token, b: Token): number =>
      Number(facts.protectedCategories.has(b.category)) - Number(facts.protectedCategories.has(a.category)) || queueOrder(a, b);
    expect(
      [...schedule.waitlist].sort(promotionOrder).map((t) => t.id),
      `waitlist of ${schedule.doctor.id} ${schedule.date} in promotion order`,
    ).toEqual(schedule.waitlist.map((t) => t.id));
    for (const t of schedule.waitlist) {
      expect(t.status, `${t.id} on the waitlist`).toBe('WAITLISTED');
      expect(t.slotId, `${t.id}: a waitlisted token has no slot`).toBeNull();
      expect(listed.has(t.id), `${t.id} listed once`).toBe(false);
      listed.set(t.id, 'waitlist');
      expect(byId.get(t.id), `${t.id}: getToken agrees with the waitlist`).toEqual(t);
    }
  }

  // Every token is in exactly one state, and where that state says.
  const numbers = new Map<string, number[]>();
  for (const t of state.tokens) {
    expect(STATUSES.has(t.status), `${t.id}: a known status`).toBe(true);
    if (PLACE.has(t.status)) {
      expect(t.slotId, `${t.id}: a place has a slot`).not.toBeNull();
      expect(listed.get(t.id), `${t.id}: listed in its slot`).toBe(t.slotId);
      const slot = slots.get(t.slotId!)!;
      if (t.notBefore !== null) expect(slot.start.getTime(), `${t.id}: never placed before it asked`).toBeGreaterThanOrEqual(t.notBefore.getTime());
    } else if (t.status === 'WAITLISTED') {
      expect(listed.get(t.id), `${t.id}: listed on its waitlist`).toBe('waitlist');
    } else {
      expect(t.slotId, `${t.id}: a finished token holds no slot`).toBeNull();
      expect(listed.has(t.id), `${t.id}: a finished token is listed nowhere`).toBe(false);
      expect(t.position).toBeNull();
    }
    if (t.status !== 'WAITLISTED') expect(t.waitingForSlotId, `${t.id}: waits for a slot only while waitlisted`).toBeNull();
    expect(t.bumpCount, `${t.id}: bump limit`).toBeLessThanOrEqual(facts.bumpLimit);
    if (!facts.mayDrop) expect(t.status, `${t.id}: this policy never drops`).not.toBe('DROPPED');
    expect(t.id.endsWith(`~${t.tokenNumber}`), `${t.id}: id carries the token number`).toBe(true);
    const key = `${t.doctorId}~${t.day}`;
    numbers.set(key, [...(numbers.get(key) ?? []), t.tokenNumber]);
  }
  // One live token per patient per doctor-day (duplicates are not allowed in these worlds).
  const holders = new Map<string, string>();
  for (const t of state.tokens) {
    if (!LIVE.has(t.status) || t.patient.id === undefined) continue;
    const key = `${t.doctorId}~${t.day}~${t.patient.id}`;
    expect(holders.get(key), `${t.id}: patient ${t.patient.id} holds one live token per doctor-day`).toBeUndefined();
    holders.set(key, t.id);
  }
  expect(listed.size, 'every listed token is a known token').toBe([...listed.keys()].filter((id) => byId.has(id)).length);
  // Token numbers: 1..n per doctor-day — unique, none skipped by a failed call, none reused.
  for (const [key, list] of numbers) {
    expect(
      [...list].sort((a, b) => a - b),
      `token numbers of ${key}`,
    ).toEqual(list.map((_, i) => i + 1));
  }
  checkStats(state);
  checkEmergencies(spec, world, state);
  expect(state.stats.tokens, 'stats count every token').toBe(state.tokens.length);
  for (const status of STATUSES) {
    expect(state.stats.byStatus[status as Token['status']], `stats.byStatus.${status}`).toBe(state.tokens.filter((t) => t.status === status).length);
  }
}

/**
 * Live estimates, computed here from what a user sees: the doctor sees waiting patients one after
 * another, slot by slot in time order and in queue order within a slot, at the day's pace (the
 * configured minutes counted twice, plus the gaps between the last ten completions, each at most
 * three consultation times, averaged), never before now, the end of the consultation in progress
 * (its start plus the pace) or the slot's start. So estimates of waiting patients never decrease
 * along the day's queue and are never in the past; `estimateStatus` says when one falls after its
 * slot's end. Emergencies (`protectedCategories`) checked in are called before anyone else: when
 * one of them comes after another checked-in patient slot by slot, they take the first turns.
 */
export function checkEstimates(
  schedule: DaySchedule,
  consultMinutes: number,
  now: number,
  callOrder = false,
  protectedCategories: ReadonlySet<string> = new Set(['EMERGENCY']),
): void {
  const prior = consultMinutes * MINUTE;
  const places = schedule.slots.flatMap((v) => v.places);
  const completions = places
    .filter((t) => t.status === 'COMPLETED')
    .map((t) => t.updatedAt.getTime())
    .sort((a, b) => a - b);
  const gaps = completions
    .slice(1)
    .map((c, k) => Math.min(c - completions[k]!, 3 * prior))
    .slice(-10);
  const pace = (2 * prior + gaps.reduce((a, b) => a + b, 0)) / (2 + gaps.length);
  const started = places.filter((t) => t.status === 'IN_CONSULTATION').map((t) => t.updatedAt.getTime());
  let cursor = started.length === 0 ? now : Math.max(now, Math.max(...started) + pace);
  let previous = Number.NEGATIVE_INFINITY;
  // Without a call order, the checked-in emergencies when one of them comes after another
  // checked-in patient (places are listed slot by slot in queue order): they are called first.
  const urgent = places.filter((t) => t.status === 'CHECKED_IN' && protectedCategories.has(t.category));
  const outOfOrder =
    !callOrder && urgent.some((e) => places.slice(0, places.indexOf(e)).some((t) => t.status === 'CHECKED_IN' && !protectedCategories.has(t.category)));
  const first = new Set(callOrder ? places.filter((t) => t.status === 'CHECKED_IN') : outOfOrder ? urgent : []);
  if (first.size > 0) {
    // Under a call order the checked-in patients take the first turns, one pace each from when
    // the doctor is free, in the order they will be called (whatever their slots), then the
    // others slot by slot as without one; without one, the emergencies called first do.
    const checkedIn = [...first];
    const turns = checkedIn.map((t) => t.estimatedStart!.getTime()).sort((a, b) => a - b);
    turns.forEach((estimate, k) => expect(estimate, `checked-in turn ${k + 1} at ${new Date(now).toISOString()}`).toBeCloseTo(cursor + k * pace, 3));
    for (const view of schedule.slots) {
      for (const t of view.places) {
        if (t.status !== 'CHECKED_IN') continue;
        const estimate = t.estimatedStart!.getTime();
        expect(t.estimateStatus, `${t.id}: after its slot's end, and says so`).toBe(estimate >= view.slot.end.getTime() ? 'AFTER_SLOT' : 'ON_TIME');
      }
    }
    cursor += checkedIn.length * pace;
    previous = cursor - pace;
  }
  for (const view of schedule.slots) {
    let at = Math.max(cursor, view.slot.start.getTime());
    for (const t of view.places) {
      const where = `${t.id} in ${view.slot.id} at ${new Date(now).toISOString()}`;
      const estimate = t.estimatedStart!.getTime();
      if (t.status === 'IN_CONSULTATION') {
        expect([estimate, t.estimateStatus], `${where}: in consultation since it started`).toEqual([t.updatedAt.getTime(), 'IN_CONSULTATION']);
      } else if (t.status === 'COMPLETED') {
        expect(t.estimateStatus, where).toBe('COMPLETED');
        expect(estimate, `${where}: completed, started one pace before`).toBeCloseTo(t.updatedAt.getTime() - pace, 3);
      } else if (first.has(t)) {
        continue;
      } else {
        expect(estimate, `${where}: the live estimate`).toBeCloseTo(at, 3);
        expect(estimate, `${where}: never in the past while waiting`).toBeGreaterThanOrEqual(now);
        expect(estimate, `${where}: never before its slot`).toBeGreaterThanOrEqual(view.slot.start.getTime());
        expect(estimate, `${where}: monotone along the day's queue`).toBeGreaterThanOrEqual(previous);
        expect(t.estimateStatus, `${where}: after its slot's end, and says so`).toBe(estimate >= view.slot.end.getTime() ? 'AFTER_SLOT' : 'ON_TIME');
        previous = estimate;
        at += pace;
      }
    }
    cursor = at;
  }
}

/** Stats agree with the schedules and tokens they summarize. */
function checkStats(state: Observed): void {
  const views = state.schedules.flatMap((s) => s.slots);
  const open = views.filter((v) => v.slot.status === 'OPEN');
  const capacity = open.reduce((n, v) => n + v.slot.capacity, 0);
  const places = open.reduce((n, v) => n + v.places.length, 0);
  const all = views.flatMap((v) => v.places);
  const waits = all.map((t) => Math.max(0, t.estimatedStart!.getTime() - t.requestedAt.getTime()) / MINUTE);
  const byCategory: Record<string, number> = {};
  for (const t of state.tokens) byCategory[t.category] = (byCategory[t.category] ?? 0) + 1;
  const { stats } = state;
  expect(
    {
      openSlots: stats.openSlots,
      closedSlots: stats.closedSlots,
      capacity: stats.capacity,
      places: stats.places,
      overflowUsed: stats.overflowUsed,
      byCategory: stats.byCategory,
    },
    'stats of slots and categories',
  ).toEqual({
    openSlots: open.length,
    closedSlots: views.length - open.length,
    capacity,
    places,
    overflowUsed: open.reduce((n, v) => n + v.overflowUsed, 0),
    byCategory,
  });
  expect(Object.keys(stats.byCategory), 'stats.byCategory sorted').toEqual(Object.keys(stats.byCategory).sort());
  expect(stats.utilisation, 'stats.utilisation').toBeCloseTo(capacity === 0 ? 0 : places / capacity, 9);
  expect(stats.averageWaitMinutes, 'stats.averageWaitMinutes').toBeCloseTo(waits.length === 0 ? 0 : waits.reduce((a, b) => a + b, 0) / waits.length, 6);
}

/** Event counters of the stats agree with the history. */
export function checkCounters(stats: Observed['stats'], history: readonly OpdEvent[]): void {
  const count = (type: OpdEvent['type']): number => history.filter((e) => e.type === type).length;
  expect({ bumps: stats.bumps, cascades: stats.cascades, promotions: stats.promotions, drops: stats.drops }, 'stats counters').toEqual({
    bumps: count('token:bumped'),
    cascades: count('token:cascaded'),
    promotions: count('token:promoted'),
    drops: count('token:dropped'),
  });
}

/** The no-show grace period of every world (the default, 15 minutes). */
const GRACE_MS = 15 * 60_000;

const TIME_DEPENDENT = (spec: ConfigSpec): boolean => spec.kind === 'custom' && spec.aging !== null && spec.aging.everyMinutes !== null;

/** Checks a call's effects against the states before and after it. */
export function checkStep(spec: ConfigSpec, world: World, step: Step, before: Observed, after: Observed, history: readonly OpdEvent[]): void {
  const outcome = step.outcome;
  if (outcome === null) {
    // A clock advance changes nothing stored.
    expect(after.historyLength).toBe(before.historyLength);
    expect(after.tokens.map(({ position, estimatedStart, estimateStatus, ...t }) => t)).toEqual(
      before.tokens.map(({ position, estimatedStart, estimateStatus, ...t }) => t),
    );
    return;
  }
  const op = step.op;
  const sweepNow = op.op === 'sweep' ? world.sweepNow(op) : null;
  if (sweepNow !== null) {
    // A no-show cannot be undone: a `now` later than the clock is refused, never trusted.
    expect(outcome.ok, `${step.call} at ${new Date(world.now).toISOString()}: refused only for a now past the clock`).toBe(sweepNow <= world.now);
    // Expiry: after a sweep, no hold outlives its end by the clock (its place was freed and promoted into).
    if (outcome.ok) {
      const stale = after.tokens.filter((t) => t.status === 'HELD' && t.holdExpiresAt!.getTime() <= world.now);
      expect(
        stale.map((t) => t.id),
        'a sweep releases every hold that has ended',
      ).toEqual([]);
    }
  }
  if (!outcome.ok) {
    expect(after, `a failed call changes nothing: ${step.call} → ${outcome.code}`).toEqual(before);
    if ((step.op.op === 'book' || step.op.op === 'bookDept') && factsOf(spec).protectedCategories.has(step.op.category)) {
      expect(outcome.code, `an emergency is never refused for want of room: ${step.call}`).not.toBe('SLOT_FULL');
    }
    expect(typeof outcome.field === 'string' && outcome.field.length > 0, `${step.call} → ${outcome.code} names a field`).toBe(true);
    expect(outcome.message.length, `${step.call} → ${outcome.code} has a message`).toBeGreaterThan(0);
    return;
  }
  const prevById = new Map(before.tokens.map((t) => [t.id, t]));
  const byId = new Map(after.tokens.map((t) => [t.id, t]));
  const slotById = new Map(after.schedules.flatMap((s) => s.slots.map((v) => [v.slot.id, v.slot] as const)));
  const written = history.slice(before.historyLength);
  checkUnplaced(spec, written, after);

  // Token numbers are never changed.
  for (const t of after.tokens) {
    const prev = prevById.get(t.id);
    if (prev !== undefined) expect(t.tokenNumber, `${t.id}: token number unchanged`).toBe(prev.tokenNumber);
  }

  // A replay (by doctor or by department) returns the first call's result as it was then — the
  // token may have been promoted or cancelled since — and changes nothing.
  if (['book', 'rebook', 'bookDept'].includes(step.op.op) && (outcome.value as BookingResult).replayed === true) {
    expect(written, 'a replay writes nothing').toEqual([]);
    expect(after).toEqual(before);
    return;
  }

  let effects: readonly Effect[] = [];
  if (step.op.op === 'book' || step.op.op === 'rebook') {
    const result = outcome.value as BookingResult;
    const now = byId.get(result.token.id)!;
    expect(result.outcome, `outcome agrees with the token's status (${result.token.status})`).toBe(
      result.token.status === 'WAITLISTED' ? 'WAITLISTED' : 'BOOKED',
    );
    expect(result.token, 'the returned token is the stored one').toEqual(now);
    expect(prevById.has(result.token.id), 'a booking creates a new token').toBe(false);
    expect(result.token.rank, 'rank of a new token').toBe(expectedRank(spec, result.token, world.now, 0));
    if (result.overflow) {
      expect(facts(spec).elasticCategories.has(result.token.category), 'elastic places only for allowed categories').toBe(true);
    }
    effects = result.effects;
    // Its own event comes first, but for what settling the day does first: the holds that had
    // ended unswept, expired (and what that opened) — or, under a priority policy whose ranks
    // change with time alone, a waiting emergency that time ranked above a booked patient, placed
    // by the emergency rule (and whom it bumped).
    const own = written.findIndex((e) => 'tokenId' in e && e.tokenId === result.token.id);
    if (own > 0) {
      const first = written[0]!;
      if (first.type !== 'token:expired') {
        expect(first.type, 'before its own event, a booking only expires ended holds (or promotes, ranks changing with time)').toBe(
          TIME_DEPENDENT(spec) ? 'token:promoted' : 'token:expired',
        );
        const promoted = byId.get((first as { tokenId: string }).tokenId)!;
        expect(factsOf(spec).protectedCategories.has(promoted.category), 'what time alone lets a booking place first is a waiting emergency').toBe(true);
      }
    }
    expect(
      written.filter((_, i) => i !== own),
      'effects are what the call stored but the token’s own event',
    ).toEqual([...effects]);
    // With holds expired first, the day it saw is not the one observed before: its target is not judged.
    if (own === 0) checkTarget(spec, world, step, before, result, written);
  } else if (step.op.op === 'addSlots') {
    // New slots are promoted into; those promotions are stored, not returned.
    effects = written;
    // New slots are empty: they only promote — except that a waiting emergency may now bump in
    // an earlier slot (with victimWithoutRoom 'keep', a victim who can now move to a new slot),
    // and that while somebody waits, the day's holds that have ended are released first.
    const firstBump = written.find((e) => e.type === 'token:bumped');
    const promotesOnly = written.every(
      (e) => e.type === 'token:promoted' || (e.type === 'token:expired' && e.holdExpiresAt !== null && e.holdExpiresAt.getTime() <= world.now),
    );
    if (firstBump === undefined) expect(promotesOnly, 'adding slots only promotes').toBe(true);
    else {
      const bumper = written.find((e) => e.type === 'token:promoted' && e.tokenId === firstBump.byTokenId);
      expect(
        bumper !== undefined && factsOf(spec).protectedCategories.has(byId.get(firstBump.byTokenId)!.category),
        'adding slots bumps only for a waiting emergency',
      ).toBe(true);
      expect(
        written.every((e) => ['token:promoted', 'token:bumped', 'token:cascaded', 'token:waitlisted', 'token:dropped', 'emergency:unplaced'].includes(e.type)),
        'adding slots only places',
      ).toBe(true);
    }
  } else if (step.op.op === 'updateDoctor') {
    // A doctor's change touches no token: its one event, when a value changed.
    effects = written;
    const doctor = outcome.value as Doctor;
    expect(
      written.map((e) => e.type),
      'an update stores its event alone',
    ).toEqual(written.length === 0 ? [] : ['doctor:updated']);
    for (const schedule of after.schedules)
      if (schedule.doctor.id === doctor.id) expect(schedule.doctor, 'the doctor returned is the one stored').toEqual(doctor);
    expect(
      after.tokens.map(({ position, estimatedStart, estimateStatus, ...t }) => t),
      'an update changes no token',
    ).toEqual(before.tokens.map(({ position, estimatedStart, estimateStatus, ...t }) => t));
  } else if (step.op.op === 'callNext') {
    // Calling changes no token: it is the first checked-in place of today, or nobody. Under a
    // time-dependent priority its unit refreshes the day's ranks as every unit does (checked
    // below with the other ranks): a token's rank, and with it the queue's positions and
    // estimates, may change, and its record's update time only with its rank.
    const called = (outcome.value as { token: Token | null }).token;
    const kept = (tokens: readonly Token[]): readonly object[] =>
      TIME_DEPENDENT(spec) ? tokens.map(({ rank, updatedAt, position, estimatedStart, estimateStatus, ...t }) => t) : tokens;
    expect(kept(after.tokens), 'calling changes no token').toEqual(kept(before.tokens));
    for (const t of after.tokens) {
      const prev = prevById.get(t.id);
      if (prev !== undefined && prev.rank === t.rank) expect(t.updatedAt, `${t.id}: updated only when ranked again`).toEqual(prev.updatedAt);
    }
    const doctorId = DOCTORS[step.op.doctor];
    const today = after.tokens.filter((t) => t.doctorId === doctorId && t.day === new Date(world.now).toISOString().slice(0, 10) && t.status === 'CHECKED_IN');
    if (called === null) {
      expect(today, 'nobody is called only when nobody is checked in').toEqual([]);
      expect(written, 'calling nobody stores nothing').toEqual([]);
    } else {
      expect(
        today.map((t) => t.id),
        'the patient called is checked in',
      ).toContain(called.id);
      expect(
        written.map((e) => e.type),
        'one call',
      ).toEqual(['token:called']);
      // Under a call order, an emergency checked in is called before anyone else checked in; and
      // nobody waits past `maxWaitMinutes` while someone who waited less is called.
      if (spec.callOrder !== undefined) {
        if (today.some((t) => t.category === 'EMERGENCY')) expect(called.category, 'an emergency checked in is called first').toBe('EMERGENCY');
        const most = spec.callOrder.maxWaitMinutes;
        if (most !== undefined && called.category !== 'EMERGENCY' && !today.some((t) => t.category === 'EMERGENCY')) {
          const slotStart = new Map(after.schedules.flatMap((s) => s.slots.map((v) => [v.slot.id, v.slot.start.getTime()] as const)));
          const waited = (t: Token): number => world.now - Math.max(t.requestedAt.getTime(), slotStart.get(t.slotId ?? '') ?? 0);
          const calledBefore = new Set(history.flatMap((e) => (e.type === 'token:called' && e.seq < (written[0]?.seq ?? 0) ? [e.tokenId] : [])));
          // A patient called before keeps the turn until seen: the limit applies among the others.
          if (!calledBefore.has(called.id)) {
            for (const t of today)
              if (!calledBefore.has(t.id) && waited(t) > most * MINUTE)
                expect(waited(called), `${t.id} waited past maxWaitMinutes`).toBeGreaterThanOrEqual(waited(t));
          }
        }
      }
    }
  } else if (Array.isArray(outcome.value)) {
    effects = outcome.value as Effect[];
    expect(written, 'effects are what the call stored').toEqual([...effects]);
  } else {
    const result = outcome.value as TransitionResult;
    expect(result.token, 'the returned token is the stored one').toEqual(byId.get(result.token.id));
    effects = result.effects;
    // Its own event first; a hold or a reinstatement expires the day's ended holds before it. A
    // move's is its `token:moved`: settling a day first may promote the same token before it
    // (what may come first is checked with the move).
    const move = step.op.op === 'move';
    const own = move ? written.findIndex((e) => e.type === 'token:moved') : written.findIndex((e) => 'tokenId' in e && e.tokenId === result.token.id);
    if (own > 0 && !move) expect(written[0]!.type, 'before its own event, a call only expires ended holds').toBe('token:expired');
    expect(
      written.filter((_, i) => i !== own),
      'effects are what the call stored',
    ).toEqual([...effects]);
  }

  if (['book', 'rebook', 'hold', 'reinstate', 'bookDept'].includes(step.op.op) && (outcome.value as { replayed?: true }).replayed !== true) {
    // A call that places a request on a day first expires the holds there that have ended: none
    // keeps a place (an emergency's above all) until the next sweep.
    const { doctorId, day } = (outcome.value as { token: Token }).token;
    const stale = after.tokens.filter((t) => t.doctorId === doctorId && t.day === day && t.status === 'HELD' && t.holdExpiresAt!.getTime() <= world.now);
    expect(
      stale.map((t) => t.id),
      `${step.call}: no hold that has ended keeps its place on the day it placed a request`,
    ).toEqual([]);
  }
  if (step.op.op === 'reopenSlot') checkReopen(spec, written, byId, after);
  if (step.op.op === 'move') checkMove(step, before, after, written);
  if (step.op.op === 'bookDept') {
    const result = outcome.value as BookingResult;
    if (step.op.patient !== null && result.replayed !== true) {
      // Every doctor of these worlds is of the department: never a second live place in it that day.
      expect(
        liveOnDays(before, `p${step.op.patient}`, world.now).has(result.token.day),
        `${step.call}: no second live place in the department on ${result.token.day}`,
      ).toBe(false);
    }
    checkDepartmentChoice(spec, world, step.op, before, result, slotById);
  }
  if (step.op.op === 'retire') {
    // Its own event first, then the leave from the retirement on.
    expect(written[0]?.type, `${step.call}: doctor:retired first`).toBe('doctor:retired');
    expect(
      written.slice(1).some((e) => e.type === 'doctor:retired'),
      'one retirement',
    ).toBe(false);
  }
  if ((step.op.op === 'closeSlots' || step.op.op === 'retire') && step.op.reassign) checkOnePlaceInDepartment(step, before, after, world.now);
  if (step.op.op === 'closeSlots')
    checkLeave(
      { ...world.leaveOf(step.op), reassign: step.op.reassign, urgent: factsOf(spec).protectedCategories, quota: world.quota },
      world.now,
      written,
      before,
      after,
    );

  for (const e of written) {
    expect(e.at.getTime(), `${e.type} happened now`).toBe(world.now);
    if (e.type === 'token:promoted') {
      expect(slotById.get(e.slotId)!.end.getTime(), `${e.tokenId} promoted only into a slot that has not ended`).toBeGreaterThan(world.now);
    }
    if (e.type === 'token:no-show') {
      const start = slotById.get(e.slotId)!.start.getTime();
      expect(start, `${e.tokenId} a no-show only once its slot started`).toBeLessThanOrEqual(world.now);
      if (sweepNow !== null) expect(start, `${e.tokenId} swept only past the grace period`).toBeLessThan(sweepNow - GRACE_MS);
    }
    if ('tokenId' in e) {
      const t = byId.get(e.tokenId)!;
      expect([e.doctorId, e.day, e.tokenNumber], `${e.type} names its token's doctor, day and number`).toEqual([t.doctorId, t.day, t.tokenNumber]);
    }
  }
  // Ranks: static policies always give the formula's rank; time-dependent ones refresh the
  // live tokens of every doctor-day a call changes.
  const touched = new Set(written.map((e) => `${e.doctorId}~${'day' in e ? e.day : ''}`));
  for (const t of after.tokens) {
    const live = LIVE.has(t.status);
    if (!TIME_DEPENDENT(spec)) expect(t.rank, `${t.id}: rank`).toBe(expectedRank(spec, t, world.now, t.bumpCount));
    else if (live && touched.has(`${t.doctorId}~${t.day}`)) expect(t.rank, `${t.id}: rank refreshed`).toBe(expectedRank(spec, t, world.now, t.bumpCount));
  }

  // Where each token stands as the call's events unfold (a token may move more than once), and
  // its notBefore (a displacement sets it to the start of the slot it leaves).
  const current = new Map(
    before.tokens.map((t) => [t.id, { status: t.status as string, slotId: t.slotId, bumpCount: t.bumpCount, notBefore: t.notBefore?.getTime() ?? null }]),
  );
  const startOf = (slotId: string): number => slotById.get(slotId)!.start.getTime();
  const move = (e: Effect): void => {
    if (!('tokenId' in e)) return;
    const t = current.get(e.tokenId) ?? { status: 'NEW', slotId: null, bumpCount: 0, notBefore: requestedNotBefore(world, step, slotById) };
    if (e.type === 'token:booked' || e.type === 'token:promoted') current.set(e.tokenId, { ...t, status: 'BOOKED', slotId: e.slotId });
    else if (e.type === 'token:cascaded') current.set(e.tokenId, { ...t, status: 'BOOKED', slotId: e.toSlotId, notBefore: startOf(e.fromSlotId) });
    else if (e.type === 'token:bumped') current.set(e.tokenId, { ...t, status: 'DISPLACED', bumpCount: t.bumpCount + 1, notBefore: startOf(e.fromSlotId) });
    else if (e.type === 'token:held') current.set(e.tokenId, { ...t, status: 'HELD', slotId: e.slotId });
    else if (e.type === 'token:confirmed') current.set(e.tokenId, { ...t, status: 'BOOKED' });
    else if (e.type === 'token:released' || e.type === 'token:expired' || e.type === 'token:cancelled' || e.type === 'token:no-show')
      current.set(e.tokenId, { ...t, status: 'GONE', slotId: null });
    else if (e.type === 'token:waitlisted') {
      current.set(e.tokenId, { ...t, status: 'WAITLISTED', slotId: null, notBefore: e.fromSlotId === null ? t.notBefore : startOf(e.fromSlotId) });
    } else if (e.type === 'token:moved') {
      // A new token in the place moved to (a later day, another doctor); the old one is gone.
      current.set(e.fromTokenId, { ...(current.get(e.fromTokenId) ?? t), status: 'GONE', slotId: null });
      current.set(e.tokenId, { status: 'BOOKED', slotId: e.toSlotId, bumpCount: 0, notBefore: startOf(e.toSlotId) });
    }
  };
  const asItWas = (token: Token, state: { notBefore: number | null } | undefined): Token =>
    state === undefined ? token : { ...token, notBefore: state.notBefore === null ? null : new Date(state.notBefore) };
  const own = written[0];
  if (own !== undefined && written.length === effects.length + 1) move(own);

  // The call's own event (the one stored but not among its effects), and whether the call closes a
  // slot or lowers a capacity: what a promotion of the call may be undone by (below).
  const ownEvent = written.find((w) => !effects.some((f) => f.seq === w.seq));
  const ownId = ownEvent !== undefined && 'tokenId' in ownEvent ? ownEvent.tokenId : undefined;
  const closing = effects.some((f) => 'reason' in f && (f.reason === 'slot-closed' || f.reason === 'capacity-lowered'));
  effects.forEach((e, i) => {
    if (e.type === 'token:bumped') {
      const victimBefore = current.get(e.tokenId);
      const victim = byId.get(e.tokenId)!;
      const bumper = byId.get(e.byTokenId)!;
      expect(victimBefore?.status, `a bump displaces only a BOOKED place (${e.tokenId})`).toBe('BOOKED');
      expect(victimBefore?.slotId, `the victim held a place in the slot`).toBe(e.fromSlotId);
      expect(bumper.slotId, 'the bumper takes the victim’s slot').toBe(e.fromSlotId);
      const victimRank = expectedRank(spec, asItWas(victim, victimBefore), world.now, victimBefore?.bumpCount ?? 0);
      const bumperState = current.get(e.byTokenId);
      const bumperRank = expectedRank(spec, asItWas(bumper, bumperState), world.now, bumperState?.bumpCount ?? 0);
      expect(victimRank, `a bump displaces only a strictly worse rank (${e.tokenId} by ${e.byTokenId})`).toBeGreaterThan(bumperRank);
      expect(victim.bumpCount, 'bump count increases').toBeGreaterThanOrEqual((prevById.get(e.tokenId)?.bumpCount ?? 0) + 1);
      move(e);
      const fate = effects
        .slice(i + 1)
        .filter((f) => 'tokenId' in f && f.tokenId === e.tokenId && ['token:cascaded', 'token:waitlisted', 'token:dropped'].includes(f.type));
      expect(fate.length, `the fate of bumped ${e.tokenId} is reported`).toBeGreaterThanOrEqual(1);
    }
    if (e.type !== 'token:bumped') move(e);
    if (e.type === 'token:cascaded') {
      const from = slotById.get(e.fromSlotId)!;
      const to = slotById.get(e.toSlotId)!;
      expect(to.start.getTime(), `cascades move only forward (${e.tokenId})`).toBeGreaterThan(from.start.getTime());
    }
    if (e.type === 'token:promoted') {
      const t = byId.get(e.tokenId)!;
      const prev = prevById.get(e.tokenId);
      // A reinstated token is a request made now: what its cancelled record still asked (a move's
      // `after`) no longer holds, and what it asks is on the record the call left.
      const asked = step.op.op === 'reinstate' && e.tokenId === ownId ? t.notBefore : prev?.notBefore;
      if (asked !== null && asked !== undefined) {
        expect(slotById.get(e.slotId)!.start.getTime(), `promotion never earlier than asked (${e.tokenId})`).toBeGreaterThanOrEqual(asked.getTime());
      }
      // A place time opened (a hold that lapsed, a reservation that ended) goes to the waitlist
      // before the call's own request, as a sweep between the two calls would have given it; the
      // request may then bump the token promoted into it, by rank, as it would after that sweep.
      const bumpedByRequest = effects.slice(i + 1).some((f) => f.type === 'token:bumped' && f.tokenId === e.tokenId && f.byTokenId === ownId);
      // So does a call that closes a slot or changes its capacity, before it moves anyone on: the
      // token promoted may then be displaced with the slot's patients, or bumped by one of them
      // moving on, as after that sweep.
      const displacedByCall =
        closing &&
        effects.slice(i + 1).some((f) => (f.type === 'token:bumped' || f.type === 'token:waitlisted' || f.type === 'token:dropped') && f.tokenId === e.tokenId);
      if (!bumpedByRequest && !displacedByCall) expect(t.status === 'WAITLISTED', `${e.tokenId} promoted`).toBe(false);
    }
  });
}

const facts = factsOf;

/** The notBefore a booking gives its new token: the named slot's start, else `after`, else none. */
function requestedNotBefore(world: World, step: Step, slotById: ReadonlyMap<string, SlotView['slot']>): number | null {
  const request =
    step.op.op === 'book' ? world.requestOf(step.op) : step.op.op === 'rebook' ? world.requests[step.op.which % Math.max(1, world.requests.length)] : undefined;
  if (request === undefined) return null;
  if (request.slotId !== undefined) return slotById.get(request.slotId)?.start.getTime() ?? null;
  return request.after === undefined ? null : new Date(request.after).getTime();
}

/**
 * The target of a booking (DESIGN §4 "Booking a token" 2–4): the named slot, else the earliest
 * usable slot (on `date`, from `after`) with a free place, else the earliest usable one. A free
 * place there books it; else an elastic place for an allowed category.
 */
function checkTarget(spec: ConfigSpec, world: World, step: Step, before: Observed, result: BookingResult, written: readonly OpdEvent[]): void {
  const request = step.op.op === 'book' ? world.requestOf(step.op) : undefined;
  if (request === undefined) return;
  if (factsOf(spec).protectedCategories.has(request.category)) {
    checkEmergencyTarget(spec, world, request, before, result, written);
    return;
  }
  const after = request.after === undefined ? Number.NEGATIVE_INFINITY : new Date(request.after).getTime();
  const views = before.schedules
    .filter((s) => s.doctor.id === request.doctorId)
    .flatMap((s) => s.slots)
    .filter(
      (v) =>
        v.slot.status === 'OPEN' &&
        v.slot.end.getTime() > world.now &&
        v.slot.start.getTime() >= after &&
        (request.date === undefined || v.slot.day === request.date),
    )
    .sort((a, b) => a.slot.start.getTime() - b.slot.start.getTime());
  // Free as stored: a place a lapsed hold keeps goes first to whoever waits for it, when the booking settles the day.
  const storedFree = (v: SlotView): number => Math.max(0, v.slot.capacity - v.places.length);
  const target = request.slotId !== undefined ? views.find((v) => v.slot.id === request.slotId) : (views.find((v) => storedFree(v) > 0) ?? views[0]);
  const token = result.token;
  if (target === undefined) {
    if (request.slotId === undefined) {
      const day = request.date ?? new Date(Math.max(world.now, after)).toISOString().slice(0, 10);
      expect(token.day, 'without a usable slot, the token is for the requested (or current) day').toBe(day);
    }
    return;
  }
  expect(token.day, 'the token is for the target’s day').toBe(target.slot.day);
  const f = factsOf(spec);
  // Where the booking placed it (a waiting emergency may bump it later in the same call).
  const own = written[0];
  const placed = own?.type === 'token:booked' ? own.slotId : null;
  if (storedFree(target) > 0) {
    expect([placed, result.overflow], 'a free place in the target is taken').toEqual([target.slot.id, false]);
  } else if (f.elasticCategories.has(token.category) && target.places.length < target.slot.capacity + f.elasticLimit(target.slot.overflowCapacity)) {
    expect([placed, result.overflow], 'an elastic place in the target is taken').toEqual([target.slot.id, true]);
  } else {
    expect(result.overflow, 'no elastic place without elastic rights or room').toBe(false);
  }
}

/** Replays the history: every token's status, slot and per-slot waitlist come out as stored. */
export function checkReplay(history: readonly OpdEvent[], tokens: readonly Token[]): void {
  const rebuilt = new Map<string, { status: string; slotId: string | null; waitingForSlotId: string | null; tokenNumber: number }>();
  let seq = 0;
  for (const e of history) {
    expect(e.seq, 'history in increasing seq').toBeGreaterThan(seq);
    seq = e.seq;
    if (!('tokenId' in e)) continue;
    const prev = rebuilt.get(e.tokenId);
    if (prev !== undefined) expect(e.tokenNumber, `${e.tokenId}: same number in every event`).toBe(prev.tokenNumber);
    const set = (status: string, slotId: string | null, waitingForSlotId: string | null = null): void => {
      rebuilt.set(e.tokenId, { status, slotId, waitingForSlotId, tokenNumber: e.tokenNumber });
    };
    switch (e.type) {
      case 'token:booked':
        set('BOOKED', e.slotId);
        break;
      case 'token:waitlisted':
        set('WAITLISTED', null, e.waitingForSlotId);
        break;
      case 'token:cascaded':
        set('BOOKED', e.toSlotId);
        break;
      case 'token:promoted':
        set('BOOKED', e.slotId);
        break;
      case 'token:dropped':
        set('DROPPED', null);
        break;
      case 'token:cancelled':
        set('CANCELLED', null);
        break;
      case 'token:no-show':
        set('NO_SHOW', null);
        break;
      case 'token:checked-in':
        set('CHECKED_IN', e.slotId);
        break;
      case 'token:consultation-started':
        set('IN_CONSULTATION', e.slotId);
        break;
      case 'token:completed':
        set('COMPLETED', e.slotId);
        break;
      case 'token:bumped':
        expect(prev?.status, `${e.tokenId}: bumped from a place`).toBe('BOOKED');
        break;
      case 'token:held':
        expect(prev, `${e.tokenId}: a hold is a new token`).toBeUndefined();
        set('HELD', e.slotId);
        break;
      case 'token:confirmed':
        expect(prev?.status, `${e.tokenId}: confirmed from a hold`).toBe('HELD');
        set('BOOKED', e.slotId);
        break;
      case 'token:expired':
        if (e.reason === 'day-closed') {
          // A day's closing ends a token never seen, wherever it was.
          expect(['WAITLISTED', 'HELD', 'BOOKED', 'CHECKED_IN'], `${e.tokenId}: a closing ends a token never seen`).toContain(prev?.status);
          expect(prev?.status, `${e.tokenId}: the status it had`).toBe(e.fromStatus);
          expect(prev?.slotId ?? null, `${e.tokenId}: the place it had`).toBe(e.slotId);
          set('CANCELLED', null);
          break;
        }
        expect(prev?.status, `${e.tokenId}: released from a hold`).toBe('HELD');
        expect(prev?.slotId, `${e.tokenId}: the hold's place`).toBe(e.slotId);
        set('CANCELLED', null);
        break;
      case 'token:released':
        expect(prev?.status, `${e.tokenId}: released from a hold`).toBe('HELD');
        expect(prev?.slotId, `${e.tokenId}: the hold's place`).toBe(e.slotId);
        set('CANCELLED', null);
        break;
      case 'token:called':
        expect(prev?.status, `${e.tokenId}: only a checked-in patient is called`).toBe('CHECKED_IN');
        break;
      case 'token:reinstated':
        expect(['NO_SHOW', 'CANCELLED'], `${e.tokenId}: reinstated from an end`).toContain(prev?.status);
        break;
      case 'token:carried': {
        // A closed day's token ends (cancelled as carried) and a new one waits on the next day.
        expect(['WAITLISTED', 'HELD', 'BOOKED', 'CHECKED_IN'], `${e.tokenId}: a closing carries a token never seen`).toContain(prev?.status);
        set('CANCELLED', null);
        expect(rebuilt.get(e.toTokenId), `${e.toTokenId}: a carried token is a new token`).toBeUndefined();
        rebuilt.set(e.toTokenId, { status: 'WAITLISTED', slotId: null, waitingForSlotId: null, tokenNumber: e.toTokenNumber });
        break;
      }
      case 'token:moved': {
        // Out of its doctor-day, a move ends the old token (cancelled as moved) and starts a new one.
        const old = rebuilt.get(e.fromTokenId);
        expect(['BOOKED', 'WAITLISTED'], `${e.fromTokenId}: moved from a place or the waitlist`).toContain(old?.status);
        if (e.fromTokenId !== e.tokenId)
          rebuilt.set(e.fromTokenId, { status: 'CANCELLED', slotId: null, waitingForSlotId: null, tokenNumber: old!.tokenNumber });
        set('BOOKED', e.toSlotId);
        break;
      }
    }
  }
  expect(rebuilt.size, 'history mentions every token').toBe(tokens.length);
  for (const t of tokens) {
    expect(rebuilt.get(t.id), `replaying history rebuilds ${t.id}`).toEqual({
      status: t.status,
      slotId: t.slotId,
      waitingForSlotId: t.waitingForSlotId,
      tokenNumber: t.tokenNumber,
    });
  }
}

/**
 * The place of a new emergency (DESIGN §9): the earliest usable slot — from the named slot, else
 * from `after` (on `date`, else over the days ahead) — with a free place, else an elastic place,
 * else a place it may bump; with none, it waits on the doctor-day waitlist (never refused), on
 * the day of the named slot, else of the earliest usable slot, else the requested (or current) day.
 */
function checkEmergencyTarget(
  spec: ConfigSpec,
  world: World,
  request: BookingRequest,
  before: Observed,
  result: BookingResult,
  written: readonly OpdEvent[],
): void {
  const schedules = before.schedules.filter((s) => s.doctor.id === request.doctorId).sort((a, b) => (a.date < b.date ? -1 : 1));
  const named = request.slotId === undefined ? undefined : schedules.flatMap((s) => s.slots).find((v) => v.slot.id === request.slotId);
  const notBefore = named !== undefined ? named.slot.start.getTime() : request.after === undefined ? null : new Date(request.after).getTime();
  const days = schedules.filter((s) => (named !== undefined ? s.date === named.slot.day : request.date === undefined || s.date === request.date));
  const seeker = (day: string) => ({
    category: request.category,
    rank: expectedRank(
      spec,
      {
        category: request.category,
        patient: request.patient,
        requestedAt: new Date(world.now),
        day,
        notBefore: notBefore === null ? null : new Date(notBefore),
      },
      world.now,
      0,
    ),
  });
  let room: Room | null = null;
  for (const schedule of days) {
    room = new EmergencyOracle(spec, schedule, world.now).roomFor(seeker(schedule.date), notBefore);
    if (room !== null) break;
  }
  const own = written[0]!;
  if (room === null) {
    const usable = days
      .flatMap((s) => s.slots)
      .find((v) => v.slot.status === 'OPEN' && v.slot.end.getTime() > world.now && (notBefore === null || v.slot.start.getTime() >= notBefore));
    const day = named?.slot.day ?? usable?.slot.day ?? request.date ?? new Date(Math.max(world.now, notBefore ?? world.now)).toISOString().slice(0, 10);
    expect(result.token.day, 'an emergency with no room waits on the day it asked for, or of the earliest usable slot').toBe(day);
    expect(own, 'an emergency with no room anywhere in its day waits on the doctor-day waitlist').toMatchObject({
      type: 'token:waitlisted',
      waitingForSlotId: null,
      fromSlotId: null,
      reason: 'full',
    });
    return;
  }
  expect(result.token.day, 'an emergency is booked on the day of its earliest room').toBe(
    schedules.find((s) => s.slots.some((v) => v.slot.id === room.slotId))!.date,
  );
  expect(
    { type: own.type, slotId: 'slotId' in own ? own.slotId : undefined, overflow: result.overflow },
    `an emergency takes the earliest room (${room.means} in ${room.slotId})`,
  ).toEqual({
    type: 'token:booked',
    slotId: room.slotId,
    overflow: room.means === 'elastic',
  });
  if (room.means === 'bump' && before.tokens.find((t) => t.id === room.victimId)?.status === 'HELD') {
    // A hold the bump falls on is released, not moved (DESIGN §12).
    expect(written[1], 'the emergency releases the hold the rules pick').toMatchObject({
      type: 'token:released',
      tokenId: room.victimId,
      slotId: room.slotId,
      reason: 'emergency',
      byTokenId: result.token.id,
    });
  } else if (room.means === 'bump') {
    expect(written[1], 'the emergency bumps the victim the rules pick').toMatchObject({
      type: 'token:bumped',
      tokenId: room.victimId,
      fromSlotId: room.slotId,
      byTokenId: result.token.id,
    });
  } else {
    expect(written[1]?.type, 'an emergency with a free or elastic place bumps nobody').not.toBe('token:bumped');
  }
}

/**
 * Emergency safety at rest (DESIGN §9): no protected token waits while a usable slot of its day,
 * from its notBefore, has a free place, an elastic place it may take, or a place it may bump;
 * and none is ever dropped.
 */
export function checkEmergencies(spec: ConfigSpec, world: World, state: Observed): void {
  const f = factsOf(spec);
  for (const schedule of state.schedules) {
    const oracle = new EmergencyOracle(spec, schedule, world.now);
    for (const t of schedule.waitlist) {
      if (!f.protectedCategories.has(t.category)) continue;
      expect(oracle.roomFor(t, t.notBefore?.getTime() ?? null), `${t.id}: an emergency waits while its day has room for it`).toBeNull();
    }
  }
  for (const t of state.tokens) {
    if (f.protectedCategories.has(t.category)) expect(t.status, `${t.id}: an emergency is never dropped`).not.toBe('DROPPED');
  }
}

/**
 * `emergency:unplaced` (DESIGN §9): a call reports, once each, exactly the protected tokens it put
 * on a waitlist (booked onto it or displaced onto it) that are still waiting when it ends, after
 * their last `token:waitlisted`.
 */
export function checkUnplaced(spec: ConfigSpec, written: readonly OpdEvent[], after: Observed): void {
  const f = factsOf(spec);
  const byId = new Map(after.tokens.map((t) => [t.id, t]));
  const waitlisted = new Set(written.flatMap((e) => (e.type === 'token:waitlisted' ? [e.tokenId] : [])));
  const expected = [...waitlisted].filter((id) => {
    const t = byId.get(id);
    return t !== undefined && t.status === 'WAITLISTED' && f.protectedCategories.has(t.category);
  });
  const reported = written.flatMap((e, i) => (e.type === 'emergency:unplaced' ? [{ id: e.tokenId, i }] : []));
  expect(reported.map((r) => r.id).sort(), 'emergency:unplaced for each emergency the call left waiting, once').toEqual(expected.sort());
  for (const { id, i } of reported) {
    expect(
      written.slice(i + 1).some((e) => 'tokenId' in e && e.tokenId === id),
      `${id}: emergency:unplaced is its last event of the call`,
    ).toBe(false);
  }
}

/**
 * A reopening: the slot's event first; the slot had not ended. Waiting emergencies are placed
 * first, by the emergency rule (whatever their rank), then the other waiting tokens are promoted
 * in queue order; so the promotions into the slot are the emergencies in queue order, then the
 * others in queue order, and each of the others is better than every token still waiting that
 * it could have taken. Ranks are those of the call: a time-dependent priority re-ranks the day
 * when the call reads it, so the tokens are compared as they are after it, not as they were
 * before. (Which emergency the emergency rule places where is checked by the emergency rules.)
 */
function checkReopen(spec: ConfigSpec, written: readonly OpdEvent[], byId: ReadonlyMap<string, Token>, after: Observed): void {
  const first = written[0];
  expect(first?.type, 'a reopening starts with slot:reopened').toBe('slot:reopened');
  if (first?.type !== 'slot:reopened') return;
  const view = after.schedules.flatMap((s) => s.slots).find((v) => v.slot.id === first.slotId)!;
  expect(view.slot.status, 'the reopened slot is open').toBe('OPEN');
  expect(view.slot.end.getTime(), 'only a slot that has not ended is reopened').toBeGreaterThan(first.at.getTime());
  const promoted = written.flatMap((e) => (e.type === 'token:promoted' && e.slotId === first.slotId ? [byId.get(e.tokenId)!] : []));
  const urgent = factsOf(spec).protectedCategories;
  const emergencies = promoted.filter((t) => urgent.has(t.category));
  const others = promoted.filter((t) => !urgent.has(t.category));
  expect(
    promoted.map((t) => t.id),
    'promotions into the reopened slot: waiting emergencies first, then the others, each in queue order',
  ).toEqual([...emergencies.sort(queueOrder), ...others.sort(queueOrder)].map((t) => t.id));
  const waiting = after.schedules.flatMap((s) => s.waitlist).filter((t) => eligible(t, view.slot));
  for (const t of others) {
    for (const w of waiting) expect(queueOrder(t, w), `${t.id} promoted before the better ${w.id}`).toBeLessThan(0);
  }
}

/**
 * The days on which the patient holds a live token with any doctor, a hold that has ended left
 * out (a booking expires it, or the next call on its day does).
 */
function liveOnDays(state: Observed, patientId: string, now: number): Set<string> {
  const ended = (t: Token): boolean => t.status === 'HELD' && t.holdExpiresAt !== null && t.holdExpiresAt.getTime() <= now;
  return new Set(state.tokens.filter((t) => t.patient.id === patientId && LIVE.has(t.status) && !ended(t)).map((t) => t.day));
}

/**
 * A leave or a retirement reassigning to the department gives a patient a place in the department
 * as a department booking would: every token it creates (a patient moved to another day or to a
 * colleague) is the patient's only live token in the department that day (every doctor of these
 * worlds is of it), a hold that has ended left out.
 */
function checkOnePlaceInDepartment(step: Step, before: Observed, after: Observed, now: number): void {
  const existed = new Set(before.tokens.map((t) => t.id));
  const ended = (t: Token): boolean => t.status === 'HELD' && t.holdExpiresAt !== null && t.holdExpiresAt.getTime() <= now;
  for (const t of after.tokens) {
    if (existed.has(t.id) || !LIVE.has(t.status) || t.patient.id === undefined) continue;
    const others = after.tokens
      .filter((o) => o.id !== t.id && o.patient.id === t.patient.id && o.day === t.day && LIVE.has(o.status) && !ended(o))
      .map((o) => o.id);
    expect(others, `${step.call}: ${t.id} is the patient's only live place in the department on ${t.day}`).toEqual([]);
  }
}

/** Live tokens (a place or a waitlist entry not yet finished) of a patient, by id. */
function liveOf(state: Observed, patientId: string): string[] {
  return state.tokens
    .filter(
      (t) => t.patient.id === patientId && (t.status === 'BOOKED' || t.status === 'WAITLISTED' || t.status === 'CHECKED_IN' || t.status === 'IN_CONSULTATION'),
    )
    .map((t) => t.id);
}

/**
 * A move: the patient holds as many places and waitlist entries as before (never two for one,
 * never none), the token moved from was BOOKED or WAITLISTED, and it now holds a place; a move out
 * of its doctor-day ends the old token CANCELLED as moved. What the move settled first concerns
 * the day it places on (within the token's own day, only after a hold there ended).
 */
function checkMove(step: Step, before: Observed, after: Observed, written: readonly OpdEvent[]): void {
  const result = (step.outcome as { value: MoveResult }).value;
  const prev = before.tokens.find((t) => t.id === result.fromTokenId)!;
  expect(['BOOKED', 'WAITLISTED'], `${step.call}: moves only a BOOKED or WAITLISTED token`).toContain(prev.status);
  const now = after.tokens.find((t) => t.id === result.token.id)!;
  expect(now.status, `${step.call}: the patient holds a place`).toBe('BOOKED');
  expect(now.slotId, `${step.call}: at another place`).not.toBe(prev.slotId);
  // Another doctor-day is settled before the patient is placed there (its lapsed holds released,
  // its waitlist promoted into their places), and so is the token's own day when a hold there
  // has ended: those events come first and concern that day only.
  const own = written.findIndex((e) => e.type === 'token:moved');
  const settling = written.slice(0, Math.max(0, own));
  if (now.id === prev.id && settling.length > 0) {
    expect(
      settling.map((e) => e.type),
      `${step.call}: a move within its day settles it first only when a hold there has ended`,
    ).toContain('token:expired');
  }
  for (const e of settling) {
    expect(['doctorId' in e ? e.doctorId : null, 'day' in e ? e.day : null], `${step.call}: ${e.type} before token:moved concerns the target day`).toEqual([
      now.doctorId,
      now.day,
    ]);
  }
  // It leaves the place it held when it moved: settling its day may have promoted it first.
  const promoted = settling.findLast((e) => e.type === 'token:promoted' && e.tokenId === prev.id);
  const fromSlotId = promoted !== undefined && 'slotId' in promoted ? promoted.slotId : prev.slotId;
  expect(written[own], `${step.call}: token:moved`).toMatchObject({
    type: 'token:moved',
    fromTokenId: prev.id,
    tokenId: now.id,
    fromSlotId,
    toSlotId: now.slotId,
    fromDoctorId: prev.doctorId,
    toDoctorId: now.doctorId,
  });
  if (now.id === prev.id) {
    expect([now.doctorId, now.day, now.tokenNumber], `${step.call}: within a doctor-day the token keeps its number`).toEqual([
      prev.doctorId,
      prev.day,
      prev.tokenNumber,
    ]);
  } else {
    expect(`${now.doctorId}~${now.day}`, `${step.call}: a new token only in another doctor-day`).not.toBe(`${prev.doctorId}~${prev.day}`);
    expect(
      after.tokens.find((t) => t.id === prev.id),
      `${step.call}: the old token ends cancelled as moved`,
    ).toMatchObject({ status: 'CANCELLED', cancelReason: 'moved' });
    expect(
      before.tokens.some((t) => t.id === now.id),
      `${step.call}: the new token is new`,
    ).toBe(false);
  }
  const patientId = prev.patient.id;
  if (patientId !== undefined) {
    expect(liveOf(after, patientId).length, `${step.call}: the patient holds as many places as before, never two for one nor none`).toBe(
      liveOf(before, patientId).length,
    );
  }
}

/**
 * A booking by department: a token waitlisted waits with a doctor who can promote it whenever
 * one can; without an emergency, when any doctor of the department had a free usable place
 * matching the request, the token got a place no later than the earliest of them.
 */
function checkDepartmentChoice(
  spec: ConfigSpec,
  world: World,
  op: Extract<Op, { op: 'bookDept' }>,
  before: Observed,
  result: BookingResult,
  slotById: ReadonlyMap<string, SlotView['slot']>,
): void {
  const date = op.date === null ? undefined : DAYS[op.date];
  const after = op.afterHour === null ? Number.NEGATIVE_INFINITY : Date.parse(`${DAYS[op.date ?? 0]}T${String(op.afterHour).padStart(2, '0')}:00:00Z`);
  if (result.outcome === 'WAITLISTED' && result.replayed !== true) {
    // A token waits where it can be promoted: with a doctor who has a usable slot that day, not
    // before `after`, whenever one of the department has.
    const promotable = (doctorId: string | undefined): boolean =>
      before.schedules.some(
        (s) =>
          (doctorId === undefined || s.doctor.id === doctorId) &&
          s.date === result.token.day &&
          s.slots.some(({ slot }) => slot.status === 'OPEN' && slot.end.getTime() > world.now && slot.start.getTime() >= after),
      );
    if (promotable(undefined)) expect(promotable(result.token.doctorId), 'a department booking waits with a doctor who can promote it').toBe(true);
  }
  const freeAt = (start: number): boolean =>
    before.schedules.some((s) =>
      s.slots.some(
        ({ slot, places }) =>
          slot.status === 'OPEN' &&
          slot.end.getTime() > world.now &&
          slot.start.getTime() === start &&
          slot.start.getTime() >= after &&
          places.length < slot.capacity,
      ),
    );
  if (factsOf(spec).protectedCategories.has(op.category)) {
    // An emergency (never asked the quota) bumps nobody, nor takes an elastic place, at an hour
    // a doctor of the department has a free place.
    if (result.outcome === 'BOOKED' && result.replayed !== true && result.token.slotId !== null) {
      const bumped = result.effects.some((e) => e.type === 'token:bumped' && e.byTokenId === result.token.id);
      if (bumped || result.overflow)
        expect(
          freeAt(slotById.get(result.token.slotId)!.start.getTime()),
          'a department emergency takes a free place of the hour before a bump or an elastic place',
        ).toBe(false);
    }
    return;
  }
  const free = before.schedules
    .flatMap((s) => s.slots)
    .filter(
      ({ slot, places }) =>
        slot.status === 'OPEN' &&
        slot.end.getTime() > world.now &&
        slot.start.getTime() >= after &&
        (date === undefined || slot.day === date) &&
        places.length < slot.capacity,
    )
    .map(({ slot }) => slot.start.getTime());
  if (free.length === 0) return;
  expect(result.outcome, 'a department booking gets a place while any of its doctors has a free one').toBe('BOOKED');
  expect(slotById.get(result.token.slotId!)!.start.getTime(), 'a department booking gets the soonest free place of its doctors').toBeLessThanOrEqual(
    Math.min(...free),
  );
}

/**
 * A doctor's leave: exactly the doctor's open slots overlapping `[from, to)` that had not ended
 * close, first and in time order (after only what settling their days released and promoted);
 * then each patient who held a `BOOKED` place in one of them moves exactly once (one `token:cascaded`, `token:waitlisted`, `token:dropped` or
 * `token:moved`, never bumped on), never into a slot that closed and never earlier than the
 * leave's end when it stays with the doctor; each per-slot waitlist entry of a closed slot is
 * moved once. A patient moved to the doctor's later day holds a new token there — unless an
 * emergency displaced on that day bumped it, by the emergency rule; never a chain — and the old
 * one ends cancelled as moved; for a non-emergency it is the first such place: no usable slot of
 * the doctor on a day after the patient's, between the leave's end and the new place, still has
 * a free place (places on those days only fill during a leave), unless a quota may have refused
 * it or the patient holds a token that day.
 */
function checkLeave(
  leave: { doctorId: string; from: number; to: number; reassign: boolean; urgent: ReadonlySet<string>; quota: boolean },
  now: number,
  written: readonly OpdEvent[],
  before: Observed,
  after: Observed,
): void {
  const views = before.schedules.filter((s) => s.doctor.id === leave.doctorId).flatMap((s) => s.slots);
  const closing = views
    .filter((v) => v.slot.status === 'OPEN' && v.slot.end.getTime() > now && v.slot.end.getTime() > leave.from && v.slot.start.getTime() < leave.to)
    .sort((a, b) => a.slot.start.getTime() - b.slot.start.getTime());
  const closed = written.filter((e) => e.type === 'slot:closed');
  // Before them, only what settling the days does first, as a sweep would have: holds that have
  // ended released, the waitlist promoted into their places.
  const first = written.findIndex((e) => e.type === 'slot:closed');
  for (const e of written.slice(0, first))
    expect(['token:expired', 'token:promoted'], 'a leave settles its days before it closes their slots').toContain(e.type);
  expect(written.slice(first, first + closed.length), 'a leave closes its slots before anyone moves').toEqual(closed);
  expect(
    closed.map((e) => e.slotId),
    'a leave closes exactly the open slots it overlaps, in time order',
  ).toEqual(closing.map((v) => v.slot.id));
  const closedIds = new Set(closing.map((v) => v.slot.id));
  for (const v of after.schedules.flatMap((s) => s.slots))
    if (closedIds.has(v.slot.id)) expect(v.slot.status, `${v.slot.id} closed by the leave`).toBe('CLOSED');
  const fates = ['token:cascaded', 'token:waitlisted', 'token:dropped'];
  const displaced = closing.flatMap((v) => v.places.filter((t) => t.status === 'BOOKED'));
  const waitingFor = before.schedules.flatMap((s) => s.waitlist).filter((t) => t.waitingForSlotId !== null && closedIds.has(t.waitingForSlotId));
  const allViews = after.schedules.flatMap((s) => s.slots);
  for (const t of [...displaced, ...waitingFor]) {
    const own = written.filter((e) => ('tokenId' in e && e.tokenId === t.id) || (e.type === 'token:moved' && e.fromTokenId === t.id));
    const moves = own.filter((e) => fates.includes(e.type) || e.type === 'token:moved');
    expect(moves.length, `${t.id} moves exactly once in a leave`).toBe(1);
    expect(
      own.some((e) => e.type === 'token:bumped'),
      `${t.id} is not bumped again by the leave`,
    ).toBe(false);
    const move = moves[0]!;
    if (move.type === 'token:moved') {
      // A new token elsewhere (a colleague, or a later day), no earlier than the slot lost; the old one cancelled.
      expect([move.fromDoctorId, move.fromDay], `${t.id} moves from its doctor and day`).toEqual([leave.doctorId, t.day]);
      expect(move.day >= t.day, `${t.id} never moves to an earlier day`).toBe(true);
      const to = allViews.find((v) => v.slot.id === move.toSlotId)!;
      expect(closedIds.has(move.toSlotId), `${t.id} never moves into a slot the leave closes`).toBe(false);
      expect(to.slot.start.getTime(), `${t.id} is not moved earlier than its slot`).toBeGreaterThanOrEqual(
        views.find((v) => v.slot.id === t.slotId)!.slot.start.getTime(),
      );
      // The new place is kept for the rest of the leave: no chain bumps it, only an emergency may.
      const bump = written.find((e) => e.type === 'token:bumped' && e.tokenId === move.tokenId);
      if (bump?.type === 'token:bumped')
        expect(leave.urgent.has(after.tokens.find((x) => x.id === bump.byTokenId)!.category), `${t.id}'s new token bumped only by an emergency`).toBe(true);
      else
        expect(
          to.places.some((p) => p.id === move.tokenId),
          `${t.id}'s new token holds the place`,
        ).toBe(true);
      const old = after.tokens.find((x) => x.id === t.id)!;
      expect([old.status, old.cancelReason], `${t.id} ends cancelled as moved`).toEqual(['CANCELLED', 'moved']);
      if (move.toDoctorId !== leave.doctorId) {
        expect(leave.reassign, `${t.id} moved to a colleague only with reassign`).toBe(true);
        continue;
      }
      // Its own doctor's later day: only after the leave, and (without a quota) the first free place there.
      expect(move.day > t.day, `${t.id} moves to its doctor only on a later day`).toBe(true);
      expect(to.slot.start.getTime(), `${t.id} moves to a place after the leave`).toBeGreaterThanOrEqual(leave.to);
      if (leave.urgent.has(t.category) || leave.quota) continue;
      // A day where the patient holds another live token is skipped: with the doctor, or with
      // reassign with any doctor of the department (every doctor of these worlds).
      const holds = (day: string): boolean =>
        t.patient.id !== undefined &&
        after.tokens.some(
          (x) =>
            x.id !== move.tokenId && (leave.reassign || x.doctorId === leave.doctorId) && x.day === day && x.patient.id === t.patient.id && LIVE.has(x.status),
        );
      const skipped = allViews.filter(
        (v) =>
          v.slot.doctorId === leave.doctorId &&
          v.slot.day > t.day &&
          v.slot.status === 'OPEN' &&
          v.slot.end.getTime() > now &&
          v.slot.start.getTime() >= leave.to &&
          v.slot.start.getTime() < to.slot.start.getTime() &&
          v.places.length < v.slot.capacity &&
          !holds(v.slot.day),
      );
      expect(
        skipped.map((v) => v.slot.id),
        `${t.id} moves to the first free place after the leave`,
      ).toEqual([]);
      continue;
    }
    if (move.type === 'token:cascaded') {
      expect(closedIds.has(move.toSlotId), `${t.id} never moves into a slot the leave closes`).toBe(false);
      const to = views.find((v) => v.slot.id === move.toSlotId)!;
      expect(to.slot.start.getTime(), `${t.id} moves to a place after the leave`).toBeGreaterThanOrEqual(leave.to);
    }
  }
}
