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

/** One API key per actor: the key's name is the actor of its calls. Calls send `desk-1`'s unless told otherwise. */
const KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  ['desk-1', 'desk-2', 'portal', 'payments', 'admin', 'cron', 'dr-rao'].map((actor) => [actor, `${actor}-key-0123456789abcdef`]),
);

/** Call options that make a call as `actor`, with its key. */
function as(actor: string): { key: string } {
  return { key: KEYS[actor]! };
}

async function desk(): Promise<Harness> {
  const harness = await startHarness({
    rooms: { d1: '12' },
    apiKeys: Object.entries(KEYS).map(([actor, key]) => ({ actor, key, narrow: actor === 'desk-1' })),
  });
  harness.clock.set(`${DAY}T07:00:00Z`);
  return harness;
}

describe('the front desk over HTTP', () => {
  it('holds a place, confirms it, and records who did it from X-Actor', async () => {
    h = await desk();
    await doctorWithSlots(h, 'd1', [9], 1);
    const held = await h.call('POST', '/api/tokens/hold', {
      body: { doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-h', name: 'Held Patient' }, holdMinutes: 10 },
      ...as('portal'),
    });
    expect(held.status, held.text).toBe(201);
    const token = (expectDocumented(h, 'hold', held) as { token: { id: string; status: string; holdExpiresAt: string; label: string } }).token;
    expect(token).toMatchObject({ status: 'HELD', holdExpiresAt: `${DAY}T07:10:00.000Z`, label: '1' });
    expectError(
      await h.call('POST', '/api/tokens/hold', { body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'X' }, holdMinutes: 10 } }),
      409,
      'SLOT_FULL',
    );
    expectError(
      await h.call('POST', '/api/tokens/hold', { body: { department: 'nowhere', category: 'ONLINE', patient: { name: 'X' }, holdMinutes: 10 } }),
      404,
      'DEPARTMENT_NOT_FOUND',
    );
    expectError(
      await h.call('POST', '/api/tokens/hold', { body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'X' }, holdMinutes: 0 } }),
      400,
      'VALIDATION_FAILED',
    );
    const confirmed = await h.call('POST', `/api/tokens/${enc(token.id)}/confirm`, { ...as('payments') });
    expect((expectDocumented(h, 'confirm', confirmed) as { token: { status: string } }).token.status).toBe('BOOKED');
    expectError(await h.call('POST', `/api/tokens/${enc(token.id)}/release`), 422, 'INVALID_TRANSITION');
    expectError(await h.call('POST', `/api/tokens/${enc(token.id)}/check-in`, { headers: { 'x-actor': '' } }), 400, 'VALIDATION_FAILED');
    const history = (await h.opd.history()).map((e) => [e.type, e.actor]);
    expect(history).toEqual([
      ['token:held', 'portal'],
      ['token:confirmed', 'payments'],
    ]);
  });

  it('records X-Actor on a booking, a move and every other mutation, as GET /api/history shows', async () => {
    h = await desk();
    const desk1 = as('desk-1');
    await doctorWithSlots(h, 'd1', [9, 10], 2);
    const booked = await h.call('POST', '/api/tokens', {
      body: { doctorId: 'd1', category: 'WALK_IN', slotId: 'd1-09', patient: { id: 'P-a', name: 'Asha Verma' } },
      ...desk1,
    });
    expect(booked.status, booked.text).toBe(201);
    const token = tokenOf(booked);
    const moved = await h.call('POST', `/api/tokens/${enc(token.id)}/move`, { body: { slotId: 'd1-10', reason: 'asked for later' }, ...desk1 });
    expect(moved.status, moved.text).toBe(200);
    const colleague = await h.call('POST', '/api/doctors', { body: { id: 'd2', name: 'Dr d2', specialization: 'Medicine', department: 'medicine' } });
    expect(colleague.status, colleague.text).toBe(201);
    const rota = await h.call('POST', '/api/doctors/d2/rota', {
      body: { from: DAY, to: DAY, weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '20:00', end: '21:00', slotMinutes: 60, capacity: 2 })) },
      ...as('admin'),
    });
    expect(rota.status, rota.text).toBe(201);
    const byDepartment = await h.call('POST', '/api/tokens', {
      body: { department: 'medicine', category: 'WALK_IN', patient: { id: 'P-b', name: 'Bina Rao' } },
      ...as('desk-2'),
    });
    expect(byDepartment.status, byDepartment.text).toBe(201);
    const cron = as('cron');
    expect((await h.call('PUT', '/api/slots/d1-09/capacity', { body: { capacity: 3 }, ...as('admin') })).status).toBe(200);
    expect((await h.call('POST', '/api/slots/d1-09/close', { body: { reason: 'meeting' }, ...as('admin') })).status).toBe(200);
    expect((await h.call('POST', '/api/slots/d1-09/reopen', { ...as('admin') })).status).toBe(200);
    const added = await h.call('POST', '/api/doctors/d1/slots', {
      body: [{ id: 'd1-12', start: `${DAY}T12:00:00Z`, end: `${DAY}T13:00:00Z`, capacity: 2 }],
      ...as('admin'),
    });
    expect(added.status, added.text).toBe(201);
    const leave = await h.call('POST', '/api/doctors/d1/leave', {
      body: { from: `${DAY}T12:00:00Z`, to: `${DAY}T13:00:00Z`, reason: 'leave' },
      ...as('admin'),
    });
    expect(leave.status, leave.text).toBe(200);
    const absent = await h.call('POST', '/api/tokens/emergency', {
      body: { doctorId: 'd1', slotId: 'd1-09', patient: { id: 'P-c', name: 'Chandra' } },
      ...desk1,
    });
    expect(absent.status, absent.text).toBe(201);
    h.clock.set(`${DAY}T09:20:00Z`);
    expect((await h.call('POST', '/api/sweep', { ...cron })).status).toBe(200);
    // An empty actor is refused like on every other mutation, and changes nothing.
    expectError(
      await h.call('POST', '/api/tokens', { body: { doctorId: 'd1', category: 'WALK_IN', patient: { name: 'X' } }, headers: { 'x-actor': '' } }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(await h.call('POST', `/api/tokens/${enc(token.id)}/move`, { body: { slotId: 'd1-09' }, headers: { 'x-actor': '' } }), 400, 'VALIDATION_FAILED');

    const history = await h.call('GET', '/api/history');
    expect(history.status, history.text).toBe(200);
    const events = (expectDocumented(h, 'history', history) as { events: { type: string; actor: string | null; tokenId?: string; slotId?: string }[] }).events;
    const actors = events.map((e) => [e.type, e.actor]);
    expect(actors).toContainEqual(['token:booked', 'desk-1']);
    expect(actors).toContainEqual(['token:moved', 'desk-1']);
    expect(events.filter((e) => e.tokenId === token.id).map((e) => [e.type, e.actor])).toEqual([
      ['token:booked', 'desk-1'],
      ['token:moved', 'desk-1'],
    ]);
    expect(actors).toContainEqual(['token:booked', 'desk-2']);
    for (const type of ['slot:capacity-changed', 'slot:closed', 'slot:reopened']) expect(actors, type).toContainEqual([type, 'admin']);
    expect(events.filter((e) => e.type === 'slot:closed').map((e) => [e.slotId, e.actor])).toEqual([
      ['d1-09', 'admin'],
      ['d1-12', 'admin'],
    ]);
    expect(actors).toContainEqual(['token:no-show', 'cron']);
    expect(events.every((e) => e.actor !== null)).toBe(true);
    expect(history.text).not.toMatch(/Asha|Bina|Chandra/);

    // The OpenAPI document names the header on every mutation that takes an actor.
    const doc = (await h.call('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string }[] }>>;
    };
    const operations = Object.values(doc.paths).flatMap((methods) => Object.values(methods));
    const mutations = [
      'book',
      'bookEmergency',
      'move',
      'closeSlots',
      'closeSlot',
      'reopenSlot',
      'setCapacity',
      'sweep',
      'addRecurringSlots',
      'addSlots',
      'hold',
      'cancel',
      'confirm',
      'release',
      'reinstate',
      'callNext',
      'recall',
      'checkIn',
      'startConsultation',
      'complete',
      'markNoShow',
    ];
    for (const operationId of mutations) {
      const operation = operations.find((o) => o.operationId === operationId);
      expect(
        operation?.parameters?.some((p) => p.name === 'X-Actor' && p.in === 'header'),
        operationId,
      ).toBe(true);
    }
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
    const called = await h.call('POST', '/api/doctors/d1/call-next', { body: { room: '3' }, ...as('dr-rao') });
    expect((expectDocumented(h, 'callNext', called) as { token: { id: string } }).token.id).toBe(a.id);
    await stream.until((f) => f.some((x) => x.event === 'call'), 'the call');
    expect(stream.named('call').map((f) => JSON.parse(f.data) as unknown)).toEqual([
      { doctorId: 'd1', tokenNumber: a.tokenNumber, label: String(a.tokenNumber), room: '3', seq: expect.any(Number) as number },
    ]);
    for (const frame of stream.frames) expect(frame.data).not.toMatch(/Asha|Verma/);
    const again = await h.call('POST', `/api/tokens/${enc(a.id)}/recall`);
    expect(expectDocumented(h, 'recall', again)).toMatchObject({ token: { id: a.id } });
    expect(
      (await h.opd.history())
        .filter((e) => e.type === 'token:called')
        .map((e) => [e.actor, 'room' in e ? e.room : undefined, 'recall' in e ? e.recall : undefined]),
    ).toEqual([
      ['dr-rao', '3', false],
      ['desk-1', null, true],
    ]);
    expectError(await h.call('POST', `/api/tokens/${enc(b.id)}/recall`), 422, 'INVALID_TRANSITION');
    h.clock.set(`${DAY}T09:20:00Z`);
    expect((await h.call('POST', `/api/tokens/${enc(b.id)}/no-show`)).status).toBe(200);
    // desk-1's key is marked `narrow`: X-Actor names the member of staff at that desk.
    const back = await h.call('POST', `/api/tokens/${enc(b.id)}/reinstate`, { headers: { 'x-actor': 'desk-1/reena' } });
    expect((expectDocumented(h, 'reinstate', back) as { token: { status: string; slotId: string } }).token).toMatchObject({
      status: 'BOOKED',
      slotId: 'd1-09',
    });
    expect((await h.opd.history()).at(-1)).toMatchObject({ tokenId: b.id, actor: 'desk-1/reena' });
  });
});
