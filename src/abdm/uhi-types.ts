/**
 * The shapes of the UHI messages a provider sends, as NHA's *UHI Physical Consultation v2.0*
 * onboarding document publishes them (`message.catalog.providers[]`, `@abdm/gov.in/…` tags,
 * fulfillment type `Physical`, five terms, the PIN's `authorization`).
 */
import type { UhiCancelCode, UhiCancelledBy, UhiState } from './states.js';

/** A time of a UHI fulfillment: a local wall time of the facility, no zone (`2026-04-16T10:00:00`), as NHA's samples give it. */
export interface UhiTime {
  /** The time. */
  readonly time: {
    /** The local wall time, `YYYY-MM-DDTHH:mm:ss`. */
    readonly timestamp: string;
  };
}

/** A doctor as the agent of a fulfillment. */
export interface UhiAgent {
  /** The doctor's HPR address (`…@hpr.ndhm`) when configured, else the scheduler's doctor id. */
  readonly id: string;
  /** The doctor's name. */
  readonly name: string;
  /** `M`, `F` or `O`, when configured. */
  readonly gender?: string | undefined;
  /** `@abdm/gov.in/hpr_id`, `@abdm/gov.in/hfr_id`, `@abdm/gov.in/hip_id`, `@abdm/gov.in/education`, `@abdm/gov.in/experience`, `@abdm/gov.in/languages`, as configured. */
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** A doctor's time slot: a UHI fulfillment. */
export interface UhiFulfillment {
  /** The slot id. */
  readonly id: string;
  /** Always `Physical` (case-sensitive: `Online` is a teleconsultation). */
  readonly type: 'Physical';
  /** The doctor. */
  readonly agent: UhiAgent;
  /** The slot's start. */
  readonly start: UhiTime;
  /** The slot's end. */
  readonly end: UhiTime;
  /** The order's tags: `@abdm/gov.in/slot_id`, the support tags of `on_confirm`, `@abdm/gov.in/cancelledby` and `@abdm/gov.in/cancel_reason` of `on_cancel`. */
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** A price in rupees. */
export interface UhiPrice {
  /** Always `INR`. */
  readonly currency: 'INR';
  /** The amount, as text (`500.0`). */
  readonly value: string;
}

/** The consultation of one slot. */
export interface UhiItem {
  /** The doctor id: a consultation with that doctor. */
  readonly id: string;
  /** Always `{ name: 'Consultation', code: 'CONSULTATION' }`. */
  readonly descriptor: {
    /** `Consultation`. */
    readonly name: string;
    /** `CONSULTATION`. */
    readonly code: string;
  };
  /** The fee. */
  readonly price: UhiPrice;
  /** The doctor's speciality category, when known. */
  readonly category_id?: string | undefined;
  /** The slot. */
  readonly fulfillment_id: string;
}

/** A category of the catalogue: the system of medicine, and each speciality under it. */
export interface UhiCategory {
  /** The category id (its code). */
  readonly id: string;
  /** The system's id, for a speciality. */
  readonly parent_category_id?: string | undefined;
  /** Its name and code. */
  readonly descriptor: {
    /** The name (`Cardiology`). */
    readonly name: string;
    /** The code (`CARDIOLOGY`). */
    readonly code: string;
  };
}

/** The facility's location, as configured. */
export interface UhiLocation {
  /** `lat,long`. */
  readonly gps?: string | undefined;
  /** The address. */
  readonly address?: string | undefined;
  /** The city. */
  readonly city?:
    | {
        /** The city's name. */
        readonly name: string;
        /** The city's code (`std:080`). */
        readonly code: string;
      }
    | undefined;
}

/** The facility in an order: its id, and in `on_confirm` its name, categories and location. */
export interface UhiOrderProvider {
  /** The facility's id. */
  readonly id: string;
  /** Its name (`on_confirm`). */
  readonly descriptor?:
    | {
        /** The facility's name. */
        readonly name: string;
      }
    | undefined;
  /** Its categories (`on_confirm`). */
  readonly categories?: readonly UhiCategory[] | undefined;
  /** Its location (`on_confirm`, when configured). */
  readonly location?: UhiLocation | undefined;
}

/** The facility in the catalogue. */
export interface UhiCatalogProvider {
  /** The facility's id. */
  readonly id: string;
  /** Its name. */
  readonly descriptor: {
    /** The name. */
    readonly name: string;
  };
  /** The system of medicine and the specialities of the doctors found. */
  readonly categories: readonly UhiCategory[];
  /** The slots a UHI booking would get now. */
  readonly fulfillments: readonly UhiFulfillment[];
  /** A consultation per slot. */
  readonly items: readonly UhiItem[];
  /** Its location, when configured. */
  readonly location?: UhiLocation | undefined;
}

/** The `message` of `on_search`. */
export interface UhiOnSearchMessage {
  /** The catalogue. */
  readonly catalog: {
    /** The facility's name. */
    readonly descriptor: {
      /** The name. */
      readonly name: string;
    };
    /** The facility, or none when nothing matched (another provider id, a teleconsultation). */
    readonly providers: readonly UhiCatalogProvider[];
  };
}

/** The five term types of UHI, in the order NHA's samples list them. */
export const UHI_TERM_TYPES = ['Commercial', 'Settlement', 'Cancellation', 'Refund', 'Payment'] as const;

/** A UHI term type. */
export type UhiTermType = (typeof UHI_TERM_TYPES)[number];

/** The text of a term. */
export interface UhiTermText {
  /** Its title. */
  readonly name: string;
  /** One line. */
  readonly short_desc: string;
  /** The full text. */
  readonly long_desc: string;
}

/** A term of an order: `INITIATED` in `on_init`, `AGREED` once the patient agreed (`confirm`, `on_confirm`). */
export interface UhiTerm {
  /** The type. */
  readonly type: UhiTermType;
  /** Its text. */
  readonly descriptor: UhiTermText;
  /** Whether a reason is asked (the cancellation terms). */
  readonly reasonRequired: boolean;
  /** Until when it holds: the slot's start. */
  readonly timePeriod: string;
  /** The reason given, `''` for none. */
  readonly reason: string;
  /** `INITIATED` or `AGREED`. */
  readonly termsState: 'INITIATED' | 'AGREED';
}

/** The price of an order and its breakup. */
export interface UhiQuote {
  /** The total. */
  readonly price: UhiPrice;
  /** Its rows (the consultation fee). */
  readonly breakup: readonly {
    /** What the line is for (`Consultation`). */
    readonly title: string;
    /** Its price. */
    readonly price: UhiPrice;
  }[];
}

/** How the order is paid: on order, at the clinic. */
export interface UhiPayment {
  /** Always `ON-ORDER`. */
  readonly type: 'ON-ORDER';
  /** `FREE` for a consultation of no fee, else `NOT_PAID` (paid at the clinic). */
  readonly status: 'NOT_PAID' | 'FREE';
  /** The amount, as text. */
  readonly params: {
    /** The amount, in the quote's currency. */
    readonly amount: string;
  };
}

/** The PIN statuses a provider sends: `GENERATED` at `on_confirm`, `VERIFIED` after a check-in with it, `HSPA_OVERRIDE` after a check-in without it. */
export type UhiPinStatus = 'GENERATED' | 'VERIFIED' | 'HSPA_OVERRIDE';

/** The check-in PIN of a confirmed order. */
export interface UhiAuthorization {
  /** Always `PIN`. */
  readonly type: 'PIN';
  /** Four digits. */
  readonly token: string;
  /** The start of the appointment's day (local wall time). */
  readonly valid_from: string;
  /** The end of the appointment's day, `…T23:59:00`. */
  readonly valid_to: string;
  /** Where the PIN stands. */
  readonly status: UhiPinStatus;
}

/** An order, as each answer and push carries it. */
export interface UhiOrder {
  /** The order id: the token id (absent in `on_select`). */
  readonly id?: string | undefined;
  /** The facility. */
  readonly provider?: UhiOrderProvider | undefined;
  /** The UHI state; absent before confirmation (`on_select`, `on_init`, a held order): UHI publishes no state for an order not yet confirmed. */
  readonly state?: UhiState | undefined;
  /** The consultation. */
  readonly item: UhiItem;
  /** The slot: absent for an order waiting without a place. */
  readonly fulfillment?: UhiFulfillment | undefined;
  /** The billing details the consumer sent (`on_confirm`), echoed. */
  readonly billing?: Readonly<Record<string, unknown>> | undefined;
  /** The patient the consumer sent (`on_confirm`), echoed. */
  readonly customer?: Readonly<Record<string, unknown>> | undefined;
  /** The price (`on_select`, `on_init`, `on_confirm`). */
  readonly quote?: UhiQuote | undefined;
  /** How it is paid. */
  readonly payment?: UhiPayment | undefined;
  /** The five terms (`on_init`, `on_confirm`). */
  readonly terms?: readonly UhiTerm[] | undefined;
  /** The check-in PIN, once confirmed. */
  readonly authorization?: UhiAuthorization | undefined;
}

/** The `message` of `on_select`, `on_init`, `on_confirm`, `on_status`, `on_update` and `on_cancel`. */
export interface UhiOrderMessage {
  /** The order. */
  readonly order: UhiOrder;
}

/** What the consumer that calls is known to be: the subscriber a verified signature named ({@link verifyBecknRequest}). */
export interface UhiCaller {
  /** The subscriber id of the verified `Authorization` header: it must be the call's `context.consumer_id`, and it may read and end every order it made. */
  readonly subscriberId: string;
}

/** Why an order was cancelled, for the application (the message carries it in the fulfillment's tags). */
export interface UhiCancellation {
  /** The P- or D-code. */
  readonly code: UhiCancelCode;
  /** Who cancelled. */
  readonly cancelledBy: UhiCancelledBy;
}
