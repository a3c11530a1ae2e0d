/**
 * A started HTTP server (ephemeral port) over a fresh in-memory scheduler with a test clock,
 * and small clients for JSON and Server-Sent Events.
 */
import { OpdScheduler, type OpdSchedulerOptions } from 'opd-scheduler';
import { expect } from 'vitest';
import type { z } from 'zod';
import { startServer, type OpdServer, type ServerOptions } from '../../../examples/express-server/app.js';
import type { Logger, LogRecord } from '../../../examples/express-server/log.js';
import { DAY, TestClock } from '../../helpers.js';

export { DAY };

/** An API key long enough for the server. */
export const KEY = 'test-key-0123456789abcdef';

/** A JSON answer. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body (`undefined` when it is not JSON). */
  readonly body: unknown;
}

/** Options of a call. */
export interface CallOptions {
  /** A JSON body (serialized). */
  readonly body?: unknown;
  /** A raw body, sent as is (text, or bytes). */
  readonly raw?: string | Uint8Array | undefined;
  readonly headers?: Record<string, string> | undefined;
  /** The API key to send; `undefined` sends the harness key when it has one, `null` sends none. */
  readonly key?: string | null | undefined;
}

/** Everything a test needs. */
export interface Harness {
  readonly url: string;
  readonly opd: OpdScheduler;
  readonly clock: TestClock;
  readonly server: OpdServer;
  readonly logs: LogRecord[];
  /** Calls the API. */
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** Shuts the server down and closes the scheduler. */
  close(): Promise<void>;
}

/** The actor of {@link HarnessOptions.apiKey}. */
export const KEY_ACTOR = 'desk';

/** Options of {@link startHarness}. */
export interface HarnessOptions extends Partial<Omit<ServerOptions, 'scheduler' | 'clock' | 'logger'>> {
  readonly scheduler?: OpdSchedulerOptions | undefined;
  /** One API key, named {@link KEY_ACTOR} (as `apiKeys: [{ actor: 'desk', key: apiKey }]`), which calls send by default. */
  readonly apiKey?: string | undefined;
}

/** Starts a server on an ephemeral port. Close it with {@link Harness.close}. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new TestClock();
  const { scheduler: schedulerOptions, apiKey, ...serverOptions } = options;
  const opd = new OpdScheduler({ clock: clock.now, ...schedulerOptions });
  const logs: LogRecord[] = [];
  const logger: Logger = {
    info: (msg, fields) => logs.push({ level: 'info', msg, ...fields }),
    error: (msg, fields) => logs.push({ level: 'error', msg, ...fields }),
  };
  const apiKeys = serverOptions.apiKeys ?? (apiKey === undefined ? undefined : [{ actor: KEY_ACTOR, key: apiKey }]);
  // The screens show the scheduler's service points unless the test names others.
  const servicePoints = serverOptions.servicePoints ?? schedulerOptions?.servicePoints;
  const server = await startServer({ port: 0, host: '127.0.0.1', ...serverOptions, apiKeys, servicePoints, scheduler: opd, clock: clock.now, logger });
  const defaultKey = apiKey ?? apiKeys?.[0]?.key;
  return {
    url: server.url,
    opd,
    clock,
    server,
    logs,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const key = o.key === undefined ? defaultKey : o.key;
      if (key !== null && key !== undefined) headers['authorization'] = `Bearer ${key}`;
      let body: string | Uint8Array | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(server.url + path, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, text, body: parsed };
    },
    async close() {
      await server.shutdown(2000);
      await opd.close();
    },
  };
}

/** `encodeURIComponent`, for ids in paths. */
export const enc = encodeURIComponent;

/**
 * Asserts an error answer: an RFC 9457 problem (`application/problem+json`) with the status and
 * code, and returns its code, message (`detail`) and details.
 */
export function expectError(answer: Answer, status: number, code: string): { code: string; message: string; details: Record<string, unknown> } {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  const body = answer.body as {
    type: string;
    title: string;
    status: number;
    detail: string;
    instance: string;
    code: string;
    details: Record<string, unknown>;
    requestId: string;
  };
  expect(Object.keys(body)).toEqual(['type', 'title', 'status', 'detail', 'instance', 'code', 'details', 'requestId']);
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(body.type).toBe(`/docs#error-${code}`);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(body.instance.startsWith('/')).toBe(true);
  expect(body.requestId).toBe(answer.headers.get('x-request-id'));
  expect(typeof body.details).toBe('object');
  expect(answer.text).not.toMatch(/\n\s+at |stack/);
  return { code: body.code, message: body.detail, details: body.details };
}

/** Parses an answer with the response schema the route documents for its status. */
export function expectDocumented(h: Harness, operationId: string, answer: Answer): unknown {
  const route = h.server.routes.find((r) => r.operationId === operationId);
  expect(route, `route ${operationId}`).toBeDefined();
  const doc = route!.responses[answer.status];
  expect(doc, `${operationId} documents status ${answer.status}: ${answer.text}`).toBeDefined();
  const schema = doc!.schema as z.ZodType | undefined;
  expect(schema, `${operationId} ${answer.status} has a JSON schema`).toBeDefined();
  const result = schema!.safeParse(answer.body);
  expect(result.success, `${operationId} ${answer.status} matches its schema: ${result.success ? '' : JSON.stringify(result.error.issues.slice(0, 3))}`).toBe(
    true,
  );
  return answer.body;
}

/** Adds doctor `id` with hourly slots at the given UTC hours on {@link DAY}, through the API. */
export async function doctorWithSlots(h: Harness, id: string, hours: readonly number[], capacity: number, overflowCapacity?: number): Promise<string[]> {
  const created = await h.call('POST', '/api/doctors', { body: { id, name: `Dr ${id}`, specialization: 'General Medicine' } });
  expect(created.status, created.text).toBe(201);
  const slots = hours.map((hour) => {
    const hh = String(hour).padStart(2, '0');
    const next = String(hour + 1).padStart(2, '0');
    return {
      id: `${id}-${hh}`,
      start: `${DAY}T${hh}:00:00Z`,
      end: `${DAY}T${next}:00:00Z`,
      capacity,
      ...(overflowCapacity === undefined ? {} : { overflowCapacity }),
    };
  });
  const added = await h.call('POST', `/api/doctors/${enc(id)}/slots`, { body: slots });
  expect(added.status, added.text).toBe(201);
  return slots.map((s) => s.id);
}

let patients = 0;

/** Books through the API and returns the answer. */
export async function book(
  h: Harness,
  doctorId: string,
  category: string,
  extra: { slotId?: string; name?: string; patientId?: string; idempotencyKey?: string; date?: string } = {},
): Promise<Answer> {
  const id = extra.patientId ?? `P-${++patients}`;
  const body = {
    doctorId,
    category,
    patient: { id, name: extra.name ?? `Patient ${id}`, phone: '9876543210' },
    ...(extra.slotId === undefined ? {} : { slotId: extra.slotId }),
    ...(extra.date === undefined ? {} : { date: extra.date }),
    ...(extra.idempotencyKey === undefined ? {} : { idempotencyKey: extra.idempotencyKey }),
  };
  return h.call('POST', '/api/tokens', { body });
}

/** The token of a booking answer. */
export function tokenOf(answer: Answer): { id: string; tokenNumber: number; status: string; slotId: string | null } {
  return (answer.body as { token: { id: string; tokenNumber: number; status: string; slotId: string | null } }).token;
}

// ---------------------------------------------------------------------------------------------
// Server-Sent Events

/** One received event. */
export interface Frame {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/** A Server-Sent Events reader over `fetch`. */
export class SseReader {
  readonly frames: Frame[] = [];
  comments = 0;
  /** Why reading stopped, when the connection broke rather than ended. */
  failure: unknown;
  readonly status: number;
  readonly headers: Headers;
  readonly #abort: AbortController;
  readonly #waiters = new Set<() => void>();
  readonly ended: Promise<void>;

  private constructor(status: number, headers: Headers, abort: AbortController, body: ReadableStream<Uint8Array> | null) {
    this.status = status;
    this.headers = headers;
    this.#abort = abort;
    this.ended = this.#read(body);
  }

  /** Opens a stream; check `status` before reading. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    return new SseReader(res.status, res.headers, abort, res.body);
  }

  /** Waits until `predicate` holds for the frames received so far (fails the test after 10 s). */
  async until(predicate: (frames: readonly Frame[]) => boolean, what = 'frames'): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!predicate(this.frames)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.map((f) => [f.id, f.event]))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Frames of one event name. */
  named(event: string): Frame[] {
    return this.frames.filter((f) => f.event === event);
  }

  /** Closes the stream from the client side. */
  close(): void {
    this.#abort.abort();
  }

  #notify(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  async #read(body: ReadableStream<Uint8Array> | null): Promise<void> {
    if (body === null) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let event = 'message';
          const data: string[] = [];
          let fields = 0;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) this.comments++;
            else if (line.startsWith('id: ')) ((id = line.slice(4)), fields++);
            else if (line.startsWith('event: ')) ((event = line.slice(7)), fields++);
            else if (line.startsWith('data: ')) (data.push(line.slice(6)), fields++);
          }
          if (data.length > 0 && fields > 0) this.frames.push({ id, event, data: data.join('\n') });
        }
        this.#notify();
      }
    } catch (error) {
      // Aborted by the client, or the server cut the connection: the stream is over either way.
      if (!(error instanceof Error && error.name === 'AbortError')) this.failure = error;
    } finally {
      this.#notify();
    }
  }
}
