import type { TelemetryMeterProvider, TelemetryTracerProvider } from './types.js';

/** The global providers of `@opentelemetry/api`. */
export interface GlobalProviders {
  readonly tracerProvider: () => TelemetryTracerProvider | undefined;
  readonly meterProvider: () => TelemetryMeterProvider | undefined;
  /** Whether a meter is the API's no-op meter (what the global provider gives without an SDK). */
  readonly isNoopMeter: (meter: unknown) => boolean;
}

interface ApiModule {
  readonly trace?: { getTracerProvider?: () => TelemetryTracerProvider };
  readonly metrics?: { getMeterProvider?: () => TelemetryMeterProvider };
  readonly createNoopMeter?: () => unknown;
}

/**
 * Loads `@opentelemetry/api` by a dynamic import (no top-level await, so that both the ESM and
 * the CommonJS builds can be loaded synchronously); the caller keeps the answer (the module
 * loader keeps the module itself, so a second load costs no second evaluation). `undefined` when
 * the optional peer dependency is not installed or cannot be loaded (a browser bundle without it).
 */
export function loadGlobalProviders(): Promise<GlobalProviders | undefined> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ '@opentelemetry/api').then(
    (module: unknown) => providersOf(module),
    () => undefined,
  );
}

function providersOf(module: unknown): GlobalProviders | undefined {
  // An ESM namespace, or a CommonJS module seen through `default`.
  const api = module as ApiModule & { readonly default?: ApiModule };
  const trace = api.trace ?? api.default?.trace;
  const metrics = api.metrics ?? api.default?.metrics;
  if (typeof trace?.getTracerProvider !== 'function' && typeof metrics?.getMeterProvider !== 'function') return undefined;
  const createNoopMeter = api.createNoopMeter ?? api.default?.createNoopMeter;
  let noopMeterClass: unknown;
  try {
    noopMeterClass = (createNoopMeter?.() as { constructor?: unknown } | undefined)?.constructor;
  } catch {
    noopMeterClass = undefined;
  }
  return {
    tracerProvider: () => trace?.getTracerProvider?.(),
    meterProvider: () => metrics?.getMeterProvider?.(),
    isNoopMeter: (meter) => noopMeterClass !== undefined && typeof meter === 'object' && meter !== null && meter.constructor === noopMeterClass,
  };
}
