import { readHistory, replay } from 'opd-scheduler/lab';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY, book, doctorWithSlots, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ apiKey: KEY });
});
afterEach(async () => {
  await h.close();
});

describe('GET /api/history.jsonl (the policy lab)', () => {
  it('serves the history as JSON lines, with the key, which the lab replays into the same tokens', async () => {
    await doctorWithSlots(h, 'd1', [9, 10], 1);
    const first = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09' }));
    const second = tokenOf(await book(h, 'd1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(expectError(await h.call('GET', '/api/history.jsonl', { key: null }), 401, 'UNAUTHORIZED')).toBeDefined();
    const answer = await h.call('GET', '/api/history.jsonl');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(h.server.routes.find((r) => r.operationId === 'historyJsonLines')?.responses[200]).toMatchObject({ content: 'application/x-ndjson' });
    // No patient data: the names booked with never appear.
    expect(answer.text).not.toContain('"patient"');
    expect(answer.text).not.toContain('P-');
    const history = readHistory(answer.text);
    expect(history.doctors.map((d) => d.id)).toEqual(['d1']);
    expect(history.slots.map((s) => s.id).sort()).toEqual(['d1-09', 'd1-10']);
    const result = await replay(answer.text, {});
    try {
      const recorded = (await h.call('GET', `/api/tokens/${first.id}`)).body as { status: string; slotId: string | null };
      const again = await result.scheduler.getToken(first.id);
      expect({ status: again.status, slotId: again.slotId }).toEqual({ status: recorded.status, slotId: recorded.slotId });
      expect((await result.scheduler.getToken(second.id)).slotId).toBe('d1-09');
      expect(result.delta.bumps).toBe(0);
    } finally {
      await result.scheduler.close();
    }
    const later = await h.call('GET', `/api/history.jsonl?after=${history.events.at(-1)!.seq}`);
    expect(readHistory(later.text).events).toEqual([]);
    expectError(await h.call('GET', '/api/history.jsonl?after=-1'), 400, 'VALIDATION_FAILED');
  });
});
