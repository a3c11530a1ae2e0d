/**
 * Checking what a storage adapter answers: the scheduler trusts no adapter (a custom one may be
 * broken, or a proxy whose traps throw), and turns every answer outside the contract into an
 * `OpdError` `STORAGE_FAILURE` naming the adapter, never a `TypeError` or a view holding `null`
 * where a number belongs.
 */
import { catchRejection, ErrorSummary, OpdError, isOpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { DoctorRecord } from '../model/records.js';
import type { DaySnapshot, DoctorSnapshot } from '../model/snapshot.js';
import { type DayDump, type DayFilter, isEventOfDay, type StorageAdapter } from '../storage/adapter.js';
import { isDaySnapshot, isDoctorRecord, isEvent } from '../storage/shapes.js';

/** Events per read of an adapter's whole history. */
const HISTORY_PAGE = 1000;

/** Every failure leaves a public call as an `OpdError`. */
export function wrap(error: unknown): OpdError {
  if (isOpdError(error)) return error;
  // A custom adapter's error may quote the rows it failed on: only its class and code are kept.
  return new OpdError('STORAGE_FAILURE', 'The storage adapter failed', { cause: new ErrorSummary(error) });
}

/** The storage adapter of one scheduler, with each of its answers checked against the contract. */
export class CheckedAdapter {
  /** The day claim lists a read found good (kept weakly: they go with their days). */
  readonly #checkedClaims = new WeakSet<object>();

  constructor(readonly storage: StorageAdapter) {}

  /** The storage adapter's name, for messages (`?` when it cannot be read). */
  name(): string {
    try {
      const name: unknown = this.storage.name;
      return typeof name === 'string' ? name : '?';
    } catch {
      return '?';
    }
  }

  /** A storage adapter that does not keep its contract (`what` it did), as `STORAGE_FAILURE`. */
  malformed(what: string): OpdError {
    const adapter = this.name();
    return new OpdError('STORAGE_FAILURE', `The storage adapter \`${adapter}\` broke its contract: ${what}`, { details: { adapter } });
  }

  /**
   * A failure of the storage adapter, as `STORAGE_FAILURE` naming what it was doing: an `OpdError`
   * stays as it is; anything else is kept as the cause, reduced to its class and code (a custom
   * adapter's message may quote the rows it failed on).
   */
  failure(doing: string, error: unknown): OpdError {
    if (isOpdError(error)) return error;
    const adapter = this.name();
    return new OpdError('STORAGE_FAILURE', `The storage adapter \`${adapter}\` ${doing}`, { details: { adapter }, cause: new ErrorSummary(error) });
  }

  /** A read holding something that is not a record, as `STORAGE_FAILURE`. */
  unreadable(): OpdError {
    return this.malformed('`read` resolved with a doctor, slot, token or day that is not a stored record (a field missing or of the wrong kind)');
  }

  /**
   * Refuses a read whose doctor or `day` (the records a view is made of) is not made of records:
   * a view of one would hold `undefined`, `null` or a string where a number belongs.
   * @throws OpdError `STORAGE_FAILURE`
   */
  checkRead(snapshot: DoctorSnapshot, day: DaySnapshot | undefined): void {
    if ((snapshot.doctor !== undefined && !isDoctorRecord(snapshot.doctor)) || (day !== undefined && !isDaySnapshot(day, this.#checkedClaims)))
      throw this.unreadable();
  }

  /**
   * A number for a generated doctor id, as the contract promises it: a non-negative safe integer
   * (so that `doc-${n}` is an id that `expectId` accepts).
   * @throws OpdError `STORAGE_FAILURE` for anything else, before anything is stored
   */
  async allocateId(): Promise<number> {
    let n: unknown;
    try {
      n = await this.storage.allocateId('doctor');
    } catch (error) {
      throw this.failure('failed to allocate an id', error);
    }
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
      throw this.malformed('`allocateId` resolved with something other than a non-negative integer');
    return n;
  }

  /**
   * The adapter's doctors, each checked to be a doctor record.
   * @throws OpdError `STORAGE_FAILURE`
   */
  async listDoctors(): Promise<DoctorRecord[]> {
    const doctors: unknown = await this.storage.listDoctors();
    if (!Array.isArray(doctors) || !doctors.every(isDoctorRecord)) throw this.malformed('`listDoctors` resolved with something other than an array of doctors');
    return doctors;
  }

  /**
   * The adapter's `history(after, limit)`, checked to be an array of events.
   * @throws OpdError `STORAGE_FAILURE`
   */
  async history(after: number, limit: number): Promise<OpdEvent[]> {
    const events: unknown = await this.storage.history(after, limit);
    if (!Array.isArray(events) || !events.every(isEvent)) throw this.malformed('`history` resolved with something other than an array of events');
    return events;
  }

  /**
   * The stored events of one doctor-day (see `StorageAdapter.dayHistory`), each checked to be an
   * event. An adapter without `dayHistory` has its whole history read, a page at a time, and the
   * day's events kept.
   * @throws OpdError `STORAGE_FAILURE`
   */
  async dayHistory(doctorId: string, day: string): Promise<OpdEvent[]> {
    const storage = this.storage;
    if (storage.dayHistory !== undefined) {
      const events: unknown = await storage.dayHistory(doctorId, day);
      if (!Array.isArray(events) || !events.every(isEvent)) throw this.malformed('`dayHistory` resolved with something other than an array of events');
      return events;
    }
    const out: OpdEvent[] = [];
    for (let after = 0; ;) {
      const page = await this.history(after, HISTORY_PAGE);
      for (const e of page) if (isEventOfDay(e, doctorId, day)) out.push(e);
      if (page.length === 0) return out;
      after = page[page.length - 1]!.seq;
    }
  }

  /**
   * The adapter's `scanDays(filter)`. A promise in place of the iterable (an `async scanDays`
   * rather than an `async *scanDays`) is refused as a broken contract, and its rejection handled:
   * left alone, it would go unhandled and bring the host process down.
   * @throws OpdError `STORAGE_FAILURE`
   */
  scanDays(filter: DayFilter): AsyncIterable<DayDump> | Iterable<DayDump> {
    let days: unknown;
    try {
      days = this.storage.scanDays(filter);
    } catch (error) {
      throw this.failure('failed to read its days', error);
    }
    const iterable = (typeof days === 'object' || typeof days === 'function') && days !== null;
    if (
      !iterable ||
      (typeof (days as Partial<AsyncIterable<DayDump>>)[Symbol.asyncIterator] !== 'function' &&
        typeof (days as Partial<Iterable<DayDump>>)[Symbol.iterator] !== 'function')
    ) {
      catchRejection(days, () => {});
      throw this.malformed('`scanDays` did not return an async iterable');
    }
    return days as AsyncIterable<DayDump> | Iterable<DayDump>;
  }

  /**
   * Subscribes to the events other writers commit, when the adapter offers it: what its
   * `subscribe` returned, unchecked until {@link CheckedAdapter.unsubscribe}.
   * @throws OpdError `STORAGE_FAILURE` when `subscribe` throws
   */
  subscribe(listener: (event: unknown) => void): Subscription | undefined {
    const storage = this.storage;
    let stop: unknown;
    try {
      const subscribe = storage.subscribe;
      if (subscribe === undefined) return undefined;
      stop = subscribe.call(storage, listener);
    } catch (error) {
      throw this.failure('failed to subscribe to the events of other writers', error);
    }
    // An asynchronous `subscribe` returns a promise, not a function (`unsubscribe` reports it):
    // its rejection must not go unhandled and bring the process down.
    catchRejection(stop, () => {});
    return { stop };
  }

  /** Stops the delivery {@link CheckedAdapter.subscribe} started, if any. */
  async unsubscribe(subscription: Subscription | undefined): Promise<void> {
    if (subscription === undefined) return;
    const { stop } = subscription;
    if (typeof stop !== 'function') throw this.malformed('`subscribe` did not return a function, so its delivery of events could not be stopped');
    await (stop as () => unknown)();
  }
}

/**
 * What the adapter's `subscribe` returned (its function stopping the delivery, or whatever else a
 * broken adapter returned, reported when the scheduler closes).
 */
export interface Subscription {
  readonly stop: unknown;
}

/**
 * Stops the adapter's delivery of events, then closes the adapter, each step run whatever
 * happened in the one before: a failure never leaves the adapter open.
 * @throws OpdError `STORAGE_FAILURE`, the first failure, once both steps were tried
 */
export async function closeAdapter(adapter: CheckedAdapter, subscription: Subscription | undefined): Promise<void> {
  let failure: OpdError | undefined;
  try {
    await adapter.unsubscribe(subscription);
  } catch (error) {
    failure = adapter.failure('failed to stop its delivery of events', error);
  }
  try {
    await adapter.storage.close();
  } catch (error) {
    failure ??= adapter.failure('failed to close', error);
  }
  if (failure !== undefined) throw failure;
}
