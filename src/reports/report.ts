/**
 * The OPD's numbers from the scheduler's own record: the history read a page at a time, each
 * doctor-day folded into the figures once it is over and let go, so that a year of a large
 * hospital is reported in bounded memory.
 */
import { invalid } from '../errors.js';
import type { OpdEvent } from '../events.js';
import { callDueAt, callWaitMs } from '../explain/fairness.js';
import { partsOfTokenId } from '../model/records.js';
import { isPlaceStatus } from '../model/status.js';
import { addDays, dayFormatter, dayStartFinder, MINUTE, parseDay } from '../time.js';
import type { Doctor, Slot, Token } from '../types.js';
import { expectInteger } from '../validate.js';
import { RowTally, type TokenFacts } from './tally.js';
import {
  type HmisCell,
  NO_GROUP,
  type OpdReport,
  type OpdReportOptions,
  REPORT_DIMENSIONS,
  type ReportDimension,
  type ReportExit,
  type ReportRow,
  type ReportSource,
  type ReportTables,
} from './types.js';

/** The longest report, in days (ten years). */
const MAX_DAYS = 3660;
const DEFAULT_PAGE = 1000;

/** How a token ended, for the counts: the last ending wins (a reinstatement clears it). */
type Ending = 'attended' | 'no-show' | 'by-patient' | 'by-hospital' | 'dropped' | 'moved' | 'carried' | null;

/** One token of a doctor-day in play, from its events. */
interface Track {
  readonly tokenId: string;
  readonly category: string;
  readonly channel: string;
  /** Whether a request made it (not a move's or a carry's continuation). */
  readonly requested: boolean;
  readonly requestedAt: number;
  /** The patient's id, read only with `lookbackDays` (`null`: none, or erased). */
  readonly patientId: string | null;
  booked: boolean;
  elastic: boolean;
  slotId: string | null;
  checkIn: number | null;
  /** The doctor's first call (not a recall). */
  calledAt: number | null;
  /** The consultation's start. */
  consultAt: number | null;
  /** The first of the two: when the doctor saw the patient, as `fairness()` counts it, and in which slot. */
  seenAt: number | null;
  seenSlotId: string | null;
  ending: Ending;
}

/** A doctor-day in play: its tokens by token number (unique in a doctor-day; an array has no key to hash). */
interface DayInPlay {
  readonly doctorId: string;
  readonly day: string;
  readonly tracks: (Track | undefined)[];
}

/** The parsed options. */
interface Parsed {
  readonly from: string;
  readonly to: string;
  readonly by: readonly ReportDimension[];
  readonly lookbackDays: number | null;
  readonly pageSize: number;
}

function parseOptions(options: unknown): Parsed {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'Expected `options` with `from` and `to`');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['from', 'to', 'by', 'lookbackDays', 'pageSize'].includes(key)) throw invalid(`options.${key}`, `Unknown option \`${key}\``);
  }
  const from = parseDay('from', o['from']);
  const to = parseDay('to', o['to']);
  if (to < from) throw invalid('to', 'Expected `to` to be `from` or a later day');
  if (addDays(from, MAX_DAYS) < to) throw invalid('to', `Expected a report of at most ${MAX_DAYS} days`);
  const rawBy = o['by'] === undefined ? REPORT_DIMENSIONS : typeof o['by'] === 'string' ? [o['by']] : o['by'];
  if (!Array.isArray(rawBy) || rawBy.length === 0) throw invalid('by', `Expected \`by\` to be one or more of ${REPORT_DIMENSIONS.join(', ')}`);
  const by: ReportDimension[] = [];
  for (const d of rawBy as unknown[]) {
    if (typeof d !== 'string' || !(REPORT_DIMENSIONS as readonly string[]).includes(d)) {
      throw invalid('by', `Expected \`by\` to be one or more of ${REPORT_DIMENSIONS.join(', ')}`, { value: typeof d === 'string' ? d.slice(0, 40) : typeof d });
    }
    if (!by.includes(d as ReportDimension)) by.push(d as ReportDimension);
  }
  const lookbackDays = o['lookbackDays'] === undefined ? null : expectInteger('lookbackDays', o['lookbackDays'], 1, MAX_DAYS);
  const pageSize = o['pageSize'] === undefined ? DEFAULT_PAGE : expectInteger('pageSize', o['pageSize'], 1, 100_000);
  return { from, to, by, lookbackDays, pageSize };
}

/**
 * The OPD's numbers over local days `from` to `to`: requests, bookings, attendance, no-shows,
 * cancellations (by the patient, by the hospital), drops, walk-in share, new and repeat
 * patients, waits, lead times, utilisation, elastic places and emergencies' time to the doctor —
 * in total and in one table per dimension of `by`.
 *
 * Everything is counted from the scheduler's stored events (`history()`, read a page at a time)
 * and the days' schedules (`getSchedule`, for capacity and the slots' starts), never from patient
 * data, so erasing patients changes no figure (but the split of new and repeat patients, which
 * reads patient ids only with `lookbackDays`). The figures agree with the scheduler's own:
 * `attended` is `stats().byStatus.COMPLETED` and `capacity`, `places`, `overflowUsed`,
 * `utilisation` are `stats()`'s over the same doctor-days; the waits `dueToCall` per category are
 * `fairness()`'s, patient by patient. A doctor-day is folded in and let go once the history has
 * passed it by two days and its tokens have all ended, so memory holds the days in play, not the
 * year.
 *
 * @param opd - the scheduler (or any {@link ReportSource})
 * @param options - see {@link OpdReportOptions}
 * @returns the report
 * @throws OpdError `VALIDATION_FAILED` for bad options (`details.field`); what the scheduler's reads throw
 * @example
 * ```ts
 * import { OpdScheduler } from 'opd-scheduler';
 * import { opdReport } from 'opd-scheduler/reports';
 *
 * declare const opd: OpdScheduler;
 * // The last 30 days, by department and by hour.
 * const to = opd.dayOf(new Date());
 * const from = opd.dayOf(new Date(Date.now() - 29 * 24 * 60 * 60 * 1000));
 * const month = await opdReport(opd, { from, to, by: ['department', 'hour'] });
 * console.log(month.total.attended, month.tables.department);
 * ```
 */
export async function opdReport(opd: ReportSource, options: OpdReportOptions): Promise<OpdReport> {
  const parsed = parseOptions(options);
  const fold = new ReportFold(opd, parsed, await opd.listDoctors());
  let after = 0;
  for (;;) {
    const page = await opd.history({ after, limit: parsed.pageSize });
    if (page.length === 0) break;
    for (const e of page) {
      const read = fold.add(e);
      if (read !== undefined) await read;
    }
    after = page[page.length - 1]!.seq;
    if (page.length < parsed.pageSize) break;
  }
  return fold.finish();
}

/** The fold of a report: events in, doctor-days settled, figures out. */
class ReportFold {
  readonly #opd: ReportSource;
  readonly #o: Parsed;
  readonly #doctors: Map<string, Doctor>;
  readonly #dayOf: (ms: number) => string;
  readonly #dayStart: (day: string) => number;
  readonly #hourOf: (ms: number) => number;
  /** Doctor → day → the doctor-day in play, or `null` once folded in (its events that still come are not counted again). */
  readonly #days = new Map<string, Map<string, DayInPlay | null>>();
  /** The doctor-days in play. */
  readonly #inPlay = new Set<DayInPlay>();
  /** The doctor-day in play of the last token found (a doctor's events come in runs). */
  #lastDay: DayInPlay | null = null;
  /** What a continuation (a carried token) inherits from the token it continues. */
  readonly #origins = new Map<string, { category: string; channel: string }>();
  /** Each patient's requests (local day, request time), for new and repeat patients. */
  readonly #patients = new Map<string, [string, number][]>();
  readonly #exits = new Map<string, number>();
  /** The latest local day the history reached, and when the next one starts. */
  #today = '';
  #nextDayAt = Number.NEGATIVE_INFINITY;
  readonly #total = new RowTally('all', true);
  /** One doctor-day's tokens, tallied once and merged into the groups every one of them counts in. */
  readonly #own = new RowTally('doctor-day', false);
  readonly #tables = new Map<ReportDimension, Map<string, RowTally>>();
  readonly #cells = new Map<string, { cell: Omit<HmisCell, 'requested' | 'attended'>; requested: number; attended: number }>();

  constructor(opd: ReportSource, o: Parsed, doctors: readonly Doctor[]) {
    this.#opd = opd;
    this.#o = o;
    this.#doctors = new Map(doctors.map((d) => [d.id, d]));
    this.#dayOf = dayFormatter(opd.timeZone);
    this.#dayStart = dayStartFinder(this.#dayOf);
    this.#hourOf = hourFormatter(opd.timeZone);
    for (const d of o.by) this.#tables.set(d, new Map());
  }

  #inRange(day: string): boolean {
    return day >= this.#o.from && day <= this.#o.to;
  }

  /**
   * Adds one event. Answers a promise only when the event needs a read (a day over to fold in, a
   * token's category or patient): most events are folded without one.
   */
  add(e: OpdEvent): Promise<void> | undefined {
    const at = e.at.getTime();
    if (at >= this.#nextDayAt) {
      const today = this.#dayOf(at);
      if (today > this.#today) {
        this.#today = today;
        this.#nextDayAt = this.#dayStart(addDays(today, 1));
        return this.#settleBefore(addDays(today, -1)).then(() => this.#follow(e, at));
      }
    }
    return this.#follow(e, at);
  }

  #follow(e: OpdEvent, at: number): Promise<void> | undefined {
    if (!('tokenId' in e) || !('day' in e)) return undefined;
    const type = e.type;
    // Most events are a token's next step: only four kinds note something beyond their token.
    const pending = type === 'token:carried' || type === 'token:moved' || type === 'token:forwarded' || type === 'token:cancelled' ? this.#note(e, at) : undefined;
    const track = this.#track(e.doctorId, e.day, e.tokenNumber);
    if (track !== undefined) {
      follow(track, e, at);
      return pending;
    }
    const day = this.#dayInPlay(e.doctorId, e.day);
    if (day === null) {
      if (this.#o.lookbackDays !== null && isRequest(e) && e.day < this.#o.from && e.day >= addDays(this.#o.from, -this.#o.lookbackDays)) {
        const noted = this.#patientOf(e.tokenId, e.day, at).then(() => undefined);
        return pending === undefined ? noted : pending.then(() => noted);
      }
      return pending;
    }
    const made = this.#newTrack(e, at);
    if (made === undefined) {
      const later = this.#newTrackRead(e, at);
      return (pending === undefined ? later : pending.then(() => later)).then((t) => this.#place(day, e, t, at));
    }
    this.#place(day, e, made, at);
    return pending;
  }

  /**
   * What a carry, a move, a forward or a cancellation notes beyond its token: the origin a
   * continuation inherits, the moved token's ending, the exits of the HMIS return.
   */
  #note(e: OpdEvent & { readonly tokenId: string; readonly day: string }, at: number): Promise<void> | undefined {
    let pending: Promise<void> | undefined;
    if (e.type === 'token:carried' && this.#inRange(e.toDay)) {
      const from = this.#track(e.doctorId, e.day, e.tokenNumber);
      if (from !== undefined) this.#origins.set(e.toTokenId, { category: from.category, channel: from.channel });
      else pending = this.#opd.getToken(e.toTokenId).then((t) => void this.#origins.set(e.toTokenId, { category: t.category, channel: NO_GROUP }));
    }
    if (e.type === 'token:moved' && e.fromTokenId !== e.tokenId) {
      const old = this.#track(e.fromDoctorId, e.fromDay, partsOfTokenId(e.fromTokenId).tokenNumber);
      if (old !== undefined) old.ending = 'moved';
      if (old !== undefined && this.#inRange(e.day)) this.#origins.set(e.tokenId, { category: old.category, channel: old.channel });
    }
    if ((e.type === 'token:forwarded' || (e.type === 'token:cancelled' && e.reason !== null && e.reason !== 'moved')) && this.#inRange(e.day)) {
      const how = e.type === 'token:forwarded' ? 'forwarded' : 'cancelled';
      const to = e.type === 'token:forwarded' ? e.to.kind : e.reason!;
      const key = `${how}\u0000${to}\u0000${this.#hourOf(at)}`;
      this.#exits.set(key, (this.#exits.get(key) ?? 0) + 1);
    }
    return pending;
  }

  /** The track of a token of a doctor-day in play (a token's events are all of its doctor-day), if any. */
  #track(doctorId: string, day: string, tokenNumber: number): Track | undefined {
    let inPlay = this.#lastDay;
    if (inPlay === null || inPlay.doctorId !== doctorId || inPlay.day !== day) {
      inPlay = this.#days.get(doctorId)?.get(day) ?? null;
      if (inPlay === null) return undefined;
      this.#lastDay = inPlay;
    }
    return inPlay.tracks[tokenNumber];
  }

  /** A doctor-day in play (made when first asked), or `null` for a day out of range or folded in. */
  #dayInPlay(doctorId: string, day: string): DayInPlay | null {
    if (!this.#inRange(day)) return null;
    const days = this.#daysOf(doctorId);
    let inPlay = days.get(day);
    if (inPlay === undefined) {
      days.set(day, (inPlay = { doctorId, day, tracks: [] }));
      this.#inPlay.add(inPlay);
    }
    return inPlay;
  }

  #place(day: DayInPlay, e: OpdEvent & { readonly tokenNumber: number }, t: Track, at: number): void {
    day.tracks[e.tokenNumber] = t;
    follow(t, e, at);
  }

  /** A new token's track from its first event, or `undefined` when it needs a read (its category, its patient). */
  #newTrack(e: OpdEvent & { readonly tokenId: string; readonly day: string }, at: number): Track | undefined {
    const requested = isRequest(e);
    const origin = this.#origins.get(e.tokenId);
    const category = origin?.category ?? ('category' in e ? e.category : e.type === 'token:waitlisted' && e.request != null ? e.request.category : undefined);
    if (category === undefined || (requested && this.#o.lookbackDays !== null)) return undefined;
    if (origin !== undefined) this.#origins.delete(e.tokenId);
    const channel = origin?.channel ?? (requested ? (e.actor ?? NO_GROUP) : NO_GROUP);
    return { tokenId: e.tokenId, category, channel, requested, requestedAt: at, patientId: null, booked: false, elastic: false, slotId: null, checkIn: null, calledAt: null, consultAt: null, seenAt: null, seenSlotId: null, ending: null };
  }

  /** {@link ReportFold.#newTrack} with the reads it needs: the token's category, the request's patient. */
  async #newTrackRead(e: OpdEvent & { readonly tokenId: string; readonly day: string }, at: number): Promise<Track> {
    const requested = isRequest(e);
    const origin = this.#origins.get(e.tokenId);
    if (origin !== undefined) this.#origins.delete(e.tokenId);
    const category = origin?.category ?? ('category' in e ? e.category : e.type === 'token:waitlisted' && e.request != null ? e.request.category : undefined) ?? (await this.#opd.getToken(e.tokenId)).category;
    const channel = origin?.channel ?? (requested ? (e.actor ?? NO_GROUP) : NO_GROUP);
    const patientId = requested && this.#o.lookbackDays !== null ? await this.#patientOf(e.tokenId, e.day, at) : null;
    return { tokenId: e.tokenId, category, channel, requested, requestedAt: at, patientId, booked: false, elastic: false, slotId: null, checkIn: null, calledAt: null, consultAt: null, seenAt: null, seenSlotId: null, ending: null };
  }

  /** Reads a request's patient id once, and notes the request against it. */
  async #patientOf(tokenId: string, day: string, at: number): Promise<string | null> {
    const id = (await this.#opd.getToken(tokenId)).patient.id;
    if (typeof id !== 'string') return null;
    const list = this.#patients.get(id);
    if (list === undefined) this.#patients.set(id, [[day, at]]);
    else list.push([day, at]);
    return id;
  }

  /** Whether the patient made another request for a day in the look-back before `day`, or earlier the same day. */
  #isRepeat(patientId: string, day: string, at: number): boolean {
    const since = addDays(day, -this.#o.lookbackDays!);
    return (this.#patients.get(patientId) ?? []).some(([d, t]) => d >= since && (d < day || (d === day && t < at)));
  }

  /** Folds in every doctor-day before `day` whose tokens have all ended. */
  async #settleBefore(day: string): Promise<void> {
    for (const inPlay of [...this.#inPlay]) {
      if (inPlay.day >= day) continue;
      let over = true;
      for (const t of inPlay.tracks) {
        if (t !== undefined && t.ending === null) {
          over = false;
          break;
        }
      }
      if (over) await this.#settle(inPlay.doctorId, inPlay.day, inPlay.tracks);
    }
  }

  /** A doctor's days in play or folded in (made when first asked). */
  #daysOf(doctorId: string): Map<string, DayInPlay | null> {
    let days = this.#days.get(doctorId);
    if (days === undefined) this.#days.set(doctorId, (days = new Map()));
    return days;
  }

  /** Folds one doctor-day into the figures: its slots (capacity, places) and its tokens. */
  async #settle(doctorId: string, day: string, tracks: readonly (Track | undefined)[]): Promise<void> {
    const days = this.#daysOf(doctorId);
    const inPlay = days.get(day);
    if (inPlay !== undefined && inPlay !== null) this.#inPlay.delete(inPlay);
    if (this.#lastDay === inPlay) this.#lastDay = null;
    days.set(day, null);
    const doctor = this.#doctors.get(doctorId);
    const department = doctor?.department ?? NO_GROUP;
    const schedule = await this.#opd.getSchedule(doctorId, day);
    const slots = new Map<string, Slot>();
    const tokens = new Map<string, Token>();
    for (const view of schedule.slots) {
      slots.set(view.slot.id, view.slot);
      for (const t of view.places) tokens.set(t.id, t);
      if (view.slot.status !== 'OPEN') continue;
      // Capacity and places as `stats()` counts them, to every group of slots.
      const places = view.places.filter((t) => isPlaceStatus(t.status)).length;
      const hour = pad(this.#hourOf(view.slot.start.getTime()));
      for (const tally of this.#slotTallies(doctorId, department, day, hour)) tally.addSlot(view.slot.capacity, places);
    }
    const dayStart = this.#dayStart;
    // The tallies every token of the doctor-day counts in (the total, its department, doctor and
    // day), found once and given the doctor-day's own tally at its end; those of its category,
    // channel and hour, per token.
    const fixed: RowTally[] = [this.#total];
    const own = this.#own;
    own.clear();
    const varying: { readonly rows: Map<string, RowTally>; readonly of: (t: Track, hour: string) => string; readonly slots: boolean }[] = [];
    const groups: Partial<Record<ReportDimension, string>> = { department, doctor: doctorId, day };
    for (const [dimension, rows] of this.#tables) {
      const value = groups[dimension];
      if (value !== undefined) fixed.push(tallyOf(rows, value, true));
      else varying.push({ rows, of: VARYING[dimension as 'category' | 'channel' | 'hour'], slots: isSlotDimension(dimension) });
    }
    const system = doctor?.system ?? 'allopathic';
    const specialist = doctor?.specialist ?? false;
    const cells = new Map<string, { requested: number; attended: number }>();
    for (const t of tracks) {
      if (t === undefined) continue;
      const tokenId = t.tokenId;
      const slot = t.slotId === null ? undefined : slots.get(t.slotId);
      const hour = pad(this.#hourOf(slot === undefined ? t.requestedAt : slot.start.getTime()));
      let dueToCall: number | null = null;
      if (t.seenAt !== null) {
        const token = tokens.get(tokenId) ?? (await this.#opd.getToken(tokenId));
        const due = callDueAt({ requestedAt: token.requestedAt.getTime(), notBefore: token.notBefore?.getTime() ?? null, day: token.day }, slots.get(t.seenSlotId!)?.start.getTime(), dayStart);
        dueToCall = callWaitMs(due, t.seenAt);
      }
      const facts: TokenFacts = {
        requested: t.requested,
        booked: t.booked,
        ending: t.ending,
        category: t.category,
        elastic: t.elastic,
        repeat: t.requested && this.#o.lookbackDays !== null ? (t.patientId !== null && this.#isRepeat(t.patientId, day, t.requestedAt)) : null,
        dueToCall,
        checkInToCall: t.checkIn !== null && t.calledAt !== null ? Math.max(0, t.calledAt - t.checkIn) : null,
        checkInToConsultation: t.checkIn !== null && t.consultAt !== null ? Math.max(0, t.consultAt - t.checkIn) : null,
        leadTime: t.booked && slot !== undefined ? Math.max(0, slot.start.getTime() - t.requestedAt) : null,
        emergencyToDoctor: t.category === 'EMERGENCY' && t.consultAt !== null ? Math.max(0, t.consultAt - t.requestedAt) : null,
      };
      own.addToken(facts);
      for (const v of varying) tallyOf(v.rows, v.of(t, hour), v.slots).addToken(facts);
      let cell = cells.get(t.category);
      if (cell === undefined) cells.set(t.category, (cell = { requested: 0, attended: 0 }));
      if (t.requested) cell.requested++;
      if (t.ending === 'attended') cell.attended++;
    }
    for (const tally of fixed) tally.merge(own);
    for (const [category, counts] of cells) {
      const cellKey = `${department}\u0000${category}\u0000${system}\u0000${String(specialist)}`;
      let cell = this.#cells.get(cellKey);
      if (cell === undefined) this.#cells.set(cellKey, (cell = { cell: { department, category, system, specialist }, requested: 0, attended: 0 }));
      cell.requested += counts.requested;
      cell.attended += counts.attended;
    }
  }

  /** The tallies a slot of this doctor-day counts in: the total and the tables of slots. */
  #slotTallies(doctorId: string, department: string, day: string, hour: string): RowTally[] {
    const out = [this.#total];
    const groups: Partial<Record<ReportDimension, string>> = { department, doctor: doctorId, hour, day };
    for (const [dimension, rows] of this.#tables) {
      const value = groups[dimension];
      if (value !== undefined) out.push(tallyOf(rows, value, true));
    }
    return out;
  }

  async finish(): Promise<OpdReport> {
    for (const inPlay of [...this.#inPlay]) await this.#settle(inPlay.doctorId, inPlay.day, inPlay.tracks);
    // Doctor-days without a token in the history still have capacity, as `stats()` counts it.
    for (const doctorId of this.#doctors.keys()) {
      for (let day = this.#o.from; day <= this.#o.to; day = addDays(day, 1)) {
        if (this.#days.get(doctorId)?.get(day) !== null) await this.#settle(doctorId, day, []);
      }
    }
    const tables: { [D in ReportDimension]?: ReportRow[] } = {};
    for (const [dimension, rows] of this.#tables) {
      tables[dimension] = [...rows.values()].map((r) => r.row(this.#o.lookbackDays !== null)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    const cells = [...this.#cells.values()]
      .filter((c) => c.requested > 0 || c.attended > 0)
      .map((c) => ({ ...c.cell, requested: c.requested, attended: c.attended }))
      .sort((a, b) => compareText(a.department, b.department) || compareText(a.category, b.category) || compareText(a.system, b.system) || Number(a.specialist) - Number(b.specialist));
    const exits: ReportExit[] = [...this.#exits]
      .map(([key, count]) => {
        const [how, to, hour] = key.split('\u0000') as [ReportExit['how'], string, string];
        return { how, to, hour: Number(hour), count };
      })
      .sort((a, b) => compareText(a.how, b.how) || compareText(a.to, b.to) || a.hour - b.hour);
    return {
      from: this.#o.from,
      to: this.#o.to,
      timeZone: this.#opd.timeZone,
      by: this.#o.by,
      lookbackDays: this.#o.lookbackDays,
      total: this.#total.row(this.#o.lookbackDays !== null),
      tables: tables as ReportTables,
      hmis: { cells, exits },
    };
  }
}

/** A token's group in each dimension that varies within a doctor-day. */
const VARYING: Readonly<Record<'category' | 'channel' | 'hour', (t: Track, hour: string) => string>> = {
  category: (t) => t.category,
  channel: (t) => t.channel,
  hour: (_t, hour) => hour,
};

/** Whether a dimension groups slots as well as patients (and so has capacity and utilisation). */
function isSlotDimension(d: ReportDimension): boolean {
  return d !== 'category' && d !== 'channel';
}

function tallyOf(rows: Map<string, RowTally>, key: string, slots: boolean): RowTally {
  let tally = rows.get(key);
  if (tally === undefined) rows.set(key, (tally = new RowTally(key, slots)));
  return tally;
}

/** Whether the event made a new token by a request: a booking, a waitlisting or a hold with its request. */
function isRequest(e: OpdEvent): e is Extract<OpdEvent, { type: 'token:booked' | 'token:waitlisted' | 'token:held' }> {
  if (e.type === 'token:booked' || e.type === 'token:held') return e.request !== null;
  if (e.type === 'token:waitlisted') return e.request !== null && (e.request !== undefined || e.reason === 'full');
  return false;
}

/** Updates a token's track with one of its events. */
function follow(t: Track, e: OpdEvent, at: number): void {
  switch (e.type) {
    case 'token:booked':
      t.booked = true;
      t.slotId = e.slotId;
      if (e.overflow) t.elastic = true;
      return;
    case 'token:promoted':
    case 'token:confirmed':
      t.booked = true;
      t.slotId = e.slotId;
      return;
    case 'token:held':
      t.slotId = e.slotId;
      return;
    case 'token:cascaded':
    case 'token:moved':
      t.slotId = e.toSlotId;
      t.booked = true;
      return;
    case 'token:checked-in':
      t.checkIn = at;
      return;
    case 'token:called':
      if (e.recall || e.servicePointId !== undefined) return;
      if (t.calledAt === null) t.calledAt = at;
      if (t.seenAt === null) {
        t.seenAt = at;
        t.seenSlotId = e.slotId;
      }
      return;
    case 'token:consultation-started':
      if (t.consultAt === null) t.consultAt = at;
      if (t.seenAt === null) {
        t.seenAt = at;
        t.seenSlotId = e.slotId;
      }
      return;
    case 'token:completed':
      t.ending = 'attended';
      return;
    case 'token:no-show':
      t.ending = 'no-show';
      return;
    case 'token:dropped':
      t.ending = 'dropped';
      return;
    case 'token:cancelled':
      t.ending = e.reason === 'moved' ? 'moved' : 'by-patient';
      return;
    case 'token:released':
      t.ending = e.reason === 'released' ? 'by-patient' : 'by-hospital';
      return;
    case 'token:expired':
      t.ending = e.reason === 'day-closed' ? 'by-hospital' : 'by-patient';
      return;
    case 'token:carried':
      t.ending = 'carried';
      return;
    case 'token:reinstated':
      t.ending = null;
      return;
    default:
  }
}

/** The hours of a day as a report names them, `00` to `23`. */
const HOURS: readonly string[] = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

function pad(hour: number): string {
  return HOURS[hour]!;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The local hour (0–23) of an instant in a zone, cached by hour of UTC (zones move by whole quarter hours at most). */
function hourFormatter(timeZone: string): (ms: number) => number {
  const format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
  const cache = new Map<number, number>();
  return (ms) => {
    const bucket = Math.floor(ms / (15 * MINUTE));
    let hour = cache.get(bucket);
    if (hour === undefined) {
      hour = Number(format.format(bucket * 15 * MINUTE)) % 24;
      if (cache.size >= 4096) cache.clear();
      cache.set(bucket, hour);
    }
    return hour;
  };
}

