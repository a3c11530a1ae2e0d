/**
 * The waiting room: rooms, languages, calls, and the waiting hall — over HTTP, then in Chromium
 * with the page's sound and speech recorded (a stub of AudioContext and speechSynthesis.speak
 * installed before the page's own code runs), with screenshots in artifacts/screenshots.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_ACTIONS } from '../../../examples/express-server/board.js';
import { BOARD_LANGUAGES, BOARD_MESSAGES } from '../../../examples/express-server/board-messages.js';
import { loadConfig, parseServerArgs } from '../../../examples/express-server/config.js';
import { BoardOut } from '../../../examples/express-server/schemas.js';
import { SCREENSHOTS, browserTestsRun, launchChromium, type Browser } from '../../browser.js';
import {
  DAY,
  SseReader,
  book,
  doctorWithSlots,
  enc,
  expectDocumented,
  expectError,
  startHarness,
  tokenOf,
  type Harness,
  type HarnessOptions,
} from './harness.js';

let h: Harness | undefined;
const readers: SseReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await h?.close();
  h = undefined;
});

/** A server whose "today" is {@link DAY}, with rooms for d1 and d2. */
async function hospital(options: HarnessOptions = {}): Promise<Harness> {
  const harness = await startHarness({ rooms: { d1: '12', d2: '7B' }, ...options });
  harness.clock.set(`${DAY}T07:00:00Z`);
  return harness;
}

async function call(h: Harness, tokenId: string): Promise<void> {
  for (const step of ['check-in', 'start']) {
    const answer = await h.call('POST', `/api/tokens/${enc(tokenId)}/${step}`);
    expect(answer.status, answer.text).toBe(200);
  }
}

describe('waiting-room settings', () => {
  it('reads rooms and the screens language from OPD_ROOMS / --rooms and OPD_BOARD_LANGUAGE / --board-language', () => {
    expect(loadConfig({ OPD_ROOMS: 'sharma=12, mehta=7B,iyer=OPD 3' }).rooms).toEqual({ sharma: '12', mehta: '7B', iyer: 'OPD 3' });
    expect(loadConfig({}).rooms).toEqual({});
    expect(() => loadConfig({ OPD_ROOMS: 'sharma' })).toThrow(/^OPD_ROOMS must be/);
    expect(loadConfig({ OPD_BOARD_LANGUAGE: 'hi' }).boardLanguage).toBe('hi');
    expect(() => loadConfig({ OPD_BOARD_LANGUAGE: 'xx' })).toThrow(/^OPD_BOARD_LANGUAGE must be one of en, hi/);
    expect(parseServerArgs(['--rooms', 'a=1', '--board-language', 'hi']).env).toEqual({ OPD_ROOMS: 'a=1', OPD_BOARD_LANGUAGE: 'hi' });
  });

  it('has every message in every language, and calls tokens on consultation-started', () => {
    const keys = Object.keys(BOARD_MESSAGES.en).sort();
    for (const lang of BOARD_LANGUAGES) {
      expect(Object.keys(BOARD_MESSAGES[lang]).sort(), lang).toEqual(keys);
      for (const [key, text] of Object.entries(BOARD_MESSAGES[lang])) expect(text.trim(), `${lang}.${key}`).not.toBe('');
    }
    expect(BOARD_MESSAGES.hi.call).toContain('{token}');
    expect(BOARD_MESSAGES.hi.call).toContain('{room}');
    expect(BOARD_ACTIONS).toEqual({ 'token:consultation-started': 'call', 'token:called': 'call' });
  });
});

describe('waiting room over HTTP', () => {
  it('puts the configured room on the board, and sends a call with it when a token is called', async () => {
    h = await hospital();
    await doctorWithSlots(h, 'd1', [9], 5);
    await doctorWithSlots(h, 'd3', [9], 5);
    const board = expectDocumented(h, 'displayBoardData', await h.call('GET', '/display/d1/board')) as { room: string | null };
    expect(board.room).toBe('12');
    expect((BoardOut.parse((await h.call('GET', '/display/d3/board')).body) as { room: string | null }).room).toBeNull();
    const stream = await SseReader.open(`${h.url}/display/d1/events`);
    const pinned = await SseReader.open(`${h.url}/display/d1/events?date=2026-01-31`);
    const other = await SseReader.open(`${h.url}/display/d3/events`);
    readers.push(stream, pinned, other);
    await stream.until((f) => f.length >= 1, 'the first board');
    const token = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09', name: 'Asha Verma', patientId: 'ABHA-91-7777' }));
    await call(h, token.id);
    await stream.until((f) => f.some((x) => x.event === 'call'), 'the call');
    // Token numbers and rooms only: nothing of the patient reaches a screen.
    for (const frame of stream.frames) expect(frame.data).not.toMatch(/Asha|Verma|ABHA-91-7777/);
    const calls = stream.named('call').map((f) => JSON.parse(f.data) as unknown);
    expect(calls).toEqual([
      { doctorId: 'd1', tokenNumber: token.tokenNumber, label: String(token.tokenNumber), room: '12', seq: expect.any(Number) as number },
    ]);
    // Only the boards showing that doctor-day hear it.
    expect(pinned.named('call')).toEqual([]);
    expect(other.named('call')).toEqual([]);
  });

  it('chooses the language by ?lang= and the server default, and refuses an unknown one', async () => {
    h = await hospital({ boardLanguage: 'hi' });
    await doctorWithSlots(h, 'd1', [9], 5);
    const hindi = await h.call('GET', '/display/d1');
    expect(hindi.status).toBe(200);
    expect(hindi.text).toContain('<html lang="hi-IN">');
    expect(hindi.text).toContain(BOARD_MESSAGES.hi.nowServing);
    const english = await h.call('GET', '/display/d1?lang=en');
    expect(english.text).toContain('<html lang="en-IN">');
    expect(english.text).toContain(BOARD_MESSAGES.en.nowServing);
    expectError(await h.call('GET', '/display/d1/board?lang=xx'), 400, 'VALIDATION_FAILED');
    expect((await h.call('GET', '/display/d1?lang=xx')).status).toBe(400);
  });

  it('shows a waiting hall for doctors by id or by department, and refuses unknown ones', async () => {
    h = await hospital();
    await doctorWithSlots(h, 'd1', [9], 5);
    await doctorWithSlots(h, 'd2', [9], 5);
    for (const doctor of [
      { id: 'd5', name: 'Dr d5', specialization: 'General Medicine', department: 'general-medicine' },
      { id: 'd6', name: 'Dr d6', department: 'general-medicine' },
      { id: 'd7', name: 'Dr d7', specialization: 'general-medicine', department: 'surgery' },
    ]) {
      expect((await h.call('POST', '/api/doctors', { body: doctor })).status).toBe(201);
    }
    expect((await h.call('GET', '/hall?doctors=d1,d2')).status).toBe(200);
    await book(h, 'd5', 'ONLINE', { name: 'Ravi Kumar', patientId: 'ABHA-91-8888' });
    // `department` is the doctor's department, as for a booking by department: d1 and d2 (General
    // Medicine by specialization, no department) and d7 (a specialization spelt like the department) are not in it.
    const byDepartment = await h.call('GET', '/hall?department=general-medicine');
    expect(byDepartment.text).not.toMatch(/Ravi|Kumar|ABHA-91-8888/);
    expect(byDepartment.status).toBe(200);
    expect(byDepartment.text).toMatch(/doctors=d5%2Cd6(?!%2C)/);
    const feed = await SseReader.open(`${h.url}/hall/events?department=general-medicine`);
    readers.push(feed);
    await feed.until((f) => f.filter((x) => x.event === 'board').length >= 2, 'the department’s boards');
    expect(
      feed
        .named('board')
        .map((f) => (JSON.parse(f.data) as { doctor: { id: string } }).doctor.id)
        .sort(),
    ).toEqual(['d5', 'd6']);
    expect((await h.call('GET', '/hall?department=General%20Medicine')).status).toBe(404);
    expect((await h.call('GET', '/hall?department=Oncology')).status).toBe(404);
    expect((await h.call('GET', '/hall?doctors=d1,nobody')).status).toBe(404);
    expect((await h.call('GET', '/hall')).status).toBe(400);
    expect((await h.call('GET', '/hall?doctors=d1&department=x')).status).toBe(400);
    expectError(await h.call('GET', '/hall/events?doctors=d1,nobody'), 404, 'DOCTOR_NOT_FOUND');
    expectError(await h.call('GET', '/hall/events?department=Oncology'), 404, 'NOT_FOUND');
    const hall = await SseReader.open(`${h.url}/hall/events?doctors=d1,d2`);
    readers.push(hall);
    await hall.until((f) => f.filter((x) => x.event === 'board').length >= 2, 'both boards');
    expect(
      hall
        .named('board')
        .map((f) => (JSON.parse(f.data) as { doctor: { id: string } }).doctor.id)
        .sort(),
    ).toEqual(['d1', 'd2']);
    const token = tokenOf(await book(h, 'd2', 'WALK_IN', { slotId: 'd2-09' }));
    await call(h, token.id);
    await hall.until((f) => f.some((x) => x.event === 'call'), 'the call');
    expect(JSON.parse(hall.named('call')[0]!.data)).toMatchObject({ doctorId: 'd2', tokenNumber: token.tokenNumber, room: '7B' });
  });
});

/**
 * Installed before the page's code: records the chime's tones (Web Audio) and the spoken calls
 * (Web Speech) instead of playing them. Given as text: the project is type-checked without DOM types.
 */
const RECORD_SOUND = `
  window.recorded = { tones: [], speech: [] };
  class RecordingAudio {
    constructor() { this.state = 'running'; this.currentTime = 0; this.destination = {}; }
    resume() { return Promise.resolve(); }
    createGain() { return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect() {} }; }
    createOscillator() {
      const tone = { type: '', frequency: { value: 0 }, connect() {}, stop() {} };
      tone.start = () => window.recorded.tones.push(tone.frequency.value);
      return tone;
    }
  }
  window.AudioContext = RecordingAudio;
  speechSynthesis.speak = (utterance) => window.recorded.speech.push({ text: utterance.text, lang: utterance.lang });
`;

/** Hides the called-token overlay before its time, to screenshot the screen beneath it. */
const HIDE_CALL = `document.querySelector('[data-testid="called"]').hidden = true`;

describe.skipIf(!browserTestsRun('waiting room'))('waiting-room screens in Chromium', () => {
  let browser: Browser;
  const POLL = { timeout: 20_000, interval: 100 };

  beforeAll(async () => {
    browser = await launchChromium({ width: 1920, height: 1080 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(path: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.addInitScript(RECORD_SOUND);
    const answer = await page.goto(`${h!.url}${path}`);
    expect(answer?.status()).toBe(200);
    await page.locator('[data-testid="connection"].live').waitFor();
    return { page, problems };
  }

  const recorded = (page: Page): Promise<{ tones: number[]; speech: { text: string; lang: string }[] }> =>
    page.evaluate('window.recorded') as Promise<{ tones: number[]; speech: { text: string; lang: string }[] }>;

  for (const lang of BOARD_LANGUAGES) {
    it(`board in ${BOARD_MESSAGES[lang].name}: room, texts, and a call with a chime and a spoken call in the language`, async () => {
      h = await hospital();
      await h.call('POST', '/api/doctors', { body: { id: 'd1', name: 'Dr. Anita Sharma', specialization: 'Cardiology' } });
      await h.call('POST', '/api/doctors/d1/slots', { body: [{ id: 'd1-09', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 6 }] });
      const tokens = [];
      for (const category of ['ONLINE', 'WALK_IN', 'FOLLOW_UP', 'ONLINE']) tokens.push(tokenOf(await book(h, 'd1', category, { slotId: 'd1-09' })));
      const m = BOARD_MESSAGES[lang];
      const { page, problems } = await open(`/display/d1?lang=${lang}`);
      expect(await page.getAttribute('html', 'lang')).toBe(m.locale);
      expect(await page.locator('[data-testid="room"]').innerText()).toBe(m.room.replace('{room}', '12'));
      expect(await page.locator('h2').first().innerText()).toBe(m.nowServing.toUpperCase());
      expect(await page.locator('[data-testid="hint"]').innerText()).toBe(m.waitToBeCalled);
      expect((await recorded(page)).speech).toEqual([]);

      await call(h, tokens[2]!.id);
      const spoken = m.call.replace('{token}', String(tokens[2]!.tokenNumber)).replace('{room}', '12');
      await expect.poll(async () => (await recorded(page)).speech, POLL).toEqual([{ text: spoken, lang: m.speechLang }]);
      const sound = await recorded(page);
      expect(sound.tones).toEqual([880, 660]); // the two-tone chime, before the call is spoken
      await expect.poll(() => page.locator('[data-testid="now-serving"]').innerText(), POLL).toBe(String(tokens[2]!.tokenNumber));
      expect(await page.locator('[data-testid="hint"]').innerText()).toBe(m.goToRoom.replace('{room}', '12'));
      expect(await page.locator('[data-testid="called"]').isVisible()).toBe(true);
      await page.screenshot({ path: join(SCREENSHOTS, `board-${lang}-called.png`), animations: 'disabled' });
      await page.evaluate(HIDE_CALL);
      await page.screenshot({ path: join(SCREENSHOTS, `board-${lang}.png`), animations: 'disabled' });
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  it('waiting hall: one row per doctor of the department, updated live, and calls with the doctor’s room', async () => {
    h = await hospital();
    const doctors = [
      { id: 'd1', name: 'Dr. Anita Sharma' },
      { id: 'd2', name: 'Dr. Rahul Mehta' },
      { id: 'd4', name: 'Dr. Kavita Iyer' },
    ];
    for (const doctor of doctors) {
      await h.call('POST', '/api/doctors', { body: { ...doctor, specialization: 'Cardiology', department: 'cardiology' } });
      await h.call('POST', `/api/doctors/${doctor.id}/slots`, {
        body: [{ id: `${doctor.id}-09`, start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 6 }],
      });
    }
    await h.call('POST', '/api/doctors', { body: { id: 'd9', name: 'Dr. Other', specialization: 'Cardiology', department: 'dermatology' } });
    const booked: Record<string, { id: string; tokenNumber: number }[]> = {};
    for (const doctor of doctors) {
      booked[doctor.id] = [];
      for (let i = 0; i < 5; i++) booked[doctor.id]!.push(tokenOf(await book(h, doctor.id, 'WALK_IN', { slotId: `${doctor.id}-09` })));
    }
    await call(h, booked['d1']![0]!.id);
    const { page, problems } = await open('/hall?department=cardiology');
    expect(await page.evaluate(`Array.from(document.querySelectorAll('[data-testid="hall"] tbody tr'), (row) => row.dataset.doctor)`)).toEqual([
      'd1',
      'd2',
      'd4',
    ]);
    const cells = (doctor: string): Promise<string[]> => page.locator(`tr[data-doctor="${doctor}"] td`).allInnerTexts();
    expect((await cells('d1')).slice(1)).toEqual(['12', '1', '2 3 4 5']);
    expect((await cells('d4')).slice(1)).toEqual(['—', '—', '1 2 3 4']);

    await call(h, booked['d2']![0]!.id);
    await expect.poll(async () => (await cells('d2'))[2], POLL).toBe('1');
    const spoken = BOARD_MESSAGES.en.call.replace('{token}', '1').replace('{room}', '7B');
    await expect.poll(async () => (await recorded(page)).speech, POLL).toEqual([{ text: spoken, lang: 'en-IN' }]);
    // A doctor without a room is called in without one.
    await call(h, booked['d4']![0]!.id);
    const noRoom = BOARD_MESSAGES.en.callNoRoom.replace('{token}', '1');
    await expect.poll(async () => (await recorded(page)).speech.map((s) => s.text), POLL).toEqual([spoken, noRoom]);
    await page.evaluate(HIDE_CALL);
    await expect.poll(async () => (await cells('d4'))[3], POLL).toBe('2 3 4 5');
    await page.screenshot({ path: join(SCREENSHOTS, 'hall-en.png'), animations: 'disabled' });
    expect(problems).toEqual([]);
    await page.close();

    const hindi = await open('/hall?doctors=d4,d1&lang=hi');
    expect(await hindi.page.locator('th').allInnerTexts()).toEqual(
      [BOARD_MESSAGES.hi.doctor, BOARD_MESSAGES.hi.roomHeading, BOARD_MESSAGES.hi.nowServing, BOARD_MESSAGES.hi.next].map((t) => t.toUpperCase()),
    );
    await hindi.page.screenshot({ path: join(SCREENSHOTS, 'hall-hi.png'), animations: 'disabled' });
    await hindi.page.close();
  });
});
