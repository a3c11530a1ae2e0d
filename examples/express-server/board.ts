/**
 * The waiting-room display boards' data: for one doctor-day, the tokens in consultation and the
 * next tokens in queue order; for one service point (vitals, lab, …), the patients called there
 * and the next ones in its queue. Tokens are shown by the label the patient holds (`token.label`:
 * the token number, or `W-3` with labels per category). Labels and numbers only — no names, no
 * patient ids — so the boards can be public even when the API needs a key.
 */
import { OpdError, type DaySchedule, type OpdEvent, type OpdEventType, type OpdScheduler, type ServicePoint, type Token } from 'opd-scheduler';
import type { EventHub, EventListener } from './events.js';
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
  /** The doctor whose board announces it (for a pooled call, the doctor who called), or the token's doctor at a service point. */
  readonly doctorId: string;
  /** The service point that called, for a call at one; absent for a doctor's call. */
  readonly servicePointId?: string | undefined;
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
        // A patient waiting at a service point (vitals, the lab) is not the doctor's to call now.
        if (token.journey?.servicePointId == null) upcoming.push(token);
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

/** A patient being served at a service point: called there, and not sent on since. */
export interface PointServing {
  readonly tokenNumber: number;
  /** What the patient holds and the screen shows (`token.label`). */
  readonly label: string;
  /** The doctor the token is with (labels are unique per doctor-day, not across doctors). */
  readonly doctorId: string;
  /** The room or counter the patient was called to, or `null`. */
  readonly room: string | null;
}

/** One patient waiting at a service point. */
export interface PointEntry {
  readonly tokenNumber: number;
  /** What the patient holds and the screen shows (`token.label`). */
  readonly label: string;
  /** The doctor the token is with (labels are unique per doctor-day, not across doctors). */
  readonly doctorId: string;
}

/** What a service point's screen shows. */
export interface PointBoard {
  readonly servicePoint: { readonly id: string; readonly kind: string; readonly department: string | null; readonly rooms: readonly string[] };
  readonly date: string;
  readonly timeZone: string;
  /** `seq` of the last event the board reflects. */
  readonly seq: number;
  /** The patients called at the point who are still there (the last one called to each room), latest first. */
  readonly nowServing: readonly PointServing[];
  /** The next patients, in the order the point calls them (`getServicePointQueue`), without those being served. */
  readonly next: readonly PointEntry[];
  /** How many wait at the point, without those being served. */
  readonly waiting: number;
  readonly updatedAt: string;
}

/** A call at a service point, as {@link PointCalls} keeps it. */
interface PointCall extends PointServing {
  readonly tokenId: string;
  readonly day: string;
  readonly seq: number;
}

/**
 * Who is being served at each service point, from the events: a `token:called` with the point's
 * `servicePointId` puts the patient in the room it names (the patient called there before leaves
 * it); a `token:forwarded` away from the point ends it. A patient who left the point otherwise
 * (cancelled, no-show) is no longer in its queue, and boards show only those still in it. Kept in
 * memory, at most one patient per room of each point; fed from the stored history as the event
 * hub starts ({@link PointCalls.listener}), so a restarted server shows the same.
 */
export class PointCalls {
  readonly #points = new Map<string, Map<string, PointCall>>();

  /** Give it to the event hub: every stored event, in `seq` order. */
  readonly listener: EventListener = (event) => {
    if (event.type === 'token:called' && event.servicePointId !== undefined) {
      let calls = this.#points.get(event.servicePointId);
      if (calls === undefined) this.#points.set(event.servicePointId, (calls = new Map()));
      for (const [tokenId, call] of calls) if (call.room === event.room) calls.delete(tokenId);
      calls.delete(event.tokenId);
      calls.set(event.tokenId, {
        tokenId: event.tokenId,
        doctorId: event.doctorId,
        tokenNumber: event.tokenNumber,
        label: event.label,
        room: event.room,
        day: event.day,
        seq: event.seq,
      });
    } else if (event.type === 'token:forwarded' && event.from.servicePointId !== null) {
      this.#points.get(event.from.servicePointId)?.delete(event.tokenId);
    }
  };

  /** The calls at a point of tokens of `day`, latest first. */
  at(servicePointId: string, day: string): PointCall[] {
    return [...(this.#points.get(servicePointId)?.values() ?? [])].filter((call) => call.day === day).sort((a, b) => b.seq - a.seq);
  }
}

/** Builds the board of a service point from its queue (in call order) and the calls made there. */
export function pointBoardOf(
  point: ServicePoint,
  queue: readonly Token[],
  calls: readonly PointCall[],
  date: string,
  timeZone: string,
  seq: number,
  now: Date,
): PointBoard {
  const waitingIds = new Set(queue.map((t) => t.id));
  const serving = calls.filter((call) => waitingIds.has(call.tokenId));
  const servingIds = new Set(serving.map((call) => call.tokenId));
  const rest = queue.filter((t) => !servingIds.has(t.id));
  return {
    servicePoint: { id: point.id, kind: point.kind, department: point.department ?? null, rooms: [...(point.rooms ?? [])] },
    date,
    timeZone,
    seq,
    nowServing: serving.map(({ tokenNumber, label, doctorId, room }) => ({ tokenNumber, label, doctorId, room })),
    next: rest.slice(0, BOARD_NEXT_LIMIT).map((t) => ({ tokenNumber: t.tokenNumber, label: t.label, doctorId: t.doctorId })),
    waiting: rest.length,
    updatedAt: now.toISOString(),
  };
}

/** The open boards of one doctor (or one service point) on one date. */
interface Group {
  /** A fixed date, or `undefined` for "today" (re-evaluated at every refresh). */
  readonly date: string | undefined;
  readonly streams: Set<SseConnection>;
  /** The frame last sent (`undefined` before the first), sent as is to a board that joins. */
  frame: string | undefined;
  /** What that frame showed, to skip sending an unchanged board. */
  fingerprint: string | undefined;
}

/** What a board shows: a doctor's day, or a service point's queue. */
export type BoardKind = 'doctor' | 'point';

/** The open boards of one doctor or one service point, refreshed together. */
interface Subject {
  readonly kind: BoardKind;
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
  /** The service points with a queue of their own, which have boards. @defaultValue none */
  readonly servicePoints?: readonly ServicePoint[] | undefined;
  /** Who was called at each service point, fed by the event hub. @defaultValue an empty record (calls from now on are not seen) */
  readonly calls?: PointCalls | undefined;
}

/** The key of a subject in the feed. */
const keyOf = (kind: BoardKind, id: string): string => `${kind}:${id}`;

/**
 * Keeps every open display board current. When the hub delivers an event of a doctor-day with
 * open boards, that day's schedule is read once (once per burst of events) and the board, if it
 * changed, is written to every board of the doctor-day: the cost of an event does not grow with
 * the number of screens showing it, beyond writing the same frame to each, and refreshes are
 * spaced by `minIntervalMs`, so that a busy desk's bookings do not each pay for every screen.
 * A service point's boards work the same way, refreshed by the events of tokens that may wait
 * there (a forward names its two ends, a call at a point names it).
 */
export class BoardFeed {
  readonly #scheduler: OpdScheduler;
  readonly #hub: EventHub;
  readonly #options: BoardFeedOptions;
  readonly #subjects = new Map<string, Subject>();
  readonly #points: ReadonlyMap<string, ServicePoint>;
  readonly #calls: PointCalls;
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
    this.#points = new Map((options.servicePoints ?? []).map((point) => [point.id, point]));
    this.#calls = options.calls ?? new PointCalls();
    this.#unsubscribe = hub.subscribe((event) => {
      if ('day' in event && this.#before.get(event.doctorId)?.date === event.day) this.#before.delete(event.doctorId);
      const day = 'day' in event ? event.day : null;
      const call = BOARD_ACTIONS[event.type] === 'call';
      const atPoint = event.type === 'token:called' ? event.servicePointId : undefined;
      const doctor = this.#subjects.get(keyOf('doctor', event.doctorId));
      if (doctor !== undefined) this.#refresh(doctor, day);
      if (call && atPoint === undefined) {
        // A pooled department's patient goes to the doctor who called.
        const caller = event.type === 'token:called' && event.calledBy !== undefined ? this.#subjects.get(keyOf('doctor', event.calledBy)) : doctor;
        if (caller !== undefined) this.#call(caller, event);
      }
      for (const id of this.#pointsTouched(event)) {
        const point = this.#subjects.get(keyOf('point', id));
        if (point === undefined) continue;
        if (call && atPoint === id) this.#call(point, event);
        this.#refresh(point, day);
      }
    });
    this.#timer = setInterval(() => {
      this.#before.clear();
      for (const subject of this.#subjects.values()) this.#refresh(subject, null);
    }, options.refreshMs);
    this.#timer.unref();
  }

  /**
   * The service points whose queue an event may change: a forward's two ends, a call's point;
   * none for a doctor's call or an event of no token; every point for any other token event
   * (where the token waits is not in the event).
   */
  #pointsTouched(event: OpdEvent): Iterable<string> {
    if (this.#points.size === 0 || !('tokenId' in event)) return [];
    if (event.type === 'token:forwarded') return [event.from.servicePointId, event.to.servicePointId].filter((id): id is string => id !== null);
    if (event.type === 'token:called') return event.servicePointId === undefined ? [] : [event.servicePointId];
    return this.#points.keys();
  }

  /** The service points with boards, in the order configured. */
  get servicePoints(): readonly ServicePoint[] {
    return [...this.#points.values()];
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

  /**
   * The board of a service point on `date`, or today's: the patients being served there and the
   * next in its queue.
   * @throws OpdError `VALIDATION_FAILED` (a point without a board of its own, a bad date)
   */
  async pointBoard(servicePointId: string, date: string | undefined): Promise<PointBoard> {
    const point = this.#points.get(servicePointId);
    if (point === undefined) {
      throw new OpdError('VALIDATION_FAILED', `No service point \`${servicePointId.slice(0, 64)}\` with a queue of its own`, {
        details: { field: 'servicePointId', servicePoint: servicePointId.slice(0, 64) },
      });
    }
    const seq = this.#hub.cursor;
    const now = this.#options.clock();
    const day = date ?? this.#scheduler.dayOf(now);
    const queue = await this.#scheduler.getServicePointQueue(point.id, day);
    return pointBoardOf(point, queue, this.#calls.at(point.id, day), day, this.#scheduler.timeZone, seq, now);
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
  follow(doctorIds: readonly string[], date: string | undefined, open: () => SseConnection): Promise<void> {
    return this.#follow('doctor', doctorIds, date, open);
  }

  /**
   * As {@link BoardFeed.follow}, for service points: the board of each point on `date` now, then
   * whenever it changes, and the calls made there.
   * @throws OpdError `VALIDATION_FAILED` (before opening), and what `open` throws
   */
  followPoints(servicePointIds: readonly string[], date: string | undefined, open: () => SseConnection): Promise<void> {
    return this.#follow('point', servicePointIds, date, open);
  }

  /** Reads the board a subject shows on `date`, as a frame. */
  async #read(
    kind: BoardKind,
    id: string,
    date: string | undefined,
    read?: (day: string) => Promise<DaySchedule>,
  ): Promise<{ frame: string; fingerprint: string; seq: number }> {
    return kind === 'doctor' ? this.#encode(await this.board(id, date, read)) : this.#encodePoint(await this.pointBoard(id, date));
  }

  async #follow(kind: BoardKind, ids: readonly string[], date: string | undefined, open: () => SseConnection): Promise<void> {
    const key = date ?? '';
    const reads = await Promise.all(
      ids.map(async (id) => (this.#subjects.get(keyOf(kind, id))?.groups.get(key)?.frame === undefined ? this.#read(kind, id, date) : undefined)),
    );
    const stream = open();
    ids.forEach((id, i) => {
      const read = reads[i];
      let subject = this.#subjects.get(keyOf(kind, id));
      if (subject === undefined) {
        subject = { kind, id, groups: new Map(), dirty: new Set(), running: undefined, lastRefresh: -Infinity };
        this.#subjects.set(keyOf(kind, id), subject);
      }
      let group = subject.groups.get(key);
      if (group === undefined) {
        group = { date, streams: new Set(), frame: undefined, fingerprint: undefined };
        subject.groups.set(key, group);
      }
      if (group.frame === undefined && read !== undefined) {
        group.frame = read.frame;
        group.fingerprint = read.fingerprint;
        // Events delivered during the read: refresh, as the boards already open would have been.
        if (this.#hub.cursor > read.seq) this.#refresh(subject, null);
      }
      const joined = group;
      const of = subject;
      joined.streams.add(stream);
      stream.onClose(() => {
        joined.streams.delete(stream);
        if (joined.streams.size > 0 || of.groups.get(key) !== joined) return;
        of.groups.delete(key);
        if (of.groups.size === 0 && this.#subjects.get(keyOf(of.kind, of.id)) === of) {
          this.#subjects.delete(keyOf(of.kind, of.id));
          if (of.kind === 'doctor') this.#before.delete(of.id);
        }
      });
      stream.sendFrame(joined.frame ?? read!.frame);
    });
  }

  /** Announces a called token on the subject's boards of the event's day, at once. */
  #call(subject: Subject, event: OpdEvent): void {
    if (!('tokenNumber' in event)) return;
    const today = this.#scheduler.dayOf(this.#options.clock());
    const given = 'room' in event && typeof event.room === 'string' ? event.room : null;
    const call: BoardCall =
      subject.kind === 'doctor'
        ? { doctorId: subject.id, tokenNumber: event.tokenNumber, label: event.label, room: given ?? this.roomOf(subject.id), seq: event.seq }
        : { doctorId: event.doctorId, servicePointId: subject.id, tokenNumber: event.tokenNumber, label: event.label, room: given, seq: event.seq };
    const frame = SseConnection.frame(event.seq, 'call', JSON.stringify(call));
    for (const group of subject.groups.values()) {
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
    this.#subjects.clear();
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

  /** A service point's board as one SSE frame, and what its screen shows. */
  #encodePoint(board: PointBoard): { frame: string; fingerprint: string; seq: number } {
    return {
      frame: SseConnection.frame(board.seq, 'board', JSON.stringify(board)),
      fingerprint: JSON.stringify([board.date, board.nowServing, board.next, board.waiting, board.servicePoint]),
      seq: board.seq,
    };
  }

  /** Marks `day` (`null`: every day) of the subject's boards as changed and refreshes them, once per burst. */
  #refresh(subject: Subject, day: string | null): void {
    if (day === null) subject.dirty = null;
    else subject.dirty?.add(day);
    this.#run(subject);
  }

  #run(subject: Subject): void {
    if (this.#closed || subject.running !== undefined || (subject.dirty !== null && subject.dirty.size === 0)) return;
    const wait = subject.lastRefresh + this.#options.minIntervalMs - performance.now();
    const spaced = wait > 0 ? new Promise<void>((done) => setTimeout(done, wait).unref()) : Promise.resolve();
    subject.running = spaced
      .then(() => this.#send(subject))
      .finally(() => {
        subject.running = undefined;
        this.#run(subject);
      });
  }

  /** Reads each changed date of the subject's boards once and sends every group its board. */
  async #send(subject: Subject): Promise<void> {
    if (this.#closed) return;
    subject.lastRefresh = performance.now();
    const dirty = subject.dirty;
    subject.dirty = new Set();
    const today = this.#scheduler.dayOf(this.#options.clock());
    // By what each group shows: today's board (`''`, with the previous date's night session) or a fixed date's.
    const byKey = new Map<string, Group[]>();
    for (const group of subject.groups.values()) {
      const changed = dirty === null || (group.date === undefined ? dirty.has(today) || dirty.has(dateBefore(today)) : dirty.has(group.date));
      if (!changed) continue;
      const key = group.date ?? '';
      byKey.set(key, [...(byKey.get(key) ?? []), group]);
    }
    // A date shown by several groups (today's and the same date named) is read once.
    const reads = new Map<string, Promise<DaySchedule>>();
    const read = (day: string): Promise<DaySchedule> => {
      let schedule = reads.get(day);
      if (schedule === undefined) reads.set(day, (schedule = this.#scheduler.getSchedule(subject.id, day)));
      return schedule;
    };
    for (const groups of byKey.values()) {
      try {
        const { frame, fingerprint } = await this.#read(subject.kind, subject.id, groups[0]!.date, read);
        for (const group of groups) {
          if (fingerprint === group.fingerprint) continue;
          group.fingerprint = fingerprint;
          group.frame = frame;
          for (const stream of group.streams) stream.sendFrame(frame);
        }
      } catch (error) {
        this.#options.logger.error('display board refresh failed', {
          ...(subject.kind === 'doctor' ? { doctorId: subject.id } : { servicePointId: subject.id }),
          ...describeError(error),
        });
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
