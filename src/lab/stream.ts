/**
 * A history read as a stream, and the days of a replay that are over: what lets the lab replay
 * a year of a hospital without holding the year.
 */
import type { OpdEvent } from '../events.js';
import type { MemoryStorage } from '../storage/memory.js';
import { dayFormatter } from '../time.js';
import type { Slot } from '../types.js';
import type { FigureFold } from './figures.js';
import { type HistoryLine, type LabHistory, readLine } from './history.js';

/** Whether `value` is an async iterable (a stream of lines), not a history read already. */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/**
 * The runs of a history read line by line: each run is the doctor, slot and patient lines that
 * come together, then the events that follow them up to the next such line (a history written
 * day by day, as the day simulation writes it, is a run a day; one exported at once is a single
 * run). Only one run is held at a time.
 * @param lines - the lines, as text or as objects
 * @throws OpdError `VALIDATION_FAILED` (`details.line`) for a line that is not a doctor, a slot, a patient's tokens or an event
 */
export async function* segmentsOf(lines: AsyncIterable<HistoryLine | string>): AsyncGenerator<LabHistory> {
  let doctors: LabHistory['doctors'][number][] = [];
  let slots: Slot[] = [];
  let patients: (readonly string[])[] = [];
  let events: OpdEvent[] = [];
  let n = 0;
  for await (const raw of lines) {
    const line = readLine(raw, ++n);
    if (line === null) continue;
    if (line.type === 'lab:doctor' || line.type === 'lab:slot' || line.type === 'lab:patient') {
      if (events.length > 0) {
        yield { doctors, slots, events: events.sort((a, b) => a.seq - b.seq), patients };
        doctors = [];
        slots = [];
        patients = [];
        events = [];
      }
      if (line.type === 'lab:doctor') doctors.push(line.doctor);
      else if (line.type === 'lab:slot') slots.push(line.slot);
      else patients.push(line.tokenIds);
    } else events.push(line);
  }
  if (doctors.length > 0 || slots.length > 0 || patients.length > 0 || events.length > 0)
    yield { doctors, slots, events: events.sort((a, b) => a.seq - b.seq), patients };
}

/** What {@link DayLedger.forget} works on: the replay's store and scheduler, both folds, the token map. */
export interface ForgetContext {
  readonly storage: MemoryStorage;
  readonly recorded: FigureFold;
  readonly replayed: FigureFold;
  readonly tokens: Map<string, string | null>;
  /** The replay's slots of a doctor's day as they stand, of the recorded slots given. */
  readonly finalSlots: (doctorId: string, day: string, slots: readonly Slot[]) => Promise<Slot[]>;
}

/** The events whose token the replay's token map may name: a request's new token, and a move's. */
const MAKES_TOKEN: ReadonlySet<OpdEvent['type']> = new Set<OpdEvent['type']>(['token:booked', 'token:waitlisted', 'token:held', 'token:moved']);

interface DayEntry {
  readonly doctorId: string;
  readonly day: string;
  /** The recorded slots of the day. */
  readonly slots: Slot[];
  /** The recorded tokens of the day (kept only when days are forgotten). */
  readonly tokens: Set<string>;
}

/**
 * The doctor-days of a replay: the recorded slots of each (for utilisation), and, when days are
 * forgotten, the recorded tokens of each and the local day of the clock, so that a day over can
 * be folded into the figures and let go.
 */
export class DayLedger {
  readonly #days = new Map<string, DayEntry>();
  readonly #dayOf: (at: number) => string;
  readonly #after: number | null;
  #today = '';

  /**
   * @param timeZone - the zone of the days
   * @param after - forget a day this many local days after it (once over), or `null` never
   */
  constructor(timeZone: string, after: number | null) {
    this.#dayOf = dayFormatter(timeZone);
    this.#after = after;
  }

  #entry(doctorId: string, day: string): DayEntry {
    const key = `${doctorId}~${day}`;
    let entry = this.#days.get(key);
    if (entry === undefined) this.#days.set(key, (entry = { doctorId, day, slots: [], tokens: new Set() }));
    return entry;
  }

  /** Notes a recorded slot. */
  noteSlot(slot: Slot): void {
    this.#entry(slot.doctorId, slot.day).slots.push(slot);
  }

  /** Notes a recorded event (the token it makes, when days are forgotten). */
  noteRecorded(e: OpdEvent): void {
    if (this.#after === null || !MAKES_TOKEN.has(e.type) || !('tokenId' in e)) return;
    this.#entry(e.doctorId, e.day).tokens.add(e.tokenId);
  }

  /** Notes an event of the replay (its day, when days are forgotten). */
  noteReplayed(e: OpdEvent): void {
    if (this.#after === null || !('day' in e)) return;
    this.#entry(e.doctorId, e.day);
  }

  /** The recorded slots of the days not forgotten. */
  *recordedSlots(): IterableIterator<Slot> {
    for (const entry of this.#days.values()) yield* entry.slots;
  }

  /** Whether the clock, at `now`, has come to a local day it was not on before (never when days are kept). */
  isNewDay(now: number): boolean {
    if (this.#after === null) return false;
    const today = this.#dayOf(now);
    if (today === this.#today) return false;
    this.#today = today;
    return true;
  }

  /**
   * Forgets the days that are over on the day of the last {@link DayLedger.isNewDay}: those at
   * least `after` days before it whose tokens are all final in the history and in the replay.
   * Each one's figures are folded into both folds, the replay's store forgets it, and the token
   * map lets its recorded tokens go.
   */
  async forget(ctx: ForgetContext): Promise<void> {
    if (this.#after === null) return;
    const last = new Date(Date.parse(`${this.#today}T00:00:00Z`) - this.#after * 86_400_000).toISOString().slice(0, 10);
    for (const [key, entry] of this.#days) {
      const { doctorId, day } = entry;
      if (day > last || !ctx.recorded.isDayOver(doctorId, day) || !ctx.replayed.isDayOver(doctorId, day)) continue;
      const finals = await ctx.finalSlots(doctorId, day, entry.slots);
      if (!ctx.storage.forgetDay(doctorId, day)) continue;
      ctx.recorded.settleDay(doctorId, day, entry.slots);
      ctx.replayed.settleDay(doctorId, day, finals);
      for (const id of entry.tokens) ctx.tokens.delete(id);
      this.#days.delete(key);
    }
  }
}
