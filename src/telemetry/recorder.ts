// The telemetry of a scheduler that has somewhere to record to: its calls in spans (`spans.ts`,
// `attributes.ts`), their durations and effects in metrics (`metrics.ts`).
import type { OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { BookingResult } from '../types.js';
import { NO_CALL, SpanCall, errorCode, failed, succeeded } from './attributes.js';
import { ignoreRejection, safely } from './guards.js';
import { Metrics } from './metrics.js';
import { OPD_ATTRIBUTES as A, OPD_INSTRUMENTATION_SCOPE } from './names.js';
import { startSpan, traced, tracedIteration, untilDelegated } from './spans.js';
import type { Call, CallIds, OpdMethod, Telemetry } from './telemetry.js';
import type { TelemetryMeterProvider, TelemetrySpan, TelemetryTracer, TelemetryTracerProvider } from './types.js';

/** A recording telemetry, or `undefined` when there is nothing to record to (or a provider fails). */
export function recorder(
  tracerProvider: TelemetryTracerProvider | undefined,
  meterProvider: TelemetryMeterProvider | undefined,
  normalize: (error: unknown) => OpdError,
  isNoopMeter?: (meter: unknown) => boolean,
): Telemetry | undefined {
  const tracer = safely(() => tracerProvider?.getTracer(OPD_INSTRUMENTATION_SCOPE));
  const metrics = Metrics.of(meterProvider, isNoopMeter);
  if (tracer === undefined && metrics === undefined) return undefined;
  return new Recorder(tracer, metrics, normalize, tracer === undefined ? undefined : untilDelegated(tracerProvider));
}

class Recorder implements Telemetry {
  readonly #tracer: TelemetryTracer | undefined;
  readonly #metrics: Metrics | undefined;
  readonly #normalize: (error: unknown) => OpdError;

  /** True while the tracer is the API's no-op (no SDK registered yet). */
  readonly #idle: (() => boolean) | undefined;

  constructor(tracer: TelemetryTracer | undefined, metrics: Metrics | undefined, normalize: (error: unknown) => OpdError, idle?: () => boolean) {
    this.#tracer = tracer;
    this.#metrics = metrics;
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

  call<R>(method: OpdMethod, ids: CallIds | undefined, work: (call: Call) => Promise<R>): Promise<R> {
    const tracer = this.#tracer;
    if (tracer === undefined || !this.#tracing()) {
      // Nothing to record to: the call costs what it costs with telemetry off.
      return this.#metrics === undefined ? work(NO_CALL) : this.#measured(method, undefined, ids, NO_CALL, work);
    }
    return traced(tracer, `opd.${method}`, (span) => this.#measured(method, span, ids, span?.isRecording() === true ? new SpanCall() : NO_CALL, work));
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
        this.#metrics?.called(method, start, error.code);
        if (method === 'book') this.#metrics?.bookingFailed(error.code);
        if (span !== undefined) failed(span, ids, error, error.code);
      }, span);
      throw error;
    }
    this.#record(() => {
      this.#metrics?.called(method, start);
      if (method === 'book') this.#metrics?.booked(result as BookingResult);
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
      span = startSpan(tracer, `opd.${method}`);
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
    const span = startSpan(tracer, 'opd.tail');
    if (span === undefined) return open();
    let source: AsyncIterable<OpdEvent>;
    try {
      source = open();
    } catch (error) {
      this.#record(() => failed(span, undefined, error, errorCode(error)), span);
      throw error;
    }
    return tracedIteration(span, source, (write) => this.#record(write, span));
  }

  committed(events: readonly OpdEvent[]): void {
    const metrics = this.#metrics;
    if (metrics === undefined) return;
    this.#record(() => metrics.committed(events), undefined);
  }

  get timesUnits(): boolean {
    return this.#metrics !== undefined;
  }

  unit(method: OpdMethod, start: number, pending: Promise<unknown>): void {
    const metrics = this.#metrics;
    if (metrics === undefined) {
      ignoreRejection(pending);
      return;
    }
    // Recorded as every other record is (`#record` never throws): this branch never rejects.
    pending.then(
      () => this.#record(() => metrics.unit(method, start), undefined),
      (error: unknown) => this.#record(() => metrics.unit(method, start, this.#normalize(error).code), undefined),
    );
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
