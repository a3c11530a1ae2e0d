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
  /** The country code, `IND`. */
  readonly country: string;
  /** The city code, such as `std:080`. */
  readonly city: string;
  /** The call (`search`, `init`…) or its answer (`on_search`, `on_init`…). */
  readonly action: string;
  /** The Beckn core version, `0.7.1`. */
  readonly core_version: string;
  /** The consumer (EUA) that asked. */
  readonly consumer_id: string;
  /** Where the consumer is answered. */
  readonly consumer_uri: string;
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

const REQUIRED = ['domain', 'country', 'city', 'action', 'core_version', 'consumer_id', 'consumer_uri', 'transaction_id', 'message_id', 'timestamp'] as const;

/** @internal Reads a Beckn call for `action`: the context's every field typed, the message an object. */
export function readBecknCall(payload: unknown, action: string): { context: BecknContext; message: Record<string, unknown> } {
  if (!isPlainObject(payload)) throw invalid('payload', 'Expected the UHI call as a JSON object');
  const context = payload['context'];
  if (!isPlainObject(context)) throw invalid('context', 'Expected `context` as an object');
  for (const key of REQUIRED) if (typeof context[key] !== 'string' || context[key] === '') throw invalid(`context.${key}`, `Expected \`context.${key}\` as a non-empty string`);
  for (const key of ['provider_id', 'provider_uri'] as const) if (context[key] !== undefined && typeof context[key] !== 'string') throw invalid(`context.${key}`, `Expected \`context.${key}\` as a string`);
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
