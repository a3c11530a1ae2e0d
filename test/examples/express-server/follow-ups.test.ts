/**
 * Coming back over HTTP: the follow-up of a visit (booked, or due then cancelled), a series of
 * visits (preview, commit, cancel from a date), and free revisits after a charged visit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseServerArgs, schedulerOptionsOf, SERVER_HELP } from '../../../examples/express-server/config.js';
import { DAY, KEY, KEY_ACTOR, book, doctorWithSlots, enc, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h.close();
});

/** The local date `n` days after {@link DAY} (the harness's zone is UTC). */
function plus(n: number): string {
  return new Date(Date.parse(`${DAY}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Adds one slot of `capacity` places at `hh`:00 UTC on `date` to doctor `doctorId`, named `<doctorId>-<date>-<hh>`. */
async function slotOn(doctorId: string, date: string, hh: string, capacity: number): Promise<string> {
  const id = `${doctorId}-${date}-${hh}`;
  const next = String(Number(hh) + 1).padStart(2, '0');
  const added = await h.call('POST', `/api/doctors/${enc(doctorId)}/slots`, {
    body: [{ id, start: `${date}T${hh}:00:00Z`, end: `${date}T${next}:00:00Z`, capacity, overflowCapacity: 0 }],
  });
  expect(added.status, added.text).toBe(201);
  return id;
}

/** A visit of today with doctor `doctorId`, taken through the given steps of the visit. */
async function visit(doctorId: string, patientId: string, steps: readonly ('check-in' | 'start' | 'complete')[]): Promise<string> {
  const token = tokenOf(await book(h, doctorId, 'WALK_IN', { slotId: `${doctorId}-09`, patientId, name: 'Meena Iyer' }));
  for (const step of steps) {
    const answer = await h.call('POST', `/api/tokens/${enc(token.id)}/${step}`, { body: {} });
    expect(answer.status, answer.text).toBe(200);
  }
  return token.id;
}

interface FollowUpResult {
  followUp: { id: string; fromTokenId: string; status: string; dueDate: string; from: string; to: string; tokenId: string | null; actor: string | null };
  token: { id: string; category: string; slotId: string | null; day: string } | null;
  effects: { type: string }[];
  replayed?: true;
}

describe('POST /api/tokens/:tokenId/follow-up', () => {
  it('books the follow-up of a visit into the earliest place of its window, once', async () => {
    h = await startHarness({ apiKey: KEY });
    await doctorWithSlots(h, 'd1', [9], 5);
    const inSix = await slotOn('d1', plus(6), '10', 2);
    await slotOn('d1', plus(7), '10', 2);
    const visitId = await visit('d1', 'ABHA-1', ['check-in', 'start', 'complete']);

    const answer = await h.call('POST', `/api/tokens/${enc(visitId)}/follow-up`, {
      body: { afterDays: 7, windowDays: 1 },
      headers: { 'Idempotency-Key': 'fu-1', 'X-Actor': KEY_ACTOR },
    });
    expect(answer.status, answer.text).toBe(201);
    const result = expectDocumented(h, 'bookFollowUp', answer) as FollowUpResult;
    expect(result.followUp).toMatchObject({
      id: `${visitId}~f`,
      fromTokenId: visitId,
      status: 'BOOKED',
      dueDate: plus(7),
      from: plus(6),
      to: plus(8),
      actor: KEY_ACTOR,
    });
    expect(result.token).toMatchObject({ category: 'FOLLOW_UP', slotId: inSix, day: plus(6) });
    expect(result.followUp.tokenId).toBe(result.token!.id);
    expect(result.effects.map((e) => e.type)).toEqual(['token:booked']);
    // The token carries its patient to the key's holder; the follow-up and its events never do.
    expect(JSON.stringify([result.followUp, result.effects])).not.toMatch(/ABHA-1|Meena/);
    expect(JSON.stringify(h.logs)).not.toMatch(/ABHA-1|Meena/);
    const history = (await h.call('GET', '/api/history?limit=1000')).body as {
      events: { type: string; followUpId?: string; toTokenId?: string; actor: string | null }[];
    };
    expect(history.events.filter((e) => e.type === 'followup:booked')).toEqual([
      expect.objectContaining({ followUpId: result.followUp.id, toTokenId: result.token!.id, actor: KEY_ACTOR }),
    ]);

    // Asked again (a retried request): the same follow-up, answered as it stands, no second token.
    const again = await h.call('POST', `/api/tokens/${enc(visitId)}/follow-up`, { body: { afterDays: 7, idempotencyKey: 'fu-1' } });
    expect(again.status, again.text).toBe(200);
    const replay = expectDocumented(h, 'bookFollowUp', again) as FollowUpResult;
    expect(replay.replayed).toBe(true);
    expect(replay.token?.id).toBe(result.token!.id);
    const schedule = (await h.call('GET', `/api/doctors/d1/schedule?date=${plus(6)}`)).body as { slots: { places: unknown[] }[] };
    expect(schedule.slots[0]!.places).toHaveLength(1);
  });

  it('answers bad requests with their documented codes', async () => {
    h = await startHarness({ apiKey: KEY });
    await doctorWithSlots(h, 'd1', [9], 5);
    const seen = await visit('d1', 'ABHA-2', ['check-in']);
    const notSeen = await visit('d1', 'ABHA-3', []);
    const url = (id: string): string => `/api/tokens/${enc(id)}/follow-up`;

    const both = expectError(await h.call('POST', url(seen), { body: { afterDays: 7, on: plus(7) } }), 400, 'VALIDATION_FAILED');
    expect(both.details).toMatchObject({ in: 'body' });
    expectError(await h.call('POST', url(seen), { body: {} }), 400, 'VALIDATION_FAILED');
    expect(expectError(await h.call('POST', url(seen), { body: { afterDays: 7, windowDays: 31 } }), 400, 'VALIDATION_FAILED').details).toMatchObject({
      in: 'body',
    });
    expect(expectError(await h.call('POST', url(seen), { body: { afterDays: '7' } }), 400, 'VALIDATION_FAILED').details).toMatchObject({
      field: 'afterDays',
      in: 'body',
    });
    expect(expectError(await h.call('POST', url(seen), { body: { afterDays: 7, nurse: 'x' } }), 400, 'VALIDATION_FAILED').details).toMatchObject({
      field: 'nurse',
    });
    const keys = await h.call('POST', url(seen), { body: { afterDays: 7, idempotencyKey: 'a' }, headers: { 'Idempotency-Key': 'b' } });
    expect(expectError(keys, 400, 'VALIDATION_FAILED').details).toMatchObject({ field: 'idempotencyKey', in: 'header' });
    // The visit was not seen: a follow-up is asked at the end of a visit.
    expectDocumented(h, 'bookFollowUp', await h.call('POST', url(notSeen), { body: { afterDays: 7 } }));
    expectError(await h.call('POST', url(notSeen), { body: { afterDays: 7 } }), 422, 'INVALID_TRANSITION');
    expectError(await h.call('POST', url('d1~2026-01-30~99'), { body: { afterDays: 7 } }), 404, 'TOKEN_NOT_FOUND');
    expectError(await h.call('POST', url(seen), { body: { afterDays: 7 }, key: null }), 401, 'UNAUTHORIZED');
    // Nothing was asked: no follow-up is due.
    expect((await h.call('GET', '/api/follow-ups/due')).body).toEqual({ followUps: [], next: null });
  });
});

describe('due follow-ups', () => {
  it('lists a follow-up with no place as due, filtered, until the desk cancels it', async () => {
    h = await startHarness({ apiKey: KEY });
    await doctorWithSlots(h, 'd1', [9], 5);
    await doctorWithSlots(h, 'd2', [9], 5);
    const full = await slotOn('d1', plus(14), '09', 1);
    const taken = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: full, patientId: 'ABHA-8' }));
    const visitId = await visit('d1', 'ABHA-9', ['check-in']);

    const asked = await h.call('POST', `/api/tokens/${enc(visitId)}/follow-up`, { body: { afterDays: 14 } });
    expect(asked.status, asked.text).toBe(201);
    const { followUp, token } = expectDocumented(h, 'bookFollowUp', asked) as FollowUpResult;
    expect(followUp).toMatchObject({ status: 'DUE', dueDate: plus(14), tokenId: null });
    expect(token).toBeNull();

    const due = await h.call('GET', `/api/follow-ups/due?date=${plus(14)}`);
    expect(due.status, due.text).toBe(200);
    const listed = expectDocumented(h, 'dueFollowUps', due) as { followUps: { id: string; status: string }[]; next: string | null };
    expect(listed).toEqual({ followUps: [expect.objectContaining({ id: followUp.id, status: 'DUE' })], next: null });
    expect(due.text).not.toMatch(/ABHA-9|Meena/);
    expect(((await h.call('GET', '/api/follow-ups/due?doctorId=d1')).body as { followUps: unknown[] }).followUps).toHaveLength(1);
    expect((await h.call('GET', '/api/follow-ups/due?doctorId=d2')).body).toEqual({ followUps: [], next: null });
    expect((await h.call('GET', `/api/follow-ups/due?date=${plus(13)}`)).body).toEqual({ followUps: [], next: null });
    expect(((await h.call('GET', '/api/follow-ups/due?limit=1')).body as { followUps: unknown[] }).followUps).toHaveLength(1);
    const badDate = expectError(await h.call('GET', '/api/follow-ups/due?date=tomorrow'), 400, 'VALIDATION_FAILED');
    expect(badDate.details).toMatchObject({ field: 'date', in: 'query' });
    expect(badDate.message).toMatch(/^Expected `date` /);
    expect(expectError(await h.call('GET', '/api/follow-ups/due?doctor=d1'), 400, 'VALIDATION_FAILED').details).toMatchObject({ field: 'doctor', in: 'query' });
    expectError(await h.call('GET', '/api/follow-ups/due', { key: null }), 401, 'UNAUTHORIZED');

    // The desk reaches the patient, who will not come: the follow-up ends by an actor.
    const cancelled = await h.call('POST', `/api/follow-ups/${enc(followUp.id)}/cancel`, {
      body: { reason: 'treated elsewhere' },
      headers: { 'X-Actor': KEY_ACTOR },
    });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(expectDocumented(h, 'cancelFollowUp', cancelled)).toMatchObject({ id: followUp.id, status: 'CANCELLED', actor: KEY_ACTOR });
    expect((await h.call('GET', '/api/follow-ups/due')).body).toEqual({ followUps: [], next: null });
    // A place opens: nothing is booked for a cancelled follow-up.
    await h.call('POST', `/api/tokens/${enc(taken.id)}/cancel`, { body: {} });
    const swept = (await h.call('POST', '/api/sweep', { body: {} })).body as { effects: { type: string }[] };
    expect(swept.effects.map((e) => e.type)).not.toContain('followup:booked');

    const history = (await h.call('GET', '/api/history?limit=1000')).body as {
      events: { type: string; followUpId?: string; actor: string | null; reason?: string | null }[];
    };
    expect(history.events.filter((e) => e.followUpId === followUp.id).map((e) => [e.type, e.actor])).toEqual([
      ['followup:due', 'desk'],
      ['followup:cancelled', 'desk'],
    ]);
    expect(expectError(await h.call('POST', `/api/follow-ups/${enc('not-a-follow-up')}/cancel`), 404, 'TOKEN_NOT_FOUND').details).toMatchObject({
      field: 'followUpId',
    });
    expectError(await h.call('POST', `/api/follow-ups/${enc(followUp.id)}/cancel`, { body: { why: 'x' } }), 400, 'VALIDATION_FAILED');
  });

  it('is booked by the sweep as soon as a place opens in its window, and a booked one is not cancelled', async () => {
    h = await startHarness({ apiKey: KEY });
    await doctorWithSlots(h, 'd1', [9], 5);
    const full = await slotOn('d1', plus(7), '09', 1);
    const taken = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: full, patientId: 'ABHA-10' }));
    const visitId = await visit('d1', 'ABHA-11', ['check-in']);
    const { followUp } = (await h.call('POST', `/api/tokens/${enc(visitId)}/follow-up`, { body: { afterDays: 7 } })).body as FollowUpResult;
    expect(followUp.status).toBe('DUE');

    await h.call('POST', `/api/tokens/${enc(taken.id)}/cancel`, { body: {} });
    const swept = (await h.call('POST', '/api/sweep', { body: {} })).body as { effects: { type: string }[] };
    expect(swept.effects.map((e) => e.type)).toContain('followup:booked');
    expect((await h.call('GET', '/api/follow-ups/due')).body).toEqual({ followUps: [], next: null });
    const refused = await h.call('POST', `/api/follow-ups/${enc(followUp.id)}/cancel`);
    expectError(refused, 422, 'INVALID_TRANSITION');
    expectDocumented(h, 'cancelFollowUp', refused);
  });
});

interface SeriesResult {
  seriesId: string;
  dryRun: boolean;
  heldUntil: string | null;
  occurrences: { occurrence: number; date: string; status: string; slotId: string | null; tokenId: string | null; reason: string | null }[];
  tokens: { id: string; seriesId?: string; occurrence?: number; slotId: string | null; status: string; patient: unknown }[];
  replayed?: true;
}

describe('series of visits', () => {
  it('previews a series with each place held, commits it, and cancels it from a date on', async () => {
    h = await startHarness({ apiKey: KEY });
    await h.call('POST', '/api/doctors', { body: { id: 'obs', name: 'Dr Mehta', department: 'obstetrics' } });
    const days = [1, 8, 15, 22].map(plus);
    for (const date of days) {
      await slotOn('obs', date, '09', 2);
      await slotOn('obs', date, '11', 2);
    }
    const request = {
      patient: { id: 'ABHA-20', name: 'Lata' },
      doctorId: 'obs',
      start: days[0],
      every: { weeks: 1 },
      count: 4,
      preferredTime: '11:00',
      mode: 'all-or-nothing',
    };

    const preview = await h.call('POST', '/api/series?dryRun=true', { body: request, headers: { 'Idempotency-Key': 'anc-20' } });
    expect(preview.status, preview.text).toBe(200);
    const proposed = expectDocumented(h, 'bookSeries', preview) as SeriesResult;
    expect(proposed.dryRun).toBe(true);
    expect(proposed.heldUntil).not.toBeNull();
    expect(proposed.tokens).toEqual([]);
    expect(proposed.occurrences.map((o) => [o.occurrence, o.date, o.status, o.slotId])).toEqual(days.map((date, k) => [k + 1, date, 'HELD', `obs-${date}-11`]));
    // A held place counts taken for everybody else.
    expect(((await h.call('GET', `/api/slots/${enc(`obs-${days[0]!}-11`)}`)).body as { free: number }).free).toBe(1);

    const commit = await h.call('POST', '/api/series', { body: { ...request, idempotencyKey: 'anc-20' } });
    expect(commit.status, commit.text).toBe(201);
    const booked = expectDocumented(h, 'bookSeries', commit) as SeriesResult;
    expect(booked.seriesId).toBe(proposed.seriesId);
    expect(booked.tokens.map((t) => [t.seriesId, t.occurrence, t.slotId, t.status])).toEqual(
      days.map((date, k) => [proposed.seriesId, k + 1, `obs-${date}-11`, 'BOOKED']),
    );
    expect(booked.occurrences.every((o) => o.status === 'BOOKED' && o.tokenId !== null)).toBe(true);

    const replay = await h.call('POST', '/api/series', { body: request, headers: { 'Idempotency-Key': 'anc-20' } });
    expect(replay.status, replay.text).toBe(200);
    expect((expectDocumented(h, 'bookSeries', replay) as SeriesResult).replayed).toBe(true);
    const conflict = await h.call('POST', '/api/series', { body: { ...request, preferredTime: '09:00', idempotencyKey: 'anc-20' } });
    expectError(conflict, 409, 'IDEMPOTENCY_CONFLICT');
    expectDocumented(h, 'bookSeries', conflict);

    // Delivered early: the rest of the course is cancelled.
    const cancel = await h.call('POST', `/api/series/${enc(booked.seriesId)}/cancel`, {
      body: { from: days[2], reason: 'delivered' },
      headers: { 'X-Actor': KEY_ACTOR },
    });
    expect(cancel.status, cancel.text).toBe(200);
    const cancelled = expectDocumented(h, 'cancelSeries', cancel) as {
      seriesId: string;
      cancelled: { id: string; occurrence: number; status: string; cancelReason: string }[];
      effects: { type: string }[];
    };
    expect(cancelled.cancelled.map((t) => [t.occurrence, t.status, t.cancelReason])).toEqual([
      [3, 'CANCELLED', 'delivered'],
      [4, 'CANCELLED', 'delivered'],
    ]);
    expect(cancelled.effects.filter((e) => e.type === 'token:cancelled')).toHaveLength(2);
    for (const token of booked.tokens.slice(0, 2))
      expect(((await h.call('GET', `/api/tokens/${enc(token.id)}`)).body as { status: string }).status).toBe('BOOKED');
    const history = (await h.call('GET', '/api/history?limit=1000')).body as { events: { type: string; seriesId?: string; actor: string | null }[] };
    expect(history.events.filter((e) => e.seriesId === booked.seriesId).map((e) => [e.type, e.actor])).toEqual([
      ['series:booked', 'desk'],
      ['series:cancelled', 'desk'],
    ]);
    expect(JSON.stringify(h.logs)).not.toMatch(/ABHA-20|Lata/);
  });

  it('refuses an all-or-nothing series with an occurrence without a place, names it in best effort, and checks its input', async () => {
    h = await startHarness({ apiKey: KEY });
    await h.call('POST', '/api/doctors', { body: { id: 'dia', name: 'Dr Rao' } });
    await slotOn('dia', plus(1), '09', 1);
    await slotOn('dia', plus(5), '09', 1);
    const request = {
      patient: { id: 'ABHA-30', name: 'Ravi' },
      doctorId: 'dia',
      start: plus(1),
      every: { days: 2 },
      count: 3,
      mode: 'all-or-nothing',
      idempotencyKey: 'dia-30',
    };

    const refused = await h.call('POST', '/api/series', { body: request });
    const { details } = expectError(refused, 409, 'SLOT_FULL');
    expect(details['skipped']).toEqual([expect.objectContaining({ occurrence: 2, date: plus(3) })]);
    expectDocumented(h, 'bookSeries', refused);
    expect(refused.text).not.toContain('ABHA-30');

    const best = await h.call('POST', '/api/series', { body: { ...request, mode: 'best-effort', idempotencyKey: 'dia-30b' } });
    expect(best.status, best.text).toBe(201);
    const result = expectDocumented(h, 'bookSeries', best) as SeriesResult;
    expect(result.occurrences.map((o) => [o.occurrence, o.status, o.reason])).toEqual([
      [1, 'BOOKED', null],
      [2, 'NO_PLACE', 'SLOT_FULL'],
      [3, 'BOOKED', null],
    ]);
    expect(result.tokens).toHaveLength(2);

    const { idempotencyKey: _key, ...withoutKey } = request;
    expect(expectError(await h.call('POST', '/api/series', { body: withoutKey }), 400, 'VALIDATION_FAILED').details).toMatchObject({
      field: 'idempotencyKey',
      in: 'body',
    });
    expect(expectError(await h.call('POST', '/api/series', { body: { ...request, mode: 'some' } }), 400, 'VALIDATION_FAILED').details).toMatchObject({
      field: 'mode',
      in: 'body',
    });
    expect(
      expectError(await h.call('POST', '/api/series', { body: { ...request, every: { days: 2, weeks: 1 } } }), 400, 'VALIDATION_FAILED').details,
    ).toMatchObject({ in: 'body' });
    expectError(await h.call('POST', '/api/series', { body: { ...request, start: plus(-1) } }), 400, 'VALIDATION_FAILED');
    expectError(await h.call('POST', '/api/series', { body: { ...request, doctorId: 'nobody' } }), 404, 'DOCTOR_NOT_FOUND');
    expectError(await h.call('POST', '/api/series?dryRun=yes', { body: request }), 400, 'VALIDATION_FAILED');
    expect(expectError(await h.call('POST', `/api/series/${enc('not-a-series')}/cancel`), 400, 'VALIDATION_FAILED').details).toMatchObject({
      field: 'seriesId',
      in: 'path',
    });
    expectError(await h.call('POST', '/api/series', { body: request, key: null }), 401, 'UNAUTHORIZED');
  });
});

describe('limits and patient data', () => {
  it('counts follow-ups and series (their previews too) against the booking rate limit; reads are not counted', async () => {
    h = await startHarness({ rateLimit: { limit: 2, windowMs: 60_000 } });
    await doctorWithSlots(h, 'd1', [9], 5);
    await slotOn('d1', plus(1), '09', 3);
    const request = {
      patient: { id: 'ABHA-70', name: 'Asha' },
      doctorId: 'd1',
      start: plus(1),
      every: { days: 1 },
      count: 1,
      mode: 'best-effort',
      idempotencyKey: 'k-70',
    };
    // One booking of the budget: the visit.
    const visitId = await visit('d1', 'ABHA-71', ['check-in']);
    const preview = await h.call('POST', '/api/series?dryRun=true', { body: request });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.headers.get('ratelimit')).toMatch(/r=0/);
    expect((expectDocumented(h, 'bookSeries', preview) as SeriesResult).occurrences[0]!.status).toBe('HELD');
    const over = await h.call('POST', `/api/tokens/${enc(visitId)}/follow-up`, { body: { afterDays: 1 } });
    expectError(over, 429, 'TOO_MANY_REQUESTS');
    expectError(await h.call('POST', '/api/series', { body: request }), 429, 'TOO_MANY_REQUESTS');
    // Reads are not limited.
    expect((await h.call('GET', '/api/follow-ups/due')).status).toBe(200);
  });

  it('answers a series and a follow-up without their patient on a server without keys', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [9], 5);
    await slotOn('d1', plus(1), '09', 3);
    const visitId = await visit('d1', 'ABHA-80', ['check-in']);
    const followUp = (await h.call('POST', `/api/tokens/${enc(visitId)}/follow-up`, { body: { afterDays: 1 } })).body as FollowUpResult & {
      token: { patient: unknown };
    };
    expect(followUp.token.patient).toBeNull();
    const series = await h.call('POST', '/api/series', {
      body: {
        patient: { id: 'ABHA-81', name: 'Asha' },
        doctorId: 'd1',
        start: plus(1),
        every: { days: 1 },
        count: 1,
        mode: 'best-effort',
        idempotencyKey: 'k-81',
      },
    });
    expect(series.status, series.text).toBe(201);
    expect((series.body as SeriesResult).tokens.map((t) => t.patient)).toEqual([null]);
    expect(series.text + JSON.stringify(followUp)).not.toMatch(/ABHA-8|Asha|Meena/);
  });
});

describe('free revisits', () => {
  it('reads the entitlement a charged completion opened, used by a revisit, with the patient id in the body only', async () => {
    h = await startHarness({ apiKey: KEY, scheduler: { followUps: { freeWithinDays: 10, freeVisits: 1, scope: 'doctor' } } });
    await doctorWithSlots(h, 'd1', [9], 5);
    const inFive = await slotOn('d1', plus(5), '09', 5);
    const visitId = await visit('d1', 'ABHA-40', ['check-in', 'start']);

    const completed = await h.call('POST', `/api/tokens/${enc(visitId)}/complete`, { body: { charged: true }, headers: { 'X-Actor': KEY_ACTOR } });
    expect(completed.status, completed.text).toBe(200);
    const { token, effects } = expectDocumented(h, 'complete', completed) as {
      token: { status: string; charged?: true };
      effects: { type: string; actor: string | null }[];
    };
    expect(token).toMatchObject({ status: 'COMPLETED', charged: true });
    expect(effects).toContainEqual(expect.objectContaining({ type: 'entitlement:opened', actor: KEY_ACTOR }));

    const read = async (): Promise<{ left: number; entitlements: { fromTokenId: string; used: number; left: number; visits: number; until: string }[] }> => {
      const answer = await h.call('POST', '/api/patients/entitlement', { body: { patientId: 'ABHA-40', doctorId: 'd1', at: plus(5) } });
      expect(answer.status, answer.text).toBe(200);
      return expectDocumented(h, 'entitlementOf', answer) as Awaited<ReturnType<typeof read>>;
    };
    expect(await read()).toEqual({ left: 1, entitlements: [expect.objectContaining({ fromTokenId: visitId, visits: 1, used: 0, left: 1, until: plus(10) })] });
    const revisit = await book(h, 'd1', 'FOLLOW_UP', { slotId: inFive, patientId: 'ABHA-40' });
    expect(revisit.status, revisit.text).toBe(201);
    expect((expectDocumented(h, 'book', revisit) as { token: { entitlement?: unknown } }).token.entitlement).toEqual({ fromTokenId: visitId, visit: 1 });
    expect(await read()).toMatchObject({ left: 0, entitlements: [{ used: 1, left: 0 }] });
    // Another doctor, or a day past the entitlement: nothing free.
    await doctorWithSlots(h, 'd2', [10], 5);
    expect((await h.call('POST', '/api/patients/entitlement', { body: { patientId: 'ABHA-40', doctorId: 'd2', at: plus(5) } })).body).toEqual({
      left: 0,
      entitlements: [],
    });
    expect(
      ((await h.call('POST', '/api/patients/entitlement', { body: { patientId: 'ABHA-40', doctorId: 'd1', at: plus(11) } })).body as { left: number }).left,
    ).toBe(0);

    const both = await h.call('POST', '/api/patients/entitlement', { body: { patientId: 'ABHA-40', doctorId: 'd1', department: 'medicine' } });
    expect(expectError(both, 400, 'VALIDATION_FAILED').details).toMatchObject({ in: 'body' });
    expectError(await h.call('POST', '/api/patients/entitlement', { body: { patientId: 'ABHA-40', doctorId: 'nobody' } }), 404, 'DOCTOR_NOT_FOUND');
    expectError(await h.call('POST', '/api/patients/entitlement', { body: { doctorId: 'd1' } }), 400, 'VALIDATION_FAILED');
    expectError(await h.call('POST', '/api/patients/entitlement', { body: { patientId: 'ABHA-40', doctorId: 'd1' }, key: null }), 401, 'UNAUTHORIZED');
    expectError(await h.call('POST', `/api/tokens/${enc(visitId)}/complete`, { body: { charged: 'yes' } }), 400, 'VALIDATION_FAILED');
    expect(JSON.stringify(h.logs)).not.toContain('ABHA-40');
  });

  it('is refused on a server whose scheduler has no free revisits, and a completion is not charged by default', async () => {
    h = await startHarness({ apiKey: KEY });
    await doctorWithSlots(h, 'd1', [9], 5);
    const visitId = await visit('d1', 'ABHA-50', ['check-in', 'start']);
    const completed = await h.call('POST', `/api/tokens/${enc(visitId)}/complete`);
    expect(completed.status, completed.text).toBe(200);
    const { token, effects } = expectDocumented(h, 'complete', completed) as { token: { charged?: true }; effects: { type: string }[] };
    expect(token.charged).toBeUndefined();
    expect(effects.map((e) => e.type)).not.toContain('entitlement:opened');
    const refused = await h.call('POST', '/api/patients/entitlement', { body: { patientId: 'ABHA-50', doctorId: 'd1' } });
    expect(expectError(refused, 400, 'VALIDATION_FAILED').details).toMatchObject({ field: 'followUps' });
    expect(refused.text).not.toContain('ABHA-50');
  });

  it('reads OPD_FOLLOW_UPS and --follow-ups into the scheduler, and refuses bad ones at startup naming the field', async () => {
    const text = '{"freeWithinDays":7,"freeVisits":2,"scope":"department"}';
    expect(loadConfig({ OPD_FOLLOW_UPS: text }).followUps).toEqual({ freeWithinDays: 7, freeVisits: 2, scope: 'department' });
    expect(parseServerArgs(['--follow-ups', text]).env).toEqual({ OPD_FOLLOW_UPS: text });
    expect(SERVER_HELP).toContain('--follow-ups <json>');
    expect(loadConfig({}).followUps).toBeUndefined();
    expect(() => loadConfig({ OPD_FOLLOW_UPS: '{free' })).toThrow(/^OPD_FOLLOW_UPS must be JSON/);
    expect(() => loadConfig({ OPD_FOLLOW_UPS: '{"freeWithinDays":-1,"freeVisits":1,"scope":"doctor"}' })).toThrow(/^OPD_FOLLOW_UPS: .*freeWithinDays/);
    expect(() => loadConfig({ OPD_FOLLOW_UPS: '{"freeWithinDays":7,"freeVisits":1,"scope":"hospital"}' })).toThrow(/^OPD_FOLLOW_UPS: .*scope/);

    // The server built from the setting counts a charged visit's free revisits in its department.
    h = await startHarness({ apiKey: KEY, scheduler: schedulerOptionsOf(loadConfig({ OPD_FOLLOW_UPS: text })) });
    await h.call('POST', '/api/doctors', { body: { id: 'm1', name: 'Dr Sen', department: 'medicine' } });
    await h.call('POST', '/api/doctors/m1/slots', { body: [{ id: 'm1-09', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 5 }] });
    const visitId = await visit('m1', 'ABHA-60', ['check-in', 'start']);
    expect((await h.call('POST', `/api/tokens/${enc(visitId)}/complete`, { body: { charged: true } })).status).toBe(200);
    const read = await h.call('POST', '/api/patients/entitlement', { body: { patientId: 'ABHA-60', department: 'medicine', at: plus(3) } });
    expect(expectDocumented(h, 'entitlementOf', read)).toMatchObject({ left: 2, entitlements: [{ fromTokenId: visitId, visits: 2, until: plus(7) }] });
  });
});
