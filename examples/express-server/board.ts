/**
 * The waiting-room display board's data: for one doctor-day, the tokens in consultation and the
 * next tokens in queue order, by the label the patient holds (`token.label`: the token number, or
 * `W-3` with labels per category). Labels and numbers only — no names, no patient ids — so the
 * board can be public even when the API needs a key.
 */
import type { DaySchedule, OpdEvent, OpdEventType, OpdScheduler, Token } from 'opd-scheduler';
import type { EventHub } from './events.js';
import type { Logger } from './log.js';
import { describeError } from './log.js';
import { SseConnection } from './sse.js';

/** How many upcoming tokens the board lists. */
export const BOARD_NEXT_LIMIT = 12;

/** One upcoming token on the board. */
export interface BoardEntry {
  readonly tokenNumber: number;
  /** What the patient holds and the screen shows (`token.label`). */
  readonly label: string;
  /** The patient has checked in at the desk. */
  readonly checkedIn: boolean;
  /** Estimated start of the consultation, as an ISO string, or `null`. */
  readonly estimatedStart: string | null;
  /** Whether that estimate falls after the slot's end (the doctor runs late). */
  readonly estimateAfterSlot: boolean;
}

/**
 * What the waiting-room screens do on an engine event, beyond showing the new board: `call`
 * announces the token (a chime and a spoken call, in the screen's language). The call carries
 * the event's `room` when it has one, else the doctor's configured room. An event type added
 * here is announced by every board and hall.
 */
export const BOARD_ACTIONS: Partial<Record<OpdEventType, 'call'>> = {
  'token:consultation-started': 'call',
  'token:called': 'call',
};

/** A token called in, as the screens announce it. */
export interface BoardCall {
  readonly doctorId: string;
  readonly tokenNumber: number;
  /** What the screen calls out (`token.label`). */
  readonly label: string;
  /** Where to go: the event's room, else the doctor's configured room, else `null`. */
  readonly room: string | null;
  readonly seq: number;
}

/** What a display board shows. */
export interface Board {
  readonly doctor: { readonly id: string; readonly name: string; readonly specialization: string | null };
  /** The doctor's room (from the server's configuration), or `null`. */
  readonly room: string | null;
  readonly date: string;
  readonly timeZone: string;
  /** `seq` of the last event the board reflects. */
  readonly seq: number;
  /** Labels of the tokens in consultation. */
  readonly nowServing: readonly string[];
  /**
   * The next tokens, in the order they will be called: by estimated start (slots in time order,
   * then each slot's queue order, unless the scheduler has a call order).
   */
  readonly next: readonly BoardEntry[];
  /** All tokens still waiting for a consultation in the day's slots. */
  readonly waiting: number;
  /** Tokens on the waitlist (no place yet). */
  readonly waitlisted: number;
  readonly updatedAt: string;
}

/** Builds the board of a doctor's day. */
export function boardOf(schedule: DaySchedule, timeZone: string, seq: number, now: Date, room: string | null = null): Board {
  const nowServing: string[] = [];
  const next: BoardEntry[] = [];
  let waiting = 0;
  const upcoming: Token[] = [];
  for (const view of schedule.slots) {
    for (const token of view.places) {
      if (token.status === 'IN_CONSULTATION') nowServing.push(token.label);
      else if (token.status === 'BOOKED' || token.status === 'CHECKED_IN') {
        waiting++;
        upcoming.push(token);
      }
    }
  }
  // In the order they will be called: by estimated start, which follows the scheduler's call
  // order (`callOrder`); without one it never decreases along the slots' queues, and the stable
  // sort keeps them as they are.
  upcoming.sort((a, b) => (a.estimatedStart?.getTime() ?? Infinity) - (b.estimatedStart?.getTime() ?? Infinity));
  for (const token of upcoming.slice(0, BOARD_NEXT_LIMIT)) {
    next.push({
      tokenNumber: token.tokenNumber,
      label: token.label,
      checkedIn: token.status === 'CHECKED_IN',
      estimatedStart: token.estimatedStart === null ? null : token.estimatedStart.toISOString(),
      estimateAfterSlot: token.estimateStatus === 'AFTER_SLOT',
    });
  }
  const { doctor } = schedule;
  return {
    doctor: { id: doctor.id, name: doctor.name, specialization: doctor.specialization },
    room,
    date: schedule.date,
    timeZone,
    seq,
    nowServing,
    next,
    waiting,
    waitlisted: schedule.waitlist.length,
    updatedAt: now.toISOString(),
  };
}

/** The open boards of one doctor on one date. */
interface Group {
  /** A fixed date, or `undefined` for "today" (re-evaluated at every refresh). */
  readonly date: string | undefined;
  readonly streams: Set<SseConnection>;
  /** The frame last sent (`undefined` before the first), sent as is to a board that joins. */
  frame: string | undefined;
  /** What that frame showed, to skip sending an unchanged board. */
  fingerprint: string | undefined;
}

/** The open boards of one doctor, refreshed together. */
interface Doctor {
  readonly id: string;
  /** By date key (`''` for today). */
  readonly groups: Map<string, Group>;
  /** Local dates changed since the last refresh; `null`: every date (a periodic refresh). */
  dirty: Set<string> | null;
  running: Promise<void> | undefined;
  /** When the last refresh started (`performance.now()`), to space refreshes. */
  lastRefresh: number;
}

/** Options of {@link BoardFeed}. */
export interface BoardFeedOptions {
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Milliseconds between refreshes of open boards (catches the change of day). */
  readonly refreshMs: number;
  /** Room numbers by doctor id. */
  readonly rooms: Readonly<Record<string, string>>;
  /**
   * Least milliseconds between two refreshes of a doctor's boards: changes closer together are
   * shown together. A change after a quiet moment is shown at once.
   */
  readonly minIntervalMs: number;
}

/**
 * Keeps every open display board current. When the hub delivers an event of a doctor-day with
 * open boards, that day's schedule is read once (once per burst of events) and the board, if it
 * changed, is written to every board of the doctor-day: the cost of an event does not grow with
 * the number of screens showing it, beyond writing the same frame to each, and refreshes are
 * spaced by `minIntervalMs`, so that a busy desk's bookings do not each pay for every screen.
 */
export class BoardFeed {
  readonly #scheduler: OpdScheduler;
  readonly #hub: EventHub;
  readonly #options: BoardFeedOptions;
  readonly #doctors = new Map<string, Doctor>();
  /**
   * The previous date's schedule of each doctor whose today's board was read, kept until an event
   * of that doctor-day (or the periodic refresh) makes it stale: a night session's board needs it,
   * but most changes are of today's date, and these read it once.
   */
  readonly #before = new Map<string, { readonly date: string; readonly schedule: Promise<DaySchedule> }>();
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(scheduler: OpdScheduler, hub: EventHub, options: BoardFeedOptions) {
    this.#scheduler = scheduler;
    this.#hub = hub;
    this.#options = options;
    this.#unsubscribe = hub.subscribe((event) => {
      if ('day' in event && this.#before.get(event.doctorId)?.date === event.day) this.#before.delete(event.doctorId);
      const doctor = this.#doctors.get(event.doctorId);
      if (doctor === undefined) return;
      if (BOARD_ACTIONS[event.type] === 'call') this.#call(doctor, event);
      this.#refresh(doctor, 'day' in event ? event.day : null);
    });
    this.#timer = setInterval(() => {
      this.#before.clear();
      for (const doctor of this.#doctors.values()) this.#refresh(doctor, null);
    }, options.refreshMs);
    this.#timer.unref();
  }

  /**
   * The board of a doctor on `date`, or today's (in the scheduler's time zone): a slot belongs to
   * the date it starts, so today's board also shows the previous date's slots still running (a
   * night session past midnight), first, as `callNext` calls their patients first.
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`
   */
  async board(doctorId: string, date: string | undefined, read = (day: string) => this.#scheduler.getSchedule(doctorId, day)): Promise<Board> {
    const seq = this.#hub.cursor;
    const now = this.#options.clock();
    const today = this.#scheduler.dayOf(now);
    let schedule = await read(date ?? today);
    if (date === undefined) {
      const running = (await this.#previous(doctorId, dateBefore(today), read)).slots.filter((view) => view.slot.end > now);
      if (running.length > 0) schedule = { ...schedule, slots: [...running, ...schedule.slots] };
    }
    return boardOf(schedule, this.#scheduler.timeZone, seq, now, this.roomOf(doctorId));
  }

  /** The doctor's schedule of `date` (the date before today), read (with `read`) once until it goes stale. */
  #previous(doctorId: string, date: string, read: (day: string) => Promise<DaySchedule>): Promise<DaySchedule> {
    const kept = this.#before.get(doctorId);
    if (kept?.date === date) return kept.schedule;
    const schedule = read(date);
    this.#before.set(doctorId, { date, schedule });
    // A failed read is not kept: the next board reads again.
    schedule.catch(() => {
      if (this.#before.get(doctorId)?.schedule === schedule) this.#before.delete(doctorId);
    });
    return schedule;
  }

  /** The configured room of a doctor, or `null`. */
  roomOf(doctorId: string): string | null {
    return Object.hasOwn(this.#options.rooms, doctorId) ? this.#options.rooms[doctorId]! : null;
  }

  /**
   * Opens a stream with `open` and sends it the board of each doctor on `date` now, then
   * whenever one changes, and the calls of their tokens. A board joining others of the same
   * doctor-day gets the frame they were last sent, without a read. Every board is read (or
   * found) before the stream opens.
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED` (before opening), and what `open` throws
   */
  async follow(doctorIds: readonly string[], date: string | undefined, open: () => SseConnection): Promise<void> {
    const key = date ?? '';
    const reads = await Promise.all(
      doctorIds.map(async (doctorId) => (this.#doctors.get(doctorId)?.groups.get(key)?.frame === undefined ? this.#encode(await this.board(doctorId, date)) : undefined)),
    );
    const stream = open();
    doctorIds.forEach((doctorId, i) => {
      const read = reads[i];
      let doctor = this.#doctors.get(doctorId);
      if (doctor === undefined) {
        doctor = { id: doctorId, groups: new Map(), dirty: new Set(), running: undefined, lastRefresh: -Infinity };
        this.#doctors.set(doctorId, doctor);
      }
      let group = doctor.groups.get(key);
      if (group === undefined) {
        group = { date, streams: new Set(), frame: undefined, fingerprint: undefined };
        doctor.groups.set(key, group);
      }
      if (group.frame === undefined && read !== undefined) {
        group.frame = read.frame;
        group.fingerprint = read.fingerprint;
        // Events delivered during the read: refresh, as the boards already open would have been.
        if (this.#hub.cursor > read.seq) this.#refresh(doctor, null);
      }
      const joined = group;
      const of = doctor;
      joined.streams.add(stream);
      stream.onClose(() => {
        joined.streams.delete(stream);
        if (joined.streams.size > 0 || of.groups.get(key) !== joined) return;
        of.groups.delete(key);
        if (of.groups.size === 0 && this.#doctors.get(of.id) === of) {
          this.#doctors.delete(of.id);
          this.#before.delete(of.id);
        }
      });
      stream.sendFrame(joined.frame ?? read!.frame);
    });
  }

  /** Announces a called token on the doctor's boards of the event's day, at once. */
  #call(doctor: Doctor, event: OpdEvent): void {
    if (!('tokenNumber' in event)) return;
    const today = this.#scheduler.dayOf(this.#options.clock());
    const room = 'room' in event && typeof event.room === 'string' ? event.room : this.roomOf(doctor.id);
    const call: BoardCall = { doctorId: doctor.id, tokenNumber: event.tokenNumber, label: event.label, room, seq: event.seq };
    const frame = SseConnection.frame(event.seq, 'call', JSON.stringify(call));
    for (const group of doctor.groups.values()) {
      // Today's boards show the previous date's night session too; a patient of it is called only while it runs.
      if (group.date === undefined ? event.day !== today && event.day !== dateBefore(today) : group.date !== event.day) continue;
      for (const stream of group.streams) stream.sendFrame(frame);
    }
  }

  /** Stops following. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    clearInterval(this.#timer);
    this.#doctors.clear();
    this.#before.clear();
  }

  /** The board as one SSE frame, and what its screen shows (the same board at a later seq or time shows the same). */
  #encode(board: Board): { frame: string; fingerprint: string; seq: number } {
    return {
      frame: SseConnection.frame(board.seq, 'board', JSON.stringify(board)),
      fingerprint: JSON.stringify([board.date, board.nowServing, board.next, board.waiting, board.waitlisted, board.doctor]),
      seq: board.seq,
    };
  }

  /** Marks `day` (`null`: every day) of the doctor's boards as changed and refreshes them, once per burst. */
  #refresh(doctor: Doctor, day: string | null): void {
    if (day === null) doctor.dirty = null;
    else doctor.dirty?.add(day);
    this.#run(doctor);
  }

  #run(doctor: Doctor): void {
    if (this.#closed || doctor.running !== undefined || (doctor.dirty !== null && doctor.dirty.size === 0)) return;
    const wait = doctor.lastRefresh + this.#options.minIntervalMs - performance.now();
    const spaced = wait > 0 ? new Promise<void>((done) => setTimeout(done, wait).unref()) : Promise.resolve();
    doctor.running = spaced.then(() => this.#send(doctor)).finally(() => {
      doctor.running = undefined;
      this.#run(doctor);
    });
  }

  /** Reads each changed date of the doctor's boards once and sends every group its board. */
  async #send(doctor: Doctor): Promise<void> {
    if (this.#closed) return;
    doctor.lastRefresh = performance.now();
    const dirty = doctor.dirty;
    doctor.dirty = new Set();
    const today = this.#scheduler.dayOf(this.#options.clock());
    // By what each group shows: today's board (`''`, with the previous date's night session) or a fixed date's.
    const byKey = new Map<string, Group[]>();
    for (const group of doctor.groups.values()) {
      const changed =
        dirty === null || (group.date === undefined ? dirty.has(today) || dirty.has(dateBefore(today)) : dirty.has(group.date));
      if (!changed) continue;
      const key = group.date ?? '';
      byKey.set(key, [...(byKey.get(key) ?? []), group]);
    }
    // A date shown by several groups (today's and the same date named) is read once.
    const reads = new Map<string, Promise<DaySchedule>>();
    const read = (day: string): Promise<DaySchedule> => {
      let schedule = reads.get(day);
      if (schedule === undefined) reads.set(day, (schedule = this.#scheduler.getSchedule(doctor.id, day)));
      return schedule;
    };
    for (const groups of byKey.values()) {
      try {
        const { frame, fingerprint } = this.#encode(await this.board(doctor.id, groups[0]!.date, read));
        for (const group of groups) {
          if (fingerprint === group.fingerprint) continue;
          group.fingerprint = fingerprint;
          group.frame = frame;
          for (const stream of group.streams) stream.sendFrame(frame);
        }
      } catch (error) {
        this.#options.logger.error('display board refresh failed', { doctorId: doctor.id, ...describeError(error) });
      }
    }
  }
}

/** The calendar date before `date` (`YYYY-MM-DD`). */
function dateBefore(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const before = new Date(Date.UTC(y, m - 1, d - 1));
  return `${String(before.getUTCFullYear()).padStart(4, '0')}-${String(before.getUTCMonth() + 1).padStart(2, '0')}-${String(before.getUTCDate()).padStart(2, '0')}`;
}
