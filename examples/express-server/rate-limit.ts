/**
 * The booking rate limit: `express-rate-limit` in front of the routes that take a place —
 * booking, holding and confirming a hold, booking a follow-up or a series, over the API or FHIR (`$hold`, `$book`) — with one budget per API key (per client address on
 * a server without keys). Emergencies (`POST /api/tokens/emergency`) are never limited: an
 * emergency is never refused. Over the limit, the answer is a 429 problem like every other
 * error, with `Retry-After` and the `RateLimit`/`RateLimit-Policy` headers (IETF draft 8).
 */
import type { RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit } from 'express-rate-limit';
import { keyNameOf } from './auth.js';
import { HttpError } from './http-errors.js';
import { describeError, type Logger } from './log.js';

/** How many booking calls one key (or address) may make per window. */
export interface RateLimitOptions {
  /** Calls allowed per window. */
  readonly limit: number;
  /** Length of the window in milliseconds. */
  readonly windowMs: number;
}

/** The operations the limit applies to (by `operationId`). */
export const RATE_LIMITED_OPERATIONS: readonly string[] = ['book', 'hold', 'confirm', 'bookFollowUp', 'bookSeries', 'fhirHold', 'fhirBook'];

/** A limiter and the store it counts in, which {@link BookingLimiter.close} stops. */
export interface BookingLimiter {
  readonly middleware: RequestHandler;
  close(): void;
}

/** `120/60s`: the limit as the settings write it. */
export function describeRateLimit(options: RateLimitOptions): string {
  return `${options.limit}/${options.windowMs / 1000}s`;
}

/**
 * The limiter of the booking routes. It runs after authentication (so that each key has its
 * own budget) and before the body is read (so that a client over the limit costs no parsing).
 */
export function bookingLimiter(options: RateLimitOptions, logger: Logger): BookingLimiter {
  const store = new MemoryStore();
  const middleware = rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    store,
    identifier: 'booking',
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req, res) => {
      const name = keyNameOf(res);
      return name === undefined ? `address:${ipKeyGenerator(req.ip ?? '')}` : `key:${name}`;
    },
    handler: (_req, _res, next) => {
      next(
        new HttpError(
          'TOO_MANY_REQUESTS',
          `Too many bookings: at most ${options.limit} every ${options.windowMs / 1000} s; retry after the time in \`Retry-After\``,
          {
            limit: options.limit,
            windowSeconds: options.windowMs / 1000,
          },
        ),
      );
    },
    logger: {
      error: (error, message) => logger.error(message ?? 'rate limit failed', describeError(error)),
      warn: (error, message) => logger.error(message ?? 'rate limit misconfigured', describeError(error)),
    },
  });
  return { middleware, close: () => store.shutdown() };
}
