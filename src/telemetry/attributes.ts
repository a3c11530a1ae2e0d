// What a call's span records: the ids it names, its outcome and, for a failure, its error.
// Ids are the library's own; no attribute ever carries a field of a patient.
import { isOpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { BookingResult, SlotView, Token, TransitionResult } from '../types.js';
import { OPD_ATTRIBUTES as A } from './names.js';
import type { Call, CallIds, OpdMethod } from './telemetry.js';
import type { TelemetrySpan } from './types.js';

/** OpenTelemetry's `SpanStatusCode.ERROR`. */
const ERROR = 2;
/** The longest id the library accepts. */
const MAX_ID = 300;

/** The call of a span that records nothing, or of no span. */
export const NO_CALL: Call = { dryRun: () => {} };

/** What a recording span learns from its call. */
export class SpanCall implements Call {
  dry: boolean | undefined;
  dryRun(value: boolean): void {
    this.dry = value;
  }
}

/** The `error.type` of a failure: its `OpdError` code, else `_OTHER`. */
export function errorCode(error: unknown): string {
  return isOpdError(error) ? error.code : '_OTHER';
}

/** An id as an attribute: a string the library could have accepted as an id, else nothing. */
function id(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID ? value : undefined;
}

function idAttributes(ids: CallIds | undefined, attributes: Record<string, string | number | boolean>): void {
  const doctorId = id(ids?.doctorId);
  const slotId = id(ids?.slotId);
  const tokenId = id(ids?.tokenId);
  if (doctorId !== undefined) attributes[A.doctorId] = doctorId;
  if (slotId !== undefined) attributes[A.slotId] = slotId;
  if (tokenId !== undefined) attributes[A.tokenId] = tokenId;
}

function tokenAttributes(token: Token, attributes: Record<string, string | number | boolean>): void {
  attributes[A.tokenId] = token.id;
  attributes[A.doctorId] = token.doctorId;
  if (token.slotId !== null) attributes[A.slotId] = token.slotId;
}

function effectAttributes(effects: readonly OpdEvent[], attributes: Record<string, string | number | boolean>): void {
  attributes[A.effects] = effects.length;
  const first = effects[0];
  if (first !== undefined) attributes[A.doctorId] = first.doctorId;
}

/** `opd.outcome` and the ids of what the call answered, by method (the span's status stays unset). */
export function succeeded(span: TelemetrySpan, method: OpdMethod, ids: CallIds | undefined, call: SpanCall, result: unknown): void {
  const attributes: Record<string, string | number | boolean> = { [A.outcome]: 'OK' };
  idAttributes(ids, attributes);
  switch (method) {
    case 'book': {
      const booking = result as BookingResult;
      tokenAttributes(booking.token, attributes);
      attributes[A.outcome] = booking.outcome;
      attributes[A.category] = booking.token.category;
      attributes[A.effects] = booking.effects.length;
      if (booking.replayed === true) attributes[A.replayed] = true;
      break;
    }
    case 'hold': {
      const holding = result as TransitionResult & { readonly replayed?: true };
      tokenAttributes(holding.token, attributes);
      attributes[A.outcome] = holding.token.status;
      attributes[A.category] = holding.token.category;
      attributes[A.effects] = holding.effects.length;
      if (holding.replayed === true) attributes[A.replayed] = true;
      break;
    }
    case 'callNext': {
      const called = (result as { readonly token: Token | null }).token;
      if (called !== null) tokenAttributes(called, attributes);
      attributes[A.effects] = 0;
      break;
    }
    case 'confirm':
    case 'release':
    case 'recall':
    case 'reinstate':
    case 'cancel':
    case 'markNoShow':
    case 'checkIn':
    case 'startConsultation':
    case 'complete':
    case 'forward':
    case 'acceptOffer':
    case 'declineOffer': {
      const transition = result as TransitionResult;
      tokenAttributes(transition.token, attributes);
      attributes[A.effects] = transition.effects.length;
      break;
    }
    case 'move': {
      // The token where the patient is now (a new token of another doctor-day, or the same one).
      const moved = result as { readonly token: Token; readonly effects: readonly OpdEvent[] };
      tokenAttributes(moved.token, attributes);
      attributes[A.effects] = moved.effects.length;
      attributes[A.dryRun] = call.dry === true;
      break;
    }
    case 'getToken':
      tokenAttributes(result as Token, attributes);
      break;
    case 'getSlot':
      attributes[A.doctorId] = (result as SlotView).slot.doctorId;
      break;
    case 'addDoctor':
      attributes[A.doctorId] = (result as { readonly id: string }).id;
      break;
    case 'addRecurringSlots':
      attributes[A.dryRun] = call.dry === true;
      break;
    case 'closeSlot':
    case 'closeSlots':
    case 'closeDay':
    case 'setCapacity':
    case 'reopenSlot':
      effectAttributes(result as readonly OpdEvent[], attributes);
      attributes[A.dryRun] = call.dry === true;
      break;
    case 'sweep':
      attributes[A.effects] = (result as readonly OpdEvent[]).length;
      break;
    case 'retireDoctor':
      effectAttributes((result as { readonly effects: readonly OpdEvent[] }).effects, attributes);
      attributes[A.dryRun] = call.dry === true;
      break;
    default:
  }
  span.setAttributes(attributes);
}

/**
 * Status `ERROR` with the error's message, `error.type` its code, the ids it names, and an
 * exception event with its name, code, message and stack — never its `cause`, which may come
 * from outside the library (a database driver's message can quote a row).
 */
export function failed(span: TelemetrySpan, ids: CallIds | undefined, error: unknown, code: string): void {
  if (!span.isRecording()) return;
  const attributes: Record<string, string | number | boolean> = { [A.outcome]: 'FAILED', [A.errorType]: code };
  // An id refused as input may be anything the caller passed by mistake: only ids the library used.
  if (code !== 'VALIDATION_FAILED') idAttributes(ids, attributes);
  if (isOpdError(error)) {
    idAttributes({ doctorId: error.details['doctorId'], slotId: error.details['slotId'], tokenId: error.details['tokenId'] }, attributes);
    span.recordException({ name: error.name, code: error.code, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) });
    span.setStatus({ code: ERROR, message: error.message });
  } else {
    span.recordException({ name: 'Error', message: 'A failure that is not an OpdError' });
    span.setStatus({ code: ERROR, message: 'A failure that is not an OpdError' });
  }
  span.setAttributes(attributes);
}
