/**
 * Without `@opentelemetry/api` (an optional peer dependency): the library's own import of it
 * fails, and every call works as it would have. The packed tarball is checked the same way
 * without the package installed (`npm run smoke`).
 */
import { OpdScheduler, isOpdError } from 'opd-scheduler';
import { describe, expect, it, vi } from 'vitest';
import { loadGlobalProviders } from '../../src/telemetry/api.js';
import { DAY, TestClock, at, doctorWithSlots, rejectsWith, request } from '../helpers.js';

vi.mock('@opentelemetry/api', () => {
  throw new Error("Cannot find package '@opentelemetry/api'");
});

describe('without @opentelemetry/api', () => {
  it('the library finds no global providers, and does not fail', async () => {
    await expect(import('@opentelemetry/api')).rejects.toThrow();
    await expect(loadGlobalProviders()).resolves.toBeUndefined();
  });

  it('every call works and fails as it would have', async () => {
    const opd = new OpdScheduler({ clock: new TestClock().now });
    await doctorWithSlots(opd, 'd1', [9], 1);
    const booked = await opd.book(request('d1', 'ONLINE'));
    expect(booked.outcome).toBe('BOOKED');
    await rejectsWith(opd.getToken('missing'), 'TOKEN_NOT_FOUND');
    expect(opd.dayOf(at('09:00'))).toBe(DAY);
    for await (const event of opd.tail()) if (event.type === 'token:booked') break;
    await opd.close();
  });

  it('a tracer provider given is used; the meter provider it would have taken from the API is not there', async () => {
    const names: string[] = [];
    const span = { isRecording: () => true, setAttributes: () => span, setStatus: () => span, recordException: () => {}, end: () => {} };
    const tracerProvider = {
      getTracer: () => ({
        startSpan: (name: string) => (names.push(name), span),
        startActiveSpan: <F extends (s: typeof span) => unknown>(name: string, _options: unknown, fn: F): ReturnType<F> => (
          names.push(name),
          fn(span) as ReturnType<F>
        ),
      }),
    };
    const opd = new OpdScheduler({ clock: new TestClock().now, telemetry: { tracerProvider } });
    await doctorWithSlots(opd, 'd1', [9], 1);
    const error = await opd.book(request('d1', 'NOPE')).catch((e: unknown) => e);
    expect(isOpdError(error, 'VALIDATION_FAILED')).toBe(true);
    expect(names).toEqual(['opd.addDoctor', 'opd.addSlots', 'opd.book']);
  });
});
