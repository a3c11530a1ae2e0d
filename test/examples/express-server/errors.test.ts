import fc from 'fast-check';
import { MemoryStorage, OPD_ERROR_CODES, OpdError, presets, StagedOffers, type StorageAdapter } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { STATUS_BY_CODE } from '../../../examples/express-server/http-errors.js';
import { DAY, book, doctorWithSlots, enc, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A store that fails every unit of work with the given error. */
function failingStorage(error: unknown): StorageAdapter {
  const inner = new MemoryStorage();
  return {
    name: 'failing',
    transact: () => Promise.reject(error),
    read: (request) => inner.read(request),
    listDoctors: () => inner.listDoctors(),
    allocateId: () => inner.allocateId(),
    findDueDays: (cutoff) => inner.findDueDays(cutoff),
    scanDays: (filter) => inner.scanDays(filter),
    history: (after, limit) => inner.history(after, limit),
    close: () => inner.close(),
  };
}

describe('every engine error code has its documented status', () => {
  it('maps the codes as the table says', () => {
    // The contract of the API, written out: a change here is a breaking change for clients.
    expect(STATUS_BY_CODE).toEqual({
      VALIDATION_FAILED: 400,
      DOCTOR_NOT_FOUND: 404,
      DEPARTMENT_NOT_FOUND: 404,
      SLOT_NOT_FOUND: 404,
      TOKEN_NOT_FOUND: 404,
      OFFER_NOT_FOUND: 404,
      SLOT_OVERLAP: 409,
      SLOT_FULL: 409,
      DUPLICATE_BOOKING: 409,
      IDEMPOTENCY_CONFLICT: 409,
      CONFLICT: 409,
      OFFER_TAKEN: 409,
      INVALID_TRANSITION: 422,
      NOT_YET_DUE: 422,
      SLOT_CLOSED: 422,
      SLOT_ENDED: 422,
      DOCTOR_RETIRED: 422,
      OUTSIDE_BOOKING_WINDOW: 422,
      CANCEL_CUTOFF: 422,
      OFFER_EXPIRED: 422,
      PATIENT_HAS_LIVE_TOKENS: 409,
      STORAGE_FAILURE: 503,
      HISTORY_TRUNCATED: 410,
      DAY_NOT_OVER: 422,
      TEMPLATE_MISMATCH: 422,
      DEPENDENCY_MISSING: 501,
    });
    expect(Object.keys(STATUS_BY_CODE).sort()).toEqual([...OPD_ERROR_CODES].sort());
  });

  it('answers each code over HTTP with its status and the error body', async () => {
    h = await startHarness();
    const [nine, ten] = await doctorWithSlots(h, 'd1', [9, 10], 1);
    const a = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine!, patientId: 'ABHA-1' }));
    const seen = new Set<string>();
    const check = async (answerPromise: ReturnType<Harness['call']>, code: keyof typeof STATUS_BY_CODE): Promise<void> => {
      expectError(await answerPromise, STATUS_BY_CODE[code], code);
      seen.add(code);
    };
    await check(h.call('POST', '/api/tokens', { body: { doctorId: 'd1' } }), 'VALIDATION_FAILED');
    await check(book(h, 'nobody', 'ONLINE'), 'DOCTOR_NOT_FOUND');
    await check(h.call('POST', '/api/tokens', { body: { department: 'nowhere', category: 'ONLINE', patient: { name: 'A' } } }), 'DEPARTMENT_NOT_FOUND');
    await check(book(h, 'd1', 'ONLINE', { slotId: 'nope' }), 'SLOT_NOT_FOUND');
    await check(h.call('POST', '/api/tokens/nope/cancel'), 'TOKEN_NOT_FOUND');
    await check(h.call('POST', '/api/doctors/d1/slots', { body: [{ start: `${DAY}T09:30:00Z`, end: `${DAY}T09:45:00Z`, capacity: 1 }] }), 'SLOT_OVERLAP');
    await check(book(h, 'd1', 'WALK_IN', { patientId: 'ABHA-1' }), 'DUPLICATE_BOOKING');
    await check(
      book(h, 'd1', 'WALK_IN', { idempotencyKey: 'k1' }).then(() => book(h!, 'd1', 'PAID', { idempotencyKey: 'k1' })),
      'IDEMPOTENCY_CONFLICT',
    );
    await check(h.call('POST', `/api/tokens/${enc(a.id)}/start`), 'INVALID_TRANSITION');
    await check(h.call('POST', `/api/tokens/${enc(a.id)}/no-show`), 'NOT_YET_DUE');
    await check(h.call('POST', `/api/doctors/d1/days/${DAY}/close`), 'DAY_NOT_OVER');
    await h.call('POST', `/api/slots/${enc(ten!)}/close`);
    await check(book(h, 'd1', 'ONLINE', { slotId: ten! }), 'SLOT_CLOSED');
    h.clock.set(`${DAY}T10:00:00Z`);
    await check(book(h, 'd1', 'ONLINE', { slotId: nine! }), 'SLOT_ENDED');
    await h.call('POST', '/api/doctors/d1/retire', { body: { from: `${DAY}T10:00:00Z` } });
    await check(book(h, 'd1', 'ONLINE', { date: DAY }), 'DOCTOR_RETIRED');
    await h.close();

    // SLOT_FULL: the cascade preset refuses a full slot to an equal rank.
    h = await startHarness({ scheduler: presets.cascade() });
    const [only] = await doctorWithSlots(h, 'd1', [9], 1);
    await book(h, 'd1', 'ONLINE', { slotId: only! });
    await check(book(h, 'd1', 'WALK_IN', { slotId: only! }), 'SLOT_FULL');
    await h.close();

    // OUTSIDE_BOOKING_WINDOW and CANCEL_CUTOFF: the hospital's windows; the window travels in the problem's details.
    h = await startHarness({ scheduler: { bookingWindows: { ONLINE: { minNoticeMinutes: 90, cancelCutoffMinutes: 60 } } } });
    const [eight, later] = await doctorWithSlots(h, 'd1', [8, 10], 1);
    const outside = await book(h, 'd1', 'ONLINE', { slotId: eight! });
    await check(Promise.resolve(outside), 'OUTSIDE_BOOKING_WINDOW');
    expect((outside.body as { details: Record<string, unknown> }).details).toMatchObject({ slotId: eight, opensAt: null, closesAt: `${DAY}T06:30:00.000Z` });
    const inside = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: later! }));
    h.clock.set(`${DAY}T09:30:00Z`);
    await check(h.call('POST', `/api/tokens/${enc(inside.id)}/cancel`), 'CANCEL_CUTOFF');
    await h.close();

    // OFFER_NOT_FOUND, OFFER_TAKEN and OFFER_EXPIRED: a freed place offered to two waiting patients.
    h = await startHarness({ scheduler: { ...presets.standard(), offers: new StagedOffers({ windowMinutes: 15, groupSize: 2 }) } });
    const [slot] = await doctorWithSlots(h, 'd1', [9], 1, 0);
    const first = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: slot! }));
    await book(h, 'd1', 'ONLINE', { slotId: slot! });
    await book(h, 'd1', 'ONLINE', { slotId: slot! });
    const offers = ((await h.call('POST', `/api/tokens/${enc(first.id)}/cancel`)).body as { effects: { offerId: string }[] }).effects;
    await check(h.call('POST', '/api/offers/nope/accept'), 'OFFER_NOT_FOUND');
    await h.call('POST', `/api/offers/${enc(offers[0]!.offerId)}/accept`);
    await check(h.call('POST', `/api/offers/${enc(offers[1]!.offerId)}/accept`), 'OFFER_TAKEN');
    const [ten2] = await doctorWithSlots(h, 'd2', [10], 1, 0);
    const held = tokenOf(await book(h, 'd2', 'ONLINE', { slotId: ten2! }));
    await book(h, 'd2', 'ONLINE', { slotId: ten2! });
    const lapsing = ((await h.call('POST', `/api/tokens/${enc(held.id)}/cancel`)).body as { effects: { offerId: string }[] }).effects;
    h.clock.advance(16);
    await check(h.call('POST', `/api/offers/${enc(lapsing[0]!.offerId)}/accept`), 'OFFER_EXPIRED');
    await h.close();

    // PATIENT_HAS_LIVE_TOKENS: an erasure while the patient holds a live token of today.
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 5);
    const live = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09', patientId: 'LIVE-1' }));
    const refused = await h.call('POST', '/api/patients/erase', { body: { patientId: 'LIVE-1' } });
    await check(Promise.resolve(refused), 'PATIENT_HAS_LIVE_TOKENS');
    expect((refused.body as { details: Record<string, unknown> }).details).toEqual({ tokenIds: [live.id] });
    await h.close();

    // CONFLICT: the store could not serialize the call.
    h = await startHarness({ scheduler: { storage: failingStorage(new OpdError('CONFLICT', 'Could not serialize', { details: { doctorId: 'd1' } })) } });
    await check(h.call('POST', '/api/doctors', { body: { id: 'd1', name: 'A' } }), 'CONFLICT');
    await h.close();

    // STORAGE_FAILURE: a store that throws something else entirely.
    h = await startHarness({ scheduler: { storage: failingStorage(new Error('connection to 10.0.0.5 refused for Asha Verma')) } });
    const failure = await h.call('POST', '/api/doctors', { body: { id: 'd1', name: 'A' } });
    await check(Promise.resolve(failure), 'STORAGE_FAILURE');
    expect(failure.text).not.toContain('Asha');
    expect(failure.text).not.toContain('10.0.0.5');
    const logged = JSON.stringify(h.logs);
    expect(h.logs.some((l) => l['msg'] === 'request failed' && l['errorCode'] === 'STORAGE_FAILURE' && l['causeErrorName'] === 'Error')).toBe(true);
    expect(logged).not.toContain('Asha');

    // Every code a request can fail with: `HISTORY_TRUNCATED` fails only a `tail()`, never a request;
    // `TEMPLATE_MISMATCH` only a notice the application renders (the server sends none), and
    // `DEPENDENCY_MISSING` only a slip preview on a server installed without the printing peers.
    expect([...seen, 'HISTORY_TRUNCATED', 'TEMPLATE_MISMATCH', 'DEPENDENCY_MISSING'].sort()).toEqual([...OPD_ERROR_CODES].sort());
  });

  it('answers 503 once the scheduler is closed', async () => {
    h = await startHarness();
    await h.opd.close();
    expectError(await h.call('GET', '/api/doctors'), 503, 'STORAGE_FAILURE');
    expect((await h.call('GET', '/api/health')).status).toBe(503);
  });
});

describe('HTTP-level failures get clean 4xx answers', () => {
  it('malformed JSON: 400 without quoting the body', async () => {
    h = await startHarness();
    const answer = await h.call('POST', '/api/tokens', {
      raw: '{"doctorId":"d1","patient":{"name":"Asha Verma"',
      headers: { 'content-type': 'application/json' },
    });
    expect(expectError(answer, 400, 'VALIDATION_FAILED').details).toEqual({ field: 'body', in: 'body' });
    expect(answer.text).not.toContain('Asha');
    for (const raw of ['"just a string"', '42', 'null', '', '{"a":1}}']) {
      const a = await h.call('POST', '/api/doctors', { raw, headers: { 'content-type': 'application/json' } });
      expect(a.status, raw).toBe(400);
    }
  });

  it('oversized bodies: 413', async () => {
    h = await startHarness({ bodyLimit: '2kb' });
    const answer = await h.call('POST', '/api/tokens', { body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'x'.repeat(5000) } } });
    expectError(answer, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('non-JSON bodies: 415; unsupported charsets: 415', async () => {
    h = await startHarness();
    expectError(
      await h.call('POST', '/api/doctors', { raw: 'name=A', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(await h.call('POST', '/api/doctors', { raw: '{"name":"A"}' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(
      await h.call('POST', '/api/doctors', { raw: '{"name":"A"}', headers: { 'content-type': 'application/json; charset=latin1' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    // UTF-8 only: a UTF-16 body would pass the nesting limit unjudged (it is judged on UTF-8 bytes).
    for (const charset of ['utf-16le', 'UTF-16', 'utf-32']) {
      const body = Buffer.from(JSON.stringify({ id: 'dr-16', name: 'A' }), 'utf16le');
      expectError(
        await h.call('POST', '/api/doctors', { raw: body, headers: { 'content-type': `application/json; charset=${charset}` } }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    }
    for (const [i, charset] of ['utf-8', 'UTF-8', '"utf-8"'].entries()) {
      const named = await h.call('POST', '/api/doctors', {
        raw: JSON.stringify({ id: `dr-${i}`, name: 'A' }),
        headers: { 'content-type': `application/json; charset=${charset}` },
      });
      expect(named.status, charset).toBe(201);
    }
    const vendor = await h.call('POST', '/api/doctors', { raw: '{"name":"A"}', headers: { 'content-type': 'application/vnd.api+json' } });
    expect(vendor.status).toBe(201);
    // Bytes that are not UTF-8 (here Latin-1 "José"), declared or not: refused, never stored
    // with replacement characters.
    const latin1 = Buffer.from('{"id":"dr-latin1","name":"Jos\u00e9"}', 'latin1');
    for (const type of ['application/json', 'application/json; charset=utf-8']) {
      expectError(await h.call('POST', '/api/doctors', { raw: latin1, headers: { 'content-type': type } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    expectError(await h.call('GET', '/api/doctors/dr-latin1'), 404, 'DOCTOR_NOT_FOUND');
    const utf8 = await h.call('POST', '/api/doctors', {
      raw: Buffer.from('{"id":"dr-utf8","name":"Jos\u00e9"}', 'utf8'),
      headers: { 'content-type': 'application/json' },
    });
    expect(utf8.status).toBe(201);
  });

  it('unknown routes: 404; wrong methods: 405 with Allow; OPTIONS: 204 with Allow', async () => {
    h = await startHarness();
    expectError(await h.call('GET', '/api/nothing'), 404, 'NOT_FOUND');
    expectError(await h.call('POST', '/admin'), 404, 'NOT_FOUND');
    const wrong = await h.call('DELETE', '/api/tokens/abc');
    expect(expectError(wrong, 405, 'METHOD_NOT_ALLOWED').details).toMatchObject({ method: 'DELETE' });
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    const put = await h.call('PUT', '/api/doctors', { body: {} });
    expectError(put, 405, 'METHOD_NOT_ALLOWED');
    expect(put.headers.get('allow')).toBe('POST, GET, HEAD, OPTIONS');
    expectError(await h.call('GET', '/api/slots/s1/capacity'), 405, 'METHOD_NOT_ALLOWED');
    const options = await h.call('OPTIONS', '/api/slots/s1/capacity');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('PUT, OPTIONS');
  });

  it('badly encoded paths: 400', async () => {
    h = await startHarness();
    expect(expectError(await h.call('GET', '/api/tokens/%E0%A4%A'), 400, 'VALIDATION_FAILED').details).toMatchObject({ field: 'path' });
  });

  it('prototype keys and deep nesting are refused without harm', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 5);
    const proto = await h.call('POST', '/api/tokens', {
      raw: '{"doctorId":"d1","category":"ONLINE","patient":{"name":"A","__proto__":{"admin":true}}}',
      headers: { 'content-type': 'application/json' },
    });
    expectError(proto, 400, 'VALIDATION_FAILED');
    let deep: unknown = 1;
    for (let i = 0; i < 50; i++) deep = { deep };
    expectError(await h.call('POST', '/api/tokens', { body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'A', deep } } }), 400, 'VALIDATION_FAILED');
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });
});

describe('bad input never causes a 5xx', () => {
  const runs = Number(process.env['OPD_PROPERTY_RUNS'] ?? 150);
  const seed = Number(process.env['OPD_PROPERTY_SEED'] ?? 20260130);

  it(`random bodies, queries and ids get a 2xx or a 4xx with the error body (seed ${seed}, ${runs} runs)`, async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9, 10], 2);
    const harness = h;
    const json = fc.jsonValue({ maxDepth: 4 });
    const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('d1', 'd1-09', 'ONLINE', 'walk_in', DAY, 'true', '../..', '%', '\u0000'));
    const bodyFor = fc.oneof(
      json,
      fc.record(
        { doctorId: fc.oneof(text, json), category: fc.oneof(text, json), patient: fc.oneof(json, fc.record({ name: fc.oneof(text, json) })) },
        { requiredKeys: [] },
      ),
      fc.record(
        {
          slots: fc.array(fc.record({ start: fc.oneof(text, json), end: fc.oneof(text, json), capacity: fc.oneof(fc.integer(), json) }, { requiredKeys: [] })),
        },
        { requiredKeys: [] },
      ),
    );
    const route = fc.constantFrom(
      ['POST', '/api/tokens'],
      ['POST', '/api/tokens/emergency'],
      ['POST', '/api/doctors'],
      ['POST', '/api/doctors/{id}/slots'],
      ['POST', '/api/tokens/{id}/cancel'],
      ['POST', '/api/tokens/{id}/check-in'],
      ['POST', '/api/slots/{id}/close?dryRun=true'],
      ['PUT', '/api/slots/{id}/capacity?dryRun=true'],
      ['POST', '/api/sweep'],
      ['GET', '/api/doctors/{id}/schedule?date={q}'],
      ['GET', '/api/history?after={q}&limit={q}'],
      ['GET', '/api/stats?doctorId={q}'],
      ['GET', '/display/{id}/board?date={q}'],
    );
    await fc.assert(
      fc.asyncProperty(route, bodyFor, text, text, async ([method, template], body, id, q) => {
        const path = template!.replace('{id}', encodeURIComponent(id)).replaceAll('{q}', encodeURIComponent(q));
        const answer = await harness.call(
          method!,
          path,
          method === 'GET' ? {} : { raw: JSON.stringify(body) ?? 'null', headers: { 'content-type': 'application/json' } },
        );
        if (answer.status >= 500) throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text}`);
        if (answer.status >= 400) {
          const error = answer.body as { code?: unknown; detail?: unknown; details?: unknown; status?: unknown } | undefined;
          if (typeof error?.code !== 'string' || typeof error.detail !== 'string' || typeof error.details !== 'object' || error.status !== answer.status) {
            throw new Error(`${method} ${path} answered ${answer.status} without the error body: ${answer.text}`);
          }
          if (answer.headers.get('content-type') !== 'application/problem+json; charset=utf-8')
            throw new Error(`${method} ${path} answered ${answer.status} as ${answer.headers.get('content-type')}`);
          if (/\n\s+at /.test(answer.text)) throw new Error(`stack trace in ${answer.text}`);
        }
      }),
      { numRuns: runs, seed, verbose: 1 },
    );
  });
});
