/**
 * `replay(history, options)`: the requests a store recorded, issued again in time order on the
 * recorded clock into a fresh in-memory scheduler under other options, and what that changed.
 */
import { slotIdOf } from '../core/commands/add-slots.js';
import { invalid, isOpdError } from '../errors.js';
import type { OpdEvent, RecordedRequest } from '../events.js';
import { OpdScheduler } from '../scheduler.js';
import { MemoryStorage } from '../storage/memory.js';
import type { Doctor, Slot } from '../types.js';
import { ALL_PATIENTS, FigureFold, type LabFigures } from './figures.js';
import { DefinedNames, type HistoryInput, type HistoryLine, type LabHistory, readHistory } from './history.js';
import { REPLAY_ASSUMPTIONS, type ReplayOptions, type Delta, type WaitDelta, type LabDelta, type ReplayResult } from './replay-types.js';
import { DayLedger, type ForgetContext, isAsyncIterable, segmentsOf } from './stream.js';

/**
 * Replays a recorded history under `options`: a fresh in-memory scheduler gets the history's
 * doctors and slots, then every request the history records — bookings, holds, cancellations,
 * check-ins, consultations, completions, no-shows, calls, moves, closings, capacity changes,
 * doctors' changes — in storage order, each at its recorded time (the scheduler's clock follows
 * the history). Consequences (bumps, cascades, promotions, drops) are not issued: the replay's
 * rules decide them. Replayed under the options it was recorded with, a history gives back its
 * own outcomes: every token's final status, slot and number.
 *
 * @example
 * ```ts
 * import { presets } from 'opd-scheduler';
 * import { exportHistory, replay } from 'opd-scheduler/lab';
 * import type { OpdScheduler } from 'opd-scheduler';
 *
 * declare const opd: OpdScheduler; // the hospital's scheduler
 * const history = await exportHistory(opd);
 * const result = await replay(history, { ...presets.cascade(), label: 'cascade' });
 * console.log(result.delta.emergencies.p95, result.assumptions);
 * await result.scheduler.close();
 * ```
 * @param history - the history: from {@link exportHistory}, its lines, a JSON-lines text, or an
 *   async iterable of its lines (a file read line by line: each run of doctor and slot lines and
 *   the events after it are held at a time, so with `forgetDaysAfter` a year replays in the
 *   memory of a few days)
 * @param options - the scheduler options to replay under (no `storage` or `clock`)
 * @returns the comparison
 * @throws OpdError `VALIDATION_FAILED` for a history that cannot be read (a streamed one whose
 *   runs of events go back in `seq`), one whose events name a doctor or slot it does not define
 *   (`details.seq`, and `details.doctorId` or `details.slotId`: the first such event; a streamed
 *   history is refused at the run that names it, after the runs before it were replayed), a
 *   `forgetDaysAfter` that is not a whole number of days from 1, or options a scheduler refuses
 */
export async function replay(history: HistoryInput | AsyncIterable<HistoryLine | string>, options: ReplayOptions = {}): Promise<ReplayResult> {
  const { label, forgetDaysAfter, keepHistory, ...rest } = options;
  if (keepHistory !== undefined && typeof keepHistory !== 'boolean') throw invalid('keepHistory', 'Expected `keepHistory` to be a boolean');
  if (forgetDaysAfter !== undefined && !(Number.isInteger(forgetDaysAfter) && forgetDaysAfter >= 1)) {
    throw invalid('forgetDaysAfter', 'Expected `forgetDaysAfter` to be a whole number of days, at least 1');
  }
  const timeZone = options.timeZone ?? 'UTC';
  let now = Number.NaN;
  const storage = keepHistory === true ? new MemoryStorage() : new MemoryStorage({ historyLimit: 0 });
  const opd = new OpdScheduler({ ...rest, storage, clock: () => new Date(now), telemetry: false });
  const fold = new FigureFold(timeZone);
  const recordedFold = new FigureFold(timeZone);
  const run = new Run(opd);
  const ledger = new DayLedger(timeZone, forgetDaysAfter ?? null);
  opd.on('event', (e) => {
    fold.add(e);
    ledger.noteReplayed(e);
  });
  try {
    const read = await replayInto(history, run, ledger, (at) => (now = at), {
      storage,
      recorded: recordedFold,
      replayed: fold,
      tokens: run.tokens,
      finalSlots: (doctorId, day, slots) => finalDaySlots(opd, doctorId, day, slots),
    });
    const recorded = recordedFold.figures(ledger.recordedSlots());
    const replayed = fold.figures(await finalSlots(opd, ledger.recordedSlots()));
    return {
      label: label ?? 'replay',
      events: read,
      recorded,
      replayed,
      delta: deltaOf(recorded, replayed),
      requests: { issued: run.issued, refused: Object.freeze({ ...run.refused }), skipped: run.skipped },
      assumptions: REPLAY_ASSUMPTIONS,
      tokens: run.tokens,
      scheduler: opd,
    };
  } catch (error) {
    await opd.close();
    throw error;
  }
}

/**
 * Reads the history (whole, or a run of lines at a time from a stream) and issues its requests,
 * moving the clock (`setNow`) to each event's time; returns the number of events read.
 */
async function replayInto(
  history: HistoryInput | AsyncIterable<HistoryLine | string>,
  run: Run,
  ledger: DayLedger,
  setNow: (at: number) => void,
  ctx: ForgetContext,
): Promise<number> {
  const segments = isAsyncIterable(history) ? segmentsOf(history) : [readHistory(history)];
  let now = Number.NaN;
  let lastSeq = Number.NEGATIVE_INFINITY;
  let read = 0;
  const defined = new DefinedNames();
  for await (const h of segments) {
    defined.check(h);
    const start = startOf(h);
    if (Number.isNaN(now) || start > now) setNow((now = start));
    await run.setUp(h);
    for (const s of h.slots) ledger.noteSlot(s);
    const events = h.events;
    if (events.length > 0 && events[0]!.seq <= lastSeq) throw invalid('history', 'Expected the events of the history in `seq` order', { seq: events[0]!.seq });
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      setNow((now = e.at.getTime()));
      if (ledger.isNewDay(now)) await ledger.forget(ctx);
      ctx.recorded.add(e);
      ledger.noteRecorded(e);
      i = await run.issue(events, i);
    }
    if (events.length > 0) lastSeq = events[events.length - 1]!.seq;
    read += events.length;
  }
  return read;
}

/** The clock at the start: the first event's time, or the first slot's start without events. */
function startOf(h: LabHistory): number {
  const first = h.events[0];
  if (first !== undefined) return first.at.getTime();
  let min = Number.POSITIVE_INFINITY;
  for (const s of h.slots) min = Math.min(min, s.start.getTime());
  return Number.isFinite(min) ? min : 0;
}

/** The replay's slots of a doctor's day that is over, of the recorded `slots` (read in one call), for utilisation. */
async function finalDaySlots(opd: OpdScheduler, doctorId: string, day: string, slots: readonly Slot[]): Promise<Slot[]> {
  if (slots.length === 0) return [];
  const ids = new Set(slots.map((s) => s.id));
  try {
    return (await opd.getSchedule(doctorId, day)).slots.map((view) => view.slot).filter((s) => ids.has(s.id));
  } catch {
    return []; // a doctor the replay could not add: its slots are not counted
  }
}

/** The replay's slots at the end, for utilisation. */
async function finalSlots(opd: OpdScheduler, slots: Iterable<Slot>): Promise<Slot[]> {
  const out: Slot[] = [];
  for (const s of slots) {
    try {
      out.push((await opd.getSlot(s.id)).slot);
    } catch {
      // a slot the replay could not add (its doctor refused it): not counted
    }
  }
  return out;
}

/** The events that may record a request (the others are always consequences). */
const ISSUED: ReadonlySet<OpdEvent['type']> = new Set<OpdEvent['type']>([
  'token:booked',
  'token:waitlisted',
  'token:held',
  'token:cancelled',
  'token:no-show',
  'token:expired',
  'token:checked-in',
  'token:consultation-started',
  'token:completed',
  'token:confirmed',
  'token:released',
  'token:called',
  'token:reinstated',
  'token:moved',
  'slot:closed',
  'slot:reopened',
  'slot:capacity-changed',
  'doctor:updated',
  'doctor:retired',
]);

/** Whether `e` may record a request (not a consequence of one). */
function recordsRequest(e: OpdEvent): boolean {
  if (!ISSUED.has(e.type)) return false;
  if (e.type === 'token:released') return e.reason === 'released';
  if (e.type === 'token:booked' || e.type === 'token:waitlisted' || e.type === 'token:held') return e.request !== null;
  return true;
}

/** One replay's state: the token map, the counts, the call a consequence belongs to. */
class Run {
  readonly tokens = new Map<string, string | null>();
  readonly refused: Record<string, number> = {};
  issued = 0;
  skipped = 0;
  #patients = 0;
  #lastSweep = Number.NaN;
  /** The last closing call issued (a leave, a retirement), whose moves and closings follow it. */
  #closing: { readonly doctorId: string; readonly at: number; readonly from: string; to: string | null; readonly slots: Set<string> } | null = null;

  /** Hold expiries taken for the call recorded at `index` (just after them): its replay ends them, or a sweep does. */
  #pendingExpiries: { readonly index: number; readonly at: number; readonly actor: { actor?: string }; readonly tokens: string[] } | null = null;

  /** Each recorded token of a patient with several (the history's `patients`) → that patient, until its request is issued. */
  readonly #patientOf = new Map<string, { pseudonym: { id: string; name: string } | null }>();

  /** In the replay, each token a move left → the token it moved to (the latest). */
  readonly #movedTo = new Map<string, string>();

  constructor(readonly opd: OpdScheduler) {
    opd.on('token:moved', (e) => {
      if (e.fromTokenId !== e.tokenId) this.#movedTo.set(e.fromTokenId, e.tokenId);
    });
  }

  /** The doctors added so far (a history read as a stream names each where it first works). */
  readonly #doctors = new Set<string>();

  /** Adds the doctors and slots as they were at the start (of the history, or of a run of its lines). */
  async setUp(h: LabHistory): Promise<void> {
    for (const tokenIds of h.patients ?? []) {
      const patient: { pseudonym: { id: string; name: string } | null } = { pseudonym: null };
      for (const id of tokenIds) this.#patientOf.set(id, patient);
    }
    const updates = new Map<string, OpdEvent[]>();
    const capacityBefore = new Map<string, number>();
    const openBefore = new Map<string, boolean>();
    const retired = new Set<string>();
    for (const e of h.events) {
      if (e.type === 'doctor:updated') {
        const list = updates.get(e.doctorId);
        if (list === undefined) updates.set(e.doctorId, [e]);
        else list.push(e);
      } else if (e.type === 'doctor:retired') retired.add(e.doctorId);
      else if (e.type === 'slot:capacity-changed' && !capacityBefore.has(e.slotId)) capacityBefore.set(e.slotId, e.previousCapacity);
      else if ((e.type === 'slot:closed' || e.type === 'slot:reopened') && !openBefore.has(e.slotId)) openBefore.set(e.slotId, e.type === 'slot:closed');
    }
    const doctors = h.doctors.filter((d) => !this.#doctors.has(d.id));
    for (const doctor of doctors) {
      this.#doctors.add(doctor.id);
      const first = initialDoctor(doctor, updates.get(doctor.id) ?? []);
      await this.opd.addDoctor({
        id: first.id,
        name: first.name,
        ...(first.specialization !== null ? { specialization: first.specialization } : {}),
        ...(first.consultMinutes !== null ? { consultMinutes: first.consultMinutes } : {}),
        ...(first.department !== null ? { department: first.department } : {}),
      });
      if (first.room !== null) await this.opd.updateDoctor(first.id, { room: first.room });
    }
    const byDoctor = new Map<string, Slot[]>();
    for (const s of h.slots) {
      const list = byDoctor.get(s.doctorId);
      if (list === undefined) byDoctor.set(s.doctorId, [s]);
      else list.push(s);
    }
    for (const [doctorId, slots] of byDoctor) {
      await this.opd.addSlots(
        doctorId,
        // A generated id (the doctor and the start) is generated again; an id of the caller's is given.
        slots.map((s) => ({
          ...(s.id === slotIdOf(doctorId, s.start.getTime()) ? {} : { id: s.id }),
          start: s.start,
          end: s.end,
          capacity: capacityBefore.get(s.id) ?? s.capacity,
          overflowCapacity: s.overflowCapacity,
        })),
      );
    }
    for (const s of h.slots) {
      if (!(openBefore.get(s.id) ?? s.status === 'OPEN'))
        await this.#try(() => this.opd.closeSlot(s.id, s.closedReason !== null ? { reason: s.closedReason } : {}));
    }
    for (const doctor of doctors) {
      if (doctor.retiredFrom !== null && !retired.has(doctor.id)) {
        await this.#try(() =>
          this.opd.retireDoctor(doctor.id, { from: doctor.retiredFrom!, ...(doctor.retiredReason !== null ? { reason: doctor.retiredReason } : {}) }),
        );
      }
    }
  }

  /**
   * Issues the request event `i` records, if it records one (a consequence records none).
   * Returns the index of the last event it consumed.
   */
  async issue(events: readonly OpdEvent[], i: number): Promise<number> {
    const done = await this.#issue(events, i);
    const pending = this.#pendingExpiries;
    if (pending !== null && done >= pending.index) {
      // The call the expiries were taken for has been issued: a hold it left held was a sweep's.
      this.#pendingExpiries = null;
      for (const id of pending.tokens) {
        if (await this.#held(id)) {
          await this.#sweep(pending.at, pending.actor);
          break;
        }
      }
    }
    return done;
  }

  async #issue(events: readonly OpdEvent[], i: number): Promise<number> {
    const e = events[i]!;
    const at = e.at.getTime();
    // The consequences of a leave or a retirement (its slots closed, its patients moved) follow
    // it at once; any other request issued after it ends them.
    const c = this.#closing;
    const closing =
      c !== null &&
      c.at === at &&
      // A lapsed hold on a day it moves patients to (the doctor's later day, a colleague's), ended first.
      ((e.type === 'token:expired' && e.reason !== 'day-closed') ||
        (c.doctorId === e.doctorId &&
          ((e.type === 'slot:closed' && e.leave != null && e.leave.from === c.from && (c.to === null || e.leave.to === c.to)) ||
            (e.type === 'token:moved' && e.fromSlotId !== null && c.slots.has(e.fromSlotId)) ||
            (e.type === 'token:cancelled' && e.reason === 'moved'))));
    if (closing && e.type === 'slot:closed') {
      c.slots.add(e.slotId);
      // A retirement's leave: it ends where its first closing says.
      c.to ??= e.leave?.to ?? null;
    }
    if (!closing && recordsRequest(e)) this.#closing = null;
    const actor = e.actor !== null ? { actor: e.actor } : {};
    switch (e.type) {
      case 'token:booked':
      case 'token:waitlisted':
      case 'token:held': {
        const request = requestOf(e);
        if (request === null || this.tokens.has(e.tokenId)) return i;
        const patient = this.#pseudonym(e.tokenId);
        // A request to a department is asked of the department again: its rules choose the doctor.
        const base = {
          ...(request.department != null ? { department: request.department } : { doctorId: e.doctorId }),
          category: request.category,
          patient,
          ...(request.slotId !== null ? { slotId: request.slotId } : {}),
          ...(request.date !== null ? { date: request.date } : {}),
          ...(request.after !== null ? { after: request.after } : {}),
          ...actor,
        };
        const result = await this.#try(() =>
          request.holdMinutes !== null ? this.opd.hold({ ...base, holdMinutes: request.holdMinutes }) : this.opd.book(base),
        );
        this.tokens.set(e.tokenId, result?.token.id ?? null);
        return i;
      }
      case 'token:cancelled':
        if (closing) return i;
        await this.#onToken(e.tokenId, (id) => this.opd.cancel(id, { ...(e.reason !== null ? { reason: e.reason } : {}), ...actor }));
        return i;
      case 'token:no-show':
        if (e.reason === 'manual') await this.#onToken(e.tokenId, (id) => this.opd.markNoShow(id, actor));
        else await this.#sweep(at, actor);
        return i;
      case 'token:expired':
        if (e.reason === 'day-closed') await this.#sweep(at, actor);
        else await this.#holdExpired(e, events, i, actor);
        return i;
      case 'token:checked-in':
        await this.#onToken(e.tokenId, (id) => this.opd.checkIn(id, actor));
        return i;
      case 'token:consultation-started':
        await this.#onToken(e.tokenId, (id) => this.opd.startConsultation(id, actor));
        return i;
      case 'token:completed':
        await this.#onToken(e.tokenId, (id) => this.opd.complete(id, actor));
        return i;
      case 'token:confirmed':
        await this.#onToken(e.tokenId, (id) => this.opd.confirm(id, actor));
        return i;
      case 'token:released':
        if (e.reason === 'released') await this.#onToken(e.tokenId, (id) => this.opd.release(id, actor));
        return i;
      case 'token:called': {
        const room = e.room !== null ? { room: e.room } : {};
        if (e.recall) await this.#onToken(e.tokenId, (id) => this.opd.recall(id, { ...room, ...actor }));
        else await this.#try(() => this.opd.callNext(e.doctorId, { ...room, ...actor }));
        return i;
      }
      case 'token:reinstated':
        await this.#onToken(e.tokenId, (id) => this.opd.reinstate(id, actor));
        return i;
      case 'token:moved': {
        if (closing) {
          // The leave moved the patient in the replay too, perhaps elsewhere: the token it moved to there.
          const from = this.tokens.get(e.fromTokenId);
          this.tokens.set(e.tokenId, from == null ? null : (this.#movedTo.get(from) ?? from));
          return i;
        }
        const from = this.tokens.get(e.fromTokenId);
        if (from === undefined || from === null) {
          this.skipped++;
          this.tokens.set(e.tokenId, null);
          return i;
        }
        const result = await this.#try(() => this.opd.move(from, { slotId: e.toSlotId }, { ...(e.reason !== null ? { reason: e.reason } : {}), ...actor }));
        this.tokens.set(e.tokenId, result?.token.id ?? null);
        return i;
      }
      case 'slot:closed': {
        if (closing) return i;
        const reason = e.reason !== null ? { reason: e.reason } : {};
        const leave = e.leave ?? null;
        if (leave === null) await this.#try(() => this.opd.closeSlot(e.slotId, { ...reason, ...actor }));
        else {
          const reassign = leave.reassign !== null ? { reassign: leave.reassign } : {};
          await this.#try(() => this.opd.closeSlots(e.doctorId, { from: leave.from, to: leave.to, ...reason, ...reassign, ...actor }));
        }
        if (leave !== null) this.#closing = { doctorId: e.doctorId, at, from: leave.from, to: leave.to, slots: new Set([e.slotId]) };
        return i;
      }
      case 'slot:reopened':
        await this.#try(() => this.opd.reopenSlot(e.slotId, actor));
        return i;
      case 'slot:capacity-changed':
        await this.#try(() => this.opd.setCapacity(e.slotId, e.capacity, actor));
        return i;
      case 'doctor:updated': {
        const patch: Record<string, unknown> = {};
        for (const [field, change] of Object.entries(e.changes)) if (change !== undefined) patch[field] = change.after;
        await this.#try(() => this.opd.updateDoctor(e.doctorId, patch, actor));
        return i;
      }
      case 'doctor:retired':
        await this.#try(() =>
          this.opd.retireDoctor(e.doctorId, {
            from: e.retiredFrom,
            ...(e.reason !== null ? { reason: e.reason } : {}),
            ...(e.reassign !== null ? { reassign: e.reassign } : {}),
            ...actor,
          }),
        );
        // Its closings name a leave from the retirement on; a leave issued at the same instant
        // that closes anything starts earlier (from the retirement on, nothing is left open).
        this.#closing = { doctorId: e.doctorId, at, from: e.retiredFrom.toISOString(), to: null, slots: new Set() };
        return i;
      default:
        return i;
    }
  }

  /**
   * A hold that expired: found by a sweep, or ended by a call of its doctor-day (a booking, a
   * cancellation, a move, a leave… — `settleClaims`), which the replay issues too and
   * which ends it there the same way. A sweep is issued only for the sweep's: a sweep issued for a
   * call's would also expire the lapsed holds of other days that the recorded store still held.
   * A call's expiries follow its own event (the hold has ended in the replay already) or come
   * just before it, at the same instant, with nothing but consequences between.
   */
  async #holdExpired(e: Extract<OpdEvent, { type: 'token:expired' }>, events: readonly OpdEvent[], i: number, actor: { actor?: string }): Promise<void> {
    const id = this.tokens.get(e.tokenId);
    if (id != null && !(await this.#held(id))) return;
    const at = e.at.getTime();
    for (let j = i + 1; j < events.length; j++) {
      const next = events[j]!;
      if (next.at.getTime() !== at) break;
      if (next.type === 'token:expired' && next.reason !== 'day-closed') continue;
      if (!recordsRequest(next)) continue;
      // A sweep's own findings (no-shows, days closed) mean a sweep.
      if (next.type === 'token:no-show' || next.type === 'token:expired' || next.doctorId !== e.doctorId) break;
      // The call the expiry may belong to: issued first, then a sweep if the hold is still held.
      const pending = this.#pendingExpiries;
      if (pending !== null && pending.index === j) {
        if (id != null) pending.tokens.push(id);
      } else this.#pendingExpiries = { index: j, at, actor, tokens: id != null ? [id] : [] };
      return;
    }
    await this.#sweep(at, actor);
  }

  /** Whether the replay's token `id` is a hold (a token the replay no longer has is not). */
  async #held(id: string): Promise<boolean> {
    try {
      return (await this.opd.getToken(id)).status === 'HELD';
    } catch (error) {
      if (isOpdError(error)) return false;
      throw error;
    }
  }

  /** The pseudonym of the patient of recorded token `tokenId`: one per recorded patient, never their data. */
  #pseudonym(tokenId: string): { id: string; name: string } {
    const patient = this.#patientOf.get(tokenId);
    // Each token is asked for once: what is left is the patient's tokens still to come.
    this.#patientOf.delete(tokenId);
    if (patient?.pseudonym != null) return patient.pseudonym;
    this.#patients++;
    const pseudonym = { id: `lab-${this.#patients}`, name: `patient ${this.#patients}` };
    if (patient !== undefined) patient.pseudonym = pseudonym;
    return pseudonym;
  }

  async #sweep(at: number, actor: { actor?: string }): Promise<void> {
    if (this.#lastSweep === at) return;
    this.#lastSweep = at;
    await this.#try(() => this.opd.sweep(undefined, actor));
  }

  async #onToken(recordedId: string, call: (id: string) => Promise<unknown>): Promise<void> {
    const id = this.tokens.get(recordedId);
    if (id === undefined || id === null) {
      this.skipped++;
      return;
    }
    await this.#try(() => call(id));
  }

  async #try<T>(call: () => Promise<T>): Promise<T | undefined> {
    this.issued++;
    try {
      return await call();
    } catch (error) {
      if (!isOpdError(error)) throw error;
      this.refused[error.code] = (this.refused[error.code] ?? 0) + 1;
      return undefined;
    }
  }
}

/** The request a booking, waitlisting or hold event records, or `null` for a consequence. */
function requestOf(e: Extract<OpdEvent, { type: 'token:booked' | 'token:waitlisted' | 'token:held' }>): RecordedRequest | null {
  if (e.request !== undefined) return e.request;
  // A history stored before requests were recorded: a new token's first place, as it was got.
  if (e.type === 'token:waitlisted') return null;
  return {
    category: e.category,
    slotId: e.slotId,
    date: null,
    after: null,
    holdMinutes: e.type === 'token:held' ? Math.max(1, Math.round((e.holdExpiresAt.getTime() - e.at.getTime()) / 60_000)) : null,
  };
}

/** The doctor as it was before the history's changes (each `doctor:updated` undone, last first). */
function initialDoctor(doctor: Doctor, updates: readonly OpdEvent[]): Doctor {
  const first: Record<string, unknown> = { ...doctor };
  for (let k = updates.length - 1; k >= 0; k--) {
    const e = updates[k]!;
    if (e.type !== 'doctor:updated') continue;
    for (const [field, change] of Object.entries(e.changes)) if (change !== undefined) first[field] = change.before;
  }
  return first as unknown as Doctor;
}

function diff(a: number | null, b: number | null): Delta {
  return a === null || b === null ? null : b - a;
}

function deltaOf(recorded: LabFigures, replayed: LabFigures): LabDelta {
  const waits: Record<string, WaitDelta> = {};
  const keys = new Set([...Object.keys(recorded.waits), ...Object.keys(replayed.waits)]);
  for (const key of [...keys].sort((a, b) => (a === ALL_PATIENTS ? 1 : b === ALL_PATIENTS ? -1 : a < b ? -1 : 1))) {
    waits[key] = {
      p50: diff(recorded.waits[key]?.p50 ?? null, replayed.waits[key]?.p50 ?? null),
      p95: diff(recorded.waits[key]?.p95 ?? null, replayed.waits[key]?.p95 ?? null),
    };
  }
  const r = recorded.emergencies;
  const p = replayed.emergencies;
  return {
    waits,
    emergencies: { p50: diff(r.p50, p.p50), p95: diff(r.p95, p.p95), max: diff(r.max, p.max), unplaced: p.unplaced - r.unplaced, unseen: p.unseen - r.unseen },
    bumps: replayed.bumps - recorded.bumps,
    cascades: replayed.cascades - recorded.cascades,
    promotions: replayed.promotions - recorded.promotions,
    drops: replayed.drops - recorded.drops,
    consultations: replayed.consultations - recorded.consultations,
    utilisation: replayed.utilisation - recorded.utilisation,
    skips: replayed.skips - recorded.skips,
  };
}
