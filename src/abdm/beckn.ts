/**
 * The Beckn envelope of UHI messages: a `context` and a `message`, read with every field typed,
 * and the `context` of an answer.
 */
import { invalid } from '../errors.js';
import { isPlainObject } from '../validate.js';

/** The Beckn `context` of a UHI message (core version 0.7.1). */
export interface BecknContext {
  /** The UHI domain, such as `nic2004:85111`. */
  readonly domain: string;
  /** The country code, `IND` (NHA's v2.0 samples leave it out of most calls). */
  readonly country?: string | undefined;
  /** The city code, such as `std:080` (left out of most v2.0 calls). */
  readonly city?: string | undefined;
  /** The call (`search`, `init`…) or its answer (`on_search`, `on_init`…). */
  readonly action: string;
  /** The Beckn core version, `0.7.1` (left out of most v2.0 calls). */
  readonly core_version?: string | undefined;
  /** The consumer (EUA) that asked. */
  readonly consumer_id: string;
  /** Where the consumer is answered (left out of most v2.0 calls: the gateway's registry knows it). */
  readonly consumer_uri?: string | undefined;
  /** The provider (HSPA) that answers, when known. */
  readonly provider_id?: string | undefined;
  /** Where the provider is called, when known. */
  readonly provider_uri?: string | undefined;
  /** The transaction: the same for every call of one booking. */
  readonly transaction_id: string;
  /** The message: an answer repeats the call's. */
  readonly message_id: string;
  /** When the message was sent (ISO 8601). */
  readonly timestamp: string;
}

/** A UHI message: its Beckn `context` and its `message`. */
export interface BecknMessage<M> {
  /** The envelope. */
  readonly context: BecknContext;
  /** The message of the action. */
  readonly message: M;
}

/** @internal The provider's side of an answer's context. */
export interface ProviderIdentity {
  readonly providerId: string;
  readonly providerUri: string;
}

/** What every published UHI call carries; NHA's v2.0 samples leave the rest out of most calls. */
const REQUIRED = ['domain', 'action', 'consumer_id', 'transaction_id', 'message_id', 'timestamp'] as const;
const OPTIONAL = ['country', 'city', 'core_version', 'consumer_uri', 'provider_id', 'provider_uri'] as const;
/** The longest consumer and transaction id read: both are kept in the order's idempotency key. */
const MAX_ID = 100;

/** @internal Reads a Beckn call for `action`: the context's every field typed, the message an object. */
export function readBecknCall(payload: unknown, action: string): { context: BecknContext; message: Record<string, unknown> } {
  if (!isPlainObject(payload)) throw invalid('payload', 'Expected the UHI call as a JSON object');
  const context = payload['context'];
  if (!isPlainObject(context)) throw invalid('context', 'Expected `context` as an object');
  for (const key of REQUIRED)
    if (typeof context[key] !== 'string' || context[key] === '') throw invalid(`context.${key}`, `Expected \`context.${key}\` as a non-empty string`);
  for (const key of OPTIONAL)
    if (context[key] !== undefined && typeof context[key] !== 'string') throw invalid(`context.${key}`, `Expected \`context.${key}\` as a string`);
  for (const key of ['consumer_id', 'transaction_id'] as const)
    if ((context[key] as string).length > MAX_ID) throw invalid(`context.${key}`, `Expected \`context.${key}\` of at most ${MAX_ID} characters`);
  if (context['action'] !== action) throw invalid('context.action', `Expected \`context.action\` "${action}"`);
  if (Number.isNaN(Date.parse(context['timestamp'] as string))) throw invalid('context.timestamp', 'Expected `context.timestamp` as an ISO 8601 instant');
  const message = payload['message'];
  if (!isPlainObject(message)) throw invalid('message', 'Expected `message` as an object');
  return { context: context as unknown as BecknContext, message };
}

/** @internal The context of the answer to a call: `on_<action>`, the same transaction and message ids, the provider, now. */
export function answerContext(context: BecknContext, provider: ProviderIdentity, now: Date): BecknContext {
  return { ...context, action: `on_${context.action}`, provider_id: provider.providerId, provider_uri: provider.providerUri, timestamp: now.toISOString() };
}

/** @internal A string field of a JSON object at `path`, required unless `optional`. */
export function text(object: Record<string, unknown>, key: string, path: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') throw invalid(path, `Expected \`${path}\` as a non-empty string`);
  return value;
}

/** @internal An object field of a JSON object at `path`. */
export function objectAt(object: Record<string, unknown>, key: string, path: string): Record<string, unknown> {
  const value = object[key];
  if (!isPlainObject(value)) throw invalid(path, `Expected \`${path}\` as an object`);
  return value;
}
