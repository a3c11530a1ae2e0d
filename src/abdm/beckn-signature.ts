/**
 * The Beckn `Authorization` header of UHI messages: an Ed25519 signature over a signing string
 * of `(created)`, `(expires)` and the BLAKE2b-512 digest of the body, with `node:crypto` only.
 */
import { createHash, createPublicKey, createPrivateKey, sign, verify, type KeyObject } from 'node:crypto';
import { invalid, OpdError } from '../errors.js';

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
}

/** Options of {@link verifyBecknRequest}. */
export interface VerifyBecknOptions {
  /** The Ed25519 public key of the subscriber the header names (a `KeyObject`, or PEM text). */
  readonly publicKey: KeyObject | string;
  /** When the signature is checked. @defaultValue the current time */
  readonly now?: Date | undefined;
  /** The subscriber id the header must name, when known. */
  readonly subscriberId?: string | undefined;
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
}

/** The BLAKE2b-512 digest of a body, base64, as the Beckn signing string names it (`BLAKE-512=<digest>`). */
export function becknDigest(body: string): string {
  return createHash('blake2b512').update(body, 'utf8').digest('base64');
}

function signingString(created: number, expires: number, body: string): string {
  return `(created): ${created}\n(expires): ${expires}\ndigest: BLAKE-512=${becknDigest(body)}`;
}

function keyIdPart(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || /[|"\s]/.test(value)) throw invalid(field, `Expected \`${field}\` as a non-empty string without '|', '"' or spaces`);
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
  const signature = sign(null, Buffer.from(signingString(created, expires, body), 'utf8'), key).toString('base64');
  return `Signature keyId="${subscriberId}|${uniqueKeyId}|ed25519",algorithm="ed25519",created="${created}",expires="${expires}",headers="(created) (expires) digest",signature="${signature}"`;
}

const PARAM = /([a-zA-Z]+)="([^"]*)"/g;

/**
 * Checks a Beckn `Authorization` header against the body received: the key id's form, the
 * algorithm, the validity window (`created` not in the future, `expires` not past) and the
 * Ed25519 signature over the BLAKE2b-512 digest. A tampered body, an expired signature or a
 * wrong key is refused.
 *
 * @param body - the exact body received
 * @param authorization - the header's value
 * @param options - the subscriber's public key, the time, the subscriber id expected
 * @returns the subscriber, key id and validity read from the header
 * @throws OpdError `VALIDATION_FAILED` (field `authorization`) for a malformed, expired or false signature
 */
export function verifyBecknRequest(body: string, authorization: string, options: VerifyBecknOptions): VerifiedBecknRequest {
  if (typeof body !== 'string') throw invalid('body', 'Expected the body as text');
  if (typeof authorization !== 'string' || !authorization.startsWith('Signature ')) throw refused('Expected a Beckn `Signature` header');
  const params = new Map<string, string>();
  for (const [, name, value] of authorization.slice('Signature '.length).matchAll(PARAM)) if (name !== undefined && value !== undefined) params.set(name, value);
  const keyId = (params.get('keyId') ?? '').split('|');
  if (keyId.length !== 3 || keyId[0] === '' || keyId[1] === '' || keyId[2] !== 'ed25519') throw refused('Expected keyId as "{subscriber_id}|{unique_key_id}|ed25519"');
  if (params.get('algorithm') !== 'ed25519') throw refused('Expected algorithm "ed25519"');
  if (params.get('headers') !== '(created) (expires) digest') throw refused('Expected headers "(created) (expires) digest"');
  const created = Number(params.get('created'));
  const expires = Number(params.get('expires'));
  if (!Number.isInteger(created) || !Number.isInteger(expires) || expires <= created) throw refused('Expected `created` and `expires` as Unix seconds, `expires` after `created`');
  const subscriberId = keyId[0] as string;
  if (options.subscriberId !== undefined && options.subscriberId !== subscriberId) throw refused('The signature is not of the subscriber expected');
  const now = options.now ?? new Date();
  const seconds = Math.floor(now.getTime() / 1000);
  if (created > seconds + 5) throw refused('The signature was created in the future');
  if (expires < seconds) throw refused('The signature has expired');
  const key = readKey('publicKey', options.publicKey, 'public');
  const signature = Buffer.from(params.get('signature') ?? '', 'base64');
  let valid = false;
  try {
    valid = signature.length === 64 && verify(null, Buffer.from(signingString(created, expires, body), 'utf8'), key, signature);
  } catch {
    valid = false;
  }
  if (!valid) throw refused('The signature does not match the body and the key');
  return { subscriberId, uniqueKeyId: keyId[1] as string, created: new Date(created * 1000), expires: new Date(expires * 1000) };
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
