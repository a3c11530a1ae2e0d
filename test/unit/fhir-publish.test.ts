/**
 * The SMART Scheduling Links feed (`bulkPublish`): every resource valid FHIR R4 (the official
 * JSON schema, with ajv, as in fhir.test.ts), the manifest as the SMART Scheduling Links test kit
 * checks it, every Slot honest for its channel (a booking at the same instant gets exactly what
 * it says), read as an aggregator reads it, and `_since` answered from the event log.
 */
import { ChannelQuota, MemoryStorage, OpdScheduler, presets, StagedOffers, type OpdEvent, type SlotAvailability } from 'opd-scheduler';
import { bulkPublish, SMART_SCHEDULING_EXTENSIONS, type BulkPublication, type BulkPublishOptions, type FhirPublishedSlot } from 'opd-scheduler/fhir';
import { describe, expect, it } from 'vitest';
import { allHistory, at, DAY, rejectsWith, TestClock } from '../helpers.js';
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
  walk(resource, '$');
}

/** The test kit's pattern of a FHIR instant (`manifest_group.rb`, INSTANT_REGEX). */
const INSTANT =
  /([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))/;

const NEXT_DAY = '2026-01-31';
const LATER_DAY = '2026-02-01';
const BASE = 'https://hospital.example/fhir';
const CHANNELS = ['ONLINE', 'WALK_IN', 'EMERGENCY'] as const;

/** A slot of an hour (or `hours`) on `day` at `hour` UTC. */
function slot(doctorId: string, hour: number, capacity: number, day = DAY, hours = 1): { id: string; start: string; end: string; capacity: number } {
  const hh = (h: number): string => String(h).padStart(2, '0');
  return {
    id: `${doctorId}-${day === DAY ? '' : `${day.slice(8)}-`}${hh(hour)}`,
    start: `${day}T${hh(hour)}:00:00Z`,
    end: `${day}T${hh(hour + hours)}:00:00Z`,
    capacity,
  };
}

/**
 * A day with everything that decides a place: an elastic preset (emergencies get elastic places;
 * a full slot sends others on, then to the waitlist), quotas with a reserve released an hour
 * before, an online booking window (90 minutes' notice, a day ahead at most), a hold, a place held
 * for an offer, a closed slot, a session of three hours, a retired doctor. Built the same way each
 * time, at 07:00 on DAY.
 */
async function scenario(storage?: MemoryStorage): Promise<{ opd: OpdScheduler; clock: TestClock }> {
  const clock = new TestClock(at('06:00'));
  const opd = new OpdScheduler({
    ...presets.elastic(),
    clock: clock.now,
    ...(storage === undefined ? {} : { storage }),
    quota: new ChannelQuota({ ONLINE: { share: 0.5 }, WALK_IN: { reserve: 1, releaseMinutesBefore: 60 } }),
    bookingWindows: { ONLINE: { minNoticeMinutes: 90, maxDaysAhead: 1 } },
    offers: new StagedOffers({ windowMinutes: 15, groupSize: 1 }),
  });
  await opd.addDoctor({ id: 'card1', name: 'Dr Rao', specialization: 'Cardiology', department: 'cardiology' });
  await opd.addSlots('card1', [
    slot('card1', 8, 2),
    slot('card1', 9, 2),
    slot('card1', 10, 2),
    slot('card1', 11, 2),
    slot('card1', 12, 2),
    slot('card1', 9, 2, NEXT_DAY),
  ]);
  await opd.addDoctor({ id: 'gp1', name: 'Dr Iyer' });
  await opd.addSlots('gp1', [slot('gp1', 9, 1), slot('gp1', 10, 1), slot('gp1', 14, 6, DAY, 3), slot('gp1', 9, 2, NEXT_DAY), slot('gp1', 9, 2, LATER_DAY)]);
  await opd.addDoctor({ id: 'gp2', name: 'Dr Das', specialization: 'General medicine' });
  await opd.addSlots('gp2', [slot('gp2', 13, 1)]);
  await opd.addDoctor({ id: 'old', name: 'Dr Old', department: 'cardiology' });
  await opd.addSlots('old', [slot('old', 9, 2), slot('old', 12, 2)]);
  await opd.retireDoctor('old', { from: at('11:00') });
  clock.set(at('07:00'));
  const patient = (id: string) => ({ id, name: `Patient ${id}` });
  await opd.book({ doctorId: 'card1', category: 'WALK_IN', patient: patient('w1'), slotId: 'card1-10' });
  await opd.book({ doctorId: 'card1', category: 'WALK_IN', patient: patient('w2'), slotId: 'card1-10' });
  await opd.book({ doctorId: 'card1', category: 'ONLINE', patient: patient('o1'), slotId: 'card1-11' });
  await opd.hold({ doctorId: 'card1', category: 'ONLINE', patient: patient('h1'), slotId: 'card1-12', holdMinutes: 30 });
  await opd.closeSlot('card1-09', { reason: 'Ward round' });
  await opd.book({ doctorId: 'gp1', category: 'WALK_IN', patient: patient('w3'), slotId: 'gp1-09' });
  // A place held for an offer: the first patient cancels, the waiting one is offered the place.
  const first = await opd.book({ doctorId: 'gp2', category: 'WALK_IN', patient: patient('w4'), slotId: 'gp2-13' });
  const second = await opd.book({ doctorId: 'gp2', category: 'WALK_IN', patient: patient('w5'), slotId: 'gp2-13' });
  expect(second.outcome).toBe('WAITLISTED');
  await opd.cancel(first.token.id);
  expect((await opd.getSlot('gp2-13')).claimed).toBe(1);
  return { opd, clock };
}

function publish(opd: OpdScheduler, clock: TestClock, extra: Partial<BulkPublishOptions> = {}): Promise<BulkPublication> {
  return bulkPublish(opd, { baseUrl: BASE, channel: 'ONLINE', now: clock.now(), from: at('00:00'), to: at('00:00', '2026-02-03'), ...extra });
}

/** Every resource of every file, each line parsed: one resource, of the file's type. */
function resourcesOf(publication: BulkPublication): Map<string, Record<string, unknown>[]> {
  const out = new Map<string, Record<string, unknown>[]>();
  for (const file of publication.files) {
    expect(file.ndjson.endsWith('\n')).toBe(true);
    const lines = file.ndjson.slice(0, -1).split('\n');
    expect(lines).toHaveLength(file.count);
    const resources = lines.map((line) => {
      expect(line).not.toContain('\n');
      const resource = JSON.parse(line) as Record<string, unknown>;
      expect(resource['resourceType']).toBe(file.type);
      return resource;
    });
    out.set(file.type, [...(out.get(file.type) ?? []), ...resources]);
  }
  return out;
}

function slotsOf(publication: BulkPublication): FhirPublishedSlot[] {
  return (resourcesOf(publication).get('Slot') ?? []) as unknown as FhirPublishedSlot[];
}

function capacityOf(s: FhirPublishedSlot): number | undefined {
  const ext = s.extension.find((e) => e.url === SMART_SCHEDULING_EXTENSIONS.slotCapacity);
  return ext !== undefined && 'valueInteger' in ext ? ext.valueInteger : undefined;
}

function slotIdOf(s: FhirPublishedSlot): string {
  return s.identifier[0]!.value!;
}

describe('bulkPublish', () => {
  it('writes valid FHIR R4, one resource per NDJSON line, and a manifest the test kit accepts', async () => {
    const { opd, clock } = await scenario();
    const publication = await publish(opd, clock, {
      states: ['KA'],
      bookingLink: 'https://hospital.example/book?slot={slotId}&doctor={doctorId}&at={start}',
      bookingPhone: '+91-80-5550-0100',
      location: {
        name: 'City Hospital OPD',
        description: 'Ground floor, east wing',
        address: { line: ['1 MG Road'], city: 'Bengaluru', state: 'KA', postalCode: '560001', country: 'IN' },
        telecom: [{ system: 'phone', value: '+91-80-5550-0100', use: 'work' }],
        position: { latitude: 12.9716, longitude: 77.5946 },
      },
    });
    const { manifest, files } = publication;
    expect(publication.complete).toBe(true);

    // The test kit's manifest checks (manifest_group.rb).
    const httpUri = (text: string): boolean => ['http:', 'https:'].includes(new URL(text).protocol);
    expect(manifest.request.endsWith('$bulk-publish')).toBe(true);
    expect(manifest.request).toBe(`${BASE}/$bulk-publish`);
    expect(httpUri(manifest.request)).toBe(true);
    expect(typeof manifest.transactionTime).toBe('string');
    expect(manifest.transactionTime).toMatch(INSTANT);
    expect(manifest.transactionTime).toBe(clock.now().toISOString());
    expect(Array.isArray(manifest.output)).toBe(true);
    expect(manifest.error).toEqual([]);
    for (const output of manifest.output) {
      expect(typeof output.type).toBe('string');
      expect(typeof output.url).toBe('string');
      expect(httpUri(output.url)).toBe(true);
      expect(output.extension).toEqual({ state: ['KA'] });
      expect(output.extension!.state.every((s) => typeof s === 'string')).toBe(true);
    }
    expect(manifest.output.map((o) => o.type)).toEqual(['Location', 'HealthcareService', 'PractitionerRole', 'Schedule', 'Slot']);
    // The manifest is JSON as served.
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
    expect(files.map((f) => f.url)).toEqual(manifest.output.map((o) => o.url));

    const resources = resourcesOf(publication);
    let count = 0;
    for (const list of resources.values()) {
      for (const resource of list) {
        expectValid(resource);
        count++;
      }
    }
    expect(count).toBeGreaterThan(15);
    expect(resources.get('Location')).toHaveLength(1);
    expect(resources.get('Location')![0]).toMatchObject({ id: 'default', name: 'City Hospital OPD', address: { city: 'Bengaluru', state: 'KA' } });
    // One service per department, one shared by the doctors without one.
    expect(resources.get('HealthcareService')!.map((s) => [s['id'], s['name']])).toEqual([
      ['cardiology', 'cardiology'],
      ['opd.general', 'General OPD'],
    ]);
    // Every doctor, the one who retires within the window too (inactive once retired), each with a Schedule.
    expect(resources.get('PractitionerRole')!.map((r) => [r['id'], r['active']])).toEqual([
      ['card1', true],
      ['gp1', true],
      ['gp2', true],
      ['old', true],
    ]);
    expect(resources.get('Schedule')!.map((s) => s['id'])).toEqual(['card1', 'gp1', 'gp2', 'old']);
    // The three-hour session is one Slot with its capacity.
    const session = slotsOf(publication).find((s) => slotIdOf(s) === 'gp1-14')!;
    expect([session.start, session.end, session.status, capacityOf(session)]).toEqual(['2026-01-30T14:00:00.000Z', '2026-01-30T17:00:00.000Z', 'free', 3]);
    // Closed and ended slots are not published.
    expect(slotsOf(publication).map(slotIdOf)).not.toContain('card1-09');
  });

  it('publishes a slot free for a channel exactly when its booking gets a place there, and slot-capacity places', async () => {
    const seen = new Set<string>();
    for (const channel of CHANNELS) {
      const { opd, clock } = await scenario();
      const published = slotsOf(await publish(opd, clock, { channel }));
      expect(published.length).toBeGreaterThan(8);
      expect(published.some((s) => s.status === 'free')).toBe(true);
      // An emergency is refused nowhere here: elastic places beyond a full slot, no quota, no window.
      expect(published.some((s) => s.status === 'busy')).toBe(channel !== 'EMERGENCY');
      for (const s of published) {
        seen.add(`${channel} ${s.status} ${s.comment.replace(/^\d+ places? /, 'n ')}`);
        const slotId = slotIdOf(s);
        const doctorId = slotId.split('-')[0]!;
        const places = capacityOf(s)!;
        // A fresh, identical scheduler at the same instant, for each slot.
        const fresh = await scenario();
        const book = async (n: number): Promise<boolean> => {
          try {
            const result = await fresh.opd.book({ doctorId, category: channel, patient: { id: `probe-${n}`, name: 'Probe' }, slotId });
            return result.outcome === 'BOOKED' && result.token.slotId === slotId;
          } catch {
            return false;
          }
        };
        if (s.status === 'free') {
          expect(places, `${channel} ${slotId}`).toBeGreaterThan(0);
          for (let n = 0; n < places; n++) expect(await book(n), `${channel} ${slotId} booking ${n + 1} of ${places}`).toBe(true);
          // Beyond the places the channel is told of, no place (an emergency's elastic places are counted one at a time).
          if (channel !== 'EMERGENCY') expect(await book(places), `${channel} ${slotId} one more`).toBe(false);
        } else {
          expect(places, `${channel} ${slotId}`).toBe(0);
          expect(await book(0), `${channel} ${slotId} is ${s.status}`).toBe(false);
        }
      }
    }
    // Every rule had its say: the quota (a share, a reserve, a hold counted), the booking window,
    // a full slot (by its places, a place held for an offer), elastic places.
    const said = [...seen].join('\n');
    for (const words of [
      'ONLINE busy No place for ONLINE: quota',
      'ONLINE busy No place for ONLINE: outside-window',
      'ONLINE free n for ONLINE',
      'WALK_IN busy No place for WALK_IN: full',
      'WALK_IN free n for WALK_IN',
      'EMERGENCY free n for EMERGENCY (elastic)',
    ]) {
      expect(said).toContain(words);
    }
  });

  it('reads as an aggregator reads it: manifest, then each file line by line, Slot → Schedule → Location, PractitionerRole and HealthcareService', async () => {
    const { opd, clock } = await scenario();
    const publication = await publish(opd, clock, { channel: 'WALK_IN' });
    // "Fetch" each output of the manifest by its url, and stream its lines.
    const served = new Map(publication.files.map((f) => [f.url, f.ndjson]));
    const byRef = new Map<string, Record<string, unknown>>();
    const slots: FhirPublishedSlot[] = [];
    for (const output of publication.manifest.output) {
      const body = served.get(output.url);
      expect(body, output.url).toBeDefined();
      let rest = body!;
      while (rest.length > 0) {
        const end = rest.indexOf('\n');
        const line = end < 0 ? rest : rest.slice(0, end);
        rest = end < 0 ? '' : rest.slice(end + 1);
        if (line.trim() === '') continue;
        const resource = JSON.parse(line) as Record<string, unknown> & { resourceType: string; id: string };
        if (resource.resourceType === 'Slot') slots.push(resource as unknown as FhirPublishedSlot);
        else byRef.set(`${resource.resourceType}/${resource.id}`, resource);
      }
    }
    const perLocation = new Map<string, number>();
    for (const s of slots) {
      const schedule = byRef.get(s.schedule.reference!) as { actor: { reference: string }[] } | undefined;
      expect(schedule, s.schedule.reference).toBeDefined();
      const actors = schedule!.actor.map((a) => a.reference);
      for (const ref of actors) expect(byRef.has(ref), ref).toBe(true);
      const location = actors.find((ref) => ref.startsWith('Location/'))!;
      const role = byRef.get(actors.find((ref) => ref.startsWith('PractitionerRole/'))!) as {
        healthcareService: { reference: string }[];
        location: { reference: string }[];
      };
      expect(byRef.has(role.healthcareService[0]!.reference)).toBe(true);
      expect(role.location[0]!.reference).toBe(location);
      if (s.status === 'free') perLocation.set(location, (perLocation.get(location) ?? 0) + capacityOf(s)!);
    }
    // The sum is what the booking rule answers, doctor by doctor.
    let expected = 0;
    for (const doctor of await opd.listDoctors()) {
      const answers: SlotAvailability[] = await opd.availability({
        doctorId: doctor.id,
        category: 'WALK_IN',
        from: at('00:00'),
        to: at('00:00', '2026-02-03'),
      });
      expected += answers.filter((a) => a.available).reduce((sum, a) => sum + a.places, 0);
    }
    expect(expected).toBeGreaterThan(0);
    expect([...perLocation]).toEqual([['Location/default', expected]]);
  });

  it('fills the booking deep link from its template, URL-encoded, on free slots only, with the booking phone', async () => {
    const clock = new TestClock(at('07:00'));
    const opd = new OpdScheduler({ ...presets.standard(), clock: clock.now });
    await opd.addDoctor({ id: 'dr.a', name: 'Dr A' });
    const long = `s:${'x'.repeat(70)}`;
    await opd.addSlots('dr.a', [
      { id: long, start: at('09:00').toISOString(), end: at('10:00').toISOString(), capacity: 1 },
      { id: 'full', start: at('10:00').toISOString(), end: at('11:00').toISOString(), capacity: 1 },
    ]);
    await opd.book({ doctorId: 'dr.a', category: 'ONLINE', patient: { id: 'p1', name: 'P' }, slotId: 'full' });
    const publication = await publish(opd, clock, {
      bookingLink: 'https://h.example/book?slot={slotId}&doctor={doctorId}&start={start}',
      bookingPhone: '080 5550 0100',
    });
    for (const list of resourcesOf(publication).values()) for (const resource of list) expectValid(resource);
    const [free, busy] = slotsOf(publication);
    expect(free!.status).toBe('free');
    // A slot id too long for a FHIR id still has one, and the Schedule it names is published.
    expect(free!.id).toMatch(/^\.h[0-9a-f]{32}$/);
    expect(free!.schedule.reference).toBe('Schedule/dr.2ea');
    expect(free!.extension).toEqual([
      { url: SMART_SCHEDULING_EXTENSIONS.slotCapacity, valueInteger: 1 },
      {
        url: SMART_SCHEDULING_EXTENSIONS.bookingDeepLink,
        valueUrl: `https://h.example/book?slot=${encodeURIComponent(long)}&doctor=dr.a&start=2026-01-30T09%3A00%3A00.000Z`,
      },
      { url: SMART_SCHEDULING_EXTENSIONS.bookingPhone, valueString: '080 5550 0100' },
    ]);
    expect(new URL((free!.extension[1] as { valueUrl: string }).valueUrl).searchParams.get('slot')).toBe(long);
    expect(busy!.status).toBe('busy');
    expect(busy!.extension).toEqual([{ url: SMART_SCHEDULING_EXTENSIONS.slotCapacity, valueInteger: 0 }]);
    expect(
      resourcesOf(publication)
        .get('Schedule')!
        .map((s) => s['id']),
    ).toEqual(['dr.2ea']);
  });

  it('answers since an instant from the event log: the doctor-days events touched, and the slots the clock alone can change', async () => {
    const { opd, clock } = await scenario();
    // The scenario's events are six minutes before t0: out of the five minutes before it that count.
    clock.set(at('07:06'));
    const t0 = clock.now();
    const full = await publish(opd, clock);
    const fullIds = slotsOf(full).map(slotIdOf);
    clock.set(at('07:10'));
    // gp1's day: a booking fills gp1-10, and its session closes.
    await opd.book({ doctorId: 'gp1', category: 'WALK_IN', patient: { id: 'n1', name: 'N' }, slotId: 'gp1-10' });
    await opd.closeSlot('gp1-14', { reason: 'Doctor called away' });
    const later = await publish(opd, clock, { since: t0 });
    expect(later.complete).toBe(false);
    expect(later.manifest.request).toBe(`${BASE}/$bulk-publish?_since=${encodeURIComponent(t0.toISOString())}`);
    for (const f of later.files) expect(f.url).toBe(`${BASE}/${f.name}?_since=${encodeURIComponent(t0.toISOString())}`);
    for (const list of resourcesOf(later).values()) for (const resource of list) expectValid(resource);
    const slots = slotsOf(later);
    const status = new Map(slots.map((s) => [slotIdOf(s), s.status]));
    // The touched day, whole: the slot just filled, the one full before, the closed session.
    expect(status.get('gp1-10')).toBe('busy');
    expect(status.get('gp1-09')).toBe('busy');
    expect(status.get('gp1-14')).toBe('busy-unavailable');
    // Untouched days: what the clock can change (free slots, a quota's or a window's refusal) is
    // republished; a slot full by its places is not, nor a closed one, nor a retired doctor's.
    expect(status.get('card1-31-09')).toBe('free');
    expect(status.get('card1-12')).toBe('busy'); // the quota, with the hold counted
    expect(status.get('old-09')).toBe('free');
    expect(status.get('card1-08')).toBe('busy'); // the booking window
    expect(status.has('gp2-13')).toBe(false); // full: the place held for an offer
    expect(status.has('card1-09')).toBe(false); // closed before
    expect(status.has('old-12')).toBe(false); // closed by the retirement, before
    expect(slots.length).toBeLessThan(fullIds.length);
    // Only the doctors with something published; the Location always.
    const resources = resourcesOf(later);
    expect(resources.get('Schedule')!.map((s) => s['id'])).toEqual(['card1', 'gp1', 'old']);
    expect(resources.get('Location')).toHaveLength(1);
    // Every slot of the full feed whose status changed is in the answer since t0.
    const now = slotsOf(await publish(opd, clock));
    const before = new Map(slotsOf(full).map((s) => [slotIdOf(s), JSON.stringify(s)]));
    for (const s of now) if (before.get(slotIdOf(s)) !== JSON.stringify(s)) expect(status.has(slotIdOf(s)), slotIdOf(s)).toBe(true);

    // An event about the doctor: every slot of theirs in the window, and their Schedule.
    const t1 = clock.now();
    clock.set(at('07:20'));
    await opd.updateDoctor('gp2', { room: 'B-4' });
    const afterUpdate = await publish(opd, clock, { since: t1 });
    expect(slotsOf(afterUpdate).filter((s) => slotIdOf(s).startsWith('gp2'))).toHaveLength(1);
    expect(
      resourcesOf(afterUpdate)
        .get('Schedule')!
        .map((s) => s['id']),
    ).toContain('gp2');

    // A doctor who retires before the window: their slots, closed by the retirement, as busy-unavailable.
    const t2 = clock.now();
    clock.set(at('07:30'));
    await opd.retireDoctor('gp1', { from: at('08:00') });
    const afterLeave = await publish(opd, clock, { since: t2, from: at('08:30') });
    for (const list of resourcesOf(afterLeave).values()) for (const resource of list) expectValid(resource);
    const gp1 = slotsOf(afterLeave).filter((s) => slotIdOf(s).startsWith('gp1'));
    expect(gp1.map((s) => [slotIdOf(s), s.status])).toEqual([
      ['gp1-09', 'busy-unavailable'],
      ['gp1-10', 'busy-unavailable'],
      ['gp1-14', 'busy-unavailable'],
      ['gp1-31-09', 'busy-unavailable'],
      ['gp1-01-09', 'busy-unavailable'],
    ]);
    const role = resourcesOf(afterLeave)
      .get('PractitionerRole')!
      .find((r) => r['id'] === 'gp1');
    // Active until the retirement, which ends its period.
    expect(role).toMatchObject({ active: true, period: { end: '2026-01-30T08:00:00.000Z' } });
    // Asked of the whole window, a retired doctor's closed slots are left out, like every closed slot.
    const whole = slotsOf(await publish(opd, clock, { from: at('08:30') }));
    expect(whole.filter((s) => slotIdOf(s).startsWith('gp1'))).toEqual([]);
  });

  it('finds the first event after `since` in a long history, and publishes everything when the history forgot it', async () => {
    const clock = new TestClock(at('06:00'));
    const opd = new OpdScheduler({ ...presets.waitlist(), clock: clock.now });
    const days = [DAY, NEXT_DAY, LATER_DAY];
    for (const d of ['a', 'b', 'c']) {
      await opd.addDoctor({ id: d, name: `Dr ${d}` });
      await opd.addSlots(
        d,
        days.flatMap((day) => [slot(d, 9, 1, day), slot(d, 10, 1, day)]),
      );
    }
    // 36 bookings a minute apart, each filling a slot or waiting: 36 events in time order.
    let n = 0;
    for (const day of days) {
      for (const d of ['a', 'b', 'c']) {
        for (const hour of [9, 10]) {
          for (let k = 0; k < 2; k++) {
            clock.advance(1);
            await opd.book({ doctorId: d, category: 'WALK_IN', patient: { id: `p${++n}`, name: 'P' }, slotId: slot(d, hour, 1, day).id });
          }
        }
      }
    }
    const events: OpdEvent[] = await allHistory(opd);
    expect(events.length).toBeGreaterThanOrEqual(36);
    clock.advance(10);
    for (const minutes of [0, 1, 5, 13, 20, 29, 35, 36, 40, 46]) {
      const since = new Date(at('06:00').getTime() + minutes * 60_000);
      // The events stamped from five minutes before `since` count (another process's clock may be behind).
      const touched = new Set(events.filter((e) => e.at.getTime() >= since.getTime() - 5 * 60_000).map((e) => `${e.doctorId} ${(e as { day?: string }).day}`));
      const published = slotsOf(
        await bulkPublish(opd, { baseUrl: BASE, channel: 'WALK_IN', now: clock.now(), from: at('00:00'), to: at('00:00', '2026-02-03'), since }),
      );
      // Every slot is full: exactly the slots of the touched doctor-days are published.
      const expected = days.flatMap((day) =>
        ['a', 'b', 'c'].filter((d) => touched.has(`${d} ${day}`)).flatMap((d) => [slot(d, 9, 1, day).id, slot(d, 10, 1, day).id]),
      );
      expect(published.map(slotIdOf).sort(), `since +${minutes} min`).toEqual(expected.sort());
    }

    // A store that keeps the last 5 events cannot say what changed since before them: everything.
    const { opd: forgetful, clock: clock2 } = await scenario(new MemoryStorage({ historyLimit: 5 }));
    const all = await publish(forgetful, clock2);
    const since = await publish(forgetful, clock2, { since: at('06:30') });
    expect(since.complete).toBe(true);
    expect(since.files.map((f) => f.ndjson)).toEqual(all.files.map((f) => f.ndjson));
  });

  it('republishes a slot an event touched in the five minutes before `since`: a process whose clock is behind fills it', async () => {
    // Two schedulers on one store, as two processes of one hospital: the second's clock is 2 minutes behind.
    const storage = new MemoryStorage();
    const clock = new TestClock(at('07:00'));
    const late = new TestClock(at('06:58'));
    const server = new OpdScheduler({ ...presets.waitlist(), storage, clock: clock.now });
    const desk = new OpdScheduler({ ...presets.waitlist(), storage, clock: late.now });
    await server.addDoctor({ id: 'gp', name: 'Dr Gupta' });
    await server.addSlots('gp', [slot('gp', 9, 1), slot('gp', 10, 1)]);
    await server.addDoctor({ id: 'far', name: 'Dr Far' });
    await server.addSlots('far', [slot('far', 9, 1)]);
    await server.book({ doctorId: 'far', category: 'WALK_IN', patient: { id: 'p0', name: 'P' }, slotId: 'far-09' });
    const options = { baseUrl: BASE, channel: 'WALK_IN', from: at('00:00'), to: at('00:00', NEXT_DAY) };
    clock.set(at('07:10'));
    late.set(at('07:08'));
    const first = await bulkPublish(server, options);
    expect(slotsOf(first).find((s) => slotIdOf(s) === 'gp-09')!.status).toBe('free');
    // A minute after the poll, the desk books the last place of gp-09: its event is stamped a minute before it.
    clock.set(at('07:11'));
    late.set(at('07:09'));
    const booked = await desk.book({ doctorId: 'gp', category: 'WALK_IN', patient: { id: 'p1', name: 'P' }, slotId: 'gp-09' });
    expect(booked.outcome).toBe('BOOKED');
    expect((await allHistory(server)).at(-1)!.at.getTime()).toBeLessThan(Date.parse(first.manifest.transactionTime));
    clock.set(at('07:15'));
    const since = await bulkPublish(server, { ...options, since: first.manifest.transactionTime });
    const status = new Map(slotsOf(since).map((s) => [slotIdOf(s), s.status]));
    expect(status.get('gp-09')).toBe('busy');
    // The whole touched day is republished; a day whose last event is older than the window is not (full, untouched).
    expect(status.get('gp-10')).toBe('free');
    expect(status.has('far-09')).toBe(false);
    // Polled again later, the event is out of the window: nothing of gp's but its free slot.
    clock.set(at('07:30'));
    const later = await bulkPublish(server, { ...options, since: at('07:20') });
    expect(slotsOf(later).map((s) => [slotIdOf(s), s.status])).toEqual([['gp-10', 'free']]);
    await desk.close();
    await server.close();
  });

  it('reads a few events of a long history, not all of it', async () => {
    const clock = new TestClock(at('00:00'));
    const opd = new OpdScheduler({ ...presets.waitlist(), clock: clock.now });
    await opd.addDoctor({ id: 'a', name: 'Dr A' });
    const days = Array.from({ length: 30 }, (_, i) => new Date(at('09:00').getTime() + (i + 1) * 86_400_000).toISOString().slice(0, 10));
    const dayslot = (day: string) => ({ ...slot('a', 9, 1, day), id: `a-${day}` });
    await opd.addSlots('a', days.map(dayslot));
    let n = 0;
    for (const day of days) {
      for (let k = 0; k < 40; k++) {
        clock.advance(1);
        await opd.book({ doctorId: 'a', category: 'WALK_IN', patient: { id: `p${++n}`, name: 'P' }, slotId: `a-${day}` });
      }
    }
    const stored = (await allHistory(opd)).length;
    expect(stored).toBe(1200);
    const calls: number[] = [];
    const history = opd.history.bind(opd);
    opd.history = async (opts) => {
      const page = await history(opts);
      calls.push(page.length);
      return page;
    };
    // The last 10 minutes: the bookings of the last day.
    const since = new Date(clock.now().getTime() - 9 * 60_000);
    const published = slotsOf(
      await bulkPublish(opd, { baseUrl: BASE, channel: 'WALK_IN', now: clock.now(), from: at('00:00'), to: at('00:00', '2026-03-05'), since }),
    );
    expect(published.map(slotIdOf)).toEqual([`a-${days.at(-1)!}`]);
    console.info(`history: ${stored} events stored; ${calls.length} calls read ${calls.reduce((a, b) => a + b, 0)} events`);
    expect(calls.length).toBeLessThan(30);
    expect(calls.reduce((a, b) => a + b, 0)).toBeLessThan(60);
  });

  it('refuses bad options with VALIDATION_FAILED naming the field', async () => {
    const { opd, clock } = await scenario();
    const good: BulkPublishOptions = { baseUrl: BASE, channel: 'ONLINE', now: clock.now() };
    const bad = async (options: unknown, field: string): Promise<void> => {
      const error = await rejectsWith(bulkPublish(opd, options as BulkPublishOptions), 'VALIDATION_FAILED');
      expect(error.details['field']).toBe(field);
    };
    await bad(undefined, 'options');
    await bad({ ...good, baseUrl: 'ftp://hospital.example' }, 'options.baseUrl');
    await bad({ ...good, baseUrl: '/fhir' }, 'options.baseUrl');
    await bad({ ...good, baseUrl: `${BASE}?x=1` }, 'options.baseUrl');
    await bad({ ...good, channel: 'NOPE' }, 'options.channel');
    await bad({ ...good, channel: '' }, 'options.channel');
    await bad({ ...good, from: at('10:00'), to: at('09:00') }, 'options.to');
    await bad({ ...good, from: at('10:00'), to: new Date(at('10:00').getTime() + 400 * 86_400_000) }, 'options.to');
    await bad({ ...good, from: 'yesterday' }, 'options.from');
    await bad({ ...good, since: new Date(clock.now().getTime() + 60_000) }, 'options.since');
    await bad({ ...good, states: 'KA' }, 'options.states');
    await bad({ ...good, states: ['KA', 7] }, 'options.states[1]');
    await bad({ ...good, bookingLink: 'https://h.example/book?slot={slot}' }, 'options.bookingLink');
    await bad({ ...good, bookingLink: 'mailto:desk@h.example' }, 'options.bookingLink');
    await bad({ ...good, bookingPhone: '' }, 'options.bookingPhone');
    await bad({ ...good, location: { description: 'no name' } }, 'options.location.name');
    await bad({ ...good, location: { name: 'OPD', telecom: [{ system: 'pigeon', value: 'x' }] } }, 'options.location.telecom[0].system');
    await bad({ ...good, location: { name: 'OPD', position: { latitude: 91, longitude: 0 } } }, 'options.location.position.latitude');
    await bad({ ...good, location: { name: 'OPD', address: { line: [] } } }, 'options.location.address.line');
    await bad({ ...good, identifierSystem: 'has space' }, 'options.identifierSystem');
    await bad({ ...good, practitioner: { reference: 'Practitioner/1' } }, 'options.practitioner');
    await rejectsWith(bulkPublish({} as OpdScheduler, good), 'VALIDATION_FAILED');
  });
});
