/**
 * The waiting-room display board's data: for one doctor-day, the token numbers in consultation
 * and the next token numbers in queue order. Token numbers only — no names, no patient ids, no
 * categories — so the board can be public even when the API needs a key.
 */
import type { DaySchedule, OpdEvent, OpdEventType, OpdScheduler } from 'opd-scheduler';
import type { EventHub } from './events.js';
import type { Logger } from './log.js';
import { describeError } from './log.js';
import { SseConnection } from './sse.js';

/** How many upcoming tokens the board lists. */
export const BOARD_NEXT_LIMIT = 12;

/** One upcoming token on the board. */
export interface BoardEntry {
  readonly tokenNumber: number;
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
  /** Token numbers in consultation. */
  readonly nowServing: readonly number[];
  /** The next tokens, in queue order (slots in time order, then each slot's queue order). */
  readonly next: readonly BoardEntry[];
  /** All tokens still waiting for a consultation in the day's slots. */
  readonly waiting: number;
  /** Tokens on the waitlist (no place yet). */
  readonly waitlisted: number;
  readonly updatedAt: string;
}

/** Builds the board of a doctor's day. */
export function boardOf(schedule: DaySchedule, timeZone: string, seq: number, now: Date, room: string | null = null): Board {
  const nowServing: number[] = [];
  const next: BoardEntry[] = [];
  let waiting = 0;
  for (const view of schedule.slots) {
    for (const token of view.places) {
      if (token.status === 'IN_CONSULTATION') nowServing.push(token.tokenNumber);
      else if (token.status === 'BOOKED' || token.status === 'CHECKED_IN') {
        waiting++;
        if (next.length < BOARD_NEXT_LIMIT) {
          next.push({
            tokenNumber: token.tokenNumber,
            checkedIn: token.status === 'CHECKED_IN',
            estimatedStart: token.estimatedStart === null ? null : token.estimatedStart.toISOString(),
            estimateAfterSlot: token.estimateStatus === 'AFTER_SLOT',
          });
        }
      }
    }
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
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(scheduler: OpdScheduler, hub: EventHub, options: BoardFeedOptions) {
    this.#scheduler = scheduler;
    this.#hub = hub;
    this.#options = options;
    this.#unsubscribe = hub.subscribe((event) => {
      const doctor = this.#doctors.get(event.doctorId);
      if (doctor === undefined) return;
      if (BOARD_ACTIONS[event.type] === 'call') this.#call(doctor, event);
      this.#refresh(doctor, 'day' in event ? event.day : null);
    });
    this.#timer = setInterval(() => {
      for (const doctor of this.#doctors.values()) this.#refresh(doctor, null);
    }, options.refreshMs);
    this.#timer.unref();
  }

  /**
   * The board of a doctor on `date` (default: today in the scheduler's time zone).
   * @throws OpdError `DOCTOR_NOT_FOUND`, `VALIDATION_FAILED`
   */
  async board(doctorId: string, date: string | undefined): Promise<Board> {
    const seq = this.#hub.cursor;
    const now = this.#options.clock();
    const schedule = await this.#scheduler.getSchedule(doctorId, date ?? this.#scheduler.dayOf(now));
    return boardOf(schedule, this.#scheduler.timeZone, seq, now, this.roomOf(doctorId));
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
        if (of.groups.size === 0 && this.#doctors.get(of.id) === of) this.#doctors.delete(of.id);
      });
      stream.sendFrame(joined.frame ?? read!.frame);
    });
  }

  /** Announces a called token on the doctor's boards of the event's day, at once. */
  #call(doctor: Doctor, event: OpdEvent): void {
    if (!('tokenNumber' in event)) return;
    const today = this.#scheduler.dayOf(this.#options.clock());
    const room = 'room' in event && typeof event.room === 'string' ? event.room : this.roomOf(doctor.id);
    const call: BoardCall = { doctorId: doctor.id, tokenNumber: event.tokenNumber, room, seq: event.seq };
    const frame = SseConnection.frame(event.seq, 'call', JSON.stringify(call));
    for (const group of doctor.groups.values()) {
      if ((group.date ?? today) !== event.day) continue;
      for (const stream of group.streams) stream.sendFrame(frame);
    }
  }

  /** Stops following. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    clearInterval(this.#timer);
    this.#doctors.clear();
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
    const byDate = new Map<string, Group[]>();
    for (const group of doctor.groups.values()) {
      const date = group.date ?? today;
      if (dirty !== null && !dirty.has(date)) continue;
      byDate.set(date, [...(byDate.get(date) ?? []), group]);
    }
    for (const [date, groups] of byDate) {
      try {
        const { frame, fingerprint } = this.#encode(await this.board(doctor.id, date));
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
