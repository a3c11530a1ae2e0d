/**
 * The rota file of `import-rota`: a CSV of weekly sessions, one a line, with a header naming the
 * columns (in any order):
 *
 * ```
 * doctor_id,weekday,start,end,slot_minutes,capacity,overflow_capacity,from,to
 * d-42,1,09:00,13:00,15,4,2,2026-02-02,2026-03-29
 * d-42,Wed,14:00,17:00,30,6,,2026-02-02,2026-03-29
 * ```
 *
 * `weekday` is 1 (Monday) … 7 (Sunday), Mon … Sun or Monday … Sunday; `overflow_capacity` may be left empty (the
 * scheduler's default); an optional `except` column lists local dates to skip, separated by
 * spaces or semicolons. Rows of one doctor with the same `from` and `to` are one rota
 * (`addRecurringSlots`). Fields may be quoted with double quotes.
 *
 * A file is at most {@link MAX_ROTA_BYTES}. A refusal names at most {@link MAX_REPORTED_ROWS} bad
 * rows, and quotes a field at most {@link MAX_QUOTED_CHARS} characters long, so that a wrong or
 * hostile file never turns into a message as large as itself.
 */
import type { RotaInput, WeeklyRotaEntry } from 'opd-scheduler';
import { CliFailure } from './errors.js';

/** The largest rota file `import-rota` reads: 8 MiB, about 100,000 rows; a larger one is refused unread past the bound. */
export const MAX_ROTA_BYTES = 8 * 1024 * 1024;
/** How many bad rows (or names of a header) a refusal lists before `and K more`. */
export const MAX_REPORTED_ROWS = 10;
/** How much of a field a refusal quotes; a longer one is cut, with an ellipsis and its length. */
export const MAX_QUOTED_CHARS = 40;

const REQUIRED = ['doctor_id', 'weekday', 'start', 'end', 'slot_minutes', 'capacity', 'from', 'to'] as const;
const OPTIONAL = ['overflow_capacity', 'except'] as const;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const FULL_WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** One doctor's rota from the file, with the line of each weekly entry. */
export interface RotaGroup {
  readonly doctorId: string;
  readonly rota: RotaInput;
  /** The line number (1-based, the header is line 1) of each entry of `rota.weekly`. */
  readonly lines: readonly number[];
}

/** Splits one CSV line into fields (double quotes around a field; `""` inside is a quote). */
function fields(text: string, lineNo: number): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw bad(lineNo, 'a quoted field is not closed');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',') throw bad(lineNo, 'a quoted field is followed by more text');
    } else {
      const end = text.indexOf(',', i);
      field = text.slice(i, end === -1 ? text.length : end);
      i = end === -1 ? text.length : end;
    }
    out.push(field.trim());
    if (i >= text.length) return out;
    i++; // the comma
  }
}

function bad(lineNo: number, message: string): CliFailure {
  return new CliFailure('BAD_ROTA', `line ${lineNo}: ${message}`);
}

/** The start of a text too long to show whole ({@link MAX_QUOTED_CHARS}), or `undefined` for a text short enough. */
function startOf(value: string): string | undefined {
  if (value.length <= MAX_QUOTED_CHARS) return undefined;
  // Never cut between the two halves of a surrogate pair.
  return value.slice(0, /[\uD800-\uDBFF]/.test(value[MAX_QUOTED_CHARS - 1]!) ? MAX_QUOTED_CHARS - 1 : MAX_QUOTED_CHARS);
}

/** A name from the file as a message shows it: whole when short, else its start, an ellipsis and its length. */
export function clip(value: string): string {
  const start = startOf(value);
  return start === undefined ? value : `${start}… (${value.length} characters)`;
}

/** A field of the file quoted in a message: `` `9:00` ``, or `` `9999…` (1048576 characters) `` for a long one. */
function quote(value: string): string {
  const start = startOf(value);
  return start === undefined ? `\`${value}\`` : `\`${start}…\` (${value.length} characters)`;
}

/** Items of a message, at most {@link MAX_REPORTED_ROWS} of them, then how many more there are. */
export function listed(items: readonly string[], separator = ', '): string {
  const shown = items.slice(0, MAX_REPORTED_ROWS).join(separator);
  return items.length > MAX_REPORTED_ROWS ? `${shown}${separator}and ${items.length - MAX_REPORTED_ROWS} more` : shown;
}

/** Column names of the header in a message (`unknown columns a, b`), cut and counted. */
function columns(what: string, names: readonly string[]): string {
  return `${what} column${names.length > 1 ? 's' : ''} ${listed(names.map(clip))}`;
}

function integer(value: string, lineNo: number, column: string): number {
  if (!/^\d{1,9}$/.test(value)) throw bad(lineNo, `\`${column}\`: expected a whole number, got ${quote(value)}`);
  return Number(value);
}

function weekday(value: string, lineNo: number): number {
  if (/^[1-7]$/.test(value)) return Number(value);
  const lower = value.toLowerCase();
  const index = WEEKDAYS.findIndex((name, i) => lower === name || lower === FULL_WEEKDAYS[i]);
  if (index === -1) throw bad(lineNo, `\`weekday\`: expected 1 (Monday) to 7 (Sunday), or Mon to Sun, got ${quote(value)}`);
  return index + 1;
}

function time(value: string, lineNo: number, column: string): string {
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) throw bad(lineNo, `\`${column}\`: expected a time HH:MM, got ${quote(value)}`);
  return value;
}

function date(value: string, lineNo: number, column: string): string {
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ||
    new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
  ) {
    throw bad(lineNo, `\`${column}\`: expected a date YYYY-MM-DD, got ${quote(value)}`);
  }
  return value;
}

/**
 * Reads a rota file into one rota per doctor and date range, in the order they first appear.
 * @throws CliFailure `BAD_ROTA` naming the line and the column of the first bad field
 */
export function parseRotaCsv(text: string): RotaGroup[] {
  const rows = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = fields(rows[0] ?? '', 1).map((h) => h.toLowerCase());
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) throw bad(1, `the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  const unknown = [...new Set(header.filter((h) => !(REQUIRED as readonly string[]).includes(h) && !(OPTIONAL as readonly string[]).includes(h)))];
  if (unknown.length > 0) throw bad(1, columns('unknown', unknown));
  // A column named twice would be read from one of its places only: which value was meant is not known.
  const repeated = [...new Set(header.filter((h, i) => header.indexOf(h) !== i))];
  if (repeated.length > 0) throw bad(1, columns('repeated', repeated));
  const badRows: string[] = [];
  let badCount = 0;
  const groups = new Map<string, { doctorId: string; from: string; to: string; except: Set<string>; weekly: WeeklyRotaEntry[]; lines: number[] }>();
  rows.forEach((row, index) => {
    const lineNo = index + 1;
    if (index === 0 || row.trim() === '' || row.trimStart().startsWith('#')) return;
    try {
      readRow(row, lineNo);
    } catch (error) {
      if (!(error instanceof CliFailure)) throw error;
      // Every row is read, to count the bad ones; the first few are named.
      if (++badCount <= MAX_REPORTED_ROWS) badRows.push(error.message);
    }
  });
  if (badCount === 1) throw new CliFailure('BAD_ROTA', badRows[0]!);
  if (badCount > 1) {
    const more = badCount - badRows.length;
    throw new CliFailure(
      'BAD_ROTA',
      `${badCount} bad rows${more > 0 ? ` (the first ${badRows.length} shown)` : ''}:\n  ${badRows.join('\n  ')}${more > 0 ? `\n  and ${more} more rows` : ''}`,
    );
  }
  if (groups.size === 0) throw bad(1, 'the file has no rota rows');
  return [...groups.values()].map((g) => ({
    doctorId: g.doctorId,
    rota: { weekly: g.weekly, from: g.from, to: g.to, ...(g.except.size === 0 ? {} : { except: [...g.except].sort() }) },
    lines: g.lines,
  }));

  /** Reads one row into its rota; a bad field throws `BAD_ROTA` naming the line, and adds nothing. */
  function readRow(row: string, lineNo: number): void {
    const values = fields(row, lineNo);
    if (values.length !== header.length) throw bad(lineNo, `expected ${header.length} fields as in the header, got ${values.length}`);
    const cell = (column: string): string => values[header.indexOf(column)] ?? '';
    const doctorId = cell('doctor_id');
    if (doctorId === '') throw bad(lineNo, '`doctor_id`: expected a doctor id');
    const from = date(cell('from'), lineNo, 'from');
    const to = date(cell('to'), lineNo, 'to');
    const overflow = cell('overflow_capacity');
    const entry: WeeklyRotaEntry = {
      weekday: weekday(cell('weekday'), lineNo),
      start: time(cell('start'), lineNo, 'start'),
      end: time(cell('end'), lineNo, 'end'),
      slotMinutes: integer(cell('slot_minutes'), lineNo, 'slot_minutes'),
      capacity: integer(cell('capacity'), lineNo, 'capacity'),
      ...(overflow === '' ? {} : { overflowCapacity: integer(overflow, lineNo, 'overflow_capacity') }),
    };
    const except = cell('except')
      .split(/[\s;]+/)
      .filter((d) => d !== '')
      .map((day) => date(day, lineNo, 'except'));
    const key = JSON.stringify([doctorId, from, to]);
    const group = groups.get(key) ?? { doctorId, from, to, except: new Set<string>(), weekly: [], lines: [] };
    groups.set(key, group);
    for (const day of except) group.except.add(day);
    group.weekly.push(entry);
    group.lines.push(lineNo);
  }
}
