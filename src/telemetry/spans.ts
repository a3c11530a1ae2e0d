// Spans: the trace helper that runs a call in its span, the span of `tail()`'s iteration, and the
// test for the API's global tracer while no SDK is registered.
import type { OpdEvent } from '../events.js';
import { errorCode, failed } from './attributes.js';
import { guardedSpan, ignoreRejection, safely } from './guards.js';
import { OPD_ATTRIBUTES as A, OPD_INSTRUMENTATION_SCOPE } from './names.js';
import type { TelemetrySpan, TelemetryTracer, TelemetryTracerProvider } from './types.js';

/** OpenTelemetry's `SpanKind.INTERNAL`: the library's spans are neither servers nor clients. */
const INTERNAL = 0;

/**
 * Runs `run` in a new active span named `name`, and hands it the span (guarded, see `guards.ts`;
 * `undefined` when the tracer gives none), which `run` ends. The call runs exactly once whatever
 * the tracer does: one that throws, or returns without calling back, leaves the call untraced; one
 * that calls back twice, or late (the call already ran), has the span it gave ended unused.
 *
 * @returns the call's own promise, whatever the tracer returned
 */
export function traced<R>(tracer: TelemetryTracer, name: string, run: (span: TelemetrySpan | undefined) => Promise<R>): Promise<R> {
  let started: Promise<R> | undefined;
  try {
    // What the tracer returns is not the call's answer, and nobody awaits it: a promise of its
    // own (an async wrapper) rejects when the call fails, and would reject unhandled.
    ignoreRejection(
      tracer.startActiveSpan(name, { kind: INTERNAL }, (given) => {
        const span = guardedSpan(given);
        if (started !== undefined) {
          span?.end();
          return started;
        }
        return (started = run(span));
      }),
    );
  } catch {
    // A failing tracer never fails the call (nor runs it twice).
  }
  return (started ??= run(undefined));
}

/** A new span that is not the active one (a synchronous call, `tail()`'s iteration), guarded; `undefined` when the tracer fails. */
export function startSpan(tracer: TelemetryTracer, name: string): TelemetrySpan | undefined {
  return guardedSpan(safely(() => tracer.startSpan(name, { kind: INTERNAL })));
}

/**
 * `source`, iterated in `span`. The span ends once, through `record` (which records best effort
 * and ends it), when the iteration ends: done or stopped by the consumer (`opd.outcome` `OK`, and
 * `opd.effects` the number of events yielded), or failed.
 */
export function tracedIteration(span: TelemetrySpan, source: AsyncIterable<OpdEvent>, record: (write: () => void) => void): AsyncIterable<OpdEvent> {
  return {
    [Symbol.asyncIterator]: () => {
      const iterator = source[Symbol.asyncIterator]();
      let yielded = 0;
      let ended = false;
      const finish = (error?: unknown): void => {
        if (ended) return;
        ended = true;
        record(() =>
          error === undefined ? span.setAttributes({ [A.outcome]: 'OK', [A.effects]: yielded }) : failed(span, undefined, error, errorCode(error)),
        );
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
export function untilDelegated(provider: TelemetryTracerProvider | undefined): (() => boolean) | undefined {
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
