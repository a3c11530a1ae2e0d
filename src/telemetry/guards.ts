// Telemetry is best effort: whatever the SDK throws, or a promise of its that rejects, never
// fails a call, and never costs another record.
import { catchRejection } from '../errors.js';
import type { TelemetryAttributes, TelemetryCounter, TelemetryHistogram, TelemetrySpan } from './types.js';

/** What `read` returns, or `undefined` when it throws. */
export function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** When `value` is a promise (any thenable), handles its rejection, so that it is never unhandled. */
export function ignoreRejection(value: unknown): void {
  catchRejection(value, ignoreError);
}

const ignoreError = (): void => undefined;

/*
 * The SDK's instruments and spans, each method on its own: whatever one throws, or a promise it
 * returns that rejects, is ignored, and the next one still records (a histogram that throws does
 * not cost the span its error status). Written out, without a closure per call: every booking
 * records through them.
 */

export function guardedCounter(counter: TelemetryCounter): TelemetryCounter {
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

export function guardedHistogram(histogram: TelemetryHistogram): TelemetryHistogram {
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
export function guardedSpan(span: TelemetrySpan | undefined): TelemetrySpan | undefined {
  return span === undefined || span === null ? undefined : new GuardedSpan(span);
}
