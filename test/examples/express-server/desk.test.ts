/**
 * The front desk over HTTP: holds, the live queue, reinstating, and who did it (`X-Actor`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, SseReader, book, doctorWithSlots, enc, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
const readers: SseReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await h?.close();
  h = undefined;
});

async function desk(): Promise<Harness> {
  const harness = await startHarness({ rooms: { d1: '12' } });
  harness.clock.set(`${DAY}T07:00:00Z`);
  return harness;
}

describe('the front desk over HTTP', { timeout: 30_000 }, () => {
  it('holds a place, confirms it, and records who did it from X-Actor', async () => {
    h = await desk();
    await doctorWithSlots(h, 'd1', [9], 1);
    const held = await h.call('POST', '/api/tokens/hold', {
      body: { doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-h', name: 'Held Patient' }, holdMinutes: 10 },
      headers: { 'x-actor': 'portal' },
    });
    expect(held.status, held.text).toBe(201);
    const token = (expectDocumented(h, 'hold', held) as { token: { id: string; status: string; holdExpiresAt: string; label: string } }).token;
    expect(token).toMatchObject({ status: 'HELD', holdExpiresAt: `${DAY}T07:10:00.000Z`, label: '1' });
    expectError(await h.call('POST', '/api/tokens/hold', { body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'X' }, holdMinutes: 10 } }), 409, 'SLOT_FULL');
    expectError(await h.call('POST', '/api/tokens/hold', { body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'X' }, holdMinutes: 0 } }), 400, 'VALIDATION_FAILED');
    const confirmed = await h.call('POST', `/api/tokens/${enc(token.id)}/confirm`, { headers: { 'x-actor': 'payments' } });
    expect((expectDocumented(h, 'confirm', confirmed) as { token: { status: string } }).token.status).toBe('BOOKED');
    expectError(await h.call('POST', `/api/tokens/${enc(token.id)}/release`), 422, 'INVALID_TRANSITION');
    expectError(await h.call('POST', `/api/tokens/${enc(token.id)}/check-in`, { headers: { 'x-actor': '' } }), 400, 'VALIDATION_FAILED');
    const history = (await h.opd.history()).map((e) => [e.type, e.actor]);
    expect(history).toEqual([
      ['token:held', 'portal'],
      ['token:confirmed', 'payments'],
    ]);
  });

  it('calls the next patient to a room, announced on the board; recalls; reinstates a no-show', async () => {
    h = await desk();
    await doctorWithSlots(h, 'd1', [9], 5);
    const first = await h.call('POST', '/api/doctors/d1/call-next', { body: { room: '3' } });
    expect(expectDocumented(h, 'callNext', first)).toEqual({ token: null, effects: [] });
    const a = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09', name: 'Asha Verma' }));
    const b = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09' }));
    expect((await h.call('POST', `/api/tokens/${enc(a.id)}/check-in`)).status).toBe(200);
    const stream = await SseReader.open(`${h.url}/display/d1/events`);
    readers.push(stream);
    await stream.until((f) => f.length >= 1, 'the first board');
    const called = await h.call('POST', '/api/doctors/d1/call-next', { body: { room: '3' }, headers: { 'x-actor': 'dr-rao' } });
    expect((expectDocumented(h, 'callNext', called) as { token: { id: string } }).token.id).toBe(a.id);
    await stream.until((f) => f.some((x) => x.event === 'call'), 'the call');
    expect(stream.named('call').map((f) => JSON.parse(f.data) as unknown)).toEqual([{ doctorId: 'd1', tokenNumber: a.tokenNumber, room: '3', seq: expect.any(Number) as number }]);
    for (const frame of stream.frames) expect(frame.data).not.toMatch(/Asha|Verma/);
    const again = await h.call('POST', `/api/tokens/${enc(a.id)}/recall`);
    expect(expectDocumented(h, 'recall', again)).toMatchObject({ token: { id: a.id } });
    expect((await h.opd.history()).filter((e) => e.type === 'token:called').map((e) => [e.actor, 'room' in e ? e.room : undefined, 'recall' in e ? e.recall : undefined])).toEqual([
      ['dr-rao', '3', false],
      [null, null, true],
    ]);
    expectError(await h.call('POST', `/api/tokens/${enc(b.id)}/recall`), 422, 'INVALID_TRANSITION');
    h.clock.set(`${DAY}T09:20:00Z`);
    expect((await h.call('POST', `/api/tokens/${enc(b.id)}/no-show`)).status).toBe(200);
    const back = await h.call('POST', `/api/tokens/${enc(b.id)}/reinstate`, { headers: { 'x-actor': 'desk-1' } });
    expect((expectDocumented(h, 'reinstate', back) as { token: { status: string; slotId: string } }).token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
  });
});
