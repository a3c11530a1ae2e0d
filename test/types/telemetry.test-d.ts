import { type MeterProvider, type Tracer, type TracerProvider, metrics, trace } from '@opentelemetry/api';
import { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { OpdScheduler, type OpdSchedulerOptions, type OpdTelemetryOptions, type TelemetryMeterProvider, type TelemetryTracerProvider } from 'opd-scheduler';
import { describe, expectTypeOf, it } from 'vitest';

describe('the telemetry option takes what OpenTelemetry gives', () => {
  it('the API providers and tracer fit the shapes the library calls', () => {
    expectTypeOf<TracerProvider>().toExtend<TelemetryTracerProvider>();
    expectTypeOf<Tracer>().toExtend<ReturnType<TelemetryTracerProvider['getTracer']>>();
    expectTypeOf<MeterProvider>().toExtend<TelemetryMeterProvider>();
  });

  it('the global providers and those of the SDKs', () => {
    const global: OpdTelemetryOptions = { tracerProvider: trace.getTracerProvider(), meterProvider: metrics.getMeterProvider() };
    const sdk: OpdSchedulerOptions = { telemetry: { tracerProvider: new BasicTracerProvider(), meterProvider: new SdkMeterProvider() } };
    expectTypeOf(new OpdScheduler({ telemetry: global })).toEqualTypeOf<OpdScheduler>();
    expectTypeOf(sdk.telemetry).toEqualTypeOf<OpdTelemetryOptions | false | undefined>();
    // @ts-expect-error a tracer is not a tracer provider
    const wrong: OpdTelemetryOptions = { tracerProvider: trace.getTracer('x') };
    expectTypeOf(wrong).not.toBeAny();
  });
});
