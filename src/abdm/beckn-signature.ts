/**
 * The Beckn `Authorization` header of UHI messages: an Ed25519 signature over a signing string
 * of `(created)`, `(expires)` and the BLAKE2b-512 digest of the body, with `node:crypto` only, in
 * the two schemes and two header syntaxes that are published:
 *
 * - `nha-uhi`, the scheme of NHA's own code (`Crypt.java` of the UHI gateway, HSPA, registry and
 *   header utility): the signing string joined by single spaces, hashed again with BLAKE2b-512,
 *   the base64 of that hash signed; the header a JSON object (onboarding v2.0 §6.3).
 * - `beckn-006`, Beckn's BECKN-006 draft: the signing string joined by newlines and signed as it
 *   is; the header `Signature keyId="…",…`.
 *
 * A header is read in either syntax, and verified against either scheme (and NHA's Node
 * utility's variant: newlines, hashed again).
 */
import { createHash, createPublicKey, createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';
import { invalid, OpdError } from '../errors.js';
import { isPlainObject } from '../validate.js';

/** The signing schemes: NHA's (`Crypt.java`) and Beckn's BECKN-006 draft; `nha-uhi-newline` (NHA's Node utility) is only read. */
export const BECKN_SIGNING_SCHEMES = ['nha-uhi', 'beckn-006', 'nha-uhi-newline'] as const;

/** A signing scheme. */
export type BecknSigningScheme = (typeof BECKN_SIGNING_SCHEMES)[number];

/** Options of {@link signBecknRequest}. */
export interface SignBecknOptions {
  /** The subscriber id registered with the UHI gateway. */
  readonly subscriberId: string;
  /** The id of the key pair registered for the subscriber. */
  readonly uniqueKeyId: string;
  /** The Ed25519 private key (a `KeyObject`, or PEM text). */
  readonly privateKey: KeyObject | string;
  /** When the signature is made. @defaultValue the current time */
  readonly now?: Date | undefined;
  /** How long the signature is valid, in seconds (1 to 3,600). @defaultValue 300 */
  readonly ttlSeconds?: number | undefined;
  /** The scheme and header syntax: `nha-uhi` (NHA's code, a JSON header) for the UHI gateway, `beckn-006` (a `Signature …` header) for a Beckn network. @defaultValue `'nha-uhi'` */
  readonly scheme?: 'nha-uhi' | 'beckn-006' | undefined;
}

/** Options of {@link verifyBecknRequest}. */
export interface VerifyBecknOptions {
  /** The Ed25519 public key of the subscriber the header names (a `KeyObject`, or PEM text). */
  readonly publicKey: KeyObject | string;
  /** When the signature is checked. @defaultValue the current time */
  readonly now?: Date | undefined;
  /** The subscriber id the header must name, when known. */
  readonly subscriberId?: string | undefined;
  /** The longest validity window (`expires` − `created`) accepted, in seconds (1 to 86,400): a signature valid for years is a replayable one. @defaultValue 3600 */
  readonly maxValiditySeconds?: number | undefined;
  /** The clock difference tolerated either way, in seconds (0 to 300). @defaultValue 5 */
  readonly clockSkewSeconds?: number | undefined;
}

/** What {@link verifyBecknRequest} read from a valid header. */
export interface VerifiedBecknRequest {
  /** The subscriber id of the key id. */
  readonly subscriberId: string;
  /** The unique key id of the key id. */
  readonly uniqueKeyId: string;
  /** When it was signed. */
  readonly created: Date;
  /** When the signature ends. */
  readonly expires: Date;
  /** The scheme the signature was made in. */
  readonly scheme: BecknSigningScheme;
}

/** The BLAKE2b-512 digest of a body, base64, as the Beckn signing string names it (`BLAKE-512=<digest>`). */
export function becknDigest(body: string): string {
  return createHash('blake2b512').update(body, 'utf8').digest('base64');
}

/** The bytes a scheme signs: the signing string (joined by newlines or spaces), or the base64 text of its BLAKE2b-512 hash. */
function signedBytes(scheme: BecknSigningScheme, created: number, expires: number, body: string): Buffer {
  const separator = scheme === 'nha-uhi' ? ' ' : '\n';
  const signing = `(created): ${created}${separator}(expires): ${expires}${separator}digest: BLAKE-512=${becknDigest(body)}`;
  return Buffer.from(scheme === 'beckn-006' ? signing : createHash('blake2b512').update(signing, 'utf8').digest('base64'), 'utf8');
}

function keyIdPart(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || /[|"\s]/.test(value))
    throw invalid(field, `Expected \`${field}\` as a non-empty string without '|', '"' or spaces`);
  return value;
}

/**
 * The `Authorization` header of a Beckn request or answer with this body:
 * `Signature keyId="{subscriber_id}|{unique_key_id}|ed25519",algorithm="ed25519",created=…,expires=…,headers="(created) (expires) digest",signature="…"`.
 *
 * @param body - the exact body sent (the JSON text)
 * @param options - the subscriber id, the key id, the private key, the time and validity
 * @returns the header's value
 * @throws OpdError `VALIDATION_FAILED` naming the option
 *
 * @example
 * ```ts
 * import { generateKeyPairSync } from 'node:crypto';
 * import { signBecknRequest, verifyBecknRequest } from 'opd-scheduler/abdm';
 *
 * const { privateKey, publicKey } = generateKeyPairSync('ed25519');
 * const body = JSON.stringify({ context: { action: 'search' }, message: {} });
 * const authorization = signBecknRequest(body, { subscriberId: 'hspa.example.org', uniqueKeyId: 'k1', privateKey });
 * console.log(verifyBecknRequest(body, authorization, { publicKey }).subscriberId); // 'hspa.example.org'
 * ```
 */
export function signBecknRequest(body: string, options: SignBecknOptions): string {
  if (typeof body !== 'string') throw invalid('body', 'Expected the body as text');
  const subscriberId = keyIdPart('subscriberId', options.subscriberId);
  const uniqueKeyId = keyIdPart('uniqueKeyId', options.uniqueKeyId);
  const ttl = options.ttlSeconds ?? 300;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 3600) throw invalid('ttlSeconds', 'Expected `ttlSeconds` as a whole number from 1 to 3600');
  const now = options.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw invalid('now', 'Expected `now` as a valid Date');
  const key = readKey('privateKey', options.privateKey, 'private');
  const created = Math.floor(now.getTime() / 1000);
  const expires = created + ttl;
  const scheme = options.scheme ?? 'nha-uhi';
  if (scheme !== 'nha-uhi' && scheme !== 'beckn-006') throw invalid('scheme', 'Expected `scheme` "nha-uhi" or "beckn-006"');
  const signature = sign(null, signedBytes(scheme, created, expires, body), key).toString('base64');
  const keyId = `${subscriberId}|${uniqueKeyId}|ed25519`;
  // NHA's Crypt.java writes a HashMap with Jackson: this key order is the one it produces.
  if (scheme === 'nha-uhi')
    return JSON.stringify({
      headers: '(created) (expires) digest',
      expires: String(expires),
      signature,
      created: String(created),
      keyId,
      algorithm: 'ed25519',
    });
  return `Signature keyId="${keyId}",algorithm="ed25519",created="${created}",expires="${expires}",headers="(created) (expires) digest",signature="${signature}"`;
}

const PARAM = /\s*([a-zA-Z]+)="([^"]*)"\s*(?:,|$)/y;

/**
 * Checks a Beckn `Authorization` header against the body received: the header's syntax (NHA's
 * JSON object or `Signature …`, each parameter once), the key id's form, the algorithm, the
 * validity window (`created` not in the future, `expires` not past, beyond `clockSkewSeconds`;
 * a window no longer than `maxValiditySeconds`) and the Ed25519 signature in either scheme. A
 * tampered body, an expired signature, a repeated parameter or a wrong key is refused.
 *
 * @param body - the exact body received
 * @param authorization - the header's value
 * @param options - the subscriber's public key, the time, the subscriber id expected, the window's limits
 * @returns the subscriber, key id, validity and scheme read from the header
 * @throws OpdError `VALIDATION_FAILED` (field `authorization`) for a malformed, expired or false signature; (the option's field) for a bad option
 */
export function verifyBecknRequest(body: string, authorization: string, options: VerifyBecknOptions): VerifiedBecknRequest {
  if (typeof body !== 'string') throw invalid('body', 'Expected the body as text');
  const maxValidity = options.maxValiditySeconds ?? 3600;
  if (!Number.isInteger(maxValidity) || maxValidity < 1 || maxValidity > 86_400)
    throw invalid('maxValiditySeconds', 'Expected `maxValiditySeconds` as a whole number from 1 to 86400');
  const skew = options.clockSkewSeconds ?? 5;
  if (!Number.isInteger(skew) || skew < 0 || skew > 300) throw invalid('clockSkewSeconds', 'Expected `clockSkewSeconds` as a whole number from 0 to 300');
  if (typeof authorization !== 'string') throw refused('Expected the `Authorization` header as text');
  const params = readHeader(authorization.trim());
  const keyId = (params.get('keyId') ?? '').split('|');
  if (keyId.length !== 3 || keyId[0] === '' || keyId[1] === '' || keyId[2] !== 'ed25519')
    throw refused('Expected keyId as "{subscriber_id}|{unique_key_id}|ed25519"');
  if (params.get('algorithm') !== 'ed25519') throw refused('Expected algorithm "ed25519"');
  if (params.get('headers') !== '(created) (expires) digest') throw refused('Expected headers "(created) (expires) digest"');
  const created = Number(params.get('created'));
  const expires = Number(params.get('expires'));
  if (!/^\d{1,12}$/.test(params.get('created') ?? '') || !/^\d{1,12}$/.test(params.get('expires') ?? '') || expires <= created)
    throw refused('Expected `created` and `expires` as Unix seconds, `expires` after `created`');
  if (expires - created > maxValidity) throw refused(`The signature's validity is longer than ${maxValidity} seconds`);
  const subscriberId = keyId[0] as string;
  if (options.subscriberId !== undefined && options.subscriberId !== subscriberId) throw refused('The signature is not of the subscriber expected');
  const now = options.now ?? new Date();
  const seconds = Math.floor(now.getTime() / 1000);
  if (created > seconds + skew) throw refused('The signature was created in the future');
  if (expires + skew < seconds) throw refused('The signature has expired');
  const key = readKey('publicKey', options.publicKey, 'public');
  const signature = Buffer.from(params.get('signature') ?? '', 'base64');
  const scheme = signature.length === 64 ? BECKN_SIGNING_SCHEMES.find((s) => verifies(s, created, expires, body, key, signature)) : undefined;
  if (scheme === undefined) throw refused('The signature does not match the body and the key');
  return { subscriberId, uniqueKeyId: keyId[1] as string, created: new Date(created * 1000), expires: new Date(expires * 1000), scheme };
}

function verifies(scheme: BecknSigningScheme, created: number, expires: number, body: string, key: KeyObject, signature: Buffer): boolean {
  try {
    return verify(null, signedBytes(scheme, created, expires, body), key, signature);
  } catch {
    return false;
  }
}

/** The parameters of a header in either syntax, each once: a second `keyId` (or any other) is refused, never "the last wins". */
function readHeader(header: string): Map<string, string> {
  const params = new Map<string, string>();
  const add = (name: string, value: string): void => {
    if (params.has(name)) throw refused(`The header repeats \`${name}\``);
    params.set(name, value);
  };
  if (header.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(header);
    } catch {
      throw refused('Expected the header as a JSON object');
    }
    if (!isPlainObject(parsed)) throw refused('Expected the header as a JSON object');
    for (const name of topLevelKeys(header))
      if (params.has(name)) throw refused(`The header repeats \`${name}\``);
      else params.set(name, '');
    params.clear();
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value !== 'string' && typeof value !== 'number') throw refused(`Expected \`${name}\` as text`);
      add(name, String(value));
    }
    return params;
  }
  if (!header.startsWith('Signature ')) throw refused("Expected a Beckn `Signature` header or NHA's JSON header");
  const rest = header.slice('Signature '.length);
  PARAM.lastIndex = 0;
  while (PARAM.lastIndex < rest.length) {
    const match = PARAM.exec(rest);
    if (match === null) throw refused('Expected the header as name="value" pairs separated by commas');
    add(match[1] as string, match[2] as string);
  }
  return params;
}

/** The keys of a JSON object's first level, in order and with repeats (which `JSON.parse` would silently merge). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

function refused(message: string): OpdError<'VALIDATION_FAILED'> {
  return invalid('authorization', message);
}

function readKey(field: string, key: KeyObject | string, type: 'public' | 'private'): KeyObject {
  try {
    const object = typeof key === 'string' ? (type === 'public' ? createPublicKey(key) : createPrivateKey(key)) : key;
    if (object.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    if (type === 'public' && object.type === 'private') return createPublicKey(object);
    if (object.type !== type) throw new Error('wrong type');
    return object;
  } catch {
    throw invalid(field, `Expected \`${field}\` as an Ed25519 ${type} key`);
  }
}
