import fc from 'fast-check';
import { ChannelQuota, type Effect, FairCallOrder, type Numbering, OpdScheduler, type Preset, presets } from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { type CallOrderSpec, callOrderSpecArb, fcOptions, quotaSpecArb, timeoutFor, windowsSpecArb } from '../property/support.js';
import { both, withoutWhy } from './compare.js';
import { type Cat, type MCallOrder, type MEvent, Model, type MQuota, type MWindows, POLICIES } from './reference.js';
import { allHistory } from '../helpers.js';

const DAY = '2026-01-30';
const START = Date.parse(`${DAY}T07:30:00Z`);
/** The clock never leaves the day: bookings without a slot always concern it. */
const LAST_MINUTE = Date.parse(`${DAY}T22:00:00Z`);
const MINUTE = 60_000;
const CATS: readonly Cat[] = ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'];

/** The scheduler configuration each model policy stands for. */
const PRESETS: Readonly<Record<string, () => Preset>> = {
  standard: () => presets.standard(),
  'standard-chain': () => presets.standard({ chainDepth: 1, bumpLimit: 2, victimOrder: 'earliest', emergencyOverflow: 1 }),
  cascade: () => presets.cascade(),
  'cascade-chain': () => presets.cascade({ chainDepth: 2 }),
  'cascade-keep': () => presets.cascade({ victimWithoutRoom: 'keep' }),
  'cascade-keep-chain': () => presets.cascade({ victimWithoutRoom: 'keep', chainDepth: 1 }),
  waitlist: () => presets.waitlist(),
  elastic: () => presets.elastic(),
  'elastic-walk-in': () => presets.elastic({ walkInBeforeOnline: true, emergencyOverflow: 'unlimited' }),
};

interface Real {
  readonly opd: OpdScheduler;
  readonly clock: { now: number };
  /** Token ids by token number − 1. */
  readonly ids: string[];
}

type Cmd = fc.AsyncCommand<Model, Real>;

const slotIdOf = (hour: number, half: boolean): string => `s${String(hour).padStart(2, '0')}${half ? '30' : '00'}`;

/** Slot and token references are indexes, resolved against what exists when the command runs. */
function slotRef(model: Model, ref: number): string {
  const slots = model.slots();
  return ref % 8 === 7 || slots.length === 0 ? 'missing' : slots[ref % slots.length]!.id;
}
function tokenRef(model: Model, ref: number): number {
  const n = model.state.tokens.length;
  return ref % 8 === 7 || n === 0 ? 999 : (ref % n) + 1;
}

/** Effects as comparable data: every field but `seq`, with token ids as token numbers. */
function eventsOf(real: Real, effects: readonly Effect[]): Record<string, unknown>[] {
  const numberOf = (id: string): number => real.ids.indexOf(id) + 1;
  return effects.map((e) => {
    expect(e.at.getTime(), `${e.type} happened now`).toBe(real.clock.now);
    expect(e.seq, `${e.type} has a seq`).toBeGreaterThan(0);
    // A doctor's event names no day.
    expect([e.doctorId, 'day' in e ? e.day : DAY], `${e.type} names the doctor and day`).toEqual(['d1', DAY]);
    // `request` and `leave` record calls for a replay (opd-scheduler/lab), which proves them in test/property/lab-fidelity.test.ts.
    const {
      seq,
      at,
      doctorId,
      day,
      actor,
      facilityId,
      label,
      request: _request,
      leave: _leave,
      ...rest
    } = withoutWhy(e) as Effect & {
      day: string;
      tokenId?: string;
      byTokenId?: string;
      tokenNumber?: number;
      label?: string;
      request?: unknown;
      leave?: unknown;
    };
    // The model names no actor, and books for the default facility.
    expect(actor, `${e.type} names no actor`).toBeNull();
    expect(facilityId, `${e.type} is the default facility's`).toBe('default');
    const out: Record<string, unknown> = { ...rest };
    if (label !== undefined) out['label'] = label;
    const until = (rest as { holdExpiresAt?: Date | null }).holdExpiresAt;
    if (until !== undefined && until !== null) out['holdExpiresAt'] = until.getTime();
    const retired = (rest as { retiredFrom?: Date }).retiredFrom;
    if (retired !== undefined) out['retiredFrom'] = retired.getTime();
    if (rest.tokenId !== undefined) {
      expect(rest.tokenNumber, 'tokenNumber agrees with tokenId').toBe(numberOf(rest.tokenId));
      out['tokenId'] = rest.tokenNumber;
      delete out['tokenNumber'];
    } else out['tokenId'] = null;
    if (rest.byTokenId !== undefined) out['byTokenId'] = numberOf(rest.byTokenId);
    const from = (rest as { fromTokenId?: string }).fromTokenId;
    if (from !== undefined) out['fromTokenId'] = numberOf(from);
    return out;
  });
}
const modelEvents = (model: Model, events: readonly MEvent[]): Record<string, unknown>[] => {
  const numberOf = (id: string): number => model.state.tokens.find((t) => t.id === id)!.number;
  const labelOf = (id: string): string => model.state.tokens.find((t) => t.id === id)!.label;
  return events.map((e) => ({
    ...e,
    ...(e.tokenId === null ? {} : { label: labelOf(e.tokenId) }),
    tokenId: e.tokenId === null ? null : numberOf(e.tokenId),
    ...(typeof e['byTokenId'] === 'string' ? { byTokenId: numberOf(e['byTokenId']) } : {}),
    ...(typeof e['fromTokenId'] === 'string' ? { fromTokenId: numberOf(e['fromTokenId']) } : {}),
  }));
};

/**
 * A slot's places as the scheduler lists them (and numbers their positions): in queue order; under
 * a call order, in the order of their turns — those seen or in consultation (queue order), then
 * the checked-in patients in the order they will be called, then the others waiting (queue
 * order). The order of the checked-in ones is projected at the day's pace, which the model does
 * not keep: they are given as a block in token-number order, the scheduler's list with its
 * checked-in entries put in that order where they stand.
 */
function listed(model: Model, slotId: string): { number: number; checkedIn: boolean }[] {
  const places = model.places(slotId);
  if (model.callOrder === null) return places.map((t) => ({ number: t.number, checkedIn: false }));
  const group = (status: string): number => (status === 'IN_CONSULTATION' || status === 'COMPLETED' ? 0 : status === 'CHECKED_IN' ? 1 : 2);
  return [...places]
    .sort((a, b) => group(a.status) - group(b.status) || (group(a.status) === 1 ? a.number - b.number : 0))
    .map((t) => ({ number: t.number, checkedIn: t.status === 'CHECKED_IN' }));
}
function asListed(places: readonly { tokenNumber: number; status: string }[], callOrder: boolean): number[] {
  const numbers = places.map((t) => t.tokenNumber);
  if (!callOrder) return numbers;
  const checkedIn = places
    .filter((t) => t.status === 'CHECKED_IN')
    .map((t) => t.tokenNumber)
    .sort((a, b) => a - b);
  return places.map((t, i) => (t.status === 'CHECKED_IN' ? checkedIn.shift()! : numbers[i]!));
}

/** Every observable: each token's status, slot, number, position, waitlist entry; slots; the waitlist. */
async function agree(model: Model, real: Real): Promise<void> {
  const byCall = model.callOrder !== null;
  const estimates = new Map<number, number>();
  for (const t of model.state.tokens) {
    const token = await real.opd.getToken(real.ids[t.number - 1]!);
    let position = model.position(t);
    if (byCall && position !== null) {
      const list = listed(model, t.slotId!);
      const at = list.findIndex((p) => p.number === t.number);
      position = at + 1;
      if (t.status === 'CHECKED_IN') {
        // One of the checked-in block's positions (the scheduler's list is compared below).
        const block = list.flatMap((p, i) => (p.checkedIn ? [i + 1] : []));
        expect(block, `token ${t.number}: a position among the checked-in`).toContain(token.position);
        position = token.position;
      }
    }
    if (token.estimatedStart !== null) estimates.set(t.number, token.estimatedStart.getTime());
    expect(
      {
        number: token.tokenNumber,
        label: token.label,
        status: token.status,
        slotId: token.slotId,
        waitingFor: token.waitingForSlotId,
        position: token.position,
        bumpCount: token.bumpCount,
        rank: token.rank,
        holdExpiresAt: token.holdExpiresAt?.getTime() ?? null,
      },
      `token ${t.number}`,
    ).toEqual({
      number: t.number,
      label: t.label,
      status: t.status,
      slotId: t.slotId,
      waitingFor: t.waitingFor,
      position,
      bumpCount: t.bumpCount,
      rank: t.rank,
      holdExpiresAt: t.holdExpiresAt,
    });
  }
  expect(
    (await real.opd.getWaitlist('d1', DAY)).map((t) => t.tokenNumber),
    'waitlist',
  ).toEqual(model.waitlist().map((t) => t.number));
  const schedule = await real.opd.getSchedule('d1', DAY);
  expect(
    schedule.slots.map((v) => ({ id: v.slot.id, status: v.slot.status, capacity: v.slot.capacity, places: asListed(v.places, byCall) })),
    'slots',
  ).toEqual(model.slots().map((s) => ({ id: s.id, status: s.status, capacity: s.capacity, places: listed(model, s.id).map((p) => p.number) })));
  // Under a call order, with nobody in consultation, the patient callNext would call now has the
  // first turn: the earliest estimate of the checked-in patients.
  const next = model.nextToCall();
  if (byCall && next !== null && !model.state.tokens.some((t) => t.status === 'IN_CONSULTATION')) {
    const checkedIn = model.state.tokens.filter((t) => t.status === 'CHECKED_IN').map((t) => estimates.get(t.number)!);
    expect(estimates.get(next.number), `token ${next.number}, called next, has the first turn`).toBe(Math.min(...checkedIn));
  }
}

class AddSlot implements Cmd {
  constructor(
    readonly hour: number,
    readonly half: boolean,
    readonly minutes: number,
    readonly capacity: number,
    readonly overflowCapacity: number | null,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const id = slotIdOf(this.hour, this.half);
    const start = Date.parse(`${DAY}T00:00:00Z`) + (this.hour * 60 + (this.half ? 30 : 0)) * MINUTE;
    const end = start + this.minutes * MINUTE;
    const overflow = this.overflowCapacity ?? 2;
    const before = model.state.tokens.length;
    await both(
      () => model.addSlot({ id, start, end, capacity: this.capacity, overflowCapacity: overflow, status: 'OPEN' }),
      () =>
        real.opd.addSlots('d1', [
          {
            id,
            start: new Date(start),
            end: new Date(end),
            capacity: this.capacity,
            ...(this.overflowCapacity === null ? {} : { overflowCapacity: this.overflowCapacity }),
          },
        ]),
      this.toString(),
    );
    expect(model.state.tokens.length).toBe(before);
    await agree(model, real);
  }
  toString = (): string => `addSlot(${slotIdOf(this.hour, this.half)}, ${this.minutes}min, cap ${this.capacity}, overflow ${String(this.overflowCapacity)})`;
}

class Book implements Cmd {
  constructor(
    readonly category: Cat,
    readonly slot: number | null,
    readonly patient: number | null,
    readonly afterHour: number | null,
    readonly key: number | null,
    readonly date: 'today' | 'past' | null = null,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const slotId = this.slot === null ? null : slotRef(model, this.slot);
    const patientId = this.patient === null ? null : `p${this.patient}`;
    const after = this.afterHour === null ? null : Date.parse(`${DAY}T${String(this.afterHour).padStart(2, '0')}:00:00Z`);
    const key = this.key === null ? null : `k${this.key}`;
    const result = await both(
      () => model.book({ category: this.category, slotId, patientId, after, key, date: this.date }),
      () =>
        real.opd.book({
          doctorId: 'd1',
          category: this.category,
          patient: { ...(patientId === null ? {} : { id: patientId }), name: `Patient ${patientId ?? 'anon'}` },
          ...(slotId === null ? {} : { slotId }),
          ...(after === null ? {} : { after: new Date(after) }),
          ...(key === null ? {} : { idempotencyKey: key }),
          ...(this.date === null ? {} : { date: this.date === 'today' ? DAY : '2026-01-29' }),
        }),
      this.toString(),
    );
    if (result !== undefined) {
      const { m, r } = result;
      if (!m.replayed) real.ids.push(r.token.id);
      expect(r.replayed === true, 'replayed').toBe(m.replayed);
      expect(r.token.tokenNumber, 'token number').toBe(m.token.number);
      expect(r.outcome, 'outcome').toBe(m.outcome);
      if (!m.replayed) expect(r.overflow, 'overflow').toBe(m.overflow);
      if (m.replayed)
        expect(
          r.effects.map((e) => e.type),
          'effects',
        ).toEqual(m.effects.map((e) => e.type));
      else expect(eventsOf(real, r.effects), 'effects').toEqual(modelEvents(model, m.effects));
    }
    await agree(model, real);
  }
  toString = (): string =>
    `book(${this.category}, slot ${String(this.slot)}, patient ${String(this.patient)}, after ${String(this.afterHour)}, key ${String(this.key)}, date ${String(this.date)})`;
}

class Hold implements Cmd {
  constructor(
    readonly category: Cat,
    readonly slot: number | null,
    readonly patient: number | null,
    readonly minutes: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const slotId = this.slot === null ? null : slotRef(model, this.slot);
    const patientId = this.patient === null ? null : `p${this.patient}`;
    const result = await both(
      () => model.hold({ category: this.category, slotId, patientId, after: null, key: null, date: null }, this.minutes),
      () =>
        real.opd.hold({
          doctorId: 'd1',
          category: this.category,
          patient: { ...(patientId === null ? {} : { id: patientId }), name: `Patient ${patientId ?? 'anon'}` },
          ...(slotId === null ? { date: DAY } : { slotId }),
          holdMinutes: this.minutes,
        }),
      this.toString(),
    );
    if (result !== undefined) {
      const { m, r } = result;
      real.ids.push(r.token.id);
      expect([r.token.tokenNumber, r.token.status, r.token.slotId], 'the hold').toEqual([m.token.number, 'HELD', m.token.slotId]);
      expect(eventsOf(real, r.effects), 'effects').toEqual(modelEvents(model, m.effects));
    }
    await agree(model, real);
  }
  toString = (): string => `hold(${this.category}, slot ${String(this.slot)}, patient ${String(this.patient)}, ${this.minutes}min)`;
}

class CallNext implements Cmd {
  constructor(readonly room: string | null) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const expected = model.callNext();
    const before = (await allHistory(real.opd)).length;
    const r = await real.opd.callNext('d1', this.room === null ? undefined : { room: this.room });
    expect(r.token?.tokenNumber ?? null, 'the patient called').toBe(expected?.number ?? null);
    expect(r.effects, 'calling changes no place').toEqual([]);
    // One stored event, `token:called`, when someone is called; nothing at all otherwise.
    const stored = (await allHistory(real.opd)).slice(before);
    expect(
      stored.map((e) => [e.type, 'tokenNumber' in e ? e.tokenNumber : null, 'room' in e ? e.room : null, 'recall' in e ? e.recall : null]),
      'stored events',
    ).toEqual(expected === null ? [] : [['token:called', expected.number, this.room, false]]);
    await agree(model, real);
  }
  toString = (): string => `callNext(${String(this.room)})`;
}

/** A patient with a place arrives: the `ref`-th `BOOKED` token (if any) checks in. */
class Arrive implements Cmd {
  constructor(readonly ref: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const booked = model.state.tokens.filter((t) => t.status === 'BOOKED');
    const token = booked[this.ref % Math.max(1, booked.length)];
    if (token !== undefined) {
      model.transition(token.id, 'checkIn');
      await real.opd.checkIn(real.ids[token.number - 1]!);
    }
    await agree(model, real);
  }
  toString = (): string => `arrive(booked ref ${this.ref})`;
}

/** The doctor sees the next patient: `callNext`, then the consultation of the patient called, start to end. */
class SeeNext implements Cmd {
  constructor(readonly minutes: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const expected = model.callNext();
    const r = await real.opd.callNext('d1');
    expect(r.token?.tokenNumber ?? null, 'the patient called').toBe(expected?.number ?? null);
    if (expected !== null) {
      const id = real.ids[expected.number - 1]!;
      model.transition(expected.id, 'startConsultation');
      await real.opd.startConsultation(id);
      model.now = Math.min(model.now + this.minutes * MINUTE, LAST_MINUTE);
      real.clock.now = model.now;
      model.transition(expected.id, 'complete');
      await real.opd.complete(id);
    }
    await agree(model, real);
  }
  toString = (): string => `seeNext(${this.minutes}min)`;
}

class Recall implements Cmd {
  constructor(readonly token: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const number = tokenRef(model, this.token);
    const id = real.ids[number - 1] ?? `d1~${DAY}~${number}`;
    const modelId = model.state.tokens.find((t) => t.number === number)?.id ?? 'missing';
    const before = (await allHistory(real.opd)).length;
    const result = await both(
      () => model.recall(modelId),
      () => real.opd.recall(id, { room: 'Room 2' }),
      this.toString(),
    );
    const stored = (await allHistory(real.opd)).slice(before);
    expect(
      stored.map((e) => [e.type, 'tokenNumber' in e ? e.tokenNumber : null, 'recall' in e ? e.recall : null]),
      'stored events',
    ).toEqual(result === undefined ? [] : [['token:called', result.m.number, true]]);
    if (result !== undefined) {
      expect([result.r.token.tokenNumber, result.r.token.status], 'the patient called again').toEqual([result.m.number, 'CHECKED_IN']);
      expect(result.r.effects, 'calling changes no place').toEqual([]);
    }
    await agree(model, real);
  }
  toString = (): string => `recall(token ref ${this.token})`;
}

class Reinstate implements Cmd {
  constructor(readonly token: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const number = tokenRef(model, this.token);
    const id = real.ids[number - 1] ?? `d1~${DAY}~${number}`;
    const modelId = model.state.tokens.find((t) => t.number === number)?.id ?? 'missing';
    const result = await both(
      () => model.reinstate(modelId),
      () => real.opd.reinstate(id),
      this.toString(),
    );
    if (result !== undefined) {
      expect(result.r.token.id, 'a reinstated token keeps its id').toBe(id);
      expect([result.r.token.status, result.r.token.slotId]).toEqual([result.m.token.status, result.m.token.slotId]);
      expect(eventsOf(real, result.r.effects), 'effects').toEqual(modelEvents(model, result.m.effects));
    }
    await agree(model, real);
  }
  toString = (): string => `reinstate(token ref ${this.token})`;
}

type Action = 'cancel' | 'checkIn' | 'startConsultation' | 'complete' | 'markNoShow' | 'confirm' | 'release';
class Transition implements Cmd {
  constructor(
    readonly action: Action,
    readonly token: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const number = tokenRef(model, this.token);
    const id = real.ids[number - 1] ?? `d1~${DAY}~${number}`;
    const modelId = model.state.tokens.find((t) => t.number === number)?.id ?? 'missing';
    const reason = this.action === 'cancel' && this.token % 2 === 0 ? 'patient called' : null;
    const result = await both(
      () => model.transition(modelId, this.action, reason),
      () => (this.action === 'cancel' && reason !== null ? real.opd.cancel(id, { reason }) : real.opd[this.action](id)),
      this.toString(),
    );
    if (result !== undefined) {
      expect(result.r.token.status).toBe(result.m.token.status);
      expect(eventsOf(real, result.r.effects), 'effects').toEqual(modelEvents(model, result.m.effects));
    }
    await agree(model, real);
  }
  toString = (): string => `${this.action}(token ref ${this.token})`;
}

class Move implements Cmd {
  constructor(
    readonly token: number,
    readonly slot: number | null,
    readonly afterHour: number | null,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const number = tokenRef(model, this.token);
    const id = real.ids[number - 1] ?? `d1~${DAY}~${number}`;
    const modelId = model.state.tokens.find((t) => t.number === number)?.id ?? 'missing';
    const slotId = this.slot === null ? null : slotRef(model, this.slot);
    const after = this.afterHour === null ? null : Date.parse(`${DAY}T${String(this.afterHour).padStart(2, '0')}:00:00Z`);
    const result = await both(
      () => model.move(modelId, slotId, after, 'asked'),
      () =>
        real.opd.move(id, { ...(slotId === null ? {} : { slotId }), ...(after === null ? { date: DAY } : { after: new Date(after) }) }, { reason: 'asked' }),
      this.toString(),
    );
    if (result !== undefined) {
      expect(result.r.token.id, 'a move within the day keeps the token').toBe(id);
      expect(result.r.token.slotId).toBe(result.m.token.slotId);
      expect(eventsOf(real, result.r.effects), 'effects').toEqual(modelEvents(model, result.m.effects));
    }
    await agree(model, real);
  }
  toString = (): string => `move(token ref ${this.token}, slot ${String(this.slot)}, after ${String(this.afterHour)})`;
}

class Sweep implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const result = await both(
      () => model.sweep(),
      () => real.opd.sweep(),
      'sweep()',
    );
    if (result !== undefined) expect(eventsOf(real, result.r), 'effects').toEqual(modelEvents(model, result.m));
    await agree(model, real);
  }
  toString = (): string => 'sweep()';
}

class CloseDay implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const result = await both(
      () => model.closeDay(),
      () => real.opd.closeDay('d1', DAY),
      'closeDay()',
    );
    if (result !== undefined) expect(eventsOf(real, result.r), 'effects').toEqual(modelEvents(model, result.m));
    await agree(model, real);
  }
  toString = (): string => 'closeDay()';
}

class Advance implements Cmd {
  constructor(readonly minutes: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    model.now = Math.min(model.now + this.minutes * MINUTE, LAST_MINUTE);
    real.clock.now = model.now;
    await agree(model, real);
  }
  toString = (): string => `advance(${this.minutes}min)`;
}

/** Moves the clock to exactly the earliest end of a live hold (the boundary of confirm and sweep), if any. */
class AdvanceToHoldEnd implements Cmd {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const ends = model.state.tokens.filter((t) => t.status === 'HELD' && t.holdExpiresAt! > model.now).map((t) => t.holdExpiresAt!);
    if (ends.length > 0) model.now = Math.min(Math.min(...ends), LAST_MINUTE);
    real.clock.now = model.now;
    await agree(model, real);
  }
  toString = (): string => 'advanceToHoldEnd()';
}

class CloseSlot implements Cmd {
  constructor(readonly slot: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const id = slotRef(model, this.slot);
    const result = await both(
      () => model.closeSlot(id, 'doctor left'),
      () => real.opd.closeSlot(id, { reason: 'doctor left' }),
      this.toString(),
    );
    if (result !== undefined) expect(eventsOf(real, result.r), 'effects').toEqual(modelEvents(model, result.m));
    await agree(model, real);
  }
  toString = (): string => `closeSlot(ref ${this.slot})`;
}

class CloseSlots implements Cmd {
  constructor(
    readonly fromMinute: number,
    readonly minutes: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const from = START + this.fromMinute * MINUTE;
    const to = from + this.minutes * MINUTE;
    const result = await both(
      () => model.closeSlots(from, to, 'on leave'),
      () => real.opd.closeSlots('d1', { from: new Date(from), to: new Date(to), reason: 'on leave' }),
      this.toString(),
    );
    if (result !== undefined) expect(eventsOf(real, result.r), 'effects').toEqual(modelEvents(model, result.m));
    await agree(model, real);
  }
  toString = (): string => `closeSlots(+${this.fromMinute}min, ${this.minutes}min)`;
}

class Retire implements Cmd {
  constructor(readonly fromMinute: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const from = START + this.fromMinute * MINUTE;
    const result = await both(
      () => model.retire(from, 'retired'),
      async () => (await real.opd.retireDoctor('d1', { from: new Date(from), reason: 'retired' })).effects,
      this.toString(),
    );
    if (result !== undefined) expect(eventsOf(real, result.r), 'effects').toEqual(modelEvents(model, result.m));
    await agree(model, real);
  }
  toString = (): string => `retire(+${this.fromMinute}min)`;
}

class ReopenSlot implements Cmd {
  constructor(readonly slot: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const id = slotRef(model, this.slot);
    const result = await both(
      () => model.reopenSlot(id),
      () => real.opd.reopenSlot(id),
      this.toString(),
    );
    if (result !== undefined) expect(eventsOf(real, result.r), 'effects').toEqual(modelEvents(model, result.m));
    await agree(model, real);
  }
  toString = (): string => `reopenSlot(ref ${this.slot})`;
}

class SetCapacity implements Cmd {
  constructor(
    readonly slot: number,
    readonly capacity: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const id = slotRef(model, this.slot);
    const result = await both(
      () => model.setCapacity(id, this.capacity),
      () => real.opd.setCapacity(id, this.capacity),
      this.toString(),
    );
    if (result !== undefined) expect(eventsOf(real, result.r), 'effects').toEqual(modelEvents(model, result.m));
    await agree(model, real);
  }
  toString = (): string => `setCapacity(ref ${this.slot}, ${this.capacity})`;
}

/** The commands, weighted by repetition; holds are asked for in `holdCats`. */
const commandArbsFor = (holdCats: readonly Cat[]): fc.Arbitrary<Cmd>[] => [
  fc
    .tuple(
      fc.integer({ min: 8, max: 13 }),
      fc.boolean(),
      fc.constantFrom(30, 60),
      fc.integer({ min: 0, max: 3 }),
      fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
    )
    .map(([h, half, m, c, o]) => new AddSlot(h, half, m, c, o)),
  fc
    .tuple(
      fc.constantFrom(...CATS),
      fc.option(fc.nat(15), { nil: null }),
      fc.option(fc.nat(7), { freq: 4, nil: null }),
      fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 8, max: 13 }) }),
      fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(2) }),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(null) },
        { weight: 2, arbitrary: fc.constant<'today'>('today') },
        { weight: 1, arbitrary: fc.constant<'past'>('past') },
      ),
    )
    .map(([c, s, p, a, k, d]) => new Book(c, s, p, a, k, d)),
  fc.tuple(fc.constantFrom(...CATS), fc.option(fc.nat(15), { nil: null })).map(([c, s]) => new Book(c, s, null, null, null)),
  fc.tuple(fc.constantFrom<Action>('cancel', 'checkIn', 'startConsultation', 'complete', 'markNoShow'), fc.nat(30)).map(([a, t]) => new Transition(a, t)),
  fc
    .tuple(fc.constantFrom(...holdCats), fc.option(fc.nat(15), { nil: null }), fc.option(fc.nat(7), { freq: 3, nil: null }), fc.constantFrom(1, 10, 30, 90))
    .map(([c, s, p, m]) => new Hold(c, s, p, m)),
  fc.tuple(fc.constantFrom<Action>('confirm', 'release'), fc.nat(30)).map(([a, t]) => new Transition(a, t)),
  fc.option(fc.constant('Room 4'), { nil: null }).map((room) => new CallNext(room)),
  fc.nat(30).map((t) => new Recall(t)),
  fc.nat(30).map((t) => new Reinstate(t)),
  fc.nat(30).map((t) => new Reinstate(t)),
  fc
    .tuple(fc.nat(30), fc.option(fc.nat(15), { freq: 2, nil: null }), fc.option(fc.integer({ min: 8, max: 13 }), { freq: 2, nil: null }))
    .map(([t, s, a]) => new Move(t, s, a)),
  fc.constant(new Sweep()),
  fc.constant(new CloseDay()),
  fc.integer({ min: 1, max: 40 }).map((m) => new Advance(m)),
  fc.constant(new AdvanceToHoldEnd()),
  fc.nat(15).map((s) => new CloseSlot(s)),
  fc.nat(15).map((s) => new ReopenSlot(s)),
  fc.tuple(fc.integer({ min: 0, max: 8 * 60 }), fc.integer({ min: 1, max: 4 * 60 })).map(([f, m]) => new CloseSlots(f, m)),
  fc.tuple(fc.nat(15), fc.integer({ min: 0, max: 4 })).map(([s, c]) => new SetCapacity(s, c)),
  // Late in the day, so that a run goes on with the slots before it.
  fc.integer({ min: 3 * 60, max: 8 * 60 }).map((f) => new Retire(f)),
];
const commandsArb = fc.commands(commandArbsFor(CATS), { maxCommands: 40, size: 'max' });

const RUNS = 60;

/**
 * Found with random seeds: a move within the day settles it first when a hold there has ended,
 * as after a sweep. The emergency in 08:00 moves to 09:00, whose only place an ended hold kept;
 * and a waiting emergency asked to move into the slot an ended hold kept is promoted into it
 * first, so the move is refused as one into its own slot.
 */
const MOVE_EXAMPLES: Cmd[][] = [
  // Closing the day: refused before it is over, then by hand (a patient booked, one checked in,
  // one waiting), again (nothing), and by a sweep once the day is over again after a new slot.
  [
    new AddSlot(8, false, 30, 1, null),
    new Book('ONLINE', null, 1, null, null, 'today'),
    new Book('PAID', null, 2, null, null, 'today'),
    new Book('WALK_IN', null, 3, null, null, 'today'),
    new Transition('checkIn', 0),
    new CloseDay(),
    new Advance(40),
    new Advance(40),
    new CloseDay(),
    new CloseDay(),
    new AddSlot(9, false, 30, 1, null),
    new Book('WALK_IN', null, 4, null, null, 'today'),
    new Book('ONLINE', null, 5, null, null, 'today'),
    new Advance(40),
    new Advance(40),
    new Sweep(),
  ],
  [
    new AddSlot(8, false, 30, 1, null),
    new AddSlot(9, false, 30, 1, null),
    new Book('EMERGENCY', null, null, null, null),
    new Hold('EMERGENCY', null, null, 1),
    new AdvanceToHoldEnd(),
    new Move(0, null, null),
  ],
  [
    new AddSlot(8, false, 30, 1, null),
    new Hold('EMERGENCY', null, null, 1),
    new Book('EMERGENCY', null, null, null, null),
    new AdvanceToHoldEnd(),
    new Move(3, 0, null),
  ],
];

describe('the scheduler agrees with a reference model after every command', () => {
  for (const name of Object.keys(POLICIES)) {
    it(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(commandsArb, async (commands) => {
            const clock = { now: START };
            const opd = new OpdScheduler({ ...PRESETS[name]!(), clock: () => new Date(clock.now) });
            await opd.addDoctor({ id: 'd1', name: 'Dr One' });
            const setup = () => ({ model: new Model(POLICIES[name]!, START), real: { opd, clock, ids: [] } });
            await fc.asyncModelRun(setup, commands);
          }),
          { ...fcOptions<[Iterable<Cmd>]>(RUNS), examples: MOVE_EXAMPLES.map((commands): [Iterable<Cmd>] => [commands]) },
        );
      },
      timeoutFor(RUNS, 100),
    );
  }
});

describe('with a channel quota, the scheduler agrees with the reference model after every command', () => {
  for (const name of ['standard', 'standard-chain', 'cascade-chain', 'cascade-keep-chain', 'waitlist', 'elastic']) {
    it(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(quotaSpecArb, commandsArb, async (quota, commands) => {
            const clock = { now: START };
            const opd = new OpdScheduler({ ...PRESETS[name]!(), quota: new ChannelQuota(quota), clock: () => new Date(clock.now) });
            await opd.addDoctor({ id: 'd1', name: 'Dr One' });
            const setup = () => ({ model: new Model(POLICIES[name]!, START, quota as MQuota), real: { opd, clock, ids: [] } });
            await fc.asyncModelRun(setup, commands);
          }),
          fcOptions(RUNS),
        );
      },
      timeoutFor(RUNS, 100),
    );
  }
});

/** Label prefixes as the scheduler's `numbering` option gives them, with the model's view of them. */
const NUMBERINGS = {
  category: { option: 'category', prefixes: { EMERGENCY: 'E', PAID: 'P', FOLLOW_UP: 'F', ONLINE: 'O', WALK_IN: 'W' } },
  'category, PAID and ONLINE sharing VIP': {
    option: { series: 'category', prefixes: { PAID: 'VIP', ONLINE: 'VIP', WALK_IN: 'WALK9' } },
    prefixes: { EMERGENCY: 'E', PAID: 'VIP', FOLLOW_UP: 'F', ONLINE: 'VIP', WALK_IN: 'WALK9' },
  },
} as const satisfies Record<string, { option: Numbering; prefixes: Record<Cat, string> }>;

describe('with labels per category, the scheduler agrees with the reference model after every command', () => {
  for (const [numbering, { option, prefixes }] of Object.entries(NUMBERINGS)) {
    for (const name of ['standard', 'cascade-chain', 'waitlist']) {
      it(
        `${name}, numbering ${numbering}`,
        async () => {
          await fc.assert(
            fc.asyncProperty(commandsArb, async (commands) => {
              const clock = { now: START };
              const opd = new OpdScheduler({ ...PRESETS[name]!(), numbering: option, clock: () => new Date(clock.now) });
              await opd.addDoctor({ id: 'd1', name: 'Dr One' });
              const setup = () => ({ model: new Model(POLICIES[name]!, START, null, prefixes), real: { opd, clock, ids: [] } });
              await fc.asyncModelRun(setup, commands);
            }),
            fcOptions(RUNS / 2),
          );
        },
        timeoutFor(RUNS / 2, 100),
      );
    }
  }
});

describe('with late arrivals rebooked, the scheduler agrees with the reference model after every command', () => {
  for (const name of ['standard', 'cascade', 'waitlist', 'elastic']) {
    it(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(commandsArb, async (commands) => {
            const clock = { now: START };
            const opd = new OpdScheduler({ ...PRESETS[name]!(), lateArrival: 'rebook', clock: () => new Date(clock.now) });
            await opd.addDoctor({ id: 'd1', name: 'Dr One' });
            const setup = () => {
              const model = new Model(POLICIES[name]!, START);
              model.lateArrival = 'rebook';
              return { model, real: { opd, clock, ids: [] } };
            };
            await fc.asyncModelRun(setup, commands);
          }),
          fcOptions(RUNS / 2),
        );
      },
      timeoutFor(RUNS / 2, 100),
    );
  }
});

describe('with booking windows, the scheduler agrees with the reference model after every command', () => {
  for (const [name, lateArrival] of [
    ['standard', 'queue-end'],
    ['cascade-chain', 'rebook'],
    ['waitlist', 'queue-end'],
    ['elastic', 'rebook'],
  ] as const) {
    it(
      `${name}, late arrivals ${lateArrival}`,
      async () => {
        await fc.assert(
          fc.asyncProperty(windowsSpecArb, commandsArb, async (windows, commands) => {
            const clock = { now: START };
            // No call names an actor: the exempt one never applies here (the window property tries it).
            const opd = new OpdScheduler({ ...PRESETS[name]!(), bookingWindows: windows, lateArrival, clock: () => new Date(clock.now) });
            await opd.addDoctor({ id: 'd1', name: 'Dr One' });
            const setup = () => {
              const model = new Model(POLICIES[name]!, START);
              const { exemptActors: _exempt, ...byCategory } = windows;
              model.windows = byCategory as MWindows;
              model.lateArrival = lateArrival;
              return { model, real: { opd, clock, ids: [] } };
            };
            await fc.asyncModelRun(setup, commands);
          }),
          fcOptions(RUNS / 2),
        );
      },
      timeoutFor(RUNS / 2, 100),
    );
  }
});

/**
 * Under a call order the model predicts whom `callNext` calls (accumulating priority, interleaving,
 * the longest wait, emergencies first; docs/rules.md), with more calls, check-ins and
 * consultations than the other runs so that the day's calls build up.
 */
/** The day of a queue: slots of several places, bookings, arrivals, the doctor seeing patients, time passing. */
const queueDayArbs: fc.Arbitrary<Cmd>[] = [
  fc.tuple(fc.integer({ min: 8, max: 11 }), fc.boolean(), fc.integer({ min: 2, max: 4 })).map(([h, half, c]) => new AddSlot(h, half, 60, c, 1)),
  fc.tuple(fc.constantFrom(...CATS), fc.option(fc.nat(15), { nil: null })).map(([c, s]) => new Book(c, s, null, null, null)),
  fc
    .tuple(fc.constantFrom<Cat>('PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'), fc.option(fc.nat(15), { nil: null }))
    .map(([c, s]) => new Book(c, s, null, null, null)),
  fc.nat(20).map((r) => new Arrive(r)),
  fc.nat(20).map((r) => new Arrive(r)),
  fc.option(fc.constant('Room 4'), { nil: null }).map((room) => new CallNext(room)),
  fc.integer({ min: 1, max: 15 }).map((m) => new SeeNext(m)),
  fc.integer({ min: 1, max: 15 }).map((m) => new SeeNext(m)),
  fc.integer({ min: 1, max: 30 }).map((m) => new Advance(m)),
];
const callOrderCommandsArb = fc.commands([...commandArbsFor(CATS), ...queueDayArbs, ...queueDayArbs, ...queueDayArbs], { maxCommands: 80, size: 'max' });

/** Random call orders, with short longest waits more often than the property suite's, so that they bind within a run. */
const modelCallOrderArb = fc
  .tuple(callOrderSpecArb, fc.option(fc.constantFrom(5, 10, 15, 30), { freq: 4, nil: undefined }))
  .map(([spec, most]): CallOrderSpec => (most === undefined ? spec : { ...spec, maxWaitMinutes: most }));

describe('with a call order, the scheduler agrees with the reference model after every command', () => {
  for (const name of ['standard', 'cascade', 'waitlist', 'elastic-walk-in']) {
    it(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(modelCallOrderArb, callOrderCommandsArb, async (spec, commands) => {
            const clock = { now: START };
            const opd = new OpdScheduler({ ...PRESETS[name]!(), callOrder: new FairCallOrder(spec), clock: () => new Date(clock.now) });
            await opd.addDoctor({ id: 'd1', name: 'Dr One' });
            const setup = () => {
              const model = new Model(POLICIES[name]!, START);
              // The model reads the options as documented, not from the scheduler's instance.
              const order: MCallOrder = {
                rates: spec.rates ?? { PAID: 4, FOLLOW_UP: 3, ONLINE: 2, WALK_IN: 1 },
                interleaveEvery: spec.interleaveEvery ?? null,
                maxWaitMinutes: spec.maxWaitMinutes ?? null,
              };
              model.callOrder = order;
              return { model, real: { opd, clock, ids: [] } };
            };
            await fc.asyncModelRun(setup, commands);
          }),
          fcOptions(RUNS),
        );
      },
      timeoutFor(RUNS, 150),
    );
  }
});
