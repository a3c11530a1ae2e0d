// The public shapes of a SMART Scheduling Links publication: its options, the manifest, the files
// and the resources they hold (a subset of FHIR R4).
import type { FhirCodeableConcept, FhirIdentifier, FhirMeta, FhirOptions, FhirReference } from './resources.js';
import type { Category } from '../types.js';
import type { bulkPublish } from './publish.js';

/**
 * The URLs of the SMART Scheduling Links extensions a published `Slot` carries: the places left
 * to the channel (`slotCapacity`, a `valueInteger`), the page that books the slot
 * (`bookingDeepLink`, a `valueUrl`) and the number to call (`bookingPhone`, a `valueString`).
 */
export const SMART_SCHEDULING_EXTENSIONS = Object.freeze({
  /** The `slot-capacity` extension (`valueInteger`). */
  slotCapacity: 'http://fhir-registry.smarthealthit.org/StructureDefinition/slot-capacity',
  /** The `booking-deep-link` extension (`valueUrl`). */
  bookingDeepLink: 'http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link',
  /** The `booking-phone` extension (`valueString`). */
  bookingPhone: 'http://fhir-registry.smarthealthit.org/StructureDefinition/booking-phone',
} as const);

/** The kinds of resource a publication's files hold, one kind per file. */
export type BulkPublishResourceType = 'Location' | 'HealthcareService' | 'PractitionerRole' | 'Schedule' | 'Slot';

/** A FHIR `ContactPoint`: a phone number, an e-mail address, a web page. */
export interface FhirContactPoint {
  /** What kind of contact it is. */
  readonly system: 'phone' | 'fax' | 'email' | 'pager' | 'url' | 'sms' | 'other';
  /** The number, address or URL. */
  readonly value: string;
  /** What it is for, when it matters (`work` for a hospital's desk). */
  readonly use?: 'home' | 'work' | 'temp' | 'old' | 'mobile' | undefined;
}

/** A FHIR `Address`, as SMART Scheduling Links asks of a Location: lines, city, state, postal code. */
export interface FhirAddress {
  /** Street name, number, building: one string per line. */
  readonly line?: readonly string[] | undefined;
  /** The city, town or village. */
  readonly city?: string | undefined;
  /** The district or county. */
  readonly district?: string | undefined;
  /** The state or jurisdiction (such as `KA`, `MH`). */
  readonly state?: string | undefined;
  /** The postal code (a PIN code). */
  readonly postalCode?: string | undefined;
  /** The country (ISO 3166 code or name). */
  readonly country?: string | undefined;
}

/**
 * The facility as its SMART Scheduling Links `Location`: where the appointments are. The IG's
 * Location profile asks for `telecom` and an `address` with lines, city, state and postal code;
 * give them for a feed that aggregators accept.
 */
export interface BulkPublishLocation {
  /** The facility's name, as patients know it. */
  readonly name: string;
  /** How to find it, what to bring. */
  readonly description?: string | undefined;
  /** Its postal address. */
  readonly address?: FhirAddress | undefined;
  /** Its phone numbers and other contacts (at most 10). */
  readonly telecom?: readonly FhirContactPoint[] | undefined;
  /** Where it is. */
  readonly position?: FhirPosition | undefined;
}

/** Where a Location is, in WGS84 degrees. */
export interface FhirPosition {
  /** Degrees north (negative: south), from -90 to 90. */
  readonly latitude: number;
  /** Degrees east (negative: west), from -180 to 180. */
  readonly longitude: number;
}

/** Options of {@link bulkPublish}. */
export interface BulkPublishOptions extends Omit<FhirOptions, 'practitioner'> {
  /**
   * Where the files are served (an absolute `http:` or `https:` URL without a query): the
   * manifest is `${baseUrl}/$bulk-publish`, each file `${baseUrl}/<name>`. A trailing `/` is
   * dropped.
   */
  readonly baseUrl: string;
  /**
   * The channel whose bookings the feed describes (a category the priority policy knows, such as
   * `ONLINE`): a Slot is `free` exactly when a booking by this channel would get a place in it.
   */
  readonly channel: Category;
  /**
   * The slots published start at or after this instant. Slots that have ended are never
   * published, so the default reaches back a day to take in sessions under way.
   * @defaultValue `now` minus 24 hours
   */
  readonly from?: Date | string | undefined;
  /**
   * …and before this one; at most 366 days after `from`.
   * @defaultValue `now` plus 14 days
   */
  readonly to?: Date | string | undefined;
  /**
   * Publish only what may have changed since this instant (the `_since` of the request): see
   * {@link bulkPublish} for exactly what that is. Not later than `now`.
   */
  readonly since?: Date | string | undefined;
  /**
   * The states or jurisdictions of the data (`['KA']`), written as every output's
   * `extension.state`: a hint for clients that fetch only some regions.
   * @defaultValue no `extension`
   */
  readonly states?: readonly string[] | undefined;
  /**
   * The booking page of a slot, as a template: `{slotId}`, `{doctorId}` and `{start}` (the slot's
   * start, an ISO 8601 instant) are replaced, URL-encoded; for example
   * `https://hospital.example/book?slot={slotId}&doctor={doctorId}`. Written on every `free`
   * Slot as the `booking-deep-link` extension.
   * @defaultValue no deep link
   */
  readonly bookingLink?: string | undefined;
  /**
   * The number to call to book, written on every `free` Slot as the `booking-phone` extension.
   * @defaultValue no booking phone
   */
  readonly bookingPhone?: string | undefined;
  /**
   * The facility's `Location`. Its id is the facility's id (the scheduler's `facilityId`).
   * @defaultValue a Location named after the facility's id
   */
  readonly location?: BulkPublishLocation | undefined;
  /**
   * The instant written as the manifest's `transactionTime`, and that `from`, `to` and `since`
   * are measured from. The availability is read at the scheduler's clock, so give another instant
   * only for a scheduler whose clock reads it.
   * @defaultValue the scheduler's clock (`opd.now()`)
   */
  readonly now?: Date | undefined;
}

/** One output of a manifest: a file of one kind of resource. */
export interface BulkPublishOutput {
  /** The kind of resource every line of the file is. */
  readonly type: BulkPublishResourceType;
  /** Where the file is served. */
  readonly url: string;
  /** The states or jurisdictions the file covers (the option `states`); omitted without them. */
  readonly extension?: {
    /** State or jurisdiction abbreviations. */
    readonly state: string[];
  };
}

/** A SMART Scheduling Links (FHIR bulk publish) manifest, as served at `${baseUrl}/$bulk-publish`. */
export interface BulkPublishManifest {
  /** The instant the data describes (the `now` of the publication), a FHIR `instant`. */
  readonly transactionTime: string;
  /** The URL the manifest answers: `${baseUrl}/$bulk-publish`, with `?_since=` when asked since an instant. */
  readonly request: string;
  /** The files, one per kind of resource that has any. */
  readonly output: BulkPublishOutput[];
  /** Always empty: a publication that fails is an error, not a manifest. */
  readonly error: [];
}

/** One file of a publication: the NDJSON body the manifest's output of the same `url` points at. */
export interface BulkPublishFile {
  /** The kind of resource every line is. */
  readonly type: BulkPublishResourceType;
  /** Where the manifest says it is served. */
  readonly url: string;
  /** Its file name under `baseUrl` (such as `slots.ndjson`). */
  readonly name: string;
  /** The resources, one minified JSON object per line, each line ending with `\n`. */
  readonly ndjson: string;
  /** How many resources (lines) it holds. */
  readonly count: number;
}

/** What {@link bulkPublish} returns: the manifest and the files it lists. */
export interface BulkPublication {
  /** The manifest, to serve as JSON at its `request` URL. */
  readonly manifest: BulkPublishManifest;
  /** The files the manifest lists, in its order. */
  readonly files: BulkPublishFile[];
  /**
   * Whether the files hold every resource of the window: `true` without `since`, and when the
   * stored history could not say what changed since then (so everything was published).
   */
  readonly complete: boolean;
}

/** The facility, as a FHIR R4 `Location` of a publication. */
export interface FhirLocation {
  /** Always `Location`. */
  readonly resourceType: 'Location';
  /** The facility id as a FHIR id. */
  readonly id: string;
  /** The facility, as a tag. */
  readonly meta: FhirMeta;
  /** The facility id (system `<identifierSystem>facility`). */
  readonly identifier: FhirIdentifier[];
  /** Always `active`. */
  readonly status: 'active';
  /** The facility's name. */
  readonly name: string;
  /** How to find it. */
  readonly description?: string;
  /** Its contacts. */
  readonly telecom?: FhirContactPoint[];
  /** Its postal address. */
  readonly address?: FhirAddress;
  /** Where it is. */
  readonly position?: FhirPosition;
}

/**
 * A department, as a FHIR R4 `HealthcareService` of a publication: the service its doctors
 * give at the facility. Doctors without a department share one service, id `opd.general`.
 */
export interface FhirHealthcareService {
  /** Always `HealthcareService`. */
  readonly resourceType: 'HealthcareService';
  /** The department id as a FHIR id, or `opd.general` (no department id can become it). */
  readonly id: string;
  /** The facility, as a tag. */
  readonly meta: FhirMeta;
  /** The department id (system `<identifierSystem>department`); omitted for `opd.general`. */
  readonly identifier?: FhirIdentifier[];
  /** Always `true`. */
  readonly active: true;
  /** The department, as text. */
  readonly type: FhirCodeableConcept[];
  /** The specializations of its doctors, as text; omitted when none has one. */
  readonly specialty?: FhirCodeableConcept[];
  /** The facility's Location. */
  readonly location: FhirReference[];
  /** The department, or `General OPD`. */
  readonly name: string;
}

/** A doctor's role at the facility, as a FHIR R4 `PractitionerRole` of a publication. */
export interface FhirPractitionerRole {
  /** Always `PractitionerRole`. */
  readonly resourceType: 'PractitionerRole';
  /** The doctor id as a FHIR id (the same as the doctor's Schedule's). */
  readonly id: string;
  /** The facility, as a tag. */
  readonly meta: FhirMeta;
  /** The doctor id (system `<identifierSystem>doctor`). */
  readonly identifier: FhirIdentifier[];
  /** `false` once the doctor has retired. */
  readonly active: boolean;
  /** For a retiring doctor, when the role ends. */
  readonly period?: {
    /** The retirement, a FHIR `dateTime`. */
    readonly end: string;
  };
  /** The doctor, as a `Practitioner` reference (by id and identifier). */
  readonly practitioner: FhirReference;
  /**
   * What the doctor does in the OPD, three concepts: a doctor
   * (`http://terminology.hl7.org/CodeSystem/practitioner-role` `doctor`); the system of medicine
   * practised (`Doctor.system`: `allopathic` or `ayush`, system `<identifierSystem>system-of-medicine`);
   * a specialist OPD or a general one (`Doctor.specialist`: `specialist` or `general`, system
   * `<identifierSystem>opd`).
   */
  readonly code: FhirCodeableConcept[];
  /** The doctor's specialization, as text. */
  readonly specialty?: FhirCodeableConcept[];
  /** The facility's Location. */
  readonly location: FhirReference[];
  /** The doctor's department's HealthcareService. */
  readonly healthcareService: FhirReference[];
}

/** An extension of a published `Slot` (see {@link SMART_SCHEDULING_EXTENSIONS}). */
export type FhirSlotExtension =
  | {
      /** The slot-capacity extension. */
      readonly url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/slot-capacity';
      /** The places left to the channel. */
      readonly valueInteger: number;
    }
  | {
      /** The booking-deep-link extension. */
      readonly url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link';
      /** The page that books the slot. */
      readonly valueUrl: string;
    }
  | {
      /** The booking-phone extension. */
      readonly url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/booking-phone';
      /** The number to call. */
      readonly valueString: string;
    };

/** A slot as one channel finds it, as a FHIR R4 `Slot` of a publication. */
export interface FhirPublishedSlot {
  /** Always `Slot`. */
  readonly resourceType: 'Slot';
  /** The slot id as a FHIR id. */
  readonly id: string;
  /** The facility, as a tag. */
  readonly meta: FhirMeta;
  /** The slot id (system `<identifierSystem>slot`). */
  readonly identifier: FhirIdentifier[];
  /** The doctor's Schedule. */
  readonly schedule: FhirReference;
  /**
   * `free` when a booking by the channel would get a place in it at the publication's
   * `transactionTime`, else `busy`; `busy-unavailable` for a closed slot.
   */
  readonly status: 'free' | 'busy' | 'busy-unavailable';
  /** The start of the slot, a FHIR `instant`. */
  readonly start: string;
  /** Its end. */
  readonly end: string;
  /** `slot-capacity` always (0 unless free); `booking-deep-link` and `booking-phone` on free slots, when given. */
  readonly extension: FhirSlotExtension[];
  /** The places for the channel, or why it has none, in words. */
  readonly comment: string;
}
