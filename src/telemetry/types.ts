/**
 * The few shapes of the OpenTelemetry API the library calls, written out so that its published
 * types compile without `@opentelemetry/api` installed. The API's own `TracerProvider` and
 * `MeterProvider` (and those of the SDKs) fit them.
 */

/**
 * An attribute value, as OpenTelemetry accepts it.
 *
 * @inline
 */
export type TelemetryAttributeValue = string | number | boolean;

/**
 * Attributes of a span or a measurement.
 *
 * @inline
 */
export type TelemetryAttributes = Readonly<Record<string, TelemetryAttributeValue>>;

/**
 * What the library records on a span (a subset of the API's `Span`).
 *
 * @inline
 */
export interface TelemetrySpan {
  /** `false` for the no-op span of an API without an SDK: the library then records nothing on it. */
  isRecording(): boolean;
  /** Sets attributes. */
  setAttributes(attributes: TelemetryAttributes): unknown;
  /** Sets the status; the library sets only `ERROR` (`2`), with the error's message. */
  setStatus(status: { readonly code: number; readonly message?: string }): unknown;
  /** Records an exception event; the library passes the `OpdError`'s name, code, message and stack, never its `cause`. */
  recordException(exception: { readonly name: string; readonly message: string; readonly code?: string; readonly stack?: string }): void;
  /** Ends the span. */
  end(): void;
}

/**
 * Options of a new span (a subset of the API's `SpanOptions`).
 *
 * @inline
 */
export interface TelemetrySpanOptions {
  /** `SpanKind`; the library's spans are `INTERNAL` (`0`). */
  readonly kind?: number;
  /** Attributes known at the start. */
  readonly attributes?: TelemetryAttributes;
}

/**
 * A tracer (a subset of the API's `Tracer`).
 *
 * @inline
 */
export interface TelemetryTracer {
  /** Starts a span without making it the active one (for the iteration of `tail()`). */
  startSpan(name: string, options?: TelemetrySpanOptions): TelemetrySpan;
  /**
   * Starts a span that is the active one (the parent of spans started inside, such as database
   * queries) while `fn` runs.
   * @typeParam F - the function run in the span
   */
  startActiveSpan<F extends (span: TelemetrySpan) => unknown>(name: string, options: TelemetrySpanOptions, fn: F): ReturnType<F>;
}

/** Where the library gets its tracer (the API's `TracerProvider`, e.g. `trace.getTracerProvider()`). */
export interface TelemetryTracerProvider {
  /** The tracer of an instrumentation scope. */
  getTracer(name: string, version?: string): TelemetryTracer;
}

/**
 * Options of a new instrument (a subset of the API's `MetricOptions`).
 *
 * @inline
 */
export interface TelemetryInstrumentOptions {
  /** What it measures. */
  readonly description?: string;
  /** UCUM unit, such as `s` or `{booking}`. */
  readonly unit?: string;
  /** Bucket boundaries the SDK uses unless a view says otherwise. */
  readonly advice?: {
    /** Upper bounds of a histogram's buckets. */
    readonly explicitBucketBoundaries?: number[];
  };
}

/**
 * A monotonic counter (the API's `Counter`).
 *
 * @inline
 */
export interface TelemetryCounter {
  /** Adds to the count. */
  add(value: number, attributes?: TelemetryAttributes): void;
}

/**
 * A histogram (the API's `Histogram`).
 *
 * @inline
 */
export interface TelemetryHistogram {
  /** Records one measurement. */
  record(value: number, attributes?: TelemetryAttributes): void;
}

/**
 * A meter (a subset of the API's `Meter`).
 *
 * @inline
 */
export interface TelemetryMeter {
  /** Creates a counter. */
  createCounter(name: string, options?: TelemetryInstrumentOptions): TelemetryCounter;
  /** Creates a histogram. */
  createHistogram(name: string, options?: TelemetryInstrumentOptions): TelemetryHistogram;
}

/** Where the library gets its meter (the API's `MeterProvider`, e.g. `metrics.getMeterProvider()`). */
export interface TelemetryMeterProvider {
  /** The meter of an instrumentation scope. */
  getMeter(name: string, version?: string): TelemetryMeter;
}

/**
 * The `telemetry` option of {@link OpdScheduler}: where spans and metrics go. A provider left out
 * is the global one of `@opentelemetry/api` — the one the OpenTelemetry Node SDK registers —
 * when that package is installed; without it (or without an SDK) nothing is recorded.
 *
 * The library never imports `@opentelemetry/api` statically (it is an optional peer
 * dependency): a scheduler that needs a global provider loads it once, by a dynamic import
 * started when the scheduler is constructed, and reads the global providers then; calls that
 * start before the import settles wait for it. Register the SDK before constructing the
 * scheduler. Providers given here are used at once.
 *
 * @example
 * ```ts run
 * import { metrics, trace } from '@opentelemetry/api';
 * import { OpdScheduler } from 'opd-scheduler';
 *
 * // The defaults, written out:
 * new OpdScheduler({ telemetry: { tracerProvider: trace.getTracerProvider(), meterProvider: metrics.getMeterProvider() } });
 * // No telemetry at all, even with an SDK registered:
 * new OpdScheduler({ telemetry: false });
 * ```
 */
export interface OpdTelemetryOptions {
  /**
   * Where spans go.
   * @defaultValue `trace.getTracerProvider()` of `@opentelemetry/api`, when it is installed
   */
  readonly tracerProvider?: TelemetryTracerProvider | undefined;
  /**
   * Where metrics go.
   * @defaultValue `metrics.getMeterProvider()` of `@opentelemetry/api`, when it is installed
   */
  readonly meterProvider?: TelemetryMeterProvider | undefined;
}
