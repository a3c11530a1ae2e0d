/**
 * A visit's journey over HTTP: the server started with service points and routes (OPD_SERVICE_POINTS,
 * OPD_ROUTES, OPD_REENTRY), check-in on a route, forward, calls at a service point and of a pooled
 * department, a point's queue, and the service-point boards' data and live feed.
 */
import { OpdScheduler, ReturnAhead, type OpdSchedulerOptions } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { PointCalls } from '../../../examples/express-server/board.js';
import { loadConfig, parseServerArgs, schedulerOptionsOf, SERVER_HELP, StartupError } from '../../../examples/express-server/config.js';
import { EventHub } from '../../../examples/express-server/events.js';
import { silentLogger } from '../../../examples/express-server/log.js';
import { startServer } from '../../../examples/express-server/app.js';
import { PointBoardOut } from '../../../examples/express-server/schemas.js';
import { DAY, TestClock } from '../../helpers.js';
import { SseReader, book, doctorWithSlots, enc, expectDocumented, expectError, startHarness, tokenOf, type Answer, type Harness } from './harness.js';

let h: Harness | undefined;
const readers: SseReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await h?.close();
  h = undefined;
});

const POINTS = [
  { id: 'reg', kind: 'registration', rooms: ['Counter 1'] },
  { id: 'vitals', kind: 'vitals', rooms: ['Vitals 1', 'Vitals 2'] },
  { id: 'lab', kind: 'lab' },
];
const ROUTES = { 'with-lab': ['registration', 'vitals', 'doctor', 'lab', 'doctor'] };
const JOURNEYS: OpdSchedulerOptions = { servicePoints: POINTS, routes: ROUTES };

/** A hospital whose "today" is {@link DAY}, with service points, a route and doctor d1 at 09:00. */
async function hospital(scheduler: OpdSchedulerOptions = JOURNEYS): Promise<Harness> {
  const harness = await startHarness({ scheduler });
  harness.clock.set(`${DAY}T08:30:00Z`);
  await doctorWithSlots(harness, 'd1', [9], 10);
  return harness;
}

async function post(h: Harness, path: string, body?: unknown): Promise<Answer> {
  return h.call('POST', path, body === undefined ? {} : { body });
}

/** The last stored event of a type. */
async function last(h: Harness, type: string): Promise<Record<string, unknown> | undefined> {
  const events = await h.opd.history({ after: 0, limit: 1000 });
  return events.filter((e) => e.type === type).at(-1) as Record<string, unknown> | undefined;
}

/** Books through the API and checks the patient in on the route. */
async function arrive(h: Harness, category = 'WALK_IN'): Promise<{ id: string; tokenNumber: number; label: string }> {
  const token = tokenOf(await book(h, 'd1', category, { slotId: 'd1-09' }));
  const answer = await post(h, `/api/tokens/${enc(token.id)}/check-in`, { route: 'with-lab' });
  expect(answer.status, answer.text).toBe(200);
  return { id: token.id, tokenNumber: token.tokenNumber, label: String(token.tokenNumber) };
}

const labels = (answer: { body: unknown }): string[] => (answer.body as { tokens: { label: string }[] }).tokens.map((t) => t.label);

describe('journey settings', () => {
  it('reads OPD_SERVICE_POINTS, OPD_ROUTES and OPD_REENTRY (and their flags) and passes them to the scheduler', () => {
    const env = { OPD_SERVICE_POINTS: JSON.stringify(POINTS), OPD_ROUTES: JSON.stringify(ROUTES), OPD_REENTRY: '{"maxPassed":2}' };
    const config = loadConfig(env);
    expect(config.servicePoints).toEqual(POINTS);
    expect(config.routes).toEqual(ROUTES);
    const options = schedulerOptionsOf(config);
    expect(options.servicePoints).toEqual(POINTS);
    expect(options.routes).toEqual(ROUTES);
    expect(options.reentry).toBeInstanceOf(ReturnAhead);
    expect(options.reentry).toMatchObject({ maxPassed: 2 });
    const none = schedulerOptionsOf(loadConfig({}));
    expect([none.servicePoints, none.routes, none.reentry]).toEqual([undefined, undefined, undefined]);
    expect(parseServerArgs(['--service-points', '[]', '--routes', '{}', '--reentry', '{}']).env).toEqual({
      OPD_SERVICE_POINTS: '[]',
      OPD_ROUTES: '{}',
      OPD_REENTRY: '{}',
    });
    expect(SERVER_HELP).toMatch(/--service-points <json> OPD_SERVICE_POINTS/);
    expect(SERVER_HELP).toMatch(/--routes <json>\s+OPD_ROUTES/);
  });

  it('refuses bad service points, routes and re-entry at startup, naming the variable and the field', () => {
    expect(() => loadConfig({ OPD_SERVICE_POINTS: '[{' })).toThrow(/^OPD_SERVICE_POINTS must be JSON/);
    expect(() => loadConfig({ OPD_SERVICE_POINTS: '[{"id":"a","kind":"lab"},{"id":"a","kind":"lab"}]' })).toThrow(StartupError);
    expect(() => loadConfig({ OPD_SERVICE_POINTS: '[{"id":"a","kind":"lab"},{"id":"a","kind":"lab"}]' })).toThrow(/^OPD_SERVICE_POINTS: .*`a` is given twice/);
    expect(() => loadConfig({ OPD_SERVICE_POINTS: '[{"id":"a","kind":"lab","colour":"red"}]' })).toThrow(/^OPD_SERVICE_POINTS: .*colour/);
    // A route naming a kind no service point has.
    expect(() => loadConfig({ OPD_SERVICE_POINTS: JSON.stringify(POINTS), OPD_ROUTES: '{"r":["vitals","xray"]}' })).toThrow(/^OPD_ROUTES: .*routes\.r\[1\]/);
    expect(() => loadConfig({ OPD_ROUTES: '{"r":"vitals"}' })).toThrow(/^OPD_ROUTES: /);
    expect(() => loadConfig({ OPD_REENTRY: '{"maxPassed":-1}' })).toThrow(/^OPD_REENTRY: .*maxPassed/);
  });

  it('refuses to start a server whose service points the scheduler does not have', async () => {
    const opd = new OpdScheduler({ servicePoints: [POINTS[0]!] });
    try {
      await expect(startServer({ port: 0, scheduler: opd, logger: silentLogger, servicePoints: POINTS })).rejects.toThrow(/servicePoints.*vitals/);
    } finally {
      await opd.close();
    }
  });
});

describe('journey routes', () => {
  it('checks in on a route, calls at a service point, forwards along the route and back to the doctor', async () => {
    h = await hospital();
    const a = await arrive(h);
    const b = await arrive(h);
    const token = expectDocumented(h, 'getToken', await h.call('GET', `/api/tokens/${enc(a.id)}`)) as { journey: unknown };
    expect(token.journey).toEqual({ route: 'with-lab', stage: 0, servicePointId: 'reg', pooled: false, seen: false, calledBy: null });

    const queue = await h.call('GET', '/api/service-points/reg/queue');
    expectDocumented(h, 'getServicePointQueue', queue);
    expect(queue.body).toMatchObject({ servicePointId: 'reg', date: DAY });
    expect(labels(queue)).toEqual([a.label, b.label]);

    // Called at registration: to the point's first room unless given, and the patient stays first until sent on.
    const called = await post(h, '/api/service-points/reg/call');
    expectDocumented(h, 'callServicePoint', called);
    expect((called.body as { token: { id: string } }).token.id).toBe(a.id);
    expect(await last(h, 'token:called')).toMatchObject({ tokenId: a.id, servicePointId: 'reg', room: 'Counter 1' });
    expect(labels(await h.call('GET', '/api/service-points/reg/queue'))).toEqual([a.label, b.label]);

    const forwarded = await post(h, `/api/tokens/${enc(a.id)}/forward`, { to: 'vitals', reason: 'registered' });
    expectDocumented(h, 'forward', forwarded);
    const result = forwarded.body as { token: { journey: unknown }; effects: unknown[] };
    expect(result.token.journey).toMatchObject({ route: 'with-lab', stage: 1, servicePointId: 'vitals' });
    expect(await last(h, 'token:forwarded')).toMatchObject({
      tokenId: a.id,
      from: { servicePointId: 'reg', kind: 'registration' },
      to: { servicePointId: 'vitals', kind: 'vitals' },
      reason: 'registered',
      reentry: null,
    });
    expect(labels(await h.call('GET', '/api/service-points/reg/queue'))).toEqual([b.label]);
    expect(labels(await h.call('GET', '/api/service-points/vitals/queue'))).toEqual([a.label]);

    // Vitals → the doctor (a kind); the doctor sends the patient to the lab; back with the report.
    expect((await post(h, `/api/tokens/${enc(a.id)}/forward`, { to: 'doctor' })).status).toBe(200);
    expect((await post(h, '/api/doctors/d1/call-next')).body).toMatchObject({ token: { id: a.id } });
    expect((await post(h, `/api/tokens/${enc(a.id)}/start`)).status).toBe(200);
    const lab = await post(h, `/api/tokens/${enc(a.id)}/forward`, { to: 'lab', reason: 'CBC ordered' });
    expect(lab.status, lab.text).toBe(200);
    expect((lab.body as { token: { status: string; journey: unknown } }).token).toMatchObject({
      status: 'CHECKED_IN',
      journey: { servicePointId: 'lab', seen: true, stage: 3 },
    });
    expect((await post(h, `/api/tokens/${enc(a.id)}/forward`, { to: 'doctor' })).status).toBe(200);
    expect(await last(h, 'token:forwarded')).toMatchObject({ to: { servicePointId: null, kind: 'doctor' }, reentry: { policy: 'return-ahead', passed: 0 } });
    // The date is read as the other day routes read it.
    expect(labels(await h.call('GET', '/api/service-points/lab/queue?date=2026-01-31'))).toEqual([]);
  });

  it('refuses what the engine refuses, as other routes answer it, changing nothing', async () => {
    h = await hospital();
    const booked = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09' }));
    // A BOOKED token cannot be forwarded: as other transitions answer INVALID_TRANSITION.
    const refused = expectError(await post(h, `/api/tokens/${enc(booked.id)}/forward`, { to: 'vitals' }), 422, 'INVALID_TRANSITION');
    expect(refused.details).toMatchObject({ tokenId: booked.id, status: 'BOOKED', action: 'forward' });
    expect(((await h.call('GET', `/api/tokens/${enc(booked.id)}`)).body as { journey?: unknown }).journey).toBeUndefined();

    expect(expectError(await post(h, '/api/service-points/nowhere/call'), 400, 'VALIDATION_FAILED').details).toMatchObject({ field: 'target.servicePoint' });
    expect(expectError(await h.call('GET', '/api/service-points/nowhere/queue'), 400, 'VALIDATION_FAILED').details).toMatchObject({
      field: 'servicePointId',
      in: 'path',
    });
    expectError(await h.call('GET', '/api/service-points/vitals/queue?date=tomorrow'), 400, 'VALIDATION_FAILED');
    const a = await arrive(h);
    expect(expectError(await post(h, `/api/tokens/${enc(a.id)}/forward`, { to: 'nowhere' }), 400, 'VALIDATION_FAILED').details).toMatchObject({ field: 'to' });
    expectError(await post(h, `/api/tokens/${enc(a.id)}/forward`, {}), 400, 'VALIDATION_FAILED');
    expectError(await post(h, `/api/tokens/${enc(a.id)}/forward`, { to: 'lab', colour: 'red' }), 400, 'VALIDATION_FAILED');
    // Already waiting there.
    expectError(await post(h, `/api/tokens/${enc(a.id)}/forward`, { to: 'reg' }), 422, 'INVALID_TRANSITION');
    expectError(await post(h, `/api/tokens/${enc('no-such-token')}/forward`, { to: 'lab' }), 404, 'TOKEN_NOT_FOUND');
    const other = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09' }));
    expect(expectError(await post(h, `/api/tokens/${enc(other.id)}/check-in`, { route: 'no-such-route' }), 400, 'VALIDATION_FAILED').details).toMatchObject({
      in: 'body',
    });
    expect(((await h.call('GET', `/api/tokens/${enc(other.id)}`)).body as { status: string }).status).toBe('BOOKED');
    // Check-in without a body still works, and the patient waits for the doctor.
    const plain = await post(h, `/api/tokens/${enc(other.id)}/check-in`);
    expect((plain.body as { token: { status: string; journey?: unknown } }).token).toMatchObject({ status: 'CHECKED_IN' });
    expect(labels(await h.call('GET', '/api/service-points/reg/queue'))).toEqual([a.label]);
  });

  it('calls the next patient of a pooled department for whichever of its doctors is free', async () => {
    h = await startHarness({ scheduler: { servicePoints: [...POINTS, { id: 'med-pool', kind: 'doctor', department: 'medicine' }] } });
    h.clock.set(`${DAY}T09:10:00Z`);
    for (const id of ['m1', 'm2']) {
      expect((await post(h, '/api/doctors', { id, name: `Dr ${id}`, department: 'medicine' })).status).toBe(201);
      expect((await post(h, `/api/doctors/${id}/slots`, [{ id: `${id}-09`, start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 5 }])).status).toBe(
        201,
      );
    }
    await doctorWithSlots(h, 'other', [9], 5);
    const pooled = await post(h, '/api/tokens', { department: 'medicine', category: 'WALK_IN', patient: { name: 'Asha Verma' } });
    expect(pooled.status, pooled.text).toBe(201);
    const token = tokenOf(pooled);
    expect((await post(h, `/api/tokens/${enc(token.id)}/check-in`)).status).toBe(200);
    const owner = (pooled.body as { token: { doctorId: string } }).token.doctorId;
    const colleague = owner === 'm1' ? 'm2' : 'm1';
    const called = await post(h, '/api/departments/medicine/call', { doctorId: colleague, room: '7' });
    expectDocumented(h, 'callPooled', called);
    expect((called.body as { token: { id: string } }).token.id).toBe(token.id);
    expect(await last(h, 'token:called')).toMatchObject({ tokenId: token.id, calledBy: colleague, room: '7' });
    // The doctor who owns the place does not call the same patient.
    expect((await post(h, '/api/departments/medicine/call', { doctorId: owner })).body).toMatchObject({ token: null });
    expectError(await post(h, '/api/departments/medicine/call', { doctorId: 'other' }), 400, 'VALIDATION_FAILED');
    expectError(await post(h, '/api/departments/surgery/call', { doctorId: 'm1' }), 400, 'VALIDATION_FAILED');
    expectError(await post(h, '/api/departments/medicine/call', { doctorId: 'nobody' }), 404, 'DOCTOR_NOT_FOUND');
    expectError(await post(h, '/api/departments/medicine/call', {}), 400, 'VALIDATION_FAILED');
  });

  it('answers VALIDATION_FAILED on a server without service points', async () => {
    h = await hospital({});
    const token = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09' }));
    await post(h, `/api/tokens/${enc(token.id)}/check-in`);
    expectError(await post(h, `/api/tokens/${enc(token.id)}/forward`, { to: 'lab' }), 400, 'VALIDATION_FAILED');
    expectError(await post(h, '/api/service-points/lab/call'), 400, 'VALIDATION_FAILED');
    expectError(await h.call('GET', '/service-points/lab/board'), 400, 'VALIDATION_FAILED');
  });
});

describe('service-point boards over HTTP', () => {
  it('shows who is being served at a point (until sent on) with the room, and the next in its call order, labels only', async () => {
    h = await hospital();
    const [a, b, c] = [await arrive(h), await arrive(h), await arrive(h)];
    for (const t of [a, b, c]) expect((await post(h, `/api/tokens/${enc(t.id)}/forward`, { to: 'vitals' })).status).toBe(200);
    const empty = expectDocumented(h, 'servicePointBoardData', await h.call('GET', '/service-points/vitals/board')) as ReturnType<typeof PointBoardOut.parse>;
    expect(empty).toMatchObject({
      servicePoint: { id: 'vitals', kind: 'vitals', department: null, rooms: ['Vitals 1', 'Vitals 2'] },
      date: DAY,
      nowServing: [],
      waiting: 3,
    });
    expect(empty.next.map((e) => e.label)).toEqual([a.label, b.label, c.label]);

    expect((await post(h, '/api/service-points/vitals/call', { room: 'Vitals 2' })).status).toBe(200);
    const serving = PointBoardOut.parse((await h.call('GET', '/service-points/vitals/board')).body);
    expect(serving.nowServing).toEqual([{ tokenNumber: a.tokenNumber, label: a.label, doctorId: 'd1', room: 'Vitals 2' }]);
    expect(serving.next.map((e) => e.label)).toEqual([b.label, c.label]);
    expect(serving.waiting).toBe(2);

    // Sent on to the doctor: no longer served at vitals; the next one called takes the room.
    await post(h, `/api/tokens/${enc(a.id)}/forward`, { to: 'doctor' });
    expect(PointBoardOut.parse((await h.call('GET', '/service-points/vitals/board')).body)).toMatchObject({ nowServing: [], waiting: 2 });
    await post(h, '/api/service-points/vitals/call', { room: 'Vitals 2' });
    // A patient who leaves the point otherwise (cancelled) is not shown either.
    await post(h, `/api/tokens/${enc(b.id)}/cancel`);
    const after = PointBoardOut.parse((await h.call('GET', '/service-points/vitals/board')).body);
    expect(after).toMatchObject({ nowServing: [], next: [{ label: c.label }], waiting: 1 });
    // A doctor's board lists only the patients the doctor calls next: not those at a service point.
    const doctor = (await h.call('GET', '/display/d1/board')).body as { next: { label: string }[] };
    expect(doctor.next.map((e) => e.label)).toEqual([a.label]);

    expect(expectError(await h.call('GET', '/service-points/nowhere/board'), 400, 'VALIDATION_FAILED').details).toMatchObject({ field: 'servicePointId' });
    expect((await h.call('GET', '/service-points/nowhere/display')).status).toBe(400);
    expect((await h.call('GET', '/service-points/vitals/board?lang=xx')).status).toBe(400);
  });

  it('streams a point’s board and its calls, and the screen of every point; pages carry no patient data', async () => {
    h = await hospital();
    const stream = await SseReader.open(`${h.url}/service-points/lab/events`);
    const all = await SseReader.open(`${h.url}/service-points/events`);
    readers.push(stream, all);
    await stream.until((f) => f.length >= 1, 'the first board');
    await all.until((f) => f.filter((x) => x.event === 'board').length >= 3, 'a board per point');
    expect(all.named('board').map((f) => (JSON.parse(f.data) as { servicePoint: { id: string } }).servicePoint.id)).toEqual(['reg', 'vitals', 'lab']);
    const t = tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: 'd1-09', name: 'Asha Verma', patientId: 'ABHA-91-7777' }));
    await post(h, `/api/tokens/${enc(t.id)}/check-in`);
    await post(h, `/api/tokens/${enc(t.id)}/forward`, { to: 'lab' });
    await stream.until((f) => f.some((x) => x.event === 'board' && (JSON.parse(x.data) as { next: unknown[] }).next.length === 1), 'the forward');
    await post(h, '/api/service-points/lab/call', { room: 'Lab A' });
    await stream.until((f) => f.some((x) => x.event === 'call'), 'the call');
    expect(stream.named('call').map((f) => JSON.parse(f.data) as unknown)).toEqual([
      { doctorId: 'd1', servicePointId: 'lab', tokenNumber: t.tokenNumber, label: String(t.tokenNumber), room: 'Lab A', seq: expect.any(Number) as number },
    ]);
    await stream.until((f) => f.some((x) => x.event === 'board' && (JSON.parse(x.data) as { nowServing: unknown[] }).nowServing.length === 1), 'now serving');
    expect(PointBoardOut.parse(JSON.parse(stream.named('board').at(-1)!.data))).toMatchObject({
      nowServing: [{ label: String(t.tokenNumber), room: 'Lab A' }],
      next: [],
    });
    await all.until((f) => f.some((x) => x.event === 'call'), 'the call on the screen of every point');
    for (const frame of [...stream.frames, ...all.frames]) expect(frame.data).not.toMatch(/Asha|Verma|ABHA-91-7777/);
    // A doctor's call is not announced at a service point, and a call at a point not on the doctor's board.
    const doctorBoard = await SseReader.open(`${h.url}/display/d1/events`);
    readers.push(doctorBoard);
    await doctorBoard.until((f) => f.length >= 1, 'the doctor’s board');
    // Called again from the room that serves the patient (another room of the lab has nobody to call).
    await post(h, '/api/service-points/lab/call', { room: 'Lab A' });
    await post(h, `/api/tokens/${enc(t.id)}/forward`, { to: 'doctor' });
    await post(h, '/api/doctors/d1/call-next');
    await doctorBoard.until((f) => f.some((x) => x.event === 'call'), 'the doctor’s call');
    expect(doctorBoard.named('call').map((f) => (JSON.parse(f.data) as { servicePointId?: string }).servicePointId)).toEqual([undefined]);
    expect(stream.named('call')).toHaveLength(2);

    for (const path of ['/service-points', '/service-points?lang=hi', '/service-points/lab/display', '/service-points/lab/display?lang=hi']) {
      const page = await h.call('GET', path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(page.text).not.toMatch(/Asha|Verma|ABHA-91-7777/);
    }
    expect((await h.call('GET', '/service-points/lab/display?lang=hi')).text).toContain('प्रयोगशाला');
  });

  it('knows who was called at a point from the stored history, as a restarted server would', async () => {
    const clock = new TestClock();
    clock.set(`${DAY}T08:30:00Z`);
    const opd = new OpdScheduler({ clock: clock.now, ...JOURNEYS });
    try {
      await opd.addDoctor({ id: 'd1', name: 'Dr d1' });
      await opd.addSlots('d1', [{ id: 's', start: `${DAY}T09:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 5 }]);
      const ids: string[] = [];
      for (const name of ['A', 'B', 'C']) {
        const { token } = await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: { name }, slotId: 's' });
        await opd.checkIn(token.id, { route: 'with-lab' });
        ids.push(token.id);
      }
      await opd.callNext({ servicePoint: 'reg' }, { room: 'Counter 1' });
      await opd.forward(ids[0]!, { to: 'vitals' });
      await opd.callNext({ servicePoint: 'reg' }, { room: 'Counter 1' });
      await opd.callNext({ servicePoint: 'vitals' }, { room: 'Vitals 1' });
      const calls = new PointCalls();
      const hub = await EventHub.start(opd, silentLogger, [calls.listener]);
      hub.close();
      expect(calls.at('reg', DAY).map((c) => [c.tokenId, c.room])).toEqual([[ids[1], 'Counter 1']]);
      expect(calls.at('vitals', DAY).map((c) => [c.tokenId, c.room])).toEqual([[ids[0], 'Vitals 1']]);
      expect(calls.at('vitals', '2026-01-31')).toEqual([]);
      expect(calls.at('lab', DAY)).toEqual([]);
    } finally {
      await opd.close();
    }
  });
});
