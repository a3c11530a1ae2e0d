/**
 * A store's history as the lab reads it: the doctors and slots of the days it covers, which
 * tokens are one patient's, then the events in storage order. As JSON lines, one object per line:
 * `{"type":"lab:doctor",…}`, `{"type":"lab:slot",…}`, `{"type":"lab:patient",…}`, then each
 * event as `history()` gives it. No patient data: events carry none, doctors and slots are the
 * hospital's own, and a patient is only the list of their tokens' ids.
 */
import { invalid, type OpdError } from '../errors.js';
import type { OpdEvent } from '../events.js';
import type { OpdScheduler } from '../scheduler.js';
import type { Doctor, Slot } from '../types.js';

/** A doctor of the history, as it was when the history was exported. */
export interface DoctorLine {
  /** Always `'lab:doctor'`. */
  readonly type: 'lab:doctor';
  /** The doctor. */
  readonly doctor: Doctor;
}

/** A slot of the history, as it was when the history was exported. */
export interface SlotLine {
  /** Always `'lab:slot'`. */
  readonly type: 'lab:slot';
  /** The slot. */
  readonly slot: Slot;
}

/**
 * The tokens of one patient of the history (a patient with two tokens or more), so that a replay
 * gives them one pseudonym and the duplicate-booking rules see one patient, as the recorded
 * store did. Token ids only: never the patient's id or any other patient data.
 */
export interface PatientLine {
  /** Always `'lab:patient'`. */
  readonly type: 'lab:patient';
  /** The patient's tokens made by requests of the history, in the order the history made them. */
  readonly tokenIds: readonly string[];
}

/** One line of a history file: a doctor, a slot, a patient's tokens or an event. */
export type HistoryLine = DoctorLine | SlotLine | PatientLine | OpdEvent;

/**
 * A store's history: its doctors and slots as they were at the export (the lab works back
 * through the events to how they were at the start), and its events in storage order.
 */
export interface LabHistory {
  /** The doctors. */
  readonly doctors: readonly Doctor[];
  /** The slots of the days the history covers. */
  readonly slots: readonly Slot[];
  /** The events, in `seq` order. */
  readonly events: readonly OpdEvent[];
  /**
   * Each patient with two tokens or more: their tokens' ids, in the order the history made them
   * (see {@link PatientLine}). A token in none is a patient of its own (so is every token of a
   * history without this list, and of a patient whose data was erased before the export).
   * @defaultValue none
   */
  readonly patients?: readonly (readonly string[])[] | undefined;
}

/** Anything the lab takes as a history: one already read, its lines, or the text of a JSON-lines file. */
export type HistoryInput = LabHistory | Iterable<HistoryLine> | string;

/** Options of {@link exportHistory}. */
export interface ExportHistoryOptions {
  /** Only events with `seq` greater than this. @defaultValue 0 */
  readonly after?: number | undefined;
  /**
   * The local days (`YYYY-MM-DD`) whose slots to export, besides the days the events name.
   * @defaultValue the days the events name
   */
  readonly days?: readonly string[] | undefined;
}

/** Events read per page of `history()`. */
const PAGE = 1000;

/**
 * Reads a scheduler's history for the lab: every event (in pages of `history()`), every doctor,
 * the slots of every day the events name, and which of the tokens the events' requests made are
 * one patient's (each such token read once; the patients' ids are compared, never written).
 * @param opd - the scheduler whose store to read
 * @param options - see {@link ExportHistoryOptions}
 * @returns the history, ready for {@link replay} or {@link historyToJsonLines}
 */
export async function exportHistory(opd: OpdScheduler, options: ExportHistoryOptions = {}): Promise<LabHistory> {
  const doctors: Doctor[] = [];
  const slots: Slot[] = [];
  const patients: (readonly string[])[] = [];
  const events: OpdEvent[] = [];
  for await (const line of exportHistoryLines(opd, options)) {
    if (line.type === 'lab:doctor') doctors.push(line.doctor);
    else if (line.type === 'lab:slot') slots.push(line.slot);
    else if (line.type === 'lab:patient') patients.push(line.tokenIds);
    else events.push(line);
  }
  return { doctors, slots, events, patients };
}

/**
 * {@link exportHistory} a line at a time, never holding the history: the events are read twice,
 * a page of `history()` at a time — first for the doctor-days they name (only those are held),
 * then to yield them — with every doctor and the slots of those days (as they stand) between, so
 * the lines are a history {@link readHistory} and {@link replay} read as one. The second reading
 * stops at the last event of the first: an event stored meanwhile, whose day may have no slot
 * line, is left to the next export. `opd-scheduler export-history` writes these lines.
 * @param opd - the scheduler whose store to read
 * @param options - see {@link ExportHistoryOptions}; with `after`, the lines are a history of the
 *   events after it, of its own: the doctors as they stand and the slots of the days those
 *   events name, which {@link replay} works back to how they were after `after`
 * @returns the doctor lines, the slot lines, then the events in `seq` order
 */
export async function* exportHistoryLines(opd: OpdScheduler, options: ExportHistoryOptions = {}): AsyncGenerator<HistoryLine, void, undefined> {
  const from = options.after ?? 0;
  const days = new Map<string, Set<string>>();
  const wanted = (doctorId: string, day: string): void => {
    let set = days.get(doctorId);
    if (set === undefined) days.set(doctorId, (set = new Set()));
    set.add(day);
  };
  const patients = new PatientGroups(opd);
  let last = from;
  for (;;) {
    const page = await opd.history({ after: last, limit: PAGE });
    if (page.length === 0) break;
    for (const e of page) {
      if ('day' in e) wanted(e.doctorId, e.day);
      await patients.add(e);
    }
    last = page[page.length - 1]!.seq;
  }
  const doctors = await opd.listDoctors();
  for (const doctor of doctors) for (const day of options.days ?? []) wanted(doctor.id, day);
  for (const doctor of doctors) yield { type: 'lab:doctor', doctor };
  for (const doctor of doctors) {
    for (const day of [...(days.get(doctor.id) ?? [])].sort()) {
      const schedule = await opd.getSchedule(doctor.id, day);
      for (const view of schedule.slots) yield { type: 'lab:slot', slot: view.slot };
    }
  }
  for (const tokenIds of patients.groups()) yield { type: 'lab:patient', tokenIds };
  let after = from;
  while (after < last) {
    const page = await opd.history({ after, limit: PAGE });
    if (page.length === 0) break;
    for (const e of page) {
      if (e.seq > last) return;
      yield e;
    }
    after = page[page.length - 1]!.seq;
  }
}

/**
 * The tokens of each patient with two or more among those the events' requests made (a new
 * token's booking, waitlisting or hold), in the order the events made them, gathered event by
 * event: each such token read once, the patients' ids compared in memory and never written. A
 * token whose patient has no id (or was erased) is nobody else's.
 */
class PatientGroups {
  readonly #opd: OpdScheduler;
  readonly #byPatient = new Map<string, string[]>();
  readonly #seen = new Set<string>();
  constructor(opd: OpdScheduler) {
    this.#opd = opd;
  }
  async add(e: OpdEvent): Promise<void> {
    if ((e.type !== 'token:booked' && e.type !== 'token:waitlisted' && e.type !== 'token:held') || this.#seen.has(e.tokenId)) return;
    this.#seen.add(e.tokenId);
    const id = (await this.#opd.getToken(e.tokenId)).patient.id;
    if (typeof id !== 'string') return;
    const list = this.#byPatient.get(id);
    if (list === undefined) this.#byPatient.set(id, [e.tokenId]);
    else list.push(e.tokenId);
  }
  /** Each patient's tokens, for the patients with two or more. */
  groups(): (readonly string[])[] {
    return [...this.#byPatient.values()].filter((ids) => ids.length > 1);
  }
}

/**
 * The history as JSON lines: the doctors, the slots, the patients' tokens, then the events, one
 * JSON object a line.
 * @param history - a history
 * @returns the text, each line ending with a newline
 */
export function historyToJsonLines(history: LabHistory): string {
  const lines: string[] = [];
  for (const doctor of history.doctors) lines.push(JSON.stringify({ type: 'lab:doctor', doctor }));
  for (const slot of history.slots) lines.push(JSON.stringify({ type: 'lab:slot', slot }));
  for (const tokenIds of history.patients ?? []) lines.push(JSON.stringify({ type: 'lab:patient', tokenIds }));
  for (const event of history.events) lines.push(JSON.stringify(event));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * The doctors and slots a history defines, run after run, so that an event naming one it does not
 * define is refused before the replay issues anything of its run (a history of events alone would
 * otherwise replay into a scheduler without them, every request refused `DOCTOR_NOT_FOUND`).
 */
export class DefinedNames {
  readonly #doctors = new Set<string>();
  readonly #slots = new Set<string>();

  /**
   * Notes the doctors and slots of `h` (a history, or a run of one), then checks its events.
   * @param h - the history or run
   * @throws OpdError `VALIDATION_FAILED` (`details.field: 'history'`, `details.seq` and
   *   `details.doctorId` or `details.slotId`) naming the first event, in `seq` order, whose doctor
   *   or slot neither this run nor an earlier one defines
   */
  check(h: LabHistory): void {
    for (const d of h.doctors) this.#doctors.add(d.id);
    for (const s of h.slots) this.#slots.add(s.id);
    for (const e of h.events) {
      if (!this.#doctors.has(e.doctorId)) {
        throw invalid(
          'history',
          `Event seq ${e.seq} names the doctor ${e.doctorId}, which the history does not define (no \`lab:doctor\` line): export the history with its doctors and slots (exportHistory, opd-scheduler export-history)`,
          { seq: e.seq, doctorId: e.doctorId },
        );
      }
      const slotId = 'slotId' in e ? e.slotId : null;
      if (slotId != null && !this.#slots.has(slotId)) {
        throw invalid(
          'history',
          `Event seq ${e.seq} names the slot ${slotId}, which the history does not define (no \`lab:slot\` line): export the history with its doctors and slots (exportHistory, opd-scheduler export-history)`,
          { seq: e.seq, slotId },
        );
      }
    }
  }
}

const EVENT_DATES = ['at', 'holdExpiresAt', 'retiredFrom'] as const;

/**
 * Reads a history: a {@link LabHistory} as it is, its lines, or the text of a JSON-lines file
 * (dates as ISO strings are read back as dates; blank lines are skipped).
 * @param input - the history
 * @returns the history, its events in `seq` order
 * @throws OpdError `VALIDATION_FAILED` (`details.field: 'history'`, `details.line`) for a line
 *   that is not JSON, or not a doctor, a slot, a patient's tokens or an event
 */
export function readHistory(input: HistoryInput): LabHistory {
  if (typeof input !== 'string' && !isIterable(input)) {
    if (typeof input !== 'object' || input === null || !Array.isArray(input.events) || !Array.isArray(input.doctors) || !Array.isArray(input.slots)) {
      throw bad(0, 'Expected a history: `{ doctors, slots, events }`, its lines, or the text of a JSON-lines file');
    }
    return { doctors: input.doctors, slots: input.slots, events: [...input.events].sort((a, b) => a.seq - b.seq), patients: input.patients ?? [] };
  }
  const doctors: Doctor[] = [];
  const slots: Slot[] = [];
  const patients: (readonly string[])[] = [];
  const events: OpdEvent[] = [];
  let n = 0;
  const lines: Iterable<unknown> = typeof input === 'string' ? input.split('\n') : input;
  for (const raw of lines) {
    const line = readLine(raw, ++n);
    if (line === null) continue;
    if (line.type === 'lab:doctor') doctors.push(line.doctor);
    else if (line.type === 'lab:slot') slots.push(line.slot);
    else if (line.type === 'lab:patient') patients.push(line.tokenIds);
    else events.push(line);
  }
  events.sort((a, b) => a.seq - b.seq);
  return { doctors, slots, events, patients };
}

/**
 * One line of a history, its text or its object, read as a doctor, a slot, a patient's tokens or
 * an event (dates read back as dates), or `null` for a blank line.
 * @throws OpdError `VALIDATION_FAILED` (`details.line`: `n`) for a line that is not JSON, or not a doctor, a slot, a patient's tokens or an event
 */
export function readLine(raw: unknown, n: number): HistoryLine | null {
  let line: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return null;
    try {
      line = JSON.parse(raw);
    } catch {
      throw bad(n, `Line ${n} of the history is not JSON`);
    }
  }
  if (typeof line !== 'object' || line === null || typeof (line as { type?: unknown }).type !== 'string')
    throw bad(n, `Line ${n} of the history has no \`type\``);
  const record = line as Record<string, unknown>;
  if (record['type'] === 'lab:doctor') {
    const doctor = record['doctor'] as Record<string, unknown> | undefined;
    if (typeof doctor !== 'object' || doctor === null || typeof doctor['id'] !== 'string' || typeof doctor['name'] !== 'string')
      throw bad(n, `Line ${n} of the history is not a doctor`);
    return {
      type: 'lab:doctor',
      doctor: {
        ...doctor,
        createdAt: date(doctor['createdAt'], n),
        retiredFrom: doctor['retiredFrom'] == null ? null : date(doctor['retiredFrom'], n),
      } as unknown as Doctor,
    };
  }
  if (record['type'] === 'lab:slot') {
    const slot = record['slot'] as Record<string, unknown> | undefined;
    if (
      typeof slot !== 'object' ||
      slot === null ||
      typeof slot['id'] !== 'string' ||
      typeof slot['doctorId'] !== 'string' ||
      typeof slot['capacity'] !== 'number'
    )
      throw bad(n, `Line ${n} of the history is not a slot`);
    return { type: 'lab:slot', slot: { ...slot, start: date(slot['start'], n), end: date(slot['end'], n) } as unknown as Slot };
  }
  if (record['type'] === 'lab:patient') {
    const tokenIds = record['tokenIds'];
    if (!Array.isArray(tokenIds) || !tokenIds.every((id) => typeof id === 'string')) throw bad(n, `Line ${n} of the history is not a patient's tokens`);
    return { type: 'lab:patient', tokenIds: tokenIds as string[] };
  }
  if (typeof record['seq'] !== 'number' || typeof record['doctorId'] !== 'string') throw bad(n, `Line ${n} of the history is not an event`);
  // A line parsed here is this function's own object: its dates are read back in place.
  const event: Record<string, unknown> = line === raw ? { ...record } : record;
  for (const field of EVENT_DATES) if (event[field] !== undefined && event[field] !== null) event[field] = date(event[field], n);
  return event as unknown as OpdEvent;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

function date(value: unknown, line: number): Date {
  const d = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime())) throw bad(line, `Line ${line} of the history has a date that is not one`);
  return d;
}

function bad(line: number, message: string): OpdError {
  return invalid('history', message, { line });
}
