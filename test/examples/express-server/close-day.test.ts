/**
 * Closing a day over HTTP: `POST /api/doctors/:doctorId/days/:date/close` (a dry run first), its
 * answers as the OpenAPI document describes them, `DAY_NOT_OVER` as a problem, and tokens carried
 * to the next day on a server whose scheduler carries forward.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, book, doctorWithSlots, expectDocumented, expectError, startHarness, tokenOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const NEXT = '2026-01-31';

describe('POST /api/doctors/:doctorId/days/:date/close', () => {
  it('refuses a day not over, previews, closes, and answers nothing the second time', async () => {
    h = await startHarness();
    await doctorWithSlots(h, 'd1', [8], 1);
    await book(h, 'd1', 'ONLINE');
    const waiting = await book(h, 'd1', 'WALK_IN', { date: DAY });
    expect(tokenOf(waiting).status).toBe('WAITLISTED');
    const early = await h.call('POST', `/api/doctors/d1/days/${DAY}/close`);
    expect(expectError(early, 422, 'DAY_NOT_OVER').details).toMatchObject({ doctorId: 'd1', day: DAY, overAt: `${DAY}T09:00:00.000Z` });
    h.clock.set(`${DAY}T09:00:00Z`);
    const preview = await h.call('POST', `/api/doctors/d1/days/${DAY}/close?dryRun=true`);
    expect(preview.status, preview.text).toBe(200);
    expectDocumented(h, 'closeDay', preview);
    expect(await h.call('GET', `/api/tokens/${encodeURIComponent(tokenOf(waiting).id)}`)).toMatchObject({ body: { status: 'WAITLISTED' } });
    const closed = await h.call('POST', `/api/doctors/d1/days/${DAY}/close`);
    expect(closed.status, closed.text).toBe(200);
    const body = expectDocumented(h, 'closeDay', closed) as { dryRun: boolean; effects: { type: string; reason?: string; actor: string | null }[] };
    expect(body.dryRun).toBe(false);
    expect(body.effects.map((e) => [e.type, e.reason])).toEqual([
      ['token:expired', 'day-closed'],
      ['token:expired', 'day-closed'],
      ['day:closed', undefined],
    ]);
    expect((preview.body as { effects: unknown[] }).effects).toHaveLength(3);
    expect((await h.call('POST', `/api/doctors/d1/days/${DAY}/close`)).body).toEqual({ dryRun: false, effects: [] });
    expectError(await h.call('POST', '/api/doctors/d1/days/2026-02-30/close'), 400, 'VALIDATION_FAILED');
    expectError(await h.call('POST', `/api/doctors/nobody/days/${DAY}/close`), 404, 'DOCTOR_NOT_FOUND');
  });

  it('carries the waiting patients to the next day with a server that carries forward', async () => {
    h = await startHarness({ scheduler: { closeOut: { carryForward: true } } });
    await doctorWithSlots(h, 'd1', [8], 1);
    const next = await h.call('POST', '/api/doctors/d1/slots', {
      body: { slots: [{ id: 'd1-next', start: `${NEXT}T08:00:00Z`, end: `${NEXT}T09:00:00Z`, capacity: 0 }] },
    });
    expect(next.status, next.text).toBe(201);
    await book(h, 'd1', 'ONLINE');
    const waiting = await book(h, 'd1', 'WALK_IN', { date: DAY });
    h.clock.set(`${DAY}T09:00:00Z`);
    const closed = await h.call('POST', `/api/doctors/d1/days/${DAY}/close`);
    const body = expectDocumented(h, 'closeDay', closed) as { effects: { type: string; toDay?: string; toTokenId?: string; carried?: number }[] };
    expect(body.effects.map((e) => e.type)).toEqual(['token:carried', 'token:carried', 'day:closed']);
    const carried = body.effects.find((e) => e.type === 'token:carried' && e.toDay === NEXT)!;
    const token = await h.call('GET', `/api/tokens/${encodeURIComponent(carried.toTokenId!)}`);
    expect(token.body).toMatchObject({ day: NEXT, status: 'WAITLISTED' });
    expect((token.body as { carriedFrom?: string }).carriedFrom).toMatch(/~2026-01-30~/);
    expect(body.effects.at(-1)).toMatchObject({ carried: 2, toDay: NEXT });
    expect((await h.call('GET', `/api/tokens/${encodeURIComponent(tokenOf(waiting).id)}`)).body).toMatchObject({
      status: 'CANCELLED',
      cancelReason: 'carried',
    });
  });
});
