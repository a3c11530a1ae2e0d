/**
 * The storage-adapter conformance suite: proves that a {@link StorageAdapter} keeps the contract
 * (serialized per doctor, atomic, events in commit order, the same observable results as
 * `MemoryStorage`). Runs with vitest.
 *
 * @example
 * ```ts
 * // test/my-adapter.test.ts
 * import { describeStorageConformance } from 'opd-scheduler/testing';
 * import { MyStorage } from '../src/my-storage.js';
 *
 * describeStorageConformance('MyStorage', async () => {
 *   const storage = new MyStorage(await freshDatabase());
 *   return { storage, cleanup: () => dropDatabase() };
 * });
 * ```
 * @packageDocumentation
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isOpdError, MemoryStorage, OpdScheduler, type OpdSchedulerOptions, presets, type StorageAdapter } from '../index.js';
import type { ChangeSet, DoctorSnapshot } from '../model/snapshot.js';
import type { SlotRecord, TokenRecord } from '../model/records.js';
import { describeMultiDoctor } from './multi-doctor.js';
import { bySeqRank } from './seq-rank.js';
import { invalid } from '../errors.js';
import { policyOptions } from '../policies/priority.js';
import { describe as describeValue } from '../time.js';
import { expectInteger, expectOptionalBoolean, expectText, readObject } from '../validate.js';

/** What a conformance factory returns: a fresh, empty store, and how to dispose of it. */
export interface ConformanceSubject {
  /** A fresh, empty store. The suite closes it (possibly twice: `close` must be idempotent). */
  readonly storage: StorageAdapter;
  /** Called after each test, after the storage was closed (drop the schema, end the pool, …). */
  readonly cleanup?: (() => Promise<void>) | undefined;
  /**
   * Opens another handle on the same store, as another process would (needed by the `shared`
   * and `subscribe` capabilities). The suite closes it before `cleanup`.
   */
  readonly share?: (() => Promise<StorageAdapter>) | undefined;
}

/**
 * What an adapter supports beyond the core contract. The suite runs the tests of each declared
 * capability, and names the ones it leaves out.
 */
export interface AdapterCapabilities {
  /** Its own `tail()` (stored events after a `seq`, then live ones, without polling `history`). */
  readonly tail?: boolean | undefined;
  /**
   * Several handles on one store (several processes): units through different handles are still
   * serialized per doctor, and each sees what the others committed. Needs
   * {@link ConformanceSubject.share}.
   */
  readonly shared?: boolean | undefined;
  /** `subscribe()`: events committed through another handle reach this one's scheduler. Needs `shared`. */
  readonly subscribe?: boolean | undefined;
  /**
   * Units over several doctors (`StorageAdapter.multiDoctor`): every doctor named locked in one
   * order, read, and written together; concurrent units over the same doctors named in opposite
   * orders never deadlock nor lose an update; a later load never adds a doctor.
   */
  readonly multiDoctor?: boolean | undefined;
}

/** Options of {@link describeStorageConformance}. */
export interface ConformanceOptions {
  /**
   * Skip the whole suite, for this reason (for example, no database server configured). The
   * reason is printed and shown in the suite's name.
   */
  readonly skip?: string | undefined;
  /**
   * How many calls run at once in the concurrency tests.
   * @defaultValue 50
   */
  readonly concurrency?: number | undefined;
  /**
   * Milliseconds each test may take.
   * @defaultValue 30000
   */
  readonly timeout?: number | undefined;
  /**
   * What the adapter supports beyond the core contract (see {@link AdapterCapabilities}).
   * @defaultValue none
   */
  readonly capabilities?: AdapterCapabilities | undefined;
}

const OPTION_KEYS: readonly string[] = ['skip', 'concurrency', 'timeout', 'capabilities'];
const CAPABILITY_KEYS: ReadonlySet<string> = new Set(['tail', 'shared', 'subscribe', 'multiDoctor']);
/** The longest timeout a timer takes (2³¹ − 1 ms, about 24.8 days). */
const MAX_TIMEOUT = 2_147_483_647;

/** The arguments of {@link describeStorageConformance}, checked, with the defaults applied. */
interface CheckedConformance {
  readonly skip: string | undefined;
  readonly concurrency: number;
  readonly timeout: number;
  readonly capabilities: AdapterCapabilities;
}

/**
 * Checks the arguments of {@link describeStorageConformance}, reading each option once.
 * @throws OpdError `VALIDATION_FAILED` naming the argument or option at fault
 */
function conformanceOptions(name: unknown, factory: unknown, options: unknown): CheckedConformance {
  expectText('name', name);
  if (typeof factory !== 'function') throw invalid('factory', `Expected \`factory\` to be a function returning a store, got ${describeValue(factory)}`);
  const o = policyOptions('describeStorageConformance', options, OPTION_KEYS);
  const skip = o['skip'];
  if (skip !== undefined && typeof skip !== 'string') throw invalid('skip', `Expected \`skip\` to be a reason (a string), got ${describeValue(skip)}`);
  const concurrency = o['concurrency'] === undefined ? 50 : expectInteger('concurrency', o['concurrency'], 1, 10_000);
  const timeout = o['timeout'] === undefined ? 30_000 : expectInteger('timeout', o['timeout'], 1, MAX_TIMEOUT);
  const c = o['capabilities'] === undefined ? {} : readObject('capabilities', o['capabilities'], CAPABILITY_KEYS);
  const capabilities: AdapterCapabilities = {
    tail: expectOptionalBoolean('capabilities.tail', c['tail']),
    shared: expectOptionalBoolean('capabilities.shared', c['shared']),
    subscribe: expectOptionalBoolean('capabilities.subscribe', c['subscribe']),
    multiDoctor: expectOptionalBoolean('capabilities.multiDoctor', c['multiDoctor']),
  };
  return { skip, concurrency, timeout, capabilities };
}

const DAY = '2026-01-30';
const START = Date.parse('2026-01-30T01:30:00Z'); // 07:00 in Asia/Kolkata
const PRESETS = ['standard', 'cascade', 'waitlist', 'elastic'] as const;

/**
 * Declares a vitest suite that checks a storage adapter against the {@link StorageAdapter}
 * contract, through `OpdScheduler` and directly: serialization of concurrent units per doctor,
 * atomicity, load-then-decide, history order and paging, idempotent replays, the duplicate guard,
 * ordering of `listDoctors`, `allocateId`, `findDueDays`, `scanDays`, immutable read snapshots,
 * one answer for NUL characters and unpaired surrogates, `tail()` (stored, then live events, in
 * order, ended by `break` and by `close`), idempotent `close`, and a scripted scenario (every preset) whose observable results must equal
 * those of `MemoryStorage`.
 *
 * @param name - the suite's name
 * @param factory - makes a fresh, empty store for each test
 * @param options - see {@link ConformanceOptions}
 * @throws OpdError `VALIDATION_FAILED` naming the argument or option at fault (`factory`,
 *   `concurrency`, `capabilities.tail`, an unknown option) before any suite is declared
 */
export function describeStorageConformance(name: string, factory: () => Promise<ConformanceSubject>, options?: ConformanceOptions): void {
  const { skip, concurrency, timeout, capabilities } = conformanceOptions(name, factory, options);
  const title = `storage conformance: ${name}`;
  if (skip !== undefined) {
    console.warn(`${title} skipped: ${skip}`);
    describe.skip(`${title} (skipped: ${skip})`, () => {
      it('is skipped', () => {});
    });
    return;
  }

  describe(title, () => {
    const opened: ConformanceSubject[] = [];
    const shared: StorageAdapter[] = [];
    const open = async (): Promise<StorageAdapter> => {
      const subject = await factory();
      opened.push(subject);
      return subject.storage;
    };
    /** Two handles on one fresh store. */
    const openShared = async (): Promise<[StorageAdapter, StorageAdapter]> => {
      const subject = await factory();
      opened.push(subject);
      if (subject.share === undefined) throw new Error('The `shared` capability needs the factory to return `share`');
      const other = await subject.share();
      shared.push(other);
      return [subject.storage, other];
    };
    /** Two schedulers on two handles of one fresh store, on one clock. */
    const sharedSchedulers = async (preset: OpdSchedulerOptions): Promise<[OpdScheduler, OpdScheduler]> => {
      const clock = new Clock();
      return (await openShared()).map((storage) => new OpdScheduler({ ...preset, clock: clock.now, timeZone: 'Asia/Kolkata', storage })) as [OpdScheduler, OpdScheduler];
    };
    const scheduler = async (extra: OpdSchedulerOptions = {}, clock = new Clock()): Promise<{ opd: OpdScheduler; clock: Clock; storage: StorageAdapter }> => {
      const storage = await open();
      return { opd: new OpdScheduler({ ...presets.standard(), clock: clock.now, timeZone: 'Asia/Kolkata', ...extra, storage }), clock, storage };
    };
    afterEach(async () => {
      for (const other of shared.splice(0)) await other.close();
      for (const subject of opened.splice(0)) {
        await subject.storage.close();
        await subject.cleanup?.();
      }
    });

    for (const preset of PRESETS) {
      it(`gives the same results as MemoryStorage in a scripted day (presets.${preset})`, { timeout }, async () => {
        const expected = await scenario(new MemoryStorage(), preset);
        const actual = await scenario(await open(), preset);
        expect(actual).toEqual(expected);
      });
    }

    it(`never gives the last place twice: ${concurrency} concurrent bookings for 10 places`, { timeout }, async () => {
      const { opd } = await scheduler(presets.cascade());
      await withSlots(opd, 'd1', [9], 10);
      const calls = await Promise.allSettled(
        Array.from({ length: concurrency }, (_, i) => opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: `p${i}`, name: `P${i}` }, slotId: 'd1-09' })),
      );
      const booked = calls.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
      const refused = calls.flatMap((c) => (c.status === 'rejected' ? [c.reason as unknown] : []));
      expect(booked).toHaveLength(Math.min(10, concurrency));
      expect(refused.every((e) => isOpdError(e, 'SLOT_FULL'))).toBe(true);
      expect(new Set(booked.map((b) => b.token.tokenNumber)).size).toBe(booked.length);
      expect(booked.map((b) => b.token.tokenNumber).sort((a, b) => a - b)).toEqual(Array.from({ length: booked.length }, (_, i) => i + 1));
      const view = await opd.getSlot('d1-09');
      expect(view.places).toHaveLength(booked.length);
      const history = await opd.history();
      expect(history.filter((e) => e.type === 'token:booked')).toHaveLength(booked.length);
      expectIncreasing(history.map((e) => e.seq));
    });

    it('keeps doctors independent and every unit of one doctor serialized', { timeout }, async () => {
      const { opd } = await scheduler();
      await withSlots(opd, 'a', [9, 10], 5);
      await withSlots(opd, 'b', [9, 10], 5);
      const n = Math.min(concurrency, 30);
      const calls = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          opd.book({ doctorId: i % 2 === 0 ? 'a' : 'b', category: i % 7 === 0 ? 'EMERGENCY' : 'WALK_IN', patient: { id: `p${i}`, name: `P${i}` }, date: DAY }),
        ),
      );
      for (const doctor of ['a', 'b']) {
        const mine = calls.filter((c) => c.token.doctorId === doctor);
        expect(new Set(mine.map((c) => c.token.tokenNumber)).size).toBe(mine.length);
        const schedule = await opd.getSchedule(doctor, DAY);
        for (const slot of schedule.slots) expect(slot.places.length).toBeLessThanOrEqual(slot.slot.capacity + slot.slot.overflowCapacity);
        const placed = schedule.slots.reduce((sum, s) => sum + s.places.length, 0);
        expect(placed + schedule.waitlist.length).toBe(mine.length);
      }
    });

    it('replays a concurrent idempotent booking once', { timeout }, async () => {
      const { opd } = await scheduler();
      await withSlots(opd, 'd1', [9], 10);
      const request = { doctorId: 'd1', category: 'ONLINE', patient: { id: 'p1', name: 'A' }, slotId: 'd1-09', idempotencyKey: 'key-1' } as const;
      const results = await Promise.all(Array.from({ length: 10 }, () => opd.book(request)));
      expect(new Set(results.map((r) => r.token.id)).size).toBe(1);
      expect(results.filter((r) => r.replayed === true)).toHaveLength(9);
      const original = results.find((r) => r.replayed !== true)!;
      for (const r of results) expect(plain({ ...r, replayed: undefined })).toEqual(plain({ ...original, replayed: undefined }));
      expect((await opd.stats()).tokens).toBe(1);
      await expect(opd.book({ ...request, category: 'WALK_IN' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    });

    it('lets a failed call leave no idempotency key behind', { timeout }, async () => {
      const { opd } = await scheduler(presets.cascade());
      await withSlots(opd, 'd1', [9, 10], 1);
      await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09' });
      await expect(opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd1-09', idempotencyKey: 'k' })).rejects.toMatchObject({
        code: 'SLOT_FULL',
      });
      const retry = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd1-10', idempotencyKey: 'k' });
      expect(retry.replayed).toBeUndefined();
      expect(retry.token.tokenNumber).toBe(2);
    });

    it('holds one live token per patient per doctor-day, even under concurrency', { timeout }, async () => {
      const { opd } = await scheduler();
      await withSlots(opd, 'd1', [9, 10, 11], 5);
      const calls = await Promise.allSettled(
        ['d1-09', 'd1-10', 'd1-11', 'd1-09', 'd1-10'].map((slotId) => opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'same', name: 'S' }, slotId })),
      );
      expect(calls.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
      for (const c of calls) if (c.status === 'rejected') expect(isOpdError(c.reason, 'DUPLICATE_BOOKING')).toBe(true);
      // With the guard off, the same patient may hold several.
      const { opd: open2 } = await scheduler({ allowDuplicateBookings: true });
      await withSlots(open2, 'd1', [9, 10], 5);
      await open2.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'same', name: 'S' }, slotId: 'd1-09' });
      await open2.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'same', name: 'S' }, slotId: 'd1-10' });
      expect((await open2.stats()).tokens).toBe(2);
    });

    it('pages history in seq order, after any seq', { timeout }, async () => {
      const { opd } = await scheduler();
      await withSlots(opd, 'd1', [9, 10], 2);
      const emitted: number[] = [];
      opd.on('event', (e) => emitted.push(e.seq));
      for (let i = 0; i < 7; i++) await opd.book({ doctorId: 'd1', category: i === 5 ? 'EMERGENCY' : 'WALK_IN', patient: { name: `P${i}` }, date: DAY });
      const all = await opd.history();
      expect(all.map((e) => e.seq)).toEqual(emitted);
      expectIncreasing(all.map((e) => e.seq));
      const paged: number[] = [];
      for (let after = 0; ; ) {
        const page = await opd.history({ after, limit: 3 });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(3);
        paged.push(...page.map((e) => e.seq));
        after = page[page.length - 1]!.seq;
      }
      expect(paged).toEqual(emitted);
      const middle = all[3]!.seq;
      expect((await opd.history({ after: middle })).map((e) => e.seq)).toEqual(emitted.filter((s) => s > middle));
      expect(await opd.history({ after: all[all.length - 1]!.seq })).toEqual([]);
      for (const event of all) expect(Object.isFrozen(event)).toBe(true);
    });

    it('lists doctors in order of creation, then id', { timeout }, async () => {
      const { opd, clock } = await scheduler();
      await opd.addDoctor({ id: 'zeta', name: 'Z' });
      clock.advance(1);
      await opd.addDoctor({ id: 'beta', name: 'B' });
      await opd.addDoctor({ id: 'alpha', name: 'A' });
      clock.advance(1);
      const generated = await opd.addDoctor({ name: 'G', specialization: 'ENT', consultMinutes: 7.5, department: 'ent' });
      expect((await opd.listDoctors()).map((d) => d.id)).toEqual(['zeta', 'alpha', 'beta', generated.id]);
      expect(await opd.listDoctors()).toContainEqual(generated);
    });

    it('never allocates an id twice', { timeout }, async () => {
      const storage = await open();
      const ids = await Promise.all(Array.from({ length: 20 }, () => storage.allocateId('doctor')));
      expect(new Set(ids).size).toBe(20);
      for (const id of ids) expect(Number.isSafeInteger(id) && id > 0).toBe(true);
    });

    it("reports, when it reports it, the earliest end among each slot's holds in a schedule window", { timeout }, async () => {
      const { opd, clock, storage } = await scheduler();
      await withSlots(opd, 'h', [9, 10, 11], 3);
      const hold = async (slotId: string, holdMinutes: number): Promise<{ id: string; end: number }> => {
        const { token } = await opd.hold({ doctorId: 'h', category: 'ONLINE', patient: { name: 'H' }, slotId, holdMinutes });
        return { id: token.id, end: token.holdExpiresAt!.getTime() };
      };
      const late = (await hold('h-09', 30)).end;
      clock.advance(60_000);
      const early = (await hold('h-09', 10)).end;
      const ten = (await hold('h-10', 5)).end;
      await hold('h-10', 15);
      // A hold confirmed is a booking: it ends no more.
      await opd.confirm((await hold('h-11', 5)).id);
      await opd.book({ doctorId: 'h', category: 'ONLINE', patient: { name: 'B' }, slotId: 'h-11' });
      expect(early).toBeLessThan(late);
      const { schedule } = await storage.read({ doctorId: 'h', schedule: { from: clock.now().getTime() } });
      const reported = (schedule ?? []).map((e) => [e.slot.id, e.occupancy, e.earliestHoldEnd]);
      // Optional: an adapter that leaves it out reports it for no slot.
      if (reported.every(([, , end]) => end === undefined)) return;
      expect(reported).toEqual([
        ['h-09', 2, early],
        ['h-10', 2, ten],
        ['h-11', 2, undefined],
      ]);
    });

    it('lists the first slots of a schedule window with a limit and says it left some out, or lists the whole window', { timeout }, async () => {
      const { opd, storage } = await scheduler();
      await withSlots(opd, 'w', [9, 10, 11, 12], 1);
      await opd.book({ doctorId: 'w', category: 'ONLINE', patient: { name: 'A' }, slotId: 'w-10' });
      const from = START;
      const whole = await storage.read({ doctorId: 'w', schedule: { from } });
      expect(whole.schedule?.map((e) => [e.slot.id, e.occupancy])).toEqual([['w-09', 0], ['w-10', 1], ['w-11', 0], ['w-12', 0]]);
      expect(whole.scheduleCut ?? false).toBe(false);
      const first = await storage.read({ doctorId: 'w', schedule: { from, limit: 2 } });
      // Optional: an adapter that ignores `limit` lists the whole window, and says nothing was left out.
      if (first.schedule?.length === 4) expect(first.scheduleCut ?? false).toBe(false);
      else {
        expect(first.schedule?.map((e) => [e.slot.id, e.occupancy])).toEqual([['w-09', 0], ['w-10', 1]]);
        expect(first.scheduleCut).toBe(true);
      }
      const all = await storage.read({ doctorId: 'w', schedule: { from, limit: 4 } });
      expect(all.schedule).toHaveLength(4);
      expect(all.scheduleCut ?? false).toBe(false);
    });

    it('books without a date into the first free place, however many full slots come before it', { timeout }, async () => {
      const { opd } = await scheduler();
      // Ten days of eight slots of one place; the first 70 taken, past the slots a booking reads first.
      const ids: string[] = [];
      for (let d = 0; d < 10; d++) {
        const day = new Date(Date.parse(`${DAY}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);
        ids.push(...(await withSlots(opd, 'r', [9, 10, 11, 12, 13, 14, 15, 16], 1, day)));
      }
      for (let i = 0; i < 70; i++) await opd.book({ doctorId: 'r', category: 'ONLINE', patient: { id: `p${i}`, name: `P${i}` }, slotId: ids[i]! });
      const { token } = await opd.book({ doctorId: 'r', category: 'ONLINE', patient: { id: 'late', name: 'Late' } });
      expect(token).toMatchObject({ slotId: ids[70], status: 'BOOKED' });
    });

    it('finds the doctor-days where time may open a place to the waitlist, when asked', { timeout }, async () => {
      const { opd, storage } = await scheduler();
      await withSlots(opd, 'c', [9, 11], 1);
      await withSlots(opd, 'd', [9], 1);
      await opd.book({ doctorId: 'c', category: 'ONLINE', patient: { name: 'A' }, slotId: 'c-11' });
      await opd.book({ doctorId: 'd', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd-09' });
      // Waiting with a place free at 09:00 that it may not take (it asked for after 10:00); and
      // waiting on a day with no room at all.
      const after = await opd.book({ doctorId: 'c', category: 'ONLINE', patient: { name: 'C' }, after: '2026-01-30T10:00:00+05:30' });
      expect(after.outcome).toBe('WAITLISTED');
      expect((await opd.book({ doctorId: 'd', category: 'ONLINE', patient: { name: 'D' }, slotId: 'd-09' })).outcome).toBe('WAITLISTED');
      const seven = Date.parse('2026-01-30T07:00:00+05:30');
      const ten = Date.parse('2026-01-30T10:00:00+05:30');
      expect(await storage.findDueDays(seven)).toEqual([]);
      expect(await storage.findDueDays(seven, seven)).toEqual([]);
      expect(await storage.findDueDays(seven, seven, seven)).toEqual([{ doctorId: 'c', day: DAY }]);
      expect(await storage.findDueDays(seven, seven, ten - 1)).toEqual([{ doctorId: 'c', day: DAY }]);
      // The slot with room has ended by ten; a closed slot has no room to give either.
      expect(await storage.findDueDays(seven, seven, ten)).toEqual([]);
      await opd.closeSlot('c-09');
      expect(await storage.findDueDays(seven, seven, seven)).toEqual([]);
    });

    it('finds the doctor-days due for a sweep, and scans days by filter', { timeout }, async () => {
      const { opd, clock, storage } = await scheduler();
      await withSlots(opd, 'b', [9, 11], 3);
      await withSlots(opd, 'a', [9], 3);
      await withSlots(opd, 'a', [9], 3, '2026-01-31');
      await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A' }, slotId: 'a-09' });
      await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A2' }, slotId: 'a-09-2026-01-31' });
      await opd.book({ doctorId: 'b', category: 'ONLINE', patient: { name: 'B' }, slotId: 'b-11' });
      const nine = Date.parse('2026-01-30T09:00:00+05:30');
      expect(await storage.findDueDays(nine)).toEqual([]);
      expect(await storage.findDueDays(nine + 1)).toEqual([{ doctorId: 'a', day: DAY }]);
      expect(await storage.findDueDays(Date.parse('2026-02-01T00:00:00Z'))).toEqual([
        { doctorId: 'a', day: DAY },
        { doctorId: 'a', day: '2026-01-31' },
        { doctorId: 'b', day: DAY },
      ]);
      // Holds: a day is due once a hold in it has ended, whenever its slots start; each day once.
      const held = await opd.hold({ doctorId: 'b', category: 'ONLINE', patient: { name: 'H' }, slotId: 'b-09', holdMinutes: 10 });
      const ends = held.token.holdExpiresAt!.getTime();
      expect(await storage.findDueDays(nine, ends - 1)).toEqual([]);
      expect(await storage.findDueDays(nine, ends)).toEqual([{ doctorId: 'b', day: DAY }]);
      expect(await storage.findDueDays(nine + 1, ends)).toEqual([
        { doctorId: 'a', day: DAY },
        { doctorId: 'b', day: DAY },
      ]);
      await opd.release(held.token.id);
      expect(await storage.findDueDays(nine, ends)).toEqual([]);
      const days = async (filter: { doctorId?: string; day?: string }): Promise<string[]> => {
        const out: string[] = [];
        for await (const d of storage.scanDays(filter)) out.push(`${d.record.doctorId}/${d.record.day}/${d.slots.length}/${d.tokens.length}`);
        return out.sort();
      };
      expect(await days({})).toEqual(['a/2026-01-30/1/1', 'a/2026-01-31/1/1', 'b/2026-01-30/2/2']);
      expect(await days({ doctorId: 'a' })).toEqual(['a/2026-01-30/1/1', 'a/2026-01-31/1/1']);
      expect(await days({ day: DAY })).toEqual(['a/2026-01-30/1/1', 'b/2026-01-30/2/2']);
      expect(await days({ doctorId: 'nobody' })).toEqual([]);
      clock.set('2026-01-30T09:20:00+05:30');
      const swept = await opd.sweep();
      expect(swept.map((e) => e.type)).toEqual(['token:no-show']);
    });

    it('rolls a unit back whole when its decision throws or its changes do not fit', { timeout }, async () => {
      const { opd, storage } = await scheduler();
      await withSlots(opd, 'd1', [9], 2);
      const before = await opd.history();
      await expect(storage.transact({ doctorId: 'd1' }, () => { throw new Error('decision failed'); })).rejects.toThrow('decision failed');
      const ghost: TokenRecord = {
        id: 'd1~2026-01-30~99', doctorId: 'd1', day: DAY, slotId: null, waitingForSlotId: null, category: 'ONLINE', rank: 4,
        status: 'CANCELLED', tokenNumber: 99, patient: { name: 'X' }, requestedAt: START, bumpCount: 0, placedAt: null,
        notBefore: null, idempotencyKey: null, cancelReason: null, updatedAt: START, holdExpiresAt: null, label: '99',
      };
      const event = { type: 'slot:closed', seq: 0, at: new Date(START), doctorId: 'd1', actor: null, slotId: 'd1-09', day: DAY, reason: null } as const;
      const changes: ChangeSet = {
        doctor: undefined, newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [ghost], days: [],
        idempotency: { doctorId: 'd1', key: 'ghost', fingerprint: '', result: undefined as never }, events: [event],
      };
      const wrote = storage.transact({ doctorId: 'd1' }, () => ({ kind: 'commit', changes, result: 1 }));
      await expect(wrote).rejects.toSatisfy((e: unknown) => isOpdError(e));
      expect(await opd.history()).toEqual(before);
      const snapshot = await storage.read({ doctorId: 'd1', idempotencyKey: 'ghost', days: [DAY] });
      expect(snapshot.idempotency).toBeUndefined();
      expect(snapshot.days.get(DAY)!.record.lastTokenNumber).toBe(0);
      const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09' });
      expect(booked.token.tokenNumber).toBe(1);
    });

    it('refuses a unit whose new tokens skip or reuse a number, or that updates a token it does not hold, and writes none of it', { timeout }, async () => {
      const { opd, storage } = await scheduler();
      await withSlots(opd, 'd1', [9], 3);
      await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09' });
      const before = await opd.history();
      const held = (await storage.read({ doctorId: 'd1', days: [DAY] })).days.get(DAY)!;
      const first = held.slots[0]!.places[0]!;
      const record = held.record;
      // Each change set also holds records that would fit (a new slot, an event), so that one
      // written before the adapter finds the fault shows.
      const slot = held.slots[0]!.slot;
      const fresh: SlotRecord = { ...slot, id: 'd1-15', start: slot.start + 6 * 3_600_000, end: slot.end + 6 * 3_600_000 };
      const event = { type: 'slot:closed', seq: 0, at: new Date(START), doctorId: 'd1', actor: null, slotId: 'd1-09', day: DAY, reason: null } as const;
      const numbered = (n: number, patient = `P${n}`): TokenRecord => ({ ...first, id: `d1~${DAY}~${n}`, tokenNumber: n, label: String(n), patient: { name: patient } });
      const ghost: TokenRecord = { ...numbered(7), status: 'CANCELLED', slotId: null, cancelReason: 'x' };
      const faults: Record<string, Partial<ChangeSet>> = {
        'a number ahead of the day': { newTokens: [numbered(5)] },
        'a number already given': { newTokens: [numbered(1, 'Other')] },
        'an update of a token not stored': { newTokens: [numbered(2)], days: [{ ...record, lastTokenNumber: 2 }], updatedTokens: [ghost] },
      };
      for (const [fault, part] of Object.entries(faults)) {
        const changes: ChangeSet = { ...emptyChanges(), newSlots: [fresh], events: [{ ...event }], guardDuplicates: false, ...part };
        const wrote = storage.transact({ doctorId: 'd1', days: [DAY] }, () => ({ kind: 'commit', changes, result: 1 }));
        await expect(wrote, fault).rejects.toSatisfy((e: unknown) => isOpdError(e));
        expect(await opd.history(), fault).toEqual(before);
        const after = await storage.read({ doctorId: 'd1', days: [DAY], slotIds: ['d1-15'] });
        expect(after.slots.has('d1-15'), fault).toBe(false);
        const day = after.days.get(DAY)!;
        expect(day.record.lastTokenNumber, fault).toBe(1);
        expect(day.slots.flatMap((s) => s.places.map((t) => [t.tokenNumber, t.patient.name])), fault).toEqual([[1, 'A']]);
      }
      const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd1-09' });
      expect(booked.token.tokenNumber).toBe(2);
    });

    it('loads more under the same lock when a decision asks for it', { timeout }, async () => {
      const { opd, storage } = await scheduler();
      await withSlots(opd, 'd1', [9, 10], 2);
      const seen: DoctorSnapshot[] = [];
      const result = await storage.transact({ doctorId: 'd1' }, (snapshot) => {
        seen.push(snapshot);
        if (!snapshot.days.has(DAY)) return { kind: 'load', request: { doctorId: 'd1', days: [DAY], schedule: { from: 0 } } };
        return { kind: 'commit', changes: emptyChanges(), result: snapshot.days.get(DAY)!.slots.map((s) => s.slot.id) };
      });
      expect(result).toEqual(['d1-09', 'd1-10']);
      expect(seen).toHaveLength(2);
      expect(seen[1]!.schedule?.map((e) => [e.slot.id, e.occupancy])).toEqual([['d1-09', 0], ['d1-10', 0]]);
    });

    it('reads what a request names, and empty days for days without data', { timeout }, async () => {
      const { opd, storage } = await scheduler();
      await withSlots(opd, 'd1', [9], 2);
      await withSlots(opd, 'd2', [9], 2);
      const { token } = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p', name: 'A' }, slotId: 'd1-09', idempotencyKey: 'k' });
      const byToken = await storage.read({ tokenId: token.id });
      expect(byToken.doctor?.id).toBe('d1');
      expect(byToken.tokens.get(token.id)?.status).toBe('BOOKED');
      expect([...byToken.days.keys()]).toEqual([DAY]);
      const bySlot = await storage.read({ slotId: 'd2-09', slotIds: ['d1-09', 'nope'] });
      expect(bySlot.doctor?.id).toBe('d2');
      expect([...bySlot.slots.keys()].sort()).toEqual(['d1-09', 'd2-09']);
      const other = await storage.read({ doctorId: 'd2', tokenId: token.id, days: ['2027-01-01'], idempotencyKey: 'k' });
      expect(other.tokens.size).toBe(0);
      expect(other.idempotency).toBeUndefined();
      expect(other.days.get('2027-01-01')).toMatchObject({ record: { doctorId: 'd2', day: '2027-01-01', lastTokenNumber: 0 }, slots: [], waitlist: [] });
      const nobody = await storage.read({ doctorId: 'nobody', days: [DAY], schedule: { from: 0 } });
      expect(nobody.doctor).toBeUndefined();
      expect(nobody.days.size).toBe(0);
      expect(nobody.schedule).toEqual([]);
      expect((await storage.read({ tokenId: 'not-a-token' })).doctor).toBeUndefined();
      expect((await storage.read({ doctorId: 'd1', idempotencyKey: 'k' })).idempotency?.result.token.id).toBe(token.id);
    });

    it('hands out read snapshots that later units never change', { timeout }, async () => {
      const { opd, storage } = await scheduler();
      await withSlots(opd, 'd1', [9], 3);
      await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'd1-09' });
      const snapshot = await storage.read({ doctorId: 'd1', days: [DAY], schedule: { from: 0 } });
      const before = JSON.stringify(dump(snapshot));
      await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'd1-09' });
      await opd.cancel('d1~2026-01-30~1');
      expect(JSON.stringify(dump(snapshot))).toBe(before);
    });

    it('refuses NUL characters and unpaired surrogates in every string input alike, naming the field', { timeout }, async () => {
      const { opd } = await scheduler();
      await withSlots(opd, 'd1', [9], 5);
      const before = await opd.history();
      const odd = ['a\u0000b', 'a\ud800b', 'a\udc00', '\ud83d'];
      const field = async (call: () => Promise<unknown>): Promise<unknown> => {
        try {
          await call();
          return 'accepted';
        } catch (error) {
          return isOpdError(error, 'VALIDATION_FAILED') ? error.details.field : error;
        }
      };
      const book = (patient: Record<string, unknown>, extra: Record<string, unknown> = {}) => () =>
        opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient as never, slotId: 'd1-09', ...extra });
      for (const text of odd) {
        expect(await field(book({ name: text }))).toBe('patient.name');
        expect(await field(book({ id: text, name: 'A' }))).toBe('patient.id');
        expect(await field(book({ name: 'A', notes: { diagnosis: [text] } }))).toBe('patient.notes.*[0]');
        expect(await field(book({ name: 'A', [text]: 1 }))).toBe('patient');
        expect(await field(book({ name: 'A' }, { idempotencyKey: text }))).toBe('idempotencyKey');
        expect(await field(book({ name: 'A' }, { slotId: text }))).toBe('slotId');
        expect(await field(() => opd.getSlot(text))).toBe('slotId');
        expect(await field(() => opd.getToken(text))).toBe('tokenId');
        expect(await field(() => opd.cancel(text))).toBe('tokenId');
        expect(await field(() => opd.closeSlot('d1-09', { reason: text }))).toBe('opts.reason');
        expect(await field(() => opd.addDoctor({ name: text }))).toBe('name');
      }
      // A surrogate pair is text like any other.
      const ok = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'p\ud83d\ude00', name: 'Emoji \ud83d\ude00' }, slotId: 'd1-09' });
      expect((await opd.getToken(ok.token.id)).patient).toEqual({ id: 'p\ud83d\ude00', name: 'Emoji \ud83d\ude00' });
      expect((await opd.history()).length).toBe(before.length + 1);
      expect((await opd.stats()).tokens).toBe(1);
    });

    it('tails the stored events after a seq, then live ones, in order, once each, until the loop breaks', { timeout }, async () => {
      const { opd } = await scheduler();
      await withSlots(opd, 'a', [9, 10], 20);
      await withSlots(opd, 'b', [9, 10], 20);
      await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'first' }, slotId: 'a-09' });
      await opd.book({ doctorId: 'b', category: 'ONLINE', patient: { name: 'second' }, slotId: 'b-09' });
      const stored = await opd.history();
      const after = stored[0]!.seq;
      const seen: number[] = [];
      const reader = (async () => {
        for await (const event of opd.tail({ after })) {
          seen.push(event.seq);
          if (event.type === 'token:cancelled') break;
        }
      })();
      const booked = await Promise.all(
        Array.from({ length: 12 }, (_, i) => opd.book({ doctorId: i % 2 === 0 ? 'a' : 'b', category: 'WALK_IN', patient: { name: `P${i}` }, date: DAY })),
      );
      await opd.cancel(booked[3]!.token.id);
      await reader;
      const all = (await opd.history()).map((e) => e.seq);
      expect(seen).toEqual(all.filter((seq) => seq > after));
      expect(() => opd.tail({ after: -1 })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }) as never);
    });

    it('ends every open tail when the scheduler closes', { timeout }, async () => {
      const { opd } = await scheduler();
      await withSlots(opd, 'a', [9], 5);
      const seen: string[] = [];
      const reader = (async () => {
        for await (const event of opd.tail()) seen.push(event.type);
        return 'ended';
      })();
      await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A' }, slotId: 'a-09' });
      await waitUntil(() => seen.includes('token:booked'), 5000);
      await opd.close();
      expect(await reader).toBe('ended');
      expect(seen.filter((t) => t === 'token:booked')).toHaveLength(1);
    });

    if (capabilities.multiDoctor === true) describeMultiDoctor(open, timeout, concurrency);

    if (capabilities.tail === true) {
      describe('capability: tail', () => {
        it('tails stored events after a seq, then live ones, from the adapter itself', { timeout }, async () => {
          const { opd, storage } = await scheduler();
          expect(typeof storage.tail, 'an adapter declaring `tail` implements it').toBe('function');
          await withSlots(opd, 'a', [9], 5);
          await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'first' }, slotId: 'a-09' });
          await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'second' }, slotId: 'a-09' });
          const stored = await opd.history();
          const controller = new AbortController();
          const seen: number[] = [];
          const reader = (async () => {
            for await (const event of storage.tail!(stored[0]!.seq, controller.signal)) {
              seen.push(event.seq);
              if (event.type === 'token:cancelled') break;
            }
          })();
          const third = await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'third' }, slotId: 'a-09' });
          await opd.cancel(third.token.id);
          await reader;
          controller.abort();
          expect(seen).toEqual((await opd.history()).map((e) => e.seq).filter((seq) => seq > stored[0]!.seq));
        });

        it('tails a backlog of many pages, and what is committed between two reads, each event once and in order', { timeout: Math.max(timeout, 120_000) }, async () => {
          const { opd, storage } = await scheduler();
          await withSlots(opd, 'a', [9, 10, 11, 12, 13, 14, 15, 16], 150);
          // More stored events than an adapter reads in one page (MemoryStorage and PostgresStorage read 500).
          for (let i = 0; i < 1_100; i++) await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: `P${i}` } });
          // Every stored event (`history()` answers a page of 1,000 unless asked for more).
          const backlog = (await opd.history({ limit: Number.MAX_SAFE_INTEGER })).length;
          const controller = new AbortController();
          const seen: number[] = [];
          let booked = 0;
          for await (const event of storage.tail!(0, controller.signal)) {
            seen.push(event.seq);
            // A reader that books as it reads the last stored event and each live one: every
            // event it causes is committed while the adapter hands out the one before it.
            if (seen.length >= backlog && booked < 10) {
              booked++;
              await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: `Q${booked}` } });
            }
            if (seen.length === backlog + 10) break;
          }
          controller.abort();
          expect(seen).toEqual((await opd.history({ limit: Number.MAX_SAFE_INTEGER })).map((e) => e.seq));
        });

        it('ends a tail waiting for events when its signal aborts, and when the adapter closes', { timeout }, async () => {
          for (const end of ['abort', 'close'] as const) {
            const { opd, storage } = await scheduler();
            await withSlots(opd, 'a', [9], 5);
            await opd.book({ doctorId: 'a', category: 'ONLINE', patient: { name: 'A' }, slotId: 'a-09' });
            const controller = new AbortController();
            const seen: string[] = [];
            const reader = (async () => {
              for await (const event of storage.tail!(0, controller.signal)) seen.push(event.type);
              return 'ended';
            })();
            await waitUntil(() => seen.length > 0, 5_000);
            if (end === 'abort') controller.abort();
            else await storage.close();
            const outcome = await Promise.race([reader.catch(() => 'ended'), new Promise((r) => setTimeout(() => r('still waiting'), 5_000))]);
            expect(outcome, end).toBe('ended');
            expect(seen, end).toEqual(['token:booked']);
            controller.abort();
          }
        });
      });
    }

    if (capabilities.shared === true) {
      describe('capability: shared (several handles on one store)', () => {
        it('serializes units of one doctor across handles and shows each what the others committed', { timeout }, async () => {
          const [a, b] = await sharedSchedulers(presets.waitlist());
          await withSlots(a, 'a', [9], 10);
          const results = await Promise.all(
            Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? a : b).book({ doctorId: 'a', category: 'ONLINE', patient: { id: `p${i}`, name: `P${i}` }, slotId: 'a-09' })),
          );
          expect(results.filter((r) => r.outcome === 'BOOKED')).toHaveLength(10);
          expect(new Set(results.map((r) => r.token.tokenNumber)).size).toBe(24);
          expect((await b.getSlot('a-09')).places).toHaveLength(10);
          expect((await a.history()).map((e) => e.seq)).toEqual((await b.history()).map((e) => e.seq));
        });

        it('decides each unit on what every handle committed, whatever the handle read before', { timeout }, async () => {
          const [a, b] = await sharedSchedulers(presets.standard());
          await withSlots(a, 'a', [9], 10);
          const first = await a.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p1', name: 'P1' }, slotId: 'a-09' });
          // Handle a reads the doctor (a refusal writes nothing), then b writes.
          await expect(a.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p1', name: 'P1' }, slotId: 'a-09' })).rejects.toSatisfy((e: unknown) =>
            isOpdError(e, 'DUPLICATE_BOOKING'),
          );
          expect((await a.getSlot('a-09')).places).toHaveLength(1);
          const second = await b.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p2', name: 'P2' }, slotId: 'a-09' });
          const third = await a.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p3', name: 'P3' }, slotId: 'a-09' });
          expect([first, second, third].map((r) => r.token.tokenNumber)).toEqual([1, 2, 3]);
          await expect(a.book({ doctorId: 'a', category: 'ONLINE', patient: { id: 'p2', name: 'P2' }, slotId: 'a-09' })).rejects.toSatisfy((e: unknown) =>
            isOpdError(e, 'DUPLICATE_BOOKING'),
          );
          for (const opd of [a, b]) {
            expect((await opd.getSlot('a-09')).places.map((t) => t.id)).toEqual([first.token.id, second.token.id, third.token.id]);
            expect((await opd.getToken(second.token.id)).status).toBe('BOOKED');
          }
        });
      });
    }

    if (capabilities.subscribe === true) {
      describe('capability: subscribe', () => {
        it('brings events committed through another handle to this one’s listeners', { timeout }, async () => {
          const [a, b] = await sharedSchedulers(presets.standard());
          const heard: string[] = [];
          b.on('token:booked', (e) => heard.push(e.tokenId));
          await withSlots(a, 'a', [9], 5);
          const book = async (name: string): Promise<string> => (await a.book({ doctorId: 'a', category: 'ONLINE', patient: { name }, slotId: 'a-09' })).token.id;
          const hears = (id: string, ms: number): Promise<boolean> => waitUntil(() => heard.includes(id), ms);
          // A feed starts at the horizon it reads once subscribed, which a commit through another
          // handle may precede on a busy machine: a booking is heard once the feed has started.
          let first = await book('A');
          for (let tries = 1; !(await hears(first, 5_000)) && tries < 3; tries++) first = await book(`A${tries}`);
          expect(heard).toContain(first);
          // From then on, every booking through the other handle is heard, once and in order.
          const next = [await book('B'), await book('C')];
          expect(await hears(next[1]!, 10_000)).toBe(true);
          expect(heard.slice(heard.indexOf(first))).toEqual([first, ...next]);
        });
      });
    }

    it('closes idempotently and refuses work once closed', { timeout }, async () => {
      const storage = await open();
      await storage.close();
      await storage.close();
      await expect(storage.read({ doctorId: 'd1' })).rejects.toSatisfy((e: unknown) => isOpdError(e, 'STORAGE_FAILURE'));
      await expect(storage.transact({ doctorId: 'd1' }, () => ({ kind: 'commit', changes: emptyChanges(), result: 0 }))).rejects.toSatisfy((e: unknown) =>
        isOpdError(e, 'STORAGE_FAILURE'),
      );
    });
  });
}

/** A clock tests move by hand. */
class Clock {
  #now = START;
  readonly now = (): Date => new Date(this.#now);
  advance(ms: number): void {
    this.#now += ms;
  }
  set(to: string): void {
    this.#now = Date.parse(to);
  }
}

function emptyChanges(): ChangeSet {
  return { newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] };
}

/** Waits until `done()` holds, or `ms` have passed; whether it holds. */
async function waitUntil(done: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; !done() && waited < ms; waited += 20) await new Promise((r) => setTimeout(r, 20));
  return done();
}

/**
 * Adds doctor `id` (once) with hourly slots (IST) on `day`; slot ids `${id}-${hh}` (plus `-${day}`
 * off {@link DAY}). Returns the slot ids, in time order.
 */
async function withSlots(opd: OpdScheduler, id: string, hours: readonly number[], capacity: number, day = DAY): Promise<string[]> {
  if (!(await opd.listDoctors()).some((d) => d.id === id)) await opd.addDoctor({ id, name: `Dr ${id}` });
  const added = await opd.addSlots(
    id,
    hours.map((h) => {
      const hh = String(h).padStart(2, '0');
      return {
        id: day === DAY ? `${id}-${hh}` : `${id}-${hh}-${day}`,
        start: `${day}T${hh}:00:00+05:30`,
        end: `${day}T${String(h + 1).padStart(2, '0')}:00:00+05:30`,
        capacity,
        overflowCapacity: 1,
      };
    }),
  );
  return added.map((s) => s.id);
}

function expectIncreasing(seqs: readonly number[]): void {
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
}

/** A value as JSON would carry it (dates as ISO strings, no `undefined`). */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function dump(snapshot: DoctorSnapshot): unknown {
  return {
    doctor: snapshot.doctor,
    days: [...snapshot.days].map(([day, d]) => [day, d.record, d.slots.map((s) => [s.slot, s.places]), d.waitlist]),
    tokens: [...snapshot.tokens],
    slots: [...snapshot.slots],
    schedule: snapshot.schedule?.map((e) => [e.slot, e.occupancy]),
    idempotency: snapshot.idempotency,
  };
}

/**
 * A scripted OPD day touching every command and view; returns every observable result (values,
 * error codes and details, emitted events, history, stats) as plain data.
 */
async function scenario(storage: StorageAdapter, preset: (typeof PRESETS)[number]): Promise<unknown[]> {
  const clock = new Clock();
  const opd = new OpdScheduler({ ...presets[preset](), storage, clock: clock.now, timeZone: 'Asia/Kolkata' });
  const log: unknown[] = [];
  opd.on('event', (e) => log.push(['emitted', plain(e)]));
  const step = async (label: string, call: () => Promise<unknown>): Promise<void> => {
    try {
      log.push([label, plain(await call())]);
    } catch (error) {
      log.push([label, isOpdError(error) ? { error: error.code, details: plain(error.details) } : { thrown: String(error) }]);
    }
    clock.advance(1000);
  };
  const ist = (hhmm: string, day = DAY): string => `${day}T${hhmm}:00+05:30`;
  const slot = (id: string, from: string, to: string, capacity: number, overflowCapacity?: number, day = DAY) => ({
    id,
    start: ist(from, day),
    end: ist(to, day),
    capacity,
    ...(overflowCapacity === undefined ? {} : { overflowCapacity }),
  });
  const book = (patient: string, category: string, extra: Record<string, unknown> = {}) =>
    step(`book ${patient} ${category}`, () => opd.book({ doctorId: 'dr-a', category, patient: { id: patient, name: `Name ${patient}`, age: 40 }, ...extra }));

  await step('doctor a', () => opd.addDoctor({ id: 'dr-a', name: 'Dr A', specialization: 'ENT', consultMinutes: 10 }));
  await step('doctor generated', () => opd.addDoctor({ name: 'Dr B' }));
  await step('doctor again', () => opd.addDoctor({ id: 'dr-a', name: 'Dr A again' }));
  await step('slots a', () =>
    opd.addSlots('dr-a', [
      slot('a9', '09:00', '10:00', 2, 1),
      slot('a10', '10:00', '11:00', 2),
      slot('a11', '11:00', '12:00', 1, 0),
      slot('a-next', '09:00', '10:00', 1, 0, '2026-01-31'),
    ]),
  );
  await step('slots b', () => opd.addSlots('doc-1', [{ start: ist('09:00'), end: ist('09:30'), capacity: 1 }]));
  await step('slot overlap', () => opd.addSlots('doc-1', [{ start: ist('09:15'), end: ist('09:45'), capacity: 1 }]));
  await step('slot id taken', () => opd.addSlots('doc-1', [slot('a9', '12:00', '13:00', 1)]));
  await book('p1', 'ONLINE', { slotId: 'a9', idempotencyKey: 'k1' });
  await book('p2', 'WALK_IN', { slotId: 'a9' });
  await book('p3', 'ONLINE', { slotId: 'a9' });
  await book('p4', 'EMERGENCY', { slotId: 'a9' });
  await book('p5', 'EMERGENCY', { slotId: 'a9' });
  await book('p6', 'PAID', { date: DAY });
  await book('p7', 'FOLLOW_UP', { after: ist('10:30') });
  await book('p1', 'ONLINE', { slotId: 'a10' });
  await book('p1', 'ONLINE', { slotId: 'a9', idempotencyKey: 'k1' });
  await book('p1', 'PAID', { slotId: 'a9', idempotencyKey: 'k1' });
  for (const p of ['w1', 'w2', 'w3', 'w4', 'w5']) await book(p, 'WALK_IN');
  for (const p of ['e1', 'e2', 'e3']) await book(p, 'EMERGENCY', { slotId: 'a11' }); // the last slot: some wait, unplaced
  await book('e4', 'EMERGENCY'); // no day named: today's and tomorrow's slots are read
  await book('n1', 'ONLINE', { date: '2026-01-31' });
  await step('cancel p1', () => opd.cancel('dr-a~2026-01-30~1', { reason: 'patient called' }));
  await step('cancel again', () => opd.cancel('dr-a~2026-01-30~1'));
  await step('check in 2', () => opd.checkIn('dr-a~2026-01-30~2'));
  await step('start 2', () => opd.startConsultation('dr-a~2026-01-30~2'));
  await step('complete 2', () => opd.complete('dr-a~2026-01-30~2'));
  await step('no-show too early', () => opd.markNoShow('dr-a~2026-01-30~4'));
  await step('close a11 dry run', () => opd.closeSlot('a11', { reason: 'doctor left', dryRun: true }));
  await step('close a11', () => opd.closeSlot('a11', { reason: 'doctor left' }));
  await step('close a11 again', () => opd.closeSlot('a11'));
  await step('capacity a10 down dry run', () => opd.setCapacity('a10', 1, { dryRun: true }));
  await step('capacity a10 down', () => opd.setCapacity('a10', 1));
  await step('capacity a10 up', () => opd.setCapacity('a10', 4));
  await step('slots for holds and moves', () => opd.addSlots('dr-a', [slot('a12', '12:00', '13:00', 12), slot('a-next2', '10:00', '11:00', 2, 0, '2026-01-31')]));
  const held: string[] = [];
  const hold = (patient: string) =>
    step(`hold ${patient}`, async () => {
      const result = await opd.hold({ doctorId: 'dr-a', category: 'ONLINE', patient: { id: patient, name: `Name ${patient}` }, slotId: 'a12', holdMinutes: 30 });
      held.push(result.token.id);
      return result;
    });
  await hold('h1');
  await hold('h2');
  await step('confirm h1', () => opd.confirm(held[0] ?? 'dr-a~2026-01-30~999'));
  await step('release h2', () => opd.release(held[1] ?? 'dr-a~2026-01-30~999'));
  await step('move 6 to tomorrow', () => opd.move('dr-a~2026-01-30~6', { date: '2026-01-31' }));
  await step('move 7 to a12', () => opd.move('dr-a~2026-01-30~7', { slotId: 'a12' }));
  await step('unknown token', () => opd.getToken('dr-a~2026-01-30~999'));
  await step('unknown slot', () => opd.getSlot('nope'));
  clock.set(ist('09:20'));
  await step('no-show 4', () => opd.markNoShow('dr-a~2026-01-30~4'));
  // Back as a request made now: its request time changes, and with it its place in the queue.
  await step('reinstate 4', () => opd.reinstate('dr-a~2026-01-30~4'));
  clock.set(ist('10:40'));
  await step('sweep', () => opd.sweep());
  for (let n = 1; n <= 20; n++) await step(`token ${n}`, () => opd.getToken(`dr-a~2026-01-30~${n}`));
  for (let n = 1; n <= 3; n++) await step(`token ${n} next day`, () => opd.getToken(`dr-a~2026-01-31~${n}`));
  for (const id of ['a9', 'a10', 'a11', 'a-next']) await step(`slot ${id}`, () => opd.getSlot(id));
  await step('schedule a', () => opd.getSchedule('dr-a', DAY));
  await step('schedule a next', () => opd.getSchedule('dr-a', '2026-01-31'));
  await step('schedule b', () => opd.getSchedule('doc-1', DAY));
  await step('waitlist a', () => opd.getWaitlist('dr-a', DAY));
  await step('stats', () => opd.stats());
  await step('stats a', () => opd.stats({ doctorId: 'dr-a' }));
  await step('stats day', () => opd.stats({ date: '2026-01-31' }));
  await step('stats nobody', () => opd.stats({ doctorId: 'nobody' }));
  await step('history', () => opd.history());
  await step('history page', async () => opd.history({ after: (await opd.history())[2]!.seq, limit: 4 }));
  await step('doctors', () => opd.listDoctors());
  await opd.close();
  return bySeqRank(log);
}
