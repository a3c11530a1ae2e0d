// The instrumentation a scheduler sees (`Telemetry`): off, waiting for `@opentelemetry/api`, or
// recording (`recorder.ts`).
import type { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { loadGlobalProviders } from './api.js';
import { NO_CALL } from './attributes.js';
import { ignoreRejection, safely } from './guards.js';
import { recorder } from './recorder.js';
import type { OpdTelemetryOptions, TelemetryMeterProvider, TelemetryTracerProvider } from './types.js';

/** The public methods of `OpdScheduler`; each call is a span `opd.<method>`. */
export type OpdMethod =
  | 'dayOf'
  | 'now'
  | 'addDoctor'
  | 'listDoctors'
  | 'getDoctor'
  | 'updateDoctor'
  | 'retireDoctor'
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
  | 'closeDay'
  | 'setCapacity'
  | 'leaseCapacity'
  | 'bookFollowUp'
  | 'dueFollowUps'
  | 'cancelFollowUp'
  | 'bookSeries'
  | 'cancelSeries'
  | 'entitlementOf'
  | 'returnLease'
  | 'pauseDoctor'
  | 'resumeDoctor'
  | 'forward'
  | 'getServicePointQueue'
  | 'reconcile'
  | 'importManualRegister'
  | 'getToken'
  | 'getSlot'
  | 'getSchedule'
  | 'getWaitlist'
  | 'availability'
  | 'stats'
  | 'history'
  | 'tail'
  | 'close'
  | 'explain'
  | 'explainText'
  | 'fairness'
  | 'acceptOffer'
  | 'declineOffer'
  | 'exportPatient'
  | 'erasePatient'
  | 'purge';

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

/** Nothing recorded (`telemetry: false`, or neither a provider given nor the API installed). */
const OFF: Telemetry = {
  call: (_method, _ids, work) => work(NO_CALL),
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
