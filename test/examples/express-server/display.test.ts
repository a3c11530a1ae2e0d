import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BoardOut } from '../../../examples/express-server/schemas.js';
import { browserTestsRun, launchChromium, type Browser } from '../../browser.js';
import { DAY, SseReader, book, doctorWithSlots, enc, expectDocumented, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function visit(tokenId: string, ...steps: ('check-in' | 'start' | 'complete')[]): Promise<void> {
  for (const step of steps) {
    const answer = await h!.call('POST', `/api/tokens/${enc(tokenId)}/${step}`);
    expect(answer.status, answer.text).toBe(200);
  }
}

describe('display board data', () => {
  it('shows the tokens in consultation and the next ones in queue order, numbers only', async () => {
    h = await startHarness();
    const [nine, ten] = await doctorWithSlots(h, 'd1', [9, 10], 3);
    const t1 = tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: nine!, name: 'Asha Verma' }));
    const t2 = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine!, name: 'Ravi Kumar' }));
    tokenOf(await book(h, 'd1', 'PAID', { slotId: nine!, name: 'Meena Iyer' }));
    tokenOf(await book(h, 'd1', 'ONLINE', { slotId: ten!, name: 'John Doe' }));
    await visit(t2.id, 'check-in', 'start');
    await visit(t1.id, 'check-in');

    const answer = await h.call('GET', '/display/d1/board');
    const board = expectDocumented(h, 'displayBoardData', answer) as ReturnType<typeof BoardOut.parse>;
    expect(board).toMatchObject({
      doctor: { id: 'd1', name: 'Dr d1', specialization: 'General Medicine' },
      date: DAY,
      timeZone: 'UTC',
      nowServing: ['2'],
      next: [
        { tokenNumber: 3, label: '3', checkedIn: false, estimatedStart: '2026-01-30T09:00:00.000Z', estimateAfterSlot: false },
        // Token 2 is already in consultation: token 1 is next after token 3, not after both.
        { tokenNumber: 1, label: '1', checkedIn: true, estimatedStart: '2026-01-30T09:05:00.000Z', estimateAfterSlot: false },
        { tokenNumber: 4, label: '4', checkedIn: false, estimatedStart: '2026-01-30T10:00:00.000Z', estimateAfterSlot: false },
      ],
      waiting: 3,
      waitlisted: 0,
    });
    for (const name of ['Asha', 'Ravi', 'Meena', 'John', 'P-', 'WALK_IN', 'PAID', 'phone']) expect(answer.text).not.toContain(name);
    expect((await h.call('GET', '/display/d1/board?date=2026-01-31')).body).toMatchObject({ date: '2026-01-31', nowServing: [], next: [], waiting: 0 });
    expect((await h.call('GET', '/display/nobody/board')).status).toBe(404);
    expect((await h.call('GET', '/display/d1/board?date=tomorrow')).status).toBe(400);
  });

  it('streams a fresh board on connect and whenever it changes', async () => {
    h = await startHarness();
    const [nine] = await doctorWithSlots(h, 'd1', [9], 5);
    await doctorWithSlots(h, 'd2', [9], 5);
    const stream = await SseReader.open(`${h.url}/display/d1/events`);
    try {
      await stream.until((f) => f.length >= 1, 'the first board');
      expect(BoardOut.parse(JSON.parse(stream.frames[0]!.data))).toMatchObject({ nowServing: [], next: [] });
      const a = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! }));
      await stream.until((f) => f.some((x) => x.event === 'board' && JSON.parse(x.data).next.length === 1), 'the booking');
      await book(h, 'd2', 'ONLINE'); // another doctor: no new board for d1
      await visit(a.id, 'check-in', 'start');
      await stream.until((f) => f.some((x) => x.event === 'board' && JSON.parse(x.data).nowServing[0] === '1'), 'the call');
      expect(stream.named('call').map((f) => JSON.parse(f.data))).toEqual([
        { doctorId: 'd1', tokenNumber: 1, label: '1', room: null, seq: expect.any(Number) },
      ]);
      const boards = stream.named('board').map((f) => BoardOut.parse(JSON.parse(f.data)));
      expect(boards.at(-1)).toMatchObject({ nowServing: ['1'], next: [], waiting: 0 });
      // Board ids are the seq of the last event they reflect, never going back.
      const seqs = stream.frames.map((f) => Number(f.id));
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      expect(boards.every((b) => b.doctor.id === 'd1')).toBe(true);
    } finally {
      stream.close();
    }
  });

  it("after midnight, today's board shows and calls the night session still running, first", async () => {
    h = await startHarness();
    const next = '2026-01-31';
    await h.opd.addDoctor({ id: 'd1', name: 'Dr d1' });
    await h.opd.addSlots('d1', [
      { id: 'night', start: `${DAY}T22:00:00Z`, end: `${next}T02:00:00Z`, capacity: 5 },
      { id: 'morning', start: `${next}T08:00:00Z`, end: `${next}T09:00:00Z`, capacity: 5 },
    ]);
    h.clock.set(`${DAY}T21:00:00Z`);
    const night = (await h.opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, slotId: 'night' })).token;
    const morning = (await h.opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, slotId: 'morning' })).token;
    await h.opd.checkIn(night.id);
    h.clock.set(`${next}T00:30:00Z`);
    const board = BoardOut.parse((await h.call('GET', '/display/d1/board')).body);
    expect(board.date).toBe(next);
    expect(board.next.map((e) => [e.tokenNumber, e.checkedIn, e.estimatedStart])).toEqual([
      [night.tokenNumber, true, `${next}T00:30:00.000Z`],
      [morning.tokenNumber, false, `${next}T08:00:00.000Z`],
    ]);
    const stream = await SseReader.open(`${h.url}/display/d1/events`);
    try {
      await stream.until((f) => f.length >= 1, 'the first board');
      const called = await h.opd.callNext('d1', { room: '4' });
      expect(called.token?.id).toBe(night.id);
      await stream.until((f) => f.some((x) => x.event === 'call'), 'the call');
      expect(stream.named('call').map((f) => JSON.parse(f.data))).toEqual([
        { doctorId: 'd1', tokenNumber: night.tokenNumber, label: night.label, room: '4', seq: expect.any(Number) },
      ]);
      await h.opd.startConsultation(night.id);
      await stream.until((f) => f.some((x) => x.event === 'board' && JSON.parse(x.data).nowServing.length === 1), 'the consultation');
      expect(BoardOut.parse(JSON.parse(stream.named('board').at(-1)!.data))).toMatchObject({
        nowServing: [night.label],
        next: [{ tokenNumber: morning.tokenNumber }],
      });
    } finally {
      stream.close();
    }
    // Once the session has ended it is not shown.
    h.clock.set(`${next}T02:00:00Z`);
    expect(BoardOut.parse((await h.call('GET', '/display/d1/board')).body)).toMatchObject({ nowServing: [], next: [{ tokenNumber: morning.tokenNumber }] });
  });

  it('shows and calls the label the patient holds', async () => {
    h = await startHarness({ scheduler: { numbering: 'category' } });
    const [nine] = await doctorWithSlots(h, 'd1', [9], 5);
    await book(h, 'd1', 'ONLINE', { slotId: nine! });
    const walkIn = tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: nine! })) as { id: string; label?: string };
    expect(walkIn.label).toBe('W-1');
    const board = BoardOut.parse((await h.call('GET', '/display/d1/board')).body);
    expect(board.next.map((e) => e.label)).toEqual(['O-1', 'W-1']);
    const stream = await SseReader.open(`${h.url}/display/d1/events`);
    try {
      await stream.until((f) => f.length >= 1, 'the first board');
      h.clock.set(`${DAY}T09:05:00Z`);
      await visit(walkIn.id, 'check-in');
      await h.opd.callNext('d1');
      await stream.until((f) => f.some((x) => x.event === 'call'), 'the call');
      expect(JSON.parse(stream.named('call')[0]!.data)).toMatchObject({ tokenNumber: 2, label: 'W-1' });
    } finally {
      stream.close();
    }
  });

  it('serves a self-contained page with a strict Content-Security-Policy and no patient data', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 5);
    await h.call('POST', '/api/doctors', { body: { id: 'x', name: '<script>alert(1)</script>' } });
    await book(h, 'd1', 'ONLINE', { name: 'Asha Verma' });
    const page = await h.call('GET', '/display/d1');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(page.text).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
    expect(page.text).not.toContain('Asha');
    const hostile = await h.call('GET', '/display/x');
    expect(hostile.text).not.toContain('<script>alert(1)</script>');
    expect(hostile.text).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    const unknown = await h.call('GET', '/display/nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('Unknown doctor');
  });
});

// ---------------------------------------------------------------------------------------------
// In a real browser

describe.skipIf(!browserTestsRun('display board'))('display board in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium({ width: 1920, height: 1080 });
  });

  afterAll(async () => {
    await browser?.close();
  });

  const text = (page: Page, testId: string): Promise<string> => page.locator(`[data-testid="${testId}"]`).innerText();
  const nextTokens = async (page: Page): Promise<string[]> =>
    Promise.all((await page.locator('[data-testid="next"] li').all()).map(async (li) => (await li.getAttribute('data-token')) ?? ''));
  // Waiting for the page to show something (a failure guard, not a speed assertion).
  const POLL = { timeout: 20_000, interval: 100 };
  // Code that runs in the page is given as text: this project is type-checked without DOM types.
  const pageId = (page: Page): Promise<unknown> => page.evaluate('window.boardPageId');

  it('updates live, without reloading, as patients are booked and called', async () => {
    h = await startHarness();
    await h.call('POST', '/api/doctors', { body: { id: 'sharma', name: 'Dr. Anita Sharma', specialization: 'Cardiology' } });
    await h.call('POST', '/api/doctors/sharma/slots', {
      body: [
        { id: 'sharma-9', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 4 },
        { id: 'sharma-10', start: `${DAY}T10:00:00Z`, end: `${DAY}T11:00:00Z`, capacity: 4 },
      ],
    });

    const page = await browser.context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${h.url}/display/sharma`);
    const loadedAs = await pageId(page);
    expect(loadedAs).toMatch(/^[a-z0-9]+$/);
    await page.locator('[data-testid="connection"].live').waitFor();
    expect(await text(page, 'now-serving')).toBe('—');
    expect(await nextTokens(page)).toEqual([]);

    // Book through the API: the board fills in queue order (PAID before ONLINE before WALK_IN).
    const names = ['Asha Verma', 'Ravi Kumar', 'Meena Iyer', 'John Doe', 'Fatima Khan', 'Arjun Rao', 'Lakshmi Nair'];
    const categories = ['WALK_IN', 'ONLINE', 'PAID_PRIORITY', 'ONLINE', 'walk_in', 'FOLLOW_UP', 'ONLINE_BOOKING'];
    const tokens = [];
    for (let i = 0; i < names.length; i++) tokens.push(tokenOf(await book(h, 'sharma', categories[i]!, { name: names[i]!, date: DAY })));
    await expect.poll(() => nextTokens(page), POLL).toHaveLength(7);
    expect(await nextTokens(page)).toEqual(['3', '2', '4', '1', '6', '7', '5']);
    expect(await text(page, 'waiting')).toBe('7');

    // Call token 3 in, then the next one.
    await h.call('POST', `/api/tokens/${enc(tokens[2]!.id)}/check-in`);
    await h.call('POST', `/api/tokens/${enc(tokens[2]!.id)}/start`);
    await expect.poll(() => text(page, 'now-serving'), POLL).toBe('3');
    expect(await nextTokens(page)).toEqual(['2', '4', '1', '6', '7', '5']);
    await h.call('POST', `/api/tokens/${enc(tokens[1]!.id)}/check-in`);
    await h.call('POST', `/api/tokens/${enc(tokens[0]!.id)}/check-in`);
    await expect.poll(() => page.locator('[data-testid="next"] li .next-note.in').count(), POLL).toBe(2);
    await h.call('POST', `/api/tokens/${enc(tokens[2]!.id)}/complete`);
    await h.call('POST', `/api/tokens/${enc(tokens[1]!.id)}/start`);
    await expect.poll(() => text(page, 'now-serving'), POLL).toBe('2');

    // An emergency into the full 09:00 slot takes an elastic place at the front of the queue.
    const emergency = await h.call('POST', '/api/tokens/emergency', {
      body: { doctorId: 'sharma', patient: { name: 'Unnamed emergency' }, slotId: 'sharma-9' },
    });
    expect(emergency.status).toBe(201);
    await expect.poll(() => nextTokens(page), POLL).toEqual(['8', '4', '1', '6', '7', '5']);
    expect(await text(page, 'waiting')).toBe('6');

    // Same page, same document: nothing was reloaded.
    expect(await pageId(page)).toBe(loadedAs);
    expect(await page.evaluate(`performance.getEntriesByType('navigation').length`)).toBe(1);
    expect(requests.filter((url) => url === `${h!.url}/display/sharma`)).toHaveLength(1);
    expect(requests.every((url) => url.startsWith(h!.url))).toBe(true);
    // The page runs under its own Content-Security-Policy without a single violation or error.
    expect(problems).toEqual([]);

    // Token numbers only, never names.
    const html = await page.content();
    for (const name of [...names, 'Unnamed emergency']) expect(html).not.toContain(name.split(' ')[0]!);
    expect(html).toContain('Dr. Anita Sharma');

    mkdirSync('artifacts', { recursive: true });
    await page.screenshot({ path: 'artifacts/display-board.png', animations: 'disabled' });
    await page.close();
  });

  it('reconnects after the stream drops and catches up', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 5);
    const streams: Socket[] = [];
    h.server.server.on('request', (req: IncomingMessage) => {
      if (req.url?.startsWith('/display/d1/events') === true) streams.push(req.socket);
    });
    const page = await browser.context.newPage();
    await page.goto(`${h.url}/display/d1?date=${DAY}`);
    await page.locator('[data-testid="connection"].live').waitFor();
    const loadedAs = await pageId(page);
    // Drop the board's stream (as a proxy restart would), then change the board while it is away.
    expect(streams).toHaveLength(1);
    streams[0]!.destroy();
    await page.locator('[data-testid="connection"]:not(.live)').waitFor();
    await book(h, 'd1', 'ONLINE');
    await expect.poll(() => nextTokens(page), POLL).toEqual(['1']);
    await page.locator('[data-testid="connection"].live').waitFor();
    expect(await pageId(page)).toBe(loadedAs);
    await page.close();
  });
});
