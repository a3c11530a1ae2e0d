import { invalid } from '../errors.js';
import { describe } from '../time.js';
import { isPlainObject, expectObject } from '../validate.js';
import type { OpdTelemetryOptions } from './types.js';

const KEYS: ReadonlySet<string> = new Set(['tracerProvider', 'meterProvider']);

/** Validates the `telemetry` option: `false`, or providers with the one method the library calls. */
export function resolveTelemetryOptions(value: unknown): OpdTelemetryOptions | false {
  if (value === undefined) return Object.freeze({});
  if (value === false) return false;
  if (!isPlainObject(value)) throw invalid('telemetry', `Expected \`telemetry\` to be an object or \`false\`, got ${describe(value)}`);
  const o = expectObject('telemetry', value, KEYS, 'telemetry.');
  const tracerProvider = provider(o, 'tracerProvider', 'getTracer');
  const meterProvider = provider(o, 'meterProvider', 'getMeter');
  return Object.freeze({
    ...(tracerProvider === undefined ? {} : { tracerProvider }),
    ...(meterProvider === undefined ? {} : { meterProvider }),
  }) as OpdTelemetryOptions;
}

function provider(o: Record<string, unknown>, key: string, method: string): object | undefined {
  const value = o[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[method] !== 'function') {
    throw invalid(`telemetry.${key}`, `Expected \`telemetry.${key}\` to be an OpenTelemetry provider with \`${method}()\`, got ${describe(value)}`);
  }
  return value;
}
