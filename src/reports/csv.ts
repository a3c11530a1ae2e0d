/** Tables as CSV (RFC 4180): every table of a report, and the HMIS return. */
import { invalid } from '../errors.js';
import type { HmisRow } from './hmis.js';
import type { MinutesSummary, OpdReport, ReportDimension, ReportRow } from './types.js';

/** A CSV cell: text, a number, a boolean, or `null` for an empty cell. */
export type CsvCell = string | number | boolean | null;

/** One field as RFC 4180 writes it: quoted when it holds a comma, a quote, CR or LF, its quotes doubled. */
function field(value: CsvCell): string {
  if (value === null) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A table as CSV text (RFC 4180): a header line, then one line per row, each ending with CRLF.
 * @param header - the column names
 * @param rows - the rows, each as many cells as the header
 * @returns the text
 */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  let out = `${header.map(field).join(',')}\r\n`;
  for (const row of rows) out += `${row.map(field).join(',')}\r\n`;
  return out;
}

/** The columns of a report's row, in CSV order. */
export const REPORT_CSV_COLUMNS = [
  'key',
  'requested',
  'booked',
  'attended',
  'noShow',
  'cancelledByPatient',
  'cancelledByHospital',
  'dropped',
  'walkIns',
  'walkInShare',
  'emergencies',
  'elasticBookings',
  'newPatients',
  'repeatPatients',
  'capacity',
  'places',
  'overflowUsed',
  'utilisation',
  'dueToCallCount',
  'dueToCallP50',
  'dueToCallP95',
  'checkInToCallP50',
  'checkInToCallP95',
  'checkInToConsultationP50',
  'checkInToConsultationP95',
  'leadTimeP50',
  'leadTimeP95',
  'emergencyToDoctorCount',
  'emergencyToDoctorP50',
  'emergencyToDoctorP95',
] as const;

const p = (s: MinutesSummary): [number | null, number | null] => [s.p50, s.p95];

function cells(r: ReportRow): CsvCell[] {
  return [
    r.key,
    r.requested,
    r.booked,
    r.attended,
    r.noShow,
    r.cancelledByPatient,
    r.cancelledByHospital,
    r.dropped,
    r.walkIns,
    r.walkInShare,
    r.emergencies,
    r.elasticBookings,
    r.newPatients,
    r.repeatPatients,
    r.capacity,
    r.places,
    r.overflowUsed,
    r.utilisation,
    r.waits.dueToCall.count,
    ...p(r.waits.dueToCall),
    ...p(r.waits.checkInToCall),
    ...p(r.waits.checkInToConsultation),
    ...p(r.leadTime),
    r.emergencyToDoctor.count,
    ...p(r.emergencyToDoctor),
  ];
}

/**
 * One table of a report as CSV: a line per row (the dimension's value as `key`), waits in minutes,
 * an empty cell where a figure is `null`.
 * @param report - the report
 * @param table - the dimension of the table, or `'total'` for the one line of the whole report
 * @returns the CSV text
 * @throws OpdError `VALIDATION_FAILED` when the report has no such table
 */
export function reportCsv(report: OpdReport, table: ReportDimension | 'total'): string {
  const rows = table === 'total' ? [report.total] : report.tables[table];
  if (rows === undefined) throw invalid('table', `The report has no table \`${table}\`: ask for it with \`by\``);
  return toCsv(REPORT_CSV_COLUMNS, rows.map(cells));
}

/**
 * An HMIS return as CSV: `item,label,value`.
 * @param rows - the rows of {@link hmisReturn}
 * @returns the CSV text
 */
export function hmisCsv(rows: readonly HmisRow[]): string {
  return toCsv(['item', 'label', 'value'], rows.map((r) => [r.item, r.label, r.value]));
}

