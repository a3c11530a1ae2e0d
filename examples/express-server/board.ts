/**
 * The waiting-room display board's data: for one doctor-day, the token numbers in consultation
 * and the next token numbers in queue order. Token numbers only — no names, no patient ids, no
 * categories — so the board can be public even when the API needs a key.
 */
import type { DaySchedule, OpdScheduler } from 'opd-scheduler';
import type { EventHub } from './events.js';
import type { Logger } from './log.js';
import { describeError } from './log.js';
import type { SseConnection } from './sse.js';

/** How many upcoming tokens the board lists. */
export const BOARD_NEXT_LIMIT = 12;

/** One upcoming token on the board. */
export interface BoardEntry {
  readonly tokenNumber: number;
  /** The patient has checked in at the desk. */
  readonly checkedIn: boolean;
  /** Estimated start of the consultation, as an ISO string, or `null`. */
  readonly estimatedStart: string | null;
}

/** What a display board shows. */
export interface Board {
  readonly doctor: { readonly id: string; readonly name: string; readonly specialization: string | null };
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
export function boardOf(schedule: DaySchedule, timeZone: string, seq: number, now: Date): Board {
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
          });
        }
      }
    }
  }
  const { doctor } = schedule;
  return {
    doctor: { id: doctor.id, name: doctor.name, specialization: doctor.specialization },
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

interface Group {
  readonly doctorId: string;
  /** A fixed date, or `undefined` for "today" (re-evaluated at every refresh). */
  readonly date: string | undefined;
  readonly streams: Set<SseConnection>;
  running: Promise<void> | undefined;
  again: boolean;
  /** What the last board sent showed, to skip sending an unchanged board. */
  last: string | undefined;
}

/** Options of {@link BoardFeed}. */
export interface BoardFeedOptions {
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Milliseconds between refreshes of open boards (catches the change of day). */
  readonly refreshMs: number;
}

/**
 * Keeps every open display board current: whenever the hub delivers an event of a doctor with
 * open boards, their board is rebuilt (once per burst of events) and sent if it changed.
 */
export class BoardFeed {
  readonly #scheduler: OpdScheduler;
  readonly #hub: EventHub;
  readonly #options: BoardFeedOptions;
  readonly #groups = new Map<string, Group>();
  readonly #unsubscribe: () => void;
  readonly #timer: NodeJS.Timeout;

  constructor(scheduler: OpdScheduler, hub: EventHub, options: BoardFeedOptions) {
    this.#scheduler = scheduler;
    this.#hub = hub;
    this.#options = options;
    this.#unsubscribe = hub.subscribe((event) => {
      for (const group of this.#groups.values()) if (group.doctorId === event.doctorId) this.#refresh(group);
    });
    this.#timer = setInterval(() => {
      for (const group of this.#groups.values()) this.#refresh(group);
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
    return boardOf(schedule, this.#scheduler.timeZone, seq, now);
  }

  /** Sends the current board on `stream` now and whenever it changes. */
  async follow(stream: SseConnection, doctorId: string, date: string | undefined): Promise<void> {
    const key = `${doctorId}\n${date ?? ''}`;
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { doctorId, date, streams: new Set(), running: undefined, again: false, last: undefined };
      this.#groups.set(key, group);
    }
    const joined = group;
    joined.streams.add(stream);
    stream.onClose(() => {
      joined.streams.delete(stream);
      if (joined.streams.size === 0 && this.#groups.get(key) === joined) this.#groups.delete(key);
    });
    const board = await this.board(doctorId, date);
    stream.send(board.seq, 'board', JSON.stringify(board));
  }

  /** Stops following. */
  close(): void {
    this.#unsubscribe();
    clearInterval(this.#timer);
    this.#groups.clear();
  }

  #refresh(group: Group): void {
    if (group.running !== undefined) {
      group.again = true;
      return;
    }
    group.running = this.#send(group).finally(() => {
      group.running = undefined;
      if (group.again) {
        group.again = false;
        this.#refresh(group);
      }
    });
  }

  async #send(group: Group): Promise<void> {
    try {
      const board = await this.board(group.doctorId, group.date);
      // What the screen shows: the same board at a later seq or time is not sent again.
      const fingerprint = JSON.stringify([board.date, board.nowServing, board.next, board.waiting, board.waitlisted, board.doctor]);
      if (fingerprint === group.last) return;
      group.last = fingerprint;
      const data = JSON.stringify(board);
      for (const stream of group.streams) stream.send(board.seq, 'board', data);
    } catch (error) {
      this.#options.logger.error('display board refresh failed', { doctorId: group.doctorId, ...describeError(error) });
    }
  }
}
