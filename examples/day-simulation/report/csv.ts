/**
 * The day as CSV, one row per token (per preset with `--compare`): what happened to it and how
 * long its patient waited. Token numbers, categories and times only — no patient data.
 */
import type { Summary } from '../summary.js';
import { slotLabel } from '../simulate.js';
import { clock, MINUTE } from '../time.js';

/** The columns, in order. */
export const CSV_COLUMNS = [
  'preset',
  'doctor_id',
  'doctor',
  'token_id',
  'token_number',
  'category',
  'requested_at',
  'requested_time',
  'status',
  'slot',
  'bumps',
  'consultation_started_at',
  'consultation_time',
  'wait_minutes',
] as const;

/** One cell: quoted when it holds a comma, quote or line break; a leading `= + - @` is defused for spreadsheets. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * Every token of every simulated day in `summaries`, in the order they were created, with its
 * final status, the slot it ended in (or waited for), the bumps it suffered, when its
 * consultation started and the wait from request to consultation (whole minutes; empty when the
 * patient was not seen). Times are ISO 8601 (UTC) and local clock times (Asia/Kolkata).
 */
export function tokensCsv(summaries: readonly Summary[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const { result } of summaries) {
    const names = new Map(result.scenario.doctors.map((d) => [d.id, d.name]));
    for (const token of result.tokens.values()) {
      const slot = token.place ?? token.waitingFor ?? token.lastSlot;
      const started = token.consultStart;
      lines.push(
        [
          result.preset,
          token.doctorId,
          names.get(token.doctorId) ?? token.doctorId,
          token.id,
          token.tokenNumber,
          token.category,
          new Date(token.requestedAt).toISOString(),
          clock(token.requestedAt),
          token.status,
          slot === null ? null : slotLabel(slot),
          token.bumps,
          started === null ? null : new Date(started).toISOString(),
          started === null ? null : clock(started),
          started === null ? null : Math.round((started - token.requestedAt) / MINUTE),
        ]
          .map(cell)
          .join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
