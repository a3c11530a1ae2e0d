/**
 * The service-point screens in Chromium: a hospital with registration, vitals and lab on a route,
 * patients called and forwarded through the API, and the board of one point and the screen of
 * every point rendering who is being served (with the room) and who is next, in English and Hindi,
 * updating live without a reload. Screenshots in artifacts/screenshots.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_MESSAGES, SERVICE_POINT_KINDS } from '../../../examples/express-server/board-messages.js';
import { SCREENSHOTS, browserTestsRun, launchChromium, type Browser } from '../../browser.js';
import { DAY, book, doctorWithSlots, enc, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Records the spoken calls instead of speaking them (given as text: the project is type-checked without DOM types). */
const RECORD_SPEECH = `
  window.spoken = [];
  window.AudioContext = undefined;
  window.webkitAudioContext = undefined;
  speechSynthesis.speak = (utterance) => window.spoken.push({ text: utterance.text, lang: utterance.lang });
`;

describe.skipIf(!browserTestsRun('service-point boards'))('service-point screens in Chromium', () => {
  let browser: Browser;
  const POLL = { timeout: 20_000, interval: 100 };

  beforeAll(async () => {
    browser = await launchChromium({ width: 1920, height: 1080 });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function post(path: string, body?: unknown): Promise<void> {
    const answer = await h!.call('POST', path, body === undefined ? {} : { body });
    expect(answer.status, `${path}: ${answer.text}`).toBe(200);
  }

  async function open(path: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.addInitScript(RECORD_SPEECH);
    const answer = await page.goto(`${h!.url}${path}`);
    expect(answer?.status()).toBe(200);
    await page.locator('[data-testid="connection"].live').waitFor();
    return { page, problems };
  }

  const serving = (page: Page): Promise<string[]> => page.locator('[data-testid="now-serving"] .serving').allInnerTexts();
  const nextTokens = async (page: Page): Promise<string[]> =>
    Promise.all((await page.locator('[data-testid="next"] li').all()).map(async (li) => (await li.getAttribute('data-token')) ?? ''));
  const cells = (page: Page, point: string): Promise<string[]> => page.locator(`tr[data-point="${point}"] td`).allInnerTexts();
  const pageId = (page: Page): Promise<unknown> => page.evaluate('window.boardPageId');
  const HIDE_CALL = `document.querySelector('[data-testid="called"]').hidden = true`;

  it('shows each point’s patient being served with the room and the next ones, in English and Hindi, updated live after a forward and a call', async () => {
    h = await startHarness({
      scheduler: {
        servicePoints: [
          { id: 'reg', kind: 'registration', rooms: ['Counter 1'] },
          { id: 'vitals', kind: 'vitals', rooms: ['Vitals 1', 'Vitals 2'] },
          { id: 'lab', kind: 'lab', rooms: ['Lab A'] },
        ],
        routes: { 'with-lab': ['registration', 'vitals', 'doctor', 'lab', 'doctor'] },
      },
    });
    h.clock.set(`${DAY}T08:30:00Z`);
    await doctorWithSlots(h, 'd1', [9], 10);
    const names = ['Asha Verma', 'Ravi Kumar', 'Meena Iyer', 'John Doe', 'Fatima Khan'];
    const t = [];
    for (const name of names) {
      const token = tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: 'd1-09', name }));
      await post(`/api/tokens/${enc(token.id)}/check-in`, { route: 'with-lab' });
      t.push({ id: token.id, label: String(token.tokenNumber) });
    }
    const [a, b, c, d, e] = t as [(typeof t)[0], (typeof t)[0], (typeof t)[0], (typeof t)[0], (typeof t)[0]];
    // Registration calls 1 and sends them to vitals, then calls 2; vitals calls 1 to its second room.
    await post('/api/service-points/reg/call');
    await post(`/api/tokens/${enc(a.id)}/forward`, { to: 'vitals' });
    await post('/api/service-points/reg/call');
    await post('/api/service-points/vitals/call', { room: 'Vitals 2' });
    // 5 goes straight on to the lab.
    await post(`/api/tokens/${enc(e.id)}/forward`, { to: 'lab' });

    // The screen of every point, in English.
    const en = BOARD_MESSAGES.en;
    const all = await open('/service-points');
    expect(await all.page.evaluate(`Array.from(document.querySelectorAll('[data-testid="points"] tbody tr'), (row) => row.dataset.point)`)).toEqual([
      'reg',
      'vitals',
      'lab',
    ]);
    expect(await all.page.locator('th').allInnerTexts()).toEqual([en.servicePoint, en.roomHeading, en.nowServing, en.next].map((s) => s.toUpperCase()));
    expect(await cells(all.page, 'reg')).toEqual([SERVICE_POINT_KINDS.en.registration, 'Counter 1', b.label, [c.label, d.label].join(' ')]);
    expect((await cells(all.page, 'vitals')).slice(1)).toEqual(['Vitals 1 · Vitals 2', `${a.label} (Vitals 2)`, '']);
    expect((await cells(all.page, 'lab')).slice(1)).toEqual(['Lab A', '—', e.label]);

    // The board of vitals, in English.
    const vitals = await open('/service-points/vitals/display');
    const loadedAs = await pageId(vitals.page);
    expect(await vitals.page.getAttribute('html', 'lang')).toBe(en.locale);
    expect(await vitals.page.locator('[data-testid="point"]').innerText()).toBe(SERVICE_POINT_KINDS.en.vitals);
    expect(await vitals.page.locator('[data-testid="rooms"]').innerText()).toBe('Vitals 1 · Vitals 2');
    expect(await vitals.page.locator('h2').allInnerTexts()).toEqual([en.nowServing, en.next].map((s) => s.toUpperCase()));
    expect(await serving(vitals.page)).toEqual([`${a.label}\n${en.room.replace('{room}', 'Vitals 2')}`]);
    expect(await vitals.page.locator('[data-testid="hint"]').innerText()).toBe(en.goToRoom.replace('{room}', 'Vitals 2'));
    expect(await nextTokens(vitals.page)).toEqual([]);

    // 1 goes on to the doctor and registration sends 2 to vitals: both screens follow, without a reload.
    await post(`/api/tokens/${enc(a.id)}/forward`, { to: 'doctor' });
    await post(`/api/tokens/${enc(b.id)}/forward`, { to: 'vitals' });
    await expect.poll(() => nextTokens(vitals.page), POLL).toEqual([b.label]);
    await expect.poll(() => vitals.page.locator('[data-testid="now-serving"]').innerText(), POLL).toBe('—');
    expect(await vitals.page.locator('[data-testid="hint"]').innerText()).toBe(en.waitToBeCalled);
    await post('/api/service-points/vitals/call');
    await expect.poll(() => serving(vitals.page), POLL).toEqual([`${b.label}\n${en.room.replace('{room}', 'Vitals 1')}`]);
    expect(await nextTokens(vitals.page)).toEqual([]);
    const spoken = en.call.replace('{token}', b.label).replace('{room}', 'Vitals 1');
    await expect.poll(() => vitals.page.evaluate('window.spoken'), POLL).toEqual([{ text: spoken, lang: en.speechLang }]);
    expect(await vitals.page.locator('[data-testid="called"]').isVisible()).toBe(true);
    await expect.poll(async () => (await cells(all.page, 'vitals')).slice(2), POLL).toEqual([`${b.label} (Vitals 1)`, '']);
    await expect.poll(async () => (await cells(all.page, 'reg')).slice(2), POLL).toEqual(['—', [c.label, d.label].join(' ')]);
    expect(await pageId(vitals.page)).toBe(loadedAs);
    expect(await vitals.page.evaluate(`performance.getEntriesByType('navigation').length`)).toBe(1);
    await vitals.page.screenshot({ path: join(SCREENSHOTS, 'service-point-en-called.png'), animations: 'disabled' });
    await vitals.page.evaluate(HIDE_CALL);
    await vitals.page.screenshot({ path: join(SCREENSHOTS, 'service-point-en.png'), animations: 'disabled' });
    await all.page.evaluate(HIDE_CALL);
    await all.page.screenshot({ path: join(SCREENSHOTS, 'service-points-en.png'), animations: 'disabled' });

    // Token labels only, never names.
    for (const page of [vitals.page, all.page]) {
      const html = await page.content();
      for (const name of names) expect(html).not.toContain(name.split(' ')[0]!);
    }
    expect(vitals.problems).toEqual([]);
    expect(all.problems).toEqual([]);
    await vitals.page.close();
    await all.page.close();

    // In Hindi: the headings, the kinds, the room, and a live update after a forward and a call.
    const hi = BOARD_MESSAGES.hi;
    const lab = await open('/service-points/lab/display?lang=hi');
    expect(await lab.page.getAttribute('html', 'lang')).toBe(hi.locale);
    expect(await lab.page.locator('h2').allInnerTexts()).toEqual([hi.nowServing, hi.next]);
    expect(await lab.page.locator('[data-testid="point"]').innerText()).toBe(SERVICE_POINT_KINDS.hi.lab);
    expect(await lab.page.locator('[data-testid="hint"]').innerText()).toBe(hi.waitToBeCalled);
    expect(await nextTokens(lab.page)).toEqual([e.label]);
    const hiAll = await open('/service-points?lang=hi');
    expect(await hiAll.page.locator('th').allInnerTexts()).toEqual([hi.servicePoint, hi.roomHeading, hi.nowServing, hi.next]);
    expect((await cells(hiAll.page, 'vitals'))[0]).toBe(SERVICE_POINT_KINDS.hi.vitals);
    await post(`/api/tokens/${enc(b.id)}/forward`, { to: 'doctor' });
    await post('/api/service-points/lab/call');
    await expect.poll(() => serving(lab.page), POLL).toEqual([`${e.label}\n${hi.room.replace('{room}', 'Lab A')}`]);
    expect(await lab.page.locator('[data-testid="hint"]').innerText()).toBe(hi.goToRoom.replace('{room}', 'Lab A'));
    const spokenHi = hi.call.replace('{token}', e.label).replace('{room}', 'Lab A');
    await expect.poll(() => lab.page.evaluate('window.spoken'), POLL).toEqual([{ text: spokenHi, lang: hi.speechLang }]);
    await expect.poll(async () => (await cells(hiAll.page, 'lab')).slice(2), POLL).toEqual([e.label, '']);
    await expect.poll(async () => (await cells(hiAll.page, 'vitals')).slice(2), POLL).toEqual(['—', '']);
    await lab.page.evaluate(HIDE_CALL);
    await lab.page.screenshot({ path: join(SCREENSHOTS, 'service-point-hi.png'), animations: 'disabled' });
    await hiAll.page.evaluate(HIDE_CALL);
    await hiAll.page.screenshot({ path: join(SCREENSHOTS, 'service-points-hi.png'), animations: 'disabled' });
    expect(lab.problems).toEqual([]);
    expect(hiAll.problems).toEqual([]);
    await lab.page.close();
    await hiAll.page.close();
  });
});
