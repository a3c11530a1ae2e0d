/**
 * Who makes a call. With API keys configured (`OPD_API_KEYS=desk-1:<key>,portal:<key>`), every
 * route marked `auth: 'key'` (every mutation and every read of patient data) needs
 * `Authorization: Bearer <key>`, and the actor of the call is the key's name. `X-Actor` never
 * names another actor: it may only repeat the key's name, or, for a key marked `narrow`, name a
 * sub-actor of it (`desk-1/reena`). Without keys (development, loopback only) every call is
 * made by {@link ANONYMOUS_ACTOR}, which may be narrowed the same way (`anonymous/reena`).
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { OpdError } from 'opd-scheduler';
import { HttpError } from './http-errors.js';

/** Shortest key accepted: anything shorter is guessable. */
export const MIN_API_KEY_LENGTH = 16;

/** One API key and the actor it makes calls as. */
export interface ApiKey {
  /** The actor of every call made with the key, such as `desk-1` or `portal` (letters, digits, `.`, `_`, `-`; at most 48). */
  readonly actor: string;
  /** The secret: at least {@link MIN_API_KEY_LENGTH} printable ASCII characters, without `,` and `:`. */
  readonly key: string;
  /** Whether `X-Actor: <actor>/<name>` may name a sub-actor of the key (a member of staff at that desk). @defaultValue false */
  readonly narrow?: boolean | undefined;
}

/** The actor of every call on a server without API keys. */
export const ANONYMOUS_ACTOR = 'anonymous';
/** The actor of the server's own periodic sweep. */
export const SWEEP_ACTOR = 'sweep';
/** Actor names no key may take: the server's own. */
export const RESERVED_ACTORS: readonly string[] = [ANONYMOUS_ACTOR, SWEEP_ACTOR];

/** A key's name, or a sub-actor's name after the `/`. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;
/** A key: printable ASCII without the separators of `OPD_API_KEYS`. */
const KEY = /^[\x21-\x2b\x2d-\x39\x3b-\x7e]+$/;

/**
 * What is wrong with a set of keys, or `undefined` when nothing is. The one rule of what a key
 * set may hold, applied to `OPD_API_KEYS` at startup and to `startServer`'s `apiKeys`. Never
 * quotes a key.
 */
export function apiKeysProblem(keys: readonly ApiKey[]): string | undefined {
  const actors = new Set<string>();
  const secrets = new Set<string>();
  for (const [i, entry] of keys.entries()) {
    const which = NAME.test(entry.actor) ? `\`${entry.actor}\`` : `number ${i + 1}`;
    if (!NAME.test(entry.actor)) return `the name of key ${which} must be 1 to 48 letters, digits, \`.\`, \`_\` or \`-\`, starting with a letter or digit`;
    if (RESERVED_ACTORS.includes(entry.actor)) return `the name \`${entry.actor}\` is the server's own actor; choose another`;
    if (actors.has(entry.actor)) return `the name ${which} is given to two keys`;
    if (entry.key.length < MIN_API_KEY_LENGTH) return `the key of ${which} must be at least ${MIN_API_KEY_LENGTH} characters`;
    if (!KEY.test(entry.key)) return `the key of ${which} must be printable ASCII without spaces, \`,\` or \`:\``;
    if (secrets.has(entry.key)) return `the key of ${which} is also another name's key; give each name its own`;
    actors.add(entry.actor);
    secrets.add(entry.key);
  }
  return undefined;
}

const CHALLENGE = 'Bearer realm="opd-scheduler"';
const ACTOR = 'actor';
const AUTHENTICATED = 'authenticated';
const KEY_NAME = 'keyName';

/**
 * Compares a given key with an expected one in time that depends only on the expected key's
 * length: the given key is copied into a buffer of that length before the comparison.
 */
function sameKey(given: Buffer, expected: Buffer): boolean {
  const candidate = Buffer.alloc(expected.length);
  given.copy(candidate);
  return timingSafeEqual(candidate, expected) && given.length === expected.length;
}

/**
 * The actor of a call made as `holder`, given its `X-Actor` header: the holder itself, or, when
 * the holder may be narrowed, `holder/<name>`.
 * @throws OpdError `VALIDATION_FAILED` for an empty header or a malformed sub-actor
 * @throws HttpError `ACTOR_NOT_ALLOWED` for any other actor
 */
export function resolveActor(header: string | undefined, holder: { readonly actor: string; readonly narrow: boolean }): string {
  if (header === undefined || header === holder.actor) return holder.actor;
  const details = { field: 'X-Actor', in: 'header', actor: holder.actor };
  if (header === '') throw new OpdError('VALIDATION_FAILED', 'Expected `X-Actor` to be a name, got an empty text', { details });
  const prefix = `${holder.actor}/`;
  if (holder.narrow && header.startsWith(prefix)) {
    if (NAME.test(header.slice(prefix.length))) return header;
    throw new OpdError('VALIDATION_FAILED', `Expected \`X-Actor\` to be \`${prefix}<name>\` with a name of 1 to 48 letters, digits, \`.\`, \`_\` or \`-\``, {
      details,
    });
  }
  const allowed = holder.narrow ? `\`${holder.actor}\` or \`${prefix}<name>\`` : `\`${holder.actor}\` only`;
  throw new HttpError('ACTOR_NOT_ALLOWED', `Calls made with this key are signed by ${allowed}; \`X-Actor\` may not name another actor`, details);
}

/**
 * A middleware for the routes that need a key: it finds the key the request carries (compared
 * in constant time with every configured key, so that the time taken says nothing about which
 * one matched), answers 401 when none does, and resolves the actor of the call from the key
 * and `X-Actor` (403 `ACTOR_NOT_ALLOWED` when the header names an actor the key may not sign
 * as). Without keys it lets every request through as {@link ANONYMOUS_ACTOR}. Runs before the
 * body is read.
 */
export function authenticate(keys: readonly ApiKey[]): (req: Request, res: Response, next: NextFunction) => void {
  const expected = keys.map((entry) => ({ actor: entry.actor, narrow: entry.narrow === true, key: Buffer.from(entry.key, 'utf8') }));
  return (req, res, next) => {
    try {
      const header = req.headers['x-actor'];
      const actorHeader = Array.isArray(header) ? header.join(',') : header;
      if (expected.length === 0) {
        res.locals[ACTOR] = resolveActor(actorHeader, { actor: ANONYMOUS_ACTOR, narrow: true });
        next();
        return;
      }
      const authorization = req.headers.authorization;
      if (authorization === undefined) {
        throw new HttpError('UNAUTHORIZED', 'This route needs `Authorization: Bearer <key>`', { header: 'authorization' }, { 'WWW-Authenticate': CHALLENGE });
      }
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
      const given = Buffer.from(match?.[1] ?? '', 'utf8');
      let holder: (typeof expected)[number] | undefined;
      for (const entry of expected) if (sameKey(given, entry.key) && holder === undefined) holder = entry;
      if (match === null || holder === undefined) {
        throw new HttpError(
          'UNAUTHORIZED',
          'The API key is not valid',
          { header: 'authorization' },
          { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` },
        );
      }
      res.locals[ACTOR] = resolveActor(actorHeader, holder);
      res.locals[KEY_NAME] = holder.actor;
      res.locals[AUTHENTICATED] = true;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Whether the request of `res` carried a valid API key (never true on a server without keys). */
export function isAuthenticated(res: Response): boolean {
  return res.locals[AUTHENTICATED] === true;
}

/** The name of the key the request of `res` carried, if any (for rate limits: one budget per key). */
export function keyNameOf(res: Response): string | undefined {
  const name: unknown = res.locals[KEY_NAME];
  return typeof name === 'string' ? name : undefined;
}

/** The actor of a request that went through {@link authenticate}; `undefined` on a public route. */
export function actorOf(req: Request): string | undefined {
  const actor: unknown = req.res?.locals[ACTOR];
  return typeof actor === 'string' ? actor : undefined;
}
