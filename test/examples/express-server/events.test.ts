import { MemoryStorage, type StorageAdapter } from 'opd-scheduler';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventOut } from '../../../examples/express-server/schemas.js';
import { DAY, KEY, SseReader, book, doctorWithSlots, enc, expectError, startHarness, tokenOf, type Frame, type Harness } from './harness.js';

let h: Harness | undefined;
const readers: SseReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await h?.close();
  h = undefined;
});

async function open(path: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const reader = await SseReader.open(`${h!.url}${path}`, headers);
  readers.push(reader);
  return reader;
}

const ids = (frames: readonly Frame[]): number[] => frames.filter((f) => f.event !== 'reset').map((f) => Number(f.id));

describe('GET /events', () => {
  it('streams new engine events as they are stored: id = seq, event = type, data = the event', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 1);
    await book(h, 'd1', 'ONLINE'); // seq 1, before the stream opens
    const stream = await open('/events');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers.get('cache-control')).toBe('no-store');
    const booked = tokenOf(await book(h, 'd1', 'WALK_IN', { name: 'Asha Verma' })); // waitlisted, seq 2
    await h.call('POST', `/api/tokens/${enc(booked.id)}/cancel`); // seq 3
    await stream.until((f) => f.length >= 2, 'two events');
    expect(stream.frames.map((f) => [f.id, f.event])).toEqual([
      ['2', 'token:waitlisted'],
      ['3', 'token:cancelled'],
    ]);
    for (const frame of stream.frames) {
      const event = EventOut.parse(JSON.parse(frame.data));
      expect(String(event.seq)).toBe(frame.id);
      expect(event.type).toBe(frame.event);
      expect(frame.data).not.toContain('Asha');
    }
  });

  it('forwards emergency:unplaced when an emergency is left waiting, then its promotion', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 1, 0);
    const present = tokenOf(await book(h, 'd1', 'WALK_IN'));
    expect((await h.call('POST', `/api/tokens/${enc(present.id)}/check-in`)).status).toBe(200);
    const stream = await open('/events?doctorId=d1');
    const answer = await h.call('POST', '/api/tokens/emergency', { body: { doctorId: 'd1', patient: { id: 'E-1', name: 'Ravi Kumar' } } });
    expect(answer.status, answer.text).toBe(201);
    const emergency = tokenOf(answer);
    await stream.until((f) => f.length >= 2, 'the waitlisting and its report');
    expect(stream.frames.map((f) => f.event)).toEqual(['token:waitlisted', 'emergency:unplaced']);
    const unplaced = EventOut.parse(JSON.parse(stream.frames[1]!.data));
    expect(unplaced).toEqual({
      type: 'emergency:unplaced',
      seq: Number(stream.frames[1]!.id),
      at: expect.any(String),
      doctorId: 'd1',
      facilityId: 'default',
      actor: 'anonymous',
      tokenId: emergency.id,
      tokenNumber: 2,
      label: '2',
      day: '2026-01-30',
    });
    expect(stream.frames[1]!.data).not.toContain('Ravi');
    await h.call('POST', `/api/tokens/${enc(present.id)}/cancel`);
    await stream.until((f) => f.length >= 4, 'the promotion');
    expect(stream.frames.slice(2).map((f) => [f.event, JSON.parse(f.data).tokenId])).toEqual([
      ['token:cancelled', present.id],
      ['token:promoted', emergency.id],
    ]);
  });

  it('resumes after Last-Event-ID with exactly the events after it, then continues live', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9, 10], 5);
    for (let i = 0; i < 5; i++) await book(h, 'd1', 'ONLINE');
    const resumed = await open('/events', { 'last-event-id': '2' });
    await resumed.until((f) => f.length >= 3, 'the replay');
    await book(h, 'd1', 'PAID');
    await resumed.until((f) => f.length >= 4, 'the live event');
    expect(ids(resumed.frames)).toEqual([3, 4, 5, 6]);

    // ?after= does the same for clients that cannot set headers; the header wins over it.
    const query = await open('/events?after=4');
    await query.until((f) => f.length >= 2, 'the replay');
    expect(ids(query.frames)).toEqual([5, 6]);
    const both = await open('/events?after=0', { 'last-event-id': '5' });
    await both.until((f) => f.length >= 1, 'the replay');
    expect(ids(both.frames)).toEqual([6]);
  });

  it('loses nothing and repeats nothing across a reconnect while bookings keep coming', async () => {
    h = await startHarness();
    const doctors = ['d1', 'd2', 'd3'];
    for (const d of doctors) await doctorWithSlots(h, d, [9, 10, 11, 12], 10);
    const harness = h;
    const first = await open('/events?after=0');
    let done = false;
    const traffic = (async () => {
      for (let round = 0; round < 20; round++) {
        // Concurrent bookings for different doctors: stored (and emitted) in any interleaving.
        await Promise.all(doctors.map((d) => book(harness, d, round % 3 === 0 ? 'PAID' : 'ONLINE')));
      }
      done = true;
    })();
    await first.until((f) => f.length >= 15, 'some events');
    first.close();
    const lastSeen = first.frames.at(-1)!.id!;
    const second = await open('/events', { 'last-event-id': lastSeen });
    await traffic;
    expect(done).toBe(true);
    const total = (await h.opd.history()).length;
    await second.until((f) => Number(f.at(-1)?.id ?? 0) >= total, 'every event');
    const received = [...ids(first.frames), ...ids(second.frames)];
    expect(received).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  // A store whose next history() read is held, before or after it reads, until the test lets it go:
  // the replay of a resuming stream is then overtaken by live events.
  function slowHistoryStore(): { storage: StorageAdapter; hold(when: 'before-read' | 'after-read'): { entered: Promise<void>; release(): void } } {
    const inner = new MemoryStorage();
    let gate: { when: 'before-read' | 'after-read'; enter: () => void; released: Promise<void> } | undefined;
    const storage: StorageAdapter = {
      name: 'slow-history',
      transact: (request, decide) => inner.transact(request, decide),
      read: (request) => inner.read(request),
      listDoctors: () => inner.listDoctors(),
      allocateId: () => inner.allocateId(),
      findDueDays: (cutoff) => inner.findDueDays(cutoff),
      scanDays: (filter) => inner.scanDays(filter),
      history: async (after, limit) => {
        const held = gate;
        gate = undefined;
        if (held?.when === 'before-read') {
          held.enter();
          await held.released;
        }
        const events = await inner.history(after, limit);
        if (held?.when === 'after-read') {
          held.enter();
          await held.released;
        }
        return events;
      },
      close: () => inner.close(),
    };
    return {
      storage,
      hold(when) {
        let enter!: () => void;
        let release!: () => void;
        const entered = new Promise<void>((resolve) => (enter = resolve));
        gate = { when, enter, released: new Promise<void>((resolve) => (release = resolve)) };
        return { entered, release };
      },
    };
  }

  for (const when of ['before-read', 'after-read'] as const) {
    it(`a replay overtaken by live events (${when}) still delivers each event exactly once, in order`, async () => {
      const store = slowHistoryStore();
      h = await startHarness({ scheduler: { storage: store.storage } });
      await doctorWithSlots(h, 'd1', [9], 10);
      for (let i = 0; i < 3; i++) await book(h, 'd1', 'ONLINE'); // 1..3
      const watcher = await open('/events');
      const gate = store.hold(when);
      const resuming = await open('/events', { 'last-event-id': '0' });
      await gate.entered; // its replay is held
      await book(h, 'd1', 'ONLINE'); // 4
      await book(h, 'd1', 'ONLINE'); // 5
      await watcher.until((f) => f.length >= 2, 'the live events'); // delivered to every stream, the held one too
      gate.release();
      await resuming.until((f) => ids(f).includes(5), 'every event');
      await book(h, 'd1', 'ONLINE'); // 6
      await resuming.until((f) => ids(f).includes(6), 'the next live event');
      expect(ids(resuming.frames)).toEqual([1, 2, 3, 4, 5, 6]);
    });
  }

  it("filters one doctor's events, resumable the same way", async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 5);
    await doctorWithSlots(h, 'd2', [9], 5);
    await book(h, 'd1', 'ONLINE'); // 1
    await book(h, 'd2', 'ONLINE'); // 2
    await book(h, 'd1', 'ONLINE'); // 3
    await book(h, 'd2', 'ONLINE'); // 4
    const only = await open('/events?after=0&doctorId=d2');
    await only.until((f) => f.length >= 2, 'two events of d2');
    expect(ids(only.frames)).toEqual([2, 4]);
    const resumed = await open('/events?doctorId=d2', { 'last-event-id': '2' });
    await book(h, 'd1', 'ONLINE'); // 5
    await book(h, 'd2', 'ONLINE'); // 6
    await resumed.until((f) => f.length >= 2, 'd2 events');
    expect(ids(resumed.frames)).toEqual([4, 6]);
    expectError(await h.call('GET', '/events?doctorId=nobody'), 404, 'DOCTOR_NOT_FOUND');
  });

  it('never streams the effects of a dry run', async () => {
    h = await startHarness();
    const [nine] = await doctorWithSlots(h, 'd1', [9, 10], 1);
    await book(h, 'd1', 'ONLINE', { slotId: nine! }); // 1
    const stream = await open('/events');
    const preview = await h.call('POST', `/api/slots/${enc(nine!)}/close?dryRun=true`);
    expect((preview.body as { effects: unknown[] }).effects.length).toBe(2);
    await h.call('POST', `/api/slots/${enc(nine!)}/close`); // 2, 3
    await stream.until((f) => f.length >= 2, 'the real closure');
    expect(stream.frames.map((f) => [f.id, f.event])).toEqual([
      ['2', 'slot:closed'],
      ['3', 'token:cascaded'],
    ]);
  });

  it('restarts from the beginning, announced by a reset, for an id this store never issued', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 5);
    await book(h, 'd1', 'ONLINE');
    await book(h, 'd1', 'ONLINE');
    const stream = await open('/events', { 'last-event-id': '9999' });
    await stream.until((f) => f.length >= 3, 'reset and replay');
    expect(stream.frames[0]).toMatchObject({ id: '0', event: 'reset' });
    expect(JSON.parse(stream.frames[0]!.data)).toEqual({ reason: 'unknown-event-id', lastEventId: 9999 });
    expect(ids(stream.frames)).toEqual([1, 2]);
  });

  it('answers HEAD with the stream headers and no body', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 1);
    for (const path of ['/events', '/display/d1/events']) {
      const head = await h.call('HEAD', path);
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(head.text).toBe('');
    }
    expect(((await h.call('GET', '/api/health')).body as { eventStreams: number }).eventStreams).toBe(0);
  });

  it('refuses bad resume points and unknown parameters', async () => {
    h = await startHarness();
    expect(expectError(await h.call('GET', '/events', { headers: { 'last-event-id': 'abc' } }), 400, 'VALIDATION_FAILED').details).toMatchObject({
      field: 'Last-Event-ID',
      in: 'header',
    });
    expectError(await h.call('GET', '/events?after=-3'), 400, 'VALIDATION_FAILED');
    expectError(await h.call('GET', '/events?since=3'), 400, 'VALIDATION_FAILED');
  });

  it('sends heartbeats, limits open streams, and counts them in the health check', async () => {
    h = await startHarness({ heartbeatMs: 50, maxStreams: 2 });
    const a = await open('/events');
    const unknown = await open('/display/d1/events');
    expect(unknown.status).toBe(404); // an unknown doctor's board is refused before a stream opens
    await doctorWithSlots(h, 'd1', [9], 1);
    const board = await open('/display/d1/events');
    expect(board.status).toBe(200);
    const b = await open('/events');
    expect(b.status).toBe(200);
    const health = (await h.call('GET', '/api/health')).body as { eventStreams: number; boardStreams: number };
    expect(health).toMatchObject({ eventStreams: 2, boardStreams: 1 });
    const refused = await h.call('GET', '/events');
    expect(expectError(refused, 503, 'TOO_MANY_STREAMS').details).toEqual({ limit: 2 });
    expect(refused.headers.get('retry-after')).toBe('5');
    await a.until(() => a.comments >= 2, 'heartbeats');
    await board.until(() => board.comments >= 2, 'heartbeats on the board');
    a.close();
    await a.ended;
    // The slot is freed once the server notices the reader left.
    let answer = await h.call('GET', '/api/health');
    for (let i = 0; i < 50 && (answer.body as { eventStreams: number }).eventStreams !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answer = await h.call('GET', '/api/health');
    }
    expect((answer.body as { eventStreams: number }).eventStreams).toBe(1);
    const again = await open('/events');
    expect(again.status).toBe(200);
  });
});

describe('display-board streams', () => {
  it('have a pool of their own: filling it never locks an authenticated /events client out', async () => {
    h = await startHarness({ apiKey: KEY, maxStreams: 2, maxBoardStreams: 3 });
    await doctorWithSlots(h, 'd1', [9], 1);
    const boards = await Promise.all(Array.from({ length: 3 }, () => open('/display/d1/events')));
    expect(boards.map((b) => b.status)).toEqual([200, 200, 200]);
    const refused = await open('/display/d1/events');
    expect(refused.status).toBe(503);
    // The board pool is full; keyed clients still get both of theirs.
    const events = [await open('/events', { authorization: `Bearer ${KEY}` }), await open('/events', { authorization: `Bearer ${KEY}` })];
    expect(events.map((e) => e.status)).toEqual([200, 200]);
    expect(expectError(await h.call('GET', '/events'), 503, 'TOO_MANY_STREAMS').details).toEqual({ limit: 2 });
    expect((await h.call('GET', '/api/health')).body).toMatchObject({ eventStreams: 2, boardStreams: 3 });
  });

  it('share one schedule read per change of a doctor-day, however many boards show it', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9, 10], 10);
    await doctorWithSlots(h, 'd2', [9], 10);
    h.clock.set(`${DAY}T07:00:00Z`); // today is DAY: boards with and without ?date= show the same day
    const d1 = [
      ...(await Promise.all(Array.from({ length: 15 }, () => open('/display/d1/events')))),
      ...(await Promise.all(Array.from({ length: 15 }, () => open(`/display/d1/events?date=${DAY}`)))),
    ];
    const d2 = await Promise.all(Array.from({ length: 10 }, () => open('/display/d2/events')));
    const first = (reader: SseReader): Promise<void> => reader.until((f) => f.some((x) => x.event === 'board'), 'the first board');
    await Promise.all([...d1, ...d2].map(first));
    const reads = vi.spyOn(h.opd, 'getSchedule');
    const booked = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09' }));
    const shows = (reader: SseReader, n: number): Promise<void> =>
      reader.until(
        (frames) =>
          frames.some((f) => f.event === 'board' && (JSON.parse(f.data) as { next: { tokenNumber: number }[] }).next.some((e) => e.tokenNumber === n)),
        `token ${n}`,
      );
    await Promise.all(d1.map((reader) => shows(reader, booked.tokenNumber)));
    expect(reads.mock.calls).toEqual([['d1', DAY]]);
    // A burst of changes: at most one read per change, none for the other doctor's boards.
    const more = await Promise.all(Array.from({ length: 5 }, () => book(h!, 'd1', 'WALK_IN', { slotId: 'd1-10' })));
    await Promise.all(d1.map((reader) => shows(reader, tokenOf(more.at(-1)!).tokenNumber)));
    expect(reads.mock.calls.length).toBeLessThanOrEqual(1 + more.length);
    expect(reads.mock.calls.every(([doctorId]) => doctorId === 'd1')).toBe(true);
    expect(d2.every((reader) => reader.named('board').length === 1)).toBe(true);
  });
});
