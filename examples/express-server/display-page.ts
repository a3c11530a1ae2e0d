/**
 * The waiting-room screens: the token display board of one doctor, the waiting hall of several,
 * the board of one service point (vitals, lab, …) and the screen of every service point. Each is one self-contained page (inline CSS and script, no external assets) that
 * follows its live feed to update without reloading, and announces a called token with a chime
 * and a spoken call (Web Speech) in the screen's language. Every text comes from
 * {@link BOARD_MESSAGES}.
 */
import { randomBytes } from 'node:crypto';
import type { Board, PointBoard } from './board.js';
import { BOARD_MESSAGES, kindName, SERVICE_POINT_KINDS, type BoardLanguage } from './board-messages.js';

/** A page and the Content-Security-Policy that lets only its own inline code run. */
export interface Page {
  readonly html: string;
  readonly csp: string;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that can sit inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function csp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const COMMON_STYLE = `
:root {
  --bg: #07131f; --panel: #0e2233; --panel-2: #132c42; --line: #1f4060;
  --text: #eef4fa; --muted: #8fb0cc; --accent: #ffc93c; --ok: #3ddc84; --warn: #ff7a59;
  color-scheme: dark;
}
* { box-sizing: border-box; margin: 0; padding: 0; }
html, body { height: 100%; }
body {
  background: var(--bg); color: var(--text); overflow: hidden;
  font-family: "Inter", "Segoe UI", Roboto, "Noto Sans", "Noto Sans Devanagari", "DejaVu Sans", system-ui, sans-serif;
  font-variant-numeric: tabular-nums; display: grid; grid-template-rows: 11vh 1fr 8vh;
}
header, footer { display: flex; align-items: center; justify-content: space-between; padding: 0 3vw; }
header { background: var(--panel); border-bottom: 0.4vh solid var(--accent); }
.who { display: flex; align-items: baseline; gap: 1.6vw; min-width: 0; }
.dept { font-size: 2.6vh; letter-spacing: 0.2em; color: var(--muted); font-weight: 700; }
.doctor { font-size: 5vh; font-weight: 800; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.spec { font-size: 3.2vh; color: var(--muted); white-space: nowrap; }
.room-tag { font-size: 3.6vh; font-weight: 800; color: var(--bg); background: var(--accent); border-radius: 1vh; padding: 0.4vh 1.2vw; white-space: nowrap; }
.time { text-align: right; }
.clock { font-size: 5.4vh; font-weight: 800; }
.date { font-size: 2.2vh; color: var(--muted); }
h2 { font-size: 3.4vh; letter-spacing: 0.2em; color: var(--muted); font-weight: 800; text-transform: uppercase; }
.flash { animation: flash 1.2s ease-out 3; }
@keyframes flash { 0% { background: var(--accent); color: var(--bg); } 100% { background: var(--panel); } }
.called { position: fixed; left: 50%; top: 50%; transform: translate(-50%, -50%); background: var(--accent); color: var(--bg);
  border-radius: 3vh; padding: 4vh 5vw; text-align: center; box-shadow: 0 0 0 100vmax rgba(7, 19, 31, 0.6); }
.called-token { font-size: 26vh; line-height: 1; font-weight: 900; }
.called-text { font-size: 4.6vh; font-weight: 800; margin-top: 1.5vh; }
footer { background: var(--panel); font-size: 2.8vh; color: var(--muted); }
.counts strong { color: var(--text); font-size: 3.4vh; }
.conn { display: flex; align-items: center; gap: 0.8vw; }
.dot { width: 1.8vh; height: 1.8vh; border-radius: 50%; background: var(--warn); }
.conn.live .dot { background: var(--ok); }
[hidden] { display: none !important; }
/* Spacing letters apart breaks the joined letters of Devanagari (and other scripts). */
:lang(hi) h2, :lang(hi) .dept, :lang(hi) th { letter-spacing: normal; }
`;

const BOARD_STYLE = `
main { display: grid; grid-template-columns: 46fr 54fr; gap: 2vw; padding: 2.5vh 3vw; min-height: 0; }
section { background: var(--panel); border-radius: 2vh; padding: 2.5vh 2vw; display: flex; flex-direction: column; min-height: 0; }
.now { border: 0.5vh solid var(--accent); }
.now-numbers { flex: 1; display: flex; align-items: center; justify-content: center; gap: 3vw; min-height: 0; }
.now-number { font-size: 34vh; line-height: 1; font-weight: 900; color: var(--accent); text-shadow: 0 0 4vh rgba(255, 201, 60, 0.35); }
.now-numbers.many .now-number { font-size: 20vh; }
.now-numbers.idle .now-number { color: var(--line); text-shadow: none; }
.hint { font-size: 3.4vh; text-align: center; color: var(--text); }
.next-list { list-style: none; flex: 1; display: grid; grid-template-columns: repeat(3, 1fr); grid-auto-rows: minmax(0, 1fr);
  gap: 1.6vh 1.2vw; margin-top: 2vh; min-height: 0; align-content: start; }
.next-list li { background: var(--panel-2); border-radius: 1.4vh; display: flex; flex-direction: column; align-items: center;
  justify-content: center; border: 0.3vh solid var(--line); padding: 1vh 0; min-height: 0; }
.next-list li:first-child { border-color: var(--text); }
.next-number { font-size: 11vh; line-height: 1; font-weight: 800; }
.next-note { font-size: 2.3vh; color: var(--muted); margin-top: 0.6vh; }
.next-note.in { color: var(--ok); font-weight: 700; }
.empty { flex: 1; display: flex; align-items: center; justify-content: center; font-size: 4vh; color: var(--muted); }
`;

const POINT_STYLE = `
.serving { display: flex; flex-direction: column; align-items: center; }
.serving-room { font-size: 4.4vh; font-weight: 800; color: var(--text); margin-top: 1vh; }
.now-numbers.many .serving-room { font-size: 3.2vh; }
`;

const HALL_STYLE = `
main { padding: 2vh 3vw; min-height: 0; overflow: hidden; }
table { width: 100%; border-collapse: separate; border-spacing: 0 1.2vh; }
th { font-size: 2.6vh; letter-spacing: 0.15em; color: var(--muted); text-align: left; padding: 0 1.5vw; text-transform: uppercase; }
td { background: var(--panel); padding: 1.2vh 1.5vw; font-size: 4vh; vertical-align: middle; }
td:first-child { border-radius: 1.4vh 0 0 1.4vh; }
td:last-child { border-radius: 0 1.4vh 1.4vh 0; }
.hall-doctor { font-weight: 800; }
.hall-spec { display: block; font-size: 2.4vh; color: var(--muted); font-weight: 400; }
.hall-room { font-weight: 800; color: var(--accent); font-size: 5vh; }
.hall-now { font-weight: 900; font-size: 7vh; color: var(--accent); }
.hall-now.idle { color: var(--line); }
.hall-next { color: var(--muted); font-size: 4vh; word-spacing: 1.2vw; }
`;

/**
 * Client code both screens share: their texts, clock, connection state, and the announcement
 * of a called token (a two-tone chime through Web Audio, then the call spoken with Web Speech
 * in the screen's language, and shown large for a few seconds).
 */
const COMMON_SCRIPT = `
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($('screen-data').textContent);
  const M = data.messages;
  // Lets a test (or an operator) tell that updates arrive without reloading the page.
  window.boardPageId = Math.random().toString(36).slice(2);
  const fill = (text, values) => text.replace(/\\{(\\w+)\\}/g, (_, key) => String(values[key]));
  const timeFormat = new Intl.DateTimeFormat(M.locale, { hour: '2-digit', minute: '2-digit', timeZone: data.timeZone });
  const dateFormat = new Intl.DateTimeFormat(M.locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone: data.timeZone });

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function tick() {
    const now = new Date();
    $('clock').textContent = timeFormat.format(now);
    $('date').textContent = dateFormat.format(now);
  }

  function connection(live) {
    $('conn').classList.toggle('live', live);
    $('conn-text').textContent = live ? M.live : M.reconnecting;
  }

  let audio = null;
  function chime() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (audio === null) audio = new Context();
    if (audio.state === 'suspended') void audio.resume();
    const start = audio.currentTime + 0.05;
    [[880, 0], [660, 0.5]].forEach(([frequency, at]) => {
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      tone.type = 'sine';
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.0001, start + at);
      volume.gain.exponentialRampToValueAtTime(0.5, start + at + 0.03);
      volume.gain.exponentialRampToValueAtTime(0.0001, start + at + 1.2);
      tone.connect(volume);
      volume.connect(audio.destination);
      tone.start(start + at);
      tone.stop(start + at + 1.3);
    });
  }
  // A screen's first click or key press unlocks sound where the browser asks for a gesture.
  const unlock = () => { if (audio !== null && audio.state === 'suspended') void audio.resume(); };
  addEventListener('click', unlock);
  addEventListener('keydown', unlock);

  function speak(text) {
    if (!('speechSynthesis' in window)) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = M.speechLang;
    const voices = speechSynthesis.getVoices();
    const voice = voices.find((v) => v.lang === M.speechLang) || voices.find((v) => v.lang.slice(0, 2) === M.speechLang.slice(0, 2));
    if (voice) utterance.voice = voice;
    utterance.rate = 0.9;
    speechSynthesis.speak(utterance);
  }

  let hideCalled;
  function announce(call) {
    const text = call.room === null ? fill(M.callNoRoom, { token: call.label }) : fill(M.call, { token: call.label, room: call.room });
    $('called-token').textContent = call.label;
    $('called-text').textContent = call.room === null ? M.goIn : fill(M.goToRoom, { room: call.room });
    $('called').hidden = false;
    clearTimeout(hideCalled);
    hideCalled = setTimeout(() => { $('called').hidden = true; }, 8000);
    chime();
    setTimeout(() => speak(text), 1300);
  }

  function follow(url, onBoard, onCall) {
    const source = new EventSource(url);
    source.addEventListener('board', (event) => onBoard(JSON.parse(event.data)));
    source.addEventListener('call', (event) => onCall(JSON.parse(event.data)));
    source.addEventListener('open', () => connection(true));
    source.addEventListener('error', () => connection(false));
  }
`;

const BOARD_SCRIPT = `
(() => {
  'use strict';
  ${COMMON_SCRIPT}
  let shown = null;

  function render(board) {
    if (shown !== null && board.seq < shown.seq) return;
    const previous = shown === null ? '' : shown.nowServing.join(',');
    shown = board;
    document.title = M.boardTitle + ' · ' + board.doctor.name;
    $('doctor').textContent = board.doctor.name;
    $('spec').textContent = board.doctor.specialization || '';
    $('room').textContent = board.room === null ? '' : fill(M.room, { room: board.room });
    $('room').hidden = board.room === null;

    const now = $('now-serving');
    now.replaceChildren();
    now.classList.toggle('many', board.nowServing.length > 1);
    now.classList.toggle('idle', board.nowServing.length === 0);
    if (board.nowServing.length === 0) now.append(el('span', 'now-number', '—'));
    for (const n of board.nowServing) now.append(el('span', 'now-number', String(n)));
    $('now-hint').textContent = board.nowServing.length === 0 ? M.waitToBeCalled : board.room === null ? M.goIn : fill(M.goToRoom, { room: board.room });
    const current = board.nowServing.join(',');
    if (current !== previous && current !== '') {
      const panel = $('now-panel');
      panel.classList.remove('flash');
      void panel.offsetWidth;
      panel.classList.add('flash');
    }

    const list = $('next-list');
    list.replaceChildren();
    for (const entry of board.next.slice(0, 9)) {
      const item = el('li');
      item.dataset.token = entry.label;
      item.append(el('span', 'next-number', entry.label));
      const note = entry.checkedIn
        ? el('span', 'next-note in', M.checkedIn)
        : el('span', 'next-note', entry.estimatedStart ? fill(M.about, { time: timeFormat.format(new Date(entry.estimatedStart)) }) : '');
      item.append(note);
      list.append(item);
    }
    $('next-empty').hidden = board.next.length > 0;
    list.hidden = board.next.length === 0;
    $('waiting').textContent = String(board.waiting);
    $('waitlisted').textContent = String(board.waitlisted);
    $('waitlisted-box').hidden = board.waitlisted === 0;
    $('updated').textContent = ' · ' + fill(M.updated, { time: timeFormat.format(new Date(board.updatedAt)) });
    document.body.dataset.seq = String(board.seq);
  }

  render(data.boards[0]);
  tick();
  setInterval(tick, 1000);
  follow(data.feed, render, announce);
})();
`;

const POINT_SCRIPT = `
(() => {
  'use strict';
  ${COMMON_SCRIPT}
  let shown = null;

  function render(board) {
    if (shown !== null && board.seq < shown.seq) return;
    const previous = shown === null ? '' : shown.nowServing.map((s) => s.label + '@' + s.room).join(',');
    shown = board;
    const now = $('now-serving');
    now.replaceChildren();
    now.classList.toggle('many', board.nowServing.length > 1);
    now.classList.toggle('idle', board.nowServing.length === 0);
    if (board.nowServing.length === 0) now.append(el('span', 'now-number', '—'));
    for (const serving of board.nowServing) {
      const item = el('div', 'serving');
      item.dataset.token = serving.label;
      item.append(el('span', 'now-number', serving.label));
      if (serving.room !== null) item.append(el('span', 'serving-room', fill(M.room, { room: serving.room })));
      now.append(item);
    }
    const only = board.nowServing.length === 1 ? board.nowServing[0] : null;
    $('now-hint').textContent = board.nowServing.length === 0 ? M.waitToBeCalled : only !== null && only.room !== null ? fill(M.goToRoom, { room: only.room }) : '';
    const current = board.nowServing.map((s) => s.label + '@' + s.room).join(',');
    if (current !== previous && current !== '') {
      const panel = $('now-panel');
      panel.classList.remove('flash');
      void panel.offsetWidth;
      panel.classList.add('flash');
    }

    const list = $('next-list');
    list.replaceChildren();
    for (const entry of board.next.slice(0, 9)) {
      const item = el('li');
      item.dataset.token = entry.label;
      item.append(el('span', 'next-number', entry.label));
      list.append(item);
    }
    $('next-empty').hidden = board.next.length > 0;
    list.hidden = board.next.length === 0;
    $('waiting').textContent = String(board.waiting);
    $('updated').textContent = ' · ' + fill(M.updated, { time: timeFormat.format(new Date(board.updatedAt)) });
    document.body.dataset.seq = String(board.seq);
  }

  render(data.boards[0]);
  tick();
  setInterval(tick, 1000);
  follow(data.feed, render, announce);
})();
`;

const POINTS_SCRIPT = `
(() => {
  'use strict';
  ${COMMON_SCRIPT}
  const rows = new Map();
  const kind = (k) => (Object.prototype.hasOwnProperty.call(data.kinds, k) ? data.kinds[k] : k);

  function render(board) {
    const row = rows.get(board.servicePoint.id);
    if (row === undefined || (row.board !== null && board.seq < row.board.seq)) return;
    row.board = board;
    const cells = row.node.children;
    cells[0].replaceChildren(el('span', '', kind(board.servicePoint.kind)), el('span', 'hall-spec', board.servicePoint.department || ''));
    cells[1].textContent = board.servicePoint.rooms.length === 0 ? '—' : board.servicePoint.rooms.join(' · ');
    cells[2].textContent = board.nowServing.length === 0 ? '—' : board.nowServing.map((s) => (board.servicePoint.rooms.length > 1 && s.room !== null ? s.label + ' (' + s.room + ')' : s.label)).join(' · ');
    cells[2].classList.toggle('idle', board.nowServing.length === 0);
    cells[3].textContent = board.next.slice(0, 4).map((entry) => entry.label).join(' ');
  }

  for (const board of data.boards) {
    const node = el('tr');
    node.dataset.point = board.servicePoint.id;
    node.append(el('td', 'hall-doctor'), el('td', 'hall-room'), el('td', 'hall-now'), el('td', 'hall-next'));
    $('hall-rows').append(node);
    rows.set(board.servicePoint.id, { node, board: null });
    render(board);
  }
  tick();
  setInterval(tick, 1000);
  follow(data.feed, render, (call) => {
    const row = rows.get(call.servicePointId);
    if (row !== undefined) {
      row.node.classList.remove('flash');
      void row.node.offsetWidth;
      row.node.classList.add('flash');
    }
    announce(call);
  });
})();
`;

const HALL_SCRIPT = `
(() => {
  'use strict';
  ${COMMON_SCRIPT}
  const rows = new Map();

  function render(board) {
    const row = rows.get(board.doctor.id);
    if (row === undefined || (row.board !== null && board.seq < row.board.seq)) return;
    row.board = board;
    const cells = row.node.children;
    cells[0].replaceChildren(el('span', '', board.doctor.name), el('span', 'hall-spec', board.doctor.specialization || ''));
    cells[1].textContent = board.room === null ? '—' : board.room;
    cells[2].textContent = board.nowServing.length === 0 ? '—' : board.nowServing.join(' · ');
    cells[2].classList.toggle('idle', board.nowServing.length === 0);
    cells[3].textContent = board.next.slice(0, 4).map((entry) => entry.label).join(' ');
  }

  for (const board of data.boards) {
    const node = el('tr');
    node.dataset.doctor = board.doctor.id;
    node.append(el('td', 'hall-doctor'), el('td', 'hall-room'), el('td', 'hall-now'), el('td', 'hall-next'));
    $('hall-rows').append(node);
    rows.set(board.doctor.id, { node, board: null });
    render(board);
  }
  tick();
  setInterval(tick, 1000);
  follow(data.feed, render, (call) => {
    const row = rows.get(call.doctorId);
    if (row !== undefined) {
      row.node.classList.remove('flash');
      void row.node.offsetWidth;
      row.node.classList.add('flash');
    }
    announce(call);
  });
})();
`;

/** What a screen page needs: its boards, the feed it follows, its language. */
interface Screen {
  readonly kind: 'board' | 'hall' | 'point' | 'points';
  readonly boards: readonly (Board | PointBoard)[];
  readonly timeZone: string;
  /** The live feed's path and query. */
  readonly feed: string;
  readonly lang: BoardLanguage;
}

/** The parts of a screen's page, as HTML. */
interface Parts {
  readonly title: string;
  readonly style: string;
  readonly header: string;
  readonly main: string;
  /** The footer's left side. */
  readonly counts: string;
  readonly script: string;
}

function screenPage(screen: Screen, parts: Parts): Page {
  const nonce = randomBytes(16).toString('base64');
  const messages = BOARD_MESSAGES[screen.lang];
  const html = `<!doctype html>
<html lang="${messages.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${escapeHtml(parts.title)}</title>
<style nonce="${nonce}">${COMMON_STYLE}${parts.style}</style>
</head>
<body data-screen="${screen.kind}" data-lang="${screen.lang}">
<header>
  ${parts.header}
  <div class="time"><div class="clock" id="clock"></div><div class="date" id="date"></div></div>
</header>
<main>
${parts.main}
</main>
<footer>
  <div class="counts">${parts.counts}</div>
  <div class="conn" id="conn" data-testid="connection"><span class="dot"></span><span id="conn-text">${escapeHtml(messages.connecting)}</span><span id="updated"></span></div>
</footer>
<div class="called" id="called" data-testid="called" role="alert" hidden><div class="called-token" id="called-token"></div><div class="called-text" id="called-text"></div></div>
<script type="application/json" id="screen-data">${scriptJson({ boards: screen.boards, timeZone: screen.timeZone, feed: screen.feed, messages, kinds: SERVICE_POINT_KINDS[screen.lang] })}</script>
<script nonce="${nonce}">${parts.script}</script>
</body>
</html>
`;
  return { html, csp: csp(nonce) };
}

/** The display board page of one doctor, showing `board` until its live feed (`feed`) connects. */
export function displayPage(board: Board, lang: BoardLanguage, feed: string): Page {
  const m = BOARD_MESSAGES[lang];
  const name = escapeHtml(board.doctor.name);
  const header = `<div class="who"><span class="dept">${escapeHtml(m.opd)}</span><span class="doctor" id="doctor">${name}</span><span class="spec" id="spec">${escapeHtml(board.doctor.specialization ?? '')}</span><span class="room-tag" id="room" data-testid="room"></span></div>`;
  const main = `  <section class="now" id="now-panel" aria-live="polite">
    <h2>${escapeHtml(m.nowServing)}</h2>
    <div class="now-numbers" id="now-serving" data-testid="now-serving"></div>
    <p class="hint" id="now-hint" data-testid="hint"></p>
  </section>
  <section aria-live="polite">
    <h2>${escapeHtml(m.next)}</h2>
    <ol class="next-list" id="next-list" data-testid="next"></ol>
    <p class="empty" id="next-empty">${escapeHtml(m.noOneWaiting)}</p>
  </section>`;
  const counts = `<strong id="waiting" data-testid="waiting">0</strong> ${escapeHtml(m.waiting)}<span id="waitlisted-box"> · <strong id="waitlisted">0</strong> ${escapeHtml(m.waitlisted)}</span>`;
  return screenPage(
    { kind: 'board', boards: [board], timeZone: board.timeZone, feed, lang },
    { title: `${m.boardTitle} · ${board.doctor.name}`, style: BOARD_STYLE, header, main, counts, script: BOARD_SCRIPT },
  );
}

/** The waiting-hall page: one row per doctor (name, room, token in consultation, next tokens). */
export function hallPage(boards: readonly Board[], timeZone: string, lang: BoardLanguage, feed: string): Page {
  const m = BOARD_MESSAGES[lang];
  const header = `<div class="who"><span class="doctor">${escapeHtml(m.hallTitle)}</span></div>`;
  const main = `<table data-testid="hall">
  <thead><tr><th>${escapeHtml(m.doctor)}</th><th>${escapeHtml(m.roomHeading)}</th><th>${escapeHtml(m.nowServing)}</th><th>${escapeHtml(m.next)}</th></tr></thead>
  <tbody id="hall-rows"></tbody>
</table>`;
  return screenPage({ kind: 'hall', boards, timeZone, feed, lang }, { title: m.hallTitle, style: HALL_STYLE, header, main, counts: '', script: HALL_SCRIPT });
}

/** The board page of one service point, showing `board` until its live feed (`feed`) connects. */
export function pointPage(board: PointBoard, lang: BoardLanguage, feed: string): Page {
  const m = BOARD_MESSAGES[lang];
  const { servicePoint } = board;
  const name = kindName(servicePoint.kind, lang);
  const rooms = servicePoint.rooms.join(' · ');
  const header = `<div class="who"><span class="dept">${escapeHtml(m.opd)}</span><span class="doctor" id="point" data-testid="point">${escapeHtml(name)}</span><span class="spec">${escapeHtml(servicePoint.department ?? '')}</span>${rooms === '' ? '' : `<span class="room-tag" data-testid="rooms">${escapeHtml(rooms)}</span>`}</div>`;
  const main = `  <section class="now" id="now-panel" aria-live="polite">
    <h2>${escapeHtml(m.nowServing)}</h2>
    <div class="now-numbers" id="now-serving" data-testid="now-serving"></div>
    <p class="hint" id="now-hint" data-testid="hint"></p>
  </section>
  <section aria-live="polite">
    <h2>${escapeHtml(m.next)}</h2>
    <ol class="next-list" id="next-list" data-testid="next"></ol>
    <p class="empty" id="next-empty">${escapeHtml(m.noOneWaiting)}</p>
  </section>`;
  const counts = `<strong id="waiting" data-testid="waiting">0</strong> ${escapeHtml(m.waiting)}`;
  return screenPage(
    { kind: 'point', boards: [board], timeZone: board.timeZone, feed, lang },
    { title: `${name} · ${m.boardTitle}`, style: BOARD_STYLE + POINT_STYLE, header, main, counts, script: POINT_SCRIPT },
  );
}

/** The screen of every service point: one row per point (its kind, rooms, the patients being served, the next). */
export function pointsPage(boards: readonly PointBoard[], timeZone: string, lang: BoardLanguage, feed: string): Page {
  const m = BOARD_MESSAGES[lang];
  const header = `<div class="who"><span class="doctor">${escapeHtml(m.pointsTitle)}</span></div>`;
  const main = `<table data-testid="points">
  <thead><tr><th>${escapeHtml(m.servicePoint)}</th><th>${escapeHtml(m.roomHeading)}</th><th>${escapeHtml(m.nowServing)}</th><th>${escapeHtml(m.next)}</th></tr></thead>
  <tbody id="hall-rows"></tbody>
</table>`;
  return screenPage(
    { kind: 'points', boards, timeZone, feed, lang },
    { title: m.pointsTitle, style: HALL_STYLE, header, main, counts: '', script: POINTS_SCRIPT },
  );
}

/** A plain error page for a screen that cannot be shown. */
export function errorPage(message: string): Page {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escapeHtml(message)}</title>
<style nonce="${nonce}">body{background:#07131f;color:#eef4fa;font-family:system-ui,sans-serif;display:grid;place-items:center;height:100vh;margin:0;font-size:5vh}</style>
</head><body><p>${escapeHtml(message)}</p></body></html>
`;
  return { html, csp: csp(nonce) };
}
