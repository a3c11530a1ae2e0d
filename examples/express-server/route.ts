/**
 * One table of routes drives both the express router and the OpenAPI document: each route
 * names its method, path, whether it needs the API key, its zod schemas and its documented
 * answers. JSON routes get their input parsed and validated before the handler runs.
 */
import type { Request, Response } from 'express';
import { isOpdError, OpdError } from 'opd-scheduler';
import { z } from 'zod';

/** HTTP methods the API uses. */
export type Method = 'get' | 'post' | 'put' | 'patch';

/** Where a route's input comes from. */
type Source = 'path' | 'query' | 'body' | 'header';

/** A documented answer. */
export interface ResponseDoc {
  readonly description: string;
  /** JSON body schema; omitted for answers without a JSON body. */
  readonly schema?: z.ZodType | undefined;
  /** Other media types, for pages, streams and FHIR resources. */
  readonly content?: 'text/html' | 'text/event-stream' | 'application/x-ndjson' | 'application/fhir+json' | 'application/fhir+ndjson' | 'image/png' | undefined;
  /** With `content: 'application/fhir+json'`, the type of the FHIR resource answered (`Appointment`, `OperationOutcome`). */
  readonly resource?: string | undefined;
}

/** The JSON body a raw route reads: the server parses it as it parses JSON routes' bodies, and documents it. */
export interface RequestBodyDoc {
  readonly description: string;
  /** Whether a request without a body is refused. */
  readonly required: boolean;
  /** The JSON Schema of the body, by each media type accepted. */
  readonly content: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Fields shared by every route. */
interface RouteBase {
  readonly method: Method;
  /** Express path, such as `/api/tokens/:tokenId/cancel`. */
  readonly path: string;
  /** `key`: requires `Authorization: Bearer <key>` when an API key is configured. */
  readonly auth: 'key' | 'public';
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string | undefined;
  readonly params?: z.ZodObject | undefined;
  readonly query?: z.ZodObject | undefined;
  /** Documented request headers. */
  readonly headers?: readonly { readonly name: string; readonly description: string }[] | undefined;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
}

/** What a JSON handler answers. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** A route answering JSON. */
export interface JsonRoute extends RouteBase {
  readonly kind: 'json';
  readonly body?: z.ZodType | undefined;
  /** Whether the body may be omitted (then it is read as `{}`). */
  readonly bodyOptional: boolean;
  run(req: Request): Promise<Reply>;
}

/** A route that writes its own answer (pages, event streams). */
export interface RawRoute extends RouteBase {
  readonly kind: 'raw';
  /** The JSON body it reads (as `req.body`), if any; without one, its requests' bodies are not read. */
  readonly requestBody?: RequestBodyDoc | undefined;
  /** Parses the path and query the same way JSON routes do. */
  handle(req: Request, res: Response): Promise<void>;
}

/** Any route. */
export type Route = JsonRoute | RawRoute;

/** The input of a JSON handler, parsed by its schemas. */
export interface Input<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  readonly params: z.output<P>;
  readonly query: z.output<Q>;
  readonly body: z.output<B>;
  readonly req: Request;
}

const EMPTY = z.strictObject({});
type Empty = typeof EMPTY;

/** Definition of a JSON route. */
export interface JsonRouteSpec<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodType> extends Omit<RouteBase, 'params' | 'query'> {
  readonly params?: P | undefined;
  readonly query?: Q | undefined;
  readonly body?: B | undefined;
  /** Accept a request without a body (read as `{}`). Defaults to `true` when `body` is omitted. */
  readonly bodyOptional?: boolean | undefined;
  handle(input: Input<P, Q, B>): Promise<Reply>;
}

/** Defines a JSON route: input is parsed with the schemas, then handed to `handle`. */
export function jsonRoute<P extends z.ZodObject = Empty, Q extends z.ZodObject = Empty, B extends z.ZodType = Empty>(spec: JsonRouteSpec<P, Q, B>): JsonRoute {
  const params = (spec.params ?? EMPTY) as P;
  const query = (spec.query ?? EMPTY) as Q;
  const body = (spec.body ?? EMPTY) as B;
  const bodyOptional = spec.bodyOptional ?? spec.body === undefined;
  return {
    ...spec,
    kind: 'json',
    params,
    query,
    body,
    bodyOptional,
    async run(req) {
      const raw: unknown = req.body;
      if (raw === undefined && !bodyOptional) {
        throw new OpdError('VALIDATION_FAILED', 'A JSON request body is required', { details: { field: 'body', in: 'body' } });
      }
      if (raw !== undefined) rejectProtoKeys(raw);
      const input: Input<P, Q, B> = {
        params: parse(params, req.params, 'path'),
        query: parse(query, req.query, 'query'),
        body: parse(body, raw ?? {}, 'body'),
        req,
      };
      try {
        return await spec.handle(input);
      } catch (error) {
        throw locate(error, params, query, raw !== undefined);
      }
    },
  };
}

/**
 * Says where the engine's `VALIDATION_FAILED` came from (`details.in`): the engine names the
 * field (`patient.name`, `slots[0].capacity`) but not the part of the request it came in.
 */
function locate(error: unknown, params: z.ZodObject, query: z.ZodObject, hasBody: boolean): unknown {
  if (!isOpdError(error, 'VALIDATION_FAILED') || error.details['in'] !== undefined) return error;
  const root = /^[^.[]*/.exec(error.details.field)![0];
  const where = Object.hasOwn(params.shape, root) ? 'path' : Object.hasOwn(query.shape, root) ? 'query' : hasBody ? 'body' : undefined;
  if (where === undefined) return error;
  return new OpdError('VALIDATION_FAILED', error.message, { details: { ...error.details, in: where }, cause: error.cause });
}

/** Definition of a raw route. */
export interface RawRouteSpec<P extends z.ZodObject, Q extends z.ZodObject> extends Omit<RouteBase, 'params' | 'query'> {
  readonly params?: P | undefined;
  readonly requestBody?: RequestBodyDoc | undefined;
  readonly query?: Q | undefined;
  handle(input: { readonly params: z.output<P>; readonly query: z.output<Q> }, req: Request, res: Response): Promise<void>;
}

/** Defines a route that writes its own answer, after its path and query are validated. */
export function rawRoute<P extends z.ZodObject = Empty, Q extends z.ZodObject = Empty>(spec: RawRouteSpec<P, Q>): RawRoute {
  const params = (spec.params ?? EMPTY) as P;
  const query = (spec.query ?? EMPTY) as Q;
  return {
    ...spec,
    kind: 'raw',
    params,
    query,
    async handle(req, res) {
      await spec.handle({ params: parse(params, req.params, 'path'), query: parse(query, req.query, 'query') }, req, res);
    },
  };
}

/** `patient.name`, `slots[2].capacity` — the engine's way of naming fields. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    // Field names come from the client: keep them short in messages.
    const name = String(key).slice(0, 64);
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? name : `.${name}`;
  }
  return out;
}

/**
 * Parses with a schema, turning zod issues into a `VALIDATION_FAILED` error that names the first
 * field at fault. zod messages describe types and limits, never the value given.
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, source: Source): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 20).map((issue) => {
    const base = fieldPath(issue.path);
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : undefined;
    const field = keys !== undefined && keys.length > 0 ? fieldPath([...issue.path, keys[0]!]) : base;
    const message = keys !== undefined ? `Unknown field${keys.length > 1 ? 's' : ''}` : issue.message;
    return { field: field === '' ? source : field, message };
  });
  const first = issues[0]!;
  const where = source === 'path' ? 'path parameter' : source === 'query' ? 'query parameter' : source === 'header' ? 'header' : 'body field';
  return fail(`Invalid ${where} \`${first.field}\`: ${first.message}`, { field: first.field, in: source, issues });
}

/** Deepest nesting of objects and arrays accepted in a JSON body. */
export const MAX_BODY_DEPTH = 16;

/**
 * Refuses a raw JSON body nested deeper than {@link MAX_BODY_DEPTH}, before it is parsed: one
 * pass over the bytes, skipping strings, so that any body is judged in time linear in its size.
 * Used as the JSON parser's `verify` hook.
 */
export function checkBodyDepth(raw: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_BODY_DEPTH)
        fail(`The request body is nested deeper than ${MAX_BODY_DEPTH} levels`, { field: 'body', in: 'body', maxDepth: MAX_BODY_DEPTH });
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/**
 * `JSON.parse` keeps a `__proto__` key as an own property, but copying it (as schema parsing
 * does) would set a prototype instead. Such bodies are refused outright. Each node is visited
 * once and remembers only its parent, so the walk is linear in the body's size; the path is
 * built only for the error.
 */
export function rejectProtoKeys(value: unknown): void {
  interface Node {
    readonly value: unknown;
    readonly key: PropertyKey | undefined;
    readonly parent: Node | undefined;
  }
  const stack: Node[] = [{ value, key: undefined, parent: undefined }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const current = node.value;
    if (typeof current !== 'object' || current === null) continue;
    if (Object.hasOwn(current, '__proto__')) {
      const path: PropertyKey[] = ['__proto__'];
      for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) path.unshift(n.key);
      // As the library names them: below a patient's top level, field names can be data.
      const field = fieldPath(path[0] === 'patient' ? path.map((key, i) => (i >= 2 && i < path.length - 1 && typeof key === 'string' ? '*' : key)) : path);
      fail(`Field name \`__proto__\` is not allowed (\`${field}\`)`, { field, in: 'body' });
    }
    const array = Array.isArray(current);
    for (const [key, child] of Object.entries(current)) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, key: array ? Number(key) : key, parent: node });
    }
  }
}

function fail(message: string, details: Record<string, unknown>): never {
  throw new OpdError('VALIDATION_FAILED', message, { details });
}
