/** The options of a UHI provider (`UhiProvider`): the facility, its doctors on the national registries, the channel and the secrets; and what it answers besides messages. */
import type { UhiCancellation, UhiFulfillment, UhiLocation, UhiOrderMessage, UhiTermText, UhiTermType } from './uhi-types.js';
import type { UhiOverrideCode } from './states.js';
import type { BecknContext } from './beckn.js';
import type { Category } from '../types.js';

/** A doctor's profile on the national registries, as UHI catalogues show it. */
export interface UhiDoctorProfile {
  /** The HPR id (the agent's `@abdm/gov.in/hpr_id` tag). */
  readonly hprId?: string | undefined;
  /** The HPR address (`…@hpr.ndhm`): the agent's id, by which the consumer's second search names the doctor. */
  readonly hprAddress?: string | undefined;
  /** `M`, `F` or `O`. */
  readonly gender?: 'M' | 'F' | 'O' | undefined;
  /** Degrees (`@abdm/gov.in/education`). */
  readonly education?: string | undefined;
  /** Years of practice, as text (`@abdm/gov.in/experience`). */
  readonly experience?: string | undefined;
  /** Languages spoken (`@abdm/gov.in/languages`). */
  readonly languages?: string | undefined;
}

/** The facility as the catalogue names it. */
export interface UhiFacility {
  /** The provider id of the catalogue (`providers[].id`; a search for another answers nothing). @defaultValue the provider id */
  readonly id?: string | undefined;
  /** Its name. @defaultValue the provider id */
  readonly name?: string | undefined;
  /** The Health Facility Registry id (the agents' `@abdm/gov.in/hfr_id` tag). */
  readonly hfrId?: string | undefined;
  /** The HIP id (the agents' `@abdm/gov.in/hip_id` tag). */
  readonly hipId?: string | undefined;
  /** The system of medicine, the parent category of every speciality. @defaultValue `'Allopathy'` */
  readonly system?: string | undefined;
  /** Where it is. */
  readonly location?: UhiLocation | undefined;
  /** The helpline number of `on_confirm`'s `@abdm/gov.in/helpline_number` tag. */
  readonly helplineNumber?: string | undefined;
}

/** Options of {@link UhiProvider}. */
export interface UhiProviderOptions {
  /** The provider's subscriber id (`context.provider_id` of the answers). */
  readonly providerId: string;
  /** The provider's URI (`context.provider_uri`). */
  readonly providerUri: string;
  /**
   * The channel UHI bookings take (a category the priority policy knows): give it its own quota
   * and booking window in the scheduler's options. @defaultValue `'ONLINE'`
   */
  readonly category?: Category | undefined;
  /** The secret the check-in PIN is derived from (HMAC-SHA256 of the token and its day): at least 16 characters, the same in every process. */
  readonly pinSecret: string;
  /** Minutes an `init` holds its place. @defaultValue {@link UHI_HOLD_MINUTES} */
  readonly holdMinutes?: number | undefined;
  /** The consultation fee of each doctor, in rupees, by doctor id (`0` when absent: payment `FREE`). */
  readonly fees?: Readonly<Record<string, number>> | undefined;
  /** The doctors' registry profiles, by the scheduler's doctor id: the HPR address a consumer searches by, the HPR id and the rest of the agent's tags. */
  readonly doctors?: Readonly<Record<string, UhiDoctorProfile>> | undefined;
  /** Each doctor's HPR id, by doctor id: the same as `doctors[id].hprId` (kept for older configurations). */
  readonly hprIds?: Readonly<Record<string, string>> | undefined;
  /** The facility: its catalogue id and name, HFR and HIP ids, location. */
  readonly facility?: UhiFacility | undefined;
  /** The text of the five terms, by type (each defaults to a short honest text of a pay-at-clinic booking). */
  readonly terms?: Readonly<Partial<Record<UhiTermType, UhiTermText>>> | undefined;
  /** Who the events of UHI calls name as their actor. @defaultValue `'uhi'` */
  readonly actor?: string | undefined;
}

/** How a patient checks in: the PIN, or an override code with the member of staff who used it. */
export type UhiCheckIn =
  | {
      /** The four digits the patient shows. */
      readonly pin: string;
    }
  | {
      /** O1–O6 (among them an emergency and an elderly patient). */
      readonly override: UhiOverrideCode;
      /** The member of staff (stamped on the event with the code). */
      readonly actor: string;
    };

/** An `on_update` or `on_cancel` to push to the consumer that made the order. */
export interface UhiPush {
  /** `on_update` (the order stands: its state or its place changed) or `on_cancel` (it ended). */
  readonly action: 'on_update' | 'on_cancel';
  /** The envelope: the order's transaction and consumer, a new message id, now. */
  readonly context: BecknContext;
  /** The full order as it is now, as NHA's samples push it. */
  readonly message: UhiOrderMessage;
  /** Why it ended (`on_cancel`). */
  readonly cancellation?: UhiCancellation | undefined;
  /** For D2: the earliest place the UHI channel would get with the doctor now, if any, for the application to offer (UHI publishes no field for it). */
  readonly offer?: UhiFulfillment | undefined;
}
