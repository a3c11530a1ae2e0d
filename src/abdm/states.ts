/**
 * The UHI fulfillment states of tokens, and the `on_update` / `on_cancel` messages the
 * scheduler's events give a UHI patient: a token checked in or called → `APPOINTMENT_STARTED`,
 * completed → `COMPLETED`, swept → `NO_SHOW`, moved or promoted → `CONFIRMED` with its new place,
 * ended by a leave, a bump or a displacement → `on_cancel` with a D-code.
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

/** Who cancelled an order, as the `@abdm/gov.in/cancelledby` tag says it. */
export type UhiCancelledBy = 'patient' | 'doctor';

/** The reason of each cancellation code, as NHA's v2.0 onboarding document (§8) lists it. */
export const UHI_CANCEL_REASONS: Readonly<Record<UhiCancelCode, string>> = {
  P1: 'PATIENT_PERSONAL_EMERGENCY',
  P2: 'PATIENT_HEALTH_IMPROVED',
  P3: 'PATIENT_UNABLE_TO_VISIT_PHYSICALLY',
  P4: 'DOCTOR_ASKED_TO_CANCEL',
  P5: 'PATIENT_BOOKED_IN_ERROR',
  P6: 'PATIENT_SEEKING_ALTERNATIVE',
  P7: 'PATIENT_OTHER',
  D1: 'DOCTOR_PERSONAL_EMERGENCY',
  D2: 'DOCTOR_UNAVAILABLE',
  D3: 'DOCTOR_SCHEDULE_CHANGE',
  D4: 'FACILITY_CLOSURE',
  D5: 'TECHNICAL_SYSTEM_ISSUE',
  D6: 'DOCTOR_OTHER',
};

/** The cancel reason a token carries when the patient's app (EUA) reported that the doctor did not show (`on_update` `DOCTOR_NO_SHOW`): nothing to push back. */
export const UHI_DOCTOR_NO_SHOW_REASON = 'DOCTOR_NO_SHOW';

/** What an event means for a UHI order: an `on_update` with its state, or an `on_cancel` with its code. */
export type UhiChange =
  | {
      /** An `on_update`: the order stands and its state or its place changed. */
      readonly action: 'on_update';
      /** The token. */
      readonly tokenId: string;
      /** The state the event gives the order (the push shows the order as it is when pushed). */
      readonly state: UhiState;
    }
  | {
      /** An `on_cancel`: the order ended. */
      readonly action: 'on_cancel';
      /** The token. */
      readonly tokenId: string;
      /** Always `CANCELLED` (`DOCTOR_NO_SHOW` is the patient's app's to set, never the provider's). */
      readonly state: 'CANCELLED';
      /** Who cancelled: the doctor's side (D-codes) or the patient (P-codes). */
      readonly cancelledBy: UhiCancelledBy;
      /** The code: D2 bumped or displaced (an emergency, the footfall) or the doctor's leave, D3 the slot's capacity lowered, D4 cancelled by the facility with no code, the given code otherwise. */
      readonly code: UhiCancelCode;
      /** Whether the earliest place should be offered (D2). */
      readonly offerEarliest: boolean;
    };

/**
 * The UHI change an event brings to its token, or `null` when it brings none (a booking, a hold,
 * an estimate, an event of no token). An order that still stands is never told it is cancelled:
 * a token cascaded to another place, waitlisted by a bump or a closed slot, or promoted from the
 * waitlist is an `on_update` (`CONFIRMED`, with its place as it is then). Only an order that ended
 * is an `on_cancel`: dropped by a leave or a bump (D2, the earliest place offered), by a lowered
 * capacity (D3), a hold released for an emergency (D2), a cancel by the facility (its D-code, D4
 * without one) or by the patient at the counter (its P-code, `cancelledby: patient`).
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
    case 'token:promoted':
    case 'token:cascaded':
      return { action: 'on_update', tokenId: event.tokenId, state: 'CONFIRMED' };
    case 'token:bumped':
      // The placement that follows (`token:cascaded`, `token:waitlisted` or `token:dropped`, reason `bumped`) tells it.
      return null;
    case 'token:waitlisted':
      return event.reason === 'full' ? null : { action: 'on_update', tokenId: event.tokenId, state: 'CONFIRMED' };
    case 'token:dropped':
      return doctorCancel(event.tokenId, event.reason === 'capacity-lowered' ? 'D3' : 'D2', true);
    case 'token:released':
      return event.reason === 'released' ? null : doctorCancel(event.tokenId, 'D2', true);
    case 'token:expired':
      return event.fromStatus === 'HELD'
        ? { action: 'on_update', tokenId: event.tokenId, state: 'FAILED' }
        : { action: 'on_update', tokenId: event.tokenId, state: 'NO_SHOW' };
    case 'token:cancelled': {
      if (event.reason === UHI_DOCTOR_NO_SHOW_REASON) return null;
      const patient = event.reason?.match(/^(P[1-7])\b/)?.[1] as UhiCancelCode | undefined;
      if (patient !== undefined)
        return { action: 'on_cancel', tokenId: event.tokenId, state: 'CANCELLED', cancelledBy: 'patient', code: patient, offerEarliest: false };
      const code = (event.reason?.match(/^(D[1-6])\b/)?.[1] as UhiCancelCode | undefined) ?? 'D4';
      return doctorCancel(event.tokenId, code, code === 'D2');
    }
    default:
      return null;
  }
}

function doctorCancel(tokenId: string, code: UhiCancelCode, offerEarliest: boolean): UhiChange {
  return { action: 'on_cancel', tokenId, state: 'CANCELLED', cancelledBy: 'doctor', code, offerEarliest };
}
