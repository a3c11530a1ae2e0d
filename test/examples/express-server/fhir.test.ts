/**
 * The FHIR routes of the example server (`/fhir`), driven over HTTP by a real FHIR client
 * (`fhir-kit-client`): the CapabilityStatement, `Appointment/$find`, `$hold`, `$book` and the
 * cancels, every resource answered validated against the official FHIR R4 JSON schema.
 */
import fc from 'fast-check';
import { Client, type FhirResource } from 'fhir-kit-client';
import { ChannelQuota, presets } from 'opd-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { isFhirPath } from '../../../examples/express-server/fhir.js';
import { openApiPath } from '../../../examples/express-server/openapi.js';
import { DAY, enc, startHarness, type Answer, type Harness } from './harness.js';
import { validateResource } from '../../fhir-schema.js';

/** Valid FHIR R4, each resource of a Bundle too. */
function expectValid(resource: unknown): void {
  expect(validateResource(resource), JSON.stringify(validateResource.errors?.slice(0, 5), null, 1)).toBe(true);
  for (const entry of (resource as { entry?: { resource: unknown }[] }).entry ?? []) expectValid(entry.resource);
}

const PORTAL_KEY = 'portal-key-0123456789abcdef';
const KIOSK_KEY = 'kiosk-key-0123456789abcdef0';
const KEYS = [
  { actor: 'portal', key: PORTAL_KEY },
  { actor: 'kiosk', key: KIOSK_KEY },
];
const NEXT_DAY = '2026-01-31';
const FHIR_TYPE = 'application/fhir+json; charset=utf-8';
/** A name sent with the patient references: never in an error. */
const NAME = 'Asha Verma';

interface Coding {
  system?: string;
  code?: string;
}
interface Participant {
  actor: { reference?: string; display?: string };
  required?: string;
  status: string;
}
interface Appointment {
  resourceType: 'Appointment';
  id?: string;
  status: string;
  start?: string;
  appointmentType?: { coding?: Coding[] };
  slot: { identifier?: { value: string } }[];
  participant: Participant[];
  cancelationReason?: { text?: string };
}
interface Outcome {
  resourceType: 'OperationOutcome';
  issue: { severity: string; code: string; details?: { coding?: Coding[]; text?: string }; diagnostics?: string }[];
}
interface Bundle {
  resourceType: 'Bundle';
  total: number;
  entry?: { resource: Appointment | Outcome; search: { mode: string } }[];
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function client(h: Harness, key?: string, headers?: Record<string, string>): Client {
  return new Client({
    baseUrl: `${h.url}/fhir`,
    ...(key === undefined ? {} : { bearerToken: key }),
    ...(headers === undefined ? {} : { customHeaders: headers }),
  });
}

/** Two doctors: d1 (cardiology) with one place at 09:00 and one at 10:00, d2 (dermatology) with two at 09:00. */
async function hospital(h: Harness): Promise<void> {
  const doctors = [
    { id: 'd1', name: 'Dr One', specialization: 'Cardiology', department: 'OPD-1', hours: [9, 10], capacity: 1 },
    { id: 'd2', name: 'Dr Two', specialization: 'Dermatology', department: 'OPD-2', hours: [9], capacity: 2 },
  ];
  for (const { hours, capacity, ...doctor } of doctors) {
    expect((await h.call('POST', '/api/doctors', { body: doctor })).status).toBe(201);
    const slots = hours.map((hour) => ({
      id: `${doctor.id}-${String(hour).padStart(2, '0')}`,
      start: `${DAY}T${String(hour).padStart(2, '0')}:00:00Z`,
      end: `${DAY}T${String(hour + 1).padStart(2, '0')}:00:00Z`,
      capacity,
    }));
    expect((await h.call('POST', `/api/doctors/${doctor.id}/slots`, { body: slots })).status).toBe(201);
  }
}

function find(c: Client, input: Record<string, string | string[]>): Promise<Bundle> {
  return c.operation({
    name: '$find',
    resourceType: 'Appointment',
    method: 'GET',
    input: { start: DAY, end: NEXT_DAY, ...input },
  }) as Promise<FhirResource> as Promise<Bundle & FhirResource>;
}

function operation(c: Client, name: string, input: unknown, headers?: Record<string, string>): Promise<Appointment> {
  return c.operation({
    name,
    resourceType: 'Appointment',
    input: input as FhirResource,
    ...(headers === undefined ? {} : { options: { headers } }),
  }) as Promise<Appointment & FhirResource>;
}

function proposals(bundle: Bundle): Appointment[] {
  return (bundle.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => e.resource as Appointment);
}

const slotOf = (a: Appointment): string => a.slot[0]!.identifier!.value;

/** A proposal for another patient. */
function forPatient(proposal: Appointment, reference: string): Appointment {
  const doctor = proposal.participant.filter((p) => !p.actor.reference?.startsWith('Patient/'));
  return { ...proposal, participant: [{ actor: { reference, display: NAME }, required: 'required', status: 'needs-action' }, ...doctor] };
}

/** The status and OperationOutcome of a call the FHIR client saw fail; the outcome is valid R4 and names no patient. */
async function refused(call: Promise<unknown>): Promise<{ status: number; outcome: Outcome }> {
  let failure: unknown;
  try {
    await call;
  } catch (error) {
    failure = error;
  }
  const response = (failure as { response?: { status: number; data: unknown } } | undefined)?.response;
  expect(response, `expected an error answer, got ${String(failure)}`).toBeDefined();
  expectValid(response!.data);
  expect((response!.data as Outcome).resourceType).toBe('OperationOutcome');
  expect(JSON.stringify(response!.data)).not.toContain(NAME);
  return { status: response!.status, outcome: response!.data as Outcome };
}

/** A raw answer that is an OperationOutcome with this status and the code (`urn:opd-scheduler:error`). */
function expectOutcome(answer: Answer, status: number, code: string): Outcome {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toBe(FHIR_TYPE);
  expectValid(answer.body);
  const outcome = answer.body as Outcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0]!.details!.coding![0]).toEqual({ system: 'urn:opd-scheduler:error', code });
  expect(answer.text).not.toContain(NAME);
  expect(answer.text).not.toMatch(/\n\s+at /);
  return outcome;
}

const codeOf = (outcome: Outcome): string | undefined => outcome.issue[0]?.details?.coding?.[0]?.code;

describe('GET /fhir/metadata', () => {
  it('is public, valid R4, FHIR JSON, and states the operations served', async () => {
    h = await startHarness({ apiKeys: KEYS });
    const anonymous = client(h);
    const statement = (await anonymous.capabilityStatement()) as FhirResource & {
      implementation: { url: string };
      rest: { resource: { type: string; operation?: { name: string }[] }[]; operation?: unknown }[];
    };
    expectValid(statement);
    expect(Client.httpFor(statement).response?.headers.get('content-type')).toBe(FHIR_TYPE);
    expect(statement.implementation.url).toBe(`${h.url}/fhir`);
    expect(statement.rest[0]!.resource.find((r) => r.type === 'Appointment')!.operation!.map((o) => o.name)).toEqual(['find', 'hold', 'book']);
    // The SMART Scheduling Links feed is served, and stated.
    expect(statement.rest[0]!.operation).toEqual([expect.objectContaining({ name: 'bulk-publish' })]);
    expect(await anonymous.request('metadata')).toEqual(statement);
  });

  it('names the base URL the server is given, and refuses one that is not an http(s) URL at startup', async () => {
    h = await startHarness({ apiKeys: KEYS, fhirBaseUrl: 'https://hospital.example/fhir/' });
    const statement = (await client(h).capabilityStatement()) as FhirResource & { implementation: { url: string } };
    expect(statement.implementation.url).toBe('https://hospital.example/fhir');
    await expect(startHarness({ fhirBaseUrl: 'ftp://hospital.example/fhir' })).rejects.toThrow(/`fhirBaseUrl`/);
  });
});

describe('find, hold, book and cancel with a FHIR client', () => {
  it('proposes what availability says, holds, books and cancels, each call signed by the key and idempotent by its id', async () => {
    h = await startHarness({ apiKeys: KEYS });
    await hospital(h);
    const portal = client(h, PORTAL_KEY);

    const bundle = await find(portal, { patient: 'Patient/asha-1' });
    expectValid(bundle);
    const found = proposals(bundle);
    expect(found.map(slotOf)).toEqual(['d1-09', 'd2-09', 'd1-10']);
    // Exactly the places `availability` gives the default channel, ONLINE.
    const available: string[] = [];
    for (const doctorId of ['d1', 'd2']) {
      for (const a of await h.opd.availability({ doctorId, category: 'ONLINE', from: new Date(`${DAY}T00:00:00Z`), to: new Date(`${NEXT_DAY}T00:00:00Z`) }))
        if (a.available) available.push(a.slot.id);
    }
    expect(found.map(slotOf).sort()).toEqual(available.sort());
    for (const a of found) {
      expect(a.appointmentType!.coding![0]).toEqual({ system: 'urn:opd-scheduler:channel', code: 'ONLINE' });
      expect(a.participant[0]!.actor).toEqual({ reference: 'Patient/asha-1' });
    }
    // The filters of ITI-115, and the same search POSTed as Parameters.
    expect(proposals(await find(portal, { specialty: 'cardiology' })).map(slotOf)).toEqual(['d1-09', 'd1-10']);
    expect(proposals(await find(portal, { practitioner: ['Practitioner/d2'], 'service-type': 'opd-2' })).map(slotOf)).toEqual(['d2-09']);
    expect(proposals(await find(portal, { _count: '1' })).map(slotOf)).toEqual(['d1-09']);
    const posted = (await portal.operation({
      name: '$find',
      resourceType: 'Appointment',
      input: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'start', valueDate: DAY },
          { name: 'end', valueDateTime: `${NEXT_DAY}T00:00:00Z` },
          { name: 'specialty', valueString: 'dermatology' },
          { name: 'specialty', valueString: 'cardiology' },
          { name: 'patient', valueReference: { reference: 'Patient/asha-1' } },
        ],
      },
    })) as Bundle & FhirResource;
    expectValid(posted);
    expect(proposals(posted).map(slotOf)).toEqual(['d1-09', 'd2-09', 'd1-10']);
    // A body sent as `application/json` is read too; the answer is FHIR JSON.
    const plain = await h.call('POST', '/fhir/Appointment/$find', {
      key: PORTAL_KEY,
      body: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'start', valueDate: DAY },
          { name: 'end', valueDate: NEXT_DAY },
        ],
      },
    });
    expect(plain.status, plain.text).toBe(200);
    expect(plain.headers.get('content-type')).toBe(FHIR_TYPE);
    expect(proposals(plain.body as Bundle).map(slotOf)).toEqual(['d1-09', 'd2-09', 'd1-10']);

    // $hold: the place is held (a claim), by the key's actor; the same request id answers the same hold.
    const hold = { resourceType: 'Parameters', parameter: [{ name: 'appt-resource', resource: forPatient(found[0]!, 'Patient/asha-1') }] };
    const held = await operation(portal, '$hold', hold, { 'x-request-id': 'hold-1' });
    expectValid(held);
    expect(Client.httpFor(held as Appointment & FhirResource).response?.status).toBe(200);
    expect(held.status).toBe('pending');
    expect(held.participant[0]!.actor.reference).toBe('Patient/asha-1');
    expect(await h.opd.getSlot('d1-09')).toMatchObject({ free: 0, claimed: 1 });
    expect((await h.opd.history()).at(-1)).toMatchObject({ type: 'token:held', actor: 'portal' });
    expect(await operation(portal, '$hold', hold, { 'x-request-id': 'hold-1' })).toEqual(held);
    expect((await h.opd.history()).filter((e) => e.type === 'token:held')).toHaveLength(1);
    expect(proposals(await find(portal, {})).map(slotOf)).toEqual(['d2-09', 'd1-10']);

    // $book confirms the hold; booking it again answers the booking.
    const booked = await operation(portal, '$book', held, { 'idempotency-key': 'book-1' });
    expectValid(booked);
    expect(booked.status).toBe('booked');
    expect(booked.id).toBe(held.id);
    expect(await operation(portal, '$book', held, { 'idempotency-key': 'book-1' })).toEqual(booked);
    expect(await h.opd.getSlot('d1-09')).toMatchObject({ free: 0, claimed: 0 });

    // $cancel with a reason: the place is free at once; again, the same answer.
    const cancel = { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'patient asked' }] };
    const cancelled = (await portal.operation({ name: '$cancel', resourceType: 'Appointment', id: booked.id!, input: cancel })) as Appointment & FhirResource;
    expectValid(cancelled);
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelationReason: { text: 'patient asked' } });
    expect((await h.opd.getSlot('d1-09')).free).toBe(1);
    expect(await portal.operation({ name: '$cancel', resourceType: 'Appointment', id: booked.id!, input: cancel })).toEqual(cancelled);

    // $book of a proposal takes a free place directly, by another key; a JSON Patch of its status cancels it.
    const kiosk = client(h, KIOSK_KEY);
    const direct = await operation(kiosk, '$book', forPatient(found[1]!, 'Patient/ravi-2'));
    expectValid(direct);
    expect(direct.status).toBe('booked');
    expect((await h.opd.history()).at(-1)).toMatchObject({ type: 'token:confirmed', actor: 'kiosk' });
    expect((await h.opd.getSlot('d2-09')).free).toBe(1);
    const patched = (await kiosk.patch({
      resourceType: 'Appointment',
      id: direct.id!,
      jsonPatch: [
        { op: 'replace', path: '/status', value: 'cancelled' },
        { op: 'add', path: '/cancelationReason', value: { text: 'clinic changed' } },
      ],
    })) as Appointment & FhirResource;
    expectValid(patched);
    expect(patched).toMatchObject({ status: 'cancelled', cancelationReason: { text: 'clinic changed' } });
    expect((await h.opd.getSlot('d2-09')).free).toBe(2);
    // A held Appointment cancelled: the hold is released.
    const second = await operation(portal, '$hold', forPatient(found[2]!, 'Patient/meena-3'));
    expect(second.status).toBe('pending');
    expect((await portal.operation({ name: '$cancel', resourceType: 'Appointment', id: second.id!, method: 'POST' })) as FhirResource).toMatchObject({
      status: 'cancelled',
    });
    expect((await h.opd.getSlot('d1-10')).free).toBe(1);
  });

  it('reads the channel from appointment-type as bookings read categories, and the proposal carries it to the hold', async () => {
    h = await startHarness({ apiKeys: KEYS, scheduler: { ...presets.standard(), quota: new ChannelQuota({ ONLINE: { count: 0 } }) } });
    await hospital(h);
    const portal = client(h, PORTAL_KEY);
    // The default channel, ONLINE, has no place left: an empty Bundle saying why.
    const none = await find(portal, {});
    expectValid(none);
    expect(none.total).toBe(0);
    expect(none.entry![0]!.search.mode).toBe('outcome');
    expect(JSON.stringify(none.entry![0]!.resource)).toContain('quota');
    // Walk-ins have.
    const walkIn = proposals(await find(portal, { 'appointment-type': 'walk-in', patient: 'Patient/asha-1' }));
    expect(walkIn.map(slotOf)).toEqual(['d1-09', 'd2-09', 'd1-10']);
    expect(walkIn[0]!.appointmentType!.coding![0]!.code).toBe('WALK_IN');
    const held = await operation(portal, '$hold', walkIn[0]);
    expect(held.status).toBe('pending');
    const token = (await h.opd.getSchedule('d1', DAY)).slots[0]!.places[0]!;
    expect(token.category).toBe('WALK_IN');
    // The channel of an Appointment is read the same way (`online` is ONLINE, out of quota here).
    const online = forPatient(walkIn[1]!, 'Patient/ravi-2');
    online.appointmentType = { coding: [{ system: 'urn:opd-scheduler:channel', code: 'online' }] };
    const refusedOnline = await refused(operation(portal, '$hold', online));
    expect(refusedOnline.status).toBeGreaterThanOrEqual(409);
    // An emergency is never searched for or held over FHIR.
    expect((await refused(find(portal, { 'appointment-type': 'EMERGENCY' }))).status).toBe(400);
    online.appointmentType = { coding: [{ system: 'urn:opd-scheduler:channel', code: 'emergency' }] };
    const emergency = await refused(operation(portal, '$hold', online));
    expect(emergency.status).toBe(400);
    expect(emergency.outcome.issue[0]!.diagnostics).toContain('/api/tokens/emergency');
    expect((await h.opd.getSlot('d2-09')).free).toBe(2);
  });

  it('reads the channel where the operations read it: an emergency is refused inside Parameters at any depth, and a held one is not booked', async () => {
    h = await startHarness({ apiKeys: KEYS });
    await hospital(h);
    const portal = client(h, PORTAL_KEY);
    const [proposal] = proposals(await find(portal, { practitioner: 'd2', patient: 'Patient/asha-1' }));
    const coded = (code: string, patient = 'Patient/asha-1'): Appointment => ({
      ...forPatient(proposal!, patient),
      appointmentType: { coding: [{ system: 'urn:opd-scheduler:channel', code }] },
    });
    const nested = (resource: unknown, depth: number): unknown =>
      depth === 0 ? resource : { resourceType: 'Parameters', parameter: [{ name: 'appt-resource', resource: nested(resource, depth - 1) }] };
    const before = (await h.opd.history()).length;
    for (const depth of [0, 1, 2, 3]) {
      for (const name of ['$hold', '$book']) {
        for (const code of ['EMERGENCY', 'emergency', 'Emergency']) {
          const { status, outcome } = await refused(operation(portal, name, nested(coded(code), depth)));
          expect(status, `${name} ${code} at depth ${depth}`).toBe(400);
          expect(codeOf(outcome)).toBe('VALIDATION_FAILED');
          expect(outcome.issue[0]!.diagnostics).toContain('/api/tokens/emergency');
        }
      }
    }
    expect((await h.opd.history()).length).toBe(before);
    expect(await h.opd.getSlot('d2-09')).toMatchObject({ free: 2, claimed: 0, places: [] });
    // Every other channel is read the same way at any depth: `walk-in` two levels down is WALK_IN.
    const held = await operation(portal, '$hold', nested(coded('walk-in'), 2));
    expect(held.status).toBe('pending');
    expect((await h.opd.getSlot('d2-09')).places.map((t) => t.category)).toEqual(['WALK_IN']);
    const booked = await operation(portal, '$book', nested(coded('Walk-In', 'Patient/meena-3'), 3));
    expect(booked.status).toBe('booked');
    expect((await h.opd.getSlot('d2-09')).places.map((t) => t.category)).toEqual(['WALK_IN', 'WALK_IN']);
    // A place held for an emergency by the API is not booked over FHIR either: it stays held.
    const hold = await h.call('POST', '/api/tokens/hold', {
      key: PORTAL_KEY,
      body: { doctorId: 'd1', slotId: 'd1-09', category: 'EMERGENCY', patient: { id: 'ravi-2', name: NAME }, holdMinutes: 10 },
    });
    expect(hold.status, hold.text).toBe(201);
    const tokenId = (hold.body as { token: { id: string } }).token.id;
    const pending = {
      ...coded('ONLINE'),
      id: tokenId.replace(/[^A-Za-z0-9-]/g, (c) => `.${c.charCodeAt(0).toString(16).padStart(2, '0')}`),
      status: 'pending',
    };
    pending.participant = [{ actor: { reference: 'Patient/ravi-2' }, required: 'required', status: 'accepted' }];
    for (const depth of [0, 2]) {
      const { status, outcome } = await refused(operation(portal, '$book', nested(pending, depth)));
      expect(status).toBe(400);
      expect(outcome.issue[0]!.diagnostics).toContain('/api/tokens/emergency');
    }
    expect((await h.opd.getToken(tokenId)).status).toBe('HELD');
  });

  it('books a held Appointment only for its own patient: naming another is 404 TOKEN_NOT_FOUND, as an unknown one, changing nothing', async () => {
    h = await startHarness({ apiKeys: KEYS });
    await hospital(h);
    const portal = client(h, PORTAL_KEY);
    const [proposal] = proposals(await find(portal, { practitioner: 'd1', patient: 'Patient/alice' }));
    const held = await operation(portal, '$hold', proposal);
    expect(held.participant[0]!.actor.reference).toBe('Patient/alice');
    const as = (reference: string): Appointment => ({
      ...held,
      participant: [{ actor: { reference }, required: 'required', status: 'accepted' }, ...held.participant.slice(1)],
    });
    const before = (await h.opd.history()).length;
    const mallory = await refused(
      operation(portal, '$book', { resourceType: 'Parameters', parameter: [{ name: 'appt-resource', resource: as('Patient/mallory') }] }),
    );
    expect(mallory.status).toBe(404);
    expect(codeOf(mallory.outcome)).toBe('TOKEN_NOT_FOUND');
    expect(JSON.stringify(mallory.outcome)).not.toMatch(/alice|mallory/);
    // An Appointment that does not exist, for the same patient: the same answer but for its id.
    const tokenSystem = 'urn:opd-scheduler:token';
    const heldId = (held as Appointment & { identifier: { system: string; value: string }[] }).identifier.find((i) => i.system === tokenSystem)!.value;
    const unknown = await refused(operation(portal, '$book', { ...as('Patient/mallory'), identifier: [{ system: tokenSystem, value: `${heldId}0` }] }));
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.outcome).replaceAll(`${heldId}0`, '?')).toBe(JSON.stringify(mallory.outcome).replaceAll(heldId, '?'));
    expect((await h.opd.history()).length).toBe(before);
    expect((await h.opd.getSlot('d1-09')).places.map((t) => t.status)).toEqual(['HELD']);
    // Alice books it; Mallory is still not answered her booking.
    expect((await operation(portal, '$book', held)).status).toBe('booked');
    expect((await refused(operation(portal, '$book', as('Patient/mallory')))).status).toBe(404);
  });
});

describe('$find for the dates of a series', () => {
  /** The date `n` days after {@link DAY}. */
  const dayAfter = (n: number): string => new Date(Date.parse(`${DAY}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const WEEKS = [0, 7, 14];
  /** Each week's date, from midnight to midnight (UTC). */
  const starts = WEEKS.map((n) => dayAfter(n));
  const ends = WEEKS.map((n) => dayAfter(n + 1));

  /** d1 with one place at 10:00 on DAY and on the same day of each of the two weeks after it; the second week's is booked. */
  async function weekly(h: Harness): Promise<void> {
    expect((await h.call('POST', '/api/doctors', { body: { id: 'd1', name: 'Dr One', specialization: 'Obstetrics', department: 'OBS' } })).status).toBe(201);
    const slots = WEEKS.map((n) => ({
      id: `d1-w${String(n / 7)}`,
      start: `${dayAfter(n)}T10:00:00Z`,
      end: `${dayAfter(n)}T11:00:00Z`,
      capacity: 1,
      overflowCapacity: 0,
    }));
    expect((await h.call('POST', '/api/doctors/d1/slots', { key: PORTAL_KEY, body: slots })).status).toBe(201);
    const taken = await h.call('POST', '/api/tokens', {
      key: PORTAL_KEY,
      body: { doctorId: 'd1', category: 'WALK_IN', slotId: 'd1-w1', patient: { id: 'P-9', name: NAME } },
    });
    expect(taken.status, taken.text).toBe(201);
  }

  it('answers three weekly windows each as a search of its own, by GET with repeated start and end and by POST Parameters', async () => {
    h = await startHarness({ apiKeys: KEYS });
    await weekly(h);
    const portal = client(h, PORTAL_KEY);

    // GET by a FHIR client: a list repeats the query parameter (`?start=…&start=…&start=…&end=…`).
    const got = (await portal.operation({
      name: '$find',
      resourceType: 'Appointment',
      method: 'GET',
      input: { start: starts, end: ends, patient: 'Patient/asha-1' } as unknown as FhirResource,
    })) as Bundle & FhirResource;
    expectValid(got);
    expect(Client.httpFor(got).response?.status).toBe(200);
    expect(proposals(got).map((a) => [slotOf(a), a.start])).toEqual([
      ['d1-w0', `${DAY}T10:00:00.000Z`],
      ['d1-w2', `${dayAfter(14)}T10:00:00.000Z`],
    ]);
    expect(got.total).toBe(2);
    // The week without a place is told in one OperationOutcome after the proposals, naming its window and why.
    expect(got.entry!.map((e) => e.search.mode)).toEqual(['match', 'match', 'outcome']);
    const outcome = got.entry!.at(-1)!.resource as Outcome;
    expect(outcome.issue.map((i) => i.diagnostics)).toEqual([`${dayAfter(7)}T00:00:00.000Z to ${dayAfter(8)}T00:00:00.000Z: No place: 1 slot: no place left`]);
    expect(JSON.stringify(got)).not.toContain(NAME);

    // The same windows as a Parameters resource, each `start` and `end` repeated in order (any value type of the GET): the same Bundle.
    const parameter = [
      ...starts.map((start, i) => (i === 1 ? { name: 'start', valueDateTime: `${start}T00:00:00Z` } : { name: 'start', valueDate: start })),
      ...ends.map((end) => ({ name: 'end', valueDate: end })),
      { name: 'patient', valueReference: { reference: 'Patient/asha-1' } },
    ];
    const posted = (await portal.operation({ name: '$find', resourceType: 'Appointment', input: { resourceType: 'Parameters', parameter } })) as Bundle &
      FhirResource;
    expectValid(posted);
    expect(posted).toEqual(got);
    // `_count` applies to each window; the same search over the raw query string.
    const added = await h.call('POST', '/api/doctors/d1/slots', {
      key: PORTAL_KEY,
      body: [{ id: 'd1-w2-11', start: `${dayAfter(14)}T11:00:00Z`, end: `${dayAfter(14)}T12:00:00Z`, capacity: 1 }],
    });
    expect(added.status, added.text).toBe(201);
    const query = new URLSearchParams([
      ...starts.map((v): [string, string] => ['start', v]),
      ...ends.map((v): [string, string] => ['end', v]),
      ['_count', '1'],
    ]);
    const counted = await h.call('GET', `/fhir/Appointment/$find?${query.toString()}`, { key: PORTAL_KEY });
    expect(counted.status, counted.text).toBe(200);
    expect(proposals(counted.body as Bundle).map(slotOf)).toEqual(['d1-w0', 'd1-w2']);
    expect(
      proposals((await h.call('GET', `/fhir/Appointment/$find?start=${starts[2]!}&end=${ends[2]!}`, { key: PORTAL_KEY })).body as Bundle).map(slotOf),
    ).toEqual(['d1-w2', 'd1-w2-11']);

    // One start and one end, in either form, are one search, answered as before.
    const single = await find(portal, { start: starts[0]!, end: ends[2]! });
    expect(proposals(single).map(slotOf)).toEqual(['d1-w0', 'd1-w2', 'd1-w2-11']);
    expect(single.entry!.every((e) => e.search.mode === 'match')).toBe(true);
    const singlePosted = await portal.operation({
      name: '$find',
      resourceType: 'Appointment',
      input: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'start', valueDate: starts[0]! },
          { name: 'end', valueDate: ends[2]! },
        ],
      },
    });
    expect(singlePosted).toEqual(single);
  });

  it('refuses windows that do not pair up, overlap or run backwards with 400, naming the parameter, in the query or the body', async () => {
    h = await startHarness({ apiKeys: KEYS });
    await weekly(h);
    const portal = client(h, PORTAL_KEY);
    const before = (await h.opd.history()).length;
    const byQuery = async (pairs: [string, string][], field: string): Promise<void> => {
      const answer = await h!.call('GET', `/fhir/Appointment/$find?${new URLSearchParams(pairs).toString()}`, { key: PORTAL_KEY });
      const outcome = expectOutcome(answer, 400, 'VALIDATION_FAILED');
      expect(outcome.issue[0], JSON.stringify(pairs)).toMatchObject({ severity: 'error', code: 'invalid' });
      expect(outcome.issue[0]!.diagnostics, JSON.stringify(pairs)).toContain(`\`${field}\``);
    };
    // Three starts, two ends: `end` is the parameter at fault.
    await byQuery([...starts.map((v): [string, string] => ['start', v]), ['end', ends[0]!], ['end', ends[1]!]], 'end');
    // The second window starts before the first ends; a window that ends before it starts; a value that is no date.
    await byQuery(
      [
        ['start', starts[0]!],
        ['start', starts[0]!],
        ['end', ends[1]!],
        ['end', ends[2]!],
      ],
      'start[1]',
    );
    await byQuery(
      [
        ['start', starts[0]!],
        ['start', ends[2]!],
        ['end', ends[0]!],
        ['end', starts[2]!],
      ],
      'end[1]',
    );
    await byQuery(
      [
        ['start', starts[0]!],
        ['start', 'soon'],
        ['end', ends[0]!],
        ['end', ends[2]!],
      ],
      'start[1]',
    );
    // More windows than a series has dates.
    const many = Array.from({ length: 53 }, (_, i) => dayAfter(i * 2));
    await byQuery([...many.map((v): [string, string] => ['start', v]), ...many.map((v): [string, string] => ['end', v])], 'start');
    // `_count` out of range is named as the client sent it (the engine's `options.count`).
    await byQuery(
      [
        ['start', starts[0]!],
        ['end', ends[0]!],
        ['_count', '0'],
      ],
      '_count',
    );

    // The same mismatch as Parameters, asked by the FHIR client.
    const mismatched = await refused(
      portal.operation({
        name: '$find',
        resourceType: 'Appointment',
        input: {
          resourceType: 'Parameters',
          parameter: [...starts.map((start) => ({ name: 'start', valueDate: start })), { name: 'end', valueDate: ends[0]! }],
        },
      }),
    );
    expect(mismatched.status).toBe(400);
    expect(codeOf(mismatched.outcome)).toBe('VALIDATION_FAILED');
    expect(mismatched.outcome.issue[0]!.diagnostics).toContain('`end`');
    expect((await h.opd.history()).length).toBe(before);
  });
});

describe('the last place', () => {
  it('held by three clients at once: one Appointment, two OperationOutcomes 409; booked by two at once: one booking', async () => {
    h = await startHarness({ apiKeys: KEYS });
    expect((await h.call('POST', '/api/doctors', { body: { id: 'r1', name: 'Dr Race' } })).status).toBe(201);
    const hours = [9, 10, 11, 12, 13];
    const slots = hours.map((hour) => ({
      id: `r1-${hour}`,
      start: `${DAY}T${String(hour).padStart(2, '0')}:00:00Z`,
      end: `${DAY}T${String(hour + 1).padStart(2, '0')}:00:00Z`,
      capacity: 1,
    }));
    expect((await h.call('POST', '/api/doctors/r1/slots', { body: slots })).status).toBe(201);
    const clients = [client(h, PORTAL_KEY), client(h, KIOSK_KEY), client(h, PORTAL_KEY)];
    const found = proposals(await find(clients[0]!, { practitioner: 'r1' }));
    expect(found).toHaveLength(5);
    for (const [n, proposal] of found.entries()) {
      // Holds for the first four slots, direct bookings for the last one.
      const name = n < 4 ? '$hold' : '$book';
      const answers = await Promise.allSettled(clients.map((c, i) => operation(c, name, forPatient(proposal, `Patient/p-${n}-${i}`))));
      const won = answers.filter((a) => a.status === 'fulfilled').map((a) => a.value);
      expect(won, `${slotOf(proposal)}: ${JSON.stringify(answers.map((a) => a.status))}`).toHaveLength(1);
      expectValid(won[0]);
      expect(won[0]!.status).toBe(n < 4 ? 'pending' : 'booked');
      for (const lost of answers.filter((a) => a.status === 'rejected')) {
        const { status, outcome } = await refused(Promise.reject(lost.reason));
        expect(status).toBe(409);
        expect(outcome.issue[0]).toMatchObject({ severity: 'fatal', code: 'not-found' });
        expect(codeOf(outcome)).toBe('SLOT_FULL');
      }
      const view = await h.opd.getSlot(slotOf(proposal));
      expect(view.free).toBe(0);
      expect(view.places).toHaveLength(1);
      expect(view.waitlist).toEqual([]);
    }
  });
});

describe('failures are OperationOutcomes', () => {
  it('answers bad input with 400, changing nothing', async () => {
    h = await startHarness({ apiKeys: KEYS });
    await hospital(h);
    const portal = client(h, PORTAL_KEY);
    const [proposal] = proposals(await find(portal, { patient: 'Patient/asha-1' }));
    const before = (await h.opd.history()).length;

    const search = async (input: Record<string, string>, field: string): Promise<void> => {
      const { status, outcome } = await refused(portal.operation({ name: '$find', resourceType: 'Appointment', method: 'GET', input }));
      expect(status, JSON.stringify(input)).toBe(400);
      expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'invalid' });
      expect(codeOf(outcome)).toBe('VALIDATION_FAILED');
      expect(outcome.issue[0]!.diagnostics, JSON.stringify(input)).toContain(field);
    };
    await search({ end: NEXT_DAY }, 'start');
    await search({ start: 'soon', end: NEXT_DAY }, 'start');
    await search({ start: DAY, end: NEXT_DAY, colour: 'red' }, 'colour');
    await search({ start: DAY, end: NEXT_DAY, _count: 'many' }, '_count');
    await search({ start: DAY, end: NEXT_DAY, 'appointment-type': 'NOPE' }, 'NOPE');
    await search({ start: DAY, end: NEXT_DAY, patient: `${NAME}` }, 'patient');

    const operationRefused = async (name: string, input: unknown, status = 400): Promise<Outcome> => {
      const answer = await refused(operation(portal, name, input));
      expect(answer.status, `${name} ${JSON.stringify(input)}`).toBe(status);
      return answer.outcome;
    };
    await operationRefused('$find', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'start', valueDate: DAY },
        { name: 'colour', valueString: 'red' },
      ],
    });
    await operationRefused('$find', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'start', valueDate: DAY },
        { name: 'start', valueDate: DAY },
      ],
    });
    await operationRefused('$find', { resourceType: 'Appointment' });
    await operationRefused('$hold', { resourceType: 'Patient', name: [{ text: NAME }] });
    await operationRefused('$hold', { ...proposal!, participant: proposal!.participant.slice(1) });
    await operationRefused('$hold', { resourceType: 'Parameters', parameter: [] });
    await operationRefused('$book', { ...proposal!, slot: [{ reference: 'Slot/nowhere' }] }, 404);
    await operationRefused('$hold', [proposal]);
    await operationRefused('$hold', { ...forPatient(proposal!, 'Patient/x'), ['__proto__']: { polluted: true } });

    // The server's own failures on /fhir: not JSON, JSON that is not UTF-8 JSON, a bad id header, a patch that changes anything but the status.
    const raw = (method: string, path: string, body: string, type = 'application/fhir+json', headers: Record<string, string> = {}) =>
      h!.call(method, path, { key: PORTAL_KEY, raw: body, headers: { 'content-type': type, ...headers } });
    expect(expectOutcome(await raw('POST', '/fhir/Appointment/$hold', '{"resourceType":'), 400, 'VALIDATION_FAILED').issue[0]!.code).toBe('structure');
    expectOutcome(await raw('POST', '/fhir/Appointment/$hold', 'appointment', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectOutcome(await raw('POST', '/fhir/Appointment/$hold', '{}'), 400, 'VALIDATION_FAILED');
    expectOutcome(
      await raw('POST', '/fhir/Appointment/$book', JSON.stringify(proposal), 'application/fhir+json', { 'x-request-id': 'not an id!' }),
      400,
      'VALIDATION_FAILED',
    );
    expectOutcome(
      await raw('POST', '/fhir/Appointment/$book', JSON.stringify(proposal), 'application/json', { 'idempotency-key': 'x'.repeat(201) }),
      400,
      'VALIDATION_FAILED',
    );
    const patch = (ops: unknown) => raw('PATCH', '/fhir/Appointment/anything', JSON.stringify(ops), 'application/json-patch+json');
    for (const ops of [
      [],
      [{ op: 'replace', path: '/status', value: 'booked' }],
      [{ op: 'remove', path: '/status' }],
      [{ op: 'replace', path: '/start', value: DAY }],
      { status: 'cancelled' },
    ]) {
      expectOutcome(await patch(ops), 400, 'VALIDATION_FAILED');
    }
    expect((await h.opd.history()).length).toBe(before);
    expect((await h.opd.getSlot('d1-09')).free).toBe(1);

    // Unknown appointments, routes and methods.
    expect(codeOf((await refused(portal.operation({ name: '$cancel', resourceType: 'Appointment', id: 'nobody' }))).outcome)).toBe('TOKEN_NOT_FOUND');
    expectOutcome(await h.call('GET', '/fhir/Patient/1', { key: PORTAL_KEY }), 404, 'NOT_FOUND');
    const wrong = expectOutcome(await h.call('DELETE', `/fhir/Appointment/${enc('d1~x')}`, { key: PORTAL_KEY }), 405, 'METHOD_NOT_ALLOWED');
    expect(wrong.issue[0]!.code).toBe('not-supported');
  });

  it('needs a key on every operation (401 OperationOutcome), never on metadata', async () => {
    h = await startHarness({ apiKeys: KEYS });
    await hospital(h);
    const fhirRoutes = h.server.routes.filter((r) => isFhirPath(r.path));
    expect(fhirRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort()).toEqual(
      [
        'GET /fhir/metadata',
        'GET /fhir/Appointment/$find',
        'POST /fhir/Appointment/$find',
        'POST /fhir/Appointment/$hold',
        'POST /fhir/Appointment/$book',
        'POST /fhir/Appointment/:id/$cancel',
        'PATCH /fhir/Appointment/:id',
        'GET /fhir/$bulk-publish',
        'GET /fhir/locations.ndjson',
        'GET /fhir/healthcare-services.ndjson',
        'GET /fhir/practitioner-roles.ndjson',
        'GET /fhir/schedules.ndjson',
        'GET /fhir/slots.ndjson',
      ].sort(),
    );
    for (const route of fhirRoutes) {
      const path = route.path.replace(':id', 'd1.7e2026-01-30.7e1');
      const method = route.method.toUpperCase();
      const body =
        method === 'GET' ? undefined : route.method === 'patch' ? [{ op: 'replace', path: '/status', value: 'cancelled' }] : { resourceType: 'Parameters' };
      if (route.auth === 'public') {
        expect((await h.call(method, path, { key: null })).status).toBe(200);
        continue;
      }
      const none = await h.call(method, path, { key: null, body });
      expect(expectOutcome(none, 401, 'UNAUTHORIZED').issue[0]!.code).toBe('login');
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="opd-scheduler"');
      expectOutcome(await h.call(method, path, { key: 'wrong-key-0123456789abcdef', body }), 401, 'UNAUTHORIZED');
      expectOutcome(await h.call(method, path, { body, headers: { 'x-actor': 'kiosk' } }), 403, 'ACTOR_NOT_ALLOWED');
      // The OpenAPI document says the same, and that answers are FHIR JSON.
      const documented = h.server.openapi.paths[openApiPath(route.path)]![route.method]! as {
        security: unknown;
        responses: Record<string, { content: Record<string, unknown> }>;
      };
      expect(documented.security).toEqual([{ bearerAuth: [] }]);
      for (const status of ['200', '400', '401', '403'])
        expect(Object.keys(documented.responses[status]!.content), `${route.operationId} ${status}`).toEqual(['application/fhir+json']);
    }
    // Through the FHIR client: no key, no search; the statement stays public.
    expect((await refused(find(client(h), {}))).status).toBe(401);
    expect((await client(h).capabilityStatement()).resourceType).toBe('CapabilityStatement');
    expect((await h.opd.history()).filter((e) => e.type === 'token:held')).toEqual([]);
  });

  it('counts $hold and $book in the booking rate limit, answered as an OperationOutcome 429', async () => {
    h = await startHarness({ apiKeys: KEYS, rateLimit: { limit: 1, windowMs: 60_000 } });
    await hospital(h);
    const portal = client(h, PORTAL_KEY);
    const found = proposals(await find(portal, {}));
    expect((await operation(portal, '$hold', forPatient(found[0]!, 'Patient/a'))).status).toBe('pending');
    const over = await h.call('POST', '/fhir/Appointment/$book', { key: PORTAL_KEY, body: forPatient(found[1]!, 'Patient/b') });
    expect(expectOutcome(over, 429, 'TOO_MANY_REQUESTS').issue[0]!.code).toBe('throttled');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    // Searching is not limited; another key has its own budget.
    expect(proposals(await find(portal, {}))).toHaveLength(2);
    expect((await operation(client(h, KIOSK_KEY), '$book', forPatient(found[1]!, 'Patient/b'))).status).toBe('booked');
  });

  it(`random bodies and parameters get a 2xx or a 4xx OperationOutcome, never a 5xx (seed 20260130)`, async () => {
    h = await startHarness({ apiKeys: KEYS });
    await hospital(h);
    const harness = h;
    const [proposal] = proposals(await find(client(h, PORTAL_KEY), { patient: 'Patient/asha-1' }));
    const json = fc.jsonValue({ maxDepth: 4 });
    const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('d1', 'd1-09', 'Slot/d1-09', 'ONLINE', 'walk_in', DAY, 'Patient/p-1', '%', '\u0000'));
    const mutated = fc.record(
      {
        slot: fc.oneof(json, fc.constant([{ reference: 'Slot/d1-09' }]), fc.array(fc.record({ reference: text }))),
        participant: fc.oneof(json, fc.array(fc.record({ actor: fc.oneof(json, fc.record({ reference: text, display: text })) }))),
        appointmentType: fc.oneof(
          json,
          fc.record({ coding: fc.array(fc.record({ system: fc.constantFrom('urn:opd-scheduler:channel', 'x'), code: fc.oneof(text, json) })) }),
        ),
        status: fc.oneof(text, fc.constantFrom('pending', 'proposed')),
        id: text,
        identifier: json,
      },
      { requiredKeys: [] },
    );
    const appointment = mutated.map((m) => ({ ...proposal!, ...m }));
    const body = fc.oneof(
      json,
      appointment,
      appointment.map((a) => ({ resourceType: 'Parameters', parameter: [{ name: 'appt-resource', resource: a }] })),
      fc.record({ resourceType: fc.constant('Parameters'), parameter: fc.array(fc.record({ name: text, valueString: fc.oneof(text, json) })) }),
    );
    const route = fc.constantFrom(
      ['POST', '/fhir/Appointment/$hold'],
      ['POST', '/fhir/Appointment/$book'],
      ['POST', '/fhir/Appointment/$find'],
      ['POST', '/fhir/Appointment/{id}/$cancel'],
      ['PATCH', '/fhir/Appointment/{id}'],
      ['GET', '/fhir/Appointment/$find?start={q}&end={q}&specialty={q}&appointment-type={q}'],
      ['GET', '/fhir/Appointment/$find?start={q}&end=2026-02-01&patient={q}&_count={q}'],
    );
    await fc.assert(
      fc.asyncProperty(route, body, text, text, async ([method, template], sent, id, q) => {
        const path = template!.replace('{id}', encodeURIComponent(id)).replaceAll('{q}', encodeURIComponent(q));
        const answer = await harness.call(
          method!,
          path,
          method === 'GET' ? {} : { raw: JSON.stringify(sent) ?? 'null', headers: { 'content-type': 'application/fhir+json' } },
        );
        if (answer.status >= 500) throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text}`);
        if (answer.headers.get('content-type') !== FHIR_TYPE)
          throw new Error(`${method} ${path} answered ${answer.status} as ${answer.headers.get('content-type')}`);
        if (!validateResource(answer.body)) throw new Error(`${method} ${path} answered invalid FHIR: ${answer.text}`);
        if (answer.status >= 400 && (answer.body as { resourceType?: unknown }).resourceType !== 'OperationOutcome')
          throw new Error(`${method} ${path} answered ${answer.status} with ${answer.text}`);
      }),
      { numRuns: Number(process.env['OPD_PROPERTY_RUNS'] ?? 150), seed: 20260130, verbose: 1 },
    );
  });
});

describe('without keys (development)', () => {
  it('answers no patient reference, and still holds and books', async () => {
    h = await startHarness();
    await hospital(h);
    const dev = client(h);
    const found = proposals(await find(dev, { patient: 'Patient/asha-1' }));
    expect(found.map(slotOf)).toEqual(['d1-09', 'd2-09', 'd1-10']);
    const held = await operation(dev, '$hold', forPatient(found[0]!, 'Patient/asha-1'));
    const booked = await operation(dev, '$book', held);
    for (const answer of [...found, held, booked]) {
      expectValid(answer);
      expect(JSON.stringify(answer)).not.toMatch(/Patient\/|Asha/);
    }
    expect(booked.status).toBe('booked');
    expect((await h.opd.history()).at(-1)).toMatchObject({ type: 'token:confirmed', actor: 'anonymous' });
  });
});

describe('GET /fhir/$bulk-publish (SMART Scheduling Links)', () => {
  it('serves the manifest and its NDJSON files publicly, honest for the channel, with ETag, Cache-Control and 304', async () => {
    h = await startHarness({ apiKeys: KEYS });
    await hospital(h);
    const response = await fetch(`${h.url}/fhir/$bulk-publish`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const etag = response.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const manifest = (await response.json()) as { transactionTime: string; request: string; output: { type: string; url: string }[]; error: unknown[] };
    // What the SMART Scheduling Links test kit checks of a manifest.
    expect(manifest.request).toMatch(/\/\$bulk-publish$/);
    expect(Number.isNaN(Date.parse(manifest.transactionTime))).toBe(false);
    expect(manifest.output.map((o) => o.type)).toEqual(expect.arrayContaining(['Location', 'Schedule', 'Slot']));
    expect(manifest.error).toEqual([]);
    // Unchanged: 304.
    expect((await fetch(`${h.url}/fhir/$bulk-publish`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    // Each file, the manifest's URL (no key), one valid resource a line; Slots free exactly where an online booking gets a place.
    const resources = new Map<string, Record<string, unknown>[]>();
    for (const output of manifest.output) {
      const file = await fetch(output.url);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
      const lines = (await file.text()).split('\n').filter((line) => line !== '');
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const r of parsed) {
        expectValid(r);
        expect(r['resourceType']).toBe(output.type);
      }
      resources.set(output.type, parsed);
      expect((await fetch(output.url, { headers: { 'If-None-Match': file.headers.get('etag')! } })).status).toBe(304);
    }
    const free = (resources.get('Slot') ?? []).filter((s) => s['status'] === 'free').map((s) => (s['identifier'] as { value: string }[])[0]!.value);
    const portal = client(h, PORTAL_KEY);
    expect(free.sort()).toEqual(
      proposals(await find(portal, {}))
        .map(slotOf)
        .sort(),
    );
    // _since: the request and the files name it.
    const since = (await (await fetch(`${h.url}/fhir/$bulk-publish?_since=${encodeURIComponent(manifest.transactionTime)}`)).json()) as {
      request: string;
      output: { url: string }[];
    };
    expect(since.request).toContain('_since=');
    for (const output of since.output) expect(output.url).toContain('_since=');
    expect((await fetch(`${h.url}/fhir/$bulk-publish?_since=yesterday`)).status).toBe(400);
    // The statement names the feed and the patch that cancels.
    const statement = (await (await fetch(`${h.url}/fhir/metadata`)).json()) as {
      rest: { operation?: { name: string }[]; resource: { interaction?: { code: string }[] }[] }[];
    };
    expect(statement.rest[0]!.operation!.map((o) => o.name)).toEqual(['bulk-publish']);
    expect(statement.rest[0]!.resource[0]!.interaction).toEqual([{ code: 'patch' }]);
  });
});
