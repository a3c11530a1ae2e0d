/** A report as a FHIR R4 `summary` MeasureReport, stratified by department and category. */
import { invalid } from '../errors.js';
import { readObject } from '../validate.js';
import type { OpdReport, ReportRow } from './types.js';

/** The code system of the report's measures (the groups of a MeasureReport). */
export const REPORT_MEASURE_SYSTEM = 'urn:opd-scheduler:report-measure';
/** The code system of the report's stratifiers (`department`, `category`). */
export const REPORT_STRATIFIER_SYSTEM = 'urn:opd-scheduler:report-stratifier';
const POPULATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/measure-population';

/** The counts of a report each MeasureReport group carries, with their display. */
const MEASURES = [
  ['requested', 'Requests'],
  ['booked', 'Requests given a place'],
  ['attended', 'Consultations completed'],
  ['noShow', 'No-shows'],
  ['cancelledByPatient', 'Cancelled by the patient'],
  ['cancelledByHospital', 'Cancelled by the hospital'],
  ['dropped', 'Dropped'],
] as const satisfies readonly (readonly [keyof ReportRow, string])[];

/** A FHIR CodeableConcept of the MeasureReport. */
export interface FhirReportConcept {
  /** Codes: a system and a code, with a display. */
  readonly coding?: readonly FhirReportCoding[];
  /** Plain text, such as a stratum's value. */
  readonly text?: string;
}

/** A FHIR Coding of the MeasureReport. */
export interface FhirReportCoding {
  /** The code system. */
  readonly system: string;
  /** The code. */
  readonly code: string;
  /** Its display, when given. */
  readonly display?: string;
}

/** A population count of the MeasureReport. */
export interface FhirReportPopulation {
  /** Which population: `initial-population`. */
  readonly code: FhirReportConcept;
  /** How many. */
  readonly count: number;
}

/** One stratum of a stratifier: a group's value and its count. */
export interface FhirReportStratum {
  /** The group's value (a department, a category). */
  readonly value: FhirReportConcept;
  /** Its count. */
  readonly population: readonly FhirReportPopulation[];
}

/** A stratifier of a group: the dimension, and one stratum per value. */
export interface FhirReportStratifier {
  /** The dimension: `department` or `category`. */
  readonly code: readonly FhirReportConcept[];
  /** One stratum per value of the dimension. */
  readonly stratum: readonly FhirReportStratum[];
}

/** A group of the MeasureReport: one count of the report. */
export interface FhirReportGroup {
  /** Which count (`requested`, `attended`…). */
  readonly code: FhirReportConcept;
  /** Its total. */
  readonly population: readonly FhirReportPopulation[];
  /** By department and by category, when the report has those tables. */
  readonly stratifier?: readonly FhirReportStratifier[];
}

/** A FHIR R4 MeasureReport of type `summary`, as {@link toMeasureReport} makes it. */
export interface FhirMeasureReport {
  /** Always `'MeasureReport'`. */
  readonly resourceType: 'MeasureReport';
  /** Always `'complete'`. */
  readonly status: 'complete';
  /** Always `'summary'`: counts, no patient. */
  readonly type: 'summary';
  /** The canonical URL of the Measure. */
  readonly measure: string;
  /** The report's days. */
  readonly period: {
    /** The first day, `YYYY-MM-DD`. */
    readonly start: string;
    /** The last day, `YYYY-MM-DD`. */
    readonly end: string;
  };
  /** Who reports, when given. */
  readonly reporter?: {
    /** A reference, such as `Organization/city-hospital`. */
    readonly reference: string;
  };
  /** One group per count. */
  readonly group: readonly FhirReportGroup[];
}

/** Options of {@link toMeasureReport}. */
export interface MeasureReportOptions {
  /** The canonical URL of the Measure the report is of. */
  readonly measure: string;
  /** A reference to who reports, such as `'Organization/city-hospital'`; left out without it. */
  readonly reporter?: string | undefined;
}

const population = (count: number): FhirReportPopulation => ({ code: { coding: [{ system: POPULATION_SYSTEM, code: 'initial-population' }] }, count });

/**
 * A report as a FHIR R4 MeasureReport of type `summary`: one group per count (requests, places
 * given, consultations completed, no-shows, cancellations by each side, drops), each with its
 * total as the `initial-population` and stratified by department and by category (from the
 * report's tables of those dimensions, when it has them). No patient is named.
 * @param report - the report ({@link opdReport})
 * @param options - the Measure's canonical URL, and who reports
 * @returns the MeasureReport
 * @throws OpdError `VALIDATION_FAILED` for a missing `measure` or a bad `reporter`
 * @example
 * ```ts
 * import { toMeasureReport, type OpdReport } from 'opd-scheduler/reports';
 *
 * declare const march: OpdReport;
 * const resource = toMeasureReport(march, { measure: 'https://hospital.example/fhir/Measure/opd-attendance' });
 * ```
 */
export function toMeasureReport(report: OpdReport, options: MeasureReportOptions): FhirMeasureReport {
  const o = readObject('options', options, new Set(['measure', 'reporter']));
  const measure = o['measure'];
  if (typeof measure !== 'string' || !/^\S+$/.test(measure)) throw invalid('measure', 'Expected `measure` to be the canonical URL of a Measure');
  const reporter = o['reporter'];
  if (reporter !== undefined && (typeof reporter !== 'string' || !/^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(reporter))) {
    throw invalid('reporter', 'Expected `reporter` to be a reference such as `Organization/city-hospital`');
  }
  const stratified = (['department', 'category'] as const).filter((d) => report.tables[d] !== undefined);
  return {
    resourceType: 'MeasureReport',
    status: 'complete',
    type: 'summary',
    measure,
    period: { start: report.from, end: report.to },
    ...(reporter === undefined ? {} : { reporter: { reference: reporter } }),
    group: MEASURES.map(([key, display]) => ({
      code: { coding: [{ system: REPORT_MEASURE_SYSTEM, code: key, display }] },
      population: [population(report.total[key])],
      ...(stratified.length === 0
        ? {}
        : {
            stratifier: stratified.map((d) => ({
              code: [{ coding: [{ system: REPORT_STRATIFIER_SYSTEM, code: d }] }],
              stratum: report.tables[d]!.map((row) => ({ value: { text: row.key }, population: [population(row[key])] })),
            })),
          }),
    })),
  };
}
