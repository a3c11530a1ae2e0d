/**
 * What every part of the conformance suite shares: the stores a test opens (closed after it), a
 * scheduler on one of them, a clock moved by hand, hourly slots, and the comparisons.
 */
import { afterEach, expect } from 'vitest';
import { type OpdEvent, OpdScheduler, type OpdSchedulerOptions, presets, type StorageAdapter } from '../index.js';
import type { ChangeSet } from '../model/snapshot.js';
import type { ConformanceSubject } from './options.js';
import type { ClaimKind } from '../core/claim-kinds.js';

/** The day every part books on (tests that need more days add them). */
export const DAY = '2026-01-30';
/** Where each test's clock starts: 07:00 on {@link DAY} in Asia/Kolkata. */
export const START = Date.parse('2026-01-30T01:30:00Z');

/** A clock tests move by hand. */
export class Clock {
  #now = START;
  readonly now = (): Date => new Date(this.#now);
  advance(ms: number): void {
    this.#now += ms;
  }
  set(to: string): void {
    this.#now = Date.parse(to);
  }
}

/** What a part of the suite is given: fresh stores, schedulers on them, and the run's settings. */
export interface Suite {
  /** Milliseconds each test may take. */
  readonly timeout: number;
  /** How many calls run at once in the concurrency tests. */
  readonly concurrency: number;
  /** Kinds of claim the `claims` part exercises besides the built-in ones (`ConformanceOptions.claimKinds`). */
  readonly claimKinds: readonly ClaimKind[];
  /** A fresh, empty store, closed (and cleaned up) after the test. */
  readonly open: () => Promise<StorageAdapter>;
  /** A scheduler (`presets.standard()` unless `extra` says otherwise, Asia/Kolkata) on a fresh store. */
  readonly scheduler: (extra?: OpdSchedulerOptions, clock?: Clock) => Promise<{ opd: OpdScheduler; clock: Clock; storage: StorageAdapter }>;
  /** Two schedulers on two handles of one fresh store, on one clock (the `shared` capability). */
  readonly sharedSchedulers: (preset: OpdSchedulerOptions) => Promise<[OpdScheduler, OpdScheduler]>;
  /**
   * A scheduler of each facility over one fresh store, on one clock (the `facilities`
   * capability); when the factory gives another handle on the store (`share`), one more of each
   * facility on that handle, and the events each of those emits (those it is delivered from the
   * first handle's schedulers, with `subscribe`). The schedulers are closed after the test.
   */
  readonly facilitySchedulers: <F extends string>(facilities: readonly F[], preset: OpdSchedulerOptions, clock: Clock) => Promise<FacilitySchedulers<F>>;
}

/** What {@link Suite.facilitySchedulers} makes. */
export interface FacilitySchedulers<F extends string> {
  /** Each facility's scheduler on the store's first handle. */
  readonly main: Readonly<Record<F, OpdScheduler>>;
  /** Each facility's scheduler on another handle, when the factory gives one. */
  readonly shared: Readonly<Record<F, OpdScheduler>> | undefined;
  /** The events each facility's scheduler on the other handle emitted (none without one). */
  readonly seen: Readonly<Record<F, OpdEvent[]>>;
}

/**
 * The {@link Suite} of a `describe` block: registers, in that block, the `afterEach` that closes
 * every handle a test opened and cleans its store up.
 */
export function suiteOf(factory: () => Promise<ConformanceSubject>, timeout: number, concurrency: number, claimKinds: readonly ClaimKind[] = []): Suite {
  const opened: ConformanceSubject[] = [];
  const shared: StorageAdapter[] = [];
  afterEach(async () => {
    for (const other of shared.splice(0)) await other.close();
    for (const subject of opened.splice(0)) {
      await subject.storage.close();
      await subject.cleanup?.();
    }
  });
  const open = async (): Promise<StorageAdapter> => {
    const subject = await factory();
    opened.push(subject);
    return subject.storage;
  };
  const sharedSchedulers = async (preset: OpdSchedulerOptions): Promise<[OpdScheduler, OpdScheduler]> => {
    const subject = await factory();
    opened.push(subject);
    if (subject.share === undefined) throw new Error('The `shared` capability needs the factory to return `share`');
    const other = await subject.share();
    shared.push(other);
    const clock = new Clock();
    return [subject.storage, other].map((storage) => new OpdScheduler({ ...preset, clock: clock.now, timeZone: 'Asia/Kolkata', storage })) as [
      OpdScheduler,
      OpdScheduler,
    ];
  };
  const made: OpdScheduler[] = [];
  afterEach(async () => {
    for (const opd of made.splice(0)) await opd.close();
  });
  const facilitySchedulers = async <F extends string>(facilities: readonly F[], preset: OpdSchedulerOptions, clock: Clock): Promise<FacilitySchedulers<F>> => {
    const subject = await factory();
    opened.push(subject);
    const another = subject.share === undefined ? undefined : await subject.share();
    if (another !== undefined && another !== subject.storage) shared.push(another);
    const make = (storage: StorageAdapter, facilityId: F): OpdScheduler => {
      const opd = new OpdScheduler({ ...preset, clock: clock.now, timeZone: 'Asia/Kolkata', storage, facilityId });
      made.push(opd);
      return opd;
    };
    const byFacility = <T>(value: (f: F) => T): Record<F, T> => Object.fromEntries(facilities.map((f) => [f, value(f)])) as Record<F, T>;
    const seen = byFacility<OpdEvent[]>(() => []);
    const main = byFacility((f) => make(subject.storage, f));
    const sharedOnes =
      another === undefined
        ? undefined
        : byFacility((f) => {
            const opd = make(another, f);
            opd.on('event', (e) => seen[f].push(e));
            return opd;
          });
    return { main, shared: sharedOnes, seen };
  };
  const scheduler: Suite['scheduler'] = async (extra = {}, clock = new Clock()) => {
    const storage = await open();
    return { opd: new OpdScheduler({ ...presets.standard(), clock: clock.now, timeZone: 'Asia/Kolkata', ...extra, storage }), clock, storage };
  };
  return { timeout, concurrency, claimKinds, open, scheduler, sharedSchedulers, facilitySchedulers };
}

/** A change set that changes nothing. */
export function emptyChanges(): ChangeSet {
  return { newSlots: [], updatedSlots: [], newTokens: [], updatedTokens: [], days: [], events: [] };
}

/** Waits until `done()` holds, or `ms` have passed; whether it holds. */
export async function waitUntil(done: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; !done() && waited < ms; waited += 20) await new Promise((r) => setTimeout(r, 20));
  return done();
}

/**
 * Adds doctor `id` (once) with hourly slots (IST) on `day`; slot ids `${id}-${hh}` (plus `-${day}`
 * off {@link DAY}). Returns the slot ids, in time order.
 */
export async function withSlots(opd: OpdScheduler, id: string, hours: readonly number[], capacity: number, day = DAY): Promise<string[]> {
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

export function expectIncreasing(seqs: readonly number[]): void {
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
}

/** A value as JSON would carry it (dates as ISO strings, no `undefined`). */
export function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/**
 * `log` with every event number replaced by its rank among the numbers it holds (1, 2, 3, …):
 * what is compared is the order of the events, not their numbers, which an adapter may give with
 * gaps (the contract asks only that they increase in commit order).
 */
export function bySeqRank(log: unknown[]): unknown[] {
  const seqs = new Set<number>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'seq' && typeof inner === 'number') seqs.add(inner);
        else collect(inner);
      }
    }
  };
  collect(log);
  const rank = new Map([...seqs].sort((a, b) => a - b).map((seq, i) => [seq, i + 1]));
  const replace = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(replace);
    if (typeof value !== 'object' || value === null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, key === 'seq' && typeof inner === 'number' ? rank.get(inner) : replace(inner)]),
    );
  };
  return log.map(replace);
}
