/** ABDM Scan & Share: a shared profile becomes a held token for the counter, answered by `on-share`. */
import { presets } from 'opd-scheduler';
import { onProfileShare } from 'opd-scheduler/abdm';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { at, doctorWithSlots, rejectsWith, scheduler } from '../helpers.js';

const counters = { 'OPD-GEN': { department: 'general' }, 'DR-2': { doctorId: 'd2', category: 'ONLINE' } } as const;

function share(overrides: { patient?: Record<string, unknown>; context?: string; requestId?: string } = {}) {
  return {
    requestId: overrides.requestId ?? 'b6e5a3a2-0c1e-4f65-9b52-1f0c6c2f5a11',
    timestamp: at('08:00').toISOString(),
    intent: 'PROFILE_SHARE',
    metaData: { hipId: 'IN2910000123', context: overrides.context ?? 'OPD-GEN', hprId: '71-1234-5678-0001', latitude: '12.9716', longitude: '77.5946' },
    profile: {
      patient: {
        abhaNumber: '91-1234-5678-9012',
        abhaAddress: 'asha.k@sbx',
        name: 'Asha K',
        gender: 'F',
        dayOfBirth: '4',
        monthOfBirth: '7',
        yearOfBirth: '1986',
        phoneNumber: undefined,
        mobile: '9800000000',
        address: { line: '12 MG Road', district: 'Bengaluru', state: 'Karnataka', pincode: '560001' },
        ...overrides.patient,
      },
    },
  };
}

async function hospital() {
  const made = scheduler({ ...presets.standard() }, undefined);
  made.clock.set(at('08:00'));
  await doctorWithSlots(made.opd, 'd1', [9, 10], 2);
  await doctorWithSlots(made.opd, 'd2', [9], 1);
  await made.opd.updateDoctor('d1', { department: 'general' });
  return made;
}

describe('Scan & Share', () => {
  it('books a held token for the counter and answers on-share; a re-scan the same day answers the same token', async () => {
    const { opd } = await hospital();
    const answer = await onProfileShare(opd, share(), { counters, hipId: 'IN2910000123' });
    expect(answer.token).toMatchObject({
      status: 'HELD',
      doctorId: 'd1',
      slotId: 'd1-09',
      category: 'WALK_IN',
      patient: { id: 'asha.k@sbx', name: 'Asha K', abhaNumber: '91-1234-5678-9012', gender: 'F', yearOfBirth: 1986 },
      holdExpiresAt: at('08:30'),
    });
    expect(answer.acknowledgement).toEqual({
      status: 'SUCCESS',
      abhaAddress: 'asha.k@sbx',
      profile: { context: 'OPD-GEN', tokenNumber: answer.token.label, expiry: '1800' },
    });
    expect(answer.response).toEqual({ requestId: 'b6e5a3a2-0c1e-4f65-9b52-1f0c6c2f5a11' });
    expect(answer.token.idempotencyKey).not.toContain('asha');
    const again = await onProfileShare(opd, share({ requestId: 'another-request' }), { counters });
    expect(again.token.id).toBe(answer.token.id);
    expect(again.acknowledgement.profile.tokenNumber).toBe(answer.acknowledgement.profile.tokenNumber);
    expect(again.response.requestId).toBe('another-request');
    const doctor = await onProfileShare(opd, share({ context: 'DR-2', patient: { abhaAddress: 'ravi@sbx', name: 'Ravi' } }), { counters, validityMinutes: 20 });
    expect(doctor.token).toMatchObject({ doctorId: 'd2', category: 'ONLINE', holdExpiresAt: at('08:20') });
    expect(doctor.acknowledgement.profile.expiry).toBe('1200');
    // The request id of the REQUEST-ID header, for a body without one.
    const { requestId: _none, ...headerOnly } = share({ patient: { abhaAddress: 'meena@sbx', name: 'Meena', phoneNumber: '9800000001' } });
    const fromHeader = await onProfileShare(opd, headerOnly, { counters, requestId: 'header-request' });
    expect(fromHeader.response.requestId).toBe('header-request');
    expect(fromHeader.token.patient).toMatchObject({ id: 'meena@sbx', phoneNumber: '9800000001' });
  });

  it('frees the place when the patient does not check in within the validity, and keeps it when they do', async () => {
    const { opd, clock } = await hospital();
    const a = await onProfileShare(opd, share(), { counters });
    const b = await onProfileShare(opd, share({ patient: { abhaAddress: 'ravi@sbx', name: 'Ravi' } }), { counters });
    clock.advance(10);
    await opd.confirm(b.token.id, { actor: 'desk-1' });
    await opd.checkIn(b.token.id, { actor: 'desk-1' });
    clock.advance(21);
    await opd.sweep();
    expect((await opd.getToken(a.token.id)).status).not.toBe('HELD');
    expect((await opd.getToken(a.token.id)).slotId).toBeNull();
    expect((await opd.getToken(b.token.id)).status).toBe('CHECKED_IN');
  });

  it('refuses a bad field with its name and no patient value, booking nothing', async () => {
    const { opd } = await hospital();
    const cases: [unknown, string][] = [
      [{ ...share(), intent: 'LINK' }, 'intent'],
      [share({ patient: { abhaAddress: 42 } }), 'profile.patient.abhaAddress'],
      [share({ patient: { name: '' } }), 'profile.patient.name'],
      [share({ patient: { gender: 'female' } }), 'profile.patient.gender'],
      [share({ patient: { mobile: 9800000000 } }), 'profile.patient.mobile'],
      [share({ patient: { yearOfBirth: 'asha' } }), 'profile.patient.yearOfBirth'],
      [share({ patient: { address: { line: 12 } } }), 'profile.patient.address.line'],
      [share({ context: 'NOWHERE' }), 'metaData.context'],
      [{ ...share(), metaData: { context: 'OPD-GEN' } }, 'metaData.hipId'],
      [{ ...share(), requestId: undefined }, 'requestId'],
    ];
    for (const [payload, field] of cases) {
      const error = await rejectsWith(onProfileShare(opd, payload, { counters }), 'VALIDATION_FAILED');
      expect([field, error.details.field]).toEqual([field, field]);
      for (const value of ['asha', 'Asha', '9800000000', '91-1234', 'MG Road']) expect(error.message).not.toContain(value);
    }
    await rejectsWith(onProfileShare(opd, share(), { counters, hipId: 'IN0000' }), 'VALIDATION_FAILED');
    await rejectsWith(onProfileShare(opd, share(), { counters, validityMinutes: 0 }), 'VALIDATION_FAILED');
    expect((await opd.availability({ doctorId: 'd1', category: 'WALK_IN', from: at('09:00'), to: at('11:00') })).map((s) => s.places)).toEqual([2, 2]);
  });
});

describe('ABDM Scan & Share, as the published bodies send it', () => {
  it('never answers SUCCESS with a dead token: a re-scan after the token lapsed books a new one', async () => {
    const { opd, clock } = await hospital();
    const first = await onProfileShare(opd, share(), { counters, validityMinutes: 30 });
    expect(first.token.status).toBe('HELD');
    clock.advance(31);
    // Before the sweep, the lapsed hold is still HELD in the store: it is dead all the same.
    const again = await onProfileShare(opd, share(), { counters, validityMinutes: 30 });
    expect(again.token.id).not.toBe(first.token.id);
    expect(again.token.status).toBe('HELD');
    expect(again.token.holdExpiresAt!.getTime()).toBeGreaterThan(opd.now().getTime());
    expect(again.acknowledgement.profile.tokenNumber).toBe(again.token.label);
    await opd.sweep();
    // A re-scan while it stands answers it; once cancelled, a new one.
    expect((await onProfileShare(opd, share(), { counters, validityMinutes: 30 })).token.id).toBe(again.token.id);
    await opd.release(again.token.id);
    const third = await onProfileShare(opd, share(), { counters, validityMinutes: 30 });
    expect([third.token.id === again.token.id, third.token.status]).toEqual([false, 'HELD']);
  });

  it('accepts the three published bodies (abhaNumber a number, null or a hyphenated string; dob or birth parts; mobile or phoneNumber; pincode or pinCode) and answers the published acknowledgement', async () => {
    const read = (name: string) =>
      JSON.parse(readFileSync(new URL(`../fixtures/abdm/share/${name}`, import.meta.url), 'utf8')) as Record<string, unknown> & {
        metaData: Record<string, unknown>;
      };
    const published = read('nha-portal-m1-on-share-acknowledgement.json') as unknown as {
      acknowledgement: Record<string, unknown> & { profile: Record<string, unknown> };
      response: Record<string, unknown>;
    };
    const bodies = [
      'nha-phr-v3-doc-5.3.2-hip-patient-share.json',
      'nha-portal-m1-receive-patient-share.as-delivered.json',
      'nha-portal-sandbox-call-profile-share.json',
    ];
    for (const [i, name] of bodies.entries()) {
      const { opd } = await hospital();
      const body = read(name);
      const answer = await onProfileShare(opd, body, { counters: { [String(body.metaData['context'])]: { department: 'general' } }, requestId: `req-${i}` });
      const { token, ...sent } = answer;
      expect(Object.keys(sent).sort(), name).toEqual(Object.keys(published).sort());
      expect(Object.keys(sent.acknowledgement).sort(), name).toEqual(Object.keys(published.acknowledgement).sort());
      expect(Object.keys(sent.acknowledgement.profile).sort(), name).toEqual(Object.keys(published.acknowledgement.profile).sort());
      expect(sent, name).toEqual({
        acknowledgement: {
          status: 'SUCCESS',
          abhaAddress: (body['profile'] as { patient: { abhaAddress: string } }).patient.abhaAddress,
          profile: { context: body.metaData['context'], tokenNumber: token.label, expiry: '1800' },
        },
        response: { requestId: `req-${i}` },
      });
      expect(token.status, name).toBe('HELD');
    }
    const { opd } = await hospital();
    const numeric = read(bodies[0]!);
    const { token } = await onProfileShare(opd, numeric, { counters: { ABC123: { department: 'general' } }, requestId: 'r' });
    expect(token.patient).toMatchObject({ abhaNumber: '91178386150000' });
    await rejectsWith(
      onProfileShare(
        opd,
        { ...numeric, profile: { patient: { ...(numeric['profile'] as { patient: object }).patient, abhaNumber: 1.5 } } },
        { counters: { ABC123: { department: 'general' } }, requestId: 'r' },
      ),
      'VALIDATION_FAILED',
    );
  });
});
