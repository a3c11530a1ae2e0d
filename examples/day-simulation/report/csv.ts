/**
 * The day as CSV, one row per token (per preset with `--compare`): what happened to it and how
 * long its patient waited. Token numbers, categories and times only — no patient data.
 *
 * Waits are measured as the report measures them: from when the patient was at the hospital
 * (registering at the desk, or arriving for an online or follow-up booking made earlier) to the
 * start of the consultation. Rounded to whole minutes, they are the report's own figures.
 */
import type { TokenTrack } from '../simulate.js';
import type { Summary } from '../summary.js';
import { slotLabel } from '../simulate.js';
import { clock, MINUTE } from '../time.js';

/** Minutes from arrival at the hospital to the consultation, as the report counts them; `null` when not seen. */
export function waitMinutes(token: TokenTrack): number | null {
  return token.consultStart === null ? null : Math.max(0, token.consultStart - token.presentAt) / MINUTE;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const local = (ms: number | null): string | null => (ms === null ? null : clock(ms));

/** One column: its name, what it holds, and its value for a token. */
interface Column {
  readonly name: string;
  readonly description: string;
  readonly value: (token: TokenTrack, preset: string, doctor: string) => string | number | null;
}

/** The columns, in order (docs: examples/day-simulation/README.md lists them). */
export const CSV_COLUMNS: readonly Column[] = [
  { name: 'preset', description: 'the allocation preset of the simulated day', value: (_, preset) => preset },
  { name: 'doctor_id', description: 'the doctor’s id', value: (t) => t.doctorId },
  { name: 'doctor', description: 'the doctor’s name', value: (_, __, doctor) => doctor },
  { name: 'token_id', description: 'the token’s id', value: (t) => t.id },
  { name: 'token_number', description: 'the token number, per doctor-day', value: (t) => t.tokenNumber },
  { name: 'category', description: 'the request channel (`EMERGENCY`, `PAID`, `FOLLOW_UP`, `ONLINE`, `WALK_IN`)', value: (t) => t.category },
  { name: 'requested_at', description: 'when the token was requested (ISO 8601, UTC)', value: (t) => iso(t.requestedAt) },
  { name: 'requested_time', description: 'the same, as a local clock time (Asia/Kolkata)', value: (t) => local(t.requestedAt) },
  {
    name: 'arrived_at',
    description: 'when the patient was at the hospital: registering at the desk, or arriving for a booking made earlier (ISO 8601, UTC)',
    value: (t) => iso(t.presentAt),
  },
  { name: 'arrival_time', description: 'the same, as a local clock time', value: (t) => local(t.presentAt) },
  { name: 'status', description: 'the token’s status at the end of the day', value: (t) => t.status },
  { name: 'slot', description: 'the slot it ended in, or waited for (`09:00–10:00`), empty if none', value: (t) => slotOf(t) },
  { name: 'bumps', description: 'how many times a more urgent token took its place', value: (t) => t.bumps },
  {
    name: 'consultation_started_at',
    description: 'when its consultation started (ISO 8601, UTC), empty if the patient was not seen',
    value: (t) => iso(t.consultStart),
  },
  { name: 'consultation_time', description: 'the same, as a local clock time', value: (t) => local(t.consultStart) },
  {
    name: 'wait_minutes',
    description: 'whole minutes from `arrived_at` to `consultation_started_at` (the report’s waits), empty if the patient was not seen',
    value: (t) => {
      const wait = waitMinutes(t);
      return wait === null ? null : Math.round(wait);
    },
  },
];

function slotOf(token: TokenTrack): string | null {
  const slot = token.place ?? token.waitingFor ?? token.lastSlot;
  return slot === null ? null : slotLabel(slot);
}

/** One cell: quoted when it holds a comma, quote or line break; a leading `= + - @` is defused for spreadsheets. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Every token of every simulated day in `summaries`, in the order they were created: {@link CSV_COLUMNS}. */
export function tokensCsv(summaries: readonly Summary[]): string {
  const lines = [CSV_COLUMNS.map((column) => column.name).join(',')];
  for (const { result } of summaries) {
    const names = new Map(result.scenario.doctors.map((d) => [d.id, d.name]));
    for (const token of result.tokens.values()) {
      const doctor = names.get(token.doctorId) ?? token.doctorId;
      lines.push(CSV_COLUMNS.map((column) => cell(column.value(token, result.preset, doctor))).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
