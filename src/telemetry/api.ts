import type { TelemetryMeterProvider, TelemetryTracerProvider } from './types.js';

/** The global providers of `@opentelemetry/api`. */
export interface GlobalProviders {
  readonly tracerProvider: () => TelemetryTracerProvider | undefined;
  readonly meterProvider: () => TelemetryMeterProvider | undefined;
}

interface ApiModule {
  readonly trace?: { getTracerProvider?: () => TelemetryTracerProvider };
  readonly metrics?: { getMeterProvider?: () => TelemetryMeterProvider };
}

let loading: Promise<GlobalProviders | undefined> | undefined;

/**
 * Loads `@opentelemetry/api` once, on first need, by a dynamic import (no top-level await, so
 * that both the ESM and the CommonJS builds can be loaded synchronously). `undefined` when the
 * optional peer dependency is not installed or cannot be loaded (a browser bundle without it).
 */
export function loadGlobalProviders(): Promise<GlobalProviders | undefined> {
  loading ??= import(/* webpackIgnore: true */ /* @vite-ignore */ '@opentelemetry/api').then(
    (module: unknown) => providersOf(module),
    () => undefined,
  );
  return loading;
}

function providersOf(module: unknown): GlobalProviders | undefined {
  // An ESM namespace, or a CommonJS module seen through `default`.
  const api = module as ApiModule & { readonly default?: ApiModule };
  const trace = api.trace ?? api.default?.trace;
  const metrics = api.metrics ?? api.default?.metrics;
  if (typeof trace?.getTracerProvider !== 'function' && typeof metrics?.getMeterProvider !== 'function') return undefined;
  return {
    tracerProvider: () => trace?.getTracerProvider?.(),
    meterProvider: () => metrics?.getMeterProvider?.(),
  };
}
