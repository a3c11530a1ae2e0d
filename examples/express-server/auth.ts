/**
 * Bearer-key authentication. With a key configured, every route marked `auth: 'key'` (every
 * mutation and every read of patient data) needs `Authorization: Bearer <key>`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './http-errors.js';

/** Shortest key accepted: anything shorter is guessable. */
export const MIN_API_KEY_LENGTH = 16;

const CHALLENGE = 'Bearer realm="opd-scheduler"';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * A middleware that lets a request through when it carries the key, and answers 401 otherwise.
 * Keys are compared in constant time (on their digests, so that the length leaks nothing).
 */
export function requireKey(apiKey: string): (req: Request, res: Response, next: NextFunction) => void {
  const expected = digest(apiKey);
  return (req, _res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) {
      next(new HttpError('UNAUTHORIZED', 'This route needs `Authorization: Bearer <key>`', { header: 'authorization' }, { 'WWW-Authenticate': CHALLENGE }));
      return;
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match === null || !timingSafeEqual(digest(match[1]!), expected)) {
      next(
        new HttpError('UNAUTHORIZED', 'The API key is not valid', { header: 'authorization' }, {
          'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"`,
        }),
      );
      return;
    }
    next();
  };
}
