/**
 * The UHI fulfillment states of tokens, and the `on_update` / `on_cancel` messages the
 * scheduler's events give a UHI patient: a token checked in or called → `APPOINTMENT_STARTED`,
 * completed → `COMPLETED`, swept → `NO_SHOW`, a leave → a D-code, a bump or displacement → D2.
 */
import type { OpdEvent } from '../events.js';
import type { TokenStatus } from '../types.js';

/** The fulfillment states a UHI provider pushes. */
export const UHI_STATES = ['CONFIRMED', 'APPOINTMENT_STARTED', 'COMPLETED', 'CANCELLED', 'NO_SHOW', 'DOCTOR_NO_SHOW', 'FAILED'] as const;

/** A UHI fulfillment state. */
export type UhiState = (typeof UHI_STATES)[number];

/** The UHI cancellation codes: P1–P7 given by the patient, D1–D6 by the doctor's side. */
export const UHI_CANCEL_CODES = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'D1', 'D2', 'D3', 'D4', 'D5', 'D6'] as const;

/** A UHI cancellation code. */
export type UhiCancelCode = (typeof UHI_CANCEL_CODES)[number];

/** The check-in override codes of UHI (among them an emergency and an elderly patient). */
export const UHI_OVERRIDE_CODES = ['O1', 'O2', 'O3', 'O4', 'O5', 'O6'] as const;

/** A UHI check-in override code. */
export type UhiOverrideCode = (typeof UHI_OVERRIDE_CODES)[number];

/**
 * The UHI state of a token's status: `HELD` is `null` (an order initiated, not yet a state),
 * `BOOKED` and `WAITLISTED` `CONFIRMED`, `CHECKED_IN` and `IN_CONSULTATION` `APPOINTMENT_STARTED`,
 * `COMPLETED`, `CANCELLED` and `NO_SHOW` themselves, `DROPPED` (displaced with no place left)
 * `CANCELLED`.
 */
export function uhiStateOf(status: TokenStatus): UhiState | null {
  switch (status) {
    case 'HELD':
      return null;
    case 'BOOKED':
    case 'WAITLISTED':
      return 'CONFIRMED';
    case 'CHECKED_IN':
    case 'IN_CONSULTATION':
      return 'APPOINTMENT_STARTED';
    case 'COMPLETED':
      return 'COMPLETED';
    case 'CANCELLED':
    case 'DROPPED':
      return 'CANCELLED';
    case 'NO_SHOW':
      return 'NO_SHOW';
  }
}

/** What an event means for a UHI order: an `on_update` with its state, or an `on_cancel` with its code. */
export type UhiChange =
  | {
      /** An `on_update`: the order's state changed. */
      readonly action: 'on_update';
      /** The token. */
      readonly tokenId: string;
      /** The new state. */
      readonly state: UhiState;
    }
  | {
      /** An `on_cancel` (or, for D2, an `on_update` offering the earliest place). */
      readonly action: 'on_cancel';
      /** The token. */
      readonly tokenId: string;
      /** `CANCELLED`, or `DOCTOR_NO_SHOW` when the doctor's day was closed under the patient. */
      readonly state: UhiState;
      /** The D-code: D1 the doctor's leave closed the slot, D2 bumped or displaced (an emergency, the footfall), D3 the slot's capacity lowered, D4 cancelled by the facility. */
      readonly code: UhiCancelCode;
      /** Whether the earliest place should be offered (D2). */
      readonly offerEarliest: boolean;
    };

/**
 * The UHI change an event brings to its token, or `null` when it brings none (a booking, a hold,
 * an estimate, an event of no token). A bump is told by the placement that follows it
 * (`token:cascaded`, `token:waitlisted`, `token:dropped` with reason `bumped`): a D2 `on_cancel`
 * that offers the earliest place; a token
 * dropped by a leave is D1, by a lowered capacity D3; a cancel by the facility (with an actor
 * and no patient code) D4.
 *
 * @param event - an event of the scheduler (`opd.on`, `opd.tail`)
 * @returns the UHI change, or `null`
 */
export function uhiChangeOf(event: OpdEvent): UhiChange | null {
  switch (event.type) {
    case 'token:checked-in':
    case 'token:called':
    case 'token:consultation-started':
      return { action: 'on_update', tokenId: event.tokenId, state: 'APPOINTMENT_STARTED' };
    case 'token:completed':
      return { action: 'on_update', tokenId: event.tokenId, state: 'COMPLETED' };
    case 'token:no-show':
      return { action: 'on_update', tokenId: event.tokenId, state: 'NO_SHOW' };
    case 'token:confirmed':
    case 'token:reinstated':
      return { action: 'on_update', tokenId: event.tokenId, state: 'CONFIRMED' };
    case 'token:bumped':
      // The placement that follows (`token:cascaded`, `token:waitlisted` or `token:dropped`, reason `bumped`) tells it.
      return null;
    case 'token:cascaded':
    case 'token:dropped':
      return displaced(event.tokenId, event.reason);
    case 'token:waitlisted':
      return event.reason === 'full' ? null : displaced(event.tokenId, event.reason);
    case 'token:expired':
      return event.fromStatus === 'HELD' ? { action: 'on_update', tokenId: event.tokenId, state: 'FAILED' } : { action: 'on_update', tokenId: event.tokenId, state: 'NO_SHOW' };
    case 'token:cancelled':
      return event.reason !== null && /^P[1-7]\b/.test(event.reason) ? { action: 'on_update', tokenId: event.tokenId, state: 'CANCELLED' } : { action: 'on_cancel', tokenId: event.tokenId, state: 'CANCELLED', code: dCodeOf(event.reason), offerEarliest: dCodeOf(event.reason) === 'D2' };
    default:
      return null;
  }
}

function displaced(tokenId: string, reason: 'bumped' | 'slot-closed' | 'capacity-lowered'): UhiChange {
  if (reason === 'slot-closed') return { action: 'on_cancel', tokenId, state: 'DOCTOR_NO_SHOW', code: 'D1', offerEarliest: true };
  if (reason === 'capacity-lowered') return { action: 'on_cancel', tokenId, state: 'CANCELLED', code: 'D3', offerEarliest: true };
  return { action: 'on_cancel', tokenId, state: 'CANCELLED', code: 'D2', offerEarliest: true };
}

function dCodeOf(reason: string | null): UhiCancelCode {
  const code = reason?.match(/^(D[1-6])\b/)?.[1];
  return (code as UhiCancelCode | undefined) ?? 'D4';
}
