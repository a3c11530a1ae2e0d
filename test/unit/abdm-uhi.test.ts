/**
 * The UHI provider over the scheduler: search, select, init, confirm, status, cancel replayed
 * with payloads shaped like UHI's, every field of every answer checked; the 15-minute hold of
 * `init` by the clock; the check-in PIN; the UHI quota and the emergency guarantee.
 */
import fc from 'fast-check';
import { ChannelQuota, presets, type OpdEvent } from 'opd-scheduler';
import { UHI_STATES, UhiProvider, uhiChangeOf, uhiStateOf, type UhiChange } from 'opd-scheduler/abdm';
import { describe, expect, it } from 'vitest';
import { at, doctorWithSlots, expectInvalid, rejectsWith, request, scheduler } from '../helpers.js';

const SECRET = 'a-secret-of-the-hospital';
const PROVIDER = { providerId: 'hspa.example.org', providerUri: 'https://hspa.example.org/uhi', pinSecret: SECRET, fees: { d1: 500 }, hprIds: { d1: '71-4488-2215-3301' } };

function call(action: string, message: Record<string, unknown>, transaction = 'txn-1') {
  return {
    context: {
      domain: 'nic2004:85111',
      country: 'IND',
      city: 'std:080',
      action,
      core_version: '0.7.1',
      consumer_id: 'eua.example.org',
      consumer_uri: 'https://eua.example.org/uhi',
      transaction_id: transaction,
      message_id: `msg-${action}`,
      timestamp: at('07:00').toISOString(),
    },
    message,
  };
}

function answerContext(action: string, transaction = 'txn-1', timestamp = at('07:00').toISOString()) {
  return { ...call(action, {}, transaction).context, action: `on_${action}`, provider_id: PROVIDER.providerId, provider_uri: PROVIDER.providerUri, timestamp };
}

async function hospital(quota?: number, extra: Parameters<typeof scheduler>[0] = {}) {
  const made = scheduler({ ...presets.standard(), ...extra, ...(quota === undefined ? {} : { quota: new ChannelQuota({ ONLINE: { count: quota } }) }) });
  await doctorWithSlots(made.opd, 'd1', [9, 10], 2);
  await made.opd.updateDoctor('d1', { specialization: 'Cardiology', department: 'cardiology' });
  return { ...made, uhi: new UhiProvider(made.opd, PROVIDER) };
}

const fulfillment09 = (available: string) => ({
  id: 'd1-09',
  type: 'PhysicalConsultation',
  agent: { id: 'd1', name: 'Dr d1', tags: { '@abdm/gov/in/hpr_id': '71-4488-2215-3301', '@abdm/gov/in/speciality': 'Cardiology', '@abdm/gov/in/department': 'cardiology', '@abdm/gov/in/first_consultation': '500' } },
  start: { time: { timestamp: at('09:00').toISOString() } },
  end: { time: { timestamp: at('10:00').toISOString() } },
  tags: { '@abdm/gov/in/slots_available': available },
});
const item = (fulfillmentId: string) => ({ id: 'd1', descriptor: { name: 'Consultation (Cardiology)' }, price: { currency: 'INR', value: '500' }, fulfillment_id: fulfillmentId });
const customer = { id: 'asha@abdm', person: { name: 'Asha' } };

describe('UHI provider', () => {
  it('knows only the orders an init took: a booking of the same channel at the counter is no UHI order', async () => {
    const { opd, uhi } = await hospital();
    const portal = await opd.book(request('d1', 'ONLINE', { patientId: 'p-portal' }));
    await rejectsWith(uhi.status(call('status', { order_id: portal.token.id })), 'TOKEN_NOT_FOUND');
    await rejectsWith(uhi.cancel(call('cancel', { order_id: portal.token.id, cancellation_reason_id: 'P1' })), 'TOKEN_NOT_FOUND');
    const cancelled = await opd.cancel(portal.token.id);
    expect(cancelled.token.status).toBe('CANCELLED');
    const events = await opd.history();
    for (const event of events) expect(await uhi.pushOf(event)).toBeNull();
  });

  it('answers search, select, init, confirm, status and cancel, every field checked', async () => {
    const { opd, uhi } = await hospital();
    const search = await uhi.search(call('search', { intent: { item: { descriptor: { name: 'cardiology' } }, fulfillment: { type: 'PhysicalConsultation', start: { time: { timestamp: at('08:00').toISOString() } }, end: { time: { timestamp: at('12:00').toISOString() } } } } }));
    expect(search).toEqual({
      context: answerContext('search'),
      message: {
        catalog: {
          descriptor: { name: 'hspa.example.org' },
          items: [item('d1-09')],
          fulfillments: [fulfillment09('2'), { ...fulfillment09('2'), id: 'd1-10', start: { time: { timestamp: at('10:00').toISOString() } }, end: { time: { timestamp: at('11:00').toISOString() } } }],
        },
      },
    });
    const select = await uhi.select(call('select', { order: { item: { id: 'd1' }, fulfillment: { id: 'd1-09' } } }));
    expect(select).toEqual({ context: answerContext('select'), message: { order: { state: 'INITIATED', item: item('d1-09'), fulfillment: fulfillment09('2'), quote: { price: { currency: 'INR', value: '500' } } } } });

    const init = await uhi.init(call('init', { order: { item: { id: 'd1' }, fulfillment: { id: 'd1-09' }, customer } }));
    const orderId = init.message.order.id as string;
    const held = await opd.getToken(orderId);
    expect(held).toMatchObject({ status: 'HELD', category: 'ONLINE', slotId: 'd1-09', patient: { id: 'asha@abdm', name: 'Asha' }, holdExpiresAt: at('07:15') });
    expect(init).toEqual({ context: answerContext('init'), message: { order: { id: orderId, state: 'INITIATED', item: item('d1-09'), fulfillment: fulfillment09('0'), quote: { price: { currency: 'INR', value: '500' } }, holdExpiresAt: at('07:15').toISOString() } } });
    expect((await uhi.init(call('init', { order: { item: { id: 'd1' }, fulfillment: { id: 'd1-09' }, customer } }))).message.order.id).toBe(orderId);

    const confirm = await uhi.confirm(call('confirm', { order: { id: orderId } }));
    const booked = await opd.getToken(orderId);
    const pin = uhi.pinOf(booked);
    expect(pin).toMatch(/^\d{4}$/);
    const confirmed = {
      id: orderId,
      state: 'CONFIRMED',
      item: item('d1-09'),
      fulfillment: fulfillment09('0'),
      quote: { price: { currency: 'INR', value: '500' } },
      tokenNumber: booked.label,
      authorization: { type: 'PIN', token: pin, valid_from: booked.updatedAt.toISOString(), valid_to: at('10:00').toISOString(), status: 'GENERATED' },
    };
    expect(confirm).toEqual({ context: answerContext('confirm'), message: { order: confirmed } });
    expect((await uhi.confirm(call('confirm', { order: { id: orderId } }))).message.order).toEqual(confirmed);
    expect(await uhi.status(call('status', { order_id: orderId }))).toEqual({ context: answerContext('status'), message: { order: confirmed } });

    const cancel = await uhi.cancel(call('cancel', { order_id: orderId, cancellation_reason_id: 'P1' }));
    const { authorization: _pin, ...withoutPin } = confirmed;
    expect(cancel).toEqual({ context: answerContext('cancel'), message: { order: { ...withoutPin, state: 'CANCELLED', cancellation: { reason_id: 'P1', cancelled_by: 'PATIENT' } } } });
    expect(await opd.getToken(orderId)).toMatchObject({ status: 'CANCELLED', cancelReason: 'P1' });
    expect((await uhi.cancel(call('cancel', { order_id: orderId, cancellation_reason_id: 'P1' }))).message.order.state).toBe('CANCELLED');
  });

  it('refuses a bad payload with the field named and no patient value in the message, changing nothing', async () => {
    const { opd, uhi } = await hospital();
    await rejectsWith(uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer: { id: 42 } } })), 'VALIDATION_FAILED');
    const named = await rejectsWith(uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer: { id: 'asha@abdm', person: { name: 7 } } } })), 'VALIDATION_FAILED');
    expect(named.details.field).toBe('message.order.customer.person.name');
    expect(named.message).not.toContain('asha');
    await rejectsWith(uhi.search({ context: { ...call('search', {}).context, core_version: 1 }, message: {} }), 'VALIDATION_FAILED');
    await rejectsWith(uhi.init(call('search', { intent: {} })), 'VALIDATION_FAILED');
    await rejectsWith(uhi.cancel(call('cancel', { order_id: 'x' })), 'VALIDATION_FAILED');
    await rejectsWith(uhi.cancel(call('cancel', { order_id: 'x', cancellation_reason_id: 'P9' })), 'VALIDATION_FAILED');
    expect((await opd.availability({ doctorId: 'd1', category: 'WALK_IN', from: at('09:00'), to: at('11:00') })).map((s) => s.places)).toEqual([2, 2]);
    expectInvalid(() => new UhiProvider(opd, { ...PROVIDER, pinSecret: 'short' }), 'pinSecret');
    expectInvalid(() => new UhiProvider(opd, { ...PROVIDER, holdMinutes: 0 }), 'holdMinutes');
    expectInvalid(() => new UhiProvider(opd, { ...PROVIDER, hprIds: { d1: '' } }), 'hprIds');
  });

  it('frees the place of an unconfirmed init at 15 minutes, by the clock', async () => {
    const { opd, uhi, clock } = await hospital();
    await opd.setCapacity('d1-09', 1);
    const init = await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer } }));
    const id = init.message.order.id as string;
    clock.advance(14);
    await opd.sweep();
    expect((await opd.getToken(id)).status).toBe('HELD');
    clock.advance(1);
    await opd.sweep();
    expect((await opd.getToken(id)).status).not.toBe('HELD');
    const [slot] = await opd.availability({ doctorId: 'd1', category: 'ONLINE', from: at('09:00'), to: at('09:01') });
    expect(slot).toMatchObject({ available: true, places: 1 });
    await rejectsWith(uhi.confirm(call('confirm', { order: { id } })), 'INVALID_TRANSITION');
  });

  it('checks a patient in with the PIN, refuses a wrong one three times, and records an override with its actor', async () => {
    const { opd, uhi } = await hospital();
    const a = (await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer } }, 'a'))).message.order.id as string;
    await uhi.confirm(call('confirm', { order: { id: a } }, 'a'));
    const b = (await uhi.init(call('init', { order: { fulfillment: { id: 'd1-10' }, customer: { id: 'ravi@abdm' } } }, 'b'))).message.order.id as string;
    await uhi.confirm(call('confirm', { order: { id: b } }, 'b'));
    const pinA = uhi.pinOf(await opd.getToken(a));
    const wrong = pinA === '0000' ? '0001' : '0000';
    for (let i = 0; i < 3; i++) await rejectsWith(uhi.checkIn(a, { pin: wrong }), 'VALIDATION_FAILED');
    const locked = await rejectsWith(uhi.checkIn(a, { pin: pinA }), 'VALIDATION_FAILED');
    expect(locked.details.field).toBe('pin');
    expect((await opd.getToken(a)).status).toBe('BOOKED');
    // A second provider with the same secret (another process) derives the same PIN.
    const other = new UhiProvider(opd, PROVIDER);
    expect(other.pinOf(await opd.getToken(a))).toBe(pinA);
    expect((await other.checkIn(a, { pin: pinA })).token.status).toBe('CHECKED_IN');
    const result = await uhi.checkIn(b, { override: 'O1', actor: 'desk-1' });
    expect(result.token.status).toBe('CHECKED_IN');
    expect((await opd.history()).filter((e) => e.type === 'token:checked-in').map((e) => e.actor)).toEqual(['uhi', 'desk-1 override O1']);
  });
});

const base = { seq: 1, at: at('09:00'), facilityId: 'default', doctorId: 'd1', actor: null, tokenId: 't1', tokenNumber: 1, label: '1', day: '2026-01-30' } as const;

describe('UHI states and codes', () => {
  it('map every token status to a UHI state', () => {
    const table = {
      HELD: null,
      BOOKED: 'CONFIRMED',
      WAITLISTED: 'CONFIRMED',
      CHECKED_IN: 'APPOINTMENT_STARTED',
      IN_CONSULTATION: 'APPOINTMENT_STARTED',
      COMPLETED: 'COMPLETED',
      CANCELLED: 'CANCELLED',
      NO_SHOW: 'NO_SHOW',
      DROPPED: 'CANCELLED',
    } as const;
    for (const [status, state] of Object.entries(table)) expect([status, uhiStateOf(status as keyof typeof table)]).toEqual([status, state]);
    for (const state of Object.values(table)) if (state !== null) expect(UHI_STATES).toContain(state);
  });

  it('map every transition, leave, bump and displacement to an on_update state or an on_cancel D-code', () => {
    const rows: [OpdEvent, UhiChange | null][] = [
      [{ ...base, type: 'token:checked-in', slotId: 's' }, { action: 'on_update', tokenId: 't1', state: 'APPOINTMENT_STARTED' }],
      [{ ...base, type: 'token:called', slotId: 's', room: null, recall: false } as unknown as OpdEvent, { action: 'on_update', tokenId: 't1', state: 'APPOINTMENT_STARTED' }],
      [{ ...base, type: 'token:consultation-started', slotId: 's' }, { action: 'on_update', tokenId: 't1', state: 'APPOINTMENT_STARTED' }],
      [{ ...base, type: 'token:completed', slotId: 's' }, { action: 'on_update', tokenId: 't1', state: 'COMPLETED' }],
      [{ ...base, type: 'token:no-show', slotId: 's', reason: 'sweep' }, { action: 'on_update', tokenId: 't1', state: 'NO_SHOW' }],
      [{ ...base, type: 'token:no-show', slotId: 's', reason: 'manual' }, { action: 'on_update', tokenId: 't1', state: 'NO_SHOW' }],
      [{ ...base, type: 'token:confirmed', slotId: 's' }, { action: 'on_update', tokenId: 't1', state: 'CONFIRMED' }],
      [{ ...base, type: 'token:expired', slotId: 's', holdExpiresAt: at('09:15'), reason: 'hold-expired', fromStatus: 'HELD' }, { action: 'on_update', tokenId: 't1', state: 'FAILED' }],
      [{ ...base, type: 'token:expired', slotId: 's', holdExpiresAt: null, reason: 'day-closed', fromStatus: 'BOOKED' }, { action: 'on_update', tokenId: 't1', state: 'NO_SHOW' }],
      [{ ...base, type: 'token:bumped', slotId: 's2', fromSlotId: 's', byTokenId: 't2', rank: 4, byRank: 1, byCategory: 'EMERGENCY' }, null],
      [{ ...base, type: 'token:cascaded', slotId: 's2', fromSlotId: 's', toSlotId: 's2', reason: 'bumped' }, { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', code: 'D2', offerEarliest: true }],
      [{ ...base, type: 'token:cascaded', slotId: 's2', fromSlotId: 's', toSlotId: 's2', reason: 'slot-closed' }, { action: 'on_cancel', tokenId: 't1', state: 'DOCTOR_NO_SHOW', code: 'D1', offerEarliest: true }],
      [{ ...base, type: 'token:dropped', slotId: null, fromSlotId: 's', reason: 'slot-closed' }, { action: 'on_cancel', tokenId: 't1', state: 'DOCTOR_NO_SHOW', code: 'D1', offerEarliest: true }],
      [{ ...base, type: 'token:dropped', slotId: null, fromSlotId: 's', reason: 'capacity-lowered' }, { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', code: 'D3', offerEarliest: true }],
      [{ ...base, type: 'token:waitlisted', slotId: null, waitingForSlotId: null, fromSlotId: 's', reason: 'bumped', rank: 4, fullSlotId: null, quota: null }, { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', code: 'D2', offerEarliest: true }],
      [{ ...base, type: 'token:waitlisted', slotId: null, waitingForSlotId: null, fromSlotId: null, reason: 'full', rank: 4, fullSlotId: 's', quota: null }, null],
      [{ ...base, type: 'token:cancelled', slotId: 's', reason: 'P3' }, { action: 'on_update', tokenId: 't1', state: 'CANCELLED' }],
      [{ ...base, type: 'token:cancelled', slotId: 's', reason: 'D5' }, { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', code: 'D5', offerEarliest: false }],
      [{ ...base, type: 'token:cancelled', slotId: 's', reason: 'D2' }, { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', code: 'D2', offerEarliest: true }],
      [{ ...base, type: 'token:cancelled', slotId: 's', reason: null }, { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', code: 'D4', offerEarliest: false }],
      [{ ...base, type: 'token:booked', slotId: 's', category: 'ONLINE', rank: 4, overflow: false, rule: 'free-place', fullSlotId: null, quota: null, bumpedTokenId: null, bumpedRank: null }, null],
    ];
    for (const [event, change] of rows) expect([event.type, uhiChangeOf(event)]).toEqual([event.type, change]);
  });

  it('tells a UHI patient bumped by an emergency D2 with the earliest place, and one whose doctor left D1', async () => {
    const { opd, uhi } = await hospital(undefined, { defaultOverflowCapacity: 0 });
    await opd.setCapacity('d1-09', 1);
    const id = (await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer } }))).message.order.id as string;
    await uhi.confirm(call('confirm', { order: { id } }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.token.slotId).toBe('d1-09');
    expect(emergency.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:cascaded']);
    const pushes = (await Promise.all(emergency.effects.map((e) => uhi.pushOf(e)))).filter((p) => p !== null);
    expect(pushes).toEqual([
      {
        action: 'on_cancel',
        message: { order: { id, state: 'CANCELLED', cancellation: { reason_id: 'D2', cancelled_by: 'PROVIDER' }, offer: { ...fulfillment09('0'), id: 'd1-10', start: { time: { timestamp: at('10:00').toISOString() } }, end: { time: { timestamp: at('11:00').toISOString() } }, tags: { '@abdm/gov/in/slots_available': '1' } } } },
      },
    ]);
    // The emergency's own events are no UHI order's.
    expect(await uhi.pushOf((await opd.checkIn(emergency.token.id)).token && (await opd.history()).at(-1)!)).toBeNull();
    const leave = await opd.closeSlots('d1', { from: at('10:00'), to: at('12:00'), reason: 'leave' });
    const codes = (await Promise.all(leave.map((e) => uhi.pushOf(e)))).filter((p) => p !== null).map((p) => [p.action, p.message.order.state, p.message.order.cancellation?.reason_id]);
    expect(codes).toEqual([['on_cancel', 'DOCTOR_NO_SHOW', 'D1']]);
  });

  it('admits at most q UHI bookings under a UHI quota of q, and an emergency at the counter still gets its place', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }), async (q, tries, confirmed) => {
        const { opd, uhi } = await hospital(q);
        await opd.setCapacity('d1-09', 4);
        let admitted = 0;
        for (let i = 0; i < tries; i++) {
          try {
            const id = (await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer: { id: `p${i}@abdm` } } }, `t${i}`))).message.order.id as string;
            if (i < confirmed) await uhi.confirm(call('confirm', { order: { id } }, `t${i}`));
            admitted++;
          } catch (error) {
            expect((error as { code: string }).code).toBe('SLOT_FULL');
          }
        }
        const online = (await Promise.all((await opd.history()).filter((e) => e.type === 'token:held').map((e) => opd.getToken((e as { tokenId: string }).tokenId)))).filter((t) => t.slotId === 'd1-09');
        expect(admitted).toBe(Math.min(q, tries));
        expect(online.length).toBeLessThanOrEqual(q);
        const search = await uhi.search(call('search', { intent: { fulfillment: { start: { time: { timestamp: at('09:00').toISOString() } }, end: { time: { timestamp: at('09:30').toISOString() } } } } }));
        expect(search.message.catalog.fulfillments.map((f) => f.id)).toEqual(admitted < q ? ['d1-09'] : []);
        const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
        expect(emergency.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
      }),
      { numRuns: 40 },
    );
  });
});
