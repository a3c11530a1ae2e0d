/**
 * The HTTP server: express wiring of the route table, authentication, JSON bodies, error
 * answers, live streams, and graceful shutdown.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import cors from 'cors';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { isOpdError, type OpdScheduler, type ServicePoint } from 'opd-scheduler';
import { apiKeysProblem, authenticate, isAuthenticated, type ApiKey } from './auth.js';
import { AnnouncementFeed } from './announcements.js';
import { BoardFeed, PointCalls } from './board.js';
import type { BoardLanguage } from './board-messages.js';
import { StartupError } from './config.js';
import { EventHub } from './events.js';
import { abdmRoutes, type AbdmServerOptions } from './abdm.js';
import { FHIR_JSON, fhirFailure, fhirRoutes, isFhirPath } from './fhir.js';
import { HttpError, PROBLEM_TYPE, problemOf, toErrorAnswer } from './http-errors.js';
import { describeError, jsonLogger, type Logger } from './log.js';
import { docsPage, openApiDocument, type OpenApiDocument } from './openapi.js';
import { bookingLimiter, RATE_LIMITED_OPERATIONS, type RateLimitOptions } from './rate-limit.js';
import { checkBodyDepth, rawRoute, type Route } from './route.js';
import { ProblemOut } from './schemas.js';
import { apiRoutes, type ApiContext } from './routes.js';
import { SseRegistry } from './sse.js';
import { PeriodicSweep } from './sweep.js';

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** The engine to serve. The server never closes it: its owner does, after {@link OpdServer.shutdown}. */
  readonly scheduler: OpdScheduler;
  /**
   * The API keys, each with the actor it makes calls as. With at least one, mutations and every
   * API read need `Authorization: Bearer <key>`, the key's name is the actor of the call
   * (`X-Actor` may only narrow it, for a key marked `narrow`), and patient data is served to
   * those requests. Without keys, every call is made by `anonymous`, responses never contain
   * patient data (`patient: null`), and the server listens only on a loopback address.
   * @defaultValue none
   */
  readonly apiKeys?: readonly ApiKey[] | undefined;
  /**
   * The rate limit of booking, holding and confirming, per key (per address without keys);
   * emergencies are never limited. @defaultValue none
   */
  readonly rateLimit?: RateLimitOptions | undefined;
  /**
   * Milliseconds between two runs of the server's own `scheduler.sweep()` (no-shows, expired
   * holds), stopped by {@link OpdServer.shutdown}. @defaultValue none: no periodic sweep
   */
  readonly sweepEveryMs?: number | undefined;
  /**
   * Whether each periodic sweep also runs `scheduler.purge()` (the scheduler must have the
   * `retention` option), erasing the patient data whose retention period is over.
   * @defaultValue false
   */
  readonly purge?: boolean | undefined;
  /**
   * Browser origins allowed to call the API (CORS), such as `['https://desk.hospital.example']`,
   * or `'*'` for any. @defaultValue none: no CORS headers, browsers allow same-origin pages only
   */
  readonly corsOrigins?: readonly string[] | '*' | undefined;
  /** The current time, for "today" (use the scheduler's clock). @defaultValue `() => new Date()` */
  readonly clock?: (() => Date) | undefined;
  /** Name of the store, shown by `/api/health`. @defaultValue `'memory'` */
  readonly storage?: string | undefined;
  /** @defaultValue JSON lines on standard output */
  readonly logger?: Logger | undefined;
  /** Largest accepted JSON body. @defaultValue `'256kb'` */
  readonly bodyLimit?: string | number | undefined;
  /** Most open `/events` streams. @defaultValue 1000 */
  readonly maxStreams?: number | undefined;
  /**
   * Most open display-board streams, a pool of their own: boards need no key, so however many
   * are opened, `/events` clients still get in. @defaultValue 1000
   */
  readonly maxBoardStreams?: number | undefined;
  /** Milliseconds between heartbeat comments on event streams. @defaultValue 15000 */
  readonly heartbeatMs?: number | undefined;
  /** Milliseconds between refreshes of open display boards. @defaultValue 30000 */
  readonly boardRefreshMs?: number | undefined;
  /**
   * Least milliseconds between two updates of a doctor's display boards; changes closer together
   * are shown together (a busy desk's bookings then do not each pay for every screen). @defaultValue 500
   */
  readonly boardMinIntervalMs?: number | undefined;
  /** Room numbers by doctor id, shown and announced by the waiting-room screens. @defaultValue none */
  readonly rooms?: Readonly<Record<string, string>> | undefined;
  /** Language of the waiting-room screens without `?lang=`. @defaultValue `'en'` */
  readonly boardLanguage?: BoardLanguage | undefined;
  /**
   * The scheduler's service points (its `servicePoints` option), for the service-point screens
   * (`/service-points`): each point with a queue of its own gets a board. Each must be a point of
   * the scheduler. @defaultValue none
   */
  readonly servicePoints?: readonly ServicePoint[] | undefined;
  /**
   * The FHIR base URL the `CapabilityStatement` of `/fhir/metadata` names, such as
   * `https://hospital.example/fhir`. @defaultValue `<protocol>://<Host header>/fhir` of each request
   */
  readonly fhirBaseUrl?: string | undefined;
  /**
   * ABDM Scan & Share and UHI (`opd-scheduler/abdm`): the bridge's counters and the UHI provider's
   * options. Without it, neither is mounted. @defaultValue none
   */
  readonly abdm?: AbdmServerOptions | undefined;
  /** Port to listen on; 0 for any free port. @defaultValue 3000 */
  readonly port?: number | undefined;
  /** Interface to listen on. @defaultValue `'127.0.0.1'` */
  readonly host?: string | undefined;
}

/** A running server. */
export interface OpdServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly app: Express;
  readonly server: Server;
  /** The OpenAPI document it serves. */
  readonly openapi: OpenApiDocument;
  /** Every route it serves. */
  readonly routes: readonly Route[];
  /**
   * Stops accepting connections, ends event streams, lets requests in progress finish (up to
   * `graceMs`, then closes what is left) and resolves when every connection is closed.
   * Idempotent. Does not close the scheduler.
   */
  shutdown(graceMs?: number): Promise<void>;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

/** The `charset` parameter of a `Content-Type`, lower-cased and unquoted, if given. */
function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType === undefined ? null : /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType);
  return match === null ? undefined : match[2]!.toLowerCase();
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Compiles an express path into a matcher for the 404/405 answers. */
function matcher(path: string): RegExp {
  const source = path
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/** Whether `host` names only this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Starts the server and resolves once it listens.
 * @throws StartupError for a bad set of API keys (a short key, a name given twice…), a
 * non-loopback `host` without API keys, or a sweep interval or rate limit that is not a positive integer
 */
export async function startServer(options: ServerOptions): Promise<OpdServer> {
  const { scheduler } = options;
  const apiKeys = options.apiKeys ?? [];
  const keysProblem = apiKeysProblem(apiKeys);
  if (keysProblem !== undefined) throw new StartupError(`Expected valid \`apiKeys\`: ${keysProblem}`);
  const listenHost = options.host ?? '127.0.0.1';
  if (apiKeys.length === 0 && !isLoopback(listenHost)) {
    throw new StartupError(`Refusing to listen on ${listenHost} without API keys: set OPD_API_KEYS, or listen on 127.0.0.1`);
  }
  const positive = (value: number): boolean => Number.isSafeInteger(value) && value > 0;
  if (options.fhirBaseUrl !== undefined && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(options.fhirBaseUrl)) {
    throw new StartupError('Expected `fhirBaseUrl` to be an http(s) URL without a query or fragment');
  }
  if (options.sweepEveryMs !== undefined && !positive(options.sweepEveryMs)) {
    throw new StartupError(`Expected \`sweepEveryMs\` to be a positive integer, got \`${String(options.sweepEveryMs)}\``);
  }
  for (const field of ['limit', 'windowMs'] as const) {
    const value = options.rateLimit?.[field];
    if (value !== undefined && !positive(value)) throw new StartupError(`Expected \`rateLimit.${field}\` to be a positive integer, got \`${String(value)}\``);
  }
  const logger = options.logger ?? jsonLogger();
  const clock = options.clock ?? (() => new Date());
  let shuttingDown = false;

  // The service points the screens show: those with a queue of their own, each known to the scheduler.
  const servicePoints = (options.servicePoints ?? []).filter((point) => point.kind !== 'doctor');
  for (const point of servicePoints) {
    try {
      await scheduler.getServicePointQueue(point.id);
    } catch (error) {
      if (isOpdError(error, 'VALIDATION_FAILED')) throw new StartupError(`Expected \`servicePoints\` to be the scheduler's: ${error.message}`);
      throw error;
    }
  }
  // Who was called at each service point: read from the whole stored history as the hub starts, then live.
  const calls = new PointCalls();
  const hub = await EventHub.start(scheduler, logger, [calls.listener]);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const streams = new SseRegistry({ what: 'event streams', maxStreams: options.maxStreams ?? 1000, heartbeatMs, retryMs: 2000 });
  const boardStreams = new SseRegistry({ what: 'display-board streams', maxStreams: options.maxBoardStreams ?? 1000, heartbeatMs, retryMs: 2000 });
  const boards = new BoardFeed(scheduler, hub, {
    clock,
    logger,
    refreshMs: options.boardRefreshMs ?? 30_000,
    minIntervalMs: options.boardMinIntervalMs ?? 500,
    rooms: options.rooms ?? {},
    servicePoints,
    calls,
  });
  const announcements = new AnnouncementFeed(scheduler, hub, { logger, rooms: options.rooms ?? {} });
  const ctx: ApiContext = {
    scheduler,
    clock,
    storage: options.storage ?? 'memory',
    authRequired: apiKeys.length > 0,
    hub,
    boards,
    streams,
    boardStreams,
    boardLanguage: options.boardLanguage ?? 'en',
    announcements,
    rooms: options.rooms ?? {},
    shuttingDown: () => shuttingDown,
    startedAt: Date.now(),
  };

  const api = apiRoutes(ctx);
  let openapi: OpenApiDocument | undefined;
  const docs = [
    rawRoute({
      method: 'get',
      path: '/openapi.json',
      auth: 'public',
      operationId: 'openapi',
      tag: 'Server',
      summary: 'This OpenAPI 3.1 document',
      responses: { 200: { description: 'The document (JSON)' }, 400: { description: 'A query string was given (`VALIDATION_FAILED`)', schema: ProblemOut } },
      handle: async (_input, _req, res) => {
        res.status(200).json(openapi);
      },
    }),
    rawRoute({
      method: 'get',
      path: '/docs',
      auth: 'public',
      operationId: 'docs',
      tag: 'Server',
      summary: 'Browsable API documentation',
      responses: {
        200: { description: 'The page', content: 'text/html' },
        400: { description: 'A query string was given (`VALIDATION_FAILED`)', schema: ProblemOut },
      },
      handle: async (_input, _req, res) => {
        res.status(200).set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': docsHtml.csp }).send(docsHtml.html);
      },
    }),
    rawRoute({
      method: 'get',
      path: '/',
      auth: 'public',
      operationId: 'home',
      tag: 'Server',
      summary: 'Redirects to the documentation',
      responses: { 302: { description: 'To `/docs`' }, 400: { description: 'A query string was given (`VALIDATION_FAILED`)', schema: ProblemOut } },
      handle: async (_input, _req, res) => {
        res.redirect(302, '/docs');
      },
    }),
  ];
  const fhir = fhirRoutes(ctx, { baseUrl: options.fhirBaseUrl?.replace(/\/+$/, '') });
  const routes: Route[] = [...api.map(withAccessAnswers), ...fhir, ...abdmRoutes(ctx, options.abdm), ...docs];
  openapi = openApiDocument(routes);
  const docsHtml = docsPage(openapi);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (options.corsOrigins !== undefined) {
    const origins = options.corsOrigins;
    app.use(
      cors({
        origin: origins === '*' ? '*' : [...origins],
        methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH'],
        allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID', 'X-Actor', 'X-Request-Id'],
        exposedHeaders: ['Location', 'X-Request-Id', 'WWW-Authenticate', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
        maxAge: 600,
      }),
    );
  }

  // Request id, security headers, and one log line per request with ids only.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    const started = process.hrtime.bigint();
    res.locals['requestId'] = id;
    res.set({ 'X-Request-Id': id, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
    if (shuttingDown) res.set('Connection', 'close');
    res.on('close', () => {
      const params = (req.params ?? {}) as Record<string, string | undefined>;
      logger.info('request', {
        requestId: id,
        method: req.method,
        route: (req.route as { path?: string } | undefined)?.path ?? null,
        status: res.statusCode,
        ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
        doctorId: params['doctorId']?.slice(0, 100),
        slotId: params['slotId']?.slice(0, 300),
        tokenId: params['tokenId']?.slice(0, 300),
        errorCode: res.locals['errorCode'] as string | undefined,
        aborted: res.writableFinished ? undefined : true,
      });
    });
    next();
  });

  const auth = authenticate(apiKeys);
  const limiter = options.rateLimit === undefined ? undefined : bookingLimiter(options.rateLimit, logger);
  const json = express.json({
    limit: options.bodyLimit ?? '256kb',
    strict: true,
    type: JSON_TYPES,
    verify: (_req, _res, raw) => {
      // The parser would replace bytes that are not UTF-8 with U+FFFD and store a corrupted name.
      if (!isUtf8(raw)) throw new HttpError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be UTF-8 JSON', { in: 'body' });
      checkBodyDepth(raw);
    },
  });
  const jsonOnly: RequestHandler = (req, _res, next) => {
    if (hasBody(req) && !req.is(JSON_TYPES)) {
      next(new HttpError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON (`Content-Type: application/json`)', { in: 'body' }));
      return;
    }
    // UTF-8 only (the parser would also take UTF-16 and UTF-32, whose bytes the nesting check
    // before parsing does not read).
    const charset = charsetOf(req.headers['content-type']);
    if (hasBody(req) && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      next(new HttpError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be UTF-8 JSON', { in: 'body' }));
      return;
    }
    next();
  };

  for (const route of routes) {
    const chain: RequestHandler[] = [];
    if (route.auth === 'key') chain.push(auth);
    if (limiter !== undefined && RATE_LIMITED_OPERATIONS.includes(route.operationId)) chain.push(limiter.middleware);
    if (route.kind === 'json') {
      if (route.method !== 'get') chain.push(jsonOnly, json);
      chain.push(async (req, res) => {
        const reply = await route.run(req);
        if (shuttingDown) res.set('Connection', 'close');
        if (reply.headers !== undefined) res.set(reply.headers);
        // Patient data only for holders of the key: without one (or without a key configured),
        // every `patient` in the answer is null.
        const body = isAuthenticated(res) ? JSON.stringify(reply.body) : JSON.stringify(reply.body, withoutPatients);
        res.status(reply.status).type('application/json').send(body);
      });
    } else {
      if (route.requestBody !== undefined) chain.push(jsonOnly, json);
      chain.push((req, res) => route.handle(req, res));
    }
    app[route.method](route.path, ...chain);
  }

  // Unknown routes and wrong methods.
  const patterns = routes.map((route) => ({ route, regex: matcher(route.path) }));
  app.use((req: Request, res: Response, next: NextFunction) => {
    const methods = new Set(patterns.filter((p) => p.regex.test(req.path)).map((p) => p.route.method.toUpperCase()));
    if (methods.size === 0) {
      next(new HttpError('NOT_FOUND', 'No such route', { method: req.method }));
      return;
    }
    if (methods.has('GET')) methods.add('HEAD');
    methods.add('OPTIONS');
    const allow = [...methods].join(', ');
    if (req.method === 'OPTIONS') {
      res.status(204).set('Allow', allow).end();
      return;
    }
    next(new HttpError('METHOD_NOT_ALLOWED', `Use one of: ${allow}`, { method: req.method, allow: [...methods] }, { Allow: allow }));
  });

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const answer = toErrorAnswer(error);
    const requestId = res.locals['requestId'] as string;
    res.locals['errorCode'] = answer.code;
    if (answer.fault) logger.error('request failed', { requestId, method: req.method, ...describeError(error) });
    if (res.headersSent) {
      res.end();
      return;
    }
    if (shuttingDown) res.set('Connection', 'close');
    // Under `/fhir`, every answer is FHIR: a failure is an OperationOutcome.
    if (isFhirPath(req.path)) {
      const { status, outcome } = fhirFailure(error, answer);
      res.status(status).set(answer.headers).type(FHIR_JSON).send(JSON.stringify(outcome));
      return;
    }
    res
      .status(answer.status)
      .set(answer.headers)
      .type(PROBLEM_TYPE)
      .send(JSON.stringify(problemOf(answer, req.path, requestId)));
  });

  // Connections ended for shutdown while idle: a request that arrives on one anyway (sent as the
  // server ended it) is dropped unread, so that nothing is committed for a caller who gets no
  // answer (the client sees the connection close, and may retry).
  const ended = new WeakSet<Socket>();
  const server = createServer((req, res) => {
    if (ended.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    app(req, res);
  });
  server.keepAliveTimeout = 5_000;
  // Requests in progress per connection, so that shutdown can close idle connections at once
  // (including those a client opened ahead of time and never used) and the others as soon as
  // their last answer is sent.
  const inFlight = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.on('close', () => inFlight.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.on('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (shuttingDown && left === 0) endIdle(socket);
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    streams.close();
    boardStreams.close();
    boards.close();
    announcements.close();
    hub.close();
    limiter?.close();
    throw error;
  }
  const sweep =
    options.sweepEveryMs === undefined
      ? undefined
      : new PeriodicSweep(scheduler, { everyMs: options.sweepEveryMs, logger, purge: options.purge === true, clock });
  sweep?.start();
  /** Ends a connection with no request in progress, taking no further request on it. */
  const endIdle = (socket: Socket): void => {
    ended.add(socket);
    socket.end();
  };
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const shutdown = (graceMs = 10_000): Promise<void> => (closing ??= Promise.all([sweep?.stop(), closeHttp(graceMs)]).then(() => undefined));
  const closeHttp = (graceMs: number): Promise<void> =>
    new Promise<void>((resolve) => {
      shuttingDown = true;
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      streams.close();
      boardStreams.close();
      boards.close();
      announcements.close();
      hub.close();
      limiter?.close();
      for (const [socket, requests] of inFlight) if (requests === 0) endIdle(socket);
    });

  return { url: `http://${host}:${address.port}`, port: address.port, app, server, openapi, routes, shutdown };
}

const actorRefused = { description: '`X-Actor` names an actor this key may not sign as (`ACTOR_NOT_ALLOWED`)', schema: ProblemOut };
const tooMany = {
  description: 'Over the booking rate limit of the key, when the server has one (`TOO_MANY_REQUESTS`); `Retry-After` says when to retry',
  schema: ProblemOut,
};

/** A route with the answers of authentication and the rate limit: 403 on every keyed route, 429 on the limited ones. */
function withAccessAnswers(route: Route): Route {
  if (route.auth !== 'key') return route;
  const limited = RATE_LIMITED_OPERATIONS.includes(route.operationId);
  return { ...route, responses: { ...route.responses, 403: actorRefused, ...(limited ? { 429: tooMany } : {}) } };
}

/** A `JSON.stringify` replacer that writes every `patient` as `null`. */
function withoutPatients(key: string, value: unknown): unknown {
  return key === 'patient' && typeof value === 'object' && value !== null ? null : value;
}

/** Logs an unexpected failure outside a request. */
export function logFault(logger: Logger, msg: string, error: unknown): void {
  logger.error(msg, describeError(error));
}
