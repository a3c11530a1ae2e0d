/**
 * `opd-scheduler/reports`: the OPD's numbers from the scheduler's own record.
 *
 * - {@link opdReport} counts requests, bookings, attendance, no-shows, cancellations, drops,
 *   walk-ins, new and repeat patients, waits, lead times, utilisation, elastic places and
 *   emergencies' time to the doctor over a range of days, from the stored events (read a page at
 *   a time), in agreement with `stats()` and `fairness()`.
 * - {@link hmisReturn} fills the OPD items of India's facility HMIS return;
 *   {@link toDhis2DataValueSet} makes it a DHIS2 `dataValueSets` upload.
 * - {@link toMeasureReport} gives the report as a FHIR R4 `summary` MeasureReport.
 * - {@link reportCsv}, {@link hmisCsv} and {@link toCsv} write every table as CSV (RFC 4180);
 *   {@link reportHtml} draws the report as one self-contained HTML page with charts.
 *
 * @packageDocumentation
 */
export { opdReport } from './report.js';
export { NO_GROUP, REPORT_DIMENSIONS } from './types.js';
export type {
  HmisBasis,
  HmisCell,
  MinutesSummary,
  OpdReport,
  OpdReportOptions,
  ReportDimension,
  ReportExit,
  ReportRow,
  ReportSource,
  ReportTables,
  ReportWaits,
} from './types.js';
export { HMIS_OPD_ITEMS, hmisReturn } from './hmis.js';
export type { HmisDayHours, HmisItem, HmisItemLabel, HmisMapping, HmisReferrals, HmisReturnOptions, HmisRow, HmisSelector } from './hmis.js';
export { toDhis2DataValueSet } from './dhis2.js';
export type { Dhis2DataValue, Dhis2DataValueSet, Dhis2DataValueSetOptions, Dhis2Element } from './dhis2.js';
export { REPORT_MEASURE_SYSTEM, REPORT_STRATIFIER_SYSTEM, toMeasureReport } from './measure-report.js';
export type { FhirMeasureReport, FhirReportCoding, FhirReportConcept, FhirReportGroup, FhirReportPopulation, FhirReportStratifier, FhirReportStratum, MeasureReportOptions } from './measure-report.js';
export { hmisCsv, REPORT_CSV_COLUMNS, reportCsv, toCsv } from './csv.js';
export { REPORT_CHARTS, reportHtml } from './html.js';
export type { ReportChart, ReportChartSeries, ReportHtmlOptions } from './html.js';
export type { CsvCell } from './csv.js';
