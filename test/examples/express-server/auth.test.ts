import { afterEach, describe, expect, it } from 'vitest';
import { isFhirPath } from '../../../examples/express-server/fhir.js';
import { openApiPath } from '../../../examples/express-server/openapi.js';
import { DAY, KEY, SseReader, book, doctorWithSlots, enc, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A concrete path for a route template. */
function concrete(path: string): string {
  return path.replace(':doctorId', 'd1').replace(':slotId', 'd1-09').replace(':tokenId', enc('d1~2026-01-30~1'));
}

describe('with OPD_API_KEY set', () => {
  it('every mutation and every read of patient data needs the key; nothing else does', async () => {
    h = await startHarness({ apiKey: KEY });
    const keyed = h.server.routes.filter((r) => r.auth === 'key');
    const open = h.server.routes.filter((r) => r.auth === 'public').map((r) => `${r.method.toUpperCase()} ${r.path}`);
    // Every mutating route is keyed; the public ones are exactly these reads without patient data.
    expect(h.server.routes.filter((r) => r.method !== 'get').every((r) => r.auth === 'key')).toBe(true);
    expect(open.sort()).toEqual(
      [
        'GET /',
        'GET /api/health',
        'GET /docs',
        'GET /openapi.json',
        'GET /display/:doctorId',
        'GET /display/:doctorId/board',
        'GET /display/:doctorId/events',
        'GET /hall',
        'GET /hall/events',
        'GET /hall/announcements',
        'GET /hall/announcements/events',
        'GET /service-points',
        'GET /service-points/events',
        'GET /service-points/:servicePointId/display',
        'GET /service-points/:servicePointId/board',
        'GET /service-points/:servicePointId/events',
        'GET /fhir/metadata',
        'GET /fhir/$bulk-publish',
        'GET /fhir/locations.ndjson',
        'GET /fhir/healthcare-services.ndjson',
        'GET /fhir/practitioner-roles.ndjson',
        'GET /fhir/schedules.ndjson',
        'GET /fhir/slots.ndjson',
      ].sort(),
    );
    // The FHIR routes answer the same 401 as an OperationOutcome (fhir.test.ts).
    for (const route of keyed.filter((r) => !isFhirPath(r.path))) {
      const path = concrete(route.path);
      const body = route.method === 'get' ? undefined : {};
      const none = await h.call(route.method.toUpperCase(), path, { key: null, body });
      expectError(none, 401, 'UNAUTHORIZED');
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="opd-scheduler"');
      const wrong = await h.call(route.method.toUpperCase(), path, { key: 'wrong-key-0123456789abcdef', body });
      expectError(wrong, 401, 'UNAUTHORIZED');
      expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const basic = await h.call(route.method.toUpperCase(), path, {
        key: null,
        headers: { authorization: `Basic ${Buffer.from(`x:${KEY}`).toString('base64')}` },
      });
      expectError(basic, 401, 'UNAUTHORIZED');
      // The OpenAPI document says the same.
      expect(h.server.openapi.paths[openApiPath(route.path)]![route.method]!['security']).toEqual([{ bearerAuth: [] }]);
    }
  });

  it('checks the key before reading the body', async () => {
    h = await startHarness({ apiKey: KEY });
    expectError(await h.call('POST', '/api/tokens', { key: null, raw: '{not json', headers: { 'content-type': 'application/json' } }), 401, 'UNAUTHORIZED');
    expectError(
      await h.call('POST', '/api/tokens', { key: null, raw: 'x'.repeat(400_000), headers: { 'content-type': 'application/json' } }),
      401,
      'UNAUTHORIZED',
    );
  });

  it('serves the whole flow with the key (scheme case-insensitive), and keeps the board public without names', async () => {
    h = await startHarness({ apiKey: KEY });
    await doctorWithSlots(h, 'd1', [9], 5);
    const booked = await book(h, 'd1', 'ONLINE', { name: 'Asha Verma', patientId: 'ABHA-91-1234' });
    expect(booked.status).toBe(201);
    const token = tokenOf(booked);
    const lower = await h.call('GET', `/api/tokens/${enc(token.id)}`, { key: null, headers: { authorization: `bearer ${KEY}` } });
    expect(lower.status).toBe(200);
    expect(lower.text).toContain('Asha Verma');

    const board = await h.call('GET', `/display/d1/board?date=${DAY}`, { key: null });
    expect(board.status).toBe(200);
    expect((board.body as { next: { tokenNumber: number }[] }).next.map((e) => e.tokenNumber)).toEqual([1]);
    const page = await h.call('GET', '/display/d1', { key: null });
    expect(page.status).toBe(200);
    const stream = await SseReader.open(`${h.url}/display/d1/events`);
    expect(stream.status).toBe(200);
    await stream.until((f) => f.length > 0, 'a board');
    stream.close();
    for (const text of [board.text, page.text, stream.frames[0]!.data]) {
      expect(text).not.toContain('Asha');
      expect(text).not.toContain('ABHA');
      expect(text).not.toContain('ONLINE');
    }
    expect((await h.call('GET', '/api/health', { key: null })).body).toMatchObject({ authRequired: true });
    expect((await h.call('GET', '/openapi.json', { key: null })).status).toBe(200);
    expect((await h.call('GET', '/docs', { key: null })).status).toBe(200);

    // The engine event stream is not public.
    const events = await SseReader.open(`${h.url}/events`);
    expect(events.status).toBe(401);
    const keyed = await SseReader.open(`${h.url}/events?after=0`, { authorization: `Bearer ${KEY}` });
    expect(keyed.status).toBe(200);
    await keyed.until((f) => f.length >= 1, 'the booking');
    keyed.close();
  });

  it('keeps patient data out of the logs: ids only', async () => {
    h = await startHarness({ apiKey: KEY });
    await doctorWithSlots(h, 'd1', [9], 1);
    const a = tokenOf(await book(h, 'd1', 'ONLINE', { name: 'Asha Verma', patientId: 'ABHA-91-1234' }));
    await book(h, 'd1', 'ONLINE', { name: 'Ravi Kumar', patientId: 'ABHA-91-5678' });
    await book(h, 'd1', 'ONLINE', { name: 'Ravi Kumar', patientId: 'ABHA-91-5678' });
    await h.call('POST', `/api/tokens/${enc(a.id)}/cancel`, { body: { reason: 'called the desk' } });
    await h.call('POST', '/api/tokens', { raw: '{"patient":{"name":"Meena Iyer"', headers: { 'content-type': 'application/json' } });
    const requests = h.logs.filter((l) => l['msg'] === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(6);
    expect(requests.find((l) => l['route'] === '/api/tokens/:tokenId/cancel')).toMatchObject({ tokenId: a.id, status: 200 });
    expect(requests.find((l) => l['errorCode'] === 'DUPLICATE_BOOKING')).toMatchObject({ status: 409 });
    const text = JSON.stringify(h.logs);
    for (const phi of ['Asha', 'Ravi', 'Meena', 'ABHA', '9876543210']) expect(text).not.toContain(phi);
  });
});

describe('without OPD_API_KEY', () => {
  it('needs no key anywhere, and ignores one that is sent', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 5);
    const booked = await book(h, 'd1', 'ONLINE');
    expect(booked.status).toBe(201);
    expect((await h.call('GET', `/api/tokens/${enc(tokenOf(booked).id)}`, { key: null })).status).toBe(200);
    expect((await h.call('GET', '/api/stats', { key: 'anything-at-all-0123456789' })).status).toBe(200);
    const events = await SseReader.open(`${h.url}/events?after=0`);
    expect(events.status).toBe(200);
    events.close();
    expect((await h.call('GET', '/api/health')).body).toMatchObject({ authRequired: false });
  });
});
