/** Reading the parts of a UHI message the provider acts on (the order, its slot, its cancellation, its terms) and writing its quote. */
import { OpdError, invalid } from '../errors.js';
import { isPlainObject } from '../validate.js';
import { objectAt, text } from './beckn.js';
import { UHI_CANCEL_CODES, UHI_CANCEL_REASONS, type UhiCancelCode, type UhiCancelledBy } from './states.js';
import { UHI_TERM_TYPES, type UhiCancellation, type UhiPrice, type UhiQuote } from './uhi-types.js';

export function notAnOrder(tokenId: string): OpdError<'TOKEN_NOT_FOUND'> {
  return new OpdError('TOKEN_NOT_FOUND', `No UHI order ${tokenId} of this transaction`, { details: { tokenId } });
}

export function optionalText(object: Record<string, unknown>, key: string, path: string, emptyIsAbsent = false): string | undefined {
  const value = object[key];
  if (value === undefined || value === null || (emptyIsAbsent && value === '')) return undefined;
  return text(object, key, path);
}

/** The slot an order names: `fulfillment.id`, its `@abdm/gov.in/slot_id` tag, or `item.fulfillment_id`. */
export function slotOf(order: Record<string, unknown>): string {
  const fulfillment = isPlainObject(order['fulfillment']) ? order['fulfillment'] : {};
  const tags = isPlainObject(fulfillment['tags']) ? fulfillment['tags'] : {};
  const item = isPlainObject(order['item']) ? order['item'] : {};
  for (const [value] of [[fulfillment['id']], [tags['@abdm/gov.in/slot_id']], [item['fulfillment_id']]] as const)
    if (typeof value === 'string' && value !== '') return value;
  throw invalid('message.order.fulfillment.id', 'Expected `message.order.fulfillment.id` (or its `@abdm/gov.in/slot_id` tag) as a non-empty string');
}

/** The order id of `status` and `cancel`: NHA's `message.order.id`, or the older `message.order_id`. */
export function orderIdOf(message: Record<string, unknown>): string {
  if (message['order'] === undefined && message['order_id'] !== undefined) return text(message, 'order_id', 'message.order_id');
  return text(objectAt(message, 'order', 'message.order'), 'id', 'message.order.id');
}

/** Who cancels and why: the `@abdm/gov.in/cancelledby` and `@abdm/gov.in/cancel_reason` tags (or the older `cancellation_reason_id`). */
export function cancellationOf(message: Record<string, unknown>): UhiCancellation {
  const order = isPlainObject(message['order']) ? message['order'] : {};
  if (order['state'] !== undefined && order['state'] !== 'CANCELLED') throw invalid('message.order.state', 'Expected `message.order.state` "CANCELLED"');
  const fulfillment = isPlainObject(order['fulfillment']) ? order['fulfillment'] : {};
  const tags = isPlainObject(fulfillment['tags']) ? fulfillment['tags'] : {};
  const by = tags['@abdm/gov.in/cancelledby'];
  if (by !== undefined && (typeof by !== 'string' || !['patient', 'doctor'].includes(by.toLowerCase())))
    throw invalid('message.order.fulfillment.tags', 'Expected the `@abdm/gov.in/cancelledby` tag as "patient" or "doctor"');
  const given = tags['@abdm/gov.in/cancel_reason'] ?? message['cancellation_reason_id'] ?? order['cancellation_reason_id'];
  let code: UhiCancelCode | undefined;
  if (given !== undefined) {
    code =
      typeof given === 'string'
        ? (UHI_CANCEL_CODES.find((c) => c === given.toUpperCase() || UHI_CANCEL_REASONS[c] === given.toUpperCase()) ?? undefined)
        : undefined;
    if (code === undefined) throw invalid('message.order.fulfillment.tags', 'Expected the cancel reason as a UHI code, P1 to P7 or D1 to D6, or its reason');
  }
  const cancelledBy: UhiCancelledBy = typeof by === 'string' ? (by.toLowerCase() as UhiCancelledBy) : code?.startsWith('D') === true ? 'doctor' : 'patient';
  code ??= cancelledBy === 'patient' ? 'P7' : 'D6';
  if ((cancelledBy === 'patient') !== code.startsWith('P'))
    throw invalid('message.order.fulfillment.tags', `Expected a ${cancelledBy === 'patient' ? 'P' : 'D'}-code for a cancellation by the ${cancelledBy}`);
  return { code, cancelledBy };
}

/** Refuses terms that are not the five types, each `AGREED`. */
export function agreedTerms(terms: unknown): void {
  if (!Array.isArray(terms)) throw invalid('message.order.terms', 'Expected `message.order.terms` as a list');
  for (const type of UHI_TERM_TYPES) {
    const term: unknown = terms.find((t: unknown) => isPlainObject(t) && t['type'] === type);
    if (!isPlainObject(term) || term['termsState'] !== 'AGREED')
      throw invalid('message.order.terms', `Expected the ${type} terms with \`termsState\` "AGREED": an order is confirmed only once every term is agreed`);
  }
}

export function quoteOf(price: UhiPrice): UhiQuote {
  return { price, breakup: [{ title: 'Consultation', price }] };
}

export function rupees(fee: number): string {
  return Number.isInteger(fee) ? fee.toFixed(1) : String(fee);
}

export function codeOf(name: string): string {
  return name
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_');
}
