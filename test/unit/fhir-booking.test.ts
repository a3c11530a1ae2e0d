/**
 * IHE ITI Scheduling over the scheduler (`opd-scheduler/fhir`): `$find`, `$hold`, `$book` and a
 * cancel, each resource validated against the official FHIR R4 JSON schema.
 */
import { ChannelQuota, OpdError, presets, toFhirSlot, type FhirAppointment } from 'opd-scheduler';
import {
  bookAppointment,
  cancelAppointment,
  capabilityStatement,
  fhirOutcomeStatus,
  findAppointments,
  fromFhirId,
  holdAppointment,
  type FhirOperationOutcome,
  type FhirProposedAppointment,
} from 'opd-scheduler/fhir';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at, DAY, scheduler } from '../helpers.js';
import { validateResource } from '../fhir-schema.js';
import { fcOptions } from '../property/support.js';

function expectValid(resource: unknown): void {
  expect(validateResource(resource), JSON.stringify(validateResource.errors?.slice(0, 5), null, 1)).toBe(true);
}

const PARAMS = { start: DAY, end: '2026-01-31' };
const PATIENT = 'Patient/asha-1';

async function hospital(options: Parameters<typeof scheduler>[0] = {}) {
  const made = scheduler({ ...presets.standard(), ...options });
  await made.opd.addDoctor({ id: 'd1', name: 'Dr One', specialization: 'Cardiology', department: 'OPD-1' });
  await made.opd.addDoctor({ id: 'd2', name: 'Dr Two', specialization: 'Dermatology', department: 'OPD-2' });
  const hourly = (id: string, hours: number[], capacity: number) =>
    hours.map((h) => ({
      id: `${id}-${String(h).padStart(2, '0')}`,
      start: `${DAY}T${String(h).padStart(2, '0')}:00:00Z`,
      end: `${DAY}T${String(h + 1).padStart(2, '0')}:00:00Z`,
      capacity,
    }));
  await made.opd.addSlots('d1', hourly('d1', [9, 10], 1));
  await made.opd.addSlots('d2', hourly('d2', [9], 2));
  made.clock.set(at('07:00'));
  return made;
}

function proposals(bundle: Awaited<ReturnType<typeof findAppointments>>): FhirProposedAppointment[] {
  return (bundle.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => e.resource as FhirProposedAppointment);
}

function isOutcome(resource: FhirAppointment | FhirOperationOutcome): resource is FhirOperationOutcome {
  return resource.resourceType === 'OperationOutcome';
}

describe('$find', () => {
  it('proposes exactly the places availability gives the channel, filtered by the parameters', async () => {
    const { opd } = await hospital();
    const bundle = await findAppointments(opd, { ...PARAMS, patient: PATIENT }, { channel: 'ONLINE' });
    expectValid(bundle);
    // Answered at the scheduler's clock (opd.now()).
    expect(bundle.timestamp).toBe(at('07:00').toISOString());
    expect(opd.now()).toEqual(at('07:00'));
    const found = proposals(bundle);
    expect(found.map((a) => a.slot[0]!.identifier!.value)).toEqual(['d1-09', 'd2-09', 'd1-10']);
    for (const a of found) {
      expectValid(a);
      expect(a.participant[0]).toEqual({ actor: { reference: PATIENT }, required: 'required', status: 'needs-action' });
    }
    const cardiology = proposals(await findAppointments(opd, { ...PARAMS, specialty: 'http://snomed.info/sct|cardiology' }, { channel: 'ONLINE' }));
    expect(cardiology.map((a) => a.slot[0]!.identifier!.value)).toEqual(['d1-09', 'd1-10']);
    const byPractitioner = proposals(await findAppointments(opd, { ...PARAMS, practitioner: 'Practitioner/d2' }, { channel: 'ONLINE' }));
    expect(byPractitioner.map((a) => a.slot[0]!.identifier!.value)).toEqual(['d2-09']);
    const byDepartment = proposals(await findAppointments(opd, { ...PARAMS, 'service-type': 'opd-1' }, { channel: 'ONLINE' }));
    expect(byDepartment).toHaveLength(2);
  });

  it('answers an empty Bundle with the reason when no place is left to the channel', async () => {
    const { opd } = await hospital({ quota: new ChannelQuota({ ONLINE: { count: 0 } }) });
    const bundle = await findAppointments(opd, PARAMS, { channel: 'ONLINE' });
    expectValid(bundle);
    expect(bundle.total).toBe(0);
    const outcome = bundle.entry![0]!;
    expect(outcome.search.mode).toBe('outcome');
    expect(JSON.stringify(outcome.resource)).toContain('quota');
    const none = await findAppointments(opd, { ...PARAMS, specialty: 'neurology' }, { channel: 'ONLINE' });
    expect(JSON.stringify(none.entry![0]!.resource)).toContain('No doctor matches');
  });

  it('refuses a bad search with VALIDATION_FAILED naming the parameter', async () => {
    const { opd } = await hospital();
    await expect(findAppointments(opd, { ...PARAMS, start: 'soon' }, { channel: 'ONLINE' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'start' },
    });
    await expect(findAppointments(opd, { ...PARAMS, colour: 'red' } as never, { channel: 'ONLINE' })).rejects.toMatchObject({ details: { field: 'colour' } });
    await expect(findAppointments(opd, PARAMS, {} as never)).rejects.toMatchObject({ details: { field: 'options.channel' } });
    await expect(findAppointments(opd, PARAMS, { channel: 'NOPE' })).rejects.toMatchObject({ details: { field: 'category' } });
  });
});

describe('$hold, $book and cancel', () => {
  it('holds the last place once: the second hold is an OperationOutcome, and the hold ends by itself', async () => {
    const { opd, clock } = await hospital();
    const [proposal] = proposals(await findAppointments(opd, { ...PARAMS, practitioner: 'd1', patient: PATIENT }, { channel: 'ONLINE' }));
    const held = await holdAppointment(opd, proposal, { holdMinutes: 10, requestId: 'r1' });
    if (isOutcome(held)) throw new Error(JSON.stringify(held));
    expectValid(held);
    expect(held.status).toBe('pending');
    const slot = toFhirSlot(await opd.getSlot('d1-09'));
    expect(slot.status).toBe('busy-tentative');
    expectValid(slot);
    // The same request again answers the same hold.
    const again = await holdAppointment(opd, proposal, { holdMinutes: 10, requestId: 'r1' });
    expect(again).toEqual(held);
    // Another patient, the same last place: refused.
    const other = {
      ...proposal!,
      participant: [{ actor: { reference: 'Patient/ravi-2' }, required: 'required', status: 'needs-action' }, proposal!.participant[1]!],
    };
    const lost = await holdAppointment(opd, other, { holdMinutes: 10 });
    expect(isOutcome(lost)).toBe(true);
    expectValid(lost);
    expect((lost as FhirOperationOutcome).issue[0]).toMatchObject({ severity: 'fatal', code: 'not-found' });
    expect(fhirOutcomeStatus(lost as FhirOperationOutcome)).toBe(409);
    // Unconfirmed, the hold frees its place at its end.
    clock.set(at('07:11'));
    const free = proposals(await findAppointments(opd, { ...PARAMS, practitioner: 'd1' }, { channel: 'ONLINE' }));
    expect(free.map((a) => a.slot[0]!.identifier!.value)).toContain('d1-09');
  });

  it('books a hold, books a proposal, and cancels releasing the place in the same call', async () => {
    const { opd } = await hospital();
    const [first, second] = proposals(await findAppointments(opd, { ...PARAMS, practitioner: 'd1', patient: PATIENT }, { channel: 'ONLINE' }));
    const held = await holdAppointment(opd, { resourceType: 'Parameters', parameter: [{ name: 'appt-resource', resource: first }] });
    if (isOutcome(held)) throw new Error(JSON.stringify(held));
    const booked = await bookAppointment(opd, held);
    if (isOutcome(booked)) throw new Error(JSON.stringify(booked));
    expectValid(booked);
    expect(booked.status).toBe('booked');
    expect(await bookAppointment(opd, held)).toEqual(booked);
    // A proposal booked directly: a free place or nothing, never the waitlist.
    const other = {
      ...second!,
      participant: [{ actor: { reference: 'Patient/ravi-2', display: 'Ravi' }, required: 'required', status: 'needs-action' }, second!.participant[1]!],
    };
    const direct = await bookAppointment(opd, other, { requestId: 'b-1' });
    if (isOutcome(direct)) throw new Error(JSON.stringify(direct));
    expect(direct.status).toBe('booked');
    expect(await bookAppointment(opd, other, { requestId: 'b-1' })).toEqual(direct);
    const third = {
      ...second!,
      participant: [{ actor: { reference: 'Patient/meena-3' }, required: 'required', status: 'needs-action' }, second!.participant[1]!],
    };
    const full = await bookAppointment(opd, third);
    expect(isOutcome(full) && full.issue[0]!.details!.coding![0]!.code).toBe('SLOT_FULL');
    expect((await opd.getSchedule('d1', DAY)).waitlist).toEqual([]);
    // Cancel: cancelled, the place free again, and cancelling again answers the same.
    const cancelled = await cancelAppointment(opd, booked.id!, { reason: 'patient asked' });
    if (isOutcome(cancelled)) throw new Error(JSON.stringify(cancelled));
    expectValid(cancelled);
    expect(cancelled.status).toBe('cancelled');
    expect((await opd.getSlot('d1-09')).free).toBe(1);
    expect(await cancelAppointment(opd, booked.id!, { reason: 'patient asked' })).toEqual(cancelled);
    const missing = await cancelAppointment(opd, 'nobody');
    expect(isOutcome(missing) && fhirOutcomeStatus(missing)).toBe(404);
  });

  it('cancelling a held Appointment releases the hold', async () => {
    const { opd } = await hospital();
    const [first] = proposals(await findAppointments(opd, { ...PARAMS, practitioner: 'd1', patient: PATIENT }, { channel: 'ONLINE' }));
    const held = await holdAppointment(opd, first);
    if (isOutcome(held)) throw new Error(JSON.stringify(held));
    const released = await cancelAppointment(opd, held.id!);
    expect(isOutcome(released) ? released : released.status).toBe('cancelled');
    expect((await opd.getSlot('d1-09')).free).toBe(1);
  });

  it('answers bad input with an OperationOutcome, changing nothing', async () => {
    const { opd } = await hospital();
    for (const bad of [null, { resourceType: 'Patient' }, { resourceType: 'Appointment', status: 'proposed' }, { resourceType: 'Parameters', parameter: [] }]) {
      const answer = await holdAppointment(opd, bad);
      expect(isOutcome(answer) && answer.issue[0]!.code).toBe('invalid');
      expectValid(answer);
    }
    expect((await opd.getSlot('d1-09')).free).toBe(1);
  });
});

/** A proposal for `reference` (the patient it names first), the doctor kept. */
function forPatient(proposal: FhirProposedAppointment, reference: string | undefined): FhirProposedAppointment {
  const doctor = proposal.participant.filter((p) => !p.actor.reference?.startsWith('Patient/'));
  return {
    ...proposal,
    participant: [...(reference === undefined ? [] : [{ actor: { reference }, required: 'required' as const, status: 'needs-action' as const }]), ...doctor],
  };
}

/** The Appointment `depth` levels down in `Parameters` (`appt-resource` in each). */
function nested(resource: unknown, depth: number): unknown {
  return depth === 0 ? resource : { resourceType: 'Parameters', parameter: [{ name: 'appt-resource', resource: nested(resource, depth - 1) }] };
}

/** A held Appointment as a client sends it back to `$book`: naming `reference` as its patient, or none. */
function heldFor(held: FhirAppointment, reference: string | undefined): FhirAppointment {
  const doctor = held.participant.filter((p) => !p.actor.reference?.startsWith('Patient/'));
  return {
    ...held,
    participant: [...(reference === undefined ? [] : [{ actor: { reference }, required: 'required' as const, status: 'accepted' as const }]), ...doctor],
  };
}

const codeOf = (answer: FhirAppointment | FhirOperationOutcome): string | undefined =>
  isOutcome(answer) ? answer.issue[0]?.details?.coding?.[0]?.code : undefined;

describe('the channel read once, at any depth of Parameters', () => {
  it('asks readChannel for every channel an operation books for: the Appointment inside Parameters at any depth, options.channel, a held one', async () => {
    const { opd } = await hospital();
    const [proposal] = proposals(await findAppointments(opd, { ...PARAMS, practitioner: 'd2', patient: PATIENT }, { channel: 'ONLINE' }));
    const coded = (code: string): FhirProposedAppointment => ({ ...proposal!, appointmentType: { coding: [{ system: 'urn:opd-scheduler:channel', code }] } });
    const asked: string[] = [];
    /** The host's reading: its spelling of categories, and no emergency. */
    const readChannel = (channel: string): string => {
      asked.push(channel);
      const category = channel
        .trim()
        .toUpperCase()
        .replace(/[\s-]+/g, '_');
      if (category === 'EMERGENCY') throw new OpdError('VALIDATION_FAILED', 'No emergency here', { details: { field: 'appointmentType' } });
      return category;
    };
    const before = (await opd.history()).length;
    for (const depth of [0, 1, 2, 5]) {
      for (const operation of [holdAppointment, bookAppointment]) {
        const answer = await operation(opd, nested(coded('emergency'), depth), { readChannel });
        expect(codeOf(answer), `depth ${depth}`).toBe('VALIDATION_FAILED');
        expect(isOutcome(answer) && answer.issue[0]!.diagnostics).toBe('No emergency here');
      }
    }
    expect(asked).toEqual(Array.from({ length: 8 }, () => 'emergency'));
    expect((await opd.history()).length).toBe(before);
    expect(await opd.getSlot('d2-09')).toMatchObject({ free: 2, claimed: 0 });
    // The host's spelling, deep down: `walk-in` is WALK_IN; with no channel coding, options.channel is read the same way.
    const held = await holdAppointment(opd, nested(coded('walk-in'), 3), { readChannel });
    if (isOutcome(held)) throw new Error(JSON.stringify(held));
    const { appointmentType: _, ...uncoded } = forPatient(proposal!, 'Patient/ravi-2');
    const direct = await bookAppointment(opd, nested(uncoded, 2), { readChannel, channel: 'walk-in' });
    if (isOutcome(direct)) throw new Error(JSON.stringify(direct));
    expect((await opd.getSlot('d2-09')).places.map((t) => t.category)).toEqual(['WALK_IN', 'WALK_IN']);
    // A held Appointment: the channel it was held for is asked, and its refusal counts.
    asked.length = 0;
    expect(codeOf(await bookAppointment(opd, held, { readChannel: () => readChannel('EMERGENCY') }))).toBe('VALIDATION_FAILED');
    expect((await opd.getToken(fromFhirId(held.id!)!)).status).toBe('HELD');
    const booked = await bookAppointment(opd, held, { readChannel });
    expect(!isOutcome(booked) && booked.status).toBe('booked');
    expect(asked).toEqual(['EMERGENCY', 'WALK_IN']);
  });

  it('refuses a readChannel that is not a function, or that answers no category, changing nothing', async () => {
    const { opd } = await hospital();
    const [proposal] = proposals(await findAppointments(opd, { ...PARAMS, practitioner: 'd1', patient: PATIENT }, { channel: 'ONLINE' }));
    for (const readChannel of ['ONLINE', () => '', () => 7]) {
      const answer = await holdAppointment(opd, proposal, { readChannel: readChannel as never });
      expect(codeOf(answer)).toBe('VALIDATION_FAILED');
      expect(isOutcome(answer) && answer.issue[0]!.diagnostics).toContain('options.readChannel');
    }
    expect((await opd.getSlot('d1-09')).free).toBe(1);
  });
});

describe('$book of a hold answers only for its patient', () => {
  it('refuses a $book naming another patient as a hold not found (TOKEN_NOT_FOUND, 404), before and after the booking, changing nothing', async () => {
    const { opd } = await hospital();
    const [proposal] = proposals(await findAppointments(opd, { ...PARAMS, practitioner: 'd1', patient: 'Patient/alice' }, { channel: 'ONLINE' }));
    const held = await holdAppointment(opd, proposal, { requestId: 'alice-hold' });
    if (isOutcome(held)) throw new Error(JSON.stringify(held));
    const tokenId = fromFhirId(held.id!)!;
    const before = (await opd.history()).length;
    // Mallory names herself on Alice's hold: nothing found, as for a token that does not exist.
    const mallory = await bookAppointment(opd, heldFor(held, 'Patient/mallory'), { requestId: 'mallory-book' });
    if (!isOutcome(mallory)) throw new Error(`booked as ${JSON.stringify(mallory.participant)}`);
    expectValid(mallory);
    expect(mallory.issue[0]).toMatchObject({ severity: 'error', code: 'not-found' });
    expect(codeOf(mallory)).toBe('TOKEN_NOT_FOUND');
    expect(fhirOutcomeStatus(mallory)).toBe(404);
    const unknownId = 'd1~2026-01-30~99';
    const unknown = await bookAppointment(opd, { ...heldFor(held, 'Patient/mallory'), identifier: [{ system: 'urn:opd-scheduler:token', value: unknownId }] });
    expect(JSON.stringify(unknown).replaceAll(unknownId, '?')).toBe(JSON.stringify(mallory).replaceAll(tokenId, '?'));
    expect(JSON.stringify(mallory)).not.toContain('alice');
    expect((await opd.history()).length).toBe(before);
    expect((await opd.getToken(tokenId)).status).toBe('HELD');
    // Alice books it; Mallory asking again is still refused, never answered the booking.
    const booked = await bookAppointment(opd, held);
    if (isOutcome(booked)) throw new Error(JSON.stringify(booked));
    expect(booked.participant[0]!.actor.reference).toBe('Patient/alice');
    const after = (await opd.history()).length;
    expect(codeOf(await bookAppointment(opd, heldFor(held, 'Patient/mallory')))).toBe('TOKEN_NOT_FOUND');
    expect(codeOf(await bookAppointment(opd, nested(heldFor(held, 'Patient/mallory'), 2)))).toBe('TOKEN_NOT_FOUND');
    expect((await opd.history()).length).toBe(after);
    // A request naming no patient (a client shown no patient data) is answered without one.
    const anonymous = await bookAppointment(opd, heldFor(held, undefined));
    expect(!isOutcome(anonymous) && anonymous.participant.map((p) => p.actor.reference)).toEqual(['Practitioner/d1']);
  });

  it('books a hold for the patient it names only when that is the hold’s patient, else changes nothing (property)', async () => {
    const PATIENTS = ['alice', 'bob', 'mallory'] as const;
    const named = fc.option(fc.constantFrom(...PATIENTS), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATIENTS),
        fc.array(fc.record({ patient: named, depth: fc.nat(2), requestId: fc.option(fc.constantFrom('r1', 'r2'), { nil: undefined }) }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (holder, attempts) => {
          const { opd } = await hospital();
          const [proposal] = proposals(await findAppointments(opd, { ...PARAMS, practitioner: 'd1' }, { channel: 'ONLINE' }));
          const held = await holdAppointment(opd, forPatient(proposal!, `Patient/${holder}`));
          if (isOutcome(held)) throw new Error(JSON.stringify(held));
          const tokenId = fromFhirId(held.id!)!;
          for (const { patient, depth, requestId } of attempts) {
            const before = await opd.getToken(tokenId);
            const seen = (await opd.history()).length;
            const answer = await bookAppointment(
              opd,
              nested(heldFor(held, patient === undefined ? undefined : `Patient/${patient}`), depth),
              requestId === undefined ? {} : { requestId },
            );
            if (patient !== undefined && patient !== holder) {
              expect(codeOf(answer)).toBe('TOKEN_NOT_FOUND');
              expect(JSON.stringify(answer)).not.toContain(holder);
              expect(await opd.getToken(tokenId)).toEqual(before);
              expect((await opd.history()).length).toBe(seen);
            } else {
              if (isOutcome(answer)) throw new Error(JSON.stringify(answer));
              expect(answer.status).toBe('booked');
              expect(answer.participant.filter((p) => p.actor.reference?.startsWith('Patient/')).map((p) => p.actor.reference)).toEqual(
                patient === undefined ? [] : [`Patient/${holder}`],
              );
              expect((await opd.getToken(tokenId)).status).toBe('BOOKED');
            }
          }
        },
      ),
      fcOptions(100),
    );
  });
});

describe('fromFhirId and the CapabilityStatement', () => {
  it('reads back every FHIR id toFhirId writes', () => {
    for (const id of ['d1~2026-01-30~3', 'dr_rao@opd~7', 'a.b', 'plain']) {
      const fhirId = (opd: string) => opd.replace(/[^A-Za-z0-9-]/g, (c) => `.${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
      expect(fromFhirId(fhirId(id))).toBe(id);
    }
    expect(fromFhirId('bad.zz')).toBeUndefined();
    expect(fromFhirId('has space')).toBeUndefined();
  });

  it('states what is served, valid R4', () => {
    const statement = capabilityStatement({ baseUrl: 'https://hospital.example/fhir', publisher: 'City Hospital', date: new Date('2027-01-01T00:00:00Z') });
    expectValid(statement);
    expect(statement.rest[0]!.resource[0]!.operation!.map((o) => o.name)).toEqual(['find', 'hold', 'book']);
    // Only what is served: no interaction unless the server cancels by a patch.
    expect(statement.rest[0]!.resource.map((r) => r.type)).toEqual(['Appointment']);
    expect(statement.rest[0]!.resource[0]!.interaction).toBeUndefined();
    expect(capabilityStatement({ baseUrl: 'https://h.example/fhir', patch: true }).rest[0]!.resource[0]!.interaction).toEqual([{ code: 'patch' }]);
    expect(statement.rest[0]!.operation!.map((o) => o.name)).toEqual(['bulk-publish']);
    expect(() => capabilityStatement({ baseUrl: 'ftp:nowhere' })).toThrow(/baseUrl/);
  });
});
