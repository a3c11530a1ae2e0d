/**
 * Bearer-key authentication. With a key configured, every route marked `auth: 'key'` (every
 * mutation and every read of patient data) needs `Authorization: Bearer <key>`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-errors.js';

/** Shortest key accepted: anything shorter is guessable. */
export const MIN_API_KEY_LENGTH = 16;

const CHALLENGE = 'Bearer realm="opd-scheduler"';

/**
 * Compares a given key with the expected one in time that depends only on the expected key's
 * length: the given key is copied into a buffer of that length before the comparison.
 */
function sameKey(given: string, expected: Buffer): boolean {
  const candidate = Buffer.alloc(expected.length);
  const bytes = Buffer.from(given, 'utf8');
  bytes.copy(candidate);
  return timingSafeEqual(candidate, expected) && bytes.length === expected.length;
}

/**
 * A middleware that lets a request through when it carries the key, and answers 401 otherwise.
 * Keys are compared in constant time.
 */
export function requireKey(apiKey: string): (req: Request, res: Response, next: NextFunction) => void {
  const expected = Buffer.from(apiKey, 'utf8');
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) {
      next(new HttpError('UNAUTHORIZED', 'This route needs `Authorization: Bearer <key>`', { header: 'authorization' }, { 'WWW-Authenticate': CHALLENGE }));
      return;
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match === null || !sameKey(match[1]!, expected)) {
      next(
        new HttpError('UNAUTHORIZED', 'The API key is not valid', { header: 'authorization' }, {
          'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"`,
        }),
      );
      return;
    }
    res.locals[AUTHENTICATED] = true;
    next();
  };
}

const AUTHENTICATED = 'authenticated';

/** Whether the request of `res` carried the API key (never true on a server without one). */
export function isAuthenticated(res: Response): boolean {
  return res.locals[AUTHENTICATED] === true;
}
