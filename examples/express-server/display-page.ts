/**
 * The waiting-room token display board: one self-contained page (inline CSS and script, no
 * external assets) that shows the token in consultation in very large digits and the next tokens
 * in queue order, and follows `/display/:doctorId/events` to update without reloading.
 */
import { randomBytes } from 'node:crypto';
import type { Board } from './board.js';

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
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
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

const STYLE = `
:root {
  --bg: #07131f; --panel: #0e2233; --panel-2: #132c42; --line: #1f4060;
  --text: #eef4fa; --muted: #8fb0cc; --accent: #ffc93c; --ok: #3ddc84; --warn: #ff7a59;
  color-scheme: dark;
}
* { box-sizing: border-box; margin: 0; padding: 0; }
html, body { height: 100%; }
body {
  background: var(--bg); color: var(--text); overflow: hidden;
  font-family: "Inter", "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", system-ui, sans-serif;
  font-variant-numeric: tabular-nums; display: grid; grid-template-rows: 11vh 1fr 8vh;
}
header, footer { display: flex; align-items: center; justify-content: space-between; padding: 0 3vw; }
header { background: var(--panel); border-bottom: 0.4vh solid var(--accent); }
.who { display: flex; align-items: baseline; gap: 1.6vw; min-width: 0; }
.dept { font-size: 2.6vh; letter-spacing: 0.3em; color: var(--muted); font-weight: 700; }
.doctor { font-size: 5vh; font-weight: 800; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.spec { font-size: 3.2vh; color: var(--muted); white-space: nowrap; }
.time { text-align: right; }
.clock { font-size: 5.4vh; font-weight: 800; }
.date { font-size: 2.2vh; color: var(--muted); }
main { display: grid; grid-template-columns: 46fr 54fr; gap: 2vw; padding: 2.5vh 3vw; min-height: 0; }
section { background: var(--panel); border-radius: 2vh; padding: 2.5vh 2vw; display: flex; flex-direction: column; min-height: 0; }
h2 { font-size: 3.4vh; letter-spacing: 0.25em; color: var(--muted); font-weight: 800; text-transform: uppercase; }
.now { border: 0.5vh solid var(--accent); }
.now-numbers { flex: 1; display: flex; align-items: center; justify-content: center; gap: 3vw; min-height: 0; }
.now-number { font-size: 34vh; line-height: 1; font-weight: 900; color: var(--accent); text-shadow: 0 0 4vh rgba(255, 201, 60, 0.35); }
.now-numbers.many .now-number { font-size: 20vh; }
.now-numbers.idle .now-number { color: var(--line); text-shadow: none; }
.hint { font-size: 3.4vh; text-align: center; color: var(--text); }
.flash { animation: flash 1.2s ease-out 3; }
@keyframes flash { 0% { background: var(--accent); color: var(--bg); } 100% { background: var(--panel); } }
.next-list { list-style: none; flex: 1; display: grid; grid-template-columns: repeat(3, 1fr); grid-auto-rows: minmax(0, 1fr);
  gap: 1.6vh 1.2vw; margin-top: 2vh; min-height: 0; align-content: start; }
.next-list li { background: var(--panel-2); border-radius: 1.4vh; display: flex; flex-direction: column; align-items: center;
  justify-content: center; border: 0.3vh solid var(--line); padding: 1vh 0; min-height: 0; }
.next-list li:first-child { border-color: var(--text); }
.next-number { font-size: 11vh; line-height: 1; font-weight: 800; }
.next-note { font-size: 2.3vh; color: var(--muted); margin-top: 0.6vh; }
.next-note.in { color: var(--ok); font-weight: 700; }
.empty { flex: 1; display: flex; align-items: center; justify-content: center; font-size: 4vh; color: var(--muted); }
footer { background: var(--panel); font-size: 2.8vh; color: var(--muted); }
.counts strong { color: var(--text); font-size: 3.4vh; }
.conn { display: flex; align-items: center; gap: 0.8vw; }
.dot { width: 1.8vh; height: 1.8vh; border-radius: 50%; background: var(--warn); }
.conn.live .dot { background: var(--ok); }
[hidden] { display: none !important; }
`;

const SCRIPT = `
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const initial = JSON.parse($('board-data').textContent);
  // Lets a test (or an operator) tell that updates arrive without reloading the page.
  window.boardPageId = Math.random().toString(36).slice(2);
  let shown = null;
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: initial.timeZone });
  const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', timeZone: initial.timeZone });

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render(board) {
    if (shown !== null && board.seq < shown.seq) return;
    const previous = shown === null ? '' : shown.nowServing.join(',');
    shown = board;
    document.title = 'Tokens · ' + board.doctor.name;
    $('doctor').textContent = board.doctor.name;
    $('spec').textContent = board.doctor.specialization || '';

    const now = $('now-serving');
    now.replaceChildren();
    now.classList.toggle('many', board.nowServing.length > 1);
    now.classList.toggle('idle', board.nowServing.length === 0);
    if (board.nowServing.length === 0) now.append(el('span', 'now-number', '—'));
    for (const n of board.nowServing) now.append(el('span', 'now-number', String(n)));
    $('now-hint').textContent = board.nowServing.length === 0 ? 'Please wait to be called' : 'Please go to the consultation room';
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
      item.dataset.token = String(entry.tokenNumber);
      item.append(el('span', 'next-number', String(entry.tokenNumber)));
      const note = entry.checkedIn
        ? el('span', 'next-note in', '✓ checked in')
        : el('span', 'next-note', entry.estimatedStart ? 'about ' + timeFormat.format(new Date(entry.estimatedStart)) : '');
      item.append(note);
      list.append(item);
    }
    $('next-empty').hidden = board.next.length > 0;
    list.hidden = board.next.length === 0;
    $('waiting').textContent = String(board.waiting);
    $('waitlisted').textContent = String(board.waitlisted);
    $('waitlisted-box').hidden = board.waitlisted === 0;
    $('updated').textContent = timeFormat.format(new Date(board.updatedAt));
    document.body.dataset.seq = String(board.seq);
  }

  function tick() {
    const now = new Date();
    $('clock').textContent = timeFormat.format(now);
    $('date').textContent = dateFormat.format(now);
  }

  function connection(live) {
    $('conn').classList.toggle('live', live);
    $('conn-text').textContent = live ? 'Live' : 'Reconnecting…';
  }

  render(initial);
  tick();
  setInterval(tick, 1000);
  const source = new EventSource('/display/' + encodeURIComponent(initial.doctor.id) + '/events' + location.search);
  source.addEventListener('board', (event) => render(JSON.parse(event.data)));
  source.addEventListener('open', () => connection(true));
  source.addEventListener('error', () => connection(false));
})();
`;

/** The display board page, showing `board` until its live feed connects (the page's query string, such as `?date=`, is kept). */
export function displayPage(board: Board): Page {
  const nonce = randomBytes(16).toString('base64');
  const name = escapeHtml(board.doctor.name);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>Tokens · ${name}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header>
  <div class="who"><span class="dept">OPD</span><span class="doctor" id="doctor">${name}</span><span class="spec" id="spec">${escapeHtml(board.doctor.specialization ?? '')}</span></div>
  <div class="time"><div class="clock" id="clock"></div><div class="date" id="date"></div></div>
</header>
<main>
  <section class="now" id="now-panel" aria-live="polite">
    <h2>Now serving</h2>
    <div class="now-numbers" id="now-serving" data-testid="now-serving"></div>
    <p class="hint" id="now-hint"></p>
  </section>
  <section aria-live="polite">
    <h2>Next</h2>
    <ol class="next-list" id="next-list" data-testid="next"></ol>
    <p class="empty" id="next-empty">No one is waiting</p>
  </section>
</main>
<footer>
  <div class="counts"><strong id="waiting" data-testid="waiting">0</strong> waiting<span id="waitlisted-box"> · <strong id="waitlisted">0</strong> on the waitlist</span></div>
  <div class="conn" id="conn" data-testid="connection"><span class="dot"></span><span id="conn-text">Connecting…</span><span>· updated <span id="updated"></span></span></div>
</footer>
<script type="application/json" id="board-data">${scriptJson(board)}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
  return { html, csp: csp(nonce) };
}

/** A plain error page for a board that cannot be shown. */
export function errorPage(message: string): Page {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escapeHtml(message)}</title>
<style nonce="${nonce}">body{background:#07131f;color:#eef4fa;font-family:system-ui,sans-serif;display:grid;place-items:center;height:100vh;margin:0;font-size:5vh}</style>
</head><body><p>${escapeHtml(message)}</p></body></html>
`;
  return { html, csp: csp(nonce) };
}
