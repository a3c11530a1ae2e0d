import { catchRejection, type OpdError, isOpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { BookingResult, SlotView, Token, TransitionResult } from '../types.js';
import { loadGlobalProviders } from './api.js';
import { OPD_ATTRIBUTES as A, OPD_INSTRUMENTATION_SCOPE, OPD_METRICS as M } from './names.js';
import type {
  OpdTelemetryOptions,
  TelemetryAttributes,
  TelemetryCounter,
  TelemetryHistogram,
  TelemetryMeterProvider,
  TelemetrySpan,
  TelemetryTracer,
  TelemetryTracerProvider,
} from './types.js';

/** The public methods of `OpdScheduler`; each call is a span `opd.<method>`. */
export type OpdMethod =
  | 'dayOf'
  | 'addDoctor'
  | 'listDoctors'
  | 'addSlots'
  | 'addRecurringSlots'
  | 'reopenSlot'
  | 'book'
  | 'hold'
  | 'confirm'
  | 'release'
  | 'callNext'
  | 'recall'
  | 'reinstate'
  | 'cancel'
  | 'move'
  | 'markNoShow'
  | 'checkIn'
  | 'startConsultation'
  | 'complete'
  | 'sweep'
  | 'closeSlot'
  | 'closeSlots'
  | 'setCapacity'
  | 'getToken'
  | 'getSlot'
  | 'getSchedule'
  | 'getWaitlist'
  | 'stats'
  | 'history'
  | 'tail'
  | 'close';

/** Ids a call names in its arguments (as given: strings are checked here, anything else is ignored). */
export interface CallIds {
  readonly doctorId?: unknown;
  readonly slotId?: unknown;
  readonly tokenId?: unknown;
}

/** What a call tells its span once it knows (after reading its input). */
export interface Call {
  /** The call runs as a dry run. */
  dryRun(value: boolean): void;
}

/** The instrumentation of one scheduler. */
export interface Telemetry {
  /** Runs an asynchronous public call in its span, and records its duration. */
  call<R>(method: OpdMethod, ids: CallIds | undefined, work: (call: Call) => Promise<R>): Promise<R>;
  /**
   * Whether a call starting now would run as with telemetry off: no span, no duration, nothing
   * counted. The scheduler then ends the call itself, without {@link Telemetry.call}.
   */
  passes(): boolean;
  /** Runs a synchronous public call in its span (not traced before the API is loaded: see the docs). */
  sync<R>(method: OpdMethod, work: () => R): R;
  /** A span for `tail()`: from the call to the end of the iteration. */
  tail(open: () => AsyncIterable<OpdEvent>): AsyncIterable<OpdEvent>;
  /** Counts the effects of a stored unit of work (never a dry run's). */
  committed(events: readonly OpdEvent[]): void;
  /** Whether units of work are timed: when `false`, {@link Telemetry.unit} need not be called (nor the clock read for it). */
  readonly timesUnits: boolean;
  /**
   * Records the duration of a unit of work of the public call `method`, begun at `start`
   * (`performance.now()`, just before the adapter's `transact`), once `pending` (what `transact`
   * answered) settles. Never rejects and never throws; `pending` is handled, so that its rejection
   * is never unhandled on this branch.
   */
  unit(method: OpdMethod, start: number, pending: Promise<unknown>): void;
}

const INTERNAL = 0;
const ERROR = 2;
const MAX_ID = 300;
const NO_CALL: Call = { dryRun: () => {} };

/** Latencies of in-memory calls are tens of microseconds, of PostgreSQL calls milliseconds. */
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Nothing recorded (`telemetry: false`, or neither a provider given nor the API installed). */
const OFF: Telemetry = {
  call: (_method, _ids, work) => work(NO_CALL),
  passes: () => true,
  sync: (_method, work) => work(),
  tail: (open) => open(),
  committed: () => {},
  timesUnits: false,
  unit: (_method, _start, pending) => ignoreRejection(pending),
};

/**
 * The telemetry of a scheduler. Providers given are used at once; a provider left out is taken
 * from `@opentelemetry/api` (loaded on first need) when the first call starts.
 */
export function createTelemetry(options: OpdTelemetryOptions | false, normalize: (error: unknown) => OpdError): Telemetry {
  if (options === false) return OFF;
  const { tracerProvider, meterProvider } = options;
  if (tracerProvider !== undefined && meterProvider !== undefined) return recorder(tracerProvider, meterProvider, normalize) ?? OFF;
  return new Deferred(tracerProvider, meterProvider, normalize);
}

/** Waits for the API (only the calls that start before it is loaded), then records or does nothing. */
class Deferred implements Telemetry {
  #active: Telemetry | undefined;
  readonly #ready: Promise<Telemetry>;

  constructor(tracerProvider: TelemetryTracerProvider | undefined, meterProvider: TelemetryMeterProvider | undefined, normalize: (error: unknown) => OpdError) {
    this.#ready = loadGlobalProviders()
      .then((global) => {
        const tracers = tracerProvider ?? safely(() => global?.tracerProvider());
        const meters = meterProvider ?? safely(() => global?.meterProvider());
        return recorder(tracers, meters, normalize, global?.isNoopMeter) ?? OFF;
      })
      // Telemetry that cannot be set up records nothing; the calls go on.
      .catch(() => OFF)
      .then((active) => (this.#active = active));
  }

  call<R>(method: OpdMethod, ids: CallIds | undefined, work: (call: Call) => Promise<R>): Promise<R> {
    if (this.#active !== undefined) return this.#active.call(method, ids, work);
    // A call made before the API is loaded runs now, as any call does: it reads its input when
    // it is made (a caller may change or reuse the object once the call returns). Its span and
    // duration start when the API is ready, and a dry run is not marked on that span.
    let running: Promise<R>;
    try {
      running = work(NO_CALL);
    } catch (error) {
      running = Promise.reject(error);
    }
    // Awaited below once the API is ready: until then a failure is not unhandled.
    ignoreRejection(running);
    return this.#ready.then((active) => active.call(method, ids, () => running));
  }

  passes(): boolean {
    // A call made before the API is loaded is recorded once it is.
    return this.#active !== undefined && this.#active.passes();
  }

  sync<R>(method: OpdMethod, work: () => R): R {
    return (this.#active ?? OFF).sync(method, work);
  }

  tail(open: () => AsyncIterable<OpdEvent>): AsyncIterable<OpdEvent> {
    return (this.#active ?? OFF).tail(open);
  }

  committed(events: readonly OpdEvent[]): void {
    this.#active?.committed(events);
  }

  get timesUnits(): boolean {
    // A call that starts before the API is loaded times its units: recorded once it is.
    return this.#active?.timesUnits ?? true;
  }

  unit(method: OpdMethod, start: number, pending: Promise<unknown>): void {
    if (this.#active !== undefined) return this.#active.unit(method, start, pending);
    ignoreRejection(pending);
    void this.#ready.then((active) => active.unit(method, start, pending));
  }
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

interface Instruments {
  readonly bookings: TelemetryCounter;
  readonly bumps: TelemetryCounter;
  readonly cascades: TelemetryCounter;
  readonly promotions: TelemetryCounter;
  readonly drops: TelemetryCounter;
  readonly duration: TelemetryHistogram;
  readonly unitDuration: TelemetryHistogram;
}

/** A recording telemetry, or `undefined` when there is nothing to record to (or a provider fails). */
function recorder(
  tracerProvider: TelemetryTracerProvider | undefined,
  meterProvider: TelemetryMeterProvider | undefined,
  normalize: (error: unknown) => OpdError,
  isNoopMeter?: (meter: unknown) => boolean,
): Telemetry | undefined {
  const tracer = safely(() => tracerProvider?.getTracer(OPD_INSTRUMENTATION_SCOPE));
  const instruments = safely(() => {
    const meter = meterProvider?.getMeter(OPD_INSTRUMENTATION_SCOPE);
    // The API's no-op meter (no SDK registered when the meter was taken) records nothing, ever.
    if (meter === undefined || isNoopMeter?.(meter) === true) return undefined;
    const counter = (name: string, unit: string, description: string): TelemetryCounter => guardedCounter(meter.createCounter(name, { unit, description }));
    return {
      bookings: counter(M.bookings, '{booking}', 'Bookings, by category and outcome (failed ones by error code)'),
      bumps: counter(M.bumps, '{bump}', 'Tokens bumped from their place by a more urgent one'),
      cascades: counter(M.cascades, '{cascade}', 'Displaced tokens moved to a later slot, by reason'),
      promotions: counter(M.promotions, '{promotion}', 'Waitlisted tokens that got a place'),
      drops: counter(M.drops, '{drop}', 'Displaced tokens dropped for want of a place, by reason'),
      duration: guardedHistogram(
        meter.createHistogram(M.duration, {
          unit: 's',
          description: 'Duration of public calls of the scheduler, by method',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        }),
      ),
      unitDuration: guardedHistogram(
        meter.createHistogram(M.unitDuration, {
          unit: 's',
          description: "Duration of units of work (read, decide and commit under the doctor's lock), by the method that ran them",
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        }),
      ),
    } satisfies Instruments;
  });
  if (tracer === undefined && instruments === undefined) return undefined;
  return new Recorder(tracer, instruments, normalize, tracer === undefined ? undefined : untilDelegated(tracerProvider));
}

/** What the API's global `ProxyTracerProvider` offers to tell whether an SDK is registered. */
interface ProxyProvider {
  getDelegate(): unknown;
  getDelegateTracer(name: string): unknown;
}

/**
 * For the API's global tracer provider while no SDK is registered: a test, cheap enough for every
 * call, that stays true until one is (its spans are then non-recording and invalid, observed by
 * nobody). `undefined` for any other provider.
 */
function untilDelegated(provider: TelemetryTracerProvider | undefined): (() => boolean) | undefined {
  // Read inside `safely` too: a provider may throw on a property it lacks.
  return safely(() => {
    const proxy = provider as Partial<ProxyProvider> | undefined;
    if (typeof proxy?.getDelegate !== 'function' || typeof proxy.getDelegateTracer !== 'function') return undefined;
    const { getDelegate, getDelegateTracer } = proxy as ProxyProvider;
    if (getDelegateTracer.call(proxy, OPD_INSTRUMENTATION_SCOPE) !== undefined) return undefined; // an SDK already
    const noop = getDelegate.call(proxy);
    return () => getDelegate.call(proxy) === noop;
  });
}

/** When `value` is a promise (any thenable), handles its rejection, so that it is never unhandled. */
function ignoreRejection(value: unknown): void {
  catchRejection(value, ignoreError);
}

const ignoreError = (): void => undefined;

/*
 * The SDK's instruments and spans, each method on its own: whatever one throws, or a promise it
 * returns that rejects, is ignored, and the next one still records (a histogram that throws does
 * not cost the span its error status). Written out, without a closure per call: every booking
 * records through them.
 */

function guardedCounter(counter: TelemetryCounter): TelemetryCounter {
  return {
    add(value, attributes) {
      try {
        ignoreRejection(counter.add(value, attributes));
      } catch {
        // Telemetry is best effort.
      }
    },
  };
}

function guardedHistogram(histogram: TelemetryHistogram): TelemetryHistogram {
  return {
    record(value, attributes) {
      try {
        ignoreRejection(histogram.record(value, attributes));
      } catch {
        // Telemetry is best effort.
      }
    },
  };
}

class GuardedSpan implements TelemetrySpan {
  readonly #span: TelemetrySpan;

  constructor(span: TelemetrySpan) {
    this.#span = span;
  }

  isRecording(): boolean {
    try {
      return this.#span.isRecording() === true;
    } catch {
      return false;
    }
  }

  setAttributes(attributes: TelemetryAttributes): void {
    try {
      ignoreRejection(this.#span.setAttributes(attributes));
    } catch {
      // Telemetry is best effort.
    }
  }

  setStatus(status: { readonly code: number; readonly message?: string }): void {
    try {
      ignoreRejection(this.#span.setStatus(status));
    } catch {
      // Telemetry is best effort.
    }
  }

  recordException(exception: { readonly name: string; readonly message: string; readonly code?: string; readonly stack?: string }): void {
    try {
      ignoreRejection(this.#span.recordException(exception));
    } catch {
      // Telemetry is best effort.
    }
  }

  end(): void {
    try {
      ignoreRejection(this.#span.end());
    } catch {
      // Telemetry is best effort.
    }
  }
}

/** The span the tracer gave, guarded; `undefined` for none. */
function guardedSpan(span: TelemetrySpan | undefined): TelemetrySpan | undefined {
  return span === undefined || span === null ? undefined : new GuardedSpan(span);
}

/** Attributes of successful calls on the duration histogram, one object per method. */
const methodAttributes = new Map<OpdMethod, TelemetryAttributes>();

function ofMethod(method: OpdMethod): TelemetryAttributes {
  let attributes = methodAttributes.get(method);
  if (attributes === undefined) methodAttributes.set(method, (attributes = Object.freeze({ [A.method]: method })));
  return attributes;
}

class Recorder implements Telemetry {
  readonly #tracer: TelemetryTracer | undefined;
  readonly #instruments: Instruments | undefined;
  readonly #normalize: (error: unknown) => OpdError;

  /** True while the tracer is the API's no-op (no SDK registered yet). */
  readonly #idle: (() => boolean) | undefined;

  constructor(tracer: TelemetryTracer | undefined, instruments: Instruments | undefined, normalize: (error: unknown) => OpdError, idle?: () => boolean) {
    this.#tracer = tracer;
    this.#instruments = instruments;
    this.#normalize = normalize;
    this.#idle = idle;
  }

  #tracing(): boolean {
    if (this.#tracer === undefined) return false;
    if (this.#idle === undefined) return true;
    try {
      return !this.#idle();
    } catch {
      return true;
    }
  }

  passes(): boolean {
    return this.#instruments === undefined && !this.#tracing();
  }

  call<R>(method: OpdMethod, ids: CallIds | undefined, work: (call: Call) => Promise<R>): Promise<R> {
    const tracer = this.#tracer;
    if (tracer === undefined || !this.#tracing()) {
      // Nothing to record to: the call costs what it costs with telemetry off.
      return this.#instruments === undefined ? work(NO_CALL) : this.#measured(method, undefined, ids, NO_CALL, work);
    }
    let started: Promise<R> | undefined;
    try {
      // What the tracer returns is not the call's answer, and nobody awaits it: a promise of its
      // own (an async wrapper) rejects when the call fails, and would reject unhandled.
      ignoreRejection(tracer.startActiveSpan(`opd.${method}`, { kind: INTERNAL }, (given) => {
        const span = guardedSpan(given);
        if (started !== undefined) {
          // A tracer that calls back twice, or late (the call already ran untraced), still runs
          // the call once: the span it gave is ended unused.
          span?.end();
          return started;
        }
        const call = span?.isRecording() === true ? new SpanCall() : NO_CALL;
        return (started = this.#measured(method, span, ids, call, work));
      }));
    } catch {
      // A failing tracer never fails the call (nor runs it twice).
    }
    // The call's own promise, whatever the tracer returned; run untraced when it did not call
    // back before returning.
    return (started ??= this.#measured(method, undefined, ids, NO_CALL, work));
  }

  async #measured<R>(method: OpdMethod, span: TelemetrySpan | undefined, ids: CallIds | undefined, call: Call, work: (call: Call) => Promise<R>): Promise<R> {
    const start = performance.now();
    let result: R;
    try {
      result = await work(call);
    } catch (thrown) {
      // As the caller will see it.
      const error = this.#normalize(thrown);
      this.#record(() => {
        this.#instruments?.duration.record((performance.now() - start) / 1000, { [A.method]: method, [A.errorType]: error.code });
        if (method === 'book') this.#instruments?.bookings.add(1, { [A.outcome]: 'FAILED', [A.errorType]: error.code });
        if (span !== undefined) failed(span, ids, error, error.code);
      }, span);
      throw error;
    }
    this.#record(() => {
      this.#instruments?.duration.record((performance.now() - start) / 1000, ofMethod(method));
      if (method === 'book') this.#countBooking(result as BookingResult);
      if (span?.isRecording() === true) succeeded(span, method, ids, call as SpanCall, result);
    }, span);
    return result;
  }

  sync<R>(method: OpdMethod, work: () => R): R {
    const tracer = this.#tracer;
    if (tracer === undefined) return work();
    let span: TelemetrySpan | undefined;
    let result: R;
    try {
      span = guardedSpan(safely(() => tracer.startSpan(`opd.${method}`, { kind: INTERNAL })));
      result = work();
    } catch (error) {
      if (span !== undefined) this.#record(() => failed(span!, undefined, error, errorCode(error)), span);
      throw error;
    }
    if (span !== undefined) this.#record(() => span!.setAttributes({ [A.outcome]: 'OK' }), span);
    return result;
  }

  tail(open: () => AsyncIterable<OpdEvent>): AsyncIterable<OpdEvent> {
    const tracer = this.#tracer;
    if (tracer === undefined) return open();
    const span = guardedSpan(safely(() => tracer.startSpan('opd.tail', { kind: INTERNAL })));
    if (span === undefined) return open();
    let source: AsyncIterable<OpdEvent>;
    try {
      source = open();
    } catch (error) {
      this.#record(() => failed(span, undefined, error, errorCode(error)), span);
      throw error;
    }
    const record = (end: () => void): void => this.#record(end, span);
    return {
      [Symbol.asyncIterator]: () => {
        const iterator = source[Symbol.asyncIterator]();
        let yielded = 0;
        let ended = false;
        const finish = (error?: unknown): void => {
          if (ended) return;
          ended = true;
          record(() => (error === undefined ? span.setAttributes({ [A.outcome]: 'OK', [A.effects]: yielded }) : failed(span, undefined, error, errorCode(error))));
        };
        return {
          next: async () => {
            try {
              const step = await iterator.next();
              if (step.done === true) finish();
              else yielded++;
              return step;
            } catch (error) {
              finish(error);
              throw error;
            }
          },
          return: async () => {
            try {
              return (await iterator.return?.()) ?? { done: true, value: undefined };
            } finally {
              finish();
            }
          },
        };
      },
    };
  }

  committed(events: readonly OpdEvent[]): void {
    const instruments = this.#instruments;
    if (instruments === undefined) return;
    this.#record(() => {
      for (const event of events) {
        switch (event.type) {
          case 'token:bumped':
            instruments.bumps.add(1);
            break;
          case 'token:cascaded':
            instruments.cascades.add(1, ofReason(event.reason));
            break;
          case 'token:promoted':
            instruments.promotions.add(1);
            break;
          case 'token:dropped':
            instruments.drops.add(1, ofReason(event.reason));
            break;
          default:
        }
      }
    }, undefined);
  }

  get timesUnits(): boolean {
    return this.#instruments !== undefined;
  }

  unit(method: OpdMethod, start: number, pending: Promise<unknown>): void {
    const histogram = this.#instruments?.unitDuration;
    if (histogram === undefined) {
      ignoreRejection(pending);
      return;
    }
    // Recorded as every other record is (`#record` never throws): this branch never rejects.
    pending.then(
      () => this.#record(() => histogram.record((performance.now() - start) / 1000, ofMethod(method)), undefined),
      (error: unknown) =>
        this.#record(() => histogram.record((performance.now() - start) / 1000, { [A.method]: method, [A.errorType]: this.#normalize(error).code }), undefined),
    );
  }

  #countBooking(result: BookingResult): void {
    if (result.replayed === true) return;
    this.#instruments?.bookings.add(1, { [A.category]: result.token.category, [A.outcome]: result.outcome });
  }

  /** Records, then ends the span; a failing SDK never fails the call. */
  #record(record: () => void, span: TelemetrySpan | undefined): void {
    try {
      record();
    } catch {
      // Telemetry is best effort.
    }
    span?.end();
  }
}

const reasonAttributes = new Map<string, TelemetryAttributes>();

function ofReason(reason: string): TelemetryAttributes {
  let attributes = reasonAttributes.get(reason);
  if (attributes === undefined) reasonAttributes.set(reason, (attributes = Object.freeze({ [A.reason]: reason })));
  return attributes;
}

/** What a recording span learns from its call. */
class SpanCall implements Call {
  dry: boolean | undefined;
  dryRun(value: boolean): void {
    this.dry = value;
  }
}

function errorCode(error: unknown): string {
  return isOpdError(error) ? error.code : '_OTHER';
}

/** An id as an attribute: a string the library could have accepted as an id, else nothing. */
function id(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID ? value : undefined;
}

function idAttributes(ids: CallIds | undefined, attributes: Record<string, string | number | boolean>): void {
  const doctorId = id(ids?.doctorId);
  const slotId = id(ids?.slotId);
  const tokenId = id(ids?.tokenId);
  if (doctorId !== undefined) attributes[A.doctorId] = doctorId;
  if (slotId !== undefined) attributes[A.slotId] = slotId;
  if (tokenId !== undefined) attributes[A.tokenId] = tokenId;
}

function tokenAttributes(token: Token, attributes: Record<string, string | number | boolean>): void {
  attributes[A.tokenId] = token.id;
  attributes[A.doctorId] = token.doctorId;
  if (token.slotId !== null) attributes[A.slotId] = token.slotId;
}

function effectAttributes(effects: readonly OpdEvent[], attributes: Record<string, string | number | boolean>): void {
  attributes[A.effects] = effects.length;
  const first = effects[0];
  if (first !== undefined) attributes[A.doctorId] = first.doctorId;
}

function succeeded(span: TelemetrySpan, method: OpdMethod, ids: CallIds | undefined, call: SpanCall, result: unknown): void {
  const attributes: Record<string, string | number | boolean> = { [A.outcome]: 'OK' };
  idAttributes(ids, attributes);
  switch (method) {
    case 'book': {
      const booking = result as BookingResult;
      tokenAttributes(booking.token, attributes);
      attributes[A.outcome] = booking.outcome;
      attributes[A.category] = booking.token.category;
      attributes[A.effects] = booking.effects.length;
      if (booking.replayed === true) attributes[A.replayed] = true;
      break;
    }
    case 'hold': {
      const holding = result as TransitionResult & { readonly replayed?: true };
      tokenAttributes(holding.token, attributes);
      attributes[A.outcome] = holding.token.status;
      attributes[A.category] = holding.token.category;
      attributes[A.effects] = holding.effects.length;
      if (holding.replayed === true) attributes[A.replayed] = true;
      break;
    }
    case 'callNext': {
      const called = (result as { readonly token: Token | null }).token;
      if (called !== null) tokenAttributes(called, attributes);
      attributes[A.effects] = 0;
      break;
    }
    case 'confirm':
    case 'release':
    case 'recall':
    case 'reinstate':
    case 'cancel':
    case 'markNoShow':
    case 'checkIn':
    case 'startConsultation':
    case 'complete': {
      const transition = result as TransitionResult;
      tokenAttributes(transition.token, attributes);
      attributes[A.effects] = transition.effects.length;
      break;
    }
    case 'move': {
      // The token where the patient is now (a new token of another doctor-day, or the same one).
      const moved = result as { readonly token: Token; readonly effects: readonly OpdEvent[] };
      tokenAttributes(moved.token, attributes);
      attributes[A.effects] = moved.effects.length;
      attributes[A.dryRun] = call.dry === true;
      break;
    }
    case 'getToken':
      tokenAttributes(result as Token, attributes);
      break;
    case 'getSlot':
      attributes[A.doctorId] = (result as SlotView).slot.doctorId;
      break;
    case 'addDoctor':
      attributes[A.doctorId] = (result as { readonly id: string }).id;
      break;
    case 'closeSlot':
    case 'closeSlots':
    case 'setCapacity':
    case 'reopenSlot':
      effectAttributes(result as readonly OpdEvent[], attributes);
      attributes[A.dryRun] = call.dry === true;
      break;
    case 'sweep':
      attributes[A.effects] = (result as readonly OpdEvent[]).length;
      break;
    default:
  }
  span.setAttributes(attributes);
}

/**
 * Status `ERROR` with the error's message, `error.type` its code, the ids it names, and an
 * exception event with its name, code, message and stack — never its `cause`, which may come
 * from outside the library (a database driver's message can quote a row).
 */
function failed(span: TelemetrySpan, ids: CallIds | undefined, error: unknown, code: string): void {
  if (!span.isRecording()) return;
  const attributes: Record<string, string | number | boolean> = { [A.outcome]: 'FAILED', [A.errorType]: code };
  // An id refused as input may be anything the caller passed by mistake: only ids the library used.
  if (code !== 'VALIDATION_FAILED') idAttributes(ids, attributes);
  if (isOpdError(error)) {
    idAttributes({ doctorId: error.details['doctorId'], slotId: error.details['slotId'], tokenId: error.details['tokenId'] }, attributes);
    span.recordException({ name: error.name, code: error.code, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) });
    span.setStatus({ code: ERROR, message: error.message });
  } else {
    span.recordException({ name: 'Error', message: 'A failure that is not an OpdError' });
    span.setStatus({ code: ERROR, message: 'A failure that is not an OpdError' });
  }
  span.setAttributes(attributes);
}
