/** The hall's queue of announcements: one at a time, recalls repeat the call, a cool-down per room. */
import type { OpdEvent } from '../events.js';
import { invalid } from '../errors.js';
import { announcement, isAnnounced, sentenceOf, type AnnouncementOptions, type AnnouncementUnit } from './announcement.js';
import { expectLanguage, type NoticeLanguage } from './languages.js';

const SEEN_KEPT = 50_000;

/** One announcement waiting or being spoken. */
export interface QueuedAnnouncement {
  /** Increasing within the queue. */
  readonly id: number;
  /** The event it comes from. */
  readonly seq: number;
  /** The event's type. */
  readonly type: string;
  /** The token called, or `null` (a doctor's pause). */
  readonly tokenId: string | null;
  /** What the cool-down is kept by: the room called to, else the doctor. */
  readonly room: string;
  /** The language. */
  readonly language: NoticeLanguage;
  /** The whole sentence. */
  readonly text: string;
  /** The pieces, in the order spoken. */
  readonly units: readonly AnnouncementUnit[];
}

/** What the queue asks to know of each event, beyond the event: the spoken names of its doctor and patient. */
export type AnnouncementContext = (event: OpdEvent) => Omit<AnnouncementOptions, 'language'>;

/** Options of {@link AnnouncementQueue}. */
export interface AnnouncementQueueOptions {
  /**
   * The languages each event is announced in, one after the other.
   *
   * @defaultValue `['en']`
   */
  readonly languages?: readonly NoticeLanguage[] | undefined;
  /**
   * The least time from the end of one announcement to a room until the next one to that room
   * starts, in milliseconds; announcements to other rooms go first meanwhile.
   *
   * @defaultValue `0`
   */
  readonly cooldownMs?: number | undefined;
  /**
   * The clock.
   *
   * @defaultValue `() => new Date()`
   */
  readonly clock?: (() => Date) | undefined;
  /** The options of each event's announcement (doctor names, rooms, the label speller). */
  readonly context?: AnnouncementContext | undefined;
}

/**
 * The announcements of a hall, derived from committed events (feed it every event the scheduler
 * emits, or a `history()` tail): a call made through an API and one made on a screen announce
 * alike. One announcement is spoken at a time (the next waits for {@link finished}); a recall
 * repeats the units of the call it repeats; a room is not called again until its cool-down
 * after the last announcement to it has passed. An event seen twice (same `seq`) is queued once.
 *
 * @example
 * ```ts
 * import { OpdScheduler } from 'opd-scheduler';
 * import { AnnouncementQueue } from 'opd-scheduler/notices';
 *
 * const opd = new OpdScheduler();
 * const hall = new AnnouncementQueue({ languages: ['hi', 'en'], cooldownMs: 10_000 });
 * opd.on('event', (event) => hall.push(event));
 * // The hall's player: speak `next()`, then report `finished(id)`.
 * const now = hall.next();
 * if (now !== undefined) hall.finished(now.id);
 * ```
 */
export class AnnouncementQueue {
  readonly #languages: readonly NoticeLanguage[];
  readonly #cooldownMs: number;
  readonly #clock: () => Date;
  readonly #context: AnnouncementContext;
  readonly #waiting: QueuedAnnouncement[] = [];
  readonly #seen = new Set<number>();
  readonly #calls = new Map<string, Map<NoticeLanguage, readonly AnnouncementUnit[]>>();
  readonly #roomFreeAt = new Map<string, number>();
  #playing: QueuedAnnouncement | undefined;
  #nextId = 1;
  #lastSeq: number | undefined;

  constructor(options: AnnouncementQueueOptions = {}) {
    const languages = options.languages ?? ['en'];
    if (!Array.isArray(languages) || languages.length === 0) throw invalid('languages', 'Expected `languages` to be a list of one or more languages');
    this.#languages = Object.freeze(languages.map((language, i) => expectLanguage(`languages[${i}]`, language)));
    const cooldown = options.cooldownMs ?? 0;
    if (typeof cooldown !== 'number' || !Number.isFinite(cooldown) || cooldown < 0)
      throw invalid('cooldownMs', `Expected \`cooldownMs\` to be a non-negative number, got \`${String(cooldown)}\``);
    this.#cooldownMs = cooldown;
    this.#clock = options.clock ?? (() => new Date());
    this.#context = options.context ?? (() => ({}));
  }

  /**
   * Takes a committed event: an announced one joins the queue (once per language); any other,
   * a dry run's (`seq` 0) or one already seen, is ignored.
   *
   * @returns the announcements queued for it
   */
  push(event: OpdEvent): readonly QueuedAnnouncement[] {
    if (event.seq === 0 || this.#seen.has(event.seq) || !isAnnounced(event)) return [];
    this.#seen.add(event.seq);
    // A day's worth of sequence numbers is enough to drop a repeat; the oldest are let go.
    if (this.#seen.size > SEEN_KEPT) for (const seq of this.#seen) if (this.#seen.delete(seq)) break;
    const tokenId = 'tokenId' in event ? event.tokenId : null;
    const room =
      event.type === 'token:called' && event.room !== null
        ? `room:${event.room}`
        : event.type === 'token:forwarded'
          ? `point:${event.to.servicePointId ?? ''}`
          : `doctor:${event.doctorId}`;
    const queued = this.#languages.map((language) => {
      let units = announcement(event, { ...this.#context(event), language }).units;
      if (event.type === 'token:called' && tokenId !== null) {
        const calls = this.#calls.get(tokenId) ?? new Map<NoticeLanguage, readonly AnnouncementUnit[]>();
        const first = calls.get(language);
        // A recall says the very units of the call it repeats, after "calling again".
        if (event.recall && first !== undefined) units = [...units.filter((unit) => unit.clipId === `${language}/phrase/again`), ...first];
        else if (!event.recall) calls.set(language, units);
        this.#calls.set(tokenId, calls);
      }
      const item: QueuedAnnouncement = Object.freeze({
        id: this.#nextId++,
        seq: event.seq,
        type: event.type,
        tokenId,
        room,
        language,
        text: sentenceOf(units, language),
        units: Object.freeze([...units]),
      });
      return item;
    });
    this.#waiting.push(...queued);
    return queued;
  }

  /**
   * The announcement to speak now, which becomes the one playing: `undefined` while one is
   * playing, when none waits, or when every waiting one's room is cooling down. The languages of
   * one event stay together.
   */
  next(now: Date = this.#clock()): QueuedAnnouncement | undefined {
    if (this.#playing !== undefined) return undefined;
    const at = now.getTime();
    // The other languages of the event just spoken follow it at once, whatever the cool-down.
    const index = this.#waiting.findIndex((item) => item.seq === this.#lastSeq || (this.#roomFreeAt.get(item.room) ?? -Infinity) <= at);
    if (index < 0) return undefined;
    const [item] = this.#waiting.splice(index, 1);
    this.#playing = item;
    this.#lastSeq = item?.seq;
    return item;
  }

  /**
   * The player finished speaking an announcement: the next may start, and its room cools down.
   *
   * @throws OpdError `VALIDATION_FAILED` when `id` is not the one playing
   */
  finished(id: number, now: Date = this.#clock()): void {
    if (this.#playing?.id !== id) throw invalid('id', `Expected \`id\` to be the announcement playing, got \`${String(id)}\``);
    this.#roomFreeAt.set(this.#playing.room, now.getTime() + this.#cooldownMs);
    this.#playing = undefined;
  }

  /** The announcement being spoken, if any. */
  get playing(): QueuedAnnouncement | undefined {
    return this.#playing;
  }

  /** The announcements waiting, in order. */
  get waiting(): readonly QueuedAnnouncement[] {
    return [...this.#waiting];
  }

  /** When the room (as {@link QueuedAnnouncement.room} names it) may next be called, or `null` when it may now. */
  freeAt(room: string, now: Date = this.#clock()): Date | null {
    const at = this.#roomFreeAt.get(room);
    return at === undefined || at <= now.getTime() ? null : new Date(at);
  }
}
