import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, KEY, book, doctorWithSlots, enc, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  // With a key, which every call sends: answers then carry patient data (see auth.test.ts).
  h = await startHarness({ apiKey: KEY });
});
afterEach(async () => {
  await h.close();
});

describe('doctors and slots', () => {
  it('creates, lists and reads doctors', async () => {
    const created = await h.call('POST', '/api/doctors', { body: { name: 'Dr. Sharma', specialization: 'Cardiology', consultMinutes: 6 } });
    expect(created.status).toBe(201);
    const doctor = expectDocumented(h, 'createDoctor', created) as { id: string; createdAt: string };
    expect(doctor).toMatchObject({ name: 'Dr. Sharma', specialization: 'Cardiology', consultMinutes: 6 });
    expect(created.headers.get('location')).toBe(`/api/doctors/${doctor.id}`);
    expect(doctor.createdAt).toBe('2026-01-30T07:00:00.000Z');
    await h.call('POST', '/api/doctors', { body: { id: 'reddy', name: 'Dr. Reddy' } });

    const list = await h.call('GET', '/api/doctors');
    expect(list.status).toBe(200);
    expectDocumented(h, 'listDoctors', list);
    expect((list.body as { doctors: { id: string }[] }).doctors.map((d) => d.id)).toEqual([doctor.id, 'reddy']);

    const one = await h.call('GET', '/api/doctors/reddy');
    expect(one.status).toBe(200);
    expect(expectDocumented(h, 'getDoctor', one)).toMatchObject({ id: 'reddy', specialization: null, consultMinutes: null });
    expectError(await h.call('GET', '/api/doctors/nobody'), 404, 'DOCTOR_NOT_FOUND');
  });

  it('refuses bad doctors: missing name, unknown fields, a taken id, bad ids', async () => {
    expect(expectError(await h.call('POST', '/api/doctors', { body: {} }), 400, 'VALIDATION_FAILED').details).toMatchObject({ field: 'name', in: 'body' });
    expect(expectError(await h.call('POST', '/api/doctors', { body: { name: 'A', capacity: 3 } }), 400, 'VALIDATION_FAILED').details.field).toBe('capacity');
    await h.call('POST', '/api/doctors', { body: { id: 'd1', name: 'A' } });
    // A taken id conflicts with existing data: 409 (the engine's VALIDATION_FAILED, told apart over HTTP).
    expect(expectError(await h.call('POST', '/api/doctors', { body: { id: 'd1', name: 'B' } }), 409, 'ALREADY_EXISTS').details).toMatchObject({
      field: 'id',
      doctorId: 'd1',
      in: 'body',
    });
    expectError(await h.call('POST', '/api/doctors', { body: { id: 'has space', name: 'B' } }), 400, 'VALIDATION_FAILED');
    expectError(await h.call('POST', '/api/doctors', { body: { name: 'B', consultMinutes: 0 } }), 400, 'VALIDATION_FAILED');
    expectError(await h.call('POST', '/api/doctors', { body: ['not', 'an', 'object'] }), 400, 'VALIDATION_FAILED');
    expect(((await h.call('GET', '/api/doctors')).body as { doctors: unknown[] }).doctors).toHaveLength(1);
  });

  it('adds slots given as an array or as { slots }, with ISO instants in any offset', async () => {
    await h.call('POST', '/api/doctors', { body: { id: 'd1', name: 'A' } });
    const added = await h.call('POST', '/api/doctors/d1/slots', {
      body: [{ id: 'nine', start: '2026-01-30T14:30:00+05:30', end: '2026-01-30T15:30:00+05:30', capacity: 10 }],
    });
    expect(added.status).toBe(201);
    const { slots } = expectDocumented(h, 'addSlots', added) as { slots: { id: string; start: string; overflowCapacity: number }[] };
    expect(slots[0]).toMatchObject({ id: 'nine', start: '2026-01-30T09:00:00.000Z', overflowCapacity: 2, status: 'OPEN' });
    const wrapped = await h.call('POST', '/api/doctors/d1/slots', {
      body: { slots: [{ start: `${DAY}T10:00:00Z`, end: `${DAY}T11:00:00Z`, capacity: 5, overflowCapacity: 0 }] },
    });
    expect(wrapped.status).toBe(201);
    expect((wrapped.body as { slots: { overflowCapacity: number }[] }).slots[0]!.overflowCapacity).toBe(0);
  });

  it('refuses bad slots: overlaps, local times without offset, negative capacity, unknown doctor', async () => {
    await doctorWithSlots(h, 'd1', [9], 5);
    const overlap = expectError(
      await h.call('POST', '/api/doctors/d1/slots', { body: [{ start: `${DAY}T09:30:00Z`, end: `${DAY}T10:30:00Z`, capacity: 1 }] }),
      409,
      'SLOT_OVERLAP',
    );
    expect(overlap.details).toMatchObject({ field: 'slots[0]', slotId: 'd1-09' });
    const local = expectError(
      await h.call('POST', '/api/doctors/d1/slots', { body: [{ start: '2026-01-30T10:00:00', end: `${DAY}T11:00:00Z`, capacity: 1 }] }),
      400,
      'VALIDATION_FAILED',
    );
    expect(local.details).toMatchObject({ field: 'slots[0].start', in: 'body' });
    expect(
      expectError(
        await h.call('POST', '/api/doctors/d1/slots', { body: { slots: [{ start: `${DAY}T10:00:00Z`, end: `${DAY}T11:00:00Z`, capacity: -1 }] } }),
        400,
        'VALIDATION_FAILED',
      ).details.field,
    ).toBe('slots[0].capacity');
    expectError(
      await h.call('POST', '/api/doctors/d1/slots', { body: [{ start: `${DAY}T11:00:00Z`, end: `${DAY}T10:00:00Z`, capacity: 1 }] }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await h.call('POST', '/api/doctors/nobody/slots', { body: [{ start: `${DAY}T10:00:00Z`, end: `${DAY}T11:00:00Z`, capacity: 1 }] }),
      404,
      'DOCTOR_NOT_FOUND',
    );
    expectError(await h.call('POST', '/api/doctors/d1/slots'), 400, 'VALIDATION_FAILED');
  });

  it('shows a slot with its queue in priority order, and 404 for an unknown slot', async () => {
    const [nine] = await doctorWithSlots(h, 'd1', [9], 5);
    await book(h, 'd1', 'WALK_IN', { slotId: nine! });
    await book(h, 'd1', 'ONLINE', { slotId: nine! });
    await book(h, 'd1', 'PAID', { slotId: nine! });
    const view = await h.call('GET', `/api/slots/${enc(nine!)}`);
    expect(view.status).toBe(200);
    const slot = expectDocumented(h, 'getSlot', view) as { places: { tokenNumber: number; position: number; estimatedStart: string }[]; free: number };
    expect(slot.places.map((t) => t.tokenNumber)).toEqual([3, 2, 1]);
    expect(slot.places.map((t) => t.position)).toEqual([1, 2, 3]);
    expect(slot.places[1]!.estimatedStart).toBe('2026-01-30T09:05:00.000Z');
    expect(slot.free).toBe(2);
    expectError(await h.call('GET', '/api/slots/nope'), 404, 'SLOT_NOT_FOUND');
  });
});

describe('booking', () => {
  it('books any category, case-insensitively and with the aliases of hospital systems', async () => {
    await doctorWithSlots(h, 'd1', [9, 10, 11], 10);
    const cases: [string, string][] = [
      ['ONLINE', 'ONLINE'],
      ['online', 'ONLINE'],
      ['ONLINE_BOOKING', 'ONLINE'],
      ['Online Booking', 'ONLINE'],
      ['walk_in', 'WALK_IN'],
      ['Walk-in', 'WALK_IN'],
      ['WALKIN', 'WALK_IN'],
      ['PAID_PRIORITY', 'PAID'],
      ['paid', 'PAID'],
      ['Follow-up', 'FOLLOW_UP'],
      ['FOLLOWUP', 'FOLLOW_UP'],
      ['follow_up', 'FOLLOW_UP'],
      ['Emergency', 'EMERGENCY'],
    ];
    for (const [given, expected] of cases) {
      const answer = await book(h, 'd1', given);
      expect(answer.status, `${given}: ${answer.text}`).toBe(201);
      const result = expectDocumented(h, 'book', answer) as { token: { category: string }; outcome: string };
      expect(result.token.category, given).toBe(expected);
      expect(result.outcome).toBe('BOOKED');
    }
    const unknown = expectError(await book(h, 'd1', 'VIP'), 400, 'VALIDATION_FAILED');
    expect(unknown.details).toMatchObject({ field: 'category', category: 'VIP', known: ['EMERGENCY', 'PAID', 'FOLLOW_UP', 'ONLINE', 'WALK_IN'] });
  });

  it('answers 201 with a Location, dates as ISO strings, position and estimated start', async () => {
    const [nine] = await doctorWithSlots(h, 'd1', [9], 5);
    const answer = await book(h, 'd1', 'ONLINE', { slotId: nine! });
    expect(answer.status).toBe(201);
    const { token } = expectDocumented(h, 'book', answer) as {
      token: { id: string; requestedAt: string; position: number; estimatedStart: string; tokenNumber: number };
    };
    expect(answer.headers.get('location')).toBe(`/api/tokens/${enc(token.id)}`);
    expect(token).toMatchObject({ tokenNumber: 1, position: 1, estimatedStart: '2026-01-30T09:00:00.000Z', requestedAt: '2026-01-30T07:00:00.000Z' });
    const details = await h.call('GET', answer.headers.get('location')!);
    expect(details.status).toBe(200);
    expect(expectDocumented(h, 'getToken', details)).toMatchObject({
      id: token.id,
      status: 'BOOKED',
      patient: { name: expect.any(String), phone: '9876543210' },
    });
    expectError(await h.call('GET', '/api/tokens/nope'), 404, 'TOKEN_NOT_FOUND');
  });

  it('chooses the earliest slot with room from date and after, and waitlists when the day is full', async () => {
    await doctorWithSlots(h, 'd1', [9, 10], 1);
    const first = await h.call('POST', '/api/tokens', { body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'A' }, date: DAY } });
    expect(tokenOf(first).slotId).toBe('d1-09');
    const after = await h.call('POST', '/api/tokens', {
      body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'B' }, after: '2026-01-30T15:30:00+05:30' },
    });
    expect(tokenOf(after).slotId).toBe('d1-10');
    const full = await h.call('POST', '/api/tokens', { body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'C' }, date: DAY } });
    expect(full.status).toBe(201);
    expect(expectDocumented(h, 'book', full)).toMatchObject({ outcome: 'WAITLISTED', token: { status: 'WAITLISTED', slotId: null } });
  });

  it('books emergencies through their own route: elastic place, then a bump that cascades', async () => {
    const [nine] = await doctorWithSlots(h, 'd1', [9, 10], 1, 1);
    const online = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! }));
    const elastic = await h.call('POST', '/api/tokens/emergency', { body: { doctorId: 'd1', patient: { name: 'E1' }, slotId: nine! } });
    expect(elastic.status).toBe(201);
    expect(expectDocumented(h, 'bookEmergency', elastic)).toMatchObject({ outcome: 'BOOKED', overflow: true, token: { category: 'EMERGENCY', rank: 1 } });
    const bump = await h.call('POST', '/api/tokens/emergency', { body: { doctorId: 'd1', patient: { name: 'E2' }, slotId: nine! } });
    const result = expectDocumented(h, 'bookEmergency', bump) as { effects: { type: string; tokenId: string; toSlotId?: string }[] };
    expect(result.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:cascaded']);
    expect(result.effects[1]).toMatchObject({ tokenId: online.id, toSlotId: 'd1-10' });
    expect((await h.opd.getToken(online.id)).slotId).toBe('d1-10');
    // The category is the route's: giving one is an unknown field.
    expectError(
      await h.call('POST', '/api/tokens/emergency', { body: { doctorId: 'd1', category: 'ONLINE', patient: { name: 'X' } } }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('replays a retried booking (body key or Idempotency-Key header) with 200 and refuses a reused key', async () => {
    await doctorWithSlots(h, 'd1', [9], 5);
    const body = { doctorId: 'd1', category: 'ONLINE', patient: { id: 'ABHA-7', name: 'Asha' } };
    const first = await h.call('POST', '/api/tokens', { body, headers: { 'idempotency-key': 'portal-7731' } });
    expect(first.status).toBe(201);
    const again = await h.call('POST', '/api/tokens', { body: { ...body, idempotencyKey: 'portal-7731' } });
    expect(again.status).toBe(200);
    expect(expectDocumented(h, 'book', again)).toMatchObject({ replayed: true, token: { id: tokenOf(first).id } });
    expectError(
      await h.call('POST', '/api/tokens', { body: { ...body, category: 'PAID' }, headers: { 'idempotency-key': 'portal-7731' } }),
      409,
      'IDEMPOTENCY_CONFLICT',
    );
    const differ = expectError(
      await h.call('POST', '/api/tokens', { body: { ...body, idempotencyKey: 'a' }, headers: { 'idempotency-key': 'b' } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(differ.details).toMatchObject({ field: 'idempotencyKey', in: 'header' });
    expect(((await h.call('GET', '/api/stats')).body as { tokens: number }).tokens).toBe(1);
  });

  it('refuses an empty or over-long Idempotency-Key header naming the header, and books nothing', async () => {
    await doctorWithSlots(h, 'd1', [9], 5);
    const body = { doctorId: 'd1', category: 'ONLINE', patient: { id: 'ABHA-8', name: 'Asha' } };
    for (const [path, sent] of [
      ['/api/tokens', body],
      ['/api/tokens/emergency', { doctorId: 'd1', patient: body.patient }],
    ] as const) {
      for (const key of ['', 'k'.repeat(201)]) {
        const error = expectError(await h.call('POST', path, { body: sent, headers: { 'idempotency-key': key } }), 400, 'VALIDATION_FAILED');
        expect(error.details, `${path} ${key.length}`).toMatchObject({ field: 'Idempotency-Key', in: 'header' });
        expect(error.message).toMatch(/^Invalid header `Idempotency-Key`: /);
      }
    }
    expect(((await h.call('GET', '/api/stats')).body as { tokens: number }).tokens).toBe(0);
  });

  it('refuses a second live token of a patient with the same doctor that day', async () => {
    await doctorWithSlots(h, 'd1', [9], 5);
    expect((await book(h, 'd1', 'ONLINE', { patientId: 'ABHA-1' })).status).toBe(201);
    const dup = expectError(await book(h, 'd1', 'WALK_IN', { patientId: 'ABHA-1' }), 409, 'DUPLICATE_BOOKING');
    expect(JSON.stringify(dup)).not.toContain('Patient ABHA-1');
  });
});

describe('the visit lifecycle', () => {
  it('checks in, starts, completes; cancels and promotes the waitlist', async () => {
    const [nine] = await doctorWithSlots(h, 'd1', [9], 1);
    const a = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! }));
    const waiting = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! }));
    expect(waiting.status).toBe('WAITLISTED');

    const waitlist = await h.call('GET', `/api/doctors/d1/waitlist?date=${DAY}`);
    expect(expectDocumented(h, 'getWaitlist', waitlist)).toMatchObject({ doctorId: 'd1', date: DAY, waitlist: [{ id: waiting.id }] });

    const cancel = await h.call('POST', `/api/tokens/${enc(a.id)}/cancel`, { body: { reason: 'patient called' } });
    expect(cancel.status).toBe(200);
    const result = expectDocumented(h, 'cancel', cancel) as { token: { status: string; cancelReason: string }; effects: { type: string; tokenId: string }[] };
    expect(result.token).toMatchObject({ status: 'CANCELLED', cancelReason: 'patient called' });
    expect(result.effects).toMatchObject([{ type: 'token:promoted', tokenId: waiting.id }]);

    for (const [step, status] of [
      ['check-in', 'CHECKED_IN'],
      ['start', 'IN_CONSULTATION'],
      ['complete', 'COMPLETED'],
    ] as const) {
      const answer = await h.call('POST', `/api/tokens/${enc(waiting.id)}/${step}`);
      expect(answer.status, answer.text).toBe(200);
      expect(
        (expectDocumented(h, step === 'check-in' ? 'checkIn' : step === 'start' ? 'startConsultation' : 'complete', answer) as { token: { status: string } })
          .token.status,
      ).toBe(status);
    }
    const again = expectError(await h.call('POST', `/api/tokens/${enc(waiting.id)}/complete`), 422, 'INVALID_TRANSITION');
    expect(again.details).toMatchObject({ tokenId: waiting.id });
    expectError(await h.call('POST', `/api/tokens/${enc(a.id)}/cancel`), 422, 'INVALID_TRANSITION');
    expectError(await h.call('POST', '/api/tokens/nope/check-in'), 404, 'TOKEN_NOT_FOUND');
    // Transitions take no body fields; an empty object is fine.
    expectError(await h.call('POST', `/api/tokens/${enc(waiting.id)}/start`, { body: { force: true } }), 400, 'VALIDATION_FAILED');
    expect((await h.call('POST', `/api/tokens/${enc(waiting.id)}/start`, { body: {} })).status).toBe(422);
  });

  it('marks no-shows once the slot started, and sweeps past the grace period', async () => {
    const [nine] = await doctorWithSlots(h, 'd1', [9], 2);
    const a = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! }));
    const b = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! }));
    const early = expectError(await h.call('POST', `/api/tokens/${enc(a.id)}/no-show`), 422, 'NOT_YET_DUE');
    expect(early.details).toMatchObject({ tokenId: a.id });
    h.clock.set(`${DAY}T09:05:00Z`);
    const noShow = await h.call('POST', `/api/tokens/${enc(a.id)}/no-show`);
    expect((expectDocumented(h, 'markNoShow', noShow) as { token: { status: string } }).token.status).toBe('NO_SHOW');

    h.clock.set(`${DAY}T09:20:00Z`);
    const none = await h.call('POST', '/api/sweep', { body: { now: `${DAY}T09:10:00Z` } });
    expect(expectDocumented(h, 'sweep', none)).toEqual({ dryRun: false, effects: [] });
    const swept = await h.call('POST', '/api/sweep', { body: { now: '2026-01-30T14:50:00+05:30' } });
    expect((swept.body as { effects: { type: string; tokenId: string; reason: string }[] }).effects).toMatchObject([
      { type: 'token:no-show', tokenId: b.id, reason: 'sweep' },
    ]);
    // Without a body, the sweep runs at the scheduler's clock; a `now` past it is refused.
    expect(expectDocumented(h, 'sweep', await h.call('POST', '/api/sweep'))).toEqual({ dryRun: false, effects: [] });
    expectError(await h.call('POST', '/api/sweep', { body: { now: '2099-01-30T09:00:00Z' } }), 400, 'VALIDATION_FAILED');
    expectError(await h.call('POST', '/api/sweep', { body: { now: 'yesterday' } }), 400, 'VALIDATION_FAILED');
  });
});

describe('weekly rotas and reopening', () => {
  it('adds a rota once: a repeated request creates nothing; overlaps and bad input are refused', async () => {
    await h.call('POST', '/api/doctors', { body: { id: 'd1', name: 'Dr One' } });
    const rota = { weekly: [{ weekday: 5, start: '13:00', end: '14:00', slotMinutes: 30, capacity: 2 }], from: DAY, to: '2026-02-06', except: ['2026-02-06'] };
    const created = await h.call('POST', '/api/doctors/d1/rota', { body: rota });
    expect(created.status).toBe(201);
    const { slots } = expectDocumented(h, 'addRecurringSlots', created) as { slots: { id: string; start: string }[] };
    expect(slots.map((s) => s.start)).toEqual([`${DAY}T13:00:00.000Z`, `${DAY}T13:30:00.000Z`]);
    const again = await h.call('POST', '/api/doctors/d1/rota', { body: rota });
    expect(expectDocumented(h, 'addRecurringSlots', again)).toEqual({ slots: [] });
    expectError(await h.call('POST', '/api/doctors/d1/rota', { body: { ...rota, weekly: [{ ...rota.weekly[0], slotMinutes: 60 }] } }), 409, 'SLOT_OVERLAP');
    const bad = expectError(
      await h.call('POST', '/api/doctors/d1/rota', { body: { ...rota, weekly: [{ ...rota.weekly[0], weekday: 8 }] } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(bad.details['field']).toBe('rota.weekly[0].weekday');
    expectError(await h.call('POST', '/api/doctors/nobody/rota', { body: rota }), 404, 'DOCTOR_NOT_FOUND');
  });

  it('reopens a closed slot and promotes into it; an open or ended slot is refused', async () => {
    const [nine] = await doctorWithSlots(h, 'd1', [9], 1);
    await h.call('POST', `/api/slots/${enc(nine!)}/close`);
    const waiting = tokenOf(await book(h, 'd1', 'WALK_IN', {}));
    expect(waiting.status).toBe('WAITLISTED');
    const reopened = await h.call('POST', `/api/slots/${enc(nine!)}/reopen`);
    expect(reopened.status).toBe(200);
    const body = expectDocumented(h, 'reopenSlot', reopened) as { dryRun: boolean; effects: { type: string; tokenId?: string }[] };
    expect(body).toMatchObject({
      dryRun: false,
      effects: [
        { type: 'slot:reopened', slotId: nine },
        { type: 'token:promoted', tokenId: waiting.id },
      ],
    });
    expectError(await h.call('POST', `/api/slots/${enc(nine!)}/reopen`), 400, 'VALIDATION_FAILED');
    await h.call('POST', `/api/slots/${enc(nine!)}/close`, { body: { reason: 'again' } });
    h.clock.set(`${DAY}T10:00:00Z`);
    expectError(await h.call('POST', `/api/slots/${enc(nine!)}/reopen`), 422, 'SLOT_ENDED');
    expectError(await h.call('POST', '/api/slots/nope/reopen'), 404, 'SLOT_NOT_FOUND');
  });
});

describe('a doctor’s leave', () => {
  it('previews a leave, changing nothing, then closes every slot of the range, each patient moved once', async () => {
    await doctorWithSlots(h, 'd1', [9, 10, 11], 2);
    const a = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: 'd1-09' }));
    const b = tokenOf(await book(h, 'd1', 'PAID', { slotId: 'd1-10' }));
    const leave = { from: `${DAY}T09:00:00Z`, to: `${DAY}T11:00:00Z`, reason: 'on leave' };
    const before = await h.call('GET', `/api/doctors/d1/schedule?date=${DAY}`);
    const preview = await h.call('POST', '/api/doctors/d1/leave', { body: { ...leave, dryRun: true } });
    expect(preview.status).toBe(200);
    const dry = expectDocumented(h, 'closeSlots', preview) as { dryRun: boolean; effects: { type: string; seq: number; tokenId?: string }[] };
    expect(dry.dryRun).toBe(true);
    expect(dry.effects.map((e) => [e.type, e.tokenId])).toEqual([
      ['slot:closed', undefined],
      ['slot:closed', undefined],
      ['token:cascaded', b.id],
      ['token:cascaded', a.id],
    ]);
    expect((await h.call('GET', `/api/doctors/d1/schedule?date=${DAY}`)).text).toBe(before.text);
    const real = expectDocumented(h, 'closeSlots', await h.call('POST', '/api/doctors/d1/leave', { body: leave })) as {
      dryRun: boolean;
      effects: { type: string }[];
    };
    expect(real.dryRun).toBe(false);
    expect(real.effects.map((e) => e.type)).toEqual(dry.effects.map((e) => e.type));
    expect((await h.opd.getToken(a.id)).slotId).toBe('d1-11');
    expect(expectDocumented(h, 'closeSlots', await h.call('POST', '/api/doctors/d1/leave?dryRun=true', { body: leave }))).toEqual({
      dryRun: true,
      effects: [],
    });
    const bad = expectError(await h.call('POST', '/api/doctors/d1/leave', { body: { ...leave, to: leave.from } }), 400, 'VALIDATION_FAILED');
    expect(bad.details['field']).toBe('leave.to');
    expectError(await h.call('POST', '/api/doctors/d1/leave', { body: { ...leave, reassign: 'hospital' } }), 400, 'VALIDATION_FAILED');
    expectError(await h.call('POST', '/api/doctors/nobody/leave', { body: leave }), 404, 'DOCTOR_NOT_FOUND');
  });
});

describe('closing slots and changing capacity', () => {
  it('previews a closure with ?dryRun=true, changing nothing, then closes for real', async () => {
    const [nine] = await doctorWithSlots(h, 'd1', [9, 10], 2);
    const a = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! }));
    const before = await h.call('GET', `/api/doctors/d1/schedule?date=${DAY}`);
    const preview = await h.call('POST', `/api/slots/${enc(nine!)}/close?dryRun=true`, { body: { reason: 'doctor left' } });
    expect(preview.status).toBe(200);
    const dry = expectDocumented(h, 'closeSlot', preview) as { dryRun: boolean; effects: { type: string; seq: number }[] };
    expect(dry.dryRun).toBe(true);
    expect(dry.effects.map((e) => e.type)).toEqual(['slot:closed', 'token:cascaded']);
    expect(dry.effects.every((e) => e.seq === 0)).toBe(true);
    expect((await h.call('GET', `/api/doctors/d1/schedule?date=${DAY}`)).text).toBe(before.text);

    const real = await h.call('POST', `/api/slots/${enc(nine!)}/close`, { body: { reason: 'doctor left' } });
    const closed = expectDocumented(h, 'closeSlot', real) as { dryRun: boolean; effects: { type: string }[] };
    expect(closed).toMatchObject({ dryRun: false });
    expect(closed.effects.map((e) => e.type)).toEqual(dry.effects.map((e) => e.type));
    expect((await h.opd.getToken(a.id)).slotId).toBe('d1-10');
    expectError(await h.call('POST', `/api/slots/${enc(nine!)}/close`), 422, 'SLOT_CLOSED');
    expectError(await book(h, 'd1', 'ONLINE', { slotId: nine! }), 422, 'SLOT_CLOSED');
    expectError(await h.call('POST', '/api/slots/nope/close'), 404, 'SLOT_NOT_FOUND');
  });

  it('previews and sets capacity; lowering below checked-in places is refused', async () => {
    const [nine] = await doctorWithSlots(h, 'd1', [9, 10], 2);
    const a = tokenOf(await book(h, 'd1', 'ONLINE', { slotId: nine! }));
    const b = tokenOf(await book(h, 'd1', 'WALK_IN', { slotId: nine! }));
    const preview = await h.call('PUT', `/api/slots/${enc(nine!)}/capacity?dryRun=true`, { body: { capacity: 1 } });
    const dry = expectDocumented(h, 'setCapacity', preview) as { dryRun: boolean; effects: { type: string; tokenId?: string }[] };
    expect(dry.dryRun).toBe(true);
    expect(dry.effects).toMatchObject([
      { type: 'slot:capacity-changed', previousCapacity: 2, capacity: 1 },
      { type: 'token:cascaded', tokenId: b.id },
    ]);
    expect((await h.opd.getSlot(nine!)).slot.capacity).toBe(2);

    await h.call('POST', `/api/tokens/${enc(a.id)}/check-in`);
    await h.call('POST', `/api/tokens/${enc(b.id)}/check-in`);
    expectError(await h.call('PUT', `/api/slots/${enc(nine!)}/capacity`, { body: { capacity: 1 } }), 400, 'VALIDATION_FAILED');
    const raised = await h.call('PUT', `/api/slots/${enc(nine!)}/capacity?dryRun=false`, { body: { capacity: 3 } });
    expect((expectDocumented(h, 'setCapacity', raised) as { dryRun: boolean }).dryRun).toBe(false);
    expect((await h.opd.getSlot(nine!)).slot.capacity).toBe(3);
    expectError(await h.call('PUT', `/api/slots/${enc(nine!)}/capacity`, { body: { capacity: 1.5 } }), 400, 'VALIDATION_FAILED');
    expectError(await h.call('PUT', `/api/slots/${enc(nine!)}/capacity`), 400, 'VALIDATION_FAILED');
    h.clock.set(`${DAY}T10:30:00Z`);
    expectError(await h.call('PUT', `/api/slots/${enc(nine!)}/capacity`, { body: { capacity: 4 } }), 422, 'SLOT_ENDED');
  });

  it('refuses a misspelt dryRun rather than running the real thing', async () => {
    const [nine] = await doctorWithSlots(h, 'd1', [9], 2);
    expect(expectError(await h.call('POST', `/api/slots/${enc(nine!)}/close?dryrun=true`), 400, 'VALIDATION_FAILED').details).toMatchObject({
      field: 'dryrun',
      in: 'query',
    });
    expectError(await h.call('POST', `/api/slots/${enc(nine!)}/close?dryRun=yes`), 400, 'VALIDATION_FAILED');
    expectError(await h.call('POST', `/api/slots/${enc(nine!)}/close?dryRun=true&dryRun=false`), 400, 'VALIDATION_FAILED');
    expect((await h.opd.getSlot(nine!)).slot.status).toBe('OPEN');
  });
});

describe('days, figures and history', () => {
  it("shows a doctor's day (today by default) and its waitlist", async () => {
    await doctorWithSlots(h, 'd1', [9, 10], 1);
    await book(h, 'd1', 'ONLINE');
    const today = await h.call('GET', '/api/doctors/d1/schedule');
    const day = expectDocumented(h, 'getSchedule', today) as { date: string; slots: { slot: { id: string }; places: unknown[] }[] };
    expect(day.date).toBe(DAY);
    expect(day.slots.map((s) => [s.slot.id, s.places.length])).toEqual([
      ['d1-09', 1],
      ['d1-10', 0],
    ]);
    const other = await h.call('GET', '/api/doctors/d1/schedule?date=2026-02-01');
    expect((other.body as { slots: unknown[] }).slots).toEqual([]);
    expect(expectDocumented(h, 'getWaitlist', await h.call('GET', '/api/doctors/d1/waitlist'))).toMatchObject({ date: DAY, waitlist: [] });
    expectError(await h.call('GET', '/api/doctors/d1/schedule?date=30-01-2026'), 400, 'VALIDATION_FAILED');
    expectError(await h.call('GET', '/api/doctors/nobody/schedule'), 404, 'DOCTOR_NOT_FOUND');
    expectError(await h.call('GET', '/api/doctors/nobody/waitlist'), 404, 'DOCTOR_NOT_FOUND');
  });

  it('reports statistics for everything, a doctor or a date', async () => {
    await doctorWithSlots(h, 'd1', [9], 2);
    await doctorWithSlots(h, 'd2', [9], 2);
    await book(h, 'd1', 'ONLINE');
    await book(h, 'd1', 'walk_in');
    await book(h, 'd2', 'PAID_PRIORITY');
    const all = expectDocumented(h, 'stats', await h.call('GET', '/api/stats')) as { tokens: number; byCategory: Record<string, number>; capacity: number };
    expect(all).toMatchObject({ tokens: 3, byCategory: { ONLINE: 1, WALK_IN: 1, PAID: 1 }, capacity: 4 });
    expect(((await h.call('GET', '/api/stats?doctorId=d1')).body as { tokens: number }).tokens).toBe(2);
    expect(((await h.call('GET', `/api/stats?doctorId=d2&date=${DAY}`)).body as { tokens: number }).tokens).toBe(1);
    expect(((await h.call('GET', '/api/stats?date=2026-02-02')).body as { tokens: number }).tokens).toBe(0);
    expectError(await h.call('GET', '/api/stats?doctorId=nobody'), 404, 'DOCTOR_NOT_FOUND');
    expectError(await h.call('GET', '/api/stats?day=2026-01-30'), 400, 'VALIDATION_FAILED');
    // The engine's `filter.date` is the client's query parameter `date`, in the details and the message.
    const badDate = expectError(await h.call('GET', '/api/stats?date=bad'), 400, 'VALIDATION_FAILED');
    expect(badDate.details).toMatchObject({ field: 'date', in: 'query' });
    expect(badDate.message).toMatch(/^Expected `date` /);
  });

  it('pages through the stored events', async () => {
    await doctorWithSlots(h, 'd1', [9], 5);
    for (let i = 0; i < 5; i++) await book(h, 'd1', 'ONLINE');
    const first = expectDocumented(h, 'history', await h.call('GET', '/api/history?limit=2')) as { events: { seq: number; type: string }[]; nextAfter: number };
    expect(first.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(first.nextAfter).toBe(2);
    const rest = (await h.call('GET', `/api/history?after=${first.nextAfter}`)).body as { events: { seq: number }[]; nextAfter: number };
    expect(rest.events.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect((await h.call('GET', `/api/history?after=${rest.nextAfter}`)).body as { events: unknown[]; nextAfter: number }).toEqual({
      events: [],
      nextAfter: 5,
    });
    expectError(await h.call('GET', '/api/history?limit=0'), 400, 'VALIDATION_FAILED');
    expectError(await h.call('GET', '/api/history?limit=1001'), 400, 'VALIDATION_FAILED');
    expectError(await h.call('GET', '/api/history?after=-1'), 400, 'VALIDATION_FAILED');
    expectError(await h.call('GET', '/api/history?after=1.5'), 400, 'VALIDATION_FAILED');
  });

  it('answers the health check', async () => {
    await h.close();
    h = await startHarness();
    const health = await h.call('GET', '/api/health');
    expect(health.status).toBe(200);
    expect(expectDocumented(h, 'health', health)).toMatchObject({ status: 'ok', storage: 'memory', timeZone: 'UTC', authRequired: false, eventStreams: 0 });
  });
});
