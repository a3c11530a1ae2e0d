import {
  type BookingRequest,
  MemoryStorage,
  OpdError,
  type OpdEvent,
  type OpdSchedulerOptions,
  OpdScheduler,
  type Slot,
  type StorageAdapter,
  isOpdError,
  type OpdErrorCode,
} from 'opd-scheduler';
import type { DoctorSnapshot } from 'opd-scheduler/adapter-kit';
import { expect } from 'vitest';
import { existsSync } from 'node:fs';

/** The font a slip is drawn with by default (Debian's fonts-noto-core, installed by .ci/run). */
export const SLIP_FONT = '/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf';

/**
 * Whether the tests draw slips: where the font is installed, and always in CI (where a missing font
 * fails them); elsewhere they skip the drawings, or expect the refusal a server without it gives.
 */
export const slipsDrawable = existsSync(SLIP_FONT) || process.env['CI'] === 'true';

/** 2026-01-30, a Friday. Slots are built on this day in UTC unless a test says otherwise. */
export const DAY = '2026-01-30';

/** An instant on {@link DAY} at hh:mm UTC. */
export function at(hhmm: string, day = DAY): Date {
  return new Date(`${day}T${hhmm}:00Z`);
}

/** A clock the test moves by hand. */
export class TestClock {
  #now: number;
  constructor(start: Date | string = at('07:00')) {
    this.#now = new Date(start).getTime();
  }
  readonly now = (): Date => new Date(this.#now);
  set(to: Date | string): void {
    this.#now = new Date(to).getTime();
  }
  advance(minutes: number): void {
    this.#now += minutes * 60_000;
  }
}

/** A scheduler on a fresh in-memory store with a test clock (07:00 on {@link DAY}). */
export function scheduler(options: OpdSchedulerOptions = {}, clock = new TestClock()): { opd: OpdScheduler; clock: TestClock } {
  return { opd: new OpdScheduler({ clock: clock.now, ...options }), clock };
}

/**
 * Adds doctor `id` with hourly slots starting at the given hours (UTC) on `day`, each of the
 * given capacity. Slot ids are `${id}-${hour}` (e.g. `d1-09`).
 */
export async function doctorWithSlots(
  opd: OpdScheduler,
  id: string,
  hours: readonly number[],
  capacity: number,
  extra: { overflowCapacity?: number; day?: string } = {},
): Promise<Slot[]> {
  await opd.addDoctor({ id, name: `Dr ${id}` });
  const day = extra.day ?? DAY;
  return opd.addSlots(
    id,
    hours.map((h) => {
      const hh = String(h).padStart(2, '0');
      const next = String(h + 1).padStart(2, '0');
      return {
        id: `${id}-${hh}`,
        start: `${day}T${hh}:00:00Z`,
        end: `${day}T${next}:00:00Z`,
        capacity,
        ...(extra.overflowCapacity === undefined ? {} : { overflowCapacity: extra.overflowCapacity }),
      };
    }),
  );
}

let patientCounter = 0;

/** A booking request for a fresh patient. */
export function request(doctorId: string, category: string, extra: Partial<BookingRequest> & { patientId?: string; age?: number } = {}): BookingRequest {
  const { patientId, age, ...rest } = extra;
  const id = patientId ?? `p${++patientCounter}`;
  return { doctorId, category, patient: { id, name: `Patient ${id}`, ...(age === undefined ? {} : { age }) }, ...rest };
}

/** Asserts that a promise rejects with an `OpdError` of the given code, and returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: OpdErrorCode): Promise<{ code: string; details: Record<string, unknown>; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(isOpdError(error), `expected an OpdError, got ${String(error)}`).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    return error as { code: string; details: Record<string, unknown>; message: string };
  }
  throw new Error(`expected a rejection with ${code}`);
}

/** Token numbers of a slot's places in queue order. */
export async function queue(opd: OpdScheduler, slotId: string): Promise<number[]> {
  return (await opd.getSlot(slotId)).places.map((t) => t.tokenNumber);
}

/** Every stored event after `after`, read page by page (`history()` answers a page at a time). */
export async function allHistory(opd: OpdScheduler, after = 0): Promise<OpdEvent[]> {
  const events: OpdEvent[] = [];
  for (let page = await opd.history({ after }); page.length > 0; page = await opd.history({ after: page.at(-1)!.seq })) events.push(...page);
  return events;
}

/** Everything observable about a doctor-day, for before/after comparisons. */
export async function observe(opd: OpdScheduler, doctorId: string, day = DAY): Promise<unknown> {
  return { schedule: await opd.getSchedule(doctorId, day), stats: await opd.stats(), history: await allHistory(opd) };
}

/**
 * An adapter that delegates everything to `inner`, except that the snapshots handed to units of
 * work (`unit`) and returned by `read` (`read`) pass through the given rewrites first.
 */
export function rewritingStorage(
  name: string,
  inner: StorageAdapter,
  rewrite: { readonly unit?: (snapshot: DoctorSnapshot) => DoctorSnapshot; readonly read?: (snapshot: DoctorSnapshot) => DoctorSnapshot },
): StorageAdapter {
  const each =
    (one: (snapshot: DoctorSnapshot) => DoctorSnapshot) =>
    (snapshot: DoctorSnapshot): DoctorSnapshot => {
      const rewritten = one(snapshot);
      if (snapshot.others === undefined) return rewritten;
      return { ...rewritten, others: new Map([...snapshot.others].map(([id, other]) => [id, one(other)])) };
    };
  const unit = each(rewrite.unit ?? ((snapshot: DoctorSnapshot) => snapshot));
  const read = each(rewrite.read ?? ((snapshot: DoctorSnapshot) => snapshot));
  return {
    name,
    multiDoctor: inner.multiDoctor,
    transact: (request, decide) => inner.transact(request, (snapshot) => decide(unit(snapshot))),
    read: async (request) => read(await inner.read(request)),
    listDoctors: () => inner.listDoctors(),
    allocateId: (kind) => inner.allocateId(kind),
    findDueDays: (cutoff, claimsDueBy) => inner.findDueDays(cutoff, claimsDueBy),
    scanDays: (filter) => inner.scanDays(filter),
    history: (after, limit) => inner.history(after, limit),
    close: () => inner.close(),
  };
}

/**
 * An adapter named `custom` that delegates every member to a fresh {@link MemoryStorage}
 * (`inner`), with the members of `over` in place of its own; `replace` swaps one later. For tests
 * of what the scheduler makes of an adapter's answers and failures.
 */
export function delegatingStorage(over: Partial<Record<keyof StorageAdapter, unknown>> = {}): {
  storage: StorageAdapter;
  inner: MemoryStorage;
  replace: (member: keyof StorageAdapter, value: unknown) => void;
} {
  const inner = new MemoryStorage();
  const storage: StorageAdapter = {
    name: 'custom',
    transact: (request, decide) => inner.transact(request, decide),
    read: (request) => inner.read(request),
    listDoctors: () => inner.listDoctors(),
    allocateId: () => inner.allocateId(),
    findDueDays: (cutoff, claimsDueBy) => inner.findDueDays(cutoff, claimsDueBy),
    scanDays: (filter) => inner.scanDays(filter),
    history: (after, limit) => inner.history(after, limit),
    close: () => inner.close(),
  };
  const replace = (member: keyof StorageAdapter, value: unknown): void => {
    (storage as unknown as Record<string, unknown>)[member] = value;
  };
  for (const [member, value] of Object.entries(over)) replace(member as keyof StorageAdapter, value);
  return { storage, inner, replace };
}

/** Asserts that `make` throws an `OpdError` `VALIDATION_FAILED` whose `details.field` is `field`. */
export function expectInvalid(make: () => unknown, field: string): void {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(OpdError);
    expect((error as OpdError).code).toBe('VALIDATION_FAILED');
    expect((error as OpdError).details['field']).toBe(field);
    return;
  }
  throw new Error(`expected VALIDATION_FAILED on ${field}`);
}
