/**
 * The UHI provider over the scheduler: search, select, init, confirm, status, cancel replayed
 * with payloads shaped like UHI's, every field of every answer checked; the 15-minute hold of
 * `init` by the clock; the check-in PIN; the UHI quota and the emergency guarantee.
 */
import fc from 'fast-check';
import { ChannelQuota, presets, type OpdEvent } from 'opd-scheduler';
import { UHI_STATES, UHI_TERM_TYPES, UhiProvider, uhiChangeOf, uhiStateOf, type UhiChange } from 'opd-scheduler/abdm';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, expectInvalid, rejectsWith, request, scheduler } from '../helpers.js';

const SECRET = 'a-secret-of-the-hospital';
const PROVIDER = {
  providerId: 'hspa.example.org',
  providerUri: 'https://hspa.example.org/uhi',
  pinSecret: SECRET,
  fees: { d1: 500 },
  doctors: { d1: { hprId: '71-4488-2215-3301', hprAddress: 'asha.rao@hpr.ndhm', gender: 'F' as const } },
  facility: { id: '1', name: 'City OPD', hfrId: 'IN2910000074', hipId: 'IN2910000123' },
};

function call(action: string, message: Record<string, unknown>, transaction = 'txn-1', consumer = 'eua.example.org') {
  return {
    context: {
      domain: 'nic2004:85111',
      action,
      consumer_id: consumer,
      provider_id: PROVIDER.providerId,
      provider_uri: PROVIDER.providerUri,
      transaction_id: transaction,
      message_id: `msg-${action}`,
      timestamp: at('07:00').toISOString(),
    },
    message,
  };
}

function answerContext(action: string, transaction = 'txn-1', timestamp = at('07:00').toISOString()) {
  return { ...call(action, {}, transaction).context, action: `on_${action}`, timestamp };
}

async function hospital(quota?: number, extra: Parameters<typeof scheduler>[0] = {}) {
  const made = scheduler({ ...presets.standard(), ...extra, ...(quota === undefined ? {} : { quota: new ChannelQuota({ ONLINE: { count: quota } }) }) });
  await doctorWithSlots(made.opd, 'd1', [9, 10], 2);
  await made.opd.updateDoctor('d1', { specialization: 'Cardiology', department: 'cardiology' });
  return { ...made, uhi: new UhiProvider(made.opd, PROVIDER) };
}

/** Local wall times of the facility (the scheduler's zone is UTC here). */
const local = (hhmm: string) => `${DAY}T${hhmm}:00`;
const agent = {
  id: 'asha.rao@hpr.ndhm',
  name: 'Dr d1',
  gender: 'F',
  tags: { '@abdm/gov.in/hpr_id': '71-4488-2215-3301', '@abdm/gov.in/hfr_id': 'IN2910000074', '@abdm/gov.in/hip_id': 'IN2910000123' },
};
const fulfillment = (slot: '09' | '10', tags?: Record<string, string>) => ({
  id: `d1-${slot}`,
  type: 'Physical',
  agent,
  start: { time: { timestamp: local(`${slot}:00`) } },
  end: { time: { timestamp: local(`${Number(slot) + 1}:00`) } },
  ...(tags === undefined ? {} : { tags }),
});
const price = { currency: 'INR', value: '500.0' };
const item = (fulfillmentId: string) => ({
  id: 'd1',
  descriptor: { name: 'Consultation', code: 'CONSULTATION' },
  price,
  category_id: 'CARDIOLOGY',
  fulfillment_id: fulfillmentId,
});
const categories = [
  { id: 'CARDIOLOGY', parent_category_id: 'ALLOPATHY', descriptor: { name: 'Cardiology', code: 'CARDIOLOGY' } },
  { id: 'ALLOPATHY', descriptor: { name: 'Allopathy', code: 'ALLOPATHY' } },
];
const payment = { type: 'ON-ORDER', status: 'NOT_PAID', params: { amount: '500.0' } };
const quote = { price, breakup: [{ title: 'Consultation', price }] };
const customer = { id: 'asha@abdm', person: { name: 'Asha' } };
const terms = (state: 'INITIATED' | 'AGREED') =>
  UHI_TERM_TYPES.map((type) => ({
    type,
    descriptor: expect.objectContaining({ name: expect.any(String) }),
    reasonRequired: type === 'Cancellation',
    timePeriod: local('09:00'),
    reason: '',
    termsState: state,
  }));
const agreed = UHI_TERM_TYPES.map((type) => ({ type, termsState: 'AGREED' }));
const cancelBy = (id: string, by: 'patient' | 'doctor', code?: string) => ({
  order: {
    id,
    state: 'CANCELLED',
    fulfillment: { tags: { '@abdm/gov.in/cancelledby': by, ...(code === undefined ? {} : { '@abdm/gov.in/cancel_reason': code }) } },
  },
});

describe('UHI provider', () => {
  it('knows only the orders an init took: a booking of the same channel at the counter is no UHI order', async () => {
    const { opd, uhi } = await hospital();
    const portal = await opd.book(request('d1', 'ONLINE', { patientId: 'p-portal' }));
    await rejectsWith(uhi.status(call('status', { order: { id: portal.token.id } })), 'TOKEN_NOT_FOUND');
    await rejectsWith(uhi.cancel(call('cancel', cancelBy(portal.token.id, 'patient', 'P1'))), 'TOKEN_NOT_FOUND');
    const cancelled = await opd.cancel(portal.token.id);
    expect(cancelled.token.status).toBe('CANCELLED');
    const events = await opd.history();
    for (const event of events) expect(await uhi.pushOf(event)).toBeNull();
  });

  it('answers search, select, init, confirm, status and cancel in NHA v2.0 shape, every field checked', async () => {
    const { opd, uhi } = await hospital();
    // NHA's first search: "Consultation" is the service, not a speciality; the second names the doctor by HPR address.
    const first = await uhi.search(
      call('search', {
        intent: {
          item: { descriptor: { name: 'Consultation', code: 'Consultation' } },
          fulfillment: { type: 'Physical', start: { time: { timestamp: local('08:00') } }, end: { time: { timestamp: local('12:00') } } },
        },
      }),
    );
    const catalogue = {
      descriptor: { name: 'City OPD' },
      providers: [
        { id: '1', descriptor: { name: 'City OPD' }, categories, fulfillments: [fulfillment('09'), fulfillment('10')], items: [item('d1-09'), item('d1-10')] },
      ],
    };
    expect(first).toEqual({ context: answerContext('search'), message: { catalog: catalogue } });
    const second = await uhi.search(
      call('search', {
        intent: {
          provider: { id: '1' },
          fulfillment: {
            type: 'Physical',
            agent: { id: 'asha.rao@hpr.ndhm' },
            start: { time: { timestamp: local('08:00') } },
            end: { time: { timestamp: local('12:00') } },
          },
        },
      }),
    );
    expect(second.message.catalog).toEqual(catalogue);
    for (const other of [{ fulfillment: { type: 'Online' } }, { provider: { id: '2' } }, { fulfillment: { agent: { id: 'someone@hpr.ndhm' } } }])
      expect((await uhi.search(call('search', { intent: other }))).message.catalog.providers).toEqual([]);

    const select = await uhi.select(call('select', { order: { item: { id: 'd1' }, fulfillment: { id: 'd1-09' } } }));
    expect(select).toEqual({
      context: answerContext('select'),
      message: { order: { provider: { id: '1' }, item: item('d1-09'), fulfillment: fulfillment('09'), quote, payment } },
    });

    const init = await uhi.init(
      call('init', { order: { provider: { id: '1' }, item: item('d1-09'), fulfillment: { id: 'd1-09', type: 'Physical' }, customer } }),
    );
    const orderId = init.message.order.id as string;
    const held = await opd.getToken(orderId);
    expect(held).toMatchObject({ status: 'HELD', category: 'ONLINE', slotId: 'd1-09', patient: { id: 'asha@abdm', name: 'Asha' }, holdExpiresAt: at('07:15') });
    expect(init).toEqual({
      context: answerContext('init'),
      message: {
        order: {
          id: orderId,
          provider: { id: '1' },
          item: item('d1-09'),
          fulfillment: fulfillment('09', { '@abdm/gov.in/slot_id': 'd1-09' }),
          terms: terms('INITIATED'),
          quote,
          payment,
        },
      },
    });
    expect(init.message.order).not.toHaveProperty('state');
    expect((await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer } }))).message.order.id).toBe(orderId);

    const confirm = await uhi.confirm(call('confirm', { order: { id: orderId, terms: agreed, customer: { id: 'asha@abdm' } } }));
    const booked = await opd.getToken(orderId);
    const pin = uhi.pinOf(booked);
    expect(pin).toMatch(/^\d{4}$/);
    const authorization = { type: 'PIN', token: pin, valid_from: local('00:00'), valid_to: `${DAY}T23:59:00`, status: 'GENERATED' };
    const confirmedFulfillment = fulfillment('09', {
      '@abdm/gov.in/slot_id': 'd1-09',
      '@abdm/gov.in/messaging_support': 'false',
      '@abdm/gov.in/deep_link': '',
      '@abdm/gov.in/helpline_number': '',
      '@abdm/gov.in/chatbot_link': '',
    });
    expect(confirm).toEqual({
      context: answerContext('confirm'),
      message: {
        order: {
          id: orderId,
          provider: { id: '1', descriptor: { name: 'City OPD' }, categories },
          state: 'CONFIRMED',
          item: item('d1-09'),
          fulfillment: confirmedFulfillment,
          quote,
          payment,
          terms: terms('AGREED'),
          authorization,
          customer: { id: 'asha@abdm' },
        },
      },
    });
    const standing = { id: orderId, provider: { id: '1' }, state: 'CONFIRMED', item: item('d1-09'), fulfillment: fulfillment('09'), payment, authorization };
    expect(await uhi.status(call('status', { order: { id: orderId } }))).toEqual({ context: answerContext('status'), message: { order: standing } });

    const cancel = await uhi.cancel(call('cancel', cancelBy(orderId, 'patient', 'P1')));
    expect(cancel).toEqual({
      context: answerContext('cancel'),
      message: {
        order: {
          ...standing,
          state: 'CANCELLED',
          fulfillment: fulfillment('09', { '@abdm/gov.in/cancelledby': 'patient', '@abdm/gov.in/cancel_reason': 'P1' }),
        },
      },
    });
    expect(await opd.getToken(orderId)).toMatchObject({ status: 'CANCELLED', cancelReason: 'P1' });
    expect((await uhi.cancel(call('cancel', cancelBy(orderId, 'patient')))).message.order.state).toBe('CANCELLED');
  });

  it('refuses a confirm whose terms are not all agreed, booking nothing', async () => {
    const { opd, uhi } = await hospital();
    const id = (await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer } }))).message.order.id as string;
    for (const bad of [
      agreed.map((t) => (t.type === 'Refund' ? { ...t, termsState: 'INITIATED' } : t)),
      agreed.filter((t) => t.type !== 'Payment'),
      'AGREED',
    ]) {
      const error = await rejectsWith(uhi.confirm(call('confirm', { order: { id, terms: bad } })), 'VALIDATION_FAILED');
      expect(error.details.field).toBe('message.order.terms');
      expect((await opd.getToken(id)).status).toBe('HELD');
    }
    expect((await uhi.confirm(call('confirm', { order: { id, terms: agreed } }))).message.order.state).toBe('CONFIRMED');
  });

  it('moves the PIN from GENERATED to VERIFIED on a PIN check-in, and to HSPA_OVERRIDE on an override', async () => {
    const { opd, uhi } = await hospital();
    const order = async (transaction: string, slot: string, patient: string) => {
      const id = (await uhi.init(call('init', { order: { fulfillment: { id: slot }, customer: { id: patient } } }, transaction))).message.order.id as string;
      await uhi.confirm(call('confirm', { order: { id, terms: agreed } }, transaction));
      return id;
    };
    const a = await order('a', 'd1-09', 'asha@abdm');
    const b = await order('b', 'd1-10', 'ravi@abdm');
    const pinStatus = async (id: string, transaction: string) =>
      (await uhi.status(call('status', { order: { id } }, transaction))).message.order.authorization?.status;
    expect(await pinStatus(a, 'a')).toBe('GENERATED');
    const verified = await uhi.checkIn(a, { pin: uhi.pinOf(await opd.getToken(a)) });
    expect(await pinStatus(a, 'a')).toBe('VERIFIED');
    expect(verified.token.status).toBe('CHECKED_IN');
    const push = await uhi.pushOf((await opd.history()).filter((e) => e.type === 'token:checked-in').at(-1)!);
    expect(push).toMatchObject({
      action: 'on_update',
      context: { action: 'on_update', transaction_id: 'a', consumer_id: 'eua.example.org', provider_id: PROVIDER.providerId },
      message: { order: { id: a, state: 'APPOINTMENT_STARTED', authorization: { status: 'VERIFIED' } } },
    });
    await uhi.checkIn(b, { override: 'O4', actor: 'desk-2' });
    expect(await pinStatus(b, 'b')).toBe('HSPA_OVERRIDE');
  });

  it("reads the patient app's DOCTOR_NO_SHOW and pushes nothing back for it", async () => {
    const { opd, uhi } = await hospital();
    const id = (await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer } }))).message.order.id as string;
    await uhi.confirm(call('confirm', { order: { id } }));
    await rejectsWith(uhi.onUpdate(call('on_update', { order: { id, state: 'CANCELLED' } })), 'VALIDATION_FAILED');
    await rejectsWith(uhi.onUpdate(call('on_update', { order: { id, state: 'DOCTOR_NO_SHOW' } }, 'txn-other')), 'TOKEN_NOT_FOUND');
    const answer = await uhi.onUpdate(call('on_update', { order: { id, state: 'DOCTOR_NO_SHOW' } }));
    expect(answer.order.state).toBe('DOCTOR_NO_SHOW');
    expect((await opd.getToken(id)).status).toBe('CANCELLED');
    for (const event of await opd.history())
      if ('tokenId' in event && event.tokenId === id && event.type === 'token:cancelled') expect(await uhi.pushOf(event)).toBeNull();
  });

  it('refuses a bad payload with the field named and no patient value in the message, changing nothing', async () => {
    const { opd, uhi } = await hospital();
    await rejectsWith(uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer: { id: 42 } } })), 'VALIDATION_FAILED');
    const named = await rejectsWith(
      uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer: { id: 'asha@abdm', person: { name: 7 } } } })),
      'VALIDATION_FAILED',
    );
    expect(named.details.field).toBe('message.order.customer.person.name');
    expect(named.message).not.toContain('asha');
    await rejectsWith(uhi.search({ context: { ...call('search', {}).context, core_version: 1 }, message: {} }), 'VALIDATION_FAILED');
    await rejectsWith(uhi.init(call('search', { intent: {} })), 'VALIDATION_FAILED');
    await rejectsWith(uhi.cancel(call('cancel', { order: { id: 'x', state: 'CONFIRMED' } })), 'VALIDATION_FAILED');
    await rejectsWith(uhi.cancel(call('cancel', cancelBy('x', 'patient', 'P9'))), 'VALIDATION_FAILED');
    await rejectsWith(uhi.cancel(call('cancel', cancelBy('x', 'patient', 'D2'))), 'VALIDATION_FAILED');
    expect((await opd.availability({ doctorId: 'd1', category: 'WALK_IN', from: at('09:00'), to: at('11:00') })).map((s) => s.places)).toEqual([2, 2]);
    expectInvalid(() => new UhiProvider(opd, { ...PROVIDER, pinSecret: 'short' }), 'pinSecret');
    expectInvalid(() => new UhiProvider(opd, { ...PROVIDER, holdMinutes: 0 }), 'holdMinutes');
    expectInvalid(() => new UhiProvider(opd, { ...PROVIDER, hprIds: { d1: '' } }), 'hprIds');
    expectInvalid(() => new UhiProvider(opd, { ...PROVIDER, doctors: { d1: { hprAddress: 'a@hpr.ndhm' }, d2: { hprAddress: 'A@hpr.ndhm' } } }), 'doctors');
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
    // The same init again (a lost answer retried) is not answered as a place still held.
    await rejectsWith(uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer } })), 'INVALID_TRANSITION');
    expect((await uhi.status(call('status', { order: { id } }))).message.order.state).toBe('CANCELLED');
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

const base = {
  seq: 1,
  at: at('09:00'),
  facilityId: 'default',
  doctorId: 'd1',
  actor: null,
  tokenId: 't1',
  tokenNumber: 1,
  label: '1',
  day: '2026-01-30',
} as const;

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
      [
        { ...base, type: 'token:checked-in', slotId: 's' },
        { action: 'on_update', tokenId: 't1', state: 'APPOINTMENT_STARTED' },
      ],
      [
        { ...base, type: 'token:called', slotId: 's', room: null, recall: false } as unknown as OpdEvent,
        { action: 'on_update', tokenId: 't1', state: 'APPOINTMENT_STARTED' },
      ],
      [
        { ...base, type: 'token:consultation-started', slotId: 's' },
        { action: 'on_update', tokenId: 't1', state: 'APPOINTMENT_STARTED' },
      ],
      [
        { ...base, type: 'token:completed', slotId: 's' },
        { action: 'on_update', tokenId: 't1', state: 'COMPLETED' },
      ],
      [
        { ...base, type: 'token:no-show', slotId: 's', reason: 'sweep' },
        { action: 'on_update', tokenId: 't1', state: 'NO_SHOW' },
      ],
      [
        { ...base, type: 'token:no-show', slotId: 's', reason: 'manual' },
        { action: 'on_update', tokenId: 't1', state: 'NO_SHOW' },
      ],
      [
        { ...base, type: 'token:confirmed', slotId: 's' },
        { action: 'on_update', tokenId: 't1', state: 'CONFIRMED' },
      ],
      [
        { ...base, type: 'token:expired', slotId: 's', holdExpiresAt: at('09:15'), reason: 'hold-expired', fromStatus: 'HELD' },
        { action: 'on_update', tokenId: 't1', state: 'FAILED' },
      ],
      [
        { ...base, type: 'token:expired', slotId: 's', holdExpiresAt: null, reason: 'day-closed', fromStatus: 'BOOKED' },
        { action: 'on_update', tokenId: 't1', state: 'NO_SHOW' },
      ],
      [{ ...base, type: 'token:bumped', slotId: 's2', fromSlotId: 's', byTokenId: 't2', rank: 4, byRank: 1, byCategory: 'EMERGENCY' }, null],
      [
        { ...base, type: 'token:cascaded', slotId: 's2', fromSlotId: 's', toSlotId: 's2', reason: 'bumped' },
        { action: 'on_update', tokenId: 't1', state: 'CONFIRMED' },
      ],
      [
        { ...base, type: 'token:cascaded', slotId: 's2', fromSlotId: 's', toSlotId: 's2', reason: 'slot-closed' },
        { action: 'on_update', tokenId: 't1', state: 'CONFIRMED' },
      ],
      [
        { ...base, type: 'token:dropped', slotId: null, fromSlotId: 's', reason: 'slot-closed' },
        { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', cancelledBy: 'doctor', code: 'D2', offerEarliest: true },
      ],
      [
        { ...base, type: 'token:dropped', slotId: null, fromSlotId: 's', reason: 'capacity-lowered' },
        { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', cancelledBy: 'doctor', code: 'D3', offerEarliest: true },
      ],
      [
        { ...base, type: 'token:waitlisted', slotId: null, waitingForSlotId: null, fromSlotId: 's', reason: 'bumped', rank: 4, fullSlotId: null, quota: null },
        { action: 'on_update', tokenId: 't1', state: 'CONFIRMED' },
      ],
      [
        { ...base, type: 'token:waitlisted', slotId: null, waitingForSlotId: null, fromSlotId: null, reason: 'full', rank: 4, fullSlotId: 's', quota: null },
        null,
      ],
      [
        { ...base, type: 'token:cancelled', slotId: 's', reason: 'P3' },
        { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', cancelledBy: 'patient', code: 'P3', offerEarliest: false },
      ],
      [{ ...base, type: 'token:cancelled', slotId: 's', reason: 'DOCTOR_NO_SHOW' }, null],
      [
        { ...base, type: 'token:promoted', slotId: 's', fromSlotId: null },
        { action: 'on_update', tokenId: 't1', state: 'CONFIRMED' },
      ],
      [
        { ...base, type: 'token:released', slotId: 's', reason: 'emergency', byTokenId: 't2' },
        { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', cancelledBy: 'doctor', code: 'D2', offerEarliest: true },
      ],
      [{ ...base, type: 'token:released', slotId: 's', reason: 'released' }, null],
      [
        { ...base, type: 'token:cancelled', slotId: 's', reason: 'D5' },
        { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', cancelledBy: 'doctor', code: 'D5', offerEarliest: false },
      ],
      [
        { ...base, type: 'token:cancelled', slotId: 's', reason: 'D2' },
        { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', cancelledBy: 'doctor', code: 'D2', offerEarliest: true },
      ],
      [
        { ...base, type: 'token:cancelled', slotId: 's', reason: null },
        { action: 'on_cancel', tokenId: 't1', state: 'CANCELLED', cancelledBy: 'doctor', code: 'D4', offerEarliest: false },
      ],
      [
        {
          ...base,
          type: 'token:booked',
          slotId: 's',
          category: 'ONLINE',
          rank: 4,
          overflow: false,
          rule: 'free-place',
          fullSlotId: null,
          quota: null,
          bumpedTokenId: null,
          bumpedRank: null,
        },
        null,
      ],
    ];
    for (const [event, change] of rows) expect([event.type, uhiChangeOf(event)]).toEqual([event.type, change]);
  });

  it('never pushes on_cancel for an order that still stands: a bumped order moved to another place is told its new place; one with nowhere left is cancelled D2 with the earliest place', async () => {
    const { opd, uhi } = await hospital(undefined, { defaultOverflowCapacity: 0 });
    await opd.setCapacity('d1-09', 1);
    const id = (await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer } }))).message.order.id as string;
    await uhi.confirm(call('confirm', { order: { id } }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.token.slotId).toBe('d1-09');
    expect(emergency.effects.map((e) => e.type)).toEqual(['token:bumped', 'token:cascaded']);
    expect((await opd.getToken(id)).status).toBe('BOOKED');
    const pushes = (await Promise.all(emergency.effects.map((e) => uhi.pushOf(e)))).filter((p) => p !== null);
    expect(pushes.map((p) => [p.action, p.message.order.state, p.message.order.fulfillment?.id])).toEqual([['on_update', 'CONFIRMED', 'd1-10']]);
    expect(pushes[0]?.message.order.authorization?.status).toBe('GENERATED');
    // The emergency's own events are no UHI order's.
    expect(await uhi.pushOf((await opd.checkIn(emergency.token.id)).token && (await opd.history()).at(-1)!)).toBeNull();
    await doctorWithSlots(opd, 'd2', [11], 1);
    await opd.addSlots('d1', [{ id: 'd1-13', start: at('13:00'), end: at('14:00'), capacity: 1 }]);
    const leave = await opd.closeSlots('d1', { from: at('10:00'), to: at('12:00'), reason: 'leave' });
    const told = (await Promise.all(leave.map((e) => uhi.pushOf(e)))).filter((p) => p !== null);
    expect(await opd.getToken(id)).toMatchObject({ status: 'BOOKED', slotId: 'd1-13' });
    expect(told.map((p) => [p.action, p.message.order.state, p.message.order.fulfillment?.id])).toEqual([['on_update', 'CONFIRMED', 'd1-13']]);
    // Cancelled by the facility for the doctor (D2): an on_cancel, cancelled by the doctor, with the earliest place offered.
    await opd.addSlots('d1', [{ id: 'd1-15', start: at('15:00'), end: at('16:00'), capacity: 1 }]);
    expect((await opd.cancel(id, { reason: 'D2', actor: 'desk-1' })).token.status).toBe('CANCELLED');
    const push = await uhi.pushOf((await opd.history()).filter((e) => e.type === 'token:cancelled').at(-1)!);
    expect(push?.action).toBe('on_cancel');
    expect(push?.cancellation).toEqual({ code: 'D2', cancelledBy: 'doctor' });
    expect(push?.message.order).toMatchObject({
      id,
      state: 'CANCELLED',
      fulfillment: { id: 'd1-13', tags: { '@abdm/gov.in/cancelledby': 'doctor', '@abdm/gov.in/cancel_reason': 'D2' } },
    });
    expect(push?.offer?.id).toBe('d1-13');
  });

  it('an emergency that takes the place an unconfirmed order holds: the hold is released for it, and the consumer is told on_cancel D2 with the earliest place', async () => {
    const { opd, uhi } = await hospital(undefined, { defaultOverflowCapacity: 0 });
    await opd.setCapacity('d1-09', 1);
    const id = (await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer } }))).message.order.id as string;
    expect((await opd.getToken(id)).status).toBe('HELD');
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    expect(emergency.token.slotId).toBe('d1-09');
    const released = emergency.effects.find((e) => e.type === 'token:released');
    expect(released).toMatchObject({ tokenId: id, reason: 'emergency', byTokenId: emergency.token.id });
    expect((await opd.getToken(id)).status).not.toBe('HELD');
    const pushes = (await Promise.all(emergency.effects.map((e) => uhi.pushOf(e)))).filter((p) => p !== null);
    expect(pushes.map((p) => [p.action, p.message.order.id, p.cancellation])).toEqual([['on_cancel', id, { code: 'D2', cancelledBy: 'doctor' }]]);
    // The order cannot be confirmed any more: its place is the emergency's.
    await expect(uhi.confirm(call('confirm', { order: { id } }))).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
    expect((await opd.getSlot('d1-09')).free).toBe(0);
  });

  it('announces a waitlisted order that is later promoted, with its place', async () => {
    const { opd, uhi } = await hospital(undefined, { defaultOverflowCapacity: 0 });
    await opd.setCapacity('d1-09', 1);
    await opd.setCapacity('d1-10', 0);
    const id = (await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer } }))).message.order.id as string;
    await uhi.confirm(call('confirm', { order: { id } }));
    const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
    const after = await opd.getToken(id);
    const bumpPushes = (await Promise.all(emergency.effects.map((e) => uhi.pushOf(e)))).filter((p) => p !== null);
    expect(after.status).toBe('WAITLISTED');
    expect(bumpPushes.map((p) => [p.action, p.message.order.state])).toEqual([['on_update', 'CONFIRMED']]);
    const freed = await opd.setCapacity('d1-10', 1);
    const promoted = (await Promise.all(freed.map((e) => uhi.pushOf(e)))).filter((p) => p !== null);
    const now = await opd.getToken(id);
    expect(now.status).toBe('BOOKED');
    expect(promoted.map((p) => [p.action, p.message.order.state, p.message.order.fulfillment?.id])).toEqual([['on_update', 'CONFIRMED', now.slotId]]);
  });

  it('admits at most q UHI bookings under a UHI quota of q, and an emergency at the counter still gets its place', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }), async (q, tries, confirmed) => {
        const { opd, uhi } = await hospital(q);
        await opd.setCapacity('d1-09', 4);
        let admitted = 0;
        for (let i = 0; i < tries; i++) {
          try {
            const id = (await uhi.init(call('init', { order: { fulfillment: { id: 'd1-09' }, customer: { id: `p${i}@abdm` } } }, `t${i}`))).message.order
              .id as string;
            if (i < confirmed) await uhi.confirm(call('confirm', { order: { id } }, `t${i}`));
            admitted++;
          } catch (error) {
            expect((error as { code: string }).code).toBe('SLOT_FULL');
          }
        }
        const online = (
          await Promise.all((await opd.history()).filter((e) => e.type === 'token:held').map((e) => opd.getToken((e as { tokenId: string }).tokenId)))
        ).filter((t) => t.slotId === 'd1-09');
        expect(admitted).toBe(Math.min(q, tries));
        expect(online.length).toBeLessThanOrEqual(q);
        const search = await uhi.search(
          call('search', { intent: { fulfillment: { start: { time: { timestamp: local('09:00') } }, end: { time: { timestamp: local('09:30') } } } } }),
        );
        expect(search.message.catalog.providers.flatMap((p) => p.fulfillments).map((f) => f.id)).toEqual(admitted < q ? ['d1-09'] : []);
        const emergency = await opd.book(request('d1', 'EMERGENCY', { slotId: 'd1-09' }));
        expect(emergency.token).toMatchObject({ status: 'BOOKED', slotId: 'd1-09' });
      }),
      { numRuns: 40 },
    );
  });
});
