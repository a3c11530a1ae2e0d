/**
 * Coming back, in FHIR R4: a follow-up's Appointment and a series' occurrences name the order they
 * fulfil (`basedOn`, a ServiceRequest by identifier), `$find` answers the dates of a series, and a
 * doctor's PractitionerRole says the system of medicine and whether the OPD is a specialist one.
 * Every resource is validated against the official FHIR R4 JSON schema; `$find` is also asked by
 * a real FHIR client (`fhir-kit-client`) over HTTP.
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { presets, toFhirAppointment, type OpdScheduler, type Token } from 'opd-scheduler';
import { bulkPublish, findAppointments, type FhirOperationOutcome, type FhirProposedAppointment, type FhirSearchBundle } from 'opd-scheduler/fhir';
import { Client, type FhirResource } from 'fhir-kit-client';
import { afterEach, describe, expect, it } from 'vitest';
import { validateResource } from '../fhir-schema.js';
import { at, DAY, scheduler } from '../helpers.js';

function expectValid(resource: unknown): void {
  expect(validateResource(resource), JSON.stringify(validateResource.errors?.slice(0, 5), null, 1)).toBe(true);
}

/** The local date `n` days after {@link DAY}. */
function dayAfter(n: number): string {
  return new Date(Date.parse(`${DAY}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** A doctor with a visit slot on DAY (09:00, the clock at 08:00) and a 10:00 slot of `capacity` on each of `days` after it. */
async function clinic(days: readonly number[], capacity = 2) {
  const made = scheduler({ ...presets.standard(), followUps: { freeWithinDays: 10, freeVisits: 2, scope: 'doctor' } });
  made.clock.set(at('08:00'));
  const { opd } = made;
  await opd.addDoctor({ id: 'rao', name: 'Dr Rao', specialization: 'Obstetrics', department: 'obs' });
  await opd.addSlots('rao', [{ id: 'visit', start: at('09:00'), end: at('10:00'), capacity: 4 }]);
  await opd.addSlots(
    'rao',
    days.map((n) => ({ id: `in-${String(n)}`, start: `${dayAfter(n)}T10:00:00Z`, end: `${dayAfter(n)}T11:00:00Z`, capacity, overflowCapacity: 0 })),
  );
  return made;
}

async function seenVisit(opd: OpdScheduler, patientId: string): Promise<Token> {
  const { token } = await opd.book({ doctorId: 'rao', category: 'ONLINE', patient: { id: patientId, name: 'Asha' }, slotId: 'visit' });
  await opd.checkIn(token.id);
  await opd.startConsultation(token.id);
  return (await opd.complete(token.id, { charged: true })).token;
}

async function appointmentOf(opd: OpdScheduler, tokenId: string) {
  const token = await opd.getToken(tokenId);
  return toFhirAppointment(token, { patient: { reference: 'Patient/asha' }, ...(token.slotId === null ? {} : { slot: await opd.getSlot(token.slotId) }) });
}

describe('a follow-up and a series as FHIR Appointments', () => {
  it('names the follow-up it fulfils in basedOn (a ServiceRequest) and the visit it follows in supportingInformation', async () => {
    const { opd } = await clinic([6, 7, 8]);
    const visit = await seenVisit(opd, 'P-1');
    const { followUp, token } = await opd.bookFollowUp(visit.id, { afterDays: 7, windowDays: 1 });
    expect(token?.followUpId).toBe(followUp.id);
    expect((await opd.getToken(token!.id)).followUpId).toBe(followUp.id);

    const appointment = await appointmentOf(opd, token!.id);
    expectValid(appointment);
    expect(appointment.basedOn).toEqual([
      { type: 'ServiceRequest', identifier: { system: 'urn:opd-scheduler:follow-up', value: followUp.id }, display: 'Follow-up' },
    ]);
    const visitAppointment = await appointmentOf(opd, visit.id);
    expect(appointment.supportingInformation).toEqual([
      {
        reference: `Appointment/${visitAppointment.id ?? ''}`,
        type: 'Appointment',
        identifier: { system: 'urn:opd-scheduler:token', value: visit.id },
        display: 'The visit it follows',
      },
    ]);
    // The visit itself, and an ordinary booking, fulfil no order.
    expect(visitAppointment.basedOn).toBeUndefined();
    expect(visitAppointment.supportingInformation).toBeUndefined();
    const { token: other } = await opd.book({ doctorId: 'rao', category: 'FOLLOW_UP', patient: { id: 'P-2', name: 'Ravi' }, slotId: 'in-7' });
    expect(other.followUpId).toBeUndefined();
    expect((await appointmentOf(opd, other.id)).basedOn).toBeUndefined();
  });

  it('links each occurrence of a series to the series (basedOn) and numbers it in the series (identifier)', async () => {
    const { opd } = await clinic([7, 14, 21]);
    const series = await opd.bookSeries({
      patient: { id: 'P-3', name: 'Lata' },
      doctorId: 'rao',
      start: dayAfter(7),
      every: { weeks: 1 },
      count: 3,
      mode: 'all-or-nothing',
      idempotencyKey: 'anc-P-3',
    });
    const appointments = await Promise.all(series.tokens.map((t) => appointmentOf(opd, t.id)));
    for (const [i, appointment] of appointments.entries()) {
      expectValid(appointment);
      expect(appointment.basedOn).toEqual([
        { type: 'ServiceRequest', identifier: { system: 'urn:opd-scheduler:series', value: series.seriesId }, display: 'Series of visits' },
      ]);
      expect(appointment.identifier.at(-1)).toEqual({
        type: { text: 'Occurrence in the series' },
        system: `urn:opd-scheduler:series/${encodeURIComponent(series.seriesId)}`,
        value: String(i + 1),
      });
    }
    // Under the caller's namespace.
    const token = await opd.getToken(series.tokens[1]!.id);
    const named = toFhirAppointment(token, { identifierSystem: 'https://h.example/ids/', slot: await opd.getSlot(token.slotId!) });
    expect(named.basedOn?.[0]?.identifier?.system).toBe('https://h.example/ids/series');
  });

  it('refuses an occurrence of a series without its number, naming the field', async () => {
    const { opd } = await clinic([7]);
    const series = await opd.bookSeries({
      patient: { id: 'P-4', name: 'Lata' },
      doctorId: 'rao',
      start: dayAfter(7),
      every: { days: 7 },
      count: 1,
      mode: 'best-effort',
      idempotencyKey: 'k-4',
    });
    const token = series.tokens[0]!;
    const slot = await opd.getSlot(token.slotId!);
    expect(() => toFhirAppointment({ ...token, occurrence: 0 }, { slot })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field: 'token.occurrence' }) }) as Error,
    );
  });
});

function proposals(bundle: FhirSearchBundle): FhirProposedAppointment[] {
  return (bundle.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => e.resource as FhirProposedAppointment);
}

function outcomeOf(bundle: FhirSearchBundle): FhirOperationOutcome | undefined {
  return bundle.entry?.find((e) => e.search.mode === 'outcome')?.resource as FhirOperationOutcome | undefined;
}

describe('$find for the dates of a series', () => {
  /** The dates of a weekly series from day 7: each day's window from 00:00 to 24:00. */
  const windows = (days: readonly number[]) => ({ start: days.map((n) => `${dayAfter(n)}T00:00:00Z`), end: days.map((n) => `${dayAfter(n + 1)}T00:00:00Z`) });

  it('answers each date its proposals, in order, and tells the dates without a place', async () => {
    const { opd } = await clinic([7, 14, 21], 1);
    await opd.book({ doctorId: 'rao', category: 'ONLINE', patient: { id: 'P-9', name: 'Ravi' }, slotId: 'in-14' });
    const bundle = await findAppointments(opd, { ...windows([7, 14, 21]), patient: 'Patient/asha' }, { channel: 'ONLINE' });
    expectValid(bundle);
    expect(proposals(bundle).map((p) => p.slot[0]!.identifier!.value)).toEqual(['in-7', 'in-21']);
    expect(bundle.total).toBe(2);
    const outcome = outcomeOf(bundle)!;
    expect(outcome.issue).toHaveLength(1);
    expect(outcome.issue[0]!.diagnostics).toBe(`${dayAfter(14)}T00:00:00.000Z to ${dayAfter(15)}T00:00:00.000Z: No place: 1 slot: no place left`);

    // Every date with a place: proposals only; `count` is per date.
    const all = await findAppointments(opd, windows([7, 21]), { channel: 'ONLINE', count: 1 });
    expectValid(all);
    expect(proposals(all).map((p) => p.slot[0]!.identifier!.value)).toEqual(['in-7', 'in-21']);
    expect(outcomeOf(all)).toBeUndefined();
    // No date with a place: an empty Bundle, every date told.
    const none = await findAppointments(opd, windows([14, 28]), { channel: 'ONLINE' });
    expectValid(none);
    expect(none.total).toBe(0);
    expect(outcomeOf(none)!.issue.map((i) => i.diagnostics?.slice(0, 10))).toEqual([dayAfter(14), dayAfter(28)]);
  });

  it('answers one start and end exactly as before, a list of one the same', async () => {
    const { opd } = await clinic([7, 14], 1);
    const single = await findAppointments(opd, { start: `${dayAfter(7)}T00:00:00Z`, end: `${dayAfter(15)}T00:00:00Z` }, { channel: 'ONLINE' });
    const listed = await findAppointments(opd, { start: [`${dayAfter(7)}T00:00:00Z`], end: [`${dayAfter(15)}T00:00:00Z`] }, { channel: 'ONLINE' });
    expect(proposals(single).map((p) => p.slot[0]!.identifier!.value)).toEqual(['in-7', 'in-14']);
    expect(listed).toEqual(single);
  });

  it('refuses dates that do not pair up, overlap or run backwards, naming the parameter', async () => {
    const { opd } = await clinic([7, 14]);
    const refused = async (params: { start: string[]; end: string[] }, field: string) =>
      expect(findAppointments(opd, params, { channel: 'ONLINE' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    await refused({ start: [dayAfter(7), dayAfter(14)], end: [dayAfter(8)] }, 'end');
    await refused({ start: [dayAfter(7), dayAfter(7)], end: [dayAfter(8), dayAfter(8)] }, 'start[1]');
    await refused({ start: [dayAfter(8)], end: [dayAfter(7)] }, 'end[0]');
    await refused({ start: [], end: [] }, 'start');
    await refused({ start: [dayAfter(7), 'not a date'], end: [dayAfter(8), dayAfter(9)] }, 'start[1]');
  });

  describe('asked by a FHIR client, repeating start and end in the query', () => {
    let server: Server | undefined;
    afterEach(() => new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve()))));

    it('gets each date its proposals', async () => {
      const { opd } = await clinic([7, 14, 21], 1);
      server = createServer((req, res) => {
        void (async () => {
          const url = new URL(req.url ?? '/', 'http://localhost');
          const q = url.searchParams;
          const many = (name: string) => (q.getAll(name).length === 1 ? q.get(name)! : q.getAll(name));
          const bundle = await findAppointments(opd, { start: many('start'), end: many('end'), patient: q.get('patient') ?? undefined }, { channel: 'ONLINE' });
          res.setHeader('content-type', 'application/fhir+json').end(JSON.stringify(bundle));
        })();
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const client = new Client({ baseUrl: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/fhir` });
      const { start, end } = windows([7, 21]);
      const bundle = (await client.operation({
        name: '$find',
        resourceType: 'Appointment',
        method: 'GET',
        input: { start, end, patient: 'Patient/asha' } as unknown as FhirResource,
      })) as unknown as FhirSearchBundle;
      expectValid(bundle);
      expect(proposals(bundle).map((p) => [p.start, p.slot[0]!.identifier!.value])).toEqual([
        [`${dayAfter(7)}T10:00:00.000Z`, 'in-7'],
        [`${dayAfter(21)}T10:00:00.000Z`, 'in-21'],
      ]);
    });
  });
});

describe("a doctor's system of medicine and specialist OPD in the PractitionerRole", () => {
  it('codes allopathic or AYUSH, specialist or general, under the identifier namespace', async () => {
    const { opd, clock } = scheduler(presets.standard());
    await opd.addDoctor({ id: 'vaidya', name: 'Dr Vaidya', department: 'ayush', system: 'ayush' });
    await opd.addDoctor({ id: 'mehta', name: 'Dr Mehta', specialization: 'Cardiology', department: 'cardiology', specialist: true });
    for (const id of ['vaidya', 'mehta']) await opd.addSlots(id, [{ id: `${id}-9`, start: at('09:00'), end: at('10:00'), capacity: 4 }]);
    const { files } = await bulkPublish(opd, { baseUrl: 'https://h.example/fhir', channel: 'ONLINE', now: clock.now(), location: { name: 'OPD' } });
    const roles = files
      .find((f) => f.type === 'PractitionerRole')!
      .ndjson.trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; code: { coding: { system: string; code: string; display: string }[] }[] });
    for (const role of roles) expectValid(role);
    const codes = new Map(roles.map((r) => [r.id, r.code.map((c) => `${c.coding[0]!.system}|${c.coding[0]!.code}`)]));
    expect(codes.get('vaidya')).toEqual([
      'http://terminology.hl7.org/CodeSystem/practitioner-role|doctor',
      'urn:opd-scheduler:system-of-medicine|ayush',
      'urn:opd-scheduler:opd|general',
    ]);
    expect(codes.get('mehta')).toEqual([
      'http://terminology.hl7.org/CodeSystem/practitioner-role|doctor',
      'urn:opd-scheduler:system-of-medicine|allopathic',
      'urn:opd-scheduler:opd|specialist',
    ]);
    expect(roles.find((r) => r.id === 'vaidya')!.code[1]!.coding[0]!.display).toMatch(/^AYUSH/);
  });
});
