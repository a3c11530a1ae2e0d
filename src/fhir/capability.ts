/**
 * The FHIR R4 `CapabilityStatement` of what a server built on `opd-scheduler/fhir` serves: the
 * IHE ITI Scheduling operations on `Appointment`, reads of `Slot` and `Schedule`, and the SMART
 * Scheduling Links `$bulk-publish` feed.
 */
import { invalid } from '../errors.js';
import { isPlainObject } from '../validate.js';

/** Options of {@link capabilityStatement}. */
export interface CapabilityStatementOptions {
  /** The server's FHIR base URL (such as `https://hospital.example/fhir`). */
  readonly baseUrl: string;
  /** Who publishes the server (the hospital). */
  readonly publisher?: string | undefined;
  /** When the statement was written. @defaultValue the time of the call */
  readonly date?: Date | undefined;
  /** Whether the feed `$bulk-publish` is served. @defaultValue true */
  readonly bulkPublish?: boolean | undefined;
  /** Whether an Appointment is cancelled by the `patch` interaction (a JSON Patch of its `status`). @defaultValue false */
  readonly patch?: boolean | undefined;
}

/** An operation a {@link FhirCapabilityStatement} names. */
export interface FhirCapabilityOperation {
  /** Its name, without the `$`. */
  readonly name: string;
  /** The canonical URL of its `OperationDefinition`. */
  readonly definition: string;
  /** What it does, in words. */
  readonly documentation?: string;
}

/** A FHIR R4 `CapabilityStatement` as {@link capabilityStatement} writes it. */
export interface FhirCapabilityStatement {
  /** Always `CapabilityStatement`. */
  readonly resourceType: 'CapabilityStatement';
  /** Always `active`. */
  readonly status: 'active';
  /** When it was written. */
  readonly date: string;
  /** Who publishes the server. */
  readonly publisher?: string;
  /** Always `instance`: the statement of one running server. */
  readonly kind: 'instance';
  /** The server's software. */
  readonly software: {
    /** Always `opd-scheduler`. */
    readonly name: string;
  };
  /** The server. */
  readonly implementation: {
    /** What it serves, in words. */
    readonly description: string;
    /** Its FHIR base URL. */
    readonly url: string;
  };
  /** Always `4.0.0` (FHIR R4). */
  readonly fhirVersion: '4.0.0';
  /** JSON and NDJSON. */
  readonly format: readonly string[];
  /** What the server does. */
  readonly rest: readonly {
    /** Always `server`. */
    readonly mode: 'server';
    /** The resource types served. */
    readonly resource: readonly {
      /** The resource type (`Appointment`). */
      readonly type: string;
      /** The interactions served (`patch`, when a cancel is a patch of the status). */
      readonly interaction?: readonly {
        /** The interaction's code. */
        readonly code: string;
      }[];
      /** The operations on the type (`$find`, `$hold`, `$book`). */
      readonly operation?: readonly FhirCapabilityOperation[];
    }[];
    /** The operations on the whole system (`$bulk-publish`). */
    readonly operation?: readonly FhirCapabilityOperation[];
  }[];
}

/**
 * The `CapabilityStatement` of a server mounting the operations of `opd-scheduler/fhir`, naming
 * only what they serve: `Appointment` with `$find`, `$hold` and `$book` (IHE ITI-115, 116, 117)
 * and, with `patch`, the `patch` interaction that cancels one; and the system operation
 * `$bulk-publish` (SMART Scheduling Links) unless `bulkPublish` is `false`.
 *
 * @param options - the base URL, the publisher, the date
 * @returns a new `CapabilityStatement`, valid against the FHIR R4 JSON schema
 * @throws OpdError `VALIDATION_FAILED` naming the option
 *
 * @example
 * ```ts
 * import { capabilityStatement } from 'opd-scheduler/fhir';
 *
 * // What GET /fhir/metadata answers.
 * const statement = capabilityStatement({ baseUrl: 'https://hospital.example/fhir', publisher: 'City Hospital' });
 * console.log(statement.rest[0]?.resource[0]?.operation?.map((o) => o.name)); // [ 'find', 'hold', 'book' ]
 * ```
 */
export function capabilityStatement(options: CapabilityStatementOptions): FhirCapabilityStatement {
  if (!isPlainObject(options)) throw invalid('options', "Expected `options` with the server's `baseUrl`");
  const { baseUrl, publisher, date, bulkPublish, patch } = options;
  if (typeof baseUrl !== 'string' || !/^https?:\/\/\S+$/.test(baseUrl)) throw invalid('options.baseUrl', 'Expected `options.baseUrl` to be an http(s) URL');
  if (publisher !== undefined && (typeof publisher !== 'string' || publisher.trim() === ''))
    throw invalid('options.publisher', 'Expected `options.publisher` to be a non-empty string');
  if (date !== undefined && !(date instanceof Date && Number.isFinite(date.getTime())))
    throw invalid('options.date', 'Expected `options.date` to be a valid Date');
  if (bulkPublish !== undefined && typeof bulkPublish !== 'boolean') throw invalid('options.bulkPublish', 'Expected `options.bulkPublish` to be a boolean');
  if (patch !== undefined && typeof patch !== 'boolean') throw invalid('options.patch', 'Expected `options.patch` to be a boolean');
  const base = baseUrl.replace(/\/+$/, '');
  const iti = 'https://profiles.ihe.net/ITI/Scheduling/OperationDefinition';
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: (date ?? new Date()).toISOString(),
    ...(publisher === undefined ? {} : { publisher }),
    kind: 'instance',
    software: { name: 'opd-scheduler' },
    implementation: {
      description: 'Out-patient token scheduling: IHE ITI Scheduling and SMART Scheduling Links',
      url: base,
    },
    fhirVersion: '4.0.0',
    format: ['application/fhir+json', 'application/fhir+ndjson'],
    rest: [
      {
        mode: 'server',
        resource: [
          {
            type: 'Appointment',
            ...(patch === true ? { interaction: [{ code: 'patch' }] } : {}),
            operation: [
              {
                name: 'find',
                definition: `${iti}/appointment-find`,
                documentation: 'The places a booking by the channel would get now (ITI-115)',
              },
              {
                name: 'hold',
                definition: `${iti}/appointment-hold`,
                documentation: 'Holds a place until booked, cancelled or expired (ITI-116)',
              },
              {
                name: 'book',
                definition: `${iti}/appointment-book`,
                documentation: 'Books a held or proposed place (ITI-117)',
              },
            ],
          },
        ],
        ...(bulkPublish === false
          ? {}
          : {
              operation: [
                {
                  name: 'bulk-publish',
                  definition: 'http://hl7.org/fhir/smart-app-launch/OperationDefinition/bulk-publish',
                  documentation: 'SMART Scheduling Links: Location, Schedule and Slot as NDJSON',
                },
              ],
            }),
      },
    ],
  };
}
