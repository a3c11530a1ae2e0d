/**
 * The hall's announcements and the slip preview of the example server: the feed announces calls
 * made through the API in English and Hindi (labels spoken, never digits read as zeros; no patient
 * data), the slip's PNG is behind the desk's key at the printer's width; then, in Chromium, the
 * hall board shows and speaks each announcement one at a time, in each language in turn.
 */
import { join } from 'node:path';
import { slipsDrawable } from '../../helpers.js';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HallAnnouncement } from '../../../examples/express-server/announcements.js';
import { SCREENSHOTS, browserTestsRun, launchChromium, type Browser } from '../../browser.js';
import { DAY, KEY, SseReader, book, doctorWithSlots, enc, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
const readers: SseReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await h?.close();
  h = undefined;
});

async function hospital(): Promise<Harness> {
  const harness = await startHarness({ rooms: { d1: '12', d2: 'R-7' }, apiKey: KEY, scheduler: { numbering: 'category' } });
  harness.clock.set(`${DAY}T09:05:00Z`);
  await doctorWithSlots(harness, 'd1', [9], 10);
  await doctorWithSlots(harness, 'd2', [9], 10);
  return harness;
}

async function checkedIn(h: Harness, doctorId: string, name: string): Promise<string> {
  const token = tokenOf(await book(h, doctorId, 'WALK_IN', { slotId: `${doctorId}-09`, name, patientId: `ABHA-${name.length}-${doctorId}` }));
  const answer = await h.call('POST', `/api/tokens/${enc(token.id)}/check-in`);
  expect(answer.status, answer.text).toBe(200);
  return token.id;
}

const callNext = async (h: Harness, doctorId: string, body: Record<string, unknown> = {}): Promise<void> => {
  const answer = await h.call('POST', `/api/doctors/${doctorId}/call-next`, { body });
  expect(answer.status, answer.text).toBe(200);
};

describe('announcements over HTTP', () => {
  it('announces calls and recalls made through the API, in the languages asked, with no patient data', async () => {
    h = await hospital();
    const feed = await SseReader.open(`${h.url}/hall/announcements/events?lang=hi,en`);
    readers.push(feed);
    const a = await checkedIn(h, 'd1', 'Asha Verma');
    await checkedIn(h, 'd2', 'Ravi Kumar');
    await callNext(h, 'd1');
    await callNext(h, 'd2', { room: '007' });
    expect((await h.call('POST', `/api/tokens/${enc(a)}/recall`)).status).toBe(200);
    await feed.until((frames) => frames.filter((f) => f.event === 'announcement').length >= 3, 'three announcements');
    const said = feed.named('announcement').map((f) => JSON.parse(f.data) as HallAnnouncement);
    expect(said.map((s) => [s.type, s.room, s.languages.map((l) => l.text)])).toEqual([
      ['token:called', '12', ['टोकन नंबर डब्ल्यू एक कृपया कमरा नंबर बारह में जाएँ।', 'Token number W one please go to room twelve.']],
      ['token:called', '007', ['टोकन नंबर डब्ल्यू एक कृपया कमरा नंबर सात में जाएँ।', 'Token number W one please go to room seven.']],
      ['token:called', '12', ['दोबारा बुलावा टोकन नंबर डब्ल्यू एक कृपया कमरा नंबर बारह में जाएँ।', 'Calling again Token number W one please go to room twelve.']],
    ]);
    expect(said[0]!.languages.map((l) => l.speechLang)).toEqual(['hi-IN', 'en-IN']);
    expect(said[0]!.languages[0]!.units.map((u) => u.clipId)).toContain('hi/number/12');
    for (const frame of feed.frames) expect(frame.data).not.toMatch(/Asha|Verma|Ravi|ABHA/);
    expect(feed.named('announcement').map((f) => Number(f.id))).toEqual(said.map((s) => s.seq));
  });

  it('serves the hall board page, and refuses an unknown language', async () => {
    h = await hospital();
    const page = await h.call('GET', '/hall/announcements?lang=hi,en', { key: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).toContain('/hall/announcements/events?lang=hi,en');
    expect((await h.call('GET', '/hall/announcements?lang=fr', { key: null })).status).toBe(400);
    expectError(await h.call('GET', '/hall/announcements/events?lang=fr', { key: null }), 400, 'VALIDATION_FAILED');
  });

  it("previews a token's slip as a PNG at the printer's width, behind the desk's key", async () => {
    h = await hospital();
    const token = tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: 'd1-09', name: 'Asha Verma' }));
    const url = `${h.url}/tickets/${enc(token.id)}.png`;
    expect((await fetch(url)).status).toBe(401);
    if (!slipsDrawable) {
      // Without Debian's fonts (outside CI, where they are installed) the preview is refused by name.
      expect(expectError(await h.call('GET', `/tickets/${enc(token.id)}.png?lang=hi&width=58`), 501, 'DEPENDENCY_MISSING').details).toMatchObject({
        package: 'fonts-noto-core',
      });
    } else
      for (const [width, dots] of [
        ['58', 384],
        ['80', 576],
      ] as const) {
        const answer = await fetch(`${url}?lang=hi&width=${width}`, { headers: { authorization: `Bearer ${KEY}` } });
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toBe('image/png');
        const image = await loadImage(Buffer.from(await answer.arrayBuffer()));
        expect(image.width).toBe(dots);
        // Drawn: black ink on white.
        const canvas = createCanvas(image.width, image.height);
        const ctx = canvas.getContext('2d');
        ctx.drawImage(image, 0, 0);
        const { data } = ctx.getImageData(0, 0, image.width, image.height);
        let ink = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i]! < 128) ink++;
        expect(ink).toBeGreaterThan(1000);
      }
    expectError(await h.call('GET', '/tickets/nope.png'), 404, 'TOKEN_NOT_FOUND');
    expectError(await h.call('GET', `/tickets/${enc(token.id)}.png?width=76`), 400, 'VALIDATION_FAILED');
    const documented = h.server.openapi.paths as Record<string, unknown>;
    expect(Object.keys(documented)).toEqual(expect.arrayContaining(['/tickets/{tokenId}.png', '/hall/announcements', '/hall/announcements/events']));
  });
});

/**
 * Installed before the page's code: a speech engine with an English and a Hindi voice that records
 * what it is asked to say and how many utterances overlap, each taking 400 ms.
 */
const RECORD_SPEECH = `
  window.recorded = { speech: [], speaking: 0, overlap: 0 };
  speechSynthesis.getVoices = () => [{ lang: 'en-IN', name: 'en' }, { lang: 'hi-IN', name: 'hi' }];
  speechSynthesis.speak = (utterance) => {
    const r = window.recorded;
    r.speaking++;
    r.overlap = Math.max(r.overlap, r.speaking);
    r.speech.push({ text: utterance.text, lang: utterance.lang });
    setTimeout(() => { r.speaking--; utterance.onend && utterance.onend(); }, 400);
  };
`;

describe.skipIf(!browserTestsRun('hall announcements'))('the hall board in Chromium', () => {
  let browser: Browser;
  const POLL = { timeout: 20_000, interval: 50 };

  beforeAll(async () => {
    browser = await launchChromium({ width: 1600, height: 900 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows and queues the announcements of calls made through the API, in Hindi and English, one at a time', async () => {
    h = await hospital();
    const page: Page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.addInitScript(RECORD_SPEECH);
    expect((await page.goto(`${h.url}/hall/announcements?lang=hi,en`))?.status()).toBe(200);
    await page.locator('[data-testid="connection"].live').waitFor();

    await checkedIn(h, 'd1', 'Asha Verma');
    await checkedIn(h, 'd2', 'Ravi Kumar');
    await callNext(h, 'd1');
    await callNext(h, 'd2');
    const expected = [
      { text: 'टोकन नंबर डब्ल्यू एक कृपया कमरा नंबर बारह में जाएँ।', lang: 'hi-IN' },
      { text: 'Token number W one please go to room twelve.', lang: 'en-IN' },
      { text: 'टोकन नंबर डब्ल्यू एक कृपया कमरा नंबर आर सात में जाएँ।', lang: 'hi-IN' },
      { text: 'Token number W one please go to room R seven.', lang: 'en-IN' },
    ];
    // The first is on screen while the others wait their turn below it.
    await expect.poll(() => page.locator('[data-testid="now"]').innerText(), POLL).toBe(expected[0]!.text);
    await expect.poll(async () => (await page.locator('[data-testid="queue"] li').allInnerTexts()).length, POLL).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(SCREENSHOTS, 'hall-announcements.png'), animations: 'disabled' });
    const recorded = (): Promise<{ speech: { text: string; lang: string }[]; overlap: number }> =>
      page.evaluate('window.recorded') as Promise<{ speech: { text: string; lang: string }[]; overlap: number }>;
    await expect.poll(async () => (await recorded()).speech, POLL).toEqual(expected);
    expect((await recorded()).overlap).toBe(1);
    await expect.poll(() => page.locator('[data-testid="queue"] li').count(), POLL).toBe(0);
    expect(await page.content()).not.toMatch(/Asha|Ravi/);
    expect(problems).toEqual([]);
    await page.close();
  });
});
