/**
 * Who makes a call (the API key's name, narrowed by `X-Actor` only where the key allows), the
 * booking rate limit, and the server's own periodic sweep.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, StartupError } from '../../../examples/express-server/config.js';
import { DAY, book, doctorWithSlots, enc, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DESK = 'desk-1-key-0123456789abcdef';
const PORTAL = 'portal-key-0123456789abcdef';
const KEYS = [
  { actor: 'desk-1', key: DESK, narrow: true },
  { actor: 'portal', key: PORTAL },
];

/** The actor stored on the last event of the history. */
async function lastActor(harness: Harness): Promise<string | null | undefined> {
  return (await harness.opd.history()).at(-1)?.actor;
}

describe('the actor of a call', () => {
  it("is the key's name, whichever key is used", async () => {
    h = await startHarness({ apiKeys: KEYS });
    await doctorWithSlots(h, 'd1', [9], 5);
    const booked = await h.call('POST', '/api/tokens', { key: PORTAL, body: { doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-1', name: 'Asha' } } });
    expect(booked.status, booked.text).toBe(201);
    expect(await lastActor(h)).toBe('portal');
    const cancelled = await h.call('POST', `/api/tokens/${enc(tokenOf(booked).id)}/cancel`, { key: DESK, body: {} });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(await lastActor(h)).toBe('desk-1');
    // Repeating the key's own name is not narrowing: allowed.
    const again = await h.call('POST', '/api/tokens', {
      key: PORTAL,
      headers: { 'x-actor': 'portal' },
      body: { doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-2', name: 'Bina' } },
    });
    expect(again.status, again.text).toBe(201);
    expect(await lastActor(h)).toBe('portal');
  });

  it('is narrowed by X-Actor to a sub-actor of a key marked narrow, and never to another actor', async () => {
    h = await startHarness({ apiKeys: KEYS });
    await doctorWithSlots(h, 'd1', [9], 5);
    const token = tokenOf(await book(h, 'd1', 'WALK_IN'));
    const checkedIn = await h.call('POST', `/api/tokens/${enc(token.id)}/check-in`, { key: DESK, headers: { 'x-actor': 'desk-1/reena' } });
    expect(checkedIn.status, checkedIn.text).toBe(200);
    expect(await lastActor(h)).toBe('desk-1/reena');

    const before = (await h.opd.history()).length;
    // Another key's actor, a privileged-sounding name, the server's own actors: refused before anything happens.
    for (const actor of ['portal', 'medical-superintendent', 'anonymous', 'sweep', 'desk-10/reena', 'portal/desk-1']) {
      const refused = expectError(
        await h.call('POST', `/api/tokens/${enc(token.id)}/cancel`, { key: DESK, headers: { 'x-actor': actor }, body: {} }),
        403,
        'ACTOR_NOT_ALLOWED',
      );
      expect(refused.details).toEqual({ field: 'X-Actor', in: 'header', actor: 'desk-1' });
    }
    // A key not marked narrow cannot name a sub-actor either.
    expectError(
      await h.call('POST', '/api/tokens', {
        key: PORTAL,
        headers: { 'x-actor': 'portal/web' },
        body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'X' } },
      }),
      403,
      'ACTOR_NOT_ALLOWED',
    );
    // A malformed sub-actor, or an empty header, is bad input.
    for (const actor of ['desk-1/', 'desk-1/a/b', `desk-1/${'x'.repeat(49)}`, '']) {
      expectError(
        await h.call('POST', `/api/tokens/${enc(token.id)}/cancel`, { key: DESK, headers: { 'x-actor': actor }, body: {} }),
        400,
        'VALIDATION_FAILED',
      );
    }
    expect((await h.opd.history()).length).toBe(before);
    expect((await h.opd.getToken(token.id)).status).toBe('CHECKED_IN');
    // The refusal is checked before the body is read.
    expectError(
      await h.call('POST', '/api/tokens', { key: PORTAL, headers: { 'x-actor': 'desk-1', 'content-type': 'application/json' }, raw: '{not json' }),
      403,
      'ACTOR_NOT_ALLOWED',
    );
  });

  it('is `anonymous` without keys (loopback only, no patient data), narrowed only as `anonymous/<name>`', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 5);
    const booked = await h.call('POST', '/api/tokens', { body: { doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-1', name: 'Asha' } } });
    expect(booked.status, booked.text).toBe(201);
    expect((booked.body as { token: { patient: unknown } }).token.patient).toBeNull();
    expect(await lastActor(h)).toBe('anonymous');
    const token = tokenOf(booked);
    expectError(
      await h.call('POST', `/api/tokens/${enc(token.id)}/cancel`, { headers: { 'x-actor': 'medical-superintendent' }, body: {} }),
      403,
      'ACTOR_NOT_ALLOWED',
    );
    // A key sent to a server without keys makes no difference.
    expectError(
      await h.call('POST', `/api/tokens/${enc(token.id)}/cancel`, { key: DESK, headers: { 'x-actor': 'desk-1' }, body: {} }),
      403,
      'ACTOR_NOT_ALLOWED',
    );
    expect((await h.opd.getToken(token.id)).status).toBe('BOOKED');
    const cancelled = await h.call('POST', `/api/tokens/${enc(token.id)}/cancel`, { headers: { 'x-actor': 'anonymous/tester' }, body: {} });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(await lastActor(h)).toBe('anonymous/tester');
  });

  it('documents 403 ACTOR_NOT_ALLOWED on every keyed route', async () => {
    h = await startHarness({ apiKeys: KEYS });
    for (const route of h.server.routes) expect(route.responses[403] !== undefined, `${route.operationId}`).toBe(route.auth === 'key');
    const answer = await h.call('POST', '/api/sweep', { key: PORTAL, headers: { 'x-actor': 'desk-1' }, body: {} });
    expectDocumented(h, 'sweep', answer);
  });
});

describe('the booking rate limit', () => {
  it('answers 429 as a problem with Retry-After and RateLimit headers, per key, never for emergencies', async () => {
    h = await startHarness({ apiKeys: KEYS, rateLimit: { limit: 2, windowMs: 60_000 } });
    await doctorWithSlots(h, 'd1', [9, 10], 20);
    const booking = (i: number): { body: unknown } => ({ body: { doctorId: 'd1', category: 'ONLINE', patient: { id: `P-${i}`, name: `Patient ${i}` } } });
    const first = await h.call('POST', '/api/tokens', { key: PORTAL, ...booking(1) });
    expect(first.status, first.text).toBe(201);
    expect(first.headers.get('ratelimit')).toMatch(/^"booking"; r=1; t=\d+$/);
    expect(first.headers.get('ratelimit-policy')).toMatch(/^"booking"; q=2; w=60; pk=:[^:]+:$/);
    const held = await h.call('POST', '/api/tokens/hold', {
      key: PORTAL,
      body: { doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-2', name: 'Patient 2' }, holdMinutes: 10 },
    });
    expect(held.status, held.text).toBe(201);
    const before = (await h.opd.history()).length;

    const over = await h.call('POST', '/api/tokens', { key: PORTAL, ...booking(3) });
    const problem = expectError(over, 429, 'TOO_MANY_REQUESTS');
    expect(problem.details).toEqual({ limit: 2, windowSeconds: 60 });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(over.headers.get('ratelimit')).toMatch(/^"booking"; r=0; t=\d+$/);
    expectDocumented(h, 'book', over);
    // Holding and confirming draw on the same budget.
    expectError(
      await h.call('POST', '/api/tokens/hold', { key: PORTAL, body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'X' }, holdMinutes: 10 } }),
      429,
      'TOO_MANY_REQUESTS',
    );
    expectError(await h.call('POST', `/api/tokens/${enc(tokenOf(held).id)}/confirm`, { key: PORTAL }), 429, 'TOO_MANY_REQUESTS');
    expect((await h.opd.history()).length).toBe(before);

    // Another key has its own budget; an emergency is never limited; other routes are not limited.
    expect((await h.call('POST', '/api/tokens', { key: DESK, ...booking(4) })).status).toBe(201);
    const emergency = await h.call('POST', '/api/tokens/emergency', { key: PORTAL, body: { doctorId: 'd1', patient: { id: 'P-5', name: 'Patient 5' } } });
    expect(emergency.status, emergency.text).toBe(201);
    expect(emergency.headers.get('ratelimit')).toBeNull();
    expect((await h.call('GET', `/api/tokens/${enc(tokenOf(first).id)}`, { key: PORTAL })).status).toBe(200);
    expect((await h.call('POST', `/api/tokens/${enc(tokenOf(first).id)}/cancel`, { key: PORTAL, body: {} })).status).toBe(200);

    // The OpenAPI document says which routes may answer 429.
    const limited = h.server.routes.filter((r) => r.responses[429] !== undefined).map((r) => r.operationId);
    expect(limited.sort()).toEqual(['book', 'bookFollowUp', 'bookSeries', 'confirm', 'fhirBook', 'fhirHold', 'hold']);
    // express-rate-limit found nothing to warn about in its settings.
    expect(h.logs.filter((l) => l['level'] === 'error')).toEqual([]);
  });

  it('counts per address without keys', async () => {
    h = await startHarness({ rateLimit: { limit: 1, windowMs: 60_000 } });
    await doctorWithSlots(h, 'd1', [9], 5);
    expect((await book(h, 'd1', 'ONLINE')).status).toBe(201);
    expectError(await book(h, 'd1', 'ONLINE'), 429, 'TOO_MANY_REQUESTS');
  });
});

describe('the periodic sweep', () => {
  it('sweeps on its own as `sweep`, logs what changed without patient data, and stops on shutdown', async () => {
    h = await startHarness({ apiKey: DESK, sweepEveryMs: 50 });
    await doctorWithSlots(h, 'd1', [9], 5);
    const token = tokenOf(await book(h, 'd1', 'ONLINE', { name: 'Asha Verma', patientId: 'ABHA-91-1234' }));
    const sweep = vi.spyOn(h.opd, 'sweep');
    // Once the grace period after the slot's start has passed, the next sweep marks the no-show.
    h.clock.set(`${DAY}T09:20:00Z`);
    await vi.waitFor(async () => expect((await h!.opd.getToken(token.id)).status).toBe('NO_SHOW'), { timeout: 30_000, interval: 20 });
    const event = (await h.opd.history()).find((e) => e.type === 'token:no-show');
    expect(event).toMatchObject({ tokenId: token.id, actor: 'sweep' });
    await vi.waitFor(() => expect(h!.logs.find((l) => l['msg'] === 'sweep')).toMatchObject({ level: 'info', effects: 1, 'token:no-show': 1 }));
    expect(JSON.stringify(h.logs)).not.toMatch(/Asha|ABHA/);
    // It keeps running while nothing changes, without logging empty sweeps.
    const runs = sweep.mock.calls.length;
    await vi.waitFor(() => expect(sweep.mock.calls.length).toBeGreaterThan(runs + 1), { timeout: 30_000, interval: 20 });
    expect(h.logs.filter((l) => l['msg'] === 'sweep')).toHaveLength(1);

    await h.server.shutdown(1000);
    const stopped = sweep.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sweep.mock.calls.length).toBe(stopped);
  });

  it('logs a failed sweep and keeps sweeping', async () => {
    h = await startHarness({ sweepEveryMs: 20 });
    const sweep = vi.spyOn(h.opd, 'sweep').mockRejectedValueOnce(new Error('connection lost to Asha'));
    await vi.waitFor(() => expect(sweep.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 30_000, interval: 10 });
    const failed = h.logs.find((l) => l['msg'] === 'sweep failed');
    expect(failed).toMatchObject({ level: 'error', errorName: 'Error' });
    expect(JSON.stringify(h.logs)).not.toContain('Asha');
  });
});

describe('settings of keys, the rate limit and the sweep', () => {
  it('reads OPD_API_KEYS as named keys, narrow where marked', () => {
    expect(loadConfig({ OPD_API_KEYS: `desk-1:${DESK}:narrow, portal:${PORTAL}` }).apiKeys).toEqual([
      { actor: 'desk-1', key: DESK, narrow: true },
      { actor: 'portal', key: PORTAL, narrow: false },
    ]);
    expect(loadConfig({})).toMatchObject({ apiKeys: [], rateLimit: { limit: 120, windowMs: 60_000 }, sweepEveryMs: 60_000 });
    expect(loadConfig({ OPD_RATE_LIMIT: '30/10s', OPD_SWEEP_EVERY: '5m' })).toMatchObject({
      rateLimit: { limit: 30, windowMs: 10_000 },
      sweepEveryMs: 300_000,
    });
    expect(loadConfig({ OPD_RATE_LIMIT: 'off', OPD_SWEEP_EVERY: 'off' })).toMatchObject({ rateLimit: undefined, sweepEveryMs: undefined });
  });

  it('refuses a malformed value with a message that never quotes a key', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ OPD_API_KEY: DESK }, /^OPD_API_KEY is no longer read: set OPD_API_KEYS=<name>:<key>/],
      [{ OPD_API_KEYS: DESK }, /^OPD_API_KEYS entry 1 must be <name>:<key> or <name>:<key>:narrow/],
      [{ OPD_API_KEYS: `desk-1:${DESK}:wide` }, /^OPD_API_KEYS entry 1 must be/],
      [{ OPD_API_KEYS: `desk-1:${DESK},` }, /^OPD_API_KEYS entry 2 must be/],
      [{ OPD_API_KEYS: `desk 1:${DESK}` }, /^OPD_API_KEYS: the name of key number 1 must be/],
      [{ OPD_API_KEYS: 'desk-1:short-key' }, /^OPD_API_KEYS: the key of `desk-1` must be at least 16 characters$/],
      [{ OPD_API_KEYS: `desk-1:${DESK},desk-1:${PORTAL}` }, /^OPD_API_KEYS: the name `desk-1` is given to two keys$/],
      [{ OPD_API_KEYS: `desk-1:${DESK},portal:${DESK}` }, /^OPD_API_KEYS: the key of `portal` is also another name's key/],
      [{ OPD_API_KEYS: `anonymous:${DESK}` }, /^OPD_API_KEYS: the name `anonymous` is the server's own actor/],
      [{ OPD_API_KEYS: `sweep:${DESK}` }, /^OPD_API_KEYS: the name `sweep` is the server's own actor/],
      [{ OPD_RATE_LIMIT: '100' }, /^OPD_RATE_LIMIT must be off or <calls>\/<duration>/],
      [{ OPD_RATE_LIMIT: '0/1m' }, /^OPD_RATE_LIMIT must allow at least 1 call/],
      [{ OPD_SWEEP_EVERY: '5 minutes' }, /^OPD_SWEEP_EVERY must be off or a duration/],
      [{ OPD_SWEEP_EVERY: '0s' }, /^OPD_SWEEP_EVERY must be between 1s and 24h$/],
    ];
    for (const [env, message] of cases) {
      let thrown: unknown;
      try {
        loadConfig(env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(env)).toBeInstanceOf(StartupError);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain(DESK);
      expect((thrown as Error).message).not.toContain('short-key');
    }
  });
});
