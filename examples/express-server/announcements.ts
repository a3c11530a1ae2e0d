/**
 * The hall's announcements: a feed of the words of every committed call, recall, forward and
 * doctor's pause (`opd-scheduler/notices`), in the languages a screen asks for, and the hall
 * board that shows each one and speaks it with the browser's speech synthesis where it has a
 * voice for the language — one at a time, the text always on screen. Labels and rooms only: no
 * patient data.
 */
import { randomBytes } from 'node:crypto';
import type { OpdEvent, OpdScheduler } from 'opd-scheduler';
import { announcement, isAnnounced, type AnnouncementUnit, type NoticeLanguage } from 'opd-scheduler/notices';
import { BOARD_MESSAGES } from './board-messages.js';
import { escapeHtml, type Page } from './display-page.js';
import type { EventHub } from './events.js';
import type { Logger } from './log.js';
import { SseConnection } from './sse.js';

/** One event's announcement in each language of a feed, as the `announcement` SSE event carries it. */
export interface HallAnnouncement {
  /** The event's `seq` (also the SSE id). */
  readonly seq: number;
  /** The event's type. */
  readonly type: string;
  /** Where the patient is called to (the call's room, else the doctor's configured room), or `null`. */
  readonly room: string | null;
  /** The words, one entry per language in the order asked. */
  readonly languages: readonly {
    readonly language: NoticeLanguage;
    readonly speechLang: string;
    readonly text: string;
    readonly units: readonly AnnouncementUnit[];
  }[];
}

/** Options of {@link AnnouncementFeed}. */
export interface AnnouncementFeedOptions {
  readonly logger: Logger;
  /** Rooms of the doctors, by id: a call without a room of its own is sent there. */
  readonly rooms: Readonly<Record<string, string>>;
}

/**
 * Follows the event hub and sends each announced event, in `seq` order, to every open feed in
 * that feed's languages. The doctor's name (for a pause) is read from the scheduler once per
 * doctor.
 */
export class AnnouncementFeed {
  readonly #scheduler: OpdScheduler;
  readonly #options: AnnouncementFeedOptions;
  readonly #streams = new Map<SseConnection, readonly NoticeLanguage[]>();
  readonly #doctorNames = new Map<string, string>();
  readonly #unsubscribe: () => void;
  // Events are announced one after the other, in the order the hub delivers them, even when a name must be read first.
  #chain: Promise<void> = Promise.resolve();

  constructor(scheduler: OpdScheduler, hub: EventHub, options: AnnouncementFeedOptions) {
    this.#scheduler = scheduler;
    this.#options = options;
    this.#unsubscribe = hub.subscribe((event) => {
      if (!isAnnounced(event) || this.#streams.size === 0) return;
      this.#chain = this.#chain.then(
        () => this.#send(event),
        () => this.#send(event),
      );
    });
  }

  /** Adds an open stream that wants announcements in `languages`. */
  follow(stream: SseConnection, languages: readonly NoticeLanguage[]): void {
    this.#streams.set(stream, languages);
    stream.onClose(() => this.#streams.delete(stream));
  }

  /** The announcement of an event in the languages, as the feed sends it. */
  async announce(event: OpdEvent, languages: readonly NoticeLanguage[]): Promise<HallAnnouncement> {
    const room = event.type === 'token:called' ? (event.room ?? this.#roomOf(event.doctorId)) : null;
    const doctorName = event.type === 'doctor:paused' ? await this.#doctorName(event.doctorId) : undefined;
    const said = event.type === 'token:called' && event.room === null && room !== null ? { ...event, room } : event;
    return {
      seq: event.seq,
      type: event.type,
      room,
      languages: languages.map((language) => {
        const { text, units } = announcement(said, { language, ...(doctorName === undefined ? {} : { doctorName }) });
        return { language, speechLang: BOARD_MESSAGES[language].speechLang, text, units };
      }),
    };
  }

  /** Stops following. */
  close(): void {
    this.#unsubscribe();
    this.#streams.clear();
  }

  async #send(event: OpdEvent): Promise<void> {
    const frames = new Map<string, string>();
    for (const [stream, languages] of this.#streams) {
      try {
        const key = languages.join(',');
        let frame = frames.get(key);
        if (frame === undefined) {
          frame = SseConnection.frame(event.seq, 'announcement', JSON.stringify(await this.announce(event, languages)));
          frames.set(key, frame);
        }
        stream.sendFrame(frame);
      } catch (error) {
        this.#options.logger.error('announcement failed', { seq: event.seq, type: event.type, errorName: error instanceof Error ? error.name : typeof error });
      }
    }
  }

  #roomOf(doctorId: string): string | null {
    return Object.hasOwn(this.#options.rooms, doctorId) ? this.#options.rooms[doctorId]! : null;
  }

  async #doctorName(doctorId: string): Promise<string | undefined> {
    if (!this.#doctorNames.has(doctorId)) for (const doctor of await this.#scheduler.listDoctors()) this.#doctorNames.set(doctor.id, doctor.name);
    return this.#doctorNames.get(doctorId);
  }
}

const STYLE = `
:root { --bg: #07131f; --panel: #0f2233; --text: #eef4fa; --muted: #8aa4bb; --accent: #ffd166; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font-family: 'Noto Sans', 'Noto Sans Devanagari', system-ui, sans-serif; height: 100vh; display: grid; grid-template-rows: auto 1fr auto; }
header { padding: 2vh 3vw; display: flex; justify-content: space-between; align-items: center; font-size: 3vh; }
.conn { color: var(--muted); font-size: 2.2vh; }
.conn.live { color: #7bd389; }
main { padding: 2vh 3vw; display: grid; grid-template-rows: auto 1fr; gap: 3vh; }
.now { background: var(--panel); border-radius: 2vh; padding: 4vh 3vw; min-height: 24vh; font-size: 6vh; font-weight: 800; color: var(--accent); display: flex; align-items: center; }
.now.idle { color: var(--muted); font-weight: 400; font-size: 4vh; }
h2 { font-size: 2.4vh; letter-spacing: 0.15em; color: var(--muted); text-transform: uppercase; margin: 0 0 1vh; }
ol { margin: 0; padding-left: 3vw; font-size: 3.4vh; color: var(--muted); }
footer { padding: 1.5vh 3vw; color: var(--muted); font-size: 2vh; }
`;

/**
 * The hall board's script: a queue of announcements, one shown and spoken at a time. An
 * announcement is spoken when the browser has speech synthesis and a voice for its language,
 * else it stays on screen for a few seconds; the next starts only when it ends.
 */
const SCRIPT = `
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($('hall-data').textContent);
  const queue = [];
  let playing = null;
  const SHOW_MS = 4000;
  const MAX_SPEECH_MS = 20000;

  function voiceFor(lang) {
    if (!('speechSynthesis' in window)) return null;
    const voices = speechSynthesis.getVoices();
    return voices.find((v) => v.lang === lang) || voices.find((v) => String(v.lang).slice(0, 2) === lang.slice(0, 2)) || null;
  }

  function renderQueue() {
    $('queue').replaceChildren(...queue.map((item) => { const li = document.createElement('li'); li.textContent = item.text; li.lang = item.language; return li; }));
  }

  function finished(item) {
    if (playing !== item) return;
    playing = null;
    $('now').classList.add('idle');
    $('now').textContent = data.idle;
    setTimeout(playNext, 300);
  }

  function playNext() {
    if (playing !== null || queue.length === 0) return;
    const item = queue.shift();
    playing = item;
    renderQueue();
    $('now').classList.remove('idle');
    $('now').textContent = item.text;
    $('now').lang = item.language;
    const voice = voiceFor(item.speechLang);
    if (voice === null) {
      setTimeout(() => finished(item), SHOW_MS);
      return;
    }
    const utterance = new SpeechSynthesisUtterance(item.text);
    utterance.lang = item.speechLang;
    try { utterance.voice = voice; } catch { /* a voice the engine lists but does not take */ }
    utterance.rate = 0.9;
    utterance.onend = () => finished(item);
    utterance.onerror = () => finished(item);
    // An engine that never ends an utterance must not stop the hall.
    setTimeout(() => finished(item), MAX_SPEECH_MS);
    speechSynthesis.speak(utterance);
  }

  const source = new EventSource(data.feed);
  source.addEventListener('announcement', (event) => {
    const said = JSON.parse(event.data);
    for (const one of said.languages) queue.push({ seq: said.seq, language: one.language, speechLang: one.speechLang, text: one.text });
    renderQueue();
    playNext();
  });
  source.addEventListener('open', () => { $('conn').classList.add('live'); $('conn').textContent = data.live; });
  source.addEventListener('error', () => { $('conn').classList.remove('live'); $('conn').textContent = data.reconnecting; });
})();
`;

/** The hall board page, following `feed` in `languages` (the first names the page). */
export function announcementsPage(languages: readonly NoticeLanguage[], feed: string): Page {
  const m = BOARD_MESSAGES[languages[0] ?? 'en'];
  const nonce = randomBytes(16).toString('base64');
  const data = { feed, idle: m.waitToBeCalled, live: m.live, reconnecting: m.reconnecting };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const html = `<!doctype html>
<html lang="${escapeHtml(m.locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${escapeHtml(m.hallTitle)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head><body>
<header><strong>${escapeHtml(m.hallTitle)}</strong><span class="conn" id="conn" data-testid="connection">${escapeHtml(m.connecting)}</span></header>
<main>
  <div class="now idle" id="now" data-testid="now" aria-live="assertive">${escapeHtml(m.waitToBeCalled)}</div>
  <section><h2>${escapeHtml(m.next)}</h2><ol id="queue" data-testid="queue"></ol></section>
</main>
<footer>${escapeHtml(languages.map((language) => BOARD_MESSAGES[language].name).join(' · '))}</footer>
<script type="application/json" id="hall-data">${json}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>
`;
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return { html, csp };
}
